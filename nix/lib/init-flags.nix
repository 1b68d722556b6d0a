# How kernels/init.c is compiled, everywhere (Nix and cargo xtask). Pure.
{
  cflags = [
    "-nostdlib" "-static" "-ffreestanding" "-fno-pie" "-no-pie"
    "-fno-stack-protector" "-O2"
  ];
  marker = "CCC-BOOT-OK";
  failMarker = "CCC-BOOT-FAIL";
}
