//! Spill costs: what spilling a virtual register whole would add, as the
//! number of its operands outside copies weighted by the frequency of
//! their blocks (8 per loop level). Not divided by the length of the live
//! range: without live-range splitting, a long-lived value used in every
//! iteration of a big loop (an interpreter's instruction pointer) must
//! keep its register against the short temporaries of each case body.

use crate::codegen::mir::{MFunc, MachInst};

/// Nesting beyond this adds no weight (and keeps the numbers finite).
const MAX_COUNTED_DEPTH: u32 = 5;

/// Cost of each virtual register; unspillable ones get infinity.
pub fn spill_costs<I: MachInst>(f: &MFunc<I>, loop_depth: &[u32]) -> Vec<f32> {
    let mut cost = vec![0f32; f.vregs.len()];
    for (b, block) in f.blocks.iter().enumerate() {
        let depth = loop_depth.get(b).copied().unwrap_or(0).min(MAX_COUNTED_DEPTH);
        let freq = 8f32.powi(depth as i32);
        for inst in &block.insts {
            // A spilled copy operand turns the copy into one load or store
            // (or nothing, between registers sharing a slot): no cost.
            if inst.as_move().is_some() {
                continue;
            }
            inst.reg_operands(&mut |r, _| {
                if r.is_virtual() {
                    cost[r.vindex()] += freq;
                }
            });
        }
    }
    for (c, info) in cost.iter_mut().zip(&f.vregs) {
        if !info.spillable {
            *c = f32::INFINITY;
        }
    }
    cost
}
