//! binary128 through libgcc's soft-float routines: the routine names are the same on every
//! target; each target only passes the values and tests the result its own way.

use ccc_ir::{BinOp, FloatCC};

/// How a libgcc comparison's `int` result relates to zero when `cc` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroTest {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The libgcc routine for a binary128 arithmetic operation, or None for non-float ops.
pub fn arith_routine(op: BinOp) -> Option<&'static str> {
    Some(match op {
        BinOp::FAdd => "__addtf3",
        BinOp::FSub => "__subtf3",
        BinOp::FMul => "__multf3",
        BinOp::FDiv => "__divtf3",
        _ => return None,
    })
}

/// The libgcc comparison routine for `cc` and the test of its result against zero.
pub fn compare_routine(cc: FloatCC) -> (&'static str, ZeroTest) {
    match cc {
        FloatCC::Eq => ("__eqtf2", ZeroTest::Eq),
        FloatCC::Une => ("__netf2", ZeroTest::Ne),
        FloatCC::Lt => ("__lttf2", ZeroTest::Lt),
        FloatCC::Le => ("__letf2", ZeroTest::Le),
        FloatCC::Gt => ("__gttf2", ZeroTest::Gt),
        FloatCC::Ge => ("__getf2", ZeroTest::Ge),
        FloatCC::Uno => ("__unordtf2", ZeroTest::Ne),
        FloatCC::Ord => ("__unordtf2", ZeroTest::Eq),
    }
}
