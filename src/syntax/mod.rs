//! Syntax: the pest grammar (`grammar/tscript.pest`) turned into a spanned AST.

pub mod ast;
pub mod imports;
pub mod parse;

use crate::diag::{Code, Diag};
use parse::MAX_SOURCE_BYTES;
use std::io::Read;

/// Reads a script from `input` (named `name` in errors). No more than the size limit is read, so
/// that `/dev/zero` or an endless pipe is an error (`tscript::parse::too_large`), not a hang; a
/// read error or text that is not UTF-8 is `tscript::io`.
pub fn read_source(input: impl Read, name: &str) -> Result<String, Diag> {
    let mut bytes = Vec::new();
    let limit = MAX_SOURCE_BYTES as u64;
    input
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diag::unplaced(Code::Io, format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > limit {
        let message = format!("{name} is larger than 64 MiB");
        return Err(Diag::unplaced(Code::ParseTooLarge, message).with_help("split it into several files"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Diag::unplaced(Code::Io, format!("cannot read {name}: not UTF-8 text (byte {at})"))
    })
}

/// Reads a script file with [`read_source`].
pub fn read_source_file(path: &str) -> Result<String, Diag> {
    let file = std::fs::File::open(path).map_err(|e| Diag::unplaced(Code::Io, format!("cannot read {path}: {e}")))?;
    read_source(file, path)
}
