//! Per-function lowering state and helpers.

use std::collections::HashMap;

use ccc_ir::{AbiType, Block, Function, InstKind, Signature, SlotId, Type as IrType, Value};

use super::*;

pub struct FnLower<'a> {
    pub(super) f: Function,
    pub(super) cur: Block,
    pub(super) layout: &'a Layout<'a>,
    pub(super) diag: &'a DiagEngine,
    pub(super) locals: &'a [LocalVar],
    /// Stack slot of each local (VLAs: a slot holding the data pointer).
    pub(super) local_slots: Vec<Option<SlotId>>,
    /// Where `break`/`continue` go, with the cleanup depth there.
    pub(super) break_targets: Vec<(Block, usize)>,
    pub(super) continue_targets: Vec<(Block, usize)>,
    pub(super) labels: HashMap<Sym, Block>,
    /// Locals with a `cleanup` attribute in scope, innermost last.
    pub(super) cleanups: Vec<LocalId>,
    /// The cleanups in scope at each label (for `goto`).
    pub(super) label_cleanups: HashMap<Sym, Vec<LocalId>>,
    pub(super) case_blocks: Vec<HashMap<usize, Block>>,
    /// Blocks whose address was taken (`&&label`), for computed gotos.
    pub(super) address_taken: Vec<Block>,
    /// Computed gotos to patch with the final list of address-taken blocks.
    pub(super) indirect_jumps: Vec<Block>,
    pub(super) ret_ty: CType,
    pub(super) failed: bool,
    pub(super) fn_name: String,
    /// String literals used as lvalues: (symbol, bytes) for the module.
    pub(super) strings: Vec<(String, Vec<u8>)>,
    /// What the whole unit says about the globals this function refers to.
    pub(super) facts: &'a super::UnitFacts,
    /// Slots holding the stack pointer saved before each VLA allocation;
    /// zeroed at function entry.
    pub(super) vla_saves: Vec<SlotId>,
    /// Whether each block is already in the layout (avoids a linear search).
    pub(super) in_layout: Vec<bool>,
    /// Fold printf-family calls as GCC does (optimising, C library builtins on).
    pub(super) fold_stdio: bool,
    /// `-O1` and up: the optimiser decides what it can fold.
    pub(super) optimizing: bool,
    /// Static chain and frame block (GNU nested functions).
    pub(super) nested: super::nested::NestedState,
}

/// A lowered function, its string literals' data and the blocks of its labels whose
/// addresses static data takes.
pub type Lowered = (Function, Vec<(String, Vec<u8>)>, Vec<(Sym, u32)>);

impl<'a> FnLower<'a> {
    pub fn lower(fd: &'a FunctionDef, layout: &'a Layout<'a>, diag: &'a DiagEngine, target: &'a TargetInfo, opts: &FrontOptions, facts: &'a super::UnitFacts, static_labels: &[Sym]) -> Option<Lowered> {
        let _ = opts;
        let fty = fd.ty.func()?.clone();
        let param_tys: Vec<CType> = fty.params.iter().map(|p| if fty.unprototyped { promote_for_call(&p.ty, layout) } else { p.ty.clone() }).collect();
        let sig = Signature {
            params: param_tys.iter().map(|t| abi_type(t, layout)).collect(),
            ret: if fty.ret.is_void() { None } else { Some(abi_type(&fty.ret, layout)) },
            variadic: fty.variadic,
            named: None,
        };
        let mut f = Function::new(fd.name.to_string(), sig.clone());
        f.attrs = symbol_attrs(&fd.attrs, fd.is_static);
        f.noinline = fd.attrs.noinline;
        f.always_inline = fd.attrs.always_inline;
        f.declared_inline = fd.is_inline;
        f.align = fd.attrs.aligned.unwrap_or(0);
        let entry = f.new_block();
        f.layout.push(entry);
        let mut lw = FnLower {
            f,
            cur: entry,
            layout,
            diag,
            locals: &fd.locals,
            local_slots: vec![None; fd.locals.len()],
            break_targets: Vec::new(),
            continue_targets: Vec::new(),
            labels: HashMap::new(),
            cleanups: Vec::new(),
            label_cleanups: super::cleanup::label_scopes(&fd.body, &fd.locals),
            case_blocks: Vec::new(),
            address_taken: Vec::new(),
            indirect_jumps: Vec::new(),
            ret_ty: fty.ret.clone(),
            failed: false,
            fold_stdio: opts.opt_level > 0 && opts.libc_builtins,
            optimizing: opts.opt_level > 0,
            fn_name: fd.name.to_string(),
            strings: Vec::new(),
            facts,
            vla_saves: Vec::new(),
            in_layout: vec![true],
            nested: Default::default(),
        };
        lw.setup_nested_frame(fd, target);
        // Labels referenced from static initializers must survive as blocks.
        for &l in static_labels {
            let b = lw.label_block(l);
            if !lw.address_taken.contains(&b) {
                lw.address_taken.push(b);
            }
        }
        // Parameters arrive as entry block params; store them to their slots.
        let mut pvals = Vec::new();
        for abi in &sig.params {
            let t = match abi {
                AbiType::Scalar(t) => *t,
                AbiType::Aggregate(_) => IrType::Ptr,
            };
            pvals.push(lw.f.add_block_param(entry, t));
        }
        for (i, &local) in fd.params.iter().enumerate() {
            let Some(&v) = pvals.get(i) else { break };
            let lty = fd.locals[local].ty.clone();
            let addr = lw.local_addr(local);
            if lty.is_record() || lty.is_complex() || matches!(lty.kind, Kind::Vector { .. }) {
                let size = layout.size(&lty);
                let align = layout.align(&lty);
                lw.ins(InstKind::Memcpy { dst: addr, src: v, size, align });
            } else {
                let v = lw.cast_value(v, &param_tys[i], &lty);
                lw.store_scalar(addr, v, &lty);
            }
        }
        let instrument = opts.instrument_functions && !fd.attrs.no_instrument;
        if instrument {
            lw.instrument_entry();
        }
        lw.stmt(&fd.body);
        // Falling off the end: `main` returns 0; other functions return an
        // unspecified value, as with GCC.
        if !lw.f.is_terminated(lw.cur) {
            lw.return_default();
        }
        if instrument {
            lw.instrument_exits();
        }
        if lw.failed {
            return None;
        }
        lw.init_vla_saves();
        let labels: Vec<(Sym, Block)> = static_labels.iter().map(|l| (*l, lw.labels[l])).collect();
        let (f, strings) = lw.finish()?;
        Some((f, strings, labels.into_iter().map(|(l, b)| (l, b.0)).collect()))
    }

    pub(super) fn error(&mut self, loc: crate::diag::Loc, msg: impl Into<String>) {
        self.diag.error(loc, msg);
        self.failed = true;
    }

    // ------------------------------------------------------------ blocks

    pub(super) fn new_block(&mut self) -> Block {
        self.f.new_block()
    }

    /// Continue emitting into `b` (which gets laid out now).
    pub(super) fn switch_to(&mut self, b: Block) {
        if self.in_layout.len() <= b.index() {
            self.in_layout.resize(b.index() + 1, false);
        }
        if !self.in_layout[b.index()] {
            self.in_layout[b.index()] = true;
            self.f.layout.push(b);
        }
        self.cur = b;
    }

    pub(super) fn is_laid_out(&self, b: Block) -> bool {
        self.in_layout.get(b.index()).copied().unwrap_or(false)
    }

    /// Emit an instruction into the current block. After a terminator, code
    /// goes to a fresh (unreachable) block.
    pub(super) fn ins(&mut self, kind: InstKind) -> Option<Value> {
        if self.f.is_terminated(self.cur) {
            let b = self.new_block();
            self.switch_to(b);
        }
        let term = kind.is_terminator();
        let r = self.f.append(self.cur, kind);
        if term {
            // Nothing: the next ins starts a fresh block.
        }
        r
    }

    pub(super) fn val(&mut self, kind: InstKind) -> Value {
        self.ins(kind).expect("instruction without a result")
    }

    pub(super) fn jump(&mut self, b: Block) {
        if !self.f.is_terminated(self.cur) {
            self.ins(InstKind::Jump(ir::BlockCall::new(b)));
        }
    }

    pub(super) fn iconst(&mut self, ty: IrType, v: i128) -> Value {
        self.val(InstKind::IConst { ty, value: v })
    }

    pub(super) fn slot(&mut self, size: u64, align: u32) -> Value {
        let s = self.f.new_slot(size.max(1), align.max(1));
        self.val(InstKind::SlotAddr { slot: s })
    }

    /// Address of a local variable's storage.
    pub(super) fn local_addr(&mut self, id: LocalId) -> Value {
        let a = self.local_storage_addr(id);
        if self.locals[id].ty.is_vla() {
            return self.val(InstKind::Load { ty: IrType::Ptr, ptr: a, volatile: false });
        }
        a
    }

    /// Address of a local's stack slot (for a VLA: the cell holding its data pointer).
    pub(super) fn local_storage_addr(&mut self, id: LocalId) -> Value {
        let lv = &self.locals[id];
        let slot = match self.local_slots[id] {
            Some(s) => s,
            None => {
                let (size, align) = if lv.ty.is_vla() { (8, 8) } else { (self.layout.size(&lv.ty), lv.align.max(self.layout.align(&lv.ty))) };
                let s = self.f.new_slot(size.max(1), align.max(1));
                self.local_slots[id] = Some(s);
                s
            }
        };
        self.val(InstKind::SlotAddr { slot })
    }

    /// A dynamic stack allocation (VLA, `alloca`).
    pub(super) fn dyn_alloca(&mut self, size: Value, align: u32) -> Value {
        let p = self.val(InstKind::DynAlloca { size, align });
        self.update_resume_points();
        p
    }

    pub(super) fn vla_save_slot(&mut self) -> SlotId {
        let s = self.f.new_slot(8, 8);
        self.vla_saves.push(s);
        s
    }

    /// Zero the VLA save slots at the top of the entry block.
    fn init_vla_saves(&mut self) {
        let entry = self.f.entry();
        let mut pre = Vec::new();
        for &s in &self.vla_saves.clone() {
            let a = self.f.values.len();
            self.f.values.push(ccc_ir::ValueData { ty: IrType::Ptr, def: ccc_ir::ValueDef::Detached });
            let z = self.f.values.len();
            self.f.values.push(ccc_ir::ValueData { ty: IrType::Ptr, def: ccc_ir::ValueDef::Detached });
            let (a, z) = (Value::new(a), Value::new(z));
            pre.push(ccc_ir::Inst { result: Some(a), kind: InstKind::SlotAddr { slot: s } });
            pre.push(ccc_ir::Inst { result: Some(z), kind: InstKind::IConst { ty: IrType::Ptr, value: 0 } });
            pre.push(ccc_ir::Inst { result: None, kind: InstKind::Store { ty: IrType::Ptr, ptr: a, value: z, volatile: false } });
        }
        if pre.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.f.blocks[entry.index()].insts);
        pre.extend(old);
        self.f.blocks[entry.index()].insts = pre;
    }

    pub(super) fn return_default(&mut self) {
        let ret = self.ret_ty.clone();
        if ret.is_void() {
            self.ins(InstKind::Return { value: None });
        } else if let Some(t) = self.layout.ir_type(&ret) {
            let z = if t.is_float() { self.val(InstKind::FConst { ty: t, bits: 0 }) } else { self.iconst(t, 0) };
            self.ins(InstKind::Return { value: Some(z) });
        } else {
            let size = self.layout.size(&ret);
            let align = self.layout.align(&ret);
            let s = self.slot(size, align);
            let zero = self.iconst(IrType::I8, 0);
            self.ins(InstKind::Memset { dst: s, byte: zero, size, align });
            self.ins(InstKind::Return { value: Some(s) });
        }
    }

    /// Drop unreachable blocks, patch computed gotos, verify.
    fn finish(mut self) -> Option<(Function, Vec<(String, Vec<u8>)>)> {
        let targets = self.address_taken.clone();
        self.f.address_taken = targets.clone();
        for b in self.indirect_jumps.clone() {
            if let Some(last) = self.f.blocks[b.index()].insts.last_mut() {
                if let InstKind::IndirectJump { targets: t, .. } = &mut last.kind {
                    *t = targets.clone();
                }
            }
        }
        // Every laid-out block needs a terminator.
        for b in self.f.layout.clone() {
            if !self.f.is_terminated(b) {
                self.f.append(b, InstKind::Unreachable);
            }
        }
        // Reachability from the entry (address-taken blocks count as roots).
        let n = self.f.blocks.len();
        let mut reach = vec![false; n];
        let mut stack = vec![Block(0)];
        stack.extend(self.address_taken.iter().copied());
        while let Some(b) = stack.pop() {
            if reach[b.index()] {
                continue;
            }
            reach[b.index()] = true;
            // Not only terminators: `asm goto` branches from the middle of a block.
            for inst in &self.f.blocks[b.index()].insts {
                stack.extend(inst.kind.successors());
            }
        }
        let layout: Vec<Block> = self.f.layout.iter().copied().filter(|b| reach[b.index()]).collect();
        self.f.layout = layout;
        for b in 0..n {
            if !reach[b] {
                self.f.blocks[b].insts.clear();
                self.f.blocks[b].params.clear();
            }
        }
        self.f.renumber_defs();
        if let Err(e) = ccc_ir::verify::verify_function(&self.f) {
            self.diag.emit(crate::diag::Diagnostic { severity: crate::diag::Severity::Error, loc: None, message: format!("internal compiler error: invalid IR: {e}") });
            return None;
        }
        Some((self.f, self.strings))
    }
}

/// A call of the runtime or C library function `name` with scalar arguments, made by
/// the compiler itself (no C declaration behind it).
pub(super) fn direct_call(name: &str, args: &[(Value, IrType)], ret: Option<IrType>) -> InstKind {
    InstKind::Call {
        callee: ccc_ir::Callee::Direct(name.to_string()),
        sig: Signature { params: args.iter().map(|a| AbiType::Scalar(a.1)).collect(), ret: ret.map(AbiType::Scalar), variadic: false, named: None },
        args: args.iter().map(|a| a.0).collect(),
        ret_slot: None,
        chain: None,
    }
}

/// The ABI view of a C type.
pub(super) fn abi_type(t: &CType, layout: &Layout) -> AbiType {
    match layout.ir_type(t) {
        Some(it) => AbiType::Scalar(it),
        None => AbiType::Aggregate(layout.agg_layout(t)),
    }
}

/// Default argument promotion (for unprototyped definitions' parameters).
pub(super) fn promote_for_call(t: &CType, layout: &Layout) -> CType {
    match &t.kind {
        Kind::Float(FloatKind::Float) => CType::double(),
        Kind::Int { kind, .. } if rank(*kind) < rank(IntKind::Int) => CType::int(),
        Kind::Enum(_) if layout.size(t) < 4 => CType::int(),
        _ => t.clone(),
    }
}
