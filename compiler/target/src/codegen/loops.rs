//! Loop nesting depth of machine blocks, from the back edges of a
//! depth-first walk of the CFG (natural loops). The register allocator
//! weighs an operand inside a loop more than one outside it.

use super::mir::MFunc;

/// Natural loops whose bodies together exceed this many block visits per
/// block are not counted (irreducible control flow can make every back
/// edge's body the whole function); depths are only a heuristic.
const WORK_PER_BLOCK: usize = 64;

/// Loop depth of each block (0 outside loops); block 0 is the entry.
pub fn loop_depths<I>(f: &MFunc<I>) -> Vec<u32> {
    let n = f.blocks.len();
    let mut depth = vec![0u32; n];
    if n == 0 {
        return depth;
    }
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (b, blk) in f.blocks.iter().enumerate() {
        for &s in &blk.succs {
            if (s as usize) < n {
                preds[s as usize].push(b as u32);
            }
        }
    }
    // back_edges[h]: the tails of back edges to header `h`
    let mut back_edges: Vec<Vec<u32>> = vec![Vec::new(); n];
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnStack,
        Done,
    }
    let mut state = vec![State::New; n];
    let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
    state[0] = State::OnStack;
    while let Some(top) = stack.last_mut() {
        let (b, next) = *top;
        top.1 += 1;
        match f.blocks[b as usize].succs.get(next) {
            Some(&s) if (s as usize) < n => match state[s as usize] {
                State::New => {
                    state[s as usize] = State::OnStack;
                    stack.push((s, 0));
                }
                State::OnStack => back_edges[s as usize].push(b),
                State::Done => {}
            },
            Some(_) => {}
            None => {
                state[b as usize] = State::Done;
                stack.pop();
            }
        }
    }
    // Body of the loop at `h`: blocks reaching a tail without passing `h`.
    let mut budget = WORK_PER_BLOCK * n + 1024;
    let mut mark = vec![u32::MAX; n];
    let mut work: Vec<u32> = Vec::new();
    for h in 0..n {
        if back_edges[h].is_empty() {
            continue;
        }
        mark[h] = h as u32;
        depth[h] += 1;
        work.clear();
        for &t in &back_edges[h] {
            if mark[t as usize] != h as u32 {
                mark[t as usize] = h as u32;
                depth[t as usize] += 1;
                work.push(t);
            }
        }
        while let Some(b) = work.pop() {
            for &p in &preds[b as usize] {
                if mark[p as usize] != h as u32 && state[p as usize] == State::Done {
                    mark[p as usize] = h as u32;
                    depth[p as usize] += 1;
                    work.push(p);
                }
            }
            budget = budget.saturating_sub(1);
        }
        if budget == 0 {
            break;
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::mir::MBlock;

    fn cfg(succs: &[&[u32]]) -> MFunc<()> {
        let mut f = MFunc::new();
        for s in succs {
            f.blocks.push(MBlock { insts: Vec::new(), succs: s.to_vec() });
        }
        f
    }

    #[test]
    fn nested_loops() {
        // 0 -> 1 (outer header) -> 2 (inner header) -> 3 -> 2 | 4 -> 1 | 5
        let f = cfg(&[&[1], &[2], &[3], &[2, 4], &[1, 5], &[]]);
        assert_eq!(loop_depths(&f), vec![0, 1, 2, 2, 1, 0]);
    }

    #[test]
    fn self_loop_and_straight_line() {
        let f = cfg(&[&[1], &[1, 2], &[]]);
        assert_eq!(loop_depths(&f), vec![0, 1, 0]);
    }
}
