//! Local simplifications: block parameters that always receive the same
//! value, and integer constant folding.

use ccc_ir::{BinOp, Function, InstKind, Type, Value};

pub fn run(f: &mut Function) {
    remove_trivial_params(f);
    fold_constants(f);
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
    loop {
        let mut changed = false;
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
                for args in &incoming[b.index()] {
                    let a = resolve(&map, args[i]);
                    if a == p {
                        continue;
                    }
                    match same {
                        None => same = Some(a),
                        Some(s) if s == a => {}
                        _ => {
                            trivial = false;
                            break;
                        }
                    }
                }
                if trivial {
                    if let Some(v) = same {
                        map[p.index()] = Some(v);
                        changed = true;
                    }
                }
            }
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

fn fold_constants(f: &mut Function) {
    let mut consts: Vec<Option<i128>> = vec![None; f.values.len()];
    for b in f.layout.clone() {
        for inst in &mut f.blocks[b.index()].insts {
            let folded = match &inst.kind {
                InstKind::IConst { value, .. } => {
                    if let Some(r) = inst.result {
                        consts[r.index()] = Some(*value);
                    }
                    continue;
                }
                InstKind::Binary { op, ty, lhs, rhs } if *ty != Type::Ptr && ty.is_int() => match (consts[lhs.index()], consts[rhs.index()]) {
                    (Some(a), Some(b)) => fold_binary(*op, *ty, a, b),
                    _ => None,
                },
                _ => None,
            };
            if let (Some(v), Some(r)) = (folded, inst.result) {
                let ty = f.values[r.index()].ty;
                let v = wrap(v, ty);
                inst.kind = InstKind::IConst { ty, value: v };
                consts[r.index()] = Some(v);
            }
        }
    }
}

fn wrap(v: i128, ty: Type) -> i128 {
    let bits = ty.bits();
    if bits >= 128 {
        return v;
    }
    let m = (1i128 << bits) - 1;
    let u = v & m;
    if u >> (bits - 1) & 1 == 1 {
        u - (1i128 << bits)
    } else {
        u
    }
}

fn unsigned(v: i128, ty: Type) -> u128 {
    let bits = ty.bits();
    if bits >= 128 {
        v as u128
    } else {
        (v as u128) & ((1u128 << bits) - 1)
    }
}

fn fold_binary(op: BinOp, ty: Type, a: i128, b: i128) -> Option<i128> {
    let bits = ty.bits();
    Some(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Shl => {
            let s = unsigned(b, ty) % bits as u128;
            a.wrapping_shl(s as u32)
        }
        BinOp::LShr => {
            let s = unsigned(b, ty) % bits as u128;
            (unsigned(a, ty) >> s) as i128
        }
        BinOp::AShr => {
            let s = unsigned(b, ty) % bits as u128;
            wrap(a, ty) >> s
        }
        BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem => {
            if wrap(b, ty) == 0 {
                return None;
            }
            let (x, y) = (wrap(a, ty), wrap(b, ty));
            match op {
                BinOp::SDiv => x.checked_div(y)?,
                BinOp::SRem => x.checked_rem(y)?,
                BinOp::UDiv => (unsigned(a, ty) / unsigned(b, ty)) as i128,
                _ => (unsigned(a, ty) % unsigned(b, ty)) as i128,
            }
        }
        _ => return None,
    })
}
