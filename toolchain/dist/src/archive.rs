//! The byte format of a bundle: a tar stream (GNU headers) compressed with
//! zstd, written so that equal contents give equal bytes.

use crate::manifest::check_rel_path;
use crate::DistError;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

/// Fixed compression level: part of the bundle's byte identity.
pub const ZSTD_LEVEL: i32 = 15;

/// One file to put in a bundle; `path` is relative to the bundle root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub path: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

/// Writes `files` below the directory `top`, with every parent directory,
/// in sorted order, owned by root:root (0/0), modes as given (directories
/// 0755), every mtime `mtime`.
pub fn write_bundle<W: Write>(out: W, top: &str, files: &[BundleFile], mtime: u64) -> Result<W, DistError> {
    let mut encoder = zstd::stream::write::Encoder::new(out, ZSTD_LEVEL)
        .map_err(|e| DistError::new(format!("zstd: {e}")))?;
    encoder.include_checksum(true).map_err(|e| DistError::new(format!("zstd: {e}")))?;
    let mut builder = tar::Builder::new(encoder);

    let mut by_path: BTreeMap<String, Option<&BundleFile>> = BTreeMap::new();
    by_path.insert(top.to_string(), None);
    for file in files {
        check_rel_path(&file.path).map_err(DistError::new)?;
        let full = format!("{top}/{}", file.path);
        if by_path.insert(full.clone(), Some(file)).is_some() {
            return Err(DistError::new(format!("{}: listed twice", file.path)));
        }
    }
    let dirs: BTreeSet<String> = by_path
        .keys()
        .flat_map(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            (1..parts.len()).map(move |n| parts[..n].join("/")).collect::<Vec<_>>()
        })
        .collect();
    for dir in dirs {
        if let Some(Some(file)) = by_path.get(&dir) {
            return Err(DistError::new(format!("{}: both a file and a directory", file.path)));
        }
        by_path.insert(dir, None);
    }

    for (path, file) in &by_path {
        let mut header = tar::Header::new_gnu();
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("root").map_err(|e| DistError::new(format!("tar: {e}")))?;
        header.set_groupname("root").map_err(|e| DistError::new(format!("tar: {e}")))?;
        header.set_mtime(mtime);
        let result = match file {
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder.append_data(&mut header, format!("{path}/"), std::io::empty())
            }
            Some(f) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(f.mode);
                header.set_size(f.data.len() as u64);
                builder.append_data(&mut header, path, f.data.as_slice())
            }
        };
        result.map_err(|e| DistError::new(format!("{path}: tar: {e}")))?;
    }
    let encoder = builder.into_inner().map_err(|e| DistError::new(format!("tar: {e}")))?;
    encoder.finish().map_err(|e| DistError::new(format!("zstd: {e}")))
}

/// What a bundle stream contained. Reading never stops at the first problem
/// in an entry; problems name the entry. A stream-level failure (truncated
/// or corrupt compressed data) is also a problem, since the entries before
/// it were still read.
#[derive(Debug, Default)]
pub struct ReadBundle {
    pub top: Option<String>,
    /// Bundle-relative path -> (mode, contents).
    pub files: BTreeMap<String, (u32, Vec<u8>)>,
    pub problems: Vec<String>,
}

pub fn read_bundle<R: Read>(input: R) -> ReadBundle {
    let mut result = ReadBundle::default();
    let decoder = match zstd::stream::read::Decoder::new(input) {
        Ok(d) => d,
        Err(e) => {
            result.problems.push(format!("not a zstd stream: {e}"));
            return result;
        }
    };
    let mut archive = tar::Archive::new(decoder);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            result.problems.push(format!("archive truncated or corrupt: {e}"));
            return result;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                result.problems.push(format!("archive truncated or corrupt: {e}"));
                return result;
            }
        };
        let path = match entry.path() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(e) => {
                result.problems.push(format!("archive entry with a bad path: {e}"));
                continue;
            }
        };
        let trimmed = path.trim_end_matches('/').to_string();
        if let Err(msg) = check_rel_path(&trimmed) {
            result.problems.push(format!("archive entry {msg}"));
            continue;
        }
        let (top, rel) = match trimmed.split_once('/') {
            Some((t, r)) => (t.to_string(), Some(r.to_string())),
            None => (trimmed.clone(), None),
        };
        match &result.top {
            None => result.top = Some(top.clone()),
            Some(t) if *t != top => {
                result.problems.push(format!("{trimmed}: outside the bundle directory {t}/"));
                continue;
            }
            Some(_) => {}
        }
        let kind = entry.header().entry_type();
        match (kind, rel) {
            (tar::EntryType::Directory, _) => {}
            (tar::EntryType::Regular, Some(rel)) => {
                let mode = entry.header().mode().unwrap_or(0) & 0o7777;
                let mut data = Vec::new();
                if let Err(e) = entry.read_to_end(&mut data) {
                    result.problems.push(format!("{rel}: truncated or corrupt: {e}"));
                    return result;
                }
                result.files.insert(rel, (mode, data));
            }
            (other, _) => result.problems.push(format!("{trimmed}: unexpected entry type {other:?}")),
        }
    }
    // The tar end marker may come before the end of the compressed stream:
    // read the rest so that a cut-off frame or a bad checksum is seen.
    let mut rest = archive.into_inner();
    if let Err(e) = std::io::copy(&mut rest, &mut std::io::sink()) {
        result.problems.push(format!("archive truncated or corrupt: {e}"));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<BundleFile> {
        vec![
            BundleFile { path: "bin/ccc".into(), mode: 0o755, data: b"\x7fELF fake".to_vec() },
            BundleFile { path: "lib/ccc/include/stddef.h".into(), mode: 0o644, data: b"#pragma once\n".to_vec() },
        ]
    }

    #[test]
    fn write_then_read() {
        let bytes = write_bundle(Vec::new(), "ccc-x", &sample(), 0).unwrap();
        let read = read_bundle(bytes.as_slice());
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.top.as_deref(), Some("ccc-x"));
        assert_eq!(read.files["bin/ccc"], (0o755, b"\x7fELF fake".to_vec()));
        assert_eq!(read.files.len(), 2);
    }

    #[test]
    fn deterministic_and_epoch_sensitive() {
        let a = write_bundle(Vec::new(), "ccc-x", &sample(), 0).unwrap();
        let mut reversed = sample();
        reversed.reverse();
        let b = write_bundle(Vec::new(), "ccc-x", &reversed, 0).unwrap();
        assert_eq!(a, b);
        let c = write_bundle(Vec::new(), "ccc-x", &sample(), 1_700_000_000).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn truncation_is_reported() {
        let bytes = write_bundle(Vec::new(), "ccc-x", &sample(), 0).unwrap();
        for cut in [bytes.len() - 1, bytes.len() - 4, bytes.len() / 2, 10] {
            let read = read_bundle(&bytes[..cut]);
            assert!(!read.problems.is_empty(), "cut at {cut} accepted");
        }
    }

    #[test]
    fn rejects_bad_paths() {
        let bad = vec![BundleFile { path: "../x".into(), mode: 0o644, data: vec![] }];
        assert!(write_bundle(Vec::new(), "ccc-x", &bad, 0).is_err());
    }
}
