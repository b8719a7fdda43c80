//! The derivative rules of the element-wise functions of one argument ([`Unary`]).

use super::Unary;
use crate::autodiff::{ops::Ops, Cotangents};
use crate::prims::{Arith, OpError};
use crate::value::Value;

impl Unary {
    /// The cotangent of the operand `x[0]`, given the result `out` and its cotangent `g`.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        let x = x[0].clone();
        let d = match self {
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
            Unary::Sign | Unary::Not | Unary::IsNan | Unary::Floor | Unary::Ceil | Unary::Round => {
                return Ok(Vec::new())
            }
        };
        Ok(vec![Some(d?)])
    }
}
