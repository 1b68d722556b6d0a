//! x86-64 and i386: AT&T operands, instruction encoding, relocations. One encoder for both:
//! the i386 target (`--32`) differs in its ELF class, relocation types and starting code
//! mode; `.code16`/`.code16gcc`/`.code32`/`.code64` switch the mode in either.

mod encode;
mod insn;
pub mod operand;

use crate::assembler::Assembler;
use crate::expr::Modifier;
use crate::lex::Tok;
use crate::section::FixKind;
use crate::Arch;

pub struct X86_64 {
    /// The i386 target: ELF32, REL, `R_386_*`, 32-bit code first.
    i386: bool,
}

pub static X86_64_ARCH: X86_64 = X86_64 { i386: false };
pub static I386_ARCH: X86_64 = X86_64 { i386: true };

/// Code modes (`Assembler::mode`): the default operand and address size in bits, plus
/// `GCC16` for `.code16gcc` (16-bit code whose stack operations default to 32 bits).
pub mod mode {
    pub const BITS: u32 = 0xff;
    pub const GCC16: u32 = 0x100;
    pub fn bits(mode: u32) -> u8 {
        (mode & BITS) as u8
    }
}

/// i386 relocation types (`R_386_*`).
pub mod reloc386 {
    pub const R_32: u32 = 1;
    pub const PC32: u32 = 2;
    pub const GOT32: u32 = 3;
    pub const PLT32: u32 = 4;
    pub const GOTOFF: u32 = 9;
    pub const GOTPC: u32 = 10;
    pub const TLS_LE: u32 = 17;
    pub const TLS_GD: u32 = 18;
    pub const TLS_LDM: u32 = 19;
    pub const R_16: u32 = 20;
    pub const PC16: u32 = 21;
    pub const R_8: u32 = 22;
    pub const PC8: u32 = 23;
    pub const TLS_LDO_32: u32 = 32;
    pub const TLS_IE_32: u32 = 33;
    pub const TLS_LE_32: u32 = 34;
    pub const SIZE32: u32 = 38;
    pub const GOT32X: u32 = 43;
}

pub mod reloc {
    pub const R_64: u32 = 1;
    pub const PC32: u32 = 2;
    pub const GOT32: u32 = 3;
    pub const PLT32: u32 = 4;
    pub const GOTPCREL: u32 = 9;
    pub const R_32: u32 = 10;
    pub const R_32S: u32 = 11;
    pub const R_16: u32 = 12;
    pub const PC16: u32 = 13;
    pub const R_8: u32 = 14;
    pub const PC8: u32 = 15;
    pub const DTPOFF64: u32 = 17;
    pub const TPOFF64: u32 = 18;
    pub const TLSGD: u32 = 19;
    pub const TLSLD: u32 = 20;
    pub const DTPOFF32: u32 = 21;
    pub const GOTTPOFF: u32 = 22;
    pub const TPOFF32: u32 = 23;
    pub const PC64: u32 = 24;
    pub const GOTOFF64: u32 = 25;
    pub const GOTPC32: u32 = 26;
    pub const SIZE32: u32 = 32;
    pub const SIZE64: u32 = 33;
    pub const GOTPCRELX: u32 = 41;
    pub const REX_GOTPCRELX: u32 = 42;
}

/// GNU as's NOP patterns for x86-64 (alt_patt), 1 to 11 bytes.
const NOPS: [&[u8]; 11] = [
    &[0x90],
    &[0x66, 0x90],
    &[0x0f, 0x1f, 0x00],
    &[0x0f, 0x1f, 0x40, 0x00],
    &[0x0f, 0x1f, 0x44, 0x00, 0x00],
    &[0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
    &[0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
    &[0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    &[0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    &[0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    &[0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/// GNU as's 16-bit NOPs (f16_patt).
const NOPS16: [Option<&[u8]>; 4] = [Some(&[0x90]), Some(&[0x66, 0x90]), Some(&[0x8d, 0x74, 0x00]), Some(&[0x8d, 0xb4, 0x00, 0x00])];

/// GNU as's NOPs for i386 without the NOPL instruction (f32_patt; no 5-byte form).
const NOPS32: [Option<&[u8]>; 7] = [
    Some(&[0x90]),
    Some(&[0x66, 0x90]),
    Some(&[0x8d, 0x76, 0x00]),
    Some(&[0x8d, 0x74, 0x26, 0x00]),
    None,
    Some(&[0x8d, 0xb6, 0x00, 0x00, 0x00, 0x00]),
    Some(&[0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00]),
];

/// `n` bytes of padding as GNU as's i386_generate_nops writes it: more than `max_count`
/// of the longest NOP become a jump over the padding; then the longest NOPs first.
fn gnu_nops(patt: &[Option<&[u8]>], max_count: usize, code16: bool, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut count = n;
    if count / patt.len() > max_count {
        let disp = count - 2;
        if disp <= 127 {
            out.extend([0xeb, disp as u8]);
            count = disp;
        } else {
            let jump: &[u8] = if code16 { &[0x66, 0xe9] } else { &[0xe9] };
            out.extend_from_slice(jump);
            count -= jump.len() + 4;
            out.extend((count as u32).to_le_bytes());
        }
    }
    // i386_output_nops: a missing size uses the next smaller one (plus a one-byte NOP).
    let mut max = patt.len();
    if patt[max - 1].is_none() {
        max -= 1;
    }
    let longest = patt[max - 1].unwrap_or(&[0x90]);
    let last = count % max;
    for _ in 0..count / max {
        out.extend_from_slice(longest);
    }
    if last > 0 {
        match patt[last - 1] {
            Some(p) => out.extend_from_slice(p),
            None => {
                out.extend_from_slice(patt[last - 2].unwrap_or(&[0x90]));
                out.push(0x90);
            }
        }
    }
    out
}

impl Arch for X86_64 {
    fn instruction(&self, asm: &mut Assembler, mnemonic: &str, operands: &[Tok]) -> Result<(), String> {
        insn::assemble(asm, mnemonic, operands)
    }

    fn dwarf_reg(&self, name: &str) -> Option<u64> {
        if self.i386 {
            // i386 psABI numbering; %st and SSE registers are not described by ccc or GCC's CFI here.
            const R32: [&str; 9] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"];
            return R32.iter().position(|r| *r == name).map(|i| i as u64);
        }
        const R: [&str; 17] = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"];
        if let Some(i) = R.iter().position(|r| *r == name) {
            return Some(i as u64);
        }
        let n: u64 = name.strip_prefix("xmm")?.parse().ok()?;
        Some(17 + n)
    }

    fn cfi_ra_column(&self) -> u64 {
        if self.i386 {
            8
        } else {
            16
        }
    }

    fn cfi_initial_offset(&self) -> i64 {
        -self.cfi_data_align()
    }

    fn cfi_data_align(&self) -> i64 {
        if self.i386 {
            -4
        } else {
            -8
        }
    }

    fn cfi_initial(&self) -> Vec<u8> {
        if self.i386 {
            // DW_CFA_def_cfa %esp+4; DW_CFA_offset %eip at cfa-4.
            return vec![0x0c, 0x04, 0x04, 0x88, 0x01];
        }
        // DW_CFA_def_cfa %rsp+8; DW_CFA_offset %rip at cfa-8.
        vec![0x0c, 0x07, 0x08, 0x90, 0x01]
    }

    fn nop_fill_byte(&self) -> Option<u8> {
        Some(0x90)
    }

    fn nops(&self, n: usize) -> Vec<u8> {
        self.nops_in(self.initial_mode(), n)
    }

    fn nops_in(&self, m: u32, n: usize) -> Vec<u8> {
        // GNU as (i386_generate_nops): 16-bit code has its own patterns; 32/64-bit code gets
        // the long NOPs on x86-64 and the `lea` forms of the plain i386 ISA with `--32`.
        if mode::bits(m) == 16 {
            gnu_nops(&NOPS16, 2, true, n)
        } else if self.i386 {
            gnu_nops(&NOPS32, 2, false, n)
        } else {
            gnu_nops(&NOPS.map(Some), 7, false, n)
        }
    }

    fn fix_adjustable(&self, m: Option<Modifier>, kind: FixKind, pcrel: bool, sec_flags: u64, temp: bool) -> bool {
        let merge = sec_flags & crate::section::SHF_MERGE != 0;
        if self.i386 {
            // REL objects: pc-relative references into merge sections are rewritten against
            // the section too, and so is `@GOTOFF` in instructions, but not into merge
            // sections, nor a data directive's of a `.L` label (switch tables' `.long
            // .L5@GOTOFF`), as GNU as does. (Data directives' fields are unsigned.)
            let data = kind == FixKind::Data { signed: false };
            return m.is_none() || (m == Some(Modifier::GotOff) && !merge && !(temp && data));
        }
        m.is_none() && !(merge && pcrel)
    }

    fn elf64(&self) -> bool {
        !self.i386
    }

    fn rela(&self) -> bool {
        !self.i386
    }

    fn initial_mode(&self) -> u32 {
        if self.i386 {
            32
        } else {
            64
        }
    }

    fn directive(&self, asm: &mut Assembler, name: &str, args: &[Tok]) -> Option<Result<(), String>> {
        let m = match name {
            ".code16" => 16,
            ".code16gcc" => 16 | mode::GCC16,
            ".code32" => 32,
            ".code64" => 64,
            _ => return None,
        };
        if !args.is_empty() {
            return Some(Err(format!("junk at end of line, first unrecognized character is `{}'", crate::directives::toks_text(args).chars().next().unwrap_or(' '))));
        }
        asm.mode = m;
        Some(Ok(()))
    }

    fn branch_size_in(&self, m: u32, cc: Option<u8>, long: bool) -> u64 {
        match (mode::bits(m), cc, long) {
            // 16-bit code: rel16 long forms.
            (16, None, true) => 3,
            (16, Some(_), true) => 4,
            _ => self.branch_size(cc, long),
        }
    }

    fn branch_bytes_in(&self, m: u32, cc: Option<u8>, long: bool, disp: i64) -> (Vec<u8>, usize) {
        match (mode::bits(m), cc, long) {
            (16, None, true) => ([vec![0xe9], (disp as i16).to_le_bytes().to_vec()].concat(), 1),
            (16, Some(c), true) => ([vec![0x0f, 0x80 | c], (disp as i16).to_le_bytes().to_vec()].concat(), 2),
            _ => self.branch_bytes(cc, long, disp),
        }
    }

    fn branch_size(&self, cc: Option<u8>, long: bool) -> u64 {
        match (cc, long) {
            (_, false) => 2,
            (None, true) => 5,
            (Some(_), true) => 6,
        }
    }

    fn branch_bytes(&self, cc: Option<u8>, long: bool, disp: i64) -> (Vec<u8>, usize) {
        match (cc, long) {
            (None, false) => (vec![0xeb, disp as u8], 1),
            (Some(c), false) => (vec![0x70 | c, disp as u8], 1),
            (None, true) => ([vec![0xe9], (disp as i32).to_le_bytes().to_vec()].concat(), 1),
            (Some(c), true) => ([vec![0x0f, 0x80 | c], (disp as i32).to_le_bytes().to_vec()].concat(), 2),
        }
    }

    fn reloc_type(&self, kind: FixKind, m: Option<Modifier>, size: u8, pcrel: bool, preemptible: bool) -> Result<u32, String> {
        if self.i386 {
            return reloc_type_386(kind, m, size, pcrel);
        }
        use reloc::*;
        let bad = || Err(format!("unsupported relocation ({kind:?}, {m:?}, {size} bytes)"));
        Ok(match m {
            None => match (pcrel, size, kind) {
                (true, 4, FixKind::Branch) if preemptible => PLT32,
                (true, 4, _) => PC32,
                (true, 8, _) => PC64,
                (true, 2, _) => PC16,
                (true, 1, _) => PC8,
                (false, 8, _) => R_64,
                (false, 4, FixKind::Data { signed: true }) => R_32S,
                (false, 4, _) => R_32,
                (false, 2, _) => R_16,
                (false, 1, _) => R_8,
                _ => return bad(),
            },
            Some(Modifier::Plt) => PLT32,
            Some(Modifier::GotPcRel) => match kind {
                FixKind::GotPcRelX { rex: true } => REX_GOTPCRELX,
                FixKind::GotPcRelX { rex: false } => GOTPCRELX,
                _ => GOTPCREL,
            },
            Some(Modifier::TpOff) | Some(Modifier::NtpOff) => {
                if size == 8 {
                    TPOFF64
                } else {
                    TPOFF32
                }
            }
            Some(Modifier::DtpOff) => {
                if size == 8 {
                    DTPOFF64
                } else {
                    DTPOFF32
                }
            }
            Some(Modifier::GotTpOff) => GOTTPOFF,
            Some(Modifier::TlsGd) => TLSGD,
            Some(Modifier::TlsLd) => TLSLD,
            Some(Modifier::GotOff) => GOTOFF64,
            Some(Modifier::Got) => GOT32,
            Some(Modifier::GotPc) => GOTPC32,
            Some(Modifier::Size) => {
                if size == 8 {
                    SIZE64
                } else {
                    SIZE32
                }
            }
        })
    }

    fn elf_machine(&self) -> u16 {
        if self.i386 {
            3
        } else {
            62
        }
    }
}

/// GNU as's `R_386_*` choice: plain `call foo` is PC32 (PLT32 only with `@PLT`).
fn reloc_type_386(kind: FixKind, m: Option<Modifier>, size: u8, pcrel: bool) -> Result<u32, String> {
    use reloc386::*;
    let bad = || Err(format!("unsupported relocation in 32-bit code ({kind:?}, {m:?}, {size} bytes)"));
    Ok(match (m, pcrel, size) {
        (None, true, 4) => PC32,
        (None, true, 2) => PC16,
        (None, true, 1) => PC8,
        (None, false, 4) => R_32,
        (None, false, 2) => R_16,
        (None, false, 1) => R_8,
        (Some(Modifier::Plt), _, 4) => PLT32,
        (Some(Modifier::GotOff), false, 4) => GOTOFF,
        // The relaxable form for loads, binops and indirect branches (as x86-64's GOTPCRELX).
        (Some(Modifier::Got), _, 4) if matches!(kind, FixKind::GotPcRelX { .. }) => GOT32X,
        (Some(Modifier::Got), false, 4) => GOT32,
        (Some(Modifier::GotPc), _, 4) => GOTPC,
        (Some(Modifier::NtpOff), false, 4) => TLS_LE,
        (Some(Modifier::TpOff), false, 4) => TLS_LE_32,
        (Some(Modifier::DtpOff), false, 4) => TLS_LDO_32,
        (Some(Modifier::TlsGd), false, 4) => TLS_GD,
        (Some(Modifier::TlsLd), false, 4) => TLS_LDM,
        (Some(Modifier::GotTpOff), false, 4) => TLS_IE_32,
        (Some(Modifier::Size), false, 4) => SIZE32,
        _ => return bad(),
    })
}
