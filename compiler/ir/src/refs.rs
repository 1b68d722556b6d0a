//! Which symbols code refers to: the call graph's edges, shared by the front
//! end (which lowers an internal function only once something refers to it)
//! and the optimiser's `prune` and IPA passes.

use crate::{Callee, Function, InstKind};

impl Function {
    /// Names this function's code refers to: addresses taken, direct calls and
    /// identifier-like words of its inline asm templates.
    pub fn referenced_symbols(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().flat_map(|b| &b.insts).flat_map(|inst| -> Vec<&str> {
            match &inst.kind {
                InstKind::GlobalAddr { name, .. } | InstKind::TlsAddr { name, .. } => vec![name.as_str()],
                InstKind::Call { callee: Callee::Direct(name), .. } => vec![name.as_str()],
                InstKind::InlineAsm(a) => asm_words(&a.template).collect(),
                _ => Vec::new(),
            }
        })
    }
}

/// Identifier-like words of assembly text (symbols it may name).
pub fn asm_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')).filter(|w| !w.is_empty())
}
