//! Constant folding and algebraic identities on integer instructions: `x + 0`,
//! `x << 0`, `0 >> x`, `x - x`, `x == x`, constant casts, selects on constants, ...
//! An instruction that folds to a constant becomes an `IConst`; one that folds to an
//! existing value is replaced by it in every use. Floats are left alone (NaN,
//! signed zeros and rounding make most identities wrong for them).

use ccc_ir::{BinOp, CastOp, Function, InstKind, IntCC, Type, UnOp, Value};

/// What an instruction folds to.
enum Folded {
    Const(i128),
    Float(u128),
    Same(Value),
}

/// Returns whether anything changed.
pub fn run(f: &mut Function) -> bool {
    let mut consts: Vec<Option<i128>> = vec![None; f.values.len()];
    let mut floats: Vec<Option<f64>> = vec![None; f.values.len()];
    // Values that are a symbol's address plus a constant.
    let mut symbols: Vec<Option<(String, i64)>> = vec![None; f.values.len()];
    let mut alias: Vec<Option<Value>> = vec![None; f.values.len()];
    // The operand of each bitcast: a bitcast back to that operand's type is the operand.
    let mut bitcast_of: Vec<Option<Value>> = vec![None; f.values.len()];
    let mut changed = false;
    for b in f.layout.clone() {
        for i in 0..f.blocks[b.index()].insts.len() {
            let inst = &mut f.blocks[b.index()].insts[i];
            inst.kind.map_operands(|v| resolve(&alias, v));
            let Some(r) = inst.result else { continue };
            let ty = f.values[r.index()].ty;
            match inst.kind {
                InstKind::IConst { value, .. } => {
                    consts[r.index()] = Some(value);
                    continue;
                }
                InstKind::FConst { ty, bits } => {
                    floats[r.index()] = float_value(ty, bits);
                    continue;
                }
                _ => {}
            }
            if let InstKind::Cast { op: CastOp::Bitcast, arg, .. } = inst.kind {
                match bitcast_of[arg.index()] {
                    Some(orig) if f.values[orig.index()].ty == ty => {
                        alias[r.index()] = Some(orig);
                        consts[r.index()] = consts[orig.index()];
                        changed = true;
                        continue;
                    }
                    _ => bitcast_of[r.index()] = Some(arg),
                }
                // A symbol's address seen as an integer is still that address.
                if ty.bits() == f.values[arg.index()].ty.bits() {
                    symbols[r.index()] = symbols[arg.index()].clone();
                }
            }
            // `&sym + a == &sym + b` is decided by the offsets (the kernel's
            // `BUILD_BUG_ON(fn != icmp6_send)` once `fn` is inlined).
            if let InstKind::Icmp { cc: cc @ (IntCC::Eq | IntCC::Ne), lhs, rhs, .. } = inst.kind {
                if let (Some((a, x)), Some((b, y))) = (&symbols[lhs.index()], &symbols[rhs.index()]) {
                    if a == b {
                        let value = ((x == y) == (cc == IntCC::Eq)) as i128;
                        inst.kind = InstKind::IConst { ty, value };
                        consts[r.index()] = Some(value);
                        changed = true;
                        continue;
                    }
                }
            }
            if let InstKind::IsConstant { arg } = inst.kind {
                if consts[arg.index()].is_some() || floats[arg.index()].is_some() {
                    inst.kind = InstKind::IConst { ty: Type::I32, value: 1 };
                    consts[r.index()] = Some(1);
                    changed = true;
                }
                continue;
            }
            // `&sym + k` is the address `sym+k` (asm "i" operands need it whole).
            match &inst.kind {
                InstKind::GlobalAddr { name, offset } => {
                    symbols[r.index()] = Some((name.clone(), *offset));
                    continue;
                }
                InstKind::Binary { op: op @ (BinOp::Add | BinOp::Sub), ty: Type::Ptr, lhs, rhs } => {
                    if let (Some((name, off)), Some(k)) = (&symbols[lhs.index()], consts[rhs.index()]) {
                        let k = if *op == BinOp::Add { k as i64 } else { (k as i64).wrapping_neg() };
                        let (name, offset) = (name.clone(), off.wrapping_add(k));
                        symbols[r.index()] = Some((name.clone(), offset));
                        inst.kind = InstKind::GlobalAddr { name, offset };
                        changed = true;
                        continue;
                    }
                }
                _ => {}
            }
            let folded = fold(&inst.kind, &consts).or_else(|| fold_float_cast(&inst.kind, &consts, &floats));
            match folded {
                Some(Folded::Const(v)) if ty.is_int() => {
                    let v = wrap(v, ty);
                    inst.kind = InstKind::IConst { ty, value: v };
                    consts[r.index()] = Some(v);
                    changed = true;
                }
                Some(Folded::Float(bits)) => {
                    inst.kind = InstKind::FConst { ty, bits };
                    floats[r.index()] = float_value(ty, bits);
                    changed = true;
                }
                Some(Folded::Same(v)) if f.values[v.index()].ty == ty => {
                    alias[r.index()] = Some(v);
                    consts[r.index()] = consts[v.index()];
                    changed = true;
                }
                _ => {}
            }
        }
    }
    if changed {
        apply_aliases(f, &alias);
    }
    changed
}

/// Replaces every use of an aliased value by what it stands for, also the
/// uses that come before their (replaced) definition in layout order.
pub(crate) fn apply_aliases(f: &mut Function, alias: &[Option<Value>]) {
    for bd in &mut f.blocks {
        for inst in &mut bd.insts {
            inst.kind.map_operands(|v| resolve(alias, v));
        }
    }
}

pub(crate) fn resolve(alias: &[Option<Value>], mut v: Value) -> Value {
    while let Some(Some(r)) = alias.get(v.index()) {
        v = *r;
    }
    v
}

/// The integer value `kind` computes from constant operands, if it does.
pub(crate) fn evaluate(kind: &InstKind, consts: &[Option<i128>]) -> Option<i128> {
    match fold(kind, consts)? {
        Folded::Const(v) => Some(v),
        Folded::Same(v) => consts[v.index()],
        Folded::Float(_) => None,
    }
}

fn fold(kind: &InstKind, consts: &[Option<i128>]) -> Option<Folded> {
    let c = |v: &Value| consts[v.index()];
    match kind {
        InstKind::Binary { op, ty, lhs, rhs } if ty.is_int() || (*ty == Type::Ptr && matches!(op, BinOp::Add | BinOp::Sub)) => {
            // Constant pointers are plain numbers here (symbol addresses are
            // GlobalAddr, never in `consts`): `(void *)0x100 + POISON_DELTA`.
            if let (Some(a), Some(b)) = (c(lhs), c(rhs)) {
                return fold_binary(*op, *ty, a, b).map(Folded::Const);
            }
            binary_identity(*op, *ty, *lhs, *rhs, c(lhs).map(|a| wrap(a, *ty)), c(rhs).map(|b| wrap(b, *ty)))
        }
        InstKind::Unary { op, ty, arg } if ty.is_int() => {
            let a = c(arg)?;
            Some(Folded::Const(match op {
                UnOp::Neg => a.wrapping_neg(),
                UnOp::Not => !a,
                UnOp::Popcount => unsigned(a, *ty).count_ones() as i128,
                // Undefined for 0, as the builtins: left alone.
                UnOp::Clz | UnOp::Ctz if unsigned(a, *ty) == 0 => return None,
                UnOp::Clz => (unsigned(a, *ty).leading_zeros() - (128 - ty.bits())) as i128,
                UnOp::Ctz => unsigned(a, *ty).trailing_zeros() as i128,
                UnOp::Bswap if ty.bits() % 16 == 0 => {
                    let bytes = ty.bits() / 8;
                    (unsigned(a, *ty).swap_bytes() >> (128 - 8 * bytes)) as i128
                }
                _ => return None,
            }))
        }
        InstKind::Icmp { cc, ty, lhs, rhs } => {
            if lhs == rhs {
                return Some(Folded::Const(matches!(cc, IntCC::Eq | IntCC::Sle | IntCC::Sge | IntCC::Ule | IntCC::Uge) as i128));
            }
            let (a, b) = (c(lhs), c(rhs));
            if let (Some(a), Some(b)) = (a, b) {
                return Some(Folded::Const(compare(*cc, *ty, a, b) as i128));
            }
            // Unsigned comparisons against zero.
            match (cc, b.map(|b| unsigned(b, *ty))) {
                (IntCC::Ult, Some(0)) => Some(Folded::Const(0)),
                (IntCC::Uge, Some(0)) => Some(Folded::Const(1)),
                _ => None,
            }
        }
        InstKind::Cast { op, from, to, arg } if from.is_int() && to.is_int() => {
            let a = c(arg)?;
            Some(Folded::Const(match op {
                CastOp::Sext | CastOp::Trunc | CastOp::Bitcast => wrap(a, *from),
                CastOp::Zext => unsigned(a, *from) as i128,
                _ => return None,
            }))
        }
        InstKind::Select { cond, a, b, cond_ty, .. } => {
            if a == b {
                return Some(Folded::Same(*a));
            }
            let k = wrap(c(cond)?, *cond_ty);
            Some(Folded::Same(if k != 0 { *a } else { *b }))
        }
        _ => None,
    }
}

/// The value of an f32/f64 constant (other float formats are not folded).
fn float_value(ty: Type, bits: u128) -> Option<f64> {
    match ty {
        Type::F32 => Some(f64::from(f32::from_bits(bits as u32))),
        Type::F64 => Some(f64::from_bits(bits as u64)),
        _ => None,
    }
}

fn float_bits(ty: Type, v: f64) -> Option<u128> {
    match ty {
        Type::F32 => Some(u128::from((v as f32).to_bits())),
        Type::F64 => Some(u128::from(v.to_bits())),
        _ => None,
    }
}

/// Conversions between integers, f32 and f64 of constants. Float-to-integer only
/// folds when the value is in range (otherwise the result is the target's).
fn fold_float_cast(kind: &InstKind, consts: &[Option<i128>], floats: &[Option<f64>]) -> Option<Folded> {
    let InstKind::Cast { op, from, to, arg } = kind else { return None };
    match op {
        CastOp::FToSI | CastOp::FToUI => {
            let v = floats[arg.index()]?.trunc();
            let bits = to.bits() as i32;
            let (lo, hi) = if *op == CastOp::FToSI { (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1)) } else { (0.0, 2f64.powi(bits)) };
            (v >= lo && v < hi && to.bits() <= 64).then(|| Folded::Const(v as i128))
        }
        // Rounded once, straight from the integer (via f64 could round twice).
        CastOp::SIToF | CastOp::UIToF => {
            let k = consts[arg.index()]?;
            let (as32, as64) = if *op == CastOp::SIToF { let x = wrap(k, *from); (x as f32, x as f64) } else { let x = unsigned(k, *from); (x as f32, x as f64) };
            match to {
                Type::F32 => Some(Folded::Float(u128::from(as32.to_bits()))),
                Type::F64 => Some(Folded::Float(u128::from(as64.to_bits()))),
                _ => None,
            }
        }
        CastOp::FExt | CastOp::FTrunc => Some(Folded::Float(float_bits(*to, floats[arg.index()]?)?)),
        _ => None,
    }
}

/// Identities with one constant operand (already wrapped to `ty`) or equal operands.
fn binary_identity(op: BinOp, ty: Type, lhs: Value, rhs: Value, a: Option<i128>, b: Option<i128>) -> Option<Folded> {
    use Folded::{Const, Same};
    let ones = wrap(-1, ty);
    let same = lhs == rhs;
    Some(match op {
        BinOp::Add | BinOp::Or | BinOp::Xor if b == Some(0) => Same(lhs),
        BinOp::Add | BinOp::Or | BinOp::Xor if a == Some(0) => Same(rhs),
        BinOp::Sub if b == Some(0) => Same(lhs),
        BinOp::Sub | BinOp::Xor if same && ty != Type::Ptr => Const(0),
        BinOp::And | BinOp::Or if same => Same(lhs),
        BinOp::And if a == Some(0) || b == Some(0) => Const(0),
        BinOp::And if b == Some(ones) => Same(lhs),
        BinOp::And if a == Some(ones) => Same(rhs),
        BinOp::Or if a == Some(ones) || b == Some(ones) => Const(ones),
        BinOp::Mul if a == Some(0) || b == Some(0) => Const(0),
        BinOp::Mul if b == Some(1) => Same(lhs),
        BinOp::Mul if a == Some(1) => Same(rhs),
        BinOp::SDiv | BinOp::UDiv if b == Some(1) => Same(lhs),
        BinOp::URem if b == Some(1) => Const(0),
        BinOp::Shl | BinOp::LShr | BinOp::AShr if b.map(|s| unsigned(s, ty) % ty.bits() as u128 == 0).unwrap_or(false) => Same(lhs),
        BinOp::Shl | BinOp::LShr | BinOp::AShr if a == Some(0) => Const(0),
        BinOp::AShr if a == Some(ones) => Const(ones),
        _ => return None,
    })
}

fn compare(cc: IntCC, ty: Type, a: i128, b: i128) -> bool {
    let (sa, sb) = (wrap(a, ty), wrap(b, ty));
    let (ua, ub) = (unsigned(a, ty), unsigned(b, ty));
    match cc {
        IntCC::Eq => ua == ub,
        IntCC::Ne => ua != ub,
        IntCC::Slt => sa < sb,
        IntCC::Sle => sa <= sb,
        IntCC::Sgt => sa > sb,
        IntCC::Sge => sa >= sb,
        IntCC::Ult => ua < ub,
        IntCC::Ule => ua <= ub,
        IntCC::Ugt => ua > ub,
        IntCC::Uge => ua >= ub,
    }
}

/// `v` as a signed value of `ty`'s width.
pub(crate) fn wrap(v: i128, ty: Type) -> i128 {
    let bits = ty.bits();
    if bits >= 128 {
        return v;
    }
    let m = (1i128 << bits) - 1;
    let u = v & m;
    if u >> (bits - 1) & 1 == 1 {
        u - (1i128 << bits)
    } else {
        u
    }
}

/// `v` as an unsigned value of `ty`'s width.
pub(crate) fn unsigned(v: i128, ty: Type) -> u128 {
    let bits = ty.bits();
    if bits >= 128 {
        v as u128
    } else {
        (v as u128) & ((1u128 << bits) - 1)
    }
}

pub(crate) fn fold_binary(op: BinOp, ty: Type, a: i128, b: i128) -> Option<i128> {
    let bits = ty.bits();
    Some(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Shl => {
            let s = unsigned(b, ty) % bits as u128;
            a.wrapping_shl(s as u32)
        }
        BinOp::LShr => {
            let s = unsigned(b, ty) % bits as u128;
            (unsigned(a, ty) >> s) as i128
        }
        BinOp::AShr => {
            let s = unsigned(b, ty) % bits as u128;
            wrap(a, ty) >> s
        }
        BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem => {
            if wrap(b, ty) == 0 {
                return None;
            }
            let (x, y) = (wrap(a, ty), wrap(b, ty));
            match op {
                BinOp::SDiv => x.checked_div(y)?,
                BinOp::SRem => x.checked_rem(y)?,
                BinOp::UDiv => (unsigned(a, ty) / unsigned(b, ty)) as i128,
                _ => (unsigned(a, ty) % unsigned(b, ty)) as i128,
            }
        }
        _ => return None,
    })
}

/// `__builtin_constant_p` of whatever is still not a constant is 0 (the last
/// chance to fold has passed). Returns whether any was decided.
pub fn decide_constant_p(f: &mut Function) -> bool {
    let mut any = false;
    for bd in &mut f.blocks {
        for inst in &mut bd.insts {
            if matches!(inst.kind, InstKind::IsConstant { .. }) {
                inst.kind = InstKind::IConst { ty: Type::I32, value: 0 };
                any = true;
            }
        }
    }
    any
}

/// Whether `f` still has undecided `__builtin_constant_p`s.
pub fn has_constant_p(f: &Function) -> bool {
    f.blocks.iter().any(|b| b.insts.iter().any(|i| matches!(i.kind, InstKind::IsConstant { .. })))
}
