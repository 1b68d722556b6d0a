//! GNU global register variables: `register unsigned long sp asm("rsp");` at file
//! scope names a register, not storage. The kernel binds one to the stack pointer
//! (`current_stack_pointer`) and passes it to asm as a `"+r"` operand so that the
//! asm is ordered after the frame is set up; the RISC-V kernel's `current` is
//! `register struct task_struct *riscv_current_is_tp asm("tp")`. Each use is a fresh
//! temporary holding the register's current value (writes to it are dropped: the
//! kernel only reads them): the stack pointer on every target, and on RISC-V any
//! register (read by an empty asm with a `{reg}` output). A variable bound to another
//! register on the other targets becomes a private static variable: C code sees the
//! same values, only asm that reads the register itself would notice.

use super::*;
use crate::ast::{InitItem, Initializer};

/// Register names of the stack pointer on the targets ccc knows.
const STACK_POINTER_NAMES: &[&str] = &["rsp", "esp", "sp", "%rsp", "%esp"];

/// The register a global register variable names.
#[derive(Clone, Debug)]
pub(crate) enum RegisterVar {
    StackPointer,
    /// Another register, by its assembler name.
    Named(String),
}

impl Parser<'_> {
    /// Declare `register T name asm("reg")` at file scope. Returns the attributes of
    /// the private static variable to declare instead, or None when it is done.
    pub(super) fn global_register_variable(&mut self, name: Sym, loc: Loc, ty: &CType, attrs: DeclAttrs) -> PResult<Option<DeclAttrs>> {
        let Some(reg) = attrs.asm_label.clone() else {
            return Err(self.error_at(loc, format!("register name not specified for '{name}'")));
        };
        if !(ty.is_integer() || ty.is_ptr()) || self.layout().size(ty) > self.layout().size(&CType::ulong()) {
            return Err(self.error_at(loc, format!("data type of '{name}' isn't suitable for a register")));
        }
        if STACK_POINTER_NAMES.contains(&reg.as_str()) {
            self.register_vars.insert(name, (ty.clone(), RegisterVar::StackPointer));
            return Ok(None);
        }
        if self.target.arch == ccc_ir::Arch::Riscv64 {
            self.register_vars.insert(name, (ty.clone(), RegisterVar::Named(reg.trim_start_matches('%').to_string())));
            return Ok(None);
        }
        let asm_label = Some(format!("__ccc_register_var.{}", reg.trim_start_matches('%')));
        Ok(Some(DeclAttrs { asm_label, ..attrs }))
    }

    /// A use of a global register variable: an lvalue temporary holding the
    /// register's current value.
    pub(super) fn register_value(&mut self, name: Sym, ty: CType, reg: RegisterVar, loc: Loc) -> PResult<Expr> {
        if !self.in_function() {
            return Err(self.error_at(loc, format!("register variable '{name}' used outside a function")));
        }
        let read = match reg {
            RegisterVar::StackPointer => ExprKind::Builtin { name: Sym::intern("__ccc_stack_pointer"), args: Vec::new() },
            RegisterVar::Named(r) => {
                let reg_name = Expr::new(ExprKind::Str(r.into_bytes()), CType::ptr_to(CType::char(false)), loc);
                ExprKind::Builtin { name: Sym::intern("__ccc_read_register"), args: vec![reg_name] }
            }
        };
        let value = self.convert(Expr::new(read, CType::ulong(), loc), ty.clone());
        let size = self.layout().size(&ty);
        let init = Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: value }], whole: None };
        Ok(self.make_compound_literal(ty, init, loc))
    }
}
