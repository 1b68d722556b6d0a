//! Expression values. A value is absolute or an address in an output section; the
//! difference decides which section a symbol belongs to and how `.` moves inside a section.

use super::ast::{Expr, Loc};
use crate::error::Result;
use crate::bail;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Value {
    pub v: u64,
    /// The output section the value is an address in; None for a plain number.
    pub sec: Option<usize>,
}

impl Value {
    pub fn abs(v: u64) -> Value {
        Value { v, sec: None }
    }
}

/// What an output section looks like to expressions.
#[derive(Clone, Copy, Debug, Default)]
pub struct SecInfo {
    pub index: usize,
    pub addr: u64,
    pub lma: u64,
    pub size: u64,
    pub align: u64,
}

/// The layout as expressions see it.
pub trait Env {
    /// The location counter (an address in the current section inside one).
    fn dot(&self) -> Option<Value>;
    fn symbol(&self, name: &str) -> Option<Value>;
    /// Output sections and memory regions; none where there is no layout (`-r`, MEMORY).
    fn section(&self, _name: &str) -> Option<SecInfo> {
        None
    }
    fn region(&self, _name: &str) -> Option<(u64, u64)> {
        None
    }
    fn max_page_size(&self) -> u64;
    fn headers_size(&self) -> u64 {
        0
    }
    /// Last pass: undefined names are errors (earlier passes read them as 0).
    fn strict(&self) -> bool;
    /// `DEFINED(name)`: defined by an input or by the script before this point.
    fn defined(&self, name: &str) -> bool {
        self.symbol(name).is_some()
    }
}

pub fn eval(e: &Expr, env: &dyn Env, loc: &Loc) -> Result<Value> {
    use Expr::*;
    Ok(match e {
        Num(n) => Value::abs(*n),
        Dot => match env.dot() {
            Some(v) => v,
            None => bail!("{}: invalid use of `.' here", loc),
        },
        Sym(name) => match env.symbol(name) {
            Some(v) => v,
            None if env.strict() => bail!("{}: undefined symbol `{}' referenced in expression", loc, name),
            None => Value::abs(0),
        },
        Unary(op, a) => {
            let a = eval(a, env, loc)?.v;
            Value::abs(match *op {
                "-" => a.wrapping_neg(),
                "!" => (a == 0) as u64,
                _ => !a,
            })
        }
        Binary(op, a, b) => binary(op, eval(a, env, loc)?, eval(b, env, loc)?, env, loc)?,
        Cond(c, a, b) => {
            if eval(c, env, loc)?.v != 0 {
                eval(a, env, loc)?
            } else {
                eval(b, env, loc)?
            }
        }
        Call(name, args) => call(name, args, env, loc)?,
    })
}

fn binary(op: &str, a: Value, b: Value, env: &dyn Env, loc: &Loc) -> Result<Value> {
    let (x, y) = (a.v, b.v);
    let v = match op {
        "+" => {
            // An address plus a number stays an address in that section.
            return Ok(Value { v: x.wrapping_add(y), sec: a.sec.or(b.sec) });
        }
        "-" => {
            let sec = if b.sec.is_some() { None } else { a.sec };
            return Ok(Value { v: x.wrapping_sub(y), sec });
        }
        "*" => x.wrapping_mul(y),
        "/" | "%" => {
            if y == 0 {
                if env.strict() {
                    bail!("{}: division by zero", loc);
                }
                0
            } else if op == "/" {
                x / y
            } else {
                x % y
            }
        }
        "<<" => x.checked_shl(y as u32).unwrap_or(0),
        ">>" => x.checked_shr(y as u32).unwrap_or(0),
        "&" => x & y,
        "|" => x | y,
        "^" => x ^ y,
        "==" => (x == y) as u64,
        "!=" => (x != y) as u64,
        "<" => (x < y) as u64,
        "<=" => (x <= y) as u64,
        ">" => (x > y) as u64,
        ">=" => (x >= y) as u64,
        "&&" => (x != 0 && y != 0) as u64,
        "||" => (x != 0 || y != 0) as u64,
        _ => bail!("{}: unknown operator {}", loc, op),
    };
    Ok(Value::abs(v))
}

fn align_to(v: u64, a: u64) -> u64 {
    if a <= 1 {
        v
    } else {
        v.wrapping_add(a - 1) / a * a
    }
}

fn name_arg(args: &[Expr]) -> &str {
    match args.first() {
        Some(Expr::Sym(s)) => s,
        _ => "",
    }
}

fn call(name: &str, args: &[Expr], env: &dyn Env, loc: &Loc) -> Result<Value> {
    let arity = |n: usize| -> Result<()> {
        if args.len() != n {
            bail!("{}: {} takes {} argument{}", loc, name, n, if n == 1 { "" } else { "s" });
        }
        Ok(())
    };
    let section = |what: &str| -> Result<SecInfo> {
        arity(1)?;
        let s = name_arg(args);
        match env.section(s) {
            Some(i) => Ok(i),
            None if env.strict() && what == "ADDR" => bail!("{}: undefined section `{}' referenced in expression", loc, s),
            None => Ok(SecInfo::default()),
        }
    };
    if let Some(msg) = name.strip_prefix("ASSERT\0") {
        let v = eval(&args[0], env, loc)?;
        if env.strict() && v.v == 0 {
            bail!("{}", msg);
        }
        return Ok(v);
    }
    Ok(match name {
        "ADDR" => {
            let s = section("ADDR")?;
            Value { v: s.addr, sec: Some(s.index) }
        }
        "LOADADDR" => Value::abs(section("LOADADDR")?.lma),
        "SIZEOF" => Value::abs(section("SIZEOF")?.size),
        "ALIGNOF" => Value::abs(section("ALIGNOF")?.align),
        "DEFINED" => {
            arity(1)?;
            Value::abs(env.defined(name_arg(args)) as u64)
        }
        "ABSOLUTE" => {
            arity(1)?;
            Value::abs(eval(&args[0], env, loc)?.v)
        }
        "ALIGN" | "BLOCK" => {
            let (base, a) = match args.len() {
                1 => (env.dot().ok_or_else(|| crate::err!("{}: ALIGN needs `.' here", loc))?, eval(&args[0], env, loc)?.v),
                2 => (eval(&args[0], env, loc)?, eval(&args[1], env, loc)?.v),
                _ => bail!("{}: ALIGN takes 1 or 2 arguments", loc),
            };
            Value { v: align_to(base.v, a), sec: base.sec }
        }
        "MAX" | "MIN" => {
            arity(2)?;
            let (a, b) = (eval(&args[0], env, loc)?, eval(&args[1], env, loc)?);
            let pick_a = if name == "MAX" { a.v >= b.v } else { a.v <= b.v };
            if pick_a { a } else { b }
        }
        "LOG2CEIL" => {
            arity(1)?;
            let v = eval(&args[0], env, loc)?.v;
            Value::abs(if v <= 1 { 0 } else { 64 - (v - 1).leading_zeros() as u64 })
        }
        "NEXT" => {
            arity(1)?;
            let a = eval(&args[0], env, loc)?.v;
            let d = env.dot().unwrap_or(Value::abs(0));
            Value { v: align_to(d.v, a), sec: d.sec }
        }
        "ORIGIN" | "LENGTH" => {
            arity(1)?;
            let r = name_arg(args);
            let Some((o, l)) = env.region(r) else { bail!("{}: memory region `{}' not declared", loc, r) };
            Value::abs(if name == "ORIGIN" { o } else { l })
        }
        "CONSTANT" => {
            arity(1)?;
            match name_arg(args) {
                "MAXPAGESIZE" => Value::abs(env.max_page_size()),
                "COMMONPAGESIZE" => Value::abs(0x1000),
                c => bail!("{}: unknown constant `{}'", loc, c),
            }
        }
        "SIZEOF_HEADERS" => Value::abs(env.headers_size()),
        "SEGMENT_START" => {
            arity(2)?;
            eval(&args[1], env, loc)?
        }
        "DATA_SEGMENT_ALIGN" => {
            arity(2)?;
            let maxp = eval(&args[0], env, loc)?.v;
            let d = env.dot().unwrap_or(Value::abs(0));
            Value { v: align_to(d.v, maxp) + (d.v & (maxp.max(1) - 1)), sec: d.sec }
        }
        "DATA_SEGMENT_END" | "DATA_SEGMENT_RELRO_END" => {
            let d = env.dot().unwrap_or(Value::abs(0));
            if name == "DATA_SEGMENT_RELRO_END" { d } else { eval(&args[0], env, loc)? }
        }
        _ => bail!("{}: unknown function `{}' in expression", loc, name),
    })
}

/// A value known without layout (MEMORY attributes).
pub fn constant(e: &Expr) -> Option<u64> {
    struct NoEnv;
    impl Env for NoEnv {
        fn dot(&self) -> Option<Value> {
            None
        }
        fn symbol(&self, _: &str) -> Option<Value> {
            None
        }
        fn max_page_size(&self) -> u64 {
            0x1000
        }
        fn strict(&self) -> bool {
            true
        }
    }
    let loc = Loc { file: String::new(), line: 0 };
    eval(e, &NoEnv, &loc).ok().map(|v| v.v)
}
