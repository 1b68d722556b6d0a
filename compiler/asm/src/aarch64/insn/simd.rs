//! Advanced SIMD: the vector forms GCC emits (moves and immediates, element moves,
//! three-same/three-different arithmetic, shifts, permutes, reductions, loads/stores).

use super::{Ctx, Out, R};
use crate::aarch64::operand::{Arr, Index, Mem, Opd};

fn q(a: Arr) -> u32 {
    (a.q as u32) << 30
}

/// imm5 for an element of size `e` at index `i`.
fn imm5(e: u8, i: u32) -> u32 {
    (1 << e) | i << (e + 1)
}

impl Ctx<'_, '_> {
    fn v(&self, i: usize) -> Result<(u32, Arr), String> {
        match self.ops.get(i) {
            Some(Opd::V(n, a)) => Ok((*n as u32, *a)),
            _ => Err(format!("operand {}: vector register expected", i + 1)),
        }
    }
    fn vvv(&self) -> Result<(u32, Arr, u32, u32), String> {
        let (d, a) = self.v(0)?;
        let (n, _) = self.v(1)?;
        let (m, _) = self.v(2)?;
        Ok((d, a, n, m))
    }
}

/// Vector `and/orr/eor/bic/orn` (register and, for orr/bic, immediate forms).
pub(super) fn logical(c: &mut Ctx, m: &str) -> R {
    if c.n() >= 2 && matches!(c.ops.get(1), Some(Opd::Imm(_))) {
        let (d, a) = c.v(0)?;
        let v = c.cimm(1)? as u32;
        let sh = match c.ops.get(2) {
            Some(Opd::Shift(k, Some(s))) if k == "lsl" => *s as u32,
            _ => 0,
        };
        let cmode = if a.esize == 1 { 0b1001 | (sh / 8) << 1 } else { 0b0001 | (sh / 8) << 1 };
        let op = (m == "bic") as u32;
        return Ok(Out::w(0x0f000400 | q(a) | op << 29 | (v >> 5 & 7) << 16 | cmode << 12 | (v & 31) << 5 | d));
    }
    let (d, a, n, mm) = c.vvv()?;
    let (u, size) = match m {
        "and" => (0, 0),
        "bic" => (0, 1),
        "orr" => (0, 2),
        "orn" => (0, 3),
        "eor" => (1, 0),
        "bsl" => (1, 1),
        "bit" => (1, 2),
        _ => (1, 3),
    };
    Ok(Out::w(0x0e201c00 | q(a) | u << 29 | size << 22 | mm << 16 | n << 5 | d))
}

/// `movi`/`mvni`: (op, cmode, abcdefgh) for the value and shift.
fn modimm(c: &mut Ctx, a: Option<Arr>, inv: bool) -> Result<(u32, u32, u32), String> {
    let v = c.cimm(1)? as u64;
    let shift = match c.ops.get(2) {
        Some(Opd::Shift(k, Some(s))) => Some((k.clone(), *s as u32)),
        _ => None,
    };
    let esize = a.map_or(3, |a| a.esize);
    if inv {
        return Ok(match (esize, shift) {
            (1, None) => (1, 0b1000, v as u32 & 0xff),
            (1, Some((_, s))) => (1, 0b1000 | (s / 8) << 1, v as u32 & 0xff),
            (2, Some((k, s))) if k == "msl" => (1, 0b1100 | (s / 8 - 1), v as u32 & 0xff),
            (2, s) => (1, s.map_or(0, |(_, s)| (s / 8) << 1), v as u32 & 0xff),
            _ => return Err("invalid mvni".into()),
        });
    }
    Ok(match (esize, shift) {
        (0, _) => (0, 0b1110, v as u32 & 0xff),
        (1, s) => (0, 0b1000 | s.map_or(0, |(_, s)| (s / 8) << 1), v as u32 & 0xff),
        (2, Some((k, s))) if k == "msl" => (0, 0b1100 | (s / 8 - 1), v as u32 & 0xff),
        (2, s) => (0, s.map_or(0, |(_, s)| (s / 8) << 1), v as u32 & 0xff),
        (3, _) => {
            let mut imm = 0;
            for i in 0..8 {
                let b = (v >> (8 * i)) & 0xff;
                match b {
                    0xff => imm |= 1 << i,
                    0 => {}
                    _ => return Err("invalid immediate for movi".into()),
                }
            }
            (1, 0b1110, imm)
        }
        _ => return Err("invalid movi".into()),
    })
}

/// Fields of a by-element operand `vN.T[i]`: H:L:M and the 4-bit register.
fn elem_fields(n: u8, e: u8, i: u32) -> Result<u32, String> {
    let (h, l, mbit, rm) = match e {
        1 if n < 16 => (i >> 2, (i >> 1) & 1, i & 1, n as u32),
        2 => (i >> 1, i & 1, (n >> 4) as u32, (n & 15) as u32),
        3 => (i, 0, (n >> 4) as u32, (n & 15) as u32),
        _ => return Err("invalid element register".into()),
    };
    Ok(l << 21 | mbit << 20 | rm << 16 | h << 11)
}

/// Arithmetic by element (`mul v1.4s, v0.4s, v1.s[0]`); `fp` puts sz at bit 22.
fn by_elem(c: &mut Ctx, base: u32, fp: bool, long: bool) -> R {
    let (d, da) = c.v(0)?;
    let (n, na) = c.v(1)?;
    let Some(Opd::E(mm, e, i)) = c.ops.get(2).cloned() else { return Err("operand 3: vector element expected".into()) };
    let size = if fp { 2 | (e == 3) as u32 } else { e as u32 };
    let qq = if long { na.q } else { da.q } as u32;
    Ok(Out::w(base | qq << 30 | size << 22 | elem_fields(mm, e, i)? | n << 5 | d))
}

pub(super) fn encode(c: &mut Ctx, m: &str) -> Result<Option<Out>, String> {
    if matches!(c.ops.get(2), Some(Opd::E(..))) && matches!(c.ops.first(), Some(Opd::V(..))) {
        let (base, fp, long) = match m.trim_end_matches('2') {
            "mul" => (0x0f008000, false, false),
            "mla" => (0x2f000000, false, false),
            "mls" => (0x2f004000, false, false),
            "fmul" => (0x0f009000, true, false),
            "fmla" => (0x0f001000, true, false),
            "fmls" => (0x0f005000, true, false),
            "smull" => (0x0f00a000, false, true),
            "umull" => (0x2f00a000, false, true),
            "smlal" => (0x0f002000, false, true),
            "umlal" => (0x2f002000, false, true),
            "smlsl" => (0x0f006000, false, true),
            "umlsl" => (0x2f006000, false, true),
            "sqdmulh" => (0x0f00c000, false, false),
            _ => return Ok(None),
        };
        return by_elem(c, base, fp, long).map(Some);
    }
    let o = match m {
        "saddlp" | "uaddlp" | "sadalp" | "uadalp" => {
            let (d, _) = c.v(0)?;
            let (n, na) = c.v(1)?;
            let u = m.starts_with('u') as u32;
            let op = if m.contains("dalp") { 0b00110 } else { 0b00010 };
            Out::w(0x0e200800 | q(na) | u << 29 | (na.esize as u32) << 22 | op << 12 | n << 5 | d)
        }
        "movi" | "mvni" => {
            let (d, a) = match c.ops.first() {
                Some(Opd::V(n, a)) => (*n as u32, Some(*a)),
                Some(Opd::F(n, 3)) => (*n as u32, None),
                _ => return Err("operand 1: vector register expected".into()),
            };
            let (op, cmode, imm) = modimm(c, a, m == "mvni")?;
            let qq = a.map_or(0, q);
            Out::w(0x0f000400 | qq | op << 29 | (imm >> 5) << 16 | cmode << 12 | (imm & 31) << 5 | d)
        }
        "dup" => match (c.ops.first().cloned(), c.ops.get(1).cloned()) {
            (Some(Opd::V(d, a)), Some(Opd::R(g))) => Out::w(0x0e000c00 | q(a) | imm5(a.esize, 0) << 16 | (g.n as u32) << 5 | d as u32),
            (Some(Opd::V(d, a)), Some(Opd::E(n, e, i))) => Out::w(0x0e000400 | q(a) | imm5(e, i) << 16 | (n as u32) << 5 | d as u32),
            (Some(Opd::F(d, _)), Some(Opd::E(n, e, i))) => Out::w(0x5e000400 | imm5(e, i) << 16 | (n as u32) << 5 | d as u32),
            _ => return Err("operand mismatch -- `dup'".into()),
        },
        "ins" | "mov" | "umov" | "smov" | "fmov" => match (c.ops.first().cloned(), c.ops.get(1).cloned()) {
            (Some(Opd::E(d, 3, 1)), Some(Opd::R(g))) if m == "fmov" => Out::w(0x9eaf0000 | (g.n as u32) << 5 | d as u32),
            (Some(Opd::E(d, e, i)), Some(Opd::R(g))) => Out::w(0x4e001c00 | imm5(e, i) << 16 | (g.n as u32) << 5 | d as u32),
            (Some(Opd::E(d, e, i)), Some(Opd::E(n, _, j))) => Out::w(0x6e000400 | imm5(e, i) << 16 | (j << e) << 11 | (n as u32) << 5 | d as u32),
            (Some(Opd::R(g)), Some(Opd::E(n, e, i))) => {
                let signed = m == "smov";
                let qq = if signed { g.x as u32 } else { (e == 3) as u32 };
                Out::w(if signed { 0x0e002c00 } else { 0x0e003c00 } | qq << 30 | imm5(e, i) << 16 | (n as u32) << 5 | g.n as u32)
            }
            (Some(Opd::F(d, _)), Some(Opd::E(n, e, i))) if m == "mov" => Out::w(0x5e000400 | imm5(e, i) << 16 | (n as u32) << 5 | d as u32),
            (Some(Opd::V(d, a)), Some(Opd::V(n, _))) if m == "mov" => Out::w(0x0ea01c00 | q(a) | (n as u32) << 16 | (n as u32) << 5 | d as u32),
            (Some(Opd::V(d, a)), Some(Opd::Float(v))) if m == "fmov" => {
                let imm = super::fp::fp_imm8(v).ok_or("invalid floating-point constant")?;
                Out::w(0x0f00f400 | q(a) | ((a.esize == 3) as u32) << 29 | (imm >> 5) << 16 | (imm & 31) << 5 | d as u32)
            }
            _ => return Ok(None),
        },
        "not" | "mvn" => {
            let (d, a) = c.v(0)?;
            let (n, _) = c.v(1)?;
            Out::w(0x2e205800 | q(a) | n << 5 | d)
        }
        "abs" | "neg" if matches!((c.ops.first(), c.ops.get(1)), (Some(Opd::F(_, 3)), Some(Opd::F(_, 3)))) => {
            let (Some(Opd::F(d, _)), Some(Opd::F(n, _))) = (c.ops.first().cloned(), c.ops.get(1).cloned()) else { return Ok(None) };
            Out::w(if m == "abs" { 0x5ee0b800 } else { 0x7ee0b800 } | (n as u32) << 5 | d as u32)
        }
        "cnt" | "rev64" | "rev16" | "rev32" | "abs" | "neg" | "xtn" | "xtn2" | "sqxtn" | "uqxtn" | "cls" | "clz" | "rbit" => {
            let (d, a) = c.v(0)?;
            let (n, _) = c.v(1)?;
            let (u, op, size) = match m {
                "cnt" => (0, 0b00101, 0),
                "rev64" => (0, 0, a.esize as u32),
                "rev16" => (0, 1, a.esize as u32),
                "rev32" => (1, 0, a.esize as u32),
                "abs" => (0, 0b01011, a.esize as u32),
                "neg" => (1, 0b01011, a.esize as u32),
                "cls" => (0, 0b00100, a.esize as u32),
                "clz" => (1, 0b00100, a.esize as u32),
                "rbit" => (1, 0b00101, 1),
                "sqxtn" => (0, 0b10100, a.esize as u32),
                "uqxtn" => (1, 0b10100, a.esize as u32),
                _ => (0, 0b10010, a.esize as u32),
            };
            Out::w(0x0e200800 | q(a) | u << 29 | size << 22 | op << 12 | n << 5 | d)
        }
        "addv" | "saddlv" | "uaddlv" | "smaxv" | "sminv" | "umaxv" | "uminv" => {
            let d = match c.ops.first() {
                Some(Opd::F(n, _)) => *n as u32,
                _ => return Err("operand 1: scalar register expected".into()),
            };
            let (n, a) = c.v(1)?;
            let (u, op) = match m {
                "addv" => (0, 0b11011),
                "saddlv" => (0, 0b00011),
                "uaddlv" => (1, 0b00011),
                "smaxv" => (0, 0b01010),
                "sminv" => (0, 0b11010),
                "umaxv" => (1, 0b01010),
                _ => (1, 0b11010),
            };
            Out::w(0x0e300800 | q(a) | u << 29 | (a.esize as u32) << 22 | op << 12 | n << 5 | d)
        }
        "addp" if matches!(c.ops.first(), Some(Opd::F(..))) => {
            let d = match c.ops.first() {
                Some(Opd::F(n, _)) => *n as u32,
                _ => 0,
            };
            let (n, _) = c.v(1)?;
            Out::w(0x5ef1b800 | n << 5 | d)
        }
        "add" | "sub" | "mul" | "cmeq" | "cmgt" | "cmge" | "cmhi" | "cmhs" | "cmtst" | "smax" | "smin" | "umax" | "umin" | "sshl" | "ushl" | "addp" | "mla" | "mls" | "sqadd" | "uqadd" | "sqsub" | "uqsub" | "shadd" | "uhadd" | "srhadd" | "urhadd" | "smaxp" | "sminp" | "umaxp" | "uminp" => {
            if matches!(c.ops.get(2), Some(Opd::Imm(_))) && m.starts_with("cm") {
                let (d, a) = c.v(0)?;
                let (n, _) = c.v(1)?;
                let (u, op) = match m {
                    "cmgt" => (0, 0b01000),
                    "cmeq" => (0, 0b01001),
                    "cmge" => (1, 0b01000),
                    _ => return Err(format!("invalid `{m}' immediate form")),
                };
                return Ok(Some(Out::w(0x0e200800 | q(a) | u << 29 | (a.esize as u32) << 22 | op << 12 | n << 5 | d)));
            }
            // Scalar form on d registers (`add d0, d1, d2`).
            let scalar = match (c.ops.first(), c.ops.get(1), c.ops.get(2)) {
                (Some(Opd::F(d, 3)), Some(Opd::F(n, 3)), Some(Opd::F(mm, 3))) => Some((*d as u32, *n as u32, *mm as u32)),
                _ => None,
            };
            let (d, a, n, mm) = match scalar {
                Some((d, n, mm)) => (d, Arr { esize: 3, q: false }, n, mm),
                None => c.vvv()?,
            };
            let (u, op) = match m {
                "add" => (0, 0b10000),
                "sub" => (1, 0b10000),
                "mul" => (0, 0b10011),
                "mla" => (0, 0b10010),
                "mls" => (1, 0b10010),
                "cmeq" => (1, 0b10001),
                "cmtst" => (0, 0b10001),
                "cmgt" => (0, 0b00110),
                "cmge" => (0, 0b00111),
                "cmhi" => (1, 0b00110),
                "cmhs" => (1, 0b00111),
                "smax" => (0, 0b01100),
                "smin" => (0, 0b01101),
                "umax" => (1, 0b01100),
                "umin" => (1, 0b01101),
                "smaxp" => (0, 0b10100),
                "sminp" => (0, 0b10101),
                "umaxp" => (1, 0b10100),
                "uminp" => (1, 0b10101),
                "sshl" => (0, 0b01000),
                "ushl" => (1, 0b01000),
                "sqadd" => (0, 0b00001),
                "uqadd" => (1, 0b00001),
                "sqsub" => (0, 0b00101),
                "uqsub" => (1, 0b00101),
                "shadd" => (0, 0),
                "uhadd" => (1, 0),
                "srhadd" => (0, 0b00010),
                "urhadd" => (1, 0b00010),
                _ => (0, 0b10111),
            };
            let base = if scalar.is_some() { 0x5e200400 } else { 0x0e200400 };
            Out::w(base | q(a) | u << 29 | (a.esize as u32) << 22 | mm << 16 | op << 11 | n << 5 | d)
        }
        "bsl" | "bit" | "bif" | "and" | "orr" | "eor" | "bic" | "orn" => logical(c, m)?,
        "cmlt" | "cmle" => {
            let (d, a) = c.v(0)?;
            let (n, _) = c.v(1)?;
            let (u, op) = if m == "cmlt" { (0, 0b01010) } else { (1, 0b01001) };
            Out::w(0x0e200800 | q(a) | u << 29 | (a.esize as u32) << 22 | op << 12 | n << 5 | d)
        }
        "fadd" | "fsub" | "fmul" | "fdiv" | "fmla" | "fmls" | "fmax" | "fmin" | "fmaxnm" | "fminnm" | "fcmeq" | "fcmge" | "fcmgt" | "faddp" | "fabd" => {
            let (d, a, n, mm) = c.vvv()?;
            let sz = (a.esize == 3) as u32;
            let base = match m {
                "fadd" => 0x0e20d400,
                "fsub" => 0x0ea0d400,
                "fmul" => 0x2e20dc00,
                "fdiv" => 0x2e20fc00,
                "fmla" => 0x0e20cc00,
                "fmls" => 0x0ea0cc00,
                "fmax" => 0x0e20f400,
                "fmin" => 0x0ea0f400,
                "fmaxnm" => 0x0e20c400,
                "fminnm" => 0x0ea0c400,
                "fcmeq" => 0x0e20e400,
                "fcmge" => 0x2e20e400,
                "fcmgt" => 0x2ea0e400,
                "faddp" => 0x2e20d400,
                _ => 0x2ea0d400,
            };
            Out::w(base | q(a) | sz << 22 | mm << 16 | n << 5 | d)
        }
        "fneg" | "fabs" | "fsqrt" | "scvtf" | "ucvtf" | "fcvtzs" | "fcvtzu" | "frintm" | "frintp" | "frintz" | "frinta" | "frintn" | "frintx" => {
            let (d, a) = c.v(0)?;
            let (n, _) = c.v(1)?;
            let sz = (a.esize == 3) as u32;
            let base = match m {
                "fneg" => 0x2ea0f800,
                "fabs" => 0x0ea0f800,
                "fsqrt" => 0x2ea1f800,
                "scvtf" => 0x0e21d800,
                "ucvtf" => 0x2e21d800,
                "fcvtzs" => 0x0ea1b800,
                "fcvtzu" => 0x2ea1b800,
                "frintm" => 0x0e219800,
                "frintp" => 0x0ea18800,
                "frintz" => 0x0ea19800,
                "frinta" => 0x2e218800,
                "frintn" => 0x0e218800,
                _ => 0x2e219800,
            };
            Out::w(base | q(a) | sz << 22 | n << 5 | d)
        }
        "saddl" | "saddl2" | "uaddl" | "uaddl2" | "saddw" | "saddw2" | "uaddw" | "uaddw2" | "ssubl" | "ssubl2" | "usubl" | "usubl2" | "ssubw" | "ssubw2" | "usubw" | "usubw2" | "smull" | "smull2" | "umull" | "umull2" | "smlal" | "smlal2" | "umlal" | "umlal2" | "smlsl" | "smlsl2" | "umlsl" | "umlsl2" | "pmull" | "pmull2" | "addhn" | "addhn2" | "subhn" | "subhn2" | "sabdl" | "uabdl" | "sabal" | "uabal" | "sabdl2" | "uabdl2" | "sabal2" | "uabal2" => {
            let (d, _) = c.v(0)?;
            let (n, na) = c.v(1)?;
            let (mm, ma) = c.v(2)?;
            let two = m.ends_with('2');
            let stem = m.trim_end_matches('2');
            let u = stem.starts_with('u') as u32;
            let op = match &stem[1..] {
                "addl" => 0b0000,
                "addw" => 0b0001,
                "subl" => 0b0010,
                "subw" => 0b0011,
                "ddhn" => 0b0100,
                "abal" => 0b0101,
                "ubhn" => 0b0110,
                "abdl" => 0b0111,
                "mlal" => 0b1000,
                "mlsl" => 0b1010,
                "mull" if stem == "pmull" => 0b1110,
                _ => 0b1100,
            };
            let u = if stem == "pmull" { 0 } else { u };
            // The narrow operand decides the element size.
            let narrow = if stem.ends_with('w') { ma } else { na };
            let size = if stem.ends_with("hn") { c.v(0)?.1.esize as u32 } else { narrow.esize as u32 };
            Out::w(0x0e200000 | (two as u32) << 30 | u << 29 | size << 22 | mm << 16 | op << 12 | n << 5 | d)
        }
        "shl" | "sshr" | "ushr" | "sshll" | "sshll2" | "ushll" | "ushll2" | "sxtl" | "sxtl2" | "uxtl" | "uxtl2" | "shrn" | "shrn2" | "ssra" | "usra" | "sri" | "sli" | "srshr" | "urshr" | "rshrn" | "rshrn2" => {
            // Scalar form on a d register: `ushr d0, d0, 11`.
            if let (Some(Opd::F(d, 3)), Some(Opd::F(n, 3))) = (c.ops.first().cloned(), c.ops.get(1).cloned()) {
                let sh = c.cimm(2)? as u32;
                let (u, op, right) = match m {
                    "shl" => (0, 0b01010, false),
                    "sli" => (1, 0b01010, false),
                    "sshr" => (0, 0, true),
                    "ushr" => (1, 0, true),
                    "ssra" => (0, 0b00010, true),
                    "usra" => (1, 0b00010, true),
                    "sri" => (1, 0b01000, true),
                    "srshr" => (0, 0b00100, true),
                    "urshr" => (1, 0b00100, true),
                    _ => return Err(format!("operand mismatch -- `{m}'")),
                };
                let immhb = if right { 128 - sh } else { 64 + sh };
                return Ok(Some(Out::w(0x5f000400 | u << 29 | immhb << 16 | op << 11 | (n as u32) << 5 | d as u32)));
            }
            let (d, da) = c.v(0)?;
            let (n, na) = c.v(1)?;
            let sh = if m.contains("xtl") { 0 } else { c.cimm(2)? as u32 };
            if sh >= 64 {
                return Err("shift amount out of range".into());
            }
            let two = m.ends_with('2');
            let stem = m.trim_end_matches('2');
            let (u, op, long, narrow, right) = match stem {
                "shl" => (0, 0b01010, false, false, false),
                "sli" => (1, 0b01010, false, false, false),
                "sshr" => (0, 0, false, false, true),
                "ushr" => (1, 0, false, false, true),
                "srshr" => (0, 0b00100, false, false, true),
                "urshr" => (1, 0b00100, false, false, true),
                "ssra" => (0, 0b00010, false, false, true),
                "usra" => (1, 0b00010, false, false, true),
                "sri" => (1, 0b01000, false, false, true),
                "sshll" | "sxtl" => (0, 0b10100, true, false, false),
                "ushll" | "uxtl" => (1, 0b10100, true, false, false),
                "shrn" => (0, 0b10000, false, true, true),
                _ => (0, 0b10001, false, true, true),
            };
            // Element size of the source (long) or destination (narrow, plain).
            let e = if long { na.esize } else { da.esize } as u32;
            let ebits = 8 << e;
            let immhb = if right { 2 * ebits - sh } else { ebits + sh };
            let qq = if long || narrow { two as u32 } else { da.q as u32 };
            Out::w(0x0f000400 | qq << 30 | u << 29 | immhb << 16 | op << 11 | n << 5 | d)
        }
        "uzp1" | "trn1" | "zip1" | "uzp2" | "trn2" | "zip2" => {
            let (d, a, n, mm) = c.vvv()?;
            let op = match m {
                "uzp1" => 1,
                "trn1" => 2,
                "zip1" => 3,
                "uzp2" => 5,
                "trn2" => 6,
                _ => 7,
            };
            Out::w(0x0e000800 | q(a) | (a.esize as u32) << 22 | mm << 16 | op << 12 | n << 5 | d)
        }
        "ext" => {
            let (d, a, n, mm) = c.vvv()?;
            let i = c.cimm(3)? as u32;
            Out::w(0x2e000000 | q(a) | mm << 16 | i << 11 | n << 5 | d)
        }
        "tbl" | "tbx" => {
            let (d, a) = c.v(0)?;
            let Some(Opd::List(n, cnt, _, _, None)) = c.ops.get(1).cloned() else { return Err("operand 2: register list expected".into()) };
            let (mm, _) = c.v(2)?;
            Out::w(0x0e000000 | q(a) | ((m == "tbx") as u32) << 12 | mm << 16 | (cnt as u32 - 1) << 13 | (n as u32) << 5 | d)
        }
        "ld1" | "st1" | "ld1r" | "ld2" | "st2" | "ld3" | "st3" | "ld4" | "st4" => ldst_vec(c, m)?,
        _ => return Ok(None),
    };
    Ok(Some(o))
}

fn ldst_vec(c: &mut Ctx, m: &str) -> R {
    let Some(Opd::List(t, cnt, esize, qq, lane)) = c.ops.first().cloned() else { return Err("operand 1: register list expected".into()) };
    let Some(Opd::Mem(Mem { base, index: Index::None, pre: false })) = c.ops.get(1).cloned() else { return Err("operand 2: address expected".into()) };
    let load = m.starts_with("ld") as u32;
    let rn = (base.n as u32) << 5;
    // Post-index by immediate (rm 31) or register.
    let post = match c.ops.get(2).cloned() {
        None => None,
        Some(Opd::R(g)) => Some(g.n as u32),
        Some(_) => Some(31),
    };
    let (post_bit, rm) = match post {
        Some(r) => (1 << 23, r << 16),
        None => (0, 0),
    };
    let nregs = m[2..3].parse::<u32>().unwrap_or(1);
    if m == "ld1r" {
        return Ok(Out::w(0x0d40c000 | (qq as u32) << 30 | post_bit | rm | (esize as u32) << 10 | rn | t as u32));
    }
    if let Some(i) = lane {
        // Single structure: opcode by element size, index in Q:S:size.
        let (opcode, qs) = match esize {
            0 => (0b000, i),
            1 => (0b010, i << 1),
            2 => (0b100, i << 2),
            _ => (0b100, (i << 3) | 1),
        };
        let qbit = (qs >> 3) & 1;
        let s = (qs >> 2) & 1;
        let size = qs & 3;
        let r = (nregs == 2 || nregs == 4) as u32;
        let opcode = opcode | ((nregs >= 3) as u32);
        return Ok(Out::w(0x0d000000 | qbit << 30 | load << 22 | post_bit | r << 21 | rm | opcode << 13 | s << 12 | size << 10 | rn | t as u32));
    }
    let opcode = match (nregs, cnt) {
        (1, 1) => 0b0111,
        (1, 2) => 0b1010,
        (1, 3) => 0b0110,
        (1, 4) => 0b0010,
        (2, 2) => 0b1000,
        (3, 3) => 0b0100,
        (4, 4) => 0b0000,
        _ => return Err("invalid register list".into()),
    };
    Ok(Out::w(0x0c000000 | (qq as u32) << 30 | load << 22 | post_bit | rm | opcode << 12 | (esize as u32) << 10 | rn | t as u32))
}
