//! `ccc-ld` (also `ld`, `ld.ccc`): GNU-ld-compatible command line in, exit status out.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(ccc_ld::main_with_args(&args));
}
