//! LP64D calling convention: where each argument and return value lives
//! (integer and FP argument registers, the psABI's flattening of small
//! structs into FP registers, aligned register pairs for variadic 2*XLEN
//! values, by-reference passing of large aggregates).

use ccc_ir::{AbiType, AggLayout, Type};

use super::inst::{ARG_FPRS, ARG_GPRS};

pub use crate::codegen::abi::{ArgInfo, ArgState, Loc, Piece};

fn is_fp(t: Type) -> bool {
    matches!(t, Type::F32 | Type::F64)
}

/// The psABI's FP calling convention for small structs: one or two FP
/// fields, or one FP and one integer field (no overlap, as in a union).
pub fn flatten(l: &AggLayout) -> Option<Vec<(u64, Type)>> {
    if l.force_memory || l.size > 16 || l.leaves.is_empty() || l.leaves.len() > 2 {
        return None;
    }
    let fp = l.leaves.iter().filter(|(_, t)| is_fp(*t)).count();
    if fp == 0 || l.leaves.iter().any(|(_, t)| !is_fp(*t) && (!t.is_int() || t.size() > 8)) {
        return None;
    }
    if l.leaves.len() == 2 {
        let (a, b) = (l.leaves[0], l.leaves[1]);
        if a.0 + a.1.size() as u64 > b.0 {
            return None;
        }
    }
    Some(l.leaves.clone())
}

/// Integer convention for `size` bytes: one or two GPRs, split onto the
/// stack when only one is left.
fn int_words(st: &mut ArgState, size: u64, align: u64, named: bool) -> Vec<Piece> {
    let words = size.div_ceil(8).max(1);
    if words == 2 && align == 16 && !named && st.gpr % 2 == 1 && st.gpr < 8 {
        st.gpr += 1;
    }
    if st.gpr >= 8 {
        return st.stack_words(size, align);
    }
    (0..words).map(|w| Piece { offset: 8 * w, ..st.next_gpr(&ARG_GPRS, Type::I64) }).collect()
}

pub fn classify(st: &mut ArgState, t: &AbiType, named: bool) -> ArgInfo {
    match t {
        AbiType::Scalar(ty @ (Type::F32 | Type::F64)) => {
            if named && st.fpr < 8 {
                st.fpr += 1;
                return ArgInfo::plain(vec![Piece { loc: Loc::Reg(ARG_FPRS[st.fpr - 1]), ty: *ty, offset: 0 }]);
            }
            ArgInfo::plain(vec![st.next_gpr(&ARG_GPRS, *ty)])
        }
        AbiType::Scalar(Type::I128 | Type::F128 | Type::F80) => ArgInfo::plain(int_words(st, 16, 16, named)),
        AbiType::Scalar(ty) => ArgInfo::plain(vec![st.next_gpr(&ARG_GPRS, *ty)]),
        AbiType::Aggregate(l) => {
            if l.force_memory || l.size > 16 {
                return ArgInfo { pieces: vec![st.next_gpr(&ARG_GPRS, Type::Ptr)], by_ref: true };
            }
            if l.size == 0 {
                return ArgInfo::plain(Vec::new());
            }
            if named {
                if let Some(fl) = flatten(l) {
                    let nf = fl.iter().filter(|(_, t)| is_fp(*t)).count();
                    let ni = fl.len() - nf;
                    if st.fpr + nf <= 8 && st.gpr + ni <= 8 {
                        let mut v = Vec::new();
                        for (off, ty) in fl {
                            let r = if is_fp(ty) {
                                st.fpr += 1;
                                ARG_FPRS[st.fpr - 1]
                            } else {
                                st.gpr += 1;
                                ARG_GPRS[st.gpr - 1]
                            };
                            v.push(Piece { loc: Loc::Reg(r), ty, offset: off });
                        }
                        return ArgInfo::plain(v);
                    }
                }
            }
            ArgInfo::plain(int_words(st, l.size, l.align as u64, named))
        }
    }
}

/// Where a return value lives: `None` means memory (the caller passes the
/// address in a0).
pub fn classify_ret(t: &AbiType) -> Option<ArgInfo> {
    if let AbiType::Aggregate(l) = t {
        if l.force_memory || l.size > 16 {
            return None;
        }
    }
    // The return registers a0/a1 and fa0/fa1 follow the argument rules.
    let mut st = ArgState::default();
    let info = classify(&mut st, t, true);
    if st.gpr > 2 || st.fpr > 2 || st.stack > 0 {
        return None;
    }
    Some(info)
}
