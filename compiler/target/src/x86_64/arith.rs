//! Instruction selection for arithmetic, conversions, memory access and
//! atomics.

use ccc_ir::{BinOp, CastOp, RmwOp, Type, UnOp, Value};

use super::calls::{LArg, LRet};
use super::inst::*;
use super::isel::{dword, dword_libcall, int_sz, is_scalar_int, sext, wbits, Cond, Isel, VLoc};
use crate::codegen::mir::{OpKind, Reg};

fn fits_i32(v: i64) -> bool {
    v as i32 as i64 == v
}

fn op_sz(t: Type) -> u8 {
    if int_sz(t) == 8 {
        8
    } else {
        4
    }
}

const FABS_MASK_D: u64 = 0x8000_0000_0000_0000;

impl Isel<'_> {
    pub(crate) fn alu(&mut self, op: AluOp, sz: u8, src: Opnd, d: Reg) {
        self.emit(Inst::Alu { op, sz, src, dst: Opnd::Reg(d) });
    }

    pub(crate) fn lower_binary(&mut self, res: Value, op: BinOp, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        match ty {
            t if t == dword() => return self.binary128(res, op, lhs, rhs),
            Type::F32 | Type::F64 => {
                // a constant operand is read straight from the constant pool
                let (lhs, rhs) = if matches!(op, BinOp::FAdd | BinOp::FMul) && matches!(self.vals[lhs.index()], VLoc::FConst(..)) {
                    (rhs, lhs)
                } else {
                    (lhs, rhs)
                };
                let a = self.reg(lhs)?;
                let b = match self.vals[rhs.index()] {
                    VLoc::FConst(t, bits) if bits != 0 && t == ty => {
                        let dbl = ty == Type::F64;
                        let bytes = if dbl { (bits as u64).to_le_bytes().to_vec() } else { (bits as u32).to_le_bytes().to_vec() };
                        let l = self.consts.get(&bytes, bytes.len() as u32);
                        Opnd::Mem(Amode::rip(l, 0))
                    }
                    _ => Opnd::Reg(self.reg(rhs)?),
                };
                let d = self.out(res);
                let name = match op {
                    BinOp::FAdd => "add",
                    BinOp::FSub => "sub",
                    BinOp::FMul => "mul",
                    BinOp::FDiv => "div",
                    _ => return Err(format!("integer operation {op:?} on {ty}")),
                };
                self.fmov_rr(a, d);
                self.emit(Inst::SseOp { op: name, dbl: ty == Type::F64, src: b, dst: d });
                return Ok(());
            }
            Type::F128 => return self.binary_f128(res, op, lhs, rhs),
            Type::F80 => {
                let a = self.f80(lhs)?;
                let b = self.f80(rhs)?;
                let d = self.out_mem(res);
                let t = match op {
                    BinOp::FAdd => "fldt\t{0}\n\tfldt\t{1}\n\tfaddp\t%st, %st(1)\n\tfstpt\t{2}",
                    BinOp::FSub => "fldt\t{0}\n\tfldt\t{1}\n\tfsubrp\t%st, %st(1)\n\tfstpt\t{2}",
                    BinOp::FMul => "fldt\t{0}\n\tfldt\t{1}\n\tfmulp\t%st, %st(1)\n\tfstpt\t{2}",
                    BinOp::FDiv => "fldt\t{0}\n\tfldt\t{1}\n\tfdivrp\t%st, %st(1)\n\tfstpt\t{2}",
                    _ => return Err(format!("integer operation {op:?} on f80")),
                };
                self.text(t, vec![(Opnd::Mem(a), OpKind::Use), (Opnd::Mem(b), OpKind::Use), (Opnd::Mem(d), OpKind::Use)]);
                return Ok(());
            }
            t if !is_scalar_int(t) => return Err(format!("arithmetic on {t} is not supported on x86-64")),
            _ => {}
        }
        let d = self.out(res);
        let sz = op_sz(ty);
        let (mut lhs, mut rhs) = (lhs, rhs);
        let commutative = matches!(op, BinOp::Add | BinOp::Mul | BinOp::And | BinOp::Or | BinOp::Xor);
        if commutative && self.const_of(lhs).is_some() && self.const_of(rhs).is_none() {
            std::mem::swap(&mut lhs, &mut rhs);
        }
        if commutative && matches!(self.vals[lhs.index()], VLoc::Load(..)) && self.const_of(rhs).is_none() {
            std::mem::swap(&mut lhs, &mut rhs);
        }
        // an add of a scaled index is a lea (the multiply was folded into it)
        let scaled_add = op == BinOp::Add && self.scaled_operand(lhs, rhs).is_some_and(|(_, m, _, _)| self.folded[m.index()]);
        // x op load: the load is a memory operand
        if !scaled_add && matches!(self.vals[rhs.index()], VLoc::Load(..)) && matches!(op, BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Mul) {
            let a = self.reg(lhs)?;
            let b = self.opnd_sz(rhs, sz)?;
            self.mov_rr(a, d);
            match op {
                BinOp::Mul => self.emit(Inst::Imul { sz, src: b, dst: d }),
                _ => {
                    let o = match op {
                        BinOp::Add => AluOp::Add,
                        BinOp::Sub => AluOp::Sub,
                        BinOp::And => AluOp::And,
                        BinOp::Or => AluOp::Or,
                        _ => AluOp::Xor,
                    };
                    self.alu(o, sz, b, d);
                }
            }
            return Ok(());
        }
        match op {
            BinOp::Add if sz == 8 && self.scaled_operand(lhs, rhs).is_some_and(|(_, m, _, _)| self.folded[m.index()]) => {
                let Some((base, _, x, sc)) = self.scaled_operand(lhs, rhs) else { return Err("lost scaled operand".into()) };
                let a = self.reg(base)?;
                let i = self.reg(x)?;
                self.emit(Inst::Lea { mem: Amode { base: Base::Reg(a), index: Some((i, sc)), disp: 0, sym: None, fs: false }, dst: d });
            }
            BinOp::Add | BinOp::Sub => {
                let a = self.reg(lhs)?;
                let c = self.const_of(rhs).map(|c| if op == BinOp::Sub { -c } else { c });
                match c {
                    Some(c) if fits_i32(c as i64) && (c as i64) != i32::MIN as i64 => {
                        self.emit(Inst::Lea { mem: Amode::reg(a, c as i64), dst: d });
                    }
                    _ if op == BinOp::Add => {
                        let b = self.reg(rhs)?;
                        self.emit(Inst::Lea { mem: Amode { base: Base::Reg(a), index: Some((b, 1)), disp: 0, sym: None, fs: false }, dst: d });
                    }
                    _ => {
                        let b = self.opnd(rhs)?;
                        self.mov_rr(a, d);
                        self.alu(AluOp::Sub, sz, b, d);
                    }
                }
            }
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let a = self.reg(lhs)?;
                let b = self.opnd(rhs)?;
                self.mov_rr(a, d);
                let o = match op {
                    BinOp::And => AluOp::And,
                    BinOp::Or => AluOp::Or,
                    _ => AluOp::Xor,
                };
                self.alu(o, sz, b, d);
            }
            BinOp::Mul => {
                let a = self.reg(lhs)?;
                match self.opnd(rhs)? {
                    Opnd::Imm(c) => {
                        if c > 0 && (c as u64).is_power_of_two() {
                            self.mov_rr(a, d);
                            self.emit(Inst::Shift { op: "shl", sz, amt: Some(c.trailing_zeros() as u8), dst: d });
                        } else {
                            self.emit(Inst::Imul3 { sz, src: Opnd::Reg(a), imm: c as i32, dst: d });
                        }
                    }
                    b => {
                        self.mov_rr(a, d);
                        self.emit(Inst::Imul { sz, src: b, dst: d });
                    }
                }
            }
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => self.divide(d, op, ty, lhs, rhs)?,
            BinOp::Shl | BinOp::LShr | BinOp::AShr => {
                let (name, ssz) = match op {
                    BinOp::Shl => ("shl", sz),
                    BinOp::LShr => ("shr", int_sz(ty)),
                    _ => ("sar", int_sz(ty)),
                };
                let a = self.reg(lhs)?;
                match self.const_of(rhs) {
                    Some(c) => {
                        self.mov_rr(a, d);
                        let n = (c as u32 & (ty.bits() - 1)) as u8;
                        if n != 0 {
                            self.emit(Inst::Shift { op: name, sz: ssz, amt: Some(n), dst: d });
                        }
                    }
                    None => {
                        let b = self.reg(rhs)?;
                        self.mov_rr(b, RCX);
                        self.mov_rr(a, d);
                        self.emit(Inst::Shift { op: name, sz: ssz, amt: None, dst: d });
                    }
                }
            }
            _ => return Err(format!("float operation {op:?} on {ty}")),
        }
        Ok(())
    }

    fn divide(&mut self, d: Reg, op: BinOp, ty: Type, lhs: Value, rhs: Value) -> Result<(), String> {
        let d_out = d;
        let signed = matches!(op, BinOp::SDiv | BinOp::SRem);
        let rem = matches!(op, BinOp::SRem | BinOp::URem);
        let sz = int_sz(ty);
        // unsigned by a power of two: shift or mask
        if !signed {
            if let Some(c) = self.const_of(rhs) {
                let c = (c as u128) & (u128::MAX >> (128 - ty.bits()));
                if c.is_power_of_two() && c <= (1u128 << 31) {
                    let a = self.reg(lhs)?;
                    self.mov_rr(a, d);
                    if rem {
                        self.alu(AluOp::And, op_sz(ty), Opnd::Imm(c as i64 - 1), d);
                    } else if c > 1 {
                        self.emit(Inst::Shift { op: "shr", sz, amt: Some(c.trailing_zeros() as u8), dst: d });
                    }
                    return Ok(());
                }
            }
        }
        let dsz = op_sz(ty);
        if let Some(c) = self.const_of(rhs) {
            let bits = ty.bits();
            let d = if signed { c as i64 } else { ((c as u128) & (u128::MAX >> (128 - bits))) as i64 };
            // (The multiply-high sequences compute 32-bit quotients in 64-bit
            // registers: not in the i386 mode.)
            let ok = !i386() && if signed { d != 0 && d != 1 && d != -1 && d != i64::MIN && (dsz == 8 || d != i32::MIN as i64) } else { d as u64 >= 2 };
            if ok {
                let a = self.reg(lhs)?;
                let x = if sz < 4 {
                    let w = self.vreg();
                    let ext = match (signed, sz) {
                        (true, 1) => "movsbl",
                        (true, _) => "movswl",
                        (false, 1) => "movzbl",
                        (false, _) => "movzwl",
                    };
                    self.emit(Inst::MovX { op: ext, src: Opnd::Reg(a), dst: w });
                    w
                } else {
                    a
                };
                self.div_by_const(x, d, dsz, signed, rem, d_out);
                return Ok(());
            }
        }
        let mut a = self.reg(lhs)?;
        let mut b = self.reg(rhs)?;
        if sz < 4 {
            let ext = match (signed, sz) {
                (true, 1) => "movsbl",
                (true, _) => "movswl",
                (false, 1) => "movzbl",
                (false, _) => "movzwl",
            };
            let (na, nb) = (self.vreg(), self.vreg());
            self.emit(Inst::MovX { op: ext, src: Opnd::Reg(a), dst: na });
            self.emit(Inst::MovX { op: ext, src: Opnd::Reg(b), dst: nb });
            a = na;
            b = nb;
        }
        self.mov_rr(a, RAX);
        if signed {
            self.emit(Inst::Cext { sz: dsz });
        } else {
            self.mov(4, Opnd::Imm(0), Opnd::Reg(RDX));
        }
        self.emit(Inst::Div { signed, sz: dsz, src: Opnd::Reg(b) });
        self.mov_rr(if rem { RDX } else { RAX }, d);
        Ok(())
    }

    fn binary128(&mut self, res: Value, op: BinOp, lhs: Value, rhs: Value) -> Result<(), String> {
        let (dl, dh) = self.out_pair(res);
        let (al, ah) = self.pair(lhs)?;
        match op {
            BinOp::Add | BinOp::Sub | BinOp::And | BinOp::Or | BinOp::Xor => {
                let (bl, bh) = self.pair(rhs)?;
                let (o1, o2) = match op {
                    BinOp::Add => (AluOp::Add, AluOp::Adc),
                    BinOp::Sub => (AluOp::Sub, AluOp::Sbb),
                    BinOp::And => (AluOp::And, AluOp::And),
                    BinOp::Or => (AluOp::Or, AluOp::Or),
                    _ => (AluOp::Xor, AluOp::Xor),
                };
                self.mov_rr(al, dl);
                self.mov_rr(ah, dh);
                self.alu(o1, 8, Opnd::Reg(bl), dl);
                self.alu(o2, 8, Opnd::Reg(bh), dh);
            }
            BinOp::Mul => {
                let (bl, bh) = self.pair(rhs)?;
                self.mul128((al, ah), (bl, bh), (dl, dh));
            }
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => {
                let (bl, bh) = self.pair(rhs)?;
                let name = match op {
                    BinOp::SDiv => "__divti3",
                    BinOp::UDiv => "__udivti3",
                    BinOp::SRem => "__modti3",
                    _ => "__umodti3",
                };
                self.libcall(&dword_libcall(name), &[LArg::P(al, ah), LArg::P(bl, bh)], LRet::P(dl, dh))?;
            }
            BinOp::Shl | BinOp::LShr | BinOp::AShr => {
                self.mov_rr(al, dl);
                self.mov_rr(ah, dh);
                if let Some(c) = self.const_of(rhs) {
                    let c = (c as u32 & (2 * wbits() - 1)) as u8;
                    self.shift128_const(op, c, dl, dh);
                } else if i386() {
                    let (bl, _) = self.pair(rhs)?;
                    self.mov_rr(bl, RCX);
                    let t = match op {
                        BinOp::Shl => "shldl\t%cl, {0}, {1}\n\tshll\t%cl, {0}\n\ttestb\t$32, %cl\n\tje\t1f\n\tmovl\t{0}, {1}\n\txorl\t{0}, {0}\n1:",
                        BinOp::LShr => "shrdl\t%cl, {1}, {0}\n\tshrl\t%cl, {1}\n\ttestb\t$32, %cl\n\tje\t1f\n\tmovl\t{1}, {0}\n\txorl\t{1}, {1}\n1:",
                        _ => "shrdl\t%cl, {1}, {0}\n\tsarl\t%cl, {1}\n\ttestb\t$32, %cl\n\tje\t1f\n\tmovl\t{1}, {0}\n\tsarl\t$31, {1}\n1:",
                    };
                    self.text(t, vec![(Opnd::Reg(dl), OpKind::UseDef), (Opnd::Reg(dh), OpKind::UseDef), (Opnd::Reg(RCX), OpKind::Use)]);
                } else {
                    let (bl, _) = self.pair(rhs)?;
                    self.mov_rr(bl, RCX);
                    let t = match op {
                        BinOp::Shl => "shldq\t%cl, {0}, {1}\n\tshlq\t%cl, {0}\n\ttestb\t$64, %cl\n\tje\t1f\n\tmovq\t{0}, {1}\n\txorl\t{0l}, {0l}\n1:",
                        BinOp::LShr => "shrdq\t%cl, {1}, {0}\n\tshrq\t%cl, {1}\n\ttestb\t$64, %cl\n\tje\t1f\n\tmovq\t{1}, {0}\n\txorl\t{1l}, {1l}\n1:",
                        _ => "shrdq\t%cl, {1}, {0}\n\tsarq\t%cl, {1}\n\ttestb\t$64, %cl\n\tje\t1f\n\tmovq\t{1}, {0}\n\tsarq\t$63, {1}\n1:",
                    };
                    self.text(t, vec![(Opnd::Reg(dl), OpKind::UseDef), (Opnd::Reg(dh), OpKind::UseDef), (Opnd::Reg(RCX), OpKind::Use)]);
                }
            }
            _ => return Err(format!("float operation {op:?} on i128")),
        }
        Ok(())
    }

    /// Low 128 bits of a 128x128 product.
    fn mul128(&mut self, (al, ah): (Reg, Reg), (bl, bh): (Reg, Reg), (dl, dh): (Reg, Reg)) {
        {
            {
                let (t1, t2) = (self.vreg(), self.vreg());
                self.mov_rr(al, t1);
                self.emit(Inst::Imul { sz: 8, src: Opnd::Reg(bh), dst: t1 });
                self.mov_rr(ah, t2);
                self.emit(Inst::Imul { sz: 8, src: Opnd::Reg(bl), dst: t2 });
                self.alu(AluOp::Add, 8, Opnd::Reg(t2), t1);
                self.mov_rr(al, RAX);
                self.emit(Inst::MulWide { signed: false, sz: 8, src: Opnd::Reg(bl) });
                self.mov_rr(RAX, dl);
                self.mov_rr(RDX, dh);
                self.alu(AluOp::Add, 8, Opnd::Reg(t1), dh);
            }
        }
    }

    /// Overflow flag of a 128-bit multiplication: the product divided by `a`
    /// must give back `b` (with `-1 * MIN` special-cased).
    fn mul128_overflow(&mut self, d: Reg, signed: bool, a: (Reg, Reg), b: (Reg, Reg)) -> Result<(), String> {
        let (rl, rh) = (self.vreg(), self.vreg());
        self.mul128(a, b, (rl, rh));
        let done = self.new_block();
        let div_blk = self.new_block();
        self.mov(4, Opnd::Imm(0), Opnd::Reg(d));
        let t = self.vreg();
        self.mov_rr(a.0, t);
        self.alu(AluOp::Or, 8, Opnd::Reg(a.1), t);
        self.emit(Inst::Jcc { cc: Cc::E, target: done });
        self.add_succ(done);
        if signed {
            let minus1 = self.new_block();
            let u = self.vreg();
            self.mov_rr(a.0, u);
            self.alu(AluOp::And, 8, Opnd::Reg(a.1), u);
            self.emit(Inst::Cmp { sz: 8, src: Opnd::Imm(-1), dst: Opnd::Reg(u) });
            self.emit(Inst::Jcc { cc: Cc::Ne, target: div_blk });
            self.add_succ(div_blk);
            self.emit(Inst::Jmp { target: minus1 });
            self.add_succ(minus1);
            self.cur = minus1;
            let k = self.vreg();
            self.load_imm(if i386() { i64::from(i32::MIN) } else { i64::MIN }, k);
            self.alu(AluOp::Xor, 8, Opnd::Reg(b.1), k);
            self.alu(AluOp::Or, 8, Opnd::Reg(b.0), k);
            self.emit(Inst::Setcc { cc: Cc::E, dst: d });
            self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(d), dst: d });
            self.emit(Inst::Jmp { target: done });
            self.add_succ(done);
        } else {
            self.emit(Inst::Jmp { target: div_blk });
            self.add_succ(div_blk);
        }
        self.cur = div_blk;
        let (ql, qh) = (self.vreg(), self.vreg());
        self.libcall(&dword_libcall(if signed { "__divti3" } else { "__udivti3" }), &[LArg::P(rl, rh), LArg::P(a.0, a.1)], LRet::P(ql, qh))?;
        self.alu(AluOp::Xor, 8, Opnd::Reg(b.0), ql);
        self.alu(AluOp::Xor, 8, Opnd::Reg(b.1), qh);
        self.alu(AluOp::Or, 8, Opnd::Reg(qh), ql);
        self.emit(Inst::Setcc { cc: Cc::Ne, dst: d });
        self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(d), dst: d });
        self.emit(Inst::Jmp { target: done });
        self.add_succ(done);
        self.cur = done;
        Ok(())
    }

    fn shift128_const(&mut self, op: BinOp, c: u8, dl: Reg, dh: Reg) {
        if c == 0 {
            return;
        }
        let w = wbits() as u8;
        match op {
            BinOp::Shl if c >= w => {
                self.mov_rr(dl, dh);
                if c > w {
                    self.emit(Inst::Shift { op: "shl", sz: 8, amt: Some(c - w), dst: dh });
                }
                self.mov(4, Opnd::Imm(0), Opnd::Reg(dl));
            }
            BinOp::Shl => {
                self.emit(Inst::Text(Box::new(Text {
                    tmpl: if i386() { "shldl\t{2}, {0}, {1}" } else { "shldq\t{2}, {0}, {1}" },
                    ops: vec![(Opnd::Reg(dl), OpKind::Use), (Opnd::Reg(dh), OpKind::UseDef), (Opnd::Imm(c as i64), OpKind::Use)],
                    clobbers: vec![],
                })));
                self.emit(Inst::Shift { op: "shl", sz: 8, amt: Some(c), dst: dl });
            }
            _ if c >= w => {
                self.mov_rr(dh, dl);
                if c > w {
                    let o = if op == BinOp::LShr { "shr" } else { "sar" };
                    self.emit(Inst::Shift { op: o, sz: 8, amt: Some(c - w), dst: dl });
                }
                if op == BinOp::LShr {
                    self.mov(4, Opnd::Imm(0), Opnd::Reg(dh));
                } else {
                    self.emit(Inst::Shift { op: "sar", sz: 8, amt: Some(w - 1), dst: dh });
                }
            }
            _ => {
                self.emit(Inst::Text(Box::new(Text {
                    tmpl: if i386() { "shrdl\t{2}, {1}, {0}" } else { "shrdq\t{2}, {1}, {0}" },
                    ops: vec![(Opnd::Reg(dl), OpKind::UseDef), (Opnd::Reg(dh), OpKind::Use), (Opnd::Imm(c as i64), OpKind::Use)],
                    clobbers: vec![],
                })));
                let o = if op == BinOp::LShr { "shr" } else { "sar" };
                self.emit(Inst::Shift { op: o, sz: 8, amt: Some(c), dst: dh });
            }
        }
    }

    pub(crate) fn lower_unary(&mut self, res: Value, op: UnOp, ty: Type, arg: Value) -> Result<(), String> {
        match ty {
            t if t == dword() => {
                if i386() && !matches!(op, UnOp::Neg | UnOp::Not | UnOp::Bswap) {
                    return Err(format!("{}: i386: {op:?} of a 64-bit integer is not supported yet", self.f.name));
                }
                let (al, ah) = self.pair(arg)?;
                let (dl, dh) = self.out_pair(res);
                match op {
                    UnOp::Neg => {
                        self.mov(4, Opnd::Imm(0), Opnd::Reg(dl));
                        self.mov(4, Opnd::Imm(0), Opnd::Reg(dh));
                        self.alu(AluOp::Sub, 8, Opnd::Reg(al), dl);
                        self.alu(AluOp::Sbb, 8, Opnd::Reg(ah), dh);
                    }
                    UnOp::Not => {
                        self.mov_rr(al, dl);
                        self.mov_rr(ah, dh);
                        self.emit(Inst::Unary { op: "not", sz: 8, dst: dl });
                        self.emit(Inst::Unary { op: "not", sz: 8, dst: dh });
                    }
                    UnOp::Bswap => {
                        self.mov_rr(ah, dl);
                        self.mov_rr(al, dh);
                        self.emit(Inst::Unary { op: "bswap", sz: 8, dst: dl });
                        self.emit(Inst::Unary { op: "bswap", sz: 8, dst: dh });
                    }
                    UnOp::Clz | UnOp::Ctz | UnOp::Popcount => {
                        // result in the low half; high half zero
                        let (x, y) = if op == UnOp::Ctz { (al, ah) } else { (ah, al) };
                        let t = match op {
                            UnOp::Clz => "testq\t{1}, {1}\n\tje\t1f\n\tbsrq\t{1}, {0}\n\txorq\t$63, {0}\n\tjmp\t2f\n1:\n\tbsrq\t{2}, {0}\n\txorq\t$127, {0}\n2:",
                            UnOp::Ctz => "testq\t{1}, {1}\n\tje\t1f\n\tbsfq\t{1}, {0}\n\tjmp\t2f\n1:\n\tbsfq\t{2}, {0}\n\taddq\t$64, {0}\n2:",
                            _ => "",
                        };
                        if op == UnOp::Popcount {
                            let (p1, p2) = (self.vreg(), self.vreg());
                            self.popcount64(al, p1);
                            self.popcount64(ah, p2);
                            self.emit(Inst::Lea { mem: Amode { base: Base::Reg(p1), index: Some((p2, 1)), disp: 0, sym: None, fs: false }, dst: dl });
                        } else {
                            self.text(t, vec![(Opnd::Reg(dl), OpKind::EarlyDef), (Opnd::Reg(x), OpKind::Use), (Opnd::Reg(y), OpKind::Use)]);
                        }
                        self.mov(4, Opnd::Imm(0), Opnd::Reg(dh));
                    }
                    UnOp::FNeg => return Err("fneg on i128".into()),
                }
                return Ok(());
            }
            Type::F32 | Type::F64 => {
                if op != UnOp::FNeg {
                    return Err(format!("{op:?} on {ty}"));
                }
                let a = self.reg(arg)?;
                let d = self.out(res);
                let dbl = ty == Type::F64;
                let mut bytes = Vec::new();
                for _ in 0..(if dbl { 2 } else { 4 }) {
                    if dbl {
                        bytes.extend_from_slice(&FABS_MASK_D.to_le_bytes());
                    } else {
                        bytes.extend_from_slice(&0x8000_0000u32.to_le_bytes());
                    }
                }
                let l = self.consts.get(&bytes, 16);
                self.fmov_rr(a, d);
                self.emit(Inst::SseOp { op: "xorp", dbl, src: Opnd::Mem(Amode::rip(l, 0)), dst: d });
                return Ok(());
            }
            Type::F128 => {
                if op != UnOp::FNeg {
                    return Err(format!("{op:?} on f128"));
                }
                return self.neg_f128(res, arg);
            }
            Type::F80 => {
                if op != UnOp::FNeg {
                    return Err(format!("{op:?} on f80"));
                }
                let a = self.f80(arg)?;
                let d = self.out_mem(res);
                self.text("fldt\t{0}\n\tfchs\n\tfstpt\t{1}", vec![(Opnd::Mem(a), OpKind::Use), (Opnd::Mem(d), OpKind::Use)]);
                return Ok(());
            }
            t if !is_scalar_int(t) => return Err(format!("{op:?} on {t}")),
            _ => {}
        }
        let a = self.reg(arg)?;
        let d = self.out(res);
        let sz = int_sz(ty);
        match op {
            UnOp::Neg | UnOp::Not => {
                self.mov_rr(a, d);
                self.emit(Inst::Unary { op: if op == UnOp::Neg { "neg" } else { "not" }, sz: op_sz(ty), dst: d });
            }
            UnOp::Bswap => {
                self.mov_rr(a, d);
                if sz > 1 {
                    self.emit(Inst::Unary { op: "bswap", sz, dst: d });
                }
            }
            UnOp::Clz => {
                let x = self.zext64(a, sz);
                let bsz = if sz == 8 { 8 } else { 4 };
                self.emit(Inst::BitScan { op: "bsr", sz: bsz, src: Opnd::Reg(x), dst: d });
                self.alu(AluOp::Xor, bsz, Opnd::Imm(ty.bits() as i64 - 1), d);
            }
            UnOp::Ctz => {
                let bsz = if sz == 8 { 8 } else { 4 };
                self.emit(Inst::BitScan { op: "bsf", sz: bsz, src: Opnd::Reg(a), dst: d });
            }
            UnOp::Popcount => {
                let x = self.zext64(a, sz);
                self.popcount64(x, d);
            }
            UnOp::FNeg => return Err(format!("fneg on {ty}")),
        }
        Ok(())
    }

    /// Zero-extend the low `sz` bytes of `a` to 64 bits (a fresh register unless sz == 8).
    pub(crate) fn zext64(&mut self, a: Reg, sz: u8) -> Reg {
        if sz == 8 {
            return a;
        }
        let x = self.vreg();
        match sz {
            1 => self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(a), dst: x }),
            2 => self.emit(Inst::MovX { op: "movzwl", src: Opnd::Reg(a), dst: x }),
            _ => self.mov(4, Opnd::Reg(a), Opnd::Reg(x)),
        }
        x
    }

    pub(crate) fn sext64(&mut self, a: Reg, sz: u8) -> Reg {
        if sz == 8 {
            return a;
        }
        let x = self.vreg();
        let op = match sz {
            1 => "movsbq",
            2 => "movswq",
            _ => "movslq",
        };
        self.emit(Inst::MovX { op, src: Opnd::Reg(a), dst: x });
        x
    }

    /// Population count without `popcnt` (SWAR).
    fn popcount64(&mut self, x: Reg, d: Reg) {
        let (t, c) = (self.scratch(), self.scratch());
        self.mov_rr(x, d);
        self.text(
            "movq\t{0}, {1}\n\tshrq\t{1}\n\tmovabsq\t$0x5555555555555555, {2}\n\tandq\t{2}, {1}\n\tsubq\t{1}, {0}\n\tmovabsq\t$0x3333333333333333, {2}\n\tmovq\t{0}, {1}\n\tandq\t{2}, {0}\n\tshrq\t$2, {1}\n\tandq\t{2}, {1}\n\taddq\t{1}, {0}\n\tmovq\t{0}, {1}\n\tshrq\t$4, {1}\n\taddq\t{1}, {0}\n\tmovabsq\t$0x0f0f0f0f0f0f0f0f, {2}\n\tandq\t{2}, {0}\n\tmovabsq\t$0x0101010101010101, {2}\n\timulq\t{2}, {0}\n\tshrq\t$56, {0}",
            vec![(Opnd::Reg(d), OpKind::UseDef), (Opnd::Reg(t), OpKind::EarlyDef), (Opnd::Reg(c), OpKind::EarlyDef)],
        );
    }

    // ------------------------------------------------------------------ casts

    pub(crate) fn lower_cast(&mut self, res: Value, op: CastOp, from: Type, to: Type, arg: Value) -> Result<(), String> {
        use CastOp::*;
        if (from == Type::F128 || to == Type::F128) && op != CastOp::Bitcast {
            return self.cast_f128(res, op, from, to, arg);
        }
        match op {
            Sext | Zext | Trunc if to == dword() || from == dword() => self.cast128(res, op, from, to, arg),
            Sext | Zext => {
                let (fs, ts) = (int_sz(from), int_sz(to));
                // extending a folded load: one extending load
                if let VLoc::Load(lty, ptr) = self.vals[arg.index()] {
                    if int_sz(lty) == fs && fs < ts {
                        let m = Opnd::Mem(self.amode(ptr)?);
                        let d = self.out(res);
                        let mn = match (op == Sext, fs, ts) {
                            (true, 1, 8) => "movsbq",
                            (true, 1, _) => "movsbl",
                            (true, 2, 8) => "movswq",
                            (true, 2, _) => "movswl",
                            (true, _, _) => "movslq",
                            (false, 1, _) => "movzbl",
                            (false, 2, _) => "movzwl",
                            (false, _, _) => "",
                        };
                        if mn.is_empty() {
                            self.mov(4, m, Opnd::Reg(d));
                        } else {
                            self.emit(Inst::MovX { op: mn, src: m, dst: d });
                        }
                        return Ok(());
                    }
                }
                let a = self.reg(arg)?;
                let d = self.out(res);
                // compare results are already 0/1 zero-extended by setcc + movzbl
                let is_flag = matches!(self.def_inst(arg), Some(ccc_ir::InstKind::Icmp { .. } | ccc_ir::InstKind::Fcmp { .. } | ccc_ir::InstKind::Overflows { .. }));
                if fs >= ts || (op == Zext && is_flag && ts <= 8) {
                    self.mov_rr(a, d);
                    return Ok(());
                }
                if op == Sext {
                    let m = match (fs, ts) {
                        (1, 8) => "movsbq",
                        (1, _) => "movsbl",
                        (2, 8) => "movswq",
                        (2, _) => "movswl",
                        _ => "movslq",
                    };
                    self.emit(Inst::MovX { op: m, src: Opnd::Reg(a), dst: d });
                } else {
                    match fs {
                        1 => self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(a), dst: d }),
                        2 => self.emit(Inst::MovX { op: "movzwl", src: Opnd::Reg(a), dst: d }),
                        _ => self.mov(4, Opnd::Reg(a), Opnd::Reg(d)),
                    }
                }
                Ok(())
            }
            Trunc => {
                let a = self.reg(arg)?;
                let d = self.out(res);
                self.mov_rr(a, d);
                Ok(())
            }
            Bitcast => self.bitcast(res, from, to, arg),
            FExt | FTrunc => self.fconv(res, from, to, arg),
            SIToF | UIToF => self.int_to_float(res, op == SIToF, from, to, arg),
            FToSI | FToUI => self.float_to_int(res, op == FToSI, from, to, arg),
        }
    }

    fn cast128(&mut self, res: Value, op: CastOp, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == dword() && to == dword() {
            let (al, ah) = self.pair(arg)?;
            let (dl, dh) = self.out_pair(res);
            self.mov_rr(al, dl);
            self.mov_rr(ah, dh);
            return Ok(());
        }
        if from == dword() {
            let (al, _) = self.pair(arg)?;
            let d = self.out(res);
            self.mov_rr(al, d);
            return Ok(());
        }
        let a = self.reg(arg)?;
        let (dl, dh) = self.out_pair(res);
        let sz = int_sz(from);
        if op == CastOp::Sext {
            let x = self.sext64(a, sz);
            self.mov_rr(x, dl);
            self.mov_rr(x, dh);
            self.emit(Inst::Shift { op: "sar", sz: 8, amt: Some(wbits() as u8 - 1), dst: dh });
        } else {
            let x = self.zext64(a, sz);
            self.mov_rr(x, dl);
            self.mov(4, Opnd::Imm(0), Opnd::Reg(dh));
        }
        Ok(())
    }

    fn bitcast(&mut self, res: Value, from: Type, to: Type, arg: Value) -> Result<(), String> {
        let fi = from.is_float();
        let ti = to.is_float();
        if from == Type::F80 || to == Type::F80 || from == dword() || to == dword() || from == Type::F128 || to == Type::F128 {
            // through memory
            let s = self.frame_slot(16, 16);
            let m = Amode::slot(s, 0);
            self.store(from, arg, m.clone())?;
            return self.load(to, m, res);
        }
        let a = self.reg(arg)?;
        let d = self.out(res);
        let sz = from.size() as u8;
        match (fi, ti) {
            (false, false) => self.mov_rr(a, d),
            (true, true) => self.fmov_rr(a, d),
            (false, true) => self.emit(Inst::MovGX { sz, src: a, dst: d }),
            (true, false) => self.emit(Inst::MovGX { sz, src: a, dst: d }),
        }
        Ok(())
    }

    fn fconv(&mut self, res: Value, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == to {
            if from == Type::F80 {
                let a = self.f80(arg)?;
                let d = self.out_mem(res);
                return self.copy_mem(d, a, 16);
            }
            let a = self.reg(arg)?;
            let d = self.out(res);
            self.fmov_rr(a, d);
            return Ok(());
        }
        match (from, to) {
            (Type::F32, Type::F64) | (Type::F64, Type::F32) => {
                let a = self.reg(arg)?;
                let d = self.out(res);
                let op = if from == Type::F32 { "cvtss2sd" } else { "cvtsd2ss" };
                self.emit(Inst::Cvt { op, src: Opnd::Reg(a), dst: d });
            }
            (_, Type::F80) => {
                let a = self.reg(arg)?;
                let d = self.out_mem(res);
                let s = self.frame_slot(8, 8);
                let dbl = from == Type::F64;
                self.emit(Inst::SseMov { dbl, src: Opnd::Reg(a), dst: Opnd::Mem(Amode::slot(s, 0)) });
                let t = if dbl { "fldl\t{0}\n\tfstpt\t{1}" } else { "flds\t{0}\n\tfstpt\t{1}" };
                self.text(t, vec![(Opnd::Mem(Amode::slot(s, 0)), OpKind::Use), (Opnd::Mem(d), OpKind::Use)]);
            }
            (Type::F80, _) => {
                let a = self.f80(arg)?;
                let d = self.out(res);
                let s = self.frame_slot(8, 8);
                let dbl = to == Type::F64;
                let t = if dbl { "fldt\t{0}\n\tfstpl\t{1}" } else { "fldt\t{0}\n\tfstps\t{1}" };
                self.text(t, vec![(Opnd::Mem(a), OpKind::Use), (Opnd::Mem(Amode::slot(s, 0)), OpKind::Use)]);
                self.emit(Inst::SseMov { dbl, src: Opnd::Mem(Amode::slot(s, 0)), dst: Opnd::Reg(d) });
            }
            _ => return Err(format!("conversion from {from} to {to}")),
        }
        Ok(())
    }

    fn int_to_float(&mut self, res: Value, signed: bool, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if from == Type::I128 {
            let (al, ah) = self.pair(arg)?;
            let name = match (signed, to) {
                (true, Type::F32) => "__floattisf",
                (true, Type::F64) => "__floattidf",
                (true, _) => "__floattixf",
                (false, Type::F32) => "__floatuntisf",
                (false, Type::F64) => "__floatuntidf",
                (false, _) => "__floatuntixf",
            };
            let ret = if to == Type::F80 { LRet::X(self.out_mem(res)) } else { LRet::F(self.out(res)) };
            return self.libcall(name, &[LArg::P(al, ah)], ret);
        }
        let a = self.reg(arg)?;
        let sz = int_sz(from);
        // widen to 64 bits (unsigned 32-bit values fit a signed 64-bit conversion)
        let x = if signed { self.sext64(a, sz) } else { self.zext64(a, sz) };
        let big_unsigned = !signed && sz == 8;
        if to == Type::F80 {
            let d = self.out_mem(res);
            let s = self.frame_slot(8, 8);
            let m = Amode::slot(s, 0);
            if big_unsigned {
                let c = self.consts.get(&0x5f80_0000u32.to_le_bytes(), 4);
                self.text(
                    "movq\t{0}, {1}\n\tfildq\t{1}\n\ttestq\t{0}, {0}\n\tjns\t1f\n\tfadds\t{2}\n1:\n\tfstpt\t{3}",
                    vec![(Opnd::Reg(x), OpKind::Use), (Opnd::Mem(m), OpKind::Use), (Opnd::Mem(Amode::rip(c, 0)), OpKind::Use), (Opnd::Mem(d), OpKind::Use)],
                );
            } else {
                self.mov(8, Opnd::Reg(x), Opnd::Mem(m.clone()));
                self.text("fildq\t{0}\n\tfstpt\t{1}", vec![(Opnd::Mem(m), OpKind::Use), (Opnd::Mem(d), OpKind::Use)]);
            }
            return Ok(());
        }
        let d = self.out(res);
        let dbl = to == Type::F64;
        if big_unsigned {
            let (t, u) = (self.scratch(), self.scratch());
            let tmpl = if dbl {
                "testq\t{0}, {0}\n\tjs\t1f\n\tcvtsi2sdq\t{0}, {1}\n\tjmp\t2f\n1:\n\tmovq\t{0}, {2}\n\tshrq\t{2}\n\tmovl\t{0l}, {3l}\n\tandl\t$1, {3l}\n\torq\t{3}, {2}\n\tcvtsi2sdq\t{2}, {1}\n\taddsd\t{1}, {1}\n2:"
            } else {
                "testq\t{0}, {0}\n\tjs\t1f\n\tcvtsi2ssq\t{0}, {1}\n\tjmp\t2f\n1:\n\tmovq\t{0}, {2}\n\tshrq\t{2}\n\tmovl\t{0l}, {3l}\n\tandl\t$1, {3l}\n\torq\t{3}, {2}\n\tcvtsi2ssq\t{2}, {1}\n\taddss\t{1}, {1}\n2:"
            };
            self.text(tmpl, vec![(Opnd::Reg(x), OpKind::Use), (Opnd::Reg(d), OpKind::Def), (Opnd::Reg(t), OpKind::EarlyDef), (Opnd::Reg(u), OpKind::EarlyDef)]);
        } else {
            let op = if dbl { "cvtsi2sdq" } else { "cvtsi2ssq" };
            self.emit(Inst::Cvt { op, src: Opnd::Reg(x), dst: d });
        }
        Ok(())
    }

    fn float_to_int(&mut self, res: Value, signed: bool, from: Type, to: Type, arg: Value) -> Result<(), String> {
        if to == Type::I128 {
            let name = match (signed, from) {
                (true, Type::F32) => "__fixsfti",
                (true, Type::F64) => "__fixdfti",
                (true, _) => "__fixxfti",
                (false, Type::F32) => "__fixunssfti",
                (false, Type::F64) => "__fixunsdfti",
                (false, _) => "__fixunsxfti",
            };
            let a = if from == Type::F80 { LArg::X(self.f80(arg)?) } else { LArg::F(self.reg(arg)?) };
            let (dl, dh) = self.out_pair(res);
            return self.libcall(name, &[a], LRet::P(dl, dh));
        }
        let d = self.out(res);
        let sz = int_sz(to);
        if from == Type::F80 {
            let x = self.f80(arg)?;
            let s = self.frame_slot(16, 8);
            let (cw, cw2, tmp) = (Amode::slot(s, 0), Amode::slot(s, 2), Amode::slot(s, 8));
            let t = self.scratch();
            if !signed && sz == 8 {
                let c = self.consts.get(&0x5f00_0000u32.to_le_bytes(), 4);
                self.text(
                    "fnstcw\t{0}\n\tmovzwl\t{0}, {3l}\n\torl\t$3072, {3l}\n\tmovw\t{3w}, {1}\n\tfldcw\t{1}\n\tfldt\t{4}\n\tflds\t{5}\n\tfucomi\t%st(1), %st\n\tja\t1f\n\tfsubrp\t%st, %st(1)\n\tfistpq\t{2}\n\tmovq\t{2}, {6}\n\tbtcq\t$63, {6}\n\tjmp\t2f\n1:\n\tfstp\t%st(0)\n\tfistpq\t{2}\n\tmovq\t{2}, {6}\n2:\n\tfldcw\t{0}",
                    vec![
                        (Opnd::Mem(cw), OpKind::Use),
                        (Opnd::Mem(cw2), OpKind::Use),
                        (Opnd::Mem(tmp), OpKind::Use),
                        (Opnd::Reg(t), OpKind::EarlyDef),
                        (Opnd::Mem(x), OpKind::Use),
                        (Opnd::Mem(Amode::rip(c, 0)), OpKind::Use),
                        (Opnd::Reg(d), OpKind::EarlyDef),
                    ],
                );
            } else {
                self.text(
                    "fnstcw\t{0}\n\tmovzwl\t{0}, {3l}\n\torl\t$3072, {3l}\n\tmovw\t{3w}, {1}\n\tfldcw\t{1}\n\tfldt\t{4}\n\tfistpq\t{2}\n\tfldcw\t{0}",
                    vec![
                        (Opnd::Mem(cw), OpKind::Use),
                        (Opnd::Mem(cw2), OpKind::Use),
                        (Opnd::Mem(tmp.clone()), OpKind::Use),
                        (Opnd::Reg(t), OpKind::EarlyDef),
                        (Opnd::Mem(x), OpKind::Use),
                    ],
                );
                self.mov(8, Opnd::Mem(tmp), Opnd::Reg(d));
            }
            return Ok(());
        }
        let a = self.reg(arg)?;
        let dbl = from == Type::F64;
        if !signed && sz == 8 {
            let bits: Vec<u8> = if dbl { (0x43e0_0000_0000_0000u64).to_le_bytes().to_vec() } else { 0x5f00_0000u32.to_le_bytes().to_vec() };
            let c = self.consts.get(&bits, bits.len() as u32);
            let t = self.mf.new_scratch(crate::codegen::mir::RegClass::Float);
            let tmpl = if dbl {
                "ucomisd\t{0}, {1}\n\tjae\t1f\n\tcvttsd2siq\t{1}, {2}\n\tjmp\t2f\n1:\n\tmovaps\t{1}, {3}\n\tsubsd\t{0}, {3}\n\tcvttsd2siq\t{3}, {2}\n\tbtcq\t$63, {2}\n2:"
            } else {
                "ucomiss\t{0}, {1}\n\tjae\t1f\n\tcvttss2siq\t{1}, {2}\n\tjmp\t2f\n1:\n\tmovaps\t{1}, {3}\n\tsubss\t{0}, {3}\n\tcvttss2siq\t{3}, {2}\n\tbtcq\t$63, {2}\n2:"
            };
            self.text(tmpl, vec![(Opnd::Mem(Amode::rip(c, 0)), OpKind::Use), (Opnd::Reg(a), OpKind::Use), (Opnd::Reg(d), OpKind::Def), (Opnd::Reg(t), OpKind::EarlyDef)]);
            return Ok(());
        }
        // signed, or unsigned narrower than 64 bits: a 64-bit signed conversion covers it
        let op = match (dbl, sz == 8 || !signed) {
            (true, true) => "cvttsd2siq",
            (true, false) => "cvttsd2si",
            (false, true) => "cvttss2siq",
            (false, false) => "cvttss2si",
        };
        self.emit(Inst::Cvt { op, src: Opnd::Reg(a), dst: d });
        Ok(())
    }

    // ------------------------------------------------------------------ select / overflow

    pub(crate) fn lower_select(&mut self, res: Value, ty: Type, cond: Value, cond_ty: Type, a: Value, b: Value) -> Result<(), String> {
        // operands first: materialising them must not disturb the flags
        enum Ops {
            I(Reg, Reg),
            P((Reg, Reg), (Reg, Reg)),
            F(Reg, Reg),
            X(Reg, Reg),
        }
        let ops = match ty {
            t if t == dword() => Ops::P(self.pair(a)?, self.pair(b)?),
            Type::F32 | Type::F64 => {
                let (ra, rb) = (self.reg(a)?, self.reg(b)?);
                let (ia, ib) = (self.vreg(), self.vreg());
                let sz = ty.size() as u8;
                self.emit(Inst::MovGX { sz, src: ra, dst: ia });
                self.emit(Inst::MovGX { sz, src: rb, dst: ib });
                Ops::F(ia, ib)
            }
            Type::F80 | Type::F128 => {
                let (ma, mb) = (self.f80(a)?, self.f80(b)?);
                let (ia, ib) = (self.vreg(), self.vreg());
                self.emit(Inst::Lea { mem: ma, dst: ia });
                self.emit(Inst::Lea { mem: mb, dst: ib });
                Ops::X(ia, ib)
            }
            _ => Ops::I(self.reg(a)?, self.reg(b)?),
        };
        let c = if self.folded[cond.index()] {
            self.folded_cond(cond)?
        } else {
            self.test_nonzero(cond, cond_ty)?
        };
        let sel = |s: &mut Self, ra: Reg, rb: Reg, d: Reg| {
            s.mov_rr(rb, d);
            match c {
                Cond::Cc(cc) => s.emit(Inst::Cmov { cc, sz: 8, src: Opnd::Reg(ra), dst: d }),
                Cond::FEq => {
                    s.emit(Inst::Cmov { cc: Cc::E, sz: 8, src: Opnd::Reg(ra), dst: d });
                    s.emit(Inst::Cmov { cc: Cc::P, sz: 8, src: Opnd::Reg(rb), dst: d });
                }
                Cond::FNe => {
                    s.emit(Inst::Cmov { cc: Cc::Ne, sz: 8, src: Opnd::Reg(ra), dst: d });
                    s.emit(Inst::Cmov { cc: Cc::P, sz: 8, src: Opnd::Reg(ra), dst: d });
                }
            }
        };
        match ops {
            Ops::I(ra, rb) => {
                let d = self.out(res);
                sel(self, ra, rb, d);
            }
            Ops::P((al, ah), (bl, bh)) => {
                let (dl, dh) = self.out_pair(res);
                sel(self, al, bl, dl);
                sel(self, ah, bh, dh);
            }
            Ops::F(ia, ib) => {
                let t = self.vreg();
                sel(self, ia, ib, t);
                let d = self.out(res);
                self.emit(Inst::MovGX { sz: ty.size() as u8, src: t, dst: d });
            }
            Ops::X(ia, ib) => {
                let t = self.vreg();
                sel(self, ia, ib, t);
                let d = self.out_mem(res);
                self.copy_mem(d, Amode::reg(t, 0), 16)?;
            }
        }
        Ok(())
    }

    pub(crate) fn lower_overflows(&mut self, res: Value, op: BinOp, ty: Type, signed: bool, lhs: Value, rhs: Value) -> Result<(), String> {
        let d = self.out(res);
        if ty == dword() {
            let (al, ah) = self.pair(lhs)?;
            let (bl, bh) = self.pair(rhs)?;
            let (tl, th) = (self.vreg(), self.vreg());
            match op {
                BinOp::Add | BinOp::Sub => {
                    self.mov_rr(al, tl);
                    self.mov_rr(ah, th);
                    let (o1, o2) = if op == BinOp::Add { (AluOp::Add, AluOp::Adc) } else { (AluOp::Sub, AluOp::Sbb) };
                    self.alu(o1, 8, Opnd::Reg(bl), tl);
                    self.alu(o2, 8, Opnd::Reg(bh), th);
                    self.setcc(Cond::Cc(if signed { Cc::O } else { Cc::B }), d);
                }
                _ => self.mul128_overflow(d, signed, (al, ah), (bl, bh))?,
            }
            return Ok(());
        }
        if !is_scalar_int(ty) {
            return Err(format!("overflow check on {ty}"));
        }
        let sz = int_sz(ty);
        let a = self.reg(lhs)?;
        match op {
            BinOp::Add | BinOp::Sub => {
                let b = self.opnd(rhs)?;
                let t = self.vreg();
                self.mov_rr(a, t);
                self.alu(if op == BinOp::Add { AluOp::Add } else { AluOp::Sub }, sz, b, t);
            }
            BinOp::Mul => {
                let b = self.reg(rhs)?;
                self.mov_rr(a, RAX);
                self.emit(Inst::MulWide { signed, sz, src: Opnd::Reg(b) });
                self.setcc(Cond::Cc(Cc::O), d);
                return Ok(());
            }
            _ => return Err(format!("overflow check of {op:?}")),
        }
        self.setcc(Cond::Cc(if signed { Cc::O } else { Cc::B }), d);
        Ok(())
    }

    // ------------------------------------------------------------------ memory

    /// Load a scalar int/float of type `ty` into register `r`.
    pub(crate) fn load_into(&mut self, ty: Type, a: Amode, r: Reg) {
        match ty {
            Type::I8 => self.emit(Inst::MovX { op: "movzbl", src: Opnd::Mem(a), dst: r }),
            Type::I16 => self.emit(Inst::MovX { op: "movzwl", src: Opnd::Mem(a), dst: r }),
            Type::I32 => self.mov(4, Opnd::Mem(a), Opnd::Reg(r)),
            Type::F32 | Type::F64 => self.emit(Inst::SseMov { dbl: ty == Type::F64, src: Opnd::Mem(a), dst: Opnd::Reg(r) }),
            _ => self.mov(8, Opnd::Mem(a), Opnd::Reg(r)),
        }
    }

    pub(crate) fn load(&mut self, ty: Type, a: Amode, res: Value) -> Result<(), String> {
        match ty {
            t if t == dword() => {
                let (dl, dh) = self.out_pair(res);
                self.mov(8, Opnd::Mem(a.clone()), Opnd::Reg(dl));
                self.mov(8, Opnd::Mem(a.offset(i64::from(word()))), Opnd::Reg(dh));
            }
            Type::I8 => {
                let d = self.out(res);
                self.emit(Inst::MovX { op: "movzbl", src: Opnd::Mem(a), dst: d })
            }
            Type::I16 => {
                let d = self.out(res);
                self.emit(Inst::MovX { op: "movzwl", src: Opnd::Mem(a), dst: d })
            }
            Type::I32 => {
                let d = self.out(res);
                self.mov(4, Opnd::Mem(a), Opnd::Reg(d))
            }
            Type::I64 | Type::Ptr => {
                let d = self.out(res);
                self.mov(8, Opnd::Mem(a), Opnd::Reg(d))
            }
            Type::F32 | Type::F64 => {
                let d = self.out(res);
                self.emit(Inst::SseMov { dbl: ty == Type::F64, src: Opnd::Mem(a), dst: Opnd::Reg(d) })
            }
            // no 128-bit integers in the i386 mode (isel refuses them)
            Type::I128 => return Err("i128 load in the i386 mode".into()),
            Type::F80 => {
                let d = self.out_mem(res);
                self.text("fldt\t{0}\n\tfstpt\t{1}", vec![(Opnd::Mem(a), OpKind::Use), (Opnd::Mem(d), OpKind::Use)]);
            }
            Type::F128 => {
                let d = self.out_mem(res);
                self.copy_mem(d, a, 16)?;
            }
        }
        Ok(())
    }

    pub(crate) fn store(&mut self, ty: Type, v: Value, a: Amode) -> Result<(), String> {
        match ty {
            t if t == dword() => {
                let (lo, hi) = self.pair(v)?;
                self.mov(8, Opnd::Reg(lo), Opnd::Mem(a.clone()));
                self.mov(8, Opnd::Reg(hi), Opnd::Mem(a.offset(i64::from(word()))));
            }
            Type::F32 | Type::F64 => {
                if let VLoc::FConst(_, bits) = self.vals[v.index()] {
                    // store the bit pattern directly
                    if ty == Type::F32 {
                        self.mov(4, Opnd::Imm(bits as u32 as i32 as i64), Opnd::Mem(a));
                        return Ok(());
                    }
                    if fits_i32(bits as u64 as i64) {
                        self.mov(8, Opnd::Imm(bits as u64 as i64), Opnd::Mem(a));
                        return Ok(());
                    }
                }
                let r = self.reg(v)?;
                self.emit(Inst::SseMov { dbl: ty == Type::F64, src: Opnd::Reg(r), dst: Opnd::Mem(a) });
            }
            Type::I128 => return Err("i128 store in the i386 mode".into()),
            Type::F80 => {
                let s = self.f80(v)?;
                self.text("fldt\t{0}\n\tfstpt\t{1}", vec![(Opnd::Mem(s), OpKind::Use), (Opnd::Mem(a), OpKind::Use)]);
            }
            Type::F128 => {
                let s = self.f80(v)?;
                self.copy_mem(a, s, 16)?;
            }
            _ => {
                let sz = int_sz(ty);
                let o = match self.const_of(v) {
                    Some(c) => {
                        let c = sext(c, ty.bits()) as i64;
                        if fits_i32(c) {
                            Opnd::Imm(c)
                        } else {
                            Opnd::Reg(self.reg(v)?)
                        }
                    }
                    None => Opnd::Reg(self.reg(v)?),
                };
                self.mov(sz, o, Opnd::Mem(a));
            }
        }
        Ok(())
    }

    /// Copy `size` bytes between non-overlapping memory.
    pub(crate) fn copy_mem(&mut self, d: Amode, s: Amode, size: u64) -> Result<(), String> {
        if size <= 128 {
            let mut off = 0u64;
            for chunk in [8u64, 4, 2, 1].into_iter().filter(|&c| c <= u64::from(word())) {
                while size - off >= chunk {
                    let t = self.vreg();
                    let o = off as i64;
                    match chunk {
                        8 => self.mov(8, Opnd::Mem(s.offset(o)), Opnd::Reg(t)),
                        4 => self.mov(4, Opnd::Mem(s.offset(o)), Opnd::Reg(t)),
                        2 => self.emit(Inst::MovX { op: "movzwl", src: Opnd::Mem(s.offset(o)), dst: t }),
                        _ => self.emit(Inst::MovX { op: "movzbl", src: Opnd::Mem(s.offset(o)), dst: t }),
                    }
                    self.mov(chunk as u8, Opnd::Reg(t), Opnd::Mem(d.offset(o)));
                    off += chunk;
                }
            }
            return Ok(());
        }
        let (pd, ps, n) = (self.vreg(), self.vreg(), self.vreg());
        self.emit(Inst::Lea { mem: d, dst: pd });
        self.emit(Inst::Lea { mem: s, dst: ps });
        self.load_imm(size as i64, n);
        self.libcall("memcpy", &[LArg::I(pd), LArg::I(ps), LArg::I(n)], LRet::None)
    }

    pub(crate) fn lower_memset(&mut self, dst: Value, byte: Value, size: u64) -> Result<(), String> {
        let d = self.amode(dst)?;
        if size <= 128 {
            let pat: Opnd = match self.const_of(byte) {
                Some(c) => {
                    let b = (c as u64) & 0xff;
                    let p = if i386() { (b * 0x0101_0101) as i32 as i64 as u64 } else { b * 0x0101_0101_0101_0101 };
                    if fits_i32(p as i64) {
                        Opnd::Imm(p as i64)
                    } else {
                        let r = self.vreg();
                        self.load_imm(p as i64, r);
                        Opnd::Reg(r)
                    }
                }
                None => {
                    let b = self.reg(byte)?;
                    let r = self.vreg();
                    self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(b), dst: r });
                    let k = self.vreg();
                    self.load_imm(if i386() { 0x0101_0101 } else { 0x0101_0101_0101_0101 }, k);
                    self.emit(Inst::Imul { sz: 8, src: Opnd::Reg(k), dst: r });
                    Opnd::Reg(r)
                }
            };
            let mut off = 0u64;
            for chunk in [8u64, 4, 2, 1].into_iter().filter(|&c| c <= u64::from(word())) {
                while size - off >= chunk {
                    let src = match &pat {
                        Opnd::Imm(p) => Opnd::Imm(match chunk {
                            8 => *p,
                            4 => *p as i32 as i64,
                            2 => *p as i16 as i64,
                            _ => *p as i8 as i64,
                        }),
                        o => o.clone(),
                    };
                    self.mov(chunk as u8, src, Opnd::Mem(d.offset(off as i64)));
                    off += chunk;
                }
            }
            return Ok(());
        }
        let (pd, pb, n) = (self.vreg(), self.vreg(), self.vreg());
        self.emit(Inst::Lea { mem: d, dst: pd });
        let b = self.reg(byte)?;
        self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(b), dst: pb });
        self.load_imm(size as i64, n);
        self.libcall("memset", &[LArg::I(pd), LArg::I(pb), LArg::I(n)], LRet::None)
    }

    // ------------------------------------------------------------------ atomics

    pub(crate) fn lower_atomic_store(&mut self, ty: Type, ptr: Value, v: Value, order: ccc_ir::AtomicOrder) -> Result<(), String> {
        if !is_scalar_int(ty) && ty != Type::F32 && ty != Type::F64 {
            return Err(format!("atomic store of {ty} is not supported"));
        }
        let a = self.amode(ptr)?;
        if order == ccc_ir::AtomicOrder::SeqCst {
            let r = if ty.is_float() {
                let f = self.reg(v)?;
                let r = self.vreg();
                self.emit(Inst::MovGX { sz: ty.size() as u8, src: f, dst: r });
                r
            } else {
                self.reg(v)?
            };
            let t = self.vreg();
            self.mov_rr(r, t);
            let tmpl = match ty.size() {
                1 => "xchgb\t{0b}, {1}",
                2 => "xchgw\t{0w}, {1}",
                4 => "xchgl\t{0l}, {1}",
                _ => "xchgq\t{0}, {1}",
            };
            self.text(tmpl, vec![(Opnd::Reg(t), OpKind::UseDef), (Opnd::Mem(a), OpKind::Use)]);
            return Ok(());
        }
        self.store(ty, v, a)
    }

    pub(crate) fn lower_rmw(&mut self, res: Value, op: RmwOp, ty: Type, ptr: Value, v: Value) -> Result<(), String> {
        if !is_scalar_int(ty) {
            return Err(format!("atomic read-modify-write of {ty} is not supported"));
        }
        let a = self.amode(ptr)?;
        let r = self.reg(v)?;
        let d = self.out(res);
        let sz = int_sz(ty);
        match op {
            RmwOp::Xchg | RmwOp::Add | RmwOp::Sub => {
                self.mov_rr(r, d);
                if op == RmwOp::Sub {
                    self.emit(Inst::Unary { op: "neg", sz: 8, dst: d });
                }
                let tmpl = match (op, sz) {
                    (RmwOp::Xchg, 1) => "xchgb\t{0b}, {1}",
                    (RmwOp::Xchg, 2) => "xchgw\t{0w}, {1}",
                    (RmwOp::Xchg, 4) => "xchgl\t{0l}, {1}",
                    (RmwOp::Xchg, _) => "xchgq\t{0}, {1}",
                    (_, 1) => "lock xaddb\t{0b}, {1}",
                    (_, 2) => "lock xaddw\t{0w}, {1}",
                    (_, 4) => "lock xaddl\t{0l}, {1}",
                    _ => "lock xaddq\t{0}, {1}",
                };
                self.text(tmpl, vec![(Opnd::Reg(d), OpKind::UseDef), (Opnd::Mem(a), OpKind::Use)]);
            }
            _ => {
                let t = self.scratch();
                let tmpl = match (op, sz) {
                    (RmwOp::And, 1) => "movb\t{0}, %al\n1:\n\tmovl\t%eax, {2l}\n\tandb\t{1b}, {2b}\n\tlock cmpxchgb\t{2b}, {0}\n\tjne\t1b",
                    (RmwOp::And, 2) => "movw\t{0}, %ax\n1:\n\tmovl\t%eax, {2l}\n\tandw\t{1w}, {2w}\n\tlock cmpxchgw\t{2w}, {0}\n\tjne\t1b",
                    (RmwOp::And, 4) => "movl\t{0}, %eax\n1:\n\tmovl\t%eax, {2l}\n\tandl\t{1l}, {2l}\n\tlock cmpxchgl\t{2l}, {0}\n\tjne\t1b",
                    (RmwOp::And, _) => "movq\t{0}, %rax\n1:\n\tmovq\t%rax, {2}\n\tandq\t{1}, {2}\n\tlock cmpxchgq\t{2}, {0}\n\tjne\t1b",
                    (RmwOp::Or, 1) => "movb\t{0}, %al\n1:\n\tmovl\t%eax, {2l}\n\torb\t{1b}, {2b}\n\tlock cmpxchgb\t{2b}, {0}\n\tjne\t1b",
                    (RmwOp::Or, 2) => "movw\t{0}, %ax\n1:\n\tmovl\t%eax, {2l}\n\torw\t{1w}, {2w}\n\tlock cmpxchgw\t{2w}, {0}\n\tjne\t1b",
                    (RmwOp::Or, 4) => "movl\t{0}, %eax\n1:\n\tmovl\t%eax, {2l}\n\torl\t{1l}, {2l}\n\tlock cmpxchgl\t{2l}, {0}\n\tjne\t1b",
                    (RmwOp::Or, _) => "movq\t{0}, %rax\n1:\n\tmovq\t%rax, {2}\n\torq\t{1}, {2}\n\tlock cmpxchgq\t{2}, {0}\n\tjne\t1b",
                    (RmwOp::Xor, 1) => "movb\t{0}, %al\n1:\n\tmovl\t%eax, {2l}\n\txorb\t{1b}, {2b}\n\tlock cmpxchgb\t{2b}, {0}\n\tjne\t1b",
                    (RmwOp::Xor, 2) => "movw\t{0}, %ax\n1:\n\tmovl\t%eax, {2l}\n\txorw\t{1w}, {2w}\n\tlock cmpxchgw\t{2w}, {0}\n\tjne\t1b",
                    (RmwOp::Xor, 4) => "movl\t{0}, %eax\n1:\n\tmovl\t%eax, {2l}\n\txorl\t{1l}, {2l}\n\tlock cmpxchgl\t{2l}, {0}\n\tjne\t1b",
                    (RmwOp::Xor, _) => "movq\t{0}, %rax\n1:\n\tmovq\t%rax, {2}\n\txorq\t{1}, {2}\n\tlock cmpxchgq\t{2}, {0}\n\tjne\t1b",
                    (_, 1) => "movb\t{0}, %al\n1:\n\tmovl\t%eax, {2l}\n\tandb\t{1b}, {2b}\n\tnotb\t{2b}\n\tlock cmpxchgb\t{2b}, {0}\n\tjne\t1b",
                    (_, 2) => "movw\t{0}, %ax\n1:\n\tmovl\t%eax, {2l}\n\tandw\t{1w}, {2w}\n\tnotw\t{2w}\n\tlock cmpxchgw\t{2w}, {0}\n\tjne\t1b",
                    (_, 4) => "movl\t{0}, %eax\n1:\n\tmovl\t%eax, {2l}\n\tandl\t{1l}, {2l}\n\tnotl\t{2l}\n\tlock cmpxchgl\t{2l}, {0}\n\tjne\t1b",
                    _ => "movq\t{0}, %rax\n1:\n\tmovq\t%rax, {2}\n\tandq\t{1}, {2}\n\tnotq\t{2}\n\tlock cmpxchgq\t{2}, {0}\n\tjne\t1b",
                };
                self.text(tmpl, vec![(Opnd::Mem(a), OpKind::Use), (Opnd::Reg(r), OpKind::Use), (Opnd::Reg(t), OpKind::EarlyDef), (Opnd::Reg(RAX), OpKind::EarlyDef)]);
                self.mov_rr(RAX, d);
            }
        }
        Ok(())
    }

    pub(crate) fn lower_cmpxchg(&mut self, res: Value, ty: Type, ptr: Value, expected: Value, desired: Value) -> Result<(), String> {
        if !is_scalar_int(ty) {
            return Err(format!("atomic compare-exchange of {ty} is not supported"));
        }
        let a = self.amode(ptr)?;
        let e = self.reg(expected)?;
        let n = self.reg(desired)?;
        let d = self.out(res);
        self.mov_rr(e, RAX);
        let tmpl = match int_sz(ty) {
            1 => "lock cmpxchgb\t{1b}, {2}",
            2 => "lock cmpxchgw\t{1w}, {2}",
            4 => "lock cmpxchgl\t{1l}, {2}",
            _ => "lock cmpxchgq\t{1}, {2}",
        };
        self.text(tmpl, vec![(Opnd::Reg(RAX), OpKind::UseDef), (Opnd::Reg(n), OpKind::Use), (Opnd::Mem(a), OpKind::Use)]);
        self.mov_rr(RAX, d);
        Ok(())
    }

    // ------------------------------------------------------------------ stack and TLS

    pub(crate) fn lower_dynalloca(&mut self, res: Value, size: Value, align: u32) -> Result<(), String> {
        let s = self.reg(size)?;
        let sz = int_sz(self.ty(size));
        let t = self.zext64(s, sz);
        let t2 = self.vreg();
        let align = align.max(16) as i64;
        self.emit(Inst::Lea { mem: Amode::reg(t, 15 + align - 16), dst: t2 });
        self.alu(AluOp::And, 8, Opnd::Imm(-16), t2);
        self.alu(AluOp::Sub, 8, Opnd::Reg(t2), RSP);
        let d = self.out(res);
        let m = Amode { base: Base::RspOut, index: None, disp: align - 16, sym: None, fs: false };
        self.emit(Inst::Lea { mem: m, dst: d });
        if align > 16 {
            self.alu(AluOp::And, 8, Opnd::Imm(-align), d);
        }
        Ok(())
    }

    pub(crate) fn lower_tls(&mut self, res: Value, name: &str, offset: i64) -> Result<(), String> {
        let d = self.out(res);
        let local = self.syms.is_defined(name);
        if self.opts.pic && !(self.opts.pie && local) {
            // general dynamic
            let sym = Amode { base: Base::Rip, index: None, disp: 0, sym: Some((name.to_string(), Reloc::TlsGd)), fs: false };
            self.emit(Inst::Text(Box::new(Text {
                tmpl: ".byte\t0x66\n\tleaq\t{0}, %rdi\n\t.value\t0x6666\n\trex64\n\tcall\t__tls_get_addr@PLT",
                ops: vec![(Opnd::Mem(sym), OpKind::Use), (Opnd::Reg(RAX), OpKind::Def), (Opnd::Reg(RDI), OpKind::Def)],
                clobbers: CALL_CLOBBERS.to_vec(),
            })));
            self.mov_rr(RAX, d);
        } else {
            let fs0 = Amode { base: Base::None, index: None, disp: 0, sym: None, fs: true };
            self.mov(8, Opnd::Mem(fs0), Opnd::Reg(d));
            if local && !self.opts.pic {
                let m = Amode { base: Base::Reg(d), index: None, disp: 0, sym: Some((name.to_string(), Reloc::TpOff)), fs: false };
                self.emit(Inst::Lea { mem: m, dst: d });
            } else {
                let m = Amode { base: Base::Rip, index: None, disp: 0, sym: Some((name.to_string(), Reloc::GotTpOff)), fs: false };
                self.alu(AluOp::Add, 8, Opnd::Mem(m), d);
            }
        }
        if offset != 0 {
            self.add_const(d, offset);
        }
        Ok(())
    }
}
