//! The parser: TensorScript text to the spanned syntax tree of [`crate::syntax::ast`] (spec §2-§5).
//!
//! Parsing runs in three steps; this file and its parts for strings (`parse/fstring.rs`) and
//! operators (`parse/operators.rs`) are the only ones that see pest types.
//! 1. The scan (`parse/scan.rs`) makes one pass over the bytes. It bounds bracket nesting, so that
//!    pest's recursion stays shallow, settles what each newline means, and cuts the top level into
//!    statements.
//! 2. pest parses each top-level statement with the rule `line` of `grammar/tscript.pest`; a
//!    failure becomes a diagnostic worded by `parse/errors.rs`.
//! 3. The `Builder` turns pest's pairs into AST nodes. Expressions arrive flat, and precedence is
//!    applied with explicit stacks (`parse/operators.rs`), so nothing recurses deeper than the
//!    scan allowed. It bounds
//!    the depth of the trees it builds, so that later passes may walk them recursively. A tensor
//!    literal of numbers only is one pest token, whose text `parse/numbers.rs` reads into one
//!    compact node (a large literal costs a few bytes per element, not a pair and nodes each).

mod errors;
mod fstring;
mod numbers;
mod operators;
mod scan;

use crate::diag::{Code, Diag};
use crate::span::Span;
use crate::syntax::ast::*;
use errors::Expected;
use numbers::compact_numbers;
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use scan::Scan;
use std::sync::Arc;

mod grammar {
    /// The pest parser generated from `grammar/tscript.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/tscript.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// The deepest nesting allowed (spec §2). Each bracket, brace, prefix operator, `^`, lambda head,
/// `if` condition, `else if` and function-type arrow opens one level.
pub const MAX_NESTING: u32 = 256;

/// The deepest expression tree allowed, in nodes. Beyond [`MAX_NESTING`], this bounds chains such
/// as `a + b + c + ...` or `A[0][0][0]...`, so that later passes may walk a tree recursively.
pub const MAX_TREE_DEPTH: u32 = 1024;

/// The largest source accepted, in bytes (64 MiB).
pub const MAX_SOURCE_BYTES: usize = 64 << 20;

/// Parses a whole script (or one REPL entry). `base` is added to every span offset (the REPL lays
/// entries end to end in one offset space).
pub fn parse(source: &str, base: u32) -> Result<Program, Diag> {
    if source.len() > MAX_SOURCE_BYTES {
        let message = format!("the script is larger than 64 MiB ({} bytes)", source.len());
        let at = Span { start: base, end: base };
        return Err(Diag::new(Code::ParseTooLarge, message, at, "").with_help("split it into several files"));
    }
    let scan = Scan::run(source.as_bytes()).map_err(|at| too_deep(at.shift(base)))?;
    if scan.max_depth <= INLINE_DEPTH {
        return parse_scanned(scan, base);
    }
    // pest and the builder recurse once per level of nesting, with large frames in debug builds:
    // deep code is parsed on a thread of its own, whose stack holds 256 levels with room to spare.
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().name("tscript-parse".into()).stack_size(PARSER_STACK_BYTES);
        match thread.spawn_scoped(scope, || parse_scanned(scan, base)) {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => {
                let message = format!("cannot start a thread to parse deeply nested code: {e}");
                Err(Diag::new(Code::ParseTooDeep, message, Span { start: base, end: base }, ""))
            }
        }
    })
}

/// Whether `source` ends inside brackets or braces, or right after a binary operator, a comma, `=`
/// or a lambda's `|`: the REPL then asks for another line (`..> `) before parsing.
pub fn is_incomplete(source: &str) -> bool {
    Scan::run(source.as_bytes()).is_ok_and(|scan| scan.incomplete())
}

/// Nesting deeper than this is parsed on a thread of its own (see [`parse`]). A level costs about
/// 25 KiB of stack in a debug build (a tenth of that optimized).
const INLINE_DEPTH: u32 = 8;

/// The stack of that thread.
const PARSER_STACK_BYTES: usize = 64 << 20;

/// Parses the top-level statements that the scan found.
fn parse_scanned(scan: Scan, base: u32) -> Result<Program, Diag> {
    // The scan only turns ASCII bytes and a whole byte-order mark into spaces, so the text stays
    // UTF-8.
    let text = String::from_utf8(scan.text).expect("the scan keeps UTF-8");
    let mut stmts = Vec::new();
    for &(start, end) in &scan.stmts {
        let pairs = Grammar::parse(Rule::line, &text[start..end]);
        let line = pairs.map_err(|e| syntax_error(e, &text, start, end, base))?.next().expect("a `line` pair");
        let builder = Builder { off: base + start as u32 };
        stmts.extend(builder.stmts(line.into_inner(), 0)?.0);
    }
    Ok(Program { stmts })
}

trait Shift {
    /// The span moved `by` bytes to the right.
    fn shift(self, by: u32) -> Self;
}

impl Shift for Span {
    fn shift(self, by: u32) -> Span {
        Span { start: self.start + by, end: self.end + by }
    }
}

fn too_deep(at: Span) -> Diag {
    let message = format!("the code is nested more than {MAX_NESTING} levels deep");
    Diag::new(Code::ParseTooDeep, message, at, "one level too deep")
        .with_help("move the inner parts into variables or functions")
}

// ---------------------------------------------------------------------------------------------
// Step 3: pest's pairs to AST nodes.

type Res<T> = Result<T, Diag>;
type P<'i> = Pair<'i, Rule>;

/// Builds the AST nodes of one top-level statement. Each method takes the nesting `level` of the
/// pair (see [`MAX_NESTING`]) and returns the depth of the tree it built (see [`MAX_TREE_DEPTH`]).
struct Builder {
    /// Added to pest's offsets: the REPL base plus where the statement starts in the source.
    off: u32,
}

/// An expression under construction: the node, the text it came from (which includes any
/// parentheses around it), and the depth of its tree.
struct Operand {
    expr: Expr,
    outer: Span,
    depth: u32,
}

/// The end and the tree depth of a statement, as its parts are built.
struct Extent {
    end: u32,
    depth: u32,
}

impl Extent {
    fn expr(&mut self, e: Operand) -> Expr {
        (self.end, self.depth) = (e.outer.end, self.depth.max(e.depth));
        e.expr
    }

    fn block(&mut self, (block, depth): (Block, u32)) -> Block {
        (self.end, self.depth) = (block.span.end, self.depth.max(depth));
        block
    }
}

fn leaf(kind: ExprKind, span: Span) -> Operand {
    Operand { expr: Expr { kind, span }, outer: span, depth: 1 }
}

/// An integer literal over 64 bits, at `span`.
fn int_too_large(span: Span) -> Diag {
    let help = format!("an `int` is at most {}; write a float such as `1e19` instead", i64::MAX);
    Diag::new(Code::ParseNumber, "this integer does not fit in 64 bits", span, "too large for `int`").with_help(help)
}

fn block_expr((block, depth): (Block, u32)) -> Operand {
    let span = block.span;
    Operand { expr: Expr { kind: ExprKind::Block(block), span }, outer: span, depth: depth + 1 }
}

/// Keywords and `=` inside statements: once the statement's rule is known they say nothing more.
fn is_marker(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_let
            | Rule::kw_fn
            | Rule::kw_return
            | Rule::kw_while
            | Rule::kw_for
            | Rule::kw_in
            | Rule::kw_threads
            | Rule::kw_seed
            | Rule::kw_dtype
            | Rule::kw_precision
            | Rule::kw_import
            | Rule::kw_as
            | Rule::eq
    )
}

impl Builder {
    fn span(&self, p: &P) -> Span {
        Span::new(p.as_span().start(), p.as_span().end()).shift(self.off)
    }

    /// The one-byte span at the start of `p` (an opening bracket, say).
    fn head(&self, p: &P) -> Span {
        let start = self.span(p).start;
        Span { start, end: start + 1 }
    }

    /// One level deeper than `level`, or too deep at `at`.
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
        Ident { name: Arc::from(p.as_str()), span: self.span(&p) }
    }

    /// The children of a list (`(a, b,)`, `[a, b]`, ...) and whether it has a trailing comma.
    fn list<'i>(&self, p: P<'i>) -> (Vec<P<'i>>, bool) {
        let (trail, items): (Vec<P>, Vec<P>) = p.into_inner().partition(|q| q.as_rule() == Rule::trail);
        (items, !trail.is_empty())
    }

    // ---- statements ----

    /// Statements, pest siblings (`expr assign_op expr` is an assignment), with the depth of the
    /// deepest expression among them.
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
                        Some(op) => self.assign(lhs, op, self.expr(pairs.next().unwrap(), level)?)?,
                        None => (Stmt { span: lhs.outer, kind: StmtKind::Expr(lhs.expr) }, lhs.depth),
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
            "+=" => Some(AssignOp::Add),
            "-=" => Some(AssignOp::Sub),
            "*=" => Some(AssignOp::Mul),
            "/=" => Some(AssignOp::Div),
            _ => None, // `=`: the grammar admits no other assignment operator
        };
        let (span, depth, value) = (lhs.outer.to(rhs.outer), lhs.depth.max(rhs.depth), rhs.expr);
        let kind = match lhs.expr.kind {
            ExprKind::Name(target) => StmtKind::Assign { target, op, value },
            ExprKind::Index { target, indices } if matches!(target.kind, ExprKind::Name(_)) => {
                let ExprKind::Name(target) = target.kind else { unreachable!() };
                StmtKind::IndexAssign { target, indices, op, value }
            }
            _ => {
                let help = "assign to a variable (`x = ...`) or to an index of one (`A[i] = ...`)";
                let message = "cannot assign to this expression";
                return Err(Diag::new(Code::Parse, message, lhs.outer, "not a variable").with_help(help));
            }
        };
        Ok((Stmt { kind, span }, depth))
    }

    fn stmt(&self, p: P, level: u32) -> Res<(Stmt, u32)> {
        let (rule, span) = (p.as_rule(), self.span(&p));
        // A statement ends with its last part (pest's pair may include trailing blanks).
        let keyword_end = p.clone().into_inner().next().map_or(span.end, |kw| self.span(&kw).end);
        let mut at = Extent { end: keyword_end, depth: 0 };
        let mut kids = p.into_inner().filter(|q| !is_marker(q.as_rule())).peekable();
        macro_rules! next {
            () => {
                kids.next().expect("the grammar guarantees this part")
            };
        }
        let kind = match rule {
            Rule::kw_break => StmtKind::Break,
            Rule::kw_continue => StmtKind::Continue,
            Rule::let_stmt => {
                let pattern = self.pattern(next!(), level)?;
                let ty = kids.next_if(|q| q.as_rule() == Rule::type_expr).map(|t| self.type_expr(t, level));
                let ty = ty.transpose()?;
                StmtKind::Let { pattern, ty, value: at.expr(self.expr(kids.next().unwrap(), level)?) }
            }
            Rule::fn_stmt => {
                let name = Some(self.ident(next!()));
                let params = self.params(next!(), level)?;
                let ret = kids.next_if(|q| q.as_rule() == Rule::type_expr).map(|t| self.type_expr(t, level));
                let ret = ret.transpose()?;
                let body = at.expr(self.body(kids.next().unwrap(), level)?);
                StmtKind::Fn(Arc::new(FnDef { name, params, ret, body, span: Span { start: span.start, end: at.end } }))
            }
            Rule::return_stmt => {
                StmtKind::Return(kids.next().map(|e| self.expr(e, level)).transpose()?.map(|e| at.expr(e)))
            }
            Rule::while_stmt => {
                let cond = at.expr(self.expr(next!(), level)?);
                StmtKind::While { cond, body: at.block(self.block(next!(), level)?) }
            }
            Rule::for_stmt => {
                let var = self.ident(next!());
                let start = at.expr(self.expr(next!(), level)?);
                let inclusive = next!().as_str() == "..=";
                let end = at.expr(self.expr(next!(), level)?);
                StmtKind::For { var, start, end, inclusive, body: at.block(self.block(next!(), level)?) }
            }
            Rule::threads_stmt => {
                let count = next!();
                let count = match count.as_rule() {
                    Rule::kw_auto => {
                        at.end = self.span(&count).end;
                        ThreadCount::Auto(self.span(&count))
                    }
                    _ => ThreadCount::Count(at.expr(self.expr(count, level)?)),
                };
                let body = kids.next().map(|b| self.block(b, level)).transpose()?.map(|b| at.block(b));
                StmtKind::Threads { count, body }
            }
            Rule::seed_stmt => StmtKind::Seed(at.expr(self.expr(next!(), level)?)),
            Rule::precision_stmt => {
                let count = next!();
                match count.as_rule() {
                    Rule::kw_auto => {
                        at.end = self.span(&count).end;
                        StmtKind::Precision(None)
                    }
                    _ => StmtKind::Precision(Some(at.expr(self.expr(count, level)?))),
                }
            }
            Rule::import_stmt => {
                let path = next!();
                let path_span = self.span(&path);
                at.end = path_span.end;
                let alias = kids.next().map(|name| self.ident(name));
                if let Some(alias) = &alias {
                    at.end = alias.span.end;
                }
                StmtKind::Import { path: self.string(&path)?, path_span, alias }
            }
            Rule::dtype_stmt => {
                let name = next!();
                at.end = self.span(&name).end;
                StmtKind::Dtype(if name.as_str() == "f32" { FloatDtype::F32 } else { FloatDtype::F64 })
            }
            _ => unreachable!("not a statement: {rule:?}"),
        };
        Ok((Stmt { kind, span: Span { start: span.start, end: at.end } }, at.depth))
    }

    /// `{ stmts }`, whose statements sit one level deeper than `level`.
    fn block(&self, p: P, level: u32) -> Res<(Block, u32)> {
        let span = self.span(&p);
        let (stmts, depth) = self.stmts(p.into_inner(), self.enter(level, span)?)?;
        Ok((Block { stmts, span }, depth))
    }

    /// A function's body: a block or an expression.
    fn body(&self, p: P, level: u32) -> Res<Operand> {
        match p.as_rule() {
            Rule::block => Ok(block_expr(self.block(p, level)?)),
            _ => self.expr(p, level),
        }
    }

    fn pattern(&self, p: P, level: u32) -> Res<Pattern> {
        if p.as_rule() == Rule::ident {
            return Ok(Pattern::Name(self.ident(p)));
        }
        let (span, inner) = (self.span(&p), self.enter(level, self.head(&p))?);
        let (items, trail) = self.list(p);
        let mut parts = items.into_iter().map(|q| self.pattern(q, inner)).collect::<Res<Vec<_>>>()?;
        match (parts.len(), trail) {
            (1, false) => Ok(parts.pop().unwrap()),
            _ => Ok(Pattern::Tuple(parts, span)),
        }
    }

    /// The parameters of a parameter list or a lambda head.
    fn params(&self, p: P, level: u32) -> Res<Vec<Param>> {
        let inner = self.enter(level, self.head(&p))?;
        let params = p.into_inner().filter(|q| q.as_rule() == Rule::param).map(|q| {
            let mut it = q.into_inner();
            let name = self.ident(it.next().unwrap());
            Ok(Param { name, ty: it.next().map(|t| self.type_expr(t, inner)).transpose()? })
        });
        params.collect()
    }

    // ---- types ----

    fn type_expr(&self, p: P, level: u32) -> Res<TypeExpr> {
        let mut parts: Vec<P> = p.into_inner().collect();
        let atom = parts.pop().expect("a type ends in a type that is not a function");
        let (mut level, mut heads) = (level, Vec::new());
        for head in parts {
            let span = self.span(&head);
            level = self.enter(level, Span { start: span.start, end: span.start + 2 })?;
            let params = head.into_inner().filter(|q| q.as_rule() == Rule::type_expr);
            heads.push((span, params.map(|q| self.type_expr(q, level)).collect::<Res<Vec<_>>>()?));
        }
        let mut ty = self.type_atom(atom, level)?;
        for (span, params) in heads.into_iter().rev() {
            ty = TypeExpr { span: span.to(ty.span), kind: TypeExprKind::Fn { params, ret: Box::new(ty) } };
        }
        Ok(ty)
    }

    fn type_atom(&self, p: P, level: u32) -> Res<TypeExpr> {
        let span = self.span(&p);
        let dtype = |text: &str| match text {
            "f64" => Some(FloatDtype::F64),
            "f32" => Some(FloatDtype::F32),
            _ => None,
        };
        let kind = match p.as_rule() {
            Rule::scalar_type => match (p.as_str(), dtype(p.as_str())) {
                (_, Some(d)) => TypeExprKind::Float(d),
                ("int", _) => TypeExprKind::Int,
                ("bool", _) => TypeExprKind::Bool,
                _ => TypeExprKind::Str,
            },
            Rule::tensor_type => {
                let mut it = p.into_inner().filter(|d| d.as_rule() != Rule::trail);
                let dtype = match it.next().unwrap().as_str() {
                    "i64" => ElemType::I64,
                    "bool" => ElemType::Bool,
                    text => ElemType::Float(dtype(text).unwrap_or(FloatDtype::F64)),
                };
                let dims = it.map(|d| {
                    let at = self.span(&d);
                    Ok(match d.as_rule() {
                        Rule::number if d.as_str().contains(['.', 'e', 'E']) => {
                            let message = "a dimension is an int, a name or `?`";
                            return Err(Diag::new(Code::Parse, message, at, "not an int"));
                        }
                        Rule::number => DimExpr::Known(self.int(&d)?, at),
                        Rule::unknown_dim => DimExpr::Unknown(at),
                        _ => DimExpr::Name(self.ident(d)),
                    })
                });
                TypeExprKind::Tensor { dtype, dims: dims.collect::<Res<_>>()? }
            }
            _ => {
                let inner = self.enter(level, self.head(&p))?;
                let (items, trail) = self.list(p);
                let mut parts = items.into_iter().map(|q| self.type_expr(q, inner)).collect::<Res<Vec<_>>>()?;
                if parts.len() == 1 && !trail {
                    return Ok(parts.pop().unwrap());
                }
                TypeExprKind::Tuple(parts)
            }
        };
        Ok(TypeExpr { kind, span })
    }

    // ---- expressions ----

    /// An `expr` pair: lambda heads, if any, and then a block or a flat operator chain.
    fn expr(&self, p: P, level: u32) -> Res<Operand> {
        let mut it = p.into_inner().peekable();
        let (mut inner, mut heads) = (level, Vec::new());
        while let Some(head) = it.next_if(|q| q.as_rule() == Rule::lambda_head) {
            let at = self.head(&head);
            heads.push((at, self.params(head, inner)?));
            inner = self.enter(inner, at)?;
        }
        let mut body = match it.next_if(|q| q.as_rule() == Rule::block) {
            Some(block) => block_expr(self.block(block, inner)?),
            None => self.operators(it, inner)?,
        };
        for (at, params) in heads.into_iter().rev() {
            let span = at.to(body.outer);
            let def = FnDef { name: None, params, ret: None, body: body.expr, span };
            body = self.node(ExprKind::Lambda(Arc::new(def)), span, body.depth + 1, at)?;
        }
        Ok(body)
    }

    /// A call, an index or a field access applied to `target`.
    fn suffix(&self, target: Operand, p: P, level: u32) -> Res<Operand> {
        let (rule, open) = (p.as_rule(), self.head(&p));
        let span = Span { start: target.outer.start, end: self.span(&p).end };
        let mut depth = target.depth;
        let target = Box::new(target.expr);
        let kind = match rule {
            Rule::field => ExprKind::Field { target, field: self.ident(p.into_inner().next().unwrap()) },
            Rule::call_args => {
                let inner = self.enter(level, open)?;
                let args = self.list(p).0.into_iter().map(|a| {
                    let (name, value) = match a.as_rule() {
                        Rule::kwarg => {
                            let mut it = a.into_inner().filter(|q| q.as_rule() != Rule::eq);
                            (Some(self.ident(it.next().unwrap())), it.next().unwrap())
                        }
                        _ => (None, a),
                    };
                    let value = self.expr(value, inner)?;
                    depth = depth.max(value.depth);
                    Ok(Arg { name, value: value.expr })
                });
                ExprKind::Call { callee: target, args: args.collect::<Res<_>>()? }
            }
            _ => {
                let inner = self.enter(level, open)?;
                let indices = self.list(p).0.into_iter().map(|a| {
                    let (index, d) = self.index_arg(a, inner)?;
                    depth = depth.max(d);
                    Ok(index)
                });
                ExprKind::Index { target, indices: indices.collect::<Res<_>>()? }
            }
        };
        self.node(kind, span, depth + 1, open)
    }

    /// `i`, or a slice `a:b:s` with every part optional.
    fn index_arg(&self, p: P, level: u32) -> Res<(IndexArg, u32)> {
        let mut parts: [Option<Expr>; 3] = [None, None, None];
        let (mut colons, mut depth) = (0, 0);
        let (mut start, mut end) = (u32::MAX, 0);
        for q in p.into_inner() {
            start = start.min(self.span(&q).start);
            if q.as_rule() == Rule::colon {
                colons += 1;
                end = self.span(&q).end;
            } else {
                let e = self.expr(q, level)?;
                (end, depth) = (e.outer.end, depth.max(e.depth));
                parts[colons] = Some(e.expr);
            }
        }
        let [lo, stop, step] = parts;
        let index = match (colons, lo) {
            (0, Some(e)) => IndexArg::Single(e),
            (_, lo) => IndexArg::Slice { start: lo, stop, step, span: Span { start, end } },
        };
        Ok((index, depth))
    }

    fn primary(&self, p: P, level: u32) -> Res<Operand> {
        let span = self.span(&p);
        Ok(match p.as_rule() {
            Rule::number if !p.as_str().contains(['.', 'e', 'E']) => leaf(ExprKind::Int(self.int(&p)?), span),
            Rule::number => {
                let text = p.as_str().replace('_', "");
                let (f64, f32) = (text.parse::<f64>(), text.parse::<f32>());
                leaf(ExprKind::Float { f64: f64.expect("a float"), f32: f32.expect("a float") }, span)
            }
            Rule::string => leaf(ExprKind::Str(self.string(&p)?), span),
            Rule::fstring => self.fstring(p, level)?,
            Rule::kw_true => leaf(ExprKind::Bool(true), span),
            Rule::kw_false => leaf(ExprKind::Bool(false), span),
            Rule::ident => leaf(ExprKind::Name(self.ident(p)), span),
            Rule::if_expr => self.if_expr(p, level)?,
            Rule::number_tensor => match compact_numbers(p.as_str().as_bytes(), level) {
                Some(numbers) => leaf(ExprKind::Numbers(Arc::new(numbers)), span),
                None => {
                    let mut at = 0;
                    self.number_tensor(p.as_str().as_bytes(), &mut at, span.start, level)?
                }
            },
            rule => {
                let open = self.head(&p);
                let inner = self.enter(level, open)?;
                let (items, trail) = self.list(p);
                let mut items = items.into_iter().map(|q| self.expr(q, inner)).collect::<Res<Vec<_>>>()?;
                if rule == Rule::paren && items.len() == 1 && !trail {
                    let mut item = items.pop().unwrap();
                    item.outer = span;
                    return Ok(item);
                }
                let depth = items.iter().map(|item| item.depth).max().unwrap_or(0) + 1;
                let items = items.into_iter().map(|item| item.expr).collect();
                let kind = if rule == Rule::paren { ExprKind::Tuple(items) } else { ExprKind::Tensor(items) };
                self.node(kind, span, depth, open)?
            }
        })
    }

    /// `if c { } else if c { } else { }`. A condition is one level deeper than its `if`, and each
    /// `else if` one level deeper than the branch before it.
    fn if_expr(&self, p: P, level: u32) -> Res<Operand> {
        let (mut branches, mut otherwise, mut level) = (Vec::new(), None, level);
        let mut it = p.into_inner().filter(|q| q.as_rule() != Rule::kw_else);
        while let Some(q) = it.next() {
            if q.as_rule() == Rule::block {
                otherwise = Some(block_expr(self.block(q, level)?));
                break;
            }
            let at = self.span(&q);
            if !branches.is_empty() {
                level = self.enter(level, at)?;
            }
            let cond = self.expr(it.next().unwrap(), self.enter(level, at)?)?;
            branches.push((at, cond, self.block(it.next().unwrap(), level)?));
        }
        for (at, cond, (then, then_depth)) in branches.into_iter().rev() {
            let end = otherwise.as_ref().map_or(then.span.end, |o| o.outer.end);
            let depth = cond.depth.max(then_depth).max(otherwise.as_ref().map_or(0, |o| o.depth)) + 1;
            let otherwise_expr = otherwise.take().map(|o| Box::new(o.expr));
            let kind = ExprKind::If { cond: Box::new(cond.expr), then, otherwise: otherwise_expr };
            otherwise = Some(self.node(kind, Span { start: at.start, end }, depth, at)?);
        }
        Ok(otherwise.expect("an `if` has a branch"))
    }

    fn int(&self, p: &P) -> Res<i64> {
        let text = p.as_str();
        let parsed = if text.contains('_') { text.replace('_', "").parse() } else { text.parse() };
        parsed.map_err(|_| int_too_large(self.span(p)))
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2's errors: pest's failure to a readable diagnostic (worded in `parse/errors.rs`).

/// Converts pest's error for the statement `text[start..end]` into a diagnostic (`text` as the
/// scan left it: the tokens are the source's, comments are blank).
fn syntax_error(err: pest::error::Error<Rule>, text: &str, start: usize, end: usize, base: u32) -> Diag {
    let pos = start
        + match err.location {
            pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
        };
    match err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            errors::describe(text.as_bytes(), start, end, pos, &expected(&positives), base)
        }
        // pest's own guard against a stack overflow: the scan should keep it from firing.
        pest::error::ErrorVariant::CustomError { .. } => too_deep(Span::new(pos, pos).shift(base)),
    }
}

/// What the rules pest tried where it failed stand for, in readable categories.
fn expected(rules: &[Rule]) -> Expected {
    let mut want = Expected::default();
    for &rule in rules {
        match rule {
            Rule::line | Rule::let_stmt | Rule::fn_stmt | Rule::return_stmt | Rule::while_stmt | Rule::for_stmt => {
                want.stmt = true
            }
            Rule::threads_stmt | Rule::seed_stmt | Rule::dtype_stmt | Rule::kw_let | Rule::kw_fn => want.stmt = true,
            Rule::precision_stmt | Rule::kw_precision | Rule::import_stmt => want.stmt = true,
            Rule::kw_return | Rule::kw_for | Rule::kw_while | Rule::kw_break | Rule::kw_continue => want.stmt = true,
            Rule::kw_threads | Rule::kw_seed | Rule::kw_dtype => want.stmt = true,
            Rule::type_expr | Rule::fn_type_head | Rule::tensor_type | Rule::elem_type | Rule::scalar_type => {
                want.ty = true
            }
            Rule::tuple_type | Rule::unknown_dim => want.ty = true,
            Rule::infix | Rule::call_args | Rule::index_args | Rule::field | Rule::assign_op => want.op = true,
            Rule::ident | Rule::tuple_pat | Rule::param => want.name = true,
            Rule::trail => want.comma = true,
            Rule::EOI => want.end = true,
            Rule::eq => want.tokens.push("`=`"),
            Rule::block => want.tokens.push("`{`"),
            Rule::kw_in => want.tokens.push("`in`"),
            Rule::kw_if => want.tokens.push("`if`"),
            Rule::range_op => want.tokens.extend(["`..`", "`..=`"]),
            Rule::float_dtype => want.tokens.push("`f32` or `f64`"),
            Rule::kw_auto => want.tokens.push("`auto`"),
            Rule::colon => want.tokens.push("`:`"),
            Rule::params => want.tokens.push("`(`"),
            Rule::index_arg => want.tokens.push("an index"),
            _ => want.expr = true,
        }
    }
    want.tidy();
    want
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
