//! Store-to-load forwarding for stack slots whose address escapes.

use ccc_ir::{AbiType, BlockCall, Callee, Function, InstKind, IntCC, Signature, Type};

fn calls_to(f: &Function, name: &str) -> usize {
    f.layout
        .iter()
        .flat_map(|b| &f.blocks[b.index()].insts)
        .filter(|i| matches!(&i.kind, InstKind::Call { callee: Callee::Direct(n), .. } if n == name))
        .count()
}

/// `void f(void) { spinlock_t *ptl = NULL; [between] if (ptl) link_error(); escape(&ptl); }`
fn null_then_escape(between: Option<InstKind>) -> Function {
    let void_sig = Signature { params: vec![], ret: None, variadic: false, named: None };
    let ptr_sig = Signature { params: vec![AbiType::Scalar(Type::Ptr)], ret: None, variadic: false, named: None };
    let mut f = Function::new("f", void_sig.clone());
    let (entry, bad, done) = (f.new_block(), f.new_block(), f.new_block());
    f.layout = vec![entry, bad, done];
    let slot = f.new_slot(8, 8);
    let null = f.append(entry, InstKind::IConst { ty: Type::Ptr, value: 0 }).unwrap();
    let p1 = f.append(entry, InstKind::SlotAddr { slot }).unwrap();
    f.append(entry, InstKind::Store { ty: Type::Ptr, ptr: p1, value: null, volatile: false });
    if let Some(k) = between {
        f.append(entry, k);
    }
    let p2 = f.append(entry, InstKind::SlotAddr { slot }).unwrap();
    let ptl = f.append(entry, InstKind::Load { ty: Type::Ptr, ptr: p2, volatile: false }).unwrap();
    let zero = f.append(entry, InstKind::IConst { ty: Type::Ptr, value: 0 }).unwrap();
    let ne = f.append(entry, InstKind::Icmp { cc: IntCC::Ne, ty: Type::Ptr, lhs: ptl, rhs: zero }).unwrap();
    f.append(entry, InstKind::Branch { cond: ne, cond_ty: Type::I8, then_dest: BlockCall::new(bad), else_dest: BlockCall::new(done) });
    f.append(bad, InstKind::Call { callee: Callee::Direct("link_error".into()), sig: void_sig, args: vec![], ret_slot: None, chain: None });
    f.append(bad, InstKind::Jump(BlockCall::new(done)));
    let p3 = f.append(done, InstKind::SlotAddr { slot }).unwrap();
    f.append(done, InstKind::Call { callee: Callee::Direct("escape".into()), sig: ptr_sig, args: vec![p3], ret_slot: None, chain: None });
    f.append(done, InstKind::Return { value: None });
    f
}

#[test]
fn a_stored_null_reaches_the_test_before_the_address_escapes() {
    let mut f = null_then_escape(None);
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::optimize_function(&mut f).expect("optimises");
    let text = ccc_ir::print::print_function(&f);
    assert_eq!(calls_to(&f, "link_error"), 0, "{text}");
    assert_eq!(calls_to(&f, "escape"), 1, "{text}");
}

#[test]
fn a_call_in_between_may_write_the_slot() {
    let sig = Signature { params: vec![], ret: None, variadic: false, named: None };
    let call = InstKind::Call { callee: Callee::Direct("other".into()), sig, args: vec![], ret_slot: None, chain: None };
    let mut f = null_then_escape(Some(call));
    ccc_opt::optimize_function(&mut f).expect("optimises");
    let text = ccc_ir::print::print_function(&f);
    assert_eq!(calls_to(&f, "link_error"), 1, "{text}");
}
