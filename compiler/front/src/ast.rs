//! The typed AST the parser produces. Every expression carries its C type;
//! implicit conversions are explicit `Cast` nodes, pointer arithmetic is
//! already scaled, and initializers are flattened to (offset, value) items.

use crate::diag::Loc;
use crate::intern::Sym;
use crate::types::{CType, RecordId};

pub type LocalId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    BitNot,
    LogNot,
    /// `__real__` / `__imag__` of a complex value (lvalue when the operand is).
    Real,
    Imag,
    /// `~` on a complex value: conjugate.
    Conj,
}

#[derive(Clone, Debug)]
pub enum VarRef {
    Local(LocalId),
    /// Globals and functions, by assembler name.
    Global(Sym),
    /// A local of an enclosing function, seen from a GNU nested function:
    /// `up` levels out (1 = the parent), reached through entry `entry` of
    /// that function's frame block.
    Outer { up: u32, entry: u32 },
    /// A GNU nested function by assembler name. Its defining function is
    /// `up` levels out (0 = the current function); `entry` is its
    /// trampoline's entry in that function's frame block.
    NestedFn { name: Sym, up: u32, entry: u32 },
}

/// What a function's frame block gives its nested functions access to.
#[derive(Clone, Debug, PartialEq)]
pub enum FrameEntry {
    /// A local that a nested function uses (so it lives in memory).
    Local(LocalId),
    /// The trampoline of nested function `name`; built only when its
    /// address is taken (`used`).
    Trampoline { name: Sym, used: bool },
    /// A label that nested functions jump to (`__label__`, non-local goto):
    /// the entry points to the frame pointer, stack pointer and label
    /// address to resume with.
    Label(Sym),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: CType,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i128),
    /// Float literal: value as f64 plus the literal's text for exact long double.
    Float(f64),
    /// A string literal's bytes (without the terminator; the array type has
    /// room for it). `elem` is the element size (1, 2 or 4).
    Str(Vec<u8>),
    Var(VarRef),
    Unary(UnOp, Box<Expr>),
    /// Both operands already converted (comparisons: to their common type;
    /// shifts: each promoted separately). Pointer +/- integer has the integer
    /// already scaled to bytes; pointer - pointer yields bytes (the parser
    /// divides).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    LogAnd(Box<Expr>, Box<Expr>),
    LogOr(Box<Expr>, Box<Expr>),
    Assign(Box<Expr>, Box<Expr>),
    /// `lhs op= rhs`: computed as `(op_ty)lhs op rhs` then converted back to
    /// lhs's type. `rhs` is already converted to `op_ty` (or scaled for pointers).
    CompoundAssign { op: BinOp, lhs: Box<Expr>, rhs: Box<Expr>, op_ty: Box<CType> },
    /// `++`/`--`, prefix or postfix; `delta` is in bytes for pointers.
    IncDec { target: Box<Expr>, prefix: bool, delta: i64 },
    Cast(Box<Expr>),
    Deref(Box<Expr>),
    AddrOf(Box<Expr>),
    /// Member access on a record lvalue (for `->` the parser derefs first).
    Member { base: Box<Expr>, record: RecordId, field: usize },
    Call { callee: Box<Expr>, args: Vec<Expr> },
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// GNU `a ?: b`.
    CondOmitted(Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    /// GNU statement expression; its value is the last expression statement.
    StmtExpr(Box<Stmt>),
    /// A compound literal: a fresh object initialised, used as an lvalue.
    CompoundLit { var: VarRef, init: Box<Initializer> },
    /// Runtime `sizeof` of a VLA type (the byte size local).
    VlaSize(LocalId),
    /// `&&label`.
    LabelAddr(Sym),
    /// `&&label` of an enclosing function's `__label__`, from a nested
    /// function: read from its resume point (see `FrameEntry::Label`).
    OuterLabelAddr { up: u32, entry: u32 },
    VaStart(Box<Expr>),
    VaArg(Box<Expr>),
    VaCopy(Box<Expr>, Box<Expr>),
    VaEnd(Box<Expr>),
    /// A builtin function call that lowers to something other than a call.
    Builtin { name: Sym, args: Vec<Expr> },
    /// An atomic builtin (`__atomic_*`, `__sync_*`): name and arguments.
    Atomic { name: Sym, args: Vec<Expr> },
    /// A convert-to-bool comparison against zero of any scalar.
    ToBool(Box<Expr>),
    /// GCC's bit-precise arithmetic on `long long` bit-fields wider than `int`: the
    /// value of `inner` (of the full type `ty`) reduced to `bits` bits, re-extended by
    /// the type's signedness.
    BitPrecise { inner: Box<Expr>, bits: u32 },
}

impl Expr {
    pub fn new(kind: ExprKind, ty: CType, loc: Loc) -> Expr {
        Expr { kind, ty, loc }
    }
}

/// One scalar (or whole-aggregate) piece of an initializer.
#[derive(Clone, Debug)]
pub struct InitItem {
    pub offset: u64,
    /// Bitfield placement: (bit offset in the storage unit, width, storage type size).
    pub bitfield: Option<(u32, u32, u32)>,
    pub expr: Expr,
}

/// A flattened initializer for an object of `size` bytes. Items are sorted by
/// offset and do not overlap; bytes not covered are zero.
#[derive(Clone, Debug)]
pub struct Initializer {
    pub size: u64,
    pub items: Vec<InitItem>,
    /// Initialised from a single expression of aggregate type (`struct s a = b;`).
    pub whole: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct AsmOperand {
    pub name: Option<Sym>,
    pub constraint: String,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct AsmStmt {
    pub template: String,
    pub outputs: Vec<AsmOperand>,
    pub inputs: Vec<AsmOperand>,
    pub clobbers: Vec<String>,
    pub labels: Vec<Sym>,
    pub volatile: bool,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Expr(Expr),
    /// Local declaration with an initializer (or a VLA needing its size computed).
    Decl { var: LocalId, init: Option<Box<Initializer>> },
    /// A VLA type whose size must be computed here: `size_var = n * elem_size`.
    VlaDecl { size_var: LocalId, count: Box<Expr>, elem_size: Box<Expr> },
    /// `{ ... }`: a scope (locals with a `cleanup` attribute are cleaned up at its end).
    Block(Vec<Stmt>),
    /// Declarations that open no scope of their own: a `for` initialiser, a
    /// declaration after a label.
    Decls(Vec<Stmt>),
    If { cond: Expr, then: Box<Stmt>, els: Option<Box<Stmt>> },
    While { cond: Expr, body: Box<Stmt> },
    DoWhile { body: Box<Stmt>, cond: Expr },
    For { init: Option<Box<Stmt>>, cond: Option<Box<Expr>>, step: Option<Box<Expr>>, body: Box<Stmt> },
    /// `cases` are (low, high, case index); `Case` statements in the body refer to the index.
    Switch { cond: Box<Expr>, body: Box<Stmt>, cases: Vec<(i128, i128, usize)>, default: Option<usize> },
    Case(usize, Box<Stmt>),
    Break,
    Continue,
    Return(Option<Expr>, Loc),
    Goto(Sym, Loc),
    /// `goto` from a nested function to a label of the function `up` levels
    /// out, whose resume point is frame entry `entry` there.
    NonlocalGoto { up: u32, entry: u32 },
    ComputedGoto(Expr),
    Label(Sym, Box<Stmt>),
    Asm(Box<AsmStmt>),
    Null,
}

#[derive(Clone, Debug)]
pub struct LocalVar {
    pub name: Sym,
    pub ty: CType,
    pub align: u32,
    /// The local is the storage of a parameter.
    pub is_param: bool,
    /// `fn(&var)` for `__attribute__((cleanup(fn)))`: called when the
    /// variable leaves its scope.
    pub cleanup: Option<Expr>,
    /// Address taken (or aggregate): must stay in memory. mem2reg decides later.
    pub volatile: bool,
}

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: Sym,
    pub ty: CType,
    pub params: Vec<LocalId>,
    pub locals: Vec<LocalVar>,
    pub body: Stmt,
    pub is_static: bool,
    pub is_inline: bool,
    pub attrs: DeclAttrs,
    pub loc: Loc,
    /// A GNU nested function: receives its parent's frame block as the
    /// static chain.
    pub static_chain: bool,
    /// The frame block this function's own nested functions reach it by
    /// (empty when it has none).
    pub frame: Vec<FrameEntry>,
}

/// GNU attributes that matter after parsing.
#[derive(Clone, Debug, Default)]
pub struct DeclAttrs {
    pub weak: bool,
    pub alias: Option<String>,
    pub section: Option<String>,
    pub visibility: Option<String>,
    pub used: bool,
    pub constructor: Option<Option<u32>>,
    pub destructor: Option<Option<u32>>,
    pub aligned: Option<u32>,
    pub noinline: bool,
    pub always_inline: bool,
    /// `no_instrument_function`: no `-finstrument-functions` hooks.
    pub no_instrument: bool,
    pub noreturn: bool,
    pub packed: bool,
    pub transparent_union: bool,
    pub gnu_inline: bool,
    pub returns_twice: bool,
    pub cleanup: Option<Sym>,
    pub mode: Option<Sym>,
    pub vector_size: Option<u64>,
    pub tls_model: Option<String>,
    pub no_common: bool,
    pub common: bool,
    /// `asm("name")` label on a declaration.
    pub asm_label: Option<String>,
}

impl DeclAttrs {
    /// Add the attributes of `o` (parsed elsewhere in the same declarator).
    pub fn merge(&mut self, o: DeclAttrs) {
        self.weak |= o.weak;
        self.used |= o.used;
        self.noinline |= o.noinline;
        self.always_inline |= o.always_inline;
        self.no_instrument |= o.no_instrument;
        self.noreturn |= o.noreturn;
        self.packed |= o.packed;
        self.transparent_union |= o.transparent_union;
        self.gnu_inline |= o.gnu_inline;
        self.returns_twice |= o.returns_twice;
        self.no_common |= o.no_common;
        self.common |= o.common;
        macro_rules! take {
            ($($f:ident),*) => { $( if o.$f.is_some() { self.$f = o.$f; } )* };
        }
        take!(alias, section, visibility, constructor, destructor, cleanup, mode, vector_size, tls_model, asm_label);
        if let Some(a) = o.aligned {
            self.aligned = Some(self.aligned.unwrap_or(0).max(a));
        }
    }
}

#[derive(Clone, Debug)]
pub struct GlobalVar {
    pub name: Sym,
    pub ty: CType,
    pub align: u32,
    pub init: Option<Initializer>,
    pub is_static: bool,
    pub is_extern: bool,
    pub thread_local: bool,
    /// A tentative definition (no initializer, not extern).
    pub tentative: bool,
    pub attrs: DeclAttrs,
}

/// A static initializer evaluated to bytes and relocations.
#[derive(Clone, Debug, Default)]
pub struct StaticData {
    pub bytes: Vec<u8>,
    /// (offset, symbol, addend) of 8-byte absolute addresses.
    pub relocs: Vec<(u64, Sym, i64)>,
    /// (offset, function, label, addend) of 8-byte label addresses (`&&l`).
    pub labels: Vec<(u64, Sym, Sym, i64)>,
}

#[derive(Clone, Debug)]
pub enum TopLevel {
    Function(FunctionDef),
    Global(GlobalVar),
    /// A declaration that the object file must mention (weak refs, aliases,
    /// visibility on an extern).
    Decl { name: Sym, ty: CType, attrs: DeclAttrs, thread_local: bool },
    Asm(String),
}
