//! Builtins and atomics that lower to IR instructions rather than calls.

use ccc_ir::{AtomicOrder, BinOp as IB, CastOp, FloatCC, InstKind, IntCC, RmwOp, Type as IrType, UnOp as IU, Value};

use super::*;

fn order_of(e: &Expr) -> AtomicOrder {
    let v = match &e.kind {
        ExprKind::Int(v) => *v,
        ExprKind::Cast(inner) => match inner.kind {
            ExprKind::Int(v) => v,
            _ => 5,
        },
        _ => 5,
    };
    match v {
        0 => AtomicOrder::Relaxed,
        1 => AtomicOrder::Consume,
        2 => AtomicOrder::Acquire,
        3 => AtomicOrder::Release,
        4 => AtomicOrder::AcqRel,
        _ => AtomicOrder::SeqCst,
    }
}

impl<'a> FnLower<'a> {
    fn zext32(&mut self, v: Value, from: IrType) -> Value {
        if from == IrType::I32 {
            return v;
        }
        let op = if from.size() > 4 { CastOp::Trunc } else { CastOp::Zext };
        self.val(InstKind::Cast { op, from, to: IrType::I32, arg: v })
    }

    pub(super) fn builtin(&mut self, name: Sym, args: &[Expr], ty: &CType, loc: crate::diag::Loc) -> Value {
        let n = name.as_str();
        match n {
            "__ccc_complex" => {
                let re = self.rvalue(&args[0]);
                let im = self.rvalue(&args[1]);
                let t = self.complex_temp(ty);
                self.complex_store(t, re, im, ty);
                t
            }
            "__ccc_vec_splat" => self.vector_splat(&args[0], ty),
            "__ccc_stack_pointer" => self.val(InstKind::StackSave),
            "__ccc_read_register" => self.read_register(&args[0]),
            // Not constant when parsed: the optimiser may still fold it (the
            // argument has no side effects; at -O0 nothing more folds).
            "constant_p" if self.optimizing && args[0].ty.is_scalar() => {
                let arg = self.rvalue(&args[0]);
                self.val(InstKind::IsConstant { arg })
            }
            "constant_p" => self.iconst(IrType::I32, 0),
            "shuffle" => self.vector_shuffle(args, ty),
            "unreachable" => {
                self.ins(InstKind::Unreachable);
                self.iconst(IrType::I32, 0)
            }
            "trap" => {
                self.ins(InstKind::Trap);
                self.iconst(IrType::I32, 0)
            }
            "discard" => {
                for a in args {
                    self.expr_discard(a);
                }
                self.iconst(IrType::I32, 0)
            }
            "bswap" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(ty);
                if t == IrType::I8 {
                    return v;
                }
                self.val(InstKind::Unary { op: IU::Bswap, ty: t, arg: v })
            }
            "clz" | "ctz" | "popcount" | "parity" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(&args[0].ty);
                let op = match n {
                    "clz" => IU::Clz,
                    "ctz" => IU::Ctz,
                    _ => IU::Popcount,
                };
                let r = self.val(InstKind::Unary { op, ty: t, arg: v });
                let r = self.zext32(r, t);
                if n == "parity" {
                    let one = self.iconst(IrType::I32, 1);
                    return self.val(InstKind::Binary { op: IB::And, ty: IrType::I32, lhs: r, rhs: one });
                }
                r
            }
            "ffs" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(&args[0].ty);
                let c = self.val(InstKind::Unary { op: IU::Ctz, ty: t, arg: v });
                let c = self.zext32(c, t);
                let one = self.iconst(IrType::I32, 1);
                let c1 = self.val(InstKind::Binary { op: IB::Add, ty: IrType::I32, lhs: c, rhs: one });
                let zero = self.iconst(IrType::I32, 0);
                self.val(InstKind::Select { ty: IrType::I32, cond: v, cond_ty: t, a: c1, b: zero })
            }
            "clrsb" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(&args[0].ty);
                let sh = self.iconst(t, (t.bits() - 1) as i128);
                let s = self.val(InstKind::Binary { op: IB::AShr, ty: t, lhs: v, rhs: sh });
                let y = self.val(InstKind::Binary { op: IB::Xor, ty: t, lhs: v, rhs: s });
                // Shift in a one so clz is defined: clz((y << 1) | 1).
                let one = self.iconst(t, 1);
                let y2 = self.val(InstKind::Binary { op: IB::Shl, ty: t, lhs: y, rhs: one });
                let y3 = self.val(InstKind::Binary { op: IB::Or, ty: t, lhs: y2, rhs: one });
                let c = self.val(InstKind::Unary { op: IU::Clz, ty: t, arg: y3 });
                self.zext32(c, t)
            }
            "abs" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(ty);
                let neg = self.val(InstKind::Unary { op: IU::Neg, ty: t, arg: v });
                let z = self.iconst(t, 0);
                let c = self.val(InstKind::Icmp { cc: IntCC::Slt, ty: t, lhs: v, rhs: z });
                self.val(InstKind::Select { ty: t, cond: c, cond_ty: IrType::I8, a: neg, b: v })
            }
            "add_overflow" | "sub_overflow" | "mul_overflow" | "add_overflow_p" | "sub_overflow_p" | "mul_overflow_p" => self.overflow_builtin(n, args),
            "alloca" => {
                let size = self.rvalue(&args[0]);
                self.dyn_alloca(size, 16)
            }
            "frame_address" | "return_address" => {
                let level = match args[0].kind {
                    ExprKind::Int(v) => v as u32,
                    _ => 0,
                };
                if n == "frame_address" {
                    self.val(InstKind::FrameAddress { level })
                } else {
                    self.val(InstKind::ReturnAddress { level })
                }
            }
            "isnan" | "isinf" | "isfinite" | "isnormal" | "isinf_sign" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(&args[0].ty);
                let r = match n {
                    "isnan" => self.val(InstKind::Fcmp { cc: FloatCC::Uno, ty: t, lhs: v, rhs: v }),
                    _ => {
                        let a = self.fabs(v, t);
                        let inf = self.float_const(f64::INFINITY, t);
                        match n {
                            "isinf" | "isinf_sign" => self.val(InstKind::Fcmp { cc: FloatCC::Eq, ty: t, lhs: a, rhs: inf }),
                            "isfinite" => self.val(InstKind::Fcmp { cc: FloatCC::Lt, ty: t, lhs: a, rhs: inf }),
                            _ => {
                                let min = match t {
                                    IrType::F32 => f32::MIN_POSITIVE as f64,
                                    IrType::F64 => f64::MIN_POSITIVE,
                                    _ => f64::MIN_POSITIVE, // approximate for long double
                                };
                                let m = self.float_const(min, t);
                                let lo = self.val(InstKind::Fcmp { cc: FloatCC::Ge, ty: t, lhs: a, rhs: m });
                                let hi = self.val(InstKind::Fcmp { cc: FloatCC::Lt, ty: t, lhs: a, rhs: inf });
                                self.val(InstKind::Binary { op: IB::And, ty: IrType::I8, lhs: lo, rhs: hi })
                            }
                        }
                    }
                };
                let r = self.val(InstKind::Cast { op: CastOp::Zext, from: IrType::I8, to: IrType::I32, arg: r });
                if n == "isinf_sign" {
                    let s = self.signbit(v, t);
                    let two = self.iconst(IrType::I32, 2);
                    let s2 = self.val(InstKind::Binary { op: IB::Mul, ty: IrType::I32, lhs: s, rhs: two });
                    let one = self.iconst(IrType::I32, 1);
                    let sgn = self.val(InstKind::Binary { op: IB::Sub, ty: IrType::I32, lhs: one, rhs: s2 });
                    return self.val(InstKind::Binary { op: IB::Mul, ty: IrType::I32, lhs: r, rhs: sgn });
                }
                r
            }
            "signbit" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(&args[0].ty);
                self.signbit(v, t)
            }
            "isgreater" | "isgreaterequal" | "isless" | "islessequal" | "islessgreater" | "isunordered" => {
                let a = self.rvalue(&args[0]);
                let b = self.rvalue(&args[1]);
                let t = self.ir_ty(&args[0].ty);
                let r = match n {
                    "isgreater" => self.val(InstKind::Fcmp { cc: FloatCC::Gt, ty: t, lhs: a, rhs: b }),
                    "isgreaterequal" => self.val(InstKind::Fcmp { cc: FloatCC::Ge, ty: t, lhs: a, rhs: b }),
                    "isless" => self.val(InstKind::Fcmp { cc: FloatCC::Lt, ty: t, lhs: a, rhs: b }),
                    "islessequal" => self.val(InstKind::Fcmp { cc: FloatCC::Le, ty: t, lhs: a, rhs: b }),
                    "isunordered" => self.val(InstKind::Fcmp { cc: FloatCC::Uno, ty: t, lhs: a, rhs: b }),
                    _ => {
                        let x = self.val(InstKind::Fcmp { cc: FloatCC::Lt, ty: t, lhs: a, rhs: b });
                        let y = self.val(InstKind::Fcmp { cc: FloatCC::Gt, ty: t, lhs: a, rhs: b });
                        self.val(InstKind::Binary { op: IB::Or, ty: IrType::I8, lhs: x, rhs: y })
                    }
                };
                self.val(InstKind::Cast { op: CastOp::Zext, from: IrType::I8, to: IrType::I32, arg: r })
            }
            "fabs" => {
                let v = self.rvalue(&args[0]);
                let t = self.ir_ty(ty);
                self.fabs(v, t)
            }
            "copysign" => {
                let a = self.rvalue(&args[0]);
                let b = self.rvalue(&args[1]);
                let t = self.ir_ty(ty);
                let m = self.fabs(a, t);
                let neg = self.val(InstKind::Unary { op: IU::FNeg, ty: t, arg: m });
                let s = self.signbit(b, t);
                self.val(InstKind::Select { ty: t, cond: s, cond_ty: IrType::I32, a: neg, b: m })
            }
            _ => {
                self.error(loc, format!("builtin '{n}' is not supported"));
                self.iconst(IrType::I32, 0)
            }
        }
    }

    fn fabs(&mut self, v: Value, t: IrType) -> Value {
        match t {
            IrType::F32 | IrType::F64 => {
                let it = if t == IrType::F32 { IrType::I32 } else { IrType::I64 };
                let b = self.val(InstKind::Cast { op: CastOp::Bitcast, from: t, to: it, arg: v });
                let mask = self.iconst(it, if t == IrType::F32 { 0x7fff_ffff } else { 0x7fff_ffff_ffff_ffff });
                let a = self.val(InstKind::Binary { op: IB::And, ty: it, lhs: b, rhs: mask });
                self.val(InstKind::Cast { op: CastOp::Bitcast, from: it, to: t, arg: a })
            }
            _ => {
                // Wide floats: clear the sign bit in memory.
                let s = self.slot(16, 16);
                self.ins(InstKind::Store { ty: t, ptr: s, value: v, volatile: false });
                let off = if t == IrType::F80 { 9 } else { 15 };
                let p = self.add_offset(s, off);
                let byte = self.val(InstKind::Load { ty: IrType::I8, ptr: p, volatile: false });
                let m = self.iconst(IrType::I8, 0x7f);
                let nb = self.val(InstKind::Binary { op: IB::And, ty: IrType::I8, lhs: byte, rhs: m });
                self.ins(InstKind::Store { ty: IrType::I8, ptr: p, value: nb, volatile: false });
                self.val(InstKind::Load { ty: t, ptr: s, volatile: false })
            }
        }
    }

    /// The sign bit of a float as an I32 0/1.
    fn signbit(&mut self, v: Value, t: IrType) -> Value {
        let (bits, it) = match t {
            IrType::F32 => (self.val(InstKind::Cast { op: CastOp::Bitcast, from: t, to: IrType::I32, arg: v }), IrType::I32),
            IrType::F64 => (self.val(InstKind::Cast { op: CastOp::Bitcast, from: t, to: IrType::I64, arg: v }), IrType::I64),
            _ => {
                let s = self.slot(16, 16);
                self.ins(InstKind::Store { ty: t, ptr: s, value: v, volatile: false });
                let off = if t == IrType::F80 { 9 } else { 15 };
                let p = self.add_offset(s, off);
                (self.val(InstKind::Load { ty: IrType::I8, ptr: p, volatile: false }), IrType::I8)
            }
        };
        let sh = self.iconst(it, (it.bits() - 1) as i128);
        let s = self.val(InstKind::Binary { op: IB::LShr, ty: it, lhs: bits, rhs: sh });
        if it == IrType::I32 {
            return s;
        }
        let op = if it.size() > 4 { CastOp::Trunc } else { CastOp::Zext };
        self.val(InstKind::Cast { op, from: it, to: IrType::I32, arg: s })
    }

    /// `__builtin_{add,sub,mul}_overflow`: exact result computed in 128
    /// bits, stored truncated, overflow when it does not fit.
    fn overflow_builtin(&mut self, n: &str, args: &[Expr]) -> Value {
        let op = match &n[..3] {
            "add" => IB::Add,
            "sub" => IB::Sub,
            _ => IB::Mul,
        };
        let res_ty = args[2].ty.base().cloned().unwrap_or_else(CType::int);
        let rt = self.ir_ty(&res_ty);
        let res_signed = res_ty.is_signed(self.layout.tables);
        let a = self.rvalue(&args[0]);
        let b = self.rvalue(&args[1]);
        let at = self.ir_ty(&args[0].ty);
        let bt = self.ir_ty(&args[1].ty);
        let a_signed = args[0].ty.is_signed(self.layout.tables);
        let b_signed = args[1].ty.is_signed(self.layout.tables);
        let wide = at == IrType::I128 || bt == IrType::I128 || rt == IrType::I128;
        let (result, overflow) = if wide || (op == IB::Mul && !a_signed && !b_signed && at == IrType::I64) {
            // Same-type check in the IR for the widest case.
            let a2 = self.cast_int(a, at, rt, a_signed);
            let b2 = self.cast_int(b, bt, rt, b_signed);
            let r = self.val(InstKind::Binary { op, ty: rt, lhs: a2, rhs: b2 });
            let o = self.val(InstKind::Overflows { op, ty: rt, signed: res_signed, lhs: a2, rhs: b2 });
            (r, o)
        } else {
            let w = IrType::I128;
            let a2 = self.cast_int(a, at, w, a_signed);
            let b2 = self.cast_int(b, bt, w, b_signed);
            let r = self.val(InstKind::Binary { op, ty: w, lhs: a2, rhs: b2 });
            let t = self.val(InstKind::Cast { op: CastOp::Trunc, from: w, to: rt, arg: r });
            let back = self.cast_int(t, rt, w, res_signed);
            let o = self.val(InstKind::Icmp { cc: IntCC::Ne, ty: w, lhs: back, rhs: r });
            (t, o)
        };
        if !n.ends_with("_p") {
            let p = self.rvalue(&args[2]);
            self.ins(InstKind::Store { ty: rt, ptr: p, value: result, volatile: false });
        }
        overflow
    }

    fn cast_int(&mut self, v: Value, from: IrType, to: IrType, signed: bool) -> Value {
        if from == to {
            return v;
        }
        let op = if from.size() > to.size() {
            CastOp::Trunc
        } else if from.size() == to.size() {
            CastOp::Bitcast
        } else if signed {
            CastOp::Sext
        } else {
            CastOp::Zext
        };
        self.val(InstKind::Cast { op, from, to, arg: v })
    }

    pub(super) fn atomic(&mut self, name: Sym, args: &[Expr], ty: &CType) -> Value {
        let n = name.as_str();
        if n == "fence" {
            self.ins(InstKind::Fence { order: order_of(&args[0]) });
            return self.iconst(IrType::I32, 0);
        }
        if n == "signal_fence" {
            return self.iconst(IrType::I32, 0);
        }
        let pointee = args[0].ty.base().cloned().unwrap_or_else(CType::int);
        let t = self.layout.ir_type(&pointee).unwrap_or_else(|| IrType::int_of_size(self.layout.size(&pointee) as u32).unwrap_or(IrType::I64));
        let p = self.rvalue(&args[0]);
        match n {
            "load" => {
                let order = order_of(&args[1]);
                self.val(InstKind::AtomicLoad { ty: t, ptr: p, order })
            }
            "store" => {
                let v = self.rvalue(&args[1]);
                let order = order_of(&args[2]);
                self.ins(InstKind::AtomicStore { ty: t, ptr: p, value: v, order });
                self.iconst(IrType::I32, 0)
            }
            "xchg" => {
                let v = self.rvalue(&args[1]);
                let order = order_of(&args[2]);
                self.val(InstKind::AtomicRmw { op: RmwOp::Xchg, ty: t, ptr: p, value: v, order })
            }
            "cmpxchg" | "cmpxchg_ptr" => {
                let exp_p = self.rvalue(&args[1]);
                let desired = if n == "cmpxchg" {
                    self.rvalue(&args[2])
                } else {
                    let dp = self.rvalue(&args[2]);
                    self.val(InstKind::Load { ty: t, ptr: dp, volatile: false })
                };
                let order = order_of(&args[3]);
                let expected = self.val(InstKind::Load { ty: t, ptr: exp_p, volatile: false });
                let old = self.val(InstKind::AtomicCmpXchg { ty: t, ptr: p, expected, desired, order });
                let ok = self.val(InstKind::Icmp { cc: IntCC::Eq, ty: t, lhs: old, rhs: expected });
                // On failure the current value is written back to *expected.
                self.ins(InstKind::Store { ty: t, ptr: exp_p, value: old, volatile: false });
                ok
            }
            "load_ptr" => {
                let ret = self.rvalue(&args[1]);
                let order = order_of(&args[2]);
                let v = self.val(InstKind::AtomicLoad { ty: t, ptr: p, order });
                self.ins(InstKind::Store { ty: t, ptr: ret, value: v, volatile: false });
                self.iconst(IrType::I32, 0)
            }
            "store_ptr" => {
                let vp = self.rvalue(&args[1]);
                let order = order_of(&args[2]);
                let v = self.val(InstKind::Load { ty: t, ptr: vp, volatile: false });
                self.ins(InstKind::AtomicStore { ty: t, ptr: p, value: v, order });
                self.iconst(IrType::I32, 0)
            }
            "xchg_ptr" => {
                let vp = self.rvalue(&args[1]);
                let ret = self.rvalue(&args[2]);
                let order = order_of(&args[3]);
                let v = self.val(InstKind::Load { ty: t, ptr: vp, volatile: false });
                let old = self.val(InstKind::AtomicRmw { op: RmwOp::Xchg, ty: t, ptr: p, value: v, order });
                self.ins(InstKind::Store { ty: t, ptr: ret, value: old, volatile: false });
                self.iconst(IrType::I32, 0)
            }
            "test_and_set" => {
                let one = self.iconst(IrType::I8, 1);
                let order = order_of(&args[1]);
                let old = self.val(InstKind::AtomicRmw { op: RmwOp::Xchg, ty: IrType::I8, ptr: p, value: one, order });
                let z = self.iconst(IrType::I8, 0);
                self.val(InstKind::Icmp { cc: IntCC::Ne, ty: IrType::I8, lhs: old, rhs: z })
            }
            "clear" => {
                let z = self.iconst(IrType::I8, 0);
                let order = order_of(&args[1]);
                self.ins(InstKind::AtomicStore { ty: IrType::I8, ptr: p, value: z, order });
                self.iconst(IrType::I32, 0)
            }
            "sync_bool_cas" | "sync_val_cas" => {
                let e = self.rvalue(&args[1]);
                let d = self.rvalue(&args[2]);
                let old = self.val(InstKind::AtomicCmpXchg { ty: t, ptr: p, expected: e, desired: d, order: AtomicOrder::SeqCst });
                if n == "sync_val_cas" {
                    return old;
                }
                self.val(InstKind::Icmp { cc: IntCC::Eq, ty: t, lhs: old, rhs: e })
            }
            _ => {
                let (fetch_first, op) = if let Some(op) = n.strip_prefix("fetch_") { (true, op) } else { (false, n.trim_start_matches("op_fetch_")) };
                let rmw = match op {
                    "add" => RmwOp::Add,
                    "sub" => RmwOp::Sub,
                    "and" => RmwOp::And,
                    "or" => RmwOp::Or,
                    "xor" => RmwOp::Xor,
                    _ => RmwOp::Nand,
                };
                let v = self.rvalue(&args[1]);
                let order = order_of(&args[2]);
                let old = self.val(InstKind::AtomicRmw { op: rmw, ty: t, ptr: p, value: v, order });
                if fetch_first {
                    return old;
                }
                let _ = ty;
                match rmw {
                    RmwOp::Nand => {
                        let a = self.val(InstKind::Binary { op: IB::And, ty: t, lhs: old, rhs: v });
                        self.val(InstKind::Unary { op: IU::Not, ty: t, arg: a })
                    }
                    _ => {
                        let bop = match rmw {
                            RmwOp::Add => IB::Add,
                            RmwOp::Sub => IB::Sub,
                            RmwOp::And => IB::And,
                            RmwOp::Or => IB::Or,
                            _ => IB::Xor,
                        };
                        self.val(InstKind::Binary { op: bop, ty: t, lhs: old, rhs: v })
                    }
                }
            }
        }
    }
}
