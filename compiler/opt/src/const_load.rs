//! Loads from read-only data defined in this translation unit, at a constant offset
//! and within initialised bytes, become constants: `static const int tab[] = {...};
//! tab[2]` or `const double one = 1.0; (int)one`. Weak definitions are left alone
//! (another object may replace them), as are bytes holding relocated addresses.

use std::collections::BTreeMap;

use ccc_ir::{BinOp, Function, Global, InitPiece, InstKind, Linkage, Type};

/// The contents of the translation unit's foldable read-only globals, by name.
pub struct Images<'m>(BTreeMap<&'m str, Vec<u8>>);

impl<'m> Images<'m> {
    pub fn new(globals: &'m [Global]) -> Self {
        Images(globals.iter().filter_map(|g| Some((g.name.as_str(), constant_image(g)?))).collect())
    }

    /// The constant a load of `ty` from `name + offset` reads, when the bytes are known.
    pub(crate) fn read(&self, name: &str, offset: i64, ty: Type) -> Option<InstKind> {
        read_constant(self.0.get(name)?, offset, ty)
    }
}

/// Fold the loads of `f` that read constant bytes; returns whether any did.
pub fn run(f: &mut Function, images: &Images) -> bool {
    !images.0.is_empty() && fold_loads(f, &images.0)
}

/// The bytes of a read-only global when every byte is known (no addresses).
fn constant_image(g: &Global) -> Option<Vec<u8>> {
    if !g.readonly || g.thread_local || g.attrs.linkage == Linkage::Weak || g.attrs.section.is_some() {
        return None;
    }
    let mut bytes = Vec::with_capacity(g.size as usize);
    for p in g.init.as_ref()? {
        match p {
            InitPiece::Bytes(b) => bytes.extend_from_slice(b),
            InitPiece::Zero(n) => bytes.resize(bytes.len() + *n as usize, 0),
            InitPiece::Addr { .. } | InitPiece::LabelAddr { .. } => return None,
        }
    }
    Some(bytes)
}

fn fold_loads(f: &mut Function, images: &BTreeMap<&str, Vec<u8>>) -> bool {
    let mut changed = false;
    // Values known to be the address of a foldable global plus a constant
    // (array indexing with a constant index adds to the global's address).
    let mut addr: Vec<Option<(String, i64)>> = vec![None; f.values.len()];
    let mut consts: Vec<Option<i128>> = vec![None; f.values.len()];
    for b in f.layout.clone() {
        for inst in &mut f.blocks[b.index()].insts {
            let Some(r) = inst.result else { continue };
            match &inst.kind {
                InstKind::IConst { value, .. } => consts[r.index()] = Some(*value),
                InstKind::GlobalAddr { name, offset } if images.contains_key(name.as_str()) => {
                    addr[r.index()] = Some((name.clone(), *offset));
                }
                InstKind::Binary { op: BinOp::Add, ty: Type::Ptr, lhs, rhs } => {
                    if let (Some((name, off)), Some(k)) = (&addr[lhs.index()], consts[rhs.index()]) {
                        addr[r.index()] = Some((name.clone(), off.wrapping_add(k as i64)));
                    }
                }
                InstKind::Load { ty, ptr, volatile: false } => {
                    let Some((name, offset)) = &addr[ptr.index()] else { continue };
                    if let Some(k) = read_constant(&images[name.as_str()], *offset, *ty) {
                        if let InstKind::IConst { value, .. } = k {
                            consts[r.index()] = Some(value);
                        }
                        inst.kind = k;
                        changed = true;
                    }
                }
                _ => {}
            }
        }
    }
    changed
}

/// The constant a load of `ty` at `offset` reads, as an instruction.
fn read_constant(image: &[u8], offset: i64, ty: Type) -> Option<InstKind> {
    let size = ty.size() as usize;
    let start = usize::try_from(offset).ok()?;
    let bytes = image.get(start..start.checked_add(size)?)?;
    let mut raw = [0u8; 16];
    raw[..size].copy_from_slice(bytes);
    let bits = u128::from_le_bytes(raw);
    Some(match ty {
        Type::F32 | Type::F64 => InstKind::FConst { ty, bits },
        t if t.is_int() => InstKind::IConst { ty, value: crate::fold::wrap(bits as i128, ty) },
        _ => return None,
    })
}
