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
        // `d` may be smaller than the result (a scalar from `sum`); when broadcasting made the
        // result larger than operand k, each broadcast copy must be counted before summing.
        let fit = |k: usize, d: Value| -> Result<Option<Value>, OpError> {
            let d = if o.dims_i64(&x[k]) != o.dims_i64(out) { o.full(d, out)? } else { d };
            o.sum_to(d, &x[k]).map(Some)
        };
        match self {
            Arith::Add => o.each(x, |k| fit(k, g.clone())),
            Arith::Sub => o.each(x, |k| fit(k, if k == 0 { g.clone() } else { o.neg(g.clone())? })),
            Arith::Mul => o.each(x, |k| fit(k, o.mul(g.clone(), x[1 - k].clone())?)),
            // a / b: ā = g / b and b̄ = -ā (a / b).
            Arith::Div => {
                let over = o.div(g, b.clone())?;
                o.each(x, |k| fit(k, if k == 0 { over.clone() } else { o.neg(o.mul(over.clone(), out.clone())?)? }))
            }
            // a % b = a - b floor(a / b): ā = g, b̄ = -g floor(a / b) = -g (a - out) / b.
            Arith::Rem => o.each(x, |k| {
                fit(k, if k == 0 { g.clone() } else { o.neg(o.mul(g.clone(), o.div(o.sub(a.clone(), out.clone())?, b.clone())?)?)? })
            }),
            Arith::Pow => o.each(x, |k| {
                fit(k, if k == 0 {
                    // ā = g b a^(b-1).
                    o.mul(o.mul(g.clone(), b.clone())?, o.pow(a.clone(), o.sub(b.clone(), Value::Int(1))?)?)?
                } else {
                    // b̄ = g a^b log(a), with log(0) read as 0 (the term vanishes there), as JAX does.
                    let base = o.where_(o.arith(Arith::Eq, a.clone(), Value::Int(0))?, Value::Int(1), a.clone())?;
                    o.mul(o.mul(g.clone(), out.clone())?, o.unary(Unary::Log, base)?)?
                })
            }),
            // g goes to the operand the result is; a tie gives each operand half.
            Arith::Maximum | Arith::Minimum => {
                let equal = o.arith(Arith::Eq, a.clone(), b.clone())?;
                let tie = o.where_(equal, o.div(g.clone(), Value::Int(2))?, Value::Int(0))?;
                let wins = |k: usize| if (k == 0) == (self == Arith::Maximum) { Arith::Gt } else { Arith::Lt };
                o.each(x, |k| fit(k, o.where_(o.arith(wins(k), a.clone(), b.clone())?, g.clone(), tie.clone())?))
            }
            // The condition is a constant; each branch gets g where it was picked.
            Arith::Where => o.each(x, |k| match k {
                0 => Ok(None),
                1 => fit(k, o.where_(a.clone(), g.clone(), Value::Int(0))?),
                _ => fit(k, o.where_(a.clone(), Value::Int(0), g.clone())?),
            }),
            // clip(x, lo, hi) = minimum(maximum(x, lo), hi): g goes to the operand the value is,
            // x on [lo, hi] including its ends (PyTorch's choice), lo below it, hi above it and
            // whenever lo > hi (the value is then hi, as in NumPy).
            Arith::Clip => o.each(x, |k| {
                let hi = x[2].clone();
                let picked = match k {
                    0 => {
                        let above = o.arith(Arith::Ge, a.clone(), b.clone())?;
                        o.arith(Arith::And, above, o.arith(Arith::Le, a.clone(), hi)?)?
                    }
                    1 => {
                        let below = o.arith(Arith::Lt, a.clone(), b.clone())?;
                        o.arith(Arith::And, below, o.arith(Arith::Le, b.clone(), hi)?)?
                    }
                    _ => o.arith(Arith::Gt, o.arith(Arith::Maximum, a.clone(), b.clone())?, hi)?,
                };
                fit(k, o.where_(picked, g.clone(), Value::Int(0))?)
            }),
            // floor(a / b) is piecewise constant: derivative 0 wherever it exists (as `floor`);
            // comparisons and logic have bool results, which carry no derivative.
            Arith::FloorDiv
            | Arith::Eq
            | Arith::Ne
            | Arith::Lt
            | Arith::Le
            | Arith::Gt
            | Arith::Ge
            | Arith::And
            | Arith::Or => Ok(Vec::new()),
        }
    }
}
