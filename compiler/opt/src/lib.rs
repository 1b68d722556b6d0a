//! The optimiser: one pass per file, run by [`optimize_module`] according
//! to the `-O` level. Every pass keeps the IR valid (checked by the
//! verifier in debug builds).

pub mod asm_outputs;
pub mod cfg;
pub mod const_load;
pub mod dce;
pub mod dom;
pub mod fold;
pub mod inline;
pub mod mem2reg;
pub mod prune;
pub mod simplify;

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
            optimize_function_with(f, &images)?;
        }
    }
    // Small inline functions are measured and copied once optimised; their
    // callers are optimised again with the copies in place.
    let changed = inline::run_small(m, small_inline_limit(opts));
    if !changed.is_empty() {
        prune::run(m, opts.opt_level);
        let images = const_load::Images::new(&m.globals);
        for f in m.functions.iter_mut().filter(|f| changed.contains(&f.name)) {
            optimize_function_with(f, &images)?;
        }
    }
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
    optimize_function_with(f, &const_load::Images::new(&[]))
}

/// The function passes, with the module's constant data for folding loads from it.
pub fn optimize_function_with(f: &mut Function, images: &const_load::Images) -> Result<(), String> {
    asm_outputs::run(f);
    check(f, "asm_outputs")?;
    mem2reg::run(f);
    check(f, "mem2reg")?;
    // Folding exposes constant branches; dropping edges exposes trivial block
    // parameters, which expose more folding.
    for _ in 0..4 {
        simplify::run(f);
        check(f, "simplify")?;
        let folded = fold::run(f);
        check(f, "fold")?;
        let cleaned = cfg::run(f);
        check(f, "cfg")?;
        let loaded = const_load::run(f, images);
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
