//! Lua 5.4: build the interpreter (`make linux`), run the scripts in `xtask/projects/lua/`
//! and compare stdout and exit status with a GCC-built interpreter (both under qemu-user on
//! a foreign target).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{blocked, compare_outputs, Compiler, Env, Project, StepErr, BUILD_TIMEOUT};
use crate::arch::Arch;
use crate::proc;
use crate::report::TestResult;

pub struct Lua;

fn build(env: &Env, cc: &Compiler, dir: &Path, log: &Path) -> Result<(), StepErr> {
    env.fresh_copy("lua5.4", dir)?;
    let _ = std::fs::remove_file(log);
    let jobs = env.ctx.jobs.to_string();
    let cc_var = format!("CC={} -std=gnu99", cc.make_var());
    // The archive index must be written by binutils that know the target's objects.
    let ar_var = format!("AR={} rcu", env.binutil("ar"));
    let ranlib_var = format!("RANLIB={}", env.binutil("ranlib"));
    env.step(dir, log, BUILD_TIMEOUT, "make", &["-j", &jobs, "linux", &cc_var, &ar_var, &ranlib_var], &[])?;
    Ok(())
}

fn scripts(env: &Env) -> Vec<PathBuf> {
    let dir = env.ctx.root.join("xtask/projects/lua");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    v.retain(|p| p.extension().is_some_and(|e| e == "lua"));
    v.sort();
    v
}

fn run_script(arch: &Arch, lua: &Path, script: &Path) -> String {
    let mut cmd = arch.run_command(lua);
    cmd.arg(script);
    if let Some(d) = script.parent() {
        cmd.current_dir(d);
    }
    let o = proc::run_limited(&mut cmd, Duration::from_secs(60), 16 << 20);
    format!("{}[{}]\n{}", o.stdout_str(), o.status.describe(), proc::first_error_line(&o.stderr_str()))
}

impl Project for Lua {
    fn name(&self) -> &'static str {
        "lua"
    }
    fn fast(&self) -> bool {
        true
    }
    fn cross(&self) -> bool {
        true
    }
    fn run(&self, env: &Env) -> Vec<TestResult> {
        let scripts = scripts(env);
        let mut names = vec!["lua-build".to_string()];
        names.extend(scripts.iter().map(|s| format!("lua-{}", s.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default())));
        let refdir = match env.reference(|d| build(env, &env.gcc, d, &env.refs.join("build.log"))) {
            Ok(d) => d,
            Err((why, _)) => return names.iter().map(|n| TestResult::skip(n, format!("gcc build failed: {why}"))).collect(),
        };
        let dir = env.work.join("tree");
        let log = env.work.join("build.log");
        if let Err((why, detail)) = build(env, &env.cc, &dir, &log) {
            let mut r = vec![TestResult::fail(&names[0], why, detail)];
            r.extend(blocked(&names[1..], "build failed"));
            return r;
        }
        let mut r = vec![TestResult::pass(&names[0])];
        for (script, name) in scripts.iter().zip(&names[1..]) {
            let want = run_script(env.arch, &refdir.join("src/lua"), script);
            if !want.contains("[exit 0]") {
                r.push(TestResult::skip(name, format!("gcc-built lua fails: {}", proc::head_lines(&want, 1))));
                continue;
            }
            let got = run_script(env.arch, &dir.join("src/lua"), script);
            r.push(match compare_outputs(name, &got, &want) {
                Ok(()) => TestResult::pass(name),
                Err((why, detail)) => TestResult::fail(name, why, detail),
            });
        }
        r
    }
}
