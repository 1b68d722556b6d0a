//! AAPCS64 calling convention (Linux): where each argument and return
//! value lives. x0-x7 and v0-v7 hold arguments; homogeneous floating-point
//! aggregates (HFAs, up to four members of one FP type) go to consecutive
//! v registers; 16-byte-aligned values start at an even x register; other
//! aggregates above 16 bytes travel by reference, and an indirect result's
//! address is passed in x8. Variadic arguments follow the same rules.

use ccc_ir::{AbiType, AggLayout, Type};

use super::inst::{ARG_FPRS, ARG_GPRS};

pub use crate::codegen::abi::{ArgInfo, ArgState, Loc, Piece};

/// The member type and count of a homogeneous floating-point aggregate.
pub fn hfa(l: &AggLayout) -> Option<(Type, usize)> {
    let (_, t) = *l.leaves.first()?;
    if l.force_memory || !matches!(t, Type::F32 | Type::F64 | Type::F128) || l.leaves.len() > 4 {
        return None;
    }
    let sz = t.size() as u64;
    let n = l.leaves.len();
    let packed = l.leaves.iter().enumerate().all(|(i, &(off, lt))| lt == t && off == i as u64 * sz);
    (packed && l.size == n as u64 * sz).then_some((t, n))
}

/// `words` consecutive general registers (from an even one for 16-byte
/// alignment), or the stack when they do not all fit.
fn int_words(st: &mut ArgState, size: u64, align: u64) -> Vec<Piece> {
    let words = size.div_ceil(8).max(1) as usize;
    if align >= 16 && st.gpr % 2 == 1 {
        st.gpr += 1;
    }
    if st.gpr + words > 8 {
        st.gpr = 8;
        return st.stack_words(size, align);
    }
    (0..words).map(|w| Piece { offset: 8 * w as u64, ..st.next_gpr(&ARG_GPRS, Type::I64) }).collect()
}

/// `n` consecutive v registers holding members of type `t`; `None` (and
/// no more v registers for later arguments) when they do not all fit.
fn fp_regs(st: &mut ArgState, t: Type, n: usize) -> Option<Vec<Piece>> {
    if st.fpr + n > 8 {
        st.fpr = 8;
        return None;
    }
    let sz = t.size() as u64;
    let v = (0..n).map(|i| Piece { loc: Loc::Reg(ARG_FPRS[st.fpr + i]), ty: t, offset: sz * i as u64 }).collect();
    st.fpr += n;
    Some(v)
}

/// Variadic arguments follow the same rules as named ones on Linux.
pub fn classify(st: &mut ArgState, t: &AbiType, _named: bool) -> ArgInfo {
    match t {
        AbiType::Scalar(ty @ (Type::F32 | Type::F64 | Type::F128)) => {
            let sz = ty.size() as u64;
            match fp_regs(st, *ty, 1) {
                Some(v) => ArgInfo::plain(v),
                None => ArgInfo::plain(vec![Piece { loc: Loc::Stack(st.stack_slot(sz, sz)), ty: *ty, offset: 0 }]),
            }
        }
        AbiType::Scalar(Type::I128 | Type::F80) => ArgInfo::plain(int_words(st, 16, 16)),
        AbiType::Scalar(ty) => ArgInfo::plain(vec![st.next_gpr(&ARG_GPRS, *ty)]),
        AbiType::Aggregate(l) => {
            if let Some((et, n)) = hfa(l) {
                return ArgInfo::plain(fp_regs(st, et, n).unwrap_or_else(|| st.stack_words(l.size, (l.align as u64).max(8))));
            }
            if l.force_memory || l.size > 16 {
                return ArgInfo { pieces: vec![st.next_gpr(&ARG_GPRS, Type::Ptr)], by_ref: true };
            }
            if l.size == 0 {
                return ArgInfo::plain(Vec::new());
            }
            ArgInfo::plain(int_words(st, l.size, l.align as u64))
        }
    }
}

/// Where a return value lives: `None` means memory (the caller passes the
/// address in x8).
pub fn classify_ret(t: &AbiType) -> Option<ArgInfo> {
    if let AbiType::Aggregate(l) = t {
        if hfa(l).is_none() && (l.force_memory || l.size > 16) {
            return None;
        }
    }
    // x0/x1 and v0-v3 follow the argument rules
    let mut st = ArgState::default();
    let info = classify(&mut st, t, true);
    if st.stack > 0 || info.by_ref {
        return None;
    }
    Some(info)
}
