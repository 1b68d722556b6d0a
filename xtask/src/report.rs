//! Test verdicts and the per-suite log files.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::ctx::Ctx;

pub enum Verdict {
    Pass,
    /// `reason` is one line; `detail` (compiler stderr, output diffs) goes below in the log.
    Fail { reason: String, detail: String },
    /// Not counted: GCC itself fails, or the test does not apply to this target.
    Skip(String),
}

pub struct TestResult {
    pub name: String,
    pub verdict: Verdict,
}

impl TestResult {
    pub fn pass(name: impl Into<String>) -> TestResult {
        TestResult { name: name.into(), verdict: Verdict::Pass }
    }
    pub fn fail(name: impl Into<String>, reason: impl Into<String>, detail: impl Into<String>) -> TestResult {
        let reason = reason.into().replace('\n', " ");
        TestResult { name: name.into(), verdict: Verdict::Fail { reason, detail: detail.into() } }
    }
    pub fn skip(name: impl Into<String>, why: impl Into<String>) -> TestResult {
        TestResult { name: name.into(), verdict: Verdict::Skip(why.into().replace('\n', " ")) }
    }
}

pub struct SuiteReport {
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    pub log: PathBuf,
}

const DETAIL_LIMIT: usize = 4000;

/// Write `target/xtask/NAME.log` (ERROR lines first, then details) and `NAME.results`
/// (one `PASS`/`FAIL`/`SKIP` line per test, for diffing two runs).
pub fn write(ctx: &Ctx, suite: &str, mut results: Vec<TestResult>, elapsed_s: f64) -> SuiteReport {
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let passed = results.iter().filter(|r| matches!(r.verdict, Verdict::Pass)).count();
    let failed = results.iter().filter(|r| matches!(r.verdict, Verdict::Fail { .. })).count();
    let skipped = results.len() - passed - failed;

    let mut log = String::new();
    let _ = writeln!(
        log,
        "# {suite}: {passed} passed, {failed} failed, {skipped} not counted; {} run on host {}, compiler {}, {:.0} s",
        if ctx.fast { "fast" } else { "full" },
        ctx.host,
        ctx.cc.program.display(),
        elapsed_s
    );
    for r in &results {
        if let Verdict::Fail { reason, .. } = &r.verdict {
            let _ = writeln!(log, "ERROR {} {}", r.name, reason);
        }
    }
    if skipped > 0 {
        let _ = writeln!(log, "\n# not counted (the reference compiler fails, or the test does not apply):");
        for r in &results {
            if let Verdict::Skip(why) = &r.verdict {
                let _ = writeln!(log, "SKIP {} {}", r.name, why);
            }
        }
    }
    let _ = writeln!(log, "\n# details");
    for r in &results {
        if let Verdict::Fail { detail, .. } = &r.verdict {
            if detail.trim().is_empty() {
                continue;
            }
            let _ = writeln!(log, "=== {}", r.name);
            let mut d = detail.trim_end().to_string();
            if d.len() > DETAIL_LIMIT {
                let mut cut = DETAIL_LIMIT;
                while !d.is_char_boundary(cut) {
                    cut -= 1;
                }
                d.truncate(cut);
                d.push_str("\n[... truncated]");
            }
            let _ = writeln!(log, "{d}");
        }
    }
    let path = ctx.out.join(format!("{suite}.log"));
    let _ = std::fs::write(&path, log);

    let mut list = String::new();
    for r in &results {
        let tag = match r.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail { .. } => "FAIL",
            Verdict::Skip(_) => "SKIP",
        };
        let _ = writeln!(list, "{tag} {}", r.name);
    }
    let _ = std::fs::write(ctx.out.join(format!("{suite}.results")), list);
    SuiteReport { name: suite.to_string(), passed, failed, log: path }
}
