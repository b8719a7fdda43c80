//! Syntax: the pest grammar (`grammar/tscript.pest`) turned into a spanned AST.

pub mod ast;
pub mod parse;
