//! What of an IR block a target lowers.

use ccc_ir::{Inst, InstKind};

/// The instructions of a block to select code for. The `unreachable` that the
/// front end puts after a call to a `noreturn` function produces nothing, as
/// with GCC (the kernel's objtool rejects any instruction there).
pub fn lowered_insts(insts: &[Inst]) -> impl Iterator<Item = &Inst> {
    insts.iter().enumerate().filter(move |(i, inst)| {
        !(matches!(inst.kind, InstKind::Unreachable) && *i > 0 && matches!(insts[i - 1].kind, InstKind::Call { .. }))
    }).map(|(_, inst)| inst)
}
