//! The kernels and rules of the random integer constructors of the `Construct` family:
//! `permutation`, `shuffle`, `randint` and `choice`. Each draws from the script's seeded
//! generator in order, so the same `seed` gives the same numbers at every thread count.

use super::OpError;
use crate::diag::Code;
use crate::types::{Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{Axis, IxDyn};
use rand::seq::SliceRandom;
use rand::Rng;

/// An `i64` vector of `values`.
fn ints(values: Vec<i64>) -> Value {
    let n = values.len();
    Value::Tensor(Tensor::I64(Arr::from_shape_vec(IxDyn(&[n]), values).expect("one axis")))
}

/// `permutation(n)`: 0, 1, ..., n - 1 in a random order (a Fisher–Yates shuffle).
pub fn permutation(n: usize, rng: &mut impl Rng) -> Result<Value, OpError> {
    let mut order = crate::memory::try_alloc::<i64>(n)?;
    order.extend(0..n as i64);
    order.shuffle(rng);
    Ok(ints(order))
}

/// `shuffle(x)`: the rows of `x` in a random order (a new tensor; `x` is unchanged).
pub fn shuffle(x: &Value, rng: &mut impl Rng) -> Result<Value, OpError> {
    let Value::Tensor(t) = x.primal() else { unreachable!("the rule of shuffle takes a tensor") };
    crate::memory::check_alloc(t.len(), t.dtype().size())?;
    let mut order: Vec<usize> = (0..t.shape()[0]).collect();
    order.shuffle(rng);
    Ok(Value::Tensor(crate::map_tensor!(t, a => a.select(Axis(0), &order).into_shared())))
}

/// `randint(lo, hi, dims...)`: ints drawn uniformly from `lo..hi` (`hi` excluded, as NumPy).
pub fn randint(lo: i64, hi: i64, shape: &[usize], rng: &mut impl Rng) -> Result<Value, OpError> {
    if lo >= hi {
        return Err(OpError::new(Code::RuntimeValue, format!("`randint` needs lo < hi, not {lo} and {hi}"))
            .at(1, "not above lo")
            .help("randint(0, 10, n) draws n ints from 0 to 9"));
    }
    let n: usize = shape.iter().product();
    let mut data = crate::memory::try_alloc::<i64>(n)?;
    data.extend((0..n).map(|_| rng.random_range(lo..hi)));
    Ok(Value::Tensor(Tensor::I64(Arr::from_shape_vec(IxDyn(shape), data).expect("sized"))))
}

/// `choice(n, k, replace)`: `k` ints from `0..n`, without repeats unless `replace`.
pub fn choice(n: usize, k: usize, replace: bool, rng: &mut impl Rng) -> Result<Value, OpError> {
    if n == 0 && k > 0 {
        return Err(OpError::new(Code::RuntimeValue, "`choice` cannot pick from 0 items").at(0, "n is 0"));
    }
    if replace {
        return randint(0, n as i64, &[k], rng);
    }
    if k > n {
        return Err(OpError::new(Code::RuntimeValue, format!("`choice` cannot pick {k} of {n} items without repeats"))
            .at(1, format!("more than {n}"))
            .help("pick at most n items, or allow repeats with replace=true"));
    }
    let picked = rand::seq::index::sample(rng, n, k);
    Ok(ints(picked.into_iter().map(|i| i as i64).collect()))
}

/// The type of `shuffle(x)`: `x`'s, for a tensor.
pub fn shuffle_type(x: &Type) -> Result<Type, TypeError> {
    match x {
        Type::Tensor { .. } => Ok(x.clone()),
        other => Err(TypeError::takes("`shuffle`", 0, other).help("shuffle takes a tensor; its rows are shuffled")),
    }
}

/// The type of `choice(n, k, replace?)`: an `i64` vector of `k`.
pub fn choice_type(args: &[Type]) -> Result<Type, TypeError> {
    if let Some(t) = args.get(2).filter(|t| !matches!(t, Type::Absent | Type::Bool(_))) {
        return Err(
            TypeError::new(Code::TypeMismatch, format!("`replace` must be a bool, not {t}")).at(2, t.to_string())
        );
    }
    let dims = super::shape_rules::dims_type(args.get(..2).unwrap_or(&[]), 0)?;
    Ok(Type::Tensor { dtype: Dtype::I64, dims: vec![dims.get(1).copied().unwrap_or(Dim::Unknown)] })
}
