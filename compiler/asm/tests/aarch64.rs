//! AArch64 end-to-end checks against the bytes and relocations GNU as 2.40 produces.

use ccc_asm::{arch_by_name, assemble};

/// (name, type, data) of each section, read back from the ELF object.
fn sections(obj: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
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

fn section(obj: &[u8], name: &str) -> Vec<u8> {
    sections(obj).into_iter().find(|s| s.0 == name).map(|s| s.2).unwrap_or_else(|| panic!("no section {name}"))
}

/// (offset, type, addend) of each RELA entry.
fn relocs(obj: &[u8], name: &str) -> Vec<(u64, u32, i64)> {
    section(obj, name)
        .chunks(24)
        .map(|c| {
            let w = |i: usize| u64::from_le_bytes(c[i..i + 8].try_into().unwrap());
            (w(0), w(8) as u32, w(16) as i64)
        })
        .collect()
}

fn asm(src: &str) -> Result<Vec<u8>, Vec<String>> {
    assemble(arch_by_name("aarch64").unwrap(), src, "t.s")
}

const FUNC: &str = "\t.text\n\t.align 2\n\t.global f\n\t.type f, %function\nf:\n\tstp x29, x30, [sp, -16]!\n\tmov x29, sp\n\
\tadrp x0, .LC0\n\tadd x0, x0, :lo12:.LC0\n\tbl g\n\tcbz w0, 1f\n\tmov x1, 0x10000\n\tldr w2, [x0, 4]\n\
1:\tldp x29, x30, [sp], 16\n\tret\n\t.section .rodata.str1.8,\"aMS\",@progbits,1\n.LC0:\n\t.string \"hi\"\n";

#[test]
fn encodes_like_gnu_as() {
    let obj = asm(FUNC).unwrap();
    let words: Vec<u32> = section(&obj, ".text").chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(words, [0xa9bf7bfd, 0x910003fd, 0x90000000, 0x91000000, 0x94000000, 0x34000060, 0xd2a00021, 0xb9400402, 0xa8c17bfd, 0xd65f03c0]);
    // ADR_PREL_PG_HI21, ADD_ABS_LO12_NC against the section; CALL26 against g; cbz resolved.
    let r: Vec<(u64, u32)> = relocs(&obj, ".rela.text").into_iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(r, [(8, 275), (12, 277), (16, 283)]);
}

#[test]
fn errors_name_file_and_line() {
    let e = asm("\tnop\n\tfoo x0, x1\n\tldr x0, [x1, 99999]\n").unwrap_err();
    assert!(e[0].starts_with("t.s:2: Error: unknown mnemonic `foo'"), "{e:?}");
    assert!(e[1].starts_with("t.s:3: Error: "), "{e:?}");
}
