//! x86-64 psABI: relocation numbers, PLT entries, GOTPCRELX and TLS relaxations.

use super::{DynTypes, RelKind, Target};
use crate::bail;
use crate::error::Result;

pub struct X86_64;

static DYN: DynTypes = DynTypes { relative: 8, glob_dat: 6, jump_slot: 7, copy: 5, irelative: 37, abs64: 1, tpoff64: 18, dtpmod64: 16, dtpoff64: 17 };

const NAMES: &[&str] = &[
    "R_X86_64_NONE", "R_X86_64_64", "R_X86_64_PC32", "R_X86_64_GOT32", "R_X86_64_PLT32", "R_X86_64_COPY",
    "R_X86_64_GLOB_DAT", "R_X86_64_JUMP_SLOT", "R_X86_64_RELATIVE", "R_X86_64_GOTPCREL", "R_X86_64_32",
    "R_X86_64_32S", "R_X86_64_16", "R_X86_64_PC16", "R_X86_64_8", "R_X86_64_PC8", "R_X86_64_DTPMOD64",
    "R_X86_64_DTPOFF64", "R_X86_64_TPOFF64", "R_X86_64_TLSGD", "R_X86_64_TLSLD", "R_X86_64_DTPOFF32",
    "R_X86_64_GOTTPOFF", "R_X86_64_TPOFF32", "R_X86_64_PC64", "R_X86_64_GOTOFF64", "R_X86_64_GOTPC32",
    "R_X86_64_GOT64", "R_X86_64_GOTPCREL64", "R_X86_64_GOTPC64", "R_X86_64_GOTPLT64", "R_X86_64_PLTOFF64",
    "R_X86_64_SIZE32", "R_X86_64_SIZE64", "R_X86_64_GOTPC32_TLSDESC", "R_X86_64_TLSDESC_CALL",
    "R_X86_64_TLSDESC", "R_X86_64_IRELATIVE", "R_X86_64_RELATIVE64", "R_X86_64_39", "R_X86_64_40",
    "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX",
];

/// The bytes at `at` must be `want`, and `len` bytes from `at` must exist for the rewrite.
fn check_len(code: &[u8], at: usize, want: &[u8], len: usize, what: &str, form: &str) -> Result<()> {
    if at.checked_add(len).map_or(true, |e| e > code.len()) {
        bail!("{}: truncated instruction sequence for {} relaxation", what, form);
    }
    check(code, at, want, what, form)
}

fn check(code: &[u8], at: usize, want: &[u8], what: &str, form: &str) -> Result<()> {
    match at.checked_add(want.len()).and_then(|e| code.get(at..e)) {
        Some(b) if b == want => Ok(()),
        _ => bail!("{}: unexpected instruction sequence for {} relaxation", what, form),
    }
}

impl Target for X86_64 {
    fn machine(&self) -> u16 {
        62
    }

    fn classify(&self, t: u32) -> Option<RelKind> {
        use RelKind::*;
        Some(match t {
            0 => None,
            1 => Abs { size: 8, signed: false },
            2 => Pc { size: 4 },
            3 => Got { size: 4 },
            4 => Plt32,
            9 => GotPc { size: 4, relax: false },
            10 => Abs { size: 4, signed: false },
            11 => Abs { size: 4, signed: true },
            12 => Abs { size: 2, signed: false },
            13 => Pc { size: 2 },
            14 => Abs { size: 1, signed: false },
            15 => Pc { size: 1 },
            17 => DtpOff { size: 8 },
            18 => TpOff { size: 8 },
            19 => TlsGd,
            20 => TlsLd,
            21 => DtpOff { size: 4 },
            22 => GotTpOff,
            23 => TpOff { size: 4 },
            24 => Pc { size: 8 },
            25 => GotOff,
            26 => GotBasePc { size: 4 },
            27 => Got { size: 8 },
            28 => GotPc { size: 8, relax: false },
            29 => GotBasePc { size: 8 },
            30 => Got { size: 8 },
            31 => PltOff,
            32 => Size { size: 4 },
            33 => Size { size: 8 },
            34 => TlsDescPc,
            35 => TlsDescCall,
            41 | 42 => GotPc { size: 4, relax: true },
            _ => return Option::None,
        })
    }

    fn reloc_name(&self, t: u32) -> String {
        NAMES.get(t as usize).map(|s| s.to_string()).unwrap_or_else(|| format!("relocation type {t}"))
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

    fn plt0(&self, plt0: u64, got_plt: u64) -> Vec<u8> {
        let mut v = vec![0xff, 0x35];
        v.extend_from_slice(&((got_plt + 8).wrapping_sub(plt0 + 6) as u32).to_le_bytes());
        v.extend_from_slice(&[0xff, 0x25]);
        v.extend_from_slice(&((got_plt + 16).wrapping_sub(plt0 + 12) as u32).to_le_bytes());
        v.extend_from_slice(&[0x0f, 0x1f, 0x40, 0x00]);
        v
    }

    fn plt_entry(&self, addr: u64, slot: u64, index: u32, plt0: u64) -> Vec<u8> {
        // jmp *slot(%rip); push $index; jmp PLT0
        let mut v = vec![0xff, 0x25];
        v.extend_from_slice(&(slot.wrapping_sub(addr + 6) as u32).to_le_bytes());
        v.push(0x68);
        v.extend_from_slice(&index.to_le_bytes());
        v.push(0xe9);
        v.extend_from_slice(&(plt0.wrapping_sub(addr + 16) as u32).to_le_bytes());
        v
    }

    fn can_relax_got(&self, code: &[u8], off: usize) -> bool {
        if off < 2 {
            return false;
        }
        match (code.get(off - 2), code.get(off - 1)) {
            // mov foo@GOTPCREL(%rip), %reg  ->  lea foo(%rip), %reg
            (Some(0x8b), Some(m)) => m & 0xc7 == 0x05,
            // call/jmp *foo@GOTPCREL(%rip)  ->  addr32 call foo / nop; jmp foo
            (Some(0xff), Some(0x15 | 0x25)) => true,
            _ => false,
        }
    }

    fn relax_got(&self, code: &mut [u8], off: usize) {
        if !self.can_relax_got(code, off) {
            return;
        }
        match code[off - 1] {
            0x15 if code[off - 2] == 0xff => code[off - 2..off].copy_from_slice(&[0x67, 0xe8]),
            0x25 if code[off - 2] == 0xff => code[off - 2..off].copy_from_slice(&[0x90, 0xe9]),
            _ => code[off - 2] = 0x8d,
        }
    }

    fn relax_gd_to_le(&self, code: &mut [u8], off: usize, tpoff: i64, what: &str) -> Result<()> {
        // data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex.W call __tls_get_addr
        //   -> mov %fs:0,%rax; lea x@tpoff(%rax),%rax
        check_len(code, off.wrapping_sub(4), &[0x66, 0x48, 0x8d, 0x3d], 16, what, "TLS GD->LE")?;
        let mut new = vec![0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80];
        new.extend_from_slice(&(tpoff as i32).to_le_bytes());
        code[off - 4..off + 12].copy_from_slice(&new);
        Ok(())
    }

    fn relax_gd_to_ie(&self, code: &mut [u8], off: usize, place: u64, got: u64, what: &str) -> Result<()> {
        // -> mov %fs:0,%rax; add x@gottpoff(%rip),%rax
        check_len(code, off.wrapping_sub(4), &[0x66, 0x48, 0x8d, 0x3d], 16, what, "TLS GD->IE")?;
        let disp = got.wrapping_sub(place + 8 + 4) as i64;
        let mut new = vec![0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x03, 0x05];
        new.extend_from_slice(&(disp as i32).to_le_bytes());
        code[off - 4..off + 12].copy_from_slice(&new);
        Ok(())
    }

    fn relax_ld_to_le(&self, code: &mut [u8], off: usize, what: &str) -> Result<()> {
        // lea x@tlsld(%rip),%rdi; call __tls_get_addr  ->  mov %fs:0,%rax (padded)
        check_len(code, off.wrapping_sub(3), &[0x48, 0x8d, 0x3d], 12, what, "TLS LD->LE")?;
        match code.get(off + 4) {
            Some(0xe8) => code[off - 3..off + 9].copy_from_slice(&[0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]),
            Some(0xff) if code.len() >= off + 10 => code[off - 3..off + 10].copy_from_slice(&[0x66, 0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]),
            _ => bail!("{}: unexpected instruction sequence for TLS LD->LE relaxation", what),
        }
        Ok(())
    }

    fn relax_desc_to_le(&self, code: &mut [u8], off: usize, tpoff: i64, what: &str) -> Result<()> {
        // lea x@tlsdesc(%rip),%reg -> mov $tpoff,%reg
        let (rex, modrm) = desc_operands(code, off, what)?;
        code[off - 3] = 0x48 | ((rex & 4) >> 2);
        code[off - 2] = 0xc7;
        code[off - 1] = 0xc0 | ((modrm >> 3) & 7);
        code[off..off + 4].copy_from_slice(&(tpoff as i32).to_le_bytes());
        Ok(())
    }

    fn relax_desc_to_ie(&self, code: &mut [u8], off: usize, place: u64, got: u64, what: &str) -> Result<()> {
        let got_disp = got.wrapping_sub(place + 4) as i64;
        // lea x@tlsdesc(%rip),%reg -> mov x@gottpoff(%rip),%reg
        desc_operands(code, off, what)?;
        code[off - 2] = 0x8b;
        code[off..off + 4].copy_from_slice(&(got_disp as i32).to_le_bytes());
        Ok(())
    }

    fn relax_desc_call(&self, code: &mut [u8], off: usize, what: &str) -> Result<()> {
        check_len(code, off, &[0xff, 0x10], 2, what, "TLS descriptor call")?;
        code[off..off + 2].copy_from_slice(&[0x66, 0x90]);
        Ok(())
    }

    fn lazy_slot(&self, plt_entry: u64, _plt0: u64) -> u64 {
        plt_entry + 6 // the entry's `push $index`
    }

    fn tls_call_reloc_delta(&self, ld: bool) -> u64 {
        if ld {
            5
        } else {
            8
        }
    }
}

fn desc_operands(code: &[u8], off: usize, what: &str) -> Result<(u8, u8)> {
    match off.checked_sub(3).and_then(|s| code.get(s..off + 4)) {
        Some(b) if b[0] & 0xf8 == 0x48 && b[1] == 0x8d && b[2] & 0xc7 == 0x05 => Ok((b[0], b[2])),
        _ => bail!("{}: unexpected instruction sequence for TLS descriptor relaxation", what),
    }
}
