//! String interning: identifiers and token spellings become `Sym`s, compared
//! as integers. One interner per thread (the compiler is single-threaded per
//! translation unit).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's hasher): interning is on the lexer's hot path and needs
/// no protection against adversarial keys.
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.add(v);
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

#[derive(Default)]
struct Interner {
    map: FxHashMap<&'static str, Sym>,
    strings: Vec<&'static str>,
}

thread_local! {
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::default());
}

impl Sym {
    pub fn intern(s: &str) -> Sym {
        INTERNER.with(|i| {
            let mut i = i.borrow_mut();
            if let Some(&sym) = i.map.get(s) {
                return sym;
            }
            // Leaked on purpose: spellings live as long as the compilation.
            let stored: &'static str = Box::leak(s.to_owned().into_boxed_str());
            let sym = Sym(i.strings.len() as u32);
            i.strings.push(stored);
            i.map.insert(stored, sym);
            sym
        })
    }

    /// Resolve many symbols under one borrow of the interner (hot loops
    /// such as the `-E` printer).
    pub fn with_table<R>(f: impl FnOnce(&dyn Fn(Sym) -> &'static str) -> R) -> R {
        INTERNER.with(|i| {
            let i = i.borrow();
            f(&|s: Sym| i.strings[s.0 as usize])
        })
    }

    pub fn as_str(self) -> &'static str {
        INTERNER.with(|i| i.borrow().strings[self.0 as usize])
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
