//! What a target contributes: relocation kinds, PLT bytes, code rewrites for relaxation.
//! The generic linker decides *what* each relocation needs; the target says *how*.

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
    fn classify(&self, r_type: u32) -> Option<RelKind>;
    fn reloc_name(&self, r_type: u32) -> String;
    fn dyn_types(&self) -> &'static DynTypes;
    fn plt0_size(&self) -> u64;
    fn plt_entry_size(&self) -> u64;
    /// PLT0: push the link map (GOT+8), jump to the resolver (GOT+16).
    fn plt0(&self, plt0_addr: u64, got_plt: u64) -> Vec<u8>;
    /// One PLT entry jumping through `slot`; `index` is its .rela.plt index for lazy binding.
    fn plt_entry(&self, addr: u64, slot: u64, index: u32, plt0_addr: u64) -> Vec<u8>;
    /// Can the GOT load at `off` (the field) become a direct address computation?
    fn can_relax_got(&self, code: &[u8], off: usize) -> bool;
    /// Rewrite that GOT load; the caller then stores S + A - P in the field.
    fn relax_got(&self, code: &mut [u8], off: usize);
    /// General/local dynamic and TLS descriptor sequences rewritten for an executable.
    fn relax_gd_to_le(&self, code: &mut [u8], off: usize, tpoff: i64, what: &str) -> Result<()>;
    /// `place` is the address of `off`; `got` the address of the symbol's tp-offset entry.
    fn relax_gd_to_ie(&self, code: &mut [u8], off: usize, place: u64, got: u64, what: &str) -> Result<()>;
    fn relax_ld_to_le(&self, code: &mut [u8], off: usize, what: &str) -> Result<()>;
    fn relax_desc_to_le(&self, code: &mut [u8], off: usize, tpoff: i64, what: &str) -> Result<()>;
    fn relax_desc_to_ie(&self, code: &mut [u8], off: usize, place: u64, got: u64, what: &str) -> Result<()>;
    fn relax_desc_call(&self, code: &mut [u8], off: usize, what: &str) -> Result<()>;
    /// How many bytes after a GD/LD field the call to __tls_get_addr's relocation sits.
    fn tls_call_reloc_delta(&self, ld: bool) -> u64;
}
