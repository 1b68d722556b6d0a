//! The `kernel-boot-<arch>` suites: build the tiny kernel for one
//! architecture with the compiler under test, compile init.c with the same
//! compiler, boot under QEMU, and report one line.

use super::arch::Arch;
use super::build::KernelBuild;
use super::compiler::Compiler;
use super::config::Flavour;
use super::qemu::{self, Boot, Outcome};
use std::path::PathBuf;
use std::time::Duration;

/// Kernel source for the suites: `$CCC_KERNEL_SRC`, else Debian's 6.12.
pub fn default_source() -> PathBuf {
    std::env::var_os("CCC_KERNEL_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(super::source::DEBIAN_SOURCE))
}

/// The kernel build of the suites: `flavour` from Debian's 6.12 source, `cc` compiles
/// (but for a `gcc_files` list, `kernels/<arch>/<list>`); a ccc kernel is also linked by
/// ccc-ld.
pub fn suite_build(arch: Arch, flavour: Flavour, cc: &Compiler, gcc_files: Option<&str>) -> KernelBuild {
    let mut build = KernelBuild::new(arch, default_source(), flavour, cc.clone());
    if let Some(list) = gcc_files {
        let list = build.kernels_dir.join(arch.name()).join(list);
        build = build.with_mix(super::mix::Mix { fraction: 1.0, seed: 0, gcc_files: Some(list), ccc_list: None, fallback: false });
    }
    if matches!(cc, Compiler::Ccc(_)) {
        build = build.with_ccc_ld();
    }
    build
}

/// The tiny kernel build of the suites (see [`suite_build`]).
pub fn tiny_build(arch: Arch, cc: &Compiler, gcc_files: Option<&str>) -> KernelBuild {
    suite_build(arch, Flavour::Tiny, cc, gcc_files)
}

/// Runs one suite. Ok(summary) when the kernel booted to the init built by `cc`:
/// kernels/init.c for the tiny config, busybox (src/kernel/busybox.rs) for defconfig;
/// Err(reason) otherwise. The kernel build is incremental (rebuilt only when sources,
/// configs or the compiler command change). `gcc_files` names a `kernels/<arch>/` list
/// of files left to GCC.
pub fn run_with(arch: Arch, flavour: Flavour, cc: &Compiler, gcc_files: Option<&str>) -> Result<String, String> {
    super::deps::require(arch, cc)?;
    super::deps::require_qemu(arch)?;
    let build = suite_build(arch, flavour, cc, gcc_files);
    let kernel = build.run()?;
    let dir = kernel.out.join("boot");
    let initrd = match flavour {
        Flavour::Tiny => {
            let init = super::init::build_init(arch, cc, &build.kernels_dir, &dir)?;
            let initrd = dir.join("initramfs.cpio");
            super::init::write_initramfs(&init, &initrd)?;
            initrd
        }
        Flavour::Defconfig => super::busybox::build_initramfs(arch, cc, &dir)?,
    };
    let boot = Boot { arch, kernel: kernel.image, initrd, timeout: Duration::from_secs(120), log: dir.join("boot.log") };
    match qemu::boot(&boot) {
        Outcome::Booted { marker_line, seconds } => Ok(format!(
            "booted in {seconds:.1} s (kernel {:.0} s, cc {}): {marker_line}",
            kernel.seconds,
            cc.label()
        )),
        Outcome::NotBooted { reason } => Err(format!("not booted: {reason}")),
    }
}
