//! ELF64 and ELF32 relocatable output, laid out as GNU as does: section headers in creation
//! order, each followed by its `.rela`/`.rel` section, then `.symtab`, `.strtab`, `.shstrtab`;
//! file contents in BFD's order (see `write`), string tables merged as BFD merges them.

use crate::assembler::{Assembler, Ev};
use crate::expr::{self, SymId};
use crate::layout::{OutSection, RelSym};
use crate::section::{SHF_GROUP, SHF_INFO_LINK, SHT_GROUP, SHT_NOBITS};
use crate::symbols::{Bind, Def, STT_NOTYPE, STT_TLS};

const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_RELA: u32 = 4;
const SHT_REL: u32 = 9;
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

/// A string table built as BFD's `elf-strtab.c` builds it: duplicates share one entry, and
/// a string that ends another is stored inside it (`.text` within `.rel.text`).
#[derive(Default)]
struct StrTab {
    strings: Vec<String>,
    ids: crate::fxhash::FxHashMap<String, u32>,
}

impl StrTab {
    /// The string's entry (0 for the empty string); offsets come from [`StrTab::finish`].
    fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.strings.push(s.to_string());
        let id = self.strings.len() as u32;
        self.ids.insert(s.to_string(), id);
        id
    }

    /// The table's bytes and each entry's offset (indexed by entry).
    fn finish(&self) -> (Vec<u8>, Vec<u32>) {
        // Sorted by reversed string (a suffix right before the strings ending with it), then
        // walked from the longest: each string that ends the last kept one is merged into it.
        let mut order: Vec<usize> = (0..self.strings.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (self.strings[a].as_bytes(), self.strings[b].as_bytes());
            x.iter().rev().cmp(y.iter().rev())
        });
        let mut host: Vec<Option<usize>> = vec![None; self.strings.len()];
        let mut keep: Option<usize> = None;
        for &i in order.iter().rev() {
            match keep {
                Some(k) if self.strings[k].ends_with(self.strings[i].as_str()) => host[i] = Some(k),
                _ => keep = Some(i),
            }
        }
        let mut data = vec![0u8];
        let mut offs = vec![0u32; self.strings.len() + 1];
        for (i, s) in self.strings.iter().enumerate() {
            if host[i].is_none() {
                offs[i + 1] = data.len() as u32;
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            }
        }
        for (i, s) in self.strings.iter().enumerate() {
            if let Some(k) = host[i] {
                offs[i + 1] = offs[k + 1] + (self.strings[k].len() - s.len()) as u32;
            }
        }
        (data, offs)
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
    let c = Class { elf64: asm.arch.elf64() };
    let name_ids: Vec<u32> = syms.iter().map(|s| strtab.add(&s.name)).collect();
    let (strtab_data, str_offs) = strtab.finish();
    for (s, id) in syms.iter().zip(name_ids) {
        symtab.extend(str_offs[id as usize].to_le_bytes());
        if c.elf64 {
            symtab.push(s.info);
            symtab.push(s.other);
            symtab.extend(s.shndx.to_le_bytes());
            symtab.extend(s.value.to_le_bytes());
            symtab.extend(s.size.to_le_bytes());
        } else {
            symtab.extend((s.value as u32).to_le_bytes());
            symtab.extend((s.size as u32).to_le_bytes());
            symtab.push(s.info);
            symtab.push(s.other);
            symtab.extend(s.shndx.to_le_bytes());
        }
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
            let rela = asm.arch.rela();
            let mut data = Vec::new();
            for r in &o.relocs {
                let si = match r.sym {
                    RelSym::Section(x) => sec_sym[x as usize],
                    RelSym::Symbol(x) => sym_index[x as usize],
                    RelSym::None => 0,
                };
                if c.elf64 {
                    data.extend(r.offset.to_le_bytes());
                    data.extend((((si as u64) << 32) | r.rtype as u64).to_le_bytes());
                } else {
                    data.extend((r.offset as u32).to_le_bytes());
                    data.extend(((si << 8) | (r.rtype & 0xff)).to_le_bytes());
                }
                if rela {
                    c.word(&mut data, r.addend as u64);
                }
            }
            let size = data.len() as u64;
            let gflag = if s.group.is_some() { SHF_GROUP } else { 0 };
            let (name, sh_type, entsize) = if rela { (format!(".rela{}", s.name), SHT_RELA, 3 * c.word_size()) } else { (format!(".rel{}", s.name), SHT_REL, 2 * c.word_size()) };
            shdrs.push(Shdr { name, sh_type, flags: SHF_INFO_LINK | gflag, data, size, link: symtab_idx, info: index[i], align: c.word_size(), entsize });
        }
    }
    // GNU as writes no symbol table when it would hold only the null symbol.
    let with_symtab = syms.len() > 1;
    if with_symtab {
        let ssize = symtab.len() as u64;
        shdrs.push(Shdr { name: ".symtab".into(), sh_type: SHT_SYMTAB, flags: 0, data: symtab, size: ssize, link: symtab_idx + 1, info: first_global, align: c.word_size(), entsize: if c.elf64 { 24 } else { 16 } });
        let tsize = strtab_data.len() as u64;
        shdrs.push(Shdr { name: ".strtab".into(), sh_type: SHT_STRTAB, flags: 0, data: strtab_data, size: tsize, link: 0, info: 0, align: 1, entsize: 0 });
    }
    // BFD names its own tables first, then the sections in header order, groups last (GNU
    // as makes them when the file ends).
    let mut shstr = StrTab::default();
    let own: &[&str] = if with_symtab { &[".symtab", ".strtab", ".shstrtab"] } else { &[".shstrtab"] };
    for n in own {
        shstr.add(n);
    }
    for s in shdrs.iter().filter(|s| s.sh_type != SHT_GROUP) {
        shstr.add(&s.name);
    }
    let mut name_ids: Vec<u32> = shdrs.iter().map(|s| shstr.add(&s.name)).collect();
    name_ids.push(shstr.add(".shstrtab"));
    let (shstr_data, shstr_offs) = shstr.finish();
    let names: Vec<u32> = name_ids.iter().map(|&id| shstr_offs[id as usize]).collect();
    let sz = shstr_data.len() as u64;
    shdrs.push(Shdr { name: ".shstrtab".into(), sh_type: SHT_STRTAB, flags: 0, data: shstr_data, size: sz, link: 0, info: 0, align: 1, entsize: 0 });

    let ehsize = if c.elf64 { 64 } else { 52 };
    let mut file = vec![0u8; ehsize];
    // File order as BFD assigns it: the sections with contents in header order, then the
    // symbol and string tables, the relocation sections, and the section names last.
    let n = shdrs.len();
    let is_rel = |s: &Shdr| s.sh_type == SHT_REL || s.sh_type == SHT_RELA;
    let tables = if with_symtab { 3 } else { 1 };
    let mut order: Vec<usize> = (0..n - tables).filter(|&i| !is_rel(&shdrs[i])).collect();
    order.extend(n - tables..n - 1);
    order.extend((0..n - tables).filter(|&i| is_rel(&shdrs[i])));
    order.push(n - 1);
    let mut offsets = vec![0u64; n];
    for i in order {
        let s = &shdrs[i];
        let a = s.align.max(1) as usize;
        while file.len() % a != 0 {
            file.push(0);
        }
        offsets[i] = file.len() as u64;
        if s.sh_type != SHT_NOBITS {
            file.extend_from_slice(&s.data);
        }
    }
    while file.len() % c.word_size() as usize != 0 {
        file.push(0);
    }
    let shoff = file.len() as u64;
    let shentsize: u16 = if c.elf64 { 64 } else { 40 };
    file.extend(vec![0u8; shentsize as usize]);
    for (i, s) in shdrs.iter().enumerate() {
        file.extend(names[i].to_le_bytes());
        file.extend(s.sh_type.to_le_bytes());
        c.word(&mut file, s.flags);
        c.word(&mut file, 0);
        c.word(&mut file, offsets[i]);
        c.word(&mut file, s.size);
        file.extend(s.link.to_le_bytes());
        file.extend(s.info.to_le_bytes());
        c.word(&mut file, s.align.max(1));
        c.word(&mut file, s.entsize);
    }
    let nsec = (shdrs.len() + 1) as u16;
    let mut h = Vec::with_capacity(ehsize);
    h.extend_from_slice(b"\x7fELF");
    h.extend([if c.elf64 { 2 } else { 1 }, 1, 1]); // class, little endian, version
    h.resize(16, 0);
    h.extend(1u16.to_le_bytes()); // ET_REL
    h.extend(asm.arch.elf_machine().to_le_bytes());
    h.extend(1u32.to_le_bytes());
    c.word(&mut h, 0); // entry
    c.word(&mut h, 0); // program headers
    c.word(&mut h, shoff);
    h.extend((asm.arch.elf_flags() | asm.elf_flags_extra).to_le_bytes());
    h.extend((ehsize as u16).to_le_bytes());
    h.extend([0u8; 4]); // phentsize, phnum
    h.extend(shentsize.to_le_bytes());
    h.extend(nsec.to_le_bytes());
    h.extend((nsec - 1).to_le_bytes());
    file[..ehsize].copy_from_slice(&h);
    Ok(file)
}

/// Field widths of the ELF class being written.
#[derive(Clone, Copy)]
struct Class {
    elf64: bool,
}

impl Class {
    fn word_size(self) -> u64 {
        if self.elf64 {
            8
        } else {
            4
        }
    }
    /// An address-sized field (Elf64_Addr/Xword or Elf32_Addr/Word).
    fn word(self, out: &mut Vec<u8>, v: u64) {
        if self.elf64 {
            out.extend(v.to_le_bytes());
        } else {
            out.extend((v as u32).to_le_bytes());
        }
    }
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
                (Some(first), None) => {
                    // Through aliases of aliases (`.set memcpy, __memcpy` where `.set __memcpy,
                    // __pi_memcpy`) to the label; each link may give a type and size.
                    let (mut a, mut off, mut chain) = (first, v.off, vec![first]);
                    while let Def::Equ(e2) = &asm.syms.sym(a).def {
                        match expr::eval(e2, asm) {
                            Ok(expr::Val { add: Some(b), sub: None, off: o }) if !chain.contains(&b) && chain.len() < 64 => {
                                a = b;
                                off += o;
                                chain.push(b);
                            }
                            _ => break,
                        }
                    }
                    let v = expr::Val { add: Some(a), sub: None, off };
                    match asm.syms.sym(a).def {
                    Def::Label { sec, .. } => {
                        // An alias takes its target's type and size unless it has its own.
                        let t = asm.syms.sym(a);
                        if typ == STT_NOTYPE {
                            typ = chain.iter().map(|&c| asm.syms.sym(c).typ).find(|&t| t != STT_NOTYPE).unwrap_or(t.typ);
                        }
                        // A symbol in a TLS section is a TLS symbol (`.set .LANCHOR1, .` in .tbss).
                        if typ == STT_NOTYPE && asm.sections[sec as usize].flags & crate::section::SHF_TLS != 0 {
                            typ = crate::symbols::STT_TLS;
                        }
                        if s.size.is_none() {
                            alias_size = chain.iter().find_map(|&c| asm.syms.sym(c).size.as_ref()).and_then(|e| expr::eval(e, asm).ok()).and_then(|v| v.constant());
                        }
                        (index[sec as usize] as u16, (asm.label_addr(a)? + v.off) as u64)
                    }
                    // An alias of an undefined symbol is not written (GNU as resolves it to the target).
                    _ => return Ok(None),
                    }
                }
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
