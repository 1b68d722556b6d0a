//! IEEE binary128 (`long double`): values are kept in integer register
//! pairs between uses and cross calls in q registers, as AAPCS64 passes
//! them; all arithmetic goes through libgcc.

use ccc_ir::{BinOp, CastOp, FloatCC, Type, Value};

use super::calls::{LArg, LRet};
use super::inst::*;
use super::isel::Isel;
use crate::codegen::lowering::int_sz;
use crate::codegen::mir::Reg;
use crate::codegen::softfloat::ZeroTest;

impl Isel<'_> {
    pub(crate) fn binary_f128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let Some(name) = crate::codegen::softfloat::arith_routine(op) else { return self.unsupported("integer operation on binary128") };
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        let (dl, dh) = self.out_pair(res);
        self.libcall(name, &[LArg::Q(al, ah), LArg::Q(bl, bh)], LRet::Q(dl, dh))
    }

    pub(crate) fn fcmp128_set(&mut self, d: Reg, cc: FloatCC, lhs: Value, rhs: Value) -> Result<(), String> {
        // libgcc's comparisons return an int to be compared with zero
        let (name, test) = crate::codegen::softfloat::compare_routine(cc);
        let cond = match test {
            ZeroTest::Eq => "eq",
            ZeroTest::Ne => "ne",
            ZeroTest::Lt => "lt",
            ZeroTest::Le => "le",
            ZeroTest::Gt => "gt",
            ZeroTest::Ge => "ge",
        };
        let (al, ah) = self.pair(lhs)?;
        let (bl, bh) = self.pair(rhs)?;
        let r = self.vreg();
        self.libcall(name, &[LArg::Q(al, ah), LArg::Q(bl, bh)], LRet::I(r))?;
        self.cmp_const(W::W, r, 0);
        self.emit(Inst::CSet { rd: d, cond });
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
            let ret = LRet::Q(dl, dh);
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
                    let sz = int_sz(t);
                    let signed = op == CastOp::SIToF;
                    let x = if signed { self.sext_val(arg, sz)? } else { self.zext_val(arg, sz)? };
                    let name = if signed || sz < 8 { "__floatditf" } else { "__floatunditf" };
                    self.libcall(name, &[LArg::I(x)], ret)
                }
            };
        }
        let (lo, hi) = self.pair(arg)?;
        let a = LArg::Q(lo, hi);
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
