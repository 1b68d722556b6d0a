//! GNU inline assembly for AArch64: constraints `r`, `w` (FP/SIMD),
//! `i`/`n` and the immediate letters `I J K L M N`, `Z` (zero), `m`/`Q`
//! (memory addressed by a register), `p` (an address in a register), tied
//! operands, and `%N` / `%[name]` / `%wN` / `%xN` / `%sN` / `%dN` / `%qN` /
//! `%bN` / `%cN` / `%lN` / `%aN` substitution.

use std::fmt::Write;

use ccc_ir::{InlineAsm, Type, Value};

use super::inst::*;
use super::isel::Isel;
use super::print::PrintCx;
use crate::codegen::lowering::int_sz;
use crate::codegen::mir::{OpKind, Reg, RegClass};

#[derive(Clone, Debug, PartialEq)]
pub enum AsmArg {
    Reg(Reg, OpKind),
    /// `[reg]` (constraints `m`, `Q`).
    Mem(Mem),
    Imm(i64),
    Sym(String, i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AsmOperand {
    pub arg: AsmArg,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AsmInst {
    pub template: String,
    pub operands: Vec<AsmOperand>,
    pub clobbers: Vec<Reg>,
    pub labels: Vec<u32>,
    pub id: u32,
}

impl AsmInst {
    pub fn reg_operands(&self, f: &mut dyn FnMut(Reg, OpKind)) {
        for o in &self.operands {
            match &o.arg {
                AsmArg::Reg(r, k) => f(*r, *k),
                AsmArg::Mem(Mem { base: Base::Reg(r), .. }) => f(*r, OpKind::Use),
                _ => {}
            }
        }
    }

    pub fn map_regs(&mut self, f: &mut dyn FnMut(Reg) -> Reg) {
        for o in &mut self.operands {
            match &mut o.arg {
                AsmArg::Reg(r, _) => *r = f(*r),
                AsmArg::Mem(Mem { base: Base::Reg(r), .. }) => *r = f(*r),
                _ => {}
            }
        }
    }

    pub fn print(&self, out: &mut String, cx: &PrintCx) {
        let t: Vec<char> = self.template.chars().collect();
        let mut s = String::from("\t");
        let mut i = 0;
        while i < t.len() {
            let c = t[i];
            i += 1;
            if c != '%' {
                s.push(c);
                continue;
            }
            let Some(&n) = t.get(i) else {
                s.push('%');
                break;
            };
            if n == '%' {
                s.push('%');
                i += 1;
                continue;
            }
            if n == '=' {
                let _ = write!(s, "{}", self.id);
                i += 1;
                continue;
            }
            let mut modifier = None;
            if n.is_ascii_alphabetic() && t.get(i + 1).is_some_and(|c| c.is_ascii_digit() || *c == '[') {
                modifier = Some(n);
                i += 1;
            }
            let idx = if t.get(i) == Some(&'[') {
                let end = t[i..].iter().position(|&c| c == ']').map(|p| p + i).unwrap_or(t.len());
                let name: String = t[i + 1..end].iter().collect();
                i = end + 1;
                self.operands.iter().position(|o| o.name.as_deref() == Some(name.as_str()))
            } else {
                let mut k = None;
                while let Some(d) = t.get(i).and_then(|c| c.to_digit(10)) {
                    k = Some(k.unwrap_or(0) * 10 + d as usize);
                    i += 1;
                }
                k
            };
            let Some(idx) = idx else {
                s.push('%');
                if let Some(m) = modifier {
                    s.push(m);
                }
                continue;
            };
            if modifier == Some('l') || idx >= self.operands.len() {
                if let Some(b) = self.labels.get(idx.saturating_sub(self.operands.len())) {
                    s.push_str(&cx.label(*b));
                }
                continue;
            }
            let width = |m: Option<char>, fpr: bool| match m {
                Some('w') => W::W,
                Some('x') => W::X,
                Some('s') => W::S,
                Some('d') => W::D,
                Some('q') => W::Q,
                Some('b') => W::B,
                _ if fpr => W::V,
                _ => W::X,
            };
            match &self.operands[idx].arg {
                AsmArg::Imm(0) if matches!(modifier, Some('w' | 'x')) => s.push_str(&reg_name(ZR, width(modifier, false))),
                // `%a`: the address in a register (a "p" operand), as memory
                AsmArg::Reg(r, _) if modifier == Some('a') => {
                    let _ = write!(s, "[{}]", reg_name(*r, W::X));
                }
                AsmArg::Reg(r, _) => s.push_str(&reg_name(*r, width(modifier, is_fpr(*r)))),
                AsmArg::Imm(v) => {
                    let _ = write!(s, "{v}");
                }
                AsmArg::Sym(n, off) => {
                    s.push_str(n);
                    if *off != 0 {
                        let _ = write!(s, "{off:+}");
                    }
                }
                AsmArg::Mem(m) => {
                    let r = match m.base {
                        Base::Reg(r) => r,
                        _ => FP,
                    };
                    let _ = write!(s, "[{}]", reg_name(r, W::X));
                }
            }
        }
        out.push_str(&s);
        out.push('\n');
    }
}

pub fn reg_by_name(n: &str) -> Option<Reg> {
    let n = n.trim().trim_start_matches('%');
    match n {
        "lr" => return Some(LR),
        "fp" => return Some(FP),
        "sp" => return Some(SP),
        _ => {}
    }
    let (p, num) = n.split_at(1);
    let k = num.parse::<u32>().ok()?;
    match p {
        // GCC also takes `r0`-`r30` (the kernel's SMCCC register variables)
        "x" | "w" | "r" if k < 31 => Some(x(k)),
        "v" | "q" | "d" | "s" | "h" | "b" if k < 32 => Some(v(k)),
        _ => None,
    }
}

/// The register of a `{reg}` constraint (a local register variable's).
fn explicit_register(c: &str) -> Option<Result<Reg, String>> {
    let name = c.strip_prefix('{')?.strip_suffix('}')?;
    Some(reg_by_name(name).ok_or_else(|| format!("invalid register name `{name}` for an asm operand")))
}

fn immediate_allowed(c: &str, val: i64) -> bool {
    c.chars().any(|ch| match ch {
        'i' | 'n' => true,
        'I' => add_imm(val),
        'J' => add_imm(-val),
        'K' => logical_imm(val as u64, true),
        'L' => logical_imm(val as u64, false),
        'M' | 'N' => true,
        'Z' => val == 0,
        _ => false,
    })
}

impl Isel<'_> {
    fn asm_mem(&mut self, v: Value) -> Result<Mem, String> {
        let r = self.reg(v)?;
        Ok(Mem::reg(r, 0))
    }

    pub(crate) fn lower_inline_asm(&mut self, a: &InlineAsm) -> Result<(), String> {
        let mut ops: Vec<AsmOperand> = Vec::new();
        let mut posts: Vec<Option<(Reg, Value, Type)>> = Vec::new();
        // Operands in fixed registers: (register, vreg) copied in right before
        // the asm and out right after it, so nothing else lives in them.
        let mut fixed_in: Vec<(Reg, Reg)> = Vec::new();
        let mut fixed_out: Vec<(Reg, Reg)> = Vec::new();
        for o in &a.outputs {
            let c = o.constraint.trim_start_matches(['=', '+']);
            let kind = if c.contains('&') { OpKind::EarlyDef } else { OpKind::Def };
            if let Some(reg) = explicit_register(c.trim_start_matches('&')) {
                let reg = reg.map_err(|e| format!("{}: {e}", self.f.name))?;
                let r = if is_fpr(reg) { self.fvreg() } else { self.vreg() };
                fixed_out.push((reg, r));
                ops.push(AsmOperand { arg: AsmArg::Reg(reg, kind), name: o.name.clone() });
                posts.push(Some((r, o.value, o.ty)));
                continue;
            }
            if c.contains('m') || c.contains('Q') {
                let m = self.asm_mem(o.value)?;
                ops.push(AsmOperand { arg: AsmArg::Mem(m), name: o.name.clone() });
                posts.push(None);
                continue;
            }
            let r = if c.contains('w') {
                self.fvreg()
            } else if c.contains('r') || c.contains('g') {
                self.vreg()
            } else {
                return Err(format!("{}: unsupported asm output constraint `{}`", self.f.name, o.constraint));
            };
            ops.push(AsmOperand { arg: AsmArg::Reg(r, kind), name: o.name.clone() });
            posts.push(Some((r, o.value, o.ty)));
        }
        let mut pre: Vec<(Reg, Value)> = Vec::new();
        for i in &a.inputs {
            let c = i.constraint.as_str();
            if let Ok(n) = c.parse::<usize>() {
                let out = ops.get_mut(n).ok_or_else(|| format!("asm input tied to missing output {n}"))?;
                match out.arg.clone() {
                    AsmArg::Reg(r, _) if !r.is_virtual() => {
                        // a fixed-register output: its input goes in the same register
                        out.arg = AsmArg::Reg(r, OpKind::UseDef);
                        let v = if int_sz(i.ty) == 16 { self.pair(i.value)?.0 } else { self.reg(i.value)? };
                        let n = if is_fpr(r) { self.fvreg() } else { self.vreg() };
                        self.copy(n, v);
                        fixed_in.push((r, n));
                        ops.push(AsmOperand { arg: AsmArg::Reg(r, OpKind::Use), name: i.name.clone() });
                    }
                    AsmArg::Reg(r, _) => {
                        out.arg = AsmArg::Reg(r, OpKind::UseDef);
                        pre.push((r, i.value));
                        ops.push(AsmOperand { arg: AsmArg::Reg(r, OpKind::Use), name: i.name.clone() });
                    }
                    arg => ops.push(AsmOperand { arg, name: i.name.clone() }),
                }
                continue;
            }
            if let Some(reg) = explicit_register(c) {
                let reg = reg.map_err(|e| format!("{}: {e}", self.f.name))?;
                let v = if int_sz(i.ty) == 16 { self.pair(i.value)?.0 } else { self.reg(i.value)? };
                let n = if is_fpr(reg) { self.fvreg() } else { self.vreg() };
                self.copy(n, v);
                fixed_in.push((reg, n));
                ops.push(AsmOperand { arg: AsmArg::Reg(reg, OpKind::Use), name: i.name.clone() });
                continue;
            }
            if c.chars().any(|ch| "inIJKLMNZ".contains(ch)) {
                if let Some(v) = self.const_of(i.value).filter(|v| immediate_allowed(c, *v as i64)) {
                    ops.push(AsmOperand { arg: AsmArg::Imm(v as i64), name: i.name.clone() });
                    continue;
                }
                if let Some(ccc_ir::InstKind::GlobalAddr { name, offset }) = self.def_inst(i.value) {
                    ops.push(AsmOperand { arg: AsmArg::Sym(name.clone(), *offset), name: i.name.clone() });
                    continue;
                }
            }
            if !c.contains('r') && !c.contains('w') && (c.contains('m') || c.contains('Q')) {
                let m = self.asm_mem(i.value)?;
                ops.push(AsmOperand { arg: AsmArg::Mem(m), name: i.name.clone() });
                continue;
            }
            // "p" (an address, printed with `%a`) lives in a general register
            if !c.contains('r') && !c.contains('w') && !c.contains('g') && !c.contains('Z') && !c.contains('p') {
                return Err(format!("{}: unsupported asm input constraint `{c}`", self.f.name));
            }
            let v = if int_sz(i.ty) == 16 { self.pair(i.value)?.0 } else { self.reg(i.value)? };
            // a copy so the operand register dies at the asm
            let float = c.contains('w') && !c.contains('r');
            let n = if float { self.fvreg() } else { self.vreg() };
            if float && !(v.is_virtual() && self.mf.class_of(v) == RegClass::Float) {
                self.u("fmov", n, W::D, v, W::X);
            } else {
                self.copy(n, v);
            }
            ops.push(AsmOperand { arg: AsmArg::Reg(n, OpKind::Use), name: i.name.clone() });
        }
        for (r, v) in pre {
            let x = if int_sz(self.ty(v)) == 16 { self.pair(v)?.0 } else { self.reg(v)? };
            self.copy(r, x);
        }
        for (reg, v) in fixed_in {
            self.copy(reg, v);
        }
        let mut clobbers = Vec::new();
        for c in &a.clobbers {
            if c == "memory" || c == "cc" {
                continue;
            }
            clobbers.push(reg_by_name(c).ok_or_else(|| format!("unknown register name `{c}` in asm clobber list"))?);
        }
        let labels: Vec<u32> = a.goto_targets.iter().map(|b| self.mblock(*b)).collect();
        let id = self.consts.next_asm_id();
        self.emit(Inst::InlineAsm(Box::new(AsmInst { template: a.template.clone(), operands: ops, clobbers, labels: labels.clone(), id })));
        for l in labels {
            self.add_succ(l);
        }
        for (reg, r) in fixed_out {
            self.copy(r, reg);
        }
        for (r, addr, ty) in posts.into_iter().flatten() {
            let m = self.mem(addr)?;
            let is_f = self.mf.class_of(r) == RegClass::Float;
            let t = match ty {
                Type::F32 | Type::F64 if is_f => ty,
                t => Type::int_of_size(t.size()).unwrap_or(Type::I64),
            };
            self.store_ty(t, r, m);
        }
        Ok(())
    }
}
