//! `-ftime-report`: wall time per compilation phase, printed to stderr
//! after each input (GCC prints a similar table). A developer aid for the
//! build-time benchmarks: it shows where a kernel file's time goes.

use std::time::{Duration, Instant};

/// Phase times of one input, in the order the phases ran.
#[derive(Default)]
pub struct PhaseTimes {
    enabled: bool,
    phases: Vec<(&'static str, Duration)>,
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
        let start = Instant::now();
        let r = f();
        let took = start.elapsed();
        match self.phases.iter_mut().find(|(n, _)| *n == name) {
            Some((_, d)) => *d += took,
            None => self.phases.push((name, took)),
        }
        r
    }

    /// Print the table for `input` and start over.
    pub fn report(&mut self, input: &str) {
        if !self.enabled || self.phases.is_empty() {
            return;
        }
        let total: Duration = self.phases.iter().map(|(_, d)| *d).sum();
        eprintln!("Execution times (seconds) for {input}");
        for (name, d) in self.phases.drain(..) {
            let pct = if total.is_zero() { 0.0 } else { 100.0 * d.as_secs_f64() / total.as_secs_f64() };
            eprintln!(" {name:<22}: {:>8.3} ({pct:>3.0}%) wall", d.as_secs_f64());
        }
        eprintln!(" {:<22}: {:>8.3}", "TOTAL", total.as_secs_f64());
    }
}
