//! Lowering of the typed AST to IR. Locals live in stack slots (loads and
//! stores); `mem2reg` in the optimiser promotes them later.

mod builtins;
mod cleanup;
mod complex;
mod expr;
mod func;
mod instrument;
mod nested;
mod on_demand;
mod printf;
mod stmt;

use std::collections::BTreeMap;

use ccc_ir as ir;
use ccc_ir::{InitPiece, Linkage, Module, SymbolAttrs, TargetInfo, Visibility};

use crate::ast::*;
use crate::diag::DiagEngine;
use crate::intern::Sym;
use crate::parse::ParsedUnit;
use crate::types::*;
use crate::FrontOptions;

pub use func::FnLower;

/// What the declarations of a unit say about its globals, for lowering uses.
#[derive(Default)]
pub struct UnitFacts {
    /// `_Thread_local` / `__thread` objects.
    pub thread_local: std::collections::HashSet<Sym>,
    /// Functions declared `noreturn` / `_Noreturn`.
    pub noreturn: std::collections::HashSet<Sym>,
}

impl UnitFacts {
    fn collect(items: &[TopLevel]) -> UnitFacts {
        let mut facts = UnitFacts::default();
        for item in items {
            match item {
                TopLevel::Global(g) if g.thread_local => {
                    facts.thread_local.insert(g.name);
                }
                TopLevel::Decl { name, thread_local, attrs, .. } => {
                    if *thread_local {
                        facts.thread_local.insert(*name);
                    }
                    if attrs.noreturn {
                        facts.noreturn.insert(*name);
                    }
                }
                TopLevel::Function(fd) if fd.attrs.noreturn => {
                    facts.noreturn.insert(fd.name);
                }
                _ => {}
            }
        }
        facts
    }
}

/// Lower a parsed unit to an IR module. Errors (unsupported constructs) are
/// reported to `diag`.
pub fn lower_unit(unit: &ParsedUnit, diag: &DiagEngine, target: &TargetInfo, opts: &FrontOptions) -> Option<Module> {
    let layout = Layout { target, tables: &unit.tables };
    let mut module = Module { source_name: opts.source_name.clone(), ..Default::default() };
    // Globals may be declared several times; the parser merged them, but
    // the object file needs each definition once, in first-seen order.
    let mut defined: BTreeMap<Sym, ()> = BTreeMap::new();
    let mut decls: Vec<(Sym, CType, DeclAttrs, bool)> = Vec::new();
    let mut ok = true;
    let mut facts = UnitFacts::collect(&unit.items);
    facts.noreturn.extend(unit.noreturn_fns.iter().copied());
    // Labels whose addresses static initializers take, per function.
    let mut static_labels: BTreeMap<Sym, Vec<Sym>> = BTreeMap::new();
    for d in unit.static_data.iter().flatten() {
        for (_, func, label, _) in &d.labels {
            static_labels.entry(*func).or_default().push(*label);
        }
    }
    let mut label_blocks: BTreeMap<(Sym, Sym), u32> = BTreeMap::new();
    let no_labels = Vec::new();
    // Lower what is wanted (see on_demand), then emit in source order.
    let mut lowered: Vec<Option<func::Lowered>> = (0..unit.items.len()).map(|_| None).collect();
    let mut demand = on_demand::Demand::new(&unit.items, &unit.static_data, opts);
    while let Some(i) = demand.next() {
        let TopLevel::Function(fd) = &unit.items[i] else { continue };
        let wanted = static_labels.get(&fd.name).unwrap_or(&no_labels);
        match FnLower::lower(fd, &layout, diag, target, opts, &facts, wanted) {
            Some(l) => {
                demand.referenced(l.0.referenced_symbols());
                lowered[i] = Some(l);
            }
            None => ok = false,
        }
    }
    for (item, lowered) in unit.items.iter().zip(lowered) {
        if let TopLevel::Function(fd) = item {
            defined.insert(fd.name, ());
            if let Some((f, strings, blocks)) = lowered {
                for (label, b) in blocks {
                    label_blocks.insert((fd.name, label), b);
                }
                for (name, bytes) in strings {
                    module.globals.push(ir::Global {
                        name,
                        attrs: SymbolAttrs { linkage: Linkage::Internal, ..Default::default() },
                        size: bytes.len() as u64,
                        align: 1,
                        init: Some(vec![InitPiece::Bytes(bytes)]),
                        readonly: true,
                        thread_local: false,
                        common: false,
                    });
                }
                if let Some(p) = fd.attrs.constructor {
                    module.constructors.push((fd.name.to_string(), p));
                }
                if let Some(p) = fd.attrs.destructor {
                    module.destructors.push((fd.name.to_string(), p));
                }
                if let Some(target_name) = &fd.attrs.alias {
                    module.aliases.push(ir::Alias { name: fd.name.to_string(), target: target_name.clone(), attrs: symbol_attrs(&fd.attrs, fd.is_static), is_function: true });
                }
                module.exec_stack |= fd.frame.iter().any(|e| matches!(e, FrameEntry::Trampoline { used: true, .. }));
                module.functions.push(f);
            }
        }
    }
    for (i, item) in unit.items.iter().enumerate() {
        match item {
            TopLevel::Function(_) => {}
            TopLevel::Global(g) => {
                if defined.contains_key(&g.name) {
                    continue;
                }
                defined.insert(g.name, ());
                let data = unit.static_data.get(i).cloned().flatten();
                module.globals.push(lower_global(g, data, &layout, opts, &label_blocks));
            }
            TopLevel::Decl { name, ty, attrs, thread_local } => decls.push((*name, ty.clone(), attrs.clone(), *thread_local)),
            TopLevel::Asm(s) => module.toplevel_asm.push(s.clone()),
        }
    }
    for (name, ty, attrs, tls) in decls {
        if let Some(target_name) = &attrs.alias {
            if !defined.contains_key(&name) {
                module.aliases.push(ir::Alias { name: name.to_string(), target: target_name.clone(), attrs: symbol_attrs(&attrs, false), is_function: ty.is_func() });
                continue;
            }
        }
        if defined.contains_key(&name) {
            // Attributes on a declaration apply to the definition.
            if attrs.weak || attrs.visibility.is_some() {
                let name_s = name.to_string();
                if let Some(f) = module.functions.iter_mut().find(|f| f.name == name_s) {
                    merge_attrs(&mut f.attrs, &attrs);
                } else if let Some(g) = module.globals.iter_mut().find(|g| g.name == name_s) {
                    merge_attrs(&mut g.attrs, &attrs);
                }
            }
            continue;
        }
        module.decls.push(ir::SymbolDecl { name: name.to_string(), weak: attrs.weak, visibility: visibility(&attrs), is_function: ty.is_func(), thread_local: tls });
    }
    if !ok || diag.has_errors() {
        return None;
    }
    Some(module)
}

fn merge_attrs(a: &mut SymbolAttrs, attrs: &DeclAttrs) {
    if attrs.weak {
        a.linkage = Linkage::Weak;
    }
    if attrs.visibility.is_some() {
        a.visibility = visibility(attrs);
    }
}

fn visibility(attrs: &DeclAttrs) -> Visibility {
    match attrs.visibility.as_deref() {
        Some("hidden") => Visibility::Hidden,
        Some("protected") => Visibility::Protected,
        Some("internal") => Visibility::Internal,
        _ => Visibility::Default,
    }
}

pub(crate) fn symbol_attrs(attrs: &DeclAttrs, is_static: bool) -> SymbolAttrs {
    SymbolAttrs {
        linkage: if is_static {
            Linkage::Internal
        } else if attrs.weak {
            Linkage::Weak
        } else {
            Linkage::External
        },
        visibility: visibility(attrs),
        section: attrs.section.clone(),
        used: attrs.used,
    }
}

fn lower_global(g: &GlobalVar, data: Option<StaticData>, layout: &Layout, opts: &FrontOptions, label_blocks: &BTreeMap<(Sym, Sym), u32>) -> ir::Global {
    let size = match &data {
        Some(d) => d.bytes.len() as u64,
        None => layout.size(&g.ty),
    };
    let init = data.map(|d| pieces(&d, label_blocks));
    let readonly = g.ty.is_const() || matches!(&g.ty.kind, Kind::Array { elem, .. } if elem.is_const());
    ir::Global {
        name: g.name.to_string(),
        attrs: symbol_attrs(&g.attrs, g.is_static),
        size,
        align: g.align.max(1),
        init,
        readonly,
        thread_local: g.thread_local,
        common: g.tentative && !g.is_static && (opts.fcommon || g.attrs.common) && !g.attrs.no_common && !g.thread_local && g.attrs.section.is_none(),
    }
}

/// Bytes + relocations → IR init pieces, with long zero runs compressed.
fn pieces(d: &StaticData, label_blocks: &BTreeMap<(Sym, Sym), u32>) -> Vec<InitPiece> {
    let mut relocs: Vec<(u64, InitPiece)> = d.relocs.iter().map(|(o, s, a)| (*o, InitPiece::Addr { symbol: s.to_string(), addend: *a })).collect();
    for (o, func, label, a) in &d.labels {
        let block = label_blocks.get(&(*func, *label)).copied().unwrap_or(0);
        relocs.push((*o, InitPiece::LabelAddr { function: func.to_string(), block, addend: *a }));
    }
    relocs.sort_by_key(|r| r.0);
    let mut out = Vec::new();
    let mut pos = 0usize;
    for (off, piece) in relocs {
        let off = off as usize;
        if off < pos {
            continue;
        }
        push_bytes(&mut out, &d.bytes[pos..off]);
        out.push(piece);
        pos = off + ccc_ir::Type::Ptr.size() as usize;
    }
    if pos < d.bytes.len() {
        push_bytes(&mut out, &d.bytes[pos..]);
    }
    out
}

/// Append `bytes`, turning runs of 32 or more zeros into `Zero` pieces.
fn push_bytes(out: &mut Vec<InitPiece>, bytes: &[u8]) {
    let mut i = 0;
    while i < bytes.len() {
        let z = bytes[i..].iter().take_while(|&&b| b == 0).count();
        if z >= 32 || (z > 0 && i + z == bytes.len()) {
            out.push(InitPiece::Zero(z as u64));
            i += z;
            continue;
        }
        let start = i;
        while i < bytes.len() {
            let z = bytes[i..].iter().take_while(|&&b| b == 0).count();
            if z >= 32 || (z > 0 && i + z == bytes.len()) {
                break;
            }
            i += z.max(1);
        }
        if i > start {
            out.push(InitPiece::Bytes(bytes[start..i].to_vec()));
        }
    }
}
