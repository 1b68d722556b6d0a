//! Linker oracle: every GCC torture `execute` test compiled once with `gcc -c`, then linked
//! by GCC with GNU ld and by GCC with ccc-ld (first on gcc's `-B` path), in one output mode;
//! both binaries run; only tests that pass with GNU ld count. A failure says why: the link
//! error, the exit status, or how the output differs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::oracle::Oracle;
use crate::report::TestResult;
use crate::sample::{fnv1a64, key};
use crate::suites::torture::{run_dir, test_name, COMPILE_TIMEOUT, RUN_TIMEOUT};
use crate::{dg, proc};

pub struct Ld {
    pub arch: &'static Arch,
    /// `pie` (GCC's default), `nopie`, `static`, `static-pie`.
    pub mode: &'static str,
}

impl Ld {
    fn mode_flags(&self) -> &'static [&'static str] {
        match self.mode {
            "nopie" => &["-no-pie"],
            "static" => &["-static"],
            "static-pie" => &["-static-pie"],
            _ => &[],
        }
    }
}

impl super::Suite for Ld {
    fn name(&self) -> String {
        format!("ld-{}-{}", self.arch.name, self.mode)
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let bindir = build_linker(ctx)?;
        run_dir(ctx, &self.name(), "execute", self.arch, |f, work, oracle, gcc_id| self.one(f, work, oracle, gcc_id, &bindir))
    }
}

/// Build ccc-ld and return a directory whose `ld` is it (for `gcc -B`).
fn build_linker(ctx: &Ctx) -> Result<PathBuf, String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&ctx.root).args(["build", "--release", "-p", "ccc-ld", "--bin", "ccc-ld"]);
    let o = proc::run_limited(&mut cmd, Duration::from_secs(1800), 1 << 20);
    let bin = ctx.cargo_target.join("release/ccc-ld");
    if !o.status.success() || !bin.exists() {
        return Err(format!("building ccc-ld failed: {}", proc::first_error_line(&o.stderr_str())));
    }
    let dir = ctx.out.join("ld-bin");
    let _ = std::fs::create_dir_all(&dir);
    let link = dir.join("ld");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&bin, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    Ok(dir)
}

/// Exit status and output of one run, as a comparable one-line summary.
struct RunOutcome {
    ok: bool,
    summary: String,
}

/// Runs of a binary; the GNU-linked one runs twice so that programs printing addresses
/// (ASLR makes them differ between runs) are compared by exit status only.
fn link_and_run(arch: &Arch, obj: &Path, mode_flags: &[&str], bindir: Option<&Path>, out: &Path, timeout: Duration, runs: usize) -> Result<RunOutcome, String> {
    let mut cmd = Command::new(arch.gcc);
    if let Some(b) = bindir {
        cmd.arg(format!("-B{}/", b.display()));
    }
    cmd.args(mode_flags).arg(obj).arg("-o").arg(out).arg("-lm");
    let _ = std::fs::remove_file(out);
    let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
    if !o.status.success() || !out.exists() {
        return Err(format!("link: {}: {}", o.status.describe(), proc::first_error_line(&o.stderr_str())));
    }
    let mut run = arch.run_command(out);
    if let Some(d) = out.parent() {
        run.current_dir(d);
    }
    let r = proc::run_limited(&mut run, timeout, 64 << 10);
    let mut stdout = format!("{:016x} ({} bytes)", fnv1a64(&r.stdout), r.stdout.len());
    for _ in 1..runs {
        let again = proc::run_limited(&mut run, timeout, 64 << 10);
        if again.stdout != r.stdout {
            stdout = UNSTABLE.to_string();
        }
    }
    let summary = format!("{} stdout={}", r.status.describe(), stdout);
    Ok(RunOutcome { ok: r.status.success(), summary })
}

const UNSTABLE: &str = "differs-between-runs";

/// Same exit status, and the same output unless the reference's output is unstable.
fn same(ours: &str, expect: &str) -> bool {
    match expect.strip_suffix(UNSTABLE) {
        Some(status) => ours.starts_with(status),
        None => ours == expect,
    }
}

impl Ld {
    fn one(&self, f: &Path, work: &Path, oracle: &Oracle, gcc_id: &str, bindir: &Path) -> TestResult {
        let name = test_name(f);
        let Ok(bytes) = std::fs::read(f) else { return TestResult::fail(name, "cannot read source", "") };
        let src = String::from_utf8_lossy(&bytes);
        let plan = dg::plan(&src, self.arch, "-O2");
        if let Some(why) = plan.skip {
            return TestResult::skip(name, why);
        }
        if !matches!(plan.action.as_deref(), None | Some("run")) {
            return TestResult::skip(name, "not a run test");
        }
        let mut flags = vec!["-O2".to_string()];
        flags.extend(plan.flags());
        let timeout = RUN_TIMEOUT.mul_f64(plan.timeout_factor.max(1.0));
        let tdir = work.join(name.trim_end_matches(".c"));
        let _ = std::fs::create_dir_all(&tdir);
        let obj = tdir.join("t.o");
        let mut cc = Command::new(self.arch.gcc);
        cc.arg("-c").arg(f).args(&flags).arg("-o").arg(&obj).current_dir(&tdir);
        let o = proc::run(&mut cc, COMPILE_TIMEOUT);
        if !o.status.success() {
            return TestResult::skip(name, format!("gcc -c fails: {}", proc::first_error_line(&o.stderr_str())));
        }
        let modes = self.mode_flags();
        let k = key(&[&bytes, flags.join(" ").as_bytes(), gcc_id.as_bytes(), self.arch.name.as_bytes(), self.mode.as_bytes(), b"v2"]);
        let gnu = oracle.get_or(&k, || match link_and_run(self.arch, &obj, modes, None, &tdir.join("gnu.out"), timeout, 2) {
            Ok(r) if r.ok => format!("pass {}", r.summary),
            Ok(r) => format!("fail {}", r.summary),
            Err(e) => format!("fail {e}"),
        });
        let Some(expect) = gnu.strip_prefix("pass ") else { return TestResult::skip(name, format!("GNU ld: {gnu}")) };
        match link_and_run(self.arch, &obj, modes, Some(bindir), &tdir.join("ccc.out"), timeout, 1) {
            Ok(r) if same(&r.summary, expect) => {
                let _ = std::fs::remove_dir_all(&tdir);
                TestResult::pass(name)
            }
            Ok(r) => TestResult::fail(name, format!("run differs: ccc-ld {} vs GNU ld {}", r.summary, expect), ""),
            Err(e) => TestResult::fail(name, e, ""),
        }
    }
}
