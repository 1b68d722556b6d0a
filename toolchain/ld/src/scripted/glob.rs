//! Wildcards of linker scripts: `*`, `?` and `[a-z]` classes (`[!...]`/`[^...]` negated).

/// Matches `name` against `pat`; backtracks only over the last `*`.
pub fn matches(pat: &str, name: &str) -> bool {
    let (p, s) = (pat.as_bytes(), name.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi + 1, si));
            pi += 1;
            continue;
        }
        if pi < p.len() {
            if let Some((ok, len)) = one(&p[pi..], s[si]) {
                if ok {
                    pi += len;
                    si += 1;
                    continue;
                }
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Does the pattern element at the start of `p` match `c`, and how long is it?
fn one(p: &[u8], c: u8) -> Option<(bool, usize)> {
    match p[0] {
        b'?' => Some((true, 1)),
        b'[' => {
            let mut i = 1;
            let negate = matches!(p.get(1), Some(b'!' | b'^'));
            if negate {
                i += 1;
            }
            let mut hit = false;
            let first = i;
            while i < p.len() && (p[i] != b']' || i == first) {
                if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                    hit |= p[i] <= c && c <= p[i + 2];
                    i += 3;
                } else {
                    hit |= p[i] == c;
                    i += 1;
                }
            }
            if i >= p.len() {
                return Some((p[0] == c, 1)); // no closing bracket: a literal `[`
            }
            Some((hit != negate, i + 1))
        }
        b'\\' if p.len() > 1 => Some((p[1] == c, 2)),
        x => Some((x == c, 1)),
    }
}

pub fn is_wild(p: &str) -> bool {
    p.bytes().any(|c| matches!(c, b'*' | b'?' | b'['))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches(".text.*", ".text.foo"));
        assert!(!matches(".text.*", ".text"));
        assert!(matches(".text.[0-9a-zA-Z_]*", ".text.unlikely"));
        assert!(!matches(".text.[0-9a-zA-Z_]*", ".text..refcount"));
        assert!(matches("*", "anything"));
        assert!(matches(".data..L*", ".data..Lanon"));
        assert!(matches("[!a]x", "bx") && !matches("[!a]x", "ax"));
        assert!(matches("*foo.o", "dir/foo.o"));
    }
}
