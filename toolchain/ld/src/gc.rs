//! `--gc-sections`: keep only sections reachable through relocations from the roots
//! (entry, exported and `-u` symbols, init/fini arrays, notes, sections named by
//! `__start_`/`__stop_` references, a `-T` script's KEEP), like GNU ld's default script.

use crate::elf::*;
use crate::image::SymRef;
use crate::resolve::{Def, Linker};

fn is_root_section(name: &str, kind: u32) -> bool {
    kind == SHT_NOTE
        || kind == SHT_INIT_ARRAY
        || kind == SHT_FINI_ARRAY
        || kind == SHT_PREINIT_ARRAY
        || [".init", ".fini", ".ctors", ".dtors", ".init_array", ".fini_array", ".preinit_array", ".jcr", ".gcc_except_table"].iter().any(|p| name == *p || name.starts_with(&format!("{p}.")))
}

impl Linker {
    /// The (object, section) a relocation's symbol is defined in.
    fn reloc_target_section(&self, oi: usize, sym: u32) -> Option<(usize, usize)> {
        let (o, sym) = match self.symref(oi, sym) {
            SymRef::Local(o, i) => (o, i),
            SymRef::Global(g) => match self.syms[g].def {
                Def::Regular { obj, sym } => (obj, sym),
                _ => return None,
            },
        };
        let sh = self.objs[o].syms[sym].shndx;
        (sh != SHN_UNDEF && sh < SHN_LORESERVE).then_some((o, sh as usize))
    }

    pub fn gc_sections(&mut self, shared_output: bool) {
        let mut live: Vec<Vec<bool>> = self.objs.iter().map(|o| vec![false; o.sections.len()]).collect();
        let mut work: Vec<(usize, usize)> = vec![];
        let mark = |live: &mut Vec<Vec<bool>>, work: &mut Vec<(usize, usize)>, o: usize, s: usize| {
            if let Some(l) = live.get_mut(o).and_then(|v| v.get_mut(s)) {
                if !*l {
                    *l = true;
                    work.push((o, s));
                }
            }
        };
        // Roots: special sections, and the sections defining root symbols.
        let start_stop: Vec<String> = self.syms.iter().filter_map(|s| s.name.strip_prefix("__start_").or_else(|| s.name.strip_prefix("__stop_")).map(str::to_string)).collect();
        for (oi, o) in self.objs.iter().enumerate() {
            for (si, s) in o.sections.iter().enumerate() {
                // SHF_GNU_RETAIN: `__attribute__((retain))`.
                if s.live && (is_root_section(&s.name, s.kind) || start_stop.contains(&s.name) || s.flags & 0x20_0000 != 0) {
                    mark(&mut live, &mut work, oi, si);
                }
            }
        }
        let wanted: crate::fxhash::FxHashSet<&str> = self.libs.iter().flat_map(|l| l.undefs.iter().map(String::as_str)).collect();
        let entry = self.opts.entry.clone().unwrap_or_else(|| "_start".into());
        for s in &self.syms {
            let root = s.name == entry
                || self.opts.undefined.contains(&s.name)
                || wanted.contains(s.name.as_str())
                || ((shared_output || self.opts.export_dynamic) && s.vis == STV_DEFAULT);
            if let (true, Def::Regular { obj, sym }) = (root, s.def) {
                let sh = self.objs[obj].syms[sym].shndx as usize;
                mark(&mut live, &mut work, obj, sh);
            }
        }
        // KEEP in a linker script.
        for &(o, sec) in &self.gc_keep {
            mark(&mut live, &mut work, o, sec);
        }
        // Personality routines are named only by CIEs: keep what CIE relocations reach.
        for oi in 0..self.objs.len() {
            for si in 0..self.objs[oi].sections.len() {
                let s = &self.objs[oi].sections[si];
                if !s.live || s.name != ".eh_frame" {
                    continue;
                }
                let mut cies = vec![];
                crate::ehframe::records(self.objs[oi].section_bytes(si), |off, fde| {
                    if !fde {
                        cies.push(off as u64);
                    }
                });
                let d = self.objs[oi].section_bytes(si);
                let in_cie = |off: u64| cies.iter().any(|&c| {
                    let len = d.get(c as usize..c as usize + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
                    c <= off && off < c + 4 + len
                });
                let targets: Vec<(usize, usize)> = s.relocs.iter().filter(|r| in_cie(r.offset)).filter_map(|r| self.reloc_target_section(oi, r.sym)).collect();
                for (o, t) in targets {
                    mark(&mut live, &mut work, o, t);
                }
            }
        }
        // Everything reachable from a live section.
        while let Some((oi, si)) = work.pop() {
            let targets: Vec<(usize, usize)> = self.objs[oi].sections[si]
                .relocs
                .iter()
                .filter_map(|r| self.reloc_target_section(oi, r.sym))
                .collect();
            for (o, s) in targets {
                mark(&mut live, &mut work, o, s);
            }
        }
        for (oi, o) in self.objs.iter_mut().enumerate() {
            for (si, s) in o.sections.iter_mut().enumerate() {
                // .eh_frame only refers to code; it follows what survives.
                if s.live && !live[oi][si] && s.flags & SHF_ALLOC != 0 && s.name != ".eh_frame" && s.kind != SHT_X86_64_UNWIND {
                    s.live = false;
                }
            }
        }
    }
}
