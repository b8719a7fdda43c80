//! Indexing by an `i64` tensor, as NumPy's integer-array indexing: `X[idx]`, `X[idx, :]`,
//! `X[:, idx]`, `X[i, idx]`, and the same on the left of `=` and `+=`. One index tensor per
//! index; its entries count from the end when negative. The axis it indexes is replaced by the
//! index tensor's axes, which NumPy's rule moves to the front when an int and the index tensor
//! are separated by a slice (`X[0, :, idx]`).
//!
//! A write with a repeated index keeps the last value written, as NumPy's `X[idx] = v`; the
//! internal `index_add` (the derivative of a gather) adds instead, so repeated indices
//! accumulate, as `numpy.add.at`.

use super::arith::{bool_operand, elem_operand, int_operand};
use super::broadcast::Operand;
use super::{unvetted, OpError};
use crate::diag::Code;
use crate::memory;
use crate::types::{Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, SliceInfo, SliceInfoElem};
use std::rc::Rc;

/// The position of the index tensor in an index, if a part of it is an `i64` tensor.
pub fn position(indices: &[Value]) -> Option<usize> {
    indices.iter().position(|v| matches!(v, Value::Tensor(Tensor::I64(_))))
}

/// What an index with an index tensor picks.
struct Take {
    /// The view the ints and slices make, with the index tensor's axis kept whole.
    elems: Vec<SliceInfoElem>,
    /// The index tensor's axis in that view.
    axis: usize,
    /// The picked positions along it, in the index tensor's row-major order.
    picks: Vec<usize>,
    /// The index tensor's shape.
    idx_shape: Vec<usize>,
    /// Whether the picked axes go first (NumPy's rule for separated advanced indices).
    front: bool,
}

impl Take {
    /// The axis order that moves the picked axes of a result of rank `rank` to the front.
    fn order(&self, rank: usize) -> Vec<usize> {
        let r = self.idx_shape.len();
        (self.axis..self.axis + r).chain(0..self.axis).chain(self.axis + r..rank).collect()
    }
}

/// The error for a second index tensor or mask in one index.
fn second_tensor(k: usize) -> OpError {
    OpError::new(Code::TypeShape, "an index holds at most one index tensor or mask")
        .at(k + 1, "a second one")
        .help("index in two steps, e.g. X[rows][:, cols]")
}

/// Plans an index with an `i64` tensor at position `at`, which the rule has accepted for a
/// tensor of `shape`, checking the index values.
fn plan(shape: &[usize], indices: &[Value], at: usize) -> Result<Take, OpError> {
    let Value::Tensor(Tensor::I64(idx)) = &indices[at] else { unreachable!("`at` is the index tensor's position") };
    let mut parts = indices.to_vec();
    parts[at] = Value::Tuple(Rc::from(Vec::new()));
    let elems = super::shape::slice_elems(shape, &parts)?;
    let is_int = |v: &Value| matches!(v, Value::Int(_));
    let axis = at - indices[..at].iter().filter(|v| is_int(v)).count();
    let extent = *shape.get(at).ok_or_else(|| unvetted("x[idx]"))?;
    let n = extent as i64;
    let mut picks = Vec::with_capacity(idx.len());
    for &i in idx.iter() {
        let k = if i < 0 { i + n } else { i };
        if !(0..n).contains(&k) {
            return Err(OpError::new(
                Code::RuntimeIndex,
                format!("index {i} is out of range for axis {at} of extent {extent}"),
            )
            .at(at + 1, format!("holds {i}, extent {extent}")));
        }
        picks.push(k as usize);
    }
    let advanced: Vec<usize> = (0..indices.len()).filter(|&k| k == at || is_int(&indices[k])).collect();
    let front = advanced.windows(2).any(|w| w[1] != w[0] + 1);
    Ok(Take { elems, axis, picks, idx_shape: idx.shape().to_vec(), front })
}

fn info(elems: Vec<SliceInfoElem>) -> SliceInfo<Vec<SliceInfoElem>, IxDyn, IxDyn> {
    SliceInfo::try_from(elems).expect("index elements are valid for IxDyn")
}

/// The shape of what `take` picks from a view of shape `view`.
fn picked_shape(take: &Take, view: &[usize]) -> Vec<usize> {
    let shape = [&view[..take.axis], &take.idx_shape[..], &view[take.axis + 1..]].concat();
    if take.front {
        take.order(shape.len()).iter().map(|&k| shape[k]).collect()
    } else {
        shape
    }
}

/// `x[indices]` with an `i64` tensor at position `at`: a new tensor of the picked parts.
pub fn gather(x: &Tensor, indices: &[Value], at: usize) -> Result<Value, OpError> {
    let take = plan(x.shape(), indices, at)?;
    fn pick<T: Clone>(a: &Arr<T>, take: &Take) -> Result<Arr<T>, OpError> {
        let view = a.slice(info(take.elems.clone()));
        let shape = picked_shape(take, view.shape());
        let count =
            shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or_else(|| memory::too_large("x[idx]"))?;
        memory::check_alloc(count, std::mem::size_of::<T>())?;
        let picked = view.select(Axis(take.axis), &take.picks);
        let split = [&view.shape()[..take.axis], &take.idx_shape[..], &view.shape()[take.axis + 1..]].concat();
        let out = picked.to_shape(IxDyn(&split)).expect("the picked axis splits into the index's axes").into_owned();
        Ok(if take.front { out.permuted_axes(take.order(split.len())) } else { out }.into_shared())
    }
    Ok(super::reduce::scalar_if_rank0(Value::Tensor(crate::map_tensor!(x, a => pick(a, &take)?))))
}

/// How a scatter combines a value with what is there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// `x[idx] = v`: the last write wins.
    Write,
    /// `index_add`: repeated indices accumulate.
    Add,
}

/// `x[indices] = value` (or `+=` it, with [`Combine::Add`]) with an `i64` tensor at position `at`,
/// written into `x`'s buffer (copied first when shared); `value` is a scalar or broadcasts to
/// the picked parts. Checked before anything is written.
pub fn scatter(x: &mut Tensor, value: &Value, indices: &[Value], at: usize, how: Combine) -> Result<(), OpError> {
    let take = plan(x.shape(), indices, at)?;
    if !x.is_unique() {
        memory::reserve(x.bytes(), "copying a shared tensor before writing to it")?;
    }
    let value = value.primal();
    // Ints and bools are written, never added.
    let done = match x {
        Tensor::F64(a) => elem_operand::<f64>(value).ok_or(()).and_then(|v| put(a, v, &take, how, |p, q| *p += q)),
        Tensor::F32(a) => elem_operand::<f32>(value).ok_or(()).and_then(|v| put(a, v, &take, how, |p, q| *p += q)),
        Tensor::I64(a) if how == Combine::Write => {
            int_operand(value).ok_or(()).and_then(|v| put(a, v, &take, how, |_, _| {}))
        }
        Tensor::Bool(a) if how == Combine::Write => {
            bool_operand(value.clone()).ok_or(()).and_then(|v| put(a, v, &take, how, |_, _| {}))
        }
        Tensor::I64(_) | Tensor::Bool(_) => Err(()),
    };
    done.map_err(|()| unvetted("x[idx] = value"))
}

/// Writes (or adds, by `add`) `value` into the parts of `a` that `take` picks; `Err` when the
/// value does not broadcast to them.
fn put<T: Clone>(
    a: &mut Arr<T>,
    value: Operand<T>,
    take: &Take,
    how: Combine,
    add: impl Fn(&mut T, T),
) -> Result<(), ()> {
    let mut view = a.slice_mut(info(take.elems.clone()));
    let target = picked_shape(take, view.shape());
    let r = take.idx_shape.len();
    let values: Option<ArrayViewD<T>> = match &value {
        Operand::Array(v) => {
            let b = v.broadcast(IxDyn(&target)).ok_or(())?;
            // Undo the move to the front, so that the index's axes sit where `take.axis` is.
            Some(if take.front {
                let order = take.order(target.len());
                let mut back = vec![0; order.len()];
                for (k, &o) in order.iter().enumerate() {
                    back[o] = k;
                }
                b.permuted_axes(back)
            } else {
                b
            })
        }
        Operand::Scalar(_) => None,
    };
    for (j, &k) in take.picks.iter().enumerate() {
        let mut dst: ArrayViewMutD<T> = view.index_axis_mut(Axis(take.axis), k);
        match (&values, &value) {
            (Some(v), _) => {
                let mut src = v.view();
                let mut rest = j;
                let mut at = vec![0; r];
                for (m, &n) in take.idx_shape.iter().enumerate().rev() {
                    at[m] = rest % n;
                    rest /= n;
                }
                for &m in &at {
                    src = src.index_axis_move(Axis(take.axis), m);
                }
                match how {
                    Combine::Write => dst.assign(&src),
                    Combine::Add => dst.zip_mut_with(&src, |p, q| add(p, q.clone())),
                }
            }
            (None, Operand::Scalar(s)) => match how {
                Combine::Write => dst.fill(s.clone()),
                Combine::Add => dst.map_inplace(|p| add(p, s.clone())),
            },
            (None, Operand::Array(_)) => unreachable!("an array operand has its view"),
        }
    }
    Ok(())
}

/// The type of `x[indices]` with an `i64` tensor at position `at`: the indexed axis becomes the
/// index tensor's axes (first, when an int and the index tensor are separated by a slice).
pub fn index_type(dtype: Dtype, dims: &[Dim], indices: &[Type], at: usize) -> Result<Type, TypeError> {
    if let Some(k) = (0..indices.len()).find(|&k| k != at && matches!(indices[k], Type::Tensor { .. })) {
        return Err(second_tensor(k));
    }
    let Type::Tensor { dims: idx, .. } = &indices[at] else { unreachable!("`at` is the index tensor's position") };
    let mut parts = indices.to_vec();
    parts[at] = Type::Tuple(Vec::new());
    let view = super::shape_rules::index_type(&Type::Tensor { dtype, dims: dims.to_vec() }, &parts)?;
    let is_int = |t: &Type| matches!(t, Type::Int(_));
    let axis = at - indices[..at].iter().filter(|t| is_int(t)).count();
    let view = view.dims();
    let mut out = [&view[..axis], &idx[..], &view[axis + 1..]].concat();
    let advanced: Vec<usize> = (0..indices.len()).filter(|&k| k == at || is_int(&indices[k])).collect();
    if advanced.windows(2).any(|w| w[1] != w[0] + 1) {
        let moved: Vec<Dim> = out.drain(axis..axis + idx.len()).collect();
        out.splice(0..0, moved);
    }
    Ok(Type::tensor(dtype, out))
}
