//! Drop functions and data nothing refers to, as GCC's call-graph pass does: at every
//! level an unreferenced `static inline` function is not emitted; from -O1 on, no
//! unreferenced `static` function or variable is. Besides saving space this matters
//! for correctness of real code: an unused inline helper may refer to symbols that
//! exist nowhere (headers and tests rely on such references vanishing).

use std::collections::{BTreeMap, BTreeSet};

use ccc_ir::refs::asm_words;
use ccc_ir::{Function, InitPiece, Linkage, Module};

pub fn run(m: &mut Module, opt_level: u8) {
    prune_symbols(m, opt_level);
    prune_declarations(m);
}

/// Declarations (`.weak`, `.hidden` of external symbols) of names nothing refers
/// to: GCC emits none, and the assembler would turn one into an undefined symbol
/// the linker must resolve (the kernel's hidden `vvar_*` exist only in the vDSO).
fn prune_declarations(m: &mut Module) {
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    wanted.extend(m.functions.iter().map(|f| f.name.as_str()));
    wanted.extend(m.globals.iter().map(|g| g.name.as_str()));
    for f in &m.functions {
        wanted.extend(f.referenced_symbols());
    }
    for g in &m.globals {
        for p in g.init.iter().flatten() {
            if let InitPiece::Addr { symbol, .. } = p {
                wanted.insert(symbol);
            }
        }
    }
    for a in &m.aliases {
        wanted.insert(&a.name);
        wanted.insert(&a.target);
    }
    for asm in &m.toplevel_asm {
        wanted.extend(asm_words(asm));
    }
    let keep: Vec<bool> = m.decls.iter().map(|d| wanted.contains(d.name.as_str())).collect();
    let mut i = 0;
    m.decls.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn prune_symbols(m: &mut Module, opt_level: u8) {
    let droppable_fn = |f: &Function| f.attrs.linkage == Linkage::Internal && !f.attrs.used && (opt_level > 0 || f.declared_inline);
    let droppable_global = |used: bool, linkage: Linkage| opt_level > 0 && linkage == Linkage::Internal && !used;

    // Symbol name -> (is function, index); only droppable symbols are tracked.
    let mut candidates: BTreeMap<&str, (bool, usize)> = BTreeMap::new();
    for (i, f) in m.functions.iter().enumerate() {
        if droppable_fn(f) {
            candidates.insert(&f.name, (true, i));
        }
    }
    for (i, g) in m.globals.iter().enumerate() {
        if droppable_global(g.attrs.used, g.attrs.linkage) {
            candidates.insert(&g.name, (false, i));
        }
    }
    if candidates.is_empty() {
        return;
    }

    // Everything not droppable is a root; so are names mentioned in asm text.
    let mut live: BTreeSet<(bool, usize)> = BTreeSet::new();
    let mut work: Vec<(bool, usize)> = Vec::new();
    let mark = |name: &str, live: &mut BTreeSet<(bool, usize)>, work: &mut Vec<(bool, usize)>| {
        if let Some(&k) = candidates.get(name) {
            if live.insert(k) {
                work.push(k);
            }
        }
    };
    for asm in &m.toplevel_asm {
        for word in asm_words(asm) {
            mark(word, &mut live, &mut work);
        }
    }
    for a in &m.aliases {
        mark(&a.target, &mut live, &mut work);
    }
    for (name, _) in m.constructors.iter().chain(&m.destructors) {
        mark(name, &mut live, &mut work);
    }
    let roots_f: Vec<usize> = (0..m.functions.len()).filter(|&i| !droppable_fn(&m.functions[i])).collect();
    let roots_g: Vec<usize> = (0..m.globals.len()).filter(|&i| !droppable_global(m.globals[i].attrs.used, m.globals[i].attrs.linkage)).collect();
    let visit = |k: (bool, usize), live: &mut BTreeSet<(bool, usize)>, work: &mut Vec<(bool, usize)>| {
        if k.0 {
            for name in m.functions[k.1].referenced_symbols() {
                mark(name, live, work);
            }
        } else if let Some(init) = &m.globals[k.1].init {
            for p in init {
                match p {
                    InitPiece::Addr { symbol, .. } => mark(symbol, live, work),
                    InitPiece::LabelAddr { function, .. } => mark(function, live, work),
                    InitPiece::Bytes(_) | InitPiece::Zero(_) => {}
                }
            }
        }
    };
    for i in roots_f {
        visit((true, i), &mut live, &mut work);
    }
    for i in roots_g {
        visit((false, i), &mut live, &mut work);
    }
    while let Some(k) = work.pop() {
        visit(k, &mut live, &mut work);
    }

    let dead: BTreeSet<(bool, usize)> = candidates.values().copied().filter(|k| !live.contains(k)).collect();
    let mut i = 0;
    m.functions.retain(|_| {
        i += 1;
        !dead.contains(&(true, i - 1))
    });
    let mut i = 0;
    m.globals.retain(|_| {
        i += 1;
        !dead.contains(&(false, i - 1))
    });
}
