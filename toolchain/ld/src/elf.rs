//! ELF little-endian constants, bounds-checked field access, and the two classes' layouts
//! (ELF64; ELF32 for i386).

use crate::error::Result;

pub const SHT_NULL: u32 = 0;
pub const SHT_PROGBITS: u32 = 1;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_STRTAB: u32 = 3;
pub const SHT_RELA: u32 = 4;
pub const SHT_HASH: u32 = 5;
pub const SHT_DYNAMIC: u32 = 6;
pub const SHT_NOTE: u32 = 7;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_REL: u32 = 9;
pub const SHT_DYNSYM: u32 = 11;
pub const SHT_INIT_ARRAY: u32 = 14;
pub const SHT_FINI_ARRAY: u32 = 15;
pub const SHT_PREINIT_ARRAY: u32 = 16;
pub const SHT_GROUP: u32 = 17;
pub const SHT_SYMTAB_SHNDX: u32 = 18;
pub const SHT_X86_64_UNWIND: u32 = 0x7000_0001;
pub const SHT_GNU_HASH: u32 = 0x6fff_fff6;
pub const SHT_GNU_VERDEF: u32 = 0x6fff_fffd;
pub const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
pub const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;

pub const SHF_WRITE: u64 = 1;
pub const SHF_ALLOC: u64 = 2;
pub const SHF_EXECINSTR: u64 = 4;
pub const SHF_MERGE: u64 = 0x10;
pub const SHF_STRINGS: u64 = 0x20;
pub const SHF_INFO_LINK: u64 = 0x40;
pub const SHF_GROUP: u64 = 0x200;
pub const SHF_TLS: u64 = 0x400;
pub const SHF_EXCLUDE: u64 = 0x8000_0000;

pub const SHN_UNDEF: u32 = 0;
pub const SHN_LORESERVE: u32 = 0xff00;
pub const SHN_ABS: u32 = 0xfff1;
pub const SHN_COMMON: u32 = 0xfff2;
pub const SHN_XINDEX: u32 = 0xffff;

pub const STB_LOCAL: u8 = 0;
pub const STB_GLOBAL: u8 = 1;
pub const STB_WEAK: u8 = 2;
pub const STB_GNU_UNIQUE: u8 = 10;

pub const STT_NOTYPE: u8 = 0;
pub const STT_OBJECT: u8 = 1;
pub const STT_FUNC: u8 = 2;
pub const STT_SECTION: u8 = 3;
pub const STT_FILE: u8 = 4;
pub const STT_COMMON: u8 = 5;
pub const STT_TLS: u8 = 6;
pub const STT_GNU_IFUNC: u8 = 10;

pub const STV_DEFAULT: u8 = 0;
pub const STV_INTERNAL: u8 = 1;
pub const STV_HIDDEN: u8 = 2;
pub const STV_PROTECTED: u8 = 3;

pub const ET_REL: u16 = 1;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;

pub const PT_NULL: u32 = 0;
pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_NOTE: u32 = 4;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PT_GNU_RELRO: u32 = 0x6474_e552;

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

pub const DT_NULL: u64 = 0;
pub const DT_NEEDED: u64 = 1;
pub const DT_PLTRELSZ: u64 = 2;
pub const DT_PLTGOT: u64 = 3;
pub const DT_HASH: u64 = 4;
pub const DT_STRTAB: u64 = 5;
pub const DT_SYMTAB: u64 = 6;
pub const DT_RELA: u64 = 7;
pub const DT_RELASZ: u64 = 8;
pub const DT_RELAENT: u64 = 9;
pub const DT_STRSZ: u64 = 10;
pub const DT_SYMENT: u64 = 11;
pub const DT_INIT: u64 = 12;
pub const DT_FINI: u64 = 13;
pub const DT_SONAME: u64 = 14;
pub const DT_PLTREL: u64 = 20;
pub const DT_DEBUG: u64 = 21;
pub const DT_TEXTREL: u64 = 22;
pub const DT_JMPREL: u64 = 23;
pub const DT_INIT_ARRAY: u64 = 25;
pub const DT_FINI_ARRAY: u64 = 26;
pub const DT_INIT_ARRAYSZ: u64 = 27;
pub const DT_FINI_ARRAYSZ: u64 = 28;
pub const DT_RUNPATH: u64 = 29;
pub const DT_FLAGS: u64 = 30;
pub const DT_PREINIT_ARRAY: u64 = 32;
pub const DT_PREINIT_ARRAYSZ: u64 = 33;
pub const DT_GNU_HASH: u64 = 0x6fff_fef5;
pub const DT_VERSYM: u64 = 0x6fff_fff0;
pub const DT_RELACOUNT: u64 = 0x6fff_fff9;
pub const DT_FLAGS_1: u64 = 0x6fff_fffb;
pub const DT_VERNEED: u64 = 0x6fff_fffe;
pub const DT_VERNEEDNUM: u64 = 0x6fff_ffff;

pub const DF_TEXTREL: u64 = 4;
pub const DF_BIND_NOW: u64 = 8;
pub const DF_1_NOW: u64 = 1;
pub const DF_1_PIE: u64 = 0x0800_0000;

pub const VERSYM_HIDDEN: u16 = 0x8000;

pub const GRP_COMDAT: u32 = 1;

/// Bounds-checked little-endian reads; `what` names the file in errors.
pub struct Bytes<'a> {
    pub data: &'a [u8],
    pub what: &'a str,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8], what: &'a str) -> Self {
        Bytes { data, what }
    }
    pub fn slice(&self, off: u64, len: u64) -> Result<&'a [u8]> {
        let end = off.checked_add(len);
        match end {
            Some(e) if e <= self.data.len() as u64 => Ok(&self.data[off as usize..e as usize]),
            _ => Err(crate::err!("{}: file is truncated or corrupt (range {:#x}+{:#x} past end)", self.what, off, len)),
        }
    }
    fn arr<const N: usize>(&self, off: u64) -> Result<[u8; N]> {
        let s = self.slice(off, N as u64)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    pub fn u8(&self, off: u64) -> Result<u8> {
        Ok(self.arr::<1>(off)?[0])
    }
    pub fn u16(&self, off: u64) -> Result<u16> {
        Ok(u16::from_le_bytes(self.arr(off)?))
    }
    pub fn u32(&self, off: u64) -> Result<u32> {
        Ok(u32::from_le_bytes(self.arr(off)?))
    }
    pub fn u64(&self, off: u64) -> Result<u64> {
        Ok(u64::from_le_bytes(self.arr(off)?))
    }
    /// NUL-terminated string at `off` inside the string table `tab`.
    pub fn cstr(&self, tab: &[u8], off: u64) -> Result<String> {
        let o = off as usize;
        if o > tab.len() {
            crate::bail!("{}: string offset {:#x} out of range", self.what, off);
        }
        let end = tab[o..].iter().position(|&b| b == 0).map(|p| o + p).unwrap_or(tab.len());
        Ok(String::from_utf8_lossy(&tab[o..end]).into_owned())
    }
}

/// One raw section header.
#[derive(Clone, Debug, Default)]
pub struct Shdr {
    pub name: u32,
    pub kind: u32,
    pub flags: u64,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
    pub info: u32,
    pub align: u64,
    pub entsize: u64,
}

/// Record sizes and field widths of an ELF class: one reader and writer for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class {
    pub elf64: bool,
}

impl Class {
    pub const ELF64: Class = Class { elf64: true };
    pub const ELF32: Class = Class { elf64: false };
    pub fn ehdr_size(self) -> u64 {
        if self.elf64 {
            64
        } else {
            52
        }
    }
    pub fn phdr_size(self) -> u64 {
        if self.elf64 {
            56
        } else {
            32
        }
    }
    pub fn shdr_size(self) -> u64 {
        if self.elf64 {
            64
        } else {
            40
        }
    }
    pub fn sym_size(self) -> u64 {
        if self.elf64 {
            24
        } else {
            16
        }
    }
    pub fn word(self) -> u64 {
        if self.elf64 {
            8
        } else {
            4
        }
    }
    /// An address-sized field.
    pub fn read_word(self, b: &Bytes, off: u64) -> Result<u64> {
        if self.elf64 {
            b.u64(off)
        } else {
            Ok(b.u32(off)? as u64)
        }
    }
    pub fn put_word(self, v: &mut Vec<u8>, x: u64) {
        if self.elf64 {
            v.put64(x)
        } else {
            v.put32(x as u32)
        }
    }
    pub fn put_sym(self, v: &mut Vec<u8>, name: u32, info: u8, other: u8, shndx: u16, value: u64, size: u64) {
        v.put32(name);
        if self.elf64 {
            v.push(info);
            v.push(other);
            v.put16(shndx);
            v.put64(value);
            v.put64(size);
        } else {
            v.put32(value as u32);
            v.put32(size as u32);
            v.push(info);
            v.push(other);
            v.put16(shndx);
        }
    }
    pub fn put_shdr(self, v: &mut Vec<u8>, s: &Shdr) {
        v.put32(s.name);
        v.put32(s.kind);
        self.put_word(v, s.flags);
        self.put_word(v, s.addr);
        self.put_word(v, s.offset);
        self.put_word(v, s.size);
        v.put32(s.link);
        v.put32(s.info);
        self.put_word(v, s.align);
        self.put_word(v, s.entsize);
    }
    /// One program header: (type, flags, offset, vaddr, paddr, filesz, memsz, align).
    #[allow(clippy::too_many_arguments)]
    pub fn put_phdr(self, v: &mut Vec<u8>, kind: u32, flags: u32, offset: u64, vaddr: u64, paddr: u64, filesz: u64, memsz: u64, align: u64) {
        v.put32(kind);
        if self.elf64 {
            v.put32(flags);
        }
        for x in [offset, vaddr, paddr, filesz, memsz] {
            self.put_word(v, x);
        }
        if !self.elf64 {
            v.put32(flags);
        }
        self.put_word(v, align);
    }
    /// A relocation entry: RELA (ELF64) or REL without the addend (ELF32).
    pub fn put_rel(self, v: &mut Vec<u8>, offset: u64, sym: u32, kind: u32, addend: i64) {
        if self.elf64 {
            v.put64(offset);
            v.put64(((sym as u64) << 32) | kind as u64);
            v.put64(addend as u64);
        } else {
            v.put32(offset as u32);
            v.put32((sym << 8) | (kind & 0xff));
        }
    }
}

/// The ELF header fields we need, validated for little-endian ELF64 or ELF32.
pub struct Ehdr {
    pub class: Class,
    pub kind: u16,
    pub machine: u16,
    pub shoff: u64,
    pub shnum: u64,
    pub shstrndx: u32,
    /// e_flags (RISC-V: RVC and float ABI bits).
    pub flags: u32,
}

pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

pub fn parse_ehdr(b: &Bytes) -> Result<Ehdr> {
    if !is_elf(b.data) || b.data.len() < 52 {
        crate::bail!("{}: not an ELF file", b.what);
    }
    let class = match b.data[4] {
        2 if b.data.len() >= 64 => Class::ELF64,
        1 => Class::ELF32,
        _ => crate::bail!("{}: not a 64-bit or 32-bit ELF file", b.what),
    };
    if b.data[5] != 1 {
        crate::bail!("{}: not a little-endian ELF file", b.what);
    }
    // e_shoff, e_shnum, e_shstrndx.
    let (shoff, shnum_at) = if class.elf64 { (b.u64(0x28)?, 0x3c) } else { (b.u32(0x20)? as u64, 0x30) };
    let mut shnum = b.u16(shnum_at)? as u64;
    let mut shstrndx = b.u16(shnum_at + 2)? as u32;
    if shoff != 0 && (shnum == 0 || shstrndx == SHN_XINDEX) {
        // Extended numbering lives in section header 0.
        let s0 = shdr_at(b, shoff, class)?;
        if shnum == 0 {
            shnum = s0.size;
        }
        if shstrndx == SHN_XINDEX {
            shstrndx = s0.link;
        }
    }
    // e_flags follows e_shoff.
    let flags = b.u32(if class.elf64 { 0x30 } else { 0x24 })?;
    Ok(Ehdr { class, kind: b.u16(0x10)?, machine: b.u16(0x12)?, shoff, shnum, shstrndx, flags })
}

fn shdr_at(b: &Bytes, off: u64, c: Class) -> Result<Shdr> {
    let w = c.word();
    let word = |k: u64| c.read_word(b, off + 8 + k * w);
    Ok(Shdr {
        name: b.u32(off)?,
        kind: b.u32(off + 4)?,
        flags: word(0)?,
        addr: word(1)?,
        offset: word(2)?,
        size: word(3)?,
        link: b.u32(off + 8 + 4 * w)?,
        info: b.u32(off + 12 + 4 * w)?,
        align: c.read_word(b, off + 16 + 4 * w)?,
        entsize: c.read_word(b, off + 16 + 5 * w)?,
    })
}

pub fn parse_shdrs(b: &Bytes, eh: &Ehdr) -> Result<Vec<Shdr>> {
    if eh.shnum > 1 << 24 {
        crate::bail!("{}: too many sections", b.what);
    }
    (0..eh.shnum).map(|i| shdr_at(b, eh.shoff + i * eh.class.shdr_size(), eh.class)).collect()
}

/// Contents of a section (empty for NOBITS).
pub fn section_data<'a>(b: &Bytes<'a>, s: &Shdr) -> Result<&'a [u8]> {
    if s.kind == SHT_NOBITS {
        return Ok(&[]);
    }
    b.slice(s.offset, s.size)
}

/// A symbol table entry as stored.
#[derive(Clone, Debug)]
pub struct RawSym {
    pub name: u32,
    pub info: u8,
    pub other: u8,
    pub shndx: u16,
    pub value: u64,
    pub size: u64,
}

pub fn parse_syms(b: &Bytes, data: &[u8], c: Class) -> Result<Vec<RawSym>> {
    let sb = Bytes::new(data, b.what);
    let n = c.sym_size();
    (0..data.len() as u64 / n)
        .map(|i| {
            let o = i * n;
            Ok(if c.elf64 {
                RawSym { name: sb.u32(o)?, info: sb.u8(o + 4)?, other: sb.u8(o + 5)?, shndx: sb.u16(o + 6)?, value: sb.u64(o + 8)?, size: sb.u64(o + 16)? }
            } else {
                RawSym { name: sb.u32(o)?, value: sb.u32(o + 4)? as u64, size: sb.u32(o + 8)? as u64, info: sb.u8(o + 12)?, other: sb.u8(o + 13)?, shndx: sb.u16(o + 14)? }
            })
        })
        .collect()
}

/// Output helpers: append little-endian values.
pub trait Put {
    fn put16(&mut self, v: u16);
    fn put32(&mut self, v: u32);
    fn put64(&mut self, v: u64);
}

impl Put for Vec<u8> {
    fn put16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
}

pub fn align_up(v: u64, a: u64) -> u64 {
    if a <= 1 {
        v
    } else {
        v.div_ceil(a) * a
    }
}
