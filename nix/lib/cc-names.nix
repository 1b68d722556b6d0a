# Program names the ccc package provides (symlinks to bin/ccc). cc-wrapper
# only recognises `<targetPrefix>gcc`, so every name it may look for must
# exist; ccc infers its target from argv[0] (the GCC convention).
let
  targets = import ./targets.nix;
  native = [ "gcc" "cc" "cpp" ];
  perTarget = t: map (n: "${t.config}-${n}") [ "gcc" "cc" "cpp" ];
in
{
  inherit native;
  cross = builtins.concatLists (map (name: perTarget targets.${name}) (builtins.attrNames targets));
  all = native ++ builtins.concatLists (map (name: perTarget targets.${name}) (builtins.attrNames targets));
}
