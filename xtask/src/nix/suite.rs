//! The `nix` suite: parse + pure evaluation, table agreement, ccc-dist
//! round trip, cc-wrapper argument shapes with the compiler under test.

use crate::kernel::compiler::Compiler;
use crate::kernel::{target_dir, workspace_root};

/// `cc` is gcc, ccc or a path (the compiler for the cc-wrapper shapes).
pub fn run(cc: &str) -> Result<String, String> {
    let root = workspace_root();
    let parsed = super::eval::parse_all(&root)?;
    super::eval::lib_tests(&root)?;
    super::eval::plumbing(&root)?;
    super::eval::tables_agree(&root)?;
    let dist = super::dist::build_tools(&root)?;
    let scratch = target_dir().join("xtask-nix");
    let dist_summary = super::dist::round_trip(&dist, &scratch.join("dist"))?;
    let compiler = Compiler::parse(cc)?;
    let host = if cfg!(target_arch = "aarch64") {
        crate::kernel::arch::Arch::Aarch64
    } else {
        crate::kernel::arch::Arch::X86_64
    };
    let cc_cmd = compiler.command_for(host, &scratch.join("cc-bin"))?;
    let wrapper_summary = super::ccwrapper::check(&cc_cmd, &scratch.join("ccwrapper"))?;
    Ok(format!(
        "{parsed} .nix files parse, nix/lib tests pass, flake evaluates against mock nixpkgs, tables agree; dist: {dist_summary}; cc-wrapper shapes: {wrapper_summary}"
    ))
}
