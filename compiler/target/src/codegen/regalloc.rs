//! Linear-scan register allocation (Poletto & Sarkar) over live-interval
//! hulls, with physical-register constraints expressed as fixed ranges,
//! move hints for coalescing, and spilling by rewriting: a spilled
//! register gets a frame slot, every use/def goes through a fresh
//! one-instruction scratch register, and allocation runs again.

use super::liveness::{fixed_ranges, intervals, live_in_sets, overlaps};
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

/// Either the allocation was applied (returns used callee-saved registers)
/// or the list of virtual registers to spill.
fn try_allocate<I: MachInst>(f: &mut MFunc<I>, info: &RegInfo) -> Result<Result<Vec<Reg>, Vec<usize>>, String> {
    let live_in = live_in_sets(f);
    let ivs = intervals(f, &live_in);
    let fixed = fixed_ranges(f, info.num_pregs);
    let hint = hints(f);

    let mut order: Vec<(u32, u32, usize)> =
        ivs.iter().enumerate().filter_map(|(i, iv)| iv.map(|(s, e)| (s, e, i))).collect();
    order.sort_unstable();

    let mut assign: Vec<Option<Reg>> = vec![None; f.vregs.len()];
    // active: (end, vreg)
    let mut active: Vec<(u32, usize)> = Vec::new();
    let mut busy = vec![false; info.num_pregs];
    let mut spills: Vec<usize> = Vec::new();
    let mut spilled_flag = vec![false; f.vregs.len()];

    for &(s, e, v) in &order {
        // expire
        active.retain(|&(ae, av)| {
            if ae < s {
                if let Some(p) = assign[av] {
                    busy[p.0 as usize] = false;
                }
                false
            } else {
                true
            }
        });
        let class = f.vregs[v].class;
        let free = |p: Reg, busy: &[bool]| !busy[p.0 as usize] && !overlaps(&fixed[p.0 as usize], s, e);
        let mut chosen = None;
        if let Some(h) = hint[v] {
            let hp = if h.is_virtual() { assign[h.vindex()] } else { Some(h) };
            if let Some(hp) = hp {
                if info.order(class).contains(&hp) && free(hp, &busy) {
                    chosen = Some(hp);
                }
            }
        }
        if chosen.is_none() {
            chosen = info.order(class).iter().copied().find(|&p| free(p, &busy));
        }
        if let Some(p) = chosen {
            assign[v] = Some(p);
            busy[p.0 as usize] = true;
            active.push((e, v));
            continue;
        }
        // No register: evict the active interval of this class that ends last
        // (if its register is usable over our range), or spill ourselves.
        let mut victim: Option<(u32, usize)> = None;
        for &(ae, av) in &active {
            if f.vregs[av].class != class || !f.vregs[av].spillable {
                continue;
            }
            let Some(p) = assign[av] else { continue };
            if overlaps(&fixed[p.0 as usize], s, e) {
                continue;
            }
            if victim.is_none_or(|(ve, _)| ae > ve) {
                victim = Some((ae, av));
            }
        }
        let me_spillable = f.vregs[v].spillable;
        match victim {
            Some((ve, av)) if !me_spillable || ve > e => {
                let p = assign[av].take();
                active.retain(|&(_, x)| x != av);
                spills.push(av);
                spilled_flag[av] = true;
                assign[v] = p;
                active.push((e, v));
            }
            _ if me_spillable => {
                spills.push(v);
                spilled_flag[v] = true;
            }
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
    let _ = spilled_flag;
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
