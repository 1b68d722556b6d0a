//! The allocator on a toy instruction set: two physical registers, so a
//! few values already create pressure.

use super::{allocate, RegInfo};
use crate::codegen::mir::{MBlock, MFunc, MachInst, OpKind, Reg, RegClass};

#[derive(Clone, Debug, PartialEq)]
enum Toy {
    Def(Reg),
    Use(Reg),
    /// `dst += src`
    Add(Reg, Reg),
    Move(Reg, Reg),
    Load(u32, Reg),
    Store(u32, Reg),
    Jump,
}

impl MachInst for Toy {
    fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        match *self {
            Toy::Def(r) | Toy::Load(_, r) => f(r, OpKind::Def),
            Toy::Use(r) | Toy::Store(_, r) => f(r, OpKind::Use),
            Toy::Add(d, s) => {
                f(s, OpKind::Use);
                f(d, OpKind::UseDef)
            }
            Toy::Move(d, s) => {
                f(s, OpKind::Use);
                f(d, OpKind::Def)
            }
            Toy::Jump => {}
        }
    }
    fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        match self {
            Toy::Def(r) | Toy::Use(r) | Toy::Load(_, r) | Toy::Store(_, r) => *r = f(*r),
            Toy::Add(d, s) | Toy::Move(d, s) => {
                *s = f(*s);
                *d = f(*d)
            }
            Toy::Jump => {}
        }
    }
    fn clobbers(&self) -> &[Reg] {
        &[]
    }
    fn as_move(&self) -> Option<(Reg, Reg)> {
        match *self {
            Toy::Move(d, s) => Some((d, s)),
            _ => None,
        }
    }
    fn spill_load(slot: u32, dst: Reg, _: RegClass) -> Self {
        Toy::Load(slot, dst)
    }
    fn spill_store(slot: u32, src: Reg, _: RegClass) -> Self {
        Toy::Store(slot, src)
    }
    fn make_move(dst: Reg, src: Reg, _: RegClass) -> Self {
        Toy::Move(dst, src)
    }
}

fn two_registers() -> RegInfo {
    RegInfo { num_pregs: 2, int_order: vec![Reg(0), Reg(1)], float_order: vec![], callee_saved: vec![], narrow_int: None }
}

fn func(blocks: Vec<(Vec<Toy>, Vec<u32>)>, vregs: usize) -> MFunc<Toy> {
    let mut f = MFunc::new();
    for _ in 0..vregs {
        f.new_vreg(RegClass::Int);
    }
    f.blocks = blocks.into_iter().map(|(insts, succs)| MBlock { insts, succs }).collect();
    f
}

fn v(i: usize) -> Reg {
    Reg::from_vindex(i)
}

fn no_virtual_left(f: &MFunc<Toy>) -> bool {
    let mut ok = true;
    for b in &f.blocks {
        for i in &b.insts {
            i.reg_operands(&mut |r, _| ok &= !r.is_virtual());
        }
    }
    ok
}

#[test]
fn hot_loop_value_keeps_its_register() {
    // v0 is used in every iteration of the loop (block 1); v1 and v2 are
    // live across the loop but used only after it: they go to memory.
    let f0 = vec![Toy::Def(v(0)), Toy::Def(v(1)), Toy::Def(v(2)), Toy::Jump];
    let f1 = vec![Toy::Def(v(3)), Toy::Add(v(3), v(0)), Toy::Use(v(3)), Toy::Jump];
    let f2 = vec![Toy::Use(v(1)), Toy::Use(v(2)), Toy::Use(v(0))];
    let mut f = func(vec![(f0, vec![1]), (f1, vec![1, 2]), (f2, vec![])], 4);
    allocate(&mut f, &two_registers()).unwrap();
    assert!(no_virtual_left(&f));
    let loop_memory_ops = f.blocks[1].insts.iter().filter(|i| matches!(i, Toy::Load(..) | Toy::Store(..))).count();
    assert_eq!(loop_memory_ops, 0, "loop body: {:?}", f.blocks[1].insts);
}

#[test]
fn copies_between_spilled_registers_vanish() {
    // A chain of copies v1 -> v2 -> v3 through a loop, all live across
    // more pressure than two registers hold: they share one slot.
    let b0 = vec![Toy::Def(v(1)), Toy::Def(v(4)), Toy::Def(v(5)), Toy::Move(v(2), v(1)), Toy::Jump];
    let b1 = vec![Toy::Add(v(4), v(5)), Toy::Add(v(5), v(4)), Toy::Move(v(3), v(2)), Toy::Move(v(2), v(3)), Toy::Jump];
    let b2 = vec![Toy::Use(v(4)), Toy::Use(v(5)), Toy::Use(v(2))];
    let mut f = func(vec![(b0, vec![1]), (b1, vec![1, 2]), (b2, vec![])], 6);
    allocate(&mut f, &two_registers()).unwrap();
    assert!(no_virtual_left(&f));
    let loop_body = &f.blocks[1].insts;
    assert!(!loop_body.iter().any(|i| matches!(i, Toy::Load(..) | Toy::Store(..))), "loop body: {loop_body:?}");
    assert_eq!(f.frame.slots.len(), 1, "one shared slot: {:?}", f.blocks);
}

#[test]
fn too_many_values_at_one_instruction_is_an_error() {
    // Every value is spillable, so this always converges: spill everything.
    let mut insts: Vec<Toy> = (0..8).map(|i| Toy::Def(v(i))).collect();
    insts.extend((0..8).map(|i| Toy::Use(v(i))));
    let mut f = func(vec![(insts, vec![])], 8);
    allocate(&mut f, &two_registers()).unwrap();
    assert!(no_virtual_left(&f));
    // Three unspillable registers live at once cannot fit in two.
    let mut g: MFunc<Toy> = MFunc::new();
    let s: Vec<Reg> = (0..3).map(|_| g.new_scratch(RegClass::Int)).collect();
    g.blocks.push(MBlock { insts: vec![Toy::Def(s[0]), Toy::Def(s[1]), Toy::Def(s[2]), Toy::Add(s[0], s[1]), Toy::Use(s[2])], succs: vec![] });
    assert!(allocate(&mut g, &two_registers()).is_err());
}
