//! The parser: TensorScript text to the spanned syntax tree of [`crate::syntax::ast`] (spec §2-§5).
//!
//! Parsing runs in three steps, and this is the only file that sees pest types.
//! 1. [`Scan`] makes one pass over the bytes, skipping strings and comments. It bounds nesting
//!    (so pest's recursion stays shallow), turns every newline that does not end a statement into
//!    a space (byte offsets do not move), and cuts the top level into statements.
//! 2. pest parses each top-level statement with the rule `line` of `grammar/tscript.pest`.
//! 3. [`Builder`] turns pest's pairs into AST nodes. Expressions arrive flat; operator precedence
//!    is applied with explicit stacks, so nothing recurses deeper than the nesting the scan bounded.
//!    It also bounds the depth of the tree it builds, so later passes may recurse over it.

use crate::diag::{Code, Diag};
use crate::span::Span;
use crate::syntax::ast::*;
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use std::rc::Rc;

mod grammar {
    /// The pest parser generated from `grammar/tscript.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/tscript.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// The deepest nesting allowed (spec §2). Each bracket, brace, prefix operator, `^`, lambda head,
/// `if`, `else if` and function-type arrow opens one level.
pub const MAX_NESTING: u32 = 256;

/// The deepest expression tree allowed, counted in nodes. Nesting is bounded by [`MAX_NESTING`];
/// this also bounds chains such as `a + b + c + ...` or `A[0][0][0]...`, so that later passes may
/// walk the tree recursively.
pub const MAX_TREE_DEPTH: u32 = 1024;

/// The largest source accepted, in bytes (64 MiB).
pub const MAX_SOURCE_BYTES: usize = 64 << 20;

/// Parses a whole script (or one REPL entry). `base` is added to every span offset (the REPL lays
/// entries end to end in one offset space).
pub fn parse(source: &str, base: u32) -> Result<Program, Diag> {
    if source.len() > MAX_SOURCE_BYTES {
        let at = Span { start: base, end: base };
        let message = format!("the script is larger than 64 MiB ({} bytes)", source.len());
        return Err(Diag::new(Code::ParseTooLarge, message, at, "").with_help("split it into several files"));
    }
    let scan = Scan::run(source.as_bytes()).map_err(|(at, len)| too_deep(Span::new(at, at + len).shift(base)))?;
    if scan.max_depth <= INLINE_DEPTH {
        return parse_scanned(source, scan, base);
    }
    // pest and the builder recurse once per level of nesting, with large frames in debug builds:
    // deep code is parsed on a thread of its own with a stack big enough for 256 levels.
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().stack_size(PARSER_STACK_BYTES);
        match thread.spawn_scoped(scope, || Handoff(parse_scanned(source, scan, base))) {
            Ok(handle) => match handle.join() {
                Ok(Handoff(result)) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(e) => {
                let message = format!("cannot start a thread to parse deeply nested code: {e}");
                Err(Diag::new(Code::ParseTooDeep, message, Span { start: base, end: base }, ""))
            }
        }
    })
}

/// Deeper nesting than this is parsed on a thread of its own (see [`parse`]).
const INLINE_DEPTH: u32 = 32;

/// The stack of the parsing thread for deeply nested code.
const PARSER_STACK_BYTES: usize = 64 << 20;

/// The result of parsing, moved from the parsing thread to the caller.
struct Handoff(Result<Program, Diag>);

// SAFETY: `Program` is not `Send` only because it holds `Rc`s. The parsing thread creates every
// one of them and keeps no clone: once `join` returns, the thread is gone and the caller holds
// the only references, so no reference count is ever touched from two threads.
unsafe impl Send for Handoff {}

/// Parses the top-level statements the scan found.
fn parse_scanned(source: &str, scan: Scan, base: u32) -> Result<Program, Diag> {
    // The scan only replaces `\n` bytes with spaces, so the text stays UTF-8.
    let text = String::from_utf8(scan.text).expect("the scan keeps UTF-8");
    let mut stmts = Vec::new();
    for &(start, end) in &scan.stmts {
        let builder = Builder { off: base + start as u32 };
        let mut pairs =
            Grammar::parse(Rule::line, &text[start..end]).map_err(|e| syntax_error(e, source, start, end, base))?;
        let line = pairs.next().expect("pest returns the `line` pair");
        stmts.extend(builder.stmts(line.into_inner(), 0)?.0);
    }
    Ok(Program { stmts })
}

/// Whether `source` ends inside brackets or braces, or right after a binary operator, a comma or
/// `=`: the REPL then asks for another line (`..> `) before parsing.
pub fn is_incomplete(source: &str) -> bool {
    match Scan::run(source.as_bytes()) {
        Ok(scan) => scan.open.iter().any(|&(kind, _)| kind != Open::If) || scan.last == Last::Continues,
        Err(_) => false,
    }
}

trait Shift {
    fn shift(self, by: u32) -> Self;
}

impl Shift for Span {
    fn shift(self, by: u32) -> Span {
        Span { start: self.start + by, end: self.end + by }
    }
}

fn too_deep(at: Span) -> Diag {
    Diag::new(Code::ParseTooDeep, "the code is nested more than 256 levels deep", at, "this is level 257")
        .with_help("move the inner parts into variables or functions")
}

// ---------------------------------------------------------------------------------------------
// Step 1: the scan.

/// What a bracket on the scan's stack is.
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
    /// A binary operator, `,`, `=` or `|`: a newline after it does not end the statement.
    Continues,
    Other,
}

/// The result of the scan: the text with non-ending newlines turned into spaces, and the
/// top-level statements as byte ranges.
struct Scan {
    text: Vec<u8>,
    stmts: Vec<(usize, usize)>,
    /// Open brackets, each with the depth it adds.
    open: Vec<(Open, u32)>,
    depth: u32,
    max_depth: u32,
    last: Last,
    /// Where the current top-level statement starts, and whether it has a token yet.
    start: usize,
    has_token: bool,
    /// The next token after some newline, and whether it is `else`.
    ahead: (usize, bool),
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Scan {
    /// Scans `src`; on too deep nesting returns the offending token's offset and length.
    fn run(src: &[u8]) -> Result<Scan, (usize, usize)> {
        let mut s = Scan {
            text: src.to_vec(),
            stmts: Vec::new(),
            open: Vec::new(),
            depth: 0,
            max_depth: 0,
            last: Last::None,
            start: 0,
            has_token: false,
            ahead: (0, false),
        };
        let mut i = 0;
        while i < src.len() {
            let c = src[i];
            let mut next = i + 1;
            match c {
                b' ' | b'\t' | b'\r' => {}
                b'#' => next = line_end(src, i),
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
                    s.close();
                    s.token(Last::Other);
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'^' | b'=' | b'<' | b'>' | b',' | b'|' => {
                    s.token(Last::Continues)
                }
                c if is_ident_byte(c) => {
                    next = i + src[i..].iter().position(|&b| !is_ident_byte(b)).unwrap_or(src.len() - i);
                    let word = &src[i..next];
                    if word == b"if" {
                        s.push(Open::If, i, 2)?;
                    }
                    let continues = matches!(word, b"and" | b"or" | b"not");
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

    fn token(&mut self, last: Last) {
        self.last = last;
        self.has_token = true;
    }

    fn push(&mut self, kind: Open, at: usize, len: usize) -> Result<(), (usize, usize)> {
        let top_is_if = matches!(self.open.last(), Some((Open::If, _)));
        if kind == Open::Brace && top_is_if {
            let (_, weight) = self.open.pop().expect("an `if` is open");
            self.depth -= weight;
        }
        // A run of `if`s before any block (`if if if ...`) nests; one `if` adds nothing until
        // its block opens.
        let weight = u32::from(kind != Open::If || top_is_if);
        self.depth += weight;
        if self.depth > MAX_NESTING {
            return Err((at, len));
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

    fn close(&mut self) {
        self.pop_ifs();
        if let Some((_, weight)) = self.open.pop() {
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
        let word_end = src.get(j + 4).is_none_or(|&b| !is_ident_byte(b));
        self.ahead = (j, src[j..].starts_with(b"else") && word_end);
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

/// The offset of the newline ending the line that contains `at` (or the end of the text).
fn line_end(src: &[u8], at: usize) -> usize {
    src[at..].iter().position(|&b| b == b'\n').map_or(src.len(), |n| at + n)
}

/// The offset just past the string starting at `at` (or of the newline or end that cuts it off),
/// and whether the string is closed.
fn string_end(src: &[u8], at: usize) -> (usize, bool) {
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

// ---------------------------------------------------------------------------------------------
// Step 3: pest pairs to AST nodes.

type Res<T> = Result<T, Diag>;
type P<'i> = Pair<'i, Rule>;

/// Builds AST nodes from the pairs of one top-level statement.
struct Builder {
    /// Added to pest's offsets: the REPL base plus where the statement starts in the source.
    off: u32,
}

/// An expression under construction: the node, the text it came from (which includes any
/// parentheses around it), and the depth of its tree in nodes.
struct Operand {
    expr: Expr,
    outer: Span,
    depth: u32,
}

/// An operator waiting on the precedence stack.
#[derive(Clone, Copy)]
enum Op {
    Prefix(UnaryOp),
    Infix(BinOp),
}

impl Op {
    /// Binding power, tightest highest (spec §5).
    fn prec(self) -> u8 {
        match self {
            Op::Prefix(_) => 6,
            Op::Infix(op) => match op {
                BinOp::Pow => 7,
                BinOp::MatMul | BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
                BinOp::Add | BinOp::Sub => 4,
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
                BinOp::And => 2,
                BinOp::Or => 1,
            },
        }
    }
}

fn is_comparison(op: BinOp) -> bool {
    Op::Infix(op).prec() == 3
}

fn bin_op(text: &str) -> BinOp {
    match text {
        "^" => BinOp::Pow,
        "@" => BinOp::MatMul,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Rem,
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "and" => BinOp::And,
        _ => BinOp::Or,
    }
}

fn leaf(kind: ExprKind, span: Span) -> Operand {
    Operand { expr: Expr { kind, span }, outer: span, depth: 1 }
}

fn block_expr(block: Block, depth: u32) -> Operand {
    let span = block.span;
    Operand { expr: Expr { kind: ExprKind::Block(block), span }, outer: span, depth: depth + 1 }
}

impl Builder {
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        Span::new(s.start(), s.end()).shift(self.off)
    }

    /// The one-byte span at the start of `p` (an opening bracket, say).
    fn head(&self, p: &P) -> Span {
        let start = self.span(p).start;
        Span { start, end: start + 1 }
    }

    /// One more level of nesting at `at`.
    fn enter(&self, level: u32, at: Span) -> Res<u32> {
        if level >= MAX_NESTING {
            return Err(too_deep(at));
        }
        Ok(level + 1)
    }

    /// A new node over `span` whose tree is `depth` deep; `at` is where to point if too deep.
    fn node(&self, kind: ExprKind, span: Span, depth: u32, at: Span) -> Res<Operand> {
        if depth > MAX_TREE_DEPTH {
            let message = format!("this expression is more than {MAX_TREE_DEPTH} levels deep");
            return Err(Diag::new(Code::ParseTooDeep, message, at, "too deep here")
                .with_help("split it into smaller expressions with `let`"));
        }
        Ok(Operand { expr: Expr { kind, span }, outer: span, depth })
    }

    fn ident(&self, p: P) -> Ident {
        Ident { name: Rc::from(p.as_str()), span: self.span(&p) }
    }

    // ---- statements ----

    /// Statements (pest siblings; `expr assign_op expr` is an assignment). Returns them with the
    /// depth of their deepest expression.
    fn stmts(&self, pairs: Pairs<Rule>, level: u32) -> Res<(Vec<Stmt>, u32)> {
        let mut out = Vec::new();
        let mut depth = 0;
        let mut pairs = pairs.peekable();
        while let Some(p) = pairs.next() {
            let (stmt, d) = match p.as_rule() {
                Rule::EOI => continue,
                Rule::expr => {
                    let lhs = self.expr(p, level)?;
                    match pairs.next_if(|q| q.as_rule() == Rule::assign_op) {
                        Some(op) => {
                            let rhs = self.expr(pairs.next().expect("a value follows `=`"), level)?;
                            self.assign(lhs, op, rhs)?
                        }
                        None => {
                            let span = lhs.outer;
                            (Stmt { kind: StmtKind::Expr(lhs.expr), span }, lhs.depth)
                        }
                    }
                }
                _ => self.stmt(p, level)?,
            };
            depth = depth.max(d);
            out.push(stmt);
        }
        Ok((out, depth))
    }

    fn assign(&self, lhs: Operand, op: P, rhs: Operand) -> Res<(Stmt, u32)> {
        let op = match op.as_str() {
            "=" => None,
            text => Some(bin_op(&text[..1])),
        };
        let span = lhs.outer.to(rhs.outer);
        let depth = lhs.depth.max(rhs.depth);
        let value = rhs.expr;
        let kind = match lhs.expr.kind {
            ExprKind::Name(target) => StmtKind::Assign { target, op, value },
            ExprKind::Index { target, indices } if matches!(target.kind, ExprKind::Name(_)) => {
                let ExprKind::Name(target) = target.kind else { unreachable!() };
                StmtKind::IndexAssign { target, indices, op, value }
            }
            _ => {
                return Err(Diag::new(Code::Parse, "cannot assign to this expression", lhs.outer, "not a variable")
                    .with_help("assign to a variable (`x = ...`) or to an index of one (`A[i] = ...`)"))
            }
        };
        Ok((Stmt { kind, span }, depth))
    }

    fn stmt(&self, p: P, level: u32) -> Res<(Stmt, u32)> {
        let rule = p.as_rule();
        let span = self.span(&p);
        let mut it = p.into_inner();
        let mut end = span.end;
        let mut depth = 0;
        let kind = match rule {
            Rule::kw_break => StmtKind::Break,
            Rule::kw_continue => StmtKind::Continue,
            Rule::let_stmt => {
                it.next();
                let pattern = self.pattern(it.next().unwrap(), level)?;
                let mut next = it.next().unwrap();
                let mut ty = None;
                if next.as_rule() == Rule::type_expr {
                    ty = Some(self.type_expr(next, level)?);
                    next = it.next().unwrap();
                }
                debug_assert_eq!(next.as_rule(), Rule::eq);
                let value = self.expr(it.next().unwrap(), level)?;
                (end, depth) = (value.outer.end, value.depth);
                StmtKind::Let { pattern, ty, value: value.expr }
            }
            Rule::fn_stmt => {
                it.next();
                let name = self.ident(it.next().unwrap());
                let params = self.params(it.next().unwrap(), level)?;
                let mut next = it.next().unwrap();
                let mut ret = None;
                if next.as_rule() == Rule::type_expr {
                    ret = Some(self.type_expr(next, level)?);
                    next = it.next().unwrap();
                }
                let body = match next.as_rule() {
                    Rule::block => {
                        let (block, d) = self.block(next, level)?;
                        block_expr(block, d)
                    }
                    _ => self.expr(it.next().unwrap(), level)?,
                };
                (end, depth) = (body.outer.end, body.depth);
                let span = Span { start: span.start, end };
                StmtKind::Fn(Rc::new(FnDef { name: Some(name), params, ret, body: body.expr, span }))
            }
            Rule::return_stmt => {
                let kw = it.next().unwrap();
                end = self.span(&kw).end;
                match it.next() {
                    Some(e) => {
                        let value = self.expr(e, level)?;
                        (end, depth) = (value.outer.end, value.depth);
                        StmtKind::Return(Some(value.expr))
                    }
                    None => StmtKind::Return(None),
                }
            }
            Rule::while_stmt => {
                it.next();
                let cond = self.expr(it.next().unwrap(), level)?;
                let (body, d) = self.block(it.next().unwrap(), level)?;
                depth = cond.depth.max(d);
                StmtKind::While { cond: cond.expr, body }
            }
            Rule::for_stmt => {
                it.next();
                let var = self.ident(it.next().unwrap());
                it.next();
                let start = self.expr(it.next().unwrap(), level)?;
                let inclusive = it.next().unwrap().as_str() == "..=";
                let stop = self.expr(it.next().unwrap(), level)?;
                let (body, d) = self.block(it.next().unwrap(), level)?;
                depth = start.depth.max(stop.depth).max(d);
                StmtKind::For { var, start: start.expr, end: stop.expr, inclusive, body }
            }
            Rule::threads_stmt => {
                it.next();
                let arg = it.next().unwrap();
                end = self.span(&arg).end;
                let count = match arg.as_rule() {
                    Rule::kw_auto => ThreadCount::Auto(self.span(&arg)),
                    _ => {
                        let count = self.expr(arg, level)?;
                        (end, depth) = (count.outer.end, count.depth);
                        ThreadCount::Count(count.expr)
                    }
                };
                let body = match it.next() {
                    Some(b) => {
                        let (block, d) = self.block(b, level)?;
                        (end, depth) = (block.span.end, depth.max(d));
                        Some(block)
                    }
                    None => None,
                };
                StmtKind::Threads { count, body }
            }
            Rule::seed_stmt => {
                it.next();
                let value = self.expr(it.next().unwrap(), level)?;
                (end, depth) = (value.outer.end, value.depth);
                StmtKind::Seed(value.expr)
            }
            Rule::dtype_stmt => {
                it.next();
                let name = it.next().unwrap();
                end = self.span(&name).end;
                StmtKind::Dtype(if name.as_str() == "f32" { FloatDtype::F32 } else { FloatDtype::F64 })
            }
            _ => unreachable!("not a statement: {rule:?}"),
        };
        Ok((Stmt { kind, span: Span { start: span.start, end } }, depth))
    }

    /// `{ stmts }`, whose statements sit one level deeper than `level`.
    fn block(&self, p: P, level: u32) -> Res<(Block, u32)> {
        let span = self.span(&p);
        let inner = self.enter(level, self.head(&p))?;
        let (stmts, depth) = self.stmts(p.into_inner(), inner)?;
        Ok((Block { stmts, span }, depth))
    }

    fn pattern(&self, p: P, level: u32) -> Res<Pattern> {
        if p.as_rule() == Rule::ident {
            return Ok(Pattern::Name(self.ident(p)));
        }
        let span = self.span(&p);
        let inner = self.enter(level, self.head(&p))?;
        let mut parts = Vec::new();
        let mut trail = false;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::trail => trail = true,
                _ => parts.push(self.pattern(q, inner)?),
            }
        }
        if parts.len() == 1 && !trail {
            return Ok(parts.pop().unwrap());
        }
        Ok(Pattern::Tuple(parts, span))
    }

    /// The `param` children of `p` (a parameter list or a lambda head).
    fn params(&self, p: P, level: u32) -> Res<Vec<Param>> {
        let inner = self.enter(level, self.head(&p))?;
        let mut params = Vec::new();
        for q in p.into_inner().filter(|q| q.as_rule() == Rule::param) {
            let mut it = q.into_inner();
            let name = self.ident(it.next().unwrap());
            let ty = it.next().map(|t| self.type_expr(t, inner)).transpose()?;
            params.push(Param { name, ty });
        }
        Ok(params)
    }

    // ---- types ----

    fn type_expr(&self, p: P, level: u32) -> Res<TypeExpr> {
        let mut parts: Vec<P> = p.into_inner().collect();
        let atom = parts.pop().expect("a type ends in a non-function type");
        let mut level = level;
        let mut heads = Vec::new();
        for head in parts {
            let span = self.span(&head);
            level = self.enter(level, Span { start: span.start, end: span.start + 2 })?;
            let params = head.into_inner().filter(|q| q.as_rule() == Rule::type_expr);
            let params = params.map(|q| self.type_expr(q, level)).collect::<Res<Vec<_>>>()?;
            heads.push((span, params));
        }
        let mut ty = self.type_atom(atom, level)?;
        for (span, params) in heads.into_iter().rev() {
            let span = span.to(ty.span);
            ty = TypeExpr { kind: TypeExprKind::Fn { params, ret: Box::new(ty) }, span };
        }
        Ok(ty)
    }

    fn type_atom(&self, p: P, level: u32) -> Res<TypeExpr> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::scalar_type => match p.as_str() {
                "int" => TypeExprKind::Int,
                "f64" => TypeExprKind::Float(FloatDtype::F64),
                "f32" => TypeExprKind::Float(FloatDtype::F32),
                "bool" => TypeExprKind::Bool,
                _ => TypeExprKind::Str,
            },
            Rule::tensor_type => {
                let mut it = p.into_inner();
                let dtype = match it.next().unwrap().as_str() {
                    "f64" => Some(FloatDtype::F64),
                    "f32" => Some(FloatDtype::F32),
                    _ => None,
                };
                let mut dims = Vec::new();
                for d in it.filter(|d| d.as_rule() != Rule::trail) {
                    let at = self.span(&d);
                    dims.push(match d.as_rule() {
                        Rule::int => DimExpr::Known(self.int(&d)?, at),
                        Rule::unknown_dim => DimExpr::Unknown(at),
                        _ => DimExpr::Name(self.ident(d)),
                    });
                }
                TypeExprKind::Tensor { dtype, dims }
            }
            _ => {
                let inner = self.enter(level, self.head(&p))?;
                let mut parts = Vec::new();
                let mut trail = false;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::trail => trail = true,
                        _ => parts.push(self.type_expr(q, inner)?),
                    }
                }
                if parts.len() == 1 && !trail {
                    return Ok(parts.pop().unwrap());
                }
                TypeExprKind::Tuple(parts)
            }
        };
        Ok(TypeExpr { kind, span })
    }

    // ---- expressions ----

    /// An `expr` pair: lambda heads (if any) and then a block or a flat operator chain.
    fn expr(&self, p: P, level: u32) -> Res<Operand> {
        let mut it = p.into_inner().peekable();
        let mut heads = Vec::new();
        let mut inner = level;
        while let Some(head) = it.next_if(|q| q.as_rule() == Rule::lambda_head) {
            let span = self.head(&head);
            heads.push((span, self.params(head, inner)?));
            inner = self.enter(inner, span)?;
        }
        let mut body = match it.peek().map(|q| q.as_rule()) {
            Some(Rule::block) => {
                let (block, depth) = self.block(it.next().unwrap(), inner)?;
                block_expr(block, depth)
            }
            _ => self.operators(it, inner)?,
        };
        for (at, params) in heads.into_iter().rev() {
            let span = at.to(body.outer);
            let def = FnDef { name: None, params, ret: None, body: body.expr, span };
            body = self.node(ExprKind::Lambda(Rc::new(def)), span, body.depth + 1, at)?;
        }
        Ok(body)
    }

    /// Applies precedence to a flat `prefix* primary suffix* (infix prefix* primary suffix*)*`
    /// (shunting-yard: `^` is right-associative, the rest left; comparisons do not chain).
    fn operators<'i>(&self, pairs: impl Iterator<Item = P<'i>>, level: u32) -> Res<Operand> {
        let mut values: Vec<Operand> = Vec::new();
        let mut ops: Vec<(Op, Span)> = Vec::new();
        // Prefix operators and `^`s on the stack: each nests what follows one level deeper.
        let mut nest = 0;
        for p in pairs {
            let at = self.span(&p);
            match p.as_rule() {
                Rule::prefix => {
                    self.enter(level + nest, at)?;
                    nest += 1;
                    let op = if p.as_str() == "-" { UnaryOp::Neg } else { UnaryOp::Not };
                    ops.push((Op::Prefix(op), at));
                }
                Rule::infix => {
                    let op = bin_op(p.as_str());
                    let prec = Op::Infix(op).prec();
                    while let Some(&(top, _)) = ops.last() {
                        if top.prec() < prec || (top.prec() == prec && op == BinOp::Pow) {
                            break;
                        }
                        self.reduce(&mut values, &mut ops, &mut nest)?;
                    }
                    let lhs = values.last().expect("an operand precedes an operator");
                    let chained = matches!(lhs.expr.kind, ExprKind::Binary { op, .. } if is_comparison(op));
                    if is_comparison(op) && chained && lhs.outer == lhs.expr.span {
                        let message = "comparisons cannot be chained";
                        return Err(Diag::new(Code::Parse, message, at, "second comparison")
                            .with_label(lhs.outer, "first comparison")
                            .with_help("combine them with `and`: `a < b and b < c`"));
                    }
                    if op == BinOp::Pow {
                        self.enter(level + nest, at)?;
                        nest += 1;
                    }
                    ops.push((Op::Infix(op), at));
                }
                Rule::call_args | Rule::index_args | Rule::field => {
                    let target = values.pop().expect("a suffix follows an operand");
                    values.push(self.suffix(target, p, level + nest)?);
                }
                _ => values.push(self.primary(p, level + nest)?),
            }
        }
        while !ops.is_empty() {
            self.reduce(&mut values, &mut ops, &mut nest)?;
        }
        Ok(values.pop().expect("an expression has an operand"))
    }

    /// Pops one operator and applies it to the operands on top of `values`.
    fn reduce(&self, values: &mut Vec<Operand>, ops: &mut Vec<(Op, Span)>, nest: &mut u32) -> Res<()> {
        let (op, at) = ops.pop().expect("an operator to apply");
        let rhs = values.pop().expect("an operand for the operator");
        let node = match op {
            Op::Prefix(op) => {
                *nest -= 1;
                let span = at.to(rhs.outer);
                let kind = ExprKind::Unary { op, operand: Box::new(rhs.expr) };
                self.node(kind, span, rhs.depth + 1, at)?
            }
            Op::Infix(op) => {
                if op == BinOp::Pow {
                    *nest -= 1;
                }
                let lhs = values.pop().expect("a left operand");
                let span = lhs.outer.to(rhs.outer);
                let depth = lhs.depth.max(rhs.depth) + 1;
                let kind = ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) };
                self.node(kind, span, depth, at)?
            }
        };
        values.push(node);
        Ok(())
    }

    /// A call, an index or a field access applied to `target`.
    fn suffix(&self, target: Operand, p: P, level: u32) -> Res<Operand> {
        let rule = p.as_rule();
        let end = self.span(&p).end;
        let open = self.head(&p);
        let span = Span { start: target.outer.start, end };
        let mut depth = target.depth;
        let kind = match rule {
            Rule::field => {
                let field = self.ident(p.into_inner().next().unwrap());
                ExprKind::Field { target: Box::new(target.expr), field }
            }
            Rule::call_args => {
                let inner = self.enter(level, open)?;
                let mut args = Vec::new();
                for a in p.into_inner().filter(|a| a.as_rule() != Rule::trail) {
                    let (name, value) = match a.as_rule() {
                        Rule::kwarg => {
                            let mut it = a.into_inner();
                            let name = self.ident(it.next().unwrap());
                            it.next();
                            (Some(name), self.expr(it.next().unwrap(), inner)?)
                        }
                        _ => (None, self.expr(a, inner)?),
                    };
                    depth = depth.max(value.depth);
                    args.push(Arg { name, value: value.expr });
                }
                ExprKind::Call { callee: Box::new(target.expr), args }
            }
            _ => {
                let inner = self.enter(level, open)?;
                let mut indices = Vec::new();
                for a in p.into_inner().filter(|a| a.as_rule() != Rule::trail) {
                    let (index, d) = self.index_arg(a, inner)?;
                    depth = depth.max(d);
                    indices.push(index);
                }
                ExprKind::Index { target: Box::new(target.expr), indices }
            }
        };
        self.node(kind, span, depth + 1, open)
    }

    /// `i`, or a slice `a:b:s` with every part optional.
    fn index_arg(&self, p: P, level: u32) -> Res<(IndexArg, u32)> {
        let mut parts: [Option<Expr>; 3] = [None, None, None];
        let mut colons = 0;
        let mut depth = 0;
        let (mut start, mut end) = (u32::MAX, 0);
        for q in p.into_inner() {
            let span = self.span(&q);
            start = start.min(span.start);
            if q.as_rule() == Rule::colon {
                colons += 1;
                end = span.end;
            } else {
                let e = self.expr(q, level)?;
                (end, depth) = (e.outer.end, depth.max(e.depth));
                parts[colons] = Some(e.expr);
            }
        }
        let [lo, hi, step] = parts;
        let index = match (colons, lo) {
            (0, Some(e)) => IndexArg::Single(e),
            (_, start_expr) => IndexArg::Slice { start: start_expr, stop: hi, step, span: Span { start, end } },
        };
        Ok((index, depth))
    }

    fn primary(&self, p: P, level: u32) -> Res<Operand> {
        let span = self.span(&p);
        Ok(match p.as_rule() {
            Rule::int => leaf(ExprKind::Int(self.int(&p)?), span),
            Rule::float => {
                let text = p.as_str().replace('_', "");
                let f64 = text.parse::<f64>().expect("the grammar admits only valid floats");
                let f32 = text.parse::<f32>().expect("the grammar admits only valid floats");
                leaf(ExprKind::Float { f64, f32 }, span)
            }
            Rule::string => leaf(ExprKind::Str(self.string(&p)?), span),
            Rule::kw_true => leaf(ExprKind::Bool(true), span),
            Rule::kw_false => leaf(ExprKind::Bool(false), span),
            Rule::ident => leaf(ExprKind::Name(self.ident(p)), span),
            Rule::if_expr => self.if_expr(p, level)?,
            Rule::paren | Rule::tensor => {
                let paren = p.as_rule() == Rule::paren;
                let open = self.head(&p);
                let inner = self.enter(level, open)?;
                let mut items = Vec::new();
                let mut trail = false;
                let mut depth = 0;
                for q in p.into_inner() {
                    if q.as_rule() == Rule::trail {
                        trail = true;
                        continue;
                    }
                    let item = self.expr(q, inner)?;
                    depth = depth.max(item.depth);
                    items.push(item);
                }
                if paren && items.len() == 1 && !trail {
                    let mut item = items.pop().unwrap();
                    item.outer = span;
                    return Ok(item);
                }
                let items = items.into_iter().map(|item| item.expr).collect();
                let kind = if paren { ExprKind::Tuple(items) } else { ExprKind::Tensor(items) };
                self.node(kind, span, depth + 1, open)?
            }
            rule => unreachable!("not a primary: {rule:?}"),
        })
    }
}

impl Builder {
    /// `if c { } else if c { } else { }`: each `else if` nests one level deeper.
    fn if_expr(&self, p: P, level: u32) -> Res<Operand> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut at_level = level;
        let mut it = p.into_inner();
        while let Some(q) = it.next() {
            match q.as_rule() {
                Rule::kw_if => {
                    let at = self.span(&q);
                    if !branches.is_empty() {
                        at_level = self.enter(at_level, at)?;
                    }
                    let cond = self.expr(it.next().unwrap(), self.enter(at_level, at)?)?;
                    let (then, depth) = self.block(it.next().unwrap(), at_level)?;
                    branches.push((at, cond, then, depth));
                }
                Rule::block => {
                    let (block, depth) = self.block(q, at_level)?;
                    otherwise = Some(block_expr(block, depth));
                }
                _ => {}
            }
        }
        let mut otherwise = otherwise;
        for (at, cond, then, depth) in branches.into_iter().rev() {
            let end = otherwise.as_ref().map_or(then.span.end, |o| o.outer.end);
            let depth = cond.depth.max(depth).max(otherwise.as_ref().map_or(0, |o| o.depth)) + 1;
            let span = Span { start: at.start, end };
            let otherwise_expr = otherwise.take().map(|o| Box::new(o.expr));
            let kind = ExprKind::If { cond: Box::new(cond.expr), then, otherwise: otherwise_expr };
            otherwise = Some(self.node(kind, span, depth, at)?);
        }
        Ok(otherwise.expect("an `if` has a branch"))
    }

    fn int(&self, p: &P) -> Res<i64> {
        let text = p.as_str();
        let parsed = if text.contains('_') { text.replace('_', "").parse() } else { text.parse() };
        parsed.map_err(|_| {
            Diag::new(Code::ParseNumber, "this integer does not fit in 64 bits", self.span(p), "too large for `int`")
                .with_help(format!("an `int` is at most {}; write a float such as `1e19` instead", i64::MAX))
        })
    }

    /// The text of a string literal with its escapes applied.
    fn string(&self, p: &P) -> Res<Rc<str>> {
        let text = p.as_str();
        let body = &text[1..text.len() - 1];
        if !body.contains('\\') {
            return Ok(Rc::from(body));
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let (i, e) = chars.next().expect("the grammar admits no lone `\\`");
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                '"' => '"',
                '\\' => '\\',
                _ => {
                    let start = self.span(p).start + i as u32; // `i` is past the `\`; +1 for `"`
                    let at = Span { start, end: start + 1 + e.len_utf8() as u32 };
                    let message = format!("`\\{e}` is not an escape TensorScript knows");
                    return Err(Diag::new(Code::Parse, message, at, "unknown escape")
                        .with_help(r#"the escapes are `\n`, `\t`, `\"` and `\\` (write `\\` for a backslash)"#));
                }
            });
        }
        Ok(Rc::from(out))
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2's errors: pest's failure to a readable diagnostic.

/// Converts pest's error for the statement `source[start..end]` into a diagnostic.
fn syntax_error(err: pest::error::Error<Rule>, source: &str, start: usize, end: usize, base: u32) -> Diag {
    let pos = start
        + match err.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        };
    let positives = match err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives,
        // pest's own guard against a stack overflow; the scan should make it unreachable.
        pest::error::ErrorVariant::CustomError { .. } => return too_deep(Span::new(pos, pos).shift(base)),
    };
    let src = source.as_bytes();
    let (found, found_span) = found_token(src, pos, end);
    let at = found_span.shift(base);
    if src.get(pos) == Some(&b'"') && !string_end(src, pos).1 {
        return Diag::new(Code::Parse, "this string is never closed", at, "the string starts here")
            .with_help(r#"end it with `"` on the same line (write `\n` for a line break)"#);
    }
    let want = Expected::from(&positives);
    let open = innermost_open(src, start, pos);
    let closer = open.map(|(bracket, _)| closing(bracket));
    let found_closer = matches!(src.get(pos), Some(b')' | b']' | b'}')) && pos < end;
    let after_comma = src[start..pos].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b',');
    let closer_fits = want.op || want.comma || want.stmt || after_comma;
    if let (Some((bracket, open_at)), Some(close), true) = (open, closer, closer_fits) {
        if pos >= end || (found_closer && src[pos] != close) {
            let message = format!("expected `{}` to close this `{}`", close as char, bracket as char);
            let opened = Span::new(open_at, open_at + 1).shift(base);
            let label = if pos >= end { format!("found {found}") } else { format!("found {found} instead") };
            return Diag::new(Code::Parse, message, at, label).with_label(opened, "opened here");
        }
    }
    if found_closer && open.is_none() && (want.op || want.end || want.stmt) {
        let message = format!("unexpected {found}");
        let label = format!("no `{}` is open here", opening(src[pos]) as char);
        return Diag::new(Code::Parse, message, at, label);
    }
    let mut items = want.items();
    let in_list = open.is_some_and(|(b, _)| b != b'{');
    if want.comma || (want.op && in_list) {
        items.push("`,`".into());
    }
    if want.end || (want.op && open.is_some_and(|(b, _)| b == b'{')) {
        items.push("the end of the statement".into());
    }
    if let (Some(close), true) = (closer, closer_fits) {
        items.push(format!("`{}`", close as char));
    }
    let list = join_or(&items);
    let diag = Diag::new(Code::Parse, format!("expected {list}, found {found}"), at, format!("expected {list}"));
    match help(src, pos, &want, &found) {
        Some(help) => diag.with_help(help),
        None => diag,
    }
}

/// What pest was ready to accept where it failed, in readable categories.
#[derive(Default)]
struct Expected {
    stmt: bool,
    expr: bool,
    name: bool,
    ty: bool,
    /// An operator (or a call, index or field): the expression before the error is complete.
    op: bool,
    comma: bool,
    end: bool,
    /// Single tokens, already quoted.
    tokens: Vec<&'static str>,
}

impl Expected {
    fn from(rules: &[Rule]) -> Expected {
        let mut want = Expected::default();
        for &rule in rules {
            match rule {
                Rule::line
                | Rule::let_stmt
                | Rule::fn_stmt
                | Rule::return_stmt
                | Rule::while_stmt
                | Rule::for_stmt
                | Rule::threads_stmt
                | Rule::seed_stmt
                | Rule::dtype_stmt
                | Rule::kw_let
                | Rule::kw_fn
                | Rule::kw_return
                | Rule::kw_for
                | Rule::kw_while
                | Rule::kw_break
                | Rule::kw_continue
                | Rule::kw_threads
                | Rule::kw_seed
                | Rule::kw_dtype => want.stmt = true,
                Rule::ident | Rule::tuple_pat | Rule::param => want.name = true,
                Rule::infix | Rule::call_args | Rule::index_args | Rule::field | Rule::assign_op => want.op = true,
                Rule::type_expr
                | Rule::fn_type_head
                | Rule::tensor_type
                | Rule::elem_type
                | Rule::scalar_type
                | Rule::tuple_type
                | Rule::unknown_dim => want.ty = true,
                Rule::trail => want.comma = true,
                Rule::EOI => want.end = true,
                Rule::eq => want.tokens.push("`=`"),
                Rule::block => want.tokens.push("`{`"),
                Rule::kw_in => want.tokens.push("`in`"),
                Rule::kw_else => want.tokens.push("`else`"),
                Rule::range_op => want.tokens.extend(["`..`", "`..=`"]),
                Rule::kw_if => want.tokens.push("`if`"),
                Rule::float_dtype => want.tokens.push("`f32` or `f64`"),
                Rule::kw_auto => want.tokens.push("`auto`"),
                Rule::colon => want.tokens.push("`:`"),
                Rule::params => want.tokens.push("`(`"),
                Rule::index_arg => want.tokens.push("an index"),
                _ => want.expr = true,
            }
        }
        // `ident` beside other expression starts is one of them; `=` beside operators is the
        // `=` of a keyword argument, and a `:` beside operators starts a slice.
        if want.expr || want.stmt {
            want.name = false;
        }
        if want.op {
            want.tokens.retain(|t| *t != "`=`" && *t != "`:`");
        }
        if want.expr {
            want.tokens.retain(|t| *t != "`if`");
        }
        want.tokens.dedup();
        want
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
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at `pos` as the user wrote it (quoted), and its span.
fn found_token(src: &[u8], pos: usize, end: usize) -> (String, Span) {
    if pos >= end {
        return match src.get(end) {
            None => ("the end of the input".into(), Span::new(src.len(), src.len())),
            Some(b'\n') => ("the end of the line".into(), Span::new(end, end + 1)),
            Some(_) => ("`;`".into(), Span::new(end, end + 1)),
        };
    }
    let c = src[pos];
    let len = if c == b'\n' {
        return ("the end of the line".into(), Span::new(pos, pos + 1));
    } else if c == b'"' {
        return ("a string".into(), Span::new(pos, string_end(src, pos).0));
    } else if is_ident_byte(c) {
        src[pos..].iter().position(|&b| !is_ident_byte(b)).unwrap_or(src.len() - pos)
    } else {
        const OPERATORS: [&str; 11] = ["..=", "==", "!=", "<=", ">=", "->", "..", "+=", "-=", "*=", "/="];
        match OPERATORS.iter().find(|op| src[pos..].starts_with(op.as_bytes())) {
            Some(op) => op.len(),
            None => (1..=4).find(|&n| std::str::from_utf8(src.get(pos..pos + n).unwrap_or(&[])).is_ok()).unwrap_or(1),
        }
    };
    let text = String::from_utf8_lossy(&src[pos..pos + len]);
    (format!("`{text}`"), Span::new(pos, pos + len))
}

/// A help line for common slips.
fn help(src: &[u8], pos: usize, want: &Expected, found: &str) -> Option<String> {
    let before = src[..pos].iter().rev().find(|b| !b.is_ascii_whitespace());
    if found == "`=`" && want.op {
        return Some("use `==` to compare".into());
    }
    if found == "`*`" && before == Some(&b'*') {
        return Some("use `^` for powers".into());
    }
    if found == "`{`" && want.stmt {
        return Some("a block `{ ... }` follows `if`, `while`, `for`, `fn` or `threads`".into());
    }
    let word = found.trim_matches('`');
    const KEYWORDS: [&str; 18] = [
        "let", "fn", "return", "if", "else", "for", "in", "while", "break", "continue", "true", "false", "and", "or",
        "not", "threads", "seed", "dtype",
    ];
    if want.name && KEYWORDS.contains(&word) {
        return Some(format!("`{word}` is a keyword and cannot be a name"));
    }
    if want.ty {
        return Some(
            "types are `int`, `f64`, `f32`, `bool`, `str`, `f64[K, N]`, `(int, f64)` and `fn(f64) -> f64`".into(),
        );
    }
    None
}

/// The innermost bracket still open at `pos` in the statement starting at `start`, with its offset.
fn innermost_open(src: &[u8], start: usize, pos: usize) -> Option<(u8, usize)> {
    let mut open = Vec::new();
    let mut i = start;
    while i < pos {
        match src[i] {
            b'#' => i = line_end(src, i),
            b'"' => i = string_end(src, i).0,
            c @ (b'(' | b'[' | b'{') => {
                open.push((c, i));
                i += 1;
            }
            // `|` only delimits lambda parameters: the first opens, the second closes.
            b'|' => {
                match open.last() {
                    Some((b'|', _)) => _ = open.pop(),
                    _ => open.push((b'|', i)),
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                open.pop();
                i += 1;
            }
            _ => i += 1,
        }
    }
    open.pop()
}

fn closing(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        b'|' => b'|',
        _ => b'}',
    }
}

fn opening(close: u8) -> u8 {
    match close {
        b')' => b'(',
        b']' => b'[',
        _ => b'{',
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
