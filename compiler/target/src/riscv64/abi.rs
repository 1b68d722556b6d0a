//! LP64D calling convention: where each argument and return value lives
//! (integer and FP argument registers, the psABI's flattening of small
//! structs into FP registers, aligned register pairs for variadic 2*XLEN
//! values, by-reference passing of large aggregates).

use ccc_ir::{AbiType, AggLayout, Type};

use super::inst::{ARG_FPRS, ARG_GPRS};
use crate::codegen::mir::Reg;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Reg(Reg),
    /// Byte offset in the outgoing (incoming) argument area.
    Stack(i64),
}

/// One register-sized piece of a value: where it goes, its type (integer
/// pieces of aggregates are I64) and its byte offset inside the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub loc: Loc,
    pub ty: Type,
    pub offset: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgInfo {
    pub pieces: Vec<Piece>,
    /// The value travels as a pointer to a copy (the single piece holds it).
    pub by_ref: bool,
}

/// Registers and stack bytes used so far by the arguments of one call.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArgState {
    pub gpr: usize,
    pub fpr: usize,
    pub stack: i64,
}

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

impl ArgState {
    fn take_gpr(&mut self) -> Option<Reg> {
        let r = ARG_GPRS.get(self.gpr).copied();
        if r.is_some() {
            self.gpr += 1;
        }
        r
    }

    fn stack_slot(&mut self, size: u64, align: u64) -> Loc {
        let a = align.clamp(8, 16) as i64;
        self.stack = (self.stack + a - 1) / a * a;
        let l = Loc::Stack(self.stack);
        self.stack += (size.max(1) as i64 + 7) / 8 * 8;
        l
    }

    /// Integer convention for `size` bytes: one or two GPRs, split onto the
    /// stack when only one is left.
    fn int_words(&mut self, size: u64, align: u64, named: bool) -> Vec<Piece> {
        let words = size.div_ceil(8).max(1);
        if words == 2 && align == 16 && !named && self.gpr % 2 == 1 && self.gpr < 8 {
            self.gpr += 1;
        }
        if self.gpr >= 8 {
            let loc = self.stack_slot(size, align);
            let Loc::Stack(o) = loc else { return Vec::new() };
            return (0..words).map(|w| Piece { loc: Loc::Stack(o + 8 * w as i64), ty: Type::I64, offset: 8 * w }).collect();
        }
        let mut v = Vec::new();
        for w in 0..words {
            let loc = match self.take_gpr() {
                Some(r) => Loc::Reg(r),
                None => self.stack_slot(8, 8),
            };
            v.push(Piece { loc, ty: Type::I64, offset: 8 * w });
        }
        v
    }

    pub fn classify(&mut self, t: &AbiType, named: bool) -> ArgInfo {
        let plain = |pieces| ArgInfo { pieces, by_ref: false };
        match t {
            AbiType::Scalar(ty @ (Type::F32 | Type::F64)) => {
                if named && self.fpr < 8 {
                    self.fpr += 1;
                    return plain(vec![Piece { loc: Loc::Reg(ARG_FPRS[self.fpr - 1]), ty: *ty, offset: 0 }]);
                }
                let loc = match self.take_gpr() {
                    Some(r) => Loc::Reg(r),
                    None => self.stack_slot(8, 8),
                };
                plain(vec![Piece { loc, ty: *ty, offset: 0 }])
            }
            AbiType::Scalar(Type::I128 | Type::F128 | Type::F80) => plain(self.int_words(16, 16, named)),
            AbiType::Scalar(ty) => {
                let loc = match self.take_gpr() {
                    Some(r) => Loc::Reg(r),
                    None => self.stack_slot(8, 8),
                };
                plain(vec![Piece { loc, ty: *ty, offset: 0 }])
            }
            AbiType::Aggregate(l) => {
                if l.force_memory || l.size > 16 {
                    let loc = match self.take_gpr() {
                        Some(r) => Loc::Reg(r),
                        None => self.stack_slot(8, 8),
                    };
                    return ArgInfo { pieces: vec![Piece { loc, ty: Type::Ptr, offset: 0 }], by_ref: true };
                }
                if l.size == 0 {
                    return plain(Vec::new());
                }
                if named {
                    if let Some(fl) = flatten(l) {
                        let nf = fl.iter().filter(|(_, t)| is_fp(*t)).count();
                        let ni = fl.len() - nf;
                        if self.fpr + nf <= 8 && self.gpr + ni <= 8 {
                            let mut v = Vec::new();
                            for (off, ty) in fl {
                                let r = if is_fp(ty) {
                                    self.fpr += 1;
                                    ARG_FPRS[self.fpr - 1]
                                } else {
                                    self.gpr += 1;
                                    ARG_GPRS[self.gpr - 1]
                                };
                                v.push(Piece { loc: Loc::Reg(r), ty, offset: off });
                            }
                            return plain(v);
                        }
                    }
                }
                plain(self.int_words(l.size, l.align as u64, named))
            }
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
    let info = st.classify(t, true);
    if st.gpr > 2 || st.fpr > 2 || st.stack > 0 {
        return None;
    }
    Some(info)
}
