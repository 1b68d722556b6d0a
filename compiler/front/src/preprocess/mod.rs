//! The C preprocessor (C17 + GNU extensions): tokens from `lex` in, the
//! translation unit's token stream out.
//!
//! Structure: a stack of open files (`FileCtx`), each with its lexer and
//! conditional stack; a stack of pending tokens (macro expansion results,
//! pushed in reverse); macros in a table indexed by `Sym`. Macro expansion
//! follows Prosser's hide-set algorithm (`expand.rs`). Predefined macros,
//! `-D`/`-U` and `-include` are fed through the same machinery as pseudo
//! files (`<built-in>`, `<command-line>`), as GCC does.

mod builtin;
mod cond;
pub mod deps;
mod directive;
mod expand;
mod hideset;
pub mod include;
mod predef;
mod predef_data;
pub mod print;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

use ccc_ir::TargetInfo;

use crate::diag::{DiagEngine, FileId, Loc};
use crate::intern::{FxHashMap, FxHashSet, Sym};
use crate::lex::Lexer;
use crate::token::{Token, TokenKind};
use crate::CStd;

use hideset::{HideSet, HideSets};
pub use include::SearchDir;

/// A `-D` or `-U` option, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroOp {
    /// `NAME`, `NAME=VALUE` or `NAME(ARGS)=VALUE`, as GCC's `-D` takes it.
    Define(String),
    Undef(String),
}

/// Everything the preprocessor needs from the command line.
#[derive(Clone, Debug)]
pub struct PpOptions {
    /// `-iquote` directories (only for `#include "..."`).
    pub quote_dirs: Vec<String>,
    /// The `<...>` search chain, in order: `-I`, `-isystem`, ccc's own
    /// include directory, the system directories, `-idirafter`.
    pub bracket_dirs: Vec<SearchDir>,
    pub defines: Vec<MacroOp>,
    /// `-include FILE`, in order.
    pub pre_includes: Vec<String>,
    /// `-imacros FILE`, in order.
    pub imacros: Vec<String>,
    pub std: CStd,
    pub gnu: bool,
    pub opt_level: u8,
    pub optimize_size: bool,
    /// `-fpic` = 1, `-fPIC` = 2.
    pub pic: u8,
    /// `-fpie` = 1, `-fPIE` = 2.
    pub pie: u8,
    pub freestanding: bool,
    /// `-x assembler-with-cpp`: defines `__ASSEMBLER__`, lenient directives.
    pub assembler: bool,
    /// `-funsigned-char` / `-fsigned-char`.
    pub char_signed: Option<bool>,
    /// 0 none, 1 `-fstack-protector`, 2 `-strong`, 3 `-all`.
    pub stack_protector: u8,
    pub m16: bool,
    /// `-mno-sse`.
    pub no_sse: bool,
    pub general_regs_only: bool,
    /// `-mcmodel=` value, empty for the default.
    pub code_model: String,
    pub pthread: bool,
    pub unwind_tables: bool,
    pub fast_math: bool,
    /// `-fshort-wchar`: `wchar_t` is `unsigned short`.
    pub short_wchar: bool,
    /// `-fmacro-prefix-map=OLD=NEW` (and `-ffile-prefix-map`), for `__FILE__`.
    pub macro_prefix_map: Vec<(String, String)>,
    /// `SOURCE_DATE_EPOCH`; `__DATE__`/`__TIME__` use it, or the epoch.
    pub source_date_epoch: Option<i64>,
    /// Implicitly include `<stdc-predef.h>` like GCC (off with -nostdinc).
    pub stdc_predef: bool,
    /// Record line markers for `-E` output.
    pub track_markers: bool,
    /// The input is already preprocessed (`.i`, `-fpreprocessed`): no
    /// predefined or command-line macros, only line markers and pragmas
    /// matter.
    pub preprocessed: bool,
}

impl Default for PpOptions {
    fn default() -> Self {
        PpOptions {
            quote_dirs: Vec::new(),
            bracket_dirs: Vec::new(),
            defines: Vec::new(),
            pre_includes: Vec::new(),
            imacros: Vec::new(),
            std: CStd::C17,
            gnu: true,
            opt_level: 0,
            optimize_size: false,
            pic: 0,
            pie: 0,
            freestanding: false,
            assembler: false,
            char_signed: None,
            stack_protector: 0,
            m16: false,
            no_sse: false,
            general_regs_only: false,
            code_model: String::new(),
            pthread: false,
            unwind_tables: true,
            fast_math: false,
            short_wchar: false,
            macro_prefix_map: Vec::new(),
            source_date_epoch: None,
            stdc_predef: false,
            track_markers: false,
            preprocessed: false,
        }
    }
}

/// A `# line "file" flags` marker for `-E` output, placed before the token
/// with index `index` in the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMarker {
    pub index: usize,
    pub line: u32,
    pub file: String,
    /// 1 = entering an include, 2 = returning to a file, 0 = neither.
    pub flag: u8,
    pub system: bool,
    /// Only bring the output to this line (newlines, or a marker if far
    /// away), as GCC does before entering an include.
    pub sync: bool,
}

/// A file the translation unit read, for `-M` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub path: String,
    pub system: bool,
}

/// The preprocessed translation unit.
pub struct PpOutput {
    /// Ends with one `Eof` token.
    pub tokens: Vec<Token>,
    /// Per token: it meets the previous one at a macro expansion boundary, where
    /// `-E` output must keep them apart if they would lex as one (GCC prints tokens
    /// that were adjacent in one source or one macro body as they were).
    pub expansion_edges: Vec<bool>,
    pub markers: Vec<LineMarker>,
    /// Preprocessed as assembly (`-x assembler-with-cpp`).
    pub assembler: bool,
    /// Main file first, then every file opened, in order, without duplicates.
    pub deps: Vec<Dependency>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Builtin {
    File,
    Line,
    Counter,
    Date,
    Time,
    Timestamp,
    BaseFile,
    IncludeLevel,
    HasInclude,
    HasIncludeNext,
    HasAttribute,
    HasCAttribute,
    HasCppAttribute,
    HasBuiltin,
    HasFeature,
    HasExtension,
    Pragma,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MacroKind {
    Object,
    Function,
    Builtin(Builtin),
}

/// A replacement-list token; `param` is the parameter index it names.
#[derive(Clone, Copy, Debug)]
struct BodyTok {
    tok: Token,
    param: Option<u16>,
}

#[derive(Debug)]
struct Macro {
    kind: MacroKind,
    params: Vec<Sym>,
    variadic: bool,
    body: Vec<BodyTok>,
    loc: Loc,
}

/// A token inside the preprocessor: the token plus its hide set and flags.
#[derive(Clone, Copy, Debug)]
struct PpTok {
    tok: Token,
    hs: HideSet,
    flags: u8,
}

/// The token came straight from a file (a `#` at line start is a directive).
const FROM_FILE: u8 = 1;
/// A `##` of a replacement list (as opposed to one from an argument).
const PASTE_OP: u8 = 2;
/// A placemarker (empty argument next to `##`).
const PLACEMARKER: u8 = 4;
/// The token starts a macro expansion or a substituted argument (GCC's padding):
/// `-E` keeps it from lexing together with the token before.
const EDGE_BEFORE: u8 = 8;
/// The token ends a macro expansion or a substituted argument.
const EDGE_AFTER: u8 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CondState {
    /// The current group is being processed.
    Active,
    /// No group taken yet; skipping.
    Waiting,
    /// A group was already taken; skipping the rest.
    Done,
}

#[derive(Clone, Copy, Debug)]
struct Cond {
    state: CondState,
    seen_else: bool,
    loc: Loc,
}

/// Multiple-include optimisation: is the file wholly wrapped in
/// `#ifndef X ... #endif`?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    Start,
    Inside(Sym),
    Closed(Sym),
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileRole {
    /// A real file (main file or an include).
    Source,
    /// `<built-in>` / `<command-line>` buffers.
    Pseudo,
}

struct FileCtx {
    lexer: Lexer,
    /// Real path used to open the file (empty for pseudo files).
    path: PathBuf,
    /// The name `__FILE__` and line markers print.
    presumed: String,
    /// Index in the search chain where the file was found (`#include_next`).
    dir_index: Option<usize>,
    system: bool,
    role: FileRole,
    conds: Vec<Cond>,
    guard: Guard,
    /// Whether a token or directive of this file was read yet.
    started: bool,
}

/// Pre-interned spellings the preprocessor compares against.
struct Syms {
    lparen: Sym,
    rparen: Sym,
    comma: Sym,
    hash: Sym,
    hashhash: Sym,
    ellipsis: Sym,
    defined: Sym,
    va_args: Sym,
    va_opt: Sym,
    empty: Sym,
    one: Sym,
    zero: Sym,
}

pub struct Preprocessor<'a> {
    diag: &'a DiagEngine,
    opts: &'a PpOptions,
    target: TargetInfo,
    macros: Vec<Option<Rc<Macro>>>,
    files: Vec<FileCtx>,
    pending: Vec<PpTok>,
    /// >0 while expanding a token list (macro argument, `#if` line): reading
    /// past `pending` gives `Eof` instead of more of the file.
    isolated: u32,
    /// While collecting macro arguments, a file's end is not crossed.
    in_args: u32,
    /// Expanding an `#if` expression: `defined` and `__has_*` are operators.
    in_if: bool,
    hs: HideSets,
    out: Vec<Token>,
    /// `PpOutput::expansion_edges`, built beside `out`.
    edges: Vec<bool>,
    /// Flags of the last token output.
    prev_flags: u8,
    markers: Vec<LineMarker>,
    deps: Vec<Dependency>,
    dep_seen: FxHashSet<PathBuf>,
    once: FxHashSet<PathBuf>,
    guards: FxHashMap<PathBuf, Sym>,
    file_cache: FxHashMap<PathBuf, (Rc<str>, FileId)>,
    /// `(dir index, name)` → resolved path, for repeated includes.
    lookup_cache: FxHashMap<(usize, Sym), Option<PathBuf>>,
    /// The combined search chain: `-iquote` dirs, then `bracket_dirs`.
    chain: Vec<SearchDir>,
    counter: u32,
    syms: Syms,
    base_file: String,
    push_macro: HashMap<Sym, Vec<Option<Rc<Macro>>>>,
    poisoned: BTreeSet<Sym>,
    discard_depth: u32,
    /// A macro expanded to nothing after whitespace: the next token gets
    /// `space_before`.
    space_after_empty: bool,
    too_deep_reported: bool,
    /// Tokens held by nested `expand_list` calls (memory bound).
    nested_tokens: usize,
    date: String,
    time: String,
}

impl<'a> Preprocessor<'a> {
    pub fn new(diag: &'a DiagEngine, opts: &'a PpOptions, target: &TargetInfo) -> Self {
        let syms = Syms {
            lparen: Sym::intern("("),
            rparen: Sym::intern(")"),
            comma: Sym::intern(","),
            hash: Sym::intern("#"),
            hashhash: Sym::intern("##"),
            ellipsis: Sym::intern("..."),
            defined: Sym::intern("defined"),
            va_args: Sym::intern("__VA_ARGS__"),
            va_opt: Sym::intern("__VA_OPT__"),
            empty: Sym::intern(""),
            one: Sym::intern("1"),
            zero: Sym::intern("0"),
        };
        let (date, time) = builtin::date_time(opts.source_date_epoch.unwrap_or(0));
        let mut chain: Vec<SearchDir> = opts.quote_dirs.iter().map(|d| SearchDir { path: d.clone(), system: false }).collect();
        chain.extend(opts.bracket_dirs.iter().cloned());
        let mut pp = Preprocessor {
            diag,
            opts,
            target: *target,
            macros: Vec::new(),
            files: Vec::new(),
            pending: Vec::new(),
            isolated: 0,
            in_args: 0,
            in_if: false,
            hs: HideSets::default(),
            out: Vec::new(),
            markers: Vec::new(),
            deps: Vec::new(),
            dep_seen: FxHashSet::default(),
            once: FxHashSet::default(),
            guards: FxHashMap::default(),
            file_cache: FxHashMap::default(),
            lookup_cache: FxHashMap::default(),
            chain,
            counter: 0,
            syms,
            base_file: String::new(),
            push_macro: HashMap::new(),
            poisoned: BTreeSet::new(),
            discard_depth: 0,
            space_after_empty: false,
            edges: Vec::new(),
            prev_flags: 0,
            too_deep_reported: false,
            nested_tokens: 0,
            date,
            time,
        };
        pp.define_builtins();
        pp
    }

    /// Preprocess the file at `path` ("-" is standard input).
    pub fn run(self, path: &str) -> Option<PpOutput> {
        let text: Rc<str> = if path == "-" {
            let mut s = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
                self.diag.emit(fatal(format!("<stdin>: {e}")));
                return None;
            }
            Rc::from(s)
        } else {
            match read_source(std::path::Path::new(path)) {
                Ok(t) => t,
                Err(e) => {
                    self.diag.emit(fatal(format!("{path}: {e}")));
                    return None;
                }
            }
        };
        let name = if path == "-" { "<stdin>".to_string() } else { path.to_string() };
        self.run_text(&name, text)
    }

    /// A lexer for a file or buffer, in this run's language.
    fn lexer(&self, text: Rc<str>, fid: FileId) -> Lexer {
        let lexer = Lexer::new(text, fid);
        if self.opts.assembler {
            lexer.for_assembler()
        } else {
            lexer
        }
    }

    /// Preprocess `text` as if it were the file `name`.
    pub fn run_text(mut self, name: &str, text: Rc<str>) -> Option<PpOutput> {
        self.base_file = name.to_string();
        let fid = self.diag.add_file(name.to_string(), text.clone());
        let path = PathBuf::from(name);
        self.add_dep(&path, name, false);
        // The stack is processed top first: built-ins, command line,
        // -imacros/-include files, then the main file.
        self.files.push(FileCtx::new(self.lexer(text, fid), path, name.to_string(), None, false, FileRole::Source));
        self.mark(0, name, 0, false);
        if !self.opts.preprocessed {
            let cmdline = self.command_line_buffer();
            let builtins = predef::predefined_buffer(self.opts, &self.target);
            self.push_pseudo("<command-line>", cmdline);
            self.push_pseudo("<built-in>", builtins);
            self.mark(0, "<built-in>", 0, false);
        }
        loop {
            let t = self.next_token();
            if t.tok.kind == TokenKind::Eof {
                break;
            }
            if self.discard_depth > 0 {
                continue;
            }
            if t.tok.kind == TokenKind::Other && t.flags & FROM_FILE != 0 {
                self.check_stray(&t.tok);
            }
            self.edges.push(t.flags & EDGE_BEFORE != 0 || self.prev_flags & EDGE_AFTER != 0);
            self.prev_flags = t.flags;
            self.out.push(t.tok);
        }
        let eof_loc = self.out.last().map(|t| t.loc).unwrap_or_default();
        self.out.push(Token { kind: TokenKind::Eof, text: self.syms.empty, loc: eof_loc, space_before: false, line_start: true });
        self.edges.push(false);
        if self.diag.has_errors() {
            return None;
        }
        Some(PpOutput { tokens: self.out, expansion_edges: self.edges, markers: self.markers, assembler: self.opts.assembler, deps: self.deps })
    }

    /// `#define` lines of all macros (for `-dM`), sorted by name.
    pub fn run_dump_macros(mut self, path: &str) -> Option<String> {
        // Run for the side effect on the macro table, keeping the table.
        let text = match read_source(std::path::Path::new(path)) {
            Ok(t) => t,
            Err(_) if path == "-" => {
                let mut s = String::new();
                let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
                Rc::from(s)
            }
            Err(e) => {
                self.diag.emit(fatal(format!("{path}: {e}")));
                return None;
            }
        };
        let name = if path == "-" { "<stdin>" } else { path };
        self.base_file = name.to_string();
        let fid = self.diag.add_file(name.to_string(), text.clone());
        self.files.push(FileCtx::new(self.lexer(text, fid), PathBuf::from(name), name.to_string(), None, false, FileRole::Source));
        let cmdline = self.command_line_buffer();
        let builtins = predef::predefined_buffer(self.opts, &self.target);
        self.push_pseudo("<command-line>", cmdline);
        self.push_pseudo("<built-in>", builtins);
        while self.next_token().tok.kind != TokenKind::Eof {}
        if self.diag.has_errors() {
            return None;
        }
        let mut lines: Vec<(String, String)> = Vec::new();
        for (i, m) in self.macros.iter().enumerate() {
            let Some(m) = m else { continue };
            let name = Sym(i as u32);
            if let MacroKind::Builtin(_) = m.kind {
                continue;
            }
            lines.push((name.as_str().to_string(), format_macro(name, m)));
        }
        lines.sort();
        let mut s = String::new();
        for (_, l) in lines {
            s.push_str(&l);
            s.push('\n');
        }
        Some(s)
    }

    /// `-D`, `-U`, `-imacros` and `-include` as source text.
    fn command_line_buffer(&self) -> String {
        let mut s = String::new();
        if self.opts.stdc_predef && !self.opts.assembler {
            // Like GCC: silently skipped when the header does not exist.
            s.push_str("#if __has_include(<stdc-predef.h>)\n#include <stdc-predef.h>\n#endif\n");
        }
        for op in &self.opts.defines {
            match op {
                MacroOp::Define(d) => {
                    let (name, value) = match d.find('=') {
                        Some(i) => (&d[..i], &d[i + 1..]),
                        None => (d.as_str(), "1"),
                    };
                    // A value spans one line only, as in GCC.
                    let value = value.split('\n').next().unwrap_or("");
                    s.push_str(&format!("#define {name} {value}\n"));
                }
                MacroOp::Undef(n) => s.push_str(&format!("#undef {n}\n")),
            }
        }
        for f in &self.opts.imacros {
            s.push_str(&format!("#pragma ccc_imacros_begin\n#include \"{}\"\n#pragma ccc_imacros_end\n", escape_path(f)));
        }
        for f in &self.opts.pre_includes {
            s.push_str(&format!("#include \"{}\"\n", escape_path(f)));
        }
        s
    }

    fn push_pseudo(&mut self, name: &str, text: String) {
        let text: Rc<str> = Rc::from(text);
        let fid = self.diag.add_file(name.to_string(), text.clone());
        self.files.push(FileCtx::new(self.lexer(text, fid), PathBuf::new(), name.to_string(), None, false, FileRole::Pseudo));
    }

    fn mark(&mut self, line: u32, file: &str, flag: u8, system: bool) {
        if self.opts.track_markers && self.discard_depth == 0 {
            self.markers.push(LineMarker { index: self.out.len(), line, file: file.to_string(), flag, system, sync: false });
        }
    }

    fn add_dep(&mut self, path: &std::path::Path, shown: &str, system: bool) {
        if self.dep_seen.insert(path.to_path_buf()) {
            self.deps.push(Dependency { path: shown.to_string(), system });
        }
    }

    fn check_stray(&self, t: &Token) {
        let s = t.text.as_str();
        if self.opts.assembler {
            return;
        }
        if s.starts_with('"') || s.ends_with('"') && s.len() > 1 {
            self.diag.error(t.loc, "missing terminating \" character");
        } else if s.contains('\'') && s.len() > 1 {
            self.diag.warning(t.loc, "missing terminating ' character");
        }
    }

    /// The next token with directives processed and macros expanded.
    fn next_token(&mut self) -> PpTok {
        loop {
            let mut t = self.next_raw();
            if self.space_after_empty {
                self.space_after_empty = false;
                t.tok.space_before = true;
            }
            if t.tok.kind == TokenKind::Ident {
                if self.in_if && t.tok.text == self.syms.defined {
                    return self.eval_defined(t);
                }
                if !self.poisoned.is_empty() && self.poisoned.contains(&t.tok.text) {
                    self.diag.error(t.tok.loc, format!("attempt to use poisoned \"{}\"", t.tok.text));
                }
                if self.try_expand(t) {
                    continue;
                }
            }
            return t;
        }
    }

    /// The next token before macro expansion: pending tokens first, then
    /// the current file, processing directives and leaving finished files.
    fn next_raw(&mut self) -> PpTok {
        loop {
            if let Some(t) = self.pending.pop() {
                return t;
            }
            if self.isolated > 0 || self.files.is_empty() {
                return self.eof_tok();
            }
            let diag = self.diag;
            let Some(f) = self.files.last_mut() else { return self.eof_tok() };
            let t = f.lexer.next(diag);
            if t.kind == TokenKind::Eof {
                if self.in_args > 0 {
                    return PpTok { tok: t, hs: 0, flags: 0 };
                }
                self.leave_file();
                continue;
            }
            f.started = true;
            if t.line_start && t.text == self.syms.hash && t.kind == TokenKind::Punct {
                self.directive(t);
                continue;
            }
            if f.conds.is_empty() && f.guard != Guard::Invalid {
                f.guard = Guard::Invalid;
            }
            return PpTok { tok: t, hs: 0, flags: FROM_FILE };
        }
    }

    fn eof_tok(&self) -> PpTok {
        let tok = Token { kind: TokenKind::Eof, text: self.syms.empty, loc: Loc::default(), space_before: false, line_start: true };
        PpTok { tok, hs: 0, flags: 0 }
    }

    /// Close the current file at its end.
    fn leave_file(&mut self) {
        let Some(f) = self.files.pop() else { return };
        for c in &f.conds {
            self.diag.error(c.loc, "unterminated conditional directive");
        }
        if let Guard::Closed(m) = f.guard {
            if f.role == FileRole::Source && !f.path.as_os_str().is_empty() {
                self.guards.insert(f.path.clone(), m);
            }
        }
        let Some(parent) = self.files.last_mut() else { return };
        let (name, system) = (parent.presumed.clone(), parent.system);
        let line = if parent.started { parent.lexer.current_line() + 1 } else { 1 };
        let parent_role = parent.role;
        let flag = if f.role == FileRole::Source && parent_role != FileRole::Pseudo || f.role == FileRole::Source && name == "<command-line>" {
            2
        } else {
            0
        };
        let line = if parent_role == FileRole::Pseudo { 0 } else { line };
        self.mark(line, &name, flag, system);
    }

    /// Enter `path` (already resolved) as an include.
    fn enter_file(&mut self, path: PathBuf, shown: String, dir_index: Option<usize>, system: bool, loc: Loc) -> bool {
        let (text, fid) = match self.file_cache.get(&path) {
            Some((t, id)) => (t.clone(), *id),
            None => match read_source(&path) {
                Ok(t) => {
                    let id = self.diag.add_file(shown.clone(), t.clone());
                    self.file_cache.insert(path.clone(), (t.clone(), id));
                    (t, id)
                }
                Err(e) => {
                    self.diag.emit(crate::diag::Diagnostic {
                        severity: crate::diag::Severity::Fatal,
                        loc: Some(loc),
                        message: format!("{shown}: {e}"),
                    });
                    return false;
                }
            },
        };
        if self.files.len() >= 200 {
            self.diag.error(loc, format!("#include nested depth {} exceeds maximum of 200", self.files.len()));
            return false;
        }
        self.add_dep(&path, &shown, system);
        if self.opts.track_markers && self.discard_depth == 0 {
            if let Some(parent) = self.files.last().filter(|p| p.role == FileRole::Source) {
                let (file, system) = (parent.presumed.clone(), parent.system);
                self.markers.push(LineMarker { index: self.out.len(), line: loc.line, file, flag: 0, system, sync: true });
            }
        }
        self.mark(1, &shown, 1, system);
        self.files.push(FileCtx::new(self.lexer(text, fid), path, shown, dir_index, system, FileRole::Source));
        true
    }

    fn define_builtins(&mut self) {
        use Builtin::*;
        let list: &[(&str, Builtin)] = &[
            ("__FILE__", File),
            ("__LINE__", Line),
            ("__COUNTER__", Counter),
            ("__DATE__", Date),
            ("__TIME__", Time),
            ("__TIMESTAMP__", Timestamp),
            ("__BASE_FILE__", BaseFile),
            ("__INCLUDE_LEVEL__", IncludeLevel),
            ("__has_include", HasInclude),
            ("__has_include_next", HasIncludeNext),
            ("__has_attribute", HasAttribute),
            ("__has_c_attribute", HasCAttribute),
            ("__has_cpp_attribute", HasCppAttribute),
            ("__has_builtin", HasBuiltin),
            ("__has_feature", HasFeature),
            ("__has_extension", HasExtension),
            ("_Pragma", Pragma),
        ];
        for (name, b) in list {
            let m = Macro { kind: MacroKind::Builtin(*b), params: Vec::new(), variadic: false, body: Vec::new(), loc: Loc::default() };
            self.set_macro(Sym::intern(name), Some(Rc::new(m)));
        }
    }

    fn macro_of(&self, s: Sym) -> Option<&Rc<Macro>> {
        self.macros.get(s.0 as usize).and_then(|m| m.as_ref())
    }

    fn set_macro(&mut self, s: Sym, m: Option<Rc<Macro>>) {
        let i = s.0 as usize;
        if i >= self.macros.len() {
            self.macros.resize(i + 1, None);
        }
        self.macros[i] = m;
    }

}

impl FileCtx {
    fn new(lexer: Lexer, path: PathBuf, presumed: String, dir_index: Option<usize>, system: bool, role: FileRole) -> FileCtx {
        FileCtx { lexer, path, presumed, dir_index, system, role, conds: Vec::new(), guard: Guard::Start, started: false }
    }
}

fn fatal(message: String) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic { severity: crate::diag::Severity::Fatal, loc: None, message }
}

fn escape_path(p: &str) -> String {
    p.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Read a source file. Bytes that are not valid UTF-8 (Latin-1 text exists
/// in the wild) are kept: each becomes a private-use character
/// `crate::RAW_BYTE_BASE + byte`, which string literals turn back into the
/// original byte, as GCC copies source bytes through.
fn read_source(path: &std::path::Path) -> std::io::Result<Rc<str>> {
    let bytes = std::fs::read(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => Rc::from(s),
        Err(e) => Rc::from(crate::decode_raw_bytes(e.as_bytes())),
    })
}

/// `#define` line for `-dM`.
fn format_macro(name: Sym, m: &Macro) -> String {
    let mut s = format!("#define {name}");
    if m.kind == MacroKind::Function {
        s.push('(');
        for (i, p) in m.params.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            if m.variadic && i + 1 == m.params.len() && *p == Sym::intern("__VA_ARGS__") {
                s.push_str("...");
            } else {
                s.push_str(p.as_str());
                if m.variadic && i + 1 == m.params.len() {
                    s.push_str("...");
                }
            }
        }
        s.push(')');
    }
    // GCC prints a space after the name even when the body is empty.
    s.push(' ');
    for (i, b) in m.body.iter().enumerate() {
        if i > 0 && b.tok.space_before {
            s.push(' ');
        }
        s.push_str(b.tok.text.as_str());
    }
    s
}

#[cfg(test)]
mod tests;
