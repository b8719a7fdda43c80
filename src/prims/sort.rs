//! The kernels and rule of `sort` and `argsort` (rows of the `Stats` family): along one axis,
//! the last by default, as NumPy. The sort is stable (equal values keep their order, as
//! NumPy's `kind="stable"`), and NaN sorts last.

use super::reduce::{axis_type, normalize_axis};
use super::OpError;
use crate::types::{Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{ArrayView1, Axis};
use std::cmp::Ordering;

/// Ascending order with NaN last (a NaN is the one value not equal to itself).
fn ascending<T: PartialOrd>(a: &T, b: &T) -> Ordering {
    #[allow(clippy::eq_op)]
    let nan = |x: &T| x != x;
    a.partial_cmp(b).unwrap_or_else(|| nan(a).cmp(&nan(b)))
}

/// The positions that sort one lane, stably.
fn order<T: PartialOrd>(lane: ArrayView1<T>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lane.len()).collect();
    order.sort_by(|&i, &j| ascending(&lane[i], &lane[j]));
    order
}

/// `sort(x, axis)` (or `argsort` when `indices`): `args` are `[x, axis]`, vetted by the rule.
pub fn sort(indices: bool, args: &[Value]) -> Result<Value, OpError> {
    let name = if indices { "argsort" } else { "sort" };
    let Value::Tensor(t) = args[0].primal() else { return Err(super::unvetted(name)) };
    let rank = t.shape().len();
    let axis = match args.get(1) {
        Some(Value::Int(k)) => normalize_axis(*k, rank).ok_or_else(|| super::unvetted(name))?,
        _ => rank - 1,
    };
    crate::memory::check_alloc(t.len(), 8)?;
    Ok(if indices {
        Value::Tensor(Tensor::I64(crate::with_tensor!(t, a => argsorted(a, axis))))
    } else {
        Value::Tensor(crate::map_tensor!(t, a => sorted(a, axis)))
    })
}

/// The positions that sort each lane of `a` along `axis`.
fn argsorted<T: PartialOrd>(a: &Arr<T>, axis: usize) -> Arr<i64> {
    let mut out = Arr::<i64>::zeros(a.raw_dim());
    for (lane, mut dst) in a.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        for (d, i) in dst.iter_mut().zip(order(lane)) {
            *d = i as i64;
        }
    }
    out
}

/// Each lane of `a` along `axis`, sorted.
fn sorted<T: PartialOrd + Clone>(a: &Arr<T>, axis: usize) -> Arr<T> {
    let mut out = a.to_owned();
    for (lane, mut dst) in a.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        for (d, i) in dst.iter_mut().zip(order(lane.view())) {
            *d = lane[i].clone();
        }
    }
    out.into_shared()
}

/// The type of `sort(x, axis?)` (`argsort` when `indices`): `x`'s type, or `i64` indices of its
/// shape.
pub fn sort_type(indices: bool, name: &str, args: &[Type]) -> Result<Type, TypeError> {
    let x = args.first().unwrap_or(&Type::Absent);
    let Type::Tensor { dtype, dims } = x else {
        return Err(TypeError::takes(&format!("`{name}`"), 0, x).help("sort takes a tensor, e.g. sort([3, 1, 2])"));
    };
    if let Some(axis) = args.get(1).filter(|t| **t != Type::Absent) {
        axis_type(axis, x)?;
    }
    Ok(Type::Tensor { dtype: if indices { Dtype::I64 } else { *dtype }, dims: dims.clone() })
}
