# Plain-QEMU boots of a kernel to the ccc-built /init: a check derivation
# (fails unless the marker line appears) and an interactive app script.
{ pkgs, kernels, inits }:

let
  targets = import ./lib/targets.nix;
  flags = import ./lib/init-flags.nix;
  opensbi = "${pkgs.pkgsCross.riscv64.opensbi}/share/opensbi/lp64/generic/firmware/fw_dynamic.bin";

  qemuCommand = arch:
    let t = targets.${arch}; in
    builtins.concatStringsSep " " ([ "${pkgs.qemu}/bin/${t.qemu}" ] ++ t.qemuArgs ++ [
      "-m" "256" "-nographic" "-no-reboot"
      "-kernel" "${kernels.${arch}}/${t.kernelTarget}"
      "-initrd" "${inits.initrd arch}/initrd"
      "-append" "'console=${t.console} panic=-1'"
    ] ++ (if t.bios == "opensbi" then [ "-bios" opensbi ] else [ ]));
in
{
  check = arch: pkgs.runCommand "ccc-boot-${arch}" { } ''
    timeout 900 ${qemuCommand arch} < /dev/null | tee log
    grep -q '${flags.marker} arch=${arch} ' log
    touch $out
  '';

  app = arch: {
    type = "app";
    program = "${pkgs.writeShellScript "ccc-boot-${arch}" ''exec ${qemuCommand arch} "$@"''}";
  };
}
