//! `cargo xtask`: the ccc test and benchmark harness. See `/README.md` ("Testing").
//!
//!   cargo xtask demo [--arch A]                      the main job: build ccc, compile and run a
//!                                                    program, build and boot a kernel
//!   cargo xtask deps                                 install the Debian packages the tests need
//!   cargo xtask test [--fast] [--jobs N] [SUITE...]  run suites (all by default; `*` globs ok)
//!   cargo xtask list                                 list suite names
//!   cargo xtask baseline --update                    raise xtask/baseline.toml from the last run
//!   cargo xtask bench [--runs N] [--arch A]... [GROUP...]  compile/run/kernel-build time ratios against GCC
//!   cargo xtask kernel --arch A [--src DIR|TARBALL] [--config tiny|defconfig] [--cc ccc|gcc|PATH] [--out DIR] [-j N]
//!                      [--mix P [--seed S]] [--gcc-files LIST]   compile a fraction P of the files with ccc
//!                      [--bisect [--timeout S]]   the smallest set of files by ccc that does not boot
//!                      [--repro]   two clean builds in two directories must give identical images
//!   cargo xtask boot --arch A --kernel IMAGE [--initrd FILE] [--cc ccc|gcc|PATH] [--timeout S]
//!   cargo xtask busybox --arch A [--cc ccc|gcc|PATH] [--src DIR] [--out DIR] [-j N]   the defconfig kernels' initramfs
//!
//! `CCC_TEST_CC=gcc` tests another compiler instead of ccc (harness self-check).
//! `CCC_TEST_HOST=name` reproduces another machine's `--fast` sample.

mod arch;
mod baseline;
mod bench;
mod ctx;
mod demo;
mod deps;
mod dg;
mod gccsrc;
mod kernel;
mod nix;
mod oracle;
mod pool;
mod proc;
mod report;
mod sample;
mod suites;

use std::process::ExitCode;
use std::time::Instant;

use baseline::{Baseline, RunRecord};
use ctx::Ctx;

struct Opts {
    fast: bool,
    jobs: usize,
    runs: usize,
    update: bool,
    /// `bench --arch`: targets to measure.
    arches: Vec<String>,
    names: Vec<String>,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        fast: false,
        jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        runs: 5,
        update: false,
        arches: Vec::new(),
        names: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |what: &str| -> Result<usize, String> {
            it.next().and_then(|v| v.parse().ok()).filter(|n| *n > 0).ok_or(format!("{what} needs a positive number"))
        };
        match a.as_str() {
            "--fast" => o.fast = true,
            "--jobs" | "-j" => o.jobs = num("--jobs")?,
            "--runs" => o.runs = num("--runs")?,
            "--update" => o.update = true,
            "--arch" => o.arches.push(it.next().ok_or("--arch needs a target name")?.clone()),
            s if s.starts_with("--jobs=") => o.jobs = s[7..].parse().map_err(|_| "bad --jobs".to_string())?,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => o.names.push(s.to_string()),
        }
    }
    Ok(o)
}

const USAGE: &str = "usage: cargo xtask demo [--arch A] | deps | test [--fast] [--jobs N] [SUITE...] | list | baseline --update | bench [--runs N] [--arch A]... [sqlite|programs|kernel]...\n\
       | kernel --arch A [--src DIR|TARBALL] [--config tiny|defconfig] [--cc ccc|gcc|PATH] [--out DIR] [-j N] [--mix P [--seed S]] [--gcc-files LIST] [--fallback] [--ld bfd|ccc] [--bisect [--timeout S] | --repro]\n\
       | boot --arch A --kernel IMAGE [--initrd FILE] [--cc ccc|gcc|PATH] [--timeout S]\n\
       | busybox --arch A [--cc ccc|gcc|PATH] [--src DIR] [--out DIR] [-j N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Installed as the kernel build's CC for mixed builds (src/kernel/mix.rs).
    let argv0 = std::env::args().next().unwrap_or_default();
    if std::path::Path::new(&argv0).file_name().is_some_and(|n| n == kernel::mix::WRAPPER_NAME) {
        return ExitCode::from(kernel::mix::wrapper_main(&args).clamp(0, 255) as u8);
    }
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    // kernel/boot parse their own options (src/kernel/cli.rs).
    match cmd.as_str() {
        "kernel" => return ExitCode::from(kernel::cli::kernel_main(rest) as u8),
        "demo" => {
            let arch = match rest {
                [flag, a, ..] if flag == "--arch" => a.clone(),
                _ => "x86_64".to_string(),
            };
            let mut ctx = Ctx::new(false, 1);
            if let Err(e) = deps::ensure(&ctx) {
                eprintln!("deps: {e} (continuing)");
            }
            return if demo::run(&mut ctx, &arch) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
        "boot" => return ExitCode::from(kernel::cli::boot_main(rest) as u8),
        "busybox" => return ExitCode::from(kernel::cli::busybox_main(rest) as u8),
        _ => {}
    }
    let opts = match parse_opts(rest) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xtask: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut ctx = Ctx::new(opts.fast, opts.jobs);
    match cmd.as_str() {
        "deps" => match deps::ensure(&ctx) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("deps: {e}");
                ExitCode::FAILURE
            }
        },
        "list" => {
            for s in suites::registry() {
                println!("{}", s.name());
            }
            ExitCode::SUCCESS
        }
        "test" => {
            if let Err(e) = deps::ensure(&ctx) {
                eprintln!("deps: {e} (continuing; affected tests will fail)");
            }
            test(&mut ctx, &opts)
        }
        "baseline" if opts.update => update_baseline(&ctx),
        "bench" => {
            let arches = match bench::select_arches(&opts.arches) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("xtask: {e}");
                    return ExitCode::from(2);
                }
            };
            let groups = match bench::select_groups(&opts.names) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("xtask: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = deps::ensure(&ctx) {
                eprintln!("deps: {e} (continuing)");
            }
            ctx.select_compiler();
            bench::run(&ctx, opts.runs, &arches, &groups);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn glob_match(pat: &str, s: &str) -> bool {
    match pat.split_once('*') {
        None => pat == s,
        Some((a, b)) => s.len() >= a.len() + b.len() && s.starts_with(a) && glob_match_rest(b, &s[a.len()..]),
    }
}

fn glob_match_rest(pat: &str, s: &str) -> bool {
    if !pat.contains('*') {
        return s.ends_with(pat);
    }
    (0..=s.len()).filter(|i| s.is_char_boundary(*i)).any(|i| glob_match(pat, &s[i..]))
}

fn test(ctx: &mut Ctx, opts: &Opts) -> ExitCode {
    let all = suites::registry();
    for n in &opts.names {
        if !all.iter().any(|s| glob_match(n, &s.name())) {
            let names: Vec<String> = all.iter().map(|s| s.name()).collect();
            eprintln!("xtask: no suite matches {n:?}; suites: {}", names.join(" "));
            return ExitCode::from(2);
        }
    }
    let selected: Vec<_> = all.into_iter().filter(|s| opts.names.is_empty() || opts.names.iter().any(|n| glob_match(n, &s.name()))).collect();
    let base = match Baseline::load(&ctx.root) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The unit and ld-* suites need no ccc; build it only when another suite runs.
    if selected.iter().any(|s| s.name() != "unit" && !s.name().starts_with("ld-")) {
        ctx.select_compiler();
    }
    let mut record = RunRecord { fast: ctx.fast, host: ctx.host.clone(), suites: Default::default() };
    let (mut total_p, mut total_f) = (0, 0);
    let mut regressions = Vec::new();
    for s in &selected {
        let name = s.name();
        let start = Instant::now();
        let results = match s.run(ctx) {
            Ok(r) => r,
            Err(e) => vec![report::TestResult::fail(format!("{name}-setup"), format!("suite setup failed: {e}"), "")],
        };
        let rep = report::write(ctx, &name, results, start.elapsed().as_secs_f64());
        println!("{}: {} passed, {} failed (log: {})", rep.name, rep.passed, rep.failed, ctx.show(&rep.log));
        total_p += rep.passed;
        total_f += rep.failed;
        let counted = (rep.passed + rep.failed) as u64;
        record.suites.insert(name.clone(), (rep.passed as u64, counted));
        if let Some(min) = base.required(ctx.fast, &ctx.host, &name, counted) {
            if (rep.passed as u64) < min {
                regressions.push(format!("REGRESSION {name}: {} passed, baseline requires {min}", rep.passed));
            }
        }
    }
    let _ = std::fs::write(ctx.out.join("last-run.txt"), record.render());
    for r in &regressions {
        println!("{r}");
    }
    println!("{total_p} passed, {total_f} failed");
    if regressions.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn update_baseline(ctx: &Ctx) -> ExitCode {
    let last = ctx.out.join("last-run.txt");
    let Some(run) = std::fs::read_to_string(&last).ok().and_then(|t| RunRecord::parse(&t)) else {
        eprintln!("xtask: no readable {} (run `cargo xtask test` first)", ctx.show(&last));
        return ExitCode::FAILURE;
    };
    let mut base = match Baseline::load(&ctx.root) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
    let changes = base.raise(&run);
    if changes.is_empty() && baseline::path(&ctx.root).exists() {
        println!("baseline unchanged");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(baseline::path(&ctx.root), base.render()) {
        eprintln!("xtask: writing baseline: {e}");
        return ExitCode::FAILURE;
    }
    for c in changes {
        println!("{c}");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs() {
        assert!(super::glob_match("torture-*", "torture-x86_64-O2"));
        assert!(super::glob_match("*-O2", "torture-x86_64-O2"));
        assert!(!super::glob_match("torture-*-O0", "torture-x86_64-O2"));
        assert!(super::glob_match("unit", "unit"));
    }
}
