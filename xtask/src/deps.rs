//! `cargo xtask deps`: install the Debian packages the tests need, idempotently.
//!
//! Quiet when nothing is missing (one dpkg-query call). `apt-get update` only runs when
//! something must be installed or a `deb-src` entry had to be added for `apt-get source`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::ctx::Ctx;
use crate::proc;

/// Installed together in one `apt-get install`.
const PACKAGES: &[&str] = &[
    "gcc-12-source",
    "csmith",
    "libcsmith-dev",
    "gcc-aarch64-linux-gnu",
    "gcc-riscv64-linux-gnu",
    // i386 (-m32) glibc and libgcc for the torture-i386 suites. Not the
    // `gcc-multilib` metapackage: Debian's cross compilers above conflict
    // with it (installing it removes them); gcc-12-multilib does not.
    "gcc-12-multilib",
    "libc6-dev-arm64-cross",
    "libc6-dev-riscv64-cross",
    "qemu-user-static",
    "tcl",
    "dpkg-dev",
    "xz-utils",
    "make",
    "nix-bin",
    // kernel builds (src/kernel): kconfig, objtool/sign tools, initramfs, Debian's 6.12 source
    "flex",
    "bison",
    "bc",
    "libelf-dev",
    "libssl-dev",
    "cpio",
    "linux-source-6.12",
];

/// Installed in an apt-get call of their own: they downgrade the image's backported
/// qemu-utils, which apt only resolves when they are not mixed with other packages.
const QEMU_SYSTEM: &[&str] = &["qemu-system-x86", "qemu-system-arm", "qemu-system-misc", "opensbi"];

const DEB_SRC_FILE: &str = "/etc/apt/sources.list.d/ccc-deb-src.sources";

pub fn missing(pkgs: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("dpkg-query");
    cmd.arg("-W").arg("-f=${Package} ${Status}\n").args(pkgs);
    let o = proc::run(&mut cmd, Duration::from_secs(60));
    let text = o.stdout_str();
    pkgs.iter()
        // "install ok installed", or "hold ok installed" for a package pinned with apt-mark hold.
        .filter(|p| !text.lines().any(|l| l.starts_with(&format!("{p} ")) && l.ends_with(" ok installed")))
        .map(|p| p.to_string())
        .collect()
}

/// Make sure `apt-get source` works: returns true when an entry was added.
fn ensure_deb_src() -> Result<bool, String> {
    let codename = os_codename();
    let mut deb = Vec::new();
    let mut has_src = false;
    for (path, text) in apt_source_files() {
        if path.ends_with(".sources") {
            for stanza in text.split("\n\n") {
                let field = |name: &str| {
                    stanza
                        .lines()
                        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
                        .map(|v| v.trim().to_string())
                };
                let (Some(types), Some(suites)) = (field("Types"), field("Suites")) else { continue };
                if !suites.split_whitespace().any(|s| s.starts_with(&codename)) {
                    continue;
                }
                if types.split_whitespace().any(|t| t == "deb-src") {
                    has_src = true;
                }
                if types.split_whitespace().any(|t| t == "deb") {
                    let keep: Vec<String> = stanza
                        .lines()
                        .filter(|l| !l.starts_with('#') && !l.starts_with("Types"))
                        .map(str::to_string)
                        .collect();
                    deb.push(format!("Types: deb-src\n{}", keep.join("\n")));
                }
            }
        } else {
            for l in text.lines().map(str::trim) {
                let words: Vec<&str> = l.split_whitespace().collect();
                let Some(first) = words.first() else { continue };
                // Lines: `deb [opts] URI suite components...`
                let suite_ok = words.iter().skip(1).any(|w| w.starts_with(&codename));
                if *first == "deb-src" && suite_ok {
                    has_src = true;
                }
                if *first == "deb" && suite_ok {
                    deb.push(format!("#one-line\ndeb-src {}", words[1..].join(" ")));
                }
            }
        }
    }
    if has_src || deb.is_empty() {
        return Ok(false);
    }
    // Write deb822 stanzas; convert one-line entries to one-line form in a .list file.
    let (stanzas, lines): (Vec<String>, Vec<String>) = deb.into_iter().partition(|s| !s.starts_with("#one-line"));
    if !stanzas.is_empty() {
        std::fs::write(DEB_SRC_FILE, stanzas.join("\n\n") + "\n").map_err(|e| format!("{DEB_SRC_FILE}: {e}"))?;
    }
    if !lines.is_empty() {
        let body: Vec<String> = lines.iter().map(|s| s.trim_start_matches("#one-line\n").to_string()).collect();
        let p = "/etc/apt/sources.list.d/ccc-deb-src.list";
        std::fs::write(p, body.join("\n") + "\n").map_err(|e| format!("{p}: {e}"))?;
    }
    Ok(true)
}

fn os_codename() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("VERSION_CODENAME=").map(|v| v.trim_matches('"').to_string())))
        .unwrap_or_else(|| "bookworm".to_string())
}

/// Active apt source files (apt ignores other extensions, e.g. `.disabled`).
fn apt_source_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(t) = std::fs::read_to_string("/etc/apt/sources.list") {
        out.push(("/etc/apt/sources.list".to_string(), t));
    }
    let dir = Path::new("/etc/apt/sources.list.d");
    let mut names: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        let s = p.display().to_string();
        if s.ends_with(".list") || s.ends_with(".sources") {
            if let Ok(t) = std::fs::read_to_string(&p) {
                out.push((s, t));
            }
        }
    }
    out
}

/// For an installed package whose version no configured archive offers (a backport
/// installed by hand), the archive's preferred version; None otherwise.
fn archive_version_if_foreign(pkg: &str) -> Option<String> {
    let q = proc::run(Command::new("dpkg-query").args(["-W", "-f=${Version}", pkg]), Duration::from_secs(60));
    let installed = q.stdout_str().trim().to_string();
    if !q.status.success() || installed.is_empty() {
        return None;
    }
    let m = proc::run(Command::new("apt-cache").args(["madison", pkg]), Duration::from_secs(60));
    let offered: Vec<String> = m
        .stdout_str()
        .lines()
        .filter(|l| l.ends_with(" Packages"))
        .filter_map(|l| l.split('|').nth(1).map(|v| v.trim().to_string()))
        .collect();
    if offered.iter().any(|v| *v == installed) {
        return None;
    }
    offered.into_iter().next()
}

fn apt(ctx: &Ctx, args: &[&str], log: &mut String) -> Result<(), String> {
    let mut cmd = Command::new("apt-get");
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        .args(["-q", "-y", "-o", "DPkg::Lock::Timeout=900", "-o", "APT::Get::Show-Upgraded=false"])
        .args(args);
    let o = proc::run_limited(&mut cmd, Duration::from_secs(3600), 8 << 20);
    log.push_str(&format!("$ apt-get {}\n{}{}\n", args.join(" "), o.stdout_str(), o.stderr_str()));
    let _ = std::fs::write(ctx.out.join("deps.log"), &*log);
    if o.status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed ({}); log: {}", args.join(" "), o.status.describe(), ctx.show(&ctx.out.join("deps.log"))))
    }
}

pub fn ensure(ctx: &Ctx) -> Result<(), String> {
    let miss = missing(PACKAGES);
    let miss_sys = missing(QEMU_SYSTEM);
    let is_root = unsafe { libc::geteuid() } == 0;
    let added_src = if is_root { ensure_deb_src()? } else { false };
    if miss.is_empty() && miss_sys.is_empty() && !added_src {
        return Ok(());
    }
    let all: Vec<String> = miss.iter().chain(miss_sys.iter()).cloned().collect();
    if !is_root {
        if all.is_empty() {
            return Ok(());
        }
        return Err(format!("missing packages (run as root: apt-get install {})", all.join(" ")));
    }
    if !all.is_empty() {
        eprintln!("deps: installing {}", all.join(" "));
    }
    let mut log = String::new();
    apt(ctx, &["update"], &mut log)?;
    if !miss.is_empty() {
        let mut args = vec!["install", "--no-install-recommends"];
        args.extend(miss.iter().map(String::as_str));
        apt(ctx, &args, &mut log)?;
    }
    if !miss_sys.is_empty() {
        // With recommends, as tested: they bring the firmware/ROM files VMs look for.
        let mut args = vec!["install".to_string()];
        args.extend(miss_sys.iter().cloned());
        // Images that carry a backported qemu-utils break the archive's qemu-system-common:
        // move qemu-utils back to the archive's version in the same transaction.
        if let Some(pin) = archive_version_if_foreign("qemu-utils") {
            args.push("--allow-downgrades".to_string());
            args.push(format!("qemu-utils={pin}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        apt(ctx, &args, &mut log)?;
    }
    let still: Vec<String> = missing(PACKAGES).into_iter().chain(missing(QEMU_SYSTEM)).collect();
    if !still.is_empty() {
        return Err(format!("still missing after apt-get: {}", still.join(" ")));
    }
    Ok(())
}
