//! `asm-kernel-<arch>`: the integrated assembler on the Linux kernel's assembly, against
//! GNU `as`. Every target `.S` file of the tiny kernel build, preprocessed exactly as
//! kbuild preprocesses it, and ccc's `-S` output of every kernel C file (the kernel's inline
//! asm after operand substitution) are assembled by both; the objects must be identical
//! (sections, symbols, relocations: see `asm::compare`).
//!
//! The commands come from kbuild's `.<obj>.cmd` files of the ccc-built tiny kernel (the build
//! `kernel-boot-<arch>` makes; incremental, so running both costs one build). Files kbuild
//! never reached (the build stops early) are simply not in the corpus: the kernel suites
//! report that. `$CCC_ASM_KERNEL_BUILD_<ARCH>` (`_X86_64`, `_RISCV64`, `_AARCH64`; plain
//! `$CCC_ASM_KERNEL_BUILD` for x86-64) names an existing build directory of that architecture
//! instead (any compiler's: C files are always compiled by the compiler under test).
//!
//! GNU `as` gets the machine options GCC's driver gives it for the command's flags (see
//! [`Unit::gnu_machine_args`]); ccc gets the command's own flags and works them out itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::arch::{Arch, AARCH64, RISCV64, X86_64};
use crate::ctx::Ctx;
use crate::kernel::arch::Arch as KArch;
use crate::report::TestResult;
use crate::sample::in_fast_sample;
use crate::suites::torture::COMPILE_TIMEOUT;
use crate::{pool, proc};

/// The suite for one kernel architecture.
pub struct AsmKernel {
    pub kernel: KArch,
}

impl AsmKernel {
    fn arch(&self) -> &'static Arch {
        match self.kernel {
            KArch::X86_64 => &X86_64,
            KArch::Riscv64 => &RISCV64,
            KArch::Aarch64 => &AARCH64,
        }
    }
}

impl super::Suite for AsmKernel {
    fn name(&self) -> String {
        format!("asm-kernel-{}", self.kernel.name())
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let build_dir = build_dir(ctx, self.kernel)?;
        // A build of another architecture would compare the wrong objects, or none.
        let config = std::fs::read_to_string(build_dir.join(".config")).unwrap_or_default();
        let marker = match self.kernel {
            KArch::X86_64 => "CONFIG_X86_64=y",
            KArch::Aarch64 => "CONFIG_ARM64=y",
            KArch::Riscv64 => "CONFIG_RISCV=y",
        };
        if !config.lines().any(|l| l == marker) {
            return Err(format!("{}: not a {} kernel build directory (no {marker} in .config)", build_dir.display(), self.kernel));
        }
        let mut cmds = Vec::new();
        collect_cmd_files(&build_dir, &build_dir, &mut cmds)?;
        cmds.sort();
        let units: Vec<Unit> = cmds
            .iter()
            .filter_map(|c| Unit::from_cmd_file(c))
            .filter(|u| !ctx.fast || in_fast_sample(&ctx.host, &u.name))
            .collect();
        if units.is_empty() {
            return Err(format!("{}: no kernel compile commands (did the kernel build start?)", build_dir.display()));
        }
        let work = ctx.work_dir(&self.name());
        Ok(pool::par_map(&units, ctx.jobs, |u| u.check(ctx, self, &build_dir, &work)))
    }
}

/// The kernel build directory.
fn build_dir(ctx: &Ctx, kernel: KArch) -> Result<PathBuf, String> {
    let var = format!("CCC_ASM_KERNEL_BUILD_{}", kernel.name().to_uppercase());
    let given = std::env::var_os(&var).or_else(|| if kernel == KArch::X86_64 { std::env::var_os("CCC_ASM_KERNEL_BUILD") } else { None });
    if let Some(dir) = given {
        return Ok(PathBuf::from(dir));
    }
    let cc = crate::suites::kernel_boot::compiler_for(ctx, kernel);
    // The same build as kernel-boot-<arch>'s (run after it: nothing to rebuild).
    let build = crate::kernel::suite::tiny_build(kernel, &cc, None);
    // A failed link still leaves every compiled object and its command behind.
    if let Err(e) = build.run() {
        eprintln!("asm-kernel-{kernel}: kernel build: {}", e.lines().next().unwrap_or(""));
    }
    build.out.canonicalize().map_err(|e| format!("{}: {e}", build.out.display()))
}

fn collect_cmd_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            // Host programs (scripts/, tools/) are built by the host compiler.
            if dir == root && matches!(name.as_str(), "scripts" | "tools" | "source" | "cc-bin" | "boot") {
                continue;
            }
            collect_cmd_files(root, &p, out)?;
        } else if name.starts_with('.') && name.ends_with(".o.cmd") {
            out.push(p);
        }
    }
    Ok(())
}

/// One kernel object: how kbuild compiled it.
struct Unit {
    /// Object path relative to the build directory (the test name).
    name: String,
    /// The compile command (without the objtool tail), run from the build directory.
    command: String,
    /// Assembly source (`.S`) rather than C.
    is_asm: bool,
}

impl Unit {
    fn from_cmd_file(cmd_file: &Path) -> Option<Unit> {
        let text = std::fs::read_to_string(cmd_file).ok()?;
        let line = text.lines().find(|l| l.starts_with("savedcmd_") || l.starts_with("cmd_"))?;
        let (lhs, command) = line.split_once(" := ")?;
        let obj = lhs.trim_start_matches("savedcmd_").trim_start_matches("cmd_").to_string();
        // kbuild appends objtool and other steps after `;`.
        let command = command.split("; ").next()?.trim().to_string();
        // Target compiles, not host programs: kbuild gives only those `-nostdinc`.
        if !command.contains(" -nostdinc ") || !command.contains(" -c ") {
            return None;
        }
        let src = command.rsplit(' ').next()?;
        let is_asm = src.ends_with(".S");
        if !is_asm && !src.ends_with(".c") {
            return None;
        }
        Some(Unit { name: obj, command, is_asm })
    }

    /// kbuild's command with the output redirected and the dependency file dropped; `mode` is
    /// `-E` (preprocess a `.S`) or `-S` (compile C to assembly); `compiler` replaces kbuild's.
    fn rewritten(&self, compiler: Option<&[String]>, mode: &str, out: &Path) -> String {
        let mut words: Vec<String> = Vec::new();
        let mut iter = self.command.split(' ').peekable();
        if let Some(c) = compiler {
            iter.next();
            words.extend(c.iter().cloned());
        }
        while let Some(w) = iter.next() {
            if w.starts_with("-Wp,-MMD,") || w.starts_with("-Wp,-MD,") {
                continue;
            }
            if w == "-c" {
                words.push(mode.to_string());
            } else if w == "-o" && iter.peek() == Some(&self.name.as_str()) {
                iter.next();
                words.push("-o".into());
                words.push(out.display().to_string());
            } else {
                words.push(w.to_string());
            }
        }
        words.join(" ")
    }

    /// `-Wa,` options of the command, as assembler arguments.
    fn as_options(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for w in self.command.split(' ') {
            if let Some(list) = w.strip_prefix("-Wa,") {
                v.extend(list.split(',').map(str::to_string));
            }
        }
        v
    }

    /// The last value of option `prefix` (`-march=`) in the command.
    fn last_value(&self, prefix: &str) -> Option<&str> {
        self.command.split(' ').filter_map(|w| w.strip_prefix(prefix)).last()
    }

    /// `-m16`/`-m32` code: assembled as 32-bit, as gcc tells `as`.
    fn bits32(&self) -> bool {
        self.command.split(' ').any(|w| w == "-m16" || w == "-m32")
    }

    /// What GCC's driver passes to `as` for the command's machine flags (`gcc -###`).
    fn gnu_machine_args(&self, kernel: KArch) -> Vec<String> {
        match kernel {
            KArch::X86_64 => vec![if self.bits32() { "--32" } else { "--64" }.to_string()],
            KArch::Aarch64 => vec!["-EL".to_string(), format!("-mabi={}", self.last_value("-mabi=").unwrap_or("lp64"))],
            KArch::Riscv64 => {
                let mut v = Vec::new();
                if let Some(a) = self.last_value("-march=") {
                    v.push(format!("-march={a}"));
                }
                if let Some(a) = self.last_value("-mabi=") {
                    v.push(format!("-mabi={a}"));
                }
                // Debian's GCC 12 names its default ISA spec explicitly.
                v.push("-misa-spec=20191213".to_string());
                v
            }
        }
    }

    /// The command's machine flags as ccc's driver takes them (`-m16` code is assembled as
    /// 32-bit code that starts with `.code16`).
    fn ccc_machine_flags(&self) -> Vec<String> {
        let mut v: Vec<String> =
            self.command.split(' ').filter(|w| w.starts_with("-march=") || w.starts_with("-mabi=")).map(str::to_string).collect();
        if self.bits32() {
            v.push("-m32".to_string());
        }
        v
    }

    fn check(&self, ctx: &Ctx, suite: &AsmKernel, build: &Path, work: &Path) -> TestResult {
        let tdir = work.join(self.name.replace('/', "__"));
        let _ = std::fs::create_dir_all(&tdir);
        // Everything runs in the build directory (`.incbin "usr/initramfs_inc_data"`).
        let tdir = tdir.canonicalize().unwrap_or(tdir);
        let s = tdir.join("t.s");
        // `.S`: kbuild's own preprocessing; C: the compiler under test, whoever built the tree.
        let command = if self.is_asm {
            self.rewritten(None, "-E", &s)
        } else {
            let cc = ctx.cc_command(suite.arch());
            let mut words = vec![cc.get_program().to_string_lossy().into_owned()];
            words.extend(cc.get_args().map(|a| a.to_string_lossy().into_owned()));
            self.rewritten(Some(&words), "-S", &s)
        };
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(command).current_dir(build);
        let o = proc::run(&mut sh, COMPILE_TIMEOUT);
        if !o.status.success() {
            let what = if self.is_asm { "preprocessing" } else { "ccc -S" };
            return TestResult::fail(&self.name, format!("{what} fails: {}", proc::first_error_line(&o.stderr_str())), proc::head_lines(&o.stderr_str(), 20));
        }
        let gnu = tdir.join("gnu.o");
        let mut gas = Command::new(format!("{}as", suite.kernel.cross_prefix()));
        gas.args(self.gnu_machine_args(suite.kernel)).args(self.as_options()).arg("-o").arg(&gnu).arg(&s).current_dir(build);
        let o = proc::run(&mut gas, COMPILE_TIMEOUT);
        if !o.status.success() {
            return TestResult::skip(&self.name, format!("GNU as rejects it: {}", proc::first_error_line(&o.stderr_str())));
        }
        let ours = tdir.join("ours.o");
        let mut cmd = ctx.cc_command(suite.arch());
        cmd.arg("-fintegrated-as").arg("-c").arg("-x").arg("assembler");
        cmd.args(self.ccc_machine_flags());
        for a in self.as_options() {
            cmd.arg(format!("-Wa,{a}"));
        }
        cmd.arg(&s).arg("-o").arg(&ours).current_dir(build);
        let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
        if !o.status.success() {
            let e = o.stderr_str();
            let first = e.lines().find(|l| l.contains("Error") || l.contains("error")).unwrap_or("").to_string();
            return TestResult::fail(&self.name, format!("assemble: {}: {first}", o.status.describe()), proc::head_lines(&e, 20));
        }
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        match read(&gnu).and_then(|g| read(&ours).map(|u| (g, u))).and_then(|(g, u)| super::asm::compare(&g, &u)) {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&tdir);
                TestResult::pass(&self.name)
            }
            Err(why) => TestResult::fail(&self.name, why, format!("kept in {}", ctx.show(&tdir))),
        }
    }
}
