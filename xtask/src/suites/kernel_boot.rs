//! `kernel-boot-<arch>`: build the tiny kernel (Debian's 6.12 source, or
//! `$CCC_KERNEL_SRC`) and kernels/init.c with the compiler under test, boot
//! under QEMU, pass when init's marker line appears. See src/kernel/.
//!
//! Compiler: ccc (cross targets through the `<triple>-gcc` argv[0] name the
//! driver understands); with `CCC_TEST_CC`, that compiler natively and the
//! architecture's GCC for cross targets, like the other suites.

use crate::ctx::Ctx;
use crate::kernel::arch::Arch;
use crate::kernel::compiler::Compiler;
use crate::report::TestResult;

pub struct KernelBoot {
    pub arch: Arch,
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
        format!("kernel-boot-{}", self.arch.name())
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let cc = compiler_for(ctx, self.arch);
        Ok(vec![match crate::kernel::suite::run(self.arch, &cc) {
            Ok(summary) => {
                eprintln!("{}: {summary}", self.name());
                TestResult::pass(self.name())
            }
            Err(reason) => TestResult::fail(self.name(), reason.lines().next().unwrap_or("failed"), reason.clone()),
        }])
    }
}
