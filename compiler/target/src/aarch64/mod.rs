//! The AArch64 backend (ARMv8-A, AAPCS64 on Linux/glibc, GNU assembler syntax).

pub mod abi;
pub mod arith;
pub mod asm;
pub mod calls;
pub mod emit;
pub mod f128;
pub mod inst;
pub mod isel;
pub mod print;

#[cfg(test)]
mod tests;
