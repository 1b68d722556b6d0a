//! Scalar replacement of aggregates. A stack slot whose address does not
//! escape — every use is a load, store, memset or memcpy at a constant
//! offset — is split into one slot per field it is accessed as, which
//! mem2reg then promotes. After inlining, the kernel's
//! `scoped_seqlock_read()` keeps its loop state in a small `struct ss_tmp`:
//! only once the state is a value can its impossible cases be proven dead
//! (`__scoped_seqlock_bug`, a link-time assertion).

use ccc_ir::{BinOp, Function, Inst, InstKind, SlotId, Type, Value};

use crate::dom::DomTree;

/// Slots accessed as more fields than this stay whole (arrays indexed by
/// constants would become many slots and many block parameters).
const MAX_FIELDS: usize = 32;

/// How a slot is used.
#[derive(Default)]
struct Uses {
    escaped: bool,
    /// Scalar loads and stores: (offset, type).
    accesses: Vec<(u64, Type)>,
    /// Byte ranges written by memset or memcpy into the slot.
    filled: Vec<(u64, u64)>,
    /// Byte ranges memcpy reads from the slot.
    copied_out: Vec<(u64, u64)>,
}

/// A field of a split slot: its offset in the old slot, the type it is
/// accessed as (the first access's) and its own slot.
#[derive(Clone, Copy)]
struct Field {
    offset: u64,
    ty: Type,
    slot: SlotId,
}

pub fn run(f: &mut Function) -> bool {
    if f.calls_returns_twice || f.slots.is_empty() {
        return false;
    }
    let consts = crate::int_constants(f);
    let addr = slot_offsets(f, &consts);
    let uses = slot_uses(f, &consts, &addr);
    let mut fields: Vec<Option<Vec<Field>>> = vec![None; f.slots.len()];
    let mut any = false;
    for (s, u) in uses.iter().enumerate() {
        if let Some(layout) = field_layout(f.slots[s].size, u) {
            let split = layout.into_iter().map(|(offset, ty)| Field { offset, ty, slot: f.new_slot(u64::from(ty.size()), ty.align().min(16)) }).collect();
            fields[s] = Some(split);
            any = true;
        }
    }
    if any {
        rewrite(f, &consts, &addr, &fields);
        f.renumber_defs();
    }
    any
}


/// Values that are a slot's address plus a constant offset (in dominance
/// order, so every definition is seen before its uses).
fn slot_offsets(f: &Function, consts: &[Option<i128>]) -> Vec<Option<(SlotId, i64)>> {
    let mut addr: Vec<Option<(SlotId, i64)>> = vec![None; f.values.len()];
    for b in DomTree::compute(f).rpo {
        for i in &f.blocks[b.index()].insts {
            let Some(r) = i.result else { continue };
            addr[r.index()] = match i.kind {
                InstKind::SlotAddr { slot } => Some((slot, 0)),
                InstKind::Binary { op: BinOp::Add, ty: Type::Ptr, lhs, rhs } => match (addr[lhs.index()], addr[rhs.index()]) {
                    (Some((s, o)), None) => consts[rhs.index()].map(|k| (s, o.wrapping_add(k as i64))),
                    (None, Some((s, o))) => consts[lhs.index()].map(|k| (s, o.wrapping_add(k as i64))),
                    _ => None,
                },
                InstKind::Binary { op: BinOp::Sub, ty: Type::Ptr, lhs, rhs } => addr[lhs.index()].zip(consts[rhs.index()]).map(|((s, o), k)| (s, o.wrapping_sub(k as i64))),
                _ => None,
            };
        }
    }
    addr
}

fn slot_uses(f: &Function, consts: &[Option<i128>], addr: &[Option<(SlotId, i64)>]) -> Vec<Uses> {
    let mut uses: Vec<Uses> = (0..f.slots.len()).map(|_| Uses::default()).collect();
    // The byte range [offset, offset + size) of the slot `ptr` points into, if in bounds.
    let range = |ptr: Value, size: u64| -> Option<(usize, u64)> {
        let (s, o) = addr[ptr.index()]?;
        let o = u64::try_from(o).ok()?;
        (o.checked_add(size)? <= f.slots[s.index()].size).then_some((s.index(), o))
    };
    let escape = |uses: &mut Vec<Uses>, v: Value| {
        if let Some((s, _)) = addr[v.index()] {
            uses[s.index()].escaped = true;
        }
    };
    for b in &f.layout {
        for i in &f.blocks[b.index()].insts {
            match &i.kind {
                InstKind::SlotAddr { .. } => {}
                // Deriving an address is no use of its own.
                InstKind::Binary { op: BinOp::Add | BinOp::Sub, ty: Type::Ptr, .. } if i.result.is_some_and(|r| addr[r.index()].is_some()) => {}
                InstKind::Load { ty, ptr, volatile: false } => match range(*ptr, u64::from(ty.size())) {
                    Some((s, o)) => uses[s].accesses.push((o, *ty)),
                    None => escape(&mut uses, *ptr),
                },
                InstKind::Store { ty, ptr, value, volatile: false } => {
                    escape(&mut uses, *value);
                    match range(*ptr, u64::from(ty.size())) {
                        Some((s, o)) => uses[s].accesses.push((o, *ty)),
                        None => escape(&mut uses, *ptr),
                    }
                }
                InstKind::Memset { dst, byte, size, .. } => match range(*dst, *size) {
                    Some((s, o)) if consts[byte.index()].is_some() => uses[s].filled.push((o, *size)),
                    _ => escape(&mut uses, *dst),
                },
                // A copy between two candidate slots keeps both whole.
                InstKind::Memcpy { dst, src, size, .. } => match (range(*dst, *size), range(*src, *size)) {
                    (Some((s, o)), None) if addr[src.index()].is_none() => uses[s].filled.push((o, *size)),
                    (None, Some((s, o))) if addr[dst.index()].is_none() => uses[s].copied_out.push((o, *size)),
                    _ => {
                        escape(&mut uses, *dst);
                        escape(&mut uses, *src);
                    }
                },
                k => k.for_each_operand(|v| escape(&mut uses, v)),
            }
        }
    }
    uses
}

/// The fields a slot splits into, as (offset, type), or `None` when it
/// cannot or need not be split.
fn field_layout(slot_size: u64, u: &Uses) -> Option<Vec<(u64, Type)>> {
    if u.escaped || (u.accesses.is_empty() && u.filled.is_empty()) {
        return None;
    }
    let mut fields: Vec<(u64, Type)> = Vec::new();
    for &(o, ty) in &u.accesses {
        if !fields.iter().any(|&(fo, ft)| fo == o && ft.size() == ty.size()) {
            fields.push((o, ty));
        }
    }
    fields.sort_by_key(|&(o, ty)| (o, ty.size()));
    let end = |(o, ty): (u64, Type)| o + u64::from(ty.size());
    // Fields must not overlap, and memory operations must cover whole fields.
    if fields.windows(2).any(|w| end(w[0]) > w[1].0) || fields.len() > MAX_FIELDS {
        return None;
    }
    let straddles = |&(ro, rs): &(u64, u64)| fields.iter().any(|&fl| fl.0 < ro + rs && end(fl) > ro && (fl.0 < ro || end(fl) > ro + rs));
    if u.filled.iter().chain(&u.copied_out).any(straddles) {
        return None;
    }
    // Bytes copied out must all live in fields: a filled byte outside every
    // field (padding, an unaccessed member) would be lost.
    if !u.copied_out.is_empty() {
        let covered = |byte: u64| fields.iter().any(|&fl| fl.0 <= byte && byte < end(fl));
        if u.filled.iter().any(|&(ro, rs)| (ro..ro + rs).any(|b| !covered(b))) {
            return None;
        }
    }
    // One field over the whole slot, no block copies: mem2reg's case already.
    let whole = fields.len() == 1 && fields[0].0 == 0 && u64::from(fields[0].1.size()) == slot_size;
    if whole && u.filled.is_empty() && u.copied_out.is_empty() {
        return None;
    }
    Some(fields)
}

/// Point every access of a split slot at its field's slot; memsets and
/// memcpys become one store or load per field.
fn rewrite(f: &mut Function, consts: &[Option<i128>], addr: &[Option<(SlotId, i64)>], fields: &[Option<Vec<Field>>]) {
    let split = |ptr: Value| -> Option<(&Vec<Field>, u64)> {
        let (s, o) = addr[ptr.index()]?;
        Some((fields[s.index()].as_ref()?, o as u64))
    };
    for b in f.layout.clone() {
        let old = std::mem::take(&mut f.blocks[b.index()].insts);
        let mut out = Vec::with_capacity(old.len());
        for inst in old {
            match inst.kind {
                InstKind::Load { ty, ptr, volatile: false } | InstKind::Store { ty, ptr, volatile: false, .. } if split(ptr).is_some() => {
                    let (fs, o) = split(ptr).expect("split");
                    let field = fs.iter().find(|fl| fl.offset == o && fl.ty.size() == ty.size()).expect("access is a field");
                    let p = emit(f, &mut out, InstKind::SlotAddr { slot: field.slot });
                    let mut inst = inst;
                    match &mut inst.kind {
                        InstKind::Load { ptr, .. } | InstKind::Store { ptr, .. } => *ptr = p,
                        _ => unreachable!(),
                    }
                    out.push(inst);
                }
                InstKind::Memset { dst, byte, size, .. } if split(dst).is_some() => {
                    let (fs, o) = split(dst).expect("split");
                    let byte = consts[byte.index()].expect("constant fill") as u8;
                    for fl in inside(fs, o, size) {
                        let value = emit(f, &mut out, filled_constant(fl.ty, byte));
                        let p = emit(f, &mut out, InstKind::SlotAddr { slot: fl.slot });
                        out.push(Inst { result: None, kind: InstKind::Store { ty: fl.ty, ptr: p, value, volatile: false } });
                    }
                }
                InstKind::Memcpy { dst, src, size, .. } if split(dst).is_some() || split(src).is_some() => {
                    let into = split(dst).is_some();
                    let (fs, o) = split(if into { dst } else { src }).expect("split");
                    let other = if into { src } else { dst };
                    for fl in inside(fs, o, size) {
                        let elsewhere = offset_ptr(f, &mut out, other, fl.offset - o);
                        let own = emit(f, &mut out, InstKind::SlotAddr { slot: fl.slot });
                        let (from, to) = if into { (elsewhere, own) } else { (own, elsewhere) };
                        let v = emit(f, &mut out, InstKind::Load { ty: fl.ty, ptr: from, volatile: false });
                        out.push(Inst { result: None, kind: InstKind::Store { ty: fl.ty, ptr: to, value: v, volatile: false } });
                    }
                }
                _ => out.push(inst),
            }
        }
        f.blocks[b.index()].insts = out;
    }
}

/// The fields lying in the byte range [offset, offset + size).
fn inside(fields: &[Field], offset: u64, size: u64) -> impl Iterator<Item = Field> + '_ {
    fields.iter().copied().filter(move |fl| fl.offset >= offset && fl.offset + u64::from(fl.ty.size()) <= offset + size)
}

fn emit(f: &mut Function, out: &mut Vec<Inst>, kind: InstKind) -> Value {
    let ty = ccc_ir::result_type(&kind).expect("instruction with a result");
    let v = f.new_detached_value(ty);
    out.push(Inst { result: Some(v), kind });
    v
}

fn offset_ptr(f: &mut Function, out: &mut Vec<Inst>, base: Value, offset: u64) -> Value {
    if offset == 0 {
        return base;
    }
    let k = emit(f, out, InstKind::IConst { ty: Type::iptr(), value: i128::from(offset) });
    emit(f, out, InstKind::Binary { op: BinOp::Add, ty: Type::Ptr, lhs: base, rhs: k })
}

/// The value of a `ty` whose every byte is `byte`.
fn filled_constant(ty: Type, byte: u8) -> InstKind {
    let bytes = if ty == Type::F80 { 10 } else { ty.size() };
    let bits = (0..bytes).fold(0u128, |acc, _| (acc << 8) | u128::from(byte));
    if ty.is_float() {
        InstKind::FConst { ty, bits }
    } else {
        InstKind::IConst { ty, value: crate::fold::wrap(bits as i128, ty) }
    }
}
