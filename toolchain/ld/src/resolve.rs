//! Loading inputs in command-line order and resolving symbols: objects, archive members
//! pulled in by undefined references, shared libraries, scripts, groups.

use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::Path;

use crate::archive::{is_archive, Archive};
use crate::args::{Input, InputFlags, Options};
use crate::elf::*;
use crate::error::Result;
use crate::object::Object;
use crate::script;
use crate::shared::SharedLib;
use crate::{bail, err};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Def {
    Undef,
    /// Defined in objs[obj].syms[sym] (a section or absolute).
    Regular { obj: usize, sym: usize },
    /// A common symbol; gets space in .bss.
    Common { obj: usize, sym: usize },
    Shared { lib: usize, idx: usize },
    /// Made by the linker (`_end`, `__start_SEC`, `--defsym`); value set at layout.
    Linker,
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub def: Def,
    pub weak_def: bool,
    /// Referenced by a regular object; `strong_ref` if by a non-weak reference.
    pub referenced: bool,
    pub strong_ref: bool,
    pub ref_obj: Option<usize>,
    /// Most constraining visibility seen (0 = default).
    pub vis: u8,
    /// Value of a Linker symbol.
    pub value: u64,
    /// The output section a Linker symbol is defined in (None: absolute).
    pub out_sec: Option<usize>,
}

pub struct Linker {
    pub opts: Options,
    pub target: &'static dyn crate::arch::Target,
    pub objs: Vec<Object>,
    pub libs: Vec<SharedLib>,
    pub syms: Vec<Symbol>,
    pub names: HashMap<String, usize>,
    comdats: HashSet<String>,
    archives: Vec<(Archive, HashSet<usize>)>,
    /// Duplicate-definition and similar errors, reported together.
    pub errors: Vec<String>,
    /// A linker script's VERSION command defines versions (like `--version-script`).
    pub script_versions: bool,
    /// Sections a script's KEEP names: `--gc-sections` roots.
    pub gc_keep: Vec<(usize, usize)>,
    /// `__start_SEC`/`__stop_SEC` symbols the scripted layout defines (values per walk).
    pub start_stop: Vec<usize>,
    /// Narrow absolute relocations in position-independent output against symbols the
    /// linker defines (object, relocation type, symbol): allowed when layout makes the
    /// symbol absolute (arm64's `_kernel_size_le_lo32 = (_end - _text) & ...`), checked
    /// then (see `Linker::check_abs_refs`).
    pub abs_checks: Vec<(usize, u32, usize)>,
}

fn read(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| err!("cannot open {}: {}", path, e.to_string().split(" (os error").next().unwrap_or("")))
}

impl Linker {
    pub fn new(opts: Options, target: &'static dyn crate::arch::Target) -> Linker {
        Linker { opts, target, objs: vec![], libs: vec![], syms: vec![], names: HashMap::default(), comdats: HashSet::default(), archives: vec![], errors: vec![], script_versions: false, gc_keep: vec![], start_stop: vec![], abs_checks: vec![] }
    }

    pub fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.names.get(name) {
            return i;
        }
        let i = self.syms.len();
        self.syms.push(Symbol { name: name.to_string(), def: Def::Undef, weak_def: false, referenced: false, strong_ref: false, ref_obj: None, vis: 0, value: 0, out_sec: None });
        self.names.insert(name.to_string(), i);
        i
    }

    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }

    pub fn load_all(&mut self) -> Result<()> {
        for u in self.opts.undefined.clone() {
            let id = self.intern(&u);
            self.syms[id].strong_ref = true;
        }
        let inputs = self.opts.inputs.clone();
        let mut group: Option<Vec<usize>> = None;
        for inp in &inputs {
            match inp {
                Input::GroupStart => group = Some(vec![]),
                Input::GroupEnd => {
                    if let Some(g) = group.take() {
                        self.resolve_group(&g)?;
                    }
                }
                Input::File(p, f) => self.load_path(p, *f, &mut group)?,
                Input::Lib(n, f) => {
                    let p = self.find_lib(n, f.static_only || self.opts.static_link)?;
                    self.load_path(&p, *f, &mut group)?
                }
            }
        }
        if let Some(g) = group.take() {
            self.resolve_group(&g)?;
        }
        // A library is needed when a regular object's reference resolved to it.
        for s in &self.syms {
            if let Def::Shared { lib, .. } = s.def {
                if s.referenced {
                    self.libs[lib].used = true;
                }
            }
        }
        Ok(())
    }

    fn find_lib(&self, name: &str, static_only: bool) -> Result<String> {
        if let Some(file) = name.strip_prefix(':') {
            for d in &self.opts.lib_paths {
                let p = Path::new(d).join(file);
                if p.exists() {
                    return Ok(p.to_string_lossy().into_owned());
                }
            }
        } else {
            for d in &self.opts.lib_paths {
                if !static_only {
                    let p = Path::new(d).join(format!("lib{name}.so"));
                    if p.exists() {
                        return Ok(p.to_string_lossy().into_owned());
                    }
                }
                let p = Path::new(d).join(format!("lib{name}.a"));
                if p.exists() {
                    return Ok(p.to_string_lossy().into_owned());
                }
            }
        }
        bail!("cannot find -l{}", name)
    }

    fn load_path(&mut self, path: &str, flags: InputFlags, group: &mut Option<Vec<usize>>) -> Result<()> {
        let data = read(path)?;
        if is_elf(&data) {
            let kind = if data.len() >= 18 { u16::from_le_bytes([data[16], data[17]]) } else { 0 };
            if kind == ET_DYN {
                if self.opts.static_link {
                    bail!("attempted static link of dynamic object `{}'", path);
                }
                let lib = SharedLib::parse(path.to_string(), &data, flags.as_needed, self.target.machine())?;
                self.add_shared(lib);
                return Ok(());
            }
            return self.add_object(Object::parse(path.to_string(), data, self.target)?);
        }
        if is_archive(&data) {
            let ar = Archive::parse(path.to_string(), data)?;
            let idx = self.archives.len();
            self.archives.push((ar, HashSet::default()));
            if flags.whole_archive {
                for off in self.archives[idx].0.all_members()? {
                    self.load_member(idx, off)?;
                }
                return Ok(());
            }
            self.extract(idx)?;
            if let Some(g) = group.as_mut() {
                g.push(idx);
            }
            return Ok(());
        }
        if !script::looks_like_script(&data) {
            bail!("{}: file format not recognized", path);
        }
        let text = String::from_utf8_lossy(&data).into_owned();
        let sc = script::parse(path, &text)?;
        self.opts.lib_paths.extend(sc.search_dirs.iter().cloned());
        if sc.entry.is_some() && self.opts.entry.is_none() {
            self.opts.entry = sc.entry.clone();
        }
        let dir = Path::new(path).parent().map(|p| p.to_path_buf()).unwrap_or_default();
        for (is_group, list) in sc.groups {
            let mut g: Option<Vec<usize>> = if is_group { Some(vec![]) } else { group.take() };
            for item in list {
                let f = InputFlags { as_needed: flags.as_needed || item.as_needed, ..flags };
                let p = if item.is_lib {
                    self.find_lib(&item.name, flags.static_only)?
                } else {
                    self.script_path(&item.name, &dir)?
                };
                self.load_path(&p, f, &mut g)?;
            }
            if is_group {
                if let Some(g) = g {
                    self.resolve_group(&g)?;
                }
            } else {
                *group = g;
            }
        }
        Ok(())
    }

    /// A file named in a script: as given (under --sysroot for absolute names), then
    /// beside the script, then in the library path.
    fn script_path(&self, name: &str, dir: &Path) -> Result<String> {
        let mut cands = vec![];
        if name.starts_with('/') && !self.opts.sysroot.is_empty() {
            cands.push(format!("{}{}", self.opts.sysroot, name));
        }
        cands.push(name.to_string());
        cands.push(dir.join(name).to_string_lossy().into_owned());
        for d in &self.opts.lib_paths {
            cands.push(Path::new(d).join(name).to_string_lossy().into_owned());
        }
        cands.into_iter().find(|c| Path::new(c).exists()).ok_or_else(|| err!("cannot find {}", name))
    }

    fn resolve_group(&mut self, g: &[usize]) -> Result<()> {
        loop {
            let before = self.objs.len();
            for &a in g {
                self.extract(a)?;
            }
            if self.objs.len() == before {
                return Ok(());
            }
        }
    }

    fn wants(&self, name: &str) -> bool {
        match self.names.get(name) {
            Some(&i) => self.syms[i].def == Def::Undef && self.syms[i].strong_ref,
            None => false,
        }
    }

    /// Load members that define currently undefined symbols, until none is left.
    fn extract(&mut self, a: usize) -> Result<()> {
        loop {
            let mut added = false;
            for k in 0..self.archives[a].0.index.len() {
                let off = {
                    let (name, off) = &self.archives[a].0.index[k];
                    if self.archives[a].1.contains(off) || !self.wants(name) {
                        continue;
                    }
                    *off
                };
                self.load_member(a, off)?;
                added = true;
            }
            if !added {
                return Ok(());
            }
        }
    }

    fn load_member(&mut self, a: usize, off: usize) -> Result<()> {
        if !self.archives[a].1.insert(off) {
            return Ok(());
        }
        let m = self.archives[a].0.member(off)?;
        let name = format!("{}({})", self.archives[a].0.name, m.name);
        if !is_elf(&m.data) {
            return Ok(()); // GNU ld skips non-object members (e.g. LLVM bitcode needs a plugin)
        }
        self.add_object(Object::parse(name, m.data, self.target)?)
    }

    /// `--wrap=SYM`: undefined `SYM` means `__wrap_SYM`, undefined `__real_SYM` means `SYM`.
    fn wrapped(&self, name: &str) -> Option<String> {
        if self.opts.wrap.is_empty() {
            return None;
        }
        if self.opts.wrap.iter().any(|w| w == name) {
            return Some(format!("__wrap_{name}"));
        }
        name.strip_prefix("__real_").filter(|r| self.opts.wrap.iter().any(|w| w == r)).map(str::to_string)
    }

    fn add_shared(&mut self, lib: SharedLib) {
        let li = self.libs.len();
        for (idx, s) in lib.syms.iter().enumerate() {
            let id = self.intern(&s.name);
            if self.syms[id].def == Def::Undef {
                self.syms[id].def = Def::Shared { lib: li, idx };
                self.syms[id].weak_def = s.bind == STB_WEAK;
            }
        }
        self.libs.push(lib);
    }

    pub fn add_object(&mut self, mut obj: Object) -> Result<()> {
        self.target.prepare_object(&mut obj, self.opts.relocatable)?;
        // Slim LTO objects hold only GCC's intermediate code; GNU ld compiles them through
        // the plugin, which we do not run: linking them would silently drop their code.
        if obj.syms.iter().any(|s| s.name == "__gnu_lto_slim") {
            bail!("{}: LTO object (compiled with -flto) needs the GCC linker plugin, which ccc-ld does not support; use -ffat-lto-objects or -fno-lto", obj.name);
        }
        let oi = self.objs.len();
        // COMDAT: the first group with a signature wins; later copies are dropped.
        let mut dropped = HashSet::default();
        for (sig, members) in &obj.groups {
            if !self.comdats.insert(sig.clone()) {
                dropped.extend(members.iter().copied());
            }
        }
        for &m in &dropped {
            if let Some(s) = obj.sections.get_mut(m as usize) {
                s.live = false;
                s.discarded = true;
            }
        }
        let mut ids = Vec::with_capacity(obj.syms.len() - obj.first_global);
        for si in obj.first_global..obj.syms.len() {
            let s = &obj.syms[si];
            let undef = s.is_undef() || dropped.contains(&s.shndx);
            let id = match self.wrapped(&s.name).filter(|_| s.is_undef()) {
                Some(w) => self.intern(&w),
                None => self.intern(&s.name),
            };
            ids.push(id);
            let sym = &mut self.syms[id];
            if s.vis != STV_DEFAULT && (sym.vis == STV_DEFAULT || s.vis < sym.vis) {
                sym.vis = s.vis;
            }
            if undef {
                sym.referenced = true;
                if s.bind != STB_WEAK {
                    sym.strong_ref = true;
                }
                if sym.ref_obj.is_none() {
                    sym.ref_obj = Some(oi);
                }
                continue;
            }
            let weak = s.bind == STB_WEAK;
            let new = if s.is_common() { Def::Common { obj: oi, sym: si } } else { Def::Regular { obj: oi, sym: si } };
            match sym.def {
                Def::Undef | Def::Shared { .. } => {
                    sym.def = new;
                    sym.weak_def = weak;
                }
                Def::Common { obj: o2, sym: s2 } => {
                    let old_size = self.objs[o2].syms[s2].size;
                    match new {
                        Def::Common { .. } if s.size > old_size => sym.def = new,
                        Def::Regular { .. } if !weak => {
                            sym.def = new;
                            sym.weak_def = false;
                        }
                        _ => {}
                    }
                }
                Def::Regular { obj: o2, .. } => {
                    if matches!(new, Def::Regular { .. }) {
                        if sym.weak_def && !weak {
                            sym.def = new;
                            sym.weak_def = false;
                        } else if !sym.weak_def && !weak && !self.opts.allow_multiple_definition {
                            let first = self.objs[o2].name.clone();
                            self.errors.push(format!("{}: multiple definition of `{}'; {}: first defined here", obj.name, s.name, first));
                        }
                    }
                }
                Def::Linker => {}
            }
        }
        obj.global_ids = ids;
        self.objs.push(obj);
        Ok(())
    }
}
