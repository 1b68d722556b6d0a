//! `-T` linker scripts end to end: the same objects and script linked by GNU ld and by
//! ccc-ld must give the same symbol addresses, allocated sections (address, size) and
//! program headers; the scripted program runs; bad scripts are `ld: FILE:LINE:` errors.
//! Skipped quietly where gcc or GNU ld is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ccc-ld-script-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
    fn write(&self, f: &str, text: &str) -> PathBuf {
        let p = self.path(f);
        std::fs::write(&p, text).unwrap();
        p
    }
    /// Freestanding code: no unwind tables, notes or PIC, so both linkers see the same input.
    fn compile(&self, name: &str, text: &str) -> PathBuf {
        let c = self.write(name, text);
        let o = c.with_extension("o");
        let st = Command::new("gcc")
            .args(["-c", "-O2", "-fno-pie", "-ffreestanding", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fcf-protection=none", "-fno-common"])
            .arg(&c)
            .arg("-o")
            .arg(&o)
            .status()
            .unwrap();
        assert!(st.success());
        o
    }
    fn link(&self, ld: &str, args: &[&str], objs: &[&Path], out: &str) -> (bool, String) {
        let o = Command::new(ld).current_dir(&self.0).args(args).args(objs).arg("-o").arg(self.path(out)).output().unwrap();
        (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have_tools() -> bool {
    ["gcc", "ld", "readelf", "nm"].iter().all(|t| Command::new(t).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn tool(t: &str, args: &[&str], f: &Path) -> String {
    let o = Command::new(t).args(args).arg(f).output().unwrap();
    assert!(o.status.success(), "{t} {args:?} {}: {}", f.display(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Symbol name → address.
fn symbols(f: &Path) -> BTreeMap<String, String> {
    tool("nm", &[], f)
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 3).then(|| (w[2].to_string(), w[0].to_string()))
        })
        .collect()
}

/// Allocated sections with content: "name addr size".
fn alloc_sections(f: &Path) -> Vec<String> {
    tool("readelf", &["-SW"], f)
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('[')?.split_once(']')?.1;
            let w: Vec<&str> = rest.split_whitespace().collect();
            // name type addr off size es flags...
            if w.len() < 7 || !w[6].contains('A') || u64::from_str_radix(w[4], 16).ok()? == 0 {
                return None;
            }
            Some(format!("{} {} {}", w[0], w[2], w[4]))
        })
        .collect()
}

/// Program headers: "type vaddr paddr filesz memsz flags" (offsets may differ).
fn segments(f: &Path) -> Vec<String> {
    tool("readelf", &["-lW"], f)
        .lines()
        .filter(|l| l.starts_with("  ") && l.trim_start().split_whitespace().nth(1).is_some_and(|w| w.starts_with("0x")))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let flags = w[6..w.len() - 1].join("");
            format!("{} {} {} {} {} {}", w[0], w[2], w[3], w[4], w[5], flags)
        })
        .collect()
}

/// Links with both linkers and compares what must agree.
fn same_as_gnu(d: &Dir, args: &[&str], objs: &[&Path]) -> PathBuf {
    let (ok, err) = d.link("ld", args, objs, "gnu.out");
    assert!(ok, "GNU ld: {err}");
    let (ok, err) = d.link(env!("CARGO_BIN_EXE_ccc-ld"), args, objs, "ccc.out");
    assert!(ok, "ccc-ld: {err}");
    let (g, c) = (d.path("gnu.out"), d.path("ccc.out"));
    assert_eq!(alloc_sections(&g), alloc_sections(&c), "sections");
    assert_eq!(segments(&g), segments(&c), "program headers");
    assert_eq!(symbols(&g), symbols(&c), "symbols");
    let entry = |f: &Path| tool("readelf", &["-hW"], f).lines().find(|l| l.contains("Entry point")).unwrap_or_default().to_string();
    assert_eq!(entry(&g), entry(&c));
    c
}

const PROGRAM: &str = r#"
extern char __calls_start[], __calls_end[], _sdata[], _edata[], __bss_start[], __bss_end[];
extern char provided_used[], data_size[], maxv[], minv[], has_start[], _data_lma[];
__attribute__((section(".calls.2"), used)) static const int c2 = 2;
__attribute__((section(".calls.1"), used)) static const int c1 = 1;
__attribute__((section(".calls.3"), used)) static const int c3 = 3;
__attribute__((section(".myorphan"))) int orphan_var = 5;
int data_var = 7;
int bss_var;
static long check(void) {
    const int *c = (const int *)__calls_start;
    if (__calls_end - __calls_start != 12 || c[0] != 1 || c[1] != 2 || c[2] != 3) return 1;
    if (data_var != 7 || bss_var != 0 || orphan_var != 5) return 2;
    if ((unsigned long)provided_used != 0x1234 || (unsigned long)maxv != 0x20 || (unsigned long)minv != 0x10) return 3;
    if ((unsigned long)has_start != 1) return 4;
    if (_sdata[sizeof(int)] != 0x11 || *(unsigned short *)(_sdata + 5) != 0x2222) return 5;
    if (__bss_end - __bss_start < 0x100) return 6;
    return 42;
}
__attribute__((section(".text.start"))) void _start(void) {
    long v = check();
    __asm__ volatile("syscall" :: "a"(60L), "D"(v));
    __builtin_unreachable();
}
"#;

const SCRIPT: &str = r#"/* features a kernel script uses */
OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)
SECTIONS
{
  . = 0x401000;
  .text : { *(.text.start) *(.text .text.*) } =0xcccccccc
  . = ALIGN(0x1000);
  .rodata : { *(.rodata .rodata.*) }
  .init_calls : {
    __calls_start = .;
    KEEP(*(SORT(.calls.*)))
    __calls_end = .;
  }
  .data ALIGN(0x1000) : AT(ADDR(.data) + 0x100000) {
    _sdata = .;
    *(.data .data.*)
    BYTE(0x11) SHORT(0x2222) LONG(0x33333333) QUAD(0x4444444444444444)
    . = ALIGN(16);
    _edata = .;
  }
  _data_lma = LOADADDR(.data);
  .bss (NOLOAD) : {
    __bss_start = .;
    *(.bss .bss.*)
    . += 0x100;
    __bss_end = .;
  }
  _end = .;
  PROVIDE(provided_used = 0x1234);
  PROVIDE(provided_unused = 0x5678);
  PROVIDE(script_only = 0x99);
  via_script = script_only + 1;
  data_size = SIZEOF(.data);
  data_align = ALIGNOF(.data);
  maxv = MAX(0x10, 0x20);
  minv = MIN(0x10, 0x20);
  abs_text = ABSOLUTE(ADDR(.text));
  has_start = DEFINED(_start) ? 1 : 0;
  ASSERT(_end > 0x401000, "end before start")
  /DISCARD/ : { *(.comment) *(.note.GNU-stack) *(.note.gnu.property) }
}
"#;

#[test]
fn kernel_like_script_matches_gnu_and_runs() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("basic");
    let o = d.compile("prog.c", PROGRAM);
    let lds = d.write("prog.lds", SCRIPT);
    let out = same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "-z", "noexecstack"], &[&o]);
    let st = Command::new(&out).status().unwrap();
    assert_eq!(st.code(), Some(42), "the scripted program's checks");
    let syms = symbols(&out);
    assert!(!syms.contains_key("provided_unused"), "PROVIDE of an unreferenced symbol defines nothing");
}

const PHDR_PROGRAM: &str = r#"
int counter = 3;
__attribute__((section(".pcpu"))) int pcpu_var = 9;
int zeroed;
const char msg[] = "hello";
int f(void) { return counter + pcpu_var + zeroed + msg[0]; }
"#;

const PHDR_SCRIPT: &str = r#"
MEMORY
{
  rom (rx) : ORIGIN = 0x800000, LENGTH = 64K
  ram (rw) : ORIGIN = 0x900000, LENGTH = 64K
}
PHDRS
{
  text PT_LOAD FLAGS(5);
  data PT_LOAD FLAGS(6);
  percpu PT_LOAD FLAGS(6);
}
ENTRY(f)
SECTIONS
{
  .text : { *(.text .text.*) } > rom :text
  .rodata : { *(.rodata .rodata.*) } > rom
  .data : { _sdata = .; *(.data .data.*) } > ram AT> rom :data
  .bss : { *(.bss .bss.*) } > ram :data
  .pcpu 0 : AT(LOADADDR(.data) + SIZEOF(.data)) {
    __pcpu_start = .;
    *(.pcpu)
    __pcpu_end = .;
  } :percpu
  pcpu_load = LOADADDR(.pcpu);
  INCLUDE extra.lds
  /DISCARD/ : { *(.comment) *(.note.GNU-stack) *(.note.gnu.property) }
}
"#;

#[test]
fn phdrs_memory_regions_and_address_zero_section_match_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("phdrs");
    let o = d.compile("p.c", PHDR_PROGRAM);
    d.write("extra.lds", "included_sym = 0x77;\n");
    let lds = d.write("p.lds", PHDR_SCRIPT);
    let out = same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "-L", d.0.to_str().unwrap(), "-z", "noexecstack"], &[&o]);
    let syms = symbols(&out);
    assert_eq!(syms.get("__pcpu_start").map(String::as_str), Some("0000000000000000"));
    assert_eq!(syms.get("included_sym").map(String::as_str), Some("0000000000000077"));
}

const ORPHAN_PROGRAM: &str = r#"
__attribute__((section(".orphan_ro"))) const int ro = 1;
__attribute__((section(".orphan_rw"))) int rw = 2;
__attribute__((section(".orphan_text"))) int ft(void) { return ro + rw; }
__attribute__((section("orphan_set"), used)) static int set_a = 1;
extern int __start_orphan_set[], __stop_orphan_set[];
int main_(void) { return ft() + (int)(__stop_orphan_set - __start_orphan_set); }
"#;

#[test]
fn orphans_go_where_gnu_puts_them() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("orphans");
    let o = d.compile("o.c", ORPHAN_PROGRAM);
    let lds = d.write(
        "o.lds",
        "ENTRY(main_)\nSECTIONS {\n . = 0x10000;\n .text : { *(.text) }\n .rodata : { *(.rodata) }\n .data : { *(.data) }\n .bss : { *(.bss) }\n /DISCARD/ : { *(.comment) *(.note.GNU-stack) *(.note.gnu.property) }\n}\n",
    );
    same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "-z", "noexecstack"], &[&o]);
}

#[test]
fn bad_scripts_are_diagnostics() {
    let d = Dir::new("bad");
    let o = d.write("empty.s", "");
    let obj = d.path("empty.o");
    if !Command::new("as").arg(&o).arg("-o").arg(&obj).status().is_ok_and(|s| s.success()) {
        return;
    }
    let cases = [
        ("syntax.lds", "SECTIONS {\n  .text : { *(.text) \n", "syntax.lds:3: syntax error"),
        ("cmd.lds", "SECTIONS { }\nBOGUS(1)\n", "cmd.lds:2: syntax error: unknown command `BOGUS'"),
        ("undef.lds", "SECTIONS {\n  . = 0x1000;\n  x = nosuch + 1;\n}\n", "undef.lds:3: undefined symbol `nosuch' referenced in expression"),
        ("assert.lds", "SECTIONS {\n  ASSERT(0, \"custom failure\")\n}\n", "custom failure"),
        ("back.lds", "SECTIONS {\n  .data 0x2000 : { BYTE(1) . = 0; }\n}\n", "back.lds:2: cannot move location counter backwards"),
        ("incl.lds", "INCLUDE missing.lds\n", "incl.lds:1: cannot find script file missing.lds"),
        ("insert.lds", "SECTIONS { .foo : { *(.foo) } }\nINSERT AFTER .nosuch;\n", "INSERT AFTER .nosuch: no such output section in the default layout"),
        ("region.lds", "SECTIONS { .text : { *(.text) } > nowhere }\n", "memory region `nowhere' not declared"),
    ];
    for (name, text, want) in cases {
        let lds = d.write(name, text);
        let o = Command::new(env!("CARGO_BIN_EXE_ccc-ld")).current_dir(&d.0).arg("-T").arg(&lds).arg(&obj).arg("-o").arg(d.path("x.out")).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.starts_with("ld: ") && err.contains(want), "{name}: {err}");
        assert!(!err.contains("internal error"), "{name}: {err}");
    }
}

/// `readelf -rW` without file offsets and symbol indices (the tables' order may differ).
fn relocs(f: &Path) -> Vec<String> {
    tool("readelf", &["-rW"], f)
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if l.starts_with("Relocation section") {
                w[..3].join(" ")
            } else if w.len() > 2 && w[1].len() == 16 {
                let mut w = w.clone();
                w.remove(1);
                w.join(" ")
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[test]
fn emit_relocs_match_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("emit");
    let o = d.compile(
        "e.c",
        "static int helper(int x) { return x * 3; }\nint gvar = 5;\nstatic int lvar = 6;\nint *ptrs[] = { &gvar, &lvar };\nint (*fp)(int) = helper;\n__attribute__((noinline)) int entry(void) { return helper(gvar) + lvar + *ptrs[1] + fp(1); }\n",
    );
    let lds = d.write("e.lds", "ENTRY(entry)\nSECTIONS { . = 0x400000; .text : { *(.text*) } .data : { *(.data*) } /DISCARD/ : { *(.comment) *(.note.*) } }\n");
    let out = same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "--emit-relocs", "-z", "noexecstack", "--no-warn-rwx-segments"], &[&o]);
    let r = relocs(&out);
    assert!(r.iter().any(|l| l.contains("R_X86_64_64")), "{r:?}");
    assert_eq!(relocs(&d.path("gnu.out")), r);
}

#[test]
fn gc_sections_keep_roots_match_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("gc");
    let c = d.write(
        "g.c",
        "__attribute__((noinline)) int used(void) { return 1; }\nint unused(void) { return 2; }\n__attribute__((section(\".keepme\"))) int kept = 3;\n__attribute__((section(\".dropme\"))) int dropped = 4;\nint entry(void) { return used(); }\n",
    );
    let o = d.path("g.o");
    assert!(Command::new("gcc").args(["-c", "-O2", "-fno-pie", "-ffunction-sections", "-fdata-sections", "-fno-asynchronous-unwind-tables", "-fcf-protection=none"]).arg(&c).arg("-o").arg(&o).status().unwrap().success());
    let lds = d.write("g.lds", "ENTRY(entry)\nSECTIONS { . = 0x400000; .text : { *(.text*) } .data : { KEEP(*(.keepme)) *(.dropme) *(.data*) } /DISCARD/ : { *(.comment) *(.note.*) } }\n");
    let out = same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "--gc-sections", "-z", "noexecstack"], &[&o]);
    let syms = symbols(&out);
    assert!(syms.contains_key("kept") && syms.contains_key("used"));
    assert!(!syms.contains_key("unused") && !syms.contains_key("dropped"), "{syms:?}");
}

/// GNU ld's own default script (`ld --verbose`) given with -T: glibc programs, static
/// (IFUNCs through `.rela.iplt` between the script's `__rela_iplt_*`, TLS, the loaded ELF
/// header for `__ehdr_start`) and dynamic (PT_PHDR, PT_INTERP, PLT/GOT, copy relocations),
/// run.
#[test]
fn gnu_default_script_programs_run() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("default");
    let v = Command::new("ld").arg("--verbose").output().unwrap();
    let text = String::from_utf8_lossy(&v.stdout).into_owned();
    let mut parts = text.split("==================================================");
    let Some(script) = parts.nth(1) else { return };
    let lds = d.write("default.lds", script);
    std::fs::create_dir_all(d.path("bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ccc-ld"), d.path("bin/ld")).unwrap();
    // Commons and (dynamic) a copy relocation of `stdout` go to the end of the script's .bss.
    let c = d.write("h.c", "#include <stdio.h>\n#include <string.h>\n__thread int tv = 40;\nint common_a; int common_b[100];\nint main(void) { char b[32]; strcpy(b, \"hi\"); common_b[99] = 2; fprintf(stdout, \"%s %zu %d\\n\", b, strlen(b) + common_a, tv + common_b[99]); return 0; }\n");
    for mode in ["-static", "-no-pie"] {
        let exe = d.path(&format!("h{mode}"));
        let o = Command::new("gcc").arg(format!("-B{}/", d.path("bin").display())).arg(mode).args(["-O2", "-fcommon"]).arg(&c).arg(format!("-Wl,-T,{}", lds.display())).arg("-o").arg(&exe).output().unwrap();
        assert!(o.status.success(), "{mode}: {}", String::from_utf8_lossy(&o.stderr));
        let r = Command::new(&exe).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&r.stdout), "hi 2 42\n", "{mode}");
    }
}

/// `INSERT AFTER .data`: the script's section joins the default layout (all executable
/// kinds), where GNU ld puts it too, and the program sees its bounds.
#[test]
fn insert_after_joins_the_default_layout() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("insert");
    std::fs::create_dir_all(d.path("bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ccc-ld"), d.path("bin/ld")).unwrap();
    let c = d.write(
        "ins.c",
        "#include <stdio.h>\n__attribute__((section(\".mydata\"), used)) static int a = 1;\n__attribute__((section(\".mydata\"), used)) static int b = 2;\nextern int __mydata_start[], __mydata_end[];\nint main(void) { int s = 0; for (int *p = __mydata_start; p < __mydata_end; p++) s += *p; printf(\"sum %d\\n\", s); return 0; }\n",
    );
    let lds = d.write("ins.lds", "SECTIONS {\n  .mydata : { __mydata_start = .; KEEP(*(.mydata)) __mydata_end = .; }\n}\nINSERT AFTER .data;\n");
    let order = |f: &Path| -> Vec<String> {
        tool("readelf", &["-SW"], f).lines().filter_map(|l| l.split(']').nth(1)?.split_whitespace().next().map(str::to_string)).filter(|n| [".data", ".mydata", ".bss"].contains(&n.as_str())).collect()
    };
    let gnu = d.path("gnu");
    assert!(Command::new("gcc").arg("-O2").arg(&c).arg(format!("-Wl,-T,{}", lds.display())).arg("-o").arg(&gnu).status().unwrap().success());
    for mode in ["-static", "-no-pie", "-pie"] {
        let exe = d.path(&format!("ins{mode}"));
        let o = Command::new("gcc").arg(format!("-B{}/", d.path("bin").display())).arg(mode).arg("-O2").arg(&c).arg(format!("-Wl,-T,{}", lds.display())).arg("-o").arg(&exe).output().unwrap();
        assert!(o.status.success(), "{mode}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&Command::new(&exe).output().unwrap().stdout), "sum 3\n", "{mode}");
        assert_eq!(order(&exe), order(&gnu), "{mode}");
    }
}

/// `-r -T` (how kbuild links modules with scripts/module.lds): sections grouped and
/// sorted by the script, discards dropped; section sizes, symbols and relocations per
/// section agree with GNU ld (section order may differ: -r orphans go where they fall).
#[test]
fn relocatable_with_module_like_script_matches_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("modr");
    let a = d.compile(
        "m1.c",
        "int foo(void) { return 1; }\nint bar(void) { return 2; }\n__attribute__((section(\"___ksymtab+foo\"), used)) static void *ks_foo = foo;\n__attribute__((section(\"___ksymtab+bar\"), used)) static void *ks_bar = bar;\n__attribute__((section(\".discard.addressable\"), used)) static void *dd = bar;\nint data1 = 5;\n",
    );
    let b = d.compile(
        "m2.c",
        "extern int foo(void);\nstatic int init2(void) { return foo(); }\n__attribute__((section(\".init_array.00099\"), used)) static void *ia = init2;\n__attribute__((section(\"___ksymtab+abc\"), used)) static void *ks_abc = init2;\nint data2 = 6;\n",
    );
    let lds = d.write("mod.lds", "SECTIONS {\n /DISCARD/ : { *(.discard) *(.discard.*) }\n __ksymtab 0 : { *(SORT(___ksymtab+*)) }\n .init_array 0 : ALIGN(8) { *(SORT(.init_array.*)) *(.init_array) }\n}\n");
    let args = ["-r", "-T", lds.to_str().unwrap()];
    let (ok, err) = d.link("ld", &args, &[&a, &b], "gnu.o");
    assert!(ok, "{err}");
    let (ok, err) = d.link(env!("CARGO_BIN_EXE_ccc-ld"), &args, &[&a, &b], "ccc.o");
    assert!(ok, "{err}");
    let sections = |f: &Path| -> Vec<String> {
        let mut v: Vec<String> = tool("readelf", &["-SW"], f)
            .lines()
            .filter_map(|l| {
                let w: Vec<&str> = l.split(']').nth(1)?.split_whitespace().collect();
                (w.len() > 5 && !w[0].starts_with(".rela") && w[1] != "SYMTAB" && w[1] != "STRTAB").then(|| format!("{} {} {}", w[0], w[1], w[4]))
            })
            .collect();
        v.sort();
        v
    };
    let rels = |f: &Path| -> Vec<String> {
        let mut sec = String::new();
        let mut v = vec![];
        for l in tool("readelf", &["-rW"], f).lines() {
            let w: Vec<&str> = l.split_whitespace().collect();
            if l.starts_with("Relocation section") {
                sec = w[2].to_string();
            } else if w.len() > 4 && w[1].len() == 16 {
                v.push(format!("{sec} {} {} {}", w[0], w[2], w[4..].join(" ")));
            }
        }
        v.sort();
        v
    };
    let (g, c) = (d.path("gnu.o"), d.path("ccc.o"));
    assert_eq!(sections(&g), sections(&c));
    assert_eq!(rels(&g), rels(&c));
    assert!(!sections(&c).iter().any(|s| s.contains("discard")));
    assert_eq!(symbols(&g), symbols(&c));
}

/// `-r -T` with assignments inside output sections (arm64 KVM's `hyp.lds`): `sym = .`
/// defines a section-relative symbol that resolves the inputs' references, `. = ALIGN(n)`
/// pads, `BYTE(0)` (arm64's module.lds) is data, and an output section holding only an
/// assignment is kept; all as GNU ld does.
#[test]
fn relocatable_script_assignments_match_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("reloc-assign");
    let a = d.compile("a.c", "extern char __pc_start[], __pc_end[];\nlong span(void) { return __pc_end - __pc_start; }\n__attribute__((section(\".data..percpu..first\"))) int first = 1;\n__attribute__((section(\".data..percpu\"))) int pc_a = 2;\n");
    let b = d.compile("b.c", "__attribute__((section(\".data..percpu\"))) long pc_b = 3;\nint fb(void) { return 4; }\n");
    let lds = d.write(
        "hyp.lds",
        "SECTIONS {\n .hyp.text : { __hyp_section_.hyp.text = .; *(.text .text.*) }\n .hyp.empty : { __hyp_section_.hyp.empty = .; *(.nothing) }\n .hyp.percpu : { __hyp_section_.hyp.percpu = .;\n  __pc_start = .; *(.data..percpu..first) . = ALIGN(256); *(.data..percpu) __pc_end = .;\n }\n .plt 0 : { BYTE(0) }\n}\n",
    );
    let args = ["-r", "-T", lds.to_str().unwrap()];
    let (ok, err) = d.link("ld", &args, &[&a, &b], "gnu.o");
    assert!(ok, "{err}");
    let (ok, err) = d.link(env!("CARGO_BIN_EXE_ccc-ld"), &args, &[&a, &b], "ccc.o");
    assert!(ok, "{err}");
    let (g, c) = (d.path("gnu.o"), d.path("ccc.o"));
    // nm shows section address + value: .hyp.percpu follows .hyp.text, and ALIGN(256)
    // pads to an address (GNU ld lays -r script sections out from 0).
    let syms = symbols(&c);
    assert_eq!(syms["pc_a"], format!("{:016x}", 0x100), "{syms:?}");
    assert_eq!(symbols(&g), syms);
    let sizes = |f: &Path| -> Vec<String> {
        let mut v: Vec<String> = tool("readelf", &["-SW"], f).lines().filter(|l| l.contains(" .hyp.") || l.contains(" .plt")).map(|l| {
            let w: Vec<&str> = l.split(']').nth(1).unwrap_or("").split_whitespace().collect();
            format!("{} {} {}", w[0], w[1], w[4])
        }).collect();
        v.sort();
        v
    };
    assert_eq!(sizes(&g), sizes(&c));
}

/// A 32-bit absolute relocation in a PIE against a script symbol: GNU ld's AArch64 backend
/// allows it when layout makes the symbol absolute (arm64's `_kernel_size_le_lo32 = (_end -
/// _text) & ...`) and rejects one inside a section; x86-64's rejects both (it checks before
/// layout). ccc-ld gives the same answers.
#[test]
fn pie_narrow_absolute_relocations_against_script_symbols() {
    let have = |p: &str| Path::new(p).exists();
    if !(have_tools() && have("/usr/bin/aarch64-linux-gnu-as") && have("/usr/bin/aarch64-linux-gnu-ld")) {
        return;
    }
    let d = Dir::new("pie-abs32");
    let asm = |name: &str, text: &str, cross: bool| -> PathBuf {
        let s = d.write(name, text);
        let o = s.with_extension("o");
        let r#as = if cross { "aarch64-linux-gnu-as" } else { "as" };
        assert!(Command::new(r#as).arg(&s).arg("-o").arg(&o).status().unwrap().success());
        o
    };
    let lds = d.write("pie.lds", "ENTRY(_start)\nSECTIONS {\n . = 0x10000;\n .text : { *(.text) in_text = .; }\n .data : { *(.data) }\n _end = .;\n size_lo32 = (_end - _start) & 0xffffffff;\n}\n");
    let args = ["-pie", "-z", "noexecstack", "-T", lds.to_str().unwrap()];
    for (cross, gnu, ret) in [(true, "aarch64-linux-gnu-ld", "ret"), (false, "ld", "ret")] {
        let ok_obj = asm(&format!("ok{cross}.s"), &format!(".text\n.globl _start\n_start: {ret}\n.data\n.long size_lo32\n"), cross);
        let bad_obj = asm(&format!("bad{cross}.s"), &format!(".text\n.globl _start\n_start: {ret}\n.data\n.long in_text\n"), cross);
        for obj in [&ok_obj, &bad_obj] {
            let (gnu_ok, gnu_err) = d.link(gnu, &args, &[obj], "gnu");
            let (ok, err) = d.link(env!("CARGO_BIN_EXE_ccc-ld"), &args, &[obj], "ccc");
            assert_eq!(ok, gnu_ok, "{gnu}: {}\nGNU: {gnu_err}\nccc: {err}", obj.display());
            if ok {
                // Orphan dynamic sections make the two layouts differ: check the value itself.
                let syms = symbols(&d.path("ccc"));
                let v = |n: &str| u64::from_str_radix(&syms[n], 16).unwrap();
                assert_eq!(v("size_lo32"), v("_end") - v("_start"), "{syms:?}");
            } else {
                assert!(err.contains("can not be used when making a PIE object"), "{err}");
            }
        }
    }
}

/// EXCLUDE_FILE in both positions, file-name patterns, SORT_BY_ALIGNMENT and SUBALIGN.
#[test]
fn exclude_file_and_file_patterns_match_gnu() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("exclude");
    let a = d.compile("a.c", "int fa(void) { return 1; }\nint da = 1;\n__attribute__((aligned(4))) char small_a[3] = {1};\nconst int ra = 5;\n");
    let b = d.compile("b.c", "int fb(void) { return 2; }\nint db = 2;\n__attribute__((aligned(32))) char big_b[40] = {2};\nconst int rb = 6;\n");
    let lds = d.write(
        "x.lds",
        "ENTRY(fa)\nSECTIONS {\n . = 0x10000;\n .text : { *(EXCLUDE_FILE(*b.o) .text) }\n .text_b : { *b.o(.text) }\n .data : { EXCLUDE_FILE(*a.o) *(.data) }\n .data_a : SUBALIGN(16) { *a.o(.data) }\n .bytes : { *(SORT_BY_ALIGNMENT(.data.*) SORT_BY_ALIGNMENT(.bss)) }\n .rodata : { SORT(*)(.rodata .rodata.*) }\n /DISCARD/ : { *(.comment) *(.note.*) }\n}\n",
    );
    let c = d.compile("c.c", "__attribute__((section(\".data.x4\"), aligned(4))) int x4 = 4;\n__attribute__((section(\".data.x16\"), aligned(16))) int x16 = 16;\n");
    // Files in reverse order: SORT(*) puts a.o's .rodata first anyway.
    let out = same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "-z", "noexecstack"], &[&c, &b, &a]);
    let syms = symbols(&out);
    assert!(syms["ra"] < syms["rb"], "{syms:?}");
}

/// A reference that only a discarded section holds is not an undefined reference, as with GNU
/// ld (the kernel's `.discard.addressable` names static-call keys that are never defined).
#[test]
fn references_from_discarded_sections_are_not_undefined() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("discarded-ref");
    let o = d.compile(
        "o.c",
        "extern int missing;\n__attribute__((section(\".discard.addressable\"), used)) static void *keep = &missing;\nint main_(void) { return 0; }\n",
    );
    let lds = d.write(
        "o.lds",
        "ENTRY(main_)\nSECTIONS {\n . = 0x10000;\n .text : { *(.text) }\n .data : { *(.data) }\n /DISCARD/ : { *(.discard.*) *(.comment) *(.note.GNU-stack) *(.note.gnu.property) }\n}\n",
    );
    same_as_gnu(&d, &["-T", lds.to_str().unwrap(), "-z", "noexecstack"], &[&o]);
    // Kept, the same reference is an error naming the symbol.
    let keep = d.write("k.lds", "ENTRY(main_)\nSECTIONS {\n . = 0x10000;\n .text : { *(.text) }\n .data : { *(.data) *(.discard.*) }\n}\n");
    let (ok, err) = d.link(env!("CARGO_BIN_EXE_ccc-ld"), &["-T", keep.to_str().unwrap()], &[&o], "k.out");
    assert!(!ok && err.contains("undefined reference to `missing'"), "{err}");
}

const BOOT16_PROGRAM: &str = r#"
extern char _end[], setup_sects[];
const char banner[] = "ccc";
char buf[64];
int calls = 1;
__attribute__((section(".header"), used)) static const unsigned char hdr[2] = { 0x55, 0xaa };
short sects(void) { return (short)(unsigned long)setup_sects; }
int copy(const char *s) { int n = 0; while (s[n]) { buf[n] = s[n]; n++; } return n + (int)(unsigned long)_end; }
int start(void) { return copy(banner) + sects() + calls++; }
"#;

/// Like the kernel's arch/x86/boot/setup.ld: 16-bit code, absolute symbols from ALIGN().
const BOOT16_SCRIPT: &str = r#"
OUTPUT_FORMAT("elf32-i386")
ENTRY(start)
SECTIONS
{
	. = 0;
	.header : { *(.header) }
	.text : { *(.text .text.*) }
	.rodata : { *(.rodata*) }
	.data : {
		*(.data*)
		setup_size = ALIGN(ABSOLUTE(.), 4096);
		setup_sects = ABSOLUTE(setup_size / 512);
	}
	. = ALIGN(16);
	.bss : { *(.bss) }
	_end = .;
	/DISCARD/ : { *(.note*) *(.comment) }
}
"#;

/// i386 (`-m elf_i386`): ELF32 objects with REL relocations, `-m16` code, `--emit-relocs`.
#[test]
fn i386_boot_code_links_as_gnu_does() {
    if !have_tools() {
        return;
    }
    let d = Dir::new("i386");
    let c = d.write("boot.c", BOOT16_PROGRAM);
    let o = d.path("boot.o");
    let st = Command::new("gcc").args(["-m16", "-c", "-Os", "-ffreestanding", "-fno-pic", "-fno-asynchronous-unwind-tables", "-fcf-protection=none"]).arg(&c).arg("-o").arg(&o).status().unwrap();
    if !st.success() {
        return; // no 32-bit multilib here
    }
    let lds = d.write("boot.lds", BOOT16_SCRIPT);
    let out = same_as_gnu(&d, &["-m", "elf_i386", "--emit-relocs", "-T", lds.to_str().unwrap()], &[&o]);
    assert_eq!(symbols(&out).get("setup_sects").map(String::as_str), Some("00000008"));
    let relocs = |f: &Path| tool("readelf", &["-rW"], f).lines().filter(|l| l.contains("R_386")).map(|l| l.split_whitespace().filter(|w| !w.starts_with("0000")).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>();
    let gnu = d.path("gnu.out");
    assert_eq!(relocs(&gnu), relocs(&out), "emitted relocations");
    assert!(!relocs(&out).is_empty());
    let bin = |f: &Path| {
        let b = f.with_extension("bin");
        assert!(Command::new("objcopy").args(["-O", "binary"]).arg(f).arg(&b).status().unwrap().success());
        std::fs::read(b).unwrap()
    };
    assert_eq!(bin(&gnu), bin(&out), "loaded bytes");
}
