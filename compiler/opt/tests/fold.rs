//! Folding and control-flow cleanup: identities, constant branches, merged blocks.

use ccc_ir::{AbiType, BinOp, BlockCall, Callee, Function, InstKind, IntCC, Signature, Type};

fn count(f: &Function, pred: impl Fn(&InstKind) -> bool) -> usize {
    f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts).filter(|i| pred(&i.kind)).count()
}

/// `void f(unsigned x) { if ((x >> 0) != x || (0 << x) != 0) link_error(); }`
fn shift_identities() -> Function {
    let void_sig = Signature { params: vec![], ret: None, variadic: false, named: None };
    let sig = Signature { params: vec![AbiType::Scalar(Type::I32)], ret: None, variadic: false, named: None };
    let mut f = Function::new("f", sig);
    let (entry, check2, bad, done) = (f.new_block(), f.new_block(), f.new_block(), f.new_block());
    f.layout = vec![entry, check2, bad, done];
    let x = f.add_block_param(entry, Type::I32);
    let zero = f.append(entry, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    let shr = f.append(entry, InstKind::Binary { op: BinOp::LShr, ty: Type::I32, lhs: x, rhs: zero }).unwrap();
    let ne = f.append(entry, InstKind::Icmp { cc: IntCC::Ne, ty: Type::I32, lhs: shr, rhs: x }).unwrap();
    f.append(entry, InstKind::Branch { cond: ne, cond_ty: Type::I8, then_dest: BlockCall::new(bad), else_dest: BlockCall::new(check2) });
    let zero2 = f.append(check2, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    let shl = f.append(check2, InstKind::Binary { op: BinOp::Shl, ty: Type::I32, lhs: zero2, rhs: x }).unwrap();
    let ne2 = f.append(check2, InstKind::Icmp { cc: IntCC::Ne, ty: Type::I32, lhs: shl, rhs: zero2 }).unwrap();
    f.append(check2, InstKind::Branch { cond: ne2, cond_ty: Type::I8, then_dest: BlockCall::new(bad), else_dest: BlockCall::new(done) });
    f.append(bad, InstKind::Call { callee: Callee::Direct("link_error".into()), sig: void_sig, args: vec![], ret_slot: None, chain: None });
    f.append(bad, InstKind::Jump(BlockCall::new(done)));
    f.append(done, InstKind::Return { value: None });
    f
}

#[test]
fn identities_fold_and_dead_calls_disappear() {
    let mut f = shift_identities();
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::optimize_function(&mut f).expect("optimises");
    let text = ccc_ir::print::print_function(&f);
    assert_eq!(count(&f, |k| matches!(k, InstKind::Call { .. })), 0, "{text}");
    assert_eq!(count(&f, |k| matches!(k, InstKind::Branch { .. })), 0, "{text}");
    // Everything left is one block that returns.
    assert_eq!(f.layout.len(), 1, "{text}");
}

#[test]
fn variable_branches_stay() {
    let mut f = shift_identities();
    // Make the first test depend on x for real: x >> 1.
    for inst in &mut f.blocks[0].insts {
        if let InstKind::IConst { value, .. } = &mut inst.kind {
            *value = 1;
        }
    }
    ccc_opt::optimize_function(&mut f).expect("optimises");
    let text = ccc_ir::print::print_function(&f);
    assert_eq!(count(&f, |k| matches!(k, InstKind::Call { .. })), 1, "{text}");
}

/// `_THIS_IP_` (`({ __label__ h; h: (unsigned long)&&h; })`) takes a label's
/// address in most kernel functions: constant branches there still fold (the
/// kernel's `min()` signedness checks), and the label stays a block of its own.
#[test]
fn constant_branches_fold_beside_an_address_taken_label() {
    let mut f = shift_identities();
    let (check2, bad) = (f.layout[1], f.layout[2]);
    f.address_taken = vec![check2];
    ccc_opt::optimize_function(&mut f).expect("optimises");
    let text = ccc_ir::print::print_function(&f);
    assert_eq!(count(&f, |k| matches!(k, InstKind::Call { .. })), 0, "{text}");
    assert!(f.layout.contains(&check2) && !f.layout.contains(&bad), "{text}");
}

/// An address-taken label in code that folding made unreachable (a `_THIS_IP_` in a
/// dead branch, kernel/rcu/update.c) stays laid out but cannot run: it becomes a lone
/// `unreachable`, since the values it used were defined in blocks that are gone.
#[test]
fn dead_address_taken_label_is_emptied() {
    let int_sig = Signature { params: vec![], ret: Some(AbiType::Scalar(Type::I32)), variadic: false, named: None };
    let sink_sig = Signature { params: vec![AbiType::Scalar(Type::I32)], ret: None, variadic: false, named: None };
    let mut f = Function::new("f", Signature { params: vec![], ret: None, variadic: false, named: None });
    let (entry, dead, label, done) = (f.new_block(), f.new_block(), f.new_block(), f.new_block());
    f.layout = vec![entry, dead, label, done];
    let zero = f.append(entry, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(entry, InstKind::Branch { cond: zero, cond_ty: Type::I8, then_dest: BlockCall::new(dead), else_dest: BlockCall::new(done) });
    let v = f.append(dead, InstKind::Call { callee: Callee::Direct("g".into()), sig: int_sig, args: vec![], ret_slot: None, chain: None }).unwrap();
    f.append(dead, InstKind::Jump(BlockCall::new(label)));
    f.append(label, InstKind::BlockAddr { block: label });
    f.append(label, InstKind::Call { callee: Callee::Direct("sink".into()), sig: sink_sig, args: vec![v], ret_slot: None, chain: None });
    f.append(label, InstKind::Jump(BlockCall::new(done)));
    f.append(done, InstKind::Return { value: None });
    f.address_taken = vec![label];
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    ccc_opt::optimize_function(&mut f).expect("optimises and verifies");
    let text = ccc_ir::print::print_function(&f);
    assert!(f.layout.contains(&label) && !f.layout.contains(&dead), "{text}");
    assert!(matches!(f.blocks[label.index()].insts.as_slice(), [i] if matches!(i.kind, InstKind::Unreachable)), "{text}");
}

/// `unsigned l = 1; for (i = 0; i < 2; i++) l += tab[i]; if (l > 255) bad();`
fn table_sum() -> Function {
    let void_sig = Signature { params: vec![], ret: None, variadic: false, named: None };
    let mut f = Function::new("f", void_sig.clone());
    let (entry, head, body, after, bad, done) = (f.new_block(), f.new_block(), f.new_block(), f.new_block(), f.new_block(), f.new_block());
    f.layout = vec![entry, head, body, after, bad, done];
    let one = f.append(entry, InstKind::IConst { ty: Type::I32, value: 1 }).unwrap();
    let zero = f.append(entry, InstKind::IConst { ty: Type::I32, value: 0 }).unwrap();
    f.append(entry, InstKind::Jump(BlockCall { block: head, args: vec![one, zero] }));
    let l = f.add_block_param(head, Type::I32);
    let i = f.add_block_param(head, Type::I32);
    let two = f.append(head, InstKind::IConst { ty: Type::I32, value: 2 }).unwrap();
    let lt = f.append(head, InstKind::Icmp { cc: IntCC::Slt, ty: Type::I32, lhs: i, rhs: two }).unwrap();
    f.append(head, InstKind::Branch { cond: lt, cond_ty: Type::I8, then_dest: BlockCall::new(body), else_dest: BlockCall::new(after) });
    let tab = f.append(body, InstKind::GlobalAddr { name: "tab".into(), offset: 0 }).unwrap();
    let wide = f.append(body, InstKind::Cast { op: ccc_ir::CastOp::Sext, from: Type::I32, to: Type::I64, arg: i }).unwrap();
    let at = f.append(body, InstKind::Binary { op: BinOp::Add, ty: Type::Ptr, lhs: tab, rhs: wide }).unwrap();
    let byte = f.append(body, InstKind::Load { ty: Type::I8, ptr: at, volatile: false }).unwrap();
    let ext = f.append(body, InstKind::Cast { op: ccc_ir::CastOp::Zext, from: Type::I8, to: Type::I32, arg: byte }).unwrap();
    let sum = f.append(body, InstKind::Binary { op: BinOp::Add, ty: Type::I32, lhs: l, rhs: ext }).unwrap();
    let one2 = f.append(body, InstKind::IConst { ty: Type::I32, value: 1 }).unwrap();
    let next = f.append(body, InstKind::Binary { op: BinOp::Add, ty: Type::I32, lhs: i, rhs: one2 }).unwrap();
    f.append(body, InstKind::Jump(BlockCall { block: head, args: vec![sum, next] }));
    let limit = f.append(after, InstKind::IConst { ty: Type::I32, value: 255 }).unwrap();
    let over = f.append(after, InstKind::Icmp { cc: IntCC::Ugt, ty: Type::I32, lhs: l, rhs: limit }).unwrap();
    f.append(after, InstKind::Branch { cond: over, cond_ty: Type::I8, then_dest: BlockCall::new(bad), else_dest: BlockCall::new(done) });
    f.append(bad, InstKind::Call { callee: Callee::Direct("bad".into()), sig: void_sig, args: vec![], ret_slot: None, chain: None });
    f.append(bad, InstKind::Jump(BlockCall::new(done)));
    f.append(done, InstKind::Return { value: None });
    f
}

fn optimise_table_sum(tab: [u8; 2]) -> (usize, usize, String) {
    use ccc_ir::{Global, InitPiece, SymbolAttrs};
    let mut f = table_sum();
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    let globals = vec![Global {
        name: "tab".into(),
        attrs: SymbolAttrs::default(),
        size: 2,
        align: 1,
        init: Some(vec![InitPiece::Bytes(tab.to_vec())]),
        readonly: true,
        thread_local: false,
        common: false,
    }];
    let images = ccc_opt::const_load::Images::new(&globals);
    ccc_opt::optimize_function_with(&mut f, &images, true).expect("optimises");
    let calls = count(&f, |k| matches!(k, InstKind::Call { .. }));
    let loads = count(&f, |k| matches!(k, InstKind::Load { .. }));
    (calls, loads, ccc_ir::print::print_function(&f))
}

/// A loop over a constant table runs at compile time (the kernel's
/// `BUILD_BUG_ON(skb_ext_total_length() > 255)`): the loop and the dead call go,
/// and the call stays when the table's sum does pass the limit.
#[test]
fn constant_loops_run_at_compile_time() {
    let (calls, loads, text) = optimise_table_sum([100, 100]);
    assert_eq!((calls, loads), (0, 0), "{text}");
    let (calls, loads, text) = optimise_table_sum([100, 200]);
    assert_eq!((calls, loads), (1, 0), "{text}");
}
