//! Input sections grouped into output sections, plus the synthetic sections, in address order.

use std::collections::HashMap;

use crate::elf::*;
use crate::image::{Image, OutSec, Synth};
use crate::resolve::Linker;

/// The output section an input section goes to (GNU ld's default script, condensed).
fn output_name(name: &str) -> &str {
    const PREFIXES: &[&str] = &[
        ".text", ".rodata", ".data.rel.ro", ".data", ".bss", ".tdata", ".tbss", ".init_array", ".fini_array",
        ".preinit_array", ".gcc_except_table", ".ldata", ".lrodata", ".lbss",
    ];
    for p in PREFIXES {
        if name == *p || (name.starts_with(p) && name.as_bytes().get(p.len()) == Some(&b'.')) {
            return p;
        }
    }
    if name.starts_with(".gnu.linkonce.t.") {
        return ".text";
    }
    if name.starts_with(".gnu.linkonce.r.") {
        return ".rodata";
    }
    if name.starts_with(".gnu.linkonce.d.") {
        return ".data";
    }
    if name.starts_with(".gnu.linkonce.b.") {
        return ".bss";
    }
    name
}

/// (segment class, rank): class 0 read-only headers and dynamic tables, 1 code, 2 read-only
/// data, 3 RELRO data, 4 writable data and bss.
fn placement(name: &str, kind: u32, flags: u64, now: bool) -> (u8, u8) {
    match name {
        ".interp" => return (0, 0),
        ".hash" => return (0, 2),
        ".gnu.hash" => return (0, 3),
        ".dynsym" => return (0, 4),
        ".dynstr" => return (0, 5),
        ".gnu.version" => return (0, 6),
        ".gnu.version_r" | ".gnu.version_d" => return (0, 7),
        ".rela.dyn" => return (0, 8),
        ".rela.plt" => return (0, 9),
        ".init" => return (1, 0),
        ".plt" => return (1, 1),
        ".text" => return (1, 2),
        ".fini" => return (1, 4),
        ".rodata" => return (2, 0),
        ".eh_frame_hdr" => return (2, 2),
        ".eh_frame" => return (2, 3),
        ".gcc_except_table" => return (2, 4),
        ".tdata" => return (3, 0),
        ".tbss" => return (3, 1),
        ".preinit_array" => return (3, 2),
        ".init_array" => return (3, 3),
        ".fini_array" => return (3, 4),
        ".data.rel.ro" => return (3, 5),
        ".dynamic" => return (3, 6),
        ".got" => return (3, 7),
        ".got.plt" => return if now { (3, 8) } else { (4, 0) },
        ".data" => return (4, 1),
        ".bss" => return (4, 3),
        _ => {}
    }
    if flags & SHF_ALLOC == 0 {
        return (5, 0); // not loaded: after everything else in the file
    }
    if kind == SHT_NOTE {
        return (0, 1);
    }
    if flags & SHF_EXECINSTR != 0 {
        return (1, 3);
    }
    if flags & SHF_WRITE == 0 {
        return (2, 1);
    }
    if flags & SHF_TLS != 0 {
        return if kind == SHT_NOBITS { (3, 1) } else { (3, 0) };
    }
    if kind == SHT_NOBITS {
        (4, 4)
    } else {
        (4, 2)
    }
}

/// Init/fini priority of `.init_array.NNNNN` (unsuffixed sections run last).
fn priority(name: &str) -> u64 {
    name.rsplit_once('.').and_then(|(_, n)| n.parse().ok()).unwrap_or(u64::MAX)
}

impl Linker {
    pub fn build_sections(&mut self, img: &mut Image) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let now = self.opts.z_now;
        let strip = self.opts.strip_all || self.opts.strip_debug;
        for (oi, obj) in self.objs.iter().enumerate() {
            for (si, s) in obj.sections.iter().enumerate() {
                if !s.live || (strip && s.flags & SHF_ALLOC == 0) {
                    continue;
                }
                let name = output_name(&s.name);
                let kind = if s.kind == SHT_X86_64_UNWIND { SHT_PROGBITS } else { s.kind };
                let idx = *by_name.entry(name.to_string()).or_insert_with(|| {
                    let flags = s.flags & (SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR | SHF_TLS | SHF_MERGE | SHF_STRINGS);
                    img.secs.push(OutSec::new(name, kind, flags, 1, None, placement(name, kind, s.flags, now)));
                    img.secs.len() - 1
                });
                let o = &mut img.secs[idx];
                o.align = o.align.max(s.align);
                o.flags |= s.flags & (SHF_WRITE | SHF_EXECINSTR);
                if kind != SHT_NOBITS && o.kind == SHT_NOBITS {
                    o.kind = SHT_PROGBITS;
                }
                o.members.push((oi, si));
            }
        }
        for o in img.secs.iter_mut() {
            if o.name == ".init_array" || o.name == ".fini_array" || o.name == ".preinit_array" {
                let objs = &self.objs;
                o.members.sort_by_key(|&(oi, si)| priority(&objs[oi].sections[si].name));
            }
        }
        self.add_synthetic(img, now);
        // Member offsets.
        for (i, o) in img.secs.iter_mut().enumerate() {
            let mut off = 0;
            // .eh_frame is read as one list of records: padding between inputs would be
            // a zero-length terminator to unwinders that walk it (static executables).
            let packed = o.name == ".eh_frame";
            for &(oi, si) in &o.members {
                let s = &mut self.objs[oi].sections[si];
                off = align_up(off, if packed { s.align.min(4) } else { s.align });
                s.out = i;
                s.out_off = off;
                off += s.size;
            }
            if o.synth.is_none() {
                o.size = off;
            }
        }
    }

    pub fn add_synthetic(&self, img: &mut Image, now: bool) {
        use Synth::*;
        let add = |img: &mut Image, s: Synth, name: &str, kind: u32, flags: u64, align: u64| {
            img.secs.push(OutSec::new(name, kind, flags, align, Some(s), placement(name, kind, flags, now)));
            img.synth_idx.insert(s, img.secs.len() - 1);
        };
        let a = SHF_ALLOC;
        let aw = SHF_ALLOC | SHF_WRITE;
        if img.uses_ld_so() && img.kind != crate::args::OutputKind::Shared && !self.opts.no_dynamic_linker {
            add(img, Interp, ".interp", SHT_PROGBITS, a, 1);
        }
        if self.opts.build_id {
            add(img, BuildId, ".note.gnu.build-id", SHT_NOTE, a, 4);
        }
        if img.dynamic() {
            if self.opts.hash_sysv {
                add(img, Hash, ".hash", SHT_HASH, a, 8);
            }
            if self.opts.hash_gnu {
                add(img, GnuHash, ".gnu.hash", SHT_GNU_HASH, a, 8);
            }
            add(img, DynSym, ".dynsym", SHT_DYNSYM, a, 8);
            add(img, DynStr, ".dynstr", SHT_STRTAB, a, 1);
            add(img, VerSym, ".gnu.version", SHT_GNU_VERSYM, a, 2);
            add(img, VerNeed, ".gnu.version_r", SHT_GNU_VERNEED, a, 8);
            if (!self.opts.version_scripts.is_empty() || self.script_versions) && img.kind == crate::args::OutputKind::Shared {
                add(img, VerDef, ".gnu.version_d", SHT_GNU_VERDEF, a, 8);
            }
            add(img, Dynamic, ".dynamic", SHT_DYNAMIC, aw, 8);
        }
        add(img, RelaDyn, ".rela.dyn", SHT_RELA, a, 8);
        add(img, RelaPlt, ".rela.plt", SHT_RELA, a, 8);
        add(img, Plt, ".plt", SHT_PROGBITS, a | SHF_EXECINSTR, 16);
        add(img, Got, ".got", SHT_PROGBITS, aw, 8);
        add(img, GotPlt, ".got.plt", SHT_PROGBITS, aw, 8);
        // (Under a linker script the output sections do not exist yet: look at the inputs.)
        let has_eh_frame = img.secs.iter().any(|s| s.name == ".eh_frame") || (self.opts.script.is_some() && self.objs.iter().any(|o| o.sections.iter().any(|s| s.live && s.name == ".eh_frame")));
        if self.opts.eh_frame_hdr && has_eh_frame {
            add(img, EhFrameHdr, ".eh_frame_hdr", SHT_PROGBITS, a, 4);
        }
    }
}
