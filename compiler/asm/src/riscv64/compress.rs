//! RVC: the 16-bit form GNU as picks for a 32-bit instruction with constant operands
//! (its opcode table lists the compressed aliases first), and the C branch/jump encodings.

/// Registers x8-x15 (and f8-f15) have 3-bit numbers in most C formats.
fn c3(r: u32) -> Option<u32> {
    (8..16).contains(&r).then(|| r - 8)
}

fn fits6(v: i64) -> bool {
    (-32..32).contains(&v)
}

fn bits(v: u32, hi: u32, lo: u32) -> u32 {
    (v >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// CI format immediate (6-bit signed: imm[5] at 12, imm[4:0] at 6:2).
fn ci(funct3: u32, rd: u32, imm: i64, op: u32) -> u16 {
    let i = imm as u32;
    (funct3 << 13 | bits(i, 5, 5) << 12 | rd << 7 | bits(i, 4, 0) << 2 | op) as u16
}

pub fn compress(insn: u32) -> Option<u16> {
    let op = insn & 0x7f;
    let rd = bits(insn, 11, 7);
    let f3 = bits(insn, 14, 12);
    let rs1 = bits(insn, 19, 15);
    let rs2 = bits(insn, 24, 20);
    let f7 = bits(insn, 31, 25);
    let imm_i = (insn as i32 >> 20) as i64;
    let imm_s = (((insn as i32) >> 25) << 5 | bits(insn, 11, 7) as i32) as i64;
    Some(match (op, f3) {
        // addi: c.addi4spn, c.addi, c.mv, c.nop, c.addi16sp, c.li (GNU's table order).
        (0x13, 0) => {
            if let (2, Some(r)) = (rs1, c3(rd)) {
                if imm_i > 0 && imm_i < 1024 && imm_i % 4 == 0 {
                    let u = imm_i as u32;
                    return Some((bits(u, 5, 4) << 11 | bits(u, 9, 6) << 7 | bits(u, 2, 2) << 6 | bits(u, 3, 3) << 5 | r << 2) as u16);
                }
            }
            if rd == rs1 && rd != 0 && imm_i != 0 && fits6(imm_i) {
                ci(0, rd, imm_i, 1)
            } else if imm_i == 0 && rd != 0 && rs1 != 0 {
                // `addi a5, a5, 0` too is `c.mv a5, a5`.
                (0x8002 | rd << 7 | rs1 << 2) as u16
            } else if rd == 0 && rs1 == 0 && imm_i == 0 {
                0x0001
            } else if rd == 2 && rs1 == 2 && imm_i != 0 && imm_i % 16 == 0 && (-512..512).contains(&imm_i) {
                let u = imm_i as u32;
                (3 << 13 | bits(u, 9, 9) << 12 | 2 << 7 | bits(u, 4, 4) << 6 | bits(u, 6, 6) << 5 | bits(u, 8, 7) << 3 | bits(u, 5, 5) << 2 | 1) as u16
            } else if rs1 == 0 && rd != 0 && fits6(imm_i) {
                ci(2, rd, imm_i, 1)
            } else {
                return None;
            }
        }
        (0x1b, 0) if rd == rs1 && rd != 0 && fits6(imm_i) => ci(1, rd, imm_i, 1),
        (0x13, 1) if rd == rs1 && rd != 0 && imm_i != 0 => ci(0, rd, imm_i & 0x3f, 2),
        (0x13, 5) if rd == rs1 && c3(rd).is_some() && imm_i & 0x3f != 0 => {
            let arith = (imm_i >> 10) & 1;
            (4 << 13 | bits(imm_i as u32, 5, 5) << 12 | (arith as u32) << 10 | c3(rd)? << 7 | bits(imm_i as u32, 4, 0) << 2 | 1) as u16
        }
        (0x13, 7) if rd == rs1 && c3(rd).is_some() && fits6(imm_i) => {
            let i = imm_i as u32;
            (4 << 13 | bits(i, 5, 5) << 12 | 2 << 10 | c3(rd)? << 7 | bits(i, 4, 0) << 2 | 1) as u16
        }
        (0x37, _) if rd != 0 && rd != 2 => {
            let u = insn >> 12;
            let v = if u >= 0x80000 { u as i64 - 0x100000 } else { u as i64 };
            if v == 0 || !fits6(v) {
                return None;
            }
            ci(3, rd, v, 1)
        }
        (0x33, 0) if f7 == 0 && rd != 0 => {
            if rd == rs1 && rs2 != 0 {
                (0x9002 | rd << 7 | rs2 << 2) as u16
            } else if rd == rs2 && rs1 != 0 {
                (0x9002 | rd << 7 | rs1 << 2) as u16
            } else if rs1 == 0 && rs2 != 0 {
                // `add rd, zero, rs` is GNU's `c.mv` alias (not `add rd, rs, zero`).
                (0x8002 | rd << 7 | rs2 << 2) as u16
            } else {
                return None;
            }
        }
        (0x33, 0) if f7 == 0x20 && rd == rs1 => ca(0b100011, rd, rs2, 0)?,
        (0x33, 4 | 6 | 7) if f7 == 0 => {
            let sel = match f3 {
                4 => 1,
                6 => 2,
                _ => 3,
            };
            if rd == rs1 {
                ca(0b100011, rd, rs2, sel)?
            } else if rd == rs2 {
                ca(0b100011, rd, rs1, sel)?
            } else {
                return None;
            }
        }
        (0x3b, 0) if f7 == 0 => {
            if rd == rs1 {
                ca(0b100111, rd, rs2, 1)?
            } else if rd == rs2 {
                ca(0b100111, rd, rs1, 1)?
            } else {
                return None;
            }
        }
        (0x3b, 0) if f7 == 0x20 && rd == rs1 => ca(0b100111, rd, rs2, 0)?,
        // Loads: c.lw/c.ld/c.fld with x8-x15, c.lwsp/c.ldsp/c.fldsp off sp.
        (0x03, 2) => mem(2, 4, rd, rs1, imm_i, true, false)?,
        (0x03, 3) => mem(3, 8, rd, rs1, imm_i, true, false)?,
        (0x07, 3) => mem(1, 8, rd, rs1, imm_i, true, true)?,
        (0x23, 2) => mem(6, 4, rs2, rs1, imm_s, false, false)?,
        (0x23, 3) => mem(7, 8, rs2, rs1, imm_s, false, false)?,
        (0x27, 3) => mem(5, 8, rs2, rs1, imm_s, false, true)?,
        (0x67, 0) if imm_i == 0 && rs1 != 0 && rd == 0 => (0x8002 | rs1 << 7) as u16,
        (0x67, 0) if imm_i == 0 && rs1 != 0 && rd == 1 => (0x9002 | rs1 << 7) as u16,
        (0x73, 0) if insn == 0x0010_0073 => 0x9002,
        _ => return None,
    })
}

/// CA format: `100 f6[2] rd' f2 rs2' 01`.
fn ca(f6: u32, rd: u32, rs2: u32, f2: u32) -> Option<u16> {
    Some((f6 << 10 | c3(rd)? << 7 | f2 << 5 | c3(rs2)? << 2 | 1) as u16)
}

/// Loads and stores: `funct3` of the C form, access `size`, register, base, offset.
fn mem(funct3: u32, size: i64, r: u32, base: u32, off: i64, load: bool, fp: bool) -> Option<u16> {
    if off < 0 || off % size != 0 {
        return None;
    }
    let o = off as u32;
    if base == 2 {
        // Stack-pointer forms (quadrant 2); an integer load needs rd != 0.
        if load && !fp && r == 0 {
            return None;
        }
        let f3 = funct3;
        return Some(match (size, load) {
            (4, true) if off < 256 => (f3 << 13 | bits(o, 5, 5) << 12 | r << 7 | bits(o, 4, 2) << 4 | bits(o, 7, 6) << 2 | 2) as u16,
            (8, true) if off < 512 => (f3 << 13 | bits(o, 5, 5) << 12 | r << 7 | bits(o, 4, 3) << 5 | bits(o, 8, 6) << 2 | 2) as u16,
            (4, false) if off < 256 => (f3 << 13 | bits(o, 5, 2) << 9 | bits(o, 7, 6) << 7 | r << 2 | 2) as u16,
            (8, false) if off < 512 => (f3 << 13 | bits(o, 5, 3) << 10 | bits(o, 8, 6) << 7 | r << 2 | 2) as u16,
            _ => return None,
        });
    }
    let (r, b) = (c3(r)?, c3(base)?);
    Some(match size {
        4 if off < 128 => (funct3 << 13 | bits(o, 5, 3) << 10 | b << 7 | bits(o, 2, 2) << 6 | bits(o, 6, 6) << 5 | r << 2) as u16,
        8 if off < 256 => (funct3 << 13 | bits(o, 5, 3) << 10 | b << 7 | bits(o, 7, 6) << 5 | r << 2) as u16,
        _ => return None,
    })
}

/// `c.beqz`/`c.bnez` (`bne`: true) of x8-x15 with a zero offset.
pub fn cbranch(bne: bool, rs1: u32) -> Option<u16> {
    Some((if bne { 0xe001 } else { 0xc001 } | c3(rs1)? << 7) as u16)
}

pub const C_J: u16 = 0xa001;

/// The CB-format offset bits of `off`.
pub fn cb_imm(off: i64) -> u16 {
    let o = off as u32;
    (bits(o, 8, 8) << 12 | bits(o, 4, 3) << 10 | bits(o, 7, 6) << 5 | bits(o, 2, 1) << 3 | bits(o, 5, 5) << 2) as u16
}

/// The CJ-format offset bits of `off`.
pub fn cj_imm(off: i64) -> u16 {
    let o = off as u32;
    (bits(o, 11, 11) << 12 | bits(o, 4, 4) << 11 | bits(o, 9, 8) << 9 | bits(o, 10, 10) << 8 | bits(o, 6, 6) << 7 | bits(o, 7, 7) << 6 | bits(o, 3, 1) << 3 | bits(o, 5, 5) << 2) as u16
}

pub fn b_imm(off: i64) -> u32 {
    let o = off as u32;
    bits(o, 12, 12) << 31 | bits(o, 10, 5) << 25 | bits(o, 4, 1) << 8 | bits(o, 11, 11) << 7
}

pub fn j_imm(off: i64) -> u32 {
    let o = off as u32;
    bits(o, 20, 20) << 31 | bits(o, 10, 1) << 21 | bits(o, 11, 11) << 20 | bits(o, 19, 12) << 12
}
