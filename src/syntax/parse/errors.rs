//! Syntax errors in words: what pest expected where it failed, turned into one sentence with the
//! offending token underlined, the unclosed bracket pointed at, and a help line for common slips.
//! No pest types here: `parse.rs` sorts pest's rules into an [`Expected`] first.

use super::scan::{fstring_end, is_ident_byte, string_end, word_end};
use super::Shift;
use crate::diag::{Code, Diag};
use crate::span::Span;

/// What the parser was ready to accept where it failed.
#[derive(Default)]
pub(super) struct Expected {
    pub(super) stmt: bool,
    pub(super) expr: bool,
    pub(super) name: bool,
    pub(super) ty: bool,
    /// An operator, a call, an index or a field: the expression before the error is complete.
    pub(super) op: bool,
    pub(super) comma: bool,
    /// The end of the statement.
    pub(super) end: bool,
    /// Single tokens, quoted.
    pub(super) tokens: Vec<&'static str>,
}

const KEYWORDS: [&str; 18] = [
    "let", "fn", "return", "if", "else", "for", "in", "while", "break", "continue", "true", "false", "and", "or",
    "not", "threads", "seed", "dtype",
];

impl Expected {
    /// Drops what another item already says: a name beside other starts of an expression is one
    /// of them, `=` beside operators is that of a keyword argument and `:` that of a slice, and
    /// `if` starts an expression.
    pub(super) fn tidy(&mut self) {
        self.name &= !(self.expr || self.stmt);
        if self.op {
            self.tokens.retain(|t| *t != "`=`" && *t != "`:`");
        }
        if self.expr {
            self.tokens.retain(|t| *t != "`if`");
        }
    }

    fn items(&self) -> Vec<String> {
        let mut items: Vec<String> = Vec::new();
        if self.stmt {
            items.push("a statement".into());
        } else if self.expr {
            items.push("an expression".into());
        }
        if self.name {
            items.push("a name".into());
        }
        if self.ty {
            items.push("a type".into());
        }
        items.extend(self.tokens.iter().map(|t| t.to_string()));
        if self.op {
            items.push("an operator".into());
        }
        items
    }

    /// A help line for common slips, given the token `found` at `pos`.
    fn help(&self, src: &[u8], pos: usize, found: &str) -> Option<String> {
        let word = found.trim_matches('`');
        if found == "`=`" && self.op {
            Some("use `==` to compare".into())
        } else if found == "`*`" && src[..pos].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'*') {
            Some("use `^` for powers".into())
        } else if found == "`{`" && self.stmt {
            Some("a block `{ ... }` follows `if`, `while`, `for`, `fn` or `threads`".into())
        } else if self.name && KEYWORDS.contains(&word) {
            Some(format!("`{word}` is a keyword and cannot be a name"))
        } else if self.ty {
            Some("types are `int`, `f64`, `f32`, `bool`, `str`, `f64[K, N]`, `(int, f64)` and `fn(f64) -> f64`".into())
        } else {
            None
        }
    }
}

/// The diagnostic for a parse that failed at `pos`, in the statement `src[start..end]`, where the
/// parser expected `want`. `src` is the text as the scan left it (comments blank). Spans are
/// shifted by `base`.
pub(super) fn describe(src: &[u8], start: usize, end: usize, pos: usize, want: &Expected, base: u32) -> Diag {
    let (found, found_span) = found_token(src, pos, end);
    let at = found_span.shift(base);
    if let Some(open) = unclosed_fstring(src, start, pos) {
        let at = Span::new(open, open + 2).shift(base);
        return Diag::new(Code::Parse, "this f-string is never closed", at, "the f-string starts here")
            .with_help(r#"end it with `"` on the same line (write `\n` for a line break)"#);
    }
    if src.get(pos) == Some(&b'"') && !string_end(src, pos).1 {
        return Diag::new(Code::Parse, "this string is never closed", at, "the string starts here")
            .with_help(r#"end it with `"` on the same line (write `\n` for a line break)"#);
    }
    let open = innermost_open(src, start, pos);
    let closer = open.map(|(bracket, _)| partner(bracket) as char);
    let found_closer = pos < end && matches!(src[pos], b')' | b']' | b'}');
    let after_comma = src[start..pos].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b',');
    let closer_fits = want.op || want.comma || want.stmt || after_comma;
    if let (Some((bracket, open_at)), Some(close), true) = (open, closer, closer_fits) {
        if pos >= end || (found_closer && src[pos] as char != close) {
            let message = format!("expected `{close}` to close this `{}`", bracket as char);
            let label = if pos >= end { format!("found {found}") } else { format!("found {found} instead") };
            let opened = Span::new(open_at, open_at + 1).shift(base);
            return Diag::new(Code::Parse, message, at, label).with_label(opened, "opened here");
        }
    }
    if found_closer && open.is_none() && (want.op || want.end || want.stmt) {
        let label = format!("no `{}` is open here", partner(src[pos]) as char);
        return Diag::new(Code::Parse, format!("unexpected {found}"), at, label);
    }
    let mut items = want.items();
    let in_braces = open.is_some_and(|(b, _)| b == b'{');
    if want.comma || (want.op && open.is_some() && !in_braces) {
        items.push("`,`".into());
    }
    if want.end || (want.op && in_braces) {
        items.push("the end of the statement".into());
    }
    if let (Some(close), true) = (closer, closer_fits) {
        items.push(format!("`{close}`"));
    }
    let list = match items.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let label = if pos >= end { format!("expected {list} after this") } else { format!("expected {list}") };
    let diag = Diag::new(Code::Parse, format!("expected {list}, found {found}"), at, label);
    match want.help(src, pos, &found) {
        Some(help) => diag.with_help(help),
        None => diag,
    }
}

/// Where an f-string that is never closed starts, if one starts before `pos` in the statement
/// starting at `start`.
fn unclosed_fstring(src: &[u8], start: usize, pos: usize) -> Option<usize> {
    let mut i = start;
    while i < pos.min(src.len()) {
        match src[i] {
            b'f' if src.get(i + 1) == Some(&b'"') && (i == start || !is_ident_byte(src[i - 1])) => {
                match fstring_end(src, i + 1, 0) {
                    Ok((_, false, _)) => return Some(i),
                    Ok((end, true, _)) => i = end,
                    Err(_) => return None,
                }
            }
            b'"' => i = string_end(src, i).0,
            _ => i += 1,
        }
    }
    None
}

/// The token at `pos` as written (quoted, or "the end of the line"), and its span. `end` is where
/// the statement being parsed ends.
fn found_token(src: &[u8], pos: usize, end: usize) -> (String, Span) {
    if pos >= end {
        // Point at the statement's last character (comments are blank): a label at the very end
        // of a text or after its final newline does not show.
        let last = src[..end].iter().rposition(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        let last = (0..=last).rev().find(|&i| src[i] & 0xC0 != 0x80).unwrap_or(0);
        let what = match src.get(end) {
            None => "the end of the input",
            Some(b'\n') => "the end of the line",
            Some(_) => "`;`",
        };
        return (what.into(), Span::new(last, last + char_len(src[last])));
    }
    const OPERATORS: [&str; 11] = ["..=", "==", "!=", "<=", ">=", "->", "..", "+=", "-=", "*=", "/="];
    let len = match src[pos] {
        b'\n' => return ("the end of the line".into(), Span::new(pos, pos + 1)),
        b'"' => return ("a string".into(), Span::new(pos, string_end(src, pos).0)),
        c if is_ident_byte(c) => word_end(src, pos) - pos,
        _ => match OPERATORS.iter().find(|op| src[pos..].starts_with(op.as_bytes())) {
            Some(op) => op.len(),
            None => char_len(src[pos]),
        },
    };
    (format!("`{}`", String::from_utf8_lossy(&src[pos..pos + len])), Span::new(pos, pos + len))
}

/// The length of the UTF-8 character whose first byte is `first`.
fn char_len(first: u8) -> usize {
    first.leading_ones().max(1) as usize
}

/// The innermost bracket (or lambda `|`) still open at `pos` in the statement starting at `start`,
/// with its offset.
fn innermost_open(src: &[u8], start: usize, pos: usize) -> Option<(u8, usize)> {
    let mut open = Vec::new();
    let mut i = start;
    while i < pos {
        let c = src[i];
        match c {
            b'"' => i = string_end(src, i).0 - 1,
            b'(' | b'[' | b'{' => open.push((c, i)),
            b')' | b']' | b'}' => _ = open.pop(),
            // `|` only delimits lambda parameters: the first opens, the second closes.
            b'|' if matches!(open.last(), Some((b'|', _))) => _ = open.pop(),
            b'|' => open.push((c, i)),
            _ => {}
        }
        i += 1;
    }
    open.pop()
}

/// The bracket that closes `open`, or opens `close`.
fn partner(bracket: u8) -> u8 {
    match bracket {
        b'(' => b')',
        b')' => b'(',
        b'[' => b']',
        b']' => b'[',
        b'{' => b'}',
        b'}' => b'{',
        other => other,
    }
}
