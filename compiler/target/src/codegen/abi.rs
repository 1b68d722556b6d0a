//! Argument-passing data shared by the targets' calling conventions: each
//! target's `abi` module classifies values into [`Piece`]s with its own
//! rules; the call lowering of every target walks the same shapes.

use ccc_ir::Type;

use super::mir::Reg;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Reg(Reg),
    /// Byte offset in the outgoing (incoming) argument area.
    Stack(i64),
}

/// One register-sized piece of a value: where it goes, its type (integer
/// words of aggregates are I64) and its byte offset inside the value.
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

impl ArgInfo {
    pub fn plain(pieces: Vec<Piece>) -> ArgInfo {
        ArgInfo { pieces, by_ref: false }
    }

    /// The registers the pieces occupy (a call's defined result registers).
    pub fn regs(&self) -> Vec<Reg> {
        self.pieces.iter().filter_map(|p| if let Loc::Reg(r) = p.loc { Some(r) } else { None }).collect()
    }
}

/// Registers and stack bytes used so far by the arguments of one call.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArgState {
    pub gpr: usize,
    pub fpr: usize,
    pub stack: i64,
}

impl ArgState {
    /// The next stack slot for `size` bytes aligned to `align` (8 to 16);
    /// slots take whole 8-byte words. Returns its offset.
    pub fn stack_slot(&mut self, size: u64, align: u64) -> i64 {
        let a = align.clamp(8, 16) as i64;
        self.stack = (self.stack + a - 1) / a * a;
        let o = self.stack;
        self.stack += (size.max(1) as i64 + 7) / 8 * 8;
        o
    }

    /// `words` 8-byte stack pieces starting at a new slot.
    pub fn stack_words(&mut self, size: u64, align: u64) -> Vec<Piece> {
        let o = self.stack_slot(size, align);
        (0..size.div_ceil(8).max(1)).map(|w| Piece { loc: Loc::Stack(o + 8 * w as i64), ty: Type::I64, offset: 8 * w }).collect()
    }

    /// The next register of `regs` (counted by `gpr`), or a stack word.
    pub fn next_gpr(&mut self, regs: &[Reg], ty: Type) -> Piece {
        if let Some(&r) = regs.get(self.gpr) {
            self.gpr += 1;
            return Piece { loc: Loc::Reg(r), ty, offset: 0 };
        }
        Piece { loc: Loc::Stack(self.stack_slot(8, 8)), ty, offset: 0 }
    }
}
