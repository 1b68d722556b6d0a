//! Unsigned value ranges of integers, and the comparisons they decide.
//!
//! `flags = cond ? 1 : 0; flags |= 2; BUILD_BUG_ON(flags > 3);` (the kernel's
//! `encode_page`) needs to know that `flags` lies in 2..=3. Ranges are
//! computed in one pass in layout order from constants, selects, `and`,
//! `or`, `urem`, `lshr` by constants, comparisons (0..=1) and extensions; a
//! comparison with a constant that the range decides becomes that constant.

use ccc_ir::{BinOp, CastOp, Function, InstKind, IntCC, Type};

/// Inclusive unsigned bounds within the value's type.
type Range = (u128, u128);

pub fn run(f: &mut Function) -> bool {
    let mut range: Vec<Option<Range>> = vec![None; f.values.len()];
    let incoming = incoming_arguments(f);
    let mut changed = false;
    for b in f.layout.clone() {
        // A block parameter ranges over what its (already visited) predecessors pass.
        if let Some(lists) = &incoming[b.index()] {
            for (k, p) in f.blocks[b.index()].params.iter().enumerate() {
                range[p.index()] = lists.iter().map(|args| args.get(k).and_then(|a| range[a.index()])).reduce(|x, y| x.zip(y).map(|(x, y)| (x.0.min(y.0), x.1.max(y.1)))).flatten();
            }
        }
        for inst in f.blocks[b.index()].insts.iter_mut() {
            let Some(r) = inst.result else { continue };
            let get = |v: ccc_ir::Value| range[v.index()];
            let computed = match inst.kind {
                InstKind::IConst { ty, value } => Some(single(crate::fold::unsigned(value, ty))),
                InstKind::Icmp { .. } | InstKind::Fcmp { .. } => Some((0, 1)),
                InstKind::Select { a, b, .. } => get(a).zip(get(b)).map(|(x, y)| (x.0.min(y.0), x.1.max(y.1))),
                InstKind::Binary { op: BinOp::Or, lhs, rhs, .. } => get(lhs).zip(get(rhs)).map(|(x, y)| (x.0.max(y.0), all_ones_covering(x.1.max(y.1)))),
                InstKind::Binary { op: BinOp::And, lhs, rhs, .. } => match (get(lhs), get(rhs)) {
                    (Some(x), Some(y)) => Some((0, x.1.min(y.1))),
                    (Some(x), None) | (None, Some(x)) => Some((0, x.1)),
                    _ => None,
                },
                InstKind::Binary { op: BinOp::URem, rhs, .. } => get(rhs).filter(|y| y.0 == y.1 && y.0 > 0).map(|y| (0, y.0 - 1)),
                InstKind::Binary { op: BinOp::LShr, ty, lhs, rhs } => match (get(lhs), get(rhs)) {
                    (Some(x), Some(s)) if s.0 == s.1 && s.0 < u128::from(ty.bits()) => Some((x.0 >> s.0, x.1 >> s.0)),
                    _ => None,
                },
                InstKind::Cast { op: CastOp::Zext, arg, .. } => get(arg),
                // A sign extension keeps values whose sign bit is clear.
                InstKind::Cast { op: CastOp::Sext, arg, from, .. } => get(arg).filter(|x| x.1 < 1u128 << (from.bits() - 1)),
                InstKind::Cast { op: CastOp::Trunc, arg, to, .. } => get(arg).filter(|x| x.1 < mask(to) || to.bits() >= 128),
                _ => None,
            };
            let decided = match inst.kind {
                InstKind::Icmp { cc, ty, lhs, rhs } => decide(cc, ty, get(lhs), get(rhs)),
                _ => None,
            };
            range[r.index()] = computed;
            if let Some(v) = decided {
                inst.kind = InstKind::IConst { ty: Type::I8, value: v as i128 };
                range[r.index()] = Some(single(v as u128));
                changed = true;
            }
        }
    }
    changed
}

/// For each block, the argument lists of the jumps and branches entering it;
/// `None` when another kind of edge (switch, computed goto, asm goto) enters
/// it, or the entry block (entered by the call).
fn incoming_arguments(f: &Function) -> Vec<Option<Vec<Vec<ccc_ir::Value>>>> {
    let mut lists: Vec<Option<Vec<Vec<ccc_ir::Value>>>> = vec![Some(Vec::new()); f.blocks.len()];
    lists[f.entry().index()] = None;
    for b in &f.layout {
        let Some(last) = f.blocks[b.index()].insts.last() else { continue };
        match &last.kind {
            InstKind::Jump(c) => {
                if let Some(l) = &mut lists[c.block.index()] {
                    l.push(c.args.clone());
                }
            }
            InstKind::Branch { then_dest, else_dest, .. } => {
                for c in [then_dest, else_dest] {
                    if let Some(l) = &mut lists[c.block.index()] {
                        l.push(c.args.clone());
                    }
                }
            }
            k => {
                for t in k.successors() {
                    lists[t.index()] = None;
                }
            }
        }
    }
    for bd in f.blocks.iter().enumerate() {
        if let Some(l) = &lists[bd.0] {
            if l.is_empty() {
                lists[bd.0] = None;
            }
        }
    }
    lists
}

fn single(v: u128) -> Range {
    (v, v)
}

fn mask(ty: Type) -> u128 {
    if ty.bits() >= 128 { u128::MAX } else { (1u128 << ty.bits()) - 1 }
}

/// The smallest `2^k - 1` at least `v` (an `or` cannot set higher bits).
fn all_ones_covering(v: u128) -> u128 {
    if v == 0 { 0 } else { u128::MAX >> v.leading_zeros() }
}

/// The comparison's value when the ranges decide it (one side a constant).
fn decide(cc: IntCC, ty: Type, a: Option<Range>, b: Option<Range>) -> Option<bool> {
    let (a, b) = (a?, b?);
    if a.0 == a.1 && b.0 == b.1 {
        return None; // constants: fold's job
    }
    // Signed comparisons agree with unsigned ones when no sign bit can be set.
    let non_negative = |x: Range| ty.bits() < 128 && x.1 < 1u128 << (ty.bits() - 1);
    let cc = match cc {
        IntCC::Slt | IntCC::Sle | IntCC::Sgt | IntCC::Sge if !(non_negative(a) && non_negative(b)) => return None,
        IntCC::Slt => IntCC::Ult,
        IntCC::Sle => IntCC::Ule,
        IntCC::Sgt => IntCC::Ugt,
        IntCC::Sge => IntCC::Uge,
        c => c,
    };
    match cc {
        IntCC::Ult if a.1 < b.0 => Some(true),
        IntCC::Ult if a.0 >= b.1 => Some(false),
        IntCC::Ule if a.1 <= b.0 => Some(true),
        IntCC::Ule if a.0 > b.1 => Some(false),
        IntCC::Ugt if a.0 > b.1 => Some(true),
        IntCC::Ugt if a.1 <= b.0 => Some(false),
        IntCC::Uge if a.0 >= b.1 => Some(true),
        IntCC::Uge if a.1 < b.0 => Some(false),
        IntCC::Eq | IntCC::Ne if a.1 < b.0 || b.1 < a.0 => Some(cc == IntCC::Ne),
        _ => None,
    }
}
