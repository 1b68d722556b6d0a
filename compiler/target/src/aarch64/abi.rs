//! AAPCS64 calling convention (Linux): where each argument and return
//! value lives. x0-x7 and v0-v7 hold arguments; homogeneous floating-point
//! aggregates (HFAs, up to four members of one FP type) go to consecutive
//! v registers; 16-byte-aligned values start at an even x register; other
//! aggregates above 16 bytes travel by reference, and an indirect result's
//! address is passed in x8. Variadic arguments follow the same rules.

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
/// words of aggregates are I64; F128 is a whole q register) and its byte
/// offset inside the value.
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

impl ArgState {
    fn stack_slot(&mut self, size: u64, align: u64) -> i64 {
        let a = align.clamp(8, 16) as i64;
        self.stack = (self.stack + a - 1) / a * a;
        let o = self.stack;
        self.stack += (size.max(1) as i64 + 7) / 8 * 8;
        o
    }

    /// `words` consecutive general registers (from an even one when
    /// `even`), or the stack when they do not all fit.
    fn int_words(&mut self, size: u64, align: u64, words: u64) -> Vec<Piece> {
        if align >= 16 && self.gpr % 2 == 1 {
            self.gpr += 1;
        }
        if self.gpr + words as usize > 8 {
            self.gpr = 8;
            let o = self.stack_slot(size, align);
            return (0..words).map(|w| Piece { loc: Loc::Stack(o + 8 * w as i64), ty: Type::I64, offset: 8 * w }).collect();
        }
        let v = (0..words).map(|w| Piece { loc: Loc::Reg(ARG_GPRS[self.gpr + w as usize]), ty: Type::I64, offset: 8 * w }).collect();
        self.gpr += words as usize;
        v
    }

    fn one_gpr(&mut self, ty: Type) -> Piece {
        if self.gpr < 8 {
            self.gpr += 1;
            return Piece { loc: Loc::Reg(ARG_GPRS[self.gpr - 1]), ty, offset: 0 };
        }
        Piece { loc: Loc::Stack(self.stack_slot(8, 8)), ty, offset: 0 }
    }

    /// `n` consecutive v registers holding members of type `t`, or the stack.
    fn fp_regs(&mut self, t: Type, n: usize, size: u64, align: u64) -> Option<Vec<Piece>> {
        let sz = t.size() as u64;
        if self.fpr + n <= 8 {
            let v = (0..n).map(|i| Piece { loc: Loc::Reg(ARG_FPRS[self.fpr + i]), ty: t, offset: sz * i as u64 }).collect();
            self.fpr += n;
            return Some(v);
        }
        self.fpr = 8;
        let _ = (size, align);
        None
    }

    pub fn classify(&mut self, t: &AbiType, _named: bool) -> ArgInfo {
        let plain = |pieces| ArgInfo { pieces, by_ref: false };
        match t {
            AbiType::Scalar(ty @ (Type::F32 | Type::F64 | Type::F128)) => {
                let sz = ty.size() as u64;
                match self.fp_regs(*ty, 1, sz, sz) {
                    Some(v) => plain(v),
                    None => plain(vec![Piece { loc: Loc::Stack(self.stack_slot(sz, sz)), ty: *ty, offset: 0 }]),
                }
            }
            AbiType::Scalar(Type::I128 | Type::F80) => plain(self.int_words(16, 16, 2)),
            AbiType::Scalar(ty) => plain(vec![self.one_gpr(*ty)]),
            AbiType::Aggregate(l) => {
                if let Some((et, n)) = hfa(l) {
                    if let Some(v) = self.fp_regs(et, n, l.size, l.align as u64) {
                        return plain(v);
                    }
                    let o = self.stack_slot(l.size, (l.align as u64).max(8));
                    let words = l.size.div_ceil(8);
                    return plain((0..words).map(|w| Piece { loc: Loc::Stack(o + 8 * w as i64), ty: Type::I64, offset: 8 * w }).collect());
                }
                if l.force_memory || l.size > 16 {
                    return ArgInfo { pieces: vec![self.one_gpr(Type::Ptr)], by_ref: true };
                }
                if l.size == 0 {
                    return plain(Vec::new());
                }
                plain(self.int_words(l.size, l.align as u64, l.size.div_ceil(8)))
            }
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
    let info = st.classify(t, true);
    if st.stack > 0 || info.by_ref {
        return None;
    }
    Some(info)
}
