// Records the target triple the tool is compiled for: the bundle name uses
// the host triple of the toolchain it packs (ccc-dist ships beside ccc).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=CCC_DIST_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
