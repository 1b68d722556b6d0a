//! Static initializers evaluated to bytes plus relocations.

use super::*;

impl<'a> Parser<'a> {
    /// Evaluate the initializer of a static-storage object.
    pub(super) fn static_data(&mut self, init: &Initializer) -> PResult<StaticData> {
        let mut data = StaticData { bytes: vec![0; init.size as usize], relocs: Vec::new(), labels: Vec::new() };
        if let Some(w) = &init.whole {
            // `static struct S s = (struct S){ ... };` (GNU C; the kernel's static keys).
            self.static_aggregate_copy(&mut data, 0, w)?;
            return Ok(data);
        }
        for item in &init.items {
            self.static_item(&mut data, item.offset, item.bitfield, &item.expr)?;
        }
        Ok(data)
    }

    fn static_item(&mut self, data: &mut StaticData, off: u64, bitfield: Option<(u32, u32, u32)>, e: &Expr) -> PResult<()> {
        if let ExprKind::Str(bytes) = &e.kind {
            if e.ty.is_array() {
                let size = self.layout().size(&e.ty) as usize;
                let n = bytes.len().min(size);
                let end = (off as usize + n).min(data.bytes.len());
                let n = end.saturating_sub(off as usize);
                data.bytes[off as usize..off as usize + n].copy_from_slice(&bytes[..n]);
                return Ok(());
            }
        }
        if e.ty.is_record() || matches!(e.ty.kind, Kind::Vector { .. }) || e.ty.is_array() {
            return self.static_aggregate_copy(data, off, e);
        }
        if e.ty.is_complex() {
            let (re, im) = self.eval_complex(e).ok_or_else(|| self.error_at(e.loc, "initializer element is not constant"))?;
            let k = e.ty.float_kind().unwrap_or(FloatKind::Double);
            let ft = CType::new(Kind::Float(k));
            let fs = self.layout().size(&ft);
            if e.ty.is_complex() && matches!(e.ty.kind, Kind::Complex(_)) {
                self.write_float(data, off, &ft, re);
                self.write_float(data, off + fs, &ft, im);
            }
            return Ok(());
        }
        let v = self.required_const(|p| p.eval_const(e)).ok_or_else(|| self.error_at(e.loc, "initializer element is not constant"))?;
        let size = self.layout().size(&e.ty) as usize;
        match v {
            ConstValue::Int(i) => {
                if let Some((bo, w, su)) = bitfield {
                    let mut unit = read_le(&data.bytes, off as usize, su as usize);
                    let mask: u128 = if w >= 128 { u128::MAX } else { (1u128 << w) - 1 };
                    unit &= !(mask << bo);
                    unit |= ((i as u128) & mask) << bo;
                    write_le(&mut data.bytes, off as usize, su as usize, unit);
                } else if e.ty.is_float() {
                    let f = i as f64;
                    self.write_float(data, off, &e.ty, f);
                } else {
                    write_le(&mut data.bytes, off as usize, size, i as u128);
                }
            }
            ConstValue::Float(f) => {
                if e.ty.is_float() {
                    self.write_float(data, off, &e.ty, f);
                } else {
                    write_le(&mut data.bytes, off as usize, size, f as i128 as u128);
                }
            }
            ConstValue::Addr { sym, offset } => {
                if size != self.target.ptr_size as usize {
                    return Err(self.error_at(e.loc, "initializer element is not computable at load time"));
                }
                data.relocs.push((off, sym, offset));
            }
            ConstValue::Label { label, offset } => {
                let Some(func) = self.cur_static_owner else {
                    return Err(self.error_at(e.loc, "label address outside a function"));
                };
                if size != self.target.ptr_size as usize {
                    return Err(self.error_at(e.loc, "initializer element is not computable at load time"));
                }
                data.labels.push((off, func, label, offset));
            }
        }
        Ok(())
    }

    /// `static struct S s = { .inner = other_const_struct }` is not constant
    /// C, but compound literals are (at file scope, and in a static local's
    /// initialiser: the kernel's `static DEFINE_SPINLOCK(lock);`): copy their data.
    fn static_aggregate_copy(&mut self, data: &mut StaticData, off: u64, e: &Expr) -> PResult<()> {
        if let Some(init) = self.compound_literal_init(e) {
            let sub = self.static_data(&init)?;
            let end = (off as usize + sub.bytes.len()).min(data.bytes.len());
            let n = end - off as usize;
            data.bytes[off as usize..end].copy_from_slice(&sub.bytes[..n]);
            for (o, s, a) in sub.relocs {
                data.relocs.push((o + off, s, a));
            }
            for (o, f, l, a) in sub.labels {
                data.labels.push((o + off, f, l, a));
            }
            return Ok(());
        }
        Err(self.error_at(e.loc, "initializer element is not constant"))
    }

    /// The initialiser of a compound literal `e` names.
    pub(super) fn compound_literal_init(&self, e: &Expr) -> Option<Initializer> {
        match &e.kind {
            ExprKind::CompoundLit { init, .. } => Some((**init).clone()),
            ExprKind::Var(VarRef::Global(name)) if name.as_str().starts_with("__compound_literal") => self.items.iter().find_map(|it| match it {
                TopLevel::Global(g) if g.name == *name => g.init.clone(),
                _ => None,
            }),
            _ => None,
        }
    }

    /// Fold a complex constant expression to (real, imaginary).
    fn eval_complex(&mut self, e: &Expr) -> Option<(f64, f64)> {
        if !e.ty.is_complex() {
            return match self.eval_const(e)? {
                ConstValue::Int(v) => Some((v as f64, 0.0)),
                ConstValue::Float(f) => Some((f, 0.0)),
                _ => None,
            };
        }
        match &e.kind {
            ExprKind::Builtin { name, args } if name.as_str() == "__ccc_complex" => {
                let re = self.eval_complex(&args[0])?.0;
                let im = self.eval_complex(&args[1])?.0;
                Some((re, im))
            }
            ExprKind::Cast(inner) => self.eval_complex(inner),
            ExprKind::Unary(UnOp::Neg, inner) => {
                let (a, b) = self.eval_complex(inner)?;
                Some((-a, -b))
            }
            ExprKind::Unary(UnOp::Conj, inner) => {
                let (a, b) = self.eval_complex(inner)?;
                Some((a, -b))
            }
            ExprKind::Binary(op, l, r) => {
                let (a, b) = self.eval_complex(l)?;
                let (c, d) = self.eval_complex(r)?;
                match op {
                    BinOp::Add => Some((a + c, b + d)),
                    BinOp::Sub => Some((a - c, b - d)),
                    BinOp::Mul => Some((a * c - b * d, a * d + b * c)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn write_float(&self, data: &mut StaticData, off: u64, ty: &CType, f: f64) {
        let off = off as usize;
        match ty.kind {
            Kind::Float(FloatKind::Float) => write_le(&mut data.bytes, off, 4, (f as f32).to_bits() as u128),
            Kind::Float(FloatKind::Double) => write_le(&mut data.bytes, off, 8, f.to_bits() as u128),
            _ => {
                let bits = long_double_bits(f, self.target.long_double);
                let n = if self.target.long_double == ccc_ir::Type::F80 { 10 } else { 16 };
                write_le(&mut data.bytes, off, n, bits);
            }
        }
    }
}

fn read_le(b: &[u8], off: usize, n: usize) -> u128 {
    let mut v = 0u128;
    for i in (0..n).rev() {
        v = (v << 8) | *b.get(off + i).unwrap_or(&0) as u128;
    }
    v
}

fn write_le(b: &mut [u8], off: usize, n: usize, v: u128) {
    for i in 0..n {
        if let Some(x) = b.get_mut(off + i) {
            *x = (v >> (8 * i)) as u8;
        }
    }
}

/// The bit pattern of `f` as x87 extended (F80: mantissa | exp << 64) or
/// IEEE binary128 (F128), exactly (every f64 is representable in both).
pub fn long_double_bits(f: f64, ty: ccc_ir::Type) -> u128 {
    let bits = f.to_bits();
    let sign = (bits >> 63) as u128;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = (bits & ((1u64 << 52) - 1)) as u128;
    let is_f80 = ty == ccc_ir::Type::F80;
    if exp == 0 && frac == 0 {
        return if is_f80 { sign << 79 } else { sign << 127 };
    }
    if exp == 0x7ff {
        // Inf or NaN.
        return if is_f80 {
            (sign << 79) | (0x7fffu128 << 64) | (1u128 << 63) | (frac << 11)
        } else {
            (sign << 127) | (0x7fffu128 << 112) | (frac << 60)
        };
    }
    // Normalise (handles f64 subnormals).
    let (mut e, mut m) = if exp == 0 { (-1022i64, frac) } else { (exp - 1023, frac | (1u128 << 52)) };
    while m & (1u128 << 52) == 0 {
        m <<= 1;
        e -= 1;
    }
    let be = (e + 16383) as u128;
    if is_f80 {
        (sign << 79) | (be << 64) | (m << 11)
    } else {
        (sign << 127) | (be << 112) | ((m & ((1u128 << 52) - 1)) << 60)
    }
}
