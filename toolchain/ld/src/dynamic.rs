//! The dynamic linking tables: .dynsym/.dynstr, hash tables, symbol versions, .dynamic.

use crate::elf::*;
use crate::image::{DynKind, Image, Synth};
use crate::resolve::{Def, Linker};

/// The name a dynamic symbol carries: `memcpy@GLIBC_2.2.5` is `memcpy` with a version.
pub fn dyn_name(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

pub fn gnu_hash(name: &str) -> u32 {
    name.bytes().fold(5381u32, |h, c| h.wrapping_mul(33).wrapping_add(c as u32))
}

pub fn sysv_hash(name: &str) -> u32 {
    let mut h: u32 = 0;
    for c in name.bytes() {
        h = (h << 4).wrapping_add(c as u32);
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}

/// Layout facts of the GNU hash table.
pub struct GnuHashShape {
    pub nbuckets: u32,
    pub symoffset: u32,
    pub bloom: u32,
}

impl Linker {
    /// Symbols ld.so can look up here (defined in the output): the hashed tail of .dynsym.
    fn is_dyn_defined(&self, img: &Image, g: usize) -> bool {
        matches!(self.syms[g].def, Def::Regular { .. } | Def::Common { .. }) || img.bss_off.contains_key(&g)
    }

    /// In the GNU hash table: definitions, and canonical PLT entries (undefined, but their
    /// value is the address every module must use for the function).
    fn is_hashed(&self, img: &Image, g: usize) -> bool {
        self.is_dyn_defined(img, g) || img.canonical_plt.contains(&g)
    }

    /// Order .dynsym (undefined first, then defined sorted by GNU hash bucket), fill
    /// .dynstr, pick DT_NEEDED libraries and version requirements. Before layout.
    pub fn prepare_dynamic(&mut self, img: &mut Image) {
        if !img.dynamic() {
            return;
        }
        let (mut undef, mut def): (Vec<usize>, Vec<usize>) = img.dynsyms.iter().partition(|&&g| !self.is_hashed(img, g));
        let nb = (def.len() as u32 / 4).max(1);
        def.sort_by_key(|&g| gnu_hash(dyn_name(&self.syms[g].name)) % nb);
        undef.extend(def);
        img.dynsyms = undef;
        img.dynsym_idx = img.dynsyms.iter().enumerate().map(|(i, &g)| (g, i as u32 + 1)).collect();

        let mut seen_soname = std::collections::HashSet::new();
        for (i, l) in self.libs.iter().enumerate() {
            if (l.used || !l.as_needed) && seen_soname.insert(l.soname.clone()) {
                img.needed.push(i);
            }
        }
        if img.uses_ld_so() {
            for &i in &img.needed.clone() {
                img.dynstr.add(&self.libs[i].soname);
            }
        }
        if !self.opts.rpath.is_empty() {
            img.dynstr.add(&self.opts.rpath.join(":"));
        }
        if let Some(s) = &self.opts.soname {
            img.dynstr.add(s);
        }
        for &g in &img.dynsyms.clone() {
            img.dynstr.add(dyn_name(&self.syms[g].name));
        }
        // Version requirements, grouped by library in first-use order.
        for &g in &img.dynsyms {
            if let Some((lib, ver)) = self.import_version(g) {
                match img.verneed.iter_mut().find(|(l, _)| *l == lib) {
                    Some((_, vs)) => {
                        if !vs.contains(&ver) {
                            vs.push(ver)
                        }
                    }
                    None => img.verneed.push((lib, vec![ver])),
                }
            }
        }
        if !img.verdefs.is_empty() {
            img.dynstr.add(&self.verdef_base());
            for v in img.verdefs.clone() {
                img.dynstr.add(&v);
            }
        }
        for (lib, vs) in img.verneed.clone() {
            img.dynstr.add(&self.libs[lib].soname);
            for v in vs {
                img.dynstr.add(&v);
            }
        }
    }

    fn import_version(&self, g: usize) -> Option<(usize, String)> {
        match self.syms[g].def {
            Def::Shared { lib, idx } => self.libs[lib].syms[idx].version.clone().map(|v| (lib, v)),
            _ => None,
        }
    }

    /// The base version entry names the object itself.
    fn verdef_base(&self) -> String {
        self.opts.soname.clone().unwrap_or_else(|| std::path::Path::new(&self.opts.output).file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned()))
    }

    fn version_index(&self, img: &Image, g: usize) -> u16 {
        if let Some(&v) = img.sym_ver.get(&g) {
            return v;
        }
        let Some((lib, ver)) = self.import_version(g) else { return 1 };
        // Indices are shared: definitions first (base = 1), then requirements.
        let mut n = 2 + img.verdefs.len() as u16;
        for (l, vs) in &img.verneed {
            for v in vs {
                if *l == lib && *v == ver {
                    return n;
                }
                n += 1;
            }
        }
        1
    }

    pub fn gnu_hash_shape(&self, img: &Image) -> GnuHashShape {
        let symoffset = img.dynsyms.iter().take_while(|&&g| !self.is_hashed(img, g)).count() as u32 + 1;
        let ndef = img.dynsyms.len() as u32 + 1 - symoffset;
        GnuHashShape { nbuckets: (ndef / 4).max(1), symoffset, bloom: (ndef / 32 + 1).next_power_of_two() }
    }

    /// Sizes of the dynamic tables (before layout).
    pub fn dynamic_sizes(&self, img: &Image) -> Vec<(Synth, u64)> {
        let n = img.dynsyms.len() as u64 + 1;
        let mut v = vec![(Synth::DynSym, 24 * n), (Synth::DynStr, img.dynstr.data.len() as u64)];
        let gh = self.gnu_hash_shape(img);
        v.push((Synth::GnuHash, 16 + 8 * gh.bloom as u64 + 4 * gh.nbuckets as u64 + 4 * (n - gh.symoffset as u64)));
        v.push((Synth::Hash, 4 * (2 + sysv_buckets(n) as u64 + n)));
        if !img.verdefs.is_empty() {
            v.push((Synth::VerDef, 28 * (img.verdefs.len() as u64 + 1)));
        }
        if !img.verneed.is_empty() || !img.verdefs.is_empty() {
            v.push((Synth::VerSym, 2 * n));
        }
        if !img.verneed.is_empty() {
            let nv: usize = img.verneed.iter().map(|(_, vs)| vs.len()).sum();
            v.push((Synth::VerNeed, 16 * (img.verneed.len() + nv) as u64));
        }
        v.push((Synth::Dynamic, 16 * self.dyn_tags(img).len() as u64));
        v
    }

    /// The .dynamic entries; values are addresses once layout has run.
    pub fn dyn_tags(&self, img: &Image) -> Vec<(u64, u64)> {
        let mut t = vec![];
        if img.uses_ld_so() {
            for &i in &img.needed {
                t.push((DT_NEEDED, img.dynstr_off(&self.libs[i].soname)));
            }
        }
        if let Some(s) = &self.opts.soname {
            t.push((DT_SONAME, img.dynstr_off(s)));
        }
        if !self.opts.rpath.is_empty() {
            let tag = if self.opts.new_dtags { DT_RUNPATH } else { 15 };
            t.push((tag, img.dynstr_off(&self.opts.rpath.join(":"))));
        }
        for (name, tag) in [("_init", DT_INIT), ("_fini", DT_FINI)] {
            if let Some(g) = self.lookup(name) {
                if matches!(self.syms[g].def, Def::Regular { .. }) {
                    t.push((tag, self.sym_addr(img, crate::image::SymRef::Global(g))));
                }
            }
        }
        for (name, a, s) in [
            (".preinit_array", DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ),
            (".init_array", DT_INIT_ARRAY, DT_INIT_ARRAYSZ),
            (".fini_array", DT_FINI_ARRAY, DT_FINI_ARRAYSZ),
        ] {
            if let Some(o) = img.secs.iter().find(|o| o.name == name && o.size > 0) {
                t.push((a, o.addr));
                t.push((s, o.size));
            }
        }
        if self.opts.hash_gnu {
            t.push((DT_GNU_HASH, img.addr_of(Synth::GnuHash)));
        }
        if self.opts.hash_sysv {
            t.push((DT_HASH, img.addr_of(Synth::Hash)));
        }
        t.push((DT_STRTAB, img.addr_of(Synth::DynStr)));
        t.push((DT_SYMTAB, img.addr_of(Synth::DynSym)));
        t.push((DT_STRSZ, img.dynstr.data.len() as u64));
        t.push((DT_SYMENT, 24));
        if img.kind != crate::args::OutputKind::Shared {
            t.push((DT_DEBUG, 0));
        }
        let plt_rels = img.sec(Synth::RelaPlt).map_or(0, |s| s.size);
        if plt_rels > 0 || img.has_lazy_plt() {
            t.push((DT_PLTGOT, img.addr_of(Synth::GotPlt)));
            t.push((DT_PLTRELSZ, plt_rels));
            t.push((DT_PLTREL, DT_RELA));
            t.push((DT_JMPREL, img.addr_of(Synth::RelaPlt)));
        }
        if !img.dynrel.is_empty() {
            t.push((DT_RELA, img.addr_of(Synth::RelaDyn)));
            t.push((DT_RELASZ, img.dynrel.len() as u64 * 24));
            t.push((DT_RELAENT, 24));
            let n = img.dynrel.iter().filter(|d| d.kind == DynKind::Relative).count() as u64;
            if n > 0 {
                t.push((DT_RELACOUNT, n));
            }
        }
        if img.textrel {
            t.push((DT_TEXTREL, 0));
        }
        let mut flags = 0;
        let mut flags1 = 0;
        if self.opts.z_now {
            flags |= DF_BIND_NOW;
            flags1 |= DF_1_NOW;
        }
        if img.textrel {
            flags |= DF_TEXTREL;
        }
        if matches!(img.kind, crate::args::OutputKind::Pie | crate::args::OutputKind::StaticPie) {
            flags1 |= DF_1_PIE;
        }
        if flags != 0 {
            t.push((DT_FLAGS, flags));
        }
        if flags1 != 0 {
            t.push((DT_FLAGS_1, flags1));
        }
        if !img.verneed.is_empty() || !img.verdefs.is_empty() {
            t.push((DT_VERSYM, img.addr_of(Synth::VerSym)));
        }
        if !img.verdefs.is_empty() {
            t.push((0x6fff_fffc, img.addr_of(Synth::VerDef)));
            t.push((0x6fff_fffd, img.verdefs.len() as u64 + 1));
        }
        if !img.verneed.is_empty() {
            t.push((DT_VERNEED, img.addr_of(Synth::VerNeed)));
            t.push((DT_VERNEEDNUM, img.verneed.len() as u64));
        }
        t.push((DT_NULL, 0));
        t
    }

    /// Contents of one dynamic table (after layout).
    pub fn dynamic_bytes(&self, img: &Image, s: Synth) -> Vec<u8> {
        let mut v = vec![];
        match s {
            Synth::DynSym => {
                v.resize(24, 0);
                for &g in &img.dynsyms {
                    let sym = &self.syms[g];
                    let r = crate::image::SymRef::Global(g);
                    let defined = self.is_dyn_defined(img, g);
                    let kind = match self.sym_kind(r) {
                        STT_GNU_IFUNC if img.plt_map.contains_key(&r) => STT_FUNC,
                        k => k,
                    };
                    let weak_import = !defined && sym.referenced && !sym.strong_ref;
                    let bind = if weak_import { STB_WEAK } else { STB_GLOBAL };
                    v.put32(img.dynstr_off(dyn_name(&sym.name)) as u32);
                    v.push((bind << 4) | kind);
                    v.push(0);
                    let (shndx, value) = if defined {
                        // TLS symbols are offsets into the module's TLS block.
                        let tls = if kind == STT_TLS { img.tls.map_or(0, |t| t.0) } else { 0 };
                        let addr = if self.is_ifunc(r) { self.target_addr(img, r) } else { self.sym_addr(img, r) };
                        (self.shndx_of(img, g), addr.wrapping_sub(tls))
                    } else if img.canonical_plt.contains(&g) {
                        (0, self.plt_addr(img, r))
                    } else {
                        (0, 0)
                    };
                    v.put16(shndx);
                    v.put64(value);
                    v.put64(if defined { self.sym_size(r) } else { 0 });
                }
            }
            Synth::DynStr => v = img.dynstr.data.clone(),
            Synth::GnuHash => {
                let gh = self.gnu_hash_shape(img);
                let hashes: Vec<u32> = img.dynsyms.iter().skip(gh.symoffset as usize - 1).map(|&g| gnu_hash(dyn_name(&self.syms[g].name))).collect();
                let shift = 6;
                v.put32(gh.nbuckets);
                v.put32(gh.symoffset);
                v.put32(gh.bloom);
                v.put32(shift);
                let mut bloom = vec![0u64; gh.bloom as usize];
                for &h in &hashes {
                    let w = (h / 64) as usize % bloom.len();
                    bloom[w] |= (1u64 << (h % 64)) | (1u64 << ((h >> shift) % 64));
                }
                for b in bloom {
                    v.put64(b);
                }
                let mut buckets = vec![0u32; gh.nbuckets as usize];
                for (i, &h) in hashes.iter().enumerate().rev() {
                    buckets[(h % gh.nbuckets) as usize] = gh.symoffset + i as u32;
                }
                for b in buckets {
                    v.put32(b);
                }
                for (i, &h) in hashes.iter().enumerate() {
                    let last = hashes.get(i + 1).map_or(true, |&n| n % gh.nbuckets != h % gh.nbuckets);
                    v.put32((h & !1) | last as u32);
                }
            }
            Synth::Hash => {
                let n = img.dynsyms.len() + 1;
                let nb = sysv_buckets(n as u64) as usize;
                let mut buckets = vec![0u32; nb];
                let mut chain = vec![0u32; n];
                for (i, &g) in img.dynsyms.iter().enumerate() {
                    let idx = i + 1;
                    let b = sysv_hash(dyn_name(&self.syms[g].name)) as usize % nb;
                    chain[idx] = buckets[b];
                    buckets[b] = idx as u32;
                }
                v.put32(nb as u32);
                v.put32(n as u32);
                for b in buckets {
                    v.put32(b);
                }
                for c in chain {
                    v.put32(c);
                }
            }
            Synth::VerSym => {
                v.put16(0);
                for &g in &img.dynsyms {
                    v.put16(self.version_index(img, g));
                }
            }
            Synth::VerNeed => {
                let mut idx = 2 + img.verdefs.len() as u16;
                for (k, (lib, vs)) in img.verneed.iter().enumerate() {
                    v.put16(1);
                    v.put16(vs.len() as u16);
                    v.put32(img.dynstr_off(&self.libs[*lib].soname) as u32);
                    v.put32(16);
                    let next = if k + 1 == img.verneed.len() { 0 } else { 16 + 16 * vs.len() as u32 };
                    v.put32(next);
                    for (j, ver) in vs.iter().enumerate() {
                        v.put32(sysv_hash(ver));
                        v.put16(0);
                        v.put16(idx);
                        idx += 1;
                        v.put32(img.dynstr_off(ver) as u32);
                        v.put32(if j + 1 == vs.len() { 0 } else { 16 });
                    }
                }
            }
            Synth::VerDef => {
                let base = self.verdef_base();
                let names: Vec<String> = std::iter::once(base).chain(img.verdefs.iter().cloned()).collect();
                for (i, name) in names.iter().enumerate() {
                    v.put16(1);
                    v.put16(if i == 0 { 1 } else { 0 }); // VER_FLG_BASE
                    v.put16(i as u16 + 1);
                    v.put16(1);
                    v.put32(sysv_hash(name));
                    v.put32(20);
                    v.put32(if i + 1 == names.len() { 0 } else { 28 });
                    v.put32(img.dynstr_off(name) as u32);
                    v.put32(0);
                }
            }
            Synth::Dynamic => {
                for (tag, val) in self.dyn_tags(img) {
                    v.put64(tag);
                    v.put64(val);
                }
            }
            _ => {}
        }
        v
    }

    /// Output section header index holding a defined dynamic symbol.
    fn shndx_of(&self, img: &Image, g: usize) -> u16 {
        let sec = match self.syms[g].def {
            Def::Regular { obj, sym } => {
                let s = &self.objs[obj].syms[sym];
                if s.shndx == SHN_ABS {
                    return SHN_ABS as u16;
                }
                self.objs[obj].sections.get(s.shndx as usize).map(|x| x.out)
            }
            _ => img.secs.iter().position(|s| s.name == ".bss" && s.synth.is_none()),
        };
        sec.and_then(|i| img.shdr_index.get(i).copied()).unwrap_or(1) as u16
    }
}

fn sysv_buckets(n: u64) -> u32 {
    (n as u32 / 2).max(1)
}

impl Image {
    pub fn dynstr_off(&self, s: &str) -> u64 {
        self.dynstr.lookup(s) as u64
    }
}

impl crate::image::StrTab {
    pub fn lookup(&self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        self.map_get(s).unwrap_or(0)
    }
}
