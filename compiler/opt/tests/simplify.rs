//! Block parameters that always receive the same value are that value.

use ccc_ir::{AbiType, BlockCall, Callee, Function, InstKind, Signature, Type};

fn sig(params: &[Type], ret: Option<Type>) -> Signature {
    Signature { params: params.iter().map(|t| AbiType::Scalar(*t)).collect(), ret: ret.map(AbiType::Scalar), variadic: false, named: None }
}

/// `bool s = 0; if (c) s = 0; if (s) ext();` once in SSA: both edges pass
/// a zero, each its own `iconst`, and the call must go (the arm64 kernel's
/// `dma_direct_alloc` calls `arch_dma_set_uncached` only that way, and
/// arm64 has no such function).
#[test]
fn a_parameter_receiving_one_constant_from_different_values_is_that_constant() {
    let mut f = Function::new("f", sig(&[Type::I32], None));
    let [entry, set, join, call, exit] = [(); 5].map(|_| f.new_block());
    f.layout = vec![entry, set, join, call, exit];
    let c = f.add_block_param(entry, Type::I32);
    let z0 = f.append(entry, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(entry, InstKind::Branch { cond: c, cond_ty: Type::I32, then_dest: BlockCall::new(set), else_dest: BlockCall { block: join, args: vec![z0] } });
    let z1 = f.append(set, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(set, InstKind::Jump(BlockCall { block: join, args: vec![z1] }));
    let s = f.add_block_param(join, Type::I8);
    f.append(join, InstKind::Branch { cond: s, cond_ty: Type::I8, then_dest: BlockCall::new(call), else_dest: BlockCall::new(exit) });
    f.append(call, InstKind::Call { callee: Callee::Direct("ext".into()), sig: sig(&[], None), args: vec![], ret_slot: None, chain: None });
    f.append(call, InstKind::Jump(BlockCall::new(exit)));
    f.append(exit, InstKind::Return { value: None });
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::optimize_function(&mut f).expect("optimises");
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let calls = f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts).filter(|i| matches!(i.kind, InstKind::Call { .. })).count();
    assert_eq!(calls, 0, "{}", ccc_ir::print::print_function(&f));
}

/// Different constants stay a parameter.
#[test]
fn a_parameter_receiving_different_constants_stays() {
    let mut f = Function::new("f", sig(&[Type::I32], Some(Type::I8)));
    let [entry, set, join] = [(); 3].map(|_| f.new_block());
    f.layout = vec![entry, set, join];
    let c = f.add_block_param(entry, Type::I32);
    let z0 = f.append(entry, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(entry, InstKind::Branch { cond: c, cond_ty: Type::I32, then_dest: BlockCall::new(set), else_dest: BlockCall { block: join, args: vec![z0] } });
    let one = f.append(set, InstKind::IConst { ty: Type::I8, value: 1 }).unwrap();
    f.append(set, InstKind::Jump(BlockCall { block: join, args: vec![one] }));
    let s = f.add_block_param(join, Type::I8);
    f.append(join, InstKind::Return { value: Some(s) });
    ccc_opt::simplify::run(&mut f);
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let ret = f.blocks[join.index()].insts.last().unwrap();
    assert!(matches!(ret.kind, InstKind::Return { value: Some(v) } if f.blocks[join.index()].params.contains(&v)), "{}", ccc_ir::print::print_function(&f));
}

/// Three edges passing 0, 0 and 1 (the last one differs only after two
/// agreeing constants): still a parameter. The arm64 kernel's
/// `cpucap_is_possible()` switch returned 0 for every capability.
#[test]
fn a_later_different_constant_keeps_the_parameter() {
    let mut f = Function::new("f", sig(&[Type::I32], Some(Type::I8)));
    let [entry, a, b, join] = [(); 4].map(|_| f.new_block());
    f.layout = vec![entry, a, b, join];
    let c = f.add_block_param(entry, Type::I32);
    let z0 = f.append(entry, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(entry, InstKind::Branch { cond: c, cond_ty: Type::I32, then_dest: BlockCall::new(a), else_dest: BlockCall { block: join, args: vec![z0] } });
    let z1 = f.append(a, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(a, InstKind::Branch { cond: c, cond_ty: Type::I32, then_dest: BlockCall { block: join, args: vec![z1] }, else_dest: BlockCall::new(b) });
    let one = f.append(b, InstKind::IConst { ty: Type::I8, value: 1 }).unwrap();
    f.append(b, InstKind::Jump(BlockCall { block: join, args: vec![one] }));
    let s = f.add_block_param(join, Type::I8);
    f.append(join, InstKind::Return { value: Some(s) });
    ccc_opt::simplify::run(&mut f);
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let ret = f.blocks[join.index()].insts.last().unwrap();
    assert!(matches!(ret.kind, InstKind::Return { value: Some(v) } if f.blocks[join.index()].params.contains(&v)), "{}", ccc_ir::print::print_function(&f));
}
