//! Jump threading over constant block arguments.
//!
//! An inlined `bool f(...) { if (...) return 0; ...; return 1; }` leaves a
//! join block that receives 0 or 1 and immediately branches on it. Where a
//! predecessor jumps there with constants, the branch is decided on that
//! edge: the predecessor jumps straight to the chosen successor. Beyond speed,
//! the kernel's objtool needs it: after `user_access_begin()` (`stac`), a path
//! that "could" return without `clac` is reported.

use ccc_ir::{Block, BlockCall, Function, InstKind, Value, ValueDef};

/// Blocks larger than this are not evaluated per edge.
const MAX_JOIN_INSTS: usize = 16;

pub fn run(f: &mut Function) -> bool {
    let mut changed = false;
    let used_outside = values_used_outside_their_block(f);
    let preds = f.predecessors();
    // Constants of the whole function, computed once (the per-edge
    // evaluation adds the join block's own values to a copy).
    let mut consts = crate::int_constants(f);
    for b in f.layout.clone() {
        if !is_threadable(f, b, &used_outside) {
            continue;
        }
        for &p in &preds[b.index()] {
            let Some(InstKind::Jump(call)) = f.blocks[p.index()].insts.last().map(|i| &i.kind) else { continue };
            if call.block != b {
                continue;
            }
            if let Some(target) = decide(f, b, &call.args.clone(), &mut consts) {
                if let Some(last) = f.blocks[p.index()].insts.last_mut() {
                    last.kind = InstKind::Jump(target);
                    changed = true;
                }
            }
        }
    }
    changed
}

/// A block of pure integer computations ending in a branch, none of whose
/// values is needed elsewhere (so skipping it on some edges loses nothing).
fn is_threadable(f: &Function, b: Block, used_outside: &[bool]) -> bool {
    let bd = &f.blocks[b.index()];
    if bd.params.is_empty() || bd.insts.len() > MAX_JOIN_INSTS || f.address_taken.contains(&b) {
        return false;
    }
    let Some((last, body)) = bd.insts.split_last() else { return false };
    matches!(last.kind, InstKind::Branch { .. })
        && body.iter().all(|i| matches!(i.kind, InstKind::IConst { .. } | InstKind::Icmp { .. } | InstKind::Binary { .. } | InstKind::Cast { .. }))
        && body.iter().filter_map(|i| i.result).all(|r| !used_outside[r.index()])
        && bd.params.iter().all(|p| !used_outside[p.index()])
        && !matches!(&last.kind, InstKind::Branch { then_dest, else_dest, .. } if defined_in(f, b, then_dest) || defined_in(f, b, else_dest))
}

/// Whether the arguments of `call` use values defined in `b`.
fn defined_in(f: &Function, b: Block, call: &BlockCall) -> bool {
    call.args.iter().any(|a| match f.values[a.index()].def {
        ValueDef::Inst(d, _) | ValueDef::Param(d, _) => d == b,
        ValueDef::Detached => true,
    })
}

/// The successor of `b` when it is entered with `args`, if constants decide it.
/// `consts` holds the function's constants and is left as it was found.
fn decide(f: &Function, b: Block, args: &[Value], consts: &mut [Option<i128>]) -> Option<BlockCall> {
    let bd = &f.blocks[b.index()];
    let decided = evaluate_join(f, b, args, consts);
    // Undo this edge's values: parameters and everything computed but constants.
    for p in &bd.params {
        consts[p.index()] = None;
    }
    for i in &bd.insts {
        if let (Some(r), false) = (i.result, matches!(i.kind, InstKind::IConst { .. })) {
            consts[r.index()] = None;
        }
    }
    decided
}

fn evaluate_join(f: &Function, b: Block, args: &[Value], consts: &mut [Option<i128>]) -> Option<BlockCall> {
    let bd = &f.blocks[b.index()];
    for (p, a) in bd.params.iter().zip(args) {
        consts[p.index()] = consts[a.index()];
    }
    let (last, body) = bd.insts.split_last()?;
    for i in body {
        let r = i.result?;
        if consts[r.index()].is_none() {
            consts[r.index()] = Some(crate::fold::evaluate(&i.kind, consts)?);
        }
    }
    let InstKind::Branch { cond, cond_ty, then_dest, else_dest } = &last.kind else { return None };
    let taken = if crate::fold::wrap(consts[cond.index()]?, *cond_ty) != 0 { then_dest } else { else_dest };
    // The successor's arguments may name `b`'s parameters: pass the edge's values.
    let mut target = taken.clone();
    for a in &mut target.args {
        if let Some(k) = bd.params.iter().position(|p| p == a) {
            *a = args[k];
        }
    }
    Some(target)
}

fn values_used_outside_their_block(f: &Function) -> Vec<bool> {
    let mut used = vec![false; f.values.len()];
    for &b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            i.kind.for_each_operand(|v| {
                let home = match f.values[v.index()].def {
                    ValueDef::Inst(d, _) | ValueDef::Param(d, _) => Some(d),
                    ValueDef::Detached => None,
                };
                if home != Some(b) {
                    used[v.index()] = true;
                }
            });
        }
    }
    used
}
