//! Redis 7: build server, cli and benchmark (bundled deps, libc malloc, no TLS); start the
//! server on a free loopback port and run `redis-benchmark -q -n 10000`, then the complete
//! Tcl test suite (`./runtest`), each compared with the GCC build: every runtest test that
//! passes with GCC must pass. Units with failures are re-run (the tests are timing-sensitive)
//! before a failure counts, for both builds alike.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{blocked, Env, Project, StepErr, BUILD_TIMEOUT};
use crate::proc;
use crate::report::TestResult;

pub struct Redis;

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

/// Which part of the Tcl suite `redis-runtest` runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scope {
    /// Every unit in `./runtest`'s default list: what the bar asks for.
    Full,
    /// Six core data-type units, two minutes instead of a quarter of an hour; chosen with
    /// `CCC_REDIS_RUNTEST=quick` when iterating on a fix. Its test is named differently so
    /// that it is never mistaken for the complete suite.
    Quick,
}

const QUICK_UNITS: &[&str] = &["unit/type/string", "unit/type/incr", "unit/type/list", "unit/type/hash", "unit/expire", "unit/keyspace"];

impl Scope {
    fn from_env() -> Scope {
        match std::env::var("CCC_REDIS_RUNTEST").as_deref() {
            Ok("quick") => Scope::Quick,
            _ => Scope::Full,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Scope::Full => "full",
            Scope::Quick => "quick",
        }
    }

    fn test_name(self) -> &'static str {
        match self {
            Scope::Full => "redis-runtest",
            Scope::Quick => "redis-runtest-quick",
        }
    }

    /// The `./runtest` arguments that select the units.
    fn selection(self) -> Vec<&'static str> {
        match self {
            Scope::Full => Vec::new(),
            Scope::Quick => QUICK_UNITS.iter().flat_map(|u| ["--single", *u]).collect(),
        }
    }
}

/// Rounds of re-running the units with failures before a failure counts: Redis's tests
/// measure time and flake on a loaded 2-core machine.
const RETRY_ROUNDS: usize = 2;
/// Wall-clock limits of one `./runtest`: the whole suite, or one unit being retried.
const SUITE_TIMEOUT: Duration = Duration::from_secs(4 * 3600);
const UNIT_TIMEOUT: Duration = Duration::from_secs(3600);

/// A failed test: its name and the unit it belongs to (`None` when the runner's message
/// names no test file, e.g. a server that cannot start).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Failure {
    unit: Option<String>,
    name: String,
}

impl Failure {
    /// From `NAME in tests/UNIT.tcl`, the text after `[err]: `.
    fn parse(text: &str) -> Failure {
        match text.rsplit_once(" in tests/") {
            Some((name, file)) => Failure { unit: Some(file.strip_suffix(".tcl").unwrap_or(file).to_string()), name: name.to_string() },
            None => Failure { unit: None, name: text.to_string() },
        }
    }

    fn describe(&self) -> String {
        match &self.unit {
            Some(u) => format!("{} (in {u})", self.name),
            None => self.name.clone(),
        }
    }
}

/// What one or more `./runtest` runs report, test by test.
#[derive(Clone, Debug, Default, PartialEq)]
struct Outcome {
    /// How many times each test name passed: a few names repeat within and across units.
    passed: BTreeMap<String, usize>,
    failed: BTreeMap<Failure, usize>,
    /// Units the runner reported finished (`[N/M done]: UNIT`), and the tests it runs alone
    /// at the end (`[84/84 done]: defrag`).
    done: BTreeSet<String>,
    /// `[skip]` and `[ignore]` lines: tests filtered out by name or tag (e.g. large-memory).
    skipped: usize,
    /// Why the runner stopped before its closing summary (`[exception]`, `[TIMEOUT]`, ...).
    aborted: Option<String>,
}

/// `[ok]: NAME (12 ms)` -> NAME.
fn passed_test_name(text: &str) -> &str {
    match text.rsplit_once(" (") {
        Some((name, elapsed)) if elapsed.ends_with(" ms)") => name,
        _ => text,
    }
}

/// `[12/85 done]: unit/type/list (40 seconds)` -> `unit/type/list`.
fn finished_unit(line: &str) -> Option<&str> {
    let (progress, rest) = line.strip_prefix('[')?.split_once(" done]: ")?;
    let (n, m) = progress.split_once('/')?;
    if !n.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(rest.rsplit_once(" (").map_or(rest, |(unit, _)| unit))
}

/// Drop terminal colour sequences (`ESC [ ... m`): the runner colours its verdicts when TERM
/// looks like xterm.
fn strip_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn count<K: Ord>(map: &mut BTreeMap<K, usize>, key: K, n: usize) {
    if n > 0 {
        *map.entry(key).or_default() += n;
    }
}

/// Parse the output of `./runtest`. Failures are reported twice, as they happen and in the
/// closing "The following tests failed" list; per test the larger count of the two is kept,
/// so that neither a truncated run nor a missing summary loses one.
fn parse_runtest(text: &str) -> Outcome {
    let mut o = Outcome::default();
    let mut live = BTreeMap::new();
    let mut summary = BTreeMap::new();
    let mut finished = false;
    for raw in text.lines() {
        let stripped = strip_colours(raw);
        let line = stripped.trim_end();
        if let Some(rest) = line.strip_prefix("[ok]: ") {
            count(&mut o.passed, passed_test_name(rest).to_string(), 1);
        } else if let Some(rest) = line.strip_prefix("[err]: ") {
            count(&mut live, Failure::parse(rest), 1);
        } else if let Some(rest) = line.strip_prefix("*** [err]: ") {
            count(&mut summary, Failure::parse(rest), 1);
        } else if line.starts_with("[exception]: ") || line.starts_with("[TIMEOUT]: ") {
            o.aborted.get_or_insert_with(|| line.to_string());
        } else if line.starts_with("[skip]: ") || line.starts_with("[ignore]: ") {
            o.skipped += 1;
        } else if let Some(unit) = finished_unit(line) {
            o.done.insert(unit.to_string());
        } else if line.trim() == "The End" {
            finished = true;
        }
    }
    for (f, n) in summary {
        let seen = live.entry(f).or_default();
        *seen = (*seen).max(n);
    }
    o.failed = live;
    if !finished {
        o.aborted.get_or_insert_with(|| "the output ends before the runner's closing summary".to_string());
    }
    o
}

impl Outcome {
    fn passed_count(&self) -> usize {
        self.passed.values().sum()
    }

    fn failed_count(&self) -> usize {
        self.failed.values().sum()
    }

    fn describe(&self) -> String {
        let mut s = format!("{} passed, {} failed, {} skipped by name or tag; {} units and solo tests finished", self.passed_count(), self.failed_count(), self.skipped, self.done.len());
        if let Some(why) = &self.aborted {
            s.push_str(&format!("; stopped early: {why}"));
        }
        s
    }

    fn failures_in<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = (&'a Failure, usize)> + 'a {
        self.failed.iter().filter(move |(f, _)| f.unit.as_deref() == Some(unit)).map(|(f, n)| (f, *n))
    }

    /// Units of `expected` (in that order) with a failure or that never finished.
    fn units_to_retry(&self, expected: &[String]) -> Vec<String> {
        expected.iter().filter(|u| !self.done.contains(*u) || self.failures_in(u).next().is_some()).cloned().collect()
    }

    /// Why `unit` is run again, for the log.
    fn retry_reason(&self, unit: &str) -> String {
        if !self.done.contains(unit) {
            return "did not finish".to_string();
        }
        let names: Vec<&str> = self.failures_in(unit).map(|(f, _)| f.name.as_str()).collect();
        format!("failed: {}", names.join("; "))
    }

    /// Fold in `retry`, a run of `unit` alone. In a unit that finished, a failure that the
    /// re-run passes and does not repeat was timing noise: it counts as passed. A unit that
    /// never finished takes the re-run's results. (Its tests that passed before the first run
    /// stopped are then counted twice; that only matters for names that also occur in
    /// another unit.)
    fn absorb_retry(&mut self, unit: &str, retry: &Outcome) {
        if self.done.contains(unit) {
            self.forgive_flaky(unit, retry);
        } else {
            self.replace_unfinished(unit, retry);
        }
    }

    fn forgive_flaky(&mut self, unit: &str, retry: &Outcome) {
        let failures: Vec<(Failure, usize)> = self.failures_in(unit).map(|(f, n)| (f.clone(), n)).collect();
        for (failure, n) in failures {
            let repeated = retry.failed.get(&failure).copied().unwrap_or(0);
            let passed_now = retry.passed.get(&failure.name).copied().unwrap_or(0);
            let forgiven = n.saturating_sub(repeated).min(passed_now);
            count(&mut self.passed, failure.name.clone(), forgiven);
            if forgiven == n {
                self.failed.remove(&failure);
            } else if let Some(left) = self.failed.get_mut(&failure) {
                *left -= forgiven;
            }
        }
    }

    fn replace_unfinished(&mut self, unit: &str, retry: &Outcome) {
        self.failed.retain(|f, _| f.unit.as_deref() != Some(unit));
        for (name, n) in &retry.passed {
            count(&mut self.passed, name.clone(), *n);
        }
        for (f, n) in retry.failures_in(unit) {
            count(&mut self.failed, f.clone(), n);
        }
        if retry.done.contains(unit) {
            self.done.insert(unit.to_string());
        }
    }

    /// A line-based form for caching the reference result: `pass<TAB>N<TAB>NAME`,
    /// `fail<TAB>N<TAB>UNIT<TAB>NAME` (UNIT `-` when unknown), `done<TAB>UNIT`,
    /// `skipped<TAB>N`, `aborted<TAB>WHY`.
    fn to_text(&self) -> String {
        let mut s = String::new();
        for (name, n) in &self.passed {
            s.push_str(&format!("pass\t{n}\t{name}\n"));
        }
        for (f, n) in &self.failed {
            s.push_str(&format!("fail\t{n}\t{}\t{}\n", f.unit.as_deref().unwrap_or("-"), f.name));
        }
        for unit in &self.done {
            s.push_str(&format!("done\t{unit}\n"));
        }
        s.push_str(&format!("skipped\t{}\n", self.skipped));
        if let Some(why) = &self.aborted {
            s.push_str(&format!("aborted\t{}\n", why.replace('\n', " ")));
        }
        s
    }

    /// Inverse of `to_text`; lines it does not understand are ignored.
    fn from_text(text: &str) -> Outcome {
        let mut o = Outcome::default();
        for line in text.lines() {
            let Some((kind, rest)) = line.split_once('\t') else { continue };
            match kind {
                "pass" => {
                    if let Some((n, name)) = rest.split_once('\t') {
                        count(&mut o.passed, name.to_string(), n.parse().unwrap_or(0));
                    }
                }
                "fail" => {
                    if let [n, unit, name] = rest.splitn(3, '\t').collect::<Vec<_>>()[..] {
                        let unit = (unit != "-").then(|| unit.to_string());
                        count(&mut o.failed, Failure { unit, name: name.to_string() }, n.parse().unwrap_or(0));
                    }
                }
                "done" => {
                    o.done.insert(rest.to_string());
                }
                "skipped" => o.skipped = rest.parse().unwrap_or(0),
                "aborted" => o.aborted = Some(rest.to_string()),
                _ => {}
            }
        }
        o
    }
}

/// Tests that the suite repeats for a fixed time rather than a fixed number of times, with
/// random numbers in their names: `integration/psync2` runs replication-layout cycles for
/// 40 s ("PSYNC2: --- CYCLE 6 ---", "... after load (x = 47930)") and `psync2-reg` kills
/// replicas for 20 s, so a slower or busier run has fewer of them and other names.
const TIME_BOUNDED_PREFIXES: &[&str] = &["PSYNC2: ", "PSYNC2 #3899 regression: "];

/// The shape of a time-bounded test (each run of digits after the prefix masked as `#`),
/// so that "CYCLE 5" and "CYCLE 6" are one test; `None` for every other test.
fn time_bounded_shape(name: &str) -> Option<String> {
    let prefix = TIME_BOUNDED_PREFIXES.iter().find(|p| name.starts_with(*p))?;
    let mut shape = prefix.to_string();
    for c in name[prefix.len()..].chars() {
        if !c.is_ascii_digit() {
            shape.push(c);
        } else if !shape.ends_with('#') {
            shape.push('#');
        }
    }
    Some(shape)
}

/// What a test is compared by: its name, or its shape if it is time-bounded.
fn comparison_name(name: &str) -> String {
    time_bounded_shape(name).unwrap_or_else(|| name.to_string())
}

/// Passes by comparison name. A time-bounded shape counts once, and not at all when any
/// instance of it failed: its number of instances says nothing about the compiler.
fn comparable_passes(o: &Outcome) -> BTreeMap<String, usize> {
    let mut passes = BTreeMap::new();
    for (name, &n) in &o.passed {
        match time_bounded_shape(name) {
            Some(shape) => {
                passes.insert(shape, 1);
            }
            None => count(&mut passes, name.clone(), n),
        }
    }
    for f in o.failed.keys() {
        if let Some(shape) = time_bounded_shape(&f.name) {
            passes.insert(shape, 0);
        }
    }
    passes
}

/// A test that passes with GCC more often than with the compiler under test.
#[derive(Debug, PartialEq)]
struct Regression {
    name: String,
    want: usize,
    got: usize,
}

fn regressions(reference: &Outcome, got: &Outcome) -> Vec<Regression> {
    let got = comparable_passes(got);
    comparable_passes(reference)
        .into_iter()
        .filter_map(|(name, want)| {
            let got = got.get(&name).copied().unwrap_or(0);
            (got < want).then_some(Regression { name, want, got })
        })
        .collect()
}

/// One line per regression, with where the test failed (or that it never reported).
fn explain(regressions: &[Regression], got: &Outcome) -> String {
    let mut s = String::new();
    for r in regressions {
        let failed: Vec<String> = got.failed.keys().filter(|f| comparison_name(&f.name) == r.name).map(|f| f.describe()).collect();
        let what = if failed.is_empty() { "no result reported".to_string() } else { format!("failed: {}", failed.join(", ")) };
        s.push_str(&format!("{}: passed {}x with gcc, {}x here; {what}\n", r.name, r.want, r.got));
    }
    s
}

/// The servers' unix sockets live in tests/tmp and their paths must stay under 108 bytes:
/// while the suite runs, tests/tmp is a link to a short directory that also ends in
/// `tests/tmp` (Tcl's `file normalize` resolves the link, and one test matches the socket
/// path against `*/tests/tmp/*`). The directory is removed on drop.
struct ShortTmp(PathBuf);

impl ShortTmp {
    fn link(dir: &Path) -> Result<ShortTmp, String> {
        let root = std::env::temp_dir().join(format!("ccc-redis-{}", &tree_key(dir)[..12]));
        let short = root.join("tests/tmp");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&short).map_err(|e| format!("{}: {e}", short.display()))?;
        let link = dir.join("tests/tmp");
        let _ = std::fs::remove_dir_all(&link).or_else(|_| std::fs::remove_file(&link));
        std::os::unix::fs::symlink(&short, &link).map_err(|e| format!("{}: {e}", link.display()))?;
        Ok(ShortTmp(root))
    }
}

impl Drop for ShortTmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tree_key(dir: &Path) -> String {
    crate::sample::key(&[dir.display().to_string().as_bytes()])
}

/// Runs `./runtest` in one tree, every run with the same options.
struct Runner<'a> {
    env: &'a Env<'a>,
    dir: &'a Path,
    log: &'a Path,
    baseport: String,
}

impl<'a> Runner<'a> {
    fn new(env: &'a Env<'a>, dir: &'a Path, log: &'a Path) -> Runner<'a> {
        // Each tree gets its own range below the ephemeral ports (the runner also needs
        // port + 10000 for cluster buses), so that concurrent runs rarely meet.
        let slot = u16::from_str_radix(&tree_key(dir)[..4], 16).unwrap_or(0) % 8;
        Runner { env, dir, log, baseport: (12000 + 1000 * slot).to_string() }
    }

    fn run(&self, selection: &[&str], timeout: Duration) -> Outcome {
        // --durable: an error outside an assertion fails that test instead of ending the
        // whole run. Two clients for two cores; the idle timeout (no progress at all) is
        // generous because a loaded machine is slow. TERM=dumb: no colour codes.
        let mut args = vec!["--clients", "2", "--durable", "--timeout", "1800", "--baseport", &self.baseport, "--portcount", "1000"];
        args.extend_from_slice(selection);
        let o = self.env.run_logged(self.dir, self.log, timeout, "./runtest", &args, &[("TERM", "dumb")]);
        let mut outcome = parse_runtest(&o.stdout_str());
        if o.status == proc::Status::Timeout {
            outcome.aborted = Some(format!("killed after {} s", timeout.as_secs()));
        }
        outcome
    }

    /// The units of the default list (`./runtest --list-tests`).
    fn all_units(&self) -> Vec<String> {
        let o = self.env.run_logged(self.dir, self.log, Duration::from_secs(60), "./runtest", &["--list-tests"], &[]);
        o.stdout_str().lines().map(str::trim).filter(|l| !l.is_empty() && !l.contains(char::is_whitespace)).map(String::from).collect()
    }

    fn units(&self, scope: Scope) -> Vec<String> {
        match scope {
            Scope::Full => self.all_units(),
            Scope::Quick => QUICK_UNITS.iter().map(|u| u.to_string()).collect(),
        }
    }
}

/// Run the suite in `dir`, then re-run the units with failures (up to `RETRY_ROUNDS`
/// times). Returns the merged outcome and one note per re-run; `log` gets all output.
fn run_with_retries(env: &Env, dir: &Path, log: &Path, scope: Scope) -> (Outcome, Vec<String>) {
    let _ = std::fs::remove_file(log);
    let _tmp = match ShortTmp::link(dir) {
        Ok(t) => t,
        Err(e) => return (Outcome { aborted: Some(format!("tests/tmp: {e}")), ..Outcome::default() }, Vec::new()),
    };
    let runner = Runner::new(env, dir, log);
    let expected = runner.units(scope);
    let mut outcome = runner.run(&scope.selection(), SUITE_TIMEOUT);
    let mut notes = vec![format!("first run: {}", outcome.describe())];
    for round in 1..=RETRY_ROUNDS {
        for unit in outcome.units_to_retry(&expected) {
            let note = format!("retry {round}: {unit}, {}", outcome.retry_reason(&unit));
            super::append(log, &format!("# {note}\n"));
            notes.push(note);
            let again = runner.run(&["--single", &unit], UNIT_TIMEOUT);
            outcome.absorb_retry(&unit, &again);
        }
    }
    notes.push(format!("after retries: {}", outcome.describe()));
    super::append(log, &format!("# {}\n", notes.join("\n# ")));
    (outcome, notes)
}

fn reference_log(env: &Env, scope: Scope) -> PathBuf {
    env.refs.join(format!("runtest-{}.log", scope.key()))
}

/// The GCC build's outcome, cached: the complete suite takes a quarter of an hour on 2 cores.
fn reference_outcome(env: &Env, refdir: &Path, scope: Scope) -> Outcome {
    let cache = env.refs.join(format!("runtest-{}.outcome", scope.key()));
    if let Ok(text) = std::fs::read_to_string(&cache) {
        return Outcome::from_text(&text);
    }
    let (outcome, _) = run_with_retries(env, refdir, &reference_log(env, scope), scope);
    let _ = std::fs::write(&cache, outcome.to_text());
    outcome
}

/// Every test that passes with the GCC build must pass with the build under test.
fn runtest_check(env: &Env, refdir: &Path, dir: &Path, scope: Scope) -> TestResult {
    let name = scope.test_name();
    let reference = reference_outcome(env, refdir, scope);
    let summary_file = env.work.join("runtest.summary");
    let mut summary = format!("gcc: {} (log: {})\n", reference.describe(), env.ctx.show(&reference_log(env, scope)));
    if reference.passed.is_empty() {
        let _ = std::fs::write(&summary_file, &summary);
        return TestResult::skip(name, format!("the gcc build passes no runtest test: {}", reference.describe()));
    }
    let log = env.work.join("runtest.log");
    let (got, notes) = run_with_retries(env, dir, &log, scope);
    summary.push_str(&format!("ccc: {}\n{}\n", got.describe(), notes.join("\n")));
    let missing = regressions(&reference, &got);
    summary.push_str(&explain(&missing, &got));
    let _ = std::fs::write(&summary_file, &summary);
    if missing.is_empty() {
        return TestResult::pass(name);
    }
    let first: Vec<&str> = missing.iter().take(3).map(|r| r.name.as_str()).collect();
    TestResult::fail(
        name,
        format!("{} tests pass with gcc but not here: {}{}", missing.len(), first.join("; "), if missing.len() > 3 { "; ..." } else { "" }),
        format!("log: {}\n{summary}", env.ctx.show(&log)),
    )
}

impl Project for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn cross(&self) -> bool {
        false
    }
    fn fast(&self) -> bool {
        false
    }
    fn run(&self, env: &Env) -> Vec<TestResult> {
        let scope = Scope::from_env();
        let names = ["redis-build", "redis-benchmark", scope.test_name()].map(String::from);
        let refdir = match env.reference(|d| build(env, &env.gcc.make_var(), d, &env.refs.join("build.log"))) {
            Ok(d) => d,
            Err((why, _)) => return names.iter().map(|n| TestResult::skip(n, format!("gcc build failed: {why}"))).collect(),
        };
        let dir = env.work.join("tree");
        if let Err((why, detail)) = build(env, &env.cc.make_var(), &dir, &env.work.join("build.log")) {
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
        r.push(runtest_check(env, &refdir, &dir, scope));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like a real `./runtest --clients 2` log: two units interleaved, one failure
    /// with its detail lines, skipped and tag-filtered tests, and the closing summary.
    const RUN_WITH_FAILURE: &str = "\
Cleanup: may take some time... OK
Starting test server at port 11968
[ready]: 7099
Testing unit/printver
[ready]: 7097
Testing unit/dump
[ok]: DUMP / RESTORE are able to serialize / unserialize a simple key (1 ms)
Testing Redis version 7.0.15 (c24129c4)
[1/84 done]: unit/printver (0 seconds)
Testing unit/type/list
[ok]: RESTORE can set LRU (1 ms)
[ok]: LPOS basic usage - quicklist (2 ms)
[err]: LPOS RANK (positive, negative and zero rank) option in tests/unit/type/list.tcl
Expected '2' to be equal to '3' (context: type eval line 4 cmd {assert_equal 2 [r LPOS mylist c RANK 1]} proc ::test)
[ok]: LPOS RANK (positive, negative and zero rank) option (1 ms)
[skip]: MIGRATE with wrong password
[ignore]: Big list: needs:large-memory
[2/84 done]: unit/dump (3 seconds)
[3/84 done]: unit/type/list (41 seconds)

                   The End

Execution time of different units:
  0 seconds - unit/printver
  3 seconds - unit/dump
  41 seconds - unit/type/list

!!! WARNING The following tests failed:

*** [err]: LPOS RANK (positive, negative and zero rank) option in tests/unit/type/list.tcl
Expected '2' to be equal to '3' (context: type eval line 4 cmd {assert_equal 2 [r LPOS mylist c RANK 1]} proc ::test)
Cleanup: may take some time... OK
";

    fn failure(unit: &str, name: &str) -> Failure {
        Failure { unit: Some(unit.to_string()), name: name.to_string() }
    }

    fn passes(names: &[(&str, usize)]) -> BTreeMap<String, usize> {
        names.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn parses_passes_failures_and_finished_units() {
        let o = parse_runtest(RUN_WITH_FAILURE);
        let rank = "LPOS RANK (positive, negative and zero rank) option";
        assert_eq!(o.passed_count(), 4);
        assert_eq!(o.passed.get(rank), Some(&1));
        assert_eq!(o.passed.get("LPOS basic usage - quicklist"), Some(&1));
        // Reported live and again in the summary: one failure.
        assert_eq!(o.failed, BTreeMap::from([(failure("unit/type/list", rank), 1)]));
        assert_eq!(o.done, BTreeSet::from(["unit/printver", "unit/dump", "unit/type/list"].map(String::from)));
        assert_eq!(o.skipped, 2);
        assert_eq!(o.aborted, None);
    }

    #[test]
    fn summary_alone_still_counts_a_failure() {
        let text = "[1/1 done]: unit/x (1 seconds)\nThe End\n*** [err]: a test in tests/unit/x.tcl\n";
        let o = parse_runtest(text);
        assert_eq!(o.failed, BTreeMap::from([(failure("unit/x", "a test"), 1)]));
    }

    #[test]
    fn colour_codes_are_ignored() {
        let text = "[\x1b[0;32;49mok\x1b[0m]: SET and GET an item (0 ms)\n[\x1b[0;31;49merr\x1b[0m]: GETEX EX option in tests/unit/type/string.tcl\n\x1b[1;37;49mThe End\x1b[0m\n";
        let o = parse_runtest(text);
        assert_eq!(o.passed, passes(&[("SET and GET an item", 1)]));
        assert_eq!(o.failed_count(), 1);
        assert_eq!(o.aborted, None);
    }

    #[test]
    fn exception_stops_the_run() {
        let text = "[ok]: first (0 ms)\n[exception]: Executing test client: I/O error reading reply.\nI/O error reading reply\n    while executing\n\"r get x\"\n";
        let o = parse_runtest(text);
        assert_eq!(o.passed_count(), 1);
        assert_eq!(o.aborted.as_deref(), Some("[exception]: Executing test client: I/O error reading reply."));
    }

    #[test]
    fn timeout_is_an_abort_even_with_a_summary() {
        let text = "[TIMEOUT]: clients state report follows.\nsock1 => (IN PROGRESS) slow test\nThe End\n*** [TIMEOUT]: clients state report follows.\n";
        let o = parse_runtest(text);
        assert_eq!(o.aborted.as_deref(), Some("[TIMEOUT]: clients state report follows."));
        assert!(o.failed.is_empty());
    }

    #[test]
    fn odd_output_does_not_panic() {
        for text in ["", "[", "[ok]: ", "[err]: ", "[x/y done]: unit/a", "[1/ done]: (", "\x1b", "[ok]: (1 ms)", "é[ok]: ü (ms)"] {
            let o = parse_runtest(text);
            assert!(o.aborted.is_some(), "{text:?}: no closing summary");
        }
        assert_eq!(parse_runtest("[ok]: (1 ms)").passed_count(), 1);
        assert!(parse_runtest("[x/y done]: unit/a").done.is_empty());
    }

    #[test]
    fn failure_without_a_file_has_no_unit() {
        assert_eq!(Failure::parse("Can't start the Redis server"), Failure { unit: None, name: "Can't start the Redis server".into() });
        assert_eq!(Failure::parse("x in y in tests/unit/a.tcl"), failure("unit/a", "x in y"));
    }

    #[test]
    fn regressions_count_repeated_names() {
        let reference = Outcome { passed: passes(&[("a", 2), ("b", 1), ("c", 1)]), ..Outcome::default() };
        let got = Outcome { passed: passes(&[("a", 1), ("b", 1), ("d", 1)]), ..Outcome::default() };
        let r = regressions(&reference, &got);
        assert_eq!(r, vec![Regression { name: "a".into(), want: 2, got: 1 }, Regression { name: "c".into(), want: 1, got: 0 }]);
    }

    #[test]
    fn time_bounded_tests_compare_by_shape_and_once() {
        let reference = Outcome {
            passed: passes(&[
                ("PSYNC2: --- CYCLE 5 ---", 1),
                ("PSYNC2: --- CYCLE 6 ---", 1),
                ("PSYNC2: cluster is consistent after load (x = 115449)", 1),
                ("PSYNC2 #3899 regression: kill chained replica", 13),
                ("LPUSH 1", 2),
            ]),
            ..Outcome::default()
        };
        let fewer_cycles = Outcome {
            passed: passes(&[
                ("PSYNC2: --- CYCLE 1 ---", 1),
                ("PSYNC2: cluster is consistent after load (x = 47930)", 1),
                ("PSYNC2 #3899 regression: kill chained replica", 7),
                ("LPUSH 1", 2),
            ]),
            ..Outcome::default()
        };
        assert_eq!(regressions(&reference, &fewer_cycles), vec![]);
        // Digits are masked only in time-bounded names, and a failed instance counts.
        let mut worse = fewer_cycles.clone();
        worse.passed.insert("LPUSH 1".into(), 1);
        count(&mut worse.failed, failure("integration/psync2", "PSYNC2: --- CYCLE 2 ---"), 1);
        assert_eq!(
            regressions(&reference, &worse),
            vec![Regression { name: "LPUSH 1".into(), want: 2, got: 1 }, Regression { name: "PSYNC2: --- CYCLE # ---".into(), want: 1, got: 0 }]
        );
        assert!(explain(&regressions(&reference, &worse), &worse).contains("PSYNC2: --- CYCLE # ---: passed 1x with gcc, 0x here; failed: PSYNC2: --- CYCLE 2 --- (in integration/psync2)"));
    }

    #[test]
    fn units_with_failures_or_unfinished_are_retried_in_list_order() {
        let o = parse_runtest(RUN_WITH_FAILURE);
        let expected = ["unit/printver", "unit/dump", "unit/type/list", "unit/expire"].map(String::from);
        assert_eq!(o.units_to_retry(&expected), vec!["unit/type/list".to_string(), "unit/expire".to_string()]);
        assert_eq!(o.retry_reason("unit/expire"), "did not finish");
        assert_eq!(o.retry_reason("unit/type/list"), "failed: LPOS RANK (positive, negative and zero rank) option");
    }

    #[test]
    fn a_failure_that_passes_on_retry_is_forgiven() {
        let mut o = parse_runtest("[ok]: x (1 ms)\n[err]: flaky in tests/unit/a.tcl\n[err]: broken in tests/unit/a.tcl\n[1/1 done]: unit/a (1 seconds)\nThe End\n");
        let retry = parse_runtest("[ok]: x (1 ms)\n[ok]: flaky (1 ms)\n[err]: broken in tests/unit/a.tcl\n[1/1 done]: unit/a (1 seconds)\nThe End\n");
        o.absorb_retry("unit/a", &retry);
        // `x` passed the first time: the re-run does not count it again.
        assert_eq!(o.passed, passes(&[("flaky", 1), ("x", 1)]));
        assert_eq!(o.failed, BTreeMap::from([(failure("unit/a", "broken"), 1)]));
    }

    #[test]
    fn a_retry_that_stops_early_forgives_only_what_it_passed() {
        let mut o = parse_runtest("[err]: f in tests/unit/a.tcl\n[err]: g in tests/unit/a.tcl\n[1/1 done]: unit/a (1 seconds)\nThe End\n");
        let retry = parse_runtest("[ok]: f (1 ms)\n[exception]: boom\n");
        o.absorb_retry("unit/a", &retry);
        assert_eq!(o.passed, passes(&[("f", 1)]));
        assert_eq!(o.failed, BTreeMap::from([(failure("unit/a", "g"), 1)]));
    }

    #[test]
    fn an_unfinished_unit_takes_the_retry_results() {
        let mut o = parse_runtest("[ok]: y (1 ms)\n[err]: h in tests/unit/b.tcl\n[exception]: boom\n");
        let retry = parse_runtest("[ok]: h (1 ms)\n[ok]: z (1 ms)\n[1/1 done]: unit/b (1 seconds)\nThe End\n");
        o.absorb_retry("unit/b", &retry);
        assert_eq!(o.passed, passes(&[("h", 1), ("y", 1), ("z", 1)]));
        assert!(o.failed.is_empty());
        assert!(o.done.contains("unit/b"));
    }

    #[test]
    fn cached_outcome_round_trips() {
        let mut o = parse_runtest(RUN_WITH_FAILURE);
        count(&mut o.failed, Failure { unit: None, name: "Can't start the Redis server".into() }, 2);
        o.aborted = Some("killed after 10 s".into());
        assert_eq!(Outcome::from_text(&o.to_text()), o);
        assert_eq!(Outcome::from_text("garbage\npass\tx\tname\nfail\t1\n"), Outcome::default());
    }
}
