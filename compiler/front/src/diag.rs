//! Diagnostics in GCC's format: `file:line:col: error: message`, followed by
//! the source line and a caret.

use std::cell::RefCell;
use std::fmt::Write;

/// A file known to the source map; index into `SourceMap::files`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A source position. `line`/`col` are 1-based; 0 means unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name as diagnostics and `__FILE__` print it (after `#line` and prefix maps).
    pub name: String,
    /// The file's text, for caret lines (empty for synthetic files).
    pub text: std::rc::Rc<str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
    Fatal,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub loc: Option<Loc>,
    pub message: String,
}

/// Collects diagnostics for one compilation and prints them to stderr.
#[derive(Default)]
pub struct DiagEngine {
    pub files: RefCell<Vec<SourceFile>>,
    pub errors: RefCell<u32>,
    pub warnings_enabled: bool,
    pub werror: bool,
}

impl DiagEngine {
    pub fn new() -> Self {
        DiagEngine { warnings_enabled: true, ..Default::default() }
    }

    pub fn add_file(&self, name: String, text: std::rc::Rc<str>) -> FileId {
        let mut files = self.files.borrow_mut();
        files.push(SourceFile { name, text });
        FileId(files.len() as u32 - 1)
    }

    pub fn file_name(&self, id: FileId) -> String {
        self.files.borrow().get(id.0 as usize).map(|f| f.name.clone()).unwrap_or_default()
    }

    pub fn error(&self, loc: Loc, msg: impl Into<String>) {
        self.emit(Diagnostic { severity: Severity::Error, loc: Some(loc), message: msg.into() });
    }

    pub fn warning(&self, loc: Loc, msg: impl Into<String>) {
        if self.werror {
            return self.error(loc, msg);
        }
        if self.warnings_enabled {
            self.emit(Diagnostic { severity: Severity::Warning, loc: Some(loc), message: msg.into() });
        }
    }

    pub fn note(&self, loc: Loc, msg: impl Into<String>) {
        self.emit(Diagnostic { severity: Severity::Note, loc: Some(loc), message: msg.into() });
    }

    pub fn has_errors(&self) -> bool {
        *self.errors.borrow() > 0
    }

    pub fn emit(&self, d: Diagnostic) {
        if d.severity >= Severity::Error {
            *self.errors.borrow_mut() += 1;
        }
        eprint!("{}", self.render(&d));
    }

    /// The text GCC would print for `d`, caret line included.
    pub fn render(&self, d: &Diagnostic) -> String {
        let kind = match d.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Fatal => "fatal error",
        };
        let mut out = String::new();
        match d.loc {
            Some(loc) if loc.line > 0 => {
                let files = self.files.borrow();
                let file = files.get(loc.file.0 as usize);
                let name = file.map(|f| f.name.as_str()).unwrap_or("<unknown>");
                let _ = writeln!(out, "{name}:{}:{}: {kind}: {}", loc.line, loc.col, d.message);
                if let Some(line) = file.and_then(|f| f.text.lines().nth(loc.line as usize - 1)) {
                    let _ = writeln!(out, " {:>4} | {line}", loc.line);
                    let pad: String = line
                        .chars()
                        .take(loc.col.saturating_sub(1) as usize)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let _ = writeln!(out, "      | {pad}^");
                }
            }
            _ => {
                let _ = writeln!(out, "ccc: {kind}: {}", d.message);
            }
        }
        out
    }
}
