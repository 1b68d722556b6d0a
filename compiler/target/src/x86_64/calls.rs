//! Calls, returns, incoming parameters and variadic arguments (SysV).

use ccc_ir::{AbiType, AggLayout, Callee, Signature, Type, Value};

use super::abi::{classify, conv_of, ArgLoc, Conv, EbClass, Eightbyte, RetLoc};
use super::inst::*;
use super::isel::{dword, int_sz, Isel, VLoc};
use crate::codegen::mir::{OpKind, Reg};

/// Where the variadic register save area and the first stack argument are.
#[derive(Clone, Debug)]
pub struct VaInfo {
    pub save_slot: u32,
    pub gp_offset: u32,
    pub fp_offset: u32,
    pub overflow_offset: u64,
}

/// Arguments of a helper call.
pub enum LArg {
    I(Reg),
    F(Reg),
    P(Reg, Reg),
    /// x87 value, passed on the stack.
    X(Amode),
    /// binary128 value, passed in an XMM register.
    Q(Amode),
}

pub enum LRet {
    None,
    I(Reg),
    F(Reg),
    P(Reg, Reg),
    X(Amode),
    Q(Amode),
}

impl Isel<'_> {
    /// Call a runtime helper (libgcc / libc) with scalar arguments.
    pub(crate) fn libcall(&mut self, name: &str, args: &[LArg], ret: LRet) -> Result<(), String> {
        if i386() {
            return self.libcall_i386(name, args, ret);
        }
        let (mut gi, mut xi, mut stack) = (0usize, 0u32, 0u64);
        let mut uses = Vec::new();
        for a in args {
            match a {
                LArg::X(m) => {
                    stack = stack.div_ceil(16) * 16;
                    self.copy_mem(Amode::rsp(stack as i64), m.clone(), 16)?;
                    stack += 16;
                }
                _ => {}
            }
        }
        for a in args {
            match a {
                LArg::I(r) => {
                    if gi >= 6 {
                        return Err(format!("too many arguments for helper {name}"));
                    }
                    self.mov_rr(*r, ARG_GPRS[gi]);
                    uses.push(ARG_GPRS[gi]);
                    gi += 1;
                }
                LArg::P(lo, hi) => {
                    if gi + 2 > 6 {
                        return Err(format!("too many arguments for helper {name}"));
                    }
                    self.mov_rr(*lo, ARG_GPRS[gi]);
                    self.mov_rr(*hi, ARG_GPRS[gi + 1]);
                    uses.push(ARG_GPRS[gi]);
                    uses.push(ARG_GPRS[gi + 1]);
                    gi += 2;
                }
                LArg::F(r) => {
                    self.fmov_rr(*r, xmm(xi));
                    uses.push(xmm(xi));
                    xi += 1;
                }
                LArg::Q(m) => {
                    self.text("movups\t{0}, {1}", vec![(Opnd::Mem(m.clone()), OpKind::Use), (Opnd::Reg(xmm(xi)), OpKind::Def)]);
                    uses.push(xmm(xi));
                    xi += 1;
                }
                LArg::X(_) => {}
            }
        }
        self.mf.frame.need_outgoing(stack);
        let defs = match &ret {
            LRet::None | LRet::X(_) => vec![],
            LRet::I(_) => vec![RAX],
            LRet::F(_) | LRet::Q(_) => vec![xmm(0)],
            LRet::P(..) => vec![RAX, RDX],
        };
        let target = self.call_target_sym(name);
        self.emit(Inst::Call { target, uses, defs });
        match ret {
            LRet::None => {}
            LRet::I(r) => self.mov_rr(RAX, r),
            LRet::F(r) => self.fmov_rr(xmm(0), r),
            LRet::P(lo, hi) => {
                self.mov_rr(RAX, lo);
                self.mov_rr(RDX, hi);
            }
            LRet::X(m) => self.text("fstpt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]),
            LRet::Q(m) => self.text("movups\t{1}, {0}", vec![(Opnd::Mem(m), OpKind::Use), (Opnd::Reg(xmm(0)), OpKind::Use)]),
        }
        Ok(())
    }

    /// A helper call under cdecl: word-sized integer arguments on the
    /// stack, the result in eax (edx:eax).
    fn libcall_i386(&mut self, name: &str, args: &[LArg], ret: LRet) -> Result<(), String> {
        let mut stack = 0i64;
        for a in args {
            let words: Vec<Reg> = match a {
                LArg::I(r) => vec![*r],
                LArg::P(lo, hi) => vec![*lo, *hi],
                _ => return Err(format!("i386: floating-point helper {name} is not supported yet")),
            };
            for r in words {
                self.mov(4, Opnd::Reg(r), Opnd::Mem(Amode::rsp(stack)));
                stack += 4;
            }
        }
        self.mf.frame.need_outgoing(stack as u64);
        let defs = match &ret {
            LRet::None => vec![],
            LRet::I(_) => vec![RAX],
            LRet::P(..) => vec![RAX, RDX],
            _ => return Err(format!("i386: floating-point helper {name} is not supported yet")),
        };
        let target = self.call_target_sym(name);
        self.emit(Inst::Call { target, uses: vec![], defs });
        match ret {
            LRet::I(r) => self.mov_rr(RAX, r),
            LRet::P(lo, hi) => {
                self.mov_rr(RAX, lo);
                self.mov_rr(RDX, hi);
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn call_target_sym(&self, name: &str) -> CallTarget {
        if self.opts.pic && !self.syms.is_local(name) {
            if self.opts.no_plt {
                return CallTarget::Mem(Amode { base: Base::Rip, index: None, disp: 0, sym: Some((name.to_string(), Reloc::GotPcRel)), fs: false });
            }
            return CallTarget::Sym(format!("{name}@PLT"));
        }
        CallTarget::Sym(name.to_string())
    }

    // -------------------------------------------------------------- entry

    pub(crate) fn lower_entry(&mut self) -> Result<(), String> {
        let f = self.f;
        let conv = conv_of(self.opts);
        if f.static_chain {
            // First, before anything can reuse the register.
            let r = self.vreg();
            self.mov_rr(conv.static_chain_reg(), r);
            self.static_chain = Some(r);
        }
        let rl = conv.ret_loc(&f.sig);
        let sret = rl == RetLoc::Sret;
        let aa = conv.assign_args(&f.sig.params, sret, f.sig.variadic);
        match &aa.sret_loc {
            Some(ArgLoc::Reg(p)) => {
                let r = self.vreg();
                self.mov_rr(*p, r);
                self.sret_ptr = Some(r);
            }
            Some(ArgLoc::Stack(off)) => {
                let r = self.vreg();
                self.mov(8, Opnd::Mem(Amode::incoming(*off as i64)), Opnd::Reg(r));
                self.sret_ptr = Some(r);
            }
            _ => {}
        }
        if f.sig.variadic && conv != Conv::SysV {
            // cdecl: the variadic arguments follow the named ones on the stack.
            self.va = Some(VaInfo { save_slot: 0, gp_offset: 0, fp_offset: 0, overflow_offset: aa.stack_used });
        } else if f.sig.variadic {
            let save = self.frame_slot(176, 16);
            for (i, &r) in ARG_GPRS.iter().enumerate() {
                self.mov(8, Opnd::Reg(r), Opnd::Mem(Amode::slot(save, 8 * i as i64)));
            }
            let mut ops: Vec<(Opnd, OpKind)> = (0..8).map(|i| (Opnd::Mem(Amode::slot(save, 48 + 16 * i)), OpKind::Use)).collect();
            ops.extend((0..8).map(|i| (Opnd::Reg(xmm(i)), OpKind::Use)));
            ops.push((Opnd::Reg(RAX), OpKind::Use));
            // without SSE (kernels) there are no vector argument registers to save
            if !self.opts.general_regs_only {
            self.text(
                "testb\t%al, %al\n\tje\t1f\n\tmovaps\t%xmm0, {0}\n\tmovaps\t%xmm1, {1}\n\tmovaps\t%xmm2, {2}\n\tmovaps\t%xmm3, {3}\n\tmovaps\t%xmm4, {4}\n\tmovaps\t%xmm5, {5}\n\tmovaps\t%xmm6, {6}\n\tmovaps\t%xmm7, {7}\n1:",
                ops,
            );
            }
            self.va = Some(VaInfo {
                save_slot: save,
                gp_offset: 8 * aa.gprs_used as u32,
                fp_offset: 48 + 16 * aa.xmms_used as u32,
                overflow_offset: aa.stack_used,
            });
        }
        let params = f.blocks[0].params.clone();
        if params.len() != aa.locs.len() {
            return Err(format!("{}: entry block has {} parameters but the signature {}", f.name, params.len(), aa.locs.len()));
        }
        for (p, loc) in params.iter().zip(aa.locs.iter()) {
            let t = self.ty(*p);
            match loc {
                ArgLoc::Reg(r) if t == Type::F128 => {
                    let s = self.frame_slot(16, 16);
                    self.text("movups\t{1}, {0}", vec![(Opnd::Mem(Amode::slot(s, 0)), OpKind::Use), (Opnd::Reg(*r), OpKind::Use)]);
                    self.vals[p.index()] = VLoc::Mem(Amode::slot(s, 0));
                }
                ArgLoc::Reg(r) => {
                    let d = self.out(*p);
                    if is_xmm(*r) {
                        self.fmov_rr(*r, d)
                    } else {
                        self.mov_rr(*r, d)
                    }
                }
                ArgLoc::Pair(a, b) => {
                    let (dl, dh) = self.out_pair(*p);
                    self.mov_rr(*a, dl);
                    self.mov_rr(*b, dh);
                }
                ArgLoc::Stack(off) => {
                    let m = Amode::incoming(*off as i64);
                    match t {
                        Type::F80 | Type::F128 => self.vals[p.index()] = VLoc::Mem(m),
                        t if t == dword() => {
                            let (dl, dh) = self.out_pair(*p);
                            self.mov(8, Opnd::Mem(m.clone()), Opnd::Reg(dl));
                            self.mov(8, Opnd::Mem(m.offset(i64::from(word()))), Opnd::Reg(dh));
                        }
                        Type::F32 | Type::F64 => {
                            let d = self.out(*p);
                            self.emit(Inst::SseMov { dbl: t == Type::F64, src: Opnd::Mem(m), dst: Opnd::Reg(d) });
                        }
                        _ => {
                            let d = self.out(*p);
                            self.mov(8, Opnd::Mem(m), Opnd::Reg(d));
                        }
                    }
                }
                ArgLoc::AggRegs(regs) => {
                    let s = self.frame_slot(16, 16);
                    for (i, (r, eb)) in regs.iter().enumerate() {
                        let m = Amode::slot(s, 8 * i as i64);
                        if eb.class == EbClass::Sse {
                            self.emit(Inst::SseMov { dbl: true, src: Opnd::Reg(*r), dst: Opnd::Mem(m) });
                        } else {
                            self.mov(8, Opnd::Reg(*r), Opnd::Mem(m));
                        }
                    }
                    self.vals[p.index()] = VLoc::Addr(Amode::slot(s, 0));
                }
                ArgLoc::AggStack(off, _) => {
                    self.vals[p.index()] = VLoc::Addr(Amode::incoming(*off as i64));
                }
            }
        }
        Ok(())
    }

    // -------------------------------------------------------------- calls

    /// Load the `n` bytes (1..=8) at `m` into a fresh integer register
    /// without reading past them.
    fn load_partial(&mut self, m: Amode, n: u8) -> Reg {
        let r = self.vreg();
        match n {
            8 => self.mov(8, Opnd::Mem(m), Opnd::Reg(r)),
            4 => self.mov(4, Opnd::Mem(m), Opnd::Reg(r)),
            2 => self.emit(Inst::MovX { op: "movzwl", src: Opnd::Mem(m), dst: r }),
            1 => self.emit(Inst::MovX { op: "movzbl", src: Opnd::Mem(m), dst: r }),
            _ => {
                // split into a low power-of-two part and a recursively loaded rest
                let low = if n > 4 { 4 } else { 2 };
                let lo = self.load_partial(m.clone(), low);
                let hi = self.load_partial(m.offset(low as i64), n - low);
                self.emit(Inst::Shift { op: "shl", sz: 8, amt: Some(low * 8), dst: hi });
                self.mov_rr(lo, r);
                self.alu(AluOp::Or, 8, Opnd::Reg(hi), r);
            }
        }
        r
    }

    /// Store the low `n` bytes of `r` to `m`.
    fn store_partial(&mut self, r: Reg, m: Amode, n: u8) {
        match n {
            8 | 4 | 2 | 1 => self.mov(n, Opnd::Reg(r), Opnd::Mem(m)),
            _ => {
                let low = if n > 4 { 4 } else { 2 };
                self.mov(low, Opnd::Reg(r), Opnd::Mem(m.clone()));
                let t = self.vreg();
                self.mov_rr(r, t);
                self.emit(Inst::Shift { op: "shr", sz: 8, amt: Some(low * 8), dst: t });
                self.store_partial(t, m.offset(low as i64), n - low);
            }
        }
    }

    fn load_eightbyte(&mut self, m: Amode, eb: Eightbyte) -> Reg {
        if eb.class == EbClass::Sse {
            let r = self.fvreg();
            self.emit(Inst::SseMov { dbl: eb.size > 4, src: Opnd::Mem(m), dst: Opnd::Reg(r) });
            r
        } else {
            self.load_partial(m, eb.size)
        }
    }

    fn store_eightbyte(&mut self, r: Reg, m: Amode, eb: Eightbyte) {
        if eb.class == EbClass::Sse {
            self.emit(Inst::SseMov { dbl: eb.size > 4, src: Opnd::Reg(r), dst: Opnd::Mem(m) });
        } else {
            self.store_partial(r, m, eb.size);
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
        if args.len() < sig.params.len() {
            return Err("call with fewer arguments than parameters".into());
        }
        // variadic extras take their type from the values (aggregates cannot be extra)
        let mut params = sig.params.clone();
        for &a in &args[sig.params.len()..] {
            params.push(AbiType::Scalar(self.ty(a)));
        }
        let conv = conv_of(self.opts);
        let rl = conv.ret_loc(sig);
        let sret = rl == RetLoc::Sret;
        let aa = conv.assign_args(&params, sret, sig.variadic);
        self.mf.frame.need_outgoing(aa.stack_bytes);
        // 1. stack arguments
        for (&a, loc) in args.iter().zip(&aa.locs) {
            match loc {
                ArgLoc::Stack(off) => {
                    let m = Amode::rsp(*off as i64);
                    let t = self.ty(a);
                    match t {
                        Type::F80 | Type::F128 => {
                            let s = self.f80(a)?;
                            self.copy_mem(m, s, 16)?;
                        }
                        _ => self.store(t, a, m)?,
                    }
                }
                ArgLoc::AggStack(off, size) => {
                    let s = self.amode(a)?;
                    self.copy_mem(Amode::rsp(*off as i64), s, *size)?;
                }
                _ => {}
            }
        }
        // 2. values for registers
        let mut moves: Vec<(Reg, Reg)> = Vec::new();
        let mut q_loads: Vec<(Reg, Amode)> = Vec::new();
        for (&a, loc) in args.iter().zip(&aa.locs) {
            match loc {
                ArgLoc::Reg(r) if self.ty(a) == Type::F128 => {
                    let m = self.f80(a)?;
                    q_loads.push((*r, m));
                }
                ArgLoc::Reg(r) => {
                    let v = self.reg(a)?;
                    moves.push((*r, v));
                }
                ArgLoc::Pair(x, y) => {
                    let (lo, hi) = self.pair(a)?;
                    moves.push((*x, lo));
                    moves.push((*y, hi));
                }
                ArgLoc::AggRegs(regs) => {
                    let m = self.amode(a)?;
                    for (i, (r, eb)) in regs.iter().enumerate() {
                        let v = self.load_eightbyte(m.offset(8 * i as i64), *eb);
                        moves.push((*r, v));
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = chain {
            let v = self.reg(c)?;
            moves.push((conv.static_chain_reg(), v));
        }
        let target = match callee {
            Callee::Direct(name) => self.call_target_sym(name),
            Callee::Indirect(v) => match self.vals[v.index()].clone() {
                VLoc::Addr(Amode { base: Base::Rip, sym: Some((s, Reloc::None)), disp: 0, .. }) => self.call_target_sym(&s),
                _ => CallTarget::Reg(self.reg(*v)?),
            },
        };
        let sret_reg = if sret {
            let p = ret_slot.ok_or("aggregate call without a result slot")?;
            Some(self.reg(p)?)
        } else {
            None
        };
        // 3. fixed registers
        let mut uses = Vec::new();
        for (p, v) in moves {
            if is_xmm(p) {
                self.fmov_rr(v, p)
            } else {
                self.mov_rr(v, p)
            }
            uses.push(p);
        }
        for (r, m) in q_loads {
            self.text("movups\t{0}, {1}", vec![(Opnd::Mem(m), OpKind::Use), (Opnd::Reg(r), OpKind::Def)]);
            uses.push(r);
        }
        match (sret_reg, &aa.sret_loc) {
            (Some(r), Some(ArgLoc::Reg(p))) => {
                self.mov_rr(r, *p);
                uses.push(*p);
            }
            (Some(r), Some(ArgLoc::Stack(off))) => self.mov(8, Opnd::Reg(r), Opnd::Mem(Amode::rsp(*off as i64))),
            _ => {}
        }
        if sig.variadic && conv == Conv::SysV {
            self.mov(4, Opnd::Imm(aa.xmms_used as i64), Opnd::Reg(RAX));
            uses.push(RAX);
        }
        let defs = match &rl {
            RetLoc::Reg(r) => vec![*r],
            RetLoc::Pair => vec![RAX, RDX],
            RetLoc::AggRegs(regs) => regs.iter().map(|r| r.0).collect(),
            _ => vec![],
        };
        self.emit(Inst::Call { target, uses, defs });
        // The callee popped the hidden pointer: restore the outgoing area.
        let popped = conv.callee_pops(sig);
        if popped > 0 {
            self.emit(Inst::Alu { op: AluOp::Sub, sz: 8, src: Opnd::Imm(popped as i64), dst: Opnd::Reg(RSP) });
        }
        // 4. results
        match rl {
            RetLoc::Void | RetLoc::Sret => {}
            RetLoc::X87 => {
                let m = match result {
                    Some(r) => self.out_mem(r),
                    None => Amode::slot(self.frame_slot(16, 16), 0),
                };
                self.text("fstpt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]);
            }
            RetLoc::Reg(r) if result.is_some_and(|v| self.ty(v) == Type::F128) => {
                if let Some(res) = result {
                    let m = self.out_mem(res);
                    self.text("movups\t{1}, {0}", vec![(Opnd::Mem(m), OpKind::Use), (Opnd::Reg(r), OpKind::Use)]);
                }
            }
            RetLoc::Reg(r) => {
                if let Some(res) = result {
                    let d = self.out(res);
                    if is_xmm(r) {
                        self.fmov_rr(r, d)
                    } else {
                        self.mov_rr(r, d)
                    }
                }
            }
            RetLoc::Pair => {
                if let Some(res) = result {
                    let (dl, dh) = self.out_pair(res);
                    self.mov_rr(RAX, dl);
                    self.mov_rr(RDX, dh);
                }
            }
            RetLoc::AggX87(n) => {
                let p = ret_slot.ok_or("aggregate call without a result slot")?;
                let m = self.amode(p)?;
                if n == 2 {
                    self.text("fstpt\t{0}\n\tfstpt\t{1}", vec![(Opnd::Mem(m.clone()), OpKind::Use), (Opnd::Mem(m.offset(16)), OpKind::Use)]);
                } else {
                    self.text("fstpt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]);
                }
            }
            RetLoc::AggRegs(regs) => {
                let p = ret_slot.ok_or("aggregate call without a result slot")?;
                let vs: Vec<(Reg, Eightbyte)> = regs
                    .iter()
                    .map(|(r, eb)| {
                        let v = if eb.class == EbClass::Sse { self.fvreg() } else { self.vreg() };
                        if eb.class == EbClass::Sse {
                            self.fmov_rr(*r, v)
                        } else {
                            self.mov_rr(*r, v)
                        }
                        (v, *eb)
                    })
                    .collect();
                let m = self.amode(p)?;
                for (i, (v, eb)) in vs.into_iter().enumerate() {
                    self.store_eightbyte(v, m.offset(8 * i as i64), eb);
                }
            }
        }
        Ok(())
    }

    // -------------------------------------------------------------- return

    pub(crate) fn lower_return(&mut self, value: Option<Value>) -> Result<(), String> {
        let rl = conv_of(self.opts).ret_loc(&self.f.sig);
        let mut uses = Vec::new();
        match (rl, value) {
            (RetLoc::Void, _) | (_, None) => {}
            (RetLoc::Reg(r), Some(v)) if self.ty(v) == Type::F128 => {
                let m = self.f80(v)?;
                self.text("movups\t{0}, {1}", vec![(Opnd::Mem(m), OpKind::Use), (Opnd::Reg(r), OpKind::Def)]);
                uses.push(r);
            }
            (RetLoc::Reg(r), Some(v)) => {
                let x = self.reg(v)?;
                if is_xmm(r) {
                    self.fmov_rr(x, r)
                } else {
                    self.mov_rr(x, r)
                }
                uses.push(r);
            }
            (RetLoc::Pair, Some(v)) => {
                let (lo, hi) = self.pair(v)?;
                self.mov_rr(lo, RAX);
                self.mov_rr(hi, RDX);
                uses.extend([RAX, RDX]);
            }
            (RetLoc::X87, Some(v)) => {
                let m = self.f80(v)?;
                self.text("fldt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]);
            }
            (RetLoc::AggX87(n), Some(v)) => {
                let m = self.amode(v)?;
                if n == 2 {
                    self.text("fldt\t{1}\n\tfldt\t{0}", vec![(Opnd::Mem(m.clone()), OpKind::Use), (Opnd::Mem(m.offset(16)), OpKind::Use)]);
                } else {
                    self.text("fldt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]);
                }
            }
            (RetLoc::AggRegs(regs), Some(v)) => {
                let m = self.amode(v)?;
                let vs: Vec<(Reg, Reg)> =
                    regs.iter().enumerate().map(|(i, (r, eb))| (*r, self.load_eightbyte(m.offset(8 * i as i64), *eb))).collect();
                for (r, x) in vs {
                    if is_xmm(r) {
                        self.fmov_rr(x, r)
                    } else {
                        self.mov_rr(x, r)
                    }
                    uses.push(r);
                }
            }
            (RetLoc::Sret, Some(v)) => {
                let size = match &self.f.sig.ret {
                    Some(AbiType::Aggregate(l)) => l.size,
                    _ => 0,
                };
                let p = self.sret_ptr.ok_or("missing sret pointer")?;
                let src = self.amode(v)?;
                self.copy_mem(Amode::reg(p, 0), src, size)?;
                self.mov_rr(p, RAX);
                uses.push(RAX);
            }
        }
        self.emit(Inst::Ret { uses });
        Ok(())
    }

    // -------------------------------------------------------------- varargs

    pub(crate) fn lower_va_start(&mut self, ap: Value) -> Result<(), String> {
        let va = self.va.clone().ok_or_else(|| format!("{}: va_start in a function without variadic parameters", self.f.name))?;
        let a = self.amode(ap)?;
        if i386() {
            // `va_list` is a pointer to the next stack argument.
            let t = self.vreg();
            self.emit(Inst::Lea { mem: Amode::incoming(va.overflow_offset as i64), dst: t });
            self.mov(8, Opnd::Reg(t), Opnd::Mem(a));
            return Ok(());
        }
        self.mov(4, Opnd::Imm(va.gp_offset as i64), Opnd::Mem(a.clone()));
        self.mov(4, Opnd::Imm(va.fp_offset as i64), Opnd::Mem(a.offset(4)));
        let t = self.vreg();
        self.emit(Inst::Lea { mem: Amode::incoming(va.overflow_offset as i64), dst: t });
        self.mov(8, Opnd::Reg(t), Opnd::Mem(a.offset(8)));
        let u = self.vreg();
        self.emit(Inst::Lea { mem: Amode::slot(va.save_slot, 0), dst: u });
        self.mov(8, Opnd::Reg(u), Opnd::Mem(a.offset(16)));
        Ok(())
    }

    pub(crate) fn lower_va_arg(&mut self, res: Value, ap: Value, ty: &AbiType) -> Result<(), String> {
        let apr = {
            let a = self.amode(ap)?;
            let r = self.vreg();
            self.emit(Inst::Lea { mem: a, dst: r });
            r
        };
        if i386() {
            return self.va_arg_i386(res, apr, ty);
        }
        match ty {
            AbiType::Scalar(t) => match t {
                Type::F32 | Type::F64 => {
                    let addr = self.va_reg_or_stack(apr, false, 8);
                    let d = self.out(res);
                    self.emit(Inst::SseMov { dbl: *t == Type::F64, src: Opnd::Mem(Amode::reg(addr, 0)), dst: Opnd::Reg(d) });
                }
                Type::F80 => {
                    let addr = self.va_stack(apr, 16, 16);
                    let d = self.out_mem(res);
                    self.copy_mem(d, Amode::reg(addr, 0), 16)?;
                }
                Type::I128 => {
                    // both halves in GPRs, or 16-aligned on the stack
                    let addr = self.scratch();
                    let t = self.scratch();
                    self.text(
                        "movl\t({0}), {2l}\n\tcmpl\t$32, {2l}\n\tja\t1f\n\tmovq\t16({0}), {1}\n\taddq\t{2}, {1}\n\taddl\t$16, ({0})\n\tjmp\t2f\n1:\n\tmovq\t8({0}), {1}\n\taddq\t$15, {1}\n\tandq\t$-16, {1}\n\tleaq\t16({1}), {2}\n\tmovq\t{2}, 8({0})\n2:",
                        vec![(Opnd::Reg(apr), OpKind::Use), (Opnd::Reg(addr), OpKind::EarlyDef), (Opnd::Reg(t), OpKind::EarlyDef)],
                    );
                    let (dl, dh) = self.out_pair(res);
                    self.mov(8, Opnd::Mem(Amode::reg(addr, 0)), Opnd::Reg(dl));
                    self.mov(8, Opnd::Mem(Amode::reg(addr, 8)), Opnd::Reg(dh));
                }
                Type::F128 => {
                    // an XMM slot of the register save area, or 16-aligned on the stack
                    let addr = self.scratch();
                    let t = self.scratch();
                    self.text(
                        "movl\t4({0}), {2l}\n\tcmpl\t$160, {2l}\n\tja\t1f\n\tmovq\t16({0}), {1}\n\taddq\t{2}, {1}\n\taddl\t$16, 4({0})\n\tjmp\t2f\n1:\n\tmovq\t8({0}), {1}\n\taddq\t$15, {1}\n\tandq\t$-16, {1}\n\tleaq\t16({1}), {2}\n\tmovq\t{2}, 8({0})\n2:",
                        vec![(Opnd::Reg(apr), OpKind::Use), (Opnd::Reg(addr), OpKind::EarlyDef), (Opnd::Reg(t), OpKind::EarlyDef)],
                    );
                    let a = self.vreg();
                    self.mov_rr(addr, a);
                    let d = self.out_mem(res);
                    self.copy_mem(d, Amode::reg(a, 0), 16)?;
                }
                _ => {
                    let addr = self.va_reg_or_stack(apr, true, 8);
                    let d = self.out(res);
                    let sz = int_sz(*t);
                    self.mov(if sz == 8 { 8 } else { 4 }, Opnd::Mem(Amode::reg(addr, 0)), Opnd::Reg(d));
                }
            },
            AbiType::Aggregate(l) => self.va_arg_agg(res, apr, l)?,
        }
        Ok(())
    }

    /// cdecl `va_arg`: take the argument at the pointer, advance it by the
    /// argument's size in 4-byte units. Aggregates yield their address.
    fn va_arg_i386(&mut self, res: Value, apr: Reg, ty: &AbiType) -> Result<(), String> {
        let size = match ty {
            AbiType::Scalar(t) if t.is_int() && t.size() <= 4 => u64::from(t.size()),
            AbiType::Aggregate(l) => l.size,
            AbiType::Scalar(t) => return Err(format!("{}: i386: va_arg of {t} is not supported yet", self.f.name)),
        };
        let p = self.vreg();
        self.mov(8, Opnd::Mem(Amode::reg(apr, 0)), Opnd::Reg(p));
        let next = self.vreg();
        self.emit(Inst::Lea { mem: Amode::reg(p, (size.div_ceil(4) * 4) as i64), dst: next });
        self.mov(8, Opnd::Reg(next), Opnd::Mem(Amode::reg(apr, 0)));
        let d = self.out(res);
        match ty {
            AbiType::Scalar(t) => self.load_into(*t, Amode::reg(p, 0), d),
            AbiType::Aggregate(_) => self.mov_rr(p, d),
        }
        Ok(())
    }

    /// Address of the next 8-byte GPR (`int_class`) or XMM argument.
    fn va_reg_or_stack(&mut self, apr: Reg, int_class: bool, _size: u64) -> Reg {
        let addr = self.scratch();
        let t = self.scratch();
        let tmpl = if int_class {
            "movl\t({0}), {2l}\n\tcmpl\t$40, {2l}\n\tja\t1f\n\tmovq\t16({0}), {1}\n\taddq\t{2}, {1}\n\taddl\t$8, ({0})\n\tjmp\t2f\n1:\n\tmovq\t8({0}), {1}\n\tleaq\t8({1}), {2}\n\tmovq\t{2}, 8({0})\n2:"
        } else {
            "movl\t4({0}), {2l}\n\tcmpl\t$160, {2l}\n\tja\t1f\n\tmovq\t16({0}), {1}\n\taddq\t{2}, {1}\n\taddl\t$16, 4({0})\n\tjmp\t2f\n1:\n\tmovq\t8({0}), {1}\n\tleaq\t8({1}), {2}\n\tmovq\t{2}, 8({0})\n2:"
        };
        self.text(tmpl, vec![(Opnd::Reg(apr), OpKind::Use), (Opnd::Reg(addr), OpKind::EarlyDef), (Opnd::Reg(t), OpKind::EarlyDef)]);
        let r = self.vreg();
        self.mov_rr(addr, r);
        r
    }

    /// Address of the next stack argument of `size` bytes and `align`.
    fn va_stack(&mut self, apr: Reg, size: u64, align: u64) -> Reg {
        let addr = self.vreg();
        self.mov(8, Opnd::Mem(Amode::reg(apr, 8)), Opnd::Reg(addr));
        if align > 8 {
            self.add_const(addr, align as i64 - 1);
            self.alu(AluOp::And, 8, Opnd::Imm(-(align as i64)), addr);
        }
        let t = self.vreg();
        self.emit(Inst::Lea { mem: Amode::reg(addr, size.div_ceil(8) as i64 * 8), dst: t });
        self.mov(8, Opnd::Reg(t), Opnd::Mem(Amode::reg(apr, 8)));
        addr
    }

    fn va_arg_agg(&mut self, res: Value, apr: Reg, l: &AggLayout) -> Result<(), String> {
        let d = self.out(res);
        let Some(ebs) = classify(l) else {
            let align = if l.align > 8 { 16 } else { 8 };
            let a = self.va_stack(apr, l.size, align);
            self.mov_rr(a, d);
            return Ok(());
        };
        let ni = ebs.iter().filter(|e| e.class == EbClass::Int).count() as i64;
        let nx = ebs.len() as i64 - ni;
        // Copy the eightbytes into a temporary: registers if enough are left, else the stack.
        let tmp = self.frame_slot(16, 16);
        let stack_blk = self.new_block();
        let reg_blk = self.new_block();
        let join = self.new_block();
        let (gp, fp) = (self.vreg(), self.vreg());
        self.mov(4, Opnd::Mem(Amode::reg(apr, 0)), Opnd::Reg(gp));
        self.mov(4, Opnd::Mem(Amode::reg(apr, 4)), Opnd::Reg(fp));
        self.emit(Inst::Cmp { sz: 4, src: Opnd::Imm(48 - 8 * ni), dst: Opnd::Reg(gp) });
        self.emit(Inst::Jcc { cc: Cc::A, target: stack_blk });
        self.add_succ(stack_blk);
        self.emit(Inst::Cmp { sz: 4, src: Opnd::Imm(176 - 16 * nx), dst: Opnd::Reg(fp) });
        self.emit(Inst::Jcc { cc: Cc::A, target: stack_blk });
        self.emit(Inst::Jmp { target: reg_blk });
        self.add_succ(reg_blk);
        // registers
        self.cur = reg_blk;
        let save = self.vreg();
        self.mov(8, Opnd::Mem(Amode::reg(apr, 16)), Opnd::Reg(save));
        let (mut gi, mut xi) = (0i64, 0i64);
        for (i, eb) in ebs.iter().enumerate() {
            let t = self.vreg();
            let off = if eb.class == EbClass::Int {
                gi += 1;
                Amode { base: Base::Reg(save), index: Some((gp, 1)), disp: 8 * (gi - 1), sym: None, fs: false }
            } else {
                xi += 1;
                Amode { base: Base::Reg(save), index: Some((fp, 1)), disp: 16 * (xi - 1), sym: None, fs: false }
            };
            self.mov(8, Opnd::Mem(off), Opnd::Reg(t));
            self.mov(8, Opnd::Reg(t), Opnd::Mem(Amode::slot(tmp, 8 * i as i64)));
        }
        if ni > 0 {
            self.alu(AluOp::Add, 4, Opnd::Imm(8 * ni), gp);
            self.mov(4, Opnd::Reg(gp), Opnd::Mem(Amode::reg(apr, 0)));
        }
        if nx > 0 {
            self.alu(AluOp::Add, 4, Opnd::Imm(16 * nx), fp);
            self.mov(4, Opnd::Reg(fp), Opnd::Mem(Amode::reg(apr, 4)));
        }
        self.emit(Inst::Jmp { target: join });
        self.add_succ(join);
        // stack
        self.cur = stack_blk;
        let a = self.va_stack(apr, l.size, if l.align > 8 { 16 } else { 8 });
        self.copy_mem(Amode::slot(tmp, 0), Amode::reg(a, 0), l.size.div_ceil(8) * 8)?;
        self.emit(Inst::Jmp { target: join });
        self.add_succ(join);
        self.cur = join;
        self.emit(Inst::Lea { mem: Amode::slot(tmp, 0), dst: d });
        Ok(())
    }
}
