//! Loops that only compute constants run at compile time. A loop entered by a jump
//! with constant arguments, whose body has no side effects and computes from constants
//! only (integer arithmetic, compares, loads of constant data), is interpreted; its
//! entry then jumps straight to where it exits, and the values it leaves behind become
//! constants. GCC gets the same result by unrolling such loops completely, and code
//! relies on it: the kernel's `BUILD_BUG_ON(skb_ext_total_length() > 255)` sums a
//! constant table in a loop.

use crate::const_load::Images;
use crate::dom::DomTree;
use ccc_ir::{BinOp, Block, BlockCall, Function, InstKind, Type, Value, ValueDef};
use std::collections::BTreeMap;

/// Instructions interpreted per loop before giving up.
const MAX_STEPS: usize = 20_000;
/// Loops evaluated per function and run (each changes the CFG).
const MAX_LOOPS: usize = 16;

/// Returns whether a loop was replaced.
pub fn run(f: &mut Function, images: &Images) -> bool {
    let mut changed = false;
    for _ in 0..MAX_LOOPS {
        let dom = DomTree::compute(f);
        let constants = constants(f, &dom);
        let Some(result) = dom.rpo.iter().find_map(|&h| evaluate(f, &dom, &constants, h, images)) else { break };
        apply(f, result);
        changed = true;
    }
    if changed {
        f.renumber_defs();
    }
    changed
}

/// A compile-time value: an integer, or a symbol's address plus an offset.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Int(i128),
    Sym(String, i64),
}

struct Evaluated {
    /// The block outside the loop that jumps into it.
    entry: Block,
    body: Vec<bool>,
    exit: Block,
    exit_args: Vec<(Val, Type)>,
    /// The loop values used after the loop, with their last values.
    used_after: Vec<(Value, Val, Type)>,
}

fn dominates(dom: &DomTree, a: Block, mut b: Block) -> bool {
    loop {
        if a == b {
            return true;
        }
        match dom.idom[b.index()] {
            Some(d) if d != b => b = d,
            _ => return false,
        }
    }
}

/// Constants and addresses defined anywhere (those outside a loop dominate it).
fn constants(f: &Function, dom: &DomTree) -> Vec<Option<Val>> {
    let mut vals: Vec<Option<Val>> = vec![None; f.values.len()];
    for &b in &dom.rpo {
        for inst in &f.blocks[b.index()].insts {
            match (&inst.kind, inst.result) {
                (InstKind::IConst { value, .. }, Some(r)) => vals[r.index()] = Some(Val::Int(*value)),
                (InstKind::GlobalAddr { name, offset }, Some(r)) => vals[r.index()] = Some(Val::Sym(name.clone(), *offset)),
                _ => {}
            }
        }
    }
    vals
}

/// The values of one interpretation: the loop's over the function's constants.
struct Env<'a> {
    constants: &'a [Option<Val>],
    computed: BTreeMap<Value, Val>,
}

impl Env<'_> {
    fn get(&self, v: Value) -> Option<&Val> {
        self.computed.get(&v).or(self.constants[v.index()].as_ref())
    }
}

/// Interprets the loop headed by `h`, if it is one that can be.
fn evaluate(f: &Function, dom: &DomTree, constants: &[Option<Val>], h: Block, images: &Images) -> Option<Evaluated> {
    let preds = &dom.preds[h.index()];
    let (back, outside): (Vec<Block>, Vec<Block>) = preds.iter().partition(|&&p| dominates(dom, h, p));
    let [entry] = outside.as_slice() else { return None };
    if back.is_empty() {
        return None;
    }
    let InstKind::Jump(first) = &f.blocks[entry.index()].insts.last()?.kind else { return None };
    // The body: the header and every block that reaches a back edge without passing it.
    let mut body = vec![false; f.blocks.len()];
    body[h.index()] = true;
    let mut stack = back.clone();
    while let Some(b) = stack.pop() {
        if !std::mem::replace(&mut body[b.index()], true) {
            stack.extend(dom.preds[b.index()].iter().copied());
        }
    }
    let mut vals = Env { constants, computed: BTreeMap::new() };
    let mut args: Vec<Val> = first.args.iter().map(|a| vals.get(*a).cloned()).collect::<Option<_>>()?;
    let mut block = h;
    let mut steps = 0;
    loop {
        let bd = &f.blocks[block.index()];
        for (p, a) in bd.params.iter().zip(args) {
            vals.computed.insert(*p, a);
        }
        let (last, rest) = bd.insts.split_last()?;
        for inst in rest {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            let r = inst.result?;
            let v = step(&inst.kind, &vals, images)?;
            vals.computed.insert(r, v);
        }
        let next = match &last.kind {
            InstKind::Jump(bc) => bc,
            InstKind::Branch { cond, then_dest, else_dest, .. } => match vals.get(*cond)? {
                Val::Int(0) => else_dest,
                Val::Int(_) => then_dest,
                Val::Sym(..) => return None,
            },
            _ => return None,
        };
        args = next.args.iter().map(|a| vals.get(*a).cloned()).collect::<Option<_>>()?;
        if !body[next.block.index()] {
            let types = next.args.iter().map(|a| f.value_type(*a));
            let exit_args: Vec<(Val, Type)> = args.into_iter().zip(types).collect();
            let mut used_after = Vec::new();
            for v in loop_values_used_after(f, &body) {
                used_after.push((v, vals.get(v)?.clone(), f.value_type(v)));
            }
            let expressible = |(val, ty): (&Val, &Type)| matches!((val, ty), (Val::Int(_), t) if t.is_int()) || matches!((val, ty), (Val::Sym(..), Type::Ptr));
            if !exit_args.iter().all(|(v, t)| expressible((v, t))) || !used_after.iter().all(|(_, v, t)| expressible((v, t))) {
                return None;
            }
            return Some(Evaluated { entry: *entry, body, exit: next.block, exit_args, used_after });
        }
        block = next.block;
    }
}

/// One instruction's value, when it is pure and its operands are known.
fn step(kind: &InstKind, vals: &Env, images: &Images) -> Option<Val> {
    let int = |v: &Value| match vals.get(*v) {
        Some(Val::Int(k)) => Some(*k),
        _ => None,
    };
    match kind {
        InstKind::IConst { value, .. } => Some(Val::Int(*value)),
        InstKind::GlobalAddr { name, offset } => Some(Val::Sym(name.clone(), *offset)),
        InstKind::Binary { op: op @ (BinOp::Add | BinOp::Sub), ty: Type::Ptr, lhs, rhs } => match (vals.get(*lhs), int(rhs)) {
            (Some(Val::Sym(name, off)), Some(k)) => {
                let k = if *op == BinOp::Add { k as i64 } else { (k as i64).wrapping_neg() };
                Some(Val::Sym(name.clone(), off.wrapping_add(k)))
            }
            _ => None,
        },
        InstKind::Load { ty, ptr, volatile: false } => match vals.get(*ptr) {
            Some(Val::Sym(name, off)) => match images.read(name, *off, *ty)? {
                InstKind::IConst { value, .. } => Some(Val::Int(value)),
                _ => None,
            },
            _ => None,
        },
        InstKind::Binary { .. } | InstKind::Unary { .. } | InstKind::Icmp { .. } | InstKind::Cast { .. } | InstKind::Select { .. } => {
            // The folder reads operands from a table indexed by value: renumber them
            // 0..n so the table stays as small as the instruction.
            let mut consts = Vec::new();
            let mut local = kind.clone();
            local.map_operands(|v| {
                consts.push(int(&v));
                Value::new(consts.len() - 1)
            });
            crate::fold::evaluate(&local, &consts).map(Val::Int)
        }
        _ => None,
    }
}

/// Values defined in the loop and used outside it.
fn loop_values_used_after(f: &Function, body: &[bool]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for &b in &f.layout {
        if body[b.index()] {
            continue;
        }
        for inst in &f.blocks[b.index()].insts {
            inst.kind.for_each_operand(|v| {
                let in_loop = match f.values[v.index()].def {
                    ValueDef::Inst(d, _) | ValueDef::Param(d, _) => body[d.index()],
                    _ => false,
                };
                if in_loop && !out.contains(&v) {
                    out.push(v);
                }
            });
        }
    }
    out
}

/// Appends the instruction that makes `v` (checked expressible) to `b`.
fn materialise(f: &mut Function, b: Block, v: &Val, ty: Type) -> Value {
    let kind = match v {
        Val::Int(k) => InstKind::IConst { ty, value: crate::fold::wrap(*k, ty) },
        Val::Sym(name, offset) => InstKind::GlobalAddr { name: name.clone(), offset: *offset },
    };
    f.append(b, kind).expect("constants have results")
}

/// The entry jumps to the loop's exit; uses after the loop read the constants.
fn apply(f: &mut Function, e: Evaluated) {
    let Some(_jump_to_loop) = f.blocks[e.entry.index()].insts.pop() else { return };
    let mut replace: Vec<Option<Value>> = vec![None; f.values.len()];
    for (v, val, ty) in &e.used_after {
        let n = materialise(f, e.entry, val, *ty);
        replace.resize(f.values.len(), None);
        replace[v.index()] = Some(n);
    }
    let args = e.exit_args.iter().map(|(val, ty)| materialise(f, e.entry, val, *ty)).collect();
    f.blocks[e.entry.index()].insts.push(ccc_ir::Inst { kind: InstKind::Jump(BlockCall { block: e.exit, args }), result: None });
    replace.resize(f.values.len(), None);
    for (i, bd) in f.blocks.iter_mut().enumerate() {
        if e.body[i] {
            continue;
        }
        for inst in &mut bd.insts {
            inst.kind.map_operands(|v| replace[v.index()].unwrap_or(v));
        }
    }
}
