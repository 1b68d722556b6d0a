//! `kernel-boot-<arch>`: build the tiny kernel (Debian's 6.12 source, or
//! `$CCC_KERNEL_SRC`) and kernels/init.c with the compiler under test, boot
//! under QEMU, pass when init's marker line appears. See src/kernel/.
//! `kernel-boot-<arch>-defconfig`: the same with `defconfig` and a busybox
//! initramfs built by the compiler under test (src/kernel/busybox.rs). A
//! defconfig kernel is some 2500 files, about an hour on two cores: full runs
//! only, `--fast` reports it as skipped.
//! A suite may leave a `kernels/<arch>/` list of files to GCC (its name says
//! which); none does since ccc compiles the x86 setup code (the
//! `kernel-boot-x86_64-gcc-16bit` suite went with `gcc-16bit.files`).
//!
//! Compiler: ccc (cross targets through the `<triple>-gcc` argv[0] name the
//! driver understands); with `CCC_TEST_CC`, that compiler natively and the
//! architecture's GCC for cross targets, like the other suites.

use crate::ctx::Ctx;
use crate::kernel::arch::Arch;
use crate::kernel::compiler::Compiler;
use crate::kernel::config::Flavour;
use crate::report::TestResult;

pub struct KernelBoot {
    pub arch: Arch,
    pub flavour: Flavour,
    /// A `kernels/<arch>/` list of files left to GCC (the suite's name says which), for
    /// code ccc cannot compile yet; None = every file by the compiler under test.
    pub gcc_files: Option<&'static str>,
}

pub fn compiler_for(ctx: &Ctx, arch: Arch) -> Compiler {
    if !ctx.cc.external {
        Compiler::Ccc(ctx.cc.program.clone())
    } else if arch.cross_prefix().is_empty() {
        Compiler::Path(ctx.cc.program.clone())
    } else {
        Compiler::Gcc
    }
}

impl super::Suite for KernelBoot {
    fn name(&self) -> String {
        let config = match self.flavour {
            Flavour::Tiny => String::new(),
            Flavour::Defconfig => "-defconfig".to_string(),
        };
        match self.gcc_files {
            None => format!("kernel-boot-{}{config}", self.arch.name()),
            Some(list) => format!("kernel-boot-{}{config}-{}", self.arch.name(), list.trim_end_matches(".files")),
        }
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        if ctx.fast && self.flavour == Flavour::Defconfig {
            return Ok(vec![TestResult::skip(self.name(), "a defconfig kernel takes about an hour on two cores: full runs only")]);
        }
        let cc = compiler_for(ctx, self.arch);
        // A mix needs ccc (with an external compiler under test, GCC compiles everything anyway).
        let gcc_files = self.gcc_files.filter(|_| matches!(cc, Compiler::Ccc(_)));
        Ok(vec![match crate::kernel::suite::run_with(self.arch, self.flavour, &cc, gcc_files) {
            Ok(summary) => {
                eprintln!("{}: {summary}", self.name());
                TestResult::pass(self.name())
            }
            Err(reason) => TestResult::fail(self.name(), reason.lines().next().unwrap_or("failed"), reason.clone()),
        }])
    }
}
