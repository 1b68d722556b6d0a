//! Control-flow cleanup: branches and switches on constants become jumps, blocks
//! that became unreachable are dropped, and a block entered only by a jump from
//! one predecessor is merged into it (its parameters become the jump's arguments).
//! A block whose address is taken (computed goto, `_THIS_IP_`, a label in a static
//! initialiser, a nested function's non-local goto) stays a block of its own and
//! stays in the function: its address must stay valid.

use ccc_ir::{Block, BlockCall, Function, InstKind, Value};

/// Returns whether anything changed.
pub fn run(f: &mut Function) -> bool {
    let taken = address_taken_blocks(f);
    let mut changed = fold_constant_branches(f);
    changed |= remove_unreachable(f, &taken);
    changed |= merge_straight_lines(f, &taken);
    if changed {
        f.renumber_defs();
    }
    changed
}

/// Blocks whose address is taken, by block index: those the front end
/// recorded (some are referenced from outside the function) and those a
/// `BlockAddr` names.
fn address_taken_blocks(f: &Function) -> Vec<bool> {
    let mut taken = vec![false; f.blocks.len()];
    for b in &f.address_taken {
        taken[b.index()] = true;
    }
    for inst in f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts) {
        if let InstKind::BlockAddr { block } = inst.kind {
            taken[block.index()] = true;
        }
    }
    taken
}


fn fold_constant_branches(f: &mut Function) -> bool {
    let consts = crate::int_constants(f);
    let mut changed = false;
    for b in f.layout.clone() {
        let Some(last) = f.blocks[b.index()].insts.last_mut() else { continue };
        let target: Option<BlockCall> = match &last.kind {
            InstKind::Branch { cond, cond_ty, then_dest, else_dest } => match consts[cond.index()] {
                Some(k) => Some(if crate::fold::wrap(k, *cond_ty) != 0 { then_dest.clone() } else { else_dest.clone() }),
                None if then_dest == else_dest => Some(then_dest.clone()),
                None => None,
            },
            InstKind::Switch { value, ty, cases, default } => consts[value.index()].map(|k| {
                let k = crate::fold::wrap(k, *ty);
                let dest = cases.iter().find(|(v, _)| crate::fold::wrap(*v, *ty) == k).map(|c| c.1).unwrap_or(*default);
                BlockCall::new(dest)
            }),
            _ => None,
        };
        if let Some(t) = target {
            last.kind = InstKind::Jump(t);
            changed = true;
        }
    }
    changed
}

/// Drops the blocks control cannot reach. Besides the entry, an address-taken block may
/// be entered through its address (a nested function's non-local goto, a label in a
/// static table) when that address exists outside dead code: when no instruction takes
/// it (only a static initialiser does) or one in a live block does. Such a block keeps
/// its body. One whose address is only taken in dead code (a `_THIS_IP_` in a branch
/// that folded away) stays laid out, since its address must stay valid, but can never
/// run: it becomes a lone `unreachable`, as it may use values of blocks that are gone.
fn remove_unreachable(f: &mut Function, taken: &[bool]) -> bool {
    let n = f.blocks.len();
    // (block holding the BlockAddr, block it names)
    let mut addr_refs: Vec<(Block, Block)> = Vec::new();
    for &b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            if let InstKind::BlockAddr { block } = inst.kind {
                addr_refs.push((b, block));
            }
        }
    }
    let mut reach = vec![false; n];
    let mut stack = vec![f.entry()];
    for &b in &f.layout {
        if taken[b.index()] && !addr_refs.iter().any(|&(_, t)| t == b) {
            stack.push(b);
        }
    }
    loop {
        while let Some(b) = stack.pop() {
            if std::mem::replace(&mut reach[b.index()], true) {
                continue;
            }
            for inst in &f.blocks[b.index()].insts {
                stack.extend(inst.kind.successors());
            }
        }
        stack.extend(addr_refs.iter().filter(|&&(from, to)| reach[from.index()] && !reach[to.index()]).map(|&(_, to)| to));
        if stack.is_empty() {
            break;
        }
    }
    let mut changed = false;
    for &b in &f.layout {
        let bd = &mut f.blocks[b.index()];
        let already_dead = bd.params.is_empty() && bd.insts.len() == 1 && matches!(bd.insts[0].kind, InstKind::Unreachable);
        if !reach[b.index()] && taken[b.index()] && !already_dead {
            bd.params.clear();
            bd.insts.clear();
            bd.insts.push(ccc_ir::Inst { kind: InstKind::Unreachable, result: None });
            changed = true;
        }
    }
    let before = f.layout.len();
    f.layout.retain(|b| reach[b.index()] || taken[b.index()]);
    if f.layout.len() == before {
        return changed;
    }
    for (i, bd) in f.blocks.iter_mut().enumerate() {
        if !reach[i] && !taken[i] {
            bd.insts.clear();
            bd.params.clear();
        }
    }
    true
}

/// Merge `b` into `a` when `a` ends in `jump b(args)` and nothing else enters `b`.
fn merge_straight_lines(f: &mut Function, taken: &[bool]) -> bool {
    let preds = f.predecessors();
    let mut pred_edges = vec![0u32; f.blocks.len()];
    for &b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            for s in inst.kind.successors() {
                pred_edges[s.index()] += 1;
            }
        }
    }
    let entry = f.entry();
    let mut alias: Vec<Option<Value>> = vec![None; f.values.len()];
    let mut merged_into: Vec<Option<Block>> = vec![None; f.blocks.len()];
    let mut changed = false;
    for a in f.layout.clone() {
        // `a` may itself have been merged into an earlier block.
        let mut host = a;
        while let Some(h) = merged_into[host.index()] {
            host = h;
        }
        if merged_into[a.index()].is_some() {
            continue;
        }
        loop {
            let Some(InstKind::Jump(bc)) = f.blocks[host.index()].insts.last().map(|i| &i.kind) else { break };
            let b = bc.block;
            if b == entry || b == host || taken[b.index()] || pred_edges[b.index()] != 1 || preds[b.index()].len() != 1 {
                break;
            }
            // An `asm goto` stays last before its block's jump: its labels' edges
            // leave from there, and passes read a block's state at its end.
            let asm_goto = f.blocks[host.index()].insts.iter().any(|i| matches!(&i.kind, InstKind::InlineAsm(a) if !a.goto_targets.is_empty()));
            if asm_goto {
                break;
            }
            let args = bc.args.clone();
            let params = std::mem::take(&mut f.blocks[b.index()].params);
            for (p, a) in params.iter().zip(&args) {
                alias[p.index()] = Some(*a);
            }
            let moved = std::mem::take(&mut f.blocks[b.index()].insts);
            let host_insts = &mut f.blocks[host.index()].insts;
            host_insts.pop();
            host_insts.extend(moved);
            merged_into[b.index()] = Some(host);
            changed = true;
        }
    }
    if !changed {
        return false;
    }
    f.layout.retain(|b| merged_into[b.index()].is_none());
    let resolve = |mut v: Value| {
        while let Some(Some(r)) = alias.get(v.index()) {
            v = *r;
        }
        v
    };
    for bd in &mut f.blocks {
        for inst in &mut bd.insts {
            inst.kind.map_operands(resolve);
        }
    }
    true
}
