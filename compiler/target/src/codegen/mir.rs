//! Machine IR: blocks of target instructions over physical and virtual
//! registers. Instructions are target types; the generic passes see them
//! only through [`MachInst`].

use super::frame::Frame;

/// Registers below this number are physical (target-numbered); the rest are virtual.
pub const VREG_BASE: u32 = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(pub u32);

impl Reg {
    pub fn is_virtual(self) -> bool {
        self.0 >= VREG_BASE
    }
    pub fn vindex(self) -> usize {
        (self.0 - VREG_BASE) as usize
    }
    pub fn from_vindex(i: usize) -> Reg {
        Reg(i as u32 + VREG_BASE)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegClass {
    Int,
    Float,
}

/// How an instruction touches a register operand. `Use`s happen before
/// `Def`s of the same instruction (so they may share a register);
/// `EarlyDef` is written before all uses are read (early clobber) and
/// `UseDef` is read and then written (two-address forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Use,
    Def,
    UseDef,
    EarlyDef,
}

/// What the generic passes need to know about a target instruction.
pub trait MachInst: Sized {
    /// Every register operand (physical and virtual) with how it is used.
    fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind));
    /// Replace register operands (used for allocation and spill rewriting).
    fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg);
    /// Physical registers the instruction destroys besides its operands.
    fn clobbers(&self) -> &[Reg];
    /// `Some((dst, src))` for a plain register-to-register copy.
    fn as_move(&self) -> Option<(Reg, Reg)>;
    fn spill_load(slot: u32, dst: Reg, class: RegClass) -> Self;
    fn spill_store(slot: u32, src: Reg, class: RegClass) -> Self;
    fn make_move(dst: Reg, src: Reg, class: RegClass) -> Self;
    /// Registers the instruction accesses in a form only some registers
    /// have (i386's byte registers: al, bl, cl, dl); they are allocated
    /// from `RegInfo::narrow_int`.
    fn narrow_regs(&self, _f: &mut dyn FnMut(Reg)) {}
}

#[derive(Clone, Debug)]
pub struct MBlock<I> {
    pub insts: Vec<I>,
    /// Successor blocks (indices into `MFunc::blocks`).
    pub succs: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct VRegInfo {
    pub class: RegClass,
    /// Scratch registers that live for one instruction must get a register.
    pub spillable: bool,
}

#[derive(Clone, Debug)]
pub struct MFunc<I> {
    pub blocks: Vec<MBlock<I>>,
    pub vregs: Vec<VRegInfo>,
    pub frame: Frame,
}

impl<I> MFunc<I> {
    pub fn new() -> Self {
        MFunc { blocks: Vec::new(), vregs: Vec::new(), frame: Frame::default() }
    }

    pub fn new_vreg(&mut self, class: RegClass) -> Reg {
        self.vregs.push(VRegInfo { class, spillable: true });
        Reg::from_vindex(self.vregs.len() - 1)
    }

    /// A register that must not be spilled (live for a single instruction).
    pub fn new_scratch(&mut self, class: RegClass) -> Reg {
        self.vregs.push(VRegInfo { class, spillable: false });
        Reg::from_vindex(self.vregs.len() - 1)
    }

    pub fn class_of(&self, r: Reg) -> RegClass {
        self.vregs[r.vindex()].class
    }
}

impl<I: MachInst> MFunc<I> {
    /// Whether an instruction names a floating-point register: a float
    /// virtual register or a physical one `is_float_preg` accepts (call
    /// clobbers do not count). `-mgeneral-regs-only` code must have none.
    pub fn uses_float_regs(&self, is_float_preg: impl Fn(Reg) -> bool) -> bool {
        let mut found = false;
        for i in self.blocks.iter().flat_map(|b| &b.insts) {
            i.reg_operands(&mut |r, _| {
                found |= if r.is_virtual() { self.class_of(r) == RegClass::Float } else { is_float_preg(r) };
            });
            if found {
                return true;
            }
        }
        false
    }
}

impl<I> Default for MFunc<I> {
    fn default() -> Self {
        Self::new()
    }
}
