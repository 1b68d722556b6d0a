# The three target architectures: one table that the kernels, stdenvs, VM
# tests and boot apps all read. Pure: evaluates without nixpkgs.
{
  x86_64 = {
    name = "x86_64";
    system = "x86_64-linux";
    config = "x86_64-unknown-linux-gnu"; # nixpkgs targetPlatform.config
    crossAttr = null; # native on the x86_64-linux build host
    linuxArch = "x86_64";
    kernelTarget = "bzImage";
    kernelImagePath = "arch/x86/boot/bzImage";
    unameMachine = "x86_64";
    qemu = "qemu-system-x86_64";
    qemuArgs = [ "-machine" "pc" ];
    console = "ttyS0";
    bios = null;
    bootApp = "boot-x86_64";
    kernelPackage = "kernel-x86_64";
  };
  aarch64 = {
    name = "aarch64";
    system = "aarch64-linux";
    config = "aarch64-unknown-linux-gnu";
    crossAttr = "aarch64-multiplatform";
    linuxArch = "arm64";
    kernelTarget = "Image";
    kernelImagePath = "arch/arm64/boot/Image";
    unameMachine = "aarch64";
    qemu = "qemu-system-aarch64";
    qemuArgs = [ "-machine" "virt" "-cpu" "cortex-a57" ];
    console = "ttyAMA0";
    bios = null;
    bootApp = "boot-aarch64";
    kernelPackage = "kernel-aarch64";
  };
  riscv64 = {
    name = "riscv64";
    system = "riscv64-linux";
    config = "riscv64-unknown-linux-gnu";
    crossAttr = "riscv64";
    linuxArch = "riscv";
    kernelTarget = "Image";
    kernelImagePath = "arch/riscv/boot/Image";
    unameMachine = "riscv64";
    qemu = "qemu-system-riscv64";
    qemuArgs = [ "-machine" "virt" ];
    console = "ttyS0";
    bios = "opensbi"; # fw_dynamic.bin from pkgsCross.riscv64.opensbi
    bootApp = "boot-riscv";
    kernelPackage = "kernel-riscv";
  };
}
