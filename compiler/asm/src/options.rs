//! Command-line options of GNU `as` that build systems pass (`-Wa,...` through the driver).

/// What the options change in the output.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-mrelax-relocations=no`: plain `R_X86_64_GOTPCREL` instead of the relaxable
    /// `GOTPCRELX` forms (the kernel's decompressor asks for it).
    pub relax_relocations: bool,
    /// `--noexecstack`: an empty `.note.GNU-stack` section marks the stack non-executable.
    pub noexecstack: bool,
    /// `-I DIR`: where `.include` and `.incbin` look.
    pub include_dirs: Vec<String>,
    /// `--32`: i386 objects (ELF32); the caller picks the `i386` target for it.
    pub x86_32: bool,
    /// RISC-V `-march=` (the ISA before any `.attribute arch`), `-mabi=`, `-m[no-]relax`.
    pub march: Option<String>,
    pub mabi: Option<String>,
    pub relax: bool,
    /// RISC-V `-misa-spec=` (default versions of extensions), `-m[no-]arch-attr`, `-fpic`.
    pub isa_spec: Option<String>,
    pub arch_attr: bool,
    pub pic: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { relax_relocations: true, noexecstack: false, include_dirs: Vec::new(), x86_32: false, march: None, mabi: None, relax: true, isa_spec: None, arch_attr: true, pic: false }
    }
}

impl Options {
    /// Parses GNU as options. Options that only affect diagnostics, debug-section compression
    /// or tuning are accepted and have no effect on the object; an unknown option is an
    /// error, as with GNU as.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let a = a.as_str();
            match a {
                "--64" | "-64" => o.x86_32 = false,
                "--32" | "-32" => o.x86_32 = true,
                "-g" | "--gen-debug" | "-W" | "--no-warn" | "--warn" | "--fatal-warnings" | "-Q" | "--nocompress-debug-sections" => {}
                "--noexecstack" => o.noexecstack = true,
                "--execstack" => o.noexecstack = false,
                "-I" => o.include_dirs.push(it.next().ok_or("option `-I' needs a directory")?.clone()),
                "-mrelax-relocations=yes" => o.relax_relocations = true,
                "-mrelax-relocations=no" => o.relax_relocations = false,
                "--x32" => return Err(format!("`{a}' is not supported: the integrated assembler writes ELF64 and i386 objects")),
                _ if a.starts_with("-I") => o.include_dirs.push(a[2..].to_string()),
                "-mrelax" => o.relax = true,
                "-march-attr" => o.arch_attr = true,
                "-mno-arch-attr" => o.arch_attr = false,
                "-fpic" | "-fPIC" => o.pic = true,
                "-fno-pic" => o.pic = false,
                "-mcsr-check" | "-mno-csr-check" | "-mlittle-endian" => {}
                _ if a.starts_with("-mpriv-spec=") => {}
                _ if a.starts_with("-misa-spec=") => o.isa_spec = Some(a["-misa-spec=".len()..].to_string()),
                "-mno-relax" => o.relax = false,
                _ if a.starts_with("-march=rv") => o.march = Some(a["-march=".len()..].to_string()),
                _ if a.starts_with("-mabi=") => o.mabi = Some(a["-mabi=".len()..].to_string()),
                _ if a.starts_with("--compress-debug-sections") || a.starts_with("--gdwarf") || a.starts_with("-mtune=") || a.starts_with("-march=") => {}
                // Notes and checks that do not change the code.
                _ if a.starts_with("-mx86-used-note=") || a.starts_with("-moperand-check=") || a.starts_with("-msse-check=") || a.starts_with("-mshared") => {}
                _ => return Err(format!("unrecognized option '{a}'")),
            }
        }
        Ok(o)
    }
}
