//! The optimiser: one pass per file, run by [`optimize_module`] according
//! to the `-O` level. Every pass keeps the IR valid (checked by the
//! verifier in debug builds).

pub mod asm_outputs;
pub mod bools;
pub mod cfg;
pub mod const_load;
pub mod dead_args;
pub mod dce;
pub mod dom;
pub mod fold;
pub mod forward;
pub mod inline;
pub mod ipa_const;
pub mod known_conds;
pub mod loop_eval;
pub mod mem2reg;
pub mod prune;
pub mod ranges;
pub mod simplify;
pub mod sroa;
pub mod thread;

use ccc_ir::{CodegenOptions, Function, Module};

/// Run the passes `-O<level>` asks for over every function.
pub fn optimize_module(m: &mut Module, opts: &CodegenOptions) -> Result<(), String> {
    prune::run(m, opts.opt_level);
    inline::run(m);
    // Inline functions whose every call was inlined are now unreferenced.
    prune::run(m, opts.opt_level);
    if opts.opt_level == 0 {
        return Ok(());
    }
    {
        let images = const_load::Images::new(&m.globals);
        for f in &mut m.functions {
            optimize_function_with(f, &images, false)?;
        }
    }
    // Small inline functions are measured and copied once optimised; their
    // callers are optimised again with the copies in place, and every
    // `__builtin_constant_p` is decided last (after inlining, as GCC).
    let mut changed = inline::run_small(m, small_inline_limit(opts));
    changed.extend(dead_args::run(m, opts.pic));
    changed.extend(ipa_const::run(m));
    if !changed.is_empty() {
        prune::run(m, opts.opt_level);
    }
    let images = const_load::Images::new(&m.globals);
    for f in m.functions.iter_mut().filter(|f| changed.contains(&f.name) || fold::has_constant_p(f)) {
        optimize_function_with(f, &images, true)?;
    }
    // Calls in branches that folded away leave static functions unreferenced
    // (the kernel's THP helpers with THP off refer to functions that do not exist).
    prune::run(m, opts.opt_level);
    Ok(())
}

/// Instructions an `inline` function may have to be inlined at `-O<level>`.
fn small_inline_limit(opts: &CodegenOptions) -> usize {
    match (opts.optimize_size, opts.opt_level) {
        (true, _) => 30,
        (false, 1) => 40,
        _ => 80,
    }
}

pub fn optimize_function(f: &mut Function) -> Result<(), String> {
    optimize_function_with(f, &const_load::Images::new(&[]), true)
}

/// The function passes, with the module's constant data for folding loads from it.
/// The function passes. `last`: no later round follows (undecided
/// `__builtin_constant_p`s become 0 and the function is simplified again).
pub fn optimize_function_with(f: &mut Function, images: &const_load::Images, last: bool) -> Result<(), String> {
    asm_outputs::run(f);
    check(f, "asm_outputs")?;
    mem2reg::run(f);
    check(f, "mem2reg")?;
    // Folding exposes constant branches; dropping edges exposes trivial block
    // parameters, which expose more folding.
    simplify_to_fixpoint(f, images)?;
    // Small aggregates whose address no longer escapes (after inlining and
    // folding) become one slot per field, which mem2reg promotes.
    if sroa::run(f) {
        check(f, "sroa")?;
        mem2reg::run(f);
        check(f, "mem2reg")?;
        simplify_to_fixpoint(f, images)?;
    }
    if last && fold::decide_constant_p(f) {
        simplify_to_fixpoint(f, images)?;
    }
    dce::run(f);
    check(f, "dce")?;
    Ok(())
}

/// The middle passes, repeated while they find something (at most 4 rounds).
fn simplify_to_fixpoint(f: &mut Function, images: &const_load::Images) -> Result<(), String> {
    for _ in 0..4 {
        simplify::run(f);
        check(f, "simplify")?;
        let folded = fold::run(f);
        check(f, "fold")?;
        let folded = bools::run(f) | folded;
        check(f, "bools")?;
        let folded = ranges::run(f) | folded;
        check(f, "ranges")?;
        let folded = known_conds::run(f) | folded;
        check(f, "known_conds")?;
        let threaded = thread::run(f);
        check(f, "thread")?;
        let cleaned = cfg::run(f) | threaded;
        check(f, "cfg")?;
        let loaded = const_load::run(f, images) | forward::run(f);
        let loaded = loop_eval::run(f, images) | loaded;
        check(f, "loop_eval")?;
        if !folded && !cleaned && !loaded {
            break;
        }
    }
    dce::run(f);
    check(f, "dce")?;
    Ok(())
}

fn check(f: &Function, pass: &str) -> Result<(), String> {
    if cfg!(debug_assertions) {
        ccc_ir::verify::verify_function(f).map_err(|e| format!("internal compiler error after {pass}: {e}"))?;
    }
    Ok(())
}

/// Integer constants defined by `IConst`, by value index (passes that decide compares).
pub(crate) fn int_constants(f: &ccc_ir::Function) -> Vec<Option<i128>> {
    let mut c = vec![None; f.values.len()];
    for b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            if let (ccc_ir::InstKind::IConst { value, .. }, Some(r)) = (&inst.kind, inst.result) {
                c[r.index()] = Some(*value);
            }
        }
    }
    c
}
