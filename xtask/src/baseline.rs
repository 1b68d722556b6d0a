//! `xtask/baseline.toml`: minimum pass counts per suite; a drop fails the run.
//!
//! Full runs compare absolute counts. A fast run's sample depends on the hostname, so its
//! absolute counts only transfer to the same machine: the file records them per host
//! (`[fast-host.NAME]`) and, for machines it has never seen (CI), a pass *ratio* per suite
//! (`[fast-ratio]`). The ratio check allows three binomial standard deviations of sampling
//! noise, so a different but equally good sample does not fail CI, while a real regression
//! of more than a handful of tests does.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Baseline {
    pub full: BTreeMap<String, u64>,
    pub fast_ratio: BTreeMap<String, f64>,
    pub fast_host: BTreeMap<String, BTreeMap<String, u64>>,
}

/// What a run measured, for `baseline --update`.
pub struct RunRecord {
    pub fast: bool,
    pub host: String,
    /// suite -> (passed, counted = passed + failed)
    pub suites: BTreeMap<String, (u64, u64)>,
}

pub fn path(root: &Path) -> PathBuf {
    root.join("xtask/baseline.toml")
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

impl Baseline {
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let mut b = Baseline::default();
        let mut section = String::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = s.trim().to_string();
                continue;
            }
            let (k, v) = line.split_once('=').ok_or(format!("baseline.toml:{}: expected key = value", n + 1))?;
            let (k, v) = (unquote(k), v.trim());
            let bad = || format!("baseline.toml:{}: bad value {v:?}", n + 1);
            if section == "full" {
                b.full.insert(k, v.parse().map_err(|_| bad())?);
            } else if section == "fast-ratio" {
                b.fast_ratio.insert(k, v.parse().map_err(|_| bad())?);
            } else if let Some(host) = section.strip_prefix("fast-host.") {
                b.fast_host.entry(unquote(host)).or_default().insert(k, v.parse().map_err(|_| bad())?);
            } else {
                return Err(format!("baseline.toml:{}: unknown section [{section}]", n + 1));
            }
        }
        Ok(b)
    }

    pub fn load(root: &Path) -> Result<Baseline, String> {
        match std::fs::read_to_string(path(root)) {
            Ok(t) => Baseline::parse(&t),
            Err(_) => Ok(Baseline::default()),
        }
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str(
            "# Minimum expected pass counts per suite; `cargo xtask test` fails when a suite drops below.\n\
             # Raised (never lowered) by `cargo xtask baseline --update` from the last run.\n\
             #\n\
             # [full]            absolute pass counts of a full run.\n\
             # [fast-ratio]      pass ratio (passed / counted) per suite. A --fast sample depends on the\n\
             #                   hostname, so on an unknown machine (CI) the run must reach this ratio\n\
             #                   minus 3 binomial standard deviations of sampling noise.\n\
             # [fast-host.NAME]  absolute pass counts of --fast runs on host NAME (same sample every time).\n",
        );
        let _ = writeln!(s, "\n[full]");
        for (k, v) in &self.full {
            let _ = writeln!(s, "\"{k}\" = {v}");
        }
        let _ = writeln!(s, "\n[fast-ratio]");
        for (k, v) in &self.fast_ratio {
            let _ = writeln!(s, "\"{k}\" = {v:.4}");
        }
        for (h, m) in &self.fast_host {
            let _ = writeln!(s, "\n[fast-host.\"{h}\"]");
            for (k, v) in m {
                let _ = writeln!(s, "\"{k}\" = {v}");
            }
        }
        s
    }

    /// The minimum pass count required of `suite` in this run, if any.
    pub fn required(&self, fast: bool, host: &str, suite: &str, counted: u64) -> Option<u64> {
        if !fast {
            return self.full.get(suite).copied();
        }
        if let Some(n) = self.fast_host.get(host).and_then(|m| m.get(suite)) {
            return Some(*n);
        }
        let r = *self.fast_ratio.get(suite)?;
        let n = counted as f64;
        let sd = (n * r * (1.0 - r)).sqrt();
        Some((r * n - 3.0 * sd).floor().max(0.0) as u64)
    }

    /// Raise entries from a run; returns human-readable changes.
    pub fn raise(&mut self, run: &RunRecord) -> Vec<String> {
        let mut changes = Vec::new();
        for (suite, &(passed, counted)) in &run.suites {
            let ratio = if counted > 0 { (passed as f64 / counted as f64 * 10000.0).floor() / 10000.0 } else { 0.0 };
            let old = self.fast_ratio.get(suite).copied().unwrap_or(0.0);
            if ratio > old {
                self.fast_ratio.insert(suite.clone(), ratio);
                changes.push(format!("fast-ratio {suite}: {old:.4} -> {ratio:.4}"));
            }
            let map = if run.fast { self.fast_host.entry(run.host.clone()).or_default() } else { &mut self.full };
            let old = map.get(suite).copied().unwrap_or(0);
            if passed > old {
                map.insert(suite.clone(), passed);
                let which = if run.fast { format!("fast-host.{}", run.host) } else { "full".to_string() };
                changes.push(format!("{which} {suite}: {old} -> {passed}"));
            }
        }
        changes
    }
}

impl RunRecord {
    pub fn render(&self) -> String {
        let mut s = format!("mode {}\nhost {}\n", if self.fast { "fast" } else { "full" }, self.host);
        for (k, (p, c)) in &self.suites {
            let _ = writeln!(s, "suite {k} {p} {c}");
        }
        s
    }

    pub fn parse(text: &str) -> Option<RunRecord> {
        let mut r = RunRecord { fast: false, host: String::new(), suites: BTreeMap::new() };
        for l in text.lines() {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["mode", m] => r.fast = *m == "fast",
                ["host", h] => r.host = h.to_string(),
                ["suite", k, p, c] => {
                    r.suites.insert(k.to_string(), (p.parse().ok()?, c.parse().ok()?));
                }
                _ => return None,
            }
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_raise_never_lowers() {
        let mut b = Baseline::default();
        let run = RunRecord {
            fast: true,
            host: "vm".into(),
            suites: [("torture-x86_64-O2".to_string(), (90, 100))].into_iter().collect(),
        };
        assert_eq!(b.raise(&run).len(), 2);
        let b2 = Baseline::parse(&b.render()).unwrap();
        assert_eq!(b2.fast_host["vm"]["torture-x86_64-O2"], 90);
        assert!((b2.fast_ratio["torture-x86_64-O2"] - 0.9).abs() < 1e-9);
        let mut b3 = b2;
        let worse = RunRecord { suites: [("torture-x86_64-O2".to_string(), (10, 100))].into_iter().collect(), ..run };
        assert!(b3.raise(&worse).is_empty());
        assert_eq!(b3.fast_host["vm"]["torture-x86_64-O2"], 90);
    }

    #[test]
    fn ratio_check_tolerates_sampling_noise_only() {
        let mut b = Baseline::default();
        b.fast_ratio.insert("s".into(), 0.9);
        // 160 tests at 90%: mean 144, sd 3.8 -> threshold 132.
        let req = b.required(true, "other", "s", 160).unwrap();
        assert_eq!(req, 132);
        assert_eq!(b.required(false, "other", "s", 160), None);
    }
}
