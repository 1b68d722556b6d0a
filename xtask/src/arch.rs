//! Target architectures: reference compiler, how to run binaries, dejagnu target facts.

pub struct Arch {
    /// Short name used in suite names (`torture-x86_64-O2`).
    pub name: &'static str,
    /// GNU triple passed to `ccc --target=`.
    pub triple: &'static str,
    /// Triple as GCC's testsuite sees it, for `dg-skip-if { x86_64-*-* }` selectors.
    pub dejagnu_triple: &'static str,
    /// Reference compiler.
    pub gcc: &'static str,
    /// Prefix to run a target binary (QEMU user mode for foreign architectures).
    pub runner: &'static [&'static str],
    pub native: bool,
    /// Effective-target keywords that hold on this target beyond the common set.
    pub extra_effective: &'static [&'static str],
    /// Common effective-target keywords that do not hold here (`lp64` on i386).
    pub not_effective: &'static [&'static str],
    /// Flags both compilers get for this target (`-m32`: GCC's multilib).
    pub cflags: &'static [&'static str],
}

pub static X86_64: Arch = Arch {
    name: "x86_64",
    triple: "x86_64-linux-gnu",
    dejagnu_triple: "x86_64-pc-linux-gnu",
    gcc: "gcc",
    runner: &[],
    native: true,
    extra_effective: &["sse", "sse2", "x86"],
    not_effective: &[],
    cflags: &[],
};

/// 32-bit x86 through the x86-64 toolchain's `-m32` multilib (runs natively).
pub static I386: Arch = Arch {
    name: "i386",
    triple: "i386-linux-gnu",
    dejagnu_triple: "i686-pc-linux-gnu",
    gcc: "gcc",
    runner: &[],
    native: true,
    extra_effective: &["ilp32", "ia32", "x86"],
    not_effective: &["lp64", "int128"],
    cflags: &["-m32"],
};

pub static AARCH64: Arch = Arch {
    name: "aarch64",
    triple: "aarch64-linux-gnu",
    dejagnu_triple: "aarch64-unknown-linux-gnu",
    gcc: "aarch64-linux-gnu-gcc",
    runner: &["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"],
    native: false,
    extra_effective: &[],
    not_effective: &[],
    cflags: &[],
};

pub static RISCV64: Arch = Arch {
    name: "riscv64",
    triple: "riscv64-linux-gnu",
    dejagnu_triple: "riscv64-unknown-linux-gnu",
    gcc: "riscv64-linux-gnu-gcc",
    runner: &["qemu-riscv64-static", "-L", "/usr/riscv64-linux-gnu"],
    native: false,
    extra_effective: &[],
    not_effective: &[],
    cflags: &[],
};

impl Arch {
    /// Command running `bin` on this architecture.
    pub fn run_command(&self, bin: &std::path::Path) -> std::process::Command {
        match self.runner.split_first() {
            None => std::process::Command::new(bin),
            Some((prog, args)) => {
                let mut c = std::process::Command::new(prog);
                c.args(args).arg(bin);
                c
            }
        }
    }
}
