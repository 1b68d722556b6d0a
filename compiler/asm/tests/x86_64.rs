//! End-to-end checks against bytes and relocations GNU as 2.40 produces for the same input.

mod common;

use ccc_asm::{arch_by_name, assemble};
use common::{relocs, section};

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

/// Kernel idioms: macro keyword and quoted arguments, `:req`, register comparisons in `.if`,
/// register equates, a `.fill` count that depends on branch sizes and a counter redefined in
/// `.rept`, `.balign 16, 0x90` padded with NOPs, system instructions, `-mrelax-relocations`.
/// Expected bytes and relocations are GNU as 2.40's for the same source.
const KERNEL_IDIOMS: &str = "	.macro extable_type_reg type:req reg:req\n\
	.set .Lfound, 0\n\
	.set .Lregnr, 0\n\
	.irp rs,rax,rcx,rdx\n\
	.ifc \\reg, %\\rs\n\
	.set .Lfound, .Lfound+1\n\
	.long \\type + (.Lregnr << 8)\n\
	.endif\n\
	.set .Lregnr, .Lregnr+1\n\
	.endr\n\
	.if (.Lfound != 1)\n\
	.error \"bad register argument\"\n\
	.endif\n\
	.endm\n\
	.macro alt old new\n\
	\\old\n\
	.endm\n\
	.macro isrsp base\n\
	.if \\base == %rsp\n\
	.byte 1\n\
	.else\n\
	.byte 2\n\
	.endif\n\
	.endm\n\
	.set copy0, %xmm5\n\
	extable_type_reg reg=%rcx, type=(17 | ((-14) << 16)) | ((1) << 12)\n\
	alt \"inb $0x80, %al\", \"\"\n\
	isrsp %rsp\n\
	isrsp %rbp\n\
	movdqa copy0, %xmm1\n\
	i = 0\n\
	.rept 2\n\
0:	pushq $i\n\
	jmp ext\n\
	i = i + 1\n\
	.fill 0b + 8 - ., 1, 0xcc\n\
	.endr\n\
	.balign 16, 0x90\n\
	lidt (%rax)\n\
	outb %al, %dx\n\
	str %rax\n\
	lldt %ax\n\
	wrgsbase %rax\n\
	xsaveq (%rdi)\n\
	mov %es, %ax\n\
	mov %ds, %rax\n\
	movq f@GOTPCREL(%rip), %rax\n\
";

#[test]
fn kernel_idioms_like_gnu_as() {
    let o = asm(KERNEL_IDIOMS);
    let want: &[u8] = &[0x11, 0x11, 0xf2, 0xff, 0xe4, 0x80, 0x01, 0x02, 0x66, 0x0f, 0x6f, 0xcd, 0x6a, 0x00, 0xe9, 0x00, 0x00, 0x00, 0x00, 0xcc, 0x6a, 0x01, 0xe9, 0x00, 0x00, 0x00, 0x00, 0xcc, 0x0f, 0x1f, 0x40, 0x00, 0x0f, 0x01, 0x18, 0xee, 0x0f, 0x00, 0xc8, 0x0f, 0x00, 0xd0, 0xf3, 0x48, 0x0f, 0xae, 0xd8, 0x48, 0x0f, 0xae, 0x27, 0x66, 0x8c, 0xc0, 0x8c, 0xd8, 0x48, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00];
    assert_eq!(section(&o, ".text"), want);
    // REX_GOTPCRELX f-4, PLT32 ext-4 twice (in GNU as order); plain GOTPCREL under -mrelax-relocations=no.
    let types = |o: &[u8]| relocs(o, ".rela.text").iter().map(|r| (r.0, r.1)).collect::<Vec<_>>();
    assert_eq!(types(&o), vec![(0x3b, 42), (0xf, 4), (0x17, 4)]);
    let opts = ccc_asm::Options::parse(&["-mrelax-relocations=no".to_string()]).unwrap();
    let plain = ccc_asm::assemble_with(arch_by_name("x86_64").unwrap(), KERNEL_IDIOMS, "t.s", &opts).unwrap();
    assert_eq!(types(&plain), vec![(0x3b, 9), (0xf, 4), (0x17, 4)]);
    assert!(ccc_asm::Options::parse(&["--bogus".to_string()]).is_err());
}

#[test]
fn missing_required_macro_argument_is_an_error() {
    let e = assemble(arch_by_name("x86_64").unwrap(), ".macro m a:req\n.long \\a\n.endm\nm\n", "t.s").unwrap_err();
    assert!(e.iter().any(|l| l.contains("Missing value for required parameter `a'")), "{e:?}");
}

#[test]
fn incbin_and_include_search_the_include_path() {
    let dir = std::env::temp_dir().join(format!("ccc-asm-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("blob.bin"), b"abcdefgh").unwrap();
    std::fs::write(dir.join("part.s"), ".long 42\n").unwrap();
    let opts = ccc_asm::Options::parse(&["-I".to_string(), dir.display().to_string()]).unwrap();
    let src = ".incbin \"blob.bin\"\n.incbin \"blob.bin\", 2, 3\n.include \"part.s\"\n";
    let o = ccc_asm::assemble_with(arch_by_name("x86_64").unwrap(), src, "t.s", &opts).unwrap();
    assert_eq!(section(&o, ".text"), b"abcdefghcde\x2a\0\0\0");
    // Without the directory: a diagnostic, no object.
    let e = asm_err(src);
    assert!(e.iter().any(|l| l.contains("file not found: blob.bin")), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn asm_err(src: &str) -> Vec<String> {
    assemble(arch_by_name("x86_64").unwrap(), src, "t.s").unwrap_err()
}
