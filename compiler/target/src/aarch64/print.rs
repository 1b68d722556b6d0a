//! GNU assembly text for AArch64 machine instructions (after allocation).

use std::fmt::Write;

use super::inst::*;
use crate::codegen::frame::Frame;
use crate::codegen::mir::Reg;

pub struct PrintCx<'a> {
    pub frame: &'a Frame,
    pub label_prefix: String,
    pub epilogue: String,
    /// Bytes between the frame pointer and the incoming stack arguments
    /// (the saved x29/x30 pair and the register save area of variadic functions).
    pub incoming_bias: i64,
}

/// Bytes one load or store moves (the scale of its offset).
fn access_size(op: &str, w: W) -> i64 {
    match op {
        "ldrb" | "strb" | "ldrsb" => 1,
        "ldrh" | "strh" | "ldrsh" => 2,
        "ldrsw" => 4,
        _ => match w {
            W::W | W::S => 4,
            W::Q | W::V => 16,
            _ => 8,
        },
    }
}

/// The unscaled (9-bit signed offset) form of a load or store.
fn unscaled(op: &str) -> String {
    match op.strip_prefix("ldr") {
        Some(rest) => format!("ldur{rest}"),
        None => format!("stur{}", op.strip_prefix("str").unwrap_or("")),
    }
}

/// `mov` of any 64-bit constant as movz/movn + movk.
pub fn write_li(out: &mut String, rd: &str, imm: i64) {
    let u = imm as u64;
    let chunks: Vec<u64> = (0..4).map(|i| (u >> (16 * i)) & 0xffff).collect();
    let zeros = chunks.iter().filter(|&&c| c == 0).count();
    let ones = chunks.iter().filter(|&&c| c == 0xffff).count();
    if zeros == 4 {
        let _ = writeln!(out, "\tmov\t{rd}, 0");
        return;
    }
    let inverted = ones > zeros;
    let skip = if inverted { 0xffff } else { 0 };
    let mut first = true;
    for (i, &c) in chunks.iter().enumerate() {
        if c == skip {
            continue;
        }
        let sh = 16 * i;
        if first {
            let (op, val) = if inverted { ("movn", !c & 0xffff) } else { ("movz", c) };
            let _ = writeln!(out, "\t{op}\t{rd}, {val}, lsl {sh}");
            first = false;
        } else {
            let _ = writeln!(out, "\tmovk\t{rd}, {c}, lsl {sh}");
        }
    }
    if first {
        // all chunks 0xffff: -1
        let _ = writeln!(out, "\tmovn\t{rd}, 0");
    }
}

/// `rd = base + off` for any offset (through x16 when no encoding fits).
pub fn write_add(out: &mut String, rd: &str, base: &str, off: i64) {
    if off == 0 && rd == base {
        return;
    }
    if add_imm(off) {
        let _ = writeln!(out, "\tadd\t{rd}, {base}, {off}");
    } else if add_imm(-off) {
        let _ = writeln!(out, "\tsub\t{rd}, {base}, {}", -off);
    } else {
        write_li(out, "x16", off);
        let _ = writeln!(out, "\tadd\t{rd}, {base}, x16");
    }
}

impl PrintCx<'_> {
    pub fn label(&self, b: u32) -> String {
        format!("{}{b}", self.label_prefix)
    }

    /// `(base register, offset)` of a memory operand.
    pub fn resolve(&self, m: &Mem) -> (Reg, i64) {
        match &m.base {
            Base::Reg(r) => (*r, m.off),
            Base::Slot(s) => (FP, m.off + self.frame.offsets.get(*s as usize).copied().unwrap_or(0)),
            Base::Incoming => (FP, m.off + self.incoming_bias),
            Base::Sp => (SP, m.off),
            Base::SpOut => (SP, m.off + self.frame.outgoing_args as i64),
        }
    }

    /// A load or store of `op` at `m`: the mnemonic (scaled or unscaled
    /// form) and the operand text; out-of-range offsets go through x16.
    fn mem_access(&self, out: &mut String, op: &str, w: W, m: &Mem) -> (String, String) {
        let (b, off) = self.resolve(m);
        let size = access_size(op, w);
        let bn = reg_name(b, W::X);
        if off >= 0 && off % size == 0 && off / size < 4096 {
            let text = if off == 0 { format!("[{bn}]") } else { format!("[{bn}, {off}]") };
            return (op.to_string(), text);
        }
        if (-256..256).contains(&off) {
            return (unscaled(op), format!("[{bn}, {off}]"));
        }
        write_li(out, "x16", off);
        let _ = writeln!(out, "\tadd\tx16, {bn}, x16");
        (op.to_string(), "[x16]".to_string())
    }
}

fn text_subst(tmpl: &str, ops: &[(Reg, crate::codegen::mir::OpKind)]) -> String {
    let mut s = String::new();
    let mut rest = tmpl;
    while let Some(p) = rest.find('{') {
        s.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let end = after.find('}').unwrap_or(0);
        let spec = &after[..end];
        let (wc, num) = spec.split_at(spec.chars().next().map_or(0, |c| c.len_utf8()));
        match (wc, num.parse::<usize>()) {
            (w @ ("x" | "w" | "s" | "d" | "q" | "v" | "b"), Ok(i)) if i < ops.len() => {
                let w = match w {
                    "x" => W::X,
                    "w" => W::W,
                    "s" => W::S,
                    "d" => W::D,
                    "q" => W::Q,
                    "b" => W::B,
                    _ => W::V,
                };
                s.push_str(&reg_name(ops[i].0, w));
            }
            _ => {
                s.push('{');
                s.push_str(spec);
                s.push('}');
            }
        }
        rest = &after[(end + 1).min(after.len())..];
    }
    s.push_str(rest);
    s
}

pub fn print_inst(out: &mut String, inst: &Inst, next: Option<u32>, cx: &PrintCx) {
    let n = reg_name;
    match inst {
        Inst::R { op, w, rd, rn, rm } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {}", n(*rd, *w), n(*rn, *w), n(*rm, *w));
        }
        Inst::Extr { rd, rn, rm, lsb } => {
            let _ = writeln!(out, "\textr\t{}, {}, {}, {lsb}", n(*rd, W::X), n(*rn, W::X), n(*rm, W::X));
        }
        Inst::R4 { op, w, rd, rn, rm, ra } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {}, {}", n(*rd, *w), n(*rn, *w), n(*rm, *w), n(*ra, *w));
        }
        Inst::I { op, w, rd, rn, imm } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {imm}", n(*rd, *w), n(*rn, *w));
        }
        Inst::U { op, rd, wd, rn, wn } => {
            let _ = writeln!(out, "\t{op}\t{}, {}", n(*rd, *wd), n(*rn, *wn));
        }
        Inst::Cmp { op, w, rn, rm } => {
            let _ = writeln!(out, "\t{op}\t{}, {}", n(*rn, *w), n(*rm, *w));
        }
        Inst::CmpI { op, w, rn, imm } => {
            let _ = writeln!(out, "\t{op}\t{}, {imm}", n(*rn, *w));
        }
        Inst::CSet { rd, cond } => {
            let _ = writeln!(out, "\tcset\t{}, {cond}", n(*rd, W::W));
        }
        Inst::CSel { op, w, rd, rn, rm, cond } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {}, {cond}", n(*rd, *w), n(*rn, *w), n(*rm, *w));
        }
        Inst::Li { rd, imm } => write_li(out, &n(*rd, W::X), *imm),
        Inst::Adr { rd, sym, off, kind } => {
            let d = n(*rd, W::X);
            let s = if *off != 0 { format!("{sym}{off:+}") } else { sym.clone() };
            match kind {
                // the page of sym+off must be within 4 GiB of the code: huge offsets are added afterwards
                SymKind::Local if off.unsigned_abs() >= 1 << 24 => {
                    let _ = writeln!(out, "\tadrp\t{d}, {sym}\n\tadd\t{d}, {d}, :lo12:{sym}");
                    write_add(out, &d, &d, *off);
                }
                SymKind::Local => {
                    let _ = writeln!(out, "\tadrp\t{d}, {s}\n\tadd\t{d}, {d}, :lo12:{s}");
                }
                SymKind::Got => {
                    let _ = writeln!(out, "\tadrp\t{d}, :got:{sym}\n\tldr\t{d}, [{d}, :got_lo12:{sym}]");
                    write_add(out, &d, &d, *off);
                }
                SymKind::TlsLe => {
                    let _ = writeln!(out, "\tmrs\t{d}, tpidr_el0\n\tadd\t{d}, {d}, :tprel_hi12:{s}, lsl 12\n\tadd\t{d}, {d}, :tprel_lo12_nc:{s}");
                }
                SymKind::TlsIe => {
                    let _ = writeln!(out, "\tadrp\t{d}, :gottprel:{sym}\n\tldr\t{d}, [{d}, :gottprel_lo12:{sym}]");
                    let _ = writeln!(out, "\tmrs\tx16, tpidr_el0\n\tadd\t{d}, {d}, x16");
                    write_add(out, &d, &d, *off);
                }
            }
        }
        Inst::AddrOf { rd, mem } => {
            let (b, off) = cx.resolve(mem);
            write_add(out, &n(*rd, W::X), &n(b, W::X), off);
        }
        Inst::Load { op, w, rd, mem } => {
            let (op, m) = cx.mem_access(out, op, *w, mem);
            let _ = writeln!(out, "\t{op}\t{}, {m}", n(*rd, *w));
        }
        Inst::Store { op, w, rs, mem } => {
            let (op, m) = cx.mem_access(out, op, *w, mem);
            let _ = writeln!(out, "\t{op}\t{}, {m}", n(*rs, *w));
        }
        Inst::Mv { rd, rs } => {
            let _ = writeln!(out, "\tmov\t{}, {}", n(*rd, W::X), n(*rs, W::X));
        }
        Inst::FMv { rd, rs } => {
            let _ = writeln!(out, "\tfmov\t{}, {}", n(*rd, W::D), n(*rs, W::D));
        }
        Inst::InsHi { vd, rs } => {
            let _ = writeln!(out, "\tmov\t{}.d[1], {}", n(*vd, W::V), n(*rs, W::X));
        }
        Inst::ExtHi { rd, vs } => {
            let _ = writeln!(out, "\tmov\t{}, {}.d[1]", n(*rd, W::X), n(*vs, W::V));
        }
        Inst::B { target } => {
            if next != Some(*target) {
                let _ = writeln!(out, "\tb\t{}", cx.label(*target));
            }
        }
        Inst::BCond { cond, target } => {
            let _ = writeln!(out, "\tb.{cond}\t{}", cx.label(*target));
        }
        Inst::Cbz { nz, w, rs, target } => {
            let _ = writeln!(out, "\t{}\t{}, {}", if *nz { "cbnz" } else { "cbz" }, n(*rs, *w), cx.label(*target));
        }
        Inst::Br { rs } => {
            let _ = writeln!(out, "\tbr\t{}", n(*rs, W::X));
        }
        Inst::JumpTable { idx, tmp, targets, id } => {
            let t = format!("{}jt{id}", cx.label_prefix);
            let (i, k) = (n(*idx, W::X), n(*tmp, W::X));
            let _ = writeln!(out, "\tadrp\t{k}, {t}\n\tadd\t{k}, {k}, :lo12:{t}\n\tldrsw\tx16, [{k}, {i}, lsl 2]");
            let _ = writeln!(out, "\tadr\t{k}, {t}b\n\tadd\t{k}, {k}, x16\n\tbr\t{k}\n{t}b:");
            let _ = writeln!(out, "\t.pushsection\t.rodata\n\t.p2align\t2\n{t}:");
            for b in targets {
                let _ = writeln!(out, "\t.word\t{}-{t}b", cx.label(*b));
            }
            out.push_str("\t.popsection\n");
        }
        Inst::Call { target, .. } => {
            let _ = match target {
                CallTarget::Sym(s) => writeln!(out, "\tbl\t{s}"),
                CallTarget::Reg(r) => writeln!(out, "\tblr\t{}", n(*r, W::X)),
            };
        }
        Inst::Ret { .. } => out.push_str(&cx.epilogue),
        Inst::Text(t) => {
            let _ = writeln!(out, "\t{}", text_subst(&t.tmpl, &t.ops));
        }
        Inst::InlineAsm(a) => a.print(out, cx),
    }
}
