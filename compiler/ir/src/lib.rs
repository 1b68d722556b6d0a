//! The SSA intermediate representation shared by the front end, the
//! optimiser and the code generators.
//!
//! Design: values are SSA (one definition each), blocks take parameters in
//! place of phi nodes, aggregates live in memory and are only described by
//! their layout where the ABI needs it. The front end lowers locals to stack
//! slots with loads/stores; `opt::mem2reg` promotes them at -O1 and above.

pub mod entities;
pub mod func;
pub mod inst;
pub mod module;
pub mod print;
pub mod refs;
pub mod target;
pub mod types;
pub mod verify;

pub use entities::{Block, SlotId, Value};
pub use func::{BlockData, Function, Linkage, StackSlot, SymbolAttrs, ValueData, ValueDef, Visibility};
pub use inst::*;
pub use module::{Alias, Global, InitPiece, Module, SymbolDecl};
pub use target::{Arch, CodegenOptions, TargetInfo, Trampoline, VaListKind};
pub use types::{AbiType, AggLayout, Signature, Type};
