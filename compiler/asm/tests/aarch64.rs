//! AArch64 end-to-end checks against the bytes and relocations GNU as 2.40 produces.

mod common;

use ccc_asm::{arch_by_name, assemble};
use common::{relocs, section};

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
