//! GCC-compatible command-line parsing (no argument library: GCC's option
//! grammar — joined and separate values, `-Wl,` lists, `@file` — is its own).

use ccc_front::CStd;

/// How far to take each input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `-E`
    Preprocess,
    /// `-S`
    Assembly,
    /// `-c`
    Object,
    Link,
}

/// The language of an input, from `-x` or its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C,
    /// `.i`: already preprocessed C.
    CPreprocessed,
    /// `.s`
    Asm,
    /// `.S` / `.sx`
    AsmCpp,
    /// Anything else goes to the linker.
    Linker,
}

impl Lang {
    pub fn from_suffix(path: &str) -> Lang {
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "c" | "h" => Lang::C,
            "i" => Lang::CPreprocessed,
            "s" => Lang::Asm,
            "S" | "sx" => Lang::AsmCpp,
            _ => Lang::Linker,
        }
    }

    fn from_x(name: &str) -> Option<Option<Lang>> {
        Some(match name {
            "c" | "c-header" => Some(Lang::C),
            "cpp-output" | "c-cpp-output" => Some(Lang::CPreprocessed),
            "assembler" => Some(Lang::Asm),
            "assembler-with-cpp" => Some(Lang::AsmCpp),
            "none" => None,
            _ => return None,
        })
    }
}

/// A command-line item that keeps its position relative to files on the
/// link line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Input { path: String, lang: Lang },
    /// `-lfoo`, `-Wl,...` pieces, `-Xlinker` args, `-T script`...
    LinkArg(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepOptions {
    /// `-M` / `-MM`: dependencies instead of preprocessed output.
    pub only: bool,
    /// `-MD` / `-MMD`: dependencies as a side effect.
    pub side: bool,
    /// `-MM` / `-MMD`: leave out system headers.
    pub no_system: bool,
    pub file: Option<String>,
    pub targets: Vec<String>,
    pub phony: bool,
    /// `-MG`: missing headers are dependencies (accepted, not implemented).
    pub missing_ok: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    FileName(String),
    ProgName(String),
    SearchDirs,
    LibgccFileName,
    Multiarch,
    MultiDirectory,
    MultiOsDirectory,
    MultiLib,
    SysrootSuffix,
    DumpMachine,
    DumpVersion,
    DumpFullVersion,
    Version,
    Help,
}

/// Everything the command line says.
#[derive(Clone, Debug)]
pub struct Options {
    pub stage: Stage,
    pub output: Option<String>,
    pub items: Vec<Item>,
    pub query: Option<Query>,
    pub verbose: bool,
    /// `-###`: print commands, run nothing.
    pub dry_run: bool,
    pub save_temps: bool,
    /// `-ftime-report`: phase times on stderr.
    pub time_report: bool,
    pub target: Option<String>,
    // Preprocessor.
    pub defines: Vec<ccc_front::preprocess::MacroOp>,
    pub include_dirs: Vec<String>,
    pub quote_dirs: Vec<String>,
    pub system_dirs: Vec<String>,
    pub after_dirs: Vec<String>,
    pub pre_includes: Vec<String>,
    pub imacros: Vec<String>,
    pub nostdinc: bool,
    pub sysroot: Option<String>,
    pub no_line_markers: bool,
    pub dump_macros: bool,
    pub deps: DepOptions,
    pub macro_prefix_map: Vec<(String, String)>,
    pub std: CStd,
    pub gnu: bool,
    // Code generation.
    pub opt_level: u8,
    pub optimize_size: bool,
    pub debug: bool,
    pub pic: u8,
    pub pie: Option<u8>,
    pub char_signed: Option<bool>,
    pub fcommon: bool,
    /// `-f[no-]integrated-as`. Unset: ccc's own assembly (from C) is assembled in-process
    /// with ccc-asm, user `.s`/`.S` files go to GNU `as` (the assembler does not cover every
    /// directive hand-written assembly uses yet). `Some(true)`: everything in-process.
    pub integrated_as: Option<bool>,
    /// `-fgnu89-inline`: GNU inline semantics whatever the -std.
    pub gnu89_inline: bool,
    pub freestanding: bool,
    /// `-fno-builtin[-NAME]`: C library calls stay as written.
    pub no_builtin: bool,
    pub instrument_functions: bool,
    pub stack_protector: u8,
    pub m16: bool,
    /// `-mregparm=N` (i386).
    pub regparm: u8,
    pub m32: bool,
    pub no_sse: bool,
    pub general_regs_only: bool,
    pub code_model: String,
    /// `-march=`, `-mabi=`, `-m[no-]relax` (RISC-V, AArch64): passed on to the assembler.
    pub machine_as_flags: Vec<String>,
    /// `-mno-relax`: no linker relaxation (RISC-V).
    pub no_relax: bool,
    pub red_zone: bool,
    pub function_sections: bool,
    pub data_sections: bool,
    pub frame_pointer: bool,
    /// `None`: the target's default (on, except RISC-V as in GCC 12).
    pub unwind_tables: Option<bool>,
    pub no_plt: bool,
    pub fast_math: bool,
    /// `-fshort-wchar`: `wchar_t` is `unsigned short` (the kernel's EFI stub).
    pub short_wchar: bool,
    pub pthread: bool,
    pub warnings: bool,
    pub werror: bool,
    // Linking.
    pub shared: bool,
    pub static_: bool,
    pub static_pie: bool,
    /// `-pie` (Some(true)) / `-no-pie` (Some(false)).
    pub link_pie: Option<bool>,
    pub nostdlib: bool,
    pub nostartfiles: bool,
    pub nodefaultlibs: bool,
    pub lib_dirs: Vec<String>,
    pub b_prefixes: Vec<String>,
    pub assembler_args: Vec<String>,
    pub rdynamic: bool,
    pub static_libgcc: bool,
    pub relocatable: bool,
    /// `-fuse-ld=bfd|gold|lld|mold`: run `ld.<name>`.
    pub fuse_ld: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stage: Stage::Link,
            output: None,
            items: Vec::new(),
            query: None,
            verbose: false,
            dry_run: false,
            save_temps: false,
            time_report: false,
            target: None,
            defines: Vec::new(),
            include_dirs: Vec::new(),
            quote_dirs: Vec::new(),
            system_dirs: Vec::new(),
            after_dirs: Vec::new(),
            pre_includes: Vec::new(),
            imacros: Vec::new(),
            nostdinc: false,
            sysroot: None,
            no_line_markers: false,
            dump_macros: false,
            deps: DepOptions::default(),
            macro_prefix_map: Vec::new(),
            std: CStd::C17,
            gnu: true,
            opt_level: 0,
            optimize_size: false,
            debug: false,
            pic: 0,
            pie: None,
            char_signed: None,
            fcommon: false,
            integrated_as: None,
            gnu89_inline: false,
            freestanding: false,
            no_builtin: false,
            instrument_functions: false,
            stack_protector: 0,
            m16: false,
            regparm: 0,
            m32: false,
            no_sse: false,
            general_regs_only: false,
            code_model: String::new(),
            machine_as_flags: Vec::new(),
            no_relax: false,
            red_zone: true,
            function_sections: false,
            data_sections: false,
            frame_pointer: true,
            unwind_tables: None,
            no_plt: false,
            fast_math: false,
            short_wchar: false,
            pthread: false,
            warnings: true,
            werror: false,
            shared: false,
            static_: false,
            static_pie: false,
            link_pie: None,
            nostdlib: false,
            nostartfiles: false,
            nodefaultlibs: false,
            lib_dirs: Vec::new(),
            b_prefixes: Vec::new(),
            assembler_args: Vec::new(),
            rdynamic: false,
            static_libgcc: false,
            relocatable: false,
            fuse_ld: None,
        }
    }
}

/// Expand `@file` arguments (recursively, GCC/libiberty quoting rules:
/// whitespace separates, `'`/`"` quote, backslash escapes). A missing
/// file leaves the argument as it is, as GCC does.
pub fn expand_response_files(args: Vec<String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    expand_into(args, &mut out, 0)?;
    Ok(out)
}

fn expand_into(args: Vec<String>, out: &mut Vec<String>, depth: u32) -> Result<(), String> {
    for a in args {
        if let Some(path) = a.strip_prefix('@') {
            if let Ok(text) = std::fs::read_to_string(path) {
                if depth > 32 {
                    return Err(format!("response file nesting too deep at '{path}'"));
                }
                expand_into(split_response(&text), out, depth + 1)?;
                continue;
            }
        }
        out.push(a);
    }
    Ok(())
}

fn split_response(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut cur = String::new();
    let mut in_arg = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_arg = true;
            }
            (q, Some(open)) if q == open => quote = None,
            (_, Some(_)) => cur.push(c),
            ('\'' | '"', None) => {
                quote = Some(c);
                in_arg = true;
            }
            (c, None) if c.is_whitespace() => {
                if in_arg {
                    v.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
            }
            (c, None) => {
                cur.push(c);
                in_arg = true;
            }
        }
    }
    if in_arg {
        v.push(cur);
    }
    v
}

/// Options that take their value as the next argument when not joined.
const SEPARATE: &[&str] = &[
    "-o", "-I", "-D", "-U", "-include", "-imacros", "-iquote", "-isystem", "-idirafter", "-x", "-MF", "-MT", "-MQ", "-L", "-l", "-Xlinker",
    "-Xassembler", "-Xpreprocessor", "--param", "-B", "-isysroot", "-iprefix", "-iwithprefix", "-iwithprefixbefore", "-u", "-T", "-e",
    "-z", "--sysroot", "-aux-info", "-dumpdir", "-dumpbase", "-dumpbase-ext", "-target", "--target",
];

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut lang: Option<Lang> = None;
    let mut i = 0;
    // The value of an option: joined (`-Ifoo`, `-I=foo` is not GCC) or next.
    macro_rules! value {
        ($opt:expr, $a:expr) => {{
            if $a.len() > $opt.len() {
                let v = &$a[$opt.len()..];
                v.strip_prefix('=').filter(|_| $opt.starts_with("--")).unwrap_or(v).to_string()
            } else {
                i += 1;
                match args.get(i) {
                    Some(v) => v.clone(),
                    None => return Err(format!("missing argument to '{}'", $opt)),
                }
            }
        }};
    }
    while i < args.len() {
        let a = args[i].as_str();
        if a == "-" || !a.starts_with('-') {
            let l = lang.unwrap_or_else(|| if a == "-" { Lang::C } else { Lang::from_suffix(a) });
            o.items.push(Item::Input { path: a.to_string(), lang: l });
            i += 1;
            continue;
        }
        // Options with a separate-or-joined value.
        if let Some(opt) = SEPARATE.iter().find(|p| a == **p || (a.starts_with(**p) && joinable(p, a))) {
            let opt = *opt;
            let v = value!(opt, a);
            match opt {
                "-o" => o.output = Some(v),
                "-I" => o.include_dirs.push(v),
                "-D" => o.defines.push(ccc_front::preprocess::MacroOp::Define(v)),
                "-U" => o.defines.push(ccc_front::preprocess::MacroOp::Undef(v)),
                "-include" => o.pre_includes.push(v),
                "-imacros" => o.imacros.push(v),
                "-iquote" => o.quote_dirs.push(v),
                "-isystem" => o.system_dirs.push(v),
                "-idirafter" => o.after_dirs.push(v),
                "-x" => match Lang::from_x(&v) {
                    Some(l) => lang = l,
                    None => return Err(format!("language {v} not recognized")),
                },
                "-MF" => o.deps.file = Some(v),
                "-MT" => o.deps.targets.push(v),
                "-MQ" => o.deps.targets.push(ccc_front::preprocess::deps::quote_target(&v)),
                "-L" => o.lib_dirs.push(v),
                "-l" => o.items.push(Item::LinkArg(format!("-l{v}"))),
                "-Xlinker" => o.items.push(Item::LinkArg(v)),
                "-Xassembler" => o.assembler_args.push(v),
                "-Xpreprocessor" => parse_wp(&mut o, &v),
                "-B" => o.b_prefixes.push(v),
                "--sysroot" => o.sysroot = Some(v),
                "-u" => {
                    o.items.push(Item::LinkArg("-u".into()));
                    o.items.push(Item::LinkArg(v));
                }
                "-T" | "-e" | "-z" => {
                    o.items.push(Item::LinkArg(opt.to_string()));
                    o.items.push(Item::LinkArg(v));
                }
                "-target" | "--target" => o.target = Some(v),
                // --param, -isysroot, -iprefix..., -aux-info, -dumpdir...: accepted.
                _ => {}
            }
            i += 1;
            continue;
        }
        parse_flag(&mut o, a)?;
        i += 1;
    }
    Ok(o)
}

/// May `a` be `opt` with a joined value? (`-include` must not match
/// `-I`nclude dirs named "nclude", etc.: the longest option wins, and
/// options like `-x` only join for their own spelling.)
fn joinable(opt: &str, a: &str) -> bool {
    if opt.starts_with("--") {
        return a[opt.len()..].starts_with('=');
    }
    // Longer SEPARATE options sharing the prefix take precedence.
    if SEPARATE.iter().any(|p| p.len() > opt.len() && p.starts_with(opt) && a.starts_with(p)) {
        return false;
    }
    match opt {
        // These only take separate values in GCC.
        "-include" | "-imacros" | "-iquote" | "-isystem" | "-idirafter" | "-isysroot" | "-iprefix" | "-iwithprefix" | "-iwithprefixbefore" => {
            matches!(opt, "-iquote" | "-isystem" | "-idirafter")
        }
        "-Xlinker" | "-Xassembler" | "-Xpreprocessor" | "-aux-info" | "-dumpdir" | "-dumpbase" | "-dumpbase-ext" | "-target" => false,
        "-e" | "-u" | "-z" => false,
        _ => true,
    }
}

fn parse_wp(o: &mut Options, v: &str) {
    // -Wp,-MD,file and friends: preprocessor options.
    let parts: Vec<&str> = v.split(',').collect();
    let mut j = 0;
    while j < parts.len() {
        match parts[j] {
            "-MD" | "-MMD" => {
                o.deps.side = true;
                o.deps.no_system = parts[j] == "-MMD";
                if let Some(f) = parts.get(j + 1) {
                    o.deps.file = Some(f.to_string());
                    j += 1;
                }
            }
            "-MF" | "-MT" | "-MQ" => {
                if let Some(f) = parts.get(j + 1) {
                    match parts[j] {
                        "-MF" => o.deps.file = Some(f.to_string()),
                        "-MT" => o.deps.targets.push(f.to_string()),
                        _ => o.deps.targets.push(ccc_front::preprocess::deps::quote_target(f)),
                    }
                    j += 1;
                }
            }
            "-MP" => o.deps.phony = true,
            p if p.starts_with("-D") => o.defines.push(ccc_front::preprocess::MacroOp::Define(p[2..].to_string())),
            p if p.starts_with("-U") => o.defines.push(ccc_front::preprocess::MacroOp::Undef(p[2..].to_string())),
            p if p.starts_with("-I") => o.include_dirs.push(p[2..].to_string()),
            _ => {}
        }
        j += 1;
    }
}

fn parse_flag(o: &mut Options, a: &str) -> Result<(), String> {
    match a {
        "-E" => o.stage = Stage::Preprocess,
        "-S" => {
            if o.stage != Stage::Preprocess {
                o.stage = Stage::Assembly
            }
        }
        "-c" => {
            if o.stage == Stage::Link {
                o.stage = Stage::Object
            }
        }
        "-v" => o.verbose = true,
        "-###" => {
            o.dry_run = true;
            o.verbose = true;
        }
        "-pipe" | "-Q" | "-quiet" | "-pedantic" | "-pedantic-errors" => {}
        "-ansi" => {
            o.std = CStd::C89;
            o.gnu = false;
        }
        "-save-temps" | "-save-temps=cwd" | "-save-temps=obj" => o.save_temps = true,
        "-ftime-report" => o.time_report = true,
        "-P" => o.no_line_markers = true,
        "-C" | "-CC" | "-H" | "-traditional-cpp" | "-trigraphs" | "-undef" | "-remap" | "-dD" | "-dN" | "-dI" | "-fpreprocessed" => {}
        "-dM" => o.dump_macros = true,
        "-M" | "-MM" => {
            o.deps.only = true;
            o.deps.no_system = a == "-MM";
            o.stage = Stage::Preprocess;
        }
        "-MD" | "-MMD" => {
            o.deps.side = true;
            o.deps.no_system = a == "-MMD";
        }
        "-MP" => o.deps.phony = true,
        "-MG" => o.deps.missing_ok = true,
        "-nostdinc" => o.nostdinc = true,
        "-nostdlib" => o.nostdlib = true,
        "-nostartfiles" => o.nostartfiles = true,
        "-nodefaultlibs" | "-nolibc" => o.nodefaultlibs = true,
        "-shared" => o.shared = true,
        "-static" => o.static_ = true,
        "-static-pie" => o.static_pie = true,
        "-pie" => o.link_pie = Some(true),
        "-no-pie" | "-nopie" => o.link_pie = Some(false),
        "-r" => o.relocatable = true,
        "-rdynamic" => o.rdynamic = true,
        "-static-libgcc" => o.static_libgcc = true,
        "-shared-libgcc" | "-static-libstdc++" | "-symbolic" | "-s" => {
            if a == "-s" || a == "-symbolic" {
                o.items.push(Item::LinkArg(if a == "-s" { "-s".into() } else { "-Bsymbolic".into() }));
            }
        }
        "-pthread" | "-pthreads" => o.pthread = true,
        "-w" => o.warnings = false,
        "-Werror" => o.werror = true,
        "-g" => o.debug = true,
        "-m64" => {
            o.m16 = false;
            o.m32 = false;
        }
        // The last of -m16/-m32/-m64 wins, as with GCC.
        "-m32" => {
            o.m32 = true;
            o.m16 = false;
        }
        "-m16" => {
            o.m16 = true;
            o.m32 = false;
        }
        "-mx32" => return Err("'-mx32' (the x32 ABI) is not supported".into()),
        "-mno-red-zone" => o.red_zone = false,
        "-mred-zone" => o.red_zone = true,
        "-mgeneral-regs-only" => o.general_regs_only = true,
        "-mno-sse" | "-mno-sse2" | "-msoft-float" => o.no_sse = true,
        // ccc never emits MMX instructions: nothing to turn off.
        "-mno-mmx" | "-mno-3dnow" => {}
        "-fPIC" => o.pic = 2,
        "-fpic" => o.pic = 1,
        "-fno-pic" | "-fno-PIC" => o.pic = 0,
        "-fPIE" => o.pie = Some(2),
        "-fpie" => o.pie = Some(1),
        "-fno-pie" | "-fno-PIE" => o.pie = Some(0),
        "-fcommon" => o.fcommon = true,
        "-fintegrated-as" => o.integrated_as = Some(true),
        "-fno-integrated-as" => o.integrated_as = Some(false),
        "-fgnu89-inline" => o.gnu89_inline = true,
        "-fno-gnu89-inline" => o.gnu89_inline = false,
        "-fno-common" => o.fcommon = false,
        "-fsigned-char" | "-fno-unsigned-char" => o.char_signed = Some(true),
        "-funsigned-char" | "-fno-signed-char" => o.char_signed = Some(false),
        "-ffreestanding" | "-fno-hosted" => o.freestanding = true,
        "-fbuiltin" => o.no_builtin = false,
        "-finstrument-functions" => o.instrument_functions = true,
        "-fno-instrument-functions" => o.instrument_functions = false,
        b if b.starts_with("-fno-builtin") => o.no_builtin = true,
        "-fhosted" => o.freestanding = false,
        "-fstack-protector" => o.stack_protector = 1,
        "-fstack-protector-strong" | "-fstack-protector-explicit" => o.stack_protector = if a.ends_with("strong") { 2 } else { o.stack_protector },
        "-fstack-protector-all" => o.stack_protector = 3,
        "-fno-stack-protector" => o.stack_protector = 0,
        "-ffunction-sections" => o.function_sections = true,
        "-fno-function-sections" => o.function_sections = false,
        "-fdata-sections" => o.data_sections = true,
        "-fno-data-sections" => o.data_sections = false,
        "-fomit-frame-pointer" => o.frame_pointer = false,
        "-fno-omit-frame-pointer" => o.frame_pointer = true,
        "-fasynchronous-unwind-tables" | "-funwind-tables" => o.unwind_tables = Some(true),
        "-fno-asynchronous-unwind-tables" => o.unwind_tables = Some(false),
        "-fno-plt" => o.no_plt = true,
        "-fplt" => o.no_plt = false,
        "-fshort-wchar" => o.short_wchar = true,
        "-fno-short-wchar" => o.short_wchar = false,
        "-ffast-math" => o.fast_math = true,
        "-fno-fast-math" => o.fast_math = false,
        "-O" | "-O1" => o.opt_level = 1,
        "-O0" => {
            o.opt_level = 0;
            o.optimize_size = false;
        }
        "-Og" => o.opt_level = 1,
        "-Os" | "-Oz" => {
            o.opt_level = 2;
            o.optimize_size = true;
        }
        "-Ofast" => {
            o.opt_level = 3;
            o.fast_math = true;
        }
        "--version" => o.query = Some(Query::Version),
        "--help" | "-help" => o.query = Some(Query::Help),
        "-dumpmachine" => o.query = Some(Query::DumpMachine),
        "-dumpversion" => o.query = Some(Query::DumpVersion),
        "-dumpfullversion" => o.query = Some(Query::DumpFullVersion),
        "-print-search-dirs" => o.query = Some(Query::SearchDirs),
        "-print-libgcc-file-name" => o.query = Some(Query::LibgccFileName),
        "-print-multiarch" => o.query = Some(Query::Multiarch),
        "-print-multi-directory" => o.query = Some(Query::MultiDirectory),
        "-print-multi-os-directory" => o.query = Some(Query::MultiOsDirectory),
        "-print-multi-lib" => o.query = Some(Query::MultiLib),
        "-print-sysroot-headers-suffix" | "-print-sysroot" => o.query = Some(Query::SysrootSuffix),
        _ => return parse_prefixed(o, a),
    }
    Ok(())
}

fn parse_prefixed(o: &mut Options, a: &str) -> Result<(), String> {
    if let Some(l) = a.strip_prefix("-O") {
        if l.bytes().all(|b| b.is_ascii_digit()) {
            o.opt_level = l.parse::<u32>().map(|n| n.min(3) as u8).unwrap_or(3);
            o.optimize_size = false;
            return Ok(());
        }
        return Err(format!("argument to '-O' should be a non-negative integer, 'g', 's', 'z' or 'fast'"));
    }
    if let Some(s) = a.strip_prefix("-std=") {
        let (std, gnu) = match s {
            "c89" | "c90" | "iso9899:1990" | "iso9899:199409" => (CStd::C89, false),
            "gnu89" | "gnu90" => (CStd::C89, true),
            "c99" | "c9x" | "iso9899:1999" => (CStd::C99, false),
            "gnu99" | "gnu9x" => (CStd::C99, true),
            "c11" | "c1x" | "iso9899:2011" => (CStd::C11, false),
            "gnu11" | "gnu1x" => (CStd::C11, true),
            "c17" | "c18" | "iso9899:2017" | "iso9899:2018" => (CStd::C17, false),
            "gnu17" | "gnu18" => (CStd::C17, true),
            "c2x" | "c23" => (CStd::C2x, false),
            "gnu2x" | "gnu23" => (CStd::C2x, true),
            _ => return Err(format!("unrecognized command-line option '{a}'")),
        };
        o.std = std;
        o.gnu = gnu;
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-Wl,") {
        o.items.extend(v.split(',').filter(|s| !s.is_empty()).map(|s| Item::LinkArg(s.to_string())));
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-Wa,") {
        o.assembler_args.extend(v.split(',').map(str::to_string));
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-Wp,") {
        parse_wp(o, v);
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-print-file-name=") {
        o.query = Some(Query::FileName(v.to_string()));
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-print-prog-name=") {
        o.query = Some(Query::ProgName(v.to_string()));
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("--sysroot=") {
        o.sysroot = Some(v.to_string());
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-fuse-ld=") {
        o.fuse_ld = Some(v.to_string());
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-mregparm=") {
        o.regparm = match v.parse::<u8>() {
            Ok(n @ 0..=3) => n,
            _ => return Err(format!("argument to '-mregparm=' should be between 0 and 3: '{v}'")),
        };
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-mcmodel=") {
        o.code_model = v.to_string();
        return Ok(());
    }
    if a.starts_with("-march=") || a.starts_with("-mabi=") || a == "-mno-relax" || a == "-mrelax" {
        o.no_relax = match a {
            "-mno-relax" => true,
            "-mrelax" => false,
            _ => o.no_relax,
        };
        o.machine_as_flags.push(a.to_string());
        return Ok(());
    }
    if let Some(v) = a.strip_prefix("-fmacro-prefix-map=").or_else(|| a.strip_prefix("-ffile-prefix-map=")) {
        if let Some((old, new)) = v.split_once('=') {
            o.macro_prefix_map.push((old.to_string(), new.to_string()));
        }
        return Ok(());
    }
    if a.starts_with("-g") {
        o.debug = !matches!(a, "-g0" | "-gno-record-gcc-switches") && !a.starts_with("-gno-") || o.debug;
        if a == "-g0" {
            o.debug = false;
        }
        return Ok(());
    }
    if let Some(w) = a.strip_prefix("-Werror=") {
        let _ = w; // Individual warnings as errors: accepted.
        return Ok(());
    }
    // Unknown -f/-W/-m flags are accepted silently, as the brief of GCC
    // compatibility requires (GCC itself ignores unknown -Wno-*).
    if a.starts_with("-f") || a.starts_with("-W") || a.starts_with("-m") || a.starts_with("-d") {
        return Ok(());
    }
    if a.starts_with("--param=") || a.starts_with("-specs=") || a.starts_with("--specs=") || a.starts_with("-print-") {
        return Ok(());
    }
    Err(format!("unrecognized command-line option '{a}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[&str]) -> Options {
        parse(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn basic_flags() {
        let o = p(&["-c", "-O2", "-o", "x.o", "a.c", "-Iinc", "-I", "inc2", "-DX=1", "-UY", "-std=c11", "-fPIC", "-g"]);
        assert_eq!(o.stage, Stage::Object);
        assert_eq!(o.output.as_deref(), Some("x.o"));
        assert_eq!(o.opt_level, 2);
        assert_eq!(o.include_dirs, ["inc", "inc2"]);
        assert_eq!(o.items, [Item::Input { path: "a.c".into(), lang: Lang::C }]);
        assert_eq!((o.std, o.gnu, o.pic, o.debug), (CStd::C11, false, 2, true));
    }

    #[test]
    fn nix_wrapper_flags() {
        let o = p(&[
            "-fPIC", "-fstack-protector-strong", "--param", "ssp-buffer-size=4", "-O2", "-U_FORTIFY_SOURCE", "-fno-strict-overflow", "-Wformat",
            "-Werror=format-security", "-fstack-clash-protection", "-fzero-call-used-regs=used-gpr", "-fno-omit-frame-pointer",
            "-mno-omit-leaf-frame-pointer", "-D_FORTIFY_SOURCE=3", "-B/nix/store/x-glibc/lib/", "-idirafter", "/nix/store/g/include",
            "-frandom-seed=abcdefghij", "-fmacro-prefix-map=/nix/store/a=/nix/store/e", "-Wl,-rpath", "-Wl,/out/lib", "-Wl,-dynamic-linker=/l.so",
            "-fcf-protection=return", "main.c", "-lm",
        ]);
        assert_eq!(o.stack_protector, 2);
        assert_eq!(o.b_prefixes, ["/nix/store/x-glibc/lib/"]);
        assert_eq!(o.after_dirs, ["/nix/store/g/include"]);
        assert_eq!(o.macro_prefix_map, [("/nix/store/a".to_string(), "/nix/store/e".to_string())]);
        let link: Vec<_> = o.items.iter().filter_map(|i| if let Item::LinkArg(a) = i { Some(a.as_str()) } else { None }).collect();
        assert_eq!(link, ["-rpath", "/out/lib", "-dynamic-linker=/l.so", "-lm"]);
    }

    #[test]
    fn languages_and_deps() {
        let o = p(&["-x", "assembler-with-cpp", "a.s", "-x", "none", "b.S", "c.o", "-MMD", "-MP", "-MF", "d.d", "-MT", "t", "-Wp,-MD,e.d"]);
        let langs: Vec<Lang> = o.items.iter().filter_map(|i| if let Item::Input { lang, .. } = i { Some(*lang) } else { None }).collect();
        assert_eq!(langs, [Lang::AsmCpp, Lang::AsmCpp, Lang::Linker]);
        assert!(o.deps.side && o.deps.phony);
        assert_eq!(o.deps.file.as_deref(), Some("e.d"));
        assert_eq!(o.deps.targets, ["t"]);
    }

    #[test]
    fn response_file_splitting() {
        assert_eq!(split_response("a 'b c' \"d\\\"e\" f\\ g\n\n"), ["a", "b c", "d\"e", "f g"]);
        assert_eq!(split_response("''"), [""]);
    }

    #[test]
    fn bad_options() {
        assert!(parse(&["-o".to_string()]).is_err());
        assert!(parse(&["-std=c77".to_string()]).is_err());
        assert!(parse(&["-qqq".to_string()]).is_err());
        assert!(parse(&["-x".to_string(), "fortran".to_string()]).is_err());
    }
}
