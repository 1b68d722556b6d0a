//! Dead code elimination: instructions without side effects whose results
//! are unused, and block parameters nobody reads.

use ccc_ir::{Function, InstKind};

pub fn run(f: &mut Function) {
    loop {
        let removed_insts = remove_dead_insts(f);
        let removed_params = remove_dead_params(f);
        if !removed_insts && !removed_params {
            break;
        }
    }
    f.renumber_defs();
}

fn use_counts(f: &Function) -> Vec<u32> {
    let mut uses = vec![0u32; f.values.len()];
    for b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            inst.kind.for_each_operand(|v| uses[v.index()] += 1);
        }
    }
    uses
}

fn remove_dead_insts(f: &mut Function) -> bool {
    let mut uses = use_counts(f);
    let mut any = false;
    // Walk backwards so chains of dead values go in one sweep.
    for b in f.layout.clone().into_iter().rev() {
        let insts = &mut f.blocks[b.index()].insts;
        let mut i = insts.len();
        while i > 0 {
            i -= 1;
            let dead = match insts[i].result {
                Some(r) => uses[r.index()] == 0 && !insts[i].kind.has_side_effects(),
                None => false,
            };
            if dead {
                let inst = insts.remove(i);
                inst.kind.for_each_operand(|v| uses[v.index()] -= 1);
                any = true;
            }
        }
    }
    any
}

/// Drop block parameters that are never used (the entry's are the
/// function's own parameters and stay).
fn remove_dead_params(f: &mut Function) -> bool {
    let uses = use_counts(f);
    let mut any = false;
    let entry = f.entry();
    for b in f.layout.clone() {
        if b == entry {
            continue;
        }
        let params = f.blocks[b.index()].params.clone();
        let dead: Vec<usize> = params.iter().enumerate().filter(|(_, p)| uses[p.index()] == 0).map(|(i, _)| i).collect();
        if dead.is_empty() {
            continue;
        }
        // Every edge into `b` must be a Jump or Branch to rewrite it.
        let ok = f.layout.iter().all(|p| {
            f.blocks[p.index()].insts.iter().all(|inst| match &inst.kind {
                InstKind::Jump(_) | InstKind::Branch { .. } => true,
                k => !k.successors().contains(&b),
            })
        });
        if !ok {
            continue;
        }
        for p in f.layout.clone() {
            for inst in &mut f.blocks[p.index()].insts {
                let calls: Vec<&mut ccc_ir::BlockCall> = match &mut inst.kind {
                    InstKind::Jump(bc) => vec![bc],
                    InstKind::Branch { then_dest, else_dest, .. } => vec![then_dest, else_dest],
                    _ => vec![],
                };
                for bc in calls {
                    if bc.block == b {
                        for &i in dead.iter().rev() {
                            bc.args.remove(i);
                        }
                    }
                }
            }
        }
        let bd = &mut f.blocks[b.index()];
        for &i in dead.iter().rev() {
            bd.params.remove(i);
        }
        any = true;
    }
    any
}
