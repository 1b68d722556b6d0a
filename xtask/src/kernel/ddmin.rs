//! Delta debugging (Zeller and Hildebrandt's ddmin): the smallest subset of a
//! failing set that still fails, found with a predicate only. The result is
//! 1-minimal: removing any single element makes it pass, so files that fail
//! only together (a caller and a callee disagreeing on an ABI) stay together.

use std::collections::BTreeMap;

/// Shrinks `items` (for which `fails` holds) to a 1-minimal failing subset.
/// `fails` is called at most once per distinct subset (results are cached);
/// it is never called on `items` itself, which the caller has seen fail.
pub fn ddmin<T: Clone + Ord>(items: &[T], fails: &mut dyn FnMut(&[T]) -> bool) -> Vec<T> {
    let mut cache: BTreeMap<Vec<T>, bool> = BTreeMap::new();
    let mut test = |set: Vec<T>| -> bool { *cache.entry(set.clone()).or_insert_with(|| fails(&set)) };
    let mut current = items.to_vec();
    let mut n = 2usize;
    while current.len() >= 2 {
        let chunks = split(&current, n);
        // A chunk that fails alone: continue inside it, from halves again.
        if let Some(c) = chunks.iter().find(|c| test(c.to_vec())) {
            current = c.clone();
            n = 2;
            continue;
        }
        // A complement that fails: drop that chunk, keep the granularity.
        if n > 2 {
            if let Some(i) = (0..chunks.len()).find(|&i| test(complement(&chunks, i))) {
                current = complement(&chunks, i);
                n = (n - 1).max(2);
                continue;
            }
        }
        if n >= current.len() {
            break;
        }
        n = (2 * n).min(current.len());
    }
    current
}

/// `items` in `n` contiguous chunks whose sizes differ by at most one.
fn split<T: Clone>(items: &[T], n: usize) -> Vec<Vec<T>> {
    let (base, extra) = (items.len() / n, items.len() % n);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for i in 0..n {
        let len = base + usize::from(i < extra);
        out.push(items[start..start + len].to_vec());
        start += len;
    }
    out
}

/// Every chunk but chunk `skip`, in order.
fn complement<T: Clone>(chunks: &[Vec<T>], skip: usize) -> Vec<T> {
    chunks.iter().enumerate().filter(|(i, _)| *i != skip).flat_map(|(_, c)| c.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: u32, culprit: &dyn Fn(&[u32]) -> bool) -> (Vec<u32>, usize) {
        let items: Vec<u32> = (0..n).collect();
        let mut calls = 0;
        let found = ddmin(&items, &mut |s| {
            calls += 1;
            culprit(s)
        });
        (found, calls)
    }

    #[test]
    fn one_culprit() {
        let (found, calls) = run(600, &|s| s.contains(&417));
        assert_eq!(found, [417]);
        // About 2 log2(n) builds, not n.
        assert!(calls <= 25, "{calls}");
    }

    #[test]
    fn a_pair_that_fails_only_together() {
        // In different halves: neither half fails alone, complements do.
        let (found, calls) = run(600, &|s| s.contains(&3) && s.contains(&590));
        assert_eq!(found, [3, 590]);
        assert!(calls <= 80, "{calls}");
        let (found, _) = run(40, &|s| s.contains(&10) && s.contains(&11));
        assert_eq!(found, [10, 11]);
    }

    #[test]
    fn either_of_two_culprits_gives_one() {
        let (found, _) = run(100, &|s| s.contains(&20) || s.contains(&70));
        assert!(found == [20] || found == [70], "{found:?}");
    }

    #[test]
    fn result_is_one_minimal() {
        // Fails when at least three of the multiples of 7 are in.
        let fails = |s: &[u32]| s.iter().filter(|x| *x % 7 == 0).count() >= 3;
        let (found, _) = run(200, &fails);
        assert!(fails(&found));
        assert_eq!(found.len(), 3, "{found:?}");
        for i in 0..found.len() {
            let mut less = found.clone();
            less.remove(i);
            assert!(!fails(&less));
        }
    }

    #[test]
    fn small_inputs() {
        assert_eq!(run(1, &|s| s.contains(&0)).0, [0]);
        let (found, calls) = run(2, &|s| s.len() == 2);
        assert_eq!((found, calls), (vec![0, 1], 2));
        assert!(ddmin::<u32>(&[], &mut |_| panic!("not called")).is_empty());
    }

    #[test]
    fn chunks_cover_everything_once() {
        let items: Vec<u32> = (0..10).collect();
        let c = split(&items, 4);
        assert_eq!(c, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]);
        assert_eq!(complement(&c, 1), [0, 1, 2, 6, 7, 8, 9]);
    }
}
