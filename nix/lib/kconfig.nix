# Kernel config fragments: parse, merge (later wins), render, and the list
# of fragments per architecture and flavour. Pure: builtins only.
let
  # "CONFIG_X=v" -> { name = "CONFIG_X"; value = "v"; }; "# CONFIG_X is not
  # set" -> value "n"; other comments and blank lines -> null.
  parseLine = line:
    let
      set = builtins.match "(CONFIG_[A-Za-z0-9_]+)=(.*)" line;
      unset = builtins.match "# (CONFIG_[A-Za-z0-9_]+) is not set" line;
    in
    if set != null then { name = builtins.elemAt set 0; value = builtins.elemAt set 1; }
    else if unset != null then { name = builtins.elemAt unset 0; value = "n"; }
    else null;

  lines = text: builtins.filter builtins.isString (builtins.split "\n" text);

  parse = text:
    builtins.listToAttrs (builtins.filter (x: x != null) (map parseLine (lines text)));

  merge = builtins.foldl' (acc: frag: acc // frag) { };

  render = attrs:
    builtins.concatStringsSep "" (map
      (name:
        let v = attrs.${name}; in
        if v == "n" then "# ${name} is not set\n" else "${name}=${v}\n")
      (builtins.attrNames attrs)); # attrNames is sorted: stable output

  # Fragments applied on top of the base config, in order.
  fragments = kernelsDir: arch: flavour:
    [ (kernelsDir + "/common-tiny.config") (kernelsDir + "/${arch}/tiny.config") ]
    ++ (if flavour == "nixos" then [ (kernelsDir + "/common-nixos.config") (kernelsDir + "/${arch}/nixos.config") ] else [ ]);

  # `make <baseTarget>` before merging the fragments.
  baseTarget = flavour: if flavour == "nixos" then "defconfig" else "tinyconfig";

  # What the fragments ask for, as linuxManualConfig's `config` argument
  # (lets it see MODULES etc. without import-from-derivation).
  requested = kernelsDir: arch: flavour:
    merge (map (f: parse (builtins.readFile f)) (fragments kernelsDir arch flavour));
in
{
  inherit parseLine parse merge render fragments baseTarget requested;
  flavours = [ "tiny" "nixos" ];
}
