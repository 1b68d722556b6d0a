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
        let c = self.target.class();
        let file_end = img.secs.iter().filter(|s| s.kind != SHT_NOBITS && s.size > 0).map(|s| s.offset + s.size).max().unwrap_or(0).max(c.ehdr_size() + c.phdr_size() * img.phdrs.len() as u64);
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
            if o.fill.is_none() && o.flags & SHF_EXECINSTR != 0 {
                self.fill_code_gaps(o, &mut out);
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
        let (symtab, strtab, nlocal) = if self.opts.strip_all { (vec![0u8; c.sym_size() as usize], vec![0u8], 0) } else { self.symtab(img, &mut sym_index) };
        let relas = if self.opts.emit_relocs && !self.opts.strip_all { self.emitted_relocs(img, &shown, &sym_index) } else { vec![] };
        let (rel_prefix, rel_type, rel_ent) = if self.target.rela() { (".rela", SHT_RELA, 3 * c.word()) } else { (".rel", SHT_REL, 2 * c.word()) };
        let rela_names: Vec<u32> = relas.iter().map(|(i, _)| shstr.add(&format!("{rel_prefix}{}", img.secs[*i].name))).collect();
        while out.len() as u64 % c.word() != 0 {
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
        while out.len() as u64 % c.word() != 0 {
            out.push(0);
        }
        let shoff = out.len() as u64;
        out.extend(std::iter::repeat(0u8).take(c.shdr_size() as usize));
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
            let flags = s.flags | if s.synth == Some(Synth::RelaPlt) { SHF_INFO_LINK } else { 0 };
            c.put_shdr(&mut out, &Shdr { name: names[k], kind: s.kind, flags, addr: s.addr, offset: s.offset, size: s.size, link, info, align: s.align, entsize });
        }
        let nshown = shown.len() as u32 + relas.len() as u32;
        let with_symtab = !self.opts.strip_all;
        for (k, (i, v)) in relas.iter().enumerate() {
            let info = img.shdr_index[*i] as u32;
            c.put_shdr(&mut out, &Shdr { name: rela_names[k], kind: rel_type, flags: SHF_INFO_LINK, addr: 0, offset: rela_offs[k], size: v.len() as u64, link: nshown + 1, info, align: c.word(), entsize: rel_ent });
        }
        let tables = [
            (symtab_name, SHT_SYMTAB, symtab_off, symtab.len() as u64, nshown + 2, nlocal, c.word(), c.sym_size()),
            (strtab_name, SHT_STRTAB, strtab_off, strtab.len() as u64, 0, 0, 1, 0),
        ];
        for (name, kind, offset, size, link, info, align, entsize) in tables.into_iter().filter(|_| with_symtab) {
            c.put_shdr(&mut out, &Shdr { name, kind, flags: 0, addr: 0, offset, size, link, info, align, entsize });
        }
        c.put_shdr(&mut out, &Shdr { name: shstr_name, kind: SHT_STRTAB, flags: 0, addr: 0, offset: shstr_off, size: shstr.data.len() as u64, link: 0, info: 0, align: 1, entsize: 0 });
        let shnum = nshown as u16 + if with_symtab { 4 } else { 2 };
        // ELF header and program headers.
        let mut h = vec![];
        h.extend_from_slice(b"\x7fELF");
        h.extend([if c.elf64 { 2 } else { 1 }, 1, 1]);
        h.resize(16, 0);
        h.put16(if matches!(img.kind, OutputKind::Exec | OutputKind::StaticExec) { ET_EXEC } else { ET_DYN });
        h.put16(self.target.machine());
        h.put32(1);
        c.put_word(&mut h, img.entry);
        c.put_word(&mut h, c.ehdr_size());
        c.put_word(&mut h, shoff);
        h.put32(self.output_flags()?);
        h.put16(c.ehdr_size() as u16);
        h.put16(c.phdr_size() as u16);
        h.put16(img.phdrs.len() as u16);
        h.put16(c.shdr_size() as u16);
        h.put16(shnum);
        h.put16(shnum - 1);
        for p in &img.phdrs {
            c.put_phdr(&mut h, p.kind, p.flags, p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.align);
        }
        out[..h.len()].copy_from_slice(&h);
        if let Some(b) = img.sec(Synth::BuildId) {
            let id = build_id(&out);
            let at = b.offset as usize + 16;
            out[at..at + 20].copy_from_slice(&id);
        }
        Ok(out)
    }

    /// Padding between the pieces of a code section: the target's NOP fill, as GNU ld
    /// writes it (`Target::code_fill`), each gap from its own start.
    fn fill_code_gaps(&self, o: &crate::image::OutSec, out: &mut [u8]) {
        let mut used: Vec<(u64, u64)> = o.members.iter().map(|&(oi, si)| &self.objs[oi].sections[si]).filter(|s| s.kind != SHT_NOBITS).map(|s| (s.out_off, s.out_off + s.size)).collect();
        used.extend(o.data.iter().map(|&(off, n, _)| (off, off + n as u64)));
        used.sort();
        let mut at = 0;
        for (start, end) in used.into_iter().chain([(o.size, o.size)]) {
            if start > at {
                let gap = self.target.code_fill((start - at) as usize);
                let from = (o.offset + at) as usize;
                out[from..from + gap.len()].copy_from_slice(&gap);
            }
            at = at.max(end);
        }
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
        let c = self.target.class();
        let ent = c.sym_size() as usize;
        let mut str = StrTab::new();
        let mut locals = vec![0u8; ent];
        let mut globals = vec![];
        // --emit-relocs: section symbols first, for relocations against sections and
        // against symbols the table leaves out.
        if self.opts.emit_relocs {
            for (i, o) in img.secs.iter().enumerate() {
                let sh = img.shdr_index.get(i).copied().unwrap_or(0);
                if sh == 0 {
                    continue;
                }
                index.section.insert(i, (locals.len() / ent) as u32);
                c.put_sym(&mut locals, 0, STT_SECTION, 0, sh as u16, o.addr, 0);
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
            let name = str.add(name);
            c.put_sym(v, name, info, other, sh, value, size);
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
                index.local.insert((oi, i), (locals.len() / ent) as u32);
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
            index.global.insert(g, (globals.len() / ent) as u32);
            emit(&mut globals, &mut str, &s.name, (bind << 4) | kind, s.vis, sh, self.sym_addr(img, r), size);
        }
        let nlocal = (locals.len() / ent) as u32;
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
