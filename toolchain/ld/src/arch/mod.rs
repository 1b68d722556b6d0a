//! What a target contributes: relocation kinds, PLT bytes, code rewrites for relaxation.
//! The generic linker decides *what* each relocation needs; the target says *how*.

pub mod aarch64;
pub mod i386;
pub mod riscv64;
pub mod x86_64;

use crate::error::Result;

/// Relocation semantics in the psABI's notation (S symbol, A addend, P place, G GOT offset
/// of the symbol's entry, GOT base of the GOT, L PLT entry, Z symbol size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelKind {
    None,
    /// S + A, `size` bytes; `signed` picks the overflow check for 4-byte fields.
    Abs { size: u8, signed: bool },
    /// S + A - P
    Pc { size: u8 },
    /// L + A - P (direct call; the PLT only when the target needs one)
    Plt32,
    /// G + GOT + A - P; `relax` names the GOTPCRELX forms the linker may turn into `lea`.
    GotPc { size: u8, relax: bool },
    /// G + A (GOT-relative offset of the entry)
    Got { size: u8 },
    /// S + A - GOT
    GotOff,
    /// GOT + A - P
    GotBasePc { size: u8 },
    /// L - GOT + A
    PltOff,
    /// Z + A
    Size { size: u8 },
    TlsGd,
    TlsLd,
    DtpOff { size: u8 },
    /// G(tp offset entry) + GOT + A - P
    GotTpOff,
    /// tp offset, `size` bytes
    TpOff { size: u8 },
    TlsDescPc,
    TlsDescCall,
    /// Page(S + A) - Page(P): AArch64 `adrp`; pages are 4 KiB.
    PagePc,
    /// S + A whose low bits complete a [`RelKind::PagePc`] (AArch64 `:lo12:`): PC-relative
    /// as a pair, so no PIC error and no dynamic relocation.
    AbsLo,
    /// Page(G + A) - Page(P), G the address of the symbol's GOT entry.
    GotPagePc,
    /// G + A, the low bits of the GOT entry's address.
    GotLo,
    /// G + A - Page(GOT): a GOT entry from the page of `_GLOBAL_OFFSET_TABLE_`.
    GotFromGotPage,
    /// The same two for the symbol's tp-offset GOT entry (initial-exec TLS).
    GotTpOffPagePc,
    GotTpOffLo,
    /// The low 12 bits of the value of the high-part relocation at the labelled instruction
    /// this one names (RISC-V `%pcrel_lo`): the target's field keeps the low bits.
    PcRelLo,
    /// The instructions of a TLS descriptor sequence after its first (AArch64 `ldr`/`add`
    /// of `:tlsdesc_lo12:`), rewritten with it in executables.
    TlsDescLo,
}

/// Where the thread pointer points relative to the executable's TLS block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsLayout {
    /// The block ends at the thread pointer (x86-64): offsets are negative.
    BlockBelowTp,
    /// The block starts `tcb` bytes above the thread pointer, aligned (AArch64: 16, RISC-V: 0).
    BlockAboveTp { tcb: u64 },
}

/// Where a relaxed TLS descriptor sequence ends up.
#[derive(Clone, Copy, Debug)]
pub enum DescTarget {
    /// Local-exec: the tp offset itself.
    Le(i64),
    /// Initial-exec: the address of the symbol's tp-offset GOT entry.
    Ie(u64),
}

/// Why a value could not be stored in its field.
#[derive(Debug, PartialEq, Eq)]
pub enum FieldError {
    /// The value does not fit.
    Overflow,
    /// The low bits an instruction cannot encode are not zero (scaled offsets, branches).
    Misaligned,
    /// The field lies outside its section.
    OutOfSection,
}

/// Dynamic relocation numbers of a target.
pub struct DynTypes {
    pub relative: u32,
    pub glob_dat: u32,
    pub jump_slot: u32,
    pub copy: u32,
    pub irelative: u32,
    pub abs64: u32,
    pub tpoff64: u32,
    pub dtpmod64: u32,
    pub dtpoff64: u32,
}

pub trait Target: Sync {
    fn machine(&self) -> u16;
    /// ELF64, or ELF32 (i386) objects and output.
    fn class(&self) -> crate::elf::Class {
        crate::elf::Class::ELF64
    }
    /// `n` bytes of padding between the input sections of a code section (zeros unless the
    /// target has NOPs for it).
    fn code_fill(&self, n: usize) -> Vec<u8> {
        vec![0; n]
    }
    /// RELA relocations, or REL whose addends are the fields' contents (i386).
    fn rela(&self) -> bool {
        true
    }
    /// A REL relocation's addend: the field at `off` in the section's `contents`.
    fn implicit_addend(&self, r_type: u32, _contents: &[u8], _off: u64) -> std::result::Result<i64, String> {
        Err(format!("REL relocation {} not expected on this target", self.reloc_name(r_type)))
    }
    fn classify(&self, r_type: u32) -> Option<RelKind>;
    fn reloc_name(&self, r_type: u32) -> String;
    fn dyn_types(&self) -> &'static DynTypes;
    fn plt0_size(&self) -> u64 {
        32
    }
    fn plt_entry_size(&self) -> u64 {
        16
    }
    /// PLT0: push the link map (GOT+8), jump to the resolver (GOT+16).
    fn plt0(&self, plt0_addr: u64, got_plt: u64) -> Vec<u8>;
    /// One PLT entry jumping through `slot`; `index` is its .rela.plt index for lazy binding.
    fn plt_entry(&self, addr: u64, slot: u64, index: u32, plt0_addr: u64) -> Vec<u8>;
    /// Can the GOT load at `off` (the field) become a direct address computation?
    fn can_relax_got(&self, _code: &[u8], _off: usize) -> bool {
        false
    }
    /// Rewrite that GOT load; the caller then stores S + A - P in the field.
    fn relax_got(&self, _code: &mut [u8], _off: usize) {}
    /// General/local dynamic and TLS descriptor sequences rewritten for an executable.
    fn relax_gd_to_le(&self, _code: &mut [u8], _off: usize, _tpoff: i64, what: &str) -> Result<()> {
        unsupported_tls(what, "general-dynamic")
    }
    /// `place` is the address of `off`; `got` the address of the symbol's tp-offset entry.
    fn relax_gd_to_ie(&self, _code: &mut [u8], _off: usize, _place: u64, _got: u64, what: &str) -> Result<()> {
        unsupported_tls(what, "general-dynamic")
    }
    fn relax_ld_to_le(&self, _code: &mut [u8], _off: usize, what: &str) -> Result<()> {
        unsupported_tls(what, "local-dynamic")
    }
    fn relax_desc_to_le(&self, _code: &mut [u8], _off: usize, _tpoff: i64, what: &str) -> Result<()> {
        unsupported_tls(what, "descriptor")
    }
    fn relax_desc_to_ie(&self, _code: &mut [u8], _off: usize, _place: u64, _got: u64, what: &str) -> Result<()> {
        unsupported_tls(what, "descriptor")
    }
    fn relax_desc_call(&self, _code: &mut [u8], _off: usize, what: &str) -> Result<()> {
        unsupported_tls(what, "descriptor")
    }
    /// How many bytes after a GD/LD field the call to __tls_get_addr's relocation sits.
    fn tls_call_reloc_delta(&self, _ld: bool) -> u64 {
        0
    }
    /// Rewrite one instruction after the first of a TLS descriptor sequence ([`RelKind::TlsDescLo`]).
    fn relax_desc_lo(&self, _r_type: u32, _code: &mut [u8], _off: usize, _to: DescTarget, what: &str) -> Result<()> {
        crate::bail!("{}: TLS descriptor relocation not expected on this target", what)
    }
    /// `_GLOBAL_OFFSET_TABLE_` is the start of `.got` (AArch64) rather than of `.got.plt`.
    fn gotsym_at_got(&self) -> bool {
        false
    }
    fn tls_layout(&self) -> TlsLayout {
        TlsLayout::BlockBelowTp
    }
    /// GNU ld's default `max-page-size`: the largest page the target's kernels may use.
    fn max_page_size(&self) -> u64 {
        0x1000
    }
    /// Symbols the linker defines for this target when they are referenced.
    fn linker_symbols(&self) -> &'static [&'static str] {
        &[]
    }
    /// Adjust an object as it is loaded, before its symbols and relocations are read
    /// (RISC-V trims `R_RISCV_ALIGN` padding, except in `-r` links).
    fn prepare_object(&self, _obj: &mut crate::object::Object, _relocatable: bool) -> Result<()> {
        Ok(())
    }
    /// The reserved words at the start of `.got.plt` (ld.so fills in the resolver and the
    /// link map); `dynamic` is the address of `.dynamic`, or 0.
    fn got_plt_header(&self, dynamic: u64) -> Vec<u64> {
        vec![dynamic, 0, 0]
    }
    /// The initial content of a lazily bound `.got.plt` slot.
    fn lazy_slot(&self, _plt_entry: u64, plt0: u64) -> u64 {
        plt0
    }
    /// Store `value` into the field of relocation `r_type` at `off` when the target encodes it
    /// (instruction immediates, its own range checks): `Ok(true)`. `Ok(false)` leaves it to the
    /// generic little-endian data store.
    fn write_field(&self, _r_type: u32, _code: &mut [u8], _off: usize, _value: i64) -> std::result::Result<bool, FieldError> {
        Ok(false)
    }
    /// Whether an object without `.note.GNU-stack` makes the stack executable (GNU ld:
    /// yes on x86, no on AArch64 and RISC-V).
    fn missing_stack_note_is_exec(&self) -> bool {
        true
    }
    /// Whether a narrow absolute relocation in position-independent output against a symbol
    /// the linker defines is judged after layout, when the symbol may turn out absolute
    /// (GNU ld's AArch64 backend checks at relocation time; x86-64's before layout, where
    /// a script's symbols are not yet absolute).
    fn narrow_abs_checked_after_layout(&self) -> bool {
        false
    }
    /// The output's e_flags from the inputs' (name, e_flags); an error for inputs that
    /// cannot be mixed.
    fn merge_flags(&self, _inputs: &[(&str, u32)]) -> Result<u32> {
        Ok(0)
    }
    /// The value of a direct branch to an undefined weak symbol that has no PLT entry, if the
    /// target does not branch to address 0 (AArch64 branches to the next instruction).
    fn undef_weak_branch(&self) -> Option<i64> {
        None
    }
}

/// A relocation's name from a target's (number, name) table, for diagnostics.
fn name_in(table: &[(u32, &str)], t: u32) -> String {
    table.iter().find(|(n, _)| *n == t).map(|(_, s)| s.to_string()).unwrap_or_else(|| format!("relocation type {t}"))
}

/// The diagnostic of a TLS sequence a target has no rewrite for.
fn unsupported_tls(what: &str, model: &str) -> Result<()> {
    crate::bail!("{}: TLS {} sequences are not supported for this target yet", what, model)
}

/// The target for `-m EMULATION`, or else for the first ELF object among the inputs.
pub fn select(opts: &crate::args::Options) -> Result<&'static dyn Target> {
    if let Some(m) = &opts.emulation {
        return match m.as_str() {
            "elf_x86_64" => Ok(&x86_64::X86_64),
            "elf_i386" => Ok(&i386::I386),
            "aarch64linux" | "aarch64elf" | "aarch64linuxb" => Ok(&aarch64::AArch64),
            "elf64lriscv" | "elf64lriscv_lp64" | "elf64lriscv_lp64f" => Ok(&riscv64::Riscv64),
            _ => crate::bail!("unrecognised emulation mode: {}\nSupported emulations: elf_x86_64 elf_i386 aarch64linux aarch64elf elf64lriscv", m),
        };
    }
    for inp in &opts.inputs {
        let crate::args::Input::File(p, _) = inp else { continue };
        let mut head = [0u8; 20];
        let Ok(mut f) = std::fs::File::open(p) else { continue };
        if std::io::Read::read_exact(&mut f, &mut head).is_err() || &head[..4] != b"\x7fELF" {
            continue;
        }
        return Ok(match u16::from_le_bytes([head[18], head[19]]) {
            183 => &aarch64::AArch64,
            3 => &i386::I386,
            243 => &riscv64::Riscv64,
            _ => &x86_64::X86_64,
        });
    }
    Ok(&x86_64::X86_64)
}
