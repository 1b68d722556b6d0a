//! Instruction selection: IR functions to RISC-V machine functions over
//! virtual registers. Integer values narrower than 64 bits may carry any
//! upper bits in a register; the consumers that care (compares, division,
//! right shifts, conversions, extensions, ABI boundaries) extend them.
//! Constants and slot addresses are materialised at their uses; a compare
//! used only by the branch ending its block becomes the branch.

use ccc_ir::{BinOp, Block, CastOp, CodegenOptions, Function, InstKind, Type, Value, ValueDef};

use super::inst::*;
pub use crate::codegen::lowering::{Isel2, VLoc};
use crate::codegen::lowering::{plan_switch, prepass, PrepassRules, SwitchPlan};
use crate::codegen::mir::{MBlock, MFunc, OpKind, Reg, RegClass};
use crate::codegen::module::{ConstPool, SymInfo};

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
    /// Variadic functions: frame-pointer offset of the first unnamed argument.
    pub va_start: Option<i64>,
    pub jt_count: u32,
    pub label_prefix: String,
    pub addr_taken: Vec<Block>,
    /// I32 block parameters whose every incoming value is sign-extended.
    pub sext_params: Vec<bool>,
}


pub use crate::codegen::lowering::{int_sz, is_signed_cc, sext};

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
            va_start: None,
            jt_count: 0,
            label_prefix: format!(".LBB{fn_index}_"),
            addr_taken: Vec::new(),
            sext_params: vec![false; f.values.len()],
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

    /// A copy within the register class of `rd`.
    pub fn copy(&mut self, rd: Reg, rs: Reg) {
        let float = if rd.is_virtual() { self.mf.class_of(rd) == RegClass::Float } else { is_fpr(rd) };
        if float {
            self.fmv(rd, rs)
        } else {
            self.mv(rd, rs)
        }
    }

    pub fn li(&mut self, rd: Reg, imm: i64) {
        self.emit(Inst::Li { rd, imm });
    }

    pub fn r(&mut self, op: &'static str, rd: Reg, rs1: Reg, rs2: Reg) {
        self.emit(Inst::R { op, rd, rs1, rs2 });
    }

    pub fn i(&mut self, op: &'static str, rd: Reg, rs1: Reg, imm: i64) {
        self.emit(Inst::I { op, rd, rs1, imm });
    }

    pub fn u(&mut self, op: &'static str, rd: Reg, rs: Reg) {
        self.emit(Inst::U { op, rd, rs, rm: "" });
    }

    /// `rd = rs + c` for any constant.
    pub fn add_const(&mut self, rd: Reg, rs: Reg, c: i64) {
        if fits12(c) {
            self.i("addi", rd, rs, c);
        } else {
            let k = self.vreg();
            self.li(k, c);
            self.r("add", rd, rs, k);
        }
    }

    pub fn frame_slot(&mut self, size: u64, align: u32) -> u32 {
        self.mf.frame.new_slot(size, align)
    }

    /// Sign-extend the low `sz` bytes of `r` into a new register.
    pub fn sext_reg(&mut self, r: Reg, sz: u8) -> Reg {
        if sz >= 8 || r == ZERO {
            return r;
        }
        let d = self.vreg();
        if sz == 4 {
            self.i("addiw", d, r, 0);
        } else {
            let sh = 64 - 8 * sz as i64;
            self.i("slli", d, r, sh);
            self.i("srai", d, d, sh);
        }
        d
    }

    /// Zero-extend the low `sz` bytes of `r` into a new register.
    pub fn zext_reg(&mut self, r: Reg, sz: u8) -> Reg {
        if sz >= 8 || r == ZERO {
            return r;
        }
        let d = self.vreg();
        if sz == 1 {
            self.i("andi", d, r, 255);
        } else {
            let sh = 64 - 8 * sz as i64;
            self.i("slli", d, r, sh);
            self.i("srli", d, d, sh);
        }
        d
    }

    /// Whether `v`'s register is known to hold its value sign-extended
    /// from `sz` bytes (results of W-form instructions, `lw`/`lh`, ABI values).
    fn known_sext(&self, v: Value, sz: u8) -> bool {
        if self.const_of(v).is_some() || self.sext_params[v.index()] {
            return true;
        }
        match self.def_inst(v) {
            Some(InstKind::Binary { op, ty: Type::I32, .. }) if sz == 4 => {
                !matches!(op, BinOp::And | BinOp::Or | BinOp::Xor)
            }
            Some(InstKind::Load { ty, .. }) => matches!((ty, sz), (Type::I32, 4) | (Type::I16, 2 | 4)),
            Some(InstKind::Cast { op: CastOp::Sext, to, .. }) => int_sz(*to) == sz,
            Some(InstKind::Cast { op: CastOp::Zext, from, to, .. }) => int_sz(*to) == sz && int_sz(*from) < sz,
            Some(InstKind::Icmp { .. } | InstKind::Fcmp { .. }) => true,
            Some(InstKind::Call { .. }) => sz == 4 && self.ty(v) == Type::I32,
            _ => false,
        }
    }

    /// Whether `v`'s register is known to hold its value zero-extended.
    fn known_zext(&self, v: Value, sz: u8) -> bool {
        if let Some(c) = self.const_of(v) {
            return c >= 0;
        }
        match self.def_inst(v) {
            Some(InstKind::Load { ty: Type::I8, .. }) => sz == 1,
            Some(InstKind::Cast { op: CastOp::Zext, to, .. }) => int_sz(*to) == sz,
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
                if c == 0 {
                    return Ok(ZERO);
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

    /// An integer register holding `v` that may be written (never x0).
    pub fn reg_nz(&mut self, v: Value) -> Result<Reg, String> {
        let r = self.reg(v)?;
        if r == ZERO {
            let d = self.vreg();
            self.li(d, 0);
            return Ok(d);
        }
        Ok(r)
    }

    fn fconst_reg(&mut self, t: Type, bits: u128) -> Result<Reg, String> {
        let r = self.fvreg();
        let k = if bits == 0 { ZERO } else { self.vreg() };
        match t {
            Type::F32 => {
                if bits != 0 {
                    self.li(k, bits as u32 as i32 as i64);
                }
                self.u("fmv.w.x", r, k);
            }
            Type::F64 => {
                if bits != 0 {
                    self.li(k, bits as u64 as i64);
                }
                self.u("fmv.d.x", r, k);
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
            _ => ZERO,
        }
    }

    pub fn out_pair(&self, v: Value) -> (Reg, Reg) {
        match self.vals[v.index()] {
            VLoc::Pair(a, b) => (a, b),
            _ => (ZERO, ZERO),
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
        // PIE: symbols of other objects may live in shared libraries
        if self.opts.pie && !self.syms.is_defined(name) {
            return SymKind::Got;
        }
        SymKind::Local
    }

    // ---------------------------------------------------------------- pre-pass

    /// Find the I32 block parameters that always hold sign-extended words:
    /// entry parameters (the ABI extends them) and parameters all of whose
    /// incoming values are (optimistic fixpoint, removing counterexamples).
    fn find_sext_params(&mut self) {
        let f = self.f;
        for &b in &f.layout {
            for &p in &f.blocks[b.index()].params {
                self.sext_params[p.index()] = self.ty(p) == Type::I32;
            }
        }
        let mut changed = true;
        let mut rounds = 0;
        while changed && rounds < 8 {
            changed = false;
            rounds += 1;
            for &b in &f.layout {
                let Some(last) = f.blocks[b.index()].insts.last() else { continue };
                let calls: Vec<&ccc_ir::BlockCall> = match &last.kind {
                    InstKind::Jump(bc) => vec![bc],
                    InstKind::Branch { then_dest, else_dest, .. } => vec![then_dest, else_dest],
                    _ => vec![],
                };
                for bc in calls {
                    let params = &f.blocks[bc.block.index()].params;
                    for (&a, &p) in bc.args.iter().zip(params) {
                        if self.sext_params[p.index()] && !self.known_sext(a, 4) {
                            self.sext_params[p.index()] = false;
                            changed = true;
                        }
                    }
                }
            }
        }
        // blocks entered other ways (switch, indirect jumps) pass no arguments
        if changed {
            self.sext_params.iter_mut().for_each(|s| *s = false);
        }
        for &p in &f.blocks[f.layout[0].index()].params {
            self.sext_params[p.index()] = self.ty(p) == Type::I32;
        }
    }

    fn prepass(&mut self) -> Result<(), String> {
        let rules = PrepassRules {
            addr_offset_fits: |c| fits12(c) && fits12(-c),
            foldable_cmp: |k| matches!(k, InstKind::Icmp { ty, .. } if *ty != Type::I128),
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
        self.find_sext_params();
        self.cur = 0;
        self.lower_entry()?;
        for &b in &f.layout {
            self.cur = self.mblock(b);
            for inst in crate::codegen::lowering::lowered_insts(&f.blocks[b.index()].insts) {
                self.lower_inst(inst.result, &inst.kind)?;
            }
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
                    let m = self.vreg();
                    self.li(m, -a);
                    self.r("and", d, d, m);
                }
            }
            BlockAddr { block } => {
                let d = self.out(res);
                let sym = format!(".Lba.{}.{}", self.f.name, block.0);
                self.emit(Inst::La { rd: d, sym, off: 0, kind: SymKind::Local });
            }
            GlobalAddr { name, offset } => {
                let d = self.out(res);
                let kind = self.sym_kind(name);
                self.emit(Inst::La { rd: d, sym: name.clone(), off: *offset, kind });
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
                let d = self.out(res);
                self.fcmp_set(d, *cc, *ty, *lhs, *rhs)?;
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
            AtomicLoad { ty, ptr, .. } => {
                if int_sz(*ty) > 8 {
                    return Err(format!("{}: 128-bit atomic loads are not supported", self.f.name));
                }
                self.text("fence\trw, rw".into(), vec![]);
                let m = self.mem(*ptr)?;
                self.load(*ty, m, res)?;
                self.text("fence\tr, rw".into(), vec![]);
            }
            AtomicStore { ty, ptr, value, .. } => {
                if int_sz(*ty) > 8 {
                    return Err(format!("{}: 128-bit atomic stores are not supported", self.f.name));
                }
                self.text("fence\trw, w".into(), vec![]);
                let m = self.mem(*ptr)?;
                self.store(*ty, *value, m)?;
                self.text("fence\trw, rw".into(), vec![]);
            }
            AtomicRmw { op, ty, ptr, value, .. } => self.lower_rmw(res, *op, *ty, *ptr, *value)?,
            AtomicCmpXchg { ty, ptr, expected, desired, .. } => self.lower_cmpxchg(res, *ty, *ptr, *expected, *desired)?,
            Fence { .. } => self.text("fence\trw, rw".into(), vec![]),
            VaStart { ap } => self.lower_va_start(*ap)?,
            VaArg { ap, ty } => self.lower_va_arg(res, *ap, ty)?,
            VaCopy { dst, src } => {
                let (d, s) = (self.mem(*dst)?, self.mem(*src)?);
                self.copy_mem(d, s, 8, 8)?
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
                    self.emit(Inst::Load { op: "ld", rd: d, mem: Mem::reg(d, -16) });
                }
            }
            ReturnAddress { level } => {
                let d = self.out(res);
                self.mv(d, FP);
                for _ in 0..*level {
                    self.emit(Inst::Load { op: "ld", rd: d, mem: Mem::reg(d, -16) });
                }
                self.emit(Inst::Load { op: "ld", rd: d, mem: Mem::reg(d, -8) });
            }
            InlineAsm(a) => self.lower_inline_asm(a)?,
            Jump(bc) => {
                self.edge(bc)?;
            }
            Branch { cond, cond_ty, then_dest, else_dest } => {
                let t = self.edge_target(then_dest)?;
                let e = self.edge_target(else_dest)?;
                self.branch(*cond, *cond_ty, t)?;
                self.emit(Inst::J { target: e });
                self.add_succ(t);
                self.add_succ(e);
            }
            Switch { value, ty, cases, default } => self.lower_switch(*value, *ty, cases, *default)?,
            IndirectJump { addr, targets } => {
                let a = self.reg(*addr)?;
                self.emit(Inst::Jr { rs: a });
                for t in targets {
                    let mb = self.mblock(*t);
                    self.add_succ(mb);
                }
            }
            NonlocalGoto { frame, stack, target } => {
                let (fr, st, tg) = (self.reg(*frame)?, self.reg(*stack)?, self.reg(*target)?);
                self.text("mv\tt6, {2}\n\tmv\tsp, {1}\n\tmv\ts0, {0}\n\tjr\tt6".into(), vec![(fr, OpKind::Use), (st, OpKind::Use), (tg, OpKind::Use)]);
            }
            Return { value } => self.lower_return(*value)?,
            Unreachable | Trap => self.text("ebreak".into(), vec![]),
        }
        Ok(())
    }

    fn lower_tls(&mut self, res: Value, name: &str, offset: i64) -> Result<(), String> {
        let d = self.out(res);
        if self.opts.pic {
            // general dynamic: __tls_get_addr(GOT entry)
            self.text(format!("la.tls.gd\t{{0}}, {name}"), vec![(A0, OpKind::Def)]);
            self.emit(Inst::Call { target: CallTarget::Sym("__tls_get_addr@plt".into()), uses: vec![A0], defs: vec![A0] });
            self.mv(d, A0);
            if offset != 0 {
                self.add_const(d, d, offset);
            }
            return Ok(());
        }
        let kind = if self.syms.is_defined(name) { SymKind::TlsLe } else { SymKind::TlsIe };
        self.emit(Inst::La { rd: d, sym: name.to_string(), off: offset, kind });
        Ok(())
    }

    fn lower_dynalloca(&mut self, res: Value, size: Value, align: u32) -> Result<(), String> {
        let s = self.reg(size)?;
        let t = self.vreg();
        let a = align.max(16) as i64;
        // room for the size rounded to 16, plus the alignment slack beyond 16
        self.add_const(t, s, 15);
        self.i("andi", t, t, -16);
        if a > 16 {
            self.add_const(t, t, a);
        }
        let m = self.vreg();
        self.li(m, -a);
        self.r("sub", SP, SP, t);
        let d = self.out(res);
        self.emit(Inst::AddrOf { rd: d, mem: Mem { base: Base::SpOut, off: a - 1 } });
        if a > 16 {
            self.r("and", d, d, m);
        } else {
            self.i("andi", d, d, -16);
        }
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
                    let s = self.reg(a)?;
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
        self.emit(Inst::J { target: t });
        self.add_succ(t);
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

    /// Branch to `t` when `cond` is true (falls through otherwise).
    pub fn branch(&mut self, cond: Value, cond_ty: Type, t: u32) -> Result<(), String> {
        if self.folded[cond.index()] {
            if let Some(InstKind::Icmp { cc, ty, lhs, rhs }) = self.def_inst(cond) {
                let (op, a, b) = self.icmp_operands(*cc, *ty, *lhs, *rhs)?;
                self.emit(Inst::Br { op, rs1: a, rs2: b, target: t });
                return Ok(());
            }
        }
        let r = self.nonzero_reg(cond, cond_ty)?;
        self.emit(Inst::Br { op: "bne", rs1: r, rs2: ZERO, target: t });
        Ok(())
    }

    /// A register that is non-zero exactly when `v` (of type `t`) is.
    pub fn nonzero_reg(&mut self, v: Value, t: Type) -> Result<Reg, String> {
        match t {
            Type::I128 => {
                let (lo, hi) = self.pair(v)?;
                let d = self.vreg();
                self.r("or", d, lo, hi);
                Ok(d)
            }
            t if t.is_float() => Err(format!("{}: branch on a floating-point condition", self.f.name)),
            t => self.zext_val(v, int_sz(t)),
        }
    }

    fn lower_select(&mut self, res: Value, ty: Type, cond: Value, cond_ty: Type, a: Value, b: Value) -> Result<(), String> {
        let c = self.nonzero_reg(cond, cond_ty)?;
        let join = self.new_block();
        let other = self.new_block();
        match self.vals[res.index()].clone() {
            VLoc::Pair(dl, dh) => {
                let (al, ah) = self.pair(a)?;
                let (bl, bh) = self.pair(b)?;
                self.mv(dl, al);
                self.mv(dh, ah);
                self.emit(Inst::Br { op: "bne", rs1: c, rs2: ZERO, target: join });
                self.emit(Inst::J { target: other });
                self.add_succ(join);
                self.add_succ(other);
                self.cur = other;
                self.mv(dl, bl);
                self.mv(dh, bh);
            }
            VLoc::Reg(d) => {
                let (ra, rb) = (self.reg(a)?, self.reg(b)?);
                self.copy(d, ra);
                self.emit(Inst::Br { op: "bne", rs1: c, rs2: ZERO, target: join });
                self.emit(Inst::J { target: other });
                self.add_succ(join);
                self.add_succ(other);
                self.cur = other;
                self.copy(d, rb);
            }
            _ => return Err(format!("{}: select of {ty}", self.f.name)),
        }
        self.emit(Inst::J { target: join });
        self.add_succ(join);
        self.cur = join;
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
                self.r("xor", t, t, lo);
                self.r("xor", u, u, hi);
                self.r("or", t, t, u);
                let mb = self.mblock(b);
                self.emit(Inst::Br { op: "beq", rs1: t, rs2: ZERO, target: mb });
                self.add_succ(mb);
            }
            self.emit(Inst::J { target: def });
            self.add_succ(def);
            return Ok(());
        }
        let bits = ty.bits();
        let cs: Vec<(i64, u32)> = cases.iter().map(|&(c, b)| (sext(c, bits) as i64, self.mblock(b))).collect();
        let v = self.sext_val(value, int_sz(ty))?;
        match plan_switch(cs, def) {
            SwitchPlan::Table { min, targets } => {
                let idx = self.vreg();
                self.add_const(idx, v, (-(min as i128)) as i64);
                let k = self.vreg();
                self.li(k, targets.len() as i64 - 1);
                self.emit(Inst::Br { op: "bltu", rs1: k, rs2: idx, target: def });
                self.add_succ(def);
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
                let k = if c == 0 { ZERO } else { self.vreg() };
                if c != 0 {
                    self.li(k, c);
                }
                self.emit(Inst::Br { op: "beq", rs1: v, rs2: k, target: b });
                self.add_succ(b);
            }
            self.emit(Inst::J { target: def });
            self.add_succ(def);
            return;
        }
        let mid = cs.len() / 2;
        let k = self.vreg();
        self.li(k, cs[mid].0);
        let hi = self.new_block();
        self.emit(Inst::Br { op: "bge", rs1: v, rs2: k, target: hi });
        self.add_succ(hi);
        let lo = self.new_block();
        self.emit(Inst::J { target: lo });
        self.add_succ(lo);
        self.cur = lo;
        self.switch_tree(v, &cs[..mid], def);
        self.cur = hi;
        self.switch_tree(v, &cs[mid..], def);
    }

    /// Unsupported source types give an error naming the function.
    pub fn unsupported<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{}: {what} is not supported on riscv64 yet", self.f.name))
    }
}

/// Whether a cast is a plain register copy on RV64 (upper bits are free).
pub fn is_nop_cast(op: CastOp, from: Type, to: Type) -> bool {
    match op {
        CastOp::Trunc => to != Type::I128 && from != Type::I128,
        CastOp::Bitcast => from.is_int() && to.is_int() && from != Type::I128,
        _ => false,
    }
}

/// Registers for a value of type `t`: a float register, an integer pair
/// for 128-bit values, or an integer register.
fn home(mf: &mut MFunc<Inst>, t: Type) -> Result<VLoc, String> {
    Ok(match t {
        Type::F32 | Type::F64 => VLoc::Reg(mf.new_vreg(RegClass::Float)),
        Type::I128 | Type::F128 => VLoc::Pair(mf.new_vreg(RegClass::Int), mf.new_vreg(RegClass::Int)),
        Type::F80 => return Err("x87 long double on RISC-V".into()),
        _ => VLoc::Reg(mf.new_vreg(RegClass::Int)),
    })
}
