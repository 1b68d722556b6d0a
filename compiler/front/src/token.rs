//! Preprocessing tokens, as the preprocessor hands them to the parser.

use crate::diag::Loc;
use crate::intern::Sym;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Identifiers and keywords (the parser tells them apart by spelling).
    Ident,
    /// A preprocessing number (`123`, `0x1p-3`, `1.5e+10f`, `08`); the parser
    /// converts it and reports malformed ones.
    Number,
    /// A character constant with its prefix and quotes: `'a'`, `L'\n'`, `u8'x'`.
    Char,
    /// A string literal with its prefix and quotes: `"abc"`, `L"x"`, `u8"y"`.
    Str,
    /// A punctuator; the spelling is the canonical one (`<:` arrives as `[`,
    /// `%:` as `#`).
    Punct,
    /// A character that is not part of any token (stray `@`, `` ` ``, `\`).
    Other,
    /// A `#pragma` line or `_Pragma("...")` operator that the preprocessor
    /// does not consume itself (`pack`, `GCC visibility`, `GCC diagnostic`,
    /// `weak`, `redefine_extname`, unknown ones...). `text` is the pragma's
    /// body after the word `pragma`, tokens separated by single spaces where
    /// the source had whitespace, e.g. `pack(push, 1)` or
    /// `GCC visibility push(default)`. It arrives as one token where the
    /// directive stood (`line_start` set); the parser re-lexes the body with
    /// `lex::tokenize_str` if it cares and ignores it otherwise. Macros in
    /// the body are not expanded (GCC expands only some pragma namespaces).
    Pragma,
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: Sym,
    pub loc: Loc,
    /// Whitespace preceded the token (for `-E` output and stringizing).
    pub space_before: bool,
    /// First token on its line (for `-E` output and directives).
    pub line_start: bool,
}

/// Multi-character punctuators (canonical spellings). The lexer's `match_punct`
/// returns indices into this table; the interner gives them fixed symbols.
pub const MULTI_PUNCTUATORS: [&str; 23] = [
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=",
    "##",
];

impl Token {
    pub fn is(&self, s: &str) -> bool {
        matches!(self.kind, TokenKind::Punct | TokenKind::Ident) && self.text.is(s)
    }
}

/// Precedence of C's binary operators (higher binds tighter), shared by
/// `#if` evaluation and the parser; `None` for anything else.
pub fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}
