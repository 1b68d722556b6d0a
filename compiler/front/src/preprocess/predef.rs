//! The `<built-in>` buffer: GCC 12's predefined macros for the target
//! (tables in `predef_data.rs`) adjusted for the command-line flags.

use ccc_ir::{Arch, TargetInfo};

use super::predef_data;
use super::PpOptions;
use crate::CStd;

/// Macros the SSE-less configurations (`-mno-sse`, `-mgeneral-regs-only`) drop.
const SSE_MACROS: &[&str] = &["__SSE__", "__SSE2__", "__SSE_MATH__", "__SSE2_MATH__", "__MMX_WITH_SSE__"];

/// Macros AArch64's `-mgeneral-regs-only` drops (no FP/SIMD unit to use).
const AARCH64_FP_MACROS: &[&str] = &[
    "__ARM_FP",
    "__ARM_NEON",
    "__ARM_FP16_FORMAT_IEEE",
    "__ARM_FP16_ARGS",
    "__ARM_FEATURE_FMA",
    "__ARM_FEATURE_NUMERIC_MAXMIN",
    "__FP_FAST_FMA",
    "__FP_FAST_FMAF",
    "__FP_FAST_FMAF32",
    "__FP_FAST_FMAF64",
    "__FP_FAST_FMAF32x",
];

/// The value GCC gives the `wchar_t` macro `name` under `-fshort-wchar`
/// (`unsigned short`, lock-free like `char16_t`); `None` for other macros.
fn short_wchar_value(name: &str, table: &[&str]) -> Option<String> {
    Some(match name {
        "__WCHAR_TYPE__" => "short unsigned int".into(),
        "__SIZEOF_WCHAR_T__" => "2".into(),
        "__WCHAR_MAX__" => "0xffff".into(),
        "__WCHAR_MIN__" => "0".into(),
        "__WCHAR_WIDTH__" => "16".into(),
        "__GCC_ATOMIC_WCHAR_T_LOCK_FREE" => {
            let char16 = table.iter().find_map(|d| d.strip_prefix("__GCC_ATOMIC_CHAR16_T_LOCK_FREE "))?;
            char16.to_string()
        }
        _ => return None,
    })
}

pub(super) fn predefined_buffer(opts: &PpOptions, target: &TargetInfo) -> String {
    let table: &[&str] = match target.arch {
        Arch::I386 if opts.m16 => predef_data::I386_M16,
        Arch::I386 => predef_data::I386,
        Arch::X86_64 => predef_data::X86_64,
        Arch::Aarch64 => predef_data::AARCH64,
        Arch::Riscv64 => predef_data::RISCV64,
    };
    let x86 = matches!(target.arch, Arch::X86_64 | Arch::I386);
    let no_sse = x86 && (opts.no_sse || opts.general_regs_only);
    let a64_no_fp = target.arch == Arch::Aarch64 && opts.general_regs_only;
    let mut s = String::with_capacity(16 * 1024);
    for def in table {
        let name = def.split([' ', '(']).next().unwrap_or("");
        if no_sse && (SSE_MACROS.contains(&name) || opts.general_regs_only && name == "__MMX__") {
            continue;
        }
        if a64_no_fp && AARCH64_FP_MACROS.contains(&name) {
            continue;
        }
        if (x86 || a64_no_fp) && opts.general_regs_only && (name == "__GCC_IEC_559" || name == "__GCC_IEC_559_COMPLEX") {
            s.push_str(&format!("#define {name} 0\n"));
            continue;
        }
        if target.arch == Arch::X86_64 && opts.no_sse && name.starts_with("__FLT_EVAL_METHOD") {
            s.push_str(&format!("#define {name} 2\n"));
            continue;
        }
        if opts.short_wchar {
            if let Some(value) = short_wchar_value(name, table) {
                s.push_str(&format!("#define {name} {value}\n"));
                continue;
            }
        }
        if opts.fast_math && name == "__FINITE_MATH_ONLY__" {
            s.push_str("#define __FINITE_MATH_ONLY__ 1\n");
            continue;
        }
        s.push_str("#define ");
        s.push_str(def);
        s.push('\n');
    }
    let mut def = |n: &str, v: &str| {
        s.push_str("#define ");
        s.push_str(n);
        s.push(' ');
        s.push_str(v);
        s.push('\n');
    };
    if x86 && opts.general_regs_only {
        def("_SOFT_FLOAT", "1");
    }
    if opts.fast_math {
        for n in ["__FAST_MATH__", "__ASSOCIATIVE_MATH__", "__NO_MATH_ERRNO__", "__NO_SIGNED_ZEROS__", "__NO_TRAPPING_MATH__", "__RECIPROCAL_MATH__"] {
            def(n, "1");
        }
    }
    if opts.opt_level > 0 {
        def("__OPTIMIZE__", "1");
        if opts.optimize_size {
            def("__OPTIMIZE_SIZE__", "1");
        }
    } else {
        def("__NO_INLINE__", "1");
    }
    let pic = opts.pic.max(opts.pie);
    if pic > 0 {
        def("__pic__", &pic.to_string());
        def("__PIC__", &pic.to_string());
    }
    if opts.pie > 0 {
        def("__pie__", &opts.pie.to_string());
        def("__PIE__", &opts.pie.to_string());
    }
    let version = match opts.std {
        CStd::C89 => None,
        CStd::C99 => Some("199901L"),
        CStd::C11 => Some("201112L"),
        CStd::C17 => Some("201710L"),
        CStd::C2x => Some("202000L"),
    };
    // GCC leaves these out for assembly.
    if let (Some(v), false) = (version, opts.assembler) {
        def("__STDC_VERSION__", v);
        if !matches!(opts.std, CStd::C99) {
            def("__STDC_UTF_16__", "1");
            def("__STDC_UTF_32__", "1");
        }
    }
    if !opts.gnu {
        def("__STRICT_ANSI__", "1");
    }
    if opts.std == CStd::C89 {
        def("__GNUC_GNU_INLINE__", "1");
    } else {
        def("__GNUC_STDC_INLINE__", "1");
    }
    def("__STDC_HOSTED__", if opts.freestanding { "0" } else { "1" });
    if !opts.char_signed.unwrap_or(target.char_signed) {
        def("__CHAR_UNSIGNED__", "1");
    }
    if opts.unwind_tables {
        def("__GCC_HAVE_DWARF2_CFI_ASM", "1");
    }
    if opts.gnu {
        def("linux", "1");
        def("unix", "1");
        if target.arch == Arch::I386 {
            def("i386", "1");
        }
    }
    if opts.pthread {
        def("_REENTRANT", "1");
    }
    match opts.stack_protector {
        1 => def("__SSP__", "1"),
        2 => def("__SSP_STRONG__", "3"),
        3 => def("__SSP_ALL__", "2"),
        _ => {}
    }
    let model = opts.code_model.as_str();
    match target.arch {
        Arch::I386 => def("__code_model_32__", "1"),
        Arch::X86_64 => {
            let m = if model.is_empty() { "small" } else { model };
            def(&format!("__code_model_{m}__"), "1");
        }
        Arch::Aarch64 => {
            let m = if model.is_empty() { "small" } else { model };
            def(&format!("__AARCH64_CMODEL_{}__", m.to_ascii_uppercase()), "1");
        }
        Arch::Riscv64 => {
            if pic > 0 {
                def("__riscv_cmodel_pic", "1");
            }
            let m = if model.is_empty() { if pic > 0 { "medany" } else { "medlow" } } else { model };
            def(&format!("__riscv_cmodel_{m}"), "1");
        }
    }
    if opts.assembler {
        def("__ASSEMBLER__", "1");
    }
    // ccc's own identification, for code that wants to know.
    def("__ccc__", "1");
    s
}
