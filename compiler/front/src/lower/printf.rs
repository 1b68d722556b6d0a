//! GCC's folding of printf-family calls whose result is unused (at -O1 and above,
//! unless `-fno-builtin` or `-ffreestanding`): `printf("")` vanishes, `printf("x")` is
//! `putchar('x')`, `printf("text\n")` is `puts("text")`, `printf("%s\n", s)` is
//! `puts(s)`, `printf("%c", c)` is `putchar(c)`; `fprintf(fp, "text")` and
//! `fprintf(fp, "%s", s)` are `fputs`, `fprintf(fp, "%c", c)` is `fputc`. The fortify
//! (`__*_chk`) and `v*` variants fold the same way when the format needs no
//! arguments. The set matches GCC 12 exactly: programs can observe which calls remain.

use ccc_ir::{Type as IrType, Value};

use super::*;

#[derive(Clone, Copy, PartialEq)]
enum Family {
    Printf,
    Fprintf,
}

/// Where the format is and whether the arguments come as a `va_list`.
struct Shape {
    family: Family,
    format_index: usize,
    va_list: bool,
}

fn shape(name: &str) -> Option<Shape> {
    use Family::*;
    let (family, format_index, va_list) = match name {
        "printf" => (Printf, 0, false),
        "__printf_chk" => (Printf, 1, false),
        "vprintf" => (Printf, 0, true),
        "__vprintf_chk" => (Printf, 1, true),
        "fprintf" => (Fprintf, 1, false),
        "__fprintf_chk" => (Fprintf, 2, false),
        "vfprintf" => (Fprintf, 1, true),
        "__vfprintf_chk" => (Fprintf, 2, true),
        _ => return None,
    };
    Some(Shape { family, format_index, va_list })
}

/// The string argument of the replacement call.
enum Text<'e> {
    Bytes(Vec<u8>),
    Expr(&'e Expr),
}

/// The character argument of the replacement call.
enum Char<'e> {
    Byte(u8),
    Expr(&'e Expr),
}

enum Replacement<'e> {
    Nothing,
    Putchar(Char<'e>),
    Puts(Text<'e>),
    /// The text and the stream.
    Fputs(Text<'e>, &'e Expr),
    Fputc(Char<'e>, &'e Expr),
}

/// The bytes of a narrow string literal, looking through array-to-pointer decay.
fn literal_bytes(e: &Expr) -> Option<&[u8]> {
    match &e.kind {
        ExprKind::AddrOf(inner) | ExprKind::Cast(inner) => literal_bytes(inner),
        ExprKind::Str(bytes) => match &e.ty.kind {
            Kind::Array { elem, .. } if matches!(elem.kind, Kind::Int { kind: IntKind::Char, .. }) => {
                // The literal's value ends at its first NUL.
                Some(bytes.split(|b| *b == 0).next().unwrap_or(&[]))
            }
            _ => None,
        },
        _ => None,
    }
}

/// printf of a text with no conversions.
fn printf_text(text: &[u8]) -> Option<Replacement<'static>> {
    match text {
        [] => Some(Replacement::Nothing),
        [c] => Some(Replacement::Putchar(Char::Byte(*c))),
        [head @ .., b'\n'] => Some(Replacement::Puts(Text::Bytes(head.to_vec()))),
        _ => None,
    }
}

/// `stream` is fprintf's first argument (None for the printf family).
fn plan<'e>(s: &Shape, format: &[u8], rest: &'e [Expr], stream: Option<&'e Expr>) -> Option<Replacement<'e>> {
    let no_conversions = !format.contains(&b'%');
    if no_conversions && (s.va_list || rest.is_empty()) {
        return match s.family {
            Family::Printf => printf_text(format),
            Family::Fprintf if format.is_empty() => Some(Replacement::Nothing),
            Family::Fprintf => Some(Replacement::Fputs(Text::Bytes(format.to_vec()), stream?)),
        };
    }
    if s.va_list || rest.len() != 1 {
        return None;
    }
    let arg = &rest[0];
    match (s.family, format) {
        (Family::Printf, b"%s\n") if arg.ty.is_ptr() => Some(Replacement::Puts(Text::Expr(arg))),
        (Family::Printf, b"%c") if arg.ty.is_integer() => Some(Replacement::Putchar(Char::Expr(arg))),
        (Family::Printf, b"%s") => printf_text(literal_bytes(arg)?),
        (Family::Fprintf, b"%s") if arg.ty.is_ptr() => Some(Replacement::Fputs(Text::Expr(arg), stream?)),
        (Family::Fprintf, b"%c") if arg.ty.is_integer() => Some(Replacement::Fputc(Char::Expr(arg), stream?)),
        _ => None,
    }
}

impl FnLower<'_> {
    /// Lower a printf-family call whose value is unused as GCC folds it; false when
    /// the call is not one that folds (the caller lowers it as written).
    pub(super) fn fold_stdio_call(&mut self, callee: &Expr, args: &[Expr]) -> bool {
        if !self.fold_stdio {
            return false;
        }
        let name = match &callee.kind {
            ExprKind::Var(VarRef::Global(n)) => *n,
            ExprKind::AddrOf(inner) => match &inner.kind {
                ExprKind::Var(VarRef::Global(n)) => *n,
                _ => return false,
            },
            _ => return false,
        };
        let Some(s) = shape(name.as_str()) else { return false };
        let Some(format) = args.get(s.format_index).and_then(literal_bytes) else { return false };
        let rest = &args[s.format_index + 1..];
        let stream = (s.family == Family::Fprintf).then(|| &args[0]);
        let Some(r) = plan(&s, format, rest, stream) else { return false };
        // A fortify flag is still evaluated (the stream is an argument of the result,
        // or evaluated for its effects when nothing is printed).
        for a in &args[usize::from(stream.is_some())..s.format_index] {
            self.expr_discard(a);
        }
        match r {
            Replacement::Nothing => {
                if let Some(st) = stream {
                    self.expr_discard(st);
                }
            }
            Replacement::Putchar(c) => {
                let c = self.char_arg(c);
                self.libc_call("putchar", &[(c, IrType::I32)]);
            }
            Replacement::Puts(t) => {
                let t = self.string_arg(t);
                self.libc_call("puts", &[(t, IrType::Ptr)]);
            }
            Replacement::Fputs(t, st) => {
                let st = self.rvalue(st);
                let t = self.string_arg(t);
                self.libc_call("fputs", &[(t, IrType::Ptr), (st, IrType::Ptr)]);
            }
            Replacement::Fputc(c, st) => {
                let st = self.rvalue(st);
                let c = self.char_arg(c);
                self.libc_call("fputc", &[(c, IrType::I32), (st, IrType::Ptr)]);
            }
        }
        true
    }

    fn char_arg(&mut self, c: Char) -> Value {
        match c {
            Char::Byte(c) => self.iconst(IrType::I32, i128::from(c)),
            Char::Expr(e) => {
                let v = self.rvalue(e);
                self.cast_value(v, &e.ty, &CType::int())
            }
        }
    }

    fn string_arg(&mut self, t: Text) -> Value {
        match t {
            Text::Bytes(b) => {
                let len = b.len() as u64 + 1;
                let lit = Expr::new(ExprKind::Str(b), CType::array_of(CType::char(true), Some(len)), crate::diag::Loc::default());
                self.addr(&lit)
            }
            Text::Expr(e) => self.rvalue(e),
        }
    }

    /// A call to a C library function returning int, result unused.
    fn libc_call(&mut self, name: &str, args: &[(Value, IrType)]) {
        self.ins(super::func::direct_call(name, args, Some(IrType::I32)));
    }
}
