//! Helpers for backend tests: build IR functions by hand, assemble and
//! link them with a C driver compiled by the host `gcc`, run, and compare.

use std::path::PathBuf;
use std::process::Command;

use ccc_ir::*;

/// A tiny IR function builder.
pub struct FB {
    pub f: Function,
    pub cur: Block,
}

pub fn sig(params: &[Type], ret: Option<Type>) -> Signature {
    Signature { params: params.iter().map(|t| AbiType::Scalar(*t)).collect(), ret: ret.map(AbiType::Scalar), variadic: false, named: None }
}

impl FB {
    pub fn new(name: &str, sig: Signature) -> (FB, Vec<Value>) {
        let mut f = Function::new(name, sig.clone());
        let entry = f.new_block();
        f.layout.push(entry);
        let mut params = Vec::new();
        for p in &sig.params {
            let t = match p {
                AbiType::Scalar(t) => *t,
                AbiType::Aggregate(_) => Type::Ptr,
            };
            params.push(f.add_block_param(entry, t));
        }
        (FB { f, cur: entry }, params)
    }

    pub fn block(&mut self) -> Block {
        let b = self.f.new_block();
        self.f.layout.push(b);
        b
    }

    pub fn param(&mut self, b: Block, t: Type) -> Value {
        self.f.add_block_param(b, t)
    }

    pub fn at(&mut self, b: Block) {
        self.cur = b;
    }

    pub fn ins(&mut self, k: InstKind) -> Value {
        self.f.append(self.cur, k).unwrap_or(Value(u32::MAX))
    }

    pub fn iconst(&mut self, ty: Type, v: i128) -> Value {
        self.ins(InstKind::IConst { ty, value: v })
    }

    pub fn bin(&mut self, op: BinOp, ty: Type, a: Value, b: Value) -> Value {
        self.ins(InstKind::Binary { op, ty, lhs: a, rhs: b })
    }

    pub fn ret(&mut self, v: Option<Value>) {
        self.ins(InstKind::Return { value: v });
    }

    pub fn jump(&mut self, b: Block, args: Vec<Value>) {
        self.ins(InstKind::Jump(BlockCall { block: b, args }));
    }

    pub fn br(&mut self, c: Value, t: Block, e: Block) {
        self.ins(InstKind::Branch { cond: c, cond_ty: Type::I8, then_dest: BlockCall::new(t), else_dest: BlockCall::new(e) });
    }

    pub fn slot(&mut self, size: u64, align: u32) -> Value {
        let s = self.f.new_slot(size, align);
        self.ins(InstKind::SlotAddr { slot: s })
    }

    pub fn load(&mut self, ty: Type, p: Value) -> Value {
        self.ins(InstKind::Load { ty, ptr: p, volatile: false })
    }

    pub fn store(&mut self, ty: Type, p: Value, v: Value) {
        self.ins(InstKind::Store { ty, ptr: p, value: v, volatile: false });
    }

    pub fn call(&mut self, name: &str, sig: Signature, args: Vec<Value>) -> Value {
        self.ins(InstKind::Call { callee: Callee::Direct(name.into()), sig, args, ret_slot: None, chain: None })
    }

    pub fn finish(self) -> Function {
        self.f
    }
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ccc-cg-{}-{tag}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    d
}

pub fn cty(t: Type) -> &'static str {
    match t {
        Type::I8 => "int8_t",
        Type::I16 => "int16_t",
        Type::I32 => "int32_t",
        Type::I64 => "int64_t",
        Type::I128 => "__int128",
        Type::F32 => "float",
        Type::F64 => "double",
        Type::F80 | Type::F128 => "long double",
        _ => "void*",
    }
}

pub fn uty(t: Type) -> &'static str {
    match t {
        Type::I8 => "uint8_t",
        Type::I16 => "uint16_t",
        Type::I32 => "uint32_t",
        Type::I64 => "uint64_t",
        _ => "unsigned __int128",
    }
}

pub const INT_OPS: [(BinOp, &str); 13] = [
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
pub fn c_expr(op: &str, t: Type) -> String {
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

pub fn guard(op: &str, t: Type) -> String {
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

pub const VALS: &str = "long long vals[] = {0, 1, -1, 2, 3, 5, 7, -7, 8, 13, 31, 63, 100, -100, 127, -128, 255, 1000, -1000, 65535, -32768, 0x7fffffff, -0x7fffffffLL-1, 0x123456789abcLL, -0x123456789abcLL, 0x7fffffffffffffffLL, -0x7fffffffffffffffLL-1};\n#define NV (int)(sizeof vals / sizeof vals[0])\n";

/// Emit `m`, link with the C source `driver` (compiled by gcc), run it and
/// return its standard output. `extra_flags` go to gcc.
pub fn run_with_c(tag: &str, m: &Module, opts: &CodegenOptions, driver: &str, extra_flags: &[&str]) -> String {
    run_with_c_on(Arch::X86_64, tag, m, opts, driver, extra_flags)
}

/// [`run_with_c`] for `arch`: cross targets use the Debian cross gcc and
/// run under qemu-user.
pub fn run_with_c_on(arch: Arch, tag: &str, m: &Module, opts: &CodegenOptions, driver: &str, extra_flags: &[&str]) -> String {
    let (gcc, runner): (&str, Option<[&str; 3]>) = match arch {
        Arch::X86_64 | Arch::I386 => ("gcc", None),
        Arch::Riscv64 => ("riscv64-linux-gnu-gcc", Some(["qemu-riscv64-static", "-L", "/usr/riscv64-linux-gnu"])),
        Arch::Aarch64 => ("aarch64-linux-gnu-gcc", Some(["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"])),
    };
    let asm = crate::emit_assembly(m, &TargetInfo::for_arch(arch), opts).unwrap_or_else(|e| panic!("codegen failed: {e}"));
    let dir = tmpdir(tag);
    let s = dir.join("gen.s");
    let c = dir.join("main.c");
    let exe = dir.join("a.out");
    std::fs::write(&s, &asm).expect("write asm");
    std::fs::write(&c, driver).expect("write c");
    let out = Command::new(gcc)
        .args(["-O1", "-w", "-o"])
        .arg(&exe)
        .arg(&c)
        .arg(&s)
        .args(extra_flags)
        .args(if arch == Arch::I386 { &["-m32"][..] } else { &[][..] })
        // code generated without -fPIE/-fPIC links as a position-dependent executable
        .args(if opts.pic || opts.pie { &[][..] } else { &["-no-pie"][..] })
        .output()
        .expect("run gcc");
    if !out.status.success() {
        panic!("gcc failed for {tag}:\n{}\n--- asm ---\n{asm}", String::from_utf8_lossy(&out.stderr));
    }
    let run = match runner {
        Some([q, l, sysroot]) => Command::new(q).args([l, sysroot]).arg(&exe).output().expect("run qemu"),
        None => Command::new(&exe).output().expect("run test"),
    };
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    if !run.status.success() {
        panic!("{tag}: test program failed ({:?}):\n{stdout}\n{}\n--- asm ---\n{asm}", run.status, String::from_utf8_lossy(&run.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
    stdout
}

pub fn module(fs: Vec<Function>) -> Module {
    Module { functions: fs, source_name: "test.c".into(), ..Default::default() }
}

/// Shared backend test case (module and C driver printing `fails=0`).
pub fn int_arith_case() -> (Module, String) {
    int_arith_case_for(&[Type::I8, Type::I16, Type::I32, Type::I64, Type::I128])
}

/// [`int_arith_case`] over the integer types `types`.
pub fn int_arith_case_for(types: &[Type]) -> (Module, String) {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for &t in types {
        for (op, name) in INT_OPS {
            // register-register form
            let fname = format!("f_{t}_{name}");
            let (mut b, p) = FB::new(&fname, sig(&[t, t], Some(t)));
            let r = b.bin(op, t, p[0], p[1]);
            b.ret(Some(r));
            fs.push(b.finish());
            // constant right-hand side forms
            let mut consts = vec![3i64, 8, 1, 7, 100, -3, -8, -1000, 641, 0x7fff_ffff, -0x8000_0000, 0x1234_5678_9abc, -0x7fff_ffff_ffff_ffff, 10, 60];
            if t == Type::I8 {
                consts = vec![3, 8, 1, 7, 5, -3, -8, 10, 100, -128, 127];
            }
            if t == Type::I16 {
                consts = vec![3, 8, 1, 7, 5, -3, -8, 10, 100, -1000, 32767, 641];
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
    (module(fs), driver)
}

pub const CCS: [(IntCC, &str, &str); 10] = [
    (IntCC::Eq, "eq", "=="),
    (IntCC::Ne, "ne", "!="),
    (IntCC::Slt, "slt", "<"),
    (IntCC::Sle, "sle", "<="),
    (IntCC::Sgt, "sgt", ">"),
    (IntCC::Sge, "sge", ">="),
    (IntCC::Ult, "ult", "<"),
    (IntCC::Ule, "ule", "<="),
    (IntCC::Ugt, "ugt", ">"),
    (IntCC::Uge, "uge", ">="),
];

/// Shared backend test case (module and C driver printing `fails=0`).
pub fn compare_case() -> (Module, String) {
    compare_case_for(&[Type::I8, Type::I16, Type::I32, Type::I64, Type::I128])
}

/// [`compare_case`] over the integer types `types`.
pub fn compare_case_for(types: &[Type]) -> (Module, String) {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for &t in types {
        for (cc, name, cop) in CCS {
            let c_t = cty(t);
            let unsigned = name.starts_with('u');
            let cast = if unsigned { uty(t) } else { c_t };
            // setcc
            let f1 = format!("cmp_{t}_{name}");
            let (mut b, p) = FB::new(&f1, sig(&[t, t], Some(Type::I8)));
            let r = b.ins(InstKind::Icmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            b.ret(Some(r));
            fs.push(b.finish());
            // folded branch
            let f2 = format!("br_{t}_{name}");
            let (mut b, p) = FB::new(&f2, sig(&[t, t], Some(Type::I32)));
            let c = b.ins(InstKind::Icmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            let (bt, be) = (b.block(), b.block());
            b.br(c, bt, be);
            b.at(bt);
            let ten = b.iconst(Type::I32, 10);
            b.ret(Some(ten));
            b.at(be);
            let twenty = b.iconst(Type::I32, 20);
            b.ret(Some(twenty));
            fs.push(b.finish());
            // select, also against a constant
            let f3 = format!("sel_{t}_{name}");
            let (mut b, p) = FB::new(&f3, sig(&[t, t], Some(t)));
            let c = b.ins(InstKind::Icmp { cc, ty: t, lhs: p[0], rhs: p[1] });
            let r = b.ins(InstKind::Select { ty: t, cond: c, cond_ty: Type::I8, a: p[0], b: p[1] });
            b.ret(Some(r));
            fs.push(b.finish());
            let f4 = format!("k_{t}_{name}");
            let (mut b, p) = FB::new(&f4, sig(&[t], Some(Type::I8)));
            let k = b.iconst(t, 7);
            let r = b.ins(InstKind::Icmp { cc, ty: t, lhs: k, rhs: p[0] });
            b.ret(Some(r));
            fs.push(b.finish());
            decls.push_str(&format!(
                "int8_t {f1}({c_t}, {c_t}); int {f2}({c_t}, {c_t}); {c_t} {f3}({c_t}, {c_t}); int8_t {f4}({c_t});\n"
            ));
            body.push_str(&format!(
                "  {{ {c_t} a = ({c_t})vals[i], b = ({c_t})vals[j]; int want = ({cast})a {cop} ({cast})b;\n    if ({f1}(a, b) != want) {{ printf(\"FAIL {f1} %lld %lld\\n\", (long long)a, (long long)b); fails++; }}\n    if ({f2}(a, b) != (want ? 10 : 20)) {{ printf(\"FAIL {f2}\\n\"); fails++; }}\n    if ({f3}(a, b) != (want ? a : b)) {{ printf(\"FAIL {f3}\\n\"); fails++; }}\n    if ({f4}(a) != (({cast})7 {cop} ({cast})a)) {{ printf(\"FAIL {f4} %lld\\n\", (long long)a); fails++; }} }}\n"
            ));
        }
    }
    let driver = format!(
        "#include <stdio.h>\n#include <stdint.h>\n{decls}{VALS}int main(void) {{ int fails = 0;\n for (int i = 0; i < NV; i++) for (int j = 0; j < NV; j++) {{\n{body} }}\n printf(\"fails=%d\\n\", fails); return 0; }}\n"
    );
    (module(fs), driver)
}

/// Shared backend test case: for each struct shape `(name, leaves, size,
/// align)`, a function summing the fields of a by-value argument and one
/// returning its argument through a gcc function (driver prints `fails=0`).
pub fn struct_abi_case(shapes: &[(&str, Vec<(u64, Type)>, u64, u32)]) -> (Module, String) {
    let mut fs = Vec::new();
    let mut c = String::from("#include <stdio.h>\n#include <stdint.h>\n");
    let mut body = String::new();
    for (name, leaves, size, align) in shapes {
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
    (module(fs), driver)
}

/// Shared backend test case: `va_arg` over ten longs, and a variadic call
/// passing a double and a long double to gcc. Returns the expected output.
pub fn variadic_case(va_list_size: u64) -> (Module, String, String) {
    // long vsum(int n, ...): sums n longs read with va_arg
    let vsig = Signature { params: vec![AbiType::Scalar(Type::I32)], ret: Some(AbiType::Scalar(Type::I64)), variadic: true, named: None };
    let (mut b, p) = FB::new("vsum", vsig);
    let ap = b.slot(va_list_size, 8);
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
    (module(vec![b.finish(), b2.finish()]), driver.to_string(), "55\n2 2.5 2.5\n".to_string())
}

/// Shared backend test case: binary128 arithmetic, a compare and a
/// conversion, called from gcc. Returns the expected output.
pub fn binary128_case() -> (Module, String, String) {
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
    (module(fs), driver.to_string(), "1.25 1.75 -0.375 -6 0 1 -7\n".to_string())
}

/// Shared backend test case: atomic read-modify-write and compare-exchange
/// of every width. `i16_signed_results`: the driver declares 16-bit results
/// `int16_t` (for targets returning them sign-extended).
pub fn atomics_case(i16_signed_results: bool) -> (Module, String) {
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [Type::I8, Type::I16, Type::I32, Type::I64] {
        let c = uty(t);
        let r_t = if t == Type::I16 && i16_signed_results { "int16_t" } else { c };
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
    (module(fs), driver)
}
