//! The derivative rules of the reductions ([`Reduce`]).

use super::Reduce;
use crate::autodiff::{ops::Ops, Cotangents};
use crate::prims::{Arith, OpError, Unary};
use crate::value::Value;

impl Reduce {
    /// The cotangent of the reduced operand `x[0]` (`axis` and `keepdims` are constants),
    /// given the result `out` and its cotangent `g`.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        let (input, axis) = (&x[0], x.get(1).cloned().unwrap_or(Value::Absent));
        let keepdims = matches!(x.get(2), Some(Value::Bool(true)));
        let scalar = o.dims(input).is_empty();
        let d = match self {
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
            Reduce::Softmax if scalar => return Ok(Vec::new()),
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
            Reduce::ArgMax | Reduce::ArgMin | Reduce::Any | Reduce::All => return Ok(Vec::new()),
        };
        Ok(vec![Some(d?)])
    }
}
