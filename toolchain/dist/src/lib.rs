//! ccc-dist: reproducible toolchain bundles for users without Nix.
//!
//! A bundle is `ccc-<version>-<host-triple>.tar.zst` holding one top-level
//! directory `ccc-<version>-<host-triple>/` with the install layout
//! (see [`layout`]) and a `MANIFEST.json` listing the sha256 of every file.
//! Packing is bit-identical across runs and directories: sorted entries,
//! fixed owners and modes, mtime from `SOURCE_DATE_EPOCH`, fixed zstd level.

pub mod archive;
pub mod error;
pub mod install;
pub mod layout;
pub mod manifest;
pub mod pack;
pub mod verify;

pub use error::DistError;

/// Version of the toolchain; ccc-dist is versioned with the workspace, so it
/// is the version of the `ccc` it ships beside.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Rust target triple this toolchain runs on.
pub const HOST_TRIPLE: &str = env!("CCC_DIST_TARGET");

/// Name of the bundle's top-level directory, also the archive's stem.
pub fn bundle_name(version: &str, triple: &str) -> String {
    format!("ccc-{version}-{triple}")
}
