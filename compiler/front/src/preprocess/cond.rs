//! `#if` expressions (C17 6.10.1): macro-expand the line with `defined`
//! and `__has_*` active, then evaluate in `intmax_t`/`uintmax_t`.

use super::{PpTok, Preprocessor};
use ccc_ir::TargetInfo;
use crate::diag::Loc;
use crate::token::{Token, TokenKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Val {
    v: i64,
    unsigned: bool,
}

impl Val {
    fn int(v: i64) -> Val {
        Val { v, unsigned: false }
    }
    fn truth(self) -> bool {
        self.v != 0
    }
}

/// What `wchar_t` is, for the value of `L'x'`.
#[derive(Clone, Copy)]
enum WideChar {
    /// `-fshort-wchar`: `unsigned short`.
    Short,
    /// The target's 32-bit `wchar_t`.
    Int { signed: bool },
}

impl WideChar {
    fn of(target: &TargetInfo, opts: &super::PpOptions) -> WideChar {
        if opts.short_wchar {
            WideChar::Short
        } else {
            WideChar::Int { signed: target.wchar_signed }
        }
    }
}

struct Parser<'t, 'd> {
    toks: &'t [PpTok],
    pos: usize,
    diag: &'d crate::diag::DiagEngine,
    loc: Loc,
    char_signed: bool,
    wchar: WideChar,
    failed: bool,
    depth: u32,
}

impl<'a> Preprocessor<'a> {
    /// Evaluate a `#if`/`#elif` line; errors count as false.
    pub(super) fn eval_if(&mut self, line: Vec<Token>, loc: Loc) -> bool {
        if line.is_empty() {
            self.diag.error(loc, "#if with no expression");
            return false;
        }
        let toks: Vec<PpTok> = line.into_iter().map(|t| PpTok { tok: t, hs: 0, flags: 0 }).collect();
        let was = self.in_if;
        self.in_if = true;
        let expanded = self.expand_list(toks);
        self.in_if = was;
        let char_signed = self.opts.char_signed.unwrap_or(self.target.char_signed);
        let mut p = Parser { toks: &expanded, pos: 0, diag: self.diag, loc, char_signed, wchar: WideChar::of(&self.target, self.opts), failed: false, depth: 0 };
        let v = p.expr(true);
        if !p.failed {
            if let Some(t) = p.toks.get(p.pos) {
                p.fail_at(t, format!("missing binary operator before token \"{}\"", t.tok.text));
            }
        }
        !p.failed && v.truth()
    }

    /// `defined X` / `defined(X)` inside `#if`: read the operand raw.
    pub(super) fn eval_defined(&mut self, t: PpTok) -> PpTok {
        let mut op = self.next_raw();
        let paren = op.tok.kind == TokenKind::Punct && op.tok.text == self.syms.lparen;
        if paren {
            op = self.next_raw();
        }
        let mut ok = op.tok.kind == TokenKind::Ident;
        if paren {
            let close = self.next_raw();
            if close.tok.text != self.syms.rparen {
                ok = false;
                self.pending.push(close);
            }
        }
        if !ok {
            self.diag.error(t.tok.loc, "operator \"defined\" requires an identifier");
        }
        let v = ok && self.macro_of(op.tok.text).is_some();
        let mut r = t;
        r.tok.kind = TokenKind::Number;
        r.tok.text = if v { self.syms.one } else { self.syms.zero };
        r
    }
}

impl<'t, 'd> Parser<'t, 'd> {
    fn fail_at(&mut self, t: &PpTok, msg: String) {
        if !self.failed {
            let loc = if t.tok.loc.line > 0 { t.tok.loc } else { self.loc };
            self.diag.error(loc, msg);
        }
        self.failed = true;
    }

    fn fail(&mut self, msg: &str) {
        if !self.failed {
            self.diag.error(self.loc, msg.to_string());
        }
        self.failed = true;
    }

    fn peek(&self) -> Option<&'t str> {
        self.toks.get(self.pos).filter(|t| t.tok.kind == TokenKind::Punct).map(|t| t.tok.text.as_str())
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.peek() == Some(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// expression: conditional (',' conditional)*
    fn expr(&mut self, eval: bool) -> Val {
        let mut v = self.cond(eval);
        while self.eat(",") {
            v = self.cond(eval);
        }
        v
    }

    fn cond(&mut self, eval: bool) -> Val {
        let c = self.binary(1, eval);
        if !self.eat("?") {
            return c;
        }
        let a = self.expr(eval && c.truth());
        if !self.eat(":") {
            self.fail("expected ':' in #if conditional expression");
            return Val::int(0);
        }
        let b = self.cond(eval && !c.truth());
        let unsigned = a.unsigned || b.unsigned;
        let v = if c.truth() { a.v } else { b.v };
        Val { v, unsigned }
    }

    fn prec(op: &str) -> Option<u8> {
        crate::token::binary_precedence(op)
    }

    fn binary(&mut self, min: u8, eval: bool) -> Val {
        let mut lhs = self.unary(eval);
        loop {
            let Some(op) = self.peek() else { break };
            let Some(p) = Self::prec(op) else { break };
            if p < min {
                break;
            }
            self.pos += 1;
            let rhs_eval = match op {
                "&&" => eval && lhs.truth(),
                "||" => eval && !lhs.truth(),
                _ => eval,
            };
            let rhs = self.binary(p + 1, rhs_eval);
            lhs = self.apply(op, lhs, rhs, eval);
        }
        lhs
    }

    fn apply(&mut self, op: &str, a: Val, b: Val, eval: bool) -> Val {
        let u = a.unsigned || b.unsigned;
        let (x, y) = (a.v, b.v);
        let (ux, uy) = (x as u64, y as u64);
        let bool_val = |c: bool| Val::int(c as i64);
        match op {
            "||" => bool_val(a.truth() || b.truth()),
            "&&" => bool_val(a.truth() && b.truth()),
            "|" => Val { v: x | y, unsigned: u },
            "^" => Val { v: x ^ y, unsigned: u },
            "&" => Val { v: x & y, unsigned: u },
            "==" => bool_val(x == y),
            "!=" => bool_val(x != y),
            "<" => bool_val(if u { ux < uy } else { x < y }),
            ">" => bool_val(if u { ux > uy } else { x > y }),
            "<=" => bool_val(if u { ux <= uy } else { x <= y }),
            ">=" => bool_val(if u { ux >= uy } else { x >= y }),
            "<<" | ">>" => {
                let left = (op == "<<") == (b.unsigned || y >= 0);
                let n = if !b.unsigned && y < 0 { y.unsigned_abs() } else { uy };
                let v = if left {
                    if n >= 64 { 0 } else { (ux << n) as i64 }
                } else if a.unsigned {
                    if n >= 64 { 0 } else { (ux >> n) as i64 }
                } else if n >= 64 {
                    if x < 0 { -1 } else { 0 }
                } else {
                    x >> n
                };
                Val { v, unsigned: a.unsigned }
            }
            "+" => Val { v: x.wrapping_add(y), unsigned: u },
            "-" => Val { v: x.wrapping_sub(y), unsigned: u },
            "*" => Val { v: x.wrapping_mul(y), unsigned: u },
            "/" | "%" => {
                if y == 0 {
                    if eval {
                        self.fail("division by zero in #if");
                    }
                    return Val { v: 0, unsigned: u };
                }
                let v = if u {
                    (if op == "/" { ux / uy } else { ux % uy }) as i64
                } else if op == "/" {
                    x.wrapping_div(y)
                } else {
                    x.wrapping_rem(y)
                };
                Val { v, unsigned: u }
            }
            _ => Val::int(0),
        }
    }

    fn unary(&mut self, eval: bool) -> Val {
        // Bound the recursion (GCC has no limit, but nobody nests this deep).
        if self.depth > 10_000 {
            self.fail("#if expression nested too deeply");
            self.pos = self.toks.len();
            return Val::int(0);
        }
        self.depth += 1;
        let v = self.unary_inner(eval);
        self.depth -= 1;
        v
    }

    fn unary_inner(&mut self, eval: bool) -> Val {
        let Some(t) = self.toks.get(self.pos) else {
            self.fail("#if with no expression");
            return Val::int(0);
        };
        self.pos += 1;
        let text = t.tok.text.as_str();
        match t.tok.kind {
            TokenKind::Punct => match text {
                "(" => {
                    if self.peek() == Some(")") {
                        self.fail_at(t, "missing expression between '(' and ')'".into());
                        return Val::int(0);
                    }
                    let v = self.expr(eval);
                    if !self.eat(")") {
                        self.fail_at(t, "missing ')' in expression".into());
                    }
                    v
                }
                "+" => self.unary(eval),
                "-" => {
                    let v = self.unary(eval);
                    Val { v: v.v.wrapping_neg(), unsigned: v.unsigned }
                }
                "~" => {
                    let v = self.unary(eval);
                    Val { v: !v.v, unsigned: v.unsigned }
                }
                "!" => {
                    let v = self.unary(eval);
                    Val::int(!v.truth() as i64)
                }
                _ => {
                    self.fail_at(t, format!("token \"{text}\" is not valid in preprocessor expressions"));
                    Val::int(0)
                }
            },
            TokenKind::Number => self.number(t),
            TokenKind::Char => match char_value(text, self.char_signed, self.wchar) {
                Some(v) => v,
                None => {
                    self.fail_at(t, format!("invalid character constant {text} in #if"));
                    Val::int(0)
                }
            },
            // Identifiers left after expansion (C17 6.10.1p4).
            TokenKind::Ident => {
                if self.peek() == Some("(") && text.starts_with("__has_") {
                    self.fail_at(t, format!("missing '(' before \"{text}\" operand"));
                }
                Val::int(0)
            }
            _ => {
                self.fail_at(t, format!("token \"{text}\" is not valid in preprocessor expressions"));
                Val::int(0)
            }
        }
    }

    fn number(&mut self, t: &PpTok) -> Val {
        let text = t.tok.text.as_str();
        match parse_int(text) {
            Ok(v) => v,
            Err(msg) => {
                self.fail_at(t, msg);
                Val::int(0)
            }
        }
    }
}

/// A pp-number as an integer constant of `#if`.
fn parse_int(text: &str) -> Result<Val, String> {
    let clean: String = text.chars().filter(|&c| c != '\'').collect();
    let lower = clean.to_ascii_lowercase();
    let (digits, radix) = if let Some(r) = lower.strip_prefix("0x") {
        (r, 16)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (r, 2)
    } else if lower.starts_with('0') && lower.len() > 1 {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    let (num, suffix) = digits.split_at(end);
    let is_float = radix != 16 && (suffix.starts_with('.') || suffix.starts_with('e')) || radix == 16 && (suffix.starts_with('.') || suffix.starts_with('p'));
    if is_float {
        return Err("floating constant in preprocessor expression".into());
    }
    if !matches!(suffix, "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu" | "wb" | "uwb") {
        return Err(format!("invalid suffix \"{}\" on integer constant", &clean[clean.len() - suffix.len()..]));
    }
    let v = if num.is_empty() {
        if radix == 8 { 0 } else { return Err(format!("invalid integer constant \"{text}\" in #if")) }
    } else {
        u64::from_str_radix(num, radix).map_err(|_| "integer constant is too large for its type".to_string())?
    };
    let unsigned = suffix.contains('u') || v > i64::MAX as u64;
    Ok(Val { v: v as i64, unsigned })
}

/// Value of a character constant in `#if`.
fn char_value(text: &str, char_signed: bool, wchar: WideChar) -> Option<Val> {
    let (prefix, rest) = match text.find('\'') {
        Some(i) => (&text[..i], &text[i..]),
        None => return None,
    };
    let body = rest.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut vals: Vec<u32> = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if prefix.is_empty() {
                let mut buf = [0u8; 4];
                vals.extend(c.encode_utf8(&mut buf).bytes().map(|b| b as u32));
            } else {
                vals.push(c as u32);
            }
            continue;
        }
        let e = chars.next()?;
        let v = match e {
            'n' => 10,
            't' => 9,
            'r' => 13,
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'v' => 11,
            'e' | 'E' => 27,
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                v
            }
            'x' => {
                let mut v: u32 = 0;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) {
                    v = v.wrapping_mul(16).wrapping_add(d);
                    chars.next();
                }
                v
            }
            'u' | 'U' => {
                let n = if e == 'u' { 4 } else { 8 };
                let mut v = 0;
                for _ in 0..n {
                    v = v * 16 + chars.next()?.to_digit(16)?;
                }
                v
            }
            other => other as u32,
        };
        vals.push(v);
    }
    if vals.is_empty() {
        return None;
    }
    Some(match prefix {
        "" => {
            if vals.len() == 1 {
                let b = vals[0] as u8;
                Val::int(if char_signed { b as i8 as i64 } else { b as i64 })
            } else {
                // Multi-character constant: int, implementation-defined (GCC).
                let mut v: u32 = 0;
                for x in vals {
                    v = (v << 8) | (x & 0xff);
                }
                Val::int(v as i32 as i64)
            }
        }
        "u8" => Val::int((vals[vals.len() - 1] & 0xff) as i64),
        "u" => Val::int((vals[vals.len() - 1] & 0xffff) as i64),
        "U" => Val { v: vals[vals.len() - 1] as i64, unsigned: false },
        _ => {
            let v = vals[vals.len() - 1];
            Val::int(match wchar {
                WideChar::Short => (v & 0xffff) as i64,
                WideChar::Int { signed: true } => v as i32 as i64,
                WideChar::Int { signed: false } => v as i64,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("0x10"), Ok(Val { v: 16, unsigned: false }));
        assert_eq!(parse_int("010"), Ok(Val { v: 8, unsigned: false }));
        assert_eq!(parse_int("0"), Ok(Val { v: 0, unsigned: false }));
        assert_eq!(parse_int("1u"), Ok(Val { v: 1, unsigned: true }));
        assert_eq!(parse_int("201710L"), Ok(Val { v: 201710, unsigned: false }));
        assert_eq!(parse_int("0xffffffffffffffff").map(|v| v.unsigned), Ok(true));
        assert!(parse_int("1.0").is_err());
        assert!(parse_int("1e5").is_err());
        assert!(parse_int("12abc").is_err());
    }

    #[test]
    fn chars() {
        assert_eq!(char_value("'a'", true, WideChar::Int { signed: true }), Some(Val::int(97)));
        assert_eq!(char_value("'\\377'", true, WideChar::Int { signed: true }), Some(Val::int(-1)));
        assert_eq!(char_value("'\\377'", false, WideChar::Int { signed: true }), Some(Val::int(255)));
        assert_eq!(char_value("'ab'", true, WideChar::Int { signed: true }), Some(Val::int(0x6162)));
        assert_eq!(char_value("L'\\x41'", true, WideChar::Int { signed: true }), Some(Val::int(0x41)));
        assert_eq!(char_value("L'\\x1fffe'", true, WideChar::Short), Some(Val::int(0xfffe)));
        assert_eq!(char_value("L'\\x1fffe'", true, WideChar::Int { signed: true }), Some(Val::int(0x1fffe)));
    }
}
