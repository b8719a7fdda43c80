//! The derivative rules of reshaping, indexing and conversions ([`ShapeOp`]).

use super::ShapeOp;
use crate::autodiff::ops::{all, span, Ops};
use crate::autodiff::Cotangents;
use crate::prims::OpError;
use crate::value::Value;

impl ShapeOp {
    /// The cotangents of the wanted operands, given the operands `x`, the result `out` and its
    /// cotangent `g`. Dimensions, axes and indices are constants.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        match self {
            // A scalar cotangent broadcasts to any shape, so it passes through unchanged.
            ShapeOp::Reshape | ShapeOp::Transpose if o.dims(&g).is_empty() => o.first(|| Ok(g)),
            // Reshaping a scalar (into one element): its cotangent is that element.
            ShapeOp::Reshape if o.dims(&x[0]).is_empty() => o.first(|| o.sum_to(g, &x[0])),
            ShapeOp::Reshape => {
                o.first(|| o.shape_op(ShapeOp::Reshape, [vec![o.full(g, out)?], o.dims(&x[0])].concat()))
            }
            ShapeOp::Transpose => o.first(|| o.transpose(o.full(g, out)?)),
            // Each tensor (after the axis, for `concat` and `stack`) gets the part of g where it
            // was placed along the axis.
            ShapeOp::Concat | ShapeOp::Stack | ShapeOp::Literal => {
                let g = o.full(g, out)?;
                let first = usize::from(self != ShapeOp::Literal);
                let axis = if first == 1 { o.axis(&x[0], o.dims(out).len()) } else { 0 };
                o.each(x, |k| {
                    if k < first {
                        return Ok(None);
                    }
                    let mut idx = vec![g.clone()];
                    idx.extend((0..axis).map(|_| all()));
                    idx.push(if self == ShapeOp::Concat {
                        let start: i64 = x[1..k].iter().map(|v| o.dims_i64(v)[axis]).sum();
                        span(Value::Int(start), Value::Int(start + o.dims_i64(&x[k])[axis]))
                    } else {
                        Value::Int((k - first) as i64)
                    });
                    o.shape_op(ShapeOp::Index, idx).map(Some)
                })
            }
            ShapeOp::F32 | ShapeOp::F64 | ShapeOp::Float => o.first(|| o.cast_like(g, &x[0])),
            // x[idx]: g added into zeros of x's shape (a repeated index gathers its sum).
            ShapeOp::Index => {
                o.first(|| o.shape_op(ShapeOp::IndexAdd, [vec![o.zeros_like(&x[0])?, g], x[1..].to_vec()].concat()))
            }
            // index_add(x, v, idx) and index_set(x, v, idx): v gets the part of g the indices
            // pick; x gets g, with that part zeroed where `index_set` overwrote it.
            ShapeOp::IndexAdd | ShapeOp::IndexSet => {
                let g = o.full(g, out)?;
                o.each(x, |k| match k {
                    0 if self == ShapeOp::IndexAdd => Ok(Some(g.clone())),
                    0 => o
                        .shape_op(ShapeOp::IndexSet, [vec![g.clone(), Value::Int(0)], x[2..].to_vec()].concat())
                        .map(Some),
                    1 => {
                        let part = o.shape_op(ShapeOp::Index, [vec![g.clone()], x[2..].to_vec()].concat())?;
                        o.sum_to(part, &x[1]).map(Some)
                    }
                    _ => Ok(None),
                })
            }
            ShapeOp::BroadcastTo => o.first(|| o.sum_to(o.full(g, out)?, &x[0])),
            // A cotangent of the summed shape broadcasts back to the operand's.
            ShapeOp::SumTo => o.first(|| Ok(g)),
            ShapeOp::I64
            | ShapeOp::Shape
            | ShapeOp::Size
            | ShapeOp::Int
            | ShapeOp::Str
            | ShapeOp::Format
            | ShapeOp::Repr
            | ShapeOp::Len => Ok(Vec::new()),
        }
    }
}
