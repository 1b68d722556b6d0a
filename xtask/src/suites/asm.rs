//! The integrated assembler against GNU `as`, per target: every torture `execute` test, every
//! Lua 5.4 source file and SQLite's `sqlite3.c` are compiled to assembly (`gcc -S` at -O0 and
//! -O2, and ccc's own `-S` at -O2), assembled by both, and the objects compared:
//! section contents and attributes, symbol tables, relocations. Pass = identical; a failure
//! names the first difference. One suite per target (`asm-x86_64`, `asm-aarch64`,
//! `asm-riscv64`, and `asm-i386`: the torture tests compiled with `-m32`, ELF32 with REL
//! relocations, `as --32`), the cross GCC and cross GNU as as oracles for foreign targets.
//! x86 objects are then compared byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::read::elf::{ElfFile, ElfFile32, ElfFile64, FileHeader, SectionHeader as _, Sym as _};
use object::{Endianness, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};

use crate::arch::Arch;
use crate::ctx::Ctx;
use crate::report::TestResult;
use crate::sample::in_fast_sample;
use crate::suites::torture::{test_name, COMPILE_TIMEOUT};
use crate::{gccsrc, pool, proc};

/// One target's suite; `asm-i386` assembles the torture corpus only.
pub struct Asm {
    pub arch: &'static Arch,
}

/// (label, compiler is ccc, option).
type Variant = (&'static str, bool, &'static str);

const VARIANTS: &[Variant] = &[("gcc-O0", false, "-O0"), ("gcc-O2", false, "-O2"), ("ccc-O2", true, "-O2")];

impl Asm {
    /// GNU as for the target.
    fn gnu_as(&self) -> Command {
        if self.arch.native {
            let mut c = Command::new("as");
            c.arg(if self.arch.cflags.contains(&"-m32") { "--32" } else { "--64" });
            c
        } else {
            let mut c = Command::new(format!("{}-as", self.arch.triple));
            // What ccc's driver passes GNU as (and its own assembler) for this target.
            if self.arch.name == "riscv64" {
                c.args(["-march=rv64gc", "-mabi=lp64d", "-misa-spec=20191213"]);
            }
            c
        }
    }
}

impl super::Suite for Asm {
    fn name(&self) -> String {
        format!("asm-{}", self.arch.name)
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let dir = gccsrc::torture_dir(ctx)?.join("execute");
        let mut units: Vec<Unit> = gccsrc::list_c(&dir)?.into_iter().map(|f| Unit { name: test_name(&f), path: f, flags: &[], timeout: COMPILE_TIMEOUT }).collect();
        let mut results = Vec::new();
        let full_corpus = self.arch.name != "i386";
        match lua_sources(ctx) {
            _ if !full_corpus => {}
            Ok(files) => units.extend(files.into_iter().map(|f| Unit { name: format!("lua/{}", test_name(&f)), path: f, flags: &["-DLUA_USE_LINUX"], timeout: COMPILE_TIMEOUT })),
            Err(e) => results.push(TestResult::fail("lua", format!("Lua sources: {e}"), "")),
        }
        // sqlite3.c is one 9 MB file (GCC -O2 needs minutes for it): full runs only.
        if !ctx.fast && full_corpus {
            match crate::suites::projects::sqlite_amalgamation(ctx) {
                Ok(dir) => units.push(Unit { name: "sqlite3.c".into(), path: dir.join("sqlite3.c"), flags: &[], timeout: std::time::Duration::from_secs(900) }),
                Err(e) => results.push(TestResult::fail("sqlite3.c", format!("SQLite amalgamation: {e}"), "")),
            }
        }
        units.retain(|u| !ctx.fast || in_fast_sample(&ctx.host, &u.name));
        let work = ctx.work_dir(&self.name());
        let per_file = pool::par_map(&units, ctx.jobs, |u| VARIANTS.iter().map(|v| one(ctx, self, u, &work, *v)).collect::<Vec<_>>());
        results.extend(per_file.into_iter().flatten());
        Ok(results)
    }
}

/// One C file of the corpus and the flags it needs.
struct Unit {
    name: String,
    path: PathBuf,
    flags: &'static [&'static str],
    /// For compiling and assembling (sqlite3.c takes GCC minutes at -O2).
    timeout: std::time::Duration,
}

/// Lua 5.4's `src/*.c` (Debian's source package).
fn lua_sources(ctx: &Ctx) -> Result<Vec<PathBuf>, String> {
    let tree = crate::suites::projects::source::fetch(ctx, "lua5.4")?;
    let src = tree.join("src");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&src).map_err(|e| format!("{}: {e}", src.display()))?.flatten().map(|e| e.path()).collect();
    v.retain(|p| p.extension().is_some_and(|e| e == "c"));
    v.sort();
    Ok(v)
}

fn one(ctx: &Ctx, suite: &Asm, unit: &Unit, work: &Path, (label, ccc, opt): Variant) -> TestResult {
    let arch = suite.arch;
    let src = &unit.path;
    let name = format!("{}:{label}", unit.name);
    let tdir = work.join(format!("{}-{label}", unit.name.replace('/', "__").trim_end_matches(".c")));
    let _ = std::fs::create_dir_all(&tdir);
    let s = tdir.join("t.s");
    let mut cc = if ccc { ctx.cc_command(arch) } else { ctx.gcc_command(arch) };
    cc.arg(opt).arg("-w").args(unit.flags).arg("-S").arg(src).arg("-o").arg(&s);
    let o = proc::run(&mut cc, unit.timeout);
    if !o.status.success() {
        return TestResult::skip(name, format!("{}: -S fails", if ccc { "ccc" } else { "gcc" }));
    }
    let gnu = tdir.join("gnu.o");
    let o = proc::run(suite.gnu_as().arg("-o").arg(&gnu).arg(&s), unit.timeout);
    if !o.status.success() {
        return TestResult::skip(name, "GNU as rejects the file");
    }
    let ours = tdir.join("ours.o");
    let mut cmd = ctx.cc_command(arch);
    cmd.arg("-fintegrated-as").arg("-c").arg(&s).arg("-o").arg(&ours);
    let o = proc::run(&mut cmd, unit.timeout);
    if !o.status.success() {
        let e = o.stderr_str();
        let first = e.lines().find(|l| l.contains("Error")).unwrap_or("").to_string();
        return TestResult::fail(name, format!("assemble: {}: {first}", o.status.describe()), proc::head_lines(&e, 20));
    }
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let verdict = read(&gnu).and_then(|g| read(&ours).map(|u| (g, u))).and_then(|(g, u)| compare(&g, &u));
    match verdict {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&tdir);
            TestResult::pass(name)
        }
        Err(why) => TestResult::fail(name, why, format!("kept in {}", ctx.show(&tdir))),
    }
}

/// A comparable view of one ELF relocatable object.
#[derive(PartialEq)]
struct View {
    sections: Vec<String>,
    symbols: Vec<String>,
    relocs: Vec<String>,
}

fn view(data: &[u8]) -> Result<View, String> {
    // ELFCLASS32 (i386 `--32` objects) or ELFCLASS64.
    if data.get(4) == Some(&1) {
        view_of(&ElfFile32::<Endianness>::parse(data).map_err(|e| format!("not an ELF object: {e}"))?)
    } else {
        view_of(&ElfFile64::<Endianness>::parse(data).map_err(|e| format!("not an ELF object: {e}"))?)
    }
}

fn view_of<H: FileHeader<Endian = Endianness>>(f: &ElfFile<'_, H>) -> Result<View, String> {
    let endian = f.endian();
    let sec_name = |i: object::SectionIndex| f.section_by_index(i).ok().and_then(|s| s.name().ok().map(str::to_string)).unwrap_or_else(|| format!("#{}", i.0));
    let mut sections = Vec::new();
    let mut relocs = Vec::new();
    for s in f.sections() {
        let h = s.elf_section_header();
        let ty = h.sh_type(endian);
        // Symbol/string tables and relocation sections are compared through their meaning.
        if matches!(ty, 2 | 3 | 4 | 9) {
            continue;
        }
        let name = s.name().unwrap_or("?").to_string();
        let data = if ty == 8 { Vec::new() } else { s.data().map(<[u8]>::to_vec).unwrap_or_default() };
        sections.push(format!(
            "section {name}: type {ty:#x} flags {:#x} align {} entsize {} size {} data {}",
            Into::<u64>::into(h.sh_flags(endian)),
            Into::<u64>::into(h.sh_addralign(endian)),
            Into::<u64>::into(h.sh_entsize(endian)),
            Into::<u64>::into(h.sh_size(endian)),
            hex(&data)
        ));
        for (off, r) in s.relocations() {
            let target = match r.target() {
                RelocationTarget::Symbol(i) => match f.symbol_by_index(i) {
                    Ok(sym) if sym.kind() == object::SymbolKind::Section => format!("section {}", sym.section_index().map(sec_name).unwrap_or_default()),
                    Ok(sym) => sym.name().unwrap_or("?").to_string(),
                    Err(_) => format!("symbol #{}", i.0),
                },
                _ => "none".into(),
            };
            let ty = match r.flags() {
                RelocationFlags::Elf { r_type } => r_type,
                _ => 0,
            };
            relocs.push(format!("reloc in {name} at {off:#x}: type {ty} {target} {:+}", r.addend()));
        }
    }
    let mut symbols = Vec::new();
    {
        for (i, sym) in f.elf_symbol_table().symbols().iter().enumerate() {
            if i == 0 {
                continue;
            }
            let name = f.elf_symbol_table().symbol_name(endian, sym).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
            let shndx = sym.st_shndx(endian);
            let sec = match shndx {
                0 => "UND".to_string(),
                0xfff1 => "ABS".to_string(),
                0xfff2 => "COM".to_string(),
                n => sec_name(object::SectionIndex(n as usize)),
            };
            symbols.push(format!(
                "symbol {i} {name}: info {:#x} other {:#x} section {sec} value {:#x} size {}",
                sym.st_info(),
                sym.st_other(),
                Into::<u64>::into(sym.st_value(endian)),
                Into::<u64>::into(sym.st_size(endian))
            ));
        }
    }
    Ok(View { sections, symbols, relocs })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Ok when identical; else the first difference, GNU's side first.
pub(crate) fn compare(gnu: &[u8], ours: &[u8]) -> Result<(), String> {
    let (g, o) = (view(gnu)?, view(ours)?);
    if g == o {
        // The same contents: the file layout (offsets, string tables) must match too.
        return match gnu.iter().zip(ours).position(|(a, b)| a != b) {
            None if gnu.len() == ours.len() => Ok(()),
            at => Err(format!("file layout differs (at byte {})", at.unwrap_or(gnu.len().min(ours.len())))),
        };
    }
    for (what, a, b) in [("sections", &g.sections, &o.sections), ("symbols", &g.symbols, &o.symbols), ("relocations", &g.relocs, &o.relocs)] {
        for i in 0..a.len().max(b.len()) {
            let (x, y) = (a.get(i), b.get(i));
            if x != y {
                // Show both from just before the first differing character.
                let at = match (x, y) {
                    (Some(x), Some(y)) => x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count(),
                    _ => 0,
                };
                let show = |s: Option<&String>| s.map_or("(none)".to_string(), |s| short(s, at));
                return Err(format!("{what} differ: GNU as `{}`, ours `{}`", show(x), show(y)));
            }
        }
    }
    Err("objects differ".into())
}

/// Long lines (section dumps) are cut to the part around byte `at`, keeping the header.
fn short(s: &str, at: usize) -> String {
    if s.len() <= 200 {
        return s.to_string();
    }
    let head_end = s.find(" data ").map_or(0, |i| i + 6).min(s.len());
    let from = at.saturating_sub(24).max(head_end).min(s.len());
    let to = (from + 64).min(s.len());
    format!("{}...@{}: {}...", &s[..head_end], (from - head_end) / 2, &s[from..to])
}
