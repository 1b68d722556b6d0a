//! End-to-end: GCC compiles, ccc-ld links (as `ld` first on gcc's -B path), the program runs.
//! Skipped quietly where gcc is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

const MODES: &[&[&str]] = &[&[], &["-no-pie"], &["-static"], &["-static-pie"]];

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ccc-ld-test-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ccc-ld"), d.join("bin/ld")).unwrap();
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
    fn compile(&self, src: &str, text: &str) -> PathBuf {
        let c = self.write(src, text);
        let o = c.with_extension("o");
        let st = Command::new("gcc").arg("-c").arg("-O2").arg(&c).arg("-o").arg(&o).status().unwrap();
        assert!(st.success());
        o
    }
    /// Link with ccc-ld: (exit ok, stderr).
    fn link(&self, objs: &[&Path], mode: &[&str], out: &str) -> (bool, String) {
        let o = Command::new("gcc").arg(format!("-B{}/", self.path("bin").display())).args(mode).args(objs).arg("-o").arg(self.path(out)).output().unwrap();
        (o.status.success(), String::from_utf8_lossy(&o.stderr).into_owned())
    }
    fn run(&self, out: &str) -> (i32, String) {
        let o = Command::new(self.path(out)).output().unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned())
    }
}

impl Dir {
    /// Compile `text` with -fPIC and link it with ccc-ld as `lib{name}.so` plus `flags`.
    fn shared_lib(&self, name: &str, text: &str, flags: &[&str]) {
        let c = self.write(&format!("{name}.c"), text);
        let o = c.with_extension("o");
        assert!(Command::new("gcc").args(["-O2", "-fPIC", "-c"]).arg(&c).arg("-o").arg(&o).status().unwrap().success());
        let mut f = vec!["-shared"];
        f.extend(flags);
        let (ok, err) = self.link(&[&o], &f, &format!("lib{name}.so"));
        assert!(ok, "{err}");
    }
    /// Build `text` (with `flags`) against `-l{lib}` using ccc-ld, run it, return stdout.
    fn run_with_lib(&self, text: &str, lib: &str, flags: &[&str], out: &str) -> String {
        let c = self.write(&format!("{out}.c"), text);
        let o = Command::new("gcc").arg(format!("-B{}/", self.path("bin").display())).args(flags).arg("-O2").arg(&c).arg(format!("-L{}", self.0.display())).arg(format!("-l{lib}")).arg("-o").arg(self.path(out)).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = Command::new(self.path(out)).env("LD_LIBRARY_PATH", &self.0).output().unwrap();
        String::from_utf8_lossy(&r.stdout).into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have_gcc() -> bool {
    Command::new("gcc").arg("--version").output().is_ok_and(|o| o.status.success())
}

const PROGRAM: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
extern char **environ;
__thread int tls_counter = 5;
static __thread char tls_buf[32];
int weak_missing(void) __attribute__((weak));
static int order[4], norder;
__attribute__((constructor(101))) static void first(void) { order[norder++] = 1; }
__attribute__((constructor)) static void last(void) { order[norder++] = 3; }
__attribute__((constructor(200))) static void second(void) { order[norder++] = 2; }
static int impl_a(void) { return 42; }
static void *resolve_f(void) { return (void *)impl_a; }
int f(void) __attribute__((ifunc("resolve_f")));
int main(void) {
    tls_counter++;
    strcpy(tls_buf, "tls");
    printf("%s %d %d%d%d %d %d\n", tls_buf, tls_counter, order[0], order[1], order[2], f(), weak_missing == 0);
    int (*fp)(void) = f;
    if (fp() != 42 || environ == 0) abort();
    fprintf(stdout, "ok\n");
    return 0;
}
"#;

#[test]
fn programs_run_in_every_mode() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("modes");
    let o = d.compile("p.c", PROGRAM);
    for (i, m) in MODES.iter().enumerate() {
        let out = format!("p{i}");
        let (ok, err) = d.link(&[&o], m, &out);
        assert!(ok, "mode {m:?}: {err}");
        let (code, stdout) = d.run(&out);
        assert_eq!((code, stdout.as_str()), (0, "tls 6 123 42 1\nok\n"), "mode {m:?}");
    }
}

#[test]
fn output_is_deterministic() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("det");
    let o = d.compile("p.c", PROGRAM);
    assert!(d.link(&[&o], &[], "a").0 && d.link(&[&o], &[], "b").0);
    assert_eq!(std::fs::read(d.path("a")).unwrap(), std::fs::read(d.path("b")).unwrap());
}

#[test]
fn undefined_and_duplicate_symbols_are_diagnosed() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("diag");
    let a = d.compile("a.c", "int missing(void); int dup = 1; int main(void) { return missing(); }");
    let b = d.compile("b.c", "int dup = 2;");
    let (ok, err) = d.link(&[&a], &[], "x");
    assert!(!ok && err.contains("undefined reference to `missing'") && err.contains("a.o"), "{err}");
    let (ok, err) = d.link(&[&a, &b], &[], "x");
    assert!(!ok && err.contains("multiple definition of `dup'") && err.contains("b.o"), "{err}");
    assert!(!d.path("x").exists());
}

#[test]
fn corrupt_objects_give_diagnostics_not_panics() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("corrupt");
    let o = d.compile("p.c", PROGRAM);
    let good = std::fs::read(&o).unwrap();
    let mut rng = 0x1234_5678_9abc_def0u64;
    for i in 0..60 {
        let mut bad = good.clone();
        for _ in 0..4 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let at = (rng as usize) % bad.len();
            bad[at] = (rng >> 32) as u8;
        }
        if i % 10 == 0 {
            bad.truncate((rng as usize) % bad.len());
        }
        let p = d.path("bad.o");
        std::fs::write(&p, &bad).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ccc-ld")).arg(&p).arg("-o").arg(d.path("bad")).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && !err.contains("internal error"), "case {i}: {err}");
    }
}

#[test]
fn shared_library_with_copy_relocated_data() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("shared");
    d.shared_lib("t", "int counter = 10; static int twice(int x) { return 2 * x; }\nint bump(int n) { counter += twice(n); return counter; }\nint get(void) { return counter; }\n__attribute__((constructor)) static void init(void) { counter += 1; }\n", &["-Wl,-soname,libt.so"]);
    let out = d.run_with_lib("#include <stdio.h>\nextern int counter; int bump(int); int get(void);\nint main(void) { bump(5); counter++; printf(\"%d %d\\n\", counter, get()); return 0; }\n", "t", &[], "m");
    assert_eq!(out, "22 22\n");
}

#[test]
fn wrap_redirects_references() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("wrap");
    let o = d.compile("w.c", "#include <stdlib.h>\nvoid *__real_malloc(size_t);\nint calls;\nvoid *__wrap_malloc(size_t n) { calls++; return __real_malloc(n); }\nint main(void) { void *p = malloc(4); return !(p && calls == 1); }\n");
    let (ok, err) = d.link(&[&o], &["-Wl,--wrap=malloc"], "w");
    assert!(ok, "{err}");
    assert_eq!(d.run("w").0, 0);
}

#[test]
fn gc_sections_keeps_what_is_reachable() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("gc");
    let c = d.write("p.c", PROGRAM);
    let o = d.path("p.o");
    assert!(Command::new("gcc").args(["-c", "-O2", "-ffunction-sections", "-fdata-sections"]).arg(&c).arg("-o").arg(&o).status().unwrap().success());
    for (i, m) in MODES.iter().enumerate() {
        let out = format!("g{i}");
        let mut flags = m.to_vec();
        flags.push("-Wl,--gc-sections");
        let (ok, err) = d.link(&[&o], &flags, &out);
        assert!(ok, "mode {m:?}: {err}");
        assert_eq!(d.run(&out), (0, "tls 6 123 42 1\nok\n".to_string()), "mode {m:?}");
    }
}

#[test]
fn relocatable_link_then_final_link() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("reloc");
    let a = d.compile("a.c", "#include <stdio.h>\nstatic int k = 3; extern __thread int tv; int helper(int);\nconst char *msg = \"r\";\nint main(void) { tv += 2; printf(\"%s %d %d\\n\", msg, helper(k), tv); return 0; }\n");
    let b = d.compile("b.c", "__thread int tv = 40; static int sq(int x) { return x * x; }\nint helper(int x) { static int calls; calls++; return sq(x) + calls; }\n__attribute__((constructor)) static void c(void) { tv++; }\n");
    let r = d.path("ab.o");
    let st = Command::new(env!("CARGO_BIN_EXE_ccc-ld")).arg("-r").arg(&a).arg(&b).arg("-o").arg(&r).status().unwrap();
    assert!(st.success());
    for (i, m) in MODES.iter().enumerate() {
        let out = format!("r{i}");
        let (ok, err) = d.link(&[&r], m, &out);
        assert!(ok, "mode {m:?}: {err}");
        assert_eq!(d.run(&out), (0, "r 10 43\n".to_string()), "mode {m:?}");
    }
    // GNU ld accepts it as well.
    let o = Command::new("gcc").arg(&r).arg("-o").arg(d.path("rg")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(d.run("rg"), (0, "r 10 43\n".to_string()));
}

#[test]
fn version_script_hides_and_versions() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("vscript");
    let map = d.write("v.map", "LIBT_1.0 { global: bump; counter; local: *; };\n");
    let vs = format!("-Wl,--version-script={}", map.display());
    d.shared_lib("t", "int counter = 10; int internal_helper(int x) { return 2 * x; }\nint bump(int n) { counter += internal_helper(n); return counter; }\n", &["-Wl,-soname,libt.so", &vs]);
    let syms = Command::new("readelf").args(["--dyn-syms", "-W"]).arg(d.path("libt.so")).output().unwrap();
    let syms = String::from_utf8_lossy(&syms.stdout);
    assert!(syms.contains("bump@@LIBT_1.0") && !syms.contains("internal_helper"), "{syms}");
    let out = d.run_with_lib("#include <stdio.h>\nextern int counter; int bump(int);\nint main(void) { bump(5); printf(\"%d\\n\", counter); return 0; }\n", "t", &[], "m");
    assert_eq!(out, "20\n");
}

#[test]
fn shared_library_with_thread_locals() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("tlsso");
    d.shared_lib("tl", "__thread int tg = 5; static __thread int tl1 = 7, tl2 = 9;\nint tget(void) { tl1++; tl2 += 2; return tg + tl1 + tl2; }\nint *taddr(void) { return &tg; }\n", &[]);
    let out = d.run_with_lib("#include <stdio.h>\n#include <pthread.h>\nextern __thread int tg; int tget(void); int *taddr(void);\nvoid *th(void *a) { tg = 100; return (void *)(long)tget(); }\nint main(void) { tg = 1; int v = tget(); pthread_t t; void *r; pthread_create(&t, 0, th, 0); pthread_join(t, &r);\nprintf(\"%d %ld %d\\n\", v, (long)r, taddr() == &tg); return 0; }\n", "tl", &["-pthread"], "m");
    assert_eq!(out, "20 119 1\n");
}

#[test]
fn cplusplus_exceptions_in_every_mode() {
    if !Command::new("g++").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return;
    }
    let d = Dir::new("cxx");
    let src = d.write("x.cc", "#include <iostream>\n#include <stdexcept>\n#include <string>\ntemplate <class T> T twice(T x) { return x + x; }\nstruct B { virtual ~B() {} virtual int f() { return 1; } };\nstruct D : B { int f() override { return 2; } };\nint thrower(int x) { if (x > 2) throw std::runtime_error(\"boom \" + std::to_string(x)); return x; }\nint main() { B *b = new D; try { thrower(5); } catch (const std::exception &e) { std::cout << e.what() << \" \" << b->f() << \" \" << twice(21) << std::endl; } delete b; return 0; }\n");
    // A second unit instantiates the same template: COMDAT duplicates and their FDEs go.
    let src2 = d.write("y.cc", "#include <string>\ntemplate <class T> T twice(T x) { return x + x; }\nint other() { return twice(4) + (int)twice(std::string(\"y\")).size(); }\n");
    let o = d.path("x.o");
    let o2 = d.path("y.o");
    assert!(Command::new("g++").args(["-O0", "-ffunction-sections", "-c"]).arg(&src).arg("-o").arg(&o).status().unwrap().success());
    assert!(Command::new("g++").args(["-O0", "-ffunction-sections", "-c"]).arg(&src2).arg("-o").arg(&o2).status().unwrap().success());
    for (i, m) in MODES.iter().enumerate() {
        let out = d.path(&format!("x{i}"));
        let r = Command::new("g++").arg(format!("-B{}/", d.path("bin").display())).args(*m).arg("-Wl,--gc-sections").arg(&o).arg(&o2).arg("-o").arg(&out).output().unwrap();
        assert!(r.status.success(), "mode {m:?}: {}", String::from_utf8_lossy(&r.stderr));
        let run = Command::new(&out).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&run.stdout), "boom 5 2 42\n", "mode {m:?}");
    }
}

#[test]
fn archives_thin_archives_groups_and_whole_archive() {
    if !have_gcc() || !Command::new("ar").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return;
    }
    let d = Dir::new("ar");
    let m = d.compile("m.c", "int a(void); int main(void) { return a() == 3 ? 0 : 1; }");
    let a = d.compile("a.c", "int b(void); int a(void) { return b() + 1; }");
    let b = d.compile("b.c", "int c(void); int b(void) { return c() + 1; }");
    let c = d.compile("c.c", "int c(void) { return 1; }");
    let unused = d.compile("u.c", "int main(void) { return 7; }");
    let ar = |name: &str, flags: &str, objs: &[&Path]| {
        let st = Command::new("ar").arg(flags).arg(d.path(name)).args(objs).status().unwrap();
        assert!(st.success());
        d.path(name)
    };
    // a and c in one archive, b in another: b needs c, found only by rescanning the group.
    let ac = ar("libac.a", "rcs", &[&a, &c, &unused]);
    let bt = ar("libb.a", "rcsT", &[&b]);
    let group = ["-Wl,--start-group".to_string(), ac.display().to_string(), bt.display().to_string(), "-Wl,--end-group".to_string()];
    let gr: Vec<&str> = group.iter().map(String::as_str).collect();
    let mut args = vec![m.to_str().unwrap()];
    args.extend(&gr);
    let o = Command::new("gcc").arg(format!("-B{}/", d.path("bin").display())).args(&args).arg("-o").arg(d.path("g")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(d.run("g").0, 0);
    // --whole-archive pulls the unused member too: its main is a duplicate.
    let o = Command::new("gcc").arg(format!("-B{}/", d.path("bin").display())).arg(&m).arg("-Wl,--whole-archive").arg(&ac).arg("-Wl,--no-whole-archive").arg(&bt).arg("-o").arg(d.path("w")).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("multiple definition of `main'"));
}

#[test]
fn function_pointers_are_equal_across_modules() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("canon");
    d.shared_lib("cb", "#include <stdio.h>\nint (*lib_get_puts(void))(const char *) { return puts; }\nint callback(int x) { return x + 1; }\nint lib_call(void) { extern int exe_hook(int); return exe_hook(41) + callback(0); }\n", &[]);
    let main = "#include <stdio.h>\nint (*lib_get_puts(void))(const char *); int lib_call(void);\nint exe_hook(int x) { return x + 1; }\nint callback(int x) { return x + 100; }\nint main(void) { int (*p)(const char *) = puts; printf(\"%d %d\\n\", p == lib_get_puts(), lib_call()); return 0; }\n";
    // The executable's callback interposes the library's own call to it.
    assert_eq!(d.run_with_lib(main, "cb", &["-fno-pie", "-no-pie"], "np"), "1 142\n");
    assert_eq!(d.run_with_lib(main, "cb", &["-fpie", "-pie"], "p"), "1 142\n");
}

/// An output that is a symlink (or a device such as /dev/null) is written through, never
/// replaced by a renamed file, as with GNU ld.
#[test]
fn symlinked_output_is_written_through() {
    if !have_gcc() {
        return;
    }
    let d = Dir::new("symlink-out");
    let o = d.compile("p.c", PROGRAM);
    std::fs::write(d.path("real"), b"").unwrap();
    std::os::unix::fs::symlink(d.path("real"), d.path("link")).unwrap();
    let (ok, err) = d.link(&[&o], &[], "link");
    assert!(ok, "{err}");
    assert!(std::fs::symlink_metadata(d.path("link")).unwrap().file_type().is_symlink());
    assert!(std::fs::metadata(d.path("real")).unwrap().len() > 0);
}
