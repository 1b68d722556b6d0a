//! GNU global register variables: `register unsigned long sp asm("rsp");` at file
//! scope names a register, not storage. The kernel binds one to the stack pointer
//! (`current_stack_pointer`) and passes it to asm as a `"+r"` operand so that the
//! asm is ordered after the frame is set up. ccc supports the stack pointer: each use
//! is a fresh temporary holding its current value (writes to it are dropped, which is
//! what such uses intend). Other registers are rejected with an error.

use super::*;
use crate::ast::{InitItem, Initializer};

/// Register names of the stack pointer on the targets ccc knows.
const STACK_POINTER_NAMES: &[&str] = &["rsp", "esp", "sp", "%rsp", "%esp"];

impl Parser<'_> {
    pub(super) fn global_register_variable(&mut self, name: Sym, loc: Loc, ty: CType, attrs: &DeclAttrs) -> PResult<()> {
        let Some(reg) = attrs.asm_label.as_deref() else {
            return Err(self.error_at(loc, format!("register name not specified for '{name}'")));
        };
        if !STACK_POINTER_NAMES.contains(&reg) {
            return Err(self.error_at(loc, format!("global register variable '{name}' in register '{reg}' is not supported")));
        }
        if !(ty.is_integer() || ty.is_ptr()) || self.layout().size(&ty) != self.layout().size(&CType::ulong()) {
            return Err(self.error_at(loc, format!("data type of '{name}' isn't suitable for a register")));
        }
        self.stack_pointer_vars.insert(name, ty);
        Ok(())
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
