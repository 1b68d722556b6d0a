//! ISA strings (canonical form with implied extensions, as GNU as writes them in `$x`
//! mapping symbols and `Tag_RISCV_arch`) and the `.riscv.attributes` section.

use std::collections::BTreeMap;

pub const TAG_ARCH: u64 = 5;
pub const TAG_PRIV_SPEC: u64 = 8;
pub const TAG_PRIV_SPEC_MINOR: u64 = 10;

#[derive(Clone, Debug)]
pub enum Val {
    Int(u64),
    Str(String),
}

pub fn tag_by_name(n: &str) -> Option<u64> {
    Some(match n {
        "stack_align" | "Tag_RISCV_stack_align" => 4,
        "arch" | "Tag_RISCV_arch" => 5,
        "unaligned_access" | "Tag_RISCV_unaligned_access" => 6,
        "priv_spec" | "Tag_RISCV_priv_spec" => 8,
        "priv_spec_minor" | "Tag_RISCV_priv_spec_minor" => 10,
        "priv_spec_revision" | "Tag_RISCV_priv_spec_revision" => 12,
        _ => return None,
    })
}

/// Single-letter extensions in canonical order.
const ORDER: &str = "iemafdqlcbkjtpvnh";

/// Default versions: the 20191213 ISA spec, or 2.2 for the assembler's built-in default.
fn default_version(ext: &str, old_spec: bool) -> (u32, u32) {
    match ext {
        "i" if old_spec => (2, 0),
        "a" | "f" | "d" if old_spec => (2, 0),
        "i" | "a" => (2, 1),
        "f" | "d" | "q" => (2, 2),
        "zmmul" => (1, 0),
        _ => (2, 0),
    }
}

fn sort_key(e: &str) -> (u32, usize, String) {
    let pos = |c: char| ORDER.find(c).unwrap_or(ORDER.len());
    let mut cs = e.chars();
    let first = cs.next().unwrap_or('z');
    if e.len() == 1 {
        (0, pos(first), String::new())
    } else {
        let class = match first {
            'z' => 1,
            's' => 2,
            _ => 3,
        };
        (class, cs.next().map_or(0, pos), e.to_string())
    }
}

/// `rv64gc`, `rv64imafdc`, `rv64i2p1_m2p0_...` to GNU's canonical string.
pub fn canonical(s: &str, old_spec: bool) -> Result<String, String> {
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("rv32") {
        return Err(format!("-march={s}: rv32 is not supported (the assembler writes RV64 objects)"));
    }
    let rest = lower.strip_prefix("rv64").ok_or_else(|| format!("-march={s}: ISA string must begin with rv32 or rv64"))?;
    let mut exts: Vec<(String, (u32, u32))> = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    let version = |i: &mut usize| -> Option<(u32, u32)> {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == st {
            return None;
        }
        let major = rest[st..*i].parse().ok()?;
        let mut minor = 0;
        if *i < b.len() && b[*i] == b'p' && b.get(*i + 1).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
            let ms = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            minor = rest[ms..*i].parse().ok()?;
        }
        Some((major, minor))
    };
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            i += 1;
            continue;
        }
        if matches!(c, b'z' | b's' | b'x') {
            let st = i;
            while i < b.len() && b[i] != b'_' {
                i += 1;
            }
            let word = &rest[st..i];
            // A trailing version: digits, optionally `p` digits.
            let cut = word.trim_end_matches(|c: char| c.is_ascii_digit());
            let (name, ver) = if cut.len() < word.len() {
                let cut2 = cut.strip_suffix('p').map(|c| c.trim_end_matches(|c: char| c.is_ascii_digit())).filter(|c| c.len() < cut.len() - 1);
                match cut2 {
                    Some(n) => {
                        let v = &word[n.len()..];
                        let (ma, mi) = v.split_once('p').unwrap_or((v, "0"));
                        (n, Some((ma.parse().unwrap_or(0), mi.parse().unwrap_or(0))))
                    }
                    None => (cut, Some((word[cut.len()..].parse().unwrap_or(0), 0))),
                }
            } else {
                (word, None)
            };
            exts.push((name.to_string(), ver.unwrap_or_else(|| default_version(name, old_spec))));
            continue;
        }
        if !c.is_ascii_lowercase() {
            return Err(format!("-march={s}: unexpected ISA string at end: {}", &rest[i..]));
        }
        i += 1;
        let name = (c as char).to_string();
        let ver = version(&mut i);
        if name == "g" {
            let base: &[&str] = if old_spec { &["i", "m", "a", "f", "d"] } else { &["i", "m", "a", "f", "d", "zicsr", "zifencei"] };
            for e in base {
                exts.push((e.to_string(), default_version(e, old_spec)));
            }
            continue;
        }
        let v = ver.unwrap_or_else(|| default_version(&name, old_spec));
        exts.push((name, v));
    }
    // Implied extensions.
    let mut k = 0;
    while k < exts.len() {
        let implied: &[&str] = match exts[k].0.as_str() {
            "m" => &["zmmul"],
            "d" => &["f"],
            "q" => &["d"],
            "f" if !old_spec => &["zicsr"],
            _ => &[],
        };
        for e in implied {
            if !exts.iter().any(|x| x.0 == *e) {
                exts.push((e.to_string(), default_version(e, old_spec)));
            }
        }
        k += 1;
    }
    exts.sort_by_key(|e| sort_key(&e.0));
    exts.dedup_by(|a, b| a.0 == b.0);
    let parts: Vec<String> = exts.iter().map(|(n, (a, b))| format!("{n}{a}p{b}")).collect();
    Ok(format!("rv64{}", parts.join("_")))
}

fn uleb(out: &mut Vec<u8>, v: u64) {
    out.extend(crate::leb::encode(v as i64, false));
}

/// The `.riscv.attributes` contents: format 'A', vendor "riscv", one file-scope subsection.
pub fn section(attrs: &BTreeMap<u64, Val>) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, v) in attrs {
        match v {
            Val::Int(0) => {}
            Val::Int(n) => {
                uleb(&mut body, *tag);
                uleb(&mut body, *n);
            }
            Val::Str(s) => {
                uleb(&mut body, *tag);
                body.extend(s.as_bytes());
                body.push(0);
            }
        }
    }
    let mut sub = vec![1u8];
    sub.extend((5 + body.len() as u32).to_le_bytes());
    sub.extend(body);
    let mut vendor = b"riscv\0".to_vec();
    vendor.extend(sub);
    let mut out = vec![b'A'];
    out.extend((4 + vendor.len() as u32).to_le_bytes());
    out.extend(vendor);
    out
}
