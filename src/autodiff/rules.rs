//! Every derivative rule, one per primitive, as a vector-Jacobian product: given the cotangent
//! `g` of a primitive's output, the cotangent of its operand `k`. Rules are written with the
//! language's own primitives (through [`apply`]), so they can be differentiated again.
//!
//! A cotangent may be smaller than its value as long as it broadcasts to it (the gradient of
//! `sum` is the scalar `g`, not a tensor of copies); `sum_to` undoes broadcasting, as JAX's
//! `_unbroadcast` does. A rule returns [`ZERO`] for an operand that gets no contribution.
//!
//! At kinks the rules choose (`docs/autodiff.md`): `relu'(0) = 0`, `abs'(0) = sign(0) = 0`,
//! `norm'(0) = 0`; `maximum`, `minimum` and the `max`/`min` reductions split ties evenly;
//! `clip` gives the boundary to `x` (and everything to `hi` when `lo > hi`, where the value is
//! `hi`); `prod` is exact at zeros; constant-valued operations (`sign`, comparisons, `argmax`,
//! `int`) have derivative zero.
//!
//! A rule computes with other primitives (`det`'s uses `inv`); an error one of them raises is
//! restated about the primitive being differentiated, the call the user wrote.

use super::apply;
use crate::diag::Code;
use crate::prims::{stats, Arith, Construct, Ctx, Linalg, OpError, Prim, Reduce, ShapeOp, Stats, Unary};
use crate::value::{Tensor, Value};
use std::cell::RefCell;

/// The cotangent of an operand that gets no contribution (the sweep skips it; inside a tuple
/// cotangent it stands for the zero of an unused item).
pub const ZERO: Value = Value::Absent;

/// The cotangent of operand `k` of `prim`, given its operands `x`, its result `out` and the
/// cotangent `g` of the result.
pub fn vjp(prim: Prim, k: usize, x: &[Value], out: &Value, g: Value, ctx: &mut Ctx) -> Result<Value, OpError> {
    let o = &Ops { ctx: RefCell::new(ctx), user: prim };
    match prim {
        Prim::Arith(op) => arith(o, op, k, x, out, g),
        Prim::Unary(op) => unary(o, op, x, out, g),
        Prim::Reduce(op) => reduce(o, op, x, out, g),
        Prim::Stats(op) => stats(o, op, k, x, out, g),
        Prim::Shape(op) => shape(o, op, k, x, out, g),
        Prim::Construct(op) => construct(o, op, k, out, g),
        Prim::Linalg(op) => linalg(o, op, k, x, out, g),
        Prim::Diff(_) | Prim::Data(_) | Prim::Sys(_) => Err(not_differentiable(prim)),
    }
}

fn not_differentiable(prim: Prim) -> OpError {
    OpError::new(Code::RuntimeGrad, format!("`{}` is not differentiable", prim.info().name))
        .label("differentiation cannot go through this operation")
}

fn arith(o: &Ops, op: Arith, k: usize, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let (a, b) = (&x[0], x.get(1).unwrap_or(&Value::Absent));
    let d = match (op, k) {
        (Arith::Add, _) | (Arith::Sub, 0) | (Arith::Rem, 0) => g,
        (Arith::Sub, _) => o.neg(g)?,
        (Arith::Mul, 0) => o.mul(g, b.clone())?,
        (Arith::Mul, _) => o.mul(g, a.clone())?,
        (Arith::Div, 0) => o.div(g, b.clone())?,
        // a / b: b̄ = -g (a / b) / b.
        (Arith::Div, _) => o.neg(o.div(o.mul(g, out.clone())?, b.clone())?)?,
        // a % b = a - b floor(a / b): b̄ = -g floor(a / b) = -g (a - out) / b.
        (Arith::Rem, _) => o.neg(o.mul(g, o.div(o.sub(a.clone(), out.clone())?, b.clone())?)?)?,
        // a ^ b: ā = g b a^(b-1).
        (Arith::Pow, 0) => o.mul(o.mul(g, b.clone())?, o.pow(a.clone(), o.sub(b.clone(), Value::Int(1))?)?)?,
        // b̄ = g a^b log(a), with log(0) read as 0 (the term vanishes there), as JAX does.
        (Arith::Pow, _) => {
            let base = o.where_(o.arith(Arith::Eq, a.clone(), Value::Int(0))?, Value::Int(1), a.clone())?;
            o.mul(o.mul(g, out.clone())?, o.unary(Unary::Log, base)?)?
        }
        (Arith::Maximum, 0) | (Arith::Minimum, 1) => o.share(Arith::Gt, a, b, g)?,
        (Arith::Maximum, _) | (Arith::Minimum, _) => o.share(Arith::Lt, a, b, g)?,
        (Arith::Where, 1) => o.where_(a.clone(), g, Value::Int(0))?,
        (Arith::Where, 2) => o.where_(a.clone(), Value::Int(0), g)?,
        // clip(x, lo, hi) = minimum(maximum(x, lo), hi): g goes to the operand the value is,
        // x on [lo, hi] including its ends (PyTorch's choice), lo below it, hi above it and
        // whenever lo > hi (the value is then hi, as in NumPy).
        (Arith::Clip, 0) => {
            let above = o.arith(Arith::Ge, a.clone(), b.clone())?;
            let inside = o.arith(Arith::And, above, o.arith(Arith::Le, a.clone(), x[2].clone())?)?;
            o.where_(inside, g, Value::Int(0))?
        }
        (Arith::Clip, 1) => {
            let below = o.arith(Arith::Lt, a.clone(), b.clone())?;
            let ordered = o.arith(Arith::Le, b.clone(), x[2].clone())?;
            o.where_(o.arith(Arith::And, below, ordered)?, g, Value::Int(0))?
        }
        (Arith::Clip, _) => {
            let lower = o.arith(Arith::Maximum, a.clone(), b.clone())?;
            o.where_(o.arith(Arith::Gt, lower, x[2].clone())?, g, Value::Int(0))?
        }
        // floor(a / b) is piecewise constant: derivative 0 wherever it exists (as `floor`).
        (Arith::FloorDiv, _)
        | (Arith::Where, _)
        | (Arith::Eq | Arith::Ne | Arith::Lt | Arith::Le | Arith::Gt | Arith::Ge | Arith::And | Arith::Or, _) => {
            return Ok(ZERO)
        }
    };
    // `d` may be smaller than the result (a scalar from `sum`); when broadcasting made the
    // result larger than this operand, each broadcast copy must be counted before summing.
    let d = if o.dims_i64(&x[k]) != o.dims_i64(out) { o.full(d, out)? } else { d };
    o.sum_to(d, &x[k])
}

fn unary(o: &Ops, op: Unary, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let x = x[0].clone();
    match op {
        Unary::Neg => o.neg(g),
        Unary::Abs => o.mul(g, o.unary(Unary::Sign, x)?),
        Unary::Sqrt => o.div(g, o.mul(Value::Int(2), out.clone())?),
        Unary::Exp => o.mul(g, out.clone()),
        Unary::Log => o.div(g, x),
        Unary::Sin => o.mul(g, o.unary(Unary::Cos, x)?),
        Unary::Cos => o.neg(o.mul(g, o.unary(Unary::Sin, x)?)?),
        Unary::Tanh => o.mul(g, o.sub(Value::Int(1), o.mul(out.clone(), out.clone())?)?),
        Unary::Sigmoid => o.mul(g, o.mul(out.clone(), o.sub(Value::Int(1), out.clone())?)?),
        Unary::Relu => o.where_(o.arith(Arith::Gt, x, Value::Int(0))?, g, Value::Int(0)),
        Unary::Softplus => o.mul(g, o.unary(Unary::Sigmoid, x)?),
        // Piecewise constant: zero almost everywhere (as `sign`).
        Unary::Sign | Unary::Not | Unary::IsNan | Unary::Floor | Unary::Ceil | Unary::Round => Ok(ZERO),
    }
}

fn reduce(o: &Ops, op: Reduce, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let (input, axis) = (&x[0], x.get(1).cloned().unwrap_or(Value::Absent));
    let keepdims = matches!(x.get(2), Some(Value::Bool(true)));
    let scalar = o.dims(input).is_empty();
    match op {
        Reduce::Sum => o.expand(g, input, &axis, keepdims),
        Reduce::Mean => {
            let count = o.size(input) / o.size(out).max(1);
            o.div(o.expand(g, input, &axis, keepdims)?, Value::Int(count as i64))
        }
        // The elements equal to the result share g evenly.
        Reduce::Max | Reduce::Min => {
            let hit = o.arith(Arith::Eq, input.clone(), o.expand(out.clone(), input, &axis, keepdims)?)?;
            let share = o.cast_like(o.where_(hit, Value::Int(1), Value::Int(0))?, input)?;
            let ties = o.reduce(Reduce::Sum, share.clone(), axis.clone(), Value::Bool(true))?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.div(share, ties)?)
        }
        Reduce::Prod if scalar => Ok(g),
        // ∂prod(x)/∂xᵢ is the product of the other elements. Without dividing by zero: with p
        // the product of a lane's non-zero elements and z its number of zeros, it is p / xᵢ
        // when z = 0, p at the zero when z = 1, and 0 otherwise.
        Reduce::Prod => {
            let zero = o.arith(Arith::Eq, input.clone(), Value::Int(0))?;
            let nonzero = o.where_(zero.clone(), Value::Int(1), input.clone())?;
            let p = o.reduce(Reduce::Prod, nonzero.clone(), axis.clone(), Value::Bool(true))?;
            let z = o.reduce(Reduce::Sum, zero.clone(), axis.clone(), Value::Bool(true))?;
            let none =
                o.where_(o.arith(Arith::Eq, z.clone(), Value::Int(0))?, o.div(p.clone(), nonzero)?, Value::Int(0))?;
            let one = o.where_(o.arith(Arith::Eq, z, Value::Int(1))?, p, Value::Int(0))?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.where_(zero, one, none)?)
        }
        Reduce::LogSumExp => {
            let shifted = o.sub(input.clone(), o.expand(out.clone(), input, &axis, keepdims)?)?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.unary(Unary::Exp, shifted)?)
        }
        Reduce::Softmax if scalar => Ok(ZERO),
        // y = softmax(x) along the axis (the last by default): x̄ = y (g - sum(g y)).
        Reduce::Softmax => {
            let axis = if matches!(axis, Value::Absent) { Value::Int(-1) } else { axis };
            let total = o.reduce(Reduce::Sum, o.mul(g.clone(), out.clone())?, axis, Value::Bool(true))?;
            o.mul(out.clone(), o.sub(g, total)?)
        }
        // x / norm(x); 0 at x = 0, dividing by 1 there so that no NaN reaches a second derivative.
        Reduce::Norm => {
            let safe = o.where_(o.arith(Arith::Eq, out.clone(), Value::Int(0))?, Value::Int(1), out.clone())?;
            o.mul(g, o.div(input.clone(), safe)?)
        }
        Reduce::ArgMax | Reduce::ArgMin | Reduce::Any | Reduce::All => Ok(ZERO),
    }
}

/// Only the data has a derivative (`q`, `axis`, `keepdims`, `ddof` are constants).
fn stats(o: &Ops, op: Stats, k: usize, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let input = &x[0];
    let at = op.axis_position();
    let axis = x.get(at).cloned().unwrap_or(Value::Absent);
    let keepdims = matches!(x.get(at + 1), Some(Value::Bool(true)));
    let rank = o.dims(input).len();
    if k != 0 {
        return Ok(ZERO);
    }
    if rank == 0 && !matches!(op, Stats::Var | Stats::Std) {
        return Ok(g);
    }
    match op {
        // sort(x) = x[p] with p = argsort(x): x̄ = g added back at p (a vector's; along an axis
        // of a matrix the permutation differs per lane).
        Stats::Sort if rank == 1 => {
            let order = o.run(Prim::Stats(Stats::ArgSort), vec![input.primal().clone(), Value::Absent])?;
            o.shape_op(ShapeOp::IndexAdd, vec![o.zeros_like(input)?, o.full(g, out)?, order])
        }
        Stats::Sort => Err(OpError::new(Code::TypeMismatch, "the gradient of `sort` is defined for vectors only")
            .help("sort each row separately, e.g. sort(X[i])")),
        Stats::ArgSort => Ok(ZERO),
        // var = sum((x - mean)²) / (n - ddof): x̄ = g 2 (x - mean) / (n - ddof).
        // std = sqrt(var): the same with g / (2 std), and 0 where std = 0 (as `norm` at 0).
        Stats::Var | Stats::Std => {
            let ddof = match x.get(3).map(Value::primal) {
                Some(Value::Int(d)) => *d,
                _ => 0,
            };
            let n = (o.size(input) / o.size(out).max(1)) as i64;
            let g = if op == Stats::Std {
                let zero = o.arith(Arith::Eq, out.clone(), Value::Int(0))?;
                let safe = o.where_(zero.clone(), Value::Int(1), out.clone())?;
                o.where_(zero, Value::Int(0), o.div(g, o.mul(Value::Int(2), safe)?)?)?
            } else {
                g
            };
            let mean = o.reduce(Reduce::Mean, input.clone(), axis.clone(), Value::Bool(true))?;
            let deviation = o.sub(input.clone(), mean)?;
            let scale = o.div(o.mul(deviation, Value::Int(2))?, Value::Int(n - ddof))?;
            o.mul(o.expand(g, input, &axis, keepdims)?, scale)
        }
        // The quantile is below (1 - t) + above t for two sorted values: the elements equal to
        // each share its weight evenly (a median of an odd count goes to the middle element).
        Stats::Median | Stats::Quantile => {
            let q = op.fraction(x).unwrap_or(0.5);
            let along = match axis {
                Value::Int(k) => crate::prims::reduce::normalize_axis(k, rank),
                _ => None,
            };
            let Some((below, above, t)) = stats::brackets(input, q, along) else { return Ok(ZERO) };
            let weight = |value: Value, share: Value| -> Result<Value, OpError> {
                let hit = o.arith(Arith::Eq, input.clone(), value)?;
                let hit = o.cast_like(o.where_(hit, Value::Int(1), Value::Int(0))?, input)?;
                let ties = o.reduce(Reduce::Sum, hit.clone(), axis.clone(), Value::Bool(true))?;
                o.mul(o.div(hit, ties)?, share)
            };
            let below = weight(below, o.sub(Value::Int(1), t.clone())?)?;
            let above = weight(above, t)?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.arith(Arith::Add, below, above)?)
        }
        // x̄ᵢ = Σ_{j ≥ i} h_j: the running sum of h from the end, h = g for `cumsum`; for
        // `cumprod`, h = g out and the sum is divided by x (so a zero element is an error).
        Stats::CumSum | Stats::CumProd => {
            let flat = matches!(axis, Value::Absent);
            let along = if flat { 0 } else { o.axis(&axis, rank) };
            let mut h = o.full(g, out)?;
            if op == Stats::CumProd {
                let zero = o.reduce(
                    Reduce::Any,
                    o.arith(Arith::Eq, input.clone(), Value::Int(0))?,
                    Value::Absent,
                    Value::Absent,
                )?;
                if matches!(zero.primal(), Value::Bool(true)) {
                    return Err(OpError::new(
                        Code::RuntimeGrad,
                        "the derivative of `cumprod` at an element equal to 0 is not implemented",
                    )
                    .label("an element of this operand is 0")
                    .help("write the product with prod(...) over slices, which is exact at zeros"));
                }
                h = o.mul(h, out.clone())?;
            }
            let flip = |v: Value| {
                let mut idx = vec![v];
                idx.extend((0..along).map(|_| all()));
                idx.push(Value::Tuple(vec![Value::Absent, Value::Absent, Value::Int(-1)].into()));
                o.shape_op(ShapeOp::Index, idx)
            };
            let from_end = flip(o.run(Prim::Stats(Stats::CumSum), vec![flip(h)?, Value::Int(along as i64)])?)?;
            let from_end = if op == Stats::CumProd {
                let x = if flat {
                    o.shape_op(ShapeOp::Reshape, vec![input.clone(), Value::Int(-1)])?
                } else {
                    input.clone()
                };
                o.div(from_end, x)?
            } else {
                from_end
            };
            if flat && rank != 1 {
                o.shape_op(ShapeOp::Reshape, [vec![from_end], o.dims(input)].concat())
            } else {
                Ok(from_end)
            }
        }
    }
}

fn shape(o: &Ops, op: ShapeOp, k: usize, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let scalar_g = o.dims(&g).is_empty();
    match op {
        // A scalar cotangent broadcasts to any shape, so it passes through unchanged.
        ShapeOp::Reshape | ShapeOp::Transpose if scalar_g => Ok(g),
        // Reshaping a scalar (into one element): its cotangent is that element.
        ShapeOp::Reshape if o.dims(&x[0]).is_empty() => o.sum_to(g, &x[0]),
        ShapeOp::Reshape => o.shape_op(ShapeOp::Reshape, [vec![o.full(g, out)?], o.dims(&x[0])].concat()),
        ShapeOp::Transpose => o.transpose(o.full(g, out)?),
        // Operand k (after the axis) is the slice of g along the axis where it was placed.
        ShapeOp::Concat if k > 0 => {
            let axis = o.axis(&x[0], o.dims(out).len());
            let start: i64 = x[1..k].iter().map(|v| o.dims_i64(v)[axis]).sum();
            let stop = start + o.dims_i64(&x[k])[axis];
            let mut idx = vec![o.full(g, out)?];
            idx.extend((0..axis).map(|_| all()));
            idx.push(span(Value::Int(start), Value::Int(stop)));
            o.shape_op(ShapeOp::Index, idx)
        }
        ShapeOp::Stack | ShapeOp::Literal if op == ShapeOp::Literal || k > 0 => {
            let (axis, item) = if op == ShapeOp::Stack { (o.axis(&x[0], o.dims(out).len()), k - 1) } else { (0, k) };
            let mut idx = vec![o.full(g, out)?];
            idx.extend((0..axis).map(|_| all()));
            idx.push(Value::Int(item as i64));
            o.shape_op(ShapeOp::Index, idx)
        }
        ShapeOp::F32 | ShapeOp::F64 | ShapeOp::Float => o.cast_like(g, &x[0]),
        // Indexing a recorded tuple (`eigh(A)[0]`): g for that item, ZERO for the others.
        ShapeOp::Index if k == 0 && matches!(x[0], Value::Tuple(_)) => {
            let (Value::Tuple(items), Value::Int(i)) = (&x[0], &x[1]) else { return Ok(ZERO) };
            let i = if *i < 0 { *i + items.len() as i64 } else { *i };
            let mut g = Some(g);
            let parts = (0..items.len()).map(|j| g.take_if(|_| j as i64 == i).unwrap_or(ZERO));
            Ok(Value::Tuple(parts.collect()))
        }
        // x[idx]: g added into zeros of x's shape (a repeated index gathers its sum).
        ShapeOp::Index if k == 0 => {
            o.shape_op(ShapeOp::IndexAdd, [vec![o.zeros_like(&x[0])?, g], x[1..].to_vec()].concat())
        }
        // index_add(x, v, idx): x gets g, v gets the part of g the indices pick.
        ShapeOp::IndexAdd if k == 0 => o.full(g, out),
        ShapeOp::IndexAdd if k == 1 => {
            let part = o.shape_op(ShapeOp::Index, [vec![o.full(g, out)?], x[2..].to_vec()].concat())?;
            o.sum_to(part, &x[1])
        }
        // index_set(x, v, idx): x gets g with the overwritten part zeroed, v gets that part.
        ShapeOp::IndexSet if k == 0 => {
            o.shape_op(ShapeOp::IndexSet, [vec![o.full(g, out)?, Value::Int(0)], x[2..].to_vec()].concat())
        }
        ShapeOp::IndexSet if k == 1 => {
            let part = o.shape_op(ShapeOp::Index, [vec![o.full(g, out)?], x[2..].to_vec()].concat())?;
            o.sum_to(part, &x[1])
        }
        ShapeOp::BroadcastTo if k == 0 => o.sum_to(o.full(g, out)?, &x[0]),
        // A cotangent of the summed shape broadcasts back to the operand's.
        ShapeOp::SumTo if k == 0 => Ok(g),
        ShapeOp::Concat
        | ShapeOp::Stack
        | ShapeOp::Index
        | ShapeOp::IndexSet
        | ShapeOp::IndexAdd
        | ShapeOp::I64
        | ShapeOp::BroadcastTo
        | ShapeOp::SumTo
        | ShapeOp::Literal
        | ShapeOp::Shape
        | ShapeOp::Size
        | ShapeOp::Int
        | ShapeOp::Str
        | ShapeOp::Format
        | ShapeOp::Repr
        | ShapeOp::Len => Ok(ZERO),
    }
}

fn construct(o: &Ops, op: Construct, k: usize, out: &Value, g: Value) -> Result<Value, OpError> {
    let total = |weights: Option<Value>| {
        let g = o.full(g.clone(), out)?;
        let g = match weights {
            Some(w) => o.mul(g, o.cast_like(w, out)?)?,
            None => g,
        };
        o.reduce(Reduce::Sum, g, Value::Absent, Value::Absent)
    };
    let n = Value::Int(o.size(out) as i64);
    match (op, k) {
        // full(v, dims...) and arange's start: every element moves with the operand.
        (Construct::Full, 0) | (Construct::Arange, 0) => total(None),
        // arange(start, stop, step)[i] = start + i step.
        (Construct::Arange, 2) => {
            total(Some(o.run(Prim::Construct(Construct::Arange), vec![Value::Int(0), n, Value::Absent])?))
        }
        // linspace(a, b, n)[i] = a (1 - tᵢ) + b tᵢ with t = linspace(0, 1, n).
        (Construct::Linspace, 0 | 1) => {
            let t = o.run(Prim::Construct(Construct::Linspace), vec![Value::Int(0), Value::Int(1), n])?;
            total(Some(if k == 0 { o.sub(Value::Int(1), t)? } else { t }))
        }
        // The order is drawn at random and not recorded: differentiate through x[permutation(n)].
        (Construct::Shuffle, _) => Err(OpError::new(Code::TypeMismatch, "`shuffle` cannot be differentiated")
            .help("shuffle with an index instead, whose gradient is defined: X[permutation(len(X))]")),
        (
            Construct::Full
            | Construct::Arange
            | Construct::Linspace
            | Construct::Zeros
            | Construct::Ones
            | Construct::Eye
            | Construct::Randn
            | Construct::Rand
            | Construct::OneHot
            | Construct::Permutation
            | Construct::Randint
            | Construct::Choice
            | Construct::ZerosLike
            | Construct::OnesLike,
            _,
        ) => Ok(ZERO),
    }
}

fn linalg(o: &Ops, op: Linalg, k: usize, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let (a, b) = (x[0].clone(), x.get(1).cloned().unwrap_or(Value::Absent));
    match op {
        Linalg::MatMul | Linalg::Dot => {
            let g = o.full(g, out)?;
            match (o.dims(&a).len(), o.dims(&b).len(), k) {
                (2, 2, 0) => o.matmul(g, o.transpose(b)?),
                (2, 2, _) => o.matmul(o.transpose(a)?, g),
                (2, 1, 0) => o.linalg(Linalg::Outer, g, b),
                (2, 1, _) => o.matmul(o.transpose(a)?, g),
                (1, 2, 0) => o.matmul(b, g),
                (1, 2, _) => o.linalg(Linalg::Outer, a, g),
                (_, _, 0) => o.mul(g, b),
                (_, _, _) => o.mul(g, a),
            }
        }
        Linalg::Outer => {
            let g = o.full(g, out)?;
            if k == 0 {
                o.matmul(g, b)
            } else {
                o.matmul(o.transpose(g)?, a)
            }
        }
        Linalg::Trace => {
            let n = o.dims_i64(&a)[0];
            let eye = o.run(Prim::Construct(Construct::Eye), vec![Value::Int(n)])?;
            o.mul(g, eye)
        }
        Linalg::Inv => {
            // d(A⁻¹) = -A⁻¹ dA A⁻¹, so Ā = -A⁻ᵀ G A⁻ᵀ.
            let t = o.transpose(out.clone())?;
            o.neg(o.matmul(o.matmul(t.clone(), o.full(g, out)?)?, t)?)
        }
        Linalg::Solve => {
            // x = A⁻¹ b: b̄ = A⁻ᵀ g and Ā = -b̄ xᵀ.
            let db = o.linalg(Linalg::Solve, o.transpose(a)?, o.full(g, out)?)?;
            if k == 1 {
                Ok(db)
            } else {
                o.neg(o.outer_t(db, out.clone())?)
            }
        }
        // d det(A) = det(A) tr(A⁻¹ dA): Ā = g det(A) A⁻ᵀ (an error at a singular A).
        Linalg::Det => o.mul(o.mul(g, out.clone())?, o.transpose(o.linalg1(Linalg::Inv, a)?)?),
        Linalg::Cholesky => {
            // Murray (2016), as PyTorch writes it: P = tril(Lᵀ Ḡ), S = (P + tril(P, -1)ᵀ) / 2,
            // Ā = L⁻ᵀ S L⁻¹ (symmetric, like the `(A + Aᵀ) / 2` the forward pass reads).
            let lt = o.transpose(out.clone())?;
            let p = o.mul(o.matmul(lt.clone(), o.full(g, out)?)?, o.lower_mask(out, false))?;
            let strict = o.mul(p.clone(), o.lower_mask(out, true))?;
            let s = o.div(o.arith(Arith::Add, p, o.transpose(strict)?)?, Value::Int(2))?;
            let left = o.linalg(Linalg::Solve, lt.clone(), s)?;
            o.transpose(o.linalg(Linalg::Solve, lt, o.transpose(left)?)?)
        }
        Linalg::Lstsq => {
            // x = A⁺ b, differentiated through Golub and Pereyra's derivative of the
            // pseudo-inverse (exact where A's rank does not change), without forming A⁺:
            // u = A⁺ᵀ g, v = A⁺ u, w = g - A⁺ A g, y = A⁺ᵀ x, r = b - A x;
            // b̄ = u and Ā = r vᵀ - u xᵀ + y wᵀ.
            let (g, x) = (o.full(g, out)?, out.clone());
            let at = o.transpose(a.clone())?;
            let u = o.linalg(Linalg::Lstsq, at.clone(), g.clone())?;
            if k == 1 {
                return Ok(u);
            }
            let r = o.sub(b, o.matmul(a.clone(), x.clone())?)?;
            let v = o.linalg(Linalg::Lstsq, a.clone(), u.clone())?;
            let w = o.sub(g.clone(), o.linalg(Linalg::Lstsq, a.clone(), o.matmul(a, g)?)?)?;
            let y = o.linalg(Linalg::Lstsq, at, x.clone())?;
            let first = o.sub(o.outer_t(r, v)?, o.outer_t(u, x)?)?;
            o.arith(Arith::Add, first, o.outer_t(y, w)?)
        }
        Linalg::Eigh => {
            // Giles (2008): A = V diag(w) Vᵀ gives Ā = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ with
            // F_ij = 1 / (w_j - w_i) off the diagonal (distinct eigenvalues), symmetrised like
            // the (A + Aᵀ) / 2 the forward pass reads. F is (1 - I) / (w_j - w_i + I), which
            // is 0 on the diagonal and has no 0 / 0 for a second derivative to meet.
            // An unused item's cotangent is ZERO, and its term is left out: the eigenvalues'
            // gradient needs no distinct eigenvalues.
            let (Value::Tuple(outs), Value::Tuple(gs)) = (out, &g) else { return Ok(ZERO) };
            let (w, v) = (outs[0].clone(), outs[1].clone());
            let n = o.dims_i64(&w)[0];
            let eye = o.cast_like(o.run(Prim::Construct(Construct::Eye), vec![Value::Int(n)])?, &w)?;
            let mut inner = Value::Int(0);
            if !matches!(gs[0], Value::Absent) {
                let gw =
                    o.shape_op(ShapeOp::Reshape, vec![o.full(gs[0].clone(), &w)?, Value::Int(1), Value::Int(n)])?;
                inner = o.mul(eye.clone(), gw)?;
            }
            if !matches!(gs[1], Value::Absent) {
                let row = o.shape_op(ShapeOp::Reshape, vec![w.clone(), Value::Int(1), Value::Int(n)])?;
                let column = o.shape_op(ShapeOp::Reshape, vec![w, Value::Int(n), Value::Int(1)])?;
                let gaps = o.arith(Arith::Add, o.sub(row, column)?, eye.clone())?;
                let f = o.div(o.sub(Value::Int(1), eye)?, gaps)?;
                let rotated = o.matmul(o.transpose(v.clone())?, o.full(gs[1].clone(), &v)?)?;
                inner = o.arith(Arith::Add, inner, o.mul(f, rotated)?)?;
            }
            let abar = o.matmul(o.matmul(v.clone(), inner)?, o.transpose(v)?)?;
            o.div(o.arith(Arith::Add, abar.clone(), o.transpose(abar)?)?, Value::Int(2))
        }
        Linalg::Qr => {
            // Reduced A = QR with m ≥ n (TensorFlow's QrGrad, Walter and Lehmann 2018):
            // T = tril(Qᵀ Q̄ − Q̄ᵀ Q + R R̄ᵀ − R̄ Rᵀ), Ā = Q (R̄ + T R⁻ᵀ) + (Q̄ − Q Qᵀ Q̄) R⁻ᵀ.
            let (Value::Tuple(outs), Value::Tuple(gs)) = (out, &g) else { return Ok(ZERO) };
            let (q, r) = (outs[0].clone(), outs[1].clone());
            let (m, n) = (o.dims_i64(&q)[0], o.dims_i64(&r)[1]);
            if m < n {
                return Err(OpError::new(Code::RuntimeGrad, "`qr` is differentiable only for m ≥ n")
                    .label(format!("a {m}×{n} matrix is wide")));
            }
            let zero_or = |v: &Value, like: &Value| {
                if matches!(v, Value::Absent) {
                    o.zeros_like(like)
                } else {
                    o.full(v.clone(), like)
                }
            };
            let (gq, gr) = (zero_or(&gs[0], &q)?, zero_or(&gs[1], &r)?);
            let antisym = |x: Value| -> Result<Value, OpError> { o.sub(x.clone(), o.transpose(x)?) };
            let qdq = antisym(o.matmul(o.transpose(q.clone())?, gq.clone())?)?;
            let rdr = antisym(o.matmul(r.clone(), o.transpose(gr.clone())?)?)?;
            let t = o.mul(o.arith(Arith::Add, qdq, rdr)?, o.lower_mask(&r, false))?;
            // x R⁻ᵀ = (R⁻¹ xᵀ)ᵀ
            let right_solve = |x: Value| -> Result<Value, OpError> {
                o.transpose(o.linalg(Linalg::Solve, r.clone(), o.transpose(x)?)?)
            };
            let inner = o.arith(Arith::Add, gr, right_solve(t)?)?;
            let first = o.matmul(q.clone(), inner)?;
            let projected = o.sub(gq.clone(), o.matmul(q.clone(), o.matmul(o.transpose(q)?, gq)?)?)?;
            o.arith(Arith::Add, first, right_solve(projected)?)
        }
        Linalg::Svd => {
            // Thin A = U diag(s) Vᵀ (Townsend 2016), with F_ij = 1 / (s_j² − s_i²) off the
            // diagonal (distinct singular values) and S = diag(s):
            // Ā = U [diag(s̄) + (F ∘ (UᵀŪ − ŪᵀU)) S + S (F ∘ (VᵀV̄ − V̄ᵀV))] Vᵀ
            //     + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ). Unused items' terms are left out.
            let (Value::Tuple(outs), Value::Tuple(gs)) = (out, &g) else { return Ok(ZERO) };
            let (u, s, vt) = (outs[0].clone(), outs[1].clone(), outs[2].clone());
            let k = o.dims_i64(&s)[0];
            let reshape =
                |x: Value, r: i64, c: i64| o.shape_op(ShapeOp::Reshape, vec![x, Value::Int(r), Value::Int(c)]);
            let eye = o.cast_like(o.run(Prim::Construct(Construct::Eye), vec![Value::Int(k)])?, &s)?;
            let (row, column) = (reshape(s.clone(), 1, k)?, reshape(s, k, 1)?);
            let squares = o.sub(o.mul(row.clone(), row.clone())?, o.mul(column.clone(), column)?)?;
            let f = o.div(o.sub(Value::Int(1), eye.clone())?, o.arith(Arith::Add, squares, eye.clone())?)?;
            let diag_s = o.mul(eye.clone(), row.clone())?;
            let skew = |x: Value| -> Result<Value, OpError> { o.mul(f.clone(), o.sub(x.clone(), o.transpose(x)?)?) };
            let v = o.transpose(vt.clone())?;
            let mut inner = Value::Int(0);
            let mut outside = Value::Int(0);
            if !matches!(gs[1], Value::Absent) {
                inner = o.mul(eye, reshape(o.full(gs[1].clone(), &row)?, 1, k)?)?;
            }
            if !matches!(gs[0], Value::Absent) {
                let gu = o.full(gs[0].clone(), &u)?;
                let utgu = o.matmul(o.transpose(u.clone())?, gu.clone())?;
                inner = o.arith(Arith::Add, inner, o.matmul(skew(utgu.clone())?, diag_s.clone())?)?;
                let rest = o.div(o.sub(gu, o.matmul(u.clone(), utgu)?)?, row.clone())?;
                outside = o.arith(Arith::Add, outside, o.matmul(rest, vt.clone())?)?;
            }
            if !matches!(gs[2], Value::Absent) {
                let gv = o.transpose(o.full(gs[2].clone(), &vt)?)?;
                let vtgv = o.matmul(vt.clone(), gv.clone())?;
                inner = o.arith(Arith::Add, inner, o.matmul(diag_s, skew(vtgv.clone())?)?)?;
                let rest = o.div(o.sub(gv, o.matmul(v, vtgv)?)?, row)?;
                outside = o.arith(Arith::Add, outside, o.matmul(u.clone(), o.transpose(rest)?)?)?;
            }
            o.arith(Arith::Add, o.matmul(o.matmul(u, inner)?, vt)?, outside)
        }
    }
}

/// The full slice `:` as the index primitive takes it.
fn all() -> Value {
    span(Value::Absent, Value::Absent)
}

/// The slice `start:stop`.
fn span(start: Value, stop: Value) -> Value {
    Value::Tuple(vec![start, stop, Value::Absent].into())
}

/// Short names for the primitives the rules are written with; each goes through [`apply`].
struct Ops<'a> {
    ctx: RefCell<&'a mut Ctx>,
    /// The primitive whose rule is running: the user's call that errors are about.
    user: Prim,
}

impl Ops<'_> {
    fn run(&self, prim: Prim, args: Vec<Value>) -> Result<Value, OpError> {
        apply(prim, args, &mut self.ctx.borrow_mut()).map_err(|e| self.restate(prim, e))
    }
    /// An error of primitive `inner`, run by the rule of `self.user`, said about `self.user`:
    /// the user called `det`, not the `inv` its derivative uses.
    fn restate(&self, inner: Prim, e: OpError) -> OpError {
        // Running out of memory or time is about the machine, not the call.
        if inner == self.user || matches!(e.code, Code::RuntimeAlloc | Code::RuntimeInterrupted) {
            return e;
        }
        let name = self.user.info().name;
        match e.code {
            Code::LinalgSingular => OpError::new(
                Code::LinalgSingular,
                format!("`grad` cannot differentiate `{name}` at a singular (rank-deficient) matrix"),
            )
            .label(format!("the derivative of `{name}` needs an invertible matrix here"))
            .help(format!(
                "the value of `{name}` exists here but its derivative rule does not; check the matrix with svd(...)"
            )),
            _ => OpError { message: format!("differentiating `{name}`: {}", e.message), arg: None, ..e },
        }
    }
    fn arith(&self, op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Arith(op), vec![a, b])
    }
    fn mul(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Mul, a, b)
    }
    fn div(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Div, a, b)
    }
    fn sub(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Sub, a, b)
    }
    fn pow(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Pow, a, b)
    }
    fn neg(&self, a: Value) -> Result<Value, OpError> {
        self.unary(Unary::Neg, a)
    }
    fn unary(&self, op: Unary, a: Value) -> Result<Value, OpError> {
        self.run(Prim::Unary(op), vec![a])
    }
    fn where_(&self, c: Value, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Arith(Arith::Where), vec![c, a, b])
    }
    /// `g` where `a cmp b` holds, half of it where `a == b` (a tie), else 0.
    fn share(&self, cmp: Arith, a: &Value, b: &Value, g: Value) -> Result<Value, OpError> {
        let tie = self.where_(
            self.arith(Arith::Eq, a.clone(), b.clone())?,
            self.div(g.clone(), Value::Int(2))?,
            Value::Int(0),
        )?;
        self.where_(self.arith(cmp, a.clone(), b.clone())?, g, tie)
    }
    /// `v` converted to the float dtype of `like`.
    fn cast_like(&self, v: Value, like: &Value) -> Result<Value, OpError> {
        let to = match like.primal() {
            Value::F32(_) | Value::Tensor(Tensor::F32(_)) => ShapeOp::F32,
            _ => ShapeOp::F64,
        };
        self.shape_op(to, vec![v])
    }
    /// An `axis=` operand as an axis of a rank-`rank` result (0 when left out).
    fn axis(&self, axis: &Value, rank: usize) -> usize {
        match axis {
            Value::Int(a) if *a < 0 => (*a + rank as i64).max(0) as usize,
            Value::Int(a) => *a as usize,
            _ => 0,
        }
    }
    fn reduce(&self, op: Reduce, x: Value, axis: Value, keepdims: Value) -> Result<Value, OpError> {
        self.run(Prim::Reduce(op), vec![x, axis, keepdims])
    }
    fn shape_op(&self, op: ShapeOp, args: Vec<Value>) -> Result<Value, OpError> {
        self.run(Prim::Shape(op), args)
    }
    fn matmul(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.linalg(Linalg::MatMul, a, b)
    }
    fn linalg(&self, op: Linalg, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Linalg(op), vec![a, b])
    }
    fn transpose(&self, a: Value) -> Result<Value, OpError> {
        self.shape_op(ShapeOp::Transpose, vec![a])
    }
    /// The shape of `v` as int values.
    fn dims(&self, v: &Value) -> Vec<Value> {
        self.dims_i64(v).into_iter().map(Value::Int).collect()
    }
    fn dims_i64(&self, v: &Value) -> Vec<i64> {
        match v.primal() {
            Value::Tensor(t) => t.shape().iter().map(|&d| d as i64).collect(),
            _ => Vec::new(),
        }
    }
    fn size(&self, v: &Value) -> usize {
        self.dims_i64(v).iter().product::<i64>() as usize
    }
    /// `d` summed back to the shape of the operand `like` (undoing broadcasting).
    fn sum_to(&self, d: Value, like: &Value) -> Result<Value, OpError> {
        self.shape_op(ShapeOp::SumTo, [vec![d], self.dims(like)].concat())
    }
    /// `g` as a tensor of exactly `out`'s shape.
    fn full(&self, g: Value, out: &Value) -> Result<Value, OpError> {
        if self.dims(out).is_empty() {
            return Ok(g);
        }
        self.shape_op(ShapeOp::BroadcastTo, [vec![g], self.dims(out)].concat())
    }
    /// The cotangent of a reduction's result, given back the reduced axes so that it broadcasts
    /// against the reduction's input.
    fn expand(&self, g: Value, input: &Value, axis: &Value, keepdims: bool) -> Result<Value, OpError> {
        let rank = self.dims(input).len();
        match axis {
            Value::Int(a) if !keepdims && rank > 0 => {
                let a = if *a < 0 { *a + rank as i64 } else { *a } as usize;
                let mut dims = self.dims(input);
                dims[a] = Value::Int(1);
                let g = self.full(g, &self.reduced_like(input, a)?)?;
                self.shape_op(ShapeOp::Reshape, [vec![g], dims].concat())
            }
            _ => Ok(g),
        }
    }
    /// A placeholder with the shape `input` has after reducing axis `a` (for [`Ops::full`]).
    fn reduced_like(&self, input: &Value, a: usize) -> Result<Value, OpError> {
        let mut dims = self.dims(input);
        dims.remove(a);
        if dims.is_empty() {
            return Ok(Value::F64(0.0));
        }
        self.shape_op(ShapeOp::BroadcastTo, [vec![Value::F64(0.0)], dims].concat())
    }
    /// `linalg` of one operand.
    fn linalg1(&self, op: Linalg, a: Value) -> Result<Value, OpError> {
        self.run(Prim::Linalg(op), vec![a])
    }
    /// `a bᵀ` for matrices, the outer product for vectors.
    fn outer_t(&self, a: Value, b: Value) -> Result<Value, OpError> {
        if self.dims(&a).len() == 1 {
            self.linalg(Linalg::Outer, a, b)
        } else {
            self.matmul(a, self.transpose(b)?)
        }
    }
    /// A constant square matrix typed like `like`, with ones on and below the diagonal
    /// (`strict`: below only) and zeros elsewhere.
    fn lower_mask(&self, like: &Value, strict: bool) -> Value {
        let n = self.dims_i64(like).first().copied().unwrap_or(0) as usize;
        let keep = |(i, j): (usize, usize)| i > j || (!strict && i == j);
        let mask = ndarray::Array2::from_shape_fn((n, n), |ij| if keep(ij) { 1.0 } else { 0.0 });
        match like.primal() {
            Value::Tensor(Tensor::F32(_)) => {
                Value::Tensor(Tensor::F32(mask.mapv(|v| v as f32).into_dyn().into_shared()))
            }
            _ => Value::Tensor(Tensor::F64(mask.into_dyn().into_shared())),
        }
    }
    /// Zeros shaped and typed like `v`.
    fn zeros_like(&self, v: &Value) -> Result<Value, OpError> {
        let zero = match v.primal() {
            Value::F32(_) | Value::Tensor(Tensor::F32(_)) => Value::F32(0.0),
            _ => Value::F64(0.0),
        };
        self.shape_op(ShapeOp::BroadcastTo, [vec![zero], self.dims(v)].concat())
    }
}
