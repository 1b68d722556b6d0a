//! Arguments nobody reads are not computed.
//!
//! When a function defined in this module never uses a parameter, its callers
//! pass 0 there instead, and whatever computed the argument becomes dead. GCC
//! gets the same effect from its IPA passes, and the kernel depends on it: an
//! empty stub such as `apply_retpolines(__retpoline_sites, ...)` must not
//! refer to linker-script symbols that this configuration does not define.
//! Only definitions that cannot be replaced at link time qualify: internal
//! ones, and external non-weak ones outside PIC (no interposition).

use std::collections::BTreeMap;

use ccc_ir::{AbiType, Callee, Function, Inst, InstKind, Linkage, Module};

/// Rewrites the calls; returns the names of the functions that changed.
pub fn run(m: &mut Module, pic: bool) -> Vec<String> {
    let unused: BTreeMap<String, Vec<usize>> = m
        .functions
        .iter()
        .filter(|f| f.attrs.linkage == Linkage::Internal || (f.attrs.linkage == Linkage::External && !pic))
        .filter_map(|f| Some((f.name.clone(), unused_scalar_params(f)?)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut changed = Vec::new();
    for f in &mut m.functions {
        if zero_unused_arguments(f, &unused) {
            changed.push(f.name.clone());
        }
    }
    changed
}

/// Indices of scalar parameters `f` never reads (`None`: not analysable).
fn unused_scalar_params(f: &Function) -> Option<Vec<usize>> {
    if f.sig.variadic || f.blocks.is_empty() {
        return None;
    }
    let params = &f.blocks[f.entry().index()].params;
    if params.len() != f.sig.params.len() {
        return None;
    }
    let mut used = vec![false; f.values.len()];
    for b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            // asm may read an argument register it does not name (naked-style code)
            if matches!(i.kind, InstKind::InlineAsm(_)) {
                return None;
            }
            i.kind.for_each_operand(|v| used[v.index()] = true);
        }
    }
    Some((0..params.len()).filter(|&i| matches!(f.sig.params[i], AbiType::Scalar(_)) && !used[params[i].index()]).collect())
}

fn zero_unused_arguments(f: &mut Function, unused: &BTreeMap<String, Vec<usize>>) -> bool {
    let mut changed = false;
    for b in f.layout.clone() {
        let insts = std::mem::take(&mut f.blocks[b.index()].insts);
        let mut out = Vec::with_capacity(insts.len());
        for mut inst in insts {
            if let InstKind::Call { callee: Callee::Direct(name), args, .. } = &mut inst.kind {
                for &i in unused.get(name.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                    let Some(arg) = args.get_mut(i) else { continue };
                    let ty = f.values[arg.index()].ty;
                    if !ty.is_int() || is_const(&out, *arg) {
                        continue;
                    }
                    let zero = f.new_detached_value(ty);
                    out.push(Inst { result: Some(zero), kind: InstKind::IConst { ty, value: 0 } });
                    *arg = zero;
                    changed = true;
                }
            }
            out.push(inst);
        }
        f.blocks[b.index()].insts = out;
    }
    if changed {
        f.renumber_defs();
    }
    changed
}

/// Whether `v` is defined by a constant among the instructions placed so far.
fn is_const(placed: &[Inst], v: ccc_ir::Value) -> bool {
    placed.iter().any(|i| i.result == Some(v) && matches!(i.kind, InstKind::IConst { .. }))
}
