//! i386 psABI (`-m elf_i386`): ELF32 with REL relocations, for static links such as the x86
//! kernel's 16/32-bit setup code. Dynamic linking (GOT, PLT, TLS) is not supported for it
//! yet: those relocations are rejected as unknown.

use super::{DynTypes, RelKind, Target};
use crate::elf::Class;

pub struct I386;

static DYN: DynTypes = DynTypes { relative: 8, glob_dat: 6, jump_slot: 7, copy: 5, irelative: 42, abs64: 1, tpoff64: 14, dtpmod64: 35, dtpoff64: 36 };

const NAMES: &[(u32, &str)] = &[
    (0, "R_386_NONE"),
    (1, "R_386_32"),
    (2, "R_386_PC32"),
    (3, "R_386_GOT32"),
    (4, "R_386_PLT32"),
    (9, "R_386_GOTOFF"),
    (10, "R_386_GOTPC"),
    (20, "R_386_16"),
    (21, "R_386_PC16"),
    (22, "R_386_8"),
    (23, "R_386_PC8"),
    (38, "R_386_SIZE32"),
    (43, "R_386_GOT32X"),
];

/// Field size of a relocation type: where its implicit addend lives.
fn field_size(t: u32) -> Option<u64> {
    match t {
        0 => Some(0),
        20 | 21 => Some(2),
        22 | 23 => Some(1),
        1..=4 | 9 | 10 | 38 | 43 => Some(4),
        _ => None,
    }
}

impl Target for I386 {
    fn machine(&self) -> u16 {
        3
    }

    fn class(&self) -> Class {
        Class::ELF32
    }

    fn rela(&self) -> bool {
        false
    }

    fn code_fill(&self, n: usize) -> Vec<u8> {
        // BFD's i386 fill: two-byte NOPs, a one-byte NOP for an odd count.
        let mut v: Vec<u8> = [0x66, 0x90].iter().copied().cycle().take(n & !1).collect();
        if n % 2 == 1 {
            v.push(0x90);
        }
        v
    }

    fn implicit_addend(&self, t: u32, contents: &[u8], off: u64) -> Result<i64, String> {
        let n = field_size(t).ok_or_else(|| format!("unsupported relocation {}", self.reloc_name(t)))?;
        let field = off.checked_add(n).and_then(|end| contents.get(off as usize..end as usize));
        let Some(b) = field else { return Err(format!("{} at {:#x} is outside its section", self.reloc_name(t), off)) };
        // Sign-extended, as the field is read for S + A.
        Ok(match n {
            0 => 0,
            1 => b[0] as i8 as i64,
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            _ => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
        })
    }

    fn classify(&self, t: u32) -> Option<RelKind> {
        use RelKind::*;
        Some(match t {
            0 => None,
            // (GNU ld checks R_386_32 as a bitfield: signed or unsigned 32-bit values.)
            1 => Abs { size: 4, signed: false },
            2 => Pc { size: 4 },
            // Static links only: a PLT call is a direct call.
            4 => Plt32,
            20 => Abs { size: 2, signed: false },
            21 => Pc { size: 2 },
            22 => Abs { size: 1, signed: false },
            23 => Pc { size: 1 },
            38 => Size { size: 4 },
            _ => return Option::None,
        })
    }

    fn reloc_name(&self, t: u32) -> String {
        super::name_in(NAMES, t)
    }

    fn dyn_types(&self) -> &'static DynTypes {
        &DYN
    }

    fn plt0_size(&self) -> u64 {
        16
    }

    fn plt_entry_size(&self) -> u64 {
        16
    }

    fn plt0(&self, _plt0: u64, got_plt: u64) -> Vec<u8> {
        // pushl GOT+4; jmp *GOT+8 (absolute addressing: non-PIC executables).
        let mut v = vec![0xff, 0x35];
        v.extend_from_slice(&((got_plt + 4) as u32).to_le_bytes());
        v.extend_from_slice(&[0xff, 0x25]);
        v.extend_from_slice(&((got_plt + 8) as u32).to_le_bytes());
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    fn plt_entry(&self, addr: u64, slot: u64, index: u32, plt0: u64) -> Vec<u8> {
        // jmp *slot; push $reloc_offset; jmp PLT0
        let mut v = vec![0xff, 0x25];
        v.extend_from_slice(&(slot as u32).to_le_bytes());
        v.push(0x68);
        v.extend_from_slice(&(index * 8).to_le_bytes());
        v.push(0xe9);
        v.extend_from_slice(&(plt0.wrapping_sub(addr + 16) as u32).to_le_bytes());
        v
    }
}
