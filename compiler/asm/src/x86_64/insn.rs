//! x86-64 instructions: mnemonic + AT&T operands to an encoding (see `encode`).

use super::encode::{fits_i8, Enc, Imm, Rm};
use super::operand::{parse_operands, Class, Mem, Op, Operand, Reg};
use crate::assembler::Assembler;
use crate::expr::ExprM;
use crate::lex::Tok;
use crate::section::{FixKind, Tail};

mod sse;
mod system;
mod x87;

/// Prefixes written as separate mnemonics (`lock`, `rep`, `data16`, `rex64`).
#[derive(Default, Clone, Copy)]
struct Pfx {
    lock: bool,
    rep: Option<u8>,
    data16: bool,
    rex64: bool,
}

const CC: [(&str, u8); 30] = [
    ("o", 0), ("no", 1), ("b", 2), ("c", 2), ("nae", 2), ("ae", 3), ("nb", 3), ("nc", 3), ("e", 4), ("z", 4), ("ne", 5), ("nz", 5),
    ("be", 6), ("na", 6), ("a", 7), ("nbe", 7), ("s", 8), ("ns", 9), ("p", 10), ("pe", 10), ("np", 11), ("po", 11), ("l", 12), ("nge", 12),
    ("ge", 13), ("nl", 13), ("le", 14), ("ng", 14), ("g", 15), ("nle", 15),
];

/// A mnemonic table's index by name, built on first use: the tables are searched for every
/// instruction (families are tried in turn), and linear string compares showed in profiles.
pub(super) struct NameIndex(std::sync::OnceLock<crate::fxhash::FxHashMap<&'static str, usize>>);

impl NameIndex {
    pub(super) const fn new() -> NameIndex {
        NameIndex(std::sync::OnceLock::new())
    }
    /// Index of the first entry named `name` among `names`.
    pub(super) fn get(&self, names: impl Iterator<Item = &'static str>, name: &str) -> Option<usize> {
        let map = self.0.get_or_init(|| {
            let mut m = crate::fxhash::FxHashMap::default();
            for (i, n) in names.enumerate() {
                m.entry(n).or_insert(i);
            }
            m
        });
        map.get(name).copied()
    }
}

fn cc(s: &str) -> Option<u8> {
    CC.iter().find(|c| c.0 == s).map(|c| c.1)
}

fn suffix_size(c: char) -> Option<u8> {
    match c {
        'b' => Some(1),
        'w' => Some(2),
        'l' => Some(4),
        'q' => Some(8),
        _ => None,
    }
}

pub fn assemble(asm: &mut Assembler, mnem: &str, toks: &[Tok]) -> Result<(), String> {
    assemble_with(asm, mnem, toks, Pfx::default())
}

fn assemble_with(asm: &mut Assembler, mnem: &str, toks: &[Tok], mut p: Pfx) -> Result<(), String> {
    let byte = match mnem {
        "lock" => {
            p.lock = true;
            Some(0xf0)
        }
        "rep" | "repe" | "repz" => {
            p.rep = Some(0xf3);
            Some(0xf3)
        }
        "repne" | "repnz" => {
            p.rep = Some(0xf2);
            Some(0xf2)
        }
        // `data16` in 32/64-bit code, `data32` in 16-bit code: the operand-size prefix.
        "data16" | "data32" => {
            p.data16 = true;
            Some(0x66)
        }
        "rex64" => {
            p.rex64 = true;
            Some(0x48)
        }
        "addr32" => Some(0x67),
        _ => None,
    };
    if let Some(b) = byte {
        // A prefix followed by its instruction on the same line, or alone.
        return match toks {
            [Tok::Ident(next), rest @ ..] => {
                let next = next.to_ascii_lowercase();
                if mnem == "addr32" {
                    asm.sec().emit(&[0x67]);
                }
                assemble_with(asm, &next, rest, p)
            }
            [] => {
                asm.sec().emit(&[b]);
                Ok(())
            }
            _ => Err(format!("expecting an instruction after `{mnem}'")),
        };
    }
    let first_new = asm.syms.list.len() as u32;
    let toks = asm.with_reg_aliases(toks);
    let ops = parse_operands(asm, &toks)?;
    for o in &ops {
        match &o.op {
            Operand::Imm(e) => asm.convert_temps(&e.expr, first_new, true),
            Operand::Mem(Mem { disp: Some(e), .. }) => asm.convert_temps(&e.expr, first_new, true),
            _ => {}
        }
    }
    let mut i = Insn { asm, p, ops };
    i.dispatch(mnem)
}

struct Insn<'a, 'b> {
    asm: &'a mut Assembler<'b>,
    p: Pfx,
    ops: Vec<Op>,
}

fn rm(op: &Operand) -> Option<Rm<'_>> {
    match op {
        Operand::Reg(r) => Some(Rm::Reg(*r)),
        Operand::Mem(m) => Some(Rm::Mem(m)),
        Operand::Imm(_) => None,
    }
}

fn gpr(op: &Operand) -> Option<Reg> {
    match op {
        Operand::Reg(r) if r.is_gpr() => Some(*r),
        _ => None,
    }
}

fn is_mem(op: &Operand) -> bool {
    matches!(op, Operand::Mem(_))
}

fn xmm(op: &Operand) -> Option<Reg> {
    match op {
        Operand::Reg(r) if r.class == Class::Xmm => Some(*r),
        _ => None,
    }
}

fn st(op: &Operand) -> Option<u8> {
    match op {
        Operand::Reg(r) if r.class == Class::St => Some(r.num),
        _ => None,
    }
}

impl Insn<'_, '_> {
    fn op(&self, i: usize) -> Result<&Operand, String> {
        self.ops.get(i).map(|o| &o.op).ok_or_else(|| "missing operand".to_string())
    }

    fn nops(&self, n: usize) -> Result<(), String> {
        if self.ops.len() != n {
            return Err(format!("number of operands mismatch (expected {n}, got {})", self.ops.len()));
        }
        Ok(())
    }

    fn imm(&self, e: &ExprM, size: u8, signed: bool) -> Result<Imm, String> {
        let val = if e.modifier.is_none() { self.asm.try_const(&e.expr)? } else { None };
        Ok(Imm { e: e.clone(), size, signed, val })
    }

    /// The default operand and address size of the current code, in bits (16, 32 or 64).
    pub(super) fn bits(&self) -> u8 {
        super::mode::bits(self.asm.mode)
    }

    /// Operand size of stack operations (push/pop/call/ret/leave...) without a suffix:
    /// 4 bytes in `.code16gcc`, else the code size (8 in 64-bit code).
    fn stack_size(&self) -> u8 {
        if self.asm.mode & super::mode::GCC16 != 0 {
            4
        } else {
            self.bits() / 8
        }
    }

    /// [`Insn::base`] for an operation whose 64-bit form needs no REX.W (stack, near branches).
    fn stack_base(&self, size: u8) -> Enc<'static> {
        self.base(if size == 8 && self.bits() == 64 { 0 } else { size })
    }

    /// Base encoding for an integer operation of `size` bytes (0: no operand size, as for
    /// `cpuid`): the operand-size prefix where `size` is not the code's default.
    fn base(&self, size: u8) -> Enc<'static> {
        let mut e = Enc { bits: self.bits(), ..Enc::default() };
        let other = if e.bits == 16 { size == 4 } else { size == 2 };
        if other || self.p.data16 {
            e.pfx.push(0x66);
        }
        if let Some(r) = self.p.rep {
            e.pfx.push(r);
        }
        if self.p.lock {
            e.pfx.push(0xf0);
        }
        e.w = size == 8 || self.p.rex64;
        e
    }

    fn emit(&mut self, mut e: Enc) -> Result<(), String> {
        e.gotx &= self.asm.opts.relax_relocations;
        // i386: an immediate `$_GLOBAL_OFFSET_TABLE_` is R_386_GOTPC (GNU as's PIC idiom).
        if e.bits != 64 {
            for i in &mut e.imm {
                if let (ExprM { expr: crate::expr::Expr::Sym(id), modifier: None }, 4) = (&i.e, i.size) {
                    if self.asm.syms.sym(*id).name == "_GLOBAL_OFFSET_TABLE_" {
                        i.e.modifier = Some(crate::expr::Modifier::GotPc);
                        i.val = None;
                    }
                }
            }
        }
        // GNU as makes a label referenced by a REX_GOTPCRELX-capable load a real symbol at once.
        if let (true, Some(Rm::Mem(Mem { base: Some(b), disp: Some(d), .. }))) = (e.gotx && e.w, &e.rm) {
            if b.class == Class::Rip {
                self.asm.convert_temps(&d.expr, u32::MAX, true);
            }
        }
        let out = e.encode()?;
        self.asm.emit(out);
        Ok(())
    }

    /// Operand size from the suffix or the register operands.
    fn size(&self, suffix: Option<u8>) -> Result<u8, String> {
        if let Some(s) = suffix {
            return Ok(s);
        }
        for o in self.ops.iter().rev() {
            if let Some(r) = gpr(&o.op) {
                return Ok(r.size().unwrap_or(8));
            }
        }
        Err("no instruction mnemonic suffix given and no register operands; can't size instruction".into())
    }

    fn dispatch(&mut self, m: &str) -> Result<(), String> {
        if self.simple(m)? {
            return Ok(());
        }
        if self.control(m)? {
            return Ok(());
        }
        if self.sse(m)? {
            return Ok(());
        }
        if self.x87(m)? {
            return Ok(());
        }
        if self.system(m)? {
            return Ok(());
        }
        // Integer families: exact name, or name + size suffix.
        if self.integer(m, None)? {
            return Ok(());
        }
        if let Some(c) = m.chars().last() {
            if let Some(s) = suffix_size(c) {
                if self.integer(&m[..m.len() - 1], Some(s))? {
                    return Ok(());
                }
            }
        }
        Err(format!("no such instruction: `{m}'"))
    }

    /// Instructions without operands (or with fixed ones).
    fn simple(&mut self, m: &str) -> Result<bool, String> {
        // Sign extensions of the accumulator: one opcode, sized by the prefixes.
        const EXT: [(&str, &str, u8, u8); 6] = [("cbtw", "cbw", 0x98, 2), ("cwtl", "cwde", 0x98, 4), ("cltq", "cdqe", 0x98, 8), ("cwtd", "cwd", 0x99, 2), ("cltd", "cdq", 0x99, 4), ("cqto", "cqo", 0x99, 8)];
        if let Some(&(_, _, op, size)) = EXT.iter().find(|x| x.0 == m || x.1 == m) {
            let mut e = self.base(size);
            e.opcode = vec![op];
            self.emit(e)?;
            return Ok(true);
        }
        // Stack operations without operands; `w`/`l`/`q` pick the size, else the code's.
        // Far returns are not `.code16gcc` stack operations: 16 bits in 16-bit code, else 32.
        const STACK: [(&str, u8); 8] = [("leave", 0xc9), ("pushf", 0x9c), ("popf", 0x9d), ("pusha", 0x60), ("popa", 0x61), ("ret", 0xc3), ("lret", 0xcb), ("iret", 0xcf)];
        let far = |op: u8| op == 0xcb || op == 0xcf;
        let stack = STACK.iter().find_map(|&(n, op)| {
            let rest = m.strip_prefix(n)?;
            let size = match rest {
                "" if far(op) => if self.bits() == 16 { 2 } else { 4 },
                "" => self.stack_size(),
                "w" => 2,
                "l" => 4,
                "q" if n != "pusha" && n != "popa" => 8,
                _ => return None,
            };
            Some((op, size))
        });
        if let Some((op, size)) = stack {
            if (op == 0x60 || op == 0x61) && self.bits() == 64 {
                return Err(format!("`{m}' is not supported in 64-bit mode"));
            }
            let n = self.ops.len();
            if n > 1 || (n == 1 && op != 0xc3 && op != 0xcb) {
                return Ok(false);
            }
            // `lretq`/`iretq` are REX.W; near stack operations default to 64 bits without it.
            let mut e = if far(op) { self.base(size) } else { self.stack_base(size) };
            e.opcode = vec![if n == 1 { op - 1 } else { op }];
            if n == 1 {
                let Operand::Imm(v) = self.op(0)?.clone() else { return Err(format!("operand type mismatch for `{m}'")) };
                e.imm.push(self.imm(&v, 2, false)?);
            }
            self.emit(e)?;
            return Ok(true);
        }
        let bytes: &[u8] = match m {
            "nop" if self.ops.is_empty() => &[0x90],
            "hlt" => &[0xf4],
            "ud2" => &[0x0f, 0x0b],
            "int3" => &[0xcc],
            "cpuid" => &[0x0f, 0xa2],
            "rdtsc" => &[0x0f, 0x31],
            "rdtscp" => &[0x0f, 0x01, 0xf9],
            "pause" => &[0xf3, 0x90],
            "mfence" => &[0x0f, 0xae, 0xf0],
            "lfence" => &[0x0f, 0xae, 0xe8],
            "sfence" => &[0x0f, 0xae, 0xf8],
            "endbr64" => &[0xf3, 0x0f, 0x1e, 0xfa],
            "syscall" => &[0x0f, 0x05],
            "sysret" => &[0x0f, 0x07],
            "cld" => &[0xfc],
            "std" => &[0xfd],
            "clc" => &[0xf8],
            "stc" => &[0xf9],
            "cmc" => &[0xf5],
            "cli" => &[0xfa],
            "sti" => &[0xfb],
            "sahf" => &[0x9e],
            "lahf" => &[0x9f],
            "fwait" | "wait" => &[0x9b],
            "xgetbv" => &[0x0f, 0x01, 0xd0],
            "rdmsr" => &[0x0f, 0x32],
            "wrmsr" => &[0x0f, 0x30],
            "swapgs" => &[0x0f, 0x01, 0xf8],
            "wbinvd" => &[0x0f, 0x09],
            "invd" => &[0x0f, 0x08],
            "clts" => &[0x0f, 0x06],
            "monitor" => &[0x0f, 0x01, 0xc8],
            "mwait" => &[0x0f, 0x01, 0xc9],
            "vzeroupper" => &[0xc5, 0xf8, 0x77],
            "emms" => &[0x0f, 0x77],
            "stac" => &[0x0f, 0x01, 0xcb],
            "clac" => &[0x0f, 0x01, 0xca],
            "xend" => &[0x0f, 0x01, 0xd5],
            "xtest" => &[0x0f, 0x01, 0xd6],
            _ => {
                // String instructions: movs/stos/lods/scas/cmps + b/w/l/q, no operands.
                let (base, op) = match m.get(..m.len().saturating_sub(1)) {
                    Some("movs") => ("movs", 0xa4),
                    Some("stos") => ("stos", 0xaa),
                    Some("lods") => ("lods", 0xac),
                    Some("scas") => ("scas", 0xae),
                    Some("cmps") => ("cmps", 0xa6),
                    Some("ins") => ("ins", 0x6c),
                    Some("outs") => ("outs", 0x6e),
                    _ => return Ok(false),
                };
                let _ = base;
                let Some(size) = m.chars().last().and_then(suffix_size) else { return Ok(false) };
                if !self.ops.is_empty() && !(self.ops.len() == 2 && self.ops.iter().all(|o| is_mem(&o.op))) {
                    return Ok(false);
                }
                let mut e = self.base(size);
                e.opcode = vec![if size == 1 { op } else { op + 1 }];
                self.emit(e)?;
                return Ok(true);
            }
        };
        let mut e = self.base(0);
        e.opcode = bytes.to_vec();
        self.emit(e)?;
        Ok(true)
    }

    /// Jumps, calls, returns, setcc, cmovcc.
    fn control(&mut self, m: &str) -> Result<bool, String> {
        let direct_target = |o: &Op| -> Option<ExprM> {
            match &o.op {
                Operand::Mem(Mem { seg: None, disp: Some(d), base: None, index: None, .. }) if !o.star => Some(d.clone()),
                _ => None,
            }
        };
        let jcc = m.strip_prefix('j').and_then(cc);
        if m == "jmp" || m == "jmpq" || jcc.is_some() {
            self.nops(1)?;
            if let Some(t) = direct_target(&self.ops[0]) {
                if self.p.data16 || self.p.rex64 {
                    let mut e = Emit1::new(self);
                    match jcc {
                        Some(c) => e.bytes.extend([0x0f, 0x80 | c]),
                        None => e.bytes.push(0xe9),
                    }
                    e.rel32(t, FixKind::Branch);
                    e.done(self);
                    return Ok(true);
                }
                // Relaxed at layout; `jmp foo@PLT` stays long (its fixup is made then, as GNU as does).
                let mode = self.asm.mode;
                self.asm.add_tail(Tail::Branch { cc: jcc, target: t.expr, modifier: t.modifier, long: false, force_long: false, mode });
                return Ok(true);
            }
            if jcc.is_some() {
                return Err("invalid operand for conditional jump".into());
            }
            return self.indirect(4, None).map(|_| true);
        }
        if matches!(m, "jmpw" | "jmpl") {
            self.nops(1)?;
            return self.indirect(4, Some(if m == "jmpw" { 2 } else { 4 })).map(|_| true);
        }
        let call = match m {
            "call" => Some(None),
            "callw" => Some(Some(2)),
            "calll" => Some(Some(4)),
            "callq" => Some(Some(8)),
            _ => None,
        };
        if let Some(suf) = call {
            self.nops(1)?;
            if let Some(t) = direct_target(&self.ops[0]) {
                // rel16 when the operand size is 16 bits (`.code16`, `callw`).
                let size = suf.unwrap_or(self.stack_size());
                let mut e = Emit1::new(self);
                if self.bits() != 64 && (size == 2) != (self.bits() == 16) {
                    e.bytes.push(0x66);
                }
                e.bytes.push(0xe8);
                // PLT32 is for 64-bit code: a call in `.code32`/`.code16` is plain PC-relative.
                let kind = if self.bits() == 64 { FixKind::Branch } else { FixKind::PcRel };
                e.rel(t, kind, if size == 2 { 2 } else { 4 });
                e.done(self);
                return Ok(true);
            }
            return self.indirect(2, suf).map(|_| true);
        }
        if let Some(c) = m.strip_prefix("set").and_then(|s| cc(s.strip_suffix('b').filter(|x| cc(x).is_some()).unwrap_or(s))) {
            self.nops(1)?;
            let o = self.op(0)?.clone();
            let mut e = self.base(1);
            e.opcode = vec![0x0f, 0x90 | c];
            e.rm = rm(&o);
            self.emit(e)?;
            return Ok(true);
        }
        if let Some(rest) = m.strip_prefix("cmov") {
            let (c, suf) = match cc(rest) {
                Some(c) => (c, None),
                None => match rest.chars().last().and_then(suffix_size).and_then(|s| Some((cc(&rest[..rest.len() - 1])?, Some(s)))) {
                    Some(x) => x,
                    None => return Ok(false),
                },
            };
            self.nops(2)?;
            let size = self.size(suf)?;
            let (src, dst) = (self.op(0)?.clone(), self.op(1)?.clone());
            let d = gpr(&dst).ok_or("cmov destination must be a register")?;
            let mut e = self.base(size);
            e.opcode = vec![0x0f, 0x40 | c];
            e.reg = d.num;
            e.reg_op = Some(d);
            e.rm = rm(&src);
            self.emit(e)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// `call *x` / `jmp *x`: FF /2 or /4, sized by the suffix, the register, or the code
    /// (a call's size is the stack's: 32 bits in `.code16gcc`).
    fn indirect(&mut self, ext: u8, suf: Option<u8>) -> Result<(), String> {
        let o = self.op(0)?.clone();
        if !self.ops[0].star {
            if let Operand::Reg(_) = o {
                // GNU as accepts `jmp %rax` with a warning.
            } else {
                return Err("invalid operand".into());
            }
        }
        let size = suf.or(gpr(&o).and_then(|r| r.size())).unwrap_or(if ext == 2 { self.stack_size() } else { self.bits() / 8 });
        let mut e = self.stack_base(size);
        e.opcode = vec![0xff];
        e.reg = ext;
        e.rm = rm(&o);
        e.gotx = true;
        self.emit(e)
    }

    /// Sized integer instructions; `m` without its suffix when `suf` is Some.
    fn integer(&mut self, m: &str, suf: Option<u8>) -> Result<bool, String> {
        const ALU: [&str; 8] = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
        if let Some(n) = ALU.iter().position(|a| *a == m) {
            self.alu(n as u8, suf)?;
            return Ok(true);
        }
        const SHIFT: [(&str, u8); 8] = [("rol", 0), ("ror", 1), ("rcl", 2), ("rcr", 3), ("shl", 4), ("sal", 4), ("shr", 5), ("sar", 7)];
        if let Some(&(_, n)) = SHIFT.iter().find(|s| s.0 == m) {
            self.shift(n, suf)?;
            return Ok(true);
        }
        const UNARY: [(&str, u8); 6] = [("not", 2), ("neg", 3), ("mul", 4), ("div", 6), ("idiv", 7), ("imul", 5)];
        if let Some(&(_, n)) = UNARY.iter().find(|s| s.0 == m) {
            if m == "imul" && self.ops.len() > 1 {
                self.imul(suf)?;
            } else {
                self.nops(1)?;
                let size = self.size(suf)?;
                let o = self.op(0)?.clone();
                let mut e = self.base(size);
                e.opcode = vec![if size == 1 { 0xf6 } else { 0xf7 }];
                e.reg = n;
                e.rm = rm(&o);
                self.emit(e)?;
            }
            return Ok(true);
        }
        match m {
            "inc" | "dec" => {
                self.nops(1)?;
                let size = self.size(suf)?;
                let o = self.op(0)?.clone();
                let mut e = self.base(size);
                // Outside 64-bit code (where 40-4F are REX) a 16/32-bit register has 40+r/48+r.
                if let Some(r) = gpr(&o).filter(|r| self.bits() != 64 && matches!(r.size(), Some(2 | 4))) {
                    e.opcode = vec![if m == "dec" { 0x48 } else { 0x40 }];
                    e.plus = Some(r);
                    self.emit(e)?;
                    return Ok(true);
                }
                e.opcode = vec![if size == 1 { 0xfe } else { 0xff }];
                e.reg = (m == "dec") as u8;
                e.rm = rm(&o);
                self.emit(e)?;
            }
            "mov" => self.mov(suf)?,
            "movabs" => self.movabs(suf)?,
            "lea" => {
                self.nops(2)?;
                let size = self.size(suf)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let d = gpr(&d).ok_or("lea destination must be a register")?;
                self.reg_rm(size, &[0x8d], d, &s)?;
            }
            "test" => self.test(suf)?,
            "xchg" => self.xchg(suf)?,
            "push" | "pop" => self.pushpop(m == "push", suf)?,
            "bswap" => {
                self.nops(1)?;
                let r = gpr(self.op(0)?).ok_or("bswap needs a register")?;
                let mut e = self.base(self.size(suf)?);
                e.opcode = vec![0x0f, 0xc8];
                e.plus = Some(r);
                self.emit(e)?;
            }
            "bsf" | "bsr" | "lzcnt" | "tzcnt" | "popcnt" => {
                self.nops(2)?;
                let size = self.size(suf)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let d = gpr(&d).ok_or("destination must be a register")?;
                let (pre, op) = match m {
                    "bsf" => (None, 0xbc),
                    "bsr" => (None, 0xbd),
                    "lzcnt" => (Some(0xf3), 0xbd),
                    "tzcnt" => (Some(0xf3), 0xbc),
                    _ => (Some(0xf3), 0xb8),
                };
                let mut e = self.base(size);
                e.mandatory = pre;
                e.opcode = vec![0x0f, op];
                e.reg = d.num;
                e.reg_op = Some(d);
                e.rm = rm(&s);
                self.emit(e)?;
            }
            "bt" | "bts" | "btr" | "btc" => {
                self.nops(2)?;
                let n = match m {
                    "bt" => 4,
                    "bts" => 5,
                    "btr" => 6,
                    _ => 7,
                };
                let size = self.size(suf)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let mut e = self.base(size);
                e.rm = rm(&d);
                match s {
                    Operand::Imm(v) => {
                        e.opcode = vec![0x0f, 0xba];
                        e.reg = n;
                        e.imm.push(self.imm(&v, 1, false)?);
                    }
                    Operand::Reg(r) => {
                        e.opcode = vec![0x0f, 0xa3 + (n - 4) * 8];
                        e.reg = r.num;
                        e.reg_op = Some(r);
                    }
                    _ => return Err("bad bit-test operand".into()),
                }
                self.emit(e)?;
            }
            "cmpxchg" | "xadd" => {
                self.nops(2)?;
                let size = self.size(suf)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let r = gpr(&s).ok_or("source must be a register")?;
                let base = if m == "xadd" { 0xc0 } else { 0xb0 };
                let mut e = self.base(size);
                e.opcode = vec![0x0f, if size == 1 { base } else { base + 1 }];
                e.reg = r.num;
                e.reg_op = Some(r);
                e.rm = rm(&d);
                self.emit(e)?;
            }
            "cmpxchg8b" | "cmpxchg16b" => {
                let o = self.op(0)?.clone();
                let mut e = self.base(if m == "cmpxchg16b" { 8 } else { 0 });
                e.opcode = vec![0x0f, 0xc7];
                e.reg = 1;
                e.rm = rm(&o);
                self.emit(e)?;
            }
            "shld" | "shrd" => {
                let size = self.size(suf)?;
                let (cnt, s, d) = match self.ops.len() {
                    3 => (Some(self.op(0)?.clone()), self.op(1)?.clone(), self.op(2)?.clone()),
                    2 => (None, self.op(0)?.clone(), self.op(1)?.clone()),
                    _ => return Err("number of operands mismatch".into()),
                };
                let r = gpr(&s).ok_or("source must be a register")?;
                let base = if m == "shld" { 0xa4 } else { 0xac };
                let mut e = self.base(size);
                e.reg = r.num;
                e.reg_op = Some(r);
                e.rm = rm(&d);
                match cnt {
                    Some(Operand::Imm(v)) => {
                        e.opcode = vec![0x0f, base];
                        e.imm.push(self.imm(&v, 1, false)?);
                    }
                    _ => e.opcode = vec![0x0f, base + 1],
                }
                self.emit(e)?;
            }
            "movzb" | "movzw" | "movsb" | "movsw" | "movsl" | "movzx" | "movsx" | "movslq" | "movsxd" => {
                return self.extend(m, suf);
            }
            "nop" => {
                // `nopw`/`nopl mem`: 0F 1F /0.
                let o = self.op(0)?.clone();
                let mut e = self.base(self.size(suf)?);
                e.opcode = vec![0x0f, 0x1f];
                e.rm = rm(&o);
                self.emit(e)?;
            }
            "int" => {
                let Operand::Imm(v) = self.op(0)?.clone() else { return Err("bad int operand".into()) };
                let mut e = self.base(0);
                e.opcode = vec![0xcd];
                e.imm.push(self.imm(&v, 1, false)?);
                self.emit(e)?;
            }
            "prefetcht0" | "prefetcht1" | "prefetcht2" | "prefetchnta" | "prefetchw" | "clflush" => {
                let o = self.op(0)?.clone();
                let (op, n) = match m {
                    "prefetchnta" => (vec![0x0f, 0x18], 0),
                    "prefetcht0" => (vec![0x0f, 0x18], 1),
                    "prefetcht1" => (vec![0x0f, 0x18], 2),
                    "prefetcht2" => (vec![0x0f, 0x18], 3),
                    "prefetchw" => (vec![0x0f, 0x0d], 1),
                    _ => (vec![0x0f, 0xae], 7),
                };
                let mut e = self.base(0);
                e.opcode = op;
                e.reg = n;
                e.rm = rm(&o);
                self.emit(e)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `op r/m, reg` with the register in ModRM.reg.
    fn reg_rm(&mut self, size: u8, opcode: &[u8], reg: Reg, src: &Operand) -> Result<(), String> {
        let mut e = self.base(size);
        e.opcode = opcode.to_vec();
        e.reg = reg.num;
        e.reg_op = Some(reg);
        e.rm = rm(src);
        self.emit(e)
    }

    /// Immediate of an `size`-byte operation: its value folded to the operand width.
    fn imm_val(&self, v: &ExprM, size: u8) -> Result<Option<i64>, String> {
        let n = if v.modifier.is_none() { self.asm.try_const(&v.expr)? } else { None };
        Ok(n.map(|n| match size {
            1 => n as i8 as i64,
            2 => n as i16 as i64,
            4 => n as i32 as i64,
            _ => n,
        }))
    }

    fn alu(&mut self, n: u8, suf: Option<u8>) -> Result<(), String> {
        self.nops(2)?;
        let size = self.size(suf)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let byte = size == 1;
        match (&s, &d) {
            (Operand::Imm(v), _) => {
                let val = self.imm_val(v, size)?;
                let acc = gpr(&d).map_or(false, |r| r.num == 0);
                let mut e = self.base(size);
                let gotx_sym = false;
                let _ = gotx_sym;
                if byte {
                    if acc {
                        e.opcode = vec![0x04 + 8 * n];
                    } else {
                        e.opcode = vec![0x80];
                        e.reg = n;
                        e.rm = rm(&d);
                    }
                    e.imm.push(Imm { e: v.clone(), size: 1, signed: false, val });
                } else if val.map_or(false, fits_i8) {
                    e.opcode = vec![0x83];
                    e.reg = n;
                    e.rm = rm(&d);
                    e.imm.push(Imm { e: v.clone(), size: 1, signed: true, val });
                } else {
                    let isz = size.min(4);
                    if acc {
                        e.opcode = vec![0x05 + 8 * n];
                    } else {
                        e.opcode = vec![0x81];
                        e.reg = n;
                        e.rm = rm(&d);
                    }
                    e.imm.push(Imm { e: v.clone(), size: isz, signed: size == 8, val });
                }
                self.emit(e)
            }
            (Operand::Reg(r), _) if r.is_gpr() => {
                let mut e = self.base(size);
                e.opcode = vec![8 * n + if byte { 0 } else { 1 }];
                e.reg = r.num;
                e.reg_op = Some(*r);
                e.rm = rm(&d);
                self.emit(e)
            }
            (Operand::Mem(_), Operand::Reg(r)) => {
                let mut e = self.base(size);
                e.opcode = vec![8 * n + if byte { 2 } else { 3 }];
                e.reg = r.num;
                e.reg_op = Some(*r);
                e.rm = rm(&s);
                e.gotx = !byte;
                self.emit(e)
            }
            _ => Err("invalid operands".into()),
        }
    }

    fn shift(&mut self, n: u8, suf: Option<u8>) -> Result<(), String> {
        let size = self.size(suf)?;
        let byte = size == 1;
        let (cnt, d) = match self.ops.len() {
            1 => (None, self.op(0)?.clone()),
            2 => (Some(self.op(0)?.clone()), self.op(1)?.clone()),
            _ => return Err("number of operands mismatch".into()),
        };
        let mut e = self.base(size);
        e.reg = n;
        e.rm = rm(&d);
        match cnt {
            None => e.opcode = vec![if byte { 0xd0 } else { 0xd1 }],
            Some(Operand::Reg(r)) if r.class == Class::Gpr(1) && r.num == 1 => e.opcode = vec![if byte { 0xd2 } else { 0xd3 }],
            Some(Operand::Imm(v)) => {
                let val = self.imm_val(&v, 1)?;
                if val == Some(1) {
                    e.opcode = vec![if byte { 0xd0 } else { 0xd1 }];
                } else {
                    e.opcode = vec![if byte { 0xc0 } else { 0xc1 }];
                    e.imm.push(Imm { e: v.clone(), size: 1, signed: false, val });
                }
            }
            _ => return Err("invalid shift count".into()),
        }
        self.emit(e)
    }

    fn imul(&mut self, suf: Option<u8>) -> Result<(), String> {
        let size = self.size(suf)?;
        let (imm, src, dst) = match self.ops.len() {
            2 => match self.op(0)?.clone() {
                Operand::Imm(v) => (Some(v), self.op(1)?.clone(), self.op(1)?.clone()),
                s => (None, s, self.op(1)?.clone()),
            },
            3 => match self.op(0)?.clone() {
                Operand::Imm(v) => (Some(v), self.op(1)?.clone(), self.op(2)?.clone()),
                _ => return Err("bad imul operands".into()),
            },
            _ => return Err("number of operands mismatch".into()),
        };
        let d = gpr(&dst).ok_or("imul destination must be a register")?;
        let mut e = self.base(size);
        e.reg = d.num;
        e.reg_op = Some(d);
        e.rm = rm(&src);
        match imm {
            None => e.opcode = vec![0x0f, 0xaf],
            Some(v) => {
                let val = self.imm_val(&v, size)?;
                if val.map_or(false, fits_i8) {
                    e.opcode = vec![0x6b];
                    e.imm.push(Imm { e: v, size: 1, signed: true, val });
                } else {
                    e.opcode = vec![0x69];
                    e.imm.push(Imm { e: v, size: size.min(4), signed: size == 8, val });
                }
            }
        }
        self.emit(e)
    }

    fn mov(&mut self, suf: Option<u8>) -> Result<(), String> {
        self.nops(2)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        // Segment and control/debug registers.
        for (o, to) in [(&s, false), (&d, true)] {
            if let Operand::Reg(r) = o {
                if matches!(r.class, Class::Seg | Class::Cr | Class::Dr) {
                    let other = if to { &s } else { &d };
                    // GNU as: a 66 prefix only when a segment register goes to a 16-bit register;
                    // never REX.W (`mov %ds, %rax` is `8c d8`), whatever the suffix.
                    // Outside 64-bit code the prefix follows the general register's size.
                    let gsize = gpr(other).and_then(|g| g.size());
                    let size = match gsize {
                        Some(2) if r.class == Class::Seg && !to => 2,
                        Some(s @ (2 | 4)) if r.class == Class::Seg && self.bits() == 16 => s,
                        _ => 0,
                    };
                    let _ = suf;
                    let mut e = self.base(size);
                    e.opcode = match (r.class, to) {
                        (Class::Seg, true) => vec![0x8e],
                        (Class::Seg, false) => vec![0x8c],
                        (Class::Cr, false) => vec![0x0f, 0x20],
                        (Class::Cr, true) => vec![0x0f, 0x22],
                        (_, false) => vec![0x0f, 0x21],
                        (_, true) => vec![0x0f, 0x23],
                    };
                    e.reg = r.num;
                    e.rm = rm(other);
                    return self.emit(e);
                }
            }
        }
        let size = self.size(suf)?;
        let byte = size == 1;
        // Outside 64-bit code the accumulator moves to and from an absolute address use the
        // moffs forms A0-A3, as GNU as picks them.
        if self.bits() != 64 {
            let moffs = |m: &Operand, r: &Operand| match (m, gpr(r)) {
                (Operand::Mem(mm @ Mem { base: None, index: None, disp: Some(_), .. }), Some(a)) if a.num == 0 && !a.high8 => Some(mm.clone()),
                _ => None,
            };
            let (mm, store) = match (moffs(&s, &d), moffs(&d, &s)) {
                (Some(mm), _) => (Some(mm), false),
                (None, Some(mm)) => (Some(mm), true),
                _ => (None, false),
            };
            if let Some(mm) = mm {
                let mut e = self.base(size);
                if let Some(sg) = mm.seg {
                    e.pfx.insert(0, super::encode::seg_prefix(sg));
                }
                e.opcode = vec![0xa0 + (!byte) as u8 + if store { 2 } else { 0 }];
                let Some(disp) = mm.disp.clone() else { return Err("missing address".into()) };
                let val = if disp.modifier.is_none() { disp.expr.as_num() } else { None };
                e.imm.push(Imm { e: disp, size: self.bits() / 8, signed: false, val });
                return self.emit(e);
            }
        }
        match (&s, &d) {
            (Operand::Imm(v), Operand::Reg(r)) => {
                let val = self.imm_val(v, size)?;
                let mut e = self.base(size);
                if size == 8 {
                    // 64-bit: sign-extended imm32 when it fits, else the 10-byte form.
                    let fits = match val {
                        Some(n) => n == n as i32 as i64,
                        None => true,
                    };
                    if fits {
                        e.opcode = vec![0xc7];
                        e.rm = Some(Rm::Reg(*r));
                        e.imm.push(Imm { e: v.clone(), size: 4, signed: true, val });
                    } else {
                        e.opcode = vec![0xb8];
                        e.plus = Some(*r);
                        e.imm.push(Imm { e: v.clone(), size: 8, signed: false, val });
                    }
                } else {
                    e.opcode = vec![if byte { 0xb0 } else { 0xb8 }];
                    e.plus = Some(*r);
                    e.imm.push(Imm { e: v.clone(), size, signed: false, val });
                }
                self.emit(e)
            }
            (Operand::Imm(v), Operand::Mem(_)) => {
                let val = self.imm_val(v, size)?;
                let mut e = self.base(size);
                e.opcode = vec![if byte { 0xc6 } else { 0xc7 }];
                e.rm = rm(&d);
                e.imm.push(Imm { e: v.clone(), size: size.min(4), signed: size == 8, val });
                self.emit(e)
            }
            (Operand::Reg(r), _) => {
                let mut e = self.base(size);
                e.opcode = vec![if byte { 0x88 } else { 0x89 }];
                e.reg = r.num;
                e.reg_op = Some(*r);
                e.rm = rm(&d);
                self.emit(e)
            }
            (Operand::Mem(_), Operand::Reg(r)) => {
                let mut e = self.base(size);
                e.opcode = vec![if byte { 0x8a } else { 0x8b }];
                e.reg = r.num;
                e.reg_op = Some(*r);
                e.rm = rm(&s);
                e.gotx = !byte;
                self.emit(e)
            }
            _ => Err("invalid operands for mov".into()),
        }
    }

    fn movabs(&mut self, suf: Option<u8>) -> Result<(), String> {
        self.nops(2)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let size = self.size(suf)?;
        match (&s, &d) {
            (Operand::Imm(v), Operand::Reg(r)) => {
                let val = self.imm_val(v, size)?;
                let mut e = self.base(size);
                e.opcode = vec![if size == 1 { 0xb0 } else { 0xb8 }];
                e.plus = Some(*r);
                e.imm.push(Imm { e: v.clone(), size, signed: false, val });
                self.emit(e)
            }
            (Operand::Mem(m), Operand::Reg(_)) | (Operand::Reg(_), Operand::Mem(m)) => {
                let to_mem = is_mem(&d);
                let mut e = self.base(size);
                e.opcode = vec![0xa0 + if size == 1 { 0 } else { 1 } + if to_mem { 2 } else { 0 }];
                let disp = m.disp.clone().ok_or("movabs needs an address")?;
                let val = self.imm_val(&disp, 8)?;
                e.imm.push(Imm { e: disp, size: 8, signed: false, val });
                self.emit(e)
            }
            _ => Err("invalid operands for movabs".into()),
        }
    }

    fn test(&mut self, suf: Option<u8>) -> Result<(), String> {
        self.nops(2)?;
        let size = self.size(suf)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let byte = size == 1;
        let mut e = self.base(size);
        match (&s, &d) {
            (Operand::Imm(v), _) => {
                let val = self.imm_val(v, size)?;
                if gpr(&d).map_or(false, |r| r.num == 0) {
                    e.opcode = vec![if byte { 0xa8 } else { 0xa9 }];
                } else {
                    e.opcode = vec![if byte { 0xf6 } else { 0xf7 }];
                    e.rm = rm(&d);
                }
                e.imm.push(Imm { e: v.clone(), size: size.min(4), signed: size == 8, val });
            }
            (Operand::Reg(r), other) | (other, Operand::Reg(r)) => {
                e.opcode = vec![if byte { 0x84 } else { 0x85 }];
                e.reg = r.num;
                e.reg_op = Some(*r);
                e.rm = rm(other);
                e.gotx = !byte;
            }
            _ => return Err("invalid operands for test".into()),
        }
        self.emit(e)
    }

    fn xchg(&mut self, suf: Option<u8>) -> Result<(), String> {
        self.nops(2)?;
        let size = self.size(suf)?;
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let mut e = self.base(size);
        if size != 1 {
            if let (Some(a), Some(b)) = (gpr(&s), gpr(&d)) {
                // Accumulator forms 90+r (GNU as uses them whenever one side is %eax/%rax/%ax).
                if a.num == 0 || b.num == 0 {
                    let other = if b.num == 0 { a } else { b };
                    if !(size == 4 && other.num == 0) {
                        e.opcode = vec![0x90];
                        e.plus = Some(other);
                        return self.emit(e);
                    }
                }
            }
        }
        let (r, other) = match (gpr(&s), gpr(&d)) {
            (Some(r), _) => (r, d),
            (None, Some(r)) => (r, s),
            _ => return Err("invalid operands for xchg".into()),
        };
        e.opcode = vec![if size == 1 { 0x86 } else { 0x87 }];
        e.reg = r.num;
        e.reg_op = Some(r);
        e.rm = rm(&other);
        self.emit(e)
    }

    fn pushpop(&mut self, push: bool, suf: Option<u8>) -> Result<(), String> {
        self.nops(1)?;
        let o = self.op(0)?.clone();
        // The suffix, the register, or the stack's default size (no REX.W in 64-bit code).
        let size = suf.or(gpr(&o).and_then(|r| r.size())).unwrap_or(self.stack_size());
        let mut e = self.stack_base(size);
        match &o {
            Operand::Reg(r) if r.is_gpr() => {
                e.opcode = vec![if push { 0x50 } else { 0x58 }];
                e.plus = Some(*r);
            }
            Operand::Reg(r) if r.class == Class::Seg && (r.num == 4 || r.num == 5) => {
                e.opcode = vec![0x0f, (if push { 0xa0 } else { 0xa1 }) + (r.num - 4) * 8];
            }
            // %es, %cs, %ss, %ds: one-byte forms outside 64-bit code (`pop %cs` does not exist).
            Operand::Reg(r) if r.class == Class::Seg && self.bits() != 64 && (push || r.num != 1) => {
                e.opcode = vec![(r.num << 3) | if push { 6 } else { 7 }];
            }
            Operand::Imm(v) if push => {
                let val = self.imm_val(v, 4)?;
                if val.map_or(false, fits_i8) {
                    e.opcode = vec![0x6a];
                    e.imm.push(Imm { e: v.clone(), size: 1, signed: true, val });
                } else {
                    e.opcode = vec![0x68];
                    e.imm.push(Imm { e: v.clone(), size: if size == 2 { 2 } else { 4 }, signed: true, val });
                }
            }
            Operand::Mem(_) => {
                e.opcode = vec![if push { 0xff } else { 0x8f }];
                e.reg = if push { 6 } else { 0 };
                e.rm = rm(&o);
            }
            _ => return Err("invalid operand for push/pop".into()),
        }
        self.emit(e)
    }

    /// movzb*/movzw*/movsb*/movsw*/movslq and movzx/movsx.
    fn extend(&mut self, m: &str, suf: Option<u8>) -> Result<bool, String> {
        if self.ops.len() != 2 {
            return Ok(false);
        }
        let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
        let Some(dr) = gpr(&d) else { return Ok(false) };
        // Source size from the mnemonic (movzb/movsw...) or the source register.
        let ssize = match m {
            "movzb" | "movsb" => 1,
            "movzw" | "movsw" => 2,
            "movsl" | "movslq" | "movsxd" => 4,
            _ => match gpr(&s).and_then(|r| r.size()) {
                Some(x) => x,
                None => suf.ok_or("can't size movzx/movsx source")?,
            },
        };
        let dsize = if m == "movslq" { 8 } else if matches!(m, "movzx" | "movsx" | "movsxd") { dr.size().unwrap_or(8) } else { suf.or(dr.size()).unwrap_or(4) };
        let zero = m.starts_with("movz");
        let opcode = match (ssize, zero) {
            (1, true) => vec![0x0f, 0xb6],
            (2, true) => vec![0x0f, 0xb7],
            (1, false) => vec![0x0f, 0xbe],
            (2, false) => vec![0x0f, 0xbf],
            (4, false) => vec![0x63],
            _ => return Err("bad extension".into()),
        };
        self.reg_rm(dsize, &opcode, dr, &s)?;
        Ok(true)
    }
}

/// A hand-built instruction with one rel32 field (call, long jumps with modifiers).
struct Emit1 {
    bytes: Vec<u8>,
    fix: Option<crate::section::Fixup>,
}

impl Emit1 {
    fn new(i: &Insn) -> Emit1 {
        let mut bytes = Vec::new();
        if i.p.data16 {
            bytes.push(0x66);
        }
        if i.p.rex64 {
            bytes.push(0x48);
        }
        Emit1 { bytes, fix: None }
    }
    fn rel32(&mut self, t: ExprM, kind: FixKind) {
        self.rel(t, kind, 4)
    }
    /// A `size`-byte displacement field ending the instruction.
    fn rel(&mut self, t: ExprM, kind: FixKind, size: u8) {
        let at = self.bytes.len();
        self.bytes.extend(std::iter::repeat(0).take(size as usize));
        self.fix = Some(crate::section::Fixup { at, size, expr: t.expr, modifier: t.modifier, kind, pc_adjust: size as i64 });
    }
    fn done(self, i: &mut Insn) {
        i.asm.emit(crate::assembler::Emit { bytes: self.bytes, fixups: self.fix.into_iter().collect() });
    }
}

