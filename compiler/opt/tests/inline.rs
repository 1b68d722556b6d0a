//! always_inline functions are inlined, with their results, slots and loops.

use ccc_ir::{AbiType, BinOp, BlockCall, Callee, Function, InstKind, IntCC, Module, Signature, Type};

fn int_sig(n: usize) -> Signature {
    Signature { params: vec![AbiType::Scalar(Type::I32); n], ret: Some(AbiType::Scalar(Type::I32)), variadic: false, named: None }
}

/// `static inline int add3(int x) { int s = x; for (i = 0; i < 3; i++) s++; return s; }`
/// with the loop counter and `s` in stack slots, as the front end lowers them.
fn add3() -> Function {
    let mut f = Function::new("add3", int_sig(1));
    f.always_inline = true;
    f.attrs.linkage = ccc_ir::Linkage::Internal;
    let (entry, head, body, exit) = (f.new_block(), f.new_block(), f.new_block(), f.new_block());
    f.layout = vec![entry, head, body, exit];
    let x = f.add_block_param(entry, Type::I32);
    let s = f.new_slot(4, 4);
    let i = f.new_slot(4, 4);
    let sa = f.append(entry, InstKind::SlotAddr { slot: s }).unwrap();
    f.append(entry, InstKind::Store { ty: Type::I32, ptr: sa, value: x, volatile: false });
    let ia = f.append(entry, InstKind::SlotAddr { slot: i }).unwrap();
    let zero = f.append(entry, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    f.append(entry, InstKind::Store { ty: Type::I32, ptr: ia, value: zero, volatile: false });
    f.append(entry, InstKind::Jump(BlockCall::new(head)));
    let ia = f.append(head, InstKind::SlotAddr { slot: i }).unwrap();
    let iv = f.append(head, InstKind::Load { ty: Type::I32, ptr: ia, volatile: false }).unwrap();
    let three = f.append(head, InstKind::IConst { ty: Type::I32, value: 3 }).unwrap();
    let c = f.append(head, InstKind::Icmp { cc: IntCC::Slt, ty: Type::I32, lhs: iv, rhs: three }).unwrap();
    f.append(head, InstKind::Branch { cond: c, cond_ty: Type::I8, then_dest: BlockCall::new(body), else_dest: BlockCall::new(exit) });
    let one = f.append(body, InstKind::IConst { ty: Type::I32, value: 1 }).unwrap();
    for slot in [s, i] {
        let a = f.append(body, InstKind::SlotAddr { slot }).unwrap();
        let v = f.append(body, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
        let n = f.append(body, InstKind::Binary { op: BinOp::Add, ty: Type::I32, lhs: v, rhs: one }).unwrap();
        f.append(body, InstKind::Store { ty: Type::I32, ptr: a, value: n, volatile: false });
    }
    f.append(body, InstKind::Jump(BlockCall::new(head)));
    let sa = f.append(exit, InstKind::SlotAddr { slot: s }).unwrap();
    let r = f.append(exit, InstKind::Load { ty: Type::I32, ptr: sa, volatile: false }).unwrap();
    f.append(exit, InstKind::Return { value: Some(r) });
    f
}

/// `int main_like(int y) { return add3(y) + add3(1); }`
fn caller() -> Function {
    let mut f = Function::new("caller", int_sig(1));
    let entry = f.new_block();
    f.layout = vec![entry];
    let y = f.add_block_param(entry, Type::I32);
    let call = |f: &mut Function, a| f.append(entry, InstKind::Call { callee: Callee::Direct("add3".into()), sig: int_sig(1), args: vec![a], ret_slot: None, chain: None }).unwrap();
    let r1 = call(&mut f, y);
    let one = f.append(entry, InstKind::IConst { ty: Type::I32, value: 1 }).unwrap();
    let r2 = call(&mut f, one);
    let sum = f.append(entry, InstKind::Binary { op: BinOp::Add, ty: Type::I32, lhs: r1, rhs: r2 }).unwrap();
    f.append(entry, InstKind::Return { value: Some(sum) });
    f
}

#[test]
fn always_inline_calls_are_replaced_by_the_body() {
    let mut m = Module { functions: vec![add3(), caller()], ..Module::default() };
    ccc_opt::inline::run(&mut m);
    let f = &m.functions[1];
    ccc_ir::verify::verify_function(f).unwrap_or_else(|e| panic!("{e}\n{}", ccc_ir::print::print_function(f)));
    let calls = f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts).filter(|i| matches!(i.kind, InstKind::Call { .. })).count();
    assert_eq!(calls, 0, "{}", ccc_ir::print::print_function(f));
    assert_eq!(f.slots.len(), 4, "each copy has its own slots");
    // Optimising the result keeps it valid.
    let mut f = f.clone();
    ccc_opt::optimize_function(&mut f).expect("optimises");
}

#[test]
fn calls_with_mismatched_arguments_stay() {
    let mut c = caller();
    for inst in &mut c.blocks[0].insts {
        if let InstKind::Call { args, .. } = &mut inst.kind {
            args.clear();
        }
    }
    let mut m = Module { functions: vec![add3(), c], ..Module::default() };
    ccc_opt::inline::run(&mut m);
    let f = &m.functions[1];
    let calls = f.blocks[0].insts.iter().filter(|i| matches!(i.kind, InstKind::Call { .. })).count();
    assert_eq!(calls, 2);
}
