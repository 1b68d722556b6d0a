//! AT&T text of machine instructions (after register allocation).

use std::fmt::Write;

use super::inst::*;
use crate::codegen::frame::Frame;

/// Context for printing one function.
pub struct PrintCx<'a> {
    pub frame: &'a Frame,
    /// Prefix of block labels of this function (`.LBB3_`).
    pub label_prefix: String,
    /// Epilogue text printed for `Ret`.
    pub epilogue: String,
}

impl PrintCx<'_> {
    pub fn label(&self, b: u32) -> String {
        format!("{}{}", self.label_prefix, b)
    }
}

fn op(out: &mut String, o: &Opnd, sz: u8, cx: &PrintCx) {
    o.print(out, sz, cx.frame)
}

fn two(out: &mut String, mn: &str, src: &Opnd, ssz: u8, dst: &Opnd, dsz: u8, cx: &PrintCx) {
    out.push('\t');
    out.push_str(mn);
    out.push('\t');
    op(out, src, ssz, cx);
    out.push_str(", ");
    op(out, dst, dsz, cx);
    out.push('\n');
}

fn sse_suffix(dbl: bool) -> &'static str {
    if dbl {
        "sd"
    } else {
        "ss"
    }
}

/// Print `inst`; `next` is the block laid out after the current one (to
/// drop jumps to it).
pub fn print_inst(out: &mut String, inst: &Inst, next: Option<u32>, cx: &PrintCx) {
    use Inst::*;
    match inst {
        Mov { sz, src, dst } => {
            if let (Opnd::Reg(a), Opnd::Reg(b)) = (src, dst) {
                if a == b && *sz == 8 {
                    return;
                }
            }
            two(out, &format!("mov{}", suffix(*sz)), src, *sz, dst, *sz, cx)
        }
        MovAbs { imm, dst } => {
            let mn = if i386() { "movl" } else { "movabsq" };
            let _ = writeln!(out, "\t{mn}\t${imm}, %{}", reg_name(*dst, 8));
        }
        MovX { op: mn, src, dst } => {
            // i386: a word is 4 bytes, so extensions to 8 end at 4.
            let mn = match *mn {
                "movsbq" if i386() => "movsbl",
                "movzbq" if i386() => "movzbl",
                "movswq" if i386() => "movswl",
                "movzwq" if i386() => "movzwl",
                "movslq" if i386() => "movl",
                m => m,
            };
            let (ssz, dsz) = match mn {
                "movsbl" | "movzbl" => (1, 4),
                "movsbq" | "movzbq" => (1, 8),
                "movswl" | "movzwl" => (2, 4),
                "movswq" | "movzwq" => (2, 8),
                "movslq" => (4, 8),
                _ => (8, 8),
            };
            two(out, mn, src, ssz, &Opnd::Reg(*dst), dsz, cx)
        }
        Lea { mem, dst } => {
            let _ = write!(out, "\tlea{}\t", suffix(8));
            mem.print(out, cx.frame);
            let _ = writeln!(out, ", %{}", reg_name(*dst, 8));
        }
        Alu { op: o, sz, src, dst } => {
            let name = match o {
                AluOp::Add => "add",
                AluOp::Sub => "sub",
                AluOp::And => "and",
                AluOp::Or => "or",
                AluOp::Xor => "xor",
                AluOp::Adc => "adc",
                AluOp::Sbb => "sbb",
            };
            two(out, &format!("{name}{}", suffix(*sz)), src, *sz, dst, *sz, cx)
        }
        Cmp { sz, src, dst } => two(out, &format!("cmp{}", suffix(*sz)), src, *sz, dst, *sz, cx),
        Test { sz, src, dst } => two(out, &format!("test{}", suffix(*sz)), src, *sz, dst, *sz, cx),
        Imul { sz, src, dst } => two(out, &format!("imul{}", suffix(*sz)), src, *sz, &Opnd::Reg(*dst), *sz, cx),
        Imul3 { sz, src, imm, dst } => {
            let _ = write!(out, "\timul{}\t${imm}, ", suffix(*sz));
            op(out, src, *sz, cx);
            let _ = writeln!(out, ", %{}", reg_name(*dst, *sz));
        }
        Shift { op: o, sz, amt, dst } => match amt {
            Some(n) => {
                let _ = writeln!(out, "\t{o}{}\t${n}, %{}", suffix(*sz), reg_name(*dst, *sz));
            }
            None => {
                let _ = writeln!(out, "\t{o}{}\t%cl, %{}", suffix(*sz), reg_name(*dst, *sz));
            }
        },
        Unary { op: o, sz, dst } => {
            if *o == "bswap" && *sz == 2 {
                let _ = writeln!(out, "\trolw\t$8, %{}", reg_name(*dst, 2));
            } else {
                let _ = writeln!(out, "\t{o}{}\t%{}", suffix(*sz), reg_name(*dst, *sz));
            }
        }
        BitScan { op: o, sz, src, dst } => two(out, &format!("{o}{}", suffix(*sz)), src, *sz, &Opnd::Reg(*dst), *sz, cx),
        Cext { sz } => {
            out.push_str(match sz {
                2 => "\tcwtd\n",
                4 => "\tcltd\n",
                _ if i386() => "\tcltd\n",
                _ => "\tcqto\n",
            });
        }
        Div { signed, sz, src } => {
            let _ = write!(out, "\t{}{}\t", if *signed { "idiv" } else { "div" }, suffix(*sz));
            op(out, src, *sz, cx);
            out.push('\n');
        }
        MulWide { signed, sz, src } => {
            let _ = write!(out, "\t{}{}\t", if *signed { "imul" } else { "mul" }, suffix(*sz));
            op(out, src, *sz, cx);
            out.push('\n');
        }
        Setcc { cc, dst } => {
            let _ = writeln!(out, "\tset{}\t%{}", cc.name(), reg_name(*dst, 1));
        }
        Cmov { cc, sz, src, dst } => {
            let sz = (*sz).max(4);
            two(out, &format!("cmov{}{}", cc.name(), suffix(sz)), src, sz, &Opnd::Reg(*dst), sz, cx)
        }
        SseMov { dbl, src, dst } => match (src, dst) {
            (Opnd::Reg(a), Opnd::Reg(b)) => {
                if a != b {
                    two(out, "movaps", src, 8, dst, 8, cx)
                }
            }
            _ => two(out, &format!("mov{}", sse_suffix(*dbl)), src, 8, dst, 8, cx),
        },
        SseOp { op: o, dbl, src, dst } => {
            let mn = match *o {
                "xorp" | "andp" | "orp" | "andnp" => format!("{o}{}", if *dbl { "d" } else { "s" }),
                _ => format!("{o}{}", sse_suffix(*dbl)),
            };
            two(out, &mn, src, 8, &Opnd::Reg(*dst), 8, cx)
        }
        Ucomi { dbl, src, dst } => two(out, &format!("ucomi{}", sse_suffix(*dbl)), src, 8, &Opnd::Reg(*dst), 8, cx),
        Cvt { op: mn, src, dst } => {
            // integer operand width is implied by the suffix letter
            let isz = if mn.ends_with('q') { 8 } else { 4 };
            let (ssz, dsz) = if mn.starts_with("cvtsi2") { (isz, 8) } else { (8, isz) };
            two(out, mn, src, ssz, &Opnd::Reg(*dst), dsz, cx)
        }
        MovGX { sz, src, dst } => {
            let mn = if *sz == 8 { "movq" } else { "movd" };
            let _ = writeln!(out, "\t{mn}\t%{}, %{}", reg_name(*src, *sz), reg_name(*dst, *sz));
        }
        Jmp { target } => {
            if Some(*target) != next {
                let _ = writeln!(out, "\tjmp\t{}", cx.label(*target));
            }
        }
        Jcc { cc, target } => {
            let _ = writeln!(out, "\tj{}\t{}", cc.name(), cx.label(*target));
        }
        JmpInd { src } => {
            out.push_str("\tjmp\t*");
            op(out, src, 8, cx);
            out.push('\n');
        }
        JumpTable { idx, tmp, targets, id, absolute } => {
            let (i, t) = (reg_name(*idx, 8), reg_name(*tmp, 8));
            let tl = format!("{}JT{id}", cx.label_prefix);
            if *absolute {
                let _ = writeln!(out, "\tjmp\t*{tl}(,%{i},{})", word());
            } else {
                let _ = writeln!(out, "\tleaq\t{tl}(%rip), %{t}\n\tmovslq\t(%{t},%{i},4), %{i}\n\taddq\t%{t}, %{i}\n\tjmp\t*%{i}");
            }
            // Push/pop: the function may live in another section than .text (`__init`).
            let (align, entry) = if *absolute && !i386() { (3, "quad") } else { (2, "long") };
            let _ = writeln!(out, "\t.pushsection\t.rodata\n\t.p2align\t{align}\n{tl}:");
            for tg in targets {
                let _ = write!(out, "\t.{entry}\t{}", cx.label(*tg));
                let _ = writeln!(out, "{}", if *absolute { String::new() } else { format!("-{tl}") });
            }
            out.push_str("\t.popsection\n");
        }
        Call { target, .. } => match target {
            CallTarget::Sym(s) => {
                let _ = writeln!(out, "\tcall\t{s}");
            }
            CallTarget::Reg(r) => {
                let _ = writeln!(out, "\tcall\t*%{}", reg_name(*r, 8));
            }
            CallTarget::Mem(a) => {
                out.push_str("\tcall\t*");
                a.print(out, cx.frame);
                out.push('\n');
            }
        },
        Ret { .. } => out.push_str(&cx.epilogue),
        Text(t) => print_text(out, t, cx),
        InlineAsm(a) => a.print(out, cx),
    }
}

fn print_text(out: &mut String, t: &Text, cx: &PrintCx) {
    out.push('\t');
    let b = t.tmpl.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'{' {
            let mut j = i + 1;
            let mut n = 0usize;
            while j < b.len() && b[j].is_ascii_digit() {
                n = n * 10 + (b[j] - b'0') as usize;
                j += 1;
            }
            let mut sz = 8;
            if j < b.len() && b[j] != b'}' {
                sz = match b[j] {
                    b'b' => 1,
                    b'w' => 2,
                    b'l' => 4,
                    _ => 8,
                };
                j += 1;
            }
            if let Some((o, _)) = t.ops.get(n) {
                op(out, o, sz, cx);
            }
            i = j + 1;
            continue;
        }
        out.push(c as char);
        if c == b'\n' && i + 1 < b.len() && b[i + 1] != b'\t' && b[i + 1] != b'.' && !b[i + 1].is_ascii_digit() {
            out.push('\t');
        }
        i += 1;
    }
    out.push('\n');
}
