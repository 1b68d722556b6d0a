//! AArch64 function output: prologue/epilogue around the allocated body;
//! the module around it is `codegen::module`.
//!
//! Frame (x29 points at the saved x29/x30 pair, as AAPCS64's frame chain):
//! ```text
//!   x29+16+va..       incoming stack arguments (the CFA)
//!   x29+16..+16+va    variadic functions: q0-q7 (128 bytes, not under
//!                     -mgeneral-regs-only), then x0-x7 (64 bytes)
//!   x29+0, x29+8      caller's x29, x30
//!   x29-8..           callee-saved registers, then the frame slots
//!   sp..              outgoing stack arguments
//! ```

use std::fmt::Write;

use ccc_ir::{CodegenOptions, Function, Module};

use super::inst::*;
use super::isel::Isel;
use super::print::{print_inst, write_add, PrintCx};
use crate::codegen::mir::{MFunc, Reg};
use crate::codegen::module::{log2, symbol_directives, ConstPool, SymInfo};
use crate::codegen::regalloc::{allocate, RegInfo};

/// Bytes of the variadic register save area: x0-x7 and q0-q7 (only
/// x0-x7 when no FP/SIMD register may be touched).
pub fn va_save_bytes(opts: &CodegenOptions) -> i64 {
    if opts.general_regs_only {
        64
    } else {
        64 + 128
    }
}

pub fn reg_info() -> RegInfo {
    let int_order = [9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
    let float_order = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut callee_saved: Vec<Reg> = (19..29).map(x).collect();
    callee_saved.extend((8..16).map(v));
    RegInfo {
        num_pregs: NUM_PREGS,
        int_order: int_order.into_iter().map(x).collect(),
        float_order: float_order.into_iter().map(v).collect(),
        callee_saved,
        narrow_int: None,
    }
}

pub fn emit_module(m: &Module, opts: &CodegenOptions) -> Result<String, String> {
    // as GCC: the architecture named by -march, so the assembler accepts its instructions
    let header = if opts.march.starts_with("armv") { format!("\t.arch\t{}\n", opts.march) } else { String::new() };
    crate::codegen::module::emit_module(m, opts, &header, &mut |out, f, i, syms, consts, extra| emit_function(out, f, i, opts, syms, consts, extra))
}

/// DWARF register number (x0-x30: 0-30, v0-v31: 64-95).
fn dwarf_reg(r: Reg) -> u32 {
    if is_fpr(r) {
        r.0 + 32
    } else {
        r.0
    }
}

/// `str`/`ldr` of a callee-saved register at `x29 + off` (small negative offsets).
fn save_restore(out: &mut String, r: Reg, off: i64, store: bool) {
    let w = if is_fpr(r) { W::D } else { W::X };
    let op = if store { "stur" } else { "ldur" };
    let _ = writeln!(out, "\t{op}\t{}, [x29, {off}]", reg_name(r, w));
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
    let cs_bytes = 8 * used_cs.len() as u64;
    mf.frame.layout(cs_bytes, 16);
    let va: i64 = if info.variadic { va_save_bytes(opts) } else { 0 };
    let below = (cs_bytes + mf.frame.alloc_size) as i64;

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
    let _ = writeln!(out, "\t.type\t{name}, %function\n{name}:");
    let cfi = opts.unwind_tables;
    if cfi {
        out.push_str("\t.cfi_startproc\n");
    }
    if va > 0 {
        let _ = writeln!(out, "\tsub\tsp, sp, {va}");
    }
    out.push_str("\tstp\tx29, x30, [sp, -16]!\n");
    if cfi {
        let _ = writeln!(out, "\t.cfi_def_cfa_offset {}", 16 + va);
    }
    out.push_str("\tmov\tx29, sp\n");
    if cfi {
        let _ = writeln!(out, "\t.cfi_def_cfa 29, {}\n\t.cfi_offset 29, {}\n\t.cfi_offset 30, {}", 16 + va, -16 - va, -8 - va);
    }
    write_add(out, "sp", "sp", -below);
    for (i, r) in used_cs.iter().enumerate() {
        let off = -8 * (i as i64 + 1);
        save_restore(out, *r, off, true);
        if cfi {
            let _ = writeln!(out, "\t.cfi_offset {}, {}", dwarf_reg(*r), off - 16 - va);
        }
    }
    let mut epilogue = String::new();
    if cfi {
        epilogue.push_str("\t.cfi_remember_state\n");
    }
    for (i, r) in used_cs.iter().enumerate() {
        save_restore(&mut epilogue, *r, -8 * (i as i64 + 1), false);
    }
    epilogue.push_str("\tmov\tsp, x29\n\tldp\tx29, x30, [sp], 16\n");
    if va > 0 {
        let _ = writeln!(epilogue, "\tadd\tsp, sp, {va}");
    }
    if cfi {
        epilogue.push_str("\t.cfi_def_cfa 31, 0\n");
    }
    epilogue.push_str("\tret\n");
    if cfi {
        epilogue.push_str("\t.cfi_restore_state\n");
    }
    let cx = PrintCx { frame: &mf.frame, label_prefix: info.label_prefix.clone(), epilogue, incoming_bias: 16 + va };
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
        // `b.CC next; b other` becomes `b.!CC other`, falling through
        if n >= 2 {
            let inverted = match (&b.insts[n - 2], &b.insts[n - 1]) {
                (Inst::BCond { cond, target }, Inst::B { target: other }) if Some(*target) == next => {
                    Some(Inst::BCond { cond: invert_cond(cond), target: *other })
                }
                (Inst::Cbz { nz, w, rs, target }, Inst::B { target: other }) if Some(*target) == next => {
                    Some(Inst::Cbz { nz: !nz, w: *w, rs: *rs, target: *other })
                }
                _ => None,
            };
            if let Some(inv) = inverted {
                for inst in &b.insts[..n - 2] {
                    print_inst(out, inst, next, cx);
                }
                print_inst(out, &inv, next, cx);
                continue;
            }
        }
        for inst in &b.insts {
            print_inst(out, inst, next, cx);
        }
    }
}

pub fn invert_cond(c: &str) -> &'static str {
    match c {
        "eq" => "ne",
        "ne" => "eq",
        "lt" => "ge",
        "ge" => "lt",
        "gt" => "le",
        "le" => "gt",
        "lo" => "hs",
        "hs" => "lo",
        "hi" => "ls",
        "ls" => "hi",
        "mi" => "pl",
        "pl" => "mi",
        "vs" => "vc",
        _ => "vs",
    }
}
