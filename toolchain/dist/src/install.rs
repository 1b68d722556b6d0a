//! `ccc-dist install PREFIX`: verify a bundle fully, then write its files
//! into PREFIX (bin/, lib/ccc/include/) plus `lib/ccc/MANIFEST.json`, so that
//! `ccc-dist verify PREFIX` can check the installation later.

use crate::manifest::{Manifest, MANIFEST_NAME};
use crate::pack::write_atomically;
use crate::DistError;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Installs `bundle` into `prefix`. Nothing is written unless the whole
/// bundle verifies. Returns the number of files installed.
pub fn install(bundle: &Path, prefix: &Path) -> Result<usize, DistError> {
    let (report, read) = crate::verify::verify_archive_contents(bundle)?;
    if !report.ok() {
        return Err(DistError::new(format!(
            "{}: refusing to install an archive that fails verification:\n  {}",
            bundle.display(),
            report.problems.join("\n  ")
        )));
    }
    let manifest_bytes = &read
        .files
        .get(MANIFEST_NAME)
        .ok_or_else(|| DistError::new(format!("{MANIFEST_NAME}: missing")))?
        .1;
    let manifest = Manifest::from_json(manifest_bytes)?;
    for entry in &manifest.files {
        let (mode, data) = read
            .files
            .get(&entry.path)
            .ok_or_else(|| DistError::new(format!("{}: missing", entry.path)))?;
        let dest = prefix.join(&entry.path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| DistError::io(parent, e))?;
        }
        write_atomically(&dest, data)?;
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(*mode)).map_err(|e| DistError::io(&dest, e))?;
    }
    let manifest_dest = prefix.join("lib/ccc").join(MANIFEST_NAME);
    std::fs::create_dir_all(prefix.join("lib/ccc")).map_err(|e| DistError::io(prefix, e))?;
    write_atomically(&manifest_dest, manifest_bytes)?;
    Ok(manifest.files.len())
}
