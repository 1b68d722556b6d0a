//! RISC-V 64: bytes and relocations GNU as 2.40 (`riscv64-linux-gnu-as`) writes for the same
//! input, including compressed forms, `li` expansion, branch relaxation, `.L0 ` labels for
//! `%pcrel_lo`, R_RISCV_RELAX/ALIGN and ADD/SUB pairs.

mod common;

use ccc_asm::{arch_by_name, assemble};
use common::{relocs, section};

fn asm(src: &str) -> Result<Vec<u8>, Vec<String>> {
    assemble(arch_by_name("riscv64").unwrap(), src, "t.s")
}

const FUNC: &str = "\t.option pic\n\t.attribute arch, \"rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0\"\n\
\t.attribute stack_align, 16\n\t.text\n\t.align 1\n\t.globl f\n\t.type f, @function\nf:\n\taddi sp,sp,-16\n\tsd ra,8(sp)\n\
\tli a0,0x12345678\n\tli a1,-1\n\tbeqz a0,.L2\n\tlla a5,.LC0\n\tla a4,g\n\tcall h@plt\n\tbgtu a0,a5,.L3\n.L2:\n\
\tld ra,8(sp)\n\taddi sp,sp,16\n\tj .L4\n\t.align 3\n.L3:\n\tfcvt.w.d a0,fa0,rtz\n\tamoadd.w.aqrl a0,a1,(a2)\n\
\tcsrr a0,fflags\n.L4:\n\tret\n\t.size f, .-f\n\t.section .rodata\n.LC0:\n\t.word .L4-.L2\n\t.dword f\n";

#[test]
fn encodes_like_gnu_as() {
    let o = asm(FUNC).unwrap_or_else(|e| panic!("{e:?}"));
    let want: &[u8] = &[
        0x41, 0x11, 0x06, 0xe4, 0x37, 0x55, 0x34, 0x12, 0x1b, 0x05, 0x85, 0x67, 0xfd, 0x55, 0x19, 0xcd, 0x97, 0x07, 0x00, 0x00, 0x93, 0x87, 0x07, 0x00, 0x17, 0x07, 0x00, 0x00, 0x03, 0x37,
        0x07, 0x00, 0x97, 0x00, 0x00, 0x00, 0xe7, 0x80, 0x00, 0x00, 0x63, 0xe8, 0xa7, 0x00, 0xa2, 0x60, 0x41, 0x01, 0x11, 0xa8, 0x01, 0x00, 0x13, 0x00, 0x00, 0x00, 0x53, 0x15, 0x05, 0xc2,
        0x2f, 0x25, 0xb6, 0x06, 0x73, 0x25, 0x10, 0x00, 0x82, 0x80, 0x00, 0x00,
    ];
    assert_eq!(section(&o, ".text"), want);
    // RVC_BRANCH, PCREL_HI20+RELAX, PCREL_LO12_I+RELAX, GOT_HI20, PCREL_LO12_I+RELAX,
    // CALL_PLT+RELAX, BRANCH, RVC_JUMP, ALIGN 6.
    let text_relocs = vec![(14, 44, 0), (16, 23, 0), (16, 51, 0), (20, 24, 0), (20, 51, 0), (24, 20, 0), (28, 24, 0), (28, 51, 0), (32, 19, 0), (32, 51, 0), (40, 16, 0), (48, 45, 0), (50, 43, 6)];
    assert_eq!(relocs(&o, ".rela.text"), text_relocs);
    // A label difference in code stays for the linker: ADD32/SUB32.
    assert_eq!(relocs(&o, ".rela.rodata"), vec![(0, 35, 0), (0, 39, 0), (4, 2, 0)]);
    // RVC | double-float ABI.
    assert_eq!(u32::from_le_bytes(o[48..52].try_into().unwrap()), 5);
    let attrs = section(&o, ".riscv.attributes");
    assert_eq!(attrs.len(), 0x57);
    assert!(attrs.ends_with(b"_zmmul1p0\0\x08\x01\x0a\x0b"));
}

#[test]
fn bad_instructions_are_errors_with_lines() {
    let e = asm("\t.text\n\tnop\n\tfrob a0,a1\n\taddi a0,a1,5000\n").unwrap_err();
    assert!(e[0].starts_with("t.s:3: Error: unrecognized opcode `frob a0,a1'"), "{e:?}");
    assert!(e[1].starts_with("t.s:4: Error: illegal operands `addi a0,a1,5000'"), "{e:?}");
}

#[test]
fn long_branches_are_inverted_over_a_jump() {
    // Beyond the 4 KiB reach of a conditional branch: `bnez` over `jal` (GNU's 6-byte RVC form).
    let o = asm("\t.attribute arch, \"rv64gc\"\n\t.text\n\tbeqz a0,1f\n\t.skip 5000\n1:\tnop\n").unwrap_or_else(|e| panic!("{e:?}"));
    let t = section(&o, ".text");
    assert_eq!(&t[..6], &[0x19, 0xe1, 0x6f, 0x10, 0xc0, 0x38][..]);
}

#[test]
fn explicit_compressed_mnemonics() {
    let src = "\t.attribute arch, \"rv64gc\"\n\t.text\n\tc.li s4,-13\n\tc.mv a0,a1\n\tc.add a0,a2\n\tc.addi sp,-16\n\tc.slli a0,3\n\
\tc.lui a5,1\n\tc.ld a0,8(a1)\n\tc.sdsp ra,8(sp)\n\tc.jr ra\n\tc.nop\n\tmove t0,a1\n";
    let o = asm(src).unwrap_or_else(|e| panic!("{e:?}"));
    let want: &[u8] = &[
        0x4d, 0x5a, 0x2e, 0x85, 0x32, 0x95, 0x41, 0x11, 0x0e, 0x05, 0x85, 0x67, 0x88, 0x65, 0x06, 0xe4, 0x82, 0x80, 0x01, 0x00, 0xae, 0x82, 0x00, 0x00,
    ];
    assert_eq!(section(&o, ".text"), want);
    // No compressed encoding: an error, as in GNU as (not a silent 32-bit instruction).
    let e = asm("\t.attribute arch, \"rv64gc\"\n\tc.li a0, 100\n").unwrap_err();
    assert!(e[0].contains("illegal operands `c.li a0,100'"), "{e:?}");
    let e = asm("\t.attribute arch, \"rv64gc\"\n\t.option norvc\n\tc.li a0, 1\n").unwrap_err();
    assert!(e[0].contains("extension `c' required"), "{e:?}");
}

#[test]
fn subsections_follow_their_section_and_end_stops() {
    // The kernel's ALTERNATIVE: replacement code in `.subsection 1`, back with `.previous`.
    let src = "\t.attribute arch, \"rv64i\"\n\t.text\n\tnop\n\t.subsection 1\n1:\taddi a0,a0,1\n\t.previous\n\taddi a1,a1,2\n\
\t.pushsection .rodata\n\t.4byte 1\n\t.popsection\n\taddi a2,a2,3\n\t.end\n\tfrob\n";
    let o = asm(src).unwrap_or_else(|e| panic!("{e:?}"));
    let want: &[u8] = &[0x13, 0x00, 0x00, 0x00, 0x93, 0x85, 0x25, 0x00, 0x13, 0x06, 0x36, 0x00, 0x13, 0x05, 0x15, 0x00];
    assert_eq!(section(&o, ".text"), want);
}

#[test]
fn register_mnemonics_with_immediates_and_add_zero_as_mv() {
    let src = "\t.attribute arch, \"rv64gc\"\n\t.text\n\tadd a0, a0, 5\n\tsrl a2, a0, 12\n\tsrl a2, a2, 12\n\tand a0, a0, 3\n\tsll a0,a0,3\n\
\taddw a0,a0,1\n\tsraw a0,a0,1\n\txor a0,a1,1\n\tsltu a0,a1,1\n\tadd t1, zero, t1\n\tadd t1, t1, zero\n";
    let o = asm(src).unwrap_or_else(|e| panic!("{e:?}"));
    let want: &[u8] = &[
        0x15, 0x05, 0x13, 0x56, 0xc5, 0x00, 0x31, 0x82, 0x0d, 0x89, 0x0e, 0x05, 0x05, 0x25, 0x1b, 0x55, 0x15, 0x40, 0x13, 0xc5, 0x15, 0x00, 0x13, 0xb5,
        0x15, 0x00, 0x1a, 0x83, 0x33, 0x03, 0x03, 0x00,
    ];
    assert_eq!(section(&o, ".text"), want);
}
