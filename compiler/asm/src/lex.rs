//! Lexing GNU as source: comments out, lines split into statements, statements into tokens.

/// One token of a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// Symbol, directive or mnemonic name (may start with `.` or `_`, contain `$`).
    Ident(String),
    /// Integer literal (wrapping to 64 bits, as GNU as does for .quad and below).
    Num(i64),
    /// Integer literal wider than 64 bits (a GNU as "bignum"): only `.octa` takes one.
    Big(u128),
    /// Floating literal kept as text (only `.float`/`.double` read it).
    Float(String),
    Str(Vec<u8>),
    /// `%name` register.
    Reg(String),
    /// Numeric local label reference `1b` / `1f`.
    LocalRef(u32, bool),
    /// Operator or punctuation: one or two characters.
    Op(&'static str),
}

/// A source statement: its tokens and the 1-based line it came from.
#[derive(Clone, Debug)]
pub struct Stmt {
    pub line: u32,
    pub toks: Vec<Tok>,
}

/// Remove `/* */` and `#` comments (keeping newlines so line numbers stay right).
/// With `hash_comments` false (AArch64, where `#` starts an immediate) comments are `//`
/// to the end of the line and `#` only as the first non-blank character of a line.
pub fn strip_comments(src: &str, hash_comments: bool) -> String {
    strip_comments_semis(src, hash_comments).0
}

/// [`strip_comments`], and whether a `;` (a statement separator) is left outside strings
/// and character constants: without one no line needs splitting.
pub fn strip_comments_semis(src: &str, hash_comments: bool) -> (String, bool) {
    let mut semis = false;
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            if c == b'"' || c == b'\n' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                out.push(c);
                i += 1;
            }
            b'\'' if i + 1 < b.len() => {
                // Character constant: keep it (and an escaped character) verbatim.
                out.push(c);
                if b[i + 1] == b'\\' && i + 2 < b.len() {
                    out.extend_from_slice(&b[i + 1..i + 3]);
                    i += 3;
                } else {
                    out.push(b[i + 1]);
                    i += 2;
                }
                if i < b.len() && b[i] == b'\'' {
                    out.push(b'\'');
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        out.push(b'\n');
                    }
                    i += 1;
                }
                out.push(b' ');
                i += 2;
            }
            b'/' if !hash_comments && b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' if hash_comments || out.iter().rev().take_while(|c| **c != b'\n').all(|c| c.is_ascii_whitespace()) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {
                // Copy up to the next byte that may start a string or comment in one go.
                semis |= c == b';';
                let st = i;
                i += 1;
                while i < b.len() && !matches!(b[i], b'"' | b'\'' | b'/' | b'#' | b';') {
                    i += 1;
                }
                out.extend_from_slice(&b[st..i]);
            }
        }
    }
    (String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()), semis)
}

/// Split one line into statements at `;` outside strings (an iterator: no allocation for
/// the usual line of one statement).
pub fn split_statements(line: &str) -> Statements<'_> {
    Statements { line, start: Some(0) }
}

pub struct Statements<'a> {
    line: &'a str,
    /// Start of the next statement; None when all were returned.
    start: Option<usize>,
}

impl<'a> Iterator for Statements<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let start = self.start?;
        let b = self.line.as_bytes();
        if start == 0 && !b.contains(&b';') {
            self.start = None;
            return Some(self.line);
        }
        let mut in_str = false;
        let mut i = start;
        while i < b.len() {
            match b[i] {
                b'\\' if in_str => i += 1,
                b'"' => in_str = !in_str,
                b'\'' if !in_str => i += 1,
                b';' if !in_str => {
                    self.start = Some(i + 1);
                    return Some(&self.line[start..i]);
                }
                _ => {}
            }
            i += 1;
        }
        self.start = None;
        Some(&self.line[start..])
    }
}

/// Byte classes for the tokenizer's inner loop: bit 0 starts a name, bit 1 continues one.
const IDENT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let start = b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b >= 0x80;
        let cont = start || b.is_ascii_digit() || b == b'$';
        t[c] = start as u8 | (cont as u8) << 1;
        c += 1;
    }
    t
};

fn is_ident_start(c: u8) -> bool {
    IDENT[c as usize] & 1 != 0
}

fn is_ident_char(c: u8) -> bool {
    IDENT[c as usize] & 2 != 0
}

/// Tokenize one statement.
pub fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::with_capacity(8);
    tokenize_into(s, &mut toks)?;
    Ok(toks)
}

/// Tokenize one statement, appending to `toks`.
pub fn tokenize_into(s: &str, toks: &mut Vec<Tok>) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if is_ident_start(c) {
            let st = i;
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            toks.push(Tok::Ident(s[st..i].to_string()));
            continue;
        }
        // `% rip` (a blank the C preprocessor left): where `%` cannot be the modulo
        // operator, after `(`, `,` or at the start, it still names a register.
        let blank_reg = c == b'%'
            && matches!(toks.last(), None | Some(Tok::Op("(" | ",")))
            && b[i + 1..].iter().position(|c| !c.is_ascii_whitespace()).is_some_and(|k| k > 0 && b[i + 1 + k].is_ascii_alphabetic());
        if blank_reg {
            i += 1;
            while b[i].is_ascii_whitespace() {
                i += 1;
            }
            i -= 1;
        }
        if (c == b'%' && i + 1 < b.len() && (b[i + 1].is_ascii_alphabetic())) || blank_reg {
            let st = i + 1;
            i += 1;
            // (`_` for RISC-V's `%pcrel_hi` and friends.)
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Reg(s[st..i].to_ascii_lowercase()));
            continue;
        }
        if c.is_ascii_digit() {
            let (tok, n) = lex_number(&s[i..])?;
            toks.push(tok);
            i += n;
            continue;
        }
        if c == b'"' {
            let (bytes, n) = lex_string(&b[i..])?;
            toks.push(Tok::Str(bytes));
            i += n;
            continue;
        }
        if c == b'\'' {
            // 'c (GNU style, optional closing quote) or '\n'.
            let (v, n) = if b.get(i + 1) == Some(&b'\\') {
                let (v, n) = unescape(&b[i + 2..])?;
                (v as i64, n + 2)
            } else {
                (*b.get(i + 1).ok_or("bad character constant")? as i64, 2)
            };
            i += n;
            if b.get(i) == Some(&b'\'') {
                i += 1;
            }
            toks.push(Tok::Num(v));
            continue;
        }
        // (Matched on bytes: this runs for every punctuation character.)
        let two = match (c, b.get(i + 1).copied().unwrap_or(0)) {
            (b'<', b'<') => Some("<<"),
            (b'>', b'>') => Some(">>"),
            (b'=', b'=') => Some("=="),
            (b'!', b'=') => Some("!="),
            (b'<', b'=') => Some("<="),
            (b'>', b'=') => Some(">="),
            (b'&', b'&') => Some("&&"),
            (b'|', b'|') => Some("||"),
            (b'<', b'>') => Some("<>"),
            _ => None,
        };
        if let Some(op) = two {
            toks.push(Tok::Op(op));
            i += 2;
            continue;
        }
        let one = match c {
            b'+' => Some("+"),
            b'-' => Some("-"),
            b'*' => Some("*"),
            b'/' => Some("/"),
            b'%' => Some("%"),
            b'(' => Some("("),
            b')' => Some(")"),
            b',' => Some(","),
            b':' => Some(":"),
            b'$' => Some("$"),
            b'@' => Some("@"),
            b'~' => Some("~"),
            b'!' => Some("!"),
            b'&' => Some("&"),
            b'|' => Some("|"),
            b'^' => Some("^"),
            b'<' => Some("<"),
            b'>' => Some(">"),
            b'=' => Some("="),
            b'[' => Some("["),
            b']' => Some("]"),
            b'{' => Some("{"),
            b'}' => Some("}"),
            b'#' => Some("#"),
            _ => None,
        };
        if let Some(op) = one {
            toks.push(Tok::Op(op));
            i += 1;
            continue;
        }
        if c == b'\\' {
            toks.push(Tok::Op("\\"));
            i += 1;
            continue;
        }
        return Err(format!("junk character '{}'", c as char));
    }
    Ok(())
}

fn lex_number(s: &str) -> Result<(Tok, usize), String> {
    let b = s.as_bytes();
    let mut n = 0;
    while n < b.len() && (b[n].is_ascii_alphanumeric() || b[n] == b'_') {
        n += 1;
    }
    let text = &s[..n];
    // Floating literal: digits '.' digits [e...]; only .float/.double use it.
    if n < b.len() && b[n] == b'.' && text.bytes().all(|c| c.is_ascii_digit()) {
        let mut m = n + 1;
        while m < b.len() && (b[m].is_ascii_alphanumeric() || ((b[m] == b'+' || b[m] == b'-') && (b[m - 1] | 0x20) == b'e')) {
            m += 1;
        }
        return Ok((Tok::Float(s[..m].to_string()), m));
    }
    // Plain decimal (the usual case): no lower-casing copy, no 128-bit parse.
    if (n == 1 || b[0] != b'0') && b[..n].iter().all(u8::is_ascii_digit) {
        let mut v: u64 = 0;
        let fits = b[..n].iter().all(|d| match v.checked_mul(10).and_then(|x| x.checked_add((d - b'0') as u64)) {
            Some(x) => {
                v = x;
                true
            }
            None => false,
        });
        if fits {
            return Ok((Tok::Num(v as i64), n));
        }
    }
    let lower = text.to_ascii_lowercase();
    if (lower.ends_with('b') || lower.ends_with('f')) && lower[..lower.len() - 1].bytes().all(|c| c.is_ascii_digit()) && lower.len() > 1 {
        let num: u32 = lower[..lower.len() - 1].parse().map_err(|_| format!("bad local label reference '{text}'"))?;
        return Ok((Tok::LocalRef(num, lower.ends_with('f')), n));
    }
    let v = if let Some(h) = lower.strip_prefix("0x") {
        u128::from_str_radix(h, 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        u128::from_str_radix(bin, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        u128::from_str_radix(&lower[1..], 8)
    } else {
        lower.parse::<u128>()
    }
    .map_err(|_| format!("bad number '{text}'"))?;
    match u64::try_from(v) {
        Ok(v) => Ok((Tok::Num(v as i64), n)),
        Err(_) => Ok((Tok::Big(v), n)),
    }
}

/// One escape sequence after the backslash; returns (byte, chars consumed).
fn unescape(b: &[u8]) -> Result<(u8, usize), String> {
    let c = *b.first().ok_or("unterminated escape")?;
    Ok(match c {
        b'n' => (b'\n', 1),
        b't' => (b'\t', 1),
        b'r' => (b'\r', 1),
        b'b' => (8, 1),
        b'f' => (12, 1),
        b'v' => (11, 1),
        b'a' => (7, 1),
        b'e' => (27, 1),
        b'x' | b'X' => {
            let mut v: u32 = 0;
            let mut k = 1;
            while k < b.len() && b[k].is_ascii_hexdigit() {
                v = (v << 4) | (b[k] as char).to_digit(16).unwrap_or(0);
                k += 1;
            }
            ((v & 0xff) as u8, k)
        }
        b'0'..=b'7' => {
            let mut v: u32 = 0;
            let mut k = 0;
            while k < b.len() && k < 3 && (b'0'..=b'7').contains(&b[k]) {
                v = v * 8 + (b[k] - b'0') as u32;
                k += 1;
            }
            ((v & 0xff) as u8, k)
        }
        other => (other, 1),
    })
}

fn lex_string(b: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Ok((out, i + 1)),
            b'\\' => {
                let (c, n) = unescape(&b[i + 1..])?;
                out.push(c);
                i += 1 + n;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err("unterminated string".into())
}

/// Split a token list at top-level commas (outside parentheses).
pub fn split_commas(toks: &[Tok]) -> Vec<&[Tok]> {
    split_commas_outside(toks, &["("], &[")"])
}

/// Split a token list at commas outside any of the `open`/`close` bracket pairs.
pub fn split_commas_outside<'t>(toks: &'t [Tok], open: &[&str], close: &[&str]) -> Vec<&'t [Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op(o) if open.contains(o) => depth += 1,
            Tok::Op(c) if close.contains(c) => depth -= 1,
            Tok::Op(",") if depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < toks.len() || !out.is_empty() {
        out.push(&toks[start..]);
    }
    out
}
