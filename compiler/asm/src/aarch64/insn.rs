//! A64 instructions: mnemonic + operands to a 32-bit word and at most one fixup.
//! Base integer instructions live here; FP/SIMD in `insn/fp.rs` and `insn/simd.rs`.

use super::operand::{parse_operands, Gpr, Imm, Index, Mem, Opd};
use super::reloc::*;
use crate::assembler::{Assembler, Emit};
use crate::expr::Expr;
use crate::lex::Tok;
use crate::section::{FixKind, Fixup};

mod fp;
mod simd;

/// One encoded instruction.
pub(super) struct Out {
    word: u32,
    fix: Option<(u32, Expr)>,
}

impl Out {
    fn w(word: u32) -> Out {
        Out { word, fix: None }
    }
}

pub(super) type R = Result<Out, String>;

pub fn assemble(asm: &mut Assembler, mnem: &str, toks: &[Tok]) -> Result<(), String> {
    asm.map_insn();
    let toks = asm.with_reg_aliases(toks).into_owned();
    let ops = parse_operands(asm, &toks)?;
    // Lone identifiers, kept because a register name is a symbol where an address is expected.
    let raw = super::operand::split_operands(&toks)
        .into_iter()
        .map(|t| match t {
            [Tok::Ident(n)] => Some(n.clone()),
            _ => None,
        })
        .collect();
    let mut c = Ctx { asm, ops, raw };
    let out = match c.base(mnem)? {
        Some(o) => o,
        None => match fp::encode(&mut c, mnem)? {
            Some(o) => o,
            None => match simd::encode(&mut c, mnem)? {
                Some(o) => o,
                None => return Err(format!("unknown mnemonic `{mnem}' -- `{mnem} {}'", crate::directives::toks_text(&toks))),
            },
        },
    };
    emit(c.asm, out);
    Ok(())
}

fn emit(asm: &mut Assembler, out: Out) {
    let fixups = match out.fix {
        Some((t, expr)) => vec![Fixup { at: 0, size: 4, expr, modifier: None, kind: FixKind::Insn(t), pc_adjust: 0 }],
        None => Vec::new(),
    };
    asm.emit(Emit { bytes: out.word.to_le_bytes().to_vec(), fixups });
}

/// `.inst expr, ...`: raw instruction words (code, so `$x`).
pub fn inst_directive(asm: &mut Assembler, args: &[Tok]) -> Result<(), String> {
    asm.map_insn();
    for t in crate::lex::split_commas(args) {
        let v = asm.const_expr(t)?;
        emit(asm, Out::w(v as u32));
    }
    Ok(())
}

/// `.tlsdesccall sym`: an R_AARCH64_TLSDESC_CALL at the next instruction (the `blr`).
pub fn tlsdesccall(asm: &mut Assembler, args: &[Tok]) -> Result<(), String> {
    let e = asm.parse_expr(args)?;
    asm.emit(Emit { bytes: Vec::new(), fixups: vec![Fixup { at: 0, size: 0, expr: e.expr, modifier: None, kind: FixKind::Insn(TLSDESC_CALL), pc_adjust: 0 }] });
    Ok(())
}

/// Write a value resolved by the assembler into an instruction field.
pub fn patch(t: u32, field: &mut [u8], v: i64) -> Result<(), String> {
    if field.len() != 4 {
        return Err(format!("relocation {t} cannot be resolved by the assembler"));
    }
    let mut w = u32::from_le_bytes([field[0], field[1], field[2], field[3]]);
    let range = |bits: u32, what: &str| -> Result<u32, String> {
        if v & 3 != 0 {
            return Err(format!("{what} target not word aligned"));
        }
        let x = v >> 2;
        if x < -(1 << (bits - 1)) || x >= 1 << (bits - 1) {
            return Err(format!("{what} out of range"));
        }
        Ok((x as u32) & ((1 << bits) - 1))
    };
    match t {
        JUMP26 | CALL26 => w |= range(26, "branch")?,
        CONDBR19 | LD_PREL_LO19 => w |= range(19, "conditional branch")? << 5,
        TSTBR14 => w |= range(14, "test and branch")? << 5,
        ADR_PREL_LO21 => {
            if !(-(1 << 20)..1 << 20).contains(&v) {
                return Err("immediate out of range".into());
            }
            w |= ((v as u32) & 3) << 29 | (((v >> 2) as u32) & 0x7ffff) << 5;
        }
        ADD_ABS_LO12_NC => w |= ((v as u32) & 0xfff) << 10,
        LDST8_ABS_LO12_NC => w |= ((v as u32) & 0xfff) << 10,
        LDST16_ABS_LO12_NC => w |= (((v as u32) & 0xfff) >> 1) << 10,
        LDST32_ABS_LO12_NC => w |= (((v as u32) & 0xfff) >> 2) << 10,
        LDST64_ABS_LO12_NC => w |= (((v as u32) & 0xfff) >> 3) << 10,
        LDST128_ABS_LO12_NC => w |= (((v as u32) & 0xfff) >> 4) << 10,
        MOVW_UABS_G0 | MOVW_UABS_G0_NC => w |= ((v as u32) & 0xffff) << 5,
        MOVW_UABS_G1 | MOVW_UABS_G1_NC => w |= (((v >> 16) as u32) & 0xffff) << 5,
        MOVW_UABS_G2 | MOVW_UABS_G2_NC => w |= (((v >> 32) as u32) & 0xffff) << 5,
        MOVW_UABS_G3 => w |= (((v >> 48) as u32) & 0xffff) << 5,
        // Signed groups: a negative value turns `movz` into `movn` of its complement.
        MOVW_SABS_G0 | MOVW_SABS_G1 | MOVW_SABS_G2 => {
            let shift = 16 * (t - MOVW_SABS_G0);
            let v = if v < 0 {
                w &= !(1 << 30);
                !v
            } else {
                w |= 1 << 30;
                v
            };
            w |= (((v >> shift) as u32) & 0xffff) << 5;
        }
        _ => return Err(format!("relocation {t} cannot be resolved by the assembler")),
    }
    field.copy_from_slice(&w.to_le_bytes());
    Ok(())
}

pub(super) const CONDS: [&str; 16] = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"];

pub(super) fn cond(s: &str) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    match s.as_str() {
        "hs" => Some(2),
        "lo" => Some(3),
        _ => CONDS.iter().position(|c| *c == s).map(|i| i as u32),
    }
}

pub(super) struct Ctx<'a, 'b> {
    pub asm: &'a mut Assembler<'b>,
    pub ops: Vec<Opd>,
    raw: Vec<Option<String>>,
}

fn sf(g: Gpr) -> u32 {
    (g.x as u32) << 31
}

/// Logical (bitmask) immediate: (N, immr, imms), or None when not encodable.
pub(super) fn bitmask(imm: u64, x: bool) -> Option<(u32, u32, u32)> {
    let imm = if x { imm } else { (imm & 0xffff_ffff) | (imm << 32) };
    if imm == 0 || imm == u64::MAX {
        return None;
    }
    let mut size = 64u32;
    while size > 2 {
        let half = size / 2;
        let mask = (1u64 << half) - 1;
        if imm & mask != (imm >> half) & mask {
            break;
        }
        size = half;
    }
    let mask = if size == 64 { u64::MAX } else { (1u64 << size) - 1 };
    let elt = imm & mask;
    let ones = elt.count_ones();
    let pattern = if ones == 64 { u64::MAX } else { (1u64 << ones) - 1 };
    let ror = |v: u64, r: u32| if r == 0 { v } else { ((v >> r) | (v << (size - r))) & mask };
    let r = (0..size).find(|&r| ror(pattern, r) == elt)?;
    if !x && size == 64 {
        return None;
    }
    let imms = ((!(size - 1) << 1) & 0x3f) | (ones - 1);
    Some(((size == 64) as u32, r, imms))
}

impl Ctx<'_, '_> {
    pub fn n(&self) -> usize {
        self.ops.len()
    }

    pub fn want(&self, n: usize) -> Result<(), String> {
        if self.ops.len() == n {
            Ok(())
        } else {
            Err(format!("expected {n} operands"))
        }
    }

    pub fn r(&self, i: usize) -> Result<Gpr, String> {
        match self.ops.get(i) {
            Some(Opd::R(g)) => Ok(*g),
            _ => Err(format!("operand {}: integer register expected", i + 1)),
        }
    }

    /// A register that must not be `sp`.
    pub fn rz(&self, i: usize) -> Result<Gpr, String> {
        let g = self.r(i)?;
        if g.sp {
            return Err(format!("operand {}: stack pointer register not allowed", i + 1));
        }
        Ok(g)
    }

    /// An immediate or bare symbol operand as an expression.
    pub fn imm(&mut self, i: usize) -> Result<Imm, String> {
        match self.ops.get(i).cloned() {
            Some(Opd::Imm(m)) => Ok(m),
            // `cbnz x9, .`: the location counter, not a symbol named `.`.
            Some(Opd::Name(n)) if n == "." => Ok(Imm { expr: self.asm.parse_expr(&[Tok::Ident(n)])?.expr, reloc: None }),
            Some(Opd::Name(n)) => Ok(Imm { expr: Expr::Sym(self.asm.intern(&n)), reloc: None }),
            Some(Opd::R(_) | Opd::F(..) | Opd::V(..)) if self.raw.len() == self.ops.len() && self.raw[i].is_some() => {
                let n = self.raw[i].clone().unwrap_or_default();
                Ok(Imm { expr: Expr::Sym(self.asm.intern(&n)), reloc: None })
            }
            _ => Err(format!("operand {}: immediate expected", i + 1)),
        }
    }

    /// A constant immediate.
    pub fn cimm(&mut self, i: usize) -> Result<i64, String> {
        let m = self.imm(i)?;
        if m.reloc.is_some() {
            return Err(format!("operand {}: relocation not allowed here", i + 1));
        }
        self.asm.try_const(&m.expr)?.ok_or_else(|| format!("operand {}: constant expression required", i + 1))
    }

    fn is_imm(&self, i: usize) -> bool {
        matches!(self.ops.get(i), Some(Opd::Imm(_)))
    }

    fn shift(&self, i: usize) -> Option<(String, Option<i64>)> {
        match self.ops.get(i) {
            Some(Opd::Shift(s, a)) => Some((s.clone(), *a)),
            _ => None,
        }
    }

    pub fn name(&self, i: usize) -> Option<String> {
        match self.ops.get(i) {
            Some(Opd::Name(n)) => Some(n.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// A constant, or the value/fixup of a relocatable expression for instruction type `t`.
    fn fixed(&mut self, word: u32, m: Imm, t: u32) -> R {
        match self.asm.try_const(&m.expr)? {
            Some(v) if m.reloc.is_none() && !crate::Arch::insn_fix(&super::Aarch64, t).pcrel => {
                let mut b = word.to_le_bytes();
                patch(t, &mut b, v)?;
                Ok(Out::w(u32::from_le_bytes(b)))
            }
            _ => Ok(Out { word, fix: Some((t, m.expr)) }),
        }
    }

    pub fn base(&mut self, m: &str) -> Result<Option<Out>, String> {
        // Vector operands: the SIMD encoder's.
        if matches!(self.ops.first(), Some(Opd::V(..) | Opd::E(..) | Opd::List(..))) {
            return Ok(None);
        }
        // A scalar FP/SIMD register first: only loads and stores are here.
        // (Branches take a symbol first, which may be named like a register: `bl h1`.)
        let branch = matches!(m, "b" | "bl") || m.starts_with("b.") || (m.len() == 3 && m.starts_with('b') && cond(&m[1..]).is_some());
        if matches!(self.ops.first(), Some(Opd::F(..))) && !branch && !matches!(m, "ldr" | "str" | "ldur" | "stur" | "ldp" | "stp" | "ldnp" | "stnp") {
            return Ok(None);
        }
        let o = match m {
            "nop" => Out::w(NOP_W),
            "yield" => Out::w(NOP_W | 1 << 5),
            "wfe" => Out::w(NOP_W | 2 << 5),
            "wfi" => Out::w(NOP_W | 3 << 5),
            "sev" => Out::w(NOP_W | 4 << 5),
            "sevl" => Out::w(NOP_W | 5 << 5),
            "hint" => {
                let v = self.cimm(0)?;
                Out::w(NOP_W | ((v as u32 & 0x7f) << 5))
            }
            "paciasp" => Out::w(0xd503233f),
            "autiasp" => Out::w(0xd50323bf),
            "pacibsp" => Out::w(0xd503237f),
            "autibsp" => Out::w(0xd50323ff),
            "xpaclri" => Out::w(0xd50320ff),
            "bti" => {
                let t = match self.name(0).as_deref() {
                    None => 0,
                    Some("c") => 1,
                    Some("j") => 2,
                    Some("jc") => 3,
                    _ => return Err("bad bti target".into()),
                };
                Out::w(0xd503241f | t << 6)
            }
            "dmb" | "dsb" | "isb" => self.barrier(m)?,
            "brk" | "svc" | "hvc" | "smc" | "hlt" | "udf" => {
                let v = if self.n() == 0 { 0 } else { self.cimm(0)? } as u32 & 0xffff;
                Out::w(match m {
                    "brk" => 0xd4200000,
                    "svc" => 0xd4000001,
                    "hvc" => 0xd4000002,
                    "smc" => 0xd4000003,
                    "hlt" => 0xd4400000,
                    _ => return Ok(Some(Out::w(v))),
                } | v << 5)
            }
            "clrex" => Out::w(0xd503305f | (if self.n() == 1 { self.cimm(0)? as u32 & 15 } else { 15 }) << 8),
            "mrs" => {
                let rt = self.rz(0)?;
                let sr = self.sysreg(1)?;
                Out::w(0xd5200000 | sr << 5 | rt.n as u32)
            }
            "msr" => self.msr()?,
            "sys" | "dc" | "ic" | "tlbi" | "at" => self.sys(m)?,
            "eret" | "drps" => {
                self.want(0)?;
                Out::w(if m == "eret" { 0xd69f03e0 } else { 0xd6bf03e0 })
            }
            "crc32b" | "crc32h" | "crc32w" | "crc32x" | "crc32cb" | "crc32ch" | "crc32cw" | "crc32cx" => self.crc32(m)?,
            "ret" => {
                let rn = if self.n() == 0 { 30 } else { self.rz(0)?.n as u32 };
                Out::w(0xd65f0000 | rn << 5)
            }
            "br" => Out::w(0xd61f0000 | (self.rz(0)?.n as u32) << 5),
            "blr" => Out::w(0xd63f0000 | (self.rz(0)?.n as u32) << 5),
            "b" | "bl" => {
                let t = self.imm(0)?;
                self.want(1)?;
                let (word, rt) = if m == "b" { (0x14000000, JUMP26) } else { (0x94000000, CALL26) };
                Out { word, fix: Some((rt, t.expr)) }
            }
            "cbz" | "cbnz" => {
                let rt = self.rz(0)?;
                let t = self.imm(1)?;
                Out { word: 0x34000000 | sf(rt) | ((m == "cbnz") as u32) << 24 | rt.n as u32, fix: Some((CONDBR19, t.expr)) }
            }
            "tbz" | "tbnz" => {
                let rt = self.rz(0)?;
                let bit = self.cimm(1)? as u32;
                if bit >= if rt.x { 64 } else { 32 } {
                    return Err("bit number out of range".into());
                }
                let t = self.imm(2)?;
                Out { word: 0x36000000 | (bit >> 5) << 31 | ((m == "tbnz") as u32) << 24 | (bit & 31) << 19 | rt.n as u32, fix: Some((TSTBR14, t.expr)) }
            }
            "adr" | "adrp" => {
                let rd = self.rz(0)?;
                if !rd.x {
                    return Err("operand 1: 64-bit integer register expected".into());
                }
                let t = self.imm(1)?;
                let word = if m == "adr" { 0x10000000 } else { 0x90000000 } | rd.n as u32;
                let rt = match (m, t.reloc.as_deref()) {
                    ("adr", None) => ADR_PREL_LO21,
                    ("adrp", None | Some("pg_hi21")) => ADR_PREL_PG_HI21,
                    ("adrp", Some("pg_hi21_nc")) => ADR_PREL_PG_HI21_NC,
                    ("adrp", Some("got")) => ADR_GOT_PAGE,
                    ("adrp", Some("gottprel")) => TLSIE_ADR_GOTTPREL_PAGE21,
                    ("adrp", Some("tlsdesc")) => TLSDESC_ADR_PAGE21,
                    ("adrp", Some("tlsgd")) => TLSGD_ADR_PAGE21,
                    (_, r) => return Err(format!("relocation specifier `{}' not valid here", r.unwrap_or(""))),
                };
                Out { word, fix: Some((rt, t.expr)) }
            }
            "add" | "adds" | "sub" | "subs" => self.addsub(m)?,
            "cmp" | "cmn" => {
                let rn = self.r(0)?;
                self.raw.insert(0, None);
                self.ops.insert(0, Opd::R(Gpr { n: 31, x: rn.x, sp: false }));
                self.addsub(if m == "cmp" { "subs" } else { "adds" })?
            }
            "neg" | "negs" => {
                let rd = self.r(0)?;
                self.raw.insert(1, None);
                self.ops.insert(1, Opd::R(Gpr { n: 31, x: rd.x, sp: false }));
                self.addsub(if m == "neg" { "sub" } else { "subs" })?
            }
            "and" | "orr" | "eor" | "ands" | "bic" | "orn" | "eon" | "bics" => self.logical(m)?,
            "tst" => {
                let rn = self.r(0)?;
                self.raw.insert(0, None);
                self.ops.insert(0, Opd::R(Gpr { n: 31, x: rn.x, sp: false }));
                self.logical("ands")?
            }
            "mvn" => {
                let rd = self.r(0)?;
                self.raw.insert(1, None);
                self.ops.insert(1, Opd::R(Gpr { n: 31, x: rd.x, sp: false }));
                self.logical("orn")?
            }
            "mov" => match self.mov()? {
                Some(o) => o,
                None => return Ok(None),
            },
            "movz" | "movn" | "movk" => self.movw(m)?,
            "lsl" | "lsr" | "asr" | "ror" => self.shift_insn(m)?,
            "lslv" | "lsrv" | "asrv" | "rorv" => {
                let op2 = ["lslv", "lsrv", "asrv", "rorv"].iter().position(|x| *x == m).unwrap_or(0) as u32;
                self.rrr(0x1ac02000 | op2 << 10)?
            }
            "sbfm" | "bfm" | "ubfm" => {
                let (rd, rn) = (self.rz(0)?, self.rz(1)?);
                let (immr, imms) = (self.cimm(2)? as u32, self.cimm(3)? as u32);
                self.bfm(m, rd, rn, immr, imms)?
            }
            "sbfx" | "ubfx" | "bfxil" | "sbfiz" | "ubfiz" | "bfi" | "bfc" => self.bitfield(m)?,
            "sxtb" | "sxth" | "sxtw" | "uxtb" | "uxth" => {
                let (rd, rn) = (self.rz(0)?, self.rz(1)?);
                let imms = match &m[3..] {
                    "b" => 7,
                    "h" => 15,
                    _ => 31,
                };
                let kind = if m.starts_with('s') { "sbfm" } else { "ubfm" };
                let rd = if kind == "ubfm" { Gpr { x: false, ..rd } } else { rd };
                self.bfm(kind, rd, Gpr { x: rd.x, ..rn }, 0, imms)?
            }
            // `uxtw xd, wn` is GNU's alias of `mov wd, wn`.
            "uxtw" => {
                let (rd, rn) = (self.rz(0)?, self.rz(1)?);
                Out::w(0x2a0003e0 | (rn.n as u32) << 16 | rd.n as u32)
            }
            "extr" => {
                let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
                let lsb = self.cimm(3)? as u32;
                Out::w(0x13800000 | sf(rd) | (rd.x as u32) << 22 | (rm.n as u32) << 16 | lsb << 10 | (rn.n as u32) << 5 | rd.n as u32)
            }
            "madd" | "msub" => {
                let ra = self.rz(3)?;
                self.rrr(0x1b000000 | ((m == "msub") as u32) << 15 | (ra.n as u32) << 10)?
            }
            "mul" | "mneg" => self.rrr(0x1b000000 | ((m == "mneg") as u32) << 15 | 31 << 10)?,
            "smaddl" | "umaddl" | "smsubl" | "umsubl" | "smull" | "umull" | "smnegl" | "umnegl" => {
                if let Some(Opd::V(..)) = self.ops.first() {
                    return Ok(None);
                }
                let u = m.starts_with('u') as u32;
                let sub = m.contains("sub") || m.contains("neg");
                let ra = if self.n() == 4 { self.rz(3)?.n as u32 } else { 31 };
                let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
                Out::w(0x9b200000 | u << 23 | (rm.n as u32) << 16 | (sub as u32) << 15 | ra << 10 | (rn.n as u32) << 5 | rd.n as u32)
            }
            "smulh" | "umulh" => {
                let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
                Out::w(0x9b407c00 | ((m == "umulh") as u32) << 23 | (rm.n as u32) << 16 | (rn.n as u32) << 5 | rd.n as u32)
            }
            "udiv" | "sdiv" => self.rrr(0x1ac00800 | ((m == "sdiv") as u32) << 10)?,
            "rbit" | "rev16" | "rev32" | "rev" | "clz" | "cls" | "rev64" => {
                if let Some(Opd::V(..)) = self.ops.first() {
                    return Ok(None);
                }
                let (rd, rn) = (self.rz(0)?, self.rz(1)?);
                let opc = match m {
                    "rbit" => 0,
                    "rev16" => 1,
                    "rev32" => 2,
                    "rev" => 2 + rd.x as u32,
                    "rev64" => 3,
                    "clz" => 4,
                    _ => 5,
                };
                Out::w(0x5ac00000 | sf(rd) | opc << 10 | (rn.n as u32) << 5 | rd.n as u32)
            }
            "csel" | "csinc" | "csinv" | "csneg" => {
                let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
                let c = self.cond_op(3)?;
                self.csel(m, rd, rn, rm, c)
            }
            "cset" | "csetm" => {
                let rd = self.rz(0)?;
                let c = self.cond_op(1)?;
                let z = Gpr { n: 31, x: rd.x, sp: false };
                self.csel(if m == "cset" { "csinc" } else { "csinv" }, rd, z, z, c ^ 1)
            }
            "cinc" | "cinv" | "cneg" => {
                let (rd, rn) = (self.rz(0)?, self.rz(1)?);
                let c = self.cond_op(2)?;
                let k = match m {
                    "cinc" => "csinc",
                    "cinv" => "csinv",
                    _ => "csneg",
                };
                self.csel(k, rd, rn, rn, c ^ 1)
            }
            "ccmp" | "ccmn" => {
                let rn = self.rz(0)?;
                let nzcv = self.cimm(2)? as u32 & 15;
                let c = self.cond_op(3)?;
                let base = if m == "ccmp" { 0x7a400000 } else { 0x3a400000 } | sf(rn) | c << 12 | (rn.n as u32) << 5 | nzcv;
                if self.is_imm(1) {
                    let v = self.cimm(1)? as u32;
                    Out::w(base | 1 << 11 | (v & 31) << 16)
                } else {
                    Out::w(base | (self.rz(1)?.n as u32) << 16)
                }
            }
            "adc" | "adcs" | "sbc" | "sbcs" => {
                let op = (m.starts_with('s') as u32) << 30 | (m.ends_with('s') as u32) << 29;
                self.rrr(0x1a000000 | op)?
            }
            "ngc" | "ngcs" => {
                let rd = self.rz(0)?;
                self.raw.insert(1, None);
                self.ops.insert(1, Opd::R(Gpr { n: 31, x: rd.x, sp: false }));
                self.rrr(0x5a000000 | ((m == "ngcs") as u32) << 29)?
            }
            _ => {
                if let Some(c) = m.strip_prefix("b.").and_then(cond).or_else(|| m.strip_prefix('b').filter(|s| s.len() == 2).and_then(cond)) {
                    let t = self.imm(0)?;
                    return Ok(Some(Out { word: 0x54000000 | c, fix: Some((CONDBR19, t.expr)) }));
                }
                return self.mem_insn(m);
            }
        };
        Ok(Some(o))
    }

    pub fn cond_op(&self, i: usize) -> Result<u32, String> {
        self.name(i).and_then(|s| cond(&s)).ok_or_else(|| format!("operand {}: condition expected", i + 1))
    }

    fn csel(&self, m: &str, rd: Gpr, rn: Gpr, rm: Gpr, c: u32) -> Out {
        let (op, o2) = match m {
            "csel" => (0, 0),
            "csinc" => (0, 1),
            "csinv" => (1, 0),
            _ => (1, 1),
        };
        Out::w(0x1a800000 | sf(rd) | op << 30 | (rm.n as u32) << 16 | c << 12 | o2 << 10 | (rn.n as u32) << 5 | rd.n as u32)
    }

    /// Three registers Rd, Rn, Rm.
    fn rrr(&self, base: u32) -> R {
        let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
        Ok(Out::w(base | sf(rd) | (rm.n as u32) << 16 | (rn.n as u32) << 5 | rd.n as u32))
    }

    fn barrier(&mut self, m: &str) -> R {
        let opt = if self.n() == 0 {
            15
        } else if let Some(n) = self.name(0) {
            match n.as_str() {
                "sy" => 15,
                "st" => 14,
                "ld" => 13,
                "ish" => 11,
                "ishst" => 10,
                "ishld" => 9,
                "nsh" => 7,
                "nshst" => 6,
                "nshld" => 5,
                "osh" => 3,
                "oshst" => 2,
                "oshld" => 1,
                _ => return Err(format!("unknown barrier option `{n}'")),
            }
        } else {
            self.cimm(0)? as u32 & 15
        };
        let base = match m {
            "dsb" => 0xd503309f,
            "dmb" => 0xd50330bf,
            _ => 0xd50330df,
        };
        Ok(Out::w(base | opt << 8))
    }

    /// `crc32{c}{b,h,w,x} wd, wn, {w,x}m`: the size from the suffix, `x` taking an X source.
    fn crc32(&mut self, m: &str) -> R {
        self.want(3)?;
        let c = m.starts_with("crc32c") as u32;
        let sz = match m.as_bytes()[m.len() - 1] {
            b'b' => 0,
            b'h' => 1,
            b'w' => 2,
            _ => 3,
        };
        let (rd, rn, rm) = (self.rz(0)?, self.rz(1)?, self.rz(2)?);
        if rd.x || rn.x || rm.x != (sz == 3) {
            return Err(format!("operand mismatch -- `{m}'"));
        }
        Ok(Out::w(((sz == 3) as u32) << 31 | 0x1ac04000 | (rm.n as u32) << 16 | c << 12 | sz << 10 | (rn.n as u32) << 5 | rd.n as u32))
    }

    /// System register operand: by name or `s<op0>_<op1>_c<n>_c<m>_<op2>`; the 15-bit field.
    fn sysreg(&self, i: usize) -> Result<u32, String> {
        self.name(i)
            .and_then(|n| super::sysreg::sysreg(&n))
            .ok_or_else(|| format!("unknown or missing system register name at operand {}", i + 1))
    }

    /// `sys #op1, Cn, Cm, #op2[, Xt]` and its aliases `dc`, `ic`, `at`, `tlbi` (named
    /// operation, then the register if the operation takes one).
    fn sys(&mut self, m: &str) -> R {
        use super::sysreg::Rt;
        let (fields, rt_at, rt) = if m == "sys" {
            let cr = |c: &Self, i: usize| {
                c.name(i).and_then(|n| n.strip_prefix('c').and_then(|v| v.parse::<u32>().ok())).filter(|v| *v < 16).ok_or_else(|| format!("operand {}: C0 - C15 expected", i + 1))
            };
            let (op1, crn, crm, op2) = (self.cimm(0)? as u32, cr(self, 1)?, cr(self, 2)?, self.cimm(3)? as u32);
            if op1 > 7 || op2 > 7 {
                return Err("immediate out of range".into());
            }
            (op1 << 16 | crn << 12 | crm << 8 | op2 << 5, 4, if self.n() > 4 { Rt::Needed } else { Rt::None })
        } else {
            let op = self.name(0).ok_or_else(|| format!("operand 1: unknown or missing operation name for `{m}'"))?;
            let (f, rt) = super::sysreg::sys_alias(m, &op).ok_or_else(|| format!("operand 1: unknown or missing operation name `{op}'"))?;
            (f, 1, rt)
        };
        let reg = match rt {
            Rt::Needed => {
                self.want(rt_at + 1)?;
                let r = self.rz(rt_at)?;
                if !r.x {
                    return Err(format!("operand {}: 64-bit integer register expected", rt_at + 1));
                }
                r.n as u32
            }
            Rt::None => {
                self.want(rt_at)?;
                31
            }
        };
        Ok(Out::w(0xd5080000 | fields | reg))
    }

    fn msr(&mut self) -> R {
        // PSTATE fields take an immediate.
        let pstate = match self.name(0).as_deref() {
            Some("spsel") => Some((0, 5)),
            Some("daifset") => Some((3, 6)),
            Some("daifclr") => Some((3, 7)),
            Some("pan") => Some((0, 4)),
            Some("uao") => Some((0, 3)),
            _ => None,
        };
        if let (Some((op1, op2)), true) = (pstate, self.is_imm(1)) {
            let v = self.cimm(1)? as u32 & 15;
            return Ok(Out::w(0xd500401f | op1 << 16 | v << 8 | op2 << 5));
        }
        let sr = self.sysreg(0)?;
        let rt = self.rz(1)?;
        Ok(Out::w(0xd5000000 | sr << 5 | rt.n as u32))
    }

    /// add/sub in all forms (immediate, shifted register, extended register).
    fn addsub(&mut self, m: &str) -> R {
        let op = (m.starts_with("sub") as u32) << 30;
        let s = (m.ends_with('s')) as u32;
        let rd = self.r(0)?;
        let rn = self.r(1)?;
        if self.is_imm(2) || matches!(self.ops.get(2), Some(Opd::Name(_))) {
            let t = self.imm(2)?;
            let mut sh = match self.shift(3) {
                Some((k, Some(12))) if k == "lsl" => 1,
                Some((k, Some(0))) if k == "lsl" => 0,
                None => 0,
                _ => return Err("shift amount must be 0 or 12".into()),
            };
            if rn.n == 31 && !rn.sp || (s == 0 && rd.n == 31 && !rd.sp) {
                return Err("operand 1: integer register expected (not zr)".into());
            }
            let base = 0x11000000 | sf(rd) | s << 29 | (rn.n as u32) << 5 | rd.n as u32;
            if let Some(r) = &t.reloc {
                let rt = match r.as_str() {
                    "lo12" => ADD_ABS_LO12_NC,
                    "tprel_hi12" => TLSLE_ADD_TPREL_HI12,
                    "tprel_lo12" => TLSLE_ADD_TPREL_LO12,
                    "tprel_lo12_nc" => TLSLE_ADD_TPREL_LO12_NC,
                    "tlsdesc_lo12" => TLSDESC_ADD_LO12,
                    "tlsgd_lo12" => TLSGD_ADD_LO12_NC,
                    _ => return Err(format!("relocation specifier `{r}' not valid here")),
                };
                return Ok(Out { word: base | op | sh << 22, fix: Some((rt, t.expr)) });
            }
            let Some(mut v) = self.asm.try_const(&t.expr)? else {
                return Ok(Out { word: base | op, fix: Some((ADD_ABS_LO12_NC, t.expr)) });
            };
            let mut op = op;
            // GNU as turns `add x0, x1, #-8` into `sub x0, x1, #8` (and back).
            if v < 0 {
                v = -v;
                op ^= 1 << 30;
            }
            if sh == 0 && v > 0xfff && v & 0xfff == 0 && v >> 12 <= 0xfff {
                v >>= 12;
                sh = 1;
            }
            if v > 0xfff {
                return Err(format!("immediate out of range"));
            }
            return Ok(Out::w(base | op | sh << 22 | (v as u32) << 10));
        }
        let rm = self.r(2)?;
        let ext = self.shift(3);
        let is_ext = ext.as_ref().is_some_and(|e| e.0.starts_with('u') || e.0.starts_with('s')) || rd.sp && s == 0 || rn.sp || (rd.x && !rm.x);
        if is_ext {
            let (kind, amt) = ext.unwrap_or_else(|| ("lsl".into(), None));
            let option = match kind.as_str() {
                "uxtb" => 0,
                "uxth" => 1,
                "uxtw" => 2,
                "uxtx" => 3,
                "sxtb" => 4,
                "sxth" => 5,
                "sxtw" => 6,
                "sxtx" => 7,
                "lsl" => 2 + rd.x as u32,
                _ => return Err(format!("invalid extend `{kind}'")),
            };
            let amt = amt.unwrap_or(0) as u32;
            if amt > 4 {
                return Err("shift amount out of range 0 to 4".into());
            }
            return Ok(Out::w(0x0b200000 | sf(rd) | op | s << 29 | (rm.n as u32) << 16 | option << 13 | amt << 10 | (rn.n as u32) << 5 | rd.n as u32));
        }
        let (sh, amt) = self.reg_shift(3, rd.x, false)?;
        Ok(Out::w(0x0b000000 | sf(rd) | op | s << 29 | sh << 22 | (rm.n as u32) << 16 | amt << 10 | (rn.n as u32) << 5 | rd.n as u32))
    }

    /// Optional `lsl/lsr/asr[/ror] #n` of a shifted-register operand.
    fn reg_shift(&self, i: usize, x: bool, ror: bool) -> Result<(u32, u32), String> {
        let Some((k, a)) = self.shift(i) else { return Ok((0, 0)) };
        let sh = match k.as_str() {
            "lsl" => 0,
            "lsr" => 1,
            "asr" => 2,
            "ror" if ror => 3,
            _ => return Err(format!("invalid shift `{k}'")),
        };
        let a = a.unwrap_or(0);
        if a < 0 || a >= if x { 64 } else { 32 } {
            return Err("shift amount out of range".into());
        }
        Ok((sh, a as u32))
    }

    fn logical(&mut self, m: &str) -> R {
        if let Some(Opd::V(..)) = self.ops.first() {
            return simd::logical(self, m);
        }
        let (opc, n) = match m {
            "and" => (0, 0),
            "bic" => (0, 1),
            "orr" => (1, 0),
            "orn" => (1, 1),
            "eor" => (2, 0),
            "eon" => (2, 1),
            "ands" => (3, 0),
            _ => (3, 1),
        };
        let rd = self.r(0)?;
        let rn = self.rz(1)?;
        if self.is_imm(2) {
            let mut v = self.cimm(2)? as u64;
            if n == 1 {
                v = !v;
            }
            let (nb, immr, imms) = bitmask(v, rd.x).ok_or_else(|| format!("immediate out of range at operand 3 -- `{m}'"))?;
            return Ok(Out::w(0x12000000 | sf(rd) | opc << 29 | nb << 22 | immr << 16 | imms << 10 | (rn.n as u32) << 5 | rd.n as u32));
        }
        let rm = self.rz(2)?;
        let (sh, amt) = self.reg_shift(3, rd.x, true)?;
        Ok(Out::w(0x0a000000 | sf(rd) | opc << 29 | sh << 22 | n << 21 | (rm.n as u32) << 16 | amt << 10 | (rn.n as u32) << 5 | rd.n as u32))
    }

    /// `mov` in all its alias forms; None when it is a SIMD form (handled there).
    fn mov(&mut self) -> Result<Option<Out>, String> {
        self.want(2)?;
        match (&self.ops[0], &self.ops[1]) {
            (Opd::R(rd), Opd::R(rn)) => {
                let (rd, rn) = (*rd, *rn);
                if rd.sp || rn.sp {
                    return Ok(Some(Out::w(0x11000000 | sf(rd) | (rn.n as u32) << 5 | rd.n as u32)));
                }
                Ok(Some(Out::w(0x2a0003e0 | sf(rd) | (rn.n as u32) << 16 | rd.n as u32)))
            }
            (Opd::R(rd), Opd::Imm(_)) => {
                let rd = *rd;
                let t = self.imm(1)?;
                if t.reloc.is_some() {
                    self.ops[0] = Opd::R(rd);
                    return Ok(Some(self.movw("movz")?));
                }
                let v = self.asm.try_const(&t.expr)?.ok_or("constant expression required")?;
                Ok(Some(mov_imm(rd, v).ok_or_else(|| format!("immediate cannot be moved by a single instruction"))?))
            }
            _ => Ok(None),
        }
    }

    fn movw(&mut self, m: &str) -> R {
        let rd = self.rz(0)?;
        let opc = match m {
            "movn" => 0,
            "movz" => 2,
            _ => 3,
        };
        let t = self.imm(1)?;
        let mut hw = match self.shift(2) {
            Some((k, Some(a))) if k == "lsl" && a % 16 == 0 && a < if rd.x { 64 } else { 32 } => (a / 16) as u32,
            None => 0,
            _ => return Err("invalid shift for move wide".into()),
        };
        let base = 0x12800000 | sf(rd) | opc << 29 | rd.n as u32;
        if let Some(r) = &t.reloc {
            let (rt, h) = match r.as_str() {
                "abs_g0" => (MOVW_UABS_G0, 0),
                "abs_g0_nc" => (MOVW_UABS_G0_NC, 0),
                "abs_g1" => (MOVW_UABS_G1, 1),
                "abs_g1_nc" => (MOVW_UABS_G1_NC, 1),
                "abs_g2" => (MOVW_UABS_G2, 2),
                "abs_g2_nc" => (MOVW_UABS_G2_NC, 2),
                "abs_g3" => (MOVW_UABS_G3, 3),
                "abs_g0_s" => (MOVW_SABS_G0, 0),
                "abs_g1_s" => (MOVW_SABS_G1, 1),
                "abs_g2_s" => (MOVW_SABS_G2, 2),
                "tprel_g2" => (TLSLE_MOVW_TPREL_G2, 2),
                "tprel_g1" => (TLSLE_MOVW_TPREL_G1, 1),
                "tprel_g1_nc" => (TLSLE_MOVW_TPREL_G1_NC, 1),
                "tprel_g0" => (TLSLE_MOVW_TPREL_G0, 0),
                "tprel_g0_nc" => (TLSLE_MOVW_TPREL_G0_NC, 0),
                _ => return Err(format!("relocation specifier `{r}' not valid here")),
            };
            hw = h;
            return self.fixed(base | hw << 21, t, rt);
        }
        let v = self.asm.try_const(&t.expr)?.ok_or("constant expression required")?;
        if !(0..=0xffff).contains(&v) {
            return Err("immediate value out of range 0 to 65535".into());
        }
        Ok(Out::w(base | hw << 21 | (v as u32) << 5))
    }

    fn bfm(&self, m: &str, rd: Gpr, rn: Gpr, immr: u32, imms: u32) -> R {
        let opc = match m {
            "sbfm" => 0,
            "bfm" => 1,
            _ => 2,
        };
        Ok(Out::w(0x13000000 | sf(rd) | opc << 29 | (rd.x as u32) << 22 | immr << 16 | imms << 10 | (rn.n as u32) << 5 | rd.n as u32))
    }

    fn bitfield(&mut self, m: &str) -> R {
        let rd = self.rz(0)?;
        let (rn, li) = if m == "bfc" { (Gpr { n: 31, x: rd.x, sp: false }, 1) } else { (self.rz(1)?, 2) };
        let lsb = self.cimm(li)?;
        let width = self.cimm(li + 1)?;
        let size = if rd.x { 64 } else { 32 };
        if lsb < 0 || width < 1 || lsb + width > size {
            return Err("bit-field out of range".into());
        }
        let (lsb, width) = (lsb as u32, width as u32);
        let size = size as u32;
        let kind = match m {
            "sbfx" | "sbfiz" => "sbfm",
            "ubfx" | "ubfiz" => "ubfm",
            _ => "bfm",
        };
        let (immr, imms) = match m {
            "sbfx" | "ubfx" | "bfxil" => (lsb, lsb + width - 1),
            _ => ((size - lsb) % size, width - 1),
        };
        self.bfm(kind, rd, rn, immr, imms)
    }

    fn shift_insn(&mut self, m: &str) -> R {
        if let Some(Opd::V(..)) = self.ops.first() {
            return Err(format!("`{m}' needs integer registers"));
        }
        let rd = self.rz(0)?;
        let rn = self.rz(1)?;
        if !self.is_imm(2) {
            let op2 = ["lsl", "lsr", "asr", "ror"].iter().position(|x| *x == m).unwrap_or(0) as u32;
            return self.rrr(0x1ac02000 | op2 << 10);
        }
        let size = if rd.x { 64 } else { 32 };
        let s = self.cimm(2)?;
        if !(0..size).contains(&s) {
            return Err("shift amount out of range".into());
        }
        let (s, size) = (s as u32, size as u32);
        match m {
            "lsl" => self.bfm("ubfm", rd, rn, (size - s) % size, size - 1 - s),
            "lsr" => self.bfm("ubfm", rd, rn, s, size - 1),
            "asr" => self.bfm("sbfm", rd, rn, s, size - 1),
            _ => Ok(Out::w(0x13800000 | sf(rd) | (rd.x as u32) << 22 | (rn.n as u32) << 16 | s << 10 | (rn.n as u32) << 5 | rd.n as u32)),
        }
    }
}

const NOP_W: u32 = super::NOP;

/// `mov Rd, #imm`: MOVZ, else MOVN, else ORR with a bitmask immediate (GNU's order).
pub(super) fn mov_imm(rd: Gpr, v: i64) -> Option<Out> {
    let (v, bits) = if rd.x { (v as u64, 64) } else { (v as u64 & 0xffff_ffff, 32) };
    let base = sf(rd) | rd.n as u32;
    for hw in 0..bits / 16 {
        if v & !(0xffffu64 << (16 * hw)) == 0 {
            return Some(Out::w(0x52800000 | base | hw << 21 | (((v >> (16 * hw)) & 0xffff) as u32) << 5));
        }
    }
    let inv = if rd.x { !v } else { !v & 0xffff_ffff };
    for hw in 0..bits / 16 {
        if inv & !(0xffffu64 << (16 * hw)) == 0 {
            return Some(Out::w(0x12800000 | base | hw << 21 | (((inv >> (16 * hw)) & 0xffff) as u32) << 5));
        }
    }
    if rd.sp {
        return None;
    }
    let (n, immr, imms) = bitmask(v, rd.x)?;
    Some(Out::w(0x320003e0 | sf(rd) | n << 22 | immr << 16 | imms << 10 | rd.n as u32))
}

/// Loads and stores.
impl Ctx<'_, '_> {
    fn mem_insn(&mut self, m: &str) -> Result<Option<Out>, String> {
        match m {
            "ldtr" | "sttr" | "ldtrb" | "sttrb" | "ldtrh" | "sttrh" | "ldtrsb" | "ldtrsh" | "ldtrsw" => self.ldst_unpriv(m).map(Some),
            "ldr" | "str" | "ldrb" | "strb" | "ldrh" | "strh" | "ldrsb" | "ldrsh" | "ldrsw" | "prfm" | "ldur" | "stur" | "ldurb" | "sturb" | "ldurh" | "sturh" | "ldursb" | "ldursh" | "ldursw" | "prfum" => self.ldst(m).map(Some),
            "ldp" | "stp" | "ldnp" | "stnp" | "ldpsw" => self.ldstp(m).map(Some),
            _ => self.atomic(m),
        }
    }

    /// (size, V, opc, scale log2, Rt) of a single-register load/store.
    fn ldst_kind(&self, m: &str) -> Result<(u32, u32, u32, u32, u32), String> {
        let base = m.replace("ur", "r").replace("prfm", "prf");
        let load = !base.starts_with("st");
        let rt = match &self.ops[0] {
            Opd::R(g) => {
                if g.sp {
                    return Err("operand 1: stack pointer not allowed".into());
                }
                Some(*g)
            }
            _ => None,
        };
        let rtn = match &self.ops[0] {
            Opd::R(g) => g.n as u32,
            Opd::F(n, _) => *n as u32,
            _ => 0,
        };
        let (size, v, opc) = match (base.as_str(), &self.ops[0], rt) {
            ("ldr" | "str", Opd::F(_, s), _) => {
                let s = *s as u32;
                if s == 4 {
                    (0, 1, 2 + load as u32)
                } else {
                    (s, 1, load as u32)
                }
            }
            ("ldr" | "str", _, Some(g)) => (2 + g.x as u32, 0, load as u32),
            ("ldrb" | "strb", _, Some(g)) if !g.x => (0, 0, load as u32),
            ("ldrh" | "strh", _, Some(g)) if !g.x => (1, 0, load as u32),
            ("ldrsb", _, Some(g)) => (0, 0, 3 - g.x as u32),
            ("ldrsh", _, Some(g)) => (1, 0, 3 - g.x as u32),
            ("ldrsw", _, Some(g)) if g.x => (2, 0, 2),
            ("prf", _, _) => (3, 0, 2),
            _ => return Err(format!("operand mismatch -- `{m}'")),
        };
        let scale = if v == 1 && opc >= 2 { 4 } else { size };
        Ok((size, v, opc, scale, rtn))
    }

    fn prfop(&mut self) -> Result<u32, String> {
        if let Some(n) = self.name(0) {
            let kinds = ["pld", "pli", "pst"];
            if n.len() == 9 {
                let k = kinds.iter().position(|k| n.starts_with(k));
                let lvl = n[4..5].parse::<u32>().ok().filter(|l| (1..=3).contains(l));
                let pol = match &n[5..] {
                    "keep" => Some(0),
                    "strm" => Some(1),
                    _ => None,
                };
                if let (Some(k), Some(l), Some(p), true) = (k, lvl, pol, &n[3..4] == "l") {
                    return Ok((k as u32) << 3 | (l - 1) << 1 | p);
                }
            }
            return Err(format!("unknown prefetch operation `{n}'"));
        }
        Ok(self.cimm(0)? as u32 & 31)
    }

    /// `ldtr`/`sttr` and their byte, half and signed forms: EL0-permission accesses, the
    /// unscaled-offset encoding with bits 11:10 = 0b10 and only `[xn{, #simm9}]`.
    fn ldst_unpriv(&mut self, m: &str) -> R {
        self.want(2)?;
        if !matches!(self.ops[0], Opd::R(_)) {
            return Err(format!("operand 1: integer register expected -- `{m}'"));
        }
        let (size, v, opc, _, rt) = self.ldst_kind(&m.replacen("tr", "r", 1))?;
        let Opd::Mem(Mem { base, index, pre: false }) = self.ops[1].clone() else { return Err("invalid addressing mode".into()) };
        let off = match index {
            Index::None => 0,
            Index::Imm(i) if i.reloc.is_none() => self.asm.try_const(&i.expr)?.ok_or("constant offset required")?,
            _ => return Err("invalid addressing mode".into()),
        };
        if !(-256..256).contains(&off) {
            return Err("immediate offset out of range -256 to 255".into());
        }
        Ok(Out::w(0x38000800 | size << 30 | v << 26 | opc << 22 | ((off as u32) & 0x1ff) << 12 | (base.n as u32) << 5 | rt))
    }

    fn ldst(&mut self, m: &str) -> R {
        if self.n() < 2 {
            return Err("expected 2 operands".into());
        }
        let prf = m.starts_with("prf");
        let (size, v, opc, scale, mut rt) = if prf { (3, 0, 2, 3, 0) } else { self.ldst_kind(m)? };
        if prf {
            rt = self.prfop()?;
        }
        let unscaled = m.contains("ur") || m == "prfum";
        let kind = size << 30 | v << 26 | opc << 22 | rt;
        match self.ops[1].clone() {
            Opd::Mem(Mem { base, index, pre }) => {
                let rn = (base.n as u32) << 5;
                // Post-index: `[xn], #imm`.
                if self.n() == 3 {
                    if pre || index != Index::None {
                        return Err("invalid addressing mode".into());
                    }
                    let off = self.cimm(2)?;
                    if !(-256..256).contains(&off) {
                        return Err("immediate offset out of range -256 to 255".into());
                    }
                    return Ok(Out::w(0x38000400 | kind | ((off as u32) & 0x1ff) << 12 | rn));
                }
                match index {
                    Index::None | Index::Imm(_) => {
                        let imm = match index {
                            Index::Imm(i) => Some(i),
                            _ => None,
                        };
                        if let Some(Imm { reloc: Some(r), expr }) = &imm {
                            let rt = lo12_ldst(r, scale)?;
                            return Ok(Out { word: 0x39000000 | kind | rn, fix: Some((rt, expr.clone())) });
                        }
                        let off = match &imm {
                            Some(i) => self.asm.try_const(&i.expr)?.ok_or("constant offset required")?,
                            None => 0,
                        };
                        if pre {
                            if !(-256..256).contains(&off) {
                                return Err("immediate offset out of range -256 to 255".into());
                            }
                            return Ok(Out::w(0x38000c00 | kind | ((off as u32) & 0x1ff) << 12 | rn));
                        }
                        let step = 1i64 << scale;
                        if !unscaled && off >= 0 && off % step == 0 && off / step < 4096 {
                            return Ok(Out::w(0x39000000 | kind | ((off / step) as u32) << 10 | rn));
                        }
                        if (-256..256).contains(&off) {
                            return Ok(Out::w(0x38000000 | kind | ((off as u32) & 0x1ff) << 12 | rn));
                        }
                        Err("immediate offset out of range".into())
                    }
                    Index::Reg(rm, ext) => {
                        let (option, amt) = match ext {
                            None => (3, None),
                            Some((k, a)) => (
                                match k.as_str() {
                                    "lsl" | "uxtx" => 3,
                                    "uxtw" => 2,
                                    "sxtw" => 6,
                                    "sxtx" => 7,
                                    _ => return Err(format!("invalid extend `{k}' in address")),
                                },
                                a,
                            ),
                        };
                        if (option & 1 == 1) != rm.x {
                            return Err("invalid register offset".into());
                        }
                        let s = match amt {
                            None => 0,
                            Some(a) if a as u32 == scale => 1,
                            Some(0) if scale == 0 => 1,
                            Some(0) if scale != 0 => 0,
                            Some(_) => return Err("invalid shift amount in address".into()),
                        };
                        Ok(Out::w(0x38200800 | kind | (rm.n as u32) << 16 | option << 13 | s << 12 | rn))
                    }
                }
            }
            Opd::Imm(_) | Opd::Name(_) | Opd::F(..) | Opd::R(_) => {
                // PC-relative literal (a register name here is a symbol).
                let t = self.imm(1)?;
                let opc = match (v, size, opc) {
                    (0, 2, 1) => 0,
                    (0, 3, 1) => 1,
                    (0, 2, 2) => 2,
                    (0, 3, 2) => 3,
                    (1, 2, _) => 0,
                    (1, 3, _) => 1,
                    (1, 0, 3) => 2,
                    _ => return Err("invalid literal load".into()),
                };
                Ok(Out { word: 0x18000000 | opc << 30 | v << 26 | rt, fix: Some((LD_PREL_LO19, t.expr)) })
            }
            _ => Err("operand 2: address expected".into()),
        }
    }

    fn ldstp(&mut self, m: &str) -> R {
        let load = m.starts_with("ld") as u32;
        let (opc, v, scale, r1, r2) = match (&self.ops.first(), &self.ops.get(1)) {
            (Some(Opd::R(a)), Some(Opd::R(b))) => {
                let (opc, scale) = if m == "ldpsw" { (1, 2) } else { (2 * a.x as u32, 2 + a.x as u32) };
                (opc, 0, scale, a.n as u32, b.n as u32)
            }
            (Some(Opd::F(a, s)), Some(Opd::F(b, _))) if (2..=4).contains(s) => (*s as u32 - 2, 1, *s as u32, *a as u32, *b as u32),
            _ => return Err(format!("operand mismatch -- `{m}'")),
        };
        let Some(Opd::Mem(mem)) = self.ops.get(2).cloned() else { return Err("operand 3: address expected".into()) };
        let off = match (&mem.index, self.n()) {
            (Index::None, 4) => self.cimm(3)?,
            (Index::None, 3) => 0,
            (Index::Imm(i), 3) => self.asm.try_const(&i.expr)?.ok_or("constant offset required")?,
            _ => return Err("invalid addressing mode".into()),
        };
        let mode = if m.ends_with("np") {
            0
        } else if self.n() == 4 {
            1
        } else if mem.pre {
            3
        } else {
            2
        };
        let step = 1i64 << scale;
        if off % step != 0 || !(-64..64).contains(&(off / step)) {
            return Err(format!("immediate offset out of range"));
        }
        let imm7 = ((off / step) as u32) & 0x7f;
        Ok(Out::w(0x28000000 | opc << 30 | v << 26 | mode << 23 | load << 22 | imm7 << 15 | r2 << 10 | (mem.base.n as u32) << 5 | r1))
    }

    /// Exclusives, acquire/release and LSE atomics.
    fn atomic(&mut self, m: &str) -> Result<Option<Out>, String> {
        let size_of = |suffix: &str, g: Gpr| -> u32 {
            match suffix {
                "b" => 0,
                "h" => 1,
                _ => 2 + g.x as u32,
            }
        };
        let strip_size = |s: &str| -> (String, &'static str) {
            if let Some(b) = s.strip_suffix('b') {
                (b.to_string(), "b")
            } else if let Some(h) = s.strip_suffix('h') {
                (h.to_string(), "h")
            } else {
                (s.to_string(), "")
            }
        };
        let mem_base = |c: &Self, i: usize| -> Result<u32, String> {
            match c.ops.get(i) {
                Some(Opd::Mem(Mem { base, index: Index::None, pre: false })) => Ok(base.n as u32),
                Some(Opd::Mem(Mem { base, index: Index::Imm(_), pre: false })) => Ok(base.n as u32),
                _ => Err(format!("operand {}: address expected", i + 1)),
            }
        };
        // Exclusive and ordered loads/stores.
        let excl = [
            ("ldxr", 0, 1, 0, false),
            ("ldaxr", 0, 1, 1, false),
            ("stxr", 0, 0, 0, true),
            ("stlxr", 0, 0, 1, true),
            ("ldar", 1, 1, 1, false),
            ("stlr", 1, 0, 1, false),
            ("ldlar", 1, 1, 0, false),
            ("stllr", 1, 0, 0, false),
        ];
        let (stem, suf) = strip_size(m);
        // `ldxrb`/`stlrh`... but not `ldaxp`/LSE forms.
        if let Some(&(_, o2, l, o0, status)) = excl.iter().find(|e| e.0 == stem) {
            let (rs, rt, bi) = if status { (self.rz(0)?.n as u32, self.rz(1)?, 2) } else { (31, self.rz(0)?, 1) };
            let rn = mem_base(self, bi)?;
            let size = size_of(suf, rt);
            return Ok(Some(Out::w(0x08000000 | size << 30 | o2 << 23 | l << 22 | rs << 16 | o0 << 15 | 31 << 10 | rn << 5 | rt.n as u32)));
        }
        if matches!(m, "ldxp" | "ldaxp" | "stxp" | "stlxp") {
            let st = m.starts_with("st");
            let o0 = m.contains('a') as u32 | m.contains("stl") as u32;
            let (rs, i) = if st { (self.rz(0)?.n as u32, 1) } else { (31, 0) };
            let (t1, t2) = (self.rz(i)?, self.rz(i + 1)?);
            let rn = mem_base(self, i + 2)?;
            return Ok(Some(Out::w(0x88200000 | (t1.x as u32) << 30 | (!st as u32) << 22 | rs << 16 | o0 << 15 | (t2.n as u32) << 10 | rn << 5 | t1.n as u32)));
        }
        // LSE compare-and-swap.
        if let Some(rest) = stem.strip_prefix("cas") {
            let (a, l) = match rest {
                "" => (0, 0),
                "a" => (1, 0),
                "l" => (0, 1),
                "al" => (1, 1),
                _ => return Ok(None),
            };
            let (rs, rt) = (self.rz(0)?, self.rz(1)?);
            let rn = mem_base(self, 2)?;
            let size = size_of(suf, rt);
            return Ok(Some(Out::w(0x08a07c00 | size << 30 | a << 22 | (rs.n as u32) << 16 | l << 15 | rn << 5 | rt.n as u32)));
        }
        // LSE atomic memory operations: ld<op>[a][l][b|h], st<op>[l][b|h], swp[a][l][b|h].
        let ops = ["add", "clr", "eor", "set", "smax", "smin", "umax", "umin"];
        let (body, store) = if let Some(b) = stem.strip_prefix("ld") {
            (b, false)
        } else if let Some(b) = stem.strip_prefix("st") {
            (b, true)
        } else if stem.starts_with("swp") {
            (stem.as_str(), false)
        } else {
            return Ok(None);
        };
        let (opc, o3, rest) = if let Some(r) = body.strip_prefix("swp") {
            (0, 1, r)
        } else if let Some((i, op)) = ops.iter().enumerate().find(|(_, op)| body.starts_with(*op)) {
            (i as u32, 0, &body[op.len()..])
        } else {
            return Ok(None);
        };
        let (a, r) = match rest {
            "" => (0, 0),
            "a" if !store => (1, 0),
            "l" => (0, 1),
            "al" if !store => (1, 1),
            _ => return Ok(None),
        };
        if store && o3 == 1 {
            return Ok(None);
        }
        let (rs, rt, bi) = if store {
            let rs = self.rz(0)?;
            (rs, Gpr { n: 31, x: rs.x, sp: false }, 1)
        } else {
            (self.rz(0)?, self.rz(1)?, 2)
        };
        let rn = mem_base(self, bi)?;
        let size = size_of(suf, rs);
        Ok(Some(Out::w(0x38200000 | size << 30 | a << 23 | r << 22 | (rs.n as u32) << 16 | o3 << 15 | opc << 12 | rn << 5 | rt.n as u32)))
    }
}

/// Relocation of a `[xn, #:spec:sym]` load/store for an access of 2^`scale` bytes.
fn lo12_ldst(r: &str, scale: u32) -> Result<u32, String> {
    Ok(match r {
        "lo12" => match scale {
            0 => LDST8_ABS_LO12_NC,
            1 => LDST16_ABS_LO12_NC,
            2 => LDST32_ABS_LO12_NC,
            3 => LDST64_ABS_LO12_NC,
            _ => LDST128_ABS_LO12_NC,
        },
        "got_lo12" if scale == 3 => LD64_GOT_LO12_NC,
        "gottprel_lo12" if scale == 3 => TLSIE_LD64_GOTTPREL_LO12_NC,
        "tlsdesc_lo12" if scale == 3 => TLSDESC_LD64_LO12,
        "tprel_lo12" if scale <= 3 => TLSLE_LDST8_TPREL_LO12 + 2 * scale,
        "tprel_lo12_nc" if scale <= 3 => TLSLE_LDST8_TPREL_LO12 + 2 * scale + 1,
        _ => return Err(format!("relocation specifier `{r}' not valid here")),
    })
}

