//! Conditions known on the edges they dominate. Past `if (x != 0)`, every
//! block that only the taken edge leads to knows `x != 0` (and past a
//! `switch` case edge, `x == k`): comparisons of `x` with constants that the
//! known conditions decide fold, `switch` cases that contradict them are
//! dropped, and branches on a decided condition become jumps. The kernel's
//! `scoped_seqlock_read()` loop runs while `state != ss_done`; its step
//! switches on the state, and only this proves `case ss_done:`
//! (`__scoped_seqlock_bug()`, a link-time assertion) dead.

use ccc_ir::{Block, BlockCall, Function, InstKind, IntCC, Type, Value};

use crate::dom::DomTree;
use crate::fold::{unsigned, wrap};

/// `value cc k` holds, compared as `ty`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Fact {
    value: Value,
    cc: IntCC,
    ty: Type,
    k: i128,
}

pub fn run(f: &mut Function) -> bool {
    let dom = DomTree::compute(f);
    let consts = crate::int_constants(f);
    let compares = compares(f);
    let entry_facts: Vec<Vec<Fact>> = (0..f.blocks.len()).map(|b| edge_facts(f, &dom, &consts, &compares, Block::new(b))).collect();
    if entry_facts.iter().all(Vec::is_empty) {
        return false;
    }
    // Facts in force, per value; a walk of the dominator tree pushes a
    // block's entry facts on the way down and pops them on the way up.
    let mut known: Vec<Vec<Fact>> = vec![Vec::new(); f.values.len()];
    let mut changed = false;
    enum Step {
        Enter(Block),
        Leave(Block),
    }
    let mut work = vec![Step::Enter(f.entry())];
    while let Some(step) = work.pop() {
        match step {
            Step::Enter(b) => {
                for fact in &entry_facts[b.index()] {
                    known[fact.value.index()].push(*fact);
                }
                changed |= apply(f, b, &consts, &known);
                work.push(Step::Leave(b));
                work.extend(dom.children[b.index()].iter().rev().map(|&c| Step::Enter(c)));
            }
            Step::Leave(b) => {
                for fact in &entry_facts[b.index()] {
                    known[fact.value.index()].pop();
                }
            }
        }
    }
    changed
}


/// The integer comparison defining each value, if any.
fn compares(f: &Function) -> Vec<Option<(IntCC, Type, Value, Value)>> {
    let mut defs = vec![None; f.values.len()];
    for b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            if let (InstKind::Icmp { cc, ty, lhs, rhs }, Some(r)) = (&i.kind, i.result) {
                defs[r.index()] = Some((*cc, *ty, *lhs, *rhs));
            }
        }
    }
    defs
}

/// What entering `b` proves: `b` has one predecessor, whose branch or
/// switch reaches `b` by one edge only; that edge dominates `b`.
fn edge_facts(f: &Function, dom: &DomTree, consts: &[Option<i128>], compares: &[Option<(IntCC, Type, Value, Value)>], b: Block) -> Vec<Fact> {
    let [p] = dom.preds[b.index()][..] else { return Vec::new() };
    if dom.idom[b.index()].is_none() || f.address_taken.contains(&b) {
        return Vec::new();
    }
    // An `asm goto` in the middle of the predecessor also leads here.
    let insts = &f.blocks[p.index()].insts;
    if insts.iter().rev().skip(1).any(|i| i.kind.successors().contains(&b)) {
        return Vec::new();
    }
    match insts.last().map(|i| &i.kind) {
        Some(InstKind::Branch { cond, cond_ty, then_dest, else_dest }) if then_dest.block != else_dest.block => {
            let taken = then_dest.block == b;
            let mut facts = vec![Fact { value: *cond, cc: if taken { IntCC::Ne } else { IntCC::Eq }, ty: *cond_ty, k: 0 }];
            if let Some((cc, ty, lhs, rhs)) = compares[cond.index()] {
                let cc = if taken { cc } else { cc.inverse() };
                match (consts[lhs.index()], consts[rhs.index()]) {
                    (None, Some(k)) => facts.push(Fact { value: lhs, cc, ty, k }),
                    (Some(k), None) => facts.push(Fact { value: rhs, cc: swapped(cc), ty, k }),
                    _ => {}
                }
            }
            facts
        }
        Some(InstKind::Switch { value, ty, cases, default }) if *default != b => {
            let mut hits = cases.iter().filter(|c| c.1 == b);
            match (hits.next(), hits.next()) {
                (Some(&(k, _)), None) => vec![Fact { value: *value, cc: IntCC::Eq, ty: *ty, k }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// `a cc b` as `b cc' a`.
fn swapped(cc: IntCC) -> IntCC {
    use IntCC::*;
    match cc {
        Eq | Ne => cc,
        Slt => Sgt,
        Sle => Sge,
        Sgt => Slt,
        Sge => Sle,
        Ult => Ugt,
        Ule => Uge,
        Ugt => Ult,
        Uge => Ule,
    }
}

/// Decide what the known facts decide in block `b`.
fn apply(f: &mut Function, b: Block, consts: &[Option<i128>], known: &[Vec<Fact>]) -> bool {
    let mut changed = false;
    for inst in f.blocks[b.index()].insts.iter_mut() {
        match &mut inst.kind {
            InstKind::Icmp { cc, ty, lhs, rhs } => {
                let decided = match (consts[lhs.index()], consts[rhs.index()]) {
                    (None, Some(k)) => decide(&known[lhs.index()], *cc, *ty, k),
                    (Some(k), None) => decide(&known[rhs.index()], swapped(*cc), *ty, k),
                    _ => None,
                };
                if let Some(v) = decided {
                    inst.kind = InstKind::IConst { ty: Type::I8, value: i128::from(v) };
                    changed = true;
                }
            }
            InstKind::Branch { cond, cond_ty, then_dest, else_dest } => {
                if let Some(v) = decide(&known[cond.index()], IntCC::Ne, *cond_ty, 0) {
                    let target = if v { then_dest.clone() } else { else_dest.clone() };
                    inst.kind = InstKind::Jump(target);
                    changed = true;
                }
            }
            InstKind::Switch { value, ty, cases, default } => {
                let facts = &known[value.index()];
                if facts.is_empty() {
                    continue;
                }
                if let Some(&(_, target)) = cases.iter().find(|c| decide(facts, IntCC::Eq, *ty, c.0) == Some(true)) {
                    inst.kind = InstKind::Jump(BlockCall::new(target));
                    changed = true;
                    continue;
                }
                let before = cases.len();
                cases.retain(|c| decide(facts, IntCC::Eq, *ty, c.0) != Some(false));
                if cases.len() != before {
                    changed = true;
                    if cases.is_empty() {
                        inst.kind = InstKind::Jump(BlockCall::new(*default));
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

/// Inclusive bounds, unsigned and signed, that the facts allow.
struct Bounds {
    unsigned: (u128, u128),
    signed: (i128, i128),
    excluded: Vec<u128>,
}

impl Bounds {
    fn of(facts: &[Fact], ty: Type) -> Option<Bounds> {
        let bits = ty.bits();
        if bits >= 128 {
            return None;
        }
        let umax = (1u128 << bits) - 1;
        let (smin, smax) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
        let mut b = Bounds { unsigned: (0, umax), signed: (smin, smax), excluded: Vec::new() };
        for fact in facts.iter().filter(|x| x.ty == ty) {
            let (u, s) = (unsigned(fact.k, ty), wrap(fact.k, ty));
            let (ulo, uhi) = &mut b.unsigned;
            let (slo, shi) = &mut b.signed;
            match fact.cc {
                IntCC::Eq => {
                    (*ulo, *uhi) = ((*ulo).max(u), (*uhi).min(u));
                    (*slo, *shi) = ((*slo).max(s), (*shi).min(s));
                }
                IntCC::Ne => b.excluded.push(u),
                IntCC::Ult => *uhi = (*uhi).min(u.checked_sub(1)?),
                IntCC::Ule => *uhi = (*uhi).min(u),
                IntCC::Ugt => *ulo = (*ulo).max(u.checked_add(1).filter(|&x| x <= umax)?),
                IntCC::Uge => *ulo = (*ulo).max(u),
                IntCC::Slt => *shi = (*shi).min(s.checked_sub(1).filter(|&x| x >= smin)?),
                IntCC::Sle => *shi = (*shi).min(s),
                IntCC::Sgt => *slo = (*slo).max(s.checked_add(1).filter(|&x| x <= smax)?),
                IntCC::Sge => *slo = (*slo).max(s),
            }
        }
        // Where the sign bit is known, each view bounds the other.
        let sign = 1u128 << (bits - 1);
        if b.unsigned.1 < sign {
            b.signed = (b.signed.0.max(b.unsigned.0 as i128), b.signed.1.min(b.unsigned.1 as i128));
        }
        if b.signed.0 >= 0 {
            b.unsigned = (b.unsigned.0.max(b.signed.0 as u128), b.unsigned.1.min(b.signed.1 as u128));
        }
        // Contradictory facts: the code is unreachable; decide nothing.
        (b.unsigned.0 <= b.unsigned.1 && b.signed.0 <= b.signed.1).then_some(b)
    }
}

/// The value of `v cc k` (compared as `ty`) when the facts about `v` decide it.
fn decide(facts: &[Fact], cc: IntCC, ty: Type, k: i128) -> Option<bool> {
    if facts.is_empty() {
        return None;
    }
    let b = Bounds::of(facts, ty)?;
    let (u, s) = (unsigned(k, ty), wrap(k, ty));
    let ((ulo, uhi), (slo, shi)) = (b.unsigned, b.signed);
    let eq = if u < ulo || u > uhi || s < slo || s > shi || b.excluded.contains(&u) {
        Some(false)
    } else if ulo == uhi {
        Some(true)
    } else {
        None
    };
    match cc {
        IntCC::Eq => eq,
        IntCC::Ne => eq.map(|e| !e),
        IntCC::Ult => interval(uhi < u, ulo >= u),
        IntCC::Ule => interval(uhi <= u, ulo > u),
        IntCC::Ugt => interval(ulo > u, uhi <= u),
        IntCC::Uge => interval(ulo >= u, uhi < u),
        IntCC::Slt => interval(shi < s, slo >= s),
        IntCC::Sle => interval(shi <= s, slo > s),
        IntCC::Sgt => interval(slo > s, shi <= s),
        IntCC::Sge => interval(slo >= s, shi < s),
    }
}

fn interval(always: bool, never: bool) -> Option<bool> {
    if always {
        Some(true)
    } else if never {
        Some(false)
    } else {
        None
    }
}
