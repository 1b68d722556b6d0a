//! `.macro`, `.rept`, `.irp`, `.irpc`: bodies are collected as text and re-assembled expanded.

use std::collections::HashMap;

use crate::assembler::Assembler;
use crate::directives::toks_text;
use crate::lex::{split_commas, tokenize, Tok};

struct Param {
    name: String,
    default: Option<String>,
    vararg: bool,
}

struct MacroDef {
    params: Vec<Param>,
    body: Vec<String>,
}

enum Pending {
    Macro { name: String, params: Vec<Param> },
    Rept(u32),
    Irp { var: String, values: Vec<String> },
}

#[derive(Default)]
pub struct Macros {
    defs: HashMap<String, MacroDef>,
    pending: Option<(Pending, Vec<String>, u32)>,
    depth: u32,
    counter: u32,
    expanding: u32,
}

impl Macros {
    pub fn collecting(&self) -> bool {
        self.pending.is_some()
    }
    pub fn is_macro(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }
    pub fn purge(&mut self, name: &str) {
        self.defs.remove(name);
    }
    pub fn begin_macro(&mut self, args: &[Tok]) -> Result<(), String> {
        let Some(Tok::Ident(name)) = args.first() else { return Err("expected macro name".into()) };
        let mut params = Vec::new();
        let rest = match args.get(1) {
            Some(Tok::Op(",")) => &args[2..],
            _ => &args[1..],
        };
        // Parameters are separated by commas or blanks; tokens lose blanks, so split on names.
        let mut i = 0;
        for part in split_commas(rest) {
            let mut j = 0;
            while j < part.len() {
                let Tok::Ident(p) = &part[j] else { return Err("bad macro parameter".into()) };
                let mut prm = Param { name: p.clone(), default: None, vararg: false };
                j += 1;
                if let (Some(Tok::Op(":")), Some(Tok::Ident(q))) = (part.get(j), part.get(j + 1)) {
                    prm.vararg = q == "vararg";
                    j += 2;
                }
                if part.get(j) == Some(&Tok::Op("=")) {
                    let st = j + 1;
                    j = st;
                    while j < part.len() && !matches!(part[j], Tok::Ident(_)) || (j == st && j < part.len()) {
                        j += 1;
                    }
                    prm.default = Some(toks_text(&part[st..j]));
                }
                params.push(prm);
                i += 1;
            }
        }
        let _ = i;
        self.pending = Some((Pending::Macro { name: name.clone(), params }, Vec::new(), 0));
        Ok(())
    }
    pub fn begin_rept(&mut self, n: u32) {
        self.pending = Some((Pending::Rept(n), Vec::new(), 0));
    }
    pub fn begin_irp(&mut self, args: &[Tok], chars: bool) -> Result<(), String> {
        let l = split_commas(args);
        let var = toks_text(l.first().copied().unwrap_or(&[]));
        let values: Vec<String> = if chars {
            toks_text(&args[l.first().map_or(0, |f| f.len() + 1).min(args.len())..]).chars().map(|c| c.to_string()).collect()
        } else {
            l.get(1..).unwrap_or(&[]).iter().map(|t| toks_text(t)).collect()
        };
        self.pending = Some((Pending::Irp { var, values }, Vec::new(), 0));
        Ok(())
    }
}

fn first_word(text: &str) -> String {
    text.trim_start().split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or("").to_ascii_lowercase()
}

/// Replace `\name` by values, `\@` by the expansion counter, drop `\()`.
fn substitute(line: &str, vals: &[(String, String)], counter: u32) -> String {
    let mut out = String::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if line[i + 1..].starts_with("()") {
                i += 3;
                continue;
            }
            if line[i + 1..].starts_with('@') {
                out.push_str(&counter.to_string());
                i += 2;
                continue;
            }
            let rest = &line[i + 1..];
            let n = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.' || *c == b'$').count();
            if let Some((_, v)) = vals.iter().find(|(k, _)| *k == rest[..n]) {
                out.push_str(v);
                i += 1 + n;
                continue;
            }
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

impl Assembler<'_> {
    /// A statement while a body is being collected.
    pub fn macro_line(&mut self, text: &str, line: u32, errors: &mut Vec<String>) -> Result<(), String> {
        let w = first_word(text);
        let m = &mut self.macros;
        if matches!(w.as_str(), ".rept" | ".irp" | ".irpc" | ".macro") {
            m.depth += 1;
        }
        let end = matches!(w.as_str(), ".endr" | ".endm");
        if end && m.depth > 0 {
            m.depth -= 1;
        } else if end {
            let Some((p, body, _)) = m.pending.take() else { return Ok(()) };
            return self.finish_body(p, body, line, errors);
        }
        if let Some((_, body, _)) = &mut self.macros.pending {
            body.push(text.to_string());
        }
        Ok(())
    }

    fn finish_body(&mut self, p: Pending, body: Vec<String>, line: u32, errors: &mut Vec<String>) -> Result<(), String> {
        let first = line.saturating_sub(body.len() as u32);
        match p {
            Pending::Macro { name, params } => {
                self.macros.defs.insert(name, MacroDef { params, body });
            }
            Pending::Rept(n) => {
                for _ in 0..n {
                    self.run_nested(&body, first, errors)?;
                }
            }
            Pending::Irp { var, values } => {
                for v in values {
                    let lines: Vec<String> = body.iter().map(|l| substitute(l, &[(var.clone(), v.clone())], 0)).collect();
                    self.run_nested(&lines, first, errors)?;
                }
            }
        }
        Ok(())
    }

    fn run_nested(&mut self, lines: &[String], first: u32, errors: &mut Vec<String>) -> Result<(), String> {
        if self.macros.expanding > 100 {
            return Err("macro expansion nested too deeply".into());
        }
        self.macros.expanding += 1;
        let save = self.line;
        self.run_lines(lines, first, errors);
        self.line = save;
        self.macros.expanding -= 1;
        Ok(())
    }

    pub fn expand_macro(&mut self, name: &str, text: &str, errors: &mut Vec<String>) -> Result<(), String> {
        // The arguments follow the macro's name (after any labels on the line).
        let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$';
        let at = text
            .match_indices(name)
            .map(|(i, _)| i)
            .find(|&i| !text[..i].ends_with(is_ident) && !text[i + name.len()..].starts_with(is_ident))
            .ok_or("macro name not found")?;
        let args_text = text[at + name.len()..].trim();
        let toks = tokenize(args_text)?;
        let def = self.macros.defs.get(name).ok_or("no such macro")?;
        let parts: Vec<String> = split_commas(&toks).iter().map(|t| toks_text(t)).collect();
        let mut vals = Vec::new();
        for (i, p) in def.params.iter().enumerate() {
            let v = if p.vararg {
                parts.get(i..).map(|s| s.join(", ")).unwrap_or_default()
            } else {
                parts.get(i).filter(|s| !s.is_empty()).cloned().or_else(|| p.default.clone()).unwrap_or_default()
            };
            vals.push((p.name.clone(), v));
        }
        self.macros.counter += 1;
        let c = self.macros.counter - 1;
        let lines: Vec<String> = def.body.iter().map(|l| substitute(l, &vals, c)).collect();
        let line = self.line;
        self.run_nested(&lines, line, errors)
    }
}
