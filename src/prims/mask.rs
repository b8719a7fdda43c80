//! Indexing by a bool mask, as NumPy's boolean indexing: `X[mask]`, `X[mask, :]`, `X[:, mask]`,
//! and the same on the left of `=` and `+=`. A mask of rank r covers r axes of `X` and has
//! their extents; it picks the positions where it is true, in row-major order, and those axes
//! become one axis of that length (known only when it runs: `?` to the checker). Every other
//! part of the index must be a whole slice `:`. Indexing and assignment are one primitive each
//! (`Index`, `IndexSet`), so the derivative rules of indexing (a gather and a scatter into
//! zeros) serve masks unchanged.

use super::arith::{bool_operand, elem_operand, int_operand};
use super::broadcast::Operand;
use super::{unvetted, OpError};
use crate::diag::Code;
use crate::memory;
use crate::types::{Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{Axis, IxDyn, SliceInfo, SliceInfoElem};

/// The position of the mask in an index, if a part of it is a bool tensor.
pub fn position(indices: &[Value]) -> Option<usize> {
    indices.iter().position(|v| matches!(v, Value::Tensor(Tensor::Bool(_))))
}

/// What a masked index picks: the axes before the mask, the flat positions the mask picks
/// among the `span` positions of the axes it covers, and the axes after it.
struct Picked {
    before: Vec<usize>,
    span: usize,
    positions: Vec<usize>,
    after: Vec<usize>,
}

impl Picked {
    /// The shape of what is picked: the axes before, the picked positions, the axes after.
    fn shape(&self) -> Vec<usize> {
        [&self.before[..], &[self.positions.len()], &self.after[..]].concat()
    }
}

/// Finds what a masked index, which the rule has accepted for `x`, picks.
fn pick(x: &Tensor, indices: &[Value], at: usize) -> Result<Picked, OpError> {
    let shape = x.shape();
    let Value::Tensor(Tensor::Bool(mask)) = &indices[at] else { unreachable!("`at` is the mask's position") };
    if shape.get(at..at + mask.ndim()) != Some(mask.shape()) {
        return Err(unvetted("x[mask]"));
    }
    let positions = mask.iter().enumerate().filter(|(_, &b)| b).map(|(i, _)| i).collect();
    Ok(Picked { before: shape[..at].to_vec(), span: mask.len(), positions, after: shape[at + mask.ndim()..].to_vec() })
}

/// The error for a part `k` of a masked index that is not `:`.
fn not_whole(k: usize) -> OpError {
    OpError::new(Code::TypeShape, "a bool mask combines only with whole slices `:` in the other positions of an index")
        .at(k + 1, "not `:`")
        .help("index in two steps: first the mask, then the rest, e.g. X[mask][:, 0]")
}

/// The error for a mask (at position `at`) whose shape is not that of the axes it covers.
fn misfit(at: usize, mask: &str, x: &str) -> OpError {
    OpError::new(Code::TypeShape, format!("a mask of shape {mask} does not fit axes {at}.. of {x}"))
        .at(at + 1, "this mask")
        .help("a mask has the shape of the axes it picks from, e.g. X[y > 0] with y of X's length")
}

/// `x[indices]` with a mask at position `at`: a new tensor of the picked parts.
pub fn gather(x: &Tensor, indices: &[Value], at: usize) -> Result<Value, OpError> {
    let picked = pick(x, indices, at)?;
    let count =
        picked.shape().iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or_else(|| memory::too_large("x[mask]"))?;
    memory::check_alloc(count, x.dtype().size())?;
    fn take<T: Clone>(a: &Arr<T>, picked: &Picked) -> Arr<T> {
        let flat = [&picked.before[..], &[picked.span], &picked.after[..]].concat();
        let grouped = a.to_shape(IxDyn(&flat)).expect("the mask's axes merge into one");
        grouped.select(Axis(picked.before.len()), &picked.positions).into_shared()
    }
    Ok(Value::Tensor(crate::map_tensor!(x, a => take(a, &picked))))
}

/// `x[indices] = value` with a mask at position `at`, written into `x`'s buffer (copied first
/// when shared); `value` is a scalar or broadcasts to the picked parts. Checked before anything
/// is written.
pub fn scatter(x: &mut Tensor, value: &Value, indices: &[Value], at: usize) -> Result<(), OpError> {
    let picked = pick(x, indices, at)?;
    let Value::Tensor(Tensor::Bool(mask)) = &indices[at] else { unreachable!("`at` is the mask's position") };
    let mask_shape = mask.shape().to_vec();
    let target = picked.shape();
    fn put<T: Clone>(
        a: &mut Arr<T>,
        value: Operand<T>,
        picked: &Picked,
        mask_shape: &[usize],
        target: &[usize],
    ) -> Result<(), ()> {
        let (values, scalar) = match &value {
            Operand::Array(v) => (Some(v.broadcast(IxDyn(target)).ok_or(())?), None),
            Operand::Scalar(s) => (None, Some(s.clone())),
        };
        let at = picked.before.len();
        for (j, &flat) in picked.positions.iter().enumerate() {
            let mut elems: Vec<SliceInfoElem> = vec![SliceInfoElem::from(..); at];
            let mut rest = flat;
            let mut index = vec![0usize; mask_shape.len()];
            for (k, &n) in mask_shape.iter().enumerate().rev() {
                index[k] = rest % n;
                rest /= n;
            }
            elems.extend(index.iter().map(|&i| SliceInfoElem::Index(i as isize)));
            elems.resize(a.ndim(), SliceInfoElem::from(..));
            let info = SliceInfo::<_, IxDyn, IxDyn>::try_from(elems).expect("valid for IxDyn");
            let mut part = a.slice_mut(info);
            match (&values, &scalar) {
                (Some(v), _) => part.assign(&v.index_axis(Axis(at), j)),
                (None, Some(s)) => part.fill(s.clone()),
                (None, None) => {}
            }
        }
        Ok(())
    }
    if !x.is_unique() {
        memory::reserve(x.bytes(), "copying a shared tensor before writing to it")?;
    }
    let value = value.primal();
    let done = match x {
        Tensor::F64(a) => elem_operand::<f64>(value).ok_or(()).and_then(|v| put(a, v, &picked, &mask_shape, &target)),
        Tensor::F32(a) => elem_operand::<f32>(value).ok_or(()).and_then(|v| put(a, v, &picked, &mask_shape, &target)),
        Tensor::I64(a) => int_operand(value).ok_or(()).and_then(|v| put(a, v, &picked, &mask_shape, &target)),
        Tensor::Bool(a) => bool_operand(value.clone()).ok_or(()).and_then(|v| put(a, v, &picked, &mask_shape, &target)),
    };
    done.map_err(|()| unvetted("x[mask] = value"))
}

/// The type of `x[indices]` with a bool tensor at position `at`: the mask's axes become one of
/// unknown length. Its known extents must match those of `x`, and the other parts be `:`.
pub fn index_type(dtype: Dtype, dims: &[Dim], indices: &[Type], at: usize) -> Result<Type, TypeError> {
    let Type::Tensor { dims: mask, .. } = &indices[at] else { unreachable!("`at` is the mask's position") };
    let whole = |t: &Type| matches!(t, Type::Tuple(p) if p.iter().all(|b| matches!(b, Type::Absent)));
    if let Some(k) = (0..indices.len()).find(|&k| k != at && !whole(&indices[k])) {
        return Err(not_whole(k));
    }
    let covered = dims.get(at..at + mask.len());
    let agree = |a: &Dim, b: &Dim| matches!((a, b), (Dim::Unknown, _) | (_, Dim::Unknown)) || a == b;
    if !covered.is_some_and(|c| c.iter().zip(mask).all(|(a, b)| agree(a, b))) {
        let mask = Type::Tensor { dtype: Dtype::Bool, dims: mask.clone() }.to_string();
        return Err(misfit(at, &mask, &Type::Tensor { dtype, dims: dims.to_vec() }.to_string()));
    }
    let out = [&dims[..at], &[Dim::Unknown], &dims[at + mask.len()..]].concat();
    Ok(Type::tensor(dtype, out))
}
