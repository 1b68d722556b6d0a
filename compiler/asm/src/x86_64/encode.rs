//! Machine-code layout of one instruction: prefixes, REX, opcode, ModRM, SIB,
//! displacement and immediate, with fixups for symbolic fields.

use super::operand::{Class, Mem, Reg};
use crate::assembler::Emit;
use crate::expr::{ExprM, Modifier};
use crate::section::{FixKind, Fixup};

#[derive(Clone, Copy)]
pub enum Rm<'a> {
    Reg(Reg),
    Mem(&'a Mem),
}

#[derive(Clone)]
pub struct Imm {
    pub e: ExprM,
    pub size: u8,
    /// Sign-extended field (x86-64 `R_X86_64_32S` when symbolic).
    pub signed: bool,
    /// Constant value, when known now.
    pub val: Option<i64>,
}

/// One instruction to encode.
#[derive(Default)]
pub struct Enc<'a> {
    /// Legacy prefixes other than the segment (in GNU as order: 66, rep, lock).
    pub pfx: Vec<u8>,
    /// SSE mandatory prefix (66/F2/F3), written just before REX.
    pub mandatory: Option<u8>,
    pub w: bool,
    pub opcode: Vec<u8>,
    /// ModRM.reg: register number or opcode extension.
    pub reg: u8,
    /// The register in ModRM.reg, if any (for REX needs of byte registers).
    pub reg_op: Option<Reg>,
    pub rm: Option<Rm<'a>>,
    /// Register added to the last opcode byte (`push %r12`, `bswap`).
    pub plus: Option<Reg>,
    pub imm: Vec<Imm>,
    /// This opcode allows GOTPCRELX relaxation (mov/test/binop loads, indirect call/jmp).
    pub gotx: bool,
    /// Code size in bits (16, 32, 64); 0 is taken as 64.
    pub bits: u8,
}

/// Address size of a memory operand in bytes: its registers', else the code's.
pub fn addr_size(m: &Mem, bits: u8) -> u8 {
    let r = m.base.filter(|b| b.class != Class::Rip).or(m.index);
    match r.and_then(|r| r.size()) {
        Some(s) => s,
        None if m.base.is_some() => 8, // %rip
        None => bits / 8,
    }
}

pub(super) fn seg_prefix(n: u8) -> u8 {
    [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65][n as usize % 6]
}

pub fn fits_i8(v: i64) -> bool {
    (-128..=127).contains(&v)
}

impl Enc<'_> {
    fn code_bits(&self) -> u8 {
        if self.bits == 0 {
            64
        } else {
            self.bits
        }
    }

    pub fn encode(&self) -> Result<Emit, String> {
        let bits = self.code_bits();
        // (An x86 instruction is at most 15 bytes: one allocation, no regrowth.)
        let mut out = Emit { bytes: Vec::with_capacity(16), fixups: Vec::new() };
        let b = &mut out.bytes;
        let mut rex = if self.w { 0x48u8 } else { 0 };
        let mut force_rex = false;
        let mut high8 = false;
        let mut note = |r: &Reg| {
            if r.needs_rex() {
                force_rex = true;
            }
            if r.high8 {
                high8 = true;
            }
        };
        if let Some(r) = &self.reg_op {
            note(r);
        }
        if let Some(Rm::Reg(r)) = &self.rm {
            note(r);
        }
        if let Some(r) = &self.plus {
            note(r);
        }
        if self.reg & 8 != 0 {
            rex |= 0x44;
        }
        // The address-size prefix when the operand's address size is not the code's.
        let mut addr32 = false;
        match self.rm {
            Some(Rm::Reg(r)) if r.num & 8 != 0 => rex |= 0x41,
            Some(Rm::Mem(m)) => {
                if let Some(bs) = m.base {
                    if bs.class != Class::Rip && bs.num & 8 != 0 {
                        rex |= 0x41;
                    }
                }
                if let Some(ix) = m.index {
                    if ix.num & 8 != 0 {
                        rex |= 0x42;
                    }
                }
                let asz = addr_size(m, bits);
                addr32 = match bits {
                    64 => asz == 4,
                    32 => asz == 2,
                    _ => asz == 4,
                };
                if bits != 64 && (asz == 8 || m.base.is_some_and(|b| b.class == Class::Rip)) {
                    return Err(format!("`{}' is not a valid base/index expression in {bits}-bit mode", if asz == 8 { "64-bit register" } else { "%rip" }));
                }
                if let Some(s) = m.seg {
                    b.push(seg_prefix(s));
                }
            }
            _ => {}
        }
        if let Some(p) = &self.plus {
            if p.num & 8 != 0 {
                rex |= 0x41;
            }
        }
        if force_rex {
            rex |= 0x40;
        }
        if rex != 0 && high8 {
            return Err("can't encode register '%ah', '%bh', '%ch' or '%dh' in an instruction requiring REX prefix".into());
        }
        if rex != 0 && bits != 64 {
            return Err(format!("64-bit registers and operands are not available in {bits}-bit mode"));
        }
        if addr32 {
            b.push(0x67);
        }
        b.extend_from_slice(&self.pfx);
        if let Some(m) = self.mandatory {
            b.push(m);
        }
        if rex != 0 {
            b.push(rex);
        }
        b.extend_from_slice(&self.opcode);
        if let Some(p) = &self.plus {
            if let Some(last) = b.last_mut() {
                *last += p.num & 7;
            }
        }
        let imm_len: usize = self.imm.iter().map(|i| i.size as usize).sum();
        match self.rm {
            None => {}
            Some(Rm::Reg(r)) => b.push(0xc0 | ((self.reg & 7) << 3) | (r.num & 7)),
            Some(Rm::Mem(m)) if bits != 64 && addr_size(m, bits) == 2 => self.mem16(m, &mut out)?,
            Some(Rm::Mem(m)) => self.mem(m, rex != 0, imm_len, &mut out)?,
        }
        for i in &self.imm {
            if i.e.modifier == Some(Modifier::GotPc) && bits != 64 {
                // GOT + A - P with A the field's offset in the instruction: the distance from
                // the instruction's start to the GOT.
                let at = out.bytes.len() as i64;
                put_field(&mut out, &i.e, None, i.size, FixKind::PcRel, -at);
                continue;
            }
            put_field(&mut out, &i.e, i.val, i.size, FixKind::Data { signed: i.signed }, 0);
        }
        Ok(out)
    }

    fn mem(&self, m: &Mem, has_rex: bool, imm_len: usize, out: &mut Emit) -> Result<(), String> {
        let reg = (self.reg & 7) << 3;
        let (dval, disp) = displacement(m);
        let ss = match m.scale {
            1 => 0,
            2 => 1,
            4 => 2,
            _ => 3,
        } << 6;
        if let Some(ix) = m.index {
            if ix.num == 4 && ix.class != Class::Xmm {
                return Err("`%rsp' can't be used as an index register".into());
            }
        }
        let b = &mut out.bytes;
        match m.base {
            Some(bs) if bs.class == Class::Rip => {
                if m.index.is_some() {
                    return Err("`%rip' can't be used with an index register".into());
                }
                b.push(reg | 5);
                let kind = match (disp.modifier, self.gotx) {
                    (Some(Modifier::GotPcRel), true) => FixKind::GotPcRelX { rex: has_rex },
                    _ => FixKind::PcRel,
                };
                put_field(out, &disp, dval, 4, kind, 4 + imm_len as i64);
            }
            // 32-bit code: a bare disp32 needs no SIB (no RIP-relative form to avoid).
            None if self.code_bits() != 64 && m.index.is_none() => {
                b.push(reg | 5);
                put_field(out, &disp, dval, 4, FixKind::Data { signed: true }, 0);
            }
            None => {
                b.push(reg | 4);
                let idx = m.index.map_or(4, |i| i.num & 7);
                b.push(ss | (idx << 3) | 5);
                put_field(out, &disp, dval, 4, FixKind::Data { signed: true }, 0);
            }
            Some(bs) => {
                let base = bs.num & 7;
                let need_sib = m.index.is_some() || base == 4;
                let (md, dsize) = match dval {
                    Some(0) if base != 5 => (0, 0),
                    Some(v) if fits_i8(v) => (0x40, 1),
                    _ => (0x80, 4),
                };
                if need_sib {
                    b.push(md | reg | 4);
                    let idx = m.index.map_or(4, |i| i.num & 7);
                    b.push(ss | (idx << 3) | base);
                } else {
                    b.push(md | reg | base);
                }
                // i386 `sym@GOT(%reg)` in a relaxable instruction: R_386_GOT32X.
                let kind = match (disp.modifier, self.gotx && self.code_bits() != 64) {
                    (Some(Modifier::Got), true) => FixKind::GotPcRelX { rex: false },
                    _ => FixKind::Data { signed: true },
                };
                if dsize > 0 {
                    put_field(out, &disp, dval, dsize, kind, 0);
                }
            }
        }
        Ok(())
    }
}

impl Enc<'_> {
    /// 16-bit addressing: ModRM's fixed base/index pairs, disp8 or disp16.
    fn mem16(&self, m: &Mem, out: &mut Emit) -> Result<(), String> {
        let reg = (self.reg & 7) << 3;
        let (dval, disp) = displacement(m);
        // %bx=3, %bp=5, %si=6, %di=7.
        let rm = match (m.base.map(|r| r.num), m.index.map(|r| r.num)) {
            (None, None) => {
                out.bytes.push(reg | 6);
                put_field(out, &disp, dval, 2, FixKind::Data { signed: false }, 0);
                return Ok(());
            }
            (Some(3), Some(6)) => 0,
            (Some(3), Some(7)) => 1,
            (Some(5), Some(6)) => 2,
            (Some(5), Some(7)) => 3,
            (Some(6), None) => 4,
            (Some(7), None) => 5,
            (Some(5), None) => 6,
            (Some(3), None) => 7,
            _ => return Err("invalid 16-bit base/index register combination".into()),
        };
        if m.scale != 1 {
            return Err("16-bit addressing has no scale factor".into());
        }
        let (md, dsize) = match dval {
            Some(0) if rm != 6 => (0, 0),
            Some(v) if fits_i8(v) => (0x40, 1),
            _ => (0x80, 2),
        };
        out.bytes.push(md | reg | rm);
        if dsize > 0 {
            put_field(out, &disp, dval, dsize, FixKind::Data { signed: dsize == 1 }, 0);
        }
        Ok(())
    }
}

/// Write a field: its value if known, else zeros and a fixup.
pub fn put_field(out: &mut Emit, e: &ExprM, val: Option<i64>, size: u8, kind: FixKind, pc_adjust: i64) {
    let at = out.bytes.len();
    match val {
        Some(v) if e.modifier.is_none() => out.bytes.extend_from_slice(&v.to_le_bytes()[..size as usize]),
        _ => {
            out.bytes.extend(std::iter::repeat(0).take(size as usize));
            out.fixups.push(Fixup { at, size, expr: e.expr.clone(), modifier: e.modifier, kind, pc_adjust });
        }
    }
}

/// A memory operand's displacement: its value when it is a plain number (0 when absent),
/// and the expression to emit.
fn displacement(m: &Mem) -> (Option<i64>, ExprM) {
    let dval = match &m.disp {
        None => Some(0),
        Some(d) if d.modifier.is_none() => d.expr.as_num(),
        Some(_) => None,
    };
    (dval, m.disp.clone().unwrap_or(ExprM { expr: crate::expr::Expr::Num(0), modifier: None }))
}
