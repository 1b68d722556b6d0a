//! System instructions as the Linux kernel writes them in inline asm and `.S` files: port
//! I/O, descriptor tables, segment and FS/GS base access, state save/restore, far returns.

use super::{gpr, rm, suffix_size, Insn};
use crate::x86_64::encode::Enc;
use crate::x86_64::operand::{Class, Operand};

/// A memory or register operand with a ModRM extension: `(mnemonic, opcode, /digit)`.
/// Sizes come from the operand (the register's width), never from a suffix.
const MODRM_EXT: &[(&str, &[u8], u8)] = &[
    ("sgdt", &[0x0f, 0x01], 0),
    ("sidt", &[0x0f, 0x01], 1),
    ("lgdt", &[0x0f, 0x01], 2),
    ("lidt", &[0x0f, 0x01], 3),
    ("smsw", &[0x0f, 0x01], 4),
    ("lmsw", &[0x0f, 0x01], 6),
    ("invlpg", &[0x0f, 0x01], 7),
    ("sldt", &[0x0f, 0x00], 0),
    ("str", &[0x0f, 0x00], 1),
    ("lldt", &[0x0f, 0x00], 2),
    ("ltr", &[0x0f, 0x00], 3),
    ("verr", &[0x0f, 0x00], 4),
    ("verw", &[0x0f, 0x00], 5),
    ("fxsave", &[0x0f, 0xae], 0),
    ("fxrstor", &[0x0f, 0xae], 1),
    ("ldmxcsr", &[0x0f, 0xae], 2),
    ("stmxcsr", &[0x0f, 0xae], 3),
    ("xsave", &[0x0f, 0xae], 4),
    ("xrstor", &[0x0f, 0xae], 5),
    ("xsaveopt", &[0x0f, 0xae], 6),
    ("xrstors", &[0x0f, 0xc7], 3),
    ("xsavec", &[0x0f, 0xc7], 4),
    ("xsaves", &[0x0f, 0xc7], 5),
];

/// State save/restore instructions that take a `q` or `64` suffix for the REX.W form.
const WIDE_FORMS: &[&str] = &["fxsave", "fxrstor", "xsave", "xrstor", "xsaveopt", "xrstors", "xsavec", "xsaves"];

/// Operand-less system instructions.
const FIXED: &[(&str, &[u8])] = &[
    ("xsetbv", &[0x0f, 0x01, 0xd1]),
    ("rdpmc", &[0x0f, 0x33]),
    ("rdpkru", &[0x0f, 0x01, 0xee]),
    ("wrpkru", &[0x0f, 0x01, 0xef]),
    ("serialize", &[0x0f, 0x01, 0xe8]),
    ("sysenter", &[0x0f, 0x34]),
    ("sysexit", &[0x0f, 0x35]),
    ("sysretl", &[0x0f, 0x07]),
    ("sysretq", &[0x48, 0x0f, 0x07]),
    ("int1", &[0xf1]),
    ("icebp", &[0xf1]),
    ("vmcall", &[0x0f, 0x01, 0xc1]),
    ("vmmcall", &[0x0f, 0x01, 0xd9]),
    ("wbnoinvd", &[0xf3, 0x0f, 0x09]),
    ("rsm", &[0x0f, 0xaa]),
    ("ud1", &[0x0f, 0xb9]),
    ("encls", &[0x0f, 0x01, 0xcf]),
    ("enclu", &[0x0f, 0x01, 0xd7]),
    ("clui", &[0xf3, 0x0f, 0x01, 0xee]),
    ("stui", &[0xf3, 0x0f, 0x01, 0xef]),
];

impl Insn<'_, '_> {
    pub(super) fn system(&mut self, m: &str) -> Result<bool, String> {
        static FIXED_INDEX: super::NameIndex = super::NameIndex::new();
        static EXT_INDEX: super::NameIndex = super::NameIndex::new();
        let ext_index = |n: &str| EXT_INDEX.get(MODRM_EXT.iter().map(|x| x.0), n);
        if let Some(&(_, bytes)) = FIXED_INDEX.get(FIXED.iter().map(|f| f.0), m).map(|i| &FIXED[i]) {
            if !self.ops.is_empty() {
                return Ok(false);
            }
            let mut e = self.base(0);
            e.opcode = bytes.to_vec();
            self.emit(e)?;
            return Ok(true);
        }
        if let Some(r) = self.port_io(m)? {
            return Ok(r);
        }
        // `xsaveq`, `fxsave64`: the REX.W forms.
        let (name, wide) = match WIDE_FORMS.iter().find(|w| m.strip_prefix(**w).is_some_and(|s| s == "q" || s == "64")) {
            Some(w) => (*w, true),
            None => (m, false),
        };
        // `lgdtq`, `sidtq`, `lldtw`, `strl`: a suffix GNU as accepts and ignores in 64-bit code.
        let (name, found) = match ext_index(name) {
            Some(i) => (name, Some(i)),
            None => match name.chars().last().and_then(suffix_size) {
                Some(_) => {
                    let bare = &name[..name.len() - 1];
                    match ext_index(bare) {
                        Some(i) if !WIDE_FORMS.contains(&bare) => (bare, Some(i)),
                        _ => (name, None),
                    }
                }
                None => (name, None),
            },
        };
        if let Some(&(_, op, ext)) = found.map(|i| &MODRM_EXT[i]) {
            self.nops(1)?;
            let o = self.op(0)?.clone();
            // Outside 64-bit code a suffix sizes a memory operand (`lgdtl` in 16-bit code is 66).
            let suffix = if self.bits() == 64 || name == m { None } else { m.chars().last().and_then(suffix_size) };
            let size = gpr(&o).and_then(|r| r.size()).or(suffix).unwrap_or(0);
            if size == 1 {
                return Err(format!("operand size mismatch for `{m}'"));
            }
            // lldt/ltr/verr/verw/lmsw only take 16 bits: no operand-size prefix for `%ax`.
            // str/sldt with a 64-bit register: GNU as writes no REX.W (the upper half is zeroed).
            let size = match name {
                "lldt" | "ltr" | "verr" | "verw" | "lmsw" => 0,
                "str" | "sldt" if self.bits() == 64 => size.min(4),
                _ => size,
            };
            let mut e = self.base(size);
            e.w = wide || size == 8;
            e.opcode = op.to_vec();
            e.reg = ext;
            e.rm = rm(&o);
            self.emit(e)?;
            return Ok(true);
        }
        match m {
            // F3 (REX.W) 0F AE /0-/3 with a register.
            "rdfsbase" | "rdgsbase" | "wrfsbase" | "wrgsbase" => {
                self.nops(1)?;
                let r = gpr(self.op(0)?).ok_or_else(|| format!("operand type mismatch for `{m}'"))?;
                let ext = ["rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase"].iter().position(|x| *x == m).unwrap_or(0) as u8;
                let mut e = self.base(r.size().unwrap_or(4));
                e.mandatory = Some(0xf3);
                e.opcode = vec![0x0f, 0xae];
                e.reg = ext;
                e.rm = Some(super::Rm::Reg(r));
                self.emit(e)?;
            }
            // 0F C7 /6 (/7) with a register; `rdpid` is F3 0F C7 /7 with a 64-bit register.
            "rdrand" | "rdseed" | "rdpid" => {
                self.nops(1)?;
                let r = gpr(self.op(0)?).ok_or_else(|| format!("operand type mismatch for `{m}'"))?;
                let mut e = self.base(if m == "rdpid" { 4 } else { r.size().unwrap_or(4) });
                if m == "rdpid" {
                    e.mandatory = Some(0xf3);
                }
                e.opcode = vec![0x0f, 0xc7];
                e.reg = if m == "rdrand" { 6 } else { 7 };
                e.rm = Some(super::Rm::Reg(r));
                self.emit(e)?;
            }
            // 66 0F AE /7 (/6): cache line flush and write-back.
            "clflushopt" | "clwb" => {
                self.nops(1)?;
                let o = self.op(0)?.clone();
                let mut e = self.base(0);
                e.pfx.push(0x66);
                e.opcode = vec![0x0f, 0xae];
                e.reg = if m == "clflushopt" { 7 } else { 6 };
                e.rm = rm(&o);
                self.emit(e)?;
            }
            // Non-temporal store of a general register: 0F C3 /r.
            "movnti" | "movntil" | "movntiq" => {
                self.nops(2)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let r = gpr(&s).ok_or_else(|| format!("operand type mismatch for `{m}'"))?;
                let mut e = self.base(r.size().unwrap_or(4));
                e.opcode = vec![0x0f, 0xc3];
                e.reg = r.num;
                e.reg_op = Some(r);
                e.rm = rm(&d);
                self.emit(e)?;
            }
            // Wait instructions with a 32-bit register: 66/F2/F3 0F AE /6.
            "tpause" | "umwait" | "umonitor" => {
                let r = gpr(self.op(0)?).ok_or_else(|| format!("operand type mismatch for `{m}'"))?;
                let mut e = self.base(0);
                e.mandatory = Some(match m {
                    "tpause" => 0x66,
                    "umwait" => 0xf2,
                    _ => 0xf3,
                });
                e.opcode = vec![0x0f, 0xae];
                e.reg = 6;
                e.rm = Some(super::Rm::Reg(r));
                self.emit(e)?;
            }
            // 66 0F 38 82 /r: the descriptor in memory, the type in a 64-bit register.
            "invpcid" => {
                self.nops(2)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let r = gpr(&d).ok_or("invpcid needs a register destination")?;
                let mut e = self.base(0);
                e.mandatory = Some(0x66);
                e.opcode = vec![0x0f, 0x38, 0x82];
                e.reg = r.num;
                e.reg_op = Some(r);
                e.rm = rm(&s);
                self.emit(e)?;
            }
            // Access rights and segment limit: 0F 02 / 0F 03, sized by the destination.
            "lar" | "lsl" | "larw" | "larl" | "larq" | "lslw" | "lsll" | "lslq" => {
                self.nops(2)?;
                let (s, d) = (self.op(0)?.clone(), self.op(1)?.clone());
                let r = gpr(&d).ok_or_else(|| format!("operand type mismatch for `{m}'"))?;
                let size = r.size().unwrap_or(4);
                let mut e = self.base(size);
                e.opcode = vec![0x0f, if m.starts_with("lar") { 0x02 } else { 0x03 }];
                e.reg = r.num;
                e.reg_op = Some(r);
                e.rm = rm(&s);
                self.emit(e)?;
            }
            // Far jumps and calls: `$seg, $offset` (EA/9A, not in 64-bit code), or indirect
            // through memory (FF /5, FF /3).
            "ljmp" | "ljmpl" | "ljmpq" | "ljmpw" | "lcall" | "lcalll" | "lcallq" | "lcallw" => {
                let size = match m.as_bytes().last() {
                    Some(b'q') => 8,
                    Some(b'w') => 2,
                    Some(b'l') => 4,
                    _ if self.bits() == 16 => 2,
                    _ => 4,
                };
                if self.ops.len() == 2 {
                    let (Operand::Imm(seg), Operand::Imm(off)) = (self.op(0)?.clone(), self.op(1)?.clone()) else {
                        return Err(format!("operand type mismatch for `{m}'"));
                    };
                    if self.bits() == 64 || size == 8 {
                        return Err(format!("far `{m}' with immediate operands is not supported in 64-bit mode"));
                    }
                    let mut e = self.base(size);
                    e.opcode = vec![if m.starts_with("ljmp") { 0xea } else { 0x9a }];
                    e.imm.push(self.imm(&off, size, false)?);
                    e.imm.push(self.imm(&seg, 2, false)?);
                    self.emit(e)?;
                    return Ok(true);
                }
                self.nops(1)?;
                if !self.ops[0].star {
                    return Err(format!("far `{m}' needs an indirect memory operand in 64-bit mode"));
                }
                let o = self.op(0)?.clone();
                let mut e: Enc = self.base(size);
                e.opcode = vec![0xff];
                e.reg = if m.starts_with("ljmp") { 5 } else { 3 };
                e.rm = rm(&o);
                self.emit(e)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `in`/`out` with an 8-bit port number or `%dx`; the accumulator gives the size.
    fn port_io(&mut self, m: &str) -> Result<Option<bool>, String> {
        let (is_in, suf) = match m {
            "in" | "out" => (m == "in", None),
            _ => match m.strip_prefix("in").or_else(|| m.strip_prefix("out")) {
                Some(s @ ("b" | "w" | "l")) => (m.starts_with("in"), s.chars().next().and_then(suffix_size)),
                _ => return Ok(None),
            },
        };
        let ops: Vec<Operand> = self.ops.iter().map(|o| o.op.clone()).collect();
        let (port, acc) = match (is_in, ops.as_slice()) {
            (true, [p, a]) | (false, [a, p]) => (p.clone(), Some(a.clone())),
            (_, [p]) => (p.clone(), None),
            _ => return Err(format!("number of operands mismatch for `{m}'")),
        };
        let size = match (&acc, suf) {
            (Some(Operand::Reg(r)), _) if r.class == Class::Gpr(r.size().unwrap_or(0)) && r.num == 0 && r.size() != Some(8) => r.size().unwrap_or(1),
            (Some(_), _) => return Err(format!("operand type mismatch for `{m}'")),
            (None, Some(s)) => s,
            (None, None) => return Err(format!("no instruction mnemonic suffix given; can't size `{m}'")),
        };
        let mut e = self.base(size);
        let wide = (size != 1) as u8;
        match port {
            Operand::Imm(v) => {
                e.opcode = vec![if is_in { 0xe4 } else { 0xe6 } + wide];
                e.imm.push(self.imm(&v, 1, false)?);
            }
            Operand::Reg(r) if r.class == Class::Gpr(2) && r.num == 2 => e.opcode = vec![if is_in { 0xec } else { 0xee } + wide],
            Operand::Mem(ref mm) if mm.disp.is_none() && mm.index.is_none() && mm.base.is_some_and(|b| b.class == Class::Gpr(2) && b.num == 2) => {
                e.opcode = vec![if is_in { 0xec } else { 0xee } + wide]
            }
            _ => return Err(format!("operand type mismatch for `{m}'")),
        }
        self.emit(e)?;
        Ok(Some(true))
    }
}
