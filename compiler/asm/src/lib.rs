//! ccc's integrated assembler: GNU `as` syntax in, ELF relocatable objects out.
//!
//! The core (lexing, expressions, directives, macros, sections, layout, CFI, ELF) is
//! target-independent; a target contributes an [`Arch`]: instruction parsing/encoding,
//! branch forms, NOP patterns and relocation types. x86-64 is the first.

pub mod assembler;
pub mod cfi;
pub mod directives;
pub mod elf;
pub mod expr;
pub mod layout;
pub mod aarch64;
pub mod leb;
pub mod lex;
pub mod macros;
pub mod mapping;
pub mod options;
pub mod section;
pub mod symbols;
pub mod x86_64;

use assembler::Assembler;
use expr::Modifier;
use lex::Tok;
pub use options::Options;
use section::FixKind;

/// What one target architecture contributes.
pub trait Arch: Sync {
    /// Parse and encode one instruction (mnemonic lower-cased) at the current position.
    fn instruction(&self, asm: &mut Assembler, mnemonic: &str, operands: &[Tok]) -> Result<(), String>;
    /// DWARF register number for a register name (without `%`).
    fn dwarf_reg(&self, name: &str) -> Option<u64>;
    fn cfi_ra_column(&self) -> u64;
    /// The CIE's initial instructions.
    fn cfi_initial(&self) -> Vec<u8>;
    /// `n` bytes of NOPs for code alignment.
    fn nops(&self, n: usize) -> Vec<u8>;
    /// A one-byte alignment fill that GNU as treats as "pad with NOPs" in code sections
    /// (x86's `.p2align 4, 0x90` gets multi-byte NOPs).
    fn nop_fill_byte(&self) -> Option<u8> {
        None
    }
    /// Size of a relaxable branch in its short or long form.
    fn branch_size(&self, cc: Option<u8>, long: bool) -> u64;
    /// Bytes of a branch with displacement `disp`, and where its displacement field starts.
    fn branch_bytes(&self, cc: Option<u8>, long: bool, disp: i64) -> (Vec<u8>, usize);
    /// ELF relocation type for a fixup that stays a relocation.
    fn reloc_type(&self, kind: FixKind, m: Option<Modifier>, size: u8, pcrel: bool, preemptible: bool) -> Result<u32, String>;
    fn elf_machine(&self) -> u16;
    fn elf_flags(&self) -> u32 {
        0
    }
    /// `#` starts a comment anywhere (x86); else only at the start of a line.
    fn hash_comments(&self) -> bool {
        true
    }
    /// Bytes of `.word` (2 on x86, 4 on AArch64).
    fn word_size(&self) -> u8 {
        2
    }
    /// `.align n` means 2^n bytes (AArch64, RISC-V) rather than n bytes (x86).
    fn align_is_pow2(&self) -> bool {
        false
    }
    /// ARM-style mapping symbols (`$x`/`$d`) mark code and data.
    fn mapping_symbols(&self) -> bool {
        false
    }
    /// Every section gets a section symbol, used or not (GNU as for AArch64).
    fn all_section_symbols(&self) -> bool {
        false
    }
    /// A pc-relative reference to a local label in an SHF_MERGE section names the symbol
    /// (x86, where the field's own offset makes the addend non-zero).
    fn pcrel_merge_keeps_symbol(&self) -> bool {
        true
    }
    /// DWARF code alignment factor of the CIE.
    fn cfi_code_align(&self) -> u64 {
        1
    }
    /// CFA offset at function entry (return address pushed on x86).
    fn cfi_initial_cfa_offset(&self) -> i64 {
        8
    }
    /// How a [`FixKind::Insn`] fixup of ELF type `rtype` behaves.
    fn insn_fix(&self, rtype: u32) -> InsnFix {
        let _ = rtype;
        InsnFix { pcrel: false, resolvable: false, adjustable: true }
    }
    /// Write a resolved value into the instruction field of a [`FixKind::Insn`] fixup.
    fn patch_insn(&self, rtype: u32, field: &mut [u8], value: i64) -> Result<(), String> {
        let _ = (field, value);
        Err(format!("relocation type {rtype} cannot be resolved here"))
    }
    /// A target-specific directive; `None` when the name is not one.
    fn directive(&self, asm: &mut Assembler, name: &str, args: &[Tok]) -> Option<Result<(), String>> {
        let _ = (asm, name, args);
        None
    }
}

/// Properties of an instruction fixup whose relocation type the target chose.
#[derive(Clone, Copy, Debug)]
pub struct InsnFix {
    /// The field holds a PC-relative value.
    pub pcrel: bool,
    /// Resolved by the assembler when the target is a local label of the same section
    /// (branches); else always left to the linker (page and low-12-bit parts).
    pub resolvable: bool,
    /// A local target may be replaced by its section symbol (not for GOT/TLS types).
    pub adjustable: bool,
}

pub fn arch_is_tls_modifier(m: Modifier) -> bool {
    matches!(m, Modifier::TpOff | Modifier::NtpOff | Modifier::GotTpOff | Modifier::TlsGd | Modifier::TlsLd | Modifier::DtpOff)
}

/// Assemble `src` (named `file` in diagnostics) to an ELF object.
/// Errors are GNU-as style lines: `file:line: Error: message`.
pub fn assemble(arch: &dyn Arch, src: &str, file: &str) -> Result<Vec<u8>, Vec<String>> {
    assemble_with(arch, src, file, &Options::default())
}

/// [`assemble`] with GNU as command-line options.
pub fn assemble_with(arch: &dyn Arch, src: &str, file: &str, opts: &Options) -> Result<Vec<u8>, Vec<String>> {
    let mut asm = Assembler::new(arch, file);
    asm.opts = opts.clone();
    asm.run(src)?;
    if opts.noexecstack {
        asm.section_by_name(".note.GNU-stack", Some(1), Some(0), 0, None);
    }
    let fail = |e: String| vec![format!("{file}: Error: {e}")];
    if !asm.conds.is_empty() {
        return Err(fail("end of file inside conditional".into()));
    }
    if asm.macros.collecting() {
        return Err(fail("end of file inside macro or .rept body".into()));
    }
    asm.alloc_local_commons().map_err(fail)?;
    asm.relax().map_err(fail)?;
    asm.build_eh_frame().map_err(fail)?;
    asm.relax().map_err(fail)?;
    asm.prune_mapping_symbols();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for s in 0..asm.sections.len() {
        match asm.finish_section(s as u32) {
            Ok(o) => out.push(o),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    elf::write(&mut asm, out).map_err(fail)
}

/// The target for a name as ccc's driver spells it.
pub fn arch_by_name(name: &str) -> Option<&'static dyn Arch> {
    match name {
        "x86_64" | "x86-64" | "amd64" => Some(&x86_64::X86_64_ARCH),
        "aarch64" | "arm64" => Some(&aarch64::AARCH64_ARCH),
        _ => None,
    }
}

/// Write `bytes` to a temporary name beside `path`, then rename it into place.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
