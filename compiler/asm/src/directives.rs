//! Assembler directives (everything starting with `.` that is not a label).

use crate::assembler::Assembler;
use crate::expr::Expr;
use crate::lex::{split_commas, Tok};
use crate::section::*;
use crate::symbols::{Bind, Def, STT_FUNC, STT_GNU_IFUNC, STT_NOTYPE, STT_OBJECT, STT_TLS};

/// Largest `.space`/`.fill` accepted (a guard against exhausting memory).
const MAX_SPACE: usize = 1 << 30;

pub fn is_conditional(d: &str) -> bool {
    const CONDS: [&str; 19] = [".if", ".ifdef", ".ifndef", ".ifnotdef", ".ifc", ".ifnc", ".ifeq", ".ifne", ".ifb", ".ifnb", ".ifge", ".ifgt", ".ifle", ".iflt", ".ifeqs", ".ifnes", ".else", ".elseif", ".endif"];
    // (Asked for every statement: no allocation, and most names fail on the first test.)
    let b = d.as_bytes();
    b.len() >= 3 && b[0] == b'.' && matches!(b[1] | 0x20, b'i' | b'e') && CONDS.iter().any(|c| c.eq_ignore_ascii_case(d))
}

/// Source text of tokens, for names that the tokenizer splits (`.note.GNU-stack`).
pub fn toks_text(toks: &[Tok]) -> String {
    let mut s = String::new();
    for t in toks {
        match t {
            Tok::Ident(x) => s.push_str(x),
            Tok::Num(n) => s.push_str(&n.to_string()),
            Tok::Big(n) => s.push_str(&format!("{n:#x}")),
            Tok::Float(f) => s.push_str(f),
            Tok::Str(b) => s.push_str(&String::from_utf8_lossy(b)),
            Tok::Reg(r) => {
                s.push('%');
                s.push_str(r)
            }
            Tok::LocalRef(n, f) => s.push_str(&format!("{n}{}", if *f { 'f' } else { 'b' })),
            Tok::Op(o) => s.push_str(o),
        }
    }
    s
}

fn name_arg(toks: &[Tok]) -> Result<String, String> {
    let s = toks_text(toks);
    if s.is_empty() {
        Err("expected symbol name".into())
    } else {
        Ok(s)
    }
}

impl Assembler<'_> {
    pub fn directive(&mut self, d: &str, args: &[Tok], errors: &mut Vec<String>) -> Result<(), String> {
        let arch = self.arch;
        if let Some(r) = arch.directive(self, d, args) {
            return r;
        }
        let list = split_commas(args);
        match d {
            ".text" => self.switch_named(".text"),
            ".data" => self.switch_named(".data"),
            ".bss" => self.switch_named(".bss"),
            ".section" => {
                let s = self.section_directive(&list)?;
                self.switch_to(s);
            }
            ".pushsection" => {
                let s = self.section_directive(&list)?;
                self.stack.push((self.here_sub(), self.prev));
                self.switch_to(s);
            }
            ".popsection" => {
                let (c, p) = self.stack.pop().ok_or(".popsection without .pushsection")?;
                self.restore_sub(c);
                self.prev = p;
            }
            ".previous" => {
                let (here, back) = (self.here_sub(), self.prev);
                self.restore_sub(back);
                self.prev = here;
            }
            ".subsection" => {
                let n = self.const_expr(args)?;
                let n = u32::try_from(n).map_err(|_| format!("subsection number {n} out of range"))?;
                self.switch_sub(self.cur, n);
            }
            ".globl" | ".global" => self.each_sym(&list, |a, id| a.syms.sym_mut(id).bind = Bind::Global)?,
            ".weak" => self.each_sym(&list, |a, id| a.syms.sym_mut(id).bind = Bind::Weak)?,
            ".local" => self.each_sym(&list, |a, id| {
                let s = a.syms.sym_mut(id);
                s.bind = Bind::Local;
                s.explicit_local = true;
            })?,
            ".hidden" => self.each_sym(&list, |a, id| a.syms.sym_mut(id).vis = 2)?,
            ".protected" => self.each_sym(&list, |a, id| a.syms.sym_mut(id).vis = 3)?,
            ".internal" => self.each_sym(&list, |a, id| a.syms.sym_mut(id).vis = 1)?,
            ".type" => {
                // `.type sym, @function`, or without the comma: `.type sym STT_FUNC`.
                let (s, t) = match list[..] {
                    [s, t] => (s, t),
                    [one] if one.len() >= 2 => (&one[..1], &one[1..]),
                    _ => return Err("expected `.type sym, @type'".into()),
                };
                let id = self.intern(&name_arg(s)?);
                // Setting a type makes an internal label a real symbol (GNU's local_symbol_convert).
                self.convert_temps(&Expr::Sym(id), crate::expr::SymId::MAX, true);
                let t = toks_text(t);
                let t = t.trim_start_matches(['@', '%', '#']);
                let ty = match t {
                    "function" | "STT_FUNC" => STT_FUNC,
                    "object" | "STT_OBJECT" => STT_OBJECT,
                    "tls_object" | "STT_TLS" => STT_TLS,
                    "gnu_indirect_function" | "STT_GNU_IFUNC" => STT_GNU_IFUNC,
                    "notype" | "STT_NOTYPE" => STT_NOTYPE,
                    "common" => 5,
                    _ => return Err(format!("unrecognized symbol type \"{t}\"")),
                };
                let sym = self.syms.sym_mut(id);
                // GNU as keeps STT_TLS for labels in TLS sections.
                if !(sym.typ == STT_TLS && ty == STT_OBJECT) {
                    sym.typ = ty;
                }
            }
            ".size" => {
                let [s, e] = list[..] else { return Err("expected `.size sym, expr'".into()) };
                let id = self.intern(&name_arg(s)?);
                self.convert_temps(&Expr::Sym(id), crate::expr::SymId::MAX, true);
                let e = self.parse_expr(e)?;
                self.syms.sym_mut(id).size = Some(e.expr);
            }
            ".comm" | ".lcomm" => self.comm(d == ".lcomm", &list)?,
            ".set" | ".equ" | ".equiv" => {
                let [s, e] = list[..] else { return Err(format!("expected `{d} sym, expr'")) };
                let name = name_arg(s)?;
                self.assign(&name, e, d == ".equiv")?;
            }
            ".align" | ".balign" | ".p2align" | ".balignw" | ".balignl" | ".p2alignw" | ".p2alignl" => self.align(d, &list)?,
            ".byte" => self.data(&list, 1)?,
            ".word" => self.data(&list, self.arch.word_size())?,
            ".short" | ".value" | ".2byte" | ".hword" => self.data(&list, 2)?,
            ".long" | ".int" | ".4byte" => self.data(&list, 4)?,
            ".quad" | ".8byte" => self.data(&list, 8)?,
            ".octa" => self.octa(&list)?,
            ".zero" | ".skip" | ".space" => self.skip(&list)?,
            ".fill" => self.fill(&list)?,
            ".ascii" => self.strings(&list, false)?,
            ".asciz" | ".string" => self.strings(&list, true)?,
            ".float" | ".single" => self.floats(&list, 4)?,
            ".double" => self.floats(&list, 8)?,
            ".uleb128" | ".sleb128" => self.leb(&list, d == ".sleb128")?,
            ".org" => {
                let e = self.parse_expr(list.first().copied().unwrap_or(&[]))?;
                let fill = match list.get(1) {
                    Some(t) => self.const_expr(t)? as u8,
                    None => 0,
                };
                self.map_frag_begin(crate::mapping::FragKind::Other);
                self.add_tail(Tail::Org { expr: e.expr, fill });
                self.map_frag_end();
            }
            ".ident" => {
                let s = match args {
                    [Tok::Str(s)] => s.clone(),
                    _ => return Err("expected string".into()),
                };
                let c = self.section_by_name(".comment", Some(SHT_PROGBITS), Some(SHF_MERGE | SHF_STRINGS), 1, None);
                let sec = &mut self.sections[c as usize];
                sec.late_symbol = true;
                if !self.ident_started {
                    sec.emit(&[0]);
                    self.ident_started = true;
                }
                sec.emit(&s);
                sec.emit(&[0]);
            }
            ".file" => {
                if let [Tok::Str(s)] = args {
                    self.file_syms.push(String::from_utf8_lossy(s).into_owned());
                }
                // `.file N "name"` is DWARF-only.
            }
            ".loc" | ".loc_mark_labels" | ".addrsig" | ".addrsig_sym" | ".code64" | ".att_syntax" | ".version" | ".nops" => {}
            ".incbin" => self.incbin(&list)?,
            ".include" => self.include(args, errors)?,
            ".err" => return Err(".err encountered".into()),
            // (Only where the condition stack says this line is assembled.)
            ".end" => self.ended = true,
            ".unreq" => {
                let name = name_arg(args)?;
                self.reg_names.remove(&name).ok_or_else(|| format!("unknown register alias `{name}'"))?;
            }
            ".error" => return Err(toks_text(args)),
            ".warning" | ".print" => {}
            ".symver" => {}
            ".macro" => self.macros.begin_macro(args)?,
            ".rept" => {
                let n = self.const_expr(args)?;
                self.macros.begin_rept(n.max(0) as u32);
            }
            ".irp" | ".irpc" => self.macros.begin_irp(args, d == ".irpc")?,
            ".endm" | ".endr" => return Err(format!("{d} without matching start")),
            ".exitm" => {}
            ".purgem" => self.macros.purge(&name_arg(args)?),
            d if d.starts_with(".cfi_") => self.cfi_directive(d, &list)?,
            _ => {
                let _ = errors;
                return Err(format!("unknown pseudo-op: `{d}'"));
            }
        }
        Ok(())
    }

    fn switch_named(&mut self, n: &str) {
        let s = self.section_by_name(n, None, None, 0, None);
        self.switch_to(s);
    }

    fn each_sym(&mut self, list: &[&[Tok]], f: impl Fn(&mut Self, u32)) -> Result<(), String> {
        for t in list {
            let id = self.intern(&name_arg(t)?);
            f(self, id);
        }
        Ok(())
    }

    /// `.section name[, "flags"[, @type[, entsize][, group[, comdat]]]]`.
    fn section_directive(&mut self, list: &[&[Tok]]) -> Result<SecId, String> {
        let name = name_arg(list.first().copied().unwrap_or(&[]))?;
        let Some(ftoks) = list.get(1) else {
            return Ok(self.section_by_name(&name, None, None, 0, None));
        };
        let flags_s = match ftoks {
            [Tok::Str(s)] => String::from_utf8_lossy(s).into_owned(),
            _ => return Err("expected section flags string".into()),
        };
        let (dtype, _) = defaults_for(&name);
        let mut flags = 0u64;
        for c in flags_s.chars() {
            flags |= match c {
                'a' => SHF_ALLOC,
                'w' => SHF_WRITE,
                'x' => SHF_EXECINSTR,
                'M' => SHF_MERGE,
                'S' => SHF_STRINGS,
                'G' => SHF_GROUP,
                'T' => SHF_TLS,
                'o' => SHF_LINK_ORDER,
                'e' => SHF_EXCLUDE,
                'R' => SHF_GNU_RETAIN,
                '?' | 'd' => 0,
                _ => return Err(format!("unknown section flag '{c}'")),
            };
        }
        let mut rest = &list[2.min(list.len())..];
        let mut sh_type = dtype;
        if let Some(t) = rest.first() {
            let ts = toks_text(t);
            let ts = ts.trim_start_matches(['@', '%']);
            sh_type = match ts {
                "progbits" => SHT_PROGBITS,
                "nobits" => SHT_NOBITS,
                "note" => SHT_NOTE,
                "init_array" => SHT_INIT_ARRAY,
                "fini_array" => SHT_FINI_ARRAY,
                "preinit_array" => SHT_PREINIT_ARRAY,
                "unwind" => SHT_X86_64_UNWIND,
                _ => return Err(format!("unrecognized section type '{ts}'")),
            };
            rest = &rest[1..];
        }
        let mut entsize = 0;
        if flags & SHF_MERGE != 0 {
            let t = rest.first().ok_or("entity size for SHF_MERGE not specified")?;
            entsize = self.const_expr(t)? as u64;
            rest = &rest[1..];
        }
        let mut group = None;
        if flags & SHF_GROUP != 0 {
            let g = name_arg(rest.first().copied().unwrap_or(&[]))?;
            let comdat = rest.get(1).map_or(false, |t| toks_text(t) == "comdat");
            group = Some((g, comdat));
            rest = &rest[rest.len().min(2)..];
        }
        let mut link = None;
        if flags & SHF_LINK_ORDER != 0 {
            link = rest.first().map(|t| toks_text(t));
        }
        let id = self.section_by_name(&name, Some(sh_type), Some(flags), entsize, group);
        if link.is_some() {
            self.sections[id as usize].link = link;
        }
        Ok(id)
    }

    fn comm(&mut self, lcomm: bool, list: &[&[Tok]]) -> Result<(), String> {
        let name = name_arg(list.first().copied().unwrap_or(&[]))?;
        let size = self.const_expr(list.get(1).copied().ok_or("missing size")?)?;
        let size = u64::try_from(size).ok().filter(|n| *n <= MAX_SPACE as u64).ok_or("bad common size")?;
        let align = match list.get(2) {
            Some(t) => self.const_expr(t)? as u64,
            None => 0,
        };
        let id = self.intern(&name);
        let sym = self.syms.sym(id);
        if lcomm || sym.explicit_local {
            // Local common: allocated in .bss after everything else, like GNU as does.
            let align = if align == 0 && !lcomm { size.next_power_of_two().min(16) } else { align.max(1) };
            if self.syms.is_defined(id) {
                return Err(format!("symbol `{name}' is already defined"));
            }
            self.local_commons.push((id, size, align));
            self.map_local_common(align.trailing_zeros());
            self.syms.sym_mut(id).def = Def::Common { size, align };
        } else {
            let s = self.syms.sym_mut(id);
            s.def = Def::Common { size, align: align.max(1) };
            if s.bind == Bind::Local {
                s.bind = Bind::Global;
            }
            s.typ = STT_OBJECT;
        }
        Ok(())
    }

    fn align(&mut self, d: &str, list: &[&[Tok]]) -> Result<(), String> {
        let n = match list.first() {
            Some(t) if !t.is_empty() => self.const_expr(t)?,
            _ => 0,
        };
        let pow = if d.starts_with(".p2align") || (d == ".align" && self.arch.align_is_pow2()) {
            n as u32
        } else {
            if n != 0 && n & (n - 1) != 0 {
                return Err("alignment not a power of 2".into());
            }
            (n.max(1) as u64).trailing_zeros()
        };
        if pow > 31 {
            return Err(format!("alignment too large: {pow}"));
        }
        let fill = match list.get(1) {
            Some(t) if !t.is_empty() => Some(self.const_expr(t)? as u8),
            _ => None,
        };
        let max = match list.get(2) {
            Some(t) if !t.is_empty() => self.const_expr(t)? as u32,
            _ => u32::MAX,
        };
        self.do_align(pow, fill, max);
        Ok(())
    }

    pub fn do_align(&mut self, pow: u32, fill: Option<u8>, max: u32) {
        let nop = self.arch.nop_fill_byte();
        if fill.is_none() && self.sec().is_code() {
            let arch = self.arch;
            let s = self.sec();
            s.align = s.align.max(1 << pow);
            if arch.align_code(self, pow) {
                return;
            }
        }
        let s = self.sec();
        s.align = s.align.max(1 << pow);
        let fill = match fill {
            _ if !s.is_code() => Some(fill.unwrap_or(0)),
            Some(b) if Some(b) == nop => None,
            f => f,
        };
        if pow > 0 {
            let mode = self.mode;
            self.map_frag_begin(crate::mapping::FragKind::Align);
            self.add_tail(Tail::Align { pow, fill, max, mode });
            self.map_frag_end();
        }
    }

    pub fn data(&mut self, list: &[&[Tok]], size: u8) -> Result<(), String> {
        self.map_data();
        for t in list {
            let e = self.parse_expr(t)?;
            self.emit_value(e, size)?;
        }
        Ok(())
    }

    fn octa(&mut self, list: &[&[Tok]]) -> Result<(), String> {
        self.map_data();
        for t in list {
            if let [Tok::Big(v)] = t {
                self.sec().emit(&v.to_le_bytes());
                continue;
            }
            let v = self.const_expr(t)?;
            let hi = if v < 0 { -1i64 } else { 0 };
            self.sec().emit(&v.to_le_bytes());
            self.sec().emit(&hi.to_le_bytes());
        }
        Ok(())
    }

    fn skip(&mut self, list: &[&[Tok]]) -> Result<(), String> {
        let e = self.parse_expr(list.first().copied().unwrap_or(&[]))?;
        let fill = match list.get(1) {
            Some(t) => self.const_expr(t)? as u8,
            None => 0,
        };
        self.map_data();
        match self.try_const(&e.expr)? {
            Some(n) => {
                let n = usize::try_from(n).ok().filter(|n| *n <= MAX_SPACE).ok_or("bad .space size")?;
                if n > 0 {
                    self.map_frag_begin(crate::mapping::FragKind::Fill);
                    self.sec().emit(&vec![fill; n]);
                    self.map_frag_end();
                }
            }
            None => {
                let expr = self.snapshot_equates(&e.expr);
                self.map_frag_begin(crate::mapping::FragKind::Other);
                self.add_tail(Tail::Space { expr, fill });
                self.map_frag_end();
            }
        }
        Ok(())
    }

    /// `.fill repeat, size, value`.
    fn fill(&mut self, list: &[&[Tok]]) -> Result<(), String> {
        let rep = self.parse_expr(list.first().copied().unwrap_or(&[]))?;
        let size = match list.get(1) {
            Some(t) => self.const_expr(t)?.min(8),
            None => 1,
        };
        let val = match list.get(2) {
            Some(t) => self.const_expr(t)?,
            None => 0,
        };
        let rep = match self.try_const(&rep.expr)? {
            Some(n) => n,
            // A byte count that depends on the layout (`.fill 0b + 8 - ., 1, 0xcc` after a
            // branch) is a `.skip` resolved when branches are relaxed.
            None if size == 1 => {
                let expr = self.snapshot_equates(&rep.expr);
                self.add_tail(Tail::Space { expr, fill: val as u8 });
                return Ok(());
            }
            None => return Err("expression is not a constant".into()),
        };
        if rep.max(0) as u128 * size.max(0) as u128 > MAX_SPACE as u128 {
            return Err(".fill size too large".into());
        }
        self.map_data();
        let var = rep > 0 && size > 0;
        if var {
            self.map_frag_begin(crate::mapping::FragKind::Fill);
        }
        let b = val.to_le_bytes();
        for _ in 0..rep.max(0) {
            let mut chunk = vec![0u8; size.max(0) as usize];
            let k = chunk.len().min(4);
            chunk[..k].copy_from_slice(&b[..k]);
            self.sec().emit(&chunk);
        }
        if var {
            self.map_frag_end();
        }
        Ok(())
    }

    fn strings(&mut self, list: &[&[Tok]], nul: bool) -> Result<(), String> {
        self.map_data();
        for t in list {
            // Adjacent strings ("a" "b") concatenate.
            for tok in t.iter() {
                let Tok::Str(s) = tok else { return Err("expected string".into()) };
                let s = s.clone();
                self.sec().emit(&s);
                if nul {
                    self.sec().emit(&[0]);
                }
            }
        }
        Ok(())
    }

    fn floats(&mut self, list: &[&[Tok]], size: u8) -> Result<(), String> {
        self.map_data();
        for t in list {
            let (neg, t) = match t {
                [Tok::Op("-"), rest @ ..] => (true, rest),
                [Tok::Op("+"), rest @ ..] => (false, rest),
                _ => (false, *t),
            };
            let text = toks_text(t);
            let text = text.trim_start_matches("0f").trim_start_matches("0d").trim_start_matches("0e");
            let v: f64 = match text.to_ascii_lowercase().as_str() {
                "inf" | "infinity" => f64::INFINITY,
                "nan" => f64::NAN,
                s => s.parse().map_err(|_| format!("bad floating literal '{s}'"))?,
            };
            let v = if neg { -v } else { v };
            if size == 4 {
                self.sec().emit(&(v as f32).to_le_bytes());
            } else {
                self.sec().emit(&v.to_le_bytes());
            }
        }
        Ok(())
    }

    fn leb(&mut self, list: &[&[Tok]], signed: bool) -> Result<(), String> {
        self.map_data();
        for t in list {
            let e = self.parse_expr(t)?;
            match self.try_const(&e.expr)? {
                Some(n) => {
                    let b = crate::leb::encode(n, signed);
                    self.sec().emit(&b);
                }
                None => {
                    self.map_frag_begin(crate::mapping::FragKind::Other);
                    self.add_tail(Tail::Leb { expr: e.expr, signed });
                    self.map_frag_end();
                }
            }
        }
        Ok(())
    }

    pub fn conditional(&mut self, d: &str, args: &[Tok]) -> Result<(), String> {
        let d = d.to_ascii_lowercase();
        let parent = self.conds.last().map_or(true, |c| c.0);
        match d.as_str() {
            ".else" => {
                let c = self.conds.last_mut().ok_or(".else without .if")?;
                c.0 = c.2 && !c.1;
                c.1 = true;
                return Ok(());
            }
            ".elseif" => {
                let taken = self.conds.last().ok_or(".elseif without .if")?.1;
                let p = self.conds.last().map_or(true, |c| c.2);
                let v = if p && !taken { self.const_expr(args)? != 0 } else { false };
                let c = self.conds.last_mut().ok_or(".elseif without .if")?;
                c.0 = p && !taken && v;
                c.1 |= v;
                return Ok(());
            }
            ".endif" => {
                self.conds.pop().ok_or(".endif without .if")?;
                return Ok(());
            }
            _ => {}
        }
        let v = if !parent {
            false
        } else {
            match d.as_str() {
                ".if" | ".ifne" => self.const_expr(args)? != 0,
                ".ifeq" => self.const_expr(args)? == 0,
                ".ifge" => self.const_expr(args)? >= 0,
                ".ifgt" => self.const_expr(args)? > 0,
                ".ifle" => self.const_expr(args)? <= 0,
                ".iflt" => self.const_expr(args)? < 0,
                ".ifdef" | ".ifndef" | ".ifnotdef" => {
                    let n = toks_text(args);
                    let def = self.syms.get(&n).map_or(false, |id| self.syms.is_defined(id));
                    def == (d == ".ifdef")
                }
                ".ifb" | ".ifnb" => args.is_empty() == (d == ".ifb"),
                ".ifc" | ".ifnc" | ".ifeqs" | ".ifnes" => {
                    let l = split_commas(args);
                    let a = l.first().map(|t| toks_text(t)).unwrap_or_default();
                    let b = l.get(1).map(|t| toks_text(t)).unwrap_or_default();
                    (a.trim() == b.trim()) == (d == ".ifc" || d == ".ifeqs")
                }
                _ => return Err(format!("unknown conditional {d}")),
            }
        };
        self.conds.push((v, v, parent));
        Ok(())
    }

    /// Place local commons at the end of `.bss`.
    pub fn alloc_local_commons(&mut self) -> Result<(), String> {
        let save = (self.here_sub(), self.prev);
        let bss = self.section_by_name(".bss", None, None, 0, None);
        self.cur = bss;
        for (k, (id, size, align)) in std::mem::take(&mut self.local_commons).into_iter().enumerate() {
            self.place_local_common_map(k);
            self.do_align(align.trailing_zeros(), None, u32::MAX);
            self.syms.sym_mut(id).def = Def::Undef;
            self.define_here(id)?;
            self.sec().emit(&vec![0; size as usize]);
            let s = self.syms.sym_mut(id);
            s.size = Some(Expr::Num(size as i64));
            if s.typ == STT_NOTYPE {
                s.typ = STT_OBJECT;
            }
        }
        self.restore_sub(save.0);
        self.prev = save.1;
        Ok(())
    }

    /// Size expressions and the like that must wait for layout.
    pub fn sym_size(&self, e: &Expr) -> Option<i64> {
        self.try_const(e).ok().flatten()
    }
}

impl Assembler<'_> {
    /// A file named by `.include`/`.incbin`: as given (relative to the working directory),
    /// else in each `-I` directory, in order.
    fn find_file(&self, name: &str) -> Result<std::path::PathBuf, String> {
        let direct = std::path::PathBuf::from(name);
        if direct.is_file() {
            return Ok(direct);
        }
        if !direct.is_absolute() {
            for d in &self.opts.include_dirs {
                let p = std::path::Path::new(d).join(name);
                if p.is_file() {
                    return Ok(p);
                }
            }
        }
        Err(format!("file not found: {name}"))
    }

    /// `.incbin "file"[, skip[, count]]`: the file's bytes, verbatim.
    fn incbin(&mut self, list: &[&[Tok]]) -> Result<(), String> {
        let Some([Tok::Str(name)]) = list.first().copied() else { return Err("expected file name".into()) };
        let name = String::from_utf8_lossy(name).into_owned();
        let path = self.find_file(&name)?;
        let data = std::fs::read(&path).map_err(|e| format!("can't open {name} for reading: {e}"))?;
        let skip = match list.get(1) {
            Some(t) if !t.is_empty() => self.const_expr(t)?,
            _ => 0,
        };
        let count = match list.get(2) {
            Some(t) if !t.is_empty() => Some(self.const_expr(t)?),
            _ => None,
        };
        let start = usize::try_from(skip).ok().filter(|s| *s <= data.len()).ok_or_else(|| format!("skip ({skip}) or count invalid for file size ({})", data.len()))?;
        let end = match count {
            Some(c) => usize::try_from(c).ok().and_then(|c| start.checked_add(c)).filter(|e| *e <= data.len()).ok_or_else(|| format!("skip ({skip}) or count ({c}) invalid for file size ({})", data.len()))?,
            None => data.len(),
        };
        self.sec().emit(&data[start..end]);
        Ok(())
    }

    /// `.include "file"`: its statements, assembled here; diagnostics name that file.
    fn include(&mut self, args: &[Tok], errors: &mut Vec<String>) -> Result<(), String> {
        let [Tok::Str(name)] = args else { return Err("expected file name".into()) };
        let name = String::from_utf8_lossy(name).into_owned();
        if self.include_depth >= MAX_INCLUDE_DEPTH {
            return Err(format!("{name}: .include nested too deeply"));
        }
        let path = self.find_file(&name)?;
        let text = std::fs::read(&path).map_err(|e| format!("can't open {name} for reading: {e}"))?;
        let clean = crate::lex::strip_comments(&String::from_utf8_lossy(&text), self.arch.hash_comments());
        let lines: Vec<String> = clean.lines().map(str::to_string).collect();
        let (file, line) = (std::mem::replace(&mut self.file, path.display().to_string()), self.line);
        // The included file's diagnostics carry its own name and line.
        self.include_depth += 1;
        self.run_lines(&lines, 1, errors);
        self.include_depth -= 1;
        self.file = file;
        self.line = line;
        Ok(())
    }
}

/// How deep `.include` may nest (GNU as has no limit but recursion must end).
const MAX_INCLUDE_DEPTH: u32 = 64;
