//! Argument parsing for `cargo xtask kernel` and `cargo xtask boot`; std
//! only, so the harness can call these whatever CLI library it uses.
//!
//! kernel --arch A --src DIR|TARBALL [--config tiny|defconfig] [--cc gcc|ccc|PATH] [--out DIR] [-j N]
//!        [--mix P [--seed S]] [--gcc-files LIST]   (ccc for a fraction P of the files, GCC for the rest)
//!        [--fallback]   (triage: files ccc fails on go to GCC, listed in <out>/ccc-failures.log)
//!        [--ld bfd|ccc]   (the linker kbuild's LD runs; ccc: ccc-ld, for every ELF64 link)
//!        [--bisect [--timeout SECONDS]]   (a mix that does not boot: the smallest set of files by ccc that still fails)
//!        [--repro]   (two clean builds in two directories; the images must be identical)
//! boot   --arch A --kernel IMAGE [--initrd FILE] [--cc gcc|ccc|PATH] [--timeout SECONDS]
//! busybox --arch A [--cc gcc|ccc|PATH] [--src DIR] [--out DIR] [-j N]   (the defconfig kernels' initramfs)

use super::arch::Arch;
use super::build::KernelBuild;
use super::compiler::Compiler;
use super::config::Flavour;
use super::qemu::{self, Boot, Outcome};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// `--name value` pairs, and `flags` without a value (mapped to ""); unknown options are errors.
fn options(args: &[String], allowed: &[&str], flags: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            // make's spelling: -j4
            _ if arg.len() > 2 && arg.starts_with("-j") && allowed.contains(&"-j") => ("-j".to_string(), Some(arg[2..].to_string())),
            _ => (arg.clone(), None),
        };
        if flags.contains(&name.as_str()) {
            if inline.is_some() {
                return Err(format!("option `{name}` takes no value"));
            }
            out.insert(name, String::new());
            continue;
        }
        if !allowed.contains(&name.as_str()) {
            let all: Vec<&str> = allowed.iter().chain(flags).copied().collect();
            return Err(format!("unknown option `{arg}` (expected one of {})", all.join(", ")));
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().cloned().ok_or_else(|| format!("option `{name}` needs a value"))?,
        };
        out.insert(name, value);
    }
    Ok(out)
}

fn required<'a>(opts: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, String> {
    opts.get(name).map(String::as_str).ok_or_else(|| format!("missing `{name}`"))
}

/// What `kernel` does with its build.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Build,
    Bisect { timeout: Duration },
    Repro,
}

const KERNEL_OPTIONS: &[&str] = &["--arch", "--src", "--config", "--cc", "--out", "-j", "--jobs", "--mix", "--seed", "--gcc-files", "--ld", "--timeout"];
const KERNEL_FLAGS: &[&str] = &["--bisect", "--repro", "--fallback"];

/// Parses `kernel` arguments: what to do, and with which build.
pub fn parse_kernel_mode(args: &[String]) -> Result<(Mode, KernelBuild), String> {
    let o = options(args, KERNEL_OPTIONS, KERNEL_FLAGS)?;
    let mut build = parse_kernel(args)?;
    let timeout = o.get("--timeout").map(|t| t.parse::<u64>().map_err(|_| format!("bad timeout `{t}`"))).transpose()?;
    let mode = match (o.contains_key("--bisect"), o.contains_key("--repro")) {
        (true, true) => return Err("--bisect and --repro are separate modes".into()),
        (true, false) => {
            if !matches!(build.cc, Compiler::Ccc(_)) {
                return Err("--bisect mixes ccc with GCC: use it with --cc ccc".into());
            }
            Mode::Bisect { timeout: Duration::from_secs(timeout.unwrap_or(60)) }
        }
        (false, true) => Mode::Repro,
        (false, false) => Mode::Build,
    };
    if timeout.is_some() && !matches!(mode, Mode::Bisect { .. }) {
        return Err("--timeout is for --bisect (its boots)".into());
    }
    if let Mode::Bisect { timeout } = mode {
        build = super::bisect::Bisect::new(build, timeout).build;
    }
    Ok((mode, build))
}

/// Parses `kernel` arguments into a build description.
pub fn parse_kernel(args: &[String]) -> Result<KernelBuild, String> {
    let o = options(args, KERNEL_OPTIONS, KERNEL_FLAGS)?;
    let arch = Arch::parse(required(&o, "--arch")?)?;
    let src = PathBuf::from(o.get("--src").map(String::as_str).unwrap_or(super::source::DEBIAN_SOURCE));
    let flavour = Flavour::parse(o.get("--config").map(String::as_str).unwrap_or("tiny"))?;
    let cc = Compiler::parse(o.get("--cc").map(String::as_str).unwrap_or("gcc"))?;
    let mut build = KernelBuild::new(arch, src, flavour, cc);
    if o.contains_key("--mix") || o.contains_key("--gcc-files") || o.contains_key("--fallback") {
        let fraction = match o.get("--mix") {
            Some(p) => p.parse::<f64>().ok().filter(|p| (0.0..=1.0).contains(p)).ok_or_else(|| format!("bad --mix `{p}` (a fraction 0..1)"))?,
            None => 1.0,
        };
        let seed = o.get("--seed").map(|s| s.parse::<u64>().map_err(|_| format!("bad --seed `{s}`"))).transpose()?.unwrap_or(0);
        let gcc_files = o.get("--gcc-files").map(|f| std::fs::canonicalize(f).map_err(|e| format!("--gcc-files {f}: {e}"))).transpose()?;
        if !matches!(build.cc, super::compiler::Compiler::Ccc(_)) {
            return Err("--mix, --gcc-files and --fallback mix ccc with GCC: use them with --cc ccc".into());
        }
        let fallback = o.contains_key("--fallback");
        build = build.with_mix(super::mix::Mix { fraction, seed, gcc_files, ccc_list: None, fallback });
    }
    match o.get("--ld").map(String::as_str) {
        None | Some("bfd") => {}
        Some("ccc") => build = build.with_ccc_ld(),
        Some(other) => return Err(format!("bad --ld `{other}` (bfd or ccc)")),
    }
    if let Some(out) = o.get("--out") {
        build.out = PathBuf::from(out);
    }
    if let Some(j) = o.get("-j").or_else(|| o.get("--jobs")) {
        build.jobs = j.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("bad job count `{j}`"))?;
    }
    Ok(build)
}

/// `cargo xtask kernel ...`: prints the image path (the culprits of a
/// bisection, the verdict of a reproducibility check); exit status 0/1.
pub fn kernel_main(args: &[String]) -> i32 {
    let result = parse_kernel_mode(args).and_then(|(mode, b)| {
        super::deps::require(b.arch, &b.cc)?;
        match mode {
            Mode::Build => b.run().map(|k| format!("kernel: {} ({:.0} s)", k.image.display(), k.seconds)),
            Mode::Bisect { timeout } => {
                super::deps::require_qemu(b.arch)?;
                let bisect = super::bisect::Bisect { build: b, timeout };
                match bisect.run()? {
                    super::bisect::Verdict::Boots => Ok("bisect: the starting mix boots; nothing to bisect".into()),
                    super::bisect::Verdict::Culprits(files) => Ok(format!(
                        "bisect: compiled by ccc, {} make the boot fail (the rest by GCC): {}",
                        if files.len() == 1 { "this file".to_string() } else { format!("these {} files together", files.len()) },
                        files.join(" ")
                    )),
                }
            }
            Mode::Repro => super::repro::check(&b).map(|r| r.line()),
        }
    });
    match result {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            eprintln!("xtask kernel: error: {e}");
            1
        }
    }
}

/// Parses `boot` arguments. Without `--initrd`, kernels/init.c is compiled
/// with `--cc` (default gcc) and packed next to the kernel image.
pub fn parse_boot(args: &[String]) -> Result<(Boot, Option<Compiler>), String> {
    let o = options(args, &["--arch", "--kernel", "--initrd", "--cc", "--timeout"], &[])?;
    let arch = Arch::parse(required(&o, "--arch")?)?;
    let kernel = PathBuf::from(required(&o, "--kernel")?);
    let timeout = match o.get("--timeout") {
        Some(t) => t.parse::<u64>().map_err(|_| format!("bad timeout `{t}`"))?,
        None => 120,
    };
    let (initrd, cc) = match o.get("--initrd") {
        Some(f) => (PathBuf::from(f), None),
        None => {
            let cc = Compiler::parse(o.get("--cc").map(String::as_str).unwrap_or("gcc"))?;
            let dir = super::target_dir().join("kernel").join(format!("init-{}-{}", arch.name(), cc.label()));
            (dir.join("initramfs.cpio"), Some(cc))
        }
    };
    let log = qemu::default_log(&initrd);
    Ok((Boot { arch, kernel, initrd, timeout: Duration::from_secs(timeout), log }, cc))
}

/// `cargo xtask boot ...`: prints "booted ..." or "not booted: reason".
pub fn boot_main(args: &[String]) -> i32 {
    let outcome = parse_boot(args).and_then(|(b, cc)| {
        super::deps::require_qemu(b.arch)?;
        if let Some(cc) = cc {
            let dir = b.initrd.parent().map(PathBuf::from).unwrap_or_default();
            let init = super::init::build_init(b.arch, &cc, &super::workspace_root().join("kernels"), &dir)?;
            super::init::write_initramfs(&init, &b.initrd)?;
        }
        Ok(qemu::boot(&b))
    });
    match outcome {
        Ok(o) => {
            println!("{}", o.line());
            if matches!(o, Outcome::Booted { .. }) {
                0
            } else {
                1
            }
        }
        Err(e) => {
            println!("not booted: {e}");
            1
        }
    }
}

/// `cargo xtask busybox ...`: builds busybox and its initramfs; prints the initramfs path.
pub fn busybox_main(args: &[String]) -> i32 {
    let result = (|| -> Result<String, String> {
        let o = options(args, &["--arch", "--cc", "--src", "--out", "-j", "--jobs"], &[])?;
        let arch = Arch::parse(required(&o, "--arch")?)?;
        let cc = Compiler::parse(o.get("--cc").map(String::as_str).unwrap_or("gcc"))?;
        super::deps::require(arch, &cc)?;
        let src = match o.get("--src") {
            Some(s) => PathBuf::from(s),
            None => super::busybox::source()?,
        };
        let mut build = super::busybox::BusyboxBuild::new(arch, cc.clone(), src);
        if let Some(out) = o.get("--out") {
            build.out = PathBuf::from(out);
        }
        if let Some(j) = o.get("-j").or_else(|| o.get("--jobs")) {
            build.jobs = j.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("bad job count `{j}`"))?;
        }
        let bin = build.run()?;
        let dest = build.out.join("initramfs.cpio");
        let bytes = super::busybox::initramfs(&bin, arch, &cc.label())?;
        std::fs::write(&dest, bytes).map_err(|e| format!("{}: {e}", dest.display()))?;
        Ok(format!("busybox: {} (initramfs {})", bin.display(), dest.display()))
    })();
    match result {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            eprintln!("xtask busybox: error: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn make_style_jobs() {
        let b = parse_kernel(&s(&["--arch", "riscv64", "-j4"])).unwrap();
        assert_eq!(b.jobs, 4);
        assert!(parse_kernel(&s(&["--arch", "riscv64", "-jx"])).is_err());
    }

    #[test]
    fn kernel_args() {
        let b = parse_kernel(&s(&["--arch", "riscv", "--src=/tmp/x", "--config", "defconfig", "-j", "3", "--out", "/o"]))
            .unwrap();
        assert_eq!(b.arch, Arch::Riscv64);
        assert_eq!(b.flavour, Flavour::Defconfig);
        assert_eq!(b.jobs, 3);
        assert_eq!(b.out, PathBuf::from("/o"));
        assert_eq!(b.cc, Compiler::Gcc);
        assert!(parse_kernel(&s(&["--src", "/x"])).unwrap_err().contains("--arch"));
        assert!(parse_kernel(&s(&["--arch", "x86_64", "--bogus", "1"])).is_err());
        assert!(parse_kernel(&s(&["--arch", "x86_64", "-j"])).is_err());
        assert!(parse_kernel(&s(&["--arch", "x86_64", "-j", "0"])).is_err());
        assert!(parse_kernel(&s(&["--arch", "sparc"])).is_err());
    }

    #[test]
    fn modes() {
        let (m, b) = parse_kernel_mode(&s(&["--arch", "riscv64"])).unwrap();
        assert_eq!(m, Mode::Build);
        assert!(b.out.ends_with("riscv64-tiny-gcc"));
        let (m, _) = parse_kernel_mode(&s(&["--arch", "riscv64", "--repro"])).unwrap();
        assert_eq!(m, Mode::Repro);
        assert!(parse_kernel_mode(&s(&["--arch", "riscv64", "--repro=1"])).is_err());
        assert!(parse_kernel_mode(&s(&["--arch", "riscv64", "--repro", "--timeout", "3"])).is_err());
        // Bisection mixes, so it needs ccc.
        assert!(parse_kernel_mode(&s(&["--arch", "riscv64", "--bisect"])).unwrap_err().contains("--cc ccc"));
        assert!(parse_kernel_mode(&s(&["--arch", "riscv64", "--bisect", "--repro"])).is_err());
    }

    #[test]
    fn ld_choice() {
        let b = parse_kernel(&s(&["--arch", "x86_64", "--ld", "ccc"])).unwrap();
        assert!(b.ccc_ld);
        assert!(b.out.to_string_lossy().ends_with("x86_64-tiny-gcc-cccld"), "{}", b.out.display());
        assert!(!parse_kernel(&s(&["--arch", "x86_64", "--ld", "bfd"])).unwrap().ccc_ld);
        assert!(parse_kernel(&s(&["--arch", "x86_64", "--ld", "gold"])).is_err());
    }

    #[test]
    fn boot_args() {
        let (b, cc) = parse_boot(&s(&["--arch", "aarch64", "--kernel", "/k", "--initrd", "/i", "--timeout", "5"])).unwrap();
        assert_eq!(b.arch, Arch::Aarch64);
        assert_eq!(b.timeout, Duration::from_secs(5));
        assert!(cc.is_none());
        assert!(parse_boot(&s(&["--arch", "aarch64"])).is_err());
    }

    #[test]
    fn missing_files_are_not_booted() {
        let b = Boot {
            arch: Arch::Riscv64,
            kernel: PathBuf::from("/nonexistent/Image"),
            initrd: PathBuf::from("/nonexistent/initrd"),
            timeout: Duration::from_secs(1),
            log: std::env::temp_dir().join("xtask-missing.log"),
        };
        let line = qemu::boot(&b).line();
        assert!(line.starts_with("not booted: kernel /nonexistent/Image not found"), "{line}");
    }
}
