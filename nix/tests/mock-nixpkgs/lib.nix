# The few nixpkgs lib functions the flake uses, from builtins.
rec {
  optionalString = c: s: if c then s else "";
  optional = c: x: if c then [ x ] else [ ];
  concatStringsSep = builtins.concatStringsSep;
  concatMapStrings = f: l: builtins.concatStringsSep "" (map f l);
  genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
  nameValuePair = name: value: { inherit name value; };
  listToAttrs = builtins.listToAttrs;
  mapAttrs = builtins.mapAttrs;
  hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
  removePrefix = p: s: if hasPrefix p s then builtins.substring (builtins.stringLength p) (-1) s else s;
  mkForce = x: { _type = "override"; content = x; priority = 50; };
  cleanSource = src: src;
  licenses = { mit = "mit"; asl20 = "asl20"; };
  platforms.linux = [ "x86_64-linux" "aarch64-linux" "riscv64-linux" ];
}
