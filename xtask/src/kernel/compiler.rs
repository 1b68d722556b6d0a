//! Which C compiler builds the kernel and the init: GCC (Debian's native or
//! cross gcc), ccc (this workspace's build), or any compiler by path.

use super::arch::Arch;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiler {
    /// `<cross-prefix>gcc` from Debian.
    Gcc,
    /// The ccc binary; cross targets get a `<triple>-gcc` symlink, since ccc
    /// (like GCC and like nixpkgs' cc-wrapper expects) takes its target
    /// from argv[0].
    Ccc(PathBuf),
    /// An explicit compiler command for the target (no renaming).
    Path(PathBuf),
}

impl Compiler {
    /// `gcc`, `ccc` or a path to a compiler.
    pub fn parse(s: &str) -> Result<Compiler, String> {
        match s {
            "gcc" => Ok(Compiler::Gcc),
            "ccc" => find_ccc().map(Compiler::Ccc),
            other => {
                let p = PathBuf::from(other);
                if p.is_file() || super::run::have_program(other) {
                    Ok(Compiler::Path(p))
                } else {
                    Err(format!("compiler `{other}` not found (expected gcc, ccc or a path)"))
                }
            }
        }
    }

    /// Short name used in output directory names and reports.
    pub fn label(&self) -> String {
        match self {
            Compiler::Gcc => "gcc".into(),
            Compiler::Ccc(_) => "ccc".into(),
            Compiler::Path(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "cc".into()),
        }
    }

    /// The command to use as `CC` for `arch`. For a cross ccc, creates the
    /// argv[0] symlink in `link_dir`.
    pub fn command_for(&self, arch: Arch, link_dir: &Path) -> Result<String, String> {
        match self {
            Compiler::Gcc => Ok(format!("{}gcc", arch.cross_prefix())),
            Compiler::Path(p) => Ok(p.display().to_string()),
            Compiler::Ccc(ccc) if arch.cross_prefix().is_empty() => Ok(ccc.display().to_string()),
            Compiler::Ccc(ccc) => {
                std::fs::create_dir_all(link_dir).map_err(|e| format!("{}: {e}", link_dir.display()))?;
                let link = link_dir.join(format!("{}-gcc", arch.nix_config()));
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(ccc, &link).map_err(|e| format!("{}: {e}", link.display()))?;
                Ok(link.display().to_string())
            }
        }
    }
}

/// ccc: `$CCC`, else beside the running xtask (same cargo profile dir),
/// else the workspace's target/{release,debug}.
pub fn find_ccc() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CCC") {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("CCC={}: not a file", p.display())) };
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            candidates.push(dir.join("ccc"));
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::workspace_root().join("target"));
    candidates.push(target.join("release/ccc"));
    candidates.push(target.join("debug/ccc"));
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| "ccc not built (run `cargo build --release -p ccc`, or set CCC=/path/to/ccc)".to_string())
}
