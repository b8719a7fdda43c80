//! The interpreter's side of compiled calls ([`crate::compile`]): a call of a script function,
//! or of `grad`/`value_and_grad` of one, is interpreted, traced, or replayed as the
//! [`Compiler`](crate::compile::Compiler) plans; while a call is traced, the interpreter tells
//! the recording what the call reads from outside itself and what it does that a program
//! cannot replay.

use super::Interp;
use crate::autodiff::Tape;
use crate::compile::{Compiled, Compiler, How, Plan, Policy, Program, Recording, Sig};
use crate::diag::Diag;
use crate::eval::profile::Mode;
use crate::prims::{Builtin, Construct, Diff, Host, Linalg, Prim};
use crate::span::Span;
use crate::value::Frame;
use crate::value::{Func, Value};
use std::rc::Rc;

impl Interp {
    /// Calls a script function, or `grad`/`value_and_grad` of one, compiled where it can be;
    /// `None` when `func` is not such a function (the caller then runs it itself).
    pub(super) fn call_compiled(
        &mut self,
        func: &Func,
        args: &mut Vec<Value>,
        span: Span,
    ) -> Option<Result<Value, Diag>> {
        if self.grad_depth > 0 && self.compiler.recording.is_none() {
            return None;
        }
        let (code, env, how) = Compiler::target(func)?;
        match self.compiler.plan(&code, env, &how, args) {
            Plan::Interpret => None,
            Plan::Replay(compiled, inputs) if self.compiler.policy == Policy::Check => {
                let replayed = self.replay(&compiled, inputs, code.span)?;
                Some(self.checked(func, replayed, args.clone(), span))
            }
            Plan::Replay(compiled, inputs) => self.replay(&compiled, inputs, code.span).map(Ok),
            Plan::Trace => {
                let (code, env) = (code.clone(), env.clone());
                Some(self.trace(func, &code, &env, &how, std::mem::take(args), span))
            }
        }
    }

    /// Runs `compiled` on `inputs`; `None` when the replay stops (the call is then interpreted).
    fn replay(&mut self, compiled: &Compiled, inputs: Vec<Value>, body: Span) -> Option<Value> {
        match self.profile.as_mut() {
            Some(profile) => {
                // The whole replay counts on the line of the definition, as compiled; one that
                // stops keeps its time there, but its call is the interpreter's to count.
                let before = std::mem::replace(&mut profile.mode, Mode::Compiled);
                let value = self.profiled(body, |i| compiled.program.run(inputs, &mut i.ctx));
                if let Some(profile) = self.profile.as_mut() {
                    profile.mode = before;
                    match value {
                        Some(_) => profile.add_flops(body.start, compiled.flops),
                        None => profile.uncount_compiled(body.start),
                    }
                }
                value
            }
            None => compiled.program.run(inputs, &mut self.ctx),
        }
    }

    /// Interprets a call on a compiling tape, stores the program it gives, and returns the
    /// call's result (under [`Policy::Always`], the program's, run at once on the same inputs).
    fn trace(
        &mut self,
        func: &Func,
        code: &Rc<crate::ir::FnCode>,
        env: &Rc<Frame>,
        how: &How,
        args: Vec<Value>,
        span: Span,
    ) -> Result<Value, Diag> {
        let tape = Tape::compiling(self.grad_depth + 1);
        let mut recording = Recording::new(tape.clone());
        let mut sigs = Vec::with_capacity(args.len());
        let mut traced_args = Vec::with_capacity(args.len());
        for arg in &args {
            match Sig::trace(arg, &tape, &mut recording.leaves) {
                Some((traced, sig)) => {
                    traced_args.push(traced);
                    sigs.push(sig);
                }
                None => {
                    recording.spoil();
                    traced_args.push(arg.clone());
                }
            }
        }
        self.compiler.recording = Some(recording);
        self.grad_depth += 1;
        let result = self.call_uncompiled(func, traced_args, span);
        self.grad_depth -= 1;
        let recording = self.compiler.recording.take().expect("the recording lasts as long as its call");
        tape.close();
        let result = result?;
        let compiled = match tape.spoiled() {
            true => None,
            false => Program::build(&tape, &recording.leaves, &result).ok().map(|program| {
                let outside = recording.outside.into_iter().map(|(o, _)| o).collect();
                Rc::new(Compiled { args: sigs, outside, program, flops: recording.flops })
            }),
        };
        self.compiler.store(code, env, how, compiled.clone());
        let result = untraced(result);
        match (self.compiler.policy, compiled) {
            (Policy::Always | Policy::Check, Some(compiled)) => {
                match compiled.inputs(&args).and_then(|inputs| self.replay(&compiled, inputs, code.span)) {
                    Some(replayed) => Ok(replayed),
                    None => Ok(result),
                }
            }
            _ => Ok(result),
        }
    }

    /// Under [`Policy::Check`]: `replayed`, after running the same call in the interpreter and
    /// finding the very same bits; an internal error naming the function otherwise.
    fn checked(&mut self, func: &Func, replayed: Value, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        let interpreted = self.call_uncompiled(func, args, span)?;
        if crate::compile::same_bits(&replayed, &interpreted) {
            return Ok(replayed);
        }
        let message = format!(
            "internal error: the compiled call gave {}, the interpreter {}",
            crate::value::text(&replayed),
            crate::value::text(&interpreted)
        );
        Err(Diag::new(crate::diag::Code::RuntimeValue, message, span, "this call")
            .with_help("please report it; TSCRIPT_COMPILE=off runs without compiling"))
    }

    /// While a call is traced: the value of slot `index` of `frame`, which holds `value`, as the
    /// traced call sees it (an input, when the frame is outside the call).
    pub(super) fn seen(&mut self, frame: &Rc<Frame>, index: usize, value: Value) -> Value {
        match &mut self.compiler.recording {
            Some(r) if r.is_outside(frame) => r.read_outside(frame, index, value),
            _ => value,
        }
    }

    /// While a call is traced: notes that it writes slot of `frame` (a write outside the call
    /// is an effect a program cannot replay).
    pub(super) fn writes(&mut self, frame: &Rc<Frame>) {
        if let Some(r) = &self.compiler.recording {
            if r.is_outside(frame) {
                r.spoil();
            }
        }
    }

    /// While a call is traced: notes the frame of a call it makes.
    pub(super) fn entered(&mut self, frame: &Rc<Frame>) {
        if let Some(r) = &mut self.compiler.recording {
            r.enter(frame);
        }
    }

    /// While a call is traced: notes a primitive it runs on `values`, which spoils the trace
    /// when the primitive has an effect or draws random numbers; the floating-point operations
    /// of an `@` written in the function are counted for `--profile`.
    pub(super) fn runs(&mut self, prim: Builtin, values: &[Value]) {
        if let Some(r) = &mut self.compiler.recording {
            if !replayable(prim) {
                r.spoil();
            }
            if let (Builtin::Array(Prim::Linalg(Linalg::MatMul)), [a, b]) = (prim, values) {
                if let (Value::Tensor(a), Value::Tensor(b)) = (a.primal(), b.primal()) {
                    r.flops += crate::eval::profile::matmul_flops(a.shape(), b.shape()).unwrap_or(0.0);
                }
            }
        }
    }
}

/// Whether a program may hold `builtin`: it computes and does nothing else. The random
/// constructors draw from the generator, and the host primitives but `grad` and friends print,
/// read, write, time or differentiate numerically.
fn replayable(builtin: Builtin) -> bool {
    match builtin {
        Builtin::Array(Prim::Construct(c)) => !matches!(
            c,
            Construct::Randn
                | Construct::Rand
                | Construct::Permutation
                | Construct::Shuffle
                | Construct::Randint
                | Construct::Choice
        ),
        Builtin::Array(
            Prim::Arith(_) | Prim::Unary(_) | Prim::Reduce(_) | Prim::Stats(_) | Prim::Shape(_) | Prim::Linalg(_),
        ) => true,
        Builtin::Host(Host::Diff(d)) => matches!(d, Diff::Grad | Diff::ValueAndGrad | Diff::Jacobian | Diff::Hessian),
        Builtin::Host(Host::Data(_) | Host::Sys(_)) => false,
    }
}

/// A value with the compiling tape's tracers replaced by their values (the tape is closed, so
/// they would be plain values to every later operation anyway; a tuple is rebuilt only if it
/// holds one).
fn untraced(v: Value) -> Value {
    match v {
        Value::Tracer(t) => untraced(t.primal.clone()),
        Value::Tuple(items) if items.iter().any(|i| matches!(i, Value::Tracer(_) | Value::Tuple(_))) => {
            Value::Tuple(items.iter().cloned().map(untraced).collect())
        }
        other => other,
    }
}
