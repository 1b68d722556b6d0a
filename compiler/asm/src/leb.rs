//! LEB128 encoding.

pub fn encode(v: i64, signed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if signed {
        let mut v = v;
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
            out.push(if done { b } else { b | 0x80 });
            if done {
                return out;
            }
        }
    }
    let mut v = v as u64;
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        out.push(if v == 0 { b } else { b | 0x80 });
        if v == 0 {
            return out;
        }
    }
}
