//! x86-64: AT&T operands, instruction encoding, relocations.

mod encode;
mod insn;
pub mod operand;

use crate::assembler::Assembler;
use crate::expr::Modifier;
use crate::lex::Tok;
use crate::section::FixKind;
use crate::Arch;

pub struct X86_64;

pub static X86_64_ARCH: X86_64 = X86_64;

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

impl Arch for X86_64 {
    fn instruction(&self, asm: &mut Assembler, mnemonic: &str, operands: &[Tok]) -> Result<(), String> {
        insn::assemble(asm, mnemonic, operands)
    }

    fn dwarf_reg(&self, name: &str) -> Option<u64> {
        const R: [&str; 17] = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"];
        if let Some(i) = R.iter().position(|r| *r == name) {
            return Some(i as u64);
        }
        let n: u64 = name.strip_prefix("xmm")?.parse().ok()?;
        Some(17 + n)
    }

    fn cfi_ra_column(&self) -> u64 {
        16
    }

    fn cfi_initial(&self) -> Vec<u8> {
        // DW_CFA_def_cfa %rsp+8; DW_CFA_offset %rip at cfa-8.
        vec![0x0c, 0x07, 0x08, 0x90, 0x01]
    }

    fn nop_fill_byte(&self) -> Option<u8> {
        Some(0x90)
    }

    fn nops(&self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let k = left.min(11);
            // GNU as: the longest NOPs first, the remainder last.
            let k = if left > 11 { 11 } else { k };
            out.extend_from_slice(NOPS[k - 1]);
            left -= k;
        }
        out
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
        62
    }
}
