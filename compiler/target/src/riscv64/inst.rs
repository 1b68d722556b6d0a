//! RV64GC machine instructions and their register operands (for the
//! generic allocator). Physical registers: x0-x31 are `Reg(0..32)`,
//! f0-f31 are `Reg(32..64)`.

use crate::codegen::mir::{MachInst, OpKind, Reg, RegClass};

pub const ZERO: Reg = Reg(0);
pub const RA: Reg = Reg(1);
pub const SP: Reg = Reg(2);
pub const TP: Reg = Reg(4);
pub const T0: Reg = Reg(5);
/// The static chain of GNU nested functions (GCC: t2).
pub const STATIC_CHAIN_REG: Reg = Reg(7);
pub const FP: Reg = Reg(8);
pub const A0: Reg = Reg(10);
pub const A1: Reg = Reg(11);
/// Reserved for the printer (large offsets); never allocated.
pub const T6: Reg = Reg(31);
pub const fn x(n: u32) -> Reg {
    Reg(n)
}
pub const fn f(n: u32) -> Reg {
    Reg(32 + n)
}
pub const FA0: Reg = f(10);
pub const FA1: Reg = f(11);
pub const NUM_PREGS: usize = 64;

pub const ARG_GPRS: [Reg; 8] = [x(10), x(11), x(12), x(13), x(14), x(15), x(16), x(17)];
pub const ARG_FPRS: [Reg; 8] = [f(10), f(11), f(12), f(13), f(14), f(15), f(16), f(17)];

/// Registers a call may destroy: ra, t0-t6, a0-a7, ft0-ft11, fa0-fa7.
pub static CALL_CLOBBERS: [Reg; 36] = [
    x(1), x(5), x(6), x(7), x(10), x(11), x(12), x(13), x(14), x(15), x(16), x(17), x(28), x(29), x(30), x(31),
    f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), f(10), f(11), f(12), f(13), f(14), f(15), f(16), f(17),
    f(28), f(29), f(30), f(31),
];

pub fn is_fpr(r: Reg) -> bool {
    (32..64).contains(&r.0)
}

pub fn reg_name(r: Reg) -> &'static str {
    const N: [&str; 64] = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3",
        "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6", "ft0", "ft1", "ft2", "ft3", "ft4", "ft5",
        "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5",
        "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
    ];
    N.get(r.0 as usize).copied().unwrap_or("<vreg>")
}

/// Whether `v` fits a 12-bit signed immediate.
pub fn fits12(v: i64) -> bool {
    (-2048..=2047).contains(&v)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Base {
    Reg(Reg),
    /// A frame slot (frame-pointer relative once laid out).
    Slot(u32),
    /// The caller's outgoing-argument area (our incoming stack arguments).
    Incoming,
    /// Our outgoing-argument area at the stack pointer.
    Sp,
    /// Just above the outgoing-argument area (dynamic allocations).
    SpOut,
}

/// `base + off`; the printer materialises offsets beyond 12 bits through t6.
#[derive(Clone, Debug, PartialEq)]
pub struct Mem {
    pub base: Base,
    pub off: i64,
}

impl Mem {
    pub fn reg(r: Reg, off: i64) -> Mem {
        Mem { base: Base::Reg(r), off }
    }
    pub fn slot(s: u32, off: i64) -> Mem {
        Mem { base: Base::Slot(s), off }
    }
    pub fn offset(&self, d: i64) -> Mem {
        Mem { base: self.base.clone(), off: self.off + d }
    }
    fn regs(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        if let Base::Reg(r) = self.base {
            f(r, OpKind::Use)
        }
    }
    fn map(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        if let Base::Reg(r) = &mut self.base {
            *r = f(*r)
        }
    }
}

/// How a symbol's address is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymKind {
    /// `lla`: pc-relative, the symbol binds locally.
    Local,
    /// `la` under `.option pic`: through the GOT.
    Got,
    /// Thread-local, local-exec (`%tprel_*`).
    TlsLe,
    /// Thread-local, initial-exec (`la.tls.ie` + tp).
    TlsIe,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallTarget {
    /// The full operand text (`f`, `f@plt`).
    Sym(String),
    Reg(Reg),
}

/// A template instruction: text with `{N}` placeholders naming register
/// operands. Used for rare multi-instruction sequences (LR/SC loops).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub tmpl: String,
    pub ops: Vec<(Reg, OpKind)>,
    pub clobbers: Vec<Reg>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// Three-register form: `op rd, rs1, rs2`.
    R { op: &'static str, rd: Reg, rs1: Reg, rs2: Reg },
    /// Register-immediate form: `op rd, rs1, imm` (imm fits the encoding).
    I { op: &'static str, rd: Reg, rs1: Reg, imm: i64 },
    /// Two-register form with an optional rounding-mode suffix: `op rd, rs[, rm]`.
    U { op: &'static str, rd: Reg, rs: Reg, rm: &'static str },
    Li { rd: Reg, imm: i64 },
    /// Address of `sym + off`.
    La { rd: Reg, sym: String, off: i64, kind: SymKind },
    /// Address of a memory operand (`addi rd, base, off`).
    AddrOf { rd: Reg, mem: Mem },
    Load { op: &'static str, rd: Reg, mem: Mem },
    Store { op: &'static str, rs: Reg, mem: Mem },
    Mv { rd: Reg, rs: Reg },
    FMv { rd: Reg, rs: Reg },
    /// Conditional branch `op rs1, rs2, target` (beq, bne, blt, bge, bltu, bgeu).
    Br { op: &'static str, rs1: Reg, rs2: Reg, target: u32 },
    J { target: u32 },
    Jr { rs: Reg },
    /// Jump through a table of blocks; `idx` is the 64-bit index, `tmp` a scratch.
    JumpTable { idx: Reg, tmp: Reg, targets: Vec<u32>, id: u32 },
    Call { target: CallTarget, uses: Vec<Reg>, defs: Vec<Reg> },
    Ret { uses: Vec<Reg> },
    Text(Box<Text>),
    InlineAsm(Box<super::asm::AsmInst>),
}

impl MachInst for Inst {
    fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        use Inst::*;
        match self {
            R { rd, rs1, rs2, .. } => {
                f(*rs1, OpKind::Use);
                f(*rs2, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            I { rd, rs1, .. } => {
                f(*rs1, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            U { rd, rs, .. } | Mv { rd, rs } | FMv { rd, rs } => {
                f(*rs, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            Li { rd, .. } | La { rd, .. } => f(*rd, OpKind::Def),
            AddrOf { rd, mem } | Load { rd, mem, .. } => {
                mem.regs(f);
                f(*rd, OpKind::Def)
            }
            Store { rs, mem, .. } => {
                mem.regs(f);
                f(*rs, OpKind::Use)
            }
            Br { rs1, rs2, .. } => {
                f(*rs1, OpKind::Use);
                f(*rs2, OpKind::Use)
            }
            J { .. } => {}
            Jr { rs } => f(*rs, OpKind::Use),
            JumpTable { idx, tmp, .. } => {
                f(*idx, OpKind::Use);
                f(*tmp, OpKind::EarlyDef)
            }
            Call { target, uses, defs } => {
                if let CallTarget::Reg(r) = target {
                    f(*r, OpKind::Use)
                }
                uses.iter().for_each(|r| f(*r, OpKind::Use));
                defs.iter().for_each(|r| f(*r, OpKind::Def));
            }
            Ret { uses } => uses.iter().for_each(|r| f(*r, OpKind::Use)),
            Text(t) => t.ops.iter().for_each(|(r, k)| f(*r, *k)),
            InlineAsm(a) => a.reg_operands(f),
        }
    }

    fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        use Inst::*;
        match self {
            R { rd, rs1, rs2, .. } => {
                *rs1 = f(*rs1);
                *rs2 = f(*rs2);
                *rd = f(*rd)
            }
            I { rd, rs1, .. } => {
                *rs1 = f(*rs1);
                *rd = f(*rd)
            }
            U { rd, rs, .. } | Mv { rd, rs } | FMv { rd, rs } => {
                *rs = f(*rs);
                *rd = f(*rd)
            }
            Li { rd, .. } | La { rd, .. } => *rd = f(*rd),
            AddrOf { rd, mem } | Load { rd, mem, .. } => {
                mem.map(f);
                *rd = f(*rd)
            }
            Store { rs, mem, .. } => {
                mem.map(f);
                *rs = f(*rs)
            }
            Br { rs1, rs2, .. } => {
                *rs1 = f(*rs1);
                *rs2 = f(*rs2)
            }
            J { .. } => {}
            Jr { rs } => *rs = f(*rs),
            JumpTable { idx, tmp, .. } => {
                *idx = f(*idx);
                *tmp = f(*tmp)
            }
            Call { target, uses, defs } => {
                if let CallTarget::Reg(r) = target {
                    *r = f(*r)
                }
                uses.iter_mut().for_each(|r| *r = f(*r));
                defs.iter_mut().for_each(|r| *r = f(*r));
            }
            Ret { uses } => uses.iter_mut().for_each(|r| *r = f(*r)),
            Text(t) => t.ops.iter_mut().for_each(|(r, _)| *r = f(*r)),
            InlineAsm(a) => a.map_regs(f),
        }
    }

    fn clobbers(&self) -> &[Reg] {
        match self {
            Inst::Call { .. } => &CALL_CLOBBERS,
            Inst::Text(t) => &t.clobbers,
            Inst::InlineAsm(a) => &a.clobbers,
            _ => &[],
        }
    }

    fn as_move(&self) -> Option<(Reg, Reg)> {
        match self {
            Inst::Mv { rd, rs } | Inst::FMv { rd, rs } => Some((*rd, *rs)),
            _ => None,
        }
    }

    fn spill_load(slot: u32, dst: Reg, class: RegClass) -> Self {
        let op = if class == RegClass::Float { "fld" } else { "ld" };
        Inst::Load { op, rd: dst, mem: Mem::slot(slot, 0) }
    }

    fn spill_store(slot: u32, src: Reg, class: RegClass) -> Self {
        let op = if class == RegClass::Float { "fsd" } else { "sd" };
        Inst::Store { op, rs: src, mem: Mem::slot(slot, 0) }
    }

    fn make_move(dst: Reg, src: Reg, class: RegClass) -> Self {
        match class {
            RegClass::Int => Inst::Mv { rd: dst, rs: src },
            RegClass::Float => Inst::FMv { rd: dst, rs: src },
        }
    }
}
