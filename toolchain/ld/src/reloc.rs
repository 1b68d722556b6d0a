//! Second pass over relocations: compute values and store them into the output bytes.

use crate::arch::{DescTarget, FieldError, RelKind};
use crate::elf::*;
use crate::error::Result;
use crate::image::{GotKind, Image};
use crate::object::{Rela, NO_OUT};
use crate::resolve::Linker;
use crate::err;

/// Field width and the range a value must fit.
#[derive(Clone, Copy)]
enum Check {
    None,
    Signed,
    Unsigned,
    Either,
}

impl Linker {
    pub fn apply_relocs(&self, img: &Image, out: &mut [u8]) -> Result<()> {
        let mut errors = vec![];
        for (oi, obj) in self.objs.iter().enumerate() {
            for (si, sec) in obj.sections.iter().enumerate() {
                if !sec.live || sec.out == NO_OUT || sec.relocs.is_empty() || sec.kind == SHT_NOBITS {
                    continue;
                }
                let o = &img.secs[sec.out];
                let start = (o.offset + sec.out_off) as usize;
                let Some(buf) = out.get_mut(start..start + sec.size as usize) else { continue };
                let sec_addr = o.addr + sec.out_off;
                let mut skip_at = None;
                for rel in &sec.relocs {
                    if skip_at == Some(rel.offset) {
                        continue;
                    }
                    let Some(kind) = self.target.classify(rel.kind) else { continue };
                    if matches!(kind, RelKind::TlsGd | RelKind::TlsLd) && img.kind != crate::args::OutputKind::Shared {
                        skip_at = Some(rel.offset + self.target.tls_call_reloc_delta(kind == RelKind::TlsLd));
                    }
                    let kind = match kind {
                        // In debug information a TLS symbol's offset is from its block start.
                        RelKind::DtpOff { size } if sec.flags & SHF_ALLOC == 0 => RelKind::Abs { size, signed: false },
                        k => k,
                    };
                    let tls_base = if sec.flags & SHF_ALLOC == 0 && matches!(self.target.classify(rel.kind), Some(RelKind::DtpOff { .. })) { img.tls.map_or(0, |t| t.0) } else { 0 };
                    if let Err(e) = self.apply_one(img, buf, sec_addr, oi, si, rel, kind, tls_base) {
                        // Debug information pointing at dropped code is not worth failing a link.
                        if sec.flags & SHF_ALLOC == 0 {
                            continue;
                        }
                        errors.push(e.0);
                        if errors.len() >= 20 {
                            break;
                        }
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(err!("{}", errors.join("\nld: ")))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_one(&self, img: &Image, buf: &mut [u8], sec_addr: u64, oi: usize, si: usize, rel: &Rela, kind: RelKind, tls_base: u64) -> Result<()> {
        let Some((size, value, check)) = self.value(img, buf, sec_addr, oi, si, rel, kind, tls_base)? else { return Ok(()) };
        self.store(buf, oi, si, rel, size, value, check)
    }

    /// The value a relocation stores, its size and range check; `None` when it was applied
    /// by rewriting code (TLS relaxations) or has nothing to store.
    #[allow(clippy::too_many_arguments)]
    fn value(&self, img: &Image, buf: &mut [u8], sec_addr: u64, oi: usize, si: usize, rel: &Rela, kind: RelKind, tls_base: u64) -> Result<Option<(u8, i64, Check)>> {
        use RelKind::*;
        let t = self.target;
        let r = self.symref(oi, rel.sym);
        let off = rel.offset as usize;
        let p = sec_addr.wrapping_add(rel.offset) as i64;
        let a = rel.addend;
        let s = self.target_addr(img, r).wrapping_sub(tls_base) as i64;
        let got = self.gotsym(img).0 as i64;
        let where_ = || format!("{}:({}+{:#x})", self.objs[oi].name, self.objs[oi].sections[si].name, rel.offset);
        let got_entry = |k: GotKind| img.got_map.get(&(r, k)).map(|&i| img.got_entry_addr(i) as i64);
        let (size, value, check): (u8, i64, Check) = match kind {
            None => return Ok(Option::None),
            // An address-size field of ELF32 (R_386_32) is a bitfield: signed or unsigned.
            Abs { size, signed } => (size, s.wrapping_add(a), if size == 8 { Check::None } else if size == 4 && !t.class().elf64 { Check::Either } else if size == 4 && signed { Check::Signed } else if size == 4 { Check::Unsigned } else { Check::Either }),
            Pc { size } => (size, s.wrapping_add(a).wrapping_sub(p), if size == 8 { Check::None } else { Check::Signed }),
            Plt32 => match t.undef_weak_branch() {
                // Never taken; 0 may be out of a short branch's range.
                Some(v) if s == 0 && self.is_undef(r) => (4, v, Check::Signed),
                _ => (4, s.wrapping_add(a).wrapping_sub(p), Check::Signed),
            },
            PagePc => (4, page(s.wrapping_add(a)).wrapping_sub(page(p)), Check::None),
            AbsLo => (4, s.wrapping_add(a), Check::None),
            GotPagePc | GotLo | GotTpOffPagePc | GotTpOffLo => {
                let k = if matches!(kind, GotPagePc | GotLo) { GotKind::Addr } else { GotKind::TpOff };
                let g = got_entry(k).ok_or_else(|| err!("{}: internal error: no GOT entry for `{}'", where_(), self.sym_name(r)))?.wrapping_add(a);
                (4, if matches!(kind, GotPagePc | GotTpOffPagePc) { page(g).wrapping_sub(page(p)) } else { g }, Check::None)
            }
            GotFromGotPage => {
                let g = got_entry(GotKind::Addr).ok_or_else(|| err!("{}: internal error: no GOT entry for `{}'", where_(), self.sym_name(r)))?;
                (4, g.wrapping_add(a).wrapping_sub(page(got)), Check::None)
            }
            PcRelLo => {
                // The value is the low part of the `*_HI20` relocation at the label this
                // one names (RISC-V `%pcrel_lo(1b)`), computed for that instruction's address.
                let label = self.sym_addr(img, r).wrapping_sub(sec_addr);
                let relocs = &self.objs[oi].sections[si].relocs;
                let hi = relocs.iter().find(|h| h.offset == label && t.classify(h.kind).is_some_and(|k| k != None && k != PcRelLo));
                let Some(hi) = hi else {
                    return Err(err!("{}: {} without a matching high-part relocation at `{}'", where_(), t.reloc_name(rel.kind), self.sym_name(r)));
                };
                let hi_kind = t.classify(hi.kind).unwrap_or(None);
                let Some((_, v, _)) = self.value(img, buf, sec_addr, oi, si, hi, hi_kind, tls_base)? else {
                    return Err(err!("{}: {} pairs with a relaxed sequence", where_(), t.reloc_name(rel.kind)));
                };
                (4, v, Check::None)
            }
            TlsDescLo => {
                let to = match got_entry(GotKind::TpOff) {
                    Some(g) if self.is_shared(r) => DescTarget::Ie(g as u64),
                    _ => DescTarget::Le(self.tpoff(img, self.sym_addr(img, r))),
                };
                t.relax_desc_lo(rel.kind, buf, off, to, &where_())?;
                return Ok(Option::None);
            }
            GotPc { size, relax } => match got_entry(GotKind::Addr) {
                Some(g) => (size, g.wrapping_add(a).wrapping_sub(p), if size == 8 { Check::None } else { Check::Signed }),
                Option::None if relax => {
                    t.relax_got(buf, off);
                    (4, s.wrapping_add(a).wrapping_sub(p), Check::Signed)
                }
                Option::None => return Err(err!("{}: internal error: no GOT entry for `{}'", where_(), self.sym_name(r))),
            },
            Got { size } => {
                let g = got_entry(GotKind::Addr).ok_or_else(|| err!("{}: internal error: no GOT entry", where_()))?;
                (size, g.wrapping_sub(got).wrapping_add(a), if size == 8 { Check::None } else { Check::Signed })
            }
            GotOff => (8, s.wrapping_add(a).wrapping_sub(got), Check::None),
            GotBasePc { size } => (size, got.wrapping_add(a).wrapping_sub(p), if size == 8 { Check::None } else { Check::Signed }),
            PltOff => (8, s.wrapping_sub(got).wrapping_add(a), Check::None),
            Size { size } => (size, (self.sym_size(r) as i64).wrapping_add(a), if size == 8 { Check::None } else { Check::Unsigned }),
            TlsGd | TlsLd if img.kind == crate::args::OutputKind::Shared => {
                let (k, key) = if kind == TlsGd { (GotKind::TlsGd, r) } else { (GotKind::TlsLd, crate::image::SymRef::Local(0, 0)) };
                let g = img.got_map.get(&(key, k)).map(|&i| img.got_entry_addr(i) as i64).ok_or_else(|| err!("{}: internal error: no TLS GOT pair", where_()))?;
                (4, g.wrapping_add(a).wrapping_sub(p), Check::Signed)
            }
            DtpOff { size } if img.kind == crate::args::OutputKind::Shared => {
                let v = self.sym_addr(img, r).wrapping_sub(img.tls.map_or(0, |t| t.0)) as i64;
                (size, v.wrapping_add(a), if size == 8 { Check::None } else { Check::Signed })
            }
            TpOff { size } | DtpOff { size } => {
                let v = self.tpoff(img, self.sym_addr(img, r)).wrapping_add(a);
                (size, v, if size == 8 { Check::None } else { Check::Signed })
            }
            GotTpOff => {
                let g = got_entry(GotKind::TpOff).ok_or_else(|| err!("{}: internal error: no TLS GOT entry", where_()))?;
                (4, g.wrapping_add(a).wrapping_sub(p), Check::Signed)
            }
            TlsGd => {
                match got_entry(GotKind::TpOff) {
                    Some(g) if self.is_shared(r) => t.relax_gd_to_ie(buf, off, p as u64, g as u64, &where_())?,
                    _ => t.relax_gd_to_le(buf, off, self.tpoff(img, self.sym_addr(img, r)), &where_())?,
                }
                return Ok(Option::None);
            }
            TlsLd => {
                t.relax_ld_to_le(buf, off, &where_())?;
                return Ok(Option::None);
            }
            TlsDescPc => {
                match got_entry(GotKind::TpOff) {
                    Some(g) if self.is_shared(r) => t.relax_desc_to_ie(buf, off, p as u64, g as u64, &where_())?,
                    _ => t.relax_desc_to_le(buf, off, self.tpoff(img, self.sym_addr(img, r)), &where_())?,
                }
                return Ok(Option::None);
            }
            TlsDescCall => {
                t.relax_desc_call(buf, off, &where_())?;
                return Ok(Option::None);
            }
        };
        Ok(Some((size, value, check)))
    }

    #[allow(clippy::too_many_arguments)]
    fn store(&self, buf: &mut [u8], oi: usize, si: usize, rel: &Rela, size: u8, value: i64, check: Check) -> Result<()> {
        let t = self.target;
        let off = rel.offset as usize;
        let r = self.symref(oi, rel.sym);
        let where_ = || format!("{}:({}+{:#x})", self.objs[oi].name, self.objs[oi].sections[si].name, rel.offset);
        match t.write_field(rel.kind, buf, off, value) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(FieldError::OutOfSection) => return Err(err!("{}: relocation offset outside its section", where_())),
            Err(FieldError::Misaligned) => return Err(err!("{}: {} against `{}': value {:#x} is not aligned for its field", where_(), t.reloc_name(rel.kind), self.sym_name(r), value)),
            Err(FieldError::Overflow) => return Err(self.truncated(r, rel.kind, &where_())),
        }
        let fits = match (check, size) {
            (Check::None, _) => true,
            (Check::Signed, n) => fits_signed(value, n),
            (Check::Unsigned, n) => value >= 0 && (value as u64) < (1u64 << (8 * n as u32)),
            (Check::Either, n) => fits_signed(value, n) || (value >= 0 && (value as u64) < (1u64 << (8 * n as u32))),
        };
        if !fits {
            return Err(self.truncated(r, rel.kind, &where_()));
        }
        let bytes = value.to_le_bytes();
        let n = size as usize;
        match buf.get_mut(off..off + n) {
            Some(dst) => dst.copy_from_slice(&bytes[..n]),
            Option::None => return Err(err!("{}: relocation offset outside its section", where_())),
        }
        Ok(())
    }
}

impl Linker {
    fn truncated(&self, r: crate::image::SymRef, r_type: u32, where_: &str) -> crate::error::Error {
        if self.is_undef(r) {
            return err!("{}: undefined reference to `{}'", where_, self.sym_name(r));
        }
        err!("{}: relocation truncated to fit: {} against `{}'", where_, self.target.reloc_name(r_type), self.sym_name(r))
    }
}

/// The 4 KiB page of an address (AArch64 `adrp`).
fn page(x: i64) -> i64 {
    x & !0xfff
}

fn fits_signed(v: i64, n: u8) -> bool {
    let bits = 8 * n as u32;
    let min = -(1i64 << (bits - 1));
    let max = (1i64 << (bits - 1)) - 1;
    v >= min && v <= max
}

