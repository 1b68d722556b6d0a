//! String interning: identifiers and token spellings become `Sym`s, compared
//! as integers. One interner per thread (the compiler is single-threaded per
//! translation unit).

use std::cell::RefCell;
use std::fmt;

pub use ccc_fxhash::{FxBuild, FxHashMap, FxHasher};

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
