//! cargo xtask: minimal dispatcher for the kernel/boot/nix pieces. The full
//! harness (deps, test suites, summary lines) replaces this file; see
//! `kernel::cli`, `kernel::suite` and `nix::suite` for the entry points.

mod kernel;
mod nix;

fn usage() -> i32 {
    eprintln!(
        "usage: cargo xtask kernel --arch A --src DIR [--config tiny|defconfig] [--cc ccc|gcc|PATH] [--out DIR] [-j N]\n\
         \x20      cargo xtask boot --arch A --kernel IMAGE [--initrd FILE] [--cc ccc|gcc|PATH] [--timeout S]\n\
         \x20      cargo xtask test [--cc ccc|gcc|PATH] SUITE...   (suites: nix, {})",
        kernel::suite::suite_names().join(", ")
    );
    2
}

/// Runs the named suites, printing one line each; returns the exit status.
fn test(args: &[String]) -> i32 {
    let mut cc_name = "gcc".to_string();
    let mut suites = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cc" {
            match it.next() {
                Some(v) => cc_name = v.clone(),
                None => return usage(),
            }
        } else {
            suites.push(a.clone());
        }
    }
    if suites.is_empty() {
        return usage();
    }
    let mut failed = 0;
    for name in &suites {
        let result = if name == "nix" {
            nix::suite::run(&cc_name)
        } else if let Some(arch) = kernel::suite::arch_of_suite(name) {
            kernel::compiler::Compiler::parse(&cc_name).and_then(|cc| kernel::suite::run(arch, &cc))
        } else {
            Err(format!("unknown suite `{name}`"))
        };
        match result {
            Ok(summary) => println!("{name}: ok: {summary}"),
            Err(reason) => {
                failed += 1;
                println!("{name}: FAILED: {reason}");
            }
        }
    }
    i32::from(failed > 0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("kernel") => kernel::cli::kernel_main(&args[1..]),
        Some("boot") => kernel::cli::boot_main(&args[1..]),
        Some("test") => test(&args[1..]),
        _ => usage(),
    };
    std::process::exit(code);
}
