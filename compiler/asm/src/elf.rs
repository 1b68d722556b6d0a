//! ELF64 relocatable output, laid out as GNU as does: sections in creation order, each
//! followed by its `.rela` section, then `.symtab`, `.strtab`, `.shstrtab`.

use crate::assembler::{Assembler, Ev};
use crate::expr::{self, SymId};
use crate::layout::{OutSection, RelSym};
use crate::section::{SHF_GROUP, SHF_INFO_LINK, SHT_GROUP, SHT_NOBITS};
use crate::symbols::{Bind, Def, STT_NOTYPE, STT_TLS};

const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_RELA: u32 = 4;
const SHN_ABS: u16 = 0xfff1;
const SHN_COMMON: u16 = 0xfff2;

struct Shdr {
    name: String,
    sh_type: u32,
    flags: u64,
    data: Vec<u8>,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

struct Sym {
    name: String,
    info: u8,
    other: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

#[derive(Default)]
struct StrTab {
    data: Vec<u8>,
}

impl StrTab {
    fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if self.data.is_empty() {
            self.data.push(0);
        }
        let at = self.data.len() as u32;
        self.data.extend_from_slice(s.as_bytes());
        self.data.push(0);
        at
    }
}

/// Serialize the assembled object.
pub fn write(asm: &mut Assembler, out: Vec<OutSection>) -> Result<Vec<u8>, String> {
    // Section header indices: groups first (GNU as creates them before their members), then
    // each section and its relocation section.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, s) in asm.sections.iter().enumerate() {
        if let Some((g, _)) = &s.group {
            match groups.iter_mut().find(|x| &x.0 == g) {
                Some(x) => x.1.push(i),
                None => groups.push((g.clone(), vec![i])),
            }
        }
    }
    let mut index = vec![0u32; asm.sections.len()];
    let mut rela_index = vec![0u32; asm.sections.len()];
    let mut next = 1 + groups.len() as u32;
    for (i, o) in out.iter().enumerate() {
        index[i] = next;
        next += 1;
        if !o.relocs.is_empty() {
            rela_index[i] = next;
            next += 1;
        }
    }
    let symtab_idx = next;

    // Symbols: null, files, section symbols, other locals, then globals.
    let mut syms = vec![Sym { name: String::new(), info: 0, other: 0, shndx: 0, value: 0, size: 0 }];
    for f in &asm.file_syms {
        syms.push(Sym { name: f.clone(), info: 4, other: 0, shndx: SHN_ABS, value: 0, size: 0 });
    }
    // Locals in creation order, a section's symbol where the section was created (only if a
    // relocation uses it); assembler-internal labels kept for relocations come after them, in
    // the order of the relocations (GNU as converts them to real symbols only then).
    let mut sec_sym = vec![0u32; asm.sections.len()];
    let all = asm.arch.all_section_symbols();
    let sec_used: Vec<bool> = (0..asm.sections.len()).map(|i| all || out.iter().any(|o| o.relocs.iter().any(|r| r.sym == RelSym::Section(i as u32)))).collect();
    let push_sec = |syms: &mut Vec<Sym>, sec_sym: &mut Vec<u32>, i: usize| {
        sec_sym[i] = syms.len() as u32;
        syms.push(Sym { name: String::new(), info: 3, other: 0, shndx: index[i] as u16, value: 0, size: 0 });
    };
    let mut sym_index = vec![0u32; asm.syms.list.len()];
    let mut globals = Vec::new();
    for ev in asm.order.clone() {
        let id = match ev {
            Ev::Sec(i) => {
                let i = i as usize;
                if sec_used[i] && !asm.sections[i].late_symbol {
                    push_sec(&mut syms, &mut sec_sym, i);
                }
                continue;
            }
            Ev::Conv(id) if !asm.syms.sym(id).in_reloc || !asm.syms.is_defined(id) => continue,
            Ev::Conv(id) => id,
            Ev::Sym(id) if asm.syms.sym(id).temp || asm.syms.sym(id).omit => continue,
            Ev::Sym(id) => id,
        };
        let s = asm.syms.sym(id);
        let Some(mut es) = elf_symbol(asm, id, &index)? else { continue };
        let local = s.bind == Bind::Local && !matches!(s.def, Def::Undef | Def::Common { .. });
        if local {
            sym_index[id as usize] = syms.len() as u32;
            syms.push(es);
        } else {
            let b = if s.bind == Bind::Weak { 2 } else { 1 };
            es.info = (b << 4) | (es.info & 0xf);
            globals.push((id, es));
        }
    }
    for i in late_syms(asm, &sec_used, true) {
        push_sec(&mut syms, &mut sec_sym, i);
    }
    for o in &out {
        for r in &o.relocs {
            if let RelSym::Symbol(id) = r.sym {
                if asm.syms.sym(id).temp && sym_index[id as usize] == 0 && !globals.iter().any(|g| g.0 == id) {
                    if let Some(mut es) = elf_symbol(asm, id, &index)? {
                        if asm.syms.is_defined(id) {
                            sym_index[id as usize] = syms.len() as u32;
                            syms.push(es);
                        } else {
                            es.info = 0x10 | (es.info & 0xf);
                            globals.push((id, es));
                        }
                    }
                }
            }
        }
    }
    // Sections whose symbol GNU as makes at the end, after the local labels that
    // relocations name (`.eh_frame`'s, made when it is built, came before those labels).
    for i in late_syms(asm, &sec_used, false) {
        push_sec(&mut syms, &mut sec_sym, i);
    }
    let first_global = syms.len() as u32;
    for (id, es) in globals {
        sym_index[id as usize] = syms.len() as u32;
        syms.push(es);
    }

    let mut strtab = StrTab::default();
    let mut symtab = Vec::new();
    for s in &syms {
        let n = strtab.add(&s.name);
        symtab.extend(n.to_le_bytes());
        symtab.push(s.info);
        symtab.push(s.other);
        symtab.extend(s.shndx.to_le_bytes());
        symtab.extend(s.value.to_le_bytes());
        symtab.extend(s.size.to_le_bytes());
    }
    if strtab.data.is_empty() {
        strtab.data.push(0);
    }

    let mut shdrs = Vec::new();
    for (g, members) in &groups {
        let sig = asm.syms.get(g).map_or(0, |id| sym_index[id as usize]);
        let comdat = members.first().and_then(|&m| asm.sections[m].group.as_ref()).map_or(false, |g| g.1);
        let mut data = (comdat as u32).to_le_bytes().to_vec();
        for &m in members {
            data.extend(index[m].to_le_bytes());
            if rela_index[m] != 0 {
                data.extend(rela_index[m].to_le_bytes());
            }
        }
        let size = data.len() as u64;
        shdrs.push(Shdr { name: ".group".into(), sh_type: SHT_GROUP, flags: 0, data, size, link: symtab_idx, info: sig, align: 4, entsize: 4 });
    }
    for (i, mut o) in out.into_iter().enumerate() {
        // (After the symbol table: internal labels are numbered in the unsorted order.)
        if asm.arch.sort_relocs() {
            o.relocs.sort_by_key(|r| r.offset);
        }
        let s = &asm.sections[i];
        let link = s.link.as_ref().and_then(|l| asm.sections.iter().position(|x| &x.name == l)).map_or(0, |p| index[p]);
        shdrs.push(Shdr { name: s.name.clone(), sh_type: s.sh_type, flags: s.flags, data: o.data, size: o.size, link, info: 0, align: s.align, entsize: s.entsize });
        if !o.relocs.is_empty() {
            let mut data = Vec::new();
            for r in &o.relocs {
                let si = match r.sym {
                    RelSym::Section(x) => sec_sym[x as usize],
                    RelSym::Symbol(x) => sym_index[x as usize],
                    RelSym::None => 0,
                };
                data.extend(r.offset.to_le_bytes());
                data.extend((((si as u64) << 32) | r.rtype as u64).to_le_bytes());
                data.extend(r.addend.to_le_bytes());
            }
            let size = data.len() as u64;
            let gflag = if s.group.is_some() { SHF_GROUP } else { 0 };
            shdrs.push(Shdr { name: format!(".rela{}", s.name), sh_type: SHT_RELA, flags: SHF_INFO_LINK | gflag, data, size, link: symtab_idx, info: index[i], align: 8, entsize: 24 });
        }
    }
    let ssize = symtab.len() as u64;
    shdrs.push(Shdr { name: ".symtab".into(), sh_type: SHT_SYMTAB, flags: 0, data: symtab, size: ssize, link: symtab_idx + 1, info: first_global, align: 8, entsize: 24 });
    let tsize = strtab.data.len() as u64;
    shdrs.push(Shdr { name: ".strtab".into(), sh_type: SHT_STRTAB, flags: 0, data: strtab.data, size: tsize, link: 0, info: 0, align: 1, entsize: 0 });
    let mut shstr = StrTab::default();
    let mut names: Vec<u32> = shdrs.iter().map(|s| shstr.add(&s.name)).collect();
    let shstr_name = shstr.add(".shstrtab");
    names.push(shstr_name);
    let sz = shstr.data.len() as u64;
    shdrs.push(Shdr { name: ".shstrtab".into(), sh_type: SHT_STRTAB, flags: 0, data: shstr.data, size: sz, link: 0, info: 0, align: 1, entsize: 0 });

    let mut file = vec![0u8; 64];
    let mut offsets = Vec::new();
    for s in &shdrs {
        let a = s.align.max(1) as usize;
        while file.len() % a != 0 {
            file.push(0);
        }
        offsets.push(file.len() as u64);
        if s.sh_type != SHT_NOBITS {
            file.extend_from_slice(&s.data);
        }
    }
    while file.len() % 8 != 0 {
        file.push(0);
    }
    let shoff = file.len() as u64;
    file.extend([0u8; 64]);
    for (i, s) in shdrs.iter().enumerate() {
        file.extend(names[i].to_le_bytes());
        file.extend(s.sh_type.to_le_bytes());
        file.extend(s.flags.to_le_bytes());
        file.extend(0u64.to_le_bytes());
        file.extend(offsets[i].to_le_bytes());
        file.extend(s.size.to_le_bytes());
        file.extend(s.link.to_le_bytes());
        file.extend(s.info.to_le_bytes());
        file.extend(s.align.max(1).to_le_bytes());
        file.extend(s.entsize.to_le_bytes());
    }
    let nsec = (shdrs.len() + 1) as u16;
    let h = &mut file[..64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little endian
    h[6] = 1;
    h[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
    h[18..20].copy_from_slice(&asm.arch.elf_machine().to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[40..48].copy_from_slice(&shoff.to_le_bytes());
    h[48..52].copy_from_slice(&(asm.arch.elf_flags() | asm.elf_flags_extra).to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes());
    h[58..60].copy_from_slice(&64u16.to_le_bytes());
    h[60..62].copy_from_slice(&nsec.to_le_bytes());
    h[62..64].copy_from_slice(&(nsec - 1).to_le_bytes());
    Ok(file)
}

/// The ELF view of one symbol (binding filled in by the caller); None to leave it out.
fn elf_symbol(asm: &Assembler, id: SymId, index: &[u32]) -> Result<Option<Sym>, String> {
    let s = asm.syms.sym(id);
    // Register equates (`.set copy0, %xmm5`) live only in the assembler, as in GNU as.
    if matches!(s.def, Def::Equ(expr::Expr::Reg(_))) {
        return Ok(None);
    }
    let size = match &s.size {
        Some(e) => match expr::eval(e, asm) {
            Ok(v) => v.constant().unwrap_or(0) as u64,
            Err(_) => 0,
        },
        None => 0,
    };
    let mut typ = s.typ;
    let mut alias_size = None;
    let (shndx, value) = match &s.def {
        Def::Undef => {
            if s.tls_ref && typ == STT_NOTYPE {
                typ = STT_TLS;
            }
            (0u16, 0u64)
        }
        Def::Common { size: _, align } => (SHN_COMMON, *align),
        Def::Label { sec, .. } => (index[*sec as usize] as u16, asm.label_addr(id)? as u64),
        Def::Equ(e) => match expr::eval(e, asm) {
            Ok(v) => match (v.add, v.sub) {
                (None, None) => (SHN_ABS, v.off as u64),
                (Some(a), None) => match asm.syms.sym(a).def {
                    Def::Label { sec, .. } => {
                        // An alias takes its target's type and size unless it has its own.
                        let t = asm.syms.sym(a);
                        if typ == STT_NOTYPE {
                            typ = t.typ;
                        }
                        // A symbol in a TLS section is a TLS symbol (`.set .LANCHOR1, .` in .tbss).
                        if typ == STT_NOTYPE && asm.sections[sec as usize].flags & crate::section::SHF_TLS != 0 {
                            typ = crate::symbols::STT_TLS;
                        }
                        if s.size.is_none() {
                            alias_size = t.size.as_ref().and_then(|e| expr::eval(e, asm).ok()).and_then(|v| v.constant());
                        }
                        (index[sec as usize] as u16, (asm.label_addr(a)? + v.off) as u64)
                    }
                    // An alias of an undefined symbol is not written (GNU as resolves it to the target).
                    _ => return Ok(None),
                },
                _ => return Err(format!("invalid value for symbol `{}'", s.name)),
            },
            Err(_) => return Err(format!("invalid value for symbol `{}'", s.name)),
        },
    };
    let size = match &s.def {
        Def::Common { size, .. } => *size,
        _ => alias_size.map_or(size, |n| n as u64),
    };
    Ok(Some(Sym { name: s.name.clone(), info: typ, other: s.vis, shndx, value, size }))
}

/// Sections with `late_symbol` that get a symbol: `.eh_frame` alone or all the others.
fn late_syms(asm: &Assembler, used: &[bool], eh: bool) -> Vec<usize> {
    (0..asm.sections.len()).filter(|&i| used[i] && asm.sections[i].late_symbol && (asm.sections[i].name == ".eh_frame") == eh).collect()
}
