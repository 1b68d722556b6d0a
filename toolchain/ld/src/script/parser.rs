//! Recursive descent over a `-T` script: top-level commands, SECTIONS, MEMORY, PHDRS and
//! expressions. INCLUDE is resolved here (the file is parsed in the same context).

use super::ast::*;
use super::lexer::{parse_number, Lexer, Tok};
use crate::elf::*;
use crate::error::Result;
use crate::err;

/// Reads and parses a script; `dirs` are searched for INCLUDE files.
pub fn load(path: &str, dirs: &[String]) -> Result<Script> {
    let text = std::fs::read_to_string(path).map_err(|e| err!("cannot open linker script file {}: {}", path, e))?;
    let mut p = Parser { dirs: dirs.to_vec(), depth: 0, script: Script::default() };
    p.top(&mut Lexer::new(path, &text))?;
    check_regions(&p.script)?;
    Ok(p.script)
}

/// Every `> REGION` and `AT> REGION` names a MEMORY region (which may come later).
fn check_regions(s: &Script) -> Result<()> {
    for c in &s.sections {
        if let SecCmd::Output(o) = c {
            for r in o.region.iter().chain(o.lma_region.iter()) {
                if !s.regions.iter().any(|x| &x.name == r) {
                    crate::bail!("{}: memory region `{}' not declared", o.loc, r);
                }
            }
        }
    }
    Ok(())
}

/// Parses script text (tests, `-T` files read by the caller).
pub fn parse_text(name: &str, text: &str) -> Result<Script> {
    let mut p = Parser { dirs: vec![], depth: 0, script: Script::default() };
    p.top(&mut Lexer::new(name, text))?;
    check_regions(&p.script)?;
    Ok(p.script)
}

struct Parser {
    dirs: Vec<String>,
    depth: u32,
    script: Script,
}

/// Where an INCLUDE appears: the file is parsed as that context's contents.
#[derive(Clone, Copy)]
enum Ctx {
    Top,
    Sections,
    Output,
}

const ASSIGN_OPS: &[&str] = &["=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|="];

fn loc(lx: &Lexer) -> Loc {
    Loc { file: lx.file.clone(), line: lx.line() }
}

impl Parser {
    fn include(&mut self, lx: &mut Lexer, ctx: Ctx, out: &mut Vec<OutItem>, secs: &mut Vec<SecCmd>) -> Result<()> {
        let name = lx.word()?;
        if self.depth > 16 {
            return lx.error(format!("INCLUDE nested too deeply at `{name}'"));
        }
        let path = std::iter::once(name.clone())
            .chain(self.dirs.iter().map(|d| format!("{d}/{name}")))
            .find(|p| std::path::Path::new(p).is_file());
        let Some(path) = path else { return lx.error(format!("cannot find script file {name}")) };
        let text = std::fs::read_to_string(&path).map_err(|e| err!("{}:{}: cannot open {}: {}", lx.file, lx.line(), path, e))?;
        let mut inner = Lexer::new(&path, &text);
        self.depth += 1;
        match ctx {
            Ctx::Top => self.top(&mut inner)?,
            Ctx::Sections => {
                while !inner.at_eof() {
                    self.section_cmd(&mut inner, secs)?;
                }
            }
            Ctx::Output => {
                while !inner.at_eof() {
                    self.out_item(&mut inner, out)?;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn top(&mut self, lx: &mut Lexer) -> Result<()> {
        while !lx.at_eof() {
            if lx.eat(";") {
                continue;
            }
            if let Some(a) = self.try_assignment(lx)? {
                self.script.sections.push(SecCmd::Assign(a));
                continue;
            }
            let w = lx.word()?;
            match w.as_str() {
                "ENTRY" => {
                    lx.expect("(")?;
                    self.script.entry = Some(lx.word()?);
                    lx.expect(")")?;
                }
                "OUTPUT_FORMAT" | "OUTPUT_ARCH" | "TARGET" | "OUTPUT" | "SEARCH_DIR" | "NOCROSSREFS" | "NOCROSSREFS_TO" | "EXTERN" | "STARTUP" | "REGION_ALIAS" | "LD_FEATURE" => {
                    lx.expect("(")?;
                    self.skip_args(lx)?;
                }
                "INPUT" | "GROUP" => {
                    lx.expect("(")?;
                    while !lx.eat(")") {
                        if lx.eat(",") {
                            continue;
                        }
                        let f = lx.word()?;
                        if f == "AS_NEEDED" {
                            continue;
                        }
                        self.script.inputs.push(f);
                    }
                }
                "FORCE_COMMON_ALLOCATION" | "INHIBIT_COMMON_ALLOCATION" | "FORCE_GROUP_ALLOCATION" => {}
                "INCLUDE" => self.include(lx, Ctx::Top, &mut vec![], &mut vec![])?,
                "SECTIONS" => {
                    lx.expect("{")?;
                    self.script.has_sections = true;
                    let mut cmds = vec![];
                    while !lx.eat("}") {
                        if lx.at_eof() {
                            return lx.error("syntax error: unterminated SECTIONS");
                        }
                        self.section_cmd(lx, &mut cmds)?;
                    }
                    self.script.sections.extend(cmds);
                }
                "MEMORY" => self.memory(lx)?,
                "VERSION" => {
                    let text = lx.braced_text()?;
                    self.script.versions.push((lx.file.clone(), text));
                }
                "PHDRS" => self.phdrs(lx)?,
                "ASSERT" => {
                    let (e, m, l) = self.assert_args(lx)?;
                    self.script.sections.push(SecCmd::Assert(e, m, l));
                }
                "INSERT" => {
                    let w = lx.word()?;
                    let after = match w.as_str() {
                        "AFTER" => true,
                        "BEFORE" => false,
                        _ => return lx.error(format!("syntax error: INSERT {w}")),
                    };
                    self.script.insert = Some(Insert { after, section: lx.word()? });
                }
                _ => return lx.error(format!("syntax error: unknown command `{w}'")),
            }
        }
        Ok(())
    }

    /// Skips `...)` of commands whose arguments do not matter for layout.
    fn skip_args(&mut self, lx: &mut Lexer) -> Result<()> {
        let mut depth = 1;
        while depth > 0 {
            if lx.at_eof() {
                return lx.error("syntax error: unterminated (");
            }
            if lx.eat("(") {
                depth += 1;
            } else if lx.eat(")") {
                depth -= 1;
            } else if !lx.eat(",") && !lx.eat(":") && !lx.eat("=") {
                lx.word()?;
            }
        }
        Ok(())
    }

    /// `NAME op expr ;`, `PROVIDE(NAME = expr)`, `PROVIDE_HIDDEN(...)`, `HIDDEN(...)`.
    fn try_assignment(&mut self, lx: &mut Lexer) -> Result<Option<Assign>> {
        let save = lx.clone();
        let l = loc(lx);
        let Ok(Tok::Name(name)) = lx.expr_token() else {
            *lx = save;
            return Ok(None);
        };
        let provide = match name.as_str() {
            "PROVIDE" => Some((Provide::Provide, false)),
            "PROVIDE_HIDDEN" => Some((Provide::Hidden, true)),
            "HIDDEN" => Some((Provide::No, true)),
            _ => None,
        };
        if let Some((provide, hidden)) = provide {
            if lx.eat("(") {
                let Tok::Name(sym) = lx.expr_token()? else { return lx.error(format!("syntax error in {name}")) };
                lx.expect("=")?;
                let expr = self.expr(lx)?;
                lx.expect(")")?;
                lx.eat(";");
                return Ok(Some(Assign { name: sym, expr, provide, hidden, loc: l }));
            }
        }
        let op = ASSIGN_OPS.iter().find(|op| lx.peek(op));
        let Some(op) = op else {
            *lx = save;
            return Ok(None);
        };
        lx.eat(op);
        let rhs = self.expr(lx)?;
        let expr = match *op {
            "=" => rhs,
            o => {
                let bin: &'static str = match o {
                    "+=" => "+",
                    "-=" => "-",
                    "*=" => "*",
                    "/=" => "/",
                    "<<=" => "<<",
                    ">>=" => ">>",
                    "&=" => "&",
                    _ => "|",
                };
                let lhs = if name == "." { Expr::Dot } else { Expr::Sym(name.clone()) };
                Expr::Binary(bin, Box::new(lhs), Box::new(rhs))
            }
        };
        if !lx.eat(";") && !lx.peek("}") {
            return lx.error("syntax error: expected `;' after assignment");
        }
        Ok(Some(Assign { name, expr, provide: Provide::No, hidden: false, loc: l }))
    }

    fn assert_args(&mut self, lx: &mut Lexer) -> Result<(Expr, String, Loc)> {
        let l = loc(lx);
        lx.expect("(")?;
        let e = self.expr(lx)?;
        lx.expect(",")?;
        let m = lx.word()?;
        lx.expect(")")?;
        lx.eat(";");
        Ok((e, m, l))
    }

    fn section_cmd(&mut self, lx: &mut Lexer, cmds: &mut Vec<SecCmd>) -> Result<()> {
        if lx.eat(";") {
            return Ok(());
        }
        if let Some(a) = self.try_assignment(lx)? {
            cmds.push(assert_or_assign(a));
            return Ok(());
        }
        let l = loc(lx);
        let name = lx.word()?;
        match name.as_str() {
            "ASSERT" => {
                let (e, m, l) = self.assert_args(lx)?;
                cmds.push(SecCmd::Assert(e, m, l));
                return Ok(());
            }
            "INCLUDE" => return self.include(lx, Ctx::Sections, &mut vec![], cmds),
            "ENTRY" => {
                lx.expect("(")?;
                self.script.entry = Some(lx.word()?);
                lx.expect(")")?;
                return Ok(());
            }
            "OVERLAY" => return lx.error("OVERLAY is not supported"),
            _ => {}
        }
        cmds.push(SecCmd::Output(self.output_section(lx, name, l)?));
        Ok(())
    }

    fn output_section(&mut self, lx: &mut Lexer, name: String, l: Loc) -> Result<OutputSection> {
        let mut s = OutputSection {
            name,
            addr: None,
            kind: OutKind::Normal,
            lma: None,
            align: None,
            subalign: None,
            only_if: None,
            items: vec![],
            region: None,
            lma_region: None,
            phdrs: vec![],
            fill: None,
            loc: l,
        };
        // [address] [(type)] :
        if !lx.peek(":") && !self.section_type(lx, &mut s)? {
            s.addr = Some(self.expr(lx)?);
            self.section_type(lx, &mut s)?;
        }
        lx.expect(":")?;
        loop {
            let save = lx.clone();
            match lx.expr_token()? {
                Tok::Name(n) if n == "AT" => {
                    lx.expect("(")?;
                    s.lma = Some(self.expr(lx)?);
                    lx.expect(")")?;
                }
                Tok::Name(n) if n == "ALIGN" => {
                    lx.expect("(")?;
                    s.align = Some(self.expr(lx)?);
                    lx.expect(")")?;
                }
                Tok::Name(n) if n == "SUBALIGN" => {
                    lx.expect("(")?;
                    s.subalign = Some(self.expr(lx)?);
                    lx.expect(")")?;
                }
                Tok::Name(n) if n == "ALIGN_WITH_INPUT" => {}
                Tok::Name(n) if n == "ONLY_IF_RO" => s.only_if = Some(false),
                Tok::Name(n) if n == "ONLY_IF_RW" => s.only_if = Some(true),
                _ => {
                    *lx = save;
                    break;
                }
            }
        }
        lx.expect("{")?;
        while !lx.eat("}") {
            if lx.at_eof() {
                return lx.error(format!("syntax error: unterminated output section {}", s.name));
            }
            self.out_item(lx, &mut s.items)?;
        }
        // Trailer: >region AT>region :phdr ... =fill ,
        loop {
            if lx.eat(">") {
                s.region = Some(lx.word()?);
            } else if lx.peek("AT") && { let mut t = lx.clone(); t.expr_token().is_ok() && t.eat(">") } {
                lx.expr_token()?;
                lx.expect(">")?;
                s.lma_region = Some(lx.word()?);
            } else if lx.eat(":") {
                s.phdrs.push(lx.word()?);
            } else if lx.eat("=") {
                s.fill = Some(self.expr(lx)?);
            } else {
                break;
            }
        }
        lx.eat(",");
        Ok(s)
    }

    /// `(NOLOAD)` and friends after the name or address; false if `(` starts an address.
    fn section_type(&mut self, lx: &mut Lexer, s: &mut OutputSection) -> Result<bool> {
        if !lx.peek("(") {
            return Ok(false);
        }
        let mut t = lx.clone();
        t.eat("(");
        let kind = match t.expr_token() {
            Ok(Tok::Name(n)) if n == "NOLOAD" => OutKind::NoLoad,
            Ok(Tok::Name(n)) if matches!(n.as_str(), "COPY" | "INFO" | "OVERLAY" | "DSECT") => OutKind::NotAlloc,
            Ok(Tok::Name(n)) if n == "READONLY" || n == "TYPE" => OutKind::Normal,
            _ => return Ok(false),
        };
        if !t.eat(")") {
            return Ok(false);
        }
        *lx = t;
        s.kind = kind;
        Ok(true)
    }

    fn out_item(&mut self, lx: &mut Lexer, items: &mut Vec<OutItem>) -> Result<()> {
        if lx.eat(";") {
            return Ok(());
        }
        if let Some(a) = self.try_assignment(lx)? {
            items.push(match assert_or_assign(a) {
                SecCmd::Assert(e, m, l) => OutItem::Assert(e, m, l),
                SecCmd::Assign(a) => OutItem::Assign(a),
                SecCmd::Output(_) => unreachable!(),
            });
            return Ok(());
        }
        let w = lx.peek_word().unwrap_or_default();
        let data = match w.as_str() {
            "BYTE" => Some(1),
            "SHORT" => Some(2),
            "LONG" => Some(4),
            "QUAD" | "SQUAD" => Some(8),
            _ => None,
        };
        if let Some(size) = data {
            lx.word()?;
            lx.expect("(")?;
            items.push(OutItem::Data(size, self.expr(lx)?));
            lx.expect(")")?;
            lx.eat(";");
            return Ok(());
        }
        match w.as_str() {
            "FILL" => {
                lx.word()?;
                lx.expect("(")?;
                items.push(OutItem::Fill(self.expr(lx)?));
                lx.expect(")")?;
                lx.eat(";");
                return Ok(());
            }
            "ASSERT" => {
                lx.word()?;
                let (e, m, l) = self.assert_args(lx)?;
                items.push(OutItem::Assert(e, m, l));
                return Ok(());
            }
            "INCLUDE" => {
                lx.word()?;
                return self.include(lx, Ctx::Output, items, &mut vec![]);
            }
            "CREATE_OBJECT_SYMBOLS" | "CONSTRUCTORS" => {
                lx.word()?;
                return Ok(());
            }
            "KEEP" => {
                lx.word()?;
                lx.expect("(")?;
                let mut spec = self.input_spec(lx)?;
                spec.keep = true;
                lx.expect(")")?;
                items.push(OutItem::Input(spec));
                return Ok(());
            }
            _ => {}
        }
        items.push(OutItem::Input(self.input_spec(lx)?));
        Ok(())
    }

    /// `[EXCLUDE_FILE(...)] filepattern [( [EXCLUDE_FILE(...)] [SORT(]glob[)] ... )]`
    fn input_spec(&mut self, lx: &mut Lexer) -> Result<InputSpec> {
        let mut exclude_files = vec![];
        let mut file = lx.word()?;
        if file == "EXCLUDE_FILE" {
            exclude_files = self.exclude_list(lx)?;
            file = lx.word()?;
        }
        // `SORT(*)(.ctors)`: the matching files in name order.
        let mut sort_files = false;
        if matches!(file.as_str(), "SORT" | "SORT_BY_NAME") && lx.eat("(") {
            file = lx.word()?;
            lx.expect(")")?;
            sort_files = true;
        }
        let mut sections = vec![];
        if lx.eat("(") {
            let mut excl = vec![];
            while !lx.eat(")") {
                if lx.at_eof() {
                    return lx.error("syntax error: unterminated input section list");
                }
                if lx.eat(",") {
                    continue;
                }
                let w = lx.word()?;
                if w == "EXCLUDE_FILE" {
                    excl = self.exclude_list(lx)?;
                    continue;
                }
                let (glob, sort) = self.sorted_glob(lx, w)?;
                sections.push(SecPattern { glob, exclude_files: std::mem::take(&mut excl), sort });
            }
        } else {
            sections.push(SecPattern { glob: "*".into(), exclude_files: vec![], sort: Sort::None });
        }
        Ok(InputSpec { file, sort_files, exclude_files, sections, keep: false })
    }

    fn exclude_list(&mut self, lx: &mut Lexer) -> Result<Vec<String>> {
        lx.expect("(")?;
        let mut v = vec![];
        while !lx.eat(")") {
            if lx.at_eof() {
                return lx.error("syntax error: unterminated EXCLUDE_FILE");
            }
            v.push(lx.word()?);
        }
        Ok(v)
    }

    fn sorted_glob(&mut self, lx: &mut Lexer, w: String) -> Result<(String, Sort)> {
        let sort = match w.as_str() {
            "SORT" | "SORT_BY_NAME" => Sort::Name,
            "SORT_BY_ALIGNMENT" => Sort::Alignment,
            "SORT_BY_INIT_PRIORITY" => Sort::InitPriority,
            "SORT_NONE" => Sort::None,
            _ => return Ok((w, Sort::None)),
        };
        lx.expect("(")?;
        let inner = lx.word()?;
        let (glob, inner_sort) = self.sorted_glob(lx, inner)?;
        lx.expect(")")?;
        let sort = match (sort, inner_sort) {
            (Sort::Name, Sort::Alignment) => Sort::NameAlignment,
            (Sort::Alignment, Sort::Name) => Sort::AlignmentName,
            (s, _) => s,
        };
        Ok((glob, sort))
    }

    fn memory(&mut self, lx: &mut Lexer) -> Result<()> {
        lx.expect("{")?;
        while !lx.eat("}") {
            if lx.at_eof() {
                return lx.error("syntax error: unterminated MEMORY");
            }
            let name = lx.word()?;
            if lx.eat("(") {
                // Attributes (rwx!...) do not change layout here.
                lx.word()?;
                lx.expect(")")?;
            }
            lx.expect(":")?;
            let mut origin = None;
            let mut length = None;
            for _ in 0..2 {
                let key = lx.word()?;
                lx.expect("=")?;
                let v = self.expr(lx)?;
                let v = super::eval::constant(&v).ok_or_else(|| err!("{}:{}: MEMORY {} needs a constant", lx.file, lx.line(), key))?;
                match key.as_str() {
                    "ORIGIN" | "org" | "o" => origin = Some(v),
                    "LENGTH" | "len" | "l" => length = Some(v),
                    _ => return lx.error(format!("syntax error: unknown MEMORY attribute {key}")),
                }
                lx.eat(",");
            }
            let (Some(origin), Some(length)) = (origin, length) else { return lx.error("MEMORY region needs ORIGIN and LENGTH") };
            self.script.regions.push(Region { name, origin, length });
        }
        Ok(())
    }

    fn phdrs(&mut self, lx: &mut Lexer) -> Result<()> {
        lx.expect("{")?;
        let mut list = vec![];
        while !lx.eat("}") {
            if lx.at_eof() {
                return lx.error("syntax error: unterminated PHDRS");
            }
            let name = lx.word()?;
            let kind_word = lx.word()?;
            let kind = match kind_word.as_str() {
                "PT_NULL" => PT_NULL,
                "PT_LOAD" => PT_LOAD,
                "PT_DYNAMIC" => PT_DYNAMIC,
                "PT_INTERP" => PT_INTERP,
                "PT_NOTE" => PT_NOTE,
                "PT_SHLIB" => 5,
                "PT_PHDR" => PT_PHDR,
                "PT_TLS" => PT_TLS,
                "PT_GNU_EH_FRAME" => PT_GNU_EH_FRAME,
                "PT_GNU_STACK" => PT_GNU_STACK,
                "PT_GNU_RELRO" => PT_GNU_RELRO,
                "PT_GNU_PROPERTY" => 0x6474e553,
                w => match parse_number(w) {
                    Some(n) => n as u32,
                    None => return lx.error(format!("unknown phdr type `{w}'")),
                },
            };
            let mut p = PhdrSpec { name, kind, filehdr: false, phdrs: false, at: None, flags: None };
            loop {
                if lx.eat(";") {
                    break;
                }
                match lx.word()?.as_str() {
                    "FILEHDR" => p.filehdr = true,
                    "PHDRS" => p.phdrs = true,
                    "AT" => {
                        lx.expect("(")?;
                        p.at = Some(self.expr(lx)?);
                        lx.expect(")")?;
                    }
                    "FLAGS" => {
                        lx.expect("(")?;
                        p.flags = Some(self.expr(lx)?);
                        lx.expect(")")?;
                    }
                    w => return lx.error(format!("syntax error in PHDRS near `{w}'")),
                }
            }
            list.push(p);
        }
        self.script.phdrs = Some(list);
        Ok(())
    }

    // Expressions, C precedence.
    pub fn expr(&mut self, lx: &mut Lexer) -> Result<Expr> {
        let c = self.binary(lx, 0)?;
        if lx.eat("?") {
            let a = self.expr(lx)?;
            lx.expect(":")?;
            let b = self.expr(lx)?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }

    fn binary(&mut self, lx: &mut Lexer, min: u8) -> Result<Expr> {
        const LEVELS: &[&[&str]] = &[&["||"], &["&&"], &["|"], &["^"], &["&"], &["==", "!="], &["<", "<=", ">", ">="], &["<<", ">>"], &["+", "-"], &["*", "/", "%"]];
        if min as usize >= LEVELS.len() {
            return self.unary(lx);
        }
        let mut lhs = self.binary(lx, min + 1)?;
        while let Some(op) = LEVELS[min as usize].iter().find(|op| lx.peek(op)) {
            lx.eat(op);
            let rhs = self.binary(lx, min + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self, lx: &mut Lexer) -> Result<Expr> {
        for op in ["-", "!", "~", "+"] {
            if lx.eat(op) {
                let e = self.unary(lx)?;
                return Ok(if op == "+" { e } else { Expr::Unary(op, Box::new(e)) });
            }
        }
        match lx.expr_token()? {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Op("(") => {
                let e = self.expr(lx)?;
                lx.expect(")")?;
                Ok(e)
            }
            Tok::Name(n) if n == "." => Ok(Expr::Dot),
            Tok::Name(n) if lx.peek("(") => {
                lx.eat("(");
                let mut args = vec![];
                if n == "ASSERT" {
                    args.push(self.expr(lx)?);
                    lx.expect(",")?;
                    let msg = lx.word()?;
                    lx.expect(")")?;
                    return Ok(Expr::Call(format!("ASSERT\0{msg}"), args));
                }
                while !lx.eat(")") {
                    if lx.at_eof() {
                        return lx.error(format!("syntax error: unterminated {n}("));
                    }
                    if !args.is_empty() {
                        lx.expect(",")?;
                    }
                    // Section names may hold characters expressions do not (`/DISCARD/`).
                    if matches!(n.as_str(), "ADDR" | "LOADADDR" | "SIZEOF" | "ALIGNOF" | "DEFINED" | "ORIGIN" | "LENGTH" | "CONSTANT") {
                        args.push(Expr::Sym(lx.word()?));
                    } else {
                        args.push(self.expr(lx)?);
                    }
                }
                Ok(Expr::Call(n, args))
            }
            Tok::Name(n) if n == "SIZEOF_HEADERS" || n == "sizeof_headers" => Ok(Expr::Call("SIZEOF_HEADERS".into(), vec![])),
            Tok::Name(n) => Ok(Expr::Sym(n)),
            Tok::Str(s) => Ok(Expr::Sym(s)),
            Tok::Op(o) => lx.error(format!("syntax error: unexpected `{o}'")),
        }
    }
}

/// `. = ASSERT(e, "msg")` is an assertion, not a move of the location counter.
fn assert_or_assign(a: Assign) -> SecCmd {
    if a.name == "." {
        if let Expr::Call(n, args) = &a.expr {
            if let Some(msg) = n.strip_prefix("ASSERT\0") {
                return SecCmd::Assert(args[0].clone(), msg.to_string(), a.loc);
            }
        }
    }
    SecCmd::Assign(a)
}
