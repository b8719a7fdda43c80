//! The parser's first pass over the bytes, before pest runs. It blanks out a leading UTF-8
//! byte-order mark (which some editors write), skips strings, blanks out comments,
//! bounds bracket nesting, turns every newline that does not end a statement into a space (so
//! byte offsets do not move), and cuts the top level into statements. No pest types here.

use super::MAX_NESTING;
use crate::span::Span;

/// The UTF-8 byte-order mark, accepted (as blank space) at the start of a text.
const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();

/// What an entry on the scan's bracket stack is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Paren,
    Bracket,
    Brace,
    /// An `if` whose block has not begun.
    If,
}

/// The last token seen, as far as newlines care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    /// Nothing yet in this statement.
    None,
    /// A binary operator, `,`, `=`, `|`, `and`, `or`, `not` or `else`: a newline after it goes on.
    Continues,
    Other,
}

/// The result of the scan.
pub(super) struct Scan {
    /// The source with comments and non-ending newlines turned into spaces.
    pub(super) text: Vec<u8>,
    /// The top-level statements, as byte ranges.
    pub(super) stmts: Vec<(usize, usize)>,
    /// The deepest nesting seen.
    pub(super) max_depth: u32,
    /// Open brackets, each with the depth it adds.
    open: Vec<(Open, u32)>,
    depth: u32,
    last: Last,
    /// Where the current top-level statement starts, and whether it has a token yet.
    start: usize,
    has_token: bool,
    /// The next token after some newline, and whether it is `else`.
    ahead: (usize, bool),
}

impl Scan {
    /// Scans `src`; nesting deeper than [`MAX_NESTING`] gives the span of the offending token.
    pub(super) fn run(src: &[u8]) -> Result<Scan, Span> {
        let mut s = Scan {
            text: src.to_vec(),
            stmts: Vec::new(),
            max_depth: 0,
            open: Vec::new(),
            depth: 0,
            last: Last::None,
            start: 0,
            has_token: false,
            ahead: (0, false),
        };
        let mut i = 0;
        if src.starts_with(BYTE_ORDER_MARK) {
            s.text[..BYTE_ORDER_MARK.len()].fill(b' ');
            i = BYTE_ORDER_MARK.len();
        }
        while i < src.len() {
            let mut next = i + 1;
            match src[i] {
                b' ' | b'\t' | b'\r' => {}
                b'#' => {
                    // Blanked out: a comment must not run on past a newline that became a space.
                    next = line_end(src, i);
                    s.text[i..next].fill(b' ');
                }
                b'\n' => s.newline(src, i),
                b';' => s.end_stmt(i),
                b'"' => {
                    next = string_end(src, i).0;
                    s.token(Last::Other);
                }
                b'(' => s.push(Open::Paren, i, 1)?,
                b'[' => s.push(Open::Bracket, i, 1)?,
                b'{' => s.push(Open::Brace, i, 1)?,
                b')' | b']' | b'}' => {
                    s.pop_ifs();
                    if let Some((_, weight)) = s.open.pop() {
                        s.depth -= weight;
                    }
                    s.token(Last::Other);
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'^' | b'=' | b'<' | b'>' | b',' | b'|' => {
                    s.token(Last::Continues)
                }
                c if is_ident_byte(c) => {
                    next = word_end(src, i);
                    let word = &src[i..next];
                    if word == b"f" && src.get(next) == Some(&b'"') {
                        let (end, _, deepest) = fstring_end(src, next, s.depth)?;
                        s.max_depth = s.max_depth.max(deepest);
                        next = end;
                        s.token(Last::Other);
                        i = next;
                        continue;
                    }
                    if word == b"if" {
                        s.push(Open::If, i, 2)?;
                    }
                    let continues = matches!(word, b"and" | b"or" | b"not" | b"else");
                    s.token(if continues { Last::Continues } else { Last::Other });
                }
                _ => s.token(Last::Other),
            }
            i = next;
        }
        if s.has_token {
            s.stmts.push((s.start, src.len()));
        }
        Ok(s)
    }

    /// Whether the text ends inside brackets or right after an operator (see `is_incomplete`).
    pub(super) fn incomplete(&self) -> bool {
        self.open.iter().any(|&(kind, _)| kind != Open::If) || self.last == Last::Continues
    }

    fn token(&mut self, last: Last) {
        self.last = last;
        self.has_token = true;
    }

    fn push(&mut self, kind: Open, at: usize, len: usize) -> Result<(), Span> {
        let top_is_if = matches!(self.open.last(), Some((Open::If, _)));
        if kind == Open::Brace && top_is_if {
            let (_, weight) = self.open.pop().expect("an `if` is open");
            self.depth -= weight;
        }
        // One `if` adds nothing until its block opens, but `if if if ...` nests (in pest too).
        let weight = u32::from(kind != Open::If || top_is_if);
        self.depth += weight;
        if self.depth > MAX_NESTING {
            return Err(Span::new(at, at + len));
        }
        self.max_depth = self.max_depth.max(self.depth);
        self.open.push((kind, weight));
        self.token(Last::Other);
        Ok(())
    }

    fn pop_ifs(&mut self) {
        while let Some(&(Open::If, weight)) = self.open.last() {
            self.open.pop();
            self.depth -= weight;
        }
    }

    fn newline(&mut self, src: &[u8], at: usize) {
        let inner = self.open.iter().rev().find(|(kind, _)| *kind != Open::If);
        let in_parens = matches!(inner, Some((Open::Paren | Open::Bracket, _)));
        if in_parens || self.last == Last::Continues || self.else_follows(src, at) {
            self.text[at] = b' ';
        } else {
            self.end_stmt(at);
        }
    }

    /// Whether the next token after the newline at `at` is `else` (remembered, so that a run of
    /// blank lines is looked through once).
    fn else_follows(&mut self, src: &[u8], at: usize) -> bool {
        if at < self.ahead.0 {
            return self.ahead.1;
        }
        let mut j = at + 1;
        while j < src.len() {
            match src[j] {
                b' ' | b'\t' | b'\r' | b'\n' => j += 1,
                b'#' => j = line_end(src, j),
                _ => break,
            }
        }
        self.ahead = (j, src[j..].starts_with(b"else") && word_end(src, j) == j + 4);
        self.ahead.1
    }

    fn end_stmt(&mut self, at: usize) {
        self.pop_ifs();
        self.last = Last::None;
        if self.open.is_empty() {
            if self.has_token {
                self.stmts.push((self.start, at));
            }
            self.start = at + 1;
            self.has_token = false;
        }
    }
}

pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The offset just past the name or number starting at `at`.
pub(super) fn word_end(src: &[u8], at: usize) -> usize {
    src[at..].iter().position(|&b| !is_ident_byte(b)).map_or(src.len(), |n| at + n)
}

/// The offset of the newline ending the line that contains `at` (or the end of the text).
fn line_end(src: &[u8], at: usize) -> usize {
    src[at..].iter().position(|&b| b == b'\n').map_or(src.len(), |n| at + n)
}

/// The offset just past the string starting at `at` (or of the newline or end that cuts it off),
/// and whether the string is closed.
pub(super) fn string_end(src: &[u8], at: usize) -> (usize, bool) {
    let mut j = at + 1;
    while j < src.len() {
        match src[j] {
            b'"' => return (j + 1, true),
            b'\n' => return (j, false),
            b'\\' if src.get(j + 1).is_some_and(|&b| b != b'\n') => j += 2,
            _ => j += 1,
        }
    }
    (src.len(), false)
}

/// The offset just past the f-string whose quote is at `at` (or of the newline or end that cuts
/// it off), whether it is closed, and the deepest nesting inside it. The brackets inside its
/// fields nest as elsewhere (`depth` levels are open around it), and so do the f-strings inside
/// them; other strings are skipped. Nesting deeper than [`MAX_NESTING`] gives the offending
/// bracket.
pub(super) fn fstring_end(src: &[u8], at: usize, depth: u32) -> Result<(usize, bool, u32), Span> {
    let (mut open, mut deepest) = (0u32, depth);
    let mut j = at + 1;
    while j < src.len() {
        match src[j] {
            b'\n' => return Ok((j, false, deepest)),
            b'"' if open == 0 => return Ok((j + 1, true, deepest)),
            b'\\' if open == 0 && src.get(j + 1).is_some_and(|&b| b != b'\n') => j += 1,
            b'{' | b'}' if open == 0 && src.get(j + 1) == Some(&src[j]) => j += 1,
            b'"' if src[j - 1] == b'f' && (j < 2 || !is_ident_byte(src[j - 2])) => {
                let (end, _, inner) = fstring_end(src, j, depth + open)?;
                deepest = deepest.max(inner);
                j = end;
                continue;
            }
            b'"' => {
                j = string_end(src, j).0;
                continue;
            }
            b'{' | b'(' | b'[' => {
                open += 1;
                if depth + open > MAX_NESTING {
                    return Err(Span::new(j, j + 1));
                }
                deepest = deepest.max(depth + open);
            }
            b'}' | b')' | b']' => open = open.saturating_sub(1),
            _ => {}
        }
        j += 1;
    }
    Ok((src.len(), false, deepest))
}
