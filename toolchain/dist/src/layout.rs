//! Where a toolchain's files are, and where they go in a bundle.
//!
//! Install layout (also the layout inside a bundle, below its top directory):
//!
//! ```text
//! bin/ccc               the compiler driver (required)
//! bin/ccc-ld, ccc-ar    linker / archiver, when built
//! bin/ccc-dist          this tool
//! lib/ccc/include/...   the compiler's own headers (stddef.h, stdarg.h, ...)
//! MANIFEST.json         bundle only: sha256 of every file above
//! ```
//!
//! `ccc-dist` finds the toolchain it belongs to from its own executable,
//! whatever the current directory:
//! - install: `<prefix>/bin/ccc-dist` with headers in `<prefix>/lib/ccc/include`;
//! - cargo build: `<target>/<profile>/ccc-dist`, headers in
//!   `<target>/<profile>/ccc-include` (copied there by compiler/driver's
//!   build.rs, where ccc itself finds them), else the repository's
//!   `compiler/include` found by walking up from the executable;
//!   `--include DIR` overrides.

use crate::DistError;
use std::path::{Path, PathBuf};

/// Programs shipped from the bin directory, in bundle order. Only `ccc` is
/// required; the others are included when they have been built.
pub const TOOLS: &[&str] = &["ccc", "ccc-ar", "ccc-dist", "ccc-ld"];
pub const REQUIRED_TOOL: &str = "ccc";

/// Bundle-relative location of the headers.
pub const INCLUDE_DEST: &str = "lib/ccc/include";
/// Where compiler/driver/build.rs copies the headers in a cargo build
/// (`target/<profile>/ccc-include`), relative to the bin directory.
pub const CARGO_INCLUDE: &str = "ccc-include";
/// Source-tree location of the headers, relative to the repository root.
pub const INCLUDE_SRC: &str = "compiler/include";

/// The files of one toolchain: (bundle-relative path, file on disk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    pub bin_dir: PathBuf,
    pub include_dir: Option<PathBuf>,
    pub files: Vec<(String, PathBuf)>,
}

/// Finds the toolchain around `exe` (normally `std::env::current_exe()`).
/// `include_override` replaces header discovery.
pub fn discover(exe: &Path, include_override: Option<&Path>) -> Result<Toolchain, DistError> {
    let exe = exe.canonicalize().map_err(|e| DistError::io(exe, e))?;
    let bin_dir = exe
        .parent()
        .ok_or_else(|| DistError::new(format!("{}: executable has no parent directory", exe.display())))?
        .to_path_buf();
    let include_dir = match include_override {
        Some(dir) if dir.is_dir() => Some(dir.to_path_buf()),
        Some(dir) => return Err(DistError::new(format!("{}: header directory not found", dir.display()))),
        None => find_include_dir(&bin_dir),
    };
    collect(&bin_dir, include_dir)
}

/// Lists the files of a toolchain whose programs are in `bin_dir`.
pub fn collect(bin_dir: &Path, include_dir: Option<PathBuf>) -> Result<Toolchain, DistError> {
    let mut files = Vec::new();
    for tool in TOOLS {
        let path = bin_dir.join(tool);
        if path.is_file() {
            files.push((format!("bin/{tool}"), path));
        } else if *tool == REQUIRED_TOOL {
            return Err(DistError::new(format!(
                "{}: compiler not found beside ccc-dist (build it with `cargo build -p ccc`)",
                path.display()
            )));
        }
    }
    if let Some(dir) = &include_dir {
        let mut headers = Vec::new();
        walk_files(dir, "", &mut headers)?;
        for (rel, path) in headers {
            files.push((format!("{INCLUDE_DEST}/{rel}"), path));
        }
    }
    files.sort();
    Ok(Toolchain { bin_dir: bin_dir.to_path_buf(), include_dir, files })
}

/// Header directory for a bin directory: install layout first, then a source
/// tree containing the bin directory (`<repo>/target/<profile>/`). The tree
/// this tool was compiled from is deliberately not remembered: that path
/// would make the binary depend on the build directory. With a target dir
/// outside the repository, pass `--include`.
fn find_include_dir(bin_dir: &Path) -> Option<PathBuf> {
    if let Some(prefix) = bin_dir.parent() {
        let installed = prefix.join(INCLUDE_DEST);
        if installed.is_dir() {
            return Some(installed);
        }
    }
    // A cargo build: the driver's build.rs copies compiler/include there,
    // and ccc itself reads its headers from it.
    let cargo_copy = bin_dir.join(CARGO_INCLUDE);
    if cargo_copy.is_dir() {
        return Some(cargo_copy);
    }
    for ancestor in bin_dir.ancestors() {
        let candidate = ancestor.join(INCLUDE_SRC);
        if candidate.is_dir() {
            return Some(candidate);
        }
    }
    None
}

/// Every regular file below `dir`, as (path relative to the walk root with
/// `/` separators, path on disk), sorted. Symlinks and special files are
/// refused: a bundle must not depend on what they point to.
pub fn walk_files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), DistError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DistError::io(dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DistError::io(dir, e))?;
        names.push(entry.file_name());
    }
    names.sort();
    for name in names {
        let name_str = name
            .to_str()
            .ok_or_else(|| DistError::new(format!("{}: file name is not UTF-8", dir.join(&name).display())))?;
        let path = dir.join(&name);
        let rel = if prefix.is_empty() { name_str.to_string() } else { format!("{prefix}/{name_str}") };
        let meta = std::fs::symlink_metadata(&path).map_err(|e| DistError::io(&path, e))?;
        if meta.is_dir() {
            walk_files(&path, &rel, out)?;
        } else if meta.is_file() {
            out.push((rel, path));
        } else {
            return Err(DistError::new(format!("{}: not a regular file or directory", path.display())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ccc-dist-layout-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn install_layout_is_discovered_from_the_executable() {
        let root = scratch("install");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("lib/ccc/include/sys")).unwrap();
        std::fs::write(root.join("bin/ccc"), b"cc").unwrap();
        std::fs::write(root.join("bin/ccc-dist"), b"dist").unwrap();
        std::fs::write(root.join("bin/unrelated"), b"x").unwrap();
        std::fs::write(root.join("lib/ccc/include/stddef.h"), b"h").unwrap();
        std::fs::write(root.join("lib/ccc/include/sys/x.h"), b"h").unwrap();
        let tc = discover(&root.join("bin/ccc-dist"), None).unwrap();
        let names: Vec<&str> = tc.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["bin/ccc", "bin/ccc-dist", "lib/ccc/include/stddef.h", "lib/ccc/include/sys/x.h"]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn missing_compiler_is_an_error() {
        let root = scratch("nocc");
        std::fs::write(root.join("ccc-dist"), b"dist").unwrap();
        let err = collect(&root, None).unwrap_err();
        assert!(err.0.contains("compiler not found"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
