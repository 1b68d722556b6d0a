//! Sections as lists of fragments: fixed bytes (with fixups) followed by one variable tail.

use crate::expr::{Expr, Modifier};

pub type SecId = u32;

pub const SHT_PROGBITS: u32 = 1;
pub const SHT_NOTE: u32 = 7;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_INIT_ARRAY: u32 = 14;
pub const SHT_FINI_ARRAY: u32 = 15;
pub const SHT_PREINIT_ARRAY: u32 = 16;
pub const SHT_GROUP: u32 = 17;
pub const SHT_X86_64_UNWIND: u32 = 0x7000_0001;

pub const SHF_WRITE: u64 = 1;
pub const SHF_ALLOC: u64 = 2;
pub const SHF_EXECINSTR: u64 = 4;
pub const SHF_MERGE: u64 = 0x10;
pub const SHF_STRINGS: u64 = 0x20;
pub const SHF_INFO_LINK: u64 = 0x40;
pub const SHF_LINK_ORDER: u64 = 0x80;
pub const SHF_GROUP: u64 = 0x200;
pub const SHF_TLS: u64 = 0x400;
pub const SHF_EXCLUDE: u64 = 0x8000_0000;
pub const SHF_GNU_RETAIN: u64 = 0x20_0000;

/// What a fixup's field means, before the target picks an ELF relocation type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    /// Plain data or immediate (sign of the field decides 32 vs 32S on x86-64).
    Data { signed: bool },
    /// PC-relative field (displacement, branch target).
    PcRel,
    /// Direct `call`/`jmp` target: PLT32 where GNU as uses it.
    Branch,
    /// `sym@GOTPCREL(%rip)` in an instruction that the linker may relax.
    GotPcRelX { rex: bool },
    /// An instruction field whose ELF relocation type the target chose (AArch64); see
    /// `Arch::insn_fix`/`Arch::patch_insn`.
    Insn(u32),
    /// A target-specific field ([`crate::Arch::mach_fixup`] patches it and picks relocations).
    Mach(u16),
    /// A label difference always left to the linker as a relocation pair (SET/SUB or
    /// ADD/SUB; the field keeps what was written): RISC-V's CFA advances and FDE ranges.
    SetSub(u32, u32),
}

#[derive(Clone, Debug)]
pub struct Fixup {
    /// Offset of the field within the fragment's fixed bytes.
    pub at: usize,
    pub size: u8,
    pub expr: Expr,
    pub modifier: Option<Modifier>,
    pub kind: FixKind,
    /// For PC-relative fields: distance from the field's start to the end of the instruction
    /// (the addend is reduced by it; GNU as writes `sym - 4` for a plain rel32).
    pub pc_adjust: i64,
}

#[derive(Clone, Debug)]
pub enum Tail {
    None,
    /// Pad to `1 << pow` with `fill` (NOPs in code when None), unless more than `max` is needed.
    /// `mode` is the assembler's code mode there (x86 16-bit code pads with other NOPs).
    Align { pow: u32, fill: Option<u8>, max: u32, mode: u32 },
    /// Relaxable direct jump: `cc` None for `jmp`.
    /// A `@PLT` (or other) modifier forces the long form with a relocation.
    /// `mode` is the assembler's code mode where the branch was written.
    Branch { cc: Option<u8>, target: Expr, modifier: Option<Modifier>, long: bool, force_long: bool, mode: u32 },
    /// `.uleb128`/`.sleb128` of an expression only known after layout.
    Leb { expr: Expr, signed: bool },
    /// `.org expr, fill`.
    Org { expr: Expr, fill: u8 },
    /// `.skip expr, fill` with a size known only after layout.
    Space { expr: Expr, fill: u8 },
    /// A branch the target relaxes by its own rules ([`crate::Arch::mach_size`]); `data` is
    /// the target's description of the instruction.
    Mach { data: u64, target: Expr },
}

#[derive(Clone, Debug)]
pub struct Frag {
    pub bytes: Vec<u8>,
    pub fixups: Vec<Fixup>,
    pub tail: Tail,
    /// Address of the first fixed byte (layout result).
    pub addr: u64,
    /// Current size of the tail (layout result).
    pub tail_size: u64,
    /// The subsection it belongs to (`.subsection`): until
    /// [`crate::assembler::Assembler::merge_subsections`] puts subsections in order.
    pub sub: u32,
}

impl Frag {
    pub fn new() -> Frag {
        Frag { bytes: Vec::new(), fixups: Vec::new(), tail: Tail::None, addr: 0, tail_size: 0, sub: 0 }
    }
    pub fn end(&self) -> u64 {
        self.addr + self.bytes.len() as u64 + self.tail_size
    }
}

pub struct Section {
    pub name: String,
    pub sh_type: u32,
    pub flags: u64,
    pub entsize: u64,
    pub align: u64,
    /// COMDAT group signature name and whether it is a comdat group.
    pub group: Option<(String, bool)>,
    /// `SHF_LINK_ORDER` section name.
    pub link: Option<String>,
    pub frags: Vec<Frag>,
    /// Mapping-symbol state (targets with `$x`/`$d`).
    pub map: crate::mapping::SecMap,
    /// Its section symbol comes late, not with the section (GNU as creates it only when
    /// writing: `.comment` from `.ident`, `.eh_frame`, target sections made at the end).
    pub late_symbol: bool,
    /// The subsection being written (that of the last fragment).
    pub sub: u32,
}

impl Section {
    pub fn is_code(&self) -> bool {
        self.flags & SHF_EXECINSTR != 0
    }
    pub fn cur(&mut self) -> &mut Frag {
        if self.frags.is_empty() {
            self.frags.push(Frag::new());
        }
        let n = self.frags.len() - 1;
        &mut self.frags[n]
    }
    /// Current position: (fragment, offset in its fixed bytes).
    pub fn pos(&mut self) -> (u32, u32) {
        let f = self.cur().bytes.len() as u32;
        (self.frags.len() as u32 - 1, f)
    }
    pub fn emit(&mut self, b: &[u8]) {
        self.cur().bytes.extend_from_slice(b);
    }
    pub fn add_tail(&mut self, tail: Tail) {
        self.cur().tail = tail;
        self.frags.push(Frag { sub: self.sub, ..Frag::new() });
    }
    /// Continue in subsection `sub` (a new fragment: subsections are put in order later).
    pub fn enter_sub(&mut self, sub: u32) {
        if self.sub != sub {
            self.sub = sub;
            self.frags.push(Frag { sub, ..Frag::new() });
        }
    }
    pub fn size(&self) -> u64 {
        self.frags.last().map_or(0, |f| f.end())
    }
    /// True when nothing at all was emitted (for `.bss`-style checks).
    pub fn is_empty(&self) -> bool {
        self.frags.iter().all(|f| f.bytes.is_empty() && matches!(f.tail, Tail::None))
    }
}

/// Default type and flags GNU as gives a section by its name.
pub fn defaults_for(name: &str) -> (u32, u64) {
    let pre = |p: &str| name == p || name.starts_with(&format!("{p}."));
    if pre(".text") {
        (SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR)
    } else if pre(".data") || pre(".data1") || pre(".data.rel.ro") || pre(".data.rel") {
        (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE)
    } else if pre(".bss") {
        (SHT_NOBITS, SHF_ALLOC | SHF_WRITE)
    } else if pre(".rodata") || pre(".rodata1") {
        (SHT_PROGBITS, SHF_ALLOC)
    } else if pre(".tdata") {
        (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS)
    } else if pre(".tbss") {
        (SHT_NOBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS)
    } else if pre(".init_array") {
        (SHT_INIT_ARRAY, SHF_ALLOC | SHF_WRITE)
    } else if pre(".fini_array") {
        (SHT_FINI_ARRAY, SHF_ALLOC | SHF_WRITE)
    } else if pre(".preinit_array") {
        (SHT_PREINIT_ARRAY, SHF_ALLOC | SHF_WRITE)
    } else if name.starts_with(".note") {
        (SHT_NOTE, 0)
    } else if pre(".init") || pre(".fini") {
        (SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR)
    } else if pre(".ctors") || pre(".dtors") || pre(".got") {
        (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE)
    } else if pre(".eh_frame") {
        (SHT_PROGBITS, SHF_ALLOC)
    } else {
        (SHT_PROGBITS, 0)
    }
}
