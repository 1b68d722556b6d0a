//! AArch64 machine instructions and their register operands (for the
//! generic allocator). Physical registers: x0-x30 are `Reg(0..31)`, sp is
//! `Reg(31)`, v0-v31 are `Reg(32..64)` and the zero register is `Reg(64)`.
//! Every register operand is printed at a width ([`W`]) the instruction
//! carries: the same register is `x3` in a 64-bit and `w3` in a 32-bit op.

use crate::codegen::mir::{MachInst, OpKind, Reg, RegClass};

pub const SP: Reg = Reg(31);
pub const ZR: Reg = Reg(64);
pub const FP: Reg = Reg(29);
pub const LR: Reg = Reg(30);
/// Indirect result location register.
pub const X8: Reg = Reg(8);
/// The static chain of GNU nested functions (GCC: x18).
pub const STATIC_CHAIN_REG: Reg = Reg(18);
/// Reserved for the printer and for short fixed sequences; never allocated.
pub const IP0: Reg = Reg(16);
pub const IP1: Reg = Reg(17);
pub const fn x(n: u32) -> Reg {
    Reg(n)
}
pub const fn v(n: u32) -> Reg {
    Reg(32 + n)
}
pub const X0: Reg = x(0);
pub const X1: Reg = x(1);
pub const V0: Reg = v(0);
pub const NUM_PREGS: usize = 65;

pub const ARG_GPRS: [Reg; 8] = [x(0), x(1), x(2), x(3), x(4), x(5), x(6), x(7)];
pub const ARG_FPRS: [Reg; 8] = [v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7)];

/// Registers a call may destroy: x0-x18, x30, v0-v7, v16-v31 (v8-v15 keep
/// only their low halves, and we keep only 64-bit values in them).
pub static CALL_CLOBBERS: [Reg; 44] = [
    x(0), x(1), x(2), x(3), x(4), x(5), x(6), x(7), x(8), x(9), x(10), x(11), x(12), x(13), x(14), x(15), x(16), x(17),
    x(18), x(30), v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(16), v(17), v(18), v(19), v(20), v(21), v(22), v(23),
    v(24), v(25), v(26), v(27), v(28), v(29), v(30), v(31),
];

pub fn is_fpr(r: Reg) -> bool {
    (32..64).contains(&r.0)
}

/// Operand width: general registers as `x`/`w`, FP/SIMD registers as
/// `s`/`d`/`q` or the whole vector `v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum W {
    X,
    W,
    S,
    D,
    Q,
    V,
    /// The low byte of a vector register (`b0`).
    B,
}

impl W {
    /// The integer width for a value of `bytes` bytes.
    pub fn int(bytes: u8) -> W {
        if bytes >= 8 {
            W::X
        } else {
            W::W
        }
    }

    /// The FP width of `F32`/`F64`.
    pub fn float(t: ccc_ir::Type) -> W {
        if t == ccc_ir::Type::F32 {
            W::S
        } else {
            W::D
        }
    }
}

pub fn reg_name(r: Reg, w: W) -> String {
    match r.0 {
        31 => if w == W::W { "wsp" } else { "sp" }.to_string(),
        64 => if w == W::W { "wzr" } else { "xzr" }.to_string(),
        0..=30 => format!("{}{}", if w == W::W { 'w' } else { 'x' }, r.0),
        32..=63 => {
            let p = match w {
                W::S => 's',
                W::D => 'd',
                W::Q => 'q',
                W::B => 'b',
                _ => 'v',
            };
            format!("{p}{}", r.0 - 32)
        }
        _ => "<vreg>".to_string(),
    }
}

/// Whether `v` fits an add/sub immediate (12 bits, optionally shifted by 12).
pub fn add_imm(v: i64) -> bool {
    (0..4096).contains(&v) || (v & 0xfff == 0 && (0..4096 << 12).contains(&v))
}

/// Whether `v` is encodable as a logical (bitmask) immediate of the width.
pub fn logical_imm(v: u64, w32: bool) -> bool {
    let v = if w32 {
        let l = v & 0xffff_ffff;
        l | (l << 32)
    } else {
        v
    };
    if v == 0 || v == u64::MAX {
        return false;
    }
    let mut size = 64u32;
    while size > 2 {
        let h = size / 2;
        let m = (1u64 << h) - 1;
        if v & m != (v >> h) & m {
            break;
        }
        size = h;
    }
    let mask = if size == 64 { u64::MAX } else { (1u64 << size) - 1 };
    let e = v & mask;
    let ones = e.count_ones();
    let want = (1u64 << ones) - 1;
    (0..size).any(|r| {
        let rot = if r == 0 { e } else { ((e >> r) | (e << (size - r))) & mask };
        rot == want
    })
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

/// `[base, #off]`; the printer materialises offsets the encodings cannot hold through x16.
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
    /// `adrp` + `add :lo12:`: the symbol binds locally.
    Local,
    /// `adrp :got:` + `ldr :got_lo12:`.
    Got,
    /// Thread-local, local-exec (`:tprel_hi12:` / `:tprel_lo12_nc:`).
    TlsLe,
    /// Thread-local, initial-exec (`:gottprel:`).
    TlsIe,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallTarget {
    Sym(String),
    Reg(Reg),
}

/// A template instruction: text with `{xN}`/`{wN}`/`{dN}`/... placeholders
/// naming register operand N at a width. Used for rare multi-instruction
/// sequences (exclusive-access loops, TLS descriptors).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub tmpl: String,
    pub ops: Vec<(Reg, OpKind)>,
    pub clobbers: Vec<Reg>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `op rd, rn, rm`, all at width `w`.
    R { op: &'static str, w: W, rd: Reg, rn: Reg, rm: Reg },
    /// `extr rd, rn, rm, #lsb`: bits lsb.. of the 128-bit rn:rm.
    Extr { rd: Reg, rn: Reg, rm: Reg, lsb: i64 },
    /// `op rd, rn, rm, ra` (madd, msub).
    R4 { op: &'static str, w: W, rd: Reg, rn: Reg, rm: Reg, ra: Reg },
    /// `op rd, rn, #imm` (imm fits the encoding).
    I { op: &'static str, w: W, rd: Reg, rn: Reg, imm: i64 },
    /// `op rd, rn` with separate widths (conversions, extensions, fmov).
    U { op: &'static str, rd: Reg, wd: W, rn: Reg, wn: W },
    /// Flag-setting compare `op rn, rm` (cmp, cmn, tst, fcmp).
    Cmp { op: &'static str, w: W, rn: Reg, rm: Reg },
    CmpI { op: &'static str, w: W, rn: Reg, imm: i64 },
    CSet { rd: Reg, cond: &'static str },
    /// `op rd, rn, rm, cond` (csel, fcsel).
    CSel { op: &'static str, w: W, rd: Reg, rn: Reg, rm: Reg, cond: &'static str },
    Li { rd: Reg, imm: i64 },
    /// Address of `sym + off`.
    Adr { rd: Reg, sym: String, off: i64, kind: SymKind },
    /// Address of a memory operand.
    AddrOf { rd: Reg, mem: Mem },
    Load { op: &'static str, w: W, rd: Reg, mem: Mem },
    Store { op: &'static str, w: W, rs: Reg, mem: Mem },
    Mv { rd: Reg, rs: Reg },
    FMv { rd: Reg, rs: Reg },
    /// `mov vd.d[1], xs` (upper half of a q register; the lower half stays).
    InsHi { vd: Reg, rs: Reg },
    /// `mov xd, vs.d[1]`.
    ExtHi { rd: Reg, vs: Reg },
    B { target: u32 },
    BCond { cond: &'static str, target: u32 },
    /// `cbz`/`cbnz rs, target`.
    Cbz { nz: bool, w: W, rs: Reg, target: u32 },
    Br { rs: Reg },
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
            R { rd, rn, rm, .. } | CSel { rd, rn, rm, .. } | Extr { rd, rn, rm, .. } => {
                f(*rn, OpKind::Use);
                f(*rm, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            R4 { rd, rn, rm, ra, .. } => {
                f(*rn, OpKind::Use);
                f(*rm, OpKind::Use);
                f(*ra, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            I { rd, rn, .. } | U { rd, rn, .. } => {
                f(*rn, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            Mv { rd, rs } | FMv { rd, rs } | ExtHi { rd, vs: rs } => {
                f(*rs, OpKind::Use);
                f(*rd, OpKind::Def)
            }
            InsHi { vd, rs } => {
                f(*rs, OpKind::Use);
                f(*vd, OpKind::UseDef)
            }
            Cmp { rn, rm, .. } => {
                f(*rn, OpKind::Use);
                f(*rm, OpKind::Use)
            }
            CmpI { rn, .. } => f(*rn, OpKind::Use),
            CSet { rd, .. } | Li { rd, .. } | Adr { rd, .. } => f(*rd, OpKind::Def),
            AddrOf { rd, mem } | Load { rd, mem, .. } => {
                mem.regs(f);
                f(*rd, OpKind::Def)
            }
            Store { rs, mem, .. } => {
                mem.regs(f);
                f(*rs, OpKind::Use)
            }
            B { .. } | BCond { .. } => {}
            Cbz { rs, .. } | Br { rs } => f(*rs, OpKind::Use),
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
            R { rd, rn, rm, .. } | CSel { rd, rn, rm, .. } | Extr { rd, rn, rm, .. } => {
                *rn = f(*rn);
                *rm = f(*rm);
                *rd = f(*rd)
            }
            R4 { rd, rn, rm, ra, .. } => {
                *rn = f(*rn);
                *rm = f(*rm);
                *ra = f(*ra);
                *rd = f(*rd)
            }
            I { rd, rn, .. } | U { rd, rn, .. } => {
                *rn = f(*rn);
                *rd = f(*rd)
            }
            Mv { rd, rs } | FMv { rd, rs } | ExtHi { rd, vs: rs } | InsHi { vd: rd, rs } => {
                *rs = f(*rs);
                *rd = f(*rd)
            }
            Cmp { rn, rm, .. } => {
                *rn = f(*rn);
                *rm = f(*rm)
            }
            CmpI { rn, .. } => *rn = f(*rn),
            CSet { rd, .. } | Li { rd, .. } | Adr { rd, .. } => *rd = f(*rd),
            AddrOf { rd, mem } | Load { rd, mem, .. } => {
                mem.map(f);
                *rd = f(*rd)
            }
            Store { rs, mem, .. } => {
                mem.map(f);
                *rs = f(*rs)
            }
            B { .. } | BCond { .. } => {}
            Cbz { rs, .. } | Br { rs } => *rs = f(*rs),
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
        let w = if class == RegClass::Float { W::D } else { W::X };
        Inst::Load { op: "ldr", w, rd: dst, mem: Mem::slot(slot, 0) }
    }

    fn spill_store(slot: u32, src: Reg, class: RegClass) -> Self {
        let w = if class == RegClass::Float { W::D } else { W::X };
        Inst::Store { op: "str", w, rs: src, mem: Mem::slot(slot, 0) }
    }

    fn make_move(dst: Reg, src: Reg, class: RegClass) -> Self {
        match class {
            RegClass::Int => Inst::Mv { rd: dst, rs: src },
            RegClass::Float => Inst::FMv { rd: dst, rs: src },
        }
    }
}
