//! `ccc-dist verify`: checks a bundle (`.tar.zst`) or an unpacked bundle
//! directory against its MANIFEST.json. Every problem is reported by name.

use crate::archive::{read_bundle, ReadBundle};
use crate::layout::walk_files;
use crate::pack::{parse_sidecar, sidecar_path};
use crate::manifest::{parse_mode, sha256_hex, Manifest, MANIFEST_NAME};
use crate::DistError;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Outcome of a verification: the manifest (when it could be read) and the
/// list of problems; verification passed iff `problems` is empty.
#[derive(Debug, Default)]
pub struct Report {
    pub manifest: Option<Manifest>,
    pub checked: usize,
    pub problems: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.manifest.is_some()
    }
}

/// Compares actual files (path -> (mode, sha256, size)) with the manifest.
/// With `allow_extra`, files the manifest does not list are not problems
/// (an install prefix is shared with other software).
fn compare(manifest: &Manifest, actual: &BTreeMap<String, (u32, String, u64)>, allow_extra: bool, report: &mut Report) {
    for entry in &manifest.files {
        match actual.get(&entry.path) {
            None => report.problems.push(format!("{}: missing", entry.path)),
            Some((mode, sha, size)) => {
                report.checked += 1;
                if *sha != entry.sha256 || *size != entry.size {
                    report.problems.push(format!(
                        "{}: content differs from the manifest (sha256 {sha}, expected {})",
                        entry.path, entry.sha256
                    ));
                }
                if Some(*mode) != parse_mode(&entry.mode) {
                    report.problems.push(format!("{}: mode {mode:04o}, expected {}", entry.path, entry.mode));
                }
            }
        }
    }
    if !allow_extra {
        for path in actual.keys() {
            if path != MANIFEST_NAME && manifest.files.binary_search_by(|e| e.path.as_str().cmp(path)).is_err() {
                report.problems.push(format!("{path}: not listed in the manifest"));
            }
        }
    }
}

pub fn verify_archive(path: &Path) -> Result<Report, DistError> {
    verify_archive_contents(path).map(|(report, _)| report)
}

/// Verifies the archive at `path` and also returns what it contained, read
/// from the same bytes that were verified (install uses this).
pub fn verify_archive_contents(path: &Path) -> Result<(Report, ReadBundle), DistError> {
    let bytes = std::fs::read(path).map_err(|e| DistError::io(path, e))?;
    let mut read = read_bundle(bytes.as_slice());
    let mut report = Report { problems: std::mem::take(&mut read.problems), ..Report::default() };
    let sidecar = sidecar_path(path);
    if sidecar.is_file() {
        let text = std::fs::read_to_string(&sidecar).map_err(|e| DistError::io(&sidecar, e))?;
        match parse_sidecar(&text) {
            None => report.problems.push(format!("{}: malformed checksum file", sidecar.display())),
            Some(expected) => {
                let actual = sha256_hex(&bytes);
                if actual != expected {
                    report.problems.push(format!(
                        "archive sha256 {actual} differs from {expected} recorded in {}",
                        sidecar.display()
                    ));
                }
            }
        }
    }
    let Some((_, manifest_bytes)) = read.files.get(MANIFEST_NAME) else {
        report.problems.push(format!("{MANIFEST_NAME}: missing from the archive"));
        return Ok((report, read));
    };
    let manifest = match Manifest::from_json(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            report.problems.push(e.0);
            return Ok((report, read));
        }
    };
    if let Some(top) = &read.top {
        let expected = crate::bundle_name(&manifest.version, &manifest.target);
        if *top != expected {
            report.problems.push(format!("{top}/: bundle directory should be {expected}/"));
        }
    }
    let actual = read
        .files
        .iter()
        .map(|(p, (mode, data))| (p.clone(), (*mode, sha256_hex(data), data.len() as u64)))
        .collect();
    compare(&manifest, &actual, false, &mut report);
    report.manifest = Some(manifest);
    Ok((report, read))
}

/// Where the manifest of a directory is: an unpacked bundle has it at its
/// root (extra files are problems); an install prefix has it in
/// `lib/ccc/` (extra files are allowed). A directory holding exactly one
/// unpacked bundle is accepted too.
fn find_manifest(dir: &Path) -> Option<(PathBuf, PathBuf, bool)> {
    if dir.join(MANIFEST_NAME).is_file() {
        return Some((dir.to_path_buf(), dir.join(MANIFEST_NAME), false));
    }
    let installed = dir.join("lib/ccc").join(MANIFEST_NAME);
    if installed.is_file() {
        return Some((dir.to_path_buf(), installed, true));
    }
    let subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(MANIFEST_NAME).is_file())
        .collect();
    match subdirs.as_slice() {
        [only] => Some((only.clone(), only.join(MANIFEST_NAME), false)),
        _ => None,
    }
}

pub fn verify_dir(dir: &Path) -> Result<Report, DistError> {
    let (root, manifest_path, allow_extra) = find_manifest(dir)
        .ok_or_else(|| DistError::new(format!("{}: no {MANIFEST_NAME} found", dir.display())))?;
    let bytes = std::fs::read(&manifest_path).map_err(|e| DistError::io(&manifest_path, e))?;
    let manifest = Manifest::from_json(&bytes)?;
    let mut report = Report::default();
    let mut actual = BTreeMap::new();
    if allow_extra {
        // Only hash what the manifest names.
        for entry in &manifest.files {
            let path = root.join(&entry.path);
            if let Ok(data) = std::fs::read(&path) {
                let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0);
                actual.insert(entry.path.clone(), (mode, sha256_hex(&data), data.len() as u64));
            }
        }
    } else {
        let mut files = Vec::new();
        walk_files(&root, "", &mut files)?;
        for (rel, path) in files {
            let data = std::fs::read(&path).map_err(|e| DistError::io(&path, e))?;
            let mode = std::fs::metadata(&path).map_err(|e| DistError::io(&path, e))?.permissions().mode() & 0o7777;
            actual.insert(rel, (mode, sha256_hex(&data), data.len() as u64));
        }
    }
    compare(&manifest, &actual, allow_extra, &mut report);
    report.manifest = Some(manifest);
    Ok(report)
}

pub fn verify_path(path: &Path) -> Result<Report, DistError> {
    if path.is_dir() {
        verify_dir(path)
    } else {
        verify_archive(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::collect;
    use crate::pack::pack;

    /// A tiny toolchain so that every byte of its bundle can be flipped.
    fn tiny_bundle(name: &str) -> (PathBuf, Vec<u8>) {
        let dir = std::env::temp_dir().join(format!("ccc-dist-verify-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("include")).unwrap();
        std::fs::write(dir.join("bin/ccc"), b"\x7fELF not really a compiler").unwrap();
        std::fs::write(dir.join("include/stddef.h"), b"typedef unsigned long size_t;\n").unwrap();
        let tc = collect(&dir.join("bin"), Some(dir.join("include"))).unwrap();
        let out = dir.join("b.tar.zst");
        pack(&tc, "0.1.0", "x86_64-unknown-linux-gnu", 0, &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        (dir, bytes)
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        let (dir, bytes) = tiny_bundle("flip");
        let original = read_bundle(bytes.as_slice()).files;
        let flipped = dir.join("b.tar.zst");
        let mut silent_but_identical = 0;
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            std::fs::write(&flipped, &bad).unwrap();
            // With the sidecar: any change to the archive is an error.
            assert!(!verify_archive(&flipped).unwrap().ok(), "flip at {at} accepted with sidecar");
        }
        std::fs::remove_file(crate::pack::sidecar_path(&flipped)).unwrap();
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            std::fs::write(&flipped, &bad).unwrap();
            // Without it: either an error, or the archive still decodes to
            // exactly the original files (a redundant bit of the encoding).
            if verify_archive(&flipped).unwrap().ok() {
                assert_eq!(read_bundle(bad.as_slice()).files, original, "flip at {at} changed contents silently");
                silent_but_identical += 1;
            }
        }
        assert!(silent_but_identical < bytes.len() / 10, "{silent_but_identical} harmless flips of {}", bytes.len());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_truncation_is_caught() {
        let (dir, bytes) = tiny_bundle("cut");
        let cut = dir.join("cut.tar.zst");
        for len in 0..bytes.len() {
            std::fs::write(&cut, &bytes[..len]).unwrap();
            let report = verify_archive(&cut).unwrap();
            assert!(!report.ok(), "truncation to {len} bytes accepted");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
