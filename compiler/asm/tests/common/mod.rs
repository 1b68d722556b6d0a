//! Reading back the objects the tests assemble (ELF64 little-endian).

#![allow(dead_code)]

/// (name, type, data) of each section, read back from the ELF object.
pub fn sections(obj: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let u16_at = |o: usize| u16::from_le_bytes([obj[o], obj[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(obj[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(obj[o..o + 8].try_into().unwrap()) as usize;
    let shoff = u64_at(40);
    let (n, strndx) = (u16_at(60), u16_at(62));
    let hdr = |i: usize| shoff + i * 64;
    let str_off = u64_at(hdr(strndx) + 24);
    (0..n)
        .map(|i| {
            let h = hdr(i);
            let name_at = str_off + u32_at(h) as usize;
            let name: String = obj[name_at..].iter().take_while(|b| **b != 0).map(|b| *b as char).collect();
            let (ty, off, size) = (u32_at(h + 4), u64_at(h + 24), u64_at(h + 32));
            let data = if ty == 8 { Vec::new() } else { obj[off..off + size].to_vec() };
            (name, ty, data)
        })
        .collect()
}

pub fn section(obj: &[u8], name: &str) -> Vec<u8> {
    sections(obj).into_iter().find(|s| s.0 == name).map(|s| s.2).unwrap_or_else(|| panic!("no section {name}"))
}

/// (offset, type, addend) of each RELA entry.
pub fn relocs(obj: &[u8], name: &str) -> Vec<(u64, u32, i64)> {
    section(obj, name)
        .chunks(24)
        .map(|c| {
            let w = |i: usize| u64::from_le_bytes(c[i..i + 8].try_into().unwrap());
            (w(0), w(8) as u32, w(16) as i64)
        })
        .collect()
}

