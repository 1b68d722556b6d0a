//! Test suites. Adding a suite = a module + one line in `registry()`.

use crate::arch::{AARCH64, I386, RISCV64, X86_64};
use crate::ctx::Ctx;
use crate::kernel::config::Flavour;
use crate::report::TestResult;

pub mod asm;
pub mod asm_kernel;
pub mod csmith;
pub mod diagnostics;
pub mod kernel_boot;
pub mod kernel_repro;
pub mod ld;
pub mod nix;
pub mod projects;

pub mod torture;
pub mod torture_compile;
pub mod unit;

pub trait Suite: Sync {
    fn name(&self) -> String;
    /// Run the (fast-sampled, if `ctx.fast`) tests. `Err` = the suite could not be set up;
    /// it is reported as one failed test, never as a harness crash.
    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String>;
}

/// All suites in the order `cargo xtask test` runs them.
pub fn registry() -> Vec<Box<dyn Suite>> {
    vec![
        Box::new(unit::Unit),
        Box::new(torture::Execute { arch: &X86_64, opt: "-O0" }),
        Box::new(torture::Execute { arch: &X86_64, opt: "-O2" }),
        Box::new(torture_compile::Compile { arch: &X86_64 }),
        // Cross targets: GCC cross compilers as oracles, binaries run under qemu-user.
        Box::new(torture::Execute { arch: &AARCH64, opt: "-O0" }),
        Box::new(torture::Execute { arch: &AARCH64, opt: "-O2" }),
        Box::new(torture::Execute { arch: &RISCV64, opt: "-O0" }),
        Box::new(torture::Execute { arch: &RISCV64, opt: "-O2" }),
        Box::new(torture::Execute { arch: &I386, opt: "-O0" }),
        Box::new(torture::Execute { arch: &I386, opt: "-O2" }),
        Box::new(csmith::Csmith { arch: &X86_64 }),
        Box::new(csmith::Csmith { arch: &RISCV64 }),
        Box::new(csmith::Csmith { arch: &AARCH64 }),
        Box::new(asm::Asm { arch: &X86_64 }),
        Box::new(asm::Asm { arch: &I386 }),
        Box::new(asm::Asm { arch: &AARCH64 }),
        Box::new(asm::Asm { arch: &RISCV64 }),
        Box::new(diagnostics::Diagnostics),
        Box::new(projects::Projects { arch: &X86_64 }),
        Box::new(projects::Projects { arch: &RISCV64 }),
        Box::new(projects::Projects { arch: &AARCH64 }),
        Box::new(nix::Nix),
        Box::new(kernel_boot::KernelBoot { arch: crate::kernel::arch::Arch::Riscv64, flavour: Flavour::Tiny, gcc_files: None }),
        Box::new(kernel_boot::KernelBoot { arch: crate::kernel::arch::Arch::Aarch64, flavour: Flavour::Tiny, gcc_files: None }),
        Box::new(kernel_boot::KernelBoot { arch: crate::kernel::arch::Arch::X86_64, flavour: Flavour::Tiny, gcc_files: None }),
        Box::new(kernel_boot::KernelBoot { arch: crate::kernel::arch::Arch::Riscv64, flavour: Flavour::Defconfig, gcc_files: None }),
        Box::new(kernel_boot::KernelBoot { arch: crate::kernel::arch::Arch::Aarch64, flavour: Flavour::Defconfig, gcc_files: None }),
        Box::new(kernel_repro::KernelRepro { arch: crate::kernel::arch::Arch::Riscv64 }),
        Box::new(asm_kernel::AsmKernel { kernel: crate::kernel::arch::Arch::X86_64 }),
        Box::new(asm_kernel::AsmKernel { kernel: crate::kernel::arch::Arch::Riscv64 }),
        Box::new(asm_kernel::AsmKernel { kernel: crate::kernel::arch::Arch::Aarch64 }),
        Box::new(ld::Ld { arch: &X86_64, mode: "pie" }),
        Box::new(ld::Ld { arch: &X86_64, mode: "nopie" }),
        Box::new(ld::Ld { arch: &X86_64, mode: "static" }),
        Box::new(ld::Ld { arch: &X86_64, mode: "static-pie" }),
        Box::new(ld::Ld { arch: &AARCH64, mode: "pie" }),
        Box::new(ld::Ld { arch: &AARCH64, mode: "nopie" }),
        Box::new(ld::Ld { arch: &AARCH64, mode: "static" }),
        Box::new(ld::Ld { arch: &AARCH64, mode: "static-pie" }),
        // Debian's riscv64 GCC 12 has no rcrt1.o: no static-pie there.
        Box::new(ld::Ld { arch: &RISCV64, mode: "pie" }),
        Box::new(ld::Ld { arch: &RISCV64, mode: "nopie" }),
        Box::new(ld::Ld { arch: &RISCV64, mode: "static" }),
    ]
}
