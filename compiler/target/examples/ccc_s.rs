//! Development harness until the driver exists: preprocess, compile and
//! emit x86-64 assembly for one C file with ccc's front end and backend.
//! Usage: ccc_s FILE.c [-o OUT.s] [-O1] [-fPIC] [-DNAME[=V]] [-IDIR]

use std::rc::Rc;

use ccc_front::diag::DiagEngine;
use ccc_front::preprocess::{MacroOp, PpOptions, Preprocessor, SearchDir};
use ccc_front::FrontOptions;
use ccc_ir::{Arch, CodegenOptions, TargetInfo};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut input = None;
    let mut output = None;
    let mut pp = PpOptions::default();
    let mut cg = CodegenOptions::default();
    let mut dump_ir = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-o" {
            i += 1;
            output = args.get(i).cloned();
        } else if a == "-fPIC" || a == "-fpic" {
            cg.pic = true;
            pp.pic = 2;
        } else if a == "-dump-ir" {
            dump_ir = true;
        } else if let Some(o) = a.strip_prefix("-O") {
            cg.opt_level = o.parse().unwrap_or(2);
            pp.opt_level = cg.opt_level;
        } else if let Some(d) = a.strip_prefix("-D") {
            pp.defines.push(MacroOp::Define(d.to_string()));
        } else if let Some(d) = a.strip_prefix("-I") {
            pp.bracket_dirs.push(SearchDir { path: d.into(), system: false });
        } else if !a.starts_with('-') {
            input = Some(a.clone());
        }
        i += 1;
    }
    let Some(input) = input else {
        eprintln!("usage: ccc_s FILE.c [-o OUT.s]");
        std::process::exit(2);
    };
    let target = TargetInfo::for_arch(Arch::X86_64);
    for d in ["/usr/lib/gcc/x86_64-linux-gnu/12/include", "/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include"] {
        pp.bracket_dirs.push(SearchDir { path: d.into(), system: true });
    }
    let diag = DiagEngine::new();
    let text: Rc<str> = match std::fs::read_to_string(&input) {
        Ok(t) => t.into(),
        Err(e) => {
            eprintln!("{input}: {e}");
            std::process::exit(1);
        }
    };
    let Some(out) = Preprocessor::new(&diag, &pp, &target).run_text(&input, text) else {
        std::process::exit(1);
    };
    let fo = FrontOptions { source_name: input.clone(), opt_level: cg.opt_level, ..Default::default() };
    let Some(mut module) = ccc_front::compile_translation_unit(out.tokens, &diag, &target, &fo) else {
        std::process::exit(1);
    };
    if let Err(e) = ccc_opt::optimize_module(&mut module, &cg) {
        eprintln!("{input}: error: {e}");
        std::process::exit(1);
    }
    if dump_ir {
        eprintln!("{}", ccc_ir::print::print_module(&module));
    }
    match ccc_target::emit_assembly(&module, &target, &cg) {
        Ok(s) => match output {
            Some(o) => {
                if let Err(e) = std::fs::write(&o, s) {
                    eprintln!("{o}: {e}");
                    std::process::exit(1);
                }
            }
            None => print!("{s}"),
        },
        Err(e) => {
            eprintln!("{input}: error: BACKEND: {e}");
            std::process::exit(1);
        }
    }
}
