//! The C lexer: source text in, preprocessing tokens out.
//!
//! Translation phases 1-3: line splices (backslash-newline, also with
//! trailing blanks as GCC accepts) and CRLF line ends are removed once, up
//! front, into a cleaned buffer; locations are mapped back to physical lines
//! through the list of splice positions. Comments become whitespace. The
//! lexer never fails: unterminated literals become `Other` tokens holding the
//! rest of the line (the preprocessor decides whether that is an error, since
//! it is harmless in skipped groups).

use std::rc::Rc;

use crate::diag::{DiagEngine, FileId, Loc};
use crate::intern::Sym;
use crate::token::{Token, TokenKind};

pub struct Lexer {
    /// `$` may appear in identifiers (off for assembler-with-cpp, as in GCC).
    dollar_in_identifiers: bool,
    /// Cleaned text: no splices, no carriage returns before newlines.
    text: Rc<str>,
    pos: usize,
    file: FileId,
    /// Physical line (1-based) of `line_begin`.
    line: u32,
    /// Byte offset where the current physical line starts (for columns).
    line_begin: usize,
    /// Offsets in `text` where a splice was removed, ascending.
    splices: Vec<u32>,
    next_splice: usize,
    /// Added to physical line numbers (`#line`).
    line_offset: i64,
    at_bol: bool,
    peeked: Option<Token>,
    /// Lexing a skipped conditional group: only punctuators (`#`) matter, so
    /// identifiers, numbers and literals are scanned but not interned.
    pub skipping: bool,
    /// The spelling skipped tokens and `Eof` carry.
    empty: Sym,
}

/// Remove line splices and CRs of CRLF pairs. Returns the cleaned text
/// (None if nothing changes) and the offsets (in the cleaned text) where a
/// physical line break vanished. Copies whole runs between the rare
/// interesting bytes.
fn clean(src: &str) -> (Option<String>, Vec<u32>) {
    let b = src.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut splices = Vec::new();
    let mut last = 0; // start of the not yet copied run
    let mut i = 0;
    while let Some(off) = crate::scan::find2(b'\\', b'\r', &b[i..]) {
        let p = i + off;
        i = p + 1;
        let drop_to = if b[p] == b'\\' {
            // Backslash, optional blanks, then a line end: a splice.
            let mut j = p + 1;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            if b.get(j) == Some(&b'\n') {
                Some(j + 1)
            } else if b.get(j) == Some(&b'\r') && b.get(j + 1) == Some(&b'\n') {
                Some(j + 2)
            } else {
                None
            }
        } else if b.get(p + 1) == Some(&b'\n') {
            Some(p + 1) // drop the CR of CRLF, keep the LF
        } else {
            None
        };
        let Some(to) = drop_to else { continue };
        if out.capacity() == 0 {
            out.reserve(b.len());
        }
        out.extend_from_slice(&b[last..p]);
        if b[p] == b'\\' {
            splices.push(out.len() as u32);
        }
        last = to;
        i = to;
    }
    if last == 0 {
        return (None, splices);
    }
    out.extend_from_slice(&b[last..]);
    // Only ASCII bytes were removed, so the result is still UTF-8.
    (Some(String::from_utf8(out).unwrap_or_default()), splices)
}

/// Per byte: bit 0 = may start an identifier, bit 1 = may continue one (`$` is
/// handled apart: it is an identifier character in C but not in assembly).
static IDENT_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            t[c] = 3;
        } else if b.is_ascii_digit() {
            t[c] = 2;
        }
        c += 1;
    }
    t
};

/// `$` is an identifier character in C (GNU) but not in assembly (`$imm`).
#[inline]
fn is_ident_start(c: u8, dollar: bool) -> bool {
    IDENT_CLASS[c as usize] & 1 != 0 || (c == b'$' && dollar)
}

#[inline]
fn is_ident_cont(c: u8, dollar: bool) -> bool {
    IDENT_CLASS[c as usize] & 2 != 0 || (c == b'$' && dollar)
}

use crate::token::MULTI_PUNCTUATORS as MULTI;

/// The longest punctuator at the start of `b` (at least 2 bytes long):
/// (length, index into MULTI, or the ASCII code of a one-character
/// canonical spelling + 256 for digraphs).
#[inline]
fn match_punct(b: &[u8]) -> Option<(usize, usize)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let (c1, c2) = (at(1), at(2));
    let m = |s: &str| MULTI.iter().position(|x| *x == s).unwrap_or(0);
    Some(match (b[0], c1) {
        (b'.', b'.') if c2 == b'.' => (3, 0),
        (b'<', b'<') if c2 == b'=' => (3, 1),
        (b'>', b'>') if c2 == b'=' => (3, 2),
        (b'%', b':') if c2 == b'%' && at(3) == b':' => (4, 22),
        (b'-', b'>') => (2, 3),
        (b'+', b'+') => (2, 4),
        (b'-', b'-') => (2, 5),
        (b'<', b'<') => (2, 6),
        (b'>', b'>') => (2, 7),
        (b'<', b'=') => (2, 8),
        (b'>', b'=') => (2, 9),
        (b'=', b'=') => (2, 10),
        (b'!', b'=') => (2, 11),
        (b'&', b'&') => (2, 12),
        (b'|', b'|') => (2, 13),
        (b'*' | b'/' | b'%' | b'+' | b'-' | b'&' | b'^' | b'|', b'=') => {
            (2, m(match b[0] {
                b'*' => "*=",
                b'/' => "/=",
                b'%' => "%=",
                b'+' => "+=",
                b'-' => "-=",
                b'&' => "&=",
                b'^' => "^=",
                _ => "|=",
            }))
        }
        (b'#', b'#') => (2, 22),
        (b'<', b':') => (2, 256 + b'[' as usize),
        (b':', b'>') => (2, 256 + b']' as usize),
        (b'<', b'%') => (2, 256 + b'{' as usize),
        (b'%', b'>') => (2, 256 + b'}' as usize),
        (b'%', b':') => (2, 256 + b'#' as usize),
        _ => return None,
    })
}

impl Lexer {
    pub fn new(text: Rc<str>, file: FileId) -> Lexer {
        let (cleaned, splices) = clean(&text);
        let text = match cleaned {
            Some(s) => Rc::from(s),
            None => text,
        };
        let mut pos = 0;
        // A UTF-8 byte order mark is not part of the source.
        if text.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]) {
            pos = 3;
        }
        Lexer { text, pos, file, line: 1, line_begin: 0, splices, next_splice: 0, line_offset: 0, at_bol: true, peeked: None, dollar_in_identifiers: true, skipping: false, empty: Sym::intern("") }
    }

    /// Assembly source: `$` starts an immediate, not an identifier.
    pub fn for_assembler(mut self) -> Lexer {
        self.dollar_in_identifiers = false;
        self
    }

    pub fn file(&self) -> FileId {
        self.file
    }

    /// Switch the file id used in locations (`#line N "name"`).
    pub fn set_file(&mut self, file: FileId) {
        self.file = file;
    }

    /// Make the next physical line be reported as line `n` (`#line n`).
    /// Call after the directive's tokens were read with `next_in_line`.
    pub fn set_next_line(&mut self, n: u32) {
        self.sync_splices();
        self.line_offset = n as i64 - (self.line as i64 + 1);
    }

    /// The line number the current position reports.
    pub fn current_line(&mut self) -> u32 {
        self.sync_splices();
        (self.line as i64 + self.line_offset).max(0) as u32
    }

    fn sync_splices(&mut self) {
        while self.next_splice < self.splices.len() && self.splices[self.next_splice] as usize <= self.pos {
            self.line += 1;
            self.line_begin = self.splices[self.next_splice] as usize;
            self.next_splice += 1;
        }
    }

    fn loc_at(&mut self, pos: usize) -> Loc {
        debug_assert!(pos == self.pos);
        self.sync_splices();
        Loc { file: self.file, line: (self.line as i64 + self.line_offset).max(0) as u32, col: (pos - self.line_begin) as u32 + 1 }
    }

    /// Skip blanks and comments. Returns (saw whitespace, stopped at newline).
    /// With `stop_at_nl`, stops in front of a newline instead of crossing it.
    fn skip_space(&mut self, diag: &DiagEngine, stop_at_nl: bool) -> (bool, bool) {
        let mut space = false;
        loop {
            // Re-borrowed each round: `newline_at` below needs all of `self`.
            let b = self.text.as_bytes();
            let Some(&c) = b.get(self.pos) else { return (space, false) };
            match c {
                b' ' | b'\t' | b'\x0c' | b'\x0b' | b'\r' => {
                    self.pos += 1;
                    space = true;
                }
                b'\n' => {
                    if stop_at_nl {
                        return (space, true);
                    }
                    self.pos += 1;
                    self.newline_at(self.pos);
                    // Like GCC's PREV_WHITE: a line's first token has
                    // whitespace before it only if its own line has some.
                    space = false;
                }
                b'/' if b.get(self.pos + 1) == Some(&b'/') => {
                    match memchr(b'\n', &b[self.pos..]) {
                        Some(n) => self.pos += n,
                        None => self.pos = b.len(),
                    }
                    space = true;
                }
                b'/' if b.get(self.pos + 1) == Some(&b'*') => {
                    let start = self.pos;
                    let start_loc = self.loc_at(start);
                    self.pos += 2;
                    loop {
                        let b = self.text.as_bytes();
                        match memchr2(b'*', b'\n', &b[self.pos..]) {
                            None => {
                                self.pos = b.len();
                                diag.error(start_loc, "unterminated comment");
                                return (true, false);
                            }
                            Some(n) => {
                                self.pos += n;
                                if b[self.pos] == b'\n' {
                                    // Not a line start: the comment is one space.
                                    self.pos += 1;
                                    let bol = self.at_bol;
                                    self.newline_at(self.pos);
                                    self.at_bol = bol;
                                } else if b.get(self.pos + 1) == Some(&b'/') {
                                    self.pos += 2;
                                    break;
                                } else {
                                    self.pos += 1;
                                }
                            }
                        }
                    }
                    space = true;
                }
                _ => return (space, false),
            }
        }
    }

    fn newline_at(&mut self, pos: usize) {
        self.sync_splices_before(pos);
        self.line += 1;
        self.line_begin = pos;
        self.at_bol = true;
    }

    fn sync_splices_before(&mut self, pos: usize) {
        while self.next_splice < self.splices.len() && (self.splices[self.next_splice] as usize) < pos {
            self.line += 1;
            self.next_splice += 1;
        }
    }

    /// Look at the next token without consuming it.
    pub fn peek(&mut self, diag: &DiagEngine) -> Token {
        if let Some(t) = self.peeked {
            return t;
        }
        let t = self.lex(diag);
        self.peeked = Some(t);
        t
    }

    pub fn next(&mut self, diag: &DiagEngine) -> Token {
        if let Some(t) = self.peeked.take() {
            return t;
        }
        self.lex(diag)
    }

    /// The next token of the current line, or `None` at its end (the newline
    /// is not consumed, so `set_next_line` can still act on the next line).
    pub fn next_in_line(&mut self, diag: &DiagEngine) -> Option<Token> {
        if let Some(t) = self.peeked {
            if t.line_start || t.kind == TokenKind::Eof {
                return None;
            }
            self.peeked = None;
            return Some(t);
        }
        let (space, at_nl) = self.skip_space(diag, true);
        if at_nl || self.pos >= self.text.len() {
            return None;
        }
        let mut t = self.lex_token(diag);
        t.space_before = space;
        t.line_start = false;
        Some(t)
    }

    /// Skip to the end of the current line; returns its raw text (trimmed),
    /// for `#error` messages and the like.
    pub fn rest_of_line(&mut self) -> String {
        let mut s = String::new();
        if let Some(t) = self.peeked {
            if t.line_start || t.kind == TokenKind::Eof {
                return s;
            }
            self.peeked = None;
            s.push_str(t.text.as_str());
            if t.kind == TokenKind::Other && t.text.as_str().len() > 1 {
                return s; // an unterminated literal already took the rest
            }
        }
        let b = self.text.as_bytes();
        let end = memchr(b'\n', &b[self.pos..]).map(|n| self.pos + n).unwrap_or(b.len());
        s.push_str(&self.text[self.pos..end]);
        self.pos = end;
        s.trim().to_string()
    }

    fn lex(&mut self, diag: &DiagEngine) -> Token {
        let (space, _) = self.skip_space(diag, false);
        let bol = self.at_bol;
        if self.pos >= self.text.len() {
            let loc = self.loc_at(self.pos);
            return Token { kind: TokenKind::Eof, text: self.empty, loc, space_before: space, line_start: true };
        }
        let mut t = self.lex_token(diag);
        t.space_before = space;
        t.line_start = bol;
        self.at_bol = false;
        t
    }

    /// Lex one token starting at `pos` (not whitespace, not end of input).
    fn lex_token(&mut self, _diag: &DiagEngine) -> Token {
        let start = self.pos;
        let loc = self.loc_at(start);
        let text: &str = &self.text;
        let b = text.as_bytes();
        let c = b[start];
        let mk = |kind, sym| Token { kind, text: sym, loc, space_before: false, line_start: false };
        let (skipping, empty) = (self.skipping, self.empty);
        let spelling = |s: &str| if skipping { empty } else { Sym::intern(s) };

        // Character and string literals, with their encoding prefixes.
        let quote_at = match c {
            b'"' | b'\'' => Some(start),
            b'L' | b'U' if matches!(b.get(start + 1), Some(b'"' | b'\'')) => Some(start + 1),
            b'u' if matches!(b.get(start + 1), Some(b'"' | b'\'')) => Some(start + 1),
            b'u' if b.get(start + 1) == Some(&b'8') && matches!(b.get(start + 2), Some(b'"' | b'\'')) => Some(start + 2),
            _ => None,
        };
        if let Some(q) = quote_at {
            let quote = b[q];
            let mut i = q + 1;
            loop {
                match b.get(i) {
                    None | Some(b'\n') => {
                        // Unterminated: the rest of the line is one stray token.
                        self.pos = i;
                        return mk(TokenKind::Other, spelling(&text[start..i]));
                    }
                    Some(b'\\') => i += if i + 1 < b.len() && b[i + 1] != b'\n' { 2 } else { 1 },
                    Some(&ch) if ch == quote => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            self.pos = i;
            let kind = if quote == b'"' { TokenKind::Str } else { TokenKind::Char };
            return mk(kind, spelling(&text[start..i]));
        }

        if is_ident_start(c, self.dollar_in_identifiers) || (c == b'\\' && matches!(b.get(start + 1), Some(b'u' | b'U'))) {
            let mut i = start;
            loop {
                match b.get(i) {
                    Some(&ch) if is_ident_cont(ch, self.dollar_in_identifiers) => i += 1,
                    // Universal character names inside identifiers.
                    Some(b'\\') if matches!(b.get(i + 1), Some(b'u' | b'U')) => {
                        let n = if b[i + 1] == b'u' { 4 } else { 8 };
                        if b.len() >= i + 2 + n && b[i + 2..i + 2 + n].iter().all(|h| h.is_ascii_hexdigit()) {
                            i += 2 + n;
                        } else {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            if i > start {
                self.pos = i;
                return mk(TokenKind::Ident, spelling(&text[start..i]));
            }
        }

        if c.is_ascii_digit() || (c == b'.' && b.get(start + 1).is_some_and(|d| d.is_ascii_digit())) {
            let mut i = start + 1;
            while let Some(&ch) = b.get(i) {
                if matches!(ch, b'e' | b'E' | b'p' | b'P') && matches!(b.get(i + 1), Some(b'+' | b'-')) {
                    i += 2;
                } else if is_ident_cont(ch, self.dollar_in_identifiers) || ch == b'.' {
                    i += 1;
                } else if ch == b'\'' && b.get(i + 1).is_some_and(|d| d.is_ascii_alphanumeric() || *d == b'_') {
                    // C2x digit separator.
                    i += 2;
                } else {
                    break;
                }
            }
            self.pos = i;
            return mk(TokenKind::Number, spelling(&text[start..i]));
        }

        if c < 128 {
            if let Some((len, idx)) = match_punct(&b[start..]) {
                self.pos = start + len;
                let sym = if idx >= 256 { Sym::ascii((idx - 256) as u8) } else { Sym::multi_punct(idx) };
                return mk(TokenKind::Punct, sym);
            }
            self.pos = start + 1;
            let punct = matches!(c, b'[' | b']' | b'(' | b')' | b'{' | b'}' | b'.' | b'&' | b'*' | b'+' | b'-' | b'~' | b'!' | b'/' | b'%' | b'<' | b'>' | b'^' | b'|' | b'?' | b':' | b';' | b'=' | b',' | b'#');
            let kind = if punct { TokenKind::Punct } else { TokenKind::Other };
            return mk(kind, Sym::ascii(c));
        }
        // Unreachable in practice: bytes >= 0x80 start identifiers.
        self.pos = start + 1;
        mk(TokenKind::Other, Sym::intern("?"))
    }
}

use crate::scan::{find as memchr, find2 as memchr2};

/// Lex a whole string (pragma bodies, `-D` values, pasted tokens). The last
/// token is `Eof`.
pub fn tokenize_str(s: &str, file: FileId, diag: &DiagEngine) -> Vec<Token> {
    let mut lx = Lexer::new(Rc::from(s), file);
    let mut out = Vec::new();
    loop {
        let t = lx.next(diag);
        out.push(t);
        if t.kind == TokenKind::Eof {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Vec<(TokenKind, String)> {
        let d = DiagEngine::new();
        tokenize_str(s, FileId(0), &d).into_iter().map(|t| (t.kind, t.text.as_str().to_string())).collect()
    }

    fn texts(s: &str) -> Vec<String> {
        lex(s).into_iter().filter(|t| t.0 != TokenKind::Eof).map(|t| t.1).collect()
    }

    #[test]
    fn punctuators_and_digraphs() {
        assert_eq!(texts("a<<=b->c...%:%:<: :> <% %> %:"), ["a", "<<=", "b", "->", "c", "...", "##", "[", "]", "{", "}", "#"]);
        assert_eq!(texts("x+++++y"), ["x", "++", "++", "+", "y"]);
    }

    #[test]
    fn numbers_are_pp_numbers() {
        assert_eq!(texts("0x1p-3 1e+10f .5 1.2.3 08 0xe+1 12'345"), ["0x1p-3", "1e+10f", ".5", "1.2.3", "08", "0xe+1", "12'345"]);
        assert_eq!(lex("1..2")[0], (TokenKind::Number, "1..2".into()));
    }

    #[test]
    fn literals_keep_prefix_and_escapes() {
        let t = lex(r#"L"a\"b" u8"x" U'c' u'\n' '\\' "#);
        assert_eq!(t[0], (TokenKind::Str, r#"L"a\"b""#.into()));
        assert_eq!(t[1], (TokenKind::Str, r#"u8"x""#.into()));
        assert_eq!(t[2], (TokenKind::Char, "U'c'".into()));
        assert_eq!(t[3], (TokenKind::Char, r"u'\n'".into()));
        assert_eq!(t[4], (TokenKind::Char, r"'\\'".into()));
    }

    #[test]
    fn unterminated_literal_is_other() {
        let t = lex("it's fine\nnext");
        assert_eq!(t[1], (TokenKind::Other, "'s fine".into()));
        assert_eq!(t[2], (TokenKind::Ident, "next".into()));
    }

    #[test]
    fn splices_comments_crlf() {
        let d = DiagEngine::new();
        let toks = tokenize_str("ab\\\ncd /* x\n y */ e // c \\\n still comment\r\nf", FileId(0), &d);
        let v: Vec<_> = toks.iter().map(|t| (t.text.as_str(), t.loc.line, t.line_start, t.space_before)).collect();
        assert_eq!(v[0], ("abcd", 1, true, false));
        assert_eq!(v[1], ("e", 3, false, true));
        assert_eq!(v[2], ("f", 5, true, false));
    }

    #[test]
    fn columns_and_lines() {
        let d = DiagEngine::new();
        let toks = tokenize_str("int x;\n  y\t=1;", FileId(0), &d);
        assert_eq!((toks[1].loc.line, toks[1].loc.col), (1, 5));
        assert_eq!((toks[3].loc.line, toks[3].loc.col), (2, 3));
        assert_eq!((toks[5].loc.line, toks[5].loc.col), (2, 6));
    }

    #[test]
    fn utf8_identifiers_and_strings() {
        assert_eq!(texts("int café = \"héllo\";"), ["int", "café", "=", "\"héllo\"", ";"]);
        assert_eq!(texts("\\u00e9x @"), ["\\u00e9x", "@"]);
    }

    #[test]
    fn next_in_line_stops_at_newline() {
        let d = DiagEngine::new();
        let mut lx = Lexer::new(Rc::from("# define A 1 /* multi\nline */ 2\nB"), FileId(0));
        assert_eq!(lx.next(&d).text.as_str(), "#");
        let mut got = Vec::new();
        while let Some(t) = lx.next_in_line(&d) {
            got.push(t.text.as_str());
        }
        assert_eq!(got, ["define", "A", "1", "2"]);
        lx.set_next_line(100);
        let b = lx.next(&d);
        assert_eq!((b.text.as_str(), b.loc.line, b.line_start), ("B", 100, true));
    }

    #[test]
    fn unterminated_comment_reports() {
        let d = DiagEngine::new();
        let t = tokenize_str("a /* b", FileId(0), &d);
        assert_eq!(t.len(), 2);
        assert!(d.has_errors());
    }
}
