//! Hide sets (Prosser's macro expansion algorithm): the set of macro names a
//! token must not be expanded by. Sets are interned, so a token carries a
//! `u32` and union results are memoised.

use crate::intern::{FxHashMap, Sym};

/// Id of an interned hide set; 0 is the empty set.
pub type HideSet = u32;

pub struct HideSets {
    sets: Vec<Box<[Sym]>>,
    index: FxHashMap<Box<[Sym]>, HideSet>,
    unions: FxHashMap<(HideSet, HideSet), HideSet>,
    adds: FxHashMap<(HideSet, Sym), HideSet>,
}

impl Default for HideSets {
    fn default() -> Self {
        let mut h = HideSets { sets: Vec::new(), index: FxHashMap::default(), unions: FxHashMap::default(), adds: FxHashMap::default() };
        h.intern(Vec::new());
        h
    }
}

impl HideSets {
    fn intern(&mut self, v: Vec<Sym>) -> HideSet {
        if let Some(&id) = self.index.get(v.as_slice()) {
            return id;
        }
        let id = self.sets.len() as HideSet;
        let b: Box<[Sym]> = v.into_boxed_slice();
        self.sets.push(b.clone());
        self.index.insert(b, id);
        id
    }

    pub fn contains(&self, hs: HideSet, s: Sym) -> bool {
        hs != 0 && self.sets[hs as usize].binary_search(&s).is_ok()
    }

    pub fn add(&mut self, hs: HideSet, s: Sym) -> HideSet {
        if let Some(&r) = self.adds.get(&(hs, s)) {
            return r;
        }
        let mut v = self.sets[hs as usize].to_vec();
        if let Err(pos) = v.binary_search(&s) {
            v.insert(pos, s);
        }
        let r = self.intern(v);
        self.adds.insert((hs, s), r);
        r
    }

    pub fn union(&mut self, a: HideSet, b: HideSet) -> HideSet {
        if a == b || b == 0 {
            return a;
        }
        if a == 0 {
            return b;
        }
        let key = if a < b { (a, b) } else { (b, a) };
        if let Some(&r) = self.unions.get(&key) {
            return r;
        }
        let (x, y) = (&self.sets[a as usize], &self.sets[b as usize]);
        let mut v = Vec::with_capacity(x.len() + y.len());
        let (mut i, mut j) = (0, 0);
        while i < x.len() || j < y.len() {
            if j == y.len() || (i < x.len() && x[i] < y[j]) {
                v.push(x[i]);
                i += 1;
            } else if i == x.len() || y[j] < x[i] {
                v.push(y[j]);
                j += 1;
            } else {
                v.push(x[i]);
                i += 1;
                j += 1;
            }
        }
        let r = self.intern(v);
        self.unions.insert(key, r);
        r
    }

    pub fn intersect(&mut self, a: HideSet, b: HideSet) -> HideSet {
        if a == b {
            return a;
        }
        if a == 0 || b == 0 {
            return 0;
        }
        let y = &self.sets[b as usize];
        let v: Vec<Sym> = self.sets[a as usize].iter().copied().filter(|s| y.binary_search(s).is_ok()).collect();
        self.intern(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut h = HideSets::default();
        let (a, b, c) = (Sym::intern("a"), Sym::intern("b"), Sym::intern("c"));
        let a0 = h_add(&mut h, 0, a);
        let ab = h.add(a0, b);
        let bc = { let x = h.add(0, c); h.add(x, b) };
        assert!(h.contains(ab, a) && h.contains(ab, b) && !h.contains(ab, c));
        let u = h.union(ab, bc);
        assert!(h.contains(u, a) && h.contains(u, c));
        let i = h.intersect(ab, bc);
        assert!(h.contains(i, b) && !h.contains(i, a) && !h.contains(i, c));
        assert_eq!(h.add(0, b), i);
    }

    fn h_add(h: &mut HideSets, s: HideSet, x: Sym) -> HideSet {
        h.add(s, x)
    }
}
