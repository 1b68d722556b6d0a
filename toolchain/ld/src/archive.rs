//! `ar` archives (regular and thin) with the System V symbol index.

use crate::error::Result;
use crate::{bail, err};

pub struct Archive {
    pub name: String,
    data: Vec<u8>,
    thin: bool,
    /// (symbol, member header offset), in index order.
    pub index: Vec<(String, usize)>,
    long_names: Vec<u8>,
}

pub struct Member {
    pub name: String,
    pub data: Vec<u8>,
}

pub fn is_archive(d: &[u8]) -> bool {
    d.starts_with(b"!<arch>\n") || d.starts_with(b"!<thin>\n")
}

fn field(h: &[u8], a: usize, b: usize) -> &str {
    std::str::from_utf8(&h[a..b]).unwrap_or("").trim_end()
}

impl Archive {
    pub fn parse(name: String, data: Vec<u8>) -> Result<Archive> {
        let thin = data.starts_with(b"!<thin>\n");
        let mut a = Archive { name, data, thin, index: vec![], long_names: vec![] };
        let mut off = 8;
        // The special members come first: "/" (index) and "//" (long names).
        while let Some((hdr_name, body, next)) = a.header(off)? {
            match hdr_name.as_str() {
                "/" => a.index = a.parse_index(body.0, body.1)?,
                "//" => a.long_names = a.data[body.0..body.0 + body.1].to_vec(),
                "/SYM64/" => bail!("{}: 64-bit archive index is not supported", a.name),
                _ => break,
            }
            off = next;
        }
        Ok(a)
    }

    /// Header at `off`: (raw name, (body offset, size), next header offset).
    fn header(&self, off: usize) -> Result<Option<(String, (usize, usize), usize)>> {
        if off >= self.data.len() {
            return Ok(None);
        }
        let h = self.data.get(off..off + 60).ok_or_else(|| err!("{}: truncated archive member header", self.name))?;
        if &h[58..60] != b"`\n" {
            bail!("{}: malformed archive member header at {:#x}", self.name, off);
        }
        let size: usize = field(h, 48, 58).parse().map_err(|_| err!("{}: bad member size", self.name))?;
        let raw = field(h, 0, 16).to_string();
        let body = off + 60;
        // Thin archives store only the special members' bodies.
        let stored = if self.thin && raw != "/" && raw != "//" { 0 } else { size };
        if body + stored > self.data.len() {
            bail!("{}: truncated archive member", self.name);
        }
        let next = body + stored + (stored & 1);
        Ok(Some((raw, (body, size), next)))
    }

    fn parse_index(&self, off: usize, size: usize) -> Result<Vec<(String, usize)>> {
        let d = &self.data[off..off + size];
        let be = |o: usize| -> Result<usize> {
            d.get(o..o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or_else(|| err!("{}: corrupt archive index", self.name))
        };
        let n = be(0)?;
        if n.checked_mul(4).map_or(true, |x| x + 4 > d.len()) {
            bail!("{}: corrupt archive index", self.name);
        }
        let mut names = 4 + n * 4;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let end = d[names..].iter().position(|&c| c == 0).ok_or_else(|| err!("{}: corrupt archive index", self.name))? + names;
            out.push((String::from_utf8_lossy(&d[names..end]).into_owned(), be(4 + i * 4)?));
            names = end + 1;
        }
        Ok(out)
    }

    fn member_name(&self, raw: &str) -> Result<String> {
        if let Some(num) = raw.strip_prefix('/') {
            // Some thin archives end the field with `/` too ("/4082          /").
            let o: usize = num.trim_end_matches('/').trim().parse().map_err(|_| err!("{}: bad long member name", self.name))?;
            let rest = self.long_names.get(o..).ok_or_else(|| err!("{}: bad long member name", self.name))?;
            let end = rest.iter().position(|&c| c == b'\n' || c == 0).unwrap_or(rest.len());
            let n = String::from_utf8_lossy(&rest[..end]).into_owned();
            return Ok(n.trim_end_matches('/').to_string());
        }
        Ok(raw.trim_end_matches('/').to_string())
    }

    /// The member whose header is at `off`.
    pub fn member(&self, off: usize) -> Result<Member> {
        let (raw, (body, size), _) = self.header(off)?.ok_or_else(|| err!("{}: bad member offset {:#x}", self.name, off))?;
        let name = self.member_name(&raw)?;
        if self.thin {
            let dir = std::path::Path::new(&self.name).parent().map(|p| p.to_path_buf()).unwrap_or_default();
            let path = dir.join(&name);
            let data = std::fs::read(&path).map_err(|e| err!("{}: cannot read thin member {}: {}", self.name, path.display(), e))?;
            return Ok(Member { name, data });
        }
        Ok(Member { name, data: self.data[body..body + size].to_vec() })
    }

    /// Header offsets of every regular member (for `--whole-archive`).
    pub fn all_members(&self) -> Result<Vec<usize>> {
        let mut out = vec![];
        let mut off = 8;
        while let Some((raw, _, next)) = self.header(off)? {
            if raw != "/" && raw != "//" && raw != "/SYM64/" {
                out.push(off);
            }
            off = next;
        }
        Ok(out)
    }
}
