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
        Type::F80 => "long double",
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
        Arch::X86_64 => ("gcc", None),
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
    let mut fs = Vec::new();
    let mut decls = String::new();
    let mut body = String::new();
    for t in [Type::I8, Type::I16, Type::I32, Type::I64, Type::I128] {
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
