//! `-E` output: tokens back to text, with GCC-style `# line "file" flags`
//! markers (unless `-P`), preserving line structure so that diagnostics on
//! the output match the source.

use super::LineMarker;
use crate::diag::DiagEngine;
use crate::token::{Token, TokenKind};

/// Render preprocessed tokens. `markers` are the preprocessor's line
/// markers; with `line_markers` false (`-P`) they are omitted and blank
/// lines collapsed.
pub fn write_preprocessed(tokens: &[Token], markers: &[LineMarker], diag: &DiagEngine, line_markers: bool) -> String {
    let mut out = String::with_capacity(tokens.len() * 6);
    let names: Vec<String> = diag.files.borrow().iter().map(|f| f.name.clone()).collect();
    let mut cur_file = String::new();
    let mut cur_line: u32 = 0;
    let mut at_bol = true;
    let mut prev: Option<Token> = None;
    let mut mi = 0;
    let emit_marker = |out: &mut String, at_bol: &mut bool, line: u32, file: &str, flag: u8, system: bool| {
        if !*at_bol {
            out.push('\n');
        }
        out.push_str(&format!("# {line} \"{}\"", escape(file)));
        if flag != 0 {
            out.push_str(&format!(" {flag}"));
        }
        if system {
            out.push_str(" 3 4");
        }
        out.push('\n');
        *at_bol = true;
    };
    for (i, t) in tokens.iter().enumerate() {
        while mi < markers.len() && markers[mi].index <= i {
            let m = &markers[mi];
            if line_markers {
                emit_marker(&mut out, &mut at_bol, m.line, &m.file, m.flag, m.system);
            }
            cur_file = m.file.clone();
            cur_line = m.line;
            mi += 1;
            prev = None;
        }
        if t.kind == TokenKind::Eof {
            break;
        }
        let file = names.get(t.loc.file.0 as usize).map(String::as_str).unwrap_or("");
        if t.kind == TokenKind::Pragma {
            if !at_bol {
                out.push('\n');
            }
            out.push_str("#pragma ");
            out.push_str(t.text.as_str());
            out.push('\n');
            cur_line = t.loc.line + 1;
            at_bol = true;
            prev = None;
            continue;
        }
        let line = t.loc.line;
        if t.line_start || line != cur_line || file != cur_file {
            if file != cur_file || line < cur_line || line > cur_line + 8 {
                if line_markers && t.loc.line > 0 {
                    emit_marker(&mut out, &mut at_bol, line, file, 0, false);
                } else if !at_bol {
                    out.push('\n');
                    at_bol = true;
                }
                cur_file = file.to_string();
            } else if line > cur_line {
                let n = if line_markers { line - cur_line } else { 1 };
                for _ in 0..n {
                    out.push('\n');
                }
                at_bol = true;
            } else if !at_bol && t.line_start {
                out.push('\n');
                at_bol = true;
            }
            cur_line = line;
            if at_bol {
                // GCC keeps the indentation of the first token of a line.
                for _ in 1..t.loc.col.min(256) {
                    out.push(' ');
                }
            }
        }
        if !at_bol && (t.space_before || prev.is_some_and(|p| avoid_paste(&p, t))) {
            out.push(' ');
        }
        out.push_str(t.text.as_str());
        at_bol = false;
        prev = Some(*t);
    }
    if !at_bol {
        out.push('\n');
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Would printing `b` right after `a` lex differently? (GCC's avoid_paste.)
fn avoid_paste(a: &Token, b: &Token) -> bool {
    let (x, y) = (a.text.as_str(), b.text.as_str());
    let (Some(l), Some(f)) = (x.chars().last(), y.chars().next()) else { return false };
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    match (a.kind, b.kind) {
        (TokenKind::Ident | TokenKind::Number, TokenKind::Ident | TokenKind::Number) => true,
        (TokenKind::Ident, TokenKind::Str | TokenKind::Char) => matches!(x, "L" | "u" | "U" | "u8"),
        (TokenKind::Number, TokenKind::Punct) => matches!(f, '.' | '+' | '-'),
        (TokenKind::Punct, TokenKind::Number) => l == '.' && word(f),
        (TokenKind::Punct, TokenKind::Punct) => {
            let two = format!("{l}{f}");
            matches!(
                two.as_str(),
                "++" | "--" | "<<" | ">>" | "&&" | "||" | "==" | "!=" | "<=" | ">=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "->"
                    | "##" | "<:" | ":>" | "<%" | "%>" | "%:" | ".." | "//" | "/*"
            )
        }
        _ => false,
    }
}
