//! Lowering on demand. An internal function that `prune` would drop when nothing
//! refers to it (its rule: `static`, not `used`, and at -O0 only if declared inline)
//! is lowered only once something refers to it: lowered code, static data, an alias
//! or top-level asm. Kernel headers define thousands of `static inline` functions
//! of which a file calls a few dozen; lowering the rest only to drop them was a
//! fifth of a kernel file's compile time.

use std::collections::{HashMap, VecDeque};

use ccc_ir::refs::asm_words;

use crate::ast::{FunctionDef, StaticData, TopLevel};
use crate::FrontOptions;

/// Which function items to lower, in what order.
pub(super) struct Demand {
    /// Deferred functions by name.
    deferred: HashMap<&'static str, usize>,
    queued: Vec<bool>,
    queue: VecDeque<usize>,
}

/// Whether `prune` may drop `fd` when it is unreferenced (see `ccc_opt::prune`).
fn deferrable(fd: &FunctionDef, opts: &FrontOptions) -> bool {
    fd.is_static
        && !fd.attrs.used
        && (opts.opt_level > 0 || fd.is_inline)
        && fd.attrs.constructor.is_none()
        && fd.attrs.destructor.is_none()
        && fd.attrs.alias.is_none()
}

impl Demand {
    /// Every function item that is not deferrable is wanted, in source order, and so is
    /// every deferrable one that data, aliases or top-level asm name.
    pub(super) fn new(items: &[TopLevel], static_data: &[Option<StaticData>], opts: &FrontOptions) -> Demand {
        let mut d = Demand { deferred: HashMap::new(), queued: vec![false; items.len()], queue: VecDeque::new() };
        for (i, item) in items.iter().enumerate() {
            if let TopLevel::Function(fd) = item {
                if deferrable(fd, opts) {
                    d.deferred.insert(fd.name.as_str(), i);
                } else {
                    d.want(i);
                }
            }
        }
        for data in static_data.iter().flatten() {
            for (_, sym, _) in &data.relocs {
                d.referenced(std::iter::once(sym.as_str()));
            }
            // Label addresses need the function's blocks.
            for (_, func, _, _) in &data.labels {
                d.referenced(std::iter::once(func.as_str()));
            }
        }
        for item in items {
            match item {
                TopLevel::Asm(text) => d.referenced(asm_words(text)),
                TopLevel::Decl { attrs, .. } => d.referenced(attrs.alias.as_deref().into_iter()),
                TopLevel::Global(g) => d.referenced(g.attrs.alias.as_deref().into_iter()),
                TopLevel::Function(fd) => d.referenced(fd.attrs.alias.as_deref().into_iter()),
            }
        }
        d
    }

    fn want(&mut self, i: usize) {
        if !self.queued[i] {
            self.queued[i] = true;
            self.queue.push_back(i);
        }
    }

    /// Names that lowered code or data refers to.
    pub(super) fn referenced<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        for name in names {
            if let Some(&i) = self.deferred.get(name) {
                self.want(i);
            }
        }
    }

    /// The next function item to lower.
    pub(super) fn next(&mut self) -> Option<usize> {
        self.queue.pop_front()
    }
}
