//! A translation unit: functions, global data and symbol declarations.

use crate::func::{Function, SymbolAttrs};

/// One piece of a global's initial contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitPiece {
    Bytes(Vec<u8>),
    Zero(u64),
    /// A pointer-sized (`Type::Ptr`) address of `symbol + addend`.
    Addr { symbol: String, addend: i64 },
    /// A 4-byte `symbol - .` style difference is not needed by C; a narrower
    /// address (e.g. `int x = (int)&sym` is not constant in C) is not supported.
    /// Address of a block in a function (`&&label` in a static initializer).
    LabelAddr { function: String, block: u32, addend: i64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Global {
    pub name: String,
    pub attrs: SymbolAttrs,
    pub size: u64,
    pub align: u32,
    /// `None`: a tentative definition / zero-initialised (goes to .bss).
    pub init: Option<Vec<InitPiece>>,
    /// Never written after initialisation (goes to .rodata when not relocated).
    pub readonly: bool,
    pub thread_local: bool,
    /// A C tentative definition without `-fno-common`: GCC 10+ defaults to
    /// `-fno-common`, so this is only set for `-fcommon`.
    pub common: bool,
}

/// A symbol referenced but not defined here, or defined with extra attributes
/// (weak references, aliases).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolDecl {
    pub name: String,
    pub weak: bool,
    pub visibility: crate::func::Visibility,
    pub is_function: bool,
    pub thread_local: bool,
}

/// `__attribute__((alias("target")))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub target: String,
    pub attrs: SymbolAttrs,
    pub is_function: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    pub functions: Vec<Function>,
    pub globals: Vec<Global>,
    /// External declarations that carry attributes the object file must record.
    pub decls: Vec<SymbolDecl>,
    pub aliases: Vec<Alias>,
    /// Top-level `asm("...")` blocks, in source order.
    pub toplevel_asm: Vec<String>,
    /// Functions to run at start-up / exit (`constructor`/`destructor`), with priority.
    pub constructors: Vec<(String, Option<u32>)>,
    pub destructors: Vec<(String, Option<u32>)>,
    /// Name of the source file (for `.file`).
    pub source_name: String,
    /// Code runs on the stack (nested-function trampolines): the object
    /// must ask for an executable stack, as GCC does.
    pub exec_stack: bool,
}
