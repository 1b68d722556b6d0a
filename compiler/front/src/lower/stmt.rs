//! Statements to control flow.

use std::collections::HashMap;

use ccc_ir::{BlockCall, InstKind, Type as IrType};

use super::*;

impl<'a> FnLower<'a> {
    pub(super) fn label_block(&mut self, name: Sym) -> ir::Block {
        if let Some(&b) = self.labels.get(&name) {
            return b;
        }
        let b = self.new_block();
        self.labels.insert(name, b);
        b
    }

    pub(super) fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Expr(e) => {
                self.expr_discard(e);
            }
            Stmt::Decl { var, init } => {
                self.local_decl(*var, init.as_deref());
                self.enter_cleanup_scope(*var);
            }
            Stmt::VlaDecl { size_var, count, elem_size } => {
                let n = self.rvalue(count);
                let es = self.rvalue(elem_size);
                let n = self.cast_value(n, &count.ty, &CType::ulong());
                let es = self.cast_value(es, &elem_size.ty, &CType::ulong());
                let size = self.val(InstKind::Binary { op: ir::BinOp::Mul, ty: IrType::iptr(), lhs: n, rhs: es });
                let addr = self.local_addr(*size_var);
                self.ins(InstKind::Store { ty: IrType::iptr(), ptr: addr, value: size, volatile: false });
            }
            Stmt::Block(stmts) => {
                let depth = self.cleanup_depth();
                for s in stmts {
                    self.stmt(s);
                }
                self.close_cleanup_scope(depth);
            }
            Stmt::Decls(stmts) => {
                for s in stmts {
                    self.stmt(s);
                }
            }
            Stmt::If { cond, then, els } => {
                // A constant condition (`if (0)`, `__builtin_constant_p`)
                // lowers only the live branch, as GCC does even at -O0: the
                // dead one may hold asm that only compiles for constants.
                if let Some(c) = const_truth(cond) {
                    let (live, dead) = if c { (Some(&**then), els.as_deref()) } else { (els.as_deref(), Some(&**then)) };
                    if dead.map(|d| !has_labels(d)).unwrap_or(true) {
                        if let Some(l) = live {
                            self.stmt(l);
                        }
                        return;
                    }
                }
                let then_b = self.new_block();
                let end = self.new_block();
                let else_b = if els.is_some() { self.new_block() } else { end };
                match const_truth(cond) {
                    // The dead branch holds labels (e.g. a `case` inside `if (0)`): it is
                    // only entered through them, so its code before the first label lands
                    // in blocks without predecessors, which are dropped.
                    Some(c) => self.jump(if c { then_b } else { else_b }),
                    None => self.branch_on(cond, then_b, else_b),
                }
                self.switch_to(then_b);
                self.stmt(then);
                self.jump(end);
                if let Some(e) = els {
                    self.switch_to(else_b);
                    self.stmt(e);
                    self.jump(end);
                }
                self.switch_to(end);
            }
            Stmt::While { cond, body } => {
                let head = self.new_block();
                let body_b = self.new_block();
                let end = self.new_block();
                self.jump(head);
                self.switch_to(head);
                self.branch_on(cond, body_b, end);
                self.switch_to(body_b);
                self.loop_body(body, end, head);
                self.jump(head);
                self.switch_to(end);
            }
            Stmt::DoWhile { body, cond } => {
                let body_b = self.new_block();
                let cond_b = self.new_block();
                let end = self.new_block();
                self.jump(body_b);
                self.switch_to(body_b);
                self.loop_body(body, end, cond_b);
                self.jump(cond_b);
                self.switch_to(cond_b);
                self.branch_on(cond, body_b, end);
                self.switch_to(end);
            }
            Stmt::For { init, cond, step, body } => {
                // The initialiser's variables live until the loop ends.
                let depth = self.cleanup_depth();
                if let Some(i) = init {
                    self.stmt(i);
                }
                let head = self.new_block();
                let body_b = self.new_block();
                let step_b = self.new_block();
                let end = self.new_block();
                self.jump(head);
                self.switch_to(head);
                match cond {
                    Some(c) => self.branch_on(c, body_b, end),
                    None => self.jump(body_b),
                }
                self.switch_to(body_b);
                self.loop_body(body, end, step_b);
                self.jump(step_b);
                self.switch_to(step_b);
                if let Some(s) = step {
                    self.expr_discard(s);
                }
                self.jump(head);
                self.switch_to(end);
                self.close_cleanup_scope(depth);
            }
            Stmt::Switch { cond, body, cases, default } => self.switch(cond, body, cases, *default),
            Stmt::Case(idx, body) => {
                let b = self.case_blocks.last().and_then(|m| m.get(idx).copied());
                if let Some(b) = b {
                    self.jump(b);
                    self.switch_to(b);
                }
                self.stmt(body);
            }
            Stmt::Break => {
                if let Some(&(b, depth)) = self.break_targets.last() {
                    self.run_cleanups_to(depth);
                    self.jump(b);
                }
            }
            Stmt::Continue => {
                if let Some(&(b, depth)) = self.continue_targets.last() {
                    self.run_cleanups_to(depth);
                    self.jump(b);
                }
            }
            Stmt::Return(e, loc) => self.return_stmt(e.as_ref(), *loc),
            Stmt::Goto(name, _) => {
                self.run_cleanups_for_goto(*name);
                let b = self.label_block(*name);
                self.jump(b);
            }
            Stmt::NonlocalGoto { up, entry } => self.nonlocal_goto(*up, *entry),
            Stmt::ComputedGoto(e) => {
                let addr = self.rvalue(e);
                self.ins(InstKind::IndirectJump { addr, targets: Vec::new() });
                self.indirect_jumps.push(self.cur);
            }
            Stmt::Label(name, body) => {
                if !self.cleanups.is_empty() || self.label_cleanups.contains_key(name) {
                    self.label_cleanups.insert(*name, self.cleanups.clone());
                }
                let b = self.label_block(*name);
                self.jump(b);
                self.switch_to(b);
                self.stmt(body);
            }
            Stmt::Asm(a) => self.inline_asm(a),
            Stmt::Null => {}
        }
    }

    fn loop_body(&mut self, body: &Stmt, brk: ir::Block, cont: ir::Block) {
        let depth = self.cleanup_depth();
        self.break_targets.push((brk, depth));
        self.continue_targets.push((cont, depth));
        self.stmt(body);
        self.break_targets.pop();
        self.continue_targets.pop();
    }

    fn return_stmt(&mut self, e: Option<&Expr>, _loc: crate::diag::Loc) {
        match e {
            None => {
                self.run_cleanups_to(0);
                self.return_default();
            }
            Some(e) => {
                // Scalars return their value, aggregates their address.
                let v = self.rvalue(e);
                let v = self.value_before_cleanups(v, &e.ty, 0);
                self.run_cleanups_to(0);
                self.ins(InstKind::Return { value: Some(v) });
            }
        }
    }

    fn switch(&mut self, cond: &Expr, body: &Stmt, cases: &[(i128, i128, usize)], default: Option<usize>) {
        let v = self.rvalue(cond);
        let ty = self.layout.ir_type(&cond.ty).unwrap_or(IrType::I32);
        let end = self.new_block();
        let mut blocks = HashMap::new();
        let mut table: Vec<(i128, ir::Block)> = Vec::new();
        let mut ranges: Vec<(i128, i128, ir::Block)> = Vec::new();
        for &(lo, hi, idx) in cases {
            let b = self.new_block();
            blocks.insert(idx, b);
            if hi < lo {
                continue;
            }
            if hi - lo < 64 {
                for x in lo..=hi {
                    if !table.iter().any(|(v, _)| *v == x) {
                        table.push((x, b));
                    }
                }
            } else {
                ranges.push((lo, hi, b));
            }
        }
        let default_b = match default {
            Some(idx) => {
                let b = self.new_block();
                blocks.insert(idx, b);
                b
            }
            None => end,
        };
        // Large case ranges: compare chains before the table dispatch.
        let signed = cond.ty.is_signed(self.layout.tables);
        for (lo, hi, b) in ranges {
            let lo_v = self.iconst(ty, lo);
            let span = self.iconst(ty, hi.wrapping_sub(lo));
            let d = self.val(InstKind::Binary { op: ir::BinOp::Sub, ty, lhs: v, rhs: lo_v });
            let _ = signed;
            let c = self.val(InstKind::Icmp { cc: ir::IntCC::Ule, ty, lhs: d, rhs: span });
            let next = self.new_block();
            self.ins(InstKind::Branch { cond: c, cond_ty: IrType::I8, then_dest: BlockCall::new(b), else_dest: BlockCall::new(next) });
            self.switch_to(next);
        }
        table.sort_by_key(|c| c.0);
        self.ins(InstKind::Switch { value: v, ty, cases: table, default: default_b });
        self.case_blocks.push(blocks);
        let depth = self.cleanup_depth();
        self.break_targets.push((end, depth));
        // Code before the first case label is unreachable.
        let dead = self.new_block();
        self.switch_to(dead);
        self.stmt(body);
        self.break_targets.pop();
        let blocks = self.case_blocks.pop().unwrap_or_default();
        // A default or case that was never reached by the body walk still
        // needs its block laid out (e.g. a label inside a nested statement).
        let mut pending: Vec<ir::Block> = blocks.values().copied().filter(|b| !self.is_laid_out(*b)).collect();
        pending.sort();
        self.jump(end);
        for b in pending {
            self.switch_to(b);
            self.jump(end);
        }
        self.switch_to(end);
    }

    /// Branch on a boolean-typed (converted) condition.
    pub(super) fn branch_on(&mut self, cond: &Expr, t: ir::Block, f: ir::Block) {
        // Fold `!x`, `&&`, `||` and comparisons into control flow.
        let inner = match &cond.kind {
            ExprKind::ToBool(inner) => inner,
            _ => cond,
        };
        match &inner.kind {
            ExprKind::LogAnd(a, b) => {
                let mid = self.new_block();
                self.branch_on(a, mid, f);
                self.switch_to(mid);
                self.branch_on(b, t, f);
                return;
            }
            ExprKind::LogOr(a, b) => {
                let mid = self.new_block();
                self.branch_on(a, t, mid);
                self.switch_to(mid);
                self.branch_on(b, t, f);
                return;
            }
            ExprKind::Unary(UnOp::LogNot, a) => {
                self.branch_on(a, f, t);
                return;
            }
            _ => {}
        }
        let c = self.truth_value(cond);
        self.ins(InstKind::Branch { cond: c, cond_ty: IrType::I8, then_dest: BlockCall::new(t), else_dest: BlockCall::new(f) });
    }

    fn local_decl(&mut self, var: LocalId, init: Option<&Initializer>) {
        let lv = &self.locals[var];
        let ty = lv.ty.clone();
        if let Kind::Vla { size_var, .. } = ty.kind {
            // Allocate the VLA's storage now that its size is known.
            let align = lv.align.max(16);
            // Re-executing the declaration (a loop, a backward goto) first
            // frees what its previous execution allocated.
            let save = self.vla_save_slot();
            let sa = self.val(InstKind::SlotAddr { slot: save });
            let prev = self.val(InstKind::Load { ty: IrType::Ptr, ptr: sa, volatile: false });
            let zero = self.iconst(IrType::Ptr, 0);
            let again = self.val(InstKind::Icmp { cc: ir::IntCC::Ne, ty: IrType::Ptr, lhs: prev, rhs: zero });
            let restore_b = self.new_block();
            let cont = self.new_block();
            self.ins(InstKind::Branch { cond: again, cond_ty: IrType::I8, then_dest: BlockCall::new(restore_b), else_dest: BlockCall::new(cont) });
            self.switch_to(restore_b);
            self.ins(InstKind::StackRestore { ptr: prev });
            self.jump(cont);
            self.switch_to(cont);
            let sp = self.val(InstKind::StackSave);
            let sa = self.val(InstKind::SlotAddr { slot: save });
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: sa, value: sp, volatile: false });
            let sa = self.local_addr(size_var);
            let size = self.val(InstKind::Load { ty: IrType::iptr(), ptr: sa, volatile: false });
            let p = self.dyn_alloca(size, align);
            let slot = match self.local_slots[var] {
                Some(s) => s,
                None => {
                    let s = self.f.new_slot(8, 8);
                    self.local_slots[var] = Some(s);
                    s
                }
            };
            let a = self.val(InstKind::SlotAddr { slot });
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: a, value: p, volatile: false });
            return;
        }
        let Some(init) = init else { return };
        let addr = self.local_addr(var);
        self.init_object(addr, &ty, init);
    }

    /// Store an initializer into the object at `addr`.
    pub(super) fn init_object(&mut self, addr: ir::Value, ty: &CType, init: &Initializer) {
        let size = self.layout.size(ty).max(init.size);
        let align = self.layout.align(ty);
        if let Some(w) = &init.whole {
            let src = self.rvalue(w);
            self.ins(InstKind::Memcpy { dst: addr, src, size: self.layout.size(ty), align });
            return;
        }
        // Scalars initialised by one item need no zero fill.
        let single_scalar = init.items.len() == 1 && init.items[0].offset == 0 && init.items[0].bitfield.is_none() && self.layout.ir_type(ty).is_some();
        if !single_scalar {
            let zero = self.iconst(IrType::I8, 0);
            self.ins(InstKind::Memset { dst: addr, byte: zero, size, align });
        }
        for item in &init.items {
            let p = if item.offset == 0 {
                addr
            } else {
                let off = self.iconst(IrType::iptr(), item.offset as i128);
                self.val(InstKind::Binary { op: ir::BinOp::Add, ty: IrType::Ptr, lhs: addr, rhs: off })
            };
            let ety = item.expr.ty.clone();
            if let Some((bo, w, su)) = item.bitfield {
                let v = self.rvalue(&item.expr);
                self.store_bitfield(p, v, &ety, bo, w, su);
                continue;
            }
            if let ExprKind::Str(bytes) = &item.expr.kind {
                if ety.is_array() {
                    self.store_string(p, bytes, self.layout.size(&ety));
                    continue;
                }
            }
            if self.layout.ir_type(&ety).is_some() {
                let v = self.rvalue(&item.expr);
                self.store_scalar(p, v, &ety);
            } else {
                let src = self.rvalue(&item.expr);
                let sz = self.layout.size(&ety);
                let al = self.layout.align(&ety);
                self.ins(InstKind::Memcpy { dst: p, src, size: sz, align: al });
            }
        }
    }

    /// Copy string literal bytes into an array (the rest is already zero).
    fn store_string(&mut self, p: ir::Value, bytes: &[u8], max: u64) {
        let n = (bytes.len() as u64).min(max) as usize;
        let mut i = 0;
        while i < n {
            let (ty, w) = if n - i >= 8 && IrType::iptr() == IrType::I64 {
                (IrType::I64, 8)
            } else if n - i >= 4 {
                (IrType::I32, 4)
            } else if n - i >= 2 {
                (IrType::I16, 2)
            } else {
                (IrType::I8, 1)
            };
            let mut v: u64 = 0;
            for k in (0..w).rev() {
                v = (v << 8) | bytes[i + k] as u64;
            }
            let c = self.iconst(ty, v as i128);
            let a = if i == 0 {
                p
            } else {
                let off = self.iconst(IrType::iptr(), i as i128);
                self.val(InstKind::Binary { op: ir::BinOp::Add, ty: IrType::Ptr, lhs: p, rhs: off })
            };
            self.ins(InstKind::Store { ty, ptr: a, value: c, volatile: false });
            i += w;
        }
    }
}

/// The value of a condition that is an integer constant.
fn const_truth(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Int(v) => Some(*v != 0),
        ExprKind::ToBool(inner) | ExprKind::Cast(inner) => const_truth(inner),
        _ => None,
    }
}

/// Whether a statement defines labels or case labels (then it can be
/// entered from elsewhere and must be lowered).
fn has_labels(s: &Stmt) -> bool {
    match s {
        Stmt::Label(..) | Stmt::Case(..) => true,
        Stmt::Block(v) | Stmt::Decls(v) => v.iter().any(has_labels),
        Stmt::If { then, els, .. } => has_labels(then) || els.as_deref().map(has_labels).unwrap_or(false),
        Stmt::While { body, .. } | Stmt::DoWhile { body, .. } | Stmt::For { body, .. } => has_labels(body),
        Stmt::Switch { body, .. } => has_labels(body),
        _ => false,
    }
}
