//! Declarations: specifiers, declarators, records, enums, attributes, and
//! the top-level items (functions and globals).

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    None,
    Typedef,
    Extern,
    Static,
    Auto,
    Register,
}

#[derive(Clone, Debug)]
pub struct DeclSpec {
    pub ty: CType,
    pub storage: Storage,
    pub thread_local: bool,
    pub inline: bool,
    pub noreturn: bool,
    pub attrs: DeclAttrs,
    pub align: u32,
    /// `__auto_type`: the type comes from the initializer.
    pub auto_type: bool,
}

/// The state a function definition starts from: its parameter locals, and
/// statements computing VLA sizes that parameter types need.
pub(super) struct ParamState {
    pub(super) state: FuncState,
    pub(super) params: Vec<LocalId>,
}

impl<'a> Parser<'a> {
    /// Does the current token start a declaration (specifier or qualifier)?
    pub(super) fn is_decl_start(&self) -> bool {
        let t = self.peek();
        if t.kind != TokenKind::Ident {
            return false;
        }
        match self.keyword() {
            Some(k) => is_type_keyword(k) || matches!(k, Kw::Typedef | Kw::Extern | Kw::Static | Kw::Auto | Kw::Register | Kw::ThreadLocal | Kw::Inline | Kw::Noreturn | Kw::Alignas | Kw::AutoType | Kw::StaticAssert),
            None => self.is_typedef_name(t),
        }
    }

    /// Is the current token the start of a type name (for casts, sizeof)?
    pub(super) fn is_type_name_start(&self) -> bool {
        if self.keyword() == Some(Kw::Extension) {
            return self.keyword_at(1).is_some() || self.is_typedef_name(self.peek_at(1));
        }
        self.is_decl_start() && !matches!(self.keyword(), Some(Kw::StaticAssert))
    }

    // ------------------------------------------------------------ attributes

    /// Parse any number of `__attribute__((...))` and `asm("label")` clauses.
    pub(super) fn attributes(&mut self, attrs: &mut DeclAttrs) -> PResult<()> {
        loop {
            match self.keyword() {
                Some(Kw::Attribute) => {
                    self.advance();
                    self.expect("(")?;
                    self.expect("(")?;
                    while !self.is_punct(")") {
                        if self.eat(",") {
                            continue;
                        }
                        self.attribute(attrs)?;
                    }
                    self.expect(")")?;
                    self.expect(")")?;
                }
                Some(Kw::Asm) => {
                    self.advance();
                    self.expect("(")?;
                    let s = self.string_literal()?;
                    if let ExprKind::Str(b) = s.kind {
                        attrs.asm_label = Some(String::from_utf8_lossy(&b).into_owned());
                    }
                    self.expect(")")?;
                }
                _ => {
                    // C23 `[[attr]]`.
                    if self.is_punct("[") && self.peek_at(1).is("[") {
                        self.advance();
                        self.advance();
                        let mut depth = 0;
                        while !(depth == 0 && self.is_punct("]")) {
                            if self.at_eof() {
                                return Err(self.error_here("unterminated attribute"));
                            }
                            if self.is_punct("(") {
                                depth += 1;
                            } else if self.is_punct(")") {
                                depth -= 1;
                            }
                            self.advance();
                        }
                        self.expect("]")?;
                        self.expect("]")?;
                        continue;
                    }
                    return Ok(());
                }
            }
        }
    }

    fn attribute(&mut self, attrs: &mut DeclAttrs) -> PResult<()> {
        let t = self.advance();
        if t.kind != TokenKind::Ident {
            return Err(self.error_at(t.loc, "expected attribute name"));
        }
        let raw = t.text.as_str();
        let name = strip_underscores(raw);
        let mut args: Vec<Expr> = Vec::new();
        let mut ident_arg: Option<Sym> = None;
        if self.eat("(") {
            // Attribute arguments: identifiers (for mode/cleanup/format) or expressions.
            while !self.is_punct(")") {
                if self.peek().kind == TokenKind::Ident && self.keyword().is_none() && self.lookup(self.peek().text).is_none() && (self.peek_at(1).is(",") || self.peek_at(1).is(")")) {
                    let id = self.advance().text;
                    if ident_arg.is_none() {
                        ident_arg = Some(id);
                    }
                } else if name == "cleanup" && self.peek().kind == TokenKind::Ident {
                    ident_arg = Some(self.advance().text);
                } else {
                    args.push(self.assign_expr()?);
                }
                if !self.eat(",") {
                    break;
                }
            }
            self.expect(")")?;
        }
        let str_arg = |args: &[Expr]| -> Option<String> {
            args.first().and_then(|e| match &e.kind {
                ExprKind::Str(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
        };
        match name {
            "aligned" => {
                let a = match args.first() {
                    Some(e) => self.const_int(e)? as u32,
                    None => 16,
                };
                attrs.aligned = Some(attrs.aligned.unwrap_or(0).max(a));
            }
            "packed" => attrs.packed = true,
            "transparent_union" => attrs.transparent_union = true,
            "section" => attrs.section = str_arg(&args),
            "weak" => attrs.weak = true,
            "alias" => attrs.alias = str_arg(&args),
            "visibility" => attrs.visibility = str_arg(&args),
            "used" => attrs.used = true,
            "constructor" | "destructor" => {
                let prio = match args.first() {
                    Some(e) => Some(self.const_int(e)? as u32),
                    None => None,
                };
                if name == "constructor" {
                    attrs.constructor = Some(prio);
                } else {
                    attrs.destructor = Some(prio);
                }
            }
            "noinline" => attrs.noinline = true,
            "always_inline" => attrs.always_inline = true,
            "no_instrument_function" => attrs.no_instrument = true,
            "noreturn" => attrs.noreturn = true,
            "gnu_inline" => attrs.gnu_inline = true,
            "returns_twice" => attrs.returns_twice = true,
            "cleanup" => attrs.cleanup = ident_arg,
            "mode" => attrs.mode = ident_arg,
            "vector_size" => {
                if let Some(e) = args.first() {
                    attrs.vector_size = Some(self.const_int(e)? as u64);
                }
            }
            "tls_model" => attrs.tls_model = str_arg(&args),
            "common" => attrs.common = true,
            "nocommon" => attrs.no_common = true,
            _ => {} // GCC ignores unknown attributes with a warning; so do we, silently.
        }
        Ok(())
    }

    // ------------------------------------------------------------ specifiers

    pub(super) fn decl_specifiers(&mut self, allow_storage: bool) -> PResult<DeclSpec> {
        let loc = self.loc();
        let mut spec = DeclSpec {
            ty: CType::int(),
            storage: Storage::None,
            thread_local: false,
            inline: false,
            noreturn: false,
            attrs: DeclAttrs::default(),
            align: 0,
            auto_type: false,
        };
        #[derive(Default)]
        struct Counts {
            void: u8,
            bool_: u8,
            char_: u8,
            short: u8,
            int: u8,
            long: u8,
            float: u8,
            double: u8,
            signed: u8,
            unsigned: u8,
            complex: u8,
            int128: u8,
            float128: u8,
        }
        let mut c = Counts::default();
        let mut user: Option<CType> = None;
        let mut quals = 0u8;
        let mut any = false;
        loop {
            let t = *self.peek();
            if t.kind != TokenKind::Ident {
                break;
            }
            let kw = self.keyword();
            match kw {
                Some(Kw::Attribute) => {
                    self.attributes(&mut spec.attrs)?;
                    continue;
                }
                Some(Kw::Extension) => {
                    self.advance();
                    continue;
                }
                Some(Kw::Typedef | Kw::Extern | Kw::Static | Kw::Auto | Kw::Register) => {
                    if !allow_storage {
                        return Err(self.error_at(t.loc, "storage class specified where it is not allowed"));
                    }
                    self.advance();
                    let s = match kw {
                        Some(Kw::Typedef) => Storage::Typedef,
                        Some(Kw::Extern) => Storage::Extern,
                        Some(Kw::Static) => Storage::Static,
                        Some(Kw::Auto) => Storage::Auto,
                        _ => Storage::Register,
                    };
                    if spec.storage != Storage::None && spec.storage != s {
                        return Err(self.error_at(t.loc, "multiple storage classes in declaration specifiers"));
                    }
                    spec.storage = s;
                    continue;
                }
                Some(Kw::ThreadLocal) => {
                    self.advance();
                    spec.thread_local = true;
                    continue;
                }
                Some(Kw::Inline) => {
                    self.advance();
                    spec.inline = true;
                    continue;
                }
                Some(Kw::Noreturn) => {
                    self.advance();
                    spec.noreturn = true;
                    spec.attrs.noreturn = true;
                    continue;
                }
                Some(Kw::Const) => {
                    self.advance();
                    quals |= Q_CONST;
                    continue;
                }
                Some(Kw::Volatile) => {
                    self.advance();
                    quals |= Q_VOLATILE;
                    continue;
                }
                Some(Kw::Restrict) => {
                    self.advance();
                    quals |= Q_RESTRICT;
                    continue;
                }
                Some(Kw::Atomic) => {
                    self.advance();
                    if self.is_punct("(") {
                        self.advance();
                        let t = self.type_name()?;
                        self.expect(")")?;
                        user = Some(t);
                        any = true;
                    }
                    quals |= Q_ATOMIC;
                    continue;
                }
                Some(Kw::Alignas) => {
                    self.advance();
                    self.expect("(")?;
                    let a = if self.is_type_name_start() {
                        let t = self.type_name()?;
                        self.layout().align(&t)
                    } else {
                        let e = self.const_expr()?;
                        e as u32
                    };
                    self.expect(")")?;
                    spec.align = spec.align.max(a);
                    continue;
                }
                _ => {}
            }
            // Type specifiers.
            if user.is_some() {
                break;
            }
            let counted = match kw {
                Some(Kw::Void) => Some(&mut c.void),
                Some(Kw::Bool) => Some(&mut c.bool_),
                Some(Kw::Char) => Some(&mut c.char_),
                Some(Kw::Short) => Some(&mut c.short),
                Some(Kw::Int) => Some(&mut c.int),
                Some(Kw::Long) => Some(&mut c.long),
                Some(Kw::Float) => Some(&mut c.float),
                Some(Kw::Double) => Some(&mut c.double),
                Some(Kw::Signed) => Some(&mut c.signed),
                Some(Kw::Unsigned) => Some(&mut c.unsigned),
                Some(Kw::Complex) => Some(&mut c.complex),
                Some(Kw::Int128) => Some(&mut c.int128),
                Some(Kw::Float128) => Some(&mut c.float128),
                _ => None,
            };
            if let Some(n) = counted {
                *n += 1;
                any = true;
                self.advance();
                if kw == Some(Kw::Int128) && t.text.as_str() == "__int128_t" {
                    c.signed += 1;
                }
                continue;
            }
            let basic_seen = c.void + c.bool_ + c.char_ + c.short + c.int + c.long + c.float + c.double + c.signed + c.unsigned + c.complex + c.int128 > 0;
            match kw {
                Some(Kw::Struct | Kw::Union) if !basic_seen => {
                    user = Some(self.record_specifier()?);
                    any = true;
                }
                Some(Kw::Enum) if !basic_seen => {
                    user = Some(self.enum_specifier()?);
                    any = true;
                }
                Some(Kw::Typeof | Kw::TypeofUnqual) if !basic_seen => {
                    self.advance();
                    self.expect("(")?;
                    let mut ty = if self.is_type_name_start() {
                        self.type_name()?
                    } else {
                        let e = self.expr()?;
                        e.ty.clone()
                    };
                    self.expect(")")?;
                    if kw == Some(Kw::TypeofUnqual) {
                        ty.quals = 0;
                    }
                    user = Some(ty);
                    any = true;
                }
                Some(Kw::AutoType) if !basic_seen => {
                    self.advance();
                    spec.auto_type = true;
                    any = true;
                    user = Some(CType::int());
                }
                Some(Kw::BuiltinVaList) if !basic_seen => {
                    self.advance();
                    user = Some(self.va_list_type());
                    any = true;
                }
                None if !basic_seen && self.is_typedef_name(&t) => {
                    if let Some(Binding::Typedef(ty)) = self.lookup(t.text) {
                        user = Some(ty.clone());
                    }
                    self.advance();
                    any = true;
                }
                _ => break,
            }
        }
        if !any {
            // Implicit int (C89) when a declarator follows.
            let declarator_follows = (self.peek().kind == TokenKind::Ident && self.keyword().is_none() && !self.is_typedef_name(self.peek())) || self.is_punct("*") || self.is_punct("(");
            let anything = spec.storage != Storage::None || quals != 0 || spec.inline || spec.thread_local || spec.noreturn;
            if !declarator_follows || (!anything && self.pos == 0) && false {
                return Err(self.error_at(loc, "expected declaration specifiers"));
            }
        }
        let mut ty = if let Some(u) = user {
            if c.complex > 0 && c.void + c.bool_ + c.char_ + c.short + c.int + c.long + c.float + c.double + c.signed + c.unsigned + c.int128 == 0 {
                if let Kind::Float(k) = u.kind {
                    return Ok(spec_with(spec, CType::new(Kind::Complex(k)).with_quals(quals)));
                }
            }
            if c.void + c.bool_ + c.char_ + c.short + c.int + c.long + c.float + c.double + c.signed + c.unsigned + c.int128 > 0 {
                return Err(self.error_at(loc, "two or more data types in declaration specifiers"));
            }
            u
        } else {
            self.basic_type(&c.void, &c.bool_, &c.char_, &c.short, &c.int, &c.long, &c.float, &c.double, &c.signed, &c.unsigned, &c.complex, &c.int128, &c.float128, loc)?
        };
        ty.quals |= quals;
        if let Some(mode) = spec.attrs.mode.take() {
            ty = self.apply_mode(ty, mode, loc)?;
        }
        if let Some(vs) = spec.attrs.vector_size.take() {
            ty = CType::new(Kind::Vector { elem: Rc::new(ty), size: vs });
        }
        if spec.storage == Storage::Typedef {
            if let Some(a) = spec.attrs.aligned {
                ty.align_override = ty.align_override.max(a);
            }
        }
        Ok(spec_with(spec, ty))
    }

    #[allow(clippy::too_many_arguments)]
    fn basic_type(&self, void: &u8, bool_: &u8, char_: &u8, short: &u8, int: &u8, long: &u8, float: &u8, double: &u8, signed: &u8, unsigned: &u8, complex: &u8, int128: &u8, float128: &u8, loc: Loc) -> PResult<CType> {
        if *signed > 0 && *unsigned > 0 {
            return Err(self.error_at(loc, "both 'signed' and 'unsigned' in declaration specifiers"));
        }
        let is_unsigned = *unsigned > 0;
        let bad = || self.error_at(loc, "invalid combination of type specifiers");
        let ty = if *void > 0 {
            if *void > 1 || *char_ + *short + *int + *long + *float + *double + *signed + *unsigned + *bool_ > 0 {
                return Err(bad());
            }
            CType::void()
        } else if *bool_ > 0 {
            CType::bool()
        } else if *float128 > 0 {
            CType::new(Kind::Float(FloatKind::LongDouble))
        } else if *float > 0 || *double > 0 {
            if *char_ + *short + *int + *signed + *unsigned > 0 || *long > 1 || (*float > 0 && *long > 0) {
                return Err(bad());
            }
            let k = if *float > 0 {
                FloatKind::Float
            } else if *long > 0 {
                FloatKind::LongDouble
            } else {
                FloatKind::Double
            };
            if *complex > 0 {
                CType::new(Kind::Complex(k))
            } else {
                CType::new(Kind::Float(k))
            }
        } else if *complex > 0 && *char_ + *short + *int + *long + *int128 + *signed + *unsigned == 0 {
            CType::new(Kind::Complex(FloatKind::Double))
        } else if *int128 > 0 {
            CType::int_of(IntKind::Int128, !is_unsigned)
        } else if *char_ > 0 {
            if *short + *long > 0 || *char_ > 1 {
                return Err(bad());
            }
            if *signed > 0 {
                CType::char(true)
            } else if is_unsigned {
                CType::char(false)
            } else {
                CType::char(self.char_signed())
            }
        } else if *short > 0 {
            if *long > 0 {
                return Err(bad());
            }
            CType::int_of(IntKind::Short, !is_unsigned)
        } else if *long > 0 {
            if *long > 2 {
                return Err(self.error_at(loc, "'long long long' is too long for GCC"));
            }
            CType::int_of(if *long == 2 { IntKind::LongLong } else { IntKind::Long }, !is_unsigned)
        } else {
            CType::int_of(IntKind::Int, !is_unsigned)
        };
        Ok(ty)
    }

    fn apply_mode(&self, ty: CType, mode: Sym, loc: Loc) -> PResult<CType> {
        let m = strip_underscores(mode.as_str());
        let signed = ty.is_signed(&self.tables) || !ty.is_integer();
        Ok(match m {
            "QI" => CType::int_of(IntKind::Char, signed),
            "HI" => CType::int_of(IntKind::Short, signed),
            "SI" => CType::int_of(IntKind::Int, signed),
            "DI" => CType::int_of(self.layout().int64_kind(), signed),
            "word" | "pointer" => CType::int_of(IntKind::Long, signed),
            "byte" => CType::int_of(IntKind::Char, signed),
            "TI" => CType::int_of(IntKind::Int128, signed),
            "SF" => CType::new(Kind::Float(FloatKind::Float)),
            "DF" => CType::new(Kind::Float(FloatKind::Double)),
            "XF" | "TF" => CType::new(Kind::Float(FloatKind::LongDouble)),
            "SC" => CType::new(Kind::Complex(FloatKind::Float)),
            "DC" => CType::new(Kind::Complex(FloatKind::Double)),
            "XC" | "TC" => CType::new(Kind::Complex(FloatKind::LongDouble)),
            _ => return Err(self.error_at(loc, format!("unknown machine mode '{m}'"))),
        })
    }

    pub(super) fn va_list_type(&self) -> CType {
        // Modelled as an array of bytes with the target's size and alignment;
        // on x86-64 it is an array type, so it decays to a pointer in calls.
        let mut elem = CType::char(false);
        elem.align_override = self.target.va_list_align;
        match self.target.va_list {
            ccc_ir::VaListKind::Pointer => CType::ptr_to(CType::void()),
            _ => {
                let mut t = CType::array_of(elem, Some(self.target.va_list_size as u64));
                t.align_override = self.target.va_list_align;
                if self.target.va_list == ccc_ir::VaListKind::Aapcs64Struct {
                    // A struct in C; an opaque blob of the right size works the same.
                    let rid = self.tables.new_record(Some(Sym::intern("__va_list")), false);
                    let mut r = self.tables.records.borrow_mut();
                    let rec = &mut r[rid.0 as usize];
                    rec.complete = true;
                    rec.size = self.target.va_list_size as u64;
                    rec.align = self.target.va_list_align;
                    rec.fields.push(Field { name: None, ty: t, offset: 0, bit_width: None, bit_offset: 0, storage_size: 0 });
                    return CType::new(Kind::Record(rid));
                }
                t
            }
        }
    }

    // --------------------------------------------------------------- records

    fn record_specifier(&mut self) -> PResult<CType> {
        let is_union = self.keyword() == Some(Kw::Union);
        self.advance();
        let mut attrs = DeclAttrs::default();
        self.attributes(&mut attrs)?;
        let mut tag = None;
        let tag_loc = self.loc();
        if self.peek().kind == TokenKind::Ident && self.keyword().is_none() {
            tag = Some(self.advance().text);
        }
        let id = if let Some(tag) = tag {
            let existing = if self.is_punct("{") || (self.is_punct(";") && self.peek_at(0).is(";")) {
                self.lookup_tag_current(tag).cloned()
            } else {
                self.lookup_tag(tag).cloned()
            };
            match existing {
                Some(TagBinding::Record(id)) if self.tables.record(id).is_union == is_union => {
                    if self.is_punct("{") && self.tables.record(id).complete {
                        return Err(self.error_at(tag_loc, format!("redefinition of '{} {}'", if is_union { "union" } else { "struct" }, tag)));
                    }
                    id
                }
                Some(TagBinding::Record(_)) | Some(TagBinding::Enum(_)) if self.lookup_tag_current(tag).is_some() => {
                    return Err(self.error_at(tag_loc, format!("'{tag}' defined as wrong kind of tag")));
                }
                _ => {
                    let id = self.tables.new_record(Some(tag), is_union);
                    self.bind_tag(tag, TagBinding::Record(id));
                    id
                }
            }
        } else {
            if !self.is_punct("{") {
                return Err(self.error_here("expected '{' or identifier after struct/union"));
            }
            self.tables.new_record(None, is_union)
        };
        if self.eat("{") {
            let mut fields = Vec::new();
            while !self.eat("}") {
                if self.at_eof() {
                    return Err(self.error_here("expected '}' at end of input"));
                }
                if self.eat(";") {
                    continue;
                }
                if self.keyword() == Some(Kw::StaticAssert) {
                    self.static_assert()?;
                    continue;
                }
                if self.pragma()? {
                    continue;
                }
                self.struct_declaration(&mut fields)?;
            }
            self.attributes(&mut attrs)?;
            self.layout_record(id, fields, &attrs)?;
            if attrs.transparent_union {
                self.tables.records.borrow_mut()[id.0 as usize].transparent = true;
            }
        }
        // Attributes after `struct S` without a body belong to the declaration
        // (`struct page __init *f(void)` is in `.init.text`).
        Ok(CType::new(Kind::Record(id)))
    }

    fn struct_declaration(&mut self, fields: &mut Vec<(Field, u32, bool)>) -> PResult<()> {
        let spec = self.decl_specifiers(false)?;
        if self.eat(";") {
            // Anonymous struct/union member.
            if spec.ty.is_record() {
                let a = spec.attrs.aligned.unwrap_or(0);
                fields.push((Field { name: None, ty: spec.ty, offset: 0, bit_width: None, bit_offset: 0, storage_size: 0 }, a, spec.attrs.packed));
                return Ok(());
            }
            return Ok(());
        }
        loop {
            let mut attrs = spec.attrs.clone();
            let (name, ty) = if self.is_punct(":") {
                (None, spec.ty.clone())
            } else {
                let (n, t) = self.declarator(spec.ty.clone())?;
                attrs.merge(self.take_declarator_attrs());
                (n.map(|x| x.0), t)
            };
            let mut width = None;
            if self.eat(":") {
                let loc = self.loc();
                let w = self.const_expr()?;
                if w < 0 || (w as u64) > self.layout().size(&ty) * 8 {
                    return Err(self.error_at(loc, "width of bit-field exceeds its type"));
                }
                if !ty.is_integer() {
                    return Err(self.error_at(loc, "bit-field has invalid type"));
                }
                width = Some(w as u32);
            }
            self.attributes(&mut attrs)?;
            let ty = if let Some(vs) = attrs.vector_size {
                CType::new(Kind::Vector { elem: Rc::new(ty), size: vs })
            } else {
                ty
            };
            let a = attrs.aligned.unwrap_or(0).max(spec.align);
            fields.push((Field { name, ty, offset: 0, bit_width: width, bit_offset: 0, storage_size: 0 }, a, attrs.packed));
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";")?;
        Ok(())
    }

    /// SysV-style layout of a struct or union, with GCC's bitfield rules.
    fn layout_record(&mut self, id: RecordId, fields: Vec<(Field, u32, bool)>, attrs: &DeclAttrs) -> PResult<()> {
        let is_union = self.tables.record(id).is_union;
        let packed = attrs.packed;
        let pack = self.pack;
        let lay = self.layout();
        let mut bitpos: u128 = 0; // current position in bits
        let mut max_align: u32 = 1;
        let mut size_bits: u128 = 0;
        let mut out = Vec::with_capacity(fields.len());
        let mut has_flex = false;
        let n = fields.len();
        for (i, (mut f, extra_align, field_packed)) in fields.into_iter().enumerate() {
            let fsize = lay.size(&f.ty) as u128;
            let mut falign = lay.align(&f.ty);
            if packed || field_packed {
                falign = 1;
            }
            if pack > 0 {
                falign = falign.min(pack);
            }
            falign = falign.max(extra_align);
            if is_union {
                bitpos = 0;
            }
            if let Some(w) = f.bit_width {
                let unit_bits = fsize * 8;
                if w == 0 {
                    // Zero width: align to the next unit of the type.
                    let a = lay.align(&f.ty) as u128 * 8;
                    bitpos = bitpos.div_ceil(a) * a;
                    continue;
                }
                if !(packed || field_packed) && pack == 0 {
                    // Start a new unit if the field would straddle one.
                    if bitpos / unit_bits != (bitpos + w as u128 - 1) / unit_bits {
                        bitpos = bitpos.div_ceil(unit_bits) * unit_bits;
                    }
                    let start = (bitpos / unit_bits) * unit_bits;
                    f.offset = (start / 8) as u64;
                    f.bit_offset = (bitpos - start) as u32;
                    f.storage_size = fsize as u32;
                } else {
                    let start = bitpos / 8;
                    f.offset = start as u64;
                    f.bit_offset = (bitpos - start * 8) as u32;
                    let need = (f.bit_offset + w).div_ceil(8);
                    f.storage_size = need.next_power_of_two();
                    if f.storage_size as u128 > fsize.max(need as u128) {
                        f.storage_size = (fsize as u32).max(need);
                    }
                }
                if f.name.is_some() {
                    max_align = max_align.max(falign);
                }
                bitpos += w as u128;
                size_bits = size_bits.max(bitpos);
                out.push(f);
                continue;
            }
            // Ordinary member.
            let is_flex = matches!(f.ty.kind, Kind::Array { len: None, .. });
            if is_flex && i + 1 != n && !is_union {
                // GCC allows it as an extension in some positions; treat as size 0.
            }
            if is_flex {
                has_flex = true;
            }
            let a_bits = falign as u128 * 8;
            bitpos = bitpos.div_ceil(8) * 8;
            bitpos = bitpos.div_ceil(a_bits) * a_bits;
            f.offset = (bitpos / 8) as u64;
            max_align = max_align.max(falign);
            if let Kind::Record(inner) = f.ty.kind {
                if self.tables.record(inner).has_flex {
                    has_flex = true;
                }
            }
            bitpos += fsize * 8;
            size_bits = size_bits.max(bitpos);
            out.push(f);
        }
        if let Some(a) = attrs.aligned {
            max_align = max_align.max(a);
        }
        if size_bits / 8 >= (u64::MAX / 2) as u128 {
            return Err(self.error_here("type is too large"));
        }
        let size = (size_bits.div_ceil(8).div_ceil(max_align as u128) * max_align as u128) as u64;
        let mut recs = self.tables.records.borrow_mut();
        let r = &mut recs[id.0 as usize];
        r.fields = out;
        r.size = size;
        r.align = max_align;
        r.complete = true;
        r.has_flex = has_flex;
        Ok(())
    }

    /// Find a member by name, searching anonymous members. Returns the path
    /// of (record, field index) steps.
    pub(super) fn find_member(&self, rid: RecordId, name: Sym) -> Option<Vec<(RecordId, usize)>> {
        let rec = self.tables.record(rid).clone();
        for (i, f) in rec.fields.iter().enumerate() {
            if f.name == Some(name) {
                return Some(vec![(rid, i)]);
            }
        }
        for (i, f) in rec.fields.iter().enumerate() {
            if f.name.is_none() {
                if let Kind::Record(inner) = f.ty.kind {
                    if let Some(mut path) = self.find_member(inner, name) {
                        path.insert(0, (rid, i));
                        return Some(path);
                    }
                }
            }
        }
        None
    }

    // ----------------------------------------------------------------- enums

    fn enum_specifier(&mut self) -> PResult<CType> {
        self.advance();
        let mut attrs = DeclAttrs::default();
        self.attributes(&mut attrs)?;
        let mut tag = None;
        if self.peek().kind == TokenKind::Ident && self.keyword().is_none() {
            tag = Some(self.advance().text);
        }
        // C23 fixed underlying type `enum E : T`.
        let mut fixed: Option<CType> = None;
        if self.is_punct(":") && tag.is_some() {
            self.advance();
            fixed = Some(self.type_name()?);
        }
        let id = match tag {
            Some(t) => match if self.is_punct("{") { self.lookup_tag_current(t).cloned() } else { self.lookup_tag(t).cloned() } {
                Some(TagBinding::Enum(id)) => id,
                _ => {
                    let id = self.tables.new_enum(Some(t));
                    self.bind_tag(t, TagBinding::Enum(id));
                    id
                }
            },
            None => {
                if !self.is_punct("{") {
                    return Err(self.error_here("expected '{' after enum"));
                }
                self.tables.new_enum(None)
            }
        };
        if !self.eat("{") {
            // Attributes after `enum E` belong to the declaration (`static
            // enum E __init f(void)` is in `.init.text`).
            return Ok(CType::new(Kind::Enum(id)));
        }
        let mut value: i128 = 0;
        let mut consts: Vec<(Sym, i128)> = Vec::new();
        let (mut min, mut max) = (0i128, 0i128);
        while !self.eat("}") {
            let (name, _loc) = self.expect_ident()?;
            let mut a = DeclAttrs::default();
            self.attributes(&mut a)?;
            if self.eat("=") {
                value = self.const_expr()?;
            }
            consts.push((name, value));
            min = min.min(value);
            max = max.max(value);
            // Visible to later enumerator initialisers (as int while being defined).
            self.bind(name, Binding::EnumConst { value, ty: CType::int() });
            value += 1;
            if !self.eat(",") {
                self.expect("}")?;
                break;
            }
        }
        self.attributes(&mut attrs)?;
        let (underlying, signed) = if let Some(f) = &fixed {
            (f.int_kind(&self.tables).unwrap_or(IntKind::Int), f.is_signed(&self.tables))
        } else if attrs.packed {
            let fits = |bits: u32| -> Option<bool> {
                if min >= 0 && max < (1i128 << bits) {
                    Some(false)
                } else if min >= -(1i128 << (bits - 1)) && max < (1i128 << (bits - 1)) {
                    Some(true)
                } else {
                    None
                }
            };
            if let Some(s) = fits(8) {
                (IntKind::Char, s)
            } else if let Some(s) = fits(16) {
                (IntKind::Short, s)
            } else if let Some(s) = fits(32) {
                (IntKind::Int, s)
            } else {
                (self.layout().int64_kind(), min < 0)
            }
        } else if min >= 0 && max <= u32::MAX as i128 {
            (IntKind::Int, max > i32::MAX as i128)
        } else if min >= i32::MIN as i128 && max <= i32::MAX as i128 {
            (IntKind::Int, true)
        } else if min >= 0 {
            (self.layout().int64_kind(), max > i64::MAX as i128)
        } else {
            (self.layout().int64_kind(), true)
        };
        // GCC: an unsigned-int enum with all values fitting int is still `unsigned int`.
        {
            let mut e = self.tables.enums.borrow_mut();
            let d = &mut e[id.0 as usize];
            d.underlying = underlying;
            d.signed = signed || (underlying == IntKind::Int && min < 0);
            if underlying == IntKind::Int && min >= 0 && max <= i32::MAX as i128 {
                d.signed = false;
            }
            d.complete = true;
        }
        for (name, v) in consts {
            let ty = if v >= i32::MIN as i128 && v <= i32::MAX as i128 { CType::int() } else { CType::new(Kind::Enum(id)) };
            self.bind(name, Binding::EnumConst { value: v, ty });
        }
        Ok(CType::new(Kind::Enum(id)))
    }

    // ----------------------------------------------------------- declarators

    /// Parse a (possibly abstract) declarator applied to `base`. Returns the
    /// declared name (if any) and the full type.
    pub(super) fn declarator(&mut self, base: CType) -> PResult<(Option<(Sym, Loc)>, CType)> {
        let (name, ty) = self.declarator_inner(base)?;
        Ok((name, ty))
    }

    /// Take the attributes collected inside the last declarator.
    pub(super) fn take_declarator_attrs(&mut self) -> DeclAttrs {
        std::mem::take(&mut self.declarator_attrs)
    }

    fn declarator_inner(&mut self, base: CType) -> PResult<(Option<(Sym, Loc)>, CType)> {
        let mut ty = base;
        let mut attrs = std::mem::take(&mut self.declarator_attrs);
        // `( __attribute__((ms_abi)) *fp )`: attributes may open a declarator.
        self.attributes(&mut attrs)?;
        while self.eat("*") {
            ty = CType::ptr_to(ty);
            loop {
                match self.keyword() {
                    Some(Kw::Const) => ty.quals |= Q_CONST,
                    Some(Kw::Volatile) => ty.quals |= Q_VOLATILE,
                    Some(Kw::Restrict) => ty.quals |= Q_RESTRICT,
                    Some(Kw::Atomic) => ty.quals |= Q_ATOMIC,
                    Some(Kw::Attribute) => {
                        self.attributes(&mut attrs)?;
                        continue;
                    }
                    Some(Kw::Extension) => {}
                    _ => break,
                }
                self.advance();
            }
        }
        self.attributes(&mut attrs)?;
        if self.is_punct("(") && self.is_nested_declarator() {
            // `( declarator ) suffix`: the suffix applies first.
            let start = self.pos;
            self.advance();
            self.skip_balanced_until(")")?;
            self.expect(")")?;
            let outer = self.type_suffix(ty)?;
            let end = self.pos;
            self.pos = start + 1;
            let saved = std::mem::take(&mut attrs);
            let (name, t) = self.declarator_inner(outer)?;
            self.declarator_attrs.merge(saved);
            self.expect(")")?;
            self.pos = end;
            return Ok((name, t));
        }
        let mut name = None;
        if self.peek().kind == TokenKind::Ident && self.keyword().is_none() {
            let t = self.advance();
            name = Some((t.text, t.loc));
        }
        self.declarator_attrs.merge(attrs);
        let ty = self.type_suffix(ty)?;
        Ok((name, ty))
    }

    /// After `(` in a declarator: is this a parenthesised declarator (as
    /// opposed to a parameter list)?
    fn is_nested_declarator(&self) -> bool {
        let t = self.peek_at(1);
        if t.is("*") || t.is("(") || t.is("[") || t.is("^") {
            return true;
        }
        if t.kind == TokenKind::Ident {
            if let Some(k) = self.kw.get(t.text) {
                return matches!(k, Kw::Attribute) && !self.peek_at(1).is(")");
            }
            return !self.is_typedef_name(t);
        }
        false
    }

    fn skip_balanced_until(&mut self, close: &str) -> PResult<()> {
        let mut depth = 0i32;
        loop {
            if self.at_eof() {
                return Err(self.error_here(format!("expected '{close}'")));
            }
            if depth == 0 && self.is_punct(close) {
                return Ok(());
            }
            if self.is_punct("(") || self.is_punct("[") || self.is_punct("{") {
                depth += 1;
            } else if self.is_punct(")") || self.is_punct("]") || self.is_punct("}") {
                depth -= 1;
            }
            self.advance();
        }
    }

    fn type_suffix(&mut self, ty: CType) -> PResult<CType> {
        if self.is_punct("(") {
            self.advance();
            return self.function_suffix(ty);
        }
        if self.is_punct("[") {
            self.advance();
            return self.array_suffix(ty);
        }
        Ok(ty)
    }

    fn array_suffix(&mut self, elem_base: CType) -> PResult<CType> {
        let loc = self.loc();
        let mut quals = 0;
        loop {
            match self.keyword() {
                Some(Kw::Static) => {}
                Some(Kw::Const) => quals |= Q_CONST,
                Some(Kw::Volatile) => quals |= Q_VOLATILE,
                Some(Kw::Restrict) => quals |= Q_RESTRICT,
                _ => break,
            }
            self.advance();
        }
        let _ = quals;
        let mut len_expr = None;
        if self.is_punct("*") && self.peek_at(1).is("]") {
            self.advance();
        } else if !self.is_punct("]") {
            len_expr = Some(self.assign_expr()?);
        }
        self.expect("]")?;
        let mut attrs = DeclAttrs::default();
        self.attributes(&mut attrs)?;
        self.declarator_attrs.merge(attrs);
        let elem = self.type_suffix(elem_base)?;
        if elem.is_func() {
            return Err(self.error_at(loc, "declaration of array of functions"));
        }
        match len_expr {
            None => Ok(CType::array_of(elem, None)),
            Some(e) => {
                if let Some(n) = self.try_const_int(&e) {
                    if n < 0 {
                        return Err(self.error_at(loc, "size of array is negative"));
                    }
                    if elem.is_vla() {
                        return self.make_vla(elem, e, loc);
                    }
                    Ok(CType::array_of(elem, Some(n as u64)))
                } else {
                    if !e.ty.is_integer() {
                        return Err(self.error_at(loc, "size of array has non-integer type"));
                    }
                    self.make_vla(elem, e, loc)
                }
            }
        }
    }

    /// A variable length array type: its byte size lives in a hidden local
    /// computed by a statement emitted before the declaration.
    fn make_vla(&mut self, elem: CType, count: Expr, loc: Loc) -> PResult<CType> {
        if self.func.is_none() {
            // Outside a function (prototype scope) the size is never needed:
            // such parameters decay to pointers.
            return Ok(CType::array_of(elem, None));
        }
        let size_var = self.new_local(Sym::intern("__vla_size"), CType::ulong(), 8);
        let count = self.convert(count, CType::ulong());
        let elem_size = self.sizeof_expr(&elem, loc);
        self.func.as_mut().expect("func").pending_vla.push(Stmt::VlaDecl { size_var, count: Box::new(count), elem_size: Box::new(elem_size) });
        Ok(CType::new(Kind::Vla { elem: Rc::new(elem), size_var, depth: self.enclosing.len() as u32 }))
    }

    fn function_suffix(&mut self, ret: CType) -> PResult<CType> {
        let loc = self.loc();
        if ret.is_func() {
            return Err(self.error_at(loc, "function returning a function"));
        }
        if ret.is_array() {
            return Err(self.error_at(loc, "function returning an array"));
        }
        // Parameters' own attributes must not reach the declaration.
        let outer_attrs = std::mem::take(&mut self.declarator_attrs);
        // Prototype scope, with the locals of the function this declarator
        // may start the definition of. Inside a function body that is a
        // nested function: names of the enclosing function are reached
        // through the static chain (VLA bounds of parameters use them).
        let enclosing = self.func.take();
        let nested = enclosing.is_some();
        self.enclosing.extend(enclosing);
        self.func = Some(FuncState::default());
        self.push_scope();
        let mut params = Vec::new();
        let mut param_locals = Vec::new();
        let mut variadic = false;
        let mut unprototyped = false;
        let result = (|| -> PResult<()> {
            if self.is_punct(")") {
                unprototyped = true;
            } else if self.keyword() == Some(Kw::Void) && self.peek_at(1).is(")") {
                self.advance();
            } else if self.peek().kind == TokenKind::Ident && self.keyword().is_none() && !self.is_typedef_name(self.peek()) {
                // K&R identifier list; types come from declarations after `)`.
                unprototyped = true;
                loop {
                    let (name, _) = self.expect_ident()?;
                    params.push(Param { name: Some(name), ty: CType::int() });
                    let id = self.new_local(name, CType::int(), 0);
                    param_locals.push(id);
                    if !self.eat(",") {
                        break;
                    }
                }
            } else {
                loop {
                    if self.eat("...") {
                        variadic = true;
                        break;
                    }
                    let spec = self.decl_specifiers(true)?;
                    let (name, mut ty) = self.declarator(spec.ty.clone())?;
                    let mut attrs = spec.attrs.clone();
                    attrs.merge(self.take_declarator_attrs());
                    self.attributes(&mut attrs)?;
                    ty = adjust_param_type(ty);
                    if ty.is_void() && name.is_none() {
                        return Err(self.error_here("'void' must be the only parameter"));
                    }
                    if let Some((n, _)) = name {
                        let id = self.new_local(n, ty.clone(), 0);
                        self.bind(n, Binding::Var { var: VarRef::Local(id), ty: ty.clone() });
                        param_locals.push(id);
                    } else {
                        let id = self.new_local(Sym::intern(""), ty.clone(), 0);
                        param_locals.push(id);
                    }
                    params.push(Param { name: name.map(|n| n.0), ty });
                    if !self.eat(",") {
                        break;
                    }
                }
            }
            Ok(())
        })();
        self.pop_scope();
        let state = self.func.take();
        if nested {
            self.func = self.enclosing.pop();
        }
        result?;
        self.expect(")")?;
        if let Some(mut state) = state {
            for &l in &param_locals {
                state.locals[l].is_param = true;
            }
            self.last_params = Some(ParamState { state, params: param_locals });
        }
        let mut attrs = DeclAttrs::default();
        self.attributes(&mut attrs)?;
        self.declarator_attrs = outer_attrs;
        self.declarator_attrs.merge(attrs);
        let ret = if ret.quals != 0 { ret.unqual() } else { ret };
        Ok(CType::new(Kind::Func(Rc::new(FuncType { ret, params, variadic, unprototyped }))))
    }

    /// A type name (for casts, sizeof, etc.).
    pub(super) fn type_name(&mut self) -> PResult<CType> {
        let spec = self.decl_specifiers(false)?;
        let saved = std::mem::take(&mut self.declarator_attrs);
        let (name, ty) = self.declarator(spec.ty)?;
        self.declarator_attrs = saved;
        if let Some((n, loc)) = name {
            return Err(self.error_at(loc, format!("unexpected identifier '{n}' in type name")));
        }
        Ok(ty)
    }

    pub(super) fn static_assert(&mut self) -> PResult<()> {
        let loc = self.loc();
        self.advance();
        self.expect("(")?;
        let v = self.const_expr()?;
        let mut msg = String::new();
        if self.eat(",") {
            let s = self.string_literal()?;
            if let ExprKind::Str(b) = s.kind {
                msg = String::from_utf8_lossy(&b).into_owned();
            }
        }
        self.expect(")")?;
        self.expect(";")?;
        if v == 0 {
            return Err(self.error_at(loc, format!("static assertion failed: \"{msg}\"")));
        }
        Ok(())
    }

    // ------------------------------------------------------------- top level

    pub(super) fn top_level(&mut self) -> PResult<()> {
        if self.eat(";") {
            return Ok(());
        }
        if self.keyword() == Some(Kw::StaticAssert) {
            return self.static_assert();
        }
        if self.pragma()? {
            return Ok(());
        }
        if self.keyword() == Some(Kw::Asm) {
            self.advance();
            while matches!(self.keyword(), Some(Kw::Volatile)) {
                self.advance();
            }
            self.expect("(")?;
            let s = self.string_literal()?;
            self.expect(")")?;
            self.expect(";")?;
            if let ExprKind::Str(b) = s.kind {
                self.items.push(TopLevel::Asm(String::from_utf8_lossy(&b).into_owned()));
            }
            return Ok(());
        }
        let loc = self.loc();
        let spec = if self.is_decl_start() || self.keyword() == Some(Kw::Extension) {
            self.decl_specifiers(true)?
        } else if self.peek().kind == TokenKind::Ident {
            // Implicit int declaration (`main() {}`), C89.
            DeclSpec { ty: CType::int(), storage: Storage::None, thread_local: false, inline: false, noreturn: false, attrs: DeclAttrs::default(), align: 0, auto_type: false }
        } else {
            return Err(self.error_at(loc, format!("expected declaration before {}", describe(self.peek()))));
        };
        if self.eat(";") {
            return Ok(());
        }
        let mut first = true;
        loop {
            self.last_params = None;
            let (name, ty) = self.declarator(spec.ty.clone())?;
            let mut attrs = spec.attrs.clone();
            attrs.merge(self.take_declarator_attrs());
            self.attributes(&mut attrs)?;
            let ty = apply_type_attrs(ty, &mut attrs);
            let (name, nloc) = name.ok_or_else(|| self.error_at(loc, "expected identifier or '('"))?;
            if spec.storage == Storage::Typedef {
                if let (true, Kind::Record(r)) = (attrs.transparent_union, &ty.kind) {
                    self.tables.records.borrow_mut()[r.0 as usize].transparent = true;
                }
                self.bind(name, Binding::Typedef(typedef_type(ty, &attrs)));
            } else if ty.is_func() {
                let is_def = first && (self.is_punct("{") || (self.is_decl_start() && ty.func().map(|f| f.unprototyped).unwrap_or(false)));
                if is_def {
                    return self.function_definition(name, nloc, ty, &spec, attrs);
                }
                self.declare_function(name, nloc, &ty, &spec, &attrs)?;
            } else {
                self.global_declaration(name, nloc, ty, &spec, attrs)?;
            }
            first = false;
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";")?;
        Ok(())
    }

    /// `#pragma pack(...)` and `#pragma GCC visibility push(V)/pop`: the
    /// pragmas that change how we compile.
    pub(super) fn pragma(&mut self) -> PResult<bool> {
        if self.peek().kind != TokenKind::Pragma {
            return Ok(false);
        }
        let text = self.advance().text.as_str();
        if let Some(v) = text.trim().strip_prefix("GCC").map(str::trim).and_then(|t| t.strip_prefix("visibility")) {
            let v = v.trim();
            if v.starts_with("pop") {
                self.pragma_visibility = self.visibility_stack.pop().flatten();
            } else if let Some(arg) = v.strip_prefix("push") {
                self.visibility_stack.push(self.pragma_visibility.take());
                let arg = arg.trim().trim_start_matches('(').trim_end_matches(')').trim();
                self.pragma_visibility = (arg != "default").then(|| arg.to_string());
            }
            return Ok(true);
        }
        let body = text.trim().trim_start_matches("pack").trim();
        let inner = body.trim_start_matches('(').trim_end_matches(')');
        let args: Vec<&str> = inner.split(',').map(|a| a.trim()).filter(|a| !a.is_empty()).collect();
        match args.as_slice() {
            [] => self.pack = 0,
            ["push"] => self.pack_stack.push(self.pack),
            ["push", n] => {
                self.pack_stack.push(self.pack);
                self.pack = n.parse().unwrap_or(0);
            }
            ["pop", ..] => self.pack = self.pack_stack.pop().unwrap_or(0),
            [n] => self.pack = n.parse().unwrap_or(0),
            _ => {}
        }
        Ok(true)
    }

    fn asm_name(&mut self, name: Sym, attrs: &DeclAttrs) -> Sym {
        match &attrs.asm_label {
            Some(l) => {
                let s = Sym::intern(l);
                self.asm_labeled.insert(s);
                s
            }
            None => name,
        }
    }

    /// `attrs` with the `#pragma GCC visibility` in effect, for an external
    /// declaration without a visibility of its own (as GCC).
    fn pragma_visibility_attrs(&self, spec: &DeclSpec, attrs: &DeclAttrs) -> Option<DeclAttrs> {
        let v = self.pragma_visibility.as_ref()?;
        (attrs.visibility.is_none() && spec.storage != Storage::Static).then(|| DeclAttrs { visibility: Some(v.clone()), ..attrs.clone() })
    }

    fn declare_function(&mut self, name: Sym, loc: Loc, ty: &CType, spec: &DeclSpec, attrs: &DeclAttrs) -> PResult<()> {
        let with_pragma = self.pragma_visibility_attrs(spec, attrs);
        let attrs = with_pragma.as_ref().unwrap_or(attrs);
        let asm = self.asm_name(name, attrs);
        let prev = self.globals.get(&asm).cloned();
        let mut ty = ty.clone();
        if let Some(p) = &prev {
            if !p.ty.is_func() {
                return Err(self.error_at(loc, format!("'{name}' redeclared as different kind of symbol")));
            }
            if !same_type_unqual(&p.ty, &ty, &self.tables) && !self.implicit_fns.contains(&asm) && !self.asm_labeled.contains(&asm) {
                return Err(self.error_at(loc, format!("conflicting types for '{name}'")));
            }
            // Keep a prototype over an unprototyped redeclaration.
            if ty.func().map(|f| f.unprototyped).unwrap_or(false) && !p.ty.func().map(|f| f.unprototyped).unwrap_or(true) {
                ty = p.ty.clone();
            }
        }
        let is_static = spec.storage == Storage::Static || prev.as_ref().map(|p| p.is_static).unwrap_or(false);
        self.globals.insert(asm, GlobalInfo { ty: ty.clone(), is_static, defined: prev.as_ref().map(|p| p.defined).unwrap_or(false), index: prev.and_then(|p| p.index) });
        // A later definition inherits the attributes of its declarations (as in GCC).
        self.fn_decl_attrs.entry(asm).or_default().merge(attrs.clone());
        self.note_weak(asm, attrs);
        if self.scopes.len() == 1 || self.lookup(name).is_none() || true {
            self.bind(name, Binding::Var { var: VarRef::Global(asm), ty });
        }
        if attrs.weak || attrs.alias.is_some() || attrs.visibility.is_some() {
            self.items.push(TopLevel::Decl { name: asm, ty: self.globals[&asm].ty.clone(), attrs: attrs.clone(), thread_local: false });
        }
        Ok(())
    }

    /// Remember that `asm` is weak: its address is not a known non-null constant.
    fn note_weak(&mut self, asm: Sym, attrs: &DeclAttrs) {
        if attrs.weak {
            self.weak_symbols.insert(asm);
        }
    }

    fn global_declaration(&mut self, name: Sym, loc: Loc, ty: CType, spec: &DeclSpec, attrs: DeclAttrs) -> PResult<()> {
        let attrs = self.pragma_visibility_attrs(spec, &attrs).unwrap_or(attrs);
        if spec.storage == Storage::Register {
            let Some(attrs) = self.global_register_variable(name, loc, &ty, attrs)? else { return Ok(()) };
            // Another register: a private variable stands in for it.
            let spec = DeclSpec { storage: Storage::Static, ..spec.clone() };
            return self.global_declaration(name, loc, ty, &spec, attrs);
        }
        // GNU C accepts `extern void sym;` (only its address can be used).
        if ty.is_void() && spec.storage != Storage::Extern {
            return Err(self.error_at(loc, format!("variable or field '{name}' declared void")));
        }
        let asm = self.asm_name(name, &attrs);
        self.note_weak(asm, &attrs);
        let mut ty = ty;
        let prev = self.globals.get(&asm).cloned();
        if let Some(p) = &prev {
            if !same_type_unqual(&p.ty, &ty, &self.tables) && !self.asm_labeled.contains(&asm) {
                return Err(self.error_at(loc, format!("conflicting types for '{name}'")));
            }
            // Complete an incomplete array type from an earlier declaration.
            if let (Kind::Array { len: None, .. }, Kind::Array { len: Some(_), .. }) = (&ty.kind, &p.ty.kind) {
                ty = p.ty.clone();
            }
        }
        if spec.storage != Storage::Extern {
            if let Kind::Record(r) = ty.kind {
                if !self.tables.record(r).complete {
                    // May still be completed later in the file.
                    self.incomplete_objects.push((name, loc, r));
                }
            }
        }
        self.bind(name, Binding::Var { var: VarRef::Global(asm), ty: ty.clone() });
        let has_init = self.is_punct("=");
        if spec.storage == Storage::Extern && !has_init {
            let is_static = prev.as_ref().map(|p| p.is_static).unwrap_or(false);
            let defined = prev.as_ref().map(|p| p.defined).unwrap_or(false);
            let index = prev.as_ref().and_then(|p| p.index);
            self.globals.insert(asm, GlobalInfo { ty: ty.clone(), is_static, defined, index });
            if let Some(i) = index {
                // Refine the type of an existing (tentative) definition.
                if let TopLevel::Global(g) = &mut self.items[i] {
                    if let (Kind::Array { len: None, .. }, Kind::Array { len: Some(_), .. }) = (&g.ty.kind, &ty.kind) {
                        g.ty = ty.clone();
                    }
                }
            }
            if attrs.weak || attrs.visibility.is_some() || spec.thread_local || attrs.alias.is_some() {
                self.items.push(TopLevel::Decl { name: asm, ty, attrs, thread_local: spec.thread_local });
            }
            return Ok(());
        }
        let init = if self.eat("=") {
            let (init, new_ty) = self.initializer(&ty, true)?;
            ty = new_ty;
            self.bind(name, Binding::Var { var: VarRef::Global(asm), ty: ty.clone() });
            Some(init)
        } else {
            None
        };
        if let Some(p) = &prev {
            if p.defined && init.is_some() {
                return Err(self.error_at(loc, format!("redefinition of '{name}'")));
            }
        }
        let align = self.layout().align(&ty).max(spec.align).max(attrs.aligned.unwrap_or(0));
        let is_static = spec.storage == Storage::Static || prev.as_ref().map(|p| p.is_static).unwrap_or(false);
        let g = GlobalVar {
            name: asm,
            ty: ty.clone(),
            align,
            tentative: init.is_none(),
            init,
            is_static,
            is_extern: false,
            thread_local: spec.thread_local,
            attrs,
        };
        let defined = !g.tentative;
        match prev.as_ref().and_then(|p| p.index) {
            Some(i) => {
                if let TopLevel::Global(old) = &mut self.items[i] {
                    if g.init.is_some() || old.init.is_none() {
                        let keep_attrs = old.attrs.clone();
                        *old = g;
                        if old.attrs.section.is_none() {
                            old.attrs.section = keep_attrs.section;
                        }
                        old.attrs.weak |= keep_attrs.weak;
                        old.attrs.used |= keep_attrs.used;
                    }
                }
            }
            None => {
                self.items.push(TopLevel::Global(g));
                let idx = self.items.len() - 1;
                self.globals.insert(asm, GlobalInfo { ty, is_static, defined, index: Some(idx) });
                return Ok(());
            }
        }
        let idx = prev.and_then(|p| p.index);
        self.globals.insert(asm, GlobalInfo { ty, is_static, defined, index: idx });
        Ok(())
    }

    fn function_definition(&mut self, name: Sym, loc: Loc, ty: CType, spec: &DeclSpec, attrs: DeclAttrs) -> PResult<()> {
        let asm = self.asm_name(name, &attrs);
        let attrs = match self.fn_decl_attrs.get(&asm) {
            Some(declared) => {
                let mut merged = declared.clone();
                merged.merge(attrs);
                merged
            }
            None => attrs,
        };
        self.note_weak(asm, &attrs);
        if let Some(p) = self.globals.get(&asm) {
            if p.defined {
                return Err(self.error_at(loc, format!("redefinition of '{name}'")));
            }
        }
        let is_static = spec.storage == Storage::Static || (self.globals.get(&asm).map(|p| p.is_static).unwrap_or(false) && spec.storage != Storage::Extern);
        let ParamState { mut state, params } = self.last_params.take().ok_or_else(|| self.error_at(loc, "expected function parameters"))?;
        let mut ty = ty;
        // K&R parameter declarations.
        if ty.func().map(|f| f.unprototyped).unwrap_or(false) && !self.is_punct("{") {
            ty = self.kr_declarations(&ty, &mut state, &params)?;
        }
        self.globals.insert(asm, GlobalInfo { ty: ty.clone(), is_static, defined: true, index: None });
        self.bind(name, Binding::Var { var: VarRef::Global(asm), ty: ty.clone() });
        let fty = ty.func().cloned().ok_or_else(|| self.error_at(loc, "internal: not a function"))?;
        state.name = Some(name);
        state.ret = Some(fty.ret.clone());
        let pending = std::mem::take(&mut state.pending_vla);
        self.func = Some(state);
        self.push_scope();
        self.bind_params(&params);
        // `__func__` is declared lazily by the expression parser.
        let body = self.compound_stmt();
        self.pop_scope();
        let state = self.func.take().expect("func state");
        let body = self.finish_function_body(&state, body?, pending)?;
        // `extern inline` with GNU semantics (gnu_inline, or -std=gnu89) only
        // provides a body for inlining: calls go to the external symbol, as
        // glibc's fortify wrappers and extern-inline helpers expect.
        let gnu89 = attrs.gnu_inline || self.opts.gnu89_inline || self.opts.std == crate::CStd::C89;
        if spec.inline && spec.storage == Storage::Extern && gnu89 {
            if let Some(g) = self.globals.get_mut(&asm) {
                g.defined = false;
            }
            return Ok(());
        }
        let mut attrs = attrs;
        if spec.inline && !is_static && spec.storage != Storage::Extern && !gnu89 && name.as_str() != "main" {
            // A C99 inline definition is not an external definition; another
            // translation unit may hold that. Emitting ours weak keeps calls
            // working at -O0 without clashing with it.
            attrs.weak = true;
        }
        self.items.push(TopLevel::Function(FunctionDef {
            name: asm,
            ty,
            params,
            locals: state.locals,
            body,
            is_static,
            is_inline: spec.inline,
            attrs,
            loc,
            static_chain: false,
            frame: state.frame,
        }));
        Ok(())
    }

    /// Old-style parameter declarations between `)` and `{`.
    fn kr_declarations(&mut self, ty: &CType, state: &mut FuncState, params: &[LocalId]) -> PResult<CType> {
        let f = ty.func().cloned().expect("function type");
        let mut new_params = f.params.clone();
        let saved = self.func.replace(std::mem::take(state));
        let r = (|| -> PResult<()> {
            while self.is_decl_start() {
                let spec = self.decl_specifiers(true)?;
                loop {
                    let (name, pty) = self.declarator(spec.ty.clone())?;
                    let _ = self.take_declarator_attrs();
                    let (name, nloc) = name.ok_or_else(|| self.error_here("expected identifier"))?;
                    let pty = adjust_param_type(pty);
                    let idx = new_params.iter().position(|p| p.name == Some(name)).ok_or_else(|| self.error_at(nloc, format!("declaration for parameter '{name}' but no such parameter")))?;
                    new_params[idx].ty = pty.clone();
                    let f = self.func.as_mut().expect("func");
                    f.locals[params[idx]].ty = pty;
                    if !self.eat(",") {
                        break;
                    }
                }
                self.expect(";")?;
            }
            Ok(())
        })();
        *state = std::mem::replace(&mut self.func, saved).unwrap_or_default();
        r?;
        // The lowering reads unprototyped parameters at their promoted types.
        Ok(CType::new(Kind::Func(Rc::new(FuncType { ret: f.ret.clone(), params: new_params, variadic: false, unprototyped: true }))))
    }

    // ---------------------------------------------------------------- locals

    /// A declaration inside a function; returns the statements it produces.
    pub(super) fn local_declaration(&mut self) -> PResult<Vec<Stmt>> {
        let spec = self.decl_specifiers(true)?;
        let mut out = Vec::new();
        if self.eat(";") {
            return Ok(out);
        }
        loop {
            self.last_params = None;
            let (name, ty) = self.declarator(spec.ty.clone())?;
            let mut attrs = spec.attrs.clone();
            attrs.merge(self.take_declarator_attrs());
            self.attributes(&mut attrs)?;
            let mut ty = apply_type_attrs(ty, &mut attrs);
            let (name, nloc) = name.ok_or_else(|| self.error_here("expected identifier or '('"))?;
            self.flush_vla(&mut out);
            if spec.storage == Storage::Typedef {
                self.bind(name, Binding::Typedef(typedef_type(ty, &attrs)));
            } else if ty.is_func() && self.is_punct("{") {
                // A GNU nested function; its body ends the declaration.
                self.nested_function_definition(name, nloc, ty, &spec, attrs)?;
                return Ok(out);
            } else if ty.is_func() && spec.storage == Storage::Auto {
                self.declare_nested_function(name, nloc, ty);
            } else if ty.is_func() {
                let mut s = spec.clone();
                if s.storage == Storage::None {
                    s.storage = Storage::Extern;
                }
                self.declare_function(name, nloc, &ty, &s, &attrs)?;
            } else if spec.storage == Storage::Extern {
                // `#pragma GCC visibility` reaches block-scope declarations too (GCC).
                let attrs = self.pragma_visibility_attrs(&spec, &attrs).unwrap_or(attrs);
                let asm = self.asm_name(name, &attrs);
                self.note_weak(asm, &attrs);
                if !self.globals.contains_key(&asm) {
                    self.globals.insert(asm, GlobalInfo { ty: ty.clone(), is_static: false, defined: false, index: None });
                }
                if spec.thread_local || attrs.weak || attrs.visibility.is_some() {
                    self.items.push(TopLevel::Decl { name: asm, ty: ty.clone(), attrs: attrs.clone(), thread_local: spec.thread_local });
                }
                self.bind(name, Binding::Var { var: VarRef::Global(asm), ty });
            } else if spec.storage == Storage::Static {
                // A static local is a global with a unique name.
                let fname = self.func.as_ref().and_then(|f| f.name).map(|s| s.as_str()).unwrap_or("");
                let counter = {
                    let f = self.func.as_mut().expect("func");
                    f.static_counter += 1;
                    f.static_counter
                };
                let gname = Sym::intern(&format!("{}.{}.{}", name, fname, counter));
                if let Some(f) = self.func.as_ref().and_then(|f| f.name) {
                    self.static_owner.insert(gname, f);
                }
                self.bind(name, Binding::Var { var: VarRef::Global(gname), ty: ty.clone() });
                let init = if self.eat("=") {
                    let (init, nty) = self.initializer(&ty, true)?;
                    ty = nty;
                    self.bind(name, Binding::Var { var: VarRef::Global(gname), ty: ty.clone() });
                    Some(init)
                } else {
                    None
                };
                let align = self.layout().align(&ty).max(spec.align).max(attrs.aligned.unwrap_or(0));
                self.items.push(TopLevel::Global(GlobalVar { name: gname, ty, align, init, is_static: true, is_extern: false, thread_local: spec.thread_local, tentative: false, attrs }));
            } else {
                if ty.is_void() {
                    return Err(self.error_at(nloc, format!("variable or field '{name}' declared void")));
                }
                if let Kind::Record(r) = ty.kind {
                    if !self.tables.record(r).complete {
                        return Err(self.error_at(nloc, format!("storage size of '{name}' isn't known")));
                    }
                }
                let align = self.layout().align(&ty).max(spec.align).max(attrs.aligned.unwrap_or(0));
                let id = self.new_local(name, ty.clone(), align);
                if let (Storage::Register, Some(reg)) = (spec.storage, &attrs.asm_label) {
                    self.func.as_mut().expect("func").asm_registers.insert(id, reg.clone());
                }
                // In scope from the end of its declarator: `struct s r = { &r };`.
                self.bind(name, Binding::Var { var: VarRef::Local(id), ty: ty.clone() });
                let init = if self.eat("=") {
                    if spec.auto_type {
                        let e = self.assign_expr()?;
                        let e = self.decay(e);
                        ty = e.ty.unqual();
                        let al = self.layout_align(&ty);
                        let lv = &mut self.func.as_mut().expect("func").locals[id];
                        lv.ty = ty.clone();
                        lv.align = al;
                        Some(Initializer { size: self.layout().size(&ty), items: vec![InitItem { offset: 0, bitfield: None, expr: e }], whole: None })
                    } else {
                        let (init, nty) = self.initializer(&ty, false)?;
                        if nty.is_array() && !matches!(ty.kind, Kind::Array { len: Some(_), .. }) {
                            ty = nty;
                            let al = self.layout_align(&ty).max(align);
                            let lv = &mut self.func.as_mut().expect("func").locals[id];
                            lv.ty = ty.clone();
                            lv.align = al;
                        }
                        Some(init)
                    }
                } else {
                    None
                };
                self.bind(name, Binding::Var { var: VarRef::Local(id), ty: ty.clone() });
                if let Some(c) = attrs.cleanup {
                    let call = self.cleanup_call(c, id, &ty, nloc)?;
                    self.func.as_mut().expect("func").locals[id].cleanup = Some(call);
                }
                self.flush_vla(&mut out);
                out.push(Stmt::Decl { var: id, init: init.map(Box::new) });
            }
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";")?;
        Ok(out)
    }

    /// `fn(&var)`: what `__attribute__((cleanup(fn)))` calls when `var` leaves its scope.
    fn cleanup_call(&mut self, func: Sym, var: LocalId, ty: &CType, loc: Loc) -> PResult<Expr> {
        let (callee, fty) = match self.lookup_var(func) {
            Some(Binding::Var { var, ty }) if ty.is_func() => (Expr::new(ExprKind::Var(var), ty.clone(), loc), ty.func().cloned()),
            Some(_) => return Err(self.error_at(loc, "cleanup argument not a function")),
            None => return Err(self.error_at(loc, format!("'{func}' undeclared"))),
        };
        let fty = fty.expect("function type");
        if !fty.unprototyped && fty.params.len() != 1 {
            return Err(self.error_at(loc, format!("cleanup function '{func}' must take exactly one argument")));
        }
        let obj = Expr::new(ExprKind::Var(VarRef::Local(var)), ty.clone(), loc);
        let mut arg = self.build_addr_of(obj, loc)?;
        if let Some(p) = fty.params.first().filter(|_| !fty.unprototyped) {
            arg = self.convert(arg, p.ty.clone());
        }
        let callee = super::expr::function_pointer(callee);
        Ok(Expr::new(ExprKind::Call { callee: Box::new(callee), args: vec![arg] }, fty.ret.clone(), loc))
    }

    fn layout_align(&self, t: &CType) -> u32 {
        self.layout().align(t)
    }

    pub(super) fn flush_vla(&mut self, out: &mut Vec<Stmt>) {
        if let Some(f) = self.func.as_mut() {
            out.append(&mut f.pending_vla);
        }
    }
}

fn spec_with(mut s: DeclSpec, ty: CType) -> DeclSpec {
    s.ty = ty;
    s
}

/// Attributes after a declarator that change its type (`vector_size`,
/// `mode`), as GCC applies them.
fn apply_type_attrs(ty: CType, attrs: &mut DeclAttrs) -> CType {
    match attrs.vector_size.take() {
        Some(vs) => CType::new(Kind::Vector { elem: Rc::new(ty), size: vs }),
        None => ty,
    }
}

/// `typedef T name __attribute__((aligned(N)))` raises the type's alignment.
fn typedef_type(mut ty: CType, attrs: &DeclAttrs) -> CType {
    if let Some(a) = attrs.aligned {
        ty.align_override = ty.align_override.max(a);
    }
    ty
}

/// Keywords that can start a type name: specifiers and qualifiers.
pub(super) fn is_type_keyword(k: Kw) -> bool {
    matches!(
        k,
        Kw::Void
            | Kw::Char
            | Kw::Short
            | Kw::Int
            | Kw::Long
            | Kw::Float
            | Kw::Double
            | Kw::Signed
            | Kw::Unsigned
            | Kw::Bool
            | Kw::Complex
            | Kw::Imaginary
            | Kw::Int128
            | Kw::Struct
            | Kw::Union
            | Kw::Enum
            | Kw::Const
            | Kw::Volatile
            | Kw::Restrict
            | Kw::Atomic
            | Kw::Typeof
            | Kw::TypeofUnqual
            | Kw::BuiltinVaList
            | Kw::Float128
            | Kw::Attribute
    )
}

/// Parameter type adjustment: arrays and functions become pointers.
pub fn adjust_param_type(ty: CType) -> CType {
    match &ty.kind {
        Kind::Array { elem, .. } | Kind::Vla { elem, .. } => {
            let mut p = CType::ptr_to((**elem).clone());
            p.quals = ty.quals & !Q_CONST;
            p
        }
        Kind::Func(_) => CType::ptr_to(ty),
        _ => ty,
    }
}

/// An attribute or mode name without GCC's optional `__` on either side
/// (`__packed__` is `packed`).
fn strip_underscores(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("__") {
        s = rest;
    }
    while let Some(rest) = s.strip_suffix("__") {
        s = rest;
    }
    s
}
