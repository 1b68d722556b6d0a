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
fn records(d: &[u8], mut f: impl FnMut(usize, bool)) {
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
