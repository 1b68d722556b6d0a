//! Scalar replacement of aggregates: struct locals whose address does not
//! escape become one slot per field, which mem2reg promotes.

use ccc_ir::{AbiType, BinOp, Block, Callee, Function, InstKind, Signature, SlotId, Type, Value};

fn sig(params: &[Type], ret: Option<Type>) -> Signature {
    Signature { params: params.iter().map(|t| AbiType::Scalar(*t)).collect(), ret: ret.map(AbiType::Scalar), variadic: false, named: None }
}

fn field_addr(f: &mut Function, b: Block, slot: SlotId, offset: i128) -> Value {
    let base = f.append(b, InstKind::SlotAddr { slot }).unwrap();
    if offset == 0 {
        return base;
    }
    let k = f.append(b, InstKind::IConst { ty: Type::I64, value: offset }).unwrap();
    f.append(b, InstKind::Binary { op: BinOp::Add, ty: Type::Ptr, lhs: base, rhs: k }).unwrap()
}

/// `struct { int a; long b; } s = {0}; s.a = x; s.b = y; return s.a + (int)s.b;`
/// (the front end's lowering: a memset, then stores at constant offsets).
fn struct_local() -> (Function, SlotId) {
    let mut f = Function::new("f", sig(&[Type::I32, Type::I64], Some(Type::I32)));
    let entry = f.new_block();
    f.layout = vec![entry];
    let x = f.add_block_param(entry, Type::I32);
    let y = f.add_block_param(entry, Type::I64);
    let s = f.new_slot(16, 8);
    let base = field_addr(&mut f, entry, s, 0);
    let zero = f.append(entry, InstKind::IConst { ty: Type::I8, value: 0 }).unwrap();
    f.append(entry, InstKind::Memset { dst: base, byte: zero, size: 16, align: 8 });
    let a = field_addr(&mut f, entry, s, 0);
    f.append(entry, InstKind::Store { ty: Type::I32, ptr: a, value: x, volatile: false });
    let b = field_addr(&mut f, entry, s, 8);
    f.append(entry, InstKind::Store { ty: Type::I64, ptr: b, value: y, volatile: false });
    let a = field_addr(&mut f, entry, s, 0);
    let va = f.append(entry, InstKind::Load { ty: Type::I32, ptr: a, volatile: false }).unwrap();
    let b = field_addr(&mut f, entry, s, 8);
    let vb = f.append(entry, InstKind::Load { ty: Type::I64, ptr: b, volatile: false }).unwrap();
    let tb = f.append(entry, InstKind::Cast { op: ccc_ir::CastOp::Trunc, from: Type::I64, to: Type::I32, arg: vb }).unwrap();
    let sum = f.append(entry, InstKind::Binary { op: BinOp::Add, ty: Type::I32, lhs: va, rhs: tb }).unwrap();
    f.append(entry, InstKind::Return { value: Some(sum) });
    (f, s)
}

fn memory_ops(f: &Function) -> usize {
    f.layout.iter().flat_map(|b| f.blocks[b.index()].insts.iter()).filter(|i| matches!(i.kind, InstKind::Load { .. } | InstKind::Store { .. } | InstKind::Memset { .. } | InstKind::Memcpy { .. })).count()
}

fn uses_slot(f: &Function, s: SlotId) -> bool {
    f.layout.iter().flat_map(|b| f.blocks[b.index()].insts.iter()).any(|i| matches!(i.kind, InstKind::SlotAddr { slot } if slot == s))
}

#[test]
fn splits_a_struct_and_promotes_its_fields() {
    let (mut f, s) = struct_local();
    ccc_ir::verify::verify_function(&f).expect("input verifies");
    assert!(ccc_opt::sroa::run(&mut f));
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    ccc_opt::dce::run(&mut f);
    assert!(!uses_slot(&f, s), "{}", ccc_ir::print::print_function(&f));
    ccc_opt::mem2reg::run(&mut f);
    ccc_ir::verify::verify_function(&f).expect("promoted output verifies");
    assert_eq!(memory_ops(&f), 0, "{}", ccc_ir::print::print_function(&f));
}

#[test]
fn an_escaping_address_keeps_the_struct_whole() {
    let (mut f, s) = struct_local();
    let entry = Block(0);
    let p = f.append(entry, InstKind::SlotAddr { slot: s }).unwrap();
    let call = InstKind::Call { callee: Callee::Direct("g".into()), sig: sig(&[Type::Ptr], None), args: vec![p], ret_slot: None, chain: None };
    let ret = f.blocks[0].insts.pop().unwrap();
    f.append(entry, call);
    f.blocks[0].insts.push(ret);
    f.renumber_defs();
    assert!(!ccc_opt::sroa::run(&mut f));
}

#[test]
fn overlapping_accesses_keep_the_struct_whole() {
    let (mut f, s) = struct_local();
    // A 4-byte load from the middle of the 8-byte field.
    let entry = Block(0);
    let ret = f.blocks[0].insts.pop().unwrap();
    let p = field_addr(&mut f, entry, s, 12);
    f.append(entry, InstKind::Load { ty: Type::I32, ptr: p, volatile: false });
    f.blocks[0].insts.push(ret);
    f.renumber_defs();
    assert!(!ccc_opt::sroa::run(&mut f));
}

#[test]
fn copying_out_filled_padding_keeps_the_struct_whole() {
    // The memset fills the padding at bytes 4..8; a copy out would lose it.
    let (mut f, s) = struct_local();
    let entry = Block(0);
    let out = f.add_block_param(entry, Type::Ptr);
    f.sig.params.push(AbiType::Scalar(Type::Ptr));
    let ret = f.blocks[0].insts.pop().unwrap();
    let p = field_addr(&mut f, entry, s, 0);
    f.append(entry, InstKind::Memcpy { dst: out, src: p, size: 16, align: 8 });
    f.blocks[0].insts.push(ret);
    f.renumber_defs();
    assert!(!ccc_opt::sroa::run(&mut f));
}

#[test]
fn a_copy_into_the_struct_becomes_field_loads() {
    // `struct s t = *src; return t.a + (int)t.b;`: the copy becomes one load per field.
    let (mut f, s) = struct_local();
    let entry = Block(0);
    let src = f.add_block_param(entry, Type::Ptr);
    f.sig.params.push(AbiType::Scalar(Type::Ptr));
    // Replace the memset (instruction 2) by a copy from `src`.
    let base = f.blocks[0].insts[0].result.unwrap();
    f.blocks[0].insts[2].kind = InstKind::Memcpy { dst: base, src, size: 16, align: 8 };
    assert!(ccc_opt::sroa::run(&mut f));
    ccc_ir::verify::verify_function(&f).expect("output verifies");
    let loads_from_src = f.layout.iter().flat_map(|b| f.blocks[b.index()].insts.iter()).filter(|i| matches!(i.kind, InstKind::Load { .. })).count();
    assert_eq!(loads_from_src, 4, "{}", ccc_ir::print::print_function(&f)); // 2 copied fields + 2 reads
    ccc_opt::dce::run(&mut f);
    assert!(!uses_slot(&f, s), "{}", ccc_ir::print::print_function(&f));
}
