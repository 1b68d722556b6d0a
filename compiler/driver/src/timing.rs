//! `-ftime-report`: wall time per compilation phase, printed to stderr
//! after each input (GCC prints a similar table). A developer aid for the
//! build-time benchmarks: it shows where a kernel file's time goes, and how much
//! resident memory each phase added (fresh pages cost page faults).

use std::time::{Duration, Instant};

/// Phase times of one input, in the order the phases ran.
#[derive(Default)]
pub struct PhaseTimes {
    enabled: bool,
    /// Per phase: its time and the resident bytes it added.
    phases: Vec<(&'static str, Duration, i64)>,
}

/// Resident set size in bytes (Linux `/proc/self/statm`; 0 elsewhere).
fn resident_bytes() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

impl PhaseTimes {
    pub fn new(enabled: bool) -> Self {
        PhaseTimes { enabled, phases: Vec::new() }
    }

    /// Run `f` as phase `name`, adding its time to that phase.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let (start, rss) = (Instant::now(), resident_bytes());
        let r = f();
        let (took, grew) = (start.elapsed(), resident_bytes() - rss);
        match self.phases.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, d, m)) => {
                *d += took;
                *m += grew;
            }
            None => self.phases.push((name, took, grew)),
        }
        r
    }

    /// Print the table for `input` and start over.
    pub fn report(&mut self, input: &str) {
        if !self.enabled || self.phases.is_empty() {
            return;
        }
        let total: Duration = self.phases.iter().map(|(_, d, _)| *d).sum();
        eprintln!("Execution times (seconds) for {input}");
        for (name, d, grew) in self.phases.drain(..) {
            let pct = if total.is_zero() { 0.0 } else { 100.0 * d.as_secs_f64() / total.as_secs_f64() };
            eprintln!(" {name:<22}: {:>8.3} ({pct:>3.0}%) wall {:>7} kB resident", d.as_secs_f64(), grew / 1024);
        }
        eprintln!(" {:<22}: {:>8.3}", "TOTAL", total.as_secs_f64());
    }
}
