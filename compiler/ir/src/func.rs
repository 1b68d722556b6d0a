//! Functions: blocks of instructions over SSA values, plus stack slots.

use crate::entities::{Block, SlotId, Value};
use crate::inst::{result_type, Inst, InstKind};
use crate::types::{Signature, Type};

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueDef {
    /// Result of instruction `index` of `block`. Indices shift when
    /// instructions are inserted; passes that edit blocks recompute them.
    Inst(Block, u32),
    /// Parameter `index` of `block`.
    Param(Block, u32),
    /// Not yet placed (only while building).
    Detached,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackSlot {
    pub size: u64,
    pub align: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// Visible to other objects (`STB_GLOBAL`).
    External,
    /// `static`.
    Internal,
    /// `__attribute__((weak))`.
    Weak,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Default,
    Hidden,
    Protected,
    Internal,
}

/// Symbol-level attributes shared by functions and globals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolAttrs {
    pub linkage: Linkage,
    pub visibility: Visibility,
    /// `__attribute__((section("...")))`.
    pub section: Option<String>,
    /// `__attribute__((used))`: keep even if unreferenced.
    pub used: bool,
}

impl Default for SymbolAttrs {
    fn default() -> Self {
        SymbolAttrs { linkage: Linkage::External, visibility: Visibility::Default, section: None, used: false }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub sig: Signature,
    pub attrs: SymbolAttrs,
    /// Entry block is `blocks[0]`; its params are the function's parameters
    /// (one per `sig.params` entry; aggregate params arrive as a Ptr to a copy).
    pub blocks: Vec<BlockData>,
    /// Order in which blocks are laid out (may omit unreachable blocks).
    pub layout: Vec<Block>,
    pub values: Vec<ValueData>,
    pub slots: Vec<StackSlot>,
    /// Functions marked `noreturn`, `always_inline` etc. only matter to passes.
    pub noinline: bool,
    pub always_inline: bool,
    /// Blocks whose address is taken (`&&label`, in code or in static data): they must
    /// keep their identity, so passes leave the block structure alone.
    pub address_taken: Vec<Block>,
    /// Declared `inline`: not emitted when unreferenced, even at -O0 (as GCC).
    pub declared_inline: bool,
    /// Alignment request for the function's code (`aligned` attribute), 0 = default.
    pub align: u32,
    /// Calls `setjmp`-like functions (`returns_twice`): values must live in memory across calls.
    pub calls_returns_twice: bool,
    /// A GNU nested function: it receives its enclosing function's frame
    /// block in the target's static chain register (read by `StaticChain`).
    pub static_chain: bool,
}

impl Function {
    pub fn new(name: impl Into<String>, sig: Signature) -> Self {
        Function {
            name: name.into(),
            sig,
            attrs: SymbolAttrs::default(),
            blocks: Vec::new(),
            layout: Vec::new(),
            values: Vec::new(),
            slots: Vec::new(),
            noinline: false,
            always_inline: false,
            address_taken: Vec::new(),
            declared_inline: false,
            align: 0,
            calls_returns_twice: false,
            static_chain: false,
        }
    }

    pub fn entry(&self) -> Block {
        Block(0)
    }

    pub fn new_block(&mut self) -> Block {
        self.blocks.push(BlockData::default());
        Block::new(self.blocks.len() - 1)
    }

    pub fn new_slot(&mut self, size: u64, align: u32) -> SlotId {
        self.slots.push(StackSlot { size, align });
        SlotId::new(self.slots.len() - 1)
    }

    pub fn value_type(&self, v: Value) -> Type {
        self.values[v.index()].ty
    }

    pub fn add_block_param(&mut self, block: Block, ty: Type) -> Value {
        let index = self.blocks[block.index()].params.len() as u32;
        let v = self.new_value(ty, ValueDef::Param(block, index));
        self.blocks[block.index()].params.push(v);
        v
    }

    fn new_value(&mut self, ty: Type, def: ValueDef) -> Value {
        self.values.push(ValueData { ty, def });
        Value::new(self.values.len() - 1)
    }

    /// A value for an instruction that a pass places itself (followed by
    /// [`Function::renumber_defs`] once the pass is done).
    pub fn new_detached_value(&mut self, ty: Type) -> Value {
        self.new_value(ty, ValueDef::Detached)
    }

    /// Append an instruction to `block`, returning its result (if it has one).
    pub fn append(&mut self, block: Block, kind: InstKind) -> Option<Value> {
        let index = self.blocks[block.index()].insts.len() as u32;
        let result = result_type(&kind).map(|ty| self.new_value(ty, ValueDef::Inst(block, index)));
        self.blocks[block.index()].insts.push(Inst { result, kind });
        result
    }

    /// The terminator of a block, if it has one.
    pub fn terminator(&self, block: Block) -> Option<&InstKind> {
        self.blocks[block.index()].insts.last().map(|i| &i.kind).filter(|k| k.is_terminator())
    }

    pub fn is_terminated(&self, block: Block) -> bool {
        self.terminator(block).is_some()
    }

    /// Recompute `ValueDef`s after instructions were moved or removed.
    pub fn renumber_defs(&mut self) {
        for (bi, bd) in self.blocks.iter().enumerate() {
            for (pi, p) in bd.params.iter().enumerate() {
                self.values[p.index()].def = ValueDef::Param(Block::new(bi), pi as u32);
            }
            for (ii, inst) in bd.insts.iter().enumerate() {
                if let Some(r) = inst.result {
                    self.values[r.index()].def = ValueDef::Inst(Block::new(bi), ii as u32);
                }
            }
        }
    }

    /// Predecessor lists for every block (by the terminators in `layout`).
    pub fn predecessors(&self) -> Vec<Vec<Block>> {
        let mut preds = vec![Vec::new(); self.blocks.len()];
        for &b in &self.layout {
            // asm goto can branch from the middle of a block.
            for inst in &self.blocks[b.index()].insts {
                for s in inst.kind.successors() {
                    if !preds[s.index()].contains(&b) {
                        preds[s.index()].push(b);
                    }
                }
            }
        }
        preds
    }
}
