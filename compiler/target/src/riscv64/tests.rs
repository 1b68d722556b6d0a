//! End-to-end tests: IR built by hand, compiled by this backend, linked
//! with C drivers compiled by the cross gcc and run under qemu-user.

use ccc_ir::*;

use crate::testutil::*;

fn run(tag: &str, m: &Module, driver: &str) -> String {
    run_with_c_on(Arch::Riscv64, tag, m, &CodegenOptions::default(), driver, &[])
}

fn asm_of(fs: Vec<Function>) -> String {
    crate::emit_assembly(&module(fs), &TargetInfo::for_arch(Arch::Riscv64), &CodegenOptions::default()).unwrap()
}

/// The IR's `I8` has no signedness: narrow results are returned
/// zero-extended (RISC-V's `char` is unsigned), so the drivers declare our
/// 8-bit functions as returning `uint8_t` and convert the result.
fn unsigned_i8_returns(driver: &str) -> String {
    let mut s = String::new();
    for line in driver.lines() {
        if line.starts_with("int8_t ") && line.contains("_i8_") {
            s.push('u');
        }
        s.push_str(&line.replace("if (sel_i8_", "if ((int8_t)sel_i8_").replace(" int8_t sel_i8_", " uint8_t sel_i8_"));
        s.push('\n');
    }
    s
}

#[test]
fn integer_arithmetic_all_widths() {
    let (m, driver) = int_arith_case();
    let driver = unsigned_i8_returns(&driver);
    let out = run("rv-intarith", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn compares_branches_selects() {
    let (m, driver) = compare_case();
    let driver = unsigned_i8_returns(&driver);
    let out = run("rv-cmp", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn word_arithmetic_uses_w_forms() {
    let (mut b, p) = FB::new("sum3", sig(&[Type::I32, Type::I32, Type::I32], Some(Type::I32)));
    let x = b.bin(BinOp::Add, Type::I32, p[0], p[1]);
    let y = b.bin(BinOp::Mul, Type::I32, x, p[2]);
    let z = b.bin(BinOp::SDiv, Type::I32, y, p[0]);
    b.ret(Some(z));
    let s = asm_of(vec![b.finish()]);
    assert!(s.contains("addw") && s.contains("mulw") && s.contains("divw"), "{s}");
    // a function of registers keeps its values out of the frame
    assert!(!s.contains("(s0)\n\tld") && !s.contains("fsd"), "{s}");
}

/// Struct shapes of the psABI's flattening rules, passed and returned by
/// value between this backend and gcc in both directions.
#[test]
fn struct_flattening_matches_gcc() {
    let shapes: [(&str, Vec<(u64, Type)>, u64, u32); 7] = [
        ("d", vec![(0, Type::F64)], 8, 8),
        ("ff", vec![(0, Type::F32), (4, Type::F32)], 8, 4),
        ("di", vec![(0, Type::F64), (8, Type::I32)], 16, 8),
        ("id", vec![(0, Type::I32), (8, Type::F64)], 16, 8),
        ("ii", vec![(0, Type::I64), (8, Type::I64)], 16, 8),
        ("ccc", vec![(0, Type::I8), (1, Type::I8), (2, Type::I8)], 3, 1),
        ("big", vec![(0, Type::I64), (8, Type::I64), (16, Type::I64)], 24, 8),
    ];
    let (m, driver) = struct_abi_case(&shapes);
    let out = run("rv-structs", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// Variadic calls put doubles and 16-byte values in integer registers
/// (aligned pairs); `va_arg` walks the save area into the stack arguments.
#[test]
fn variadic_calls_and_va_arg() {
    let (m, driver, want) = variadic_case(8);
    let out = run("rv-varargs", &m, &driver);
    assert_eq!(out, want);
}

#[test]
fn unsupported_input_is_an_error_naming_the_function() {
    let (mut b, p) = FB::new("x87", sig(&[Type::F80], None));
    let _ = p;
    b.ret(None);
    let e = crate::emit_assembly(&module(vec![b.finish()]), &TargetInfo::for_arch(Arch::Riscv64), &CodegenOptions::default()).unwrap_err();
    assert!(e.contains("x87"), "{e}");
}

/// binary128 travels in integer register pairs and computes through libgcc.
#[test]
fn binary128_arithmetic_and_compares() {
    let (m, driver, want) = binary128_case();
    let out = run("rv-f128", &m, &driver);
    assert_eq!(out, want);
}

/// Atomic read-modify-write and compare-exchange: AMOs for words, masked
/// LR/SC loops for bytes and halfwords.
#[test]
fn atomics_all_widths() {
    // 16-bit results come back sign-extended (see `unsigned_i8_returns`)
    let (m, driver) = atomics_case(true);
    let out = run("rv-atomics", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// 128-bit multiplication is inline (`mul`/`mulhu`), as in GCC: the kernel
/// links no libgcc, so a `__multi3` call is an undefined reference there.
#[test]
fn int128_multiply_is_inline() {
    let w = Type::I128;
    let (mut b, p) = FB::new("mul128", sig(&[w, w], Some(w)));
    let r = b.bin(BinOp::Mul, w, p[0], p[1]);
    b.ret(Some(r));
    let mul = b.finish();
    let (mut b, p) = FB::new("umul128_overflows", sig(&[w, w], Some(Type::I8)));
    let r = b.ins(InstKind::Overflows { op: BinOp::Mul, ty: w, signed: false, lhs: p[0], rhs: p[1] });
    b.ret(Some(r));
    let ovf = b.finish();
    let m = module(vec![mul, ovf]);
    let s = crate::emit_assembly(&m, &TargetInfo::for_arch(Arch::Riscv64), &CodegenOptions::default()).unwrap();
    let mul_body = s.split("umul128_overflows:").next().unwrap();
    assert!(!mul_body.contains("__multi3") && mul_body.contains("mulhu"), "{s}");
    let driver = "#include <stdio.h>\ntypedef unsigned __int128 U; U mul128(U, U); unsigned char umul128_overflows(U, U);\n\
        int main(void) { U v[] = { 0, 1, 3, (U)-1, (U)0xfedcba9876543210ull << 64 | 0x0123456789abcdefull, (U)0x8000000000000001ull, (U)1 << 64 | 7 }; int fails = 0;\n\
        for (int i = 0; i < 7; i++) for (int j = 0; j < 7; j++) { U r; int o = __builtin_mul_overflow(v[i], v[j], &r);\n\
          if (mul128(v[i], v[j]) != v[i] * v[j] || umul128_overflows(v[i], v[j]) != o) { printf(\"FAIL %d %d\\n\", i, j); fails++; } }\n\
        printf(\"fails=%d\\n\", fails); return 0; }\n";
    let out = run("rv-mul128", &m, driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// `{reg}` asm operands: local register variables (the kernel's SBI calls put
/// their arguments in a0-a7 this way) and global register variables read as
/// their register (the kernel's `current` is `tp`).
#[test]
fn asm_operands_in_fixed_registers() {
    let asm = |template: &str, outputs: Vec<AsmOperand>, inputs: Vec<AsmOperand>| {
        InstKind::InlineAsm(Box::new(InlineAsm { template: template.into(), outputs, inputs, clobbers: vec![], goto_targets: vec![], volatile: true }))
    };
    let op = |c: &str, value: Value| AsmOperand { constraint: c.into(), name: None, value, ty: Type::I64 };
    // long in_a7(long x, long y): asm("mv %0, a7; add %0, %0, a0" : "=r"(r) : "{a7}"(x), "{a0}"(y))
    let (mut b, p) = FB::new("in_a7", sig(&[Type::I64, Type::I64], Some(Type::I64)));
    let out = b.slot(8, 8);
    b.ins(asm("mv %0, a7\n\tadd %0, %0, a0", vec![op("=r", out)], vec![op("{a7}", p[0]), op("{a0}", p[1])]));
    let r = b.ins(InstKind::Load { ty: Type::I64, ptr: out, volatile: false });
    b.ret(Some(r));
    let in_a7 = b.finish();
    // long tied_a1(long x): asm("addi a1, a1, 5" : "+{a1}"(x)), split as the front end does
    let (mut b, p) = FB::new("tied_a1", sig(&[Type::I64], Some(Type::I64)));
    let out = b.slot(8, 8);
    b.ins(asm("addi a1, a1, 5", vec![op("{a1}", out)], vec![op("0", p[0])]));
    let r = b.ins(InstKind::Load { ty: Type::I64, ptr: out, volatile: false });
    b.ret(Some(r));
    let tied = b.finish();
    // void *read_tp(void): the global register variable `tp`
    let (mut b, _) = FB::new("read_tp", sig(&[], Some(Type::Ptr)));
    let out = b.slot(8, 8);
    b.ins(asm("", vec![op("{tp}", out)], vec![]));
    let r = b.ins(InstKind::Load { ty: Type::Ptr, ptr: out, volatile: false });
    b.ret(Some(r));
    let tp = b.finish();
    let driver = "#include <stdio.h>\nlong in_a7(long, long), tied_a1(long); void *read_tp(void);\n\
        int main(void) { printf(\"%ld %ld %d\\n\", in_a7(40, 2), tied_a1(-7), read_tp() == __builtin_thread_pointer()); return 0; }\n";
    let out = run("rv-fixed-regs", &module(vec![in_a7, tied, tp]), driver);
    assert_eq!(out, "42 -2 1\n");
}
