//! Expressions, with their types and implicit conversions.

use super::*;

impl<'a> Parser<'a> {
    // ------------------------------------------------------- conversions

    /// Array-to-pointer and function-to-pointer conversion.
    pub(super) fn decay(&mut self, e: Expr) -> Expr {
        match &e.ty.kind {
            Kind::Array { elem, .. } | Kind::Vla { elem, .. } => {
                let ty = CType::ptr_to((**elem).clone());
                let loc = e.loc;
                Expr::new(ExprKind::AddrOf(Box::new(e)), ty, loc)
            }
            Kind::Func(_) => {
                self.note_function_address(&e);
                function_pointer(e)
            }
            _ => e,
        }
    }

    /// Convert `e` to type `ty` (an explicit or implicit cast).
    pub(super) fn convert(&mut self, e: Expr, ty: CType) -> Expr {
        let e = self.decay(e);
        if same_type_unqual(&e.ty, &ty, &self.tables) && !ty.is_bool() {
            let mut e = e;
            e.ty = ty;
            return e;
        }
        let loc = e.loc;
        if let Some(folded) = self.fold_literal_cast(&e, &ty) {
            return folded;
        }
        if ty.is_bool() && !e.ty.is_bool() {
            return Expr::new(ExprKind::ToBool(Box::new(e)), ty, loc);
        }
        Expr::new(ExprKind::Cast(Box::new(e)), ty, loc)
    }

    /// Conversions of literals are folded at once, with GCC's semantics
    /// (float to int saturates, int to int wraps).
    fn fold_literal_cast(&self, e: &Expr, ty: &CType) -> Option<Expr> {
        let loc = e.loc;
        if !(ty.is_integer() || ty.is_float()) || !(e.ty.is_integer() || e.ty.is_float()) {
            return None;
        }
        let kind = match (&e.kind, ty.is_float()) {
            (ExprKind::Int(v), false) => ExprKind::Int(self.wrap_int(*v, ty)),
            (ExprKind::Int(v), true) => {
                let f = if e.ty.is_signed(&self.tables) { *v as f64 } else { (*v as u128) as f64 };
                ExprKind::Float(round_to(f, ty))
            }
            (ExprKind::Float(f), true) => ExprKind::Float(round_to(*f, ty)),
            (ExprKind::Float(f), false) => {
                let f = *f;
                if ty.is_bool() {
                    ExprKind::Int((f != 0.0) as i128)
                } else {
                    let size = self.layout().size(ty);
                    let signed = ty.is_signed(&self.tables);
                    ExprKind::Int(crate::types::float_to_int_saturating(f, size, signed))
                }
            }
            _ => return None,
        };
        Some(Expr::new(kind, ty.unqual(), loc))
    }

    pub(super) fn default_promoted(&self, ty: &CType) -> CType {
        match &ty.kind {
            Kind::Float(FloatKind::Float) => CType::double(),
            Kind::Int { .. } | Kind::Enum(_) => self.promoted_int_type(ty),
            _ => ty.unqual(),
        }
    }

    fn promoted_int_type(&self, ty: &CType) -> CType {
        match ty.int_kind(&self.tables) {
            Some(k) if rank(k) < rank(IntKind::Int) => CType::int(),
            Some(IntKind::Int) if matches!(ty.kind, Kind::Enum(_)) => CType::int_of(IntKind::Int, ty.is_signed(&self.tables)),
            _ => ty.unqual(),
        }
    }

    /// Integer promotions (bitfields narrower than int promote to int too).
    pub(super) fn promote(&mut self, e: Expr) -> Expr {
        let e = self.decay(e);
        if !e.ty.is_integer() {
            return e;
        }
        if let Some(w) = self.bitfield_width(&e) {
            let k = e.ty.int_kind(&self.tables).unwrap_or(IntKind::Int);
            if w < 32 || (w == 32 && rank(k) <= rank(IntKind::Int) && e.ty.is_signed(&self.tables)) {
                return self.convert(e, CType::int());
            }
            if w == 32 && rank(k) <= rank(IntKind::Int) {
                return self.convert(e, CType::uint());
            }
        }
        let t = self.promoted_int_type(&e.ty);
        self.convert(e, t)
    }

    /// The width of a bit-field operand. A comma expression has the type of its
    /// right operand, bit-field width included (GCC: `(x, s.bf) | y` promotes like
    /// `s.bf`).
    fn bitfield_width(&self, e: &Expr) -> Option<u32> {
        match &e.kind {
            ExprKind::Member { record, field, .. } => self.tables.record(*record).fields[*field].bit_width,
            ExprKind::Comma(_, r) => self.bitfield_width(r),
            _ => None,
        }
    }

    /// The common type of the usual arithmetic conversions.
    pub(super) fn common_type(&self, a: &CType, b: &CType) -> CType {
        if a.is_complex() || b.is_complex() {
            let ka = a.float_kind().unwrap_or(FloatKind::Float);
            let kb = b.float_kind().unwrap_or(FloatKind::Float);
            let k = if a.float_kind().is_none() { kb } else if b.float_kind().is_none() { ka } else { ka.max(kb) };
            return CType::new(Kind::Complex(k));
        }
        if a.is_float() || b.is_float() {
            let ka = a.float_kind();
            let kb = b.float_kind();
            return CType::new(Kind::Float(match (ka, kb) {
                (Some(x), Some(y)) => x.max(y),
                (Some(x), None) | (None, Some(x)) => x,
                _ => FloatKind::Double,
            }));
        }
        let a = self.promoted_int_type(a);
        let b = self.promoted_int_type(b);
        let (ka, sa) = (a.int_kind(&self.tables).unwrap_or(IntKind::Int), a.is_signed(&self.tables));
        let (kb, sb) = (b.int_kind(&self.tables).unwrap_or(IntKind::Int), b.is_signed(&self.tables));
        let size = |k: IntKind| self.layout().int_size(k);
        if sa == sb {
            return CType::int_of(if rank(ka) >= rank(kb) { ka } else { kb }, sa);
        }
        let (uk, sk) = if sa { (kb, ka) } else { (ka, kb) };
        if rank(uk) >= rank(sk) {
            return CType::int_of(uk, false);
        }
        if size(sk) > size(uk) {
            return CType::int_of(sk, true);
        }
        CType::int_of(sk, false)
    }

    fn usual_arith(&mut self, a: Expr, b: Expr) -> (Expr, Expr, CType) {
        let a = self.promote(a);
        let b = self.promote(b);
        let t = self.common_type(&a.ty, &b.ty);
        let a = self.convert(a, t.clone());
        let b = self.convert(b, t.clone());
        (a, b, t)
    }

    pub(super) fn sizeof_expr(&mut self, ty: &CType, loc: Loc) -> Expr {
        if let Kind::Vla { size_var, depth, .. } = ty.kind {
            return match self.outer_local(size_var, depth) {
                Some(var) => Expr::new(ExprKind::Var(var), CType::ulong(), loc),
                None => Expr::new(ExprKind::VlaSize(size_var), CType::ulong(), loc),
            };
        }
        Expr::new(ExprKind::Int(self.layout().size(ty) as i128), CType::ulong(), loc)
    }

    fn int_lit(&self, v: i128, ty: CType, loc: Loc) -> Expr {
        Expr::new(ExprKind::Int(v), ty, loc)
    }

    // ------------------------------------------------------- lvalues

    pub(super) fn is_lvalue(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Var(_) | ExprKind::Deref(_) | ExprKind::Str(_) | ExprKind::CompoundLit { .. } => true,
            ExprKind::Member { base, .. } => self.is_lvalue(base) || base.ty.is_record(),
            ExprKind::Unary(UnOp::Real | UnOp::Imag, inner) => self.is_lvalue(inner),
            _ => false,
        }
    }

    fn check_assignable(&self, e: &Expr) -> PResult<()> {
        if !self.is_lvalue(e) {
            return Err(self.error_at(e.loc, "lvalue required as left operand of assignment"));
        }
        if e.ty.is_array() {
            return Err(self.error_at(e.loc, "assignment to expression with array type"));
        }
        if e.ty.is_const() {
            return Err(self.error_at(e.loc, "assignment of read-only location"));
        }
        Ok(())
    }

    // ------------------------------------------------------- parsing

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        let mut e = self.assign_expr()?;
        while self.is_punct(",") {
            let loc = self.advance().loc;
            let r = self.assign_expr()?;
            let r = self.decay(r);
            let ty = r.ty.clone();
            e = Expr::new(ExprKind::Comma(Box::new(e), Box::new(r)), ty, loc);
        }
        Ok(e)
    }

    pub(super) fn const_expr(&mut self) -> PResult<i128> {
        let e = self.cond_expr()?;
        self.const_int(&e)
    }

    pub(super) fn assign_expr(&mut self) -> PResult<Expr> {
        let lhs = self.cond_expr()?;
        let t = *self.peek();
        if t.kind != TokenKind::Punct {
            return Ok(lhs);
        }
        let op = match t.text.as_str() {
            "=" => None,
            "+=" => Some(BinOp::Add),
            "-=" => Some(BinOp::Sub),
            "*=" => Some(BinOp::Mul),
            "/=" => Some(BinOp::Div),
            "%=" => Some(BinOp::Rem),
            "<<=" => Some(BinOp::Shl),
            ">>=" => Some(BinOp::Shr),
            "&=" => Some(BinOp::BitAnd),
            "|=" => Some(BinOp::BitOr),
            "^=" => Some(BinOp::BitXor),
            _ => return Ok(lhs),
        };
        self.advance();
        let rhs = self.assign_expr()?;
        self.check_assignable(&lhs)?;
        let loc = t.loc;
        match op {
            None => {
                let rhs = self.assign_convert(rhs, &lhs.ty, loc)?;
                let ty = lhs.ty.unqual();
                Ok(Expr::new(ExprKind::Assign(Box::new(lhs), Box::new(rhs)), ty, loc))
            }
            Some(op) => self.compound_assign(op, lhs, rhs, loc),
        }
    }

    fn compound_assign(&mut self, op: BinOp, lhs: Expr, rhs: Expr, loc: Loc) -> PResult<Expr> {
        let ty = lhs.ty.unqual();
        if lhs.ty.is_ptr() && matches!(op, BinOp::Add | BinOp::Sub) {
            let rhs = self.promote(rhs);
            if !rhs.ty.is_integer() {
                return Err(self.error_at(loc, "invalid operands to binary expression"));
            }
            let elem = lhs.ty.base().cloned().unwrap_or_else(CType::void);
            let scaled = self.scale_index(rhs, &elem, loc);
            return Ok(Expr::new(ExprKind::CompoundAssign { op, lhs: Box::new(lhs), rhs: Box::new(scaled), op_ty: Box::new(CType::long()) }, ty, loc));
        }
        let rhs = self.decay(rhs);
        if is_vector(&lhs.ty) {
            let opname = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::Rem => "%",
                BinOp::Shl => "<<",
                BinOp::Shr => ">>",
                BinOp::BitAnd => "&",
                BinOp::BitOr => "|",
                _ => "^",
            };
            let cur = lhs.clone();
            let value = self.vector_binary(opname, cur, rhs, loc)?;
            let ty = lhs.ty.unqual();
            return Ok(Expr::new(ExprKind::Assign(Box::new(lhs), Box::new(value)), ty, loc));
        }
        if !lhs.ty.is_arith() || !rhs.ty.is_arith() {
            return Err(self.error_at(loc, "invalid operands to binary expression"));
        }
        let op_ty = if matches!(op, BinOp::Shl | BinOp::Shr) {
            let l = self.promoted_int_type(&lhs.ty);
            l
        } else {
            let lt = if lhs.ty.is_integer() { self.promoted_int_type(&lhs.ty) } else { lhs.ty.unqual() };
            self.common_type(&lt, &rhs.ty)
        };
        if matches!(op, BinOp::Rem | BinOp::Shl | BinOp::Shr | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) && (!op_ty.is_integer() || !rhs.ty.is_integer()) {
            return Err(self.error_at(loc, "invalid operands to binary expression"));
        }
        let rhs = if matches!(op, BinOp::Shl | BinOp::Shr) { self.promote(rhs) } else { self.convert(rhs, op_ty.clone()) };
        Ok(Expr::new(ExprKind::CompoundAssign { op, lhs: Box::new(lhs), rhs: Box::new(rhs), op_ty: Box::new(op_ty) }, ty, loc))
    }

    /// Conversion as if by assignment (also arguments, returns, initializers).
    pub(super) fn assign_convert(&mut self, e: Expr, to: &CType, loc: Loc) -> PResult<Expr> {
        let e = self.decay(e);
        let to_u = to.unqual();
        if let Kind::Record(rid) = to.kind {
            let rec = self.tables.record(rid).clone();
            if rec.transparent && !same_type_unqual(&e.ty, to, &self.tables) {
                // A transparent union parameter takes any of its member types
                // (pointers compare without qualifiers), passed as that member.
                let pick = rec.fields.iter().find(|f| same_type_unqual(&f.ty, &e.ty, &self.tables) || (f.ty.is_ptr() && e.ty.is_ptr() && same_type_unqual(&f.ty.base().unwrap_or(&CType::void()).unqual(), &e.ty.base().unwrap_or(&CType::void()).unqual(), &self.tables))).or_else(|| rec.fields.first().filter(|f| f.ty.is_ptr() && (e.ty.is_ptr() || is_null_constant(&e))));
                if let Some(f) = pick {
                    let fty = f.ty.clone();
                    let v = self.convert(e, fty);
                    let init = Initializer { size: rec.size, items: vec![InitItem { offset: 0, bitfield: None, expr: v }], whole: None };
                    return Ok(self.make_compound_literal(to.unqual(), init, loc));
                }
            }
        }
        if to.is_record() || e.ty.is_record() {
            if !(to.is_record() && e.ty.is_record() && same_type_unqual(&e.ty, to, &self.tables)) {
                // GCC: a transparent union or a union cast would go here.
                return Err(self.error_at(loc, "incompatible types when assigning"));
            }
            return Ok(e);
        }
        if matches!(to.kind, Kind::Vector { .. }) || matches!(e.ty.kind, Kind::Vector { .. }) {
            return Ok(e);
        }
        if to.is_ptr() && e.ty.is_integer() && !is_null_constant(&e) {
            self.warn_at(loc, "assignment makes pointer from integer without a cast");
        }
        if !(to.is_scalar() || to.is_complex()) || !(e.ty.is_scalar() || e.ty.is_complex()) {
            if to.is_void() {
                return Ok(e);
            }
            return Err(self.error_at(loc, "incompatible types when assigning"));
        }
        Ok(self.convert(e, to_u))
    }

    fn cond_expr(&mut self) -> PResult<Expr> {
        let c = self.binary_expr(0)?;
        if !self.is_punct("?") {
            return Ok(c);
        }
        let loc = self.advance().loc;
        let c = self.decay(c);
        if !c.ty.is_scalar() && !c.ty.is_complex() {
            return Err(self.error_at(c.loc, "used struct type value where scalar is required"));
        }
        if self.eat(":") {
            // GNU `a ?: b`.
            let b = self.cond_expr()?;
            let (a, b, ty) = self.cond_operands(c.clone(), b, loc)?;
            let _ = a;
            return Ok(Expr::new(ExprKind::CondOmitted(Box::new(self.convert(c, ty.clone())), Box::new(b)), ty, loc));
        }
        let a = self.expr()?;
        self.expect(":")?;
        let b = self.cond_expr()?;
        let (a, b, ty) = self.cond_operands(a, b, loc)?;
        Ok(Expr::new(ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)), ty, loc))
    }

    fn cond_operands(&mut self, a: Expr, b: Expr, loc: Loc) -> PResult<(Expr, Expr, CType)> {
        let a = self.decay(a);
        let b = self.decay(b);
        if a.ty.is_arith() && b.ty.is_arith() {
            let (a, b, t) = self.usual_arith(a, b);
            return Ok((a, b, t));
        }
        if a.ty.is_void() || b.ty.is_void() {
            return Ok((a, b, CType::void()));
        }
        if a.ty.is_ptr() && b.ty.is_ptr() {
            // void* wins unless the other is a null pointer constant.
            let ab = a.ty.base().cloned().unwrap_or_else(CType::void);
            let bb = b.ty.base().cloned().unwrap_or_else(CType::void);
            let quals = ab.quals | bb.quals;
            let t = if is_null_constant(&a) {
                b.ty.clone()
            } else if is_null_constant(&b) {
                a.ty.clone()
            } else if ab.is_void() || bb.is_void() {
                CType::ptr_to(CType::void().with_quals(quals))
            } else {
                CType::ptr_to(ab.with_quals(quals))
            };
            let a = self.convert(a, t.clone());
            let b = self.convert(b, t.clone());
            return Ok((a, b, t));
        }
        if a.ty.is_ptr() && b.ty.is_integer() {
            let t = a.ty.clone();
            let b = self.convert(b, t.clone());
            return Ok((a, b, t));
        }
        if b.ty.is_ptr() && a.ty.is_integer() {
            let t = b.ty.clone();
            let a = self.convert(a, t.clone());
            return Ok((a, b, t));
        }
        if a.ty.is_record() && b.ty.is_record() && same_type_unqual(&a.ty, &b.ty, &self.tables) {
            let t = a.ty.unqual();
            return Ok((a, b, t));
        }
        if matches!(a.ty.kind, Kind::Vector { .. }) {
            let t = a.ty.clone();
            return Ok((a, b, t));
        }
        Err(self.error_at(loc, "type mismatch in conditional expression"))
    }

    fn binary_expr(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.cast_expr()?;
        loop {
            let t = *self.peek();
            if t.kind != TokenKind::Punct {
                break;
            }
            let prec = match binop_prec(t.text.as_str()) {
                Some(p) if p >= min_prec => p,
                _ => break,
            };
            self.advance();
            let rhs = self.binary_expr(prec + 1)?;
            lhs = self.build_binary(t.text.as_str(), lhs, rhs, t.loc)?;
        }
        Ok(lhs)
    }

    pub(super) fn build_binary(&mut self, op: &str, lhs: Expr, rhs: Expr, loc: Loc) -> PResult<Expr> {
        let lhs = self.decay(lhs);
        let rhs = self.decay(rhs);
        if is_vector(&lhs.ty) || is_vector(&rhs.ty) {
            return self.vector_binary(op, lhs, rhs, loc);
        }
        match op {
            "&&" | "||" => {
                self.require_scalar(&lhs)?;
                self.require_scalar(&rhs)?;
                let l = self.convert(lhs, CType::bool());
                let r = self.convert(rhs, CType::bool());
                let k = if op == "&&" { ExprKind::LogAnd(Box::new(l), Box::new(r)) } else { ExprKind::LogOr(Box::new(l), Box::new(r)) };
                Ok(Expr::new(k, CType::int(), loc))
            }
            "+" => self.build_add(lhs, rhs, loc),
            "-" => self.build_sub(lhs, rhs, loc),
            "*" | "/" | "%" => {
                let bop = match op {
                    "*" => BinOp::Mul,
                    "/" => BinOp::Div,
                    _ => BinOp::Rem,
                };
                if !lhs.ty.is_arith() || !rhs.ty.is_arith() || (bop == BinOp::Rem && (!lhs.ty.is_integer() || !rhs.ty.is_integer())) {
                    return Err(self.error_at(loc, format!("invalid operands to binary {op}")));
                }
                let (l, r, t, bits) = self.usual_arith_precise(lhs, rhs);
                Ok(self.reduce_precision(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), t, loc), bits))
            }
            "<<" | ">>" => {
                if !lhs.ty.is_integer() || !rhs.ty.is_integer() {
                    return Err(self.error_at(loc, format!("invalid operands to binary {op}")));
                }
                let bits = self.bit_precision(&lhs);
                let l = self.promote(lhs);
                let r = self.promote(rhs);
                let t = l.ty.clone();
                let bop = if op == "<<" { BinOp::Shl } else { BinOp::Shr };
                Ok(self.reduce_precision(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), t, loc), bits))
            }
            "&" | "|" | "^" => {
                if matches!(lhs.ty.kind, Kind::Vector { .. }) {
                    return Err(self.error_at(loc, "vector operations are not supported"));
                }
                if !lhs.ty.is_integer() || !rhs.ty.is_integer() {
                    return Err(self.error_at(loc, format!("invalid operands to binary {op}")));
                }
                let bop = match op {
                    "&" => BinOp::BitAnd,
                    "|" => BinOp::BitOr,
                    _ => BinOp::BitXor,
                };
                let (l, r, t, bits) = self.usual_arith_precise(lhs, rhs);
                Ok(self.reduce_precision(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), t, loc), bits))
            }
            "==" | "!=" | "<" | "<=" | ">" | ">=" => {
                let bop = match op {
                    "==" => BinOp::Eq,
                    "!=" => BinOp::Ne,
                    "<" => BinOp::Lt,
                    "<=" => BinOp::Le,
                    ">" => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                if lhs.ty.is_arith() && rhs.ty.is_arith() {
                    // Operands converted to a bit-precise type wrap to its width.
                    let (l, r, _, bits) = self.usual_arith_precise(lhs, rhs);
                    let (l, r) = (self.reduce_precision(l, bits), self.reduce_precision(r, bits));
                    return Ok(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), CType::int(), loc));
                }
                if (lhs.ty.is_ptr() || lhs.ty.is_integer()) && (rhs.ty.is_ptr() || rhs.ty.is_integer()) {
                    let t = CType::ulong();
                    let l = self.convert(lhs, t.clone());
                    let r = self.convert(rhs, t);
                    return Ok(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), CType::int(), loc));
                }
                Err(self.error_at(loc, format!("invalid operands to binary {op}")))
            }
            _ => Err(self.error_at(loc, format!("unknown operator {op}"))),
        }
    }

    /// Element-wise vector arithmetic (GCC vector extensions); a scalar
    /// operand is converted to the element type and splatted.
    fn vector_binary(&mut self, op: &str, lhs: Expr, rhs: Expr, loc: Loc) -> PResult<Expr> {
        let vt = if is_vector(&lhs.ty) { lhs.ty.unqual() } else { rhs.ty.unqual() };
        let (elem, size) = match &vt.kind {
            Kind::Vector { elem, size } => ((**elem).clone(), *size),
            _ => unreachable!("vector type"),
        };
        let splat = |p: &mut Self, e: Expr| -> PResult<Expr> {
            if is_vector(&e.ty) {
                if p.layout().size(&e.ty) != size {
                    return Err(p.error_at(loc, "invalid operands to binary expression (vectors of different sizes)"));
                }
                return Ok(e);
            }
            if !e.ty.is_arith() {
                return Err(p.error_at(loc, "invalid operands to binary expression"));
            }
            let v = p.convert(e, elem.clone());
            Ok(Expr::new(ExprKind::Builtin { name: Sym::intern("__ccc_vec_splat"), args: vec![v] }, vt.clone(), loc))
        };
        let l = splat(self, lhs)?;
        let r = splat(self, rhs)?;
        let bop = match op {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "%" => BinOp::Rem,
            "<<" => BinOp::Shl,
            ">>" => BinOp::Shr,
            "&" => BinOp::BitAnd,
            "|" => BinOp::BitOr,
            "^" => BinOp::BitXor,
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            _ => return Err(self.error_at(loc, format!("invalid operands to binary {op} on vectors"))),
        };
        let ty = if bop.is_comparison() {
            let es = self.layout().size(&elem);
            let ik = match es {
                1 => IntKind::Char,
                2 => IntKind::Short,
                4 => IntKind::Int,
                _ => self.layout().int64_kind(),
            };
            CType::new(Kind::Vector { elem: Rc::new(CType::int_of(ik, true)), size })
        } else {
            vt
        };
        Ok(Expr::new(ExprKind::Binary(bop, Box::new(l), Box::new(r)), ty, loc))
    }

    fn require_scalar(&self, e: &Expr) -> PResult<()> {
        if e.ty.is_scalar() || e.ty.is_complex() {
            Ok(())
        } else {
            Err(self.error_at(e.loc, "used struct type value where scalar is required"))
        }
    }

    /// `index * sizeof(elem)` as a `long` byte offset.
    fn scale_index(&mut self, idx: Expr, elem: &CType, loc: Loc) -> Expr {
        let idx = self.convert(idx, CType::long());
        let size = self.sizeof_expr(elem, loc);
        if let ExprKind::Int(1) = size.kind {
            return idx;
        }
        let size = self.convert(size, CType::long());
        Expr::new(ExprKind::Binary(BinOp::Mul, Box::new(idx), Box::new(size)), CType::long(), loc)
    }

    fn build_add(&mut self, lhs: Expr, rhs: Expr, loc: Loc) -> PResult<Expr> {
        if lhs.ty.is_arith() && rhs.ty.is_arith() {
            let (l, r, t, bits) = self.usual_arith_precise(lhs, rhs);
            return Ok(self.reduce_precision(Expr::new(ExprKind::Binary(BinOp::Add, Box::new(l), Box::new(r)), t, loc), bits));
        }
        let (p, i) = if lhs.ty.is_ptr() { (lhs, rhs) } else { (rhs, lhs) };
        if !p.ty.is_ptr() || !i.ty.is_integer() {
            return Err(self.error_at(loc, "invalid operands to binary +"));
        }
        let elem = p.ty.base().cloned().unwrap_or_else(CType::void);
        let off = self.scale_index(i, &elem, loc);
        let ty = p.ty.clone();
        Ok(Expr::new(ExprKind::Binary(BinOp::Add, Box::new(p), Box::new(off)), ty, loc))
    }

    fn build_sub(&mut self, lhs: Expr, rhs: Expr, loc: Loc) -> PResult<Expr> {
        if lhs.ty.is_arith() && rhs.ty.is_arith() {
            let (l, r, t, bits) = self.usual_arith_precise(lhs, rhs);
            return Ok(self.reduce_precision(Expr::new(ExprKind::Binary(BinOp::Sub, Box::new(l), Box::new(r)), t, loc), bits));
        }
        if lhs.ty.is_ptr() && rhs.ty.is_integer() {
            let elem = lhs.ty.base().cloned().unwrap_or_else(CType::void);
            let off = self.scale_index(rhs, &elem, loc);
            let ty = lhs.ty.clone();
            return Ok(Expr::new(ExprKind::Binary(BinOp::Sub, Box::new(lhs), Box::new(off)), ty, loc));
        }
        if lhs.ty.is_ptr() && rhs.ty.is_ptr() {
            let elem = lhs.ty.base().cloned().unwrap_or_else(CType::void);
            let l = self.convert(lhs, CType::long());
            let r = self.convert(rhs, CType::long());
            let diff = Expr::new(ExprKind::Binary(BinOp::Sub, Box::new(l), Box::new(r)), CType::long(), loc);
            let size = self.sizeof_expr(&elem, loc);
            if let ExprKind::Int(1) = size.kind {
                return Ok(diff);
            }
            let size = self.convert(size, CType::long());
            return Ok(Expr::new(ExprKind::Binary(BinOp::Div, Box::new(diff), Box::new(size)), CType::long(), loc));
        }
        Err(self.error_at(loc, "invalid operands to binary -"))
    }

    fn cast_expr(&mut self) -> PResult<Expr> {
        if self.is_punct("(") && self.is_type_name_after_paren() {
            let loc = self.advance().loc;
            let ty = self.type_name()?;
            self.expect(")")?;
            if self.is_punct("{") {
                // Compound literal.
                let e = self.compound_literal(ty, loc)?;
                return self.postfix_tail(e);
            }
            let e = self.cast_expr()?;
            return self.build_cast(e, ty, loc);
        }
        self.unary_expr()
    }

    fn is_type_name_after_paren(&self) -> bool {
        let t = self.peek_at(1);
        if t.kind != TokenKind::Ident {
            return false;
        }
        match self.kw.get(t.text) {
            Some(k) => super::decl::is_type_keyword(k) || (matches!(k, Kw::Extension) && {
                let t2 = self.peek_at(2);
                self.kw.get(t2.text).is_some() || self.is_typedef_name(t2)
            }),
            None => self.is_typedef_name(t),
        }
    }

    pub(super) fn build_cast(&mut self, e: Expr, ty: CType, loc: Loc) -> PResult<Expr> {
        let e = self.decay(e);
        if ty.is_void() {
            return Ok(Expr::new(ExprKind::Cast(Box::new(e)), CType::void(), loc));
        }
        if ty.is_record() {
            // GNU cast to union from a member type.
            if let Kind::Record(rid) = ty.kind {
                let rec = self.tables.record(rid).clone();
                if rec.is_union {
                    if same_type_unqual(&e.ty, &ty, &self.tables) {
                        return Ok(e);
                    }
                    for f in rec.fields.iter() {
                        if same_type_unqual(&f.ty, &e.ty, &self.tables) {
                            let size = rec.size;
                            let init = Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: e }], whole: None };
                            return Ok(self.make_compound_literal(ty, init, loc));
                        }
                    }
                }
                if same_type_unqual(&e.ty, &ty, &self.tables) {
                    return Ok(e);
                }
            }
            return Err(self.error_at(loc, "conversion to non-scalar type requested"));
        }
        if !(e.ty.is_scalar() || e.ty.is_complex() || matches!(e.ty.kind, Kind::Vector { .. })) {
            return Err(self.error_at(loc, "aggregate value used where a scalar was expected"));
        }
        if (ty.is_float() && e.ty.is_ptr()) || (ty.is_ptr() && e.ty.is_float()) {
            return Err(self.error_at(loc, "invalid cast between pointer and floating type"));
        }
        let mut e = self.convert(e, ty.unqual());
        e.loc = loc;
        // A cast result is not an lvalue even if no conversion happened
        // (literals never are, and stay foldable).
        if !matches!(e.kind, ExprKind::Cast(_) | ExprKind::ToBool(_) | ExprKind::Int(_) | ExprKind::Float(_)) {
            let t = e.ty.clone();
            e = Expr::new(ExprKind::Cast(Box::new(e)), t, loc);
        }
        Ok(e)
    }

    fn compound_literal(&mut self, ty: CType, loc: Loc) -> PResult<Expr> {
        let global = !self.in_function();
        let (init, ty) = self.initializer(&ty, global)?;
        Ok(self.make_compound_literal(ty, init, loc))
    }

    pub(super) fn make_compound_literal(&mut self, ty: CType, init: Initializer, loc: Loc) -> Expr {
        if self.in_function() {
            let name = Sym::intern("__compound_literal");
            let align = self.layout().align(&ty);
            let id = self.new_local(name, ty.clone(), align);
            Expr::new(ExprKind::CompoundLit { var: VarRef::Local(id), init: Box::new(init) }, ty, loc)
        } else {
            let name = self.fresh_name("__compound_literal");
            let align = self.layout().align(&ty);
            self.items.push(TopLevel::Global(GlobalVar { name, ty: ty.clone(), align, init: Some(init.clone()), is_static: true, is_extern: false, thread_local: false, tentative: false, attrs: DeclAttrs::default() }));
            Expr::new(ExprKind::Var(VarRef::Global(name)), ty, loc)
        }
    }

    fn unary_expr(&mut self) -> PResult<Expr> {
        let t = *self.peek();
        let loc = t.loc;
        if t.kind == TokenKind::Punct {
            match t.text.as_str() {
                "+" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    if !e.ty.is_arith() {
                        return Err(self.error_at(loc, "wrong type argument to unary plus"));
                    }
                    let mut e = self.promote(e);
                    if !matches!(e.kind, ExprKind::Cast(_)) {
                        let ty = e.ty.clone();
                        e = Expr::new(ExprKind::Cast(Box::new(e)), ty, loc);
                    }
                    return Ok(e);
                }
                "-" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    if is_vector(&e.ty) {
                        let ty = e.ty.clone();
                        return Ok(Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(e)), ty, loc));
                    }
                    if !e.ty.is_arith() {
                        return Err(self.error_at(loc, "wrong type argument to unary minus"));
                    }
                    let bits = self.bit_precision(&e);
                    let e = self.promote(e);
                    let ty = e.ty.clone();
                    return Ok(self.reduce_precision(Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(e)), ty, loc), bits));
                }
                "~" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    if e.ty.is_complex() {
                        let ty = e.ty.clone();
                        return Ok(Expr::new(ExprKind::Unary(UnOp::Conj, Box::new(e)), ty, loc));
                    }
                    if is_vector(&e.ty) {
                        let ty = e.ty.clone();
                        return Ok(Expr::new(ExprKind::Unary(UnOp::BitNot, Box::new(e)), ty, loc));
                    }
                    if !e.ty.is_integer() {
                        return Err(self.error_at(loc, "wrong type argument to bit-complement"));
                    }
                    let bits = self.bit_precision(&e);
                    let e = self.promote(e);
                    let ty = e.ty.clone();
                    return Ok(self.reduce_precision(Expr::new(ExprKind::Unary(UnOp::BitNot, Box::new(e)), ty, loc), bits));
                }
                "!" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    let e = self.decay(e);
                    self.require_scalar(&e)?;
                    let e = self.convert(e, CType::bool());
                    return Ok(Expr::new(ExprKind::Unary(UnOp::LogNot, Box::new(e)), CType::int(), loc));
                }
                "&" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    return self.build_addr_of(e, loc);
                }
                "*" => {
                    self.advance();
                    let e = self.cast_expr()?;
                    return self.build_deref(e, loc);
                }
                "++" | "--" => {
                    self.advance();
                    let e = self.unary_expr()?;
                    return self.build_incdec(e, t.text.as_str() == "++", true, loc);
                }
                "&&" => {
                    self.advance();
                    let (label, lloc) = self.expect_ident()?;
                    let kind = self.label_address(label, lloc);
                    return Ok(Expr::new(kind, CType::ptr_to(CType::void()), loc));
                }
                _ => {}
            }
        }
        match self.keyword() {
            Some(Kw::Sizeof) => {
                self.advance();
                if self.is_punct("(") && self.is_type_name_after_paren() {
                    self.advance();
                    let ty = self.type_name()?;
                    self.expect(")")?;
                    if self.is_punct("{") {
                        let e = self.compound_literal(ty, loc)?;
                        let e = self.postfix_tail(e)?;
                        return self.sizeof_of(&e.ty, loc);
                    }
                    return self.sizeof_of(&ty, loc);
                }
                let e = self.unary_expr()?;
                if let Some(w) = self.bitfield_width(&e) {
                    let _ = w;
                    return Err(self.error_at(loc, "'sizeof' applied to a bit-field"));
                }
                return self.sizeof_of(&e.ty.clone(), loc);
            }
            Some(kw @ (Kw::Alignof | Kw::GnuAlignof)) => {
                self.advance();
                let a = if self.is_punct("(") && self.is_type_name_after_paren() {
                    self.advance();
                    let ty = self.type_name()?;
                    self.expect(")")?;
                    let a = self.layout().align(&ty);
                    let scalar8 = ty.align_override == 0 && ty.is_arith() && !ty.is_complex() && self.layout().size(&ty) == 8;
                    if kw == Kw::GnuAlignof && scalar8 { 8 } else { a }
                } else {
                    let e = self.unary_expr()?;
                    match &e.kind {
                        ExprKind::Var(VarRef::Local(id)) => self.func.as_ref().map(|f| f.locals[*id].align).unwrap_or(1).max(self.layout().align(&e.ty)),
                        _ => self.layout().align(&e.ty),
                    }
                };
                return Ok(self.int_lit(a as i128, CType::ulong(), loc));
            }
            Some(Kw::Extension) => {
                self.advance();
                return self.cast_expr();
            }
            Some(Kw::Real | Kw::Imag) => {
                let is_real = self.keyword() == Some(Kw::Real);
                self.advance();
                let e = self.cast_expr()?;
                if !e.ty.is_complex() {
                    if !e.ty.is_arith() {
                        return Err(self.error_at(loc, "wrong type argument to __real__/__imag__"));
                    }
                    if is_real {
                        return Ok(e);
                    }
                    let ty = e.ty.clone();
                    let zero = Expr::new(ExprKind::Int(0), CType::int(), loc);
                    let z = self.convert(zero, ty.clone());
                    return Ok(Expr::new(ExprKind::Comma(Box::new(e), Box::new(z)), ty, loc));
                }
                let k = e.ty.float_kind().unwrap_or(FloatKind::Double);
                let op = if is_real { UnOp::Real } else { UnOp::Imag };
                return Ok(Expr::new(ExprKind::Unary(op, Box::new(e)), CType::new(Kind::Float(k)), loc));
            }
            _ => {}
        }
        let e = self.primary_expr()?;
        self.postfix_tail(e)
    }

    fn sizeof_of(&mut self, ty: &CType, loc: Loc) -> PResult<Expr> {
        if let Kind::Record(r) = ty.kind {
            if !self.tables.record(r).complete {
                return Err(self.error_at(loc, "invalid application of 'sizeof' to incomplete type"));
            }
        }
        if let Kind::Array { len: None, .. } = ty.kind {
            return Err(self.error_at(loc, "invalid application of 'sizeof' to incomplete type"));
        }
        Ok(self.sizeof_expr(ty, loc))
    }

    pub(super) fn build_addr_of(&mut self, e: Expr, loc: Loc) -> PResult<Expr> {
        if self.bitfield_width(&e).is_some() {
            return Err(self.error_at(loc, "cannot take address of bit-field"));
        }
        if !self.is_lvalue(&e) && !e.ty.is_func() && !matches!(e.kind, ExprKind::Call { .. } | ExprKind::StmtExpr(_)) {
            return Err(self.error_at(loc, "lvalue required as unary '&' operand"));
        }
        if let ExprKind::Var(VarRef::Local(id)) = e.kind {
            if let Some(f) = self.func.as_mut() {
                f.locals[id].volatile = true;
            }
        }
        self.note_function_address(&e);
        let ty = CType::ptr_to(e.ty.clone());
        Ok(Expr::new(ExprKind::AddrOf(Box::new(e)), ty, loc))
    }

    pub(super) fn build_deref(&mut self, e: Expr, loc: Loc) -> PResult<Expr> {
        let e = self.decay(e);
        match &e.ty.kind {
            Kind::Ptr(base) => {
                let base = (**base).clone();
                if base.is_func() {
                    // `*fp` is the function itself (decays straight back).
                    return Ok(Expr::new(ExprKind::Deref(Box::new(e)), base, loc));
                }
                Ok(Expr::new(ExprKind::Deref(Box::new(e)), base, loc))
            }
            _ => Err(self.error_at(loc, "invalid type argument of unary '*'")),
        }
    }

    fn build_incdec(&mut self, e: Expr, inc: bool, prefix: bool, loc: Loc) -> PResult<Expr> {
        self.check_assignable(&e)?;
        let delta = if e.ty.is_ptr() {
            let base = e.ty.base().cloned().unwrap_or_else(CType::void);
            if base.is_vla() {
                return Err(self.error_at(loc, "increment of pointer to variable length array is not supported"));
            }
            self.layout().size(&base) as i64
        } else if e.ty.is_arith() {
            1
        } else {
            return Err(self.error_at(loc, "wrong type argument to increment"));
        };
        let ty = e.ty.unqual();
        Ok(Expr::new(ExprKind::IncDec { target: Box::new(e), prefix, delta: if inc { delta } else { -delta } }, ty, loc))
    }

    pub(super) fn postfix_tail(&mut self, mut e: Expr) -> PResult<Expr> {
        loop {
            let t = *self.peek();
            if t.kind != TokenKind::Punct {
                return Ok(e);
            }
            match t.text.as_str() {
                "[" => {
                    self.advance();
                    let idx = self.expr()?;
                    self.expect("]")?;
                    let a = if is_vector(&e.ty) {
                        // A vector subscript addresses its element array.
                        let elem = e.ty.base().cloned().unwrap_or_else(CType::int);
                        let at = CType::ptr_to(e.ty.clone());
                        let addr = Expr::new(ExprKind::AddrOf(Box::new(e)), at, t.loc);
                        Expr::new(ExprKind::Cast(Box::new(addr)), CType::ptr_to(elem), t.loc)
                    } else {
                        self.decay(e)
                    };
                    let i = self.decay(idx);
                    let sum = self.build_add(a, i, t.loc)?;
                    e = self.build_deref(sum, t.loc)?;
                }
                "(" => {
                    self.advance();
                    let cloc = e.loc;
                    e = self.call(e, cloc)?;
                }
                "." => {
                    self.advance();
                    let (name, _) = self.expect_ident()?;
                    e = self.member(e, name, t.loc)?;
                }
                "->" => {
                    self.advance();
                    let (name, _) = self.expect_ident()?;
                    let d = self.build_deref(e, t.loc)?;
                    e = self.member(d, name, t.loc)?;
                }
                "++" | "--" => {
                    self.advance();
                    e = self.build_incdec(e, t.text.as_str() == "++", false, t.loc)?;
                }
                _ => return Ok(e),
            }
        }
    }

    pub(super) fn member(&mut self, base: Expr, name: Sym, loc: Loc) -> PResult<Expr> {
        let rid = match base.ty.kind {
            Kind::Record(r) => r,
            _ => return Err(self.error_at(loc, format!("request for member '{name}' in something not a structure or union"))),
        };
        if !self.tables.record(rid).complete {
            return Err(self.error_at(loc, "invalid use of incomplete type"));
        }
        let path = self.find_member(rid, name).ok_or_else(|| self.error_at(loc, format!("no member named '{name}'")))?;
        let quals = base.ty.quals;
        let mut e = base;
        for (r, i) in path {
            let mut fty = self.tables.record(r).fields[i].ty.clone();
            fty.quals |= quals & (Q_CONST | Q_VOLATILE);
            e = Expr::new(ExprKind::Member { base: Box::new(e), record: r, field: i }, fty, loc);
        }
        Ok(e)
    }

    fn call(&mut self, callee: Expr, loc: Loc) -> PResult<Expr> {
        // A direct call of a nested function needs no trampoline.
        let callee = if callee.ty.is_func() { function_pointer(callee) } else { self.decay(callee) };
        let fty = match callee.ty.func() {
            Some(f) => f.clone(),
            None => return Err(self.error_at(loc, "called object is not a function or function pointer")),
        };
        let mut args = Vec::new();
        let mut i = 0;
        while !self.is_punct(")") {
            let a = self.assign_expr()?;
            let a = if i < fty.params.len() && !fty.unprototyped {
                let pt = fty.params[i].ty.clone();
                self.assign_convert(a, &pt, a_loc(&self.toks, self.pos))?
            } else {
                let a = self.decay(a);
                if a.ty.is_record() || a.ty.is_complex() {
                    a
                } else {
                    let t = self.default_promoted(&a.ty);
                    self.convert(a, t)
                }
            };
            args.push(a);
            i += 1;
            if !self.eat(",") {
                break;
            }
        }
        self.expect(")")?;
        if !fty.unprototyped && (args.len() < fty.params.len() || (args.len() > fty.params.len() && !fty.variadic)) {
            let which = if args.len() < fty.params.len() { "few" } else { "many" };
            return Err(self.error_at(loc, format!("too {which} arguments to function")));
        }
        let ret = fty.ret.clone();
        // GCC expands some library functions inline even when called by
        // their plain names (without -fno-builtin).
        if let Some(name) = direct_callee_name(&callee) {
            let inline = matches!(name, "abs" | "labs" | "llabs" | "imaxabs") && args.len() == 1 && ret.is_integer() && args[0].ty.is_integer();
            let inline_f = matches!(name, "fabs" | "fabsf" | "fabsl") && args.len() == 1 && ret.is_float();
            if name == "alloca" && args.len() == 1 {
                // glibc has no alloca symbol: it is always GCC's builtin.
                let a = args.into_iter().next().expect("one argument");
                let a = self.convert(a, CType::ulong());
                return Ok(Expr::new(ExprKind::Builtin { name: Sym::intern("alloca"), args: vec![a] }, CType::ptr_to(CType::void()), loc));
            }
            if inline || inline_f {
                let bname = if inline { "abs" } else { "fabs" };
                let a = args.into_iter().next().expect("one argument");
                let a = self.convert(a, ret.clone());
                return Ok(Expr::new(ExprKind::Builtin { name: Sym::intern(bname), args: vec![a] }, ret, loc));
            }
        }
        Ok(Expr::new(ExprKind::Call { callee: Box::new(callee), args }, ret, loc))
    }

    fn primary_expr(&mut self) -> PResult<Expr> {
        let t = *self.peek();
        let loc = t.loc;
        match t.kind {
            TokenKind::Number => {
                self.advance();
                self.number_literal(t)
            }
            TokenKind::Char => {
                self.advance();
                self.char_literal(t)
            }
            TokenKind::Str => {
                let e = self.string_literal()?;
                Ok(e)
            }
            TokenKind::Punct if t.text.as_str() == "(" => {
                self.advance();
                if self.is_punct("{") {
                    // GNU statement expression.
                    if !self.in_function() {
                        return Err(self.error_at(loc, "braced-group within expression allowed only inside a function"));
                    }
                    let body = self.compound_stmt()?;
                    self.expect(")")?;
                    let ty = stmt_expr_type(&body);
                    return Ok(Expr::new(ExprKind::StmtExpr(Box::new(body)), ty, loc));
                }
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            TokenKind::Ident => {
                match self.keyword() {
                    Some(Kw::Generic) => return self.generic_selection(),
                    Some(Kw::BuiltinOffsetof) => return self.offsetof(),
                    Some(Kw::BuiltinVaArg) => {
                        self.advance();
                        self.expect("(")?;
                        let ap = self.assign_expr()?;
                        self.expect(",")?;
                        let ty = self.type_name()?;
                        self.expect(")")?;
                        let ap = self.va_list_ptr(ap)?;
                        return Ok(Expr::new(ExprKind::VaArg(Box::new(ap)), ty, loc));
                    }
                    Some(Kw::BuiltinTypesCompatible) => {
                        self.advance();
                        self.expect("(")?;
                        let a = self.type_name()?;
                        self.expect(",")?;
                        let b = self.type_name()?;
                        self.expect(")")?;
                        let v = same_type_unqual(&a, &b, &self.tables) as i128;
                        return Ok(self.int_lit(v, CType::int(), loc));
                    }
                    Some(Kw::BuiltinChooseExpr) => {
                        self.advance();
                        self.expect("(")?;
                        let c = self.const_expr()?;
                        self.expect(",")?;
                        let a = self.assign_expr()?;
                        self.expect(",")?;
                        let b = self.assign_expr()?;
                        self.expect(")")?;
                        return Ok(if c != 0 { a } else { b });
                    }
                    Some(_) => return Err(self.error_at(loc, format!("expected expression before '{}'", t.text))),
                    None => {}
                }
                self.advance();
                let name = t.text;
                if let Some(b) = self.lookup_var(name) {
                    return match b {
                        Binding::Var { var, ty } => Ok(Expr::new(ExprKind::Var(var), ty, loc)),
                        Binding::EnumConst { value, ty } => Ok(Expr::new(ExprKind::Int(value), ty, loc)),
                        Binding::Typedef(_) => Err(self.error_at(loc, format!("expected expression before '{name}'"))),
                    };
                }
                if let Some((ty, reg)) = self.register_vars.get(&name).cloned() {
                    return self.register_value(name, ty, reg, loc);
                }
                let s = name.as_str();
                if s == "__func__" || s == "__FUNCTION__" || s == "__PRETTY_FUNCTION__" {
                    return self.func_name(loc);
                }
                if s.starts_with("__builtin_") || s.starts_with("__sync_") || s.starts_with("__atomic_") {
                    if self.is_punct("(") {
                        return self.builtin_call(name, loc);
                    }
                }
                if self.is_punct("(") {
                    // Implicit declaration: `int name()`.
                    self.warn_at(loc, format!("implicit declaration of function '{name}'"));
                    // Like GCC, a library function implicitly declared gets
                    // its builtin prototype (`malloc` returns a pointer).
                    let ty = match super::builtins::libc_prototype(name.as_str()) {
                        Some((ret, params, variadic)) => {
                            let ft = FuncType { ret: self.proto_type(ret), params: params.iter().map(|p| Param { name: None, ty: self.proto_type(p) }).collect(), variadic, unprototyped: false };
                            CType::new(Kind::Func(Rc::new(ft)))
                        }
                        None => CType::new(Kind::Func(Rc::new(FuncType { ret: CType::int(), params: Vec::new(), variadic: false, unprototyped: true }))),
                    };
                    if !self.globals.contains_key(&name) {
                        self.globals.insert(name, GlobalInfo { ty: ty.clone(), is_static: false, defined: false, index: None });
                        self.implicit_fns.insert(name);
                    }
                    // Visible at file scope from here on, as in C89.
                    self.scopes[0].names.insert(name, Binding::Var { var: VarRef::Global(name), ty: ty.clone() });
                    return Ok(Expr::new(ExprKind::Var(VarRef::Global(name)), ty, loc));
                }
                Err(self.error_at(loc, format!("'{name}' undeclared")))
            }
            _ => Err(self.error_at(loc, format!("expected expression before {}", describe(&t)))),
        }
    }

    /// `__func__`: a static char array holding the function's name.
    fn func_name(&mut self, loc: Loc) -> PResult<Expr> {
        let fname = self.func.as_ref().and_then(|f| f.name).map(|s| s.as_str()).unwrap_or("").to_string();
        let existing = self.func.as_ref().and_then(|f| f.func_name_var);
        let len = fname.len() as u64 + 1;
        let ty = CType::array_of(CType::char(self.char_signed()).with_quals(Q_CONST), Some(len));
        let gname = match existing {
            Some(g) => g,
            None => {
                let g = self.fresh_name(&format!("__func__.{fname}"));
                let sexpr = Expr::new(ExprKind::Str(fname.into_bytes()), ty.clone(), loc);
                let init = Initializer { size: len, items: vec![InitItem { offset: 0, bitfield: None, expr: sexpr }], whole: None };
                self.items.push(TopLevel::Global(GlobalVar { name: g, ty: ty.clone(), align: 1, init: Some(init), is_static: true, is_extern: false, thread_local: false, tentative: false, attrs: DeclAttrs::default() }));
                if let Some(f) = self.func.as_mut() {
                    f.func_name_var = Some(g);
                }
                g
            }
        };
        Ok(Expr::new(ExprKind::Var(VarRef::Global(gname)), ty, loc))
    }

    fn generic_selection(&mut self) -> PResult<Expr> {
        let loc = self.advance().loc;
        self.expect("(")?;
        let ctrl = self.assign_expr()?;
        let ctrl = self.decay(ctrl);
        let cty = ctrl.ty.unqual();
        let mut chosen = None;
        let mut default = None;
        while self.eat(",") {
            if self.eat_kw(Kw::Default) {
                self.expect(":")?;
                default = Some(self.assign_expr()?);
                continue;
            }
            let t = self.type_name()?;
            self.expect(":")?;
            let e = self.assign_expr()?;
            if chosen.is_none() && same_type_unqual(&t, &cty, &self.tables) && t.quals == 0 {
                chosen = Some(e);
            }
        }
        self.expect(")")?;
        chosen.or(default).ok_or_else(|| self.error_at(loc, "'_Generic' selector of type matches no association"))
    }

    fn offsetof(&mut self) -> PResult<Expr> {
        let loc = self.advance().loc;
        self.expect("(")?;
        let ty = self.type_name()?;
        self.expect(",")?;
        let mut cur = ty;
        let mut offset: i128 = 0;
        let mut dynamic: Option<Expr> = None;
        loop {
            let (name, nloc) = self.expect_ident()?;
            let rid = match cur.kind {
                Kind::Record(r) => r,
                _ => return Err(self.error_at(nloc, "offsetof of a non-struct type")),
            };
            let path = self.find_member(rid, name).ok_or_else(|| self.error_at(nloc, format!("no member named '{name}'")))?;
            for (r, i) in path {
                let f = self.tables.record(r).fields[i].clone();
                offset += f.offset as i128;
                cur = f.ty;
            }
            loop {
                if self.eat("[") {
                    let idx = self.expr()?;
                    self.expect("]")?;
                    let elem = cur.base().cloned().ok_or_else(|| self.error_at(nloc, "subscripted value is not an array"))?;
                    let esize = self.layout().size(&elem) as i128;
                    match self.try_const_int(&idx) {
                        Some(i) => offset += i * esize,
                        None => {
                            // GNU: a non-constant index makes a runtime offset.
                            let i = self.convert(idx, CType::ulong());
                            let sz = self.int_lit(esize, CType::ulong(), nloc);
                            let term = Expr::new(ExprKind::Binary(BinOp::Mul, Box::new(i), Box::new(sz)), CType::ulong(), nloc);
                            dynamic = Some(match dynamic.take() {
                                None => term,
                                Some(d) => Expr::new(ExprKind::Binary(BinOp::Add, Box::new(d), Box::new(term)), CType::ulong(), nloc),
                            });
                        }
                    }
                    cur = elem;
                } else {
                    break;
                }
            }
            if !self.eat(".") {
                break;
            }
        }
        self.expect(")")?;
        let konst = self.int_lit(offset, CType::ulong(), loc);
        Ok(match dynamic {
            None => konst,
            Some(d) => Expr::new(ExprKind::Binary(BinOp::Add, Box::new(konst), Box::new(d)), CType::ulong(), loc),
        })
    }

    /// The address of a `va_list` object for va_* builtins.
    pub(super) fn va_list_ptr(&mut self, ap: Expr) -> PResult<Expr> {
        let loc = ap.loc;
        match self.target.va_list {
            ccc_ir::VaListKind::X86_64Array => {
                // An array: decays to a pointer to its first byte (or is
                // already a pointer when it was a parameter).
                Ok(self.decay(ap))
            }
            _ => self.build_addr_of(ap, loc),
        }
    }

    /// Build a complex value from real and imaginary parts.
    pub(super) fn build_complex(&mut self, re: Expr, im: Expr, kind: FloatKind) -> Expr {
        let loc = re.loc;
        let ft = CType::new(Kind::Float(kind));
        let re = self.convert(re, ft.clone());
        let im = self.convert(im, ft);
        Expr::new(ExprKind::Builtin { name: Sym::intern("__ccc_complex"), args: vec![re, im] }, CType::new(Kind::Complex(kind)), loc)
    }
}

/// The symbol a call goes to directly, if it is a plain function name.
fn direct_callee_name(callee: &Expr) -> Option<&'static str> {
    let inner = match &callee.kind {
        ExprKind::AddrOf(inner) => inner,
        _ => callee,
    };
    match &inner.kind {
        ExprKind::Var(VarRef::Global(n)) if inner.ty.is_func() => Some(n.as_str()),
        _ => None,
    }
}

pub fn is_vector(t: &CType) -> bool {
    matches!(t.kind, Kind::Vector { .. })
}

/// Round a constant to the precision of float type `ty`.
fn round_to(f: f64, ty: &CType) -> f64 {
    match ty.kind {
        Kind::Float(FloatKind::Float) => f as f32 as f64,
        _ => f,
    }
}

fn a_loc(toks: &[Token], pos: usize) -> Loc {
    toks[pos.min(toks.len() - 1)].loc
}

fn binop_prec(op: &str) -> Option<u8> {
    crate::token::binary_precedence(op)
}

pub fn is_null_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(0) => e.ty.is_integer(),
        ExprKind::Cast(inner) => (e.ty.is_integer() || e.ty.base().map(|b| b.is_void()).unwrap_or(false)) && is_null_constant(inner),
        _ => false,
    }
}

/// The type of a statement expression: that of its last expression statement.
fn stmt_expr_type(body: &Stmt) -> CType {
    if let Stmt::Block(stmts) = body {
        let mut last = stmts.last();
        while let Some(Stmt::Label(_, s)) = last {
            last = Some(&**s);
        }
        if let Some(Stmt::Expr(e)) = last {
            let t = e.ty.clone();
            return match &t.kind {
                Kind::Array { elem, .. } => CType::ptr_to((**elem).clone()),
                _ => t.unqual(),
            };
        }
    }
    CType::void()
}

/// Type compatibility ignoring top-level qualifiers (good enough for
/// `__builtin_types_compatible_p`, `_Generic` and conversions).
pub fn same_type_unqual(a: &CType, b: &CType, tt: &TypeTables) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Void, Kind::Void) => true,
        (Kind::Int { kind: k1, signed: s1 }, Kind::Int { kind: k2, signed: s2 }) => k1 == k2 && s1 == s2,
        (Kind::Enum(e1), Kind::Enum(e2)) => e1 == e2,
        (Kind::Enum(_), Kind::Int { .. }) | (Kind::Int { .. }, Kind::Enum(_)) => false,
        (Kind::Float(x), Kind::Float(y)) | (Kind::Complex(x), Kind::Complex(y)) => x == y,
        (Kind::Ptr(x), Kind::Ptr(y)) => x.quals == y.quals && same_type_unqual(x, y, tt),
        (Kind::Array { elem: e1, len: l1 }, Kind::Array { elem: e2, len: l2 }) => same_type_unqual(e1, e2, tt) && (l1 == l2 || l1.is_none() || l2.is_none()),
        (Kind::Record(r1), Kind::Record(r2)) => r1 == r2,
        (Kind::Func(f1), Kind::Func(f2)) => {
            same_type_unqual(&f1.ret, &f2.ret, tt)
                && (f1.unprototyped || f2.unprototyped || (f1.params.len() == f2.params.len() && f1.variadic == f2.variadic && f1.params.iter().zip(&f2.params).all(|(p, q)| same_type_unqual(&p.ty, &q.ty, tt))))
        }
        (Kind::Vector { elem: e1, size: s1 }, Kind::Vector { elem: e2, size: s2 }) => s1 == s2 && same_type_unqual(e1, e2, tt),
        _ => false,
    }
}

/// Function-to-pointer conversion.
pub(super) fn function_pointer(e: Expr) -> Expr {
    let ty = CType::ptr_to(e.ty.clone());
    let loc = e.loc;
    Expr::new(ExprKind::AddrOf(Box::new(e)), ty, loc)
}
