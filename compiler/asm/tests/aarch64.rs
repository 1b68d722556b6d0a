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

fn words(src: &str) -> Vec<u32> {
    let obj = asm(src).unwrap_or_else(|e| panic!("{e:?}"));
    section(&obj, ".text").chunks(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

#[test]
fn kernel_system_instructions() {
    // The kernel's inline asm: op0 = 0 system registers, unprivileged loads and stores, the
    // `sys` aliases, a branch to `.`.
    let src = "msr s0_3_c1_c0_1, x9\nldtr w9,[x9]\nldtr x9,[x9,#8]\nsttr w10,[x9]\nldtrb w9,[x9]\nsttrb w10,[x9, #-3]\n\
ldtrh w1,[x2]\nsttrh w1,[x2]\nldtrsw x1,[x2]\nldtrsb w1,[x2]\nldtrsh x1,[x2]\ntlbi aside1is, x9\ntlbi vmalle1is\ndc cvac, x0\n\
ic ivau, x1\nic iallu\nat s1e1r, x0\nsys #3, c7, c11, #1, x0\ncbnz x9, .\n";
    let want = [
        0xd5031029, 0xb8400929, 0xf8408929, 0xb800092a, 0x38400929, 0x381fd92a, 0x78400841, 0x78000841, 0xb8800841, 0x38c00841, 0x78800841,
        0xd5088349, 0xd508831f, 0xd50b7a20, 0xd50b7521, 0xd508751f, 0xd5087800, 0xd50b7b20, 0xb5000009,
    ];
    assert_eq!(words(src), want);
    assert!(asm("tlbi vmalle1is, x0\n").is_err());
    assert!(asm("dc cvac\n").is_err());
}

#[test]
fn register_aliases_and_named_system_registers() {
    let src = ".irp n,0,1,2\n wx\\n .req w\\n\n.endr\n add wx1, wx2, wx0\n.unreq wx1\nmrs x0, tpidr_el2\nmrs x1, tcr_el1\n\
msr ttbr0_el1, x9\nmrs x2, clidr_el1\nmrs x3, id_aa64mmfr1_el1\nmrs x4, s3_0_c0_c2_0\n";
    assert_eq!(words(src), [0x0b000041, 0xd53cd040, 0xd5382041, 0xd5182009, 0xd5390022, 0xd5380723, 0xd5380204]);
    assert!(asm("mrs x0, no_such_el1\n").is_err());
}

#[test]
fn crc32_eret_and_signed_move_wide_groups() {
    // Constants under `:abs_gN_s:` resolve here; a negative one makes `movz` a `movn`.
    let src = ".arch_extension crc\ncrc32x w8,w0,x3\ncrc32b w1,w2,w3\ncrc32ch w1,w2,w3\ncrc32cx w1,w2,x3\neret\ndrps\n\
movz x0, :abs_g1_s:0x12345678\nmovz x0, :abs_g1_s:-0x12345678\nmovz x1, :abs_g2_s:-5\nmovz x1, :abs_g0_s:7\n";
    assert_eq!(words(src), [0x9ac34c08, 0x1ac34041, 0x1ac35441, 0x9ac35c41, 0xd69f03e0, 0xd6bf03e0, 0xd2a24680, 0x92a24680, 0x92c00001, 0xd28000e1]);
    assert!(asm("crc32x w8,w0,w3\n").is_err());
    // Against a symbol: R_AARCH64_MOVW_SABS_G2 (272).
    let obj = asm("movz x0, :abs_g2_s:sym\n").unwrap_or_else(|e| panic!("{e:?}"));
    let r: Vec<u32> = relocs(&obj, ".rela.text").into_iter().map(|r| r.1).collect();
    assert_eq!(r, [272]);
}

#[test]
fn aliases_of_aliases_are_written() {
    // memcpy.S: `.weak memcpy; .set memcpy, __memcpy` with `.set __memcpy, __pi_memcpy`.
    let obj = asm("\t.text\nf:\tnop\n\t.type f, %function\n\t.size f, 4\n\t.globl a\n\t.set a, f\n\t.weak b\n\t.set b, a\n").unwrap_or_else(|e| panic!("{e:?}"));
    let syms: Vec<(u8, u64)> = section(&obj, ".symtab").chunks(24).map(|e| (e[4], u64::from_le_bytes(e[16..24].try_into().unwrap()))).collect();
    // GLOBAL FUNC `a` and WEAK FUNC `b`, both with f's size.
    assert!(syms.contains(&(0x12, 4)), "{syms:?}");
    assert!(syms.contains(&(0x22, 4)), "{syms:?}");
}
