//! `kernel-repro-riscv64`: the tiny riscv64 kernel built twice by the compiler under
//! test, from clean build directories with different names, must give bit-identical
//! `Image` and `vmlinux` (src/kernel/repro.rs). Two clean kernel builds take several
//! minutes on two cores, beyond what `--fast` (CI) can spend: the suite runs in full
//! runs only, and `--fast` reports it as skipped.

use crate::ctx::Ctx;
use crate::kernel::arch::Arch;
use crate::report::TestResult;

pub struct KernelRepro {
    pub arch: Arch,
}

impl super::Suite for KernelRepro {
    fn name(&self) -> String {
        format!("kernel-repro-{}", self.arch.name())
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        if ctx.fast {
            return Ok(vec![TestResult::skip(self.name(), "two clean kernel builds: full runs only")]);
        }
        let cc = super::kernel_boot::compiler_for(ctx, self.arch);
        crate::kernel::deps::require(self.arch, &cc)?;
        let build = crate::kernel::suite::tiny_build(self.arch, &cc, None);
        Ok(vec![match crate::kernel::repro::check(&build) {
            Ok(r) => {
                eprintln!("{}: {}", self.name(), r.line());
                TestResult::pass(self.name())
            }
            Err(reason) => TestResult::fail(self.name(), reason.lines().next().unwrap_or("failed"), reason.clone()),
        }])
    }
}
