# `nix develop`: $CC is the wrapped ccc; Rust and the test tools at hand.
{ pkgs, cccStdenv }:
(pkgs.mkShell.override { stdenv = cccStdenv; }) {
  packages = with pkgs; [
    cargo rustc clippy rustfmt
    qemu gnumake flex bison bc perl
    pkgsCross.aarch64-multiplatform.buildPackages.gcc
    pkgsCross.riscv64.buildPackages.gcc
  ];
}
