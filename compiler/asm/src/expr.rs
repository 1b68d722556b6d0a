//! Expressions: parsing (GNU as precedence) and evaluation to `sym - sym + constant`.

use crate::lex::Tok;

pub type SymId = u32;

/// Relocation modifier written as `sym@NAME`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    Plt,
    GotPcRel,
    Got,
    GotOff,
    GotPc,
    TpOff,
    NtpOff,
    GotTpOff,
    TlsGd,
    TlsLd,
    DtpOff,
    Size,
}

impl Modifier {
    fn parse(s: &str) -> Option<Modifier> {
        Some(match s.to_ascii_uppercase().as_str() {
            "PLT" => Modifier::Plt,
            "GOTPCREL" => Modifier::GotPcRel,
            "GOT" => Modifier::Got,
            "GOTOFF" => Modifier::GotOff,
            "GOTPC" => Modifier::GotPc,
            "TPOFF" => Modifier::TpOff,
            "NTPOFF" => Modifier::NtpOff,
            "GOTTPOFF" => Modifier::GotTpOff,
            "TLSGD" => Modifier::TlsGd,
            "TLSLD" => Modifier::TlsLd,
            "DTPOFF" => Modifier::DtpOff,
            "SIZE" => Modifier::Size,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    Or,
    And,
    Xor,
    OrNot,
    Add,
    Sub,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    LAnd,
    LOr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    LNot,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(i64),
    /// A register (`.if \reg == %rsp` in kernel macros): only compared for identity.
    Reg(String),
    Sym(SymId),
    Un(UnOp, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    pub fn as_num(&self) -> Option<i64> {
        match self {
            Expr::Num(n) => Some(*n),
            _ => None,
        }
    }
}

/// Name resolution while parsing (the assembler owns the symbol table).
pub trait Names {
    fn sym(&mut self, name: &str) -> SymId;
    fn local_ref(&mut self, n: u32, forward: bool) -> SymId;
    /// A temporary symbol for `.` at the current location.
    fn dot(&mut self) -> SymId;
}

/// A parsed operand expression with its optional `@modifier`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprM {
    pub expr: Expr,
    pub modifier: Option<Modifier>,
}

struct Parser<'a, 'n> {
    toks: &'a [Tok],
    pos: usize,
    names: &'n mut dyn Names,
    modifier: Option<Modifier>,
}

/// Parse a whole token slice as one expression.
pub fn parse(toks: &[Tok], names: &mut dyn Names) -> Result<ExprM, String> {
    if toks.is_empty() {
        return Err("missing expression".into());
    }
    // GNU as creates `_GLOBAL_OFFSET_TABLE_` when it first sees a GOT-relative modifier, before
    // the operand's own symbols (its symbol order shows it).
    for w in toks.windows(2) {
        if let [Tok::Op("@"), Tok::Ident(m)] = w {
            if matches!(Modifier::parse(m), Some(Modifier::GotPcRel | Modifier::Got | Modifier::GotOff | Modifier::GotPc | Modifier::TlsGd | Modifier::TlsLd | Modifier::GotTpOff)) {
                names.sym("_GLOBAL_OFFSET_TABLE_");
            }
        }
    }
    let mut p = Parser { toks, pos: 0, names, modifier: None };
    let e = p.binary(5)?;
    if p.pos != toks.len() {
        return Err(format!("junk at end of expression: {:?}", toks[p.pos]));
    }
    Ok(ExprM { expr: e, modifier: p.modifier })
}

/// A binary operator and its precedence level (1 binds tightest).
fn binop(t: &Tok) -> Option<(BinOp, u8)> {
    let Tok::Op(s) = t else { return None };
    // (Matched on bytes: this runs for every operand token.)
    Some(match s.as_bytes() {
        b"*" => (BinOp::Mul, 1),
        b"/" => (BinOp::Div, 1),
        b"%" => (BinOp::Rem, 1),
        b"<<" => (BinOp::Shl, 1),
        b">>" => (BinOp::Shr, 1),
        b"|" => (BinOp::Or, 2),
        b"&" => (BinOp::And, 2),
        b"^" => (BinOp::Xor, 2),
        b"!" => (BinOp::OrNot, 2),
        b"+" => (BinOp::Add, 3),
        b"-" => (BinOp::Sub, 3),
        b"==" => (BinOp::Eq, 3),
        b"!=" | b"<>" => (BinOp::Ne, 3),
        b"<" => (BinOp::Lt, 3),
        b">" => (BinOp::Gt, 3),
        b"<=" => (BinOp::Le, 3),
        b">=" => (BinOp::Ge, 3),
        b"&&" => (BinOp::LAnd, 4),
        b"||" => (BinOp::LOr, 5),
        _ => return None,
    })
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn binary(&mut self, level: u8) -> Result<Expr, String> {
        if level == 0 {
            return self.unary();
        }
        let mut lhs = self.binary(level - 1)?;
        while let Some(op) = self.peek().and_then(binop).and_then(|(op, l)| (l == level).then_some(op)) {
            self.pos += 1;
            let rhs = self.binary(level - 1)?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let toks = self.toks;
        let t = toks.get(self.pos).ok_or("missing operand")?;
        self.pos += 1;
        let e = match t {
            Tok::Op("-") => Expr::Un(UnOp::Neg, Box::new(self.unary()?)),
            Tok::Op("+") => self.unary()?,
            Tok::Op("~") => Expr::Un(UnOp::Not, Box::new(self.unary()?)),
            Tok::Op("!") => Expr::Un(UnOp::LNot, Box::new(self.unary()?)),
            Tok::Op("(") => {
                let e = self.binary(5)?;
                if self.peek() != Some(&Tok::Op(")")) {
                    return Err("missing ')'".into());
                }
                self.pos += 1;
                e
            }
            Tok::Num(n) => Expr::Num(*n),
            Tok::Reg(r) => Expr::Reg(r.clone()),
            Tok::LocalRef(n, f) => Expr::Sym(self.names.local_ref(*n, *f)),
            Tok::Ident(s) if s == "." => Expr::Sym(self.names.dot()),
            Tok::Ident(s) => {
                let id = self.names.sym(s);
                self.suffix_modifier()?;
                Expr::Sym(id)
            }
            Tok::Str(s) if s.len() == 1 => Expr::Num(s[0] as i64),
            other => return Err(format!("bad expression at {:?}", other)),
        };
        Ok(e)
    }

    /// `sym@PLT` and friends.
    fn suffix_modifier(&mut self) -> Result<(), String> {
        if self.peek() == Some(&Tok::Op("@")) {
            if let Some(Tok::Ident(m)) = self.toks.get(self.pos + 1) {
                let m = Modifier::parse(m).ok_or_else(|| format!("bad reloc specifier '@{m}'"))?;
                self.modifier = Some(m);
                self.pos += 2;
            }
        }
        Ok(())
    }
}

/// The value of a symbol as the evaluator sees it.
pub enum SymVal<'a> {
    /// Undefined, common or otherwise only known to the linker.
    Extern,
    /// A label: its section and (once laid out) its address.
    Label { sec: u32, addr: Option<i64> },
    Abs(i64),
    /// `.set`/`=` to an expression.
    Equ(&'a Expr),
}

pub trait Env {
    fn sym_val(&self, id: SymId) -> SymVal<'_>;
    /// Whether a difference of two labels of section `sec` may be folded to a number.
    fn fold_diff(&self, _sec: u32) -> bool {
        true
    }
    /// `a - b` for two labels whose addresses are not known yet but whose distance is: no
    /// variable-size item between them (`(662b - 661b) / 4` after an alignment).
    fn label_distance(&self, _a: SymId, _b: SymId) -> Option<i64> {
        None
    }
}

/// `add - sub + off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Val {
    pub add: Option<SymId>,
    pub sub: Option<SymId>,
    pub off: i64,
}

impl Val {
    pub fn num(n: i64) -> Val {
        Val { add: None, sub: None, off: n }
    }
    pub fn constant(&self) -> Option<i64> {
        (self.add.is_none() && self.sub.is_none()).then_some(self.off)
    }
}

#[derive(Debug)]
pub enum EvalErr {
    /// Depends on addresses not known yet.
    NotYet,
    Bad(String),
}

pub fn eval(e: &Expr, env: &dyn Env) -> Result<Val, EvalErr> {
    eval_depth(e, env, 0)
}

fn eval_depth(e: &Expr, env: &dyn Env, depth: u32) -> Result<Val, EvalErr> {
    if depth > 100 {
        return Err(EvalErr::Bad("symbol definition loop".into()));
    }
    Ok(match e {
        Expr::Num(n) => Val::num(*n),
        Expr::Reg(r) => return Err(EvalErr::Bad(format!("register %{r} used as a value"))),
        Expr::Bin(op @ (BinOp::Eq | BinOp::Ne), a, b) if matches!((&**a, &**b), (Expr::Reg(_), Expr::Reg(_))) => {
            let same = a == b;
            Val::num(if same == (*op == BinOp::Eq) { -1 } else { 0 })
        }
        Expr::Sym(id) => match env.sym_val(*id) {
            SymVal::Abs(n) => Val::num(n),
            SymVal::Equ(e) => eval_depth(e, env, depth + 1)?,
            _ => Val { add: Some(*id), sub: None, off: 0 },
        },
        Expr::Un(op, a) => {
            let v = eval_depth(a, env, depth + 1)?;
            let n = need_const(v, env)?;
            Val::num(match op {
                UnOp::Neg => n.wrapping_neg(),
                UnOp::Not => !n,
                UnOp::LNot => (n == 0) as i64,
            })
        }
        Expr::Bin(op, a, b) => {
            let x = eval_depth(a, env, depth + 1)?;
            let y = eval_depth(b, env, depth + 1)?;
            match op {
                BinOp::Add => add(x, y, env)?,
                BinOp::Sub => {
                    let neg = negate(y, env)?;
                    add(x, neg, env)?
                }
                _ => {
                    let (p, q) = (need_const(x, env)?, need_const(y, env)?);
                    let t = |c: bool| if c { -1 } else { 0 };
                    Val::num(match op {
                        BinOp::Mul => p.wrapping_mul(q),
                        BinOp::Div | BinOp::Rem if q == 0 => return Err(EvalErr::Bad("division by zero".into())),
                        BinOp::Div => p.wrapping_div(q),
                        BinOp::Rem => p.wrapping_rem(q),
                        BinOp::Shl => p.wrapping_shl(q as u32),
                        BinOp::Shr => ((p as u64).wrapping_shr(q as u32)) as i64,
                        BinOp::Or => p | q,
                        BinOp::And => p & q,
                        BinOp::Xor => p ^ q,
                        BinOp::OrNot => p | !q,
                        BinOp::Eq => t(p == q),
                        BinOp::Ne => t(p != q),
                        BinOp::Lt => t(p < q),
                        BinOp::Gt => t(p > q),
                        BinOp::Le => t(p <= q),
                        BinOp::Ge => t(p >= q),
                        BinOp::LAnd => (p != 0 && q != 0) as i64,
                        BinOp::LOr => (p != 0 || q != 0) as i64,
                        BinOp::Add | BinOp::Sub => unreachable!(),
                    })
                }
            }
        }
    })
}

fn label(env: &dyn Env, id: SymId) -> Option<(u32, Option<i64>)> {
    match env.sym_val(id) {
        SymVal::Label { sec, addr } => Some((sec, addr)),
        _ => None,
    }
}

/// Cancel `a - b` when both are labels of one section with known addresses.
fn simplify(v: Val, env: &dyn Env) -> Result<Val, EvalErr> {
    simplify_in(v, env, false)
}

/// `always`: the difference must be a number (no relocation can carry it), so it is taken
/// from the layout even where the linker may still move the labels (GNU resolves such an
/// expression symbol after relaxation: `.set n, (. - table) / 40` in RISC-V code).
fn simplify_in(mut v: Val, env: &dyn Env, always: bool) -> Result<Val, EvalErr> {
    if let (Some(a), Some(b)) = (v.add, v.sub) {
        if a == b {
            return Ok(Val::num(v.off));
        }
        if let (Some((sa, aa)), Some((sb, ab))) = (label(env, a), label(env, b)) {
            if sa == sb && (always || env.fold_diff(sa)) {
                match (aa, ab, env.label_distance(a, b)) {
                    (Some(x), Some(y), _) => {
                        v = Val::num(v.off.wrapping_add(x - y));
                    }
                    (_, _, Some(d)) => v = Val::num(v.off.wrapping_add(d)),
                    _ => return Err(EvalErr::NotYet),
                }
            }
        }
    }
    Ok(v)
}

fn need_const(v: Val, env: &dyn Env) -> Result<i64, EvalErr> {
    let v = simplify_in(v, env, true)?;
    match v.constant() {
        Some(n) => Ok(n),
        None => {
            // A label not yet placed (or not yet defined: a forward reference) may still
            // become a constant difference.
            let pending = |s: Option<SymId>| s.is_some_and(|a| matches!(label(env, a), Some((_, None))) || matches!(env.sym_val(a), SymVal::Extern));
            if pending(v.add) || (v.add.is_some() && pending(v.sub)) {
                Err(EvalErr::NotYet)
            } else {
                Err(EvalErr::Bad("expression is not a constant".into()))
            }
        }
    }
}

fn negate(v: Val, env: &dyn Env) -> Result<Val, EvalErr> {
    let v = simplify(v, env)?;
    if v.sub.is_some() && v.add.is_some() {
        return Ok(Val { add: v.sub, sub: v.add, off: v.off.wrapping_neg() });
    }
    if v.sub.is_some() {
        return Ok(Val { add: v.sub, sub: None, off: v.off.wrapping_neg() });
    }
    Ok(Val { add: None, sub: v.add, off: v.off.wrapping_neg() })
}

fn add(x: Val, y: Val, env: &dyn Env) -> Result<Val, EvalErr> {
    let x = simplify(x, env)?;
    let y = simplify(y, env)?;
    let pick = |a: Option<SymId>, b: Option<SymId>| -> Result<Option<SymId>, EvalErr> {
        match (a, b) {
            (Some(_), Some(_)) => Err(EvalErr::Bad("can't add two symbols".into())),
            (a, b) => Ok(a.or(b)),
        }
    };
    let mut v = Val { add: None, sub: None, off: x.off.wrapping_add(y.off) };
    // Cancel an add of one side against the sub of the other first.
    let (mut xa, mut xs, mut ya, mut ys) = (x.add, x.sub, y.add, y.sub);
    if xa.is_some() && xa == ys {
        xa = None;
        ys = None;
    }
    if ya.is_some() && ya == xs {
        ya = None;
        xs = None;
    }
    v.add = pick(xa, ya)?;
    v.sub = pick(xs, ys)?;
    simplify(v, env)
}
