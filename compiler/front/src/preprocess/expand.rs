//! Macro expansion (C17 6.10.3, Prosser's hide-set algorithm).
//!
//! An invocation's replacement is computed with its arguments substituted
//! (fully expanded, or raw next to `#`/`##`), pasted, given the hide set
//! `(HS(name) ∩ HS(rparen)) ∪ {name}`, and pushed back on the pending stack
//! so it is rescanned together with the rest of the input.

use std::rc::Rc;

use super::hideset::HideSet;
use super::{Macro, MacroKind, PpTok, Preprocessor, EDGE_AFTER, EDGE_BEFORE, FROM_FILE, PASTE_OP, PLACEMARKER};
use crate::diag::Loc;
use crate::intern::Sym;
use crate::lex::tokenize_str;
use crate::token::{Token, TokenKind};

/// One macro argument: the tokens as written, and lazily their expansion.
struct Arg {
    raw: Vec<PpTok>,
    expanded: Option<Vec<PpTok>>,
}

impl<'a> Preprocessor<'a> {
    /// Expand `t` if it names a macro it may expand; the replacement is
    /// pushed onto `pending`. Returns false if `t` stays as it is.
    pub(super) fn try_expand(&mut self, t: PpTok) -> bool {
        let name = t.tok.text;
        let Some(m) = self.macro_of(name).cloned() else { return false };
        if self.hs.contains(t.hs, name) {
            return false;
        }
        match m.kind {
            MacroKind::Builtin(b) => self.expand_builtin(b, t),
            MacroKind::Object => {
                let hs = self.hs.add(t.hs, name);
                let out = self.substitute(&m, &mut [], hs, &t);
                self.push_expansion(out, &t);
                true
            }
            MacroKind::Function => {
                if !self.next_is_lparen() {
                    return false;
                }
                let lparen = self.next_raw();
                let _ = lparen;
                let Some((mut args, rparen)) = self.collect_args(&m, &t) else { return true };
                let hs = self.hs.intersect(t.hs, rparen.hs);
                let hs = self.hs.add(hs, name);
                let out = self.substitute(&m, &mut args, hs, &t);
                self.push_expansion(out, &t);
                true
            }
        }
    }

    /// Is the next token `(`? Looks at pending tokens, then the file, without
    /// consuming anything (a directive line ends the search).
    pub(super) fn next_is_lparen(&mut self) -> bool {
        if let Some(top) = self.pending.last() {
            return top.tok.kind == TokenKind::Punct && top.tok.text == self.syms.lparen;
        }
        if self.isolated > 0 {
            return false;
        }
        let diag = self.diag;
        let Some(f) = self.files.last_mut() else { return false };
        let t = f.lexer.peek(diag);
        t.kind == TokenKind::Punct && t.text == self.syms.lparen
    }

    /// Collect the arguments of a function-like macro call after its `(`.
    /// Returns the arguments and the closing `)`.
    pub(super) fn collect_args_raw(&mut self, name: &PpTok) -> Option<(Vec<Vec<PpTok>>, PpTok)> {
        let mut args: Vec<Vec<PpTok>> = vec![Vec::new()];
        let mut depth = 0u32;
        self.in_args += 1;
        let result = loop {
            let t = self.next_raw();
            match t.tok.kind {
                TokenKind::Eof => {
                    self.diag.error(name.tok.loc, format!("unterminated argument list invoking macro \"{}\"", name.tok.text));
                    break None;
                }
                TokenKind::Punct if t.tok.text == self.syms.lparen => depth += 1,
                TokenKind::Punct if t.tok.text == self.syms.rparen => {
                    if depth == 0 {
                        break Some(t);
                    }
                    depth -= 1;
                }
                TokenKind::Punct if t.tok.text == self.syms.comma && depth == 0 => {
                    args.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            let mut t = t;
            // A newline inside the arguments is just whitespace.
            if t.tok.line_start {
                t.tok.line_start = false;
                t.tok.space_before = true;
            }
            if let Some(a) = args.last_mut() {
                a.push(t);
            }
        };
        self.in_args -= 1;
        result.map(|r| (args, r))
    }

    fn collect_args(&mut self, m: &Macro, name: &PpTok) -> Option<(Vec<Arg>, PpTok)> {
        let (mut raw, rparen) = self.collect_args_raw(name)?;
        let nparams = m.params.len();
        if m.variadic {
            // Commas inside the variable part belong to it.
            if raw.len() > nparams {
                let mut rest: Vec<PpTok> = Vec::new();
                for (i, a) in raw.drain(nparams - 1..).enumerate() {
                    if i > 0 {
                        let mut c = rparen;
                        c.tok.kind = TokenKind::Punct;
                        c.tok.text = self.syms.comma;
                        c.tok.space_before = false;
                        c.tok.line_start = false;
                        c.hs = 0;
                        c.flags = 0;
                        rest.push(c);
                    }
                    rest.extend(a);
                }
                raw.push(rest);
            } else if raw.len() + 1 == nparams {
                // `F(a)` for `F(a, ...)`: an empty variable argument (GNU, C2x).
                raw.push(Vec::new());
            }
        }
        if nparams == 0 && raw.len() == 1 && raw[0].is_empty() {
            raw.clear();
        }
        if raw.len() != nparams {
            let named = if m.variadic { nparams - 1 } else { nparams };
            let msg = if raw.len() < nparams {
                format!("macro \"{}\" requires {} arguments, but only {} given", name.tok.text, named, raw.len())
            } else {
                format!("macro \"{}\" passed {} arguments, but takes just {}", name.tok.text, raw.len(), named)
            };
            self.diag.error(name.tok.loc, msg);
            return None;
        }
        Some((raw.into_iter().map(|r| Arg { raw: r, expanded: None }).collect(), rparen))
    }

    /// Fully macro-expand a token list on its own (an argument, a `#if` or
    /// `#include` line).
    pub(super) fn expand_list(&mut self, toks: Vec<PpTok>) -> Vec<PpTok> {
        // Nested argument pre-expansion keeps every level's tokens alive;
        // bound it so pathological input fails instead of exhausting memory.
        if self.isolated >= 2048 || self.nested_tokens + toks.len() > 20_000_000 {
            if !self.too_deep_reported {
                let loc = toks.first().map(|t| t.tok.loc).unwrap_or_default();
                self.diag.error(loc, "macro arguments nested too deeply");
                self.too_deep_reported = true;
            }
            return Vec::new();
        }
        let saved = std::mem::take(&mut self.pending);
        let n = toks.len();
        self.nested_tokens += n;
        self.pending = toks;
        self.pending.reverse();
        self.isolated += 1;
        let mut out = Vec::new();
        loop {
            let t = self.next_token();
            if t.tok.kind == TokenKind::Eof {
                break;
            }
            out.push(t);
        }
        self.isolated -= 1;
        self.nested_tokens -= n;
        self.pending = saved;
        out
    }

    fn expanded_arg(&mut self, args: &mut [Arg], i: usize) -> Vec<PpTok> {
        if args[i].expanded.is_none() {
            let raw = args[i].raw.clone();
            let e = self.expand_list(raw);
            args[i].expanded = Some(e);
        }
        args[i].expanded.clone().unwrap_or_default()
    }

    /// Build the replacement list of `m` with `args` substituted, pasted,
    /// and hide set `hs` added.
    fn substitute(&mut self, m: &Rc<Macro>, args: &mut [Arg], hs: HideSet, name: &PpTok) -> Vec<PpTok> {
        let mut out = Vec::with_capacity(m.body.len());
        self.subst_range(m, 0, m.body.len(), args, &mut out);
        let mut out = if out.iter().any(|t| t.flags & PASTE_OP != 0) { self.paste_all(out) } else { out };
        out.retain(|t| t.flags & PLACEMARKER == 0);
        for t in out.iter_mut() {
            t.hs = self.hs.union(t.hs, hs);
            t.flags &= !FROM_FILE;
            // Everything from an expansion is reported at the invocation.
            t.tok.loc = name.tok.loc;
            t.tok.line_start = false;
        }
        out
    }

    fn placemarker(&self, loc: Loc) -> PpTok {
        let tok = Token { kind: TokenKind::Other, text: self.syms.empty, loc, space_before: false, line_start: false };
        PpTok { tok, hs: 0, flags: PLACEMARKER }
    }

    fn subst_range(&mut self, m: &Rc<Macro>, start: usize, end: usize, args: &mut [Arg], out: &mut Vec<PpTok>) {
        let body = &m.body;
        let is_fn = m.kind == MacroKind::Function;
        let va_index = if m.variadic { Some(m.params.len() - 1) } else { None };
        let mut i = start;
        while i < end {
            let b = body[i];
            let t = b.tok;
            let is_punct = |x: &Token, s: Sym| x.kind == TokenKind::Punct && x.text == s;
            // `#param`: stringize the argument as written.
            if is_fn && is_punct(&t, self.syms.hash) && i + 1 < end {
                if let Some(p) = body[i + 1].param {
                    let s = stringize(&args[p as usize].raw);
                    let tok = Token { kind: TokenKind::Str, text: Sym::intern(&s), loc: t.loc, space_before: t.space_before, line_start: false };
                    out.push(PpTok { tok, hs: 0, flags: 0 });
                    i += 2;
                    continue;
                }
                if body[i + 1].tok.text == self.syms.va_opt {
                    // `#__VA_OPT__(...)`: stringize the __VA_OPT__ result.
                    if let Some(close) = self.va_opt_close(m, i + 2, end) {
                        let mut inner = Vec::new();
                        if self.va_opt_active(args, va_index) {
                            self.subst_range(m, i + 3, close, args, &mut inner);
                        }
                        let inner = self.paste_all(inner);
                        let s = stringize(&inner);
                        let tok = Token { kind: TokenKind::Str, text: Sym::intern(&s), loc: t.loc, space_before: t.space_before, line_start: false };
                        out.push(PpTok { tok, hs: 0, flags: 0 });
                        i = close + 1;
                        continue;
                    }
                }
            }
            // GNU `, ## __VA_ARGS__`: drop the comma when there are no
            // variable arguments.
            if is_fn
                && is_punct(&t, self.syms.comma)
                && i + 2 < end
                && is_punct(&body[i + 1].tok, self.syms.hashhash)
                && va_index.is_some()
                && body[i + 2].param.map(|p| p as usize) == va_index
            {
                let va = va_index.unwrap_or(0);
                if !args[va].raw.is_empty() {
                    out.push(PpTok { tok: t, hs: 0, flags: 0 });
                    out.extend(args[va].raw.iter().copied());
                }
                i += 3;
                continue;
            }
            if is_fn && t.kind == TokenKind::Ident && t.text == self.syms.va_opt && m.variadic {
                if let Some(close) = self.va_opt_close(m, i + 1, end) {
                    if self.va_opt_active(args, va_index) {
                        let before = out.len();
                        self.subst_range(m, i + 2, close, args, out);
                        if let Some(f) = out.get_mut(before) {
                            f.tok.space_before = t.space_before;
                        }
                        if out.len() == before {
                            out.push(self.placemarker(t.loc));
                        }
                    } else {
                        out.push(self.placemarker(t.loc));
                    }
                    i = close + 1;
                    continue;
                }
            }
            if let Some(p) = b.param {
                let p = p as usize;
                let next_paste = i + 1 < end && is_punct(&body[i + 1].tok, self.syms.hashhash);
                let prev_paste = i > start && is_punct(&body[i - 1].tok, self.syms.hashhash);
                let toks = if next_paste || prev_paste { args[p].raw.clone() } else { self.expanded_arg(args, p) };
                if toks.is_empty() {
                    if next_paste || prev_paste {
                        out.push(self.placemarker(t.loc));
                    }
                } else {
                    let first = out.len();
                    out.extend(toks);
                    out[first].tok.space_before = t.space_before;
                    if !(next_paste || prev_paste) {
                        mark_edges(&mut out[first..]);
                    }
                }
                i += 1;
                continue;
            }
            let flags = if is_punct(&t, self.syms.hashhash) { PASTE_OP } else { 0 };
            out.push(PpTok { tok: t, hs: 0, flags });
            i += 1;
        }
    }

    /// Index of the `)` closing `__VA_OPT__(` whose `(` is at `open`.
    fn va_opt_close(&self, m: &Macro, open: usize, end: usize) -> Option<usize> {
        if open >= end || m.body[open].tok.text != self.syms.lparen {
            return None;
        }
        let mut depth = 0;
        for j in open..end {
            let x = m.body[j].tok.text;
            if x == self.syms.lparen {
                depth += 1;
            } else if x == self.syms.rparen {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
        }
        None
    }

    fn va_opt_active(&mut self, args: &mut [Arg], va_index: Option<usize>) -> bool {
        match va_index {
            Some(v) if !args[v].raw.is_empty() => !self.expanded_arg(args, v).is_empty(),
            _ => false,
        }
    }

    /// Apply the `##` operators of a substituted replacement list.
    fn paste_all(&mut self, toks: Vec<PpTok>) -> Vec<PpTok> {
        let mut out: Vec<PpTok> = Vec::with_capacity(toks.len());
        let mut it = toks.into_iter().peekable();
        while let Some(t) = it.next() {
            if t.flags & PASTE_OP == 0 {
                out.push(t);
                continue;
            }
            let Some(rhs) = it.next() else { break };
            let Some(lhs) = out.pop() else {
                out.push(rhs);
                continue;
            };
            if lhs.flags & PLACEMARKER != 0 {
                out.push(rhs);
                continue;
            }
            if rhs.flags & PLACEMARKER != 0 {
                out.push(lhs);
                continue;
            }
            out.extend(self.paste(lhs, rhs));
        }
        out
    }

    fn paste(&mut self, lhs: PpTok, rhs: PpTok) -> Vec<PpTok> {
        let joined = format!("{}{}", lhs.tok.text, rhs.tok.text);
        let toks = if joined.starts_with("//") || joined.starts_with("/*") { Vec::new() } else { tokenize_str(&joined, lhs.tok.loc.file, self.diag) };
        if toks.len() == 2 && !toks[0].space_before {
            let mut t = lhs;
            t.tok.kind = toks[0].kind;
            t.tok.text = toks[0].text;
            t.flags = 0;
            return vec![t];
        }
        if !self.opts.assembler {
            self.diag.error(
                lhs.tok.loc,
                format!("pasting \"{}\" and \"{}\" does not give a valid preprocessing token", lhs.tok.text, rhs.tok.text),
            );
        }
        let mut r = rhs;
        r.tok.space_before = false;
        vec![lhs, r]
    }

    /// Push an expansion result so that it is read next.
    fn push_expansion(&mut self, mut out: Vec<PpTok>, name: &PpTok) {
        mark_edges(&mut out);
        if let Some(f) = out.first_mut() {
            f.tok.space_before = name.tok.space_before;
            f.tok.line_start = name.tok.line_start;
        } else if name.tok.space_before || name.tok.line_start {
            // An empty expansion still separates its neighbours; one that opened a
            // line passes that on to the next token of the enclosing expansion (a
            // statement of a `.S` file must start its own output line).
            if let Some(next) = self.pending.last_mut() {
                next.tok.space_before = true;
                next.tok.line_start |= name.tok.line_start && next.flags & FROM_FILE == 0;
            } else {
                self.space_after_empty = true;
            }
        }
        out.reverse();
        self.pending.extend(out);
    }
}

/// Mark the ends of an expansion or a substituted argument (see `EDGE_BEFORE`).
fn mark_edges(toks: &mut [PpTok]) {
    if let Some(f) = toks.first_mut() {
        f.flags |= EDGE_BEFORE;
    }
    if let Some(l) = toks.last_mut() {
        l.flags |= EDGE_AFTER;
    }
}

/// The string literal `#` makes of an argument (C17 6.10.3.2).
pub(super) fn stringize(toks: &[PpTok]) -> String {
    let mut s = String::from("\"");
    for (i, t) in toks.iter().enumerate() {
        if t.flags & PLACEMARKER != 0 {
            continue;
        }
        if i > 0 && (t.tok.space_before || t.tok.line_start) {
            s.push(' ');
        }
        let text = t.tok.text.as_str();
        if matches!(t.tok.kind, TokenKind::Str | TokenKind::Char) || text.contains('"') {
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
        } else {
            s.push_str(text);
        }
    }
    s.push('"');
    s
}
