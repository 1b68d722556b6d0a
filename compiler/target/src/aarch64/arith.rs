//! Arithmetic, compares, conversions, memory access and atomics.

use ccc_ir::{BinOp, CastOp, FloatCC, IntCC, RmwOp, Type, UnOp, Value};

use super::calls::{LArg, LRet};
use super::inst::*;
use super::isel::{fcc, icc, Isel, VLoc};
use crate::codegen::lowering::{int_sz, is_signed_cc};
use crate::codegen::mir::{OpKind, Reg};

/// Whether `-march` enables the LSE atomics (ARMv8.1-A and later, or `+lse`).
pub fn has_lse(march: &str) -> bool {
    let mut parts = march.split('+');
    let base = parts.next().unwrap_or("");
    let minor = base.strip_prefix("armv8.").and_then(|v| v.split('-').next()?.parse::<u32>().ok());
    let mut lse = base.starts_with("armv9") || minor.is_some_and(|n| n >= 1);
    for p in parts {
        match p {
            "lse" => lse = true,
            "nolse" => lse = false,
            _ => {}
        }
    }
    lse
}

impl Isel<'_> {
    // ---------------------------------------------------------------- binary

    pub(crate) fn lower_binary(&mut self, res: Value, op: BinOp, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        if ty == Type::F128 {
            return self.binary_f128(res, op, lhs, rhs);
        }
        if ty == Type::I128 {
            return self.binary_i128(res, op, lhs, rhs);
        }
        let d = self.out(res);
        if ty.is_float() {
            let name = match op {
                BinOp::FAdd => "fadd",
                BinOp::FSub => "fsub",
                BinOp::FMul => "fmul",
                BinOp::FDiv => "fdiv",
                _ => return self.unsupported("integer operation on floats"),
            };
            let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
            self.r(name, W::float(ty), d, a, b);
            return Ok(());
        }
        let sz = int_sz(ty);
        let w = W::int(sz);
        let bits = if sz == 8 { 64 } else { 32 };
        let c = self.const_of(rhs).map(|c| c as i64);
        // register-immediate forms
        if let Some(c) = c {
            let cw = if sz == 8 { c } else { c as i32 as i64 };
            let imm = match op {
                BinOp::Add if add_imm(cw) => Some(("add", cw)),
                BinOp::Add if add_imm(-cw) => Some(("sub", -cw)),
                BinOp::Sub if add_imm(cw) => Some(("sub", cw)),
                BinOp::Sub if add_imm(-cw) => Some(("add", -cw)),
                BinOp::And if logical_imm(c as u64, sz < 8) => Some(("and", cw)),
                BinOp::Or if logical_imm(c as u64, sz < 8) => Some(("orr", cw)),
                BinOp::Xor if logical_imm(c as u64, sz < 8) => Some(("eor", cw)),
                BinOp::Shl => Some(("lsl", c & (bits - 1))),
                BinOp::Mul if c > 0 && (c as u64).is_power_of_two() => Some(("lsl", c.trailing_zeros() as i64 & (bits - 1))),
                BinOp::LShr if sz >= 4 => Some(("lsr", c & (bits - 1))),
                BinOp::AShr if sz >= 4 => Some(("asr", c & (bits - 1))),
                _ => None,
            };
            if let Some((name, imm)) = imm {
                let a = self.reg(lhs)?;
                let imm = if matches!(name, "and" | "orr" | "eor") && sz < 8 { imm as u32 as i64 } else { imm };
                self.i(name, w, d, a, imm);
                return Ok(());
            }
        }
        let name = match op {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::And => "and",
            BinOp::Or => "orr",
            BinOp::Xor => "eor",
            BinOp::Shl => "lsl",
            BinOp::LShr | BinOp::AShr | BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem => {
                let signed = matches!(op, BinOp::AShr | BinOp::SDiv | BinOp::SRem);
                let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
                // narrow types are extended to the 32-bit operation first
                let (a, b) = if sz < 4 {
                    let ext = |s: &mut Self, r: Reg| if signed { s.sext_reg(r, sz) } else { s.zext_reg(r, sz) };
                    let a2 = ext(self, a);
                    let b2 = if matches!(op, BinOp::LShr | BinOp::AShr) { b } else { ext(self, b) };
                    (a2, b2)
                } else {
                    (a, b)
                };
                match op {
                    BinOp::LShr => self.r("lsr", w, d, a, b),
                    BinOp::AShr => self.r("asr", w, d, a, b),
                    BinOp::SDiv => self.r("sdiv", w, d, a, b),
                    BinOp::UDiv => self.r("udiv", w, d, a, b),
                    _ => {
                        let q = self.vreg();
                        self.r(if signed { "sdiv" } else { "udiv" }, w, q, a, b);
                        self.emit(Inst::R4 { op: "msub", w, rd: d, rn: q, rm: b, ra: a });
                    }
                }
                return Ok(());
            }
            _ => return self.unsupported("float operation on integers"),
        };
        let a = self.reg(lhs)?;
        let b = if name == "mul" || name == "lsl" { self.reg(rhs)? } else { self.reg_zr(rhs)? };
        self.r(name, w, d, a, b);
        Ok(())
    }

    /// A 128-bit shift by the constant `k` (0..128) into the pair `(dl, dh)`.
    fn shift_i128_const(&mut self, op: BinOp, lhs: Value, (dl, dh): (Reg, Reg), k: i64) -> Result<(), String> {
        let (al, ah) = self.pair(lhs)?;
        let (lo, hi) = (self.vreg(), self.vreg());
        match (op, k) {
            (_, 0) => {
                self.mv(lo, al);
                self.mv(hi, ah);
            }
            (BinOp::Shl, 1..=63) => {
                // hi = ah:al >> (64 - k), lo = al << k
                self.emit(Inst::Extr { rd: hi, rn: ah, rm: al, lsb: 64 - k });
                self.i("lsl", W::X, lo, al, k);
            }
            (BinOp::Shl, _) => {
                self.i("lsl", W::X, hi, al, k - 64);
                self.li(lo, 0);
            }
            (_, 1..=63) => {
                self.emit(Inst::Extr { rd: lo, rn: ah, rm: al, lsb: k });
                self.i(if op == BinOp::AShr { "asr" } else { "lsr" }, W::X, hi, ah, k);
            }
            (BinOp::AShr, _) => {
                self.i("asr", W::X, lo, ah, k - 64);
                self.i("asr", W::X, hi, ah, 63);
            }
            _ => {
                self.i("lsr", W::X, lo, ah, k - 64);
                self.li(hi, 0);
            }
        }
        self.mv(dl, lo);
        self.mv(dh, hi);
        Ok(())
    }

    fn binary_i128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let (dl, dh) = self.out_pair(res);
        let helper = match op {
            BinOp::SDiv => Some("__divti3"),
            BinOp::UDiv => Some("__udivti3"),
            BinOp::SRem => Some("__modti3"),
            BinOp::URem => Some("__umodti3"),
            _ => None,
        };
        if let Some(h) = helper {
            let (al, ah) = self.pair(lhs)?;
            let (bl, bh) = self.pair(rhs)?;
            return self.libcall(h, &[LArg::P(al, ah), LArg::P(bl, bh)], LRet::P(dl, dh));
        }
        if matches!(op, BinOp::Shl | BinOp::LShr | BinOp::AShr) {
            if let Some(k) = self.const_of(rhs) {
                // Inline, as GCC does: position-independent early code (the kernel's
                // arch/arm64/kernel/pi) has no libgcc to call.
                return self.shift_i128_const(op, lhs, (dl, dh), (k & 127) as i64);
            }
            let h = match op {
                BinOp::Shl => "__ashlti3",
                BinOp::LShr => "__lshrti3",
                _ => "__ashrti3",
            };
            let (al, ah) = self.pair(lhs)?;
            let amt = match self.vals[rhs.index()] {
                VLoc::Pair(lo, _) => lo,
                _ => self.reg(rhs)?,
            };
            let amt = self.zext_reg(amt, 1);
            return self.libcall(h, &[LArg::P(al, ah), LArg::I(amt)], LRet::P(dl, dh));
        }
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        match op {
            BinOp::Add | BinOp::Sub => {
                let (lo, hi) = (self.vreg(), self.vreg());
                let (l, h) = if op == BinOp::Add { ("adds", "adc") } else { ("subs", "sbc") };
                self.r(l, W::X, lo, al, bl);
                self.r(h, W::X, hi, ah, bh);
                self.mv(dl, lo);
                self.mv(dh, hi);
            }
            BinOp::Mul => {
                let (lo, t, u) = (self.vreg(), self.vreg(), self.vreg());
                self.r("umulh", W::X, t, al, bl);
                self.emit(Inst::R4 { op: "madd", w: W::X, rd: u, rn: al, rm: bh, ra: t });
                self.r("mul", W::X, lo, al, bl);
                self.emit(Inst::R4 { op: "madd", w: W::X, rd: dh, rn: ah, rm: bl, ra: u });
                self.mv(dl, lo);
            }
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let name = match op {
                    BinOp::And => "and",
                    BinOp::Or => "orr",
                    _ => "eor",
                };
                let (lo, hi) = (self.vreg(), self.vreg());
                self.r(name, W::X, lo, al, bl);
                self.r(name, W::X, hi, ah, bh);
                self.mv(dl, lo);
                self.mv(dh, hi);
            }
            _ => return self.unsupported("this 128-bit operation"),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- unary

    pub(crate) fn lower_unary(&mut self, res: Value, op: UnOp, ty: Type, arg: Value) -> Result<(), String> {
        if ty == Type::F128 {
            return match op {
                UnOp::FNeg => {
                    let (lo, hi) = self.pair(arg)?;
                    let (dl, dh) = self.out_pair(res);
                    self.i("eor", W::X, dh, hi, i64::MIN);
                    self.mv(dl, lo);
                    Ok(())
                }
                _ => self.unsupported("this binary128 operation"),
            };
        }
        if ty == Type::I128 {
            return self.unary_i128(res, op, arg);
        }
        let d = self.out(res);
        let sz = int_sz(ty);
        let w = W::int(sz);
        let a = self.reg(arg)?;
        match op {
            UnOp::FNeg => self.u("fneg", d, W::float(ty), a, W::float(ty)),
            UnOp::Neg => self.u("neg", d, w, a, w),
            UnOp::Not => self.u("mvn", d, w, a, w),
            UnOp::Clz => {
                let z = self.zext_reg(a, sz);
                if sz >= 4 {
                    self.u("clz", d, w, z, w);
                } else {
                    let t = self.vreg();
                    self.u("clz", t, W::W, z, W::W);
                    self.i("sub", W::W, d, t, 32 - 8 * sz as i64);
                }
            }
            UnOp::Ctz => {
                let t = self.vreg();
                self.u("rbit", t, w, a, w);
                self.u("clz", d, w, t, w);
            }
            UnOp::Popcount => {
                // the SIMD byte count, summed across the vector
                let z = self.zext_reg(a, sz);
                let t = self.fvreg();
                self.u("fmov", t, W::D, z, W::X);
                self.text("cnt\t{v0}.8b, {v0}.8b\n\taddv\t{b0}, {v0}.8b".into(), vec![(t, OpKind::UseDef)]);
                self.u("fmov", d, W::W, t, W::S);
            }
            UnOp::Bswap => match sz {
                8 => self.u("rev", d, W::X, a, W::X),
                4 => self.u("rev", d, W::W, a, W::W),
                2 => self.u("rev16", d, W::W, a, W::W),
                _ => self.mv(d, a),
            },
        }
        Ok(())
    }

    fn unary_i128(&mut self, res: Value, op: UnOp, arg: Value) -> Result<(), String> {
        let (lo, hi) = self.pair(arg)?;
        match op {
            UnOp::Not => {
                let (dl, dh) = self.out_pair(res);
                self.u("mvn", dl, W::X, lo, W::X);
                self.u("mvn", dh, W::X, hi, W::X);
            }
            UnOp::Neg => {
                let (dl, dh) = self.out_pair(res);
                let (l, h) = (self.vreg(), self.vreg());
                self.r("subs", W::X, l, ZR, lo);
                self.r("sbc", W::X, h, ZR, hi);
                self.mv(dl, l);
                self.mv(dh, h);
            }
            UnOp::Clz | UnOp::Ctz | UnOp::Popcount => {
                let name = match op {
                    UnOp::Clz => "__clzti2",
                    UnOp::Ctz => "__ctzti2",
                    _ => "__popcountti2",
                };
                let d = self.out(res);
                self.libcall(name, &[LArg::P(lo, hi)], LRet::I(d))?;
            }
            UnOp::Bswap => {
                let (dl, dh) = self.out_pair(res);
                self.u("rev", dl, W::X, hi, W::X);
                self.u("rev", dh, W::X, lo, W::X);
            }
            UnOp::FNeg => return self.unsupported("fneg of an integer"),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- compares

    /// Compare `lhs` with `rhs` (extended as the condition's signedness
    /// needs) and return the condition code that holds for `lhs cc rhs`.
    pub(crate) fn icmp_flags(&mut self, cc: IntCC, ty: Type, lhs: Value, rhs: Value) -> Result<&'static str, String> {
        let sz = int_sz(ty);
        let signed = is_signed_cc(cc);
        let w = W::int(sz);
        let a = match sz {
            1 | 2 => {
                let r = self.reg(lhs)?;
                let d = self.vreg();
                let op = match (sz, signed) {
                    (1, true) => "sxtb",
                    (1, false) => "uxtb",
                    (_, true) => "sxth",
                    _ => "uxth",
                };
                self.u(op, d, W::W, r, W::W);
                d
            }
            _ => self.reg(lhs)?,
        };
        if let Some(c) = self.const_of(rhs) {
            let c = if sz < 4 && !signed { c & ((1i128 << (8 * sz)) - 1) } else { c };
            self.cmp_const(w, a, c as i64);
            return Ok(icc(cc));
        }
        let b = match sz {
            1 | 2 => {
                let r = self.reg(rhs)?;
                let d = self.vreg();
                let op = match (sz, signed) {
                    (1, true) => "sxtb",
                    (1, false) => "uxtb",
                    (_, true) => "sxth",
                    _ => "uxth",
                };
                self.u(op, d, W::W, r, W::W);
                d
            }
            _ => self.reg(rhs)?,
        };
        self.cmp(w, a, b);
        Ok(icc(cc))
    }

    /// `d = lhs cc rhs` as 0 or 1.
    pub(crate) fn icmp_set(&mut self, d: Reg, cc: IntCC, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        if ty == Type::I128 {
            return self.icmp128_set(d, cc, lhs, rhs);
        }
        let cond = self.icmp_flags(cc, ty, lhs, rhs)?;
        self.emit(Inst::CSet { rd: d, cond });
        Ok(())
    }

    fn icmp128_set(&mut self, d: Reg, cc: IntCC, lhs: Value, rhs: Value) -> Result<(), String> {
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        match cc {
            IntCC::Eq | IntCC::Ne => {
                let (t, u) = (self.vreg(), self.vreg());
                self.r("eor", W::X, t, al, bl);
                self.r("eor", W::X, u, ah, bh);
                self.r("orr", W::X, t, t, u);
                self.cmp_const(W::X, t, 0);
                self.emit(Inst::CSet { rd: d, cond: icc(cc) });
            }
            _ => {
                // x - y over both words: the flags of a 128-bit compare
                let (swap, cc2) = match cc {
                    IntCC::Sgt => (true, IntCC::Slt),
                    IntCC::Sle => (true, IntCC::Sge),
                    IntCC::Ugt => (true, IntCC::Ult),
                    IntCC::Ule => (true, IntCC::Uge),
                    c => (false, c),
                };
                let ((xl, xh), (yl, yh)) = if swap { ((bl, bh), (al, ah)) } else { ((al, ah), (bl, bh)) };
                self.cmp(W::X, xl, yl);
                let t = self.vreg();
                self.r("sbcs", W::X, t, xh, yh);
                self.emit(Inst::CSet { rd: d, cond: icc(cc2) });
            }
        }
        Ok(())
    }

    pub(crate) fn fcmp_flags(&mut self, cc: FloatCC, ty: Type, lhs: Value, rhs: Value) -> Result<&'static str, String> {
        let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
        self.emit(Inst::Cmp { op: "fcmp", w: W::float(ty), rn: a, rm: b });
        Ok(fcc(cc))
    }

    pub(crate) fn fcmp_set(&mut self, d: Reg, cc: FloatCC, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        if ty == Type::F128 {
            return self.fcmp128_set(d, cc, lhs, rhs);
        }
        let cond = self.fcmp_flags(cc, ty, lhs, rhs)?;
        self.emit(Inst::CSet { rd: d, cond });
        Ok(())
    }

    // ---------------------------------------------------------------- casts

    pub(crate) fn lower_cast(&mut self, res: Value, op: CastOp, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == Type::F128 || to == Type::F128 {
            return self.cast_f128(res, op, from, to, arg);
        }
        if matches!(self.vals[res.index()], VLoc::Const(_)) {
            return Ok(());
        }
        let fsz = int_sz(from);
        match op {
            CastOp::Sext | CastOp::Zext if to == Type::I128 => {
                let (dl, dh) = self.out_pair(res);
                if op == CastOp::Sext {
                    let x = self.sext_val(arg, fsz)?;
                    self.mv(dl, x);
                    self.i("asr", W::X, dh, x, 63);
                } else {
                    let x = self.zext_val(arg, fsz)?;
                    self.mv(dl, x);
                    self.mv(dh, ZR);
                }
            }
            CastOp::Sext | CastOp::Zext => {
                let d = self.out(res);
                let x = if op == CastOp::Sext { self.sext_val(arg, fsz)? } else { self.zext_val(arg, fsz)? };
                self.mv(d, x);
            }
            CastOp::Trunc => {
                let d = self.out(res);
                let lo = if from == Type::I128 { self.pair(arg)?.0 } else { self.reg(arg)? };
                self.mv(d, lo);
            }
            CastOp::Bitcast => {
                if from == Type::I128 || to == Type::I128 {
                    let (lo, hi) = self.pair(arg)?;
                    let (dl, dh) = self.out_pair(res);
                    self.mv(dl, lo);
                    self.mv(dh, hi);
                    return Ok(());
                }
                let (d, a) = (self.out(res), self.reg(arg)?);
                match (from.is_float(), to.is_float()) {
                    (true, true) => self.fmv(d, a),
                    (false, false) => self.mv(d, a),
                    (true, false) => self.u("fmov", d, W::int(int_sz(to)), a, W::float(from)),
                    (false, true) => self.u("fmov", d, W::float(to), a, W::int(int_sz(from))),
                }
            }
            CastOp::FExt | CastOp::FTrunc => {
                let (d, a) = (self.out(res), self.reg(arg)?);
                if from == to {
                    self.fmv(d, a);
                } else {
                    self.u("fcvt", d, W::float(to), a, W::float(from));
                }
            }
            CastOp::FToSI | CastOp::FToUI => {
                if to == Type::I128 {
                    let a = self.reg(arg)?;
                    let (dl, dh) = self.out_pair(res);
                    let name = match (op, from) {
                        (CastOp::FToSI, Type::F32) => "__fixsfti",
                        (CastOp::FToSI, _) => "__fixdfti",
                        (_, Type::F32) => "__fixunssfti",
                        _ => "__fixunsdfti",
                    };
                    return self.libcall(name, &[LArg::F(a)], LRet::P(dl, dh));
                }
                let (d, a) = (self.out(res), self.reg(arg)?);
                let tsz = int_sz(to);
                // narrow unsigned targets fit the signed conversion
                let name = if op == CastOp::FToSI || tsz < 4 { "fcvtzs" } else { "fcvtzu" };
                self.u(name, d, W::int(tsz), a, W::float(from));
            }
            CastOp::SIToF | CastOp::UIToF => {
                let d = self.out(res);
                if from == Type::I128 {
                    let (lo, hi) = self.pair(arg)?;
                    let name = match (op, to) {
                        (CastOp::SIToF, Type::F32) => "__floattisf",
                        (CastOp::SIToF, _) => "__floattidf",
                        (_, Type::F32) => "__floatuntisf",
                        _ => "__floatuntidf",
                    };
                    return self.libcall(name, &[LArg::P(lo, hi)], LRet::F(d));
                }
                let signed = op == CastOp::SIToF;
                let x = if fsz < 4 {
                    if signed {
                        self.sext_val(arg, fsz)?
                    } else {
                        self.zext_val(arg, fsz)?
                    }
                } else {
                    self.reg(arg)?
                };
                let name = if signed { "scvtf" } else { "ucvtf" };
                self.u(name, d, W::float(to), x, W::int(fsz));
            }
        }
        Ok(())
    }

    pub(crate) fn lower_overflows(&mut self, res: Value, op: BinOp, ty: Type, signed: bool, lhs: Value, rhs: Value) -> Result<(), String> {
        let d = self.out(res);
        if ty == Type::I128 {
            return self.overflows_i128(d, op, signed, lhs, rhs);
        }
        let sz = int_sz(ty);
        let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
        if sz < 8 {
            // exact in 64 bits: overflow when the result does not fit the type
            let ext = |s: &mut Self, r: Reg| if signed { s.sext_reg(r, sz) } else { s.zext_reg(r, sz) };
            let (x, y) = (ext(self, a), ext(self, b));
            let t = self.vreg();
            let name = match op {
                BinOp::Add => "add",
                BinOp::Sub => "sub",
                _ => "mul",
            };
            self.r(name, W::X, t, x, y);
            let e = ext(self, t);
            self.cmp(W::X, e, t);
            self.emit(Inst::CSet { rd: d, cond: "ne" });
            return Ok(());
        }
        let t = self.vreg();
        let cond = match (op, signed) {
            (BinOp::Add, _) => {
                self.r("adds", W::X, t, a, b);
                if signed { "vs" } else { "hs" }
            }
            (BinOp::Sub, _) => {
                self.r("subs", W::X, t, a, b);
                if signed { "vs" } else { "lo" }
            }
            (_, false) => {
                self.r("umulh", W::X, t, a, b);
                self.cmp_const(W::X, t, 0);
                "ne"
            }
            (_, true) => {
                let (lo, s) = (self.vreg(), self.vreg());
                self.r("smulh", W::X, t, a, b);
                self.r("mul", W::X, lo, a, b);
                self.i("asr", W::X, s, lo, 63);
                self.cmp(W::X, t, s);
                "ne"
            }
        };
        self.emit(Inst::CSet { rd: d, cond });
        Ok(())
    }

    fn overflows_i128(&mut self, d: Reg, op: BinOp, signed: bool, lhs: Value, rhs: Value) -> Result<(), String> {
        let a = self.pair(lhs)?;
        let b = self.pair(rhs)?;
        let (sl, sh) = (self.vreg(), self.vreg());
        match op {
            BinOp::Add => {
                self.r("adds", W::X, sl, a.0, b.0);
                self.r("adcs", W::X, sh, a.1, b.1);
                self.emit(Inst::CSet { rd: d, cond: if signed { "vs" } else { "hs" } });
            }
            BinOp::Sub => {
                self.r("subs", W::X, sl, a.0, b.0);
                self.r("sbcs", W::X, sh, a.1, b.1);
                self.emit(Inst::CSet { rd: d, cond: if signed { "vs" } else { "lo" } });
            }
            _ => {
                // r = a * b overflowed unless a == 0 or r / a == b (and not -1 * MIN)
                self.libcall("__multi3", &[LArg::P(a.0, a.1), LArg::P(b.0, b.1)], LRet::P(sl, sh))?;
                let (done, check) = (self.new_block(), self.new_block());
                let t = self.vreg();
                self.mv(d, ZR);
                self.r("orr", W::X, t, a.0, a.1);
                self.emit(Inst::Cbz { nz: false, w: W::X, rs: t, target: done });
                self.add_succ(done);
                if signed {
                    let minus1 = self.new_block();
                    let u = self.vreg();
                    self.r("and", W::X, u, a.0, a.1);
                    self.cmp_const(W::X, u, -1);
                    self.bcond("ne", check);
                    self.jump(minus1);
                    self.cur = minus1;
                    let m = self.vreg();
                    self.i("eor", W::X, m, b.1, i64::MIN);
                    self.r("orr", W::X, m, m, b.0);
                    self.cmp_const(W::X, m, 0);
                    self.emit(Inst::CSet { rd: d, cond: "eq" });
                    self.jump(done);
                } else {
                    self.jump(check);
                }
                self.cur = check;
                let (ql, qh) = (self.vreg(), self.vreg());
                self.libcall(if signed { "__divti3" } else { "__udivti3" }, &[LArg::P(sl, sh), LArg::P(a.0, a.1)], LRet::P(ql, qh))?;
                let (x, y) = (self.vreg(), self.vreg());
                self.r("eor", W::X, x, ql, b.0);
                self.r("eor", W::X, y, qh, b.1);
                self.r("orr", W::X, x, x, y);
                self.cmp_const(W::X, x, 0);
                self.emit(Inst::CSet { rd: d, cond: "ne" });
                self.jump(done);
                self.cur = done;
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- memory

    /// The load mnemonic and register width for a value of type `ty`.
    pub fn load_op(ty: Type) -> (&'static str, W) {
        match ty {
            Type::I8 => ("ldrb", W::W),
            Type::I16 => ("ldrh", W::W),
            Type::I32 => ("ldr", W::W),
            Type::F32 => ("ldr", W::S),
            Type::F64 => ("ldr", W::D),
            _ => ("ldr", W::X),
        }
    }

    pub fn store_op(ty: Type) -> (&'static str, W) {
        match ty {
            Type::I8 => ("strb", W::W),
            Type::I16 => ("strh", W::W),
            Type::I32 => ("str", W::W),
            Type::F32 => ("str", W::S),
            Type::F64 => ("str", W::D),
            _ => ("str", W::X),
        }
    }

    pub fn load_ty(&mut self, ty: Type, rd: Reg, mem: Mem) {
        let (op, w) = Self::load_op(ty);
        self.emit(Inst::Load { op, w, rd, mem });
    }

    pub fn store_ty(&mut self, ty: Type, rs: Reg, mem: Mem) {
        let (op, w) = Self::store_op(ty);
        self.emit(Inst::Store { op, w, rs, mem });
    }

    pub(crate) fn load(&mut self, ty: Type, m: Mem, res: Value) -> Result<(), String> {
        match self.vals[res.index()].clone() {
            VLoc::Pair(lo, hi) => {
                self.load_ty(Type::I64, lo, m.clone());
                self.load_ty(Type::I64, hi, m.offset(8));
            }
            VLoc::Reg(d) => self.load_ty(ty, d, m),
            _ => return Err(format!("{}: load of {ty} without a home", self.f.name)),
        }
        Ok(())
    }

    pub(crate) fn store(&mut self, ty: Type, v: Value, m: Mem) -> Result<(), String> {
        if int_sz(ty) == 16 {
            let (lo, hi) = self.pair(v)?;
            self.store_ty(Type::I64, lo, m.clone());
            self.store_ty(Type::I64, hi, m.offset(8));
            return Ok(());
        }
        let r = self.reg_zr(v)?;
        self.store_ty(ty, r, m);
        Ok(())
    }

    /// Copy `size` bytes: inline for small sizes (unaligned access is
    /// fine), `memcpy` otherwise.
    pub fn copy_mem(&mut self, d: Mem, s: Mem, size: u64, _align: u32) -> Result<(), String> {
        if size <= 64 {
            let mut off = 0u64;
            while off < size {
                let left = size - off;
                let w = [8u64, 4, 2, 1].into_iter().find(|&w| w <= left).unwrap_or(1);
                let ty = match w {
                    8 => Type::I64,
                    4 => Type::I32,
                    2 => Type::I16,
                    _ => Type::I8,
                };
                let t = self.vreg();
                self.load_ty(ty, t, s.offset(off as i64));
                self.store_ty(ty, t, d.offset(off as i64));
                off += w;
            }
            return Ok(());
        }
        let (dr, sr) = (self.addr_of(d), self.addr_of(s));
        let n = self.vreg();
        self.li(n, size as i64);
        self.libcall("memcpy", &[LArg::I(dr), LArg::I(sr), LArg::I(n)], LRet::None)
    }

    /// The address of a memory operand in a register.
    pub fn addr_of(&mut self, m: Mem) -> Reg {
        if let (Base::Reg(r), 0) = (&m.base, m.off) {
            return *r;
        }
        let r = self.vreg();
        self.emit(Inst::AddrOf { rd: r, mem: m });
        r
    }

    pub(crate) fn lower_memset(&mut self, dst: Value, byte: Value, size: u64, _align: u32) -> Result<(), String> {
        let d = self.mem(dst)?;
        if size <= 64 {
            if let Some(c) = self.const_of(byte) {
                let b = (c as u64) & 0xff;
                let pattern = b * 0x0101_0101_0101_0101;
                let r = if pattern == 0 {
                    ZR
                } else {
                    let r = self.vreg();
                    self.li(r, pattern as i64);
                    r
                };
                let mut off = 0u64;
                while off < size {
                    let left = size - off;
                    let w = [8u64, 4, 2, 1].into_iter().find(|&w| w <= left).unwrap_or(1);
                    let ty = match w {
                        8 => Type::I64,
                        4 => Type::I32,
                        2 => Type::I16,
                        _ => Type::I8,
                    };
                    self.store_ty(ty, r, d.offset(off as i64));
                    off += w;
                }
                return Ok(());
            }
            if size <= 16 {
                let b = self.reg(byte)?;
                for off in 0..size {
                    self.store_ty(Type::I8, b, d.offset(off as i64));
                }
                return Ok(());
            }
        }
        let dr = self.addr_of(d);
        let b = self.reg(byte)?;
        let b = self.zext_reg(b, 1);
        let n = self.vreg();
        self.li(n, size as i64);
        self.libcall("memset", &[LArg::I(dr), LArg::I(b), LArg::I(n)], LRet::None)
    }

    // ---------------------------------------------------------------- atomics

    /// The exclusive/acquire-release suffix and register width of an access of `sz` bytes.
    fn atomic_suffix(sz: u8) -> (&'static str, char) {
        match sz {
            1 => ("b", 'w'),
            2 => ("h", 'w'),
            4 => ("", 'w'),
            _ => ("", 'x'),
        }
    }

    pub(crate) fn lower_atomic_load(&mut self, res: Value, ty: Type, ptr: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        if sz > 8 {
            return Err(format!("{}: 128-bit atomic loads are not supported", self.f.name));
        }
        let p = self.reg(ptr)?;
        let (s, w) = Self::atomic_suffix(sz);
        let d = self.out(res);
        if ty.is_float() {
            let t = self.vreg();
            self.text(format!("ldar{s}\t{{{w}0}}, [{{x1}}]"), vec![(t, OpKind::Def), (p, OpKind::Use)]);
            self.u("fmov", d, W::float(ty), t, W::int(sz));
        } else {
            self.text(format!("ldar{s}\t{{{w}0}}, [{{x1}}]"), vec![(d, OpKind::Def), (p, OpKind::Use)]);
        }
        Ok(())
    }

    pub(crate) fn lower_atomic_store(&mut self, ty: Type, ptr: Value, value: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        if sz > 8 {
            return Err(format!("{}: 128-bit atomic stores are not supported", self.f.name));
        }
        let p = self.reg(ptr)?;
        let mut v = self.reg_zr(value)?;
        if ty.is_float() {
            let t = self.vreg();
            self.u("fmov", t, W::int(sz), v, W::float(ty));
            v = t;
        }
        let (s, w) = Self::atomic_suffix(sz);
        self.text(format!("stlr{s}\t{{{w}0}}, [{{x1}}]"), vec![(v, OpKind::Use), (p, OpKind::Use)]);
        Ok(())
    }

    pub(crate) fn lower_rmw(&mut self, res: Value, op: RmwOp, ty: Type, ptr: Value, value: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        if sz > 8 {
            return Err(format!("{}: 128-bit atomic read-modify-write is not supported", self.f.name));
        }
        let p = self.reg(ptr)?;
        let v = self.reg(value)?;
        let d = self.out(res);
        let (s, w) = Self::atomic_suffix(sz);
        if has_lse(&self.opts.march) && op != RmwOp::Nand {
            // one LSE instruction: the operand, the old value, the address
            let (name, operand) = match op {
                RmwOp::Xchg => ("swpal", v),
                RmwOp::Add => ("ldaddal", v),
                RmwOp::Or => ("ldsetal", v),
                RmwOp::Xor => ("ldeoral", v),
                RmwOp::Sub => {
                    let n = self.vreg();
                    self.u("neg", n, W::X, v, W::X);
                    ("ldaddal", n)
                }
                _ => {
                    // and: clear the bits not in the value
                    let n = self.vreg();
                    self.u("mvn", n, W::X, v, W::X);
                    ("ldclral", n)
                }
            };
            let old = self.vreg();
            self.text(format!("{name}{s}\t{{{w}0}}, {{{w}1}}, [{{x2}}]"), vec![(operand, OpKind::Use), (old, OpKind::EarlyDef), (p, OpKind::Use)]);
            self.mv(d, old);
            return Ok(());
        }
        let compute = match op {
            RmwOp::Xchg => format!("mov\t{{{w}1}}, {{{w}4}}"),
            RmwOp::Add => format!("add\t{{{w}1}}, {{{w}0}}, {{{w}4}}"),
            RmwOp::Sub => format!("sub\t{{{w}1}}, {{{w}0}}, {{{w}4}}"),
            RmwOp::And => format!("and\t{{{w}1}}, {{{w}0}}, {{{w}4}}"),
            RmwOp::Or => format!("orr\t{{{w}1}}, {{{w}0}}, {{{w}4}}"),
            RmwOp::Xor => format!("eor\t{{{w}1}}, {{{w}0}}, {{{w}4}}"),
            RmwOp::Nand => format!("and\t{{{w}1}}, {{{w}0}}, {{{w}4}}\n\tmvn\t{{{w}1}}, {{{w}1}}"),
        };
        let (old, new, t) = (self.scratch(), self.scratch(), self.scratch());
        self.text(
            format!("1:\n\tldaxr{s}\t{{{w}0}}, [{{x3}}]\n\t{compute}\n\tstlxr{s}\t{{w2}}, {{{w}1}}, [{{x3}}]\n\tcbnz\t{{w2}}, 1b"),
            vec![(old, OpKind::EarlyDef), (new, OpKind::EarlyDef), (t, OpKind::EarlyDef), (p, OpKind::Use), (v, OpKind::Use)],
        );
        self.mv(d, old);
        Ok(())
    }

    pub(crate) fn lower_cmpxchg(&mut self, res: Value, ty: Type, ptr: Value, expected: Value, desired: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        if sz > 8 {
            return Err(format!("{}: 128-bit compare-and-swap is not supported", self.f.name));
        }
        let p = self.reg(ptr)?;
        // the exclusive load zero-extends: compare with the zero-extended expectation
        let e = if sz < 4 { self.zext_val(expected, sz)? } else { self.reg(expected)? };
        let n = self.reg_zr(desired)?;
        let d = self.out(res);
        let (s, w) = Self::atomic_suffix(sz);
        if has_lse(&self.opts.march) {
            // casal compares with the register's value and leaves the old one there
            let old = self.vreg();
            self.mv(old, e);
            self.text(format!("casal{s}\t{{{w}0}}, {{{w}1}}, [{{x2}}]"), vec![(old, OpKind::UseDef), (n, OpKind::Use), (p, OpKind::Use)]);
            self.mv(d, old);
            return Ok(());
        }
        let (old, t) = (self.scratch(), self.scratch());
        self.text(
            format!("1:\n\tldaxr{s}\t{{{w}0}}, [{{x2}}]\n\tcmp\t{{{w}0}}, {{{w}3}}\n\tb.ne\t2f\n\tstlxr{s}\t{{w1}}, {{{w}4}}, [{{x2}}]\n\tcbnz\t{{w1}}, 1b\n2:"),
            vec![(old, OpKind::EarlyDef), (t, OpKind::EarlyDef), (p, OpKind::Use), (e, OpKind::Use), (n, OpKind::Use)],
        );
        self.mv(d, old);
        Ok(())
    }
}
