//! What of an IR block a target lowers, and small facts about IR types
//! every target's instruction selection uses.

use ccc_ir::{Inst, InstKind, IntCC, Type};

/// The instructions of a block to select code for. The `unreachable` that the
/// front end puts after a call to a `noreturn` function produces nothing, as
/// with GCC (the kernel's objtool rejects any instruction there).
pub fn lowered_insts(insts: &[Inst]) -> impl Iterator<Item = &Inst> {
    insts.iter().enumerate().filter(move |(i, inst)| {
        !(matches!(inst.kind, InstKind::Unreachable) && *i > 0 && matches!(insts[i - 1].kind, InstKind::Call { .. }))
    }).map(|(_, inst)| inst)
}

/// Bytes of a value of `t` in registers (pointers and wider are 8; 128-bit values 16).
pub fn int_sz(t: Type) -> u8 {
    match t {
        Type::I8 => 1,
        Type::I16 => 2,
        Type::I32 | Type::F32 => 4,
        Type::I128 | Type::F128 => 16,
        _ => 8,
    }
}

/// Sign-extend the low `bits` of `v`.
pub fn sext(v: i128, bits: u32) -> i128 {
    if bits >= 128 {
        v
    } else {
        (v << (128 - bits)) >> (128 - bits)
    }
}

pub fn is_signed_cc(cc: IntCC) -> bool {
    matches!(cc, IntCC::Slt | IntCC::Sle | IntCC::Sgt | IntCC::Sge)
}
