//! What a `-T` script says, as parsed; `Loc` keeps the place for diagnostics.

#[derive(Clone, Debug, PartialEq)]
pub struct Loc {
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(u64),
    Sym(String),
    /// The location counter.
    Dot,
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `ADDR(x)`, `ALIGN(a)`, `MAX(a, b)`...: the name and its arguments (section and
    /// region names are `Sym`).
    Call(String, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Provide {
    No,
    Provide,
    Hidden,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    /// `.` for the location counter.
    pub name: String,
    pub expr: Expr,
    pub provide: Provide,
    pub hidden: bool,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sort {
    None,
    Name,
    Alignment,
    InitPriority,
    /// `SORT_BY_NAME(SORT_BY_ALIGNMENT(...))` and the reverse.
    NameAlignment,
    AlignmentName,
}

/// One section glob inside `file(...)`, with its own `EXCLUDE_FILE` list and sorting.
#[derive(Clone, Debug, PartialEq)]
pub struct SecPattern {
    pub glob: String,
    pub exclude_files: Vec<String>,
    pub sort: Sort,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    pub file: String,
    /// `SORT(*)(...)`: matching files in name order.
    pub sort_files: bool,
    pub exclude_files: Vec<String>,
    pub sections: Vec<SecPattern>,
    pub keep: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutItem {
    Assign(Assign),
    Input(InputSpec),
    /// `BYTE(e)`, `SHORT`, `LONG`, `QUAD`: bytes and value.
    Data(u8, Expr),
    /// `FILL(e)`: the pattern for later gaps.
    Fill(Expr),
    Assert(Expr, String, Loc),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutKind {
    Normal,
    NoLoad,
    /// `(COPY)`, `(INFO)`, `(OVERLAY)`, `(DSECT)`: allocated, not loaded.
    NotAlloc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputSection {
    pub name: String,
    pub addr: Option<Expr>,
    pub kind: OutKind,
    pub lma: Option<Expr>,
    pub align: Option<Expr>,
    pub subalign: Option<Expr>,
    /// `ONLY_IF_RO` / `ONLY_IF_RW`: the section exists only if its inputs are all read-only
    /// (or all writable).
    pub only_if: Option<bool>,
    pub items: Vec<OutItem>,
    pub region: Option<String>,
    pub lma_region: Option<String>,
    pub phdrs: Vec<String>,
    pub fill: Option<Expr>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecCmd {
    Assign(Assign),
    Output(OutputSection),
    Assert(Expr, String, Loc),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub name: String,
    pub origin: u64,
    pub length: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PhdrSpec {
    pub name: String,
    pub kind: u32,
    pub filehdr: bool,
    pub phdrs: bool,
    pub at: Option<Expr>,
    pub flags: Option<Expr>,
}

/// `INSERT AFTER x` / `INSERT BEFORE x`: the SECTIONS commands go into the default layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Insert {
    pub after: bool,
    pub section: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Script {
    pub entry: Option<String>,
    /// Top-level assignments and asserts before SECTIONS run first (GNU runs them in order
    /// with SECTIONS; top-level ones are kept in `sections` as they appear).
    pub sections: Vec<SecCmd>,
    pub has_sections: bool,
    pub regions: Vec<Region>,
    pub phdrs: Option<Vec<PhdrSpec>>,
    pub insert: Option<Insert>,
    /// `INPUT(...)`/`GROUP(...)` files named by the script.
    pub inputs: Vec<String>,
    /// `VERSION { ... }` bodies (file, text): version-script syntax.
    pub versions: Vec<(String, String)>,
}
