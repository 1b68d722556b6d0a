//! Recursive-descent parser that also performs semantic analysis: names are
//! resolved through scopes, expression types are computed and implicit
//! conversions inserted as the AST is built.

mod bitprecise;
mod builtins;
mod consteval;
mod decl;
mod globalreg;
use globalreg::RegisterVar;
mod expr;
mod init;
mod literal;
mod nested;
mod object_size;
mod static_init;
mod stmt;

pub use static_init::long_double_bits;

use crate::intern::{FxHashMap as HashMap, FxHashSet};
use std::rc::Rc;

use ccc_ir::TargetInfo;

use crate::ast::*;
use crate::diag::{DiagEngine, Loc};
use crate::intern::Sym;
use crate::token::{Token, TokenKind};
use crate::types::*;
use crate::FrontOptions;

pub use consteval::ConstValue;
pub use expr::{is_null_constant, same_type_unqual};

/// The result of parsing: items in source order, the record/enum tables,
/// and for each item that is an initialised global its evaluated data.
pub struct ParsedUnit {
    pub items: Vec<TopLevel>,
    pub tables: Rc<TypeTables>,
    pub static_data: Vec<Option<StaticData>>,
    /// Functions declared `noreturn` (by attribute or `_Noreturn`) anywhere.
    pub noreturn_fns: FxHashSet<Sym>,
}

/// An error already reported to the diagnostics engine.
#[derive(Debug)]
pub struct Reported;

pub type PResult<T> = Result<T, Reported>;

#[derive(Clone, Debug)]
pub enum Binding {
    Var { var: VarRef, ty: CType },
    Typedef(CType),
    EnumConst { value: i128, ty: CType },
}

#[derive(Clone, Debug)]
pub enum TagBinding {
    Record(RecordId),
    Enum(EnumId),
}

#[derive(Default)]
struct Scope {
    names: HashMap<Sym, Binding>,
    tags: HashMap<Sym, TagBinding>,
    /// Nesting depth of the function the scope belongs to (0: file scope
    /// and ordinary functions, 1: a nested function, ...).
    depth: u32,
    /// Local labels declared with `__label__`: (name in the source, the
    /// function-unique name every use inside this scope refers to).
    labels: Vec<(Sym, Sym)>,
}

/// What the parser knows about a file-scope name across declarations.
#[derive(Clone, Debug)]
pub struct GlobalInfo {
    pub ty: CType,
    pub is_static: bool,
    pub defined: bool,
    pub index: Option<usize>,
}

/// Per-function parsing state.
#[derive(Default)]
struct FuncState {
    locals: Vec<LocalVar>,
    /// Local register variables (`register long a0 asm("a0")`): the register
    /// each names, which it is in when used as an asm operand.
    asm_registers: HashMap<LocalId, String>,
    /// Case labels of the innermost switch: (low, high, index), default index.
    switch_cases: Vec<(Vec<(i128, i128, usize)>, Option<usize>, CType)>,
    next_case: usize,
    name: Option<Sym>,
    ret: Option<CType>,
    labels_used: Vec<(Sym, Loc)>,
    labels_defined: Vec<Sym>,
    static_counter: u32,
    /// Statements computing VLA sizes, emitted before the declaration that needs them.
    pending_vla: Vec<Stmt>,
    /// `__func__`, created on first use.
    func_name_var: Option<Sym>,
    /// What this function's nested functions reach through its frame block.
    frame: Vec<FrameEntry>,
    /// Nested functions declared here: (symbol, name, where), to check
    /// that each gets defined.
    nested_declared: Vec<(Sym, Sym, Loc)>,
}

pub struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    pub diag: &'a DiagEngine,
    pub target: &'a TargetInfo,
    pub opts: &'a FrontOptions,
    pub tables: Rc<TypeTables>,
    scopes: Vec<Scope>,
    pub globals: HashMap<Sym, GlobalInfo>,
    pub items: Vec<TopLevel>,
    func: Option<FuncState>,
    /// Functions enclosing the one being parsed (GNU nested functions),
    /// outermost first: `func` is at depth `enclosing.len()`.
    enclosing: Vec<FuncState>,
    /// Counter for unique names of string literals, compound literals, statics.
    anon_counter: u32,
    /// `#pragma pack` stack; current value in effect (0 = none).
    pack_stack: Vec<u32>,
    /// `#pragma GCC visibility push(...)`: the visibility in effect for
    /// external declarations without their own, and the saved ones.
    pragma_visibility: Option<String>,
    visibility_stack: Vec<Option<String>>,
    pack: u32,
    kw: Keywords,
    /// Parameters of the most recent file-scope function declarator.
    last_params: Option<decl::ParamState>,
    /// Attributes met inside a declarator (after `*`, `]` or `)`), for
    /// the declaration being parsed: callers take them after `declarator`.
    pub(super) declarator_attrs: DeclAttrs,
    /// The function a static local belongs to (for `&&label` in its initializer).
    static_owner: HashMap<Sym, Sym>,
    /// While evaluating a static initializer: the owning function, if any.
    cur_static_owner: Option<Sym>,
    /// File-scope objects of struct types not complete when declared.
    incomplete_objects: Vec<(Sym, Loc, RecordId)>,
    /// Functions declared implicitly by a call; a later declaration may
    /// differ (GCC warns, we take the explicit one).
    pub(super) implicit_fns: FxHashSet<Sym>,
    /// File-scope register variables read as registers (GNU global register
    /// variables), by name, with their type and register.
    pub(super) register_vars: HashMap<Sym, (CType, RegisterVar)>,
    /// Evaluating where C requires a constant (`__builtin_choose_expr`, case labels, array
    /// sizes, static initialisers): a `__builtin_constant_p` left to the optimiser is 0 here,
    /// as GCC decides it early in such places.
    pub(super) constant_required: bool,
    /// Merged attributes of each function's declarations, by assembler name.
    pub(super) fn_decl_attrs: HashMap<Sym, crate::ast::DeclAttrs>,
    /// Symbols named by `asm("...")` labels: several C names may share one
    /// (glibc redirects `stat` to `stat64`), so their types are not compared.
    pub(super) asm_labeled: FxHashSet<Sym>,
    /// Symbols declared `weak` so far, by assembler name: only their address
    /// may be null, so only theirs is not folded when compared with zero.
    pub(super) weak_symbols: FxHashSet<Sym>,
}

/// Pre-interned keyword spellings, compared as integers.
/// Keywords by spelling: a table indexed by `Sym` (keywords are interned early, so it
/// stays small), read for nearly every identifier the parser sees.
struct Keywords {
    by_sym: Vec<Option<Kw>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    Void,
    Char,
    Short,
    Int,
    Long,
    Float,
    Double,
    Signed,
    Unsigned,
    Bool,
    Complex,
    Imaginary,
    Int128,
    Struct,
    Union,
    Enum,
    Typedef,
    Extern,
    Static,
    Auto,
    Register,
    ThreadLocal,
    Inline,
    Noreturn,
    Const,
    Volatile,
    Restrict,
    Atomic,
    Alignas,
    Alignof,
    /// `__alignof__`: GCC's preferred alignment (8 for `long long` and
    /// `double` on i386, where `_Alignof` gives their ABI alignment 4).
    GnuAlignof,
    Sizeof,
    If,
    Else,
    While,
    Do,
    For,
    Switch,
    Case,
    Default,
    Break,
    Continue,
    Return,
    Goto,
    StaticAssert,
    Generic,
    Typeof,
    TypeofUnqual,
    AutoType,
    Asm,
    Attribute,
    Extension,
    BuiltinVaList,
    BuiltinOffsetof,
    BuiltinVaArg,
    BuiltinTypesCompatible,
    BuiltinChooseExpr,
    Real,
    Imag,
    Float128,
    Label,
}

impl Keywords {
    fn new() -> Keywords {
        use Kw::*;
        let list: &[(&str, Kw)] = &[
            ("void", Void),
            ("char", Char),
            ("short", Short),
            ("int", Int),
            ("long", Long),
            ("float", Float),
            ("double", Double),
            ("signed", Signed),
            ("__signed", Signed),
            ("__signed__", Signed),
            ("unsigned", Unsigned),
            ("_Bool", Bool),
            ("bool", Bool),
            ("_Complex", Complex),
            ("__complex__", Complex),
            ("__complex", Complex),
            ("_Imaginary", Imaginary),
            ("__int128", Int128),
            ("__int128_t", Int128),
            ("struct", Struct),
            ("union", Union),
            ("enum", Enum),
            ("typedef", Typedef),
            ("extern", Extern),
            ("static", Static),
            ("auto", Auto),
            ("register", Register),
            ("_Thread_local", ThreadLocal),
            ("__thread", ThreadLocal),
            ("thread_local", ThreadLocal),
            ("inline", Inline),
            ("__inline", Inline),
            ("__inline__", Inline),
            ("_Noreturn", Noreturn),
            ("const", Const),
            ("__const", Const),
            ("__const__", Const),
            ("volatile", Volatile),
            ("__volatile", Volatile),
            ("__volatile__", Volatile),
            ("restrict", Restrict),
            ("__restrict", Restrict),
            ("__restrict__", Restrict),
            ("_Atomic", Atomic),
            ("_Alignas", Alignas),
            ("alignas", Alignas),
            ("_Alignof", Alignof),
            ("alignof", Alignof),
            ("__alignof__", GnuAlignof),
            ("__alignof", GnuAlignof),
            ("sizeof", Sizeof),
            ("if", If),
            ("else", Else),
            ("while", While),
            ("do", Do),
            ("for", For),
            ("switch", Switch),
            ("case", Case),
            ("default", Default),
            ("break", Break),
            ("continue", Continue),
            ("return", Return),
            ("goto", Goto),
            ("_Static_assert", StaticAssert),
            ("static_assert", StaticAssert),
            ("_Generic", Generic),
            ("typeof", Typeof),
            ("__typeof", Typeof),
            ("__typeof__", Typeof),
            ("typeof_unqual", TypeofUnqual),
            ("__typeof_unqual__", TypeofUnqual),
            ("__auto_type", AutoType),
            ("asm", Asm),
            ("__asm", Asm),
            ("__asm__", Asm),
            ("__attribute__", Attribute),
            ("__attribute", Attribute),
            ("__extension__", Extension),
            ("__builtin_va_list", BuiltinVaList),
            ("__builtin_offsetof", BuiltinOffsetof),
            ("__builtin_va_arg", BuiltinVaArg),
            ("__builtin_types_compatible_p", BuiltinTypesCompatible),
            ("__builtin_choose_expr", BuiltinChooseExpr),
            ("__real__", Real),
            ("__real", Real),
            ("__imag__", Imag),
            ("__imag", Imag),
            ("_Float128", Float128),
            ("__float128", Float128),
            ("__label__", Label),
        ];
        let mut by_sym = Vec::new();
        for (s, k) in list {
            let i = Sym::intern(s).0 as usize;
            if by_sym.len() <= i {
                by_sym.resize(i + 1, None);
            }
            by_sym[i] = Some(*k);
        }
        Keywords { by_sym }
    }

    fn get(&self, s: Sym) -> Option<Kw> {
        self.by_sym.get(s.0 as usize).copied().flatten()
    }
}

impl<'a> Parser<'a> {
    pub fn new(toks: Vec<Token>, diag: &'a DiagEngine, target: &'a TargetInfo, opts: &'a FrontOptions) -> Self {
        // Pragmas reach us as single tokens; only `pack` and `GCC
        // visibility` affect code generation, so the others are dropped here
        // (they may appear in the middle of expressions through `_Pragma`).
        let kept = |t: &str| t.starts_with("pack") || t.starts_with("GCC visibility");
        let mut toks = toks;
        toks.retain(|t| t.kind != TokenKind::Pragma || kept(t.text.as_str().trim_start()));
        if toks.last().map(|t| t.kind != TokenKind::Eof).unwrap_or(true) {
            let loc = toks.last().map(|t| t.loc).unwrap_or_default();
            toks.push(Token { kind: TokenKind::Eof, text: Sym::intern(""), loc, space_before: false, line_start: true });
        }
        let mut scope0 = Scope::default();
        // GCC's _FloatN types, which glibc's headers use as keywords.
        for (name, k) in [("_Float32", FloatKind::Float), ("_Float64", FloatKind::Double), ("_Float32x", FloatKind::Double), ("_Float64x", FloatKind::LongDouble)] {
            scope0.names.insert(Sym::intern(name), Binding::Typedef(CType::new(Kind::Float(k))));
        }
        scope0.names.insert(Sym::intern("__uint128_t"), Binding::Typedef(CType::int_of(IntKind::Int128, false)));
        Parser {
            toks,
            pos: 0,
            diag,
            target,
            opts,
            tables: Rc::new(TypeTables::default()),
            scopes: vec![scope0],
            globals: HashMap::default(),
            items: Vec::new(),
            func: None,
            enclosing: Vec::new(),
            anon_counter: 0,
            pack_stack: Vec::new(),
            pragma_visibility: None,
            visibility_stack: Vec::new(),
            pack: 0,
            kw: Keywords::new(),
            last_params: None,
            declarator_attrs: DeclAttrs::default(),
            static_owner: HashMap::default(),
            cur_static_owner: None,
            incomplete_objects: Vec::new(),
            implicit_fns: FxHashSet::default(),
            fn_decl_attrs: std::collections::HashMap::default(),
            register_vars: std::collections::HashMap::default(),
            constant_required: false,
            asm_labeled: FxHashSet::default(),
            weak_symbols: FxHashSet::default(),
        }
    }

    pub fn layout(&self) -> Layout<'_> {
        Layout { target: self.target, tables: &self.tables }
    }

    // ---------------------------------------------------------------- tokens

    fn peek(&self) -> &Token {
        &self.toks[self.pos]
    }

    fn peek_at(&self, n: usize) -> &Token {
        let i = (self.pos + n).min(self.toks.len() - 1);
        &self.toks[i]
    }

    fn loc(&self) -> Loc {
        self.toks[self.pos].loc
    }

    fn advance(&mut self) -> Token {
        let t = self.toks[self.pos];
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    fn is_punct(&self, s: &str) -> bool {
        let t = self.peek();
        t.kind == TokenKind::Punct && t.text.is(s)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.is_punct(s) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, s: &str) -> PResult<Token> {
        if self.is_punct(s) {
            Ok(self.advance())
        } else {
            let t = *self.peek();
            let found = describe(&t);
            Err(self.error_at(t.loc, format!("expected '{s}' before {found}")))
        }
    }

    fn keyword(&self) -> Option<Kw> {
        let t = self.peek();
        if t.kind != TokenKind::Ident {
            return None;
        }
        self.kw.get(t.text)
    }

    fn keyword_at(&self, n: usize) -> Option<Kw> {
        let t = self.peek_at(n);
        if t.kind != TokenKind::Ident {
            return None;
        }
        self.kw.get(t.text)
    }

    fn eat_kw(&mut self, k: Kw) -> bool {
        if self.keyword() == Some(k) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_ident(&mut self) -> PResult<(Sym, Loc)> {
        let t = *self.peek();
        if t.kind == TokenKind::Ident && self.keyword().is_none() {
            self.advance();
            Ok((t.text, t.loc))
        } else {
            Err(self.error_at(t.loc, format!("expected identifier before {}", describe(&t))))
        }
    }

    pub fn error_at(&self, loc: Loc, msg: impl Into<String>) -> Reported {
        let loc = if self.at_eof() && loc == self.peek().loc { self.eof_loc() } else { loc };
        self.diag.error(loc, msg);
        Reported
    }

    /// Where GCC reports errors at end of input: the first token of the
    /// last line that has tokens.
    fn eof_loc(&self) -> Loc {
        let n = self.toks.len();
        if n < 2 {
            return self.peek().loc;
        }
        let last = self.toks[n - 2];
        let mut i = n - 2;
        while i > 0 && !self.toks[i].line_start && self.toks[i - 1].loc.line == last.loc.line {
            i -= 1;
        }
        self.toks[i].loc
    }

    fn error_here(&self, msg: impl Into<String>) -> Reported {
        self.error_at(self.loc(), msg)
    }

    fn warn_at(&self, loc: Loc, msg: impl Into<String>) {
        self.diag.warning(loc, msg);
    }

    // ---------------------------------------------------------------- scopes

    fn push_scope(&mut self) {
        let depth = self.enclosing.len() as u32;
        self.scopes.push(Scope { depth, ..Scope::default() });
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    fn lookup(&self, name: Sym) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.names.get(&name))
    }

    fn lookup_tag(&self, name: Sym) -> Option<&TagBinding> {
        self.scopes.iter().rev().find_map(|s| s.tags.get(&name))
    }

    fn lookup_tag_current(&self, name: Sym) -> Option<&TagBinding> {
        self.scopes.last().and_then(|s| s.tags.get(&name))
    }

    fn bind(&mut self, name: Sym, b: Binding) {
        self.scopes.last_mut().expect("scope").names.insert(name, b);
    }

    fn bind_tag(&mut self, name: Sym, b: TagBinding) {
        self.scopes.last_mut().expect("scope").tags.insert(name, b);
    }

    fn is_typedef_name(&self, t: &Token) -> bool {
        t.kind == TokenKind::Ident && matches!(self.lookup(t.text), Some(Binding::Typedef(_)))
    }

    fn fresh_name(&mut self, prefix: &str) -> Sym {
        self.anon_counter += 1;
        Sym::intern(&format!("{prefix}.{}", self.anon_counter))
    }

    fn in_function(&self) -> bool {
        self.func.is_some()
    }

    fn new_local(&mut self, name: Sym, ty: CType, align: u32) -> LocalId {
        let f = self.func.as_mut().expect("local outside a function");
        f.locals.push(LocalVar { name, ty, align, is_param: false, cleanup: None, volatile: false });
        f.locals.len() - 1
    }

    /// Run the whole translation unit.
    pub fn parse_translation_unit(mut self) -> PResult<ParsedUnit> {
        while !self.at_eof() {
            self.top_level()?;
        }
        for (name, loc, r) in std::mem::take(&mut self.incomplete_objects) {
            if !self.tables.record(r).complete {
                return Err(self.error_at(loc, format!("storage size of '{name}' isn't known")));
            }
        }
        // Evaluate static initializers (this may add string literal globals).
        let mut data = Vec::new();
        let mut i = 0;
        while i < self.items.len() {
            let init = match &self.items[i] {
                TopLevel::Global(g) => {
                    self.cur_static_owner = self.static_owner.get(&g.name).copied();
                    g.init.clone()
                }
                _ => None,
            };
            data.push(match init {
                Some(init) => Some(self.static_data(&init)?),
                None => None,
            });
            i += 1;
        }
        let noreturn_fns = self.fn_decl_attrs.iter().filter(|(_, a)| a.noreturn).map(|(n, _)| *n).collect();
        Ok(ParsedUnit { items: self.items, tables: self.tables, static_data: data, noreturn_fns })
    }
}

fn describe(t: &Token) -> String {
    match t.kind {
        TokenKind::Eof => "end of input".to_string(),
        TokenKind::Number => "numeric constant".to_string(),
        TokenKind::Str => "string constant".to_string(),
        _ => format!("'{}'", t.text),
    }
}
