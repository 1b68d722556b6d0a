//! Hashing (FNV-1a) and the deterministic `--fast` sample.

/// 64-bit FNV-1a.
pub fn fnv1a64(data: &[u8]) -> u64 {
    fnv1a64_from(0xcbf2_9ce4_8422_2325, data)
}

fn fnv1a64_from(mut h: u64, data: &[u8]) -> u64 {
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A 128-bit content key (two independent FNV streams) as hex, for cache file names/keys.
pub fn key(parts: &[&[u8]]) -> String {
    let mut a = 0xcbf2_9ce4_8422_2325u64;
    let mut b = 0x6c62_272e_07bb_0142u64;
    for p in parts {
        // Length prefix so that ["ab","c"] and ["a","bc"] differ.
        a = fnv1a64_from(a, &(p.len() as u64).to_le_bytes());
        b = fnv1a64_from(b, &(p.len() as u64).to_le_bytes());
        a = fnv1a64_from(a, p);
        b = fnv1a64_from(b, p);
    }
    format!("{a:016x}{b:016x}")
}

/// The machine's name; `CCC_TEST_HOST` overrides it to reproduce another machine's sample.
pub fn hostname() -> String {
    if let Ok(h) = std::env::var("CCC_TEST_HOST") {
        return h;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// About one test in ten, chosen by a hash of host and test name: stable on one machine,
/// different across machines.
pub fn in_fast_sample(host: &str, test: &str) -> bool {
    let mut s = Vec::with_capacity(host.len() + test.len() + 1);
    s.extend_from_slice(host.as_bytes());
    s.push(0);
    s.extend_from_slice(test.as_bytes());
    fnv1a64(&s) % 10 == 0
}

/// Deterministic PRNG (splitmix64) for generated test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform-ish in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn sample_is_about_ten_percent_and_host_dependent() {
        let names: Vec<String> = (0..5000).map(|i| format!("t{i}.c")).collect();
        let a = names.iter().filter(|n| in_fast_sample("host-a", n)).count();
        assert!((400..600).contains(&a), "{a}");
        let overlap = names
            .iter()
            .filter(|n| in_fast_sample("host-a", n) && in_fast_sample("host-b", n))
            .count();
        assert!(overlap < a / 3);
    }

    #[test]
    fn key_separates_parts() {
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
    }
}
