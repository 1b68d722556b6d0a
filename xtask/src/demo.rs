//! `cargo xtask demo`: the README's main job. Builds ccc, compiles and runs
//! a C program with it, then builds a Linux kernel and boots it under QEMU
//! to an init compiled by ccc. Each step prints one line; the exit status
//! is non-zero if any step fails.

use std::path::Path;
use std::process::Command;

use crate::ctx::Ctx;

const HELLO: &str = r#"#include <stdio.h>
#include <stdlib.h>

struct point { double x, y; };

static double dot(struct point a, struct point b) { return a.x * b.x + a.y * b.y; }

int main(void) {
    struct point p = { 3, 4 };
    long sum = 0;
    for (int i = 1; i <= 100; i++) sum += i;
    printf("hello from ccc: |p|^2 = %.1f, 1+..+100 = %ld\n", dot(p, p), sum);
    return sum == 5050 ? EXIT_SUCCESS : EXIT_FAILURE;
}
"#;

pub fn run(ctx: &mut Ctx, arch: &str) -> bool {
    ctx.select_compiler();
    let ccc = ctx.cc.program.clone();
    if !ccc.exists() {
        println!("build ccc: failed (see target/xtask/build-ccc.log)");
        return false;
    }
    println!("build ccc: {}", ccc.display());
    let dir = ctx.out.join("demo");
    let _ = std::fs::create_dir_all(&dir);
    let ok_hello = hello(&ccc, &dir);
    // x86-64: the kernel is compiled, assembled and linked by ccc, but for
    // the real-mode setup code (ccc has no i386 code generator yet) and its
    // 32-bit links. The other
    // architectures' kernels are still compiled by GCC (docs/STATUS.md). The
    // init it boots to is compiled by ccc.
    let image = kernel_build(arch);
    let ok_boot = match image {
        Some(img) => boot(arch, &img),
        None => false,
    };
    ok_hello && ok_boot
}

fn hello(ccc: &Path, dir: &Path) -> bool {
    let src = dir.join("hello.c");
    let exe = dir.join("hello");
    if std::fs::write(&src, HELLO).is_err() {
        println!("compile hello.c: cannot write {}", src.display());
        return false;
    }
    let st = Command::new(ccc).arg("-O2").arg("-o").arg(&exe).arg(&src).status();
    if !matches!(st, Ok(s) if s.success()) {
        println!("compile hello.c with ccc: failed");
        return false;
    }
    match Command::new(&exe).output() {
        Ok(o) if o.status.success() => {
            print!("run hello (compiled by ccc): {}", String::from_utf8_lossy(&o.stdout));
            true
        }
        _ => {
            println!("run hello (compiled by ccc): failed");
            false
        }
    }
}

fn xtask_self() -> std::path::PathBuf {
    std::env::current_exe().unwrap_or_else(|_| "xtask".into())
}

fn kernel_build(arch: &str) -> Option<String> {
    let mut cmd = Command::new(xtask_self());
    cmd.args(["kernel", "--arch", arch, "--cc", "ccc", "--ld", "ccc"]);
    let by = if matches!(arch, "x86_64" | "x86-64" | "x86") {
        "compiled, assembled and linked by ccc; the 16/32-bit setup code assembled and linked by GNU as/ld"
    } else {
        "compiled and linked by ccc, assembled by GNU as"
    };
    let out = cmd.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("kernel: "))?;
    let image = line.trim_start_matches("kernel: ").split(" (").next()?.to_string();
    println!("build Linux ({arch}, tiny config, {by}): {image}");
    if !out.status.success() {
        println!("{}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(image)
}

fn boot(arch: &str, image: &str) -> bool {
    match Command::new(xtask_self()).args(["boot", "--arch", arch, "--kernel", image, "--cc", "ccc"]).output() {
        Ok(o) => {
            print!("boot to an init compiled by ccc: {}", String::from_utf8_lossy(&o.stdout));
            o.status.success()
        }
        Err(e) => {
            println!("boot: cannot run xtask: {e}");
            false
        }
    }
}
