//! `_Complex` arithmetic. Complex values live in memory (two floats); the
//! helpers here move between that and (real, imaginary) value pairs.
//! Multiplication and division call libgcc's `__mul?c3` / `__div?c3`, as
//! GCC does, for correct infinity/NaN handling.

use ccc_ir::{AbiType, Callee, FloatCC, InstKind, Type as IrType, Value};

use super::func::abi_type;
use super::*;

impl<'a> FnLower<'a> {
    fn part_type(&self, ty: &CType) -> (IrType, CType, u64) {
        let k = ty.float_kind().unwrap_or(FloatKind::Double);
        let ft = CType::new(Kind::Float(k));
        (self.layout.float_ir(k), ft.clone(), self.layout.size(&ft))
    }

    pub(super) fn complex_temp(&mut self, ty: &CType) -> Value {
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        self.slot(size, align)
    }

    pub(super) fn complex_store(&mut self, addr: Value, re: Value, im: Value, ty: &CType) {
        let (it, _, fs) = self.part_type(ty);
        self.ins(InstKind::Store { ty: it, ptr: addr, value: re, volatile: false });
        let ia = self.add_offset(addr, fs as i64);
        self.ins(InstKind::Store { ty: it, ptr: ia, value: im, volatile: false });
    }

    /// Real and imaginary parts of `e`, converted to `e`'s part type.
    pub(super) fn complex_parts(&mut self, e: &Expr) -> (Value, Value) {
        if !e.ty.is_complex() {
            // A real operand: imaginary part zero.
            let v = self.rvalue(e);
            let t = self.ir_ty(&e.ty);
            let z = self.float_const(0.0, if t.is_float() { t } else { IrType::F64 });
            return (v, z);
        }
        match &e.kind {
            ExprKind::Builtin { name, args } if name.as_str() == "__ccc_complex" => {
                let re = self.rvalue(&args[0]);
                let im = self.rvalue(&args[1]);
                return (re, im);
            }
            ExprKind::Cast(inner) => {
                let (_, ft, _) = self.part_type(&e.ty);
                if inner.ty.is_complex() {
                    let (re, im) = self.complex_parts(inner);
                    let (_, ift, _) = self.part_type(&inner.ty);
                    let re = self.cast_value(re, &ift, &ft);
                    let im = self.cast_value(im, &ift, &ft);
                    return (re, im);
                }
                let v = self.rvalue(inner);
                let re = self.cast_value(v, &inner.ty, &ft);
                let (it, _, _) = self.part_type(&e.ty);
                let z = self.float_const(0.0, it);
                return (re, z);
            }
            _ => {}
        }
        let a = self.rvalue(e);
        let (it, _, fs) = self.part_type(&e.ty);
        let vol = e.ty.is_volatile();
        let re = self.val(InstKind::Load { ty: it, ptr: a, volatile: vol });
        let ia = self.add_offset(a, fs as i64);
        let im = self.val(InstKind::Load { ty: it, ptr: ia, volatile: vol });
        (re, im)
    }

    fn complex_result(&mut self, re: Value, im: Value, ty: &CType) -> Value {
        let t = self.complex_temp(ty);
        self.complex_store(t, re, im, ty);
        t
    }

    /// Parts of `e` converted to the part type of `ty`.
    fn parts_as(&mut self, e: &Expr, ty: &CType) -> (Value, Value) {
        let (re, im) = self.complex_parts(e);
        let (_, to, _) = self.part_type(ty);
        let from = if e.ty.is_complex() { self.part_type(&e.ty).1 } else { e.ty.clone() };
        let re = self.cast_value(re, &from, &to);
        let imf = if e.ty.is_complex() { from } else { CType::double() };
        let im = self.cast_value(im, &imf, &to);
        (re, im)
    }

    pub(super) fn complex_binary(&mut self, op: BinOp, l: &Expr, r: &Expr, ty: &CType) -> Value {
        if op.is_comparison() {
            let c = self.complex_compare(op, l, r);
            return self.val(InstKind::Cast { op: ir::CastOp::Zext, from: IrType::I8, to: IrType::I32, arg: c });
        }
        let (a, b) = self.parts_as(l, ty);
        let (c, d) = self.parts_as(r, ty);
        let (it, _, _) = self.part_type(ty);
        match op {
            BinOp::Add | BinOp::Sub => {
                let iop = if op == BinOp::Add { ir::BinOp::FAdd } else { ir::BinOp::FSub };
                let re = self.val(InstKind::Binary { op: iop, ty: it, lhs: a, rhs: c });
                let im = if r.ty.is_complex() || op == BinOp::Add {
                    self.val(InstKind::Binary { op: iop, ty: it, lhs: b, rhs: d })
                } else {
                    b
                };
                self.complex_result(re, im, ty)
            }
            BinOp::Mul | BinOp::Div => {
                let suffix = match it {
                    IrType::F32 => "sc3",
                    IrType::F64 => "dc3",
                    IrType::F80 => "xc3",
                    _ => "tc3",
                };
                let name = format!("__{}{suffix}", if op == BinOp::Mul { "mul" } else { "div" });
                let sig = ir::Signature { params: vec![AbiType::Scalar(it); 4], ret: Some(abi_type(ty, self.layout)), variadic: false, named: None };
                let slot = self.complex_temp(ty);
                self.ins(InstKind::Call { callee: Callee::Direct(name), sig, args: vec![a, b, c, d], ret_slot: Some(slot), chain: None });
                slot
            }
            _ => {
                self.error(l.loc, "invalid operands to binary expression on complex values");
                slot_dummy(self, ty)
            }
        }
    }

    pub(super) fn complex_compare(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Value {
        let cty = if l.ty.is_complex() { l.ty.clone() } else { r.ty.clone() };
        let (a, b) = self.parts_as(l, &cty);
        let (c, d) = self.parts_as(r, &cty);
        let (it, _, _) = self.part_type(&cty);
        let (cc, comb) = if op == BinOp::Eq { (FloatCC::Eq, ir::BinOp::And) } else { (FloatCC::Une, ir::BinOp::Or) };
        let x = self.val(InstKind::Fcmp { cc, ty: it, lhs: a, rhs: c });
        let y = self.val(InstKind::Fcmp { cc, ty: it, lhs: b, rhs: d });
        self.val(InstKind::Binary { op: comb, ty: IrType::I8, lhs: x, rhs: y })
    }

    pub(super) fn complex_nonzero(&mut self, e: &Expr) -> Value {
        let (a, b) = self.complex_parts(e);
        let (it, _, _) = self.part_type(&e.ty);
        let z = self.float_const(0.0, it);
        let x = self.val(InstKind::Fcmp { cc: FloatCC::Une, ty: it, lhs: a, rhs: z });
        let y = self.val(InstKind::Fcmp { cc: FloatCC::Une, ty: it, lhs: b, rhs: z });
        self.val(InstKind::Binary { op: ir::BinOp::Or, ty: IrType::I8, lhs: x, rhs: y })
    }

    pub(super) fn complex_unary(&mut self, op: UnOp, inner: &Expr, ty: &CType) -> Value {
        let (a, b) = self.parts_as(inner, ty);
        let (it, _, _) = self.part_type(ty);
        let (re, im) = match op {
            UnOp::Neg => {
                let re = self.val(InstKind::Unary { op: ir::UnOp::FNeg, ty: it, arg: a });
                let im = self.val(InstKind::Unary { op: ir::UnOp::FNeg, ty: it, arg: b });
                (re, im)
            }
            UnOp::Conj => {
                let im = self.val(InstKind::Unary { op: ir::UnOp::FNeg, ty: it, arg: b });
                (a, im)
            }
            _ => (a, b),
        };
        self.complex_result(re, im, ty)
    }

    pub(super) fn complex_cast(&mut self, inner: &Expr, to: &CType) -> Value {
        if to.is_complex() {
            let (re, im) = self.parts_as(inner, to);
            return self.complex_result(re, im, to);
        }
        // complex -> real: the real part.
        let (re, _) = self.complex_parts(inner);
        let (_, ft, _) = self.part_type(&inner.ty);
        if to.is_bool() {
            return self.complex_nonzero(inner);
        }
        if to.is_void() {
            return re;
        }
        self.cast_value(re, &ft, to)
    }

    pub(super) fn complex_compound_assign(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, op_ty: &CType) -> Value {
        // Evaluate lhs op rhs in op_ty, store back converted to lhs's type.
        let addr = self.addr(lhs);
        // Load the current value through the computed address.
        let (lt, lft, fs) = if lhs.ty.is_complex() { self.part_type(&lhs.ty) } else { (self.ir_ty(&lhs.ty), lhs.ty.clone(), 0) };
        let (a, b) = if lhs.ty.is_complex() {
            let re = self.val(InstKind::Load { ty: lt, ptr: addr, volatile: false });
            let ia = self.add_offset(addr, fs as i64);
            let im = self.val(InstKind::Load { ty: lt, ptr: ia, volatile: false });
            (re, im)
        } else {
            let v = self.load_scalar(addr, &lhs.ty);
            let z = self.float_const(0.0, IrType::F64);
            (v, z)
        };
        let (ot, oft, _) = self.part_type(op_ty);
        let a = self.cast_value(a, &lft, &oft);
        let b = if lhs.ty.is_complex() { self.cast_value(b, &lft, &oft) } else { self.cast_value(b, &CType::double(), &oft) };
        let (c, d) = self.parts_as(rhs, op_ty);
        let (re, im) = match op {
            BinOp::Add | BinOp::Sub => {
                let iop = if op == BinOp::Add { ir::BinOp::FAdd } else { ir::BinOp::FSub };
                let re = self.val(InstKind::Binary { op: iop, ty: ot, lhs: a, rhs: c });
                let im = self.val(InstKind::Binary { op: iop, ty: ot, lhs: b, rhs: d });
                (re, im)
            }
            _ => {
                let suffix = match ot {
                    IrType::F32 => "sc3",
                    IrType::F64 => "dc3",
                    IrType::F80 => "xc3",
                    _ => "tc3",
                };
                let name = format!("__{}{suffix}", if op == BinOp::Mul { "mul" } else { "div" });
                let sig = ir::Signature { params: vec![AbiType::Scalar(ot); 4], ret: Some(abi_type(op_ty, self.layout)), variadic: false, named: None };
                let slot = self.complex_temp(op_ty);
                self.ins(InstKind::Call { callee: Callee::Direct(name), sig, args: vec![a, b, c, d], ret_slot: Some(slot), chain: None });
                let ofs = self.layout.size(&oft) as i64;
                let re = self.val(InstKind::Load { ty: ot, ptr: slot, volatile: false });
                let ia = self.add_offset(slot, ofs);
                let im = self.val(InstKind::Load { ty: ot, ptr: ia, volatile: false });
                (re, im)
            }
        };
        if lhs.ty.is_complex() {
            let re = self.cast_value(re, &oft, &lft);
            let im = self.cast_value(im, &oft, &lft);
            let lty = lhs.ty.clone();
            self.complex_store(addr, re, im, &lty);
            addr
        } else {
            let v = self.cast_value(re, &oft, &lhs.ty);
            self.store_scalar(addr, v, &lhs.ty);
            v
        }
    }
}

fn slot_dummy(lw: &mut FnLower, ty: &CType) -> Value {
    lw.complex_temp(ty)
}
