//! SQLite 3: the amalgamation is generated once on the host (GCC + tclsh; it is the same for
//! every target), then `sqlite3.c`, the shell and `test/speedtest1.c` are compiled with the
//! compiler under test and with the target's GCC (binaries run under qemu-user on a foreign
//! target). Checks: SQL scripts
//! in `xtask/projects/sqlite/` through the shell, and speedtest1 with `--verify`, outputs
//! compared with the GCC build (speedtest1's timing column is stripped), and
//! reproducibility: `sqlite3.c` compiled in two different directories gives the same bytes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{blocked, cached, compare_outputs, Compiler, Env, Project, StepErr, BUILD_TIMEOUT};
use crate::arch::Arch;
use crate::proc;
use crate::report::TestResult;

pub struct Sqlite;

const DEFS: &[&str] = &["-O2", "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION"];
const SPEEDTEST_SETS: &[&str] = &["main", "cte", "fp"];

fn generate(env: &Env, dir: &Path, log: &Path) -> Result<(), StepErr> {
    env.fresh_copy("sqlite3", dir)?;
    env.step(dir, log, Duration::from_secs(600), "./configure", &["--disable-tcl"], &[("CC", "gcc")])?;
    let jobs = env.ctx.jobs.to_string();
    env.step(dir, log, BUILD_TIMEOUT, "make", &["-j", &jobs, "sqlite3.c", "shell.c"], &[])?;
    Ok(())
}

/// The generated amalgamation, cached per host GCC (one generation serves every target).
pub fn amalgamation(env: &Env) -> Result<PathBuf, StepErr> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let host_gcc = crate::gccsrc::compiler_id("gcc");
    let key = crate::sample::key(&[host_gcc.as_bytes(), super::RECIPE.as_bytes()]);
    let cache = env.ctx.cache.join("projects").join(format!("sqlite3-amalgamation-{key}"));
    cached(&cache, |d| generate(env, d, &cache.join("build.log")))
}

/// The GCC reference: (amalgamation dir, dir of the binaries built from it by `arch`'s GCC).
fn reference_tree(env: &Env) -> Result<(PathBuf, PathBuf), StepErr> {
    let src = amalgamation(env)?;
    let tree = env.reference(|d| build_bins(env, &env.gcc, &src, &d.join("gcc-bin"), &env.refs.join("build.log")))?;
    Ok((src, tree.join("gcc-bin")))
}

/// Compile the shell and speedtest1 from the amalgamation in `src` into `out`.
fn build_bins(env: &Env, cc: &Compiler, src: &Path, out: &Path, log: &Path) -> Result<(), StepErr> {
    let _ = std::fs::create_dir_all(out);
    let s = |p: &str| src.join(p).display().to_string();
    let o = |p: &str| out.join(p).display().to_string();
    let inc = format!("-I{}", src.display());
    let mut args: Vec<String> = DEFS.iter().map(|s| s.to_string()).collect();
    args.extend(["-c".into(), s("sqlite3.c"), "-o".into(), o("sqlite3.o")]);
    env.compile(cc, out, log, &args.iter().map(String::as_str).collect::<Vec<_>>())?;
    for (main, bin) in [("shell.c", "sqlite3"), ("test/speedtest1.c", "speedtest1")] {
        let mut args: Vec<String> = DEFS.iter().map(|s| s.to_string()).collect();
        args.extend([inc.clone(), s(main), o("sqlite3.o"), "-o".into(), o(bin), "-lm".into()]);
        env.compile(cc, out, log, &args.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    Ok(())
}

/// Drop speedtest1's timing column (`....   0.123s`).
pub fn strip_timings(s: &str) -> String {
    let mut out = String::new();
    for l in s.lines() {
        let t = l.trim_end();
        let cut = match t.rsplit_once(char::is_whitespace) {
            Some((head, last)) if is_seconds(last) => head.trim_end(),
            _ => t,
        };
        out.push_str(cut);
        out.push('\n');
    }
    out
}

fn is_seconds(w: &str) -> bool {
    let Some(num) = w.strip_suffix('s') else { return false };
    !num.is_empty() && num.chars().all(|c| c.is_ascii_digit() || c == '.') && num.contains('.')
}

fn run_capture(arch: &Arch, bin: &Path, args: &[&str], input: Option<&Path>) -> String {
    let mut cmd = arch.run_command(bin);
    cmd.args(args);
    let o = proc::run_input(&mut cmd, Duration::from_secs(300), 64 << 20, input);
    format!("{}[{}]\n{}", o.stdout_str(), o.status.describe(), proc::first_error_line(&o.stderr_str()))
}

/// Compile `sqlite3.c` (self-contained) in two directories of different names and depths,
/// with relative paths as build systems use them; the objects must be identical.
fn reproducible(env: &Env, src: &Path) -> Result<(), StepErr> {
    let log = env.work.join("repro.log");
    let mut objects = Vec::new();
    for dir in [env.work.join("repro-a"), env.work.join("repro-b/elsewhere")] {
        let _ = std::fs::create_dir_all(&dir);
        std::fs::copy(src.join("sqlite3.c"), dir.join("sqlite3.c")).map_err(|e| (format!("copying sqlite3.c: {e}"), String::new()))?;
        let mut args: Vec<&str> = DEFS.to_vec();
        args.extend(["-c", "sqlite3.c", "-o", "sqlite3.o"]);
        env.compile(&env.cc, &dir, &log, &args)?;
        objects.push(std::fs::read(dir.join("sqlite3.o")).map_err(|e| (format!("reading sqlite3.o: {e}"), String::new()))?);
    }
    if objects[0] != objects[1] {
        let at = objects[0].iter().zip(&objects[1]).position(|(a, b)| a != b).unwrap_or(objects[0].len().min(objects[1].len()));
        return Err(("objects differ between build directories".into(), format!("sizes {} and {}, first difference at byte {at}", objects[0].len(), objects[1].len())));
    }
    Ok(())
}

fn scripts(env: &Env) -> Vec<PathBuf> {
    let dir = env.ctx.root.join("xtask/projects/sqlite");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    v.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    v.sort();
    v
}

impl Project for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite3"
    }
    fn fast(&self) -> bool {
        false
    }
    fn cross(&self) -> bool {
        true
    }
    fn run(&self, env: &Env) -> Vec<TestResult> {
        let scripts = scripts(env);
        let mut names = vec!["sqlite3-build".to_string()];
        names.extend(scripts.iter().map(|s| format!("sqlite3-{}", s.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default())));
        names.extend(SPEEDTEST_SETS.iter().map(|t| format!("sqlite3-speedtest1-{t}")));
        names.push("sqlite3-reproducible".to_string());
        let (src, refbin) = match reference_tree(env) {
            Ok(d) => d,
            Err((why, _)) => return names.iter().map(|n| TestResult::skip(n, format!("gcc build failed: {why}"))).collect(),
        };
        let bin = env.work.join("bin");
        if let Err((why, detail)) = build_bins(env, &env.cc, &src, &bin, &env.work.join("build.log")) {
            let mut r = vec![TestResult::fail(&names[0], why, detail)];
            r.extend(blocked(&names[1..], "build failed"));
            return r;
        }
        let mut r = vec![TestResult::pass(&names[0])];
        let mut it = names[1..].iter();
        let check = |name: &String, want: String, got: String, r: &mut Vec<TestResult>| {
            if !want.contains("[exit 0]") {
                r.push(TestResult::skip(name, format!("gcc build fails: {}", proc::head_lines(&want, 1))));
                return;
            }
            r.push(match compare_outputs(name, &got, &want) {
                Ok(()) => TestResult::pass(name),
                Err((why, detail)) => TestResult::fail(name, why, detail),
            });
        };
        for s in &scripts {
            let Some(name) = it.next() else { break };
            let args = ["-batch", ":memory:"];
            check(name, run_capture(env.arch, &refbin.join("sqlite3"), &args, Some(s)), run_capture(env.arch, &bin.join("sqlite3"), &args, Some(s)), &mut r);
        }
        for t in SPEEDTEST_SETS {
            let Some(name) = it.next() else { break };
            let args = ["--memdb", "--verify", "--size", "5", "--testset", t];
            let want = strip_timings(&run_capture(env.arch, &refbin.join("speedtest1"), &args, None));
            let got = strip_timings(&run_capture(env.arch, &bin.join("speedtest1"), &args, None));
            check(name, want, got, &mut r);
        }
        if let Some(name) = it.next() {
            r.push(match reproducible(env, &src) {
                Ok(()) => TestResult::pass(name),
                Err((why, detail)) => TestResult::fail(name, why, detail),
            });
        }
        r
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_timing_column() {
        let s = " 100 - 5000 INSERTs into table with no index...................    0.012s\nVerification Hash: 123 abc\n       TOTAL.......    1.5s\n";
        assert_eq!(
            super::strip_timings(s),
            " 100 - 5000 INSERTs into table with no index...................\nVerification Hash: 123 abc\n       TOTAL.......\n"
        );
    }
}
