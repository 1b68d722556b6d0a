//! `kernel --repro`: two clean builds of the same tree and configuration in two
//! build directories must give bit-identical images (and vmlinux). The
//! directories' names differ in length, so that a leaked path also shifts
//! what follows it. When the images differ, the objects that differ are
//! listed: the first of them in build order is usually the cause.

use super::build::KernelBuild;
use std::path::{Path, PathBuf};

/// The outputs compared, relative to the build directory (besides the image).
const ALSO_COMPARED: &[&str] = &["vmlinux"];

#[derive(Debug)]
pub struct Report {
    pub image: PathBuf,
    pub bytes: u64,
    pub seconds: [f64; 2],
}

impl Report {
    pub fn line(&self) -> String {
        format!(
            "reproducible: {} identical in both builds ({} bytes; builds {:.0} s and {:.0} s)",
            self.image.display(),
            self.bytes,
            self.seconds[0],
            self.seconds[1]
        )
    }
}

/// The two build directories of a check of `build`.
pub fn dirs(build: &KernelBuild) -> [PathBuf; 2] {
    let name = build.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    [build.out.with_file_name(format!("{name}-repro-a")), build.out.with_file_name(format!("{name}-repro-bb"))]
}

/// Builds twice from clean directories; Ok when the images are identical,
/// Err naming what differs otherwise.
pub fn check(build: &KernelBuild) -> Result<Report, String> {
    let mut seconds = [0.0; 2];
    let dirs = dirs(build);
    for (i, dir) in dirs.iter().enumerate() {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let b = KernelBuild { out: dir.clone(), ..build.clone() };
        seconds[i] = b.run()?.seconds;
    }
    let [a, b] = &dirs;
    let image = build.arch.image_path();
    let mut differ = Vec::new();
    for f in std::iter::once(image).chain(ALSO_COMPARED.iter().copied()) {
        if read(&a.join(f))? != read(&b.join(f))? {
            differ.push(f.to_string());
        }
    }
    if differ.is_empty() {
        let bytes = std::fs::metadata(a.join(image)).map(|m| m.len()).unwrap_or(0);
        return Ok(Report { image: PathBuf::from(image), bytes, seconds });
    }
    let objects = differing_objects(a, b)?;
    let shown: Vec<&str> = objects.iter().take(20).map(String::as_str).collect();
    Err(format!(
        "not reproducible: {} differ between {} and {}; {} objects differ{}{}",
        differ.join(", "),
        a.display(),
        b.display(),
        objects.len(),
        if shown.is_empty() { String::new() } else { format!(": {}", shown.join(" ")) },
        if objects.len() > shown.len() { " ..." } else { "" }
    ))
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// The `.o` files under `a` whose copy under `b` differs or is missing (sorted).
pub fn differing_objects(a: &Path, b: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = a.join(&rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in entries.flatten() {
            let name = rel.join(e.file_name());
            let ty = e.file_type().map_err(|err| format!("{}: {err}", e.path().display()))?;
            if ty.is_dir() {
                stack.push(name);
            } else if ty.is_file() && name.extension().is_some_and(|x| x == "o") {
                if std::fs::read(e.path()).ok() != std::fs::read(b.join(&name)).ok() {
                    out.push(name.display().to_string());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_compared_by_content() {
        let root = std::env::temp_dir().join(format!("xtask-repro-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (a, b) = (root.join("a"), root.join("bb"));
        for d in [&a, &b] {
            std::fs::create_dir_all(d.join("kernel/sched")).unwrap();
            std::fs::write(d.join("kernel/fork.o"), b"same").unwrap();
            std::fs::write(d.join("kernel/fork.cmd"), d.display().to_string()).unwrap();
        }
        std::fs::write(a.join("kernel/sched/core.o"), b"one").unwrap();
        std::fs::write(b.join("kernel/sched/core.o"), b"two").unwrap();
        std::fs::write(a.join("init.o"), b"only in a").unwrap();
        assert_eq!(differing_objects(&a, &b).unwrap(), ["init.o", "kernel/sched/core.o"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn two_directories_of_different_lengths() {
        use crate::kernel::{arch::Arch, compiler::Compiler, config::Flavour};
        let mut b = KernelBuild::new(Arch::Riscv64, PathBuf::from("/src"), Flavour::Tiny, Compiler::Gcc);
        b.out = PathBuf::from("/t/riscv64-tiny-gcc");
        let [x, y] = dirs(&b);
        assert_eq!(x, PathBuf::from("/t/riscv64-tiny-gcc-repro-a"));
        assert_ne!(x.as_os_str().len(), y.as_os_str().len());
    }
}
