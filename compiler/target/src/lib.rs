//! Code generators: IR modules in, GNU assembly (and later object code) out.
//!
//! Layout (each target has the same files):
//! - `codegen/`: target-independent machine layer — `mir` (machine
//!   functions over virtual registers, the `MachInst` trait), `liveness`
//!   (block live-in sets over cross-block registers, precise live ranges
//!   with holes, fixed physical-register ranges), `loops` (loop depth of
//!   blocks), `regalloc` (linear scan with per-register occupancy maps,
//!   move hints, eviction by loop-weighted spill cost, spilling by
//!   rewriting with copy-related spilled registers sharing slots),
//!   `frame` (slot placement below the frame pointer), `abi` (argument
//!   pieces the calling conventions produce), `lowering` (what instruction
//!   selection shares: value locations, the prepass, switch plans).
//! - `x86_64/`: also the i386 mode (`-m32`/`-m16`: 4-byte words, cdecl and
//!   regparm in `abi`; see `inst::word`). `abi` (SysV classification and argument/return locations),
//!   `isel` + `arith` + `calls` + `divconst` + `asm` (instruction selection),
//!   `inst` (machine instructions and their register operands), `print`
//!   (AT&T text), `emit` (prologue/epilogue; `codegen::module` writes the
//!   sections, data and constants around the functions).
//! - `riscv64/`: the same files for RV64GC / LP64D (`f128`: binary128 in
//!   integer register pairs through libgcc).
//! - `aarch64/`: the same files for AArch64 / AAPCS64 (binary128 in q
//!   registers at calls, integer pairs in between).

pub mod aarch64;
pub mod codegen;
pub mod riscv64;
pub mod x86_64;

#[cfg(test)]
pub mod testutil;

use ccc_ir::{Arch, CodegenOptions, Module, TargetInfo};

/// Generate GNU assembler source for `module`.
pub fn emit_assembly(module: &Module, target: &TargetInfo, opts: &CodegenOptions) -> Result<String, String> {
    target.enter();
    match target.arch {
        Arch::X86_64 | Arch::I386 => x86_64::emit::emit_module(module, opts),
        Arch::Riscv64 => riscv64::emit::emit_module(module, opts),
        Arch::Aarch64 => aarch64::emit::emit_module(module, opts),
    }
}
