//! `__builtin_object_size` for the objects the front end can see: an address of a
//! declared object, of a member, of an element, or a string literal. GCC folds these
//! at every level, and code relies on it: the kernel's `memtostr_pad()` asserts at
//! compile time that the destination member's size is a constant. Anything else is
//! unknown (`(size_t)-1` for types 0/1, 0 for types 2/3), as GCC says when it cannot
//! see the object.

use crate::ast::{BinOp, Expr, ExprKind, VarRef};
use crate::types::{CType, Kind, Layout};

/// Bytes from pointer `p` to the end of its object (types 0/2), or of the closest
/// enclosing subobject (`subobject`: types 1/3); None when not statically known.
pub(super) fn of_pointer(l: &Layout, p: &Expr, subobject: bool) -> Option<u64> {
    match &p.kind {
        ExprKind::AddrOf(lv) => of_lvalue(l, lv, subobject),
        ExprKind::Cast(inner) if inner.ty.is_ptr() => of_pointer(l, inner, subobject),
        // Pointer arithmetic has the integer already scaled to bytes.
        ExprKind::Binary(BinOp::Add, a, b) => {
            let (ptr, off) = if a.ty.is_ptr() { (a, b) } else { (b, a) };
            let off = u64::try_from(constant(off)?).ok()?;
            of_pointer(l, ptr, subobject)?.checked_sub(off)
        }
        _ => None,
    }
}

fn of_lvalue(l: &Layout, e: &Expr, subobject: bool) -> Option<u64> {
    match &e.kind {
        ExprKind::Var(VarRef::Local(_) | VarRef::Global(_)) | ExprKind::Str(_) | ExprKind::CompoundLit { .. } => {
            complete_size(l, &e.ty)
        }
        ExprKind::Member { base, record, field } => {
            let r = l.tables.record(*record);
            let f = r.fields.get(*field)?;
            if !subobject {
                return of_lvalue(l, base, false)?.checked_sub(f.offset);
            }
            // A trailing array reached through a pointer may be a flexible array in
            // disguise (GCC 12 treats every such array so): unknown.
            let last = *field + 1 == r.fields.len() && !r.is_union;
            if last && matches!(f.ty.kind, Kind::Array { .. }) && through_pointer(base) {
                return None;
            }
            complete_size(l, &f.ty)
        }
        ExprKind::Deref(p) => of_pointer(l, p, subobject),
        _ => None,
    }
}

/// Whether the lvalue `e` is reached through a pointer dereference.
fn through_pointer(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Deref(_) => true,
        ExprKind::Member { base, .. } => through_pointer(base),
        _ => false,
    }
}

fn complete_size(l: &Layout, ty: &CType) -> Option<u64> {
    match &ty.kind {
        Kind::Array { len: None, .. } | Kind::Vla { .. } | Kind::Void | Kind::Func(_) => None,
        Kind::Record(r) if !l.tables.record(*r).complete => None,
        _ => Some(l.size(ty)),
    }
}

fn constant(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Int(v) => Some(*v),
        ExprKind::Cast(inner) => constant(inner),
        _ => None,
    }
}
