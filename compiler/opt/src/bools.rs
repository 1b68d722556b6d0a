//! Truth values through C's integer promotions.
//!
//! `if (unlikely(!x))` arrives as a comparison widened to `int`, negated with
//! `xor 1`, widened again and compared with zero: a chain of six instructions
//! for one test. A comparison yields 0 or 1, and so do its widenings and its
//! `xor 1`, which lets the chain collapse:
//! - `xor (icmp cc a, b), 1` is `icmp !cc a, b`;
//! - `icmp ne t, 0` of a truth value `t` (through zext/sext) is `t` itself;
//! - `icmp eq t, 0` of a comparison `t` (through zext/sext) is the inverse comparison.

use ccc_ir::{BinOp, CastOp, Function, InstKind, IntCC, Type, Value};

pub fn run(f: &mut Function) -> bool {
    let n = f.values.len();
    let mut consts: Vec<Option<i128>> = vec![None; n];
    // Defining comparison (cc, ty, lhs, rhs) of comparison results.
    let mut compares: Vec<Option<(IntCC, Type, Value, Value)>> = vec![None; n];
    // For values that are 0 or 1: the i8 truth value they widen.
    let mut truth: Vec<Option<Value>> = vec![None; n];
    let mut alias: Vec<Option<Value>> = vec![None; n];
    let mut changed = false;
    for b in f.layout.clone() {
        for inst in f.blocks[b.index()].insts.iter_mut() {
            inst.kind.map_operands(|v| alias[v.index()].unwrap_or(v));
            let Some(r) = inst.result else { continue };
            let zero = |v: Value| consts[v.index()] == Some(0);
            match inst.kind {
                InstKind::IConst { value, .. } => consts[r.index()] = Some(value),
                InstKind::Binary { op: BinOp::Xor, ty: Type::I8, lhs, rhs } if consts[rhs.index()] == Some(1) => {
                    if let Some((cc, ty, a, c)) = compares[lhs.index()] {
                        inst.kind = InstKind::Icmp { cc: cc.inverse(), ty, lhs: a, rhs: c };
                        compares[r.index()] = Some((cc.inverse(), ty, a, c));
                        truth[r.index()] = Some(r);
                        changed = true;
                    } else if truth[lhs.index()].is_some() {
                        truth[r.index()] = Some(r);
                    }
                }
                InstKind::Cast { op: CastOp::Zext | CastOp::Sext, arg, .. } => truth[r.index()] = truth[arg.index()],
                InstKind::Icmp { cc: IntCC::Ne, lhs, rhs, .. } if zero(rhs) && truth[lhs.index()].is_some() => {
                    alias[r.index()] = truth[lhs.index()];
                    changed = true;
                }
                InstKind::Icmp { cc: IntCC::Eq, lhs, rhs, .. } if zero(rhs) && truth[lhs.index()].and_then(|t| compares[t.index()]).is_some() => {
                    let (cc, ty, a, c) = truth[lhs.index()].and_then(|t| compares[t.index()]).unwrap_or((IntCC::Eq, Type::I8, lhs, rhs));
                    inst.kind = InstKind::Icmp { cc: cc.inverse(), ty, lhs: a, rhs: c };
                    compares[r.index()] = Some((cc.inverse(), ty, a, c));
                    truth[r.index()] = Some(r);
                    changed = true;
                }
                InstKind::Icmp { cc, ty, lhs, rhs } => {
                    compares[r.index()] = Some((cc, ty, lhs, rhs));
                    truth[r.index()] = Some(r);
                }
                _ => {}
            }
        }
    }
    if changed {
        crate::fold::apply_aliases(f, &alias);
    }
    changed
}
