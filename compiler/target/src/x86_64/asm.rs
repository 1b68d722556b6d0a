//! GNU inline assembly: operand constraints and template substitution.

use std::fmt::Write;

use ccc_ir::{InlineAsm, Type};

use super::inst::*;
use super::isel::{dword, int_sz, Isel, VLoc};
use super::print::PrintCx;
use crate::codegen::mir::{OpKind, Reg, RegClass};

#[derive(Clone, Debug, PartialEq)]
pub enum AsmArg {
    Reg(Reg, OpKind),
    Mem(Amode),
    Imm(i64),
    /// A symbolic constant (`"i"(&sym)`).
    Sym(String, i64),
    /// An x87 stack register (`t` = %st, `u` = %st(1)).
    X87(u8),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AsmOperand {
    pub arg: AsmArg,
    pub size: u8,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AsmInst {
    pub template: String,
    pub operands: Vec<AsmOperand>,
    pub clobbers: Vec<Reg>,
    /// `asm goto` label targets (machine blocks).
    pub labels: Vec<u32>,
    pub label_names: Vec<Option<String>>,
    pub id: u32,
}

impl AsmInst {
    /// Register operands used as bytes: byte-sized, or printed with `%b`/`%h`.
    pub fn narrow_regs(&self, f: &mut dyn FnMut(Reg)) {
        for (i, o) in self.operands.iter().enumerate() {
            if let AsmArg::Reg(r, _) = &o.arg {
                let named = o.name.as_ref().is_some_and(|n| self.template.contains(&format!("%b[{n}]")) || self.template.contains(&format!("%h[{n}]")));
                if o.size == 1 || named || self.template.contains(&format!("%b{i}")) || self.template.contains(&format!("%h{i}")) {
                    f(*r)
                }
            }
        }
    }

    pub fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        for o in &self.operands {
            match &o.arg {
                AsmArg::Reg(r, k) => f(*r, *k),
                AsmArg::Mem(a) => {
                    if let Base::Reg(r) = a.base {
                        f(r, OpKind::Use)
                    }
                    if let Some((r, _)) = a.index {
                        f(r, OpKind::Use)
                    }
                }
                _ => {}
            }
        }
    }

    pub fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        for o in &mut self.operands {
            match &mut o.arg {
                AsmArg::Reg(r, _) => *r = f(*r),
                AsmArg::Mem(a) => {
                    if let Base::Reg(r) = &mut a.base {
                        *r = f(*r)
                    }
                    if let Some((r, _)) = &mut a.index {
                        *r = f(*r)
                    }
                }
                _ => {}
            }
        }
    }

    fn operand_index(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.operands.iter().position(|o| o.name.as_deref() == Some(name)) {
            return Some(i);
        }
        self.label_names.iter().position(|l| l.as_deref() == Some(name)).map(|i| i + self.operands.len())
    }

    pub fn print(&self, out: &mut String, cx: &PrintCx) {
        out.push('\t');
        let t: Vec<char> = self.template.chars().collect();
        let mut i = 0;
        // `{att|intel}` dialect alternatives (we print AT&T: the first); outside
        // braces `|` and `}` are plain characters, as in GCC (`(17 | (0 << 20))`).
        let mut in_dialect = false;
        let mut dialect_skip = false;
        while i < t.len() {
            let c = t[i];
            if dialect_skip {
                if c == '}' {
                    dialect_skip = false;
                    in_dialect = false;
                }
                i += 1;
                continue;
            }
            match c {
                '{' => {
                    in_dialect = true;
                    i += 1;
                    continue;
                }
                '|' if in_dialect => {
                    dialect_skip = true;
                    i += 1;
                    continue;
                }
                '}' if in_dialect => {
                    in_dialect = false;
                    i += 1;
                    continue;
                }
                '%' => {}
                _ => {
                    out.push(c);
                    if c == '\n' && i + 1 < t.len() && t[i + 1] != '\t' {
                        out.push('\t');
                    }
                    i += 1;
                    continue;
                }
            }
            i += 1;
            if i >= t.len() {
                out.push('%');
                break;
            }
            match t[i] {
                '%' | '{' | '}' | '|' => {
                    out.push(t[i]);
                    i += 1;
                    continue;
                }
                '=' => {
                    let _ = write!(out, "{}", self.id);
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let mut modifier = None;
            if t[i].is_ascii_alphabetic() {
                modifier = Some(t[i]);
                i += 1;
            }
            let idx = if i < t.len() && t[i] == '[' {
                let end = t[i..].iter().position(|&c| c == ']').map(|p| p + i).unwrap_or(t.len());
                let name: String = t[i + 1..end.min(t.len())].iter().collect();
                i = end + 1;
                self.operand_index(&name)
            } else {
                let mut n = None;
                while i < t.len() && t[i].is_ascii_digit() {
                    n = Some(n.unwrap_or(0) * 10 + t[i].to_digit(10).unwrap_or(0) as usize);
                    i += 1;
                }
                n
            };
            let Some(idx) = idx else {
                // `%rax` style register names written with a single % in basic asm
                out.push('%');
                if let Some(m) = modifier {
                    out.push(m);
                }
                continue;
            };
            if modifier == Some('l') || idx >= self.operands.len() {
                let li = idx.saturating_sub(self.operands.len());
                if let Some(b) = self.labels.get(li) {
                    out.push_str(&cx.label(*b));
                }
                continue;
            }
            self.print_operand(out, &self.operands[idx], modifier, cx);
        }
        out.push('\n');
    }

    fn print_operand(&self, out: &mut String, o: &AsmOperand, m: Option<char>, cx: &PrintCx) {
        match &o.arg {
            AsmArg::Reg(r, _) => {
                let size = match m {
                    Some('b') => 1,
                    Some('w') => 2,
                    Some('k') => 4,
                    Some('q') => 8,
                    Some('h') => 0,
                    _ => o.size,
                };
                out.push('%');
                if size == 0 {
                    out.push_str(match r.0 {
                        0 => "ah",
                        1 => "ch",
                        2 => "dh",
                        3 => "bh",
                        _ => reg_name(*r, 1),
                    });
                } else {
                    out.push_str(reg_name(*r, size));
                }
            }
            AsmArg::Mem(a) => a.print(out, cx.frame),
            AsmArg::X87(0) => out.push_str("%st"),
            AsmArg::X87(n) => {
                let _ = write!(out, "%st({n})");
            }
            AsmArg::Imm(v) => match m {
                Some('c') | Some('P') => {
                    let _ = write!(out, "{v}");
                }
                Some('n') => {
                    let _ = write!(out, "{}", v.wrapping_neg());
                }
                _ => {
                    let _ = write!(out, "${v}");
                }
            },
            AsmArg::Sym(s, off) => {
                if !matches!(m, Some('c') | Some('P') | Some('a')) {
                    out.push('$');
                }
                out.push_str(s);
                if *off != 0 {
                    let _ = write!(out, "{off:+}");
                }
            }
        }
        if m == Some('z') {
            out.push(suffix(o.size));
        }
    }
}

fn fixed_reg(c: char) -> Option<Reg> {
    Some(match c {
        'a' => RAX,
        'b' => RBX,
        'c' => RCX,
        'd' => RDX,
        'S' => RSI,
        'D' => RDI,
        _ => return None,
    })
}

pub fn reg_by_name(n: &str) -> Option<Reg> {
    let n = n.trim_start_matches('%');
    for i in 0..32u32 {
        for sz in [1u8, 2, 4, 8] {
            if reg_name(Reg(i), sz) == n {
                return Some(Reg(i));
            }
        }
    }
    match n {
        "ah" => Some(RAX),
        "bh" => Some(RBX),
        "ch" => Some(RCX),
        "dh" => Some(RDX),
        _ => None,
    }
}

fn flag_cc(c: &str) -> Option<Cc> {
    Some(match c {
        "a" | "nbe" => Cc::A,
        "ae" | "nb" | "nc" => Cc::Ae,
        "b" | "c" | "nae" => Cc::B,
        "be" | "na" => Cc::Be,
        "e" | "z" => Cc::E,
        "ne" | "nz" => Cc::Ne,
        "g" | "nle" => Cc::G,
        "ge" | "nl" => Cc::Ge,
        "l" | "nge" => Cc::L,
        "le" | "ng" => Cc::Le,
        "o" => Cc::O,
        "no" => Cc::No,
        "p" | "pe" => Cc::P,
        "np" | "po" => Cc::Np,
        "s" => Cc::S,
        "ns" => Cc::Ns,
        _ => return None,
    })
}

impl Isel<'_> {
    /// `sym+disp` when `v` is a link-time constant address. Under PIC a global's
    /// address is loaded from the GOT, but an `"i"` operand still names the
    /// symbol itself, as GCC does (the asm decides how to reach it).
    fn symbolic_constant(&self, v: ccc_ir::Value) -> Option<(String, i64)> {
        if let VLoc::Addr(Amode { sym: Some((s, Reloc::None)), disp, base, .. }) = &self.vals[v.index()] {
            if matches!(base, Base::Rip | Base::None) {
                return Some((s.clone(), *disp));
            }
        }
        let ccc_ir::ValueDef::Inst(b, i) = self.f.values[v.index()].def else { return None };
        match &self.f.blocks[b.index()].insts[i as usize].kind {
            ccc_ir::InstKind::GlobalAddr { name, offset } => Some((name.clone(), *offset)),
            _ => None,
        }
    }

    /// Push a floating-point value onto the x87 stack.
    fn x87_push(&mut self, v: ccc_ir::Value) -> Result<(), String> {
        match self.ty(v) {
            Type::F80 => {
                let m = self.f80(v)?;
                self.text("fldt\t{0}", vec![(Opnd::Mem(m), OpKind::Use)]);
            }
            t @ (Type::F32 | Type::F64) => {
                let r = self.reg(v)?;
                let s = self.frame_slot(8, 8);
                self.emit(Inst::SseMov { dbl: t == Type::F64, src: Opnd::Reg(r), dst: Opnd::Mem(Amode::slot(s, 0)) });
                let tmpl = if t == Type::F64 { "fldl\t{0}" } else { "flds\t{0}" };
                self.text(tmpl, vec![(Opnd::Mem(Amode::slot(s, 0)), OpKind::Use)]);
            }
            t => return Err(format!("x87 asm operand of type {t}")),
        }
        Ok(())
    }

    pub(crate) fn lower_inline_asm(&mut self, a: &InlineAsm) -> Result<(), String> {
        let mut ops: Vec<AsmOperand> = Vec::new();
        // post-asm actions for outputs: (reg, address, type) or flag outputs
        enum Post {
            Store(Reg, ccc_ir::Value, Type),
            Flag(Cc, ccc_ir::Value, Type),
            X87(ccc_ir::Value, Type),
            None,
        }
        let mut posts = Vec::new();
        // x87 inputs to push before the asm: (stack position, value)
        let mut x87_in: Vec<(u8, ccc_ir::Value)> = Vec::new();
        let mut x87_out = false;
        for o in &a.outputs {
            let c = o.constraint.trim_start_matches(['=', '+']);
            let early = c.contains('&');
            let c = c.replace('&', "");
            let size = if o.ty.is_int() { int_sz(o.ty) } else { 8 };
            if let Some(cond) = c.strip_prefix("@cc") {
                let cc = flag_cc(cond).ok_or_else(|| format!("unknown flag output constraint `{}`", o.constraint))?;
                ops.push(AsmOperand { arg: AsmArg::Imm(0), size, name: o.name.clone() });
                posts.push(Post::Flag(cc, o.value, o.ty));
                continue;
            }
            if c == "t" {
                ops.push(AsmOperand { arg: AsmArg::X87(0), size, name: o.name.clone() });
                posts.push(Post::X87(o.value, o.ty));
                x87_out = true;
                continue;
            }
            let kind = if early { OpKind::EarlyDef } else { OpKind::Def };
            let first_reg = c.chars().find(|ch| "rqQabcdSDxg".contains(*ch) || ch.is_ascii_digit());
            if c.contains('m') && first_reg.is_none() || first_reg.is_none() && (c.contains('o') || c.contains('V')) {
                let m = self.amode(o.value)?;
                ops.push(AsmOperand { arg: AsmArg::Mem(m), size, name: o.name.clone() });
                posts.push(Post::None);
                continue;
            }
            let ch = first_reg.ok_or_else(|| format!("unsupported asm output constraint `{}`", o.constraint))?;
            let r = if let Some(p) = fixed_reg(ch) {
                p
            } else if ch == 'x' || o.ty.is_float() && !c.contains('r') {
                if o.ty == Type::F80 {
                    return Err("x87 asm operands are not supported".into());
                }
                self.fvreg()
            } else {
                self.vreg()
            };
            ops.push(AsmOperand { arg: AsmArg::Reg(r, kind), size, name: o.name.clone() });
            posts.push(Post::Store(r, o.value, o.ty));
        }
        let nout = ops.len();
        let mut pre_moves: Vec<(Reg, ccc_ir::Value, RegClass)> = Vec::new();
        for i in &a.inputs {
            let c = i.constraint.as_str();
            let size = if i.ty.is_int() { int_sz(i.ty) } else { 8 };
            if let Ok(n) = c.parse::<usize>() {
                // tied to output n: same register, read and written
                let Some(out) = ops.get_mut(n) else { return Err(format!("asm input tied to missing output {n}")) };
                let r = match &out.arg {
                    AsmArg::Reg(r, _) => *r,
                    // "+m": the input is the same memory
                    AsmArg::X87(k) => {
                        let k = *k;
                        x87_in.push((k, i.value));
                        ops.push(AsmOperand { arg: AsmArg::X87(k), size, name: i.name.clone() });
                        continue;
                    }
                    a @ AsmArg::Mem(_) => {
                        let a = a.clone();
                        ops.push(AsmOperand { arg: a, size, name: i.name.clone() });
                        continue;
                    }
                    _ => return Err("asm input tied to a non-register output".into()),
                };
                out.arg = AsmArg::Reg(r, OpKind::UseDef);
                let class = if r.is_virtual() { self.mf.class_of(r) } else if is_xmm(r) { RegClass::Float } else { RegClass::Int };
                pre_moves.push((r, i.value, class));
                ops.push(AsmOperand { arg: AsmArg::Reg(r, OpKind::Use), size, name: i.name.clone() });
                continue;
            }
            if c == "t" || c == "u" {
                let k = if c == "t" { 0 } else { 1 };
                x87_in.push((k, i.value));
                ops.push(AsmOperand { arg: AsmArg::X87(k), size, name: i.name.clone() });
                continue;
            }
            // immediates
            if c.contains('i') || c.contains('n') || c.contains('g') || c.chars().any(|ch| "IJKLMNOe".contains(ch)) {
                if let Some(v) = self.const_of(i.value).filter(|v| immediate_allowed(c, *v as i64)) {
                    ops.push(AsmOperand { arg: AsmArg::Imm(v as i64), size, name: i.name.clone() });
                    continue;
                }
                if let Some((s, disp)) = self.symbolic_constant(i.value) {
                    ops.push(AsmOperand { arg: AsmArg::Sym(s, disp), size, name: i.name.clone() });
                    continue;
                }
            }
            let reg_ch = c.chars().find(|ch| "rqQabcdSDxg".contains(*ch));
            if reg_ch.is_none() && (c.contains('m') || c.contains('o') || c.contains('V') || c.contains('p')) {
                let m = self.amode(i.value)?;
                ops.push(AsmOperand { arg: AsmArg::Mem(m), size, name: i.name.clone() });
                continue;
            }
            let ch = reg_ch.ok_or_else(|| format!("unsupported asm input constraint `{c}`"))?;
            if i.ty == Type::F80 {
                return Err("x87 asm operands are not supported".into());
            }
            if i386() && i.ty == dword() {
                return Err("i386: 64-bit asm operands are not supported yet".into());
            }
            let v = if i.ty == Type::I128 { self.pair(i.value)?.0 } else { self.reg(i.value)? };
            let r = match fixed_reg(ch) {
                Some(p) => {
                    pre_moves.push((p, i.value, RegClass::Int));
                    p
                }
                None => {
                    // a copy so the operand register dies at the asm
                    let n = if self.mf.class_of(v) == RegClass::Float { self.fvreg() } else { self.vreg() };
                    if self.mf.class_of(v) == RegClass::Float {
                        self.fmov_rr(v, n)
                    } else {
                        self.mov_rr(v, n)
                    }
                    n
                }
            };
            ops.push(AsmOperand { arg: AsmArg::Reg(r, OpKind::Use), size, name: i.name.clone() });
        }
        for (r, v, class) in pre_moves {
            let x = if self.ty(v) == Type::I128 { self.pair(v)?.0 } else { self.reg(v)? };
            if class == RegClass::Float {
                self.fmov_rr(x, r)
            } else {
                self.mov_rr(x, r)
            }
        }
        let mut clobbers = Vec::new();
        for c in &a.clobbers {
            if c == "memory" || c == "cc" || c == "dirflag" || c == "fpsr" || c == "flags" {
                continue;
            }
            match reg_by_name(c) {
                Some(r) => clobbers.push(r),
                None if c.starts_with("st") || c.starts_with("mm") || c.starts_with('k') || c.starts_with("ymm") || c.starts_with("zmm") => {
                    if let Some(r) = reg_by_name(&c.replacen('y', "x", 1).replacen('z', "x", 1)) {
                        clobbers.push(r)
                    }
                }
                None => return Err(format!("unknown register name `{c}` in asm clobber list")),
            }
        }
        // push x87 inputs: %st(1) first, then %st
        x87_in.sort_by_key(|x| std::cmp::Reverse(x.0));
        x87_in.dedup_by_key(|x| x.0);
        for &(_, v) in &x87_in {
            self.x87_push(v)?;
        }
        let labels: Vec<u32> = a.goto_targets.iter().map(|b| self.mblock(*b)).collect();
        let id = self.consts.next_asm_id();
        let _ = nout;
        self.emit(Inst::InlineAsm(Box::new(AsmInst {
            template: a.template.clone(),
            operands: ops,
            clobbers,
            labels: labels.clone(),
            label_names: vec![None; labels.len()],
            id,
        })));
        for l in labels {
            self.add_succ(l);
        }
        for p in posts {
            match p {
                Post::Store(r, addr, ty) => {
                    let m = self.amode(addr)?;
                    let in_xmm = if r.is_virtual() { self.mf.class_of(r) == RegClass::Float } else { is_xmm(r) };
                    match ty {
                        Type::F32 | Type::F64 if in_xmm => self.emit(Inst::SseMov { dbl: ty == Type::F64, src: Opnd::Reg(r), dst: Opnd::Mem(m) }),
                        Type::F32 | Type::F64 => self.mov(ty.size() as u8, Opnd::Reg(r), Opnd::Mem(m)),
                        _ => {
                            let t = if r.is_virtual() {
                                r
                            } else {
                                let t = self.vreg();
                                self.mov_rr(r, t);
                                t
                            };
                            let sz = int_sz(ty);
                            self.mov(sz, Opnd::Reg(t), Opnd::Mem(m));
                        }
                    }
                }
                Post::Flag(cc, addr, ty) => {
                    let t = self.vreg();
                    self.emit(Inst::Setcc { cc, dst: t });
                    self.emit(Inst::MovX { op: "movzbl", src: Opnd::Reg(t), dst: t });
                    let m = self.amode(addr)?;
                    self.mov(int_sz(ty), Opnd::Reg(t), Opnd::Mem(m));
                }
                Post::X87(addr, ty) => {
                    let m = self.amode(addr)?;
                    let t = match ty {
                        Type::F32 => "fstps\t{0}",
                        Type::F64 => "fstpl\t{0}",
                        _ => "fstpt\t{0}",
                    };
                    self.text(t, vec![(Opnd::Mem(m), OpKind::Use)]);
                }
                Post::None => {}
            }
        }
        // pop inputs the asm left on the x87 stack (unless declared clobbered)
        let popped = |n: &str| a.clobbers.iter().any(|c| c.replace(' ', "") == n);
        for &(k, _) in x87_in.iter().rev() {
            let stays = match k {
                0 => !x87_out && !popped("st"),
                _ => !popped("st(1)"),
            };
            if stays {
                self.text("fstp\t%st(0)", vec![]);
            }
        }
        Ok(())
    }
}

/// Whether constant `v` may be an immediate for constraint `c`: `i`, `n` and `g` take
/// any constant; GCC's x86 letters take ranges (`"Ir"` with 595 must use a register).
fn immediate_allowed(c: &str, v: i64) -> bool {
    c.chars().any(|ch| match ch {
        'i' | 'n' | 'g' => true,
        'I' => (0..=31).contains(&v),
        'J' => (0..=63).contains(&v),
        'K' => (-128..=127).contains(&v),
        'L' => matches!(v, 0xff | 0xffff | 0xffff_ffff),
        'M' => (0..=3).contains(&v),
        'N' => (0..=255).contains(&v),
        'O' => (0..=127).contains(&v),
        'e' => i32::try_from(v).is_ok(),
        _ => false,
    })
}
