//! Paths, options and the compiler under test, shared by every command and suite.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::arch::Arch;
use crate::proc;

pub struct Ctx {
    /// Workspace root.
    pub root: PathBuf,
    /// `target/xtask`: logs, work dirs, cache.
    pub out: PathBuf,
    /// `target/xtask/cache`: extracted/downloaded sources and oracle results.
    pub cache: PathBuf,
    /// Cargo's target dir (for building ccc).
    pub cargo_target: PathBuf,
    pub fast: bool,
    pub jobs: usize,
    pub host: String,
    pub cc: TestCc,
}

/// The compiler under test: `ccc` by default, anything GCC-compatible with `CCC_TEST_CC`
/// (used to validate the harness itself: with `CCC_TEST_CC=gcc` nearly everything must pass).
pub struct TestCc {
    pub program: PathBuf,
    /// Set when `CCC_TEST_CC` names the compiler: for other architectures the harness then
    /// uses that architecture's GCC instead of passing `--target=`.
    pub external: bool,
}

impl Ctx {
    pub fn new(fast: bool, jobs: usize) -> Ctx {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf();
        let out = std::env::var_os("CCC_XTASK_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target/xtask"));
        let cargo_target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|p| if p.is_absolute() { p } else { root.join(p) })
            .unwrap_or_else(|| root.join("target"));
        let cache = out.join("cache");
        let _ = std::fs::create_dir_all(&cache);
        Ctx {
            root,
            out,
            cache,
            cargo_target,
            fast,
            jobs,
            host: crate::sample::hostname(),
            cc: TestCc { program: PathBuf::from("ccc"), external: false },
        }
    }

    /// A path relative to the workspace root when possible (for short log references).
    pub fn show(&self, p: &Path) -> String {
        p.strip_prefix(&self.root).unwrap_or(p).display().to_string()
    }

    /// Decide the compiler under test; builds ccc unless `CCC_TEST_CC` is set.
    pub fn select_compiler(&mut self) {
        if let Some(cc) = std::env::var_os("CCC_TEST_CC") {
            self.cc = TestCc { program: PathBuf::from(cc), external: true };
            eprintln!("compiler under test: {} (CCC_TEST_CC)", self.cc.program.display());
            return;
        }
        let log = self.out.join("build-ccc.log");
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        // ccc-ld too: ccc-built kernels are linked by it (kbuild's LD).
        cmd.current_dir(&self.root).args(["build", "--release", "-p", "ccc", "--bin", "ccc", "-p", "ccc-ld", "--bin", "ccc-ld"]);
        let o = proc::run_limited(&mut cmd, Duration::from_secs(3600), 4 << 20);
        let _ = std::fs::write(&log, [o.stdout.as_slice(), o.stderr.as_slice()].concat());
        let bin = self.cargo_target.join("release/ccc");
        if o.status.success() && bin.exists() {
            self.cc = TestCc { program: bin, external: false };
        } else {
            // Never fall back to a stale binary: every test fails with "cannot start" instead.
            eprintln!("ccc: build failed ({}; log: {})", o.status.describe(), self.show(&log));
            self.cc = TestCc { program: self.cargo_target.join("release/ccc-build-failed"), external: false };
        }
    }

    /// A command invoking the compiler under test for `arch`.
    pub fn cc_command(&self, arch: &Arch) -> Command {
        if self.cc.external {
            let mut c = if arch.native { Command::new(&self.cc.program) } else { Command::new(arch.gcc) };
            c.args(arch.cflags);
            c
        } else {
            let mut c = Command::new(&self.cc.program);
            if !arch.native {
                c.arg(format!("--target={}", arch.triple));
            }
            c.args(arch.cflags);
            c
        }
    }

    /// A command invoking the reference compiler (GCC) for `arch`.
    pub fn gcc_command(&self, arch: &Arch) -> Command {
        let mut c = Command::new(arch.gcc);
        c.args(arch.cflags);
        c
    }

    /// Fresh, empty work directory for a suite.
    pub fn work_dir(&self, suite: &str) -> PathBuf {
        let d = self.out.join("work").join(suite);
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::create_dir_all(&d);
        d
    }
}
