//! The built-ins that the interpreter runs itself: differentiation (which calls functions),
//! data files, and the system built-ins (`print`, `assert`, `clock`, `args`, `nthreads`, and the
//! plots of `crate::plot`).

use super::interp::{op_diag, Interp};
use crate::autodiff::{apply, backward, differentiable, Tape};
use crate::diag::{Code, Diag};
use crate::plot::Call;
use crate::prims::{Data, Diff, Prim, ShapeOp, Sys};
use crate::span::Span;
use crate::value::{text, text_with, Func, Tensor, Value, Wrt};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

impl Interp {
    /// Runs a system built-in.
    pub fn sys(&mut self, op: Sys, args: Vec<Value>, span: Span, spans: &[Span]) -> Result<Value, Diag> {
        match op {
            Sys::Print => {
                // `sep` and `end` come first in the table's canonical order, then the values.
                let setting = |v: &Value, default: &str| match v.primal() {
                    Value::Str(s) => s.to_string(),
                    _ => default.to_string(),
                };
                let (sep, end) = (setting(&args[0], " "), setting(&args[1], "\n"));
                let line: Vec<String> = args[2..].iter().map(|v| text_with(v, self.ctx.print)).collect();
                write!(self.out, "{}{end}", line.join(&sep))
                    .map_err(|e| Diag::new(Code::Io, format!("cannot write output: {e}"), span, "while printing"))?;
                Ok(super::interp::unit())
            }
            Sys::Assert => match (args[0].primal(), args.get(1)) {
                (Value::Bool(true), _) => Ok(super::interp::unit()),
                (Value::Bool(false), message) => {
                    let message = match message {
                        Some(Value::Absent) | None => "assertion failed".to_string(),
                        Some(m) => format!("assertion failed: {}", text(m)),
                    };
                    Err(Diag::new(Code::Assert, message, spans[0], "this is false"))
                }
                (other, _) => Err(Diag::new(
                    Code::TypeMismatch,
                    format!("`assert` needs a bool, not {}", other.type_name()),
                    spans[0],
                    other.type_name(),
                )
                .with_help("reduce a bool tensor with all(...)")),
            },
            Sys::Clock => {
                static START: OnceLock<Instant> = OnceLock::new();
                Ok(Value::F64(START.get_or_init(Instant::now).elapsed().as_secs_f64()))
            }
            Sys::Args => Ok(Value::Tuple(self.args.clone())),
            Sys::NThreads => Ok(Value::Int(crate::blas::threads() as i64)),
            Sys::Plot => self.plot(Call::Plot, &args, span, spans),
            Sys::Scatter => self.plot(Call::Scatter, &args, span, spans),
            Sys::Hist => self.plot(Call::Hist, &args, span, spans),
            Sys::Imshow => self.plot(Call::Imshow, &args, span, spans),
            Sys::Figure => self.plot(Call::Figure, &args, span, spans),
            Sys::Show => self.plot(Call::Show, &args, span, spans),
        }
    }

    /// Runs a plotting built-in (`crate::plot`): terminal charts go to the script's output.
    fn plot(&mut self, call: Call, args: &[Value], span: Span, spans: &[Span]) -> Result<Value, Diag> {
        crate::plot::run(&mut self.figure, &mut *self.out, call, args, span, spans)?;
        Ok(super::interp::unit())
    }

    /// Runs a data built-in (`crate::data`); paths are relative to the working directory.
    pub fn data(&mut self, op: Data, args: Vec<Value>, span: Span, spans: &[Span]) -> Result<Value, Diag> {
        let path = match args[0].primal() {
            Value::Str(p) => std::path::PathBuf::from(&**p),
            other => {
                return Err(Diag::new(
                    Code::TypeMismatch,
                    format!("`{}` takes a path as a str, not {}", op.info().name, other.type_name()),
                    spans[0],
                    other.type_name(),
                ))
            }
        };
        let done = match op {
            Data::Load => crate::data::load_npy(&path),
            Data::Save => crate::data::save_npy(&path, &args[1]).map(|()| super::interp::unit()),
            Data::LoadCsv => match args[1].primal() {
                Value::Absent => crate::data::load_csv(&path, false, self.ctx.dtype),
                Value::Bool(header) => crate::data::load_csv(&path, *header, self.ctx.dtype),
                other => {
                    return Err(Diag::new(
                        Code::TypeMismatch,
                        format!("`header` must be true or false, not {}", other.type_name()),
                        spans[1],
                        other.type_name(),
                    ))
                }
            },
            Data::SaveCsv => crate::data::save_csv(&path, &args[1]).map(|()| super::interp::unit()),
        };
        done.map_err(|e| op_diag(e, span, spans))
    }

    /// Runs a differentiation built-in.
    pub fn diff(&mut self, op: Diff, args: Vec<Value>, span: Span, spans: &[Span]) -> Result<Value, Diag> {
        let f = args[0].clone();
        if !matches!(f.primal(), Value::Func(_)) {
            return Err(Diag::new(
                Code::TypeMismatch,
                format!("`{}` takes a function, not {}", op.info().name, f.type_name()),
                spans[0],
                f.type_name(),
            ));
        }
        let wrap = |func: Func| Ok(Value::Func(Rc::new(func)));
        match op {
            Diff::Grad | Diff::ValueAndGrad => {
                let wrt = match &args[1] {
                    Value::Absent => Wrt::One(0),
                    Value::Int(i) if *i >= 0 => Wrt::One(*i as usize),
                    Value::Tuple(items)
                        if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Int(i) if *i >= 0)) =>
                    {
                        Wrt::Many(items.iter().map(|v| if let Value::Int(i) = v { *i as usize } else { 0 }).collect())
                    }
                    other => {
                        return Err(Diag::new(
                            Code::TypeMismatch,
                            "the argument positions must be an int or a tuple of ints ≥ 0",
                            spans[1],
                            other.type_name(),
                        )
                        .with_help("e.g. grad(f, 1) or grad(f, (0, 1))"))
                    }
                };
                wrap(Func::Grad { f, wrt, with_value: op == Diff::ValueAndGrad })
            }
            Diff::Hessian => wrap(Func::Hessian { f }),
            Diff::NumGrad => {
                let eps = match &args[2] {
                    Value::Absent => 1e-6,
                    v => match crate::prims::arith::scalar_f64(v.primal()) {
                        Some(e) if e > 0.0 && e.is_finite() => e,
                        _ => {
                            return Err(Diag::new(
                                Code::TypeMismatch,
                                "`eps` must be a positive number",
                                spans[2],
                                v.type_name(),
                            ))
                        }
                    },
                };
                self.numgrad(&f, args[1].clone(), eps, span, spans[1])
            }
            Diff::GradCheck => {
                let g = self.call_grad(&f, &Wrt::One(0), false, vec![args[1].clone()], span)?;
                let n = self.numgrad(&f, args[1].clone(), 1e-6, span, spans[1])?;
                let (g, n) = (floats(&g), floats(&n));
                let worst = g.iter().zip(&n).fold(0.0f64, |worst, (&g, &n)| {
                    let rel = (g - n).abs() / 1f64.max(g.abs()).max(n.abs());
                    if rel.is_nan() || worst.is_nan() {
                        f64::NAN
                    } else {
                        worst.max(rel)
                    }
                });
                Ok(Value::F64(worst))
            }
        }
    }

    /// Calls `grad(f, wrt)` or `value_and_grad(f, wrt)` on `args`: one forward pass that records
    /// on a fresh tape, one reverse sweep.
    pub fn call_grad(
        &mut self,
        f: &Value,
        wrt: &Wrt,
        with_value: bool,
        mut args: Vec<Value>,
        span: Span,
    ) -> Result<Value, Diag> {
        let tape = Tape::new(self.grad_depth + 1);
        let mut leaves = Vec::new();
        for &i in wrt.positions() {
            let Some(arg) = args.get(i) else {
                return Err(Diag::new(
                    Code::TypeArity,
                    format!("the gradient is taken with respect to argument {i}, but the call has {}", args.len()),
                    span,
                    "too few arguments",
                ));
            };
            if !differentiable(arg) {
                return Err(Diag::new(
                    Code::TypeGrad,
                    format!(
                        "cannot differentiate with respect to argument {i}: it is {}, not a float",
                        arg.type_name()
                    ),
                    span,
                    arg.type_name(),
                )
                .with_help("pass a float, e.g. 2.0 rather than 2"));
            }
            let leaf = tape.leaf(arg.clone());
            args[i] = leaf.clone();
            leaves.push(leaf);
        }
        let out = self.traced_call(&tape, f, args, span)?;
        let grads = backward(&tape, &out, &leaves, span, &mut self.ctx)?;
        let value = match &out {
            Value::Tracer(t) if Rc::ptr_eq(&t.tape, &tape) => t.primal.clone(),
            other => other.clone(),
        };
        let grad = match wrt {
            Wrt::One(_) => grads.into_iter().next().unwrap_or(Value::F64(0.0)),
            Wrt::Many(_) => Value::Tuple(grads.into()),
        };
        Ok(if with_value { Value::Tuple(vec![value, grad].into()) } else { grad })
    }

    /// Calls `f` with arguments recorded on `tape` (one `grad` level deeper), checking that it
    /// returns a float scalar; the tape is closed if it does not.
    fn traced_call(&mut self, tape: &Tape, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        self.grad_depth += 1;
        let out = self.call(f, args, span);
        self.grad_depth -= 1;
        let out = out.inspect_err(|_| tape.close())?;
        if !matches!(out.primal(), Value::F64(_) | Value::F32(_)) {
            tape.close();
            return Err(Diag::new(
                Code::TypeGrad,
                format!("`grad` needs a function that returns a float scalar, but it returned {}", out.type_name()),
                span,
                out.type_name(),
            )
            .with_help("reduce the result first, e.g. sum(...) or mean(...)"));
        }
        Ok(out)
    }

    /// `hessian(f)(x)`: row `i` is the gradient of `grad(f)(x)[i]`, each by one reverse sweep
    /// over the recorded reverse sweep of `grad(f)`.
    pub fn call_hessian(&mut self, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        let [x] = <[Value; 1]>::try_from(args).map_err(|a| {
            Diag::new(
                Code::TypeArity,
                format!("a hessian takes 1 argument, but {} were given", a.len()),
                span,
                "one vector",
            )
        })?;
        let inner = Value::Func(Rc::new(Func::Grad { f: f.clone(), wrt: Wrt::One(0), with_value: false }));
        let n = match x.primal() {
            Value::Tensor(Tensor::F64(t)) if t.ndim() == 1 => t.len(),
            Value::Tensor(Tensor::F32(t)) if t.ndim() == 1 => t.len(),
            Value::F64(_) | Value::F32(_) => return self.call_grad(&inner, &Wrt::One(0), false, vec![x], span),
            other => {
                return Err(Diag::new(
                    Code::TypeGrad,
                    format!("`hessian` takes a float vector or scalar, not {}", other.type_name()),
                    span,
                    other.type_name(),
                )
                .with_help("flatten a matrix argument with reshape(x, -1)"))
            }
        };
        let element = if matches!(x.primal(), Value::Tensor(Tensor::F32(_))) { 4 } else { 8 };
        n.checked_mul(n)
            .and_then(|m| m.checked_mul(element))
            .ok_or_else(|| crate::memory::too_large("hessian"))
            .and_then(|bytes| crate::memory::reserve(bytes, &format!("the hessian of {n} variables")))
            .map_err(|e| op_diag(e, span, &[]))?;
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            let tape = Tape::new(self.grad_depth + 1);
            let leaf = tape.leaf(x.clone());
            self.grad_depth += 1;
            let g = self.call(&inner, vec![leaf.clone()], span);
            self.grad_depth -= 1;
            let g = g.inspect_err(|_| tape.close())?;
            let gi = apply(Prim::Shape(ShapeOp::Index), vec![g, Value::Int(i as i64)], &mut self.ctx)
                .map_err(|e| op_diag(e, span, &[]))?;
            rows.extend(backward(&tape, &gi, &[leaf], span, &mut self.ctx)?);
        }
        apply(Prim::Shape(ShapeOp::Stack), [vec![Value::Absent], rows].concat(), &mut self.ctx)
            .map_err(|e| op_diag(e, span, &[]))
    }

    /// The central finite-difference gradient of `f` at `x`, element by element:
    /// `(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`, computed in f64 and given `x`'s dtype.
    fn numgrad(&mut self, f: &Value, x: Value, eps: f64, span: Span, x_span: Span) -> Result<Value, Diag> {
        let mut eval_at = |v: Value| -> Result<f64, Diag> {
            match self.call(f, vec![v], span)?.primal() {
                Value::F64(y) => Ok(*y),
                Value::F32(y) => Ok(*y as f64),
                other => Err(Diag::new(
                    Code::TypeGrad,
                    format!(
                        "`numgrad` needs a function that returns a float scalar, but it returned {}",
                        other.type_name()
                    ),
                    span,
                    other.type_name(),
                )),
            }
        };
        let central = |hi: f64, lo: f64| (hi - lo) / (2.0 * eps);
        match x.primal().clone() {
            Value::F64(v) => Ok(Value::F64(central(eval_at(Value::F64(v + eps))?, eval_at(Value::F64(v - eps))?))),
            Value::F32(v) => {
                let (hi, lo) = (eval_at(Value::F32(v + eps as f32))?, eval_at(Value::F32(v - eps as f32))?);
                Ok(Value::F32(central(hi, lo) as f32))
            }
            Value::Tensor(Tensor::F64(a)) => {
                let base = a.as_standard_layout().into_owned().into_shared();
                let mut out = base.to_owned();
                for (i, g) in out.iter_mut().enumerate() {
                    let mut step = |delta: f64| {
                        let mut moved = base.clone();
                        moved.as_slice_mut().expect("standard layout")[i] += delta;
                        eval_at(Value::Tensor(Tensor::F64(moved)))
                    };
                    *g = central(step(eps)?, step(-eps)?);
                }
                Ok(Value::Tensor(Tensor::F64(out.into_shared())))
            }
            Value::Tensor(Tensor::F32(a)) => {
                let base = a.as_standard_layout().into_owned().into_shared();
                let mut out = base.to_owned();
                for (i, g) in out.iter_mut().enumerate() {
                    let mut step = |delta: f32| {
                        let mut moved = base.clone();
                        moved.as_slice_mut().expect("standard layout")[i] += delta;
                        eval_at(Value::Tensor(Tensor::F32(moved)))
                    };
                    *g = central(step(eps as f32)?, step(-eps as f32)?) as f32;
                }
                Ok(Value::Tensor(Tensor::F32(out.into_shared())))
            }
            other => Err(Diag::new(
                Code::TypeGrad,
                format!("`numgrad` takes a float scalar or tensor, not {}", other.type_name()),
                x_span,
                other.type_name(),
            )
            .with_help("pass a float, e.g. 2.0 rather than 2")),
        }
    }
}

/// The elements of a float scalar or tensor, in f64, row-major.
fn floats(v: &Value) -> Vec<f64> {
    match v.primal() {
        Value::F64(x) => vec![*x],
        Value::F32(x) => vec![*x as f64],
        Value::Tensor(Tensor::F64(a)) => a.iter().copied().collect(),
        Value::Tensor(Tensor::F32(a)) => a.iter().map(|&x| x as f64).collect(),
        _ => Vec::new(),
    }
}
