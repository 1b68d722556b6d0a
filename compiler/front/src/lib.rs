//! The C front end: tokens in, IR out.
//!
//! `lex` + `preprocess` turn files into a token stream; `parse` builds a typed
//! AST (declarations are resolved and expression types computed while
//! parsing, as in chibicc); `lower` turns the AST into `ccc_ir` functions.

pub mod diag;
pub mod intern;
pub mod token;
