//! nix-instantiate checks: every .nix file parses; nix/lib/tests.nix
//! evaluates to no failures; the Nix tables agree with the Rust ones.

use crate::kernel::arch::{Arch, ALL};
use crate::kernel::init::{INIT_CFLAGS, MARKER};
use std::path::{Path, PathBuf};
use std::process::Command;

/// flake.nix and every .nix file under nix/, sorted.
pub fn nix_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = vec![root.join("flake.nix")];
    let mut stack = vec![root.join("nix")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "nix") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn nix_instantiate(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("nix-instantiate")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run nix-instantiate (apt-get install nix-bin): {e}"))?;
    if !out.status.success() {
        return Err(format!("nix-instantiate {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Evaluates a Nix expression (from the repository root) to a string.
pub fn eval_string(root: &Path, expr: &str) -> Result<String, String> {
    let text = nix_instantiate(root, &["--eval", "--strict", "-E", expr])?;
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map(|t| t.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"))
        .ok_or_else(|| format!("`{expr}` did not evaluate to a string: {text}"))
}

pub fn parse_all(root: &Path) -> Result<usize, String> {
    let files = nix_files(root)?;
    let mut bad = Vec::new();
    for f in &files {
        if let Err(e) = nix_instantiate(root, &["--parse", &f.display().to_string()]) {
            bad.push(e);
        }
    }
    if bad.is_empty() {
        Ok(files.len())
    } else {
        Err(bad.join("\n"))
    }
}

/// nix/lib/tests.nix is a list of failed check names.
pub fn lib_tests(root: &Path) -> Result<(), String> {
    let out = nix_instantiate(root, &["--eval", "--strict", "--json", "nix/lib/tests.nix"])?;
    check_failures_json(&out)
}

/// The whole flake evaluated against nix/tests/mock-nixpkgs: catches
/// undefined names and broken plumbing; output names must match outputs.nix.
pub fn plumbing(root: &Path) -> Result<(), String> {
    let agree = nix_instantiate(root, &["--eval", "--strict", "-E", "(import ./nix/tests/plumbing.nix).namesAgree"])?;
    if agree != "true" {
        return Err("flake output names differ from nix/lib/outputs.nix".into());
    }
    // Forces every build script of every output.
    nix_instantiate(root, &["--eval", "--strict", "--json", "nix/tests/plumbing.nix"]).map(|_| ())
}

pub fn check_failures_json(out: &str) -> Result<(), String> {
    if out == "[]" {
        Ok(())
    } else {
        Err(format!("nix/lib/tests.nix failures: {out}"))
    }
}

/// One line per architecture, the same fields from both tables.
fn rust_targets() -> String {
    let mut archs: Vec<Arch> = ALL.to_vec();
    archs.sort_by_key(|a| a.name());
    archs
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {} {} {}",
                a.name(),
                a.linux_arch(),
                a.nix_config(),
                a.kernel_target(),
                a.image_path(),
                a.console(),
                a.qemu()
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

const NIX_TARGETS: &str = "let t = import ./nix/lib/targets.nix; in builtins.concatStringsSep \";\" \
    (map (a: let x = t.${a}; in \"${a} ${x.linuxArch} ${x.config} ${x.kernelTarget} ${x.kernelImagePath} ${x.console} ${x.qemu}\") \
    (builtins.attrNames t))";

pub fn tables_agree(root: &Path) -> Result<(), String> {
    let nix = eval_string(root, NIX_TARGETS)?;
    let rust = rust_targets();
    if nix != rust {
        return Err(format!("nix/lib/targets.nix and xtask kernel::arch differ:\n  nix:  {nix}\n  rust: {rust}"));
    }
    let flags = eval_string(root, "builtins.concatStringsSep \" \" (import ./nix/lib/init-flags.nix).cflags")?;
    if flags != INIT_CFLAGS.join(" ") {
        return Err(format!("init flags differ: nix `{flags}`, xtask `{}`", INIT_CFLAGS.join(" ")));
    }
    let marker = eval_string(root, "(import ./nix/lib/init-flags.nix).marker")?;
    if marker != MARKER {
        return Err(format!("boot marker differs: nix `{marker}`, xtask `{MARKER}`"));
    }
    let version = eval_string(root, "(builtins.fromTOML (builtins.readFile ./Cargo.toml)).workspace.package.version")?;
    if version != env!("CARGO_PKG_VERSION") {
        return Err(format!("flake version {version} != workspace version {}", env!("CARGO_PKG_VERSION")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_list_parsing() {
        assert!(check_failures_json("[]").is_ok());
        assert!(check_failures_json("[\"kconfig parse\"]").unwrap_err().contains("kconfig parse"));
    }

    #[test]
    fn finds_the_nix_files() {
        let root = crate::kernel::workspace_root();
        let files = nix_files(&root).unwrap();
        assert!(files.iter().any(|f| f.ends_with("nix/lib/targets.nix")));
        assert!(files.iter().any(|f| f.ends_with("flake.nix")));
    }

    #[test]
    fn rust_table_shape() {
        let t = rust_targets();
        assert!(t.starts_with("aarch64 arm64 aarch64-unknown-linux-gnu Image"), "{t}");
        assert_eq!(t.split(';').count(), 3);
    }
}
