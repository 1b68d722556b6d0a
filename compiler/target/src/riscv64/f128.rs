//! IEEE binary128 (`long double`): values travel in integer register
//! pairs, as the psABI passes them, and all arithmetic goes through libgcc.

use ccc_ir::{BinOp, CastOp, FloatCC, Type, Value};

use super::calls::{LArg, LRet};
use super::isel::{int_sz, Isel};
use crate::codegen::mir::Reg;
use crate::codegen::softfloat::ZeroTest;

impl Isel<'_> {
    pub(crate) fn binary_f128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let Some(name) = crate::codegen::softfloat::arith_routine(op) else { return self.unsupported("integer operation on binary128") };
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        let (dl, dh) = self.out_pair(res);
        self.libcall(name, &[LArg::P(al, ah), LArg::P(bl, bh)], LRet::P(dl, dh))
    }

    pub(crate) fn fcmp128_set(&mut self, d: Reg, cc: FloatCC, lhs: Value, rhs: Value) -> Result<(), String> {
        // libgcc's comparisons return an int to be compared with zero
        let (name, test) = crate::codegen::softfloat::compare_routine(cc);
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        let r = self.vreg();
        self.libcall(name, &[LArg::P(al, ah), LArg::P(bl, bh)], LRet::I(r))?;
        let r = self.sext_reg(r, 4);
        let zero = super::inst::ZERO;
        match test {
            ZeroTest::Eq => self.u("seqz", d, r),
            ZeroTest::Ne => self.u("snez", d, r),
            ZeroTest::Lt => self.r("slt", d, r, zero),
            ZeroTest::Gt => self.r("slt", d, zero, r),
            ZeroTest::Le => {
                self.r("slt", d, zero, r);
                self.i("xori", d, d, 1);
            }
            ZeroTest::Ge => {
                self.r("slt", d, r, zero);
                self.i("xori", d, d, 1);
            }
        }
        Ok(())
    }

    /// Conversions to and from binary128.
    pub(crate) fn cast_f128(&mut self, res: Value, op: CastOp, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == Type::F128 && to == Type::F128 || matches!(op, CastOp::Bitcast) {
            let (lo, hi) = self.pair(arg)?;
            let (dl, dh) = self.out_pair(res);
            self.mv(dl, lo);
            self.mv(dh, hi);
            return Ok(());
        }
        if to == Type::F128 {
            let (dl, dh) = self.out_pair(res);
            let ret = LRet::P(dl, dh);
            return match from {
                Type::F32 => {
                    let a = self.reg(arg)?;
                    self.libcall("__extendsftf2", &[LArg::F(a)], ret)
                }
                Type::F64 => {
                    let a = self.reg(arg)?;
                    self.libcall("__extenddftf2", &[LArg::F(a)], ret)
                }
                Type::I128 => {
                    let (lo, hi) = self.pair(arg)?;
                    let name = if op == CastOp::SIToF { "__floattitf" } else { "__floatuntitf" };
                    self.libcall(name, &[LArg::P(lo, hi)], ret)
                }
                t => {
                    let a = self.reg(arg)?;
                    let sz = int_sz(t);
                    let signed = op == CastOp::SIToF;
                    let x = if signed { self.sext_reg(a, sz) } else { self.zext_reg(a, sz) };
                    let name = if signed || sz < 8 { "__floatditf" } else { "__floatunditf" };
                    self.libcall(name, &[LArg::I(x)], ret)
                }
            };
        }
        let (lo, hi) = self.pair(arg)?;
        let a = LArg::P(lo, hi);
        match to {
            Type::F32 => {
                let d = self.out(res);
                self.libcall("__trunctfsf2", &[a], LRet::F(d))
            }
            Type::F64 => {
                let d = self.out(res);
                self.libcall("__trunctfdf2", &[a], LRet::F(d))
            }
            Type::I128 => {
                let (dl, dh) = self.out_pair(res);
                let name = if op == CastOp::FToSI { "__fixtfti" } else { "__fixunstfti" };
                self.libcall(name, &[a], LRet::P(dl, dh))
            }
            t => {
                let d = self.out(res);
                let name = match (op == CastOp::FToSI, int_sz(t)) {
                    (true, 8) => "__fixtfdi",
                    (true, _) => "__fixtfsi",
                    (false, 8) => "__fixunstfdi",
                    (false, _) => "__fixunstfsi",
                };
                self.libcall(name, &[a], LRet::I(d))
            }
        }
    }
}
