# The unwrapped ccc package: bin/ccc (+ ccc-ld when it exists, ccc-dist),
# program-name symlinks for cc-wrapper, headers in lib/ccc/include.
{ lib, rustPlatform, src, version }:

let
  names = import ./lib/cc-names.nix;
  hardening = import ./lib/hardening.nix;
in
rustPlatform.buildRustPackage {
  pname = "ccc";
  inherit version src;

  # importCargoLock reads the lock file directly: no fixed-output vendor hash
  # to update and no import-from-derivation.
  cargoLock.lockFile = ../Cargo.lock;

  # Only the shipped programs; xtask is the test harness.
  cargoBuildFlags = [ "--workspace" "--exclude" "xtask" ];
  cargoTestFlags = [ "--workspace" "--exclude" "xtask" ];

  postInstall = ''
    # The compiler's own headers (stddef.h, stdarg.h, ...), install layout
    # shared with ccc-dist bundles.
    if [ -d compiler/include ]; then
      mkdir -p $out/lib/ccc
      cp -r compiler/include $out/lib/ccc/include
    fi
    # cc-wrapper execs <targetPrefix>gcc; ccc picks its target from argv[0].
    cd $out/bin
    ${lib.concatMapStrings (n: "ln -s ccc ${n}\n") names.all}
  '';

  passthru = {
    # Read by wrapCCWith / cc-wrapper (see nix/README.md and nix-facts.md).
    isGNU = true;
    isClang = false;
    langC = true;
    langCC = false;
    hardeningUnsupportedFlags = hardening.unsupported;
  };

  meta = {
    description = "A GCC-compatible C compiler, assembler and linker written in Rust";
    license = with lib.licenses; [ mit asl20 ];
    platforms = lib.platforms.linux;
    # Newer nixpkgs builds kernels with CC=$(getExe stdenv.cc.cc).
    mainProgram = "ccc";
  };
}
