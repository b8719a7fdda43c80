//! Every derivative rule, one per primitive, as a vector-Jacobian product: given the cotangent
//! `g` of a primitive's output, the cotangent of its operand `k`. Rules are written with the
//! language's own primitives (through [`apply`]), so they can be differentiated again.
//!
//! A cotangent may be smaller than its value as long as it broadcasts to it (the gradient of
//! `sum` is the scalar `g`, not a tensor of copies); `sum_to` undoes broadcasting, as JAX's
//! `_unbroadcast` does. At kinks the rules choose: `relu'(0) = 0`, `abs'(0) = 0`, and `maximum`,
//! `minimum` and `max`/`min` split ties evenly (reductions) or give them to the first operand.

use super::apply;
use crate::diag::Code;
use crate::prims::{Arith, Construct, Ctx, Linalg, OpError, Prim, Reduce, ShapeOp, Unary};
use crate::value::{Tensor, Value};
use std::cell::RefCell;

/// The cotangent of operand `k` of `prim`, given its operands `x`, its result `out` and the
/// cotangent `g` of the result.
pub fn vjp(prim: Prim, k: usize, x: &[Value], out: &Value, g: Value, ctx: &mut Ctx) -> Result<Value, OpError> {
    let o = &Ops { ctx: RefCell::new(ctx) };
    match prim {
        Prim::Arith(op) => arith(o, op, k, x, out, g),
        Prim::Unary(op) => unary(o, op, x, out, g),
        Prim::Reduce(op) => reduce(o, op, x, out, g),
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
        (Arith::Add, _) => g,
        (Arith::Sub, 0) => g,
        (Arith::Sub, _) => o.neg(g)?,
        (Arith::Mul, 0) => o.mul(g, b.clone())?,
        (Arith::Mul, _) => o.mul(g, a.clone())?,
        (Arith::Div, 0) => o.div(g, b.clone())?,
        (Arith::Div, _) => o.neg(o.div(o.mul(g, out.clone())?, b.clone())?)?,
        (Arith::Rem, 0) => g,
        (Arith::Rem, _) => o.neg(o.mul(g, o.div(o.sub(a.clone(), out.clone())?, b.clone())?)?)?,
        (Arith::Pow, 0) => {
            let scale = o.mul(g, b.clone())?;
            o.mul(scale, o.pow(a.clone(), o.sub(b.clone(), Value::Int(1))?)?)?
        }
        (Arith::Pow, _) => o.mul(o.mul(g, out.clone())?, o.unary(Unary::Log, a.clone())?)?,
        (Arith::Maximum, 0) => o.mask(Arith::Ge, a, b, g)?,
        (Arith::Maximum, _) => o.mask(Arith::Lt, a, b, g)?,
        (Arith::Minimum, 0) => o.mask(Arith::Le, a, b, g)?,
        (Arith::Minimum, _) => o.mask(Arith::Gt, a, b, g)?,
        (Arith::Where, 0) => return Ok(Value::F64(0.0)),
        (Arith::Where, 1) => o.where_(a.clone(), g, Value::F64(0.0))?,
        (Arith::Where, _) => o.where_(a.clone(), Value::F64(0.0), g)?,
        (Arith::Clip, 0) => {
            let inside = o.arith(
                Arith::And,
                o.arith(Arith::Ge, a.clone(), b.clone())?,
                o.arith(Arith::Le, a.clone(), x[2].clone())?,
            )?;
            o.where_(inside, g, Value::F64(0.0))?
        }
        (Arith::Clip, 1) => o.mask(Arith::Lt, a, b, g)?,
        (Arith::Clip, _) => o.mask(Arith::Gt, a, &x[2], g)?,
        (Arith::Eq | Arith::Ne | Arith::Lt | Arith::Le | Arith::Gt | Arith::Ge | Arith::And | Arith::Or, _) => {
            return Ok(Value::F64(0.0))
        }
    };
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
        Unary::Relu => o.where_(o.arith(Arith::Gt, x, Value::Int(0))?, g, Value::F64(0.0)),
        Unary::Softplus => o.mul(g, o.unary(Unary::Sigmoid, x)?),
        Unary::Sign | Unary::Not | Unary::IsNan => Ok(Value::F64(0.0)),
    }
}

fn reduce(o: &Ops, op: Reduce, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    let (input, axis) = (&x[0], x[1].clone());
    let keepdims = matches!(x.get(2), Some(Value::Bool(true)));
    match op {
        Reduce::Sum => o.expand(g, input, &axis, keepdims),
        Reduce::Mean => {
            let count = o.size(input) / o.size(out).max(1);
            o.div(o.expand(g, input, &axis, keepdims)?, Value::Int(count as i64))
        }
        Reduce::Max | Reduce::Min => {
            let hit = o.arith(Arith::Eq, input.clone(), o.expand(out.clone(), input, &axis, keepdims)?)?;
            let mask = o.where_(hit, Value::F64(1.0), Value::F64(0.0))?;
            let ties = o.reduce(Reduce::Sum, mask.clone(), axis.clone(), Value::Bool(true))?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.div(mask, ties)?)
        }
        Reduce::Prod => {
            o.mul(o.expand(o.mul(g, out.clone())?, input, &axis, keepdims)?, o.div(Value::Int(1), input.clone())?)
        }
        Reduce::LogSumExp => {
            let shifted = o.sub(input.clone(), o.expand(out.clone(), input, &axis, keepdims)?)?;
            o.mul(o.expand(g, input, &axis, keepdims)?, o.unary(Unary::Exp, shifted)?)
        }
        Reduce::Softmax => {
            let gs = o.mul(g.clone(), out.clone())?;
            let total = o.reduce(Reduce::Sum, gs, axis, Value::Bool(true))?;
            o.mul(out.clone(), o.sub(g, total)?)
        }
        Reduce::Norm => o.mul(g, o.div(input.clone(), out.clone())?),
        Reduce::ArgMax | Reduce::ArgMin | Reduce::Any | Reduce::All => Ok(Value::F64(0.0)),
    }
}

fn shape(o: &Ops, op: ShapeOp, k: usize, x: &[Value], out: &Value, g: Value) -> Result<Value, OpError> {
    match op {
        ShapeOp::Reshape => {
            let g = o.full(g, out)?;
            o.shape_op(ShapeOp::Reshape, [vec![g], o.dims(&x[0])].concat())
        }
        ShapeOp::Transpose => o.shape_op(ShapeOp::Transpose, vec![o.full(g, out)?]),
        ShapeOp::Concat => {
            if k == 0 {
                return Ok(Value::F64(0.0));
            }
            let axis = match &x[0] {
                Value::Int(a) => *a,
                _ => 0,
            };
            let rank = o.dims(out).len() as i64;
            let axis = if axis < 0 { axis + rank } else { axis } as usize;
            let start: i64 = x[1..k].iter().map(|v| o.dims_i64(v)[axis]).sum();
            let stop = start + o.dims_i64(&x[k])[axis];
            let mut idx = vec![o.full(g, out)?];
            idx.extend((0..axis).map(|_| all()));
            idx.push(span(Value::Int(start), Value::Int(stop)));
            o.shape_op(ShapeOp::Index, idx)
        }
        ShapeOp::Stack | ShapeOp::Literal => {
            let (axis, item) = if op == ShapeOp::Stack {
                if k == 0 {
                    return Ok(Value::F64(0.0));
                }
                let rank = o.dims(out).len() as i64;
                let a = match &x[0] {
                    Value::Int(a) if *a < 0 => *a + rank,
                    Value::Int(a) => *a,
                    _ => 0,
                };
                (a as usize, k - 1)
            } else {
                (0, k)
            };
            let mut idx = vec![o.full(g, out)?];
            idx.extend((0..axis).map(|_| all()));
            idx.push(Value::Int(item as i64));
            o.shape_op(ShapeOp::Index, idx)
        }
        ShapeOp::F32 | ShapeOp::F64 | ShapeOp::Float => {
            let back = match x[0].primal() {
                Value::F32(_) | Value::Tensor(Tensor::F32(_)) => ShapeOp::F32,
                _ => ShapeOp::F64,
            };
            o.shape_op(back, vec![g])
        }
        ShapeOp::Index => {
            if k > 0 {
                return Ok(Value::F64(0.0));
            }
            let zero = o.zeros_like(&x[0])?;
            o.shape_op(ShapeOp::IndexSet, [vec![zero, g], x[1..].to_vec()].concat())
        }
        ShapeOp::IndexSet => match k {
            0 => o.shape_op(ShapeOp::IndexSet, [vec![o.full(g, out)?, Value::F64(0.0)], x[2..].to_vec()].concat()),
            1 => {
                let part = o.shape_op(ShapeOp::Index, [vec![o.full(g, out)?], x[2..].to_vec()].concat())?;
                o.sum_to(part, &x[1])
            }
            _ => Ok(Value::F64(0.0)),
        },
        ShapeOp::BroadcastTo => {
            if k == 0 {
                o.sum_to(g, &x[0])
            } else {
                Ok(Value::F64(0.0))
            }
        }
        ShapeOp::SumTo => Ok(if k == 0 { g } else { Value::F64(0.0) }),
        ShapeOp::Shape | ShapeOp::Size | ShapeOp::Int | ShapeOp::Str | ShapeOp::Len => Ok(Value::F64(0.0)),
    }
}

fn construct(o: &Ops, op: Construct, k: usize, out: &Value, g: Value) -> Result<Value, OpError> {
    match (op, k) {
        (Construct::Full, 0) => o.reduce(Reduce::Sum, o.full(g, out)?, Value::Absent, Value::Absent),
        _ => Ok(Value::F64(0.0)),
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
        Linalg::Inv
        | Linalg::Solve
        | Linalg::Det
        | Linalg::Eigh
        | Linalg::Svd
        | Linalg::Qr
        | Linalg::Cholesky
        | Linalg::Lstsq => Err(not_differentiable(Prim::Linalg(op))),
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
}

impl Ops<'_> {
    fn run(&self, prim: Prim, args: Vec<Value>) -> Result<Value, OpError> {
        apply(prim, args, &mut self.ctx.borrow_mut())
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
    /// `g` where `a cmp b` holds, else 0.
    fn mask(&self, cmp: Arith, a: &Value, b: &Value, g: Value) -> Result<Value, OpError> {
        let c = self.arith(cmp, a.clone(), b.clone())?;
        self.where_(c, g, Value::F64(0.0))
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
    /// Zeros shaped and typed like `v`.
    fn zeros_like(&self, v: &Value) -> Result<Value, OpError> {
        let zero = match v.primal() {
            Value::F32(_) | Value::Tensor(Tensor::F32(_)) => Value::F32(0.0),
            _ => Value::F64(0.0),
        };
        self.shape_op(ShapeOp::BroadcastTo, [vec![zero], self.dims(v)].concat())
    }
}
