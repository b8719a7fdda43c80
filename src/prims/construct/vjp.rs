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
        // The sum of g over the result, each element weighted by how it moves with the operand.
        let total = |weights: Option<Value>| {
            let g = o.full(g.clone(), out)?;
            let g = match weights {
                Some(w) => o.mul(g, o.cast_like(w, out)?)?,
                None => g,
            };
            o.reduce(Reduce::Sum, g, Value::Absent, Value::Absent).map(Some)
        };
        let n = Value::Int(o.size(out) as i64);
        match self {
            // full(v, dims...): every element moves with v.
            Construct::Full => o.each(x, |k| if k == 0 { total(None) } else { Ok(None) }),
            // arange(start, stop, step)[i] = start + i step.
            Construct::Arange => o.each(x, |k| match k {
                0 => total(None),
                2 => total(Some(
                    o.run(Prim::Construct(Construct::Arange), vec![Value::Int(0), n.clone(), Value::Absent])?,
                )),
                _ => Ok(None),
            }),
            // linspace(a, b, n)[i] = a (1 - tᵢ) + b tᵢ with t = linspace(0, 1, n).
            Construct::Linspace => o.each(x, |k| {
                if k > 1 {
                    return Ok(None);
                }
                let t = o.run(Prim::Construct(Construct::Linspace), vec![Value::Int(0), Value::Int(1), n.clone()])?;
                total(Some(if k == 0 { o.sub(Value::Int(1), t)? } else { t }))
            }),
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
