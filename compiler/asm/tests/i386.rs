//! i386 (`--32`) checks against the bytes GNU as 2.40 writes for the same input: ELF32 with
//! REL relocations (addends in the fields), and 16-bit code (`.code16`, `.code16gcc`).

use ccc_asm::{arch_by_name, assemble};

fn asm32(src: &str) -> Vec<u8> {
    let arch = arch_by_name("i386").expect("i386 target");
    assemble(arch, src, "t.s").unwrap_or_else(|e| panic!("{e:?}"))
}

/// (name, data, (offset, info) of each REL entry of its `.rel` section) read from ELF32.
fn section32(obj: &[u8], name: &str) -> (Vec<u8>, Vec<(u32, u32)>) {
    let u16_at = |o: usize| u16::from_le_bytes([obj[o], obj[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(obj[o..o + 4].try_into().unwrap()) as usize;
    let shoff = u32_at(32);
    let (n, strndx) = (u16_at(48), u16_at(50));
    let hdr = |i: usize| shoff + i * 40;
    let str_off = u32_at(hdr(strndx) + 16);
    let find = |want: &str| {
        (0..n).find_map(|i| {
            let h = hdr(i);
            let at = str_off + u32_at(h);
            let nm: String = obj[at..].iter().take_while(|b| **b != 0).map(|b| *b as char).collect();
            (nm == want).then(|| obj[u32_at(h + 16)..u32_at(h + 16) + u32_at(h + 20)].to_vec())
        })
    };
    let data = find(name).unwrap_or_else(|| panic!("no section {name}"));
    let rel = find(&format!(".rel{name}")).unwrap_or_default();
    let rels = rel.chunks(8).map(|c| (u32::from_le_bytes(c[0..4].try_into().unwrap()), u32::from_le_bytes(c[4..8].try_into().unwrap()))).collect();
    (data, rels)
}

#[test]
fn elf32_header_and_rel_addends() {
    let obj = asm32("call g\nmovl foo+4, %eax\n.data\n.long foo+8\n");
    assert_eq!(&obj[..7], b"\x7fELF\x01\x01\x01");
    assert_eq!(u16::from_le_bytes([obj[18], obj[19]]), 3); // EM_386
    let (text, rels) = section32(&obj, ".text");
    // e8 rel32 with -4 in place; a1 moffs32 with 4 in place.
    assert_eq!(text, [0xe8, 0xfc, 0xff, 0xff, 0xff, 0xa1, 4, 0, 0, 0]);
    assert_eq!(rels.iter().map(|r| (r.0, r.1 & 0xff)).collect::<Vec<_>>(), [(1, 2), (6, 1)]); // R_386_PC32, R_386_32
    let (data, _) = section32(&obj, ".data");
    assert_eq!(data, [8, 0, 0, 0]);
}

#[test]
fn code16gcc_stack_operations_are_32_bit() {
    let obj = asm32(".code16gcc\ncall g\npushl %ebp\nret\nmovl 8(%ebp), %eax\njmp g\n");
    let (text, rels) = section32(&obj, ".text");
    assert_eq!(text, [0x66, 0xe8, 0xfc, 0xff, 0xff, 0xff, 0x66, 0x55, 0x66, 0xc3, 0x67, 0x66, 0x8b, 0x45, 0x08, 0xe9, 0xfe, 0xff]);
    // The call is PC32, the (16-bit) jump PC16.
    assert_eq!(rels.iter().map(|r| (r.0, r.1 & 0xff)).collect::<Vec<_>>(), [(2, 2), (16, 21)]);
}

#[test]
fn code16_addressing_and_nops() {
    let obj = asm32(".code16\nmovw $5, (%bx)\nmovw %ax, -2(%bp,%si)\nmovl foo, %eax\n.p2align 4\n");
    let (text, _) = section32(&obj, ".text");
    assert_eq!(text[..16], [0xc7, 0x07, 0x05, 0x00, 0x89, 0x42, 0xfe, 0x66, 0xa1, 0, 0, 0x8d, 0xb4, 0, 0, 0x90]);
    assert_eq!(text.len(), 16);
}

#[test]
fn sixty_four_bit_registers_are_errors_in_32_bit_code() {
    let arch = arch_by_name("i386").expect("i386 target");
    let e = assemble(arch, "movq %rax, %rbx\n", "t.s").expect_err("64-bit operands in 32-bit code");
    assert!(e[0].starts_with("t.s:1: Error: "), "{e:?}");
}

#[test]
fn short_inc_dec_outside_64_bit_code() {
    let obj = asm32("decl %ecx\nincw %ax\nincb %al\n");
    let (text, _) = section32(&obj, ".text");
    assert_eq!(text, [0x49, 0x66, 0x40, 0xfe, 0xc0]);
}
