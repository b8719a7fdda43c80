//! The derivative rules of the statistics and running sums ([`Stats`]).

use super::{brackets, Stats};
use crate::autodiff::ops::{all, Ops};
use crate::autodiff::Cotangents;
use crate::diag::Code;
use crate::prims::reduce::normalize_axis;
use crate::prims::{Arith, OpError, Prim, Reduce, ShapeOp};
use crate::value::Value;

impl Stats {
    /// The cotangent of the data `x[0]` (`q`, `axis`, `keepdims`, `ddof` are constants),
    /// given the result `out` and its cotangent `g`.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        let input = &x[0];
        let at = self.axis_position();
        let axis = x.get(at).cloned().unwrap_or(Value::Absent);
        let keepdims = matches!(x.get(at + 1), Some(Value::Bool(true)));
        let rank = o.dims(input).len();
        if !o.wants(0) {
            return Ok(Vec::new());
        }
        if rank == 0 && !matches!(self, Stats::Var | Stats::Std) {
            return Ok(vec![Some(g)]);
        }
        let d = match self {
            // sort(x) = x[p] with p = argsort(x): x̄ = g added back at p (a vector's; along an axis
            // of a matrix the permutation differs per lane).
            Stats::Sort if rank == 1 => {
                crate::autodiff::reads_value(input);
                let order = o.run(Prim::Stats(Stats::ArgSort), vec![input.primal().clone(), Value::Absent])?;
                o.shape_op(ShapeOp::IndexAdd, vec![o.zeros_like(input)?, o.full(g, out)?, order])
            }
            Stats::Sort => Err(OpError::new(Code::TypeMismatch, "the gradient of `sort` is defined for vectors only")
                .help("sort each row separately, e.g. sort(X[i])")),
            Stats::ArgSort => return Ok(Vec::new()),
            // var = sum((x - mean)²) / (n - ddof): x̄ = g 2 (x - mean) / (n - ddof).
            // std = sqrt(var): the same with g / (2 std), and 0 where std = 0 (as `norm` at 0).
            Stats::Var | Stats::Std => {
                let ddof = if let Some(Value::Int(d)) = x.get(3).map(Value::primal) { *d } else { 0 };
                let n = (o.size(input) / o.size(out).max(1)) as i64;
                let g = if self == Stats::Std {
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
                x.iter().for_each(crate::autodiff::reads_value);
                let q = self.fraction(x).unwrap_or(0.5);
                let along = if let Value::Int(k) = axis { normalize_axis(k, rank) } else { None };
                let Some((below, above, t)) = brackets(input, q, along) else { return Ok(Vec::new()) };
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
                if self == Stats::CumProd {
                    let hit = o.arith(Arith::Eq, input.clone(), Value::Int(0))?;
                    let zero = o.reduce(Reduce::Any, hit, Value::Absent, Value::Absent)?;
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
                let from_end = if self != Stats::CumProd {
                    from_end
                } else if flat {
                    o.div(from_end, o.shape_op(ShapeOp::Reshape, vec![input.clone(), Value::Int(-1)])?)?
                } else {
                    o.div(from_end, input.clone())?
                };
                if flat && rank != 1 {
                    o.shape_op(ShapeOp::Reshape, [vec![from_end], o.dims(input)].concat())
                } else {
                    Ok(from_end)
                }
            }
        };
        Ok(vec![Some(d?)])
    }
}
