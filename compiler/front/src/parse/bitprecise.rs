//! GCC's bit-precise types for `long long` bit-fields wider than `int`: the value of
//! `s.f` with `unsigned long long f : 40` has a 40-bit type, so arithmetic on it wraps
//! at 2^40 (C leaves this implementation-defined; the GCC torture suite relies on it).
//! Such values keep their declared C type and are marked with `ExprKind::BitPrecise`.

use super::Parser;
use crate::ast::{Expr, ExprKind};
use crate::types::CType;

impl Parser<'_> {
    /// The precision in bits of a bit-precise value, None for an ordinary one.
    pub(super) fn bit_precision(&self, e: &Expr) -> Option<u32> {
        match &e.kind {
            ExprKind::BitPrecise { bits, .. } => Some(*bits),
            ExprKind::Comma(_, r) => self.bit_precision(r),
            ExprKind::Member { record, field, .. } => {
                let w = self.tables.record(*record).fields[*field].bit_width?;
                let full = self.layout().size(&e.ty) * 8;
                (w > 32 && u64::from(w) < full).then_some(w)
            }
            _ => None,
        }
    }

    /// The usual arithmetic conversions where an operand may be bit-precise, as
    /// GCC's `c_common_type` does them: the greater precision wins, on a tie the
    /// unsigned type. Returns the converted operands, the common C type and, when
    /// the winner is bit-precise, its precision.
    pub(super) fn usual_arith_precise(&mut self, a: Expr, b: Expr) -> (Expr, Expr, CType, Option<u32>) {
        let pa = self.bit_precision(&a);
        let pb = self.bit_precision(&b);
        let a = self.promote(a);
        let b = self.promote(b);
        if (pa.is_none() && pb.is_none()) || !a.ty.is_integer() || !b.ty.is_integer() {
            let t = self.common_type(&a.ty, &b.ty);
            let a = self.convert(a, t.clone());
            let b = self.convert(b, t.clone());
            return (a, b, t, None);
        }
        let width = |p: &Self, e: &Expr, bits: Option<u32>| bits.unwrap_or((p.layout().size(&e.ty) * 8) as u32);
        let (wa, wb) = (width(self, &a, pa), width(self, &b, pb));
        let a_wins = wa > wb || (wa == wb && !a.ty.is_signed(&self.tables));
        let (t, bits) = if a_wins { (a.ty.unqual(), pa) } else { (b.ty.unqual(), pb) };
        let a = self.convert(a, t.clone());
        let b = self.convert(b, t.clone());
        (a, b, t, bits)
    }

    /// `e` reduced to `bits` bits when it is the result of bit-precise arithmetic.
    pub(super) fn reduce_precision(&self, e: Expr, bits: Option<u32>) -> Expr {
        match bits {
            Some(bits) => {
                let (ty, loc) = (e.ty.clone(), e.loc);
                Expr::new(ExprKind::BitPrecise { inner: Box::new(e), bits }, ty, loc)
            }
            None => e,
        }
    }
}
