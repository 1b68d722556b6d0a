# Linux 6.9 from kernel.org built by ccc: configs generated from
# tinyconfig/defconfig plus our kernels/ fragments, then linuxManualConfig
# with the ccc stdenv of each architecture.
{ pkgs, cccStdenvs, kernelsDir ? ../kernels }:

let
  lib = pkgs.lib;
  targets = import ./lib/targets.nix;
  kconfig = import ./lib/kconfig.nix;

  version = "6.9";
  modDirVersion = "6.9.0";
  src = pkgs.fetchurl {
    url = "mirror://kernel/linux/kernel/v6.x/linux-${version}.tar.xz";
    # hex 24fa01fb989c7a3e28453f117799168713766e119c5381dac30115f18f268149
    hash = "sha256-JPoB+5icej4oRT8Rd5kWhxN2bhGcU4HawwEV8Y8mgUk=";
  };

  # The full .config: base target, our fragments merged, olddefconfig, and
  # a check that every requested value survived (merge_config only warns).
  configfile = arch: flavour:
    let
      t = targets.${arch};
      stdenv = cccStdenvs.stdenvFor arch;
      frags = kconfig.fragments kernelsDir arch flavour;
      wanted = kconfig.requested kernelsDir arch flavour;
      make = "make -C linux-${version} O=$PWD/build ARCH=${t.linuxArch} CC=$CC HOSTCC=$CC_FOR_BUILD"
        + lib.optionalString (t.crossAttr != null) " CROSS_COMPILE=${stdenv.cc.targetPrefix}";
    in
    stdenv.mkDerivation {
      name = "linux-${version}-${arch}-${flavour}.config";
      inherit src;
      dontUnpack = true;
      depsBuildBuild = [ pkgs.buildPackages.stdenv.cc ];
      nativeBuildInputs = with pkgs.buildPackages; [ flex bison perl bc ];
      buildPhase = ''
        tar xf $src
        patchShebangs linux-${version}/scripts
        mkdir build
        ${make} ${kconfig.baseTarget flavour}
        linux-${version}/scripts/kconfig/merge_config.sh -m -O build build/.config ${lib.concatStringsSep " " frags}
        ${make} olddefconfig
        missing=0
        ${lib.concatMapStrings (name: let v = wanted.${name}; in
          if v == "n" then ''
            if grep -q '^${name}=' build/.config; then echo "${name} should be unset"; missing=1; fi
          '' else ''
            grep -qx '${name}=${v}' build/.config || { echo "${name}=${v} not in .config"; missing=1; }
          '') (builtins.attrNames wanted)}
        [ $missing = 0 ]
      '';
      installPhase = "cp build/.config $out";
    };

  kernel = arch: flavour:
    let t = targets.${arch}; in
    (cccStdenvs.pkgsFor arch).linuxManualConfig {
      inherit version modDirVersion src;
      stdenv = cccStdenvs.stdenvFor arch;
      configfile = configfile arch flavour;
      # What the fragments request, so manual-config knows MODULES etc.
      # without reading the generated file (no import-from-derivation).
      config = kconfig.requested kernelsDir arch flavour;
    };
in
{
  inherit src version configfile kernel;
  x86_64 = kernel "x86_64" "tiny";
  aarch64 = kernel "aarch64" "tiny";
  riscv64 = kernel "riscv64" "tiny";
  x86_64-nixos = kernel "x86_64" "nixos";
}
