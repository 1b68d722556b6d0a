//! GNU assembly text for RISC-V machine instructions (after allocation).

use std::fmt::Write;

use super::inst::*;
use crate::codegen::frame::Frame;
use crate::codegen::mir::Reg;

pub struct PrintCx<'a> {
    pub frame: &'a Frame,
    pub label_prefix: String,
    pub epilogue: String,
    /// Bytes between the frame pointer and the incoming stack arguments
    /// (the register save area of variadic functions).
    pub incoming_bias: i64,
}

impl PrintCx<'_> {
    pub fn label(&self, b: u32) -> String {
        format!("{}{b}", self.label_prefix)
    }

    /// `(base register, offset)` of a memory operand.
    fn resolve(&self, m: &Mem) -> (Reg, i64) {
        match &m.base {
            Base::Reg(r) => (*r, m.off),
            Base::Slot(s) => (FP, m.off + self.frame.offsets.get(*s as usize).copied().unwrap_or(0)),
            Base::Incoming => (FP, m.off + self.incoming_bias),
            Base::Sp => (SP, m.off),
            Base::SpOut => (SP, m.off + self.frame.outgoing_args as i64),
        }
    }

    /// The operand text `off(base)`; offsets beyond 12 bits go through t6.
    fn mem(&self, out: &mut String, m: &Mem) -> String {
        let (b, off) = self.resolve(m);
        if fits12(off) {
            return format!("{off}({})", reg_name(b));
        }
        let _ = writeln!(out, "\tli\tt6, {off}\n\tadd\tt6, t6, {}", reg_name(b));
        "0(t6)".to_string()
    }
}

pub fn print_inst(out: &mut String, inst: &Inst, next: Option<u32>, cx: &PrintCx) {
    let n = reg_name;
    match inst {
        Inst::R { op, rd, rs1, rs2 } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {}", n(*rd), n(*rs1), n(*rs2));
        }
        Inst::I { op, rd, rs1, imm } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {imm}", n(*rd), n(*rs1));
        }
        Inst::U { op, rd, rs, rm } => {
            if rm.is_empty() {
                let _ = writeln!(out, "\t{op}\t{}, {}", n(*rd), n(*rs));
            } else {
                let _ = writeln!(out, "\t{op}\t{}, {}, {rm}", n(*rd), n(*rs));
            }
        }
        Inst::Li { rd, imm } => {
            let _ = writeln!(out, "\tli\t{}, {imm}", n(*rd));
        }
        Inst::La { rd, sym, off, kind } => {
            // relocations hold 32-bit addends: larger offsets are added afterwards
            if *off as i32 as i64 != *off {
                print_inst(out, &Inst::La { rd: *rd, sym: sym.clone(), off: 0, kind: *kind }, next, cx);
                let _ = writeln!(out, "\tli\tt6, {off}\n\tadd\t{}, {}, t6", n(*rd), n(*rd));
                return;
            }
            let s = if *off != 0 { format!("{sym}{off:+}") } else { sym.clone() };
            let d = n(*rd);
            let _ = match kind {
                SymKind::Local => writeln!(out, "\tlla\t{d}, {s}"),
                // the GOT holds the symbol's address: add the offset afterwards
                SymKind::Got if *off != 0 => {
                    writeln!(out, "\tla\t{d}, {sym}\n\tli\tt6, {off}\n\tadd\t{d}, {d}, t6")
                }
                SymKind::Got => writeln!(out, "\tla\t{d}, {sym}"),
                SymKind::TlsLe => writeln!(
                    out,
                    "\tlui\t{d}, %tprel_hi({s})\n\tadd\t{d}, {d}, tp, %tprel_add({s})\n\taddi\t{d}, {d}, %tprel_lo({s})"
                ),
                SymKind::TlsIe => {
                    let r = writeln!(out, "\tla.tls.ie\t{d}, {sym}\n\tadd\t{d}, {d}, tp");
                    if *off != 0 {
                        let _ = writeln!(out, "\tli\tt6, {off}\n\tadd\t{d}, {d}, t6");
                    }
                    r
                }
            };
        }
        Inst::AddrOf { rd, mem } => {
            let (b, off) = cx.resolve(mem);
            if fits12(off) {
                let _ = writeln!(out, "\taddi\t{}, {}, {off}", n(*rd), n(b));
            } else {
                let _ = writeln!(out, "\tli\tt6, {off}\n\tadd\t{}, {}, t6", n(*rd), n(b));
            }
        }
        Inst::Load { op, rd, mem } => {
            let m = cx.mem(out, mem);
            let _ = writeln!(out, "\t{op}\t{}, {m}", n(*rd));
        }
        Inst::Store { op, rs, mem } => {
            let m = cx.mem(out, mem);
            let _ = writeln!(out, "\t{op}\t{}, {m}", n(*rs));
        }
        Inst::Mv { rd, rs } => {
            let _ = writeln!(out, "\tmv\t{}, {}", n(*rd), n(*rs));
        }
        Inst::FMv { rd, rs } => {
            let _ = writeln!(out, "\tfmv.d\t{}, {}", n(*rd), n(*rs));
        }
        Inst::Br { op, rs1, rs2, target } => {
            let _ = writeln!(out, "\t{op}\t{}, {}, {}", n(*rs1), n(*rs2), cx.label(*target));
        }
        Inst::J { target } => {
            if next != Some(*target) {
                let _ = writeln!(out, "\tj\t{}", cx.label(*target));
            }
        }
        Inst::Jr { rs } => {
            let _ = writeln!(out, "\tjr\t{}", n(*rs));
        }
        Inst::JumpTable { idx, tmp, targets, id } => {
            let t = format!("{}jt{id}", cx.label_prefix);
            let (i, k) = (n(*idx), n(*tmp));
            let _ = writeln!(out, "\tlla\t{k}, {t}\n\tslli\tt6, {i}, 2\n\tadd\t{k}, {k}, t6\n\tlw\tt6, 0({k})");
            let _ = writeln!(out, "\tlla\t{k}, {t}\n\tadd\t{k}, {k}, t6\n\tjr\t{k}");
            let _ = writeln!(out, "\t.pushsection\t.rodata\n\t.p2align\t2\n{t}:");
            for b in targets {
                let _ = writeln!(out, "\t.word\t{}-{t}", cx.label(*b));
            }
            out.push_str("\t.popsection\n");
        }
        Inst::Call { target, .. } => {
            let _ = match target {
                CallTarget::Sym(s) => writeln!(out, "\tcall\t{s}"),
                CallTarget::Reg(r) => writeln!(out, "\tjalr\t{}", n(*r)),
            };
        }
        Inst::Ret { .. } => out.push_str(&cx.epilogue),
        Inst::Text(t) => {
            let mut s = t.tmpl.clone();
            for (i, (r, _)) in t.ops.iter().enumerate() {
                s = s.replace(&format!("{{{i}}}"), n(*r));
            }
            let _ = writeln!(out, "\t{s}");
        }
        Inst::InlineAsm(a) => a.print(out, cx),
    }
}
