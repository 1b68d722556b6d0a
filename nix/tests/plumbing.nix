# Evaluates the whole flake against nix/tests/mock-nixpkgs and returns a
# summary of every output (names and the shell snippets with all their
# interpolations forced). `nix-instantiate --eval --strict --json` on this
# file fails on any undefined name or broken plumbing in flake.nix/nix/*.nix.
let
  mock = { outPath = ./mock-nixpkgs; lib = import ./mock-nixpkgs/lib.nix; };
  flake = import ../../flake.nix;
  self = flake.outputs { inherit self; nixpkgs = mock; } // { outPath = ../..; };
  sys = "x86_64-linux";
  # Strings that hold the build logic; forcing them forces every
  # interpolated derivation and helper.
  keys = [ "buildPhase" "installPhase" "postInstall" "script" "text" "testScript" "stdenvCc" "url" "hash" "program" "name" ];
  summary = d: builtins.listToAttrs (map (k: { name = k; value = d.${k}; }) (builtins.filter (k: d ? ${k}) keys));
  pick = set: builtins.mapAttrs (_: summary) set;
  outputs = import ../lib/outputs.nix;
  sorted = builtins.sort builtins.lessThan;
in
{
  packages = pick self.packages.${sys};
  apps = pick self.apps.${sys};
  checks = pick self.checks.${sys};
  devShell = self.devShells.${sys}.default.name;
  kernelConfigs = map (a: (self.packages.${sys}."kernel-${a}".configfile).buildPhase) [ "x86_64" "aarch64" "riscv" ];
  cccPostInstall = self.packages.${sys}.ccc.postInstall;
  cccPassthru = self.packages.${sys}.ccc.passthru;
  nixosKernelModules = self.packages.${sys}.kernel-x86_64-nixos.configfile.name;
  # The flake's output names are the ones nix/lib/outputs.nix promises.
  namesAgree =
    sorted (builtins.attrNames self.packages.${sys}) == sorted (outputs.packages ++ [ "default" ])
    && sorted (builtins.attrNames self.apps.${sys}) == sorted outputs.apps
    && sorted (builtins.attrNames self.checks.${sys}) == sorted outputs.checks
    && builtins.attrNames self.packages == outputs.systems;
}
