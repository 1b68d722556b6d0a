//! Store-to-load forwarding inside a block, for stack slots mem2reg cannot
//! promote because their address escapes later: the kernel's
//! `ptl = pmd_trans_huge_lock(...)` (NULL once inlined) is tested by `if (ptl)`
//! before `&ptl` goes to `pte_offset_map_lock`, and GCC folds that test.
//!
//! A load of a slot reads the value last stored to (or loaded from) the same
//! bytes with the same type, unless something in between may have written
//! them: a store, copy or fill through a pointer that is not a known other
//! slot or global, a call, inline asm, an atomic, or `va_*`.

use ccc_ir::{Function, InstKind, SlotId, Type, Value};

use crate::fold::{apply_aliases, resolve};

/// Returns whether a load was replaced.
pub fn run(f: &mut Function) -> bool {
    let (places, globals) = pointer_origins(f);
    let target_of = |ptr: Value| if globals[ptr.index()] { Target::Global } else { Target::Unknown };
    let mut alias: Vec<Option<Value>> = vec![None; f.values.len()];
    let mut changed = false;
    for b in f.layout.clone() {
        let mut known: Vec<Known> = Vec::new();
        for inst in &f.blocks[b.index()].insts {
            match &inst.kind {
                InstKind::Load { ty, ptr, volatile: false } => {
                    let Some(place) = places[ptr.index()] else { continue };
                    let Some(r) = inst.result else { continue };
                    match known.iter().find(|k| k.place == place && k.ty == *ty) {
                        Some(k) => {
                            alias[r.index()] = Some(resolve(&alias, k.value));
                            changed = true;
                        }
                        None => known.push(Known { place, ty: *ty, value: r }),
                    }
                }
                InstKind::Load { .. } => {}
                InstKind::Store { ty, ptr, value, .. } => match places[ptr.index()] {
                    Some(place) => {
                        forget(&mut known, Target::Bytes(place, u64::from(ty.size())));
                        known.push(Known { place, ty: *ty, value: resolve(&alias, *value) });
                    }
                    None => forget(&mut known, target_of(*ptr)),
                },
                InstKind::Memcpy { dst, .. } | InstKind::Memset { dst, .. } => {
                    let size = match inst.kind {
                        InstKind::Memcpy { size, .. } | InstKind::Memset { size, .. } => size,
                        _ => unreachable!(),
                    };
                    match places[dst.index()] {
                        Some(place) => forget(&mut known, Target::Bytes(place, size)),
                        None => forget(&mut known, target_of(*dst)),
                    }
                }
                k if writes_nothing(k) => {}
                _ => known.clear(),
            }
        }
    }
    if changed {
        // The forwarded loads go now, so a later round finds nothing to do.
        for b in f.layout.clone() {
            f.blocks[b.index()].insts.retain(|i| !matches!(i.result, Some(r) if alias[r.index()].is_some()));
        }
        apply_aliases(f, &alias);
        f.renumber_defs();
    }
    changed
}

/// Bytes of a slot at a constant offset.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Place {
    slot: SlotId,
    offset: i64,
}

/// A value the bytes at `place` are known to hold, read as `ty`.
struct Known {
    place: Place,
    ty: Type,
    value: Value,
}

/// What a write may reach.
enum Target {
    /// `size` bytes at a place.
    Bytes(Place, u64),
    /// A global: no slot.
    Global,
    /// Anything: every slot whose address escaped.
    Unknown,
}

fn forget(known: &mut Vec<Known>, target: Target) {
    match target {
        Target::Bytes(p, size) => known.retain(|k| {
            let (start, end) = (k.place.offset, k.place.offset + i64::from(k.ty.size()));
            k.place.slot != p.slot || end <= p.offset || start >= p.offset.saturating_add(size as i64)
        }),
        Target::Global => {}
        Target::Unknown => known.clear(),
    }
}

/// The slot place each pointer value names (`slot_addr`, plus constant
/// offsets), and which values are global addresses (they alias no slot).
fn pointer_origins(f: &Function) -> (Vec<Option<Place>>, Vec<bool>) {
    let mut consts: Vec<Option<i128>> = vec![None; f.values.len()];
    let mut places: Vec<Option<Place>> = vec![None; f.values.len()];
    let mut globals = vec![false; f.values.len()];
    // Definitions come before uses in layout order except through block
    // parameters, which name no place.
    for inst in f.layout.iter().flat_map(|b| &f.blocks[b.index()].insts) {
        let Some(r) = inst.result else { continue };
        match &inst.kind {
            InstKind::IConst { value, .. } => consts[r.index()] = Some(*value),
            InstKind::SlotAddr { slot } => places[r.index()] = Some(Place { slot: *slot, offset: 0 }),
            InstKind::GlobalAddr { .. } => globals[r.index()] = true,
            InstKind::Binary { op: ccc_ir::BinOp::Add, ty: Type::Ptr, lhs, rhs } => {
                if let (Some(p), Some(c)) = (places[lhs.index()], consts[rhs.index()]) {
                    places[r.index()] = i64::try_from(c).ok().map(|c| Place { slot: p.slot, offset: p.offset.wrapping_add(c) });
                }
                globals[r.index()] = globals[lhs.index()];
            }
            _ => {}
        }
    }
    (places, globals)
}

/// Instructions that write no memory a load could read.
fn writes_nothing(k: &InstKind) -> bool {
    use InstKind::*;
    matches!(
        k,
        IConst { .. }
            | FConst { .. }
            | GlobalAddr { .. }
            | TlsAddr { .. }
            | SlotAddr { .. }
            | BlockAddr { .. }
            | StackSave
            | Binary { .. }
            | Unary { .. }
            | IsConstant { .. }
            | Icmp { .. }
            | Fcmp { .. }
            | Cast { .. }
            | Select { .. }
            | Overflows { .. }
            | FrameAddress { .. }
            | StaticChain
            | ReturnAddress { .. }
    ) || k.is_terminator()
}
