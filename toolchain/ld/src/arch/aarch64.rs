//! AArch64 (ELF for the Arm 64-bit Architecture): relocation numbers, the fields they patch
//! in instructions, PLT entries and TLS descriptor relaxations.

use super::{DescTarget, DynTypes, FieldError, RelKind, Target, TlsLayout};
use crate::bail;
use crate::error::Result;

pub struct AArch64;

static DYN: DynTypes = DynTypes { relative: 1027, glob_dat: 1025, jump_slot: 1026, copy: 1024, irelative: 1032, abs64: 257, tpoff64: 1030, dtpmod64: 1028, dtpoff64: 1029 };

/// Relocation names by number, for diagnostics (the ones this linker handles).
const NAMES: &[(u32, &str)] = &[
    (0, "R_AARCH64_NONE"), (256, "R_AARCH64_NONE"), (257, "R_AARCH64_ABS64"), (258, "R_AARCH64_ABS32"), (259, "R_AARCH64_ABS16"),
    (260, "R_AARCH64_PREL64"), (261, "R_AARCH64_PREL32"), (262, "R_AARCH64_PREL16"),
    (263, "R_AARCH64_MOVW_UABS_G0"), (264, "R_AARCH64_MOVW_UABS_G0_NC"), (265, "R_AARCH64_MOVW_UABS_G1"),
    (266, "R_AARCH64_MOVW_UABS_G1_NC"), (267, "R_AARCH64_MOVW_UABS_G2"), (268, "R_AARCH64_MOVW_UABS_G2_NC"),
    (269, "R_AARCH64_MOVW_UABS_G3"), (270, "R_AARCH64_MOVW_SABS_G0"), (271, "R_AARCH64_MOVW_SABS_G1"), (272, "R_AARCH64_MOVW_SABS_G2"),
    (273, "R_AARCH64_LD_PREL_LO19"), (274, "R_AARCH64_ADR_PREL_LO21"), (275, "R_AARCH64_ADR_PREL_PG_HI21"),
    (276, "R_AARCH64_ADR_PREL_PG_HI21_NC"), (277, "R_AARCH64_ADD_ABS_LO12_NC"), (278, "R_AARCH64_LDST8_ABS_LO12_NC"),
    (279, "R_AARCH64_TSTBR14"), (280, "R_AARCH64_CONDBR19"), (282, "R_AARCH64_JUMP26"), (283, "R_AARCH64_CALL26"),
    (284, "R_AARCH64_LDST16_ABS_LO12_NC"), (285, "R_AARCH64_LDST32_ABS_LO12_NC"), (286, "R_AARCH64_LDST64_ABS_LO12_NC"),
    (287, "R_AARCH64_MOVW_PREL_G0"), (288, "R_AARCH64_MOVW_PREL_G0_NC"), (289, "R_AARCH64_MOVW_PREL_G1"),
    (290, "R_AARCH64_MOVW_PREL_G1_NC"), (291, "R_AARCH64_MOVW_PREL_G2"), (292, "R_AARCH64_MOVW_PREL_G2_NC"),
    (293, "R_AARCH64_MOVW_PREL_G3"), (299, "R_AARCH64_LDST128_ABS_LO12_NC"), (307, "R_AARCH64_GOTREL64"),
    (309, "R_AARCH64_GOT_LD_PREL19"), (310, "R_AARCH64_LD64_GOTOFF_LO15"), (311, "R_AARCH64_ADR_GOT_PAGE"),
    (312, "R_AARCH64_LD64_GOT_LO12_NC"), (313, "R_AARCH64_LD64_GOTPAGE_LO15"), (541, "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21"),
    (542, "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC"), (543, "R_AARCH64_TLSIE_LD_GOTTPREL_PREL19"),
    (544, "R_AARCH64_TLSLE_MOVW_TPREL_G2"), (545, "R_AARCH64_TLSLE_MOVW_TPREL_G1"), (546, "R_AARCH64_TLSLE_MOVW_TPREL_G1_NC"),
    (547, "R_AARCH64_TLSLE_MOVW_TPREL_G0"), (548, "R_AARCH64_TLSLE_MOVW_TPREL_G0_NC"), (549, "R_AARCH64_TLSLE_ADD_TPREL_HI12"),
    (550, "R_AARCH64_TLSLE_ADD_TPREL_LO12"), (551, "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC"),
    (552, "R_AARCH64_TLSLE_LDST8_TPREL_LO12"), (553, "R_AARCH64_TLSLE_LDST8_TPREL_LO12_NC"),
    (554, "R_AARCH64_TLSLE_LDST16_TPREL_LO12"), (555, "R_AARCH64_TLSLE_LDST16_TPREL_LO12_NC"),
    (556, "R_AARCH64_TLSLE_LDST32_TPREL_LO12"), (557, "R_AARCH64_TLSLE_LDST32_TPREL_LO12_NC"),
    (558, "R_AARCH64_TLSLE_LDST64_TPREL_LO12"), (559, "R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC"),
    (562, "R_AARCH64_TLSDESC_ADR_PAGE21"), (563, "R_AARCH64_TLSDESC_LD64_LO12"), (564, "R_AARCH64_TLSDESC_ADD_LO12"),
    (569, "R_AARCH64_TLSDESC_CALL"), (570, "R_AARCH64_TLSLE_LDST128_TPREL_LO12"), (571, "R_AARCH64_TLSLE_LDST128_TPREL_LO12_NC"),
];

/// How a relocation's value goes into its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// Little-endian data; `lo`..`hi` is the accepted range of the value.
    Data { size: u8, lo: i64, hi: i64 },
    /// An instruction's immediate.
    Insn(Imm),
}

/// The immediate field of an instruction, and how a value is encoded into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Imm {
    /// `adrp`: a page delta, 21 bits of pages; `check` is false for the `_NC` forms.
    AdrPage { check: bool },
    /// `adr`: 21-bit signed byte offset.
    Adr,
    /// 12-bit immediate at bits 10..22, scaled down by `1 << shift` (add, loads and stores);
    /// the low 12 bits of the value, or bits 12..24 for `hi`.
    Imm12 { shift: u8, hi: bool, check: bool },
    /// Branches and literal loads: a word offset of `bits` bits at bit `at`.
    Branch { bits: u8, at: u8 },
    /// `movz`/`movk`/`movn` 16-bit chunk `group`; `check` for the non-`_NC` forms, `signed`
    /// when a negative value turns `movz` into `movn`.
    Movw { group: u8, check: bool, signed: bool },
    /// `ldr` of a GOT entry: 15-bit offset scaled by 8 (`:gotpage_lo15:`, `:gotoff_lo15:`).
    Ld64Lo15,
}

fn field(t: u32) -> Option<Field> {
    use Imm::*;
    const I32: i64 = i32::MIN as i64;
    Some(match t {
        257 | 260 => Field::Data { size: 8, lo: i64::MIN, hi: i64::MAX },
        258 => Field::Data { size: 4, lo: I32, hi: u32::MAX as i64 },
        259 => Field::Data { size: 2, lo: i16::MIN as i64, hi: u16::MAX as i64 },
        261 => Field::Data { size: 4, lo: I32, hi: u32::MAX as i64 },
        262 => Field::Data { size: 2, lo: i16::MIN as i64, hi: u16::MAX as i64 },
        307 => Field::Data { size: 8, lo: i64::MIN, hi: i64::MAX },
        263..=269 => Field::Insn(Movw { group: ((t - 263) / 2) as u8, check: (t - 263) % 2 == 0, signed: false }),
        270..=272 => Field::Insn(Movw { group: (t - 270) as u8, check: true, signed: true }),
        287..=293 => Field::Insn(Movw { group: ((t - 287) / 2) as u8, check: (t - 287) % 2 == 0, signed: true }),
        544 => Field::Insn(Movw { group: 2, check: true, signed: true }),
        545 | 546 => Field::Insn(Movw { group: 1, check: t == 545, signed: true }),
        547 | 548 => Field::Insn(Movw { group: 0, check: t == 547, signed: true }),
        273 | 280 | 309 | 543 => Field::Insn(Branch { bits: 19, at: 5 }),
        279 => Field::Insn(Branch { bits: 14, at: 5 }),
        282 | 283 => Field::Insn(Branch { bits: 26, at: 0 }),
        274 => Field::Insn(Adr),
        275 | 311 | 541 | 562 => Field::Insn(AdrPage { check: true }),
        276 => Field::Insn(AdrPage { check: false }),
        277 | 278 | 564 => Field::Insn(Imm12 { shift: 0, hi: false, check: false }),
        284 => Field::Insn(Imm12 { shift: 1, hi: false, check: false }),
        285 => Field::Insn(Imm12 { shift: 2, hi: false, check: false }),
        286 | 312 | 542 | 563 => Field::Insn(Imm12 { shift: 3, hi: false, check: false }),
        299 => Field::Insn(Imm12 { shift: 4, hi: false, check: false }),
        549 => Field::Insn(Imm12 { shift: 0, hi: true, check: true }),
        550 | 551 => Field::Insn(Imm12 { shift: 0, hi: false, check: t == 550 }),
        552..=559 => Field::Insn(Imm12 { shift: ((t - 552) / 2) as u8, hi: false, check: (t - 552) % 2 == 0 }),
        570 | 571 => Field::Insn(Imm12 { shift: 4, hi: false, check: t == 570 }),
        310 | 313 => Field::Insn(Ld64Lo15),
        _ => return None,
    })
}

fn read32(code: &[u8], off: usize) -> std::result::Result<u32, FieldError> {
    let b = code.get(off..off + 4).ok_or(FieldError::OutOfSection)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn write32(code: &mut [u8], off: usize, v: u32) {
    code[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn fits(v: i64, bits: u32) -> bool {
    v >= -(1i64 << (bits - 1)) && v < (1i64 << (bits - 1))
}

/// Store `v` into the immediate of instruction `insn` described by `f`.
fn encode(f: Imm, insn: u32, v: i64) -> std::result::Result<u32, FieldError> {
    use FieldError::*;
    Ok(match f {
        Imm::AdrPage { check } => {
            if check && !fits(v, 33) {
                return Err(Overflow);
            }
            adr_imm(insn, v >> 12)
        }
        Imm::Adr => {
            if !fits(v, 21) {
                return Err(Overflow);
            }
            adr_imm(insn, v)
        }
        Imm::Imm12 { shift, hi, check } => {
            let x = if hi { v >> 12 } else { v & 0xfff };
            if check && (v < 0 || v >= 1 << (if hi { 24 } else { 12 })) {
                return Err(Overflow);
            }
            if x & ((1 << shift) - 1) != 0 {
                return Err(Misaligned);
            }
            (insn & !(0xfff << 10)) | ((((x >> shift) & 0xfff) as u32) << 10)
        }
        Imm::Branch { bits, at } => {
            if v & 3 != 0 {
                return Err(Misaligned);
            }
            if !fits(v, bits as u32 + 2) {
                return Err(Overflow);
            }
            let mask = ((1u64 << bits) - 1) as u32;
            (insn & !(mask << at)) | ((((v >> 2) as u32) & mask) << at)
        }
        Imm::Movw { group, check, signed } => {
            let shift = 16 * group as u32;
            if check {
                let bits = shift + 16;
                let ok = if signed { fits(v, bits + 1) } else { bits >= 64 || (v >= 0 && (v as u64) < 1u64 << bits) };
                if !ok {
                    return Err(Overflow);
                }
            }
            let mut insn = insn;
            let mut x = v;
            // A checked signed chunk of a negative value is a `movn` of the inverted value.
            if signed && check && v < 0 {
                insn &= !(0b11 << 29); // opc 00: movn
                x = !v;
            } else if signed && check {
                insn = (insn & !(0b11 << 29)) | (0b10 << 29); // opc 10: movz
            }
            (insn & !(0xffff << 5)) | ((((x >> shift) & 0xffff) as u32) << 5)
        }
        Imm::Ld64Lo15 => {
            if v & 7 != 0 {
                return Err(Misaligned);
            }
            if !(0..1 << 15).contains(&v) {
                return Err(Overflow);
            }
            (insn & !(0xfff << 10)) | (((v >> 3) as u32) << 10)
        }
    })
}

/// `adr`/`adrp` immediate: low 2 bits at 29..31, the next 19 at 5..24.
fn adr_imm(insn: u32, x: i64) -> u32 {
    let x = x as u32 & 0x1f_ffff;
    (insn & !((0b11 << 29) | (0x7_ffff << 5))) | ((x & 3) << 29) | ((x >> 2) << 5)
}

const NOP: u32 = 0xd503_201f;

/// `movz xN, #imm16, lsl #16` and `movk xN, #imm16`.
fn movz_lsl16(rd: u32, imm: u32) -> u32 {
    0xd2a0_0000 | ((imm & 0xffff) << 5) | rd
}
fn movk(rd: u32, imm: u32) -> u32 {
    0xf280_0000 | ((imm & 0xffff) << 5) | rd
}

impl Target for AArch64 {
    fn missing_stack_note_is_exec(&self) -> bool {
        false
    }

    fn narrow_abs_checked_after_layout(&self) -> bool {
        true
    }

    fn machine(&self) -> u16 {
        183
    }

    fn classify(&self, t: u32) -> Option<RelKind> {
        use RelKind::*;
        Some(match t {
            0 | 256 => None,
            257 => Abs { size: 8, signed: false },
            258 | 259 => Abs { size: 4, signed: false },
            263..=272 => Abs { size: 4, signed: false },
            260..=262 | 273 | 274 | 279 | 280 | 287..=293 => Pc { size: 4 },
            282 | 283 => Plt32,
            275 | 276 => PagePc,
            277 | 278 | 284..=286 | 299 => AbsLo,
            307 => GotOff,
            309 => GotPc { size: 4, relax: false },
            310 => Got { size: 4 },
            311 => GotPagePc,
            312 => GotLo,
            313 => GotFromGotPage,
            541 => GotTpOffPagePc,
            542 => GotTpOffLo,
            543 => GotTpOff,
            544..=559 | 570 | 571 => TpOff { size: 4 },
            562 => TlsDescPc,
            563 | 564 => TlsDescLo,
            569 => TlsDescCall,
            _ => return Option::None,
        })
    }

    fn reloc_name(&self, t: u32) -> String {
        super::name_in(NAMES, t)
    }

    fn dyn_types(&self) -> &'static DynTypes {
        &DYN
    }

    fn plt0(&self, plt0: u64, got_plt: u64) -> Vec<u8> {
        // stp x16, x30, [sp, #-16]!; adrp x16, GOT+16; ldr x17, [x16, :lo12:GOT+16];
        // add x16, x16, :lo12:GOT+16; br x17; nop x3
        let target = got_plt + 16;
        let words = [0xa9bf_7bf0, page_insn(0x9000_0010, plt0 + 4, target), 0xf940_0211 | lo12_scaled(target, 3), 0x9100_0210 | lo12_scaled(target, 0), 0xd61f_0220, NOP, NOP, NOP];
        words.iter().flat_map(|w: &u32| w.to_le_bytes()).collect()
    }

    fn plt_entry(&self, addr: u64, slot: u64, _index: u32, _plt0: u64) -> Vec<u8> {
        // adrp x16, slot; ldr x17, [x16, :lo12:slot]; add x16, x16, :lo12:slot; br x17
        let words = [page_insn(0x9000_0010, addr, slot), 0xf940_0211 | lo12_scaled(slot, 3), 0x9100_0210 | lo12_scaled(slot, 0), 0xd61f_0220];
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn relax_gd_to_le(&self, _code: &mut [u8], _off: usize, _tpoff: i64, what: &str) -> Result<()> {
        bail!("{}: traditional TLS general-dynamic sequences (-mtls-dialect=trad) are not supported", what)
    }

    fn relax_gd_to_ie(&self, _code: &mut [u8], _off: usize, _place: u64, _got: u64, what: &str) -> Result<()> {
        bail!("{}: traditional TLS general-dynamic sequences (-mtls-dialect=trad) are not supported", what)
    }

    fn relax_ld_to_le(&self, _code: &mut [u8], _off: usize, what: &str) -> Result<()> {
        bail!("{}: traditional TLS local-dynamic sequences (-mtls-dialect=trad) are not supported", what)
    }

    fn relax_desc_to_le(&self, code: &mut [u8], off: usize, tpoff: i64, what: &str) -> Result<()> {
        // adrp x0, :tlsdesc:v  ->  movz x0, #:tprel_g1:v
        let rd = desc_rd(code, off, 0x9f00_0000, 0x9000_0000, what)?;
        if !(0..1 << 32).contains(&tpoff) {
            bail!("{}: TLS offset {:#x} out of range for local-exec relaxation", what, tpoff);
        }
        write32(code, off, movz_lsl16(rd, (tpoff >> 16) as u32));
        Ok(())
    }

    fn relax_desc_to_ie(&self, code: &mut [u8], off: usize, place: u64, got: u64, what: &str) -> Result<()> {
        // adrp x0, :tlsdesc:v  ->  adrp x0, :gottprel:v
        let rd = desc_rd(code, off, 0x9f00_0000, 0x9000_0000, what)?;
        write32(code, off, page_insn(0x9000_0000 | rd, place, got));
        Ok(())
    }

    fn relax_desc_lo(&self, r_type: u32, code: &mut [u8], off: usize, to: DescTarget, what: &str) -> Result<()> {
        let insn = read32(code, off).map_err(|_| crate::err!("{}: truncated TLS descriptor sequence", what))?;
        let new = match (r_type, to) {
            // ldr x1, [x0, :tlsdesc_lo12:v]  ->  movk x0, #:tprel_g0_nc:v  /  ldr x0, [x0, :gottprel_lo12:v]
            (563, DescTarget::Le(tp)) => movk(insn >> 5 & 0x1f, tp as u32),
            (563, DescTarget::Ie(got)) => {
                let rn = insn >> 5 & 0x1f;
                0xf940_0000 | lo12_scaled(got, 3) | (rn << 5) | rn
            }
            // add x0, x0, :tlsdesc_lo12:v  ->  nop
            (564, _) => NOP,
            _ => bail!("{}: unexpected relocation in a TLS descriptor sequence", what),
        };
        write32(code, off, new);
        Ok(())
    }

    fn relax_desc_call(&self, code: &mut [u8], off: usize, what: &str) -> Result<()> {
        // blr x1  ->  nop
        desc_rd(code, off, 0xffff_fc1f, 0xd63f_0000, what)?;
        write32(code, off, NOP);
        Ok(())
    }

    fn max_page_size(&self) -> u64 {
        0x10000 // Linux/arm64 may run with 64 KiB pages
    }

    fn gotsym_at_got(&self) -> bool {
        true // `:gotpage_lo15:` offsets count up from it
    }

    fn tls_layout(&self) -> TlsLayout {
        TlsLayout::BlockAboveTp { tcb: 16 }
    }

    fn write_field(&self, r_type: u32, code: &mut [u8], off: usize, value: i64) -> std::result::Result<bool, FieldError> {
        match field(r_type) {
            None => return Ok(false),
            Some(Field::Data { size, lo, hi }) => {
                let n = size as usize;
                let dst = code.get_mut(off..off + n).ok_or(FieldError::OutOfSection)?;
                if value < lo || value > hi {
                    return Err(FieldError::Overflow);
                }
                dst.copy_from_slice(&value.to_le_bytes()[..n]);
            }
            Some(Field::Insn(imm)) => {
                let insn = read32(code, off)?;
                write32(code, off, encode(imm, insn, value)?);
            }
        }
        Ok(true)
    }

    fn undef_weak_branch(&self) -> Option<i64> {
        Some(4)
    }
}

/// `adrp`-form instruction `base` at `place` addressing the page of `target`.
fn page_insn(base: u32, place: u64, target: u64) -> u32 {
    adr_imm(base, ((target & !0xfff) as i64).wrapping_sub((place & !0xfff) as i64) >> 12)
}

/// The low 12 bits of `addr`, scaled for an access of `1 << shift` bytes, at bits 10..22.
fn lo12_scaled(addr: u64, shift: u32) -> u32 {
    (((addr & 0xfff) >> shift) as u32) << 10
}

/// The destination register of the instruction at `off`, which must match `want` under `mask`.
fn desc_rd(code: &[u8], off: usize, mask: u32, want: u32, what: &str) -> Result<u32> {
    match read32(code, off) {
        Ok(insn) if insn & mask == want => Ok(insn & 0x1f),
        _ => bail!("{}: unexpected instruction sequence for TLS descriptor relaxation", what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adrp_and_lo12_fields() {
        // adrp x0, 0: a page delta of 0x12345 pages.
        let mut code = 0x9000_0000u32.to_le_bytes().to_vec();
        assert!(AArch64.write_field(275, &mut code, 0, 0x12345 << 12).unwrap());
        let insn = u32::from_le_bytes(code[..4].try_into().unwrap());
        let imm = ((insn >> 29) & 3) | (((insn >> 5) & 0x7_ffff) << 2);
        assert_eq!(imm, 0x12345);
        // ldr x1, [x0, #0]: :lo12: of 0x1238 is 0x238, scaled by 8.
        let mut code = 0xf940_0001u32.to_le_bytes().to_vec();
        AArch64.write_field(286, &mut code, 0, 0x1238).unwrap();
        assert_eq!(u32::from_le_bytes(code[..4].try_into().unwrap()), 0xf940_0001 | (0x47 << 10));
        // A misaligned 8-byte access is an error, not a silently wrong offset.
        assert_eq!(AArch64.write_field(286, &mut code, 0, 0x1234), Err(FieldError::Misaligned));
    }

    #[test]
    fn branch_range() {
        let mut code = 0x9400_0000u32.to_le_bytes().to_vec(); // bl
        AArch64.write_field(283, &mut code, 0, -8).unwrap();
        assert_eq!(u32::from_le_bytes(code[..4].try_into().unwrap()), 0x97ff_fffe);
        assert_eq!(AArch64.write_field(283, &mut code, 0, 1 << 27), Err(FieldError::Overflow));
        assert_eq!(AArch64.write_field(280, &mut code, 0, 1 << 20), Err(FieldError::Overflow));
    }

    #[test]
    fn movw_signed_becomes_movn() {
        let mut code = 0xd280_0000u32.to_le_bytes().to_vec(); // movz x0, #0
        AArch64.write_field(270, &mut code, 0, -2).unwrap();
        // movn x0, #1
        assert_eq!(u32::from_le_bytes(code[..4].try_into().unwrap()), 0x9280_0020);
    }

    #[test]
    fn plt_entry_addresses_its_slot() {
        let e = AArch64.plt_entry(0x1000, 0x2ff8, 0, 0);
        let w = |i: usize| u32::from_le_bytes(e[4 * i..4 * i + 4].try_into().unwrap());
        assert_eq!(w(0), 0xb000_0010); // adrp x16, +1 page
        assert_eq!(w(1), 0xf940_0211 | (0x1ff << 10)); // ldr x17, [x16, #0xff8]
        assert_eq!(w(3), 0xd61f_0220);
    }
}
