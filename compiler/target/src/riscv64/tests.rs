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
    let mut fs = Vec::new();
    let mut c = String::from("#include <stdio.h>\n#include <stdint.h>\n");
    let mut body = String::new();
    for (name, leaves, size, align) in &shapes {
        let agg = AbiType::Aggregate(AggLayout { size: *size, align: *align, leaves: leaves.clone(), force_memory: false });
        let fields: Vec<String> = leaves.iter().enumerate().map(|(i, (_, t))| format!("{} f{i};", cty(*t))).collect();
        c.push_str(&format!("struct {name} {{ {} }};\n", fields.join(" ")));
        // double sum_NAME(int, struct, int): adds the fields and both ints
        let fname = format!("sum_{name}");
        let sg = Signature { params: vec![AbiType::Scalar(Type::I32), agg.clone(), AbiType::Scalar(Type::I32)], ret: Some(AbiType::Scalar(Type::F64)), variadic: false, named: None };
        let (mut b, p) = FB::new(&fname, sg);
        let mut acc = b.ins(InstKind::Cast { op: CastOp::SIToF, from: Type::I32, to: Type::F64, arg: p[0] });
        for (off, t) in leaves {
            let k = b.iconst(Type::I64, *off as i128);
            let a = b.bin(BinOp::Add, Type::Ptr, p[1], k);
            let v = b.load(*t, a);
            let op = if t.is_float() { CastOp::FExt } else { CastOp::SIToF };
            let d = if *t == Type::F64 { v } else { b.ins(InstKind::Cast { op, from: *t, to: Type::F64, arg: v }) };
            acc = b.bin(BinOp::FAdd, Type::F64, acc, d);
        }
        let last = b.ins(InstKind::Cast { op: CastOp::SIToF, from: Type::I32, to: Type::F64, arg: p[2] });
        let r = b.bin(BinOp::FAdd, Type::F64, acc, last);
        b.ret(Some(r));
        fs.push(b.finish());
        // struct NAME pass_NAME(struct NAME): returns its argument through a call to gcc's id_NAME
        let pname = format!("pass_{name}");
        let sg = Signature { params: vec![agg.clone()], ret: Some(agg.clone()), variadic: false, named: None };
        let (mut b, p) = FB::new(&pname, sg.clone());
        let slot = b.slot(*size, *align);
        b.ins(InstKind::Call { callee: Callee::Direct(format!("id_{name}")), sig: sg, args: vec![p[0]], ret_slot: Some(slot), chain: None });
        b.ret(Some(slot));
        fs.push(b.finish());
        let init: Vec<String> = (0..leaves.len()).map(|i| format!("{}", i * 3 + 1)).collect();
        c.push_str(&format!(
            "double {fname}(int, struct {name}, int);\nstruct {name} {pname}(struct {name});\nstruct {name} id_{name}(struct {name} s) {{ return s; }}\n"
        ));
        let mut check = format!("  {{ struct {name} s = {{ {} }}; double want = 1 + 2", init.join(", "));
        for i in 0..leaves.len() {
            check.push_str(&format!(" + {}", i * 3 + 1));
        }
        check.push_str(&format!(
            "; if ({fname}(1, s, 2) != want) {{ printf(\"FAIL {fname}\\n\"); fails++; }}\n    struct {name} r = {pname}(s); if (__builtin_memcmp(&r, &s, sizeof s)) {{ printf(\"FAIL {pname}\\n\"); fails++; }} }}\n"
        ));
        body.push_str(&check);
    }
    let driver = format!("{c}int main(void) {{ int fails = 0;\n{body} printf(\"fails=%d\\n\", fails); return 0; }}\n");
    let out = run("rv-structs", &module(fs), &driver);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// Variadic calls put doubles and 16-byte values in integer registers
/// (aligned pairs); `va_arg` walks the save area into the stack arguments.
#[test]
fn variadic_calls_and_va_arg() {
    // long vsum(int n, ...): sums n longs read with va_arg
    let vsig = Signature { params: vec![AbiType::Scalar(Type::I32)], ret: Some(AbiType::Scalar(Type::I64)), variadic: true, named: None };
    let (mut b, p) = FB::new("vsum", vsig);
    let ap = b.slot(8, 8);
    b.ins(InstKind::VaStart { ap });
    let (lp, done) = (b.block(), b.block());
    let zero = b.iconst(Type::I64, 0);
    let z32 = b.iconst(Type::I32, 0);
    b.jump(lp, vec![zero, z32]);
    b.at(lp);
    let acc = b.param(lp, Type::I64);
    let i = b.param(lp, Type::I32);
    let body = b.block();
    let c = b.ins(InstKind::Icmp { cc: IntCC::Slt, ty: Type::I32, lhs: i, rhs: p[0] });
    b.br(c, body, done);
    b.at(body);
    let v = b.ins(InstKind::VaArg { ap, ty: AbiType::Scalar(Type::I64) });
    let acc2 = b.bin(BinOp::Add, Type::I64, acc, v);
    let one = b.iconst(Type::I32, 1);
    let i2 = b.bin(BinOp::Add, Type::I32, i, one);
    b.jump(lp, vec![acc2, i2]);
    b.at(done);
    b.ret(Some(acc));
    // call gcc's fmt(const char *, ...) with a double and a long double
    let csig = Signature { params: vec![AbiType::Scalar(Type::I32), AbiType::Scalar(Type::F64), AbiType::Scalar(Type::F128)], ret: None, variadic: true, named: Some(1) };
    let (mut b2, _) = FB::new("callfmt", sig(&[], None));
    let n = b2.iconst(Type::I32, 2);
    let d = b2.ins(InstKind::FConst { ty: Type::F64, bits: 2.5f64.to_bits() as u128 });
    let q = b2.ins(InstKind::Cast { op: CastOp::FExt, from: Type::F64, to: Type::F128, arg: d });
    b2.ins(InstKind::Call { callee: Callee::Direct("fmt".into()), sig: csig, args: vec![n, d, q], ret_slot: None, chain: None });
    b2.ret(None);
    let driver = "#include <stdio.h>\n#include <stdarg.h>\nlong vsum(int, ...); void callfmt(void);\n\
        void fmt(int n, ...) { va_list ap; va_start(ap, n); double d = va_arg(ap, double); long double q = va_arg(ap, long double); va_end(ap); printf(\"%d %g %g\\n\", n, d, (double)q); }\n\
        int main(void) { printf(\"%ld\\n\", vsum(10, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L)); callfmt(); return 0; }\n";
    let out = run("rv-varargs", &module(vec![b.finish(), b2.finish()]), driver);
    assert_eq!(out, "55\n2 2.5 2.5\n");
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
    let q = Type::F128;
    let mut fs = Vec::new();
    for (op, name) in [(BinOp::FAdd, "qadd"), (BinOp::FSub, "qsub"), (BinOp::FMul, "qmul"), (BinOp::FDiv, "qdiv")] {
        let (mut b, p) = FB::new(name, sig(&[q, q], Some(q)));
        let r = b.bin(op, q, p[0], p[1]);
        b.ret(Some(r));
        fs.push(b.finish());
    }
    let (mut b, p) = FB::new("qlt", sig(&[q, q], Some(Type::I8)));
    let r = b.ins(InstKind::Fcmp { cc: FloatCC::Lt, ty: q, lhs: p[0], rhs: p[1] });
    b.ret(Some(r));
    fs.push(b.finish());
    let (mut b, p) = FB::new("q2i", sig(&[q], Some(Type::I32)));
    let r = b.ins(InstKind::Cast { op: CastOp::FToSI, from: q, to: Type::I32, arg: p[0] });
    b.ret(Some(r));
    fs.push(b.finish());
    let driver = "#include <stdio.h>\ntypedef long double Q; Q qadd(Q, Q), qsub(Q, Q), qmul(Q, Q), qdiv(Q, Q); unsigned char qlt(Q, Q); int q2i(Q);\n\
        int main(void) { Q a = 1.5L, b = -0.25L; printf(\"%g %g %g %g %d %d %d\\n\", (double)qadd(a, b), (double)qsub(a, b), (double)qmul(a, b), (double)qdiv(a, b), qlt(a, b), qlt(b, a), q2i(-7.75L)); return 0; }\n";
    let out = run("rv-f128", &module(fs), driver);
    assert_eq!(out, "1.25 1.75 -0.375 -6 0 1 -7\n");
}

/// Atomic read-modify-write and compare-exchange: AMOs for words, masked
/// LR/SC loops for bytes and halfwords.
#[test]
fn atomics_all_widths() {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [Type::I8, Type::I16, Type::I32, Type::I64] {
        let c = uty(t);
        // 16-bit results come back sign-extended (see `unsigned_i8_returns`)
        let r_t = if t == Type::I16 { "int16_t" } else { c };
        for (op, name, cop) in [(RmwOp::Add, "add", "+"), (RmwOp::Sub, "sub", "-"), (RmwOp::Xor, "xor", "^"), (RmwOp::Nand, "nand", "nand")] {
            let f = format!("rmw_{name}_{t}");
            let (mut b, p) = FB::new(&f, sig(&[Type::Ptr, t], Some(t)));
            let r = b.ins(InstKind::AtomicRmw { op, ty: t, ptr: p[0], value: p[1], order: AtomicOrder::SeqCst });
            b.ret(Some(r));
            fs.push(b.finish());
            decls.push_str(&format!("{r_t} {f}({c} *, {c});\n"));
            let want = if cop == "nand" { format!("({c})~(x0 & v)") } else { format!("({c})(x0 {cop} v)") };
            body.push_str(&format!(
                "  {{ {c} cell[3] = {{ 0x5a, ({c})0xa5a5a5a5a5a5a5a5ull, 0x33 }}, x0 = cell[1], v = ({c})0x1234567890abcdefull; {c} old = {f}(&cell[1], v);\n    if (old != x0 || cell[1] != {want} || cell[0] != 0x5a || cell[2] != 0x33) {{ printf(\"FAIL {f}\\n\"); fails++; }} }}\n"
            ));
        }
        let f = format!("cas_{t}");
        let (mut b, p) = FB::new(&f, sig(&[Type::Ptr, t, t], Some(t)));
        let r = b.ins(InstKind::AtomicCmpXchg { ty: t, ptr: p[0], expected: p[1], desired: p[2], order: AtomicOrder::SeqCst });
        b.ret(Some(r));
        fs.push(b.finish());
        decls.push_str(&format!("{r_t} {f}({c} *, {c}, {c});\n"));
        body.push_str(&format!(
            "  {{ {c} cell[3] = {{ 1, ({c})-3, 2 }}; {c} o = {f}(&cell[1], ({c})-4, 9); {c} o2 = {f}(&cell[1], ({c})-3, 9);\n    if (o != ({c})-3 || o2 != ({c})-3 || cell[1] != 9 || cell[0] != 1 || cell[2] != 2) {{ printf(\"FAIL {f}\\n\"); fails++; }} }}\n"
        ));
    }
    let driver = format!("#include <stdio.h>\n#include <stdint.h>\n{decls}int main(void) {{ int fails = 0;\n{body} printf(\"fails=%d\\n\", fails); return 0; }}\n");
    let out = run("rv-atomics", &module(fs), &driver);
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
