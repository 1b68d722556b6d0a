//! `ccc-dist pack`: toolchain files -> `ccc-<version>-<triple>.tar.zst`.

use crate::archive::{write_bundle, BundleFile};
use crate::layout::Toolchain;
use crate::manifest::{mode_string, sha256_hex, FileEntry, Manifest, FORMAT, MANIFEST_NAME};
use crate::{bundle_name, DistError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// `SOURCE_DATE_EPOCH` as the reproducible-builds spec defines it: decimal
/// seconds; unset means 0. A malformed value is an error, not a silent 0.
pub fn source_date_epoch(value: Option<&str>) -> Result<u64, DistError> {
    match value {
        None => Ok(0),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| DistError::new(format!("SOURCE_DATE_EPOCH={v:?} is not a non-negative integer"))),
    }
}

/// Reads the toolchain's files and builds the bundle contents, manifest last.
pub fn bundle_files(
    tc: &Toolchain,
    version: &str,
    triple: &str,
    epoch: u64,
) -> Result<(Manifest, Vec<BundleFile>), DistError> {
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for (rel, path) in &tc.files {
        let data = std::fs::read(path).map_err(|e| DistError::io(path, e))?;
        let meta = std::fs::metadata(path).map_err(|e| DistError::io(path, e))?;
        // Anything under bin/ is a program; otherwise keep the executable bit.
        let executable = rel.starts_with("bin/") || meta.permissions().mode() & 0o111 != 0;
        let mode = mode_string(executable);
        entries.push(FileEntry {
            path: rel.clone(),
            mode: mode.to_string(),
            size: data.len() as u64,
            sha256: sha256_hex(&data),
        });
        files.push(BundleFile { path: rel.clone(), mode: if executable { 0o755 } else { 0o644 }, data });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: FORMAT,
        name: "ccc".into(),
        version: version.into(),
        target: triple.into(),
        source_date_epoch: epoch,
        files: entries,
    };
    files.push(BundleFile { path: MANIFEST_NAME.into(), mode: 0o644, data: manifest.to_json() });
    Ok((manifest, files))
}

/// Default output name, in the current directory.
pub fn default_output(version: &str, triple: &str) -> PathBuf {
    PathBuf::from(format!("{}.tar.zst", bundle_name(version, triple)))
}

/// Packs `tc` into `output`, atomically (temporary file + rename), and
/// records the archive's own sha256 in `<output>.sha256` (sha256sum format):
/// the manifest covers every file, the sidecar covers every archive byte
/// (zstd encodings have bits that do not change what they decode to).
/// Returns the manifest and the archive's sha256.
pub fn pack(
    tc: &Toolchain,
    version: &str,
    triple: &str,
    epoch: u64,
    output: &Path,
) -> Result<(Manifest, String), DistError> {
    let (manifest, files) = bundle_files(tc, version, triple, epoch)?;
    let bytes = write_bundle(Vec::new(), &bundle_name(version, triple), &files, epoch)?;
    write_atomically(output, &bytes)?;
    let digest = sha256_hex(&bytes);
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    write_atomically(&sidecar_path(output), format!("{digest}  {name}\n").as_bytes())?;
    Ok((manifest, digest))
}

/// `<archive>.sha256`, beside the archive.
pub fn sidecar_path(archive: &Path) -> PathBuf {
    let mut name = archive.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".sha256");
    archive.with_file_name(name)
}

/// The digest recorded in a sidecar file (first word of its first line).
pub fn parse_sidecar(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    (word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit())).then(|| word.to_ascii_lowercase())
}

pub fn write_atomically(output: &Path, bytes: &[u8]) -> Result<(), DistError> {
    let name = output
        .file_name()
        .ok_or_else(|| DistError::new(format!("{}: not a file name", output.display())))?;
    let tmp = output.with_file_name(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| DistError::io(&tmp, e))?;
    std::fs::rename(&tmp, output).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        DistError::io(output, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_parsing() {
        assert_eq!(source_date_epoch(None).unwrap(), 0);
        assert_eq!(source_date_epoch(Some("1700000000")).unwrap(), 1_700_000_000);
        assert!(source_date_epoch(Some("yesterday")).is_err());
        assert!(source_date_epoch(Some("-1")).is_err());
    }
}
