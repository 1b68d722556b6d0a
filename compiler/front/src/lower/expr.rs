//! Expressions to IR values.

use ccc_ir::{AbiType, BinOp as IB, BlockCall, CastOp, Callee, FloatCC, InstKind, IntCC, Type as IrType, Value};

use super::func::abi_type;
use super::*;

impl<'a> FnLower<'a> {
    pub(super) fn ir_ty(&self, t: &CType) -> IrType {
        self.layout.ir_type(t).unwrap_or(IrType::Ptr)
    }

    fn is_aggregate(&self, t: &CType) -> bool {
        self.layout.ir_type(t).is_none() && !t.is_void()
    }

    fn signed(&self, t: &CType) -> bool {
        t.is_signed(self.layout.tables)
    }

    pub(super) fn expr_discard(&mut self, e: &Expr) {
        if let ExprKind::Call { callee, args } = &e.kind {
            if self.fold_stdio_call(callee, args) {
                return;
            }
        }
        let _ = self.rvalue(e);
    }

    fn dummy(&mut self) -> Value {
        self.iconst(IrType::I32, 0)
    }

    pub(super) fn add_offset(&mut self, p: Value, off: i64) -> Value {
        if off == 0 {
            return p;
        }
        let o = self.iconst(IrType::iptr(), off as i128);
        self.val(InstKind::Binary { op: IB::Add, ty: IrType::Ptr, lhs: p, rhs: o })
    }

    // --------------------------------------------------------- loads/stores

    pub(super) fn load_scalar(&mut self, addr: Value, ty: &CType) -> Value {
        let it = self.ir_ty(ty);
        if ty.is_atomic() {
            return self.val(InstKind::AtomicLoad { ty: it, ptr: addr, order: ir::AtomicOrder::SeqCst });
        }
        self.val(InstKind::Load { ty: it, ptr: addr, volatile: ty.is_volatile() })
    }

    pub(super) fn store_scalar(&mut self, addr: Value, v: Value, ty: &CType) {
        let it = self.ir_ty(ty);
        if ty.is_atomic() {
            self.ins(InstKind::AtomicStore { ty: it, ptr: addr, value: v, order: ir::AtomicOrder::SeqCst });
            return;
        }
        self.ins(InstKind::Store { ty: it, ptr: addr, value: v, volatile: ty.is_volatile() });
    }

    fn storage_ty(su: u32) -> IrType {
        IrType::int_of_size(su).unwrap_or(IrType::I64)
    }

    pub(super) fn load_bitfield(&mut self, addr: Value, ty: &CType, bo: u32, w: u32, su: u32) -> Value {
        let st = Self::storage_ty(su);
        let unit = self.val(InstKind::Load { ty: st, ptr: addr, volatile: ty.is_volatile() });
        let rt = self.ir_ty(ty);
        // Work in a word (64 or 128 bits for wider units), then narrow.
        let wt = if st == IrType::I128 || rt == IrType::I128 {
            IrType::I128
        } else if st.size() > 4 || rt.size() > 4 {
            IrType::I64
        } else {
            IrType::iptr()
        };
        let bits = wt.bits();
        let u = if st == wt { unit } else { self.val(InstKind::Cast { op: CastOp::Zext, from: st, to: wt, arg: unit }) };
        let shl = self.iconst(wt, (bits - bo - w) as i128);
        let up = self.val(InstKind::Binary { op: IB::Shl, ty: wt, lhs: u, rhs: shl });
        let shr = self.iconst(wt, (bits - w) as i128);
        let op = if self.signed(ty) { IB::AShr } else { IB::LShr };
        let v = self.val(InstKind::Binary { op, ty: wt, lhs: up, rhs: shr });
        if rt == wt {
            v
        } else {
            self.val(InstKind::Cast { op: CastOp::Trunc, from: wt, to: rt, arg: v })
        }
    }

    pub(super) fn store_bitfield(&mut self, addr: Value, v: Value, ty: &CType, bo: u32, w: u32, su: u32) {
        let st = Self::storage_ty(su);
        let vt = self.ir_ty(ty);
        let unit = self.val(InstKind::Load { ty: st, ptr: addr, volatile: ty.is_volatile() });
        let v = self.int_resize(v, vt, st, false);
        let mask: u128 = if w >= 128 { u128::MAX } else { (1u128 << w) - 1 };
        let m = self.iconst(st, (mask << bo) as i128);
        let nm = self.iconst(st, !(mask << bo) as i128);
        let sh = self.iconst(st, bo as i128);
        let vs = self.val(InstKind::Binary { op: IB::Shl, ty: st, lhs: v, rhs: sh });
        let vm = self.val(InstKind::Binary { op: IB::And, ty: st, lhs: vs, rhs: m });
        let cleared = self.val(InstKind::Binary { op: IB::And, ty: st, lhs: unit, rhs: nm });
        let nu = self.val(InstKind::Binary { op: IB::Or, ty: st, lhs: cleared, rhs: vm });
        self.ins(InstKind::Store { ty: st, ptr: addr, value: nu, volatile: ty.is_volatile() });
    }

    /// Integer width change with the given signedness of the source.
    fn int_resize(&mut self, v: Value, from: IrType, to: IrType, signed: bool) -> Value {
        if from == to || (from.size() == to.size()) {
            if from != to {
                return self.val(InstKind::Cast { op: CastOp::Bitcast, from, to, arg: v });
            }
            return v;
        }
        if from.size() > to.size() {
            self.val(InstKind::Cast { op: CastOp::Trunc, from, to, arg: v })
        } else {
            let op = if signed { CastOp::Sext } else { CastOp::Zext };
            self.val(InstKind::Cast { op, from, to, arg: v })
        }
    }

    /// The bitfield placement of a member expression, if it is one.
    fn bitfield_of(&self, e: &Expr) -> Option<(u32, u32, u32)> {
        if let ExprKind::Member { record, field, .. } = &e.kind {
            let f = &self.layout.tables.record(*record).fields[*field];
            if let Some(w) = f.bit_width {
                return Some((f.bit_offset, w, f.storage_size));
            }
        }
        None
    }

    // --------------------------------------------------------- conversions

    /// Convert a value of C type `from` to C type `to`.
    pub(super) fn cast_value(&mut self, v: Value, from: &CType, to: &CType) -> Value {
        if to.is_void() {
            return v;
        }
        if to.is_bool() {
            if from.is_bool() {
                return v;
            }
            return self.nonzero(v, from);
        }
        let (Some(ft), Some(tt)) = (self.layout.ir_type(from), self.layout.ir_type(to)) else {
            return v;
        };
        if ft == tt {
            return v;
        }
        if ft.is_int() && tt.is_int() {
            return self.int_resize(v, ft, tt, self.signed(from) || from.is_ptr());
        }
        if ft.is_int() && tt.is_float() {
            let signed = self.signed(from);
            // Narrow integers widen first; the backend sees i32/i64/i128 only.
            let (v, ft) = if ft.size() < 4 {
                (self.int_resize(v, ft, IrType::I32, signed), IrType::I32)
            } else if ft == IrType::Ptr {
                (self.val(InstKind::Cast { op: CastOp::Bitcast, from: ft, to: IrType::I64, arg: v }), IrType::I64)
            } else {
                (v, ft)
            };
            let op = if signed { CastOp::SIToF } else { CastOp::UIToF };
            return self.val(InstKind::Cast { op, from: ft, to: tt, arg: v });
        }
        if ft.is_float() && tt.is_int() {
            let signed = self.signed(to);
            if tt.size() < 4 {
                let w = self.val(InstKind::Cast { op: CastOp::FToSI, from: ft, to: IrType::I32, arg: v });
                return self.int_resize(w, IrType::I32, tt, true);
            }
            let op = if signed { CastOp::FToSI } else { CastOp::FToUI };
            return self.val(InstKind::Cast { op, from: ft, to: tt, arg: v });
        }
        // float <-> float
        let op = if ft.bits() < tt.bits() { CastOp::FExt } else { CastOp::FTrunc };
        self.val(InstKind::Cast { op, from: ft, to: tt, arg: v })
    }

    /// `v != 0` as an I8 0/1.
    pub(super) fn nonzero(&mut self, v: Value, ty: &CType) -> Value {
        let t = self.ir_ty(ty);
        if t.is_float() {
            let z = self.val(InstKind::FConst { ty: t, bits: 0 });
            return self.val(InstKind::Fcmp { cc: FloatCC::Une, ty: t, lhs: v, rhs: z });
        }
        let z = self.iconst(t, 0);
        self.val(InstKind::Icmp { cc: IntCC::Ne, ty: t, lhs: v, rhs: z })
    }

    /// A condition as an I8 truth value.
    pub(super) fn truth_value(&mut self, e: &Expr) -> Value {
        if let ExprKind::ToBool(inner) = &e.kind {
            if inner.ty.is_complex() {
                return self.complex_nonzero(inner);
            }
            if let ExprKind::Binary(op, l, r) = &inner.kind {
                if op.is_comparison() {
                    return self.compare(*op, l, r);
                }
            }
            let v = self.rvalue(inner);
            return self.nonzero(v, &inner.ty);
        }
        let v = self.rvalue(e);
        if e.ty.is_bool() {
            return v;
        }
        self.nonzero(v, &e.ty)
    }

    // --------------------------------------------------------- addresses

    fn var_addr(&mut self, var: &VarRef, ty: &CType) -> Value {
        match var {
            VarRef::Local(id) => self.local_addr(*id),
            VarRef::Global(name) if self.global_is_tls(*name) => self.val(InstKind::TlsAddr { name: name.to_string(), offset: 0 }),
            VarRef::Global(name) => self.val(InstKind::GlobalAddr { name: name.to_string(), offset: 0 }),
            VarRef::Outer { up, entry } => self.outer_local_addr(*up, *entry, ty.is_vla()),
            VarRef::NestedFn { up, entry, .. } => self.nested_fn_addr(*up, *entry),
        }
    }

    pub(super) fn addr(&mut self, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Var(var) => self.var_addr(var, &e.ty),
            ExprKind::Deref(p) => self.rvalue(p),
            ExprKind::Member { base, record, field } => {
                let off = self.layout.tables.record(*record).fields[*field].offset as i64;
                let b = self.addr(base);
                self.add_offset(b, off)
            }
            ExprKind::Str(_) => {
                let name = self.string_literal_global(e);
                self.val(InstKind::GlobalAddr { name, offset: 0 })
            }
            ExprKind::CompoundLit { var, init } => {
                let a = self.var_addr(var, &e.ty);
                if let VarRef::Local(_) = var {
                    let ty = e.ty.clone();
                    self.init_object(a, &ty, init);
                }
                a
            }
            ExprKind::Unary(UnOp::Real, inner) => self.addr(inner),
            ExprKind::Unary(UnOp::Imag, inner) => {
                let a = self.addr(inner);
                let fs = self.layout.size(&e.ty) as i64;
                self.add_offset(a, fs)
            }
            ExprKind::Comma(a, b) => {
                self.expr_discard(a);
                self.addr(b)
            }
            _ => {
                // An rvalue used where an address is needed (struct returned
                // by a call, `(cond ? s1 : s2).x`): aggregates already are
                // addresses; scalars get a temporary.
                let v = self.rvalue(e);
                if self.is_aggregate(&e.ty) {
                    return v;
                }
                let size = self.layout.size(&e.ty);
                let align = self.layout.align(&e.ty);
                let s = self.slot(size, align);
                self.store_scalar(s, v, &e.ty.unqual());
                s
            }
        }
    }

    fn global_is_tls(&self, name: Sym) -> bool {
        self.facts.thread_local.contains(&name)
    }

    /// String literals used as lvalues live in read-only anonymous globals.
    fn string_literal_global(&mut self, e: &Expr) -> String {
        let ExprKind::Str(bytes) = &e.kind else { return String::new() };
        let size = self.layout.size(&e.ty) as usize;
        let mut data = bytes.clone();
        data.resize(size.max(data.len()), 0);
        data.truncate(size);
        let name = format!(".Lstr.{}.{}", self.fn_name, self.strings.len());
        self.strings.push((name.clone(), data));
        name
    }

    // --------------------------------------------------------- rvalues

    /// Evaluate `e`: scalars give their value, aggregates their address.
    pub(super) fn rvalue(&mut self, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Int(v) => {
                let t = self.ir_ty(&e.ty);
                if t.is_float() {
                    return self.float_const(*v as f64, t);
                }
                self.iconst(t, *v)
            }
            ExprKind::Float(f) => {
                let t = self.ir_ty(&e.ty);
                self.float_const(*f, t)
            }
            ExprKind::Str(_) => self.addr(e),
            ExprKind::BitPrecise { inner, bits } => {
                let v = self.rvalue(inner);
                self.bitfield_value(v, &e.ty, *bits)
            }
            ExprKind::Var(_) | ExprKind::Deref(_) | ExprKind::Member { .. } | ExprKind::CompoundLit { .. } => self.load_lvalue(e),
            ExprKind::Unary(UnOp::Real | UnOp::Imag, inner) => {
                let (re, im) = self.complex_parts(inner);
                if matches!(e.kind, ExprKind::Unary(UnOp::Real, _)) {
                    re
                } else {
                    im
                }
            }
            ExprKind::Unary(op, inner) => self.unary(*op, inner, &e.ty),
            ExprKind::Binary(op, l, r) => {
                if matches!(e.ty.kind, Kind::Vector { .. }) {
                    return self.vector_binary(*op, l, r, &e.ty);
                }
                if e.ty.is_complex() || l.ty.is_complex() {
                    return self.complex_binary(*op, l, r, &e.ty);
                }
                if op.is_comparison() {
                    let c = self.compare(*op, l, r);
                    return self.val(InstKind::Cast { op: CastOp::Zext, from: IrType::I8, to: IrType::I32, arg: c });
                }
                let a = self.rvalue(l);
                let b = self.rvalue(r);
                self.arith(*op, a, b, &e.ty, &l.ty)
            }
            ExprKind::LogAnd(_, _) | ExprKind::LogOr(_, _) => {
                let t = self.new_block();
                let f = self.new_block();
                let end = self.new_block();
                let p = self.f.add_block_param(end, IrType::I32);
                self.branch_on(e, t, f);
                self.switch_to(t);
                let one = self.iconst(IrType::I32, 1);
                self.ins(InstKind::Jump(BlockCall { block: end, args: vec![one] }));
                self.switch_to(f);
                let zero = self.iconst(IrType::I32, 0);
                self.ins(InstKind::Jump(BlockCall { block: end, args: vec![zero] }));
                self.switch_to(end);
                p
            }
            ExprKind::Assign(lhs, rhs) => self.assign(lhs, rhs),
            ExprKind::CompoundAssign { op, lhs, rhs, op_ty } => self.compound_assign(*op, lhs, rhs, op_ty),
            ExprKind::IncDec { target, prefix, delta } => self.incdec(target, *prefix, *delta),
            ExprKind::Cast(inner) => {
                if e.ty.is_complex() || inner.ty.is_complex() {
                    return self.complex_cast(inner, &e.ty);
                }
                let v = self.rvalue(inner);
                if e.ty.is_void() {
                    return self.dummy();
                }
                let to_vec = matches!(e.ty.kind, Kind::Vector { .. });
                let from_vec = matches!(inner.ty.kind, Kind::Vector { .. });
                if to_vec && !from_vec {
                    // Reinterpret a scalar's bytes as a vector.
                    let size = self.layout.size(&e.ty);
                    let align = self.layout.align(&e.ty);
                    let tmp = self.slot(size, align);
                    self.store_scalar(tmp, v, &inner.ty.unqual());
                    return tmp;
                }
                if from_vec && !to_vec {
                    return self.load_scalar(v, &e.ty.unqual());
                }
                if self.is_aggregate(&e.ty) {
                    return v;
                }
                self.cast_value(v, &inner.ty, &e.ty)
            }
            ExprKind::ToBool(_) => self.truth_value(e),
            ExprKind::AddrOf(inner) => {
                if inner.ty.is_func() {
                    if let ExprKind::Var(VarRef::Global(n)) = &inner.kind {
                        return self.val(InstKind::GlobalAddr { name: n.to_string(), offset: 0 });
                    }
                    if let ExprKind::Deref(p) = &inner.kind {
                        return self.rvalue(p);
                    }
                }
                self.addr(inner)
            }
            ExprKind::Call { callee, args } => self.call(callee, args, &e.ty),
            ExprKind::Cond(c, a, b) => self.conditional(c, a, b, &e.ty),
            ExprKind::CondOmitted(c, b) => {
                let cv = self.rvalue(c);
                let t = self.new_block();
                let f = self.new_block();
                let end = self.new_block();
                let is_void = e.ty.is_void();
                let rt = self.ir_ty(&e.ty);
                let p = if is_void { None } else { Some(self.f.add_block_param(end, rt)) };
                let truth = self.nonzero(cv, &c.ty);
                self.ins(InstKind::Branch { cond: truth, cond_ty: IrType::I8, then_dest: BlockCall::new(t), else_dest: BlockCall::new(f) });
                self.switch_to(t);
                self.ins(InstKind::Jump(BlockCall { block: end, args: p.map(|_| vec![cv]).unwrap_or_default() }));
                self.switch_to(f);
                let bv = self.rvalue(b);
                if !self.f.is_terminated(self.cur) {
                    self.ins(InstKind::Jump(BlockCall { block: end, args: p.map(|_| vec![bv]).unwrap_or_default() }));
                }
                self.switch_to(end);
                p.unwrap_or_else(|| self.dummy())
            }
            ExprKind::Comma(a, b) => {
                self.expr_discard(a);
                self.rvalue(b)
            }
            ExprKind::StmtExpr(body) => self.stmt_expr(body),
            ExprKind::VlaSize(id) => {
                let a = self.local_addr(*id);
                self.val(InstKind::Load { ty: IrType::iptr(), ptr: a, volatile: false })
            }
            ExprKind::LabelAddr(name) => {
                let b = self.label_block(*name);
                if !self.address_taken.contains(&b) {
                    self.address_taken.push(b);
                }
                self.val(InstKind::BlockAddr { block: b })
            }
            ExprKind::OuterLabelAddr { up, entry } => self.outer_label_addr(*up, *entry),
            ExprKind::VaStart(ap) => {
                let a = self.rvalue(ap);
                self.ins(InstKind::VaStart { ap: a });
                self.dummy()
            }
            ExprKind::VaEnd(ap) => {
                self.expr_discard(ap);
                self.dummy()
            }
            ExprKind::VaCopy(d, s) => {
                let dv = self.rvalue(d);
                let sv = self.rvalue(s);
                self.ins(InstKind::VaCopy { dst: dv, src: sv });
                self.dummy()
            }
            ExprKind::VaArg(ap) => {
                let a = self.rvalue(ap);
                let abi = abi_type(&e.ty, self.layout);
                self.val(InstKind::VaArg { ap: a, ty: abi })
            }
            ExprKind::Builtin { name, args } => self.builtin(*name, args, &e.ty, e.loc),
            ExprKind::Atomic { name, args } => self.atomic(*name, args, &e.ty),
        }
    }

    pub(super) fn float_const(&mut self, f: f64, t: IrType) -> Value {
        let bits = match t {
            IrType::F32 => (f as f32).to_bits() as u128,
            IrType::F64 => f.to_bits() as u128,
            _ => crate::parse::long_double_bits(f, t),
        };
        self.val(InstKind::FConst { ty: t, bits })
    }

    fn load_lvalue(&mut self, e: &Expr) -> Value {
        if e.ty.is_array() || e.ty.is_func() {
            return self.addr(e);
        }
        let a = self.addr(e);
        if self.is_aggregate(&e.ty) {
            return a;
        }
        if let Some((bo, w, su)) = self.bitfield_of(e) {
            return self.load_bitfield(a, &e.ty, bo, w, su);
        }
        self.load_scalar(a, &e.ty)
    }

    fn stmt_expr(&mut self, body: &Stmt) -> Value {
        if let Stmt::Block(stmts) = body {
            let depth = self.cleanup_depth();
            if let Some((last, rest)) = stmts.split_last() {
                for s in rest {
                    self.stmt(s);
                }
                let mut last = last;
                while let Stmt::Label(name, inner) = last {
                    let b = self.label_block(*name);
                    self.jump(b);
                    self.switch_to(b);
                    last = inner;
                }
                if let Stmt::Expr(e) = last {
                    // The block's cleanups run after its value is computed.
                    let v = self.rvalue(e);
                    let v = self.value_before_cleanups(v, &e.ty, depth);
                    self.close_cleanup_scope(depth);
                    return v;
                }
                self.stmt(last);
            }
            self.close_cleanup_scope(depth);
            return self.dummy();
        }
        self.stmt(body);
        self.dummy()
    }

    fn unary(&mut self, op: UnOp, inner: &Expr, ty: &CType) -> Value {
        if matches!(ty.kind, Kind::Vector { .. }) {
            return self.vector_unary(op, inner, ty);
        }
        if ty.is_complex() {
            return self.complex_unary(op, inner, ty);
        }
        let v = self.rvalue(inner);
        let t = self.ir_ty(ty);
        match op {
            UnOp::Neg => {
                if t.is_float() {
                    self.val(InstKind::Unary { op: ir::UnOp::FNeg, ty: t, arg: v })
                } else {
                    self.val(InstKind::Unary { op: ir::UnOp::Neg, ty: t, arg: v })
                }
            }
            UnOp::BitNot => self.val(InstKind::Unary { op: ir::UnOp::Not, ty: t, arg: v }),
            UnOp::LogNot => {
                // Operand is already bool (I8 0/1).
                let one = self.iconst(IrType::I8, 1);
                let x = self.val(InstKind::Binary { op: IB::Xor, ty: IrType::I8, lhs: v, rhs: one });
                self.val(InstKind::Cast { op: CastOp::Zext, from: IrType::I8, to: IrType::I32, arg: x })
            }
            _ => v,
        }
    }

    /// Arithmetic in C type `ty` (operands already converted).
    pub(super) fn arith(&mut self, op: BinOp, a: Value, b: Value, ty: &CType, lhs_ty: &CType) -> Value {
        let t = self.ir_ty(ty);
        let signed = self.signed(ty);
        let iop = if t.is_float() {
            match op {
                BinOp::Add => IB::FAdd,
                BinOp::Sub => IB::FSub,
                BinOp::Mul => IB::FMul,
                _ => IB::FDiv,
            }
        } else {
            match op {
                BinOp::Add => IB::Add,
                BinOp::Sub => IB::Sub,
                BinOp::Mul => IB::Mul,
                BinOp::Div => {
                    if signed {
                        IB::SDiv
                    } else {
                        IB::UDiv
                    }
                }
                BinOp::Rem => {
                    if signed {
                        IB::SRem
                    } else {
                        IB::URem
                    }
                }
                BinOp::Shl => IB::Shl,
                BinOp::Shr => {
                    if self.signed(lhs_ty) {
                        IB::AShr
                    } else {
                        IB::LShr
                    }
                }
                BinOp::BitAnd => IB::And,
                BinOp::BitOr => IB::Or,
                BinOp::BitXor => IB::Xor,
                _ => IB::Add,
            }
        };
        let b = if matches!(iop, IB::Shl | IB::LShr | IB::AShr) {
            let bt = self.f.value_type(b);
            self.int_resize(b, bt, t, false)
        } else {
            b
        };
        self.val(InstKind::Binary { op: iop, ty: t, lhs: a, rhs: b })
    }

    /// A comparison as an I8 0/1.
    pub(super) fn compare(&mut self, op: BinOp, l: &Expr, r: &Expr) -> Value {
        if l.ty.is_complex() || r.ty.is_complex() {
            return self.complex_compare(op, l, r);
        }
        let a = self.rvalue(l);
        let b = self.rvalue(r);
        let lt = l.ty.clone();
        self.compare_values(op, a, b, &lt)
    }

    fn assign(&mut self, lhs: &Expr, rhs: &Expr) -> Value {
        if lhs.ty.is_complex() {
            let (re, im) = self.complex_parts(rhs);
            let a = self.addr(lhs);
            self.complex_store(a, re, im, &lhs.ty);
            return a;
        }
        if self.is_aggregate(&lhs.ty) {
            let src = self.rvalue(rhs);
            let dst = self.addr(lhs);
            let size = self.layout.size(&lhs.ty);
            let align = self.layout.align(&lhs.ty);
            self.ins(InstKind::Memcpy { dst, src, size, align });
            return dst;
        }
        let v = self.rvalue(rhs);
        let a = self.addr(lhs);
        if let Some((bo, w, su)) = self.bitfield_of(lhs) {
            self.store_bitfield(a, v, &lhs.ty, bo, w, su);
            // The value of the assignment is the (truncated) stored value.
            return self.bitfield_value(v, &lhs.ty, w);
        }
        self.store_scalar(a, v, &lhs.ty);
        v
    }

    /// `v` truncated to a `w`-bit field and re-extended.
    fn bitfield_value(&mut self, v: Value, ty: &CType, w: u32) -> Value {
        let t = self.ir_ty(ty);
        if w >= t.bits() {
            return v;
        }
        let sh = self.iconst(t, (t.bits() - w) as i128);
        let up = self.val(InstKind::Binary { op: IB::Shl, ty: t, lhs: v, rhs: sh });
        let op = if self.signed(ty) { IB::AShr } else { IB::LShr };
        self.val(InstKind::Binary { op, ty: t, lhs: up, rhs: sh })
    }

    fn compound_assign(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, op_ty: &CType) -> Value {
        if lhs.ty.is_complex() || op_ty.is_complex() {
            return self.complex_compound_assign(op, lhs, rhs, op_ty);
        }
        // GCC's order: the lvalue's address, then the right operand, then
        // the load (a call on the right may modify the object).
        let a = self.addr(lhs);
        let bf = self.bitfield_of(lhs);
        let r = self.rvalue(rhs);
        let old = match bf {
            Some((bo, w, su)) => self.load_bitfield(a, &lhs.ty, bo, w, su),
            None => self.load_scalar(a, &lhs.ty),
        };
        let nv = if lhs.ty.is_ptr() {
            let t = IrType::Ptr;
            let iop = if op == BinOp::Add { IB::Add } else { IB::Sub };
            self.val(InstKind::Binary { op: iop, ty: t, lhs: old, rhs: r })
        } else {
            let o = self.cast_value(old, &lhs.ty, op_ty);
            let res = self.arith(op, o, r, op_ty, op_ty);
            self.cast_value(res, op_ty, &lhs.ty)
        };
        match bf {
            Some((bo, w, su)) => {
                self.store_bitfield(a, nv, &lhs.ty, bo, w, su);
                self.bitfield_value(nv, &lhs.ty, w)
            }
            None => {
                self.store_scalar(a, nv, &lhs.ty);
                nv
            }
        }
    }

    fn incdec(&mut self, target: &Expr, prefix: bool, delta: i64) -> Value {
        if target.ty.is_complex() {
            let one = Expr::new(ExprKind::Int(delta as i128), CType::int(), target.loc);
            let k = target.ty.float_kind().unwrap_or(FloatKind::Double);
            let ft = CType::new(Kind::Float(k));
            let one = Expr::new(ExprKind::Cast(Box::new(one)), ft, target.loc);
            let old_parts = self.complex_parts(target);
            self.complex_compound_assign(BinOp::Add, target, &one, &target.ty.clone());
            let _ = prefix;
            let a = self.addr(target);
            if prefix {
                return a;
            }
            let tmp = self.complex_temp(&target.ty);
            self.complex_store(tmp, old_parts.0, old_parts.1, &target.ty);
            return tmp;
        }
        let a = self.addr(target);
        let bf = self.bitfield_of(target);
        let old = match bf {
            Some((bo, w, su)) => self.load_bitfield(a, &target.ty, bo, w, su),
            None => self.load_scalar(a, &target.ty),
        };
        let t = self.ir_ty(&target.ty);
        let nv = if t.is_float() {
            let d = self.float_const(delta as f64, t);
            self.val(InstKind::Binary { op: IB::FAdd, ty: t, lhs: old, rhs: d })
        } else if target.ty.is_bool() {
            // ++ on _Bool sets it to 1; -- toggles.
            if delta > 0 {
                self.iconst(IrType::I8, 1)
            } else {
                let one = self.iconst(IrType::I8, 1);
                self.val(InstKind::Binary { op: IB::Xor, ty: IrType::I8, lhs: old, rhs: one })
            }
        } else {
            let dt = if t == IrType::Ptr { IrType::iptr() } else { t };
            let d = self.iconst(dt, delta as i128);
            self.val(InstKind::Binary { op: IB::Add, ty: t, lhs: old, rhs: d })
        };
        let stored = match bf {
            Some((bo, w, su)) => {
                self.store_bitfield(a, nv, &target.ty, bo, w, su);
                self.bitfield_value(nv, &target.ty, w)
            }
            None => {
                self.store_scalar(a, nv, &target.ty);
                nv
            }
        };
        if prefix {
            stored
        } else {
            old
        }
    }

    fn conditional(&mut self, c: &Expr, a: &Expr, b: &Expr, ty: &CType) -> Value {
        let t = self.new_block();
        let f = self.new_block();
        let end = self.new_block();
        let is_void = ty.is_void();
        let rt = if self.is_aggregate(ty) { IrType::Ptr } else { self.ir_ty(ty) };
        let p = if is_void { None } else { Some(self.f.add_block_param(end, rt)) };
        self.branch_on(c, t, f);
        for (blk, e) in [(t, a), (f, b)] {
            self.switch_to(blk);
            let v = if ty.is_complex() {
                let (re, im) = self.complex_parts(e);
                let tmp = self.complex_temp(ty);
                self.complex_store(tmp, re, im, ty);
                tmp
            } else {
                self.rvalue(e)
            };
            if !self.f.is_terminated(self.cur) {
                let args = match p {
                    Some(_) => {
                        let v = if !is_void && self.f.value_type(v) != rt { self.iconst(rt, 0) } else { v };
                        vec![v]
                    }
                    None => vec![],
                };
                self.ins(InstKind::Jump(BlockCall { block: end, args }));
            }
        }
        self.switch_to(end);
        p.unwrap_or_else(|| self.dummy())
    }

    // --------------------------------------------------------- vectors

    fn vector_shape(&self, ty: &CType) -> (CType, u64, u64) {
        match &ty.kind {
            Kind::Vector { elem, size } => {
                let es = self.layout.size(elem).max(1);
                ((**elem).clone(), es, size / es)
            }
            _ => (CType::int(), 4, 0),
        }
    }

    /// Element-wise operation into a fresh temporary; returns its address.
    fn vector_binary(&mut self, op: BinOp, l: &Expr, r: &Expr, ty: &CType) -> Value {
        let (oelem, oes, n) = self.vector_shape(&l.ty);
        let (relem, res, _) = self.vector_shape(ty);
        let a = self.rvalue(l);
        let b = self.rvalue(r);
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        let tmp = self.slot(size, align);
        for i in 0..n {
            let pa = self.add_offset(a, (i * oes) as i64);
            let pb = self.add_offset(b, (i * oes) as i64);
            let x = self.load_scalar(pa, &oelem);
            let y = self.load_scalar(pb, &oelem);
            let v = if op.is_comparison() {
                let c = self.compare_values(op, x, y, &oelem);
                // true is all ones.
                let rt = self.ir_ty(&relem);
                let w = self.int_resize(c, IrType::I8, rt, false);
                self.val(InstKind::Unary { op: ir::UnOp::Neg, ty: rt, arg: w })
            } else {
                self.arith(op, x, y, &oelem, &oelem)
            };
            let pt = self.add_offset(tmp, (i * res) as i64);
            self.store_scalar(pt, v, &relem);
        }
        tmp
    }

    fn vector_unary(&mut self, op: UnOp, inner: &Expr, ty: &CType) -> Value {
        let (elem, es, n) = self.vector_shape(ty);
        let a = self.rvalue(inner);
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        let tmp = self.slot(size, align);
        let t = self.ir_ty(&elem);
        for i in 0..n {
            let pa = self.add_offset(a, (i * es) as i64);
            let x = self.load_scalar(pa, &elem);
            let v = match (op, t.is_float()) {
                (UnOp::Neg, true) => self.val(InstKind::Unary { op: ir::UnOp::FNeg, ty: t, arg: x }),
                (UnOp::Neg, false) => self.val(InstKind::Unary { op: ir::UnOp::Neg, ty: t, arg: x }),
                _ => self.val(InstKind::Unary { op: ir::UnOp::Not, ty: t, arg: x }),
            };
            let pt = self.add_offset(tmp, (i * es) as i64);
            self.store_scalar(pt, v, &elem);
        }
        tmp
    }

    /// `__builtin_shuffle`: the inputs are copied side by side into one buffer, so
    /// each lane is a load at `(mask[i] mod lanes) * elem_size` from it.
    pub(super) fn vector_shuffle(&mut self, args: &[Expr], ty: &CType) -> Value {
        let (elem, es, n) = self.vector_shape(ty);
        let (melem, mes, _) = self.vector_shape(&args[args.len() - 1].ty);
        let inputs: Vec<Value> = args[..args.len() - 1].iter().map(|a| self.rvalue(a)).collect();
        let mask = self.rvalue(&args[args.len() - 1]);
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        let both = self.slot(size * inputs.len() as u64, align);
        for (k, &src) in inputs.iter().enumerate() {
            for i in 0..n {
                let ps = self.add_offset(src, (i * es) as i64);
                let x = self.load_scalar(ps, &elem);
                let pd = self.add_offset(both, ((k as u64 * n + i) * es) as i64);
                self.store_scalar(pd, x, &elem);
            }
        }
        let lanes = n * inputs.len() as u64;
        let mt = self.ir_ty(&melem);
        let tmp = self.slot(size, align);
        for i in 0..n {
            let pm = self.add_offset(mask, (i * mes) as i64);
            let m = self.load_scalar(pm, &melem);
            let wrap = self.iconst(mt, lanes as i128 - 1);
            let idx = self.val(InstKind::Binary { op: IB::And, ty: mt, lhs: m, rhs: wrap });
            let idx = self.int_resize(idx, mt, IrType::iptr(), false);
            let scale = self.iconst(IrType::iptr(), es as i128);
            let off = self.val(InstKind::Binary { op: IB::Mul, ty: IrType::iptr(), lhs: idx, rhs: scale });
            let p = self.val(InstKind::Binary { op: IB::Add, ty: IrType::Ptr, lhs: both, rhs: off });
            let x = self.load_scalar(p, &elem);
            let pt = self.add_offset(tmp, (i * es) as i64);
            self.store_scalar(pt, x, &elem);
        }
        tmp
    }

    pub(super) fn vector_splat(&mut self, scalar: &Expr, ty: &CType) -> Value {
        let (elem, es, n) = self.vector_shape(ty);
        let v = self.rvalue(scalar);
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        let tmp = self.slot(size, align);
        for i in 0..n {
            let pt = self.add_offset(tmp, (i * es) as i64);
            self.store_scalar(pt, v, &elem);
        }
        tmp
    }

    /// Compare two values of C type `ty` (an I8 0/1).
    fn compare_values(&mut self, op: BinOp, a: Value, b: Value, ty: &CType) -> Value {
        let t = self.ir_ty(ty);
        if t.is_float() {
            let cc = match op {
                BinOp::Eq => FloatCC::Eq,
                BinOp::Ne => FloatCC::Une,
                BinOp::Lt => FloatCC::Lt,
                BinOp::Le => FloatCC::Le,
                BinOp::Gt => FloatCC::Gt,
                _ => FloatCC::Ge,
            };
            return self.val(InstKind::Fcmp { cc, ty: t, lhs: a, rhs: b });
        }
        let signed = self.signed(ty);
        let cc = match (op, signed) {
            (BinOp::Eq, _) => IntCC::Eq,
            (BinOp::Ne, _) => IntCC::Ne,
            (BinOp::Lt, true) => IntCC::Slt,
            (BinOp::Lt, false) => IntCC::Ult,
            (BinOp::Le, true) => IntCC::Sle,
            (BinOp::Le, false) => IntCC::Ule,
            (BinOp::Gt, true) => IntCC::Sgt,
            (BinOp::Gt, false) => IntCC::Ugt,
            (_, true) => IntCC::Sge,
            (_, false) => IntCC::Uge,
        };
        self.val(InstKind::Icmp { cc, ty: t, lhs: a, rhs: b })
    }

    // --------------------------------------------------------- calls

    fn call(&mut self, callee: &Expr, args: &[Expr], ret: &CType) -> Value {
        let fty = callee.ty.func().cloned();
        let nested = match &callee.kind {
            ExprKind::AddrOf(inner) => match inner.kind {
                ExprKind::Var(VarRef::NestedFn { name, up, .. }) => Some((name, up)),
                _ => None,
            },
            _ => None,
        };
        let direct = match &callee.kind {
            ExprKind::AddrOf(inner) => match &inner.kind {
                ExprKind::Var(VarRef::Global(n)) if inner.ty.is_func() => Some(n.to_string()),
                _ => None,
            },
            ExprKind::Var(VarRef::Global(n)) if callee.ty.is_func() => Some(n.to_string()),
            _ => None,
        };
        // An indirect callee is evaluated before the arguments.
        let target = match (direct, nested) {
            (_, Some((name, up))) => CallTarget::Nested(name, up),
            (Some(n), None) => CallTarget::Direct(n),
            (None, None) => CallTarget::Indirect(self.rvalue(callee)),
        };
        let mut vals = Vec::new();
        let mut params = Vec::new();
        for a in args {
            let v = if a.ty.is_complex() {
                let (re, im) = self.complex_parts(a);
                let tmp = self.complex_temp(&a.ty);
                self.complex_store(tmp, re, im, &a.ty);
                tmp
            } else {
                self.rvalue(a)
            };
            vals.push(v);
            params.push(abi_type(&a.ty, self.layout));
        }
        let variadic = fty.as_ref().map(|f| f.variadic || f.unprototyped).unwrap_or(false);
        let sig = ir::Signature { params, ret: if ret.is_void() { None } else { Some(abi_type(ret, self.layout)) }, variadic: variadic && fty.as_ref().map(|f| f.variadic).unwrap_or(false), named: fty.as_ref().filter(|f| f.variadic).map(|f| f.params.len() as u32) };
        let (callee, chain) = match target {
            CallTarget::Nested(name, up) => self.nested_callee(name, up),
            CallTarget::Direct(n) => (Callee::Direct(n), None),
            CallTarget::Indirect(v) => (Callee::Indirect(v), None),
        };
        let mut noreturn = false;
        if let Callee::Direct(n) = &callee {
            if n == "setjmp" || n == "_setjmp" || n == "sigsetjmp" || n == "__sigsetjmp" || n == "vfork" {
                self.f.calls_returns_twice = true;
            }
            noreturn = self.facts.noreturn.contains(&Sym::intern(n));
        }
        let result = self.emit_call(callee, sig, vals, chain);
        // Nothing follows a call that does not return (GCC emits no code
        // there, and the kernel's objtool rejects any).
        if noreturn {
            self.ins(InstKind::Unreachable);
        }
        result
    }

    fn emit_call(&mut self, callee: Callee, sig: ir::Signature, vals: Vec<Value>, chain: Option<Value>) -> Value {
        match &sig.ret {
            Some(AbiType::Aggregate(l)) => {
                let (size, align) = (l.size, l.align);
                let slot = self.slot(size, align);
                self.ins(InstKind::Call { callee, sig, args: vals, ret_slot: Some(slot), chain });
                slot
            }
            Some(AbiType::Scalar(_)) => self.val(InstKind::Call { callee, sig, args: vals, ret_slot: None, chain }),
            None => {
                self.ins(InstKind::Call { callee, sig, args: vals, ret_slot: None, chain });
                self.dummy()
            }
        }
    }

    // --------------------------------------------------------- inline asm

    /// The current value of a register (a RISC-V global register variable such as
    /// the kernel's `tp`): an empty asm whose output is that register (`{reg}`).
    pub(super) fn read_register(&mut self, name: &Expr) -> Value {
        let ExprKind::Str(reg) = &name.kind else { unreachable!("register name is a string") };
        let slot = self.slot(8, 8);
        let constraint = format!("{{{}}}", String::from_utf8_lossy(reg));
        let output = ir::AsmOperand { constraint, name: None, value: slot, ty: IrType::I64 };
        let asm = ir::InlineAsm { template: String::new(), outputs: vec![output], inputs: Vec::new(), clobbers: Vec::new(), goto_targets: Vec::new(), volatile: false };
        self.ins(InstKind::InlineAsm(Box::new(asm)));
        self.val(InstKind::Load { ty: IrType::I64, ptr: slot, volatile: false })
    }

    pub(super) fn inline_asm(&mut self, a: &AsmStmt) {
        let mut outputs = Vec::new();
        let mut inputs = Vec::new();
        let mut tied = Vec::new();
        for (i, o) in a.outputs.iter().enumerate() {
            let addr = self.addr(&o.expr);
            let ty = self.layout.ir_type(&o.expr.ty).unwrap_or(IrType::Ptr);
            let c = o.constraint.trim_start_matches(['=', '+']).to_string();
            if o.constraint.starts_with('+') {
                tied.push((i, o));
            }
            outputs.push(ir::AsmOperand { constraint: c, name: o.name.map(|n| n.to_string()), value: addr, ty });
        }
        for i in &a.inputs {
            let is_mem = i.constraint.chars().all(|c| matches!(c, 'm' | 'o' | 'V' | 'Q' | '&')) && !i.constraint.is_empty();
            let (v, ty) = if is_mem {
                (self.addr(&i.expr), IrType::Ptr)
            } else if self.is_aggregate(&i.expr.ty) {
                (self.rvalue(&i.expr), IrType::Ptr)
            } else {
                (self.rvalue(&i.expr), self.ir_ty(&i.expr.ty))
            };
            inputs.push(ir::AsmOperand { constraint: i.constraint.clone(), name: i.name.map(|n| n.to_string()), value: v, ty });
        }
        // `+` outputs: a tied input holding the current value, after the real inputs.
        for (i, o) in tied {
            let is_mem = o.constraint.contains('m') && !o.constraint.contains('r');
            let (v, ty) = if is_mem {
                (outputs[i].value, IrType::Ptr)
            } else {
                // Read through the output's address: the lvalue is evaluated once.
                let addr = outputs[i].value;
                let v = match self.bitfield_of(&o.expr) {
                    Some((bo, w, su)) => self.load_bitfield(addr, &o.expr.ty, bo, w, su),
                    None if self.is_aggregate(&o.expr.ty) => addr,
                    None => self.load_scalar(addr, &o.expr.ty),
                };
                (v, self.layout.ir_type(&o.expr.ty).unwrap_or(IrType::Ptr))
            };
            inputs.push(ir::AsmOperand { constraint: i.to_string(), name: None, value: v, ty });
        }
        let goto_targets: Vec<ir::Block> = a.labels.iter().map(|l| self.label_block(*l)).collect();
        let has_goto = !goto_targets.is_empty();
        let template = number_goto_labels(&a.template, &a.labels, outputs.len() + inputs.len());
        self.ins(InstKind::InlineAsm(Box::new(ir::InlineAsm { template, outputs, inputs, clobbers: a.clobbers.clone(), goto_targets, volatile: a.volatile })));
        if has_goto {
            // asm goto falls through to the next statement; the jump makes
            // the fall-through edge explicit.
            let next = self.new_block();
            self.jump(next);
            self.switch_to(next);
        }
    }
}

/// `%l[name]` in an `asm goto` template becomes `%lN`, the label's number after all
/// operands (a `+` operand's hidden input included), which is how the backend
/// resolves labels.
fn number_goto_labels(template: &str, labels: &[Sym], operands: usize) -> String {
    if labels.is_empty() {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(p) = rest.find('%') {
        out.push_str(&rest[..p]);
        let tail = &rest[p..];
        if let Some(after) = tail.strip_prefix("%%") {
            out.push_str("%%");
            rest = after;
            continue;
        }
        let named = tail.strip_prefix("%l[").and_then(|t| t.split_once(']'));
        match named.and_then(|(name, after)| labels.iter().position(|l| l.as_str() == name).map(|i| (i, after))) {
            Some((i, after)) => {
                out.push_str(&format!("%l{}", operands + i));
                rest = after;
            }
            None => {
                out.push('%');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a call calls, decided before its arguments are evaluated.
enum CallTarget {
    Direct(String),
    /// A GNU nested function: name, and how many functions out it is defined.
    Nested(Sym, u32),
    Indirect(Value),
}
