//! Tensor literals of numbers only (the grammar's `number_tensor`, one pest token): read here
//! without pest's pairs, as one compact [`NumberLiteral`] when rectangular, else as the nodes the
//! general `tensor` path builds, so that its errors are the same.

use super::{int_too_large, leaf, Builder, Operand, Res, Shift, MAX_NESTING};
use crate::span::Span;
use crate::syntax::ast::{ExprKind, NumberLiteral, UnaryOp};

impl Builder {
    /// The `number_tensor` in `text` from `*at` (its `[`), whose first byte is at offset `start`:
    /// the same nodes as the general `tensor` path builds, read without pest's pairs. The grammar
    /// has checked the text, so this only splits it.
    pub(super) fn number_tensor(&self, text: &[u8], at: &mut usize, start: u32, level: u32) -> Res<Operand> {
        let span_at = |from: usize, to: usize| Span::new(from, to).shift(start);
        let begin = *at;
        let open = span_at(begin, begin + 1);
        let inner = self.enter(level, open)?;
        let mut items = Vec::new();
        *at += 1;
        loop {
            skip_blanks(text, at);
            match text[*at] {
                b']' => break,
                b',' => *at += 1,
                b'[' => items.push(self.number_tensor(text, at, start, inner)?),
                b'-' => {
                    let minus = span_at(*at, *at + 1);
                    *at += 1;
                    skip_blanks(text, at);
                    let operand = self.number(text, at, span_at)?;
                    self.enter(inner, minus)?;
                    let kind = ExprKind::Unary { op: UnaryOp::Neg, operand: Box::new(operand.expr) };
                    items.push(self.node(kind, minus.to(operand.outer), operand.depth + 1, minus)?);
                }
                _ => items.push(self.number(text, at, span_at)?),
            }
        }
        *at += 1;
        let depth = items.iter().map(|item| item.depth).max().unwrap_or(0) + 1;
        let items = items.into_iter().map(|item| item.expr).collect();
        self.node(ExprKind::Tensor(items), span_at(begin, *at), depth, open)
    }

    /// The number at `*at` in a `number_tensor`, as `primary` reads a `number`.
    fn number(&self, text: &[u8], at: &mut usize, span_at: impl Fn(usize, usize) -> Span) -> Res<Operand> {
        let begin = *at;
        while *at < text.len() && !matches!(text[*at], b',' | b']' | b' ' | b'\t' | b'\r') {
            *at += 1;
        }
        let span = span_at(begin, *at);
        let token = std::str::from_utf8(&text[begin..*at]).expect("a number is ASCII");
        let clean = token.replace('_', "");
        if !token.contains(['.', 'e', 'E']) {
            return clean.parse().map(|i| leaf(ExprKind::Int(i), span)).map_err(|_| int_too_large(span));
        }
        let (f64, f32) = (clean.parse::<f64>(), clean.parse::<f32>());
        Ok(leaf(ExprKind::Float { f64: f64.expect("a float"), f32: f32.expect("a float") }, span))
    }
}

/// A `number_tensor`'s text as a compact literal, or `None` when it is ragged, has an empty
/// bracket, an integer over 64 bits or nesting near the limit: the general nodes then give the
/// error (or the tree) as for any tensor literal.
pub(super) fn compact_numbers(text: &[u8], level: u32) -> Option<NumberLiteral> {
    /// The numbers so far, and the shape seen at each depth.
    struct Reader<'t> {
        text: &'t [u8],
        at: usize,
        numbers: NumberLiteral,
        /// The extent of each depth, once its first bracket has closed.
        extents: Vec<Option<usize>>,
        /// The depth of the brackets that hold numbers.
        leaf_depth: Option<usize>,
    }
    impl Reader<'_> {
        /// The bracket at `self.at`, at `depth`.
        fn bracket(&mut self, depth: usize) -> Option<()> {
            self.at += 1;
            let mut count = 0;
            let mut rows: Option<bool> = None;
            loop {
                skip_blanks(self.text, &mut self.at);
                match self.text[self.at] {
                    b']' => break,
                    b',' => self.at += 1,
                    b'[' => {
                        (rows != Some(false)).then_some(())?;
                        rows = Some(true);
                        self.bracket(depth + 1)?;
                        count += 1;
                    }
                    _ => {
                        (rows != Some(true)).then_some(())?;
                        rows = Some(false);
                        self.number()?;
                        count += 1;
                    }
                }
            }
            self.at += 1;
            if count == 0 {
                return None;
            }
            if self.extents.len() <= depth {
                self.extents.resize(depth + 1, None);
            }
            // Every bracket at a depth has the first one's extent, and every bracket of numbers
            // is at the same depth: then the literal is rectangular.
            if rows == Some(false) && *self.leaf_depth.get_or_insert(depth) != depth {
                return None;
            }
            match self.extents[depth] {
                Some(n) if n != count => None,
                _ => {
                    self.extents[depth] = Some(count);
                    Some(())
                }
            }
        }

        /// One number, negated if a `-` comes first.
        fn number(&mut self) -> Option<()> {
            let negative = self.text[self.at] == b'-';
            if negative {
                self.at += 1;
                skip_blanks(self.text, &mut self.at);
            }
            let begin = self.at;
            while self.at < self.text.len() && !matches!(self.text[self.at], b',' | b']' | b' ' | b'\t' | b'\r') {
                self.at += 1;
            }
            let token = std::str::from_utf8(&self.text[begin..self.at]).ok()?.replace('_', "");
            let (f64, f32) = if token.contains(['.', 'e', 'E']) {
                let (f64, f32) = (token.parse::<f64>().ok()?, token.parse::<f32>().ok()?);
                self.numbers.ints = None;
                if negative {
                    (-f64, -f32)
                } else {
                    (f64, f32)
                }
            } else {
                let int = token.parse::<i64>().ok()?;
                let int = if negative { int.checked_neg()? } else { int };
                if let Some(ints) = &mut self.numbers.ints {
                    ints.push(int);
                }
                (int as f64, int as f32)
            };
            self.numbers.f64.push(f64);
            self.numbers.f32.push(f32);
            Some(())
        }
    }
    let nesting = text.iter().fold((0u32, 0u32), |(now, max), &b| match b {
        b'[' => (now + 1, max.max(now + 1)),
        b']' => (now.saturating_sub(1), max),
        _ => (now, max),
    });
    if level + nesting.1 + 1 >= MAX_NESTING {
        return None;
    }
    let numbers = NumberLiteral { shape: Vec::new(), f64: Vec::new(), f32: Vec::new(), ints: Some(Vec::new()) };
    let mut reader = Reader { text, at: 0, numbers, extents: Vec::new(), leaf_depth: None };
    reader.bracket(0)?;
    let shape: Option<Vec<usize>> = reader.extents.iter().copied().collect();
    reader.numbers.shape = shape?;
    Some(reader.numbers)
}

/// Moves `*at` past spaces, tabs and carriage returns.
fn skip_blanks(text: &[u8], at: &mut usize) {
    while text.get(*at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        *at += 1;
    }
}
