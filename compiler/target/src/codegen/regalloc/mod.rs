//! Register allocation: linear scan over live ranges with holes
//! ([`scan`]), physical-register constraints as fixed ranges, move hints,
//! eviction by spill cost ([`costs`]), and spilling by rewriting
//! ([`spill`]). Each round that must spill adds to the set of spilled
//! registers and rewrites the *original* function with the whole set, so
//! slot sharing sees every spilled copy at once.

mod costs;
mod occupancy;
mod scan;
mod spill;
#[cfg(test)]
mod tests;

use super::liveness::{fixed_ranges, live_in_sets, live_ranges};
use super::loops::loop_depths;
use super::mir::{MFunc, MachInst, Reg, RegClass};
use scan::Outcome;

/// Rounds of spilling (each adds at least one register); the last one
/// runs with every spillable register in memory, which always fits unless
/// one instruction needs more registers than the target has.
const MAX_ROUNDS: usize = 12;

/// The target's register file as the allocator sees it.
pub struct RegInfo {
    pub num_pregs: usize,
    /// Allocation order per class (caller-saved first).
    pub int_order: Vec<Reg>,
    pub float_order: Vec<Reg>,
    pub callee_saved: Vec<Reg>,
    /// The integer registers that `MachInst::narrow_regs` operands may use
    /// (in allocation order); `None`: every one.
    pub narrow_int: Option<Vec<Reg>>,
}

impl RegInfo {
    fn order(&self, c: RegClass, narrow: bool) -> &[Reg] {
        match (c, &self.narrow_int) {
            (RegClass::Int, Some(n)) if narrow => n,
            (RegClass::Int, _) => &self.int_order,
            (RegClass::Float, _) => &self.float_order,
        }
    }
}

/// Which virtual registers some instruction needs in a narrow register.
fn narrow_vregs<I: MachInst>(f: &MFunc<I>) -> Vec<bool> {
    let mut narrow = vec![false; f.vregs.len()];
    for b in &f.blocks {
        for inst in &b.insts {
            inst.narrow_regs(&mut |r| {
                if r.is_virtual() {
                    narrow[r.vindex()] = true;
                }
            });
        }
    }
    narrow
}

/// Result: the callee-saved registers the function now uses (sorted).
pub fn allocate<I: MachInst + Clone>(f: &mut MFunc<I>, info: &RegInfo) -> Result<Vec<Reg>, String> {
    let depths = loop_depths(f);
    let mut original: Option<(MFunc<I>, Vec<Vec<(u32, u32)>>)> = None;
    let mut spilled = vec![false; f.vregs.len()];
    for round in 0..MAX_ROUNDS {
        let lv = live_in_sets(f);
        let ranges = live_ranges(f, &lv);
        let fixed = fixed_ranges(f, info.num_pregs);
        let costs = costs::spill_costs(f, &depths);
        let narrow = narrow_vregs(f);
        let outcome = scan::assign_registers(f, info, &ranges, &fixed, &costs, &narrow)?;
        let new_spills = match outcome {
            Outcome::Assigned(assign) => return Ok(apply(f, &assign, info)),
            Outcome::Spill(v) => v,
        };
        let (orig, orig_ranges) = original.get_or_insert_with(|| (f.clone(), ranges));
        for v in new_spills {
            // only registers of the original function are spillable
            *spilled.get_mut(v).ok_or("register allocation spilled a scratch register")? = true;
        }
        // Copies of spilled registers may now be cheaper in memory.
        spill::spill_copy_followers(orig, &mut spilled, &depths);
        if round + 2 == MAX_ROUNDS {
            for (s, info) in spilled.iter_mut().zip(&orig.vregs) {
                *s |= info.spillable;
            }
        }
        *f = orig.clone();
        let slots = spill::assign_slots(f, &spilled, orig_ranges);
        spill::rewrite(f, &slots);
    }
    Err("register allocation did not converge".into())
}

/// Replace virtual registers by their assignment, drop copies that became
/// no-ops, and report the callee-saved registers in use.
fn apply<I: MachInst>(f: &mut MFunc<I>, assign: &[Option<Reg>], info: &RegInfo) -> Vec<Reg> {
    let mut used = vec![false; info.num_pregs];
    for b in &mut f.blocks {
        for inst in &mut b.insts {
            inst.map_regs(&mut |r| {
                if !r.is_virtual() {
                    return r;
                }
                let p = assign[r.vindex()].unwrap_or(r);
                used[p.0 as usize % info.num_pregs] = true;
                p
            });
        }
        b.insts.retain(|i| !matches!(i.as_move(), Some((d, s)) if d == s));
    }
    info.callee_saved.iter().copied().filter(|p| used[p.0 as usize]).collect()
}
