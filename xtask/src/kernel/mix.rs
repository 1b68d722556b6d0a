//! Mixing compilers file by file: `kernel --mix P --seed S [--gcc-files LIST]`.
//!
//! kbuild's `CC` becomes a link named [`WRAPPER_NAME`] to this xtask binary.
//! Invoked under that name, the xtask looks at the source file on the command
//! line and runs ccc for a seeded pseudo-random fraction P of the files (and
//! GCC for the rest, and for every file a `--gcc-files` prefix names); each
//! decision is appended to a log, from which the build reports how much of
//! the kernel ccc compiled. Compiler probes without a source file go to ccc.
//! An explicit list (`ccc_list`, written by the bisect mode) replaces the
//! random choice: exactly the files it names are compiled by ccc.

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
    /// When set, the files (relative paths, one a line) compiled by ccc;
    /// every other file goes to GCC and `fraction`/`seed` are not used.
    pub ccc_list: Option<PathBuf>,
    /// Triage: a file ccc fails to compile goes to GCC, and the failure is recorded in
    /// [`FAILURES_LOG`] (the next build of the same directory tries ccc on it again).
    pub fallback: bool,
}

/// Where a fallback build records ccc's failures (in the build directory).
pub const FAILURES_LOG: &str = "ccc-failures.log";

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
        if let Some(list) = &self.ccc_list {
            v.push(("CCC_MIX_CCC_LIST".to_string(), list.display().to_string()));
        }
        if self.fallback {
            v.push(("CCC_MIX_FALLBACK".to_string(), "1".to_string()));
        }
        v
    }

    /// Short label for the build directory (a different mix needs its own
    /// objects: kbuild would not rebuild a file whose command line is unchanged).
    pub fn label(&self) -> String {
        let list = self.gcc_files.as_ref().and_then(|p| p.file_stem()).map(|s| format!("-{}", s.to_string_lossy())).unwrap_or_default();
        let fallback = if self.fallback { "-fallback" } else { "" };
        format!("mix{}-s{}{list}{fallback}", self.fraction, self.seed)
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

/// The per-file choice of one mix, with its lists read.
#[derive(Debug, Clone, Default)]
pub struct Chooser {
    fraction: f64,
    seed: u64,
    prefixes: Vec<String>,
    explicit: Option<std::collections::BTreeSet<String>>,
}

impl Chooser {
    /// Whether the file at `rel` (relative to the tree) is compiled by ccc.
    pub fn ccc(&self, rel: &str) -> bool {
        match &self.explicit {
            Some(list) => list.contains(rel),
            None => use_ccc(rel, self.fraction, self.seed, &self.prefixes),
        }
    }
}

impl Mix {
    /// Reads the lists this mix names.
    pub fn chooser(&self) -> Result<Chooser, String> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let prefixes = self.gcc_files.as_deref().map(read).transpose()?.map(|t| gcc_prefixes(&t)).unwrap_or_default();
        let explicit = self.ccc_list.as_deref().map(read).transpose()?.map(|t| t.lines().map(str::to_string).collect());
        Ok(Chooser { fraction: self.fraction, seed: self.seed, prefixes, explicit })
    }

    /// The mix [`Mix::env`] describes (what the wrapper sees).
    fn from_env() -> Mix {
        let var = |n: &str| std::env::var(n).unwrap_or_default();
        let path = |n: &str| std::env::var_os(n).map(PathBuf::from);
        Mix {
            fraction: var("CCC_MIX_FRACTION").parse().unwrap_or(1.0),
            seed: var("CCC_MIX_SEED").parse().unwrap_or(0),
            gcc_files: path("CCC_MIX_GCC_FILES"),
            ccc_list: path("CCC_MIX_CCC_LIST"),
            fallback: var("CCC_MIX_FALLBACK") == "1",
        }
    }
}

/// `ccc-mix ARGS...`: run ccc or GCC with ARGS; the exit status is the compiler's.
pub fn wrapper_main(args: &[String]) -> i32 {
    let var = |n: &str| std::env::var(n).unwrap_or_default();
    let chooser = match Mix::from_env().chooser() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{WRAPPER_NAME}: {e}");
            return 2;
        }
    };
    let tree = var("CCC_MIX_TREE");
    let (ccc, gcc) = (var("CCC_MIX_CCC"), var("CCC_MIX_GCC"));
    if ccc.is_empty() || gcc.is_empty() {
        eprintln!("{WRAPPER_NAME}: CCC_MIX_CCC/CCC_MIX_GCC are not set (run through `cargo xtask kernel --mix`)");
        return 2;
    }
    let log = var("CCC_MIX_LOG");
    let Some(src) = source_file(args) else { return run_compiler(&ccc, args) };
    let rel = src.strip_prefix(&tree).map(|r| r.trim_start_matches('/')).unwrap_or(src);
    let output = output_file(args);
    if !chooser.ccc(rel) {
        append_decision(&log, false, rel, output.as_deref());
        return run_compiler(&gcc, &gcc_args(args));
    }
    if var("CCC_MIX_FALLBACK") != "1" {
        append_decision(&log, true, rel, output.as_deref());
        return run_compiler(&ccc, args);
    }
    // Triage: ccc's diagnostics are held back; on failure they go to the failures
    // log and GCC compiles the file instead.
    let run = match Command::new(&ccc).args(args).stderr(std::process::Stdio::piped()).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{WRAPPER_NAME}: cannot run {ccc}: {e}");
            return 1;
        }
    };
    use std::io::Write;
    let _ = std::io::stdout().write_all(&run.stdout);
    if run.status.success() {
        let _ = std::io::stderr().write_all(&run.stderr);
        append_decision(&log, true, rel, output.as_deref());
        return 0;
    }
    record_failure(&log, rel, &String::from_utf8_lossy(&run.stderr));
    append_decision(&log, false, rel, output.as_deref());
    run_compiler(&gcc, &gcc_args(args))
}

fn run_compiler(cc: &str, args: &[String]) -> i32 {
    match Command::new(cc).args(args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("{WRAPPER_NAME}: cannot run {cc}: {e}");
            1
        }
    }
}

/// Appends `== <file>` and ccc's first error lines to [`FAILURES_LOG`] beside the decision log.
fn record_failure(decision_log: &str, rel: &str, stderr: &str) {
    use std::io::Write;
    let Some(dir) = Path::new(decision_log).parent() else { return };
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(3).collect();
    let shown = if errors.is_empty() { stderr.lines().take(3).collect() } else { errors };
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(FAILURES_LOG)) {
        let _ = f.write_all(format!("== {rel}\n{}\n", shown.join("\n")).as_bytes()); // one write(2)
    }
}

/// Options kbuild adds because it probed ccc, which the distribution's GCC 12
/// rejects: ccc's own (`-f[no-]integrated-as`), newer GCCs' and clang's
/// (kbuild tests each with the configured CC, ccc, which accepts them; the
/// vDSO's `-mbranch-protection=none` and `-fno-addrsig` among them, and x86-64's vDSO
/// `-finline-stringops=memset`, a GCC 14 option kbuild leaves out for older GCCs).
const CCC_ONLY_OPTIONS: &[&str] = &["-fno-integrated-as", "-fintegrated-as", "-fstrict-flex-arrays", "-fzero-init-padding-bits", "--param=allow-store-data-races", "-mbranch-protection", "-fno-addrsig", "-finline-stringops"];

/// Options GCC 12 spells differently, as (newer GCC's, GCC 12's) prefixes: kbuild
/// falls back to the old spelling itself when the compiler it probed lacks the new one
/// (x86-64's `-fmin-function-alignment=16` is `-falign-functions=16` for GCC 12).
const GCC12_SPELLINGS: &[(&str, &str)] = &[("-fmin-function-alignment=", "-falign-functions=")];

/// The compile command for GCC: `args` without [`CCC_ONLY_OPTIONS`], with [`GCC12_SPELLINGS`].
fn gcc_args(args: &[String]) -> Vec<String> {
    args.iter()
        .filter(|a| !CCC_ONLY_OPTIONS.iter().any(|o| a.as_str() == *o || a.starts_with(&format!("{o}="))))
        .map(|a| match GCC12_SPELLINGS.iter().find_map(|(new, old)| a.strip_prefix(new).map(|v| format!("{old}{v}"))) {
            Some(respelled) => respelled,
            None => a.clone(),
        })
        .collect()
}

/// The absolute path of the `-o` output, if any (kbuild runs the compiler in
/// the build directory, so a relative one is joined to the working directory).
fn output_file(args: &[String]) -> Option<PathBuf> {
    let out = args.iter().position(|a| a == "-o").and_then(|i| args.get(i + 1)).map(PathBuf::from)?;
    Some(if out.is_absolute() { out } else { std::env::current_dir().ok()?.join(out) })
}

/// One line per compiled file: `ccc PATH OUTPUT` or `gcc PATH OUTPUT`, `-`
/// for no output (a short append is atomic).
fn append_decision(log: &str, ccc: bool, rel: &str, output: Option<&Path>) {
    use std::io::Write;
    if log.is_empty() {
        return;
    }
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
        let out = output.map(|p| p.display().to_string()).unwrap_or_else(|| "-".into());
        // One write(2) per line: `writeln!` on a File writes each piece separately, and
        // parallel compiles interleaved their pieces.
        let line = format!("{} {rel} {out}\n", if ccc { "ccc" } else { "gcc" });
        let _ = f.write_all(line.as_bytes());
    }
}

/// What the log says about one source file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// The last compiler that compiled it was ccc.
    pub ccc: bool,
    /// Every file a compile of it wrote (a source can be compiled to several).
    pub outputs: std::collections::BTreeSet<PathBuf>,
}

/// The decisions of a log per source file, the last one winning (incremental builds).
pub fn decisions(log: &Path) -> std::collections::BTreeMap<String, Decision> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut last: std::collections::BTreeMap<String, Decision> = std::collections::BTreeMap::new();
    for line in text.lines() {
        let mut f = line.split(' ');
        if let (Some(who), Some(path)) = (f.next(), f.next()) {
            let d = last.entry(path.to_string()).or_default();
            d.ccc = who == "ccc";
            if let Some(out) = f.next().filter(|o| *o != "-") {
                d.outputs.insert(PathBuf::from(out));
            }
        }
    }
    last
}

/// Removes what the files whose compiler changed since their last build wrote, so
/// that make compiles them again: kbuild rebuilds on a changed command line only,
/// and the wrapper's is the same whichever compiler it picks. Only files inside
/// `out` are removed (never `/dev/null` of a probe). Returns the number of sources.
pub fn invalidate_changed(log: &Path, chooser: &Chooser, out: &Path) -> Result<usize, String> {
    let mut changed = 0;
    for (rel, d) in decisions(log) {
        if d.ccc == chooser.ccc(&rel) {
            continue;
        }
        changed += 1;
        for o in d.outputs.iter().filter(|o| o.starts_with(out)) {
            match std::fs::remove_file(o) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(format!("{}: {e}", o.display())),
                _ => {}
            }
        }
    }
    Ok(changed)
}

/// (files compiled by ccc, files in all) from a decision log; a file compiled
/// again (incremental builds) counts once, with its last decision.
pub fn summary(log: &Path) -> (usize, usize) {
    let last = decisions(log);
    (last.values().filter(|d| d.ccc).count(), last.len())
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
        let aligned: Vec<String> = ["-fmin-function-alignment=16", "-O2"].iter().map(|s| s.to_string()).collect();
        assert_eq!(gcc_args(&aligned), ["-falign-functions=16", "-O2"]);
        assert_eq!(source_file(&args), Some("/t/a.c"));
        let probe: Vec<String> = ["-x", "c", "-", "-o", "/dev/null"].iter().map(|s| s.to_string()).collect();
        assert_eq!(source_file(&probe), None);
        assert_eq!(output_file(&args), Some(std::env::current_dir().unwrap().join("a.o")));
        assert_eq!(output_file(&probe), Some(PathBuf::from("/dev/null")));
    }

    #[test]
    fn last_decision_wins_and_outputs_collect() {
        let log = std::env::temp_dir().join(format!("ccc-mix-test-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&log);
        let l = log.display().to_string();
        append_decision(&l, true, "a.c", Some(Path::new("/o/a.o")));
        append_decision(&l, true, "v.c", Some(Path::new("/o/v.o")));
        append_decision(&l, false, "v.c", Some(Path::new("/o/v-32.o")));
        append_decision(&l, true, "b.S", None);
        let d = decisions(&log);
        assert!(d["a.c"].ccc && !d["v.c"].ccc && d["b.S"].ccc);
        assert_eq!(d["v.c"].outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(), ["/o/v-32.o", "/o/v.o"]);
        assert!(d["b.S"].outputs.is_empty());
        assert_eq!(summary(&log), (2, 3));
        let _ = std::fs::remove_file(&log);
    }
}
