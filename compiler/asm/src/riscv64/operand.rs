//! RISC-V operands: registers, immediates with `%reloc(...)` functions, `off(reg)` memory.

use crate::assembler::Assembler;
use crate::expr::Expr;
use crate::lex::Tok;

/// A `%name(...)` relocation function in an immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Hi,
    Lo,
    PcrelHi,
    PcrelLo,
    GotPcrelHi,
    TprelHi,
    TprelLo,
    TprelAdd,
    TlsIePcrelHi,
    TlsGdPcrelHi,
}

impl Func {
    fn parse(s: &str) -> Option<Func> {
        Some(match s {
            "hi" => Func::Hi,
            "lo" => Func::Lo,
            "pcrel_hi" => Func::PcrelHi,
            "pcrel_lo" => Func::PcrelLo,
            "got_pcrel_hi" => Func::GotPcrelHi,
            "tprel_hi" => Func::TprelHi,
            "tprel_lo" => Func::TprelLo,
            "tprel_add" => Func::TprelAdd,
            "tls_ie_pcrel_hi" => Func::TlsIePcrelHi,
            "tls_gd_pcrel_hi" => Func::TlsGdPcrelHi,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Imm {
    pub func: Option<Func>,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub enum Opd {
    X(u32),
    F(u32),
    Imm(Imm),
    /// `off(base)`; a bare `(base)` has offset 0.
    Mem(Imm, u32),
}

const ABI: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];
const FABI: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

fn num_reg(name: &str, prefix: char) -> Option<u32> {
    let digits = name.strip_prefix(prefix)?;
    let n: u32 = digits.parse().ok()?;
    (n < 32 && digits.bytes().all(|c| c.is_ascii_digit())).then_some(n)
}

pub fn xreg(name: &str) -> Option<u32> {
    if name == "fp" {
        return Some(8);
    }
    ABI.iter().position(|r| *r == name).map(|i| i as u32).or_else(|| num_reg(name, 'x'))
}

pub fn freg(name: &str) -> Option<u32> {
    FABI.iter().position(|r| *r == name).map(|i| i as u32).or_else(|| num_reg(name, 'f'))
}

/// DWARF numbers: x0-x31 are 0-31, f0-f31 are 32-63.
pub fn dwarf(name: &str) -> Option<u64> {
    xreg(name).map(u64::from).or_else(|| freg(name).map(|f| 32 + f as u64))
}

fn imm(asm: &mut Assembler, toks: &[Tok]) -> Result<Imm, String> {
    if let [Tok::Reg(f), Tok::Op("("), inner @ .., Tok::Op(")")] = toks {
        let func = Func::parse(f).ok_or_else(|| format!("unknown relocation function `%{f}'"))?;
        let e = asm.parse_expr(inner)?;
        return Ok(Imm { func: Some(func), expr: e.expr });
    }
    if toks.is_empty() {
        return Ok(Imm { func: None, expr: Expr::Num(0) });
    }
    let e = asm.parse_expr(toks)?;
    // `call foo@plt` means the same as `call foo`.
    if e.modifier.is_some_and(|m| m != crate::expr::Modifier::Plt) {
        return Err("illegal operands".into());
    }
    Ok(Imm { func: None, expr: e.expr })
}

/// A branch, jump or address target: a symbol even when it is named like a register
/// (`call f1`).
pub fn target(asm: &mut Assembler, toks: &[Tok]) -> Result<Imm, String> {
    imm(asm, toks)
}

pub fn parse(asm: &mut Assembler, toks: &[Tok]) -> Result<Opd, String> {
    if let [Tok::Ident(r)] = toks {
        if let Some(x) = xreg(r) {
            return Ok(Opd::X(x));
        }
        if let Some(f) = freg(r) {
            return Ok(Opd::F(f));
        }
    }
    // `off(reg)`: the last parenthesised group names a register.
    if let [pre @ .., Tok::Op("("), Tok::Ident(r), Tok::Op(")")] = toks {
        if let Some(x) = xreg(r) {
            let depth: i32 = pre.iter().map(|t| matches!(t, Tok::Op("(")) as i32 - matches!(t, Tok::Op(")")) as i32).sum();
            if depth == 0 {
                return Ok(Opd::Mem(imm(asm, pre)?, x));
            }
        }
    }
    Ok(Opd::Imm(imm(asm, toks)?))
}
