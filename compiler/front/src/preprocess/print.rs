//! `-E` output: tokens back to text, with GCC-style `# line "file" flags`
//! markers (unless `-P`), preserving line structure so that diagnostics on
//! the output match the source.

use super::PpOutput;
use crate::diag::DiagEngine;
use crate::token::{Token, TokenKind};

/// Render preprocessed tokens. `markers` are the preprocessor's line
/// markers; with `line_markers` false (`-P`) they are omitted and blank
/// lines collapsed.
/// Spaces are added only where tokens meet at a macro expansion boundary
/// (`PpOutput::expansion_edges`). Assembly keeps each logical line (line splices
/// joined) on one output line, as GCC does: a statement must not be split.
pub fn write_preprocessed(out: &PpOutput, diag: &DiagEngine, line_markers: bool) -> String {
    crate::intern::Sym::with_table(|name| write_with(out, diag, line_markers, name))
}

fn write_with(pp: &PpOutput, diag: &DiagEngine, line_markers: bool, text: &dyn Fn(crate::intern::Sym) -> &'static str) -> String {
    let (tokens, edges, markers) = (&pp.tokens[..], &pp.expansion_edges[..], &pp.markers[..]);
    let mut out = String::with_capacity(tokens.len() * 6);
    let names: Vec<String> = diag.files.borrow().iter().map(|f| f.name.clone()).collect();
    let mut cur_file = String::new();
    // Whether each file (by presumed name) is a system header, from markers.
    let mut system_files: std::collections::BTreeMap<String, bool> = std::collections::BTreeMap::new();
    let mut cur_line: u32 = 0;
    let mut at_bol = true;
    let mut prev: Option<Token> = None;
    let mut after_pragma = false;
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
            if m.sync {
                mi += 1;
                if !line_markers || m.file != cur_file || m.line == cur_line {
                    continue;
                }
                if m.line > cur_line && m.line < cur_line + 8 {
                    for _ in cur_line..m.line {
                        out.push('\n');
                    }
                    at_bol = true;
                } else {
                    emit_marker(&mut out, &mut at_bol, m.line, &m.file, 0, m.system);
                }
                cur_line = m.line;
                prev = None;
                continue;
            }
            if line_markers {
                emit_marker(&mut out, &mut at_bol, m.line, &m.file, m.flag, m.system);
            }
            cur_file = m.file.clone();
            cur_line = m.line;
            system_files.insert(m.file.clone(), m.system);
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
            out.push_str(text(t.text));
            out.push('\n');
            cur_line = t.loc.line + 1;
            at_bol = true;
            after_pragma = true;
            prev = None;
            continue;
        }
        let line = t.loc.line;
        let new_line = if pp.assembler { t.line_start } else { t.line_start || line != cur_line };
        if new_line || file != cur_file {
            if file != cur_file || line < cur_line || line > cur_line + 8 {
                if line_markers && t.loc.line > 0 {
                    let sys = system_files.get(file).copied().unwrap_or(false);
                    emit_marker(&mut out, &mut at_bol, line, file, 0, sys);
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
        }
        if at_bol {
            // GCC indents a new line to the token's column: column - 2
            // spaces, plus the token's own preceding space.
            if !after_pragma {
                for _ in 2..t.loc.col.min(256) {
                    out.push(' ');
                }
            }
            if t.space_before {
                out.push(' ');
            }
        } else if t.space_before || (edges.get(i).copied().unwrap_or(true) && prev.is_some_and(|p| avoid_paste(text(p.text), text(t.text), p.kind, t.kind))) {
            out.push(' ');
        }
        out.push_str(text(t.text));
        at_bol = false;
        after_pragma = false;
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
fn avoid_paste(x: &str, y: &str, a: TokenKind, b: TokenKind) -> bool {
    let (Some(l), Some(f)) = (x.chars().last(), y.chars().next()) else { return false };
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    match (a, b) {
        // A number starting with `.` does not join a name (`v0` `.4s` from an assembler
        // macro prints as `v0.4s`, as with GCC); one starting with a digit would.
        (TokenKind::Ident, TokenKind::Number) => word(f),
        (TokenKind::Ident | TokenKind::Number, TokenKind::Ident | TokenKind::Number) => true,
        (TokenKind::Ident, TokenKind::Str | TokenKind::Char) => matches!(x, "L" | "u" | "U" | "u8"),
        (TokenKind::Number, TokenKind::Punct) => matches!(f, '.' | '+' | '-'),
        (TokenKind::Punct, TokenKind::Number) => l == '.' && word(f),
        (TokenKind::Punct, TokenKind::Punct) => {
            let mut buf = [0u8; 8];
            let n = l.encode_utf8(&mut buf).len();
            let m = f.encode_utf8(&mut buf[n..]).len();
            matches!(
                std::str::from_utf8(&buf[..n + m]).unwrap_or(""),
                "++" | "--" | "<<" | ">>" | "&&" | "||" | "==" | "!=" | "<=" | ">=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "->"
                    | "##" | "<:" | ":>" | "<%" | "%>" | "%:" | ".." | "//" | "/*"
            )
        }
        _ => false,
    }
}
