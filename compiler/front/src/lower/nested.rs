//! GNU nested functions in the IR.
//!
//! A function that defines nested functions gets a *frame block*: a stack
//! slot of pointers, word 0 holding its own incoming static chain (for
//! deeper nesting) and word `i + 1` the address of `FrameEntry` `i` (a local,
//! or a trampoline). The address of the frame block is the static chain its
//! nested functions receive, so a nested function reaches a local `up`
//! levels out by following word 0 `up - 1` times and loading the entry.

use ccc_ir::{Callee, InstKind, SlotId, Type as IrType, Value};

use super::*;

const WORD: i64 = 8;

/// Per-function state for nested functions.
#[derive(Default)]
pub(super) struct NestedState {
    /// The static chain this (nested) function received.
    incoming_chain: Option<Value>,
    /// This function's frame block, if it defines nested functions.
    frame_block: Option<SlotId>,
    /// Save areas of the labels nested functions jump to.
    resume_points: Vec<SlotId>,
}

impl<'a> FnLower<'a> {
    /// At the top of the entry block: read the static chain and fill the
    /// frame block (addresses of captured locals, built trampolines).
    pub(super) fn setup_nested_frame(&mut self, fd: &FunctionDef, target: &TargetInfo) {
        self.f.static_chain = fd.static_chain;
        if fd.static_chain {
            self.nested.incoming_chain = Some(self.val(InstKind::StaticChain));
        }
        if fd.frame.is_empty() {
            return;
        }
        let slot = self.f.new_slot(WORD as u64 * (fd.frame.len() as u64 + 1), WORD as u32);
        self.nested.frame_block = Some(slot);
        let block = self.val(InstKind::SlotAddr { slot });
        if let Some(chain) = self.nested.incoming_chain {
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: block, value: chain, volatile: false });
        }
        for (i, entry) in fd.frame.iter().enumerate() {
            let addr = match entry {
                FrameEntry::Local(id) => self.local_storage_addr(*id),
                FrameEntry::Trampoline { name, used: true } => match self.build_trampoline(*name, block, target, fd.loc) {
                    Some(t) => t,
                    None => continue,
                },
                FrameEntry::Trampoline { used: false, .. } => continue,
                FrameEntry::Label(label) => self.resume_point(*label),
            };
            let at = self.add_offset(block, WORD * (i as i64 + 1));
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: at, value: addr, volatile: false });
        }
    }

    /// A label nested functions jump to: save the frame pointer, the stack
    /// pointer and the label's address for them.
    fn resume_point(&mut self, label: Sym) -> Value {
        // Entering a block from another function leaves nothing in
        // registers (as after `setjmp`).
        self.f.calls_returns_twice = true;
        let block = self.label_block(label);
        if !self.address_taken.contains(&block) {
            self.address_taken.push(block);
        }
        let slot = self.f.new_slot(3 * WORD as u64, WORD as u32);
        self.nested.resume_points.push(slot);
        let save = self.val(InstKind::SlotAddr { slot });
        let frame = self.val(InstKind::FrameAddress { level: 0 });
        let stack = self.val(InstKind::StackSave);
        let target = self.val(InstKind::BlockAddr { block });
        for (i, value) in [frame, stack, target].into_iter().enumerate() {
            let at = self.add_offset(save, WORD * i as i64);
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: at, value, volatile: false });
        }
        save
    }

    /// After a dynamic allocation, a jump back must keep the allocated
    /// memory below the stack pointer: save the new one (as GCC does).
    pub(super) fn update_resume_points(&mut self) {
        for slot in self.nested.resume_points.clone() {
            let save = self.val(InstKind::SlotAddr { slot });
            let stack = self.val(InstKind::StackSave);
            let at = self.add_offset(save, WORD);
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: at, value: stack, volatile: false });
        }
    }

    /// Word `i` of a resume point (0: frame pointer, 1: stack pointer,
    /// 2: label address).
    fn resume_word(&mut self, save: Value, i: i64) -> Value {
        let at = self.add_offset(save, WORD * i);
        self.val(InstKind::Load { ty: IrType::Ptr, ptr: at, volatile: false })
    }

    /// `goto` to a label of the function `up` levels out.
    pub(super) fn nonlocal_goto(&mut self, up: u32, entry: u32) {
        let save = self.frame_entry_value(up, entry);
        let [frame, stack, target] = [0, 1, 2].map(|i| self.resume_word(save, i));
        self.ins(InstKind::NonlocalGoto { frame, stack, target });
    }

    /// `&&label` of a label of the function `up` levels out.
    pub(super) fn outer_label_addr(&mut self, up: u32, entry: u32) -> Value {
        let save = self.frame_entry_value(up, entry);
        self.resume_word(save, 2)
    }

    /// Write a trampoline for nested function `name` into a new stack slot:
    /// the target's code bytes, the function's address and the chain.
    fn build_trampoline(&mut self, name: Sym, chain: Value, target: &TargetInfo, loc: crate::diag::Loc) -> Option<Value> {
        let Some(t) = target.trampoline else {
            self.error(loc, "taking the address of a nested function is not supported on this target");
            return None;
        };
        let slot = self.slot(t.size as u64, t.align);
        for &(offset, bytes) in t.code {
            self.store_bytes(slot, offset as i64, bytes);
        }
        let func = self.val(InstKind::GlobalAddr { name: name.to_string(), offset: 0 });
        for (offset, value) in [(t.func_offset, func), (t.chain_offset, chain)] {
            let at = self.add_offset(slot, offset as i64);
            self.ins(InstKind::Store { ty: IrType::Ptr, ptr: at, value, volatile: false });
        }
        if t.flush_icache {
            let end = self.add_offset(slot, t.size as i64);
            self.ins(super::func::direct_call("__clear_cache", &[(slot, IrType::Ptr), (end, IrType::Ptr)], None));
        }
        Some(slot)
    }

    /// Store constant bytes at `base + offset` in the widest pieces that fit.
    fn store_bytes(&mut self, base: Value, offset: i64, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let (ty, n) = match bytes.len() - i {
                8.. if IrType::iptr() == IrType::I64 => (IrType::I64, 8),
                4.. => (IrType::I32, 4),
                2..=3 => (IrType::I16, 2),
                _ => (IrType::I8, 1),
            };
            let value = bytes[i..i + n].iter().rev().fold(0i128, |acc, &b| (acc << 8) | b as i128);
            let v = self.iconst(ty, value);
            let at = self.add_offset(base, offset + i as i64);
            self.ins(InstKind::Store { ty, ptr: at, value: v, volatile: false });
            i += n;
        }
    }

    fn internal_error(&mut self, msg: &str) {
        let message = format!("internal compiler error: {}: {msg}", self.fn_name);
        self.diag.emit(crate::diag::Diagnostic { severity: crate::diag::Severity::Error, loc: None, message });
        self.failed = true;
    }

    /// The frame block of the function `up` levels out (0: this function).
    fn frame_block_at(&mut self, up: u32) -> Option<Value> {
        if up == 0 {
            let slot = self.nested.frame_block?;
            return Some(self.val(InstKind::SlotAddr { slot }));
        }
        let mut block = self.nested.incoming_chain?;
        for _ in 1..up {
            block = self.val(InstKind::Load { ty: IrType::Ptr, ptr: block, volatile: false });
        }
        Some(block)
    }

    /// Word `entry + 1` of the frame block `up` levels out.
    fn frame_entry_value(&mut self, up: u32, entry: u32) -> Value {
        match self.frame_block_at(up) {
            Some(block) => {
                let at = self.add_offset(block, WORD * (entry as i64 + 1));
                self.val(InstKind::Load { ty: IrType::Ptr, ptr: at, volatile: false })
            }
            None => {
                self.internal_error("nested-function access without a frame block");
                self.iconst(IrType::Ptr, 0)
            }
        }
    }

    /// Address of an enclosing function's local (`VarRef::Outer`).
    pub(super) fn outer_local_addr(&mut self, up: u32, entry: u32, is_vla: bool) -> Value {
        let a = self.frame_entry_value(up, entry);
        if is_vla {
            // The entry is the cell holding the VLA's data pointer.
            return self.val(InstKind::Load { ty: IrType::Ptr, ptr: a, volatile: false });
        }
        a
    }

    /// Address of a nested function as a value: its trampoline.
    pub(super) fn nested_fn_addr(&mut self, up: u32, entry: u32) -> Value {
        self.frame_entry_value(up, entry)
    }

    /// Callee and static chain for a direct call of a nested function.
    pub(super) fn nested_callee(&mut self, name: Sym, up: u32) -> (Callee, Option<Value>) {
        let chain = self.frame_block_at(up);
        if chain.is_none() {
            self.internal_error("nested-function call without a frame block");
        }
        (Callee::Direct(name.to_string()), chain)
    }
}
