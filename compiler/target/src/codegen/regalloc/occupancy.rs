//! Disjoint live ranges held by one location (a physical register or a
//! spill slot), keyed by start: checking an interval against it costs
//! O(ranges * log n) however many intervals it holds (LLVM's
//! LiveIntervalUnion idea).

use std::collections::BTreeMap;

/// Inclusive `[start, end]` positions (see `liveness`).
pub type Range = (u32, u32);

#[derive(Default)]
pub struct Occupancy {
    map: BTreeMap<u32, (u32, usize)>,
}

impl Occupancy {
    pub fn conflicts(&self, ranges: &[Range]) -> bool {
        ranges.iter().any(|&(s, e)| matches!(self.map.range(..=e).next_back(), Some((_, &(end, _))) if end >= s))
    }

    /// Append the owners of ranges overlapping `ranges` to `out` (each once).
    pub fn conflicting(&self, ranges: &[Range], out: &mut Vec<usize>) {
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

    pub fn insert(&mut self, ranges: &[Range], owner: usize) {
        for &(s, e) in ranges {
            self.map.insert(s, (e, owner));
        }
    }

    pub fn remove(&mut self, ranges: &[Range]) {
        for &(s, _) in ranges {
            self.map.remove(&s);
        }
    }
}
