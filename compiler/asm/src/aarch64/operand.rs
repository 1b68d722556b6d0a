//! AArch64 operands: registers, immediates (`#` optional, `:lo12:`-style relocation
//! specifiers), memory references, shifts/extends, vector arrangements and lists.

use crate::assembler::Assembler;
use crate::expr::Expr;
use crate::lex::Tok;

/// A general-purpose register: `n` 31 is `sp`/`wsp` when `sp`, else `xzr`/`wzr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gpr {
    pub n: u8,
    pub x: bool,
    pub sp: bool,
}

/// A vector arrangement: element size (log2 bytes) and whether all 128 bits are used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arr {
    pub esize: u8,
    pub q: bool,
}

/// An immediate or address expression with its optional `:name:` relocation specifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Imm {
    pub expr: Expr,
    pub reloc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Index {
    None,
    Imm(Imm),
    /// Register offset with an optional extend/shift (name, amount).
    Reg(Gpr, Option<(String, Option<i64>)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mem {
    pub base: Gpr,
    pub index: Index,
    /// `[...]!`
    pub pre: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Opd {
    R(Gpr),
    /// Scalar FP/SIMD register: number and size (0 b, 1 h, 2 s, 3 d, 4 q).
    F(u8, u8),
    /// Vector register with an arrangement.
    V(u8, Arr),
    /// Vector element `v1.s[2]`: register, element size, index.
    E(u8, u8, u32),
    /// `{v0.16b, v1.16b}` or `{v0.s, v1.s}[1]`: first register, count, element size, q, lane.
    List(u8, u8, u8, bool, Option<u32>),
    Imm(Imm),
    /// A floating-point literal (`fmov d0, 1.0e+0`).
    Float(f64),
    Mem(Mem),
    /// Shift or extend: name and amount (`lsl #3`, `sxtw`).
    Shift(String, Option<i64>),
    /// A lone identifier that is not a register: condition, barrier option, prefetch
    /// operation, system register or a symbol (made an expression only where one is expected).
    Name(String),
}

const SHIFTS: [&str; 13] = ["lsl", "lsr", "asr", "ror", "msl", "uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"];

pub fn gpr(name: &str) -> Option<Gpr> {
    match name {
        "sp" => return Some(Gpr { n: 31, x: true, sp: true }),
        "wsp" => return Some(Gpr { n: 31, x: false, sp: true }),
        "xzr" => return Some(Gpr { n: 31, x: true, sp: false }),
        "wzr" => return Some(Gpr { n: 31, x: false, sp: false }),
        "lr" => return Some(Gpr { n: 30, x: true, sp: false }),
        "fp" => return Some(Gpr { n: 29, x: true, sp: false }),
        _ => {}
    }
    let x = match name.as_bytes().first()? {
        b'x' => true,
        b'w' => false,
        _ => return None,
    };
    let n = reg_num(&name[1..])?;
    (n < 31).then_some(Gpr { n, x, sp: false })
}

fn reg_num(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|c| c.is_ascii_digit()) || (s.len() == 2 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok().filter(|n| *n < 32)
}

fn fp_reg(name: &str) -> Option<(u8, u8)> {
    let size = match name.as_bytes().first()? {
        b'b' => 0,
        b'h' => 1,
        b's' => 2,
        b'd' => 3,
        b'q' => 4,
        _ => return None,
    };
    Some((reg_num(&name[1..])?, size))
}

fn esize_of(c: &str) -> Option<u8> {
    Some(match c {
        "b" => 0,
        "h" => 1,
        "s" => 2,
        "d" => 3,
        "q" => 4,
        _ => return None,
    })
}

/// `v3.4s` -> (3, Some(arrangement), None); `v3.s` -> (3, None, Some(esize)).
fn vreg(name: &str) -> Option<(u8, Option<Arr>, Option<u8>)> {
    let rest = name.strip_prefix('v')?;
    let (num, suffix) = match rest.find('.') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let n = reg_num(num)?;
    let Some(suf) = suffix else { return Some((n, None, None)) };
    if let Some(e) = esize_of(suf) {
        return Some((n, None, Some(e)));
    }
    let (count, e) = suf.split_at(suf.len() - 1);
    let e = esize_of(e)?;
    let count: u32 = count.parse().ok()?;
    let bits = count * (8 << e);
    match bits {
        64 | 128 => Some((n, Some(Arr { esize: e, q: bits == 128 }), None)),
        _ => None,
    }
}

/// Split operands at top-level commas (outside `()`, `[]`, `{}`).
pub fn split_operands(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") => depth -= 1,
            Tok::Op(",") if depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < toks.len() || !out.is_empty() {
        out.push(&toks[start..]);
    }
    out
}

pub fn parse_operands(asm: &mut Assembler, toks: &[Tok]) -> Result<Vec<Opd>, String> {
    split_operands(toks).into_iter().map(|t| parse_one(asm, t)).collect()
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

pub fn parse_imm(asm: &mut Assembler, toks: &[Tok]) -> Result<Imm, String> {
    let toks = match toks {
        [Tok::Op("#"), rest @ ..] => rest,
        _ => toks,
    };
    let (reloc, toks) = match toks {
        [Tok::Op(":"), Tok::Ident(m), Tok::Op(":"), rest @ ..] => (Some(lower(m)), rest),
        _ => (None, toks),
    };
    let e = asm.parse_expr(toks)?;
    Ok(Imm { expr: e.expr, reloc })
}

fn parse_one(asm: &mut Assembler, t: &[Tok]) -> Result<Opd, String> {
    match t {
        [] => Err("missing operand".into()),
        [Tok::Ident(name)] => {
            let l = lower(name);
            if let Some(r) = gpr(&l) {
                return Ok(Opd::R(r));
            }
            if let Some((n, s)) = fp_reg(&l) {
                return Ok(Opd::F(n, s));
            }
            if let Some((n, arr, e)) = vreg(&l) {
                // A bare `v1` is a symbol where an expression is expected.
                return match (arr, e) {
                    (Some(a), _) => Ok(Opd::V(n, a)),
                    _ => Ok(Opd::Name(name.clone())),
                };
            }
            if ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"].contains(&l.as_str()) {
                return Ok(Opd::Shift(l, None));
            }
            Ok(Opd::Name(name.clone()))
        }
        [Tok::Ident(name), Tok::Op("["), idx @ .., Tok::Op("]")] if vreg(&lower(name)).is_some_and(|v| v.2.is_some()) => {
            let (n, _, e) = vreg(&lower(name)).ok_or("bad register")?;
            let i = asm.const_expr(idx)?;
            Ok(Opd::E(n, e.unwrap_or(0), i as u32))
        }
        [Tok::Ident(name), rest @ ..] if SHIFTS.contains(&lower(name).as_str()) && !rest.is_empty() => {
            let rest = match rest {
                [Tok::Op("#"), r @ ..] => r,
                r => r,
            };
            let n = asm.const_expr(rest)?;
            Ok(Opd::Shift(lower(name), Some(n)))
        }
        [Tok::Op("["), ..] => parse_mem(asm, t),
        [Tok::Op("{"), ..] => parse_list(asm, t),
        _ => {
            let body = match t {
                [Tok::Op("#"), rest @ ..] => rest,
                _ => t,
            };
            match body {
                [Tok::Float(f)] => return Ok(Opd::Float(f.parse().map_err(|_| format!("bad floating literal '{f}'"))?)),
                [Tok::Op("-"), Tok::Float(f)] => return Ok(Opd::Float(-f.parse::<f64>().map_err(|_| format!("bad floating literal '{f}'"))?)),
                _ => {}
            }
            Ok(Opd::Imm(parse_imm(asm, t)?))
        }
    }
}

fn parse_mem(asm: &mut Assembler, t: &[Tok]) -> Result<Opd, String> {
    let close = t.iter().rposition(|x| *x == Tok::Op("]")).ok_or("missing ']'")?;
    let pre = match &t[close + 1..] {
        [] => false,
        [Tok::Op("!")] => true,
        _ => return Err("junk after memory operand".into()),
    };
    let parts = split_operands(&t[1..close]);
    let base = match parts.first() {
        Some([Tok::Ident(b)]) => gpr(&lower(b)).filter(|g| g.x).ok_or_else(|| format!("invalid base register `{b}'"))?,
        _ => return Err("invalid addressing mode".into()),
    };
    let index = match &parts[1..] {
        [] => Index::None,
        [[Tok::Ident(r)], rest @ ..] if gpr(&lower(r)).is_some() => {
            let g = gpr(&lower(r)).ok_or("bad register")?;
            let ext = match rest {
                [] => None,
                [e] => match parse_one(asm, e)? {
                    Opd::Shift(name, amt) => Some((name, amt)),
                    _ => return Err("invalid shift or extend in address".into()),
                },
                _ => return Err("invalid addressing mode".into()),
            };
            Index::Reg(g, ext)
        }
        [imm] => Index::Imm(parse_imm(asm, imm)?),
        _ => return Err("invalid addressing mode".into()),
    };
    Ok(Opd::Mem(Mem { base, index, pre }))
}

fn parse_list(asm: &mut Assembler, t: &[Tok]) -> Result<Opd, String> {
    let close = t.iter().position(|x| *x == Tok::Op("}")).ok_or("missing '}'")?;
    let lane = match &t[close + 1..] {
        [] => None,
        [Tok::Op("["), idx @ .., Tok::Op("]")] => Some(asm.const_expr(idx)? as u32),
        _ => return Err("junk after register list".into()),
    };
    let inner = &t[1..close];
    let mut regs: Vec<(u8, Option<Arr>, Option<u8>)> = Vec::new();
    let mut range = false;
    for tok in inner {
        match tok {
            Tok::Ident(n) => {
                let v = vreg(&lower(n)).ok_or_else(|| format!("invalid register `{n}' in list"))?;
                if range {
                    let first = regs.last().ok_or("bad register range")?.0;
                    let mut r = first;
                    while r != v.0 {
                        r = (r + 1) % 32;
                        regs.push((r, v.1, v.2));
                    }
                    range = false;
                } else {
                    regs.push(v);
                }
            }
            Tok::Op(",") => {}
            Tok::Op("-") => range = true,
            _ => return Err("invalid register list".into()),
        }
    }
    let (first, arr, e) = *regs.first().ok_or("empty register list")?;
    for (i, r) in regs.iter().enumerate() {
        if r.0 != (first + i as u8) % 32 || r.1 != arr || r.2 != e {
            return Err("invalid register list".into());
        }
    }
    let (esize, q) = match (arr, e) {
        (Some(a), _) => (a.esize, a.q),
        (None, Some(e)) => (e, false),
        _ => return Err("missing arrangement in register list".into()),
    };
    Ok(Opd::List(first, regs.len() as u8, esize, q, lane))
}
