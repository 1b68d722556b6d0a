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
pub mod leb;
pub mod lex;
pub mod macros;
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
    /// The CFA's offset from the stack pointer at a function's entry (`cfi_initial`'s).
    fn cfi_initial_cfa_offset(&self) -> i64 {
        8
    }
    /// The CIE's data alignment factor (`.cfi_offset` distances are multiples of it).
    fn cfi_data_align(&self) -> i64 {
        -8
    }
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
    /// ELFCLASS64 (true) or ELFCLASS32 objects.
    fn elf64(&self) -> bool {
        true
    }
    /// RELA relocations (true), or REL with the addend stored in the field (i386).
    fn rela(&self) -> bool {
        true
    }
    /// Target-defined code mode at the start of a file (x86: 16/32/64-bit code), kept in
    /// `Assembler::mode` and changed by the target's own directives.
    fn initial_mode(&self) -> u32 {
        0
    }
    /// A target directive (x86 `.code16`); None when the directive is not the target's.
    fn directive(&self, _asm: &mut Assembler, _name: &str, _args: &[Tok]) -> Option<Result<(), String>> {
        None
    }
    /// Whether a relocation against a local symbol may name the symbol's section instead
    /// (GNU as's `tc_fix_adjustable`): by default not with an `@modifier`, nor pc-relative
    /// into a SHF_MERGE section. `sec_flags` are the symbol's section's; `temp`: the symbol
    /// is an assembler-local `.L` label.
    /// `pcrel`: the field is PC-relative (a branch, or a difference with a label here).
    fn fix_adjustable(&self, m: Option<Modifier>, _kind: FixKind, pcrel: bool, sec_flags: u64, _temp: bool) -> bool {
        m.is_none() && !(sec_flags & section::SHF_MERGE != 0 && pcrel)
    }
    /// [`Arch::nops`] in the code mode of the alignment.
    fn nops_in(&self, _mode: u32, n: usize) -> Vec<u8> {
        self.nops(n)
    }
    /// [`Arch::branch_size`] in the code mode the branch was assembled in.
    fn branch_size_in(&self, _mode: u32, cc: Option<u8>, long: bool) -> u64 {
        self.branch_size(cc, long)
    }
    /// [`Arch::branch_bytes`] in the code mode the branch was assembled in.
    fn branch_bytes_in(&self, _mode: u32, cc: Option<u8>, long: bool, disp: i64) -> (Vec<u8>, usize) {
        self.branch_bytes(cc, long, disp)
    }
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
        "i386" | "i686" => Some(&x86_64::I386_ARCH),
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
