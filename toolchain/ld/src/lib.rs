//! ccc-ld: an ELF linker for the ccc toolchain, a drop-in for GNU ld on gcc's command lines.
//!
//! Pipeline: `args` → `resolve` (inputs, archives, shared libraries, symbols) → `sections`
//! (input sections into output sections) → `scan` (GOT/PLT/copy/dynamic relocation needs)
//! → `dynamic` (tables) → `layout` (addresses, segments) → `reloc` + `write` (bytes).
//! Target specifics live in `arch/<target>.rs` behind `arch::Target`.

pub mod align;
pub mod arch;
pub mod archive;
pub mod args;
pub mod dynamic;
pub mod ehframe;
pub mod elf;
pub mod emit_relocs;
pub mod error;
pub use ccc_fxhash as fxhash;
pub mod gc;
pub mod image;
pub mod layout;
pub mod link;
pub mod object;
pub mod reloc;
pub mod relocatable;
pub mod resolve;
pub mod scan;
pub mod script;
pub mod scripted;
pub mod sections;
pub mod shared;
pub mod symbols;
pub mod version_script;
pub mod write;

/// Run as the `ld` command; returns the exit status.
pub fn main_with_args(args: &[String]) -> i32 {
    let opts = match args::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ld: {e}");
            return 1;
        }
    };
    if opts.help {
        print!("{}", args::HELP);
        return 0;
    }
    if opts.version {
        // The version is the last word, as in GNU's "GNU ld (GNU Binutils) 2.40" (kbuild parses it).
        println!("GNU ld (ccc-ld) 2.40");
        if opts.inputs.is_empty() {
            return 0;
        }
    }
    // A panic is a bug; still report it as a diagnostic with a failing exit status.
    let out = opts.output.clone();
    match std::panic::catch_unwind(move || link::link(opts)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("ld: {e}");
            1
        }
        Err(_) => {
            eprintln!("ld: internal error while linking {out} (please report)");
            1
        }
    }
}
