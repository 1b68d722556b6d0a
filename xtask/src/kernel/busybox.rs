//! The second-level initramfs of the `defconfig` kernels: busybox (Debian's source
//! package, or `$CCC_BUSYBOX_SRC`) built static by the compiler under test, and a shell
//! script as /init that checks a few things busybox computes and prints the boot marker
//! (the same `CCC-BOOT-OK` line the harness waits for with kernels/init.c).
//!
//! `cargo xtask busybox --arch A [--cc ccc|gcc|PATH] [--src DIR] [--out DIR]` builds it
//! and writes `<out>/initramfs.cpio`; `cargo xtask boot --initrd` boots it.

use super::arch::Arch;
use super::compiler::Compiler;
use super::cpio::{self, Entry};
use super::init::{FAIL_MARKER, MARKER};
use super::run::run_logged;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The busybox source tree: `$CCC_BUSYBOX_SRC`, else `apt-get source busybox` unpacked
/// into the harness cache.
pub fn source() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CCC_BUSYBOX_SRC") {
        let p = PathBuf::from(p);
        return if p.join("Makefile").is_file() { Ok(p) } else { Err(format!("CCC_BUSYBOX_SRC={}: no Makefile", p.display())) };
    }
    crate::suites::projects::source::fetch_into(&super::target_dir().join("xtask").join("cache"), "busybox")
}

#[derive(Debug, Clone)]
pub struct BusyboxBuild {
    pub arch: Arch,
    pub cc: Compiler,
    pub src: PathBuf,
    /// Build (O=) directory.
    pub out: PathBuf,
    pub jobs: u32,
}

impl BusyboxBuild {
    /// target/busybox/<arch>-<cc>, 2 jobs.
    pub fn new(arch: Arch, cc: Compiler, src: PathBuf) -> BusyboxBuild {
        let out = super::target_dir().join("busybox").join(format!("{}-{}", arch.name(), cc.label()));
        BusyboxBuild { arch, cc, src, out, jobs: 2 }
    }

    fn make(&self, cc: &str) -> Command {
        let mut cmd = Command::new("make");
        cmd.arg("-C")
            .arg(&self.src)
            .arg(format!("O={}", self.out.display()))
            .arg(format!("ARCH={}", self.arch.linux_arch()))
            .arg(format!("CROSS_COMPILE={}", self.arch.cross_prefix()))
            .arg(format!("CC={cc}"))
            .arg("HOSTCC=gcc")
            // No build date or host in the binary: the same inputs give the same bytes.
            .env("KCONFIG_NOTIMESTAMP", "1")
            .env("SOURCE_DATE_EPOCH", "0");
        cmd
    }

    /// Configures (defconfig, static) once and builds `<out>/busybox` incrementally.
    pub fn run(&self) -> Result<PathBuf, String> {
        super::build::wipe_if_compiler_changed(&self.out, &self.cc)?;
        let out = self.out.canonicalize().map_err(|e| format!("{}: {e}", self.out.display()))?;
        let this = BusyboxBuild { out: out.clone(), ..self.clone() };
        let cc = self.cc.command_for(self.arch, &out.join("cc-bin"))?;
        let log = out.join("build.log");
        let _ = std::fs::remove_file(&log);
        let config = out.join(".config");
        if !config.is_file() {
            run_logged(this.make(&cc).arg("defconfig"), &log)?;
            let text = std::fs::read_to_string(&config).map_err(|e| format!("{}: {e}", config.display()))?;
            std::fs::write(&config, static_config(&text)).map_err(|e| format!("{}: {e}", config.display()))?;
            run_logged(this.make(&cc).arg("oldconfig"), &log)?;
        }
        run_logged(this.make(&cc).arg(format!("-j{}", self.jobs)).arg("busybox"), &log)?;
        let bin = out.join("busybox");
        if !bin.is_file() {
            return Err(format!("build finished but {} is missing", bin.display()));
        }
        Ok(bin)
    }
}

/// busybox's defconfig with `CONFIG_STATIC=y`: the initramfs has no C library.
fn static_config(defconfig: &str) -> String {
    let mut out: String = defconfig
        .lines()
        .filter(|l| !l.starts_with("CONFIG_STATIC=") && *l != "# CONFIG_STATIC is not set")
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str("CONFIG_STATIC=y\n");
    out
}

/// /init: installs the applet links, mounts the pseudo file systems, checks that
/// busybox computes what it should (arithmetic, sort, awk, sha256, /proc), prints the
/// marker and powers off (QEMU runs with -no-reboot).
pub fn init_script(arch: Arch, cc_label: &str) -> String {
    format!(
        r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() {{ echo "{FAIL_MARKER} busybox init: $*"; reboot -f; }}
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev || fail "mount devtmpfs"
[ "$(uname -m)" = "{machine}" ] || fail "uname -m says $(uname -m)"
[ "$((6 * 7))" = 42 ] || fail "shell arithmetic"
[ "$(seq 1 100 | awk '{{ s += $1 }} END {{ print s }}')" = 5050 ] || fail "seq | awk"
[ "$(printf 'c\nb\na\n' | sort | tr -d '\n')" = abc ] || fail "sort"
[ "$(echo hello | sha256sum | cut -d' ' -f1)" = 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 ] || fail "sha256sum"
[ -r /proc/self/stat ] || fail "/proc/self"
echo "{MARKER} arch={machine} cc={cc_label} init=busybox release=$(uname -r)"
reboot -f
"#,
        machine = arch.name()
    )
}

/// The initramfs: /bin/busybox, /init and the mount points.
pub fn initramfs(busybox: &Path, arch: Arch, cc_label: &str) -> Result<Vec<u8>, String> {
    let data = std::fs::read(busybox).map_err(|e| format!("{}: {e}", busybox.display()))?;
    cpio::write(&[
        Entry::Dir { path: "bin".into(), mode: 0o755 },
        Entry::File { path: "bin/busybox".into(), mode: 0o755, data },
        Entry::Dir { path: "dev".into(), mode: 0o755 },
        Entry::CharDev { path: "dev/console".into(), mode: 0o600, major: 5, minor: 1 },
        Entry::File { path: "init".into(), mode: 0o755, data: init_script(arch, cc_label).into_bytes() },
        Entry::Dir { path: "proc".into(), mode: 0o755 },
        Entry::Dir { path: "sys".into(), mode: 0o755 },
        Entry::Dir { path: "tmp".into(), mode: 0o1777 },
    ])
}

/// Builds busybox for `arch` with `cc` and writes `<dir>/initramfs.cpio`; returns its path.
pub fn build_initramfs(arch: Arch, cc: &Compiler, dir: &Path) -> Result<PathBuf, String> {
    let bin = BusyboxBuild::new(arch, cc.clone(), source()?).run()?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dest = dir.join("initramfs.cpio");
    std::fs::write(&dest, initramfs(&bin, arch, &cc.label())?).map_err(|e| format!("{}: {e}", dest.display()))?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_config_replaces_the_setting() {
        let c = static_config("CONFIG_A=y\n# CONFIG_STATIC is not set\nCONFIG_B=y\n");
        assert_eq!(c, "CONFIG_A=y\nCONFIG_B=y\nCONFIG_STATIC=y\n");
    }

    #[test]
    fn init_script_names_the_arch_and_marker() {
        let s = init_script(Arch::Riscv64, "ccc");
        assert!(s.starts_with("#!/bin/busybox sh\n"));
        assert!(s.contains("= \"riscv64\" ]"));
        assert!(s.contains("CCC-BOOT-OK arch=riscv64 cc=ccc init=busybox"));
        // awk's braces survive format!'s escaping.
        assert!(s.contains("{ s += $1 } END { print s }"));
    }
}
