//! End-to-end tests: IR built by hand, compiled by this backend, linked
//! with C drivers compiled by the cross gcc and run under qemu-user.

use ccc_ir::*;

use crate::testutil::*;

fn run(tag: &str, m: &Module, driver: &str) -> String {
    run_with_c_on(Arch::Aarch64, tag, m, &CodegenOptions::default(), driver, &[])
}

fn asm_of(fs: Vec<Function>) -> String {
    crate::emit_assembly(&module(fs), &TargetInfo::for_arch(Arch::Aarch64), &CodegenOptions::default()).unwrap()
}

#[test]
fn integer_arithmetic_all_widths() {
    let (m, driver) = int_arith_case();
    let out = run("a64-intarith", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn compares_branches_selects() {
    let (m, driver) = compare_case();
    let out = run("a64-cmp", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn word_arithmetic_uses_w_registers() {
    let (mut b, p) = FB::new("sum3", sig(&[Type::I32, Type::I32, Type::I32], Some(Type::I32)));
    let x = b.bin(BinOp::Add, Type::I32, p[0], p[1]);
    let y = b.bin(BinOp::Mul, Type::I32, x, p[2]);
    let z = b.bin(BinOp::SDiv, Type::I32, y, p[0]);
    b.ret(Some(z));
    let s = asm_of(vec![b.finish()]);
    assert!(s.contains("\tadd\tw") && s.contains("\tmul\tw") && s.contains("\tsdiv\tw"), "{s}");
    // a function of registers keeps its values out of the frame
    assert!(!s.contains("[x29, -"), "{s}");
}

/// AAPCS64 shapes: homogeneous FP aggregates (up to four members, also
/// above 16 bytes) in v registers, small structs in x registers, larger
/// ones by reference, passed and returned both ways with gcc.
#[test]
fn aapcs64_structs_match_gcc() {
    let shapes: [(&str, Vec<(u64, Type)>, u64, u32); 9] = [
        ("d", vec![(0, Type::F64)], 8, 8),
        ("ff", vec![(0, Type::F32), (4, Type::F32)], 8, 4),
        ("fff", vec![(0, Type::F32), (4, Type::F32), (8, Type::F32)], 12, 4),
        ("dddd", vec![(0, Type::F64), (8, Type::F64), (16, Type::F64), (24, Type::F64)], 32, 8),
        ("qq", vec![(0, Type::F128), (16, Type::F128)], 32, 16),
        ("di", vec![(0, Type::F64), (8, Type::I32)], 16, 8),
        ("ii", vec![(0, Type::I64), (8, Type::I64)], 16, 8),
        ("ccc", vec![(0, Type::I8), (1, Type::I8), (2, Type::I8)], 3, 1),
        ("big", vec![(0, Type::I64), (8, Type::I64), (16, Type::I64)], 24, 8),
    ];
    let (m, driver) = struct_abi_case(&shapes);
    let out = run("a64-structs", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// `va_arg` walks the general-register save area into the stack
/// arguments; a variadic call passes the double and long double in v registers.
#[test]
fn variadic_calls_and_va_arg() {
    let (m, driver, want) = variadic_case(32);
    let out = run("a64-varargs", &m, &driver);
    assert_eq!(out, want);
}

#[test]
fn unsupported_input_is_an_error_naming_the_function() {
    let (mut b, p) = FB::new("x87", sig(&[Type::F80], None));
    let _ = p;
    b.ret(None);
    let e = crate::emit_assembly(&module(vec![b.finish()]), &TargetInfo::for_arch(Arch::Aarch64), &CodegenOptions::default()).unwrap_err();
    assert!(e.contains("x87"), "{e}");
}

/// binary128 crosses calls in q registers and computes through libgcc.
#[test]
fn binary128_arithmetic_and_compares() {
    let (m, driver, want) = binary128_case();
    let out = run("a64-f128", &m, &driver);
    assert_eq!(out, want);
}

/// Atomic read-modify-write and compare-exchange: exclusive-access loops of every width.
#[test]
fn atomics_all_widths() {
    let (m, driver) = atomics_case(false);
    let out = run("a64-atomics", &m, &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn constants_and_large_frames() {
    let (mut b, _) = FB::new("k", sig(&[], Some(Type::I64)));
    let big = b.slot(70000, 8);
    let k = b.iconst(Type::I64, 0x1234_5678_9abc_def0);
    let off = b.iconst(Type::I64, 65536);
    let at = b.bin(BinOp::Add, Type::Ptr, big, off);
    b.store(Type::I64, at, k);
    let v = b.load(Type::I64, at);
    b.ret(Some(v));
    let out = run("a64-consts", &module(vec![b.finish()]), "#include <stdio.h>\nlong k(void);\nint main(void) { printf(\"%lx\\n\", k()); return 0; }\n");
    assert_eq!(out, "123456789abcdef0\n");
}

#[test]
fn logical_immediates() {
    use super::inst::logical_imm;
    assert!(logical_imm(0xff, false) && logical_imm(0xff, true));
    assert!(logical_imm(0xffff_0000_ffff_0000, false));
    assert!(logical_imm(-16i64 as u64, false));
    assert!(logical_imm(0x5555_5555_5555_5555, false));
    assert!(!logical_imm(0, false) && !logical_imm(u64::MAX, false));
    assert!(!logical_imm(0x1234, false));
    assert!(logical_imm(0x8000_0000, true));
}

#[test]
fn lse_atomics_when_march_enables_them() {
    use super::arith::has_lse;
    assert!(has_lse("armv8.1-a") && has_lse("armv8.4-a+crc") && has_lse("armv9-a") && has_lse("armv8-a+lse"));
    assert!(!has_lse("") && !has_lse("armv8-a") && !has_lse("armv8.2-a+nolse"));
    let (m, driver) = atomics_case(false);
    let opts = CodegenOptions { march: "armv8.1-a".into(), ..Default::default() };
    let asm = crate::emit_assembly(&m, &TargetInfo::for_arch(Arch::Aarch64), &opts).unwrap();
    assert!(asm.contains("ldaddalb") && asm.contains("casal") && asm.contains(".arch\tarmv8.1-a"), "{asm}");
    // qemu-user implements LSE
    let out = run_with_c_on(Arch::Aarch64, "a64-lse", &m, &opts, &driver, &["-march=armv8.1-a"]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

fn general_regs_only() -> CodegenOptions {
    CodegenOptions { general_regs_only: true, ..Default::default() }
}

/// Whether assembly text names an FP/SIMD register (`v0`, `q3`, `d8`, ...).
fn names_fp_register(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        let mut cs = w.chars();
        matches!(cs.next(), Some('v' | 'q' | 'd' | 's' | 'h' | 'b')) && w.len() > 1 && w[1..].parse::<u32>().is_ok_and(|n| n < 32)
    })
}

/// `-mgeneral-regs-only` (the arm64 kernel): a variadic function saves
/// only x0-x7 and sets `__vr_offs` to 0, block copies and fills stay in x
/// registers, and the result still runs against gcc's `va_list` code.
#[test]
fn general_regs_only_keeps_v_registers_unused() {
    let (m, _, _) = variadic_case(32);
    let vsum = m.functions.into_iter().find(|f| f.name == "vsum").unwrap();
    let (mut b, p) = FB::new("copy_fill", sig(&[Type::Ptr, Type::Ptr], None));
    b.ins(InstKind::Memcpy { dst: p[0], src: p[1], size: 64, align: 8 });
    let zero = b.iconst(Type::I8, 0);
    b.ins(InstKind::Memset { dst: p[1], byte: zero, size: 48, align: 8 });
    b.ret(None);
    let m = module(vec![vsum, b.finish()]);
    let opts = general_regs_only();
    let s = crate::emit_assembly(&m, &TargetInfo::for_arch(Arch::Aarch64), &opts).unwrap();
    assert!(!names_fp_register(&s), "{s}");
    let driver = "#include <stdio.h>\nlong vsum(int, ...); void copy_fill(long *, long *);\n\
        int main(void) { long a[8], b[8]; for (int i = 0; i < 8; i++) b[i] = i + 1; copy_fill(a, b);\n\
        long s = 0; for (int i = 0; i < 8; i++) s += a[i] * 10 + b[i];\n\
        printf(\"%ld %ld\\n\", vsum(10, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), s); return 0; }\n";
    let out = run_with_c_on(Arch::Aarch64, "a64-gro", &m, &opts, driver, &[]);
    assert_eq!(out, "55 375\n");
}

/// As GCC: floating-point values (arithmetic, arguments, results) are an
/// error under `-mgeneral-regs-only`, naming the function.
#[test]
fn general_regs_only_rejects_floating_point() {
    let (mut b, p) = FB::new("fadd", sig(&[Type::F64, Type::F64], Some(Type::F64)));
    let r = b.bin(BinOp::FAdd, Type::F64, p[0], p[1]);
    b.ret(Some(r));
    let (mut b2, _) = FB::new("ints", sig(&[], Some(Type::I32)));
    let one = b2.iconst(Type::I32, 1);
    b2.ret(Some(one));
    let ti = TargetInfo::for_arch(Arch::Aarch64);
    let e = crate::emit_assembly(&module(vec![b.finish()]), &ti, &general_regs_only()).unwrap_err();
    assert!(e.contains("fadd") && e.contains("-mgeneral-regs-only"), "{e}");
    assert!(crate::emit_assembly(&module(vec![b2.finish()]), &ti, &general_regs_only()).is_ok());
}
