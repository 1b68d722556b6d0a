//! The assembler's state and the statement loop: labels, assignments, directives, instructions.

use crate::cfi::Cfi;
use crate::expr::{self, Env, EvalErr, Expr, ExprM, Names, SymId, SymVal, Val};
use crate::lex::{self, Tok};
use crate::section::{FixKind, Fixup, SecId, Section, Tail};
use crate::symbols::{Def, Symbols};
use crate::Arch;

/// Bytes of one instruction plus its fixups (offsets relative to the instruction).
#[derive(Default, Debug)]
pub struct Emit {
    pub bytes: Vec<u8>,
    pub fixups: Vec<Fixup>,
}

pub struct Assembler<'a> {
    /// Command-line options (`-Wa,...`).
    pub opts: crate::Options,
    /// Nesting of `.include` files.
    pub include_depth: u32,
    /// `.end` was seen: the rest of the input is ignored.
    pub ended: bool,
    /// `name .req register` (AArch64): operand names standing for a register.
    pub reg_names: crate::fxhash::FxHashMap<String, String>,
    pub arch: &'a dyn Arch,
    pub sections: Vec<Section>,
    pub syms: Symbols,
    pub cur: SecId,
    /// `.previous` target: section and subsection.
    pub prev: (SecId, u32),
    /// `.pushsection`: the current and previous (section, subsection).
    pub stack: Vec<((SecId, u32), (SecId, u32))>,
    /// Numeric local labels: how many times each number has been defined.
    local_counts: crate::fxhash::FxHashMap<u32, u32>,
    pub file_syms: Vec<String>,
    pub cfi: Cfi,
    pub line: u32,
    pub file: String,
    /// Nesting of `.if` blocks: (this branch active, some branch taken, parent active).
    pub conds: Vec<(bool, bool, bool)>,
    /// `.ident` has started `.comment` (GNU as puts a NUL first).
    pub ident_started: bool,
    /// Pending `.macro`/`.rept` bodies collect raw lines here.
    pub macros: crate::macros::Macros,
    /// Fragment addresses are final (after relaxation).
    pub laid_out: bool,
    /// Growth of the section so far in the current relaxation pass.
    pub stretch: i64,
    /// Creation order of symbols and sections, as GNU as's symbol list has it.
    pub order: Vec<Ev>,
    /// Local common symbols: allocated at the end of `.bss` (GNU as's subsection 1).
    pub local_commons: Vec<(SymId, u64, u64)>,
    /// Target code mode (`Arch::initial_mode`, x86 `.code16`...): branches record it.
    pub mode: u32,
    /// The `$d` of the first aligned local common (see `mapping.rs`).
    pub pending_common_map: Option<(SymId, usize)>,
    /// The target's own state (RISC-V: `.option` stack, arch string, mapping symbols).
    pub target: Option<Box<dyn std::any::Any>>,
    /// The linker may change code sizes (RISC-V relaxation): label differences within code
    /// are left to it (ADD/SUB relocations) when `keep_code_diffs` is set, which the data and
    /// instruction fixups do.
    pub linker_relax: bool,
    pub keep_code_diffs: bool,
    /// ELF header flags the target collected (RISC-V: RVC).
    pub elf_flags_extra: u32,
    /// Token buffer reused by `statement`.
    tok_buf: Vec<Tok>,
}

/// An entry of GNU as's symbol list: a symbol, a section's symbol (created with the section),
/// or an assembler-internal label turned into a real symbol by an instruction's reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    Sym(SymId),
    Sec(SecId),
    Conv(SymId),
}

/// Before layout, a position is known when no variable-size tail precedes it.
/// (Not when another subsection's fragment precedes it: that one moves.)
fn early_addr(s: &Section, frag: u32, off: u32) -> Option<i64> {
    let mut a = 0u64;
    let sub = s.frags.get(frag as usize).map_or(0, |f| f.sub);
    for f in s.frags.get(..frag as usize)? {
        if !matches!(f.tail, Tail::None) || f.sub != sub {
            return None;
        }
        a += f.bytes.len() as u64;
    }
    Some((a + off as u64) as i64)
}

impl<'a> Assembler<'a> {
    pub fn new(arch: &'a dyn Arch, file: &str) -> Assembler<'a> {
        let mut a = Assembler {
            arch,
            sections: Vec::new(),
            syms: Symbols::default(),
            cur: 0,
            prev: (0, 0),
            ended: false,
            reg_names: Default::default(),
            stack: Vec::new(),
            local_counts: Default::default(),
            file_syms: Vec::new(),
            cfi: Cfi::default(),
            line: 0,
            file: file.to_string(),
            conds: Vec::new(),
            ident_started: false,
            macros: Default::default(),
            laid_out: false,
            stretch: 0,
            local_commons: Vec::new(),
            pending_common_map: None,
            order: Vec::new(),
            opts: crate::Options::default(),
            include_depth: 0,
            mode: arch.initial_mode(),
            target: None,
            linker_relax: false,
            keep_code_diffs: false,
            elf_flags_extra: 0,
            tok_buf: Vec::new(),
        };
        // GNU as always creates these three, in this order.
        for n in [".text", ".data", ".bss"] {
            a.section_by_name(n, None, None, 0, None);
        }
        a.cur = 0;
        a
    }

    pub fn sec(&mut self) -> &mut Section {
        &mut self.sections[self.cur as usize]
    }

    /// Find or create a section; explicit type/flags apply only when it is created.
    pub fn section_by_name(&mut self, name: &str, sh_type: Option<u32>, flags: Option<u64>, entsize: u64, group: Option<(String, bool)>) -> SecId {
        if let Some(i) = self.sections.iter().position(|s| s.name == name && s.group.as_ref().map(|g| &g.0) == group.as_ref().map(|g| &g.0)) {
            return i as SecId;
        }
        let (dt, df) = crate::section::defaults_for(name);
        self.sections.push(Section {
            name: name.to_string(),
            sh_type: sh_type.unwrap_or(dt),
            flags: flags.unwrap_or(df),
            entsize,
            align: 1,
            group,
            link: None,
            frags: vec![crate::section::Frag::new()],
            map: Default::default(),
            late_symbol: false,
            sub: 0,
        });
        let id = (self.sections.len() - 1) as SecId;
        self.order.push(Ev::Sec(id));
        id
    }

    /// Switch to subsection 0 of `s` (`.section`, `.text`, `.pushsection`).
    pub fn switch_to(&mut self, s: SecId) {
        self.switch_sub(s, 0);
    }

    /// Switch to subsection `sub` of `s`; what was current becomes `.previous`'s target.
    pub fn switch_sub(&mut self, s: SecId, sub: u32) {
        let here = self.here_sub();
        if (s, sub) != here {
            self.prev = here;
            self.cur = s;
            self.sections[s as usize].enter_sub(sub);
        }
    }

    /// The current (section, subsection).
    pub fn here_sub(&self) -> (SecId, u32) {
        (self.cur, self.sections.get(self.cur as usize).map_or(0, |s| s.sub))
    }

    /// Go back to a saved (section, subsection) without touching `.previous`.
    pub fn restore_sub(&mut self, (s, sub): (SecId, u32)) {
        self.cur = s;
        if let Some(sec) = self.sections.get_mut(s as usize) {
            sec.enter_sub(sub);
        }
    }

    /// Put each section's subsections in order (GNU's subsegs_finish), fragments of one
    /// subsection in the order written; labels follow their fragments.
    pub fn merge_subsections(&mut self) {
        for si in 0..self.sections.len() {
            let s = &mut self.sections[si];
            if s.frags.iter().all(|f| f.sub == 0) {
                continue;
            }
            let mut order: Vec<usize> = (0..s.frags.len()).collect();
            order.sort_by_key(|&i| s.frags[i].sub);
            let mut new_index = vec![0u32; order.len()];
            for (n, &old) in order.iter().enumerate() {
                new_index[old] = n as u32;
            }
            let mut old: Vec<Option<crate::section::Frag>> = std::mem::take(&mut s.frags).into_iter().map(Some).collect();
            s.frags = order.iter().map(|&i| old[i].take().expect("each fragment once")).collect();
            // Later fragments are made in the last subsection written: that is now the end.
            s.sub = s.frags.last().map_or(0, |f| f.sub);
            s.map.remap_frags(&new_index);
            for sym in &mut self.syms.list {
                if let Def::Label { sec, frag, .. } = &mut sym.def {
                    if *sec as usize == si {
                        *frag = new_index[*frag as usize];
                    }
                }
            }
        }
    }

    /// Define `id` at the current position.
    pub fn define_here(&mut self, id: SymId) -> Result<(), String> {
        if self.syms.is_defined(id) {
            let name = self.syms.sym(id).name.clone();
            return Err(format!("symbol `{name}' is already defined"));
        }
        let sec = self.cur;
        let (frag, off) = self.sec().pos();
        self.syms.sym_mut(id).def = Def::Label { sec, frag, off };
        // A label in a TLS section is a TLS symbol.
        if self.sections[sec as usize].flags & crate::section::SHF_TLS != 0 {
            self.syms.sym_mut(id).typ = crate::symbols::STT_TLS;
        }
        Ok(())
    }

    pub fn define_local_numeric(&mut self, n: u32) -> Result<(), String> {
        let c = self.local_counts.entry(n).or_insert(0);
        *c += 1;
        let name = format!(".L{n}\u{2}{c}");
        let id = self.intern(&name);
        self.define_here(id)
    }

    pub fn parse_expr(&mut self, toks: &[Tok]) -> Result<ExprM, String> {
        expr::parse(toks, self)
    }

    /// Evaluate now; `Ok(None)` when the value depends on layout or the linker.
    pub fn try_const(&self, e: &Expr) -> Result<Option<i64>, String> {
        match expr::eval(e, self) {
            Ok(v) => Ok(v.constant()),
            Err(EvalErr::NotYet) => Ok(None),
            Err(EvalErr::Bad(m)) => Err(m),
        }
    }

    /// A constant required right now (counts, alignments, conditions).
    pub fn const_expr(&mut self, toks: &[Tok]) -> Result<i64, String> {
        let e = self.parse_expr(toks)?;
        self.try_const(&e.expr)?.ok_or_else(|| "expression is not a constant".to_string())
    }

    /// Append bytes, turning instruction-relative fixups into fragment-relative ones.
    pub fn emit(&mut self, e: Emit) {
        let frag = self.sec().cur();
        let base = frag.bytes.len();
        frag.bytes.extend_from_slice(&e.bytes);
        for mut f in e.fixups {
            f.at += base;
            frag.fixups.push(f);
        }
    }

    /// Emit `size` bytes of an expression (data directives).
    pub fn emit_value(&mut self, e: ExprM, size: u8) -> Result<(), String> {
        if e.modifier.is_none() {
            self.keep_code_diffs = true;
            let n = self.try_const(&e.expr);
            self.keep_code_diffs = false;
            if let Some(n) = n? {
                let b = n.to_le_bytes();
                self.sec().emit(&b[..size as usize]);
                return Ok(());
            }
        }
        // Absolute symbols count with their value now (GNU as folds them when it parses:
        // `.quad later_label + (i << 12)` inside a `.rept` that increments `i`).
        let expr = self.freeze_absolute(&e.expr);
        let fix = Fixup { at: 0, size, expr, modifier: e.modifier, kind: FixKind::Data { signed: false }, pc_adjust: 0 };
        self.emit(Emit { bytes: vec![0; size as usize], fixups: vec![fix] });
        Ok(())
    }

    /// `e` with symbols currently set to plain numbers replaced by those numbers.
    fn freeze_absolute(&self, e: &Expr) -> Expr {
        match e {
            Expr::Sym(id) => match &self.syms.sym(*id).def {
                Def::Equ(Expr::Num(n)) => Expr::Num(*n),
                _ => e.clone(),
            },
            Expr::Un(op, a) => Expr::Un(*op, Box::new(self.freeze_absolute(a))),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(self.freeze_absolute(a)), Box::new(self.freeze_absolute(b))),
            _ => e.clone(),
        }
    }

    pub fn add_tail(&mut self, t: Tail) {
        self.sec().add_tail(t);
    }

    /// Assemble a whole source text.
    pub fn run(&mut self, src: &str) -> Result<(), Vec<String>> {
        let (clean, semis) = lex::strip_comments_semis(src, self.arch.hash_comments());
        let lines: Vec<&str> = clean.lines().collect();
        let mut errors = Vec::new();
        self.run_lines_split(&lines, 1, &mut errors, semis);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Assemble lines (also used for macro and `.rept` expansions).
    pub fn run_lines<S: AsRef<str>>(&mut self, lines: &[S], first_line: u32, errors: &mut Vec<String>) {
        self.run_lines_split(lines, first_line, errors, true)
    }

    /// [`Assembler::run_lines`]; `split`: some line may hold several statements.
    fn run_lines_split<S: AsRef<str>>(&mut self, lines: &[S], first_line: u32, errors: &mut Vec<String>, split: bool) {
        for (i, line) in lines.iter().enumerate() {
            let lineno = first_line + i as u32;
            let line = line.as_ref();
            let mut whole = (!split).then_some(line).into_iter();
            let mut parts = split.then(|| lex::split_statements(line)).into_iter().flatten();
            for stmt in whole.by_ref().chain(parts.by_ref()) {
                if self.ended {
                    return;
                }
                self.line = lineno;
                if let Err(e) = self.statement(stmt, errors) {
                    errors.push(format!("{}:{}: Error: {}", self.file, lineno, e));
                    if errors.len() > 50 {
                        return;
                    }
                }
            }
        }
    }

    fn active(&self) -> bool {
        self.conds.last().map_or(true, |c| c.0)
    }

    fn statement(&mut self, text: &str, errors: &mut Vec<String>) -> Result<(), String> {
        if self.macros.collecting() {
            let line = self.line;
            return self.macro_line(text, line, errors);
        }
        // (One token buffer reused for all statements; a nested statement, from a macro
        // expansion, finds it taken and makes its own.)
        let mut buf = std::mem::take(&mut self.tok_buf);
        buf.clear();
        let r = match lex::tokenize_into(text, &mut buf) {
            Ok(()) => self.statement_toks(text, &buf, errors),
            Err(e) => Err(e),
        };
        self.tok_buf = buf;
        r
    }

    fn statement_toks(&mut self, text: &str, toks: &[Tok], errors: &mut Vec<String>) -> Result<(), String> {
        let mut toks = toks;
        if toks.is_empty() {
            return Ok(());
        }
        // Conditionals are seen even in skipped regions.
        if let Tok::Ident(d) = &toks[0] {
            if crate::directives::is_conditional(d) {
                let d = d.clone();
                return self.conditional(&d, &toks[1..]);
            }
        }
        if !self.active() {
            return Ok(());
        }
        loop {
            match toks {
                [Tok::Ident(name), Tok::Op(":"), ..] => {
                    let id = self.intern(name);
                    self.define_here(id)?;
                    toks = &toks[2..];
                }
                [Tok::Num(n), Tok::Op(":"), ..] => {
                    self.define_local_numeric(*n as u32)?;
                    toks = &toks[2..];
                }
                _ => break,
            }
        }
        match toks {
            [] => Ok(()),
            [Tok::Ident(name), Tok::Op("="), rest @ ..] => {
                let name = name.clone();
                self.assign(&name, rest, false)
            }
            // `wx0 .req w0`: a register alias (an alias of an alias is the register).
            [Tok::Ident(name), Tok::Ident(d), rest @ ..] if d.eq_ignore_ascii_case(".req") => {
                let [Tok::Ident(reg)] = rest else { return Err(format!("bad register alias `{}'", text.trim())) };
                let reg = self.reg_names.get(reg).cloned().unwrap_or_else(|| reg.clone());
                self.reg_names.insert(name.clone(), reg);
                Ok(())
            }
            [Tok::Ident(name), rest @ ..] if name.starts_with('.') => {
                let name = lowercase(name);
                self.directive(&name, rest, errors)
            }
            [Tok::Ident(name), rest @ ..] => {
                if self.macros.is_macro(name) {
                    let name = name.clone();
                    return self.expand_macro(&name, text, errors);
                }
                let name = lowercase(name);
                let arch = self.arch;
                arch.instruction(self, &name, rest)
            }
            _ => Err(format!("junk at start of statement: {:?}", toks[0])),
        }
    }

    /// `sym = expr`, `.set sym, expr`.
    pub fn assign(&mut self, name: &str, toks: &[Tok], equiv: bool) -> Result<(), String> {
        let first_new = self.syms.list.len() as SymId;
        let e = self.parse_expr(toks)?;
        let id = self.intern(name);
        // The symbol being set becomes real first, then those its value names.
        self.convert_temps(&Expr::Sym(id), SymId::MAX, true);
        self.convert_temps(&e.expr, first_new, false);
        if equiv && self.syms.is_defined(id) {
            return Err(format!("symbol `{name}' is already defined"));
        }
        // A value known now is stored as a number, so that later redefinitions see it.
        // (A value that depends on layout not done yet, `.-f` after a code alignment, stays an
        // expression.)
        let known = expr::eval(&e.expr, self).ok().and_then(|v| v.constant());
        let def = match known {
            Some(n) => Def::Equ(Expr::Num(n)),
            None => Def::Equ(e.expr),
        };
        if matches!(def, Def::Equ(Expr::Reg(_))) {
            self.syms.reg_equates = true;
        }
        self.syms.sym_mut(id).def = def;
        Ok(())
    }
}

impl Assembler<'_> {
    /// `e` with symbols `.set` to a number replaced by their current value: an expression
    /// evaluated later (a layout-dependent `.fill` count) sees `i` as it was then, as in
    /// GNU as, not the value of the last `i = i + 1`.
    pub fn snapshot_equates(&self, e: &Expr) -> Expr {
        match e {
            Expr::Sym(id) => match &self.syms.sym(*id).def {
                Def::Equ(Expr::Num(n)) => Expr::Num(*n),
                _ => e.clone(),
            },
            Expr::Un(op, a) => Expr::Un(*op, Box::new(self.snapshot_equates(a))),
            Expr::Bin(op, a, b) => Expr::Bin(*op, Box::new(self.snapshot_equates(a)), Box::new(self.snapshot_equates(b))),
            Expr::Num(_) | Expr::Reg(_) => e.clone(),
        }
    }

    /// Operand tokens with register equates (`.set copy0, %xmm5`) replaced by the register;
    /// borrowed unchanged in the usual case of none (this runs for every instruction).
    pub fn with_reg_aliases<'t>(&self, toks: &'t [Tok]) -> std::borrow::Cow<'t, [Tok]> {
        let alias = |t: &Tok| match t {
            Tok::Ident(name) => match self.syms.get(name).map(|id| &self.syms.sym(id).def) {
                Some(Def::Equ(Expr::Reg(r))) => Some(Tok::Reg(r.clone())),
                _ => self.reg_names.get(name).map(|r| Tok::Ident(r.clone())),
            },
            _ => None,
        };
        // `.set` register equates (x86) and `.req` aliases (AArch64) are both rare.
        if (!self.syms.reg_equates && self.reg_names.is_empty()) || !toks.iter().any(|t| alias(t).is_some()) {
            return std::borrow::Cow::Borrowed(toks);
        }
        std::borrow::Cow::Owned(toks.iter().map(|t| alias(t).unwrap_or_else(|| t.clone())).collect())
    }

    /// A symbol by name, recording when it was created.
    pub fn intern(&mut self, name: &str) -> SymId {
        let n = self.syms.list.len();
        let id = self.syms.intern(name);
        if id as usize == n {
            self.order.push(Ev::Sym(id));
        }
        id
    }

    /// GNU as turns an internal label (`.L...`) into a real symbol, which fixes its place in
    /// the symbol table, when an instruction names it alone (`.LC0(%rip)`, not `2+.LC0`) and it
    /// existed before (id below `first_new`), or when `.set` refers to it (`plain` false).
    /// Labels never converted this way are placed after all others at output.
    pub fn convert_temps(&mut self, e: &Expr, first_new: SymId, plain: bool) {
        match e {
            Expr::Sym(id) => {
                let s = self.syms.sym_mut(*id);
                if s.temp && !s.converted && *id < first_new {
                    s.converted = true;
                    self.order.push(Ev::Conv(*id));
                }
            }
            _ if plain => {}
            Expr::Un(_, a) => self.convert_temps(a, first_new, plain),
            Expr::Bin(_, a, b) => {
                self.convert_temps(a, first_new, plain);
                self.convert_temps(b, first_new, plain);
            }
            Expr::Num(_) | Expr::Reg(_) => {}
        }
    }
}

/// `s` in lower case, borrowed when it already is (mnemonics and directives nearly always).
fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The name of GNU as's temporary labels for `.` (FAKE_LABEL_NAME).
pub const DOT_LABEL: &str = ".L0 ";

impl Names for Assembler<'_> {
    fn sym(&mut self, name: &str) -> SymId {
        self.intern(name)
    }
    fn local_ref(&mut self, n: u32, forward: bool) -> SymId {
        let c = self.local_counts.get(&n).copied().unwrap_or(0);
        let c = if forward { c + 1 } else { c };
        self.intern(&format!(".L{n}\u{2}{c}"))
    }
    fn dot(&mut self) -> SymId {
        // GNU as's temporary label (FAKE_LABEL_NAME): a real symbol from the start, written
        // only when a relocation names it (RISC-V keeps local symbols in relocations).
        let id = self.syms.push(DOT_LABEL.into(), true);
        let sec = self.cur;
        let (frag, off) = self.sec().pos();
        self.syms.sym_mut(id).def = Def::Label { sec, frag, off };
        self.syms.sym_mut(id).converted = true;
        self.order.push(Ev::Conv(id));
        id
    }
}

impl Assembler<'_> {
    /// Two labels in one fragment: GNU's CFI takes their distance as fixed even under linker
    /// relaxation (the target starts a fragment after anything the linker may shrink).
    pub fn same_frag(&self, a: SymId, b: SymId) -> bool {
        match (&self.syms.sym(a).def, &self.syms.sym(b).def) {
            (Def::Label { sec: sa, frag: fa, .. }, Def::Label { sec: sb, frag: fb, .. }) => sa == sb && fa == fb,
            _ => false,
        }
    }
}

impl Env for Assembler<'_> {
    fn label_distance(&self, a: SymId, b: SymId) -> Option<i64> {
        let (Def::Label { sec: sa, frag: fa, off: oa }, Def::Label { sec: sb, frag: fb, off: ob }) = (&self.syms.sym(a).def, &self.syms.sym(b).def) else {
            return None;
        };
        if sa != sb || self.laid_out {
            return None;
        }
        let (sign, (f0, o0), (f1, o1)) = if (fa, oa) >= (fb, ob) { (1, (*fb, *ob), (*fa, *oa)) } else { (-1, (*fa, *oa), (*fb, *ob)) };
        let frags = &self.sections[*sa as usize].frags;
        let sub = frags.get(f0 as usize)?.sub;
        let mut d = 0i64;
        for f in frags.get(f0 as usize..f1 as usize)? {
            if !matches!(f.tail, Tail::None) || f.sub != sub {
                return None;
            }
            d += f.bytes.len() as i64;
        }
        if frags.get(f1 as usize)?.sub != sub {
            return None;
        }
        Some(sign * (d - o0 as i64 + o1 as i64))
    }

    fn fold_diff(&self, sec: SecId) -> bool {
        // (GNU's riscv_allow_local_subtract: never within code under relaxation, even inside
        // one fragment; only the CFI advances look at fragments.)
        !(self.keep_code_diffs && self.linker_relax && self.sections[sec as usize].is_code())
    }
    fn sym_val(&self, id: SymId) -> SymVal<'_> {
        match &self.syms.sym(id).def {
            Def::Undef | Def::Common { .. } => SymVal::Extern,
            Def::Equ(Expr::Num(n)) => SymVal::Abs(*n),
            // An alias of a label stays itself (relocations name it), placed where its target is.
            Def::Equ(e) => match expr::eval(e, self) {
                Ok(Val { add: Some(a), sub: None, off }) => match self.sym_val(a) {
                    SymVal::Label { sec, addr } => SymVal::Label { sec, addr: addr.map(|x| x + off) },
                    _ => SymVal::Equ(e),
                },
                _ => SymVal::Equ(e),
            },
            Def::Label { sec, frag, off } => {
                let s = &self.sections[*sec as usize];
                let addr = if self.laid_out {
                    s.frags.get(*frag as usize).map(|f| (f.addr + *off as u64) as i64)
                } else {
                    early_addr(s, *frag, *off)
                };
                SymVal::Label { sec: *sec, addr }
            }
        }
    }
}
