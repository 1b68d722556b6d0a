//! Calls, the function entry (incoming arguments), returns, helper calls
//! into libgcc/libc and variadic arguments (`va_list` is a plain pointer
//! into the register save area, which sits right below the incoming stack
//! arguments so that one pointer walks both).

use ccc_ir::{AbiType, Callee, Signature, Type, Value};

use super::abi::{classify, classify_ret, ArgInfo, ArgState, Loc, Piece};
use super::inst::*;
use super::isel::{int_sz, Isel, VLoc};
use crate::codegen::mir::Reg;

/// Arguments of a helper call (assigned to a0.. / fa0.. in order).
pub enum LArg {
    I(Reg),
    F(Reg),
    /// A 128-bit value in two integer registers (low, high).
    P(Reg, Reg),
}

pub enum LRet {
    None,
    I(Reg),
    F(Reg),
    P(Reg, Reg),
}

fn ret_regs(r: &LRet) -> Vec<Reg> {
    match r {
        LRet::None => vec![],
        LRet::I(_) => vec![A0],
        LRet::F(_) => vec![FA0],
        LRet::P(..) => vec![A0, A1],
    }
}

/// A value on its way into an argument location.
enum Src {
    Int(Reg),
    Float(Reg, Type),
}

impl Isel<'_> {
    /// The operand text of a direct call.
    fn call_sym(&self, name: &str) -> String {
        if (self.opts.pic || self.opts.pie) && !self.syms.is_local(name) {
            format!("{name}@plt")
        } else {
            name.to_string()
        }
    }

    pub fn libcall(&mut self, name: &str, args: &[LArg], ret: LRet) -> Result<(), String> {
        let (mut g, mut fl) = (0usize, 0usize);
        let mut uses = Vec::new();
        for a in args {
            match a {
                LArg::I(r) => {
                    let p = *ARG_GPRS.get(g).ok_or("too many helper arguments")?;
                    self.mv(p, *r);
                    uses.push(p);
                    g += 1;
                }
                LArg::F(r) => {
                    let p = *ARG_FPRS.get(fl).ok_or("too many helper arguments")?;
                    self.fmv(p, *r);
                    uses.push(p);
                    fl += 1;
                }
                LArg::P(lo, hi) => {
                    for r in [lo, hi] {
                        let p = *ARG_GPRS.get(g).ok_or("too many helper arguments")?;
                        self.mv(p, *r);
                        uses.push(p);
                        g += 1;
                    }
                }
            }
        }
        let target = CallTarget::Sym(self.call_sym(name));
        self.emit(Inst::Call { target, uses, defs: ret_regs(&ret) });
        match ret {
            LRet::None => {}
            LRet::I(d) => self.mv(d, A0),
            LRet::F(d) => self.fmv(d, FA0),
            LRet::P(lo, hi) => {
                self.mv(lo, A0);
                self.mv(hi, A1);
            }
        }
        Ok(())
    }

    /// Extend a narrow integer as the ABI wants it in a 64-bit register.
    fn abi_extend(&mut self, v: Value, ty: Type) -> Result<Reg, String> {
        match ty {
            Type::I32 => self.sext_val(v, 4),
            Type::I16 => self.sext_val(v, 2),
            Type::I8 => self.zext_val(v, 1),
            _ => self.reg(v),
        }
    }

    /// Store the low `n` bytes of `r` at `m`.
    fn store_bytes(&mut self, r: Reg, m: Mem, n: u64) {
        let op = match n {
            1 => Some("sb"),
            2 => Some("sh"),
            4 => Some("sw"),
            8.. => Some("sd"),
            _ => None,
        };
        if let Some(op) = op {
            self.emit(Inst::Store { op, rs: r, mem: m });
            return;
        }
        for i in 0..n {
            let t = self.vreg();
            self.i("srli", t, r, 8 * i as i64);
            self.emit(Inst::Store { op: "sb", rs: t, mem: m.offset(i as i64) });
        }
    }

    /// The sources of an aggregate's pieces, read from `addr`.
    fn aggregate_sources(&mut self, addr: Mem, size: u64, pieces: &[Piece]) -> Result<Vec<Src>, String> {
        // a tail shorter than 8 bytes is read from a padded copy
        let base = if size % 8 != 0 && pieces.iter().any(|p| p.ty == Type::I64) {
            let s = self.frame_slot(16, 8);
            self.copy_mem(Mem::slot(s, 0), addr, size, 1)?;
            Mem::slot(s, 0)
        } else {
            addr
        };
        let mut v = Vec::new();
        for p in pieces {
            let m = base.offset(p.offset as i64);
            if matches!(p.ty, Type::F32 | Type::F64) {
                let r = self.fvreg();
                self.emit(Inst::Load { op: Self::load_op(p.ty), rd: r, mem: m });
                v.push(Src::Float(r, p.ty));
            } else {
                let r = self.vreg();
                self.emit(Inst::Load { op: Self::load_op(p.ty), rd: r, mem: m });
                v.push(Src::Int(r));
            }
        }
        Ok(v)
    }

    /// The sources for one argument value classified as `info`.
    fn arg_sources(&mut self, a: Value, t: &AbiType, info: &ArgInfo) -> Result<Vec<Src>, String> {
        match t {
            AbiType::Aggregate(l) => {
                let addr = self.mem(a)?;
                if info.by_ref {
                    let s = self.frame_slot(l.size, l.align.max(8));
                    self.copy_mem(Mem::slot(s, 0), addr, l.size, l.align)?;
                    let r = self.vreg();
                    self.emit(Inst::AddrOf { rd: r, mem: Mem::slot(s, 0) });
                    return Ok(vec![Src::Int(r)]);
                }
                self.aggregate_sources(addr, l.size, &info.pieces)
            }
            AbiType::Scalar(ty) if int_sz(*ty) == 16 => {
                let (lo, hi) = self.pair(a)?;
                Ok(vec![Src::Int(lo), Src::Int(hi)])
            }
            AbiType::Scalar(ty @ (Type::F32 | Type::F64)) => {
                let r = self.reg(a)?;
                Ok(vec![Src::Float(r, *ty)])
            }
            AbiType::Scalar(ty) => Ok(vec![Src::Int(self.abi_extend(a, *ty)?)]),
        }
    }

    /// Move a source into its argument location (register or stack).
    fn place(&mut self, src: &Src, loc: Loc, uses: &mut Vec<Reg>) {
        match (src, loc) {
            (Src::Int(r), Loc::Reg(p)) => {
                self.mv(p, *r);
                uses.push(p);
            }
            (Src::Float(r, _), Loc::Reg(p)) if is_fpr(p) => {
                self.fmv(p, *r);
                uses.push(p);
            }
            (Src::Float(r, ty), Loc::Reg(p)) => {
                self.u(if *ty == Type::F32 { "fmv.x.w" } else { "fmv.x.d" }, p, *r);
                uses.push(p);
            }
            (Src::Int(r), Loc::Stack(o)) => self.emit(Inst::Store { op: "sd", rs: *r, mem: Mem { base: Base::Sp, off: o } }),
            (Src::Float(r, ty), Loc::Stack(o)) => {
                self.emit(Inst::Store { op: Self::store_op(*ty), rs: *r, mem: Mem { base: Base::Sp, off: o } })
            }
        }
    }

    pub(crate) fn lower_call(
        &mut self,
        result: Option<Value>,
        callee: &Callee,
        sig: &Signature,
        args: &[Value],
        ret_slot: Option<Value>,
        chain: Option<Value>,
    ) -> Result<(), String> {
        let ret_info = sig.ret.as_ref().map(classify_ret);
        let sret = matches!(ret_info, Some(None));
        let mut st = ArgState::default();
        if sret {
            st.gpr = 1;
        }
        // Compute every source first: by-value copies may call memcpy.
        let mut placed = Vec::new();
        let n_named = sig.named.map_or(sig.params.len(), |n| n as usize);
        for (i, &a) in args.iter().enumerate() {
            let named = i < n_named;
            let t = sig.params.get(i).cloned().unwrap_or_else(|| AbiType::Scalar(self.ty(a)));
            let info = classify(&mut st, &t, named);
            let srcs = self.arg_sources(a, &t, &info)?;
            for (s, p) in srcs.into_iter().zip(info.pieces) {
                placed.push((s, p.loc));
            }
        }
        // the outgoing area keeps dynamic allocations above it 16-aligned
        self.mf.frame.need_outgoing((st.stack as u64).div_ceil(16) * 16);
        let target = match callee {
            Callee::Direct(name) => CallTarget::Sym(self.call_sym(name)),
            Callee::Indirect(v) => CallTarget::Reg(self.reg(*v)?),
        };
        let sret_addr = match (sret, ret_slot, &sig.ret) {
            (true, Some(rs), _) => Some(self.reg(rs)?),
            // an ignored result still needs memory to land in
            (true, None, Some(AbiType::Aggregate(l))) => {
                let s = self.frame_slot(l.size, l.align.max(8));
                let r = self.vreg();
                self.emit(Inst::AddrOf { rd: r, mem: Mem::slot(s, 0) });
                Some(r)
            }
            (true, _, _) => return Err(format!("{}: call returning in memory without a result slot", self.f.name)),
            _ => None,
        };
        let chain_reg = match chain {
            Some(c) => Some(self.reg(c)?),
            None => None,
        };
        let mut uses = Vec::new();
        for (s, loc) in &placed {
            if let Loc::Stack(_) = loc {
                self.place(s, *loc, &mut uses);
            }
        }
        for (s, loc) in &placed {
            if let Loc::Reg(_) = loc {
                self.place(s, *loc, &mut uses);
            }
        }
        if let Some(r) = sret_addr {
            self.mv(A0, r);
            uses.push(A0);
        }
        if let Some(c) = chain_reg {
            self.mv(STATIC_CHAIN_REG, c);
            uses.push(STATIC_CHAIN_REG);
        }
        let info = ret_info.flatten();
        let defs = info.as_ref().map(ArgInfo::regs).unwrap_or_default();
        self.emit(Inst::Call { target, uses, defs });
        let Some(info) = info else { return Ok(()) };
        match (&sig.ret, result, ret_slot) {
            (Some(AbiType::Aggregate(l)), _, Some(rs)) => {
                let m = self.mem(rs)?;
                for p in &info.pieces {
                    let Loc::Reg(r) = p.loc else { continue };
                    let at = m.offset(p.offset as i64);
                    if is_fpr(r) {
                        self.emit(Inst::Store { op: Self::store_op(p.ty), rs: r, mem: at });
                    } else {
                        let n = if p.ty == Type::I64 { (l.size - p.offset).min(8) } else { p.ty.size() as u64 };
                        let t = self.vreg();
                        self.mv(t, r);
                        self.store_bytes(t, at, n);
                    }
                }
            }
            (Some(AbiType::Scalar(_)), Some(res), _) => match self.vals[res.index()].clone() {
                VLoc::Pair(lo, hi) => {
                    self.mv(lo, A0);
                    self.mv(hi, A1);
                }
                VLoc::Reg(d) if is_fpr_class(self, d) => self.fmv(d, FA0),
                VLoc::Reg(d) => self.mv(d, A0),
                _ => {}
            },
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn lower_entry(&mut self) -> Result<(), String> {
        let f = self.f;
        if f.static_chain {
            let r = self.vreg();
            self.mv(r, STATIC_CHAIN_REG);
            self.static_chain = Some(r);
        }
        let ret_info = f.sig.ret.as_ref().map(classify_ret);
        let mut st = ArgState::default();
        if matches!(ret_info, Some(None)) {
            let r = self.vreg();
            self.mv(r, A0);
            self.sret_ptr = Some(r);
            st.gpr = 1;
        }
        let params = f.blocks[0].params.clone();
        if params.len() != f.sig.params.len() {
            return Err(format!("{}: entry block has {} parameters but the signature {}", f.name, params.len(), f.sig.params.len()));
        }
        let mut infos = Vec::new();
        for t in &f.sig.params {
            infos.push(classify(&mut st, t, true));
        }
        if f.sig.variadic {
            // save the unnamed argument registers right below the stack arguments
            for i in st.gpr..8 {
                self.emit(Inst::Store { op: "sd", rs: ARG_GPRS[i], mem: Mem { base: Base::Incoming, off: -64 + 8 * i as i64 } });
            }
            self.va_start = Some(if st.gpr < 8 { -64 + 8 * st.gpr as i64 } else { st.stack });
        }
        for ((p, t), info) in params.iter().zip(&f.sig.params).zip(&infos) {
            self.bind_param(*p, t, info)?;
        }
        Ok(())
    }

    /// Read one piece of an incoming argument into a new register.
    fn read_piece(&mut self, pc: &Piece) -> Reg {
        let float = matches!(pc.ty, Type::F32 | Type::F64);
        let d = if float { self.fvreg() } else { self.vreg() };
        match pc.loc {
            Loc::Reg(r) if float && !is_fpr(r) => self.u(if pc.ty == Type::F32 { "fmv.w.x" } else { "fmv.d.x" }, d, r),
            Loc::Reg(r) => self.copy(d, r),
            Loc::Stack(o) => {
                let op = if float { Self::load_op(pc.ty) } else { "ld" };
                self.emit(Inst::Load { op, rd: d, mem: Mem { base: Base::Incoming, off: o } });
            }
        }
        d
    }

    fn bind_param(&mut self, p: Value, t: &AbiType, info: &ArgInfo) -> Result<(), String> {
        let regs: Vec<Reg> = info.pieces.iter().map(|pc| self.read_piece(pc)).collect();
        match (t, self.vals[p.index()].clone()) {
            (AbiType::Aggregate(_), VLoc::Reg(d)) if info.by_ref => self.mv(d, regs[0]),
            (AbiType::Aggregate(l), VLoc::Reg(d)) => {
                let s = self.frame_slot(l.size.max(16), l.align.max(8));
                for (pc, r) in info.pieces.iter().zip(&regs) {
                    let op = if pc.ty == Type::I64 { "sd" } else { Self::store_op(pc.ty) };
                    self.emit(Inst::Store { op, rs: *r, mem: Mem::slot(s, pc.offset as i64) });
                }
                self.emit(Inst::AddrOf { rd: d, mem: Mem::slot(s, 0) });
            }
            (_, VLoc::Pair(lo, hi)) if regs.len() == 2 => {
                self.mv(lo, regs[0]);
                self.mv(hi, regs[1]);
            }
            (_, VLoc::Reg(d)) if regs.len() == 1 => self.copy(d, regs[0]),
            // unused parameters may have no home
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn lower_return(&mut self, value: Option<Value>) -> Result<(), String> {
        let f = self.f;
        let mut uses = Vec::new();
        if let (Some(v), Some(rt)) = (value, &f.sig.ret) {
            match (rt, classify_ret(rt)) {
                (AbiType::Aggregate(l), None) => {
                    let sp = self.sret_ptr.ok_or_else(|| format!("{}: no result pointer", f.name))?;
                    let src = self.mem(v)?;
                    self.copy_mem(Mem::reg(sp, 0), src, l.size, l.align)?;
                    self.mv(A0, sp);
                    uses.push(A0);
                }
                (AbiType::Aggregate(l), Some(info)) => {
                    let addr = self.mem(v)?;
                    let srcs = self.aggregate_sources(addr, l.size, &info.pieces)?;
                    for (s, pc) in srcs.iter().zip(&info.pieces) {
                        self.place(s, pc.loc, &mut uses);
                    }
                }
                (AbiType::Scalar(ty), Some(info)) => {
                    let srcs = self.arg_sources(v, rt, &info)?;
                    let _ = ty;
                    for (s, pc) in srcs.iter().zip(&info.pieces) {
                        self.place(s, pc.loc, &mut uses);
                    }
                }
                (AbiType::Scalar(_), None) => return Err(format!("{}: scalar returned in memory", f.name)),
            }
        }
        self.emit(Inst::Ret { uses });
        Ok(())
    }

    // ---------------------------------------------------------------- varargs

    pub(crate) fn lower_va_start(&mut self, ap: Value) -> Result<(), String> {
        let off = self.va_start.ok_or_else(|| format!("{}: va_start in a function without variadic parameters", self.f.name))?;
        let r = self.vreg();
        self.emit(Inst::AddrOf { rd: r, mem: Mem { base: Base::Incoming, off } });
        let m = self.mem(ap)?;
        self.emit(Inst::Store { op: "sd", rs: r, mem: m });
        Ok(())
    }

    pub(crate) fn lower_va_arg(&mut self, res: Value, ap: Value, ty: &AbiType) -> Result<(), String> {
        let m = self.mem(ap)?;
        let p = self.vreg();
        self.emit(Inst::Load { op: "ld", rd: p, mem: m.clone() });
        let (size, align) = match ty {
            AbiType::Scalar(t) => (t.size() as u64, t.align() as u64),
            AbiType::Aggregate(l) => (l.size, l.align as u64),
        };
        let by_ref = matches!(ty, AbiType::Aggregate(l) if l.force_memory || l.size > 16);
        if align == 16 && !by_ref {
            self.i("addi", p, p, 15);
            self.i("andi", p, p, -16);
        }
        match (ty, self.vals[res.index()].clone()) {
            (AbiType::Aggregate(_), VLoc::Reg(d)) if by_ref => self.emit(Inst::Load { op: "ld", rd: d, mem: Mem::reg(p, 0) }),
            (AbiType::Aggregate(_), VLoc::Reg(d)) => self.mv(d, p),
            (AbiType::Scalar(t), VLoc::Pair(lo, hi)) => {
                let _ = t;
                self.emit(Inst::Load { op: "ld", rd: lo, mem: Mem::reg(p, 0) });
                self.emit(Inst::Load { op: "ld", rd: hi, mem: Mem::reg(p, 8) });
            }
            (AbiType::Scalar(t), VLoc::Reg(d)) => self.emit(Inst::Load { op: Self::load_op(*t), rd: d, mem: Mem::reg(p, 0) }),
            _ => return Err(format!("{}: va_arg result without a home", self.f.name)),
        }
        // empty structs take no space, as in gcc
        let step = if by_ref { 8 } else { size.div_ceil(8) * 8 };
        let q = self.vreg();
        self.i("addi", q, p, step as i64);
        self.emit(Inst::Store { op: "sd", rs: q, mem: m });
        Ok(())
    }
}

fn is_fpr_class(s: &Isel, r: Reg) -> bool {
    r.is_virtual() && s.mf.class_of(r) == crate::codegen::mir::RegClass::Float
}
