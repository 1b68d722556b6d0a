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

/// First position where two sorted range lists intersect.
fn first_intersection(a: &[(u32, u32)], b: &[(u32, u32)]) -> Option<u32> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (s, e) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if s <= e {
            return Some(s);
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    None
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

fn covers(r: &[(u32, u32)], pos: u32) -> bool {
    let i = r.partition_point(|x| x.1 < pos);
    i < r.len() && r[i].0 <= pos
}

/// Either the allocation was applied (returns used callee-saved registers)
/// or the list of virtual registers to spill.
///
/// Linear scan with lifetime holes (Wimmer & Mössenböck, without interval
/// splitting): intervals that are in a hole at the current position are
/// "inactive" and only block their register where they overlap.
fn try_allocate<I: MachInst>(f: &mut MFunc<I>, info: &RegInfo) -> Result<Result<Vec<Reg>, Vec<usize>>, String> {
    let lv = live_in_sets(f);
    let ranges = live_ranges(f, &lv);
    let fixed = fixed_ranges(f, info.num_pregs);
    let hint = hints(f);

    let mut order: Vec<(u32, usize)> = ranges.iter().enumerate().filter(|(_, r)| !r.is_empty()).map(|(i, r)| (r[0].0, i)).collect();
    order.sort_unstable();
    let end_of = |v: usize| ranges[v].last().map_or(0, |r| r.1);

    let mut assign: Vec<Option<Reg>> = vec![None; f.vregs.len()];
    let mut active: Vec<usize> = Vec::new();
    let mut inactive: Vec<usize> = Vec::new();
    let mut spills: Vec<usize> = Vec::new();
    let mut free_until = vec![0u32; info.num_pregs];

    for &(pos, v) in &order {
        // update active / inactive sets
        let mut k = 0;
        while k < active.len() {
            let a = active[k];
            if end_of(a) < pos {
                active.swap_remove(k);
            } else if !covers(&ranges[a], pos) {
                inactive.push(a);
                active.swap_remove(k);
            } else {
                k += 1;
            }
        }
        let mut k = 0;
        while k < inactive.len() {
            let a = inactive[k];
            if end_of(a) < pos {
                inactive.swap_remove(k);
            } else if covers(&ranges[a], pos) {
                active.push(a);
                inactive.swap_remove(k);
            } else {
                k += 1;
            }
        }
        let class = f.vregs[v].class;
        let cur = &ranges[v];
        let cur_end = end_of(v);
        for &p in info.order(class) {
            free_until[p.0 as usize] = fixed_conflict(&fixed[p.0 as usize], cur).unwrap_or(u32::MAX);
        }
        for &a in &active {
            if let Some(p) = assign[a] {
                free_until[p.0 as usize] = 0;
            }
        }
        for &a in &inactive {
            if let Some(p) = assign[a] {
                if f.vregs[a].class == class {
                    if let Some(x) = first_intersection(&ranges[a], cur) {
                        let fu = &mut free_until[p.0 as usize];
                        *fu = (*fu).min(x);
                    }
                }
            }
        }
        let usable = |p: Reg, fu: &[u32]| fu[p.0 as usize] > cur_end;
        let mut chosen = None;
        if let Some(h) = hint[v] {
            let hp = if h.is_virtual() { assign[h.vindex()] } else { Some(h) };
            if let Some(hp) = hp {
                if info.order(class).contains(&hp) && usable(hp, &free_until) {
                    chosen = Some(hp);
                }
            }
        }
        if chosen.is_none() {
            chosen = info.order(class).iter().copied().find(|&p| usable(p, &free_until));
        }
        if let Some(p) = chosen {
            assign[v] = Some(p);
            active.push(v);
            continue;
        }
        // No register free for the whole interval: evict the active interval
        // ending last whose register would then be free, or spill ourselves.
        let mut victim: Option<(u32, usize)> = None;
        for &a in &active {
            if f.vregs[a].class != class || !f.vregs[a].spillable {
                continue;
            }
            let Some(p) = assign[a] else { continue };
            if fixed_conflict(&fixed[p.0 as usize], cur).is_some() {
                continue;
            }
            let blocked = inactive.iter().any(|&b| assign[b] == Some(p) && first_intersection(&ranges[b], cur).is_some())
                || active.iter().any(|&b| b != a && assign[b] == Some(p));
            if blocked {
                continue;
            }
            let ae = end_of(a);
            if victim.is_none_or(|(ve, _)| ae > ve) {
                victim = Some((ae, a));
            }
        }
        let me_spillable = f.vregs[v].spillable;
        match victim {
            Some((ve, a)) if !me_spillable || ve > cur_end => {
                let p = assign[a].take();
                active.retain(|&x| x != a);
                spills.push(a);
                assign[v] = p;
                active.push(v);
            }
            _ if me_spillable => spills.push(v),
            _ => return Err("unable to allocate a register: too many values live at one instruction".into()),
        }
    }
    if !spills.is_empty() {
        spills.sort_unstable();
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
