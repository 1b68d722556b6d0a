//! ccc-dist round trip with the real binaries in the cargo target dir
//! (source-tree layout): pack twice from different directories, compare,
//! verify, and check that damage is reported.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds ccc and ccc-dist (release, like xtask) and returns ccc-dist's path.
pub fn build_tools(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release", "-p", "ccc", "-p", "ccc-dist"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build -p ccc -p ccc-dist failed".into());
    }
    let exe = crate::kernel::target_dir().join("release/ccc-dist");
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(format!("{} missing after build", exe.display()))
    }
}

fn run(exe: &Path, args: &[&str], cwd: &Path) -> Result<Output, String> {
    Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)).trim().to_string()
}

/// Returns a summary such as "2 packs identical (sha256 ...), verify ok,
/// flipped byte and truncation rejected".
pub fn round_trip(dist: &Path, scratch: &Path) -> Result<String, String> {
    // The repository's headers, named explicitly: the target dir need not
    // be inside the repository.
    let include = crate::kernel::workspace_root().join("compiler/include");
    let mut pack_args = vec!["pack".to_string(), "-o".to_string(), "bundle.tar.zst".to_string()];
    if include.is_dir() {
        pack_args.push("--include".into());
        pack_args.push(include.display().to_string());
    }
    let pack_args: Vec<&str> = pack_args.iter().map(String::as_str).collect();
    let _ = std::fs::remove_dir_all(scratch);
    let (a, b) = (scratch.join("a"), scratch.join("b/deeper"));
    for d in [&a, &b] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    for cwd in [&a, &b] {
        let o = run(dist, &pack_args, cwd)?;
        if !o.status.success() {
            return Err(format!("pack in {}: {}", cwd.display(), text(&o)));
        }
    }
    let one = std::fs::read(a.join("bundle.tar.zst")).map_err(|e| e.to_string())?;
    let two = std::fs::read(b.join("bundle.tar.zst")).map_err(|e| e.to_string())?;
    if one != two {
        return Err("two packs of the same toolchain differ".into());
    }
    let bundle = a.join("bundle.tar.zst");
    let o = run(dist, &["verify", &bundle.display().to_string()], scratch)?;
    if !o.status.success() {
        return Err(format!("verify of a fresh bundle failed: {}", text(&o)));
    }

    let flipped = a.join("flipped.tar.zst");
    let mut bad = one.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x40;
    std::fs::write(&flipped, &bad).map_err(|e| e.to_string())?;
    std::fs::copy(a.join("bundle.tar.zst.sha256"), a.join("flipped.tar.zst.sha256")).map_err(|e| e.to_string())?;
    let o = run(dist, &["verify", &flipped.display().to_string()], scratch)?;
    if o.status.success() {
        return Err(format!("a flipped byte at {at} was accepted"));
    }

    let cut = a.join("cut.tar.zst");
    std::fs::write(&cut, &one[..one.len() - 100.min(one.len() / 2)]).map_err(|e| e.to_string())?;
    let o = run(dist, &["verify", &cut.display().to_string()], scratch)?;
    if o.status.success() || !text(&o).contains("truncated or corrupt") {
        return Err(format!("a truncated archive was not reported as such: {}", text(&o)));
    }
    let digest = text(&run(dist, &["verify", &bundle.display().to_string()], scratch)?);
    Ok(format!(
        "packs from two directories identical ({} bytes), {digest}; flipped byte and truncation rejected",
        one.len()
    ))
}
