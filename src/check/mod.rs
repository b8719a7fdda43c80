//! The static checker (spec §8): infers the type and shape of every IR expression before anything
//! runs, reading each primitive's type rule from its family file, and reports every error it
//! finds. Int constants propagate (`let K = 2000` makes `randn(M, K)` an `f64[2000, 2000]`);
//! functions are checked at each call with the argument types ([`call`]), so that untyped
//! parameters, recursion and higher-order functions all work. What cannot be known statically
//! (a `?` dimension, an index value) is left to the runtime checks; whatever the checker loses
//! track of becomes [`Type::Any`], which is never an error.

mod call;
pub mod lint;
mod scan;
mod strings;

use crate::diag::{Code, Diag, SourceMap};
use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::ir::{DimAnn, Guard, Ir, IrKind, Slot, Stmt, StmtKind, Target, TypeAnn, TypeAnnKind};
use crate::prims::{Builtin, Prim};
use crate::span::Span;
use crate::types::{Dim, Env, FnType, Type, TypeCx, TypeError};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Checks scripts and REPL entries; keeps the types of the top-level variables between entries.
pub struct Checker {
    globals: Rc<Env>,
    /// The warnings of the last successful check, not silenced by `# allow(NAME)`.
    warnings: Vec<Diag>,
}

impl Default for Checker {
    fn default() -> Checker {
        Checker { globals: Env::new(0, None), warnings: Vec::new() }
    }
}

impl Checker {
    /// Checks lowered top-level statements (whose spans point into `sources`) and returns the type
    /// of the last statement's value, or every diagnostic found. On error the known types are left
    /// as they were.
    pub fn check(&mut self, stmts: &[Stmt], global_size: usize, sources: &SourceMap) -> Result<Type, Vec<Diag>> {
        let saved = self.snapshot();
        {
            let mut slots = self.globals.slots.borrow_mut();
            if slots.len() < global_size {
                slots.resize(global_size, None);
            }
        }
        let mut cx = Cx::new(sources);
        scan::mutated(stmts, &mut cx.mutated);
        for &(frame, index) in &cx.mutated {
            if frame == 0 {
                if let Some(Some(t)) = self.globals.slots.borrow_mut().get_mut(index as usize) {
                    *t = t.variable();
                }
            }
        }
        let scope = Scope { env: self.globals.clone(), id: 0 };
        let last = cx.stmts(stmts, &scope).unwrap_or(Type::Any);
        for w in lint::shadowed_in_loop(stmts, &self.globals, sources) {
            cx.warn(w);
        }
        if cx.errors.is_empty() {
            let mut warnings = std::mem::take(&mut cx.warnings);
            warnings.retain(|w| !lint::allowed(sources, w));
            warnings.sort_by_key(|d| d.span().map(|s| s.start));
            self.warnings = warnings;
            Ok(last)
        } else {
            self.restore(saved);
            cx.errors.sort_by_key(|d| d.span().map(|s| s.start));
            Err(cx.errors)
        }
    }

    /// Takes the warnings of the last successful [`Checker::check`].
    pub fn take_warnings(&mut self) -> Vec<Diag> {
        std::mem::take(&mut self.warnings)
    }

    /// The known types of the top-level variables, for [`Checker::restore`].
    pub fn snapshot(&self) -> Vec<Option<Type>> {
        self.globals.slots.borrow().clone()
    }

    /// Puts back the types of a [`Checker::snapshot`].
    pub fn restore(&mut self, slots: Vec<Option<Type>>) {
        *self.globals.slots.borrow_mut() = slots;
    }
}

/// Where the checker stands: the types of the current frame and which frame that is (0 for the
/// top level, else the address of the function's code, as [`scan::mutated`] names frames).
#[derive(Clone)]
pub(crate) struct Scope {
    env: Rc<Env>,
    id: usize,
}

/// Whether a value of type `found` fits where the script declares the type `declared` (of a
/// `let`, a parameter, a function's result); `guard` checks at run time what the checker cannot
/// prove.
fn fits_declared(found: &Type, declared: &Type, guard: &Guard) -> bool {
    if !found.proves(declared) {
        guard.require(declared);
    }
    found.fits(declared)
}

/// A function body being checked for one list of argument types.
struct Active {
    code: usize,
    env: usize,
    args: Vec<Type>,
    returns: Vec<Type>,
    unset_reads: usize,
    declared: Option<Type>,
}

/// The argument types a function body was checked with, and its result type.
type Checked = (Vec<Type>, Type);

/// The state of one checking pass.
pub(crate) struct Cx<'a> {
    sources: &'a SourceMap,
    errors: Vec<Diag>,
    /// Warnings (`tscript::lint::...`), which do not stop the script.
    warnings: Vec<Diag>,
    seen: HashSet<(Span, Code)>,
    /// Result types of function bodies already checked: (code, env) → (argument types, result).
    memo: HashMap<(usize, usize), Vec<Checked>>,
    active: Vec<Active>,
    /// Slots that some statement assigns to, by (frame, index): their int values are not constant.
    mutated: HashSet<(usize, u32)>,
    /// Reads of slots not bound yet (a function called before a variable it uses is defined);
    /// a body that made one is not memoized.
    unset_reads: usize,
    /// The call sites of the function bodies being checked, innermost last.
    calls: Vec<(Span, String)>,
    dtype: FloatDtype,
}

impl<'a> Cx<'a> {
    fn new(sources: &'a SourceMap) -> Cx<'a> {
        Cx {
            sources,
            errors: Vec::new(),
            warnings: Vec::new(),
            seen: HashSet::new(),
            memo: HashMap::new(),
            active: Vec::new(),
            mutated: HashSet::new(),
            unset_reads: 0,
            calls: Vec::new(),
            dtype: FloatDtype::F64,
        }
    }

    /// Records a diagnostic once per span and code, with the call site that led to it.
    fn push(&mut self, mut d: Diag) {
        let Some(span) = d.span() else { return self.errors.push(d) };
        if !self.seen.insert((span, d.code)) {
            return;
        }
        if let Some((site, args)) = self.calls.last() {
            if !d.labels.iter().any(|(s, _)| s == site) {
                d = d.with_label(*site, format!("in this call, with arguments {args}"));
            }
        }
        self.errors.push(d);
    }

    /// Gives a rule's error the span of the argument it is about (or of the whole call) and
    /// fills in the argument texts its help names.
    fn report(&mut self, e: TypeError, call: Span, args: &[Span]) {
        let span = e.arg.and_then(|i| args.get(i).copied()).unwrap_or(call);
        let mut d = Diag::new(e.code, e.message, span, e.label);
        if span != call {
            d = d.with_label(call, "");
        }
        d.help = e.help.map(|h| self.sources.fill_help(&h, args));
        self.push(d);
    }

    /// The source text of an operand, parenthesised unless it is a name, call or literal.
    fn operand_text(&self, span: Span) -> String {
        self.sources.operand_text(span)
    }

    fn mismatch(&mut self, message: String, span: Span, label: String, help: Option<&str>) {
        let mut d = Diag::new(Code::TypeMismatch, message, span, label);
        d.help = help.map(str::to_string);
        self.push(d);
    }

    fn slot_env(scope: &Scope, slot: Slot) -> Option<Rc<Env>> {
        let mut env = scope.env.clone();
        for _ in 0..slot.depth {
            env = env.parent.clone()?;
        }
        Some(env)
    }

    fn get(&mut self, scope: &Scope, slot: Slot) -> Type {
        let t = Self::slot_env(scope, slot).and_then(|e| e.slots.borrow().get(slot.index as usize).cloned().flatten());
        t.unwrap_or_else(|| {
            self.unset_reads += 1;
            Type::Any
        })
    }

    fn set(&mut self, scope: &Scope, slot: Slot, t: Type) {
        let t = if slot.depth == 0 && self.mutated.contains(&(scope.id, slot.index)) { t.variable() } else { t };
        if let Some(env) = Self::slot_env(scope, slot) {
            if let Some(s) = env.slots.borrow_mut().get_mut(slot.index as usize) {
                *s = Some(t);
            }
        }
    }

    /// Checks a block's statements; the type of its value, or `None` when it always leaves early
    /// (`return`, `break`, `continue`).
    fn stmts(&mut self, stmts: &[Stmt], scope: &Scope) -> Option<Type> {
        for s in stmts {
            if let StmtKind::Fn { slot, code } = &s.kind {
                self.set(scope, *slot, Type::Fn(FnType::Closure { code: code.clone(), env: scope.env.clone() }));
            }
        }
        let mut value = Some(Type::unit());
        for (i, s) in stmts.iter().enumerate() {
            let v = self.stmt(s, scope);
            if i + 1 == stmts.len() {
                value = match (&s.kind, v) {
                    (StmtKind::Expr(_), v) => v,
                    (_, None) => None,
                    _ => Some(Type::unit()),
                };
            }
        }
        value
    }

    fn stmt(&mut self, s: &Stmt, scope: &Scope) -> Option<Type> {
        match &s.kind {
            StmtKind::Let { target, ty, value, guard } => {
                let t = self.expr(value, scope);
                let t = match ty {
                    Some(ann) => {
                        let declared = self.ann(ann, scope);
                        if !fits_declared(&t, &declared, guard) {
                            let mut d = Diag::new(
                                Code::TypeMismatch,
                                format!("the value is {t}, but its declared type is {declared}"),
                                value.span,
                                t.to_string(),
                            )
                            .with_label(ann.span, format!("declared {declared}"));
                            d.help = t.conversion_help(&declared).map(Into::into);
                            self.push(d);
                        }
                        t.refine(&declared)
                    }
                    None => t,
                };
                self.bind(target, t, scope, value.span);
            }
            StmtKind::Assign { slot, name, op, value, guard } => {
                let old = self.get(scope, *slot);
                let v = self.expr(value, scope);
                let new = match op {
                    Some(op) => self.rule(Prim::Arith(*op), &[old.clone(), v], s.span, &[s.span, value.span]),
                    None => v,
                };
                if !new.proves(&old.variable()) {
                    guard.require(&old.variable());
                }
                self.keep_type(name, &old, &new, value.span);
            }
            StmtKind::IndexAssign { slot, name, indices, op, value } => {
                let old = self.get(scope, *slot);
                let v = self.expr(value, scope);
                let idx: Vec<Type> = indices.iter().map(|i| self.expr(i, scope)).collect();
                let mut spans = vec![s.span];
                spans.extend(indices.iter().map(|i| i.span));
                let index = Prim::Shape(crate::prims::ShapeOp::Index);
                let part = self.rule(index, &[vec![old.clone()], idx.clone()].concat(), s.span, &spans);
                let v = match op {
                    Some(op) => self.rule(Prim::Arith(*op), &[part, v], s.span, &[s.span, value.span]),
                    None => v,
                };
                let mut spans = vec![s.span, value.span];
                spans.extend(indices.iter().map(|i| i.span));
                let set = Prim::Shape(crate::prims::ShapeOp::IndexSet);
                let new = self.rule(set, &[vec![old.clone(), v], idx].concat(), s.span, &spans);
                self.keep_type(name, &old, &new, s.span);
            }
            StmtKind::Fn { code, .. } => self.check_typed_fn(code, scope),
            StmtKind::Return(value) => {
                let t = value.as_ref().map_or_else(Type::unit, |v| self.expr(v, scope));
                if let Some(active) = self.active.last_mut() {
                    active.returns.push(t);
                }
                return None;
            }
            StmtKind::Break | StmtKind::Continue => return None,
            StmtKind::While { cond, body } => {
                self.condition(cond, scope);
                self.stmts(body, scope);
            }
            StmtKind::For { slot, start, end, body, .. } => {
                self.int(start, scope, "a `for` range bound");
                self.int(end, scope, "a `for` range bound");
                self.set(scope, *slot, Type::Int(None));
                self.stmts(body, scope);
            }
            StmtKind::Threads { count, body } => {
                if let Some(c) = count {
                    self.int(c, scope, "a thread count");
                }
                if let Some(b) = body {
                    self.stmts(b, scope);
                }
            }
            StmtKind::Seed(e) => self.int(e, scope, "a seed"),
            StmtKind::Precision(e) => {
                if let Some(e) = e {
                    self.int(e, scope, "a precision");
                }
            }
            StmtKind::Expr(e) => return self.expr_flow(e, scope),
        }
        Some(Type::unit())
    }

    /// `name = value` must keep the variable's type: dtype, rank and every known dimension.
    fn keep_type(&mut self, name: &str, old: &Type, new: &Type, span: Span) {
        if !new.fits(old) {
            let d = Diag::new(
                Code::TypeMismatch,
                format!("`{name}` has type {old}, so it cannot be assigned {new}"),
                span,
                format!("this is {new}"),
            )
            .with_help(format!("an assignment keeps the variable's type; declare a new one with `let {name} = ...`"));
            self.push(d);
        }
    }

    fn bind(&mut self, target: &Target, t: Type, scope: &Scope, span: Span) {
        match target {
            Target::Slot(slot, _) => self.set(scope, *slot, t),
            Target::Tuple(targets, pattern) => {
                let items: Vec<Type> = match t {
                    Type::Tuple(items) if items.len() == targets.len() => items,
                    Type::Seq(item) => vec![*item; targets.len()],
                    Type::Any => vec![Type::Any; targets.len()],
                    other => {
                        let d = Diag::new(
                            Code::TypeMismatch,
                            format!("cannot unpack {other} into {} names", targets.len()),
                            span,
                            other.to_string(),
                        )
                        .with_label(*pattern, format!("{} names", targets.len()));
                        self.push(d);
                        vec![Type::Any; targets.len()]
                    }
                };
                for (target, item) in targets.iter().zip(items) {
                    self.bind(target, item, scope, span);
                }
            }
        }
    }

    fn condition(&mut self, cond: &Ir, scope: &Scope) {
        let t = self.expr(cond, scope);
        if !matches!(t, Type::Bool(_) | Type::Any) {
            self.mismatch(
                format!("a condition must be a bool, not {t}"),
                cond.span,
                t.to_string(),
                Some("compare explicitly, e.g. x > 0, or reduce a bool tensor with any(...) or all(...)"),
            );
        }
    }

    fn int(&mut self, e: &Ir, scope: &Scope, what: &str) {
        let t = self.expr(e, scope);
        if !matches!(t, Type::Int(_) | Type::Any) {
            self.mismatch(format!("{what} must be an int, not {t}"), e.span, t.to_string(), None);
        }
    }

    /// Applies a primitive's type rule, reporting its error (the result is then unknown).
    fn rule(&mut self, prim: impl Into<Builtin>, args: &[Type], call: Span, spans: &[Span]) -> Type {
        let prim = prim.into();
        match prim.type_rule(args, self) {
            Ok(t) => {
                self.outer_broadcast(prim, args, spans);
                t
            }
            Err(e) => {
                self.report(e, call, spans);
                Type::Any
            }
        }
    }

    /// The type of an expression.
    fn expr(&mut self, ir: &Ir, scope: &Scope) -> Type {
        self.expr_flow(ir, scope).unwrap_or(Type::Any)
    }

    /// The type of an expression, or `None` when it always leaves early (a block ending in
    /// `return`, an `if` whose branches both do).
    fn expr_flow(&mut self, ir: &Ir, scope: &Scope) -> Option<Type> {
        use crate::ir::{STACK_RED_ZONE, STACK_SEGMENT};
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.expr_node(ir, scope))
    }

    /// [`Cx::expr_flow`] on a stack with room to spare.
    fn expr_node(&mut self, ir: &Ir, scope: &Scope) -> Option<Type> {
        Some(match &ir.kind {
            IrKind::Const(v) => Type::of_value(v),
            IrKind::Unresolved => Type::Any,
            IrKind::Float { value, .. } => Type::of_value(value),
            IrKind::Var(slot, _) => self.get(scope, *slot),
            IrKind::Tuple(items) => Type::Tuple(items.iter().map(|i| self.expr(i, scope)).collect()),
            IrKind::Prim { prim, args, dtype } => {
                let types: Vec<Type> = args.iter().map(|a| self.expr(a, scope)).collect();
                let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
                self.dtype = *dtype;
                if let (Builtin::Array(Prim::Shape(crate::prims::ShapeOp::Format)), [_, spec]) = (prim, &args[..]) {
                    self.format_spec(spec, &types[0]);
                }
                self.rule(*prim, &types, ir.span, &spans)
            }
            IrKind::Call { callee, args } => {
                let f = self.expr(callee, scope);
                let types: Vec<Type> = args.iter().map(|a| self.expr(a, scope)).collect();
                let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
                match self.call_fn(&f, &types, Some(ir.span)) {
                    Ok(t) => t,
                    Err(e) => {
                        self.report(e, ir.span, &spans);
                        Type::Any
                    }
                }
            }
            IrKind::Logic { op, lhs, rhs } => {
                let args = [self.expr(lhs, scope), self.expr(rhs, scope)];
                self.rule(Prim::Arith(*op), &args, ir.span, &[lhs.span, rhs.span])
            }
            IrKind::If { cond, then, otherwise } => {
                self.condition(cond, scope);
                let a = self.expr_flow(then, scope);
                let b = match otherwise {
                    Some(o) => self.expr_flow(o, scope),
                    None => Some(Type::unit()),
                };
                return match (a, b) {
                    (Some(a), Some(b)) => Some(a.join(&b)),
                    (a, b) => a.or(b),
                };
            }
            IrKind::Block(stmts) => return self.stmts(stmts, scope),
            IrKind::Lambda(code) => Type::Fn(FnType::Closure { code: code.clone(), env: scope.env.clone() }),
        })
    }

    /// Resolves a written type; a dimension named by an int constant is that constant.
    fn ann(&mut self, ann: &TypeAnn, scope: &Scope) -> Type {
        match &ann.kind {
            TypeAnnKind::Int => Type::Int(None),
            TypeAnnKind::Float(d) => Type::Float(*d),
            TypeAnnKind::Bool => Type::Bool(None),
            TypeAnnKind::Str => Type::Str,
            TypeAnnKind::Tensor { dtype, dims } => {
                let dims = dims
                    .iter()
                    .map(|d| match d {
                        DimAnn::Known(n, _) => usize::try_from(*n).map_or(Dim::Unknown, Dim::Known),
                        DimAnn::Unknown => Dim::Unknown,
                        DimAnn::Name(slot, name, span) => match self.get(scope, *slot) {
                            Type::Int(Some(n)) if n >= 0 => Dim::Known(n as usize),
                            Type::Int(_) | Type::Any => Dim::Unknown,
                            other => {
                                self.mismatch(
                                    format!("the dimension `{name}` must be an int, not {other}"),
                                    *span,
                                    other.to_string(),
                                    None,
                                );
                                Dim::Unknown
                            }
                        },
                    })
                    .collect();
                Type::tensor(Dtype::from(*dtype), dims)
            }
            TypeAnnKind::Tuple(items) => Type::Tuple(items.iter().map(|i| self.ann(i, scope)).collect()),
            TypeAnnKind::Fn { .. } => Type::Any,
        }
    }
}

impl TypeCx for Cx<'_> {
    fn dtype(&self) -> FloatDtype {
        self.dtype
    }

    fn call(&mut self, f: &Type, args: &[Type]) -> Result<Type, TypeError> {
        self.call_fn(f, args, None)
    }
}
