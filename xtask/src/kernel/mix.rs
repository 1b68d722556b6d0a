//! Mixing compilers file by file: `kernel --mix P --seed S [--gcc-files LIST]`.
//!
//! kbuild's `CC` becomes a link named [`WRAPPER_NAME`] to this xtask binary.
//! Invoked under that name, the xtask looks at the source file on the command
//! line and runs ccc for a seeded pseudo-random fraction P of the files (and
//! GCC for the rest, and for every file a `--gcc-files` prefix names); each
//! decision is appended to a log, from which the build reports how much of
//! the kernel ccc compiled. Compiler probes without a source file go to ccc.

use std::path::{Path, PathBuf};
use std::process::Command;

/// argv[0] under which the xtask acts as the mixing compiler.
pub const WRAPPER_NAME: &str = "ccc-mix";

/// The mixing settings of one kernel build.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// Fraction of the source files compiled by ccc, 0.0..=1.0.
    pub fraction: f64,
    pub seed: u64,
    /// Files whose path (relative to the source tree) starts with one of
    /// these lines are always compiled by GCC; `#` starts a comment, and each
    /// entry should say why next to it.
    pub gcc_files: Option<PathBuf>,
}

/// Environment the wrapper reads (set on the `make` command).
pub struct WrapperEnv {
    pub ccc: String,
    pub gcc: String,
    pub tree: PathBuf,
    pub log: PathBuf,
}

impl Mix {
    /// Environment variables for `make` so that the wrapper applies this mix.
    pub fn env(&self, w: &WrapperEnv) -> Vec<(String, String)> {
        let mut v = vec![
            ("CCC_MIX_FRACTION".to_string(), self.fraction.to_string()),
            ("CCC_MIX_SEED".to_string(), self.seed.to_string()),
            ("CCC_MIX_CCC".to_string(), w.ccc.clone()),
            ("CCC_MIX_GCC".to_string(), w.gcc.clone()),
            ("CCC_MIX_TREE".to_string(), w.tree.display().to_string()),
            ("CCC_MIX_LOG".to_string(), w.log.display().to_string()),
        ];
        if let Some(list) = &self.gcc_files {
            v.push(("CCC_MIX_GCC_FILES".to_string(), list.display().to_string()));
        }
        v
    }

    /// Short label for the build directory (a different mix needs its own
    /// objects: kbuild would not rebuild a file whose command line is unchanged).
    pub fn label(&self) -> String {
        let list = self.gcc_files.as_ref().and_then(|p| p.file_stem()).map(|s| format!("-{}", s.to_string_lossy())).unwrap_or_default();
        format!("mix{}-s{}{list}", self.fraction, self.seed)
    }
}

/// Creates `dir/ccc-mix` pointing at this xtask binary; returns its path.
pub fn install_wrapper(dir: &Path) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let link = dir.join(WRAPPER_NAME);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&exe, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    Ok(link)
}

/// A deterministic number in [0, 1) for `path` under `seed` (FNV-1a).
pub fn pick(seed: u64, path: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(path.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The source file a compiler command line compiles, if any.
fn source_file(args: &[String]) -> Option<&str> {
    args.iter().rev().map(String::as_str).find(|a| !a.starts_with('-') && (a.ends_with(".c") || a.ends_with(".S")))
}

/// The prefixes of a `--gcc-files` list.
fn gcc_prefixes(list: &str) -> Vec<String> {
    list.lines().map(|l| l.split('#').next().unwrap_or("").trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// Whether the file at `rel` (relative to the tree) is compiled by ccc.
pub fn use_ccc(rel: &str, fraction: f64, seed: u64, prefixes: &[String]) -> bool {
    !prefixes.iter().any(|p| rel.starts_with(p.as_str())) && pick(seed, rel) < fraction
}

/// `ccc-mix ARGS...`: run ccc or GCC with ARGS; the exit status is the compiler's.
pub fn wrapper_main(args: &[String]) -> i32 {
    let var = |n: &str| std::env::var(n).unwrap_or_default();
    let fraction: f64 = var("CCC_MIX_FRACTION").parse().unwrap_or(1.0);
    let seed: u64 = var("CCC_MIX_SEED").parse().unwrap_or(0);
    let prefixes = std::fs::read_to_string(var("CCC_MIX_GCC_FILES")).map(|t| gcc_prefixes(&t)).unwrap_or_default();
    let tree = var("CCC_MIX_TREE");
    let (ccc, gcc) = (var("CCC_MIX_CCC"), var("CCC_MIX_GCC"));
    let chosen = match source_file(args) {
        Some(src) => {
            let rel = src.strip_prefix(&tree).map(|r| r.trim_start_matches('/')).unwrap_or(src);
            let ccc_file = use_ccc(rel, fraction, seed, &prefixes);
            append_decision(&var("CCC_MIX_LOG"), ccc_file, rel);
            if ccc_file { &ccc } else { &gcc }
        }
        None => &ccc,
    };
    if chosen.is_empty() {
        eprintln!("{WRAPPER_NAME}: CCC_MIX_CCC/CCC_MIX_GCC are not set (run through `cargo xtask kernel --mix`)");
        return 2;
    }
    let args = if chosen == &gcc { gcc_args(args) } else { args.to_vec() };
    match Command::new(chosen).args(&args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("{WRAPPER_NAME}: cannot run {chosen}: {e}");
            1
        }
    }
}

/// Options kbuild adds because it probed ccc, which the distribution's GCC 12
/// rejects: ccc's own (`-f[no-]integrated-as`), newer GCCs' and clang's
/// (kbuild tests each with the configured CC, ccc, which accepts them; the
/// vDSO's `-mbranch-protection=none` and `-fno-addrsig` among them).
const CCC_ONLY_OPTIONS: &[&str] = &["-fno-integrated-as", "-fintegrated-as", "-fstrict-flex-arrays", "-fzero-init-padding-bits", "--param=allow-store-data-races", "-mbranch-protection", "-fno-addrsig"];

/// The compile command for GCC: `args` without [`CCC_ONLY_OPTIONS`].
fn gcc_args(args: &[String]) -> Vec<String> {
    args.iter().filter(|a| !CCC_ONLY_OPTIONS.iter().any(|o| a.as_str() == *o || a.starts_with(&format!("{o}=")))).cloned().collect()
}

/// One line per compiled file: `ccc PATH` or `gcc PATH` (a short append is atomic).
fn append_decision(log: &str, ccc: bool, rel: &str) {
    use std::io::Write;
    if log.is_empty() {
        return;
    }
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
        let _ = writeln!(f, "{} {rel}", if ccc { "ccc" } else { "gcc" });
    }
}

/// (files compiled by ccc, files in all) from a decision log; a file compiled
/// again (incremental builds) counts once, with its last decision.
pub fn summary(log: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut last = std::collections::BTreeMap::new();
    for line in text.lines() {
        if let Some((who, path)) = line.split_once(' ') {
            last.insert(path.to_string(), who == "ccc");
        }
    }
    (last.values().filter(|c| **c).count(), last.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_deterministic_and_spread() {
        assert_eq!(pick(1, "mm/slub.c"), pick(1, "mm/slub.c"));
        assert_ne!(pick(1, "mm/slub.c"), pick(2, "mm/slub.c"));
        let files: Vec<String> = (0..1000).map(|i| format!("dir/f{i}.c")).collect();
        let half = files.iter().filter(|f| use_ccc(f, 0.5, 7, &[])).count();
        assert!((400..600).contains(&half), "{half}");
        assert!(files.iter().all(|f| use_ccc(f, 1.0, 7, &[])));
        assert!(!files.iter().any(|f| use_ccc(f, 0.0, 7, &[])));
    }

    #[test]
    fn gcc_list_wins_and_sources_are_found() {
        let p = gcc_prefixes("arch/x86/boot/   # 16-bit code\n\n# comment\nlib/x.c\n");
        assert_eq!(p, vec!["arch/x86/boot/".to_string(), "lib/x.c".to_string()]);
        assert!(!use_ccc("arch/x86/boot/main.c", 1.0, 0, &p));
        assert!(use_ccc("arch/x86/kernel/setup.c", 1.0, 0, &p));
        let args: Vec<String> = ["-c", "-fstrict-flex-arrays=3", "-fno-integrated-as", "--param=allow-store-data-races=0", "-o", "a.o", "/t/a.c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(gcc_args(&args), ["-c", "-o", "a.o", "/t/a.c"]);
        assert_eq!(source_file(&args), Some("/t/a.c"));
        let probe: Vec<String> = ["-x", "c", "-", "-o", "/dev/null"].iter().map(|s| s.to_string()).collect();
        assert_eq!(source_file(&probe), None);
    }
}
