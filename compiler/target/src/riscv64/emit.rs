//! RISC-V function output: prologue/epilogue around the allocated body;
//! the module around it is `codegen::module`.
//!
//! Frame (the frame pointer s0 is the stack pointer at entry, less the
//! 64-byte register save area of a variadic function):
//! ```text
//!   s0+64..       incoming stack arguments (s0+0.. without a save area)
//!   s0+0..s0+64   a0-a7 of a variadic function
//!   s0-8, s0-16   ra, caller's s0
//!   s0-24..       callee-saved registers, then the frame slots
//!   sp..          outgoing stack arguments
//! ```

use std::fmt::Write;

use ccc_ir::{CodegenOptions, Function, Module};

use super::inst::*;
use super::isel::Isel;
use super::print::{print_inst, PrintCx};
use crate::codegen::mir::{MFunc, Reg};
use crate::codegen::module::{log2, symbol_directives, ConstPool, SymInfo};
use crate::codegen::regalloc::{allocate, RegInfo};

pub fn reg_info() -> RegInfo {
    let int_order = [5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
    let float_order = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
    let mut callee_saved: Vec<Reg> = [9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27].into_iter().map(x).collect();
    callee_saved.extend([8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27].into_iter().map(f));
    RegInfo {
        num_pregs: NUM_PREGS,
        int_order: int_order.into_iter().map(x).collect(),
        float_order: float_order.into_iter().map(f).collect(),
        callee_saved,
        narrow_int: None,
    }
}

pub fn emit_module(m: &Module, opts: &CodegenOptions) -> Result<String, String> {
    let header = if opts.pic || opts.pie { "\t.option pic\n" } else { "\t.option nopic\n" };
    crate::codegen::module::emit_module(m, opts, header, &mut |out, f, i, syms, consts, extra| emit_function(out, f, i, opts, syms, consts, extra))
}

/// `sp = sp + delta` with any delta (t0 is free in prologues and epilogues).
fn adjust_sp(out: &mut String, delta: i64) {
    if delta == 0 {
        return;
    }
    if fits12(delta) {
        let _ = writeln!(out, "\taddi\tsp, sp, {delta}");
    } else {
        let _ = writeln!(out, "\tli\tt0, {delta}\n\tadd\tsp, sp, t0");
    }
}

fn save_op(r: Reg, store: bool) -> &'static str {
    match (is_fpr(r), store) {
        (true, true) => "fsd",
        (true, false) => "fld",
        (false, true) => "sd",
        (false, false) => "ld",
    }
}

fn emit_function(
    out: &mut String,
    f: &Function,
    index: usize,
    opts: &CodegenOptions,
    syms: &SymInfo,
    consts: &mut ConstPool,
    extra_labels: &[u32],
) -> Result<(), String> {
    if f.blocks.is_empty() || f.layout.is_empty() {
        return Err(format!("{}: function without a body", f.name));
    }
    if cfg!(debug_assertions) {
        ccc_ir::verify::verify_function(f)?;
    }
    let isel = Isel::new(f, opts, syms, consts, index);
    let (mut mf, addr_taken, info) = isel.run()?;
    let used_cs = allocate(&mut mf, &reg_info()).map_err(|e| format!("{}: {e}", f.name))?;
    let saved = 16 + 8 * used_cs.len() as u64;
    mf.frame.layout(saved, 16);
    let va: i64 = if info.variadic { 64 } else { 0 };
    let total = (saved + mf.frame.alloc_size) as i64;

    let name = &f.name;
    match &f.attrs.section {
        Some(s) => {
            let _ = writeln!(out, "\t.section\t{s},\"ax\",@progbits");
        }
        None if opts.function_sections => {
            let _ = writeln!(out, "\t.section\t.text.{name},\"ax\",@progbits");
        }
        None => out.push_str("\t.text\n"),
    }
    let _ = writeln!(out, "\t.p2align\t{}", log2(f.align.max(4) as u64));
    symbol_directives(out, name, &f.attrs);
    let _ = writeln!(out, "\t.type\t{name}, @function\n{name}:");
    let cfi = opts.unwind_tables;
    if cfi {
        out.push_str("\t.cfi_startproc\n");
    }
    adjust_sp(out, -(total + va));
    if cfi {
        let _ = writeln!(out, "\t.cfi_def_cfa_offset {}", total + va);
    }
    // t0 = the new frame pointer
    if fits12(total) {
        let _ = writeln!(out, "\taddi\tt0, sp, {total}");
    } else {
        let _ = writeln!(out, "\tli\tt0, {total}\n\tadd\tt0, sp, t0");
    }
    out.push_str("\tsd\tra, -8(t0)\n\tsd\ts0, -16(t0)\n\tmv\ts0, t0\n");
    if cfi {
        // the CFA is the stack pointer at entry: s0 + va
        let _ = writeln!(out, "\t.cfi_offset 1, {}\n\t.cfi_offset 8, {}\n\t.cfi_def_cfa 8, {va}", -8 - va, -16 - va);
    }
    for (i, r) in used_cs.iter().enumerate() {
        let _ = writeln!(out, "\t{}\t{}, {}(s0)", save_op(*r, true), reg_name(*r), -24 - 8 * i as i64);
        if cfi {
            // DWARF numbers x0-x31, f0-f31 as 0-63: our register numbering
            let _ = writeln!(out, "\t.cfi_offset {}, {}", r.0, -24 - 8 * i as i64 - va);
        }
    }
    let mut epilogue = String::new();
    if cfi {
        epilogue.push_str("\t.cfi_remember_state\n");
    }
    for (i, r) in used_cs.iter().enumerate() {
        let _ = writeln!(epilogue, "\t{}\t{}, {}(s0)", save_op(*r, false), reg_name(*r), -24 - 8 * i as i64);
    }
    let _ = writeln!(epilogue, "\tld\tra, -8(s0)\n\tmv\tt0, s0\n\tld\ts0, -16(t0)");
    let _ = writeln!(epilogue, "\taddi\tsp, t0, {va}");
    if cfi {
        epilogue.push_str("\t.cfi_def_cfa 2, 0\n");
    }
    epilogue.push_str("\tret\n");
    if cfi {
        epilogue.push_str("\t.cfi_restore_state\n");
    }
    let cx = PrintCx { frame: &mf.frame, label_prefix: info.label_prefix.clone(), epilogue, incoming_bias: va };
    let ba_labels = info.block_address_labels(name, &addr_taken, extra_labels);
    print_body(out, &mf, &cx, &ba_labels);
    if cfi {
        out.push_str("\t.cfi_endproc\n");
    }
    let _ = writeln!(out, "\t.size\t{name}, .-{name}");
    Ok(())
}

fn print_body(out: &mut String, mf: &MFunc<Inst>, cx: &PrintCx, ba_labels: &[(u32, String)]) {
    for (bi, b) in mf.blocks.iter().enumerate() {
        let _ = writeln!(out, "{}:", cx.label(bi as u32));
        for (mb, l) in ba_labels {
            if *mb == bi as u32 {
                let _ = writeln!(out, "{l}:");
            }
        }
        let next = if bi + 1 < mf.blocks.len() { Some(bi as u32 + 1) } else { None };
        let n = b.insts.len();
        // `bCC next; j other` becomes `b!CC other`, falling through
        if n >= 2 {
            if let (Inst::Br { op, rs1, rs2, target }, Inst::J { target: other }) = (&b.insts[n - 2], &b.insts[n - 1]) {
                if Some(*target) == next {
                    for inst in &b.insts[..n - 2] {
                        print_inst(out, inst, next, cx);
                    }
                    let inv = Inst::Br { op: invert_branch(op), rs1: *rs1, rs2: *rs2, target: *other };
                    print_inst(out, &inv, next, cx);
                    continue;
                }
            }
        }
        for inst in &b.insts {
            print_inst(out, inst, next, cx);
        }
    }
}

fn invert_branch(op: &str) -> &'static str {
    match op {
        "beq" => "bne",
        "bne" => "beq",
        "blt" => "bge",
        "bge" => "blt",
        "bltu" => "bgeu",
        _ => "bltu",
    }
}
