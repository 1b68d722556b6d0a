//! End-to-end checks against bytes and relocations GNU as 2.40 produces for the same input.

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

fn asm(src: &str) -> Vec<u8> {
    assemble(arch_by_name("x86_64").unwrap(), src, "t.s").unwrap_or_else(|e| panic!("{e:?}"))
}

const FUNC: &str = "\t.text\n\t.globl f\n\t.type f, @function\nf:\n\t.cfi_startproc\n\tpushq %rbp\n\t.cfi_def_cfa_offset 16\n\
\tmovq %rsp, %rbp\n\tmovl $.LC0, %edi\n\tleaq (%rbp,%rbp), %rax\n\tcmpl $5, x(%rip)\n\tjne 1f\n\tcall g@PLT\n\
1:\tpopq %rbp\n\t.cfi_def_cfa_offset 8\n\tret\n\t.cfi_endproc\n\t.size f, .-f\n\
\t.section .rodata.str1.1,\"aMS\",@progbits,1\n.LC0:\n\t.string \"hi\"\n";

#[test]
fn encodes_like_gnu_as() {
    let o = asm(FUNC);
    let text = section(&o, ".text");
    let want: &[u8] = &[
        0x55, 0x48, 0x89, 0xe5, 0xbf, 0, 0, 0, 0, 0x48, 0x8d, 0x44, 0x2d, 0x00, 0x83, 0x3d, 0, 0, 0, 0, 0x05, 0x75, 0x05, 0xe8, 0, 0, 0, 0, 0x5d, 0xc3,
    ];
    assert_eq!(text, want);
    // R_X86_64_32 .rodata.str1.1+0, PC32 x-5 (an imm8 follows the field), PLT32 g-4.
    assert_eq!(relocs(&o, ".rela.text"), vec![(5, 10, 0), (0x10, 2, -5), (0x18, 4, -4)]);
    assert_eq!(relocs(&o, ".rela.eh_frame"), vec![(0x20, 2, 0)]);
    let eh = section(&o, ".eh_frame");
    assert_eq!(eh.len(), 0x30);
    // FDE instructions: advance 1, def_cfa_offset 16, advance 28, def_cfa_offset 8.
    assert_eq!(&eh[0x29..0x2f], &[0x41, 0x0e, 0x10, 0x5c, 0x0e, 0x08]);
}

#[test]
fn relaxes_branches_like_gnu_as() {
    let far = format!("\t.text\n\tjmp 1f\n\tje 1f\n\t.skip 200\n1:\tjmp 1b\n\tret\n");
    let text = section(&asm(&far), ".text");
    assert_eq!(&text[..5], &[0xe9, 0xce, 0, 0, 0]);
    assert_eq!(&text[5..11], &[0x0f, 0x84, 0xc8, 0, 0, 0]);
    // `1: jmp 1b` jumps to itself: short.
    assert_eq!(&text[211..213], &[0xeb, 0xfe]);
}

#[test]
fn code_alignment_uses_gnu_nops() {
    let text = section(&asm("\t.text\n\tret\n\t.p2align 4,,10\n\tret\n\t.p2align 4\n\tret\n"), ".text");
    // The first alignment would need 15 > 10 bytes: skipped. The second pads 14 bytes: 11 + 3.
    assert_eq!(&text[..16], &[0xc3, 0xc3, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x0f, 0x1f, 0x00]);
}

#[test]
fn errors_name_file_and_line() {
    let e = assemble(arch_by_name("x86_64").unwrap(), "\tnop\n\tfrobnicate %eax\n\t.bogus 1\n\tmovl (%rax\n", "x.s").unwrap_err();
    assert_eq!(e.len(), 3);
    assert!(e[0].starts_with("x.s:2: Error: no such instruction"), "{e:?}");
    assert!(e[1].starts_with("x.s:3: Error: unknown pseudo-op"), "{e:?}");
    assert!(e[2].starts_with("x.s:4: Error:"), "{e:?}");
}

#[test]
fn output_is_deterministic() {
    assert_eq!(asm(FUNC), asm(FUNC));
}
