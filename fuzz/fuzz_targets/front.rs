//! Fuzz the preprocessor, parser and lowering: any input must give a
//! module or diagnostics, never a panic.
//!
//!     cargo fuzz run front -- -max_total_time=600
#![no_main]

use std::rc::Rc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = ccc_front::decode_raw_bytes(data);
    let diag = ccc_front::diag::DiagEngine { warnings_enabled: false, ..Default::default() };
    let target = ccc_ir::TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let opts = ccc_front::preprocess::PpOptions::default();
    let pp = ccc_front::preprocess::Preprocessor::new(&diag, &opts, &target);
    if let Some(out) = pp.run_text("fuzz.c", Rc::from(text)) {
        let fo = ccc_front::FrontOptions::default();
        if let Some(m) = ccc_front::compile_translation_unit(out.tokens, &diag, &target, &fo) {
            for f in &m.functions {
                assert!(ccc_ir::verify::verify_function(f).is_ok(), "invalid IR for a function the front end accepted");
            }
        }
    }
});
