//! Structural checks on a function. Run after the front end and after every
//! pass in debug builds: a failure is a compiler bug, reported, never a panic.

use crate::entities::{Block, Value};
use crate::func::{Function, ValueDef};
use crate::inst::{result_type, InstKind};

/// Check `f`, returning a description of the first problem found.
pub fn verify_function(f: &Function) -> Result<(), String> {
    let nblocks = f.blocks.len();
    if nblocks == 0 {
        return Err(format!("{}: no blocks", f.name));
    }
    if f.layout.first() != Some(&Block(0)) {
        return Err(format!("{}: layout does not start with the entry block", f.name));
    }
    let mut defined = vec![false; f.values.len()];
    let mut laid_out = vec![false; nblocks];
    for &b in &f.layout {
        if let Some(x) = laid_out.get_mut(b.index()) {
            *x = true;
        }
    }
    for &b in &f.layout {
        let bd = f.blocks.get(b.index()).ok_or_else(|| format!("{}: layout names missing {b}", f.name))?;
        for &p in &bd.params {
            mark(f, &mut defined, p)?;
        }
        for (i, inst) in bd.insts.iter().enumerate() {
            let last = i + 1 == bd.insts.len();
            if inst.kind.is_terminator() != last {
                return Err(format!("{}: {b} instruction {i} {}", f.name, if last { "block does not end in a terminator" } else { "terminator in the middle of a block" }));
            }
            if matches!(inst.kind, InstKind::StaticChain) && !f.static_chain {
                return Err(format!("{}: {b} instruction {i} reads a static chain the function does not receive", f.name));
            }
            if result_type(&inst.kind).is_some() != inst.result.is_some() {
                return Err(format!("{}: {b} instruction {i} result mismatch", f.name));
            }
            if let Some(r) = inst.result {
                if f.values[r.index()].def != ValueDef::Inst(b, i as u32) {
                    return Err(format!("{}: {r} has a stale definition", f.name));
                }
                mark(f, &mut defined, r)?;
            }
            let mut bad = None;
            inst.kind.for_each_operand(|v| {
                if v.index() >= f.values.len() {
                    bad = Some(v);
                }
            });
            if let Some(v) = bad {
                return Err(format!("{}: {b} uses undefined value {v}", f.name));
            }
            for s in inst.kind.successors() {
                if s.index() >= nblocks || !laid_out[s.index()] {
                    return Err(format!("{}: {b} branches to {s} which is not laid out", f.name));
                }
            }
            check_block_args(f, b, &inst.kind)?;
        }
        if bd.insts.is_empty() {
            return Err(format!("{}: {b} is empty", f.name));
        }
    }
    // Every operand is defined in a block that is laid out (a value of a removed block
    // has no register or slot in the code generators).
    for &b in &f.layout {
        for inst in &f.blocks[b.index()].insts {
            let mut dangling = None;
            inst.kind.for_each_operand(|v| {
                if !defined[v.index()] {
                    dangling = Some(v);
                }
            });
            if let Some(v) = dangling {
                return Err(format!("{}: {b} uses {v}, which no laid-out block defines", f.name));
            }
        }
    }
    Ok(())
}

fn mark(f: &Function, defined: &mut [bool], v: Value) -> Result<(), String> {
    if std::mem::replace(&mut defined[v.index()], true) {
        return Err(format!("{}: {v} defined twice", f.name));
    }
    Ok(())
}

fn check_block_args(f: &Function, from: Block, kind: &InstKind) -> Result<(), String> {
    let calls: Vec<&crate::inst::BlockCall> = match kind {
        InstKind::Jump(bc) => vec![bc],
        InstKind::Branch { then_dest, else_dest, .. } => vec![then_dest, else_dest],
        _ => return Ok(()),
    };
    for bc in calls {
        let params = &f.blocks[bc.block.index()].params;
        if params.len() != bc.args.len() {
            return Err(format!("{}: {from} passes {} args to {} which takes {}", f.name, bc.args.len(), bc.block, params.len()));
        }
        for (a, p) in bc.args.iter().zip(params) {
            if f.value_type(*a) != f.value_type(*p) {
                return Err(format!("{}: {from} passes {a} of the wrong type to {}", f.name, bc.block));
            }
        }
    }
    Ok(())
}
