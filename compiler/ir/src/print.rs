//! Text form of the IR, for `-fdump-ir` and test expectations.

use std::fmt::Write;

use crate::func::Function;
use crate::inst::{BlockCall, Callee, InstKind};
use crate::module::{InitPiece, Module};
use crate::types::AbiType;

fn abi(t: &AbiType) -> String {
    match t {
        AbiType::Scalar(t) => t.to_string(),
        AbiType::Aggregate(l) => format!("agg<{},{}>", l.size, l.align),
    }
}

fn bc(b: &BlockCall) -> String {
    if b.args.is_empty() {
        b.block.to_string()
    } else {
        let args: Vec<String> = b.args.iter().map(|a| a.to_string()).collect();
        format!("{}({})", b.block, args.join(", "))
    }
}

pub fn print_inst(kind: &InstKind) -> String {
    use InstKind::*;
    match kind {
        IConst { ty, value } => format!("iconst.{ty} {value}"),
        FConst { ty, bits } => format!("fconst.{ty} {bits:#x}"),
        GlobalAddr { name, offset } => format!("global_addr {name}+{offset}"),
        TlsAddr { name, offset } => format!("tls_addr {name}+{offset}"),
        SlotAddr { slot } => format!("slot_addr {slot}"),
        DynAlloca { size, align } => format!("dyn_alloca {size}, align {align}"),
        BlockAddr { block } => format!("block_addr {block}"),
        StackSave => "stack_save".into(),
        StackRestore { ptr } => format!("stack_restore {ptr}"),
        Binary { op, ty, lhs, rhs } => format!("{op:?}.{ty} {lhs}, {rhs}").to_lowercase(),
        Unary { op, ty, arg } => format!("{op:?}.{ty} {arg}").to_lowercase(),
        IsConstant { arg } => format!("is_constant {arg}"),
        Icmp { cc, ty, lhs, rhs } => format!("icmp.{ty} {cc:?} {lhs}, {rhs}").to_lowercase(),
        Fcmp { cc, ty, lhs, rhs } => format!("fcmp.{ty} {cc:?} {lhs}, {rhs}").to_lowercase(),
        Cast { op, from, to, arg } => format!("{op:?}.{from}.{to} {arg}").to_lowercase(),
        Select { ty, cond, a, b, .. } => format!("select.{ty} {cond}, {a}, {b}"),
        Overflows { op, ty, signed, lhs, rhs } => {
            format!("overflows.{op:?}.{ty}{} {lhs}, {rhs}", if *signed { ".s" } else { ".u" }).to_lowercase()
        }
        Load { ty, ptr, volatile } => format!("load{}.{ty} {ptr}", if *volatile { ".volatile" } else { "" }),
        Store { ty, ptr, value, volatile } => {
            format!("store{}.{ty} {value}, {ptr}", if *volatile { ".volatile" } else { "" })
        }
        Memcpy { dst, src, size, align } => format!("memcpy {dst}, {src}, {size}, align {align}"),
        Memset { dst, byte, size, align } => format!("memset {dst}, {byte}, {size}, align {align}"),
        Call { callee, sig, args, ret_slot, chain } => {
            let c = match callee {
                Callee::Direct(n) => n.clone(),
                Callee::Indirect(v) => format!("*{v}"),
            };
            let a: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let p: Vec<String> = sig.params.iter().map(abi).collect();
            let r = sig.ret.as_ref().map(abi).unwrap_or_else(|| "void".into());
            let rs = ret_slot.map(|s| format!(" -> [{s}]")).unwrap_or_default();
            let ch = chain.map(|v| format!(" chain {v}")).unwrap_or_default();
            format!("call {c}({}){ch} : ({}{}) -> {r}{rs}", a.join(", "), p.join(", "), if sig.variadic { ", ..." } else { "" })
        }
        AtomicLoad { ty, ptr, order } => format!("atomic_load.{ty} {ptr} {order:?}"),
        AtomicStore { ty, ptr, value, order } => format!("atomic_store.{ty} {value}, {ptr} {order:?}"),
        AtomicRmw { op, ty, ptr, value, order } => format!("atomic_rmw.{op:?}.{ty} {ptr}, {value} {order:?}"),
        AtomicCmpXchg { ty, ptr, expected, desired, order } => {
            format!("cmpxchg.{ty} {ptr}, {expected}, {desired} {order:?}")
        }
        Fence { order } => format!("fence {order:?}"),
        VaStart { ap } => format!("va_start {ap}"),
        VaArg { ap, ty } => format!("va_arg {ap}, {}", abi(ty)),
        VaCopy { dst, src } => format!("va_copy {dst}, {src}"),
        FrameAddress { level } => format!("frame_address {level}"),
        StaticChain => "static_chain".into(),
        ReturnAddress { level } => format!("return_address {level}"),
        InlineAsm(a) => format!("asm {:?} out {} in {}", a.template, a.outputs.len(), a.inputs.len()),
        Jump(b) => format!("jump {}", bc(b)),
        NonlocalGoto { frame, stack, target } => format!("nonlocal_goto {frame}, {stack}, {target}"),
        Branch { cond, then_dest, else_dest, .. } => format!("br {cond}, {}, {}", bc(then_dest), bc(else_dest)),
        Switch { value, cases, default, .. } => {
            let c: Vec<String> = cases.iter().map(|(v, b)| format!("{v}: {b}")).collect();
            format!("switch {value} [{}] default {default}", c.join(", "))
        }
        IndirectJump { addr, targets } => {
            let t: Vec<String> = targets.iter().map(|b| b.to_string()).collect();
            format!("indirect_jump {addr} [{}]", t.join(", "))
        }
        Return { value: Some(v) } => format!("return {v}"),
        Return { value: None } => "return".into(),
        Unreachable => "unreachable".into(),
        Trap => "trap".into(),
    }
}

pub fn print_function(f: &Function) -> String {
    let mut s = String::new();
    let params: Vec<String> = f.sig.params.iter().map(abi).collect();
    let ret = f.sig.ret.as_ref().map(abi).unwrap_or_else(|| "void".into());
    let chain = if f.static_chain { " static_chain" } else { "" };
    let _ = writeln!(s, "function {}({}) -> {ret}{chain} {{", f.name, params.join(", "));
    for (i, slot) in f.slots.iter().enumerate() {
        let _ = writeln!(s, "  ss{i} = slot {}, align {}", slot.size, slot.align);
    }
    for &b in &f.layout {
        let bd = &f.blocks[b.index()];
        let ps: Vec<String> = bd.params.iter().map(|p| format!("{p}: {}", f.value_type(*p))).collect();
        let _ = writeln!(s, "{b}({}):", ps.join(", "));
        for inst in &bd.insts {
            match inst.result {
                Some(r) => {
                    let _ = writeln!(s, "  {r} = {}", print_inst(&inst.kind));
                }
                None => {
                    let _ = writeln!(s, "  {}", print_inst(&inst.kind));
                }
            }
        }
    }
    s.push_str("}\n");
    s
}

pub fn print_module(m: &Module) -> String {
    let mut s = String::new();
    for g in &m.globals {
        let _ = write!(s, "global {} size {} align {}", g.name, g.size, g.align);
        if let Some(init) = &g.init {
            s.push_str(" = [");
            for p in init {
                match p {
                    InitPiece::Bytes(b) => {
                        let _ = write!(s, " bytes{b:?}");
                    }
                    InitPiece::Zero(n) => {
                        let _ = write!(s, " zero({n})");
                    }
                    InitPiece::Addr { symbol, addend } => {
                        let _ = write!(s, " &{symbol}+{addend}");
                    }
                    InitPiece::LabelAddr { function, block, addend } => {
                        let _ = write!(s, " &&{function}.b{block}+{addend}");
                    }
                }
            }
            s.push_str(" ]");
        }
        s.push('\n');
    }
    if m.exec_stack {
        s.push_str("exec_stack\n");
    }
    for f in &m.functions {
        s.push_str(&print_function(f));
    }
    s
}
