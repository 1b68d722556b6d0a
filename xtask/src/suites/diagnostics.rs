//! Malformed inputs: the compiler must reject them cleanly — exit 1 with an `error`
//! diagnostic, no panic, no signal, no output file left behind — unless GCC accepts the
//! input too, in which case exit 0 with an object is also fine.
//!
//! 500 inputs: hand-written files under `xtask/diagnostics/` (always run; they also pin the
//! GCC-style `file:line:col: error:` location) plus deterministic generated ones: truncated
//! torture tests, byte-mutated torture tests, random bytes and random token soup.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::arch::X86_64;
use crate::ctx::Ctx;
use crate::oracle::Oracle;
use crate::report::TestResult;
use crate::sample::{in_fast_sample, key, Rng};
use crate::suites::torture::COMPILE_TIMEOUT;
use crate::{gccsrc, pool, proc};

const TOTAL: usize = 500;
const KINDS: &[&str] = &["trunc", "mutate", "bytes", "tokens"];

pub struct Diagnostics;

struct Input {
    name: String,
    bytes: Vec<u8>,
    /// Expected `LINE:COL: KIND:` location prefixes (hand-written inputs only).
    expect: Vec<String>,
}

impl super::Suite for Diagnostics {
    fn name(&self) -> String {
        "diagnostics".to_string()
    }

    fn run(&self, ctx: &Ctx) -> Result<Vec<TestResult>, String> {
        let hand = hand_written(&ctx.root.join("xtask/diagnostics"))?;
        let sources = torture_sources(ctx)?;
        let mut inputs = hand;
        for i in 0..TOTAL.saturating_sub(inputs.len()) {
            inputs.push(generate(i, &sources));
        }
        inputs.retain(|t| !ctx.fast || !t.expect.is_empty() || in_fast_sample(&ctx.host, &t.name));
        let work = ctx.work_dir("diagnostics");
        let oracle = Oracle::load(ctx, "diagnostics");
        let gcc_id = gccsrc::compiler_id(X86_64.gcc);
        let results = pool::par_map(&inputs, ctx.jobs, |t| one(ctx, t, &work, &oracle, &gcc_id));
        oracle.save();
        Ok(results)
    }
}

fn hand_written(dir: &Path) -> Result<Vec<Input>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let expect: Vec<String> = text
            .match_indices("expect: ")
            .map(|(p, m)| {
                let rest = &text[p + m.len()..];
                let end = rest.find(" */").or_else(|| rest.find('\n')).unwrap_or(rest.len());
                rest[..end].trim().to_string()
            })
            .collect();
        if expect.is_empty() {
            return Err(format!("{}: no `expect: LINE:COL: error:` marker", f.display()));
        }
        let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        out.push(Input { name: format!("hand-{stem}"), bytes, expect });
    }
    Ok(out)
}

fn torture_sources(ctx: &Ctx) -> Result<Vec<Vec<u8>>, String> {
    let dir = gccsrc::torture_dir(ctx)?.join("execute");
    gccsrc::list_c(&dir)?.iter().map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))).collect()
}

const PUNCT: &[u8] = b"{}()[];,*&\"'#\\/<>=+-!~?:.%^|\n\0";
const TOKENS: &[&str] = &[
    "int", "char", "struct", "union", "enum", "typedef", "static", "extern", "const", "volatile",
    "if", "else", "while", "for", "do", "return", "goto", "switch", "case", "default", "break",
    "sizeof", "_Alignof", "_Generic", "__attribute__", "__asm__", "__typeof__", "void", "long",
    "unsigned", "float", "double", "x", "y", "main", "f", "0", "1", "0x1p3", "'a'", "\"s\"", "L\"w\"",
    "{", "}", "(", ")", "[", "]", ";", ",", "*", "&", "->", ".", "...", "=", "==", "+=", "<<=", "?",
    ":", "#", "##", "#define", "#include", "#if", "#endif", "\n", "/*", "*/", "//", "\\",
];

fn generate(i: usize, sources: &[Vec<u8>]) -> Input {
    let kind = KINDS[i % KINDS.len()];
    let mut rng = Rng::new(0x5eed_0000 + i as u64);
    let pick_source = |rng: &mut Rng| sources.get(rng.below(sources.len())).cloned().unwrap_or_default();
    let bytes = match kind {
        "trunc" => {
            let s = pick_source(&mut rng);
            let cut = 1 + rng.below(s.len().saturating_sub(2).max(1));
            s[..cut.min(s.len())].to_vec()
        }
        "mutate" => {
            let mut s = pick_source(&mut rng);
            for _ in 0..1 + rng.below(5) {
                if s.is_empty() {
                    break;
                }
                let p = rng.below(s.len());
                match rng.below(4) {
                    0 => s[p] = PUNCT[rng.below(PUNCT.len())],
                    1 => s[p] = rng.next_u64() as u8,
                    2 => {
                        let n = rng.below(20).min(s.len() - p);
                        s.drain(p..p + n);
                    }
                    _ => {
                        let n = rng.below(40).min(s.len() - p);
                        let dup: Vec<u8> = s[p..p + n].to_vec();
                        let q = rng.below(s.len());
                        s.splice(q..q, dup);
                    }
                }
            }
            s
        }
        "bytes" => (0..1 + rng.below(1500)).map(|_| rng.next_u64() as u8).collect(),
        _ => {
            let mut s = Vec::new();
            for _ in 0..1 + rng.below(300) {
                s.extend_from_slice(TOKENS[rng.below(TOKENS.len())].as_bytes());
                s.push(if rng.below(8) == 0 { b'\n' } else { b' ' });
            }
            s
        }
    };
    Input { name: format!("{kind}-{i:03}"), bytes, expect: Vec::new() }
}

/// Outcome of one `-c` compile: (exit status, stderr, object left behind).
fn compile(mut cmd: Command, dir: &Path, file: &str) -> (proc::Status, String, bool) {
    let obj = dir.join(format!("{file}.o"));
    let _ = std::fs::remove_file(&obj);
    cmd.current_dir(dir).arg("-c").arg(file).arg("-o").arg(&obj);
    let o = proc::run(&mut cmd, COMPILE_TIMEOUT);
    let left = obj.exists();
    let _ = std::fs::remove_file(&obj);
    let err = o.stderr_str();
    (o.status, err, left)
}

fn one(ctx: &Ctx, t: &Input, work: &Path, oracle: &Oracle, gcc_id: &str) -> TestResult {
    let dir = work.join(&t.name);
    let _ = std::fs::create_dir_all(&dir);
    // Hand-written inputs keep their file name so locations read `undeclared.c:4:12:`.
    let file = match t.name.strip_prefix("hand-") {
        Some(stem) => format!("{stem}.c"),
        None => format!("{}.c", t.name),
    };
    if let Err(e) = std::fs::write(dir.join(&file), &t.bytes) {
        return TestResult::fail(&t.name, format!("cannot write input: {e}"), "");
    }
    let k = key(&[&t.bytes, gcc_id.as_bytes()]);
    let gcc = oracle.get_or(&k, || match compile(ctx.gcc_command(&X86_64), &dir, &file) {
        (proc::Status::Exit(0), _, true) => "accept".into(),
        (proc::Status::Exit(1), _, _) => "reject".into(),
        (s, _, _) => format!("broken {}", s.describe()),
    });
    if gcc.starts_with("broken") {
        return TestResult::skip(&t.name, format!("gcc: {gcc}"));
    }
    let (status, stderr, left) = compile(ctx.cc_command(&X86_64), &dir, &file);
    let detail = format!("input: {}\n{}", ctx.show(&dir.join(&file)), proc::head_lines(&stderr, 30));
    let r = if stderr.contains("panicked") {
        TestResult::fail(&t.name, format!("panic: {}", proc::first_error_line(&stderr)), detail)
    } else {
        match status {
            proc::Status::Exit(1) if left => TestResult::fail(&t.name, "exit 1 but the output file was left behind", detail),
            proc::Status::Exit(1) if !stderr.contains("error") => TestResult::fail(&t.name, "exit 1 without an error diagnostic", detail),
            proc::Status::Exit(1) => match t.expect.iter().find(|e| !stderr.contains(&format!("{file}:{e}"))) {
                Some(e) => TestResult::fail(&t.name, format!("expected diagnostic {file}:{e}"), detail),
                None => TestResult::pass(&t.name),
            },
            proc::Status::Exit(0) if gcc == "accept" && left => TestResult::pass(&t.name),
            proc::Status::Exit(0) if gcc == "accept" => TestResult::fail(&t.name, "exit 0 but no object file", detail),
            proc::Status::Exit(0) => TestResult::fail(&t.name, "accepted an input gcc rejects", detail),
            s => TestResult::fail(&t.name, format!("crash ({}): {}", s.describe(), proc::first_error_line(&stderr)), detail),
        }
    };
    if matches!(r.verdict, crate::report::Verdict::Pass) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    r
}
