//! Program headers and file offsets for a scripted layout: PHDRS when the script has it,
//! GNU's automatic PT_LOAD split otherwise. In a segment the file mirrors memory; each
//! segment starts at an offset congruent to its address modulo the page size.

use crate::elf::*;
use crate::elf::align_up;
use crate::error::Result;
use crate::image::{Image, Phdr};
use crate::resolve::Linker;
use crate::script::ast::*;
use crate::bail;

/// A segment before offsets: its kind, flags and member sections (img indices).
pub struct SegPlan {
    pub kind: u32,
    pub flags: Option<u32>,
    pub filehdr: bool,
    pub phdrs: bool,
    pub at: Option<u64>,
    pub secs: Vec<usize>,
}

fn congruent(off: u64, addr: u64, page: u64) -> u64 {
    let p = page.max(1);
    off + (addr % p + p - off % p) % p
}

impl Linker {
    /// Segments from PHDRS: a section goes where its `:name`s say, else where the previous
    /// section went (the first PT_LOAD at the start).
    pub fn plan_phdrs(&self, img: &Image, specs: &[PhdrSpec], descs: &[(usize, Vec<String>)], at: &[Option<u64>], flags: &[Option<u32>]) -> Result<Vec<SegPlan>> {
        let mut segs: Vec<SegPlan> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| SegPlan { kind: s.kind, flags: flags[i], filehdr: s.filehdr, phdrs: s.phdrs, at: at[i], secs: vec![] })
            .collect();
        let mut cur: Vec<String> = specs.iter().find(|s| s.kind == PT_LOAD).map(|s| vec![s.name.clone()]).unwrap_or_default();
        for (sec, names) in descs {
            if img.secs[*sec].flags & SHF_ALLOC == 0 {
                continue;
            }
            if !names.is_empty() {
                cur = names.clone();
            }
            for n in &cur {
                if n == "NONE" {
                    continue;
                }
                match specs.iter().position(|s| &s.name == n) {
                    Some(i) => segs[i].secs.push(*sec),
                    None => bail!("section `{}' assigned to non-existent phdr `{}'", img.secs[*sec].name, n),
                }
            }
        }
        Ok(segs)
    }

    /// GNU's automatic segments: a new PT_LOAD where the load/virtual offset changes, the
    /// addresses jump by a page or more, code follows data or data follows code, or
    /// contents follow bss; notes, TLS and the stack marker as GNU adds them.
    pub fn plan_auto(&self, img: &Image, order: &[usize]) -> Vec<SegPlan> {
        let page = self.opts.segment_align();
        let mut loads: Vec<SegPlan> = vec![];
        let mut prev: Option<usize> = None;
        let mut writable = false;
        for &i in order {
            let s = &img.secs[i];
            if s.flags & SHF_ALLOC == 0 {
                continue;
            }
            // .tbss rides along in the segment of .tdata without taking its space.
            if s.flags & SHF_TLS != 0 && s.kind == SHT_NOBITS {
                if let Some(l) = loads.last_mut() {
                    l.secs.push(i);
                    continue;
                }
            }
            // bfd's _bfd_elf_map_sections_to_segments, in load addresses.
            let split = match prev {
                None => true,
                Some(p) => {
                    let q = &img.secs[p];
                    let q_end = q.lma + q.size;
                    s.lma.wrapping_sub(q.lma) != s.addr.wrapping_sub(q.addr)
                        || s.lma < q.lma
                        || align_up(q_end, page) < align_up(s.lma, page)
                        || (q.kind == SHT_NOBITS && s.kind != SHT_NOBITS)
                        || (!writable && s.flags & SHF_WRITE != 0 && (q_end.max(1) - 1) / page != s.lma / page)
                        // -z separate-code: code and data do not share a page.
                        || ((q.flags ^ s.flags) & SHF_EXECINSTR != 0 && (q_end.max(1) - 1) / page != s.lma / page)
                }
            };
            if split {
                loads.push(SegPlan { kind: PT_LOAD, flags: None, filehdr: false, phdrs: false, at: None, secs: vec![] });
                writable = false;
            }
            writable |= s.flags & SHF_WRITE != 0;
            loads.last_mut().expect("pushed above").secs.push(i);
            prev = Some(i);
        }
        let seg = |kind: u32, flags: u32, secs: Vec<usize>| SegPlan { kind, flags: Some(flags), filehdr: false, phdrs: false, at: None, secs };
        let synth = |s: crate::image::Synth| img.synth_idx.get(&s).copied().filter(|&i| img.secs[i].size > 0 && order.contains(&i));
        let mut out = vec![];
        let interp = synth(crate::image::Synth::Interp);
        if interp.is_some() {
            out.push(SegPlan { kind: PT_PHDR, flags: Some(PF_R), filehdr: false, phdrs: false, at: None, secs: vec![] });
        }
        if let Some(i) = interp {
            out.push(seg(PT_INTERP, PF_R, vec![i]));
        }
        // The headers are loaded with the first segment when its first page has room for
        // them (GNU's default scripts start at `SEGMENT_START(...) + SIZEOF_HEADERS`).
        if let Some(first) = loads.first_mut() {
            let f = &img.secs[first.secs[0]];
            let nseg_guess = loads_len_hint(&loads_kinds(img, order, interp.is_some()));
            if f.addr % page >= self.headers_size(nseg_guess) && f.lma == f.addr {
                first.filehdr = true;
                first.phdrs = true;
            }
        }
        out.extend(loads);
        if let Some(d) = synth(crate::image::Synth::Dynamic) {
            out.push(seg(PT_DYNAMIC, PF_R | PF_W, vec![d]));
        }
        let notes: Vec<usize> = order.iter().copied().filter(|&i| img.secs[i].kind == SHT_NOTE && img.secs[i].flags & SHF_ALLOC != 0).collect();
        if !notes.is_empty() {
            out.push(seg(PT_NOTE, PF_R, notes));
        }
        let tls: Vec<usize> = order.iter().copied().filter(|&i| img.secs[i].flags & SHF_TLS != 0).collect();
        if !tls.is_empty() {
            out.push(seg(PT_TLS, PF_R, tls));
        }
        if let Some(e) = synth(crate::image::Synth::EhFrameHdr) {
            out.push(seg(PT_GNU_EH_FRAME, PF_R, vec![e]));
        }
        out.push(seg(PT_GNU_STACK, PF_R | PF_W | if img.exec_stack { PF_X } else { 0 }, vec![]));
        out
    }

    /// File offsets of every output section and the program headers.
    pub fn place_in_file(&self, img: &mut Image, order: &[usize], segs: &[SegPlan]) {
        let page = self.opts.segment_align();
        let headers_end = self.headers_size(segs.len() as u64);
        let c = self.target.class();
        let mut off = headers_end;
        let load_of = |i: usize| segs.iter().position(|s| s.kind == PT_LOAD && s.secs.contains(&i));
        let mut first_of_load: Vec<Option<usize>> = vec![None; segs.len()];
        for &i in order {
            let s = &img.secs[i];
            if s.flags & SHF_ALLOC == 0 {
                continue;
            }
            let offset = match load_of(i) {
                Some(k) => match first_of_load[k] {
                    Some(f) => img.secs[f].offset + (s.addr - img.secs[f].addr),
                    None => {
                        first_of_load[k] = Some(i);
                        congruent(off, s.addr, page)
                    }
                },
                None => congruent(off, s.addr, s.align.max(1)),
            };
            let s = &mut img.secs[i];
            s.offset = offset;
            if s.kind != SHT_NOBITS {
                off = off.max(offset + s.size);
            }
        }
        // Linker-made sections inside script sections sit at their place in the parent.
        for i in 0..img.secs.len() {
            if let Some(p) = img.secs[i].parent {
                img.secs[i].offset = img.secs[p].offset + (img.secs[i].addr - img.secs[p].addr);
            }
        }
        for &i in order {
            let s = &mut img.secs[i];
            if s.flags & SHF_ALLOC == 0 {
                s.offset = crate::elf::align_up(off, s.align.max(1));
                off = s.offset + s.size;
            }
        }
        let mut ph = vec![];
        for seg in segs {
            let secs: Vec<&crate::image::OutSec> = seg.secs.iter().map(|&i| &img.secs[i]).collect();
            let mut p = Phdr { kind: seg.kind, flags: seg.flags.unwrap_or(0), align: if seg.kind == PT_LOAD { page } else { 1 }, ..Default::default() };
            if seg.kind == PT_GNU_STACK {
                p.align = 16;
            }
            if let Some(f) = secs.first() {
                p.offset = f.offset;
                p.vaddr = f.addr;
                p.paddr = f.lma;
                let file_end = secs.iter().filter(|s| s.kind != SHT_NOBITS).map(|s| s.offset + s.size).max().unwrap_or(f.offset);
                let tbss = |s: &crate::image::OutSec| s.flags & SHF_TLS != 0 && s.kind == SHT_NOBITS;
                let mem_end = secs.iter().filter(|s| seg.kind == PT_TLS || !tbss(s)).map(|s| s.addr + s.size).max().unwrap_or(f.addr);
                p.filesz = file_end.saturating_sub(f.offset);
                p.memsz = mem_end - f.addr;
                if seg.flags.is_none() {
                    p.flags = PF_R
                        | if secs.iter().any(|s| s.flags & SHF_WRITE != 0) { PF_W } else { 0 }
                        | if secs.iter().any(|s| s.flags & SHF_EXECINSTR != 0) { PF_X } else { 0 };
                }
                if seg.kind != PT_LOAD {
                    p.align = secs.iter().map(|s| s.align).max().unwrap_or(1);
                }
            } else if seg.flags.is_none() {
                p.flags = PF_R;
            }
            if seg.filehdr || seg.phdrs {
                // The headers are loaded too: the segment starts at the file's start.
                let back = if seg.filehdr { p.offset } else { p.offset - 64 };
                p.vaddr -= back;
                p.paddr -= back;
                p.filesz += back;
                p.memsz += back;
                p.offset -= back;
            }
            if let Some(at) = seg.at {
                p.paddr = at;
            }
            if seg.kind == PT_PHDR {
                p.offset = c.ehdr_size();
                p.filesz = c.phdr_size() * segs.len() as u64;
                p.memsz = p.filesz;
                p.align = c.word();
            }
            ph.push(p);
        }
        // PT_PHDR: where the loaded headers are in memory.
        if let Some(h) = ph.iter().find(|p| p.kind == PT_LOAD && p.offset == 0).map(|p| (p.vaddr, p.paddr)) {
            for p in ph.iter_mut().filter(|p| p.kind == PT_PHDR) {
                p.vaddr = h.0 + c.ehdr_size();
                p.paddr = h.1 + c.ehdr_size();
            }
        }
        img.phdrs = ph;
    }
}

/// How many program headers besides the loads `plan_auto` makes (for the headers' size).
fn loads_kinds(img: &Image, order: &[usize], interp: bool) -> usize {
    let has = |f: &dyn Fn(&crate::image::OutSec) -> bool| order.iter().any(|&i| f(&img.secs[i]));
    2 * interp as usize
        + has(&|s| s.synth == Some(crate::image::Synth::Dynamic) && s.size > 0) as usize
        + has(&|s| s.kind == SHT_NOTE && s.flags & SHF_ALLOC != 0) as usize
        + has(&|s| s.flags & SHF_TLS != 0) as usize
        + has(&|s| s.synth == Some(crate::image::Synth::EhFrameHdr) && s.size > 0) as usize
        + 1
}

/// A generous count of headers for the room check: the extra ones plus a few loads.
fn loads_len_hint(extra: &usize) -> u64 {
    (*extra + 4) as u64
}
