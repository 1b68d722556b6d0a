//! RISC-V 64 (RV64GC): instructions, GNU as's compression and branch relaxation, linker
//! relaxation relocations (`R_RISCV_RELAX`, `R_RISCV_ALIGN`, ADD/SUB pairs), mapping
//! symbols, `.option` and `.riscv.attributes`.

mod attrs;
mod compress;
mod insn;
pub mod operand;

use std::collections::HashMap;

use crate::assembler::{Assembler, Emit, Ev};
use crate::expr::Modifier;
use crate::lex::{split_commas, Tok};
use crate::section::{FixKind, Fixup, SecId};
use crate::symbols::Def;
use crate::Arch;

pub struct Riscv64;

pub static RISCV64_ARCH: Riscv64 = Riscv64;

pub mod reloc {
    pub const R_32: u32 = 1;
    pub const R_64: u32 = 2;
    pub const BRANCH: u32 = 16;
    pub const JAL: u32 = 17;
    pub const CALL_PLT: u32 = 19;
    pub const GOT_HI20: u32 = 20;
    pub const TLS_GOT_HI20: u32 = 21;
    pub const TLS_GD_HI20: u32 = 22;
    pub const PCREL_HI20: u32 = 23;
    pub const PCREL_LO12_I: u32 = 24;
    pub const PCREL_LO12_S: u32 = 25;
    pub const HI20: u32 = 26;
    pub const LO12_I: u32 = 27;
    pub const LO12_S: u32 = 28;
    pub const TPREL_HI20: u32 = 29;
    pub const TPREL_LO12_I: u32 = 30;
    pub const TPREL_LO12_S: u32 = 31;
    pub const TPREL_ADD: u32 = 32;
    pub const ADD8: u32 = 33;
    pub const ADD16: u32 = 34;
    pub const ADD32: u32 = 35;
    pub const ADD64: u32 = 36;
    pub const SUB8: u32 = 37;
    pub const SUB16: u32 = 38;
    pub const SUB32: u32 = 39;
    pub const SUB64: u32 = 40;
    pub const ALIGN: u32 = 43;
    pub const RVC_BRANCH: u32 = 44;
    pub const RVC_JUMP: u32 = 45;
    pub const RELAX: u32 = 51;
    pub const SUB6: u32 = 52;
    pub const SET6: u32 = 53;
    pub const SET8: u32 = 54;
    pub const SET16: u32 = 55;
    pub const SET32: u32 = 56;
    pub const PCREL_32: u32 = 57;
    pub const DTPREL32: u32 = 9;
    pub const DTPREL64: u32 = 11;
}
use reloc::*;

/// Set in a [`FixKind::Mach`] kind when the fixup was made with relaxation on.
pub const RELAX_BIT: u16 = 0x100;
pub const EF_RISCV_RVC: u32 = 1;
const EF_RISCV_FLOAT_ABI_DOUBLE: u32 = 4;

/// Per-section mapping symbol state.
#[derive(Default)]
struct MapState {
    /// Last state: Some(true) code, Some(false) data.
    code: Option<bool>,
    /// The arch string of the last `$x<arch>` symbol.
    arch: Option<String>,
    /// The last mapping symbol and where it is.
    last: Option<(u32, u32, u32)>,
}

pub struct State {
    /// Versions left out of ISA strings default to ISA spec 2.2 (GNU as's default here).
    old_spec: bool,
    pub rvc: bool,
    pub relax: bool,
    pub pic: bool,
    stack: Vec<(bool, bool, bool, String)>,
    /// Current ISA string, canonical (as in `$x` symbols).
    arch: String,
    /// A `.attribute` directive was seen: GNU as then writes the section (and the ISA in it)
    /// even under `-mno-arch-attr`.
    explicit_attrs: bool,
    /// `.attribute` values (number tags) in the order GNU as writes them (by tag).
    attrs: std::collections::BTreeMap<u64, attrs::Val>,
    map: HashMap<SecId, MapState>,
}

fn old_spec(o: &crate::Options) -> bool {
    !matches!(o.isa_spec.as_deref(), Some("20190608" | "20191213"))
}

/// The target state, made on first use.
pub fn state<'s>(asm: &'s mut Assembler) -> &'s mut State {
    if asm.target.is_none() {
        asm.linker_relax = true;
        // GNU as's default ISA here (no `-march=`, no `.attribute arch`) has no C; a bad
        // `-march=` was reported by `check_options`.
        let old_spec = old_spec(&asm.opts);
        let arch = attrs::canonical(asm.opts.march.as_deref().unwrap_or("rv64imafd"), old_spec).unwrap_or_default();
        let rvc = has_c(&arch);
        if rvc {
            asm.elf_flags_extra |= EF_RISCV_RVC;
        }
        asm.elf_flags_extra |= match asm.opts.mabi.as_deref() {
            Some("lp64") => 0,
            Some("lp64f") => 2,
            Some("lp64q") => 6,
            _ => EF_RISCV_FLOAT_ABI_DOUBLE,
        };
        let relax = asm.opts.relax;
        let pic = asm.opts.pic;
        asm.target = Some(Box::new(State { rvc, relax, pic, old_spec, stack: Vec::new(), arch, explicit_attrs: false, attrs: Default::default(), map: HashMap::new() }));
        // GNU as aligns `.text` to the instruction size of the ISA it starts with.
        asm.sections[0].align = asm.sections[0].align.max(if rvc { 2 } else { 4 });
    }
    asm.target.as_mut().and_then(|b| b.downcast_mut::<State>()).expect("RISC-V state")
}

/// Enter code (`code`) or data in the current section: GNU as's mapping symbols `$x<isa>`
/// (first instruction, or after the ISA changed), `$x` and `$d`, in code sections only.
pub fn map_state(asm: &mut Assembler, code: bool) {
    if !asm.sec().is_code() {
        return;
    }
    let sec = asm.cur;
    let st = state(asm);
    let arch = st.arch.clone();
    let e = st.map.entry(sec).or_default();
    let name = if code && e.arch.as_deref() != Some(arch.as_str()) {
        e.arch = Some(arch.clone());
        format!("$x{arch}")
    } else if e.code == Some(code) {
        return;
    } else if code {
        "$x".to_string()
    } else {
        "$d".to_string()
    };
    e.code = Some(code);
    let prev = e.last;
    let (frag, off) = asm.sec().pos();
    // A mapping symbol at the same place as the previous one replaces it.
    if let Some((pid, pf, po)) = prev {
        if pf == frag && po == off {
            asm.syms.sym_mut(pid).temp = true;
        }
    }
    let id = asm.syms.push(name, false);
    asm.syms.sym_mut(id).def = Def::Label { sec, frag, off };
    asm.order.push(Ev::Sym(id));
    if let Some(e) = state(asm).map.get_mut(&sec) {
        e.last = Some((id, frag, off));
    }
}

fn set_arch(asm: &mut Assembler, s: &str, attribute: bool) -> Result<(), String> {
    let old = state(asm).old_spec;
    let canon = attrs::canonical(s, old)?;
    let st = state(asm);
    st.rvc = has_c(&canon);
    st.arch = canon.clone();
    if attribute {
        st.attrs.insert(attrs::TAG_ARCH, attrs::Val::Str(canon));
    }
    if st.rvc {
        asm.elf_flags_extra |= EF_RISCV_RVC;
    }
    Ok(())
}

/// A CSR instruction records the privileged spec GNU as assumes (1.11) unless the source
/// named one.
pub fn csr_used(asm: &mut Assembler) {
    let st = state(asm);
    if !st.attrs.contains_key(&attrs::TAG_PRIV_SPEC) {
        st.attrs.insert(attrs::TAG_PRIV_SPEC, attrs::Val::Int(1));
        st.attrs.insert(attrs::TAG_PRIV_SPEC_MINOR, attrs::Val::Int(11));
    }
}

/// The canonical ISA string has the C extension.
fn has_c(canon: &str) -> bool {
    canon.trim_start_matches("rv64").split('_').any(|p| p.starts_with('c') && p[1..].starts_with(|c: char| c.is_ascii_digit()))
}

impl Riscv64 {
    fn option(&self, asm: &mut Assembler, args: &[Tok]) -> Result<(), String> {
        let text = crate::directives::toks_text(args);
        let st = state(asm);
        match text.trim() {
            // (C comes and goes in the ISA string too: `$x` mapping symbols name it.)
            "rvc" => {
                st.rvc = true;
                if !has_c(&st.arch) {
                    let with_c = format!("{}_c2p0", st.arch);
                    st.arch = attrs::canonical(&with_c, st.old_spec)?;
                }
            }
            "norvc" => {
                st.rvc = false;
                let parts: Vec<&str> = st.arch.split('_').filter(|p| !(p.starts_with('c') && p[1..].starts_with(|c: char| c.is_ascii_digit()))).collect();
                st.arch = parts.join("_");
            }
            "relax" => st.relax = true,
            "norelax" => st.relax = false,
            "pic" => st.pic = true,
            "nopic" => st.pic = false,
            "push" => {
                let s = (st.rvc, st.relax, st.pic, st.arch.clone());
                st.stack.push(s);
            }
            "pop" => {
                let (rvc, relax, pic, arch) = st.stack.pop().ok_or(".option pop with no .option push")?;
                st.rvc = rvc;
                st.relax = relax;
                st.pic = pic;
                st.arch = arch;
            }
            "csr-check" | "no-csr-check" => {}
            t => {
                let Some(a) = t.strip_prefix("arch").map(|a| a.trim_start_matches([' ', ','])) else {
                    return Err(format!("unrecognized .option directive: {t}"));
                };
                let a = a.replace(' ', "");
                if a.is_empty() || a == "+" {
                    return Err(format!("bad .option arch: `{t}'"));
                }
                let full = if let Some(rest) = a.strip_prefix('+') {
                    let cur = state(asm).arch.clone();
                    format!("{cur}_{}", rest.replace(",+", "_"))
                } else if a.starts_with('-') {
                    return Err(format!("unsupported .option arch: {a}"));
                } else {
                    a
                };
                set_arch(asm, &full, false)?;
            }
        }
        if state(asm).rvc {
            asm.elf_flags_extra |= EF_RISCV_RVC;
        }
        Ok(())
    }

    fn attribute(&self, asm: &mut Assembler, args: &[Tok]) -> Result<(), String> {
        let list = split_commas(args);
        let [tag, val] = list[..] else { return Err("expected `.attribute tag, value'".into()) };
        state(asm).explicit_attrs = true;
        let tag = match tag {
            [Tok::Ident(n)] => attrs::tag_by_name(n).ok_or_else(|| format!("unknown attribute `{n}'"))?,
            t => asm.const_expr(t)? as u64,
        };
        match val {
            [Tok::Str(s)] => {
                let s = String::from_utf8_lossy(s).into_owned();
                if tag == attrs::TAG_ARCH {
                    return set_arch(asm, &s, true);
                }
                state(asm).attrs.insert(tag, attrs::Val::Str(s));
            }
            _ if tag == attrs::TAG_ARCH => return Err("the arch attribute takes a string".into()),
            t => {
                let v = asm.const_expr(t)?;
                state(asm).attrs.insert(tag, attrs::Val::Int(v as u64));
            }
        }
        Ok(())
    }

    fn data(&self, asm: &mut Assembler, args: &[Tok], size: u8, modifier: Option<Modifier>) -> Result<(), String> {
        asm.map_data();
        for t in split_commas(args) {
            let mut e = asm.parse_expr(t)?;
            if modifier.is_some() {
                e.modifier = modifier;
            }
            asm.emit_value(e, size)?;
        }
        Ok(())
    }
}

impl Arch for Riscv64 {
    fn instruction(&self, asm: &mut Assembler, mnemonic: &str, operands: &[Tok]) -> Result<(), String> {
        let ops = asm.with_reg_aliases(operands).into_owned();
        insn::assemble(asm, mnemonic, &ops)
    }

    fn dwarf_reg(&self, name: &str) -> Option<u64> {
        operand::dwarf(name)
    }

    fn cfi_ra_column(&self) -> u64 {
        1
    }

    fn cfi_initial(&self) -> Vec<u8> {
        // DW_CFA_def_cfa_register sp.
        vec![0x0d, 0x02]
    }

    fn cfi_initial_offset(&self) -> i64 {
        0
    }

    fn cfi_data_align(&self) -> i64 {
        -4
    }

    fn cfi_version(&self) -> u8 {
        3
    }

    fn cfa_relocs(&self, bits: u32) -> Option<(u32, u32)> {
        Some(match bits {
            6 => (SET6, SUB6),
            8 => (SET8, SUB8),
            16 => (SET16, SUB16),
            _ => (SET32, SUB32),
        })
    }

    fn nops(&self, n: usize) -> Vec<u8> {
        nops(n)
    }

    // RISC-V branches are `Tail::Mach` (GNU's own relaxation rule); the x86-style short/long
    // `Tail::Branch` is never made for this target.
    fn branch_size(&self, _cc: Option<u8>, _long: bool) -> u64 {
        4
    }

    fn branch_bytes(&self, _cc: Option<u8>, _long: bool, _disp: i64) -> (Vec<u8>, usize) {
        (Vec::new(), 0)
    }

    fn reloc_type(&self, kind: FixKind, m: Option<Modifier>, size: u8, pcrel: bool, _preemptible: bool) -> Result<u32, String> {
        Ok(match (m, pcrel, size) {
            (None, false, 8) => R_64,
            (None, false, 4) => R_32,
            (None, true, 4) => PCREL_32,
            (Some(Modifier::DtpOff), false, 4) => DTPREL32,
            (Some(Modifier::DtpOff), false, 8) => DTPREL64,
            _ => return Err(format!("unsupported relocation ({kind:?}, {m:?}, {size} bytes)")),
        })
    }

    fn elf_machine(&self) -> u16 {
        243
    }


    fn directive(&self, asm: &mut Assembler, name: &str, args: &[Tok]) -> Option<Result<(), String>> {
        state(asm);
        Some(match name {
            ".option" => self.option(asm, args),
            ".attribute" => self.attribute(asm, args),
            // (`.word` is `word_size`, `.align` `align_is_pow2`.)
            ".half" => self.data(asm, args, 2, None),
            ".dword" => self.data(asm, args, 8, None),
            ".dtprelword" => self.data(asm, args, 4, Some(Modifier::DtpOff)),
            ".dtpreldword" => self.data(asm, args, 8, Some(Modifier::DtpOff)),
            _ => return None,
        })
    }

    fn align_code(&self, asm: &mut Assembler, pow: u32) -> bool {
        let st = state(asm);
        let insn_align: u64 = if st.rvc { 2 } else { 4 };
        let relax = st.relax;
        let bytes = 1u64 << pow;
        if bytes <= insn_align {
            return true;
        }
        if !relax {
            return false;
        }
        // The worst case in NOPs and an R_RISCV_ALIGN: the linker deletes what is not needed.
        let n = bytes - insn_align;
        map_state(asm, true);
        let fix = Fixup { at: 0, size: 0, expr: crate::expr::Expr::Num(n as i64), modifier: None, kind: FixKind::Mach(ALIGN as u16), pc_adjust: 0 };
        asm.emit(Emit { bytes: nops(n as usize), fixups: vec![fix] });
        true
    }

    fn before_data(&self, asm: &mut Assembler) {
        map_state(asm, false);
    }

    fn finish(&self, asm: &mut Assembler) -> Result<(), String> {
        if let Some(m) = &asm.opts.march {
            attrs::canonical(m, old_spec(&asm.opts))?;
        }
        state(asm);
        // A mapping symbol at the very end of its section marks nothing.
        // (Where the symbol is now: subsections have been put in order.)
        let lasts: Vec<u32> = state(asm).map.values().filter_map(|m| m.last.map(|(id, _, _)| id)).collect();
        let ends: Vec<(u32, SecId, u32, u32)> = lasts
            .into_iter()
            .filter_map(|id| match asm.syms.sym(id).def {
                Def::Label { sec, frag, off } => Some((id, sec, frag, off)),
                _ => None,
            })
            .collect();
        for (id, sec, frag, off) in ends {
            let frags = &asm.sections[sec as usize].frags;
            let f = &frags[frag as usize];
            let at_end = off as usize == f.bytes.len()
                && matches!(f.tail, crate::section::Tail::None)
                && frags[frag as usize + 1..].iter().all(|f| f.bytes.is_empty() && matches!(f.tail, crate::section::Tail::None));
            if at_end {
                asm.syms.sym_mut(id).temp = true;
            }
        }
        // Code sections end padded to their alignment.
        for s in asm.sections.iter_mut().filter(|s| s.is_code()) {
            let pow = s.align.trailing_zeros();
            if pow > 0 {
                s.add_tail(crate::section::Tail::Align { pow, fill: None, max: u32::MAX, mode: 0 });
            }
        }
        // GNU fills code alignment with NOPs only if relaxation is off at the end of the file
        // (riscv_handle_align reads the final state); else with zeros.
        if state(asm).relax {
            for s in asm.sections.iter_mut().filter(|s| s.is_code()) {
                for f in &mut s.frags {
                    if let crate::section::Tail::Align { fill: fill @ None, .. } = &mut f.tail {
                        *fill = Some(0);
                    }
                }
            }
        }
        let arch_attr = asm.opts.arch_attr;
        let st = state(asm);
        let mut attrs = st.attrs.clone();
        // `-mno-arch-attr` and no `.attribute`: no section, not even for the CSRs' privileged
        // spec (riscv_write_out_attrs).
        if !arch_attr && !st.explicit_attrs {
            return Ok(());
        }
        attrs.entry(attrs::TAG_ARCH).or_insert_with(|| attrs::Val::Str(st.arch.clone()));
        let bytes = attrs::section(&attrs);
        let cur = asm.cur;
        let s = asm.section_by_name(".riscv.attributes", Some(0x7000_0003), Some(0), 0, None);
        asm.sections[s as usize].late_symbol = true;
        asm.sections[s as usize].emit(&bytes);
        asm.cur = cur;
        Ok(())
    }

    fn mach_size(&self, data: u64, dist: Option<i64>) -> u64 {
        // GNU as's relaxed_branch_length.
        let jump = data >> 32 & 1 != 0;
        let rvc = data >> 33 & 1 != 0;
        let mut len = if jump { 4 } else { 8 };
        if let Some(val) = dist {
            let rvc_range: i64 = if jump { 4096 } else { 512 };
            if rvc && (val + rvc_range / 2) as u64 <= (rvc_range - 1) as u64 {
                len = 2;
            } else if (val + 4096) as u64 <= 8191 {
                len = 4;
            } else if !jump && rvc {
                len = 6;
            }
        }
        len
    }

    fn mach_bytes(&self, data: u64, size: u64) -> (Vec<u8>, Vec<(usize, u16, u8)>) {
        insn::branch_bytes(data, size)
    }

    fn mach_fixup(&self, kind: u16, field: &mut [u8], sym: bool, addend: i64, value: i64, pc: i64) -> Result<Vec<(u32, bool, i64)>, String> {
        let rtype = (kind & 0xff) as u32;
        let relax = kind & RELAX_BIT != 0;
        if rtype == ALIGN {
            return Ok(vec![(ALIGN, false, addend)]);
        }
        if !sym {
            return Err("relocation against a constant is not supported here".into());
        }
        let delta = value - pc;
        match rtype {
            // A tentative value for readability, as GNU as writes it.
            BRANCH => {
                let w = u32::from_le_bytes(field[..4].try_into().unwrap_or_default()) | compress::b_imm(delta);
                field.copy_from_slice(&w.to_le_bytes());
            }
            JAL => {
                let w = u32::from_le_bytes(field[..4].try_into().unwrap_or_default()) | compress::j_imm(delta);
                field.copy_from_slice(&w.to_le_bytes());
            }
            RVC_BRANCH => {
                let w = u16::from_le_bytes(field[..2].try_into().unwrap_or_default()) | compress::cb_imm(delta);
                field.copy_from_slice(&w.to_le_bytes());
            }
            RVC_JUMP => {
                let w = u16::from_le_bytes(field[..2].try_into().unwrap_or_default()) | compress::cj_imm(delta);
                field.copy_from_slice(&w.to_le_bytes());
            }
            _ => {}
        }
        let mut out = vec![(rtype, true, addend)];
        let relaxable = matches!(rtype, CALL_PLT | PCREL_HI20 | PCREL_LO12_I | PCREL_LO12_S | HI20 | LO12_I | LO12_S | TPREL_HI20 | TPREL_LO12_I | TPREL_LO12_S | TPREL_ADD);
        if relax && relaxable {
            out.push((RELAX, false, addend));
        }
        Ok(out)
    }

    fn mach_tls(&self, kind: u16) -> bool {
        matches!((kind & 0xff) as u32, TLS_GOT_HI20 | TLS_GD_HI20 | TPREL_HI20 | TPREL_LO12_I | TPREL_LO12_S | TPREL_ADD)
    }

    fn diff_relocs(&self, size: u8) -> Option<(u32, u32)> {
        Some(match size {
            1 => (ADD8, SUB8),
            2 => (ADD16, SUB16),
            4 => (ADD32, SUB32),
            8 => (ADD64, SUB64),
            _ => return None,
        })
    }

    fn keep_local_symbols(&self) -> bool {
        true
    }

    fn all_section_symbols(&self) -> bool {
        true
    }

    fn word_size(&self) -> u8 {
        4
    }

    fn align_is_pow2(&self) -> bool {
        true
    }

    fn sort_relocs(&self) -> bool {
        true
    }
}

/// GNU's riscv_make_nops: a zero byte for an odd count, one `c.nop` for 2 mod 4, then `nop`s.
fn nops(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    if n % 2 == 1 {
        out.push(0);
    }
    if (n - out.len()) % 4 == 2 {
        out.extend(0x0001u16.to_le_bytes());
    }
    while out.len() < n {
        out.extend(0x0000_0013u32.to_le_bytes());
    }
    out
}
