//! Code generators: IR modules in, GNU assembly (and later object code) out.

use ccc_ir::{CodegenOptions, Module, TargetInfo};

/// Generate GNU assembler source for `module`.
pub fn emit_assembly(module: &Module, target: &TargetInfo, opts: &CodegenOptions) -> Result<String, String> {
    let _ = (module, opts);
    Err(format!("code generation for {:?} is not implemented yet", target.arch))
}
