//! Checks that the tools a kernel build or boot needs are installed, with
//! the Debian package to install when one is missing. (Installing is the
//! job of `cargo xtask deps`; see `debian_packages` for its list.)

use super::arch::{Arch, ALL, OPENSBI_FW};
use super::compiler::Compiler;
use super::run::have_program;

/// Every Debian package the kernel suites use. qemu-system-* must be
/// installed by an `apt-get install` of their own (TESTING.md).
#[allow(dead_code)] // for the harness's `cargo xtask deps`
pub fn debian_packages() -> Vec<&'static str> {
    let mut v = vec!["flex", "bison", "bc", "libelf-dev", "libssl-dev", "cpio", "xz-utils", "linux-source-6.12"];
    for a in ALL {
        v.extend_from_slice(a.debian_packages());
    }
    v.sort_unstable();
    v.dedup();
    v
}

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
