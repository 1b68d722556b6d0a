//! Conditions known on the edges they dominate.

use ccc_ir::{AbiType, Block, BlockCall, Callee, Function, InstKind, IntCC, Signature, Type, Value};

fn sig(params: &[Type], ret: Option<Type>) -> Signature {
    Signature { params: params.iter().map(|t| AbiType::Scalar(*t)).collect(), ret: ret.map(AbiType::Scalar), variadic: false, named: None }
}

fn iconst(f: &mut Function, b: Block, ty: Type, value: i128) -> Value {
    f.append(b, InstKind::IConst { ty, value }).unwrap()
}

fn branch(f: &mut Function, b: Block, cc: IntCC, x: Value, k: i128, then: Block, els: Block) {
    let c = iconst(f, b, Type::I32, k);
    let cond = f.append(b, InstKind::Icmp { cc, ty: Type::I32, lhs: x, rhs: c }).unwrap();
    f.append(b, InstKind::Branch { cond, cond_ty: Type::I8, then_dest: BlockCall::new(then), else_dest: BlockCall::new(els) });
}

fn call_bug(f: &mut Function, b: Block) {
    f.append(b, InstKind::Call { callee: Callee::Direct("bug".into()), sig: sig(&[], None), args: vec![], ret_slot: None, chain: None });
}

/// `while (state != 0) { switch (state) { case 0: bug(); ... } }`, the shape
/// of the kernel's `scoped_seqlock_read()` once its state is a value.
#[test]
fn a_loop_condition_removes_the_contradicting_switch_case() {
    let mut f = Function::new("f", sig(&[Type::I32], None));
    let [entry, head, body, bug, step, exit] = [(); 6].map(|_| f.new_block());
    f.layout = vec![entry, head, body, bug, step, exit];
    let init = f.add_block_param(entry, Type::I32);
    f.append(entry, InstKind::Jump(BlockCall { block: head, args: vec![init] }));
    let state = f.add_block_param(head, Type::I32);
    branch(&mut f, head, IntCC::Ne, state, 0, body, exit);
    f.append(body, InstKind::Switch { value: state, ty: Type::I32, cases: vec![(0, bug), (1, step)], default: step });
    call_bug(&mut f, bug);
    f.append(bug, InstKind::Jump(BlockCall::new(step)));
    let zero = iconst(&mut f, step, Type::I32, 0);
    f.append(step, InstKind::Jump(BlockCall { block: head, args: vec![zero] }));
    f.append(exit, InstKind::Return { value: None });
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    assert!(ccc_opt::known_conds::run(&mut f));
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    match &f.blocks[body.index()].insts.last().unwrap().kind {
        InstKind::Switch { cases, .. } => assert_eq!(cases, &vec![(1, step)]),
        k => panic!("expected the switch, found {k:?}"),
    }
    ccc_opt::cfg::run(&mut f);
    assert!(!f.layout.contains(&bug), "{}", ccc_ir::print::print_function(&f));
}

/// `if (x < 4u) { a = x == 7; b = x < 10u; c = x > 3u; d = x > 1u; }`
#[test]
fn ranges_from_a_dominating_condition_decide_comparisons() {
    let mut f = Function::new("f", sig(&[Type::I32], Some(Type::I8)));
    let [entry, then, join] = [(); 3].map(|_| f.new_block());
    f.layout = vec![entry, then, join];
    let x = f.add_block_param(entry, Type::I32);
    branch(&mut f, entry, IntCC::Ult, x, 4, then, join);
    let mut results = Vec::new();
    for (cc, k) in [(IntCC::Eq, 7), (IntCC::Ult, 10), (IntCC::Ugt, 3), (IntCC::Ugt, 1), (IntCC::Sge, 0)] {
        let c = iconst(&mut f, then, Type::I32, k);
        results.push(f.append(then, InstKind::Icmp { cc, ty: Type::I32, lhs: x, rhs: c }).unwrap());
    }
    f.append(then, InstKind::Jump(BlockCall::new(join)));
    let zero = iconst(&mut f, join, Type::I8, 0);
    f.append(join, InstKind::Return { value: Some(zero) });
    assert!(ccc_opt::known_conds::run(&mut f));
    let value = |v: Value| f.blocks[then.index()].insts.iter().find(|i| i.result == Some(v)).map(|i| match i.kind {
        InstKind::IConst { value, .. } => Some(value),
        _ => None,
    });
    let got: Vec<Option<i128>> = results.iter().map(|&r| value(r).flatten()).collect();
    // x == 7: false; x < 10: true; x > 3: false; x > 1: unknown; x >= 0 (signed): true.
    assert_eq!(got, vec![Some(0), Some(1), Some(0), None, Some(1)]);
}

/// A block reached by two edges knows neither edge's condition.
#[test]
fn a_join_knows_nothing() {
    let mut f = Function::new("f", sig(&[Type::I32], Some(Type::I8)));
    let [entry, other, join] = [(); 3].map(|_| f.new_block());
    f.layout = vec![entry, other, join];
    let x = f.add_block_param(entry, Type::I32);
    branch(&mut f, entry, IntCC::Ne, x, 0, join, other);
    f.append(other, InstKind::Jump(BlockCall::new(join)));
    let zero = iconst(&mut f, join, Type::I32, 0);
    let c = f.append(join, InstKind::Icmp { cc: IntCC::Eq, ty: Type::I32, lhs: x, rhs: zero }).unwrap();
    f.append(join, InstKind::Return { value: Some(c) });
    assert!(!ccc_opt::known_conds::run(&mut f));
}

/// A second branch on a condition already decided by a dominating edge becomes a jump.
#[test]
fn a_repeated_branch_is_decided() {
    let mut f = Function::new("f", sig(&[Type::I32], None));
    let [entry, mid, again, no, exit] = [(); 5].map(|_| f.new_block());
    f.layout = vec![entry, mid, again, no, exit];
    let x = f.add_block_param(entry, Type::I32);
    let zero = iconst(&mut f, entry, Type::I32, 0);
    let cond = f.append(entry, InstKind::Icmp { cc: IntCC::Sgt, ty: Type::I32, lhs: x, rhs: zero }).unwrap();
    f.append(entry, InstKind::Branch { cond, cond_ty: Type::I8, then_dest: BlockCall::new(mid), else_dest: BlockCall::new(exit) });
    call_bug(&mut f, mid);
    f.append(mid, InstKind::Branch { cond, cond_ty: Type::I8, then_dest: BlockCall::new(again), else_dest: BlockCall::new(no) });
    f.append(again, InstKind::Jump(BlockCall::new(exit)));
    call_bug(&mut f, no);
    f.append(no, InstKind::Jump(BlockCall::new(exit)));
    f.append(exit, InstKind::Return { value: None });
    assert!(ccc_opt::known_conds::run(&mut f));
    assert!(matches!(&f.blocks[mid.index()].insts.last().unwrap().kind, InstKind::Jump(bc) if bc.block == again));
}
