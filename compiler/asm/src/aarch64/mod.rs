//! AArch64 (A64): operands, instruction encoding, relocations, mapping symbols.

mod insn;
pub mod operand;
mod sysreg;

use crate::assembler::Assembler;
use crate::expr::Modifier;
use crate::lex::{split_commas, Tok};
use crate::section::FixKind;
use crate::{Arch, InsnFix};

pub struct Aarch64;

pub static AARCH64_ARCH: Aarch64 = Aarch64;

/// ELF relocation types (AArch64 ELF ABI).
pub mod reloc {
    pub const ABS64: u32 = 257;
    pub const ABS32: u32 = 258;
    pub const ABS16: u32 = 259;
    pub const PREL64: u32 = 260;
    pub const PREL32: u32 = 261;
    pub const PREL16: u32 = 262;
    pub const MOVW_UABS_G0: u32 = 263;
    pub const MOVW_UABS_G0_NC: u32 = 264;
    pub const MOVW_UABS_G1: u32 = 265;
    pub const MOVW_UABS_G1_NC: u32 = 266;
    pub const MOVW_UABS_G2: u32 = 267;
    pub const MOVW_UABS_G2_NC: u32 = 268;
    pub const MOVW_UABS_G3: u32 = 269;
    pub const MOVW_SABS_G0: u32 = 270;
    pub const MOVW_SABS_G1: u32 = 271;
    pub const MOVW_SABS_G2: u32 = 272;
    pub const LD_PREL_LO19: u32 = 273;
    pub const ADR_PREL_LO21: u32 = 274;
    pub const ADR_PREL_PG_HI21: u32 = 275;
    pub const ADR_PREL_PG_HI21_NC: u32 = 276;
    pub const ADD_ABS_LO12_NC: u32 = 277;
    pub const LDST8_ABS_LO12_NC: u32 = 278;
    pub const TSTBR14: u32 = 279;
    pub const CONDBR19: u32 = 280;
    pub const JUMP26: u32 = 282;
    pub const CALL26: u32 = 283;
    pub const LDST16_ABS_LO12_NC: u32 = 284;
    pub const LDST32_ABS_LO12_NC: u32 = 285;
    pub const LDST64_ABS_LO12_NC: u32 = 286;
    pub const LDST128_ABS_LO12_NC: u32 = 299;
    pub const ADR_GOT_PAGE: u32 = 311;
    pub const LD64_GOT_LO12_NC: u32 = 312;
    pub const TLSGD_ADR_PAGE21: u32 = 513;
    pub const TLSGD_ADD_LO12_NC: u32 = 514;
    pub const TLSIE_ADR_GOTTPREL_PAGE21: u32 = 541;
    pub const TLSIE_LD64_GOTTPREL_LO12_NC: u32 = 542;
    pub const TLSLE_MOVW_TPREL_G2: u32 = 544;
    pub const TLSLE_MOVW_TPREL_G1: u32 = 545;
    pub const TLSLE_MOVW_TPREL_G1_NC: u32 = 546;
    pub const TLSLE_MOVW_TPREL_G0: u32 = 547;
    pub const TLSLE_MOVW_TPREL_G0_NC: u32 = 548;
    pub const TLSLE_ADD_TPREL_HI12: u32 = 549;
    pub const TLSLE_ADD_TPREL_LO12: u32 = 550;
    pub const TLSLE_ADD_TPREL_LO12_NC: u32 = 551;
    /// LDST8 .. LDST64 `:tprel_lo12:` are 552 + 2*log2(size), the `_nc` forms one more.
    pub const TLSLE_LDST8_TPREL_LO12: u32 = 552;
    pub const TLSDESC_ADR_PAGE21: u32 = 562;
    pub const TLSDESC_LD64_LO12: u32 = 563;
    pub const TLSDESC_ADD_LO12: u32 = 564;
    pub const TLSDESC_CALL: u32 = 569;
}

/// GNU as's NOP: `hint #0`.
pub const NOP: u32 = 0xd503_201f;

impl Arch for Aarch64 {
    fn instruction(&self, asm: &mut Assembler, mnemonic: &str, operands: &[Tok]) -> Result<(), String> {
        insn::assemble(asm, mnemonic, operands)
    }

    fn dwarf_reg(&self, name: &str) -> Option<u64> {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "sp" => return Some(31),
            "lr" => return Some(30),
            "fp" => return Some(29),
            _ => {}
        }
        let (kind, n) = name.split_at(1);
        let n: u64 = n.parse().ok().filter(|n| *n < 32)?;
        match kind {
            "x" | "w" if n < 31 => Some(n),
            "v" | "q" | "d" | "s" | "h" | "b" => Some(64 + n),
            _ => None,
        }
    }

    fn cfi_ra_column(&self) -> u64 {
        30
    }

    fn cfi_initial(&self) -> Vec<u8> {
        // DW_CFA_def_cfa sp+0.
        vec![0x0c, 0x1f, 0x00]
    }

    fn cfi_code_align(&self) -> u64 {
        4
    }

    fn cfi_initial_offset(&self) -> i64 {
        0
    }

    fn nops(&self, n: usize) -> Vec<u8> {
        // Bytes short of a whole instruction are zeros, before the NOPs (GNU's
        // aarch64_handle_align).
        let mut out = vec![0u8; n % 4];
        for _ in 0..n / 4 {
            out.extend(NOP.to_le_bytes());
        }
        out
    }

    fn branch_size(&self, _cc: Option<u8>, _long: bool) -> u64 {
        4
    }

    fn branch_bytes(&self, _cc: Option<u8>, _long: bool, _disp: i64) -> (Vec<u8>, usize) {
        // AArch64 branches are never relaxed: instructions carry their own fixups.
        (Vec::new(), 0)
    }

    fn reloc_type(&self, kind: FixKind, m: Option<Modifier>, size: u8, pcrel: bool, _preemptible: bool) -> Result<u32, String> {
        use reloc::*;
        if let Some(m) = m {
            return Err(format!("relocation modifier {m:?} is not valid on AArch64"));
        }
        Ok(match (pcrel, size) {
            (false, 8) => ABS64,
            (false, 4) => ABS32,
            (false, 2) => ABS16,
            (true, 8) => PREL64,
            (true, 4) => PREL32,
            (true, 2) => PREL16,
            _ => return Err(format!("cannot represent a {size}-byte relocation ({kind:?})")),
        })
    }

    fn elf_machine(&self) -> u16 {
        183
    }

    fn hash_comments(&self) -> bool {
        false
    }

    fn word_size(&self) -> u8 {
        4
    }

    fn align_is_pow2(&self) -> bool {
        true
    }

    fn mapping_symbols(&self) -> bool {
        true
    }

    fn all_section_symbols(&self) -> bool {
        true
    }

    /// Without a modifier, a pc-relative reference into an SHF_MERGE section may name the
    /// section too (GNU as's aarch64_fix_adjustable has no such exception).
    fn fix_adjustable(&self, m: Option<Modifier>, _kind: FixKind, _pcrel: bool, _sec_flags: u64, _temp: bool) -> bool {
        m.is_none()
    }

    fn insn_fix(&self, t: u32) -> InsnFix {
        use reloc::*;
        let pcrel = matches!(t, JUMP26 | CALL26 | CONDBR19 | TSTBR14 | LD_PREL_LO19 | ADR_PREL_LO21 | ADR_PREL_PG_HI21 | ADR_PREL_PG_HI21_NC | ADR_GOT_PAGE | TLSGD_ADR_PAGE21 | TLSIE_ADR_GOTTPREL_PAGE21 | TLSDESC_ADR_PAGE21);
        let resolvable = matches!(t, JUMP26 | CALL26 | CONDBR19 | TSTBR14 | LD_PREL_LO19 | ADR_PREL_LO21);
        // GOT and TLS relocations keep their symbol (GNU's aarch64_fix_adjustable).
        let adjustable = !matches!(t, ADR_GOT_PAGE | LD64_GOT_LO12_NC) && t < 512;
        InsnFix { pcrel, resolvable, adjustable }
    }

    fn patch_insn(&self, t: u32, field: &mut [u8], v: i64) -> Result<(), String> {
        insn::patch(t, field, v)
    }

    fn directive(&self, asm: &mut Assembler, name: &str, args: &[Tok]) -> Option<Result<(), String>> {
        Some(match name {
            ".xword" | ".dword" => asm.data(&split_commas(args), 8),
            // Architecture selection: every extension the encoder knows is always accepted.
            ".arch" | ".cpu" | ".arch_extension" => Ok(()),
            ".inst" => insn::inst_directive(asm, args),
            ".tlsdesccall" => insn::tlsdesccall(asm, args),
            ".variant_pcs" => match args {
                [Tok::Ident(s)] => {
                    let id = asm.intern(s);
                    // STO_AARCH64_VARIANT_PCS.
                    asm.syms.sym_mut(id).vis |= 0x80;
                    Ok(())
                }
                _ => Err("expected symbol name".into()),
            },
            _ => return None,
        })
    }
}
