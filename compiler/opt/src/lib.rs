//! The optimiser: one pass per file, run by [`optimize_module`] according
//! to the `-O` level. Every pass keeps the IR valid (checked by the
//! verifier in debug builds).

pub mod cfg;
pub mod dce;
pub mod dom;
pub mod fold;
pub mod mem2reg;
pub mod prune;
pub mod simplify;

use ccc_ir::{CodegenOptions, Function, Module};

/// Run the passes `-O<level>` asks for over every function.
pub fn optimize_module(m: &mut Module, opts: &CodegenOptions) -> Result<(), String> {
    prune::run(m, opts.opt_level);
    if opts.opt_level == 0 {
        return Ok(());
    }
    for f in &mut m.functions {
        optimize_function(f)?;
    }
    Ok(())
}

pub fn optimize_function(f: &mut Function) -> Result<(), String> {
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
        if !folded && !cleaned {
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
