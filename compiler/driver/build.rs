//! Copy ccc's own headers (compiler/include) next to the binary of a cargo
//! build (`target/<profile>/ccc-include`), where the driver looks for them
//! when it is not installed as `<prefix>/bin/ccc` + `<prefix>/lib/ccc/include`.
//! Nothing about the build location is compiled into the binary.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let src = manifest.join("../include");
    println!("cargo:rerun-if-changed={}", src.display());
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else { return };
    // OUT_DIR is <target>/<profile>/build/ccc-<hash>/out.
    let Some(profile_dir) = out_dir.ancestors().nth(3) else { return };
    let dest = profile_dir.join("ccc-include");
    if let Err(e) = copy_dir(&src, &dest) {
        println!("cargo:warning=could not copy headers to {}: {e}", dest.display());
    }
}

fn copy_dir(src: &Path, dest: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dest)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let to = dest.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to)?;
        } else {
            println!("cargo:rerun-if-changed={}", entry.path().display());
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}
