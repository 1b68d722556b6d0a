//! .eh_frame records: counting FDEs before layout and building .eh_frame_hdr's search table.

use crate::elf::Bytes;

fn uleb(d: &[u8], p: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *d.get(*p)?;
        *p += 1;
        if shift < 64 {
            v |= ((b & 0x7f) as u64) << shift;
        }
        shift += 7;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Walk CIE/FDE records: calls `f(record offset, is_fde)`.
pub(crate) fn records(d: &[u8], mut f: impl FnMut(usize, bool)) {
    let b = Bytes::new(d, "");
    let mut off = 0usize;
    while off + 4 <= d.len() {
        let Ok(len) = b.u32(off as u64) else { return };
        if len == 0 {
            off += 4;
            continue;
        }
        if len == 0xffff_ffff {
            return; // 64-bit DWARF: not produced by GCC
        }
        let Ok(id) = b.u32(off as u64 + 4) else { return };
        f(off, id != 0);
        off += 4 + len as usize;
    }
}

pub fn count_fdes(d: &[u8]) -> u64 {
    let mut n = 0;
    records(d, |_, fde| n += fde as u64);
    n
}

/// The pointer encoding a CIE gives its FDEs (DW_EH_PE_*), default absptr.
fn cie_fde_encoding(d: &[u8], cie: usize) -> Option<u8> {
    let mut p = cie + 8;
    let version = *d.get(p)?;
    p += 1;
    let aug_start = p;
    let aug_end = aug_start + d.get(aug_start..)?.iter().position(|&c| c == 0)?;
    let aug = d.get(aug_start..aug_end)?.to_vec();
    p = aug_end + 1;
    if !aug.starts_with(b"z") {
        return Some(0);
    }
    uleb(d, &mut p)?; // code alignment
    uleb(d, &mut p)?; // data alignment (sleb; only skipped)
    if version == 1 {
        p += 1;
    } else {
        uleb(d, &mut p)?;
    }
    uleb(d, &mut p)?; // augmentation length
    for &c in &aug[1..] {
        match c {
            b'R' => return d.get(p).copied(),
            b'P' => {
                let enc = *d.get(p)?;
                p += 1 + enc_size(enc)?;
            }
            b'L' => p += 1,
            _ => return Some(0),
        }
    }
    Some(0)
}

fn enc_size(enc: u8) -> Option<usize> {
    match enc & 0x0f {
        0x00 | 0x04 | 0x0c => Some(8),
        0x02 | 0x0a => Some(2),
        0x03 | 0x0b => Some(4),
        _ => None,
    }
}

/// (initial location, FDE address) of every FDE in the final .eh_frame at `addr`.
pub fn fde_table(d: &[u8], addr: u64) -> Vec<(u64, u64)> {
    let b = Bytes::new(d, "");
    let mut out = vec![];
    records(d, |off, fde| {
        if !fde {
            return;
        }
        let Ok(id) = b.u32(off as u64 + 4) else { return };
        let Some(cie) = (off + 4).checked_sub(id as usize) else { return };
        let enc = cie_fde_encoding(d, cie).unwrap_or(0);
        let field = off + 8;
        let raw = match enc & 0x0f {
            0x0b => b.u32(field as u64).map(|v| v as i32 as i64),
            0x03 => b.u32(field as u64).map(|v| v as i64),
            _ => b.u64(field as u64).map(|v| v as i64),
        };
        let Ok(raw) = raw else { return };
        let pc = if enc & 0x70 == 0x10 { (addr + field as u64).wrapping_add(raw as u64) } else { raw as u64 };
        if raw != 0 && pc != 0 {
            out.push((pc, addr + off as u64));
        }
    });
    out.sort();
    out
}

impl crate::resolve::Linker {
    /// Drop FDEs whose code is gone (COMDAT duplicates, --gc-sections), as GNU ld does,
    /// so that unwinders never see entries for address 0.
    pub fn prune_eh_frames(&mut self) {
        for oi in 0..self.objs.len() {
            for si in 0..self.objs[oi].sections.len() {
                let s = &self.objs[oi].sections[si];
                if !s.live || s.name != ".eh_frame" || s.relocs.is_empty() {
                    continue;
                }
                if let Some((bytes, relocs)) = self.pruned(oi, si) {
                    let s = &mut self.objs[oi].sections[si];
                    s.size = bytes.len() as u64;
                    s.rewritten = Some(bytes);
                    s.relocs = relocs;
                }
            }
        }
    }

    /// The section without dead FDEs, or None when every FDE stays.
    fn pruned(&self, oi: usize, si: usize) -> Option<(Vec<u8>, Vec<crate::object::Rela>)> {
        let o = &self.objs[oi];
        let d = o.section_bytes(si);
        let relocs = &o.sections[si].relocs;
        let mut recs = vec![];
        records(d, |off, fde| recs.push((off, fde)));
        let live_target = |off: usize| -> bool {
            let Some(r) = relocs.iter().find(|r| r.offset == off as u64 + 8) else { return true };
            let (to, sym) = match self.symref(oi, r.sym) {
                crate::image::SymRef::Local(x, i) => (x, i),
                crate::image::SymRef::Global(g) => match self.syms[g].def {
                    crate::resolve::Def::Regular { obj, sym } => (obj, sym),
                    _ => return true,
                },
            };
            let sh = self.objs[to].syms[sym].shndx as usize;
            self.objs[to].sections.get(sh).map_or(true, |s| s.live)
        };
        let keep: Vec<(usize, bool, bool)> = recs.iter().map(|&(off, fde)| (off, fde, !fde || live_target(off))).collect();
        if keep.iter().all(|k| k.2) {
            return None;
        }
        let b = Bytes::new(d, "");
        let mut out = vec![];
        let mut moved: Vec<(usize, usize, usize)> = vec![]; // (old start, old end, new start)
        for (i, &(off, fde, k)) in keep.iter().enumerate() {
            let end = keep.get(i + 1).map_or(d.len(), |n| n.0).min(off + 4 + b.u32(off as u64).ok()? as usize);
            if !k {
                continue;
            }
            let new = out.len();
            out.extend_from_slice(d.get(off..end)?);
            if fde {
                let ptr = b.u32(off as u64 + 4).ok()? as usize;
                let cie_old = (off + 4).checked_sub(ptr)?;
                let cie_new = moved.iter().find(|m| m.0 == cie_old)?.2;
                let p = (new + 4 - cie_new) as u32;
                out[new + 4..new + 8].copy_from_slice(&p.to_le_bytes());
            }
            moved.push((off, end, new));
        }
        let rel = relocs
            .iter()
            .filter_map(|r| {
                let m = moved.iter().find(|m| (m.0 as u64) <= r.offset && r.offset < m.1 as u64)?;
                Some(crate::object::Rela { offset: r.offset - m.0 as u64 + m.2 as u64, ..r.clone() })
            })
            .collect();
        Some((out, rel))
    }
}
