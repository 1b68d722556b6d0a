//! Addresses: synthetic section sizes, section order, segments and linker-defined symbols.

use crate::args::OutputKind;
use crate::elf::*;
use crate::image::{Image, Phdr, Synth};
use crate::resolve::{Def, Linker};


/// Symbols the linker defines when something references them.
const LINKER_SYMS: &[&str] = &[
    "_GLOBAL_OFFSET_TABLE_", "_DYNAMIC", "__ehdr_start", "__executable_start", "_etext", "etext", "__etext", "_edata",
    "edata", "_end", "end", "__bss_start", "__init_array_start", "__init_array_end", "__fini_array_start",
    "__fini_array_end", "__preinit_array_start", "__preinit_array_end", "__rela_iplt_start", "__rela_iplt_end",
    "__GNU_EH_FRAME_HDR", "__dso_handle",
];

fn is_c_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') && !s.as_bytes()[0].is_ascii_digit()
}

fn set_sizes(img: &mut Image, sizes: Vec<(Synth, u64)>) {
    for (s, size) in sizes {
        if let Some(&i) = img.synth_idx.get(&s) {
            img.secs[i].size = size;
        }
    }
}

impl Linker {
    /// Bytes of the ELF header and `nphdr` program headers at the start of the file.
    pub fn headers_size(&self, nphdr: u64) -> u64 {
        let c = self.target.class();
        c.ehdr_size() + c.phdr_size() * nphdr
    }

    /// Mark referenced-but-undefined linker symbols as defined by us (values after layout).
    pub fn claim_linker_symbols(&mut self, img: &Image) {
        let names: Vec<String> = self.syms.iter().filter(|s| s.def == Def::Undef).map(|s| s.name.clone()).collect();
        for n in names {
            let sec_bound = n.strip_prefix("__start_").or_else(|| n.strip_prefix("__stop_"));
            let ours = match sec_bound {
                Some(sec) => is_c_ident(sec) && img.secs.iter().any(|o| o.name == sec),
                None => (LINKER_SYMS.contains(&n.as_str()) && (n != "_DYNAMIC" || img.dynamic())) || self.target.linker_symbols().contains(&n.as_str()),
            };
            if ours {
                if let Some(g) = self.lookup(&n) {
                    self.syms[g].def = Def::Linker;
                }
            }
        }
    }

    pub fn size_synthetic(&self, img: &mut Image) {
        let t = self.target;
        let mut sizes: Vec<(Synth, u64)> = vec![];
        if img.synth_idx.contains_key(&Synth::Interp) {
            sizes.push((Synth::Interp, self.interp().len() as u64 + 1));
        }
        sizes.push((Synth::BuildId, 16 + 20));
        sizes.push((Synth::Got, 8 * img.got.len() as u64));
        sizes.push((Synth::GotPlt, 8 * (img.got_plt_reserved + img.plt.len() as u64)));
        let plt0 = if img.has_lazy_plt() { t.plt0_size() } else { 0 };
        sizes.push((Synth::Plt, if img.plt.is_empty() { 0 } else { plt0 + t.plt_entry_size() * img.plt.len() as u64 }));
        sizes.push((Synth::RelaDyn, 24 * img.dynrel.len() as u64));
        sizes.push((Synth::RelaPlt, 24 * img.plt.len() as u64));
        sizes.push((Synth::EhFrameHdr, 12 + 8 * img.eh_fde_count));
        set_sizes(img, sizes);
        // .dynamic's entries depend on which of the tables above are empty.
        if img.dynamic() {
            let d = self.dynamic_sizes(img);
            set_sizes(img, d);
        }
    }

    pub fn interp(&self) -> String {
        self.opts.dynamic_linker.clone().unwrap_or_else(|| "/lib64/ld-linux-x86-64.so.2".into())
    }

    /// Address order of output sections.
    pub fn order(&self, img: &Image) -> Vec<usize> {
        if let Some(o) = &img.script_order {
            return o.clone();
        }
        let mut o: Vec<usize> = (0..img.secs.len()).collect();
        o.sort_by_key(|&i| (img.secs[i].class, img.secs[i].rank, i));
        o
    }

    pub fn layout(&mut self, img: &mut Image) {
        img.base = match img.kind {
            OutputKind::Exec | OutputKind::StaticExec => 0x400000,
            _ => 0,
        };
        let order = self.order(img);
        let nonempty = |c: &[u8]| order.iter().any(|&i| c.contains(&img.secs[i].class) && img.secs[i].size > 0);
        let has_tls = img.secs.iter().any(|s| s.flags & SHF_TLS != 0 && s.size > 0);
        let has_note = img.secs.iter().any(|s| s.kind == SHT_NOTE && s.size > 0);
        let has_interp = img.synth_idx.contains_key(&Synth::Interp);
        let has_eh = img.sec(Synth::EhFrameHdr).is_some_and(|s| s.size > 0);
        let relro = self.opts.z_relro && nonempty(&[3]);
        let loads = 1 + [&[1u8][..], &[2], &[3, 4]].iter().filter(|c| nonempty(c)).count();
        let nphdr = loads
            + 2 * has_interp as usize
            + img.dynamic() as usize
            + has_note as usize
            + has_tls as usize
            + has_eh as usize
            + 1
            + relro as usize;
        let mut addr = img.base + self.headers_size(nphdr as u64);
        let mut prev_group = 0;
        let mut file_end = addr - img.base;
        for &i in &order {
            let s = &mut img.secs[i];
            if s.class == 5 {
                // Not loaded: no address, packed after the loaded part of the file.
                s.addr = 0;
                s.offset = align_up(file_end, s.align);
                file_end = s.offset + s.size;
                continue;
            }
            let group = match s.class {
                0 => 0,
                1 => 1,
                2 => 2,
                _ => 3,
            };
            if group != prev_group && s.size > 0 {
                addr = align_up(addr, self.opts.max_page_size);
                prev_group = group;
            }
            addr = align_up(addr, s.align);
            s.addr = addr;
            s.lma = addr;
            s.offset = addr - img.base;
            let tbss = s.kind == SHT_NOBITS && s.flags & SHF_TLS != 0;
            if !tbss {
                addr += s.size;
            }
            if s.kind != SHT_NOBITS {
                file_end = file_end.max(s.offset + s.size);
            }
        }
        // TLS block.
        let tls: Vec<&crate::image::OutSec> = img.secs.iter().filter(|s| s.flags & SHF_TLS != 0 && s.size > 0).collect();
        if !tls.is_empty() {
            let start = tls.iter().map(|s| s.addr).min().unwrap_or(0);
            let end = tls.iter().map(|s| s.addr + s.size).max().unwrap_or(0);
            let align = tls.iter().map(|s| s.align).max().unwrap_or(1);
            img.tls = Some((start, end - start, align));
        }
        self.make_phdrs(img, &order, nphdr as u64, [has_interp, has_note, has_eh, relro]);
        debug_assert_eq!(img.phdrs.len(), nphdr);
        self.set_linker_symbols(img, &order);
        img.entry = self.entry_addr(img);
    }

    fn make_phdrs(&self, img: &mut Image, order: &[usize], nphdr: u64, [has_interp, has_note, has_eh, relro]: [bool; 4]) {
        let mut ph = vec![];
        let headers_end = img.base + self.headers_size(nphdr);
        let c = self.target.class();
        if has_interp {
            ph.push(Phdr { kind: PT_PHDR, flags: PF_R, offset: c.ehdr_size(), vaddr: img.base + c.ehdr_size(), filesz: 0, memsz: 0, align: c.word(), paddr: 0 });
            let s = img.sec(Synth::Interp).cloned().unwrap_or_else(|| img.secs[0].clone());
            ph.push(Phdr { kind: PT_INTERP, flags: PF_R, offset: s.offset, vaddr: s.addr, filesz: s.size, memsz: s.size, align: 1, paddr: 0 });
        }
        for (classes, flags) in [(&[0u8][..], PF_R), (&[1], PF_R | PF_X), (&[2], PF_R), (&[3, 4], PF_R | PF_W)] {
            let secs: Vec<&crate::image::OutSec> = order.iter().map(|&i| &img.secs[i]).filter(|s| classes.contains(&s.class) && s.size > 0).collect();
            if secs.is_empty() && classes[0] != 0 {
                continue;
            }
            let start = if classes[0] == 0 { img.base } else { secs[0].addr };
            let file_end = secs.iter().filter(|s| s.kind != SHT_NOBITS).map(|s| s.addr + s.size).max().unwrap_or(start).max(if classes[0] == 0 { headers_end } else { start });
            let mem_end = secs.iter().filter(|s| !(s.kind == SHT_NOBITS && s.flags & SHF_TLS != 0)).map(|s| s.addr + s.size).max().unwrap_or(file_end).max(file_end);
            ph.push(Phdr { kind: PT_LOAD, flags, offset: start - img.base, vaddr: start, filesz: file_end - start, memsz: mem_end - start, align: self.opts.max_page_size, paddr: 0 });
        }
        if img.dynamic() {
            let s = img.sec(Synth::Dynamic).cloned();
            let (o, a, z) = s.map_or((0, 0, 0), |s| (s.offset, s.addr, s.size));
            ph.push(Phdr { kind: PT_DYNAMIC, flags: PF_R | PF_W, offset: o, vaddr: a, filesz: z, memsz: z, align: 8, paddr: 0 });
        }
        if has_note {
            let notes: Vec<&crate::image::OutSec> = order.iter().map(|&i| &img.secs[i]).filter(|s| s.kind == SHT_NOTE && s.size > 0).collect();
            let start = notes[0].addr;
            let end = notes.iter().map(|s| s.addr + s.size).max().unwrap_or(start);
            ph.push(Phdr { kind: PT_NOTE, flags: PF_R, offset: start - img.base, vaddr: start, filesz: end - start, memsz: end - start, align: notes.iter().map(|s| s.align).max().unwrap_or(4), paddr: 0 });
        }
        if let Some((start, size, align)) = img.tls {
            let filesz = img.secs.iter().filter(|s| s.flags & SHF_TLS != 0 && s.kind != SHT_NOBITS && s.size > 0).map(|s| s.addr + s.size).max().map_or(0, |e| e - start);
            ph.push(Phdr { kind: PT_TLS, flags: PF_R, offset: start - img.base, vaddr: start, filesz, memsz: size, align, paddr: 0 });
        }
        if has_eh {
            let s = img.sec(Synth::EhFrameHdr).cloned().unwrap_or_else(|| img.secs[0].clone());
            ph.push(Phdr { kind: PT_GNU_EH_FRAME, flags: PF_R, offset: s.offset, vaddr: s.addr, filesz: s.size, memsz: s.size, align: 4, paddr: 0 });
        }
        ph.push(Phdr { kind: PT_GNU_STACK, flags: PF_R | PF_W | if img.exec_stack { PF_X } else { 0 }, align: 16, ..Default::default() });
        if relro {
            let secs: Vec<&crate::image::OutSec> = order.iter().map(|&i| &img.secs[i]).filter(|s| s.class == 3 && s.size > 0).collect();
            let start = secs[0].addr;
            let end = secs.iter().map(|s| s.addr + s.size).max().unwrap_or(start);
            ph.push(Phdr { kind: PT_GNU_RELRO, flags: PF_R, offset: start - img.base, vaddr: start, filesz: end - start, memsz: end - start, align: 1, paddr: 0 });
        }
        for p in &mut ph {
            p.paddr = p.vaddr;
        }
        let n = ph.len() as u64;
        if has_interp {
            ph[0].filesz = self.target.class().phdr_size() * n;
            ph[0].memsz = ph[0].filesz;
        }
        img.phdrs = ph;
    }

    fn set_linker_symbols(&mut self, img: &Image, order: &[usize]) {
        let find = |n: &str| img.secs.iter().find(|s| s.name == n && s.synth.is_none());
        let bounds = |n: &str| find(n).map(|s| (s.addr, s.addr + s.size));
        let end_of_class = |c: u8, nobits: bool| {
            order.iter().map(|&i| &img.secs[i]).filter(|s| s.class == c && (nobits || s.kind != SHT_NOBITS) && s.size > 0).map(|s| s.addr + s.size).max()
        };
        let rw_end = end_of_class(4, true).or(end_of_class(3, true)).unwrap_or(img.base);
        let edata = end_of_class(4, false).or(end_of_class(3, false)).unwrap_or(rw_end);
        let text_end = end_of_class(1, true).unwrap_or(img.base);
        let rela_iplt = if img.kind == OutputKind::StaticExec {
            img.sec(Synth::RelaPlt).map_or((0, 0), |s| (s.addr, s.addr + s.size))
        } else {
            (0, 0)
        };
        for g in 0..self.syms.len() {
            if self.syms[g].def != Def::Linker {
                continue;
            }
            let n = self.syms[g].name.as_str();
            let arr = |name: &str, end: bool| bounds(name).map_or(edata, |(a, b)| if end { b } else { a });
            let v = match n {
                "_GLOBAL_OFFSET_TABLE_" => self.gotsym(img).0,
                "_DYNAMIC" => img.addr_of(Synth::Dynamic),
                "__ehdr_start" | "__executable_start" => img.base,
                "_etext" | "etext" | "__etext" => text_end,
                "_edata" | "edata" => edata,
                "_end" | "end" => rw_end,
                "__bss_start" => bounds(".bss").map_or(edata, |b| b.0.min(edata)),
                "__init_array_start" => arr(".init_array", false),
                "__init_array_end" => arr(".init_array", true),
                "__fini_array_start" => arr(".fini_array", false),
                "__fini_array_end" => arr(".fini_array", true),
                "__preinit_array_start" => arr(".preinit_array", false),
                "__preinit_array_end" => arr(".preinit_array", true),
                "__rela_iplt_start" => rela_iplt.0,
                "__rela_iplt_end" => rela_iplt.1,
                "__GNU_EH_FRAME_HDR" => img.addr_of(Synth::EhFrameHdr),
                "__dso_handle" => img.base,
                // RISC-V's gp: GNU's default script puts it 2 KiB into the small data, so
                // that gp-relative accesses reach both ways (we never make such accesses).
                "__global_pointer$" => bounds(".sdata").map_or(edata, |b| b.0) + 0x800,
                _ => {
                    if let Some(s) = n.strip_prefix("__start_") {
                        bounds(s).map_or(0, |b| b.0)
                    } else if let Some(s) = n.strip_prefix("__stop_") {
                        bounds(s).map_or(0, |b| b.1)
                    } else {
                        0
                    }
                }
            };
            self.syms[g].value = v;
        }
    }

    fn entry_addr(&self, img: &Image) -> u64 {
        let name = self.opts.entry.clone().unwrap_or_else(|| "_start".into());
        if let Some(g) = self.lookup(&name) {
            return self.sym_addr(img, crate::image::SymRef::Global(g));
        }
        let n = name.trim_start_matches("0x");
        u64::from_str_radix(n, 16).unwrap_or(0)
    }
}
