//! Module-level assembly output shared by the targets: sections, symbols,
//! data, aliases, constructors and the constant pool. A target supplies
//! only its header directives and how one function is written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use ccc_ir::{Callee, CodegenOptions, Function, Global, InitPiece, InstKind, Linkage, Module, SymbolAttrs, Visibility};

/// Which symbols bind locally (no GOT/PLT needed under -fPIC) and which are defined here.
pub struct SymInfo {
    local: HashSet<String>,
    defined: HashSet<String>,
    /// Declared weak and not defined here: may resolve to nothing (address 0).
    weak_undefined: HashSet<String>,
}

impl SymInfo {
    pub fn new(m: &Module) -> SymInfo {
        let mut local = HashSet::new();
        let mut defined = HashSet::new();
        let binds_local = |a: &SymbolAttrs| a.linkage == Linkage::Internal || a.visibility != Visibility::Default;
        for f in &m.functions {
            defined.insert(f.name.clone());
            if binds_local(&f.attrs) {
                local.insert(f.name.clone());
            }
        }
        for g in &m.globals {
            defined.insert(g.name.clone());
            if binds_local(&g.attrs) {
                local.insert(g.name.clone());
            }
        }
        for a in &m.aliases {
            defined.insert(a.name.clone());
            if binds_local(&a.attrs) {
                local.insert(a.name.clone());
            }
        }
        let mut weak_undefined = HashSet::new();
        for d in &m.decls {
            if d.visibility != Visibility::Default && !d.weak {
                local.insert(d.name.clone());
            }
            if d.weak && !defined.contains(&d.name) {
                weak_undefined.insert(d.name.clone());
            }
        }
        SymInfo { local, defined, weak_undefined }
    }

    pub fn is_weak_undefined(&self, name: &str) -> bool {
        self.weak_undefined.contains(name)
    }

    pub fn is_local(&self, name: &str) -> bool {
        name.starts_with(".L") || self.local.contains(name)
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.defined.contains(name)
    }
}

/// Read-only constants referenced by code (float literals, masks).
#[derive(Default)]
pub struct ConstPool {
    entries: Vec<(Vec<u8>, u32)>,
    map: HashMap<(Vec<u8>, u32), usize>,
    asm_ids: u32,
}

impl ConstPool {
    pub fn get(&mut self, bytes: &[u8], align: u32) -> String {
        let key = (bytes.to_vec(), align);
        let n = match self.map.get(&key) {
            Some(&n) => n,
            None => {
                self.entries.push(key.clone());
                self.map.insert(key, self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        format!(".LCPI{n}")
    }

    pub fn next_asm_id(&mut self) -> u32 {
        self.asm_ids += 1;
        self.asm_ids
    }
}

pub fn log2(a: u64) -> u32 {
    63 - a.max(1).leading_zeros()
}

pub fn symbol_directives(out: &mut String, name: &str, attrs: &SymbolAttrs) {
    match attrs.linkage {
        Linkage::External => {
            let _ = writeln!(out, "\t.globl\t{name}");
        }
        Linkage::Weak => {
            let _ = writeln!(out, "\t.weak\t{name}");
        }
        Linkage::Internal => {}
    }
    match attrs.visibility {
        Visibility::Default => {}
        Visibility::Hidden => {
            let _ = writeln!(out, "\t.hidden\t{name}");
        }
        Visibility::Protected => {
            let _ = writeln!(out, "\t.protected\t{name}");
        }
        Visibility::Internal => {
            let _ = writeln!(out, "\t.internal\t{name}");
        }
    }
}

/// The per-target part of module output: one function's text.
pub type EmitFn<'a> = dyn FnMut(&mut String, &Function, usize, &SymInfo, &mut ConstPool, &[u32]) -> Result<(), String> + 'a;

/// The name `.file` gives the object's STT_FILE symbol: the source without its
/// directories, as GCC's `output_file_directive` does, so that objects (and the
/// symbol table of whatever links them) do not depend on where the tree is.
pub fn file_directive_name(source: &str) -> &str {
    source.rsplit('/').next().filter(|b| !b.is_empty()).unwrap_or(source)
}

/// Write a whole module: `header` (target directives) after `.file`, each
/// function through `emit_fn`, then data, aliases, constructors and constants.
pub fn emit_module(m: &Module, opts: &CodegenOptions, header: &str, emit_fn: &mut EmitFn) -> Result<String, String> {
    let syms = SymInfo::new(m);
    let mut consts = ConstPool::default();
    let mut out = String::with_capacity(64 * 1024);
    if !m.source_name.is_empty() {
        let _ = writeln!(out, "\t.file\t\"{}\"", escape(file_directive_name(&m.source_name).as_bytes()));
    }
    out.push_str(header);
    for a in &m.toplevel_asm {
        out.push_str(a);
        out.push('\n');
    }
    out.push_str("\t.text\n");
    // blocks whose address appears in static initialisers
    let mut label_refs: HashMap<&str, Vec<u32>> = HashMap::new();
    for g in &m.globals {
        for p in g.init.iter().flatten() {
            if let InitPiece::LabelAddr { function, block, .. } = p {
                label_refs.entry(function.as_str()).or_default().push(*block);
            }
        }
    }
    for (i, f) in m.functions.iter().enumerate() {
        let extra = label_refs.get(f.name.as_str()).cloned().unwrap_or_default();
        emit_fn(&mut out, f, i, &syms, &mut consts, &extra).map_err(|e| format!("in function '{}': {e}", f.name))?;
    }
    let mut section_flags = BTreeMap::new();
    for g in &m.globals {
        emit_global(&mut out, g, opts, &mut section_flags);
    }
    for a in &m.aliases {
        symbol_directives(&mut out, &a.name, &a.attrs);
        let _ = writeln!(out, "\t.type\t{}, @{}", a.name, if a.is_function { "function" } else { "object" });
        let _ = writeln!(out, "\t.set\t{}, {}", a.name, a.target);
    }
    let referenced = referenced_symbols(m);
    for d in &m.decls {
        // As GCC: visibility directives only for symbols this object uses or
        // defines (an undefined hidden symbol nobody references fails the link;
        // `#pragma GCC visibility` makes every declaration hidden).
        if !syms.is_defined(&d.name) && !referenced.contains(d.name.as_str()) {
            if d.weak {
                let _ = writeln!(out, "\t.weak\t{}", d.name);
            }
            continue;
        }
        if d.weak && !syms.is_defined(&d.name) {
            let _ = writeln!(out, "\t.weak\t{}", d.name);
        }
        match d.visibility {
            Visibility::Hidden => {
                let _ = writeln!(out, "\t.hidden\t{}", d.name);
            }
            Visibility::Protected => {
                let _ = writeln!(out, "\t.protected\t{}", d.name);
            }
            _ => {}
        }
    }
    for (list, sec) in [(&m.constructors, ".init_array"), (&m.destructors, ".fini_array")] {
        for (name, prio) in list {
            match prio {
                Some(p) => {
                    let _ = writeln!(out, "\t.section\t{sec}.{p:05},\"aw\"");
                }
                None => {
                    let _ = writeln!(out, "\t.section\t{sec},\"aw\"");
                }
            }
            let _ = writeln!(out, "\t.p2align\t{}\n\t{}\t{name}", log2(ccc_ir::Type::Ptr.size() as u64), ptr_directive());
        }
    }
    if !consts.entries.is_empty() {
        out.push_str("\t.section\t.rodata\n");
        for (i, (bytes, align)) in consts.entries.iter().enumerate() {
            let _ = writeln!(out, "\t.p2align\t{}\n.LCPI{i}:", log2(*align as u64));
            write_bytes(&mut out, bytes);
        }
    }
    // Trampolines run on the stack.
    let stack_flags = if m.exec_stack { "x" } else { "" };
    let _ = writeln!(out, "\t.section\t.note.GNU-stack,\"{stack_flags}\",@progbits");
    Ok(out)
}

fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\{c:03o}");
            }
        }
    }
    s
}

fn write_bytes(out: &mut String, b: &[u8]) {
    let printable = b.iter().filter(|c| (0x20..0x7f).contains(*c)).count();
    if b.len() >= 8 && printable * 4 >= b.len() * 3 {
        for chunk in b.chunks(64) {
            let _ = writeln!(out, "\t.ascii\t\"{}\"", escape(chunk));
        }
        return;
    }
    for chunk in b.chunks(16) {
        let v: Vec<String> = chunk.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(out, "\t.byte\t{}", v.join(","));
    }
}

/// `section_flags`: the flags each named section got from its first object. Later
/// objects reuse them, as GCC does (GNU as rejects a section whose flags change).
fn emit_global(out: &mut String, g: &Global, opts: &CodegenOptions, section_flags: &mut BTreeMap<String, &'static str>) {
    let name = &g.name;
    let zero = match &g.init {
        None => true,
        Some(ps) => ps.iter().all(|p| match p {
            InitPiece::Zero(_) => true,
            InitPiece::Bytes(b) => b.iter().all(|&c| c == 0),
            _ => false,
        }),
    };
    if g.common && g.init.is_none() && g.attrs.section.is_none() && !g.thread_local {
        if g.attrs.linkage == Linkage::Internal {
            let _ = writeln!(out, "\t.local\t{name}");
        }
        let _ = writeln!(out, "\t.comm\t{name},{},{}", g.size, g.align.max(1));
        return;
    }
    let has_reloc = g.init.iter().flatten().any(|p| matches!(p, InitPiece::Addr { .. } | InitPiece::LabelAddr { .. }));
    // Const data stays read-only unless position-independent code must relocate it at
    // load time (GCC's rule, also for named sections: the kernel's `__initconst`).
    let read_only_data = g.readonly && !(has_reloc && (opts.pic || opts.pie));
    let (base, flags, nobits) = if g.thread_local {
        if zero {
            (".tbss", "awT", true)
        } else {
            (".tdata", "awT", false)
        }
    } else if read_only_data {
        (".rodata", "a", false)
    } else if g.readonly {
        (".data.rel.ro", "aw", false)
    } else if zero {
        (".bss", "aw", true)
    } else {
        (".data", "aw", false)
    };
    match &g.attrs.section {
        Some(s) => {
            let nb = s.starts_with(".bss") || s.starts_with(".tbss");
            let own = if s.starts_with(".tdata") || s.starts_with(".tbss") { "awT" } else if read_only_data { "a" } else { "aw" };
            let fl = *section_flags.entry(s.clone()).or_insert(own);
            let _ = writeln!(out, "\t.section\t{s},\"{fl}\",@{}", if nb { "nobits" } else { "progbits" });
        }
        None if opts.data_sections => {
            let _ = writeln!(out, "\t.section\t{base}.{name},\"{flags}\",@{}", if nobits { "nobits" } else { "progbits" });
        }
        None => match base {
            ".data" => out.push_str("\t.data\n"),
            ".bss" => out.push_str("\t.bss\n"),
            _ => {
                let _ = writeln!(out, "\t.section\t{base},\"{flags}\",@{}", if nobits { "nobits" } else { "progbits" });
            }
        },
    }
    symbol_directives(out, name, &g.attrs);
    let _ = writeln!(out, "\t.type\t{name}, @{}", if g.thread_local { "tls_object" } else { "object" });
    let _ = writeln!(out, "\t.size\t{name}, {}", g.size);
    if g.align > 1 {
        let _ = writeln!(out, "\t.p2align\t{}", log2(g.align as u64));
    }
    let _ = writeln!(out, "{name}:");
    let nobits_sec = g.attrs.section.as_deref().map(|s| s.starts_with(".bss") || s.starts_with(".tbss")).unwrap_or(nobits);
    match &g.init {
        Some(ps) if !(zero && nobits_sec) => {
            let mut written = 0u64;
            for p in ps {
                match p {
                    InitPiece::Bytes(b) => {
                        write_bytes(out, b);
                        written += b.len() as u64;
                    }
                    InitPiece::Zero(n) => {
                        if *n > 0 {
                            let _ = writeln!(out, "\t.zero\t{n}");
                        }
                        written += n;
                    }
                    InitPiece::Addr { symbol, addend } => {
                        if *addend != 0 {
                            let _ = writeln!(out, "\t{}\t{symbol}{addend:+}", ptr_directive());
                        } else {
                            let _ = writeln!(out, "\t{}\t{symbol}", ptr_directive());
                        }
                        written += u64::from(ccc_ir::Type::Ptr.size());
                    }
                    InitPiece::LabelAddr { function, block, addend } => {
                        let _ = writeln!(out, "\t{}\t.Lba.{function}.{block}{addend:+}", ptr_directive());
                        written += u64::from(ccc_ir::Type::Ptr.size());
                    }
                }
            }
            if written < g.size {
                let _ = writeln!(out, "\t.zero\t{}", g.size - written);
            }
        }
        _ => {
            let _ = writeln!(out, "\t.zero\t{}", g.size.max(1));
        }
    }
}

/// The data directive of a pointer (`.quad`, `.long` for 4-byte pointers).
fn ptr_directive() -> &'static str {
    if ccc_ir::Type::Ptr.size() == 4 { ".long" } else { ".quad" }
}

/// Symbols the module's code and data refer to.
fn referenced_symbols(m: &Module) -> HashSet<&str> {
    let mut r = HashSet::new();
    for f in &m.functions {
        for b in &f.blocks {
            for i in &b.insts {
                match &i.kind {
                    InstKind::GlobalAddr { name, .. } | InstKind::TlsAddr { name, .. } | InstKind::Call { callee: Callee::Direct(name), .. } => {
                        r.insert(name.as_str());
                    }
                    _ => {}
                }
            }
        }
    }
    for g in &m.globals {
        for p in g.init.iter().flatten() {
            if let InitPiece::Addr { symbol, .. } = p {
                r.insert(symbol.as_str());
            }
        }
    }
    for a in &m.aliases {
        r.insert(a.target.as_str());
    }
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_directive_has_no_directories() {
        use super::file_directive_name as f;
        assert_eq!(f("/work/src/linux/init/main.c"), "main.c");
        assert_eq!(f("../x/a.c"), "a.c");
        assert_eq!(f("a.c"), "a.c");
        assert_eq!(f("-"), "-");
        assert_eq!(f("dir/"), "dir/");
    }
}
