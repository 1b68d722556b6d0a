//! The optimiser keeps IR valid and promotes scalar locals.

use ccc_ir::{AbiType, Function, InstKind, IntCC, Signature, Type};

/// `int f(int n) { int s = 0; while (n > 0) { s = s + n; n = n - 1; } return s; }`
/// lowered the way the front end does: locals in slots.
fn sum_function() -> Function {
    let sig = Signature { params: vec![AbiType::Scalar(Type::I32)], ret: Some(AbiType::Scalar(Type::I32)), variadic: false, named: None };
    let mut f = Function::new("f", sig);
    let entry = f.new_block();
    let head = f.new_block();
    let body = f.new_block();
    let exit = f.new_block();
    f.layout = vec![entry, head, body, exit];
    let n_param = f.add_block_param(entry, Type::I32);
    let n_slot = f.new_slot(4, 4);
    let s_slot = f.new_slot(4, 4);
    let addr = |f: &mut Function, b, s| f.append(b, InstKind::SlotAddr { slot: s }).unwrap();
    let a = addr(&mut f, entry, n_slot);
    f.append(entry, InstKind::Store { ty: Type::I32, ptr: a, value: n_param, volatile: false });
    let zero = f.append(entry, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    let a = addr(&mut f, entry, s_slot);
    f.append(entry, InstKind::Store { ty: Type::I32, ptr: a, value: zero, volatile: false });
    f.append(entry, InstKind::Jump(ccc_ir::BlockCall::new(head)));
    let a = addr(&mut f, head, n_slot);
    let n = f.append(head, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
    let z = f.append(head, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    let c = f.append(head, InstKind::Icmp { cc: IntCC::Sgt, ty: Type::I32, lhs: n, rhs: z }).unwrap();
    f.append(head, InstKind::Branch { cond: c, cond_ty: Type::I8, then_dest: ccc_ir::BlockCall::new(body), else_dest: ccc_ir::BlockCall::new(exit) });
    let a = addr(&mut f, body, s_slot);
    let s = f.append(body, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
    let a = addr(&mut f, body, n_slot);
    let n2 = f.append(body, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
    let sum = f.append(body, InstKind::Binary { op: ccc_ir::BinOp::Add, ty: Type::I32, lhs: s, rhs: n2 }).unwrap();
    let a = addr(&mut f, body, s_slot);
    f.append(body, InstKind::Store { ty: Type::I32, ptr: a, value: sum, volatile: false });
    let one = f.append(body, InstKind::IConst { ty: Type::I32, value: 1 }).unwrap();
    let dec = f.append(body, InstKind::Binary { op: ccc_ir::BinOp::Sub, ty: Type::I32, lhs: n2, rhs: one }).unwrap();
    let a = addr(&mut f, body, n_slot);
    f.append(body, InstKind::Store { ty: Type::I32, ptr: a, value: dec, volatile: false });
    f.append(body, InstKind::Jump(ccc_ir::BlockCall::new(head)));
    let a = addr(&mut f, exit, s_slot);
    let r = f.append(exit, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
    f.append(exit, InstKind::Return { value: Some(r) });
    f
}

#[test]
fn promotes_scalar_locals_to_block_params() {
    let mut f = sum_function();
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::optimize_function(&mut f).expect("optimises");
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let memory_ops = f.layout.iter().flat_map(|b| f.blocks[b.index()].insts.iter()).filter(|i| matches!(i.kind, InstKind::Load { .. } | InstKind::Store { .. } | InstKind::SlotAddr { .. })).count();
    assert_eq!(memory_ops, 0, "{}", ccc_ir::print::print_function(&f));
    // The loop header carries s and n.
    assert_eq!(f.blocks[1].params.len(), 2, "{}", ccc_ir::print::print_function(&f));
}

#[test]
fn address_taken_slots_stay_in_memory() {
    let mut f = sum_function();
    // Pass the address of `s` to a call: it escapes and must not be promoted.
    let exit = ccc_ir::Block(3);
    let a = f.blocks[3].insts[0].result.unwrap();
    let call = ccc_ir::Inst { result: None, kind: InstKind::Call { callee: ccc_ir::Callee::Direct("g".into()), sig: Signature { params: vec![AbiType::Scalar(Type::Ptr)], ret: None, variadic: false, named: None }, args: vec![a], ret_slot: None, chain: None } };
    f.blocks[exit.index()].insts.insert(1, call);
    f.renumber_defs();
    ccc_opt::optimize_function(&mut f).expect("optimises");
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let slot_uses = f.layout.iter().flat_map(|b| f.blocks[b.index()].insts.iter()).filter(|i| matches!(i.kind, InstKind::SlotAddr { slot } if slot.index() == 1)).count();
    assert!(slot_uses > 0, "{}", ccc_ir::print::print_function(&f));
}

/// A label whose address is taken (`_THIS_IP_`) but that no jump reaches
/// stays in the function; its edge into a join point still passes every
/// promoted variable (fs/namei.c's `do_linkat` on arm64).
#[test]
fn blocks_reached_only_by_their_address_pass_promoted_values() {
    let mut f = sum_function();
    let head = ccc_ir::Block(1);
    let lab = f.new_block();
    f.layout.push(lab);
    f.address_taken.push(lab);
    let a = f.append(lab, InstKind::SlotAddr { slot: ccc_ir::SlotId::new(1) }).unwrap();
    let seven = f.append(lab, InstKind::IConst { ty: Type::I32, value: 7 }).unwrap();
    f.append(lab, InstKind::Store { ty: Type::I32, ptr: a, value: seven, volatile: false });
    let a = f.append(lab, InstKind::SlotAddr { slot: ccc_ir::SlotId::new(0) }).unwrap();
    f.append(lab, InstKind::Load { ty: Type::I32, ptr: a, volatile: false });
    f.append(lab, InstKind::Jump(ccc_ir::BlockCall::new(head)));
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::mem2reg::run(&mut f);
    ccc_ir::verify::verify_function(&f).unwrap_or_else(|e| panic!("{e}\n{}", ccc_ir::print::print_function(&f)));
    assert_eq!(f.blocks[head.index()].params.len(), 2, "{}", ccc_ir::print::print_function(&f));
    let jump_args = match &f.blocks[lab.index()].insts.last().unwrap().kind {
        InstKind::Jump(bc) => bc.args.len(),
        k => panic!("{k:?}"),
    };
    assert_eq!(jump_args, 2);
    ccc_opt::optimize_function(&mut f).expect("optimises");
    ccc_ir::verify::verify_function(&f).expect("output verifies");
}
