//! Inlining: `always_inline` functions at every optimisation level as GCC does,
//! and small `inline` functions from -O1 on.
//! Real code depends on it beyond speed: the kernel passes an inline function's
//! parameters to asm `"i"` operands, which are constants only once inlined.
//!
//! A call `r = f(args)` in block `b` becomes: `b` jumps to a copy of `f`'s blocks
//! (its parameters replaced by `args`, its stack slots added to the caller's), and
//! every `return v` of the copy jumps to a new block holding the rest of `b`, with
//! `r` as its parameter.

use std::collections::BTreeMap;

use ccc_ir::{AbiType, Block, BlockCall, Callee, Function, Inst, InstKind, Linkage, Module, Type, Value, ValueDef};

/// Inlined copies per caller before giving up (runaway always_inline chains).
const MAX_INLINES_PER_FUNCTION: usize = 2000;

/// Inline every call to an `always_inline` function.
pub fn run(m: &mut Module) {
    inline_into_module(m, |f| f.always_inline, usize::MAX);
}

/// Inline calls to small functions declared `inline` (at -O1 and up): at most
/// `max_size` instructions once their own inline calls are expanded. Beyond
/// speed, the kernel needs it: a `static inline` wrapper that calls an
/// `__init` function must disappear into its `__init` caller (modpost rejects
/// `.text` referring to `.init.text`). Returns the names of the functions
/// that changed.
pub fn run_small(m: &mut Module, max_size: usize) -> Vec<String> {
    let wanted = |f: &Function| !f.noinline && (f.declared_inline || (f.attrs.linkage == Linkage::Internal && size(f) <= TINY_STATIC_SIZE));
    inline_into_module(m, wanted, max_size)
}

/// `static` functions this small are inlined without `inline`, as GCC's early
/// inliner does for bodies about the size of a call (the kernel: a stub that
/// returns `false` guards a call to a function that must not be referenced).
const TINY_STATIC_SIZE: usize = 8;

/// The number of instructions of `f`, the measure of inlining limits.
pub fn size(f: &Function) -> usize {
    f.layout.iter().map(|b| f.blocks[b.index()].insts.len()).sum()
}

fn inline_into_module(m: &mut Module, wanted: impl Fn(&Function) -> bool, max_size: usize) -> Vec<String> {
    let callees: BTreeMap<String, Function> =
        m.functions.iter().filter(|f| wanted(f) && inlinable(f)).map(|f| (f.name.clone(), f.clone())).collect();
    if callees.is_empty() {
        return Vec::new();
    }
    // Inline into the callees first, so that their copies are already flat.
    let mut flat: BTreeMap<String, Function> = BTreeMap::new();
    for name in callees.keys() {
        let mut f = callees[name].clone();
        inline_calls(&mut f, &callees, &mut flat);
        flat.insert(name.clone(), f);
    }
    flat.retain(|_, f| size(f) <= max_size);
    let mut changed = Vec::new();
    for f in &mut m.functions {
        if inline_calls(f, &flat, &mut BTreeMap::new()) > 0 {
            changed.push(f.name.clone());
        }
    }
    changed
}

/// Whether a function's body can be copied into another frame unchanged.
fn inlinable(f: &Function) -> bool {
    if f.sig.variadic || f.static_chain || !f.address_taken.is_empty() || f.blocks.is_empty() {
        return false;
    }
    let entry = f.entry();
    f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts).all(|i| {
        !i.kind.successors().contains(&entry)
            && !matches!(
                i.kind,
                InstKind::VaStart { .. }
                    | InstKind::DynAlloca { .. }
                    | InstKind::StackSave
                    | InstKind::StackRestore { .. }
                    | InstKind::FrameAddress { .. }
                    | InstKind::ReturnAddress { .. }
                    | InstKind::BlockAddr { .. }
                    | InstKind::IndirectJump { .. }
                    | InstKind::NonlocalGoto { .. }
                    | InstKind::StaticChain
            )
    })
}

/// Inline every call in `f` to a function of `callees` (already flattened ones in
/// `flat` are preferred). Recursion is cut: a callee is not inlined into itself.
/// Returns the number of calls inlined.
fn inline_calls(f: &mut Function, callees: &BTreeMap<String, Function>, flat: &mut BTreeMap<String, Function>) -> usize {
    let mut done = 0;
    let mut i = 0;
    while i < f.layout.len() && done < MAX_INLINES_PER_FUNCTION {
        let b = f.layout[i];
        let site = f.blocks[b.index()].insts.iter().enumerate().find_map(|(at, inst)| match &inst.kind {
            InstKind::Call { callee: Callee::Direct(n), chain: None, args, .. } if *n != f.name => {
                let callee = flat.get(n).or_else(|| callees.get(n))?;
                arguments_match(f, args, callee).then(|| (at, callee.clone()))
            }
            _ => None,
        });
        match site {
            // The same block is scanned again: its head is unchanged, the rest moved on.
            Some((at, callee)) => {
                inline_one(f, i, at, &callee);
                done += 1;
            }
            None => i += 1,
        }
    }
    if done > 0 {
        f.renumber_defs();
    }
    done
}

/// The call passes exactly the callee's parameter types (a call through an
/// unprototyped declaration may not).
fn arguments_match(f: &Function, args: &[Value], callee: &Function) -> bool {
    let params = &callee.blocks[callee.entry().index()].params;
    params.len() == args.len() && params.iter().zip(args).all(|(p, a)| callee.values[p.index()].ty == f.values[a.index()].ty)
}

/// Replace the call at `insts[at]` of the block at `layout[li]` by a copy of `callee`.
fn inline_one(f: &mut Function, li: usize, at: usize, callee: &Function) {
    let b = f.layout[li];
    let (args, ret_slot, ret_abi) = match &f.blocks[b.index()].insts[at].kind {
        InstKind::Call { args, ret_slot, sig, .. } => (args.clone(), *ret_slot, sig.ret.clone()),
        _ => return,
    };
    let result = f.blocks[b.index()].insts.remove(at).result;
    let tail: Vec<Inst> = f.blocks[b.index()].insts.drain(at..).collect();

    // The rest of the block, entered with the call's result.
    let cont = f.new_block();
    if let Some(r) = result {
        f.blocks[cont.index()].params.push(r);
        f.values[r.index()].def = ValueDef::Param(cont, 0);
    }
    f.blocks[cont.index()].insts = tail;

    let slot_base = f.slots.len();
    f.slots.extend(callee.slots.iter().copied());
    let mut block_map = vec![Block::new(0); callee.blocks.len()];
    for &cb in &callee.layout {
        block_map[cb.index()] = f.new_block();
    }
    let entry = callee.entry();
    let mut value_map: Vec<Option<Value>> = vec![None; callee.values.len()];
    for (p, a) in callee.blocks[entry.index()].params.iter().zip(&args) {
        value_map[p.index()] = Some(*a);
    }
    for &cb in &callee.layout {
        let bd = &callee.blocks[cb.index()];
        let defined = bd.params.iter().filter(|_| cb != entry).chain(bd.insts.iter().filter_map(|i| i.result.as_ref()));
        for &v in defined {
            value_map[v.index()] = Some(f.new_detached_value(callee.values[v.index()].ty));
        }
    }
    let aggregate_ret = match (&ret_abi, ret_slot) {
        (Some(AbiType::Aggregate(l)), Some(slot)) => Some((slot, l.size, l.align)),
        _ => None,
    };
    let map = |v: Value| value_map[v.index()].unwrap_or(v);
    for &cb in &callee.layout {
        let nb = block_map[cb.index()];
        let bd = &callee.blocks[cb.index()];
        f.blocks[nb.index()].params = if cb == entry { Vec::new() } else { bd.params.iter().map(|p| map(*p)).collect() };
        let mut out = Vec::with_capacity(bd.insts.len() + 1);
        for inst in &bd.insts {
            let mut kind = inst.kind.clone();
            kind.map_operands(map);
            kind.map_blocks(|b| block_map[b.index()]);
            if let InstKind::SlotAddr { slot } = &mut kind {
                *slot = ccc_ir::SlotId::new(slot.index() + slot_base);
            }
            match kind {
                InstKind::Return { value } => {
                    let mut jump = BlockCall::new(cont);
                    match (value, aggregate_ret, result) {
                        (Some(v), Some((dst, size, align)), _) => out.push(Inst { result: None, kind: InstKind::Memcpy { dst, src: v, size, align } }),
                        (Some(v), None, Some(_)) => jump.args.push(v),
                        // A value-returning call of a function that fell off its end:
                        // the value is unspecified.
                        (None, None, Some(r)) => jump.args.push(zero_of(f, f.values[r.index()].ty, &mut out)),
                        _ => {}
                    }
                    out.push(Inst { result: None, kind: InstKind::Jump(jump) });
                }
                kind => out.push(Inst { result: inst.result.map(map), kind }),
            }
        }
        f.blocks[nb.index()].insts = out;
    }
    f.blocks[b.index()].insts.push(Inst { result: None, kind: InstKind::Jump(BlockCall::new(block_map[entry.index()])) });
    let copied: Vec<Block> = callee.layout.iter().map(|cb| block_map[cb.index()]).collect();
    f.layout.splice(li + 1..li + 1, copied.into_iter().chain(std::iter::once(cont)));
    f.calls_returns_twice |= callee.calls_returns_twice;
}

/// A zero of `ty`, defined by an instruction appended to `out`.
fn zero_of(f: &mut Function, ty: Type, out: &mut Vec<Inst>) -> Value {
    let v = f.new_detached_value(ty);
    let kind = if ty.is_float() { InstKind::FConst { ty, bits: 0 } } else { InstKind::IConst { ty, value: 0 } };
    out.push(Inst { result: Some(v), kind });
    v
}
