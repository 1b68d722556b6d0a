//! `cargo xtask boot`: boot a kernel + initramfs under QEMU and wait for the
//! init's marker line on the serial console.

use super::arch::Arch;
use super::init::{FAIL_MARKER, MARKER};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Boot {
    pub arch: Arch,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub timeout: Duration,
    /// The whole console output goes here.
    pub log: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Booted { marker_line: String, seconds: f64 },
    NotBooted { reason: String },
}

impl Outcome {
    /// The one-line summary: "booted ..." or "not booted: reason".
    pub fn line(&self) -> String {
        match self {
            Outcome::Booted { marker_line, seconds } => format!("booted in {seconds:.1} s: {marker_line}"),
            Outcome::NotBooted { reason } => format!("not booted: {reason}"),
        }
    }
}

pub fn command(b: &Boot) -> Command {
    let mut cmd = Command::new(b.arch.qemu());
    cmd.args(b.arch.qemu_args())
        .args(["-m", "256", "-smp", "1", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"])
        .arg("-kernel")
        .arg(&b.kernel)
        .arg("-initrd")
        .arg(&b.initrd)
        .arg("-append")
        .arg(b.arch.cmdline());
    cmd
}

/// Forwards a stream's lines (serial output has \r\n; \r is dropped).
fn forward<R: Read + Send + 'static>(r: R, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(r);
        let mut buf = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut buf) {
            if n == 0 {
                break;
            }
            let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).replace('\r', "");
            if tx.send(line).is_err() {
                break;
            }
            buf.clear();
        }
    });
}

pub fn boot(b: &Boot) -> Outcome {
    for (what, path) in [("kernel", &b.kernel), ("initrd", &b.initrd)] {
        if !path.is_file() {
            return Outcome::NotBooted { reason: format!("{what} {} not found", path.display()) };
        }
    }
    let start = Instant::now();
    let mut child = match command(b).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::NotBooted { reason: format!("cannot run {}: {e}", b.arch.qemu()) },
    };
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        forward(out, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        forward(err, tx);
    }

    let mut log = String::new();
    let mut marker: Option<(String, f64)> = None;
    let mut failure: Option<String> = None;
    let mut panic: Option<String> = None;
    let mut deadline = start + b.timeout;
    let timed_out = loop {
        let now = Instant::now();
        if now >= deadline {
            break true;
        }
        match rx.recv_timeout(deadline - now) {
            Ok(line) => {
                if marker.is_none() && line.contains(MARKER) {
                    let from = line.find(MARKER).unwrap_or(0);
                    marker = Some((line[from..].to_string(), start.elapsed().as_secs_f64()));
                    // Give the reboot a moment to end QEMU on its own.
                    deadline = deadline.min(Instant::now() + Duration::from_secs(10));
                } else if failure.is_none() && line.contains(FAIL_MARKER) {
                    failure = Some(line.clone());
                } else if panic.is_none() && line.contains("Kernel panic") {
                    panic = Some(line.trim().to_string());
                }
                log.push_str(&line);
                log.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Timeout) => break true,
            Err(mpsc::RecvTimeoutError::Disconnected) => break false,
        }
    };
    if timed_out {
        let _ = child.kill();
    }
    let status = child.wait();
    let _ = std::fs::write(&b.log, &log);
    let last = log.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("(no console output)").to_string();
    match (marker, failure, panic) {
        (Some((line, seconds)), None, _) => Outcome::Booted { marker_line: line, seconds },
        (_, Some(fail), _) => Outcome::NotBooted { reason: format!("init reported `{fail}`") },
        (None, None, Some(p)) => Outcome::NotBooted { reason: format!("{p} (log {})", b.log.display()) },
        (None, None, None) if timed_out => Outcome::NotBooted {
            reason: format!("no {MARKER} within {} s; last line `{last}` (log {})", b.timeout.as_secs(), b.log.display()),
        },
        (None, None, None) => Outcome::NotBooted {
            reason: format!(
                "QEMU exited ({}) before {MARKER}; last line `{last}` (log {})",
                status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                b.log.display()
            ),
        },
    }
}

/// Default log path beside the kernel image's build directory or initrd.
pub fn default_log(initrd: &Path) -> PathBuf {
    initrd.with_extension("boot.log")
}
