//! `cargo test --workspace` (without xtask's own tests): one test per Rust unit test.

use std::process::Command;
use std::time::Duration;

use crate::ctx::Ctx;
use crate::proc;
use crate::report::TestResult;

pub struct Unit;

impl super::Suite for Unit {
    fn name(&self) -> String {
        "unit".to_string()
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(&ctx.root)
            .args(["test", "--workspace", "--exclude", "xtask", "--no-fail-fast", "--color", "never"])
            .env("RUST_BACKTRACE", "0");
        let o = proc::run_limited(&mut cmd, Duration::from_secs(3600), 32 << 20);
        let text = format!("{}\n{}", o.stdout_str(), o.stderr_str());
        let _ = std::fs::write(ctx.out.join("unit-output.txt"), &text);
        let results = parse(&text);
        let any_failed = results.iter().any(|r| matches!(r.verdict, crate::report::Verdict::Fail { .. }));
        if !o.status.success() && !any_failed {
            // Build failure (or a crash outside any test): one failure with the compiler error.
            let mut v = results;
            v.push(TestResult::fail(
                "cargo-test",
                format!("cargo test {}: {}", o.status.describe(), proc::first_error_line(&o.stderr_str())),
                proc::head_lines(&o.stderr_str(), 60),
            ));
            return Ok(v);
        }
        Ok(results)
    }
}

/// Parse libtest output: `test path::name ... ok|FAILED|ignored`, and the failure blocks.
/// Test names are prefixed by the test binary so equal names in two crates stay distinct.
fn parse(text: &str) -> Vec<TestResult> {
    let mut out = Vec::new();
    let mut binary = String::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some(r) = l.strip_prefix("Running ") {
            // "Running unittests src/lib.rs (target/debug/deps/ccc_ir-1234)"
            binary = r.rsplit('/').next().unwrap_or(r).trim_end_matches(')').split('-').next().unwrap_or("").to_string();
            continue;
        }
        if let Some(r) = l.strip_prefix("Doc-tests ") {
            binary = format!("doc-{r}");
            continue;
        }
        let Some(rest) = l.strip_prefix("test ") else { continue };
        let Some((name, status)) = rest.rsplit_once(" ... ") else { continue };
        let full = format!("{binary}::{}", name.trim());
        match status.trim() {
            "ok" => out.push(TestResult::pass(full)),
            s if s.starts_with("FAILED") => {
                let detail = failure_block(text, name.trim());
                out.push(TestResult::fail(full, format!("test failed: {}", proc::first_error_line(&detail)), detail));
            }
            _ => {}
        }
    }
    out
}

/// The `---- name stdout ----` block for a failed test.
fn failure_block(text: &str, name: &str) -> String {
    let marker = format!("---- {name} stdout ----");
    let Some(p) = text.find(&marker) else { return String::new() };
    let body = &text[p + marker.len()..];
    let end = body.find("\n---- ").or_else(|| body.find("\nfailures:")).unwrap_or(body.len());
    body[..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    use crate::report::Verdict;

    #[test]
    fn parses_libtest_output() {
        let out = "     Running unittests src/lib.rs (target/debug/deps/ccc_ir-0a1b)\n\
                   test a::b ... ok\ntest a::c ... FAILED\ntest a::d ... ignored\n\n\
                   failures:\n\n---- a::c stdout ----\nthread 'a::c' panicked at src/lib.rs:3:5:\nboom\n\nfailures:\n    a::c\n";
        let r = super::parse(out);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "ccc_ir::a::b");
        match &r[1].verdict {
            Verdict::Fail { reason, .. } => assert!(reason.contains("panicked"), "{reason}"),
            _ => panic!("expected a failure"),
        }
    }
}
