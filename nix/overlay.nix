# nixpkgs overlay: `pkgs.ccc`, `pkgs.cccStdenv`, `pkgs.cccStdenvFor`.
# Only adds attributes; it never replaces `stdenv` (that would rebuild the
# world, including the Rust toolchain that builds ccc).
{ src, version }:
final: prev:
let
  stdenvs = import ./stdenv.nix { pkgs = final; ccc = final.ccc; };
in
{
  ccc = final.callPackage ./ccc.nix { inherit src version; };
  cccStdenv = stdenvs.cccStdenv;
  cccStdenvFor = stdenvs.stdenvFor;
}
