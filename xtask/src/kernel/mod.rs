//! The no-Nix kernel path: build Linux for x86_64/aarch64/riscv64 with a
//! chosen compiler and boot it under QEMU to kernels/init.c.
//!
//! Entry points: [`cli::kernel_main`], [`cli::boot_main`] (the `kernel` and
//! `boot` subcommands, taking their own arguments) and [`suite::run`] (the
//! `kernel-boot-<arch>` suites, src/suites/kernel_boot.rs).

pub mod arch;
pub mod bisect;
pub mod build;
pub mod busybox;
pub mod cli;
pub mod compiler;
pub mod config;
pub mod cpio;
pub mod ddmin;
pub mod deps;
pub mod init;
pub mod mix;
pub mod qemu;
pub mod repro;
pub mod run;
pub mod source;
pub mod suite;

use std::path::PathBuf;

/// The repository root (xtask lives in <root>/xtask).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` or <root>/target.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}
