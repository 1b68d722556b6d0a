//! Liveness of virtual registers and the live intervals linear scan needs.
//!
//! Positions: instruction `k` (counted over all blocks in layout order)
//! reads its uses at `2k` and writes its defs at `2k + 1`.

use super::mir::{MFunc, MachInst, OpKind};

/// A dense bit set over virtual register indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new(n: usize) -> Self {
        BitSet { words: vec![0; n.div_ceil(64)] }
    }
    pub fn insert(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
    }
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
    /// `self |= other`; returns whether anything changed.
    pub fn union_with(&mut self, other: &BitSet) -> bool {
        let mut changed = false;
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            let n = *a | *b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }
}

/// Block live-in sets. Only registers live across a block boundary (those
/// with a use not preceded by a definition in its block) get a bit; the
/// many block-local temporaries stay out of the dataflow.
pub struct Liveness {
    /// Dense index of each virtual register, `u32::MAX` for block-local ones.
    pub dense: Vec<u32>,
    /// Virtual register index of each dense index.
    pub globals: Vec<usize>,
    pub live_in: Vec<BitSet>,
}

pub fn live_in_sets<I: MachInst>(f: &MFunc<I>) -> Liveness {
    let nv = f.vregs.len();
    let nb = f.blocks.len();
    let mut def_stamp = vec![u32::MAX; nv];
    let mut gen_lists: Vec<Vec<u32>> = Vec::with_capacity(nb);
    let mut kill_lists: Vec<Vec<u32>> = Vec::with_capacity(nb);
    let mut dense = vec![u32::MAX; nv];
    let mut globals = Vec::new();
    for (bi, b) in f.blocks.iter().enumerate() {
        let bi = bi as u32;
        let mut gen = Vec::new();
        let mut kill = Vec::new();
        for inst in &b.insts {
            inst.reg_operands(&mut |r, k| {
                if r.is_virtual() && matches!(k, OpKind::Use | OpKind::UseDef) && def_stamp[r.vindex()] != bi {
                    let i = r.vindex();
                    gen.push(i as u32);
                    if dense[i] == u32::MAX {
                        dense[i] = globals.len() as u32;
                        globals.push(i);
                    }
                }
            });
            inst.reg_operands(&mut |r, k| {
                if r.is_virtual() && !matches!(k, OpKind::Use) && def_stamp[r.vindex()] != bi {
                    def_stamp[r.vindex()] = bi;
                    kill.push(r.vindex() as u32);
                }
            });
        }
        gen_lists.push(gen);
        kill_lists.push(kill);
    }
    let ng = globals.len();
    let mut live_in: Vec<BitSet> = Vec::with_capacity(nb);
    let mut kills: Vec<BitSet> = Vec::with_capacity(nb);
    for bi in 0..nb {
        let mut g = BitSet::new(ng);
        for &v in &gen_lists[bi] {
            g.insert(dense[v as usize] as usize);
        }
        live_in.push(g);
        let mut k = BitSet::new(ng);
        for &v in &kill_lists[bi] {
            let d = dense[v as usize];
            if d != u32::MAX {
                k.insert(d as usize);
            }
        }
        kills.push(k);
    }
    let mut out = BitSet::new(ng);
    let mut changed = true;
    while changed {
        changed = false;
        for bi in (0..nb).rev() {
            out.words.iter_mut().for_each(|w| *w = 0);
            for &s in &f.blocks[bi].succs {
                out.union_with(&live_in[s as usize]);
            }
            // in = gen | (out - kill)
            for (o, k) in out.words.iter_mut().zip(&kills[bi].words) {
                *o &= !*k;
            }
            if live_in[bi].union_with(&out) {
                changed = true;
            }
        }
    }
    Liveness { dense, globals, live_in }
}

/// Live ranges of each virtual register: sorted, disjoint, inclusive
/// `[start, end]` pieces, precise inside blocks (a register redefined
/// after its last use has a hole in between), built by a backward walk
/// over each block (Wimmer & Franz, "BuildIntervals").
pub fn live_ranges<I: MachInst>(f: &MFunc<I>, lv: &Liveness) -> Vec<Vec<(u32, u32)>> {
    let nv = f.vregs.len();
    let live_in = &lv.live_in;
    let mut ranges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); nv];
    // open[v]: end of the range being built while walking backwards
    let mut open = vec![u32::MAX; nv];
    let mut live: Vec<usize> = Vec::new();
    let mut out = BitSet::new(lv.globals.len());
    // instruction numbering: first instruction index of each block
    let mut starts = Vec::with_capacity(f.blocks.len());
    let mut k: u32 = 0;
    for b in &f.blocks {
        starts.push(k);
        k += (b.insts.len() as u32).max(1);
    }
    let mut ops: Vec<(usize, OpKind)> = Vec::new();
    for (bi, b) in f.blocks.iter().enumerate() {
        let first = starts[bi];
        let bstart = 2 * first;
        let bend = 2 * (first + (b.insts.len() as u32).max(1)) - 1;
        out.words.iter_mut().for_each(|w| *w = 0);
        for &s in &b.succs {
            out.union_with(&live_in[s as usize]);
        }
        for d in out.iter() {
            let v = lv.globals[d];
            open[v] = bend;
            live.push(v);
        }
        for (ii, inst) in b.insts.iter().enumerate().rev() {
            let k = first + ii as u32;
            ops.clear();
            inst.reg_operands(&mut |r, kind| {
                if r.is_virtual() {
                    ops.push((r.vindex(), kind));
                }
            });
            // definitions end the range (walking backwards: start it here)
            for &(v, kind) in &ops {
                let pos = match kind {
                    OpKind::Use => continue,
                    OpKind::Def | OpKind::UseDef => 2 * k + 1,
                    OpKind::EarlyDef => 2 * k,
                };
                if open[v] != u32::MAX {
                    ranges[v].push((pos, open[v]));
                    open[v] = u32::MAX;
                } else {
                    ranges[v].push((pos, pos));
                }
            }
            for &(v, kind) in &ops {
                let pos = match kind {
                    OpKind::Use | OpKind::UseDef => 2 * k,
                    _ => continue,
                };
                if open[v] == u32::MAX {
                    open[v] = pos;
                    live.push(v);
                }
            }
        }
        for &v in &live {
            if open[v] != u32::MAX {
                ranges[v].push((bstart, open[v]));
                open[v] = u32::MAX;
            }
        }
        live.clear();
    }
    for r in &mut ranges {
        if r.len() > 1 {
            r.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(r.len());
            for &(s, e) in r.iter() {
                match merged.last_mut() {
                    Some(l) if s <= l.1 + 1 => l.1 = l.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *r = merged;
        }
    }
    ranges
}

/// Ranges where physical registers are reserved by fixed uses/defs and
/// clobbers, per physical register, sorted and merged.
pub fn fixed_ranges<I: MachInst>(f: &MFunc<I>, num_pregs: usize) -> Vec<Vec<(u32, u32)>> {
    let mut ranges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); num_pregs];
    let mut k: u32 = 0;
    let mut open: Vec<Option<u32>> = vec![None; num_pregs];
    for b in &f.blocks {
        let start = 2 * k;
        for inst in &b.insts {
            inst.reg_operands(&mut |r, kind| {
                if r.is_virtual() {
                    return;
                }
                let p = r.0 as usize;
                if matches!(kind, OpKind::Use | OpKind::UseDef) {
                    let s = open[p].unwrap_or(start);
                    ranges[p].push((s, 2 * k));
                }
            });
            inst.reg_operands(&mut |r, kind| {
                if r.is_virtual() {
                    return;
                }
                let p = r.0 as usize;
                match kind {
                    OpKind::Def | OpKind::UseDef => {
                        if let Some(o) = open[p] {
                            ranges[p].push((o, o));
                        }
                        open[p] = Some(2 * k + 1);
                    }
                    OpKind::EarlyDef => {
                        if let Some(o) = open[p] {
                            ranges[p].push((o, o));
                        }
                        ranges[p].push((2 * k, 2 * k));
                        open[p] = Some(2 * k + 1);
                    }
                    OpKind::Use => {}
                }
            });
            for &c in inst.clobbers() {
                ranges[c.0 as usize].push((2 * k + 1, 2 * k + 1));
            }
            k += 1;
        }
        if b.insts.is_empty() {
            k += 1;
        }
        for (p, o) in open.iter_mut().enumerate() {
            if let Some(s) = o.take() {
                ranges[p].push((s, s));
            }
        }
    }
    for r in &mut ranges {
        r.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(r.len());
        for &(s, e) in r.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *r = merged;
    }
    ranges
}

/// Whether any range in the sorted, disjoint list overlaps `[s, e]`.
pub fn overlaps(ranges: &[(u32, u32)], s: u32, e: u32) -> bool {
    let i = ranges.partition_point(|r| r.1 < s);
    i < ranges.len() && ranges[i].0 <= e
}
