//! GCC torture `compile` tests with `-c`: the compiler must not crash. On code GCC accepts
//! it must produce an object; on code GCC rejects it must exit 1 with a diagnostic.

use std::path::Path;

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::oracle::Oracle;
use crate::report::TestResult;
use crate::sample::key;
use crate::suites::torture::{test_name, COMPILE_TIMEOUT};
use crate::{dg, proc};

pub struct Compile {
    pub arch: &'static Arch,
}

impl super::Suite for Compile {
    fn name(&self) -> String {
        if self.arch.native {
            "torture-compile".to_string()
        } else {
            format!("torture-compile-{}", self.arch.name)
        }
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        crate::suites::torture::run_dir(ctx, &self.name(), "compile", self.arch, |f, work, oracle, gcc_id| self.one(ctx, f, work, oracle, gcc_id))
    }
}

/// How one `-c` compilation ended, classified the same way for GCC and the compiler under test.
pub enum CompileOutcome {
    Object,
    /// Exit 1 with an `error` diagnostic.
    Rejected(String),
    /// Anything else: signal, panic, ICE exit code, timeout, silent failure, missing object.
    Broken(String, String),
}

pub fn compile_c(mut cmd: std::process::Command, src: &Path, flags: &[String], out: &Path) -> CompileOutcome {
    cmd.arg("-c").arg(src).args(flags).arg("-o").arg(out);
    if let Some(d) = out.parent() {
        cmd.current_dir(d);
    }
    let _ = std::fs::remove_file(out);
    let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
    let stderr = o.stderr_str();
    let detail = proc::head_lines(&stderr, 40);
    if stderr.contains("panicked") {
        return CompileOutcome::Broken(format!("crash ({}): {}", o.status.describe(), proc::first_error_line(&stderr)), detail);
    }
    match o.status {
        proc::Status::Exit(0) if out.exists() => CompileOutcome::Object,
        proc::Status::Exit(0) => CompileOutcome::Broken("exit 0 but no object file".into(), detail),
        proc::Status::Exit(1) if stderr.contains("error") => CompileOutcome::Rejected(proc::first_error_line(&stderr)),
        proc::Status::Exit(1) => CompileOutcome::Broken("exit 1 without an error diagnostic".into(), detail),
        ref s => CompileOutcome::Broken(format!("crash ({}): {}", s.describe(), proc::first_error_line(&stderr)), detail),
    }
}

impl Compile {
    fn one(&self, ctx: &Ctx, f: &Path, work: &Path, oracle: &Oracle, gcc_id: &str) -> TestResult {
        let name = test_name(f);
        let Ok(bytes) = std::fs::read(f) else { return TestResult::fail(name, "cannot read source", "") };
        let plan = dg::plan(&String::from_utf8_lossy(&bytes), self.arch, "-O0");
        if let Some(why) = plan.skip {
            return TestResult::skip(name, why);
        }
        let flags = plan.flags();
        let tdir = work.join(name.trim_end_matches(".c"));
        let _ = std::fs::create_dir_all(&tdir);
        let k = key(&[&bytes, flags.join(" ").as_bytes(), gcc_id.as_bytes(), self.arch.name.as_bytes()]);
        let gcc = oracle.get_or(&k, || match compile_c(ctx.gcc_command(self.arch), f, &flags, &tdir.join("gcc.o")) {
            CompileOutcome::Object => "accept".into(),
            CompileOutcome::Rejected(_) => "reject".into(),
            CompileOutcome::Broken(why, _) => format!("broken {why}"),
        });
        if gcc.starts_with("broken") {
            return TestResult::skip(name, format!("gcc: {gcc}"));
        }
        let r = match compile_c(ctx.cc_command(self.arch), f, &flags, &tdir.join("test.o")) {
            CompileOutcome::Object if gcc == "accept" => TestResult::pass(&name),
            CompileOutcome::Object => TestResult::fail(&name, "accepted code that gcc rejects", ""),
            CompileOutcome::Rejected(_) if gcc == "reject" => TestResult::pass(&name),
            CompileOutcome::Rejected(e) => TestResult::fail(&name, format!("rejected code that gcc accepts: {e}"), ""),
            CompileOutcome::Broken(why, detail) => TestResult::fail(&name, why, detail),
        };
        if matches!(r.verdict, crate::report::Verdict::Pass) {
            let _ = std::fs::remove_dir_all(&tdir);
        }
        r
    }
}
