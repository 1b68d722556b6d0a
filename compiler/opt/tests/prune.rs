//! Unreferenced internal symbols are dropped as GCC drops them.

use ccc_ir::{Callee, Function, Global, InitPiece, InstKind, Linkage, Module, Signature, SymbolAttrs};

fn func(name: &str, linkage: Linkage, inline: bool, calls: &[&str]) -> Function {
    let sig = Signature { params: vec![], ret: None, variadic: false, named: None };
    let mut f = Function::new(name, sig.clone());
    f.attrs.linkage = linkage;
    f.declared_inline = inline;
    let b = f.new_block();
    f.layout = vec![b];
    for c in calls {
        f.append(b, InstKind::Call { callee: Callee::Direct(c.to_string()), sig: sig.clone(), args: vec![], ret_slot: None, chain: None });
    }
    f.append(b, InstKind::Return { value: None });
    f
}

fn module() -> Module {
    let mut m = Module::default();
    m.functions.push(func("main", Linkage::External, false, &["used_inline"]));
    m.functions.push(func("used_inline", Linkage::Internal, true, &[]));
    // Only referenced from another unused inline function.
    m.functions.push(func("chain_a", Linkage::Internal, true, &["chain_b"]));
    m.functions.push(func("chain_b", Linkage::Internal, true, &["chain_a"]));
    m.functions.push(func("plain_static", Linkage::Internal, false, &[]));
    m.functions.push(func("via_table", Linkage::Internal, true, &[]));
    let table = Global {
        name: "table".into(),
        attrs: SymbolAttrs { linkage: Linkage::External, ..SymbolAttrs::default() },
        size: 8,
        align: 8,
        init: Some(vec![InitPiece::Addr { symbol: "via_table".into(), addend: 0 }]),
        readonly: false,
        thread_local: false,
        common: false,
    };
    m.globals.push(table);
    let unused = Global { name: "unused".into(), attrs: SymbolAttrs { linkage: Linkage::Internal, ..SymbolAttrs::default() }, ..m.globals[0].clone() };
    m.globals.push(Global { init: Some(vec![InitPiece::Zero(8)]), ..unused });
    m
}

fn names(m: &Module) -> Vec<&str> {
    m.functions.iter().map(|f| f.name.as_str()).chain(m.globals.iter().map(|g| g.name.as_str())).collect()
}

#[test]
fn o0_drops_only_unreferenced_inline_functions() {
    let mut m = module();
    ccc_opt::prune::run(&mut m, 0);
    assert_eq!(names(&m), ["main", "used_inline", "plain_static", "via_table", "table", "unused"]);
}

#[test]
fn o2_drops_every_unreferenced_internal_symbol() {
    let mut m = module();
    ccc_opt::prune::run(&mut m, 2);
    assert_eq!(names(&m), ["main", "used_inline", "via_table", "table"]);
}
