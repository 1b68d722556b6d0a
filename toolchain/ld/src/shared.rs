//! Shared libraries as link inputs: exported dynamic symbols with their default versions.

use crate::elf::*;
use crate::error::Result;
use crate::bail;

#[derive(Clone, Debug)]
pub struct DynSym {
    pub name: String,
    pub value: u64,
    pub size: u64,
    pub kind: u8,
    pub bind: u8,
    /// Default version name (None for unversioned or the base version).
    pub version: Option<String>,
}

pub struct SharedLib {
    pub path: String,
    pub soname: String,
    pub syms: Vec<DynSym>,
    /// Names this library references but does not define (exported back from executables).
    pub undefs: Vec<String>,
    pub as_needed: bool,
    pub used: bool,
}

impl SharedLib {
    pub fn parse(path: String, data: &[u8], as_needed: bool, machine: u16) -> Result<SharedLib> {
        let b = Bytes::new(data, &path);
        let eh = parse_ehdr(&b)?;
        if eh.kind != ET_DYN {
            bail!("{}: not a shared library", path);
        }
        if eh.machine != machine {
            bail!("{}: incompatible machine: {}, not {}", path, crate::object::machine_name(eh.machine), crate::object::machine_name(machine));
        }
        let shdrs = parse_shdrs(&b, &eh)?;
        let find = |k: u32| shdrs.iter().find(|s| s.kind == k);
        let soname_default = std::path::Path::new(&path).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(dynsym) = find(SHT_DYNSYM) else {
            return Ok(SharedLib { path, soname: soname_default, syms: vec![], undefs: vec![], as_needed, used: false });
        };
        let Some(strsec) = shdrs.get(dynsym.link as usize) else { bail!("{}: bad .dynsym link", path) };
        let strtab = section_data(&b, strsec)?;
        let raw = parse_syms(&b, section_data(&b, dynsym)?, eh.class)?;
        // Version names by index, from .gnu.version_d.
        let mut vernames: Vec<Option<String>> = vec![None, None];
        if let Some(vd) = find(SHT_GNU_VERDEF) {
            let d = Bytes::new(section_data(&b, vd)?, &path);
            let mut off = 0u64;
            for _ in 0..vd.info.min(1 << 16) {
                let flags = d.u16(off + 2)?;
                let ndx = d.u16(off + 4)? as usize;
                let aux = d.u32(off + 12)? as u64;
                let next = d.u32(off + 16)? as u64;
                let name = b.cstr(strtab, d.u32(off + aux)? as u64)?;
                if vernames.len() <= ndx {
                    vernames.resize(ndx + 1, None);
                }
                // The base version (VER_FLG_BASE) names the file, not a version.
                vernames[ndx] = if flags & 1 != 0 { None } else { Some(name) };
                if next == 0 {
                    break;
                }
                off += next;
            }
        }
        let versym = match find(SHT_GNU_VERSYM) {
            Some(v) => Some(Bytes::new(section_data(&b, v)?, &path)),
            None => None,
        };
        let mut syms = vec![];
        let mut undefs = vec![];
        for (i, r) in raw.iter().enumerate().skip(1) {
            let bind = r.info >> 4;
            if bind == STB_LOCAL {
                continue;
            }
            let name = b.cstr(strtab, r.name as u64)?;
            if r.shndx == 0 {
                undefs.push(name);
                continue;
            }
            let mut version = None;
            let mut hidden = false;
            if let Some(vs) = &versym {
                let v = vs.u16(i as u64 * 2)?;
                hidden = v & VERSYM_HIDDEN != 0;
                version = vernames.get((v & !VERSYM_HIDDEN) as usize).cloned().flatten();
            }
            let sym = DynSym { name, value: r.value, size: r.size, kind: r.info & 15, bind, version };
            // `name@VERSION` answers references that name a version (.symver);
            // only the default version answers plain `name`.
            if let Some(v) = &sym.version {
                syms.push(DynSym { name: format!("{}@{}", sym.name, v), ..sym.clone() });
            }
            if !hidden {
                syms.push(sym);
            }
        }
        let mut soname = soname_default;
        if let Some(dy) = find(SHT_DYNAMIC) {
            let d = Bytes::new(section_data(&b, dy)?, &path);
            for i in 0..dy.size / 16 {
                if d.u64(i * 16)? == DT_SONAME {
                    soname = b.cstr(strtab, d.u64(i * 16 + 8)?)?;
                }
            }
        }
        Ok(SharedLib { path, soname, syms, undefs, as_needed, used: false })
    }
}
