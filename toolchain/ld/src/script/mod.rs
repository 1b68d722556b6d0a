//! GNU ld scripts: the input scripts libraries ship (`GROUP`, `INPUT`, in `input`) and the
//! full scripts given with `-T` (`lexer` → `parser` → `ast`, values by `eval`).

pub mod ast;
pub mod eval;
pub mod input;
pub mod lexer;
pub mod parser;

pub use input::{looks_like_script, parse, InputScript, ScriptInput};
pub use parser::load;
