//! Front-end tests: C snippets through the preprocessor, parser and
//! lowering; the IR must verify, and bad input must give errors, not panics.

use std::rc::Rc;

use ccc_front::diag::DiagEngine;
use ccc_front::preprocess::{PpOptions, Preprocessor};
use ccc_front::FrontOptions;
use ccc_ir::{Arch, Module, TargetInfo};

fn compile(src: &str) -> (Option<Module>, u32) {
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(Arch::X86_64);
    let opts = PpOptions::default();
    let pp = Preprocessor::new(&diag, &opts, &target);
    let Some(out) = pp.run_text("t.c", Rc::from(src)) else { return (None, *diag.errors.borrow()) };
    let fo = FrontOptions { source_name: "t.c".into(), ..Default::default() };
    let m = ccc_front::compile_translation_unit(out.tokens, &diag, &target, &fo);
    let errors = *diag.errors.borrow();
    (m, errors)
}

fn ok(src: &str) -> Module {
    let (m, errors) = compile(src);
    assert_eq!(errors, 0, "unexpected errors for {src}");
    let m = m.expect("module");
    for f in &m.functions {
        ccc_ir::verify::verify_function(f).unwrap_or_else(|e| panic!("{e}\n{}", ccc_ir::print::print_function(f)));
    }
    m
}

fn fails(src: &str) {
    let (m, errors) = compile(src);
    assert!(m.is_none() && errors > 0, "expected an error for {src}");
}

#[test]
fn control_flow_and_arithmetic() {
    let m = ok("int f(int n) { int s = 0; for (int i = 0; i < n; i++) { if (i % 3 == 0) continue; s += i * 2; } while (s > 100) s /= 2; do s--; while (s > 50); switch (s) { case 1: return 1; case 2 ... 9: return 2; default: break; } return s; }");
    assert_eq!(m.functions.len(), 1);
}

#[test]
fn declarations_and_initializers() {
    let m = ok("struct P { int x, y; char name[8]; }; struct P pts[] = { { 1, 2, \"a\" }, [3] = { .y = 5 } }; int arr[10] = { [2 ... 4] = 7 }; union U { int i; float f; } u = { .f = 1.5f }; const char *s = \"hi\"; int *pp = &arr[3];");
    let g = m.globals.iter().find(|g| g.name == "pts").expect("pts");
    assert_eq!(g.size, 4 * 16);
}

#[test]
fn gnu_extensions() {
    ok("int f(int x) { int y = ({ int t = x * 2; t + 1; }); __auto_type z = y; typeof(z) w = z; static void *tbl[] = { &&a, &&b }; goto *tbl[x & 1]; a: return w; b: return _Generic(w, int: 1, default: 2); }");
    ok("typedef int v4 __attribute__((vector_size(16))); v4 add(v4 a, v4 b) { return a + b * 2; }");
    ok("struct __attribute__((packed)) S { char c; int i; }; _Static_assert(sizeof(struct S) == 5, \"packed\");");
    ok("int f(void) { int r; return __builtin_add_overflow(1, 2, &r) + __builtin_clz(8) + __builtin_popcount(7); }");
}

#[test]
fn bitfields_and_complex() {
    ok("struct B { unsigned a : 3; int b : 5; unsigned long long c : 40; } bb = { 1, -2, 3 }; int g(void) { bb.a++; bb.b += 3; return bb.a + bb.b; }");
    ok("_Complex double m(_Complex double a, _Complex double b) { return a * b + 1.0i; }");
}

#[test]
fn errors_not_panics() {
    fails("int f( { return 0; }");
    fails("int a; float a;");
    fails("struct S; struct S s;");
    fails("int f(void) { return x; }");
    fails("int f(void) { int a[2]; a = 0; }");
    fails("void f(void) { struct { int x; } s; s.y = 1; }");
    fails("int f(int);\nint f(long);");
    // Truncated input at every length must not panic.
    let src = "struct S { int a; char b[4]; } s = { 1, \"ab\" }; int main(void) { return s.a + s.b[0]; }";
    for i in 0..src.len() {
        let _ = compile(&src[..i]);
    }
}

/// Direct callees of every call in the module, in order.
fn callees(m: &Module) -> Vec<String> {
    let mut v = Vec::new();
    for f in &m.functions {
        for b in &f.layout {
            for i in &f.blocks[b.index()].insts {
                if let ccc_ir::InstKind::Call { callee: ccc_ir::Callee::Direct(n), .. } = &i.kind {
                    v.push(n.clone());
                }
            }
        }
    }
    v
}

#[test]
fn printf_calls_fold_like_gcc_when_optimising() {
    let src = "int printf(const char *, ...); struct F; int fprintf(struct F *, const char *, ...);\n\
               void f(struct F *fp, const char *s, int n) { printf(\"\"); printf(\"a\"); printf(\"hi\\n\"); printf(\"hi\");\n\
               printf(\"%s\\n\", s); printf(\"%c\", n); printf(\"%d\\n\", n); fprintf(fp, \"x\"); fprintf(fp, \"%s\", s); fprintf(fp, \"%s\\n\", s); }\n\
               int g(void) { return printf(\"hi\\n\"); }";
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(Arch::X86_64);
    let pp_opts = PpOptions::default();
    let pp = Preprocessor::new(&diag, &pp_opts, &target);
    let out = pp.run_text("t.c", Rc::from(src)).expect("preprocesses");
    let fo = FrontOptions { opt_level: 2, ..Default::default() };
    let m = ccc_front::compile_translation_unit(out.tokens, &diag, &target, &fo).expect("compiles");
    assert_eq!(callees(&m), ["putchar", "puts", "printf", "puts", "putchar", "printf", "fputs", "fputs", "fprintf", "printf"]);
    // Not optimising, or -fno-builtin: every call stays.
    let plain = ok(src);
    assert!(callees(&plain).iter().all(|c| c == "printf" || c == "fprintf"));
}

#[test]
fn extern_void_objects_are_gnu_c() {
    ok("extern const void start_marker, end_marker; const void *p(void) { return &end_marker; }");
    fails("void v;");
}

#[test]
fn nested_functions() {
    use ccc_ir::{Callee, InstKind, Linkage};
    let m = ok("int g(int (*)(int)); int f(int a) { int add(int x) { return x + a; } int twice(int x) { return add(add(x)); } return twice(1) + g(add); }");
    let add = m.functions.iter().find(|f| f.name.starts_with("add.")).expect("nested add");
    assert!(add.static_chain && add.attrs.linkage == Linkage::Internal);
    let reads_chain = |f: &ccc_ir::Function| f.blocks.iter().flat_map(|b| &b.insts).any(|i| matches!(i.kind, InstKind::StaticChain));
    assert!(reads_chain(add));
    let f = m.functions.iter().find(|f| f.name == "f").expect("f");
    assert!(!f.static_chain && !reads_chain(f));
    // Direct calls pass the chain; `g(add)` passes a trampoline.
    let chained: Vec<&str> = f.blocks.iter().flat_map(|b| &b.insts).filter_map(|i| match &i.kind {
        InstKind::Call { callee: Callee::Direct(n), chain: Some(_), .. } => Some(n.as_str()),
        _ => None,
    }).collect();
    assert!(chained.len() == 1 && chained[0].starts_with("twice."), "{chained:?}");
    assert!(m.exec_stack);
    let m = ok("int f(int a) { int get(void) { return a; } return get(); }");
    assert!(!m.exec_stack, "no trampoline, no executable stack");
    // Non-local goto to a `__label__` of the parent.
    let m = ok("void h(void (*)(void)); int f(void) { __label__ out; void leave(void) { goto out; } h(leave); return 0; out: return 1; }");
    let leave = m.functions.iter().find(|f| f.name.starts_with("leave.")).expect("leave");
    assert!(leave.blocks.iter().flat_map(|b| &b.insts).any(|i| matches!(i.kind, InstKind::NonlocalGoto { .. })));
    assert!(m.functions.iter().find(|f| f.name == "f").expect("f").calls_returns_twice);
    // Deeper nesting, VLA sizes and parameters with VLA bounds.
    ok("int f(int n) { int v[n]; int mid(void) { int in(int a[2][++n]) { return sizeof v + sizeof a[0] + n; } return in(0); } return mid(); }");
}

#[test]
fn nested_function_errors() {
    fails("int f(void) { static int g(void) { return 1; } return g(); }");
    fails("int f(void) { extern int g(void) { return 1; } return g(); }");
    fails("int f(void) { auto int g(void); return g(); }");
    fails("int f(void) { int g(void) { return 1; } int g(void) { return 2; } return g(); }");
    fails("int f(void) { __label__ l; void g(void) { goto l; } g(); return 0; }");
    fails("int f(void) { int g(void) { goto m; } m: return g(); }");
    fails("int f(void) { int g(void) { return y; } int y = 0; return g(); }");
}

#[test]
fn bit_builtins_of_constants_are_constant_expressions() {
    ok("_Static_assert(__builtin_bswap16(0x0800) == 8, \"\"); _Static_assert(__builtin_popcount(7) == 3 && __builtin_ffs(8) == 4, \"\");\n\
        int f(unsigned short p) { switch (p) { case __builtin_bswap16(0x0800): return 1; default: return 0; } }");
}

#[test]
fn stack_pointer_register_variables() {
    ok("register unsigned long current_stack_pointer asm(\"rsp\");\n\
        unsigned long f(void) { unsigned long x; asm volatile(\"\" : \"=r\"(x), \"+r\"(current_stack_pointer)); return x + current_stack_pointer; }");
    // Other registers: a private variable stands in.
    ok("register void *saved asm(\"rbx\"); void *f(void *p) { void *old = saved; saved = p; return old; }");
    fails("register long nameless;");
}

/// arm64's `__raw_put_user`: `asm goto` to a `__label__` declared in an
/// outer block and defined in an inner one, expanded twice in a function.
#[test]
fn asm_goto_to_block_scoped_labels() {
    let put = "do { __label__ failed; do { asm goto(\"cbz %w0, %l1\" : : \"r\"(x) : : failed); *p = 1; break; failed: goto out; } while (0); } while (0);";
    ok(&format!("int f(int *p, int x) {{ {put} {put} return 0; out: return -1; }}"));
    fails("int f(int x) { do { __label__ l; } while (0); asm goto(\"\" : : : : l); return 0; }");
    fails("int f(void) { __label__ l; void g(void) { asm goto(\"\" : : : : l); } g(); return 0; l: return 1; }");
}

#[test]
fn asm_statement_after_a_label() {
    ok("int f(int v) { if (v) goto out; v = 1;\nout:\n __asm__ __volatile__(\"\" ::: \"memory\");\n return v; }");
    ok("int g(int v) { if (v) goto out; out: __attribute__((unused)) return v; }");
}

#[test]
fn comma_keeps_the_bit_field_promotion() {
    // csmith seed 876: `(x, s.f0) | y` with an 8-bit unsigned bit-field is an int.
    ok("struct S { unsigned f0 : 8; } s; int x;\n\
        _Static_assert(_Generic((x, s.f0) | (unsigned short)0, int: 1, default: 0), \"promotes like the bit-field\");");
}

#[test]
fn fallthrough_attribute_after_case_labels() {
    ok("int f(int x) { switch (x) { case 1: __attribute__((__fallthrough__));\n case 2: return 2; case 3: x++; __attribute__((fallthrough)); default: return x; } }");
}

#[test]
fn cleanup_attribute_runs_on_every_scope_exit() {
    let d = "void d(int *); void e(int *); int g(void);\n";
    // End of block, innermost first.
    let m = ok(&format!("{d} void f(void) {{ int a __attribute__((cleanup(d))) = 1; {{ int b __attribute__((cleanup(e))) = 2; }} }}"));
    assert_eq!(callees(&m), ["e", "d"]);
    // Each return runs it, after the value is computed.
    let m = ok(&format!("{d} int f(int x) {{ int a __attribute__((cleanup(d))) = x; if (g()) return a; return 2; }}"));
    assert_eq!(callees(&m), ["g", "d", "d"]);
    // break, continue and the loop's end; the for-init variable once, after the loop.
    let m = ok(&format!("{d} void f(void) {{ for (int i __attribute__((cleanup(d))) = 0; g(); ) {{ int k __attribute__((cleanup(e))) = 0; if (g()) break; if (g()) continue; }} }}"));
    assert_eq!(callees(&m).iter().filter(|c| *c == "e").count(), 3);
    assert_eq!(callees(&m).iter().filter(|c| *c == "d").count(), 1);
    // goto out of the scope runs it; goto within the scope does not.
    let m = ok(&format!("{d} void f(void) {{ {{ int a __attribute__((cleanup(d))) = 0; again: if (g()) goto again; if (g()) goto out; }} out: ; }}"));
    assert_eq!(callees(&m).iter().filter(|c| *c == "d").count(), 2);
    // A statement expression's cleanups run after its value is taken.
    let m = ok(&format!("{d} int f(void) {{ return ({{ int a __attribute__((cleanup(d))) = g(); a; }}); }}"));
    assert_eq!(callees(&m), ["g", "d"]);
    fails("int x; void f(void) { int a __attribute__((cleanup(x))) = 0; }");
    fails("void f(void) { int a __attribute__((cleanup(nosuch))) = 0; }");
}

/// Where C requires a constant, a `__builtin_constant_p` the optimiser would otherwise decide
/// is 0 at once, as in GCC (torture pr19449 at -O2).
#[test]
fn builtin_constant_p_in_required_constants_under_optimisation() {
    let src = "int y; int f(int x) { static int s = __builtin_constant_p(x); return __builtin_choose_expr(!__builtin_constant_p(x), 3, y++) + s; }";
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(Arch::X86_64);
    let opts = PpOptions::default();
    let pp = Preprocessor::new(&diag, &opts, &target);
    let out = pp.run_text("t.c", Rc::from(src)).expect("preprocessed");
    let fo = FrontOptions { source_name: "t.c".into(), opt_level: 2, ..Default::default() };
    let m = ccc_front::compile_translation_unit(out.tokens, &diag, &target, &fo);
    assert_eq!(*diag.errors.borrow(), 0);
    assert!(m.is_some());
}

#[test]
fn non_weak_addresses_compared_with_null_fold_in_initializers() {
    // The kernel's RESERVEDMEM_OF_DECLARE: `(fn == (fn_type)NULL) ? fn : fn`.
    let m = ok("void f(void); int x[4]; static void h(void) {}\n\
        typedef void (*fn_t)(void);\n\
        int a = f == 0, b = 0 != f, c = &x[2] == 0, d = h != (fn_t)0;\n\
        fn_t e = (f == (fn_t)0) ? f : h; int *p = &x[1] + 0;\n\
        void k(void) { static int m = &&l != 0; l: ; }");
    let value = |name: &str| -> u8 {
        let g = m.globals.iter().find(|g| g.name == name).unwrap_or_else(|| panic!("{name}"));
        let bytes: Vec<u8> = g.init.iter().flatten().flat_map(|p| match p {
            ccc_ir::module::InitPiece::Bytes(b) => b.clone(),
            ccc_ir::module::InitPiece::Zero(n) => vec![0; *n as usize],
            other => panic!("{name}: {other:?}"),
        }).collect();
        bytes.first().copied().unwrap_or(0)
    };
    assert_eq!([value("a"), value("b"), value("c"), value("d")], [0, 1, 0, 1]);
    // A weak symbol may be null: GCC refuses to fold, so do we.
    fails("void g(void) __attribute__((weak)); int a = g == 0;");
    fails("extern int w __attribute__((weak)); int a = &w != 0;");
}

/// A flexible array member's trailing `{}` elements count toward the object's size, as
/// in GCC (arm64's idreg-override.c ends each field list with `{}` and loops to it).
#[test]
fn flexible_array_member_counts_empty_trailing_elements() {
    let m = ok("struct s { char name[4]; struct { char n[4]; int x; } f[]; };\nconst struct s v = { .name = \"ab\", .f = { { \"x\", 1 }, {} } };\nconst struct s w = { \"cd\", { { \"y\", 2 }, {}, {} } };\n");
    let size = |n: &str| m.globals.iter().find(|g| g.name == n).map(|g| g.size);
    assert_eq!(size("v"), Some(4 + 2 * 8));
    assert_eq!(size("w"), Some(4 + 3 * 8));
}
