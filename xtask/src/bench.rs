//! `cargo xtask bench`: ratios against GCC measured side by side in one run (absolute
//! times on shared machines are noise; ratios are signal). Medians of `--runs N`.
//!
//! - compile time and peak memory of sqlite3.c at -O0 and -O2 (compiler under test vs gcc);
//! - assembly time of GCC's -O2 -S output of sqlite3.c (ccc's integrated assembler vs GNU as;
//!   the bar: at most 0.5x GNU as's time, objects identical);
//! - link time of the sqlite3 shell from GCC-built objects (our linker vs gcc + GNU ld);
//! - run time of speedtest1 and of `xtask/bench/*.c` built with the compiler under test
//!   at -O2 vs gcc -O0 and gcc -O2 (outputs must match the gcc build, or the row fails);
//! - for each foreign target: run time of speedtest1 built with `ccc --target=` at -O2 vs
//!   the target's GCC cross compiler at -O0 and -O2, all under the same qemu-user.
//!
//! - kernel build time: the tiny riscv64 Linux (Debian's 6.12 tree, `cargo xtask kernel`)
//!   from a clean build directory with ccc vs with GCC, `make -j2`, configuration and make
//!   overhead included (the bar: ccc at most 0.5x GCC's time). Runs alternate between the
//!   two compilers (at most 3 runs each), and the load average is printed, since the
//!   machine may be shared.
//!
//! `--arch A` (repeatable) limits the run to those targets' rows (`x86_64`: the native rows;
//! the kernel row belongs to `riscv64`). Group names (`sqlite`, `programs`, `kernel`) limit
//! it to those groups of rows.
//!
//! Failures (the compiler cannot build something yet) become `fail` cells; details go
//! to `target/xtask/bench.log`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::arch::{Arch, AARCH64, RISCV64, X86_64};
use crate::ctx::Ctx;
use crate::proc;
use crate::suites::projects;

const SQLITE_DEFS: &[&str] = &["-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION"];
const TIMEOUT: Duration = Duration::from_secs(1800);

struct Sample {
    secs: f64,
    rss_mib: f64,
    stdout: String,
}

/// Run a command `runs` times; median wall time, max peak RSS; Err on any failure.
fn measure(runs: usize, make: &dyn Fn() -> Command) -> Result<Sample, String> {
    measure_out(runs, make, None)
}

/// Like `measure`, for a compiler or linker: `out` must be (re)created by every run.
fn measure_out(runs: usize, make: &dyn Fn() -> Command, out: Option<&Path>) -> Result<Sample, String> {
    let mut times = Vec::new();
    let mut rss = 0u64;
    let mut stdout = String::new();
    for _ in 0..runs {
        if let Some(p) = out {
            let _ = std::fs::remove_file(p);
        }
        let o = proc::run_limited(&mut make(), TIMEOUT, 1 << 20);
        let missing = out.is_some_and(|p| !p.exists());
        if !o.status.success() || missing {
            let c = make();
            return Err(format!(
                "{} {}: {}: {}",
                c.get_program().to_string_lossy(),
                c.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "),
                if missing && o.status.success() { "exit 0 but no output file".to_string() } else { o.status.describe() },
                proc::first_error_line(&o.stderr_str())
            ));
        }
        times.push(o.wall.as_secs_f64());
        rss = rss.max(o.maxrss_kb);
        stdout = o.stdout_str();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(Sample { secs: times[times.len() / 2], rss_mib: rss as f64 / 1024.0, stdout })
}

struct Table {
    rows: Vec<(String, String, String, String)>,
    /// Lines printed under the table.
    notes: Vec<String>,
    log: String,
}

impl Table {
    fn cell(&mut self, r: &Result<f64, String>, unit: &str) -> String {
        match r {
            Ok(v) => format!("{v:.3}{unit}"),
            Err(e) => {
                let _ = writeln!(self.log, "{e}");
                "fail".to_string()
            }
        }
    }

    fn row(&mut self, name: &str, ours: Result<f64, String>, theirs: Result<f64, String>, unit: &str) {
        let ratio = match (&ours, &theirs) {
            (Ok(a), Ok(b)) if *b > 0.0 => format!("{:.2}", a / b),
            _ => "-".to_string(),
        };
        let (a, b) = (self.cell(&ours, unit), self.cell(&theirs, unit));
        self.rows.push((name.to_string(), a, b, ratio));
    }

    fn render(&self) -> String {
        let mut s = format!("{:<54} {:>12} {:>12} {:>7}\n", "benchmark (ccc vs reference)", "ccc", "reference", "ratio");
        for (n, a, b, r) in &self.rows {
            let _ = writeln!(s, "{n:<54} {a:>12} {b:>12} {r:>7}");
        }
        for n in &self.notes {
            let _ = writeln!(s, "{n}");
        }
        s
    }
}

fn cmd_with(prog: &Path, args: &[String]) -> Command {
    let mut c = Command::new(prog);
    c.args(args);
    c
}

/// Targets `cargo xtask bench` measures, the native one first.
static ARCHES: [&Arch; 3] = [&X86_64, &RISCV64, &AARCH64];

/// The targets named by `--arch` (all when none is named).
pub fn select_arches(names: &[String]) -> Result<Vec<&'static Arch>, String> {
    if names.is_empty() {
        return Ok(ARCHES.to_vec());
    }
    let known: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
    names
        .iter()
        .map(|n| ARCHES.iter().copied().find(|a| a.name == n).ok_or_else(|| format!("unknown --arch {n} (known: {})", known.join(" "))))
        .collect()
}

/// Groups of rows `bench GROUP...` selects.
pub const GROUPS: [&str; 3] = ["sqlite", "programs", "kernel"];

/// The groups named (all when none is).
pub fn select_groups(names: &[String]) -> Result<Vec<&'static str>, String> {
    if names.is_empty() {
        return Ok(GROUPS.to_vec());
    }
    names
        .iter()
        .map(|n| GROUPS.iter().copied().find(|g| g == n).ok_or_else(|| format!("unknown bench group {n} (known: {})", GROUPS.join(" "))))
        .collect()
}

pub fn run(ctx: &Ctx, runs: usize, arches: &[&'static Arch], groups: &[&str]) {
    let work = ctx.work_dir("bench");
    let mut t = Table { rows: Vec::new(), notes: Vec::new(), log: String::new() };
    let ccc = ctx.cc.program.clone();
    let gcc = PathBuf::from("gcc");

    if groups.contains(&"sqlite") {
        sqlite_group(ctx, &mut t, runs, arches, &work, &ccc, &gcc);
    }
    if groups.contains(&"kernel") && arches.iter().any(|a| a.name == RISCV64.name) {
        kernel_row(ctx, &mut t, runs, &work);
    }
    if groups.contains(&"programs") && arches.iter().any(|a| a.native) {
        program_rows(&mut t, ctx, runs, &work, &ccc, &gcc);
    }
    finish(ctx, &t);
}

/// The load average over the last minute (the machine may be shared).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// Clean builds of the tiny riscv64 kernel with the compiler under test and with GCC,
/// alternating; median of `runs` each.
fn kernel_row(ctx: &Ctx, t: &mut Table, runs: usize, work: &Path) {
    use crate::kernel::{arch::Arch as KArch, compiler::Compiler, suite::tiny_build};
    let arch = KArch::Riscv64;
    let ours = crate::suites::kernel_boot::compiler_for(ctx, arch);
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut errors: [Option<String>; 2] = [None, None];
    let mut loads = vec![load_average()];
    // A clean kernel build takes minutes: at most 3 of each.
    for _ in 0..runs.min(3) {
        for (i, cc) in [&ours, &Compiler::Gcc].into_iter().enumerate() {
            if errors[i].is_some() {
                continue;
            }
            let mut build = tiny_build(arch, cc, None);
            build.out = work.join(format!("kernel-riscv64-{}", ["ours", "gcc"][i]));
            let _ = std::fs::remove_dir_all(&build.out);
            match crate::kernel::deps::require(arch, cc).and_then(|_| build.run()) {
                Ok(k) => times[i].push(k.seconds),
                Err(e) => errors[i] = Some(format!("kernel build ({}): {e}", cc.label())),
            }
            loads.push(load_average());
        }
    }
    let median = |i: usize| -> Result<f64, String> {
        if let Some(e) = &errors[i] {
            return Err(e.clone());
        }
        let mut v = times[i].clone();
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(v.len() / 2).copied().ok_or_else(|| "no run".to_string())
    };
    t.row("build tiny riscv64 kernel, clean, -j2 (s; bar 0.50)", median(0), median(1), "");
    let list = |v: &[f64]| v.iter().map(|s| format!("{s:.0}")).collect::<Vec<_>>().join(" ");
    t.notes.push(format!(
        "kernel builds (s): ccc {} | gcc {}; load average before and after each: {}",
        list(&times[0]),
        list(&times[1]),
        loads.join(" ")
    ));
}

/// sqlite3.c: compile time and memory; then link and speedtest1 run time.
fn sqlite_group(ctx: &Ctx, t: &mut Table, runs: usize, arches: &[&'static Arch], work: &Path, ccc: &Path, gcc: &Path) {
    match projects::sqlite_amalgamation(ctx) {
        Err(e) => {
            let _ = writeln!(t.log, "sqlite amalgamation: {e}");
            t.rows.push(("sqlite3.c (amalgamation unavailable)".into(), "fail".into(), "fail".into(), "-".into()));
        }
        Ok(src) => {
            for arch in arches {
                if arch.native {
                    sqlite_rows(t, runs, &src, work, ccc, gcc);
                }
                speedtest_rows(t, ctx, runs, &src, work, arch);
            }
        }
    }
}

/// Small CPU-bound programs (xtask/bench/*.c).
fn program_rows(t: &mut Table, ctx: &Ctx, runs: usize, work: &Path, ccc: &Path, gcc: &Path) {
    let mut progs: Vec<PathBuf> = std::fs::read_dir(ctx.root.join("xtask/bench")).into_iter().flatten().flatten().map(|e| e.path()).collect();
    progs.retain(|p| p.extension().is_some_and(|e| e == "c"));
    progs.sort();
    for p in progs {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let build = |cc: &Path, opt: &str, tag: &str| -> Result<PathBuf, String> {
            let out = work.join(format!("{stem}-{tag}"));
            let args = vec![opt.to_string(), p.display().to_string(), "-o".into(), out.display().to_string(), "-lm".into()];
            measure_out(1, &|| cmd_with(cc, &args), Some(&out)).map(|_| out)
        };
        let run_bin = |bin: PathBuf| measure(runs, &|| Command::new(&bin));
        let ours = build(ccc, "-O2", "ccc-O2").and_then(run_bin);
        let g0 = build(gcc, "-O0", "gcc-O0").and_then(run_bin);
        let g2 = build(gcc, "-O2", "gcc-O2").and_then(run_bin);
        let ours = check_same(ours, &g2, &stem);
        t.row(&format!("run {stem}: ccc -O2 / gcc -O0 (s)"), ours.as_ref().map(|s| s.secs).map_err(|e| e.clone()), g0.as_ref().map(|s| s.secs).map_err(|e| e.clone()), "");
        t.row(&format!("run {stem}: ccc -O2 / gcc -O2 (s)"), ours.map(|s| s.secs), g2.map(|s| s.secs), "");
    }
}

/// Print the table and write `bench.txt` and `bench.log`.
fn finish(ctx: &Ctx, t: &Table) {
    let table = t.render();
    print!("{table}");
    let _ = std::fs::write(ctx.out.join("bench.txt"), &table);
    let mut seen = std::collections::BTreeSet::new();
    let log: String = t.log.lines().filter(|l| seen.insert(l.to_string())).map(|l| format!("{l}\n")).collect();
    let _ = std::fs::write(ctx.out.join("bench.log"), &log);
    if !t.log.is_empty() {
        println!("(failures: {})", ctx.show(&ctx.out.join("bench.log")));
    }
}

/// A benchmark only counts if it computes what the gcc build computes.
fn check_same(ours: Result<Sample, String>, reference: &Result<Sample, String>, what: &str) -> Result<Sample, String> {
    match (ours, reference) {
        (Ok(o), Ok(r)) if o.stdout != r.stdout => Err(format!("{what}: output differs from gcc -O2: {:?} vs {:?}", proc::head_lines(&o.stdout, 2), proc::head_lines(&r.stdout, 2))),
        (o, _) => o,
    }
}

fn sqlite_rows(t: &mut Table, runs: usize, src: &Path, work: &Path, ccc: &Path, gcc: &Path) {
    let sqlite_c = src.join("sqlite3.c").display().to_string();
    for opt in ["-O0", "-O2"] {
        let compile = |cc: &Path, tag: &str| {
            let mut args: Vec<String> = vec![opt.to_string()];
            args.extend(SQLITE_DEFS.iter().map(|s| s.to_string()));
            let out = work.join(format!("sqlite3-{tag}{opt}.o"));
            args.extend(["-c".into(), sqlite_c.clone(), "-o".into(), out.display().to_string()]);
            measure_out(runs, &|| cmd_with(cc, &args), Some(&out))
        };
        let ours = compile(ccc, "ccc");
        let theirs = compile(gcc, "gcc");
        let sec = |r: &Result<Sample, String>| r.as_ref().map(|s| s.secs).map_err(|e| e.clone());
        let mib = |r: &Result<Sample, String>| r.as_ref().map(|s| s.rss_mib).map_err(|e| e.clone());
        t.row(&format!("compile sqlite3.c {opt} (s)"), sec(&ours), sec(&theirs), "");
        t.row(&format!("compile sqlite3.c {opt} peak memory (MiB)"), mib(&ours), mib(&theirs), "");
    }
    assemble_row(t, runs, &sqlite_c, work, ccc);
    // Objects for linking and speedtest1: gcc -O2 objects (always available), and ccc -O2 ones.
    let obj = |tag: &str, cc: &Path, file: &str, out: &str| -> Result<PathBuf, String> {
        let o = work.join(format!("{out}-{tag}.o"));
        let mut args: Vec<String> = vec!["-O2".into()];
        args.extend(SQLITE_DEFS.iter().map(|s| s.to_string()));
        args.extend([format!("-I{}", src.display()), "-c".into(), src.join(file).display().to_string(), "-o".into(), o.display().to_string()]);
        measure_out(1, &|| cmd_with(cc, &args), Some(&o)).map(|_| o)
    };
    let link = |cc: &Path, objs: &[PathBuf], out: &Path| -> Result<Sample, String> {
        let mut args: Vec<String> = objs.iter().map(|p| p.display().to_string()).collect();
        args.extend(["-o".into(), out.display().to_string(), "-lm".into()]);
        measure_out(runs, &|| cmd_with(cc, &args), Some(out))
    };
    let gcc_objs = (|| Ok::<_, String>(vec![obj("gcc", gcc, "shell.c", "shell")?, work.join("sqlite3-gcc-O2.o")]))();
    match gcc_objs {
        Ok(objs) if objs[1].exists() => {
            let ours = link(ccc, &objs, &work.join("shell-ccc-link"));
            let theirs = link(gcc, &objs, &work.join("shell-gcc-link"));
            t.row("link sqlite3 shell from gcc objects (s)", ours.map(|s| s.secs), theirs.map(|s| s.secs), "");
        }
        Ok(_) => t.row("link sqlite3 shell from gcc objects (s)", Err("no gcc sqlite3.o".into()), Err("no gcc sqlite3.o".into()), ""),
        Err(e) => t.row("link sqlite3 shell from gcc objects (s)", Err(e.clone()), Err(e), ""),
    }
}

/// Assembling GCC's `-O2 -S` output of sqlite3.c (made once): ccc's integrated assembler
/// against GNU as. The objects must be identical, else the row fails.
fn assemble_row(t: &mut Table, runs: usize, sqlite_c: &str, work: &Path, ccc: &Path) {
    const NAME: &str = "assemble sqlite3.c -O2 -S output (s; bar 0.50)";
    let asm = work.join("sqlite3-gcc-O2.s");
    let mut args: Vec<String> = vec!["-O2".into()];
    args.extend(SQLITE_DEFS.iter().map(|s| s.to_string()));
    args.extend(["-S".into(), sqlite_c.to_string(), "-o".into(), asm.display().to_string()]);
    if let Err(e) = measure_out(1, &|| cmd_with(Path::new("gcc"), &args), Some(&asm)) {
        t.row(NAME, Err(e.clone()), Err(e), "");
        return;
    }
    let s = asm.display().to_string();
    let (ours_o, theirs_o) = (work.join("sqlite3-asm-ccc.o"), work.join("sqlite3-asm-gas.o"));
    let ours_args: Vec<String> = vec!["-fintegrated-as".into(), "-c".into(), s.clone(), "-o".into(), ours_o.display().to_string()];
    let theirs_args: Vec<String> = vec![s, "-o".into(), theirs_o.display().to_string()];
    let ours = measure_out(runs, &|| cmd_with(ccc, &ours_args), Some(&ours_o)).map(|s| s.secs);
    let theirs = measure_out(runs, &|| cmd_with(Path::new("as"), &theirs_args), Some(&theirs_o)).map(|s| s.secs);
    let same = matches!((std::fs::read(&ours_o), std::fs::read(&theirs_o)), (Ok(a), Ok(b)) if a == b);
    let ours = match ours {
        Ok(_) if !same => Err(format!("{}: object differs from GNU as's {}", ours_o.display(), theirs_o.display())),
        r => r,
    };
    t.row(NAME, ours, theirs, "");
}

/// speedtest1 run time on `arch` (under qemu-user on a foreign target): the compiler under
/// test at -O2 against the target's GCC at -O0 and -O2.
fn speedtest_rows(t: &mut Table, ctx: &Ctx, runs: usize, src: &Path, work: &Path, arch: &Arch) {
    let speed_args: Vec<String> = ["--memdb", "--size", "20"].iter().map(|s| s.to_string()).collect();
    let speedtest = |cc: &dyn Fn() -> Command, tag: &str, opt: &str| -> Result<Sample, String> {
        let mut args: Vec<String> = vec![opt.to_string()];
        args.extend(SQLITE_DEFS.iter().map(|s| s.to_string()));
        let bin = work.join(format!("speedtest1-{}-{tag}", arch.name));
        args.extend([
            format!("-I{}", src.display()),
            src.join("test/speedtest1.c").display().to_string(),
            src.join("sqlite3.c").display().to_string(),
            "-o".into(),
            bin.display().to_string(),
            "-lm".into(),
        ]);
        let compile = || {
            let mut c = cc();
            c.args(&args);
            c
        };
        measure_out(1, &compile, Some(&bin))?;
        measure(runs, &|| {
            let mut c = arch.run_command(&bin);
            c.args(&speed_args);
            c
        })
    };
    let ours = speedtest(&|| ctx.cc_command(arch), "ccc-O2", "-O2");
    let g0 = speedtest(&|| ctx.gcc_command(arch), "gcc-O0", "-O0");
    let g2 = speedtest(&|| ctx.gcc_command(arch), "gcc-O2", "-O2");
    let strip = |r: Result<Sample, String>| r.map(|mut s| {
        s.stdout = projects::strip_timings(&s.stdout);
        s
    });
    let (ours, g0, g2) = (strip(ours), strip(g0), strip(g2));
    let ours = check_same(ours, &g2, "speedtest1");
    let on = if arch.native { String::new() } else { format!(" on qemu-{}", arch.name) };
    t.row(&format!("run speedtest1{on}: ccc -O2 / gcc -O0 (s)"), ours.as_ref().map(|s| s.secs).map_err(|e| e.clone()), g0.map(|s| s.secs), "");
    t.row(&format!("run speedtest1{on}: ccc -O2 / gcc -O2 (s)"), ours.map(|s| s.secs), g2.map(|s| s.secs), "");
}
