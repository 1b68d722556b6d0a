//! The kernel source tree: a directory used as is, or a tarball extracted
//! once into a cache directory (re-extracted only when the tarball changes).

use super::run::run_logged;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's `linux-source-6.12` package puts the tarball here.
pub const DEBIAN_SOURCE: &str = "/usr/src/linux-source-6.12.tar.xz";

/// Returns the top of a kernel tree (the directory holding `Makefile` and
/// `scripts/kconfig`). `cache` is where tarballs are extracted.
pub fn prepare(src: &Path, cache: &Path) -> Result<PathBuf, String> {
    if src.is_dir() {
        return check_tree(src);
    }
    if !src.is_file() {
        return Err(format!("{}: kernel source not found (give a directory or a .tar.xz/.tar.gz)", src.display()));
    }
    let meta = std::fs::metadata(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Identity of the tarball: a different file gets a fresh extraction.
    let stamp = format!("{}\n{}\n{}\n", src.canonicalize().unwrap_or_else(|_| src.to_path_buf()).display(), meta.len(), mtime);
    let stem = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "linux".into());
    let stem = stem.trim_end_matches(".xz").trim_end_matches(".gz").trim_end_matches(".zst").trim_end_matches(".tar");
    let dest = cache.join(stem);
    let stamp_file = dest.join(".ccc-extracted");
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return find_top(&dest);
    }
    // Extract next to the destination, then rename: never a half tree.
    let tmp = cache.join(format!(".{stem}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut tar = Command::new("tar");
    tar.arg("-xf").arg(src).arg("-C").arg(&tmp);
    run_logged(&mut tar, &cache.join(format!("{stem}.extract.log")))
        .map_err(|e| format!("extracting {}: {e}", src.display()))?;
    std::fs::write(tmp.join(".ccc-extracted"), &stamp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&tmp, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    find_top(&dest)
}

/// A tarball holds either the tree itself or one directory with it.
fn find_top(dir: &Path) -> Result<PathBuf, String> {
    if dir.join("Makefile").is_file() {
        return check_tree(dir);
    }
    let subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Makefile").is_file())
        .collect();
    match subdirs.as_slice() {
        [only] => check_tree(only),
        _ => Err(format!("{}: no kernel tree inside", dir.display())),
    }
}

fn check_tree(dir: &Path) -> Result<PathBuf, String> {
    if dir.join("Makefile").is_file() && dir.join("scripts/kconfig/merge_config.sh").is_file() {
        Ok(dir.to_path_buf())
    } else {
        Err(format!("{}: not a Linux source tree (no Makefile or scripts/kconfig)", dir.display()))
    }
}
