//! `ccc-as [--target=aarch64|riscv64] [-o out.o] [--64|--32] file.s`: the integrated assembler on its own, for debugging.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut out = String::from("a.out");
    let mut input = None;
    let mut options = Vec::new();
    let mut target = String::from("x86_64");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-o" => out = args.next().unwrap_or_default(),
            "-I" => options.extend([a, args.next().unwrap_or_default()]),
            _ if a.starts_with("--target=") => target = a["--target=".len()..].split('-').next().unwrap_or_default().to_string(),
            _ if a.starts_with('-') && a != "-" => options.push(a),
            _ => input = Some(a),
        }
    }
    let opts = match ccc_asm::Options::parse(&options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ccc-as: {e}");
            return ExitCode::from(1);
        }
    };
    let Some(input) = input else {
        eprintln!("ccc-as: no input file");
        return ExitCode::from(1);
    };
    let src = if input == "-" {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
        s
    } else {
        match std::fs::read(&input) {
            Ok(b) => String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(e) => {
                eprintln!("ccc-as: can't open {input}: {e}");
                return ExitCode::from(1);
            }
        }
    };
    // `--32` picks i386 when no other target is named.
    let target = if opts.x86_32 && target == "x86_64" { "i386".to_string() } else { target };
    let Some(arch) = ccc_asm::arch_by_name(&target) else {
        eprintln!("ccc-as: unknown target `{target}'");
        return ExitCode::from(1);
    };
    match ccc_asm::assemble_with(arch, &src, &input, &opts) {
        Ok(obj) => match ccc_asm::write_atomic(std::path::Path::new(&out), &obj) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ccc-as: can't write {out}: {e}");
                ExitCode::from(1)
            }
        },
        Err(errs) => {
            eprintln!("{input}: Assembler messages:");
            for e in errs {
                eprintln!("{e}");
            }
            ExitCode::from(1)
        }
    }
}
