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

/// Per-block live-in sets of virtual registers.
pub fn live_in_sets<I: MachInst>(f: &MFunc<I>) -> Vec<BitSet> {
    let nv = f.vregs.len();
    let nb = f.blocks.len();
    // gen (used before defined) and kill (defined) per block
    let mut gens = Vec::with_capacity(nb);
    let mut kills = Vec::with_capacity(nb);
    for b in &f.blocks {
        let mut gen = BitSet::new(nv);
        let mut kill = BitSet::new(nv);
        for inst in &b.insts {
            inst.reg_operands(&mut |r, k| {
                if !r.is_virtual() {
                    return;
                }
                let i = r.vindex();
                match k {
                    OpKind::Use | OpKind::UseDef => {
                        if !kill.contains(i) {
                            gen.insert(i)
                        }
                    }
                    _ => {}
                }
            });
            inst.reg_operands(&mut |r, k| {
                if r.is_virtual() && matches!(k, OpKind::Def | OpKind::EarlyDef | OpKind::UseDef) {
                    kill.insert(r.vindex())
                }
            });
        }
        gens.push(gen);
        kills.push(kill);
    }
    let mut live_in: Vec<BitSet> = gens.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for bi in (0..nb).rev() {
            let mut out = BitSet::new(nv);
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
    live_in
}

/// `[start, end]` (inclusive) hull of where each virtual register is live;
/// `None` for registers that never appear.
pub fn intervals<I: MachInst>(f: &MFunc<I>, live_in: &[BitSet]) -> Vec<Option<(u32, u32)>> {
    let mut iv: Vec<Option<(u32, u32)>> = vec![None; f.vregs.len()];
    let ext = |iv: &mut Vec<Option<(u32, u32)>>, i: usize, p: u32| {
        iv[i] = Some(match iv[i] {
            None => (p, p),
            Some((s, e)) => (s.min(p), e.max(p)),
        });
    };
    let mut k: u32 = 0;
    for (bi, b) in f.blocks.iter().enumerate() {
        let start = 2 * k;
        let end = 2 * (k + b.insts.len() as u32).max(k + 1) - 1;
        for i in live_in[bi].iter() {
            ext(&mut iv, i, start);
        }
        for &s in &b.succs {
            for i in live_in[s as usize].iter() {
                ext(&mut iv, i, end);
            }
        }
        for inst in &b.insts {
            inst.reg_operands(&mut |r, kind| {
                if !r.is_virtual() {
                    return;
                }
                let i = r.vindex();
                match kind {
                    OpKind::Use => ext(&mut iv, i, 2 * k),
                    OpKind::Def => ext(&mut iv, i, 2 * k + 1),
                    OpKind::UseDef | OpKind::EarlyDef => {
                        ext(&mut iv, i, 2 * k);
                        ext(&mut iv, i, 2 * k + 1)
                    }
                }
            });
            k += 1;
        }
        if b.insts.is_empty() {
            k += 1;
        }
    }
    iv
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
