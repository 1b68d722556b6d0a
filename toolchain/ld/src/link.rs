//! The link as a sequence of stages, and writing the result atomically.

use std::io::Write;

use crate::args::Options;
use crate::error::Result;
use crate::image::Image;
use crate::object::NO_OUT;
use crate::resolve::{Def, Linker};
use crate::{bail, err};

pub fn link(mut opts: Options) -> Result<()> {
    let script = match &opts.script {
        Some(path) => Some(crate::script::load(path, &opts.lib_paths)?),
        None => None,
    };
    if let Some(s) = &script {
        for f in &s.inputs {
            opts.inputs.push(crate::args::Input::File(f.clone(), Default::default()));
        }
    }
    let target = crate::arch::select(&opts)?;
    if !opts.max_page_size_given {
        opts.max_page_size = target.max_page_size();
    }
    let mut l = Linker::new(opts, target);
    l.load_all()?;

    if l.opts.relocatable {
        if !l.errors.is_empty() {
            bail!("{}", l.errors.join("\nld: "));
        }
        let plan = script.as_ref().filter(|s| s.has_sections).map(|s| l.relocatable_plan(s));
        let bytes = l.write_relocatable_with(plan)?;
        return write_atomically(&l.opts.output, &bytes, false);
    }
    if let Some(s) = script.filter(|s| s.has_sections) {
        return link_scripted(l, s);
    }
    l.apply_defsyms()?;
    let mut img = l.new_image();
    if l.opts.gc_sections {
        l.gc_sections(img.kind == crate::args::OutputKind::Shared);
    }
    l.prune_eh_frames();
    l.build_sections(&mut img);
    l.claim_linker_symbols(&img);
    let mut errors = std::mem::take(&mut l.errors);
    errors.extend(l.undefined_errors(&img));
    if !errors.is_empty() {
        errors.truncate(50);
        bail!("{}", errors.join("\nld: "));
    }
    img.exec_stack = exec_stack(&l);
    l.apply_version_scripts(&mut img)?;
    l.read_dynamic_lists()?;
    l.scan(&mut img)?;
    l.prepare_dynamic(&mut img);
    img.eh_fde_count = l.count_fdes();
    l.size_synthetic(&mut img);
    l.layout(&mut img);
    finish(&mut l, &mut img)
}

/// The pipeline under a `-T` script: placement and addresses come from the script.
fn link_scripted(mut l: Linker, mut script: crate::script::ast::Script) -> Result<()> {
    if script.insert.is_some() {
        script = crate::scripted::with_default_layout(script, l.opts.output_kind(), l.opts.script.as_deref().unwrap_or(""))?;
    }
    l.apply_defsyms()?;
    let mut img = l.new_image();
    l.define_script_symbols(&mut script);
    l.script_versions = !script.versions.is_empty();
    if l.opts.entry.is_none() {
        l.opts.entry = script.entry.clone();
    }
    if l.opts.gc_sections {
        l.gc_keep = l.keep_roots(&img, &script);
        l.gc_sections(img.kind == crate::args::OutputKind::Shared);
    }
    l.prune_eh_frames();
    l.add_synthetic(&mut img, l.opts.z_now);
    // A static executable's IRELATIVE relocations are GNU's `.rela.iplt` input, which
    // scripts bracket with __rela_iplt_start/end.
    if img.kind == crate::args::OutputKind::StaticExec {
        if let Some(&i) = img.synth_idx.get(&crate::image::Synth::RelaPlt) {
            img.secs[i].name = ".rela.iplt".into();
        }
    }
    let mut steps = l.place_scripted(&mut img, &script)?;
    let mut errors = std::mem::take(&mut l.errors);
    let order: Vec<usize> = steps.iter().filter_map(|s| if let crate::scripted::place::Step::Section(p) = s { Some(p.out) } else { None }).collect();
    l.claim_start_stop(&img, &order);
    l.claim_script_linker_syms();
    errors.extend(l.undefined_errors(&img));
    if !errors.is_empty() {
        errors.truncate(50);
        bail!("{}", errors.join("\nld: "));
    }
    img.exec_stack = exec_stack(&l);
    l.apply_versions(&mut img, &script.versions)?;
    l.read_dynamic_lists()?;
    l.scan(&mut img)?;
    l.prepare_dynamic(&mut img);
    img.eh_fde_count = l.count_fdes();
    l.size_synthetic(&mut img);
    l.layout_scripted(&mut img, &script, &mut steps)?;
    finish(&mut l, &mut img)
}

/// After layout, with or without a script: symbol values, section indices, the file, the map.
fn finish(l: &mut Linker, img: &mut Image) -> Result<()> {
    l.check_abs_refs(img)?;
    l.resolve_defsym_values(img)?;
    l.assign_shdr_index(img);
    let bytes = l.write_image(img)?;
    if let Some(map) = &l.opts.print_map {
        std::fs::write(map, l.map_text(img)).map_err(|e| err!("cannot write map file {}: {}", map, e))?;
    }
    write_atomically(&l.opts.output, &bytes, true)
}

fn write_atomically(path: &str, bytes: &[u8], executable: bool) -> Result<()> {
    // A device (`-o /dev/null` in configure probes), FIFO or symlink is written through, as
    // GNU ld does: renaming over it would replace /dev/null with a regular file.
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.file_type().is_file() {
            return std::fs::write(path, bytes).map_err(|e| err!("cannot write {}: {}", path, e));
        }
    }
    let tmp = format!("{}.ccc-ld-tmp{}", path, std::process::id());
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(if executable { 0o755 } else { 0o644 }))?;
        }
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err!("cannot write {}: {}", path, e)
    })
}

impl Linker {
    pub fn undefined_errors(&self, img: &Image) -> Vec<String> {
        if img.kind == crate::args::OutputKind::Shared && !self.opts.no_undefined {
            return vec![];
        }
        let mut msgs = vec![];
        let used = self.referenced_from_live_sections();
        for (g, s) in self.syms.iter().enumerate() {
            // Executables relax every general/local-dynamic TLS sequence, so the calls to
            // __tls_get_addr that referenced it are gone (static glibc does not define it).
            if s.name == "__tls_get_addr" && img.kind != crate::args::OutputKind::Shared {
                continue;
            }
            // As GNU ld: only references that stay in the output count, not those from
            // sections a script discards or --gc-sections drops (`.discard.addressable`).
            if s.def == Def::Undef && s.strong_ref && used[g] {
                let msg = match s.ref_obj.and_then(|o| self.reference_site(o, g)).or_else(|| self.first_reference_site(g)) {
                    Some(site) => format!("{site}: undefined reference to `{}'", s.name),
                    None => format!("{}undefined reference to `{}'", s.ref_obj.map_or_else(String::new, |o| format!("{}: ", self.objs[o].name)), s.name),
                };
                msgs.push(msg);
            }
        }
        msgs
    }

    /// Hide what a version script makes local; remember each export's version.
    pub fn apply_version_scripts(&mut self, img: &mut Image) -> Result<()> {
        self.apply_versions(img, &[])
    }

    /// Version scripts from `--version-script` files and `VERSION` commands (file, text).
    pub fn apply_versions(&mut self, img: &mut Image, inline: &[(String, String)]) -> Result<()> {
        if (self.opts.version_scripts.is_empty() && inline.is_empty()) || img.kind != crate::args::OutputKind::Shared {
            return Ok(());
        }
        let mut nodes = vec![];
        for (file, text) in inline {
            nodes.extend(crate::version_script::parse(file, text)?);
        }
        for path in self.opts.version_scripts.clone() {
            let text = std::fs::read_to_string(&path).map_err(|e| err!("cannot open version script {}: {}", path, e))?;
            nodes.extend(crate::version_script::parse(&path, &text)?);
        }
        // Named nodes become versions 2, 3, ... in script order.
        let mut index = vec![1u16; nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            if let Some(name) = &n.name {
                img.verdefs.push(name.clone());
                index[i] = img.verdefs.len() as u16 + 1;
            }
        }
        for g in 0..self.syms.len() {
            if !matches!(self.syms[g].def, Def::Regular { .. } | Def::Common { .. }) {
                continue;
            }
            match crate::version_script::classify(&nodes, &self.syms[g].name) {
                Some(Some(i)) => {
                    img.sym_ver.insert(g, index[i]);
                }
                Some(None) => self.syms[g].vis = crate::elf::STV_HIDDEN,
                None => {}
            }
        }
        Ok(())
    }

    /// Where object `oi` first refers to global `g`, GNU style:
    /// "a.o: in function `main':\na.o:(.text+0x9)".
    /// Which global symbols a relocation in a live input section names.
    fn referenced_from_live_sections(&self) -> Vec<bool> {
        let mut used = vec![false; self.syms.len()];
        for (oi, o) in self.objs.iter().enumerate() {
            for sec in o.sections.iter().filter(|s| s.live) {
                for r in &sec.relocs {
                    if let crate::image::SymRef::Global(g) = self.symref(oi, r.sym) {
                        used[g] = true;
                    }
                }
            }
        }
        used
    }

    /// The first live reference to global `g` in any object.
    fn first_reference_site(&self, g: usize) -> Option<String> {
        (0..self.objs.len()).find_map(|oi| self.reference_site(oi, g))
    }

    fn reference_site(&self, oi: usize, g: usize) -> Option<String> {
        let o = &self.objs[oi];
        for (si, sec) in o.sections.iter().enumerate() {
            if !sec.live {
                continue;
            }
            for r in &sec.relocs {
                if self.symref(oi, r.sym) != crate::image::SymRef::Global(g) {
                    continue;
                }
                let func = o.syms.iter().find(|f| f.kind == crate::elf::STT_FUNC && f.shndx as usize == si && f.value <= r.offset && r.offset < f.value + f.size.max(1));
                let at = format!("{}:({}+{:#x})", o.name, sec.name, r.offset);
                return Some(match func {
                    Some(f) => format!("{}: in function `{}':\n{}", o.name, f.name, at),
                    None => at,
                });
            }
        }
        None
    }

    /// `-Map`: output sections and the input sections in them, with addresses.
    fn map_text(&self, img: &Image) -> String {
        let mut t = String::from("Linker script and memory map\n\n");
        for i in self.order(img) {
            let o = &img.secs[i];
            if o.size == 0 {
                continue;
            }
            t += &format!("{:<20} {:#018x} {:#10x}\n", o.name, o.addr, o.size);
            for &(oi, si) in &o.members {
                let s = &self.objs[oi].sections[si];
                t += &format!(" {:<19} {:#018x} {:#10x} {}\n", s.name, o.addr + s.out_off, s.size, self.objs[oi].name);
            }
        }
        t
    }

    /// `--dynamic-list FILE`: `{ sym; pattern*; };` joins the export patterns.
    pub fn read_dynamic_lists(&mut self) -> Result<()> {
        for path in self.opts.dynamic_lists.clone() {
            let text = std::fs::read_to_string(&path).map_err(|e| err!("cannot open dynamic list {}: {}", path, e))?;
            for n in crate::version_script::parse(&path, &text)? {
                self.opts.export_patterns.extend(n.global);
            }
        }
        Ok(())
    }

    pub fn count_fdes(&self) -> u64 {
        let mut n = 0;
        for o in &self.objs {
            for (i, s) in o.sections.iter().enumerate() {
                if s.live && s.out != NO_OUT && s.name == ".eh_frame" {
                    n += crate::ehframe::count_fdes(o.section_bytes(i));
                }
            }
        }
        n
    }

    /// `--defsym NAME=EXPR`: the symbol becomes linker-defined (value after layout).
    pub fn apply_defsyms(&mut self) -> Result<()> {
        for (name, _) in self.opts.defsyms.clone() {
            let g = self.intern(&name);
            self.syms[g].def = Def::Linker;
        }
        Ok(())
    }

    /// Evaluate `--defsym` expressions: NUMBER, SYMBOL, SYMBOL+NUMBER, SYMBOL-NUMBER.
    pub fn resolve_defsym_values(&mut self, img: &Image) -> Result<()> {
        for (name, expr) in self.opts.defsyms.clone() {
            let (base, off) = match expr.find(['+', '-']) {
                Some(i) if i > 0 => {
                    let n = parse_num(expr[i + 1..].trim()).ok_or_else(|| err!("--defsym: bad expression '{}'", expr))?;
                    (expr[..i].trim().to_string(), if &expr[i..i + 1] == "-" { n.wrapping_neg() } else { n })
                }
                _ => (expr.clone(), 0),
            };
            let v = match parse_num(&base) {
                Some(n) => n,
                None => match self.lookup(&base) {
                    Some(g) => self.sym_addr(img, crate::image::SymRef::Global(g)),
                    None => bail!("--defsym: undefined symbol `{}' referenced in expression", base),
                },
            };
            if let Some(g) = self.lookup(&name) {
                self.syms[g].value = v.wrapping_add(off);
            }
        }
        Ok(())
    }
}

fn parse_num(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

impl Linker {
    /// What the options ask for, except that an executable linked against no shared library
    /// is static: there is nothing for ld.so to do (GNU ld writes no `.interp`; AArch64 GCC
    /// links `-static` programs with just `-Bstatic`).
    fn new_image(&self) -> Image {
        let mut img = Image::new(self.output_kind());
        img.got_plt_reserved = self.target.got_plt_header(0).len() as u64;
        img
    }

    fn output_kind(&self) -> crate::args::OutputKind {
        match self.opts.output_kind() {
            crate::args::OutputKind::Exec if self.libs.is_empty() => crate::args::OutputKind::StaticExec,
            k => k,
        }
    }
}

/// Whether the stack is executable: `-z [no]execstack`, else when an input's
/// `.note.GNU-stack` asks for it, or (x86-64 only, as GNU ld) an input has no note.
fn exec_stack(l: &Linker) -> bool {
    let missing = l.target.missing_stack_note_is_exec();
    l.opts.z_execstack.unwrap_or_else(|| l.objs.iter().any(|o| o.gnu_stack.unwrap_or(missing)))
}
