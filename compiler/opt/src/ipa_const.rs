//! Constant arguments of static functions (interprocedural constant propagation).
//!
//! When every call of a `static` function whose address is never taken passes
//! the same constant for a parameter, the function body uses that constant.
//! The kernel relies on GCC doing this: `__fpu_restore_sig(..., ia32_fxstate)`
//! is only ever called with `false` on x86-64, and the branch for `true`
//! refers to a function this configuration does not build.

use std::collections::{BTreeMap, BTreeSet};

use ccc_ir::{AbiType, Callee, Function, InitPiece, Inst, InstKind, Linkage, Module, Value};

/// Returns the names of the functions whose bodies changed.
pub fn run(m: &mut Module) -> Vec<String> {
    let taken = address_taken(m);
    // Per candidate: for each parameter, the constant all calls agree on so far
    // (`None` once two calls differ or one passes a non-constant).
    let mut agreed: BTreeMap<String, Vec<Option<(ccc_ir::Type, i128)>>> = BTreeMap::new();
    let mut first: BTreeSet<String> = BTreeSet::new();
    for f in &m.functions {
        let candidate = f.attrs.linkage == Linkage::Internal
            && !f.sig.variadic
            && !f.blocks.is_empty()
            && !taken.contains(f.name.as_str())
            && f.blocks[f.entry().index()].params.len() == f.sig.params.len()
            && f.sig.params.iter().all(|p| matches!(p, AbiType::Scalar(_)));
        if candidate {
            agreed.insert(f.name.clone(), vec![None; f.sig.params.len()]);
            first.insert(f.name.clone());
        }
    }
    for f in &m.functions {
        let consts = constants_of(f);
        for b in &f.layout {
            for i in &f.blocks[b.index()].insts {
                let InstKind::Call { callee: Callee::Direct(name), args, .. } = &i.kind else { continue };
                let Some(slots) = agreed.get_mut(name) else { continue };
                if args.len() != slots.len() {
                    agreed.remove(name);
                    continue;
                }
                let is_first = first.remove(name);
                for (slot, a) in slots.iter_mut().zip(args) {
                    let c = consts.get(a).copied();
                    *slot = if is_first { c } else if *slot == c { c } else { None };
                }
            }
        }
    }
    let mut changed = Vec::new();
    for f in &mut m.functions {
        // Functions never called keep their parameters.
        let Some(slots) = agreed.get(&f.name).filter(|_| !first.contains(&f.name)) else { continue };
        if substitute(f, slots) {
            changed.push(f.name.clone());
        }
    }
    changed
}

/// Names whose address is used other than by a direct call.
fn address_taken(m: &Module) -> BTreeSet<&str> {
    let mut s = BTreeSet::new();
    for f in &m.functions {
        for b in &f.blocks {
            for i in &b.insts {
                match &i.kind {
                    InstKind::GlobalAddr { name, .. } => {
                        s.insert(name.as_str());
                    }
                    InstKind::InlineAsm(a) => s.extend(ccc_ir::refs::asm_words(&a.template)),
                    _ => {}
                }
            }
        }
    }
    for g in &m.globals {
        for p in g.init.iter().flatten() {
            if let InitPiece::Addr { symbol, .. } = p {
                s.insert(symbol.as_str());
            }
        }
    }
    for a in &m.aliases {
        s.insert(a.target.as_str());
    }
    for asm in &m.toplevel_asm {
        s.extend(ccc_ir::refs::asm_words(asm));
    }
    s
}

/// Integer constants defined in `f`, by value.
fn constants_of(f: &Function) -> BTreeMap<Value, (ccc_ir::Type, i128)> {
    let mut m = BTreeMap::new();
    for b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            if let (InstKind::IConst { ty, value }, Some(r)) = (&i.kind, i.result) {
                m.insert(r, (*ty, *value));
            }
        }
    }
    m
}

/// Uses of parameters with an agreed constant read that constant instead.
fn substitute(f: &mut Function, slots: &[Option<(ccc_ir::Type, i128)>]) -> bool {
    let entry = f.entry();
    let params = f.blocks[entry.index()].params.clone();
    let mut replace: BTreeMap<Value, Value> = BTreeMap::new();
    let mut defs = Vec::new();
    for (p, slot) in params.iter().zip(slots) {
        let Some((ty, value)) = *slot else { continue };
        if f.values[p.index()].ty != ty {
            continue;
        }
        let c = f.new_detached_value(ty);
        defs.push(Inst { result: Some(c), kind: InstKind::IConst { ty, value } });
        replace.insert(*p, c);
    }
    if replace.is_empty() {
        return false;
    }
    for b in f.layout.clone() {
        for i in &mut f.blocks[b.index()].insts {
            i.kind.map_operands(|v| replace.get(&v).copied().unwrap_or(v));
        }
    }
    let insts = &mut f.blocks[entry.index()].insts;
    insts.splice(0..0, defs);
    f.renumber_defs();
    true
}
