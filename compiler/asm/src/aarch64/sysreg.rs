//! A64 system names: registers for `mrs`/`msr` and the operations of the `sys` aliases
//! (`dc`, `ic`, `at`, `tlbi`), as GNU as 2.40 spells them (aarch64-opc.c tables).

/// (op0, op1, CRn, CRm, op2) of a system register.
type SysReg = (u32, u32, u32, u32, u32);

static SYSREGS: &[(&str, SysReg)] = &[
    // Special-purpose and PSTATE.
    ("nzcv", (3, 3, 4, 2, 0)),
    ("daif", (3, 3, 4, 2, 1)),
    ("fpcr", (3, 3, 4, 4, 0)),
    ("fpsr", (3, 3, 4, 4, 1)),
    ("currentel", (3, 0, 4, 2, 2)),
    ("spsel", (3, 0, 4, 2, 0)),
    ("sp_el0", (3, 0, 4, 1, 0)),
    ("sp_el1", (3, 4, 4, 1, 0)),
    ("elr_el1", (3, 0, 4, 0, 1)),
    ("spsr_el1", (3, 0, 4, 0, 0)),
    ("elr_el2", (3, 4, 4, 0, 1)),
    ("spsr_el2", (3, 4, 4, 0, 0)),
    // Identification.
    ("midr_el1", (3, 0, 0, 0, 0)),
    ("mpidr_el1", (3, 0, 0, 0, 5)),
    ("revidr_el1", (3, 0, 0, 0, 6)),
    ("ctr_el0", (3, 3, 0, 0, 1)),
    ("dczid_el0", (3, 3, 0, 0, 7)),
    ("ccsidr_el1", (3, 1, 0, 0, 0)),
    ("clidr_el1", (3, 1, 0, 0, 1)),
    ("aidr_el1", (3, 1, 0, 0, 7)),
    ("csselr_el1", (3, 2, 0, 0, 0)),
    ("id_aa64pfr0_el1", (3, 0, 0, 4, 0)),
    ("id_aa64pfr1_el1", (3, 0, 0, 4, 1)),
    ("id_aa64dfr0_el1", (3, 0, 0, 5, 0)),
    ("id_aa64dfr1_el1", (3, 0, 0, 5, 1)),
    ("id_aa64afr0_el1", (3, 0, 0, 5, 4)),
    ("id_aa64afr1_el1", (3, 0, 0, 5, 5)),
    ("id_aa64isar0_el1", (3, 0, 0, 6, 0)),
    ("id_aa64isar1_el1", (3, 0, 0, 6, 1)),
    ("id_aa64mmfr0_el1", (3, 0, 0, 7, 0)),
    ("id_aa64mmfr1_el1", (3, 0, 0, 7, 1)),
    ("id_aa64mmfr2_el1", (3, 0, 0, 7, 2)),
    // EL1 system control, memory and exceptions.
    ("sctlr_el1", (3, 0, 1, 0, 0)),
    ("actlr_el1", (3, 0, 1, 0, 1)),
    ("cpacr_el1", (3, 0, 1, 0, 2)),
    ("ttbr0_el1", (3, 0, 2, 0, 0)),
    ("ttbr1_el1", (3, 0, 2, 0, 1)),
    ("tcr_el1", (3, 0, 2, 0, 2)),
    ("afsr0_el1", (3, 0, 5, 1, 0)),
    ("afsr1_el1", (3, 0, 5, 1, 1)),
    ("esr_el1", (3, 0, 5, 2, 0)),
    ("far_el1", (3, 0, 6, 0, 0)),
    ("par_el1", (3, 0, 7, 4, 0)),
    ("mair_el1", (3, 0, 10, 2, 0)),
    ("amair_el1", (3, 0, 10, 3, 0)),
    ("vbar_el1", (3, 0, 12, 0, 0)),
    ("isr_el1", (3, 0, 12, 1, 0)),
    ("contextidr_el1", (3, 0, 13, 0, 1)),
    ("tpidr_el0", (3, 3, 13, 0, 2)),
    ("tpidrro_el0", (3, 3, 13, 0, 3)),
    ("tpidr_el1", (3, 0, 13, 0, 4)),
    ("tpidr_el2", (3, 4, 13, 0, 2)),
    // EL2.
    ("sctlr_el2", (3, 4, 1, 0, 0)),
    ("hcr_el2", (3, 4, 1, 1, 0)),
    ("mdcr_el2", (3, 4, 1, 1, 1)),
    ("cptr_el2", (3, 4, 1, 1, 2)),
    ("hstr_el2", (3, 4, 1, 1, 3)),
    ("ttbr0_el2", (3, 4, 2, 0, 0)),
    ("tcr_el2", (3, 4, 2, 0, 2)),
    ("vttbr_el2", (3, 4, 2, 1, 0)),
    ("vtcr_el2", (3, 4, 2, 1, 2)),
    ("esr_el2", (3, 4, 5, 2, 0)),
    ("far_el2", (3, 4, 6, 0, 0)),
    ("mair_el2", (3, 4, 10, 2, 0)),
    ("vbar_el2", (3, 4, 12, 0, 0)),
    ("vpidr_el2", (3, 4, 0, 0, 0)),
    ("vmpidr_el2", (3, 4, 0, 0, 5)),
    // Generic timer.
    ("cntfrq_el0", (3, 3, 14, 0, 0)),
    ("cntpct_el0", (3, 3, 14, 0, 1)),
    ("cntvct_el0", (3, 3, 14, 0, 2)),
    ("cntkctl_el1", (3, 0, 14, 1, 0)),
    ("cntp_tval_el0", (3, 3, 14, 2, 0)),
    ("cntp_ctl_el0", (3, 3, 14, 2, 1)),
    ("cntp_cval_el0", (3, 3, 14, 2, 2)),
    ("cntv_tval_el0", (3, 3, 14, 3, 0)),
    ("cntv_ctl_el0", (3, 3, 14, 3, 1)),
    ("cntv_cval_el0", (3, 3, 14, 3, 2)),
    ("cnthctl_el2", (3, 4, 14, 1, 0)),
    ("cntvoff_el2", (3, 4, 14, 0, 3)),
    // Debug.
    ("mdscr_el1", (2, 0, 0, 2, 2)),
    ("mdccsr_el0", (2, 3, 0, 1, 0)),
    ("oslar_el1", (2, 0, 1, 0, 4)),
    ("oslsr_el1", (2, 0, 1, 1, 4)),
    ("osdlr_el1", (2, 0, 1, 3, 4)),
    // Performance monitors.
    ("pmcr_el0", (3, 3, 9, 12, 0)),
    ("pmcntenset_el0", (3, 3, 9, 12, 1)),
    ("pmcntenclr_el0", (3, 3, 9, 12, 2)),
    ("pmovsclr_el0", (3, 3, 9, 12, 3)),
    ("pmswinc_el0", (3, 3, 9, 12, 4)),
    ("pmselr_el0", (3, 3, 9, 12, 5)),
    ("pmceid0_el0", (3, 3, 9, 12, 6)),
    ("pmceid1_el0", (3, 3, 9, 12, 7)),
    ("pmccntr_el0", (3, 3, 9, 13, 0)),
    ("pmxevtyper_el0", (3, 3, 9, 13, 1)),
    ("pmxevcntr_el0", (3, 3, 9, 13, 2)),
    ("pmuserenr_el0", (3, 3, 9, 14, 0)),
    ("pmintenset_el1", (3, 0, 9, 14, 1)),
    ("pmintenclr_el1", (3, 0, 9, 14, 2)),
    ("pmovsset_el0", (3, 3, 9, 14, 3)),
    ("pmccfiltr_el0", (3, 3, 14, 15, 7)),
];

/// The 16-bit op0:op1:CRn:CRm:op2 field (bits 20:5 of `mrs`/`msr`) of a register named
/// `name` (lower case) or written `s<op0>_<op1>_c<n>_c<m>_<op2>` (any op0, as GNU as takes).
pub fn sysreg(name: &str) -> Option<u32> {
    let enc = |(op0, op1, crn, crm, op2): SysReg| op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2;
    if let Some(rest) = name.strip_prefix('s') {
        let p: Vec<&str> = rest.split('_').collect();
        if let [a, b, c, d, e] = p[..] {
            let num = |s: &str, max: u32| s.parse::<u32>().ok().filter(|v| *v <= max);
            let cr = |s: &str| s.strip_prefix('c').and_then(|s| num(s, 15));
            if let (Some(a), Some(b), Some(c), Some(d), Some(e)) = (num(a, 3), num(b, 7), cr(c), cr(d), num(e, 7)) {
                return Some(enc((a, b, c, d, e)));
            }
        }
    }
    SYSREGS.iter().find(|(n, _)| *n == name).map(|(_, r)| enc(*r))
}

/// Whether a `sys` alias operation takes a register operand.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rt {
    Needed,
    None,
}

/// (op1, CRn, CRm, op2, register) of each `dc`/`ic`/`at`/`tlbi` operation.
type SysOp = (&'static str, (u32, u32, u32, u32, Rt));

static DC: &[SysOp] = &[
    ("ivac", (0, 7, 6, 1, Rt::Needed)),
    ("isw", (0, 7, 6, 2, Rt::Needed)),
    ("csw", (0, 7, 10, 2, Rt::Needed)),
    ("cisw", (0, 7, 14, 2, Rt::Needed)),
    ("zva", (3, 7, 4, 1, Rt::Needed)),
    ("cvac", (3, 7, 10, 1, Rt::Needed)),
    ("cvau", (3, 7, 11, 1, Rt::Needed)),
    ("civac", (3, 7, 14, 1, Rt::Needed)),
];

static IC: &[SysOp] = &[("ialluis", (0, 7, 1, 0, Rt::None)), ("iallu", (0, 7, 5, 0, Rt::None)), ("ivau", (3, 7, 5, 1, Rt::Needed))];

static AT: &[SysOp] = &[
    ("s1e1r", (0, 7, 8, 0, Rt::Needed)),
    ("s1e1w", (0, 7, 8, 1, Rt::Needed)),
    ("s1e0r", (0, 7, 8, 2, Rt::Needed)),
    ("s1e0w", (0, 7, 8, 3, Rt::Needed)),
    ("s1e2r", (4, 7, 8, 0, Rt::Needed)),
    ("s1e2w", (4, 7, 8, 1, Rt::Needed)),
    ("s12e1r", (4, 7, 8, 4, Rt::Needed)),
    ("s12e1w", (4, 7, 8, 5, Rt::Needed)),
    ("s12e0r", (4, 7, 8, 6, Rt::Needed)),
    ("s12e0w", (4, 7, 8, 7, Rt::Needed)),
];

static TLBI: &[SysOp] = &[
    ("vmalle1is", (0, 8, 3, 0, Rt::None)),
    ("vae1is", (0, 8, 3, 1, Rt::Needed)),
    ("aside1is", (0, 8, 3, 2, Rt::Needed)),
    ("vaae1is", (0, 8, 3, 3, Rt::Needed)),
    ("vale1is", (0, 8, 3, 5, Rt::Needed)),
    ("vaale1is", (0, 8, 3, 7, Rt::Needed)),
    ("vmalle1", (0, 8, 7, 0, Rt::None)),
    ("vae1", (0, 8, 7, 1, Rt::Needed)),
    ("aside1", (0, 8, 7, 2, Rt::Needed)),
    ("vaae1", (0, 8, 7, 3, Rt::Needed)),
    ("vale1", (0, 8, 7, 5, Rt::Needed)),
    ("vaale1", (0, 8, 7, 7, Rt::Needed)),
    ("ipas2e1is", (4, 8, 0, 1, Rt::Needed)),
    ("ipas2le1is", (4, 8, 0, 5, Rt::Needed)),
    ("alle2is", (4, 8, 3, 0, Rt::None)),
    ("vae2is", (4, 8, 3, 1, Rt::Needed)),
    ("alle1is", (4, 8, 3, 4, Rt::None)),
    ("vale2is", (4, 8, 3, 5, Rt::Needed)),
    ("vmalls12e1is", (4, 8, 3, 6, Rt::None)),
    ("ipas2e1", (4, 8, 4, 1, Rt::Needed)),
    ("ipas2le1", (4, 8, 4, 5, Rt::Needed)),
    ("alle2", (4, 8, 7, 0, Rt::None)),
    ("vae2", (4, 8, 7, 1, Rt::Needed)),
    ("alle1", (4, 8, 7, 4, Rt::None)),
    ("vale2", (4, 8, 7, 5, Rt::Needed)),
    ("vmalls12e1", (4, 8, 7, 6, Rt::None)),
    ("alle3is", (6, 8, 3, 0, Rt::None)),
    ("alle3", (6, 8, 7, 0, Rt::None)),
];

/// The `sys` fields (op1 << 16 | CRn << 12 | CRm << 8 | op2 << 5) of `mnemonic op` and
/// whether it takes a register; None for an unknown operation.
pub fn sys_alias(mnemonic: &str, op: &str) -> Option<(u32, Rt)> {
    let table = match mnemonic {
        "dc" => DC,
        "ic" => IC,
        "at" => AT,
        "tlbi" => TLBI,
        _ => return None,
    };
    table.iter().find(|(n, _)| *n == op).map(|(_, (op1, crn, crm, op2, rt))| (op1 << 16 | crn << 12 | crm << 8 | op2 << 5, *rt))
}
