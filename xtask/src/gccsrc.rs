//! GCC 12's torture tests, extracted once from Debian's `gcc-12-source` tarball.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::ctx::Ctx;
use crate::proc;

const TARBALL: &str = "/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz";
const MEMBER: &str = "gcc-12.2.0/gcc/testsuite/gcc.c-torture";

/// `.../cache/gcc.c-torture` (containing `execute/`, `compile/`, ...).
pub fn torture_dir(ctx: &Ctx) -> Result<PathBuf, String> {
    let dest = ctx.cache.join("gcc.c-torture");
    if dest.join(".complete").exists() {
        return Ok(dest);
    }
    let tmp = ctx.cache.join("gcc.c-torture.tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut cmd = Command::new("tar");
    cmd.arg("-xJf").arg(TARBALL).arg("-C").arg(&tmp).arg("--strip-components=3").arg(MEMBER);
    let o = proc::run(&mut cmd, Duration::from_secs(600));
    if !o.status.success() {
        return Err(format!("extracting {MEMBER} from {TARBALL}: {} {}", o.status.describe(), proc::first_error_line(&o.stderr_str())));
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(tmp.join("gcc.c-torture"), &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::write(dest.join(".complete"), "").map_err(|e| e.to_string())?;
    Ok(dest)
}

/// Sorted `*.c` files of a torture subdirectory (non-recursive).
pub fn list_c(dir: &std::path::Path) -> Result<Vec<PathBuf>, String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    v.sort();
    Ok(v)
}

/// `gcc --version` first line etc., part of every oracle cache key.
pub fn compiler_id(prog: &str) -> String {
    let o = proc::run(Command::new(prog).arg("--version"), Duration::from_secs(30));
    o.stdout_str().lines().next().unwrap_or("unknown").to_string()
}
