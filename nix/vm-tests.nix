# flake checks: NixOS VM test (x86-64), plain-QEMU boots (all three
# architectures), and reproducibility of a ccc-built kernel and bundle.
{ pkgs, ccc, cccStdenvs, kernels, inits, boot }:

let
  lib = pkgs.lib;
  targets = import ./lib/targets.nix;

  nixosTest = pkgs.testers.runNixOSTest {
    name = "ccc-kernel-nixos-x86_64";
    nodes.machine = { ... }: {
      boot.kernelPackages = pkgs.linuxPackagesFor kernels.x86_64-nixos;
      # Everything the VM needs is built in (kernels/common-nixos.config).
      boot.initrd.includeDefaultModules = false;
      boot.initrd.availableKernelModules = lib.mkForce [ ];
      boot.initrd.kernelModules = lib.mkForce [ ];
    };
    testScript = ''
      machine.wait_for_unit("multi-user.target")
      assert "Linux" in machine.succeed("uname -s")
      assert "${kernels.x86_64-nixos.modDirVersion}" in machine.succeed("uname -r")
    '';
  };

  # Same source, config and compiler, two build directories with different
  # paths and times: the images must be bit-identical.
  kernelTwice = arch:
    let
      t = targets.${arch};
      stdenv = cccStdenvs.stdenvFor arch;
      cfg = kernels.configfile arch "tiny";
      make = dir: "make -C $NIX_BUILD_TOP/${dir}/linux-${kernels.version} ARCH=${t.linuxArch} CC=$CC HOSTCC=$CC_FOR_BUILD"
        + lib.optionalString (t.crossAttr != null) " CROSS_COMPILE=${stdenv.cc.targetPrefix}"
        + " KBUILD_BUILD_TIMESTAMP=@0 KBUILD_BUILD_USER=ccc KBUILD_BUILD_HOST=ccc -j$NIX_BUILD_CORES";
      buildIn = dir: ''
        mkdir -p ${dir} && tar xf $src -C ${dir}
        patchShebangs ${dir}/linux-${kernels.version}/scripts
        cp ${cfg} ${dir}/linux-${kernels.version}/.config
        ${make dir} olddefconfig
        ${make dir} ${t.kernelTarget}
      '';
    in
    stdenv.mkDerivation {
      name = "ccc-kernel-reproducible-${arch}";
      src = kernels.src;
      dontUnpack = true;
      depsBuildBuild = [ pkgs.buildPackages.stdenv.cc ];
      nativeBuildInputs = with pkgs.buildPackages; [ flex bison perl bc elfutils openssl ];
      hardeningDisable = [ "all" ];
      buildPhase = ''
        ${buildIn "a"}
        sleep 2
        ${buildIn "b/deeper/path"}
        cmp a/linux-${kernels.version}/${t.kernelImagePath} b/deeper/path/linux-${kernels.version}/${t.kernelImagePath}
      '';
      installPhase = "sha256sum a/linux-${kernels.version}/${t.kernelImagePath} > $out";
    };

  # ccc-dist packs the installed toolchain twice, from different working
  # directories, and verifies the result.
  distTwice = pkgs.runCommand "ccc-dist-reproducible" { } ''
    mkdir -p one two/deeper
    (cd one && ${ccc}/bin/ccc-dist pack -o bundle.tar.zst)
    (cd two/deeper && SOURCE_DATE_EPOCH=0 ${ccc}/bin/ccc-dist pack -o bundle.tar.zst)
    cmp one/bundle.tar.zst two/deeper/bundle.tar.zst
    ${ccc}/bin/ccc-dist verify one/bundle.tar.zst
    sha256sum one/bundle.tar.zst > $out
  '';
in
{
  nixos-x86_64 = nixosTest;
  kernel-reproducible = kernelTwice "riscv64";
  dist-reproducible = distTwice;
}
// lib.genAttrs (map (a: "boot-${a}") (builtins.attrNames targets))
  (name: boot.check (lib.removePrefix "boot-" name))
