//! `cargo xtask kernel`: configure and build a kernel image out of tree.

use super::arch::Arch;
use super::compiler::Compiler;
use super::config::{self, Flavour};
use super::run::run_logged;
use super::source;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Per-file compiler decisions of a mixed build (in the build directory).
pub const MIX_LOG: &str = "ccc-mix.log";

/// kbuild's `LD` under `--ld ccc`.
pub const LD_WRAPPER: &str = "ld-ccc";

/// Writes the `LD` wrapper: every link goes to ccc-ld (the x86 kernel's 32-bit ones,
/// `-m elf_i386`: setup.elf, the real-mode trampoline, included) except RISC-V's
/// `-m elf32lriscv` compat vDSO (`CONFIG_COMPAT`), which goes to the target's GNU ld:
/// ccc-ld has no RV32 target.
fn install_ld_wrapper(dir: &Path, arch: Arch) -> Result<PathBuf, String> {
    let ccc = super::compiler::find_ccc()?;
    let ld = ccc.with_file_name("ccc-ld");
    if !ld.is_file() {
        return Err(format!("{}: not built (cargo build --release -p ccc-ld)", ld.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(LD_WRAPPER);
    let script = format!(
        "#!/bin/sh\n# kbuild's LD: ccc-ld; GNU ld for RV32 links, which ccc-ld cannot do.\n\
         case \" $* \" in *\" -m elf32lriscv \"*|*\" -melf32lriscv \"*) exec {}ld \"$@\";; esac\n\
         exec {} \"$@\"\n",
        arch.cross_prefix(),
        ld.display()
    );
    std::fs::write(&path, script).map_err(|e| format!("{}: {e}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Fixed build identity, so two builds of the same inputs can be compared.
pub const BUILD_TIMESTAMP: &str = "Thu Jan  1 00:00:00 UTC 1970";

#[derive(Debug, Clone)]
pub struct KernelBuild {
    pub arch: Arch,
    /// Source directory or tarball.
    pub src: PathBuf,
    pub flavour: Flavour,
    pub cc: Compiler,
    /// Build (O=) directory.
    pub out: PathBuf,
    pub jobs: u32,
    /// Where our config fragments are (the repository's kernels/).
    pub kernels_dir: PathBuf,
    /// Where tarballs are extracted.
    pub cache: PathBuf,
    /// Compile only some files with ccc (the rest with GCC).
    pub mix: Option<super::mix::Mix>,
    /// kbuild's `LD` is ccc-ld (through [`install_ld_wrapper`]) instead of GNU ld.
    pub ccc_ld: bool,
}

#[derive(Debug, Clone)]
pub struct BuiltKernel {
    pub image: PathBuf,
    pub out: PathBuf,
    pub seconds: f64,
}

impl KernelBuild {
    /// Defaults for everything but arch, source and compiler:
    /// target/kernel/<arch>-<flavour>-<cc>, 2 jobs.
    pub fn new(arch: Arch, src: PathBuf, flavour: Flavour, cc: Compiler) -> KernelBuild {
        let root = super::workspace_root();
        let target = super::target_dir();
        let out = target.join("kernel").join(format!("{}-{}-{}", arch.name(), flavour.name(), cc.label()));
        KernelBuild {
            arch,
            src,
            flavour,
            cc,
            out,
            jobs: 2,
            kernels_dir: root.join("kernels"),
            cache: target.join("kernel-src"),
            mix: None,
            ccc_ld: false,
        }
    }

    /// Links with ccc-ld (the build directory gets a `-cccld` suffix).
    pub fn with_ccc_ld(mut self) -> KernelBuild {
        let name = format!("{}-cccld", self.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        self.out = self.out.with_file_name(name);
        self.ccc_ld = true;
        self
    }

    /// Mixes compilers per file (the build directory gets the mix's name).
    pub fn with_mix(mut self, mix: super::mix::Mix) -> KernelBuild {
        let name = format!("{}-{}-{}", self.arch.name(), self.flavour.name(), mix.label());
        self.out = self.out.with_file_name(name);
        self.mix = Some(mix);
        self
    }

    fn make(&self, tree: &Path, cc: &str, env: &[(String, String)]) -> Command {
        let mut cmd = Command::new("make");
        if self.ccc_ld {
            cmd.arg(format!("LD={}", self.out.join("cc-bin").join(LD_WRAPPER).display()));
        }
        cmd.envs(env.iter().cloned());
        cmd.arg("-C")
            .arg(tree)
            .arg(format!("O={}", self.out.display()))
            .arg(format!("ARCH={}", self.arch.linux_arch()))
            .arg(format!("CROSS_COMPILE={}", self.arch.cross_prefix()))
            .arg(format!("CC={cc}"))
            .arg("HOSTCC=gcc")
            .arg(format!("KBUILD_BUILD_TIMESTAMP={BUILD_TIMESTAMP}"))
            .arg("KBUILD_BUILD_USER=ccc")
            .arg("KBUILD_BUILD_HOST=ccc");
        cmd
    }

    /// Configures (always, cheap) and builds (incrementally) the image.
    pub fn run(&self) -> Result<BuiltKernel, String> {
        let start = Instant::now();
        let tree = source::prepare(&self.src, &self.cache)?;
        // A triage build keeps its objects across compiler changes: the files ccc failed
        // on are retried (mix::invalidate_changed), the rest stay as they are.
        if self.mix.as_ref().is_some_and(|m| m.fallback) {
            std::fs::create_dir_all(&self.out).map_err(|e| format!("{}: {e}", self.out.display()))?;
            // This run lists its own failures; the last run's stay beside them.
            let failures = self.out.join(super::mix::FAILURES_LOG);
            if failures.is_file() {
                let _ = std::fs::rename(&failures, failures.with_extension("prev.log"));
            }
        } else {
            wipe_if_compiler_changed(&self.out, &self.cc)?;
        }
        std::fs::create_dir_all(&self.out).map_err(|e| format!("{}: {e}", self.out.display()))?;
        let out = self.out.canonicalize().map_err(|e| format!("{}: {e}", self.out.display()))?;
        let this = KernelBuild { out: out.clone(), ..self.clone() };
        let mut cc = self.cc.command_for(self.arch, &out.join("cc-bin"))?;
        let mut env = Vec::new();
        // ccc assembles its own C output in-process; `.S` files go through the
        // integrated assembler too on x86-64 (also the 16/32-bit boot code, as i386
        // objects) and RISC-V: the asm-kernel-<arch> suites check it against GNU as on this
        // tree. KCPPFLAGS, not KAFLAGS: the boot, decompressor and real-mode Makefiles
        // replace KBUILD_AFLAGS but keep KBUILD_CPPFLAGS. (kbuild's `as-instr` probes still
        // run GNU as.) CCC_KERNEL_AS=gnu hands both to GNU as instead.
        if matches!(self.cc, super::compiler::Compiler::Ccc(_)) {
            // The asm-kernel suites cover the tiny trees only: a defconfig kernel's AArch64
            // and RISC-V inline asm (Zbb/Zicbom alternatives, `.insn`, more system
            // registers) stays with GNU as until they cover defconfig too.
            let unchecked = self.flavour == Flavour::Defconfig && self.arch != Arch::X86_64;
            if std::env::var("CCC_KERNEL_AS").as_deref() == Ok("gnu") || unchecked {
                env.push(("KCFLAGS".to_string(), "-fno-integrated-as".to_string()));
            } else if matches!(self.arch, Arch::X86_64 | Arch::Riscv64) {
                env.push(("KCPPFLAGS".to_string(), "-fintegrated-as".to_string()));
            }
            // AArch64: ccc's defaults, C files (inline asm included) in-process, checked by
            // asm-kernel-aarch64; `.S` files with GNU as until that suite passes them all
            // (head.S's `ldr xN, =sym` literal pool).
        }
        if let Some(mix) = &self.mix {
            super::mix::invalidate_changed(&out.join(MIX_LOG), &mix.chooser()?, &out)?;
            let gcc = format!("{}gcc", self.arch.cross_prefix());
            let wrapper = super::mix::WrapperEnv { ccc: cc, gcc, tree: tree.clone(), log: out.join(MIX_LOG) };
            env.extend(mix.env(&wrapper));
            cc = super::mix::install_wrapper(&out.join("cc-bin"))?.display().to_string();
        }
        if self.ccc_ld {
            install_ld_wrapper(&out.join("cc-bin"), self.arch)?;
        }
        let log = out.join("build.log");
        let _ = std::fs::remove_file(&log);

        // Reconfigure only when an input of the configuration changed:
        // rewriting .config makes kbuild re-check far more than needed.
        let frags = config::fragments(&self.kernels_dir, self.arch);
        let mut stamp = format!("{}\n{}\n{cc}\n", tree.display(), self.flavour.base_target());
        for f in &frags {
            stamp.push_str(&std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?);
        }
        let stamp_file = out.join(".ccc-config-inputs");
        let configured = out.join(".config").is_file()
            && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str());
        if !configured {
            let _ = std::fs::remove_file(&stamp_file);
            run_logged(this.make(&tree, &cc, &env).arg(self.flavour.base_target()), &log)?;
            let mut merge = Command::new(tree.join("scripts/kconfig/merge_config.sh"));
            merge.current_dir(&out).arg("-m").arg("-O").arg(&out).arg(out.join(".config")).args(&frags);
            run_logged(&mut merge, &log)?;
            run_logged(this.make(&tree, &cc, &env).arg("olddefconfig"), &log)?;
        }
        let wanted = config::requested(&frags)?;
        let text = std::fs::read_to_string(out.join(".config")).map_err(|e| format!("{}/.config: {e}", out.display()))?;
        let missing = config::missing(&wanted, &config::parse(&text));
        if !missing.is_empty() {
            return Err(format!("kernel config for {}: {}", self.arch, missing.join("; ")));
        }
        std::fs::write(&stamp_file, &stamp).map_err(|e| format!("{}: {e}", stamp_file.display()))?;

        run_logged(this.make(&tree, &cc, &env).arg(format!("-j{}", self.jobs)).arg(self.arch.kernel_target()), &log)?;
        let image = out.join(self.arch.image_path());
        if !image.is_file() {
            return Err(format!("build finished but {} is missing", image.display()));
        }
        if self.mix.is_some() {
            let (by_ccc, all) = super::mix::summary(&out.join(MIX_LOG));
            println!("mix: ccc compiled {by_ccc} of {all} files ({:.1}%)", 100.0 * by_ccc as f64 / all.max(1) as f64);
            let failures = out.join(super::mix::FAILURES_LOG);
            if failures.is_file() {
                println!("mix: ccc failed on some files, GCC compiled them: {}", failures.display());
            }
        }
        Ok(BuiltKernel { image, out, seconds: start.elapsed().as_secs_f64() })
    }
}

/// kbuild rebuilds a file when its command line changes, not when the
/// compiler binary does: objects of an older ccc would be linked with new
/// ones. A build directory remembers its compiler's fingerprint and starts
/// afresh when it differs.
pub(super) fn wipe_if_compiler_changed(out: &Path, cc: &Compiler) -> Result<(), String> {
    let fingerprint = match cc {
        Compiler::Ccc(p) | Compiler::Path(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in bytes {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            format!("{} {h:016x}\n", p.display())
        }
        Compiler::Gcc => "gcc\n".to_string(),
    };
    let file = out.join(".ccc-compiler");
    match std::fs::read_to_string(&file) {
        Ok(old) if old == fingerprint => return Ok(()),
        Ok(_) => std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?,
        Err(_) => {}
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(&file, fingerprint).map_err(|e| format!("{}: {e}", file.display()))
}
