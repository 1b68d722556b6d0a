//! Redis 7: build server, cli and benchmark (bundled deps, libc malloc, no TLS); start the
//! server on a free loopback port and run `redis-benchmark -q -n 10000`, then a subset of
//! the Tcl test suite (`./runtest --single ...`), each compared with the GCC build.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{blocked, Env, Project, StepErr, BUILD_TIMEOUT};
use crate::proc;
use crate::report::TestResult;

pub struct Redis;

const UNITS: &[&str] = &["unit/type/string", "unit/type/incr", "unit/type/list", "unit/type/hash", "unit/expire", "unit/keyspace"];

fn build(env: &Env, cc: &str, dir: &Path, log: &Path) -> Result<(), StepErr> {
    env.fresh_copy("redis", dir)?;
    let _ = std::fs::remove_file(log);
    let jobs = env.ctx.jobs.to_string();
    let cc_var = format!("CC={cc}");
    env.step(dir, log, BUILD_TIMEOUT, "make", &["-j", &jobs, "MALLOC=libc", "BUILD_TLS=no", "OPTIMIZATION=-O2", "V=1", &cc_var], &[])?;
    Ok(())
}

fn free_port() -> Option<u16> {
    std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok().map(|a| a.port())
}

/// A server process (its own process group) that is killed when dropped.
struct Server(libc::pid_t);

impl Drop for Server {
    fn drop(&mut self) {
        unsafe {
            libc::killpg(self.0, libc::SIGKILL);
            libc::waitpid(self.0, std::ptr::null_mut(), 0);
        }
    }
}

fn start_server(dir: &Path, port: u16, log: &Path) -> Result<Server, StepErr> {
    let out = std::fs::File::create(log).map_err(|e| (format!("{}: {e}", log.display()), String::new()))?;
    let err = out.try_clone().map_err(|e| (e.to_string(), String::new()))?;
    let child = Command::new(dir.join("src/redis-server"))
        .current_dir(dir)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| (format!("starting redis-server: {e}"), String::new()))?;
    let server = Server(child.id() as libc::pid_t);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let o = proc::run(Command::new(dir.join("src/redis-cli")).args(["-p", &port.to_string(), "ping"]), Duration::from_secs(5));
        if o.stdout_str().contains("PONG") {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(("redis-server did not answer PING within 20 s".into(), std::fs::read_to_string(log).unwrap_or_default()))
}

/// Test names reported by `redis-benchmark -q` (one per line ending in "requests per second").
fn benchmark(dir: &Path, work: &Path, tag: &str) -> Result<Vec<String>, StepErr> {
    let port = free_port().ok_or(("no free port".to_string(), String::new()))?;
    let _server = start_server(dir, port, &work.join(format!("server-{tag}.log")))?;
    let o = proc::run_limited(
        Command::new(dir.join("src/redis-benchmark")).args(["-p", &port.to_string(), "-q", "-n", "10000"]),
        Duration::from_secs(600),
        4 << 20,
    );
    if !o.status.success() {
        return Err((format!("redis-benchmark: {}", o.status.describe()), o.stderr_str()));
    }
    let text = o.stdout_str();
    let mut names: Vec<String> = text
        .split(['\r', '\n'])
        .filter(|l| l.contains("requests per second"))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_string()))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn runtest(env: &Env, dir: &Path, log: &Path) -> Result<(), StepErr> {
    // The servers' unix sockets live in tests/tmp and their paths must stay under 108 bytes:
    // point tests/tmp at a short directory (Tcl's `file normalize` resolves the link).
    let short = std::env::temp_dir().join(format!("ccc-redis-{}", &crate::sample::key(&[dir.display().to_string().as_bytes()])[..12]));
    let _ = std::fs::remove_dir_all(&short);
    std::fs::create_dir_all(&short).map_err(|e| (format!("{}: {e}", short.display()), String::new()))?;
    let link = dir.join("tests/tmp");
    let _ = std::fs::remove_dir_all(&link).or_else(|_| std::fs::remove_file(&link));
    std::os::unix::fs::symlink(&short, &link).map_err(|e| (format!("{}: {e}", link.display()), String::new()))?;
    let r = runtest_in(env, dir, log);
    let _ = std::fs::remove_dir_all(&short);
    r
}

fn runtest_in(env: &Env, dir: &Path, log: &Path) -> Result<(), StepErr> {
    let port = free_port().unwrap_or(21111).to_string();
    let mut args = vec!["--clients", "2", "--baseport", &port, "--portcount", "500"];
    for u in UNITS {
        args.extend(["--single", u]);
    }
    let o = env.step(dir, log, Duration::from_secs(1800), "./runtest", &args, &[])?;
    if o.stdout_str().contains("All tests passed without errors") {
        Ok(())
    } else {
        Err(("runtest: no \"All tests passed\"".into(), super::tail(&o.stdout_str(), 30)))
    }
}

impl Project for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn fast(&self) -> bool {
        false
    }
    fn run(&self, env: &Env) -> Vec<TestResult> {
        let names = ["redis-build", "redis-benchmark", "redis-runtest"].map(String::from);
        let refdir = match env.reference(|d| build(env, "gcc", d, &env.refs.join("build.log"))) {
            Ok(d) => d,
            Err((why, _)) => return names.iter().map(|n| TestResult::skip(n, format!("gcc build failed: {why}"))).collect(),
        };
        let dir = env.work.join("tree");
        if let Err((why, detail)) = build(env, &env.cc, &dir, &env.work.join("build.log")) {
            let mut r = vec![TestResult::fail(&names[0], why, detail)];
            r.extend(blocked(&names[1..], "build failed"));
            return r;
        }
        let mut r = vec![TestResult::pass(&names[0])];
        r.push(match (benchmark(&refdir, &env.work, "gcc"), benchmark(&dir, &env.work, "test")) {
            (Err((why, _)), _) => TestResult::skip(&names[1], format!("gcc build: {why}")),
            (Ok(want), Ok(got)) if want == got => TestResult::pass(&names[1]),
            (Ok(want), Ok(got)) => TestResult::fail(&names[1], "benchmark ran different tests than the gcc build", format!("gcc: {want:?}\ngot: {got:?}")),
            (Ok(_), Err((why, detail))) => TestResult::fail(&names[1], why, detail),
        });
        // The reference result is cached: the Tcl suite takes minutes.
        let ref_mark = env.refs.join("runtest.result");
        let ref_ok = match std::fs::read_to_string(&ref_mark) {
            Ok(s) => s.trim() == "pass",
            Err(_) => {
                let ok = runtest(env, &refdir, &env.refs.join("runtest.log")).is_ok();
                let _ = std::fs::write(&ref_mark, if ok { "pass" } else { "fail" });
                ok
            }
        };
        r.push(if !ref_ok {
            TestResult::skip(&names[2], "gcc build fails the runtest subset")
        } else {
            match runtest(env, &dir, &env.work.join("runtest.log")) {
                Ok(()) => TestResult::pass(&names[2]),
                Err((why, detail)) => TestResult::fail(&names[2], why, detail),
            }
        });
        r
    }
}
