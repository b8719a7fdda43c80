//! The derivative rules of the constructors ([`Construct`]): only the values a constructor
//! spreads over its result (`full`'s value, `arange`'s start and step, `linspace`'s ends) have
//! derivatives; dimensions, counts and random draws are constants.

use super::Construct;
use crate::autodiff::{ops::Ops, Cotangents};
use crate::diag::Code;
use crate::prims::{OpError, Prim, Reduce};
use crate::value::Value;

impl Construct {
    /// The cotangents of the wanted operands, given the operands `x`, the result `out` and its
    /// cotangent `g`.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        // The sum of g (spread over the result) weighted by how each element moves with the operand.
        let total = |g: &Value, weights: Option<Value>| {
            let g = match weights {
                Some(w) => o.mul(g.clone(), o.cast_like(w, out)?)?,
                None => g.clone(),
            };
            o.reduce(Reduce::Sum, g, Value::Absent, Value::Absent).map(Some)
        };
        let n = Value::Int(o.size(out) as i64);
        match self {
            // full(v, dims...): every element moves with v.
            Construct::Full => o.each(x, |k| if k == 0 { total(&o.full(g.clone(), out)?, None) } else { Ok(None) }),
            // arange(start, stop, step)[i] = start + i step.
            Construct::Arange => {
                let g = o.full(g, out)?;
                o.each(x, |k| match k {
                    0 => total(&g, None),
                    2 => total(&g, Some(o.run(Prim::Construct(self), vec![Value::Int(0), n.clone(), Value::Absent])?)),
                    _ => Ok(None),
                })
            }
            // linspace(a, b, n)[i] = a (1 - tᵢ) + b tᵢ with t = linspace(0, 1, n).
            Construct::Linspace => {
                let g = o.full(g, out)?;
                let t = o.run(Prim::Construct(self), vec![Value::Int(0), Value::Int(1), n])?;
                o.each(x, |k| match k {
                    0 => total(&g, Some(o.sub(Value::Int(1), t.clone())?)),
                    1 => total(&g, Some(t.clone())),
                    _ => Ok(None),
                })
            }
            // The order is drawn at random and not recorded: differentiate through x[permutation(n)].
            Construct::Shuffle => Err(OpError::new(Code::TypeMismatch, "`shuffle` cannot be differentiated")
                .help("shuffle with an index instead, whose gradient is defined: X[permutation(len(X))]")),
            Construct::Zeros
            | Construct::Ones
            | Construct::Eye
            | Construct::Randn
            | Construct::Rand
            | Construct::OneHot
            | Construct::Permutation
            | Construct::Randint
            | Construct::Choice
            | Construct::ZerosLike
            | Construct::OnesLike => Ok(Vec::new()),
        }
    }
}
