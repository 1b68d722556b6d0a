//! End-to-end tests: IR built by hand, compiled by this backend, linked
//! with C drivers compiled by the host gcc and run.

use ccc_ir::*;

use crate::testutil::*;

#[test]
fn integer_arithmetic_all_widths() {
    let (m, driver) = int_arith_case();
    let out = run_with_c("intarith", &m, &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// Print the assembly of a module (for eyeballing with --nocapture).
#[allow(dead_code)]
fn asm_of(fs: Vec<Function>) -> String {
    crate::emit_assembly(&module(fs), &TargetInfo::for_arch(Arch::X86_64), &CodegenOptions::default()).unwrap()
}

#[test]
fn sample_asm_is_compact() {
    let (mut b, p) = FB::new("sum3", sig(&[Type::I32, Type::I32, Type::I32], Some(Type::I32)));
    let x = b.bin(BinOp::Add, Type::I32, p[0], p[1]);
    let y = b.bin(BinOp::Mul, Type::I32, x, p[2]);
    let z = b.bin(BinOp::SDiv, Type::I32, y, p[0]);
    b.ret(Some(z));
    // p[i] with a sign-extended index: one load with a scaled index
    let (mut b2, q) = FB::new("index", sig(&[Type::Ptr, Type::I32], Some(Type::I64)));
    let i = b2.ins(InstKind::Cast { op: CastOp::Sext, from: Type::I32, to: Type::I64, arg: q[1] });
    let eight = b2.iconst(Type::I64, 8);
    let off = b2.bin(BinOp::Mul, Type::I64, i, eight);
    let addr = b2.bin(BinOp::Add, Type::Ptr, q[0], off);
    let v = b2.load(Type::I64, addr);
    b2.ret(Some(v));
    // regression: p = *pp + (long)i * 8 with the load right before the add
    let (mut b3, q) = FB::new("bump", sig(&[Type::Ptr, Type::I32], Some(Type::Ptr)));
    let i = b3.ins(InstKind::Cast { op: CastOp::Sext, from: Type::I32, to: Type::I64, arg: q[1] });
    let eight = b3.iconst(Type::I64, 8);
    let off = b3.bin(BinOp::Mul, Type::I64, i, eight);
    let base = b3.load(Type::Ptr, q[0]);
    let r = b3.bin(BinOp::Add, Type::Ptr, base, off);
    b3.ret(Some(r));
    b3.at(b3.cur);
    let bump = b3.finish();
    // regression: a load through `p - i` (not `p + i`)
    let (mut b4, q) = FB::new("back", sig(&[Type::Ptr, Type::I64], Some(Type::I8)));
    let a = b4.bin(BinOp::Sub, Type::Ptr, q[0], q[1]);
    let v = b4.load(Type::I8, a);
    b4.ret(Some(v));
    let out = run_with_c("back", &module(vec![b4.finish()]), &CodegenOptions::default(), "#include <stdio.h>\nchar back(char *, long);\nint main(void) { char s[] = \"abcdef\"; printf(\"%c\\n\", back(s + 4, 3)); return 0; }\n", &[]);
    assert_eq!(out, "b\n");
    let out = run_with_c("bump", &module(vec![bump.clone()]), &CodegenOptions::default(), "#include <stdio.h>\nchar *bump(char **, int);\nint main(void) { char buf[100]; char *p = buf; printf(\"%d\\n\", (int)(bump(&p, 5) - buf)); return 0; }\n", &[]);
    assert_eq!(out, "40\n");
    let s = asm_of(vec![b.finish(), b2.finish()]);
    assert!(s.contains("(%rdi,%rax,8), %rax") || s.contains("(%rdi,%rsi,8), %rax"), "{s}");
    println!("{s}");
    assert!(s.contains("idivl"));
    // no stack traffic for a function of registers
    assert!(!s.contains("(%rbp)"), "{s}");
}


#[test]
fn compares_branches_selects() {
    let (m, driver) = compare_case();
    let out = run_with_c("cmp", &m, &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// Loops through block parameters, including a swap (parallel copy).
#[test]
fn loops_with_block_params() {
    // fib(n): (a, b) = (0, 1); repeat n times: (a, b) = (b, a + b)
    let (mut b, p) = FB::new("fib", sig(&[Type::I64], Some(Type::I64)));
    let head = b.block();
    let body = b.block();
    let exit = b.block();
    let zero = b.iconst(Type::I64, 0);
    let one = b.iconst(Type::I64, 1);
    b.jump(head, vec![zero, one, p[0]]);
    b.at(head);
    let x = b.param(head, Type::I64);
    let y = b.param(head, Type::I64);
    let n = b.param(head, Type::I64);
    let z = b.iconst(Type::I64, 0);
    let c = b.ins(InstKind::Icmp { cc: IntCC::Sgt, ty: Type::I64, lhs: n, rhs: z });
    b.br(c, body, exit);
    b.at(body);
    let s = b.bin(BinOp::Add, Type::I64, x, y);
    let one2 = b.iconst(Type::I64, 1);
    let n1 = b.bin(BinOp::Sub, Type::I64, n, one2);
    b.jump(head, vec![y, s, n1]);
    b.at(exit);
    b.ret(Some(x));
    let fib = b.finish();

    // swap loop: (a, b) = (b, a) n times, returns a*1000+b
    let (mut b, p) = FB::new("swapper", sig(&[Type::I32, Type::I32, Type::I32], Some(Type::I32)));
    let head = b.block();
    let exit = b.block();
    b.jump(head, vec![p[0], p[1], p[2]]);
    b.at(head);
    let x = b.param(head, Type::I32);
    let y = b.param(head, Type::I32);
    let n = b.param(head, Type::I32);
    let one = b.iconst(Type::I32, 1);
    let n1 = b.bin(BinOp::Sub, Type::I32, n, one);
    let z = b.iconst(Type::I32, 0);
    let c = b.ins(InstKind::Icmp { cc: IntCC::Sgt, ty: Type::I32, lhs: n, rhs: z });
    b.ins(InstKind::Branch {
        cond: c,
        cond_ty: Type::I8,
        then_dest: BlockCall { block: head, args: vec![y, x, n1] },
        else_dest: BlockCall::new(exit),
    });
    b.at(exit);
    let k = b.iconst(Type::I32, 1000);
    let m = b.bin(BinOp::Mul, Type::I32, x, k);
    let r = b.bin(BinOp::Add, Type::I32, m, y);
    b.ret(Some(r));
    let swapper = b.finish();

    let driver = r#"
#include <stdio.h>
long fib(long); int swapper(int, int, int);
int main(void) {
  printf("%ld %ld %ld\n", fib(0), fib(10), fib(90));
  printf("%d %d\n", swapper(1, 2, 3), swapper(1, 2, 4));
  return 0;
}"#;
    let out = run_with_c("loops", &module(vec![fib, swapper]), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "0 55 2880067194370816120\n2001 1002\n");
}

#[test]
fn switches_dense_and_sparse() {
    let mut fs = Vec::new();
    for (name, cases) in [
        ("dense", (0..20).map(|i| (i as i128, i * 3 + 1)).collect::<Vec<_>>()),
        ("sparse", vec![(-5, 1), (0, 2), (7, 3), (100, 4), (1000, 5), (12345, 6), (99999, 7), (-77777, 8), (3, 9), (4, 10), (5, 11)]),
        ("offset", (100..110).map(|i| (i as i128, i - 90)).collect::<Vec<_>>()),
    ] {
        for t in [Type::I32, Type::I64, Type::I8] {
            let fname = format!("sw_{name}_{t}");
            let (mut b, p) = FB::new(&fname, sig(&[t], Some(Type::I32)));
            let mut blocks = Vec::new();
            for &(v, r) in cases.iter().filter(|c| t != Type::I8 || (-128..128).contains(&c.0)) {
                let blk = b.block();
                blocks.push((v, blk, r));
            }
            let def = b.block();
            b.ins(InstKind::Switch { value: p[0], ty: t, cases: blocks.iter().map(|x| (x.0, x.1)).collect(), default: def });
            for &(_, blk, r) in &blocks {
                b.at(blk);
                let c = b.iconst(Type::I32, r as i128);
                b.ret(Some(c));
            }
            b.at(def);
            let c = b.iconst(Type::I32, -1);
            b.ret(Some(c));
            fs.push(b.finish());
        }
    }
    let driver = r#"
#include <stdio.h>
#include <stdint.h>
int sw_dense_i32(int32_t), sw_dense_i64(int64_t), sw_dense_i8(int8_t);
int sw_sparse_i32(int32_t), sw_sparse_i64(int64_t), sw_sparse_i8(int8_t);
int sw_offset_i32(int32_t), sw_offset_i64(int64_t), sw_offset_i8(int8_t);
static int dense(long v) { return v >= 0 && v < 20 ? v * 3 + 1 : -1; }
static int sparse(long v) { switch (v) { case -5: return 1; case 0: return 2; case 7: return 3; case 100: return 4; case 1000: return 5; case 12345: return 6; case 99999: return 7; case -77777: return 8; case 3: return 9; case 4: return 10; case 5: return 11; } return -1; }
static int offset(long v) { return v >= 100 && v < 110 ? v - 90 : -1; }
int main(void) {
  int fails = 0;
  for (long v = -100000; v < 100000; v += (v > -200 && v < 2000) ? 1 : 37) {
    if (sw_dense_i32(v) != dense((int32_t)v)) fails++;
    if (sw_dense_i64(v) != dense(v)) fails++;
    if (sw_dense_i8(v) != dense((int8_t)v)) fails++;
    if (sw_sparse_i32(v) != sparse((int32_t)v)) fails++;
    if (sw_sparse_i64(v) != sparse(v)) fails++;
    { int8_t w = v; int e = (w == -5 || w == 0 || w == 7 || w == 100 || w == 3 || w == 4 || w == 5) ? sparse(w) : -1; if (sw_sparse_i8(v) != e) fails++; }
    if (sw_offset_i32(v) != offset(v)) fails++;
    if (sw_offset_i64(v) != offset(v)) fails++;
    if (sw_offset_i8(v) != offset((int8_t)v)) fails++;
  }
  if (sw_sparse_i64(99999) != 7 || sw_sparse_i64(12345 + (1L << 32)) != -1) fails++;
  printf("fails=%d\n", fails);
  return 0;
}"#;
    let out = run_with_c("switch", &module(fs), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "fails=0\n");
}

/// Many values live at once, also across calls: forces spilling and callee-saved use.
#[test]
fn register_pressure_and_spills() {
    let n = 40;
    let (mut b, p) = FB::new("pressure", sig(&[Type::Ptr], Some(Type::I64)));
    let mut vals = Vec::new();
    for i in 0..n {
        let off = b.iconst(Type::I64, 8 * i as i128);
        let addr = b.bin(BinOp::Add, Type::Ptr, p[0], off);
        vals.push(b.load(Type::I64, addr));
    }
    // a call in the middle: everything above is live across it
    let k = b.iconst(Type::I64, 3);
    let called = b.call("ext_func", sig(&[Type::I64], Some(Type::I64)), vec![k]);
    let mut acc = called;
    for (i, &v) in vals.iter().enumerate() {
        let m = b.iconst(Type::I64, i as i128 + 1);
        let t = b.bin(BinOp::Mul, Type::I64, v, m);
        acc = b.bin(BinOp::Add, Type::I64, acc, t);
    }
    // and the loaded values again in reverse (still live until here)
    for &v in vals.iter().rev() {
        acc = b.bin(BinOp::Xor, Type::I64, acc, v);
    }
    b.ret(Some(acc));
    // the same with doubles
    let (mut fb, fp) = FB::new("fpressure", sig(&[Type::Ptr], Some(Type::F64)));
    let mut fv = Vec::new();
    for i in 0..n {
        let off = fb.iconst(Type::I64, 8 * i as i128);
        let addr = fb.bin(BinOp::Add, Type::Ptr, fp[0], off);
        fv.push(fb.load(Type::F64, addr));
    }
    let called = fb.call("ext_fd", sig(&[], Some(Type::F64)), vec![]);
    let mut acc = called;
    for &v in &fv {
        acc = fb.bin(BinOp::FAdd, Type::F64, acc, v);
    }
    for &v in fv.iter().rev() {
        acc = fb.bin(BinOp::FMul, Type::F64, acc, v);
    }
    fb.ret(Some(acc));
    let driver = r#"
#include <stdio.h>
long pressure(long *); double fpressure(double *);
long ext_func(long x) { return x * 1000; }
double ext_fd(void) { return 0.5; }
int main(void) {
  long a[40]; double d[40];
  for (int i = 0; i < 40; i++) { a[i] = i * 7919 + 13; d[i] = 1.0 + i / 64.0; }
  long acc = 3000; for (int i = 0; i < 40; i++) acc += a[i] * (i + 1); for (int i = 39; i >= 0; i--) acc ^= a[i];
  double f = 0.5; for (int i = 0; i < 40; i++) f += d[i]; for (int i = 39; i >= 0; i--) f *= d[i];
  printf("%d %d\n", pressure(a) == acc, fpressure(d) == f);
  return 0;
}"#;
    let out = run_with_c("pressure", &module(vec![b.finish(), fb.finish()]), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "1 1\n");
}

const FCCS: [(FloatCC, &str, &str); 8] = [
    (FloatCC::Eq, "eq", "a == b"),
    (FloatCC::Une, "une", "a != b"),
    (FloatCC::Lt, "lt", "a < b"),
    (FloatCC::Le, "le", "a <= b"),
    (FloatCC::Gt, "gt", "a > b"),
    (FloatCC::Ge, "ge", "a >= b"),
    (FloatCC::Ord, "ord", "!__builtin_isunordered(a, b)"),
    (FloatCC::Uno, "uno", "__builtin_isunordered(a, b)"),
];

#[test]
fn floating_point_all_precisions() {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [Type::F32, Type::F64, Type::F80] {
        let c_t = cty(t);
        for (op, name, cop) in [(BinOp::FAdd, "add", "+"), (BinOp::FSub, "sub", "-"), (BinOp::FMul, "mul", "*"), (BinOp::FDiv, "div", "/")] {
            let fname = format!("fa_{t}_{name}");
            let (mut b, p) = FB::new(&fname, sig(&[t, t], Some(t)));
            let r = b.bin(op, t, p[0], p[1]);
            b.ret(Some(r));
            fs.push(b.finish());
            decls.push_str(&format!("{c_t} {fname}({c_t}, {c_t});\n"));
            body.push_str(&format!("  {{ {c_t} a = fv[i], b = fv[j]; {c_t} got = {fname}(a, b), want = a {cop} b; if (!same(got, want)) {{ printf(\"FAIL {fname} %Lg %Lg\\n\", (long double)a, (long double)b); fails++; }} }}\n"));
        }
        // negation
        let fname = format!("fneg_{t}");
        let (mut b, p) = FB::new(&fname, sig(&[t], Some(t)));
        let r = b.ins(InstKind::Unary { op: UnOp::FNeg, ty: t, arg: p[0] });
        b.ret(Some(r));
        fs.push(b.finish());
        decls.push_str(&format!("{c_t} {fname}({c_t});\n"));
        body.push_str(&format!("  {{ {c_t} a = fv[i]; if (!same({fname}(a), -a)) {{ printf(\"FAIL {fname}\\n\"); fails++; }} }}\n"));
        for (cc, name, cexpr) in FCCS {
            let f1 = format!("fc_{t}_{name}");
            let (mut b, p) = FB::new(&f1, sig(&[t, t], Some(Type::I8)));
            let r = b.ins(InstKind::Fcmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            b.ret(Some(r));
            fs.push(b.finish());
            let f2 = format!("fb_{t}_{name}");
            let (mut b, p) = FB::new(&f2, sig(&[t, t], Some(Type::I32)));
            let c = b.ins(InstKind::Fcmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            let (bt, be) = (b.block(), b.block());
            b.br(c, bt, be);
            b.at(bt);
            let x = b.iconst(Type::I32, 1);
            b.ret(Some(x));
            b.at(be);
            let y = b.iconst(Type::I32, 2);
            b.ret(Some(y));
            fs.push(b.finish());
            let f3 = format!("fs_{t}_{name}");
            let (mut b, p) = FB::new(&f3, sig(&[t, t], Some(t)));
            let c = b.ins(InstKind::Fcmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            let r = b.ins(InstKind::Select { ty: t, cond: c, cond_ty: Type::I8, a: p[0], b: p[1] });
            b.ret(Some(r));
            fs.push(b.finish());
            decls.push_str(&format!("int8_t {f1}({c_t}, {c_t}); int {f2}({c_t}, {c_t}); {c_t} {f3}({c_t}, {c_t});\n"));
            body.push_str(&format!(
                "  {{ {c_t} a = fv[i], b = fv[j]; int want = {cexpr}; if ({f1}(a, b) != want || {f2}(a, b) != (want ? 1 : 2) || !same({f3}(a, b), want ? a : b)) {{ printf(\"FAIL {f1} %Lg %Lg\\n\", (long double)a, (long double)b); fails++; }} }}\n"
            ));
        }
        // conversions to and from every integer type
        for it in [Type::I8, Type::I16, Type::I32, Type::I64, Type::I128] {
            for signed in [true, false] {
                let ic = if signed { cty(it) } else { uty(it) };
                let s = if signed { "s" } else { "u" };
                let f1 = format!("i2f_{s}{it}_{t}");
                let (mut b, p) = FB::new(&f1, sig(&[it], Some(t)));
                let r = b.ins(InstKind::Cast { op: if signed { CastOp::SIToF } else { CastOp::UIToF }, from: it, to: t, arg: p[0] });
                b.ret(Some(r));
                fs.push(b.finish());
                let f2 = format!("f2i_{s}{it}_{t}");
                let (mut b, p) = FB::new(&f2, sig(&[t], Some(it)));
                let r = b.ins(InstKind::Cast { op: if signed { CastOp::FToSI } else { CastOp::FToUI }, from: t, to: it, arg: p[0] });
                b.ret(Some(r));
                fs.push(b.finish());
                decls.push_str(&format!("{c_t} {f1}({ic}); {ic} {f2}({c_t});\n"));
                body.push_str(&format!(
                    "  if (j == 0) {{ {ic} x = ({ic})vals[i % NV]; if (!same({f1}(x), ({c_t})x)) {{ printf(\"FAIL {f1} %lld\\n\", (long long)x); fails++; }}\n    {c_t} a = fv[i]; if (a == a && fits(a, sizeof({ic}), {signed})) {{ {ic} w = ({ic})a; if ({f2}(a) != w) {{ printf(\"FAIL {f2} %Lg\\n\", (long double)a); fails++; }} }} }}\n",
                    signed = if signed { 1 } else { 0 }
                ));
            }
        }
    }
    // precision conversions
    for (from, to) in [(Type::F32, Type::F64), (Type::F64, Type::F32), (Type::F32, Type::F80), (Type::F64, Type::F80), (Type::F80, Type::F32), (Type::F80, Type::F64)] {
        let op = if from.bits() < to.bits() { CastOp::FExt } else { CastOp::FTrunc };
        let fname = format!("cv_{from}_{to}");
        let (mut b, p) = FB::new(&fname, sig(&[from], Some(to)));
        let r = b.ins(InstKind::Cast { op, from, to, arg: p[0] });
        b.ret(Some(r));
        fs.push(b.finish());
        let (cf, ct) = (cty(from), cty(to));
        decls.push_str(&format!("{ct} {fname}({cf});\n"));
        body.push_str(&format!("  if (j == 0) {{ {cf} a = fv[i]; if (!same({fname}(a), ({ct})a)) {{ printf(\"FAIL {fname}\\n\"); fails++; }} }}\n"));
    }
    // large unsigned 64-bit values
    body.push_str("  if (i == 0 && j == 0) { unsigned long u[] = {0, 1, 1UL << 63, (1UL << 63) + 12345, ~0UL, 0x8000000000000001UL, 123456789012345UL};\n    for (int k = 0; k < 7; k++) { if (i2f_ui64_f64(u[k]) != (double)u[k] || i2f_ui64_f32(u[k]) != (float)u[k] || i2f_ui64_f80(u[k]) != (long double)u[k]) { printf(\"FAIL u64->f %lu\\n\", u[k]); fails++; }\n      if (f2i_ui64_f80((long double)u[k]) != u[k]) { printf(\"FAIL f80->u64 %lu\\n\", u[k]); fails++; }\n      double d = (double)u[k]; if (d < 18446744073709551615.0 && f2i_ui64_f64(d) != (unsigned long)d) { printf(\"FAIL f64->u64 %lu\\n\", u[k]); fails++; } } }\n");
    let driver = format!(
        "#include <stdio.h>\n#include <stdint.h>\n#include <math.h>\n{decls}{VALS}\nstatic int same(long double x, long double y) {{ return x == y || (x != x && y != y); }}\nstatic int fits(long double a, int size, int sg) {{ long double lim = ldexpl(1, 8 * size - sg); return sg ? (a > -lim - 1 && a < lim) : (a > -1 && a < lim); }}\nlong double fv[] = {{0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -3.75, 1e10, -1e10, 123456.789, 1e-5, 3.0e38, 1e300, NAN, INFINITY, -INFINITY, 200.0, 65535.0, 4294967295.0, 9.2e18, 1.8e19}};\n#define NF (int)(sizeof fv / sizeof fv[0])\nint main(void) {{ int fails = 0;\n for (int i = 0; i < NF; i++) for (int j = 0; j < NF; j++) {{\n{body} }}\n printf(\"fails=%d\\n\", fails); return 0; }}\n"
    );
    let out = run_with_c("float", &module(fs), &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// A struct shape for ABI tests: C definition and IR layout.
struct Shape {
    name: &'static str,
    c_fields: &'static str,
    leaves: Vec<(u64, Type)>,
    size: u64,
    align: u32,
}

fn shapes() -> Vec<Shape> {
    use Type::*;
    let s = |name, c_fields, leaves: &[(u64, Type)], size, align| Shape { name, c_fields, leaves: leaves.to_vec(), size, align };
    vec![
        s("S1", "char a;", &[(0, I8)], 1, 1),
        s("S3", "char a, b, c;", &[(0, I8), (1, I8), (2, I8)], 3, 1),
        s("S7", "char a, b, c, d, e, f, g;", &[(0, I8), (1, I8), (2, I8), (3, I8), (4, I8), (5, I8), (6, I8)], 7, 1),
        s("S12", "int a, b, c;", &[(0, I32), (4, I32), (8, I32)], 12, 4),
        s("SFI", "float f; int i;", &[(0, F32), (4, I32)], 8, 4),
        s("SFF", "float a, b;", &[(0, F32), (4, F32)], 8, 4),
        s("SDF", "double d; float f;", &[(0, F64), (8, F32)], 16, 8),
        s("SDI", "double d; long l;", &[(0, F64), (8, I64)], 16, 8),
        s("SID", "long l; double d;", &[(0, I64), (8, F64)], 16, 8),
        s("SFFF", "float a, b, c;", &[(0, F32), (4, F32), (8, F32)], 12, 4),
        s("SBIG", "long a, b, c, d, e;", &[(0, I64), (8, I64), (16, I64), (24, I64), (32, I64)], 40, 8),
        s("SLD", "long double x;", &[(0, F80)], 16, 16),
        s("SS6", "short a, b, c;", &[(0, I16), (2, I16), (4, I16)], 6, 2),
    ]
}

impl Shape {
    fn layout(&self) -> AggLayout {
        AggLayout { size: self.size, align: self.align, leaves: self.leaves.clone(), force_memory: false }
    }
    fn abi(&self) -> AbiType {
        AbiType::Aggregate(self.layout())
    }
}

fn leaf_value(t: Type, i: usize, seed: i128) -> InstKind {
    let v = seed * 10 + i as i128 + 1;
    match t {
        Type::F32 => InstKind::FConst { ty: t, bits: (v as f32 + 0.5).to_bits() as u128 },
        Type::F64 => InstKind::FConst { ty: t, bits: (v as f64 + 0.5).to_bits() as u128 },
        Type::F80 => {
            // exact small values: mantissa with explicit integer bit
            let x = v as u64 * 2 + 1; // (v + 0.5) * 2
            let lz = x.leading_zeros();
            let mant = x << lz;
            let exp = 16383 + (63 - lz as u64) - 1;
            InstKind::FConst { ty: t, bits: mant as u128 | (exp as u128) << 64 }
        }
        _ => InstKind::IConst { ty: t, value: v },
    }
}

/// Sum of leaves as i64 (floats truncated), computed in IR.
fn sum_leaves(b: &mut FB, sh: &Shape, p: Value) -> Value {
    let mut acc = b.iconst(Type::I64, 0);
    for &(off, t) in &sh.leaves {
        let o = b.iconst(Type::I64, off as i128);
        let a = b.bin(BinOp::Add, Type::Ptr, p, o);
        let v = b.load(t, a);
        let w = match t {
            Type::F32 | Type::F64 | Type::F80 => b.ins(InstKind::Cast { op: CastOp::FToSI, from: t, to: Type::I64, arg: v }),
            Type::I64 => v,
            _ => b.ins(InstKind::Cast { op: CastOp::Sext, from: t, to: Type::I64, arg: v }),
        };
        acc = b.bin(BinOp::Add, Type::I64, acc, w);
    }
    acc
}

#[test]
fn struct_passing_and_returning() {
    let mut fs = Vec::new();
    let mut c = String::from("#include <stdio.h>\n#include <string.h>\nint fails;\n");
    let mut main = String::new();
    for sh in shapes() {
        let n = sh.name;
        let agg = sh.abi();
        c.push_str(&format!("typedef struct {{ {} }} {n};\n", sh.c_fields));
        // IR: S id_S(int pad, S s, int pad2) { return s; }
        let mut sg = Signature { params: vec![AbiType::Scalar(Type::I32), agg.clone(), AbiType::Scalar(Type::I32)], ret: Some(agg.clone()), variadic: false, named: None };
        let (mut b, p) = FB::new(&format!("id_{n}"), sg.clone());
        b.ret(Some(p[1]));
        fs.push(b.finish());
        // IR: long sum_S(S s)
        let (mut b, p) = FB::new(&format!("sum_{n}"), Signature { params: vec![agg.clone()], ret: Some(AbiType::Scalar(Type::I64)), variadic: false, named: None });
        let s = sum_leaves(&mut b, &sh, p[0]);
        b.ret(Some(s));
        fs.push(b.finish());
        // IR: long call_S(void): builds S, passes it through C's c_id_S, sums the result
        let (mut b, _) = FB::new(&format!("call_{n}"), sig(&[], Some(Type::I64)));
        let src = b.slot(sh.size, sh.align);
        let dst = b.slot(sh.size, sh.align);
        for (i, &(off, t)) in sh.leaves.iter().enumerate() {
            let o = b.iconst(Type::I64, off as i128);
            let a = b.bin(BinOp::Add, Type::Ptr, src, o);
            let v = b.ins(leaf_value(t, i, 3));
            b.store(t, a, v);
        }
        let one = b.iconst(Type::I32, 1);
        let two = b.iconst(Type::I32, 2);
        sg.variadic = false;
        b.ins(InstKind::Call { callee: Callee::Direct(format!("c_id_{n}")), sig: sg.clone(), args: vec![one, src, two], ret_slot: Some(dst), chain: None });
        let s = sum_leaves(&mut b, &sh, dst);
        b.ret(Some(s));
        fs.push(b.finish());
        // C side
        let fields: Vec<String> = (0..sh.leaves.len()).map(|i| ((b'a' + i as u8) as char).to_string()).collect();
        let fields = if n == "SFI" { vec!["f".to_string(), "i".into()] } else if n == "SDF" { vec!["d".into(), "f".into()] } else if n == "SDI" { vec!["d".into(), "l".into()] } else if n == "SID" { vec!["l".into(), "d".into()] } else if n == "SLD" { vec!["x".into()] } else { fields };
        let sum_expr: Vec<String> = fields.iter().map(|f| format!("(long)s.{f}")).collect();
        c.push_str(&format!(
            "{n} id_{n}(int, {n}, int); long sum_{n}({n}); long call_{n}(void);\n{n} c_id_{n}(int p, {n} s, int q) {{ if (p != 1 || q != 2) fails++; return s; }}\nstatic long csum_{n}({n} s) {{ return {}; }}\nstatic {n} make_{n}(int seed) {{ {n} s; memset(&s, 0, sizeof s); {} return s; }}\n",
            sum_expr.join(" + "),
            fields.iter().enumerate().map(|(i, f)| format!("s.{f} = seed * 10 + {} + ({});", i + 1, if sh.leaves[i].1.is_float() { "0.5" } else { "0" })).collect::<Vec<_>>().join(" ")
        ));
        main.push_str(&format!(
            "  {{ {n} s = make_{n}(2); {n} r = id_{n}(1, s, 2); if (memcmp(&r, &s, sizeof s) && csum_{n}(r) != csum_{n}(s)) {{ printf(\"FAIL id_{n}\\n\"); fails++; }}\n    if (sum_{n}(s) != csum_{n}(s)) {{ printf(\"FAIL sum_{n} %ld %ld\\n\", sum_{n}(s), csum_{n}(s)); fails++; }}\n    if (call_{n}() != csum_{n}(make_{n}(3))) {{ printf(\"FAIL call_{n} %ld\\n\", call_{n}()); fails++; }} }}\n"
        ));
    }
    c.push_str(&format!("int main(void) {{\n{main}  printf(\"fails=%d\\n\", fails); return 0; }}\n"));
    let out = run_with_c("structs", &module(fs), &CodegenOptions::default(), &c, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// More arguments than registers, of every kind, in both directions.
#[test]
fn many_mixed_arguments() {
    use Type::*;
    let big = Shape { name: "SBIG", c_fields: "", leaves: vec![(0, I64), (8, I64), (16, I64), (24, I64), (32, I64)], size: 40, align: 8 };
    let s12 = Shape { name: "S12", c_fields: "", leaves: vec![(0, I32), (4, I32), (8, I32)], size: 12, align: 4 };
    let mut params: Vec<AbiType> = Vec::new();
    let mut tys = Vec::new();
    for i in 0..24 {
        let t = [I32, F64, I64, F32, I8, F64, I16, I128, F80, Ptr][i % 10];
        tys.push(t);
        params.push(AbiType::Scalar(t));
    }
    params.push(s12.abi());
    params.push(big.abi());
    params.push(AbiType::Scalar(I32));
    let sg = Signature { params: params.clone(), ret: Some(AbiType::Scalar(F64)), variadic: false, named: None };
    // IR callee: weighted sum of all scalar args (as double) + struct sums
    let (mut b, p) = FB::new("ir_many", sg.clone());
    let mut acc = b.ins(InstKind::FConst { ty: F64, bits: 0f64.to_bits() as u128 });
    for (i, &t) in tys.iter().enumerate() {
        let v = match t {
            F64 => p[i],
            F32 | F80 => b.ins(InstKind::Cast { op: if t == F32 { CastOp::FExt } else { CastOp::FTrunc }, from: t, to: F64, arg: p[i] }),
            Ptr => {
                let l = b.load(I64, p[i]);
                b.ins(InstKind::Cast { op: CastOp::SIToF, from: I64, to: F64, arg: l })
            }
            _ => b.ins(InstKind::Cast { op: CastOp::SIToF, from: t, to: F64, arg: p[i] }),
        };
        let w = b.ins(InstKind::FConst { ty: F64, bits: ((i + 1) as f64).to_bits() as u128 });
        let m = b.bin(BinOp::FMul, F64, v, w);
        acc = b.bin(BinOp::FAdd, F64, acc, m);
    }
    let s1 = sum_leaves(&mut b, &s12, p[24]);
    let s2 = sum_leaves(&mut b, &big, p[25]);
    for s in [s1, s2, p[26]] {
        let t = if s == p[26] { I32 } else { I64 };
        let f = b.ins(InstKind::Cast { op: CastOp::SIToF, from: t, to: F64, arg: s });
        let k = b.ins(InstKind::FConst { ty: F64, bits: 1000f64.to_bits() as u128 });
        let m = b.bin(BinOp::FMul, F64, f, k);
        acc = b.bin(BinOp::FAdd, F64, acc, m);
    }
    b.ret(Some(acc));
    let callee = b.finish();
    // IR caller: calls C's c_many with the same kind of arguments
    let (mut b, _) = FB::new("ir_call_many", sig(&[], Some(F64)));
    let cell = b.slot(8, 8);
    let k = b.iconst(I64, 77);
    b.store(I64, cell, k);
    let mut args = Vec::new();
    for (i, &t) in tys.iter().enumerate() {
        let v = match t {
            Ptr => cell,
            F32 => b.ins(InstKind::FConst { ty: F32, bits: (i as f32 + 0.5).to_bits() as u128 }),
            F64 => b.ins(InstKind::FConst { ty: F64, bits: (i as f64 + 0.25).to_bits() as u128 }),
            F80 => b.ins(leaf_value(F80, i, 0)),
            _ => b.iconst(t, -(i as i128) * 3),
        };
        args.push(v);
    }
    for (sh, seed) in [(&s12, 4), (&big, 5)] {
        let sl = b.slot(sh.size, sh.align);
        for (i, &(off, t)) in sh.leaves.iter().enumerate() {
            let o = b.iconst(I64, off as i128);
            let a = b.bin(BinOp::Add, Ptr, sl, o);
            let v = b.ins(leaf_value(t, i, seed));
            b.store(t, a, v);
        }
        args.push(sl);
    }
    let last = b.iconst(I32, 9);
    args.push(last);
    let r = b.call("c_many", sg, args);
    b.ret(Some(r));
    let caller = b.finish();

    let mut proto = String::new();
    for (i, &t) in tys.iter().enumerate() {
        proto.push_str(&format!("{} p{i}, ", if t == Ptr { "long *" } else { cty(t) }));
    }
    proto.push_str("S12 s12, SBIG big, int last");
    let mut csum = String::from("double acc = 0;\n");
    for (i, &t) in tys.iter().enumerate() {
        csum.push_str(&format!("  acc += (double)({}) * {};\n", if t == Ptr { format!("*p{i}") } else { format!("p{i}") }, i + 1));
    }
    csum.push_str("  acc += (double)(s12.a + s12.b + s12.c) * 1000; acc += (double)(big.a + big.b + big.c + big.d + big.e) * 1000; acc += (double)last * 1000;\n");
    let mut call_args = String::new();
    for (i, &t) in tys.iter().enumerate() {
        call_args.push_str(&match t {
            Ptr => "&cell, ".to_string(),
            F32 => format!("{i}.5f, "),
            F64 => format!("{i}.25, "),
            F80 => format!("{}.5L, ", i + 1),
            _ => format!("-{}, ", i * 3),
        });
    }
    let driver = format!(
        "#include <stdio.h>\n#include <stdint.h>\ntypedef struct {{ int a, b, c; }} S12; typedef struct {{ long a, b, c, d, e; }} SBIG;\ndouble ir_many({proto}); double ir_call_many(void);\ndouble c_many({proto}) {{ {csum} return acc; }}\nint main(void) {{ long cell = 77; S12 s = {{41, 42, 43}}; SBIG g = {{51, 52, 53, 54, 55}};\n double a = ir_many({call_args} s, g, 9), b = c_many({call_args} s, g, 9);\n S12 s4 = {{41, 42, 43}}; (void)s4;\n printf(\"%d %d\\n\", a == b, ir_call_many() == b); if (a != b) printf(\"%g %g\\n\", a, b); return 0; }}\n"
    );
    let out = run_with_c("manyargs", &module(vec![callee, caller]), &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out, "1 1\n");
}

#[test]
fn variadic_functions() {
    use Type::*;
    let s12 = Shape { name: "S12", c_fields: "", leaves: vec![(0, I32), (4, I32), (8, I32)], size: 12, align: 4 };
    let sdd = Shape { name: "SDD", c_fields: "", leaves: vec![(0, F64), (8, F64)], size: 16, align: 8 };
    let big = Shape { name: "SBIG", c_fields: "", leaves: vec![(0, I64), (8, I64), (16, I64), (24, I64), (32, I64)], size: 40, align: 8 };
    // double vmix(int n, ...): n groups of (int, double, long double, S12, SDD, SBIG, __int128, float-promoted double)
    let vsig = Signature { params: vec![AbiType::Scalar(I32)], ret: Some(AbiType::Scalar(F64)), variadic: true, named: None };
    let (mut b, p) = FB::new("vmix", vsig.clone());
    let ap = b.slot(24, 8);
    let ap2 = b.slot(24, 8);
    b.ins(InstKind::VaStart { ap });
    let head = b.block();
    let body = b.block();
    let exit = b.block();
    let z = b.ins(InstKind::FConst { ty: F64, bits: 0 });
    b.jump(head, vec![p[0], z]);
    b.at(head);
    let n = b.param(head, I32);
    let acc = b.param(head, F64);
    let zero = b.iconst(I32, 0);
    let c = b.ins(InstKind::Icmp { cc: IntCC::Sgt, ty: I32, lhs: n, rhs: zero });
    b.br(c, body, exit);
    b.at(body);
    let mut a = acc;
    let add_f = |b: &mut FB, a: Value, v: Value, from: Type| -> Value {
        let f = if from == F64 {
            v
        } else if from.is_float() {
            b.ins(InstKind::Cast { op: CastOp::FTrunc, from, to: F64, arg: v })
        } else {
            b.ins(InstKind::Cast { op: CastOp::SIToF, from, to: F64, arg: v })
        };
        b.bin(BinOp::FAdd, F64, a, f)
    };
    let vi = b.ins(InstKind::VaArg { ap, ty: AbiType::Scalar(I32) });
    a = add_f(&mut b, a, vi, I32);
    let vd = b.ins(InstKind::VaArg { ap, ty: AbiType::Scalar(F64) });
    a = add_f(&mut b, a, vd, F64);
    let vx = b.ins(InstKind::VaArg { ap, ty: AbiType::Scalar(F80) });
    a = add_f(&mut b, a, vx, F80);
    for sh in [&s12, &sdd, &big] {
        let pa = b.ins(InstKind::VaArg { ap, ty: sh.abi() });
        for &(off, t) in &sh.leaves {
            let o = b.iconst(I64, off as i128);
            let addr = b.bin(BinOp::Add, Ptr, pa, o);
            let v = b.load(t, addr);
            a = add_f(&mut b, a, v, t);
        }
    }
    let vq = b.ins(InstKind::VaArg { ap, ty: AbiType::Scalar(I128) });
    let sixty4 = b.iconst(I128, 64);
    let hi = b.bin(BinOp::AShr, I128, vq, sixty4);
    let lo = b.ins(InstKind::Cast { op: CastOp::Trunc, from: I128, to: I64, arg: vq });
    let hi64 = b.ins(InstKind::Cast { op: CastOp::Trunc, from: I128, to: I64, arg: hi });
    a = add_f(&mut b, a, lo, I64);
    a = add_f(&mut b, a, hi64, I64);
    let one = b.iconst(I32, 1);
    let n1 = b.bin(BinOp::Sub, I32, n, one);
    b.jump(head, vec![n1, a]);
    b.at(exit);
    // va_copy, then read one more trailing long from the copy
    b.ins(InstKind::VaCopy { dst: ap2, src: ap });
    let tail = b.ins(InstKind::VaArg { ap: ap2, ty: AbiType::Scalar(I64) });
    let r = add_f(&mut b, acc, tail, I64);
    b.ret(Some(r));
    let vmix = b.finish();

    // long vnamed(7 named longs, ...): the first variadic argument follows the named stack ones
    let nsig = Signature { params: vec![AbiType::Scalar(I64); 7], ret: Some(AbiType::Scalar(I64)), variadic: true, named: None };
    let (mut b2, p2) = FB::new("vnamed", nsig);
    let ap3 = b2.slot(24, 8);
    b2.ins(InstKind::VaStart { ap: ap3 });
    let x = b2.ins(InstKind::VaArg { ap: ap3, ty: AbiType::Scalar(I64) });
    let y = b2.ins(InstKind::VaArg { ap: ap3, ty: AbiType::Scalar(I64) });
    let k = b2.iconst(I64, 100);
    let xm = b2.bin(BinOp::Mul, I64, x, k);
    let s = b2.bin(BinOp::Add, I64, xm, y);
    let s = b2.bin(BinOp::Add, I64, s, p2[6]);
    b2.ret(Some(s));
    let vnamed = b2.finish();

    // long vt(int n, ...): skips n ints, then reads a 16-aligned two-long struct
    let tl = AggLayout { size: 16, align: 16, leaves: vec![(0, I64), (8, I64)], force_memory: false };
    let (mut b3, p3) = FB::new("vt", Signature { params: vec![AbiType::Scalar(I32)], ret: Some(AbiType::Scalar(I64)), variadic: true, named: None });
    let ap4 = b3.slot(24, 8);
    b3.ins(InstKind::VaStart { ap: ap4 });
    let head = b3.block();
    let body = b3.block();
    let exit = b3.block();
    b3.jump(head, vec![p3[0]]);
    b3.at(head);
    let n = b3.param(head, I32);
    let zero = b3.iconst(I32, 0);
    let c = b3.ins(InstKind::Icmp { cc: IntCC::Sgt, ty: I32, lhs: n, rhs: zero });
    b3.br(c, body, exit);
    b3.at(body);
    b3.ins(InstKind::VaArg { ap: ap4, ty: AbiType::Scalar(I32) });
    let one = b3.iconst(I32, 1);
    let n1 = b3.bin(BinOp::Sub, I32, n, one);
    b3.jump(head, vec![n1]);
    b3.at(exit);
    let pt = b3.ins(InstKind::VaArg { ap: ap4, ty: AbiType::Aggregate(tl) });
    let a0 = b3.load(I64, pt);
    let eight = b3.iconst(I64, 8);
    let pb = b3.bin(BinOp::Add, Ptr, pt, eight);
    let a1 = b3.load(I64, pb);
    let k = b3.iconst(I64, 1000);
    let m = b3.bin(BinOp::Mul, I64, a0, k);
    let r = b3.bin(BinOp::Add, I64, m, a1);
    b3.ret(Some(r));
    let vt = b3.finish();

    // IR caller of snprintf with mixed variadic arguments
    let (mut b, p) = FB::new("fmt", sig(&[Ptr, Ptr], Some(I32)));
    let n = b.iconst(I64, 200);
    let i = b.iconst(I32, -42);
    let d = b.ins(InstKind::FConst { ty: F64, bits: 2.5f64.to_bits() as u128 });
    let x = b.ins(leaf_value(F80, 0, 0)); // 1.5L
    let l = b.iconst(I64, 1 << 40);
    let f1 = b.ins(InstKind::FConst { ty: F64, bits: 0.125f64.to_bits() as u128 });
    let args = vec![p[0], n, p[1], i, d, x, l, f1, i, d, i, d, i, d, i, d, i, d, d];
    let ssig = Signature { params: vec![AbiType::Scalar(Ptr), AbiType::Scalar(I64), AbiType::Scalar(Ptr)], ret: Some(AbiType::Scalar(I32)), variadic: true, named: None };
    let r = b.call("snprintf", ssig, args);
    b.ret(Some(r));
    let fmt = b.finish();

    let driver = r#"
#include <stdio.h>
#include <string.h>
typedef struct { int a, b, c; } S12; typedef struct { double a, b; } SDD; typedef struct { long a, b, c, d, e; } SBIG;
double vmix(int n, ...); int fmt(char *buf, const char *f); long vnamed(long, long, long, long, long, long, long, ...); long vt(int, ...);
int main(void) {
  S12 s = {1, 2, 3}; SDD d = {0.5, 0.25}; SBIG g = {10, 20, 30, 40, 50};
  __int128 q = ((__int128)7 << 64) | 9;
  double per = 4 + 1.5 + 2.25L + 6 + 0.75 + 150 + 9 + 7;
  double r1 = vmix(1, 4, 1.5, 2.25L, s, d, g, q, 1000L);
  double r3 = vmix(3, 4, 1.5, 2.25L, s, d, g, q, 4, 1.5, 2.25L, s, d, g, q, 4, 1.5, 2.25L, s, d, g, q, 1000L);
  printf("%d %d\n", r1 == per + 1000, r3 == 3 * per + 1000);
  { struct T { long a, b; } __attribute__((aligned(16))) t = {3, 4}; long ok = 1; for (int k = 0; k < 9; k++) { switch (k) { case 0: ok &= vt(0, t) == 3004; break; case 1: ok &= vt(1, 0, t) == 3004; break; case 4: ok &= vt(4, 0, 0, 0, 0, t) == 3004; break; case 5: ok &= vt(5, 0, 0, 0, 0, 0, t) == 3004; break; case 6: ok &= vt(6, 0, 0, 0, 0, 0, 0, t) == 3004; break; case 7: ok &= vt(7, 0, 0, 0, 0, 0, 0, 0, t) == 3004; break; case 8: ok &= vt(8, 0, 0, 0, 0, 0, 0, 0, 0, t) == 3004; break; } } if (!ok) printf("FAIL vt\n"); }
  printf("%ld %d\n", vnamed(1, 2, 3, 4, 5, 6, 7, 8L, 9L) - 800 - 9, vnamed(0, 0, 0, 0, 0, 0, 0, 5L, 3L) == 503);
  char buf[200];
  int n = fmt(buf, "%d %g %Lg %ld %g|%d %g %d %g %d %g %d %g %d %g %g");
  puts(buf);
  return n != (int)strlen(buf);
}"#;
    let out = run_with_c("varargs", &module(vec![vmix, fmt, vnamed, vt]), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "1 1\n7 1\n-42 2.5 1.5 1099511627776 0.125|-42 2.5 -42 2.5 -42 2.5 -42 2.5 -42 2.5 2.5\n");
}

fn unary_fn(name: &str, op: UnOp, t: Type) -> Function {
    let (mut b, p) = FB::new(name, sig(&[t], Some(t)));
    let r = b.ins(InstKind::Unary { op, ty: t, arg: p[0] });
    b.ret(Some(r));
    b.finish()
}

#[test]
fn bit_operations_and_overflow() {
    use Type::*;
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [I8, I16, I32, I64, I128] {
        let (c, u) = (cty(t), uty(t));
        let bits = t.bits();
        for (op, name) in [(UnOp::Clz, "clz"), (UnOp::Ctz, "ctz"), (UnOp::Popcount, "pop"), (UnOp::Bswap, "bswap"), (UnOp::Neg, "neg"), (UnOp::Not, "not")] {
            let f = format!("u_{name}_{t}");
            fs.push(unary_fn(&f, op, t));
            decls.push_str(&format!("{c} {f}({c});\n"));
            let want = match name {
                "clz" => format!("clz128((unsigned __int128)({u})a) - (128 - {bits})"),
                "ctz" => "ctz128((unsigned __int128)a)".to_string(),
                "pop" => format!("pop128((unsigned __int128)({u})a)"),
                "bswap" => format!("({c})bswapn((unsigned __int128)({u})a, {})", bits / 8),
                "neg" => format!("({c})(0 - ({u})a)"),
                _ => format!("({c})~a"),
            };
            let guard = if name == "clz" || name == "ctz" { "a != 0" } else { "1" };
            body.push_str(&format!("  {{ {c} a = ({c})vals[i]; if ({guard} && {f}(a) != ({c})({want})) {{ printf(\"FAIL {f} %lld\\n\", (long long)a); fails++; }} }}\n"));
        }
        for (op, name) in [(BinOp::Add, "add"), (BinOp::Sub, "sub"), (BinOp::Mul, "mul")] {
            for signed in [true, false] {
                let f = format!("ov_{name}_{}{t}", if signed { "s" } else { "u" });
                let (mut b, p) = FB::new(&f, sig(&[t, t], Some(I8)));
                let r = b.ins(InstKind::Overflows { op, ty: t, signed, lhs: p[0], rhs: p[1] });
                b.ret(Some(r));
                fs.push(b.finish());
                let ct = if signed { c } else { u };
                decls.push_str(&format!("int8_t {f}({ct}, {ct});\n"));
                body.push_str(&format!("  {{ {ct} a = ({ct})vals[i], b = ({ct})vals[j], r; int want = __builtin_{name}_overflow(a, b, &r); if ({f}(a, b) != want) {{ printf(\"FAIL {f} %lld %lld\\n\", (long long)a, (long long)b); fails++; }} }}\n"));
            }
        }
    }
    let driver = format!(
        "#include <stdio.h>\n#include <stdint.h>\n{decls}{VALS}\ntypedef unsigned __int128 u128;\nstatic int clz128(u128 x) {{ int n = 0; while (!(x >> 127)) {{ x <<= 1; n++; }} return n; }}\nstatic int ctz128(u128 x) {{ int n = 0; while (!(x & 1)) {{ x >>= 1; n++; }} return n; }}\nstatic int pop128(u128 x) {{ int n = 0; while (x) {{ n += x & 1; x >>= 1; }} return n; }}\nstatic u128 bswapn(u128 x, int n) {{ u128 r = 0; for (int k = 0; k < n; k++) {{ r = (r << 8) | (x & 0xff); x >>= 8; }} return r; }}\nint main(void) {{ int fails = 0;\n for (int i = 0; i < NV; i++) for (int j = 0; j < NV; j++) {{\n{body} }}\n printf(\"fails=%d\\n\", fails); return 0; }}\n"
    );
    let out = run_with_c("bits", &module(fs), &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

fn global(name: &str, size: u64, align: u32, init: Option<Vec<InitPiece>>) -> Global {
    Global { name: name.into(), attrs: SymbolAttrs::default(), size, align, init, readonly: false, thread_local: false, common: false }
}

/// Globals, TLS, memory builtins, atomics, dynamic allocas, computed goto,
/// indirect calls and frame introspection, under each code model.
fn misc_module() -> Module {
    use Type::*;
    let mut fs = Vec::new();
    // long read_g(int i): g_arr[i] + counter + *g_ptr
    let (mut b, p) = FB::new("read_g", sig(&[I32], Some(I64)));
    let base = b.ins(InstKind::GlobalAddr { name: "g_arr".into(), offset: 0 });
    let i64v = b.ins(InstKind::Cast { op: CastOp::Sext, from: I32, to: I64, arg: p[0] });
    let eight = b.iconst(I64, 8);
    let off = b.bin(BinOp::Mul, I64, i64v, eight);
    let addr = b.bin(BinOp::Add, Ptr, base, off);
    let x = b.load(I64, addr);
    let cnt = b.ins(InstKind::GlobalAddr { name: "counter".into(), offset: 0 });
    let y = b.load(I64, cnt);
    let gp = b.ins(InstKind::GlobalAddr { name: "g_ptr".into(), offset: 0 });
    let pp = b.load(Ptr, gp);
    let z = b.load(I64, pp);
    let s1 = b.bin(BinOp::Add, I64, x, y);
    let s2 = b.bin(BinOp::Add, I64, s1, z);
    let ro = b.ins(InstKind::GlobalAddr { name: "g_str".into(), offset: 2 });
    let ch = b.load(I8, ro);
    let chl = b.ins(InstKind::Cast { op: CastOp::Zext, from: I8, to: I64, arg: ch });
    let s3 = b.bin(BinOp::Add, I64, s2, chl);
    b.ret(Some(s3));
    fs.push(b.finish());
    // long tls_inc(void): ++tls_var (local) + ext_tls (extern)
    let (mut b, _) = FB::new("tls_inc", sig(&[], Some(I64)));
    let t = b.ins(InstKind::TlsAddr { name: "tls_var".into(), offset: 0 });
    let v = b.load(I64, t);
    let one = b.iconst(I64, 1);
    let v1 = b.bin(BinOp::Add, I64, v, one);
    b.store(I64, t, v1);
    let e = b.ins(InstKind::TlsAddr { name: "ext_tls".into(), offset: 0 });
    let ev = b.load(I64, e);
    let r = b.bin(BinOp::Add, I64, v1, ev);
    b.ret(Some(r));
    fs.push(b.finish());
    // void copy_fill(char *dst, char *src, int c): memcpy 7, 24, 300 bytes; memset 13, 500
    let (mut b, p) = FB::new("copy_fill", sig(&[Ptr, Ptr, I8], None));
    b.ins(InstKind::Memcpy { dst: p[0], src: p[1], size: 7, align: 1 });
    let k = b.iconst(I64, 7);
    let d2 = b.bin(BinOp::Add, Ptr, p[0], k);
    let s2 = b.bin(BinOp::Add, Ptr, p[1], k);
    b.ins(InstKind::Memcpy { dst: d2, src: s2, size: 293, align: 1 });
    let k2 = b.iconst(I64, 300);
    let d3 = b.bin(BinOp::Add, Ptr, p[0], k2);
    b.ins(InstKind::Memset { dst: d3, byte: p[2], size: 13, align: 1 });
    let k3 = b.iconst(I64, 313);
    let d4 = b.bin(BinOp::Add, Ptr, p[0], k3);
    let c5 = b.iconst(I8, 0x5a);
    b.ins(InstKind::Memset { dst: d4, byte: c5, size: 500, align: 1 });
    b.ret(None);
    fs.push(b.finish());
    // atomics on a long*: returns old values folded together
    let (mut b, p) = FB::new("atomics", sig(&[Ptr], Some(I64)));
    let mut acc = b.iconst(I64, 0);
    for (op, val) in [(RmwOp::Add, 5), (RmwOp::Sub, 2), (RmwOp::Or, 0x100), (RmwOp::And, 0xfff), (RmwOp::Xor, 0x11), (RmwOp::Nand, 0x7f), (RmwOp::Xchg, 42)] {
        let v = b.iconst(I64, val);
        let old = b.ins(InstKind::AtomicRmw { op, ty: I64, ptr: p[0], value: v, order: AtomicOrder::SeqCst });
        let m = b.iconst(I64, 3);
        let t = b.bin(BinOp::Mul, I64, acc, m);
        acc = b.bin(BinOp::Add, I64, t, old);
    }
    let e = b.iconst(I64, 42);
    let n = b.iconst(I64, 7);
    let old = b.ins(InstKind::AtomicCmpXchg { ty: I64, ptr: p[0], expected: e, desired: n, order: AtomicOrder::SeqCst });
    acc = b.bin(BinOp::Add, I64, acc, old);
    let e2 = b.iconst(I64, 1);
    let old2 = b.ins(InstKind::AtomicCmpXchg { ty: I64, ptr: p[0], expected: e2, desired: n, order: AtomicOrder::SeqCst });
    acc = b.bin(BinOp::Add, I64, acc, old2);
    b.ins(InstKind::Fence { order: AtomicOrder::SeqCst });
    let l = b.ins(InstKind::AtomicLoad { ty: I64, ptr: p[0], order: AtomicOrder::Acquire });
    acc = b.bin(BinOp::Add, I64, acc, l);
    let nine = b.iconst(I64, 9);
    b.ins(InstKind::AtomicStore { ty: I64, ptr: p[0], value: nine, order: AtomicOrder::SeqCst });
    b.ret(Some(acc));
    fs.push(b.finish());
    // long vla(int n): p = alloca(n * 8, align 32); p[i] = i; sum via callee
    let (mut b, p) = FB::new("vla", sig(&[I32], Some(I64)));
    let n64 = b.ins(InstKind::Cast { op: CastOp::Sext, from: I32, to: I64, arg: p[0] });
    let eight = b.iconst(I64, 8);
    let sz = b.bin(BinOp::Mul, I64, n64, eight);
    let arr = b.ins(InstKind::DynAlloca { size: sz, align: 32 });
    let arr2 = b.ins(InstKind::DynAlloca { size: sz, align: 8 });
    let r = b.call("fill_and_sum", sig(&[Ptr, Ptr, I32], Some(I64)), vec![arr, arr2, p[0]]);
    b.ret(Some(r));
    fs.push(b.finish());
    // long vla_loop(int n): n iterations each allocating 64 KiB inside a save/restore pair
    let (mut b, p) = FB::new("vla_loop", sig(&[I32], Some(I64)));
    let head = b.block();
    let body = b.block();
    let exit = b.block();
    b.jump(head, vec![p[0]]);
    b.at(head);
    let n = b.param(head, I32);
    let z = b.iconst(I32, 0);
    let c = b.ins(InstKind::Icmp { cc: IntCC::Sgt, ty: I32, lhs: n, rhs: z });
    b.br(c, body, exit);
    b.at(body);
    let sp = b.ins(InstKind::StackSave);
    let sz = b.iconst(I64, 65536);
    let a = b.ins(InstKind::DynAlloca { size: sz, align: 16 });
    b.store(I64, a, sz);
    b.ins(InstKind::StackRestore { ptr: sp });
    let one = b.iconst(I32, 1);
    let n1 = b.bin(BinOp::Sub, I32, n, one);
    b.jump(head, vec![n1]);
    b.at(exit);
    let r = b.iconst(I64, 1);
    b.ret(Some(r));
    fs.push(b.finish());
    // int cgoto(int i): computed goto through a table of block addresses
    let (mut b, p) = FB::new("cgoto", sig(&[I32], Some(I32)));
    let t0 = b.block();
    let t1 = b.block();
    let t2 = b.block();
    let a0 = b.ins(InstKind::BlockAddr { block: t0 });
    let a1 = b.ins(InstKind::BlockAddr { block: t1 });
    let a2 = b.ins(InstKind::BlockAddr { block: t2 });
    let z = b.iconst(I32, 0);
    let one = b.iconst(I32, 1);
    let c0 = b.ins(InstKind::Icmp { cc: IntCC::Eq, ty: I32, lhs: p[0], rhs: z });
    let c1 = b.ins(InstKind::Icmp { cc: IntCC::Eq, ty: I32, lhs: p[0], rhs: one });
    let s = b.ins(InstKind::Select { ty: Ptr, cond: c1, cond_ty: I8, a: a1, b: a2 });
    let s2 = b.ins(InstKind::Select { ty: Ptr, cond: c0, cond_ty: I8, a: a0, b: s });
    b.ins(InstKind::IndirectJump { addr: s2, targets: vec![t0, t1, t2] });
    for (blk, v) in [(t0, 100), (t1, 200), (t2, 300)] {
        b.at(blk);
        let c = b.iconst(I32, v);
        b.ret(Some(c));
    }
    fs.push(b.finish());
    // int via_table(int i): jumps through the static table `labels` (LabelAddr init)
    let (mut b, p) = FB::new("via_table", sig(&[I32], Some(I32)));
    let t0 = b.block();
    let t1 = b.block();
    let tab = b.ins(InstKind::GlobalAddr { name: "labels".into(), offset: 0 });
    let i64v = b.ins(InstKind::Cast { op: CastOp::Zext, from: I32, to: I64, arg: p[0] });
    let eight = b.iconst(I64, 8);
    let off = b.bin(BinOp::Mul, I64, i64v, eight);
    let addr = b.bin(BinOp::Add, Ptr, tab, off);
    let target = b.load(Ptr, addr);
    b.ins(InstKind::IndirectJump { addr: target, targets: vec![t0, t1] });
    for (blk, v) in [(t0, 7), (t1, 8)] {
        b.at(blk);
        let c = b.iconst(I32, v);
        b.ret(Some(c));
    }
    fs.push(b.finish());
    // long icall(long (*f)(long), long x) { return f(x) + f(x + 1); }
    let (mut b, p) = FB::new("icall", sig(&[Ptr, I64], Some(I64)));
    let s1 = sig(&[I64], Some(I64));
    let r1 = b.ins(InstKind::Call { callee: Callee::Indirect(p[0]), sig: s1.clone(), args: vec![p[1]], ret_slot: None, chain: None });
    let one = b.iconst(I64, 1);
    let x1 = b.bin(BinOp::Add, I64, p[1], one);
    let r2 = b.ins(InstKind::Call { callee: Callee::Indirect(p[0]), sig: s1.clone(), args: vec![x1], ret_slot: None, chain: None });
    let fa = b.ins(InstKind::GlobalAddr { name: "twice".into(), offset: 0 });
    let r3 = b.ins(InstKind::Call { callee: Callee::Indirect(fa), sig: s1, args: vec![one], ret_slot: None, chain: None });
    let s = b.bin(BinOp::Add, I64, r1, r2);
    let s = b.bin(BinOp::Add, I64, s, r3);
    b.ret(Some(s));
    fs.push(b.finish());
    // void *frame_ra(void): returns __builtin_return_address(0); frame address compared in C
    let (mut b, _) = FB::new("ret_addr", sig(&[], Some(Ptr)));
    let r = b.ins(InstKind::ReturnAddress { level: 0 });
    b.ret(Some(r));
    fs.push(b.finish());
    let (mut b, _) = FB::new("frame_addr1", sig(&[], Some(Ptr)));
    let r = b.ins(InstKind::FrameAddress { level: 1 });
    b.ret(Some(r));
    fs.push(b.finish());
    // int asm_add(int a, int b): inline asm with tied operand, named operands, flags output, fixed regs
    let (mut b, p) = FB::new("asm_ops", sig(&[I32, I32, Ptr], Some(I32)));
    let out = b.slot(4, 4);
    let flag = b.slot(1, 1);
    let hi = b.slot(4, 4);
    b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
        template: "addl %[b], %k0\n\tmovl %k0, %%edx\n\tshrl $1, %%edx\n\tmovl %%edx, %1\n\tcmpl $100, %k0".into(),
        outputs: vec![
            AsmOperand { constraint: "=r".into(), name: None, value: out, ty: I32 },
            AsmOperand { constraint: "=m".into(), name: None, value: hi, ty: I32 },
            AsmOperand { constraint: "=@ccg".into(), name: None, value: flag, ty: I8 },
        ],
        inputs: vec![
            AsmOperand { constraint: "0".into(), name: None, value: p[0], ty: I32 },
            AsmOperand { constraint: "r".into(), name: Some("b".into()), value: p[1], ty: I32 },
        ],
        clobbers: vec!["edx".into(), "cc".into()],
        goto_targets: vec![],
        volatile: true,
    })));
    let o = b.load(I32, out);
    let h = b.load(I32, hi);
    let f = b.load(I8, flag);
    let fi = b.ins(InstKind::Cast { op: CastOp::Zext, from: I8, to: I32, arg: f });
    let k = b.iconst(I32, 1000);
    let fk = b.bin(BinOp::Mul, I32, fi, k);
    let s = b.bin(BinOp::Add, I32, o, fk);
    b.store(I32, p[2], h);
    b.ret(Some(s));
    fs.push(b.finish());

    // long overaligned(void): address of a 64-aligned slot after storing through it
    let (mut b, _) = FB::new("overaligned", sig(&[], Some(I64)));
    let sl = b.slot(100, 64);
    let k = b.iconst(I64, 0);
    b.store(I64, sl, k);
    let v = b.load(I64, sl);
    let a = b.ins(InstKind::Cast { op: CastOp::Bitcast, from: Ptr, to: I64, arg: sl });
    let r = b.bin(BinOp::Add, I64, a, v);
    b.ret(Some(r));
    fs.push(b.finish());

    let mut globals = vec![
        global("g_arr", 32, 8, Some(vec![InitPiece::Bytes((1u64..=4).flat_map(|v| (v * 10).to_le_bytes()).collect())])),
        global("bss_zero", 64, 32, None),
        global("g_ptr", 8, 8, Some(vec![InitPiece::Addr { symbol: "g_arr".into(), addend: 16 }])),
        global("labels", 16, 8, Some(vec![InitPiece::LabelAddr { function: "via_table".into(), block: 1, addend: 0 }, InitPiece::LabelAddr { function: "via_table".into(), block: 2, addend: 0 }])),
    ];
    let mut ro = global("g_str", 6, 1, Some(vec![InitPiece::Bytes(b"hello\0".to_vec())]));
    ro.readonly = true;
    ro.attrs.linkage = Linkage::Internal;
    globals.push(ro);
    let mut tls = global("tls_var", 8, 8, Some(vec![InitPiece::Bytes(5u64.to_le_bytes().to_vec())]));
    tls.thread_local = true;
    globals.push(tls);
    let mut m = module(fs);
    m.globals = globals;
    m.decls.push(SymbolDecl { name: "ext_tls".into(), weak: false, visibility: Visibility::Default, is_function: false, thread_local: true });
    m
}

const MISC_DRIVER: &str = r#"
#include <stdio.h>
#include <string.h>
long vla_loop(int), overaligned(void), read_g(int), tls_inc(void), atomics(long *), vla(int), icall(long (*)(long), long);
void copy_fill(char *, char *, char);
int cgoto(int), via_table(int), asm_ops(int, int, int *);
void *ret_addr(void), *frame_addr1(void);
long counter = 1000;
__thread long ext_tls = 50;
long twice(long x) { return 2 * x; }
long fill_and_sum(long *p, long *q, int n) {
  if ((unsigned long)p % 32) return -1;
  long s = 0; for (int i = 0; i < n; i++) { p[i] = i; q[i] = 1; } for (int i = 0; i < n; i++) s += p[i] + q[i]; return s;
}
__attribute__((noinline)) int check_ra(void) { return ret_addr() != 0; }
int main(void) {
  int fails = 0;
  if (read_g(2) != 30 + 1000 + 30 + 'l') { printf("FAIL read_g %ld\n", read_g(2)); fails++; }
  if (tls_inc() != 56 || tls_inc() != 57) { printf("FAIL tls\n"); fails++; }
  char src[1000], dst[1000]; for (int i = 0; i < 1000; i++) { src[i] = i * 7; dst[i] = 1; }
  copy_fill(dst, src, 0x33);
  for (int i = 0; i < 1000; i++) { char want = i < 300 ? src[i] : i < 313 ? 0x33 : i < 813 ? 0x5a : 1; if (dst[i] != want) { printf("FAIL mem %d\n", i); fails++; break; } }
  long cell = 10, c2 = 10, acc = 0; long vals[] = {5, 2, 0x100, 0xfff, 0x11, 0x7f, 42}; long old;
  old = c2; c2 += 5; acc = acc * 3 + old; old = c2; c2 -= 2; acc = acc * 3 + old; old = c2; c2 |= 0x100; acc = acc * 3 + old;
  old = c2; c2 &= 0xfff; acc = acc * 3 + old; old = c2; c2 ^= 0x11; acc = acc * 3 + old; old = c2; c2 = ~(c2 & 0x7f); acc = acc * 3 + old;
  old = c2; c2 = 42; acc = acc * 3 + old; acc += 42; c2 = 7; acc += 7; acc += 7; (void)vals;
  long got = atomics(&cell);
  if (got != acc || cell != 9) { printf("FAIL atomics %ld %ld %ld\n", got, acc, cell); fails++; }
  if (vla_loop(1000000) != 1) { printf("FAIL vla_loop\n"); fails++; }
  if (vla(10) != 55 || vla(1000) != 1000 * 999 / 2 + 1000) { printf("FAIL vla %ld\n", vla(10)); fails++; }
  if (cgoto(0) != 100 || cgoto(1) != 200 || cgoto(5) != 300) { printf("FAIL cgoto\n"); fails++; }
  if (via_table(0) != 7 || via_table(1) != 8) { printf("FAIL via_table\n"); fails++; }
  if (icall(twice, 10) != 20 + 22 + 2) { printf("FAIL icall\n"); fails++; }
  if (!check_ra() || frame_addr1() != __builtin_frame_address(0)) { printf("FAIL frame %p %p\n", frame_addr1(), __builtin_frame_address(0)); fails++; }
  int hi = 0; int r = asm_ops(70, 40, &hi);
  if (r != 1110 || hi != 55) { printf("FAIL asm %d %d\n", r, hi); fails++; }
  r = asm_ops(7, 4, &hi); if (r != 11) { printf("FAIL asm2 %d\n", r); fails++; }
  if (overaligned() % 64) { printf("FAIL overaligned\n"); fails++; }
  printf("fails=%d\n", fails);
  return 0;
}
"#;

#[test]
fn misc_features_default() {
    let out = run_with_c("misc", &misc_module(), &CodegenOptions::default(), MISC_DRIVER, &["-fno-omit-frame-pointer", "-O0"]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn misc_features_pic() {
    let opts = CodegenOptions { pic: true, ..Default::default() };
    let out = run_with_c("misc-pic", &misc_module(), &opts, MISC_DRIVER, &["-fno-omit-frame-pointer", "-O0"]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
    let opts = CodegenOptions { pic: true, pie: true, no_plt: true, ..Default::default() };
    let out = run_with_c("misc-pie", &misc_module(), &opts, MISC_DRIVER, &["-fno-omit-frame-pointer", "-O0"]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

#[test]
fn misc_features_kernel_model_and_sections() {
    let opts = CodegenOptions { code_model: "kernel".into(), function_sections: true, data_sections: true, red_zone: false, ..Default::default() };
    // absolute addresses need a non-PIE link
    let out = run_with_c("misc-kernel", &misc_module(), &opts, MISC_DRIVER, &["-fno-omit-frame-pointer", "-O0", "-no-pie", "-fno-pie"]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// A large function with many blocks and loop-carried slots goes through the
/// allocator and printer; every block gets its label. (Timing belongs in
/// `cargo xtask bench`; this keeps the shape covered in every test run.)
#[test]
fn large_function_compiles() {
    use Type::*;
    let n = 2000;
    let (mut b, p) = FB::new("big", sig(&[Ptr, I64], Some(I64)));
    let slots: Vec<Value> = (0..50).map(|_| b.slot(8, 8)).collect();
    let mut blocks = Vec::new();
    for _ in 0..n {
        blocks.push(b.block());
    }
    let exit = b.block();
    b.jump(blocks[0], vec![]);
    for i in 0..n {
        b.at(blocks[i]);
        let s = slots[i % 50];
        let v = b.load(I64, s);
        let k = b.iconst(I64, i as i128);
        let w = b.bin(BinOp::Add, I64, v, k);
        let x = b.bin(BinOp::Mul, I64, w, p[1]);
        b.store(I64, slots[(i * 7) % 50], x);
        let c = b.ins(InstKind::Icmp { cc: IntCC::Slt, ty: I64, lhs: x, rhs: p[1] });
        let next = if i + 1 < n { blocks[i + 1] } else { exit };
        let other = blocks[(i * 13) % n];
        b.br(c, next, if i % 3 == 0 { other } else { next });
    }
    b.at(exit);
    let r = b.load(I64, slots[0]);
    b.ret(Some(r));
    let f = b.finish();
    let s = asm_of(vec![f]);
    assert!(s.contains("big:"), "function symbol missing");
    let labels = s.lines().filter(|l| l.starts_with(".LBB") && l.ends_with(':')).count();
    assert!(labels >= n, "expected at least {n} block labels, found {labels}");
}

/// x87 operands in inline asm: `"=t"(r) : "0"(x)` and `"u"` with a popped clobber.
#[test]
fn x87_inline_asm() {
    use Type::*;
    let (mut b, p) = FB::new("x87_ops", sig(&[F80, F64, F64], Some(F64)));
    let r1 = b.slot(16, 16);
    b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
        template: "fsqrt".into(),
        outputs: vec![AsmOperand { constraint: "=t".into(), name: None, value: r1, ty: F80 }],
        inputs: vec![AsmOperand { constraint: "0".into(), name: None, value: p[0], ty: F80 }],
        clobbers: vec![],
        goto_targets: vec![],
        volatile: false,
    })));
    let r2 = b.slot(8, 8);
    b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
        template: "fpatan".into(),
        outputs: vec![AsmOperand { constraint: "=t".into(), name: None, value: r2, ty: F64 }],
        inputs: vec![
            AsmOperand { constraint: "0".into(), name: None, value: p[2], ty: F64 },
            AsmOperand { constraint: "u".into(), name: None, value: p[1], ty: F64 },
        ],
        clobbers: vec!["st(1)".into()],
        goto_targets: vec![],
        volatile: false,
    })));
    let v1 = b.load(F80, r1);
    let v1d = b.ins(InstKind::Cast { op: CastOp::FTrunc, from: F80, to: F64, arg: v1 });
    let v2 = b.load(F64, r2);
    let s = b.bin(BinOp::FAdd, F64, v1d, v2);
    b.ret(Some(s));
    let driver = "#include <stdio.h>\ndouble x87_ops(long double, double, double);\nint main(void) { double s = 0; for (int i = 0; i < 20; i++) s += x87_ops(16.0L, 1.0, 1.0); printf(\"%.6f\\n%.6f\\n%.6f\\n\", x87_ops(16.0L, 1.0, 1.0), s / 20, x87_ops(16.0L, 1.0, 1.0));  return 0; }\n";
    let out = run_with_c("x87asm", &module(vec![b.finish()]), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "4.785398\n4.785398\n4.785398\n");
}

/// `asm goto`: a conditional jump to a label operand (`%l1` after one input).
#[test]
fn asm_goto() {
    use Type::*;
    let (mut b, p) = FB::new("asm_goto", sig(&[I32], Some(I32)));
    let fall = b.block();
    let target = b.block();
    b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
        template: "testl %0, %0\n\tjne %l1".into(),
        outputs: vec![],
        inputs: vec![AsmOperand { constraint: "r".into(), name: None, value: p[0], ty: I32 }],
        clobbers: vec!["cc".into()],
        goto_targets: vec![target],
        volatile: true,
    })));
    b.jump(fall, vec![]);
    b.at(fall);
    let two = b.iconst(I32, 2);
    b.ret(Some(two));
    b.at(target);
    let one = b.iconst(I32, 1);
    b.ret(Some(one));
    let driver = "#include <stdio.h>\nint asm_goto(int);\nint main(void) { printf(\"%d %d\\n\", asm_goto(5), asm_goto(0)); return 0; }\n";
    let out = run_with_c("asmgoto", &module(vec![b.finish()]), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "1 2\n");
}

/// Constructors, aliases, weak undefined references, common and section attributes.
#[test]
fn symbols_and_sections() {
    use Type::*;
    // void init(void) { init_flag = 42; } as a constructor
    let (mut b, _) = FB::new("init_it", sig(&[], None));
    let g = b.ins(InstKind::GlobalAddr { name: "init_flag".into(), offset: 0 });
    let v = b.iconst(I32, 42);
    b.store(I32, g, v);
    b.ret(None);
    let mut init = b.finish();
    init.attrs.linkage = Linkage::Internal;
    // int get_weak(void) { return &maybe_missing != 0; }
    let (mut b, _) = FB::new("has_weak", sig(&[], Some(I32)));
    let a = b.ins(InstKind::GlobalAddr { name: "maybe_missing".into(), offset: 0 });
    let z = b.iconst(Ptr, 0);
    let c = b.ins(InstKind::Icmp { cc: IntCC::Ne, ty: Ptr, lhs: a, rhs: z });
    let r = b.ins(InstKind::Cast { op: CastOp::Zext, from: I8, to: I32, arg: c });
    b.ret(Some(r));
    let has_weak = b.finish();
    // int value(void) { return 7; } and its alias `value_alias`, placed in a custom section
    let (mut b, _) = FB::new("value", sig(&[], Some(I32)));
    let s = b.iconst(I32, 7);
    b.ret(Some(s));
    let mut value = b.finish();
    value.attrs.section = Some(".text.custom".into());
    let mut m = module(vec![init, has_weak, value]);
    let mut flag = global("init_flag", 4, 4, None);
    flag.attrs.section = Some(".data.mine".into());
    m.globals.push(flag);
    let mut common = global("common_buf", 64, 32, None);
    common.common = true;
    m.globals.push(common);
    m.constructors.push(("init_it".into(), Some(200)));
    m.aliases.push(Alias { name: "value_alias".into(), target: "value".into(), attrs: SymbolAttrs::default(), is_function: true });
    m.decls.push(SymbolDecl { name: "maybe_missing".into(), weak: true, visibility: Visibility::Default, is_function: false, thread_local: false });
    let driver = "#include <stdio.h>\nextern int init_flag; extern char common_buf[64]; int has_weak(void); int value_alias(void);\nint main(void) { printf(\"%d %d %d %d\\n\", init_flag, has_weak(), value_alias(), (int)((long)common_buf % 32)); return 0; }\n";
    // the default (PIE) code model, as the driver uses: weak undefined symbols go through the GOT
    let out = run_with_c("symbols", &m, &CodegenOptions { pie: true, ..Default::default() }, driver, &[]);
    assert_eq!(out, "42 0 7 0\n");
}

/// `__float128` through libgcc: arithmetic, compares, conversions, calls.
#[test]
fn binary128_values() {
    use Type::*;
    let mut fs = Vec::new();
    // q_ops(a, b, i): ((a + b) * a - b) / 3 + (float128)i, negated if a < b
    let (mut b, p) = FB::new("q_ops", sig(&[F128, F128, I32], Some(F128)));
    let s = b.bin(BinOp::FAdd, F128, p[0], p[1]);
    let m = b.bin(BinOp::FMul, F128, s, p[0]);
    let d = b.bin(BinOp::FSub, F128, m, p[1]);
    let three = b.ins(InstKind::FConst { ty: F128, bits: 0x4000_8000_0000_0000_0000_0000_0000_0000 });
    let q = b.bin(BinOp::FDiv, F128, d, three);
    let fi = b.ins(InstKind::Cast { op: CastOp::SIToF, from: I32, to: F128, arg: p[2] });
    let r = b.bin(BinOp::FAdd, F128, q, fi);
    let n = b.ins(InstKind::Unary { op: UnOp::FNeg, ty: F128, arg: r });
    let c = b.ins(InstKind::Fcmp { cc: FloatCC::Lt, ty: F128, lhs: p[0], rhs: p[1] });
    let out = b.ins(InstKind::Select { ty: F128, cond: c, cond_ty: I8, a: n, b: r });
    b.ret(Some(out));
    fs.push(b.finish());
    // conversions
    let (mut b, p) = FB::new("q_conv", sig(&[F128], Some(F64)));
    let l = b.ins(InstKind::Cast { op: CastOp::FToSI, from: F128, to: I64, arg: p[0] });
    let lf = b.ins(InstKind::Cast { op: CastOp::SIToF, from: I64, to: F64, arg: l });
    let x = b.ins(InstKind::Cast { op: CastOp::FTrunc, from: F128, to: F80, arg: p[0] });
    let xd = b.ins(InstKind::Cast { op: CastOp::FTrunc, from: F80, to: F64, arg: x });
    let dd = b.ins(InstKind::Cast { op: CastOp::FTrunc, from: F128, to: F64, arg: p[0] });
    let s = b.bin(BinOp::FAdd, F64, lf, xd);
    let s = b.bin(BinOp::FAdd, F64, s, dd);
    b.ret(Some(s));
    fs.push(b.finish());
    // calls a C function taking binary128 arguments in registers and on the stack
    let csig = sig(&[F128, F128, F128, F128, F128, F128, F128, F128, F128, F64], Some(F128));
    let (mut b, p) = FB::new("q_call", sig(&[F128], Some(F128)));
    let mut args = Vec::new();
    for _ in 0..9 {
        args.push(p[0]);
    }
    let half = b.ins(InstKind::FConst { ty: F64, bits: 0.5f64.to_bits() as u128 });
    args.push(half);
    let r = b.call("c_sum9", csig, args);
    b.ret(Some(r));
    fs.push(b.finish());
    let driver = r#"
#include <stdio.h>
typedef __float128 Q;
Q q_ops(Q, Q, int); double q_conv(Q); Q q_call(Q);
Q c_sum9(Q a, Q b, Q c, Q d, Q e, Q f, Q g, Q h, Q i, double k) { return a + b + c + d + e + f + g + h + i + k; }
static Q ref(Q a, Q b, int i) { Q r = ((a + b) * a - b) / 3 + (Q)i; return a < b ? -r : r; }
int main(void) {
  int fails = 0;
  Q v[] = {0, 1, -2.5Q, 1e30Q, 3.25Q};
  for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) if (q_ops(v[i], v[j], i - j) != ref(v[i], v[j], i - j)) { printf("FAIL ops %d %d\n", i, j); fails++; }
  Q x = 12345.75Q;
  if (q_conv(x) != (double)(long)x + (double)(long double)x + (double)x) { printf("FAIL conv\n"); fails++; }
  if (q_call(1.25Q) != 9 * 1.25Q + 0.5) { printf("FAIL call\n"); fails++; }
  printf("fails=%d\n", fails);
  return 0;
}"#;
    let out = run_with_c("f128", &module(fs), &CodegenOptions::default(), driver, &[]);
    assert_eq!(out, "fails=0\n");
}

/// GNU nested functions' static chain: passed in %r10 next to six argument
/// registers, read back at entry.
#[test]
fn static_chain_call() {
    use Type::*;
    let six = [I64; 6];
    // long chain_read(a..f) with chain c: a + b + c + d + e + f + *(long *)c
    let (mut b, p) = FB::new("chain_read", sig(&six, Some(I64)));
    b.f.static_chain = true;
    let c = b.ins(InstKind::StaticChain);
    let mut sum = b.load(I64, c);
    for &v in &p {
        sum = b.bin(BinOp::Add, I64, sum, v);
    }
    b.ret(Some(sum));
    let read = b.finish();
    ccc_ir::verify::verify_function(&read).expect("verifies");
    // long chain_call(long *chain, a..e): chain_read(e, d, c, b, a, a) with the chain
    let (mut b, p) = FB::new("chain_call", sig(&[Ptr, I64, I64, I64, I64, I64], Some(I64)));
    let args = vec![p[5], p[4], p[3], p[2], p[1], p[1]];
    let r = b.ins(InstKind::Call { callee: Callee::Direct("chain_read".into()), sig: sig(&six, Some(I64)), args, ret_slot: None, chain: Some(p[0]) });
    b.ret(Some(r));
    let call = b.finish();
    let printed = ccc_ir::print::print_function(&call);
    assert!(printed.contains(" chain v0 "), "{printed}");
    let driver = "#include <stdio.h>\nlong chain_call(long *, long, long, long, long, long);\nint main(void) { long k = 1000; printf(\"%ld\\n\", chain_call(&k, 1, 2, 3, 4, 5)); return 0; }\n";
    for opt_level in [0, 2] {
        let opts = CodegenOptions { opt_level, ..CodegenOptions::default() };
        let out = run_with_c("chain", &module(vec![read.clone(), call.clone()]), &opts, driver, &[]);
        assert_eq!(out, "1016\n");
    }
}

#[test]
fn static_chain_needs_the_flag() {
    let (mut b, _) = FB::new("no_chain", sig(&[], Some(Type::Ptr)));
    let c = b.ins(InstKind::StaticChain);
    b.ret(Some(c));
    assert!(ccc_ir::verify::verify_function(&b.finish()).is_err());
}

/// Range-limited immediate constraints: `"Ir"` takes 5 as `$5` but 595 in a register
/// (`bt $595, ...` does not assemble).
#[test]
fn immediate_constraints_respect_their_ranges() {
    use Type::*;
    let (mut b, _) = FB::new("imm_ranges", sig(&[], None));
    for v in [5i128, 595] {
        let k = b.ins(InstKind::IConst { ty: I64, value: v });
        b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
            template: "# op %0".into(),
            outputs: vec![],
            inputs: vec![AsmOperand { constraint: "Ir".into(), name: None, value: k, ty: I64 }],
            clobbers: vec![],
            goto_targets: vec![],
            volatile: true,
        })));
    }
    b.ret(None);
    let s = asm_of(vec![b.finish()]);
    assert!(s.contains("# op $5"), "{s}");
    assert!(!s.contains("# op $595"), "{s}");
    assert!(s.lines().any(|l| l.trim_start().starts_with("# op %r")), "{s}");
}

/// Dialect alternatives only inside braces: `{l|d}` prints `l`, a bare `|` stays.
#[test]
fn asm_dialect_braces_and_bare_bars() {
    let (mut b, _) = FB::new("dialects", sig(&[], None));
    b.ins(InstKind::InlineAsm(Box::new(InlineAsm {
        template: "# mov{l|d} .long (17 | (0 << 20))".into(),
        outputs: vec![],
        inputs: vec![],
        clobbers: vec![],
        goto_targets: vec![],
        volatile: true,
    })));
    b.ret(None);
    let s = asm_of(vec![b.finish()]);
    assert!(s.contains("# movl .long (17 | (0 << 20))"), "{s}");
}

/// Objects sharing a named section share its flags (the first object's), as GCC emits
/// them; GNU as rejects changed section attributes.
#[test]
fn named_section_flags_come_from_the_first_object() {
    let in_section = |name: &str, readonly: bool, init: Vec<InitPiece>| {
        let mut g = global(name, 8, 8, Some(init));
        g.readonly = readonly;
        g.attrs.section = Some(".init.rodata".into());
        g
    };
    let mut m = module(vec![]);
    m.globals.push(in_section("tab", true, vec![InitPiece::Addr { symbol: "tab".into(), addend: 0 }]));
    m.globals.push(in_section("k", true, vec![InitPiece::Bytes(vec![1, 0, 0, 0, 0, 0, 0, 0])]));
    for pie in [false, true] {
        let opts = CodegenOptions { pie, ..CodegenOptions::default() };
        let s = crate::emit_assembly(&m, &TargetInfo::for_arch(Arch::X86_64), &opts).unwrap();
        let flags: Vec<&str> = s.lines().filter(|l| l.contains(".section\t.init.rodata")).collect();
        assert_eq!(flags.len(), 2, "{s}");
        assert_eq!(flags[0], flags[1], "{s}");
        assert_eq!(flags[0].contains("\"a\""), !pie, "{s}");
    }
}

/// The i386 mode (`-m32`): every integer width up to the register pairs of
/// 64-bit values, against gcc -m32 (cdecl arguments on the stack).
#[test]
fn i386_integer_arithmetic_and_compares() {
    let types = [Type::I8, Type::I16, Type::I32, Type::I64];
    let (m, driver) = int_arith_case_for(&types);
    let out = run_with_c_on(Arch::I386, "i386arith", &m, &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
    let (m, driver) = compare_case_for(&types);
    let out = run_with_c_on(Arch::I386, "i386cmp", &m, &CodegenOptions::default(), &driver, &[]);
    assert_eq!(out.lines().last(), Some("fails=0"), "{out}");
}

/// -mregparm=3: the first three integer arguments in eax, edx, ecx, a
/// 64-bit one in a register pair, as GCC's `regparm(3)` callers expect.
#[test]
fn i386_regparm_matches_gcc() {
    let (mut b, p) = FB::new("rp", sig(&[Type::I32, Type::I64, Type::I32, Type::I32], Some(Type::I64)));
    let a = b.ins(InstKind::Cast { op: CastOp::Sext, from: Type::I32, to: Type::I64, arg: p[0] });
    let c = b.ins(InstKind::Cast { op: CastOp::Zext, from: Type::I32, to: Type::I64, arg: p[3] });
    let x = b.bin(BinOp::Add, Type::I64, a, p[1]);
    let y = b.bin(BinOp::Mul, Type::I64, x, c);
    let z = b.ins(InstKind::Cast { op: CastOp::Sext, from: Type::I32, to: Type::I64, arg: p[2] });
    let r = b.bin(BinOp::Sub, Type::I64, y, z);
    b.ret(Some(r));
    let driver = "#include <stdio.h>\n__attribute__((regparm(3))) long long rp(int, long long, int, int);\n\
        int main(void) { printf(\"%lld\\n\", rp(-3, 10000000000LL, 7, 5)); return 0; }\n";
    let opts = CodegenOptions { regparm: 3, ..CodegenOptions::default() };
    let out = run_with_c_on(Arch::I386, "i386regparm", &module(vec![b.finish()]), &opts, driver, &[]);
    assert_eq!(out.trim(), "49999999978");
}
