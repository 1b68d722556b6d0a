//! Running build tools with their output in a log file; on failure the
//! error carries the end of the log.

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `cmd` with stdout and stderr appended to `log`. On failure returns
/// the command, exit status and the last lines of the log.
pub fn run_logged(cmd: &mut Command, log: &Path) -> Result<(), String> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let err_file = file.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
    let shown = format!("{cmd:?}");
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err_file))
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        return Ok(());
    }
    Err(format!("{shown} failed ({status}); last lines of {}:\n{}", log.display(), tail(log, 15)))
}

/// The last `n` lines of a text file (empty if unreadable).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Whether `prog` can be found on PATH (or is an existing path).
pub fn have_program(prog: &str) -> bool {
    if prog.contains('/') {
        return Path::new(prog).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(prog).is_file()))
        .unwrap_or(false)
}
