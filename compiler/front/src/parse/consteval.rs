//! Constant expression evaluation: integer constant expressions (array
//! sizes, case labels, enumerators) and the address constants of static
//! initializers.

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Int(i128),
    Float(f64),
    /// Address of a symbol plus a byte offset.
    Addr { sym: Sym, offset: i64 },
    /// Address of a label in the current function (`&&l`).
    Label { label: Sym, offset: i64 },
}

impl<'a> Parser<'a> {
    pub(super) fn const_int(&mut self, e: &Expr) -> PResult<i128> {
        let v = self.required_const(|p| p.try_const_int(e));
        match v {
            Some(v) => Ok(v),
            None => Err(self.error_at(e.loc, "expression is not an integer constant expression")),
        }
    }

    /// Runs `f` where C requires a constant (see `constant_required`).
    pub(super) fn required_const<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.constant_required, true);
        let v = f(self);
        self.constant_required = saved;
        v
    }

    pub(super) fn try_const_int(&mut self, e: &Expr) -> Option<i128> {
        match self.eval_const(e)? {
            ConstValue::Int(v) => Some(v),
            _ => None,
        }
    }

    /// Truncate/extend `v` to the width and signedness of integer type `ty`.
    pub(super) fn wrap_int(&self, v: i128, ty: &CType) -> i128 {
        if ty.is_bool() {
            return (v != 0) as i128;
        }
        let bits = self.layout().size(ty) * 8;
        if bits >= 128 {
            return v;
        }
        let mask = (1i128 << bits) - 1;
        let u = v & mask;
        if ty.is_signed(&self.tables) && (u >> (bits - 1)) & 1 == 1 {
            u - (1i128 << bits)
        } else {
            u
        }
    }

    pub fn eval_const(&mut self, e: &Expr) -> Option<ConstValue> {
        use ConstValue as C;
        Some(match &e.kind {
            ExprKind::Int(v) => C::Int(self.wrap_int(*v, &e.ty)),
            // GNU C: a scalar compound literal with a constant initialiser is a constant,
            // `.cfg = (struct gate *){ &clk }` (the kernel's STM32 clock tables).
            ExprKind::CompoundLit { .. } | ExprKind::Var(VarRef::Global(_)) if e.ty.is_scalar() && self.compound_literal_init(e).is_some() => {
                let init = self.compound_literal_init(e)?;
                return match init.items.as_slice() {
                    [] => Some(C::Int(0)),
                    [item] if item.offset == 0 && item.bitfield.is_none() => self.eval_const(&item.expr),
                    _ => None,
                };
            }
            ExprKind::Float(f) => C::Float(*f),
            ExprKind::Cast(inner) => {
                let v = self.eval_const(inner)?;
                return self.const_cast(v, &inner.ty, &e.ty);
            }
            ExprKind::BitPrecise { inner, bits } => match self.eval_const(inner)? {
                C::Int(v) => {
                    let u = v & ((1i128 << bits) - 1);
                    let negative = e.ty.is_signed(&self.tables) && (u >> (bits - 1)) & 1 == 1;
                    C::Int(if negative { u - (1i128 << bits) } else { u })
                }
                _ => return None,
            },
            ExprKind::ToBool(inner) => match self.eval_const(inner)? {
                C::Int(v) => C::Int((v != 0) as i128),
                C::Float(f) => C::Int((f != 0.0) as i128),
                C::Addr { .. } | C::Label { .. } => C::Int(1),
            },
            ExprKind::Unary(op, inner) => {
                let v = self.eval_const(inner)?;
                match (op, v) {
                    (UnOp::Neg, C::Int(v)) => C::Int(self.wrap_int(v.wrapping_neg(), &e.ty)),
                    (UnOp::Neg, C::Float(f)) => C::Float(-f),
                    (UnOp::BitNot, C::Int(v)) => C::Int(self.wrap_int(!v, &e.ty)),
                    (UnOp::LogNot, C::Int(v)) => C::Int((v == 0) as i128),
                    (UnOp::LogNot, C::Float(f)) => C::Int((f == 0.0) as i128),
                    _ => return None,
                }
            }
            ExprKind::Binary(op, l, r) => {
                let a = self.eval_const(l)?;
                let b = self.eval_const(r)?;
                return self.const_binary(*op, a, b, &l.ty, &e.ty);
            }
            ExprKind::LogAnd(l, r) => {
                let a = self.eval_truth(l)?;
                if !a {
                    return Some(C::Int(0));
                }
                C::Int(self.eval_truth(r)? as i128)
            }
            ExprKind::LogOr(l, r) => {
                let a = self.eval_truth(l)?;
                if a {
                    return Some(C::Int(1));
                }
                C::Int(self.eval_truth(r)? as i128)
            }
            ExprKind::Cond(c, a, b) => {
                if self.eval_truth(c)? {
                    self.eval_const(a)?
                } else {
                    self.eval_const(b)?
                }
            }
            ExprKind::CondOmitted(c, b) => {
                let cv = self.eval_const(c)?;
                let t = match &cv {
                    C::Int(v) => *v != 0,
                    C::Float(f) => *f != 0.0,
                    _ => true,
                };
                if t {
                    cv
                } else {
                    self.eval_const(b)?
                }
            }
            ExprKind::Comma(a, b) => {
                // Not an ICE in ISO C, but GCC folds it in initializers.
                self.eval_const(a)?;
                self.eval_const(b)?
            }
            ExprKind::AddrOf(inner) => return self.eval_address(inner),
            ExprKind::Var(VarRef::Global(_)) if e.ty.is_array() || e.ty.is_func() => return self.eval_address(e),
            ExprKind::LabelAddr(l) => C::Label { label: *l, offset: 0 },
            ExprKind::Builtin { name, args } => return self.eval_builtin_const(*name, args, &e.ty),
            _ => return None,
        })
    }

    fn eval_truth(&mut self, e: &Expr) -> Option<bool> {
        Some(match self.eval_const(e)? {
            ConstValue::Int(v) => v != 0,
            ConstValue::Float(f) => f != 0.0,
            _ => true,
        })
    }

    fn eval_builtin_const(&mut self, name: Sym, args: &[Expr], ty: &CType) -> Option<ConstValue> {
        match name.as_str() {
            "__ccc_inf" => Some(ConstValue::Float(f64::INFINITY)),
            "__ccc_nan" => Some(ConstValue::Float(f64::NAN)),
            "__builtin_expect" => self.eval_const(&args[0]),
            "constant_p" if self.constant_required => Some(ConstValue::Int(0)),
            // Bit builtins of constants are constants (`case htons(ETH_P_IP):`).
            "bswap" | "clz" | "ctz" | "popcount" | "parity" | "ffs" => {
                let ConstValue::Int(v) = self.eval_const(&args[0])? else { return None };
                let bits = (self.layout().size(&args[0].ty) * 8) as u32;
                let u = if bits >= 128 { v as u128 } else { (v as u128) & ((1u128 << bits) - 1) };
                let r: i128 = match name.as_str() {
                    "bswap" => (u.swap_bytes() >> (128 - bits)) as i128,
                    "clz" if u != 0 => (u.leading_zeros() - (128 - bits)) as i128,
                    "ctz" if u != 0 => u.trailing_zeros() as i128,
                    "popcount" => u.count_ones() as i128,
                    "parity" => (u.count_ones() & 1) as i128,
                    "ffs" => if u == 0 { 0 } else { u.trailing_zeros() as i128 + 1 },
                    _ => return None,
                };
                Some(ConstValue::Int(self.wrap_int(r, ty)))
            }
            _ => None,
        }
    }

    /// The address an lvalue designates, as a constant.
    pub(super) fn eval_address(&mut self, e: &Expr) -> Option<ConstValue> {
        use ConstValue as C;
        match &e.kind {
            ExprKind::Var(VarRef::Global(s)) => Some(C::Addr { sym: *s, offset: 0 }),
            ExprKind::Str(_) => {
                let sym = self.string_global(e);
                Some(C::Addr { sym, offset: 0 })
            }
            ExprKind::CompoundLit { .. } => None,
            ExprKind::Member { base, record, field } => {
                let off = self.tables.record(*record).fields[*field].offset as i64;
                match self.eval_address(base)? {
                    C::Addr { sym, offset } => Some(C::Addr { sym, offset: offset + off }),
                    C::Int(v) => Some(C::Int(v + off as i128)),
                    _ => None,
                }
            }
            ExprKind::Deref(p) => self.eval_const(p),
            ExprKind::Cast(inner) if e.ty.is_array() => self.eval_address(inner),
            _ => None,
        }
    }

    /// Create (or reuse) an anonymous global holding a string literal.
    pub(super) fn string_global(&mut self, e: &Expr) -> Sym {
        let name = self.fresh_name(".Lstr");
        let size = self.layout().size(&e.ty);
        let init = Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: e.clone() }], whole: None };
        let mut ty = e.ty.clone();
        ty.quals |= Q_CONST;
        self.items.push(TopLevel::Global(GlobalVar { name, ty, align: 1, init: Some(init), is_static: true, is_extern: false, thread_local: false, tentative: false, attrs: DeclAttrs::default() }));
        name
    }

    fn const_cast(&mut self, v: ConstValue, from: &CType, to: &CType) -> Option<ConstValue> {
        use ConstValue as C;
        if to.is_void() {
            return Some(C::Int(0));
        }
        Some(match v {
            C::Int(i) => {
                if to.is_float() {
                    let f = if from.is_integer() && !from.is_signed(&self.tables) { (i as u128) as f64 } else { i as f64 };
                    C::Float(f)
                } else {
                    C::Int(self.wrap_int(i, to))
                }
            }
            C::Float(f) => {
                if to.is_float() {
                    if matches!(to.kind, Kind::Float(FloatKind::Float)) {
                        C::Float(f as f32 as f64)
                    } else {
                        C::Float(f)
                    }
                } else if to.is_bool() {
                    C::Int((f != 0.0) as i128)
                } else if to.is_integer() {
                    C::Int(self.wrap_int(f as i128, to))
                } else {
                    return None;
                }
            }
            C::Addr { .. } | C::Label { .. } => {
                if to.is_ptr() || (to.is_integer() && self.layout().size(to) == 8) {
                    v
                } else if to.is_bool() {
                    C::Int(1)
                } else {
                    return None;
                }
            }
        })
    }

    fn const_binary(&mut self, op: BinOp, a: ConstValue, b: ConstValue, operand_ty: &CType, ty: &CType) -> Option<ConstValue> {
        use ConstValue as C;
        match (a, b) {
            (C::Int(x), C::Int(y)) => {
                let signed = operand_ty.is_signed(&self.tables) || !operand_ty.is_integer();
                let ux = self.wrap_unsigned(x, operand_ty);
                let uy = self.wrap_unsigned(y, operand_ty);
                let v = match op {
                    BinOp::Add => x.wrapping_add(y),
                    BinOp::Sub => x.wrapping_sub(y),
                    BinOp::Mul => x.wrapping_mul(y),
                    BinOp::Div => {
                        if y == 0 {
                            return None;
                        }
                        if signed {
                            x.wrapping_div(y)
                        } else {
                            (ux / uy) as i128
                        }
                    }
                    BinOp::Rem => {
                        if y == 0 {
                            return None;
                        }
                        if signed {
                            x.wrapping_rem(y)
                        } else {
                            (ux % uy) as i128
                        }
                    }
                    BinOp::Shl => x.wrapping_shl((y & 127) as u32),
                    BinOp::Shr => {
                        if signed {
                            x >> (y & 127)
                        } else {
                            (ux >> (y & 127)) as i128
                        }
                    }
                    BinOp::BitAnd => x & y,
                    BinOp::BitOr => x | y,
                    BinOp::BitXor => x ^ y,
                    BinOp::Eq => return Some(C::Int((x == y) as i128)),
                    BinOp::Ne => return Some(C::Int((x != y) as i128)),
                    BinOp::Lt => return Some(C::Int(if signed { x < y } else { ux < uy } as i128)),
                    BinOp::Le => return Some(C::Int(if signed { x <= y } else { ux <= uy } as i128)),
                    BinOp::Gt => return Some(C::Int(if signed { x > y } else { ux > uy } as i128)),
                    BinOp::Ge => return Some(C::Int(if signed { x >= y } else { ux >= uy } as i128)),
                };
                Some(C::Int(self.wrap_int(v, ty)))
            }
            (C::Float(x), C::Float(y)) => Some(match op {
                BinOp::Add => C::Float(x + y),
                BinOp::Sub => C::Float(x - y),
                BinOp::Mul => C::Float(x * y),
                BinOp::Div => C::Float(x / y),
                BinOp::Eq => C::Int((x == y) as i128),
                BinOp::Ne => C::Int((x != y) as i128),
                BinOp::Lt => C::Int((x < y) as i128),
                BinOp::Le => C::Int((x <= y) as i128),
                BinOp::Gt => C::Int((x > y) as i128),
                BinOp::Ge => C::Int((x >= y) as i128),
                _ => return None,
            })
            .map(|v| match (v, &ty.kind) {
                (C::Float(f), Kind::Float(FloatKind::Float)) => C::Float(f as f32 as f64),
                (v, _) => v,
            }),
            // A non-weak symbol's address is never null (GCC folds `&obj == 0`;
            // the kernel's `fn == NULL ? fn : fn` type checks rely on it).
            (C::Addr { sym, .. }, C::Int(0)) | (C::Int(0), C::Addr { sym, .. }) if matches!(op, BinOp::Eq | BinOp::Ne) => {
                if self.weak_symbols.contains(&sym) {
                    return None;
                }
                Some(C::Int((op == BinOp::Ne) as i128))
            }
            (C::Label { .. }, C::Int(0)) | (C::Int(0), C::Label { .. }) if matches!(op, BinOp::Eq | BinOp::Ne) => Some(C::Int((op == BinOp::Ne) as i128)),
            (C::Addr { sym, offset }, C::Int(y)) => match op {
                BinOp::Add => Some(C::Addr { sym, offset: offset.wrapping_add(y as i64) }),
                BinOp::Sub => Some(C::Addr { sym, offset: offset.wrapping_sub(y as i64) }),
                _ => None,
            },
            (C::Int(x), C::Addr { sym, offset }) if op == BinOp::Add => Some(C::Addr { sym, offset: offset.wrapping_add(x as i64) }),
            (C::Label { label, offset }, C::Int(y)) => match op {
                BinOp::Add => Some(C::Label { label, offset: offset + y as i64 }),
                BinOp::Sub => Some(C::Label { label, offset: offset - y as i64 }),
                _ => None,
            },
            (C::Addr { sym: s1, offset: o1 }, C::Addr { sym: s2, offset: o2 }) if s1 == s2 => match op {
                BinOp::Sub => Some(C::Int((o1 - o2) as i128)),
                BinOp::Eq => Some(C::Int((o1 == o2) as i128)),
                BinOp::Ne => Some(C::Int((o1 != o2) as i128)),
                _ => None,
            },
            (C::Addr { .. }, C::Addr { .. }) => None,
            _ => None,
        }
    }

    fn wrap_unsigned(&self, v: i128, ty: &CType) -> u128 {
        if !ty.is_integer() {
            return v as u128;
        }
        let bits = self.layout().size(ty) * 8;
        if bits >= 128 {
            v as u128
        } else {
            (v as u128) & ((1u128 << bits) - 1)
        }
    }
}
