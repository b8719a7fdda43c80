//! The tree-walking evaluator over [`Ir`]. Variables are frame slots; tensors are shared until
//! written; a compound assignment moves the variable's tensor out of its slot so that a uniquely
//! owned tensor is updated in place, and `W -= s * G` runs as one fused `W += (-s) G` pass.
//! The outermost running `for` loop is counted ([`super::progress`]): its bar, the step an
//! interrupt names, and the warning when a float scalar variable first becomes `inf` or `nan`.

use super::progress::{self, Progress, Step};
use crate::autodiff::apply;
use crate::blas::ThreadPolicy;
use crate::diag::{Code, Diag, SourceMap};
use crate::dtype::FloatDtype;
use crate::interrupt::INTERRUPTED;
use crate::ir::{FnCode, Guard, Ir, IrKind, Slot, Stmt, StmtKind, Target, STACK_RED_ZONE, STACK_SEGMENT};
use crate::prims::broadcast::add_scaled;
use crate::prims::shape::index_assign;
use crate::prims::{arity, Arith, Builtin, Ctx, Host, Linalg, OpError, Prim, ShapeOp};
use crate::span::Span;
use crate::value::{Frame, Func, Tensor, Value};
use rand::SeedableRng;

mod assign;
mod compiled;
use std::fmt::Display;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// The deepest call nesting allowed before a recursion error (the evaluator runs on a thread
/// whose stack is sized for it).
pub const MAX_CALL_DEPTH: usize = 2_000;

/// How evaluation leaves the normal path: an error, or `return`/`break`/`continue` on its way
/// to the function or loop that takes it.
pub enum Unwind {
    /// An error, as a diagnostic.
    Error(Box<Diag>),
    /// `return`, carrying the returned value.
    Return(Value),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
}

impl From<Diag> for Unwind {
    fn from(d: Diag) -> Unwind {
        Unwind::Error(Box::new(d))
    }
}

impl Unwind {
    /// The diagnostic, for an unwind that reached the top (lowering rejects a stray
    /// `return`/`break`/`continue`, so those do not get there).
    fn into_diag(self, span: Span) -> Diag {
        match self {
            Unwind::Error(d) => *d,
            Unwind::Return(_) | Unwind::Break | Unwind::Continue => {
                Diag::new(Code::RuntimeValue, "control flow left its function or loop", span, "here")
            }
        }
    }
}

/// The running program's state.
pub struct Interp {
    /// The top-level variables.
    pub globals: Rc<Frame>,
    /// The generator and default dtype that array primitives see.
    pub ctx: Ctx,
    /// Where `print` writes.
    pub out: Box<dyn Write>,
    /// The script's command-line arguments (`args()`).
    pub args: Rc<[Value]>,
    /// The thread-count policy (`--threads`, directives, `TSCRIPT_THREADS`).
    pub threads: ThreadPolicy,
    depth: usize,
    /// How many `grad` calls are running inside each other (the level of the next tape).
    pub grad_depth: u32,
    /// The figure that `figure()` opened and `show()` will draw, if any.
    pub figure: Option<crate::plot::Figure>,
    /// The outermost running `for` loop and its bar.
    progress: Progress,
    /// The step of the counted loop that an interrupt stopped.
    stopped_in: Option<Step>,
    /// The session's sources, for the line numbers and warnings reported while running.
    sources: SourceMap,
    /// Where warnings are printed (standard error unless the session says otherwise).
    pub warning_out: Box<dyn Write>,
    /// Whether a warning is an error that stops the run (`--deny-warnings`).
    pub deny_warnings: bool,
    /// The time per source line, while one is being taken (`--profile`, `:time`).
    pub profile: Option<Box<super::profile::Profile>>,
    /// The compiled functions, and the call being traced ([`crate::compile`]).
    pub compiler: crate::compile::Compiler,
}

/// The value of an empty block, a statement, or an `if` without `else` that did not run.
pub fn unit() -> Value {
    Value::Tuple(Rc::from(Vec::new()))
}

impl Interp {
    /// An interpreter that prints to `out`, with `args` as the script's arguments.
    pub fn new(out: Box<dyn Write>, args: Vec<String>, threads: ThreadPolicy) -> Interp {
        threads.initial();
        let progress = Progress::default();
        Interp {
            globals: Frame::new(0, None),
            ctx: Ctx {
                dtype: FloatDtype::F64,
                rng: rand_pcg::Pcg64::seed_from_u64(0),
                site: Span::default(),
                print: crate::value::PrintOptions::default(),
            },
            out: progress.output(out),
            args: args.into_iter().map(|a| Value::Str(Rc::from(a))).collect(),
            threads,
            depth: 0,
            grad_depth: 0,
            figure: None,
            progress,
            stopped_in: None,
            sources: SourceMap::default(),
            warning_out: Box::new(std::io::stderr()),
            deny_warnings: false,
            profile: None,
            compiler: crate::compile::Compiler::new(crate::compile::Policy::from_env()),
        }
    }

    /// Runs top-level statements; returns the value of the last one if it is an expression.
    /// `sources` holds their text, for the line an interrupt names and for warnings; the
    /// checker's `warnings` are shown first ([`Interp::warn`]).
    pub fn run(
        &mut self,
        stmts: &[Stmt],
        global_size: usize,
        sources: &SourceMap,
        warnings: Vec<Diag>,
    ) -> Result<Option<Value>, Diag> {
        self.sources.clone_from(sources);
        for warning in warnings {
            self.warn(warning)?;
        }
        let result = self.run_statements(stmts, global_size);
        result.map_err(|d| progress::place_interrupt(d, self.stopped_in.take(), &self.sources))
    }

    fn run_statements(&mut self, stmts: &[Stmt], global_size: usize) -> Result<Option<Value>, Diag> {
        self.stopped_in = None;
        {
            let mut slots = self.globals.slots.borrow_mut();
            if slots.len() < global_size {
                slots.resize(global_size, None);
            }
        }
        let globals = self.globals.clone();
        let mut last = None;
        for stmt in stmts {
            last = match self.exec(stmt, &globals) {
                Ok(v) if matches!(stmt.kind, StmtKind::Expr(_)) => Some(v),
                Ok(_) => None,
                Err(e) => {
                    let _ = self.out.flush();
                    return Err(e.into_diag(stmt.span));
                }
            };
        }
        let _ = self.out.flush();
        if let Some(end) = stmts.last() {
            check_interrupt(end.span)?;
        }
        Ok(last)
    }

    fn exec_block(&mut self, stmts: &[Stmt], frame: &Rc<Frame>) -> Result<Value, Unwind> {
        let mut value = unit();
        for (i, stmt) in stmts.iter().enumerate() {
            let v = self.exec(stmt, frame)?;
            if i + 1 == stmts.len() && matches!(stmt.kind, StmtKind::Expr(_)) {
                value = v;
            }
        }
        Ok(value)
    }

    /// Runs a loop body: `Ok(true)` to go on, `Ok(false)` after `break`.
    fn loop_body(&mut self, body: &[Stmt], frame: &Rc<Frame>) -> Result<bool, Unwind> {
        match self.exec_block(body, frame) {
            Ok(_) | Err(Unwind::Continue) => Ok(true),
            Err(Unwind::Break) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn exec(&mut self, stmt: &Stmt, frame: &Rc<Frame>) -> Result<Value, Unwind> {
        match self.profile.is_some() && !matches!(stmt.kind, StmtKind::Fn { .. }) {
            true => self.profiled(stmt.span, |i| i.exec_statement(stmt, frame)),
            false => self.exec_statement(stmt, frame),
        }
    }

    fn exec_statement(&mut self, stmt: &Stmt, frame: &Rc<Frame>) -> Result<Value, Unwind> {
        check_interrupt(stmt.span)?;
        match &stmt.kind {
            StmtKind::Let { target, value, guard, ty } => {
                let v = self.eval(value, frame)?;
                check_guard(guard, &v, value.span, ty.as_ref().map(|t| t.span), "its declared type")?;
                self.bind(target, v, frame, value.span)?;
            }
            StmtKind::Assign { slot, name, op, value, guard } => {
                self.assign(*slot, name, *op, value, guard, frame, stmt.span)?;
            }
            StmtKind::IndexAssign { slot, name, indices, op, value } => {
                let mut v = self.eval(value, frame)?;
                let mut index_values = Vec::with_capacity(indices.len());
                for i in indices {
                    index_values.push(self.eval(i, frame)?);
                }
                self.ctx.site = stmt.span;
                let spans = || [vec![stmt.span, value.span], indices.iter().map(|i| i.span).collect()].concat();
                let current = self.load(*slot, name, frame, stmt.span)?;
                if let Some(op) = op {
                    let part = apply(
                        Prim::Shape(ShapeOp::Index),
                        [vec![current.clone()], index_values.clone()].concat(),
                        &mut self.ctx,
                    );
                    v = part
                        .and_then(|p| apply(Prim::Arith(*op), vec![p, v], &mut self.ctx))
                        .map_err(|e| op_diag(e, stmt.span, &spans()))?;
                }
                let traced = matches!(current, Value::Tracer(_)) || matches!(v, Value::Tracer(_));
                if traced {
                    let args = [vec![current, v], index_values].concat();
                    let updated = apply(Prim::Shape(ShapeOp::IndexSet), args, &mut self.ctx)
                        .map_err(|e| op_diag(e, stmt.span, &spans()))?;
                    self.store(*slot, updated, frame);
                } else {
                    drop(current);
                    let target = Self::frame_at(frame, slot.depth);
                    let mut slots = target.slots.borrow_mut();
                    let bound = slots[slot.index as usize].as_mut().ok_or_else(|| uninit(name, stmt.span))?;
                    index_assign(bound, v, &index_values).map_err(|e| op_diag(e, stmt.span, &spans()))?;
                }
            }
            StmtKind::Fn { slot, code } => {
                let f = Value::Func(Rc::new(Func::Closure { code: code.clone(), env: frame.clone() }));
                self.store(*slot, f, frame);
            }
            StmtKind::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e, frame)?,
                    None => unit(),
                };
                return Err(Unwind::Return(v));
            }
            StmtKind::Break => return Err(Unwind::Break),
            StmtKind::Continue => return Err(Unwind::Continue),
            StmtKind::While { cond, body } => loop {
                check_interrupt(stmt.span)?;
                if !self.condition(cond, frame)? || !self.loop_body(body, frame)? {
                    break;
                }
            },
            StmtKind::For { slot, start, end, inclusive, body } => {
                let a = self.int(start, frame, "a `for` range bound")?;
                let b = self.int(end, frame, "a `for` range bound")?;
                let steps = (b as i128 - a as i128 + i128::from(*inclusive)).clamp(0, u64::MAX as i128) as u64;
                if self.progress.begin(steps) {
                    let result = self.for_steps(*slot, a, b, *inclusive, body, frame, stmt.span, true);
                    let place = self.progress.end();
                    if matches!(&result, Err(Unwind::Error(d)) if d.code == Code::RuntimeInterrupted) {
                        self.stopped_in = place;
                    }
                    result?;
                } else {
                    self.for_steps(*slot, a, b, *inclusive, body, frame, stmt.span, false)?;
                }
            }
            StmtKind::Threads { count, body } => {
                let n = match count {
                    None => crate::blas::cores(),
                    Some(e) => {
                        let n = self.int(e, frame, "a thread count")?;
                        if n < 1 {
                            return Err(Diag::new(
                                Code::RuntimeValue,
                                format!("`threads` needs a count of at least 1, not {n}"),
                                e.span,
                                "must be ≥ 1",
                            )
                            .with_help("use `threads auto` for all cores")
                            .into());
                        }
                        n as usize
                    }
                };
                let before = crate::blas::threads();
                self.threads.apply_directive(n);
                if let Some(body) = body {
                    let result = self.exec_block(body, frame);
                    self.threads.apply_directive(before);
                    result?;
                }
            }
            StmtKind::Precision(e) => {
                self.ctx.print.precision = match e {
                    None => None,
                    Some(e) => Some(self.precision(e, frame)?),
                };
            }
            StmtKind::Seed(e) => {
                let n = self.int(e, frame, "a seed")?;
                self.ctx.rng = rand_pcg::Pcg64::seed_from_u64(n as u64);
            }
            StmtKind::Expr(e) => return self.eval(e, frame),
        }
        Ok(unit())
    }

    /// The steps of `for SLOT in a..b` (`..=` when `inclusive`); `counted` when it is the loop
    /// [`Progress`] counts.
    #[allow(clippy::too_many_arguments)]
    fn for_steps(
        &mut self,
        slot: Slot,
        a: i64,
        b: i64,
        inclusive: bool,
        body: &[Stmt],
        frame: &Rc<Frame>,
        span: Span,
        counted: bool,
    ) -> Result<(), Unwind> {
        let mut i = a;
        while i < b || (inclusive && i == b) {
            check_interrupt(span)?;
            if counted {
                self.progress.step();
            }
            self.store(slot, Value::Int(i), frame);
            if !self.loop_body(body, frame)? || i == b {
                break;
            }
            i += 1;
        }
        Ok(())
    }

    fn frame_at(frame: &Rc<Frame>, depth: u32) -> &Rc<Frame> {
        let mut f = frame;
        for _ in 0..depth {
            f = f.parent.as_ref().expect("resolved depth is within the frame chain");
        }
        f
    }

    fn load(&mut self, slot: Slot, name: &str, frame: &Rc<Frame>, span: Span) -> Result<Value, Diag> {
        let f = Self::frame_at(frame, slot.depth);
        let v = f.slots.borrow()[slot.index as usize].clone();
        let v = v.ok_or_else(|| uninit(name, span))?;
        Ok(match self.compiler.recording.is_some() {
            true => self.seen(f, slot.index as usize, v),
            false => v,
        })
    }

    fn take(&mut self, slot: Slot, name: &str, frame: &Rc<Frame>, span: Span) -> Result<Value, Diag> {
        let f = Self::frame_at(frame, slot.depth);
        if self.compiler.recording.is_some() {
            self.writes(f);
        }
        let v = f.slots.borrow_mut()[slot.index as usize].take();
        v.ok_or_else(|| uninit(name, span))
    }

    fn store(&mut self, slot: Slot, v: Value, frame: &Rc<Frame>) {
        let f = Self::frame_at(frame, slot.depth);
        if self.compiler.recording.is_some() {
            self.writes(f);
        }
        f.slots.borrow_mut()[slot.index as usize] = Some(v);
    }

    fn condition(&mut self, cond: &Ir, frame: &Rc<Frame>) -> Result<bool, Unwind> {
        match self.eval(cond, frame)?.primal() {
            Value::Bool(b) => Ok(*b),
            other => Err(Diag::new(
                Code::TypeMismatch,
                format!("a condition must be a bool, not {}", other.type_name()),
                cond.span,
                other.type_name(),
            )
            .with_help("compare explicitly, e.g. x > 0, or reduce a bool tensor with any(...) or all(...)")
            .into()),
        }
    }

    fn int(&mut self, e: &Ir, frame: &Rc<Frame>, what: &str) -> Result<i64, Unwind> {
        match self.eval(e, frame)? {
            Value::Int(i) => Ok(i),
            other => Err(Diag::new(
                Code::TypeMismatch,
                format!("{what} must be an int, not {}", other.type_name()),
                e.span,
                other.type_name(),
            )
            .into()),
        }
    }

    /// The count of a `precision N` statement: 0 to [`crate::format::spec::MAX_WIDTH`] digits.
    fn precision(&mut self, e: &Ir, frame: &Rc<Frame>) -> Result<usize, Unwind> {
        let n = self.int(e, frame, "a precision")?;
        let max = crate::format::spec::MAX_WIDTH;
        usize::try_from(n).ok().filter(|&n| n <= max).ok_or_else(|| {
            Diag::new(
                Code::RuntimeValue,
                format!("`precision` needs 0 to {max} digits, not {n}"),
                e.span,
                "out of range",
            )
            .with_help("e.g. precision 4; `precision auto` prints the shortest text that reads back")
            .into()
        })
    }

    /// Evaluates an expression.
    fn eval(&mut self, ir: &Ir, frame: &Rc<Frame>) -> Result<Value, Unwind> {
        match &ir.kind {
            IrKind::Const(v) => Ok(v.clone()),
            IrKind::Unresolved => {
                Err(Diag::new(Code::NameUndefined, "this was not resolved before running", ir.span, "unresolved")
                    .into())
            }
            IrKind::Float { value, .. } => Ok(value.clone()),
            IrKind::Var(slot, name) => Ok(self.load(*slot, name, frame, ir.span)?),
            IrKind::Tuple(items) => {
                Ok(Value::Tuple(items.iter().map(|i| self.eval(i, frame)).collect::<Result<Vec<_>, _>>()?.into()))
            }
            IrKind::Prim { prim, args, dtype } => self.prim(*prim, args, *dtype, frame, ir.span),
            IrKind::Call { callee, args } => {
                let f = self.eval(callee, frame)?;
                let values = args.iter().map(|a| self.eval(a, frame)).collect::<Result<Vec<_>, _>>()?;
                Ok(self.call(&f, values, ir.span)?)
            }
            IrKind::Logic { op, lhs, rhs } => {
                let a = self.eval(lhs, frame)?;
                match (op, a.primal()) {
                    (Arith::And, Value::Bool(false)) => Ok(Value::Bool(false)),
                    (Arith::Or, Value::Bool(true)) => Ok(Value::Bool(true)),
                    _ => {
                        let b = self.eval(rhs, frame)?;
                        Ok(apply(Prim::Arith(*op), vec![a, b], &mut self.ctx)
                            .map_err(|e| op_diag(e, ir.span, &[lhs.span, rhs.span]))?)
                    }
                }
            }
            IrKind::If { cond, then, otherwise } => {
                if self.condition(cond, frame)? {
                    self.eval(then, frame)
                } else if let Some(o) = otherwise {
                    self.eval(o, frame)
                } else {
                    Ok(unit())
                }
            }
            IrKind::Block(stmts) => self.exec_block(stmts, frame),
            IrKind::Lambda(code) => Ok(Value::Func(Rc::new(Func::Closure { code: code.clone(), env: frame.clone() }))),
        }
    }

    fn prim(
        &mut self,
        prim: Builtin,
        args: &[Ir],
        dtype: FloatDtype,
        frame: &Rc<Frame>,
        span: Span,
    ) -> Result<Value, Unwind> {
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a, frame)?);
        }
        if let Builtin::Array(Prim::Arith(_)) = prim {
            adapt_literals(args, &mut values);
        }
        self.ctx.dtype = dtype;
        self.ctx.site = span;
        if self.compiler.recording.is_some() {
            self.runs(prim, &values);
        }
        if let (Builtin::Array(Prim::Linalg(Linalg::MatMul)), Some(profile), [a, b]) =
            (prim, &mut self.profile, &values[..])
        {
            profile.matmul(span.start, a, b);
        }
        let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
        let value = self.builtin(prim, values, span, &spans)?;
        check_interrupt(span)?;
        Ok(value)
    }

    /// Runs a built-in on `values`: the host primitives here, the array primitives through
    /// [`apply`] (which records them where an operand is traced). `spans` are the arguments',
    /// for the diagnostics.
    fn builtin(&mut self, builtin: Builtin, values: Vec<Value>, span: Span, spans: &[Span]) -> Result<Value, Diag> {
        match builtin {
            Builtin::Host(Host::Diff(op)) => self.diff(op, values, span, spans),
            Builtin::Host(Host::Data(op)) => self.data(op, values, span, spans),
            Builtin::Host(Host::Sys(op)) => self.sys(op, values, span, spans),
            Builtin::Array(prim) => apply(prim, values, &mut self.ctx).map_err(|e| op_diag(e, span, spans)),
        }
    }

    /// Calls a function value with arguments.
    pub fn call(&mut self, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        let Value::Func(func) = f.primal() else {
            return Err(Diag::new(
                Code::TypeMismatch,
                format!("{} is not a function", f.type_name()),
                span,
                "called like a function",
            ));
        };
        check_interrupt(span)?;
        let mut args = args;
        if let Some(result) = self.call_compiled(func, &mut args, span) {
            return result;
        }
        self.call_uncompiled(func, args, span)
    }

    /// Calls a function value with arguments, in the interpreter.
    fn call_uncompiled(&mut self, func: &Func, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        match func {
            Func::Closure { code, env } => self.call_closure(FnCode::of(&**code), env, args, span),
            Func::Builtin(prim) => {
                if self.compiler.recording.is_some() {
                    self.runs(*prim, &[]);
                }
                let args = prim.bind_positional(args, || Value::Absent).map_err(|e| op_diag(e, span, &[]))?;
                self.ctx.site = span;
                let spans = vec![span; args.len()];
                self.builtin(*prim, args, span, &spans)
            }
            Func::Grad { f, wrt, with_value } => self.call_grad(f, wrt, *with_value, args, span),
            Func::Jacobian { f } => self.call_jacobian(f, args, span),
        }
    }

    fn call_closure(&mut self, code: &FnCode, env: &Rc<Frame>, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        if args.len() != code.params {
            let name = code.name.as_deref().unwrap_or("this function");
            let error = op_diag(arity(name, code.params, args.len()), span, &[]);
            return Err(error.with_label(code.def.span, "defined here"));
        }
        if self.depth >= MAX_CALL_DEPTH {
            return Err(Diag::new(
                Code::RuntimeRecursion,
                format!("calls nested more than {MAX_CALL_DEPTH} deep"),
                span,
                "this call is too deep",
            )
            .with_help("does the recursion reach its base case?"));
        }
        for ((guard, arg), param) in code.param_guards.iter().zip(&args).zip(&code.def.params) {
            check_guard(
                guard,
                arg,
                span,
                param.ty.as_ref().map(|t| t.span),
                format_args!("parameter `{}`'s type", param.name.name),
            )?;
        }
        let frame = Frame::new(code.frame_size, Some(env.clone()));
        if self.compiler.recording.is_some() {
            self.entered(&frame);
        }
        {
            let mut slots = frame.slots.borrow_mut();
            for (slot, arg) in slots.iter_mut().zip(args) {
                *slot = Some(arg);
            }
        }
        self.depth += 1;
        // Calls inside calls get more stack as they need it, so deep recursion cannot overflow
        // whatever thread the session runs on (the check costs nanoseconds, once per call).
        let body = |i: &mut Interp| i.eval(&code.body, &frame);
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            match self.profile.is_some() && code.name.is_some() {
                true => self.profiled(code.span, body),
                false => body(self),
            }
        });
        self.depth -= 1;
        let result = match result {
            Ok(v) | Err(Unwind::Return(v)) => {
                let ret = code.ret.as_ref().map(|t| t.span);
                check_guard(&code.ret_guard, &v, code.body.span, ret, "its declared result type").map(|()| v)
            }
            Err(e) => Err(e.into_diag(span)),
        };
        frame.release();
        result
    }
}

impl Frame {
    /// Empties a finished call's frame when nothing outside it can reach it any more: when its
    /// only holders are closures defined in it and stored nowhere but its own slots. Those
    /// closures and the frame hold each other, a cycle of `Rc`s that would otherwise keep the
    /// frame, and every tensor in it, alive for good.
    fn release(self: Rc<Frame>) {
        let holders = Rc::strong_count(&self) - 1;
        if holders == 0 {
            return;
        }
        let own = self
            .slots
            .borrow()
            .iter()
            .filter(|v| match v {
                Some(Value::Func(f)) => {
                    Rc::strong_count(f) == 1 && matches!(&**f, Func::Closure { env, .. } if Rc::ptr_eq(env, &self))
                }
                _ => false,
            })
            .count();
        if own == holders {
            let taken = std::mem::take(&mut *self.slots.borrow_mut());
            drop(taken);
        }
    }
}

impl Drop for Interp {
    /// Top-level functions hold the top-level frame they are stored in; emptying it breaks
    /// that cycle when a session ends (a REPL's `:reset`).
    fn drop(&mut self) {
        let taken = std::mem::take(&mut *self.globals.slots.borrow_mut());
        drop(taken);
    }
}

/// Gives a float literal operand the precision of the tensor it meets (spec §3).
fn adapt_literals(args: &[Ir], values: &mut [Value]) {
    if values.len() != 2 {
        return;
    }
    for (lit, other) in [(0, 1), (1, 0)] {
        if let IrKind::Float { f64, f32, .. } = args[lit].kind {
            match values[other].primal() {
                Value::Tensor(Tensor::F64(_)) => values[lit] = Value::F64(f64),
                Value::Tensor(Tensor::F32(_)) => values[lit] = Value::F32(f32),
                _ => {}
            }
        }
    }
}

fn uninit(name: &str, span: Span) -> Diag {
    Diag::new(Code::RuntimeUninit, format!("`{name}` is used before its definition has run"), span, "not defined yet")
        .with_help(format!("move the definition of `{name}` above this line"))
}

/// Checks `v` against the type the checker could not prove here (spec §8: what it cannot know
/// is checked when the statement runs); `declared` points at the written type, if any.
fn check_guard(guard: &Guard, v: &Value, span: Span, declared: Option<Span>, what: impl Display) -> Result<(), Diag> {
    let expected = guard.get();
    let Some(t) = expected.as_ref().filter(|t| !t.holds(v)) else { return Ok(()) };
    let actual = v.type_name();
    let mut d = Diag::new(
        Code::TypeMismatch,
        format!("the value is {actual}, but {what} is {t}"),
        span,
        format!("this is {actual}"),
    )
    .with_help("the checker could not know this value's type before running, so it is checked here");
    if let Some(at) = declared {
        d = d.with_label(at, format!("declared {t}"));
    }
    Err(d)
}

/// Stops with an interrupt diagnostic if Ctrl-C was pressed.
pub fn check_interrupt(span: Span) -> Result<(), Diag> {
    if INTERRUPTED.load(Ordering::Relaxed) && INTERRUPTED.swap(false, Ordering::Relaxed) {
        return Err(Diag::new(Code::RuntimeInterrupted, "interrupted", span, "stopped here"));
    }
    Ok(())
}

/// Gives a primitive's error the span of the argument it is about (or of the whole call).
pub fn op_diag(e: OpError, call: Span, arg_spans: &[Span]) -> Diag {
    let span = e.arg.and_then(|i| arg_spans.get(i).copied()).unwrap_or(call);
    let mut d = Diag::new(e.code, e.message, span, e.label);
    if span != call {
        d = d.with_label(call, "");
    }
    if e.help.as_deref().is_some_and(|h| h.contains('{')) {
        d.operands = arg_spans.to_vec();
    }
    d.help = e.help;
    d
}
