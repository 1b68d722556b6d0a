//! RISC-V mnemonics: base instructions, M/A/F/D, Zicsr, Zifencei and GNU's pseudo-instructions,
//! compressed where GNU as compresses them.

use super::compress::{self, compress};
use super::operand::{self, Func, Imm, Opd};
use super::{reloc::*, state, RELAX_BIT};
use crate::assembler::{Assembler, Emit};
use crate::expr::Expr;
use crate::lex::{split_commas, Tok};
use crate::section::{FixKind, Fixup, Tail};

const ZERO: u32 = 0;
const RA: u32 = 1;
const T1: u32 = 6;

fn r_type(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}

fn i_type(op: u32, f3: u32, rd: u32, rs1: u32, imm: i64) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
}

fn s_type(op: u32, f3: u32, rs1: u32, rs2: u32, imm: i64) -> u32 {
    let i = imm as u32;
    ((i >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (i & 0x1f) << 7 | op
}

fn u_type(op: u32, rd: u32, imm20: i64) -> u32 {
    ((imm20 as u32) & 0xfffff) << 12 | rd << 7 | op
}

/// What an instruction's relocatable field is.
struct Fix {
    kind: u16,
    expr: Expr,
}

struct Ctx<'x, 'a> {
    asm: &'x mut Assembler<'a>,
    text: String,
    rvc: bool,
    relax: bool,
}

impl Ctx<'_, '_> {
    fn bad(&self) -> String {
        format!("illegal operands `{}'", self.text)
    }

    /// Emit one 32-bit instruction that GNU's opcode table has no C alias for (`mv a0, zero`,
    /// `jalr ra, 0(a5)`): never compressed.
    fn emit_full(&mut self, insn: u32) {
        self.asm.emit(Emit { bytes: insn.to_le_bytes().to_vec(), fixups: Vec::new() });
    }

    /// Emit one 32-bit instruction, compressed when it has a C form and no relocation.
    fn emit(&mut self, insn: u32, fix: Option<Fix>) {
        let mut e = Emit::default();
        // A 32-bit lui/auipc carries an R_RISCV_HI20-type fixup in GNU as even with a constant.
        let hi = matches!(insn & 0x7f, 0x37 | 0x17);
        match fix {
            None if self.rvc && compress(insn).is_some() => e.bytes.extend(compress(insn).unwrap_or_default().to_le_bytes()),
            None => {
                e.bytes.extend(insn.to_le_bytes());
                if self.relax && hi {
                    self.asm.emit(e);
                    self.asm.add_tail(Tail::None);
                    return;
                }
            }
            Some(f) => {
                let kind = f.kind | if self.relax { RELAX_BIT } else { 0 };
                e.bytes.extend(insn.to_le_bytes());
                e.fixups.push(Fixup { at: 0, size: 4, expr: f.expr, modifier: None, kind: FixKind::Mach(kind), pc_adjust: 0 });
                // GNU as starts a fragment after what the linker may delete, so that no
                // distance across it is computed now (append_insn's frag_wane).
                if self.relax && matches!(f.kind as u32, HI20 | PCREL_HI20 | TPREL_HI20 | TPREL_ADD) {
                    self.asm.emit(e);
                    self.asm.add_tail(Tail::None);
                    return;
                }
            }
        }
        self.asm.emit(e);
    }

    /// A branch or jump to a label: relaxed by [`super::Riscv64::mach_size`].
    fn branch(&mut self, insn: u32, target: Expr) {
        let uncond = insn & 0x7f == 0x6f;
        let rvc_form = if uncond {
            (insn >> 7) & 0x1f == 0
        } else {
            let (f3, rs1, rs2) = ((insn >> 12) & 7, (insn >> 15) & 0x1f, (insn >> 20) & 0x1f);
            f3 <= 1 && rs2 == 0 && (8..16).contains(&rs1)
        };
        let rvc = self.rvc && rvc_form;
        let data = insn as u64 | (uncond as u64) << 32 | (rvc as u64) << 33;
        self.asm.add_tail(Tail::Mach { data, target });
    }

    fn x(&self, o: &Opd) -> Result<u32, String> {
        match o {
            Opd::X(r) => Ok(*r),
            _ => Err(self.bad()),
        }
    }

    fn f(&self, o: &Opd) -> Result<u32, String> {
        match o {
            Opd::F(r) => Ok(*r),
            _ => Err(self.bad()),
        }
    }

    fn konst(&self, e: &Expr) -> Result<i64, String> {
        self.asm.try_const(e)?.ok_or_else(|| self.bad())
    }

    fn imm(&self, o: &Opd) -> Result<i64, String> {
        match o {
            Opd::Imm(Imm { func: None, expr }) => self.konst(expr),
            _ => Err(self.bad()),
        }
    }

    fn simm12(&self, v: i64) -> Result<i64, String> {
        if (-2048..2048).contains(&v) {
            Ok(v)
        } else {
            Err(self.bad())
        }
    }

    /// An I/S-type 12-bit field: a constant or a `%lo`-style function.
    fn lo12(&self, imm: &Imm, store: bool) -> Result<(i64, Option<Fix>), String> {
        let kind = match imm.func {
            None => return Ok((self.simm12(self.konst(&imm.expr)?)?, None)),
            Some(Func::Lo) => [LO12_I, LO12_S],
            Some(Func::PcrelLo) => [PCREL_LO12_I, PCREL_LO12_S],
            Some(Func::TprelLo) => [TPREL_LO12_I, TPREL_LO12_S],
            Some(_) => return Err(self.bad()),
        }[store as usize];
        if let Some(n) = self.asm.try_const(&imm.expr)?.filter(|_| imm.func == Some(Func::Lo)) {
            return Ok((((n & 0xfff) ^ 0x800) - 0x800, None));
        }
        Ok((0, Some(Fix { kind: kind as u16, expr: imm.expr.clone() })))
    }

    /// A label at the current position for `%pcrel_lo` (GNU as's `.L0 `).
    fn here(&mut self) -> Expr {
        let id = self.asm.syms.push(".L0 ".into(), true);
        let sec = self.asm.cur;
        let (frag, off) = self.asm.sec().pos();
        self.asm.syms.sym_mut(id).def = crate::symbols::Def::Label { sec, frag, off };
        Expr::Sym(id)
    }

    /// `auipc tmp, %hi-kind(sym)` then the low part through `lo` (`.L0 ` names the auipc).
    fn pcrel_pair(&mut self, hi: u32, tmp: u32, sym: Expr, lo: impl FnOnce(Fix) -> (u32, u32)) {
        let l = self.here();
        self.emit(u_type(0x17, tmp, 0), Some(Fix { kind: hi as u16, expr: sym }));
        let (insn, kind) = lo(Fix { kind: 0, expr: l.clone() });
        self.emit(insn, Some(Fix { kind: kind as u16, expr: l }));
    }

    /// GNU's `li` expansion (load_const): lui/addiw for 32-bit values, else a shorter
    /// constant shifted left and an addi.
    fn li(&mut self, rd: u32, v: i64) {
        if (-2048..2048).contains(&v) {
            self.emit(i_type(0x13, 0, rd, ZERO, v), None);
            return;
        }
        self.load_const(rd, v);
    }

    fn load_const(&mut self, rd: u32, v: i64) {
        let lower = ((v & 0xfff) ^ 0x800) - 0x800;
        let upper = v.wrapping_sub(lower);
        if v != v as i32 as i64 {
            let mut shift = 12;
            while (upper >> shift) & 1 == 0 {
                shift += 1;
            }
            self.load_const(rd, upper >> shift);
            self.emit(i_type(0x13, 1, rd, rd, shift), None);
            if lower != 0 {
                self.emit(i_type(0x13, 0, rd, rd, lower), None);
            }
        } else {
            let mut hi = ZERO;
            if upper != 0 {
                self.emit(u_type(0x37, rd, (upper as u32 >> 12) as i64), None);
                hi = rd;
            }
            if lower != 0 || hi == ZERO {
                self.emit(i_type(0x1b, 0, rd, hi, lower), None);
            }
        }
    }
}

fn r_op(m: &str) -> Option<(u32, u32, u32)> {
    Some(match m {
        "add" => (0x33, 0, 0),
        "sub" => (0x33, 0, 0x20),
        "sll" => (0x33, 1, 0),
        "slt" => (0x33, 2, 0),
        "sltu" => (0x33, 3, 0),
        "xor" => (0x33, 4, 0),
        "srl" => (0x33, 5, 0),
        "sra" => (0x33, 5, 0x20),
        "or" => (0x33, 6, 0),
        "and" => (0x33, 7, 0),
        "addw" => (0x3b, 0, 0),
        "subw" => (0x3b, 0, 0x20),
        "sllw" => (0x3b, 1, 0),
        "srlw" => (0x3b, 5, 0),
        "sraw" => (0x3b, 5, 0x20),
        "mul" => (0x33, 0, 1),
        "mulh" => (0x33, 1, 1),
        "mulhsu" => (0x33, 2, 1),
        "mulhu" => (0x33, 3, 1),
        "div" => (0x33, 4, 1),
        "divu" => (0x33, 5, 1),
        "rem" => (0x33, 6, 1),
        "remu" => (0x33, 7, 1),
        "mulw" => (0x3b, 0, 1),
        "divw" => (0x3b, 4, 1),
        "divuw" => (0x3b, 5, 1),
        "remw" => (0x3b, 6, 1),
        "remuw" => (0x3b, 7, 1),
        _ => return None,
    })
}

/// The immediate instruction a register-form mnemonic stands for with an immediate operand.
fn imm_form(m: &str) -> Option<&'static str> {
    Some(match m {
        "add" => "addi",
        "and" => "andi",
        "or" => "ori",
        "xor" => "xori",
        "slt" => "slti",
        "sltu" => "sltiu",
        "addw" => "addiw",
        "sll" => "slli",
        "srl" => "srli",
        "sra" => "srai",
        "sllw" => "slliw",
        "srlw" => "srliw",
        "sraw" => "sraiw",
        _ => return None,
    })
}

fn i_op(m: &str) -> Option<(u32, u32)> {
    Some(match m {
        "addi" => (0x13, 0),
        "slti" => (0x13, 2),
        "sltiu" => (0x13, 3),
        "xori" => (0x13, 4),
        "ori" => (0x13, 6),
        "andi" => (0x13, 7),
        "addiw" => (0x1b, 0),
        _ => return None,
    })
}

/// Shifts by an immediate: (opcode, funct3, high bits, max shift).
fn shift_op(m: &str) -> Option<(u32, u32, u32, i64)> {
    Some(match m {
        "slli" => (0x13, 1, 0, 63),
        "srli" => (0x13, 5, 0, 63),
        "srai" => (0x13, 5, 0x400, 63),
        "slliw" => (0x1b, 1, 0, 31),
        "srliw" => (0x1b, 5, 0, 31),
        "sraiw" => (0x1b, 5, 0x400, 31),
        _ => return None,
    })
}

/// Loads and stores: (opcode, funct3, store, float).
fn mem_op(m: &str) -> Option<(u32, u32, bool, bool)> {
    Some(match m {
        "lb" => (0x03, 0, false, false),
        "lh" => (0x03, 1, false, false),
        "lw" => (0x03, 2, false, false),
        "ld" => (0x03, 3, false, false),
        "lbu" => (0x03, 4, false, false),
        "lhu" => (0x03, 5, false, false),
        "lwu" => (0x03, 6, false, false),
        "flw" => (0x07, 2, false, true),
        "fld" => (0x07, 3, false, true),
        "sb" => (0x23, 0, true, false),
        "sh" => (0x23, 1, true, false),
        "sw" => (0x23, 2, true, false),
        "sd" => (0x23, 3, true, false),
        "fsw" => (0x27, 2, true, true),
        "fsd" => (0x27, 3, true, true),
        _ => return None,
    })
}

/// Conditional branches: (funct3, swap operands, compare with zero: which side).
fn branch_op(m: &str) -> Option<(u32, bool, Option<bool>)> {
    Some(match m {
        "beq" => (0, false, None),
        "bne" => (1, false, None),
        "blt" => (4, false, None),
        "bge" => (5, false, None),
        "bltu" => (6, false, None),
        "bgeu" => (7, false, None),
        "bgt" => (4, true, None),
        "ble" => (5, true, None),
        "bgtu" => (6, true, None),
        "bleu" => (7, true, None),
        // `beqz rs` = beq rs, zero; `blez rs` = bge zero, rs.
        "beqz" => (0, false, Some(false)),
        "bnez" => (1, false, Some(false)),
        "bltz" => (4, false, Some(false)),
        "bgez" => (5, false, Some(false)),
        "blez" => (5, false, Some(true)),
        "bgtz" => (4, false, Some(true)),
        _ => return None,
    })
}

fn csr_num(name: &str) -> Option<i64> {
    Some(match name {
        "fflags" => 1,
        "frm" => 2,
        "fcsr" => 3,
        "cycle" => 0xc00,
        "time" => 0xc01,
        "instret" => 0xc02,
        "sstatus" => 0x100,
        "sie" => 0x104,
        "stvec" => 0x105,
        "scounteren" => 0x106,
        "senvcfg" => 0x10a,
        "sscratch" => 0x140,
        "sepc" => 0x141,
        "scause" => 0x142,
        "stval" => 0x143,
        "sip" => 0x144,
        "stimecmp" => 0x14d,
        "satp" => 0x180,
        "mstatus" => 0x300,
        "misa" => 0x301,
        "medeleg" => 0x302,
        "mideleg" => 0x303,
        "mie" => 0x304,
        "mtvec" => 0x305,
        "mcounteren" => 0x306,
        "mscratch" => 0x340,
        "mepc" => 0x341,
        "mcause" => 0x342,
        "mtval" => 0x343,
        "mip" => 0x344,
        "mhartid" => 0xf14,
        "mvendorid" => 0xf11,
        "marchid" => 0xf12,
        "mimpid" => 0xf13,
        _ => return None,
    })
}

fn csr_of(c: &mut Ctx, t: &[Tok]) -> Result<i64, String> {
    super::csr_used(c.asm);
    if let [Tok::Ident(n)] = t {
        if let Some(v) = csr_num(n) {
            return Ok(v);
        }
    }
    let e = c.asm.parse_expr(t)?;
    let v = c.konst(&e.expr)?;
    if (0..4096).contains(&v) {
        Ok(v)
    } else {
        Err(c.bad())
    }
}

fn rounding(name: &str) -> Option<u32> {
    Some(match name {
        "rne" => 0,
        "rtz" => 1,
        "rdn" => 2,
        "rup" => 3,
        "rmm" => 4,
        "dyn" => 7,
        _ => return None,
    })
}

fn fence_set(toks: &[Tok]) -> Option<u32> {
    let [Tok::Ident(s)] = toks else { return None };
    let mut v = 0;
    for c in s.chars() {
        v |= match c {
            'i' => 8,
            'o' => 4,
            'r' => 2,
            'w' => 1,
            _ => return None,
        };
    }
    Some(v)
}

pub fn assemble(asm: &mut Assembler, m: &str, toks: &[Tok]) -> Result<(), String> {
    let list: Vec<&[Tok]> = split_commas(toks);
    let text = if toks.is_empty() { m.to_string() } else { format!("{m} {}", crate::directives::toks_text(toks)) };
    let st = state(asm);
    let (rvc, relax, pic) = (st.rvc, st.relax, st.pic);
    if rvc {
        asm.elf_flags_extra |= super::EF_RISCV_RVC;
    }
    super::map_state(asm, true);
    // Special operand syntaxes first: fence sets, CSR names, rounding modes.
    let mut c = Ctx { asm, text, rvc, relax };
    match m {
        "fence" => {
            let (p, s) = match list[..] {
                [] => (15, 15),
                [a, b] => (fence_set(a).ok_or_else(|| c.bad())?, fence_set(b).ok_or_else(|| c.bad())?),
                _ => return Err(c.bad()),
            };
            c.emit(p << 24 | s << 20 | 0x0f, None);
            return Ok(());
        }
        "fence.i" => {
            c.emit(0x0000_100f, None);
            return Ok(());
        }
        "fence.tso" => {
            c.emit(0x8330_000f, None);
            return Ok(());
        }
        _ => {}
    }
    if let Some(f3) = ["csrrw", "csrrs", "csrrc", "", "csrrwi", "csrrsi", "csrrci"].iter().position(|x| *x == m).map(|p| p as u32 + 1) {
        let [d, csr, s] = list[..] else { return Err(c.bad()) };
        let d = { let o = operand::parse(c.asm, d)?; c.x(&o)? };
        let csr = csr_of(&mut c, csr)?;
        // An immediate source selects the `i` form (`csrrw t1, satp, 0`), as GNU's aliases do.
        let o = operand::parse(c.asm, s)?;
        let (f3, s) = match o {
            Opd::X(r) if f3 < 5 => (f3, r),
            _ => (f3 | 4, c.imm(&o)? as u32 & 0x1f),
        };
        c.emit(i_type(0x73, f3, d, s, csr), None);
        return Ok(());
    }
    let csr_pseudo = match m {
        "csrr" => Some((2, true, false)),
        "csrw" => Some((1, false, false)),
        "csrs" => Some((2, false, false)),
        "csrc" => Some((3, false, false)),
        "csrwi" => Some((5, false, true)),
        "csrsi" => Some((6, false, true)),
        "csrci" => Some((7, false, true)),
        _ => None,
    };
    if let Some((f3, read, uimm)) = csr_pseudo {
        let [a, b] = list[..] else { return Err(c.bad()) };
        let insn = if read {
            let d = { let o = operand::parse(c.asm, a)?; c.x(&o)? };
            i_type(0x73, f3, d, 0, csr_of(&mut c, b)?)
        } else {
            let csr = csr_of(&mut c, a)?;
            let o = operand::parse(c.asm, b)?;
            let (f3, s) = match o {
                Opd::X(r) if !uimm => (f3, r),
                _ => (f3 | 4, c.imm(&o)? as u32 & 0x1f),
            };
            i_type(0x73, f3, 0, s, csr)
        };
        c.emit(insn, None);
        return Ok(());
    }
    // Aliases with a fixed CSR: `frflags rd`, `fsflags [rd,] rs`, `fsrmi [rd,] imm`, `rdcycle rd`...
    let fixed = match m {
        "frflags" | "fsflags" | "fsflagsi" => Some(1),
        "frrm" | "fsrm" | "fsrmi" => Some(2),
        "frcsr" | "fscsr" => Some(3),
        "rdcycle" => Some(0xc00),
        "rdtime" => Some(0xc01),
        "rdinstret" => Some(0xc02),
        _ => None,
    };
    if let Some(csr) = fixed {
        let ops: Vec<Opd> = list.iter().map(|t| operand::parse(c.asm, t)).collect::<Result<_, _>>()?;
        let imm = m.ends_with('i');
        let insn = match (m.starts_with("fs"), &ops[..]) {
            (false, [d]) => i_type(0x73, 2, c.x(d)?, 0, csr),
            (true, [s]) if imm => i_type(0x73, 5, 0, c.imm(s)? as u32 & 0x1f, csr),
            (true, [s]) => i_type(0x73, 1, 0, c.x(s)?, csr),
            (true, [d, s]) if imm => i_type(0x73, 5, c.x(d)?, c.imm(s)? as u32 & 0x1f, csr),
            (true, [d, s]) => i_type(0x73, 1, c.x(d)?, c.x(s)?, csr),
            _ => return Err(c.bad()),
        };
        c.emit(insn, None);
        return Ok(());
    }
    // Float ops may end in a rounding mode.
    let mut list = list;
    let mut rm = None;
    if m.starts_with('f') {
        if let Some([Tok::Ident(r)]) = list.last().copied() {
            if let Some(v) = rounding(r) {
                rm = Some(v);
                list.pop();
            }
        }
    }
    // Symbol loads/stores (`ld a0, sym`, `fld fa5, sym, a5`, `sd a0, sym, t0`).
    if let Some((op, f3, store, fp)) = mem_op(m) {
        let reg = |c: &Ctx, o: &Opd| if fp { c.f(o) } else { c.x(o) };
        let a = operand::parse(c.asm, list.first().copied().unwrap_or(&[]))?;
        let r = reg(&c, &a)?;
        let b = operand::parse(c.asm, list.get(1).copied().unwrap_or(&[]))?;
        match (b, list.len()) {
            (Opd::Mem(imm, base), 2) => {
                let (v, fix) = c.lo12(&imm, store)?;
                let insn = if store { s_type(op, f3, base, r, v) } else { i_type(op, f3, r, base, v) };
                c.emit(insn, fix);
            }
            (Opd::Imm(Imm { func: None, expr }), n) if (n == 2 && !store && !fp) || n == 3 => {
                let tmp = if n == 3 { { let o = operand::parse(c.asm, list[2])?; c.x(&o)? } } else { r };
                c.pcrel_pair(PCREL_HI20, tmp, expr, |_| if store { (s_type(op, f3, tmp, r, 0), PCREL_LO12_S) } else { (i_type(op, f3, r, tmp, 0), PCREL_LO12_I) });
            }
            _ => return Err(c.bad()),
        }
        return Ok(());
    }
    // The last operand of a jump, branch or address load is a symbol even if named like a
    // register.
    let is_target = matches!(m, "call" | "tail" | "j" | "jal" | "la" | "lla" | "lga" | "la.tls.ie" | "la.tls.gd") || branch_op(m).is_some();
    let mut ops: Vec<Opd> = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let last = i + 1 == list.len();
        let o = if last && is_target && !(m == "jal" && list.len() == 1 && matches!(t, [Tok::Ident(r)] if operand::xreg(r).is_some())) {
            Opd::Imm(operand::target(c.asm, t)?)
        } else {
            operand::parse(c.asm, t)?
        };
        ops.push(o);
    }
    let ops = &ops[..];
    if let Some(base) = m.strip_prefix("c.") {
        return explicit_compressed(&mut c, base, ops);
    }
    // GNU's register-form mnemonics take an immediate too (`srl a2, a0, 12` is `srli`).
    let m = match (imm_form(m), ops) {
        (Some(i), [_, _, Opd::Imm(_)]) => i,
        _ => m,
    };
    if let Some((op, f3, f7)) = r_op(m) {
        // `add rd, rs1, tp, %tprel_add(sym)`.
        if let [d, a, b, Opd::Imm(Imm { func: Some(Func::TprelAdd), expr })] = ops {
            if m != "add" {
                return Err(c.bad());
            }
            let insn = r_type(op, f3, f7, c.x(d)?, c.x(a)?, c.x(b)?);
            c.emit(insn, Some(Fix { kind: TPREL_ADD as u16, expr: expr.clone() }));
            return Ok(());
        }
        let [d, a, b] = ops else { return Err(c.bad()) };
        let insn = r_type(op, f3, f7, c.x(d)?, c.x(a)?, c.x(b)?);
        c.emit(insn, None);
        return Ok(());
    }
    if let Some((op, f3)) = i_op(m) {
        let [d, a, Opd::Imm(imm)] = ops else { return Err(c.bad()) };
        let (v, fix) = c.lo12(imm, false)?;
        let insn = i_type(op, f3, c.x(d)?, c.x(a)?, v);
        c.emit(insn, fix);
        return Ok(());
    }
    if let Some((op, f3, hi, max)) = shift_op(m) {
        let [d, a, b] = ops else { return Err(c.bad()) };
        let sh = c.imm(b)?;
        if !(0..=max).contains(&sh) {
            return Err(c.bad());
        }
        let insn = i_type(op, f3, c.x(d)?, c.x(a)?, sh | hi as i64);
        c.emit(insn, None);
        return Ok(());
    }
    if let Some((f3, swap, zero)) = branch_op(m) {
        let (a, b, t) = match (zero, ops) {
            (None, [a, b, Opd::Imm(t)]) => (c.x(a)?, c.x(b)?, t),
            (Some(false), [a, Opd::Imm(t)]) => (c.x(a)?, ZERO, t),
            (Some(true), [a, Opd::Imm(t)]) => (ZERO, c.x(a)?, t),
            _ => return Err(c.bad()),
        };
        let (rs1, rs2) = if swap { (b, a) } else { (a, b) };
        if t.func.is_some() {
            return Err(c.bad());
        }
        c.branch(r_type(0x63, f3, 0, 0, rs1, rs2), t.expr.clone());
        return Ok(());
    }
    let x = |c: &Ctx, i: usize| c.x(ops.get(i).ok_or_else(|| c.bad())?);
    let n = ops.len();
    let want = |c: &Ctx, k: usize| if n == k { Ok(()) } else { Err(c.bad()) };
    match m {
        "nop" => {
            want(&c, 0)?;
            c.emit(0x13, None);
        }
        "ecall" => c.emit(0x73, None),
        "wfi" => c.emit(0x1050_0073, None),
        "sret" => c.emit(0x1020_0073, None),
        "mret" => c.emit(0x3020_0073, None),
        "sfence.vma" => {
            let (a, b) = match ops {
                [] => (ZERO, ZERO),
                [a] => (c.x(a)?, ZERO),
                [a, b] => (c.x(a)?, c.x(b)?),
                _ => return Err(c.bad()),
            };
            c.emit(r_type(0x73, 0, 0x09, 0, a, b), None);
        }
        "ebreak" => c.emit(0x0010_0073, None),
        "unimp" => {
            if c.rvc {
                c.asm.emit(Emit { bytes: vec![0, 0], fixups: Vec::new() });
            } else {
                c.emit(0xc000_1073, None);
            }
        }
        "mv" | "move" => {
            want(&c, 2)?;
            let (rd, rs) = (x(&c, 0)?, x(&c, 1)?);
            let insn = i_type(0x13, 0, rd, rs, 0);
            // `mv`'s only C alias is `c.mv` (non-zero registers): `mv a0, zero` stays 4 bytes.
            if rs == ZERO {
                c.emit_full(insn);
            } else {
                c.emit(insn, None);
            }
        }
        "not" => {
            want(&c, 2)?;
            let insn = i_type(0x13, 4, x(&c, 0)?, x(&c, 1)?, -1);
            c.emit(insn, None);
        }
        "neg" | "negw" => {
            want(&c, 2)?;
            let insn = r_type(if m == "neg" { 0x33 } else { 0x3b }, 0, 0x20, x(&c, 0)?, ZERO, x(&c, 1)?);
            c.emit(insn, None);
        }
        "sext.w" => {
            want(&c, 2)?;
            let insn = i_type(0x1b, 0, x(&c, 0)?, x(&c, 1)?, 0);
            c.emit(insn, None);
        }
        "zext.b" => {
            want(&c, 2)?;
            let insn = i_type(0x13, 7, x(&c, 0)?, x(&c, 1)?, 255);
            c.emit(insn, None);
        }
        "seqz" => {
            want(&c, 2)?;
            let insn = i_type(0x13, 3, x(&c, 0)?, x(&c, 1)?, 1);
            c.emit(insn, None);
        }
        "snez" => {
            want(&c, 2)?;
            let insn = r_type(0x33, 3, 0, x(&c, 0)?, ZERO, x(&c, 1)?);
            c.emit(insn, None);
        }
        "sltz" => {
            want(&c, 2)?;
            let insn = r_type(0x33, 2, 0, x(&c, 0)?, x(&c, 1)?, ZERO);
            c.emit(insn, None);
        }
        "sgtz" => {
            want(&c, 2)?;
            let insn = r_type(0x33, 2, 0, x(&c, 0)?, ZERO, x(&c, 1)?);
            c.emit(insn, None);
        }
        "sgt" | "sgtu" => {
            want(&c, 3)?;
            let insn = r_type(0x33, if m == "sgt" { 2 } else { 3 }, 0, x(&c, 0)?, x(&c, 2)?, x(&c, 1)?);
            c.emit(insn, None);
        }
        "li" => {
            want(&c, 2)?;
            let v = c.imm(&ops[1])?;
            let rd = x(&c, 0)?;
            c.li(rd, v);
        }
        "lui" | "auipc" => {
            want(&c, 2)?;
            let rd = x(&c, 0)?;
            let Opd::Imm(imm) = &ops[1] else { return Err(c.bad()) };
            let op = if m == "lui" { 0x37 } else { 0x17 };
            let kind = match (m, imm.func) {
                (_, None) => {
                    let v = c.konst(&imm.expr)?;
                    if !(0..0x100000).contains(&v) {
                        return Err(c.bad());
                    }
                    c.emit(u_type(op, rd, v), None);
                    return Ok(());
                }
                ("lui", Some(Func::Hi)) => HI20,
                ("lui", Some(Func::TprelHi)) => TPREL_HI20,
                ("auipc", Some(Func::PcrelHi)) => PCREL_HI20,
                ("auipc", Some(Func::GotPcrelHi)) => GOT_HI20,
                ("auipc", Some(Func::TlsIePcrelHi)) => TLS_GOT_HI20,
                ("auipc", Some(Func::TlsGdPcrelHi)) => TLS_GD_HI20,
                _ => return Err(c.bad()),
            };
            if let (Some(v), Func::Hi) = (c.asm.try_const(&imm.expr)?, imm.func.unwrap_or(Func::Lo)) {
                c.emit(u_type(op, rd, ((v + 0x800) >> 12) & 0xfffff), None);
                return Ok(());
            }
            c.emit(u_type(op, rd, 0), Some(Fix { kind: kind as u16, expr: imm.expr.clone() }));
        }
        "la" | "lla" | "lga" | "la.tls.ie" | "la.tls.gd" => {
            want(&c, 2)?;
            let rd = x(&c, 0)?;
            let Opd::Imm(Imm { func: None, expr }) = &ops[1] else { return Err(c.bad()) };
            let (hi, load) = match m {
                "la" if pic => (GOT_HI20, true),
                "lga" => (GOT_HI20, true),
                "la.tls.ie" => (TLS_GOT_HI20, true),
                "la.tls.gd" => (TLS_GD_HI20, false),
                _ => (PCREL_HI20, false),
            };
            c.pcrel_pair(hi, rd, expr.clone(), |_| if load { (i_type(0x03, 3, rd, rd, 0), PCREL_LO12_I) } else { (i_type(0x13, 0, rd, rd, 0), PCREL_LO12_I) });
        }
        "call" | "tail" => {
            let (link, tmp, t) = match (m, ops) {
                ("call", [Opd::Imm(t)]) => (RA, RA, t),
                ("call", [Opd::X(r), Opd::Imm(t)]) => (*r, *r, t),
                ("tail", [Opd::Imm(t)]) => (ZERO, T1, t),
                _ => return Err(c.bad()),
            };
            if t.func.is_some() {
                return Err(c.bad());
            }
            c.emit(u_type(0x17, tmp, 0), Some(Fix { kind: CALL_PLT as u16, expr: t.expr.clone() }));
            c.asm.emit(Emit { bytes: i_type(0x67, 0, link, tmp, 0).to_le_bytes().to_vec(), fixups: Vec::new() });
            if c.relax {
                c.asm.add_tail(Tail::None);
            }
        }
        "j" | "jal" => {
            let (rd, t) = match (m, ops) {
                ("j", [Opd::Imm(t)]) => (ZERO, t),
                ("jal", [Opd::Imm(t)]) => (RA, t),
                ("jal", [Opd::X(r), Opd::Imm(t)]) => (*r, t),
                _ => return Err(c.bad()),
            };
            if t.func.is_some() {
                return Err(c.bad());
            }
            c.branch(0x6f | rd << 7, t.expr.clone());
        }
        "jr" | "jalr" | "ret" => {
            let link = if m == "jalr" { RA } else { ZERO };
            let (rd, rs, off) = match (m, ops) {
                ("ret", []) => (ZERO, RA, 0),
                (_, [Opd::X(s)]) => (link, *s, 0),
                (_, [Opd::Mem(i, s)]) => (link, *s, c.konst(&i.expr)?),
                ("jalr", [Opd::X(d), Opd::X(s)]) => (*d, *s, 0),
                ("jalr", [Opd::X(d), Opd::Mem(i, s)]) => (*d, *s, c.konst(&i.expr)?),
                ("jalr", [Opd::X(d), Opd::X(s), Opd::Imm(i)]) => (*d, *s, c.konst(&i.expr)?),
                ("jr", [Opd::X(s), Opd::Imm(i)]) => (ZERO, *s, c.konst(&i.expr)?),
                _ => return Err(c.bad()),
            };
            let off = c.simm12(off)?;
            // `c.jr`/`c.jalr` are aliases of `ret`, `jr rs` and `jalr rs` only.
            if matches!(ops, [] | [Opd::X(_)]) {
                c.emit(i_type(0x67, 0, rd, rs, off), None);
            } else {
                c.emit_full(i_type(0x67, 0, rd, rs, off));
            }
        }
        _ => return float_or_atomic(&mut c, m, ops, rm),
    }
    Ok(())
}

fn float_or_atomic(c: &mut Ctx, m: &str, ops: &[Opd], rm: Option<u32>) -> Result<(), String> {
    if let Some(insn) = atomic(c, m, ops)? {
        c.emit(insn, None);
        return Ok(());
    }
    let Some((base, fmt)) = m.rsplit_once('.').and_then(|(b, s)| match s {
        "s" => Some((b, 0)),
        "d" => Some((b, 1)),
        _ => None,
    }) else {
        return fcvt_or_fmv(c, m, ops, rm);
    };
    let fr = |c: &Ctx, i: usize| c.f(ops.get(i).ok_or_else(|| c.bad())?);
    let xr = |c: &Ctx, i: usize| c.x(ops.get(i).ok_or_else(|| c.bad())?);
    let n = ops.len();
    let want = |c: &Ctx, k: usize| if n == k { Ok(()) } else { Err(c.bad()) };
    let op = |f5: u32, f3: u32, rd: u32, rs1: u32, rs2: u32| r_type(0x53, f3, f5 << 2 | fmt, rd, rs1, rs2);
    let dynrm = rm.unwrap_or(7);
    let insn = match base {
        "fadd" | "fsub" | "fmul" | "fdiv" => {
            want(c, 3)?;
            let f5 = ["fadd", "fsub", "fmul", "fdiv"].iter().position(|x| *x == base).unwrap_or(0) as u32;
            op(f5, dynrm, fr(c, 0)?, fr(c, 1)?, fr(c, 2)?)
        }
        "fsqrt" => {
            want(c, 2)?;
            op(0x0b, dynrm, fr(c, 0)?, fr(c, 1)?, 0)
        }
        "fsgnj" | "fsgnjn" | "fsgnjx" | "fmin" | "fmax" if rm.is_none() => {
            want(c, 3)?;
            let (f5, f3) = match base {
                "fsgnj" => (4, 0),
                "fsgnjn" => (4, 1),
                "fsgnjx" => (4, 2),
                "fmin" => (5, 0),
                _ => (5, 1),
            };
            op(f5, f3, fr(c, 0)?, fr(c, 1)?, fr(c, 2)?)
        }
        "fmv" | "fneg" | "fabs" if rm.is_none() => {
            want(c, 2)?;
            let f3 = match base {
                "fmv" => 0,
                "fneg" => 1,
                _ => 2,
            };
            let s = fr(c, 1)?;
            op(4, f3, fr(c, 0)?, s, s)
        }
        "feq" | "flt" | "fle" | "fgt" | "fge" if rm.is_none() => {
            want(c, 3)?;
            let (f3, swap) = match base {
                "feq" => (2, false),
                "flt" => (1, false),
                "fle" => (0, false),
                "fgt" => (1, true),
                _ => (0, true),
            };
            let (a, b) = (fr(c, 1)?, fr(c, 2)?);
            let (a, b) = if swap { (b, a) } else { (a, b) };
            op(0x14, f3, xr(c, 0)?, a, b)
        }
        "fclass" if rm.is_none() => {
            want(c, 2)?;
            op(0x1c, 1, xr(c, 0)?, fr(c, 1)?, 0)
        }
        "fmadd" | "fmsub" | "fnmsub" | "fnmadd" => {
            want(c, 4)?;
            let opc = match base {
                "fmadd" => 0x43,
                "fmsub" => 0x47,
                "fnmsub" => 0x4b,
                _ => 0x4f,
            };
            fr(c, 3)? << 27 | fmt << 25 | fr(c, 2)? << 20 | fr(c, 1)? << 15 | dynrm << 12 | fr(c, 0)? << 7 | opc
        }
        _ => return fcvt_or_fmv(c, m, ops, rm),
    };
    c.emit(insn, None);
    Ok(())
}

fn fcvt_or_fmv(c: &mut Ctx, m: &str, ops: &[Opd], rm: Option<u32>) -> Result<(), String> {
    let [d, s] = ops else { return Err(c.unknown(m)) };
    let fmt = |t: &str| match t {
        "s" => Some(0),
        "d" => Some(1),
        _ => None,
    };
    let int = |t: &str| match t {
        "w" => Some(0),
        "wu" => Some(1),
        "l" => Some(2),
        "lu" => Some(3),
        _ => None,
    };
    let parts: Vec<&str> = m.split('.').collect();
    let insn = match parts[..] {
        ["fcvt", a, b] => match (fmt(a), int(a), fmt(b), int(b)) {
            // float -> int: fcvt.w.d
            (None, Some(i), Some(f), None) => r_type(0x53, rm.unwrap_or(7), 0x18 << 2 | f, c.x(d)?, c.f(s)?, i),
            // int -> float: fcvt.d.w (exact for w/wu into double: rm 0 by default)
            (Some(f), None, None, Some(i)) => {
                let exact = f == 1 && i < 2;
                r_type(0x53, rm.unwrap_or(if exact { 0 } else { 7 }), 0x1a << 2 | f, c.f(d)?, c.x(s)?, i)
            }
            // float -> float: fcvt.s.d (rounds), fcvt.d.s (exact)
            (Some(0), None, Some(1), None) => r_type(0x53, rm.unwrap_or(7), 0x08 << 2, c.f(d)?, c.f(s)?, 1),
            (Some(1), None, Some(0), None) => r_type(0x53, rm.unwrap_or(0), 0x08 << 2 | 1, c.f(d)?, c.f(s)?, 0),
            _ => return Err(c.unknown(m)),
        },
        ["fmv", "x", "w"] | ["fmv", "x", "s"] => r_type(0x53, 0, 0x1c << 2, c.x(d)?, c.f(s)?, 0),
        ["fmv", "x", "d"] => r_type(0x53, 0, 0x1c << 2 | 1, c.x(d)?, c.f(s)?, 0),
        ["fmv", "w", "x"] | ["fmv", "s", "x"] => r_type(0x53, 0, 0x1e << 2, c.f(d)?, c.x(s)?, 0),
        ["fmv", "d", "x"] => r_type(0x53, 0, 0x1e << 2 | 1, c.f(d)?, c.x(s)?, 0),
        _ => return Err(c.unknown(m)),
    };
    c.emit(insn, None);
    Ok(())
}

/// `lr.w`, `sc.d`, `amoadd.w.aqrl`...: the encoded instruction, or None for another mnemonic.
fn atomic(c: &Ctx, m: &str, ops: &[Opd]) -> Result<Option<u32>, String> {
    let mut parts = m.split('.');
    let base = parts.next().unwrap_or("");
    let f5 = match base {
        "lr" => 0x02,
        "sc" => 0x03,
        "amoswap" => 0x01,
        "amoadd" => 0x00,
        "amoxor" => 0x04,
        "amoand" => 0x0c,
        "amoor" => 0x08,
        "amomin" => 0x10,
        "amomax" => 0x14,
        "amominu" => 0x18,
        "amomaxu" => 0x1c,
        _ => return Ok(None),
    };
    let f3 = match parts.next() {
        Some("w") => 2,
        Some("d") => 3,
        _ => return Ok(None),
    };
    let order = match parts.next() {
        None => 0,
        Some("aq") => 2,
        Some("rl") => 1,
        Some("aqrl") => 3,
        _ => return Ok(None),
    };
    if parts.next().is_some() {
        return Ok(None);
    }
    let base_reg = |o: &Opd| match o {
        Opd::Mem(i, r) if matches!(i.expr, Expr::Num(0)) && i.func.is_none() => Ok(*r),
        _ => Err(c.bad()),
    };
    let (rd, rs2, rs1) = match (f5, ops) {
        (0x02, [d, a]) => (c.x(d)?, 0, base_reg(a)?),
        (0x02, _) => return Err(c.bad()),
        (_, [d, s, a]) => (c.x(d)?, c.x(s)?, base_reg(a)?),
        _ => return Err(c.bad()),
    };
    Ok(Some(r_type(0x2f, f3, f5 << 2 | order, rd, rs1, rs2)))
}

/// The 32-bit instruction an explicit compressed mnemonic (`c.li s4, -13`) stands for, by
/// its operand shape.
enum CForm {
    /// R-type (opcode, funct3, funct7) as `op rd, rd, rs`.
    RdRdRs(u32, u32, u32),
    /// `addi rd, rs, 0` (`c.mv`, as GNU's `mv`).
    Mv,
    /// I-type (opcode, funct3, high immediate bits) as `op rd, rd, imm`.
    RdRdImm(u32, u32, i64),
    /// I-type as `op rd, zero, imm` (`c.li`).
    RdZeroImm(u32, u32),
    /// `lui rd, imm`.
    Lui,
    /// Loads and stores as their base instruction.
    Mem(&'static str),
    /// `jalr link, 0(rs)` (`c.jr`, `c.jalr`).
    Jump(u32),
    /// No operands: the full instruction.
    Fixed(u32),
}

fn c_form(base: &str) -> Option<CForm> {
    use CForm::*;
    Some(match base {
        "li" => RdZeroImm(0x13, 0),
        "mv" => Mv,
        "add" => RdRdRs(0x33, 0, 0),
        "sub" => RdRdRs(0x33, 0, 0x20),
        "xor" => RdRdRs(0x33, 4, 0),
        "or" => RdRdRs(0x33, 6, 0),
        "and" => RdRdRs(0x33, 7, 0),
        "addw" => RdRdRs(0x3b, 0, 0),
        "subw" => RdRdRs(0x3b, 0, 0x20),
        "addi" => RdRdImm(0x13, 0, 0),
        "addiw" => RdRdImm(0x1b, 0, 0),
        "andi" => RdRdImm(0x13, 7, 0),
        "slli" => RdRdImm(0x13, 1, 0),
        "srli" => RdRdImm(0x13, 5, 0),
        "srai" => RdRdImm(0x13, 5, 0x400),
        "lui" => Lui,
        "lw" | "lwsp" => Mem("lw"),
        "ld" | "ldsp" => Mem("ld"),
        "sw" | "swsp" => Mem("sw"),
        "sd" | "sdsp" => Mem("sd"),
        "fld" | "fldsp" => Mem("fld"),
        "fsd" | "fsdsp" => Mem("fsd"),
        "jr" => Jump(ZERO),
        "jalr" => Jump(RA),
        "nop" => Fixed(0x13),
        "ebreak" => Fixed(0x0010_0073),
        _ => return None,
    })
}

/// `c.<base>`: the compressed form of the instruction it stands for; operands that have no
/// compressed encoding are an error (GNU as's `C` operand classes), never a 32-bit fallback.
fn explicit_compressed(c: &mut Ctx, base: &str, ops: &[Opd]) -> Result<(), String> {
    let form = c_form(base).ok_or_else(|| c.unknown(&format!("c.{base}")))?;
    if !c.rvc {
        return Err(format!("unrecognized opcode `{}', extension `c' required", c.text));
    }
    // The 32-bit field must hold the value: a truncated one could compress by accident.
    let simm12 = |c: &Ctx, i: &Opd| c.imm(i).and_then(|v| c.simm12(v));
    let shamt = |c: &Ctx, i: &Opd| c.imm(i).and_then(|v| if (0..64).contains(&v) { Ok(v) } else { Err(c.bad()) });
    let insn = match (form, ops) {
        (CForm::RdRdRs(op, f3, f7), [d, s]) => r_type(op, f3, f7, c.x(d)?, c.x(d)?, c.x(s)?),
        (CForm::Mv, [d, s]) => i_type(0x13, 0, c.x(d)?, c.x(s)?, 0),
        (CForm::RdRdImm(op, f3 @ (1 | 5), hi), [d, i]) => i_type(op, f3, c.x(d)?, c.x(d)?, shamt(c, i)? | hi),
        (CForm::RdRdImm(op, f3, hi), [d, i]) => i_type(op, f3, c.x(d)?, c.x(d)?, simm12(c, i)? | hi),
        (CForm::RdZeroImm(op, f3), [d, i]) => i_type(op, f3, c.x(d)?, ZERO, simm12(c, i)?),
        (CForm::Lui, [d, i]) => {
            let v = c.imm(i)?;
            if !(0..0x100000).contains(&v) {
                return Err(c.bad());
            }
            u_type(0x37, c.x(d)?, v)
        }
        (CForm::Mem(name), [r, Opd::Mem(imm, b)]) => {
            let (op, f3, store, fp) = mem_op(name).ok_or_else(|| c.bad())?;
            let r = if fp { c.f(r)? } else { c.x(r)? };
            let off = if imm.func.is_none() { c.konst(&imm.expr)? } else { return Err(c.bad()) };
            if store {
                s_type(op, f3, *b, r, off)
            } else {
                i_type(op, f3, r, *b, off)
            }
        }
        (CForm::Jump(link), [s]) => i_type(0x67, 0, link, c.x(s)?, 0),
        (CForm::Fixed(insn), []) => insn,
        _ => return Err(c.bad()),
    };
    let half = compress(insn).ok_or_else(|| c.bad())?;
    c.asm.emit(Emit { bytes: half.to_le_bytes().to_vec(), fixups: Vec::new() });
    Ok(())
}

impl Ctx<'_, '_> {
    fn unknown(&self, m: &str) -> String {
        format!("unrecognized opcode `{}'", if self.text.is_empty() { m } else { &self.text })
    }
}

/// Branch bytes and fixups for a relaxed size (GNU's md_convert_frag_branch).
pub fn branch_bytes(data: u64, size: u64) -> (Vec<u8>, Vec<(usize, u16, u8)>) {
    let insn = data as u32;
    let uncond = data >> 32 & 1 != 0;
    let bne = (insn >> 12) & 1 != 0;
    let rs1 = (insn >> 15) & 0x1f;
    match size {
        2 if uncond => (compress::C_J.to_le_bytes().to_vec(), vec![(0, RVC_JUMP as u16, 2)]),
        2 => (compress::cbranch(bne, rs1).unwrap_or(0).to_le_bytes().to_vec(), vec![(0, RVC_BRANCH as u16, 2)]),
        4 => (insn.to_le_bytes().to_vec(), vec![(0, if uncond { JAL } else { BRANCH } as u16, 4)]),
        6 => {
            let c = compress::cbranch(!bne, rs1).unwrap_or(0) | compress::cb_imm(6);
            let mut b = c.to_le_bytes().to_vec();
            b.extend(0x6fu32.to_le_bytes());
            (b, vec![(2, JAL as u16, 4)])
        }
        _ => {
            let inv = (insn ^ 0x1000) | compress::b_imm(8);
            let mut b = inv.to_le_bytes().to_vec();
            b.extend(0x6fu32.to_le_bytes());
            (b, vec![(4, JAL as u16, 4)])
        }
    }
}
