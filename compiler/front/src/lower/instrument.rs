//! `-finstrument-functions`: every function not marked `no_instrument_function` calls
//! `__cyg_profile_func_enter(this_fn, call_site)` on entry and
//! `__cyg_profile_func_exit(this_fn, call_site)` before each return, as GCC does.

use ccc_ir::{Block, InstKind, Type as IrType};

use super::func::direct_call;
use super::*;

impl FnLower<'_> {
    /// The entry hook, at the current point (after the parameters are stored).
    pub(super) fn instrument_entry(&mut self) {
        let this_fn = self.val(InstKind::GlobalAddr { name: self.fn_name.clone(), offset: 0 });
        let site = self.val(InstKind::ReturnAddress { level: 0 });
        self.ins(direct_call("__cyg_profile_func_enter", &[(this_fn, IrType::Ptr), (site, IrType::Ptr)], None));
    }

    /// The exit hook before every return of the finished body.
    pub(super) fn instrument_exits(&mut self) {
        for b in self.f.layout.clone() {
            if matches!(self.f.terminator(b), Some(InstKind::Return { .. })) {
                self.exit_hook_before_terminator(b);
            }
        }
        self.f.renumber_defs();
    }

    fn exit_hook_before_terminator(&mut self, b: Block) {
        let Some(ret) = self.f.blocks[b.index()].insts.pop() else { return };
        let this_fn = self.f.append(b, InstKind::GlobalAddr { name: self.fn_name.clone(), offset: 0 });
        let site = self.f.append(b, InstKind::ReturnAddress { level: 0 });
        if let (Some(this_fn), Some(site)) = (this_fn, site) {
            self.f.append(b, direct_call("__cyg_profile_func_exit", &[(this_fn, IrType::Ptr), (site, IrType::Ptr)], None));
        }
        self.f.blocks[b.index()].insts.push(ret);
    }
}
