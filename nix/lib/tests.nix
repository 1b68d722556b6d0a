# Pure checks of nix/lib: `nix-instantiate --eval --strict --json nix/lib/tests.nix`
# prints the list of failures ([] when all pass). Run by `cargo xtask test nix`.
let
  targets = import ./targets.nix;
  kconfig = import ./kconfig.nix;
  names = import ./cc-names.nix;
  outputs = import ./outputs.nix;
  hardening = import ./hardening.nix;
  kernelsDir = ../../kernels;

  check = name: cond: if cond then null else name;
  elem = builtins.elem;
  all = pred: list: builtins.all pred list;

  sample = kconfig.parse ''
    # comment
    CONFIG_A=y
    # CONFIG_B is not set
    CONFIG_C="text"

    CONFIG_D=0x10
  '';
  merged = kconfig.merge [ { CONFIG_A = "y"; CONFIG_B = "y"; } { CONFIG_B = "n"; } ];
  tinyRv = kconfig.requested kernelsDir "riscv64" "tiny";
  nixosX86 = kconfig.requested kernelsDir "x86_64" "nixos";
in
builtins.filter (x: x != null) [
  (check "three targets" (builtins.attrNames targets == [ "aarch64" "riscv64" "x86_64" ]))
  (check "target configs" (map (a: targets.${a}.config) [ "aarch64" "riscv64" "x86_64" ]
    == [ "aarch64-unknown-linux-gnu" "riscv64-unknown-linux-gnu" "x86_64-unknown-linux-gnu" ]))
  (check "linuxArch" (map (a: targets.${a}.linuxArch) [ "aarch64" "riscv64" "x86_64" ] == [ "arm64" "riscv" "x86_64" ]))
  (check "consoles" (targets.aarch64.console == "ttyAMA0" && targets.riscv64.console == "ttyS0"))
  (check "only riscv needs firmware" (map (a: targets.${a}.bios) [ "aarch64" "riscv64" "x86_64" ] == [ null "opensbi" null ]))
  (check "kconfig parse" (sample == { CONFIG_A = "y"; CONFIG_B = "n"; CONFIG_C = "\"text\""; CONFIG_D = "0x10"; }))
  (check "kconfig merge later wins" (merged == { CONFIG_A = "y"; CONFIG_B = "n"; }))
  (check "kconfig render" (kconfig.render merged == "CONFIG_A=y\n# CONFIG_B is not set\n"))
  (check "kconfig render/parse round trip" (kconfig.parse (kconfig.render sample) == sample))
  (check "tiny riscv fragments" (map baseNameOf (kconfig.fragments kernelsDir "riscv64" "tiny") == [ "common-tiny.config" "tiny.config" ]))
  (check "tiny riscv requests serial+initrd+elf" (all (k: tinyRv.${k} or null == "y")
    [ "CONFIG_SERIAL_8250_CONSOLE" "CONFIG_SERIAL_OF_PLATFORM" "CONFIG_BLK_DEV_INITRD" "CONFIG_BINFMT_ELF" "CONFIG_PRINTK" "CONFIG_64BIT" ]))
  (check "tiny kernels are not modular" (!(tinyRv ? CONFIG_MODULES)))
  (check "nixos x86 kernel: modules, 9p, virtio" (all (k: nixosX86.${k} or null == "y")
    [ "CONFIG_MODULES" "CONFIG_BINFMT_ELF" "CONFIG_9P_FS" "CONFIG_NET_9P_VIRTIO" "CONFIG_VIRTIO_PCI" "CONFIG_VIRTIO_BLK" "CONFIG_DEVTMPFS" "CONFIG_CGROUPS" "CONFIG_TMPFS" ]))
  (check "base targets" (kconfig.baseTarget "tiny" == "tinyconfig" && kconfig.baseTarget "nixos" == "defconfig"))
  (check "cc names native" (names.native == [ "gcc" "cc" "cpp" ]))
  (check "cc names cross" (elem "riscv64-unknown-linux-gnu-gcc" names.all && elem "aarch64-unknown-linux-gnu-gcc" names.all
    && elem "riscv64-unknown-linux-gnu-cpp" names.all))
  (check "cc names unique" (builtins.length names.all == builtins.length (builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = 1; }) names.all)))))
  (check "hardening: unsupported are known" (all (f: elem f hardening.knownFlags) hardening.unsupported))
  (check "hardening: pic and format kept" (!(elem "pic" hardening.unsupported) && !(elem "format" hardening.unsupported)))
  (check "outputs: kernels" (all (p: elem p outputs.packages) [ "kernel-x86_64" "kernel-aarch64" "kernel-riscv" "qemu" "ffmpeg" "postgresql" "redis" ]))
  (check "outputs: apps" (outputs.apps == [ "boot-aarch64" "boot-riscv" "boot-x86_64" ]))
  (check "outputs: boot checks" (all (c: elem c outputs.checks) [ "boot-x86_64" "boot-aarch64" "boot-riscv64" "nixos-x86_64" "kernel-reproducible" ]))
]
