//! Running child processes with a timeout, bounded output capture and resource usage.
//!
//! Every child gets its own process group so a timeout kills the whole tree (a test binary
//! that forks, a compiler driver and its subprocesses) and nothing is left behind.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Exit(i32),
    Signal(i32),
    Timeout,
    /// The program could not be started (missing binary, ...).
    SpawnError(String),
}

impl Status {
    pub fn success(&self) -> bool {
        *self == Status::Exit(0)
    }

    /// Short human description for one-line failure reasons.
    pub fn describe(&self) -> String {
        match self {
            Status::Exit(c) => format!("exit {c}"),
            Status::Signal(s) => format!("killed by signal {s}{}", signal_name(*s)),
            Status::Timeout => "timeout".to_string(),
            Status::SpawnError(e) => format!("cannot start: {e}"),
        }
    }
}

fn signal_name(s: i32) -> &'static str {
    match s {
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGILL => " (SIGILL)",
        libc::SIGFPE => " (SIGFPE)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTRAP => " (SIGTRAP)",
        _ => "",
    }
}

pub struct Output {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub wall: Duration,
    /// Peak resident set size in KiB (largest single process of the tree).
    pub maxrss_kb: u64,
}

impl Output {
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Default cap on captured bytes per stream; the rest is read and dropped.
pub const DEFAULT_LIMIT: usize = 1 << 20;

/// Run `cmd` to completion or until `timeout`, capturing at most `limit` bytes of each
/// stream. Stdin is /dev/null unless the caller set it.
pub fn run_limited(cmd: &mut Command, timeout: Duration, limit: usize) -> Output {
    run_input(cmd, timeout, limit, None)
}

/// Like `run_limited`, with stdin read from `input` (default /dev/null).
pub fn run_input(cmd: &mut Command, timeout: Duration, limit: usize, input: Option<&std::path::Path>) -> Output {
    match input.map(std::fs::File::open) {
        Some(Ok(f)) => cmd.stdin(f),
        Some(Err(e)) => {
            return Output {
                status: Status::SpawnError(format!("stdin: {e}")),
                stdout: Vec::new(),
                stderr: Vec::new(),
                wall: Duration::ZERO,
                maxrss_kb: 0,
            }
        }
        None => cmd.stdin(Stdio::null()),
    };
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.process_group(0);
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Output {
                status: Status::SpawnError(format!("{}: {e}", cmd.get_program().to_string_lossy())),
                stdout: Vec::new(),
                stderr: Vec::new(),
                wall: Duration::ZERO,
                maxrss_kb: 0,
            }
        }
    };
    let pid = child.id() as libc::pid_t;
    let out_pipe = child.stdout.take();
    let err_pipe = child.stderr.take();
    let out_t = std::thread::spawn(move || read_capped(out_pipe, limit));
    let err_t = std::thread::spawn(move || read_capped(err_pipe, limit));

    let (status, usage) = wait_with_timeout(pid, start, timeout);
    // The group may still hold the pipes open (a daemonised grandchild): make sure it is gone.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Output {
        status,
        stdout,
        stderr,
        wall: start.elapsed(),
        maxrss_kb: usage.ru_maxrss.max(0) as u64,
    }
}

pub fn run(cmd: &mut Command, timeout: Duration) -> Output {
    run_limited(cmd, timeout, DEFAULT_LIMIT)
}

fn read_capped<R: Read>(pipe: Option<R>, limit: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let Some(mut p) = pipe else { return buf };
    let mut chunk = [0u8; 65536];
    loop {
        match p.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = limit.saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
    buf
}

/// Poll with wait4 so we get the child's rusage; kill the process group on timeout.
fn wait_with_timeout(pid: libc::pid_t, start: Instant, timeout: Duration) -> (Status, libc::rusage) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut raw: libc::c_int = 0;
    let mut nap = Duration::from_micros(500);
    let mut timed_out = false;
    loop {
        let r = unsafe { libc::wait4(pid, &mut raw, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if r < 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return (Status::SpawnError(format!("wait4: {err}")), usage);
        }
        if !timed_out && start.elapsed() >= timeout {
            timed_out = true;
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
            // Now block until the kill lands.
            let r = unsafe { libc::wait4(pid, &mut raw, 0, &mut usage) };
            if r == pid {
                break;
            }
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
    let status = if timed_out {
        Status::Timeout
    } else if libc::WIFEXITED(raw) {
        Status::Exit(libc::WEXITSTATUS(raw))
    } else if libc::WIFSIGNALED(raw) {
        Status::Signal(libc::WTERMSIG(raw))
    } else {
        Status::Exit(-1)
    };
    (status, usage)
}

/// First `n` lines of a text, for one-line reasons and log snippets.
pub fn head_lines(s: &str, n: usize) -> String {
    s.lines().take(n).collect::<Vec<_>>().join("\n")
}

/// The first line that looks like a diagnostic, else the first non-empty line.
pub fn first_error_line(stderr: &str) -> String {
    let strong = |l: &&str| l.contains("error") || l.contains("panicked") || l.contains("fatal");
    let weak = |l: &&str| l.contains("Error") || l.contains("No such file") || l.contains("not found") || l.contains("undefined reference");
    let line = stderr
        .lines()
        .find(strong)
        .or_else(|| stderr.lines().find(weak))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    let mut l = line.trim().to_string();
    if l.len() > 160 {
        let mut cut = 160;
        while !l.is_char_boundary(cut) {
            cut -= 1;
        }
        l.truncate(cut);
        l.push_str("...");
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_signals_and_timeouts() {
        let o = run(Command::new("sh").args(["-c", "echo hi; exit 3"]), Duration::from_secs(5));
        assert_eq!(o.status, Status::Exit(3));
        assert_eq!(o.stdout, b"hi\n");
        let o = run(Command::new("sh").args(["-c", "kill -SEGV $$"]), Duration::from_secs(5));
        assert_eq!(o.status, Status::Signal(libc::SIGSEGV));
        let o = run(Command::new("sh").args(["-c", "sleep 5 & sleep 5"]), Duration::from_millis(200));
        assert_eq!(o.status, Status::Timeout);
        assert!(o.wall < Duration::from_secs(3));
        let o = run(&mut Command::new("/nonexistent/prog"), Duration::from_secs(1));
        assert!(matches!(o.status, Status::SpawnError(_)));
    }

    #[test]
    fn output_is_capped() {
        let o = run_limited(Command::new("sh").args(["-c", "yes | head -c 100000"]), Duration::from_secs(5), 10);
        assert_eq!(o.stdout.len(), 10);
        assert!(o.status.success());
    }
}
