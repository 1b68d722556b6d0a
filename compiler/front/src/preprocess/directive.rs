//! Preprocessing directives: `#define`, `#include`, conditionals, `#line`,
//! `#error`, `#pragma` and the rest.

use std::rc::Rc;

use super::{BodyTok, Cond, CondState, FileRole, Guard, Macro, MacroKind, PpTok, Preprocessor};
use crate::diag::Loc;
use crate::intern::Sym;
use crate::token::{Token, TokenKind};

/// Which `#include` flavour.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum IncludeKind {
    Include,
    Next,
    Import,
}

impl<'a> Preprocessor<'a> {
    /// The rest of the current directive line.
    pub(super) fn read_line(&mut self) -> Vec<Token> {
        let diag = self.diag;
        let mut v = Vec::new();
        if let Some(f) = self.files.last_mut() {
            while let Some(t) = f.lexer.next_in_line(diag) {
                v.push(t);
            }
        }
        v
    }

    fn skip_line(&mut self) {
        let _ = self.read_line();
    }

    /// Process a directive whose `#` was just read.
    pub(super) fn directive(&mut self, hash: Token) {
        let diag = self.diag;
        let Some(f) = self.files.last_mut() else { return };
        let Some(name) = f.lexer.next_in_line(diag) else { return }; // null directive
        let depth0 = f.conds.is_empty();
        let word = name.text.as_str();
        // Multiple-include optimisation bookkeeping.
        if depth0 {
            f.guard = match (f.guard, word) {
                (super::Guard::Start, "ifndef") => super::Guard::Start, // decided in do_ifdef
                (super::Guard::Start, "if") => super::Guard::Start,
                _ => super::Guard::Invalid,
            };
        }
        // GCC reads `# 33 "file"` line markers in C only: in assembly,
        // `# 0x90000 segment` is a comment (the kernel's boot/header.S).
        if name.kind == TokenKind::Number && !self.opts.assembler {
            return self.linemarker(name);
        }
        match word {
            "define" => self.do_define(),
            "undef" => self.do_undef(),
            "include" => self.do_include(IncludeKind::Include, name.loc),
            "include_next" => self.do_include(IncludeKind::Next, name.loc),
            "import" => self.do_include(IncludeKind::Import, name.loc),
            "if" => self.do_if(name.loc),
            "ifdef" => self.do_ifdef(name.loc, false),
            "ifndef" => self.do_ifdef(name.loc, true),
            "elif" | "elifdef" | "elifndef" | "else" => self.do_else_group(name),
            "endif" => self.do_endif(name.loc),
            "line" => self.do_line(name.loc),
            "error" => {
                let msg = self.files.last_mut().map(|f| f.lexer.rest_of_line()).unwrap_or_default();
                // GCC points at the directive name.
                self.diag.error(name.loc, format!("#error {msg}"));
            }
            "warning" => {
                let msg = self.files.last_mut().map(|f| f.lexer.rest_of_line()).unwrap_or_default();
                self.diag.warning(name.loc, format!("#warning {msg}"));
            }
            "pragma" => {
                let line = self.read_line();
                self.do_pragma(&line, hash.loc);
            }
            "ident" | "sccs" | "assert" | "unassert" => self.skip_line(),
            _ if self.opts.assembler => {
                // `# comment` lines in .S files pass through untouched:
                // push the line back (reversed: `pending` is a stack).
                let line = self.read_line();
                let toks = std::iter::once(hash).chain(std::iter::once(name)).chain(line);
                let mut v: Vec<PpTok> = toks.map(|t| PpTok { tok: t, hs: 0, flags: 0 }).collect();
                v.reverse();
                self.pending.extend(v);
            }
            _ => {
                self.diag.error(name.loc, format!("invalid preprocessing directive #{word}"));
                self.skip_line();
            }
        }
    }

    // ---- #define / #undef ----

    fn do_define(&mut self) {
        let line = self.read_line();
        let Some(&name) = line.first() else {
            self.diag.error(Loc { col: 0, ..self.here() }, "no macro name given in #define directive");
            return;
        };
        if name.kind != TokenKind::Ident {
            self.diag.error(name.loc, "macro names must be identifiers");
            return;
        }
        if name.text == self.syms.defined {
            self.diag.error(name.loc, "\"defined\" cannot be used as a macro name");
            return;
        }
        let Some(m) = self.parse_definition(&line) else { return };
        if let Some(old) = self.macro_of(name.text) {
            if !same_definition(old, &m) {
                let prev = old.loc;
                self.diag.warning(name.loc, format!("\"{}\" redefined", name.text));
                if prev.line > 0 && self.diag.warnings_enabled {
                    self.diag.note(prev, "this is the location of the previous definition");
                }
            }
        }
        self.set_macro(name.text, Some(Rc::new(m)));
    }

    /// Parse `NAME[(params)] body` into a macro.
    pub(super) fn parse_definition(&mut self, line: &[Token]) -> Option<Macro> {
        let name = line[0];
        let mut i = 1;
        let mut params: Vec<Sym> = Vec::new();
        let mut variadic = false;
        let function_like = line.get(1).is_some_and(|t| t.text == self.syms.lparen && !t.space_before);
        if function_like {
            i = 2;
            loop {
                let Some(t) = line.get(i) else {
                    self.diag.error(name.loc, "missing ')' in macro parameter list");
                    return None;
                };
                if t.text == self.syms.rparen && params.is_empty() && !variadic {
                    i += 1;
                    break;
                }
                if t.text == self.syms.ellipsis {
                    variadic = true;
                    params.push(self.syms.va_args);
                    i += 1;
                } else if t.kind == TokenKind::Ident {
                    if params.contains(&t.text) {
                        self.diag.error(t.loc, format!("duplicate macro parameter \"{}\"", t.text));
                        return None;
                    }
                    params.push(t.text);
                    i += 1;
                    if line.get(i).is_some_and(|x| x.text == self.syms.ellipsis) {
                        variadic = true; // GNU named variadic `args...`
                        i += 1;
                    }
                } else {
                    self.diag.error(t.loc, "expected parameter name, found \"".to_string() + t.text.as_str() + "\"");
                    return None;
                }
                match line.get(i) {
                    Some(t) if t.text == self.syms.rparen => {
                        i += 1;
                        break;
                    }
                    Some(t) if t.text == self.syms.comma && !variadic => i += 1,
                    Some(t) => {
                        self.diag.error(t.loc, "expected ',' or ')', found \"".to_string() + t.text.as_str() + "\"");
                        return None;
                    }
                    None => {
                        self.diag.error(name.loc, "missing ')' in macro parameter list");
                        return None;
                    }
                }
            }
        } else if let Some(t) = line.get(1) {
            if !t.space_before && !self.opts.assembler {
                self.diag.warning(t.loc, "missing whitespace after the macro name");
            }
        }
        let mut body: Vec<BodyTok> = line[i..]
            .iter()
            .map(|t| {
                let param = if function_like && t.kind == TokenKind::Ident { params.iter().position(|p| *p == t.text).map(|p| p as u16) } else { None };
                BodyTok { tok: *t, param }
            })
            .collect();
        if let Some(b) = body.first_mut() {
            b.tok.space_before = false;
        }
        let hh = self.syms.hashhash;
        if body.first().is_some_and(|b| b.tok.text == hh && b.tok.kind == TokenKind::Punct)
            || body.len() > 0 && body.last().is_some_and(|b| b.tok.text == hh && b.tok.kind == TokenKind::Punct)
        {
            self.diag.error(body[0].tok.loc, "'##' cannot appear at either end of a macro expansion");
            return None;
        }
        if function_like && !self.opts.assembler {
            for (j, b) in body.iter().enumerate() {
                if b.tok.kind == TokenKind::Punct && b.tok.text == self.syms.hash {
                    let ok = body.get(j + 1).is_some_and(|n| n.param.is_some() || n.tok.text == self.syms.va_opt);
                    if !ok {
                        self.diag.error(b.tok.loc, "'#' is not followed by a macro parameter");
                        return None;
                    }
                }
            }
        }
        let kind = if function_like { MacroKind::Function } else { MacroKind::Object };
        Some(Macro { kind, params, variadic, body, loc: name.loc })
    }

    fn do_undef(&mut self) {
        let line = self.read_line();
        match line.first() {
            Some(t) if t.kind == TokenKind::Ident => {
                if t.text == self.syms.defined {
                    self.diag.error(t.loc, "\"defined\" cannot be used as a macro name");
                    return;
                }
                self.set_macro(t.text, None);
            }
            Some(t) => self.diag.error(t.loc, "macro names must be identifiers"),
            None => self.diag.error(self.here(), "no macro name given in #undef directive"),
        }
    }

    // ---- #include ----

    /// Parse an include operand: (name, is_angled). Expands macros if the
    /// operand is neither `"..."` nor `<...>`.
    pub(super) fn header_name(&mut self, line: &[PpTok], loc: Loc) -> Option<(String, bool)> {
        let first = line.first()?;
        if first.tok.kind == TokenKind::Str && first.tok.text.as_str().starts_with('"') {
            let s = first.tok.text.as_str();
            return Some((s[1..s.len() - 1].to_string(), false));
        }
        if first.tok.kind == TokenKind::Punct && first.tok.text.as_str() == "<" {
            let mut name = String::new();
            for t in &line[1..] {
                if t.tok.kind == TokenKind::Punct && t.tok.text.as_str() == ">" {
                    return Some((name, true));
                }
                if t.tok.space_before && !name.is_empty() {
                    name.push(' ');
                }
                name.push_str(t.tok.text.as_str());
            }
            self.diag.error(loc, "missing terminating > character");
            return None;
        }
        None
    }

    fn do_include(&mut self, kind: IncludeKind, loc: Loc) {
        let line: Vec<PpTok> = self.read_line().into_iter().map(|t| PpTok { tok: t, hs: 0, flags: 0 }).collect();
        // Diagnostics point at the header name, as GCC's do.
        let loc = line.first().map(|t| t.tok.loc).unwrap_or(loc);
        let parsed = match self.header_name(&line, loc) {
            Some(p) => Some(p),
            None if line.is_empty() => {
                self.diag.error(loc, "#include expects \"FILENAME\" or <FILENAME>");
                return;
            }
            None => {
                let expanded = self.expand_list(line);
                self.header_name(&expanded, loc)
            }
        };
        let Some((name, angled)) = parsed else {
            self.diag.error(loc, "#include expects \"FILENAME\" or <FILENAME>");
            return;
        };
        if name.is_empty() {
            self.diag.error(loc, "empty filename in #include");
            return;
        }
        let next = kind == IncludeKind::Next && self.files.len() > 1;
        let Some((path, shown, dir_index, system)) = self.find_include(&name, angled, next) else {
            self.diag.emit(crate::diag::Diagnostic {
                severity: crate::diag::Severity::Fatal,
                loc: Some(loc),
                message: format!("{name}: No such file or directory"),
            });
            // GCC stops at a missing include; so do we.
            self.abort_all();
            return;
        };
        if self.once.contains(&path) || self.once_canonical(&path) {
            return;
        }
        if kind == IncludeKind::Import {
            if let Ok(c) = std::fs::canonicalize(&path) {
                self.once.insert(c);
            }
        }
        if let Some(&guard) = self.guards.get(&path) {
            if self.macro_of(guard).is_some() {
                return;
            }
        }
        self.enter_file(path, shown, dir_index, system, loc);
    }

    fn once_canonical(&self, path: &std::path::Path) -> bool {
        if self.once.is_empty() {
            return false;
        }
        std::fs::canonicalize(path).is_ok_and(|c| self.once.contains(&c))
    }

    /// Stop preprocessing (fatal error): drop all open files.
    pub(super) fn abort_all(&mut self) {
        self.files.clear();
        self.pending.clear();
    }

    // ---- conditionals ----

    fn push_cond(&mut self, taken: bool, loc: Loc) {
        let state = if taken { CondState::Active } else { CondState::Waiting };
        if let Some(f) = self.files.last_mut() {
            f.conds.push(Cond { state, seen_else: false, loc });
        }
        if !taken {
            self.skip_group();
        }
    }

    fn do_if(&mut self, loc: Loc) {
        let line = self.read_line();
        let guard_candidate = self.guard_start_if(&line);
        let v = self.eval_if(line, loc);
        self.note_guard_open(guard_candidate);
        self.push_cond(v, loc);
    }

    /// `#if !defined X` / `#if !defined(X)` at the top of a file.
    fn guard_start_if(&self, line: &[Token]) -> Option<Sym> {
        let f = self.files.last()?;
        if !f.conds.is_empty() || f.guard != Guard::Start {
            return None;
        }
        let texts: Vec<&str> = line.iter().map(|t| t.text.as_str()).collect();
        match texts.as_slice() {
            ["!", "defined", _] => Some(line[2].text),
            ["!", "defined", "(", _, ")"] => Some(line[3].text),
            _ => None,
        }
    }

    fn note_guard_open(&mut self, cand: Option<Sym>) {
        if let Some(f) = self.files.last_mut() {
            if f.conds.is_empty() {
                f.guard = match (f.guard, cand) {
                    (Guard::Start, Some(m)) => Guard::Inside(m),
                    _ => Guard::Invalid,
                };
            }
        }
    }

    fn do_ifdef(&mut self, loc: Loc, negate: bool) {
        let line = self.read_line();
        let Some(t) = line.first().copied() else {
            self.diag.error(loc, format!("no macro name given in #{} directive", if negate { "ifndef" } else { "ifdef" }));
            self.note_guard_open(None);
            self.push_cond(false, loc);
            return;
        };
        if t.kind != TokenKind::Ident {
            self.diag.error(t.loc, "macro names must be identifiers");
        }
        if line.len() > 1 && !self.opts.assembler {
            self.diag.warning(line[1].loc, format!("extra tokens at end of #{} directive", if negate { "ifndef" } else { "ifdef" }));
        }
        let defined = self.macro_of(t.text).is_some();
        let cand = if negate && self.files.last().is_some_and(|f| f.guard == Guard::Start) { Some(t.text) } else { None };
        self.note_guard_open(cand);
        self.push_cond(defined != negate, loc);
    }

    /// `#elif`, `#elifdef`, `#elifndef` or `#else` reached while processing
    /// a group: the rest of the conditional is skipped.
    fn do_else_group(&mut self, name: Token) {
        let word = name.text.as_str();
        let Some(f) = self.files.last_mut() else { return };
        let Some(c) = f.conds.last_mut() else {
            self.diag.error(name.loc, format!("#{word} without #if"));
            self.skip_line();
            return;
        };
        if c.seen_else {
            self.diag.error(name.loc, format!("#{word} after #else"));
        }
        if word == "else" {
            c.seen_else = true;
        }
        c.state = CondState::Done;
        if f.conds.len() == 1 {
            f.guard = Guard::Invalid;
        }
        self.skip_line();
        self.skip_group();
    }

    fn do_endif(&mut self, loc: Loc) {
        let rest = self.read_line();
        if !rest.is_empty() && !self.opts.assembler {
            self.diag.warning(rest[0].loc, "extra tokens at end of #endif directive");
        }
        let Some(f) = self.files.last_mut() else { return };
        if f.conds.pop().is_none() {
            self.diag.error(loc, "#endif without #if");
            return;
        }
        if f.conds.is_empty() {
            if let Guard::Inside(m) = f.guard {
                f.guard = Guard::Closed(m);
            }
        }
    }

    /// Skip lines until the directive that ends the current false group:
    /// a taken `#elif`/`#else`, or the `#endif`.
    fn skip_group(&mut self) {
        let diag = self.diag;
        let mut depth = 0usize;
        loop {
            let Some(f) = self.files.last_mut() else { return };
            f.lexer.skipping = true;
            let t = f.lexer.next(diag);
            f.lexer.skipping = false;
            if t.kind == TokenKind::Eof {
                // Reported by leave_file; put the Eof back for next_raw.
                let _ = f;
                return;
            }
            if !(t.line_start && t.kind == TokenKind::Punct && t.text == self.syms.hash) {
                continue;
            }
            let Some(name) = f.lexer.next_in_line(diag) else { continue };
            let word = name.text.as_str();
            match word {
                "if" | "ifdef" | "ifndef" => {
                    depth += 1;
                    f.lexer.rest_of_line();
                }
                "endif" if depth > 0 => {
                    depth -= 1;
                    f.lexer.rest_of_line();
                }
                "endif" => {
                    self.do_endif(name.loc);
                    return;
                }
                "else" | "elif" | "elifdef" | "elifndef" if depth == 0 => {
                    if f.conds.len() == 1 {
                        f.guard = Guard::Invalid;
                    }
                    let Some(c) = f.conds.last_mut() else { return };
                    if c.seen_else {
                        self.diag.error(name.loc, format!("#{word} after #else"));
                    }
                    if word == "else" {
                        c.seen_else = true;
                    }
                    if c.state != CondState::Waiting {
                        f.lexer.rest_of_line();
                        continue;
                    }
                    let take = match word {
                        "else" => {
                            f.lexer.rest_of_line();
                            true
                        }
                        "elif" => {
                            let line = self.read_line();
                            self.eval_if(line, name.loc)
                        }
                        _ => {
                            let line = self.read_line();
                            let defined = line.first().is_some_and(|t| self.macro_of(t.text).is_some());
                            defined == (word == "elifdef")
                        }
                    };
                    if take {
                        if let Some(c) = self.files.last_mut().and_then(|f| f.conds.last_mut()) {
                            c.state = CondState::Active;
                        }
                        return;
                    }
                }
                _ => {
                    f.lexer.rest_of_line();
                }
            }
        }
    }

    // ---- #line and line markers ----

    fn do_line(&mut self, loc: Loc) {
        let line: Vec<PpTok> = self.read_line().into_iter().map(|t| PpTok { tok: t, hs: 0, flags: 0 }).collect();
        let line = self.expand_list(line);
        let Some(n) = line.first().filter(|t| t.tok.kind == TokenKind::Number).and_then(|t| t.tok.text.as_str().parse::<u32>().ok()) else {
            self.diag.error(loc, "\"#line\" requires a positive integer argument");
            return;
        };
        let file = line.get(1).filter(|t| t.tok.kind == TokenKind::Str).map(|t| unquote(t.tok.text.as_str()));
        self.set_presumed(n, file, None);
    }

    /// `# 33 "file" 1 3` (GCC's output format, valid input too).
    fn linemarker(&mut self, num: Token) {
        let line = self.read_line();
        let Ok(n) = num.text.as_str().parse::<u32>() else {
            self.diag.error(num.loc, format!("\"{}\" after # is not a positive integer", num.text));
            return;
        };
        let file = line.first().filter(|t| t.kind == TokenKind::Str).map(|t| unquote(t.text.as_str()));
        let system = line.iter().skip(1).any(|t| t.text.as_str() == "3");
        self.set_presumed(n, file, Some(system));
    }

    fn set_presumed(&mut self, n: u32, file: Option<String>, system: Option<bool>) {
        let diag = self.diag;
        let Some(f) = self.files.last_mut() else { return };
        f.lexer.set_next_line(n);
        if let Some(name) = file {
            if name != f.presumed {
                let text = diag.files.borrow().get(f.lexer.file().0 as usize).map(|x| x.text.clone()).unwrap_or_else(|| Rc::from(""));
                let id = diag.add_file(name.clone(), text);
                f.lexer.set_file(id);
                f.presumed = name;
            }
        }
        if let Some(s) = system {
            f.system = s;
        }
        let (name, sys) = (f.presumed.clone(), f.system);
        self.mark(n, &name, 0, sys);
    }

    // ---- #pragma ----

    /// Handle a pragma given as tokens (directive or `_Pragma`).
    pub(super) fn do_pragma(&mut self, line: &[Token], loc: Loc) {
        let words: Vec<&str> = line.iter().take(2).map(|t| t.text.as_str()).collect();
        match words.as_slice() {
            ["once", ..] => {
                if let Some(f) = self.files.last() {
                    if f.role == FileRole::Source {
                        let p = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
                        self.once.insert(p);
                    }
                }
                return;
            }
            ["GCC", "system_header"] => {
                let nested = self.files.len() > 1;
                if let Some(f) = self.files.last_mut() {
                    if nested {
                        f.system = true;
                    }
                }
                return;
            }
            ["GCC", "poison"] => {
                for t in &line[2..] {
                    if t.kind == TokenKind::Ident {
                        self.poisoned.insert(t.text);
                    }
                }
                return;
            }
            ["GCC", "warning"] | ["GCC", "error"] => {
                let msg = line[2..].iter().find(|t| t.kind == TokenKind::Str).map(|t| unquote(t.text.as_str())).unwrap_or_default();
                if words[1] == "error" {
                    self.diag.error(loc, msg);
                } else {
                    self.diag.warning(loc, msg);
                }
                return;
            }
            ["GCC", "dependency"] => return,
            ["push_macro", ..] | ["pop_macro", ..] => {
                let name = line.iter().find(|t| t.kind == TokenKind::Str).map(|t| Sym::intern(&unquote(t.text.as_str())));
                if let Some(name) = name {
                    if words[0] == "push_macro" {
                        let cur = self.macro_of(name).cloned();
                        self.push_macro.entry(name).or_default().push(cur);
                    } else if let Some(prev) = self.push_macro.get_mut(&name).and_then(|v| v.pop()) {
                        self.set_macro(name, prev);
                    }
                }
                return;
            }
            ["ccc_imacros_begin", ..] => {
                self.discard_depth += 1;
                return;
            }
            ["ccc_imacros_end", ..] => {
                self.discard_depth = self.discard_depth.saturating_sub(1);
                return;
            }
            _ => {}
        }
        // Everything else goes to the parser as one Pragma token.
        let mut text = String::new();
        for (i, t) in line.iter().enumerate() {
            if i > 0 && t.space_before {
                text.push(' ');
            }
            text.push_str(t.text.as_str());
        }
        let tok = Token { kind: TokenKind::Pragma, text: Sym::intern(&text), loc, space_before: false, line_start: true };
        self.pending.push(PpTok { tok, hs: 0, flags: 0 });
    }

    pub(super) fn here(&mut self) -> Loc {
        match self.files.last_mut() {
            Some(f) => Loc { file: f.lexer.file(), line: f.lexer.current_line(), col: 1 },
            None => Loc::default(),
        }
    }
}

/// The contents of a string literal token, with `\\` and `\"` undone.
pub(super) fn unquote(s: &str) -> String {
    let s = s.trim_start_matches(['L', 'u', 'U', '8']);
    let inner = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(s);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('\\' | '"')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// C17 6.10.3p2: redefinition is allowed only if identical (spelling and
/// whitespace separation).
fn same_definition(a: &Macro, b: &Macro) -> bool {
    a.kind == b.kind
        && a.params == b.params
        && a.variadic == b.variadic
        && a.body.len() == b.body.len()
        && a.body.iter().zip(&b.body).all(|(x, y)| x.tok.text == y.tok.text && (x.tok.space_before || x.tok.line_start) == (y.tok.space_before || y.tok.line_start))
}
