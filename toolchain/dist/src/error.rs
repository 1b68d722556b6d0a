//! One error type for every failure: each carries a message already phrased
//! for the user (`ccc-dist: error: <message>`).

use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistError(pub String);

impl DistError {
    pub fn new(msg: impl Into<String>) -> Self {
        DistError(msg.into())
    }

    /// An I/O failure on `path`, naming the path.
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        DistError(format!("{}: {}", path.display(), err))
    }
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DistError {}
