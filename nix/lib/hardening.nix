# nixpkgs hardening flags ccc does not implement (yet), declared on the
# unwrapped package as passthru.hardeningUnsupportedFlags so cc-wrapper
# drops them instead of passing flags ccc would ignore. Remove an entry only
# when the matching check (nixpkgs pkgs/test/cc-wrapper/hardening.nix or
# `cargo xtask test nix`) passes with ccc.
{
  unsupported = [
    "stackprotector" # -fstack-protector-strong: needs canary codegen
    "stackclashprotection" # -fstack-clash-protection: needs stack probing
    "zerocallusedregs" # -fzero-call-used-regs=used-gpr
    "trivialautovarinit" # -ftrivial-auto-var-init=pattern
    "shadowstack" # -fcf-protection=return (x86 CET)
    "pacret" # -mbranch-protection=pac-ret (AArch64)
    "fortify3" # also needs __builtin_dynamic_object_size
    "strictflexarrays1" # -fstrict-flex-arrays=1
    "strictflexarrays3"
  ];
  # Kept (ccc must accept them): pic/pie, format (warnings), strictoverflow (-fno-strict-overflow
  # is ccc's default semantics), nostrictaliasing, glibcxxassertions and the
  # libcxx ones (plain -D), relro/bindnow (linker side, GNU ld).
  knownFlags = [
    "bindnow" "format" "fortify" "fortify3" "strictflexarrays1" "strictflexarrays3"
    "shadowstack" "nostrictaliasing" "pacret" "pic" "relro" "stackprotector"
    "glibcxxassertions" "libcxxhardeningfast" "libcxxhardeningextensive"
    "stackclashprotection" "strictoverflow" "trivialautovarinit" "zerocallusedregs"
  ];
}
