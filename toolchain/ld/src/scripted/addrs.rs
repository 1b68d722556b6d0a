//! Addresses from the script: the location counter walks the steps; assignments, section
//! addresses, `AT` load addresses and memory regions. Forward references settle by
//! repeating the walk until nothing moves; the last walk checks ASSERTs and reports
//! undefined names.

use std::collections::BTreeMap;

use crate::elf::*;
use crate::error::Result;
use crate::image::{Image, SymRef};
use crate::resolve::{Def, Linker};
use crate::script::ast::*;
use crate::script::eval::{eval, Env, SecInfo, Value};
use crate::bail;

use super::place::{Item, Step};

/// Script symbols: value and whether this walk assigned it yet.
pub type SymVals = BTreeMap<String, (Value, bool)>;

struct LayoutEnv<'a> {
    l: &'a Linker,
    img: &'a Image,
    syms: &'a SymVals,
    regions: &'a [Region],
    dot: Option<Value>,
    strict: bool,
    headers: u64,
}

impl Env for LayoutEnv<'_> {
    fn dot(&self) -> Option<Value> {
        self.dot
    }
    fn symbol(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.syms.get(name) {
            return Some(*v);
        }
        let g = self.l.lookup(name)?;
        let s = &self.l.syms[g];
        match s.def {
            Def::Undef => None,
            Def::Linker => Some(Value { v: s.value, sec: s.out_sec }),
            _ => Some(Value { v: self.l.sym_addr(self.img, SymRef::Global(g)), sec: self.l.sym_out_sec(g) }),
        }
    }
    fn section(&self, name: &str) -> Option<SecInfo> {
        let order = self.img.script_order.as_ref()?;
        let &i = order.iter().find(|&&i| self.img.secs[i].name == name)?;
        let s = &self.img.secs[i];
        Some(SecInfo { index: i, addr: s.addr, lma: s.lma, size: s.size, align: s.align })
    }
    fn region(&self, name: &str) -> Option<(u64, u64)> {
        self.regions.iter().find(|r| r.name == name).map(|r| (r.origin, r.length))
    }
    fn max_page_size(&self) -> u64 {
        self.l.opts.max_page_size
    }
    fn headers_size(&self) -> u64 {
        self.headers
    }
    fn strict(&self) -> bool {
        self.strict
    }
    fn defined(&self, name: &str) -> bool {
        match self.syms.get(name) {
            Some(&(_, assigned)) => assigned,
            None => self.symbol(name).is_some(),
        }
    }
}

fn align_up(v: u64, a: u64) -> u64 {
    if a <= 1 {
        v
    } else {
        v.wrapping_add(a - 1) & !(a - 1)
    }
}

/// What one walk produced besides section addresses.
pub struct Walk {
    pub changed: bool,
}

impl Linker {
    /// The output section of a symbol defined in an object.
    pub fn sym_out_sec(&self, g: usize) -> Option<usize> {
        match self.syms[g].def {
            Def::Regular { obj, sym } => {
                let s = &self.objs[obj].syms[sym];
                if s.shndx == SHN_ABS || s.shndx == SHN_UNDEF || s.shndx >= SHN_LORESERVE {
                    return None;
                }
                let sec = self.objs[obj].sections.get(s.shndx as usize)?;
                (sec.live && sec.out != crate::object::NO_OUT).then_some(sec.out)
            }
            Def::Linker => self.syms[g].out_sec,
            _ => None,
        }
    }

    pub fn walk_script(&mut self, img: &mut Image, steps: &[Step], script: &Script, syms: &mut SymVals, strict: bool, headers: u64) -> Result<Walk> {
        let before: Vec<(u64, u64, u64)> = img.secs.iter().map(|s| (s.addr, s.size, s.lma)).collect();
        let old_syms = syms.clone();
        for v in syms.values_mut() {
            v.1 = false;
        }
        let mut dot = Value::abs(0);
        let mut cursors: Vec<u64> = script.regions.iter().map(|r| r.origin).collect();
        let region_idx = |name: &str, loc: &Loc| -> Result<usize> {
            match script.regions.iter().position(|r| r.name == name) {
                Some(i) => Ok(i),
                None => bail!("{}: memory region `{}' not declared", loc, name),
            }
        };
        let mut lma_delta: Option<u64> = None;
        for step in steps {
            match step {
                Step::Assign(a) => {
                    let v = self.eval_in(img, syms, script, Some(dot), strict, headers, &a.expr, &a.loc)?;
                    if a.name == "." {
                        dot = v;
                    } else {
                        syms.insert(a.name.clone(), (v, true));
                    }
                }
                Step::Assert(e, msg, loc) => {
                    let v = self.eval_in(img, syms, script, Some(dot), strict, headers, e, loc)?;
                    if strict && v.v == 0 {
                        bail!("{}", msg);
                    }
                }
                Step::Section(p) => {
                    let o = p.out;
                    let d = &p.desc;
                    let alloc = img.secs[o].flags & SHF_ALLOC != 0;
                    // Alignment: inputs, ALIGN(), and that is all GNU uses for an unplaced section.
                    let mut align = img.secs[o].align.max(1);
                    // SUBALIGN replaces the inputs' alignments, so the section's too.
                    if let Some(e) = &d.subalign {
                        align = self.eval_in(img, syms, script, Some(dot), strict, headers, e, &d.loc)?.v.max(1);
                    }
                    if let Some(e) = &d.align {
                        align = align.max(self.eval_in(img, syms, script, Some(dot), strict, headers, e, &d.loc)?.v.max(1));
                    }
                    let explicit = d.addr.is_some();
                    let mut addr = match (&d.addr, &d.region) {
                        (Some(e), _) => self.eval_in(img, syms, script, Some(dot), strict, headers, e, &d.loc)?.v,
                        (None, Some(r)) => align_up(cursors[region_idx(r, &d.loc)?], align),
                        (None, None) if alloc => align_up(dot.v, align),
                        (None, None) => 0,
                    };
                    if d.align.is_some() {
                        addr = align_up(addr, align);
                    }
                    let lma = match (&d.lma, &d.lma_region) {
                        (Some(e), _) => self.eval_in(img, syms, script, Some(dot), strict, headers, e, &d.loc)?.v,
                        (None, Some(r)) => align_up(cursors[region_idx(r, &d.loc)?], align),
                        _ if explicit || d.region.is_some() => addr,
                        _ => lma_delta.map_or(addr, |delta| addr.wrapping_add(delta)),
                    };
                    img.secs[o].align = align;
                    let end = self.walk_items(img, o, addr, &p.items, d, syms, script, strict, headers)?;
                    let s = &mut img.secs[o];
                    s.addr = addr;
                    s.lma = lma;
                    s.size = end - addr;
                    // .tbss takes no address space outside the TLS block (GNU).
                    let tbss = img.secs[o].flags & SHF_TLS != 0 && img.secs[o].kind == SHT_NOBITS;
                    if alloc {
                        // After a section `.` is an address in it (`_etext = .` is in .text).
                        dot = Value { v: if tbss { addr } else { end }, sec: Some(o) };
                        if let Some(r) = &d.region {
                            cursors[region_idx(r, &d.loc)?] = end;
                        }
                        if let Some(r) = &d.lma_region {
                            let i = region_idx(r, &d.loc)?;
                            cursors[i] = lma + (end - addr);
                        }
                        lma_delta = Some(lma.wrapping_sub(addr));
                    }
                    if strict {
                        for (i, r) in script.regions.iter().enumerate() {
                            if cursors[i] > r.origin + r.length {
                                bail!("section `{}' will not fit in region `{}': overflowed by {} bytes", d.name, r.name, cursors[i] - r.origin - r.length);
                            }
                        }
                    }
                }
            }
        }
        let after: Vec<(u64, u64, u64)> = img.secs.iter().map(|s| (s.addr, s.size, s.lma)).collect();
        let changed = after != before || syms.iter().any(|(k, v)| old_syms.get(k).map(|o| o.0) != Some(v.0));
        self.publish_script_syms(syms);
        Ok(Walk { changed })
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_items(&mut self, img: &mut Image, o: usize, addr: u64, items: &[Item], d: &OutputSection, syms: &mut SymVals, script: &Script, strict: bool, headers: u64) -> Result<u64> {
        let mut dot = addr;
        let here = |v: u64| Value { v, sec: Some(o) };
        let subalign = match &d.subalign {
            Some(e) => Some(self.eval_in(img, syms, script, Some(here(dot)), strict, headers, e, &d.loc)?.v),
            None => None,
        };
        let mut fill = match &d.fill {
            Some(e) => Some(self.eval_in(img, syms, script, Some(here(dot)), strict, headers, e, &d.loc)?.v as u32),
            None => None,
        };
        let mut data = vec![];
        for it in items {
            match it {
                Item::Input(oi, si) => {
                    let s = &mut self.objs[*oi].sections[*si];
                    dot = align_up(dot, subalign.unwrap_or(s.align));
                    s.out_off = dot - addr;
                    dot += s.size;
                }
                Item::Synth(i) => {
                    let s = &mut img.secs[*i];
                    dot = align_up(dot, s.align);
                    s.addr = dot;
                    s.lma = dot;
                    dot += s.size;
                }
                Item::Data(n, e) => {
                    let v = self.eval_in(img, syms, script, Some(here(dot)), strict, headers, e, &d.loc)?;
                    data.push((dot - addr, *n, v.v));
                    dot += *n as u64;
                }
                Item::Fill(e) => fill = Some(self.eval_in(img, syms, script, Some(here(dot)), strict, headers, e, &d.loc)?.v as u32),
                Item::Assert(e, msg, loc) => {
                    let v = self.eval_in(img, syms, script, Some(here(dot)), strict, headers, e, loc)?;
                    if strict && v.v == 0 {
                        bail!("{}", msg);
                    }
                }
                Item::Assign(a) => {
                    let v = self.eval_in(img, syms, script, Some(here(dot)), strict, headers, &a.expr, &a.loc)?;
                    // Inside a section a plain number is an offset from its start.
                    let v = if v.sec.is_none() && !is_absolute(&a.expr) { Value { v: addr.wrapping_add(v.v), sec: Some(o) } } else { v };
                    if a.name == "." {
                        if v.v < dot && strict {
                            bail!("{}: cannot move location counter backwards (from {:#x} to {:#x})", a.loc, dot, v.v);
                        }
                        dot = v.v.max(dot);
                    } else {
                        syms.insert(a.name.clone(), (v, true));
                    }
                }
            }
        }
        img.secs[o].fill = fill;
        img.secs[o].data = data;
        // Common symbols and copy-relocated objects get space at the end of .bss.
        if !img.bss_syms.is_empty() && img.secs.iter().position(|s| s.name == ".bss" && s.synth.is_none()) == Some(o) {
            let block = img.bss_syms.iter().map(|&(_, _, a)| a).max().unwrap_or(1);
            dot = align_up(dot, block);
            let base = dot - addr;
            let mut off = 0;
            for &(g, size, align) in &img.bss_syms.clone() {
                off = align_up(off, align);
                img.bss_off.insert(g, base + off);
                off += size;
            }
            dot += off;
            img.secs[o].align = img.secs[o].align.max(block);
        }
        Ok(dot)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_in(&self, img: &Image, syms: &SymVals, script: &Script, dot: Option<Value>, strict: bool, headers: u64, e: &Expr, loc: &Loc) -> Result<Value> {
        let env = LayoutEnv { l: self, img, syms, regions: &script.regions, dot, strict, headers };
        eval(e, &env, loc)
    }

    /// Script symbols become linker-defined symbols with their values.
    fn publish_script_syms(&mut self, syms: &SymVals) {
        for (name, (v, _)) in syms {
            if let Some(g) = self.lookup(name) {
                if self.syms[g].def == Def::Linker {
                    self.syms[g].value = v.v;
                    self.syms[g].out_sec = v.sec;
                }
            }
        }
    }
}

/// `ABSOLUTE(...)`, `LOADADDR`, and symbol/number mixes GNU calls absolute addresses keep
/// their value when assigned inside a section.
fn is_absolute(e: &Expr) -> bool {
    match e {
        Expr::Call(n, _) if matches!(n.as_str(), "ABSOLUTE" | "LOADADDR") => true,
        // ALIGN(exp, align) keeps exp's section (setup.ld's `ALIGN(ABSOLUTE(.), 4096)`).
        Expr::Call(n, args) if matches!(n.as_str(), "ALIGN" | "BLOCK") && args.len() == 2 => is_absolute(&args[0]),
        Expr::Call(..) => false,
        Expr::Sym(_) => true,
        Expr::Binary(op, a, b) => matches!(*op, "+" | "-") && (is_absolute(a) || is_absolute(b)),
        _ => false,
    }
}
