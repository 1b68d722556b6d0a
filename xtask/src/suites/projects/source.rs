//! Debian source packages via `apt-get source`, unpacked once into the cache (upstream
//! sources without Debian's patches, which mostly switch bundled libraries to system ones).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use crate::ctx::Ctx;
use crate::proc;

static LOCK: Mutex<()> = Mutex::new(());

/// The unpacked source tree of Debian source package `pkg`.
pub fn fetch(ctx: &Ctx, pkg: &str) -> Result<PathBuf, String> {
    fetch_into(&ctx.cache, pkg)
}

/// [`fetch`] with the cache directory given (`<cache>/src/<pkg>/tree`).
pub fn fetch_into(cache: &std::path::Path, pkg: &str) -> Result<PathBuf, String> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let base = cache.join("src").join(pkg);
    let tree = base.join("tree");
    if base.join(".complete").exists() {
        return Ok(tree);
    }
    let dl = base.join("download");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&dl).map_err(|e| format!("{}: {e}", dl.display()))?;
    // The candidate version first, then every other version apt knows (a mirror may lack one).
    let mut specs = vec![pkg.to_string()];
    let o = proc::run(Command::new("apt-cache").args(["showsrc", pkg]), Duration::from_secs(60));
    for l in o.stdout_str().lines() {
        if let Some(v) = l.strip_prefix("Version: ") {
            let s = format!("{pkg}={}", v.trim());
            if !specs.contains(&s) {
                specs.push(s);
            }
        }
    }
    let mut errors = Vec::new();
    let mut got = false;
    for spec in &specs {
        let o = proc::run(Command::new("apt-get").current_dir(&dl).args(["source", "--download-only", "-q", spec]), Duration::from_secs(900));
        if o.status.success() {
            got = true;
            break;
        }
        errors.push(format!("{spec}: {}", proc::first_error_line(&o.stderr_str())));
        for e in std::fs::read_dir(&dl).into_iter().flatten().flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    if !got {
        return Err(format!("apt-get source {pkg} failed (is there a deb-src entry? `cargo xtask deps` adds one): {}", errors.join("; ")));
    }
    let dsc = std::fs::read_dir(&dl)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "dsc"))
        .ok_or(format!("no .dsc downloaded for {pkg}"))?;
    let o = proc::run(Command::new("dpkg-source").arg("-x").arg("--skip-patches").arg(&dsc).arg(&tree), Duration::from_secs(900));
    if !o.status.success() {
        return Err(format!("dpkg-source -x {}: {}", dsc.display(), proc::first_error_line(&o.stderr_str())));
    }
    let _ = std::fs::write(base.join(".complete"), "");
    Ok(tree)
}
