//! GNU ld's command line, as gcc's collect2, the kernel and nixpkgs' ld-wrapper write it.

use crate::error::Result;
use crate::{bail, err};

/// Per-input flags that `--as-needed`, `--whole-archive` and `-Bstatic` toggle.
#[derive(Clone, Copy, Debug, Default)]
pub struct InputFlags {
    pub as_needed: bool,
    pub whole_archive: bool,
    pub static_only: bool,
}

#[derive(Clone, Debug)]
pub enum Input {
    File(String, InputFlags),
    /// `-lNAME` (or `-l:FILE`).
    Lib(String, InputFlags),
    GroupStart,
    GroupEnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    Exec,
    Pie,
    StaticExec,
    StaticPie,
    Shared,
}

#[derive(Debug)]
pub struct Options {
    pub output: String,
    pub inputs: Vec<Input>,
    pub lib_paths: Vec<String>,
    pub static_link: bool,
    pub pie: bool,
    pub shared: bool,
    pub relocatable: bool,
    pub entry: Option<String>,
    pub dynamic_linker: Option<String>,
    pub no_dynamic_linker: bool,
    pub hash_sysv: bool,
    pub hash_gnu: bool,
    pub eh_frame_hdr: bool,
    pub z_now: bool,
    pub z_relro: bool,
    pub z_execstack: Option<bool>,
    pub z_text: bool,
    pub rpath: Vec<String>,
    pub new_dtags: bool,
    pub build_id: bool,
    pub export_dynamic: bool,
    pub soname: Option<String>,
    pub defsyms: Vec<(String, String)>,
    pub undefined: Vec<String>,
    pub wrap: Vec<String>,
    pub version: bool,
    pub sysroot: String,
    pub print_map: Option<String>,
    /// -Bsymbolic: a shared object binds references to its own definitions.
    pub symbolic: bool,
    pub gc_sections: bool,
    pub version_scripts: Vec<String>,
    pub allow_multiple_definition: bool,
    pub help: bool,
    pub strip_all: bool,
    pub strip_debug: bool,
    /// Segment alignment (`-z max-page-size=`); the target's default unless given.
    pub max_page_size: u64,
    pub max_page_size_given: bool,
    /// `--export-dynamic-symbol` patterns and `--dynamic-list` files.
    pub export_patterns: Vec<String>,
    pub dynamic_lists: Vec<String>,
    /// `--no-undefined` / `-z defs`: shared objects must not leave symbols undefined.
    pub no_undefined: bool,
    /// `-T FILE`: the linker script that lays out the output.
    pub script: Option<String>,
    /// `--orphan-handling=place|warn|error|discard`.
    pub orphan_handling: Option<String>,
    /// `--emit-relocs`: keep the inputs' relocations in the output.
    pub emit_relocs: bool,
    /// `-m EMULATION`: the target (else taken from the first object).
    pub emulation: Option<String>,
    /// `-n`/`-N`: segments are not page aligned in the file (the arm64 vDSO).
    pub nmagic: bool,
}

/// Options taking a separate argument that we accept and ignore.
const IGNORED_WITH_ARG: &[&str] = &["-plugin", "-rpath-link", "--rpath-link", "-Map", "--plugin", "-y", "--trace-symbol", "-O"];
/// Flags we accept and ignore: they change diagnostics, speed or debug info, not the program.
const IGNORED: &[&str] = &[
    "-O1", "-O2", "-O0", "--sort-common",
    "-g", "--fatal-warnings", "--no-fatal-warnings", "-x", "-X", "--discard-all", "--discard-locals",
    "--warn-common", "--no-warn-mismatch", "--no-warn-rwx-segments", "--warn-shared-textrel", "-EL", "--color-diagnostics",
    "--no-copy-dt-needed-entries", "--copy-dt-needed-entries", "--allow-shlib-undefined", "--no-allow-shlib-undefined",
    "-nostdlib", "--verbose", "--stats", "--relax", "--no-relax", "--demangle", "--no-demangle", "-t", "--trace",
    "--print-gc-sections", "--no-print-gc-sections", "--warn-once", "--cref", "--icf=none", "--no-keep-memory",
    "--reduce-memory-overheads", "-Qy", "-qmagic", "--disable-new-dtags-warn", "--ignore-unresolved-symbol",
    "--enable-new-dtags", "--disable-new-dtags", "--no-ld-generated-unwind-info", "--ld-generated-unwind-info",
    "--warn-textrel", "--discard-none", "--no-warnings", "-w", "--error-unresolved-symbols", "--warn-unresolved-symbols",
    // Cortex-A53 errata workarounds (Debian's aarch64 GCC passes the first): they only matter
    // on that core's early revisions; ccc-ld does not rewrite the affected sequences yet.
    "--fix-cortex-a53-843419", "--no-fix-cortex-a53-843419", "--fix-cortex-a53-835769", "--no-fix-cortex-a53-835769",
    // AArch64 range-extension veneers: ccc-ld makes none (an out-of-range branch is an
    // error), so there is nothing to make position-independent.
    "--pic-veneer", "--no-pic-veneer",
];

impl Options {
    /// The alignment of segments in the file and in memory: a page, or nothing under `-n`.
    pub fn segment_align(&self) -> u64 {
        if self.nmagic {
            1
        } else {
            self.max_page_size
        }
    }

    pub fn output_kind(&self) -> OutputKind {
        match (self.shared, self.static_link, self.pie) {
            (true, _, _) => OutputKind::Shared,
            (false, true, true) => OutputKind::StaticPie,
            (false, true, false) => OutputKind::StaticExec,
            (false, false, true) => OutputKind::Pie,
            (false, false, false) => OutputKind::Exec,
        }
    }
}

/// Split `--opt=value` / `-opt=value`.
fn split_eq(a: &str) -> (&str, Option<&str>) {
    match a.find('=') {
        Some(i) if a.starts_with('-') => (&a[..i], Some(&a[i + 1..])),
        _ => (a, None),
    }
}

pub fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        output: "a.out".into(),
        inputs: vec![],
        lib_paths: vec![],
        static_link: false,
        pie: false,
        shared: false,
        relocatable: false,
        entry: None,
        dynamic_linker: None,
        no_dynamic_linker: false,
        hash_sysv: false,
        hash_gnu: true,
        eh_frame_hdr: false,
        z_now: false,
        z_relro: true,
        z_execstack: None,
        z_text: false,
        rpath: vec![],
        new_dtags: true,
        build_id: false,
        export_dynamic: false,
        soname: None,
        defsyms: vec![],
        undefined: vec![],
        wrap: vec![],
        version: false,
        sysroot: String::new(),
        print_map: None,
        symbolic: false,
        gc_sections: false,
        version_scripts: vec![],
        allow_multiple_definition: false,
        help: false,
        strip_all: false,
        strip_debug: false,
        max_page_size: 0x1000,
        max_page_size_given: false,
        export_patterns: vec![],
        dynamic_lists: vec![],
        no_undefined: false,
        script: None,
        orphan_handling: None,
        emit_relocs: false,
        emulation: None,
        nmagic: false,
    };
    let mut flags = InputFlags::default();
    let mut stack: Vec<InputFlags> = vec![];
    let mut i = 0;
    // The next argument, for options written `-opt value`.
    let next = |i: &mut usize, name: &str| -> Result<String> {
        *i += 1;
        args.get(*i).cloned().ok_or_else(|| err!("option '{}' requires an argument", name))
    };
    while i < args.len() {
        let a = args[i].as_str();
        let (key, val) = split_eq(a);
        // Long options may be written with one dash or two.
        let k = if key.starts_with("--") { &key[1..] } else { key };
        let arg = |i: &mut usize| -> Result<String> {
            match val {
                Some(v) => Ok(v.to_string()),
                None => next(i, key),
            }
        };
        match k {
            _ if !a.starts_with('-') || a == "-" => o.inputs.push(Input::File(a.to_string(), flags)),
            "-o" | "-output" => o.output = arg(&mut i)?,
            "-L" | "-library-path" => o.lib_paths.push(arg(&mut i)?),
            "-l" | "-library" => o.inputs.push(Input::Lib(arg(&mut i)?, flags)),
            "-static" => {
                o.static_link = true;
                flags.static_only = true;
            }
            "-Bstatic" | "-dn" | "-non_shared" => flags.static_only = true,
            "-Bdynamic" | "-dy" | "-call_shared" => flags.static_only = false,
            "-pie" | "-pic-executable" => o.pie = true,
            "-Bsymbolic" => o.symbolic = true,
            "-gc-sections" => o.gc_sections = true,
            "-allow-multiple-definition" => o.allow_multiple_definition = true,
            "-no-undefined" => o.no_undefined = true,
            "-export-dynamic-symbol" => o.export_patterns.push(arg(&mut i)?),
            "-dynamic-list" => o.dynamic_lists.push(arg(&mut i)?),
            "-version-script" => o.version_scripts.push(arg(&mut i)?),
            "-no-gc-sections" => o.gc_sections = false,
            "-Bsymbolic-functions" => {} // calls already bind locally
            "-no-pie" | "-no-pic-executable" => o.pie = false,
            "-shared" | "-Bshareable" => o.shared = true,
            "-r" | "-relocatable" | "-i" => o.relocatable = true,
            "-e" | "-entry" => o.entry = Some(arg(&mut i)?),
            "-dynamic-linker" | "-I" => o.dynamic_linker = Some(arg(&mut i)?),
            "-no-dynamic-linker" => o.no_dynamic_linker = true,
            "-hash-style" => match arg(&mut i)?.as_str() {
                "gnu" => (o.hash_sysv, o.hash_gnu) = (false, true),
                "sysv" => (o.hash_sysv, o.hash_gnu) = (true, false),
                "both" => (o.hash_sysv, o.hash_gnu) = (true, true),
                s => bail!("{}: unknown hash style", s),
            },
            "-eh-frame-hdr" => o.eh_frame_hdr = true,
            "-no-eh-frame-hdr" => o.eh_frame_hdr = false,
            "-build-id" => {
                o.build_id = val != Some("none");
            }
            "-as-needed" => flags.as_needed = true,
            "-no-as-needed" => flags.as_needed = false,
            "-whole-archive" => flags.whole_archive = true,
            "-no-whole-archive" => flags.whole_archive = false,
            "-push-state" => stack.push(flags),
            "-pop-state" => flags = stack.pop().ok_or_else(|| err!("no state pushed before popping"))?,
            "-start-group" | "-(" => o.inputs.push(Input::GroupStart),
            "-end-group" | "-)" => o.inputs.push(Input::GroupEnd),
            "-z" => z_option(&mut o, &arg(&mut i)?)?,
            "-rpath" | "-R" => o.rpath.push(arg(&mut i)?),
            "-soname" | "-h" => o.soname = Some(arg(&mut i)?),
            "-export-dynamic" | "-E" => o.export_dynamic = true,
            "-no-export-dynamic" => o.export_dynamic = false,
            "-defsym" => {
                let d = if let Some(v) = val.filter(|_| a.contains("defsym=")) { v.to_string() } else { next(&mut i, key)? };
                let (s, e) = d.split_once('=').ok_or_else(|| err!("bad --defsym '{}'", d))?;
                o.defsyms.push((s.trim().to_string(), e.trim().to_string()));
            }
            "-u" | "-undefined" => o.undefined.push(arg(&mut i)?),
            "-wrap" => o.wrap.push(arg(&mut i)?),
            "-v" | "-version" | "-V" => o.version = true,
            "-help" => o.help = true,
            "-s" | "-strip-all" => o.strip_all = true,
            "-S" | "-strip-debug" | "-g0" => o.strip_debug = true,
            "-sysroot" => o.sysroot = arg(&mut i)?,
            "-Map" => o.print_map = Some(arg(&mut i)?),
            "-enable-new-dtags" => o.new_dtags = true,
            "-disable-new-dtags" => o.new_dtags = false,
            "-T" | "-script" | "-dT" | "-default-script" => o.script = Some(arg(&mut i)?),
            "-orphan-handling" => {
                let v = arg(&mut i)?;
                if !matches!(v.as_str(), "place" | "warn" | "error" | "discard") {
                    bail!("unknown orphan handling: {}", v);
                }
                o.orphan_handling = Some(v);
            }
            "-emit-relocs" | "-q" => o.emit_relocs = true,
            "-n" | "-nmagic" | "-N" | "-omagic" => o.nmagic = true,
            "-no-omagic" => o.nmagic = false,
            "-m" if a == "-m" => o.emulation = Some(arg(&mut i)?),
            _ if k.starts_with("-plugin-opt") || k.starts_with("-plugin") => {
                if val.is_none() && (k == "-plugin") {
                    i += 1;
                }
            }
            _ if IGNORED_WITH_ARG.contains(&k) => {
                if val.is_none() {
                    i += 1;
                }
            }
            _ if IGNORED.contains(&k) || IGNORED.contains(&a) => {}
            _ if a.starts_with("-o") => o.output = a[2..].to_string(),
            _ if a.starts_with("-L") => o.lib_paths.push(a[2..].to_string()),
            _ if a.starts_with("-l") => o.inputs.push(Input::Lib(a[2..].to_string(), flags)),
            _ if a.starts_with("-z") => z_option(&mut o, &a[2..])?,
            _ if a.starts_with("-e") && a.len() > 2 && !a.starts_with("-export") => o.entry = Some(a[2..].to_string()),
            _ if a.starts_with("-m") && !a.starts_with("--") => o.emulation = Some(a[2..].to_string()),
            _ if a.starts_with("-O") || a.starts_with("--compress-debug") || a.starts_with("--threads") || a.starts_with("--build-id") => {}
            _ => bail!("unrecognized option '{}'", a),
        }
        i += 1;
    }
    if o.no_dynamic_linker {
        o.dynamic_linker = None;
    }
    Ok(o)
}

/// `--help`: build systems (libtool, configure) grep it for the options they want.
pub const HELP: &str = "Usage: ld [options] file...
Options:
  -o FILE, -l LIB, -L DIR, -e SYM, -u SYM, -T SCRIPT, -r, -s, -S
  -static, -Bstatic, -Bdynamic, -pie, -no-pie, -shared, -soname NAME, -rpath DIR
  --as-needed, --no-as-needed, --push-state, --pop-state
  --whole-archive, --no-whole-archive, --start-group, --end-group
  --dynamic-linker FILE, --no-dynamic-linker, --hash-style=gnu|sysv|both
  --eh-frame-hdr, --build-id, --gc-sections, --export-dynamic, -Bsymbolic
  --version-script FILE, --defsym SYM=EXPR, --wrap SYM, -Map FILE
  --allow-multiple-definition, -z now|lazy|relro|norelro|execstack|noexecstack|muldefs
  --version, --help
";

fn z_option(o: &mut Options, z: &str) -> Result<()> {
    match z {
        "now" => o.z_now = true,
        "lazy" => o.z_now = false,
        "relro" => o.z_relro = true,
        "norelro" => o.z_relro = false,
        "execstack" => o.z_execstack = Some(true),
        "noexecstack" => o.z_execstack = Some(false),
        "text" => o.z_text = true,
        "muldefs" => o.allow_multiple_definition = true,
        "defs" => o.no_undefined = true,
        "undefs" => o.no_undefined = false,
        _ if z.starts_with("max-page-size=") => {
            let v = &z["max-page-size=".len()..];
            let n = match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            };
            match n {
                Some(n) if n.is_power_of_two() => {
                    o.max_page_size = n;
                    o.max_page_size_given = true;
                }
                _ => bail!("-z max-page-size: invalid value '{}'", v),
            }
        }
        "notext" | "textoff" => o.z_text = false,
        // Layout and hardening hints that do not change what the program does.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Options {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn collect2_line() {
        let o = p(&[
            "-plugin", "/x/liblto_plugin.so", "-plugin-opt=/x/lto-wrapper", "--build-id", "--eh-frame-hdr", "-m", "elf_x86_64",
            "--hash-style=gnu", "--as-needed", "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-pie", "-o", "out", "a.o",
            "-L/lib", "-lm", "--push-state", "--no-as-needed", "-lgcc_s", "--pop-state", "-lc", "-z", "now", "-zrelro",
        ]);
        assert_eq!(o.output, "out");
        assert_eq!(o.output_kind(), OutputKind::Pie);
        assert!(o.eh_frame_hdr && o.build_id && o.z_now && o.hash_gnu && !o.hash_sysv);
        assert_eq!(o.dynamic_linker.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
        let libs: Vec<(String, bool)> = o.inputs.iter().filter_map(|i| if let Input::Lib(n, f) = i { Some((n.clone(), f.as_needed)) } else { None }).collect();
        assert_eq!(libs, [("m".to_string(), true), ("gcc_s".to_string(), false), ("c".to_string(), true)]);
    }

    #[test]
    fn static_and_errors() {
        let o = p(&["-static", "-pie", "--no-dynamic-linker", "x.o", "--start-group", "-lc", "--end-group"]);
        assert_eq!(o.output_kind(), OutputKind::StaticPie);
        assert!(parse(&["--frobnicate".to_string()]).is_err());
        assert!(parse(&["-o".to_string()]).is_err());
        assert_eq!(parse(&["-T".to_string(), "x.ld".to_string()]).unwrap().script.as_deref(), Some("x.ld"));
    }

    #[test]
    fn target_and_nmagic() {
        let o = p(&["-maarch64linux", "--fix-cortex-a53-843419", "-o", "x", "a.o"]);
        assert_eq!(o.emulation.as_deref(), Some("aarch64linux"));
        assert_eq!(crate::arch::select(&o).unwrap().machine(), 183);
        let o = p(&["-m", "elf64lriscv", "-n", "-z", "max-page-size=4096", "-o", "x", "a.o"]);
        assert_eq!(crate::arch::select(&o).unwrap().machine(), 243);
        assert_eq!((o.segment_align(), o.max_page_size), (1, 4096));
        assert!(crate::arch::select(&p(&["-m", "elf_sparc", "a.o"])).is_err());
    }
}
