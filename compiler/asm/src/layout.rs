//! Layout: relaxation of variable tails to a fixed point, then fixups resolved into
//! section bytes or relocations (with GNU as's choice of section symbol vs symbol).

use crate::assembler::Assembler;
use crate::expr::{self, EvalErr, Expr, SymId, Val};
use crate::section::{FixKind, Fixup, SecId, Tail, SHF_MERGE, SHF_TLS, SHT_NOBITS};
use crate::symbols::{Bind, Def, STT_GNU_IFUNC, STT_TLS};

/// Whom a relocation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelSym {
    Section(SecId),
    Symbol(SymId),
    /// Symbol index 0 (`R_RISCV_RELAX`, `R_RISCV_ALIGN`).
    None,
}

#[derive(Clone, Debug)]
pub struct Reloc {
    pub offset: u64,
    pub sym: RelSym,
    pub rtype: u32,
    pub addend: i64,
}

/// What relaxation finds once per section (see `Assembler::relax`).
struct SecHints {
    /// Number of alignment tails in the fragments before each fragment.
    aligns_before: Vec<u32>,
    /// A branch tail's target when it is a label of this section: (fragment, offset).
    targets: Vec<Option<(u32, u32)>>,
}

/// A fragment as the compact relaxation sees it.
/// (Small: a round reads every one; sections whose sizes do not fit take the general path.)
struct CFrag {
    addr: u64,
    fixed: u32,
    size: u32,
    /// Number of alignment tails before this fragment.
    region: u32,
    tail: CTail,
}

enum CTail {
    None,
    Align { pow: u8, max: u32 },
    /// A branch in its long form (size).
    Long(u8),
    /// A branch to offset `off` of fragment `tf`, `short` or `long` bytes.
    Branch { tf: u32, off: u32, short: u8, long: u8 },
}

/// One relaxation round over a compact section (the same rules as `Assembler::tail_size`);
/// true when some tail changed size.
fn relax_compact(cf: &mut [CFrag], first: bool) -> bool {
    let mut changed = false;
    let mut addr = 0u64;
    for fi in 0..cf.len() {
        let old = cf[fi].addr;
        cf[fi].addr = addr;
        let pos = addr + cf[fi].fixed as u64;
        let size: u32 = match cf[fi].tail {
            CTail::None => {
                addr = pos;
                continue;
            }
            CTail::Align { pow, max } => {
                let a = 1u64 << pow;
                let pad = (a - pos % a) % a;
                if pad > max as u64 {
                    0
                } else {
                    pad as u32
                }
            }
            CTail::Long(n) => n as u32,
            CTail::Branch { short, .. } if first => short as u32,
            CTail::Branch { tf, off, short, long } => {
                let stretch = addr as i64 - old as i64;
                let tf = tf as usize;
                let mut dest = (cf[tf].addr + off as u64) as i64;
                let mut size = None;
                if tf > fi && stretch != 0 {
                    if stretch < 0 || cf[tf].region == cf[fi].region {
                        dest += stretch;
                    } else if dest < pos as i64 + 1 {
                        size = Some(short);
                    }
                }
                size.map_or_else(
                    || {
                        let disp = dest - (pos + short as u64) as i64;
                        if (-128..=127).contains(&disp) {
                            short as u32
                        } else {
                            cf[fi].tail = CTail::Long(long);
                            long as u32
                        }
                    },
                    |s| s as u32,
                )
            }
        };
        if size != cf[fi].size {
            changed = true;
            cf[fi].size = size;
        }
        addr = pos + size as u64;
    }
    changed
}

/// A finished section: bytes and relocations.
pub struct OutSection {
    pub data: Vec<u8>,
    pub size: u64,
    pub relocs: Vec<Reloc>,
}

impl Assembler<'_> {
    pub fn label_sec(&self, id: SymId) -> Result<SecId, String> {
        match expr::Env::sym_val(self, id) {
            expr::SymVal::Label { sec, .. } => Ok(sec),
            _ => Err(format!("symbol `{}' is not a label", self.syms.sym(id).name)),
        }
    }

    pub fn label_addr(&self, id: SymId) -> Result<i64, String> {
        match &self.syms.sym(id).def {
            Def::Label { sec, frag, off } => Ok((self.sections[*sec as usize].frags[*frag as usize].addr + *off as u64) as i64),
            Def::Equ(_) => match expr::Env::sym_val(self, id) {
                expr::SymVal::Label { addr: Some(a), .. } => Ok(a),
                _ => Err(format!("symbol `{}' is not a label", self.syms.sym(id).name)),
            },
            _ => Err(format!("symbol `{}' is not a label", self.syms.sym(id).name)),
        }
    }

    fn eval_final(&self, e: &Expr) -> Result<Val, String> {
        match expr::eval(e, self) {
            Ok(v) => Ok(v),
            Err(EvalErr::NotYet) => Err("expression cannot be resolved".into()),
            Err(EvalErr::Bad(m)) => Err(m),
        }
    }

    /// A branch may stay short only if its target is a label in the same section that
    /// cannot be preempted (GNU as: not weak, not ifunc; global is fine without -shared).
    fn branch_resolvable(&self, sec: SecId, target: &Expr) -> bool {
        let Ok(v) = expr::eval(target, self) else { return false };
        let (Some(a), None) = (v.add, v.sub) else { return false };
        let s = self.syms.sym(a);
        matches!(s.def, Def::Label { sec: ls, .. } if ls == sec) && s.bind != Bind::Weak && s.typ != STT_GNU_IFUNC
    }

    pub fn relax(&mut self) -> Result<(), String> {
        self.laid_out = true;
        for si in 0..self.sections.len() {
            for fi in 0..self.sections[si].frags.len() {
                if let Tail::Branch { target, modifier, .. } = &self.sections[si].frags[fi].tail {
                    let ok = modifier.is_none() && self.branch_resolvable(si as SecId, target);
                    if let Tail::Branch { force_long, .. } = &mut self.sections[si].frags[fi].tail {
                        *force_long = !ok;
                    }
                }
            }
        }
        // Facts that hold through all rounds, found once (relaxation runs many rounds over
        // every fragment, so each visit must be cheap): per fragment, the fragment and
        // offset of a branch target that is a plain label, and how many alignments precede.
        let hints: Vec<SecHints> = (0..self.sections.len()).map(|si| self.sec_hints(si)).collect();
        // Sections whose tails are all alignments and branches within the section relax on
        // a compact copy of their fragments (the fragments themselves are large and a big
        // function file takes ~100 rounds).
        let mut compact: Vec<Option<Vec<CFrag>>> = (0..self.sections.len()).map(|si| self.compact_frags(si, &hints[si])).collect();
        // Other sections' expressions (`.uleb128 .LEnd - .LStart`) read fragment addresses.
        let write_back = compact.iter().any(|c| c.is_none());
        for round in 0..200 {
            let mut changed = false;
            for (si, hint) in hints.iter().enumerate() {
                if let Some(cf) = &mut compact[si] {
                    changed |= relax_compact(cf, round == 0);
                    if write_back {
                        self.write_back(si, cf);
                    }
                    continue;
                }
                let mut addr = 0u64;
                self.stretch = 0;
                for fi in 0..self.sections[si].frags.len() {
                    let f = &mut self.sections[si].frags[fi];
                    let old = f.addr;
                    f.addr = addr;
                    let pos = addr + f.bytes.len() as u64;
                    if matches!(f.tail, Tail::None) {
                        // (Its tail size is 0 from the start.)
                        addr = pos;
                        continue;
                    }
                    // Fragments not yet placed in this pass still have last pass's address;
                    // branches to them see it moved by the growth so far (GNU as's "stretch").
                    self.stretch = addr as i64 - old as i64;
                    // Round 0 only places everything with short branches.
                    let (size, now_long) = self.tail_size(si, fi, pos, round == 0, hint)?;
                    let f = &mut self.sections[si].frags[fi];
                    if now_long {
                        if let Tail::Branch { long, .. } = &mut f.tail {
                            *long = true;
                        }
                    }
                    if size != f.tail_size {
                        changed = true;
                        f.tail_size = size;
                    }
                    addr = pos + size;
                }
            }
            if !changed && round > 0 {
                for si in 0..self.sections.len() {
                    if let Some(cf) = &compact[si] {
                        self.write_back(si, cf);
                    }
                }
                return Ok(());
            }
        }
        Err("relaxation did not converge".into())
    }

    /// The compact relaxation copy of section `si`, when all its tails allow one.
    fn compact_frags(&self, si: usize, hint: &SecHints) -> Option<Vec<CFrag>> {
        let frags = &self.sections[si].frags;
        let mut out = Vec::with_capacity(frags.len());
        for (fi, f) in frags.iter().enumerate() {
            let tail = match &f.tail {
                Tail::None => CTail::None,
                Tail::Align { pow, max, .. } if *pow <= 30 => CTail::Align { pow: *pow as u8, max: *max },
                &Tail::Branch { cc, long, force_long, mode, .. } => {
                    let short = u8::try_from(self.arch.branch_size_in(mode, cc, false)).ok()?;
                    let long_size = u8::try_from(self.arch.branch_size_in(mode, cc, true)).ok()?;
                    if long || force_long {
                        CTail::Long(long_size)
                    } else {
                        let (tf, off) = hint.targets[fi]?;
                        CTail::Branch { tf, off, short, long: long_size }
                    }
                }
                _ => return None,
            };
            let (fixed, size) = (u32::try_from(f.bytes.len()).ok()?, u32::try_from(f.tail_size).ok()?);
            out.push(CFrag { addr: f.addr, fixed, size, region: hint.aligns_before[fi], tail });
        }
        Some(out)
    }

    fn write_back(&mut self, si: usize, cf: &[CFrag]) {
        for (f, c) in self.sections[si].frags.iter_mut().zip(cf) {
            f.addr = c.addr;
            f.tail_size = c.size as u64;
            if let (CTail::Long(_), Tail::Branch { long, force_long: false, .. }) = (&c.tail, &mut f.tail) {
                *long = true;
            }
        }
    }

    fn sec_hints(&self, si: usize) -> SecHints {
        let frags = &self.sections[si].frags;
        let mut aligns_before = Vec::with_capacity(frags.len() + 1);
        let mut n = 0u32;
        let mut targets = Vec::with_capacity(frags.len());
        for f in frags {
            aligns_before.push(n);
            if matches!(f.tail, Tail::Align { .. }) {
                n += 1;
            }
            let t = match &f.tail {
                Tail::Branch { target: Expr::Sym(id), .. } => match self.syms.sym(*id).def {
                    Def::Label { sec, frag, off } if sec as usize == si => Some((frag, off)),
                    _ => None,
                },
                _ => None,
            };
            targets.push(t);
        }
        aligns_before.push(n);
        SecHints { aligns_before, targets }
    }

    /// Size of fragment `fi`'s tail when its fixed bytes end at `pos`, and whether a branch
    /// must become long.
    fn tail_size(&self, si: usize, fi: usize, pos: u64, first: bool, hint: &SecHints) -> Result<(u64, bool), String> {
        Ok(match &self.sections[si].frags[fi].tail {
            Tail::None => (0, false),
            Tail::Align { pow, max, .. } => {
                let a = 1u64 << pow;
                let pad = (a - pos % a) % a;
                (if pad > *max as u64 { 0 } else { pad }, false)
            }
            &Tail::Branch { cc, ref target, long, force_long, mode, .. } => {
                if long || force_long {
                    (self.arch.branch_size_in(mode, cc, true), false)
                } else if first {
                    (self.arch.branch_size_in(mode, cc, false), false)
                } else {
                    let frags = &self.sections[si].frags;
                    let (mut dest, tfrag) = match hint.targets[fi] {
                        Some((tf, off)) => ((frags[tf as usize].addr + off as u64) as i64, Some(tf)),
                        None => {
                            let t = self.eval_final(target)?;
                            let dest = t.add.map_or(Ok(0), |a| self.label_addr(a))? + t.off;
                            let tf = match t.add.map(|a| &self.syms.sym(a).def) {
                                Some(Def::Label { frag, .. }) => Some(*frag),
                                _ => None,
                            };
                            (dest, tf)
                        }
                    };
                    // GNU as (relax_frag): a target not yet reached in this pass moves by the
                    // growth so far, unless an alignment lies between (it may absorb the
                    // growth); then a target that now seems behind does not grow the branch.
                    if let Some(tf) = tfrag {
                        let tf = tf as usize;
                        if tf > fi && self.stretch != 0 {
                            let same_region = hint.aligns_before[tf] == hint.aligns_before[fi];
                            if self.stretch < 0 || same_region {
                                dest += self.stretch;
                            } else if dest < pos as i64 + 1 {
                                return Ok((self.arch.branch_size_in(mode, cc, false), false));
                            }
                        }
                    }
                    let short = self.arch.branch_size_in(mode, cc, false);
                    let disp = dest - (pos + short) as i64;
                    if (-128..=127).contains(&disp) {
                        (short, false)
                    } else {
                        (self.arch.branch_size_in(mode, cc, true), true)
                    }
                }
            }
            Tail::Leb { expr, signed } => match expr::eval(expr, self) {
                Ok(v) => (crate::leb::encode(v.constant().unwrap_or(0), *signed).len() as u64, false),
                Err(_) => (1, false),
            },
            Tail::Org { expr, .. } => {
                let v = self.eval_final(expr)?;
                let target = v.add.map_or(Ok(0), |a| self.label_addr(a))? + v.off;
                ((target - pos as i64).clamp(0, 1 << 30) as u64, false)
            }
            Tail::Space { expr, .. } => match expr::eval(expr, self) {
                Ok(v) => (v.constant().unwrap_or(0).clamp(0, 1 << 30) as u64, false),
                Err(_) => (0, false),
            },
            Tail::Mach { data, target } => {
                let dist = self.mach_dist(si as SecId, target).map(|d| d - pos as i64);
                (self.arch.mach_size(*data, dist), false)
            }
        })
    }

    /// Address of a target-relaxed branch's target when it is a label of section `sec` that
    /// cannot be preempted (the target then relaxes by distance).
    fn mach_dist(&self, sec: SecId, target: &Expr) -> Option<i64> {
        let v = expr::eval(target, self).ok()?;
        let (Some(a), None) = (v.add, v.sub) else { return None };
        let s = self.syms.sym(a);
        if s.bind == Bind::Weak {
            return None;
        }
        match expr::Env::sym_val(self, a) {
            expr::SymVal::Label { sec: ls, .. } if ls == sec => Some(self.label_addr(a).ok()? + v.off),
            _ => None,
        }
    }

    /// Bytes of a tail, plus a fixup (at an offset within the tail) for long branches.
    fn tail_bytes(&self, sec: SecId, fi: usize) -> Result<(Vec<u8>, Vec<Fixup>), String> {
        let s = &self.sections[sec as usize];
        let f = &s.frags[fi];
        let pos = f.addr + f.bytes.len() as u64;
        Ok(match &f.tail {
            Tail::None => (Vec::new(), Vec::new()),
            Tail::Align { fill, mode, .. } => match fill {
                Some(b) => (vec![*b; f.tail_size as usize], Vec::new()),
                None => (self.arch.nops_in(*mode, f.tail_size as usize), Vec::new()),
            },
            Tail::Mach { data, target } => {
                let (b, fixes) = self.arch.mach_bytes(*data, f.tail_size);
                let fixes = fixes.into_iter().map(|(at, kind, size)| Fixup { at, size, expr: target.clone(), modifier: None, kind: FixKind::Mach(kind), pc_adjust: 0 }).collect();
                (b, fixes)
            }
            Tail::Branch { cc, target, modifier, long, force_long, mode } => {
                let is_long = *long || *force_long;
                if *force_long {
                    let (b, at) = self.arch.branch_bytes_in(*mode, *cc, true, 0);
                    // The displacement runs to the end of the instruction (rel32, or rel16 in 16-bit code).
                    let size = (b.len() - at) as u8;
                    let fix = Fixup { at, size, expr: target.clone(), modifier: *modifier, kind: FixKind::Branch, pc_adjust: size as i64 };
                    (b, vec![fix])
                } else {
                    let t = self.eval_final(target)?;
                    let dest = t.add.map_or(Ok(0), |a| self.label_addr(a))? + t.off;
                    let disp = dest - (pos + f.tail_size) as i64;
                    (self.arch.branch_bytes_in(*mode, *cc, is_long, disp).0, Vec::new())
                }
            }
            Tail::Leb { expr, signed } => {
                let v = self.eval_final(expr)?;
                let n = v.constant().ok_or("uleb128/sleb128 of a non-constant")?;
                let mut b = crate::leb::encode(n, *signed);
                // Keep the size fixed by relaxation (pad with continuation bytes).
                while (b.len() as u64) < f.tail_size {
                    if let Some(l) = b.last_mut() {
                        *l |= 0x80;
                    }
                    b.push(if *signed && n < 0 { 0x7f } else { 0 });
                }
                (b, Vec::new())
            }
            Tail::Org { fill, .. } | Tail::Space { fill, .. } => (vec![*fill; f.tail_size as usize], Vec::new()),
        })
    }

    /// Section bytes and relocations, all fixups resolved.
    pub fn finish_section(&mut self, sec: SecId) -> Result<OutSection, Vec<String>> {
        let mut data = Vec::new();
        let mut relocs = Vec::new();
        let mut errors = Vec::new();
        // GNU as writes the fixups of instructions first, in order, then those of relaxed
        // branches (created when their fragments are converted).
        let mut tails = Vec::new();
        for fi in 0..self.sections[sec as usize].frags.len() {
            let start = data.len();
            data.extend_from_slice(&self.sections[sec as usize].frags[fi].bytes);
            // (Taken out while `apply_fixup` borrows the assembler, and put back after.)
            let fixups = std::mem::take(&mut self.sections[sec as usize].frags[fi].fixups);
            let tail_at = data.len();
            match self.tail_bytes(sec, fi) {
                Ok((b, fixes)) => {
                    data.extend_from_slice(&b);
                    for mut fx in fixes {
                        fx.at += tail_at - start;
                        tails.push((fi, start, fx));
                    }
                }
                Err(e) => errors.push(e),
            }
            for fx in &fixups {
                if let Err(e) = self.apply_fixup(sec, fi, start, fx, &mut data, &mut relocs) {
                    errors.push(e);
                }
            }
            self.sections[sec as usize].frags[fi].fixups = fixups;
        }
        for (fi, start, fx) in tails {
            if let Err(e) = self.apply_fixup(sec, fi, start, &fx, &mut data, &mut relocs) {
                errors.push(e);
            }
        }
        let size = data.len() as u64;
        if self.sections[sec as usize].sh_type == SHT_NOBITS {
            if data.iter().any(|b| *b != 0) {
                errors.push(format!("attempt to initialize memory in a nobits section {}", self.sections[sec as usize].name));
            }
            data.clear();
        }
        if errors.is_empty() {
            Ok(OutSection { data, size, relocs })
        } else {
            Err(errors.into_iter().map(|e| format!("{}: Error: {}", self.file, e)).collect())
        }
    }

    fn apply_fixup(&mut self, sec: SecId, fi: usize, start: usize, fx: &Fixup, data: &mut [u8], relocs: &mut Vec<Reloc>) -> Result<(), String> {
        let frag_addr = self.sections[sec as usize].frags[fi].addr;
        let field = frag_addr + fx.at as u64;
        self.keep_code_diffs = true;
        let v = self.eval_final(&fx.expr);
        self.keep_code_diffs = false;
        let mut v = v?;
        if let FixKind::Mach(kind) = fx.kind {
            return self.apply_mach_fixup(kind, field, start + fx.at, fx.size, v, data, relocs);
        }
        // (Built as `a - b` by the CFI code; never folded, even within a fragment.)
        if let (FixKind::SetSub(set, sub), Expr::Bin(expr::BinOp::Sub, x, y)) = (fx.kind, &fx.expr) {
            let (Expr::Sym(a), Expr::Sym(b)) = (&**x, &**y) else { return Err("bad relocation pair".into()) };
            let (a, b) = (*a, *b);
            self.syms.sym_mut(a).in_reloc = true;
            self.syms.sym_mut(b).in_reloc = true;
            relocs.push(Reloc { offset: field, sym: RelSym::Symbol(a), rtype: set, addend: 0 });
            relocs.push(Reloc { offset: field, sym: RelSym::Symbol(b), rtype: sub, addend: 0 });
            return Ok(());
        }
        let insn = match fx.kind {
            FixKind::Insn(t) => Some((t, self.arch.insn_fix(t))),
            _ => None,
        };
        let mut pcrel = match insn {
            Some((_, i)) => i.pcrel,
            None => !matches!(fx.kind, FixKind::Data { .. }),
        };
        let mut adjust = if pcrel { fx.pc_adjust } else { 0 };
        if let (Some(a), Some(b), Some((tadd, tsub))) = (v.add, v.sub, self.arch.diff_relocs(fx.size)) {
            // A difference the linker's relaxation may change (or across sections): ADD/SUB.
            let in_code = |id: SymId| match expr::Env::sym_val(self, id) {
                expr::SymVal::Label { sec: s, .. } => self.linker_relax && self.sections[s as usize].is_code() || s != sec,
                _ => true,
            };
            if in_code(a) || in_code(b) {
                self.syms.sym_mut(a).in_reloc = true;
                self.syms.sym_mut(b).in_reloc = true;
                relocs.push(Reloc { offset: field, sym: RelSym::Symbol(a), rtype: tadd, addend: v.off });
                relocs.push(Reloc { offset: field, sym: RelSym::Symbol(b), rtype: tsub, addend: 0 });
                return Ok(());
            }
        }
        if let Some(b) = v.sub {
            // `x - label` with the label in this section is PC-relative to the field.
            match self.syms.sym(b).def {
                Def::Label { sec: bs, .. } if bs == sec && !pcrel => {
                    v.off += field as i64 - self.label_addr(b)?;
                    v.sub = None;
                    pcrel = true;
                    adjust = 0;
                }
                _ => return Err(format!("can't resolve `{}' - `{}'", self.sym_name(v.add), self.syms.sym(b).name)),
            }
        }
        let arch = self.arch;
        let put = |data: &mut [u8], n: i64| -> Result<(), String> {
            let at = start + fx.at;
            if let Some((t, _)) = insn {
                return arch.patch_insn(t, &mut data[at..at + fx.size as usize], n);
            }
            let b = n.to_le_bytes();
            data[at..at + fx.size as usize].copy_from_slice(&b[..fx.size as usize]);
            Ok(())
        };
        let Some(a) = v.add else {
            let n = if pcrel { v.off - field as i64 - adjust } else { v.off };
            return put(data, n);
        };
        let sym = self.syms.sym(a);
        let external = self.syms.is_external(a);
        let label = match expr::Env::sym_val(self, a) {
            expr::SymVal::Label { sec: ls, .. } => Some(ls),
            _ => None,
        };
        let weak_or_undef = sym.bind == Bind::Weak || label.is_none();
        // PC-relative references to a local label of this section need no relocation.
        let resolvable = insn.map_or(pcrel && fx.modifier.is_none(), |(_, i)| i.resolvable);
        if resolvable && label == Some(sec) && !external {
            let n = self.label_addr(a)? + v.off - field as i64 - adjust;
            return put(data, n);
        }
        let is_tls_mod = matches!(fx.modifier, Some(m) if crate::arch_is_tls_modifier(m));
        if is_tls_mod && label.is_none() {
            self.syms.sym_mut(a).tls_ref = true;
        }
        let rtype = match insn {
            Some((t, _)) => t,
            None => self.arch.reloc_type(fx.kind, fx.modifier, fx.size, pcrel, external || weak_or_undef)?,
        };
        let adjustable = !external
            && !self.arch.keep_local_symbols()
            && label.map_or(false, |ls| {
                let s = &self.sections[ls as usize];
                let merge = s.flags & SHF_MERGE != 0;
                // (GNU as never replaces a symbol of a COMDAT group section by the section,
                // but does replace its own location labels, `.eh_frame`'s FDE starts.)
                let dot = self.syms.sym(a).temp && self.syms.sym(a).name == crate::assembler::DOT_LABEL;
                self.arch.fix_adjustable(fx.modifier, fx.kind, pcrel, s.flags, self.syms.sym(a).temp) && s.flags & SHF_TLS == 0 && (s.group.is_none() || dot) && !(merge && v.off != 0)
            })
            && insn.map_or(true, |(_, i)| i.adjustable)
            && self.syms.sym(a).typ != STT_TLS;
        let (rsym, base) = match (adjustable, label) {
            (true, Some(ls)) => (RelSym::Section(ls), self.label_addr(a)?),
            _ => {
                self.syms.sym_mut(a).in_reloc = true;
                (RelSym::Symbol(a), 0)
            }
        };
        let addend = base + v.off - adjust;
        if self.arch.rela() {
            relocs.push(Reloc { offset: field, sym: rsym, rtype, addend });
        } else {
            // REL: the addend lives in the field itself.
            put(data, addend)?;
            relocs.push(Reloc { offset: field, sym: rsym, rtype, addend: 0 });
        }
        Ok(())
    }

    /// A target-specific fixup: the target patches the field and names the relocations.
    #[allow(clippy::too_many_arguments)]
    fn apply_mach_fixup(&mut self, kind: u16, field: u64, at: usize, size: u8, v: Val, data: &mut [u8], relocs: &mut Vec<Reloc>) -> Result<(), String> {
        if let Some(b) = v.sub {
            return Err(format!("can't resolve `{}' - `{}'", self.sym_name(v.add), self.syms.sym(b).name));
        }
        let bytes = &mut data[at..at + size as usize];
        let value = match v.add {
            None => v.off,
            Some(a) => match expr::Env::sym_val(self, a) {
                expr::SymVal::Label { .. } => self.label_addr(a)? + v.off,
                _ => v.off,
            },
        };
        let out = self.arch.mach_fixup(kind, bytes, v.add.is_some(), v.off, value, field as i64)?;
        for (rtype, named, addend) in out {
            let sym = match (named, v.add) {
                (true, Some(a)) => {
                    let s = self.syms.sym_mut(a);
                    s.in_reloc = true;
                    if self.arch.mach_tls(kind) && matches!(s.def, Def::Undef) {
                        s.tls_ref = true;
                    }
                    RelSym::Symbol(a)
                }
                _ => RelSym::None,
            };
            relocs.push(Reloc { offset: field, sym, rtype, addend });
        }
        Ok(())
    }

    fn sym_name(&self, id: Option<SymId>) -> String {
        id.map_or(String::new(), |i| self.syms.sym(i).name.clone())
    }
}
