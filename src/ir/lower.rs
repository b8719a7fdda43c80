//! Lowering: the syntax tree to [`Ir`], resolving every name to a frame slot once, before
//! anything runs. Reports every undefined name (with the nearest known one as help), misplaced
//! `break`/`continue`/`return`, and built-in calls whose arguments do not fit the table.

use super::{DimAnn, FnCode, Guard, Ir, IrKind, Slot, Stmt, StmtKind, Target, TypeAnn, TypeAnnKind};
use crate::diag::{nearest, Code, Diag};
use crate::dtype::FloatDtype;
use crate::prims::{Arith, Builtin, Linalg, Prim, ShapeOp, Unary};
use crate::span::Span;
use crate::syntax::ast::{self, AssignOp, BinOp, ExprKind, IndexArg, Pattern, UnaryOp};
use crate::syntax::imports::Imports;
use crate::value::{Func, Tensor, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

mod call;

/// The variables of one function being lowered: a stack of block scopes over one frame.
#[derive(Debug, Default, Clone)]
struct FnScope {
    blocks: Vec<Vec<(Arc<str>, u32)>>,
    size: u32,
}

impl FnScope {
    fn declare(&mut self, name: &Arc<str>) -> u32 {
        let index = self.size;
        self.size += 1;
        self.blocks.last_mut().expect("a block is open").push((name.clone(), index));
        index
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.blocks.iter().rev().flat_map(|b| b.iter().rev()).find(|(n, _)| &**n == name).map(|(_, i)| *i)
    }
}

/// What lowering a program produced.
pub struct Lowered {
    /// The resolved statements.
    pub stmts: Vec<Stmt>,
    /// How many top-level slots they use.
    pub global_size: usize,
    /// Every error found; the statements never run when there is one.
    pub errors: Vec<Diag>,
}

/// The top-level names an imported file defines, with their slots.
type Exports = Rc<[(Arc<str>, u32)]>;

/// The files lowered so far, by canonical path, and the names that `import ... as NAME` bound.
#[derive(Debug, Clone, Default)]
struct Modules {
    lowered: Vec<(PathBuf, Exports)>,
    aliases: Vec<(Arc<str>, Exports)>,
}

/// Lowers scripts and REPL entries; keeps the top-level scope, `dtype` and the imported files
/// between entries.
#[derive(Debug, Clone)]
pub struct Lowerer {
    global: FnScope,
    dtype: FloatDtype,
    modules: Modules,
}

impl Default for Lowerer {
    fn default() -> Lowerer {
        Lowerer {
            global: FnScope { blocks: vec![Vec::new()], size: 0 },
            dtype: FloatDtype::F64,
            modules: Modules::default(),
        }
    }
}

impl Lowerer {
    /// Lowers a program at top level, with every diagnostic found. What could not be resolved
    /// becomes [`IrKind::Unresolved`], so that the checker can still look at the rest. The
    /// top-level scope is kept only when there are no errors.
    /// `imports` holds the files its `import` statements name ([`Imports::resolve`]).
    pub fn lower(&mut self, program: &ast::Program, imports: &Imports) -> Lowered {
        let mut cx = Cx {
            scopes: vec![self.global.clone()],
            dtype: self.dtype,
            errors: Vec::new(),
            loops: 0,
            fns: 0,
            imports,
            modules: self.modules.clone(),
        };
        let stmts = cx.stmts(&program.stmts, false);
        let global = cx.scopes.pop().expect("global scope");
        let global_size = global.size as usize;
        if cx.errors.is_empty() {
            self.global = global;
            self.dtype = cx.dtype;
            self.modules = cx.modules;
        }
        Lowered { stmts, global_size, errors: cx.errors }
    }

    /// Forgets that the file at `path` (canonical) was imported, so that the next import runs
    /// it again (the REPL's `:load` after an edit).
    pub fn forget(&mut self, path: &Path) {
        self.modules.lowered.retain(|(p, _)| p != path);
    }

    /// The number of top-level variable slots declared so far.
    pub fn global_size(&self) -> usize {
        self.global.size as usize
    }

    /// Names visible at top level, each with its slot (latest declaration of a name only).
    pub fn globals(&self) -> Vec<(Arc<str>, u32)> {
        let mut out: Vec<(Arc<str>, u32)> = Vec::new();
        for (name, index) in self.global.blocks.iter().flatten().rev() {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), *index));
            }
        }
        out.reverse();
        out
    }
}

/// The state of one lowering pass.
struct Cx<'a> {
    scopes: Vec<FnScope>,
    dtype: FloatDtype,
    errors: Vec<Diag>,
    loops: u32,
    fns: u32,
    imports: &'a Imports,
    modules: Modules,
}

impl Cx<'_> {
    fn scope(&mut self) -> &mut FnScope {
        self.scopes.last_mut().expect("a function scope is open")
    }

    fn lookup(&self, name: &str) -> Option<Slot> {
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            if let Some(index) = scope.find(name) {
                return Some(Slot { depth: depth as u32, index });
            }
        }
        None
    }

    fn declare(&mut self, name: &Arc<str>) -> Slot {
        Slot { depth: 0, index: self.scope().declare(name) }
    }

    fn undefined(&mut self, ident: &ast::Ident) {
        let names: Vec<Arc<str>> =
            self.scopes.iter().flat_map(|s| s.blocks.iter().flatten().map(|(n, _)| n.clone())).collect();
        let mut known: Vec<&str> = names.iter().map(|n| &**n).collect();
        for builtin in Builtin::function_names() {
            known.push(builtin);
        }
        let mut diag =
            Diag::new(Code::NameUndefined, format!("`{}` is not defined", ident.name), ident.span, "not defined here");
        if let Some(near) = nearest(&ident.name, &known) {
            diag = diag.with_help(format!("did you mean '{near}'?"));
        }
        self.errors.push(diag);
    }

    /// Lowers a block's statements in a new block scope. `fn` declarations are hoisted: their
    /// names are visible from the start of the block, so functions may call each other.
    fn stmts(&mut self, stmts: &[ast::Stmt], new_scope: bool) -> Vec<Stmt> {
        if new_scope {
            self.scope().blocks.push(Vec::new());
        }
        let saved_dtype = self.dtype;
        let mut hoisted = Vec::new();
        for s in stmts {
            if let ast::StmtKind::Fn(def) = &s.kind {
                if let Some(name) = &def.name {
                    hoisted.push(self.declare(&name.name));
                }
            }
        }
        let mut hoisted = hoisted.into_iter();
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            match &s.kind {
                ast::StmtKind::Import { path_span, alias, .. } if !new_scope => {
                    out.extend(self.import(*path_span, alias.as_ref()));
                }
                _ => out.extend(self.stmt(s, &mut hoisted)),
            }
        }
        if new_scope {
            self.scope().blocks.pop();
            self.dtype = saved_dtype;
        }
        out
    }

    fn block(&mut self, block: &ast::Block) -> Vec<Stmt> {
        self.stmts(&block.stmts, true)
    }

    fn stmt(&mut self, s: &ast::Stmt, hoisted: &mut impl Iterator<Item = Slot>) -> Option<Stmt> {
        let kind = match &s.kind {
            ast::StmtKind::Let { pattern, ty, value } => {
                let value = self.expr(value);
                let ty = ty.as_ref().map(|t| self.type_ann(t));
                StmtKind::Let { target: self.pattern(pattern), ty, value, guard: Guard::default() }
            }
            ast::StmtKind::Assign { target, op, value } => {
                let value = self.expr(value);
                let slot = self.assignable(target)?;
                StmtKind::Assign {
                    slot,
                    name: target.name.clone(),
                    op: op.map(compound),
                    value,
                    guard: Guard::default(),
                }
            }
            ast::StmtKind::IndexAssign { target, indices, op, value } => {
                let value = self.expr(value);
                let indices = indices.iter().map(|i| self.index_arg(i)).collect();
                let slot = self.assignable(target)?;
                StmtKind::IndexAssign { slot, name: target.name.clone(), indices, op: op.map(compound), value }
            }
            ast::StmtKind::Fn(def) => {
                let slot = hoisted.next().expect("every named fn was hoisted");
                StmtKind::Fn { slot, code: self.function(def) }
            }
            ast::StmtKind::Return(value) => {
                if self.fns == 0 {
                    self.errors.push(Diag::new(Code::Parse, "`return` outside a function", s.span, "not inside a fn"));
                }
                StmtKind::Return(value.as_ref().map(|v| self.expr(v)))
            }
            ast::StmtKind::Break | ast::StmtKind::Continue => {
                if self.loops == 0 {
                    let word = if matches!(s.kind, ast::StmtKind::Break) { "break" } else { "continue" };
                    self.errors.push(Diag::new(
                        Code::Parse,
                        format!("`{word}` outside a loop"),
                        s.span,
                        "not inside a loop",
                    ));
                }
                if matches!(s.kind, ast::StmtKind::Break) {
                    StmtKind::Break
                } else {
                    StmtKind::Continue
                }
            }
            ast::StmtKind::While { cond, body } => {
                let cond = self.expr(cond);
                self.loops += 1;
                let body = self.block(body);
                self.loops -= 1;
                StmtKind::While { cond, body }
            }
            ast::StmtKind::For { var, start, end, inclusive, body } => {
                let (start, end) = (self.expr(start), self.expr(end));
                self.scope().blocks.push(Vec::new());
                let slot = self.declare(&var.name);
                self.loops += 1;
                let body = self.block(body);
                self.loops -= 1;
                self.scope().blocks.pop();
                StmtKind::For { slot, start, end, inclusive: *inclusive, body }
            }
            ast::StmtKind::Threads { count, body } => {
                let count = match count {
                    ast::ThreadCount::Auto(_) => None,
                    ast::ThreadCount::Count(e) => Some(self.expr(e)),
                };
                StmtKind::Threads { count, body: body.as_ref().map(|b| self.block(b)) }
            }
            ast::StmtKind::Seed(e) => StmtKind::Seed(self.expr(e)),
            ast::StmtKind::Precision(e) => StmtKind::Precision(e.as_ref().map(|e| self.expr(e))),
            ast::StmtKind::Dtype(d) => {
                self.dtype = *d;
                return None;
            }
            ast::StmtKind::Expr(e) => StmtKind::Expr(self.expr(e)),
            ast::StmtKind::Import { .. } => {
                self.errors.push(
                    Diag::new(Code::Parse, "`import` inside a block", s.span, "not at the top level of a file")
                        .with_help("import at the top of the file; what it defines is visible everywhere after"),
                );
                return None;
            }
        };
        Some(Stmt { kind, span: s.span })
    }

    /// An `import` at the top level: the file's statements, lowered here with a top-level scope
    /// of their own the first time the file is imported (none after), and its top-level names
    /// bound in this file's scope, or under `alias` (`alias.name`).
    fn import(&mut self, path_span: Span, alias: Option<&ast::Ident>) -> Vec<Stmt> {
        // A file that could not be found or parsed has its diagnostic already.
        let Some(file) = self.imports.file(path_span).cloned() else { return Vec::new() };
        let mut stmts = Vec::new();
        let known = self.modules.lowered.iter().find(|(p, _)| *p == file.path).map(|(_, e)| e.clone());
        let exports = match known {
            Some(exports) => exports,
            None => {
                let outer = std::mem::replace(&mut self.scope().blocks, vec![Vec::new()]);
                let outer_aliases = std::mem::take(&mut self.modules.aliases);
                let outer_dtype = std::mem::replace(&mut self.dtype, FloatDtype::F64);
                stmts = self.stmts(&file.program.stmts, false);
                let inner = std::mem::replace(&mut self.scope().blocks, outer);
                self.modules.aliases = outer_aliases;
                self.dtype = outer_dtype;
                let scope = FnScope { blocks: inner, size: 0 };
                let mut names: Vec<(Arc<str>, u32)> = Vec::new();
                for (name, _) in scope.blocks.iter().flatten() {
                    if !names.iter().any(|(n, _)| n == name) {
                        names.push((name.clone(), scope.find(name).expect("declared")));
                    }
                }
                let exports: Exports = names.into();
                self.modules.lowered.push((file.path.clone(), exports.clone()));
                exports
            }
        };
        match alias {
            Some(alias) => self.modules.aliases.push((alias.name.clone(), exports)),
            None => self.scope().blocks.last_mut().expect("a block is open").extend(exports.iter().cloned()),
        }
        stmts
    }

    /// `alias.name` for a file imported `as alias`: the slot of its top-level `name`.
    fn imported(&mut self, target: &ast::Expr, field: &ast::Ident) -> Option<IrKind> {
        let ExprKind::Name(alias) = &target.kind else { return None };
        if self.lookup(&alias.name).is_some() {
            return None;
        }
        let (_, exports) = self.modules.aliases.iter().rev().find(|(a, _)| *a == alias.name)?;
        let depth = self.scopes.len() as u32 - 1;
        match exports.iter().find(|(n, _)| *n == field.name) {
            Some((name, index)) => {
                Some(IrKind::Var(Slot { depth, index: *index }, format!("{}.{name}", alias.name).into()))
            }
            None => {
                let known: Vec<&str> = exports.iter().map(|(n, _)| &**n).collect();
                let mut diag = Diag::new(
                    Code::NameUndefined,
                    format!("`{}` has no `{}`", alias.name, field.name),
                    field.span,
                    "not defined in the imported file",
                );
                if let Some(near) = nearest(&field.name, &known) {
                    diag = diag.with_help(format!("did you mean '{}.{near}'?", alias.name));
                }
                self.errors.push(diag);
                Some(IrKind::Unresolved)
            }
        }
    }

    fn assignable(&mut self, target: &ast::Ident) -> Option<Slot> {
        match self.lookup(&target.name) {
            Some(slot) => Some(slot),
            None => {
                self.errors.push(
                    Diag::new(
                        Code::NameUndefined,
                        format!("`{}` is not declared", target.name),
                        target.span,
                        "assigned before any `let`",
                    )
                    .with_help(format!("declare it first: let {} = ...", target.name)),
                );
                None
            }
        }
    }

    fn pattern(&mut self, p: &Pattern) -> Target {
        match p {
            Pattern::Name(ident) => Target::Slot(self.declare(&ident.name), ident.name.clone()),
            Pattern::Tuple(items, span) => Target::Tuple(items.iter().map(|i| self.pattern(i)).collect(), *span),
        }
    }

    fn function(&mut self, def: &Arc<ast::FnDef>) -> Rc<FnCode> {
        let mut scope = FnScope { blocks: vec![Vec::new()], size: 0 };
        for p in &def.params {
            scope.declare(&p.name.name);
        }
        self.scopes.push(scope);
        let (loops, dtype) = (self.loops, self.dtype);
        self.loops = 0;
        self.fns += 1;
        let param_types = def.params.iter().map(|p| p.ty.as_ref().map(|t| self.type_ann(t))).collect();
        let ret = def.ret.as_ref().map(|t| self.type_ann(t));
        let body = self.expr(&def.body);
        self.fns -= 1;
        self.loops = loops;
        self.dtype = dtype;
        let scope = self.scopes.pop().expect("pushed above");
        Rc::new(FnCode {
            name: def.name.as_ref().map(|n| n.name.clone()),
            params: def.params.len(),
            frame_size: scope.size as usize,
            body,
            span: def.span,
            def: def.clone(),
            param_guards: def.params.iter().map(|_| Guard::default()).collect(),
            param_types,
            ret,
            ret_guard: Guard::default(),
        })
    }

    /// Resolves the names in a written type's dimensions.
    fn type_ann(&mut self, t: &ast::TypeExpr) -> TypeAnn {
        use ast::{DimExpr, TypeExprKind as K};
        let kind = match &t.kind {
            K::Int => TypeAnnKind::Int,
            K::Float(d) => TypeAnnKind::Float(*d),
            K::Bool => TypeAnnKind::Bool,
            K::Str => TypeAnnKind::Str,
            K::Tensor { dtype, dims } => {
                let dims = dims
                    .iter()
                    .map(|d| match d {
                        DimExpr::Known(n, span) => DimAnn::Known(*n, *span),
                        DimExpr::Unknown(_) => DimAnn::Unknown,
                        DimExpr::Name(ident) => match self.lookup(&ident.name) {
                            Some(slot) => DimAnn::Name(slot, ident.name.clone(), ident.span),
                            None => {
                                self.undefined(ident);
                                DimAnn::Unknown
                            }
                        },
                    })
                    .collect();
                TypeAnnKind::Tensor { dtype: *dtype, dims }
            }
            K::Tuple(items) => TypeAnnKind::Tuple(items.iter().map(|i| self.type_ann(i)).collect()),
            K::Fn { params, ret } => TypeAnnKind::Fn {
                params: params.iter().map(|p| self.type_ann(p)).collect(),
                ret: Box::new(self.type_ann(ret)),
            },
        };
        TypeAnn { kind, span: t.span }
    }

    fn expr(&mut self, e: &ast::Expr) -> Ir {
        let span = e.span;
        let kind = match &e.kind {
            ExprKind::Int(i) => IrKind::Const(Value::Int(*i)),
            ExprKind::Float { f64, f32 } => {
                let value = match self.dtype {
                    FloatDtype::F64 => Value::F64(*f64),
                    FloatDtype::F32 => Value::F32(*f32),
                };
                IrKind::Float { value, f64: *f64, f32: *f32 }
            }
            ExprKind::Bool(b) => IrKind::Const(Value::Bool(*b)),
            ExprKind::Str(s) => IrKind::Const(Value::Str(Rc::from(&**s))),
            ExprKind::FString(parts) => self.fstring(parts, span),
            ExprKind::Name(ident) => match self.lookup(&ident.name) {
                Some(slot) => IrKind::Var(slot, ident.name.clone()),
                None => match Builtin::by_name(&ident.name) {
                    Some(prim) => IrKind::Const(Value::Func(Rc::new(Func::Builtin(prim)))),
                    None => {
                        self.undefined(ident);
                        IrKind::Unresolved
                    }
                },
            },
            ExprKind::Tensor(items) => {
                let items = items.iter().map(|i| self.expr(i)).collect();
                self.prim(Prim::Shape(ShapeOp::Literal), items)
            }
            ExprKind::Numbers(numbers) => {
                let shape = ndarray::IxDyn(&numbers.shape);
                let tensor = match (&numbers.ints, self.dtype) {
                    (Some(ints), _) => ndarray::ArcArray::from_shape_vec(shape, ints.clone()).map(Tensor::I64),
                    (None, FloatDtype::F64) => {
                        ndarray::ArcArray::from_shape_vec(shape, numbers.f64.clone()).map(Tensor::F64)
                    }
                    (None, FloatDtype::F32) => {
                        ndarray::ArcArray::from_shape_vec(shape, numbers.f32.clone()).map(Tensor::F32)
                    }
                };
                IrKind::Const(Value::Tensor(tensor.expect("a literal's numbers fill its shape")))
            }
            ExprKind::Tuple(items) => IrKind::Tuple(items.iter().map(|i| self.expr(i)).collect()),
            ExprKind::Unary { op, operand } => {
                let x = self.expr(operand);
                let op = match op {
                    UnaryOp::Neg => Unary::Neg,
                    UnaryOp::Not => Unary::Not,
                };
                self.prim(Prim::Unary(op), vec![x])
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.expr(lhs), self.expr(rhs));
                match binary(*op) {
                    Binary::Logic(op) => IrKind::Logic { op, lhs: Box::new(a), rhs: Box::new(b) },
                    Binary::Prim(prim) => self.prim(prim, vec![a, b]),
                }
            }
            ExprKind::Call { callee, args } => self.call(callee, args, span),
            ExprKind::Index { target, indices } => {
                let mut args = vec![self.expr(target)];
                args.extend(indices.iter().map(|i| self.index_arg(i)));
                self.prim(Prim::Shape(ShapeOp::Index), args)
            }
            ExprKind::Field { target, field } => {
                if let Some(kind) = self.imported(target, field) {
                    return Ir { kind, span };
                }
                let x = self.expr(target);
                match &*field.name {
                    "T" => self.prim(Prim::Shape(ShapeOp::Transpose), vec![x]),
                    "shape" => self.prim(Prim::Shape(ShapeOp::Shape), vec![x]),
                    other => {
                        self.errors.push(
                            Diag::new(
                                Code::NameUndefined,
                                format!("there is no field `.{other}`"),
                                field.span,
                                "unknown field",
                            )
                            .with_help("tensors have .T and .shape"),
                        );
                        IrKind::Unresolved
                    }
                }
            }
            ExprKind::If { cond, then, otherwise } => IrKind::If {
                cond: Box::new(self.expr(cond)),
                then: Box::new(Ir { kind: IrKind::Block(self.block(then)), span: then.span }),
                otherwise: otherwise.as_ref().map(|o| Box::new(self.expr(o))),
            },
            ExprKind::Block(block) => IrKind::Block(self.block(block)),
            ExprKind::Lambda(def) => IrKind::Lambda(self.function(def)),
        };
        Ir { kind, span }
    }

    /// An f-string: each field becomes `format(value, spec)` (of `repr(value)` or `str(value)`
    /// for `!r` and `!s`), and the pieces are joined with `+`, as a balanced tree so that a long
    /// f-string makes a shallow expression.
    fn fstring(&mut self, parts: &[ast::FPart], span: Span) -> IrKind {
        let text = |s: &str, span: Span| Ir { kind: IrKind::Const(Value::Str(Rc::from(s))), span };
        let mut pieces = Vec::with_capacity(parts.len());
        for part in parts {
            pieces.push(match part {
                ast::FPart::Text(s) => text(s, span),
                ast::FPart::Field { value, conversion, spec, span: field } => {
                    let mut x = self.expr(value);
                    if let Some(repr) = conversion {
                        let op = if *repr { ShapeOp::Repr } else { ShapeOp::Str };
                        x = Ir { kind: self.prim(Prim::Shape(op), vec![x]), span: value.span };
                    }
                    let spec = match spec {
                        Some((s, at)) => text(s, *at),
                        None => Ir { kind: IrKind::Const(Value::Absent), span: *field },
                    };
                    Ir { kind: self.prim(Prim::Shape(ShapeOp::Format), vec![x, spec]), span: *field }
                }
            });
        }
        fn join(cx: &Cx, mut pieces: Vec<Ir>) -> Ir {
            if pieces.len() == 1 {
                return pieces.pop().expect("one piece");
            }
            let right = pieces.split_off(pieces.len() / 2);
            let (a, b) = (join(cx, pieces), join(cx, right));
            let span = a.span.to(b.span);
            Ir { kind: cx.prim(Prim::Arith(Arith::Add), vec![a, b]), span }
        }
        match pieces.is_empty() {
            true => IrKind::Const(Value::Str(Rc::from(""))),
            false => join(self, pieces).kind,
        }
    }

    fn prim(&self, prim: impl Into<Builtin>, args: Vec<Ir>) -> IrKind {
        IrKind::Prim { prim: prim.into(), args, dtype: self.dtype }
    }

    fn index_arg(&mut self, arg: &IndexArg) -> Ir {
        match arg {
            IndexArg::Single(e) => self.expr(e),
            IndexArg::Slice { start, stop, step, span } => {
                let mut part = |p: &Option<ast::Expr>| match p {
                    Some(e) => self.expr(e),
                    None => Ir { kind: IrKind::Const(Value::Absent), span: *span },
                };
                let parts = vec![part(start), part(stop), part(step)];
                Ir { kind: IrKind::Tuple(parts), span: *span }
            }
        }
    }
}

/// What a binary operator lowers to.
enum Binary {
    /// A primitive applied to both operands.
    Prim(Prim),
    /// `and` / `or`, whose right operand is evaluated only when needed ([`IrKind::Logic`]).
    Logic(Arith),
}

/// The lowering of each binary operator.
fn binary(op: BinOp) -> Binary {
    let arith = |a| Binary::Prim(Prim::Arith(a));
    match op {
        BinOp::Pow => arith(Arith::Pow),
        BinOp::MatMul => Binary::Prim(Prim::Linalg(Linalg::MatMul)),
        BinOp::Mul => arith(Arith::Mul),
        BinOp::Div => arith(Arith::Div),
        BinOp::FloorDiv => arith(Arith::FloorDiv),
        BinOp::Rem => arith(Arith::Rem),
        BinOp::Add => arith(Arith::Add),
        BinOp::Sub => arith(Arith::Sub),
        BinOp::Eq => arith(Arith::Eq),
        BinOp::Ne => arith(Arith::Ne),
        BinOp::Lt => arith(Arith::Lt),
        BinOp::Le => arith(Arith::Le),
        BinOp::Gt => arith(Arith::Gt),
        BinOp::Ge => arith(Arith::Ge),
        BinOp::And => Binary::Logic(Arith::And),
        BinOp::Or => Binary::Logic(Arith::Or),
    }
}

/// The primitive of a compound assignment's operator (`x += v` applies `Add`).
fn compound(op: AssignOp) -> Arith {
    match op {
        AssignOp::Add => Arith::Add,
        AssignOp::Sub => Arith::Sub,
        AssignOp::Mul => Arith::Mul,
        AssignOp::Div => Arith::Div,
    }
}
