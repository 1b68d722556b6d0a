//! RISC-V 64 (RISC-V ELF psABI, LP64): relocation numbers, instruction fields, PLT entries.
//! Linker relaxation is not done; `R_RISCV_ALIGN` padding is trimmed by `align.rs` before
//! layout, which is all correctness needs.

use super::{DynTypes, FieldError, RelKind, Target, TlsLayout};
use crate::error::Result;

pub struct Riscv64;

static DYN: DynTypes = DynTypes { relative: 3, glob_dat: 2, jump_slot: 5, copy: 4, irelative: 58, abs64: 2, tpoff64: 11, dtpmod64: 7, dtpoff64: 9 };

pub const R_RISCV_ALIGN: u32 = 43;
pub const R_RISCV_RELAX: u32 = 51;

const NAMES: &[(u32, &str)] = &[
    (0, "R_RISCV_NONE"), (1, "R_RISCV_32"), (2, "R_RISCV_64"), (9, "R_RISCV_TLS_DTPREL64"), (16, "R_RISCV_BRANCH"),
    (17, "R_RISCV_JAL"), (18, "R_RISCV_CALL"), (19, "R_RISCV_CALL_PLT"), (20, "R_RISCV_GOT_HI20"),
    (21, "R_RISCV_TLS_GOT_HI20"), (22, "R_RISCV_TLS_GD_HI20"), (23, "R_RISCV_PCREL_HI20"), (24, "R_RISCV_PCREL_LO12_I"),
    (25, "R_RISCV_PCREL_LO12_S"), (26, "R_RISCV_HI20"), (27, "R_RISCV_LO12_I"), (28, "R_RISCV_LO12_S"),
    (29, "R_RISCV_TPREL_HI20"), (30, "R_RISCV_TPREL_LO12_I"), (31, "R_RISCV_TPREL_LO12_S"), (32, "R_RISCV_TPREL_ADD"),
    (33, "R_RISCV_ADD8"), (34, "R_RISCV_ADD16"), (35, "R_RISCV_ADD32"), (36, "R_RISCV_ADD64"), (37, "R_RISCV_SUB8"),
    (38, "R_RISCV_SUB16"), (39, "R_RISCV_SUB32"), (40, "R_RISCV_SUB64"), (43, "R_RISCV_ALIGN"), (44, "R_RISCV_RVC_BRANCH"),
    (45, "R_RISCV_RVC_JUMP"), (51, "R_RISCV_RELAX"), (52, "R_RISCV_SUB6"), (53, "R_RISCV_SET6"), (54, "R_RISCV_SET8"),
    (55, "R_RISCV_SET16"), (56, "R_RISCV_SET32"), (57, "R_RISCV_32_PCREL"), (59, "R_RISCV_PLT32"),
];

/// How a relocation's value goes into its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// Little-endian data of `size` bytes, stored as is.
    Data { size: u8 },
    /// Little-endian data of `size` bytes that the value is added to / subtracted from
    /// (label differences in `.eh_frame` and debug information).
    Add { size: u8 },
    Sub { size: u8 },
    /// The low 6 bits of a byte (DWARF `DW_CFA_advance_loc`).
    Sub6,
    Set6,
    /// `lui`/`auipc`: bits 12..32 rounded for the sign of the low part.
    Hi20,
    /// I-type and S-type 12-bit immediates.
    Lo12I,
    Lo12S,
    Branch,
    Jal,
    /// `auipc` + `jalr` pair.
    Call,
    RvcBranch,
    RvcJump,
}

fn field(t: u32) -> Option<Field> {
    use Field::*;
    Some(match t {
        1 | 57 | 59 => Data { size: 4 },
        2 | 9 => Data { size: 8 },
        54 => Data { size: 1 },
        55 => Data { size: 2 },
        56 => Data { size: 4 },
        33..=36 => Add { size: 1 << (t - 33) },
        37..=40 => Sub { size: 1 << (t - 37) },
        52 => Sub6,
        53 => Set6,
        20..=23 | 26 | 29 => Hi20,
        24 | 27 | 30 => Lo12I,
        25 | 28 | 31 => Lo12S,
        16 => Branch,
        17 => Jal,
        18 | 19 => Call,
        44 => RvcBranch,
        45 => RvcJump,
        _ => return None,
    })
}

fn fits(v: i64, bits: u32) -> bool {
    v >= -(1i64 << (bits - 1)) && v < (1i64 << (bits - 1))
}

/// The upper 20 bits for `lui`/`auipc` such that adding the sign-extended low 12 gives `v`.
fn hi20(v: i64) -> u32 {
    ((v.wrapping_add(0x800) >> 12) as u32 & 0xf_ffff) << 12
}

fn i_imm(insn: u32, v: i64) -> u32 {
    (insn & 0x000f_ffff) | (((v as u32) & 0xfff) << 20)
}

fn s_imm(insn: u32, v: i64) -> u32 {
    let v = v as u32 & 0xfff;
    (insn & 0x01ff_f07f) | ((v >> 5) << 25) | ((v & 0x1f) << 7)
}

fn b_imm(insn: u32, v: i64) -> u32 {
    let v = v as u32;
    (insn & 0x01ff_f07f) | (((v >> 12) & 1) << 31) | (((v >> 5) & 0x3f) << 25) | (((v >> 1) & 0xf) << 8) | (((v >> 11) & 1) << 7)
}

fn j_imm(insn: u32, v: i64) -> u32 {
    let v = v as u32;
    (insn & 0xfff) | (((v >> 20) & 1) << 31) | (((v >> 1) & 0x3ff) << 21) | (((v >> 11) & 1) << 20) | (((v >> 12) & 0xff) << 12)
}

fn cb_imm(insn: u16, v: i64) -> u16 {
    let v = v as u16;
    (insn & 0xe383) | (((v >> 8) & 1) << 12) | (((v >> 3) & 3) << 10) | (((v >> 6) & 3) << 5) | (((v >> 1) & 3) << 3) | (((v >> 5) & 1) << 2)
}

fn cj_imm(insn: u16, v: i64) -> u16 {
    let v = v as u16;
    let bit = |b: u16, at: u16| ((v >> b) & 1) << at;
    (insn & 0xe003) | bit(11, 12) | bit(4, 11) | bit(9, 10) | bit(8, 9) | bit(10, 8) | bit(6, 7) | bit(7, 6) | bit(3, 5) | bit(2, 4) | bit(1, 3) | bit(5, 2)
}

fn get<const N: usize>(code: &[u8], off: usize) -> std::result::Result<[u8; N], FieldError> {
    let mut out = [0u8; N];
    out.copy_from_slice(code.get(off..off + N).ok_or(FieldError::OutOfSection)?);
    Ok(out)
}

fn put(code: &mut [u8], off: usize, bytes: &[u8]) {
    code[off..off + bytes.len()].copy_from_slice(bytes);
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |acc, &x| acc << 8 | x as u64)
}

fn store(f: Field, code: &mut [u8], off: usize, v: i64) -> std::result::Result<(), FieldError> {
    use FieldError::*;
    let insn = || get::<4>(code, off).map(u32::from_le_bytes);
    match f {
        Field::Data { size } => {
            let n = size as usize;
            get::<1>(code, off + n - 1)?;
            put(code, off, &v.to_le_bytes()[..n]);
        }
        Field::Add { size } | Field::Sub { size } => {
            let n = size as usize;
            get::<1>(code, off + n - 1)?;
            let old = le(&code[off..off + n]) as i64;
            let new = if matches!(f, Field::Add { .. }) { old.wrapping_add(v) } else { old.wrapping_sub(v) };
            put(code, off, &new.to_le_bytes()[..n]);
        }
        Field::Sub6 | Field::Set6 => {
            let [old] = get::<1>(code, off)?;
            let low = if f == Field::Sub6 { (old as i64).wrapping_sub(v) } else { v };
            put(code, off, &[(old & 0xc0) | (low as u8 & 0x3f)]);
        }
        Field::Hi20 => {
            if !fits(v.wrapping_add(0x800), 32) {
                return Err(Overflow);
            }
            let i = insn()?;
            put(code, off, &((i & 0xfff) | hi20(v)).to_le_bytes());
        }
        Field::Lo12I => {
            let i = insn()?;
            put(code, off, &i_imm(i, v).to_le_bytes());
        }
        Field::Lo12S => {
            let i = insn()?;
            put(code, off, &s_imm(i, v).to_le_bytes());
        }
        Field::Branch | Field::Jal => {
            let bits = if f == Field::Branch { 13 } else { 21 };
            if v & 1 != 0 {
                return Err(Misaligned);
            }
            if !fits(v, bits) {
                return Err(Overflow);
            }
            let i = insn()?;
            let new = if f == Field::Branch { b_imm(i, v) } else { j_imm(i, v) };
            put(code, off, &new.to_le_bytes());
        }
        Field::Call => {
            if !fits(v.wrapping_add(0x800), 32) {
                return Err(Overflow);
            }
            let auipc = insn()?;
            let jalr = get::<4>(code, off + 4).map(u32::from_le_bytes)?;
            put(code, off, &((auipc & 0xfff) | hi20(v)).to_le_bytes());
            put(code, off + 4, &i_imm(jalr, v).to_le_bytes());
        }
        Field::RvcBranch | Field::RvcJump => {
            let bits = if f == Field::RvcBranch { 9 } else { 12 };
            if v & 1 != 0 {
                return Err(Misaligned);
            }
            if !fits(v, bits) {
                return Err(Overflow);
            }
            let i = u16::from_le_bytes(get::<2>(code, off)?);
            let new = if f == Field::RvcBranch { cb_imm(i, v) } else { cj_imm(i, v) };
            put(code, off, &new.to_le_bytes());
        }
    }
    Ok(())
}

/// I-type and U-type instruction words for the PLT.
fn itype(op: u32, rd: u32, funct3: u32, rs1: u32, imm: i64) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | op
}
fn auipc(rd: u32, delta: i64) -> u32 {
    hi20(delta) | (rd << 7) | 0x17
}
const LD: u32 = 0x03;
const ADDI: u32 = 0x13;
const NOP: u32 = 0x13;
const T0: u32 = 5;
const T1: u32 = 6;
const T2: u32 = 7;
const T3: u32 = 28;

impl Target for Riscv64 {
    fn missing_stack_note_is_exec(&self) -> bool {
        false
    }

    fn machine(&self) -> u16 {
        243
    }

    fn classify(&self, t: u32) -> Option<RelKind> {
        use RelKind::*;
        Some(match t {
            0 | R_RISCV_ALIGN | R_RISCV_RELAX | 32 => None,
            1 => Abs { size: 4, signed: false },
            2 => Abs { size: 8, signed: false },
            9 => DtpOff { size: 8 },
            16 | 17 | 23 | 44 | 45 | 57 => Pc { size: 4 },
            18 | 19 | 59 => Plt32,
            20 => GotPc { size: 4, relax: false },
            21 => GotTpOff,
            24 | 25 => PcRelLo,
            26..=28 => Abs { size: 4, signed: true },
            29..=31 => TpOff { size: 4 },
            // Label differences and DWARF fields: no dynamic relocation, no PIC error.
            33..=40 | 52..=56 => AbsLo,
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
        // GNU ld's lazy-binding header: t1 = the PLT entry's .got.plt slot offset, t0 = the
        // link map (.got.plt[1]), then jump to the resolver (.got.plt[0]).
        let d = got_plt.wrapping_sub(plt0) as i64;
        let words = [
            auipc(T2, d),
            0x41c3_0333, // sub t1, t1, t3
            itype(LD, T3, 3, T2, d),
            itype(ADDI, T1, 0, T1, -(32 + 12)),
            itype(ADDI, T0, 0, T2, d),
            itype(ADDI, T1, 5, T1, 1), // srli t1, t1, 1
            itype(LD, T0, 3, T0, 8),
            itype(0x67, 0, 0, T3, 0), // jr t3
        ];
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn plt_entry(&self, addr: u64, slot: u64, _index: u32, _plt0: u64) -> Vec<u8> {
        // auipc t3, %pcrel_hi(slot); ld t3, %pcrel_lo(slot)(t3); jalr t1, t3; nop
        let d = slot.wrapping_sub(addr) as i64;
        let words = [auipc(T3, d), itype(LD, T3, 3, T3, d), itype(0x67, T1, 0, T3, 0), NOP];
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn linker_symbols(&self) -> &'static [&'static str] {
        &["__global_pointer$"]
    }

    fn prepare_object(&self, obj: &mut crate::object::Object, relocatable: bool) -> Result<()> {
        if relocatable {
            return Ok(()); // the final link trims, once
        }
        crate::align::trim_alignment_padding(obj, R_RISCV_ALIGN)
    }

    fn got_plt_header(&self, _dynamic: u64) -> Vec<u64> {
        vec![u64::MAX, 0] // ld.so stores the resolver and the link map
    }

    fn tls_layout(&self) -> TlsLayout {
        TlsLayout::BlockAboveTp { tcb: 0 }
    }

    fn write_field(&self, r_type: u32, code: &mut [u8], off: usize, value: i64) -> std::result::Result<bool, FieldError> {
        match field(r_type) {
            Some(f) => store(f, code, off, value).map(|()| true),
            None => Ok(false),
        }
    }

    fn undef_weak_branch(&self) -> Option<i64> {
        Some(0) // branch to itself: never taken, always in range
    }

    fn merge_flags(&self, inputs: &[(&str, u32)]) -> Result<u32> {
        merge_flags(inputs)
    }
}

const EF_RISCV_RVC: u32 = 0x1;
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
const EF_RISCV_RVE: u32 = 0x8;
const EF_RISCV_TSO: u32 = 0x10;

/// GNU ld's rule: the float ABI and RVE must agree; RVC and TSO are kept when any input
/// has them.
fn merge_flags(inputs: &[(&str, u32)]) -> Result<u32> {
    let Some(&(first_name, first)) = inputs.first() else { return Ok(0) };
    let mut out = first;
    for &(name, f) in &inputs[1..] {
        if f & EF_RISCV_FLOAT_ABI != first & EF_RISCV_FLOAT_ABI {
            crate::bail!(
                "{name}: can't link {} modules with {} modules ({first_name})",
                float_abi_name(f),
                float_abi_name(first)
            );
        }
        if f & EF_RISCV_RVE != first & EF_RISCV_RVE {
            crate::bail!("{name}: can't link RVE with other target ({first_name})");
        }
        out |= f & (EF_RISCV_RVC | EF_RISCV_TSO);
    }
    Ok(out)
}

fn float_abi_name(flags: u32) -> &'static str {
    match flags & EF_RISCV_FLOAT_ABI {
        0 => "soft-float",
        2 => "single-float",
        4 => "double-float",
        _ => "quad-float",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_merge_like_gnu_ld() {
        assert_eq!(merge_flags(&[]).unwrap(), 0);
        assert_eq!(merge_flags(&[("a.o", 0x4), ("b.o", 0x5)]).unwrap(), 0x5);
        assert_eq!(merge_flags(&[("a.o", 0x5), ("b.o", 0x14)]).unwrap(), 0x15);
        let err = merge_flags(&[("a.o", 0x5), ("b.o", 0x1)]).unwrap_err().to_string();
        assert!(err.contains("b.o: can't link soft-float modules with double-float modules"), "{err}");
    }

    fn word(code: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(code[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn call_pair_splits_with_sign() {
        // auipc ra, 0; jalr ra, 0(ra)
        let mut code = [0x97, 0x00, 0x00, 0x00, 0xe7, 0x80, 0x00, 0x00].to_vec();
        Riscv64.write_field(19, &mut code, 0, 0x1800).unwrap();
        // 0x1800 = 0x2000 - 0x800: auipc +2 pages, jalr -2048
        assert_eq!(word(&code, 0) >> 12, 2);
        assert_eq!(word(&code, 4) >> 20, 0x800);
    }

    #[test]
    fn branch_and_jal_immediates() {
        let mut code = 0x0000_0063u32.to_le_bytes().to_vec(); // beq x0, x0
        Riscv64.write_field(16, &mut code, 0, -4).unwrap();
        assert_eq!(word(&code, 0), 0xfe00_0ee3); // beq x0, x0, -4
        let mut code = 0x0000_006fu32.to_le_bytes().to_vec(); // jal x0
        Riscv64.write_field(17, &mut code, 0, 2048).unwrap();
        assert_eq!(word(&code, 0), 0x0010_006f); // j +2048
        assert_eq!(Riscv64.write_field(16, &mut code, 0, 4096), Err(FieldError::Overflow));
    }

    #[test]
    fn add_sub_pairs_make_differences() {
        let mut code = vec![0u8; 4];
        Riscv64.write_field(35, &mut code, 0, 0x1010).unwrap(); // ADD32 end
        Riscv64.write_field(39, &mut code, 0, 0x1000).unwrap(); // SUB32 start
        assert_eq!(word(&code, 0), 0x10);
        let mut b = [0x45u8]; // DW_CFA_advance_loc | 5
        Riscv64.write_field(52, &mut b, 0, 1).unwrap();
        assert_eq!(b[0], 0x44);
    }

    #[test]
    fn compressed_jump() {
        let mut code = 0xa001u16.to_le_bytes().to_vec(); // c.j 0
        Riscv64.write_field(45, &mut code, 0, -2).unwrap();
        assert_eq!(u16::from_le_bytes([code[0], code[1]]), 0xbffd); // c.j -2
    }
}
