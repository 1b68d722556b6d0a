//! ELF relocatable objects: sections, symbols, relocations, COMDAT group signatures.

use crate::elf::*;
use crate::error::Result;
use crate::bail;

#[derive(Clone, Debug)]
pub struct Rela {
    pub offset: u64,
    pub kind: u32,
    pub sym: u32,
    pub addend: i64,
}

#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub flags: u64,
    pub align: u64,
    pub size: u64,
    pub offset: u64,
    pub relocs: Vec<Rela>,
    /// False for sections we drop (COMDAT duplicates, non-alloc, notes we rebuild).
    pub live: bool,
    /// A duplicate COMDAT group member: gone from every kind of output.
    pub discarded: bool,
    /// Contents rewritten by the linker (.eh_frame without dead FDEs).
    pub rewritten: Option<Vec<u8>>,
    /// Output section index and offset inside it, once placed.
    pub out: usize,
    pub out_off: u64,
}

#[derive(Clone, Debug)]
pub struct Sym {
    pub name: String,
    pub value: u64,
    pub size: u64,
    pub shndx: u32,
    pub bind: u8,
    pub kind: u8,
    pub vis: u8,
}

impl Sym {
    pub fn is_undef(&self) -> bool {
        self.shndx == SHN_UNDEF
    }
    pub fn is_common(&self) -> bool {
        self.shndx == SHN_COMMON
    }
}

pub struct Object {
    pub name: String,
    pub data: Vec<u8>,
    pub sections: Vec<Section>,
    pub syms: Vec<Sym>,
    pub first_global: usize,
    /// Global symbol ids for syms[first_global..], filled by the resolver.
    pub global_ids: Vec<usize>,
    /// COMDAT groups: (signature, member section indices).
    pub groups: Vec<(String, Vec<u32>)>,
    /// `.note.GNU-stack` seen, and whether it asks for an executable stack.
    pub gnu_stack: Option<bool>,
    /// The ELF header's e_flags.
    pub e_flags: u32,
}

pub const NO_OUT: usize = usize::MAX;

impl Object {
    pub fn parse(name: String, data: Vec<u8>, target: &dyn crate::arch::Target) -> Result<Object> {
        let machine = target.machine();
        let b = Bytes::new(&data, &name);
        let eh = parse_ehdr(&b)?;
        if eh.kind != ET_REL {
            bail!("{}: not a relocatable object", name);
        }
        if eh.machine != machine {
            bail!("{}: file is for {}, not {} (e_machine {})", name, machine_name(eh.machine), machine_name(machine), eh.machine);
        }
        if eh.class != target.class() {
            bail!("{}: file class ELF{} does not match the target's", name, if eh.class.elf64 { 64 } else { 32 });
        }
        let shdrs = parse_shdrs(&b, &eh)?;
        let shstr = match shdrs.get(eh.shstrndx as usize) {
            Some(s) => section_data(&b, s)?,
            None => bail!("{}: bad section name table index", name),
        };
        let mut sections = Vec::with_capacity(shdrs.len());
        for (i, s) in shdrs.iter().enumerate() {
            if s.align > 1 && (!s.align.is_power_of_two() || s.align > 1 << 28) {
                bail!("{}: section {} has invalid alignment {:#x}", name, i, s.align);
            }
            sections.push(Section {
                name: b.cstr(shstr, s.name as u64)?,
                kind: s.kind,
                flags: s.flags,
                align: s.align.max(1),
                size: s.size,
                offset: s.offset,
                relocs: vec![],
                live: false,
                discarded: false,
                rewritten: None,
                out: NO_OUT,
                out_off: 0,
            });
            if s.kind != SHT_NOBITS {
                b.slice(s.offset, s.size)?;
            }
        }
        // Symbols.
        let mut syms = vec![];
        let mut first_global = 0;
        if let Some((si, st)) = shdrs.iter().enumerate().find(|(_, s)| s.kind == SHT_SYMTAB) {
            let strtab = match shdrs.get(st.link as usize) {
                Some(s) => section_data(&b, s)?,
                None => bail!("{}: bad string table index", name),
            };
            let xindex = shdrs.iter().find(|s| s.kind == SHT_SYMTAB_SHNDX && s.link as usize == si);
            let xdata = match xindex {
                Some(x) => Some(section_data(&b, x)?),
                None => None,
            };
            first_global = st.info as usize;
            for (i, r) in parse_syms(&b, section_data(&b, st)?, eh.class)?.into_iter().enumerate() {
                let mut shndx = r.shndx as u32;
                if shndx == SHN_XINDEX {
                    let Some(x) = xdata else { bail!("{}: SHN_XINDEX without SHT_SYMTAB_SHNDX", name) };
                    shndx = Bytes::new(x, &name).u32(i as u64 * 4)?;
                }
                if shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx as usize >= sections.len() {
                    bail!("{}: symbol {} has bad section index {}", name, i, shndx);
                }
                syms.push(Sym {
                    name: b.cstr(strtab, r.name as u64)?,
                    value: r.value,
                    size: r.size,
                    shndx,
                    bind: r.info >> 4,
                    kind: r.info & 15,
                    vis: r.other & 3,
                });
            }
            if first_global > syms.len() {
                bail!("{}: bad symbol table", name);
            }
        }
        // Relocations and groups.
        let mut groups = vec![];
        for s in &shdrs {
            match s.kind {
                SHT_RELA => {
                    let target = s.info as usize;
                    if target >= sections.len() {
                        bail!("{}: relocation section for bad section {}", name, target);
                    }
                    let d = Bytes::new(section_data(&b, s)?, &name);
                    let n = s.size / 24;
                    let mut rs = Vec::with_capacity(n as usize);
                    for i in 0..n {
                        let info = d.u64(i * 24 + 8)?;
                        let sym = (info >> 32) as u32;
                        if sym as usize >= syms.len() && sym != 0 {
                            bail!("{}: relocation against bad symbol index {}", name, sym);
                        }
                        rs.push(Rela { offset: d.u64(i * 24)?, kind: info as u32, sym, addend: d.u64(i * 24 + 16)? as i64 });
                    }
                    sections[target].relocs = rs;
                }
                // REL (i386): the addend is the field's contents, read by the target.
                SHT_REL if !target.rela() => {
                    let target_sec = s.info as usize;
                    if target_sec >= sections.len() {
                        bail!("{}: relocation section for bad section {}", name, target_sec);
                    }
                    let d = Bytes::new(section_data(&b, s)?, &name);
                    let t = &shdrs[target_sec];
                    let contents = if t.kind == SHT_NOBITS { &[][..] } else { section_data(&b, t)? };
                    let mut rs = Vec::with_capacity((s.size / 8) as usize);
                    for i in 0..s.size / 8 {
                        let (offset, info) = (d.u32(i * 8)? as u64, d.u32(i * 8 + 4)?);
                        let sym = info >> 8;
                        if sym as usize >= syms.len() && sym != 0 {
                            bail!("{}: relocation against bad symbol index {}", name, sym);
                        }
                        let kind = info & 0xff;
                        let addend = target.implicit_addend(kind, contents, offset).map_err(|e| crate::err!("{}: {}", name, e))?;
                        rs.push(Rela { offset, kind, sym, addend });
                    }
                    sections[target_sec].relocs = rs;
                }
                SHT_REL => bail!("{}: SHT_REL relocations are not supported for this target", name),
                SHT_GROUP => {
                    let d = Bytes::new(section_data(&b, s)?, &name);
                    if d.u32(0)? & GRP_COMDAT == 0 {
                        continue;
                    }
                    let sig = match syms.get(s.info as usize) {
                        Some(sym) => sym.name.clone(),
                        None => bail!("{}: group with bad signature symbol", name),
                    };
                    let members = (1..s.size / 4).map(|i| d.u32(i * 4)).collect::<Result<Vec<u32>>>()?;
                    groups.push((sig, members));
                }
                _ => {}
            }
        }
        let mut gnu_stack = None;
        for s in sections.iter_mut() {
            if s.name == ".note.GNU-stack" {
                gnu_stack = Some(s.flags & SHF_EXECINSTR != 0);
            }
            // Debug information and .comment are kept (not loaded); other non-alloc
            // sections are link-time only.
            let kept_unloaded = s.kind == SHT_PROGBITS && (s.name.starts_with(".debug_") || s.name == ".comment");
            s.live = (s.flags & SHF_ALLOC != 0 || kept_unloaded)
                && s.flags & SHF_EXCLUDE == 0
                && !matches!(s.kind, SHT_GROUP | SHT_RELA | SHT_REL | SHT_SYMTAB | SHT_STRTAB)
                && !s.name.starts_with(".note.gnu.property")
                && !s.name.starts_with(".gnu.warning");
        }
        Ok(Object { name, data, sections, syms, first_global, global_ids: vec![], groups, gnu_stack, e_flags: eh.flags })
    }

    /// Bytes of a live PROGBITS-like section.
    pub fn section_bytes(&self, i: usize) -> &[u8] {
        let s = &self.sections[i];
        if s.kind == SHT_NOBITS {
            return &[];
        }
        if let Some(r) = &s.rewritten {
            return r;
        }
        // Ranges were checked in `parse`.
        &self.data[s.offset as usize..(s.offset + s.size) as usize]
    }
}

/// The ELF machine names of the targets we know, for diagnostics.
pub fn machine_name(m: u16) -> String {
    match m {
        3 => "i386".into(),
        62 => "x86-64".into(),
        183 => "AArch64".into(),
        243 => "RISC-V".into(),
        _ => format!("machine {m}"),
    }
}
