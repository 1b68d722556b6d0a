//! SSE/SSE2 (and the SSE3/SSSE3/SSE4 forms compilers emit): one table, a few operand shapes.

use super::{gpr, rm, xmm, Insn};
use crate::x86_64::encode::Rm;
use crate::x86_64::operand::{Class, Operand};

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// `op xmm/mem, xmm`.
    RegRm,
    /// `op $imm8, xmm/mem, xmm`.
    RegRmImm,
    /// Load form opcode; the store form (xmm to memory) is the second opcode.
    Mov(u8),
    /// `op xmm, gpr` (movmskps, pmovmskb).
    ToGpr,
    /// `op $imm8, xmm, gpr` with the gpr in ModRM.reg (pextrw).
    ToGprImm,
    /// `op $imm8, xmm, gpr/mem` with the xmm in ModRM.reg (pextrb/d/q).
    ExtractImm,
    /// Shift by xmm/mem (this opcode) or by immediate (second opcode, /ext).
    Shift(u8, u8),
}

/// (mnemonic, mandatory prefix, opcode bytes after 0F, shape).
const TABLE: &[(&str, u8, &[u8], Shape)] = &[
    ("movss", 0xf3, &[0x10], Shape::Mov(0x11)),
    ("movsd", 0xf2, &[0x10], Shape::Mov(0x11)),
    ("movaps", 0, &[0x28], Shape::Mov(0x29)),
    ("movapd", 0x66, &[0x28], Shape::Mov(0x29)),
    ("movups", 0, &[0x10], Shape::Mov(0x11)),
    ("movupd", 0x66, &[0x10], Shape::Mov(0x11)),
    ("movdqa", 0x66, &[0x6f], Shape::Mov(0x7f)),
    ("movdqu", 0xf3, &[0x6f], Shape::Mov(0x7f)),
    ("movlps", 0, &[0x12], Shape::Mov(0x13)),
    ("movhps", 0, &[0x16], Shape::Mov(0x17)),
    ("movlpd", 0x66, &[0x12], Shape::Mov(0x13)),
    ("movhpd", 0x66, &[0x16], Shape::Mov(0x17)),
    ("movntdq", 0x66, &[0xe7], Shape::Mov(0xe7)),
    ("movntps", 0, &[0x2b], Shape::Mov(0x2b)),
    ("movhlps", 0, &[0x12], Shape::RegRm),
    ("movlhps", 0, &[0x16], Shape::RegRm),
    ("movddup", 0xf2, &[0x12], Shape::RegRm),
    ("movshdup", 0xf3, &[0x16], Shape::RegRm),
    ("movsldup", 0xf3, &[0x12], Shape::RegRm),
    ("lddqu", 0xf2, &[0xf0], Shape::RegRm),
    ("sqrtss", 0xf3, &[0x51], Shape::RegRm),
    ("sqrtsd", 0xf2, &[0x51], Shape::RegRm),
    ("sqrtps", 0, &[0x51], Shape::RegRm),
    ("sqrtpd", 0x66, &[0x51], Shape::RegRm),
    ("rsqrtss", 0xf3, &[0x52], Shape::RegRm),
    ("rsqrtps", 0, &[0x52], Shape::RegRm),
    ("rcpss", 0xf3, &[0x53], Shape::RegRm),
    ("rcpps", 0, &[0x53], Shape::RegRm),
    ("andps", 0, &[0x54], Shape::RegRm),
    ("andpd", 0x66, &[0x54], Shape::RegRm),
    ("andnps", 0, &[0x55], Shape::RegRm),
    ("andnpd", 0x66, &[0x55], Shape::RegRm),
    ("orps", 0, &[0x56], Shape::RegRm),
    ("orpd", 0x66, &[0x56], Shape::RegRm),
    ("xorps", 0, &[0x57], Shape::RegRm),
    ("xorpd", 0x66, &[0x57], Shape::RegRm),
    ("addss", 0xf3, &[0x58], Shape::RegRm),
    ("addsd", 0xf2, &[0x58], Shape::RegRm),
    ("addps", 0, &[0x58], Shape::RegRm),
    ("addpd", 0x66, &[0x58], Shape::RegRm),
    ("mulss", 0xf3, &[0x59], Shape::RegRm),
    ("mulsd", 0xf2, &[0x59], Shape::RegRm),
    ("mulps", 0, &[0x59], Shape::RegRm),
    ("mulpd", 0x66, &[0x59], Shape::RegRm),
    ("subss", 0xf3, &[0x5c], Shape::RegRm),
    ("subsd", 0xf2, &[0x5c], Shape::RegRm),
    ("subps", 0, &[0x5c], Shape::RegRm),
    ("subpd", 0x66, &[0x5c], Shape::RegRm),
    ("minss", 0xf3, &[0x5d], Shape::RegRm),
    ("minsd", 0xf2, &[0x5d], Shape::RegRm),
    ("minps", 0, &[0x5d], Shape::RegRm),
    ("minpd", 0x66, &[0x5d], Shape::RegRm),
    ("divss", 0xf3, &[0x5e], Shape::RegRm),
    ("divsd", 0xf2, &[0x5e], Shape::RegRm),
    ("divps", 0, &[0x5e], Shape::RegRm),
    ("divpd", 0x66, &[0x5e], Shape::RegRm),
    ("maxss", 0xf3, &[0x5f], Shape::RegRm),
    ("maxsd", 0xf2, &[0x5f], Shape::RegRm),
    ("maxps", 0, &[0x5f], Shape::RegRm),
    ("maxpd", 0x66, &[0x5f], Shape::RegRm),
    ("haddps", 0xf2, &[0x7c], Shape::RegRm),
    ("haddpd", 0x66, &[0x7c], Shape::RegRm),
    ("addsubps", 0xf2, &[0xd0], Shape::RegRm),
    ("addsubpd", 0x66, &[0xd0], Shape::RegRm),
    ("ucomiss", 0, &[0x2e], Shape::RegRm),
    ("ucomisd", 0x66, &[0x2e], Shape::RegRm),
    ("comiss", 0, &[0x2f], Shape::RegRm),
    ("comisd", 0x66, &[0x2f], Shape::RegRm),
    ("cvtss2sd", 0xf3, &[0x5a], Shape::RegRm),
    ("cvtsd2ss", 0xf2, &[0x5a], Shape::RegRm),
    ("cvtps2pd", 0, &[0x5a], Shape::RegRm),
    ("cvtpd2ps", 0x66, &[0x5a], Shape::RegRm),
    ("cvtdq2ps", 0, &[0x5b], Shape::RegRm),
    ("cvtps2dq", 0x66, &[0x5b], Shape::RegRm),
    ("cvttps2dq", 0xf3, &[0x5b], Shape::RegRm),
    ("cvtdq2pd", 0xf3, &[0xe6], Shape::RegRm),
    ("cvttpd2dq", 0x66, &[0xe6], Shape::RegRm),
    ("cvtpd2dq", 0xf2, &[0xe6], Shape::RegRm),
    ("unpcklps", 0, &[0x14], Shape::RegRm),
    ("unpcklpd", 0x66, &[0x14], Shape::RegRm),
    ("unpckhps", 0, &[0x15], Shape::RegRm),
    ("unpckhpd", 0x66, &[0x15], Shape::RegRm),
    ("shufps", 0, &[0xc6], Shape::RegRmImm),
    ("shufpd", 0x66, &[0xc6], Shape::RegRmImm),
    ("cmpps", 0, &[0xc2], Shape::RegRmImm),
    ("cmppd", 0x66, &[0xc2], Shape::RegRmImm),
    ("cmpss", 0xf3, &[0xc2], Shape::RegRmImm),
    ("cmpsd", 0xf2, &[0xc2], Shape::RegRmImm),
    ("movmskps", 0, &[0x50], Shape::ToGpr),
    ("movmskpd", 0x66, &[0x50], Shape::ToGpr),
    ("pmovmskb", 0x66, &[0xd7], Shape::ToGpr),
    ("pshufd", 0x66, &[0x70], Shape::RegRmImm),
    ("pshuflw", 0xf2, &[0x70], Shape::RegRmImm),
    ("pshufhw", 0xf3, &[0x70], Shape::RegRmImm),
    ("psllw", 0x66, &[0xf1], Shape::Shift(0x71, 6)),
    ("pslld", 0x66, &[0xf2], Shape::Shift(0x72, 6)),
    ("psllq", 0x66, &[0xf3], Shape::Shift(0x73, 6)),
    ("psrlw", 0x66, &[0xd1], Shape::Shift(0x71, 2)),
    ("psrld", 0x66, &[0xd2], Shape::Shift(0x72, 2)),
    ("psrlq", 0x66, &[0xd3], Shape::Shift(0x73, 2)),
    ("psraw", 0x66, &[0xe1], Shape::Shift(0x71, 4)),
    ("psrad", 0x66, &[0xe2], Shape::Shift(0x72, 4)),
    ("psrldq", 0x66, &[0x73], Shape::Shift(0x73, 3)),
    ("pslldq", 0x66, &[0x73], Shape::Shift(0x73, 7)),
    ("paddb", 0x66, &[0xfc], Shape::RegRm),
    ("paddw", 0x66, &[0xfd], Shape::RegRm),
    ("paddd", 0x66, &[0xfe], Shape::RegRm),
    ("paddq", 0x66, &[0xd4], Shape::RegRm),
    ("paddsb", 0x66, &[0xec], Shape::RegRm),
    ("paddsw", 0x66, &[0xed], Shape::RegRm),
    ("paddusb", 0x66, &[0xdc], Shape::RegRm),
    ("paddusw", 0x66, &[0xdd], Shape::RegRm),
    ("psubb", 0x66, &[0xf8], Shape::RegRm),
    ("psubw", 0x66, &[0xf9], Shape::RegRm),
    ("psubd", 0x66, &[0xfa], Shape::RegRm),
    ("psubq", 0x66, &[0xfb], Shape::RegRm),
    ("psubsb", 0x66, &[0xe8], Shape::RegRm),
    ("psubsw", 0x66, &[0xe9], Shape::RegRm),
    ("psubusb", 0x66, &[0xd8], Shape::RegRm),
    ("psubusw", 0x66, &[0xd9], Shape::RegRm),
    ("pmullw", 0x66, &[0xd5], Shape::RegRm),
    ("pmulhw", 0x66, &[0xe5], Shape::RegRm),
    ("pmulhuw", 0x66, &[0xe4], Shape::RegRm),
    ("pmuludq", 0x66, &[0xf4], Shape::RegRm),
    ("pmaddwd", 0x66, &[0xf5], Shape::RegRm),
    ("pand", 0x66, &[0xdb], Shape::RegRm),
    ("pandn", 0x66, &[0xdf], Shape::RegRm),
    ("por", 0x66, &[0xeb], Shape::RegRm),
    ("pxor", 0x66, &[0xef], Shape::RegRm),
    ("pcmpeqb", 0x66, &[0x74], Shape::RegRm),
    ("pcmpeqw", 0x66, &[0x75], Shape::RegRm),
    ("pcmpeqd", 0x66, &[0x76], Shape::RegRm),
    ("pcmpgtb", 0x66, &[0x64], Shape::RegRm),
    ("pcmpgtw", 0x66, &[0x65], Shape::RegRm),
    ("pcmpgtd", 0x66, &[0x66], Shape::RegRm),
    ("punpcklbw", 0x66, &[0x60], Shape::RegRm),
    ("punpcklwd", 0x66, &[0x61], Shape::RegRm),
    ("punpckldq", 0x66, &[0x62], Shape::RegRm),
    ("punpcklqdq", 0x66, &[0x6c], Shape::RegRm),
    ("punpckhbw", 0x66, &[0x68], Shape::RegRm),
    ("punpckhwd", 0x66, &[0x69], Shape::RegRm),
    ("punpckhdq", 0x66, &[0x6a], Shape::RegRm),
    ("punpckhqdq", 0x66, &[0x6d], Shape::RegRm),
    ("packsswb", 0x66, &[0x63], Shape::RegRm),
    ("packuswb", 0x66, &[0x67], Shape::RegRm),
    ("packssdw", 0x66, &[0x6b], Shape::RegRm),
    ("pmaxub", 0x66, &[0xde], Shape::RegRm),
    ("pminub", 0x66, &[0xda], Shape::RegRm),
    ("pmaxsw", 0x66, &[0xee], Shape::RegRm),
    ("pminsw", 0x66, &[0xea], Shape::RegRm),
    ("pavgb", 0x66, &[0xe0], Shape::RegRm),
    ("pavgw", 0x66, &[0xe3], Shape::RegRm),
    ("psadbw", 0x66, &[0xf6], Shape::RegRm),
    ("pshufb", 0x66, &[0x38, 0x00], Shape::RegRm),
    ("pmulld", 0x66, &[0x38, 0x40], Shape::RegRm),
    ("pminsd", 0x66, &[0x38, 0x39], Shape::RegRm),
    ("pmaxsd", 0x66, &[0x38, 0x3d], Shape::RegRm),
    ("pminud", 0x66, &[0x38, 0x3b], Shape::RegRm),
    ("pmaxud", 0x66, &[0x38, 0x3f], Shape::RegRm),
    ("pminsb", 0x66, &[0x38, 0x38], Shape::RegRm),
    ("pmaxsb", 0x66, &[0x38, 0x3c], Shape::RegRm),
    ("pminuw", 0x66, &[0x38, 0x3a], Shape::RegRm),
    ("pmaxuw", 0x66, &[0x38, 0x3e], Shape::RegRm),
    ("pcmpeqq", 0x66, &[0x38, 0x29], Shape::RegRm),
    ("pcmpgtq", 0x66, &[0x38, 0x37], Shape::RegRm),
    ("ptest", 0x66, &[0x38, 0x17], Shape::RegRm),
    ("pabsb", 0x66, &[0x38, 0x1c], Shape::RegRm),
    ("pabsw", 0x66, &[0x38, 0x1d], Shape::RegRm),
    ("pabsd", 0x66, &[0x38, 0x1e], Shape::RegRm),
    ("pmovzxbw", 0x66, &[0x38, 0x30], Shape::RegRm),
    ("pmovzxwd", 0x66, &[0x38, 0x33], Shape::RegRm),
    ("pmovzxdq", 0x66, &[0x38, 0x35], Shape::RegRm),
    ("pmovsxbw", 0x66, &[0x38, 0x20], Shape::RegRm),
    ("pmovsxwd", 0x66, &[0x38, 0x23], Shape::RegRm),
    ("pmovsxdq", 0x66, &[0x38, 0x25], Shape::RegRm),
    ("pextrw", 0x66, &[0xc5], Shape::ToGprImm),
    ("pinsrw", 0x66, &[0xc4], Shape::RegRmImm),
    ("pinsrb", 0x66, &[0x3a, 0x20], Shape::RegRmImm),
    ("pinsrd", 0x66, &[0x3a, 0x22], Shape::RegRmImm),
    ("pinsrq", 0x66, &[0x3a, 0x22], Shape::RegRmImm),
    ("pextrb", 0x66, &[0x3a, 0x14], Shape::ExtractImm),
    ("pextrd", 0x66, &[0x3a, 0x16], Shape::ExtractImm),
    ("pextrq", 0x66, &[0x3a, 0x16], Shape::ExtractImm),
    ("extractps", 0x66, &[0x3a, 0x17], Shape::ExtractImm),
    ("insertps", 0x66, &[0x3a, 0x21], Shape::RegRmImm),
    ("palignr", 0x66, &[0x3a, 0x0f], Shape::RegRmImm),
    ("pblendw", 0x66, &[0x3a, 0x0e], Shape::RegRmImm),
    ("roundss", 0x66, &[0x3a, 0x0a], Shape::RegRmImm),
    ("roundsd", 0x66, &[0x3a, 0x0b], Shape::RegRmImm),
    ("roundps", 0x66, &[0x3a, 0x08], Shape::RegRmImm),
    ("roundpd", 0x66, &[0x3a, 0x09], Shape::RegRmImm),
];

/// `cmpltss` and friends: predicate names of cmpXXss/sd/ps/pd.
const PRED: [&str; 8] = ["eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"];

impl Insn<'_, '_> {
    pub(super) fn sse(&mut self, m: &str) -> Result<bool, String> {
        match m {
            "movd" | "movq" => return self.movdq(m == "movq"),
            _ => {}
        }
        if let Some(r) = self.cvt(m)? {
            return Ok(r);
        }
        // cmpXXss: predicate as an implicit immediate.
        if let Some(rest) = m.strip_prefix("cmp") {
            for (i, p) in PRED.iter().enumerate() {
                if let Some(ty) = rest.strip_prefix(p) {
                    if let Some(&(_, pre, op, _)) = TABLE.iter().find(|t| t.0 == format!("cmp{ty}")) {
                        if self.ops.len() == 2 {
                            return self.sse_op(pre, op, Shape::RegRm, Some(i as i64)).map(|_| true);
                        }
                    }
                }
            }
        }
        static INDEX: super::NameIndex = super::NameIndex::new();
        let Some(&(_, pre, op, shape)) = INDEX.get(TABLE.iter().map(|t| t.0), m).map(|i| &TABLE[i]) else { return Ok(false) };
        // `movsd`/`cmpsd` without xmm operands are string instructions.
        if (m == "movsd" || m == "cmpsd") && !self.ops.iter().any(|o| xmm(&o.op).is_some()) {
            return Ok(false);
        }
        self.sse_op(pre, op, shape, None)?;
        Ok(true)
    }

    fn sse_op(&mut self, pre: u8, op: &[u8], shape: Shape, pred: Option<i64>) -> Result<(), String> {
        let mut e = self.base(0);
        e.mandatory = (pre != 0).then_some(pre);
        let n = self.ops.len();
        let last = self.op(n.saturating_sub(1))?.clone();
        let srci = if matches!(shape, Shape::RegRmImm | Shape::ToGprImm | Shape::ExtractImm) { 1 } else { 0 };
        if matches!(shape, Shape::ToGprImm | Shape::ExtractImm) {
            let Operand::Imm(v) = self.op(0)?.clone() else { return Err("missing immediate".into()) };
            e.imm.push(self.imm(&v, 1, false)?);
            let x = xmm(self.op(1)?).ok_or("invalid operands")?;
            let g = gpr(&last);
            if shape == Shape::ToGprImm {
                let g = g.ok_or("destination must be a general register")?;
                e.reg = g.num;
                e.rm = Some(Rm::Reg(x));
            } else {
                e.reg = x.num;
                e.rm = rm(&last);
                e.w = op == [0x3a, 0x16] && g.map_or(false, |r| r.size() == Some(8));
            }
            e.opcode = [&[0x0f][..], op].concat();
            return self.emit(e);
        }
        // pinsrq: REX.W.
        if op == [0x3a, 0x22] && self.ops.get(1).and_then(|o| gpr(&o.op)).map_or(false, |r| r.size() == Some(8)) {
            e.w = true;
        }
        let src = self.op(srci.min(n.saturating_sub(1)))?.clone();
        let mut opcode = vec![0x0f];
        match shape {
            Shape::Mov(store) if xmm(&last).is_none() => {
                // Store: xmm source in ModRM.reg.
                let r = xmm(&src).ok_or("invalid operands")?;
                opcode.push(store);
                e.reg = r.num;
                e.rm = rm(&last);
            }
            Shape::Shift(iop, ext) if matches!(src, Operand::Imm(_)) => {
                let Operand::Imm(v) = &src else { unreachable!() };
                opcode.push(iop);
                e.reg = ext;
                e.rm = rm(&last);
                e.imm.push(self.imm(v, 1, false)?);
            }
            Shape::ToGpr => {
                let g = gpr(&last).ok_or("destination must be a general register")?;
                opcode.extend_from_slice(op);
                e.reg = g.num;
                e.rm = rm(&src);
            }
            _ => {
                let d = match last {
                    Operand::Reg(r) if matches!(r.class, Class::Xmm) => r,
                    _ => return Err("invalid operands".into()),
                };
                if shape == Shape::RegRmImm {
                    let Operand::Imm(v) = self.op(0)?.clone() else { return Err("missing immediate".into()) };
                    e.imm.push(self.imm(&v, 1, false)?);
                }
                if shape == Shape::RegRm && n != 2 {
                    return Err("number of operands mismatch".into());
                }
                opcode.extend_from_slice(op);
                e.reg = d.num;
                e.rm = rm(&src);
            }
        }
        if let Some(p) = pred {
            e.imm.push(crate::x86_64::encode::Imm { e: crate::expr::ExprM { expr: crate::expr::Expr::Num(p), modifier: None }, size: 1, signed: false, val: Some(p) });
        }
        e.opcode = opcode;
        self.emit(e)
    }

    /// movd/movq between general registers, memory and xmm registers.
    fn movdq(&mut self, q: bool) -> Result<bool, String> {
        self.nops(2)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        if xmm(&s).is_none() && xmm(&d).is_none() {
            if q {
                // `movq` between general registers/memory is `mov` with a q suffix.
                return Ok(false);
            }
            return Err("invalid operands for movd".into());
        }
        let mut e = self.base(0);
        let g_is_64 = |o: &Operand| gpr(o).map_or(false, |r| r.size() == Some(8));
        match (xmm(&s), xmm(&d)) {
            (Some(_), Some(dr)) if q => {
                e.mandatory = Some(0xf3);
                e.opcode = vec![0x0f, 0x7e];
                e.reg = dr.num;
                e.rm = rm(&s);
            }
            (None, Some(dr)) => {
                if q && !g_is_64(&s) {
                    // movq mem64 -> xmm.
                    e.mandatory = Some(0xf3);
                    e.opcode = vec![0x0f, 0x7e];
                } else {
                    e.mandatory = Some(0x66);
                    e.opcode = vec![0x0f, 0x6e];
                    e.w = q;
                }
                e.reg = dr.num;
                e.rm = rm(&s);
            }
            (Some(sr), None) => {
                if q && !g_is_64(&d) {
                    e.mandatory = Some(0x66);
                    e.opcode = vec![0x0f, 0xd6];
                } else {
                    e.mandatory = Some(0x66);
                    e.opcode = vec![0x0f, 0x7e];
                    e.w = q;
                }
                e.reg = sr.num;
                e.rm = rm(&d);
            }
            (Some(sr), Some(_)) => {
                e.mandatory = Some(0x66);
                e.opcode = vec![0x0f, 0x7e];
                e.reg = sr.num;
                e.rm = rm(&d);
            }
            (None, None) => return Err("invalid operands".into()),
        }
        self.emit(e)?;
        Ok(true)
    }

    /// Conversions between general registers and scalars: cvtsi2s[sd][lq], cvt(t)s[sd]2si[lq].
    fn cvt(&mut self, m: &str) -> Result<Option<bool>, String> {
        let (to_xmm, pre, op, rest) = if let Some(r) = m.strip_prefix("cvtsi2ss") {
            (true, 0xf3, 0x2a, r)
        } else if let Some(r) = m.strip_prefix("cvtsi2sd") {
            (true, 0xf2, 0x2a, r)
        } else if let Some(r) = m.strip_prefix("cvttss2si") {
            (false, 0xf3, 0x2c, r)
        } else if let Some(r) = m.strip_prefix("cvttsd2si") {
            (false, 0xf2, 0x2c, r)
        } else if let Some(r) = m.strip_prefix("cvtss2si") {
            (false, 0xf3, 0x2d, r)
        } else if let Some(r) = m.strip_prefix("cvtsd2si") {
            (false, 0xf2, 0x2d, r)
        } else {
            return Ok(None);
        };
        let suf = match rest {
            "" => None,
            "l" => Some(4),
            "q" => Some(8),
            _ => return Ok(None),
        };
        self.nops(2)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let mut e = self.base(0);
        e.mandatory = Some(pre);
        e.opcode = vec![0x0f, op];
        let g = if to_xmm { &s } else { &d };
        let wide = match suf {
            Some(n) => n == 8,
            None => gpr(g).map_or(false, |r| r.size() == Some(8)),
        };
        e.w = wide;
        if to_xmm {
            let x = xmm(&d).ok_or("destination must be an xmm register")?;
            e.reg = x.num;
            e.rm = rm(&s);
        } else {
            let r = gpr(&d).ok_or("destination must be a general register")?;
            e.reg = r.num;
            e.rm = rm(&s);
        }
        let _ = Rm::Reg;
        self.emit(e)?;
        Ok(Some(true))
    }
}
