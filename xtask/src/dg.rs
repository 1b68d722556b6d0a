//! The subset of DejaGnu `{ dg-... }` directives that changes how a GCC torture test is
//! compiled or whether it applies to a target: options, skips, effective targets.
//! Everything else (dg-final scans, expected warnings) is irrelevant to pass/fail here
//! because GCC itself is the oracle.

use crate::arch::Arch;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// `{...}` or `"..."`: raw text inside.
    Group(String),
}

impl Tok {
    fn text(&self) -> &str {
        match self {
            Tok::Word(s) | Tok::Group(s) => s,
        }
    }
}

/// Split Tcl-ish text into words, `"strings"` and balanced `{groups}`.
fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'{' {
            let mut depth = 0;
            let start = i + 1;
            while i < b.len() {
                match b[i] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            out.push(Tok::Group(s[start..i.min(b.len())].to_string()));
            i += 1;
        } else if c == b'"' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            out.push(Tok::Group(s[start..i.min(b.len())].to_string()));
            i += 1;
        } else {
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'{' && b[i] != b'"' {
                i += 1;
            }
            out.push(Tok::Word(s[start..i].to_string()));
        }
    }
    out
}

/// All `{ dg-NAME args }` directives in a source file, in order.
fn directives(src: &str) -> Vec<(String, Vec<Tok>)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'{' || !src[i + 1..].trim_start().starts_with("dg-") {
            i += 1;
            continue;
        }
        // Find the matching close brace.
        let mut depth = 0;
        let mut j = i;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let mut t = tokenize(&src[i + 1..j.min(b.len())]);
        if let Some(Tok::Word(name)) = t.first().cloned() {
            t.remove(0);
            out.push((name, t));
        }
        i = j + 1;
    }
    out
}

/// Effective-target keywords true on every Linux target we test (glibc, 64-bit, ELF).
const COMMON_EFFECTIVE: &[&str] = &[
    "int32plus", "int32", "label_values", "indirect_calls", "untyped_assembly", "alloca",
    "indirect_jumps", "trampolines", "return_address", "non_strict_prototype", "int128",
    "ptr32plus", "size32plus", "size20plus", "named_sections", "fileio", "c99_runtime",
    "stdint_types", "pthread", "nonlocal_goto", "mmap", "fpic", "pie", "exceptions",
    "double64plus", "double64", "longlong64", "lp64", "scheduling", "unwrapped",
    "R_flag_in_section", "weak", "alias", "visibility", "profiling", "stack_check",
    "stack_size", "ucn", "sync_int_long", "sync_char_short", "wchar", "signal", "clock",
    "cxa_atexit", "gettimeofday", "tls", "tls_runtime", "lto", "section_anchors_not",
    "vect_int", "init_priority", "freorder", "ptr_eq_long", "inttypes_types", "large_double",
    "large_long_double", "global_constructor", "linux", "glibc", "bswap", "sqrt_insn",
];

pub fn effective(arch: &Arch, kw: &str) -> bool {
    (COMMON_EFFECTIVE.contains(&kw) && !arch.not_effective.contains(&kw)) || arch.extra_effective.contains(&kw)
}

fn glob(pat: &str, s: &str) -> bool {
    let (p, t) = (pat.as_bytes(), s.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, usize::MAX, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = pi;
            mark = ti;
            pi += 1;
        } else if star != usize::MAX {
            pi = star + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Evaluate a target selector (`{ target x86_64-*-* }`, `{ ! alloca }`, `{ a && { b || c } }`).
pub fn selector(arch: &Arch, text: &str) -> bool {
    let mut toks = tokenize(text);
    if let Some(Tok::Word(w)) = toks.first() {
        if w == "target" || w == "xfail" {
            toks.remove(0);
        }
    }
    let mut pos = 0;
    eval_or(arch, &toks, &mut pos)
}

fn eval_or(arch: &Arch, t: &[Tok], pos: &mut usize) -> bool {
    let mut v = eval_and(arch, t, pos);
    while *pos < t.len() {
        if t[*pos] == Tok::Word("||".into()) {
            *pos += 1;
        }
        if *pos >= t.len() {
            break;
        }
        // A plain list of triples is an implicit "or".
        let r = eval_and(arch, t, pos);
        v = v || r;
    }
    v
}

fn eval_and(arch: &Arch, t: &[Tok], pos: &mut usize) -> bool {
    let mut v = eval_unary(arch, t, pos);
    while *pos < t.len() && t[*pos] == Tok::Word("&&".into()) {
        *pos += 1;
        let r = eval_unary(arch, t, pos);
        v = v && r;
    }
    v
}

fn eval_unary(arch: &Arch, t: &[Tok], pos: &mut usize) -> bool {
    let Some(tok) = t.get(*pos) else { return false };
    *pos += 1;
    match tok {
        Tok::Word(w) if w == "!" => !eval_unary(arch, t, pos),
        Tok::Group(g) => selector(arch, g),
        Tok::Word(w) if w.contains('-') && w.matches('-').count() >= 2 || w.contains('*') => glob(w, arch.dejagnu_triple),
        Tok::Word(w) => effective(arch, w),
    }
}

/// Does an include/exclude option list match the flags? (`"*"` matches everything.)
fn flags_match(list: &str, flags: &[String]) -> bool {
    tokenize(list).iter().any(|item| {
        let item = item.text().trim();
        if item == "*" {
            return true;
        }
        !item.is_empty() && item.split_whitespace().all(|w| flags.iter().any(|f| glob(w, f)))
    })
}

/// How to build one test, derived from its directives.
#[derive(Debug, Default)]
pub struct Plan {
    /// Why the test does not apply (not counted), if so.
    pub skip: Option<String>,
    /// Replaces the default `-w` when present (`dg-options`).
    pub options: Option<Vec<String>>,
    pub additional: Vec<String>,
    /// `run` (default for execute), `compile`, `link`, ...
    pub action: Option<String>,
    pub timeout_factor: f64,
}

impl Plan {
    /// All flags except the optimisation level, in the order DejaGnu passes them.
    pub fn flags(&self) -> Vec<String> {
        let mut f = self.options.clone().unwrap_or_else(|| vec!["-w".to_string()]);
        f.extend(self.additional.iter().cloned());
        f
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Parse the directives of `src` for `arch` and optimisation flag `opt` (e.g. "-O2").
pub fn plan(src: &str, arch: &Arch, opt: &str) -> Plan {
    let mut p = Plan { timeout_factor: 1.0, ..Default::default() };
    let all = directives(src);
    // dg-skip-if looks at the final flags, so collect options first.
    let applies = |args: &[Tok], i: usize| args.get(i).map(|t| selector(arch, t.text())).unwrap_or(true);
    for (name, args) in &all {
        match name.as_str() {
            "dg-options" if applies(args, 1) => p.options = Some(args.first().map(|t| words(t.text())).unwrap_or_default()),
            "dg-additional-options" if applies(args, 1) => p.additional.extend(args.first().map(|t| words(t.text())).unwrap_or_default()),
            "dg-do" if applies(args, 1) => p.action = args.first().map(|t| t.text().to_string()),
            "dg-timeout-factor" => p.timeout_factor = args.first().and_then(|t| t.text().parse().ok()).unwrap_or(1.0),
            _ => {}
        }
    }
    let mut flags = vec![opt.to_string()];
    flags.extend(p.flags());
    for (name, args) in &all {
        if p.skip.is_some() {
            break;
        }
        match name.as_str() {
            "dg-skip-if" => {
                let targets = args.get(1).map(|t| t.text()).unwrap_or("*-*-*");
                let include = args.get(2).map(|t| t.text()).unwrap_or("*");
                let exclude = args.get(3).map(|t| t.text()).unwrap_or("");
                if selector(arch, targets) && flags_match(include, &flags) && !flags_match(exclude, &flags) {
                    p.skip = Some(format!("dg-skip-if {}", args.first().map(|t| t.text()).unwrap_or("")));
                }
            }
            "dg-require-effective-target" => {
                let kw = args.first().map(|t| t.text()).unwrap_or("");
                if applies(args, 1) && !effective(arch, kw) {
                    p.skip = Some(format!("requires effective target {kw}"));
                }
            }
            "dg-require-dll" => p.skip = Some("requires DLLs".to_string()),
            "dg-require-compat-dfp" | "dg-require-linker-plugin" => p.skip = Some(format!("{name}")),
            _ => {}
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{AARCH64, X86_64};

    #[test]
    fn selectors() {
        assert!(selector(&X86_64, "{ target i?86-*-* x86_64-*-* }"));
        assert!(!selector(&AARCH64, "i?86-*-* x86_64-*-*"));
        assert!(!selector(&X86_64, "! alloca"));
        assert!(selector(&X86_64, "*-*-*"));
        assert!(!selector(&X86_64, "{ { i?86-*-* x86_64-*-* } && ia32 }"));
        assert!(selector(&X86_64, "{ ! { i?86-*-* && ia32 } }"));
        assert!(!selector(&X86_64, "freestanding"));
    }

    #[test]
    fn plans() {
        let src = "/* { dg-options \"-fwrapv\" } */\n/* { dg-additional-options \"-mno-stv\" { target i?86-*-* x86_64-*-* } } */\nint main(){}";
        let p = plan(src, &X86_64, "-O2");
        assert_eq!(p.flags(), vec!["-fwrapv", "-mno-stv"]);
        assert!(p.skip.is_none());
        let p = plan(src, &AARCH64, "-O2");
        assert_eq!(p.flags(), vec!["-fwrapv"]);

        let s = "/* { dg-skip-if \"requires alloca\" { ! alloca } { \"-O0\" } { \"\" } } */";
        assert!(plan(s, &X86_64, "-O0").skip.is_none());
        let s = "/* { dg-skip-if \"requires frame pointers\" { *-*-* } \"-fomit-frame-pointer\" \"\" } */";
        assert!(plan(s, &X86_64, "-O2").skip.is_none());
        let s = "/* { dg-skip-if \"x\" { *-*-* } { \"-O0\" } { \"\" } } */";
        assert!(plan(s, &X86_64, "-O0").skip.is_some());
        assert!(plan(s, &X86_64, "-O2").skip.is_none());
        let s = "/* { dg-require-effective-target run_expensive_tests } */";
        assert!(plan(s, &X86_64, "-O2").skip.is_some());
        let s = "/* { dg-do run } */\n/* { dg-timeout-factor 4.0 } */";
        let p = plan(s, &X86_64, "-O2");
        assert_eq!(p.action.as_deref(), Some("run"));
        assert_eq!(p.timeout_factor, 4.0);
    }
}
