//! Built-in macros: `__FILE__`, `__LINE__`, `__COUNTER__`, dates, the
//! `__has_*` operators and the `_Pragma` operator.

use super::{Builtin, PpTok, Preprocessor, EDGE_AFTER, EDGE_BEFORE};
use crate::intern::Sym;
use crate::lex::tokenize_str;
use crate::token::{Token, TokenKind};

/// GNU attributes `__has_attribute` reports (GCC 12 answers 1 for those).
/// Keep in sync with what the parser accepts.
const GNU_ATTRIBUTES: &[&str] = &[
    "access", "alias", "aligned", "alloc_align", "alloc_size", "always_inline", "artificial", "assume_aligned", "cleanup", "cold", "common",
    "const", "constructor", "copy", "deprecated", "designated_init", "destructor", "error", "externally_visible", "fallthrough", "flatten",
    "format", "format_arg", "gnu_inline", "hot", "ifunc", "leaf", "malloc", "may_alias", "mode", "naked", "no_instrument_function",
    "no_profile_instrument_function", "no_reorder", "no_sanitize", "no_sanitize_address", "no_sanitize_undefined", "no_split_stack",
    "no_stack_protector", "noclone", "nocommon", "noinit", "noinline", "noipa", "nonnull", "nonstring", "noplt", "noreturn", "nothrow",
    "optimize", "packed", "pure", "returns_nonnull", "returns_twice", "section", "sentinel", "target", "tls_model", "transparent_union",
    "unavailable", "unused", "used", "vector_size", "visibility", "warn_unused_result", "warning", "weak", "weakref", "retain",
    "zero_call_used_regs", "symver", "patchable_function_entry", "uninitialized", "counted_by_unused_placeholder",
];

/// C2x standard attributes and the value GCC 12 gives `__has_c_attribute`.
const C_ATTRIBUTES: &[(&str, i64)] = &[("deprecated", 201904), ("fallthrough", 201904), ("maybe_unused", 201904), ("nodiscard", 202003), ("noreturn", 202202), ("_Noreturn", 202202)];

/// Builtins `__has_builtin` reports. Keep in sync with the front end.
const BUILTINS: &[&str] = &[
    "__builtin_abort", "__builtin_add_overflow", "__builtin_add_overflow_p", "__builtin_alloca", "__builtin_assume_aligned",
    "__builtin_bswap16", "__builtin_bswap32", "__builtin_bswap64", "__builtin_choose_expr", "__builtin_classify_type",
    "__builtin_clear_cache", "__builtin_clz", "__builtin_clzl", "__builtin_clzll", "__builtin_constant_p", "__builtin_copysign",
    "__builtin_copysignf", "__builtin_copysignl", "__builtin_ctz", "__builtin_ctzl", "__builtin_ctzll", "__builtin_dynamic_object_size",
    "__builtin_expect", "__builtin_expect_with_probability", "__builtin_fabs", "__builtin_fabsf", "__builtin_fabsl", "__builtin_ffs",
    "__builtin_ffsl", "__builtin_ffsll", "__builtin_frame_address", "__builtin_huge_val", "__builtin_huge_valf", "__builtin_huge_vall",
    "__builtin_inf", "__builtin_inff", "__builtin_infl", "__builtin_isfinite", "__builtin_isgreater", "__builtin_isgreaterequal",
    "__builtin_isinf", "__builtin_isinf_sign", "__builtin_isless", "__builtin_islessequal", "__builtin_islessgreater", "__builtin_isnan",
    "__builtin_isnormal", "__builtin_isunordered", "__builtin_memcmp", "__builtin_memcpy", "__builtin_memmove", "__builtin_memset",
    "__builtin_mul_overflow", "__builtin_mul_overflow_p", "__builtin_nan", "__builtin_nanf", "__builtin_nanl", "__builtin_object_size",
    "__builtin_offsetof", "__builtin_parity", "__builtin_parityl", "__builtin_parityll", "__builtin_popcount", "__builtin_popcountl",
    "__builtin_popcountll", "__builtin_prefetch", "__builtin_return_address", "__builtin_shuffle", "__builtin_signbit", "__builtin_strcmp", "__builtin_strlen",
    "__builtin_sub_overflow", "__builtin_sub_overflow_p", "__builtin_trap", "__builtin_types_compatible_p", "__builtin_unreachable",
    "__builtin_va_arg", "__builtin_va_copy", "__builtin_va_end", "__builtin_va_list", "__builtin_va_start", "__builtin_fpclassify",
    "__atomic_add_fetch", "__atomic_and_fetch", "__atomic_compare_exchange", "__atomic_compare_exchange_n", "__atomic_exchange",
    "__atomic_exchange_n", "__atomic_fetch_add", "__atomic_fetch_and", "__atomic_fetch_nand", "__atomic_fetch_or", "__atomic_fetch_sub",
    "__atomic_fetch_xor", "__atomic_load", "__atomic_load_n", "__atomic_nand_fetch", "__atomic_or_fetch", "__atomic_signal_fence",
    "__atomic_store", "__atomic_store_n", "__atomic_sub_fetch", "__atomic_test_and_set", "__atomic_clear", "__atomic_thread_fence",
    "__atomic_xor_fetch", "__atomic_always_lock_free", "__atomic_is_lock_free", "__sync_add_and_fetch", "__sync_bool_compare_and_swap",
    "__sync_fetch_and_add", "__sync_fetch_and_and", "__sync_fetch_and_or", "__sync_fetch_and_sub", "__sync_fetch_and_xor",
    "__sync_lock_release", "__sync_lock_test_and_set", "__sync_synchronize", "__sync_val_compare_and_swap", "__sync_sub_and_fetch",
    "__sync_and_and_fetch", "__sync_or_and_fetch", "__sync_xor_and_fetch",
];

impl<'a> Preprocessor<'a> {
    /// Expand a built-in macro; false if it stays as an identifier.
    pub(super) fn expand_builtin(&mut self, b: Builtin, t: PpTok) -> bool {
        let tok = t.tok;
        let (kind, text): (TokenKind, String) = match b {
            Builtin::File => (TokenKind::Str, quote(&self.map_prefix(&self.presumed_name()))),
            Builtin::BaseFile => (TokenKind::Str, quote(&self.map_prefix(&self.base_file.clone()))),
            Builtin::Line => {
                // The line of the macro invocation's outermost token.
                (TokenKind::Number, self.current_line(&tok).to_string())
            }
            Builtin::Counter => {
                self.counter += 1;
                (TokenKind::Number, (self.counter - 1).to_string())
            }
            Builtin::Date => (TokenKind::Str, format!("\"{}\"", self.date)),
            Builtin::Time => (TokenKind::Str, format!("\"{}\"", self.time)),
            Builtin::Timestamp => (TokenKind::Str, format!("\"{}\"", timestamp(self.opts.source_date_epoch.unwrap_or(0)))),
            Builtin::IncludeLevel => {
                let n = self.files.iter().filter(|f| f.role == super::FileRole::Source).count().saturating_sub(1);
                (TokenKind::Number, n.to_string())
            }
            Builtin::Pragma => return self.pragma_operator(t),
            Builtin::HasInclude | Builtin::HasIncludeNext => {
                if !self.in_if {
                    self.diag.error(tok.loc, format!("\"{}\" used outside of preprocessing directive", tok.text));
                    return false;
                }
                let v = self.has_include_operator(&t, b == Builtin::HasIncludeNext);
                (TokenKind::Number, (v as u8).to_string())
            }
            Builtin::HasAttribute | Builtin::HasCAttribute | Builtin::HasCppAttribute | Builtin::HasBuiltin | Builtin::HasFeature | Builtin::HasExtension => {
                if !self.next_is_lparen() {
                    self.diag.error(tok.loc, format!("missing '(' after \"{}\"", tok.text));
                    return false;
                }
                self.next_raw();
                let Some((args, _)) = self.collect_args_raw(&t) else { return true };
                let words: Vec<String> = args.iter().flatten().map(|a| a.tok.text.as_str().to_string()).collect();
                let v = self.has_value(b, &words);
                (TokenKind::Number, v.to_string())
            }
        };
        let new = Token { kind, text: Sym::intern(&text), loc: tok.loc, space_before: tok.space_before, line_start: tok.line_start };
        self.pending.push(PpTok { tok: new, hs: t.hs, flags: EDGE_BEFORE | EDGE_AFTER });
        true
    }

    fn has_value(&self, b: Builtin, words: &[String]) -> i64 {
        // `gnu::packed`, `__packed__` and `packed` are the same attribute.
        let joined = words.concat();
        let name = joined.rsplit("::").next().unwrap_or("");
        let scope = if joined.contains("::") { joined.split("::").next().unwrap_or("") } else { "" };
        let bare = name.strip_prefix("__").and_then(|n| n.strip_suffix("__")).unwrap_or(name);
        match b {
            Builtin::HasAttribute => {
                if scope.is_empty() || scope == "gnu" || scope == "__gnu__" {
                    if GNU_ATTRIBUTES.contains(&bare) {
                        return 1;
                    }
                }
                if scope.is_empty() {
                    C_ATTRIBUTES.iter().find(|a| a.0 == bare).map(|a| a.1).unwrap_or(0)
                } else {
                    0
                }
            }
            Builtin::HasCAttribute => {
                if scope == "gnu" || scope == "__gnu__" {
                    return GNU_ATTRIBUTES.contains(&bare) as i64;
                }
                if !scope.is_empty() {
                    return 0;
                }
                C_ATTRIBUTES.iter().find(|a| a.0 == bare).map(|a| a.1).unwrap_or(0)
            }
            Builtin::HasBuiltin => {
                (BUILTINS.contains(&joined.as_str()) || self.macro_of(Sym::intern(&joined)).is_some_and(|m| matches!(m.kind, super::MacroKind::Builtin(_))))
                    as i64
            }
            _ => 0,
        }
    }

    fn has_include_operator(&mut self, t: &PpTok, next: bool) -> bool {
        if !self.next_is_lparen() {
            self.diag.error(t.tok.loc, format!("missing '(' before \"{}\" operand", t.tok.text));
            return false;
        }
        self.next_raw();
        let Some((args, _)) = self.collect_args_raw(t) else { return false };
        let line: Vec<PpTok> = args.into_iter().flatten().collect();
        let parsed = match self.header_name(&line, t.tok.loc) {
            Some(p) => Some(p),
            None => {
                let e = self.expand_list(line);
                self.header_name(&e, t.tok.loc)
            }
        };
        match parsed {
            Some((name, angled)) => self.has_include(&name, angled, next),
            None => {
                self.diag.error(t.tok.loc, format!("operator \"{}\" requires a header-name", t.tok.text));
                false
            }
        }
    }

    /// `_Pragma("...")`: destringize and handle like `#pragma`.
    fn pragma_operator(&mut self, t: PpTok) -> bool {
        if self.in_if {
            return false;
        }
        if !self.next_is_lparen() {
            self.diag.error(t.tok.loc, "_Pragma takes a parenthesized string literal");
            return true;
        }
        self.next_raw();
        let s = self.next_token();
        let close = self.next_token();
        if s.tok.kind != TokenKind::Str || close.tok.text != self.syms.rparen {
            self.diag.error(t.tok.loc, "_Pragma takes a parenthesized string literal");
            return true;
        }
        let body = super::directive::unquote(s.tok.text.as_str());
        let mut toks = tokenize_str(&body, t.tok.loc.file, self.diag);
        toks.pop();
        for x in toks.iter_mut() {
            x.loc = t.tok.loc;
        }
        self.do_pragma(&toks, t.tok.loc);
        true
    }

    fn presumed_name(&self) -> String {
        self.files.iter().rev().find(|f| f.role == super::FileRole::Source).map(|f| f.presumed.clone()).unwrap_or_else(|| self.base_file.clone())
    }

    fn current_line(&mut self, tok: &Token) -> u32 {
        if tok.loc.line > 0 {
            return tok.loc.line;
        }
        self.here().line
    }

    /// Apply `-fmacro-prefix-map` (first match wins, as in GCC).
    pub(super) fn map_prefix(&self, name: &str) -> String {
        for (old, new) in &self.opts.macro_prefix_map {
            if let Some(rest) = name.strip_prefix(old.as_str()) {
                return format!("{new}{rest}");
            }
        }
        name.to_string()
    }
}

fn quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('"');
    o
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// (year, month 1-12, day) of a day count since 1970-01-01.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// `__DATE__` ("Mmm dd yyyy") and `__TIME__` ("hh:mm:ss") for a UTC time.
pub(super) fn date_time(epoch: i64) -> (String, String) {
    let days = epoch.div_euclid(86400);
    let secs = epoch.rem_euclid(86400);
    let (y, m, d) = civil(days);
    (format!("{} {:>2} {}", MONTHS[m as usize - 1], d, y), format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60))
}

/// `__TIMESTAMP__`: "Ddd Mmm dd hh:mm:ss yyyy".
fn timestamp(epoch: i64) -> String {
    let days = epoch.div_euclid(86400);
    let (date, time) = date_time(epoch);
    let (y, m, d) = civil(days);
    let _ = date;
    format!("{} {} {:>2} {} {}", DAYS[days.rem_euclid(7) as usize], MONTHS[m as usize - 1], d, time, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_time(0), ("Jan  1 1970".to_string(), "00:00:00".to_string()));
        assert_eq!(date_time(1700000000), ("Nov 14 2023".to_string(), "22:13:20".to_string()));
        assert_eq!(timestamp(1700000000), "Tue Nov 14 22:13:20 2023");
    }
}
