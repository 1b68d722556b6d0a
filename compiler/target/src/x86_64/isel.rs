//! Instruction selection: IR functions to x86-64 machine functions over
//! virtual registers. Cheap pure values (constants, symbol and slot
//! addresses, pointer+constant) are rematerialised at their uses so they
//! fold into immediates and addressing modes; compares fold into the
//! branch, select or set that consumes them.

use ccc_ir::{
    AbiType, BinOp, Block, CastOp, CodegenOptions, FloatCC, Function, InstKind, IntCC, Type, Value, ValueDef,
};

use crate::codegen::module::{ConstPool, SymInfo};
use super::inst::*;
use crate::codegen::mir::{MBlock, MFunc, OpKind, Reg, RegClass};

/// Where the machine code finds an IR value.
#[derive(Clone, Debug)]
pub enum VLoc {
    Unset,
    Reg(Reg),
    /// I128: low and high halves.
    Pair(Reg, Reg),
    /// F80 (and other memory-resident values): their 16 bytes live here.
    Mem(Amode),
    Const(i128),
    FConst(Type, u128),
    /// A lazily computed address.
    Addr(Amode),
    /// `base + disp` computed lazily (folds into addressing modes).
    AddrOf(Value, i64),
    /// `base + index * scale` computed lazily.
    Indexed(Value, Value, u8),
    /// A load consumed by the next instruction: becomes its memory operand.
    Load(Type, Value),
}

/// How a flag-producing compare is consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Cc(Cc),
    /// Float equality: ZF=1 and PF=0.
    FEq,
    /// Float inequality: ZF=0 or PF=1.
    FNe,
}

impl Cond {
    pub fn invert(self) -> Cond {
        match self {
            Cond::Cc(c) => Cond::Cc(c.invert()),
            Cond::FEq => Cond::FNe,
            Cond::FNe => Cond::FEq,
        }
    }
}

pub struct Isel<'a> {
    pub f: &'a Function,
    pub opts: &'a CodegenOptions,
    pub syms: &'a SymInfo,
    pub consts: &'a mut ConstPool,
    pub mf: MFunc<Inst>,
    pub cur: u32,
    pub vals: Vec<VLoc>,
    pub uses: Vec<u32>,
    /// Compares whose flags are produced by their single user.
    pub folded: Vec<bool>,
    /// For folded compares of compares: the innermost compare and inversion.
    pub chain: Vec<Option<(Value, bool)>>,
    pub block_map: Vec<Option<u32>>,
    pub sret_ptr: Option<Reg>,
    /// The incoming static chain, copied out of its register at entry.
    pub static_chain: Option<Reg>,
    pub va: Option<super::calls::VaInfo>,
    pub jt_count: u32,
    pub label_prefix: String,
    /// IR blocks whose address is taken (need a stable label).
    pub addr_taken: Vec<Block>,
    pub uses_float: bool,
}

pub fn int_sz(t: Type) -> u8 {
    match t {
        Type::I8 => 1,
        Type::I16 => 2,
        Type::I32 => 4,
        _ => 8,
    }
}

pub fn is_scalar_int(t: Type) -> bool {
    matches!(t, Type::I8 | Type::I16 | Type::I32 | Type::Ptr) || t == Type::I64 && !i386()
}

/// The integer type held in a register pair: I128, I64 in the i386 mode.
pub fn dword() -> Type {
    if i386() {
        Type::I64
    } else {
        Type::I128
    }
}

/// Bits of a machine word.
pub fn wbits() -> u32 {
    8 * u32::from(word())
}

/// The libgcc name of a double-word routine: `__divti3` or `__divdi3`.
pub fn dword_libcall(ti_name: &'static str) -> String {
    if i386() {
        ti_name.replace("ti3", "di3")
    } else {
        ti_name.to_string()
    }
}

pub fn fits_i32(v: i64) -> bool {
    v as i32 as i64 == v
}

pub use crate::codegen::lowering::{sext, Isel2};
use crate::codegen::lowering::{plan_switch, SwitchPlan};

fn int_cc(cc: IntCC) -> Cc {
    match cc {
        IntCC::Eq => Cc::E,
        IntCC::Ne => Cc::Ne,
        IntCC::Slt => Cc::L,
        IntCC::Sle => Cc::Le,
        IntCC::Sgt => Cc::G,
        IntCC::Sge => Cc::Ge,
        IntCC::Ult => Cc::B,
        IntCC::Ule => Cc::Be,
        IntCC::Ugt => Cc::A,
        IntCC::Uge => Cc::Ae,
    }
}

fn swap_cc(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Slt => IntCC::Sgt,
        IntCC::Sle => IntCC::Sge,
        IntCC::Sgt => IntCC::Slt,
        IntCC::Sge => IntCC::Sle,
        IntCC::Ult => IntCC::Ugt,
        IntCC::Ule => IntCC::Uge,
        IntCC::Ugt => IntCC::Ult,
        IntCC::Uge => IntCC::Ule,
        c => c,
    }
}

impl<'a> Isel<'a> {
    pub fn new(f: &'a Function, opts: &'a CodegenOptions, syms: &'a SymInfo, consts: &'a mut ConstPool, fn_index: usize) -> Self {
        Isel {
            f,
            opts,
            syms,
            consts,
            mf: MFunc::new(),
            cur: 0,
            vals: vec![VLoc::Unset; f.values.len()],
            uses: vec![0; f.values.len()],
            folded: vec![false; f.values.len()],
            chain: vec![None; f.values.len()],
            block_map: vec![None; f.blocks.len()],
            sret_ptr: None,
            static_chain: None,
            va: None,
            jt_count: 0,
            label_prefix: format!(".LBB{fn_index}_"),
            addr_taken: Vec::new(),
            uses_float: false,
        }
    }

    // ---------------------------------------------------------------- emission helpers

    pub fn emit(&mut self, i: Inst) {
        self.mf.blocks[self.cur as usize].insts.push(i);
    }

    pub fn new_block(&mut self) -> u32 {
        self.mf.blocks.push(MBlock { insts: Vec::new(), succs: Vec::new() });
        (self.mf.blocks.len() - 1) as u32
    }

    pub fn add_succ(&mut self, b: u32) {
        let s = &mut self.mf.blocks[self.cur as usize].succs;
        if !s.contains(&b) {
            s.push(b);
        }
    }

    pub fn vreg(&mut self) -> Reg {
        self.mf.new_vreg(RegClass::Int)
    }

    pub fn fvreg(&mut self) -> Reg {
        self.uses_float = true;
        self.mf.new_vreg(RegClass::Float)
    }

    pub fn scratch(&mut self) -> Reg {
        self.mf.new_scratch(RegClass::Int)
    }

    pub fn text(&mut self, tmpl: &'static str, ops: Vec<(Opnd, OpKind)>) {
        self.emit(Inst::Text(Box::new(Text { tmpl, ops, clobbers: Vec::new() })));
    }

    pub fn mov(&mut self, sz: u8, src: Opnd, dst: Opnd) {
        self.emit(Inst::Mov { sz, src, dst });
    }

    pub fn mov_rr(&mut self, src: Reg, dst: Reg) {
        self.mov(8, Opnd::Reg(src), Opnd::Reg(dst));
    }

    pub fn fmov_rr(&mut self, src: Reg, dst: Reg) {
        self.emit(Inst::SseMov { dbl: true, src: Opnd::Reg(src), dst: Opnd::Reg(dst) });
    }

    /// Load an integer constant into `dst`.
    pub fn load_imm(&mut self, v: i64, dst: Reg) {
        if v >= 0 && v <= u32::MAX as i64 {
            // movl zero-extends and is shorter
            self.mov(4, Opnd::Imm(v as u32 as i64), Opnd::Reg(dst));
        } else if fits_i32(v) {
            self.mov(8, Opnd::Imm(v), Opnd::Reg(dst));
        } else {
            self.emit(Inst::MovAbs { imm: v, dst });
        }
    }

    pub fn frame_slot(&mut self, size: u64, align: u32) -> u32 {
        self.mf.frame.new_slot(size, align)
    }

    // ---------------------------------------------------------------- operands

    pub(crate) fn def_inst(&self, v: Value) -> Option<&'a InstKind> {
        match self.f.values[v.index()].def {
            ValueDef::Inst(b, i) => self.f.blocks[b.index()].insts.get(i as usize).map(|i| &i.kind),
            _ => None,
        }
    }

    pub fn ty(&self, v: Value) -> Type {
        self.f.value_type(v)
    }

    /// The value in an integer or float register (materialising lazy values).
    pub fn reg(&mut self, v: Value) -> Result<Reg, String> {
        match self.vals[v.index()].clone() {
            VLoc::Reg(r) => Ok(r),
            VLoc::Const(c) => {
                let t = self.ty(v);
                if t.is_float() {
                    return self.fconst_reg(t, c as u128);
                }
                let r = self.vreg();
                self.load_imm(c as i64, r);
                Ok(r)
            }
            VLoc::FConst(t, bits) => self.fconst_reg(t, bits),
            VLoc::Addr(a) => {
                let r = self.vreg();
                self.emit(Inst::Lea { mem: a, dst: r });
                Ok(r)
            }
            VLoc::AddrOf(..) | VLoc::Indexed(..) => {
                let a = self.amode(v)?;
                let r = self.vreg();
                self.emit(Inst::Lea { mem: a, dst: r });
                Ok(r)
            }
            VLoc::Load(ty, ptr) => {
                let a = self.amode(ptr)?;
                let r = if ty.is_float() { self.fvreg() } else { self.vreg() };
                self.load_into(ty, a, r);
                Ok(r)
            }
            VLoc::Pair(lo, _) => Ok(lo),
            VLoc::Mem(_) | VLoc::Unset => Err(format!("{}: value {v} has no register form", self.f.name)),
        }
    }

    fn fconst_reg(&mut self, t: Type, bits: u128) -> Result<Reg, String> {
        let r = self.fvreg();
        if bits == 0 {
            self.text("xorps\t{0}, {0}", vec![(Opnd::Reg(r), OpKind::Def)]);
            return Ok(r);
        }
        let dbl = t == Type::F64;
        let bytes = if dbl { (bits as u64).to_le_bytes().to_vec() } else { (bits as u32).to_le_bytes().to_vec() };
        let label = self.consts.get(&bytes, bytes.len() as u32);
        self.emit(Inst::SseMov { dbl, src: Opnd::Mem(Amode::rip(label, 0)), dst: Opnd::Reg(r) });
        Ok(r)
    }

    /// Operand form of an integer value: an immediate when it fits.
    /// Operand of an instruction working on `sz` bytes: an immediate when
    /// the constant fits, memory for a folded load of the same width.
    pub fn opnd_sz(&mut self, v: Value, sz: u8) -> Result<Opnd, String> {
        if let VLoc::Load(ty, ptr) = self.vals[v.index()] {
            if is_scalar_int(ty) && int_sz(ty) == sz {
                return Ok(Opnd::Mem(self.amode(ptr)?));
            }
        }
        self.opnd(v)
    }

    pub fn opnd(&mut self, v: Value) -> Result<Opnd, String> {
        if let VLoc::Const(c) = self.vals[v.index()] {
            let t = self.ty(v);
            let c = sext(c, t.bits()) as i64;
            if fits_i32(c) {
                return Ok(Opnd::Imm(c));
            }
        }
        Ok(Opnd::Reg(self.reg(v)?))
    }

    pub fn const_of(&self, v: Value) -> Option<i128> {
        match self.vals[v.index()] {
            VLoc::Const(c) => Some(sext(c, self.ty(v).bits())),
            _ => None,
        }
    }

    /// Both halves of an I128 value.
    pub fn pair(&mut self, v: Value) -> Result<(Reg, Reg), String> {
        match self.vals[v.index()].clone() {
            VLoc::Pair(lo, hi) => Ok((lo, hi)),
            VLoc::Const(c) => {
                let (lo, hi) = (self.vreg(), self.vreg());
                self.load_imm(sext(c, wbits()) as i64, lo);
                self.load_imm(sext(c >> wbits(), wbits()) as i64, hi);
                Ok((lo, hi))
            }
            _ => Err(format!("{}: {v} is not a double-word value", self.f.name)),
        }
    }

    /// Memory holding an F80 value.
    pub fn f80(&mut self, v: Value) -> Result<Amode, String> {
        match self.vals[v.index()].clone() {
            VLoc::Mem(a) => Ok(a),
            l @ (VLoc::FConst(..) | VLoc::Const(_)) => {
                let bits = match l {
                    VLoc::FConst(_, b) => b,
                    VLoc::Const(c) => c as u128,
                    _ => 0,
                };
                let bytes = if self.ty(v) == Type::F128 {
                    bits.to_le_bytes().to_vec()
                } else {
                    let mut b = (bits as u64).to_le_bytes().to_vec();
                    b.extend_from_slice(&((bits >> 64) as u16).to_le_bytes());
                    b.resize(16, 0);
                    b
                };
                Ok(Amode::rip(self.consts.get(&bytes, 16), 0))
            }
            _ => Err(format!("{}: {v} is not an x87 value", self.f.name)),
        }
    }

    /// Addressing mode for a pointer value.
    pub fn amode(&mut self, v: Value) -> Result<Amode, String> {
        match self.vals[v.index()].clone() {
            VLoc::Addr(a) => Ok(a),
            VLoc::AddrOf(base, d) => {
                let a = self.amode(base)?;
                if fits_i32(a.disp + d) {
                    Ok(a.offset(d))
                } else {
                    let r = self.vreg();
                    self.emit(Inst::Lea { mem: a, dst: r });
                    let k = self.vreg();
                    self.load_imm(d, k);
                    Ok(Amode { base: Base::Reg(r), index: Some((k, 1)), disp: 0, sym: None, fs: false })
                }
            }
            VLoc::Indexed(base, idx, scale) => {
                let mut a = self.amode(base)?;
                if a.index.is_some() || a.base == Base::Rip {
                    let r = self.vreg();
                    self.emit(Inst::Lea { mem: a, dst: r });
                    a = Amode::reg(r, 0);
                }
                let x = self.reg(idx)?;
                a.index = Some((x, scale));
                Ok(a)
            }
            VLoc::Const(c) if fits_i32(c as i64) => {
                Ok(Amode { base: Base::None, index: None, disp: c as i64, sym: None, fs: false })
            }
            _ => Ok(Amode::reg(self.reg(v)?, 0)),
        }
    }

    /// The register holding the result of an instruction.
    pub fn out(&self, v: Value) -> Reg {
        match self.vals[v.index()] {
            VLoc::Reg(r) | VLoc::Pair(r, _) => r,
            _ => Reg(0),
        }
    }

    pub fn out_pair(&self, v: Value) -> (Reg, Reg) {
        match self.vals[v.index()] {
            VLoc::Pair(a, b) => (a, b),
            _ => (Reg(0), Reg(0)),
        }
    }

    pub fn out_mem(&self, v: Value) -> Amode {
        match &self.vals[v.index()] {
            VLoc::Mem(a) => a.clone(),
            _ => Amode::slot(0, 0),
        }
    }

    /// Give `v` its home: a register, pair or F80 slot.
    pub fn assign_home(&mut self, v: Value) -> Result<(), String> {
        let t = self.ty(v);
        self.vals[v.index()] = match t {
            Type::F32 | Type::F64 => VLoc::Reg(self.fvreg()),
            t if t == dword() => VLoc::Pair(self.vreg(), self.vreg()),
            // x87 and binary128 values live in 16-byte slots
            Type::F80 | Type::F128 => {
                let s = self.frame_slot(16, 16);
                VLoc::Mem(Amode::slot(s, 0))
            }
            _ => VLoc::Reg(self.vreg()),
        };
        Ok(())
    }

    // ---------------------------------------------------------------- pre-pass

    fn is_addr_use(kind: &InstKind, v: Value) -> bool {
        match kind {
            InstKind::Load { ptr, .. } => *ptr == v,
            InstKind::Store { ptr, value, .. } => *ptr == v && *value != v,
            _ => false,
        }
    }

    /// Decide which values are lazy and give the others homes.
    fn prepass(&mut self) -> Result<(), String> {
        let f = self.f;
        let mut addr_uses = vec![0u32; f.values.len()];
        for &b in &f.layout {
            for inst in &f.blocks[b.index()].insts {
                inst.kind.for_each_operand(|v| self.uses[v.index()] += 1);
                if let InstKind::Load { ptr, .. } | InstKind::Store { ptr, .. } = &inst.kind {
                    if Self::is_addr_use(&inst.kind, *ptr) {
                        addr_uses[ptr.index()] += 1;
                    }
                }
                if let InstKind::BlockAddr { block } = &inst.kind {
                    if !self.addr_taken.contains(block) {
                        self.addr_taken.push(*block);
                    }
                }
            }
        }
        for &b in &f.layout {
            let bd = &f.blocks[b.index()];
            for &p in &bd.params {
                self.assign_home(p)?;
            }
            let n = bd.insts.len();
            for (ii, inst) in bd.insts.iter().enumerate() {
                let Some(r) = inst.result else { continue };
                let lazy = match &inst.kind {
                    InstKind::IConst { value, .. } => Some(VLoc::Const(*value)),
                    // Undecided by the optimiser (it decides them all): not a constant.
                    InstKind::IsConstant { .. } => Some(VLoc::Const(0)),
                    InstKind::Cast { op: CastOp::Sext | CastOp::Zext | CastOp::Trunc, .. } => self.const_value(r).map(VLoc::Const),
                    InstKind::FConst { ty, bits } => Some(VLoc::FConst(*ty, *bits)),
                    // over-aligned slots are aligned at run time (the frame is only 16-aligned)
                    InstKind::SlotAddr { slot } if f.slots[slot.index()].align <= 16 => Some(VLoc::Addr(Amode::slot(slot.0, 0))),
                    InstKind::BlockAddr { block } => {
                        Some(VLoc::Addr(Amode::rip(self.block_addr_label(*block), 0)))
                    }
                    InstKind::GlobalAddr { name, offset } => {
                        self.direct_amode(name, *offset).map(VLoc::Addr)
                    }
                    InstKind::Binary { op: op @ (BinOp::Add | BinOp::Sub), ty, lhs, rhs } if *ty == Type::Ptr || *ty == Type::iptr() => {
                        let addr_only = self.uses[r.index()] > 0 && self.uses[r.index()] == addr_uses[r.index()];
                        let scaled = if *op == BinOp::Add { self.scaled_operand(*lhs, *rhs) } else { None };
                        match self.const_value(*rhs) {
                            Some(c) if addr_only && fits_i32(c as i64) => {
                                Some(VLoc::AddrOf(*lhs, if *op == BinOp::Add { c as i64 } else { -(c as i64) }))
                            }
                            Some(_) => None,
                            None => match scaled {
                                Some((base, m, x, sc)) => {
                                    // the multiply becomes part of the address (or of a lea)
                                    self.folded[m.index()] = true;
                                    addr_only.then_some(VLoc::Indexed(base, x, sc))
                                }
                                None if *op == BinOp::Add && addr_only && self.const_value(*lhs).is_none() => Some(VLoc::Indexed(*lhs, *rhs, 1)),
                                None => None,
                            },
                        }
                    }
                    _ => None,
                };
                // a load consumed by the next instruction becomes its memory operand
                if let InstKind::Load { ty, ptr, volatile: false } = &inst.kind {
                    if self.uses[r.index()] == 1 && is_scalar_int(*ty) && ii + 1 < n {
                        let next = &bd.insts[ii + 1].kind;
                        let ok = match next {
                            InstKind::Binary { op: BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Mul, rhs, lhs, .. } => {
                                *rhs == r || *lhs == r
                            }
                            InstKind::Cast { op: CastOp::Sext | CastOp::Zext, arg, to, .. } => *arg == r && *to != dword(),
                            // the compare may be emitted at the block's end: nothing in between may write memory
                            InstKind::Icmp { lhs, rhs, .. } => {
                                (*lhs == r || *rhs == r) && n - ii <= 6 && bd.insts[ii + 1..n - 1].iter().all(|i| !i.kind.has_side_effects())
                            }
                            _ => false,
                        };
                        if ok {
                            self.vals[r.index()] = VLoc::Load(*ty, *ptr);
                            continue;
                        }
                    }
                }
                // compares consumed only by the next terminator/select/branch
                if let InstKind::Icmp { .. } | InstKind::Fcmp { .. } = &inst.kind {
                    if self.uses[r.index()] == 1 {
                        // look a few instructions ahead only (linear time)
                        let consumer = bd.insts[ii + 1..].iter().take(8).chain(bd.insts.last()).find(|i| {
                            let mut hit = false;
                            i.kind.for_each_operand(|v| hit |= v == r);
                            hit
                        });
                        let ok = match consumer.map(|i| &i.kind) {
                            Some(InstKind::Branch { cond, .. }) => *cond == r && ii + 1 < n,
                            Some(InstKind::Select { cond, a, b, .. }) => *cond == r && *a != r && *b != r,
                            _ => false,
                        };
                        // Only fold if nothing between the compare and its user
                        // could need the compare's operands re-read after a change:
                        // SSA values never change, so any distance is fine.
                        self.folded[r.index()] = ok;
                        if ok {
                            self.fold_chain(r);
                        }
                    }
                }
                match lazy {
                    Some(l) => self.vals[r.index()] = l,
                    None => self.assign_home(r)?,
                }
            }
            // A folded load must be read where it stands: not if its consumer
            // is itself computed lazily at later uses (address folding).
            for ii in 0..n.saturating_sub(1) {
                let Some(r) = bd.insts[ii].result else { continue };
                if !matches!(self.vals[r.index()], VLoc::Load(..)) {
                    continue;
                }
                let deferred = match bd.insts[ii + 1].result {
                    Some(c) => {
                        matches!(self.vals[c.index()], VLoc::AddrOf(..) | VLoc::Indexed(..))
                            || (self.folded[c.index()] && matches!(bd.insts[ii + 1].kind, InstKind::Binary { .. }))
                    }
                    None => false,
                };
                if deferred {
                    self.assign_home(r)?;
                }
            }
        }
        Ok(())
    }

    /// `icmp ne (zext (cmp ...)), 0` and friends: the inner compare can set
    /// the flags directly. Records the innermost compare and whether the
    /// condition is inverted, and marks the intermediates as folded.
    fn fold_chain(&mut self, outer: Value) {
        let mut v = outer;
        let mut invert = false;
        loop {
            let Some(InstKind::Icmp { cc: cc @ (IntCC::Eq | IntCC::Ne), lhs, rhs, .. }) = self.def_inst(v) else { break };
            let x = if self.const_value(*rhs) == Some(0) {
                *lhs
            } else if self.const_value(*lhs) == Some(0) {
                *rhs
            } else {
                break;
            };
            let same_block = |a: Value, b: Value, f: &Function| match (f.values[a.index()].def, f.values[b.index()].def) {
                (ValueDef::Inst(x, _), ValueDef::Inst(y, _)) => x == y,
                _ => false,
            };
            let (y, cast) = match self.def_inst(x) {
                Some(InstKind::Cast { op: ccc_ir::CastOp::Zext | ccc_ir::CastOp::Sext, from: Type::I8, arg, .. }) if self.uses[x.index()] == 1 => (*arg, Some(x)),
                Some(InstKind::Icmp { .. } | InstKind::Fcmp { .. }) => (x, None),
                _ => break,
            };
            if self.uses[y.index()] != 1 || !same_block(y, outer, self.f) || !matches!(self.def_inst(y), Some(InstKind::Icmp { .. } | InstKind::Fcmp { .. })) {
                break;
            }
            if let Some(c) = cast {
                self.folded[c.index()] = true;
            }
            self.folded[y.index()] = true;
            invert ^= *cc == IntCC::Eq;
            v = y;
        }
        if v != outer {
            self.chain[outer.index()] = Some((v, invert));
        }
    }

    /// Emit the compare behind a folded condition value.
    pub(crate) fn folded_cond(&mut self, v: Value) -> Result<Cond, String> {
        let (src, inv) = self.chain[v.index()].unwrap_or((v, false));
        let k = self.def_inst(src).ok_or("folded condition without a compare")?;
        let c = self.cond_of(k)?;
        Ok(if inv { c.invert() } else { c })
    }

    /// For `a + b`, an operand that is a single-use multiply by 1, 2, 4 or 8:
    /// (other operand, the multiply, its input, scale).
    pub(crate) fn scaled_operand(&self, a: Value, b: Value) -> Option<(Value, Value, Value, u8)> {
        for (base, m) in [(a, b), (b, a)] {
            if self.uses[m.index()] != 1 {
                continue;
            }
            let (x, sc) = match self.def_inst(m) {
                Some(InstKind::Binary { op: BinOp::Mul, ty, lhs, rhs }) if *ty == Type::Ptr || *ty == Type::iptr() => match self.const_value(*rhs) {
                    Some(c @ (1 | 2 | 4 | 8)) => (*lhs, c as u8),
                    _ => continue,
                },
                Some(InstKind::Binary { op: BinOp::Shl, ty, lhs, rhs }) if *ty == Type::Ptr || *ty == Type::iptr() => match self.const_value(*rhs) {
                    Some(c @ 0..=3) => (*lhs, 1u8 << c),
                    _ => continue,
                },
                _ => continue,
            };
            if self.const_value(x).is_some() || self.const_value(base).is_some() {
                continue;
            }
            return Some((base, m, x, sc));
        }
        None
    }

    /// The constant an integer value is known to be (looking through
    /// integer casts of constants), sign-extended from its width.
    fn const_value(&self, v: Value) -> Option<i128> {
        let mut v = v;
        let mut ops: Vec<(CastOp, Type, Type)> = Vec::new();
        let mut c = loop {
            match self.def_inst(v) {
                Some(InstKind::IConst { ty, value }) => break sext(*value, ty.bits()),
                Some(InstKind::Cast { op: op @ (CastOp::Sext | CastOp::Zext | CastOp::Trunc), from, to, arg }) if ops.len() < 4 => {
                    ops.push((*op, *from, *to));
                    v = *arg;
                }
                _ => return None,
            }
        };
        for (op, from, to) in ops.into_iter().rev() {
            c = match op {
                CastOp::Zext => {
                    let bits = from.bits();
                    let u = if bits >= 128 { c } else { c & ((1i128 << bits) - 1) };
                    sext(u, to.bits())
                }
                _ => sext(c, to.bits()),
            };
        }
        Some(c)
    }

    pub fn block_addr_label(&self, b: Block) -> String {
        format!(".Lba.{}.{}", self.f.name, b.0)
    }

    /// A rip-relative (or absolute, for the kernel model) reference to a
    /// symbol when no GOT indirection is needed.
    pub fn direct_amode(&self, name: &str, offset: i64) -> Option<Amode> {
        if self.opts.pic && !self.syms.is_local(name) {
            return None;
        }
        // PIE: symbols from other objects may live in shared libraries (function
        // addresses need the GOT; ld relaxes GOTPCRELX back to lea when it can)
        // (a hidden declaration binds locally: direct, as GCC)
        if self.opts.pie && !self.syms.is_defined(name) && !self.syms.is_local(name) {
            return None;
        }
        if !fits_i32(offset) {
            return None;
        }
        if self.opts.code_model == "kernel" {
            return Some(Amode { base: Base::None, index: None, disp: offset, sym: Some((name.to_string(), Reloc::None)), fs: false });
        }
        Some(Amode::rip(name.to_string(), offset))
    }

    // ---------------------------------------------------------------- driver

    /// The i386 mode handles integers of up to a double word (and
    /// pointers) so far: anything wider or floating is refused here, before
    /// a word-sized instruction could silently truncate it.
    fn check_i386_types(&self) -> Result<(), String> {
        let f = self.f;
        for &b in &f.layout {
            for inst in &f.blocks[b.index()].insts {
                let mut bad = inst.result.map(|r| self.ty(r)).filter(|t| !(t.is_int() && t.size() <= 8));
                if let InstKind::Store { ty, .. } | InstKind::Load { ty, .. } = &inst.kind {
                    if !(ty.is_int() && ty.size() <= 8) {
                        bad = Some(*ty);
                    }
                }
                if let InstKind::Call { sig, .. } = &inst.kind {
                    for t in sig.params.iter().chain(&sig.ret) {
                        if let AbiType::Scalar(t) = t {
                            if !(t.is_int() && t.size() <= 8) {
                                bad = Some(*t);
                            }
                        }
                    }
                }
                if let InstKind::TlsAddr { .. } = &inst.kind {
                    return Err(format!("{}: i386: thread-local storage is not supported yet", f.name));
                }
                if let Some(t) = bad {
                    let what = if t.is_float() { "floating-point" } else { "64-bit integer" };
                    return Err(format!("{}: i386: {what} values ({t}) are not supported yet", f.name));
                }
            }
            for &p in &f.blocks[b.index()].params {
                let t = self.ty(p);
                if !(t.is_int() && t.size() <= 8) {
                    return Err(format!("{}: i386: {t} parameters are not supported yet", f.name));
                }
            }
        }
        Ok(())
    }

    pub fn run(mut self) -> Result<(MFunc<Inst>, Vec<Block>, Isel2), String> {
        let f = self.f;
        if i386() {
            self.check_i386_types()?;
        }
        self.mf.frame.place_ir_slots(f);
        for &b in &f.layout {
            let mb = self.new_block();
            self.block_map[b.index()] = Some(mb);
        }
        self.prepass()?;
        self.cur = 0;
        self.lower_entry()?;
        for &b in &f.layout {
            self.cur = self.block_map[b.index()].unwrap_or(0);
            for inst in crate::codegen::lowering::lowered_insts(&f.blocks[b.index()].insts) {
                self.lower_inst(inst.result, &inst.kind)?;
            }
        }
        if self.uses_float && self.opts.general_regs_only {
            return Err(format!("{}: floating-point code is not allowed with -mgeneral-regs-only", f.name));
        }
        let extra = Isel2 { label_prefix: self.label_prefix.clone(), block_map: self.block_map.clone(), variadic: self.f.sig.variadic };
        Ok((self.mf, self.addr_taken, extra))
    }

    pub fn mblock(&self, b: Block) -> u32 {
        self.block_map[b.index()].unwrap_or(0)
    }

    fn lower_inst(&mut self, result: Option<Value>, kind: &InstKind) -> Result<(), String> {
        use InstKind::*;
        let res = result.unwrap_or(Value(u32::MAX));
        match kind {
            IConst { .. } | FConst { .. } | BlockAddr { .. } | IsConstant { .. } => {}
            SlotAddr { slot } => {
                if let VLoc::Reg(d) = self.vals[res.index()] {
                    let a = self.f.slots[slot.index()].align as i64;
                    self.emit(Inst::Lea { mem: Amode::slot(slot.0, a - 1), dst: d });
                    self.alu(AluOp::And, 8, Opnd::Imm(-a), d);
                }
            }
            GlobalAddr { name, offset } => {
                if matches!(self.vals[res.index()], VLoc::Reg(_)) {
                    let d = self.out(res);
                    // Only the offset did not fit a displacement (`_text - __START_KERNEL_map`):
                    // the address itself needs no GOT (the kernel's GOT must stay empty).
                    match self.direct_amode(name, 0) {
                        Some(mem) => self.emit(Inst::Lea { mem, dst: d }),
                        None => self.got_load(name, d),
                    }
                    if *offset != 0 {
                        self.add_const(d, *offset);
                    }
                }
            }
            TlsAddr { name, offset } => self.lower_tls(res, name, *offset)?,
            DynAlloca { size, align } => self.lower_dynalloca(res, *size, *align)?,
            StackSave => {
                let d = self.out(res);
                self.mov_rr(RSP, d);
            }
            StackRestore { ptr } => {
                let p = self.reg(*ptr)?;
                self.mov_rr(p, RSP);
            }
            Binary { op, ty, lhs, rhs } => {
                if matches!(self.vals[res.index()], VLoc::AddrOf(..) | VLoc::Indexed(..)) || self.folded[res.index()] {
                    return Ok(());
                }
                self.lower_binary(res, *op, *ty, *lhs, *rhs)?
            }
            Unary { op, ty, arg } => self.lower_unary(res, *op, *ty, *arg)?,
            Icmp { .. } | Fcmp { .. } => {
                if !self.folded[res.index()] {
                    let c = self.cond_of(kind)?;
                    let d = self.out(res);
                    self.setcc(c, d);
                }
            }
            Cast { op, from, to, arg } => {
                if !self.folded[res.index()] && !matches!(self.vals[res.index()], VLoc::Const(_)) {
                    self.lower_cast(res, *op, *from, *to, *arg)?
                }
            }
            Select { ty, cond, cond_ty, a, b } => self.lower_select(res, *ty, *cond, *cond_ty, *a, *b)?,
            Overflows { op, ty, signed, lhs, rhs } => self.lower_overflows(res, *op, *ty, *signed, *lhs, *rhs)?,
            Load { ty, ptr, .. } => {
                if !matches!(self.vals[res.index()], VLoc::Load(..)) {
                    let a = self.amode(*ptr)?;
                    self.load(*ty, a, res)?
                }
            }
            Store { ty, ptr, value, .. } => {
                let a = self.amode(*ptr)?;
                self.store(*ty, *value, a)?
            }
            Memcpy { dst, src, size, .. } => {
                let (d, s) = (self.amode(*dst)?, self.amode(*src)?);
                self.copy_mem(d, s, *size)?
            }
            Memset { dst, byte, size, .. } => self.lower_memset(*dst, *byte, *size)?,
            Call { callee, sig, args, ret_slot, chain } => self.lower_call(result, callee, sig, args, *ret_slot, *chain)?,
            AtomicLoad { ty, ptr, .. } => {
                let a = self.amode(*ptr)?;
                if *ty == dword() || ty.is_float() && *ty != Type::F32 && *ty != Type::F64 {
                    return Err("128-bit atomic loads are not supported".into());
                }
                self.load(*ty, a, res)?
            }
            AtomicStore { ty, ptr, value, order } => self.lower_atomic_store(*ty, *ptr, *value, *order)?,
            AtomicRmw { op, ty, ptr, value, .. } => self.lower_rmw(res, *op, *ty, *ptr, *value)?,
            AtomicCmpXchg { ty, ptr, expected, desired, .. } => self.lower_cmpxchg(res, *ty, *ptr, *expected, *desired)?,
            Fence { order } => {
                if *order == ccc_ir::AtomicOrder::SeqCst {
                    self.text("mfence", vec![]);
                }
            }
            VaStart { ap } => self.lower_va_start(*ap)?,
            VaArg { ap, ty } => self.lower_va_arg(res, *ap, ty)?,
            VaCopy { dst, src } => {
                let (d, s) = (self.amode(*dst)?, self.amode(*src)?);
                self.copy_mem(d, s, 24)?
            }
            StaticChain => {
                let c = self.static_chain.ok_or_else(|| format!("{}: static chain read in a function without one", self.f.name))?;
                let d = self.out(res);
                self.mov_rr(c, d);
            }
            FrameAddress { level } => {
                let d = self.out(res);
                self.mov_rr(RBP, d);
                for _ in 0..*level {
                    self.mov(8, Opnd::Mem(Amode::reg(d, 0)), Opnd::Reg(d));
                }
            }
            ReturnAddress { level } => {
                let d = self.out(res);
                self.mov_rr(RBP, d);
                for _ in 0..*level {
                    self.mov(8, Opnd::Mem(Amode::reg(d, 0)), Opnd::Reg(d));
                }
                self.mov(8, Opnd::Mem(Amode::reg(d, i64::from(word()))), Opnd::Reg(d));
            }
            InlineAsm(a) => self.lower_inline_asm(a)?,
            Jump(bc) => {
                let t = self.edge(bc)?;
                let _ = t;
            }
            Branch { cond, cond_ty, then_dest, else_dest } => {
                let c = self.branch_cond(*cond, *cond_ty)?;
                let t = self.edge_target(then_dest)?;
                let e = self.edge_target(else_dest)?;
                self.cond_branch(c, t, e);
            }
            Switch { value, ty, cases, default } => self.lower_switch(*value, *ty, cases, *default)?,
            IndirectJump { addr, targets } => {
                let a = self.opnd(*addr)?;
                self.emit(Inst::JmpInd { src: a });
                for t in targets {
                    let mb = self.mblock(*t);
                    self.add_succ(mb);
                }
            }
            NonlocalGoto { frame, stack, target } => {
                // Fixed registers: once %rbp and %rsp change, no operand may
                // be read from a stack slot.
                let regs = [(*frame, RCX), (*stack, RDX), (*target, RAX)];
                for (v, r) in regs {
                    let s = self.reg(v)?;
                    self.mov_rr(s, r);
                }
                let ops = regs.iter().map(|&(_, r)| (Opnd::Reg(r), OpKind::Use)).collect();
                self.text("movq\t{0}, %rbp\n\tmovq\t{1}, %rsp\n\tjmp\t*{2}", ops);
            }
            Return { value } => self.lower_return(*value)?,
            Unreachable | Trap => self.text("ud2", vec![]),
        }
        Ok(())
    }

    pub fn add_const(&mut self, d: Reg, c: i64) {
        if fits_i32(c) {
            self.emit(Inst::Alu { op: AluOp::Add, sz: 8, src: Opnd::Imm(c), dst: Opnd::Reg(d) });
        } else {
            let k = self.vreg();
            self.load_imm(c, k);
            self.emit(Inst::Alu { op: AluOp::Add, sz: 8, src: Opnd::Reg(k), dst: Opnd::Reg(d) });
        }
    }

    /// Load the address of a preemptible symbol from the GOT.
    pub fn got_load(&mut self, name: &str, d: Reg) {
        let a = Amode { base: Base::Rip, index: None, disp: 0, sym: Some((name.to_string(), Reloc::GotPcRel)), fs: false };
        self.mov(8, Opnd::Mem(a), Opnd::Reg(d));
    }

    // ---------------------------------------------------------------- control flow

    /// Copy block arguments into the target's parameters: a parallel copy,
    /// sequentialised so that a parameter is overwritten only once no
    /// pending copy still reads it; cycles go through one temporary.
    fn edge_copies(&mut self, bc: &ccc_ir::BlockCall) -> Result<(), String> {
        let params = self.f.blocks[bc.block.index()].params.clone();
        // pending copies: (destination parameter index, source)
        let mut pending: Vec<(usize, Option<Value>, Option<VLoc>)> = Vec::new();
        for (i, (&a, &p)) in bc.args.iter().zip(&params).enumerate() {
            if a != p {
                pending.push((i, Some(a), None));
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        // how many pending copies read each parameter
        let index_of = |v: Value| params.iter().position(|&p| p == v);
        let mut readers = vec![0u32; params.len()];
        for &(_, a, _) in &pending {
            if let Some(j) = a.and_then(index_of) {
                readers[j] += 1;
            }
        }
        while !pending.is_empty() {
            let ready = pending.iter().position(|&(d, _, _)| readers[d] == 0);
            let k = match ready {
                Some(k) => k,
                None => {
                    // a cycle: save the first destination's current value in a temporary
                    let d = pending[0].0;
                    let tmp = self.copy_to_temp(params[d])?;
                    for m in pending.iter_mut() {
                        if m.1 == Some(params[d]) {
                            m.1 = None;
                            m.2 = Some(tmp.clone());
                            readers[d] -= 1;
                        }
                    }
                    continue;
                }
            };
            let (d, a, t) = pending.swap_remove(k);
            let dst = self.vals[params[d].index()].clone();
            let src = match (a, t) {
                (Some(a), _) => {
                    if let Some(j) = index_of(a) {
                        readers[j] -= 1;
                    }
                    self.value_loc(a, params[d])?
                }
                (None, Some(t)) => t,
                _ => return Err("block argument without a source".into()),
            };
            self.copy_loc(src, dst)?;
        }
        Ok(())
    }

    /// The location of value `a` as a source for parameter `p`'s type
    /// (materialising constants and lazy addresses).
    fn value_loc(&mut self, a: Value, p: Value) -> Result<VLoc, String> {
        Ok(match self.ty(p) {
            t if t == dword() => {
                let (lo, hi) = self.pair(a)?;
                VLoc::Pair(lo, hi)
            }
            Type::F80 | Type::F128 => VLoc::Mem(self.f80(a)?),
            _ => VLoc::Reg(self.reg(a)?),
        })
    }

    fn copy_to_temp(&mut self, p: Value) -> Result<VLoc, String> {
        let src = self.value_loc(p, p)?;
        let tmp = match &src {
            VLoc::Pair(..) => VLoc::Pair(self.vreg(), self.vreg()),
            VLoc::Mem(_) => VLoc::Mem(Amode::slot(self.frame_slot(16, 16), 0)),
            VLoc::Reg(r) if self.mf.class_of(*r) == RegClass::Float => VLoc::Reg(self.fvreg()),
            _ => VLoc::Reg(self.vreg()),
        };
        self.copy_loc(src, tmp.clone())?;
        Ok(tmp)
    }

    fn copy_loc(&mut self, src: VLoc, dst: VLoc) -> Result<(), String> {
        match (src, dst) {
            (VLoc::Pair(a, b), VLoc::Pair(c, d)) => {
                self.mov_rr(a, c);
                self.mov_rr(b, d);
            }
            (VLoc::Mem(a), VLoc::Mem(b)) => self.copy_mem(b, a, 16)?,
            (VLoc::Reg(a), VLoc::Reg(b)) => {
                if self.mf.class_of(b) == RegClass::Float {
                    self.fmov_rr(a, b)
                } else {
                    self.mov_rr(a, b)
                }
            }
            _ => return Err("block parameter of unexpected kind".into()),
        }
        Ok(())
    }

    fn edge(&mut self, bc: &ccc_ir::BlockCall) -> Result<u32, String> {
        self.edge_copies(bc)?;
        let t = self.mblock(bc.block);
        self.emit(Inst::Jmp { target: t });
        self.add_succ(t);
        Ok(t)
    }

    /// A machine block to branch to for `bc`: the target itself, or an
    /// edge block doing the argument copies.
    fn edge_target(&mut self, bc: &ccc_ir::BlockCall) -> Result<u32, String> {
        if bc.args.is_empty() {
            return Ok(self.mblock(bc.block));
        }
        let saved = self.cur;
        let nb = self.new_block();
        self.cur = nb;
        self.edge(bc)?;
        self.cur = saved;
        Ok(nb)
    }

    pub fn cond_branch(&mut self, c: Cond, t: u32, e: u32) {
        match c {
            Cond::Cc(cc) => self.emit(Inst::Jcc { cc, target: t }),
            Cond::FEq => {
                self.emit(Inst::Jcc { cc: Cc::P, target: e });
                self.emit(Inst::Jcc { cc: Cc::E, target: t });
            }
            Cond::FNe => {
                self.emit(Inst::Jcc { cc: Cc::P, target: t });
                self.emit(Inst::Jcc { cc: Cc::Ne, target: t });
            }
        }
        self.emit(Inst::Jmp { target: e });
        self.add_succ(t);
        self.add_succ(e);
    }

    /// Flags for "cond is true".
    fn branch_cond(&mut self, cond: Value, cond_ty: Type) -> Result<Cond, String> {
        if self.folded[cond.index()] {
            return self.folded_cond(cond);
        }
        self.test_nonzero(cond, cond_ty)
    }

    pub fn test_nonzero(&mut self, v: Value, t: Type) -> Result<Cond, String> {
        if let Some(c) = self.const_of(v) {
            // constant condition: compare a register against itself
            let r = self.vreg();
            self.load_imm(if c != 0 { 1 } else { 0 }, r);
            self.emit(Inst::Test { sz: 4, src: Opnd::Reg(r), dst: Opnd::Reg(r) });
            return Ok(Cond::Cc(Cc::Ne));
        }
        match t {
            t if t == dword() => {
                let (lo, hi) = self.pair(v)?;
                let t = self.vreg();
                self.mov_rr(lo, t);
                self.emit(Inst::Alu { op: AluOp::Or, sz: 8, src: Opnd::Reg(hi), dst: Opnd::Reg(t) });
            }
            t if t.is_float() => return Err("branch on a floating-point condition".into()),
            _ => {
                let r = self.reg(v)?;
                let sz = int_sz(t);
                self.emit(Inst::Test { sz, src: Opnd::Reg(r), dst: Opnd::Reg(r) });
            }
        }
        Ok(Cond::Cc(Cc::Ne))
    }

    /// Emit the compare of an Icmp/Fcmp and return the condition.
    pub fn cond_of(&mut self, k: &InstKind) -> Result<Cond, String> {
        match k {
            InstKind::Icmp { cc, ty, lhs, rhs } => self.icmp(*cc, *ty, *lhs, *rhs),
            InstKind::Fcmp { cc, ty, lhs, rhs } => self.fcmp(*cc, *ty, *lhs, *rhs),
            _ => Err("not a compare".into()),
        }
    }

    fn icmp(&mut self, cc: IntCC, ty: Type, lhs: Value, rhs: Value) -> Result<Cond, String> {
        if ty == dword() {
            return self.icmp128(cc, lhs, rhs);
        }
        let sz = int_sz(ty);
        let (mut cc, mut lhs, mut rhs) = (cc, lhs, rhs);
        if self.const_of(lhs).is_some() && self.const_of(rhs).is_none() {
            std::mem::swap(&mut lhs, &mut rhs);
            cc = swap_cc(cc);
        }
        // a folded load can only be the right-hand (source) operand
        if matches!(self.vals[lhs.index()], VLoc::Load(..)) && !matches!(self.vals[rhs.index()], VLoc::Load(..)) && self.const_of(rhs).is_none() {
            std::mem::swap(&mut lhs, &mut rhs);
            cc = swap_cc(cc);
        }
        let a = self.reg(lhs)?;
        let b = self.opnd_sz(rhs, sz)?;
        // `test r, r` sets the flags of `cmp $0, r` for every condition (CF = OF = 0)
        if b == Opnd::Imm(0) {
            self.emit(Inst::Test { sz, src: Opnd::Reg(a), dst: Opnd::Reg(a) });
        } else {
            self.emit(Inst::Cmp { sz, src: b, dst: Opnd::Reg(a) });
        }
        Ok(Cond::Cc(int_cc(cc)))
    }

    fn icmp128(&mut self, cc: IntCC, lhs: Value, rhs: Value) -> Result<Cond, String> {
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        match cc {
            IntCC::Eq | IntCC::Ne => {
                let (t, u) = (self.vreg(), self.vreg());
                self.mov_rr(al, t);
                self.emit(Inst::Alu { op: AluOp::Xor, sz: 8, src: Opnd::Reg(bl), dst: Opnd::Reg(t) });
                self.mov_rr(ah, u);
                self.emit(Inst::Alu { op: AluOp::Xor, sz: 8, src: Opnd::Reg(bh), dst: Opnd::Reg(u) });
                self.emit(Inst::Alu { op: AluOp::Or, sz: 8, src: Opnd::Reg(u), dst: Opnd::Reg(t) });
                Ok(Cond::Cc(if cc == IntCC::Eq { Cc::E } else { Cc::Ne }))
            }
            _ => {
                // a < b  <=>  borrow/sign of the 128-bit a - b
                let (swap, signed, ge) = match cc {
                    IntCC::Slt => (false, true, false),
                    IntCC::Sge => (false, true, true),
                    IntCC::Sgt => (true, true, false),
                    IntCC::Sle => (true, true, true),
                    IntCC::Ult => (false, false, false),
                    IntCC::Uge => (false, false, true),
                    IntCC::Ugt => (true, false, false),
                    _ => (true, false, true),
                };
                let ((xl, xh), (yl, yh)) = if swap { ((bl, bh), (al, ah)) } else { ((al, ah), (bl, bh)) };
                let t = self.vreg();
                self.emit(Inst::Cmp { sz: 8, src: Opnd::Reg(yl), dst: Opnd::Reg(xl) });
                self.mov_rr(xh, t);
                self.emit(Inst::Alu { op: AluOp::Sbb, sz: 8, src: Opnd::Reg(yh), dst: Opnd::Reg(t) });
                Ok(Cond::Cc(match (signed, ge) {
                    (true, false) => Cc::L,
                    (true, true) => Cc::Ge,
                    (false, false) => Cc::B,
                    (false, true) => Cc::Ae,
                }))
            }
        }
    }

    fn fcmp(&mut self, cc: FloatCC, ty: Type, lhs: Value, rhs: Value) -> Result<Cond, String> {
        // "a OP b" with flags from comparing a against b: above = a > b.
        let (x, y, cond) = match cc {
            FloatCC::Gt => (lhs, rhs, Cond::Cc(Cc::A)),
            FloatCC::Ge => (lhs, rhs, Cond::Cc(Cc::Ae)),
            FloatCC::Lt => (rhs, lhs, Cond::Cc(Cc::A)),
            FloatCC::Le => (rhs, lhs, Cond::Cc(Cc::Ae)),
            FloatCC::Eq => (lhs, rhs, Cond::FEq),
            FloatCC::Une => (lhs, rhs, Cond::FNe),
            FloatCC::Ord => (lhs, rhs, Cond::Cc(Cc::Np)),
            FloatCC::Uno => (lhs, rhs, Cond::Cc(Cc::P)),
        };
        match ty {
            Type::F32 | Type::F64 => {
                let a = self.reg(x)?;
                let b = self.reg(y)?;
                self.emit(Inst::Ucomi { dbl: ty == Type::F64, src: Opnd::Reg(b), dst: a });
            }
            Type::F80 => {
                let a = self.f80(x)?;
                let b = self.f80(y)?;
                self.text("fldt\t{0}\n\tfldt\t{1}\n\tfucomip\t%st(1), %st\n\tfstp\t%st(0)", vec![(Opnd::Mem(b), OpKind::Use), (Opnd::Mem(a), OpKind::Use)]);
            }
            Type::F128 => return self.fcmp128(cc, lhs, rhs),
            _ => return Err(format!("float compare of {ty}")),
        }
        Ok(cond)
    }

    pub fn setcc(&mut self, c: Cond, d: Reg) {
        match c {
            Cond::Cc(cc) => self.emit(Inst::Setcc { cc, dst: d }),
            Cond::FEq | Cond::FNe => {
                let t = self.vreg();
                let (a, b, op) = if c == Cond::FEq { (Cc::E, Cc::Np, AluOp::And) } else { (Cc::Ne, Cc::P, AluOp::Or) };
                self.emit(Inst::Setcc { cc: a, dst: d });
                self.emit(Inst::Setcc { cc: b, dst: t });
                self.emit(Inst::Alu { op, sz: 1, src: Opnd::Reg(t), dst: Opnd::Reg(d) });
            }
        }
        self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(d), dst: d });
    }

    fn lower_switch(&mut self, value: Value, ty: Type, cases: &[(i128, Block)], default: Block) -> Result<(), String> {
        let def = self.mblock(default);
        if ty == dword() {
            let (lo, hi) = self.pair(value)?;
            for &(c, b) in cases {
                let (t, u) = (self.vreg(), self.vreg());
                self.load_imm(c as i64, t);
                self.load_imm((c >> 64) as i64, u);
                self.emit(Inst::Alu { op: AluOp::Xor, sz: 8, src: Opnd::Reg(lo), dst: Opnd::Reg(t) });
                self.emit(Inst::Alu { op: AluOp::Xor, sz: 8, src: Opnd::Reg(hi), dst: Opnd::Reg(u) });
                self.emit(Inst::Alu { op: AluOp::Or, sz: 8, src: Opnd::Reg(u), dst: Opnd::Reg(t) });
                let mb = self.mblock(b);
                self.emit(Inst::Jcc { cc: Cc::E, target: mb });
                self.add_succ(mb);
            }
            self.emit(Inst::Jmp { target: def });
            self.add_succ(def);
            return Ok(());
        }
        let sz = int_sz(ty);
        let bits = ty.bits();
        let cs: Vec<(i64, u32)> = cases.iter().map(|&(c, b)| (sext(c, bits) as i64, self.mblock(b))).collect();
        let v = self.reg(value)?;
        match plan_switch(cs, def) {
            SwitchPlan::Table { min, targets } => {
                let idx = self.vreg();
                match sz {
                    1 => self.emit(Inst::MovX { op: "movsbq", src: Opnd::Reg(v), dst: idx }),
                    2 => self.emit(Inst::MovX { op: "movswq", src: Opnd::Reg(v), dst: idx }),
                    4 => self.emit(Inst::MovX { op: "movslq", src: Opnd::Reg(v), dst: idx }),
                    _ => self.mov_rr(v, idx),
                }
                if min != 0 {
                    self.add_const(idx, -(min as i128) as i64);
                }
                let r = targets.len() as i64 - 1;
                self.emit(Inst::Cmp { sz: 8, src: Opnd::Imm(r), dst: Opnd::Reg(idx) });
                self.emit(Inst::Jcc { cc: Cc::A, target: def });
                self.add_succ(def);
                for &t in &targets {
                    self.add_succ(t);
                }
                let tmp = self.scratch();
                let idx2 = self.scratch();
                self.mov_rr(idx, idx2);
                let id = self.jt_count;
                self.jt_count += 1;
                let absolute = !self.opts.pic && !self.opts.pie && matches!(self.opts.code_model.as_str(), "small" | "kernel" | "");
                self.emit(Inst::JumpTable { idx: idx2, tmp, targets, id, absolute });
            }
            // binary search over the sorted cases
            SwitchPlan::Tree(cs) => self.switch_tree(v, sz, &cs, def),
        }
        Ok(())
    }

    fn switch_tree(&mut self, v: Reg, sz: u8, cs: &[(i64, u32)], def: u32) {
        if cs.len() <= 4 {
            for &(c, b) in cs {
                let o = if fits_i32(c) || sz < 8 {
                    Opnd::Imm(if sz < 8 { c as i32 as i64 } else { c })
                } else {
                    let k = self.vreg();
                    self.load_imm(c, k);
                    Opnd::Reg(k)
                };
                self.emit(Inst::Cmp { sz, src: o, dst: Opnd::Reg(v) });
                self.emit(Inst::Jcc { cc: Cc::E, target: b });
                self.add_succ(b);
            }
            self.emit(Inst::Jmp { target: def });
            self.add_succ(def);
            return;
        }
        let mid = cs.len() / 2;
        let pivot = cs[mid].0;
        let o = if fits_i32(pivot) || sz < 8 {
            Opnd::Imm(if sz < 8 { pivot as i32 as i64 } else { pivot })
        } else {
            let k = self.vreg();
            self.load_imm(pivot, k);
            Opnd::Reg(k)
        };
        let hi = self.new_block();
        self.emit(Inst::Cmp { sz, src: o, dst: Opnd::Reg(v) });
        self.emit(Inst::Jcc { cc: Cc::Ge, target: hi });
        self.add_succ(hi);
        let lo = self.new_block();
        self.emit(Inst::Jmp { target: lo });
        self.add_succ(lo);
        self.cur = lo;
        self.switch_tree(v, sz, &cs[..mid], def);
        self.cur = hi;
        self.switch_tree(v, sz, &cs[mid..], def);
    }
}

pub fn abi_scalar(t: &AbiType) -> Option<Type> {
    match t {
        AbiType::Scalar(t) => Some(*t),
        _ => None,
    }
}
