//! The derivative rules of the element-wise operators and functions ([`Arith`]).

use super::Arith;
use crate::autodiff::{ops::Ops, Cotangents};
use crate::prims::{OpError, Unary};
use crate::value::Value;

impl Arith {
    /// The cotangents of the wanted operands, given the operands `x`, the result `out` and its
    /// cotangent `g`. Each is summed back to its operand's shape (undoing broadcasting).
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        let (a, b) = (&x[0], &x[1]);
        // What both operands' cotangents use: g / b for `/`, and for `maximum` and `minimum` the
        // share of g at a tie (half of it); g itself for the others.
        let shared = if self == Arith::Div {
            o.div(g.clone(), b.clone())?
        } else if matches!(self, Arith::Maximum | Arith::Minimum) {
            let equal = o.arith(Arith::Eq, a.clone(), b.clone())?;
            o.where_(equal, o.div(g.clone(), Value::Int(2))?, Value::Int(0))?
        } else {
            g.clone()
        };
        o.each(x, |k| {
            let d = match (self, k) {
                (Arith::Add, _) | (Arith::Sub | Arith::Rem, 0) => g.clone(),
                (Arith::Sub, _) => o.neg(g.clone())?,
                (Arith::Mul, _) => o.mul(g.clone(), x[1 - k].clone())?,
                // a / b: ā = g / b and b̄ = -ā (a / b).
                (Arith::Div, 0) => shared.clone(),
                (Arith::Div, _) => o.neg(o.mul(shared.clone(), out.clone())?)?,
                // a % b = a - b floor(a / b): b̄ = -g floor(a / b) = -g (a - out) / b.
                (Arith::Rem, _) => o.neg(o.mul(g.clone(), o.div(o.sub(a.clone(), out.clone())?, b.clone())?)?)?,
                // a ^ b: ā = g b a^(b-1).
                (Arith::Pow, 0) => {
                    o.mul(o.mul(g.clone(), b.clone())?, o.arith(Arith::Pow, a.clone(), o.sub(b.clone(), Value::Int(1))?)?)?
                }
                // b̄ = g a^b log(a), with log(0) read as 0 (the term vanishes there), as JAX does.
                (Arith::Pow, _) => {
                    let base = o.where_(o.arith(Arith::Eq, a.clone(), Value::Int(0))?, Value::Int(1), a.clone())?;
                    o.mul(o.mul(g.clone(), out.clone())?, o.unary(Unary::Log, base)?)?
                }
                // g goes to the operand the result is; at a tie each gets its share.
                (Arith::Maximum, 0) | (Arith::Minimum, 1) => {
                    o.where_(o.arith(Arith::Gt, a.clone(), b.clone())?, g.clone(), shared.clone())?
                }
                (Arith::Maximum | Arith::Minimum, _) => {
                    o.where_(o.arith(Arith::Lt, a.clone(), b.clone())?, g.clone(), shared.clone())?
                }
                (Arith::Where, 1) => o.where_(a.clone(), g.clone(), Value::Int(0))?,
                (Arith::Where, 2) => o.where_(a.clone(), Value::Int(0), g.clone())?,
                // clip(x, lo, hi) = minimum(maximum(x, lo), hi): g goes to the operand the value
                // is, x on [lo, hi] including its ends (PyTorch's choice), lo below it, hi above
                // it and whenever lo > hi (the value is then hi, as in NumPy).
                (Arith::Clip, 0) => {
                    let above = o.arith(Arith::Ge, a.clone(), b.clone())?;
                    let inside = o.arith(Arith::And, above, o.arith(Arith::Le, a.clone(), x[2].clone())?)?;
                    o.where_(inside, g.clone(), Value::Int(0))?
                }
                (Arith::Clip, 1) => {
                    let below = o.arith(Arith::Lt, a.clone(), b.clone())?;
                    let ordered = o.arith(Arith::Le, b.clone(), x[2].clone())?;
                    o.where_(o.arith(Arith::And, below, ordered)?, g.clone(), Value::Int(0))?
                }
                (Arith::Clip, _) => {
                    let lower = o.arith(Arith::Maximum, a.clone(), b.clone())?;
                    o.where_(o.arith(Arith::Gt, lower, x[2].clone())?, g.clone(), Value::Int(0))?
                }
                // floor(a / b) is piecewise constant: derivative 0 wherever it exists (as
                // `floor`); `where`'s condition, comparisons and logic are constants.
                (Arith::FloorDiv | Arith::Where, _)
                | (Arith::Eq | Arith::Ne | Arith::Lt | Arith::Le | Arith::Gt | Arith::Ge | Arith::And | Arith::Or, _) => {
                    return Ok(None)
                }
            };
            // `d` may be smaller than the result (a scalar from `sum`); when broadcasting made
            // the result larger than this operand, each broadcast copy must be counted first.
            let d = if o.dims_i64(&x[k]) != o.dims_i64(out) { o.full(d, out)? } else { d };
            o.sum_to(d, &x[k]).map(Some)
        })
    }
}
