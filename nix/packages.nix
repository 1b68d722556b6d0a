# The four big packages, each built by ccc: only the package itself uses the
# ccc stdenv; its dependencies stay the cached nixpkgs builds.
{ pkgs, cccStdenv }:
{
  qemu = pkgs.qemu.override { stdenv = cccStdenv; };
  ffmpeg = pkgs.ffmpeg.override { stdenv = cccStdenv; };
  postgresql = pkgs.postgresql.override { stdenv = cccStdenv; };
  redis = pkgs.redis.override { stdenv = cccStdenv; };
}
