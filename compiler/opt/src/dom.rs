//! Dominator tree and dominance frontiers (Cooper, Harvey, Kennedy: "A
//! Simple, Fast Dominance Algorithm").

use ccc_ir::{Block, Function};

pub struct DomTree {
    /// Reverse postorder of the reachable blocks.
    pub rpo: Vec<Block>,
    /// Immediate dominator per block (entry: itself; unreachable: None).
    pub idom: Vec<Option<Block>>,
    /// Children in the dominator tree, in RPO order.
    pub children: Vec<Vec<Block>>,
    pub preds: Vec<Vec<Block>>,
}

impl DomTree {
    pub fn compute(f: &Function) -> DomTree {
        let n = f.blocks.len();
        let succs: Vec<Vec<Block>> = (0..n)
            .map(|b| {
                let mut v = Vec::new();
                for inst in &f.blocks[b].insts {
                    for s in inst.kind.successors() {
                        if !v.contains(&s) {
                            v.push(s);
                        }
                    }
                }
                v
            })
            .collect();
        // Iterative DFS postorder from the entry.
        let mut visited = vec![false; n];
        let mut post = Vec::with_capacity(n);
        let mut stack: Vec<(Block, usize)> = vec![(f.entry(), 0)];
        visited[f.entry().index()] = true;
        while let Some((b, i)) = stack.pop() {
            if i < succs[b.index()].len() {
                stack.push((b, i + 1));
                let s = succs[b.index()][i];
                if !visited[s.index()] {
                    visited[s.index()] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
            }
        }
        let rpo: Vec<Block> = post.iter().rev().copied().collect();
        let mut order = vec![usize::MAX; n];
        for (i, b) in rpo.iter().enumerate() {
            order[b.index()] = i;
        }
        let mut preds = vec![Vec::new(); n];
        for &b in &rpo {
            for &s in &succs[b.index()] {
                if !preds[s.index()].contains(&b) {
                    preds[s.index()].push(b);
                }
            }
        }
        let mut idom: Vec<Option<Block>> = vec![None; n];
        idom[f.entry().index()] = Some(f.entry());
        let mut changed = true;
        while changed {
            changed = false;
            for &b in rpo.iter().skip(1) {
                let mut new: Option<Block> = None;
                for &p in &preds[b.index()] {
                    if idom[p.index()].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => p,
                        Some(cur) => intersect(&idom, &order, p, cur),
                    });
                }
                if new.is_some() && idom[b.index()] != new {
                    idom[b.index()] = new;
                    changed = true;
                }
            }
        }
        let mut children = vec![Vec::new(); n];
        for &b in rpo.iter().skip(1) {
            if let Some(d) = idom[b.index()] {
                children[d.index()].push(b);
            }
        }
        DomTree { rpo, idom, children, preds }
    }

    /// Dominance frontier of every block.
    pub fn frontiers(&self) -> Vec<Vec<Block>> {
        let n = self.idom.len();
        let mut df = vec![Vec::new(); n];
        for &b in &self.rpo {
            let preds = &self.preds[b.index()];
            if preds.len() < 2 {
                continue;
            }
            let Some(idom_b) = self.idom[b.index()] else { continue };
            for &p in preds {
                let mut runner = p;
                while runner != idom_b {
                    if !df[runner.index()].contains(&b) {
                        df[runner.index()].push(b);
                    }
                    match self.idom[runner.index()] {
                        Some(d) if d != runner => runner = d,
                        _ => break,
                    }
                }
            }
        }
        df
    }
}

fn intersect(idom: &[Option<Block>], order: &[usize], mut a: Block, mut b: Block) -> Block {
    while a != b {
        while order[a.index()] > order[b.index()] {
            a = idom[a.index()].expect("processed");
        }
        while order[b.index()] > order[a.index()] {
            b = idom[b.index()].expect("processed");
        }
    }
    a
}
