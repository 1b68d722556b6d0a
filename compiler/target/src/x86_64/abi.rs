//! The System V x86-64 calling convention: classification of aggregates
//! into INTEGER/SSE eightbytes or MEMORY, and assignment of arguments and
//! return values to registers and stack slots. The i386 mode's cdecl
//! (with GCC's `-mregparm=N`) assigns into the same locations.

use ccc_ir::{AbiType, AggLayout, CodegenOptions, Signature, Type};

use super::inst::*;
use crate::codegen::mir::Reg;

/// The calling convention of the function being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conv {
    SysV,
    /// i386 cdecl; the first `regparm` integer arguments of non-variadic
    /// functions in eax, edx, ecx (`-mregparm=N`).
    I386 { regparm: u8 },
}

/// The convention of the current compilation (its word size and options).
pub fn conv_of(opts: &CodegenOptions) -> Conv {
    if i386() {
        Conv::I386 { regparm: opts.regparm.min(3) }
    } else {
        Conv::SysV
    }
}

/// The convention where only the mode matters (which registers, pops).
pub fn conv() -> Conv {
    if i386() {
        Conv::I386 { regparm: 0 }
    } else {
        Conv::SysV
    }
}

const I386_ARG_GPRS: [Reg; 3] = [RAX, RDX, RCX];

impl Conv {
    /// Where a GNU nested function receives its static chain (as GCC).
    pub fn static_chain_reg(self) -> Reg {
        match self {
            Conv::SysV => R10,
            Conv::I386 { .. } => RCX,
        }
    }

    pub fn assign_args(self, params: &[AbiType], sret: bool, variadic: bool) -> ArgAssignment {
        match self {
            Conv::SysV => assign_args(params, sret),
            Conv::I386 { regparm } => assign_args_i386(params, sret, if variadic { 0 } else { regparm as usize }),
        }
    }

    pub fn ret_loc(self, sig: &Signature) -> RetLoc {
        match self {
            Conv::SysV => ret_loc(sig),
            Conv::I386 { .. } => ret_loc_i386(sig),
        }
    }

    /// Bytes the callee pops on return: i386 functions returning an
    /// aggregate through a hidden pointer on the stack pop that pointer.
    pub fn callee_pops(self, sig: &Signature) -> u32 {
        match self {
            Conv::I386 { regparm } if self.ret_loc(sig) == RetLoc::Sret && (regparm == 0 || sig.variadic) => 4,
            _ => 0,
        }
    }
}

/// cdecl: every argument on the stack in 4-byte units (regparm: the first
/// integer ones in eax, edx, ecx); the hidden return pointer is the first.
fn assign_args_i386(params: &[AbiType], sret: bool, nregs: usize) -> ArgAssignment {
    let mut gi = 0usize;
    let mut stack = 0u64;
    let sret_loc = sret.then(|| {
        if nregs > 0 {
            gi += 1;
            ArgLoc::Reg(RAX)
        } else {
            stack += 4;
            ArgLoc::Stack(0)
        }
    });
    let mut locs = Vec::with_capacity(params.len());
    for p in params {
        let loc = match p {
            AbiType::Scalar(t) => {
                let size = align_up(u64::from(t.size()).min(if *t == Type::F80 { 12 } else { 16 }), 4);
                if t.is_int() && size == 4 && gi < nregs {
                    gi += 1;
                    ArgLoc::Reg(I386_ARG_GPRS[gi - 1])
                } else if t.is_int() && size == 8 && gi + 2 <= nregs {
                    gi += 2;
                    ArgLoc::Pair(I386_ARG_GPRS[gi - 2], I386_ARG_GPRS[gi - 1])
                } else {
                    stack += size;
                    ArgLoc::Stack(stack - size)
                }
            }
            AbiType::Aggregate(l) => {
                let off = stack;
                stack += align_up(l.size, 4);
                ArgLoc::AggStack(off, l.size)
            }
        };
        locs.push(loc);
    }
    ArgAssignment { locs, stack_bytes: align_up(stack, 16), stack_used: stack, gprs_used: gi, xmms_used: 0, sret_loc }
}

/// i386 results: integers in eax (edx:eax), floats in st0, every aggregate
/// through the hidden pointer (Linux's default `-fpcc-struct-return`).
fn ret_loc_i386(sig: &Signature) -> RetLoc {
    match &sig.ret {
        None => RetLoc::Void,
        Some(AbiType::Scalar(t)) if t.is_float() => RetLoc::X87,
        Some(AbiType::Scalar(t)) if t.size() == 8 => RetLoc::Pair,
        Some(AbiType::Scalar(_)) => RetLoc::Reg(RAX),
        Some(AbiType::Aggregate(l)) if l.size == 0 => RetLoc::Void,
        Some(AbiType::Aggregate(_)) => RetLoc::Sret,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EbClass {
    Int,
    Sse,
}

/// One eightbyte of a register-passed aggregate: class and byte size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eightbyte {
    pub class: EbClass,
    pub size: u8,
}

/// Register classes of an aggregate's eightbytes, or `None` for MEMORY.
pub fn classify(l: &AggLayout) -> Option<Vec<Eightbyte>> {
    if l.force_memory || l.size > 16 || l.size == 0 {
        return None;
    }
    let n = l.size.div_ceil(8) as usize;
    let mut cls: Vec<Option<EbClass>> = vec![None; n];
    for &(off, ty) in &l.leaves {
        let c = match ty {
            Type::F32 | Type::F64 => EbClass::Sse,
            Type::F80 | Type::F128 => return None,
            _ => EbClass::Int,
        };
        // unaligned leaves force MEMORY (packed structs)
        if ty.size() > 0 && off % (ty.align().min(8) as u64) != 0 {
            return None;
        }
        let first = (off / 8) as usize;
        let last = ((off + ty.size() as u64 - 1) / 8) as usize;
        for slot in cls.iter_mut().take(last.min(n - 1) + 1).skip(first) {
            *slot = Some(match (*slot, c) {
                (Some(EbClass::Int), _) | (_, EbClass::Int) => EbClass::Int,
                _ => EbClass::Sse,
            });
        }
    }
    Some(
        cls.iter()
            .enumerate()
            .map(|(i, c)| Eightbyte {
                class: c.unwrap_or(EbClass::Sse),
                size: (l.size - 8 * i as u64).min(8) as u8,
            })
            .collect(),
    )
}

/// Where one argument travels.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgLoc {
    /// Scalar in a register (GPR or XMM).
    Reg(Reg),
    /// I128 in two GPRs (low, high).
    Pair(Reg, Reg),
    /// Scalar, I128 or F80 at this offset of the argument area.
    Stack(u64),
    /// Aggregate in registers, one per eightbyte.
    AggRegs(Vec<(Reg, Eightbyte)>),
    /// Aggregate copied to this offset of the argument area.
    AggStack(u64, u64),
}

pub struct ArgAssignment {
    pub locs: Vec<ArgLoc>,
    /// Outgoing area size (rounded to 16).
    pub stack_bytes: u64,
    /// Bytes of stack the arguments occupy (where variadic ones start).
    pub stack_used: u64,
    pub gprs_used: usize,
    pub xmms_used: usize,
    /// Where the hidden return pointer travels (with `sret`).
    pub sret_loc: Option<ArgLoc>,
}

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}

/// Assign locations; `sret` reserves %rdi for the hidden return pointer.
pub fn assign_args(params: &[AbiType], sret: bool) -> ArgAssignment {
    let mut gi = usize::from(sret);
    let mut xi = 0usize;
    let mut stack = 0u64;
    let mut locs = Vec::with_capacity(params.len());
    for p in params {
        let loc = match p {
            AbiType::Scalar(t) => match t {
                Type::F32 | Type::F64 | Type::F128 if xi < 8 => {
                    xi += 1;
                    ArgLoc::Reg(xmm(xi as u32 - 1))
                }
                Type::I128 if gi + 2 <= 6 => {
                    gi += 2;
                    ArgLoc::Pair(ARG_GPRS[gi - 2], ARG_GPRS[gi - 1])
                }
                Type::I128 | Type::F80 | Type::F128 => {
                    stack = align_up(stack, 16);
                    stack += 16;
                    ArgLoc::Stack(stack - 16)
                }
                Type::F32 | Type::F64 => {
                    stack += 8;
                    ArgLoc::Stack(stack - 8)
                }
                _ if gi < 6 => {
                    gi += 1;
                    ArgLoc::Reg(ARG_GPRS[gi - 1])
                }
                _ => {
                    stack += 8;
                    ArgLoc::Stack(stack - 8)
                }
            },
            AbiType::Aggregate(l) => {
                let regs = classify(l).and_then(|ebs| {
                    let ni = ebs.iter().filter(|e| e.class == EbClass::Int).count();
                    let nx = ebs.len() - ni;
                    if gi + ni > 6 || xi + nx > 8 {
                        return None;
                    }
                    Some(
                        ebs.into_iter()
                            .map(|e| {
                                let r = if e.class == EbClass::Int {
                                    gi += 1;
                                    ARG_GPRS[gi - 1]
                                } else {
                                    xi += 1;
                                    xmm(xi as u32 - 1)
                                };
                                (r, e)
                            })
                            .collect::<Vec<_>>(),
                    )
                });
                match regs {
                    Some(r) => ArgLoc::AggRegs(r),
                    None => {
                        if l.align > 8 {
                            stack = align_up(stack, 16);
                        }
                        let off = stack;
                        stack += align_up(l.size, 8);
                        ArgLoc::AggStack(off, l.size)
                    }
                }
            }
        };
        locs.push(loc);
    }
    let sret_loc = sret.then_some(ArgLoc::Reg(RDI));
    ArgAssignment { locs, stack_bytes: align_up(stack, 16), stack_used: stack, gprs_used: gi, xmms_used: xi, sret_loc }
}

/// Where a return value travels.
#[derive(Clone, Debug, PartialEq)]
pub enum RetLoc {
    Void,
    Reg(Reg),
    Pair,
    X87,
    AggRegs(Vec<(Reg, Eightbyte)>),
    /// `struct { long double }` in %st0, or `_Complex long double` in %st0/%st1 (X87 class).
    AggX87(u8),
    Sret,
}

pub fn ret_loc(sig: &Signature) -> RetLoc {
    match &sig.ret {
        None => RetLoc::Void,
        Some(AbiType::Scalar(t)) => match t {
            Type::F32 | Type::F64 => RetLoc::Reg(xmm(0)),
            Type::F80 => RetLoc::X87,
            Type::F128 => RetLoc::Reg(xmm(0)),
            Type::I128 => RetLoc::Pair,
            _ => RetLoc::Reg(RAX),
        },
        // GNU C empty structs occupy nothing, also as return values
        Some(AbiType::Aggregate(l)) if l.size == 0 => RetLoc::Void,
        Some(AbiType::Aggregate(l)) if !l.force_memory && l.size == 16 && l.leaves.iter().all(|&(o, t)| o == 0 && t == Type::F80) && !l.leaves.is_empty() => RetLoc::AggX87(1),
        Some(AbiType::Aggregate(l)) if !l.force_memory && l.size == 32 && l.leaves == [(0, Type::F80), (16, Type::F80)] => RetLoc::AggX87(2),
        Some(AbiType::Aggregate(l)) => match classify(l) {
            None => RetLoc::Sret,
            Some(ebs) => {
                let (mut gi, mut xi) = (0, 0);
                RetLoc::AggRegs(
                    ebs.into_iter()
                        .map(|e| {
                            let r = if e.class == EbClass::Int {
                                gi += 1;
                                [RAX, RDX][gi - 1]
                            } else {
                                xi += 1;
                                xmm(xi as u32 - 1)
                            };
                            (r, e)
                        })
                        .collect(),
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lay(size: u64, leaves: &[(u64, Type)]) -> AggLayout {
        AggLayout { size, align: 8, leaves: leaves.to_vec(), force_memory: false }
    }

    #[test]
    fn classification() {
        let ints = classify(&lay(16, &[(0, Type::I64), (8, Type::I32)])).unwrap();
        assert_eq!(ints.iter().map(|e| e.class).collect::<Vec<_>>(), vec![EbClass::Int, EbClass::Int]);
        let mixed = classify(&lay(16, &[(0, Type::F64), (8, Type::I32), (12, Type::F32)])).unwrap();
        assert_eq!(mixed[0].class, EbClass::Sse);
        assert_eq!(mixed[1].class, EbClass::Int);
        let fl = classify(&lay(8, &[(0, Type::F32), (4, Type::F32)])).unwrap();
        assert_eq!(fl, vec![Eightbyte { class: EbClass::Sse, size: 8 }]);
        assert!(classify(&lay(24, &[(0, Type::I64)])).is_none());
        assert!(classify(&lay(16, &[(0, Type::F80)])).is_none());
        let odd = classify(&lay(12, &[(0, Type::I32), (4, Type::I32), (8, Type::I32)])).unwrap();
        assert_eq!(odd[1].size, 4);
    }

    #[test]
    fn many_args_spill_to_stack() {
        let mut params = vec![AbiType::Scalar(Type::I64); 8];
        params.push(AbiType::Scalar(Type::F64));
        let a = assign_args(&params, false);
        assert_eq!(a.locs[5], ArgLoc::Reg(R9));
        assert_eq!(a.locs[6], ArgLoc::Stack(0));
        assert_eq!(a.locs[7], ArgLoc::Stack(8));
        assert_eq!(a.locs[8], ArgLoc::Reg(xmm(0)));
        assert_eq!(a.stack_bytes, 16);
    }
}
