//! GCC torture `execute` tests: compile, link and run; pass = exit 0, like GCC's binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::oracle::Oracle;
use crate::report::TestResult;
use crate::sample::{in_fast_sample, key};
use crate::{dg, gccsrc, pool, proc};

pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(30);
pub const RUN_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Execute {
    pub arch: &'static Arch,
    /// Optimisation level passed first, as DejaGnu's torture options are.
    pub opt: &'static str,
}

impl super::Suite for Execute {
    fn name(&self) -> String {
        format!("torture-{}-{}", self.arch.name, self.opt.trim_start_matches('-'))
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        run_dir(ctx, &self.name(), "execute", self.arch, |f, work, oracle, gcc_id| self.one(ctx, f, work, oracle, gcc_id))
    }
}

/// Run `one` over the (fast-sampled) tests of a torture subdirectory, in
/// parallel, with the suite's GCC oracle cache loaded and saved around it.
pub fn run_dir(ctx: &Ctx, name: &str, subdir: &str, arch: &Arch, one: impl Fn(&Path, &Path, &Oracle, &str) -> TestResult + Sync) -> Result<Vec<TestResult>, String> {
    let dir = gccsrc::torture_dir(ctx)?.join(subdir);
    let files: Vec<PathBuf> = gccsrc::list_c(&dir)?
        .into_iter()
        .filter(|f| !ctx.fast || in_fast_sample(&ctx.host, &test_name(f)))
        .collect();
    let work = ctx.work_dir(name);
    let oracle = Oracle::load(ctx, name);
    let gcc_id = gccsrc::compiler_id(arch.gcc);
    let results = pool::par_map(&files, ctx.jobs, |f| one(f, &work, &oracle, &gcc_id));
    oracle.save();
    Ok(results)
}

pub fn test_name(f: &Path) -> String {
    f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// What a test asks for beyond compiling: `run` (default), `link`, or just `compile`.
#[derive(Clone, Copy, PartialEq)]
pub enum Action {
    Compile,
    Link,
    Run,
}

pub fn action_of(plan: &dg::Plan, default: Action) -> Action {
    match plan.action.as_deref() {
        Some("run") => Action::Run,
        Some("link") => Action::Link,
        Some("compile" | "assemble" | "preprocess") => Action::Compile,
        _ => default,
    }
}

/// Compile (and link, run) `src` with `cmd`; Err((one-line reason, details)).
pub fn build_and_run(
    mut cmd: Command,
    arch: &Arch,
    src: &Path,
    flags: &[String],
    out: &Path,
    action: Action,
    run_timeout: Duration,
) -> Result<(), (String, String)> {
    cmd.arg(src).args(flags);
    if action == Action::Compile {
        cmd.arg("-c");
    }
    cmd.arg("-o").arg(out);
    if action != Action::Compile {
        cmd.arg("-lm");
    }
    if let Some(d) = out.parent() {
        cmd.current_dir(d);
    }
    let shown = format!("$ {} {}", cmd.get_program().to_string_lossy(), cmd.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "));
    let _ = std::fs::remove_file(out);
    let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
    let stderr = o.stderr_str();
    if !o.status.success() {
        return Err((
            format!("compile: {}: {}", o.status.describe(), proc::first_error_line(&stderr)),
            format!("{shown}\n{}", proc::head_lines(&stderr, 40)),
        ));
    }
    if !out.exists() {
        return Err(("compile: exit 0 but no output file".into(), shown));
    }
    if action != Action::Run {
        return Ok(());
    }
    let mut run = arch.run_command(out);
    if let Some(d) = out.parent() {
        run.current_dir(d);
    }
    let r = proc::run_limited(&mut run, run_timeout, 64 << 10);
    if r.status.success() {
        Ok(())
    } else {
        Err((
            format!("run: {}", r.status.describe()),
            format!("{shown}\nstdout:\n{}\nstderr:\n{}", proc::head_lines(&r.stdout_str(), 20), proc::head_lines(&r.stderr_str(), 20)),
        ))
    }
}

impl Execute {
    fn one(&self, ctx: &Ctx, f: &Path, work: &Path, oracle: &Oracle, gcc_id: &str) -> TestResult {
        let name = test_name(f);
        let Ok(bytes) = std::fs::read(f) else { return TestResult::fail(name, "cannot read source", "") };
        let src = String::from_utf8_lossy(&bytes);
        let plan = dg::plan(&src, self.arch, self.opt);
        if let Some(why) = plan.skip {
            return TestResult::skip(name, why);
        }
        let action = action_of(&plan, Action::Run);
        let mut flags = vec![self.opt.to_string()];
        flags.extend(plan.flags());
        let run_timeout = RUN_TIMEOUT.mul_f64(plan.timeout_factor.max(1.0));
        let tdir = work.join(name.trim_end_matches(".c"));
        let _ = std::fs::create_dir_all(&tdir);

        let k = key(&[&bytes, flags.join(" ").as_bytes(), gcc_id.as_bytes(), self.arch.name.as_bytes(), &[action as u8]]);
        let gcc = oracle.get_or(&k, || {
            match build_and_run(ctx.gcc_command(self.arch), self.arch, f, &flags, &tdir.join("gcc.out"), action, run_timeout) {
                Ok(()) => "pass".to_string(),
                Err((why, _)) => format!("fail {why}"),
            }
        });
        if gcc != "pass" {
            return TestResult::skip(name, format!("gcc: {gcc}"));
        }
        match build_and_run(ctx.cc_command(self.arch), self.arch, f, &flags, &tdir.join("test.out"), action, run_timeout) {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&tdir);
                TestResult::pass(name)
            }
            Err((why, detail)) => TestResult::fail(name, why, detail),
        }
    }
}
