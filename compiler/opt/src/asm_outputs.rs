//! Register outputs of inline asm written through a scratch slot.
//!
//! The IR gives an asm output as the address of its lvalue, so a local that
//! an asm writes (`asm("..." : "=r"(p))`) looks address-taken and mem2reg
//! leaves it in memory. That loses more than speed: an input of the same
//! local with an `"i"` constraint (the kernel's `rip_rel_ptr`) only becomes
//! the constant it must be once the local is promoted. This pass gives each
//! such output its own scratch slot and copies the scratch to the local right
//! after the asm, which leaves the local with plain loads and stores only.

use crate::mem2reg::slot_addr_map;
use ccc_ir::{Function, Inst, InstKind, Type};

/// Constraint letters that may place an operand in memory, whose address the
/// asm could then see; those outputs keep their lvalue.
const MEMORY_LETTERS: &[char] = &['m', 'o', 'V', 'g', 'X', '<', '>', 'p'];

pub fn run(f: &mut Function) {
    let slot_of = slot_addr_map(f);
    let layout = f.layout.clone();
    let mut changed = false;
    for b in layout {
        let insts = std::mem::take(&mut f.blocks[b.index()].insts);
        let mut out = Vec::with_capacity(insts.len());
        for mut inst in insts {
            let mut copies = Vec::new();
            if let InstKind::InlineAsm(a) = &mut inst.kind {
                if a.goto_targets.is_empty() {
                    for o in &mut a.outputs {
                        let Some(local) = slot_of[o.value.index()] else { continue };
                        if o.constraint.contains(MEMORY_LETTERS) {
                            continue;
                        }
                        let size = o.ty.size() as u64;
                        let scratch = f.new_slot(size, (size as u32).clamp(1, 16));
                        let scratch_addr = f.new_detached_value(Type::Ptr);
                        out.push(Inst { result: Some(scratch_addr), kind: InstKind::SlotAddr { slot: scratch } });
                        copies.push((scratch_addr, local, o.ty));
                        o.value = scratch_addr;
                    }
                }
            }
            out.push(inst);
            for (scratch_addr, local, ty) in copies {
                let v = f.new_detached_value(ty);
                out.push(Inst { result: Some(v), kind: InstKind::Load { ty, ptr: scratch_addr, volatile: false } });
                let local_addr = f.new_detached_value(Type::Ptr);
                out.push(Inst { result: Some(local_addr), kind: InstKind::SlotAddr { slot: local } });
                out.push(Inst { result: None, kind: InstKind::Store { ty, ptr: local_addr, value: v, volatile: false } });
                changed = true;
            }
        }
        f.blocks[b.index()].insts = out;
    }
    if changed {
        f.renumber_defs();
    }
}
