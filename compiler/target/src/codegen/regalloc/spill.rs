//! Spilling by rewriting: a spilled virtual register lives in a frame
//! slot; every instruction touching it goes through a fresh scratch
//! register loaded before / stored after it. Copies between spilled
//! registers are the bulk of the cost (block parameters of loop headers),
//! so copy-related spilled registers whose live ranges do not overlap
//! share one slot and their copies vanish.

use super::occupancy::{Occupancy, Range};
use crate::codegen::mir::{MFunc, MachInst, OpKind, Reg, VRegInfo};

/// Slot of each spilled virtual register (indexed like `spilled`).
pub fn assign_slots<I: MachInst>(f: &mut MFunc<I>, spilled: &[bool], ranges: &[Vec<Range>]) -> Vec<Option<u32>> {
    let n = spilled.len();
    // Union-find over spilled registers; each root keeps its members and
    // the union of their ranges.
    let mut parent: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|v| if spilled[v] { vec![v] } else { Vec::new() }).collect();
    let mut occ: Vec<Occupancy> = (0..n).map(|_| Occupancy::default()).collect();
    for v in (0..n).filter(|&v| spilled[v]) {
        occ[v].insert(&ranges[v], v);
    }
    fn find(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    let is_spilled = |r: Reg| r.is_virtual() && spilled.get(r.vindex()).copied().unwrap_or(false);
    for b in &f.blocks {
        for inst in &b.insts {
            let Some((d, s)) = inst.as_move() else { continue };
            if !is_spilled(d) || !is_spilled(s) || f.vregs[d.vindex()].class != f.vregs[s.vindex()].class {
                continue;
            }
            let (a, c) = (find(&mut parent, d.vindex()), find(&mut parent, s.vindex()));
            if a == c {
                continue;
            }
            // merge the smaller group into the larger one if they never overlap
            let (big, small) = if members[a].len() >= members[c].len() { (a, c) } else { (c, a) };
            if members[small].iter().any(|&m| occ[big].conflicts(&ranges[m])) {
                continue;
            }
            let moved = std::mem::take(&mut members[small]);
            for &m in &moved {
                occ[big].insert(&ranges[m], m);
            }
            occ[small] = Occupancy::default();
            members[big].extend(moved);
            parent[small] = big;
        }
    }
    let mut slot_of_root: Vec<Option<u32>> = vec![None; n];
    (0..n)
        .map(|v| {
            if !spilled[v] {
                return None;
            }
            let root = find(&mut parent, v);
            Some(*slot_of_root[root].get_or_insert_with(|| f.frame.new_slot(8, 8)))
        })
        .collect()
}

/// Rewrite every access to a register with a slot into loads and stores.
pub fn rewrite<I: MachInst>(f: &mut MFunc<I>, slot_of: &[Option<u32>]) {
    let slot = |r: Reg| if r.is_virtual() { slot_of.get(r.vindex()).copied().flatten() } else { None };
    let mut blocks = std::mem::take(&mut f.blocks);
    for b in &mut blocks {
        let old = std::mem::take(&mut b.insts);
        let mut out = Vec::with_capacity(old.len() + 8);
        for mut inst in old {
            // Copies to/from a spilled register become a load or a store
            // (or nothing between registers sharing a slot).
            if let Some((d, s)) = inst.as_move() {
                match (slot(d), slot(s)) {
                    (Some(a), Some(b)) if a == b => continue,
                    (Some(_), Some(_)) => {} // through a scratch below
                    (Some(a), None) => {
                        out.push(I::spill_store(a, s, f.vregs[d.vindex()].class));
                        continue;
                    }
                    (None, Some(b)) => {
                        out.push(I::spill_load(b, d, f.vregs[s.vindex()].class));
                        continue;
                    }
                    (None, None) => {}
                }
            }
            // one scratch per spilled register in this instruction:
            // (old, scratch, read, written)
            let mut map: Vec<(Reg, Reg, bool, bool)> = Vec::new();
            inst.reg_operands(&mut |r, k| {
                if slot(r).is_none() {
                    return;
                }
                let read = matches!(k, OpKind::Use | OpKind::UseDef);
                let written = !matches!(k, OpKind::Use);
                match map.iter_mut().find(|m| m.0 == r) {
                    Some(m) => {
                        m.2 |= read;
                        m.3 |= written;
                    }
                    None => map.push((r, r, read, written)),
                }
            });
            if map.is_empty() {
                out.push(inst);
                continue;
            }
            for m in &mut map {
                let class = f.vregs[m.0.vindex()].class;
                f.vregs.push(VRegInfo { class, spillable: false });
                m.1 = Reg::from_vindex(f.vregs.len() - 1);
            }
            for &(old, new, read, _) in &map {
                if read {
                    out.push(I::spill_load(slot(old).unwrap_or(0), new, f.vregs[old.vindex()].class));
                }
            }
            inst.map_regs(&mut |r| map.iter().find(|m| m.0 == r).map_or(r, |m| m.1));
            out.push(inst);
            for &(old, new, _, written) in &map {
                if written {
                    out.push(I::spill_store(slot(old).unwrap_or(0), new, f.vregs[old.vindex()].class));
                }
            }
        }
        b.insts = out;
    }
    f.blocks = blocks;
}

/// Registers to spill along with `spilled`: those used only by copies,
/// most (by block frequency) to or from spilled registers. Spilled, they
/// can share their partners' slot and those copies vanish; in a register
/// each such copy is a load or store anyway (a join block's parameters
/// in front of a loop header whose parameters live in memory). Adds them
/// to `spilled`.
pub fn spill_copy_followers<I: MachInst>(f: &MFunc<I>, spilled: &mut [bool], loop_depth: &[u32]) {
    const MAX_PASSES: usize = 4;
    let n = spilled.len();
    for _ in 0..MAX_PASSES {
        // per register: (frequency of copies with spilled partners, with others, other uses)
        let mut to_spilled = vec![0f32; n];
        let mut to_kept = vec![0f32; n];
        let mut other = vec![false; n];
        for (b, block) in f.blocks.iter().enumerate() {
            let freq = 8f32.powi(loop_depth.get(b).copied().unwrap_or(0).min(5) as i32);
            for inst in &block.insts {
                match inst.as_move() {
                    Some((d, s)) => {
                        let in_memory = |r: Reg| r.is_virtual() && spilled.get(r.vindex()).copied().unwrap_or(false);
                        for (me, partner) in [(d, s), (s, d)] {
                            if me.is_virtual() && me.vindex() < n {
                                let tally = if in_memory(partner) { &mut to_spilled } else { &mut to_kept };
                                tally[me.vindex()] += freq;
                            }
                        }
                    }
                    None => inst.reg_operands(&mut |r, _| {
                        if r.is_virtual() && r.vindex() < n {
                            other[r.vindex()] = true;
                        }
                    }),
                }
            }
        }
        let mut changed = false;
        for v in 0..n {
            if !spilled[v] && !other[v] && f.vregs[v].spillable && to_spilled[v] > to_kept[v] {
                spilled[v] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
