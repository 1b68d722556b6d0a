//! Temporary files and atomic output: results are written under a
//! temporary name beside the destination and renamed into place, so an
//! error never leaves a partial output; temporaries are removed at exit.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

thread_local! {
    static TEMPS: RefCell<Vec<PathBuf>> = const { RefCell::new(Vec::new()) };
    static COUNTER: RefCell<u32> = const { RefCell::new(0) };
}

/// A fresh temporary path with the given suffix (registered for cleanup).
pub fn temp_path(suffix: &str) -> PathBuf {
    let dir = std::env::var_os("TMPDIR").map(PathBuf::from).filter(|d| d.is_dir()).unwrap_or_else(|| PathBuf::from("/tmp"));
    let n = COUNTER.with(|c| {
        let mut c = c.borrow_mut();
        *c += 1;
        *c
    });
    let p = dir.join(format!("ccc-{}-{n}{suffix}", std::process::id()));
    register(p.clone());
    p
}

/// Where to write an output that ends up at `dest`: a staging file to be
/// renamed over it, or `dest` itself when that is not a regular file
/// (`/dev/null`, a pipe, a symlink: those are written through, never
/// replaced).
pub fn output_target(dest: &str) -> (PathBuf, bool) {
    match std::fs::symlink_metadata(dest) {
        Ok(m) if !m.file_type().is_file() => (PathBuf::from(dest), false),
        _ => (staging_path(dest), true),
    }
}

/// The temporary name a final output is first written to.
fn staging_path(dest: &str) -> PathBuf {
    let d = Path::new(dest);
    let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let p = d.with_file_name(format!(".{name}.ccc-{}.tmp", std::process::id()));
    register(p.clone());
    p
}

fn register(p: PathBuf) {
    TEMPS.with(|t| t.borrow_mut().push(p));
}

/// Move a finished staging file to its destination.
pub fn commit(staged: &Path, dest: &str) -> Result<(), String> {
    std::fs::rename(staged, dest).map_err(|e| format!("cannot write '{dest}': {e}"))
}

/// Write `data` to `dest` atomically ("-" is standard output).
pub fn write_output(dest: &str, data: &[u8]) -> Result<(), String> {
    if dest == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return out.write_all(data).and_then(|_| out.flush()).map_err(|e| format!("cannot write to standard output: {e}"));
    }
    let (target, staged) = output_target(dest);
    std::fs::write(&target, data).map_err(|e| format!("cannot open '{dest}' for writing: {e}"))?;
    if staged {
        commit(&target, dest)?;
    }
    Ok(())
}

/// Remove every temporary still present (kept ones were renamed away).
pub fn cleanup_all() {
    TEMPS.with(|t| {
        for p in t.borrow_mut().drain(..) {
            let _ = std::fs::remove_file(p);
        }
    });
}
