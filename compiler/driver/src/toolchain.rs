//! Where things are: the target, ccc's own headers, GCC's support files
//! (crtbegin*.o, libgcc), the C library's start files, `as` and `ld`.
//! Lookup follows GCC: `-B` prefixes first, then the installation.

use std::path::{Path, PathBuf};

use ccc_ir::{Arch, TargetInfo};

pub struct Toolchain {
    pub target: TargetInfo,
    /// Prefix of cross tools (`riscv64-linux-gnu-`), empty for native.
    pub tool_prefix: String,
    pub native: bool,
    pub sysroot: Option<String>,
    pub b_prefixes: Vec<String>,
    /// GCC's per-target library directory (crtbegin.o, libgcc.a), if any.
    pub gcc_lib_dir: Option<PathBuf>,
    /// ccc's own include directory.
    pub include_dir: Option<PathBuf>,
    /// i386 built by the x86-64 toolchain (`-m32`/`-m16`, GCC's `32`
    /// multilib): x86-64's tools and headers, `lib32` libraries.
    pub multilib32: bool,
}

/// The architecture a program name or `--target=` value asks for.
pub fn arch_from_name(name: &str) -> Option<Arch> {
    let n = name.to_ascii_lowercase();
    if n.contains("riscv64") {
        Some(Arch::Riscv64)
    } else if n.contains("aarch64") || n.contains("arm64") {
        Some(Arch::Aarch64)
    } else if n.contains("x86_64") || n.contains("amd64") {
        Some(Arch::X86_64)
    } else if ["i386", "i486", "i586", "i686"].iter().any(|a| n.contains(a)) {
        Some(Arch::I386)
    } else {
        None
    }
}

fn host_arch() -> Arch {
    if cfg!(target_arch = "aarch64") {
        Arch::Aarch64
    } else if cfg!(target_arch = "riscv64") {
        Arch::Riscv64
    } else {
        Arch::X86_64
    }
}

/// `riscv64-unknown-linux-gnu-gcc` → `riscv64-unknown-linux-gnu-`.
fn prefix_from_argv0(base: &str) -> Option<String> {
    for suffix in ["-gcc", "-cc", "-ccc"] {
        if let Some(p) = base.strip_suffix(suffix) {
            if p.contains("-linux") {
                return Some(format!("{p}-"));
            }
        }
    }
    None
}

impl Toolchain {
    /// `m32`: `-m32`/`-m16` given (an x86-64 target becomes i386).
    pub fn new(argv0: &str, target_opt: Option<&str>, m32: bool, sysroot: Option<String>, b_prefixes: Vec<String>) -> Result<Toolchain, String> {
        let base = Path::new(argv0).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (mut arch, named_prefix) = match target_opt {
            Some(t) => (arch_from_name(t).ok_or_else(|| format!("unsupported target '{t}'"))?, Some(format!("{t}-"))),
            None => (arch_from_name(&base).unwrap_or_else(host_arch), prefix_from_argv0(&base)),
        };
        if m32 && arch == Arch::X86_64 {
            arch = Arch::I386;
        }
        let target = TargetInfo::for_arch(arch);
        // i386 on an x86-64 host is GCC's `32` multilib of the native toolchain.
        let multilib32 = arch == Arch::I386 && host_arch() == Arch::X86_64;
        let native = arch == host_arch() || multilib32;
        let tool_prefix = if native { String::new() } else { named_prefix.unwrap_or_else(|| format!("{}-", target.triple)) };
        let gcc_lib_dir = if multilib32 {
            find_gcc_lib_dir(TargetInfo::for_arch(Arch::X86_64).triple, true, sysroot.as_deref()).map(|d| d.join("32")).filter(|d| d.is_dir())
        } else {
            find_gcc_lib_dir(target.triple, native, sysroot.as_deref())
        };
        let include_dir = find_include_dir();
        Ok(Toolchain { target, tool_prefix, native, sysroot, b_prefixes, gcc_lib_dir, include_dir, multilib32 })
    }

    /// The triple naming directories (headers, GCC's and the C library's):
    /// the x86-64 one for the `32` multilib.
    fn dir_triple(&self) -> &'static str {
        if self.multilib32 { TargetInfo::for_arch(Arch::X86_64).triple } else { self.target.triple }
    }

    fn root(&self) -> &str {
        self.sysroot.as_deref().unwrap_or("").trim_end_matches('/')
    }

    /// Directories holding the C library's start files and libraries.
    pub fn libc_dirs(&self) -> Vec<String> {
        let t = self.dir_triple();
        let r = self.root();
        if self.multilib32 {
            vec![format!("{r}/usr/lib32"), format!("{r}/lib32"), format!("{r}/usr/lib/i386-linux-gnu")]
        } else if self.native || !r.is_empty() {
            vec![format!("{r}/usr/lib/{t}"), format!("{r}/lib/{t}"), format!("{r}/usr/lib"), format!("{r}/lib")]
        } else {
            vec![format!("/usr/{t}/lib"), format!("/usr/lib/{t}"), format!("/lib/{t}")]
        }
    }

    /// `-L` directories GCC gives the linker after the user's.
    pub fn library_dirs(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for b in &self.b_prefixes {
            if Path::new(b).is_dir() {
                v.push(b.trim_end_matches('/').to_string());
            }
        }
        if let Some(g) = &self.gcc_lib_dir {
            v.push(g.to_string_lossy().into_owned());
        }
        for d in self.libc_dirs() {
            if Path::new(&d).is_dir() && !v.contains(&d) {
                v.push(d);
            }
        }
        v
    }

    /// A start file (`crt1.o`, `crtbeginS.o`...): `-B` prefixes, GCC's
    /// directory, the C library directories. Unfound names are returned as
    /// they are (the linker then reports them, as with GCC).
    pub fn find_file(&self, name: &str) -> String {
        for b in &self.b_prefixes {
            let p = format!("{b}{name}");
            if Path::new(&p).is_file() {
                return p;
            }
            let p = Path::new(b).join(name);
            if p.is_file() {
                return p.to_string_lossy().into_owned();
            }
        }
        if let Some(g) = &self.gcc_lib_dir {
            let p = g.join(name);
            if p.exists() {
                return p.to_string_lossy().into_owned();
            }
        }
        for d in self.libc_dirs() {
            let p = Path::new(&d).join(name);
            if p.exists() {
                return p.to_string_lossy().into_owned();
            }
        }
        name.to_string()
    }

    /// A program (`as`, `ld`): `-B` prefixes (`<B><prefix>name`, `<B>name`),
    /// then `PATH` (`<prefix>name`, and for a cross compiler called by another
    /// name, `<triple>-name`: `riscv64-unknown-linux-gnu-gcc`, nixpkgs' name,
    /// finds Debian's `riscv64-linux-gnu-as`).
    /// `name` (or `<prefix>name`) in a `-B` prefix, as GCC looks there first.
    pub fn find_in_b_prefixes(&self, name: &str) -> Option<String> {
        let prefixed = format!("{}{name}", self.tool_prefix);
        for b in &self.b_prefixes {
            for n in [&prefixed, &name.to_string()] {
                let p = format!("{b}{n}");
                if is_executable(Path::new(&p)) {
                    return Some(p);
                }
                let p = Path::new(b).join(n);
                if is_executable(&p) {
                    return Some(p.to_string_lossy().into_owned());
                }
            }
        }
        None
    }

    pub fn find_program(&self, name: &str) -> String {
        let prefixed = format!("{}{name}", self.tool_prefix);
        let canonical = if self.native { prefixed.clone() } else { format!("{}-{name}", self.target.triple) };
        if let Some(p) = self.find_in_b_prefixes(name) {
            return p;
        }
        if let Some(path) = std::env::var_os("PATH") {
            for candidate in [&prefixed, &canonical] {
                for dir in std::env::split_paths(&path) {
                    let p = dir.join(candidate);
                    if is_executable(&p) {
                        return p.to_string_lossy().into_owned();
                    }
                }
            }
        }
        prefixed
    }

    pub fn dynamic_linker(&self) -> &'static str {
        match self.target.arch {
            Arch::X86_64 => "/lib64/ld-linux-x86-64.so.2",
            Arch::I386 => "/lib/ld-linux.so.2",
            Arch::Aarch64 => "/lib/ld-linux-aarch64.so.1",
            Arch::Riscv64 => "/lib/ld-linux-riscv64-lp64d.so.1",
        }
    }

    /// Linker emulation arguments.
    pub fn ld_machine_args(&self) -> Vec<String> {
        let v: &[&str] = match self.target.arch {
            Arch::X86_64 => &["-m", "elf_x86_64"],
            Arch::I386 => &["-m", "elf_i386"],
            Arch::Aarch64 => &["-X", "-EL", "-maarch64linux", "--fix-cortex-a53-843419"],
            Arch::Riscv64 => &["-melf64lriscv"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Assembler arguments selecting the target.
    pub fn as_machine_args(&self) -> Vec<String> {
        let v: &[&str] = match self.target.arch {
            Arch::I386 => &["--32"],
            Arch::X86_64 => &["--64"],
            Arch::Aarch64 => &["-EL", "-mabi=lp64"],
            // Debian's GCC 12 names its default ISA spec (GNU as's own default is 2.2).
            Arch::Riscv64 => &["-march=rv64gc", "-mabi=lp64d", "-misa-spec=20191213"],
        };
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The `<...>` search chain after the user's `-I`/`-isystem`.
    pub fn system_include_dirs(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(d) = &self.include_dir {
            v.push(d.to_string_lossy().into_owned());
        }
        v.extend(ccc_front::preprocess::include::default_system_dirs(self.dir_triple(), self.native, self.sysroot.as_deref()));
        v
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// GCC's `lib/gcc[-cross]/<triple>/<version>` with the highest version.
fn find_gcc_lib_dir(triple: &str, native: bool, sysroot: Option<&str>) -> Option<PathBuf> {
    let root = sysroot.unwrap_or("").trim_end_matches('/');
    let bases = if native {
        vec![format!("{root}/usr/lib/gcc/{triple}"), format!("/usr/lib/gcc/{triple}")]
    } else {
        vec![format!("/usr/lib/gcc-cross/{triple}"), format!("{root}/usr/lib/gcc/{triple}")]
    };
    for base in bases {
        let Ok(rd) = std::fs::read_dir(&base) else { continue };
        let mut versions: Vec<(Vec<u32>, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("crtbegin.o").exists() || e.path().join("libgcc.a").exists())
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name.split('.').map(|x| x.parse().unwrap_or(0)).collect(), e.path())
            })
            .collect();
        versions.sort();
        if let Some((_, p)) = versions.pop() {
            return Some(p);
        }
    }
    None
}

/// ccc's headers: `<exe>/../lib/ccc/include` when installed,
/// `<exe dir>/ccc-include` in a cargo build (copied there by build.rs).
fn find_include_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let dir = exe.parent()?;
    let candidates = [dir.join("../lib/ccc/include"), dir.join("ccc-include"), dir.join("../ccc-include")];
    candidates.into_iter().find(|c| c.join("stddef.h").is_file()).map(|c| normalize(&c))
}

/// Remove `..` components lexically (for printing).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_from_program_name() {
        assert_eq!(arch_from_name("riscv64-unknown-linux-gnu-gcc"), Some(Arch::Riscv64));
        assert_eq!(arch_from_name("ccc-aarch64"), Some(Arch::Aarch64));
        assert_eq!(arch_from_name("ccc"), None);
        assert_eq!(arch_from_name("i686-linux-gnu"), Some(Arch::I386));
        assert_eq!(prefix_from_argv0("riscv64-unknown-linux-gnu-gcc").as_deref(), Some("riscv64-unknown-linux-gnu-"));
        assert_eq!(prefix_from_argv0("gcc"), None);
    }
}
