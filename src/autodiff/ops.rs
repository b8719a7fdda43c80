//! The vocabulary the derivative rules are written with: [`Ops`], short names for the
//! primitives a rule computes with, each run through [`apply`] so that a rule can itself be
//! differentiated (`grad(grad(f))`, `hessian`). The rules sit beside their primitives, in
//! `src/prims/<family>/vjp.rs`; [`super::vjp`] dispatches to them.

use super::{apply, is_f32, Cotangents};
use crate::diag::Code;
use crate::prims::{Arith, Ctx, Linalg, OpError, Prim, Reduce, ShapeOp, Unary};
use crate::value::{Tensor, Value};
use std::cell::RefCell;

/// The full slice `:` as the index primitive takes it.
pub(crate) fn all() -> Value {
    span(Value::Absent, Value::Absent)
}

/// The slice `start:stop`.
pub(crate) fn span(start: Value, stop: Value) -> Value {
    Value::Tuple(vec![start, stop, Value::Absent].into())
}

/// Short names for the primitives the rules are written with; each goes through [`apply`].
pub(crate) struct Ops<'a> {
    ctx: RefCell<&'a mut Ctx>,
    /// The primitive whose rule is running: the user's call that errors are about.
    user: Prim,
    /// Which operands' cotangents the sweep wants (those being differentiated).
    wanted: &'a [bool],
}

impl<'a> Ops<'a> {
    /// The vocabulary for the rule of `user`, whose operands `wanted` are being differentiated.
    pub(crate) fn new(ctx: &'a mut Ctx, user: Prim, wanted: &'a [bool]) -> Ops<'a> {
        Ops { ctx: RefCell::new(ctx), user, wanted }
    }
    /// Whether operand `k`'s cotangent is wanted.
    pub(crate) fn wants(&self, k: usize) -> bool {
        self.wanted.get(k).copied().unwrap_or(false)
    }
    /// `rule(k)` for each wanted operand `k` of `x`, in order; `None` for the others.
    pub(crate) fn each(
        &self,
        x: &[Value],
        mut rule: impl FnMut(usize) -> Result<Option<Value>, OpError>,
    ) -> Result<Cotangents, OpError> {
        (0..x.len()).map(|k| if self.wants(k) { rule(k) } else { Ok(None) }).collect()
    }
    /// The cotangent of operand 0 alone (the others are constants), if it is wanted.
    pub(crate) fn first(&self, rule: impl FnOnce() -> Result<Value, OpError>) -> Result<Cotangents, OpError> {
        Ok(vec![if self.wants(0) { Some(rule()?) } else { None }])
    }
    pub(crate) fn run(&self, prim: Prim, args: Vec<Value>) -> Result<Value, OpError> {
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
    pub(crate) fn arith(&self, op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Arith(op), vec![a, b])
    }
    pub(crate) fn mul(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Mul, a, b)
    }
    pub(crate) fn div(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Div, a, b)
    }
    pub(crate) fn sub(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.arith(Arith::Sub, a, b)
    }
    pub(crate) fn neg(&self, a: Value) -> Result<Value, OpError> {
        self.unary(Unary::Neg, a)
    }
    pub(crate) fn unary(&self, op: Unary, a: Value) -> Result<Value, OpError> {
        self.run(Prim::Unary(op), vec![a])
    }
    pub(crate) fn where_(&self, c: Value, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Arith(Arith::Where), vec![c, a, b])
    }
    /// `v` converted to the float dtype of `like`.
    pub(crate) fn cast_like(&self, v: Value, like: &Value) -> Result<Value, OpError> {
        self.shape_op(if is_f32(like) { ShapeOp::F32 } else { ShapeOp::F64 }, vec![v])
    }
    /// An `axis=` operand as an axis of a rank-`rank` result (0 when left out).
    pub(crate) fn axis(&self, axis: &Value, rank: usize) -> usize {
        match axis {
            Value::Int(a) if *a < 0 => (*a + rank as i64).max(0) as usize,
            Value::Int(a) => *a as usize,
            _ => 0,
        }
    }
    pub(crate) fn reduce(&self, op: Reduce, x: Value, axis: Value, keepdims: Value) -> Result<Value, OpError> {
        self.run(Prim::Reduce(op), vec![x, axis, keepdims])
    }
    pub(crate) fn shape_op(&self, op: ShapeOp, args: Vec<Value>) -> Result<Value, OpError> {
        self.run(Prim::Shape(op), args)
    }
    pub(crate) fn matmul(&self, a: Value, b: Value) -> Result<Value, OpError> {
        self.linalg(Linalg::MatMul, a, b)
    }
    pub(crate) fn linalg(&self, op: Linalg, a: Value, b: Value) -> Result<Value, OpError> {
        self.run(Prim::Linalg(op), vec![a, b])
    }
    pub(crate) fn transpose(&self, a: Value) -> Result<Value, OpError> {
        self.shape_op(ShapeOp::Transpose, vec![a])
    }
    /// The shape of `v` as int values.
    pub(crate) fn dims(&self, v: &Value) -> Vec<Value> {
        self.dims_i64(v).into_iter().map(Value::Int).collect()
    }
    pub(crate) fn dims_i64(&self, v: &Value) -> Vec<i64> {
        match v.primal() {
            Value::Tensor(t) => t.shape().iter().map(|&d| d as i64).collect(),
            _ => Vec::new(),
        }
    }
    pub(crate) fn size(&self, v: &Value) -> usize {
        self.dims_i64(v).iter().product::<i64>() as usize
    }
    /// `d` summed back to the shape of the operand `like` (undoing broadcasting).
    pub(crate) fn sum_to(&self, d: Value, like: &Value) -> Result<Value, OpError> {
        self.shape_op(ShapeOp::SumTo, [vec![d], self.dims(like)].concat())
    }
    /// `g` as a tensor of exactly `out`'s shape.
    pub(crate) fn full(&self, g: Value, out: &Value) -> Result<Value, OpError> {
        self.broadcast(g, self.dims(out))
    }
    /// `g` broadcast to the shape `dims` (a scalar stays itself when `dims` is empty).
    fn broadcast(&self, g: Value, dims: Vec<Value>) -> Result<Value, OpError> {
        if dims.is_empty() {
            return Ok(g);
        }
        self.shape_op(ShapeOp::BroadcastTo, [vec![g], dims].concat())
    }
    /// The cotangent of a reduction's result, given back the reduced axes so that it broadcasts
    /// against the reduction's input.
    pub(crate) fn expand(&self, g: Value, input: &Value, axis: &Value, keepdims: bool) -> Result<Value, OpError> {
        let rank = self.dims(input).len();
        match axis {
            Value::Int(_) if !keepdims && rank > 0 => {
                let (a, mut dims) = (self.axis(axis, rank), self.dims(input));
                dims.remove(a);
                let g = self.broadcast(g, dims.clone())?;
                dims.insert(a, Value::Int(1));
                self.shape_op(ShapeOp::Reshape, [vec![g], dims].concat())
            }
            _ => Ok(g),
        }
    }
    /// `a bᵀ` for matrices, the outer product for vectors.
    pub(crate) fn outer_t(&self, a: Value, b: Value) -> Result<Value, OpError> {
        if self.dims(&a).len() == 1 {
            self.linalg(Linalg::Outer, a, b)
        } else {
            self.matmul(a, self.transpose(b)?)
        }
    }
    /// A constant square matrix typed like `like`, with ones on and below the diagonal
    /// (`strict`: below only) and zeros elsewhere.
    pub(crate) fn lower_mask(&self, like: &Value, strict: bool) -> Value {
        let n = self.dims_i64(like).first().copied().unwrap_or(0) as usize;
        let keep = |(i, j): (usize, usize)| i > j || (!strict && i == j);
        let mask = ndarray::Array2::from_shape_fn((n, n), |ij| if keep(ij) { 1.0 } else { 0.0 });
        if is_f32(like) {
            Value::Tensor(Tensor::F32(mask.mapv(|v| v as f32).into_dyn().into_shared()))
        } else {
            Value::Tensor(Tensor::F64(mask.into_dyn().into_shared()))
        }
    }
    /// Zeros shaped and typed like `v`.
    pub(crate) fn zeros_like(&self, v: &Value) -> Result<Value, OpError> {
        self.broadcast(if is_f32(v) { Value::F32(0.0) } else { Value::F64(0.0) }, self.dims(v))
    }
}
