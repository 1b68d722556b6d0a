//! Statements.

use super::*;

impl<'a> Parser<'a> {
    /// `{ ... }` with its own scope.
    pub(super) fn compound_stmt(&mut self) -> PResult<Stmt> {
        self.expect("{")?;
        self.push_scope();
        let r = self.block_items();
        self.pop_scope();
        Ok(Stmt::Block(r?))
    }

    fn block_items(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        while !self.eat("}") {
            if self.at_eof() {
                return Err(self.error_here("expected '}' at end of input"));
            }
            if self.keyword() == Some(Kw::StaticAssert) {
                self.static_assert()?;
                continue;
            }
            if self.keyword() == Some(Kw::Label) {
                // `__label__ a, b;` local label declarations: inside this
                // block `a` is a label of its own (the kernel's wait_event
                // macros each declare `__out`, used twice in one function).
                self.advance();
                loop {
                    let (label, _) = self.expect_ident()?;
                    let unique = self.fresh_name(label.as_str());
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.labels.push((label, unique));
                    }
                    if !self.eat(",") {
                        break;
                    }
                }
                self.expect(";")?;
                continue;
            }
            if self.pragma()? {
                continue;
            }
            if self.attribute_null_statement()? {
                continue;
            }
            if self.is_decl_start() && !(self.peek_at(1).is(":") && self.keyword().is_none()) {
                let mut decls = self.local_declaration()?;
                stmts.append(&mut decls);
                continue;
            }
            if self.keyword() == Some(Kw::Extension) && {
                let save = self.pos;
                self.advance();
                let d = self.is_decl_start();
                self.pos = save;
                d
            } {
                self.advance();
                let mut decls = self.local_declaration()?;
                stmts.append(&mut decls);
                continue;
            }
            let s = self.statement()?;
            stmts.push(s);
        }
        Ok(stmts)
    }

    fn cond_expr_bool(&mut self) -> PResult<Expr> {
        let e = self.expr()?;
        let e = self.decay(e);
        if !e.ty.is_scalar() && !e.ty.is_complex() {
            return Err(self.error_at(e.loc, "used struct type value where scalar is required"));
        }
        Ok(self.convert(e, CType::bool()))
    }

    pub(super) fn statement(&mut self) -> PResult<Stmt> {
        let loc = self.loc();
        if self.attribute_null_statement()? {
            return Ok(Stmt::Null);
        }
        // Labels.
        if self.peek().kind == TokenKind::Ident && self.keyword().is_none() && self.peek_at(1).is(":") {
            let name = self.advance().text;
            let name = self.scoped_label(name).1;
            self.advance();
            // Label attributes (`out: __attribute__((unused))`); an `asm` after a
            // label is a statement, not an asm label.
            if self.keyword() == Some(Kw::Attribute) {
                self.attributes(&mut DeclAttrs::default())?;
            }
            if let Some(f) = self.func.as_mut() {
                if f.labels_defined.contains(&name) {
                    return Err(self.error_at(loc, format!("duplicate label '{}'", super::nested::source_label(name))));
                }
                f.labels_defined.push(name);
            }
            let s = if self.is_punct("}") { Stmt::Null } else { self.statement_or_decl()? };
            return Ok(Stmt::Label(name, Box::new(s)));
        }
        match self.keyword() {
            Some(Kw::If) => {
                self.advance();
                self.expect("(")?;
                let cond = self.cond_expr_bool()?;
                self.expect(")")?;
                let then = Box::new(self.scoped_statement()?);
                let els = if self.eat_kw(Kw::Else) { Some(Box::new(self.scoped_statement()?)) } else { None };
                Ok(Stmt::If { cond, then, els })
            }
            Some(Kw::While) => {
                self.advance();
                self.expect("(")?;
                let cond = self.cond_expr_bool()?;
                self.expect(")")?;
                let body = Box::new(self.scoped_statement()?);
                Ok(Stmt::While { cond, body })
            }
            Some(Kw::Do) => {
                self.advance();
                let body = Box::new(self.scoped_statement()?);
                if !self.eat_kw(Kw::While) {
                    return Err(self.error_here("expected 'while' in do-while loop"));
                }
                self.expect("(")?;
                let cond = self.cond_expr_bool()?;
                self.expect(")")?;
                self.expect(";")?;
                Ok(Stmt::DoWhile { body, cond })
            }
            Some(Kw::For) => {
                self.advance();
                self.expect("(")?;
                self.push_scope();
                let r = (|| -> PResult<Stmt> {
                    let init = if self.eat(";") {
                        None
                    } else if self.is_decl_start() {
                        Some(Box::new(Stmt::Decls(self.local_declaration()?)))
                    } else {
                        let e = self.expr()?;
                        self.expect(";")?;
                        Some(Box::new(Stmt::Expr(e)))
                    };
                    let cond = if self.is_punct(";") { None } else { Some(Box::new(self.cond_expr_bool()?)) };
                    self.expect(";")?;
                    let step = if self.is_punct(")") { None } else { Some(Box::new(self.expr()?)) };
                    self.expect(")")?;
                    let body = Box::new(self.scoped_statement()?);
                    Ok(Stmt::For { init, cond, step, body })
                })();
                self.pop_scope();
                r
            }
            Some(Kw::Switch) => {
                self.advance();
                self.expect("(")?;
                let e = self.expr()?;
                self.expect(")")?;
                if !e.ty.is_integer() {
                    return Err(self.error_at(e.loc, "switch quantity not an integer"));
                }
                let cond = self.promote(e);
                let cty = cond.ty.clone();
                self.func.as_mut().expect("func").switch_cases.push((Vec::new(), None, cty));
                let body = self.scoped_statement();
                let (cases, default, _) = self.func.as_mut().expect("func").switch_cases.pop().expect("switch");
                Ok(Stmt::Switch { cond: Box::new(cond), body: Box::new(body?), cases, default })
            }
            Some(Kw::Case) => {
                self.advance();
                let lo = self.const_expr()?;
                let hi = if self.eat("...") { self.const_expr()? } else { lo };
                self.expect(":")?;
                let f = self.func.as_mut().expect("func");
                let idx = f.next_case;
                f.next_case += 1;
                let Some((_, _, cty)) = f.switch_cases.last_mut() else {
                    return Err(self.error_at(loc, "case label not within a switch statement"));
                };
                let cty = cty.clone();
                let lo = self.wrap_int(lo, &cty);
                let hi = self.wrap_int(hi, &cty);
                let f = self.func.as_mut().expect("func");
                let (cases, _, _) = f.switch_cases.last_mut().expect("switch");
                cases.push((lo, hi, idx));
                let s = if self.is_punct("}") { Stmt::Null } else { self.statement_or_decl()? };
                Ok(Stmt::Case(idx, Box::new(s)))
            }
            Some(Kw::Default) => {
                self.advance();
                self.expect(":")?;
                let f = self.func.as_mut().expect("func");
                let idx = f.next_case;
                f.next_case += 1;
                let Some((_, default, _)) = f.switch_cases.last_mut() else {
                    return Err(self.error_at(loc, "'default' label not within a switch statement"));
                };
                *default = Some(idx);
                let s = if self.is_punct("}") { Stmt::Null } else { self.statement_or_decl()? };
                Ok(Stmt::Case(idx, Box::new(s)))
            }
            Some(Kw::Break) => {
                self.advance();
                self.expect(";")?;
                Ok(Stmt::Break)
            }
            Some(Kw::Continue) => {
                self.advance();
                self.expect(";")?;
                Ok(Stmt::Continue)
            }
            Some(Kw::Return) => {
                self.advance();
                if self.eat(";") {
                    return Ok(Stmt::Return(None, loc));
                }
                let e = self.expr()?;
                self.expect(";")?;
                let ret = self.func.as_ref().and_then(|f| f.ret.clone()).unwrap_or_else(CType::int);
                if ret.is_void() {
                    // GCC accepts `return f();` in a void function when f is void.
                    return Ok(Stmt::Block(vec![Stmt::Expr(e), Stmt::Return(None, loc)]));
                }
                let e = self.assign_convert(e, &ret, loc)?;
                Ok(Stmt::Return(Some(e), loc))
            }
            Some(Kw::Goto) => {
                self.advance();
                if self.eat("*") {
                    let e = self.expr()?;
                    self.expect(";")?;
                    let e = self.convert(e, CType::ptr_to(CType::void()));
                    return Ok(Stmt::ComputedGoto(e));
                }
                let (name, nloc) = self.expect_ident()?;
                self.expect(";")?;
                Ok(self.goto_stmt(name, nloc))
            }
            Some(Kw::Asm) => self.asm_statement(),
            _ => {
                if self.is_punct("{") {
                    return self.compound_stmt();
                }
                if self.eat(";") {
                    return Ok(Stmt::Null);
                }
                if self.keyword() == Some(Kw::Attribute) {
                    // `__attribute__((fallthrough));`
                    let mut a = DeclAttrs::default();
                    self.attributes(&mut a)?;
                    self.expect(";")?;
                    return Ok(Stmt::Null);
                }
                let e = self.expr()?;
                self.expect(";")?;
                Ok(Stmt::Expr(e))
            }
        }
    }

    /// A sub-statement (of if/while/for) has its own block scope (C99).
    fn scoped_statement(&mut self) -> PResult<Stmt> {
        self.push_scope();
        let r = self.statement();
        self.pop_scope();
        r
    }

    /// `__attribute__((fallthrough));` is a null statement (also right after a `case`
    /// label); anything else starting with attributes is left unconsumed.
    fn attribute_null_statement(&mut self) -> PResult<bool> {
        if self.keyword() != Some(Kw::Attribute) {
            return Ok(false);
        }
        let save = self.pos;
        self.attributes(&mut DeclAttrs::default())?;
        if self.eat(";") {
            return Ok(true);
        }
        self.pos = save;
        Ok(false)
    }

    /// After a label, C23 (and GCC) allow a declaration.
    fn statement_or_decl(&mut self) -> PResult<Stmt> {
        if self.attribute_null_statement()? {
            return Ok(Stmt::Null);
        }
        if self.is_decl_start() && !(self.peek_at(1).is(":") && self.keyword().is_none()) {
            return Ok(Stmt::Decls(self.local_declaration()?));
        }
        self.statement()
    }

    fn asm_statement(&mut self) -> PResult<Stmt> {
        self.advance();
        let mut volatile = false;
        let mut is_goto = false;
        loop {
            match self.keyword() {
                Some(Kw::Volatile) => volatile = true,
                Some(Kw::Inline) => {}
                _ if self.peek().is("goto") => is_goto = true,
                _ => break,
            }
            self.advance();
        }
        self.expect("(")?;
        let t = self.string_literal()?;
        let template = match t.kind {
            ExprKind::Str(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        let mut outputs = Vec::new();
        let mut inputs = Vec::new();
        let mut clobbers = Vec::new();
        let mut labels = Vec::new();
        let mut basic = true;
        if self.eat(":") {
            basic = false;
            outputs = self.asm_operands(true)?;
            if self.eat(":") {
                inputs = self.asm_operands(false)?;
                if self.eat(":") {
                    while self.peek().kind == TokenKind::Str {
                        let s = self.string_literal()?;
                        if let ExprKind::Str(b) = s.kind {
                            clobbers.push(String::from_utf8_lossy(&b).into_owned());
                        }
                        if !self.eat(",") {
                            break;
                        }
                    }
                    if self.eat(":") {
                        while self.peek().kind == TokenKind::Ident {
                            let (l, lloc) = self.expect_ident()?;
                            // a `__label__` in scope names its own unique label
                            let (l, nonlocal) = self.resolve_label(l, lloc);
                            if nonlocal.is_some() {
                                return Err(self.error_at(lloc, format!("asm goto to label '{}' of an enclosing function", super::nested::source_label(l))));
                            }
                            labels.push(l);
                            if !self.eat(",") {
                                break;
                            }
                        }
                    }
                }
            }
        }
        self.expect(")")?;
        self.expect(";")?;
        Ok(Stmt::Asm(Box::new(AsmStmt { template, outputs, inputs, clobbers, labels, volatile: volatile || basic || is_goto })))
    }

    /// A local register variable as an asm operand is in its register (GCC's
    /// one guarantee for them): its register constraint becomes `{reg}`
    /// (modifiers kept). The RISC-V and AArch64 backends read `{reg}`;
    /// x86-64 keeps the plain constraint.
    fn explicit_register_constraint(&self, constraint: String, e: &Expr) -> String {
        let ExprKind::Var(VarRef::Local(id)) = e.kind else { return constraint };
        let Some(reg) = self.func.as_ref().and_then(|f| f.asm_registers.get(&id)) else { return constraint };
        let register_classes: &[char] = match self.target.arch {
            ccc_ir::Arch::Riscv64 => &['r', 'f', 'g'],
            ccc_ir::Arch::Aarch64 => &['r', 'w', 'g'],
            ccc_ir::Arch::X86_64 | ccc_ir::Arch::I386 => return constraint,
        };
        if !constraint.contains(register_classes) {
            return constraint;
        }
        let modifiers: String = constraint.chars().filter(|c| matches!(c, '=' | '+' | '&')).collect();
        format!("{modifiers}{{{}}}", reg.trim_start_matches('%'))
    }

    fn asm_operands(&mut self, outputs: bool) -> PResult<Vec<AsmOperand>> {
        let mut ops = Vec::new();
        if self.is_punct(":") || self.is_punct(")") {
            return Ok(ops);
        }
        loop {
            let mut name = None;
            if self.eat("[") {
                name = Some(self.expect_ident()?.0);
                self.expect("]")?;
            }
            let c = self.string_literal()?;
            let constraint = match c.kind {
                ExprKind::Str(b) => String::from_utf8_lossy(&b).into_owned(),
                _ => String::new(),
            };
            self.expect("(")?;
            let e = self.expr()?;
            self.expect(")")?;
            if outputs {
                if !self.is_lvalue(&e) {
                    return Err(self.error_at(e.loc, "invalid lvalue in asm output"));
                }
                if let ExprKind::Var(VarRef::Local(id)) = e.kind {
                    if let Some(f) = self.func.as_mut() {
                        f.locals[id].volatile = true;
                    }
                }
            }
            let constraint = self.explicit_register_constraint(constraint, &e);
            let e = if outputs { e } else if constraint.contains('m') && self.is_lvalue(&e) { e } else { self.decay(e) };
            ops.push(AsmOperand { name, constraint, expr: e });
            if !self.eat(",") {
                break;
            }
        }
        Ok(ops)
    }
}
