# kernels/init.c compiled by ccc for one architecture, and the initramfs
# holding it as /init (plus /dev/console, which the kernel opens before
# running init).
{ pkgs, cccStdenvs, kernelsDir ? ../kernels }:

let
  targets = import ./lib/targets.nix;
  flags = import ./lib/init-flags.nix;
in
rec {
  init = arch: (cccStdenvs.stdenvFor arch).mkDerivation {
    name = "ccc-init-${arch}";
    src = kernelsDir + "/init.c";
    dontUnpack = true;
    # Freestanding: no libc flags, no hardening (they need runtime support).
    hardeningDisable = [ "all" ];
    buildPhase = ''
      $CC ${builtins.concatStringsSep " " flags.cflags} -o init $src
    '';
    installPhase = "install -D -m 0755 init $out/init";
  };

  initrd = arch: pkgs.makeInitrd {
    name = "ccc-initrd-${arch}";
    compressor = "cat"; # the tiny kernels have no decompressors
    contents = [ { object = "${init arch}/init"; symlink = "/init"; } ];
  };
}
