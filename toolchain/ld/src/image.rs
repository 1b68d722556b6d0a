//! The output image being built: output sections, synthetic tables, segments.

use crate::fxhash::FxHashMap as HashMap;

use crate::args::OutputKind;

/// A symbol as a relocation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymRef {
    Global(usize),
    Local(usize, usize),
}

/// Synthetic sections the linker writes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Synth {
    Interp,
    Hash,
    GnuHash,
    DynSym,
    DynStr,
    VerSym,
    VerNeed,
    VerDef,
    RelaDyn,
    RelaPlt,
    Plt,
    Got,
    GotPlt,
    Dynamic,
    EhFrameHdr,
    BuildId,
}

#[derive(Clone, Debug)]
pub struct OutSec {
    pub name: String,
    pub kind: u32,
    pub flags: u64,
    pub align: u64,
    /// Input sections (object, section) in placement order.
    pub members: Vec<(usize, usize)>,
    pub synth: Option<Synth>,
    pub size: u64,
    pub addr: u64,
    pub offset: u64,
    /// Segment class and rank inside it: the address order.
    pub class: u8,
    pub rank: u8,
    /// Load address (differs from `addr` under a script's `AT`).
    pub lma: u64,
    /// Kept in the output even when empty (a script assigns symbols in it).
    pub keep: bool,
    /// A linker-made section a script placed inside another output section.
    pub parent: Option<usize>,
    /// Script fill pattern for gaps (4 bytes, big-endian like GNU ld).
    pub fill: Option<u32>,
    /// Script `BYTE`/`SHORT`/`LONG`/`QUAD` data: (offset, size, value).
    pub data: Vec<(u64, u8, u64)>,
}

impl OutSec {
    /// An empty output section; layout fills in addresses, members and size.
    pub fn new(name: &str, kind: u32, flags: u64, align: u64, synth: Option<Synth>, (class, rank): (u8, u8)) -> OutSec {
        OutSec { name: name.to_string(), kind, flags, align, members: vec![], synth, size: 0, addr: 0, offset: 0, class, rank, lma: 0, keep: false, parent: None, fill: None, data: vec![] }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GotKind {
    /// The symbol's address (or its PLT entry for IFUNCs).
    Addr,
    /// Its offset from the thread pointer.
    TpOff,
    /// A `__tls_get_addr` argument pair (module id, offset in the module's block); the
    /// second word is the `DtpOff` entry that follows.
    TlsGd,
    DtpOff,
    /// The module's own pair for local-dynamic code (keyed by `SymRef::Local(0, 0)`).
    TlsLd,
    Zero,
}

#[derive(Clone, Copy, Debug)]
pub enum Place {
    Got(usize),
    GotPlt(usize),
    Sec { obj: usize, sec: usize, off: u64 },
    Copy(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynKind {
    Relative,
    Abs64,
    GlobDat,
    JumpSlot,
    Copy,
    IRelative,
    TpOff64,
    DtpMod64,
    DtpOff64,
}

#[derive(Clone, Debug)]
pub struct DynRel {
    pub place: Place,
    pub kind: DynKind,
    /// Global symbol for symbolic relocations.
    pub sym: Option<usize>,
    /// For RELATIVE/IRELATIVE: the target whose address (+addend) is the addend.
    pub target: Option<SymRef>,
    pub addend: i64,
}

#[derive(Clone, Debug)]
pub struct PltEntry {
    pub sym: SymRef,
    /// IFUNC entries jump through an IRELATIVE-resolved slot; others through JUMP_SLOT.
    pub ifunc: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Phdr {
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

/// A string table with deduplication.
#[derive(Default, Clone)]
pub struct StrTab {
    pub data: Vec<u8>,
    map: HashMap<String, u32>,
}

impl StrTab {
    pub fn new() -> StrTab {
        StrTab { data: vec![0], map: HashMap::default() }
    }
    pub fn map_get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    pub fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&o) = self.map.get(s) {
            return o;
        }
        let o = self.data.len() as u32;
        self.data.extend_from_slice(s.as_bytes());
        self.data.push(0);
        self.map.insert(s.to_string(), o);
        o
    }
}

pub struct Image {
    pub kind: OutputKind,
    /// Reserved words at the start of `.got.plt` (the target's [`Target::got_plt_header`]).
    ///
    /// [`Target::got_plt_header`]: crate::arch::Target::got_plt_header
    pub got_plt_reserved: u64,
    pub secs: Vec<OutSec>,
    pub synth_idx: HashMap<Synth, usize>,
    pub got: Vec<(SymRef, GotKind)>,
    pub got_map: HashMap<(SymRef, GotKind), usize>,
    pub plt: Vec<PltEntry>,
    pub plt_map: HashMap<SymRef, usize>,
    /// Symbols given space in .bss: copy-relocated and common ones, with offsets.
    pub bss_syms: Vec<(usize, u64, u64)>,
    pub bss_off: HashMap<usize, u64>,
    pub copies: Vec<usize>,
    pub copy_aliases: Vec<usize>,
    pub canonical_plt: std::collections::HashSet<usize>,
    pub dynrel: Vec<DynRel>,
    pub dynsyms: Vec<usize>,
    pub dynsym_idx: HashMap<usize, u32>,
    pub dynstr: StrTab,
    pub dyn_tags: Vec<(u64, u64)>,
    pub needed: Vec<usize>,
    pub verneed: Vec<(usize, Vec<String>)>,
    pub phdrs: Vec<Phdr>,
    pub tls: Option<(u64, u64, u64)>,
    pub textrel: bool,
    pub exec_stack: bool,
    pub base: u64,
    pub entry: u64,
    pub eh_fde_count: u64,
    /// Section header index of each output section (0 when it has none).
    pub shdr_index: Vec<usize>,
    /// Versions this output defines (`--version-script` nodes) and each export's index.
    pub verdefs: Vec<String>,
    pub sym_ver: HashMap<usize, u16>,
    /// Output sections in address order when a linker script decides it.
    pub script_order: Option<Vec<usize>>,
}

impl Image {
    pub fn new(kind: OutputKind) -> Image {
        Image {
            kind,
            got_plt_reserved: 3,
            secs: vec![],
            synth_idx: HashMap::default(),
            got: vec![],
            got_map: HashMap::default(),
            plt: vec![],
            plt_map: HashMap::default(),
            bss_syms: vec![],
            bss_off: HashMap::default(),
            copies: vec![],
            copy_aliases: vec![],
            canonical_plt: Default::default(),
            dynrel: vec![],
            dynsyms: vec![],
            dynsym_idx: HashMap::default(),
            dynstr: StrTab::new(),
            dyn_tags: vec![],
            needed: vec![],
            verneed: vec![],
            phdrs: vec![],
            tls: None,
            textrel: false,
            exec_stack: false,
            base: 0,
            entry: 0,
            eh_fde_count: 0,
            shdr_index: vec![],
            verdefs: vec![],
            sym_ver: HashMap::default(),
            script_order: None,
        }
    }

    /// Position-independent output: absolute addresses need RELATIVE relocations.
    pub fn pic(&self) -> bool {
        matches!(self.kind, OutputKind::Pie | OutputKind::StaticPie | OutputKind::Shared)
    }

    /// Has a dynamic section (everything but a plain static executable).
    pub fn dynamic(&self) -> bool {
        self.kind != OutputKind::StaticExec
    }

    /// Loaded by ld.so with shared libraries.
    pub fn uses_ld_so(&self) -> bool {
        matches!(self.kind, OutputKind::Exec | OutputKind::Pie | OutputKind::Shared)
    }

    pub fn sec(&self, s: Synth) -> Option<&OutSec> {
        self.synth_idx.get(&s).map(|&i| &self.secs[i])
    }

    pub fn addr_of(&self, s: Synth) -> u64 {
        self.sec(s).map_or(0, |o| o.addr)
    }

    pub fn got_entry_addr(&self, i: usize) -> u64 {
        self.addr_of(Synth::Got) + i as u64 * 8
    }

    /// .got.plt: the reserved words, then one slot per PLT entry.
    pub fn got_plt_slot_addr(&self, i: usize) -> u64 {
        self.addr_of(Synth::GotPlt) + (self.got_plt_reserved + i as u64) * 8
    }

    pub fn plt_entry_addr(&self, i: usize, plt0: u64, entry: u64) -> u64 {
        self.addr_of(Synth::Plt) + plt0 + i as u64 * entry
    }

    pub fn has_lazy_plt(&self) -> bool {
        self.plt.iter().any(|p| !p.ifunc)
    }
}
