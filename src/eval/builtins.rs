//! The built-ins that the interpreter runs itself: differentiation (which calls functions),
//! data files, and the system built-ins (`print`, `assert`, `clock`, `args`, `nthreads`, and the
//! plots of `crate::plot`).

use super::interp::{op_diag, Interp};
use crate::autodiff::{apply, backward, regroup, trace_leaves, Tape};
use crate::diag::{Code, Diag};
use crate::plot::Call;
use crate::prims::{Data, Diff, Prim, ShapeOp, Sys};
use crate::span::Span;
use crate::types::Wrt;
use crate::value::{text, text_with, Func, Tensor, Value};
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

    /// Runs a data built-in (`crate::data`); paths are relative to the working directory. The
    /// built-in's type rule vets the arguments first, as the checker saw them or as they are.
    pub fn data(&mut self, op: Data, args: Vec<Value>, span: Span, spans: &[Span]) -> Result<Value, Diag> {
        let dtype = self.ctx.dtype;
        let run = || {
            op.type_rule(&args.iter().map(crate::types::Type::of_value).collect::<Vec<_>>(), dtype)?;
            let Value::Str(path) = args[0].primal() else { unreachable!("the rule of {op:?} takes a str path") };
            let path = std::path::Path::new(&**path);
            match op {
                Data::Load => crate::data::load_npy(path),
                Data::Save => crate::data::save_npy(path, &args[1]).map(|()| super::interp::unit()),
                Data::LoadCsv => crate::data::load_csv(path, &crate::data::LoadOptions::from_args(&args)?, dtype),
                Data::SaveCsv => crate::data::save_csv(path, &args[1], &args[2]).map(|()| super::interp::unit()),
            }
        };
        run().map_err(|e| op_diag(e, span, spans))
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
                // A value's type is exact, so the positions are known.
                let wrt = crate::prims::system::wrt_of(&crate::types::Type::of_value(&args[1]))
                    .map_err(|e| op_diag(e, span, spans))?
                    .unwrap_or(Wrt::One(0));
                wrap(Func::Grad { f, wrt, with_value: op == Diff::ValueAndGrad })
            }
            Diff::Jacobian => wrap(Func::Jacobian { f }),
            Diff::Hessian => {
                let gradient = Value::Func(Rc::new(Func::Grad { f, wrt: Wrt::One(0), with_value: false }));
                wrap(Func::Jacobian { f: gradient })
            }
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
            let Some(traced) = trace_leaves(&tape, arg, &mut leaves) else {
                return Err(Diag::new(
                    Code::TypeGrad,
                    format!(
                        "cannot differentiate with respect to argument {i}: it is {}, not a float or a tuple of floats",
                        arg.type_name()
                    ),
                    span,
                    arg.type_name(),
                )
                .with_help(crate::prims::system::not_float_help(&arg.type_name())));
            };
            args[i] = traced;
        }
        let traced: Vec<Value> = wrt.positions().iter().map(|&i| args[i].clone()).collect();
        let out = self.traced_call(&tape, f, args, span)?;
        let mut grads = backward(&tape, &out, &leaves, span, &mut self.ctx)?.into_iter();
        let value = match &out {
            Value::Tracer(t) if Rc::ptr_eq(&t.tape, &tape) => t.primal.clone(),
            other => other.clone(),
        };
        let mut per_arg = traced.iter().map(|like| regroup(like, &mut grads));
        let grad = match wrt {
            Wrt::One(_) => per_arg.next().unwrap_or(Value::F64(0.0)),
            Wrt::Many(_) => Value::Tuple(per_arg.collect()),
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

    /// `jacobian(f)(x)`: one forward pass of `f` recorded on a fresh tape, then one reverse sweep
    /// per element of `f(x)`, each giving a row shaped like `x`; the rows make a tensor of
    /// `f(x)`'s shape then `x`'s. `hessian(f)` is `jacobian(grad(f))`: the forward pass records
    /// the reverse sweep of `grad(f)`, which the sweeps here differentiate again.
    pub fn call_jacobian(&mut self, f: &Value, args: Vec<Value>, span: Span) -> Result<Value, Diag> {
        let [x] = <[Value; 1]>::try_from(args)
            .map_err(|a| op_diag(crate::prims::system::jacobian_arity(a.len()), span, &[]))?;
        let tape = Tape::new(self.grad_depth + 1);
        let leaf = tape.leaf(x.clone());
        self.grad_depth += 1;
        let out = self.call(f, vec![leaf.clone()], span);
        self.grad_depth -= 1;
        let out = out.inspect_err(|_| tape.close())?;
        let (out_shape, element) = match out.primal() {
            Value::Tensor(Tensor::F64(t)) => (t.shape().to_vec(), 8),
            Value::Tensor(Tensor::F32(t)) => (t.shape().to_vec(), 4),
            Value::F64(_) => (Vec::new(), 8),
            Value::F32(_) => (Vec::new(), 4),
            other => {
                tape.close();
                return Err(Diag::new(
                    Code::TypeGrad,
                    format!(
                        "a Jacobian needs a function that returns a float scalar or tensor, not {}",
                        other.type_name()
                    ),
                    span,
                    other.type_name(),
                ));
            }
        };
        let x_shape: Vec<usize> = match x.primal() {
            Value::Tensor(t) => t.shape().to_vec(),
            _ => Vec::new(),
        };
        let (m, n) = (out_shape.iter().product::<usize>(), x_shape.iter().product::<usize>());
        m.checked_mul(n)
            .and_then(|mn| mn.checked_mul(element))
            .ok_or_else(|| crate::memory::too_large("jacobian"))
            .and_then(|bytes| crate::memory::reserve(bytes, &format!("a Jacobian of {m}×{n} derivatives")))
            .map_err(|e| op_diag(e, span, &[]))?;
        if out_shape.is_empty() {
            return backward(&tape, &out, &[leaf], span, &mut self.ctx).map(|mut g| g.swap_remove(0));
        }
        // Every element is picked out while the tape still records; each sweep then starts there.
        let flat = if out_shape.len() == 1 { Ok(out) } else { self.reshape(out, &[-1]) };
        let picks: Result<Vec<Value>, _> = flat.and_then(|flat| {
            (0..m)
                .map(|i| apply(Prim::Shape(ShapeOp::Index), vec![flat.clone(), Value::Int(i as i64)], &mut self.ctx))
                .collect()
        });
        let picks = picks.inspect_err(|_| tape.close()).map_err(|e| op_diag(e, span, &[]))?;
        let mut rows = Vec::with_capacity(m);
        for pick in &picks {
            rows.extend(backward(&tape, pick, std::slice::from_ref(&leaf), span, &mut self.ctx)?);
        }
        let stacked = apply(Prim::Shape(ShapeOp::Stack), [vec![Value::Absent], rows].concat(), &mut self.ctx);
        let dims: Vec<i64> = out_shape.iter().chain(&x_shape).map(|&d| d as i64).collect();
        let whole = if out_shape.len() == 1 { stacked } else { stacked.and_then(|j| self.reshape(j, &dims)) };
        whole.map_err(|e| op_diag(e, span, &[]))
    }

    /// `reshape(x, dims...)`, recorded when differentiated.
    fn reshape(&mut self, x: Value, dims: &[i64]) -> Result<Value, crate::prims::OpError> {
        let args = std::iter::once(x).chain(dims.iter().map(|&d| Value::Int(d))).collect();
        apply(Prim::Shape(ShapeOp::Reshape), args, &mut self.ctx)
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
            .with_help(crate::prims::system::not_float_help(&other.type_name()))),
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
