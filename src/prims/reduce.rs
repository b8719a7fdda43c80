//! Reductions (`sum mean max min prod argmax argmin any all logsumexp norm`), each over the whole
//! tensor or one `axis=` with `keepdims=`, and `softmax` along an axis.

mod vjp;
use super::arith::Elem;
use super::{family, unvetted, OpError};
use crate::diag::Code;
use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::types::{Dim, Type, TypeError};
use crate::value::{Arr, Tensor, Value};
use ndarray::{ArrayView1, Axis, IxDyn};

family! {
    /// Reductions over all elements or along one axis.
    Reduce("Reductions") {
        Sum => Function("sum", [x, axis?, keepdims?], "Sum of elements.", "sum([1, 2, 3])  # 6"),
        Mean => Function("mean", [x, axis?, keepdims?], "Mean of elements.", "mean([1, 2, 3])  # 2.0"),
        Max => Function("max", [x, axis?, keepdims?], "Largest element; NaN wins.", "max([1, 5, 3])  # 5"),
        Min => Function("min", [x, axis?, keepdims?], "Smallest element; NaN wins.", "min([[1, 5], [0, 2]], axis=1)  # [1, 0]"),
        Prod => Function("prod", [x, axis?, keepdims?], "Product of elements.", "prod([1, 2, 3])  # 6"),
        ArgMax => Function("argmax", [x, axis?, keepdims?], "Index of the largest element (first at ties).", "argmax([1, 5, 3])  # 1"),
        ArgMin => Function("argmin", [x, axis?, keepdims?], "Index of the smallest element (first at ties).", "argmin([4, 1, 3])  # 1"),
        Any => Function("any", [x, axis?, keepdims?], "Whether any element is true.", "any([false, true])  # true"),
        All => Function("all", [x, axis?, keepdims?], "Whether every element is true.", "all([false, true])  # false"),
        LogSumExp => Function("logsumexp", [x, axis?, keepdims?], "log(sum(exp(x))), computed stably.", "logsumexp([0, 0])  # 0.6931471805599453"),
        Softmax => Function("softmax", [x, axis?], "exp(x) / sum(exp(x)) along axis (default -1).", "softmax([0, 0])  # [0.5, 0.5]"),
        Norm => Function("norm", [x], "2-norm of a vector, Frobenius norm of a matrix.", "norm([3, 4])  # 5.0"),
    }
}

impl Reduce {
    /// Runs the reduction on plain values: `[x, axis, keepdims]`.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        let mut args = args.into_iter();
        let x = args.next().unwrap_or(Value::Absent);
        let axis_arg = args.next().unwrap_or(Value::Absent);
        let keepdims = matches!(args.next(), Some(Value::Bool(true)));
        let rank = match &x {
            Value::Tensor(t) => t.shape().len(),
            _ => 0,
        };
        let axis = match (self, axis_arg) {
            (Reduce::Softmax, Value::Absent) if rank > 0 => Some(rank - 1),
            (_, Value::Absent) => None,
            (_, Value::Int(k)) => Some(normalize_axis(k, rank).ok_or_else(|| unvetted(self.info().name))?),
            (_, _) => return Err(unvetted(self.info().name)),
        };
        match x {
            Value::Tensor(Tensor::F64(a)) => self.float(a, axis, keepdims),
            Value::Tensor(Tensor::F32(a)) => self.float(a, axis, keepdims),
            Value::Tensor(Tensor::I64(a)) => self.int(a, axis, keepdims),
            Value::Tensor(Tensor::Bool(a)) => self.boolean(a, axis, keepdims),
            Value::Int(_) | Value::F64(_) | Value::F32(_) | Value::Bool(_) if axis.is_none() => self.scalar(x),
            _ => Err(unvetted(self.info().name)),
        }
    }

    fn scalar(self, x: Value) -> Result<Value, OpError> {
        match (self, &x) {
            (Reduce::ArgMax | Reduce::ArgMin, _) => Ok(Value::Int(0)),
            (Reduce::Any | Reduce::All, Value::Bool(_)) => Ok(x),
            (Reduce::Softmax, Value::F32(_)) => Ok(Value::F32(1.0)),
            (Reduce::Softmax, _) => Ok(Value::F64(1.0)),
            (Reduce::Norm, _) => super::unary::Unary::Abs.eval(vec![x]),
            (Reduce::Any | Reduce::All, _) | (_, Value::Bool(_)) => Err(unvetted(self.info().name)),
            (Reduce::Sum | Reduce::Mean | Reduce::Max | Reduce::Min | Reduce::Prod | Reduce::LogSumExp, _) => Ok(x),
        }
    }

    fn float<T: Elem>(self, a: Arr<T>, axis: Option<usize>, keepdims: bool) -> Result<Value, OpError> {
        let kernel = |lane: ArrayView1<T>| -> T {
            match self {
                Reduce::Sum => lane_sum(&lane),
                Reduce::Mean => lane_sum(&lane) / T::from(lane.len()).unwrap_or(T::nan()),
                Reduce::Prod => lane.iter().fold(T::one(), |p, &x| p * x),
                Reduce::Max => {
                    lane.iter()
                        .fold(T::neg_infinity(), |m, &x| if x.is_nan() || m.is_nan() { T::nan() } else { m.max(x) })
                }
                Reduce::Min => {
                    lane.iter().fold(T::infinity(), |m, &x| if x.is_nan() || m.is_nan() { T::nan() } else { m.min(x) })
                }
                Reduce::ArgMax => T::from(arg_best(lane, |x, best| x > best)).unwrap_or(T::nan()),
                Reduce::ArgMin => T::from(arg_best(lane, |x, best| x < best)).unwrap_or(T::nan()),
                Reduce::Norm => pairwise_sum(lane.iter().map(|&x| x * x)).sqrt(),
                Reduce::Any | Reduce::All | Reduce::Softmax | Reduce::LogSumExp => T::nan(),
            }
        };
        if matches!(self, Reduce::Any | Reduce::All) {
            return Err(unvetted(self.info().name));
        }
        if matches!(self, Reduce::Max | Reduce::Min | Reduce::ArgMax | Reduce::ArgMin) && a.is_empty() {
            return Err(self.empty());
        }
        if self == Reduce::LogSumExp {
            let a = a.as_standard_layout();
            let data = a.as_slice().expect("in standard layout");
            let out = match axis {
                Some(k) => logsumexp_along(data, a.shape(), k, keepdims),
                None => logsumexp_along(data, &[data.len()], 0, false)
                    .into_shape_with_order(IxDyn(&vec![1; if keepdims { a.ndim() } else { 0 }]))
                    .expect("one value"),
            };
            return Ok(scalar_if_rank0(T::wrap(out.into_shared())));
        }
        if self == Reduce::Softmax {
            let k = axis.unwrap_or(0);
            let mut out = a.to_owned();
            for mut lane in out.lanes_mut(Axis(k)) {
                let m = lane.iter().fold(T::neg_infinity(), |m, &x| m.max(x));
                lane.mapv_inplace(|x| x - m);
                match lane.as_slice_mut() {
                    Some(items) => T::exp_each(items),
                    None => lane.mapv_inplace(|x| super::unary::kernel(super::Unary::Exp, x)),
                }
                let s = lane_sum(&lane.view());
                lane.mapv_inplace(|x| x / s);
            }
            return Ok(T::wrap(out.into_shared()));
        }
        // `argmax` and `argmin` of a whole tensor are an int, with `keepdims` or without.
        let index_result = matches!(self, Reduce::ArgMax | Reduce::ArgMin);
        let keepdims = keepdims && (axis.is_some() || !index_result);
        if index_result {
            reduction(&a, axis, keepdims, kernel, cast_index)
        } else {
            reduction(&a, axis, keepdims, kernel, T::wrap)
        }
    }

    /// The error of a reduction that needs an element (`max`, `argmin`, ...) on a tensor of none.
    fn empty(self) -> OpError {
        OpError::new(Code::RuntimeValue, format!("`{}` of an empty tensor", self.info().name))
            .at(0, "this tensor has no elements")
    }

    fn boolean(self, a: Arr<bool>, axis: Option<usize>, keepdims: bool) -> Result<Value, OpError> {
        match self {
            Reduce::Any | Reduce::All => {
                let any = self == Reduce::Any;
                let kernel =
                    |lane: ArrayView1<bool>| if any { lane.iter().any(|&b| b) } else { lane.iter().all(|&b| b) };
                reduction(&a, axis, keepdims, kernel, |out| Value::Tensor(Tensor::Bool(out)))
            }
            Reduce::Sum if axis.is_none() && !keepdims => Ok(Value::Int(a.iter().filter(|&&b| b).count() as i64)),
            Reduce::Sum
            | Reduce::Mean
            | Reduce::Max
            | Reduce::Min
            | Reduce::Prod
            | Reduce::ArgMax
            | Reduce::ArgMin
            | Reduce::LogSumExp
            | Reduce::Softmax
            | Reduce::Norm => self.int(a.mapv(i64::from).into_shared(), axis, keepdims),
        }
    }

    /// A reduction of an int tensor: `sum`, `prod`, `max`, `min` stay ints (an overflow is an
    /// error), `argmax`/`argmin` give indices, the others reduce its values as `f64`.
    fn int(self, a: Arr<i64>, axis: Option<usize>, keepdims: bool) -> Result<Value, OpError> {
        match self {
            Reduce::Sum | Reduce::Prod | Reduce::Max | Reduce::Min | Reduce::ArgMax | Reduce::ArgMin => {}
            Reduce::Mean | Reduce::LogSumExp | Reduce::Softmax | Reduce::Norm | Reduce::Any | Reduce::All => {
                return self.float::<f64>(a.mapv(|v| v as f64).into_shared(), axis, keepdims)
            }
        }
        if self != Reduce::Sum && self != Reduce::Prod && a.is_empty() {
            return Err(self.empty());
        }
        let fault = std::cell::Cell::new(false);
        let checked = |v: Option<i64>| {
            v.unwrap_or_else(|| {
                fault.set(true);
                0
            })
        };
        let kernel = |lane: ArrayView1<i64>| -> i64 {
            match self {
                Reduce::Sum => checked(lane.iter().try_fold(0i64, |s, &x| s.checked_add(x))),
                Reduce::Prod => checked(lane.iter().try_fold(1i64, |p, &x| p.checked_mul(x))),
                Reduce::Max => lane.iter().copied().max().unwrap_or(0),
                Reduce::Min => lane.iter().copied().min().unwrap_or(0),
                Reduce::ArgMax => lane.iter().enumerate().fold(0, |b, (i, &x)| if x > lane[b] { i } else { b }) as i64,
                Reduce::ArgMin => lane.iter().enumerate().fold(0, |b, (i, &x)| if x < lane[b] { i } else { b }) as i64,
                // Sent to the float kernel above.
                Reduce::Mean | Reduce::LogSumExp | Reduce::Softmax | Reduce::Norm | Reduce::Any | Reduce::All => 0,
            }
        };
        let keepdims = keepdims && (axis.is_some() || !matches!(self, Reduce::ArgMax | Reduce::ArgMin));
        let out = reduction(&a, axis, keepdims, kernel, |out| Value::Tensor(Tensor::I64(out)))?;
        if fault.get() {
            return Err(OpError::new(Code::RuntimeOverflow, format!("integer overflow in `{}`", self.info().name))
                .at(0, "the result does not fit in a 64-bit int")
                .help("convert to floats first, e.g. f64(x)"));
        }
        Ok(out)
    }
}

/// Index of the first element that `better` prefers to all before it (NaN counts as best).
fn arg_best<T: num_traits::Float>(lane: ArrayView1<T>, better: impl Fn(T, T) -> bool) -> usize {
    let mut best = 0;
    for (i, &x) in lane.iter().enumerate() {
        if x.is_nan() {
            return i;
        }
        if better(x, lane[best]) {
            best = i;
        }
    }
    best
}

/// The pairwise sum of a lane, from its slice when it is contiguous.
fn lane_sum<T: num_traits::Float>(lane: &ArrayView1<T>) -> T {
    match lane.as_slice() {
        Some(items) => pairwise_slice(items),
        None => pairwise_sum(lane.iter().copied()),
    }
}

/// `log(sum(exp(lane)))` of each lane along axis `k` of a tensor of `shape` in standard layout,
/// shifted by the lane's maximum so that nothing overflows: the lanes' maxima first, then the
/// exponentials of the whole tensor less them in one pass, four at a time, then each lane's
/// sum. The shifted copy is the workspace [`super::admit`] reserves.
fn logsumexp_along<T: Elem>(data: &[T], shape: &[usize], k: usize, keepdims: bool) -> ndarray::ArrayD<T> {
    let (n, after) = (shape[k], shape[k + 1..].iter().product::<usize>());
    let lanes = shape[..k].iter().product::<usize>() * after;
    let lane = |l: usize| (0..n).map(move |i| data[(l / after * n + i) * after + l % after]);
    let maxima: Vec<T> = (0..lanes).map(|l| lane(l).fold(T::neg_infinity(), |m, x| m.max(x))).collect();
    let mut shifted = Vec::with_capacity(lanes * n);
    for (l, &m) in maxima.iter().enumerate() {
        shifted.extend(lane(l).map(|x| x - m));
    }
    T::exp_each(&mut shifted);
    let sums = shifted.chunks(n.max(1)).map(|lane| pairwise_sum(lane.iter().copied()));
    let result = maxima.iter().zip(sums.chain(std::iter::repeat(T::zero())));
    let result: Vec<T> = result.map(|(&m, s)| if m.is_infinite() { m } else { m + s.ln() }).collect();
    let mut kept = shape.to_vec();
    if keepdims {
        kept[k] = 1;
    } else {
        kept.remove(k);
    }
    ndarray::ArrayD::from_shape_vec(IxDyn(&kept), result).expect("one result a lane fills the kept axes")
}

/// A sum's elements are added in blocks of this many (NumPy's `PW_BLOCKSIZE`).
const PAIRWISE_BLOCK: usize = 128;

/// The sum of `items` by pairwise summation: blocks of 128 elements, each summed with eight
/// accumulators, combined in a binary tree. Its rounding error grows with log n, not n (an `f32`
/// sum of 100,000 tenths is 10000.001, not 9998.7), and the blocking is fixed, so the result does
/// not depend on the thread count. A contiguous slice goes through [`pairwise_slice`].
pub fn pairwise_sum<T: num_traits::Float>(mut items: impl Iterator<Item = T>) -> T {
    // Most lanes of a reduction along an axis are short (a row of class scores): fewer than 8
    // items are summed as below a block that is not full is (`block_sum`, then the tree's
    // `+ 0`), without filling a whole block and a tree first.
    let mut first = [T::zero(); 8];
    let mut filled = 0;
    while filled < first.len() {
        let Some(x) = items.next() else { break };
        first[filled] = x;
        filled += 1;
    }
    if filled < first.len() {
        return if filled == 0 { T::zero() } else { block_sum(&first[..filled]) + T::zero() };
    }
    let mut tree = PairTree::default();
    let mut block = [T::zero(); PAIRWISE_BLOCK];
    block[..filled].copy_from_slice(&first);
    loop {
        for (slot, x) in block[filled..].iter_mut().zip(items.by_ref()) {
            *slot = x;
            filled += 1;
        }
        if filled > 0 {
            tree.push(block_sum(&block[..filled]));
        }
        if filled < PAIRWISE_BLOCK {
            return tree.total();
        }
        filled = 0;
    }
}

/// [`pairwise_sum`] of a slice, exactly as NumPy sums a contiguous array: halves (cut at a
/// multiple of 8) down to blocks of at most 128, so the two agree to the last bit.
pub fn pairwise_slice<T: num_traits::Float>(items: &[T]) -> T {
    let n = items.len();
    if n <= PAIRWISE_BLOCK {
        block_sum(items)
    } else {
        let half = n / 2 - (n / 2) % 8;
        pairwise_slice(&items[..half]) + pairwise_slice(&items[half..])
    }
}

/// The sum of one block with eight accumulators (the loop the compiler vectorises); fewer than
/// eight elements are added in order.
fn block_sum<T: num_traits::Float>(block: &[T]) -> T {
    if block.len() < 8 {
        return block.iter().fold(T::zero(), |s, &x| s + x);
    }
    let mut acc = [T::zero(); 8];
    let mut lanes = block.chunks_exact(8);
    for lane in lanes.by_ref() {
        for (a, &x) in acc.iter_mut().zip(lane) {
            *a = *a + x;
        }
    }
    let total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    lanes.remainder().iter().fold(total, |s, &x| s + x)
}

/// Partial sums of a pairwise summation, combined like the carries of a binary counter: two sums
/// of the same number of blocks become one, so at most 64 are ever pending.
struct PairTree<T> {
    sums: [(u32, T); 64],
    len: usize,
}

impl<T: num_traits::Float> Default for PairTree<T> {
    fn default() -> Self {
        PairTree { sums: [(0, T::zero()); 64], len: 0 }
    }
}

impl<T: num_traits::Float> PairTree<T> {
    fn push(&mut self, sum: T) {
        let mut entry = (0u32, sum);
        while self.len > 0 && self.sums[self.len - 1].0 == entry.0 {
            self.len -= 1;
            entry = (entry.0 + 1, self.sums[self.len].1 + entry.1);
        }
        self.sums[self.len] = entry;
        self.len += 1;
    }

    fn total(&self) -> T {
        self.sums[..self.len].iter().rev().fold(T::zero(), |s, &(_, x)| x + s)
    }
}

fn cast_index<T: Elem>(out: Arr<T>) -> Value {
    Value::Tensor(Tensor::I64(out.mapv(|x| x.to_i64().unwrap_or(0)).into_shared()))
}

/// A float scalar of the element type `T`.
pub fn scalar_value<T: Elem>(v: T) -> Value {
    match T::wrap(Arr::from_elem(IxDyn(&[]), v)) {
        Value::Tensor(Tensor::F32(a)) => Value::F32(a[IxDyn(&[])]),
        Value::Tensor(Tensor::F64(a)) => Value::F64(a[IxDyn(&[])]),
        other => other,
    }
}

/// Turns a rank-0 tensor into the scalar it holds (the language has no rank-0 tensors).
pub fn scalar_if_rank0(v: Value) -> Value {
    match v {
        Value::Tensor(Tensor::F64(a)) if a.ndim() == 0 => Value::F64(a[IxDyn(&[])]),
        Value::Tensor(Tensor::F32(a)) if a.ndim() == 0 => Value::F32(a[IxDyn(&[])]),
        Value::Tensor(Tensor::I64(a)) if a.ndim() == 0 => Value::Int(a[IxDyn(&[])]),
        Value::Tensor(Tensor::Bool(a)) if a.ndim() == 0 => Value::Bool(a[IxDyn(&[])]),
        other => other,
    }
}

/// The result of a reduction: `kernel` run on all of `a` as one lane (`axis` `None`) or on each
/// lane along an axis, the reduced axes kept with length 1 when `keepdims`; `wrap` makes the
/// tensor a value, and a result of rank 0 is a scalar.
pub fn reduction<T: Copy, U: Clone>(
    a: &Arr<T>,
    axis: Option<usize>,
    keepdims: bool,
    mut kernel: impl FnMut(ArrayView1<T>) -> U,
    wrap: impl FnOnce(Arr<U>) -> Value,
) -> Result<Value, OpError> {
    let out = match axis {
        None => {
            let v = match a.as_slice() {
                Some(data) => kernel(ArrayView1::from(data)),
                None => kernel(ArrayView1::from(&crate::memory::collect(a.iter().copied(), a.len())?[..])),
            };
            Arr::from_elem(IxDyn(&vec![1; if keepdims { a.ndim() } else { 0 }]), v)
        }
        Some(k) => along(a, k, keepdims, kernel).into_shared(),
    };
    Ok(scalar_if_rank0(wrap(out)))
}

/// `kernel` applied to every lane of `a` along axis `k`, that axis kept (with length 1) when
/// `keepdims`: the one shape of every reduction along an axis.
///
/// A tensor in standard layout is viewed as `(before, along, after)` first: the same lanes, with
/// the same strides, but stepped with fixed-rank indices, which costs far less per lane than a
/// dynamic-rank index does on a tensor of many short lanes (a row of class scores).
pub fn along<T, U: Clone>(
    a: &Arr<T>,
    k: usize,
    keepdims: bool,
    kernel: impl FnMut(ArrayView1<T>) -> U,
) -> ndarray::ArrayD<U> {
    let shape = a.shape();
    let (before, after) = (shape[..k].iter().product::<usize>(), shape[k + 1..].iter().product::<usize>());
    let mut out = match a.view().into_shape_with_order((before, shape[k], after)) {
        Ok(blocks) => {
            let lanes = blocks.map_axis(Axis(1), kernel);
            let mut kept = shape.to_vec();
            kept.remove(k);
            lanes.into_shape_clone(IxDyn(&kept)).expect("one result a lane fills the kept axes")
        }
        Err(_) => a.map_axis(Axis(k), kernel),
    };
    if keepdims {
        out.insert_axis_inplace(Axis(k));
    }
    out
}

/// `k` as an axis of a rank-`rank` tensor (negative counts from the end).
pub fn normalize_axis(k: i64, rank: usize) -> Option<usize> {
    let r = rank as i64;
    let k = if k < 0 { k + r } else { k };
    (0..r).contains(&k).then_some(k as usize)
}

impl Reduce {
    /// The type rule, `[x, axis, keepdims]`: with a known `axis` the exact result shape, with an
    /// unknown one the rank; `argmax`/`argmin` without `axis` an `int`.
    /// `max(a, b)` and `min(a, b)` meant as the element-wise `maximum`/`minimum` get that as help.
    pub fn type_rule(self, args: &[Type]) -> Result<Type, TypeError> {
        let (Reduce::Max | Reduce::Min) = self else { return self.rule(args) };
        let (pair, which) = if self == Reduce::Max { ("maximum", "larger") } else { ("minimum", "smaller") };
        let axis_given = !matches!(args.get(1), None | Some(Type::Absent));
        let x = args.first().unwrap_or(&Type::Absent);
        let result = match x {
            Type::Int(_) | Type::Float(_) if axis_given => Err(TypeError::new(
                Code::TypeShape,
                format!(
                    "`{}` reduces one tensor along an axis, but its first argument is {x}, a scalar",
                    self.info().name
                ),
            )
            .at(1, "read as an axis")),
            _ => self.rule(args),
        };
        result.map_err(|e| match e.help {
            None if axis_given => e.help(format!(
                "`{}` reduces one tensor (its second argument is an axis); for the {which} of two values, \
                 element by element, use {pair}({{0}}, {{1}})",
                self.info().name,
            )),
            _ => e,
        })
    }

    fn rule(self, args: &[Type]) -> Result<Type, TypeError> {
        let x = args.first().unwrap_or(&Type::Absent);
        let axis = args.get(1).unwrap_or(&Type::Absent);
        let keepdims = match args.get(2).unwrap_or(&Type::Absent) {
            Type::Absent => Some(false),
            Type::Bool(b) => *b,
            other => {
                return Err(TypeError::new(Code::TypeMismatch, "`keepdims` must be a bool").at(2, other.to_string()))
            }
        };
        let rank = x.dims().len();
        let bad = || TypeError::takes(&format!("`{}`", self.info().name), 0, x);
        // `None`: whole tensor; `Some(None)`: an axis not known statically.
        let axis = match axis {
            Type::Absent if self == Reduce::Softmax && rank > 0 => Some(Some(rank - 1)),
            Type::Absent => None,
            Type::Int(None) if rank == 0 => {
                return Err(TypeError::new(Code::TypeShape, format!("{x} has no axes to reduce along"))
                    .at(1, "a scalar has rank 0"))
            }
            axis => Some(axis_type(axis, x)?),
        };
        let (elem, dims) = match x {
            Type::Tensor { dtype, dims } => (*dtype, dims),
            Type::Int(_) | Type::Float(_) | Type::Bool(_) if axis.is_none() => return self.scalar_type(x, bad),
            _ => return Err(bad()),
        };
        if elem == Dtype::Bool && matches!(self, Reduce::Any | Reduce::All) {
            return Ok(reduced(Dtype::Bool, dims, axis, keepdims));
        } else if matches!(self, Reduce::Any | Reduce::All) {
            return Err(TypeError::new(Code::TypeMismatch, format!("`{}` takes a bool tensor", self.info().name))
                .at(0, x.to_string())
                .help("compare first, e.g. any(x > 0)"));
        }
        // Bools count as ints; what is not a sum, product, extreme or index of ints is a float.
        let elem = match (elem, self) {
            (Dtype::Bool | Dtype::I64, Reduce::Sum | Reduce::Prod | Reduce::Max | Reduce::Min) => Dtype::I64,
            (Dtype::Bool | Dtype::I64, _) => Dtype::F64,
            (float, _) => float,
        };
        Ok(match self {
            Reduce::Softmax => Type::Tensor { dtype: elem, dims: dims.clone() },
            Reduce::ArgMax | Reduce::ArgMin if axis.is_none() => Type::Int(None),
            Reduce::ArgMax | Reduce::ArgMin => reduced(Dtype::I64, dims, axis, keepdims),
            Reduce::Sum
            | Reduce::Mean
            | Reduce::Max
            | Reduce::Min
            | Reduce::Prod
            | Reduce::Any
            | Reduce::All
            | Reduce::LogSumExp
            | Reduce::Norm => reduced(elem, dims, axis, keepdims),
        })
    }

    /// A reduction of a scalar (no axis): the scalar kernel's rule.
    fn scalar_type(self, x: &Type, bad: impl Fn() -> TypeError) -> Result<Type, TypeError> {
        match (self, x) {
            (Reduce::ArgMax | Reduce::ArgMin, _) => Ok(Type::Int(Some(0))),
            (Reduce::Any | Reduce::All, Type::Bool(_)) => Ok(x.clone()),
            (Reduce::Softmax, Type::Float(FloatDtype::F32)) => Ok(Type::Float(FloatDtype::F32)),
            (Reduce::Softmax, _) => Ok(Type::Float(FloatDtype::F64)),
            (Reduce::Norm, _) => super::unary::Unary::Abs.type_rule(std::slice::from_ref(x)),
            (Reduce::Any | Reduce::All, _) | (_, Type::Bool(_)) => Err(bad()),
            (Reduce::Sum | Reduce::Mean | Reduce::Max | Reduce::Min | Reduce::Prod | Reduce::LogSumExp, _) => {
                Ok(x.clone())
            }
        }
    }
}

/// The axis of `x` that the `axis=` argument (argument 1, of type `axis`) names: `None` for an
/// int not known before running.
pub fn axis_type(axis: &Type, x: &Type) -> Result<Option<usize>, TypeError> {
    let rank = x.dims().len();
    match axis {
        Type::Int(Some(k)) => normalize_axis(*k, rank).map(Some).ok_or_else(|| {
            TypeError::new(Code::TypeShape, format!("axis {k} is out of range for {x} of rank {rank}"))
                .at(1, format!("rank {rank} has axes 0..{rank}"))
        }),
        Type::Int(None) => Ok(None),
        other => Err(TypeError::new(Code::TypeMismatch, "`axis` must be an int").at(1, other.to_string())),
    }
}

/// The type of reducing `dims` along `axis` (`None`: all of them; `Some(None)`: one not known).
fn reduced(dtype: Dtype, dims: &[Dim], axis: Option<Option<usize>>, keepdims: Option<bool>) -> Type {
    match (axis, keepdims) {
        (None, Some(false)) => Type::scalar(dtype),
        (None, Some(true)) => Type::Tensor { dtype, dims: vec![Dim::Known(1); dims.len()] },
        (Some(Some(k)), Some(keep)) => {
            let mut out = dims.to_vec();
            if keep {
                out[k] = Dim::Known(1);
            } else {
                out.remove(k);
            }
            Type::tensor(dtype, out)
        }
        (Some(None), Some(keep)) => Type::tensor(dtype, vec![Dim::Unknown; dims.len() - usize::from(!keep)]),
        (_, None) => Type::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pairwise sum as it was written before short sequences got their own path: every
    /// sequence fills blocks of 128 and a tree.
    fn blocks_and_tree(items: &[f64]) -> f64 {
        let mut tree = PairTree::default();
        for block in items.chunks(PAIRWISE_BLOCK) {
            tree.push(block_sum(block));
        }
        tree.total()
    }

    #[test]
    fn short_sequences_sum_to_the_same_bits_as_blocks() {
        let values = [-0.0, 0.1, -2.5e-17, 3.0, 1e16, -1e16, 0.7, f64::MIN_POSITIVE];
        for n in 0..300 {
            let items: Vec<f64> = (0..n).map(|i| values[i % values.len()] * (1.0 + i as f64 / 7.0)).collect();
            let fast = pairwise_sum(items.iter().copied());
            assert_eq!(fast.to_bits(), blocks_and_tree(&items).to_bits(), "{n} items");
        }
        assert_eq!(pairwise_sum([-0.0f64].into_iter()).to_bits(), 0.0f64.to_bits(), "-0.0 + 0 is 0.0, as before");
    }
}
