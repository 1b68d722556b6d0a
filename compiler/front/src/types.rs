//! C types and their layout on the target.

use std::cell::RefCell;
use std::rc::Rc;

use ccc_ir::{AggLayout, TargetInfo, Type as IrType};

use crate::intern::Sym;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntKind {
    Bool,
    Char,
    Short,
    Int,
    Long,
    LongLong,
    Int128,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FloatKind {
    Float,
    Double,
    LongDouble,
}

pub const Q_CONST: u8 = 1;
pub const Q_VOLATILE: u8 = 2;
pub const Q_RESTRICT: u8 = 4;
pub const Q_ATOMIC: u8 = 8;

#[derive(Clone, Debug)]
pub enum Kind {
    Void,
    Int { kind: IntKind, signed: bool },
    Float(FloatKind),
    Complex(FloatKind),
    Ptr(Rc<CType>),
    /// `len` None: incomplete (`int a[]`) or flexible member.
    Array { elem: Rc<CType>, len: Option<u64> },
    /// Variable length array; `size_var` names the hidden local holding its
    /// byte size once the declaration has been executed.
    /// `size_var` is a local of the function at nesting depth `depth`
    /// (GNU nested functions reach an enclosing function's VLA sizes).
    Vla { elem: Rc<CType>, size_var: usize, depth: u32 },
    Func(Rc<FuncType>),
    Record(RecordId),
    Enum(EnumId),
    /// GCC vector types (`vector_size`), only declarations and memory copies.
    Vector { elem: Rc<CType>, size: u64 },
}

#[derive(Clone, Debug)]
pub struct CType {
    pub kind: Kind,
    pub quals: u8,
    /// Alignment override from `_Alignas`/`aligned` on a typedef, 0 = natural.
    pub align_override: u32,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Option<Sym>,
    pub ty: CType,
}

#[derive(Clone, Debug)]
pub struct FuncType {
    pub ret: CType,
    pub params: Vec<Param>,
    pub variadic: bool,
    /// Declared with `()`: unprototyped (K&R).
    pub unprototyped: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnumId(pub u32);

#[derive(Clone, Debug)]
pub struct Field {
    pub name: Option<Sym>,
    pub ty: CType,
    pub offset: u64,
    /// Bitfields: width and bit offset within the storage unit at `offset`.
    pub bit_width: Option<u32>,
    pub bit_offset: u32,
    /// Bytes loaded/stored to access a bitfield (the storage unit).
    pub storage_size: u32,
}

#[derive(Clone, Debug, Default)]
pub struct RecordDef {
    pub tag: Option<Sym>,
    pub is_union: bool,
    pub complete: bool,
    pub fields: Vec<Field>,
    pub size: u64,
    pub align: u32,
    pub has_flex: bool,
    /// `__attribute__((transparent_union))`: arguments of any member type convert to it.
    pub transparent: bool,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub tag: Option<Sym>,
    pub complete: bool,
    pub underlying: IntKind,
    pub signed: bool,
}

/// All records and enums of a translation unit.
#[derive(Default)]
pub struct TypeTables {
    pub records: RefCell<Vec<RecordDef>>,
    pub enums: RefCell<Vec<EnumDef>>,
}

impl TypeTables {
    pub fn new_record(&self, tag: Option<Sym>, is_union: bool) -> RecordId {
        let mut r = self.records.borrow_mut();
        r.push(RecordDef { tag, is_union, align: 1, ..Default::default() });
        RecordId(r.len() as u32 - 1)
    }
    pub fn record(&self, id: RecordId) -> std::cell::Ref<'_, RecordDef> {
        std::cell::Ref::map(self.records.borrow(), |r| &r[id.0 as usize])
    }
    pub fn new_enum(&self, tag: Option<Sym>) -> EnumId {
        let mut e = self.enums.borrow_mut();
        e.push(EnumDef { tag, complete: false, underlying: IntKind::Int, signed: false });
        EnumId(e.len() as u32 - 1)
    }
}

impl CType {
    pub fn new(kind: Kind) -> CType {
        CType { kind, quals: 0, align_override: 0 }
    }
    pub fn void() -> CType {
        CType::new(Kind::Void)
    }
    pub fn int() -> CType {
        CType::new(Kind::Int { kind: IntKind::Int, signed: true })
    }
    pub fn uint() -> CType {
        CType::new(Kind::Int { kind: IntKind::Int, signed: false })
    }
    pub fn long() -> CType {
        CType::new(Kind::Int { kind: IntKind::Long, signed: true })
    }
    pub fn ulong() -> CType {
        CType::new(Kind::Int { kind: IntKind::Long, signed: false })
    }
    pub fn bool() -> CType {
        CType::new(Kind::Int { kind: IntKind::Bool, signed: false })
    }
    pub fn char(signed: bool) -> CType {
        CType::new(Kind::Int { kind: IntKind::Char, signed })
    }
    pub fn int_of(kind: IntKind, signed: bool) -> CType {
        CType::new(Kind::Int { kind, signed })
    }
    pub fn double() -> CType {
        CType::new(Kind::Float(FloatKind::Double))
    }
    pub fn ptr_to(t: CType) -> CType {
        CType::new(Kind::Ptr(Rc::new(t)))
    }
    pub fn array_of(t: CType, len: Option<u64>) -> CType {
        CType::new(Kind::Array { elem: Rc::new(t), len })
    }
    pub fn with_quals(mut self, q: u8) -> CType {
        self.quals |= q;
        self
    }
    pub fn unqual(&self) -> CType {
        let mut t = self.clone();
        t.quals = 0;
        t
    }

    pub fn is_void(&self) -> bool {
        matches!(self.kind, Kind::Void)
    }
    pub fn is_integer(&self) -> bool {
        matches!(self.kind, Kind::Int { .. } | Kind::Enum(_))
    }
    pub fn is_bool(&self) -> bool {
        matches!(self.kind, Kind::Int { kind: IntKind::Bool, .. })
    }
    pub fn is_float(&self) -> bool {
        matches!(self.kind, Kind::Float(_))
    }
    pub fn is_complex(&self) -> bool {
        matches!(self.kind, Kind::Complex(_))
    }
    pub fn is_arith(&self) -> bool {
        self.is_integer() || self.is_float() || self.is_complex()
    }
    pub fn is_ptr(&self) -> bool {
        matches!(self.kind, Kind::Ptr(_))
    }
    pub fn is_array(&self) -> bool {
        matches!(self.kind, Kind::Array { .. } | Kind::Vla { .. })
    }
    pub fn is_vla(&self) -> bool {
        matches!(self.kind, Kind::Vla { .. })
    }
    pub fn is_func(&self) -> bool {
        matches!(self.kind, Kind::Func(_))
    }
    pub fn is_record(&self) -> bool {
        matches!(self.kind, Kind::Record(_))
    }
    pub fn is_scalar(&self) -> bool {
        self.is_integer() || self.is_float() || self.is_ptr()
    }
    pub fn is_const(&self) -> bool {
        self.quals & Q_CONST != 0
    }
    pub fn is_volatile(&self) -> bool {
        self.quals & Q_VOLATILE != 0
    }
    pub fn is_atomic(&self) -> bool {
        self.quals & Q_ATOMIC != 0
    }
    /// Element/pointee type of pointers and arrays.
    pub fn base(&self) -> Option<&CType> {
        match &self.kind {
            Kind::Ptr(b) => Some(b),
            Kind::Array { elem, .. } | Kind::Vla { elem, .. } | Kind::Vector { elem, .. } => Some(elem),
            _ => None,
        }
    }
    pub fn func(&self) -> Option<&FuncType> {
        match &self.kind {
            Kind::Func(f) => Some(f),
            Kind::Ptr(p) => match &p.kind {
                Kind::Func(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }
    pub fn float_kind(&self) -> Option<FloatKind> {
        match self.kind {
            Kind::Float(k) | Kind::Complex(k) => Some(k),
            _ => None,
        }
    }
    pub fn is_signed(&self, tt: &TypeTables) -> bool {
        match self.kind {
            Kind::Int { signed, .. } => signed,
            Kind::Enum(e) => tt.enums.borrow()[e.0 as usize].signed,
            _ => false,
        }
    }
    pub fn int_kind(&self, tt: &TypeTables) -> Option<IntKind> {
        match self.kind {
            Kind::Int { kind, .. } => Some(kind),
            Kind::Enum(e) => Some(tt.enums.borrow()[e.0 as usize].underlying),
            _ => None,
        }
    }
}

/// Layout queries need the target and the record tables.
pub struct Layout<'a> {
    pub target: &'a TargetInfo,
    pub tables: &'a TypeTables,
}

impl<'a> Layout<'a> {
    pub fn int_size(&self, k: IntKind) -> u64 {
        match k {
            IntKind::Bool | IntKind::Char => 1,
            IntKind::Short => 2,
            IntKind::Int => 4,
            IntKind::Long => self.target.long_size as u64,
            IntKind::LongLong => 8,
            IntKind::Int128 => 16,
        }
    }

    /// The type GCC uses for 64-bit modes: `long` (LP64), `long long` (ILP32).
    pub fn int64_kind(&self) -> IntKind {
        if self.target.long_size == 8 { IntKind::Long } else { IntKind::LongLong }
    }

    pub fn float_size(&self, k: FloatKind) -> u64 {
        match k {
            FloatKind::Float => 4,
            FloatKind::Double => 8,
            FloatKind::LongDouble => self.target.long_double_size as u64,
        }
    }

    /// `sizeof`; incomplete types and functions report 1 (GNU `sizeof(void)`).
    pub fn size(&self, t: &CType) -> u64 {
        match &t.kind {
            Kind::Void | Kind::Func(_) => 1,
            Kind::Int { kind, .. } => self.int_size(*kind),
            Kind::Enum(e) => self.int_size(self.tables.enums.borrow()[e.0 as usize].underlying),
            Kind::Float(k) => self.float_size(*k),
            Kind::Complex(k) => 2 * self.float_size(*k),
            Kind::Ptr(_) | Kind::Vla { .. } => self.target.ptr_size as u64,
            Kind::Array { elem, len } => self.size(elem).saturating_mul(len.unwrap_or(0)),
            Kind::Record(r) => self.tables.record(*r).size,
            Kind::Vector { size, .. } => *size,
        }
    }

    pub fn align(&self, t: &CType) -> u32 {
        if t.align_override != 0 {
            return t.align_override;
        }
        match &t.kind {
            Kind::Void | Kind::Func(_) => 1,
            Kind::Int { .. } | Kind::Enum(_) | Kind::Ptr(_) => (self.size(t) as u32).min(self.int64_cap(t)),
            Kind::Float(FloatKind::LongDouble) | Kind::Complex(FloatKind::LongDouble) => self.target.long_double_align,
            Kind::Float(k) | Kind::Complex(k) => (self.float_size(*k) as u32).min(self.int64_cap(t)),
            Kind::Array { elem, .. } | Kind::Vla { elem, .. } => self.align(elem),
            Kind::Record(r) => self.tables.record(*r).align,
            Kind::Vector { size, .. } => (*size).clamp(1, 64) as u32,
        }
    }

    /// The alignment cap of 8-byte scalars (`long long`, `double`): the
    /// target's `int64_field_align` (4 on i386), no cap for other sizes.
    fn int64_cap(&self, t: &CType) -> u32 {
        let scalar = match &t.kind {
            Kind::Int { .. } | Kind::Enum(_) | Kind::Ptr(_) => self.size(t),
            Kind::Float(k) | Kind::Complex(k) => self.float_size(*k),
            _ => 0,
        };
        if scalar == 8 { self.target.int64_field_align } else { u32::MAX }
    }

    /// The IR type of a scalar C type (enums, pointers, bool included).
    pub fn ir_type(&self, t: &CType) -> Option<IrType> {
        Some(match &t.kind {
            Kind::Int { .. } | Kind::Enum(_) => IrType::int_of_size(self.size(t) as u32)?,
            Kind::Ptr(_) => IrType::Ptr,
            Kind::Float(FloatKind::Float) => IrType::F32,
            Kind::Float(FloatKind::Double) => IrType::F64,
            Kind::Float(FloatKind::LongDouble) => self.target.long_double,
            _ => return None,
        })
    }

    pub fn float_ir(&self, k: FloatKind) -> IrType {
        match k {
            FloatKind::Float => IrType::F32,
            FloatKind::Double => IrType::F64,
            FloatKind::LongDouble => self.target.long_double,
        }
    }

    /// The flattened scalar leaves of an aggregate, for the ABI.
    pub fn agg_layout(&self, t: &CType) -> AggLayout {
        let mut leaves = Vec::new();
        let mut force_memory = false;
        self.collect_leaves(t, 0, &mut leaves, &mut force_memory);
        leaves.sort_by_key(|l| l.0);
        AggLayout { size: self.size(t), align: self.align(t), leaves, force_memory }
    }

    fn collect_leaves(&self, t: &CType, base: u64, out: &mut Vec<(u64, IrType)>, force: &mut bool) {
        match &t.kind {
            Kind::Record(r) => {
                let rec = self.tables.record(*r).clone();
                if rec.has_flex {
                    *force = true;
                }
                for f in &rec.fields {
                    if let Some(w) = f.bit_width {
                        if w == 0 {
                            continue;
                        }
                        // Bitfield storage: an integer leaf covering its bytes.
                        let bytes = (f.bit_offset + w).div_ceil(8);
                        let ty = IrType::int_of_size(bytes.next_power_of_two().min(8)).unwrap_or(IrType::I64);
                        out.push((base + f.offset, ty));
                        continue;
                    }
                    self.collect_leaves(&f.ty, base + f.offset, out, force);
                }
            }
            Kind::Array { elem, len } => {
                let es = self.size(elem);
                for i in 0..len.unwrap_or(0) {
                    self.collect_leaves(elem, base + i * es, out, force);
                }
            }
            Kind::Complex(k) => {
                let ft = self.float_ir(*k);
                let fs = self.float_size(*k);
                out.push((base, ft));
                out.push((base + fs, ft));
            }
            Kind::Vector { elem, size } => {
                let es = self.size(elem).max(1);
                let et = self.ir_type(elem).unwrap_or(IrType::I8);
                for i in 0..size / es {
                    out.push((base + i * es, et));
                }
            }
            _ => {
                if let Some(it) = self.ir_type(t) {
                    out.push((base, it));
                }
            }
        }
    }
}

/// Integer conversion rank for the usual arithmetic conversions.
pub fn rank(k: IntKind) -> u8 {
    match k {
        IntKind::Bool => 0,
        IntKind::Char => 1,
        IntKind::Short => 2,
        IntKind::Int => 3,
        IntKind::Long => 4,
        IntKind::LongLong => 5,
        IntKind::Int128 => 6,
    }
}

/// A float converted to an integer of `size` bytes the way GCC folds
/// constants: saturating at the type's range, NaN to zero.
pub fn float_to_int_saturating(f: f64, size: u64, signed: bool) -> i128 {
    match (size, signed) {
        (1, true) => (f as i8) as i128,
        (1, false) => (f as u8) as i128,
        (2, true) => (f as i16) as i128,
        (2, false) => (f as u16) as i128,
        (4, true) => (f as i32) as i128,
        (4, false) => (f as u32) as i128,
        (8, true) => (f as i64) as i128,
        (8, false) => (f as u64) as i128,
        (_, true) => f as i128,
        (_, false) => (f as u128) as i128,
    }
}

/// The float kind a C library function name's suffix selects
/// (`fabsf` float, `fabsl` long double, `fabs` double).
pub fn float_kind_of_suffix(name: &str) -> FloatKind {
    if name.ends_with('f') {
        FloatKind::Float
    } else if name.ends_with('l') {
        FloatKind::LongDouble
    } else {
        FloatKind::Double
    }
}
