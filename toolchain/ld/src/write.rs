//! Assemble the output file: section contents, synthetic tables, headers.

use crate::args::OutputKind;
use crate::elf::*;
use crate::error::Result;
use crate::image::{DynKind, GotKind, Image, Place, StrTab, Synth};
use crate::resolve::Linker;

impl Linker {
    /// e_flags merged from the object files, as the target defines it. Like GNU ld, objects
    /// without code do not take part: their flags may be unset and cannot conflict.
    pub fn output_flags(&self) -> Result<u32> {
        let inputs: Vec<(&str, u32)> = self
            .objs
            .iter()
            .filter(|o| o.sections.iter().any(|s| s.flags & SHF_EXECINSTR != 0 && s.size > 0))
            .map(|o| (o.name.as_str(), o.e_flags))
            .collect();
        self.target.merge_flags(&inputs)
    }

    /// Section header numbering: every non-empty output section, in address order.
    pub fn assign_shdr_index(&self, img: &mut Image) {
        let mut idx = vec![0; img.secs.len()];
        let mut n = 1;
        for i in self.order(img) {
            if img.secs[i].size > 0 || img.secs[i].keep {
                idx[i] = n;
                n += 1;
            }
        }
        img.shdr_index = idx;
    }

    fn place_addr(&self, img: &Image, p: Place) -> u64 {
        match p {
            Place::Got(i) => img.got_entry_addr(i),
            Place::GotPlt(i) => img.got_plt_slot_addr(i),
            Place::Sec { obj, sec, off } => {
                let s = &self.objs[obj].sections[sec];
                img.secs[s.out].addr + s.out_off + off
            }
            Place::Copy(g) => img.addr_of_bss() + img.bss_off.get(&g).copied().unwrap_or(0),
        }
    }

    fn rela(&self, img: &Image, v: &mut Vec<u8>, offset: u64, kind: DynKind, sym: Option<usize>, addend: i64) {
        let d = self.target.dyn_types();
        let t = match kind {
            DynKind::Relative => d.relative,
            DynKind::Abs64 => d.abs64,
            DynKind::GlobDat => d.glob_dat,
            DynKind::JumpSlot => d.jump_slot,
            DynKind::Copy => d.copy,
            DynKind::IRelative => d.irelative,
            DynKind::TpOff64 => d.tpoff64,
            DynKind::DtpMod64 => d.dtpmod64,
            DynKind::DtpOff64 => d.dtpoff64,
        };
        let si = sym.and_then(|g| img.dynsym_idx.get(&g).copied()).unwrap_or(0) as u64;
        v.put64(offset);
        v.put64((si << 32) | t as u64);
        v.put64(addend as u64);
    }

    fn synth_bytes(&self, img: &Image, s: Synth) -> Vec<u8> {
        let t = self.target;
        let mut v = vec![];
        match s {
            Synth::Interp => {
                v.extend_from_slice(self.interp().as_bytes());
                v.push(0);
            }
            Synth::BuildId => {
                v.put32(4);
                v.put32(20);
                v.put32(3);
                v.extend_from_slice(b"GNU\0");
                v.resize(36, 0);
            }
            Synth::Got => {
                for &(r, k) in &img.got {
                    let val = match k {
                        GotKind::TlsGd | GotKind::TlsLd | GotKind::Zero => 0,
                        GotKind::DtpOff => {
                            if self.is_preemptible(img, r) {
                                0
                            } else {
                                self.sym_addr(img, r).wrapping_sub(img.tls.map_or(0, |t| t.0))
                            }
                        }
                        _ if self.is_shared(r) => 0,
                        GotKind::Addr => self.target_addr(img, r),
                        GotKind::TpOff => self.tpoff(img, self.sym_addr(img, r)) as u64,
                    };
                    v.put64(val);
                }
            }
            Synth::GotPlt => {
                let dynamic = if img.dynamic() { img.addr_of(Synth::Dynamic) } else { 0 };
                for w in t.got_plt_header(dynamic) {
                    v.put64(w);
                }
                let plt0 = if img.has_lazy_plt() { t.plt0_size() } else { 0 };
                for (i, p) in img.plt.iter().enumerate() {
                    v.put64(if p.ifunc { 0 } else { t.lazy_slot(img.plt_entry_addr(i, plt0, t.plt_entry_size()), img.addr_of(Synth::Plt)) });
                }
            }
            Synth::Plt => {
                let base = img.addr_of(Synth::Plt);
                let lazy = img.has_lazy_plt();
                let plt0 = if lazy { t.plt0_size() } else { 0 };
                if lazy {
                    v.extend(t.plt0(base, img.got_base()));
                }
                let mut lazy_idx = 0u32;
                for (i, p) in img.plt.iter().enumerate() {
                    let a = img.plt_entry_addr(i, plt0, t.plt_entry_size());
                    v.extend(t.plt_entry(a, img.got_plt_slot_addr(i), lazy_idx, base));
                    if !p.ifunc {
                        lazy_idx += 1;
                    }
                }
            }
            Synth::RelaPlt => {
                for pass_ifunc in [false, true] {
                    for (i, p) in img.plt.iter().enumerate().filter(|(_, p)| p.ifunc == pass_ifunc) {
                        let slot = img.got_plt_slot_addr(i);
                        match p.sym {
                            crate::image::SymRef::Global(g) if !p.ifunc => self.rela(img, &mut v, slot, DynKind::JumpSlot, Some(g), 0),
                            r => self.rela(img, &mut v, slot, DynKind::IRelative, None, self.sym_addr(img, r) as i64),
                        }
                    }
                }
            }
            Synth::RelaDyn => {
                let mut rels: Vec<&crate::image::DynRel> = img.dynrel.iter().collect();
                rels.sort_by_key(|d| d.kind != DynKind::Relative);
                for d in rels {
                    let addend = match (d.kind, d.target) {
                        (DynKind::TpOff64, Some(r)) => (self.sym_addr(img, r) - img.tls.map_or(0, |t| t.0)) as i64 + d.addend,
                        (_, Some(r)) => self.target_addr(img, r) as i64 + d.addend,
                        (_, None) => d.addend,
                    };
                    self.rela(img, &mut v, self.place_addr(img, d.place), d.kind, d.sym, addend);
                }
            }
            Synth::EhFrameHdr => {} // filled from the final .eh_frame
            _ => v = self.dynamic_bytes(img, s),
        }
        v
    }

    pub fn write_image(&self, img: &Image) -> Result<Vec<u8>> {
        let order = self.order(img);
        let file_end = img.secs.iter().filter(|s| s.kind != SHT_NOBITS && s.size > 0).map(|s| s.offset + s.size).max().unwrap_or(0).max(64 + 56 * img.phdrs.len() as u64);
        if file_end > crate::relocatable::MAX_FILE {
            crate::bail!("output would be {:#x} bytes: too large (corrupt input or address overflow)", file_end);
        }
        let mut out = vec![0u8; file_end as usize];
        // Input sections, over the script's fill pattern and data.
        for o in &img.secs {
            if o.kind == SHT_NOBITS {
                continue;
            }
            if let Some(f) = o.fill {
                let pat = f.to_be_bytes();
                for (k, b) in out[o.offset as usize..(o.offset + o.size) as usize].iter_mut().enumerate() {
                    *b = pat[k % 4];
                }
            }
            for &(off, n, v) in &o.data {
                let at = (o.offset + off) as usize;
                out[at..at + n as usize].copy_from_slice(&v.to_le_bytes()[..n as usize]);
            }
            for &(oi, si) in &o.members {
                let s = &self.objs[oi].sections[si];
                if s.kind == SHT_NOBITS || s.size == 0 {
                    continue;
                }
                let at = (o.offset + s.out_off) as usize;
                out[at..at + s.size as usize].copy_from_slice(self.objs[oi].section_bytes(si));
            }
        }
        self.apply_relocs(img, &mut out)?;
        for o in &img.secs {
            let Some(s) = o.synth else { continue };
            if o.size == 0 {
                continue;
            }
            let bytes = self.synth_bytes(img, s);
            let at = o.offset as usize;
            let n = bytes.len().min(o.size as usize);
            out[at..at + n].copy_from_slice(&bytes[..n]);
        }
        self.write_eh_frame_hdr(img, &mut out);
        // Non-loaded trailer: section names and headers.
        let mut shstr = StrTab::new();
        let shown: Vec<usize> = order.iter().copied().filter(|&i| img.secs[i].size > 0 || img.secs[i].keep).collect();
        let names: Vec<u32> = shown.iter().map(|&i| shstr.add(&img.secs[i].name)).collect();
        let shstr_name = shstr.add(".shstrtab");
        let symtab_name = shstr.add(".symtab");
        let strtab_name = shstr.add(".strtab");
        let mut sym_index = crate::emit_relocs::SymIndex::default();
        let (symtab, strtab, nlocal) = if self.opts.strip_all { (vec![0u8; 24], vec![0u8], 0) } else { self.symtab(img, &mut sym_index) };
        let relas = if self.opts.emit_relocs && !self.opts.strip_all { self.emitted_relocs(img, &shown, &sym_index) } else { vec![] };
        let rela_names: Vec<u32> = relas.iter().map(|(i, _)| shstr.add(&format!(".rela{}", img.secs[*i].name))).collect();
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let mut rela_offs = vec![];
        for (_, v) in &relas {
            rela_offs.push(out.len() as u64);
            out.extend_from_slice(v);
        }
        let symtab_off = out.len() as u64;
        out.extend_from_slice(&symtab);
        let strtab_off = out.len() as u64;
        out.extend_from_slice(&strtab);
        let shstr_off = out.len() as u64;
        out.extend_from_slice(&shstr.data);
        while out.len() % 8 != 0 {
            out.push(0);
        }
        let shoff = out.len() as u64;
        out.extend_from_slice(&[0u8; 64]);
        let idx_of = |s: Synth| img.synth_idx.get(&s).map_or(0, |&i| img.shdr_index[i] as u32);
        for (k, &i) in shown.iter().enumerate() {
            let s = &img.secs[i];
            let (link, info, entsize) = match s.synth {
                Some(Synth::DynSym) => (idx_of(Synth::DynStr), 1, 24),
                Some(Synth::Hash) => (idx_of(Synth::DynSym), 0, 4),
                Some(Synth::GnuHash) | Some(Synth::VerSym) => (idx_of(Synth::DynSym), 0, if s.synth == Some(Synth::VerSym) { 2 } else { 0 }),
                Some(Synth::VerNeed) => (idx_of(Synth::DynStr), img.verneed.len() as u32, 0),
                Some(Synth::VerDef) => (idx_of(Synth::DynStr), img.verdefs.len() as u32 + 1, 0),
                Some(Synth::Dynamic) => (idx_of(Synth::DynStr), 0, 16),
                Some(Synth::RelaDyn) => (idx_of(Synth::DynSym), 0, 24),
                Some(Synth::RelaPlt) => (idx_of(Synth::DynSym), idx_of(Synth::GotPlt), 24),
                Some(Synth::Got) | Some(Synth::GotPlt) => (0, 0, 8),
                // A script section holding relocation tables (`.rela.dyn : { *(.rela.iplt) }`).
                None if s.kind == SHT_RELA => (idx_of(Synth::DynSym), 0, 24),
                _ => (0, 0, 0),
            };
            out.put32(names[k]);
            out.put32(s.kind);
            out.put64(s.flags | if s.synth == Some(Synth::RelaPlt) { SHF_INFO_LINK } else { 0 });
            out.put64(s.addr);
            out.put64(s.offset);
            out.put64(s.size);
            out.put32(link);
            out.put32(info);
            out.put64(s.align);
            out.put64(entsize);
        }
        let nshown = shown.len() as u32 + relas.len() as u32;
        let with_symtab = !self.opts.strip_all;
        for (k, (i, v)) in relas.iter().enumerate() {
            out.put32(rela_names[k]);
            out.put32(SHT_RELA);
            out.put64(SHF_INFO_LINK);
            out.put64(0);
            out.put64(rela_offs[k]);
            out.put64(v.len() as u64);
            out.put32(nshown + 1);
            out.put32(img.shdr_index[*i] as u32);
            out.put64(8);
            out.put64(24);
        }
        let tables = [
            (symtab_name, SHT_SYMTAB, symtab_off, symtab.len() as u64, nshown + 2, nlocal, 8, 24),
            (strtab_name, SHT_STRTAB, strtab_off, strtab.len() as u64, 0, 0, 1, 0),
        ];
        for (name, kind, off, size, link, info, align, ent) in tables.into_iter().filter(|_| with_symtab) {
            out.put32(name);
            out.put32(kind);
            out.put64(0);
            out.put64(0);
            out.put64(off);
            out.put64(size);
            out.put32(link);
            out.put32(info);
            out.put64(align);
            out.put64(ent);
        }
        out.put32(shstr_name);
        out.put32(SHT_STRTAB);
        out.put64(0);
        out.put64(0);
        out.put64(shstr_off);
        out.put64(shstr.data.len() as u64);
        out.put64(0);
        out.put64(1);
        out.put64(0);
        let shnum = nshown as u16 + if with_symtab { 4 } else { 2 };
        // ELF header and program headers.
        let mut h = vec![];
        h.extend_from_slice(b"\x7fELF\x02\x01\x01");
        h.resize(16, 0);
        h.put16(if matches!(img.kind, OutputKind::Exec | OutputKind::StaticExec) { ET_EXEC } else { ET_DYN });
        h.put16(self.target.machine());
        h.put32(1);
        h.put64(img.entry);
        h.put64(64);
        h.put64(shoff);
        h.put32(self.output_flags()?);
        h.put16(64);
        h.put16(56);
        h.put16(img.phdrs.len() as u16);
        h.put16(64);
        h.put16(shnum);
        h.put16(shnum - 1);
        for p in &img.phdrs {
            h.put32(p.kind);
            h.put32(p.flags);
            h.put64(p.offset);
            h.put64(p.vaddr);
            h.put64(p.paddr);
            h.put64(p.filesz);
            h.put64(p.memsz);
            h.put64(p.align);
        }
        out[..h.len()].copy_from_slice(&h);
        if let Some(b) = img.sec(Synth::BuildId) {
            let id = build_id(&out);
            let at = b.offset as usize + 16;
            out[at..at + 20].copy_from_slice(&id);
        }
        Ok(out)
    }

    /// The section header index for a symbol in output section `o`: a section dropped as
    /// empty hands its symbols to the section before it (GNU does the same).
    fn shown_near(&self, img: &Image, o: usize) -> u16 {
        let order = self.order(img);
        let at = order.iter().position(|&i| i == o);
        let before = at.map_or(&order[..0], |k| &order[..=k]);
        before.iter().rev().map(|&i| img.shdr_index[i]).find(|&x| x != 0).or_else(|| order.iter().map(|&i| img.shdr_index[i]).find(|&x| x != 0)).map_or(SHN_ABS as u16, |x| x as u16)
    }

    /// .symtab: object symbols (locals first) with their final addresses, for debuggers.
    fn symtab(&self, img: &Image, index: &mut crate::emit_relocs::SymIndex) -> (Vec<u8>, Vec<u8>, u32) {
        let mut str = StrTab::new();
        let mut locals = vec![0u8; 24];
        let mut globals = vec![];
        // --emit-relocs: section symbols first, for relocations against sections and
        // against symbols the table leaves out.
        if self.opts.emit_relocs {
            for (i, o) in img.secs.iter().enumerate() {
                let sh = img.shdr_index.get(i).copied().unwrap_or(0);
                if sh == 0 {
                    continue;
                }
                index.section.insert(i, (locals.len() / 24) as u32);
                locals.put32(0);
                locals.push(STT_SECTION);
                locals.push(0);
                locals.put16(sh as u16);
                locals.put64(o.addr);
                locals.put64(0);
            }
        }
        let shndx = |obj: usize, sh: u32| -> u16 {
            match sh {
                SHN_ABS => SHN_ABS as u16,
                n if n >= SHN_LORESERVE || n == 0 => 0,
                n => self.objs[obj].sections.get(n as usize).filter(|s| s.live && s.out != crate::object::NO_OUT).map_or(0, |s| img.shdr_index[s.out] as u16),
            }
        };
        let tls_start = img.tls.map_or(0, |t| t.0);
        let emit = |v: &mut Vec<u8>, str: &mut StrTab, name: &str, info: u8, other: u8, sh: u16, value: u64, size: u64| {
            // TLS symbols are offsets into the TLS block.
            let value = if info & 15 == STT_TLS { value.wrapping_sub(tls_start) } else { value };
            v.put32(str.add(name));
            v.push(info);
            v.push(other);
            v.put16(sh);
            v.put64(value);
            v.put64(size);
        };
        for (oi, o) in self.objs.iter().enumerate() {
            for (i, s) in o.syms.iter().enumerate().take(o.first_global).skip(1) {
                if s.kind == STT_SECTION || s.kind == STT_FILE || s.name.is_empty() || s.name.starts_with(".L") {
                    continue;
                }
                let sh = shndx(oi, s.shndx);
                if sh == 0 {
                    continue;
                }
                index.local.insert((oi, i), (locals.len() / 24) as u32);
                emit(&mut locals, &mut str, &s.name, s.kind, s.vis, sh, self.sym_addr(img, crate::image::SymRef::Local(oi, i)), s.size);
            }
        }
        for (g, s) in self.syms.iter().enumerate() {
            let r = crate::image::SymRef::Global(g);
            let (sh, bind, kind, size) = match s.def {
                crate::resolve::Def::Regular { obj, sym } => {
                    let os = &self.objs[obj].syms[sym];
                    (shndx(obj, os.shndx), if s.weak_def { STB_WEAK } else { STB_GLOBAL }, os.kind, os.size)
                }
                crate::resolve::Def::Linker => (s.out_sec.map_or(SHN_ABS as u16, |o| self.shown_near(img, o)), STB_GLOBAL, STT_NOTYPE, 0),
                _ => continue,
            };
            if sh == 0 {
                continue;
            }
            index.global.insert(g, (globals.len() / 24) as u32);
            emit(&mut globals, &mut str, &s.name, (bind << 4) | kind, s.vis, sh, self.sym_addr(img, r), size);
        }
        let nlocal = (locals.len() / 24) as u32;
        for v in index.global.values_mut() {
            *v += nlocal;
        }
        locals.extend(globals);
        (locals, str.data, nlocal)
    }

    fn write_eh_frame_hdr(&self, img: &Image, out: &mut [u8]) {
        let Some(hdr) = img.sec(Synth::EhFrameHdr) else { return };
        let Some(eh) = img.secs.iter().find(|s| s.name == ".eh_frame" && s.synth.is_none()) else { return };
        let table = crate::ehframe::fde_table(&out[eh.offset as usize..(eh.offset + eh.size) as usize], eh.addr);
        let mut v = vec![1u8, 0x1b, 0x03, 0x3b];
        v.put32((eh.addr as i64 - (hdr.addr as i64 + 4)) as u32);
        let n = table.len().min(img.eh_fde_count as usize);
        v.put32(n as u32);
        for &(pc, fde) in &table[..n] {
            v.put32((pc as i64 - hdr.addr as i64) as u32);
            v.put32((fde as i64 - hdr.addr as i64) as u32);
        }
        let at = hdr.offset as usize;
        out[at..at + v.len()].copy_from_slice(&v);
    }
}

/// A deterministic 160-bit digest of the file (FNV-1a lanes; an identifier, not a MAC).
fn build_id(data: &[u8]) -> [u8; 20] {
    let mut lanes = [0xcbf2_9ce4_8422_2325u64, 0x8422_2325_cbf2_9ce4, 0x1234_5678_9abc_def0];
    let mut words = data.chunks_exact(8);
    for (i, c) in (&mut words).enumerate() {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let l = &mut lanes[i % 3];
        *l = (l.rotate_left(29) ^ w).wrapping_mul(0x0000_0100_0000_01b3);
    }
    for &b in words.remainder() {
        lanes[0] = (lanes[0] ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    lanes[0] ^= data.len() as u64;
    let mut out = [0u8; 20];
    let bytes: Vec<u8> = lanes.iter().flat_map(|l| l.to_le_bytes()).collect();
    out.copy_from_slice(&bytes[..20]);
    out
}
