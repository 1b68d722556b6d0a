//! x86-64 machine instructions, their register operands (for the generic
//! allocator) and their AT&T text.

use std::fmt::Write;

use crate::codegen::frame::Frame;
use crate::codegen::mir::{MachInst, OpKind, Reg, RegClass};

pub const RAX: Reg = Reg(0);
pub const RCX: Reg = Reg(1);
pub const RDX: Reg = Reg(2);
pub const RBX: Reg = Reg(3);
pub const RSP: Reg = Reg(4);
pub const RBP: Reg = Reg(5);
pub const RSI: Reg = Reg(6);
pub const RDI: Reg = Reg(7);
pub const R8: Reg = Reg(8);
pub const R9: Reg = Reg(9);
pub const R10: Reg = Reg(10);
pub const R11: Reg = Reg(11);
pub const R12: Reg = Reg(12);
pub const R13: Reg = Reg(13);
pub const R14: Reg = Reg(14);
pub const R15: Reg = Reg(15);
pub const fn xmm(n: u32) -> Reg {
    Reg(16 + n)
}
pub const NUM_PREGS: usize = 32;

/// Bytes of a machine word: 8, or 4 in the i386 mode. The i386 mode is the
/// same instruction selection with pointers 4 bytes wide (`Type::Ptr`,
/// set per compilation by `TargetInfo::enter`): its word-sized ("8-byte")
/// integer operations print as 32-bit ones, and nothing wider than a word
/// reaches them (`isel` rejects such values first).
pub fn word() -> u8 {
    ccc_ir::Type::Ptr.size() as u8
}

pub fn i386() -> bool {
    word() == 4
}

/// Registers an i386 call may destroy (cdecl): eax, ecx, edx and the XMMs.
pub static I386_CALL_CLOBBERS: [Reg; 11] = [RAX, RCX, RDX, xmm(0), xmm(1), xmm(2), xmm(3), xmm(4), xmm(5), xmm(6), xmm(7)];

pub const ARG_GPRS: [Reg; 6] = [RDI, RSI, RDX, RCX, R8, R9];

/// Registers a call may destroy (SysV): all but rbx, rbp, rsp, r12-r15.
pub static CALL_CLOBBERS: [Reg; 25] = [
    RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11,
    xmm(0), xmm(1), xmm(2), xmm(3), xmm(4), xmm(5), xmm(6), xmm(7),
    xmm(8), xmm(9), xmm(10), xmm(11), xmm(12), xmm(13), xmm(14), xmm(15),
];

pub fn is_xmm(r: Reg) -> bool {
    (16..32).contains(&r.0)
}

/// Name of a physical register for an access of `size` bytes.
pub fn reg_name(r: Reg, size: u8) -> &'static str {
    const Q: [&str; 16] = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
    const L: [&str; 16] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
    const W: [&str; 16] = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
    const B: [&str; 16] = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];
    const X: [&str; 16] = ["xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"];
    let i = r.0 as usize;
    if i >= 32 {
        return "<vreg>";
    }
    let size = if size == 8 { word() } else { size };
    if i >= 16 {
        return X[i - 16];
    }
    match size {
        1 => B[i],
        2 => W[i],
        4 => L[i],
        _ => Q[i],
    }
}

pub fn suffix(size: u8) -> char {
    match if size == 8 { word() } else { size } {
        1 => 'b',
        2 => 'w',
        4 => 'l',
        _ => 'q',
    }
}

/// Condition codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cc {
    O,
    No,
    B,
    Ae,
    E,
    Ne,
    Be,
    A,
    S,
    Ns,
    P,
    Np,
    L,
    Ge,
    Le,
    G,
}

impl Cc {
    pub fn name(self) -> &'static str {
        use Cc::*;
        match self {
            O => "o",
            No => "no",
            B => "b",
            Ae => "ae",
            E => "e",
            Ne => "ne",
            Be => "be",
            A => "a",
            S => "s",
            Ns => "ns",
            P => "p",
            Np => "np",
            L => "l",
            Ge => "ge",
            Le => "le",
            G => "g",
        }
    }
    pub fn invert(self) -> Cc {
        use Cc::*;
        match self {
            O => No,
            No => O,
            B => Ae,
            Ae => B,
            E => Ne,
            Ne => E,
            Be => A,
            A => Be,
            S => Ns,
            Ns => S,
            P => Np,
            Np => P,
            L => Ge,
            Ge => L,
            Le => G,
            G => Le,
        }
    }
}

/// Relocation flavour of a symbol reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reloc {
    None,
    GotPcRel,
    TpOff,
    GotTpOff,
    TlsGd,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Base {
    None,
    Reg(Reg),
    Rip,
    /// A frame slot (frame-pointer relative once laid out).
    Slot(u32),
    /// The caller's outgoing-argument area (our incoming stack arguments).
    Incoming,
    /// Our outgoing-argument area at the stack pointer.
    Rsp,
    /// Just above the outgoing-argument area (dynamic allocations).
    RspOut,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Amode {
    pub base: Base,
    pub index: Option<(Reg, u8)>,
    pub disp: i64,
    pub sym: Option<(String, Reloc)>,
    pub fs: bool,
}

impl Amode {
    pub fn reg(r: Reg, disp: i64) -> Amode {
        Amode { base: Base::Reg(r), index: None, disp, sym: None, fs: false }
    }
    pub fn slot(s: u32, disp: i64) -> Amode {
        Amode { base: Base::Slot(s), index: None, disp, sym: None, fs: false }
    }
    /// A symbol's address: `%rip`-relative, absolute in the i386 mode.
    pub fn rip(sym: String, disp: i64) -> Amode {
        let base = if i386() { Base::None } else { Base::Rip };
        Amode { base, index: None, disp, sym: Some((sym, Reloc::None)), fs: false }
    }
    pub fn rsp(disp: i64) -> Amode {
        Amode { base: Base::Rsp, index: None, disp, sym: None, fs: false }
    }
    pub fn incoming(disp: i64) -> Amode {
        Amode { base: Base::Incoming, index: None, disp, sym: None, fs: false }
    }
    pub fn offset(&self, d: i64) -> Amode {
        let mut a = self.clone();
        a.disp += d;
        a
    }
    fn regs(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        if let Base::Reg(r) = self.base {
            f(r, OpKind::Use)
        }
        if let Some((r, _)) = self.index {
            f(r, OpKind::Use)
        }
    }
    fn map(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        if let Base::Reg(r) = &mut self.base {
            *r = f(*r)
        }
        if let Some((r, _)) = &mut self.index {
            *r = f(*r)
        }
    }
    pub fn print(&self, out: &mut String, frame: &Frame) {
        if self.fs {
            out.push_str("%fs:");
        }
        let (disp, base): (i64, Option<&str>) = match &self.base {
            Base::None => (self.disp, None),
            Base::Reg(r) => (self.disp, Some(reg_name(*r, 8))),
            Base::Rip => (self.disp, Some("rip")),
            Base::Slot(s) => (self.disp + frame.offsets.get(*s as usize).copied().unwrap_or(0), Some(reg_name(RBP, 8))),
            // above the saved frame pointer and the return address
            Base::Incoming => (self.disp + 2 * word() as i64, Some(reg_name(RBP, 8))),
            Base::Rsp => (self.disp, Some(reg_name(RSP, 8))),
            Base::RspOut => (self.disp + frame.outgoing_args as i64, Some(reg_name(RSP, 8))),
        };
        match &self.sym {
            Some((name, reloc)) => {
                out.push_str(name);
                match reloc {
                    Reloc::None => {}
                    Reloc::GotPcRel => out.push_str("@GOTPCREL"),
                    Reloc::TpOff => out.push_str("@tpoff"),
                    Reloc::GotTpOff => out.push_str("@gottpoff"),
                    Reloc::TlsGd => out.push_str("@tlsgd"),
                }
                if disp != 0 {
                    let _ = write!(out, "{disp:+}");
                }
            }
            None => {
                if disp != 0 || (base.is_none() && self.index.is_none()) {
                    let _ = write!(out, "{disp}");
                }
            }
        }
        if base.is_some() || self.index.is_some() {
            out.push('(');
            if let Some(b) = base {
                out.push('%');
                out.push_str(b);
            }
            if let Some((r, s)) = self.index {
                let _ = write!(out, ",%{},{}", reg_name(r, 8), s);
            }
            out.push(')');
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Opnd {
    Reg(Reg),
    Imm(i64),
    Mem(Amode),
}

impl Opnd {
    fn regs(&self, kind: OpKind, f: &mut dyn FnMut(Reg, OpKind)) {
        match self {
            Opnd::Reg(r) => f(*r, kind),
            Opnd::Imm(_) => {}
            Opnd::Mem(a) => a.regs(f),
        }
    }
    fn map(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        match self {
            Opnd::Reg(r) => *r = f(*r),
            Opnd::Imm(_) => {}
            Opnd::Mem(a) => a.map(f),
        }
    }
    pub fn print(&self, out: &mut String, size: u8, frame: &Frame) {
        match self {
            Opnd::Reg(r) => {
                out.push('%');
                out.push_str(reg_name(*r, size));
            }
            Opnd::Imm(i) => {
                let _ = write!(out, "${i}");
            }
            Opnd::Mem(a) => a.print(out, frame),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Adc,
    Sbb,
}


#[derive(Clone, Debug, PartialEq)]
pub enum CallTarget {
    /// Direct call; the string is the full operand text (`f`, `f@PLT`).
    Sym(String),
    Reg(Reg),
    /// `call *sym@GOTPCREL(%rip)` (-fno-plt).
    Mem(Amode),
}

/// A template instruction: text with `{N}` / `{Nb}` `{Nw}` `{Nl}` `{Nq}`
/// placeholders naming operands. Used for rare multi-instruction sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub tmpl: &'static str,
    pub ops: Vec<(Opnd, OpKind)>,
    pub clobbers: Vec<Reg>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    /// `mov` of `sz` bytes; at most one memory operand.
    Mov { sz: u8, src: Opnd, dst: Opnd },
    MovAbs { imm: i64, dst: Reg },
    /// Extending move, e.g. `movzbl`, `movslq`.
    MovX { op: &'static str, src: Opnd, dst: Reg },
    Lea { mem: Amode, dst: Reg },
    Alu { op: AluOp, sz: u8, src: Opnd, dst: Opnd },
    /// Flags from `dst - src`.
    Cmp { sz: u8, src: Opnd, dst: Opnd },
    Test { sz: u8, src: Opnd, dst: Opnd },
    Imul { sz: u8, src: Opnd, dst: Reg },
    Imul3 { sz: u8, src: Opnd, imm: i32, dst: Reg },
    /// `op` is shl/shr/sar/rol/ror; `amt` None means by %cl.
    Shift { op: &'static str, sz: u8, amt: Option<u8>, dst: Reg },
    /// neg/not/bswap.
    Unary { op: &'static str, sz: u8, dst: Reg },
    /// bsr/bsf (dst written).
    BitScan { op: &'static str, sz: u8, src: Opnd, dst: Reg },
    /// cwtd/cltd/cqto: sign of rax into rdx.
    Cext { sz: u8 },
    /// div/idiv of rdx:rax by src.
    Div { signed: bool, sz: u8, src: Opnd },
    /// mul/imul one-operand form: rdx:rax = rax * src.
    MulWide { signed: bool, sz: u8, src: Opnd },
    Setcc { cc: Cc, dst: Reg },
    Cmov { cc: Cc, sz: u8, src: Opnd, dst: Reg },
    /// movss/movsd (memory forms) or movaps (register form).
    SseMov { dbl: bool, src: Opnd, dst: Opnd },
    /// Two-address SSE arithmetic: `op` is add/sub/mul/div/min/max/xorp/andp.
    SseOp { op: &'static str, dbl: bool, src: Opnd, dst: Reg },
    Ucomi { dbl: bool, src: Opnd, dst: Reg },
    /// A conversion writing a fresh register (full mnemonic).
    Cvt { op: &'static str, src: Opnd, dst: Reg },
    /// movd/movq between register files (`sz` 4 or 8).
    MovGX { sz: u8, src: Reg, dst: Reg },
    Jmp { target: u32 },
    Jcc { cc: Cc, target: u32 },
    JmpInd { src: Opnd },
    /// Jump through a table of the given blocks; `idx` is the 64-bit index
    /// (clobbered), `tmp` a scratch.
    /// `absolute`: a table of 8-byte addresses indexed by `jmp *table(,%idx,8)`
    /// (non-PIC code, GCC's form, the one the kernel's objtool reads); otherwise
    /// 4-byte offsets from the table, added to its `%rip`-relative address in `tmp`.
    JumpTable { idx: Reg, tmp: Reg, targets: Vec<u32>, id: u32, absolute: bool },
    Call { target: CallTarget, uses: Vec<Reg>, defs: Vec<Reg> },
    Ret { uses: Vec<Reg> },
    Text(Box<Text>),
    InlineAsm(Box<super::asm::AsmInst>),
}

fn sz_kind_dst(d: &Opnd) -> OpKind {
    match d {
        Opnd::Reg(_) => OpKind::Def,
        _ => OpKind::Use,
    }
}

impl MachInst for Inst {
    fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        use Inst::*;
        match self {
            Mov { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                dst.regs(sz_kind_dst(dst), f);
            }
            SseMov { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                dst.regs(sz_kind_dst(dst), f);
            }
            MovAbs { dst, .. } => f(*dst, OpKind::Def),
            MovX { src, dst, .. } | BitScan { src, dst, .. } | Cvt { src, dst, .. } | Imul3 { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                f(*dst, OpKind::Def)
            }
            Lea { mem, dst } => {
                mem.regs(f);
                f(*dst, OpKind::Def)
            }
            Alu { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                dst.regs(OpKind::UseDef, f);
            }
            Cmp { src, dst, .. } | Test { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                dst.regs(OpKind::Use, f);
            }
            Imul { src, dst, .. } | Cmov { src, dst, .. } | SseOp { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                f(*dst, OpKind::UseDef)
            }
            Ucomi { src, dst, .. } => {
                src.regs(OpKind::Use, f);
                f(*dst, OpKind::Use)
            }
            Shift { amt, dst, .. } => {
                if amt.is_none() {
                    f(RCX, OpKind::Use)
                }
                f(*dst, OpKind::UseDef)
            }
            Unary { dst, .. } => f(*dst, OpKind::UseDef),
            Cext { .. } => {
                f(RAX, OpKind::Use);
                f(RDX, OpKind::Def)
            }
            Div { src, .. } => {
                src.regs(OpKind::Use, f);
                f(RAX, OpKind::UseDef);
                f(RDX, OpKind::UseDef)
            }
            MulWide { src, .. } => {
                src.regs(OpKind::Use, f);
                f(RAX, OpKind::UseDef);
                f(RDX, OpKind::Def)
            }
            Setcc { dst, .. } => f(*dst, OpKind::Def),
            MovGX { src, dst, .. } => {
                f(*src, OpKind::Use);
                f(*dst, OpKind::Def)
            }
            Jmp { .. } | Jcc { .. } => {}
            JmpInd { src } => src.regs(OpKind::Use, f),
            JumpTable { idx, tmp, .. } => {
                f(*idx, OpKind::UseDef);
                f(*tmp, OpKind::EarlyDef)
            }
            Call { target, uses, defs } => {
                match target {
                    CallTarget::Reg(r) => f(*r, OpKind::Use),
                    CallTarget::Mem(a) => a.regs(f),
                    CallTarget::Sym(_) => {}
                }
                uses.iter().for_each(|r| f(*r, OpKind::Use));
                defs.iter().for_each(|r| f(*r, OpKind::Def));
            }
            Ret { uses } => uses.iter().for_each(|r| f(*r, OpKind::Use)),
            Text(t) => {
                for (o, k) in &t.ops {
                    o.regs(*k, f)
                }
            }
            InlineAsm(a) => a.reg_operands(f),
        }
    }

    fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        use Inst::*;
        match self {
            Mov { src, dst, .. } | Alu { src, dst, .. } | Cmp { src, dst, .. } | Test { src, dst, .. } | SseMov { src, dst, .. } => {
                src.map(f);
                dst.map(f)
            }
            MovAbs { dst, .. } | Setcc { dst, .. } | Shift { dst, .. } | Unary { dst, .. } => *dst = f(*dst),
            MovX { src, dst, .. }
            | BitScan { src, dst, .. }
            | Cvt { src, dst, .. }
            | Imul3 { src, dst, .. }
            | Imul { src, dst, .. }
            | Cmov { src, dst, .. }
            | SseOp { src, dst, .. }
            | Ucomi { src, dst, .. } => {
                src.map(f);
                *dst = f(*dst)
            }
            Lea { mem, dst } => {
                mem.map(f);
                *dst = f(*dst)
            }
            Cext { .. } | Jmp { .. } | Jcc { .. } => {}
            Div { src, .. } | MulWide { src, .. } | JmpInd { src } => src.map(f),
            MovGX { src, dst, .. } => {
                *src = f(*src);
                *dst = f(*dst)
            }
            JumpTable { idx, tmp, .. } => {
                *idx = f(*idx);
                *tmp = f(*tmp)
            }
            Call { target, uses, defs } => {
                match target {
                    CallTarget::Reg(r) => *r = f(*r),
                    CallTarget::Mem(a) => a.map(f),
                    CallTarget::Sym(_) => {}
                }
                uses.iter_mut().for_each(|r| *r = f(*r));
                defs.iter_mut().for_each(|r| *r = f(*r));
            }
            Ret { uses } => uses.iter_mut().for_each(|r| *r = f(*r)),
            Text(t) => t.ops.iter_mut().for_each(|(o, _)| o.map(f)),
            InlineAsm(a) => a.map_regs(f),
        }
    }

    fn clobbers(&self) -> &[Reg] {
        match self {
            Inst::Call { .. } if i386() => &I386_CALL_CLOBBERS,
            Inst::Call { .. } => &CALL_CLOBBERS,
            Inst::Text(t) => &t.clobbers,
            Inst::InlineAsm(a) => &a.clobbers,
            _ => &[],
        }
    }

    fn as_move(&self) -> Option<(Reg, Reg)> {
        match self {
            Inst::Mov { sz: 8, src: Opnd::Reg(s), dst: Opnd::Reg(d) } => Some((*d, *s)),
            Inst::SseMov { src: Opnd::Reg(s), dst: Opnd::Reg(d), .. } => Some((*d, *s)),
            _ => None,
        }
    }

    fn spill_load(slot: u32, dst: Reg, class: RegClass) -> Self {
        match class {
            RegClass::Int => Inst::Mov { sz: 8, src: Opnd::Mem(Amode::slot(slot, 0)), dst: Opnd::Reg(dst) },
            RegClass::Float => Inst::SseMov { dbl: true, src: Opnd::Mem(Amode::slot(slot, 0)), dst: Opnd::Reg(dst) },
        }
    }

    fn spill_store(slot: u32, src: Reg, class: RegClass) -> Self {
        match class {
            RegClass::Int => Inst::Mov { sz: 8, src: Opnd::Reg(src), dst: Opnd::Mem(Amode::slot(slot, 0)) },
            RegClass::Float => Inst::SseMov { dbl: true, src: Opnd::Reg(src), dst: Opnd::Mem(Amode::slot(slot, 0)) },
        }
    }

    fn make_move(dst: Reg, src: Reg, class: RegClass) -> Self {
        match class {
            RegClass::Int => Inst::Mov { sz: 8, src: Opnd::Reg(src), dst: Opnd::Reg(dst) },
            RegClass::Float => Inst::SseMov { dbl: true, src: Opnd::Reg(src), dst: Opnd::Reg(dst) },
        }
    }

    /// i386: registers accessed as bytes (only eax, ebx, ecx, edx have them).
    fn narrow_regs(&self, f: &mut dyn FnMut(Reg)) {
        if !i386() {
            return;
        }
        let all = |o: &Opnd, f: &mut dyn FnMut(Reg)| {
            if let Opnd::Reg(r) = o {
                f(*r)
            }
        };
        use Inst::*;
        match self {
            Mov { sz: 1, src, dst } | Alu { sz: 1, src, dst, .. } | Cmp { sz: 1, src, dst } | Test { sz: 1, src, dst } => {
                all(src, f);
                all(dst, f);
            }
            MovX { op, src, .. } if op.starts_with("movsb") || op.starts_with("movzb") => all(src, f),
            Imul { sz: 1, src, dst } | BitScan { sz: 1, src, dst, .. } => {
                all(src, f);
                f(*dst)
            }
            Shift { sz: 1, dst, .. } | Unary { sz: 1, dst, .. } | Setcc { dst, .. } => f(*dst),
            Text(t) => {
                for (i, (o, _)) in t.ops.iter().enumerate() {
                    if t.tmpl.contains(&format!("{{{i}b}}")) {
                        all(o, f);
                    }
                }
            }
            InlineAsm(a) => a.narrow_regs(f),
            _ => {}
        }
    }
}
