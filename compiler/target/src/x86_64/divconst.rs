//! Division by constants through multiplication by "magic" reciprocals
//! (Hacker's Delight, chapter 10), for 32- and 64-bit operands.

use super::inst::*;
use super::isel::{fits_i32, Isel};
use crate::codegen::mir::Reg;

/// Unsigned magic: multiplier, "add" indicator, shift.
pub fn magic_unsigned(d: u64, n: u32) -> (u64, bool, u32) {
    let two_n1: u128 = 1 << (n - 1);
    let d128 = d as u128;
    let max: u128 = (1u128 << n) - 1;
    let nc = max - ((1u128 << n) - d128) % d128;
    let mut p = n - 1;
    let (mut q1, mut r1) = (two_n1 / nc, two_n1 % nc);
    let (mut q2, mut r2) = ((two_n1 - 1) / d128, (two_n1 - 1) % d128);
    let mut add = false;
    loop {
        p += 1;
        if r1 >= nc - r1 {
            q1 = 2 * q1 + 1;
            r1 = 2 * r1 - nc;
        } else {
            q1 *= 2;
            r1 *= 2;
        }
        if r2 + 1 >= d128 - r2 {
            if q2 >= two_n1 - 1 {
                add = true;
            }
            q2 = 2 * q2 + 1;
            r2 = 2 * r2 + 1 - d128;
        } else {
            if q2 >= two_n1 {
                add = true;
            }
            q2 *= 2;
            r2 = 2 * r2 + 1;
        }
        let delta = d128 - 1 - r2;
        if !(p < 2 * n && (q1 < delta || (q1 == delta && r1 == 0))) {
            break;
        }
    }
    (((q2 + 1) & max) as u64, add, p - n)
}

/// Signed magic: multiplier (as an n-bit signed value) and shift. `d` is not 0, 1 or -1.
pub fn magic_signed(d: i64, n: u32) -> (i64, u32) {
    let two_n1: u128 = 1 << (n - 1);
    let ad = d.unsigned_abs() as u128;
    let t = two_n1 + if d < 0 { 1 } else { 0 };
    let anc = t - 1 - t % ad;
    let mut p = n - 1;
    let (mut q1, mut r1) = (two_n1 / anc, two_n1 % anc);
    let (mut q2, mut r2) = (two_n1 / ad, two_n1 % ad);
    loop {
        p += 1;
        q1 *= 2;
        r1 *= 2;
        if r1 >= anc {
            q1 += 1;
            r1 -= anc;
        }
        q2 *= 2;
        r2 *= 2;
        if r2 >= ad {
            q2 += 1;
            r2 -= ad;
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let mask: u128 = if n == 64 { u64::MAX as u128 } else { (1u128 << n) - 1 };
    let m = ((q2 + 1) & mask) as u64;
    // sign-extend from n bits
    let m = ((m << (64 - n)) as i64) >> (64 - n);
    (if d < 0 { m.wrapping_neg() } else { m }, p - n)
}

impl Isel<'_> {
    /// `x / d` or `x % d` for a 32- or 64-bit value `x` (already extended
    /// when narrower) by the constant `d` (|d| >= 2). Writes `dst`.
    pub(crate) fn div_by_const(&mut self, x: Reg, d: i64, sz: u8, signed: bool, rem: bool, dst: Reg) {
        let n = (sz as u32) * 8;
        let q = self.vreg();
        if signed {
            let ad = d.unsigned_abs();
            if ad.is_power_of_two() {
                let k = ad.trailing_zeros() as u8;
                // q = (x + ((x >> (n-1)) >>> (n-k))) >> k
                let t = self.vreg();
                self.mov_rr(x, t);
                self.emit(Inst::Shift { op: "sar", sz, amt: Some(n as u8 - 1), dst: t });
                self.emit(Inst::Shift { op: "shr", sz, amt: Some(n as u8 - k), dst: t });
                self.alu(AluOp::Add, sz, Opnd::Reg(x), t);
                self.mov_rr(t, q);
                self.emit(Inst::Shift { op: "sar", sz, amt: Some(k), dst: q });
            } else {
                let (m, s) = magic_signed(d, n);
                let hi = self.mulhi(x, m as u64, sz, true);
                if d > 0 && m < 0 {
                    self.alu(AluOp::Add, sz, Opnd::Reg(x), hi);
                } else if d < 0 && m > 0 {
                    self.alu(AluOp::Sub, sz, Opnd::Reg(x), hi);
                }
                if s > 0 {
                    self.emit(Inst::Shift { op: "sar", sz, amt: Some(s as u8), dst: hi });
                }
                let t = self.vreg();
                self.mov_rr(hi, t);
                self.emit(Inst::Shift { op: "shr", sz, amt: Some(n as u8 - 1), dst: t });
                self.alu(AluOp::Add, sz, Opnd::Reg(t), hi);
                self.mov_rr(hi, q);
            }
            if d < 0 && d.unsigned_abs().is_power_of_two() {
                self.emit(Inst::Unary { op: "neg", sz, dst: q });
            }
        } else {
            let du = if sz == 4 { d as u32 as u64 } else { d as u64 };
            let (m, add, s) = magic_unsigned(du, n);
            let hi = self.mulhi(x, m, sz, false);
            if add {
                // q = (((x - hi) >> 1) + hi) >> (s - 1)
                let t = self.vreg();
                self.mov_rr(x, t);
                self.alu(AluOp::Sub, sz, Opnd::Reg(hi), t);
                self.emit(Inst::Shift { op: "shr", sz, amt: Some(1), dst: t });
                self.alu(AluOp::Add, sz, Opnd::Reg(hi), t);
                if s > 1 {
                    self.emit(Inst::Shift { op: "shr", sz, amt: Some(s as u8 - 1), dst: t });
                }
                self.mov_rr(t, q);
            } else {
                if s > 0 {
                    self.emit(Inst::Shift { op: "shr", sz, amt: Some(s as u8), dst: hi });
                }
                self.mov_rr(hi, q);
            }
        }
        if rem {
            // r = x - q * d
            let t = self.vreg();
            if fits_i32(d) {
                self.emit(Inst::Imul3 { sz, src: Opnd::Reg(q), imm: d as i32, dst: t });
            } else {
                let k = self.vreg();
                self.load_imm(d, k);
                self.mov_rr(q, t);
                self.emit(Inst::Imul { sz, src: Opnd::Reg(k), dst: t });
            }
            self.mov_rr(x, dst);
            self.alu(AluOp::Sub, sz, Opnd::Reg(t), dst);
        } else {
            self.mov_rr(q, dst);
        }
    }

    /// High half of the `sz`-byte product `x * m` (signed or unsigned).
    fn mulhi(&mut self, x: Reg, m: u64, sz: u8, signed: bool) -> Reg {
        let hi = self.vreg();
        if sz == 4 {
            // widen to 64 bits, multiply, take bits 32..63
            let w = self.vreg();
            if signed {
                self.emit(Inst::MovX { op: "movslq", src: Opnd::Reg(x), dst: w });
                self.emit(Inst::Imul3 { sz: 8, src: Opnd::Reg(w), imm: m as u32 as i32, dst: hi });
            } else {
                self.mov(4, Opnd::Reg(x), Opnd::Reg(w));
                let k = self.vreg();
                self.load_imm(m as u32 as i64, k);
                self.mov_rr(w, hi);
                self.emit(Inst::Imul { sz: 8, src: Opnd::Reg(k), dst: hi });
            }
            self.emit(Inst::Shift { op: if signed { "sar" } else { "shr" }, sz: 8, amt: Some(32), dst: hi });
        } else {
            let k = self.vreg();
            self.load_imm(m as i64, k);
            self.mov_rr(x, RAX);
            self.emit(Inst::MulWide { signed, sz: 8, src: Opnd::Reg(k) });
            self.mov_rr(RDX, hi);
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_divide_exactly() {
        for d in [3u64, 5, 6, 7, 10, 11, 13, 25, 100, 641, 1000, 0x7fff_ffff, 0xffff_fffe] {
            let (m, add, s) = magic_unsigned(d, 32);
            for x in [0u64, 1, 2, d - 1, d, d + 1, 12345, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xdead_beef] {
                let hi = (x * m) >> 32;
                let q = if add { (((x - hi) >> 1) + hi) >> (s - 1) } else { hi >> s };
                assert_eq!(q, x / d, "u32 {x}/{d}");
            }
        }
        for d in [-1000i64, -7, -3, 3, 5, 7, 10, 100, 641, 1 << 20] {
            let (m, s) = magic_signed(d, 32);
            for x in [0i64, 1, -1, 7, -7, 12345, -12345, i32::MAX as i64, i32::MIN as i64] {
                let mut q = (x * (m as i32 as i64)) >> 32;
                if d > 0 && m < 0 {
                    q += x;
                } else if d < 0 && m > 0 {
                    q -= x;
                }
                q >>= s;
                q += ((q as u32) >> 31) as i64;
                assert_eq!(q as i32, (x / d) as i32, "i32 {x}/{d}");
            }
        }
    }
}
