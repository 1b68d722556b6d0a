//! Linking under a `-T` script: `place` puts input sections into the script's output
//! sections (orphans GNU's way), `addrs` runs the location counter, `segments` makes
//! program headers and file offsets. The rest of the pipeline (scan, relocation, writing)
//! is shared with the default layout.

pub mod addrs;
pub mod glob;
pub mod place;
pub mod segments;

use crate::elf::*;
use crate::error::Result;
use crate::image::{Image, Synth};
use crate::resolve::{Def, Linker};
use crate::script::ast::*;
use crate::bail;

use place::{Item, Step};

/// Walks before giving up on forward references settling.
const MAX_WALKS: usize = 12;

fn assigns_mut(script: &mut Script) -> Vec<&mut Assign> {
    let mut v = vec![];
    for c in script.sections.iter_mut() {
        match c {
            SecCmd::Assign(a) => v.push(a),
            SecCmd::Output(o) => {
                for it in o.items.iter_mut() {
                    if let OutItem::Assign(a) = it {
                        v.push(a);
                    }
                }
            }
            SecCmd::Assert(..) => {}
        }
    }
    v
}

/// `INSERT AFTER/BEFORE x`: the script's SECTIONS commands go into the default layout
/// (`default.lds`) after or before its output section `x`.
pub fn with_default_layout(mut script: Script, kind: crate::args::OutputKind, name: &str) -> Result<Script> {
    let Some(ins) = script.insert.take() else { return Ok(script) };
    let base = match kind {
        crate::args::OutputKind::Exec | crate::args::OutputKind::StaticExec => 0x400000,
        _ => 0,
    };
    let text = include_str!("default.lds").replace("BASE", &format!("{base:#x}"));
    let mut default = crate::script::parser::parse_text("<default layout>", &text)?;
    let at = default.sections.iter().position(|c| matches!(c, SecCmd::Output(o) if o.name == ins.section));
    let Some(at) = at else { bail!("{}: INSERT {} {}: no such output section in the default layout", name, if ins.after { "AFTER" } else { "BEFORE" }, ins.section) };
    let at = if ins.after { at + 1 } else { at };
    let tail = default.sections.split_off(at);
    default.sections.extend(std::mem::take(&mut script.sections));
    default.sections.extend(tail);
    default.entry = script.entry.or(default.entry);
    default.regions = script.regions;
    default.phdrs = script.phdrs;
    default.inputs = script.inputs;
    default.versions = script.versions;
    Ok(default)
}

/// Names the script's expressions read.
fn script_refs(script: &Script, out: &mut std::collections::BTreeSet<String>) {
    fn walk(e: &Expr, out: &mut std::collections::BTreeSet<String>) {
        match e {
            Expr::Sym(n) => {
                out.insert(n.clone());
            }
            Expr::Unary(_, a) => walk(a, out),
            Expr::Binary(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Expr::Cond(a, b, c) => {
                walk(a, out);
                walk(b, out);
                walk(c, out);
            }
            // Section and region names are not symbols; DEFINED only asks.
            Expr::Call(n, args) if !matches!(n.as_str(), "ADDR" | "LOADADDR" | "SIZEOF" | "ALIGNOF" | "DEFINED" | "ORIGIN" | "LENGTH" | "CONSTANT") => {
                for a in args {
                    walk(a, out);
                }
            }
            _ => {}
        }
    }
    for c in &script.sections {
        match c {
            SecCmd::Assign(a) => walk(&a.expr, out),
            SecCmd::Assert(e, ..) => walk(e, out),
            SecCmd::Output(o) => {
                for e in o.addr.iter().chain(o.lma.iter()).chain(o.align.iter()).chain(o.subalign.iter()) {
                    walk(e, out);
                }
                for it in &o.items {
                    match it {
                        OutItem::Assign(a) => walk(&a.expr, out),
                        OutItem::Data(_, e) | OutItem::Fill(e) | OutItem::Assert(e, ..) => walk(e, out),
                        OutItem::Input(_) => {}
                    }
                }
            }
        }
    }
}

impl Linker {
    /// Script symbols become linker-defined before undefined references are checked.
    /// `PROVIDE` defines only what is referenced and defined nowhere else; the inactive
    /// ones are removed from the script.
    pub fn define_script_symbols(&mut self, script: &mut Script) {
        let mut used = std::collections::BTreeSet::new();
        script_refs(script, &mut used);
        let mut active = vec![];
        for a in assigns_mut(script) {
            if a.name == "." {
                continue;
            }
            // PROVIDE: for references from objects or from the script's own expressions,
            // when no input defines the name.
            let keep = match a.provide {
                Provide::No => true,
                _ => match self.lookup(&a.name) {
                    Some(g) => self.syms[g].def == Def::Undef,
                    None => used.contains(&a.name),
                },
            };
            if !keep {
                a.name = String::new();
                continue;
            }
            active.push((a.name.clone(), a.hidden));
        }
        for (name, hidden) in active {
            let g = self.intern(&name);
            self.syms[g].def = Def::Linker;
            if hidden {
                self.syms[g].vis = STV_HIDDEN;
            }
        }
        for c in script.sections.iter_mut() {
            if let SecCmd::Output(o) = c {
                o.items.retain(|it| !matches!(it, OutItem::Assign(a) if a.name.is_empty()));
            }
        }
        script.sections.retain(|c| !matches!(c, SecCmd::Assign(a) if a.name.is_empty()));
    }

    /// `__start_SEC`/`__stop_SEC` for output sections with C-identifier names, when
    /// referenced and defined nowhere else.
    pub fn claim_start_stop(&mut self, img: &Image, order: &[usize]) {
        for g in 0..self.syms.len() {
            if self.syms[g].def != Def::Undef {
                continue;
            }
            let n = &self.syms[g].name;
            let Some(sec) = n.strip_prefix("__start_").or_else(|| n.strip_prefix("__stop_")) else { continue };
            if sec.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') && order.iter().any(|&i| img.secs[i].name == sec) {
                self.syms[g].def = Def::Linker;
                self.start_stop.push(g);
            }
        }
    }

    /// Symbols GNU ld defines under any script when they are referenced: the GOT base,
    /// the loaded ELF header, the dynamic section.
    pub fn claim_script_linker_syms(&mut self) {
        for name in ["_GLOBAL_OFFSET_TABLE_", "__ehdr_start", "__executable_start", "_DYNAMIC"] {
            if let Some(g) = self.lookup(name) {
                if self.syms[g].def == Def::Undef {
                    self.syms[g].def = Def::Linker;
                    self.start_stop.push(g);
                }
            }
        }
    }

    /// Their values once the sections have addresses.
    fn set_start_stop(&mut self, img: &Image, order: &[usize]) {
        for &g in &self.start_stop {
            let n = &self.syms[g].name;
            let header = img.phdrs.iter().find(|p| p.kind == PT_LOAD && p.offset == 0).map(|p| p.vaddr);
            let fixed = match n.as_str() {
                "_GLOBAL_OFFSET_TABLE_" => Some(self.gotsym(img)),
                "_DYNAMIC" => Some((img.addr_of(Synth::Dynamic), img.synth_idx.get(&Synth::Dynamic).copied())),
                "__ehdr_start" | "__executable_start" => Some((header.unwrap_or(0), None)),
                _ => None,
            };
            if let Some((v, sec)) = fixed {
                self.syms[g].value = v;
                self.syms[g].out_sec = sec.filter(|&i| order.contains(&i));
                continue;
            }
            let (sec, end) = match n.strip_prefix("__start_") {
                Some(s) => (s, false),
                None => (n.strip_prefix("__stop_").unwrap_or(""), true),
            };
            if let Some(&i) = order.iter().find(|&&i| img.secs[i].name == sec) {
                let s = &img.secs[i];
                self.syms[g].value = if end { s.addr + s.size } else { s.addr };
                self.syms[g].out_sec = Some(i);
            }
        }
    }

    /// Has the section anything to lay out (GNU drops empty output sections, address and all)?
    fn has_content(&self, img: &Image, p: &place::SecPlan) -> bool {
        img.secs[p.out].keep
            || (!img.bss_syms.is_empty() && img.secs[p.out].name == ".bss" && img.secs[p.out].synth.is_none())
            || p.items.iter().any(|it| match *it {
                Item::Input(o, s) => self.objs[o].sections[s].size > 0,
                Item::Synth(i) => img.secs[i].size > 0,
                Item::Data(..) => true,
                _ => false,
            })
    }

    /// The layout of a scripted link, from placement to program headers.
    pub fn layout_scripted(&mut self, img: &mut Image, script: &Script, steps: &mut Vec<Step>) -> Result<()> {
        // .got.plt's reserved words exist only for the PLT or `_GLOBAL_OFFSET_TABLE_`.
        if let Some(&i) = img.synth_idx.get(&Synth::GotPlt) {
            if img.plt.is_empty() && self.lookup("_GLOBAL_OFFSET_TABLE_").is_none_or(|g| !self.syms[g].referenced) {
                img.secs[i].size = 0;
            }
        }
        // Empty sections go, with their address expressions; their symbol assignments stay
        // where they were (at the location counter, in the section before).
        let mut kept = vec![];
        for st in std::mem::take(steps) {
            match st {
                Step::Section(p) if !self.has_content(img, &p) => {
                    for it in p.items {
                        match it {
                            Item::Assign(a) => kept.push(Step::Assign(a)),
                            Item::Assert(e, m, l) => kept.push(Step::Assert(e, m, l)),
                            _ => {}
                        }
                    }
                }
                st => kept.push(st),
            }
        }
        *steps = kept;
        let order: Vec<usize> = steps.iter().filter_map(|s| if let Step::Section(p) = s { Some(p.out) } else { None }).collect();
        img.script_order = Some(order.clone());
        if !img.bss_syms.is_empty() && !order.iter().any(|&i| img.secs[i].name == ".bss" && img.secs[i].synth.is_none()) {
            bail!("common symbols and copy relocations need a .bss output section in the linker script");
        }
        let (specs, phdr_exprs) = match &script.phdrs {
            Some(list) => (list.clone(), true),
            None => (vec![], false),
        };
        let mut nseg = if phdr_exprs { specs.len() as u64 } else { 0 };
        let mut syms = addrs::SymVals::new();
        let mut segs;
        loop {
            let headers = self.headers_size(nseg);
            let mut walks = 0;
            while {
                let changed = self.walk_script(img, steps, script, &mut syms, false, headers)?.changed;
                self.set_start_stop(img, &order);
                changed
            } {
                walks += 1;
                if walks >= MAX_WALKS {
                    break;
                }
            }
            self.set_start_stop(img, &order);
            self.walk_script(img, steps, script, &mut syms, true, headers)?;
            self.set_start_stop(img, &order);
            segs = if phdr_exprs {
                let descs: Vec<(usize, Vec<String>)> = steps.iter().filter_map(|s| if let Step::Section(p) = s { Some((p.out, p.desc.phdrs.clone())) } else { None }).collect();
                let mut at = vec![];
                let mut flags = vec![];
                for s in &specs {
                    at.push(match &s.at {
                        Some(e) => Some(self.const_expr(e)?),
                        None => None,
                    });
                    flags.push(match &s.flags {
                        Some(e) => Some(self.const_expr(e)? as u32),
                        None => None,
                    });
                }
                self.plan_phdrs(img, &specs, &descs, &at, &flags)?
            } else {
                self.plan_auto(img, &order)
            };
            if segs.len() as u64 == nseg {
                break;
            }
            nseg = segs.len() as u64;
        }
        self.place_in_file(img, &order, &segs);
        self.set_start_stop(img, &order);
        self.check_overlaps(img, &order)?;
        let tls: Vec<&crate::image::OutSec> = order.iter().map(|&i| &img.secs[i]).filter(|s| s.flags & SHF_TLS != 0 && s.size > 0).collect();
        if let Some(f) = tls.first() {
            let end = tls.iter().map(|s| s.addr + s.size).max().unwrap_or(f.addr);
            img.tls = Some((f.addr, end - f.addr, tls.iter().map(|s| s.align).max().unwrap_or(1)));
        }
        img.base = 0;
        img.entry = self.scripted_entry(img, script);
        Ok(())
    }

    /// PHDRS `AT(...)`/`FLAGS(...)` take constant expressions.
    fn const_expr(&self, e: &Expr) -> Result<u64> {
        match crate::script::eval::constant(e) {
            Some(v) => Ok(v),
            None => bail!("{}: PHDRS: AT and FLAGS need constant expressions", self.opts.script.clone().unwrap_or_default()),
        }
    }

    /// Two loaded sections may not share file bytes (GNU: "section X overlaps section Y").
    fn check_overlaps(&self, img: &Image, order: &[usize]) -> Result<()> {
        let mut spans: Vec<(u64, u64, usize)> = order
            .iter()
            .map(|&i| &img.secs[i])
            .zip(order.iter())
            .filter(|(s, _)| s.kind != SHT_NOBITS && s.size > 0)
            .map(|(s, &i)| (s.offset, s.offset + s.size, i))
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                bail!("section {} file range overlaps section {}", img.secs[w[1].2].name, img.secs[w[0].2].name);
            }
        }
        Ok(())
    }

    /// `-e`, else the script's ENTRY, else `_start`, else the first code section (GNU).
    fn scripted_entry(&self, img: &Image, script: &Script) -> u64 {
        let name = self.opts.entry.clone().or_else(|| script.entry.clone()).unwrap_or_else(|| "_start".into());
        if let Some(g) = self.lookup(&name) {
            if self.syms[g].def != Def::Undef {
                return self.sym_addr(img, crate::image::SymRef::Global(g));
            }
        }
        if let Some(n) = crate::script::lexer::parse_number(&name) {
            return n;
        }
        img.script_order.iter().flatten().map(|&i| &img.secs[i]).find(|s| s.flags & SHF_EXECINSTR != 0).map_or(0, |s| s.addr)
    }
}
