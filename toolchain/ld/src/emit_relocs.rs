//! `--emit-relocs`: the inputs' relocations of loaded sections kept in the executable as
//! `.rela<section>` (x86 RELOCATABLE kernels build vmlinux.relocs from them). Offsets
//! become addresses; a relocation keeps its symbol when the output symbol table has it,
//! otherwise it is rewritten against the output section's symbol with the addend moved.

use crate::elf::*;
use crate::image::{Image, SymRef};
use crate::object::NO_OUT;
use crate::resolve::Linker;

/// Output symbol table indices, filled while `.symtab` is written.
#[derive(Default)]
pub struct SymIndex {
    /// Output section → its STT_SECTION symbol.
    pub section: std::collections::BTreeMap<usize, u32>,
    pub local: std::collections::BTreeMap<(usize, usize), u32>,
    pub global: std::collections::BTreeMap<usize, u32>,
}

impl Linker {
    /// The output section a symbol's address lies in, if any.
    fn out_sec_of(&self, r: SymRef) -> Option<usize> {
        match r {
            SymRef::Local(o, i) => {
                let s = &self.objs[o].syms[i];
                if s.shndx == SHN_UNDEF || s.shndx >= SHN_LORESERVE {
                    return None;
                }
                let sec = self.objs[o].sections.get(s.shndx as usize)?;
                (sec.live && sec.out != NO_OUT).then_some(sec.out)
            }
            SymRef::Global(g) => self.sym_out_sec(g),
        }
    }

    /// (output section, RELA bytes) for every shown loaded section with relocations.
    pub fn emitted_relocs(&self, img: &Image, shown: &[usize], index: &SymIndex) -> Vec<(usize, Vec<u8>)> {
        let mut out = vec![];
        for &i in shown {
            let o = &img.secs[i];
            if o.flags & SHF_ALLOC == 0 {
                continue;
            }
            let mut v = vec![];
            for &(oi, si) in &o.members {
                let s = &self.objs[oi].sections[si];
                for r in &s.relocs {
                    let target = self.symref(oi, r.sym);
                    let (sym, addend) = match target {
                        SymRef::Local(_, 0) => (0, r.addend),
                        SymRef::Global(g) if index.global.contains_key(&g) => (index.global[&g], r.addend),
                        SymRef::Local(a, b) if index.local.contains_key(&(a, b)) => (index.local[&(a, b)], r.addend),
                        t => match self.out_sec_of(t).and_then(|os| index.section.get(&os).map(|&x| (x, os))) {
                            Some((x, os)) => (x, r.addend.wrapping_add(self.sym_addr(img, t).wrapping_sub(img.secs[os].addr) as i64)),
                            // Absolute or undefined: the value itself.
                            None => (0, r.addend.wrapping_add(self.sym_addr(img, t) as i64)),
                        },
                    };
                    // REL targets (i386) keep the addend in the field, already applied.
                    self.target.class().put_rel(&mut v, o.addr + s.out_off + r.offset, sym, r.kind, addend);
                }
            }
            if !v.is_empty() {
                out.push((i, v));
            }
        }
        out
    }
}
