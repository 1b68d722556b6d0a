//! Scalar floating point: arithmetic, compares, conversions, `fmov`.

use super::{Ctx, Out, R};
use crate::aarch64::operand::Opd;

/// FP type field: s 0, d 1, h 3.
fn ftype(size: u8) -> Result<u32, String> {
    match size {
        2 => Ok(0),
        3 => Ok(1),
        1 => Ok(3),
        _ => Err("invalid floating-point register size".into()),
    }
}

/// The 8-bit `fmov` immediate for `v`, if representable.
pub(crate) fn fp_imm8(v: f64) -> Option<u32> {
    for imm in 0u32..256 {
        let sign = imm >> 7;
        let exp = ((imm >> 4) & 7) as i32;
        let frac = (imm & 15) as f64;
        // VFPExpandImm: exponent NOT(b):bb...b(6):cd, i.e. -3..4 around bias.
        let e = if exp & 4 != 0 { exp - 8 } else { exp } + 1;
        let val = (16.0 + frac) / 16.0 * 2f64.powi(e);
        let val = if sign == 1 { -val } else { val };
        if val == v {
            return Some(imm);
        }
    }
    None
}

impl Ctx<'_, '_> {
    fn f(&self, i: usize) -> Result<(u32, u8), String> {
        match self.ops.get(i) {
            Some(Opd::F(n, s)) => Ok((*n as u32, *s)),
            _ => Err(format!("operand {}: floating-point register expected", i + 1)),
        }
    }
}

pub(super) fn encode(c: &mut Ctx, m: &str) -> Result<Option<Out>, String> {
    // Vector forms go to simd.rs.
    if matches!(c.ops.first(), Some(Opd::V(..)) | Some(Opd::E(..))) {
        return Ok(None);
    }
    let o = match m {
        "fmov" => return fmov(c).map(Some),
        "fabs" | "fneg" | "fsqrt" | "frintn" | "frintp" | "frintm" | "frintz" | "frinta" | "frintx" | "frinti" => {
            let opc = match m {
                "fabs" => 1,
                "fneg" => 2,
                "fsqrt" => 3,
                "frintn" => 8,
                "frintp" => 9,
                "frintm" => 10,
                "frintz" => 11,
                "frinta" => 12,
                "frintx" => 14,
                _ => 15,
            };
            let ((d, s), (n, _)) = (c.f(0)?, c.f(1)?);
            Out::w(0x1e204000 | ftype(s)? << 22 | opc << 15 | n << 5 | d)
        }
        "fcvt" => {
            let ((d, ds), (n, ns)) = (c.f(0)?, c.f(1)?);
            Out::w(0x1e224000 | ftype(ns)? << 22 | ftype(ds)? << 15 | n << 5 | d)
        }
        "fmul" | "fdiv" | "fadd" | "fsub" | "fmax" | "fmin" | "fmaxnm" | "fminnm" | "fnmul" => {
            let op = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"].iter().position(|x| *x == m).unwrap_or(0) as u32;
            let ((d, s), (n, _), (mm, _)) = (c.f(0)?, c.f(1)?, c.f(2)?);
            Out::w(0x1e200800 | ftype(s)? << 22 | mm << 16 | op << 12 | n << 5 | d)
        }
        "fmadd" | "fmsub" | "fnmadd" | "fnmsub" => {
            let (o1, o0) = match m {
                "fmadd" => (0, 0),
                "fmsub" => (0, 1),
                "fnmadd" => (1, 0),
                _ => (1, 1),
            };
            let ((d, s), (n, _), (mm, _), (a, _)) = (c.f(0)?, c.f(1)?, c.f(2)?, c.f(3)?);
            Out::w(0x1f000000 | ftype(s)? << 22 | o1 << 21 | mm << 16 | o0 << 15 | a << 10 | n << 5 | d)
        }
        "fcmp" | "fcmpe" => {
            let (n, s) = c.f(0)?;
            let e = ((m == "fcmpe") as u32) << 4;
            match c.ops.get(1).cloned() {
                Some(Opd::F(mm, _)) => Out::w(0x1e202000 | ftype(s)? << 22 | (mm as u32) << 16 | n << 5 | e),
                Some(Opd::Float(z)) if z == 0.0 => Out::w(0x1e202008 | ftype(s)? << 22 | n << 5 | e),
                Some(Opd::Imm(_)) if c.cimm(1)? == 0 => Out::w(0x1e202008 | ftype(s)? << 22 | n << 5 | e),
                _ => return Err("operand 2: floating-point register or #0.0 expected".into()),
            }
        }
        "fccmp" | "fccmpe" => {
            let ((n, s), (mm, _)) = (c.f(0)?, c.f(1)?);
            let nzcv = c.cimm(2)? as u32 & 15;
            let cc = c.cond_op(3)?;
            Out::w(0x1e200400 | ftype(s)? << 22 | mm << 16 | cc << 12 | n << 5 | ((m == "fccmpe") as u32) << 4 | nzcv)
        }
        "fcsel" => {
            let ((d, s), (n, _), (mm, _)) = (c.f(0)?, c.f(1)?, c.f(2)?);
            let cc = c.cond_op(3)?;
            Out::w(0x1e200c00 | ftype(s)? << 22 | mm << 16 | cc << 12 | n << 5 | d)
        }
        "scvtf" | "ucvtf" => {
            let (d, s) = c.f(0)?;
            let rn = match c.ops.get(1) {
                Some(Opd::R(g)) => *g,
                // Scalar SIMD form: `scvtf d0, d1`.
                Some(Opd::F(n, _)) if c.n() == 2 => {
                    let base = if m == "scvtf" { 0x5e21d800 } else { 0x7e21d800 };
                    return Ok(Some(Out::w(base | ((s == 3) as u32) << 22 | (*n as u32) << 5 | d)));
                }
                _ => return Ok(None),
            };
            if c.n() == 3 {
                // Fixed point: `scvtf d0, x1, #fbits`.
                let fbits = c.cimm(2)? as u32;
                let base = if m == "scvtf" { 0x1e020000 } else { 0x1e030000 };
                return Ok(Some(Out::w(base | (rn.x as u32) << 31 | ftype(s)? << 22 | (64 - fbits) << 10 | (rn.n as u32) << 5 | d)));
            }
            let opc = if m == "scvtf" { 2 } else { 3 };
            Out::w(0x1e200000 | (rn.x as u32) << 31 | ftype(s)? << 22 | opc << 16 | (rn.n as u32) << 5 | d)
        }
        "fcvtzs" | "fcvtzu" | "fcvtns" | "fcvtnu" | "fcvtps" | "fcvtpu" | "fcvtms" | "fcvtmu" | "fcvtas" | "fcvtau" => {
            let rd = match c.ops.first() {
                Some(Opd::R(g)) => *g,
                // Scalar SIMD form: `fcvtzs s0, s1`.
                Some(Opd::F(d, s)) if matches!(m, "fcvtzs" | "fcvtzu") && c.n() == 2 => {
                    let (n, _) = c.f(1)?;
                    let base = if m == "fcvtzs" { 0x5ea1b800 } else { 0x7ea1b800 };
                    return Ok(Some(Out::w(base | ((*s == 3) as u32) << 22 | n << 5 | *d as u32)));
                }
                _ => return Ok(None),
            };
            let (n, s) = c.f(1)?;
            if c.n() == 3 {
                // Fixed point: `fcvtzs w0, d0, #fbits`.
                let fbits = c.cimm(2)? as u32;
                let base = match m {
                    "fcvtzs" => 0x1e180000,
                    "fcvtzu" => 0x1e190000,
                    _ => return Err(format!("`{m}' has no fixed-point form")),
                };
                return Ok(Some(Out::w(base | (rd.x as u32) << 31 | ftype(s)? << 22 | (64 - fbits) << 10 | n << 5 | rd.n as u32)));
            }
            let u = m.ends_with('u') as u32;
            let (rmode, opc) = match &m[4..5] {
                "n" => (0, u),
                "p" => (1, u),
                "m" => (2, u),
                "z" => (3, u),
                _ => (0, 4 + u),
            };
            Out::w(0x1e200000 | (rd.x as u32) << 31 | ftype(s)? << 22 | rmode << 19 | opc << 16 | n << 5 | rd.n as u32)
        }
        _ => return Ok(None),
    };
    Ok(Some(o))
}

fn fmov(c: &mut Ctx) -> R {
    c.want(2)?;
    match (c.ops[0].clone(), c.ops[1].clone()) {
        (Opd::F(d, s), Opd::F(n, _)) => Ok(Out::w(0x1e204000 | ftype(s)? << 22 | (n as u32) << 5 | d as u32)),
        (Opd::R(g), Opd::F(n, s)) => Ok(Out::w(0x1e260000 | (g.x as u32) << 31 | ftype(s)? << 22 | (n as u32) << 5 | g.n as u32)),
        (Opd::F(d, s), Opd::R(g)) => Ok(Out::w(0x1e270000 | (g.x as u32) << 31 | ftype(s)? << 22 | (g.n as u32) << 5 | d as u32)),
        (Opd::R(g), Opd::E(n, 3, 1)) => Ok(Out::w(0x9eae0000 | (n as u32) << 5 | g.n as u32)),
        (Opd::F(d, s), Opd::Float(v)) => {
            let imm = fp_imm8(v).ok_or("invalid floating-point constant")?;
            Ok(Out::w(0x1e201000 | ftype(s)? << 22 | imm << 13 | d as u32))
        }
        (Opd::F(d, s), Opd::Imm(_)) => {
            let v = c.cimm(1)?;
            let imm = fp_imm8(v as f64).ok_or("invalid floating-point constant")?;
            Ok(Out::w(0x1e201000 | ftype(s)? << 22 | imm << 13 | d as u32))
        }
        _ => Err("operand mismatch -- `fmov'".into()),
    }
}
