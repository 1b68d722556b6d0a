//! Promote stack slots to SSA values (Cytron et al.): slots whose address
//! is only used by non-volatile loads and stores of one type become values,
//! with block parameters at the iterated dominance frontier of their stores.

use ccc_ir::{Block, BlockCall, Function, InstKind, SlotId, Type, Value};

use crate::dom::DomTree;

/// At most this many promoted variables meet at any one block.
const MAX_PARAMS_PER_BLOCK: usize = 48;

pub fn run(f: &mut Function) {
    if f.calls_returns_twice {
        return;
    }
    let no_params = blocks_without_params(f);
    let Some(mut vars) = promotable_slots(f) else { return };
    if vars.iter().all(|v| v.is_none()) {
        return;
    }
    split_switch_edges(f);
    let dom = DomTree::compute(f);
    if !dom.preds[f.entry().index()].is_empty() {
        // The entry cannot take parameters.
        return;
    }
    let nslots = f.slots.len();
    // Blocks that store each variable.
    let mut def_blocks: Vec<Vec<Block>> = vec![Vec::new(); nslots];
    let slot_of = slot_addr_map(f);
    for &b in &dom.rpo {
        for inst in &f.blocks[b.index()].insts {
            if let InstKind::Store { ptr, .. } = &inst.kind {
                if let Some(s) = slot_of[ptr.index()] {
                    if vars[s.index()].is_some() && !def_blocks[s.index()].contains(&b) {
                        def_blocks[s.index()].push(b);
                    }
                }
            }
        }
    }
    // Iterated dominance frontier of each variable's stores.
    let df = dom.frontiers();
    let nblocks = f.blocks.len();
    let mut idf: Vec<Vec<Block>> = vec![Vec::new(); nslots];
    let mut mark = vec![usize::MAX; nblocks];
    let mut is_def = vec![usize::MAX; nblocks];
    for s in 0..nslots {
        if vars[s].is_none() {
            continue;
        }
        for &b in &def_blocks[s] {
            is_def[b.index()] = s;
        }
        let mut work = def_blocks[s].clone();
        while let Some(b) = work.pop() {
            for &d in &df[b.index()] {
                if mark[d.index()] == s {
                    continue;
                }
                mark[d.index()] = s;
                idf[s].push(d);
                if is_def[d.index()] != s {
                    work.push(d);
                }
            }
        }
    }
    // Bound the block parameters any one block receives: the register
    // allocator spills whole intervals, so hundreds of values live around
    // one loop cost more than the memory traffic they replace. The most
    // used variables are promoted first.
    let mut uses = vec![0usize; nslots];
    for b in &dom.rpo {
        for inst in &f.blocks[b.index()].insts {
            let p = match &inst.kind {
                InstKind::Load { ptr, .. } | InstKind::Store { ptr, .. } => *ptr,
                _ => continue,
            };
            if let Some(s) = slot_of[p.index()] {
                uses[s.index()] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..nslots).filter(|&s| vars[s].is_some()).collect();
    order.sort_by_key(|&s| (std::cmp::Reverse(uses[s]), s));
    let mut params_at = vec![0usize; nblocks];
    for s in order {
        if idf[s].iter().any(|b| no_params[b.index()] || params_at[b.index()] >= MAX_PARAMS_PER_BLOCK) {
            vars[s] = None;
            continue;
        }
        for b in &idf[s] {
            params_at[b.index()] += 1;
        }
    }
    // Place the block parameters.
    let mut phis: Vec<Vec<(SlotId, Value)>> = vec![Vec::new(); nblocks];
    for s in 0..nslots {
        let Some(ty) = vars[s] else { continue };
        for &d in &idf[s] {
            let p = f.add_block_param(d, ty);
            phis[d.index()].push((SlotId::new(s), p));
        }
    }
    // Undefined initial values: zero constants at the top of the entry.
    let mut undef: Vec<Option<Value>> = vec![None; nslots];
    let mut entry_consts = Vec::new();
    for s in 0..nslots {
        if let Some(ty) = vars[s] {
            let kind = if ty.is_float() { InstKind::FConst { ty, bits: 0 } } else { InstKind::IConst { ty, value: 0 } };
            let v = f.new_detached_value(ty);
            entry_consts.push(ccc_ir::Inst { result: Some(v), kind });
            undef[s] = Some(v);
        }
    }
    let entry = f.entry();
    let old = std::mem::take(&mut f.blocks[entry.index()].insts);
    f.blocks[entry.index()].insts = entry_consts;
    f.blocks[entry.index()].insts.extend(old);

    // Rename along the dominator tree.
    let mut replace: Vec<Option<Value>> = vec![None; f.values.len()];
    let mut stacks: Vec<Vec<Value>> = (0..nslots).map(|s| undef[s].into_iter().collect()).collect();
    enum Ev {
        Enter(Block),
        Exit(Vec<(usize, usize)>),
    }
    // Blocks the entry does not reach (labels whose address is taken but
    // that no jump enters: they never run) are renamed after the tree, with
    // the undefined values: their edges into reachable blocks need arguments.
    let mut in_tree = vec![false; nblocks];
    for &b in &dom.rpo {
        in_tree[b.index()] = true;
    }
    let mut outside: Vec<Block> = f.layout.iter().rev().copied().filter(|b| !in_tree[b.index()]).collect();
    let mut events = vec![Ev::Enter(entry)];
    while let Some(ev) = events.pop().or_else(|| outside.pop().map(Ev::Enter)) {
        match ev {
            Ev::Exit(pops) => {
                for (s, n) in pops {
                    let len = stacks[s].len();
                    stacks[s].truncate(len - n);
                }
            }
            Ev::Enter(b) => {
                let mut pushed = vec![0usize; 0];
                let mut counts: Vec<(usize, usize)> = Vec::new();
                let bump = |s: usize, counts: &mut Vec<(usize, usize)>| match counts.iter_mut().find(|c| c.0 == s) {
                    Some(c) => c.1 += 1,
                    None => counts.push((s, 1)),
                };
                for &(s, p) in &phis[b.index()] {
                    stacks[s.index()].push(p);
                    bump(s.index(), &mut counts);
                }
                let insts = std::mem::take(&mut f.blocks[b.index()].insts);
                let mut kept = Vec::with_capacity(insts.len());
                for mut inst in insts {
                    match &inst.kind {
                        InstKind::Load { ptr, .. } => {
                            if let Some(s) = slot_of[ptr.index()].filter(|s| vars[s.index()].is_some()) {
                                let cur = *stacks[s.index()].last().expect("undef value");
                                if let Some(r) = inst.result {
                                    replace[r.index()] = Some(resolve(&replace, cur));
                                }
                                continue;
                            }
                        }
                        InstKind::Store { ptr, value, .. } => {
                            if let Some(s) = slot_of[ptr.index()].filter(|s| vars[s.index()].is_some()) {
                                let v = resolve(&replace, *value);
                                stacks[s.index()].push(v);
                                bump(s.index(), &mut counts);
                                continue;
                            }
                        }
                        InstKind::SlotAddr { slot } if vars[slot.index()].is_some() => continue,
                        _ => {}
                    }
                    // Terminators pass the current values to successors' new params.
                    match &mut inst.kind {
                        InstKind::Jump(bc) => add_args(bc, &phis, &stacks, &replace),
                        InstKind::Branch { then_dest, else_dest, .. } => {
                            add_args(then_dest, &phis, &stacks, &replace);
                            add_args(else_dest, &phis, &stacks, &replace);
                        }
                        _ => {}
                    }
                    kept.push(inst);
                }
                f.blocks[b.index()].insts = kept;
                let _ = &mut pushed;
                events.push(Ev::Exit(counts));
                for &c in dom.children[b.index()].iter().rev() {
                    events.push(Ev::Enter(c));
                }
            }
        }
    }
    // Apply the replacements everywhere.
    for bd in &mut f.blocks {
        for inst in &mut bd.insts {
            inst.kind.map_operands(|v| resolve(&replace, v));
        }
    }
    f.renumber_defs();
}

fn resolve(replace: &[Option<Value>], mut v: Value) -> Value {
    while let Some(Some(r)) = replace.get(v.index()) {
        if *r == v {
            break;
        }
        v = *r;
    }
    v
}

fn add_args(bc: &mut BlockCall, phis: &[Vec<(SlotId, Value)>], stacks: &[Vec<Value>], replace: &[Option<Value>]) {
    for &(s, _) in &phis[bc.block.index()] {
        let cur = *stacks[s.index()].last().expect("undef value");
        bc.args.push(resolve(replace, cur));
    }
}

/// Computed gotos and asm goto edges cannot carry block arguments.
/// Blocks entered by edges that cannot carry arguments (`asm goto` labels,
/// computed-goto targets): a variable that would need a parameter there stays
/// in memory.
fn blocks_without_params(f: &Function) -> Vec<bool> {
    let mut no = vec![false; f.blocks.len()];
    for b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            let targets = match &i.kind {
                InstKind::IndirectJump { targets, .. } => targets.clone(),
                InstKind::BlockAddr { block } => vec![*block],
                InstKind::InlineAsm(a) => a.goto_targets.clone(),
                _ => continue,
            };
            for t in targets {
                no[t.index()] = true;
            }
        }
    }
    no
}

/// The slot each `slot_addr` result points to.
pub(crate) fn slot_addr_map(f: &Function) -> Vec<Option<SlotId>> {
    let mut m = vec![None; f.values.len()];
    for b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            if let (InstKind::SlotAddr { slot }, Some(r)) = (&inst.kind, inst.result) {
                m[r.index()] = Some(*slot);
            }
        }
    }
    m
}

/// For each slot, the type it can be promoted as, if it can.
fn promotable_slots(f: &Function) -> Option<Vec<Option<Type>>> {
    let slot_of = slot_addr_map(f);
    let n = f.slots.len();
    let mut ty: Vec<Option<Type>> = vec![None; n];
    let mut bad = vec![false; n];
    for b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            match &inst.kind {
                InstKind::Load { ty: t, ptr, volatile } => {
                    if let Some(s) = slot_of[ptr.index()] {
                        note(&mut ty, &mut bad, f, s, *t, *volatile);
                    }
                }
                InstKind::Store { ty: t, ptr, value, volatile } => {
                    if let Some(s) = slot_of[value.index()] {
                        bad[s.index()] = true;
                    }
                    if let Some(s) = slot_of[ptr.index()] {
                        note(&mut ty, &mut bad, f, s, *t, *volatile);
                    }
                }
                InstKind::SlotAddr { .. } => {}
                k => k.for_each_operand(|v| {
                    if let Some(s) = slot_of[v.index()] {
                        bad[s.index()] = true;
                    }
                }),
            }
        }
    }
    Some((0..n).map(|s| if bad[s] { None } else { ty[s] }).collect())
}

fn note(ty: &mut [Option<Type>], bad: &mut [bool], f: &Function, s: SlotId, t: Type, volatile: bool) {
    let i = s.index();
    if volatile || f.slots[i].size != t.size() as u64 {
        bad[i] = true;
        return;
    }
    match ty[i] {
        None => ty[i] = Some(t),
        Some(old) if old != t => bad[i] = true,
        _ => {}
    }
}

/// Give every switch edge into a block with several predecessors its own
/// block, so that block arguments can be passed along it.
fn split_switch_edges(f: &mut Function) {
    let preds = f.predecessors();
    let layout = f.layout.clone();
    let mut new_layout = Vec::with_capacity(layout.len());
    for b in layout {
        new_layout.push(b);
        let Some(last) = f.blocks[b.index()].insts.last() else { continue };
        let InstKind::Switch { cases, default, .. } = &last.kind else { continue };
        let mut targets: Vec<Block> = cases.iter().map(|c| c.1).collect();
        targets.push(*default);
        let mut mapping: Vec<(Block, Block)> = Vec::new();
        for t in targets {
            if preds[t.index()].len() < 2 || mapping.iter().any(|m| m.0 == t) {
                continue;
            }
            let nb = f.new_block();
            f.append(nb, InstKind::Jump(BlockCall::new(t)));
            new_layout.push(nb);
            mapping.push((t, nb));
        }
        if mapping.is_empty() {
            continue;
        }
        let map = |x: Block| mapping.iter().find(|m| m.0 == x).map(|m| m.1).unwrap_or(x);
        if let Some(last) = f.blocks[b.index()].insts.last_mut() {
            if let InstKind::Switch { cases, default, .. } = &mut last.kind {
                for c in cases.iter_mut() {
                    c.1 = map(c.1);
                }
                *default = map(*default);
            }
        }
    }
    f.layout = new_layout;
}
