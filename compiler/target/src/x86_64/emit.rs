//! x86-64 function output: prologue/epilogue around the allocated body;
//! the module around it is `codegen::module`.

use std::fmt::Write;

use ccc_ir::{CodegenOptions, Function, Module};

use super::inst::*;
use super::isel::Isel;
use super::print::{print_inst, PrintCx};
use crate::codegen::mir::{MFunc, Reg};
use crate::codegen::module::{log2, symbol_directives, ConstPool, SymInfo};
use crate::codegen::regalloc::{allocate, RegInfo};

pub fn reg_info() -> RegInfo {
    if i386() {
        // cdecl: ebx, esi, edi are callee-saved; ebp is the frame pointer.
        return RegInfo {
            num_pregs: NUM_PREGS,
            int_order: vec![RAX, RCX, RDX, RBX, RSI, RDI],
            float_order: (0..8).map(xmm).collect(),
            callee_saved: vec![RBX, RSI, RDI],
            // esi and edi have no byte registers in 32-bit code
            narrow_int: Some(vec![RAX, RCX, RDX, RBX]),
        };
    }
    RegInfo {
        num_pregs: NUM_PREGS,
        int_order: vec![RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11, RBX, R12, R13, R14, R15],
        float_order: (0..16).map(xmm).collect(),
        callee_saved: vec![RBX, R12, R13, R14, R15],
        narrow_int: None,
    }
}

pub fn emit_module(m: &Module, opts: &CodegenOptions) -> Result<String, String> {
    if i386() && opts.pic {
        return Err("-fPIC is not supported by the i386 code generator yet".into());
    }
    let header = if opts.code16 { "\t.code16gcc\n" } else { "" };
    crate::codegen::module::emit_module(m, opts, header, &mut |out, f, i, syms, consts, extra| emit_function(out, f, i, opts, syms, consts, extra))
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
    // The verifier is a debugging aid (and not linear in the number of blocks).
    if cfg!(debug_assertions) {
        ccc_ir::verify::verify_function(f)?;
    }
    let isel = Isel::new(f, opts, syms, consts, index);
    let (mut mf, addr_taken, info) = isel.run()?;
    let used_cs = allocate(&mut mf, &reg_info()).map_err(|e| format!("{}: {e}", f.name))?;
    let w = word() as u64;
    mf.frame.layout(w * used_cs.len() as u64, 16);

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
    let _ = writeln!(out, "\t.p2align\t{}", log2(f.align.max(16) as u64));
    symbol_directives(out, name, &f.attrs);
    let _ = writeln!(out, "\t.type\t{name}, @function\n{name}:");
    let cfi = opts.unwind_tables;
    if cfi {
        out.push_str("\t.cfi_startproc\n");
    }
    let (q, bp, sp) = (suffix(8), reg_name(RBP, 8), reg_name(RSP, 8));
    let _ = writeln!(out, "\tpush{q}\t%{bp}");
    if cfi {
        let _ = writeln!(out, "\t.cfi_def_cfa_offset {}\n\t.cfi_offset %{bp}, -{}", 2 * w, 2 * w);
    }
    let _ = writeln!(out, "\tmov{q}\t%{sp}, %{bp}");
    if cfi {
        let _ = writeln!(out, "\t.cfi_def_cfa_register %{bp}");
    }
    for (i, r) in used_cs.iter().enumerate() {
        let _ = writeln!(out, "\tpush{q}\t%{}", reg_name(*r, 8));
        if cfi {
            let _ = writeln!(out, "\t.cfi_offset %{}, {}", reg_name(*r, 8), -3 * w as i64 - (w * i as u64) as i64);
        }
    }
    if mf.frame.alloc_size > 0 {
        let _ = writeln!(out, "\tsub{q}\t${}, %{sp}", mf.frame.alloc_size);
    }
    let epilogue = epilogue_text(&used_cs, cfi, isel_pop_bytes(f));
    let cx = PrintCx { frame: &mf.frame, label_prefix: info.label_prefix.clone(), epilogue };
    let ba_labels = info.block_address_labels(name, &addr_taken, extra_labels);
    print_body(out, &mf, &cx, &ba_labels);
    if cfi {
        out.push_str("\t.cfi_endproc\n");
    }
    let _ = writeln!(out, "\t.size\t{name}, .-{name}");
    Ok(())
}

/// Bytes of arguments the function pops on return: an i386 function
/// returning an aggregate pops the hidden pointer the caller pushed.
fn isel_pop_bytes(f: &Function) -> u32 {
    super::abi::conv().callee_pops(&f.sig)
}

fn epilogue_text(used_cs: &[Reg], cfi: bool, pop_bytes: u32) -> String {
    let mut e = String::new();
    let (q, w, bp, sp) = (suffix(8), word() as usize, reg_name(RBP, 8), reg_name(RSP, 8));
    if cfi {
        e.push_str("\t.cfi_remember_state\n");
    }
    if used_cs.is_empty() {
        e.push_str("\tleave\n");
    } else {
        let _ = writeln!(e, "\tlea{q}\t-{}(%{bp}), %{sp}", w * used_cs.len());
        for r in used_cs.iter().rev() {
            let _ = writeln!(e, "\tpop{q}\t%{}", reg_name(*r, 8));
        }
        let _ = writeln!(e, "\tpop{q}\t%{bp}");
    }
    if cfi {
        let _ = writeln!(e, "\t.cfi_def_cfa %{sp}, {w}");
    }
    if pop_bytes > 0 {
        let _ = writeln!(e, "\tret\t${pop_bytes}");
    } else {
        e.push_str("\tret\n");
    }
    if cfi {
        e.push_str("\t.cfi_restore_state\n");
    }
    e
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
        // `jcc next; jmp other` becomes `j!cc other` falling through
        if n >= 2 {
            if let (Inst::Jcc { cc, target }, Inst::Jmp { target: other }) = (&b.insts[n - 2], &b.insts[n - 1]) {
                if Some(*target) == next {
                    for inst in &b.insts[..n - 2] {
                        print_inst(out, inst, next, cx);
                    }
                    print_inst(out, &Inst::Jcc { cc: cc.invert(), target: *other }, next, cx);
                    continue;
                }
            }
        }
        for inst in &b.insts {
            print_inst(out, inst, next, cx);
        }
    }
}
