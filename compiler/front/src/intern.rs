//! String interning: identifiers and token spellings become `Sym`s, compared
//! as integers. One interner per thread (the compiler is single-threaded per
//! translation unit).
//!
//! The lexer interns every identifier it reads (hundreds of thousands per kernel
//! file), so the table is a small open-addressing one of its own: a word-at-a-time
//! hash with no copying of the tail, linear probing, and the hash kept per symbol so
//! that a probe compares strings only when the hashes agree.

use std::cell::RefCell;
use std::fmt;

pub use ccc_fxhash::{FxBuild, FxHashMap, FxHashSet, FxHasher};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

struct Interner {
    /// Per slot, a symbol number + 1 (0 = empty); at most half full.
    slots: Vec<u32>,
    /// Per symbol, its spelling and the low half of its hash.
    strings: Vec<&'static str>,
    hashes: Vec<u32>,
}

thread_local! {
    static INTERNER: RefCell<Interner> = const { RefCell::new(Interner { slots: Vec::new(), strings: Vec::new(), hashes: Vec::new() }) };
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(SEED)
}

#[inline]
fn word(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline]
fn half(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&s[at..at + 4]);
    u32::from_le_bytes(w) as u64
}

/// FxHash over 8-byte words; the last 1-8 bytes are read as one (possibly
/// overlapping) word, and the length is mixed in so overlaps cannot collide.
#[inline]
fn hash(s: &[u8]) -> u32 {
    let n = s.len();
    let mut h = mix(0, n as u64);
    let mut i = 0;
    while i + 8 < n {
        h = mix(h, word(s, i));
        i += 8;
    }
    let tail = match n {
        0 => 0,
        1..=3 => s[0] as u64 | (s[n / 2] as u64) << 8 | (s[n - 1] as u64) << 16,
        4..=7 => half(s, 0) | half(s, n - 4) << 32,
        _ => word(s, n - 8),
    };
    let h = mix(h, tail);
    // The multiply leaves the low bits (the slot index) depending on the low bytes
    // only: fold the high half down.
    ((h ^ (h >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32
}

/// Symbols with fixed numbers, interned first in every table: each one-byte ASCII
/// spelling `c` is `Sym(c)`, then the multi-character punctuators in order. The lexer
/// and parser name punctuators without hashing them.
const FIXED_ASCII: u32 = 128;

impl Interner {
    fn intern(&mut self, s: &str) -> Sym {
        if self.slots.is_empty() {
            self.slots = vec![0; 1 << 13];
            for c in 0..FIXED_ASCII as u8 {
                self.intern(std::str::from_utf8(&[c]).unwrap_or_default());
            }
            for p in crate::token::MULTI_PUNCTUATORS {
                self.intern(p);
            }
        }
        let h = hash(s.as_bytes());
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        loop {
            let e = self.slots[at];
            if e == 0 {
                break;
            }
            let sym = (e - 1) as usize;
            if self.hashes[sym] == h && self.strings[sym] == s {
                return Sym(sym as u32);
            }
            at = (at + 1) & mask;
        }
        // Leaked on purpose: spellings live as long as the compilation.
        let stored: &'static str = Box::leak(s.to_owned().into_boxed_str());
        let sym = self.strings.len() as u32;
        self.strings.push(stored);
        self.hashes.push(h);
        self.slots[at] = sym + 1;
        if self.strings.len() * 2 > self.slots.len() {
            self.grow();
        }
        Sym(sym)
    }

    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (sym, &h) in self.hashes.iter().enumerate() {
            let mut at = h as usize & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = sym as u32 + 1;
        }
        self.slots = slots;
    }
}

impl Sym {
    pub fn intern(s: &str) -> Sym {
        INTERNER.with(|i| i.borrow_mut().intern(s))
    }

    /// Resolve many symbols under one borrow of the interner (hot loops
    /// such as the `-E` printer).
    pub fn with_table<R>(f: impl FnOnce(&dyn Fn(Sym) -> &'static str) -> R) -> R {
        INTERNER.with(|i| {
            let i = i.borrow();
            f(&|s: Sym| i.strings[s.0 as usize])
        })
    }

    /// The symbol of a one-byte ASCII spelling.
    #[inline]
    pub fn ascii(c: u8) -> Sym {
        debug_assert!(c < 128);
        Sym(c as u32)
    }

    /// The symbol of `MULTI_PUNCTUATORS[i]`.
    #[inline]
    pub fn multi_punct(i: usize) -> Sym {
        Sym(FIXED_ASCII + i as u32)
    }

    /// Whether this is the symbol of `s`; punctuators and one-byte spellings
    /// compare without looking the spelling up.
    #[inline]
    pub fn is(self, s: &str) -> bool {
        match s.as_bytes() {
            [c] if *c < 128 => self == Sym::ascii(*c),
            _ => match crate::token::MULTI_PUNCTUATORS.iter().position(|p| *p == s) {
                Some(i) => self == Sym::multi_punct(i),
                None => self.as_str() == s,
            },
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spelling_same_symbol_across_growth() {
        let names: Vec<String> = (0..20_000).map(|i| format!("name_{i}_{}", "x".repeat(i % 19))).collect();
        let syms: Vec<Sym> = names.iter().map(|n| Sym::intern(n)).collect();
        for (n, s) in names.iter().zip(&syms) {
            assert_eq!(Sym::intern(n), *s);
            assert_eq!(s.as_str(), n);
        }
        assert_ne!(Sym::intern("a"), Sym::intern("b"));
        assert_eq!(Sym::intern(""), Sym::intern(""));
        assert_ne!(Sym::intern("abcd"), Sym::intern("abcdabcd"));
        assert_eq!(Sym::intern("("), Sym::ascii(b'('));
        assert_eq!(Sym::intern("x"), Sym::ascii(b'x'));
        assert_eq!(Sym::intern("##"), Sym::multi_punct(22));
        assert!(Sym::intern("<<=").is("<<=") && Sym::intern("(").is("(") && Sym::intern("int").is("int"));
        assert!(!Sym::intern("(").is(")") && !Sym::intern("in").is("int"));
    }
}
