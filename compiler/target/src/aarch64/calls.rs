//! Calls, the function entry (incoming arguments), returns, helper calls
//! into libgcc/libc and variadic arguments (AAPCS64's `va_list`: the next
//! stack argument, the tops of the general and vector register save
//! areas, and the negative offsets of the next saved register in each).

use ccc_ir::{AbiType, Callee, Signature, Type, Value};

use super::abi::{classify, classify_ret, hfa, ArgInfo, ArgState, Loc, Piece};
use super::emit::va_save_bytes;
use super::inst::*;
use super::isel::{Isel, VaInfo, VLoc};
use crate::codegen::lowering::int_sz;
use crate::codegen::mir::Reg;

/// Arguments of a helper call (assigned to x0.. / v0.. in order).
pub enum LArg {
    I(Reg),
    F(Reg),
    /// A 128-bit integer in two general registers (low, high; from an even one).
    P(Reg, Reg),
    /// A binary128 value (kept in two integer registers) passed in a q register.
    Q(Reg, Reg),
}

pub enum LRet {
    None,
    I(Reg),
    F(Reg),
    P(Reg, Reg),
    Q(Reg, Reg),
}

fn ret_regs(r: &LRet) -> Vec<Reg> {
    match r {
        LRet::None => vec![],
        LRet::I(_) => vec![X0],
        LRet::F(_) | LRet::Q(..) => vec![V0],
        LRet::P(..) => vec![X0, X1],
    }
}

/// A value on its way into an argument location.
enum Src {
    Int(Reg),
    Float(Reg, Type),
    /// binary128 in two integer registers.
    Quad(Reg, Reg),
}

impl Isel<'_> {
    /// The operand text of a direct call (the linker adds PLT entries).
    fn call_sym(&self, name: &str) -> String {
        name.to_string()
    }

    /// Move a binary128 value from an integer pair into v register `q`.
    pub fn pair_to_q(&mut self, q: Reg, lo: Reg, hi: Reg) {
        self.u("fmov", q, W::D, lo, W::X);
        self.emit(Inst::InsHi { vd: q, rs: hi });
    }

    /// Move a binary128 value from v register `q` into an integer pair.
    pub fn q_to_pair(&mut self, lo: Reg, hi: Reg, q: Reg) {
        self.u("fmov", lo, W::X, q, W::D);
        self.emit(Inst::ExtHi { rd: hi, vs: q });
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
                LArg::Q(lo, hi) => {
                    let p = *ARG_FPRS.get(fl).ok_or("too many helper arguments")?;
                    self.pair_to_q(p, *lo, *hi);
                    uses.push(p);
                    fl += 1;
                }
                LArg::P(lo, hi) => {
                    g += g % 2;
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
            LRet::I(d) => self.mv(d, X0),
            LRet::F(d) => self.fmv(d, V0),
            LRet::P(lo, hi) => {
                self.mv(lo, X0);
                self.mv(hi, X1);
            }
            LRet::Q(lo, hi) => self.q_to_pair(lo, hi, V0),
        }
        Ok(())
    }

    /// Store the low `n` bytes of `r` at `m`.
    fn store_bytes(&mut self, r: Reg, m: Mem, n: u64) {
        let ty = match n {
            1 => Some(Type::I8),
            2 => Some(Type::I16),
            4 => Some(Type::I32),
            8.. => Some(Type::I64),
            _ => None,
        };
        if let Some(ty) = ty {
            self.store_ty(ty, r, m);
            return;
        }
        for i in 0..n {
            let t = self.vreg();
            self.i("lsr", W::X, t, r, 8 * i as i64);
            self.store_ty(Type::I8, t, m.offset(i as i64));
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
            match p.ty {
                Type::F32 | Type::F64 => {
                    let r = self.fvreg();
                    self.load_ty(p.ty, r, m);
                    v.push(Src::Float(r, p.ty));
                }
                Type::F128 => {
                    let (lo, hi) = (self.vreg(), self.vreg());
                    self.load_ty(Type::I64, lo, m.clone());
                    self.load_ty(Type::I64, hi, m.offset(8));
                    v.push(Src::Quad(lo, hi));
                }
                _ => {
                    let r = self.vreg();
                    self.load_ty(Type::I64, r, m);
                    v.push(Src::Int(r));
                }
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
            AbiType::Scalar(Type::F128) => {
                let (lo, hi) = self.pair(a)?;
                if matches!(info.pieces.first(), Some(Piece { loc: Loc::Reg(_), .. })) {
                    return Ok(vec![Src::Quad(lo, hi)]);
                }
                Ok(vec![Src::Int(lo), Src::Int(hi)])
            }
            AbiType::Scalar(ty) if int_sz(*ty) == 16 => {
                let (lo, hi) = self.pair(a)?;
                Ok(vec![Src::Int(lo), Src::Int(hi)])
            }
            AbiType::Scalar(ty @ (Type::F32 | Type::F64)) => {
                let r = self.reg(a)?;
                Ok(vec![Src::Float(r, *ty)])
            }
            AbiType::Scalar(_) => Ok(vec![Src::Int(self.reg_zr(a)?)]),
        }
    }

    /// Move a source into its argument location (register or stack).
    fn place(&mut self, src: &Src, loc: Loc, uses: &mut Vec<Reg>) {
        let sp = |o: i64| Mem { base: Base::Sp, off: o };
        match (src, loc) {
            (Src::Int(r), Loc::Reg(p)) => {
                self.mv(p, *r);
                uses.push(p);
            }
            (Src::Float(r, _), Loc::Reg(p)) => {
                self.fmv(p, *r);
                uses.push(p);
            }
            (Src::Quad(lo, hi), Loc::Reg(p)) => {
                self.pair_to_q(p, *lo, *hi);
                uses.push(p);
            }
            (Src::Int(r), Loc::Stack(o)) => self.store_ty(Type::I64, *r, sp(o)),
            (Src::Float(r, ty), Loc::Stack(o)) => self.store_ty(*ty, *r, sp(o)),
            (Src::Quad(lo, hi), Loc::Stack(o)) => {
                self.store_ty(Type::I64, *lo, sp(o));
                self.store_ty(Type::I64, *hi, sp(o + 8));
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
        // Compute every source first: by-value copies may call memcpy.
        let mut placed = Vec::new();
        for (i, &a) in args.iter().enumerate() {
            let t = sig.params.get(i).cloned().unwrap_or_else(|| AbiType::Scalar(self.ty(a)));
            let info = classify(&mut st, &t, true);
            let srcs = self.arg_sources(a, &t, &info)?;
            let locs: Vec<Loc> = if info.pieces.len() == 1 && srcs.len() == 2 {
                // binary128 on the stack: two words
                let Loc::Stack(o) = info.pieces[0].loc else { return Err("binary128 argument split".into()) };
                vec![Loc::Stack(o), Loc::Stack(o + 8)]
            } else {
                info.pieces.iter().map(|p| p.loc).collect()
            };
            for (s, l) in srcs.into_iter().zip(locs) {
                placed.push((s, l));
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
            self.mv(X8, r);
            uses.push(X8);
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
                    match p.ty {
                        Type::F32 | Type::F64 => self.store_ty(p.ty, r, at),
                        Type::F128 => {
                            let (lo, hi) = (self.vreg(), self.vreg());
                            self.q_to_pair(lo, hi, r);
                            self.store_ty(Type::I64, lo, at.clone());
                            self.store_ty(Type::I64, hi, at.offset(8));
                        }
                        _ => {
                            let n = (l.size - p.offset).min(8);
                            let t = self.vreg();
                            self.mv(t, r);
                            self.store_bytes(t, at, n);
                        }
                    }
                }
            }
            (Some(AbiType::Scalar(ty)), Some(res), _) => match self.vals[res.index()].clone() {
                VLoc::Pair(lo, hi) if *ty == Type::F128 => self.q_to_pair(lo, hi, V0),
                VLoc::Pair(lo, hi) => {
                    self.mv(lo, X0);
                    self.mv(hi, X1);
                }
                VLoc::Reg(d) if self.is_float_reg(d) => self.fmv(d, V0),
                VLoc::Reg(d) => self.mv(d, X0),
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
        if matches!(ret_info, Some(None)) {
            let r = self.vreg();
            self.mv(r, X8);
            self.sret_ptr = Some(r);
        }
        let mut st = ArgState::default();
        let params = f.blocks[0].params.clone();
        if params.len() != f.sig.params.len() {
            return Err(format!("{}: entry block has {} parameters but the signature {}", f.name, params.len(), f.sig.params.len()));
        }
        let mut infos = Vec::new();
        for t in &f.sig.params {
            infos.push(classify(&mut st, t, true));
        }
        if f.sig.variadic {
            // save the argument registers the named parameters left: x_i at
            // CFA-64+8i, q_i at CFA-192+16i (none under -mgeneral-regs-only)
            for i in st.gpr..8 {
                let m = Mem { base: Base::Incoming, off: -64 + 8 * i as i64 };
                self.store_ty(Type::I64, ARG_GPRS[i], m);
            }
            if self.opts.general_regs_only {
                // no v registers to save: va_start's __vr_offs is 0, as GCC's
                st.fpr = 8;
            }
            for i in st.fpr..8 {
                let m = Mem { base: Base::Incoming, off: -va_save_bytes(self.opts) + 16 * i as i64 };
                self.emit(Inst::Store { op: "str", w: W::Q, rs: ARG_FPRS[i], mem: m });
            }
            self.va = Some(VaInfo { stack: st.stack, gpr: st.gpr, fpr: st.fpr });
        }
        for ((p, t), info) in params.iter().zip(&f.sig.params).zip(&infos) {
            self.bind_param(*p, t, info)?;
        }
        Ok(())
    }

    /// Read one piece of an incoming argument into new registers (two for binary128).
    fn read_piece(&mut self, pc: &Piece) -> Vec<Reg> {
        let inc = |o: i64| Mem { base: Base::Incoming, off: o };
        match (pc.ty, pc.loc) {
            (Type::F128, Loc::Reg(q)) => {
                let (lo, hi) = (self.vreg(), self.vreg());
                self.q_to_pair(lo, hi, q);
                vec![lo, hi]
            }
            (Type::F128, Loc::Stack(o)) => {
                let (lo, hi) = (self.vreg(), self.vreg());
                self.load_ty(Type::I64, lo, inc(o));
                self.load_ty(Type::I64, hi, inc(o + 8));
                vec![lo, hi]
            }
            (Type::F32 | Type::F64, loc) => {
                let d = self.fvreg();
                match loc {
                    Loc::Reg(r) => self.fmv(d, r),
                    Loc::Stack(o) => self.load_ty(pc.ty, d, inc(o)),
                }
                vec![d]
            }
            (_, loc) => {
                let d = self.vreg();
                match loc {
                    Loc::Reg(r) => self.mv(d, r),
                    Loc::Stack(o) => self.load_ty(Type::I64, d, inc(o)),
                }
                vec![d]
            }
        }
    }

    fn bind_param(&mut self, p: Value, t: &AbiType, info: &ArgInfo) -> Result<(), String> {
        let regs: Vec<Vec<Reg>> = info.pieces.iter().map(|pc| self.read_piece(pc)).collect();
        match (t, self.vals[p.index()].clone()) {
            (AbiType::Aggregate(_), VLoc::Reg(d)) if info.by_ref => self.mv(d, regs[0][0]),
            (AbiType::Aggregate(l), VLoc::Reg(d)) => {
                let s = self.frame_slot(l.size.max(16).div_ceil(8) * 8, l.align.max(8));
                for (pc, rs) in info.pieces.iter().zip(&regs) {
                    let m = Mem::slot(s, pc.offset as i64);
                    match (pc.ty, rs.as_slice()) {
                        (Type::F32 | Type::F64, [r]) => self.store_ty(pc.ty, *r, m),
                        (_, [lo, hi]) => {
                            self.store_ty(Type::I64, *lo, m.clone());
                            self.store_ty(Type::I64, *hi, m.offset(8));
                        }
                        (_, [r]) => self.store_ty(Type::I64, *r, m),
                        _ => {}
                    }
                }
                self.emit(Inst::AddrOf { rd: d, mem: Mem::slot(s, 0) });
            }
            (_, VLoc::Pair(lo, hi)) => {
                let flat: Vec<Reg> = regs.concat();
                if let [l, h] = flat.as_slice() {
                    self.mv(lo, *l);
                    self.mv(hi, *h);
                }
            }
            (_, VLoc::Reg(d)) if regs.len() == 1 && regs[0].len() == 1 => self.copy(d, regs[0][0]),
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
                }
                (AbiType::Aggregate(l), Some(info)) => {
                    let addr = self.mem(v)?;
                    let srcs = self.aggregate_sources(addr, l.size, &info.pieces)?;
                    for (s, pc) in srcs.iter().zip(&info.pieces) {
                        self.place(s, pc.loc, &mut uses);
                    }
                }
                (AbiType::Scalar(_), Some(info)) => {
                    let srcs = self.arg_sources(v, rt, &info)?;
                    let locs: Vec<Loc> = if info.pieces.len() == 1 && srcs.len() == 2 {
                        vec![Loc::Reg(X0), Loc::Reg(X1)]
                    } else {
                        info.pieces.iter().map(|p| p.loc).collect()
                    };
                    for (s, loc) in srcs.iter().zip(locs) {
                        self.place(s, loc, &mut uses);
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
        let va = self.va.ok_or_else(|| format!("{}: va_start in a function without variadic parameters", self.f.name))?;
        let m = self.mem(ap)?;
        let inc = |o: i64| Mem { base: Base::Incoming, off: o };
        let (stack, gr_top, vr_top) = (self.vreg(), self.vreg(), self.vreg());
        self.emit(Inst::AddrOf { rd: stack, mem: inc(va.stack) });
        self.emit(Inst::AddrOf { rd: gr_top, mem: inc(0) });
        self.emit(Inst::AddrOf { rd: vr_top, mem: inc(-64) });
        self.store_ty(Type::I64, stack, m.clone());
        self.store_ty(Type::I64, gr_top, m.offset(8));
        self.store_ty(Type::I64, vr_top, m.offset(16));
        let (gr_offs, vr_offs) = (self.vreg(), self.vreg());
        self.li(gr_offs, -8 * (8 - va.gpr as i64));
        self.li(vr_offs, -16 * (8 - va.fpr as i64));
        self.store_ty(Type::I32, gr_offs, m.offset(24));
        self.store_ty(Type::I32, vr_offs, m.offset(28));
        Ok(())
    }

    pub(crate) fn lower_va_arg(&mut self, res: Value, ap: Value, ty: &AbiType) -> Result<(), String> {
        let m = self.mem(ap)?;
        let (size, align) = match ty {
            AbiType::Scalar(t) => (t.size() as u64, t.align() as u64),
            AbiType::Aggregate(l) => (l.size, l.align as u64),
        };
        // FP class: (member type, count); otherwise integer words
        let fp = match ty {
            AbiType::Scalar(t @ (Type::F32 | Type::F64 | Type::F128)) => Some((*t, 1usize)),
            AbiType::Aggregate(l) => hfa(l),
            _ => None,
        };
        if let (AbiType::Aggregate(l), VLoc::Reg(d)) = (ty, self.vals[res.index()].clone()) {
            if l.size == 0 {
                // empty structs take no argument space (as with gcc): nothing to read
                let s = self.frame_slot(0, 1);
                self.emit(Inst::AddrOf { rd: d, mem: Mem::slot(s, 0) });
                return Ok(());
            }
        }
        let by_ref = fp.is_none() && matches!(ty, AbiType::Aggregate(l) if l.force_memory || l.size > 16);
        let words = if by_ref { 1 } else { size.div_ceil(8).max(1) };
        let addr = self.vreg();
        let (stack_b, done) = (self.new_block(), self.new_block());
        let offs = self.vreg();
        let (offs_at, top_at, step) = match fp {
            Some((_, n)) => (28, 16, 16 * n as i64),
            None => (24, 8, 8 * words as i64),
        };
        self.emit(Inst::Load { op: "ldrsw", w: W::X, rd: offs, mem: m.offset(offs_at) });
        self.cmp_const(W::X, offs, 0);
        self.bcond("ge", stack_b);
        let regs_b = self.new_block();
        self.jump(regs_b);
        self.cur = regs_b;
        if fp.is_none() && align >= 16 && !by_ref {
            self.add_const(offs, offs, 15);
            self.and_const(offs, offs, -16);
        }
        let next = self.vreg();
        self.add_const(next, offs, step);
        self.store_ty(Type::I32, next, m.offset(offs_at));
        self.cmp_const(W::X, next, 0);
        self.bcond("gt", stack_b);
        let in_regs = self.new_block();
        self.jump(in_regs);
        self.cur = in_regs;
        let top = self.vreg();
        self.load_ty(Type::I64, top, m.offset(top_at));
        let a = self.vreg();
        self.r("add", W::X, a, top, offs);
        match fp {
            // members sit 16 bytes apart in the save area: gather them
            Some((et, n)) if n > 1 || matches!(ty, AbiType::Aggregate(_)) => {
                let esz = et.size() as i64;
                let s = self.frame_slot(size.max(16), 16);
                for i in 0..n as i64 {
                    for w in 0..(esz + 7) / 8 {
                        let t = self.vreg();
                        let lt = if esz == 4 { Type::I32 } else { Type::I64 };
                        self.load_ty(lt, t, Mem::reg(a, 16 * i + 8 * w));
                        self.store_ty(lt, t, Mem::slot(s, esz * i + 8 * w));
                    }
                }
                self.emit(Inst::AddrOf { rd: addr, mem: Mem::slot(s, 0) });
            }
            _ => self.mv(addr, a),
        }
        self.jump(done);
        self.cur = stack_b;
        let p = self.vreg();
        self.load_ty(Type::I64, p, m.clone());
        if align >= 16 && !by_ref {
            self.add_const(p, p, 15);
            self.and_const(p, p, -16);
        }
        self.mv(addr, p);
        let np = self.vreg();
        self.add_const(np, p, if by_ref { 8 } else { (size.div_ceil(8) * 8) as i64 });
        self.store_ty(Type::I64, np, m);
        self.jump(done);
        self.cur = done;
        match (ty, self.vals[res.index()].clone()) {
            (AbiType::Aggregate(_), VLoc::Reg(d)) if by_ref => self.load_ty(Type::I64, d, Mem::reg(addr, 0)),
            (AbiType::Aggregate(_), VLoc::Reg(d)) => self.mv(d, addr),
            (AbiType::Scalar(_), VLoc::Pair(lo, hi)) => {
                self.load_ty(Type::I64, lo, Mem::reg(addr, 0));
                self.load_ty(Type::I64, hi, Mem::reg(addr, 8));
            }
            (AbiType::Scalar(t), VLoc::Reg(d)) => self.load_ty(*t, d, Mem::reg(addr, 0)),
            _ => return Err(format!("{}: va_arg result without a home", self.f.name)),
        }
        Ok(())
    }
}
