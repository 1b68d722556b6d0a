//! RISC-V `R_RISCV_ALIGN`: with linker relaxation enabled, GNU as pads an alignment
//! directive with the most NOPs it could need and leaves the linker to delete the excess
//! once addresses are known. We do no other relaxation, so the excess depends only on
//! offsets inside the section: trimming happens when the object is loaded, before any
//! symbol value or relocation offset is read.
//!
//! Deleting bytes moves everything after them: symbols defined in the section (values and
//! sizes), relocation offsets inside it, and addends of references to it through its section
//! symbol (`.eh_frame`, debug information).

use crate::elf::STT_SECTION;
use crate::error::Result;
use crate::object::Object;
use crate::bail;

const NOP: u32 = 0x0000_0013;
const C_NOP: u16 = 0x0001;

/// A range of bytes removed from a section, in its original offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Deletion {
    at: u64,
    len: u64,
}

/// Trim the alignment padding of every section of `obj` that has `align_type` relocations.
pub fn trim_alignment_padding(obj: &mut Object, align_type: u32) -> Result<()> {
    for si in 0..obj.sections.len() {
        if !obj.sections[si].relocs.iter().any(|r| r.kind == align_type) {
            continue;
        }
        let dels = plan(obj, si, align_type)?;
        if !dels.is_empty() {
            apply(obj, si, &dels, align_type);
        }
    }
    Ok(())
}

/// The deletions that align each padded position, walking the section in order.
fn plan(obj: &mut Object, si: usize, align_type: u32) -> Result<Vec<Deletion>> {
    let mut aligns: Vec<(u64, u64)> = obj.sections[si].relocs.iter().filter(|r| r.kind == align_type).map(|r| (r.offset, r.addend as u64)).collect();
    aligns.sort_unstable();
    let mut dels = vec![];
    let mut shift = 0u64;
    for (at, pad) in aligns {
        // The alignment is the smallest power of two above the padding.
        let mut align = 1u64;
        while align <= pad {
            align *= 2;
        }
        if pad > 1 << 16 || at + pad > obj.sections[si].size {
            bail!("{}: section {}: bad R_RISCV_ALIGN at {:#x} (padding {})", obj.name, obj.sections[si].name, at, pad);
        }
        // The section must start aligned for offsets to tell addresses modulo `align`.
        let sec = &mut obj.sections[si];
        sec.align = sec.align.max(align);
        let now = at - shift;
        let keep = now.next_multiple_of(align) - now;
        if keep < pad {
            dels.push(Deletion { at: at + keep, len: pad - keep });
            shift += pad - keep;
        }
    }
    Ok(dels)
}

/// Where original offset `o` lands after the deletions (an offset inside a deleted range
/// lands at its start).
fn map(dels: &[Deletion], o: u64) -> u64 {
    let mut moved = 0;
    for d in dels {
        if o >= d.at + d.len {
            moved += d.len;
        } else if o > d.at {
            return d.at - moved;
        } else {
            break;
        }
    }
    o - moved
}

fn apply(obj: &mut Object, si: usize, dels: &[Deletion], align_type: u32) {
    let old = obj.section_bytes(si).to_vec();
    let mut new = Vec::with_capacity(old.len());
    let mut pos = 0u64;
    for d in dels {
        new.extend_from_slice(&old[pos as usize..d.at as usize]);
        pos = d.at + d.len;
    }
    new.extend_from_slice(&old[pos as usize..]);
    let sec = &mut obj.sections[si];
    // The kept padding is rewritten as whole NOPs (a cut may split a 4-byte one).
    let mut aligns: Vec<(u64, u64)> = sec.relocs.iter().filter(|r| r.kind == align_type).map(|r| (r.offset, r.addend as u64)).collect();
    aligns.sort_unstable();
    for (at, pad) in aligns {
        let start = map(dels, at);
        let keep = map(dels, at + pad) - start;
        let mut p = start as usize;
        let end = (start + keep) as usize;
        while p + 4 <= end {
            new[p..p + 4].copy_from_slice(&NOP.to_le_bytes());
            p += 4;
        }
        if p + 2 <= end {
            new[p..p + 2].copy_from_slice(&C_NOP.to_le_bytes());
        }
    }
    for r in &mut sec.relocs {
        r.offset = map(dels, r.offset);
    }
    sec.size = new.len() as u64;
    sec.rewritten = Some(new);
    let section_syms: Vec<u32> = obj.syms.iter().enumerate().filter(|(_, s)| s.kind == STT_SECTION && s.shndx as usize == si).map(|(i, _)| i as u32).collect();
    for s in obj.syms.iter_mut().filter(|s| s.shndx as usize == si && s.kind != STT_SECTION) {
        let end = map(dels, s.value + s.size);
        s.value = map(dels, s.value);
        s.size = end - s.value;
    }
    if section_syms.is_empty() {
        return;
    }
    for other in &mut obj.sections {
        for r in &mut other.relocs {
            if section_syms.contains(&r.sym) && r.addend >= 0 {
                r.addend = map(dels, r.addend as u64) as i64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_move_past_deletions() {
        let dels = [Deletion { at: 4, len: 2 }, Deletion { at: 10, len: 4 }];
        assert_eq!(map(&dels, 0), 0);
        assert_eq!(map(&dels, 4), 4);
        assert_eq!(map(&dels, 5), 4); // inside the first deleted range
        assert_eq!(map(&dels, 6), 4);
        assert_eq!(map(&dels, 9), 7);
        assert_eq!(map(&dels, 14), 8);
        assert_eq!(map(&dels, 20), 14);
    }
}
