//! Preprocessor tests: C17 6.10.3.5 examples and GNU extensions.

use super::*;

fn pp_with(src: &str, opts: &PpOptions) -> (String, bool) {
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let pp = Preprocessor::new(&diag, opts, &target);
    match pp.run_text("t.c", Rc::from(src)) {
        Some(out) => {
            let mut s = String::new();
            for t in &out.tokens {
                if t.kind == TokenKind::Eof {
                    break;
                }
                if !s.is_empty() && (t.space_before || t.line_start) {
                    s.push(' ');
                }
                if t.kind == TokenKind::Pragma {
                    s.push_str("#pragma ");
                }
                s.push_str(t.text.as_str());
            }
            (s, true)
        }
        None => (String::new(), false),
    }
}

fn pp(src: &str) -> String {
    let (s, ok) = pp_with(src, &PpOptions::default());
    assert!(ok, "preprocessing failed for {src:?}");
    s
}

fn pp_fails(src: &str) -> bool {
    !pp_with(src, &PpOptions::default()).1
}

#[test]
fn object_and_function_macros() {
    assert_eq!(pp("#define A 1 + 2\nA;"), "1 + 2;");
    assert_eq!(pp("#define F(x, y) x * y\nF(1, 2) F((a,b), c)"), "1 * 2 (a,b) * c");
    assert_eq!(pp("#define F(x) x\nF\n(1) F;"), "1 F;");
    assert_eq!(pp("#define EMPTY\n#define F() 7\nF() F( ) EMPTY x"), "7 7 x");
}

#[test]
fn recursion_is_blocked() {
    assert_eq!(pp("#define foo foo\nfoo"), "foo");
    assert_eq!(pp("#define a b\n#define b a\na b"), "a b");
    assert_eq!(pp("#define f(x) g(x)\n#define g(x) f(x)\nf(1)"), "f(1)");
}

// C17 6.10.3.5 EXAMPLE 3.
#[test]
fn standard_example_3() {
    let src = r#"#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
"#;
    let out = pp(src);
    assert_eq!(
        out,
        "f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1); \
f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1); \
int i[] = { 1, 23, 4, 5, }; \
char c[2][6] = { \"hello\", \"\" };"
    );
}

// C17 6.10.3.5 EXAMPLE 4.
#[test]
fn standard_example_4() {
    let src = r#"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
debug(1, 2);
fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
"#;
    assert_eq!(
        pp(src),
        r#"printf("x" "1" "= %d, x" "2" "= %s", x1, x2); fputs("strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n", s); "vers2.h" "hello"; "hello" ", world""#
    );
}

// C17 6.10.3.5 EXAMPLE 5 and 7.
#[test]
fn standard_examples_5_and_7() {
    let src = "#define t(x,y,z) x ## y ## z\nint j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),\nt(10,,), t(,11,), t(,,12), t(,,) };";
    assert_eq!(pp(src), "int j[] = { 123, 45, 67, 89, 10, 11, 12, };");
    let src = r#"#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test):\
 printf(__VA_ARGS__))
debug("Flag");
debug("X = %d\n", x);
showlist(The first, second, and third items.);
report(x>y, "x is %d but y is %d", x, y);
"#;
    assert_eq!(
        pp(src),
        r#"fprintf(stderr, "Flag"); fprintf(stderr, "X = %d\n", x); puts("The first, second, and third items."); ((x>y)?puts("x>y"): printf("x is %d but y is %d", x, y));"#
    );
}

#[test]
fn gnu_comma_paste_and_va_opt() {
    let src = "#define e(fmt, ...) f(fmt, ## __VA_ARGS__)\ne(1) e(1,2,3)\n#define g(a, args...) h(a, ##args)\ng(x) g(x, y)";
    assert_eq!(pp(src), "f(1) f(1,2,3) h(x) h(x, y)");
    let src = "#define F(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)\nF(1) F(1, 2)\n#define E\nF(1, E)";
    assert_eq!(pp(src), "f(1) f(1 , 2) f(1)");
}

#[test]
fn paste_errors_and_special_cases() {
    assert!(pp_fails("#define P(a,b) a##b\nP(+,/)"));
    assert!(pp_fails("#define X ## a"));
    assert!(pp_fails("#define S(a) #b"));
    assert_eq!(pp("#define cat(a,b) a##b\ncat(x, 1) cat(<,<=) cat(-, >)"), "x1 <<= ->");
    assert!(pp_fails("#define cat(a,b) a##b\ncat(., ..)"));
    assert_eq!(pp("#define H # ## #\n#define S(x) #x\nH S(\"a\\n\" 'b')"), r#"## "\"a\\n\" 'b'""#);
}

#[test]
fn conditionals() {
    let src = "#if 1 + 2 * 3 == 7 && !0\nyes\n#else\nno\n#endif\n#if 0\n#if garbage (\n#endif\n#elif defined(X) || defined Y\nno2\n#elif (2 || 1/0) && -1 < 0u\nno3\n#else\nyes2\n#endif";
    assert_eq!(pp(src), "yes yes2");
    assert_eq!(pp("#define X\n#ifdef X\na\n#endif\n#ifndef X\nb\n#elifdef X\nc\n#endif"), "a c");
    assert_eq!(pp("#if 'A' == 65 && 0x10 == 16 && 010 == 8 && (1 ? 2 : 3) == 2\nok\n#endif"), "ok");
    assert_eq!(pp("#define F(x) defined(x)\n#if !F(W) && __has_include(<stddef.h>) + 1\nok\n#endif"), "ok");
    assert!(pp_fails("#if 1/0\n#endif"));
    assert!(pp_fails("#if\n#endif"));
    assert!(pp_fails("#if 1.0\n#endif"));
    assert!(pp_fails("#if 1\n"));
    assert!(pp_fails("#endif"));
    assert!(pp_fails("#else\n"));
}

#[test]
fn builtin_macros() {
    assert_eq!(pp("__LINE__\n\n__LINE__ __FILE__ __COUNTER__ __COUNTER__ __INCLUDE_LEVEL__"), "1 3 \"t.c\" 0 1 0");
    assert_eq!(pp("#line 100 \"x.c\"\n__LINE__ __FILE__"), "100 \"x.c\"");
    assert_eq!(pp("__DATE__ __TIME__"), "\"Jan  1 1970\" \"00:00:00\"");
    assert_eq!(pp("#if __has_attribute(packed) && !__has_attribute(bogus) && __has_builtin(__builtin_expect)\nok\n#endif"), "ok");
    assert_eq!(pp("#ifdef __has_include\nok\n#endif"), "ok");
}

#[test]
fn predefined_macros() {
    assert_eq!(pp("__GNUC__ __x86_64__ __STDC_VERSION__ __SIZEOF_INT128__ __CHAR_BIT__"), "12 1 201710L 16 8");
    assert_eq!(pp("#ifdef __OPTIMIZE__\nno\n#endif\n#ifdef __NO_INLINE__\nyes\n#endif"), "yes");
    let opts = PpOptions { opt_level: 2, pic: 2, gnu: false, std: CStd::C11, ..Default::default() };
    assert_eq!(pp_with("__OPTIMIZE__ __PIC__ __STDC_VERSION__ __STRICT_ANSI__ linux", &opts).0, "1 2 201112L 1 linux");
}

#[test]
fn pragmas() {
    assert_eq!(pp("#pragma pack(push, 1)\nstruct s;\n_Pragma(\"GCC visibility push(default)\") x"), "#pragma pack(push, 1) struct s; #pragma GCC visibility push(default) x");
    assert_eq!(pp("#define X 1\n#pragma push_macro(\"X\")\n#undef X\nX\n#pragma pop_macro(\"X\")\nX"), "X 1");
    assert!(pp_fails("#pragma GCC error \"boom\""));
    assert!(pp_fails("#pragma GCC poison bad\nbad"));
}

#[test]
fn errors_are_reported() {
    assert!(pp_fails("#error stop here"));
    assert!(pp_fails("#bogus"));
    assert!(pp_fails("#define F(x) x\nF(1"));
    assert!(pp_fails("#define F(x) x\nF(1, 2)"));
    assert!(pp_fails("#include <no/such/header.h>"));
    assert!(pp_fails("\"unterminated"));
    assert!(!pp_fails("#if 0\n\"unterminated it's\n#endif"));
}

#[test]
fn includes_guards_and_once() {
    let dir = std::env::temp_dir().join(format!("ccc-pp-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("g.h"), "#ifndef G_H\n#define G_H\nguarded\n#endif\n").unwrap();
    std::fs::write(dir.join("o.h"), "#pragma once\nonce\n").unwrap();
    std::fs::write(dir.join("sub/n.h"), "first __INCLUDE_LEVEL__\n#include_next <n.h>\n").unwrap();
    std::fs::write(dir.join("n.h"), "second __FILE__\n").unwrap();
    let main = dir.join("m.c");
    std::fs::write(&main, "#include \"g.h\"\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n#define HDR <n.h>\n#include HDR\n").unwrap();
    let opts = PpOptions {
        bracket_dirs: vec![SearchDir { path: dir.join("sub").to_string_lossy().into(), system: false }, SearchDir { path: dir.to_string_lossy().into(), system: false }],
        ..Default::default()
    };
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let out = Preprocessor::new(&diag, &opts, &target).run(&main.to_string_lossy()).expect("preprocess");
    let texts: Vec<&str> = out.tokens.iter().map(|t| t.text.as_str()).collect();
    let n_h = format!("\"{}/n.h\"", dir.to_string_lossy());
    assert_eq!(texts, ["guarded", "once", "first", "1", "second", n_h.as_str(), ""]);
    assert_eq!(out.deps.len(), 5);
    assert!(diag.files.borrow().iter().filter(|f| f.name.ends_with("g.h")).count() == 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn e_output_markers() {
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let opts = PpOptions { track_markers: true, ..Default::default() };
    let out = Preprocessor::new(&diag, &opts, &target).run_text("a.c", Rc::from("int a;\n#define X 1\n\nint b = X +X;\n  c\n")).expect("pp");
    let text = print::write_preprocessed(&out, &diag, true);
    assert_eq!(text, "# 0 \"a.c\"\n# 0 \"<built-in>\"\n# 0 \"<command-line>\"\n# 1 \"a.c\"\nint a;\n\n\nint b = 1 +1;\n  c\n");
    let text = print::write_preprocessed(&out, &diag, false);
    assert_eq!(text, "int a;\nint b = 1 +1;\n  c\n");
}

#[test]
fn e_output_separates_tokens_only_at_expansion_edges() {
    // As GCC: adjacent source tokens stay adjacent (`LINUX_2.6` in linker scripts);
    // tokens meeting at a macro boundary get a space when they would paste.
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let src = "#define V LINUX_2.6\n#define f(x) x\n#define g +\nV LINUX_2.6 f(+)+ g+ -f(-) a f(b)c\n";
    let out = Preprocessor::new(&diag, &PpOptions::default(), &target).run_text("v.S", Rc::from(src)).expect("pp");
    let text = print::write_preprocessed(&out, &diag, false);
    assert_eq!(text, "LINUX_2.6 LINUX_2.6 + + + + - - a b c\n");
}

fn pp_strict(src: &str) -> (String, bool) {
    // Warnings as errors: a warning makes preprocessing fail.
    let mut diag = DiagEngine::new();
    diag.werror = true;
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let opts = PpOptions::default();
    match Preprocessor::new(&diag, &opts, &target).run_text("t.c", Rc::from(src)) {
        Some(out) => (out.tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "), true),
        None => (String::new(), false),
    }
}

// C17 6.10.3.5 EXAMPLE 6: valid and invalid redefinitions.
#[test]
fn standard_example_6_redefinition() {
    let valid = "#define OBJ_LIKE (1-1)\n#define OBJ_LIKE /* white space */ (1-1) /* other */\n#define FUNC_LIKE(a) ( a )\n#define FUNC_LIKE( a )( /* note the white space */ \\\n a /* other stuff on this line\n */ )\n";
    assert!(pp_strict(valid).1);
    for bad in ["#define OBJ_LIKE (1-1)\n#define OBJ_LIKE (0)\n", "#define OBJ_LIKE (1-1)\n#define OBJ_LIKE (1 - 1)\n", "#define FUNC_LIKE(a) ( a )\n#define FUNC_LIKE(b) ( a )\n", "#define FUNC_LIKE(a) ( a )\n#define FUNC_LIKE(b) ( b )\n"] {
        assert!(!pp_strict(bad).1, "{bad}");
    }
}

// C17 6.10.3.4 EXAMPLE: rescanning with the rest of the input.
#[test]
fn rescan_with_following_tokens() {
    assert_eq!(pp("#define f(a) a*g\n#define g(a) f(a)\nf(2)(9)"), "2*9*g");
    assert_eq!(pp("#define obj fn\n#define fn(x) [x]\nobj(1) obj"), "[1] fn");
    assert_eq!(pp("#define AA BB\n#define BB AA\nAA BB"), "AA BB");
    assert_eq!(pp("#define id(x) x\nid(id)(1)"), "id(1)");
    assert_eq!(pp("#define lparen (\n#define f(x) <x>\nf lparen 1)"), "f ( 1)");
}

#[test]
fn if_arithmetic() {
    assert_eq!(pp("#if -1 > 0u\nunsigned\n#endif\n#if (-1 >> 1) == -1 && (1 << 62) > 0 && 7 / 2 == 3 && -7 % 2 == -1\nok\n#endif"), "unsigned ok");
    assert_eq!(pp("#if 0 && (1 / 0)\nno\n#else\nshort_circuit\n#endif"), "short_circuit");
    assert_eq!(pp("#if 1 ? 2 : (1/0)\nok\n#endif\n#if (2, 3) == 3\ncomma\n#endif"), "ok comma");
    assert_eq!(pp("#if UNDEFINED_THING == 0 && !defined UNDEFINED_THING\nzero\n#endif"), "zero");
    assert!(pp_fails("#if 1 +\n#endif"));
    assert!(pp_fails("#if (1\n#endif"));
    assert!(pp_fails("#if 1 2\n#endif"));
    assert!(pp_fails("#if x = 1\n#endif"));
}

#[test]
fn line_file_and_prefix_map() {
    assert_eq!(pp("#line 10\n__LINE__\n#line 20 \"sub/dir/f.c\"\n__FILE__ __LINE__\n# 5 \"g.c\" 2\n__FILE__ __LINE__"), "10 \"sub/dir/f.c\" 20 \"g.c\" 5");
    let opts = PpOptions { macro_prefix_map: vec![("sub/".into(), "/x/".into())], ..Default::default() };
    assert_eq!(pp_with("#line 1 \"sub/a.c\"\n__FILE__", &opts).0, "\"/x/a.c\"");
    let opts = PpOptions { source_date_epoch: Some(1700000000), ..Default::default() };
    assert_eq!(pp_with("__DATE__ __TIME__", &opts).0, "\"Nov 14 2023\" \"22:13:20\"");
}

#[test]
fn command_line_macros_include_and_imacros() {
    let dir = std::env::temp_dir().join(format!("ccc-pp-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pre.h"), "int pre;\n").unwrap();
    std::fs::write(dir.join("mac.h"), "#define FROM_IMACROS 42\nint dropped;\n").unwrap();
    let opts = PpOptions {
        defines: vec![MacroOp::Define("A".into()), MacroOp::Define("B=2".into()), MacroOp::Define("F(x)=x+x".into()), MacroOp::Define("U=1".into()), MacroOp::Undef("U".into())],
        pre_includes: vec![dir.join("pre.h").to_string_lossy().into()],
        imacros: vec![dir.join("mac.h").to_string_lossy().into()],
        ..Default::default()
    };
    assert_eq!(pp_with("A B F(3) U FROM_IMACROS", &opts).0, "int pre; 1 2 3+3 U 42");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pragma_operator_in_macros() {
    assert_eq!(pp("#define DO(x) _Pragma(#x) y\nDO(omp parallel)"), "#pragma omp parallel y");
    assert_eq!(pp("#define P _Pragma(\"pack(1)\")\nP struct s;"), "#pragma pack(1) struct s;");
    assert!(pp_fails("_Pragma(1)"));
}

#[test]
fn include_guard_detection() {
    let dir = std::env::temp_dir().join(format!("ccc-pp-guard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Not a guard: tokens after #endif.
    std::fs::write(dir.join("n.h"), "#ifndef N_H\n#define N_H\nin\n#endif\nafter\n").unwrap();
    // Guard via #if !defined.
    std::fs::write(dir.join("g.h"), "/* c */\n#if !defined(G_H)\n#define G_H\ng\n#endif\n").unwrap();
    // #else makes it no guard.
    std::fs::write(dir.join("e.h"), "#ifndef E_H\n#define E_H\ne\n#else\nagain\n#endif\n").unwrap();
    let main = dir.join("m.c");
    std::fs::write(&main, "#include \"n.h\"\n#include \"n.h\"\n#include \"g.h\"\n#include \"g.h\"\n#include \"e.h\"\n#include \"e.h\"\n").unwrap();
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let opts = PpOptions::default();
    let mut pp = Preprocessor::new(&diag, &opts, &target);
    let path = main.to_string_lossy().into_owned();
    pp.base_file = path.clone();
    let out = pp.run(&path).expect("pp");
    let texts: Vec<&str> = out.tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["in", "after", "after", "g", "e", "again", ""]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn preprocessed_input_keeps_identifiers() {
    let opts = PpOptions { preprocessed: true, ..Default::default() };
    let (out, ok) = pp_with("# 1 \"orig.c\"\n# 5 \"orig.c\"\nint linux = __x86_64__;\n#pragma pack(1)\n", &opts);
    assert!(ok);
    assert_eq!(out, "int linux = __x86_64__; #pragma pack(1)");
}

#[test]
fn assembler_with_cpp_keeps_dollar_immediates_and_logical_lines() {
    // As GCC for `-x assembler-with-cpp`: `$` is not an identifier character, and a
    // statement continued with backslash-newline stays on one line.
    let diag = DiagEngine::new();
    let target = TargetInfo::for_arch(ccc_ir::Arch::X86_64);
    let opts = PpOptions { assembler: true, ..Default::default() };
    let src = "#define MSR 0x49\nmov $MSR, %ecx; movl $x, %ebx \\\n  ; nop\nnext\n";
    let out = Preprocessor::new(&diag, &opts, &target).run_text("e.S", Rc::from(src)).expect("pp");
    let text = print::write_preprocessed(&out, &diag, false);
    assert_eq!(text, "mov $0x49, %ecx; movl $x, %ebx ; nop\nnext\n");
    // A line that opens with a macro whose expansion starts with an empty one still
    // starts a new output line (the kernel's `SYM_DATA_END_LABEL(x, SYM_L_LOCAL, y)`).
    let src = "#define LOCAL(x)\n#define END(n, l) l(n) ; n##_end:\n.quad 1 # X\nEND(tr, LOCAL)\n";
    let out = Preprocessor::new(&diag, &opts, &target).run_text("f.S", Rc::from(src)).expect("pp");
    assert_eq!(print::write_preprocessed(&out, &diag, false), ".quad 1 # X\n ; tr_end:\n");
}
