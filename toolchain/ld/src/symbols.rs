//! Questions about symbols that relocation processing asks: where is it, what kind is it.

use crate::elf::*;
use crate::image::{Image, SymRef, Synth};
use crate::resolve::{Def, Linker};

impl Linker {
    pub fn symref(&self, obj: usize, idx: u32) -> SymRef {
        let o = &self.objs[obj];
        let i = idx as usize;
        if i < o.first_global {
            SymRef::Local(obj, i)
        } else {
            SymRef::Global(o.global_ids[i - o.first_global])
        }
    }

    /// The defining object symbol, if the definition is in an object.
    fn obj_sym(&self, r: SymRef) -> Option<&crate::object::Sym> {
        match r {
            SymRef::Local(o, i) => Some(&self.objs[o].syms[i]),
            SymRef::Global(g) => match self.syms[g].def {
                Def::Regular { obj, sym } | Def::Common { obj, sym } => Some(&self.objs[obj].syms[sym]),
                _ => None,
            },
        }
    }

    pub fn sym_kind(&self, r: SymRef) -> u8 {
        if let SymRef::Global(g) = r {
            if let Def::Shared { lib, idx } = self.syms[g].def {
                return self.libs[lib].syms[idx].kind;
            }
        }
        self.obj_sym(r).map_or(STT_NOTYPE, |s| s.kind)
    }

    pub fn sym_size(&self, r: SymRef) -> u64 {
        if let SymRef::Global(g) = r {
            if let Def::Shared { lib, idx } = self.syms[g].def {
                return self.libs[lib].syms[idx].size;
            }
        }
        self.obj_sym(r).map_or(0, |s| s.size)
    }

    pub fn is_shared(&self, r: SymRef) -> bool {
        matches!(r, SymRef::Global(g) if matches!(self.syms[g].def, Def::Shared { .. }))
    }

    /// Bound at run time: imports, and in a shared object its default-visibility globals
    /// (an executable may interpose them or copy-relocate them).
    pub fn is_preemptible(&self, img: &Image, r: SymRef) -> bool {
        let SymRef::Global(g) = r else { return false };
        let s = &self.syms[g];
        match s.def {
            Def::Shared { .. } => true,
            Def::Linker => false,
            Def::Undef => img.kind == crate::args::OutputKind::Shared,
            Def::Regular { .. } | Def::Common { .. } => img.kind == crate::args::OutputKind::Shared && !self.opts.symbolic && s.vis == STV_DEFAULT,
        }
    }

    pub fn is_undef(&self, r: SymRef) -> bool {
        match r {
            SymRef::Global(g) => self.syms[g].def == Def::Undef,
            SymRef::Local(o, i) => self.objs[o].syms[i].shndx == SHN_UNDEF && self.objs[o].syms[i].kind != STT_SECTION && i != 0,
        }
    }

    pub fn is_ifunc(&self, r: SymRef) -> bool {
        !self.is_shared(r) && self.sym_kind(r) == STT_GNU_IFUNC
    }

    /// Absolute symbols keep their value in position-independent output.
    pub fn is_abs(&self, r: SymRef) -> bool {
        if let SymRef::Global(g) = r {
            if self.syms[g].def == Def::Linker {
                return false;
            }
        }
        self.obj_sym(r).is_some_and(|s| s.shndx == SHN_ABS)
    }

    pub fn sym_name(&self, r: SymRef) -> String {
        match r {
            SymRef::Global(g) => self.syms[g].name.clone(),
            SymRef::Local(o, i) => {
                let s = &self.objs[o].syms[i];
                if s.kind == STT_SECTION {
                    self.objs[o].sections.get(s.shndx as usize).map(|x| x.name.clone()).unwrap_or_default()
                } else {
                    s.name.clone()
                }
            }
        }
    }

    fn obj_sym_addr(&self, img: &Image, obj: usize, s: &crate::object::Sym) -> u64 {
        match s.shndx {
            SHN_ABS => s.value,
            SHN_UNDEF | SHN_COMMON => 0,
            n if n >= SHN_LORESERVE => s.value,
            n => {
                let sec = &self.objs[obj].sections[n as usize];
                if !sec.live || sec.out == crate::object::NO_OUT {
                    return 0;
                }
                img.secs[sec.out].addr + sec.out_off + s.value
            }
        }
    }

    /// The symbol's own address (an IFUNC's resolver, a shared symbol's copy).
    pub fn sym_addr(&self, img: &Image, r: SymRef) -> u64 {
        match r {
            SymRef::Local(o, i) => self.obj_sym_addr(img, o, &self.objs[o].syms[i]),
            SymRef::Global(g) => match self.syms[g].def {
                Def::Regular { obj, sym } => self.obj_sym_addr(img, obj, &self.objs[obj].syms[sym]),
                Def::Common { .. } | Def::Shared { .. } => match img.bss_off.get(&g) {
                    Some(off) => img.addr_of_bss() + off,
                    None if img.canonical_plt.contains(&g) => self.plt_addr(img, r),
                    None => 0,
                },
                Def::Linker => self.syms[g].value,
                Def::Undef => 0,
            },
        }
    }

    pub fn plt_addr(&self, img: &Image, r: SymRef) -> u64 {
        match img.plt_map.get(&r) {
            Some(&i) => {
                let t = self.target;
                let plt0 = if img.has_lazy_plt() { t.plt0_size() } else { 0 };
                img.plt_entry_addr(i, plt0, t.plt_entry_size())
            }
            None => 0,
        }
    }

    /// The address a reference resolves to: the PLT entry for IFUNCs and imported functions.
    /// The address of `_GLOBAL_OFFSET_TABLE_` and its output section.
    pub fn gotsym(&self, img: &Image) -> (u64, Option<usize>) {
        let s = if self.target.gotsym_at_got() && !img.got.is_empty() { Synth::Got } else { Synth::GotPlt };
        let s = if img.synth_idx.contains_key(&s) { s } else { Synth::GotPlt };
        (img.addr_of(s), img.synth_idx.get(&s).copied())
    }

    pub fn target_addr(&self, img: &Image, r: SymRef) -> u64 {
        if img.plt_map.contains_key(&r) && (self.is_ifunc(r) || ((self.is_shared(r) || self.is_undef(r) || self.is_preemptible(img, r)) && !self.has_copy(img, r))) {
            return self.plt_addr(img, r);
        }
        self.sym_addr(img, r)
    }

    pub fn has_copy(&self, img: &Image, r: SymRef) -> bool {
        matches!(r, SymRef::Global(g) if img.bss_off.contains_key(&g))
    }

    /// Offset from the thread pointer (x86-64/variant II: TLS block ends at tp).
    pub fn tpoff(&self, img: &Image, addr: u64) -> i64 {
        match img.tls {
            Some((start, size, align)) => match self.target.tls_layout() {
                crate::arch::TlsLayout::BlockBelowTp => addr.wrapping_sub(start).wrapping_sub(align_up(size, align)) as i64,
                crate::arch::TlsLayout::BlockAboveTp { tcb } => addr.wrapping_sub(start).wrapping_add(align_up(tcb, align)) as i64,
            },
            None => 0,
        }
    }
}

impl Image {
    pub fn addr_of_bss(&self) -> u64 {
        self.secs.iter().find(|s| s.name == ".bss" && s.synth.is_none()).map_or(0, |s| s.addr)
    }

    pub fn got_base(&self) -> u64 {
        self.addr_of(Synth::GotPlt)
    }
}
