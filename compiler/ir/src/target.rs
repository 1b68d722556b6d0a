//! What the front end and the backends need to know about a target. One
//! table per architecture: the data varies, the code that reads it does not.

use crate::types::Type;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    /// 32-bit x86 (`-m32`, and `-m16` under `.code16gcc`): ILP32, cdecl.
    I386,
    Aarch64,
    Riscv64,
}

/// How `va_list` is represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaListKind {
    /// SysV x86-64: `struct { u32 gp_offset, fp_offset; void *overflow, *reg_save; }[1]`.
    X86_64Array,
    /// AAPCS64: `struct { void *stack, *gr_top, *vr_top; int gr_offs, vr_offs; }`.
    Aapcs64Struct,
    /// RISC-V: a plain `void *`.
    Pointer,
}

/// A GNU nested function's trampoline: code written to the stack that loads
/// the static chain register and jumps to the function. The front end fills
/// it with stores: `code` pieces at their offsets, then the function's and
/// the chain's addresses (8 bytes each) at `func_offset` and `chain_offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trampoline {
    pub size: u32,
    pub align: u32,
    pub code: &'static [(u32, &'static [u8])],
    pub func_offset: u32,
    pub chain_offset: u32,
    /// Call `__clear_cache` over the trampoline once written (instruction
    /// caches that do not snoop data writes: AArch64).
    pub flush_icache: bool,
}

/// GCC's x86-64 trampoline: `movabs $fn, %r11; movabs $chain, %r10;
/// jmp *%r11; nop`.
const X86_64_TRAMPOLINE: Trampoline = Trampoline {
    size: 24,
    align: 16,
    code: &[(0, &[0x49, 0xbb]), (10, &[0x49, 0xba]), (20, &[0x49, 0xff, 0xe3, 0x90])],
    func_offset: 2,
    chain_offset: 12,
    flush_icache: false,
};

/// GCC's RV64 trampoline: `auipc t2, 0; ld t0, 24(t2); ld t2, 16(t2);
/// jr t0`, then the chain and the function's address. (qemu-user and
/// Linux keep the instruction cache coherent for the stack pages we use.)
const RISCV64_TRAMPOLINE: Trampoline = Trampoline {
    size: 32,
    align: 8,
    code: &[(0, &[0x97, 0x03, 0x00, 0x00, 0x83, 0xb2, 0x83, 0x01, 0x83, 0xb3, 0x03, 0x01, 0x67, 0x80, 0x02, 0x00])],
    func_offset: 24,
    chain_offset: 16,
    flush_icache: false,
};

/// AArch64 trampoline: `ldr x17, .+16; ldr x18, .+20; br x17; nop`, then
/// the function's address and the chain (x18 is GCC's static chain register).
const AARCH64_TRAMPOLINE: Trampoline = Trampoline {
    size: 32,
    align: 8,
    code: &[(0, &[0x91, 0x00, 0x00, 0x58, 0xb2, 0x00, 0x00, 0x58, 0x20, 0x02, 0x1f, 0xd6, 0x1f, 0x20, 0x03, 0xd5])],
    func_offset: 16,
    chain_offset: 24,
    flush_icache: true,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    pub arch: Arch,
    /// `char` is signed (x86-64) or unsigned (AArch64, RISC-V).
    pub char_signed: bool,
    /// IR type of `long double`.
    pub long_double: Type,
    pub long_double_size: u32,
    pub long_double_align: u32,
    pub va_list: VaListKind,
    pub va_list_size: u32,
    pub va_list_align: u32,
    /// `wchar_t` is `int` (signed) on x86-64 and RISC-V, `unsigned int` on AArch64.
    pub wchar_signed: bool,
    /// The GNU triple (`-dumpmachine`).
    pub triple: &'static str,
    /// How to build a nested-function trampoline (`None`: not supported yet).
    pub trampoline: Option<Trampoline>,
    /// `sizeof(void *)` (the size of `Type::Ptr`).
    pub ptr_size: u32,
    /// `sizeof(long)`.
    pub long_size: u32,
    /// Alignment of `long long`, `double` (and their complex forms) as
    /// struct members and in arrays: 4 on i386 (GCC's `-m32` layout).
    pub int64_field_align: u32,
}

impl TargetInfo {
    pub fn for_arch(arch: Arch) -> TargetInfo {
        match arch {
            Arch::X86_64 => TargetInfo {
                arch,
                char_signed: true,
                long_double: Type::F80,
                long_double_size: 16,
                long_double_align: 16,
                va_list: VaListKind::X86_64Array,
                va_list_size: 24,
                va_list_align: 8,
                wchar_signed: true,
                triple: "x86_64-linux-gnu",
                trampoline: Some(X86_64_TRAMPOLINE),
                ptr_size: 8,
                long_size: 8,
                int64_field_align: 8,
            },
            Arch::I386 => TargetInfo {
                arch,
                char_signed: true,
                long_double: Type::F80,
                long_double_size: 12,
                long_double_align: 4,
                va_list: VaListKind::Pointer,
                va_list_size: 4,
                va_list_align: 4,
                wchar_signed: true,
                triple: "i386-linux-gnu",
                // GCC's is `movl $chain, %ecx; jmp rel32`, whose displacement
                // the front end's absolute-address stores cannot fill yet.
                trampoline: None,
                ptr_size: 4,
                long_size: 4,
                int64_field_align: 4,
            },
            Arch::Aarch64 => TargetInfo {
                arch,
                char_signed: false,
                long_double: Type::F128,
                long_double_size: 16,
                long_double_align: 16,
                va_list: VaListKind::Aapcs64Struct,
                va_list_size: 32,
                va_list_align: 8,
                wchar_signed: false,
                triple: "aarch64-linux-gnu",
                trampoline: Some(AARCH64_TRAMPOLINE),
                ptr_size: 8,
                long_size: 8,
                int64_field_align: 8,
            },
            Arch::Riscv64 => TargetInfo {
                arch,
                char_signed: false,
                long_double: Type::F128,
                long_double_size: 16,
                long_double_align: 16,
                va_list: VaListKind::Pointer,
                va_list_size: 8,
                va_list_align: 8,
                wchar_signed: true,
                triple: "riscv64-linux-gnu",
                trampoline: Some(RISCV64_TRAMPOLINE),
                ptr_size: 8,
                long_size: 8,
                int64_field_align: 8,
            },
        }
    }
}

impl TargetInfo {
    /// Size `Type::Ptr` for this target on the current thread: call before
    /// lowering, optimising or generating code for it.
    pub fn enter(&self) {
        crate::types::set_ptr_size(self.ptr_size);
    }
}

/// Code generation options that reach the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodegenOptions {
    /// 0..=3; `-Os`/`-Oz` count as 2.
    pub opt_level: u8,
    pub optimize_size: bool,
    /// `-fPIC`/`-fpic`: code for shared objects (calls via PLT, data via GOT).
    pub pic: bool,
    /// `-fPIE`/`-fpie`: position independent executable (local symbols direct).
    pub pie: bool,
    /// `-fno-plt`.
    pub no_plt: bool,
    /// `-mcmodel=`: "small", "kernel", "medany", "medlow", "large", "tiny".
    pub code_model: String,
    /// `-mno-red-zone` (x86-64 kernels).
    pub red_zone: bool,
    /// `-mgeneral-regs-only` / `-mno-sse`: no FP/SIMD registers.
    pub general_regs_only: bool,
    /// `-ffunction-sections` / `-fdata-sections`.
    pub function_sections: bool,
    pub data_sections: bool,
    /// `-fno-omit-frame-pointer` is the default; `-fomit-frame-pointer` clears it.
    pub frame_pointer: bool,
    /// `-g`.
    pub debug_info: bool,
    /// `-fno-asynchronous-unwind-tables` clears it.
    pub unwind_tables: bool,
    /// `-m16` (x86 real-mode code).
    pub code16: bool,
    /// `-mregparm=N` (i386): integer arguments in eax, edx, ecx.
    pub regparm: u8,
    /// The `-march=` value (empty: the target's default), for optional
    /// instructions such as AArch64's LSE atomics.
    pub march: String,
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            opt_level: 0,
            optimize_size: false,
            pic: false,
            pie: false,
            no_plt: false,
            code_model: String::new(),
            red_zone: true,
            general_regs_only: false,
            function_sections: false,
            data_sections: false,
            frame_pointer: true,
            debug_info: false,
            unwind_tables: true,
            code16: false,
            regparm: 0,
            march: String::new(),
        }
    }
}
