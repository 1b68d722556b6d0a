//! First pass over relocations: which symbols need GOT entries, PLT entries, copy
//! relocations or dynamic relocations. Decides sizes; values come after layout.

use crate::arch::RelKind;
use crate::elf::*;
use crate::error::Result;
use crate::image::{DynKind, DynRel, GotKind, Image, OutSec, Place, PltEntry, SymRef};
use crate::object::NO_OUT;
use crate::resolve::{Def, Linker};
use crate::err;

impl Linker {
    pub fn scan(&mut self, img: &mut Image) -> Result<()> {
        let t = self.target;
        for oi in 0..self.objs.len() {
            for si in 0..self.objs[oi].sections.len() {
                let sec = &self.objs[oi].sections[si];
                // Debug sections take plain addresses: no GOT, PLT or dynamic relocations.
                if !sec.live || sec.out == NO_OUT || sec.relocs.is_empty() || sec.flags & SHF_ALLOC == 0 {
                    continue;
                }
                let writable = sec.flags & SHF_WRITE != 0;
                let mut skip_at = None;
                for ri in 0..self.objs[oi].sections[si].relocs.len() {
                    let rel = self.objs[oi].sections[si].relocs[ri].clone();
                    if skip_at == Some(rel.offset) {
                        continue;
                    }
                    let kind = t.classify(rel.kind).ok_or_else(|| err!("{}: unsupported relocation type {}", self.objs[oi].name, rel.kind))?;
                    let r = self.symref(oi, rel.sym);
                    let place = Place::Sec { obj: oi, sec: si, off: rel.offset };
                    self.scan_one(img, kind, r, place, rel.addend, writable, oi, si, rel.offset, rel.kind)?;
                    // Executables rewrite the __tls_get_addr call away; shared objects keep it.
                    if matches!(kind, RelKind::TlsGd | RelKind::TlsLd) && img.kind != crate::args::OutputKind::Shared {
                        skip_at = Some(rel.offset + t.tls_call_reloc_delta(kind == RelKind::TlsLd));
                    }
                }
            }
        }
        self.finish_scan(img);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_one(&mut self, img: &mut Image, kind: RelKind, r: SymRef, place: Place, addend: i64, writable: bool, oi: usize, si: usize, off: u64, rtype: u32) -> Result<()> {
        use RelKind::{Abs, GotPc, GotTpOff, Got, Pc, Plt32, PltOff, TlsDescPc, TlsGd};
        let shared = self.is_shared(r);
        let pre = self.is_preemptible(img, r);
        let ifunc = self.is_ifunc(r);
        let pic = img.pic();
        let dso = img.kind == crate::args::OutputKind::Shared;
        if dso && matches!(kind, TlsDescPc | RelKind::TlsDescCall | RelKind::TlsDescLo | RelKind::TpOff { .. }) {
            return Err(err!("{}: {} against `{}': TLS models other than initial-exec are not supported in shared objects yet", self.objs[oi].name, self.target.reloc_name(rtype), self.sym_name(r)));
        }
        match kind {
            Abs { size: 8, .. } => {
                if ifunc {
                    self.add_plt(img, r);
                }
                if pre && (pic || writable) {
                    self.add_dynrel(img, DynRel { place, kind: DynKind::Abs64, sym: Some(global(r)), target: None, addend });
                } else if shared {
                    self.direct_ref(img, r);
                } else if pic && !self.is_undef(r) && !self.is_abs(r) {
                    self.add_dynrel(img, DynRel { place, kind: DynKind::Relative, sym: None, target: Some(r), addend });
                } else {
                    return Ok(());
                }
                if !writable {
                    img.textrel = true;
                }
            }
            Abs { .. } => {
                let linker_sym = match r {
                    SymRef::Global(g) if self.syms[g].def == crate::resolve::Def::Linker && self.target.narrow_abs_checked_after_layout() => Some(g),
                    _ => None,
                };
                // Undefined weak symbols stay 0 in executables; a shared object imports them.
                if let (true, Some(g)) = (pic, linker_sym) {
                    // Whether a script's symbol is absolute is known after layout.
                    self.abs_checks.push((oi, rtype, g));
                } else if pic && (dso || !self.is_undef(r)) && !self.is_abs(r) {
                    let (what, flag) = if dso { ("a shared object", "-fPIC") } else { ("a PIE object", "-fPIE") };
                    return Err(err!(
                        "{}: relocation {} against `{}' can not be used when making {}; recompile with {}",
                        self.objs[oi].name,
                        self.target.reloc_name(rtype),
                        self.sym_name(r),
                        what,
                        flag
                    ));
                }
                self.direct_ref(img, r);
            }
            Pc { .. } | RelKind::PagePc | RelKind::AbsLo => self.direct_ref(img, r),
            Plt32 | PltOff => {
                // In a shared object a call to its own default-visibility function goes
                // through the PLT too: the executable or a preload may interpose it.
                if shared || ifunc || pre {
                    self.add_plt(img, r);
                }
            }
            GotPc { relax: true, .. } => {
                let code = self.objs[oi].section_bytes(si);
                let ok = !pre && !ifunc && !self.is_undef(r) && !(pic && self.is_abs(r)) && self.target.can_relax_got(code, off as usize);
                if !ok {
                    self.add_got(img, r, GotKind::Addr);
                }
            }
            GotPc { .. } | Got { .. } | RelKind::GotPagePc | RelKind::GotLo | RelKind::GotFromGotPage => self.add_got(img, r, GotKind::Addr),
            GotTpOff | RelKind::GotTpOffPagePc | RelKind::GotTpOffLo => self.add_got(img, r, GotKind::TpOff),
            TlsGd if dso => {
                self.add_got(img, r, GotKind::TlsGd);
            }
            RelKind::TlsLd if dso => self.add_got(img, SymRef::Local(0, 0), GotKind::TlsLd),
            TlsGd | TlsDescPc if shared => self.add_got(img, r, GotKind::TpOff),
            _ => {}
        }
        let _ = shared;
        Ok(())
    }

    /// A non-GOT reference from code or data to a symbol: imported data gets a copy
    /// relocation, imported functions a canonical PLT entry, IFUNCs a PLT entry.
    fn direct_ref(&mut self, img: &mut Image, r: SymRef) {
        if self.is_ifunc(r) {
            self.add_plt(img, r);
            return;
        }
        let SymRef::Global(g) = r else { return };
        if !self.is_shared(r) {
            return;
        }
        let kind = self.sym_kind(r);
        if img.kind == crate::args::OutputKind::Shared {
            return; // -fPIC code reaches imports through the GOT/PLT
        }
        if kind == STT_FUNC || kind == STT_GNU_IFUNC {
            if img.canonical_plt.insert(g) {
                self.add_plt(img, r);
            }
        } else if !img.copies.contains(&g) {
            img.copies.push(g);
        }
    }

    fn add_plt(&mut self, img: &mut Image, r: SymRef) {
        if img.plt_map.contains_key(&r) {
            return;
        }
        img.plt_map.insert(r, img.plt.len());
        img.plt.push(PltEntry { sym: r, ifunc: self.is_ifunc(r) });
    }

    fn add_got(&mut self, img: &mut Image, r: SymRef, kind: GotKind) {
        if img.got_map.contains_key(&(r, kind)) {
            return;
        }
        let i = img.got.len();
        img.got_map.insert((r, kind), i);
        img.got.push((r, kind));
        let place = Place::Got(i);
        let shared = self.is_preemptible(img, r);
        match kind {
            GotKind::TlsGd | GotKind::TlsLd => {
                // Second word: the offset inside the module's TLS block.
                let (second, key) = if kind == GotKind::TlsGd { (GotKind::DtpOff, r) } else { (GotKind::Zero, r) };
                img.got.push((key, second));
                let sym = if shared && kind == GotKind::TlsGd { Some(global(r)) } else { None };
                self.add_dynrel(img, DynRel { place, kind: DynKind::DtpMod64, sym, target: None, addend: 0 });
                if sym.is_some() {
                    self.add_dynrel(img, DynRel { place: Place::Got(i + 1), kind: DynKind::DtpOff64, sym, target: None, addend: 0 });
                }
            }
            GotKind::DtpOff | GotKind::Zero => {}
            GotKind::TpOff => {
                if shared {
                    self.add_dynrel(img, DynRel { place, kind: DynKind::TpOff64, sym: Some(global(r)), target: None, addend: 0 });
                } else if img.kind == crate::args::OutputKind::Shared {
                    // The module's TLS block offset is known only at run time.
                    self.add_dynrel(img, DynRel { place, kind: DynKind::TpOff64, sym: None, target: Some(r), addend: 0 });
                }
            }
            GotKind::Addr => {
                if shared {
                    self.add_dynrel(img, DynRel { place, kind: DynKind::GlobDat, sym: Some(global(r)), target: None, addend: 0 });
                    return;
                }
                if self.is_ifunc(r) {
                    self.add_plt(img, r);
                }
                if img.pic() && !self.is_undef(r) && !self.is_abs(r) {
                    self.add_dynrel(img, DynRel { place, kind: DynKind::Relative, sym: None, target: Some(r), addend: 0 });
                }
            }
        }
    }

    fn add_dynrel(&mut self, img: &mut Image, d: DynRel) {
        img.dynrel.push(d);
    }

    /// Space in .bss for common symbols and copy relocations; dynamic symbol list.
    fn finish_scan(&mut self, img: &mut Image) {
        let mut bss: Vec<(usize, u64, u64)> = vec![];
        for (g, s) in self.syms.iter().enumerate() {
            if let Def::Common { obj, sym } = s.def {
                let cs = &self.objs[obj].syms[sym];
                bss.push((g, cs.size, cs.value.max(1)));
            }
        }
        for &g in &img.copies {
            if let Def::Shared { lib, idx } = self.syms[g].def {
                let ds = &self.libs[lib].syms[idx];
                // The alignment the library gave the object, capped at a cache line.
                let align = if ds.value == 0 { 64 } else { (1u64 << ds.value.trailing_zeros()).min(64) };
                bss.push((g, ds.size.max(1), align));
                img.dynrel.push(DynRel { place: Place::Copy(g), kind: DynKind::Copy, sym: Some(g), target: None, addend: 0 });
            }
        }
        if !bss.is_empty() {
            let idx = match img.secs.iter().position(|s| s.name == ".bss" && s.synth.is_none()) {
                Some(i) => i,
                None => {
                    img.secs.push(OutSec::new(".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 1, None, (4, 3)));
                    img.secs.len() - 1
                }
            };
            let o = &mut img.secs[idx];
            for &(g, size, align) in &bss {
                o.size = align_up(o.size, align);
                img.bss_off.insert(g, o.size);
                o.size += size;
                o.align = o.align.max(align);
            }
        }
        img.bss_syms = bss;
        self.copy_aliases(img);
        self.collect_dynsyms(img);
    }

    /// Other names the library gives a copied object (`environ`, `__environ`): they must
    /// resolve to the copy too, or the library keeps writing to its own instance.
    fn copy_aliases(&mut self, img: &mut Image) {
        for g in img.copies.clone() {
            let Def::Shared { lib, idx } = self.syms[g].def else { continue };
            let Some(&off) = img.bss_off.get(&g) else { continue };
            let value = self.libs[lib].syms[idx].value;
            let names: Vec<String> = self.libs[lib].syms.iter().enumerate().filter(|&(i, s)| i != idx && s.value == value && s.kind == STT_OBJECT && !s.name.contains('@')).map(|(_, s)| s.name.clone()).collect();
            for n in names {
                let a = self.intern(&n);
                if matches!(self.syms[a].def, Def::Shared { lib: l, .. } if l == lib) && !img.bss_off.contains_key(&a) {
                    img.bss_off.insert(a, off);
                    img.copy_aliases.push(a);
                }
            }
        }
    }

    fn collect_dynsyms(&mut self, img: &mut Image) {
        if !img.dynamic() {
            return;
        }
        let mut imports = vec![];
        let mut exports = vec![];
        let mut seen = std::collections::HashSet::new();
        let mut push = |v: &mut Vec<usize>, g: usize| {
            if seen.insert(g) {
                v.push(g);
            }
        };
        for d in &img.dynrel {
            if let Some(g) = d.sym {
                if img.bss_off.contains_key(&g) {
                    push(&mut exports, g);
                } else {
                    push(&mut imports, g);
                }
            }
        }
        for &g in &img.copy_aliases {
            push(&mut exports, g);
        }
        for p in &img.plt {
            if let SymRef::Global(g) = p.sym {
                if self.is_preemptible(img, p.sym) {
                    push(&mut imports, g);
                }
            }
        }
        if img.kind == crate::args::OutputKind::Shared {
            for (g, s) in self.syms.iter().enumerate() {
                if matches!(s.def, Def::Regular { .. } | Def::Common { .. }) && (s.vis == STV_DEFAULT || s.vis == STV_PROTECTED) {
                    push(&mut exports, g);
                }
            }
        } else if img.uses_ld_so() {
            // Names a library uses or defines: the executable's definition must win at run time.
            let wanted: crate::fxhash::FxHashSet<&str> = self.libs.iter().flat_map(|l| l.undefs.iter().chain(l.syms.iter().map(|s| &s.name)).map(String::as_str)).collect();
            for (g, s) in self.syms.iter().enumerate() {
                let defined = matches!(s.def, Def::Regular { .. } | Def::Common { .. });
                let listed = || self.opts.export_patterns.iter().any(|p| crate::version_script::glob(p, &s.name));
                if defined && s.vis == STV_DEFAULT && (self.opts.export_dynamic || wanted.contains(s.name.as_str()) || listed()) {
                    push(&mut exports, g);
                }
            }
        }
        imports.extend(exports);
        for (i, &g) in imports.iter().enumerate() {
            img.dynsym_idx.insert(g, i as u32 + 1);
        }
        img.dynsyms = imports;
    }
}

fn global(r: SymRef) -> usize {
    match r {
        SymRef::Global(g) => g,
        SymRef::Local(..) => usize::MAX,
    }
}

impl Linker {
    /// The deferred part of the narrow-absolute-relocation check (see `abs_checks`): a
    /// symbol the layout put in a section needs a dynamic relocation the field cannot hold.
    pub fn check_abs_refs(&self, img: &Image) -> Result<()> {
        let Some(&(oi, rtype, g)) = self.abs_checks.iter().find(|&&(_, _, g)| self.syms[g].out_sec.is_some()) else { return Ok(()) };
        let dso = img.kind == crate::args::OutputKind::Shared;
        let (what, flag) = if dso { ("a shared object", "-fPIC") } else { ("a PIE object", "-fPIE") };
        Err(err!("{}: relocation {} against `{}' can not be used when making {}; recompile with {}", self.objs[oi].name, self.target.reloc_name(rtype), self.syms[g].name, what, flag))
    }
}
