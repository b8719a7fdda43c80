//! The builder's part for string literals and f-strings (`f"step {i}: loss {l:.4f}"`): escapes,
//! `{{`/`}}`, and each field's expression (with its own spans, so an error inside `{...}`
//! underlines that part), conversion and format spec. With `parse.rs` and `operators.rs` this is
//! one of the files that see pest pairs. What the grammar lets through so that it can be worded
//! here (an empty field, a lone `}`, text after a field's expression) becomes a diagnostic.

use super::{syntax_error, Builder, Grammar, Operand, Res, Rule, P};
use crate::diag::{Code, Diag};
use crate::format::spec::Spec;
use crate::span::Span;
use crate::syntax::ast::{ExprKind, FPart};
use pest::Parser as _;
use std::sync::Arc;

/// What a field may hold, for help lines.
const FIELD_HELP: &str = "a field is {expression}, {expression:spec} or {expression!r}; write {{ and }} for braces";

impl Builder {
    /// The text of a string literal with its escapes applied.
    pub(super) fn string(&self, p: &P) -> Res<Arc<str>> {
        let body = &p.as_str()[1..p.as_str().len() - 1];
        self.unescape(body, self.span(p).start + 1, false).map(Arc::from)
    }

    /// `body` (which starts at offset `start`) with the escapes `\n \t \" \\` applied, and in an
    /// f-string's text (`braces`) `{{` and `}}` read as one brace.
    fn unescape(&self, body: &str, start: u32, braces: bool) -> Res<String> {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if braces && matches!(c, '{' | '}') {
                chars.next_if(|&(_, d)| d == c);
                out.push(c);
                continue;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let (_, e) = chars.next().expect("the grammar admits no lone `\\`");
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                '"' => '"',
                '\\' => '\\',
                _ => {
                    let at = Span { start: start + i as u32, end: start + (i + 1 + e.len_utf8()) as u32 };
                    let help = r#"the escapes are `\n`, `\t`, `\"` and `\\` (write `\\` for a backslash)"#;
                    let message = format!("`\\{e}` is not an escape TensorScript knows");
                    return Err(Diag::new(Code::Parse, message, at, "unknown escape").with_help(help));
                }
            });
        }
        Ok(out)
    }

    /// An f-string: its text parts and fields, in order.
    pub(super) fn fstring(&self, p: P, level: u32) -> Res<Operand> {
        let span = self.span(&p);
        let mut parts = Vec::new();
        let mut depth = 1;
        for q in p.into_inner() {
            let at = self.span(&q);
            match q.as_rule() {
                Rule::fstring_text => parts.push(FPart::Text(Arc::from(self.unescape(q.as_str(), at.start, true)?))),
                Rule::fstring_stray => {
                    return Err(Diag::new(Code::Parse, "a single `}` in an f-string", at, "not closing a field")
                        .with_help("write `}}` for a literal `}`"))
                }
                _ => {
                    let (part, d) = self.field(q, level)?;
                    depth = depth.max(d + 1);
                    parts.push(part);
                }
            }
        }
        self.node(ExprKind::FString(parts), span, depth, Span { start: span.start, end: span.start + 2 })
    }

    /// One field `{value!r:spec}` and the depth of its expression's tree.
    fn field(&self, p: P, level: u32) -> Res<(FPart, u32)> {
        let span = self.span(&p);
        let open = Span { start: span.start, end: span.start + 1 };
        let inner = self.enter(level, open)?;
        let (mut value, mut conversion, mut spec, mut closed) = (None, None, None, false);
        for q in p.into_inner() {
            let at = self.span(&q);
            match q.as_rule() {
                Rule::expr => value = Some(self.expr(q, inner)?),
                Rule::fstring_conv => {
                    conversion = Some(match q.as_str() {
                        "!r" => true,
                        "!s" => false,
                        other => {
                            return Err(Diag::new(
                                Code::Parse,
                                format!("`{other}` is not a conversion"),
                                at,
                                "not !r or !s",
                            )
                            .with_help("!r writes a value as the REPL shows it (a str quoted), !s as print does"))
                        }
                    })
                }
                Rule::fstring_spec => {
                    let text = &q.as_str()[1..];
                    let at = Span { start: at.start + 1, end: at.end };
                    check_spec(text, at)?;
                    spec = Some((Arc::from(text), at));
                }
                Rule::fstring_close => closed = true,
                _ => return Err(self.junk(q.as_str(), at, value.is_some())),
            }
        }
        let Some(value) = value else {
            let message = "an f-string field needs an expression";
            return Err(Diag::new(Code::Parse, message, span, "empty field").with_help(FIELD_HELP));
        };
        if !closed {
            return Err(Diag::new(Code::Parse, "this f-string field is never closed", open, "opened here")
                .with_help("close it with `}`, or write `{{` for a literal `{`"));
        }
        Ok((FPart::Field { value: value.expr, conversion, spec, span }, value.depth))
    }

    /// The error for text in a field that is not part of its expression: a precise syntax error
    /// when the field holds no expression at all (`{(x + }`), else the text underlined.
    fn junk(&self, text: &str, at: Span, after_value: bool) -> Diag {
        let body = text.strip_suffix('}').unwrap_or(text);
        let body_at = Span { start: at.start, end: at.start + body.len() as u32 };
        if !after_value && !body.trim().is_empty() {
            if let Err(e) = Grammar::parse(Rule::line, body) {
                return syntax_error(e, body, 0, body.len(), at.start);
            }
        }
        let shown = body.trim();
        let message = match shown.is_empty() {
            true => "unexpected text in an f-string field".to_string(),
            false => format!("unexpected `{shown}` in an f-string field"),
        };
        Diag::new(Code::Parse, message, body_at, "not part of the field").with_help(FIELD_HELP)
    }
}

/// A spec's syntax is checked where it is written (whether it fits the value is the checker's
/// part, which knows the value's type).
fn check_spec(text: &str, at: Span) -> Res<()> {
    if let Some(i) = text.find('{') {
        let end = text[i..].find('}').map_or(text.len(), |j| i + j + 1);
        let place = Span { start: at.start + i as u32, end: at.start + end as u32 };
        return Err(Diag::new(Code::Parse, "a format spec cannot hold a field", place, "nested field")
            .with_help("build the spec first, e.g. format(x, \">\" + str(w) + \".3f\")"));
    }
    Spec::parse(text).map(|_| ()).map_err(|e| {
        let place = Span { start: at.start + e.at.0 as u32, end: at.start + (e.at.1 as u32).max(e.at.0 as u32 + 1) };
        let place = if text.is_empty() { at } else { place };
        let diag = Diag::new(Code::Parse, format!("bad format spec: {}", e.message), place, "here");
        match e.help {
            Some(h) => diag.with_help(h),
            None => diag,
        }
    })
}
