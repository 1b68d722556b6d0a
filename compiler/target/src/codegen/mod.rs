//! Target-independent machine layer: machine functions over virtual
//! registers, liveness, register allocation and frame layout. A target
//! supplies its instruction type through [`mir::MachInst`].

pub mod abi;
pub mod frame;
pub mod liveness;
pub mod loops;
pub mod lowering;
pub mod module;
pub mod mir;
pub mod regalloc;
pub mod softfloat;
