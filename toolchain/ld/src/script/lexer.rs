//! Characters to tokens. Linker scripts are context sensitive (`*(.text.*)` is a pattern,
//! `a-b` an expression), so the parser asks for a word or an expression token as it needs.

use crate::bail;
use crate::error::Result;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Num(u64),
    /// A symbol, section or function name.
    Name(String),
    Str(String),
    /// An operator or punctuation.
    Op(&'static str),
}

/// Operators, longest first so `<<=` wins over `<<` and `<`.
const OPS: &[&str] = &[
    "<<=", ">>=", "<<", ">>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "&=", "|=", "+", "-", "*", "/",
    "%", "&", "|", "^", "~", "!", "<", ">", "?", ":", "(", ")", "=", ",", ";", "{", "}",
];

#[derive(Clone)]
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    pub file: String,
}

impl<'a> Lexer<'a> {
    pub fn new(file: &str, src: &'a str) -> Lexer<'a> {
        Lexer { src: src.as_bytes(), pos: 0, line: 1, file: file.to_string() }
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// `FILE:LINE: message`, the form GNU ld uses for script errors.
    pub fn error<T>(&self, msg: impl std::fmt::Display) -> Result<T> {
        bail!("{}:{}: {}", self.file, self.line, msg)
    }

    fn skip_ws(&mut self) {
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c == b'\n' {
                self.line += 1;
                self.pos += 1;
            } else if c.is_ascii_whitespace() {
                self.pos += 1;
            } else if self.src[self.pos..].starts_with(b"/*") {
                self.pos += 2;
                while self.pos < self.src.len() && !self.src[self.pos..].starts_with(b"*/") {
                    if self.src[self.pos] == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                }
                self.pos = (self.pos + 2).min(self.src.len());
            } else {
                break;
            }
        }
    }

    pub fn at_eof(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.src.len()
    }

    /// True if the next characters are `p` (an operator, not a prefix of a longer one).
    pub fn peek(&mut self, p: &str) -> bool {
        self.skip_ws();
        if !self.src[self.pos..].starts_with(p.as_bytes()) {
            return false;
        }
        // `=` must not match the start of `==`.
        let longer = OPS.iter().any(|o| o.len() > p.len() && o.starts_with(p) && self.src[self.pos..].starts_with(o.as_bytes()));
        !longer
    }

    pub fn eat(&mut self, p: &str) -> bool {
        if self.peek(p) {
            self.pos += p.len();
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, p: &str) -> Result<()> {
        if self.eat(p) {
            return Ok(());
        }
        let near = self.peek_word().unwrap_or_else(|| "end of file".into());
        self.error(format!("syntax error: expected `{p}' before `{near}'"))
    }

    fn word_char(c: u8) -> bool {
        !(c.is_ascii_whitespace() || b"(){};,=:\"".contains(&c))
    }

    /// A name or pattern: a file name, section name or glob (`*`, `.text.*`, `/DISCARD/`),
    /// or a quoted string.
    pub fn word(&mut self) -> Result<String> {
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b'"') {
            return self.quoted();
        }
        let start = self.pos;
        while self.pos < self.src.len() && Self::word_char(self.src[self.pos]) {
            // A comment ends the word.
            if self.src[self.pos..].starts_with(b"/*") {
                break;
            }
            self.pos += 1;
        }
        if start == self.pos {
            let near = self.src.get(self.pos).map_or("end of file".to_string(), |&c| (c as char).to_string());
            return self.error(format!("syntax error: expected a name before `{near}'"));
        }
        Ok(String::from_utf8_lossy(&self.src[start..self.pos]).into_owned())
    }

    fn quoted(&mut self) -> Result<String> {
        let start = self.pos + 1;
        let Some(len) = self.src[start..].iter().position(|&c| c == b'"') else {
            return self.error("unterminated string");
        };
        self.pos = start + len + 1;
        Ok(String::from_utf8_lossy(&self.src[start..start + len]).into_owned())
    }

    /// The raw text between `{` and its matching `}` (VERSION bodies have their own
    /// grammar, read by `version_script`).
    pub fn braced_text(&mut self) -> Result<String> {
        self.expect("{")?;
        let start = self.pos;
        let mut depth = 1;
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        let text = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
                        self.pos += 1;
                        return Ok(text);
                    }
                }
                b'\n' => self.line += 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.error("syntax error: unterminated {")
    }

    pub fn peek_word(&mut self) -> Option<String> {
        let save = self.clone();
        let w = self.word().ok();
        *self = save;
        w
    }

    /// One token of an expression.
    pub fn expr_token(&mut self) -> Result<Tok> {
        self.skip_ws();
        let Some(&c) = self.src.get(self.pos) else { return self.error("syntax error: unexpected end of file") };
        if c == b'"' {
            return Ok(Tok::Str(self.quoted()?));
        }
        if c.is_ascii_digit() {
            let start = self.pos;
            while self.pos < self.src.len() && self.src[self.pos].is_ascii_alphanumeric() {
                self.pos += 1;
            }
            let text = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
            return match parse_number(&text) {
                Some(n) => Ok(Tok::Num(n)),
                None => self.error(format!("invalid number `{text}'")),
            };
        }
        if c.is_ascii_alphabetic() || b"_.$".contains(&c) {
            let start = self.pos;
            while self.pos < self.src.len() && (self.src[self.pos].is_ascii_alphanumeric() || b"_.$".contains(&self.src[self.pos])) {
                self.pos += 1;
            }
            return Ok(Tok::Name(String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()));
        }
        for op in OPS {
            if self.src[self.pos..].starts_with(op.as_bytes()) {
                self.pos += op.len();
                return Ok(Tok::Op(op));
            }
        }
        self.error(format!("syntax error: unexpected `{}'", c as char))
    }

    pub fn peek_expr_token(&mut self) -> Result<Tok> {
        let save = self.clone();
        let t = self.expr_token();
        *self = save;
        t
    }
}

/// `0x1f`, `017` (octal), `42`, `4K`, `1M`, `0x10h`-style suffixes are GNU's too.
pub fn parse_number(s: &str) -> Option<u64> {
    let (body, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1024),
        b'M' | b'm' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    let n = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if let Some(h) = body.strip_suffix('h').or_else(|| body.strip_suffix('H')) {
        u64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    n.checked_mul(mult)
}
