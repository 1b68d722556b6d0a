//! Instruction selection: IR functions to AArch64 machine functions over
//! virtual registers. 8/16/32-bit integers are computed with 32-bit (`w`)
//! instructions and 8/16-bit values may carry any bits above their width;
//! the consumers that care (compares, division, right shifts, conversions,
//! extensions) extend them. Constants and slot addresses are materialised
//! at their uses; a compare used only by the branch ending its block sets
//! the flags right before the branch.

use ccc_ir::{Block, CastOp, CodegenOptions, FloatCC, Function, InstKind, IntCC, Type, Value, ValueDef};

use super::inst::*;
use crate::codegen::lowering::{int_sz, sext};
pub use crate::codegen::lowering::{Isel2, VLoc};
use crate::codegen::lowering::{plan_switch, prepass, PrepassRules, SwitchPlan};
use crate::codegen::mir::{MBlock, MFunc, OpKind, Reg, RegClass};
use crate::codegen::module::{ConstPool, SymInfo};

#[derive(Clone, Copy, Debug)]
pub struct VaInfo {
    pub stack: i64,
    pub gpr: usize,
    pub fpr: usize,
}

pub struct Isel<'a> {
    pub f: &'a Function,
    pub opts: &'a CodegenOptions,
    pub syms: &'a SymInfo,
    pub consts: &'a mut ConstPool,
    pub mf: MFunc<Inst>,
    pub cur: u32,
    pub vals: Vec<VLoc>,
    pub uses: Vec<u32>,
    /// Compares emitted by the branch that consumes them.
    pub folded: Vec<bool>,
    pub block_map: Vec<Option<u32>>,
    pub sret_ptr: Option<Reg>,
    pub static_chain: Option<Reg>,
    pub va: Option<VaInfo>,
    pub jt_count: u32,
    pub label_prefix: String,
    pub addr_taken: Vec<Block>,
}


/// The condition code of an integer compare.
pub fn icc(cc: IntCC) -> &'static str {
    match cc {
        IntCC::Eq => "eq",
        IntCC::Ne => "ne",
        IntCC::Slt => "lt",
        IntCC::Sle => "le",
        IntCC::Sgt => "gt",
        IntCC::Sge => "ge",
        IntCC::Ult => "lo",
        IntCC::Ule => "ls",
        IntCC::Ugt => "hi",
        IntCC::Uge => "hs",
    }
}

/// The condition code after `fcmp` (false when unordered, except `ne`/`vs`).
pub fn fcc(cc: FloatCC) -> &'static str {
    match cc {
        FloatCC::Eq => "eq",
        FloatCC::Une => "ne",
        FloatCC::Lt => "mi",
        FloatCC::Le => "ls",
        FloatCC::Gt => "gt",
        FloatCC::Ge => "ge",
        FloatCC::Uno => "vs",
        FloatCC::Ord => "vc",
    }
}

impl<'a> Isel<'a> {
    pub fn new(f: &'a Function, opts: &'a CodegenOptions, syms: &'a SymInfo, consts: &'a mut ConstPool, fn_index: usize) -> Self {
        Isel {
            f,
            opts,
            syms,
            consts,
            mf: MFunc::new(),
            cur: 0,
            vals: vec![VLoc::Unset; f.values.len()],
            uses: vec![0; f.values.len()],
            folded: vec![false; f.values.len()],
            block_map: vec![None; f.blocks.len()],
            sret_ptr: None,
            static_chain: None,
            va: None,
            jt_count: 0,
            label_prefix: format!(".LBB{fn_index}_"),
            addr_taken: Vec::new(),
        }
    }

    // ---------------------------------------------------------------- emission helpers

    pub fn emit(&mut self, i: Inst) {
        self.mf.blocks[self.cur as usize].insts.push(i);
    }

    pub fn new_block(&mut self) -> u32 {
        self.mf.blocks.push(MBlock { insts: Vec::new(), succs: Vec::new() });
        (self.mf.blocks.len() - 1) as u32
    }

    pub fn add_succ(&mut self, b: u32) {
        let s = &mut self.mf.blocks[self.cur as usize].succs;
        if !s.contains(&b) {
            s.push(b);
        }
    }

    /// End the current block with `b target` and continue in `next`.
    pub fn jump(&mut self, target: u32) {
        self.emit(Inst::B { target });
        self.add_succ(target);
    }

    pub fn bcond(&mut self, cond: &'static str, target: u32) {
        self.emit(Inst::BCond { cond, target });
        self.add_succ(target);
    }

    pub fn vreg(&mut self) -> Reg {
        self.mf.new_vreg(RegClass::Int)
    }

    pub fn fvreg(&mut self) -> Reg {
        self.mf.new_vreg(RegClass::Float)
    }

    pub fn scratch(&mut self) -> Reg {
        self.mf.new_scratch(RegClass::Int)
    }

    pub fn text(&mut self, tmpl: String, ops: Vec<(Reg, OpKind)>) {
        self.emit(Inst::Text(Box::new(Text { tmpl, ops, clobbers: Vec::new() })));
    }

    pub fn mv(&mut self, rd: Reg, rs: Reg) {
        self.emit(Inst::Mv { rd, rs });
    }

    pub fn fmv(&mut self, rd: Reg, rs: Reg) {
        self.emit(Inst::FMv { rd, rs });
    }

    pub fn is_float_reg(&self, r: Reg) -> bool {
        if r.is_virtual() {
            self.mf.class_of(r) == RegClass::Float
        } else {
            is_fpr(r)
        }
    }

    /// A copy within the register class of `rd`.
    pub fn copy(&mut self, rd: Reg, rs: Reg) {
        if self.is_float_reg(rd) {
            self.fmv(rd, rs)
        } else {
            self.mv(rd, rs)
        }
    }

    pub fn li(&mut self, rd: Reg, imm: i64) {
        self.emit(Inst::Li { rd, imm });
    }

    pub fn r(&mut self, op: &'static str, w: W, rd: Reg, rn: Reg, rm: Reg) {
        self.emit(Inst::R { op, w, rd, rn, rm });
    }

    pub fn i(&mut self, op: &'static str, w: W, rd: Reg, rn: Reg, imm: i64) {
        self.emit(Inst::I { op, w, rd, rn, imm });
    }

    pub fn u(&mut self, op: &'static str, rd: Reg, wd: W, rn: Reg, wn: W) {
        self.emit(Inst::U { op, rd, wd, rn, wn });
    }

    pub fn cmp(&mut self, w: W, rn: Reg, rm: Reg) {
        self.emit(Inst::Cmp { op: "cmp", w, rn, rm });
    }

    /// Compare `rn` with a constant (an immediate when one fits).
    pub fn cmp_const(&mut self, w: W, rn: Reg, c: i64) {
        let c = if w == W::W { c as i32 as i64 } else { c };
        if add_imm(c) {
            self.emit(Inst::CmpI { op: "cmp", w, rn, imm: c });
        } else if add_imm(-c) {
            self.emit(Inst::CmpI { op: "cmn", w, rn, imm: -c });
        } else {
            let k = self.vreg();
            self.li(k, c);
            self.cmp(w, rn, k);
        }
    }

    /// `rd = rs + c` for any constant (64-bit).
    pub fn add_const(&mut self, rd: Reg, rs: Reg, c: i64) {
        if add_imm(c) {
            self.i("add", W::X, rd, rs, c);
        } else if add_imm(-c) {
            self.i("sub", W::X, rd, rs, -c);
        } else {
            let k = self.vreg();
            self.li(k, c);
            self.r("add", W::X, rd, rs, k);
        }
    }

    /// `rd = rs & c` (64-bit).
    pub fn and_const(&mut self, rd: Reg, rs: Reg, c: i64) {
        if logical_imm(c as u64, false) {
            self.i("and", W::X, rd, rs, c);
        } else {
            let k = self.vreg();
            self.li(k, c);
            self.r("and", W::X, rd, rs, k);
        }
    }

    pub fn frame_slot(&mut self, size: u64, align: u32) -> u32 {
        self.mf.frame.new_slot(size, align)
    }

    /// Sign-extend the low `sz` bytes of `r` to 64 bits into a new register.
    pub fn sext_reg(&mut self, r: Reg, sz: u8) -> Reg {
        if sz >= 8 || r == ZR {
            return r;
        }
        let d = self.vreg();
        let op = match sz {
            1 => "sxtb",
            2 => "sxth",
            _ => "sxtw",
        };
        self.u(op, d, W::X, r, W::W);
        d
    }

    /// Zero-extend the low `sz` bytes of `r` to 64 bits into a new register.
    pub fn zext_reg(&mut self, r: Reg, sz: u8) -> Reg {
        if sz >= 8 || r == ZR {
            return r;
        }
        let d = self.vreg();
        let op = match sz {
            1 => "uxtb",
            2 => "uxth",
            _ => "mov",
        };
        self.u(op, d, W::W, r, W::W);
        d
    }

    /// Whether `v`'s register is known to hold its value zero-extended to 64 bits.
    fn known_zext(&self, v: Value, sz: u8) -> bool {
        if let Some(c) = self.const_of(v) {
            return c >= 0;
        }
        match self.def_inst(v) {
            Some(InstKind::Load { ty, .. }) => int_sz(*ty) == sz && sz <= 4,
            Some(InstKind::Cast { op: CastOp::Zext, to, .. }) => int_sz(*to) == sz || sz <= 4 && int_sz(*to) == 4,
            Some(InstKind::Icmp { .. } | InstKind::Fcmp { .. }) => true,
            _ => false,
        }
    }

    fn known_sext(&self, v: Value, sz: u8) -> bool {
        if self.const_of(v).is_some() {
            return true;
        }
        match self.def_inst(v) {
            Some(InstKind::Cast { op: CastOp::Sext, to, .. }) => int_sz(*to) == sz,
            Some(InstKind::Icmp { .. } | InstKind::Fcmp { .. }) => true,
            _ => false,
        }
    }

    /// `v` sign-extended from `sz` bytes to 64 bits.
    pub fn sext_val(&mut self, v: Value, sz: u8) -> Result<Reg, String> {
        let r = self.reg(v)?;
        Ok(if self.known_sext(v, sz) { r } else { self.sext_reg(r, sz) })
    }

    /// `v` zero-extended from `sz` bytes to 64 bits.
    pub fn zext_val(&mut self, v: Value, sz: u8) -> Result<Reg, String> {
        let r = self.reg(v)?;
        Ok(if self.known_zext(v, sz) { r } else { self.zext_reg(r, sz) })
    }

    // ---------------------------------------------------------------- operands

    pub(crate) fn def_inst(&self, v: Value) -> Option<&'a InstKind> {
        match self.f.values[v.index()].def {
            ValueDef::Inst(b, i) => self.f.blocks[b.index()].insts.get(i as usize).map(|i| &i.kind),
            _ => None,
        }
    }

    pub fn ty(&self, v: Value) -> Type {
        self.f.value_type(v)
    }

    /// The value in an integer or float register (materialising lazy values).
    pub fn reg(&mut self, v: Value) -> Result<Reg, String> {
        match self.vals[v.index()].clone() {
            VLoc::Reg(r) | VLoc::Pair(r, _) => Ok(r),
            VLoc::Const(c) => {
                let t = self.ty(v);
                if t.is_float() {
                    return self.fconst_reg(t, c as u128);
                }
                let r = self.vreg();
                self.li(r, sext(c, t.bits().min(64)) as i64);
                Ok(r)
            }
            VLoc::FConst(t, bits) => self.fconst_reg(t, bits),
            VLoc::Slot(s, off) => {
                let r = self.vreg();
                self.emit(Inst::AddrOf { rd: r, mem: Mem::slot(s, off) });
                Ok(r)
            }
            VLoc::Off(b, off) => {
                let base = self.reg(b)?;
                let r = self.vreg();
                self.add_const(r, base, off);
                Ok(r)
            }
            VLoc::Unset => Err(format!("{}: value {v} has no register form", self.f.name)),
        }
    }

    /// Like [`Isel::reg`], but integer zero is the zero register (for
    /// operands where register 31 means xzr: stores, register-register ALU ops).
    pub fn reg_zr(&mut self, v: Value) -> Result<Reg, String> {
        if matches!(self.vals[v.index()], VLoc::Const(0)) && !self.ty(v).is_float() {
            return Ok(ZR);
        }
        self.reg(v)
    }

    fn fconst_reg(&mut self, t: Type, bits: u128) -> Result<Reg, String> {
        let r = self.fvreg();
        let k = if bits == 0 { ZR } else { self.vreg() };
        match t {
            Type::F32 => {
                if bits != 0 {
                    self.li(k, bits as u32 as i64);
                }
                self.u("fmov", r, W::S, k, W::W);
            }
            Type::F64 => {
                if bits != 0 {
                    self.li(k, bits as u64 as i64);
                }
                self.u("fmov", r, W::D, k, W::X);
            }
            _ => return Err(format!("{}: {t} constant in a float register", self.f.name)),
        }
        Ok(r)
    }

    pub fn const_of(&self, v: Value) -> Option<i128> {
        match self.vals[v.index()] {
            VLoc::Const(c) => Some(sext(c, self.ty(v).bits())),
            _ => None,
        }
    }

    /// Both halves of a 128-bit value.
    pub fn pair(&mut self, v: Value) -> Result<(Reg, Reg), String> {
        match self.vals[v.index()].clone() {
            VLoc::Pair(lo, hi) => Ok((lo, hi)),
            VLoc::Const(c) => {
                let (lo, hi) = (self.vreg(), self.vreg());
                self.li(lo, c as i64);
                self.li(hi, (c >> 64) as i64);
                Ok((lo, hi))
            }
            VLoc::FConst(_, b) => {
                let (lo, hi) = (self.vreg(), self.vreg());
                self.li(lo, b as u64 as i64);
                self.li(hi, (b >> 64) as u64 as i64);
                Ok((lo, hi))
            }
            _ => Err(format!("{}: {v} is not a 128-bit value", self.f.name)),
        }
    }

    /// A memory operand for the pointer value `v`.
    pub fn mem(&mut self, v: Value) -> Result<Mem, String> {
        match self.vals[v.index()] {
            VLoc::Slot(s, off) => return Ok(Mem::slot(s, off)),
            VLoc::Off(b, off) => return Ok(Mem::reg(self.reg(b)?, off)),
            _ => {}
        }
        Ok(Mem::reg(self.reg(v)?, 0))
    }

    /// The register holding the result of an instruction.
    pub fn out(&self, v: Value) -> Reg {
        match self.vals[v.index()] {
            VLoc::Reg(r) | VLoc::Pair(r, _) => r,
            _ => ZR,
        }
    }

    pub fn out_pair(&self, v: Value) -> (Reg, Reg) {
        match self.vals[v.index()] {
            VLoc::Pair(a, b) => (a, b),
            _ => (ZR, ZR),
        }
    }

    /// How the address of symbol `name` is formed.
    pub fn sym_kind(&self, name: &str) -> SymKind {
        if name.starts_with(".L") {
            return SymKind::Local;
        }
        if self.opts.pic && !self.syms.is_local(name) {
            return SymKind::Got;
        }
        // As GCC: a weak symbol not defined here may be absent (address 0), which
        // adrp cannot reach from code linked anywhere; its address comes from the GOT.
        if self.syms.is_weak_undefined(name) && !self.syms.is_local(name) {
            return SymKind::Got;
        }
        // PIE: symbols of other objects may live in shared libraries, unless
        // declared hidden (the kernel's position-independent early code)
        if self.opts.pie && !self.syms.is_defined(name) && !self.syms.is_local(name) {
            return SymKind::Got;
        }
        SymKind::Local
    }

    // ---------------------------------------------------------------- pre-pass

    fn prepass(&mut self) -> Result<(), String> {
        let rules = PrepassRules {
            // an unscaled or scaled immediate offset, in both directions
            addr_offset_fits: |c| (-255..256).contains(&c),
            foldable_cmp: |k| match k {
                InstKind::Icmp { ty, .. } => *ty != Type::I128,
                InstKind::Fcmp { ty, .. } => *ty != Type::F128,
                _ => false,
            },
        };
        let (f, mf) = (self.f, &mut self.mf);
        let p = prepass(f, &rules, &mut |t| home(mf, t).map_err(|e| format!("{}: {e}", f.name)))?;
        (self.vals, self.uses, self.folded, self.addr_taken) = (p.vals, p.uses, p.folded, p.addr_taken);
        Ok(())
    }

    // ---------------------------------------------------------------- driver

    pub fn run(mut self) -> Result<(MFunc<Inst>, Vec<Block>, Isel2), String> {
        let f = self.f;
        self.mf.frame.place_ir_slots(f);
        for &b in &f.layout {
            let mb = self.new_block();
            self.block_map[b.index()] = Some(mb);
        }
        self.prepass()?;
        self.cur = 0;
        self.lower_entry()?;
        for &b in &f.layout {
            self.cur = self.mblock(b);
            for inst in crate::codegen::lowering::lowered_insts(&f.blocks[b.index()].insts) {
                self.lower_inst(inst.result, &inst.kind)?;
            }
        }
        // as GCC: FP/SIMD registers carry only floating-point values, so
        // any use of one means the function computes with or passes floats
        if self.opts.general_regs_only && self.mf.uses_float_regs(is_fpr) {
            return Err("'-mgeneral-regs-only' is incompatible with the use of floating-point types".into());
        }
        let extra = Isel2 { label_prefix: self.label_prefix.clone(), block_map: self.block_map.clone(), variadic: f.sig.variadic };
        Ok((self.mf, self.addr_taken, extra))
    }

    pub fn mblock(&self, b: Block) -> u32 {
        self.block_map[b.index()].unwrap_or(0)
    }

    fn lower_inst(&mut self, result: Option<Value>, kind: &InstKind) -> Result<(), String> {
        use InstKind::*;
        let res = result.unwrap_or(Value(u32::MAX));
        match kind {
            IConst { .. } | FConst { .. } | IsConstant { .. } => {}
            SlotAddr { slot } => {
                if let VLoc::Reg(d) = self.vals[res.index()] {
                    let a = self.f.slots[slot.index()].align as i64;
                    self.emit(Inst::AddrOf { rd: d, mem: Mem::slot(slot.0, a - 1) });
                    self.and_const(d, d, -a);
                }
            }
            BlockAddr { block } => {
                let d = self.out(res);
                let sym = format!(".Lba.{}.{}", self.f.name, block.0);
                self.emit(Inst::Adr { rd: d, sym, off: 0, kind: SymKind::Local });
            }
            GlobalAddr { name, offset } => {
                let d = self.out(res);
                let kind = self.sym_kind(name);
                self.emit(Inst::Adr { rd: d, sym: name.clone(), off: *offset, kind });
            }
            TlsAddr { name, offset } => self.lower_tls(res, name, *offset)?,
            DynAlloca { size, align } => self.lower_dynalloca(res, *size, *align)?,
            StackSave => {
                let d = self.out(res);
                self.mv(d, SP);
            }
            StackRestore { ptr } => {
                let p = self.reg(*ptr)?;
                self.mv(SP, p);
            }
            Binary { op, ty, lhs, rhs } => {
                if !matches!(self.vals[res.index()], VLoc::Slot(..) | VLoc::Off(..)) {
                    self.lower_binary(res, *op, *ty, *lhs, *rhs)?
                }
            }
            Unary { op, ty, arg } => self.lower_unary(res, *op, *ty, *arg)?,
            Icmp { cc, ty, lhs, rhs } => {
                if !self.folded[res.index()] {
                    let d = self.out(res);
                    self.icmp_set(d, *cc, *ty, *lhs, *rhs)?;
                }
            }
            Fcmp { cc, ty, lhs, rhs } => {
                if !self.folded[res.index()] {
                    let d = self.out(res);
                    self.fcmp_set(d, *cc, *ty, *lhs, *rhs)?;
                }
            }
            Cast { op, from, to, arg } => self.lower_cast(res, *op, *from, *to, *arg)?,
            Select { ty, cond, cond_ty, a, b } => self.lower_select(res, *ty, *cond, *cond_ty, *a, *b)?,
            Overflows { op, ty, signed, lhs, rhs } => self.lower_overflows(res, *op, *ty, *signed, *lhs, *rhs)?,
            Load { ty, ptr, .. } => {
                let m = self.mem(*ptr)?;
                self.load(*ty, m, res)?
            }
            Store { ty, ptr, value, .. } => {
                let m = self.mem(*ptr)?;
                self.store(*ty, *value, m)?
            }
            Memcpy { dst, src, size, align } => {
                let (d, s) = (self.mem(*dst)?, self.mem(*src)?);
                self.copy_mem(d, s, *size, *align)?
            }
            Memset { dst, byte, size, align } => self.lower_memset(*dst, *byte, *size, *align)?,
            Call { callee, sig, args, ret_slot, chain } => self.lower_call(result, callee, sig, args, *ret_slot, *chain)?,
            AtomicLoad { ty, ptr, .. } => self.lower_atomic_load(res, *ty, *ptr)?,
            AtomicStore { ty, ptr, value, .. } => self.lower_atomic_store(*ty, *ptr, *value)?,
            AtomicRmw { op, ty, ptr, value, .. } => self.lower_rmw(res, *op, *ty, *ptr, *value)?,
            AtomicCmpXchg { ty, ptr, expected, desired, .. } => self.lower_cmpxchg(res, *ty, *ptr, *expected, *desired)?,
            Fence { .. } => self.text("dmb\tish".into(), vec![]),
            VaStart { ap } => self.lower_va_start(*ap)?,
            VaArg { ap, ty } => self.lower_va_arg(res, *ap, ty)?,
            VaCopy { dst, src } => {
                let (d, s) = (self.mem(*dst)?, self.mem(*src)?);
                self.copy_mem(d, s, 32, 8)?
            }
            StaticChain => {
                let c = self.static_chain.ok_or_else(|| format!("{}: static chain read in a function without one", self.f.name))?;
                let d = self.out(res);
                self.mv(d, c);
            }
            FrameAddress { level } => {
                let d = self.out(res);
                self.mv(d, FP);
                for _ in 0..*level {
                    self.emit(Inst::Load { op: "ldr", w: W::X, rd: d, mem: Mem::reg(d, 0) });
                }
            }
            ReturnAddress { level } => {
                let d = self.out(res);
                self.mv(d, FP);
                for _ in 0..*level {
                    self.emit(Inst::Load { op: "ldr", w: W::X, rd: d, mem: Mem::reg(d, 0) });
                }
                self.emit(Inst::Load { op: "ldr", w: W::X, rd: d, mem: Mem::reg(d, 8) });
            }
            InlineAsm(a) => self.lower_inline_asm(a)?,
            Jump(bc) => {
                self.edge(bc)?;
            }
            Branch { cond, cond_ty, then_dest, else_dest } => {
                let t = self.edge_target(then_dest)?;
                let e = self.edge_target(else_dest)?;
                self.branch(*cond, *cond_ty, t)?;
                self.jump(e);
            }
            Switch { value, ty, cases, default } => self.lower_switch(*value, *ty, cases, *default)?,
            IndirectJump { addr, targets } => {
                let a = self.reg(*addr)?;
                self.emit(Inst::Br { rs: a });
                for t in targets {
                    let mb = self.mblock(*t);
                    self.add_succ(mb);
                }
            }
            NonlocalGoto { frame, stack, target } => {
                let (fr, st, tg) = (self.reg(*frame)?, self.reg(*stack)?, self.reg(*target)?);
                self.text(
                    "mov\tx17, {x2}\n\tmov\tx16, {x1}\n\tmov\tx29, {x0}\n\tmov\tsp, x16\n\tbr\tx17".into(),
                    vec![(fr, OpKind::Use), (st, OpKind::Use), (tg, OpKind::Use)],
                );
            }
            Return { value } => self.lower_return(*value)?,
            Unreachable | Trap => self.text("brk\t#1000".into(), vec![]),
        }
        Ok(())
    }

    fn lower_tls(&mut self, res: Value, name: &str, offset: i64) -> Result<(), String> {
        let d = self.out(res);
        if self.opts.pic {
            // general dynamic through a TLS descriptor (as GCC): x0 = offset from tp
            self.emit(Inst::Text(Box::new(Text {
                tmpl: format!("adrp\tx0, :tlsdesc:{name}\n\tldr\tx1, [x0, :tlsdesc_lo12:{name}]\n\tadd\tx0, x0, :tlsdesc_lo12:{name}\n\t.tlsdesccall\t{name}\n\tblr\tx1"),
                ops: vec![(X0, OpKind::Def)],
                clobbers: vec![X1, LR],
            })));
            let t = self.vreg();
            self.text("mrs\t{x0}, tpidr_el0".into(), vec![(t, OpKind::Def)]);
            self.r("add", W::X, d, t, X0);
            if offset != 0 {
                self.add_const(d, d, offset);
            }
            return Ok(());
        }
        let kind = if self.syms.is_defined(name) { SymKind::TlsLe } else { SymKind::TlsIe };
        self.emit(Inst::Adr { rd: d, sym: name.to_string(), off: offset, kind });
        Ok(())
    }

    fn lower_dynalloca(&mut self, res: Value, size: Value, align: u32) -> Result<(), String> {
        let s = self.reg(size)?;
        let t = self.vreg();
        let a = align.max(16) as i64;
        // room for the size rounded to 16, plus the alignment slack beyond 16
        self.add_const(t, s, 15);
        self.and_const(t, t, -16);
        if a > 16 {
            self.add_const(t, t, a);
        }
        self.r("sub", W::X, SP, SP, t);
        let d = self.out(res);
        self.emit(Inst::AddrOf { rd: d, mem: Mem { base: Base::SpOut, off: a - 1 } });
        self.and_const(d, d, -a);
        Ok(())
    }

    // ---------------------------------------------------------------- control flow

    /// Copy block arguments into the target's parameters. A parallel copy:
    /// every source is read into a temporary first (the allocator merges
    /// the copies that turn out not to conflict).
    fn edge_copies(&mut self, bc: &ccc_ir::BlockCall) -> Result<(), String> {
        let params = self.f.blocks[bc.block.index()].params.clone();
        let mut temps = Vec::new();
        for (&a, &p) in bc.args.iter().zip(&params) {
            if a == p {
                continue;
            }
            match self.vals[p.index()].clone() {
                VLoc::Pair(..) => {
                    let (lo, hi) = self.pair(a)?;
                    let (tl, th) = (self.vreg(), self.vreg());
                    self.mv(tl, lo);
                    self.mv(th, hi);
                    temps.push((p, tl, Some(th)));
                }
                VLoc::Reg(d) => {
                    let s = self.reg_zr(a)?;
                    let t = if self.mf.class_of(d) == RegClass::Float { self.fvreg() } else { self.vreg() };
                    self.copy(t, s);
                    temps.push((p, t, None));
                }
                _ => return Err(format!("{}: block parameter {p} has no register", self.f.name)),
            }
        }
        for (p, t, th) in temps {
            match (self.vals[p.index()].clone(), th) {
                (VLoc::Pair(dl, dh), Some(th)) => {
                    self.mv(dl, t);
                    self.mv(dh, th);
                }
                (VLoc::Reg(d), _) => self.copy(d, t),
                _ => {}
            }
        }
        Ok(())
    }

    fn edge(&mut self, bc: &ccc_ir::BlockCall) -> Result<u32, String> {
        self.edge_copies(bc)?;
        let t = self.mblock(bc.block);
        self.jump(t);
        Ok(t)
    }

    /// A machine block to branch to for `bc`: the target itself, or an
    /// edge block doing the argument copies.
    fn edge_target(&mut self, bc: &ccc_ir::BlockCall) -> Result<u32, String> {
        if bc.args.is_empty() {
            return Ok(self.mblock(bc.block));
        }
        let saved = self.cur;
        let nb = self.new_block();
        self.cur = nb;
        self.edge(bc)?;
        self.cur = saved;
        Ok(nb)
    }

    /// Set the flags so that condition code returned holds exactly when
    /// `cond` (of type `cond_ty`) is true.
    pub fn cond_flags(&mut self, cond: Value, cond_ty: Type) -> Result<&'static str, String> {
        if self.folded[cond.index()] {
            match self.def_inst(cond) {
                Some(InstKind::Icmp { cc, ty, lhs, rhs }) => return self.icmp_flags(*cc, *ty, *lhs, *rhs),
                Some(InstKind::Fcmp { cc, ty, lhs, rhs }) => return self.fcmp_flags(*cc, *ty, *lhs, *rhs),
                _ => {}
            }
        }
        match cond_ty {
            Type::I128 => {
                let (lo, hi) = self.pair(cond)?;
                let d = self.vreg();
                self.r("orr", W::X, d, lo, hi);
                self.cmp_const(W::X, d, 0);
            }
            t if t.is_float() => return Err(format!("{}: branch on a floating-point condition", self.f.name)),
            t => {
                let r = self.reg(cond)?;
                match int_sz(t) {
                    1 => self.emit(Inst::CmpI { op: "tst", w: W::W, rn: r, imm: 0xff }),
                    2 => self.emit(Inst::CmpI { op: "tst", w: W::W, rn: r, imm: 0xffff }),
                    4 => self.cmp_const(W::W, r, 0),
                    _ => self.cmp_const(W::X, r, 0),
                }
            }
        }
        Ok("ne")
    }

    /// Branch to `t` when `cond` is true (falls through otherwise).
    pub fn branch(&mut self, cond: Value, cond_ty: Type, t: u32) -> Result<(), String> {
        if !self.folded[cond.index()] && matches!(int_sz(cond_ty), 4 | 8) && cond_ty != Type::I128 && !cond_ty.is_float() {
            let r = self.reg(cond)?;
            self.emit(Inst::Cbz { nz: true, w: W::int(int_sz(cond_ty)), rs: r, target: t });
            self.add_succ(t);
            return Ok(());
        }
        let cc = self.cond_flags(cond, cond_ty)?;
        self.bcond(cc, t);
        Ok(())
    }

    fn lower_select(&mut self, res: Value, ty: Type, cond: Value, cond_ty: Type, a: Value, b: Value) -> Result<(), String> {
        match self.vals[res.index()].clone() {
            VLoc::Pair(dl, dh) => {
                let (al, ah) = self.pair(a)?;
                let (bl, bh) = self.pair(b)?;
                let cc = self.cond_flags(cond, cond_ty)?;
                self.emit(Inst::CSel { op: "csel", w: W::X, rd: dl, rn: al, rm: bl, cond: cc });
                self.emit(Inst::CSel { op: "csel", w: W::X, rd: dh, rn: ah, rm: bh, cond: cc });
            }
            VLoc::Reg(d) if ty.is_float() => {
                let (ra, rb) = (self.reg(a)?, self.reg(b)?);
                let cc = self.cond_flags(cond, cond_ty)?;
                self.emit(Inst::CSel { op: "fcsel", w: W::float(ty), rd: d, rn: ra, rm: rb, cond: cc });
            }
            VLoc::Reg(d) => {
                let (ra, rb) = (self.reg_zr(a)?, self.reg_zr(b)?);
                let cc = self.cond_flags(cond, cond_ty)?;
                self.emit(Inst::CSel { op: "csel", w: W::X, rd: d, rn: ra, rm: rb, cond: cc });
            }
            _ => return Err(format!("{}: select of {ty}", self.f.name)),
        }
        Ok(())
    }

    fn lower_switch(&mut self, value: Value, ty: Type, cases: &[(i128, Block)], default: Block) -> Result<(), String> {
        let def = self.mblock(default);
        if ty == Type::I128 {
            let (lo, hi) = self.pair(value)?;
            for &(c, b) in cases {
                let (t, u) = (self.vreg(), self.vreg());
                self.li(t, c as i64);
                self.li(u, (c >> 64) as i64);
                self.r("eor", W::X, t, t, lo);
                self.r("eor", W::X, u, u, hi);
                self.r("orr", W::X, t, t, u);
                let mb = self.mblock(b);
                self.emit(Inst::Cbz { nz: false, w: W::X, rs: t, target: mb });
                self.add_succ(mb);
            }
            self.jump(def);
            return Ok(());
        }
        let bits = ty.bits();
        let cs: Vec<(i64, u32)> = cases.iter().map(|&(c, b)| (sext(c, bits) as i64, self.mblock(b))).collect();
        let v = self.sext_val(value, int_sz(ty))?;
        match plan_switch(cs, def) {
            SwitchPlan::Table { min, targets } => {
                let idx = self.vreg();
                self.add_const(idx, v, (-(min as i128)) as i64);
                self.cmp_const(W::X, idx, targets.len() as i64 - 1);
                self.bcond("hi", def);
                for &t in &targets {
                    self.add_succ(t);
                }
                let tmp = self.scratch();
                let id = self.jt_count;
                self.jt_count += 1;
                self.emit(Inst::JumpTable { idx, tmp, targets, id });
            }
            SwitchPlan::Tree(cs) => self.switch_tree(v, &cs, def),
        }
        Ok(())
    }

    /// Binary search over the sorted cases.
    fn switch_tree(&mut self, v: Reg, cs: &[(i64, u32)], def: u32) {
        if cs.len() <= 4 {
            for &(c, b) in cs {
                self.cmp_const(W::X, v, c);
                self.bcond("eq", b);
            }
            self.jump(def);
            return;
        }
        let mid = cs.len() / 2;
        let hi = self.new_block();
        self.cmp_const(W::X, v, cs[mid].0);
        self.bcond("ge", hi);
        let lo = self.new_block();
        self.jump(lo);
        self.cur = lo;
        self.switch_tree(v, &cs[..mid], def);
        self.cur = hi;
        self.switch_tree(v, &cs[mid..], def);
    }

    /// Unsupported source types give an error naming the function.
    pub fn unsupported<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{}: {what} is not supported on aarch64 yet", self.f.name))
    }
}

/// Registers for a value of type `t`: a float register, an integer pair
/// for 128-bit values, or an integer register.
fn home(mf: &mut MFunc<Inst>, t: Type) -> Result<VLoc, String> {
    Ok(match t {
        Type::F32 | Type::F64 => VLoc::Reg(mf.new_vreg(RegClass::Float)),
        Type::I128 | Type::F128 => VLoc::Pair(mf.new_vreg(RegClass::Int), mf.new_vreg(RegClass::Int)),
        Type::F80 => return Err("x87 long double on AArch64".into()),
        _ => VLoc::Reg(mf.new_vreg(RegClass::Int)),
    })
}
