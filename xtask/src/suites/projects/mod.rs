//! Real programs from Debian source packages, built with the compiler under test and checked
//! against a GCC build of the same sources. Each project contributes a few sub-tests
//! (`zlib-build`, `zlib-check`, ...); a failed build fails its dependent sub-tests with a
//! log, it never stops the harness.
//!
//! `--fast` runs the cheap projects (zlib, lua); the full run adds sqlite3 and redis.
//!
//! One suite per target (`projects-x86_64`, `projects-riscv64`, ...): on a foreign target the
//! projects that can cross-build are compiled with `ccc --target=` and with the target's GCC
//! cross compiler as reference, and both builds run under qemu-user (`Arch::run_command`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::proc;
use crate::report::TestResult;

mod lua;
mod redis;
pub mod source;
mod sqlite;
mod zlib;

pub struct Projects {
    pub arch: &'static Arch,
}

pub trait Project: Sync {
    fn name(&self) -> &'static str;
    /// Included in `--fast` runs.
    fn fast(&self) -> bool;
    /// Builds with a cross compiler and runs under qemu-user (else: host target only).
    fn cross(&self) -> bool;
    fn run(&self, env: &Env) -> Vec<TestResult>;
}

/// Adding a project = a module + one line here.
fn projects() -> Vec<Box<dyn Project>> {
    vec![Box::new(zlib::Zlib), Box::new(lua::Lua), Box::new(sqlite::Sqlite), Box::new(redis::Redis)]
}

impl super::Suite for Projects {
    fn name(&self) -> String {
        format!("projects-{}", self.arch.name)
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let work = ctx.work_dir(&self.name());
        let gcc_id = crate::gccsrc::compiler_id(self.arch.gcc);
        let mut out = Vec::new();
        for p in projects() {
            if (ctx.fast && !p.fast()) || (!self.arch.native && !p.cross()) {
                continue;
            }
            out.extend(p.run(&Env::new(ctx, self.arch, p.name(), &work, &gcc_id)));
        }
        Ok(out)
    }
}

/// Bump when a recipe changes so cached GCC reference builds are redone.
const RECIPE: &str = "projects-v1";

pub const BUILD_TIMEOUT: Duration = Duration::from_secs(3600);

pub struct Env<'a> {
    pub ctx: &'a Ctx,
    /// The target the projects are built for.
    pub arch: &'static Arch,
    /// Scratch dir for builds with the compiler under test (fresh every run).
    pub work: PathBuf,
    /// Cache dir for the GCC reference build (kept across runs).
    pub refs: PathBuf,
    /// The compiler under test for `arch`.
    pub cc: Compiler,
    /// The reference compiler (GCC) for `arch`.
    pub gcc: Compiler,
}

/// A compiler invocation: program plus leading arguments (`ccc --target=riscv64-linux-gnu`).
pub struct Compiler {
    pub argv: Vec<String>,
}

impl Compiler {
    fn from_command(c: &Command) -> Compiler {
        let mut argv = vec![c.get_program().to_string_lossy().into_owned()];
        argv.extend(c.get_args().map(|a| a.to_string_lossy().into_owned()));
        Compiler { argv }
    }

    /// As a `CC=` value for make and configure.
    pub fn make_var(&self) -> String {
        self.argv.join(" ")
    }
}

/// Why a step failed: one-line reason, details for the log.
pub type StepErr = (String, String);

/// The generated SQLite amalgamation (`sqlite3.c`, `shell.c`, `test/`), for benchmarks.
pub fn sqlite_amalgamation(ctx: &Ctx) -> Result<PathBuf, String> {
    let native = &crate::arch::X86_64;
    let env = Env::new(ctx, native, "sqlite3", &ctx.out.join("work/bench-projects"), &crate::gccsrc::compiler_id(native.gcc));
    sqlite::amalgamation(&env).map_err(|(why, _)| why)
}

pub use sqlite::strip_timings;

impl<'a> Env<'a> {
    /// `gcc_id` identifies `arch`'s GCC: it keys the cached reference builds.
    fn new(ctx: &'a Ctx, arch: &'static Arch, name: &str, work: &Path, gcc_id: &str) -> Env<'a> {
        let env = Env {
            ctx,
            arch,
            work: work.join(name),
            refs: ctx.cache.join("projects").join(format!("{name}-{}", crate::sample::key(&[gcc_id.as_bytes(), RECIPE.as_bytes()]))),
            cc: Compiler::from_command(&ctx.cc_command(arch)),
            gcc: Compiler::from_command(&ctx.gcc_command(arch)),
        };
        let _ = std::fs::create_dir_all(&env.work);
        let _ = std::fs::create_dir_all(&env.refs);
        env
    }

    /// Run a command in `dir`, saving its output to `log`; Err on non-zero exit.
    pub fn step(&self, dir: &Path, log: &Path, timeout: Duration, prog: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<proc::Output, StepErr> {
        let o = self.run_logged(dir, log, timeout, prog, args, envs);
        if o.status.success() {
            Ok(o)
        } else {
            let err = o.stderr_str();
            Err((
                format!("{prog} {}: {}: {}", args.first().copied().unwrap_or(""), o.status.describe(), proc::first_error_line(&err)),
                format!("log: {}\n{}", self.ctx.show(log), tail(&format!("{}{}", o.stdout_str(), err), 30)),
            ))
        }
    }

    /// Run compiler `cc` with `args` in `dir` (as `step`).
    pub fn compile(&self, cc: &Compiler, dir: &Path, log: &Path, args: &[&str]) -> Result<proc::Output, StepErr> {
        let mut argv: Vec<&str> = cc.argv[1..].iter().map(String::as_str).collect();
        argv.extend_from_slice(args);
        self.step(dir, log, BUILD_TIMEOUT, &cc.argv[0], &argv, &[])
    }

    /// A binutils program for `arch` (`ar`, `ranlib`): the host's, or the cross one.
    pub fn binutil(&self, tool: &str) -> String {
        if self.arch.native {
            tool.to_string()
        } else {
            format!("{}-{tool}", self.arch.triple)
        }
    }

    /// Run a command in `dir` and append the command line and its output to `log`, whatever
    /// its exit status (for test runners whose output says more than their status).
    pub fn run_logged(&self, dir: &Path, log: &Path, timeout: Duration, prog: &str, args: &[&str], envs: &[(&str, &str)]) -> proc::Output {
        let mut cmd = Command::new(prog);
        cmd.current_dir(dir).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let o = proc::run_limited(&mut cmd, timeout, 16 << 20);
        let mut text = format!("$ (cd {}; {} {})\n", dir.display(), prog, args.join(" "));
        text.push_str(&o.stdout_str());
        text.push_str(&o.stderr_str());
        append(log, &text);
        o
    }

    /// A fresh copy of the project's source tree in `dest`.
    pub fn fresh_copy(&self, pkg: &str, dest: &Path) -> Result<(), StepErr> {
        let src = source::fetch(self.ctx, pkg).map_err(|e| (format!("source: {e}"), String::new()))?;
        let _ = std::fs::remove_dir_all(dest);
        if let Some(p) = dest.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        let o = proc::run(Command::new("cp").arg("-a").arg(&src).arg(dest), Duration::from_secs(600));
        if !o.status.success() {
            return Err((format!("copying {}: {}", src.display(), o.status.describe()), o.stderr_str()));
        }
        Ok(())
    }

    /// Build the GCC reference once (marker file `.built` in the cache), return its dir.
    pub fn reference(&self, build: impl FnOnce(&Path) -> Result<(), StepErr>) -> Result<PathBuf, StepErr> {
        cached(&self.refs, build)
    }
}

/// `build` into `cache/tree` once (marker file `cache/.built`), return that dir.
pub fn cached(cache: &Path, build: impl FnOnce(&Path) -> Result<(), StepErr>) -> Result<PathBuf, StepErr> {
    let dir = cache.join("tree");
    if cache.join(".built").exists() {
        return Ok(dir);
    }
    let _ = std::fs::create_dir_all(cache);
    build(&dir)?;
    let _ = std::fs::write(cache.join(".built"), "");
    Ok(dir)
}

/// Append `text` to the log file `log` (best effort: a log that cannot be written must not
/// change a verdict).
pub fn append(log: &Path, text: &str) {
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
}

pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Sub-tests that cannot run because a prerequisite (the build) failed.
pub fn blocked(names: &[String], why: &str) -> Vec<TestResult> {
    names.iter().map(|n| TestResult::fail(n, format!("not run: {why}"), "")).collect()
}

/// Compare two program outputs; Err((reason, diff excerpt)).
pub fn compare_outputs(what: &str, got: &str, want: &str) -> Result<(), StepErr> {
    if got == want {
        return Ok(());
    }
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    let i = g.iter().zip(w.iter()).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
    Err((
        format!("{what}: output differs from the gcc build at line {}", i + 1),
        format!("gcc: {:?}\ngot: {:?}", w.get(i).copied().unwrap_or("<end>"), g.get(i).copied().unwrap_or("<end>")),
    ))
}
