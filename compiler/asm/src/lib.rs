//! ccc's integrated assembler: GNU `as` syntax in, ELF relocatable objects out.
//!
//! The core (lexing, expressions, directives, macros, sections, layout, CFI, ELF) is
//! target-independent; a target contributes an [`Arch`]: instruction parsing/encoding,
//! branch forms, NOP patterns and relocation types: x86-64, AArch64 and RISC-V 64.

pub mod aarch64;
pub mod assembler;
pub mod cfi;
pub mod directives;
pub mod elf;
pub mod expr;
pub use ccc_fxhash as fxhash;
pub mod layout;
pub mod leb;
pub mod lex;
pub mod macros;
pub mod mapping;
pub mod options;
pub mod riscv64;
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
    /// The CFA's offset from the stack pointer at a function's entry (`cfi_initial`'s;
    /// x86-64: the return address is on the stack).
    fn cfi_initial_offset(&self) -> i64 {
        8
    }
    /// The CIE's data alignment factor (`.cfi_offset` distances are multiples of it).
    fn cfi_data_align(&self) -> i64 {
        -8
    }
    fn cfi_version(&self) -> u8 {
        1
    }
    /// SET/SUB relocation types for a CFA advance delta of `bits` bits (6, 8, 16, 32) when
    /// the linker relaxes code.
    fn cfa_relocs(&self, _bits: u32) -> Option<(u32, u32)> {
        None
    }
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
    /// `#` starts a comment anywhere (x86, RISC-V); else only at the start of a line.
    fn hash_comments(&self) -> bool {
        true
    }
    /// Bytes of `.word` (2 on x86, 4 on AArch64 and RISC-V).
    fn word_size(&self) -> u8 {
        2
    }
    /// `.align n` means 2^n bytes (AArch64, RISC-V) rather than n bytes (x86).
    fn align_is_pow2(&self) -> bool {
        false
    }
    /// ARM-style mapping symbols (`$x`/`$d`) placed and pruned by `mapping.rs` (AArch64).
    /// (RISC-V's, which name the ISA, are its own: see [`Arch::before_data`].)
    fn mapping_symbols(&self) -> bool {
        false
    }
    /// Every section gets a section symbol, used or not (GNU as for AArch64 and RISC-V).
    fn all_section_symbols(&self) -> bool {
        false
    }
    /// DWARF code alignment factor of the CIE.
    fn cfi_code_align(&self) -> u64 {
        1
    }
    /// A target directive (x86's `.code16`/`.code32`; AArch64's `.inst`, `.xword`; RISC-V's
    /// `.option`, `.attribute`, `.half`); None when the generic one applies. Asked before the generic directives.
    fn directive(&self, _asm: &mut Assembler, _name: &str, _args: &[Tok]) -> Option<Result<(), String>> {
        None
    }

    // Instruction fields whose relocation the target picks. Two kinds: `FixKind::Insn`
    // (AArch64) resolves local branches itself and may name section symbols;
    // `FixKind::Mach` (RISC-V) lets the target patch the field and name every relocation.

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

    // Hooks for targets whose linker relaxes code (RISC-V); the defaults are x86-64's.

    /// Code alignment without fill: true when the target emitted it itself (RISC-V writes the
    /// worst-case NOPs and an `R_RISCV_ALIGN` for the linker).
    fn align_code(&self, _asm: &mut Assembler, _pow: u32) -> bool {
        false
    }
    /// Data is about to be emitted in the current section (RISC-V's `$d` mapping symbol).
    fn before_data(&self, _asm: &mut Assembler) {}
    /// After the last statement, before layout (RISC-V's `.riscv.attributes`).
    fn finish(&self, _asm: &mut Assembler) -> Result<(), String> {
        Ok(())
    }
    /// Size of a target-relaxed branch ([`section::Tail::Mach`]) for `data` when its target
    /// lies `dist` bytes from the end of the fixed bytes (None: another section or undefined).
    fn mach_size(&self, _data: u64, _dist: Option<i64>) -> u64 {
        0
    }
    /// Bytes of a target-relaxed branch of `size` bytes, with fixups against its target
    /// (offset in the bytes, [`FixKind::Mach`] kind, field size).
    fn mach_bytes(&self, _data: u64, _size: u64) -> (Vec<u8>, Vec<(usize, u16, u8)>) {
        (Vec::new(), Vec::new())
    }
    /// A [`FixKind::Mach`] fixup: patch `field` and return the relocations to write as
    /// (type, names the symbol, addend). `sym` tells whether a symbol is involved, `value`
    /// is the symbol's value in its section (0 when undefined) plus `addend`, `pc` the
    /// field's address.
    fn mach_fixup(&self, _kind: u16, _field: &mut [u8], _sym: bool, _addend: i64, _value: i64, _pc: i64) -> Result<Vec<(u32, bool, i64)>, String> {
        Err("no target fixups".into())
    }
    /// A [`FixKind::Mach`] kind that is a TLS access (an undefined symbol becomes STT_TLS).
    fn mach_tls(&self, _kind: u16) -> bool {
        false
    }
    /// The ADD/SUB relocation types for an unresolved symbol difference of `size` bytes.
    fn diff_relocs(&self, _size: u8) -> Option<(u32, u32)> {
        None
    }
    /// Relocations name local symbols instead of section symbols (RISC-V: the linker must
    /// see labels to relax between them).
    fn keep_local_symbols(&self) -> bool {
        false
    }
    /// Relocations sorted by offset (RISC-V GNU as's order).
    fn sort_relocs(&self) -> bool {
        false
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
    asm.merge_subsections();
    asm.alloc_local_commons().map_err(fail)?;
    asm.relax().map_err(fail)?;
    asm.build_eh_frame().map_err(fail)?;
    // (After `.eh_frame`, which GNU as also makes before the target's sections.)
    let arch_ = asm.arch;
    arch_.finish(&mut asm).map_err(fail)?;
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
        "i386" | "i686" => Some(&x86_64::I386_ARCH),
        "aarch64" | "arm64" => Some(&aarch64::AARCH64_ARCH),
        "riscv64" | "riscv" => Some(&riscv64::RISCV64_ARCH),
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
