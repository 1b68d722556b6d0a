//! Numeric, character and string literals.

use super::*;

impl<'a> Parser<'a> {
    /// Convert a pp-number token into an integer or floating constant.
    pub(super) fn number_literal(&mut self, tok: Token) -> PResult<Expr> {
        let text = tok.text.as_str();
        let loc = tok.loc;
        let lower = text.to_ascii_lowercase();
        let is_hex = lower.starts_with("0x");
        let is_float = if is_hex { lower.contains('.') || lower.contains('p') } else { lower.contains('.') || lower.contains('e') };
        if is_float {
            return self.float_literal(text, loc);
        }
        // Split digits and suffix.
        let (digits, radix) = if is_hex {
            (&text[2..], 16)
        } else if lower.starts_with("0b") {
            (&text[2..], 2)
        } else if text.starts_with('0') && text.len() > 1 {
            (&text[1..], 8)
        } else {
            (text, 10)
        };
        let end = digits.find(|c: char| !c.is_digit(radix) && c != '\'').unwrap_or(digits.len());
        let (num, suffix) = digits.split_at(end);
        let num: String = num.chars().filter(|&c| c != '\'').collect();
        let mut value: u128 = 0;
        let mut overflow = false;
        for c in num.chars() {
            let d = c.to_digit(radix).ok_or_else(|| self.error_at(loc, format!("invalid digit \"{c}\" in constant")))?;
            value = match value.checked_mul(radix as u128).and_then(|v| v.checked_add(d as u128)) {
                Some(v) => v,
                None => {
                    overflow = true;
                    0
                }
            };
        }
        if num.is_empty() && radix != 8 {
            return Err(self.error_at(loc, format!("invalid suffix \"{}\" on integer constant", &text[1..])));
        }
        let suf = suffix.to_ascii_lowercase();
        let (unsigned, longs, imaginary) = match parse_int_suffix(&suf) {
            Some(x) => x,
            None => return Err(self.error_at(loc, format!("invalid suffix \"{suffix}\" on integer constant"))),
        };
        if overflow || value > u64::MAX as u128 {
            self.warn_at(loc, "integer constant is too large for its type");
            value &= u64::MAX as u128;
        }
        // C17 6.4.4.1: the first type in the list that can represent the value.
        let decimal = radix == 10;
        // ILP32: `long` is 32 bits, so `long long` follows it in each list.
        let ilp32 = self.layout().int_size(IntKind::Long) == 4;
        let candidates: &[(IntKind, bool)] = match (unsigned, longs, decimal) {
            (false, 0, true) if ilp32 => &[(IntKind::Int, true), (IntKind::Long, true), (IntKind::LongLong, true), (IntKind::LongLong, false)],
            (false, 1, true) if ilp32 => &[(IntKind::Long, true), (IntKind::LongLong, true), (IntKind::LongLong, false)],
            (false, 0, false) if ilp32 => &[(IntKind::Int, true), (IntKind::Int, false), (IntKind::LongLong, true), (IntKind::LongLong, false)],
            (false, 1, false) if ilp32 => &[(IntKind::Long, true), (IntKind::Long, false), (IntKind::LongLong, true), (IntKind::LongLong, false)],
            (true, 0, _) if ilp32 => &[(IntKind::Int, false), (IntKind::LongLong, false)],
            (true, 1, _) if ilp32 => &[(IntKind::Long, false), (IntKind::LongLong, false)],
            (false, 0, true) => &[(IntKind::Int, true), (IntKind::Long, true), (IntKind::Long, false)],
            (false, 0, false) => &[(IntKind::Int, true), (IntKind::Int, false), (IntKind::Long, true), (IntKind::Long, false)],
            (true, 0, _) => &[(IntKind::Int, false), (IntKind::Long, false)],
            (false, 1, true) => &[(IntKind::Long, true), (IntKind::Long, false)],
            (false, 1, false) => &[(IntKind::Long, true), (IntKind::Long, false)],
            (true, 1, _) => &[(IntKind::Long, false)],
            (false, _, true) => &[(IntKind::LongLong, true), (IntKind::LongLong, false)],
            (false, _, false) => &[(IntKind::LongLong, true), (IntKind::LongLong, false)],
            (true, _, _) => &[(IntKind::LongLong, false)],
        };
        let mut chosen = *candidates.last().expect("candidates");
        for &(k, s) in candidates {
            let bits = self.layout().int_size(k) * 8;
            let max = if s { (1u128 << (bits - 1)) - 1 } else { (1u128 << bits) - 1 };
            if value <= max {
                chosen = (k, s);
                break;
            }
        }
        let ty = CType::int_of(chosen.0, chosen.1);
        let e = Expr::new(ExprKind::Int(value as i128), ty.clone(), loc);
        if imaginary {
            return Ok(self.make_imaginary(e, FloatKind::Double));
        }
        Ok(e)
    }

    fn float_literal(&mut self, text: &str, loc: Loc) -> PResult<Expr> {
        let lower = text.to_ascii_lowercase();
        let mut body = lower.as_str();
        let mut kind = FloatKind::Double;
        let mut imaginary = false;
        loop {
            if let Some(b) = body.strip_suffix('i').or_else(|| body.strip_suffix('j')) {
                imaginary = true;
                body = b;
                continue;
            }
            break;
        }
        if let Some(b) = body.strip_suffix("f128").or_else(|| body.strip_suffix("f64x")) {
            kind = FloatKind::LongDouble;
            body = b;
        } else if let Some(b) = body.strip_suffix("f32").or_else(|| body.strip_suffix("f16")) {
            kind = FloatKind::Float;
            body = b;
        } else if let Some(b) = body.strip_suffix("f64") {
            body = b;
        } else if !body.starts_with("0x") || body.contains('p') {
            if let Some(b) = body.strip_suffix('f') {
                kind = FloatKind::Float;
                body = b;
            } else if let Some(b) = body.strip_suffix('l') {
                kind = FloatKind::LongDouble;
                body = b;
            }
        }
        if let Some(b) = body.strip_suffix('i').or_else(|| body.strip_suffix('j')) {
            imaginary = true;
            body = b;
        }
        let value = if let Some(hex) = body.strip_prefix("0x") {
            parse_hex_float(hex)
        } else {
            body.parse::<f64>().ok()
        };
        let value = value.ok_or_else(|| self.error_at(loc, format!("invalid floating constant \"{text}\"")))?;
        let e = Expr::new(ExprKind::Float(value), CType::new(Kind::Float(kind)), loc);
        if imaginary {
            return Ok(self.make_imaginary(e, kind));
        }
        Ok(e)
    }

    /// `1.0i`: a complex value with zero real part.
    fn make_imaginary(&mut self, e: Expr, kind: FloatKind) -> Expr {
        let loc = e.loc;
        let fe = self.convert(e, CType::new(Kind::Float(kind)));
        self.build_complex(Expr::new(ExprKind::Float(0.0), CType::new(Kind::Float(kind)), loc), fe, kind)
    }

    /// Value and type of a character constant.
    pub(super) fn char_literal(&mut self, tok: Token) -> PResult<Expr> {
        let text = tok.text.as_str();
        let (prefix, rest) = split_prefix(text);
        let inner = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).ok_or_else(|| self.error_at(tok.loc, "missing terminating ' character"))?;
        let chars = decode_escapes(inner).map_err(|m| self.error_at(tok.loc, m))?;
        if chars.is_empty() {
            return Err(self.error_at(tok.loc, "empty character constant"));
        }
        let (value, ty) = match prefix {
            "" => {
                // Multi-character constants: big-endian packing as GCC does.
                let mut v: i128 = 0;
                for c in &chars {
                    v = (v << 8) | (c.value & 0xff) as i128;
                }
                if chars.len() == 1 {
                    let b = (chars[0].value & 0xff) as u8;
                    v = if self.char_signed() { b as i8 as i128 } else { b as i128 };
                } else {
                    v = v as i32 as i128;
                }
                (v, CType::int())
            }
            "u8" => ((chars[0].value & 0xff) as i128, CType::char(false)),
            "u" => ((chars[0].value & 0xffff) as i128, CType::int_of(IntKind::Short, false)),
            "U" => (chars[0].value as i128, CType::uint()),
            _ => {
                let v = chars.last().map(|c| c.value).unwrap_or(0);
                if self.opts.short_wchar {
                    ((v & 0xffff) as i128, CType::int_of(IntKind::Short, false))
                } else if self.target.wchar_signed {
                    (v as i32 as i128, CType::int())
                } else {
                    (v as i128, CType::uint())
                }
            }
        };
        Ok(Expr::new(ExprKind::Int(value), ty, tok.loc))
    }

    pub(super) fn char_signed(&self) -> bool {
        self.opts.signed_char.unwrap_or(self.target.char_signed)
    }

    /// One or more adjacent string literals, concatenated.
    pub(super) fn string_literal(&mut self) -> PResult<Expr> {
        let loc = self.loc();
        let mut width = 1usize;
        let mut units: Vec<u32> = Vec::new();
        let mut prefix_seen = "";
        while self.peek().kind == TokenKind::Str {
            let tok = self.advance();
            let text = tok.text.as_str();
            let (prefix, rest) = split_prefix(text);
            let inner = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or_else(|| self.error_at(tok.loc, "missing terminating \" character"))?;
            let w = match prefix {
                "" | "u8" => 1,
                "u" => 2,
                "L" if self.opts.short_wchar => 2,
                _ => 4,
            };
            if w != 1 {
                if width != 1 && width != w {
                    return Err(self.error_at(tok.loc, "unsupported non-standard concatenation of string literals"));
                }
                width = w;
                prefix_seen = prefix;
            }
            let chars = decode_escapes(inner).map_err(|m| self.error_at(tok.loc, m))?;
            for c in chars {
                if c.raw_byte || w == 1 && width == 1 {
                    // Narrow literal: UTF-8 bytes for characters, raw for escapes.
                    if c.raw_byte {
                        units.push(c.value);
                    } else {
                        let mut buf = [0u8; 4];
                        let ch = char::from_u32(c.value).unwrap_or('\u{fffd}');
                        for b in ch.encode_utf8(&mut buf).bytes() {
                            units.push(b as u32);
                        }
                    }
                } else {
                    units.push(c.value);
                }
            }
        }
        // Re-encode for wide strings: UTF-16 surrogates for u"".
        let mut bytes = Vec::with_capacity(units.len() * width);
        let mut count = 0u64;
        for u in units {
            match width {
                1 => {
                    bytes.push(u as u8);
                    count += 1;
                }
                2 => {
                    let ch = char::from_u32(u).unwrap_or('\u{fffd}');
                    let mut buf = [0u16; 2];
                    for cu in ch.encode_utf16(&mut buf) {
                        bytes.extend_from_slice(&cu.to_le_bytes());
                        count += 1;
                    }
                }
                _ => {
                    bytes.extend_from_slice(&u.to_le_bytes());
                    count += 1;
                }
            }
        }
        let elem = match (width, prefix_seen) {
            (1, _) => CType::char(self.char_signed()),
            (2, _) => CType::int_of(IntKind::Short, false),
            (_, "U") => CType::uint(),
            _ => {
                if self.target.wchar_signed {
                    CType::int()
                } else {
                    CType::uint()
                }
            }
        };
        let ty = CType::array_of(elem, Some(count + 1));
        Ok(Expr::new(ExprKind::Str(bytes), ty, loc))
    }
}

fn parse_int_suffix(s: &str) -> Option<(bool, u8, bool)> {
    let mut unsigned = false;
    let mut longs = 0u8;
    let mut imaginary = false;
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("ll") {
            if longs > 0 {
                return None;
            }
            longs = 2;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('l') {
            if longs > 0 {
                return None;
            }
            longs = 1;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('u') {
            if unsigned {
                return None;
            }
            unsigned = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('i').or_else(|| rest.strip_prefix('j')) {
            imaginary = true;
            rest = r;
        } else {
            return None;
        }
    }
    Some((unsigned, longs, imaginary))
}

fn split_prefix(text: &str) -> (&str, &str) {
    for p in ["u8", "u", "U", "L"] {
        if let Some(r) = text.strip_prefix(p) {
            if r.starts_with('"') || r.starts_with('\'') {
                return (p, r);
            }
        }
    }
    ("", text)
}

pub struct DecodedChar {
    pub value: u32,
    /// From an octal/hex escape: a code unit, not a character to encode.
    pub raw_byte: bool,
}

/// Decode C escape sequences.
pub fn decode_escapes(s: &str) -> Result<Vec<DecodedChar>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            let v = c as u32;
            if (crate::RAW_BYTE_BASE..crate::RAW_BYTE_BASE + 256).contains(&v) {
                out.push(DecodedChar { value: v - crate::RAW_BYTE_BASE, raw_byte: true });
            } else {
                out.push(DecodedChar { value: v, raw_byte: false });
            }
            continue;
        }
        let e = it.next().ok_or_else(|| "incomplete escape sequence".to_string())?;
        let (value, raw) = match e {
            'n' => (10, false),
            't' => (9, false),
            'r' => (13, false),
            'a' => (7, false),
            'b' => (8, false),
            'f' => (12, false),
            'v' => (11, false),
            'e' | 'E' => (27, false),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match it.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            it.next();
                        }
                        None => break,
                    }
                }
                (v, true)
            }
            'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while let Some(d) = it.peek().and_then(|c| c.to_digit(16)) {
                    v = v.wrapping_mul(16).wrapping_add(d);
                    it.next();
                    n += 1;
                }
                if n == 0 {
                    return Err("\\x used with no following hex digits".into());
                }
                (v, true)
            }
            'u' | 'U' => {
                let n = if e == 'u' { 4 } else { 8 };
                let mut v: u32 = 0;
                for _ in 0..n {
                    let d = it.next().and_then(|c| c.to_digit(16)).ok_or_else(|| "incomplete universal character name".to_string())?;
                    v = v * 16 + d;
                }
                (v, false)
            }
            other => (other as u32, false),
        };
        out.push(DecodedChar { value, raw_byte: raw });
    }
    Ok(out)
}

/// Parse the part of a hex float after `0x` (e.g. `1.8p3`).
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find('p') {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    // Accumulate up to 64 significant bits exactly, then scale.
    let mut m: u128 = 0;
    let mut e: i32 = exp;
    let mut sticky = false;
    for c in int_part.chars() {
        let d = c.to_digit(16)? as u128;
        if m >> 120 == 0 {
            m = m * 16 + d;
        } else {
            e += 4;
            sticky |= d != 0;
        }
    }
    for c in frac_part.chars() {
        let d = c.to_digit(16)? as u128;
        if m >> 120 == 0 {
            m = m * 16 + d;
            e -= 4;
        } else {
            sticky |= d != 0;
        }
    }
    let _ = sticky;
    Some(scale_u128(m, e))
}

/// `m * 2^e` rounded to nearest f64.
fn scale_u128(m: u128, e: i32) -> f64 {
    if m == 0 {
        return 0.0;
    }
    // Normalise to 64 significant bits with a sticky bit, then let the
    // conversion from u64 round, then apply the exponent exactly.
    let lz = m.leading_zeros() as i32;
    let shift = 128 - lz - 64;
    let (m64, e2) = if shift > 0 {
        let sticky = (m & ((1u128 << shift) - 1)) != 0;
        (((m >> shift) as u64) | sticky as u64, e + shift)
    } else {
        (m as u64, e)
    };
    // Scale in two steps so that results near the subnormal range do not
    // underflow through an intermediate power of two.
    let f = m64 as f64;
    let e2 = e2.clamp(-2200, 2200);
    let half = e2 / 2;
    f * 2f64.powi(half) * 2f64.powi(e2 - half)
}
