//! `__attribute__((cleanup(fn)))`: `fn(&var)` runs whenever `var` leaves
//! its scope — at the end of its block, and on the way out by `break`,
//! `continue`, `return` and `goto` (innermost variable first, as GCC). The
//! kernel's `guard()`, `scoped_guard()` and `__free()` are built on it.

use std::collections::HashMap;

use super::*;

/// The locals with a cleanup in scope at each label, found before lowering
/// (a `goto` may come before its label).
pub(super) fn label_scopes(body: &Stmt, locals: &[LocalVar]) -> HashMap<Sym, Vec<LocalId>> {
    let mut out = HashMap::new();
    scan(body, locals, &mut Vec::new(), &mut out);
    out
}

fn scan(s: &Stmt, locals: &[LocalVar], live: &mut Vec<LocalId>, out: &mut HashMap<Sym, Vec<LocalId>>) {
    match s {
        Stmt::Decl { var, .. } if locals[*var].cleanup.is_some() => live.push(*var),
        Stmt::Decls(v) => v.iter().for_each(|s| scan(s, locals, live, out)),
        Stmt::Label(name, body) => {
            out.insert(*name, live.clone());
            scan(body, locals, live, out);
        }
        Stmt::Case(_, body) => scan(body, locals, live, out),
        _ => {
            // Every other statement is a scope of its own.
            let depth = live.len();
            match s {
                Stmt::Block(v) => v.iter().for_each(|s| scan(s, locals, live, out)),
                Stmt::If { then, els, .. } => {
                    scan(then, locals, live, out);
                    live.truncate(depth);
                    if let Some(e) = els {
                        scan(e, locals, live, out);
                    }
                }
                Stmt::While { body, .. } | Stmt::DoWhile { body, .. } | Stmt::Switch { body, .. } => scan(body, locals, live, out),
                Stmt::For { init, body, .. } => {
                    if let Some(i) = init {
                        scan(i, locals, live, out);
                    }
                    scan(body, locals, live, out);
                }
                _ => {}
            }
            live.truncate(depth);
        }
    }
}

impl<'a> FnLower<'a> {
    /// Number of cleanups in scope (a depth to return to).
    pub(super) fn cleanup_depth(&self) -> usize {
        self.cleanups.len()
    }

    /// A declaration was executed: its cleanup is now due at scope exit.
    pub(super) fn enter_cleanup_scope(&mut self, var: LocalId) {
        if self.locals[var].cleanup.is_some() {
            self.cleanups.push(var);
        }
    }

    /// Emit the cleanups above `depth`, innermost first, on the current path
    /// (which is about to leave their scope); the scope itself stays open.
    pub(super) fn run_cleanups_to(&mut self, depth: usize) {
        let locals = self.locals;
        for i in (depth..self.cleanups.len()).rev() {
            if self.f.is_terminated(self.cur) {
                return;
            }
            if let Some(call) = &locals[self.cleanups[i]].cleanup {
                self.expr_discard(call);
            }
        }
    }

    /// The scope that began at `depth` ends here: falling out of it runs
    /// its cleanups.
    pub(super) fn close_cleanup_scope(&mut self, depth: usize) {
        if self.cleanups.len() > depth {
            self.run_cleanups_to(depth);
            self.cleanups.truncate(depth);
        }
    }

    /// Before `goto name`: the cleanups of the scopes the jump leaves (those
    /// not in scope at the label).
    pub(super) fn run_cleanups_for_goto(&mut self, name: Sym) {
        if self.cleanups.is_empty() {
            return;
        }
        // A label not seen by the scan (inside a statement expression) is
        // taken to be in the current scope.
        let keep = match self.label_cleanups.get(&name) {
            Some(at_label) => at_label.iter().zip(&self.cleanups).take_while(|(a, b)| a == b).count(),
            None => self.cleanups.len(),
        };
        self.run_cleanups_to(keep);
    }

    /// A value computed inside the scopes being left must not see their
    /// cleanups: an aggregate (held by address) is copied out first.
    pub(super) fn value_before_cleanups(&mut self, v: ir::Value, ty: &CType, depth: usize) -> ir::Value {
        if self.cleanups.len() <= depth || self.layout.ir_type(ty).is_some() || ty.is_void() {
            return v;
        }
        let size = self.layout.size(ty);
        let align = self.layout.align(ty);
        let copy = self.slot(size, align);
        self.ins(ccc_ir::InstKind::Memcpy { dst: copy, src: v, size, align });
        copy
    }
}
