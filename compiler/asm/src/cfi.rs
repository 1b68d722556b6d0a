//! `.cfi_*` directives and the `.eh_frame` section GNU as builds from them.

use crate::assembler::{Assembler, Emit};
use crate::expr::{BinOp, Expr, Names, SymId};
use crate::leb::encode;
use crate::lex::Tok;
use crate::section::{FixKind, Fixup, SHF_ALLOC, SHT_PROGBITS};

pub struct Fde {
    start: SymId,
    end: Option<SymId>,
    /// CFA instructions, each at the position of its label.
    insns: Vec<(SymId, Vec<u8>)>,
    signal: bool,
    /// Current CFA offset (for `.cfi_adjust_cfa_offset`/`.cfi_rel_offset`) and saved states.
    cfa_offset: i64,
    saved: Vec<i64>,
}

#[derive(Default)]
pub struct Cfi {
    done: Vec<Fde>,
    open: Option<Fde>,
}

impl Assembler<'_> {
    fn reg_arg(&self, t: &[Tok]) -> Result<u64, String> {
        match t {
            [Tok::Num(n)] => Ok(*n as u64),
            [Tok::Reg(r)] => self.arch.dwarf_reg(r).ok_or_else(|| format!("bad register expression `%{r}'")),
            [Tok::Ident(r)] => self.arch.dwarf_reg(r).ok_or_else(|| format!("bad register expression `{r}'")),
            _ => Err("bad register expression".into()),
        }
    }

    fn cfi_push(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        let last = self.cfi.open.as_ref().ok_or("CFI instruction used without previous .cfi_startproc")?;
        let last = last.insns.last().map_or(last.start, |i| i.0);
        // A new label only where the position moved (GNU's last_address check).
        let (frag, off) = self.sec().pos();
        let cur = self.cur;
        let here = match self.syms.sym(last).def {
            crate::symbols::Def::Label { sec, frag: f, off: o } if sec == cur && f == frag && o == off => last,
            _ => self.dot(),
        };
        let f = self.cfi.open.as_mut().ok_or("CFI instruction used without previous .cfi_startproc")?;
        f.insns.push((here, bytes));
        Ok(())
    }

    fn cfi_offset_bytes(&self, reg: u64, off: i64) -> Vec<u8> {
        let f = off / self.arch.cfi_data_align();
        if f >= 0 && reg < 64 {
            let mut b = vec![0x80 | reg as u8];
            b.extend(encode(f, false));
            b
        } else if f >= 0 {
            let mut b = vec![0x05];
            b.extend(encode(reg as i64, false));
            b.extend(encode(f, false));
            b
        } else {
            let mut b = vec![0x11];
            b.extend(encode(reg as i64, false));
            b.extend(encode(f, true));
            b
        }
    }

    pub fn cfi_directive(&mut self, d: &str, list: &[&[Tok]]) -> Result<(), String> {
        let arg = |i: usize| list.get(i).copied().unwrap_or(&[]);
        match d {
            ".cfi_startproc" => {
                if self.cfi.open.is_some() {
                    return Err("previous CFI entry not closed (missing .cfi_endproc)".into());
                }
                let start = self.dot();
                let cfa_offset = self.arch.cfi_initial_offset();
                self.cfi.open = Some(Fde { start, end: None, insns: Vec::new(), signal: false, cfa_offset, saved: Vec::new() });
            }
            ".cfi_endproc" => {
                let end = self.dot();
                let mut f = self.cfi.open.take().ok_or(".cfi_endproc without corresponding .cfi_startproc")?;
                f.end = Some(end);
                self.cfi.done.push(f);
            }
            ".cfi_sections" | ".cfi_return_column" => {}
            ".cfi_signal_frame" => {
                self.cfi.open.as_mut().ok_or("CFI instruction used without previous .cfi_startproc")?.signal = true;
            }
            ".cfi_def_cfa_offset" | ".cfi_adjust_cfa_offset" => {
                let n = self.const_expr(arg(0))?;
                let f = self.cfi.open.as_mut().ok_or("CFI instruction used without previous .cfi_startproc")?;
                let n = if d == ".cfi_adjust_cfa_offset" { f.cfa_offset + n } else { n };
                f.cfa_offset = n;
                let mut b = if n >= 0 { vec![0x0e] } else { vec![0x13] };
                b.extend(if n >= 0 { encode(n, false) } else { encode(n / self.arch.cfi_data_align(), true) });
                self.cfi_push(b)?;
            }
            ".cfi_offset" | ".cfi_rel_offset" => {
                let r = self.reg_arg(arg(0))?;
                let mut n = self.const_expr(arg(1))?;
                if d == ".cfi_rel_offset" {
                    n -= self.cfi.open.as_ref().map_or(0, |f| f.cfa_offset);
                }
                self.cfi_push(self.cfi_offset_bytes(r, n))?;
            }
            ".cfi_def_cfa_register" => {
                let r = self.reg_arg(arg(0))?;
                let mut b = vec![0x0d];
                b.extend(encode(r as i64, false));
                self.cfi_push(b)?;
            }
            ".cfi_def_cfa" => {
                let r = self.reg_arg(arg(0))?;
                let n = self.const_expr(arg(1))?;
                if let Some(f) = self.cfi.open.as_mut() {
                    f.cfa_offset = n;
                }
                let mut b = vec![0x0c];
                b.extend(encode(r as i64, false));
                b.extend(encode(n, false));
                self.cfi_push(b)?;
            }
            ".cfi_restore" | ".cfi_undefined" | ".cfi_same_value" => {
                for t in list {
                    let r = self.reg_arg(t)?;
                    let b = match d {
                        ".cfi_restore" if r < 64 => vec![0xc0 | r as u8],
                        ".cfi_restore" => [vec![0x06], encode(r as i64, false)].concat(),
                        ".cfi_undefined" => [vec![0x07], encode(r as i64, false)].concat(),
                        _ => [vec![0x08], encode(r as i64, false)].concat(),
                    };
                    self.cfi_push(b)?;
                }
            }
            ".cfi_register" => {
                let a = self.reg_arg(arg(0))?;
                let b = self.reg_arg(arg(1))?;
                self.cfi_push([vec![0x09], encode(a as i64, false), encode(b as i64, false)].concat())?;
            }
            ".cfi_remember_state" => {
                let f = self.cfi.open.as_mut().ok_or("CFI instruction used without previous .cfi_startproc")?;
                f.saved.push(f.cfa_offset);
                self.cfi_push(vec![0x0a])?;
            }
            ".cfi_restore_state" => {
                let f = self.cfi.open.as_mut().ok_or("CFI instruction used without previous .cfi_startproc")?;
                f.cfa_offset = f.saved.pop().unwrap_or(f.cfa_offset);
                self.cfi_push(vec![0x0b])?;
            }
            ".cfi_escape" => {
                let mut b = Vec::new();
                for t in list {
                    b.push(self.const_expr(t)? as u8);
                }
                self.cfi_push(b)?;
            }
            _ => return Err(format!("unsupported CFI directive `{d}'")),
        }
        Ok(())
    }

    /// Build `.eh_frame` from the finished FDEs; needs final code addresses.
    pub fn build_eh_frame(&mut self) -> Result<(), String> {
        if self.cfi.open.is_some() {
            return Err("open CFI at the end of file; missing .cfi_endproc directive".into());
        }
        if self.cfi.done.is_empty() {
            return Ok(());
        }
        let fdes = std::mem::take(&mut self.cfi.done);
        let eh = self.section_by_name(".eh_frame", Some(SHT_PROGBITS), Some(SHF_ALLOC), 0, None);
        // Aligned to the address size, as is the last FDE.
        let word = if self.arch.elf64() { 8 } else { 4 };
        self.sections[eh as usize].align = word;
        // (Made at the end of the file: its section symbol comes late, as GNU's does.)
        self.sections[eh as usize].late_symbol = true;
        let caf = self.arch.cfi_code_align();
        // GNU's first alignment frag in `.eh_frame`, after the first CIE, gets a `$d`.
        let mut map_at = None;
        let mut out = Emit::default();
        let mut cies: Vec<(bool, usize)> = Vec::new();
        for (k, f) in fdes.iter().enumerate() {
            // GNU as pads CIEs and FDEs to 4 bytes, the last FDE to the address size.
            let last_align = if k + 1 == fdes.len() { word as usize } else { 4 };
            let cie = match cies.iter().find(|c| c.0 == f.signal) {
                Some(c) => c.1,
                None => {
                    let at = out.bytes.len();
                    let mut body = vec![0, 0, 0, 0, self.arch.cfi_version()];
                    body.extend_from_slice(if f.signal { b"zRS\0" } else { b"zR\0" });
                    body.extend(encode(caf as i64, false));
                    body.extend(encode(self.arch.cfi_data_align(), true));
                    body.extend(encode(self.arch.cfi_ra_column() as i64, false));
                    body.extend([1, 0x1b]);
                    body.extend(self.arch.cfi_initial());
                    map_at.get_or_insert(at + 4 + body.len());
                    push_padded(&mut out.bytes, body, 4);
                    cies.push((f.signal, at));
                    at
                }
            };
            let at = out.bytes.len();
            let start = self.label_addr(f.start)?;
            let end = self.label_addr(f.end.ok_or("FDE without end")?)?;
            let mut body = Vec::new();
            body.extend(((at + 4 - cie) as u32).to_le_bytes());
            let pc_field = at + 4 + body.len();
            body.extend([0; 4]);
            // Under linker relaxation distances in code are the linker's: the range is always
            // an ADD/SUB pair, an advance across fragments a SET/SUB pair on its delta field
            // (GNU's BFD_RELOC_RISCV_CFA), sized by the distance now.
            let end_sym = f.end.ok_or("FDE without end")?;
            let relaxed = self.linker_relax && self.sections[self.label_sec(f.start)? as usize].is_code();
            if relaxed {
                let range = Expr::Bin(BinOp::Sub, Box::new(Expr::Sym(end_sym)), Box::new(Expr::Sym(f.start)));
                let (add, sub) = self.arch.diff_relocs(4).ok_or("no ADD/SUB relocations")?;
                out.fixups.push(Fixup { at: at + 4 + body.len(), size: 0, expr: range, modifier: None, kind: FixKind::SetSub(add, sub), pc_adjust: 0 });
                body.extend([0; 4]);
            } else {
                body.extend(((end - start) as u32).to_le_bytes());
            }
            body.push(0);
            let mut last = start;
            let mut last_sym = f.start;
            for (l, b) in &f.insns {
                let a = self.label_addr(*l)?;
                let d = (a - last) as u64 / caf;
                let op_at = at + 4 + body.len();
                let n = advance(&mut body, d);
                if relaxed && d != 0 && !self.same_frag(*l, last_sym) {
                    let bits = [6, 8, 16, 32][n - 1];
                    if let Some((set, sub)) = self.arch.cfa_relocs(bits) {
                        let field = if n == 1 { op_at } else { op_at + 1 };
                        let diff = Expr::Bin(BinOp::Sub, Box::new(Expr::Sym(*l)), Box::new(Expr::Sym(last_sym)));
                        out.fixups.push(Fixup { at: field, size: 0, expr: diff, modifier: None, kind: FixKind::SetSub(set, sub), pc_adjust: 0 });
                    }
                }
                last = a;
                last_sym = *l;
                body.extend_from_slice(b);
            }
            out.fixups.push(Fixup { at: pc_field, size: 4, expr: Expr::Sym(f.start), modifier: None, kind: FixKind::PcRel, pc_adjust: 0 });
            push_padded(&mut out.bytes, body, last_align);
        }
        let save = self.cur;
        self.cur = eh;
        if let Some(at) = map_at {
            if self.arch.mapping_symbols() {
                let id = self.syms.push("$d".into(), false);
                let (frag, _) = self.sec().pos();
                let base = self.sec().cur().bytes.len();
                self.syms.sym_mut(id).def = crate::symbols::Def::Label { sec: eh, frag, off: (base + at) as u32 };
                self.order.push(crate::assembler::Ev::Sym(id));
            }
        }
        self.emit(out);
        self.cur = save;
        Ok(())
    }
}

/// DW_CFA_advance_loc/1/2/4 by `d`; which one (1 to 4), 0 for none.
fn advance(b: &mut Vec<u8>, d: u64) -> usize {
    if d == 0 {
        return 0;
    }
    if d < 64 {
        b.push(0x40 | d as u8);
        1
    } else if d < 256 {
        b.extend([0x02, d as u8]);
        2
    } else if d < 65536 {
        b.push(0x03);
        b.extend((d as u16).to_le_bytes());
        3
    } else {
        b.push(0x04);
        b.extend((d as u32).to_le_bytes());
        4
    }
}

/// Length word, body, DW_CFA_nop padding so that the entry ends `align`-aligned.
fn push_padded(out: &mut Vec<u8>, body: Vec<u8>, align: usize) {
    let start = out.len();
    let end = (start + 4 + body.len() + align - 1) & !(align - 1);
    out.extend(((end - start - 4) as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out.resize(end, 0);
}
