//! `.macro`, `.rept`, `.irp`, `.irpc`: bodies are collected as text and re-assembled expanded.

use std::collections::HashMap;

use crate::assembler::Assembler;
use crate::directives::toks_text;
use crate::lex::{split_commas, Tok};

struct Param {
    name: String,
    default: Option<String>,
    vararg: bool,
    /// `:req`: an invocation must give a value.
    required: bool,
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
        // (Asked for every instruction; most files define no macro.)
        !self.defs.is_empty() && self.defs.contains_key(name)
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
                let mut prm = Param { name: p.clone(), default: None, vararg: false, required: false };
                j += 1;
                if let (Some(Tok::Op(":")), Some(Tok::Ident(q))) = (part.get(j), part.get(j + 1)) {
                    prm.vararg = q == "vararg";
                    prm.required = q == "req";
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

/// GNU as's macro argument list: arguments are separated by commas, or by blanks between
/// two operands (`m a b`), never inside parentheses or quotes; the blanks around an operator
/// belong to the argument (`m (1 | 2) << 3` is one argument).
fn split_args(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let ends_operand = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$' | b')' | b'"');
    let starts_operand = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$' | b'(' | b'"' | b'%' | b'\\');
    let mut out = Vec::new();
    let (mut depth, mut start, mut i) = (0i32, 0usize, 0usize);
    let push = |from: usize, to: usize, out: &mut Vec<(usize, String)>| out.push((from, text[from..to].trim().to_string()));
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                push(start, i, &mut out);
                start = i + 1;
            }
            c if c.is_ascii_whitespace() && depth == 0 => {
                let next = (i..b.len()).find(|&k| !b[k].is_ascii_whitespace());
                let before = text[start..i].trim_end().bytes().last();
                if let (Some(n), Some(p)) = (next, before) {
                    if ends_operand(p) && starts_operand(b[n]) && !text[start..i].trim_end().ends_with('=') {
                        push(start, i, &mut out);
                        start = n;
                        i = n;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !text[start..].trim().is_empty() || !out.is_empty() {
        push(start, text.len(), &mut out);
    }
    out
}

/// A quoted argument is substituted without its quotes (`ALTERNATIVE "jmp foo", ...`).
fn unquote(arg: String) -> String {
    let inner = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"'));
    match inner {
        Some(i) if !i.replace("\\\\", "").replace("\\\"", "").contains('"') => i.to_string(),
        _ => arg,
    }
}

/// Values of a macro's parameters for one invocation: positional arguments in order,
/// `name=value` keyword arguments, defaults, `:vararg` taking the rest of the line.
fn bind_args(macro_name: &str, params: &[Param], text: &str) -> Result<Vec<(String, String)>, String> {
    let mut vals: Vec<Option<String>> = vec![None; params.len()];
    let mut next = 0;
    for (at, arg) in split_args(text) {
        let keyword = arg.split_once('=').and_then(|(k, v)| {
            let k = k.trim();
            params.iter().position(|p| p.name == k).map(|i| (i, v.trim().to_string()))
        });
        let (i, v) = match keyword {
            Some(kv) => kv,
            None => {
                while next < params.len() && vals[next].is_some() {
                    next += 1;
                }
                let Some(p) = params.get(next) else {
                    return Err(format!("too many positional arguments for macro `{macro_name}'"));
                };
                if p.vararg {
                    vals[next] = Some(text[at..].trim().to_string());
                    break;
                }
                (next, arg)
            }
        };
        vals[i] = Some(unquote(v));
    }
    params
        .iter()
        .zip(vals)
        .map(|(p, v)| match v.filter(|v| !v.is_empty()).or_else(|| p.default.clone()) {
            Some(v) => Ok((p.name.clone(), v)),
            None if p.required => Err(format!("Missing value for required parameter `{}' of macro `{macro_name}'", p.name)),
            None => Ok((p.name.clone(), String::new())),
        })
        .collect()
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
        let def = self.macros.defs.get(name).ok_or("no such macro")?;
        let vals = bind_args(name, &def.params, args_text)?;
        self.macros.counter += 1;
        let c = self.macros.counter - 1;
        let lines: Vec<String> = def.body.iter().map(|l| substitute(l, &vals, c)).collect();
        let line = self.line;
        self.run_nested(&lines, line, errors)
    }
}
