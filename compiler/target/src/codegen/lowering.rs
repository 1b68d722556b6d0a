//! What of an IR block a target lowers, and small facts about IR types
//! every target's instruction selection uses.

use ccc_ir::{BinOp, Block, Function, Inst, InstKind, IntCC, Type, Value};

use super::mir::Reg;

/// The instructions of a block to select code for. The `unreachable` that the
/// front end puts after a call to a `noreturn` function produces nothing, as
/// with GCC (the kernel's objtool rejects any instruction there).
pub fn lowered_insts(insts: &[Inst]) -> impl Iterator<Item = &Inst> {
    insts.iter().enumerate().filter(move |(i, inst)| {
        !(matches!(inst.kind, InstKind::Unreachable) && *i > 0 && matches!(insts[i - 1].kind, InstKind::Call { .. }))
    }).map(|(_, inst)| inst)
}

/// Bytes of a value of `t` in registers (pointers and wider are 8; 128-bit values 16).
pub fn int_sz(t: Type) -> u8 {
    match t {
        Type::I8 => 1,
        Type::I16 => 2,
        Type::I32 | Type::F32 => 4,
        Type::I128 | Type::F128 => 16,
        _ => 8,
    }
}

/// Sign-extend the low `bits` of `v`.
pub fn sext(v: i128, bits: u32) -> i128 {
    if bits >= 128 {
        v
    } else {
        (v << (128 - bits)) >> (128 - bits)
    }
}

pub fn is_signed_cc(cc: IntCC) -> bool {
    matches!(cc, IntCC::Slt | IntCC::Sle | IntCC::Sgt | IntCC::Sge)
}

/// Where a target's machine code finds an IR value during instruction selection.
#[derive(Clone, Debug)]
pub enum VLoc {
    Unset,
    Reg(Reg),
    /// I128 and F128 (binary128 is kept in integer registers): low, high.
    Pair(Reg, Reg),
    Const(i128),
    FConst(Type, u128),
    /// The address of a frame slot plus an offset, computed at each use.
    Slot(u32, i64),
    /// `base + off` used only as an address: folds into loads and stores.
    Off(Value, i64),
}

/// Per-function facts the emitter needs after instruction selection.
pub struct Isel2 {
    pub label_prefix: String,
    /// Machine block of each IR block.
    pub block_map: Vec<Option<u32>>,
    pub variadic: bool,
}

impl Isel2 {
    /// The `.Lba.FUNC.N` labels of blocks whose address is taken (by this
    /// function or by static data), with the machine block each marks.
    pub fn block_address_labels(&self, func: &str, addr_taken: &[Block], extra_labels: &[u32]) -> Vec<(u32, String)> {
        let mut labels: Vec<(u32, String)> = Vec::new();
        for b in addr_taken.iter().map(|b| b.0).chain(extra_labels.iter().copied()) {
            if let Some(Some(mb)) = self.block_map.get(b as usize) {
                let l = format!(".Lba.{func}.{b}");
                if !labels.iter().any(|x| x.1 == l) {
                    labels.push((*mb, l));
                }
            }
        }
        labels
    }
}

/// How a switch is lowered: a jump table over `min..=min+targets.len()-1`,
/// or compares over the sorted, distinct cases.
pub enum SwitchPlan {
    Table { min: i64, targets: Vec<u32> },
    Tree(Vec<(i64, u32)>),
}

/// Choose a switch lowering for `(value, block)` cases (values already
/// sign-extended from the switch type): a table when there are at least 4
/// cases filling a third of their range.
pub fn plan_switch(mut cs: Vec<(i64, u32)>, default: u32) -> SwitchPlan {
    cs.sort_by_key(|c| c.0);
    cs.dedup_by_key(|c| c.0);
    if cs.len() >= 4 {
        let (min, max) = (cs[0].0, cs[cs.len() - 1].0);
        let range = (max as i128 - min as i128) as u128;
        if range < 3 * cs.len() as u128 && range < 1 << 20 {
            let mut targets = vec![default; range as usize + 1];
            for &(c, b) in &cs {
                targets[(c as i128 - min as i128) as usize] = b;
            }
            return SwitchPlan::Table { min, targets };
        }
    }
    SwitchPlan::Tree(cs)
}

/// What a load/store target decides per instruction-selection prepass.
pub struct PrepassRules {
    /// Whether `base + off` folds into the address of a load or store.
    pub addr_offset_fits: fn(i64) -> bool,
    /// Whether a compare (the `Branch` condition it alone feeds) is left to the branch.
    pub foldable_cmp: fn(&InstKind) -> bool,
}

/// The result of [`prepass`]: where every value lives, use counts,
/// compares folded into branches and blocks whose address is taken.
pub struct Prepass {
    pub vals: Vec<VLoc>,
    pub uses: Vec<u32>,
    pub folded: Vec<bool>,
    pub addr_taken: Vec<Block>,
}

/// Decide how each value of `f` is represented before lowering: constants,
/// slot addresses and `slot + constant` stay lazy (materialised at their
/// uses), `reg + small constant` used only as addresses folds into the
/// memory operands, everything else gets a home from `home` (registers of
/// the target's classes for the type).
pub fn prepass(f: &Function, rules: &PrepassRules, home: &mut dyn FnMut(Type) -> Result<VLoc, String>) -> Result<Prepass, String> {
    let n = f.values.len();
    let mut p = Prepass { vals: vec![VLoc::Unset; n], uses: vec![0; n], folded: vec![false; n], addr_taken: Vec::new() };
    let mut addr_uses = vec![0u32; n];
    for &b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            inst.kind.for_each_operand(|v| p.uses[v.index()] += 1);
            match &inst.kind {
                InstKind::Load { ptr, .. } => addr_uses[ptr.index()] += 1,
                InstKind::Store { ptr, value, .. } if ptr != value => addr_uses[ptr.index()] += 1,
                InstKind::BlockAddr { block } if !p.addr_taken.contains(block) => p.addr_taken.push(*block),
                _ => {}
            }
        }
    }
    let const_of = |vals: &[VLoc], v: Value| match vals[v.index()] {
        VLoc::Const(c) => Some(sext(c, f.value_type(v).bits()) as i64),
        _ => None,
    };
    for &b in &f.layout {
        let bd = &f.blocks[b.index()];
        for &v in &bd.params {
            p.vals[v.index()] = home(f.value_type(v))?;
        }
        let term_cond = match bd.insts.last().map(|i| &i.kind) {
            Some(InstKind::Branch { cond, .. }) => Some(*cond),
            _ => None,
        };
        for inst in &bd.insts {
            let Some(r) = inst.result else { continue };
            let lazy = match &inst.kind {
                InstKind::IConst { value, .. } => Some(VLoc::Const(*value)),
                // Undecided by the optimiser (it decides them all): not a constant.
                InstKind::IsConstant { .. } => Some(VLoc::Const(0)),
                InstKind::FConst { ty, bits } => Some(VLoc::FConst(*ty, *bits)),
                // over-aligned slots are aligned at run time (the frame is only 16-aligned)
                InstKind::SlotAddr { slot } if f.slots[slot.index()].align <= 16 => Some(VLoc::Slot(slot.0, 0)),
                InstKind::Binary { op: op @ (BinOp::Add | BinOp::Sub), ty: Type::Ptr | Type::I64, lhs, rhs } => {
                    let addr_only = p.uses[r.index()] > 0 && p.uses[r.index()] == addr_uses[r.index()];
                    let c = const_of(&p.vals, *rhs).map(|c| if *op == BinOp::Add { c } else { c.wrapping_neg() });
                    match (&p.vals[lhs.index()], c) {
                        // slot + constant stays an offset from the frame pointer
                        (VLoc::Slot(s, off), Some(c)) if c.unsigned_abs() < 1 << 30 => Some(VLoc::Slot(*s, off + c)),
                        (VLoc::Reg(_), Some(c)) if addr_only && (rules.addr_offset_fits)(c) => Some(VLoc::Off(*lhs, c)),
                        _ => None,
                    }
                }
                _ => None,
            };
            if term_cond == Some(r) && p.uses[r.index()] == 1 && (rules.foldable_cmp)(&inst.kind) {
                p.folded[r.index()] = true;
            }
            p.vals[r.index()] = match lazy {
                Some(l) => l,
                None => home(f.value_type(r))?,
            };
        }
    }
    Ok(p)
}
