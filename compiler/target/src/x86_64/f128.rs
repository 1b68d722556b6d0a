//! IEEE binary128 (`__float128`) on x86-64: values live in 16-byte slots,
//! travel in one XMM register, and all arithmetic goes through libgcc.

use ccc_ir::{BinOp, CastOp, FloatCC, Type, Value};

use super::calls::{LArg, LRet};
use super::inst::*;
use super::isel::{int_sz, Cond, Isel};
use crate::codegen::mir::OpKind;
use crate::codegen::softfloat::ZeroTest;

impl Isel<'_> {
    pub(crate) fn binary_f128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let Some(name) = crate::codegen::softfloat::arith_routine(op) else { return Err(format!("integer operation {op:?} on f128")) };
        let (a, b) = (self.f80(lhs)?, self.f80(rhs)?);
        let d = self.out_mem(res);
        self.libcall(name, &[LArg::Q(a), LArg::Q(b)], LRet::Q(d))
    }

    pub(crate) fn neg_f128(&mut self, res: Value, arg: Value) -> Result<(), String> {
        let a = self.f80(arg)?;
        let d = self.out_mem(res);
        self.copy_mem(d.clone(), a, 16)?;
        self.text("xorb\t$0x80, {0}", vec![(Opnd::Mem(d.offset(15)), OpKind::Use)]);
        Ok(())
    }

    pub(crate) fn fcmp128(&mut self, cc: FloatCC, lhs: Value, rhs: Value) -> Result<Cond, String> {
        let (name, test) = crate::codegen::softfloat::compare_routine(cc);
        let c = match test {
            ZeroTest::Eq => Cc::E,
            ZeroTest::Ne => Cc::Ne,
            ZeroTest::Lt => Cc::L,
            ZeroTest::Le => Cc::Le,
            ZeroTest::Gt => Cc::G,
            ZeroTest::Ge => Cc::Ge,
        };
        let (a, b) = (self.f80(lhs)?, self.f80(rhs)?);
        let r = self.vreg();
        self.libcall(name, &[LArg::Q(a), LArg::Q(b)], LRet::I(r))?;
        self.emit(Inst::Test { sz: 4, src: Opnd::Reg(r), dst: Opnd::Reg(r) });
        Ok(Cond::Cc(c))
    }

    /// Conversions to and from binary128.
    pub(crate) fn cast_f128(&mut self, res: Value, op: CastOp, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == Type::F128 && to == Type::F128 {
            let a = self.f80(arg)?;
            let d = self.out_mem(res);
            return self.copy_mem(d, a, 16);
        }
        if to == Type::F128 {
            let d = self.out_mem(res);
            let ret = LRet::Q(d);
            return match from {
                Type::F32 => {
                    let a = self.reg(arg)?;
                    self.libcall("__extendsftf2", &[LArg::F(a)], ret)
                }
                Type::F64 => {
                    let a = self.reg(arg)?;
                    self.libcall("__extenddftf2", &[LArg::F(a)], ret)
                }
                Type::F80 => {
                    let a = self.f80(arg)?;
                    self.libcall("__extendxftf2", &[LArg::X(a)], ret)
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
                    let x = if signed { self.sext64(a, sz) } else { self.zext64(a, sz) };
                    // everything narrower than 64 bits fits the 64-bit signed conversion
                    let name = if signed || sz < 8 { "__floatditf" } else { "__floatunditf" };
                    self.libcall(name, &[LArg::I(x)], ret)
                }
            };
        }
        let a = self.f80(arg)?;
        match to {
            Type::F32 => {
                let d = self.out(res);
                self.libcall("__trunctfsf2", &[LArg::Q(a)], LRet::F(d))
            }
            Type::F64 => {
                let d = self.out(res);
                self.libcall("__trunctfdf2", &[LArg::Q(a)], LRet::F(d))
            }
            Type::F80 => {
                let d = self.out_mem(res);
                self.libcall("__trunctfxf2", &[LArg::Q(a)], LRet::X(d))
            }
            Type::I128 => {
                let (dl, dh) = self.out_pair(res);
                let name = if op == CastOp::FToSI { "__fixtfti" } else { "__fixunstfti" };
                self.libcall(name, &[LArg::Q(a)], LRet::P(dl, dh))
            }
            t => {
                let d = self.out(res);
                let name = match (op == CastOp::FToSI, int_sz(t)) {
                    (true, 8) => "__fixtfdi",
                    (true, _) => "__fixtfsi",
                    (false, 8) => "__fixunstfdi",
                    (false, _) => "__fixunstfsi",
                };
                self.libcall(name, &[LArg::Q(a)], LRet::I(d))
            }
        }
    }
}
