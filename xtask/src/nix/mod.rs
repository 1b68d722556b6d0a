//! The `nix` suite: checks of the Nix layer that run without Nix builds
//! (Debian's nix-bin 2.8 parses and evaluates the pure parts), the ccc-dist
//! round trip, and the compiler under nixpkgs' cc-wrapper argument shapes.

pub mod ccwrapper;
pub mod dist;
pub mod eval;
