//! End-to-end tests: IR built by hand, compiled by this backend, linked
//! with C drivers compiled by the host gcc and run.

use ccc_ir::*;

use crate::testutil::*;

fn cty(t: Type) -> &'static str {
    match t {
        Type::I8 => "int8_t",
        Type::I16 => "int16_t",
        Type::I32 => "int32_t",
        Type::I64 => "int64_t",
        Type::I128 => "__int128",
        Type::F32 => "float",
        Type::F64 => "double",
        Type::F80 => "long double",
        _ => "void*",
    }
}

fn uty(t: Type) -> &'static str {
    match t {
        Type::I8 => "uint8_t",
        Type::I16 => "uint16_t",
        Type::I32 => "uint32_t",
        Type::I64 => "uint64_t",
        _ => "unsigned __int128",
    }
}

const INT_OPS: [(BinOp, &str); 13] = [
    (BinOp::Add, "add"),
    (BinOp::Sub, "sub"),
    (BinOp::Mul, "mul"),
    (BinOp::SDiv, "sdiv"),
    (BinOp::UDiv, "udiv"),
    (BinOp::SRem, "srem"),
    (BinOp::URem, "urem"),
    (BinOp::And, "and"),
    (BinOp::Or, "or"),
    (BinOp::Xor, "xor"),
    (BinOp::Shl, "shl"),
    (BinOp::LShr, "lshr"),
    (BinOp::AShr, "ashr"),
];

/// C expression computing the expected result of `op` on `a`, `b` of type `t`.
fn c_expr(op: &str, t: Type) -> String {
    let (c, u) = (cty(t), uty(t));
    match op {
        "add" => format!("({c})(({u})a + ({u})b)"),
        "sub" => format!("({c})(({u})a - ({u})b)"),
        "mul" => format!("({c})(({u})a * ({u})b)"),
        "sdiv" => format!("({c})(a / b)"),
        "udiv" => format!("({c})(({u})a / ({u})b)"),
        "srem" => format!("({c})(a % b)"),
        "urem" => format!("({c})(({u})a % ({u})b)"),
        "and" => format!("({c})(a & b)"),
        "or" => format!("({c})(a | b)"),
        "xor" => format!("({c})(a ^ b)"),
        "shl" => format!("({c})(({u})a << b)"),
        "lshr" => format!("({c})(({u})a >> b)"),
        _ => format!("({c})(a >> b)"),
    }
}

fn guard(op: &str, t: Type) -> String {
    let bits = t.bits();
    let min = match t {
        Type::I8 => "INT8_MIN",
        Type::I16 => "INT16_MIN",
        Type::I32 => "INT32_MIN",
        Type::I64 => "INT64_MIN",
        _ => "(((__int128)1) << 127)",
    };
    match op {
        "sdiv" | "srem" => format!("b != 0 && !(a == {min} && b == -1)"),
        "udiv" | "urem" => "b != 0".into(),
        "shl" | "lshr" | "ashr" => format!("b >= 0 && b < {bits}"),
        _ => "1".into(),
    }
}

const VALS: &str = "long long vals[] = {0, 1, -1, 2, 3, 5, 7, -7, 8, 13, 31, 63, 100, -100, 127, -128, 255, 1000, -1000, 65535, -32768, 0x7fffffff, -0x7fffffffLL-1, 0x123456789abcLL, -0x123456789abcLL, 0x7fffffffffffffffLL, -0x7fffffffffffffffLL-1};\n#define NV (int)(sizeof vals / sizeof vals[0])\n";

#[test]
fn integer_arithmetic_all_widths() {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [Type::I8, Type::I16, Type::I32, Type::I64, Type::I128] {
        for (op, name) in INT_OPS {
            // register-register form
            let fname = format!("f_{t}_{name}");
            let (mut b, p) = FB::new(&fname, sig(&[t, t], Some(t)));
            let r = b.bin(op, t, p[0], p[1]);
            b.ret(Some(r));
            fs.push(b.finish());
            // constant right-hand side forms
            let mut consts = vec![3i64, 8, 1, 7, 100];
            if t == Type::I8 {
                consts = vec![3, 8, 1, 7, 5];
            }
            for (k, c) in consts.iter().enumerate() {
                let cname = format!("c{k}_{t}_{name}");
                let (mut b, p) = FB::new(&cname, sig(&[t], Some(t)));
                let cv = b.iconst(t, *c as i128);
                let r = b.bin(op, t, p[0], cv);
                b.ret(Some(r));
                fs.push(b.finish());
                let c_t = cty(t);
                decls.push_str(&format!("{c_t} {cname}({c_t});\n"));
                body.push_str(&format!(
                    "  {{ {c_t} a = ({c_t})vals[i], b = {c}; if ({g}) {{ {c_t} got = {cname}(a), want = {e}; if (got != want) {{ printf(\"FAIL {cname} %lld: %lld vs %lld\\n\", (long long)a, (long long)got, (long long)want); fails++; }} }} }}\n",
                    g = guard(name, t),
                    e = c_expr(name, t)
                ));
            }
            let c_t = cty(t);
            decls.push_str(&format!("{c_t} {fname}({c_t}, {c_t});\n"));
            body.push_str(&format!(
                "  for (int j = 0; j < NV; j++) {{ {c_t} a = ({c_t})vals[i], b = ({c_t})vals[j]; if ({name_is_shift}) b = (({c_t})vals[j] & ({bits}-1)); if ({g}) {{ {c_t} got = {fname}(a, b), want = {e}; if (got != want) {{ printf(\"FAIL {fname} %lld %lld: %lld vs %lld\\n\", (long long)a, (long long)b, (long long)got, (long long)want); fails++; }} }} }}\n",
                name_is_shift = if name.ends_with("sh") || name.contains("sh") { 1 } else { 0 },
                bits = t.bits(),
                g = guard(name, t),
                e = c_expr(name, t)
            ));
        }
    }
    let driver = format!(
        "#include <stdio.h>\n#include <stdint.h>\n{decls}{VALS}int main(void) {{ int fails = 0;\n for (int i = 0; i < NV; i++) {{\n{body} }}\n printf(\"fails=%d\\n\", fails); return 0; }}\n"
    );
    let out = run_with_c("intarith", &module(fs), &CodegenOptions::default(), &driver, &[]);
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
    let c = b.iconst(Type::I32, 5);
    let z = b.bin(BinOp::SDiv, Type::I32, y, c);
    b.ret(Some(z));
    let s = asm_of(vec![b.finish()]);
    println!("{s}");
    assert!(s.contains("idivl"));
    // no stack traffic for a function of registers
    assert!(!s.contains("(%rbp)"), "{s}");
}
