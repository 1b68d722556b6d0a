//! Arithmetic, compares, conversions, memory access and atomics.

use ccc_ir::{BinOp, CastOp, FloatCC, IntCC, RmwOp, Type, UnOp, Value};

use super::calls::{LArg, LRet};
use super::inst::*;
use super::isel::{int_sz, is_nop_cast, is_signed_cc, Isel, VLoc};
use crate::codegen::mir::{OpKind, Reg};

fn fsuffix(t: Type) -> &'static str {
    if t == Type::F32 {
        "s"
    } else {
        "d"
    }
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
            let name = match (op, ty) {
                (BinOp::FAdd, Type::F32) => "fadd.s",
                (BinOp::FSub, Type::F32) => "fsub.s",
                (BinOp::FMul, Type::F32) => "fmul.s",
                (BinOp::FDiv, Type::F32) => "fdiv.s",
                (BinOp::FAdd, _) => "fadd.d",
                (BinOp::FSub, _) => "fsub.d",
                (BinOp::FMul, _) => "fmul.d",
                (BinOp::FDiv, _) => "fdiv.d",
                _ => return self.unsupported("integer operation on floats"),
            };
            let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
            self.r(name, d, a, b);
            return Ok(());
        }
        let sz = int_sz(ty);
        let w = sz == 4;
        let c = self.const_of(rhs).map(|c| c as i64);
        // register-immediate forms
        if let Some(c) = c {
            let imm = match op {
                BinOp::Add if fits12(c) => Some((if w { "addiw" } else { "addi" }, c)),
                BinOp::Sub if fits12(-c) => Some((if w { "addiw" } else { "addi" }, -c)),
                BinOp::And if fits12(c) => Some(("andi", c)),
                BinOp::Or if fits12(c) => Some(("ori", c)),
                BinOp::Xor if fits12(c) => Some(("xori", c)),
                BinOp::Shl => Some((if w { "slliw" } else { "slli" }, c & (8 * sz as i64 - 1))),
                BinOp::Mul if c > 0 && (c as u64).is_power_of_two() => Some((if w { "slliw" } else { "slli" }, c.trailing_zeros() as i64)),
                BinOp::LShr if sz >= 4 => Some((if w { "srliw" } else { "srli" }, c & (8 * sz as i64 - 1))),
                BinOp::AShr if sz >= 4 => Some((if w { "sraiw" } else { "srai" }, c & (8 * sz as i64 - 1))),
                _ => None,
            };
            if let Some((name, imm)) = imm {
                let a = self.reg(lhs)?;
                self.i(name, d, a, imm);
                return Ok(());
            }
        }
        let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
        let name = match op {
            BinOp::Add => if w { "addw" } else { "add" },
            BinOp::Sub => if w { "subw" } else { "sub" },
            BinOp::Mul => if w { "mulw" } else { "mul" },
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::Shl => if w { "sllw" } else { "sll" },
            BinOp::LShr | BinOp::AShr | BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem => {
                let signed = matches!(op, BinOp::AShr | BinOp::SDiv | BinOp::SRem);
                // 32-bit forms read only the low word; narrower types are extended first
                let (a, b) = if sz < 4 {
                    let ext = |s: &mut Self, r: Reg| if signed { s.sext_reg(r, sz) } else { s.zext_reg(r, sz) };
                    let a2 = ext(self, a);
                    let b2 = if matches!(op, BinOp::LShr | BinOp::AShr) { b } else { ext(self, b) };
                    (a2, b2)
                } else {
                    (a, b)
                };
                let name = match (op, w) {
                    (BinOp::LShr, true) => "srlw",
                    (BinOp::LShr, false) => "srl",
                    (BinOp::AShr, true) => "sraw",
                    (BinOp::AShr, false) => "sra",
                    (BinOp::SDiv, true) => "divw",
                    (BinOp::SDiv, false) => "div",
                    (BinOp::UDiv, true) => "divuw",
                    (BinOp::UDiv, false) => "divu",
                    (BinOp::SRem, true) => "remw",
                    (BinOp::SRem, false) => "rem",
                    (BinOp::URem, true) => "remuw",
                    _ => "remu",
                };
                self.r(name, d, a, b);
                return Ok(());
            }
            _ => return self.unsupported("float operation on integers"),
        };
        self.r(name, d, a, b);
        Ok(())
    }

    fn binary_i128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let (dl, dh) = self.out_pair(res);
        if op == BinOp::Mul {
            let a = self.pair(lhs)?;
            let b = self.pair(rhs)?;
            self.mul128((dl, dh), a, b);
            return Ok(());
        }
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
            BinOp::Add => {
                let (lo, c, hi) = (self.vreg(), self.vreg(), self.vreg());
                self.r("add", lo, al, bl);
                self.r("sltu", c, lo, al);
                self.r("add", hi, ah, bh);
                self.r("add", dh, hi, c);
                self.mv(dl, lo);
            }
            BinOp::Sub => {
                let (lo, c, hi) = (self.vreg(), self.vreg(), self.vreg());
                self.r("sltu", c, al, bl);
                self.r("sub", lo, al, bl);
                self.r("sub", hi, ah, bh);
                self.r("sub", dh, hi, c);
                self.mv(dl, lo);
            }
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let name = match op {
                    BinOp::And => "and",
                    BinOp::Or => "or",
                    _ => "xor",
                };
                self.r(name, dl, al, bl);
                self.r(name, dh, ah, bh);
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
                    let k = self.vreg();
                    self.li(k, 1);
                    self.i("slli", k, k, 63);
                    self.r("xor", dh, hi, k);
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
        match op {
            UnOp::FNeg => {
                let a = self.reg(arg)?;
                let name = if ty == Type::F32 { "fneg.s" } else { "fneg.d" };
                self.u(name, d, a);
            }
            UnOp::Neg => {
                let a = self.reg(arg)?;
                self.r(if sz == 4 { "subw" } else { "sub" }, d, ZERO, a);
            }
            UnOp::Not => {
                let a = self.reg(arg)?;
                self.i("xori", d, a, -1);
            }
            UnOp::Clz => {
                let a = self.reg(arg)?;
                let z = self.zext_reg(a, sz);
                let t = self.vreg();
                self.libcall("__clzdi2", &[LArg::I(z)], LRet::I(t))?;
                self.i("addi", d, t, -(64 - 8 * sz as i64));
            }
            UnOp::Ctz => {
                let a = self.reg(arg)?;
                self.libcall("__ctzdi2", &[LArg::I(a)], LRet::I(d))?;
            }
            UnOp::Popcount => {
                let a = self.reg(arg)?;
                let z = self.zext_reg(a, sz);
                self.libcall("__popcountdi2", &[LArg::I(z)], LRet::I(d))?;
            }
            UnOp::Bswap => {
                let a = self.reg(arg)?;
                match sz {
                    8 => self.libcall("__bswapdi2", &[LArg::I(a)], LRet::I(d))?,
                    4 => self.libcall("__bswapsi2", &[LArg::I(a)], LRet::I(d))?,
                    2 => {
                        let (t, u) = (self.vreg(), self.vreg());
                        self.i("andi", t, a, 255);
                        self.i("slli", t, t, 8);
                        self.i("srli", u, a, 8);
                        self.i("andi", u, u, 255);
                        self.r("or", d, t, u);
                    }
                    _ => {
                        let a = self.reg(arg)?;
                        self.mv(d, a);
                    }
                }
            }
        }
        Ok(())
    }

    fn unary_i128(&mut self, res: Value, op: UnOp, arg: Value) -> Result<(), String> {
        let (lo, hi) = self.pair(arg)?;
        match op {
            UnOp::Not => {
                let (dl, dh) = self.out_pair(res);
                self.i("xori", dl, lo, -1);
                self.i("xori", dh, hi, -1);
            }
            UnOp::Neg => {
                let (dl, dh) = self.out_pair(res);
                let (c, t) = (self.vreg(), self.vreg());
                self.r("sltu", c, ZERO, lo);
                self.r("sub", t, ZERO, hi);
                self.r("sub", dh, t, c);
                self.r("sub", dl, ZERO, lo);
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
                self.libcall("__bswapdi2", &[LArg::I(hi)], LRet::I(dl))?;
                self.libcall("__bswapdi2", &[LArg::I(lo)], LRet::I(dh))?;
            }
            UnOp::FNeg => return self.unsupported("fneg of an integer"),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- compares

    /// The branch mnemonic and operands for `lhs cc rhs` (operands extended
    /// to 64 bits as the condition's signedness needs).
    pub(crate) fn icmp_operands(&mut self, cc: IntCC, ty: Type, lhs: Value, rhs: Value) -> Result<(&'static str, Reg, Reg), String> {
        let sz = int_sz(ty);
        let (a, b) = if is_signed_cc(cc) || sz == 4 {
            (self.sext_val(lhs, sz)?, self.sext_val(rhs, sz)?)
        } else {
            (self.zext_val(lhs, sz)?, self.zext_val(rhs, sz)?)
        };
        // 32-bit equality compares sign-extended words; unsigned order of two
        // sign-extended words is the order of the words.
        Ok(match cc {
            IntCC::Eq => ("beq", a, b),
            IntCC::Ne => ("bne", a, b),
            IntCC::Slt => ("blt", a, b),
            IntCC::Sge => ("bge", a, b),
            IntCC::Sgt => ("blt", b, a),
            IntCC::Sle => ("bge", b, a),
            IntCC::Ult => ("bltu", a, b),
            IntCC::Uge => ("bgeu", a, b),
            IntCC::Ugt => ("bltu", b, a),
            IntCC::Ule => ("bgeu", b, a),
        })
    }

    /// `d = lhs cc rhs` as 0 or 1.
    pub(crate) fn icmp_set(&mut self, d: Reg, cc: IntCC, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        if ty == Type::I128 {
            return self.icmp128_set(d, cc, lhs, rhs);
        }
        let (op, a, b) = self.icmp_operands(cc, ty, lhs, rhs)?;
        self.set_from_branch_op(d, op, a, b);
        Ok(())
    }

    fn set_from_branch_op(&mut self, d: Reg, op: &str, a: Reg, b: Reg) {
        match op {
            "beq" | "bne" => {
                let t = self.vreg();
                self.r("xor", t, a, b);
                self.u(if op == "beq" { "seqz" } else { "snez" }, d, t);
            }
            "blt" => self.r("slt", d, a, b),
            "bltu" => self.r("sltu", d, a, b),
            "bge" => {
                self.r("slt", d, a, b);
                self.i("xori", d, d, 1);
            }
            _ => {
                self.r("sltu", d, a, b);
                self.i("xori", d, d, 1);
            }
        }
    }

    fn icmp128_set(&mut self, d: Reg, cc: IntCC, lhs: Value, rhs: Value) -> Result<(), String> {
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        match cc {
            IntCC::Eq | IntCC::Ne => {
                let (t, u) = (self.vreg(), self.vreg());
                self.r("xor", t, al, bl);
                self.r("xor", u, ah, bh);
                self.r("or", t, t, u);
                self.u(if cc == IntCC::Eq { "seqz" } else { "snez" }, d, t);
            }
            _ => {
                // x < y: high words decide unless equal, then the low words (unsigned)
                let (swap, ge) = match cc {
                    IntCC::Slt | IntCC::Ult => (false, false),
                    IntCC::Sge | IntCC::Uge => (false, true),
                    IntCC::Sgt | IntCC::Ugt => (true, false),
                    _ => (true, true),
                };
                let ((xl, xh), (yl, yh)) = if swap { ((bl, bh), (al, ah)) } else { ((al, ah), (bl, bh)) };
                let (hi_lt, eq, lo_lt) = (self.vreg(), self.vreg(), self.vreg());
                self.r(if is_signed_cc(cc) { "slt" } else { "sltu" }, hi_lt, xh, yh);
                self.r("xor", eq, xh, yh);
                self.u("seqz", eq, eq);
                self.r("sltu", lo_lt, xl, yl);
                self.r("and", eq, eq, lo_lt);
                self.r("or", d, hi_lt, eq);
                if ge {
                    self.i("xori", d, d, 1);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn fcmp_set(&mut self, d: Reg, cc: FloatCC, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        if ty == Type::F128 {
            return self.fcmp128_set(d, cc, lhs, rhs);
        }
        let (a, b) = (self.reg(lhs)?, self.reg(rhs)?);
        let s = fsuffix(ty);
        let op = |n: &str| -> &'static str {
            match (n, s) {
                ("feq", "s") => "feq.s",
                ("flt", "s") => "flt.s",
                ("fle", "s") => "fle.s",
                ("feq", _) => "feq.d",
                ("flt", _) => "flt.d",
                _ => "fle.d",
            }
        };
        match cc {
            FloatCC::Eq => self.r(op("feq"), d, a, b),
            FloatCC::Une => {
                self.r(op("feq"), d, a, b);
                self.i("xori", d, d, 1);
            }
            FloatCC::Lt => self.r(op("flt"), d, a, b),
            FloatCC::Le => self.r(op("fle"), d, a, b),
            FloatCC::Gt => self.r(op("flt"), d, b, a),
            FloatCC::Ge => self.r(op("fle"), d, b, a),
            FloatCC::Ord | FloatCC::Uno => {
                let t = self.vreg();
                self.r(op("feq"), d, a, a);
                self.r(op("feq"), t, b, b);
                self.r("and", d, d, t);
                if cc == FloatCC::Uno {
                    self.i("xori", d, d, 1);
                }
            }
        }
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
        if is_nop_cast(op, from, to) {
            let (d, a) = (self.out(res), self.reg(arg)?);
            self.mv(d, a);
            return Ok(());
        }
        let fsz = int_sz(from);
        match op {
            CastOp::Sext | CastOp::Zext if to == Type::I128 => {
                let (dl, dh) = self.out_pair(res);
                if op == CastOp::Sext {
                    let x = self.sext_val(arg, fsz)?;
                    self.mv(dl, x);
                    self.i("srai", dh, x, 63);
                } else {
                    let x = self.zext_val(arg, fsz)?;
                    self.mv(dl, x);
                    self.li(dh, 0);
                }
            }
            CastOp::Sext | CastOp::Zext => {
                let d = self.out(res);
                let x = if op == CastOp::Sext { self.sext_val(arg, fsz)? } else { self.zext_val(arg, fsz)? };
                self.mv(d, x);
            }
            CastOp::Trunc => {
                // from I128: the low word
                let (lo, _) = self.pair(arg)?;
                let d = self.out(res);
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
                let name = match (from, to) {
                    (Type::F32, t) if t.is_int() => "fmv.x.w",
                    (Type::F64, t) if t.is_int() => "fmv.x.d",
                    (_, Type::F32) => "fmv.w.x",
                    (_, Type::F64) => "fmv.d.x",
                    _ => return self.unsupported("this bit cast"),
                };
                if from.is_float() && to.is_float() {
                    self.fmv(d, a);
                } else {
                    self.u(name, d, a);
                }
            }
            CastOp::FExt | CastOp::FTrunc => {
                let (d, a) = (self.out(res), self.reg(arg)?);
                match (from, to) {
                    (Type::F32, Type::F64) => self.u("fcvt.d.s", d, a),
                    (Type::F64, Type::F32) => self.u("fcvt.s.d", d, a),
                    _ => self.fmv(d, a),
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
                let signed = op == CastOp::FToSI;
                // narrow unsigned targets fit the signed conversion
                let name = match (signed || tsz < 4, tsz == 8, from == Type::F32) {
                    (true, true, true) => "fcvt.l.s",
                    (true, true, false) => "fcvt.l.d",
                    (true, false, true) => "fcvt.w.s",
                    (true, false, false) => "fcvt.w.d",
                    (false, true, true) => "fcvt.lu.s",
                    (false, true, false) => "fcvt.lu.d",
                    (false, false, true) => "fcvt.wu.s",
                    (false, false, false) => "fcvt.wu.d",
                };
                self.emit(Inst::U { op: name, rd: d, rs: a, rm: "rtz" });
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
                let x = if signed { self.sext_val(arg, fsz)? } else { self.zext_val(arg, fsz)? };
                let name = match (signed, to == Type::F32) {
                    (true, true) => "fcvt.s.l",
                    (true, false) => "fcvt.d.l",
                    (false, true) => "fcvt.s.lu",
                    (false, false) => "fcvt.d.lu",
                };
                self.u(name, d, x);
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
            self.r(name, t, x, y);
            let e = ext(self, t);
            self.r("xor", d, e, t);
            self.u("snez", d, d);
            return Ok(());
        }
        let t = self.vreg();
        match (op, signed) {
            (BinOp::Add, false) => {
                self.r("add", t, a, b);
                self.r("sltu", d, t, a);
            }
            (BinOp::Sub, false) => self.r("sltu", d, a, b),
            (BinOp::Add, true) | (BinOp::Sub, true) => {
                let (u, v) = (self.vreg(), self.vreg());
                if op == BinOp::Add {
                    // operands of one sign, result of the other
                    self.r("add", t, a, b);
                    self.r("xor", u, t, a);
                    self.r("xor", v, t, b);
                } else {
                    self.r("sub", t, a, b);
                    self.r("xor", u, a, b);
                    self.r("xor", v, a, t);
                }
                self.r("and", u, u, v);
                self.i("srli", d, u, 63);
            }
            (_, false) => {
                self.r("mulhu", t, a, b);
                self.u("snez", d, t);
            }
            (_, true) => {
                let (lo, s) = (self.vreg(), self.vreg());
                self.r("mulh", t, a, b);
                self.r("mul", lo, a, b);
                self.i("srai", s, lo, 63);
                self.r("xor", d, t, s);
                self.u("snez", d, d);
            }
        }
        Ok(())
    }

    /// `d = a * b` for 128-bit pairs, inline like GCC (the kernel has no
    /// `__multi3`): the low product, plus the cross products in the high word.
    fn mul128(&mut self, (dl, dh): (Reg, Reg), (al, ah): (Reg, Reg), (bl, bh): (Reg, Reg)) {
        let (hi, x, y) = (self.vreg(), self.vreg(), self.vreg());
        self.r("mulhu", hi, al, bl);
        self.r("mul", x, al, bh);
        self.r("mul", y, ah, bl);
        self.r("add", hi, hi, x);
        self.r("mul", dl, al, bl);
        self.r("add", dh, hi, y);
    }

    /// `d = (a <u b)` for 128-bit pairs.
    fn ltu128(&mut self, d: Reg, (al, ah): (Reg, Reg), (bl, bh): (Reg, Reg)) {
        let (eq, lo) = (self.vreg(), self.vreg());
        self.r("sltu", d, ah, bh);
        self.r("xor", eq, ah, bh);
        self.u("seqz", eq, eq);
        self.r("sltu", lo, al, bl);
        self.r("and", eq, eq, lo);
        self.r("or", d, d, eq);
    }

    fn overflows_i128(&mut self, d: Reg, op: BinOp, signed: bool, lhs: Value, rhs: Value) -> Result<(), String> {
        let a = self.pair(lhs)?;
        let b = self.pair(rhs)?;
        let (sl, sh) = (self.vreg(), self.vreg());
        let (c, t) = (self.vreg(), self.vreg());
        match op {
            BinOp::Add => {
                self.r("add", sl, a.0, b.0);
                self.r("sltu", c, sl, a.0);
                self.r("add", t, a.1, b.1);
                self.r("add", sh, t, c);
                if signed {
                    let (u, v) = (self.vreg(), self.vreg());
                    self.r("xor", u, sh, a.1);
                    self.r("xor", v, sh, b.1);
                    self.r("and", u, u, v);
                    self.i("srli", d, u, 63);
                } else {
                    self.ltu128(d, (sl, sh), a);
                }
            }
            BinOp::Sub => {
                if signed {
                    self.r("sltu", c, a.0, b.0);
                    self.r("sub", t, a.1, b.1);
                    self.r("sub", sh, t, c);
                    let (u, v) = (self.vreg(), self.vreg());
                    self.r("xor", u, a.1, b.1);
                    self.r("xor", v, a.1, sh);
                    self.r("and", u, u, v);
                    self.i("srli", d, u, 63);
                } else {
                    self.ltu128(d, a, b);
                }
            }
            _ => {
                // r = a * b overflowed unless a == 0 or r / a == b (and not -1 * MIN)
                self.mul128((sl, sh), a, b);
                let (done, check) = (self.new_block(), self.new_block());
                self.li(d, 0);
                self.r("or", t, a.0, a.1);
                self.emit(Inst::Br { op: "beq", rs1: t, rs2: ZERO, target: done });
                self.add_succ(done);
                if signed {
                    let minus1 = self.new_block();
                    let (u, k) = (self.vreg(), self.vreg());
                    self.r("and", u, a.0, a.1);
                    self.li(k, -1);
                    self.emit(Inst::Br { op: "bne", rs1: u, rs2: k, target: check });
                    self.add_succ(check);
                    self.emit(Inst::J { target: minus1 });
                    self.add_succ(minus1);
                    self.cur = minus1;
                    let m = self.vreg();
                    self.li(m, 1);
                    self.i("slli", m, m, 63);
                    self.r("xor", m, m, b.1);
                    self.r("or", m, m, b.0);
                    self.u("seqz", d, m);
                    self.emit(Inst::J { target: done });
                    self.add_succ(done);
                } else {
                    self.emit(Inst::J { target: check });
                    self.add_succ(check);
                }
                self.cur = check;
                let (ql, qh) = (self.vreg(), self.vreg());
                self.libcall(if signed { "__divti3" } else { "__udivti3" }, &[LArg::P(sl, sh), LArg::P(a.0, a.1)], LRet::P(ql, qh))?;
                let (x, y) = (self.vreg(), self.vreg());
                self.r("xor", x, ql, b.0);
                self.r("xor", y, qh, b.1);
                self.r("or", x, x, y);
                self.u("snez", d, x);
                self.emit(Inst::J { target: done });
                self.add_succ(done);
                self.cur = done;
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- memory

    pub fn load_op(ty: Type) -> &'static str {
        match ty {
            Type::I8 => "lbu",
            Type::I16 => "lh",
            Type::I32 => "lw",
            Type::F32 => "flw",
            Type::F64 => "fld",
            _ => "ld",
        }
    }

    pub fn store_op(ty: Type) -> &'static str {
        match ty {
            Type::I8 => "sb",
            Type::I16 => "sh",
            Type::I32 => "sw",
            Type::F32 => "fsw",
            Type::F64 => "fsd",
            _ => "sd",
        }
    }

    pub(crate) fn load(&mut self, ty: Type, m: Mem, res: Value) -> Result<(), String> {
        match self.vals[res.index()].clone() {
            VLoc::Pair(lo, hi) => {
                self.emit(Inst::Load { op: "ld", rd: lo, mem: m.clone() });
                self.emit(Inst::Load { op: "ld", rd: hi, mem: m.offset(8) });
            }
            VLoc::Reg(d) => self.emit(Inst::Load { op: Self::load_op(ty), rd: d, mem: m }),
            _ => return Err(format!("{}: load of {ty} without a home", self.f.name)),
        }
        Ok(())
    }

    pub(crate) fn store(&mut self, ty: Type, v: Value, m: Mem) -> Result<(), String> {
        if int_sz(ty) == 16 {
            let (lo, hi) = self.pair(v)?;
            self.emit(Inst::Store { op: "sd", rs: lo, mem: m.clone() });
            self.emit(Inst::Store { op: "sd", rs: hi, mem: m.offset(8) });
            return Ok(());
        }
        let r = self.reg(v)?;
        self.emit(Inst::Store { op: Self::store_op(ty), rs: r, mem: m });
        Ok(())
    }

    /// Copy `size` bytes: inline for small sizes, `memcpy` otherwise.
    pub fn copy_mem(&mut self, d: Mem, s: Mem, size: u64, align: u32) -> Result<(), String> {
        if size <= 64 {
            let mut off = 0u64;
            while off < size {
                let left = size - off;
                let w = [8u64, 4, 2, 1].into_iter().find(|&w| w <= left && (align as u64) >= w).unwrap_or(1);
                let (lop, sop) = match w {
                    8 => ("ld", "sd"),
                    4 => ("lw", "sw"),
                    2 => ("lh", "sh"),
                    _ => ("lbu", "sb"),
                };
                let t = self.vreg();
                self.emit(Inst::Load { op: lop, rd: t, mem: s.offset(off as i64) });
                self.emit(Inst::Store { op: sop, rs: t, mem: d.offset(off as i64) });
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

    pub(crate) fn lower_memset(&mut self, dst: Value, byte: Value, size: u64, align: u32) -> Result<(), String> {
        let d = self.mem(dst)?;
        if size <= 64 {
            if let Some(0) = self.const_of(byte) {
                let mut off = 0u64;
                while off < size {
                    let left = size - off;
                    let w = [8u64, 4, 2, 1].into_iter().find(|&w| w <= left && (align as u64) >= w).unwrap_or(1);
                    let op = match w {
                        8 => "sd",
                        4 => "sw",
                        2 => "sh",
                        _ => "sb",
                    };
                    self.emit(Inst::Store { op, rs: ZERO, mem: d.offset(off as i64) });
                    off += w;
                }
                return Ok(());
            }
            if size <= 16 {
                let b = self.reg(byte)?;
                for off in 0..size {
                    self.emit(Inst::Store { op: "sb", rs: b, mem: d.offset(off as i64) });
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

    pub(crate) fn lower_rmw(&mut self, res: Value, op: RmwOp, ty: Type, ptr: Value, value: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        let p = self.reg(ptr)?;
        let v = self.reg(value)?;
        let d = self.out(res);
        if sz == 4 || sz == 8 {
            let w = if sz == 4 { "w" } else { "d" };
            let amo = match op {
                RmwOp::Xchg => Some("amoswap"),
                RmwOp::Add | RmwOp::Sub => Some("amoadd"),
                RmwOp::And => Some("amoand"),
                RmwOp::Or => Some("amoor"),
                RmwOp::Xor => Some("amoxor"),
                RmwOp::Nand => None,
            };
            if let Some(amo) = amo {
                let src = if op == RmwOp::Sub {
                    let n = self.vreg();
                    self.r("sub", n, ZERO, v);
                    n
                } else {
                    v
                };
                self.text(format!("{amo}.{w}.aqrl\t{{0}}, {{1}}, ({{2}})"), vec![(d, OpKind::Def), (src, OpKind::Use), (p, OpKind::Use)]);
                return Ok(());
            }
            let t = self.scratch();
            self.text(
                format!("1:\n\tlr.{w}.aqrl\t{{0}}, ({{2}})\n\tand\t{{1}}, {{0}}, {{3}}\n\tnot\t{{1}}, {{1}}\n\tsc.{w}.rl\t{{1}}, {{1}}, ({{2}})\n\tbnez\t{{1}}, 1b"),
                vec![(d, OpKind::EarlyDef), (t, OpKind::EarlyDef), (p, OpKind::Use), (v, OpKind::Use)],
            );
            return Ok(());
        }
        // 8/16-bit: a masked LR/SC loop on the aligned word
        let (aligned, shift, mask) = self.subword(p, sz);
        let vs = self.vreg();
        let vz = self.zext_reg(v, sz);
        self.r("sll", vs, vz, shift);
        let (old, new, t) = (self.scratch(), self.scratch(), self.scratch());
        let compute = match op {
            RmwOp::Xchg => "mv\t{1}, {4}",
            RmwOp::Add => "add\t{1}, {0}, {4}",
            RmwOp::Sub => "sub\t{1}, {0}, {4}",
            RmwOp::And => "and\t{1}, {0}, {4}",
            RmwOp::Or => "or\t{1}, {0}, {4}",
            RmwOp::Xor => "xor\t{1}, {0}, {4}",
            RmwOp::Nand => "and\t{1}, {0}, {4}\n\tnot\t{1}, {1}",
        };
        self.text(
            format!("1:\n\tlr.w.aqrl\t{{0}}, ({{3}})\n\t{compute}\n\txor\t{{1}}, {{1}}, {{0}}\n\tand\t{{1}}, {{1}}, {{5}}\n\txor\t{{1}}, {{1}}, {{0}}\n\tsc.w.rl\t{{2}}, {{1}}, ({{3}})\n\tbnez\t{{2}}, 1b"),
            vec![(old, OpKind::EarlyDef), (new, OpKind::EarlyDef), (t, OpKind::EarlyDef), (aligned, OpKind::Use), (vs, OpKind::Use), (mask, OpKind::Use)],
        );
        self.r("srl", d, old, shift);
        Ok(())
    }

    /// For an 8/16-bit atomic at `p`: the aligned word address, the bit
    /// shift of the value inside it and the mask of its bits.
    fn subword(&mut self, p: Reg, sz: u8) -> (Reg, Reg, Reg) {
        let (aligned, shift, mask) = (self.vreg(), self.vreg(), self.vreg());
        self.i("andi", aligned, p, -4);
        self.i("andi", shift, p, 3);
        self.i("slli", shift, shift, 3);
        self.li(mask, if sz == 1 { 0xff } else { 0xffff });
        self.r("sll", mask, mask, shift);
        (aligned, shift, mask)
    }

    pub(crate) fn lower_cmpxchg(&mut self, res: Value, ty: Type, ptr: Value, expected: Value, desired: Value) -> Result<(), String> {
        let sz = int_sz(ty);
        let p = self.reg(ptr)?;
        let e = self.reg(expected)?;
        let n = self.reg(desired)?;
        let d = self.out(res);
        if sz == 4 || sz == 8 {
            let w = if sz == 4 { "w" } else { "d" };
            let e = if sz == 4 { self.sext_reg(e, 4) } else { e };
            let t = self.scratch();
            self.text(
                format!("1:\n\tlr.{w}.aqrl\t{{0}}, ({{2}})\n\tbne\t{{0}}, {{3}}, 2f\n\tsc.{w}.rl\t{{1}}, {{4}}, ({{2}})\n\tbnez\t{{1}}, 1b\n2:"),
                vec![(d, OpKind::EarlyDef), (t, OpKind::EarlyDef), (p, OpKind::Use), (e, OpKind::Use), (n, OpKind::Use)],
            );
            return Ok(());
        }
        let (aligned, shift, mask) = self.subword(p, sz);
        let (es, ns) = (self.vreg(), self.vreg());
        let ez = self.zext_reg(e, sz);
        let nz = self.zext_reg(n, sz);
        self.r("sll", es, ez, shift);
        self.r("sll", ns, nz, shift);
        let (old, t, u) = (self.scratch(), self.scratch(), self.scratch());
        self.text(
            "1:\n\tlr.w.aqrl\t{0}, ({3})\n\tand\t{1}, {0}, {6}\n\tbne\t{1}, {4}, 2f\n\txor\t{1}, {0}, {5}\n\tand\t{1}, {1}, {6}\n\txor\t{1}, {1}, {0}\n\tsc.w.rl\t{2}, {1}, ({3})\n\tbnez\t{2}, 1b\n2:".into(),
            vec![(old, OpKind::EarlyDef), (t, OpKind::EarlyDef), (u, OpKind::EarlyDef), (aligned, OpKind::Use), (es, OpKind::Use), (ns, OpKind::Use), (mask, OpKind::Use)],
        );
        let s = self.vreg();
        self.r("srl", s, old, shift);
        let z = self.zext_reg(s, sz);
        self.mv(d, z);
        Ok(())
    }
}
