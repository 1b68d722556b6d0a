//! Include file search, like GCC: `"..."` looks in the including file's
//! directory, then `-iquote`, then the `<...>` chain (`-I`, `-isystem`, ccc's
//! headers, system directories, `-idirafter`). `#include_next` continues
//! after the directory where the current file was found.

use std::path::{Path, PathBuf};

use super::Preprocessor;
use crate::intern::Sym;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchDir {
    pub path: String,
    /// Headers found here are system headers (no warnings, `3` flag).
    pub system: bool,
}

/// GCC's default system directories for a target after ccc's own include
/// directory: native targets use the multiarch layout, cross targets the
/// Debian cross layout `/usr/<triple>/include`. `sysroot` prefixes them all.
pub fn default_system_dirs(triple: &str, native: bool, sysroot: Option<&str>) -> Vec<String> {
    let root = sysroot.unwrap_or("").trim_end_matches('/');
    if native || !root.is_empty() {
        vec![format!("{root}/usr/local/include"), format!("{root}/usr/include/{triple}"), format!("{root}/usr/include")]
    } else {
        vec![format!("/usr/{triple}/include")]
    }
}

/// Remove duplicate and nonexistent directories as GCC does: a directory
/// that is also a system directory keeps only its system position.
pub fn clean_search_chain(dirs: Vec<SearchDir>) -> Vec<SearchDir> {
    let mut out: Vec<SearchDir> = Vec::new();
    for d in &dirs {
        if !Path::new(&d.path).is_dir() {
            continue;
        }
        if out.iter().any(|o| o.path == d.path) {
            continue;
        }
        if !d.system && dirs.iter().any(|o| o.system && o.path == d.path) {
            continue;
        }
        out.push(d.clone());
    }
    out
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || Path::new(name).is_absolute() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

impl<'a> Preprocessor<'a> {
    /// Resolve an include. Returns the path to open, the name shown in
    /// `__FILE__`/diagnostics, the chain index, and whether it is a system
    /// header.
    pub(super) fn find_include(&mut self, name: &str, angled: bool, next: bool) -> Option<(PathBuf, String, Option<usize>, bool)> {
        if Path::new(name).is_absolute() {
            let p = PathBuf::from(name);
            return p.is_file().then(|| (p, name.to_string(), None, false));
        }
        let quote_len = self.opts.quote_dirs.len();
        let start = if next {
            match self.files.last().and_then(|f| f.dir_index) {
                Some(i) => i + 1,
                None => quote_len,
            }
        } else {
            if !angled {
                // The directory of the current file (its presumed name's
                // directory, as GCC does).
                // `-include` files (read from `<command-line>`) are looked
                // up in the working directory.
                if let Some(f) = self.files.last() {
                    let dir = f.path.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                    let shown = join(&dir, name);
                    let p = PathBuf::from(&shown);
                    if p.is_file() {
                        return Some((p, shown, f.dir_index, f.system));
                    }
                }
            }
            if angled {
                quote_len
            } else {
                0
            }
        };
        let key = Sym::intern(name);
        for i in start..self.chain.len() {
            let hit = match self.lookup_cache.get(&(i, key)) {
                Some(h) => h.clone(),
                None => {
                    let p = PathBuf::from(join(&self.chain[i].path, name));
                    let h = p.is_file().then_some(p);
                    self.lookup_cache.insert((i, key), h.clone());
                    h
                }
            };
            if let Some(p) = hit {
                let shown = p.to_string_lossy().into_owned();
                return Some((p, shown, Some(i), self.chain[i].system));
            }
        }
        None
    }

    /// `__has_include` / `__has_include_next`.
    pub(super) fn has_include(&mut self, name: &str, angled: bool, next: bool) -> bool {
        self.find_include(name, angled, next && self.files.len() > 1).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_dirs_per_target() {
        assert_eq!(
            default_system_dirs("x86_64-linux-gnu", true, None),
            ["/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include"]
        );
        assert_eq!(default_system_dirs("riscv64-linux-gnu", false, None), ["/usr/riscv64-linux-gnu/include"]);
        assert_eq!(default_system_dirs("aarch64-linux-gnu", false, Some("/sr/")), ["/sr/usr/local/include", "/sr/usr/include/aarch64-linux-gnu", "/sr/usr/include"]);
    }

    #[test]
    fn duplicates_removed() {
        let d = |p: &str, s| SearchDir { path: p.into(), system: s };
        let c = clean_search_chain(vec![d("/usr/include", false), d("/tmp", false), d("/tmp", false), d("/usr/include", true), d("/nonexistent-ccc", false)]);
        assert_eq!(c, vec![d("/tmp", false), d("/usr/include", true)]);
    }
}
