//! `__builtin_*`, `__sync_*` and `__atomic_*` calls: their argument
//! conversions and result types. Most become `ExprKind::Builtin` /
//! `ExprKind::Atomic` nodes for the lowering; library builtins become calls.

use super::*;

/// Library functions GCC knows as builtins: (name, return, params, variadic).
/// Calls to `__builtin_NAME` use these prototypes when no declaration is visible.
pub(super) fn libc_prototype(name: &str) -> Option<(&'static str, &'static [&'static str], bool)> {
    Some(match name {
        "memcpy" | "memmove" | "mempcpy" => ("void*", &["void*", "const void*", "ulong"], false),
        "memset" => ("void*", &["void*", "int", "ulong"], false),
        "memcmp" | "strncmp" => ("int", &["const void*", "const void*", "ulong"], false),
        "memchr" => ("void*", &["const void*", "int", "ulong"], false),
        "strlen" => ("ulong", &["const char*"], false),
        "strcpy" | "strcat" | "stpcpy" => ("char*", &["char*", "const char*"], false),
        "strncpy" | "strncat" => ("char*", &["char*", "const char*", "ulong"], false),
        "strcmp" => ("int", &["const char*", "const char*"], false),
        "strchr" | "strrchr" => ("char*", &["const char*", "int"], false),
        "strstr" | "strpbrk" => ("char*", &["const char*", "const char*"], false),
        "strspn" | "strcspn" => ("ulong", &["const char*", "const char*"], false),
        "strdup" => ("char*", &["const char*"], false),
        "printf" => ("int", &["const char*"], true),
        "sprintf" => ("int", &["char*", "const char*"], true),
        "snprintf" => ("int", &["char*", "ulong", "const char*"], true),
        "fprintf" => ("int", &["void*", "const char*"], true),
        "vprintf" => ("int", &["const char*", "void*"], false),
        "puts" => ("int", &["const char*"], false),
        "putchar" => ("int", &["int"], false),
        "abort" => ("void", &[], false),
        "exit" | "_exit" => ("void", &["int"], false),
        "malloc" => ("void*", &["ulong"], false),
        "calloc" => ("void*", &["ulong", "ulong"], false),
        "realloc" => ("void*", &["void*", "ulong"], false),
        "free" => ("void", &["void*"], false),
        "abs" => ("int", &["int"], false),
        "labs" | "llabs" => ("long", &["long"], false),
        "sqrt" | "sin" | "cos" | "tan" | "exp" | "log" | "log2" | "log10" | "floor" | "ceil" | "round" | "trunc" | "atan" | "asin" | "acos" | "sinh" | "cosh" | "tanh" | "cbrt" | "rint" | "nearbyint" | "expm1" | "log1p" => ("double", &["double"], false),
        "sqrtf" | "sinf" | "cosf" | "floorf" | "ceilf" | "roundf" | "truncf" | "expf" | "logf" => ("float", &["float"], false),
        "sqrtl" | "sinl" | "cosl" | "floorl" | "ceill" | "roundl" | "truncl" | "expl" | "logl" => ("ldouble", &["ldouble"], false),
        "pow" | "atan2" | "fmod" | "fmin" | "fmax" | "hypot" | "remainder" | "nextafter" => ("double", &["double", "double"], false),
        "powf" | "atan2f" | "fmodf" | "fminf" | "fmaxf" => ("float", &["float", "float"], false),
        "powl" | "fmodl" | "fminl" | "fmaxl" => ("ldouble", &["ldouble", "ldouble"], false),
        "ldexp" => ("double", &["double", "int"], false),
        "frexp" => ("double", &["double", "int*"], false),
        "modf" => ("double", &["double", "double*"], false),
        "lround" | "lrint" => ("long", &["double"], false),
        "llround" | "llrint" => ("long", &["double"], false),
        "isdigit" | "isalpha" | "isspace" | "toupper" | "tolower" | "isupper" | "islower" | "isalnum" | "isprint" | "isxdigit" => ("int", &["int"], false),
        "setjmp" | "_setjmp" => ("int", &["void*"], false),
        "strtol" => ("long", &["const char*", "char**", "int"], false),
        "atoi" => ("int", &["const char*"], false),
        "atol" => ("long", &["const char*"], false),
        "scanf" => ("int", &["const char*"], true),
        "sscanf" => ("int", &["const char*", "const char*"], true),
        "longjmp" => ("void", &["void*", "int"], false),
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    pub(super) fn proto_type(&self, s: &str) -> CType {
        let (s, c) = match s.strip_prefix("const ") {
            Some(r) => (r, true),
            None => (s, false),
        };
        let (base, ptr) = match s.strip_suffix('*') {
            Some(b) => (b, true),
            None => (s, false),
        };
        let mut t = match base {
            "void" => CType::void(),
            "int" => CType::int(),
            "char" => CType::char(self.char_signed()),
            "long" => CType::long(),
            "ulong" => CType::ulong(),
            "double" => CType::double(),
            "float" => CType::new(Kind::Float(FloatKind::Float)),
            "ldouble" => CType::new(Kind::Float(FloatKind::LongDouble)),
            _ => CType::int(),
        };
        if c {
            t.quals |= Q_CONST;
        }
        if ptr {
            CType::ptr_to(t)
        } else {
            t
        }
    }

    fn builtin_args(&mut self) -> PResult<Vec<Expr>> {
        self.expect("(")?;
        let mut args = Vec::new();
        while !self.is_punct(")") {
            let e = self.assign_expr()?;
            args.push(e);
            if !self.eat(",") {
                break;
            }
        }
        self.expect(")")?;
        Ok(args)
    }

    fn arity(&self, name: Sym, args: &[Expr], n: usize, loc: Loc) -> PResult<()> {
        if args.len() != n {
            return Err(self.error_at(loc, format!("wrong number of arguments to function '{name}'")));
        }
        Ok(())
    }

    fn builtin(&self, name: &str, args: Vec<Expr>, ty: CType, loc: Loc) -> Expr {
        Expr::new(ExprKind::Builtin { name: Sym::intern(name), args }, ty, loc)
    }

    pub(super) fn builtin_call(&mut self, name: Sym, loc: Loc) -> PResult<Expr> {
        let s = name.as_str();
        if s.starts_with("__sync_") || s.starts_with("__atomic_") {
            return self.atomic_builtin(name, loc);
        }
        let base = &s["__builtin_".len()..];
        // Library builtins: a call to the plain function.
        if let Some(decl) = self.lookup(Sym::intern(base)).cloned().filter(|_| libc_prototype(base).is_some() || base == "abort") {
            if let Binding::Var { var, ty } = decl {
                if ty.is_func() {
                    let callee = Expr::new(ExprKind::Var(var), ty, loc);
                    return self.postfix_call(callee);
                }
            }
        }
        if let Some((ret, params, variadic)) = libc_prototype(base) {
            let ft = FuncType {
                ret: self.proto_type(ret),
                params: params.iter().map(|p| Param { name: None, ty: self.proto_type(p) }).collect(),
                variadic,
                unprototyped: false,
            };
            let ty = CType::new(Kind::Func(Rc::new(ft)));
            let callee = Expr::new(ExprKind::Var(VarRef::Global(Sym::intern(base))), ty, loc);
            return self.postfix_call(callee);
        }
        // `__builtin___memcpy_chk` and friends are glibc's `__memcpy_chk`.
        if base.starts_with("__") && base.ends_with("_chk") {
            let fname = Sym::intern(base);
            let callee_ty = match self.lookup(fname).cloned() {
                Some(Binding::Var { ty, .. }) if ty.is_func() => ty,
                _ => CType::new(Kind::Func(Rc::new(FuncType { ret: CType::int(), params: Vec::new(), variadic: true, unprototyped: true }))),
            };
            let callee = Expr::new(ExprKind::Var(VarRef::Global(fname)), callee_ty, loc);
            return self.postfix_call(callee);
        }
        let mut args = self.builtin_args()?;
        let ulong = CType::ulong();
        match base {
            "va_arg_pack" | "va_arg_pack_len" => {
                // Only meaningful in always-inline functions once inlined;
                // the lowering rejects it anywhere else.
                Ok(self.builtin(base, vec![], CType::int(), loc))
            }
            "expect" | "expect_with_probability" => {
                if args.len() < 2 {
                    return Err(self.error_at(loc, "wrong number of arguments to '__builtin_expect'"));
                }
                let e = args.swap_remove(0);
                let e = self.convert(e, CType::long());
                // The expected value is evaluated too (it may have side effects).
                let hint = args.swap_remove(0);
                if self.eval_const(&hint).is_some() {
                    return Ok(e);
                }
                let ty = e.ty.clone();
                Ok(Expr::new(ExprKind::Comma(Box::new(hint), Box::new(e)), ty, loc))
            }
            "assume_aligned" => {
                let e = args.swap_remove(0);
                Ok(self.convert(e, CType::ptr_to(CType::void())))
            }
            "constant_p" => {
                self.arity(name, &args, 1, loc)?;
                // String literals count as constants (GCC), other addresses do not.
                let v = matches!(args[0].kind, ExprKind::Str(_))
                    || matches!(self.eval_const(&args[0]), Some(ConstValue::Int(_)) | Some(ConstValue::Float(_)));
                // A pure expression of locals may become constant once optimised
                // (`__auto_type ux = 5; __builtin_constant_p(ux)` in the kernel's
                // min()): the optimiser decides, as GCC's does.
                if !v && self.opts.opt_level > 0 && self.in_function() && args[0].ty.is_scalar() && side_effect_free(&args[0]) && mentions_local(&args[0]) {
                    return Ok(Expr::new(ExprKind::Builtin { name: Sym::intern("constant_p"), args }, CType::int(), loc));
                }
                Ok(Expr::new(ExprKind::Int(v as i128), CType::int(), loc))
            }
            "unreachable" | "trap" => Ok(self.builtin(base, vec![], CType::void(), loc)),
            "va_start" => {
                if args.is_empty() {
                    return Err(self.error_at(loc, "too few arguments to '__builtin_va_start'"));
                }
                let ap = self.va_list_ptr(args.swap_remove(0))?;
                Ok(Expr::new(ExprKind::VaStart(Box::new(ap)), CType::void(), loc))
            }
            "va_end" => {
                self.arity(name, &args, 1, loc)?;
                let ap = self.va_list_ptr(args.swap_remove(0))?;
                Ok(Expr::new(ExprKind::VaEnd(Box::new(ap)), CType::void(), loc))
            }
            "va_copy" => {
                self.arity(name, &args, 2, loc)?;
                let src = args.pop().expect("arg");
                let dst = args.pop().expect("arg");
                let d = self.va_list_ptr(dst)?;
                let s = self.va_list_ptr(src)?;
                Ok(Expr::new(ExprKind::VaCopy(Box::new(d), Box::new(s)), CType::void(), loc))
            }
            "bswap16" | "bswap32" | "bswap64" | "bswap128" => {
                self.arity(name, &args, 1, loc)?;
                let ty = match base {
                    "bswap16" => CType::int_of(IntKind::Short, false),
                    "bswap32" => CType::uint(),
                    "bswap64" => CType::int_of(self.layout().int64_kind(), false),
                    _ => CType::int_of(IntKind::Int128, false),
                };
                let a = self.convert(args.swap_remove(0), ty.clone());
                Ok(self.builtin("bswap", vec![a], ty, loc))
            }
            "clz" | "clzl" | "clzll" | "ctz" | "ctzl" | "ctzll" | "popcount" | "popcountl" | "popcountll" | "parity" | "parityl" | "parityll" | "ffs" | "ffsl" | "ffsll" | "clrsb" | "clrsbl" | "clrsbll" => {
                self.arity(name, &args, 1, loc)?;
                let stem = base.trim_end_matches('l');
                let kind = if base.ends_with("ll") { IntKind::LongLong } else if base.ends_with('l') { IntKind::Long } else { IntKind::Int };
                let signed = stem == "ffs" || stem == "clrsb";
                let aty = CType::int_of(kind, signed);
                let a = self.convert(args.swap_remove(0), aty);
                Ok(self.builtin(stem, vec![a], CType::int(), loc))
            }
            "abs" | "labs" | "llabs" => {
                self.arity(name, &args, 1, loc)?;
                let ty = match base {
                    "abs" => CType::int(),
                    "labs" => CType::long(),
                    _ => CType::int_of(IntKind::LongLong, true),
                };
                let a = self.convert(args.swap_remove(0), ty.clone());
                Ok(self.builtin("abs", vec![a], ty, loc))
            }
            "add_overflow" | "sub_overflow" | "mul_overflow" | "add_overflow_p" | "sub_overflow_p" | "mul_overflow_p" => {
                self.arity(name, &args, 3, loc)?;
                let op = &base[..3];
                let mut it = args.into_iter();
                let a = self.decay(it.next().expect("arg"));
                let b = self.decay(it.next().expect("arg"));
                let r = self.decay(it.next().expect("arg"));
                if base.ends_with("_p") {
                    // The third argument only supplies the type.
                    let rt = r.ty.clone();
                    let tmp_ty = rt.clone();
                    let dummy = Expr::new(ExprKind::Int(0), CType::ptr_to(tmp_ty), loc);
                    return Ok(self.builtin(&format!("{op}_overflow_p"), vec![a, b, dummy], CType::bool(), loc));
                }
                if !r.ty.is_ptr() || !r.ty.base().map(|b| b.is_integer()).unwrap_or(false) {
                    return Err(self.error_at(loc, "argument 3 in call to function '__builtin_*_overflow' does not have pointer to integer type"));
                }
                Ok(self.builtin(&format!("{op}_overflow"), vec![a, b, r], CType::bool(), loc))
            }
            "sadd_overflow" | "saddl_overflow" | "saddll_overflow" | "uadd_overflow" | "uaddl_overflow" | "uaddll_overflow" | "ssub_overflow" | "ssubl_overflow" | "ssubll_overflow" | "usub_overflow" | "usubl_overflow" | "usubll_overflow" | "smul_overflow" | "smull_overflow" | "smulll_overflow" | "umul_overflow" | "umull_overflow" | "umulll_overflow" => {
                self.arity(name, &args, 3, loc)?;
                let signed = base.starts_with('s');
                let op = &base[1..4];
                let kind = if base[4..].starts_with("ll") { IntKind::LongLong } else if base[4..].starts_with('l') { IntKind::Long } else { IntKind::Int };
                let ty = CType::int_of(kind, signed);
                let mut it = args.into_iter();
                let a = self.convert(it.next().expect("arg"), ty.clone());
                let b = self.convert(it.next().expect("arg"), ty);
                let r = self.decay(it.next().expect("arg"));
                Ok(self.builtin(&format!("{op}_overflow"), vec![a, b, r], CType::bool(), loc))
            }
            "alloca" | "alloca_with_align" => {
                let a = self.convert(args.swap_remove(0), ulong);
                Ok(self.builtin("alloca", vec![a], CType::ptr_to(CType::void()), loc))
            }
            "frame_address" | "return_address" | "extract_return_addr" => {
                self.arity(name, &args, 1, loc)?;
                if base == "extract_return_addr" {
                    return Ok(self.convert(args.swap_remove(0), CType::ptr_to(CType::void())));
                }
                let lvl = self.const_int(&args[0])?;
                let lit = Expr::new(ExprKind::Int(lvl), CType::int(), loc);
                Ok(self.builtin(base, vec![lit], CType::ptr_to(CType::void()), loc))
            }
            "inf" | "huge_val" | "inff" | "huge_valf" | "infl" | "huge_vall" | "nan" | "nanf" | "nanl" | "nans" | "nansf" | "nansl" | "inff128" | "nanf128" => {
                let kind = if base.ends_with("f128") || base.ends_with('l') {
                    FloatKind::LongDouble
                } else if base.ends_with('f') {
                    FloatKind::Float
                } else {
                    FloatKind::Double
                };
                let v = if base.starts_with("nan") { f64::NAN } else { f64::INFINITY };
                Ok(Expr::new(ExprKind::Float(v), CType::new(Kind::Float(kind)), loc))
            }
            "isnan" | "isinf" | "isfinite" | "isnormal" | "signbit" | "signbitf" | "signbitl" | "isinf_sign" | "finite" | "finitef" | "finitel" | "isnanf" | "isnanl" | "isinff" | "isinfl" => {
                self.arity(name, &args, 1, loc)?;
                let a = self.decay(args.swap_remove(0));
                let a = if a.ty.is_integer() { self.convert(a, CType::double()) } else { a };
                let stem = match base {
                    "isinff" | "isinfl" => "isinf",
                    "isnanf" | "isnanl" => "isnan",
                    "signbitf" | "signbitl" => "signbit",
                    "finite" | "finitef" | "finitel" => "isfinite",
                    other => other,
                };
                Ok(self.builtin(stem, vec![a], CType::int(), loc))
            }
            "fpclassify" => {
                // (nan, infinite, normal, subnormal, zero, x) as nested
                // conditionals on the classification builtins.
                self.arity(name, &args, 6, loc)?;
                let x = self.decay(args.pop().expect("arg"));
                let x = if x.ty.is_integer() { self.convert(x, CType::double()) } else { x };
                let vals: Vec<Expr> = args.into_iter().map(|a| self.convert(a, CType::int())).collect();
                let test = |p: &Self, what: &str| p.builtin(what, vec![x.clone()], CType::int(), loc);
                let zero = Expr::new(ExprKind::Float(0.0), x.ty.clone(), loc);
                let is_zero = Expr::new(ExprKind::Binary(BinOp::Eq, Box::new(x.clone()), Box::new(zero)), CType::int(), loc);
                let cond = |c: Expr, a: Expr, b: Expr| Expr::new(ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)), CType::int(), loc);
                let sub_or_zero = cond(is_zero, vals[4].clone(), vals[3].clone());
                let normal = cond(test(self, "isnormal"), vals[2].clone(), sub_or_zero);
                let inf = cond(test(self, "isinf"), vals[1].clone(), normal);
                Ok(cond(test(self, "isnan"), vals[0].clone(), inf))
            }
            "isgreater" | "isgreaterequal" | "isless" | "islessequal" | "islessgreater" | "isunordered" => {
                self.arity(name, &args, 2, loc)?;
                let b = self.decay(args.pop().expect("arg"));
                let a = self.decay(args.pop().expect("arg"));
                let t = self.common_type(&a.ty, &b.ty);
                let a = self.convert(a, t.clone());
                let b = self.convert(b, t);
                Ok(self.builtin(base, vec![a, b], CType::int(), loc))
            }
            "fabs" | "fabsf" | "fabsl" | "copysign" | "copysignf" | "copysignl" => {
                let kind = float_kind_of_suffix(base);
                let ft = CType::new(Kind::Float(kind));
                let args: Vec<Expr> = args.into_iter().map(|a| self.convert(a, ft.clone())).collect();
                let stem = base.trim_end_matches(['f', 'l']);
                Ok(self.builtin(stem, args, ft, loc))
            }
            "shuffle" => {
                // GCC's `__builtin_shuffle (a, [b,] mask)`: element i of the result is
                // element `mask[i]` of a (or of a:b), indices taken modulo the lane count.
                if args.len() != 2 && args.len() != 3 {
                    return Err(self.error_at(loc, "wrong number of arguments to function '__builtin_shuffle'"));
                }
                let (elem, size) = match &args[0].ty.kind {
                    Kind::Vector { elem, size } => ((**elem).clone(), *size),
                    _ => return Err(self.error_at(loc, "'__builtin_shuffle' last argument must be an integer vector")),
                };
                let Some(mask) = args.last() else { return Err(self.error_at(loc, "wrong number of arguments to function '__builtin_shuffle'")) };
                let lanes_in = size / self.layout().size(&elem).max(1);
                let (mask_lanes, mask_ok) = match &mask.ty.kind {
                    Kind::Vector { elem: me, size: ms } if me.is_integer() => (ms / self.layout().size(me).max(1), true),
                    _ => (0, false),
                };
                let same_inputs = args.len() == 2 || matches!(&args[1].ty.kind, Kind::Vector { size: s2, .. } if *s2 == size);
                if !mask_ok || !same_inputs || mask_lanes != lanes_in {
                    return Err(self.error_at(loc, "'__builtin_shuffle' arguments must be vectors of the same number of elements"));
                }
                let ty = args[0].ty.clone();
                Ok(self.builtin(base, args, ty, loc))
            }
            "classify_type" => {
                let a = self.decay(args.swap_remove(0));
                let v = if a.ty.is_void() {
                    0
                } else if a.ty.is_integer() {
                    1
                } else if a.ty.is_ptr() {
                    5
                } else if a.ty.is_float() {
                    8
                } else if a.ty.is_complex() {
                    9
                } else if a.ty.is_record() {
                    12
                } else {
                    -1
                };
                Ok(Expr::new(ExprKind::Int(v), CType::int(), loc))
            }
            "object_size" | "dynamic_object_size" => {
                let t = if args.len() > 1 { self.const_int(&args[1])? } else { 0 };
                let ptr = match args.first() {
                    Some(a) => self.decay(a.clone()),
                    None => return Err(self.error_at(loc, format!("too few arguments to function '{name}'"))),
                };
                let v: i128 = match object_size::of_pointer(&self.layout(), &ptr, t & 1 != 0) {
                    Some(bytes) => bytes as i128,
                    None if t & 2 != 0 => 0,
                    None => -1,
                };
                Ok(Expr::new(ExprKind::Int(v), ulong, loc))
            }
            "prefetch" | "speculation_safe_value" => {
                if base == "speculation_safe_value" && !args.is_empty() {
                    return Ok(args.swap_remove(0));
                }
                let args: Vec<Expr> = args.into_iter().map(|a| self.decay(a)).collect();
                Ok(self.builtin("discard", args, CType::void(), loc))
            }
            "conj" | "conjf" | "conjl" | "creal" | "crealf" | "creall" | "cimag" | "cimagf" | "cimagl" => {
                self.arity(name, &args, 1, loc)?;
                let kind = float_kind_of_suffix(base);
                let cty = CType::new(Kind::Complex(kind));
                let a = self.decay(args.swap_remove(0));
                let a = self.convert(a, cty.clone());
                let (op, ty) = match &base[..4] {
                    "conj" => (UnOp::Conj, cty),
                    "crea" => (UnOp::Real, CType::new(Kind::Float(kind))),
                    _ => (UnOp::Imag, CType::new(Kind::Float(kind))),
                };
                Ok(Expr::new(ExprKind::Unary(op, Box::new(a)), ty, loc))
            }
            "complex" => {
                self.arity(name, &args, 2, loc)?;
                let b = args.pop().expect("arg");
                let a = args.pop().expect("arg");
                let k = a.ty.float_kind().unwrap_or(FloatKind::Double);
                Ok(self.build_complex(a, b, k))
            }
            "LINE" | "FILE" | "FUNCTION" => {
                if base == "LINE" {
                    return Ok(Expr::new(ExprKind::Int(loc.line as i128), CType::int(), loc));
                }
                let text = if base == "FILE" { self.diag.file_name(loc.file) } else { self.func.as_ref().and_then(|f| f.name).map(|s| s.as_str().to_string()).unwrap_or_default() };
                let len = text.len() as u64 + 1;
                let e = Expr::new(ExprKind::Str(text.into_bytes()), CType::array_of(CType::char(self.char_signed()), Some(len)), loc);
                Ok(self.decay(e))
            }
            "setjmp" | "longjmp" => Err(self.error_at(loc, format!("'{name}' is not supported"))),
            _ => {
                // Any other builtin: call the plain function if it exists, as
                // GCC falls back to the library.
                self.warn_at(loc, format!("implicit declaration of function '{name}'"));
                let ty = CType::new(Kind::Func(Rc::new(FuncType { ret: CType::int(), params: Vec::new(), variadic: false, unprototyped: true })));
                let callee = Expr::new(ExprKind::Var(VarRef::Global(Sym::intern(base))), ty, loc);
                let args = args
                    .into_iter()
                    .map(|a| {
                        let a = self.decay(a);
                        let t = self.default_promoted(&a.ty);
                        self.convert(a, t)
                    })
                    .collect();
                Ok(Expr::new(ExprKind::Call { callee: Box::new(callee), args }, CType::int(), loc))
            }
        }
    }

    fn postfix_call(&mut self, callee: Expr) -> PResult<Expr> {
        self.postfix_tail(callee)
    }

    fn atomic_builtin(&mut self, name: Sym, loc: Loc) -> PResult<Expr> {
        let s = name.as_str();
        let args = self.builtin_args()?;
        let mut args: Vec<Expr> = args.into_iter().map(|a| self.decay(a)).collect();
        let order = |p: &mut Self, e: &Expr| -> PResult<Expr> { Ok(p.convert(e.clone(), CType::int())) };
        let pointee = |p: &Self, e: &Expr| -> PResult<CType> {
            match e.ty.base() {
                Some(b) if e.ty.is_ptr() => Ok(b.unqual()),
                _ => Err(p.error_at(e.loc, format!("argument 1 of '{name}' must be a pointer type"))),
            }
        };
        let mk = |kind_name: &str, args: Vec<Expr>, ty: CType| Expr::new(ExprKind::Atomic { name: Sym::intern(kind_name), args }, ty, loc);
        match s {
            "__sync_synchronize" => Ok(mk("fence", vec![Expr::new(ExprKind::Int(5), CType::int(), loc)], CType::void())),
            "__atomic_thread_fence" | "__atomic_signal_fence" => {
                self.arity(name, &args, 1, loc)?;
                let o = order(self, &args[0])?;
                Ok(mk(if s.ends_with("thread_fence") { "fence" } else { "signal_fence" }, vec![o], CType::void()))
            }
            "__atomic_always_lock_free" | "__atomic_is_lock_free" => {
                let n = self.const_int(&args[0])?;
                Ok(Expr::new(ExprKind::Int((n <= 8 && n > 0 && (n & (n - 1)) == 0) as i128), CType::bool(), loc))
            }
            _ => {
                if args.is_empty() {
                    return Err(self.error_at(loc, format!("too few arguments to function '{name}'")));
                }
                let t = pointee(self, &args[0])?;
                if !(t.is_integer() || t.is_ptr() || (t.is_record() || t.is_float()) && !s.ends_with("_n") && !s.contains("fetch")) {
                    if !(s == "__atomic_load" || s == "__atomic_store" || s == "__atomic_exchange" || s == "__atomic_compare_exchange") {
                        return Err(self.error_at(loc, format!("operand type of '{name}' is incompatible")));
                    }
                }
                let conv = |p: &mut Self, e: Expr| p.convert(e, t.clone());
                match s {
                    "__atomic_load_n" => {
                        self.arity(name, &args, 2, loc)?;
                        let o = order(self, &args[1])?;
                        Ok(mk("load", vec![args.swap_remove(0), o], t))
                    }
                    "__atomic_store_n" => {
                        self.arity(name, &args, 3, loc)?;
                        let o = order(self, &args[2])?;
                        let v = conv(self, args[1].clone());
                        Ok(mk("store", vec![args.swap_remove(0), v, o], CType::void()))
                    }
                    "__atomic_exchange_n" => {
                        self.arity(name, &args, 3, loc)?;
                        let o = order(self, &args[2])?;
                        let v = conv(self, args[1].clone());
                        Ok(mk("xchg", vec![args.swap_remove(0), v, o], t))
                    }
                    "__atomic_compare_exchange_n" => {
                        self.arity(name, &args, 6, loc)?;
                        let o = order(self, &args[4])?;
                        let d = conv(self, args[2].clone());
                        Ok(mk("cmpxchg", vec![args[0].clone(), args[1].clone(), d, o], CType::bool()))
                    }
                    "__atomic_load" => {
                        self.arity(name, &args, 3, loc)?;
                        let o = order(self, &args[2])?;
                        Ok(mk("load_ptr", vec![args[0].clone(), args[1].clone(), o], CType::void()))
                    }
                    "__atomic_store" => {
                        self.arity(name, &args, 3, loc)?;
                        let o = order(self, &args[2])?;
                        Ok(mk("store_ptr", vec![args[0].clone(), args[1].clone(), o], CType::void()))
                    }
                    "__atomic_exchange" => {
                        self.arity(name, &args, 4, loc)?;
                        let o = order(self, &args[3])?;
                        Ok(mk("xchg_ptr", vec![args[0].clone(), args[1].clone(), args[2].clone(), o], CType::void()))
                    }
                    "__atomic_compare_exchange" => {
                        self.arity(name, &args, 6, loc)?;
                        let o = order(self, &args[4])?;
                        Ok(mk("cmpxchg_ptr", vec![args[0].clone(), args[1].clone(), args[2].clone(), o], CType::bool()))
                    }
                    "__atomic_test_and_set" => {
                        let o = order(self, &args[1])?;
                        Ok(mk("test_and_set", vec![args[0].clone(), o], CType::bool()))
                    }
                    "__atomic_clear" => {
                        let o = order(self, &args[1])?;
                        Ok(mk("clear", vec![args[0].clone(), o], CType::void()))
                    }
                    "__sync_bool_compare_and_swap" | "__sync_val_compare_and_swap" => {
                        if args.len() < 3 {
                            return Err(self.error_at(loc, format!("too few arguments to function '{name}'")));
                        }
                        let e = conv(self, args[1].clone());
                        let d = conv(self, args[2].clone());
                        let seq = Expr::new(ExprKind::Int(5), CType::int(), loc);
                        if s.contains("bool") {
                            Ok(mk("sync_bool_cas", vec![args[0].clone(), e, d, seq], CType::bool()))
                        } else {
                            Ok(mk("sync_val_cas", vec![args[0].clone(), e, d, seq], t))
                        }
                    }
                    "__sync_lock_test_and_set" => {
                        let v = conv(self, args[1].clone());
                        let acq = Expr::new(ExprKind::Int(2), CType::int(), loc);
                        Ok(mk("xchg", vec![args[0].clone(), v, acq], t))
                    }
                    "__sync_lock_release" => {
                        let z = Expr::new(ExprKind::Int(0), CType::int(), loc);
                        let z = conv(self, z);
                        let rel = Expr::new(ExprKind::Int(3), CType::int(), loc);
                        Ok(mk("store", vec![args[0].clone(), z, rel], CType::void()))
                    }
                    _ => {
                        // fetch_OP / OP_fetch, __atomic_ and __sync_ forms.
                        let body = s.trim_start_matches("__atomic_").trim_start_matches("__sync_");
                        let (op, fetch_first) = if let Some(op) = body.strip_prefix("fetch_and_") {
                            (op, true)
                        } else if let Some(op) = body.strip_prefix("fetch_") {
                            (op, true)
                        } else if let Some(op) = body.strip_suffix("_and_fetch") {
                            (op, false)
                        } else if let Some(op) = body.strip_suffix("_fetch") {
                            (op, false)
                        } else {
                            return Err(self.error_at(loc, format!("unsupported builtin '{name}'")));
                        };
                        if !matches!(op, "add" | "sub" | "and" | "or" | "xor" | "nand") {
                            return Err(self.error_at(loc, format!("unsupported builtin '{name}'")));
                        }
                        if args.len() < 2 {
                            return Err(self.error_at(loc, format!("too few arguments to function '{name}'")));
                        }
                        let o = if s.starts_with("__atomic_") && args.len() > 2 { order(self, &args[2])? } else { Expr::new(ExprKind::Int(5), CType::int(), loc) };
                        let mut v = args[1].clone();
                        if t.is_ptr() {
                            v = self.convert(v, CType::long());
                            let elem = t.base().cloned().unwrap_or_else(CType::void);
                            let size = self.layout().size(&elem) as i128;
                            if s.starts_with("__sync_") && size != 1 {
                                let sz = Expr::new(ExprKind::Int(size), CType::long(), loc);
                                v = Expr::new(ExprKind::Binary(BinOp::Mul, Box::new(v), Box::new(sz)), CType::long(), loc);
                            }
                            v = self.convert(v, t.clone());
                        } else {
                            v = conv(self, v);
                        }
                        let kind = format!("{}{op}", if fetch_first { "fetch_" } else { "op_fetch_" });
                        Ok(mk(&kind, vec![args[0].clone(), v, o], t))
                    }
                }
            }
        }
    }
}

/// Whether evaluating `e` changes nothing (no calls, stores or volatile-prone
/// constructs): then `__builtin_constant_p(e)` may evaluate it.
fn side_effect_free(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Var(_) => true,
        ExprKind::Unary(_, a) | ExprKind::Cast(a) | ExprKind::ToBool(a) | ExprKind::AddrOf(a) | ExprKind::Deref(a) => side_effect_free(a),
        ExprKind::Member { base, .. } => side_effect_free(base),
        ExprKind::BitPrecise { inner, .. } => side_effect_free(inner),
        ExprKind::Binary(_, a, b) | ExprKind::LogAnd(a, b) | ExprKind::LogOr(a, b) | ExprKind::CondOmitted(a, b) => side_effect_free(a) && side_effect_free(b),
        ExprKind::Cond(c, a, b) => side_effect_free(c) && side_effect_free(a) && side_effect_free(b),
        _ => false,
    }
}

/// Whether `e` reads a local variable (something propagation can make constant).
fn mentions_local(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(VarRef::Local(_)) => true,
        ExprKind::Unary(_, a) | ExprKind::Cast(a) | ExprKind::ToBool(a) | ExprKind::Deref(a) => mentions_local(a),
        ExprKind::Member { base, .. } => mentions_local(base),
        ExprKind::BitPrecise { inner, .. } => mentions_local(inner),
        ExprKind::Binary(_, a, b) | ExprKind::LogAnd(a, b) | ExprKind::LogOr(a, b) | ExprKind::CondOmitted(a, b) => mentions_local(a) || mentions_local(b),
        ExprKind::Cond(c, a, b) => mentions_local(c) || mentions_local(a) || mentions_local(b),
        _ => false,
    }
}
