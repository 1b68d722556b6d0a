//! `-r`: combine objects into one relocatable object. Sections of the same name are
//! concatenated, symbols renumbered, relocations rewritten against the new numbering.
//! COMDAT duplicates are dropped; the surviving members are merged like other sections.

use std::collections::HashMap;

use crate::elf::*;
use crate::error::Result;
use crate::image::{StrTab, SymRef};
use crate::object::NO_OUT;
use crate::resolve::{Def, Linker};
use crate::script::ast::{Expr, Loc, Provide};
use crate::script::eval::{self, Env, Value};
use crate::scripted::place::{Item, RelocStep};

struct RSec {
    name: String,
    kind: u32,
    flags: u64,
    align: u64,
    size: u64,
    /// Address a script gave it (GNU ld lays out `-r` script sections from 0).
    vma: u64,
    members: Vec<(usize, usize)>,
    /// `BYTE`/`SHORT`/`LONG`/`QUAD` of a script: (offset, bytes).
    data: Vec<(u64, Vec<u8>)>,
}

/// Larger outputs come only from corrupt inputs; refuse rather than exhaust memory.
pub const MAX_FILE: u64 = 1 << 36;

fn kept(kind: u32) -> bool {
    !matches!(kind, SHT_GROUP | SHT_RELA | SHT_REL | SHT_SYMTAB | SHT_STRTAB | SHT_SYMTAB_SHNDX | SHT_NULL)
}

impl Linker {
    /// `-r`; `plan` is a linker script's grouping: output sections (name, inputs in
    /// order) first, then the inputs it neither placed nor discarded, merged by name.
    pub fn write_relocatable_with(&mut self, plan: Option<crate::scripted::place::RelocPlan>) -> Result<Vec<u8>> {
        let mut secs: Vec<RSec> = vec![];
        let mut by_key: HashMap<(String, u32), usize> = HashMap::new();
        let mut placed: std::collections::HashSet<(usize, usize)> = Default::default();
        let mut script_syms = ScriptSyms::default();
        if let Some(plan) = plan {
            placed.extend(plan.discarded);
            // The location counter: GNU ld gives a relocatable link's script sections
            // addresses from 0, so `ALIGN` inside one pads to an address, not an offset.
            let mut dot = 0u64;
            for step in plan.steps {
                let (name, addr, items) = match step {
                    RelocStep::Assign(a) => {
                        let v = script_syms.eval(&a.expr, Value::abs(dot), &a.loc)?;
                        if a.name == "." {
                            dot = v.v;
                        } else {
                            script_syms.defs.push((a.name.clone(), v, a.provide, a.hidden || a.provide == Provide::Hidden));
                        }
                        continue;
                    }
                    RelocStep::Section { name, addr, items } => (name, addr, items),
                };
                let members: Vec<(usize, usize)> = items.iter().filter_map(|i| if let Item::Input(o, s) = i { Some((*o, *s)) } else { None }).collect();
                let has_data = items.iter().any(|i| matches!(i, Item::Data(..)));
                let all_nobits = members.iter().all(|&(o, s)| self.objs[o].sections[s].kind == SHT_NOBITS);
                let mut kind = if all_nobits && !has_data && !members.is_empty() { SHT_NOBITS } else { SHT_PROGBITS };
                if let Some(&(o, s)) = members.first() {
                    let first = self.objs[o].sections[s].kind;
                    if !has_data && members.iter().all(|&(o2, s2)| self.objs[o2].sections[s2].kind == first) {
                        kind = first;
                    }
                }
                // Without inputs, BFD's defaults: data makes code ("AX"), nothing makes "W".
                let empty_flags = if has_data { SHF_ALLOC | SHF_EXECINSTR } else { SHF_WRITE };
                let flags = members.iter().fold(if members.is_empty() { empty_flags } else { 0 }, |f, &(o, s)| f | self.objs[o].sections[s].flags) & !(SHF_GROUP | SHF_MERGE | SHF_STRINGS);
                let align = members.iter().filter(|&&(o, s)| !self.objs[o].sections[s].discarded && kept(self.objs[o].sections[s].kind)).map(|&(o, s)| self.objs[o].sections[s].align).max().unwrap_or(1).max(1);
                let loc = Loc { file: format!("output section `{name}'"), line: 0 };
                let vma = match &addr {
                    Some(e) => script_syms.eval(e, Value::abs(dot), &loc)?.v,
                    None => align_up(dot, align),
                };
                secs.push(RSec { name: name.clone(), kind, flags, align: 1, size: 0, vma, members: vec![], data: vec![] });
                let idx = secs.len() - 1;
                by_key.insert((name, kind), idx);
                for item in &items {
                    let here = Value { v: vma + secs[idx].size, sec: Some(idx) };
                    match item {
                        Item::Input(o, s) => {
                            placed.insert((*o, *s));
                            self.place_member(&mut secs[idx], idx, *o, *s);
                        }
                        Item::Assign(a) => {
                            let v = script_syms.eval(&a.expr, here, &a.loc)?;
                            if a.name != "." {
                                script_syms.defs.push((a.name.clone(), v, a.provide, a.hidden || a.provide == Provide::Hidden));
                                continue;
                            }
                            // A plain number is an offset in the section; an address is one.
                            let to = match v.sec {
                                None => v.v,
                                Some(i) if i == idx => v.v - vma,
                                Some(_) => crate::bail!("{}: `.' cannot move to another section", a.loc),
                            };
                            if to < secs[idx].size {
                                crate::bail!("{}: cannot move location counter backwards (from {:#x} to {:#x})", a.loc, secs[idx].size, to);
                            }
                            secs[idx].size = to;
                        }
                        Item::Data(n, e) => {
                            let v = script_syms.eval(e, here, &loc)?;
                            if v.sec.is_some() {
                                crate::bail!("-r: data in output section `{}' needs an address: not supported in a relocatable link", secs[idx].name);
                            }
                            let sec = &mut secs[idx];
                            sec.data.push((sec.size, v.v.to_le_bytes()[..*n as usize].to_vec()));
                            sec.size += *n as u64;
                        }
                        // Gaps are zero-filled; a relocatable output has no padding between
                        // its inputs to fill but what alignment leaves.
                        Item::Fill(_) => {}
                        // Checked where addresses exist: the final link.
                        Item::Assert(..) => {}
                        Item::Synth(_) => {}
                    }
                }
                dot = vma + secs[idx].size;
            }
        }
        // The inputs no script statement placed, merged by (name, type) in first-seen order.
        for oi in 0..self.objs.len() {
            for si in 0..self.objs[oi].sections.len() {
                if placed.contains(&(oi, si)) {
                    continue;
                }
                let s = &self.objs[oi].sections[si];
                if s.discarded || !kept(s.kind) {
                    continue;
                }
                let idx = *by_key.entry((s.name.clone(), s.kind)).or_insert_with(|| {
                    secs.push(RSec { name: s.name.clone(), kind: s.kind, flags: s.flags & !(SHF_GROUP | SHF_MERGE | SHF_STRINGS), align: 1, size: 0, vma: 0, members: vec![], data: vec![] });
                    secs.len() - 1
                });
                self.place_member(&mut secs[idx], idx, oi, si);
            }
        }
        script_syms.define(self, &secs);
        // Symbols: null, one section symbol per output section, locals, then globals.
        let mut str = StrTab::new();
        let mut syms: Vec<u8> = vec![0; 24];
        let put = |v: &mut Vec<u8>, name: u32, info: u8, other: u8, shndx: u16, value: u64, size: u64| {
            v.put32(name);
            v.push(info);
            v.push(other);
            v.put16(shndx);
            v.put64(value);
            v.put64(size);
        };
        for i in 0..secs.len() {
            put(&mut syms, 0, STT_SECTION, 0, (i + 1) as u16, 0, 0);
        }
        let mut local_idx: HashMap<(usize, usize), u32> = HashMap::new();
        let mut n = 1 + secs.len() as u32;
        let sec_of = |objs: &Vec<crate::object::Object>, o: usize, sh: u32| -> Option<(u16, u64)> {
            match sh {
                SHN_ABS => Some((SHN_ABS as u16, 0)),
                SHN_COMMON => Some((SHN_COMMON as u16, 0)),
                SHN_UNDEF => Some((0, 0)),
                x if x >= SHN_LORESERVE => None,
                x => objs[o].sections.get(x as usize).filter(|s| s.out != NO_OUT && !s.discarded && kept(s.kind)).map(|s| ((s.out + 1) as u16, s.out_off)),
            }
        };
        for (oi, o) in self.objs.iter().enumerate() {
            for (i, s) in o.syms.iter().enumerate().take(o.first_global).skip(1) {
                if s.kind == STT_SECTION || s.kind == STT_FILE {
                    continue;
                }
                let Some((sh, base)) = sec_of(&self.objs, oi, s.shndx) else { continue };
                put(&mut syms, str.add(&s.name), (STB_LOCAL << 4) | s.kind, s.vis, sh, s.value + base, s.size);
                local_idx.insert((oi, i), n);
                n += 1;
            }
        }
        let first_global = n;
        let mut global_idx: HashMap<usize, u32> = HashMap::new();
        for (g, s) in self.syms.iter().enumerate() {
            let (sh, value, size, bind, kind) = match s.def {
                Def::Regular { obj, sym } | Def::Common { obj, sym } => {
                    let os = &self.objs[obj].syms[sym];
                    let Some((sh, base)) = sec_of(&self.objs, obj, os.shndx) else { continue };
                    let v = if os.shndx == SHN_COMMON { os.value } else { os.value + base };
                    (sh, v, os.size, if s.weak_def { STB_WEAK } else { STB_GLOBAL }, os.kind)
                }
                // Defined by the script's assignments (see ScriptSyms).
                Def::Linker => (s.out_sec.map_or(SHN_ABS as u16, |i| (i + 1) as u16), s.value, 0, STB_GLOBAL, STT_NOTYPE),
                Def::Undef | Def::Shared { .. } if s.referenced => (0, 0, 0, if s.strong_ref { STB_GLOBAL } else { STB_WEAK }, STT_NOTYPE),
                _ => continue,
            };
            put(&mut syms, str.add(&s.name), (bind << 4) | kind, s.vis, sh, value, size);
            global_idx.insert(g, n);
            n += 1;
        }
        // Relocations, rewritten per output section.
        let mut relas: Vec<(usize, Vec<u8>)> = vec![];
        for (i, o) in secs.iter().enumerate() {
            let mut v = vec![];
            for &(oi, si) in &o.members {
                let s = &self.objs[oi].sections[si];
                for r in &s.relocs {
                    let (sym, extra) = match self.symref(oi, r.sym) {
                        SymRef::Global(g) => (global_idx.get(&g).copied().unwrap_or(0), 0),
                        SymRef::Local(_, 0) => (0, 0),
                        SymRef::Local(o2, li) => {
                            let ls = &self.objs[o2].syms[li];
                            if ls.kind == STT_SECTION {
                                match sec_of(&self.objs, o2, ls.shndx) {
                                    Some((sh, base)) if sh > 0 && (sh as u32) < SHN_LORESERVE => (sh as u32, base as i64),
                                    _ => (0, 0),
                                }
                            } else {
                                (local_idx.get(&(o2, li)).copied().unwrap_or(0), 0)
                            }
                        }
                    };
                    v.put64(r.offset + s.out_off);
                    v.put64(((sym as u64) << 32) | r.kind as u64);
                    v.put64((r.addend + extra) as u64);
                }
            }
            if !v.is_empty() {
                relas.push((i, v));
            }
        }
        // File: header, section contents, relocations, symbols, strings, headers.
        let total: u64 = secs.iter().filter(|o| o.kind != SHT_NOBITS).map(|o| o.size + o.align).sum();
        if total > MAX_FILE {
            crate::bail!("output would be {} bytes: too large", total);
        }
        let mut out = vec![0u8; 64];
        let mut offsets = vec![];
        for o in &secs {
            let at = align_up(out.len() as u64, o.align.max(1)) as usize;
            out.resize(at, 0);
            offsets.push(at as u64);
            if o.kind == SHT_NOBITS {
                continue;
            }
            out.resize(at + o.size as usize, 0);
            for &(oi, si) in &o.members {
                let s = &self.objs[oi].sections[si];
                if s.size > 0 && s.kind != SHT_NOBITS {
                    let p = at + s.out_off as usize;
                    out[p..p + s.size as usize].copy_from_slice(self.objs[oi].section_bytes(si));
                }
            }
            for (off, bytes) in &o.data {
                let p = at + *off as usize;
                out[p..p + bytes.len()].copy_from_slice(bytes);
            }
        }
        let mut shstr = StrTab::new();
        let mut shdrs: Vec<[u64; 10]> = vec![[0; 10]];
        for (i, o) in secs.iter().enumerate() {
            shdrs.push([shstr.add(&o.name) as u64, o.kind as u64, o.flags, o.vma, offsets[i], o.size, 0, 0, o.align, 0]);
        }
        let symtab_idx = (secs.len() + relas.len() + 1) as u64;
        for (i, v) in &relas {
            let at = align_up(out.len() as u64, 8) as usize;
            out.resize(at, 0);
            out.extend_from_slice(v);
            let name = shstr.add(&format!(".rela{}", secs[*i].name)) as u64;
            shdrs.push([name, SHT_RELA as u64, SHF_INFO_LINK, 0, at as u64, v.len() as u64, symtab_idx, (*i + 1) as u64, 8, 24]);
        }
        let at = align_up(out.len() as u64, 8) as usize;
        out.resize(at, 0);
        out.extend_from_slice(&syms);
        let symtab_name = shstr.add(".symtab") as u64;
        shdrs.push([symtab_name, SHT_SYMTAB as u64, 0, 0, at as u64, syms.len() as u64, symtab_idx + 1, first_global as u64, 8, 24]);
        let at = out.len();
        out.extend_from_slice(&str.data);
        let strtab_name = shstr.add(".strtab") as u64;
        shdrs.push([strtab_name, SHT_STRTAB as u64, 0, 0, at as u64, str.data.len() as u64, 0, 0, 1, 0]);
        let shstr_name = shstr.add(".shstrtab") as u64;
        let at = out.len();
        out.extend_from_slice(&shstr.data);
        shdrs.push([shstr_name, SHT_STRTAB as u64, 0, 0, at as u64, shstr.data.len() as u64, 0, 0, 1, 0]);
        let shoff = align_up(out.len() as u64, 8);
        out.resize(shoff as usize, 0);
        for h in &shdrs {
            out.put32(h[0] as u32);
            out.put32(h[1] as u32);
            out.put64(h[2]);
            out.put64(h[3]);
            out.put64(h[4]);
            out.put64(h[5]);
            out.put32(h[6] as u32);
            out.put32(h[7] as u32);
            out.put64(h[8]);
            out.put64(h[9]);
        }
        if shdrs.len() >= SHN_LORESERVE as usize {
            crate::bail!("-r: too many output sections ({})", shdrs.len());
        }
        let mut h = vec![];
        h.extend_from_slice(b"\x7fELF\x02\x01\x01");
        h.resize(16, 0);
        h.put16(ET_REL);
        h.put16(self.target.machine());
        h.put32(1);
        h.put64(0);
        h.put64(0);
        h.put64(shoff);
        h.put32(self.output_flags()?);
        h.put16(64);
        h.put16(0);
        h.put16(0);
        h.put16(64);
        h.put16(shdrs.len() as u16);
        h.put16(shdrs.len() as u16 - 1);
        out[..64].copy_from_slice(&h);
        Ok(out)
    }
}

impl Linker {
    /// Appends input section (oi, si) to output section `idx` at its alignment.
    fn place_member(&mut self, o: &mut RSec, idx: usize, oi: usize, si: usize) {
        let s = &self.objs[oi].sections[si];
        if s.discarded || !kept(s.kind) {
            return;
        }
        o.align = o.align.max(s.align);
        o.size = align_up(o.size, s.align);
        let off = o.size;
        o.size += s.size;
        o.members.push((oi, si));
        let s = &mut self.objs[oi].sections[si];
        s.out = idx;
        s.out_off = off;
    }
}

/// Symbols a script's assignments define in a relocatable output (`sym = .;` inside an
/// output section is an offset in it, as GNU ld makes it: arm64 KVM's `hyp.lds`
/// `__hyp_section_*`), and the location counter moves (`. = ALIGN(n)`).
#[derive(Default)]
struct ScriptSyms {
    /// (name, value, PROVIDE kind, hidden), in script order.
    defs: Vec<(String, Value, Provide, bool)>,
}

/// Expressions of a relocatable link's script: `.` is the location counter (an address
/// in the current section inside one); the symbols are the script's own earlier ones.
struct RelocEnv<'a> {
    syms: &'a ScriptSyms,
    dot: Value,
}

impl Env for RelocEnv<'_> {
    fn dot(&self) -> Option<Value> {
        Some(self.dot)
    }
    fn symbol(&self, name: &str) -> Option<Value> {
        self.syms.defs.iter().rev().find(|d| d.0 == name).map(|d| d.1)
    }
    fn max_page_size(&self) -> u64 {
        0x1000
    }
    fn strict(&self) -> bool {
        true
    }
}

impl ScriptSyms {
    fn eval(&self, e: &Expr, dot: Value, loc: &Loc) -> Result<Value> {
        eval::eval(e, &RelocEnv { syms: self, dot }, loc)
    }

    /// Defines the symbols (values relative to their sections, as in any relocatable
    /// object): over undefined references and over objects' definitions, as a plain
    /// assignment does; `PROVIDE` only where an object refers to an undefined one.
    fn define(self, l: &mut Linker, secs: &[RSec]) {
        for (name, v, provide, hidden) in self.defs {
            if provide != Provide::No {
                match l.lookup(&name) {
                    Some(g) if l.syms[g].def == Def::Undef && l.syms[g].referenced => {}
                    _ => continue,
                }
            }
            let g = l.intern(&name);
            let s = &mut l.syms[g];
            s.def = Def::Linker;
            s.value = v.sec.map_or(v.v, |i| v.v - secs[i].vma);
            s.out_sec = v.sec;
            if hidden {
                s.vis = STV_HIDDEN;
            }
        }
    }
}
