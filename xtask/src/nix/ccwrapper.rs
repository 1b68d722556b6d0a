//! Drives a C compiler with the argument shapes nixpkgs' cc-wrapper and
//! ld-wrapper produce (see docs nix-facts.md section 2), natively, using
//! Debian's glibc where Nix would use store paths. The compiler is a
//! parameter: gcc passes today; ccc must pass before it can be a stdenv.
//!
//! Shapes covered: hardening flags before the user's arguments (with
//! `--param` and its value as separate arguments), `-B<libc>/lib/` for crt
//! files, `-idirafter`, `-B<wrapper>/bin/` through which the compiler must
//! find `ld`, `-isystem` per dependency, `-fmacro-prefix-map=`,
//! `-frandom-seed=`, `-ggdb -Wa,--compress-debug-sections`,
//! `-Wl,-dynamic-linker=<ld.so>` (the `=` form), `-Wl,-rpath -Wl,DIR` (two
//! arguments), `-L<dep>/lib`, `-MD -MF`, `-E`, `-shared`, `-static`, `-v`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[cfg(target_arch = "x86_64")]
const MULTIARCH: &str = "x86_64-linux-gnu";
#[cfg(target_arch = "x86_64")]
const DYNAMIC_LINKER: &str = "/lib64/ld-linux-x86-64.so.2";
#[cfg(target_arch = "aarch64")]
const MULTIARCH: &str = "aarch64-linux-gnu";
#[cfg(target_arch = "aarch64")]
const DYNAMIC_LINKER: &str = "/lib/ld-linux-aarch64.so.1";

/// A stand-in for the macro prefix nixpkgs maps store paths to.
const MAPPED: &str = "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-src";

const MAIN_C: &str = r#"#include <stdio.h>
#include <string.h>
#include <dep.h>
int main(void) {
    char buf[32];
    /* fortify keeps working: a bounded copy into a known-size buffer */
    strcpy(buf, "ok");
    printf("value=%d dep=%d file=%s %s\n", VALUE, dep_value(), __FILE__, buf);
    return 0;
}
"#;
const DEP_H: &str = "int dep_value(void);\n";
const DEP_C: &str = "#include <dep.h>\nint dep_value(void) { return 7; }\n";

/// nixpkgs' default hardening flags (bintools.defaultHardeningFlags of
/// 24.11 per docs/nix-facts.md; re-check with `nix eval` on the pinned rev).
pub const DEFAULT_HARDENING: &[&str] = &[
    "bindnow", "format", "fortify", "fortify3", "pic", "relro", "stackclashprotection", "stackprotector",
    "strictoverflow", "zerocallusedregs",
];

/// What cc-wrapper's add-hardening.sh emits for the enabled flags minus
/// `unsupported`: (before the user's arguments, after them). fortify3
/// implies fortify; the stronger one wins. bindnow/relro are ld's business.
pub fn hardening_flags(unsupported: &[String]) -> (Vec<String>, Vec<String>) {
    let on = |f: &str| DEFAULT_HARDENING.contains(&f) && !unsupported.iter().any(|u| u == f);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let push = |v: &mut Vec<String>, flags: &[&str]| v.extend(flags.iter().map(|s| s.to_string()));
    let fortify_level = if on("fortify3") { Some(3) } else if on("fortify") { Some(2) } else { None };
    if let Some(level) = fortify_level {
        push(&mut before, &["-O2", "-U_FORTIFY_SOURCE"]);
        after.push("-U_FORTIFY_SOURCE".into());
        after.push(format!("-D_FORTIFY_SOURCE={level}"));
    }
    if on("stackprotector") {
        push(&mut before, &["-fstack-protector-strong", "--param", "ssp-buffer-size=4"]);
    }
    if on("stackclashprotection") {
        push(&mut before, &["-fstack-clash-protection"]);
    }
    if on("pic") {
        push(&mut before, &["-fPIC"]);
    }
    if on("strictoverflow") {
        push(&mut before, &["-fno-strict-overflow"]);
    }
    if on("format") {
        push(&mut before, &["-Wformat", "-Wformat-security", "-Werror=format-security"]);
    }
    if on("zerocallusedregs") {
        push(&mut before, &["-fzero-call-used-regs=used-gpr"]);
    }
    (before, after)
}

/// ccc's unsupported hardening flags from nix/lib/hardening.nix (what the
/// Nix wrapper will actually drop for ccc).
pub fn unsupported_from_nix(root: &Path) -> Result<Vec<String>, String> {
    let text = super::eval::eval_string(root, "builtins.concatStringsSep \" \" (import ./nix/lib/hardening.nix).unsupported")?;
    Ok(text.split_whitespace().map(str::to_string).collect())
}

struct Layout {
    root: PathBuf,
    src: PathBuf,
    dep: PathBuf,
    wrapper_bin: PathBuf,
    ld_log: PathBuf,
    hardening_before: Vec<String>,
    hardening_after: Vec<String>,
}

impl Layout {
    /// Flags cc-wrapper puts before the user's arguments: hardening, then
    /// cc-cflags-before.
    fn before(&self) -> Vec<String> {
        let mut v = self.hardening_before.clone();
        v.push("-fno-omit-frame-pointer".into());
        if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
            v.push("-mno-omit-leaf-frame-pointer".into());
        }
        v
    }

    /// Flags after the user's arguments (NIX_CFLAGS_COMPILE and friends).
    fn after(&self) -> Vec<String> {
        let mut v = self.hardening_after.clone();
        v.extend([
            format!("-B/usr/lib/{MULTIARCH}/"),
            "-idirafter".into(),
            "/usr/include".into(),
            format!("-B{}/ccc-lib/lib", self.root.display()),
            format!("-B{}/", self.wrapper_bin.display()),
            "-isystem".into(),
            format!("{}/include", self.dep.display()),
            format!("-fmacro-prefix-map={}={MAPPED}", self.src.display()),
            "-frandom-seed=0123456789".into(),
            "-ggdb".into(),
            "-Wa,--compress-debug-sections".into(),
            "-DVALUE=42".into(),
        ]);
        v
    }

    /// Link-only additions: before, the dynamic linker; after, NIX_LDFLAGS.
    fn link_before(&self) -> Vec<String> {
        vec![format!("-Wl,-dynamic-linker={DYNAMIC_LINKER}")]
    }

    fn link_after(&self) -> Vec<String> {
        vec![
            "-Wl,-rpath".into(),
            format!("-Wl,{}/lib", self.dep.display()),
            format!("-L{}/lib", self.dep.display()),
        ]
    }
}

fn run(cc: &str, args: &[String], cwd: &Path) -> Result<Output, String> {
    Command::new(cc).args(args).current_dir(cwd).output().map_err(|e| format!("cannot run {cc}: {e}"))
}

/// Runs `cc` with before ++ user ++ after; an error names the step.
fn step(cc: &str, l: &Layout, step: &str, before: Vec<String>, user: &[String], after: Vec<String>) -> Result<Output, String> {
    let args: Vec<String> = before.into_iter().chain(user.iter().cloned()).chain(after).collect();
    let o = run(cc, &args, &l.root)?;
    if o.status.success() {
        Ok(o)
    } else {
        Err(format!("{step}: `{cc} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&o.stderr).trim()))
    }
}

/// A step that exits 0 must also have written its output.
fn expect_file(path: &Path, step: &str) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > 0 => Ok(()),
        _ => Err(format!("{step}: exited 0 but {} was not written", path.display())),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(prog)).find(|f| f.is_file()))
}

fn readelf(args: &[&str], file: &Path) -> Result<String, String> {
    let o = Command::new("readelf").args(args).arg(file).output().map_err(|e| format!("readelf: {e}"))?;
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Runs every shape with compiler `cc` in `scratch`; Ok(summary) or the
/// first failing step.
/// `unsupported`: hardening flags the Nix wrapper drops for this compiler
/// (see [`unsupported_from_nix`]).
pub fn check(cc: &str, scratch: &Path, unsupported: &[String]) -> Result<String, String> {
    let _ = std::fs::remove_dir_all(scratch);
    let (hardening_before, hardening_after) = hardening_flags(unsupported);
    let l = Layout {
        root: scratch.to_path_buf(),
        src: scratch.join("src"),
        dep: scratch.join("dep"),
        wrapper_bin: scratch.join("wrapper/bin"),
        ld_log: scratch.join("wrapper/ld.log"),
        hardening_before,
        hardening_after,
    };
    let real_ld = which("ld").ok_or("no `ld` on PATH (apt-get install binutils)")?;
    write(&l.src.join("main.c"), MAIN_C)?;
    write(&l.dep.join("include/dep.h"), DEP_H)?;
    write(&l.dep.join("dep.c"), DEP_C)?;
    std::fs::create_dir_all(l.dep.join("lib")).map_err(|e| e.to_string())?;
    // The ld-wrapper stand-in: logs its arguments, then runs the real ld.
    write(
        &l.wrapper_bin.join("ld"),
        &format!("#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n", l.ld_log.display(), real_ld.display()),
    )?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(l.wrapper_bin.join("ld"), std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;

    // `-v` alone: cc-wrapper adds nothing.
    let o = run(cc, &["-v".to_string()], scratch)?;
    if !o.status.success() {
        return Err(format!("`{cc} -v` failed"));
    }

    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let p = |path: PathBuf| path.display().to_string();

    // A shared library dependency, built the way a nixpkgs package would be.
    let libdep = l.dep.join("lib/libdep.so");
    step(cc, &l, "shared library", l.before(), &[s(&["-shared", "-o"]), vec![p(libdep.clone()), p(l.dep.join("dep.c"))]].concat(),
        [l.after(), l.link_after()].concat())?;
    expect_file(&libdep, "shared library")?;

    // Compile with dependency-file output.
    let obj = scratch.join("main.o");
    // `--param NAME=VALUE` as two arguments (stackprotector's shape; recipes use it too).
    step(cc, &l, "compile", l.before(), &[s(&["-c", "--param", "ssp-buffer-size=4"]), vec![p(l.src.join("main.c")), "-o".into(), p(obj.clone())],
        s(&["-MD", "-MF"]), vec![p(scratch.join("main.d"))]].concat(), l.after())?;
    expect_file(&obj, "compile")?;
    expect_file(&scratch.join("main.d"), "compile -MD -MF")?;
    let deps = std::fs::read_to_string(scratch.join("main.d")).map_err(|e| format!("main.d: {e}"))?;
    if !deps.contains("dep.h") {
        return Err(format!("-MD -MF: main.d does not list dep.h:\n{deps}"));
    }

    // Link: dynamic linker (= form), rpath as two -Wl arguments, -L, -ldep.
    let exe = scratch.join("main");
    let _ = std::fs::remove_file(&l.ld_log);
    step(cc, &l, "link", [l.link_before(), l.before()].concat(), &[vec![p(obj), "-o".into(), p(exe.clone())], s(&["-ldep"])].concat(),
        [l.after(), l.link_after()].concat())?;
    expect_file(&exe, "link")?;
    let ld_args = std::fs::read_to_string(&l.ld_log)
        .map_err(|_| "link: the compiler did not run the `ld` found through -B<wrapper>/bin/".to_string())?;
    if !ld_args.contains(DYNAMIC_LINKER) {
        return Err(format!("link: ld was not given the dynamic linker: {ld_args}"));
    }
    let dynamic = readelf(&["-d"], &exe)?;
    if !dynamic.contains(&format!("{}/lib", l.dep.display())) {
        return Err(format!("link: no rpath {}/lib in the executable:\n{dynamic}", l.dep.display()));
    }
    let headers = readelf(&["-l"], &exe)?;
    if !headers.contains(&format!("[Requesting program interpreter: {DYNAMIC_LINKER}]")) {
        return Err("link: wrong or missing program interpreter".into());
    }
    let o = Command::new(&exe).output().map_err(|e| format!("running {}: {e}", exe.display()))?;
    let out = String::from_utf8_lossy(&o.stdout);
    let expected = format!("value=42 dep=7 file={MAPPED}/main.c ok\n");
    if !o.status.success() || out != expected {
        return Err(format!("run: got {out:?}, expected {expected:?}"));
    }

    // -E with the same surrounding flags: macros from both sides applied.
    let o = step(cc, &l, "preprocess", l.before(), &[s(&["-E"]), vec![p(l.src.join("main.c"))]].concat(), l.after())?;
    let pre = String::from_utf8_lossy(&o.stdout);
    if !pre.contains("dep_value") || pre.contains("#include") || !pre.contains("42") {
        return Err("preprocess: -E output lacks the header or the -D value".into());
    }

    // -static against the C library (nixpkgs tests this with glibc.static).
    let stat = scratch.join("main-static");
    step(cc, &l, "static link", l.before(), &[s(&["-static"]), vec![p(l.src.join("main.c")), p(l.dep.join("dep.c")), "-o".into(), p(stat.clone())]].concat(),
        l.after())?;
    expect_file(&stat, "static link")?;
    let o = Command::new(&stat).output().map_err(|e| format!("running {}: {e}", stat.display()))?;
    if String::from_utf8_lossy(&o.stdout) != expected {
        return Err(format!("static run: got {:?}", String::from_utf8_lossy(&o.stdout)));
    }
    if readelf(&["-l"], &stat)?.contains("program interpreter") {
        return Err("static link produced a dynamic executable".into());
    }
    Ok(format!(
        "{cc}: shared lib, compile -MD, dynamic link via -B ld with rpath, -E, -static all ok (hardening: {})",
        l.hardening_before.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gcc that drops `-B<wrapper>/bin/`: the -B ld check must catch it.
    #[test]
    fn hardening_flag_sets() {
        let (b, a) = hardening_flags(&[]);
        assert!(b.contains(&"-fstack-protector-strong".to_string()) && b.contains(&"--param".to_string()));
        assert_eq!(a, ["-U_FORTIFY_SOURCE", "-D_FORTIFY_SOURCE=3"]);
        let unsupported: Vec<String> = ["fortify3", "stackprotector", "zerocallusedregs"].iter().map(|s| s.to_string()).collect();
        let (b, a) = hardening_flags(&unsupported);
        assert_eq!(a, ["-U_FORTIFY_SOURCE", "-D_FORTIFY_SOURCE=2"]);
        assert!(!b.iter().any(|f| f.contains("stack-protector") || f.contains("zero-call")));
        let all: Vec<String> = DEFAULT_HARDENING.iter().map(|s| s.to_string()).collect();
        assert_eq!(hardening_flags(&all), (vec![], vec![]));
    }

    #[test]
    fn a_compiler_ignoring_b_fails() {
        if which("gcc").is_none() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("xtask-ccwrapper-neg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("fake-cc");
        std::fs::write(
            &fake,
            "#!/bin/sh\nfor a; do shift; case \"$a\" in -B*/wrapper/bin/) ;; *) set -- \"$@\" \"$a\";; esac; done\nexec gcc \"$@\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = check(&fake.display().to_string(), &dir.join("work"), &[]).unwrap_err();
        assert!(err.contains("-B<wrapper>/bin/"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
