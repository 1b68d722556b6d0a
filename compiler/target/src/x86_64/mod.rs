//! The x86-64 backend (SysV ABI, GNU AT&T syntax).

pub mod abi;
pub mod arith;
pub mod asm;
pub mod calls;
pub mod divconst;
pub mod emit;
pub mod f128;
pub mod inst;
pub mod isel;
pub mod print;

#[cfg(test)]
mod tests;
