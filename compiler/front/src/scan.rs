//! Byte searches over source text, eight bytes at a time: the lexer looks for line
//! ends, comment ends and line splices in every header the kernel includes, and a
//! byte-by-byte loop was a twentieth of a compile.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The 0x80 bits of the bytes of `word` that equal the byte broadcast in `pattern`
/// (exact: no false positives, unlike the cheaper test).
#[inline]
fn matches(word: u64, pattern: u64) -> u64 {
    let x = word ^ pattern;
    // A byte of `x` is zero iff its low seven bits plus 0x7f do not carry into the
    // high bit and its own high bit is clear.
    !(((x & !HI) + !HI) | x) & HI
}

/// The index of the first byte of `hay` that equals `a` or `b`.
#[inline]
pub fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    let (pa, pb) = (LO * a as u64, LO * b as u64);
    let mut i = 0;
    while i + 8 <= hay.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&hay[i..i + 8]);
        let word = u64::from_le_bytes(w);
        let hits = matches(word, pa) | matches(word, pb);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|&c| c == a || c == b).map(|n| i + n)
}

/// The index of the first byte of `hay` that equals `a`.
#[inline]
pub fn find(a: u8, hay: &[u8]) -> Option<usize> {
    find2(a, a, hay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_match_anywhere() {
        let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        for at in 0..text.len() {
            let mut t = text.clone();
            t[at] = b'\n';
            assert_eq!(find(b'\n', &t), Some(at));
            t[at] = 0x8a; // high bit set, low bits of '\n'
            assert_eq!(find(b'\n', &t), None);
            t[at] = b'\\';
            if at + 3 < t.len() {
                t[at + 3] = b'\r';
            }
            assert_eq!(find2(b'\r', b'\\', &t), Some(at));
        }
        assert_eq!(find2(b'x', b'y', b""), None);
        assert_eq!(find(0, &[1, 0, 0]), Some(1));
        assert_eq!(find(0xff, &[0xfe, 0x7f, 0xff]), Some(2));
    }
}
