//! Linear-scan register allocation (Poletto & Sarkar) over live-interval
//! hulls, with physical-register constraints expressed as fixed ranges,
//! move hints for coalescing, and spilling by rewriting: a spilled
//! register gets a frame slot, every use/def goes through a fresh
//! one-instruction scratch register, and allocation runs again.

use super::liveness::{fixed_ranges, live_in_sets, live_ranges};
use super::mir::{MFunc, MachInst, OpKind, Reg, RegClass};

/// The target's register file as the allocator sees it.
pub struct RegInfo {
    pub num_pregs: usize,
    /// Allocation order per class (caller-saved first).
    pub int_order: Vec<Reg>,
    pub float_order: Vec<Reg>,
    pub callee_saved: Vec<Reg>,
}

impl RegInfo {
    fn order(&self, c: RegClass) -> &[Reg] {
        match c {
            RegClass::Int => &self.int_order,
            RegClass::Float => &self.float_order,
        }
    }
}

/// Result: the callee-saved registers the function now uses (sorted).
pub fn allocate<I: MachInst>(f: &mut MFunc<I>, info: &RegInfo) -> Result<Vec<Reg>, String> {
    for _round in 0..8 {
        let spilled = try_allocate(f, info)?;
        match spilled {
            Ok(used) => return Ok(used),
            Err(spills) => rewrite_spills(f, &spills),
        }
    }
    Err("register allocation did not converge".into())
}

fn hints<I: MachInst>(f: &MFunc<I>) -> Vec<Option<Reg>> {
    let mut h = vec![None; f.vregs.len()];
    for b in &f.blocks {
        for inst in &b.insts {
            if let Some((d, s)) = inst.as_move() {
                if d.is_virtual() && h[d.vindex()].is_none() {
                    h[d.vindex()] = Some(s);
                }
                if s.is_virtual() && !d.is_virtual() {
                    h[s.vindex()] = Some(d);
                } else if s.is_virtual() && h[s.vindex()].is_none() {
                    h[s.vindex()] = Some(d);
                }
            }
        }
    }
    h
}

/// First position of `fixed` (sorted, disjoint) inside the ranges of `a`.
fn fixed_conflict(fixed: &[(u32, u32)], a: &[(u32, u32)]) -> Option<u32> {
    let mut best: Option<u32> = None;
    for &(s, e) in a {
        let i = fixed.partition_point(|r| r.1 < s);
        if i < fixed.len() && fixed[i].0 <= e {
            let p = fixed[i].0.max(s);
            best = Some(best.map_or(p, |b: u32| b.min(p)));
            break;
        }
    }
    best
}

/// The ranges assigned to one physical register: disjoint, keyed by start.
#[derive(Default)]
struct Occupancy {
    map: std::collections::BTreeMap<u32, (u32, usize)>,
}

impl Occupancy {
    fn conflicts(&self, ranges: &[(u32, u32)]) -> bool {
        ranges.iter().any(|&(s, e)| matches!(self.map.range(..=e).next_back(), Some((_, &(end, _))) if end >= s))
    }

    /// Virtual registers whose ranges overlap `ranges`.
    fn conflicting(&self, ranges: &[(u32, u32)], out: &mut Vec<usize>) {
        for &(s, e) in ranges {
            for (_, &(end, v)) in self.map.range(..=e).rev() {
                if end < s {
                    break;
                }
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }

    fn insert(&mut self, ranges: &[(u32, u32)], v: usize) {
        for &(s, e) in ranges {
            self.map.insert(s, (e, v));
        }
    }

    fn remove(&mut self, ranges: &[(u32, u32)]) {
        for &(s, _) in ranges {
            self.map.remove(&s);
        }
    }
}

/// Either the allocation was applied (returns used callee-saved registers)
/// or the list of virtual registers to spill.
///
/// Linear scan in order of interval start over live ranges with holes; each
/// physical register keeps the ranges assigned to it in an ordered map, so
/// checking an interval against a register costs O(ranges * log n) however
/// many intervals are live or in a hole (LLVM's LiveIntervalUnion idea).
fn try_allocate<I: MachInst>(f: &mut MFunc<I>, info: &RegInfo) -> Result<Result<Vec<Reg>, Vec<usize>>, String> {
    let lv = live_in_sets(f);
    let ranges = live_ranges(f, &lv);
    let fixed = fixed_ranges(f, info.num_pregs);
    let hint = hints(f);

    let mut order: Vec<(u32, usize)> = ranges.iter().enumerate().filter(|(_, r)| !r.is_empty()).map(|(i, r)| (r[0].0, i)).collect();
    order.sort_unstable();
    let end_of = |v: usize| ranges[v].last().map_or(0, |r| r.1);

    let mut assign: Vec<Option<Reg>> = vec![None; f.vregs.len()];
    let mut occ: Vec<Occupancy> = (0..info.num_pregs).map(|_| Occupancy::default()).collect();
    let mut spills: Vec<usize> = Vec::new();
    let mut conflicts: Vec<usize> = Vec::new();

    for &(_, v) in &order {
        let class = f.vregs[v].class;
        let cur = &ranges[v];
        let cur_end = end_of(v);
        let usable = |p: Reg, occ: &[Occupancy]| fixed_conflict(&fixed[p.0 as usize], cur).is_none() && !occ[p.0 as usize].conflicts(cur);
        let mut chosen = None;
        if let Some(h) = hint[v] {
            let hp = if h.is_virtual() { assign[h.vindex()] } else { Some(h) };
            if let Some(hp) = hp {
                if info.order(class).contains(&hp) && usable(hp, &occ) {
                    chosen = Some(hp);
                }
            }
        }
        if chosen.is_none() {
            chosen = info.order(class).iter().copied().find(|&p| usable(p, &occ));
        }
        if let Some(p) = chosen {
            assign[v] = Some(p);
            occ[p.0 as usize].insert(cur, v);
            continue;
        }
        // No register is free for the whole interval: evict the intervals
        // holding some register if they are all spillable and live longer
        // (or we must have a register), else spill this interval.
        let me_spillable = f.vregs[v].spillable;
        let mut best: Option<(u32, Reg)> = None;
        for &p in info.order(class) {
            if fixed_conflict(&fixed[p.0 as usize], cur).is_some() {
                continue;
            }
            conflicts.clear();
            occ[p.0 as usize].conflicting(cur, &mut conflicts);
            if conflicts.iter().any(|&c| !f.vregs[c].spillable) {
                continue;
            }
            let min_end = conflicts.iter().map(|&c| end_of(c)).min().unwrap_or(u32::MAX);
            if (!me_spillable || min_end > cur_end) && best.is_none_or(|(e, _)| min_end > e) {
                best = Some((min_end, p));
            }
        }
        match best {
            Some((_, p)) => {
                conflicts.clear();
                occ[p.0 as usize].conflicting(cur, &mut conflicts);
                for &c in &conflicts {
                    occ[p.0 as usize].remove(&ranges[c]);
                    assign[c] = None;
                    spills.push(c);
                }
                assign[v] = Some(p);
                occ[p.0 as usize].insert(cur, v);
            }
            None if me_spillable => spills.push(v),
            None => return Err("unable to allocate a register: too many values live at one instruction".into()),
        }
    }
    if !spills.is_empty() {
        spills.sort_unstable();
        spills.dedup();
        return Ok(Err(spills));
    }
    // apply
    let mut used_cs = vec![false; info.num_pregs];
    for b in &mut f.blocks {
        for inst in &mut b.insts {
            inst.map_regs(&mut |r| {
                if r.is_virtual() {
                    let p = assign[r.vindex()].unwrap_or(r);
                    used_cs[p.0 as usize % info.num_pregs] = true;
                    p
                } else {
                    r
                }
            });
        }
        b.insts.retain(|i| !matches!(i.as_move(), Some((d, s)) if d == s));
    }
    Ok(Ok(info.callee_saved.iter().copied().filter(|p| used_cs[p.0 as usize]).collect()))
}

fn rewrite_spills<I: MachInst>(f: &mut MFunc<I>, spills: &[usize]) {
    let mut slot_of: Vec<Option<u32>> = vec![None; f.vregs.len()];
    for &v in spills {
        slot_of[v] = Some(f.frame.new_slot(8, 8));
    }
    let mut blocks = std::mem::take(&mut f.blocks);
    for b in &mut blocks {
        let old = std::mem::take(&mut b.insts);
        let mut out = Vec::with_capacity(old.len() + 8);
        for mut inst in old {
            // Moves to/from a spilled register become a load/store.
            if let Some((d, s)) = inst.as_move() {
                if d.is_virtual() && s.is_virtual() && slot_of[d.vindex()].is_some() && slot_of[s.vindex()].is_some() {
                    // both spilled: go through a scratch
                } else if d.is_virtual() && slot_of[d.vindex()].is_some() {
                    let class = f.vregs[d.vindex()].class;
                    out.push(I::spill_store(slot_of[d.vindex()].unwrap_or(0), s, class));
                    continue;
                } else if s.is_virtual() && slot_of[s.vindex()].is_some() {
                    let class = f.vregs[s.vindex()].class;
                    out.push(I::spill_load(slot_of[s.vindex()].unwrap_or(0), d, class));
                    continue;
                }
            }
            let mut touched: Vec<(Reg, OpKind)> = Vec::new();
            inst.reg_operands(&mut |r, k| {
                if r.is_virtual() && slot_of[r.vindex()].is_some() {
                    touched.push((r, k));
                }
            });
            if touched.is_empty() {
                out.push(inst);
                continue;
            }
            // one scratch per spilled register in this instruction
            let mut map: Vec<(Reg, Reg, bool, bool)> = Vec::new(); // (old, new, used, defined)
            for (r, k) in touched {
                let used = matches!(k, OpKind::Use | OpKind::UseDef);
                let defd = !matches!(k, OpKind::Use);
                if let Some(m) = map.iter_mut().find(|m| m.0 == r) {
                    m.2 |= used;
                    m.3 |= defd;
                } else {
                    let class = f.vregs[r.vindex()].class;
                    f.vregs.push(super::mir::VRegInfo { class, spillable: false });
                    let n = Reg::from_vindex(f.vregs.len() - 1);
                    map.push((r, n, used, defd));
                }
            }
            for &(old, new, used, _) in &map {
                if used {
                    let class = f.vregs[old.vindex()].class;
                    out.push(I::spill_load(slot_of[old.vindex()].unwrap_or(0), new, class));
                }
            }
            inst.map_regs(&mut |r| map.iter().find(|m| m.0 == r).map(|m| m.1).unwrap_or(r));
            out.push(inst);
            for &(old, new, _, defd) in &map {
                if defd {
                    let class = f.vregs[old.vindex()].class;
                    out.push(I::spill_store(slot_of[old.vindex()].unwrap_or(0), new, class));
                }
            }
        }
        b.insts = out;
    }
    f.blocks = blocks;
}
