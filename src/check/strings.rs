//! String rules the type rules cannot see: a format spec written as a constant (an f-string
//! field's `{x:.3f}`, or `format(x, ".3f")`) must be well formed and fit the type of the value
//! it formats, so that `f"{name:.2f}"` with a str `name` is an error before anything runs.

use super::Cx;
use crate::diag::{Code, Diag};
use crate::dtype::Dtype;
use crate::format::spec::{Kind, Spec};
use crate::ir::{Ir, IrKind};
use crate::span::Span;
use crate::types::Type;
use crate::value::Value;

impl Cx<'_> {
    /// Checks the constant spec of a `format` call whose value has type `value`.
    pub(super) fn format_spec(&mut self, spec: &Ir, value: &Type) {
        let IrKind::Const(Value::Str(text)) = &spec.kind else { return };
        // In an f-string the spec's span is its text; a str literal's also has its quotes.
        let offset = match spec.span.len().checked_sub(text.len()) {
            Some(0) => Some(0),
            Some(2) => Some(1),
            _ => None,
        };
        let place = |at: (usize, usize)| match offset {
            Some(o) => {
                let start = spec.span.start + (o + at.0) as u32;
                Span { start, end: (spec.span.start + (o + at.1) as u32).max(start + 1) }
            }
            None => spec.span,
        };
        let result = Spec::parse(text).map_err(|e| (Code::Parse, e)).and_then(|s| match kind_of_type(value) {
            Some(kind) => s.fits(kind, text).map_err(|e| (Code::TypeMismatch, e)),
            None => Ok(()),
        });
        if let Err((code, e)) = result {
            let at = if text.is_empty() { spec.span } else { place(e.at) };
            let message = match code {
                Code::Parse => format!("bad format spec: {}", e.message),
                _ => format!("the format spec \"{text}\" does not fit {value}: {}", e.message),
            };
            let mut d = Diag::new(code, message, at, "here");
            d.help = e.help;
            self.push(d);
        }
    }
}

/// What a value of this type is, for [`Spec::fits`]; `None` when it is not known.
fn kind_of_type(t: &Type) -> Option<Kind> {
    match t {
        Type::Int(_) | Type::Tensor { dtype: Dtype::I64, .. } => Some(Kind::Int),
        Type::Float(_) | Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. } => Some(Kind::Float),
        Type::Bool(_) | Type::Tensor { dtype: Dtype::Bool, .. } => Some(Kind::Bool),
        Type::Str => Some(Kind::Str),
        Type::Any | Type::Absent => None,
        _ => Some(Kind::Other),
    }
}
