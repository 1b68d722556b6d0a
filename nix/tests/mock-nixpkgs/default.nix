# A stand-in for nixpkgs with just the functions the flake calls, each
# returning a plain attrset that records its arguments. It lets
# plumbing.nix evaluate the whole flake without a Nix store or network, so
# typos, undefined names and wrong argument plumbing show up. It says
# nothing about whether nixpkgs itself accepts the arguments.
{ system ? "x86_64-linux", overlays ? [ ], crossName ? null }:
let
  lib = import ./lib.nix;

  drv = name: args: args // {
    inherit name;
    type = "derivation";
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    overrideAttrs = f: drv name (args // f args);
  };

  mkPkgs = crossName:
    let
      self = rec {
        inherit lib system;
        targetPrefix = if crossName == null then "" else "${crossName}-unknown-linux-gnu-";

        stdenvFrom = cc: {
          inherit cc;
          mkDerivation = args: drv (args.name or "${args.pname}-${args.version}") (args // { stdenvCc = cc.name; });
          override = f: stdenvFrom cc;
        };
        baseCc = drv "gcc-wrapper" { inherit targetPrefix; bintools = drv "binutils-wrapper" { }; libc = drv "glibc" { }; };
        stdenv = stdenvFrom baseCc;

        wrapCCWith = { cc, isGNU ? false, bintools ? baseCc.bintools, libc ? baseCc.libc, ... }@args:
          assert builtins.isBool isGNU;
          drv "${cc.name or "cc"}-wrapper" (args // { inherit targetPrefix; });
        overrideCC = stdenv: cc: assert cc.type == "derivation"; stdenvFrom cc;

        fetchurl = { url, hash }: assert lib.hasPrefix "sha256-" hash; drv (baseNameOf url) { inherit url hash; };
        runCommand = name: env: script: assert builtins.isString script; drv name (env // { inherit script; });
        writeShellScript = name: text: drv name { inherit text; };
        makeInitrd = { name ? "initrd", contents, compressor ? "gzip" }:
          assert builtins.all (c: c ? object && c ? symlink) contents; drv name { inherit contents compressor; };
        linuxManualConfig = { version, modDirVersion, src, configfile, config, stdenv }:
          assert config ? CONFIG_PRINTK;
          drv "linux-${version}" { inherit version modDirVersion configfile; stdenvCc = stdenv.cc.name; };
        linuxPackagesFor = kernel: { inherit kernel; };
        testers.runNixOSTest = { name, nodes, testScript }:
          assert builtins.isString testScript;
          drv name { machine = nodes.machine { }; inherit testScript; };
        rustPlatform.buildRustPackage = args:
          assert args ? cargoLock.lockFile && args ? meta.mainProgram;
          drv "${args.pname}-${args.version}" args;
        mkShell = { __functor = _: args: drv "shell" args; override = _: args: drv "shell" args; };
        callPackage = f: args: (if builtins.isFunction f then f else import f) ({ inherit lib rustPlatform; } // args);

        qemu = drv "qemu" { override = _: drv "qemu-ccc" { }; };
        ffmpeg = drv "ffmpeg" { override = _: drv "ffmpeg-ccc" { }; };
        postgresql = drv "postgresql" { override = _: drv "postgresql-ccc" { }; };
        redis = drv "redis" { override = _: drv "redis-ccc" { }; };
        opensbi = drv "opensbi" { };
        inherit (tools) flex bison perl bc elfutils openssl gnumake cargo rustc clippy rustfmt gcc;
        buildPackages = self // { stdenv = stdenv; };
        pkgsCross = {
          aarch64-multiplatform = mkPkgs "aarch64";
          riscv64 = mkPkgs "riscv64";
        };
      };
      tools = lib.genAttrs [ "flex" "bison" "perl" "bc" "elfutils" "openssl" "gnumake" "cargo" "rustc" "clippy" "rustfmt" "gcc" ] (n: drv n { });
    in
    self;

  base = mkPkgs crossName;
in
builtins.foldl' (pkgs: overlay: pkgs // overlay pkgs pkgs) base overlays
