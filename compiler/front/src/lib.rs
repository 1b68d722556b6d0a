//! The C front end: tokens in, IR out.
//!
//! `lex` + `preprocess` turn files into a token stream; `parse` builds a typed
//! AST (declarations are resolved and expression types computed while
//! parsing, as in chibicc); `lower` turns the AST into `ccc_ir` functions.

pub mod ast;
pub mod diag;
pub mod intern;
pub mod lex;
pub mod lower;
pub mod parse;
pub mod preprocess;
mod scan;
pub mod token;
pub mod types;

use ccc_ir::{Module, TargetInfo};

/// Source bytes that are not UTF-8 are represented by the characters
/// `RAW_BYTE_BASE + byte` (Unicode private use plane 16).
pub const RAW_BYTE_BASE: u32 = 0x10_FF00;

/// Decode bytes as UTF-8, mapping each invalid byte to a raw-byte character.
pub fn decode_raw_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - good);
                for &b in &rest[good..good + bad] {
                    out.push(char::from_u32(RAW_BYTE_BASE + b as u32).unwrap_or('\u{fffd}'));
                }
                rest = &rest[good + bad..];
            }
        }
    }
}

/// Which C dialect `-std=` selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CStd {
    C89,
    C99,
    C11,
    C17,
    C2x,
}

/// Options of the front end proper (the preprocessor has its own).
#[derive(Clone, Debug)]
pub struct FrontOptions {
    pub std: CStd,
    /// `-std=gnu*` (the default) rather than strict ISO.
    pub gnu: bool,
    /// `-fcommon`: tentative definitions become common symbols.
    pub fcommon: bool,
    /// `-fgnu89-inline` (also implied by -std=gnu89).
    pub gnu89_inline: bool,
    /// `-fsigned-char` / `-funsigned-char` override the target's default.
    pub signed_char: Option<bool>,
    /// `-fshort-wchar`: `wchar_t` (and `L` literals) is `unsigned short`.
    pub short_wchar: bool,
    /// `-O` level (0..=3), for `__OPTIMIZE__`-like decisions in lowering.
    pub opt_level: u8,
    /// C library functions may be treated as builtins (no `-fno-builtin`,
    /// `-ffreestanding`): calls to them can be replaced by cheaper ones.
    pub libc_builtins: bool,
    /// `-finstrument-functions`: entry/exit hooks in every function.
    pub instrument_functions: bool,
    /// Name of the main source file, for `.file` and `__FILE__`-independent uses.
    pub source_name: String,
}

impl Default for FrontOptions {
    fn default() -> Self {
        FrontOptions { std: CStd::C17, gnu: true, fcommon: false, gnu89_inline: false, signed_char: None, short_wchar: false, opt_level: 0, libc_builtins: true, instrument_functions: false, source_name: String::new() }
    }
}

/// Parse and lower one preprocessed translation unit. Diagnostics go to
/// `diag`; `None` means errors were reported.
pub fn compile_translation_unit(
    tokens: Vec<token::Token>,
    diag: &diag::DiagEngine,
    target: &TargetInfo,
    opts: &FrontOptions,
) -> Option<Module> {
    target.enter();
    let parser = parse::Parser::new(tokens, diag, target, opts);
    let unit = parser.parse_translation_unit().ok()?;
    if diag.has_errors() {
        return None;
    }
    lower::lower_unit(&unit, diag, target, opts)
}
