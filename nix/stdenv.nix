# stdenvs whose C compiler is ccc: the nixpkgs cc-wrapper around the
# unwrapped ccc, GNU binutils kept as the bintools (ccc calls the wrapped
# `ld` found through -B<wrapper>/bin/, so ld-wrapper's rpath/relro work).
{ pkgs, ccc }:

let
  targets = import ./lib/targets.nix;

  # Native: the wrapper lives in the host package set.
  nativeCc = pkgs.wrapCCWith {
    cc = ccc;
    isGNU = true;
  };

  # Cross: build the wrapper from the *build* package set so that host =
  # build and target = the cross target; bintools and libc must come from
  # the same cross stdenv (cc-wrapper asserts they match).
  crossCc = crossPkgs: crossPkgs.buildPackages.wrapCCWith {
    cc = ccc;
    isGNU = true;
    bintools = crossPkgs.stdenv.cc.bintools;
    libc = crossPkgs.stdenv.cc.libc;
  };

  pkgsFor = arch:
    let t = targets.${arch}; in
    if t.crossAttr == null then pkgs else pkgs.pkgsCross.${t.crossAttr};

  ccFor = arch:
    if targets.${arch}.crossAttr == null then nativeCc else crossCc (pkgsFor arch);
in
rec {
  inherit pkgsFor ccFor;

  # The host stdenv with ccc: `pkgs.redis.override { stdenv = cccStdenv; }`.
  cccStdenv = pkgs.overrideCC pkgs.stdenv nativeCc;

  # Per-architecture stdenvs for kernels and init programs.
  stdenvFor = arch:
    if targets.${arch}.crossAttr == null then cccStdenv
    else (pkgsFor arch).overrideCC (pkgsFor arch).stdenv (ccFor arch);
}
