//! Register assignment: linear scan in order of interval start over live
//! ranges with holes. Each physical register keeps the ranges assigned to
//! it in an [`Occupancy`]; an interval takes its move hint if free, else
//! the first free register in allocation order, else it evicts the
//! cheapest set of intervals holding one register (by spill cost, when
//! they cost less than it does), else it is spilled.

use super::occupancy::{Occupancy, Range};
use super::RegInfo;
use crate::codegen::mir::{MFunc, MachInst, Reg};

pub enum Outcome {
    /// A physical register for every virtual register with a live range.
    Assigned(Vec<Option<Reg>>),
    /// Virtual registers to spill before trying again (sorted, unique).
    Spill(Vec<usize>),
}

/// Preferred register of each virtual register: the other side of a copy.
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

/// Whether a fixed (physical) reservation overlaps `a`; both sorted.
fn fixed_conflict(fixed: &[Range], a: &[Range]) -> bool {
    a.iter().any(|&(s, e)| {
        let i = fixed.partition_point(|r| r.1 < s);
        i < fixed.len() && fixed[i].0 <= e
    })
}

struct Scan<'a> {
    ranges: &'a [Vec<Range>],
    fixed: &'a [Vec<Range>],
    occ: Vec<Occupancy>,
    assign: Vec<Option<Reg>>,
}

impl Scan<'_> {
    fn usable(&self, p: Reg, v: usize) -> bool {
        let cur = &self.ranges[v];
        !fixed_conflict(&self.fixed[p.0 as usize], cur) && !self.occ[p.0 as usize].conflicts(cur)
    }

    fn take(&mut self, p: Reg, v: usize) {
        self.assign[v] = Some(p);
        self.occ[p.0 as usize].insert(&self.ranges[v], v);
    }

    fn free_register(&self, order: &[Reg], v: usize) -> Option<Reg> {
        order.iter().copied().find(|&p| self.usable(p, v))
    }
}

pub fn assign_registers<I: MachInst>(
    f: &MFunc<I>,
    info: &RegInfo,
    ranges: &[Vec<Range>],
    fixed: &[Vec<Range>],
    spill_cost: &[f32],
    narrow: &[bool],
) -> Result<Outcome, String> {
    let hint = hints(f);
    let mut order: Vec<(u32, usize)> = ranges.iter().enumerate().filter(|(_, r)| !r.is_empty()).map(|(i, r)| (r[0].0, i)).collect();
    order.sort_unstable();

    let mut scan = Scan {
        ranges,
        fixed,
        occ: (0..info.num_pregs).map(|_| Occupancy::default()).collect(),
        assign: vec![None; f.vregs.len()],
    };
    let mut spills: Vec<usize> = Vec::new();
    let mut conflicts: Vec<usize> = Vec::new();

    for &(_, v) in &order {
        let class_order = info.order(f.vregs[v].class, narrow[v]);
        let hinted = hint[v].and_then(|h| if h.is_virtual() { scan.assign[h.vindex()] } else { Some(h) });
        let chosen = hinted
            .filter(|&p| class_order.contains(&p) && scan.usable(p, v))
            .or_else(|| scan.free_register(class_order, v));
        if let Some(p) = chosen {
            scan.take(p, v);
            continue;
        }
        // No register is free for the whole interval: find the register
        // whose conflicting intervals are cheapest to give up.
        let mut best: Option<(f32, Reg)> = None;
        for &p in class_order {
            if fixed_conflict(&fixed[p.0 as usize], &ranges[v]) {
                continue;
            }
            conflicts.clear();
            scan.occ[p.0 as usize].conflicting(&ranges[v], &mut conflicts);
            let cost: f32 = conflicts.iter().map(|&c| spill_cost[c]).sum();
            if cost.is_finite() && best.is_none_or(|(b, _)| cost < b) {
                best = Some((cost, p));
            }
        }
        match best {
            Some((cost, p)) if cost < spill_cost[v] => {
                conflicts.clear();
                scan.occ[p.0 as usize].conflicting(&ranges[v], &mut conflicts);
                for &c in &conflicts {
                    scan.occ[p.0 as usize].remove(&ranges[c]);
                    scan.assign[c] = None;
                }
                scan.take(p, v);
                // An evicted interval may still fit another register whole.
                for &c in &conflicts {
                    match scan.free_register(info.order(f.vregs[c].class, narrow[c]), c) {
                        Some(q) => scan.take(q, c),
                        None => spills.push(c),
                    }
                }
            }
            _ if f.vregs[v].spillable => spills.push(v),
            _ => return Err("unable to allocate a register: too many values live at one instruction".into()),
        }
    }
    if spills.is_empty() {
        Ok(Outcome::Assigned(scan.assign))
    } else {
        spills.sort_unstable();
        spills.dedup();
        Ok(Outcome::Spill(spills))
    }
}
