//! Bits that may be set: for every integer value, an over-approximation of the bits that
//! can be 1 (constants, and/or/xor, shifts by constants, extensions, selects and block
//! parameters joining them). An `and` with a mask none of those bits meets is 0, and a
//! value that can have no bit set compares equal to 0. The kernel tests flag words built
//! from `?:` arms this way: `BUILD_BUG_ON(VM_STACK_FLAGS & VM_STACK_INCOMPLETE_SETUP)`.

use ccc_ir::{BinOp, CastOp, Function, InstKind, IntCC, Type, Value, ValueDef};

/// Rounds over the block parameters before giving up on a loop that keeps adding bits.
const MAX_ROUNDS: usize = 8;

fn mask(ty: Type) -> u128 {
    match ty.bits() {
        b if b >= 128 => u128::MAX,
        b => (1u128 << b) - 1,
    }
}

/// Returns whether anything folded.
pub fn run(f: &mut Function) -> bool {
    let may = may_be_one(f);
    let mut changed = false;
    for b in f.layout.clone() {
        for inst in &mut f.blocks[b.index()].insts {
            let Some(r) = inst.result else { continue };
            let value = match inst.kind {
                InstKind::Binary { op: BinOp::And, ty, lhs, rhs } if ty.is_int() && may[lhs.index()] & may[rhs.index()] & mask(ty) == 0 => 0,
                InstKind::Icmp { cc: cc @ (IntCC::Eq | IntCC::Ne), ty, lhs, rhs } if ty.is_int() && may[lhs.index()] & mask(ty) == 0 && may[rhs.index()] & mask(ty) == 0 => {
                    (cc == IntCC::Eq) as i128
                }
                _ => continue,
            };
            if matches!(inst.kind, InstKind::IConst { .. }) {
                continue;
            }
            let ty = f.values[r.index()].ty;
            inst.kind = InstKind::IConst { ty, value };
            changed = true;
        }
    }
    changed
}

/// The may-be-one mask of every value (all ones for what is not tracked).
fn may_be_one(f: &Function) -> Vec<u128> {
    let n = f.values.len();
    // Block parameters start empty and grow with their incoming arguments; the entry
    // block's are the function's arguments: anything.
    let entry = f.entry();
    let mut may: Vec<u128> = (0..n)
        .map(|i| match f.values[i].def {
            ValueDef::Param(b, _) if b != entry => 0,
            _ => u128::MAX,
        })
        .collect();
    for round in 0..=MAX_ROUNDS {
        let mut changed = false;
        for &b in &f.layout {
            for inst in &f.blocks[b.index()].insts {
                if let Some(r) = inst.result {
                    let ty = f.values[r.index()].ty;
                    let m = if ty.is_int() { transfer(&inst.kind, &may) & mask(ty) } else { u128::MAX };
                    if may[r.index()] != m {
                        may[r.index()] = m;
                        changed = true;
                    }
                }
                let mut incoming = |block: ccc_ir::Block, args: &[Value]| {
                    for (p, a) in f.blocks[block.index()].params.iter().zip(args) {
                        let m = may[p.index()] | may[a.index()];
                        if m != may[p.index()] {
                            may[p.index()] = m;
                            changed = true;
                        }
                    }
                };
                match &inst.kind {
                    InstKind::Jump(bc) => incoming(bc.block, &bc.args),
                    InstKind::Branch { then_dest, else_dest, .. } => {
                        incoming(then_dest.block, &then_dest.args);
                        incoming(else_dest.block, &else_dest.args);
                    }
                    // Other ways into a block (switch, indirect jumps) pass no arguments.
                    _ => {}
                }
            }
        }
        if !changed {
            return may;
        }
        if round == MAX_ROUNDS {
            break;
        }
    }
    // Not settled: nothing is known about the parameters.
    for (i, m) in may.iter_mut().enumerate() {
        if matches!(f.values[i].def, ValueDef::Param(..)) {
            // (the entry's are already all ones)
            *m = u128::MAX;
        }
    }
    may_be_one_with(f, may)
}

/// One more pass with the parameters fixed (after giving up on them).
fn may_be_one_with(f: &Function, mut may: Vec<u128>) -> Vec<u128> {
    for &b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            if let Some(r) = inst.result {
                let ty = f.values[r.index()].ty;
                may[r.index()] = if ty.is_int() { transfer(&inst.kind, &may) & mask(ty) } else { u128::MAX };
            }
        }
    }
    may
}

fn transfer(kind: &InstKind, may: &[u128]) -> u128 {
    let m = |v: &Value| may[v.index()];
    match kind {
        InstKind::IConst { value, ty } => (*value as u128) & mask(*ty),
        InstKind::Binary { op, lhs, rhs, .. } => match op {
            BinOp::And => m(lhs) & m(rhs),
            BinOp::Or | BinOp::Xor => m(lhs) | m(rhs),
            _ => u128::MAX,
        },
        InstKind::Select { a, b, .. } => m(a) | m(b),
        InstKind::Cast { op: CastOp::Zext | CastOp::Trunc, arg, .. } => m(arg),
        InstKind::Cast { op: CastOp::Sext, from, arg, .. } => {
            let sign = 1u128 << (from.bits() - 1);
            if m(arg) & sign == 0 {
                m(arg)
            } else {
                u128::MAX
            }
        }
        _ => u128::MAX,
    }
}
