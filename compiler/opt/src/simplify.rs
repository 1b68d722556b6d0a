//! Block parameters that always receive the same value (or the same
//! integer constant) are that value.

use ccc_ir::{Block, Function, Inst, InstKind, Value};

pub fn run(f: &mut Function) {
    remove_trivial_params(f);
    f.renumber_defs();
}

fn resolve(map: &[Option<Value>], mut v: Value) -> Value {
    while let Some(Some(r)) = map.get(v.index()) {
        if *r == v {
            break;
        }
        v = *r;
    }
    v
}

/// A block parameter whose incoming values are all one value (or itself)
/// is that value.
fn remove_trivial_params(f: &mut Function) {
    let entry = f.entry();
    let n = f.blocks.len();
    // Incoming argument lists per block, gathered once.
    let mut incoming: Vec<Vec<Vec<Value>>> = vec![Vec::new(); n];
    let mut opaque = vec![false; n];
    for pred in &f.layout {
        for inst in &f.blocks[pred.index()].insts {
            match &inst.kind {
                InstKind::Jump(bc) => incoming[bc.block.index()].push(bc.args.clone()),
                InstKind::Branch { then_dest, else_dest, .. } => {
                    incoming[then_dest.block.index()].push(then_dest.args.clone());
                    incoming[else_dest.block.index()].push(else_dest.args.clone());
                }
                k => {
                    for s in k.successors() {
                        opaque[s.index()] = true;
                    }
                }
            }
        }
    }
    let mut map: Vec<Option<Value>> = vec![None; f.values.len()];
    let mut consts = crate::int_constants(f);
    loop {
        let mut changed = false;
        // parameters receiving one constant through different values
        let mut const_params: Vec<(Block, Value, i128)> = Vec::new();
        for &b in &f.layout {
            if b == entry || opaque[b.index()] {
                continue;
            }
            for (i, &p) in f.blocks[b.index()].params.iter().enumerate() {
                if map[p.index()].is_some() {
                    continue;
                }
                let mut same: Option<Value> = None;
                let mut trivial = true;
                let mut same_const: Option<Option<i128>> = None;
                for args in &incoming[b.index()] {
                    let a = resolve(&map, args[i]);
                    if a == p {
                        continue;
                    }
                    let k = consts.get(a.index()).copied().flatten();
                    same_const = match same_const {
                        None => Some(k),
                        Some(prev) if prev == k => Some(k),
                        Some(_) => Some(None),
                    };
                    match same {
                        None => same = Some(a),
                        Some(s) if s == a => {}
                        // no early exit: the constant test needs every argument
                        _ => trivial = false,
                    }
                }
                if trivial {
                    if let Some(v) = same {
                        map[p.index()] = Some(v);
                        changed = true;
                    }
                } else if let Some(Some(k)) = same_const {
                    const_params.push((b, p, k));
                }
            }
        }
        // such a parameter is that constant, defined at the top of its block
        for (b, p, k) in const_params {
            let ty = f.value_type(p);
            let v = f.new_detached_value(ty);
            f.blocks[b.index()].insts.insert(0, Inst { result: Some(v), kind: InstKind::IConst { ty, value: k } });
            map.resize(f.values.len(), None);
            consts.resize(f.values.len(), None);
            consts[v.index()] = Some(k);
            map[p.index()] = Some(v);
            changed = true;
        }
        if !changed {
            break;
        }
    }
    for bd in &mut f.blocks {
        for inst in &mut bd.insts {
            inst.kind.map_operands(|v| resolve(&map, v));
        }
    }
}
