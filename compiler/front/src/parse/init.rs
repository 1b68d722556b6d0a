//! Initializers: braces, designators and brace elision, flattened into a
//! sorted list of (offset, scalar expression) items.

use super::*;

/// Collects items; later designated initializers replace earlier ones.
struct Items {
    list: Vec<InitItem>,
    /// Byte size of each item (0 for bitfields, which use their bit range).
    sizes: Vec<u64>,
    designated: bool,
    /// End of the elements a flexible array member was given: its trailing `{}`
    /// elements are all zeros, so no item shows them, but they count (GCC).
    fam_end: u64,
}

impl Items {
    fn new(designated: bool) -> Items {
        Items { list: Vec::new(), sizes: Vec::new(), designated, fam_end: 0 }
    }

    fn add(&mut self, item: InitItem, size: u64) {
        if self.designated {
            let (lo, hi) = bit_range(&item, size);
            let mut keep_list = Vec::with_capacity(self.list.len());
            let mut keep_sizes = Vec::with_capacity(self.list.len());
            for (old, osize) in self.list.drain(..).zip(self.sizes.drain(..)) {
                let (olo, ohi) = bit_range(&old, osize);
                if ohi <= lo || olo >= hi {
                    keep_list.push(old);
                    keep_sizes.push(osize);
                }
            }
            self.list = keep_list;
            self.sizes = keep_sizes;
        }
        self.list.push(item);
        self.sizes.push(size);
    }
}

fn bit_range(item: &InitItem, size: u64) -> (u64, u64) {
    match item.bitfield {
        Some((bo, w, _)) => (item.offset * 8 + bo as u64, item.offset * 8 + bo as u64 + w as u64),
        None => (item.offset * 8, (item.offset + size.max(1)) * 8),
    }
}

impl<'a> Parser<'a> {
    /// Parse an initializer for an object of type `ty`. Returns the
    /// flattened initializer and the type completed by it (`int a[] = {..}`).
    pub(super) fn initializer(&mut self, ty: &CType, is_static: bool) -> PResult<(Initializer, CType)> {
        let _ = is_static;
        let mut items = Items::new(false);
        let mut pending = None;
        let mut ty = ty.clone();
        if ty.is_vla() {
            if self.is_punct("{") && self.peek_at(1).is("}") {
                self.advance();
                self.advance();
                return Ok((Initializer { size: 0, items: Vec::new(), whole: None }, ty));
            }
            return Err(self.error_here("variable-sized object may not be initialized"));
        }
        if !self.is_punct("{") && matches!(ty.kind, Kind::Vector { .. }) {
            // A vector initialised from one vector-valued expression.
            let e = self.assign_expr()?;
            let e = self.decay(e);
            let size = self.layout().size(&ty);
            return Ok((Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: e }], whole: None }, ty));
        }
        if !self.is_punct("{") && !ty.is_array() && !matches!(ty.kind, Kind::Vector { .. }) {
            let e = self.assign_expr()?;
            if ty.is_record() {
                let e = self.decay(e);
                if e.ty.is_record() && same_type_unqual(&e.ty, &ty, &self.tables) {
                    let size = self.layout().size(&ty);
                    return Ok((Initializer { size, items: Vec::new(), whole: Some(e) }, ty));
                }
                pending = Some(e);
            } else {
                let loc = e.loc;
                let e = self.assign_convert(e, &ty, loc)?;
                let size = self.layout().size(&ty);
                return Ok((Initializer { size, items: vec![InitItem { offset: 0, bitfield: None, expr: e }], whole: None }, ty));
            }
        }
        let count = self.init_element(&ty, 0, &mut items, &mut pending, true)?;
        if let Kind::Array { elem, len: None } = &ty.kind {
            ty = CType::array_of((**elem).clone(), Some(count.unwrap_or(0)));
        }
        let mut size = self.layout().size(&ty);
        let mut list = std::mem::take(&mut items.list);
        list.sort_by_key(|i| (i.offset, i.bitfield.map(|b| b.0).unwrap_or(0)));
        for it in &list {
            let isz = if it.bitfield.is_some() { 0 } else { self.layout().size(&it.expr.ty) };
            size = size.max(it.offset + isz);
        }
        size = size.max(items.fam_end);
        Ok((Initializer { size, items: list, whole: None }, ty))
    }

    /// Initialize the (sub)object `ty` at `off`. Returns, for arrays, the
    /// number of elements initialized (to complete `[]` types).
    fn init_element(&mut self, ty: &CType, off: u64, items: &mut Items, pending: &mut Option<Expr>, top: bool) -> PResult<Option<u64>> {
        let is_agg = ty.is_array() || ty.is_record() || matches!(ty.kind, Kind::Vector { .. }) || ty.is_complex() && false;
        if !is_agg {
            return self.init_scalar(ty, off, items, pending, None).map(|_| None);
        }
        // A pending expression (from brace elision) may initialise the whole aggregate.
        if let Some(e) = pending.take() {
            if let Some(r) = self.try_whole(ty, off, items, e)? {
                *pending = Some(r);
            } else {
                return Ok(None);
            }
        }
        if pending.is_none() {
            if self.is_punct("{") {
                self.advance();
                // `char s[] = { "text" }`: braces around a string literal.
                if ty.is_array() && self.peek().kind == TokenKind::Str {
                    let save = self.pos;
                    if let Some(n) = self.try_string_init(ty, off, items)? {
                        self.eat(",");
                        if self.eat("}") {
                            return Ok(Some(n));
                        }
                    }
                    self.pos = save;
                }
                let n = self.init_aggregate(ty, off, items, pending, true)?;
                self.eat(",");
                self.expect("}")?;
                return Ok(n);
            }
            if ty.is_array() && self.peek().kind == TokenKind::Str {
                if let Some(n) = self.try_string_init(ty, off, items)? {
                    return Ok(Some(n));
                }
            }
            if !top {
                // Brace elision: the next expression may be a whole aggregate.
                let e = self.assign_expr()?;
                if let Some(r) = self.try_whole(ty, off, items, e)? {
                    *pending = Some(r);
                } else {
                    return Ok(None);
                }
            }
        }
        self.init_aggregate(ty, off, items, pending, false)
    }

    /// If `e` can initialise all of `ty` (same struct type, or a string for a
    /// char array), add it and return None; otherwise give it back.
    fn try_whole(&mut self, ty: &CType, off: u64, items: &mut Items, e: Expr) -> PResult<Option<Expr>> {
        if ty.is_record() && e.ty.is_record() && same_type_unqual(&e.ty, ty, &self.tables) {
            let size = self.layout().size(ty);
            items.add(InitItem { offset: off, bitfield: None, expr: e }, size);
            return Ok(None);
        }
        if let (Kind::Array { elem, len }, ExprKind::Str(bytes)) = (&ty.kind, &e.kind) {
            if elem.is_integer() && self.layout().size(elem) == self.layout().size(e.ty.base().unwrap_or(elem)) {
                let _ = (len, bytes);
                self.add_string(ty, off, items, e);
                return Ok(None);
            }
        }
        if matches!(ty.kind, Kind::Vector { .. }) && matches!(e.ty.kind, Kind::Vector { .. }) {
            let size = self.layout().size(ty);
            items.add(InitItem { offset: off, bitfield: None, expr: e }, size);
            return Ok(None);
        }
        Ok(Some(e))
    }

    fn try_string_init(&mut self, ty: &CType, off: u64, items: &mut Items) -> PResult<Option<u64>> {
        let elem = ty.base().cloned().unwrap_or_else(CType::void);
        if !elem.is_integer() {
            return Ok(None);
        }
        let e = self.string_literal()?;
        let es = self.layout().size(&elem);
        let ss = e.ty.base().map(|b| self.layout().size(b)).unwrap_or(1);
        if es != ss {
            return Err(self.error_at(e.loc, "array initialized from incompatible string literal"));
        }
        let n = self.add_string(ty, off, items, e);
        Ok(Some(n))
    }

    /// Add a string literal initializing a char array; returns the element count.
    fn add_string(&mut self, ty: &CType, off: u64, items: &mut Items, mut e: Expr) -> u64 {
        let str_len = match e.ty.kind {
            Kind::Array { len, .. } => len.unwrap_or(1),
            _ => 1,
        };
        let n = match ty.kind {
            Kind::Array { len: Some(n), .. } => n,
            _ => str_len,
        };
        let elem = ty.base().cloned().unwrap_or_else(|| CType::char(true));
        let es = self.layout().size(&elem);
        if let ExprKind::Str(bytes) = &mut e.kind {
            // Truncate (GCC: the terminator may be dropped when it does not fit).
            let max = (n * es) as usize;
            if bytes.len() > max {
                bytes.truncate(max);
            }
        }
        e.ty = CType::array_of(elem, Some(n));
        items.add(InitItem { offset: off, bitfield: None, expr: e }, n * es);
        n
    }

    fn init_scalar(&mut self, ty: &CType, off: u64, items: &mut Items, pending: &mut Option<Expr>, bitfield: Option<(u32, u32, u32)>) -> PResult<()> {
        let e = match pending.take() {
            Some(e) => e,
            None => {
                if self.is_punct("{") {
                    // Braces around a scalar initializer.
                    self.advance();
                    if self.eat("}") {
                        let z = Expr::new(ExprKind::Int(0), CType::int(), self.loc());
                        let z = self.convert(z, ty.clone());
                        let size = self.layout().size(ty);
                        items.add(InitItem { offset: off, bitfield, expr: z }, size);
                        return Ok(());
                    }
                    self.init_scalar(ty, off, items, pending, bitfield)?;
                    while self.eat(",") {
                        if self.is_punct("}") {
                            break;
                        }
                        // Excess elements in a scalar initializer: GCC warns and drops them.
                        let _ = self.assign_expr()?;
                    }
                    self.expect("}")?;
                    return Ok(());
                }
                self.assign_expr()?
            }
        };
        let loc = e.loc;
        let e = if ty.is_complex() {
            let e = self.decay(e);
            self.convert(e, ty.clone())
        } else {
            self.assign_convert(e, ty, loc)?
        };
        let size = self.layout().size(ty);
        items.add(InitItem { offset: off, bitfield, expr: e }, size);
        Ok(())
    }

    /// The members of an aggregate, braced (`{...}` already opened) or
    /// elided (consume only as many initializers as the aggregate needs).
    fn init_aggregate(&mut self, ty: &CType, off: u64, items: &mut Items, pending: &mut Option<Expr>, braced: bool) -> PResult<Option<u64>> {
        match &ty.kind {
            Kind::Array { elem, len } => {
                let elem = (**elem).clone();
                let es = self.layout().size(&elem);
                let mut idx: u64 = 0;
                let mut max: u64 = 0;
                let mut first = true;
                loop {
                    if !first || pending.is_none() {
                        if self.is_punct("}") {
                            break;
                        }
                    }
                    if !first {
                        if !self.separator(braced, len.map(|l| idx >= l).unwrap_or(false)) {
                            break;
                        }
                    }
                    first = false;
                    if pending.is_none() && (self.is_punct("[") || self.is_punct(".")) {
                        if !braced {
                            break;
                        }
                        let (lo, hi) = self.array_designator(&elem, off, es, items, len.is_none())?;
                        let _ = lo;
                        idx = hi + 1;
                        max = max.max(idx);
                        continue;
                    }
                    if let Some(l) = len {
                        if idx >= *l {
                            if braced {
                                self.warn_at(self.loc(), "excess elements in array initializer");
                                let _ = self.assign_expr_or_braces()?;
                                continue;
                            }
                            break;
                        }
                    }
                    self.init_element(&elem, off + idx * es, items, pending, false)?;
                    idx += 1;
                    max = max.max(idx);
                }
                Ok(Some(max))
            }
            Kind::Vector { elem, size } => {
                let elem = (**elem).clone();
                let es = self.layout().size(&elem).max(1);
                let n = size / es;
                let arr = CType::array_of(elem, Some(n));
                self.init_aggregate(&arr, off, items, pending, braced)
            }
            Kind::Record(rid) => {
                let rec = self.tables.record(*rid).clone();
                let mut fi = 0usize;
                let mut first = true;
                loop {
                    if !first || pending.is_none() {
                        if self.is_punct("}") {
                            break;
                        }
                    }
                    // Skip unnamed bitfields.
                    while fi < rec.fields.len() && rec.fields[fi].name.is_none() && rec.fields[fi].bit_width.is_some() {
                        fi += 1;
                    }
                    let full = fi >= rec.fields.len() || (rec.is_union && !first);
                    if !first {
                        if !self.separator(braced, full) {
                            break;
                        }
                    }
                    first = false;
                    if pending.is_none() && (self.is_punct(".") || self.is_punct("[") || (self.peek().kind == TokenKind::Ident && self.peek_at(1).is(":") && braced)) {
                        if !braced {
                            break;
                        }
                        fi = self.field_designator(*rid, off, items)? + 1;
                        continue;
                    }
                    while fi < rec.fields.len() && rec.fields[fi].name.is_none() && rec.fields[fi].bit_width.is_some() {
                        fi += 1;
                    }
                    if fi >= rec.fields.len() || (rec.is_union && fi > 0) {
                        if braced {
                            self.warn_at(self.loc(), "excess elements in struct initializer");
                            let _ = self.assign_expr_or_braces()?;
                            continue;
                        }
                        break;
                    }
                    let f = rec.fields[fi].clone();
                    self.init_field(&f, off, items, pending)?;
                    fi += 1;
                }
                Ok(None)
            }
            _ => {
                self.init_scalar(ty, off, items, pending, None)?;
                Ok(None)
            }
        }
    }

    /// Between elements: consume a `,` unless the aggregate (when elided) is
    /// full or a designator for an outer level follows. Returns whether
    /// parsing of this aggregate continues.
    fn separator(&mut self, braced: bool, full: bool) -> bool {
        if !self.is_punct(",") {
            return false;
        }
        if braced {
            self.advance();
            return !self.is_punct("}");
        }
        if full {
            return false;
        }
        let next = self.peek_at(1);
        if next.is("}") || next.is("[") || next.is(".") {
            return false;
        }
        if next.kind == TokenKind::Ident && self.peek_at(2).is(":") {
            return false;
        }
        self.advance();
        true
    }

    fn assign_expr_or_braces(&mut self) -> PResult<()> {
        if self.is_punct("{") {
            self.advance();
            self.skip_braced()?;
            return Ok(());
        }
        self.assign_expr().map(|_| ())
    }

    fn skip_braced(&mut self) -> PResult<()> {
        let mut depth = 1;
        while depth > 0 {
            if self.at_eof() {
                return Err(self.error_here("expected '}' at end of input"));
            }
            if self.is_punct("{") {
                depth += 1;
            } else if self.is_punct("}") {
                depth -= 1;
            }
            self.advance();
        }
        Ok(())
    }

    fn init_field(&mut self, f: &Field, off: u64, items: &mut Items, pending: &mut Option<Expr>) -> PResult<()> {
        if let Some(w) = f.bit_width {
            return self.init_scalar(&f.ty, off + f.offset, items, pending, Some((f.bit_offset, w, f.storage_size)));
        }
        let count = self.init_element(&f.ty, off + f.offset, items, pending, false)?;
        if let (Kind::Array { elem, len: None }, Some(n)) = (&f.ty.kind, count) {
            let end = off + f.offset + n * self.layout().size(elem);
            items.fam_end = items.fam_end.max(end);
        }
        Ok(())
    }

    /// `[lo] = v`, `[lo ... hi] = v`, possibly followed by more designators.
    /// Returns the index range covered.
    fn array_designator(&mut self, elem: &CType, off: u64, es: u64, items: &mut Items, _open: bool) -> PResult<(u64, u64)> {
        let loc = self.loc();
        if !self.eat("[") {
            return Err(self.error_at(loc, "field name not in record or union initializer"));
        }
        items.designated = true;
        let lo = self.const_expr()?;
        let hi = if self.eat("...") { self.const_expr()? } else { lo };
        self.expect("]")?;
        if lo < 0 || hi < lo {
            return Err(self.error_at(loc, "array index in initializer out of bounds"));
        }
        let (lo, hi) = (lo as u64, hi as u64);
        // Parse the rest once at offset 0, then replicate for each index.
        let mut sub = Items::new(true);
        self.designation_rest(elem, 0, &mut sub)?;
        for i in lo..=hi {
            for (it, size) in sub.list.iter().zip(&sub.sizes) {
                let mut it = it.clone();
                it.offset += off + i * es;
                items.add(it, *size);
            }
            if sub.fam_end > 0 {
                items.fam_end = items.fam_end.max(off + i * es + sub.fam_end);
            }
        }
        Ok((lo, hi))
    }

    /// After the first designator: more designators then `=` and a value.
    fn designation_rest(&mut self, ty: &CType, off: u64, items: &mut Items) -> PResult<()> {
        if self.is_punct("[") {
            let elem = ty.base().cloned().ok_or_else(|| self.error_here("array index in non-array initializer"))?;
            let es = self.layout().size(&elem);
            self.array_designator(&elem, off, es, items, false)?;
            return Ok(());
        }
        if self.is_punct(".") {
            let rid = match ty.kind {
                Kind::Record(r) => r,
                _ => return Err(self.error_here("field name not in record or union initializer")),
            };
            self.field_designator(rid, off, items)?;
            return Ok(());
        }
        self.eat("=");
        let mut pending = None;
        self.init_element(ty, off, items, &mut pending, false)?;
        Ok(())
    }

    /// `.name = v` (or GNU `name: v`); returns the index of the top-level field.
    fn field_designator(&mut self, rid: RecordId, off: u64, items: &mut Items) -> PResult<usize> {
        items.designated = true;
        let (name, loc) = if self.eat(".") {
            self.expect_ident()?
        } else if self.peek().kind == TokenKind::Ident && self.peek_at(1).is(":") {
            let t = self.advance();
            self.advance();
            let mut pending = None;
            let path = self.find_member(rid, t.text).ok_or_else(|| self.error_at(t.loc, format!("unknown field '{}' specified in initializer", t.text)))?;
            let (f, foff) = self.walk_path(&path, off);
            self.init_field_at(&f, foff, items, &mut pending)?;
            return Ok(path[0].1);
        } else {
            return Err(self.error_here("expected field designator"));
        };
        let path = self.find_member(rid, name).ok_or_else(|| self.error_at(loc, format!("unknown field '{name}' specified in initializer")))?;
        let (f, foff) = self.walk_path(&path, off);
        if self.is_punct("[") || self.is_punct(".") {
            if f.bit_width.is_some() {
                return Err(self.error_here("designator into a bit-field"));
            }
            self.designation_rest(&f.ty, foff + f.offset, items)?;
        } else {
            self.eat("=");
            let mut pending = None;
            self.init_field_at(&f, foff, items, &mut pending)?;
        }
        Ok(path[0].1)
    }

    fn walk_path(&self, path: &[(RecordId, usize)], off: u64) -> (Field, u64) {
        let mut o = off;
        for (i, (r, fi)) in path.iter().enumerate() {
            let f = self.tables.record(*r).fields[*fi].clone();
            if i + 1 == path.len() {
                return (f, o);
            }
            o += f.offset;
        }
        unreachable!("empty member path")
    }

    fn init_field_at(&mut self, f: &Field, base: u64, items: &mut Items, pending: &mut Option<Expr>) -> PResult<()> {
        self.init_field(f, base, items, pending)
    }
}
