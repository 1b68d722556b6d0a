{
  description = "ccc: a hermetic C toolchain (compiler, assembler, linker) in Rust, shipped Nix-first";

  # Pinned in flake.lock; see nix/README.md for where the revision came from.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      lib = nixpkgs.lib;
      version = (builtins.fromTOML (builtins.readFile ./Cargo.toml)).workspace.package.version;
      src = lib.cleanSource ./.;
      targets = import ./nix/lib/targets.nix;
      names = import ./nix/lib/outputs.nix;
      forSystems = lib.genAttrs names.systems;

      perSystem = system:
        let
          pkgs = import nixpkgs { inherit system; overlays = [ self.overlays.default ]; };
          cccStdenvs = import ./nix/stdenv.nix { inherit pkgs; inherit (pkgs) ccc; };
          kernels = import ./nix/kernels.nix { inherit pkgs cccStdenvs; };
          inits = import ./nix/init.nix { inherit pkgs cccStdenvs; };
          boot = import ./nix/boot.nix { inherit pkgs kernels inits; };
          big = import ./nix/packages.nix { inherit pkgs; inherit (cccStdenvs) cccStdenv; };
          checks = import ./nix/vm-tests.nix { inherit pkgs cccStdenvs kernels inits boot; inherit (pkgs) ccc; };
          archs = builtins.attrNames targets;
        in
        {
          packages = {
            default = pkgs.ccc;
            ccc = pkgs.ccc;
            ccc-dist-bundle = pkgs.runCommand "ccc-${version}-bundle" { } ''
              mkdir -p $out
              cd $out && ${pkgs.ccc}/bin/ccc-dist pack
            '';
            kernel-x86_64-nixos = kernels.x86_64-nixos;
            inherit (big) qemu ffmpeg postgresql redis;
          }
          // lib.listToAttrs (map (a: lib.nameValuePair targets.${a}.kernelPackage kernels.${a}) archs)
          // lib.listToAttrs (map (a: lib.nameValuePair "init-${a}" (inits.init a)) archs);
          apps = lib.listToAttrs (map (a: lib.nameValuePair targets.${a}.bootApp (boot.app a)) archs);
          inherit checks;
          devShells.default = import ./nix/devshell.nix { inherit pkgs; inherit (cccStdenvs) cccStdenv; };
        };
      all = forSystems perSystem;
    in
    {
      overlays.default = import ./nix/overlay.nix { inherit src version; };
      packages = lib.mapAttrs (_: s: s.packages) all;
      apps = lib.mapAttrs (_: s: s.apps) all;
      checks = lib.mapAttrs (_: s: s.checks) all;
      devShells = lib.mapAttrs (_: s: s.devShells) all;
      lib = { inherit targets; kconfig = import ./nix/lib/kconfig.nix; };
    };
}
