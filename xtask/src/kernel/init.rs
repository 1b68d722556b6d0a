//! Compiles kernels/init.c (the boot tests' /init) with the compiler under
//! test and packs it into an initramfs.

use super::arch::Arch;
use super::compiler::Compiler;
use super::cpio;
use super::run::run_logged;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Same flags as nix/lib/init-flags.nix (the `nix` suite checks this).
pub const INIT_CFLAGS: &[&str] =
    &["-nostdlib", "-static", "-ffreestanding", "-fno-pie", "-no-pie", "-fno-stack-protector", "-O2"];

pub const MARKER: &str = "CCC-BOOT-OK";
pub const FAIL_MARKER: &str = "CCC-BOOT-FAIL";

/// Builds `<out>/init` for `arch` from `<kernels_dir>/init.c`.
pub fn build_init(arch: Arch, cc: &Compiler, kernels_dir: &Path, out: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let cc_cmd = cc.command_for(arch, &out.join("cc-bin"))?;
    let init = out.join("init");
    let mut cmd = Command::new(&cc_cmd);
    cmd.args(INIT_CFLAGS).arg("-o").arg(&init).arg(kernels_dir.join("init.c"));
    let log = out.join("init-build.log");
    let _ = std::fs::remove_file(&log);
    run_logged(&mut cmd, &log)?;
    Ok(init)
}

/// Writes an initramfs with `init` as /init to `dest`.
pub fn write_initramfs(init: &Path, dest: &Path) -> Result<(), String> {
    let data = std::fs::read(init).map_err(|e| format!("{}: {e}", init.display()))?;
    let bytes = cpio::initramfs_with_init(data)?;
    std::fs::write(dest, bytes).map_err(|e| format!("{}: {e}", dest.display()))
}
