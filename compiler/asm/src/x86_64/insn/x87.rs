//! x87 floating point, as GCC emits it for `long double`.

use super::{rm, st, Insn};
use crate::x86_64::operand::Operand;

/// No-operand x87 instructions.
const FIXED: &[(&str, [u8; 2])] = &[
    ("fchs", [0xd9, 0xe0]),
    ("fabs", [0xd9, 0xe1]),
    ("ftst", [0xd9, 0xe4]),
    ("fxam", [0xd9, 0xe5]),
    ("fld1", [0xd9, 0xe8]),
    ("fldl2t", [0xd9, 0xe9]),
    ("fldl2e", [0xd9, 0xea]),
    ("fldpi", [0xd9, 0xeb]),
    ("fldlg2", [0xd9, 0xec]),
    ("fldln2", [0xd9, 0xed]),
    ("fldz", [0xd9, 0xee]),
    ("f2xm1", [0xd9, 0xf0]),
    ("fyl2x", [0xd9, 0xf1]),
    ("fptan", [0xd9, 0xf2]),
    ("fpatan", [0xd9, 0xf3]),
    ("fxtract", [0xd9, 0xf4]),
    ("fprem1", [0xd9, 0xf5]),
    ("fdecstp", [0xd9, 0xf6]),
    ("fincstp", [0xd9, 0xf7]),
    ("fprem", [0xd9, 0xf8]),
    ("fyl2xp1", [0xd9, 0xf9]),
    ("fsqrt", [0xd9, 0xfa]),
    ("fsincos", [0xd9, 0xfb]),
    ("frndint", [0xd9, 0xfc]),
    ("fscale", [0xd9, 0xfd]),
    ("fsin", [0xd9, 0xfe]),
    ("fcos", [0xd9, 0xff]),
    ("fucompp", [0xda, 0xe9]),
    ("fcompp", [0xde, 0xd9]),
    ("fnclex", [0xdb, 0xe2]),
    ("fninit", [0xdb, 0xe3]),
    ("fnop", [0xd9, 0xd0]),
];

/// Memory forms: (mnemonic, opcode, /ext).
const MEM: &[(&str, u8, u8)] = &[
    ("flds", 0xd9, 0),
    ("fldl", 0xdd, 0),
    ("fldt", 0xdb, 5),
    ("fsts", 0xd9, 2),
    ("fstl", 0xdd, 2),
    ("fstps", 0xd9, 3),
    ("fstpl", 0xdd, 3),
    ("fstpt", 0xdb, 7),
    ("filds", 0xdf, 0),
    ("fild", 0xdf, 0),
    ("fildl", 0xdb, 0),
    ("fildll", 0xdf, 5),
    ("fildq", 0xdf, 5),
    ("fists", 0xdf, 2),
    ("fistl", 0xdb, 2),
    ("fistps", 0xdf, 3),
    ("fistpl", 0xdb, 3),
    ("fistpll", 0xdf, 7),
    ("fistpq", 0xdf, 7),
    ("fisttps", 0xdf, 1),
    ("fisttpl", 0xdb, 1),
    ("fisttpll", 0xdd, 1),
    ("fisttpq", 0xdd, 1),
    ("fldcw", 0xd9, 5),
    ("fnstcw", 0xd9, 7),
    ("fldenv", 0xd9, 4),
    ("fnstenv", 0xd9, 6),
    ("fnsave", 0xdd, 6),
    ("frstor", 0xdd, 4),
    ("fbld", 0xdf, 4),
    ("fbstp", 0xdf, 6),
];

/// Arithmetic: the /ext of add, mul, com, comp, sub, subr, div, divr.
const ARITH: [&str; 8] = ["add", "mul", "com", "comp", "sub", "subr", "div", "divr"];

impl Insn<'_, '_> {
    fn x87_bytes(&mut self, b: &[u8]) -> Result<(), String> {
        let mut e = self.base(0);
        e.opcode = b.to_vec();
        self.emit(e)
    }

    fn x87_mem(&mut self, op: u8, ext: u8, o: &Operand) -> Result<(), String> {
        let mut e = self.base(0);
        e.opcode = vec![op];
        e.reg = ext;
        e.rm = rm(o);
        self.emit(e)
    }

    pub(super) fn x87(&mut self, m: &str) -> Result<bool, String> {
        if !m.starts_with('f') {
            return Ok(false);
        }
        if let Some((_, b)) = FIXED.iter().find(|f| f.0 == m) {
            self.x87_bytes(b)?;
            return Ok(true);
        }
        let ops: Vec<Operand> = self.ops.iter().map(|o| o.op.clone()).collect();
        if let Some(&(_, op, ext)) = MEM.iter().find(|f| f.0 == m) {
            if let [o @ Operand::Mem(_)] = &ops[..] {
                self.x87_mem(op, ext, o)?;
                return Ok(true);
            }
        }
        match (m, &ops[..]) {
            ("fld", [o]) if st(o).is_some() => self.x87_bytes(&[0xd9, 0xc0 + st(o).unwrap_or(0)])?,
            ("fst", [o]) if st(o).is_some() => self.x87_bytes(&[0xdd, 0xd0 + st(o).unwrap_or(0)])?,
            ("fstp", [o]) if st(o).is_some() => self.x87_bytes(&[0xdd, 0xd8 + st(o).unwrap_or(0)])?,
            ("ffree", [o]) if st(o).is_some() => self.x87_bytes(&[0xdd, 0xc0 + st(o).unwrap_or(0)])?,
            ("fxch", []) => self.x87_bytes(&[0xd9, 0xc9])?,
            ("fxch", [o]) if st(o).is_some() => self.x87_bytes(&[0xd9, 0xc8 + st(o).unwrap_or(0)])?,
            ("fucomi" | "fucomip" | "fcomi" | "fcomip" | "fucom" | "fucomp", _) => {
                let i = match &ops[..] {
                    [] => 1,
                    [o] | [o, _] => st(o).ok_or("bad x87 operand")?,
                    _ => return Err("bad x87 operands".into()),
                };
                let (a, b) = match m {
                    "fucomi" => (0xdb, 0xe8),
                    "fucomip" => (0xdf, 0xe8),
                    "fcomi" => (0xdb, 0xf0),
                    "fcomip" => (0xdf, 0xf0),
                    "fucom" => (0xdd, 0xe0),
                    _ => (0xdd, 0xe8),
                };
                self.x87_bytes(&[a, b + i])?;
            }
            ("fnstsw", [Operand::Reg(_)]) | ("fnstsw", []) => self.x87_bytes(&[0xdf, 0xe0])?,
            ("fnstsw", [o]) => self.x87_mem(0xdd, 7, o)?,
            ("fstsw", _) | ("fstcw", _) => {
                self.asm.sec().emit(&[0x9b]);
                return self.x87(&m.replacen('f', "fn", 1));
            }
            _ => {
                if let Some(c) = m.strip_prefix("fcmov") {
                    let (op, b) = match c {
                        "b" => (0xda, 0xc0),
                        "e" => (0xda, 0xc8),
                        "be" => (0xda, 0xd0),
                        "u" => (0xda, 0xd8),
                        "nb" | "ae" => (0xdb, 0xc0),
                        "ne" => (0xdb, 0xc8),
                        "nbe" | "a" => (0xdb, 0xd0),
                        "nu" => (0xdb, 0xd8),
                        _ => return Ok(false),
                    };
                    let i = ops.first().and_then(st).ok_or("bad fcmov operand")?;
                    self.x87_bytes(&[op, b + i])?;
                    return Ok(true);
                }
                return self.x87_arith(m, &ops);
            }
        }
        Ok(true)
    }

    fn x87_arith(&mut self, m: &str, ops: &[Operand]) -> Result<bool, String> {
        let body = &m[1..];
        // fiadd{s,l}: integer memory operands.
        if let Some(b) = body.strip_prefix('i') {
            for (n, a) in ARITH.iter().enumerate() {
                for (suf, op) in [("s", 0xde), ("l", 0xda), ("", 0xda)] {
                    if b == format!("{a}{suf}") {
                        let [o @ Operand::Mem(_)] = ops else { return Err("bad operand".into()) };
                        self.x87_mem(op, n as u8, o)?;
                        return Ok(true);
                    }
                }
            }
            return Ok(false);
        }
        // Longer names first: `fcomp` is not `fcom` + `p`.
        let mut order: Vec<(usize, &str)> = ARITH.iter().copied().enumerate().collect();
        order.sort_by_key(|(_, a)| std::cmp::Reverse(a.len()));
        for (n, a) in order {
            let n = n as u8;
            let Some(rest) = body.strip_prefix(a) else { continue };
            match (rest, ops) {
                ("s" | "l", [o @ Operand::Mem(_)]) => {
                    self.x87_mem(if rest == "s" { 0xd8 } else { 0xdc }, n, o)?;
                    return Ok(true);
                }
                ("", [a, b]) if st(a).is_some() && st(b) == Some(0) => {
                    self.x87_bytes(&[0xd8, 0xc0 + n * 8 + st(a).unwrap_or(0)])?;
                    return Ok(true);
                }
                ("", [a, b]) if st(a) == Some(0) && st(b).is_some() => {
                    self.x87_bytes(&[0xdc, 0xc0 + n * 8 + st(b).unwrap_or(0)])?;
                    return Ok(true);
                }
                ("", [a]) if st(a).is_some() && n < 4 => {
                    // fcom %st(i) / fadd %st(i) (to %st).
                    self.x87_bytes(&[0xd8, 0xc0 + n * 8 + st(a).unwrap_or(0)])?;
                    return Ok(true);
                }
                ("", []) if n == 2 || n == 3 => {
                    self.x87_bytes(&[0xd8, 0xc1 + n * 8])?;
                    return Ok(true);
                }
                ("p", []) => {
                    self.x87_bytes(&[0xde, 0xc1 + n * 8])?;
                    return Ok(true);
                }
                ("p", [a, b]) if st(a) == Some(0) && st(b).is_some() => {
                    self.x87_bytes(&[0xde, 0xc0 + n * 8 + st(b).unwrap_or(0)])?;
                    return Ok(true);
                }
                ("p", [b]) if st(b).is_some() => {
                    self.x87_bytes(&[0xde, 0xc0 + n * 8 + st(b).unwrap_or(0)])?;
                    return Ok(true);
                }
                _ => {}
            }
        }
        Ok(false)
    }
}
