//! `kernel --bisect`: narrows a boot failure of a mixed build down to the
//! smallest set of files that, compiled by ccc (and everything else by GCC),
//! still does not boot ([`super::ddmin`], so pairs that fail only together
//! are found as pairs).
//!
//! All trials share one build directory: the wrapper logs which compiler built
//! each file, [`super::mix::invalidate_changed`] removes the objects whose
//! compiler changes, and make rebuilds only those and the links. A trial that
//! does not build counts as a failure too (ccc broke the build). The init is
//! compiled by GCC, so that only the kernel's files vary.

use super::build::{KernelBuild, MIX_LOG};
use super::compiler::Compiler;
use super::mix::Mix;
use super::qemu::{self, Boot, Outcome};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The list of files compiled by ccc in a trial (in the build directory).
const TRIAL_LIST: &str = "bisect-ccc.list";
/// The culprits, one a line, when the bisection ends.
pub const RESULT: &str = "bisect-result.txt";

/// A bisection: `build` carries the starting mix (`--mix P --seed S`, or every file).
pub struct Bisect {
    pub build: KernelBuild,
    pub timeout: Duration,
}

/// How a bisection ended.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// The starting mix boots: nothing to look for.
    Boots,
    /// These files, compiled by ccc, make the boot fail (1-minimal).
    Culprits(Vec<String>),
}

impl Bisect {
    /// The build directory of all trials: `<arch>-<flavour>-bisect` beside the usual ones.
    pub fn new(mut build: KernelBuild, timeout: Duration) -> Bisect {
        if build.mix.is_none() {
            build.mix = Some(Mix { fraction: 1.0, seed: 0, gcc_files: None, ccc_list: None, fallback: false });
        }
        build.out = build.out.with_file_name(format!("{}-{}-bisect", build.arch.name(), build.flavour.name()));
        Bisect { build, timeout }
    }

    pub fn run(&self) -> Result<Verdict, String> {
        let out = &self.build.out;
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let initrd = self.init(&out.join("boot"))?;
        let mut trials = 0usize;
        let mut trial = |build: &KernelBuild, what: &str| -> Result<Outcome, String> {
            trials += 1;
            let outcome = match build.run() {
                Ok(k) => {
                    let log = k.out.join("boot").join(format!("boot-{trials}.log"));
                    let boot = Boot { arch: build.arch, kernel: k.image, initrd: initrd.clone(), timeout: self.timeout, log };
                    qemu::boot(&boot)
                }
                Err(e) => Outcome::NotBooted { reason: format!("build failed: {}", e.lines().next().unwrap_or("")) },
            };
            println!("bisect: trial {trials}: {what}: {}", outcome.line());
            Ok(outcome)
        };

        // The starting mix; its log says which files ccc compiled.
        if matches!(trial(&self.build, "starting mix")?, Outcome::Booted { .. }) {
            return Ok(Verdict::Boots);
        }
        let candidates: Vec<String> = super::mix::decisions(&out.join(MIX_LOG))
            .into_iter()
            .filter(|(_, d)| d.ccc)
            .map(|(f, _)| f)
            .collect();
        println!("bisect: {} files compiled by ccc; checking that the build boots with none of them", candidates.len());
        let list = out.join(TRIAL_LIST);
        let with_ccc = |files: &[String]| -> Result<KernelBuild, String> {
            std::fs::write(&list, files.iter().map(|f| format!("{f}\n")).collect::<String>())
                .map_err(|e| format!("{}: {e}", list.display()))?;
            let mut b = self.build.clone();
            if let Some(m) = b.mix.as_mut() {
                m.ccc_list = Some(list.clone());
            }
            Ok(b)
        };
        if let Outcome::NotBooted { reason } = trial(&with_ccc(&[])?, "no file by ccc")? {
            return Err(format!("the kernel does not boot with every file compiled by GCC either ({reason}): nothing to bisect"));
        }

        // The predicate cannot return an error: the first one is kept and ends the search.
        let mut error = None;
        let culprits = super::ddmin::ddmin(&candidates, &mut |set| {
            if error.is_some() {
                return false;
            }
            let what = format!("{} file{} by ccc", set.len(), if set.len() == 1 { "" } else { "s" });
            match with_ccc(set).and_then(|b| trial(&b, &what)) {
                Ok(o) => matches!(o, Outcome::NotBooted { .. }),
                Err(e) => {
                    error = Some(e);
                    false
                }
            }
        });
        if let Some(e) = error {
            return Err(e);
        }
        let result = out.join(RESULT);
        std::fs::write(&result, culprits.iter().map(|f| format!("{f}\n")).collect::<String>())
            .map_err(|e| format!("{}: {e}", result.display()))?;
        Ok(Verdict::Culprits(culprits))
    }

    /// kernels/init.c by GCC, packed as the trials' initramfs.
    fn init(&self, dir: &Path) -> Result<PathBuf, String> {
        let init = super::init::build_init(self.build.arch, &Compiler::Gcc, &self.build.kernels_dir, dir)?;
        let initrd = dir.join("initramfs.cpio");
        super::init::write_initramfs(&init, &initrd)?;
        Ok(initrd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::arch::Arch;
    use crate::kernel::config::Flavour;

    #[test]
    fn one_build_directory_and_every_file_by_default() {
        let b = KernelBuild::new(Arch::Riscv64, PathBuf::from("/src"), Flavour::Tiny, Compiler::Ccc(PathBuf::from("/ccc")));
        let bis = Bisect::new(b, Duration::from_secs(5));
        assert!(bis.build.out.ends_with("riscv64-tiny-bisect"), "{}", bis.build.out.display());
        assert_eq!(bis.build.mix, Some(Mix { fraction: 1.0, seed: 0, gcc_files: None, ccc_list: None, fallback: false }));
    }
}
