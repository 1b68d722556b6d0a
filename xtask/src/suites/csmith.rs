//! Differential testing with csmith: fixed seeds, GCC -O0 as the oracle, the compiler under
//! test at -O0 and -O2; the printed checksum must match.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::oracle::Oracle;
use crate::report::TestResult;
use crate::sample::{in_fast_sample, key};
use crate::suites::torture::{COMPILE_TIMEOUT, RUN_TIMEOUT};
use crate::{gccsrc, pool, proc};

pub const SEEDS: std::ops::RangeInclusive<u64> = 1..=1000;
/// Packed structs (`#pragma pack(1)`) make csmith take addresses of misaligned members,
/// which is undefined behaviour; everything else csmith generates is UB-free by design.
pub const CSMITH_OPTS: &[&str] = &["--no-packed-struct"];
const LEVELS: &[&str] = &["-O0", "-O2"];
const INCLUDE: &str = "-I/usr/include/csmith";

pub struct Csmith {
    pub arch: &'static Arch,
}

impl super::Suite for Csmith {
    fn name(&self) -> String {
        format!("csmith-{}", self.arch.name)
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let name = self.name();
        let csmith_id = {
            let o = proc::run(Command::new("csmith").arg("--version"), Duration::from_secs(30));
            if !o.status.success() {
                return Err(format!("csmith --version: {}", o.status.describe()));
            }
            o.stdout_str().replace('\n', " ")
        };
        let seeds: Vec<u64> = SEEDS.filter(|s| !ctx.fast || in_fast_sample(&ctx.host, &seed_name(*s))).collect();
        let work = ctx.work_dir(&name);
        let oracle = Oracle::load(ctx, &name);
        let gcc_id = gccsrc::compiler_id(self.arch.gcc);
        let per_seed = pool::par_map(&seeds, ctx.jobs, |s| self.one(ctx, *s, &work, &oracle, &gcc_id, &csmith_id));
        oracle.save();
        Ok(per_seed.into_iter().flatten().collect())
    }
}

fn seed_name(s: u64) -> String {
    format!("seed-{s:04}")
}

/// Compile and run; Ok(stdout) or Err((reason, detail)).
fn build_run(mut cmd: Command, arch: &Arch, src: &Path, opt: &str, out: &Path) -> Result<String, (String, String)> {
    cmd.arg(opt).arg("-w").arg(INCLUDE).arg(src).arg("-o").arg(out);
    let _ = std::fs::remove_file(out);
    let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
    if !o.status.success() || !out.exists() {
        let e = o.stderr_str();
        return Err((format!("compile {opt}: {}: {}", o.status.describe(), proc::first_error_line(&e)), proc::head_lines(&e, 40)));
    }
    let r = proc::run_limited(&mut arch.run_command(out), RUN_TIMEOUT, 64 << 10);
    if !r.status.success() {
        return Err((format!("run {opt}: {}", r.status.describe()), proc::head_lines(&r.stderr_str(), 20)));
    }
    Ok(r.stdout_str().trim().to_string())
}

impl Csmith {
    fn one(&self, ctx: &Ctx, seed: u64, work: &Path, oracle: &Oracle, gcc_id: &str, csmith_id: &str) -> Vec<TestResult> {
        let sname = seed_name(seed);
        let names: Vec<String> = LEVELS.iter().map(|l| format!("{sname}{l}")).collect();
        let tdir = work.join(&sname);
        let _ = std::fs::create_dir_all(&tdir);
        let src = tdir.join("t.c");
        let mut gen = Command::new("csmith");
        gen.arg("--seed").arg(seed.to_string()).args(CSMITH_OPTS).arg("-o").arg(&src);
        let g = proc::run(&mut gen, Duration::from_secs(60));
        if !g.status.success() {
            let why = format!("csmith: {}", g.status.describe());
            return names.into_iter().map(|n| TestResult::fail(n, why.clone(), g.stderr_str())).collect();
        }
        let k = key(&[csmith_id.as_bytes(), CSMITH_OPTS.join(" ").as_bytes(), &seed.to_le_bytes(), gcc_id.as_bytes(), self.arch.name.as_bytes()]);
        let expected = oracle.get_or(&k, || match build_run(ctx.gcc_command(self.arch), self.arch, &src, "-O0", &tdir.join("gcc.out")) {
            Ok(out) => format!("ok {out}"),
            Err((why, _)) => format!("bad {why}"),
        });
        let Some(expected) = expected.strip_prefix("ok ") else {
            return names.into_iter().map(|n| TestResult::skip(n, format!("gcc: {expected}"))).collect();
        };
        let mut results = Vec::new();
        let mut all_pass = true;
        for (level, name) in LEVELS.iter().zip(names) {
            let out = tdir.join(format!("test{level}.out"));
            match build_run(ctx.cc_command(self.arch), self.arch, &src, level, &out) {
                Ok(got) if got == expected => results.push(TestResult::pass(name)),
                Ok(got) => {
                    all_pass = false;
                    results.push(TestResult::fail(
                        name,
                        format!("wrong output: {:?}, gcc -O0: {:?}", proc::head_lines(&got, 1), proc::head_lines(expected, 1)),
                        format!("source: {}", ctx.show(&src)),
                    ))
                }
                Err((why, detail)) => {
                    all_pass = false;
                    results.push(TestResult::fail(name, why, format!("source: {}\n{detail}", ctx.show(&src))))
                }
            }
        }
        if all_pass {
            let _ = std::fs::remove_dir_all(&tdir);
        }
        results
    }
}
