# Names of the flake outputs, so the flake and the tests agree. Pure.
let
  targets = import ./targets.nix;
  archs = builtins.attrNames targets;
in
{
  packages = [ "ccc" "ccc-dist-bundle" ]
    ++ map (a: targets.${a}.kernelPackage) archs
    ++ [ "kernel-x86_64-nixos" "init-x86_64" "init-aarch64" "init-riscv64" ]
    ++ [ "qemu" "ffmpeg" "postgresql" "redis" ];
  apps = map (a: targets.${a}.bootApp) archs;
  checks = map (a: "boot-${a}") archs
    ++ [ "nixos-x86_64" "kernel-reproducible" "dist-reproducible" ];
  devShells = [ "default" ];
  systems = [ "x86_64-linux" ];
}
