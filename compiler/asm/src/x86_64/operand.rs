//! AT&T operands: `%reg`, `$imm`, `seg:disp(base,index,scale)`, `*operand`.

use crate::assembler::Assembler;
use crate::expr::ExprM;
use crate::lex::{split_commas, Tok};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// General register of 1, 2, 4 or 8 bytes.
    Gpr(u8),
    Xmm,
    Ymm,
    St,
    Seg,
    Rip,
    Cr,
    Dr,
    Mmx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reg {
    pub class: Class,
    pub num: u8,
    /// `%ah`..`%bh`: encodable only without REX.
    pub high8: bool,
}

impl Reg {
    pub fn size(&self) -> Option<u8> {
        match self.class {
            Class::Gpr(s) => Some(s),
            _ => None,
        }
    }
    /// `%spl`/`%bpl`/`%sil`/`%dil` need a REX prefix to be told from `%ah`..`%bh`.
    pub fn needs_rex(&self) -> bool {
        self.class == Class::Gpr(1) && !self.high8 && (4..8).contains(&self.num)
    }
    pub fn is_gpr(&self) -> bool {
        matches!(self.class, Class::Gpr(_))
    }
}

pub fn parse_reg(name: &str) -> Option<Reg> {
    const Q: [&str; 16] = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
    const L: [&str; 8] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
    const W: [&str; 8] = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
    const B: [&str; 8] = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];
    const H: [&str; 4] = ["ah", "ch", "dh", "bh"];
    const S: [&str; 6] = ["es", "cs", "ss", "ds", "fs", "gs"];
    let g = |class, num: usize| Some(Reg { class, num: num as u8, high8: false });
    if let Some(i) = Q.iter().position(|r| *r == name) {
        return g(Class::Gpr(8), i);
    }
    if let Some(i) = L.iter().position(|r| *r == name) {
        return g(Class::Gpr(4), i);
    }
    if let Some(i) = W.iter().position(|r| *r == name) {
        return g(Class::Gpr(2), i);
    }
    if let Some(i) = B.iter().position(|r| *r == name) {
        return g(Class::Gpr(1), i);
    }
    if let Some(i) = H.iter().position(|r| *r == name) {
        return Some(Reg { class: Class::Gpr(1), num: 4 + i as u8, high8: true });
    }
    if let Some(i) = S.iter().position(|r| *r == name) {
        return g(Class::Seg, i);
    }
    if name == "rip" || name == "eip" {
        return g(Class::Rip, 0);
    }
    if name == "st" {
        return g(Class::St, 0);
    }
    let num = |p: &str| -> Option<usize> { name.strip_prefix(p)?.parse().ok() };
    if let Some(rest) = name.strip_prefix('r') {
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse::<usize>() {
            if (8..16).contains(&n) {
                return match &rest[digits.len()..] {
                    "" => g(Class::Gpr(8), n),
                    "d" => g(Class::Gpr(4), n),
                    "w" => g(Class::Gpr(2), n),
                    "b" | "l" => g(Class::Gpr(1), n),
                    _ => None,
                };
            }
        }
    }
    if let Some(n) = num("xmm").filter(|n| *n < 16) {
        return g(Class::Xmm, n);
    }
    if let Some(n) = num("ymm").filter(|n| *n < 16) {
        return g(Class::Ymm, n);
    }
    if let Some(n) = num("mm").filter(|n| *n < 8) {
        return g(Class::Mmx, n);
    }
    if let Some(n) = num("cr").filter(|n| *n < 16) {
        return g(Class::Cr, n);
    }
    if let Some(n) = num("db").or_else(|| num("dr")).filter(|n| *n < 16) {
        return g(Class::Dr, n);
    }
    None
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mem {
    pub seg: Option<u8>,
    pub disp: Option<ExprM>,
    pub base: Option<Reg>,
    pub index: Option<Reg>,
    pub scale: u8,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Reg(Reg),
    Imm(ExprM),
    Mem(Mem),
}

/// One operand plus whether it was written with `*` (indirect jump/call).
#[derive(Clone, Debug)]
pub struct Op {
    pub op: Operand,
    pub star: bool,
}

pub fn parse_operands(asm: &mut Assembler, toks: &[Tok]) -> Result<Vec<Op>, String> {
    if toks.is_empty() {
        return Ok(Vec::new());
    }
    // (Split at top-level commas without collecting the pieces first: every instruction.)
    let mut ops = Vec::with_capacity(3);
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op("(") => depth += 1,
            Tok::Op(")") => depth -= 1,
            Tok::Op(",") if depth == 0 => {
                ops.push(parse_operand(asm, &toks[start..i])?);
                start = i + 1;
            }
            _ => {}
        }
    }
    ops.push(parse_operand(asm, &toks[start..])?);
    Ok(ops)
}

fn reg_of(name: &str) -> Result<Reg, String> {
    parse_reg(name).ok_or_else(|| format!("bad register name `%{name}'"))
}

fn parse_operand(asm: &mut Assembler, toks: &[Tok]) -> Result<Op, String> {
    let (star, toks) = match toks {
        [Tok::Op("*"), rest @ ..] => (true, rest),
        _ => (false, toks),
    };
    let op = match toks {
        [] => return Err("missing operand".into()),
        [Tok::Op("$"), rest @ ..] => Operand::Imm(folded(asm, rest)?),
        [Tok::Reg(r)] => Operand::Reg(reg_of(r)?),
        [Tok::Reg(r), Tok::Op("("), Tok::Num(n), Tok::Op(")")] if r == "st" => {
            if !(0..8).contains(n) {
                return Err(format!("bad register name `%st({n})'"));
            }
            Operand::Reg(Reg { class: Class::St, num: *n as u8, high8: false })
        }
        [Tok::Reg(r), Tok::Op(":"), rest @ ..] => {
            let seg = reg_of(r)?;
            if seg.class != Class::Seg {
                return Err(format!("`%{r}' is not a segment register"));
            }
            let mut m = parse_mem(asm, rest)?;
            m.seg = Some(seg.num);
            Operand::Mem(m)
        }
        _ => Operand::Mem(parse_mem(asm, toks)?),
    };
    Ok(Op { op, star })
}

fn parse_mem(asm: &mut Assembler, toks: &[Tok]) -> Result<Mem, String> {
    let mut m = Mem { seg: None, disp: None, base: None, index: None, scale: 1 };
    let mut disp_toks = toks;
    if toks.last() == Some(&Tok::Op(")")) {
        // Find the matching '(' of the final group.
        let mut depth = 0;
        let mut open = None;
        for i in (0..toks.len()).rev() {
            match toks[i] {
                Tok::Op(")") => depth += 1,
                Tok::Op("(") => {
                    depth -= 1;
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let open = open.ok_or("unbalanced parenthesis")?;
        let inner = &toks[open + 1..toks.len() - 1];
        if matches!(inner.first(), Some(Tok::Reg(_)) | Some(Tok::Op(","))) {
            disp_toks = &toks[..open];
            let parts = split_commas(inner);
            if let Some([Tok::Reg(b)]) = parts.first() {
                m.base = Some(reg_of(b)?);
            } else if !parts.first().map_or(true, |p| p.is_empty()) {
                return Err("bad base register".into());
            }
            if let Some(p) = parts.get(1) {
                match p {
                    [Tok::Reg(i)] => m.index = Some(reg_of(i)?),
                    [] => {}
                    _ => return Err("bad index register".into()),
                }
            }
            if let Some(p) = parts.get(2) {
                let s = asm.const_expr(p)?;
                if ![1, 2, 4, 8].contains(&s) {
                    return Err(format!("scale factor of {s} without an index register"));
                }
                m.scale = s as u8;
            }
        }
    }
    if !disp_toks.is_empty() {
        m.disp = Some(folded(asm, disp_toks)?);
    }
    Ok(m)
}

/// Parse an expression, replacing it by its value when that is known now.
fn folded(asm: &mut Assembler, toks: &[Tok]) -> Result<ExprM, String> {
    // (The common plain numbers, `-8(%rbp)`, without building an expression tree.)
    match toks {
        [Tok::Num(n)] => return Ok(ExprM { expr: crate::expr::Expr::Num(*n), modifier: None }),
        [Tok::Op("-"), Tok::Num(n)] => return Ok(ExprM { expr: crate::expr::Expr::Num(n.wrapping_neg()), modifier: None }),
        _ => {}
    }
    let mut e = asm.parse_expr(toks)?;
    if e.modifier.is_none() {
        if let Some(n) = asm.try_const(&e.expr)? {
            e.expr = crate::expr::Expr::Num(n);
        }
    }
    Ok(e)
}
