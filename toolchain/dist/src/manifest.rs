//! MANIFEST.json: what a bundle contains, with the sha256 of every file.

use crate::DistError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const MANIFEST_NAME: &str = "MANIFEST.json";
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub name: String,
    pub version: String,
    pub target: String,
    pub source_date_epoch: u64,
    /// Sorted by path; paths are relative to the bundle root, `/`-separated.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    /// Octal, "0755" for programs, "0644" for everything else.
    pub mode: String,
    pub size: u64,
    pub sha256: String,
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for byte in digest {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// The only two modes a bundle uses.
pub fn mode_string(executable: bool) -> &'static str {
    if executable {
        "0755"
    } else {
        "0644"
    }
}

pub fn parse_mode(mode: &str) -> Option<u32> {
    match mode {
        "0755" => Some(0o755),
        "0644" => Some(0o644),
        _ => None,
    }
}

impl Manifest {
    pub fn to_json(&self) -> Vec<u8> {
        // Struct fields serialize in declaration order and files are sorted,
        // so the text is a pure function of the contents.
        let mut text = serde_json::to_string_pretty(self).expect("manifest serializes");
        text.push('\n');
        text.into_bytes()
    }

    pub fn from_json(data: &[u8]) -> Result<Manifest, DistError> {
        let m: Manifest = serde_json::from_slice(data)
            .map_err(|e| DistError::new(format!("{MANIFEST_NAME}: malformed: {e}")))?;
        if m.format != FORMAT {
            return Err(DistError::new(format!("{MANIFEST_NAME}: unsupported format {}", m.format)));
        }
        for f in &m.files {
            check_rel_path(&f.path).map_err(|e| DistError::new(format!("{MANIFEST_NAME}: {e}")))?;
            if parse_mode(&f.mode).is_none() {
                return Err(DistError::new(format!("{MANIFEST_NAME}: {}: bad mode {:?}", f.path, f.mode)));
            }
        }
        if m.files.windows(2).any(|w| w[0].path >= w[1].path) {
            return Err(DistError::new(format!("{MANIFEST_NAME}: files are not sorted and unique")));
        }
        Ok(m)
    }
}

/// Bundle paths must be relative, `/`-separated, without `.`/`..`/empty parts.
pub fn check_rel_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.starts_with('/') || path.contains('\\') {
        return Err(format!("{path:?}: not a relative bundle path"));
    }
    if path.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(format!("{path:?}: path has an empty, `.` or `..` component"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn round_trip_and_rejections() {
        let m = Manifest {
            format: FORMAT,
            name: "ccc".into(),
            version: "0.1.0".into(),
            target: "x86_64-unknown-linux-gnu".into(),
            source_date_epoch: 0,
            files: vec![FileEntry { path: "bin/ccc".into(), mode: "0755".into(), size: 1, sha256: "00".into() }],
        };
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
        let bad = String::from_utf8(m.to_json()).unwrap().replace("bin/ccc", "../ccc");
        assert!(Manifest::from_json(bad.as_bytes()).is_err());
        let bad = String::from_utf8(m.to_json()).unwrap().replace("0755", "4755");
        assert!(Manifest::from_json(bad.as_bytes()).is_err());
        assert!(Manifest::from_json(b"{").is_err());
    }

    #[test]
    fn rel_paths() {
        assert!(check_rel_path("lib/ccc/include/stddef.h").is_ok());
        for bad in ["", "/abs", "a//b", "a/./b", "a/../b", "a\\b"] {
            assert!(check_rel_path(bad).is_err(), "{bad}");
        }
    }
}
