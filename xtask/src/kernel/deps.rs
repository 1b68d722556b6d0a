//! Checks that the tools a kernel build or boot needs are installed, with
//! the Debian package to install when one is missing. (Installing is the
//! job of `cargo xtask deps`, src/deps.rs.)

use super::arch::{Arch, OPENSBI_FW};
use super::compiler::Compiler;
use super::run::have_program;

pub fn require(arch: Arch, cc: &Compiler) -> Result<(), String> {
    let mut missing = Vec::new();
    for (prog, pkg) in [("make", "make"), ("flex", "flex"), ("bison", "bison"), ("bc", "bc"), ("gcc", "gcc")] {
        if !have_program(prog) {
            missing.push(format!("{prog} (apt-get install {pkg})"));
        }
    }
    if *cc == Compiler::Gcc || !arch.cross_prefix().is_empty() {
        // Cross builds need the GNU cross binutils (as/ld/objcopy) even with ccc.
        let gcc = format!("{}gcc", arch.cross_prefix());
        if !have_program(&gcc) {
            missing.push(format!("{gcc} (apt-get install gcc-{}-linux-gnu)", arch.name().replace('_', "-")));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing tools: {}", missing.join(", ")))
    }
}

pub fn require_qemu(arch: Arch) -> Result<(), String> {
    if !have_program(arch.qemu()) {
        return Err(format!("{} not installed (apt-get install {})", arch.qemu(), arch.debian_packages().join(" ")));
    }
    if arch == Arch::Riscv64 && !std::path::Path::new(OPENSBI_FW).is_file() {
        return Err(format!("{OPENSBI_FW} missing (apt-get install opensbi)"));
    }
    Ok(())
}
