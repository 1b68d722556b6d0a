//! The symbol table: names in creation order (GNU as writes them in that order).

use crate::expr::{Expr, SymId};
use crate::section::SecId;

pub const STT_NOTYPE: u8 = 0;
pub const STT_OBJECT: u8 = 1;
pub const STT_FUNC: u8 = 2;
pub const STT_TLS: u8 = 6;
pub const STT_GNU_IFUNC: u8 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bind {
    Local,
    Global,
    Weak,
}

#[derive(Clone, Debug)]
pub enum Def {
    Undef,
    Label { sec: SecId, frag: u32, off: u32 },
    Equ(Expr),
    Common { size: u64, align: u64 },
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub def: Def,
    pub bind: Bind,
    /// Set by `.globl`/`.weak`/`.local` explicitly (else `Local` is the default).
    pub explicit_local: bool,
    pub typ: u8,
    pub vis: u8,
    pub size: Option<Expr>,
    /// Assembler-internal (`.L*`, numeric local labels, `.`): not written unless a relocation needs it.
    pub temp: bool,
    /// A relocation refers to it by name.
    pub in_reloc: bool,
    /// Made a real symbol by an instruction's reference (see `Ev::Conv`).
    pub converted: bool,
    /// Referenced by a TLS relocation (an undefined one becomes STT_TLS).
    pub tls_ref: bool,
    /// Left out of the symbol table (a mapping symbol GNU as removes).
    pub omit: bool,
}

#[derive(Default)]
pub struct Symbols {
    pub list: Vec<Symbol>,
    by_name: crate::fxhash::FxHashMap<NameKey, SymId>,
    /// Some symbol was ever set to a register (`.set copy0, %xmm5`): only then need operands
    /// be searched for such names.
    pub reg_equates: bool,
}

impl Symbols {
    pub fn get(&self, name: &str) -> Option<SymId> {
        self.by_name.get(name.as_bytes()).copied()
    }

    pub fn intern(&mut self, name: &str) -> SymId {
        if let Some(&id) = self.by_name.get(name.as_bytes()) {
            return id;
        }
        let id = self.push(name.to_string(), name.starts_with(".L"));
        self.by_name.insert(NameKey::new(name), id);
        id
    }

    /// A symbol with no name lookup (numeric labels, `.`).
    pub fn push(&mut self, name: String, temp: bool) -> SymId {
        let id = self.list.len() as SymId;
        self.list.push(Symbol {
            name,
            def: Def::Undef,
            bind: Bind::Local,
            explicit_local: false,
            typ: STT_NOTYPE,
            vis: 0,
            size: None,
            temp,
            in_reloc: false,
            tls_ref: false,
            converted: false,
            omit: false,
        });
        id
    }

    pub fn sym(&self, id: SymId) -> &Symbol {
        &self.list[id as usize]
    }

    pub fn sym_mut(&mut self, id: SymId) -> &mut Symbol {
        &mut self.list[id as usize]
    }

    pub fn is_defined(&self, id: SymId) -> bool {
        !matches!(self.sym(id).def, Def::Undef)
    }

    /// Global or weak: visible outside the object.
    pub fn is_external(&self, id: SymId) -> bool {
        self.sym(id).bind != Bind::Local || matches!(self.sym(id).def, Def::Undef | Def::Common { .. })
    }
}

/// A symbol table key: names up to 22 bytes (nearly all: `.L123`, `sqlite3VdbeExec`) are kept
/// in the table itself, so a lookup compares them without following a pointer to the heap.
#[derive(Clone)]
enum NameKey {
    Inline { len: u8, bytes: [u8; 22] },
    Heap(Box<str>),
}

impl NameKey {
    fn new(name: &str) -> NameKey {
        if name.len() <= 22 {
            let mut bytes = [0u8; 22];
            bytes[..name.len()].copy_from_slice(name.as_bytes());
            NameKey::Inline { len: name.len() as u8, bytes }
        } else {
            NameKey::Heap(name.into())
        }
    }
    fn as_bytes(&self) -> &[u8] {
        match self {
            NameKey::Inline { len, bytes } => &bytes[..*len as usize],
            NameKey::Heap(s) => s.as_bytes(),
        }
    }
}

// (Looked up by the name's bytes, which need no UTF-8 check to come back out.)
impl std::borrow::Borrow<[u8]> for NameKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for NameKey {
    fn eq(&self, other: &NameKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for NameKey {}

impl std::hash::Hash for NameKey {
    // (As the bytes it holds: `Borrow<[u8]>` lookups must hash alike.)
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}
