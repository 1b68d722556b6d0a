//! Code generators: IR modules in, GNU assembly (and later object code) out.

pub mod codegen;
pub mod x86_64;

#[cfg(test)]
pub mod testutil;

use ccc_ir::{Arch, CodegenOptions, Module, TargetInfo};

/// Generate GNU assembler source for `module`.
pub fn emit_assembly(module: &Module, target: &TargetInfo, opts: &CodegenOptions) -> Result<String, String> {
    match target.arch {
        Arch::X86_64 => x86_64::emit::emit_module(module, opts),
        a => Err(format!("code generation for {a:?} is not implemented yet")),
    }
}
