//! `ccc`: a GCC-compatible C compiler driver.

mod alloc;
mod args;
mod driver;
mod link;
mod output;
mod timing;
mod toolchain;

use std::panic;

#[global_allocator]
static ALLOC: alloc::CompilerAlloc = alloc::CompilerAlloc::new();

fn main() {
    alloc::tune_system_allocator();
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    // Internal errors must not look like a normal failure (or a crash):
    // report them as GCC reports an ICE, with exit code 4.
    panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic".to_string()
        };
        let loc = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("ccc: internal compiler error: {msg}{loc}");
        eprintln!("Please submit a full bug report, with the preprocessed source.");
    }));
    // Deeply nested source (parentheses, macro arguments, declarators) is
    // handled by recursion: run on a thread with a large stack (only the
    // pages actually used are committed).
    let worker = std::thread::Builder::new().name("ccc".into()).stack_size(1 << 30).spawn(move || {
        match panic::catch_unwind(|| driver::run(argv)) {
            Ok(code) => code,
            Err(_) => {
                output::cleanup_all();
                4
            }
        }
    });
    let code = match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => 4,
        Err(e) => {
            eprintln!("ccc: fatal error: cannot start the compiler thread: {e}");
            4
        }
    };
    std::process::exit(code);
}
