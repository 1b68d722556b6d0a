//! zlib: build with `./configure --static && make`, run its own `make teststatic`, and
//! check that `minigzip` output is byte-identical to the GCC build's and decompresses with it.

use std::path::Path;
use std::time::Duration;

use super::{blocked, Env, Project, StepErr, BUILD_TIMEOUT};
use crate::proc;
use crate::report::TestResult;

pub struct Zlib;

fn build(env: &Env, cc: &str, dir: &Path, log: &Path) -> Result<(), StepErr> {
    env.fresh_copy("zlib", dir)?;
    let _ = std::fs::remove_file(log);
    env.step(dir, log, Duration::from_secs(600), "./configure", &["--static"], &[("CC", cc), ("CFLAGS", "-O2")])?;
    let jobs = env.ctx.jobs.to_string();
    env.step(dir, log, BUILD_TIMEOUT, "make", &["-j", &jobs, "libz.a", "example", "minigzip"], &[])?;
    Ok(())
}

/// Deterministic input: the zlib sources themselves, concatenated in name order.
fn corpus(dir: &Path) -> Vec<u8> {
    let mut files: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "c" || e == "h"));
    files.sort();
    files.iter().flat_map(|f| std::fs::read(f).unwrap_or_default()).collect()
}

fn gzip(bin: &Path, args: &[&str], input: &Path) -> Result<Vec<u8>, StepErr> {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args);
    let o = proc::run_input(&mut cmd, Duration::from_secs(60), 256 << 20, Some(input));
    if o.status.success() {
        Ok(o.stdout)
    } else {
        Err((format!("{} {}: {}", bin.display(), args.join(" "), o.status.describe()), o.stderr_str()))
    }
}

fn roundtrip(env: &Env, refdir: &Path, dir: &Path) -> Result<(), StepErr> {
    let input = env.work.join("corpus");
    let data = corpus(refdir);
    std::fs::write(&input, &data).map_err(|e| (format!("writing corpus: {e}"), String::new()))?;
    let ours = gzip(&dir.join("minigzip"), &["-9"], &input)?;
    let theirs = gzip(&refdir.join("minigzip"), &["-9"], &input)?;
    if ours != theirs {
        return Err(("compressed output differs from the gcc build's".into(), format!("{} vs {} bytes", ours.len(), theirs.len())));
    }
    let gz = env.work.join("corpus.gz");
    std::fs::write(&gz, &ours).map_err(|e| (format!("writing: {e}"), String::new()))?;
    if gzip(&dir.join("minigzip"), &["-d"], &gz)? != data {
        return Err(("decompressing gives different data".into(), String::new()));
    }
    Ok(())
}

impl Project for Zlib {
    fn name(&self) -> &'static str {
        "zlib"
    }
    fn cross(&self) -> bool {
        false
    }
    fn fast(&self) -> bool {
        true
    }
    fn run(&self, env: &Env) -> Vec<TestResult> {
        let names = ["zlib-build", "zlib-check", "zlib-minigzip"].map(String::from);
        let refdir = match env.reference(|d| build(env, &env.gcc.make_var(), d, &env.refs.join("build.log"))) {
            Ok(d) => d,
            Err((why, _)) => return names.iter().map(|n| TestResult::skip(n, format!("gcc build failed: {why}"))).collect(),
        };
        let dir = env.work.join("tree");
        let log = env.work.join("build.log");
        if let Err((why, detail)) = build(env, &env.cc.make_var(), &dir, &log) {
            let mut r = vec![TestResult::fail(&names[0], why, detail)];
            r.extend(blocked(&names[1..], "build failed"));
            return r;
        }
        let mut r = vec![TestResult::pass(&names[0])];
        r.push(match env.step(&dir, &env.work.join("check.log"), Duration::from_secs(300), "make", &["teststatic"], &[]) {
            Ok(o) if o.stdout_str().contains("*** zlib test OK ***") => TestResult::pass(&names[1]),
            Ok(o) => TestResult::fail(&names[1], "make teststatic: no \"zlib test OK\"", o.stdout_str()),
            Err((why, detail)) => TestResult::fail(&names[1], why, detail),
        });
        r.push(match roundtrip(env, &refdir, &dir) {
            Ok(()) => TestResult::pass(&names[2]),
            Err((why, detail)) => TestResult::fail(&names[2], why, detail),
        });
        r
    }
}
