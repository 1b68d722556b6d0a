//! Scalar types of the IR. Aggregates never appear as values: they live in
//! memory and are described by [`AggLayout`] where the ABI needs their shape.

use std::cell::Cell;
use std::fmt;

thread_local! {
    /// Bytes of `Type::Ptr` for the module being compiled on this thread:
    /// 8, or 4 on i386. `Type` is sized in hundreds of places that have no
    /// target at hand, so the width is set once per compilation
    /// ([`crate::TargetInfo::enter`]) rather than threaded through them.
    static PTR_SIZE: Cell<u32> = const { Cell::new(8) };
}

/// Make `Type::Ptr` `bytes` wide on this thread (see [`crate::TargetInfo::enter`]).
pub fn set_ptr_size(bytes: u32) {
    PTR_SIZE.with(|p| p.set(bytes));
}

/// A scalar IR type. `Ptr` is the target's pointer width (8 bytes, 4 on i386).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
    /// x87 80-bit extended precision (x86-64 `long double`), stored in 16 bytes.
    F80,
    /// IEEE binary128 (AArch64 / RISC-V `long double`), computed through libgcc calls.
    F128,
    Ptr,
}

impl Type {
    /// Size in bytes as stored in memory.
    pub fn size(self) -> u32 {
        match self {
            Type::I8 => 1,
            Type::I16 => 2,
            Type::I32 | Type::F32 => 4,
            Type::I64 | Type::F64 => 8,
            Type::Ptr => PTR_SIZE.with(|p| p.get()),
            Type::I128 | Type::F80 | Type::F128 => 16,
        }
    }

    /// Natural alignment in bytes.
    pub fn align(self) -> u32 {
        self.size()
    }

    pub fn bits(self) -> u32 {
        match self {
            Type::F80 => 80,
            t => t.size() * 8,
        }
    }

    pub fn is_int(self) -> bool {
        matches!(self, Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::I128 | Type::Ptr)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64 | Type::F80 | Type::F128)
    }

    /// The integer type as wide as a pointer (offsets, sizes): I64, I32 on i386.
    pub fn iptr() -> Type {
        if Type::Ptr.size() == 4 { Type::I32 } else { Type::I64 }
    }

    /// The integer type of the given byte width.
    pub fn int_of_size(bytes: u32) -> Option<Type> {
        Some(match bytes {
            1 => Type::I8,
            2 => Type::I16,
            4 => Type::I32,
            8 => Type::I64,
            16 => Type::I128,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::I128 => "i128",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::F80 => "f80",
            Type::F128 => "f128",
            Type::Ptr => "ptr",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shape of a struct/union/array as the calling conventions need it:
/// every scalar leaf with its byte offset (unions contribute overlapping
/// leaves, arrays one leaf per element). Bitfield storage appears as integer
/// leaves. `size` includes tail padding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AggLayout {
    pub size: u64,
    pub align: u32,
    pub leaves: Vec<(u64, Type)>,
    /// True when the aggregate contains a flexible array member or is otherwise
    /// "non-trivial" for classification purposes (always passed in memory).
    pub force_memory: bool,
}

/// How a value crosses a call boundary: a scalar in registers, or an aggregate
/// passed by its address in IR (the backend applies the ABI).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AbiType {
    Scalar(Type),
    Aggregate(AggLayout),
}

impl AbiType {
    pub fn is_aggregate(&self) -> bool {
        matches!(self, AbiType::Aggregate(_))
    }
}

/// A function's signature as the backend sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub params: Vec<AbiType>,
    /// `None` is `void`.
    pub ret: Option<AbiType>,
    pub variadic: bool,
    /// At a variadic call site: how many leading `params` are named (the
    /// rest are the `...` arguments; RISC-V passes those differently).
    /// `None`: all of them.
    pub named: Option<u32>,
}
