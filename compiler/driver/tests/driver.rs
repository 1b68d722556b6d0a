//! Driver tests: run the built `ccc` binary like a build system would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ccc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccc"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    ccc().args(args).current_dir(dir).output().expect("run ccc")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ccc-driver-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn identification_queries() {
    let d = scratch("ident");
    assert_eq!(stdout(&run(&["-dumpmachine"], &d)), "x86_64-linux-gnu\n");
    assert_eq!(stdout(&run(&["-dumpversion"], &d)), "12\n");
    assert_eq!(stdout(&run(&["-dumpfullversion"], &d)), "12.2.0\n");
    assert_eq!(stdout(&run(&["--target=riscv64-linux-gnu", "-dumpmachine"], &d)), "riscv64-linux-gnu\n");
    let v = stdout(&run(&["--version"], &d));
    assert!(v.starts_with("ccc (GCC) 12.2.0\n"), "{v}");
    assert!(v.contains("ccc"));
    assert_eq!(stdout(&run(&["-print-multiarch"], &d)), "x86_64-linux-gnu\n");
}

#[test]
fn own_include_directory() {
    let d = scratch("incdir");
    let o = run(&["-print-file-name=include"], &d);
    let dir = stdout(&o).trim().to_string();
    assert!(Path::new(&dir).join("stddef.h").is_file(), "{dir}");
    assert!(Path::new(&dir).join("stdarg.h").is_file());
    // Our <stddef.h> is the one found first.
    std::fs::write(d.join("a.c"), "#include <stddef.h>\n#include <stdarg.h>\nsize_t s = offsetof(struct x, y); va_list v;\n").unwrap();
    let o = run(&["-E", "-P", "-nostdinc", &format!("-isystem{dir}"), "a.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("typedef long unsigned int size_t;"), "{out}");
    assert!(out.contains("__builtin_offsetof(struct x, y)"), "{out}");
    assert!(out.contains("typedef __builtin_va_list __gnuc_va_list;"), "{out}");
}

#[test]
fn preprocess_small_file() {
    let d = scratch("pp");
    std::fs::create_dir_all(d.join("inc")).unwrap();
    std::fs::write(d.join("inc/h.h"), "#pragma once\nint from_header;\n").unwrap();
    std::fs::write(
        d.join("e.c"),
        "#include \"inc/h.h\"\n#include \"inc/h.h\"\n#define F(x, y) ((x) + (y))\nint a = F(1,\n  2);\n#pragma pack(push, 4)\nint b = __LINE__;\n",
    )
    .unwrap();
    let o = run(&["-E", "e.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "# 0 \"e.c\"\n# 0 \"<built-in>\"\n# 0 \"<command-line>\"\n# 1 \"e.c\"\n# 1 \"inc/h.h\" 1\n\nint from_header;\n# 2 \"e.c\" 2\n\n\nint a = ((1) + (2))\n   ;\n#pragma pack(push, 4)\nint b = 7;\n"
            .replace("# 0 \"<command-line>\"\n# 1 \"e.c\"", &stdc_predef_markers())
    );
}

/// Markers GCC prints when it implicitly includes <stdc-predef.h>.
fn stdc_predef_markers() -> String {
    if Path::new("/usr/include/stdc-predef.h").exists() {
        "# 0 \"<command-line>\"\n# 1 \"/usr/include/stdc-predef.h\" 1 3 4\n# 0 \"<command-line>\" 2\n# 1 \"e.c\"".into()
    } else {
        "# 0 \"<command-line>\"\n# 1 \"e.c\"".into()
    }
}

#[test]
fn defines_and_response_files() {
    let d = scratch("rsp");
    std::fs::write(d.join("m.c"), "A B C\n").unwrap();
    std::fs::write(d.join("inner.rsp"), "-DC=\"quoted value\"\n").unwrap();
    std::fs::write(d.join("outer.rsp"), "'-DA=1 + 2' -D B=two @inner.rsp\n-P\n").unwrap();
    let o = run(&["-E", "@outer.rsp", "m.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "1 + 2 two quoted value\n");
}

#[test]
fn dry_run_prints_commands_only() {
    let d = scratch("dry");
    std::fs::write(d.join("x.s"), ".globl f\nf: ret\n").unwrap();
    let o = run(&["-###", "x.s", "-o", "prog", "-lm", "-Wl,-rpath", "-Wl,/opt/lib"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("\"--64\""), "{err}");
    let ld_line = err.lines().find(|l| l.contains("-dynamic-linker")).expect("ld line");
    assert!(ld_line.contains("\"-pie\""), "{ld_line}");
    assert!(ld_line.contains("\"-lm\" \"-rpath\" \"/opt/lib\""), "{ld_line}");
    assert!(!d.join("prog").exists());
}

#[test]
fn dependency_output() {
    let d = scratch("deps");
    std::fs::write(d.join("h.h"), "int x;\n").unwrap();
    std::fs::write(d.join("s.c"), "#include \"h.h\"\n#include <stddef.h>\n").unwrap();
    let o = run(&["-MM", "s.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "s.o: s.c h.h\n");
    let o = run(&["-E", "-MMD", "-MP", "-MF", "s.d", "-MT", "obj/s.o", "s.c", "-o", "s.i"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(d.join("s.d")).unwrap(), "obj/s.o: s.c h.h\n\nh.h:\n");
    assert!(d.join("s.i").exists());
}

#[test]
fn errors_exit_1_and_leave_no_output() {
    let d = scratch("err");
    std::fs::write(d.join("bad.c"), "#error nope\n").unwrap();
    let o = run(&["-E", "bad.c", "-o", "bad.i"], &d);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.c:1:2: error: #error nope"), "{}", stderr(&o));
    assert!(!d.join("bad.i").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(".tmp")).collect();
    assert!(leftovers.is_empty());
    assert_eq!(run(&["-qqq"], &d).status.code(), Some(1));
    assert_eq!(run(&[], &d).status.code(), Some(1));
    assert_eq!(run(&["missing.c"], &d).status.code(), Some(1));
    let o = run(&["-E", "-m32", "bad.c"], &d);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn assembles_and_links_with_system_tools() {
    let have = |p: &str| Path::new(p).exists();
    if !(have("/usr/bin/as") && have("/usr/bin/ld") && have("/usr/lib/x86_64-linux-gnu/crti.o")) {
        return; // no binutils/glibc on this machine
    }
    let d = scratch("asm");
    std::fs::write(d.join("main.S"), "#define RET_CODE $42\n.globl main\nmain:\n  movl RET_CODE, %eax # it's a comment\n  ret\n").unwrap();
    let o = run(&["-c", "main.S"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("main.o").exists());
    let o = run(&["main.o", "-o", "prog"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let st = Command::new(d.join("prog")).status().unwrap();
    assert_eq!(st.code(), Some(42));
}

#[test]
fn system_headers_preprocess() {
    if !Path::new("/usr/include/stdio.h").exists() {
        return;
    }
    let d = scratch("sys");
    let src = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <math.h>\n#include <pthread.h>\n#include <signal.h>\n#include <sys/socket.h>\n#include <limits.h>\n#include <stdint.h>\n#include <inttypes.h>\n#include <float.h>\n#include <stdatomic.h>\nint m = INT_MAX + PATH_MAX;\n";
    std::fs::write(d.join("s.c"), src).unwrap();
    let o = run(&["-E", "-P", "s.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("int m = 0x7fffffff + 4096;"), "limits.h chain broken");
    assert!(out.contains("extern int printf"));
    assert!(out.contains("pthread_create"));
}

#[test]
fn special_outputs_are_written_through() {
    // Never replace /dev/null (or any non-regular file) by renaming over it.
    let d = scratch("devnull");
    std::fs::write(d.join("a.c"), "int a;\n").unwrap();
    let o = run(&["-E", "a.c", "-o", "/dev/null"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    // A symlinked output is written through the link.
    std::fs::write(d.join("real.i"), "").unwrap();
    std::os::unix::fs::symlink(d.join("real.i"), d.join("link.i")).unwrap();
    let o = run(&["-E", "-P", "a.c", "-o", "link.i"], &d);
    assert!(o.status.success());
    assert!(std::fs::symlink_metadata(d.join("link.i")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(d.join("real.i")).unwrap(), "int a;\n");
}

#[test]
fn sse2_intrinsics_match_gcc() {
    let have = |p: &str| Path::new(p).exists();
    if !(have("/usr/bin/as") && have("/usr/bin/ld") && have("/usr/lib/x86_64-linux-gnu/crti.o")) {
        return;
    }
    let d = scratch("sse2");
    run_data_program(&d, "sse2", &["-O0", "-O1"]);
}

#[test]
fn gnu_constants_match_gcc() {
    let have = |p: &str| Path::new(p).exists();
    if !(have("/usr/bin/as") && have("/usr/bin/ld") && have("/usr/lib/x86_64-linux-gnu/crti.o")) {
        return;
    }
    let d = scratch("gnu_constants");
    run_data_program(&d, "gnu_constants", &["-O2"]);
}

/// Compiles tests/data/<name>.c at each level in `opts` and checks its output against
/// tests/data/<name>.expected (GCC's).
fn run_data_program(d: &Path, name: &str, opts: &[&str]) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let src = data.join(format!("{name}.c"));
    for opt in opts {
        let o = run(&[opt, src.to_str().unwrap(), "-o", name], d);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = Command::new(d.join(name)).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), std::fs::read_to_string(data.join(format!("{name}.expected"))).unwrap(), "{opt}");
    }
}

#[test]
fn nested_functions_match_gcc() {
    let have = |p: &str| Path::new(p).exists();
    if !(have("/usr/bin/as") && have("/usr/bin/ld") && have("/usr/lib/x86_64-linux-gnu/crti.o")) {
        return;
    }
    let d = scratch("nested");
    run_data_program(&d, "nested", &["-O0", "-O2"]);
    // Trampolines (and only they) make the stack executable, as with GCC.
    let asm = |name: &str, code: &str| {
        std::fs::write(d.join(name), code).unwrap();
        let o = run(&["-S", name, "-o", "-"], &d);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let with = asm("tramp.c", "int g(int (*f)(void)); int h(int x) { int get(void) { return x; } return g(get); }");
    assert!(with.contains(".note.GNU-stack,\"x\""), "{with}");
    let without = asm("direct.c", "int h(int x) { int get(void) { return x; } return get(); }");
    assert!(without.contains(".note.GNU-stack,\"\""), "{without}");
}

/// `#pragma GCC visibility push(hidden)` also makes block-scope `extern`
/// declarations hidden, so PIE code reaches them without the GOT (arm64's early
/// `pi/` code runs before relocation; a GOT load there faults).
#[test]
fn visibility_pragma_reaches_block_scope_externs() {
    let d = scratch("visibility_block_extern");
    std::fs::write(d.join("v.c"), "#pragma GCC visibility push(hidden)\nint f(void) { extern const int tab[]; return tab[3]; }\n").unwrap();
    let o = run(&["-O2", "-fPIE", "-S", "-o", "-", "v.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let asm = stdout(&o);
    assert!(asm.contains(".hidden\ttab") && !asm.contains("GOTPCREL"), "{asm}");
}

#[test]
fn kernel_idioms_compile() {
    let d = scratch("kernel_idioms");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kernel_idioms.c");
    for pic in ["-fPIE", "-fno-pie"] {
        let o = run(&["-O2", pic, "-S", src.to_str().unwrap(), "-o", "-"], &d);
        assert!(o.status.success(), "{}", stderr(&o));
        let asm = stdout(&o);
        // "i" operands name the symbols themselves, also under PIC
        for sym in ["_text", "phys_base", "gdt_page"] {
            assert!(asm.contains(&format!("leaq {sym}(%rip)")), "{pic}: {sym}\n{asm}");
        }
        assert!(!asm.contains("smp_init"), "{asm}");
        assert!(!asm.contains("min_signedness_error"), "{asm}");
        assert!(!asm.contains("vvar__vdso_rng_data"), "{asm}");
        assert!(!asm.contains("__retpoline_sites") && !asm.contains("convert_to_fxsr"), "{asm}");
        assert!(!asm.contains("build_bug_failed") && !asm.contains("encoded_page_bits_error"), "{asm}");
        let guarded = &asm[asm.find("copy_guarded:").expect("copy_guarded")..asm.find(".size\tcopy_guarded").expect("size")];
        for op in ["\tset", "\txor", "\ttest"] {
            assert!(!guarded.contains(op), "{op}\n{guarded}");
        }
        assert!(asm.contains("call\tpanic\n\t.cfi_endproc\n\t.size\tmust"), "{asm}");
        for init_fn in ["parse_cmdline:", "populate_memmap:"] {
            let before = &asm[..asm.find(init_fn).expect("function emitted")];
            assert!(before.rfind(".section\t.init.text").unwrap_or(0) > before.rfind(".text\n").unwrap_or(0), "{init_fn}\n{asm}");
        }
    }
}

#[test]
fn short_wchar_makes_wide_literals_unsigned_short() {
    // The kernel's EFI stub: `static const efi_char16_t name[] = L"...";`.
    let d = scratch("short-wchar");
    std::fs::write(
        d.join("w.c"),
        "typedef unsigned short u16;\n\
         static const u16 name[] = L\"Mok\";\n\
         _Static_assert(sizeof(L\"ab\") == 6 && sizeof(__WCHAR_TYPE__) == 2 && __SIZEOF_WCHAR_T__ == 2, \"16-bit wchar_t\");\n\
         _Static_assert(L'\\xfffe' > 0 && _Generic(L'a', unsigned short: 1, default: 0), \"unsigned short\");\n\
         #if __WCHAR_MAX__ != 0xffff || __WCHAR_MIN__ != 0 || L'\\xfffe' < 0\n#error wchar limits\n#endif\n\
         const u16 *f(void) { return name; }\n",
    )
    .unwrap();
    for target in ["--target=x86_64-linux-gnu", "--target=riscv64-linux-gnu"] {
        let o = run(&[target, "-fshort-wchar", "-S", "-o", "w.s", "w.c"], &d);
        assert!(o.status.success(), "{target}: {}", stderr(&o));
        // Without the flag wchar_t is 32 bits wide again.
        let o = run(&[target, "-S", "-o", "w.s", "w.c"], &d);
        assert!(!o.status.success(), "{target}: 32-bit wchar_t accepted");
    }
}

#[test]
fn riscv64_register_variables_are_their_registers() {
    // The kernel's SBI calls (a0-a7 as asm operands) and `current` (`tp`).
    let d = scratch("rv-regvars");
    std::fs::write(
        d.join("r.c"),
        "register void *cur asm(\"tp\");\n\
         void *current(void) { return cur; }\n\
         long ecall(long x, int ext) { register long a0 asm(\"a0\") = x; register long a7 asm(\"a7\") = ext;\n\
         asm volatile(\"ecall\" : \"+r\"(a0) : \"r\"(a7) : \"memory\"); return a0; }\n",
    )
    .unwrap();
    let o = run(&["--target=riscv64-linux-gnu", "-O2", "-S", "-o", "-", "r.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.contains(", tp\n") && !s.contains("__ccc_register_var"), "{s}");
    let ecall = &s[s.find("ecall:").unwrap()..];
    assert!(ecall.contains("mv\ta7, a1"), "{ecall}");
}

/// After a macro expansion, a number starting with `.` is not separated from a name (arm64
/// assembly: `#define state0 v0` ... `state0.4s`), one starting with a digit is (GCC's -E).
#[test]
fn preprocessed_spacing_matches_gcc_after_macros() {
    let d = scratch("paste");
    std::fs::write(d.join("p.S"), "#define F(a) a\n#define S v0\nF(x)1 S.4s F(x).5 S 1\n").unwrap();
    let o = run(&["-E", "-P", "-x", "assembler-with-cpp", "p.S"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "x 1 v0.4s x.5 v0 1");
}

/// The arm64 kernel's `-mgeneral-regs-only`: GCC's predefined macros lose
/// the FP/SIMD features, integer code compiles without v registers, and
/// floating-point code is a diagnostic, not an object.
#[test]
fn aarch64_general_regs_only() {
    let d = scratch("a64-gro");
    let a64 = "--target=aarch64-linux-gnu";
    let o = run(&[a64, "-mgeneral-regs-only", "-dM", "-E", "-x", "c", "/dev/null"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = stdout(&o);
    for gone in ["__ARM_NEON ", "__ARM_FP ", "__ARM_FEATURE_FMA ", "__FP_FAST_FMA "] {
        assert!(!m.contains(gone), "{gone}\n{m}");
    }
    assert!(m.contains("#define __GCC_IEC_559 0\n") && m.contains("#define __aarch64__ 1\n"), "{m}");
    let o = run(&[a64, "-dM", "-E", "-x", "c", "/dev/null"], &d);
    assert!(stdout(&o).contains("#define __ARM_NEON 1\n"));
    std::fs::write(
        d.join("k.c"),
        "#include <stdarg.h>\nstruct s { long a[6]; };\n\
         long sum(int n, ...) { va_list ap; va_start(ap, n); long t = 0; while (n--) t += va_arg(ap, long); va_end(ap); return t; }\n\
         void copy(struct s *d, const struct s *p) { *d = *p; __builtin_memset((void *)p, 0, sizeof *p); }\n",
    )
    .unwrap();
    let o = run(&[a64, "-mgeneral-regs-only", "-O2", "-S", "-o", "-", "k.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(!s.contains("\tq") && !s.contains(" q") && !s.contains(" v") && !s.contains(" d0"), "{s}");
    std::fs::write(d.join("f.c"), "double half(double x) { return x / 2; }\n").unwrap();
    let o = run(&[a64, "-mgeneral-regs-only", "-c", "f.c"], &d);
    assert!(!o.status.success() && stderr(&o).contains("-mgeneral-regs-only"), "{}", stderr(&o));
    assert!(!d.join("f.o").exists());
}

/// arm64's `prefetch()`: a "p" operand printed with `%a` is `[reg]`, as GCC's.
#[test]
fn aarch64_asm_address_operand() {
    let d = scratch("a64-asm-p");
    std::fs::write(d.join("p.c"), "void pf(const void *p) { asm volatile(\"prfm pldl1keep, %a0\" : : \"p\"(p)); }\n").unwrap();
    let o = run(&["--target=aarch64-linux-gnu", "-O2", "-S", "-o", "-", "p.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("prfm pldl1keep, [x0]"), "{}", stdout(&o));
}

/// Local register variables as asm operands are in their registers on
/// AArch64 too (kernels/init.c's `svc #0` takes the call number in x8; the
/// kernel's SMCCC calls name them `r0`...).
#[test]
fn aarch64_local_register_variables_are_their_registers() {
    let d = scratch("a64-regvars");
    std::fs::write(
        d.join("s.c"),
        "long sys(long n, long a) { register long x8 asm(\"x8\") = n; register long x0 asm(\"r0\") = a;\n\
         asm volatile(\"svc #0\" : \"+r\"(x0) : \"r\"(x8) : \"memory\"); return x0; }\n",
    )
    .unwrap();
    let o = run(&["--target=aarch64-linux-gnu", "-O2", "-S", "-o", "-", "s.c"], &d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let body = &s[s.find("sys:").unwrap()..s.find("svc #0").unwrap()];
    assert!(body.contains("mov\tx8, x0") && body.contains("mov\tx0, x1"), "{s}");
}
