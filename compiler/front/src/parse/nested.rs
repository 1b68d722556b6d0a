//! GNU nested functions: function definitions inside a function body.
//!
//! A nested function is parsed as a function of its own (an internal symbol
//! `name.N`, as GCC names them) with `static_chain` set. Names of enclosing
//! functions that it uses are reached through frame blocks: each function
//! that defines nested functions lists in `FuncState::frame` what they need
//! from it (its locals, the trampolines of its nested functions), and an
//! access from `up` levels in is `VarRef::Outer { up, entry }`.

use super::decl::{DeclSpec, ParamState, Storage};
use super::*;

impl<'a> Parser<'a> {
    /// Nesting depth of the function being parsed (0: an ordinary function).
    fn depth(&self) -> u32 {
        self.enclosing.len() as u32
    }

    /// The parsing state of the function at `depth` (current or enclosing).
    fn func_at(&mut self, depth: u32) -> Option<&mut FuncState> {
        if depth == self.depth() {
            self.func.as_mut()
        } else {
            self.enclosing.get_mut(depth as usize)
        }
    }

    /// Index of `entry` in the frame block of the function at `depth`.
    fn frame_entry(&mut self, depth: u32, entry: FrameEntry) -> u32 {
        let Some(f) = self.func_at(depth) else { return 0 };
        let index = match f.frame.iter().position(|e| *e == entry) {
            Some(i) => i,
            None => {
                f.frame.push(entry);
                f.frame.len() - 1
            }
        };
        index as u32
    }

    /// Look up an ordinary identifier. Locals and nested functions of an
    /// enclosing function become accesses through the static chain.
    pub(super) fn lookup_var(&mut self, name: Sym) -> Option<Binding> {
        let (binding, depth) = self.scopes.iter().rev().find_map(|s| s.names.get(&name).map(|b| (b.clone(), s.depth)))?;
        let up = self.depth().saturating_sub(depth);
        if up == 0 {
            return Some(binding);
        }
        Some(match binding {
            Binding::Var { var: VarRef::Local(id), ty } => Binding::Var { var: self.outer_local(id, depth).unwrap_or(VarRef::Local(id)), ty },
            Binding::Var { var: VarRef::NestedFn { name, up: inner, entry }, ty } => Binding::Var { var: VarRef::NestedFn { name, up: inner + up, entry }, ty },
            other => other,
        })
    }

    /// Local `id` of the function at `depth`, when that is an enclosing
    /// function: reached through the static chain.
    pub(super) fn outer_local(&mut self, id: LocalId, depth: u32) -> Option<VarRef> {
        let up = self.depth().checked_sub(depth).filter(|&up| up > 0)?;
        if let Some(lv) = self.func_at(depth).and_then(|f| f.locals.get_mut(id)) {
            // Reached through a pointer: it must stay in memory.
            lv.volatile = true;
        }
        let entry = self.frame_entry(depth, FrameEntry::Local(id));
        Some(VarRef::Outer { up, entry })
    }

    /// Taking a nested function's address (anything but a direct call)
    /// needs its trampoline.
    pub(super) fn note_function_address(&mut self, e: &Expr) {
        if let ExprKind::Var(VarRef::NestedFn { up, entry, .. }) = e.kind {
            let depth = self.depth().saturating_sub(up);
            if let Some(FrameEntry::Trampoline { used, .. }) = self.func_at(depth).and_then(|f| f.frame.get_mut(entry as usize)) {
                *used = true;
            }
        }
    }

    /// A label named in `goto` or `&&`: its function-unique name, and `None`
    /// for one of this function, else where a `__label__` of an enclosing
    /// function is reached: (levels out, frame entry of its resume point).
    pub(super) fn resolve_label(&mut self, name: Sym, loc: Loc) -> (Sym, Option<(u32, u32)>) {
        let (declared_at, name) = self.scoped_label(name);
        let up = declared_at.map_or(0, |d| self.depth().saturating_sub(d));
        let depth = self.depth() - up;
        if let Some(f) = self.func_at(depth) {
            f.labels_used.push((name, loc));
        }
        if up == 0 {
            return (name, None);
        }
        (name, Some((up, self.frame_entry(depth, FrameEntry::Label(name)))))
    }

    /// The innermost `__label__` declaration of `name`: the depth of the
    /// function declaring it and its unique name; `name` itself if none.
    pub(super) fn scoped_label(&self, name: Sym) -> (Option<u32>, Sym) {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.labels.iter().find(|l| l.0 == name).map(|l| (Some(s.depth), l.1)))
            .unwrap_or((None, name))
    }

    /// `goto name;`: local, or to a `__label__` of an enclosing function.
    pub(super) fn goto_stmt(&mut self, name: Sym, loc: Loc) -> Stmt {
        match self.resolve_label(name, loc) {
            (name, None) => Stmt::Goto(name, loc),
            (_, Some((up, entry))) => Stmt::NonlocalGoto { up, entry },
        }
    }

    /// `&&name`.
    pub(super) fn label_address(&mut self, name: Sym, loc: Loc) -> ExprKind {
        match self.resolve_label(name, loc) {
            (name, None) => ExprKind::LabelAddr(name),
            (_, Some((up, entry))) => ExprKind::OuterLabelAddr { up, entry },
        }
    }

    /// `auto int inner(int);`, or the implicit declaration made by a
    /// definition: binds `name` in the current scope to a new nested function.
    pub(super) fn declare_nested_function(&mut self, name: Sym, loc: Loc, ty: CType) -> VarRef {
        if let Some(Binding::Var { var: var @ VarRef::NestedFn { up: 0, .. }, .. }) = self.scopes.last().and_then(|s| s.names.get(&name)) {
            return var.clone();
        }
        let asm = self.fresh_name(name.as_str());
        let entry = self.frame_entry(self.depth(), FrameEntry::Trampoline { name: asm, used: false });
        if let Some(f) = self.func.as_mut() {
            f.nested_declared.push((asm, name, loc));
        }
        let var = VarRef::NestedFn { name: asm, up: 0, entry };
        self.bind(name, Binding::Var { var: var.clone(), ty });
        var
    }

    /// A function definition inside a function body (the declarator has
    /// been parsed, the next token is `{`).
    pub(super) fn nested_function_definition(&mut self, name: Sym, loc: Loc, ty: CType, spec: &DeclSpec, attrs: DeclAttrs) -> PResult<()> {
        match spec.storage {
            Storage::Static => return Err(self.error_at(loc, format!("invalid storage class for function '{name}'"))),
            Storage::Register => return Err(self.error_at(loc, "function definition declared 'register'")),
            Storage::Extern => return Err(self.error_at(loc, format!("nested function '{name}' declared 'extern'"))),
            _ => {}
        }
        let fty = ty.func().cloned().ok_or_else(|| self.error_at(loc, "internal: not a function"))?;
        let VarRef::NestedFn { name: asm, .. } = self.declare_nested_function(name, loc, ty.clone()) else {
            return Err(self.error_at(loc, "internal: not a nested function"));
        };
        if self.globals.get(&asm).is_some_and(|g| g.defined) {
            return Err(self.error_at(loc, format!("redefinition of '{name}'")));
        }
        self.globals.insert(asm, GlobalInfo { ty: ty.clone(), is_static: true, defined: true, index: None });
        let ParamState { mut state, params } = self.last_params.take().ok_or_else(|| self.error_at(loc, "expected function parameters"))?;
        state.name = Some(asm);
        state.ret = Some(fty.ret.clone());
        // Parameters' VLA bounds are computed on entry.
        let pending = std::mem::take(&mut state.pending_vla);
        let outer = self.func.replace(state).ok_or_else(|| self.error_at(loc, "internal: nested function outside a function"))?;
        self.enclosing.push(outer);
        self.push_scope();
        self.bind_params(&params);
        let body = self.compound_stmt();
        self.pop_scope();
        let state = std::mem::replace(&mut self.func, self.enclosing.pop()).ok_or_else(|| self.error_at(loc, "internal: nested function state lost"))?;
        let body = self.finish_function_body(&state, body?, pending)?;
        self.items.push(TopLevel::Function(FunctionDef {
            name: asm,
            ty,
            params,
            locals: state.locals,
            body,
            is_static: true,
            is_inline: spec.inline,
            attrs,
            loc,
            static_chain: true,
            frame: state.frame,
        }));
        Ok(())
    }

    /// Bind the named parameters of the function being parsed in the current scope.
    pub(super) fn bind_params(&mut self, params: &[LocalId]) {
        let named: Vec<(Sym, CType, LocalId)> = match &self.func {
            Some(f) => params.iter().map(|&p| (f.locals[p].name, f.locals[p].ty.clone(), p)).filter(|(n, _, _)| !n.as_str().is_empty()).collect(),
            None => Vec::new(),
        };
        for (n, ty, p) in named {
            self.bind(n, Binding::Var { var: VarRef::Local(p), ty });
        }
    }

    /// The checked body of a finished function, after the statements that evaluate
    /// its parameters' VLA sizes (`pending`).
    pub(super) fn finish_function_body(&self, state: &FuncState, body: Stmt, pending: Vec<Stmt>) -> PResult<Stmt> {
        self.check_function_end(state)?;
        if pending.is_empty() {
            return Ok(body);
        }
        let mut stmts = pending;
        stmts.push(body);
        Ok(Stmt::Block(stmts))
    }

    /// Checks at the end of a function body: every label used is defined,
    /// every nested function declared with `auto` is defined.
    fn check_function_end(&self, state: &FuncState) -> PResult<()> {
        for (label, lloc) in &state.labels_used {
            if !state.labels_defined.contains(label) {
                return Err(self.error_at(*lloc, format!("label '{}' used but not defined", source_label(*label))));
            }
        }
        for (asm, name, loc) in &state.nested_declared {
            if !self.globals.get(asm).is_some_and(|g| g.defined) {
                return Err(self.error_at(*loc, format!("nested function '{name}' declared but never defined")));
            }
        }
        Ok(())
    }
}

/// A label's name as written: local labels are renamed `name.N`.
pub(super) fn source_label(label: Sym) -> &'static str {
    let s = label.as_str();
    s.split('.').next().unwrap_or(s)
}
