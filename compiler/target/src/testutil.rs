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

/// Emit `m`, link with the C source `driver` (compiled by gcc), run it and
/// return its standard output. `extra_flags` go to gcc.
pub fn run_with_c(tag: &str, m: &Module, opts: &CodegenOptions, driver: &str, extra_flags: &[&str]) -> String {
    let asm = crate::emit_assembly(m, &TargetInfo::for_arch(Arch::X86_64), opts).unwrap_or_else(|e| panic!("codegen failed: {e}"));
    let dir = tmpdir(tag);
    let s = dir.join("gen.s");
    let c = dir.join("main.c");
    let exe = dir.join("a.out");
    std::fs::write(&s, &asm).expect("write asm");
    std::fs::write(&c, driver).expect("write c");
    let out = Command::new("gcc")
        .args(["-O1", "-w", "-o"])
        .arg(&exe)
        .arg(&c)
        .arg(&s)
        .args(extra_flags)
        .output()
        .expect("run gcc");
    if !out.status.success() {
        panic!("gcc failed for {tag}:\n{}\n--- asm ---\n{asm}", String::from_utf8_lossy(&out.stderr));
    }
    let run = Command::new(&exe).output().expect("run test");
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
