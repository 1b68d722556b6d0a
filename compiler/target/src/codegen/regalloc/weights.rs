//! Spill weights: how much keeping a virtual register in a register saves
//! per instruction of its live range. Operands count by the frequency of
//! their block (8 per loop level), divided by the range's length, so a
//! long-lived value used twice is spilled before a loop counter.

use super::occupancy::Range;
use crate::codegen::mir::{MFunc, MachInst};

/// Nesting beyond this adds no weight (and keeps the numbers finite).
const MAX_COUNTED_DEPTH: u32 = 5;
/// Added to every length so short ranges do not get unbounded weights.
const LENGTH_BIAS: f32 = 8.0;

/// Weight of each virtual register; unspillable ones get infinity.
pub fn spill_weights<I: MachInst>(f: &MFunc<I>, ranges: &[Vec<Range>], loop_depth: &[u32]) -> Vec<f32> {
    let mut uses = vec![0f32; f.vregs.len()];
    for (b, block) in f.blocks.iter().enumerate() {
        let depth = loop_depth.get(b).copied().unwrap_or(0).min(MAX_COUNTED_DEPTH);
        let freq = 8f32.powi(depth as i32);
        for inst in &block.insts {
            inst.reg_operands(&mut |r, _| {
                if r.is_virtual() {
                    uses[r.vindex()] += freq;
                }
            });
        }
    }
    uses.iter()
        .enumerate()
        .map(|(v, &u)| {
            if !f.vregs[v].spillable {
                return f32::INFINITY;
            }
            // positions are two per instruction
            let len: u32 = ranges[v].iter().map(|&(s, e)| (e - s) / 2 + 1).sum();
            u / (len as f32 + LENGTH_BIAS)
        })
        .collect()
}
