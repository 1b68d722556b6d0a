//! ARM-style mapping symbols: `$x` where code starts, `$d` where data starts, placed and
//! pruned as GNU as does for AArch64 (tc-aarch64.c `mapping_state`, `make_mapping_symbol`,
//! `check_mapping_symbols`). GNU's rules speak of its frags: a new one starts after every
//! variable-size item (alignment, `.skip`, `.fill`, `.org`), which `SecMap::gfrags` records.

use crate::assembler::{Assembler, Ev};
use crate::expr::SymId;
use crate::symbols::Def;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MapState {
    #[default]
    Undef,
    Data,
    Insn,
}

/// What kind of variable-size item starts a new GNU frag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FragKind {
    /// `.skip`/`.zero`/`.fill` (rs_fill): data.
    Fill,
    /// Alignment: code in a code section, data elsewhere.
    Align,
    /// `.org`, `.space` of a layout-dependent size, `.uleb128` of one: no mapping change.
    Other,
}

#[derive(Default, Debug)]
pub struct SecMap {
    pub state: MapState,
    /// Where each GNU frag after the first starts: (fragment, offset) in our layout.
    gfrags: Vec<(u32, u32)>,
    /// Mapping symbols in creation order, each with the GNU frag it was made in.
    syms: Vec<(SymId, usize)>,
}

impl SecMap {
    /// Fragments were renumbered (`new_index[old]`) when subsections were put in order.
    pub fn remap_frags(&mut self, new_index: &[u32]) {
        for p in &mut self.gfrags {
            p.0 = new_index.get(p.0 as usize).copied().unwrap_or(p.0);
        }
    }
}

impl Assembler<'_> {
    fn make_map_sym(&mut self, state: MapState, pos: (u32, u32), gfrag: usize) {
        let name = if state == MapState::Insn { "$x" } else { "$d" };
        let id = self.syms.push(name.into(), false);
        let sec = self.cur;
        self.syms.sym_mut(id).def = Def::Label { sec, frag: pos.0, off: pos.1 };
        self.order.push(Ev::Sym(id));
        self.sec().map.syms.push((id, gfrag));
    }

    /// GNU's `mapping_state_2`: a symbol for `state` here unless already in it.
    fn map_state_2(&mut self, state: MapState) {
        let s = self.sec();
        if s.map.state == state || s.name.starts_with(".debug") {
            return;
        }
        s.map.state = state;
        let pos = s.pos();
        let g = s.map.gfrags.len();
        self.make_map_sym(state, pos, g);
    }

    /// Before an instruction is emitted.
    pub fn map_insn(&mut self) {
        if !self.arch.mapping_symbols() {
            return;
        }
        let s = self.sec();
        s.align = s.align.max(4);
        let started = s.pos() != (0, 0) || !s.map.gfrags.is_empty();
        match s.map.state {
            MapState::Insn => return,
            // Code after data at the start of the section: that data gets its `$d`.
            MapState::Undef if started => self.make_map_sym(MapState::Data, (0, 0), 0),
            _ => {}
        }
        self.map_state_2(MapState::Insn);
    }

    /// Before data is emitted by a directive (GNU's `md_cons_align`): the target's own
    /// marking ([`crate::Arch::before_data`]), or ARM-style, where only code sections mark
    /// data that is not preceded by a variable-size item.
    pub fn map_data(&mut self) {
        let arch = self.arch;
        arch.before_data(self);
        if !self.arch.mapping_symbols() {
            return;
        }
        let s = self.sec();
        if s.map.state == MapState::Data || (s.map.state == MapState::Undef && !s.is_code()) {
            return;
        }
        self.map_state_2(MapState::Data);
    }

    /// A variable-size item begins here (GNU's `frag_var` with `TC_FRAG_INIT`).
    pub fn map_frag_begin(&mut self, kind: FragKind) {
        if !self.arch.mapping_symbols() {
            return;
        }
        let code = self.sec().is_code();
        match kind {
            FragKind::Fill => self.map_state_2(MapState::Data),
            FragKind::Align => self.map_state_2(if code { MapState::Insn } else { MapState::Data }),
            FragKind::Other => {}
        }
    }

    /// The variable-size item ended: a new GNU frag starts here.
    pub fn map_frag_end(&mut self) {
        if !self.arch.mapping_symbols() {
            return;
        }
        let s = self.sec();
        let pos = s.pos();
        s.map.gfrags.push(pos);
    }

    fn pos_addr(&self, sec: usize, (frag, off): (u32, u32)) -> i64 {
        let s = &self.sections[sec];
        s.frags.get(frag as usize).map_or(s.size(), |f| f.addr + off as u64) as i64
    }

    /// After layout: drop the mapping symbols GNU as drops (two at one address in a frag,
    /// one at the end of a frag followed by a frag that starts with its own, or by the end).
    pub fn prune_mapping_symbols(&mut self) {
        if !self.arch.mapping_symbols() {
            return;
        }
        for si in 0..self.sections.len() {
            let syms = std::mem::take(&mut self.sections[si].map.syms);
            if syms.is_empty() {
                continue;
            }
            let mut starts: Vec<i64> = vec![0];
            for &p in &self.sections[si].map.gfrags {
                starts.push(self.pos_addr(si, p));
            }
            // GNU ends every section with an empty frag.
            starts.push(self.sections[si].size() as i64);
            let n = starts.len();
            let mut first: Vec<Option<SymId>> = vec![None; n];
            let mut last: Vec<Option<SymId>> = vec![None; n];
            let addr = |a: &Self, id: SymId| a.label_addr(id).unwrap_or(0);
            for &(id, g) in &syms {
                let at = addr(self, id);
                if at == starts[g] {
                    if let Some(f) = first[g] {
                        self.syms.sym_mut(f).omit = true;
                    }
                    first[g] = Some(id);
                }
                if let Some(l) = last[g] {
                    if addr(self, l) == at {
                        self.syms.sym_mut(l).omit = true;
                    }
                }
                last[g] = Some(id);
            }
            for g in 0..n - 1 {
                let Some(sym) = last[g] else { continue };
                let mut next = g + 1;
                if addr(self, sym) < starts[next] {
                    continue;
                }
                loop {
                    if first[next].is_some() || next == n - 1 {
                        self.syms.sym_mut(sym).omit = true;
                        break;
                    }
                    if starts[next] != starts[next + 1] {
                        break;
                    }
                    next += 1;
                }
            }
        }
    }
}

impl Assembler<'_> {
    /// `.comm` of a local symbol aligned to 2^`pow`: GNU allocates it in `.bss` right away
    /// (an alignment frag, hence a `$d`, in creation order); we allocate at the end, so the
    /// symbol is made now and placed by [`Assembler::place_local_common_map`].
    pub fn map_local_common(&mut self, pow: u32) {
        if !self.arch.mapping_symbols() || pow == 0 {
            return;
        }
        let bss = self.section_by_name(".bss", None, None, 0, None);
        let s = &mut self.sections[bss as usize];
        if s.map.state == MapState::Data {
            return;
        }
        s.map.state = MapState::Data;
        let id = self.syms.push("$d".into(), false);
        self.order.push(Ev::Sym(id));
        // It marks the alignment of the common just recorded.
        self.pending_common_map = Some((id, self.local_commons.len() - 1));
    }

    /// Called in `.bss` before local common number `k` is aligned and allocated.
    pub fn place_local_common_map(&mut self, k: usize) {
        if self.pending_common_map.is_some_and(|p| p.1 == k) {
            let Some((id, _)) = self.pending_common_map.take() else { return };
            let sec = self.cur;
            let s = self.sec();
            let (frag, off) = s.pos();
            let g = s.map.gfrags.len();
            s.map.syms.push((id, g));
            self.syms.sym_mut(id).def = Def::Label { sec, frag, off };
        }
    }
}
