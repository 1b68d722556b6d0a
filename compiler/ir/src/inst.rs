//! Instructions. Every instruction lives in exactly one block and defines at
//! most one SSA value. Block parameters play the role of phi nodes.

use crate::entities::{Block, SlotId, Value};
use crate::types::{AbiType, AggLayout, Signature, Type};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    SDiv,
    UDiv,
    SRem,
    URem,
    And,
    Or,
    Xor,
    /// Shift amounts are taken modulo the bit width, as x86 does; the front
    /// end never relies on out-of-range shifts.
    Shl,
    LShr,
    AShr,
    FAdd,
    FSub,
    FMul,
    FDiv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
    FNeg,
    /// Count leading zeros; result undefined for 0 (as `__builtin_clz`).
    Clz,
    /// Count trailing zeros; result undefined for 0.
    Ctz,
    Popcount,
    Bswap,
}

/// Integer comparison conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntCC {
    Eq,
    Ne,
    Slt,
    Sle,
    Sgt,
    Sge,
    Ult,
    Ule,
    Ugt,
    Uge,
}

impl IntCC {
    /// The condition that holds exactly when `self` does not.
    pub fn inverse(self) -> IntCC {
        use IntCC::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            Slt => Sge,
            Sle => Sgt,
            Sgt => Sle,
            Sge => Slt,
            Ult => Uge,
            Ule => Ugt,
            Ugt => Ule,
            Uge => Ult,
        }
    }
}

/// Float comparison conditions. The ordered ones are false when either
/// operand is NaN; `Une` (C's `!=`) is true for NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatCC {
    Eq,
    Une,
    Lt,
    Le,
    Gt,
    Ge,
    /// Both operands are numbers (`!isunordered`).
    Ord,
    /// Either operand is NaN.
    Uno,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CastOp {
    /// Sign-extend a narrower integer.
    Sext,
    /// Zero-extend a narrower integer.
    Zext,
    /// Truncate to a narrower integer.
    Trunc,
    /// Float to signed integer (truncating toward zero).
    FToSI,
    /// Float to unsigned integer.
    FToUI,
    SIToF,
    UIToF,
    /// Between float types of different precision.
    FExt,
    FTrunc,
    /// Same-size reinterpretation (int <-> float, int <-> ptr).
    Bitcast,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOrder {
    Relaxed,
    Consume,
    Acquire,
    Release,
    AcqRel,
    SeqCst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RmwOp {
    Xchg,
    Add,
    Sub,
    And,
    Or,
    Xor,
    Nand,
}

/// The callee of a call instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    /// A symbol by name (functions, or libgcc helpers the front end wants).
    Direct(String),
    Indirect(Value),
}

/// One operand of an inline asm statement.
#[derive(Clone, Debug, PartialEq)]
pub struct AsmOperand {
    /// The constraint without its leading `=`/`+` (e.g. `r`, `m`, `0`, `=&r` becomes `&r`).
    pub constraint: String,
    /// Symbolic name (`[name]`), if any.
    pub name: Option<String>,
    /// Inputs: the value (or for memory constraints the address).
    /// Outputs: the address of the lvalue the result is stored to.
    pub value: Value,
    /// Type of the operand's data (for outputs: the type stored to `value`).
    pub ty: Type,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InlineAsm {
    pub template: String,
    /// Outputs in order; a `+` output has been split by the front end into an
    /// output and a tied input whose constraint is the output's index.
    pub outputs: Vec<AsmOperand>,
    pub inputs: Vec<AsmOperand>,
    pub clobbers: Vec<String>,
    /// `asm goto` targets, referenced as `%l[N]` / `%lN` after the operands.
    pub goto_targets: Vec<Block>,
    pub volatile: bool,
}

/// A jump target with the arguments for the target block's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockCall {
    pub block: Block,
    pub args: Vec<Value>,
}

impl BlockCall {
    pub fn new(block: Block) -> Self {
        BlockCall { block, args: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum InstKind {
    // ---- constants and addresses
    /// Integer constant (also pointers); stored as the low `ty.bits()` bits.
    IConst { ty: Type, value: i128 },
    /// Float constant by its bit pattern: f32/f64 in the low bits; f80 as
    /// 64-bit mantissa | exponent<<64; f128 as its 128 bits.
    FConst { ty: Type, bits: u128 },
    /// Address of a global symbol plus offset.
    GlobalAddr { name: String, offset: i64 },
    /// Address of a thread-local symbol plus offset.
    TlsAddr { name: String, offset: i64 },
    /// Address of a fixed-size stack slot.
    SlotAddr { slot: SlotId },
    /// Dynamically sized stack allocation (VLAs, `alloca`); result is a Ptr.
    DynAlloca { size: Value, align: u32 },
    /// Address of a block (GNU `&&label`), for computed goto.
    BlockAddr { block: Block },
    /// The current stack allocation point (before a VLA's scope).
    StackSave,
    /// Free every `DynAlloca` made since the `StackSave` that produced `ptr`
    /// (leaving a VLA's scope, also by `goto`).
    StackRestore { ptr: Value },

    // ---- arithmetic
    Binary { op: BinOp, ty: Type, lhs: Value, rhs: Value },
    Unary { op: UnOp, ty: Type, arg: Value },
    /// `__builtin_constant_p(arg)` left for the optimiser: an `I32` that is 1
    /// once `arg` folds to a constant, else 0 (decided by the last pass, so
    /// that inlining and propagation count, as in GCC). Never reaches a backend.
    IsConstant { arg: Value },
    /// Integer compare; the result is an `I8` holding 0 or 1.
    Icmp { cc: IntCC, ty: Type, lhs: Value, rhs: Value },
    /// Float compare; the result is an `I8` holding 0 or 1.
    Fcmp { cc: FloatCC, ty: Type, lhs: Value, rhs: Value },
    Cast { op: CastOp, from: Type, to: Type, arg: Value },
    /// `cond ? a : b` where `cond` is any integer tested against zero.
    Select { ty: Type, cond: Value, cond_ty: Type, a: Value, b: Value },
    /// Whether `lhs op rhs` overflows `ty` (op is Add, Sub or Mul); result I8.
    Overflows { op: BinOp, ty: Type, signed: bool, lhs: Value, rhs: Value },

    // ---- memory
    Load { ty: Type, ptr: Value, volatile: bool },
    Store { ty: Type, ptr: Value, value: Value, volatile: bool },
    /// Copy `size` bytes; the ranges do not overlap unless equal.
    Memcpy { dst: Value, src: Value, size: u64, align: u32 },
    /// Fill `size` bytes with the low byte of `byte` (an I8 value).
    Memset { dst: Value, byte: Value, size: u64, align: u32 },

    // ---- calls
    /// `args` are scalars, or for aggregate parameters the address of the
    /// aggregate. For an aggregate return, `ret_slot` holds the address the
    /// result is written to and the call defines no value. `chain` is the
    /// static chain passed to a GNU nested function (in the target's chain
    /// register).
    Call { callee: Callee, sig: Signature, args: Vec<Value>, ret_slot: Option<Value>, chain: Option<Value> },

    // ---- atomics
    AtomicLoad { ty: Type, ptr: Value, order: AtomicOrder },
    AtomicStore { ty: Type, ptr: Value, value: Value, order: AtomicOrder },
    /// Returns the old value.
    AtomicRmw { op: RmwOp, ty: Type, ptr: Value, value: Value, order: AtomicOrder },
    /// Returns the old value; success is `old == expected`.
    AtomicCmpXchg { ty: Type, ptr: Value, expected: Value, desired: Value, order: AtomicOrder },
    Fence { order: AtomicOrder },

    // ---- variadic functions (the va_list object is addressed by `ap`)
    VaStart { ap: Value },
    /// Fetch the next argument; for aggregates the result is the address of
    /// the argument's bytes (copied to a temporary when the ABI needs it).
    VaArg { ap: Value, ty: AbiType },
    VaCopy { dst: Value, src: Value },

    // ---- frame introspection
    FrameAddress { level: u32 },
    /// The static chain this function received (only in functions with
    /// `Function::static_chain`): the enclosing function's frame block.
    StaticChain,
    ReturnAddress { level: u32 },

    InlineAsm(Box<InlineAsm>),

    // ---- terminators
    Jump(BlockCall),
    Branch { cond: Value, cond_ty: Type, then_dest: BlockCall, else_dest: BlockCall },
    Switch { value: Value, ty: Type, cases: Vec<(i128, Block)>, default: Block },
    /// Computed goto; `targets` lists every block the address may name.
    IndirectJump { addr: Value, targets: Vec<Block> },
    /// Jump into another (enclosing) function's frame: make `frame` and
    /// `stack` the frame and stack pointers, then jump to `target` (a GNU
    /// nested function's `goto` to a label of its parent).
    NonlocalGoto { frame: Value, stack: Value, target: Value },
    /// Scalar return, aggregate return (value is the address of the
    /// aggregate), or `None` for void.
    Return { value: Option<Value> },
    Unreachable,
    /// `__builtin_trap`: an illegal instruction; also a terminator.
    Trap,
}

impl InstKind {
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            InstKind::Jump(_)
                | InstKind::Branch { .. }
                | InstKind::Switch { .. }
                | InstKind::IndirectJump { .. }
                | InstKind::NonlocalGoto { .. }
                | InstKind::Return { .. }
                | InstKind::Unreachable
                | InstKind::Trap
        )
    }

    /// Blocks this terminator can transfer control to (asm goto targets included).
    pub fn successors(&self) -> Vec<Block> {
        match self {
            InstKind::Jump(bc) => vec![bc.block],
            InstKind::Branch { then_dest, else_dest, .. } => vec![then_dest.block, else_dest.block],
            InstKind::Switch { cases, default, .. } => {
                let mut v: Vec<Block> = cases.iter().map(|c| c.1).collect();
                v.push(*default);
                v
            }
            InstKind::IndirectJump { targets, .. } => targets.clone(),
            InstKind::InlineAsm(a) => a.goto_targets.clone(),
            _ => Vec::new(),
        }
    }

    /// Rewrite every block this instruction names (the blocks of `successors`, and
    /// `BlockAddr`'s): for copying blocks into another function.
    pub fn map_blocks(&mut self, mut g: impl FnMut(Block) -> Block) {
        let mut m = |b: &mut Block| *b = g(*b);
        match self {
            InstKind::Jump(bc) => m(&mut bc.block),
            InstKind::Branch { then_dest, else_dest, .. } => {
                m(&mut then_dest.block);
                m(&mut else_dest.block);
            }
            InstKind::Switch { cases, default, .. } => {
                cases.iter_mut().for_each(|c| m(&mut c.1));
                m(default);
            }
            InstKind::IndirectJump { targets, .. } => targets.iter_mut().for_each(m),
            InstKind::InlineAsm(a) => a.goto_targets.iter_mut().for_each(m),
            InstKind::BlockAddr { block } => m(block),
            _ => {}
        }
    }

    /// Values read by this instruction, in a fixed order.
    pub fn operands(&self) -> Vec<Value> {
        let mut v = Vec::new();
        self.for_each_operand(|x| v.push(x));
        v
    }

    pub fn for_each_operand(&self, mut f: impl FnMut(Value)) {
        use InstKind::*;
        match self {
            IConst { .. } | FConst { .. } | GlobalAddr { .. } | TlsAddr { .. } | SlotAddr { .. } => {}
            BlockAddr { .. } | Fence { .. } | FrameAddress { .. } | ReturnAddress { .. } | StackSave | StaticChain => {}
            StackRestore { ptr } => f(*ptr),
            Unreachable | Trap => {}
            DynAlloca { size, .. } => f(*size),
            Binary { lhs, rhs, .. } | Icmp { lhs, rhs, .. } | Fcmp { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs)
            }
            Overflows { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs)
            }
            Unary { arg, .. } | Cast { arg, .. } | IsConstant { arg } => f(*arg),
            Select { cond, a, b, .. } => {
                f(*cond);
                f(*a);
                f(*b)
            }
            Load { ptr, .. } | AtomicLoad { ptr, .. } => f(*ptr),
            Store { ptr, value, .. } | AtomicStore { ptr, value, .. } | AtomicRmw { ptr, value, .. } => {
                f(*ptr);
                f(*value)
            }
            AtomicCmpXchg { ptr, expected, desired, .. } => {
                f(*ptr);
                f(*expected);
                f(*desired)
            }
            Memcpy { dst, src, .. } | VaCopy { dst, src } => {
                f(*dst);
                f(*src)
            }
            Memset { dst, byte, .. } => {
                f(*dst);
                f(*byte)
            }
            Call { callee, args, ret_slot, chain, .. } => {
                if let Callee::Indirect(c) = callee {
                    f(*c)
                }
                args.iter().for_each(|a| f(*a));
                if let Some(r) = ret_slot {
                    f(*r)
                }
                if let Some(c) = chain {
                    f(*c)
                }
            }
            VaStart { ap } | VaArg { ap, .. } => f(*ap),
            InlineAsm(a) => {
                a.outputs.iter().for_each(|o| f(o.value));
                a.inputs.iter().for_each(|i| f(i.value));
            }
            Jump(bc) => bc.args.iter().for_each(|a| f(*a)),
            Branch { cond, then_dest, else_dest, .. } => {
                f(*cond);
                then_dest.args.iter().for_each(|a| f(*a));
                else_dest.args.iter().for_each(|a| f(*a));
            }
            Switch { value, .. } => f(*value),
            IndirectJump { addr, .. } => f(*addr),
            NonlocalGoto { frame, stack, target } => {
                f(*frame);
                f(*stack);
                f(*target)
            }
            Return { value } => {
                if let Some(v) = value {
                    f(*v)
                }
            }
        }
    }

    /// Rewrite every value operand in place.
    pub fn map_operands(&mut self, mut f: impl FnMut(Value) -> Value) {
        use InstKind::*;
        let g = &mut f;
        match self {
            IConst { .. } | FConst { .. } | GlobalAddr { .. } | TlsAddr { .. } | SlotAddr { .. } => {}
            BlockAddr { .. } | Fence { .. } | FrameAddress { .. } | ReturnAddress { .. } => {}
            Unreachable | Trap | StackSave | StaticChain => {}
            StackRestore { ptr } => *ptr = g(*ptr),
            DynAlloca { size, .. } => *size = g(*size),
            Binary { lhs, rhs, .. } | Icmp { lhs, rhs, .. } | Fcmp { lhs, rhs, .. } | Overflows { lhs, rhs, .. } => {
                *lhs = g(*lhs);
                *rhs = g(*rhs);
            }
            Unary { arg, .. } | Cast { arg, .. } | IsConstant { arg } => *arg = g(*arg),
            Select { cond, a, b, .. } => {
                *cond = g(*cond);
                *a = g(*a);
                *b = g(*b);
            }
            Load { ptr, .. } | AtomicLoad { ptr, .. } => *ptr = g(*ptr),
            Store { ptr, value, .. } | AtomicStore { ptr, value, .. } | AtomicRmw { ptr, value, .. } => {
                *ptr = g(*ptr);
                *value = g(*value);
            }
            AtomicCmpXchg { ptr, expected, desired, .. } => {
                *ptr = g(*ptr);
                *expected = g(*expected);
                *desired = g(*desired);
            }
            Memcpy { dst, src, .. } | VaCopy { dst, src } => {
                *dst = g(*dst);
                *src = g(*src);
            }
            Memset { dst, byte, .. } => {
                *dst = g(*dst);
                *byte = g(*byte);
            }
            Call { callee, args, ret_slot, chain, .. } => {
                if let Callee::Indirect(c) = callee {
                    *c = g(*c);
                }
                for a in args.iter_mut() {
                    *a = g(*a);
                }
                if let Some(r) = ret_slot {
                    *r = g(*r);
                }
                if let Some(c) = chain {
                    *c = g(*c);
                }
            }
            VaStart { ap } | VaArg { ap, .. } => *ap = g(*ap),
            InlineAsm(a) => {
                for o in a.outputs.iter_mut() {
                    o.value = g(o.value);
                }
                for i in a.inputs.iter_mut() {
                    i.value = g(i.value);
                }
            }
            Jump(bc) => bc.args.iter_mut().for_each(|a| *a = g(*a)),
            Branch { cond, then_dest, else_dest, .. } => {
                *cond = g(*cond);
                then_dest.args.iter_mut().for_each(|a| *a = g(*a));
                else_dest.args.iter_mut().for_each(|a| *a = g(*a));
            }
            Switch { value, .. } => *value = g(*value),
            IndirectJump { addr, .. } => *addr = g(*addr),
            NonlocalGoto { frame, stack, target } => {
                *frame = g(*frame);
                *stack = g(*stack);
                *target = g(*target);
            }
            Return { value } => {
                if let Some(v) = value {
                    *v = g(*v)
                }
            }
        }
    }

    /// Whether removing the instruction (when its result is unused) would
    /// change behaviour.
    pub fn has_side_effects(&self) -> bool {
        use InstKind::*;
        match self {
            Load { volatile, .. } => *volatile,
            Store { .. } | Memcpy { .. } | Memset { .. } | Call { .. } => true,
            AtomicLoad { .. } | AtomicStore { .. } | AtomicRmw { .. } | AtomicCmpXchg { .. } | Fence { .. } => true,
            VaStart { .. } | VaArg { .. } | VaCopy { .. } | InlineAsm(_) | DynAlloca { .. } => true,
            StackSave | StackRestore { .. } => true,
            k => k.is_terminator(),
        }
    }
}

/// An instruction together with the value it defines.
#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    pub result: Option<Value>,
    pub kind: InstKind,
}

/// Type of the value an instruction kind defines, when it defines one.
pub fn result_type(kind: &InstKind) -> Option<Type> {
    use InstKind::*;
    Some(match kind {
        IConst { ty, .. } | FConst { ty, .. } => *ty,
        GlobalAddr { .. } | TlsAddr { .. } | SlotAddr { .. } | DynAlloca { .. } | BlockAddr { .. } => Type::Ptr,
        FrameAddress { .. } | ReturnAddress { .. } | StackSave | StaticChain => Type::Ptr,
        Binary { ty, .. } | Unary { ty, .. } | Select { ty, .. } => *ty,
        Icmp { .. } | Fcmp { .. } | Overflows { .. } => Type::I8,
        IsConstant { .. } => Type::I32,
        Cast { to, .. } => *to,
        Load { ty, .. } | AtomicLoad { ty, .. } | AtomicRmw { ty, .. } | AtomicCmpXchg { ty, .. } => *ty,
        Call { sig, ret_slot, .. } => match (&sig.ret, ret_slot) {
            (Some(AbiType::Scalar(t)), None) => *t,
            _ => return None,
        },
        VaArg { ty, .. } => match ty {
            AbiType::Scalar(t) => *t,
            AbiType::Aggregate(_) => Type::Ptr,
        },
        _ => return None,
    })
}

/// Convenience for building an aggregate `AbiType`.
pub fn agg(layout: AggLayout) -> AbiType {
    AbiType::Aggregate(layout)
}
