//! GNU global register variables: `register unsigned long sp asm("rsp");` at file
//! scope names a register, not storage. The kernel binds one to the stack pointer
//! (`current_stack_pointer`) and passes it to asm as a `"+r"` operand so that the
//! asm is ordered after the frame is set up. ccc supports the stack pointer: each use
//! is a fresh temporary holding its current value (writes to it are dropped, which is
//! what such uses intend). A variable bound to any other register becomes a private
//! static variable: C code sees the same values, only asm that reads the register
//! itself would notice.

use super::*;
use crate::ast::{InitItem, Initializer};

/// Register names of the stack pointer on the targets ccc knows.
const STACK_POINTER_NAMES: &[&str] = &["rsp", "esp", "sp", "%rsp", "%esp"];

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
            self.stack_pointer_vars.insert(name, ty.clone());
            return Ok(None);
        }
        let asm_label = Some(format!("__ccc_register_var.{}", reg.trim_start_matches('%')));
        Ok(Some(DeclAttrs { asm_label, ..attrs }))
    }

    /// A use of a stack-pointer register variable: an lvalue temporary holding the
    /// stack pointer's current value.
    pub(super) fn stack_pointer_value(&mut self, name: Sym, ty: CType, loc: Loc) -> PResult<Expr> {
        if !self.in_function() {
            return Err(self.error_at(loc, format!("register variable '{name}' used outside a function")));
        }
        let sp = Expr::new(ExprKind::Builtin { name: Sym::intern("__ccc_stack_pointer"), args: Vec::new() }, CType::ptr_to(CType::void()), loc);
        let value = self.convert(sp, ty.clone());
        let size = self.layout().size(&ty);
        let init = Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: value }], whole: None };
        Ok(self.make_compound_literal(ty, init, loc))
    }
}
