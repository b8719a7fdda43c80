//! Constructors: `zeros ones full eye arange linspace randn rand`, in the default float dtype
//! where the call stands. `randn`/`rand` draw from the seeded generator in order, one element
//! after another, so the same seed gives the same numbers at every thread count.

mod vjp;
use super::arith::scalar_f64;
use super::shape::dims_of;
use super::shape_rules::dims_type;
use super::{family, random, unvetted, Ctx, OpError};
use crate::diag::Code;
use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::memory::{check_alloc, try_alloc};
use crate::types::{Dim, Type, TypeError};
use crate::value::{Arr, Tensor, Value};
use ndarray::IxDyn;
use rand::Rng;
use rand_distr::StandardNormal;

family! {
    /// Tensor constructors.
    Construct("Constructors") {
        Zeros => Function("zeros", [dims...], "A tensor of zeros.", "zeros(2)  # [0.0, 0.0]"),
        Ones => Function("ones", [dims...], "A tensor of ones.", "ones(2)  # [1.0, 1.0]"),
        Full => Function("full", [value, dims...], "A tensor filled with value.", "full(7, 2)  # [7.0, 7.0]"),
        Eye => Function("eye", [n], "The n×n identity matrix.", "eye(2)  # [[1.0, 0.0], [0.0, 1.0]]"),
        Arange => Function("arange", [start, stop, step?], "start, start+step, ... below stop: ints when all three are ints, else floats.", "arange(0, 3)  # [0, 1, 2]"),
        Linspace => Function("linspace", [a, b, n], "n evenly spaced values from a to b.", "linspace(0, 1, 3)  # [0.0, 0.5, 1.0]"),
        Randn => Function("randn", [dims...], "Standard normal samples from the seeded generator.", "shape(randn(2, 3))  # (2, 3)"),
        Rand => Function("rand", [dims...], "Uniform samples in [0, 1) from the seeded generator.", "shape(rand(4))  # (4,)"),
        OneHot => Function("one_hot", [labels, k], "A row per label with 1 in the label's column and 0 elsewhere: labels 0 to k - 1 (a vector of whole numbers, e.g. category codes) as an n×k matrix.", "one_hot([2, 0], 3)  # [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]"),
        Permutation => Function("permutation", [n], "0, 1, ..., n - 1 in a random order, from the seeded generator.", "sort(permutation(4))  # [0, 1, 2, 3]"),
        Shuffle => Function("shuffle", [x], "The rows of x in a random order, from the seeded generator (x is unchanged).", "shape(shuffle(zeros(5, 2)))  # (5, 2)"),
        Randint => Function("randint", [lo, hi, dims...], "Ints drawn uniformly from lo to hi - 1, from the seeded generator.", "all(randint(0, 3, 10) < 3)  # true"),
        Choice => Function("choice", [n, k, replace?], "k ints from 0 to n - 1, without repeats unless replace=true, from the seeded generator.", "len(choice(10, 3))  # 3"),
        ZerosLike => Function("zeros_like", [x], "Zeros of x's dtype and shape; item by item for a tuple of parameters.", "zeros_like((1.0, [2.0, 3.0]))  # (0.0, [0.0, 0.0])"),
        OnesLike => Function("ones_like", [x], "Ones of x's dtype and shape; item by item for a tuple of parameters.", "ones_like([[2.0], [3.0]])  # [[1.0], [1.0]]"),
    }
}

impl Construct {
    /// Builds the tensor.
    pub fn eval(self, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
        let dtype = ctx.dtype;
        match self {
            Construct::Zeros => filled(0.0, &shape(&args)?, dtype),
            Construct::OneHot => {
                let k = shape(&args[1..2])?[0];
                one_hot(&args[0], k, dtype)
            }
            Construct::Permutation => random::permutation(shape(&args)?[0], &mut ctx.rng),
            Construct::Shuffle => random::shuffle(&args[0], &mut ctx.rng),
            Construct::Randint => {
                let (lo, hi) = (int_arg(&args[0])?, int_arg(&args[1])?);
                random::randint(lo, hi, &shape(&args[2..])?, &mut ctx.rng)
            }
            Construct::Choice => {
                let dims = shape(&args[..2])?;
                random::choice(dims[0], dims[1], matches!(args[2], Value::Bool(true)), &mut ctx.rng)
            }
            Construct::ZerosLike => filled_like(0.0, &args[0]),
            Construct::OnesLike => filled_like(1.0, &args[0]),
            Construct::Ones => filled(1.0, &shape(&args)?, dtype),
            Construct::Full => {
                let v = number(&args[0])?;
                let dtype = match args[0] {
                    Value::F32(_) => FloatDtype::F32,
                    Value::F64(_) => FloatDtype::F64,
                    _ => dtype,
                };
                filled(v, &shape(&args[1..])?, dtype)
            }
            Construct::Eye => {
                let n = shape(&args)?[0];
                let shape = checked_shape(&[n, n])?;
                from_fn(&shape, dtype, |i| if i / n == i % n { 1.0 } else { 0.0 })
            }
            Construct::Arange if args.iter().all(|a| matches!(a, Value::Int(_) | Value::Absent)) => {
                let int = |v: &Value| if let Value::Int(i) = v { *i } else { 1 };
                int_range(int(&args[0]), int(&args[1]), int(&args[2]))
            }
            Construct::Arange => {
                let start = number(&args[0])?;
                let stop = number(&args[1])?;
                let step = if matches!(args[2], Value::Absent) { 1.0 } else { number(&args[2])? };
                if step == 0.0 || !step.is_finite() {
                    return Err(
                        OpError::new(Code::RuntimeValue, "`arange` needs a finite, non-zero step").at(2, "step")
                    );
                }
                // The length is computed in the element type, as NumPy does: under `dtype f32`,
                // arange(0, 0.3, 0.1) has 3 elements, not the 4 that f64 arithmetic would give.
                let count = match dtype {
                    FloatDtype::F64 => ((stop - start) / step).ceil(),
                    FloatDtype::F32 => ((stop as f32 - start as f32) / step as f32).ceil() as f64,
                };
                if !count.is_finite() {
                    return Err(OpError::new(Code::RuntimeValue, "`arange` bounds must be finite").at(1, "stop"));
                }
                let n = count.max(0.0) as usize;
                from_fn(&checked_shape(&[n])?, dtype, |i| start + i as f64 * step)
            }
            Construct::Linspace => {
                let a = number(&args[0])?;
                let b = number(&args[1])?;
                let n = shape(&args[2..])?[0];
                let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
                from_fn(&checked_shape(&[n])?, dtype, |i| if i + 1 == n && n > 1 { b } else { a + i as f64 * step })
            }
            Construct::Randn | Construct::Rand => {
                let shape = shape(&args)?;
                let normal = self == Construct::Randn;
                let rng = &mut ctx.rng;
                from_fn(&shape, dtype, |_| if normal { rng.sample(StandardNormal) } else { rng.random::<f64>() })
            }
        }
    }
}

/// `arange` of ints: an `i64` vector, its length counted exactly.
fn int_range(start: i64, stop: i64, step: i64) -> Result<Value, OpError> {
    if step == 0 {
        return Err(unvetted("arange"));
    }
    let span = i128::from(stop) - i128::from(start);
    let count = if (span > 0) == (step > 0) && span != 0 {
        span.unsigned_abs().div_ceil(u128::from(step.unsigned_abs()))
    } else {
        0
    };
    let n = usize::try_from(count).map_err(|_| crate::memory::too_large("arange"))?;
    check_alloc(n, 8)?;
    let values: Vec<i64> = (0..n).map(|i| (i128::from(start) + i as i128 * i128::from(step)) as i64).collect();
    Ok(Value::Tensor(Tensor::I64(Arr::from_shape_vec(IxDyn(&[n]), values).expect("one axis"))))
}

/// An int argument.
fn int_arg(v: &Value) -> Result<i64, OpError> {
    if let Value::Int(i) = v {
        Ok(*i)
    } else {
        Err(unvetted("a constructor"))
    }
}

/// A number argument.
fn number(v: &Value) -> Result<f64, OpError> {
    scalar_f64(v).ok_or_else(|| unvetted("a constructor"))
}

/// Reads dims from ints (at least one, none negative: the rule has checked them), checking that
/// the total is allocatable.
fn shape(args: &[Value]) -> Result<Vec<usize>, OpError> {
    let dims = dims_of(args)?.into_iter().map(usize::try_from).collect::<Result<Vec<_>, _>>();
    checked_shape(&dims.ok().filter(|d| !d.is_empty()).ok_or_else(|| unvetted("a constructor"))?)
}

fn checked_shape(shape: &[usize]) -> Result<Vec<usize>, OpError> {
    match shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
        Some(n) => check_alloc(n, 8).map(|_| shape.to_vec()),
        None => Err(OpError::new(Code::RuntimeAlloc, format!("a tensor of shape {shape:?} is too large to allocate"))
            .label("more elements than fit in memory")),
    }
}

fn filled(v: f64, shape: &[usize], dtype: FloatDtype) -> Result<Value, OpError> {
    from_fn(shape, dtype, |_| v)
}

/// The rows of the `k`-column identity picked by `labels`, a vector of whole numbers in
/// `0..k` (the rule has vetted its type; its values are checked here).
fn one_hot(labels: &Value, k: usize, dtype: FloatDtype) -> Result<Value, OpError> {
    let Value::Tensor(t) = labels.primal() else { unreachable!("the rule of one_hot takes a vector") };
    let codes: Vec<f64> = match t {
        Tensor::F64(a) => a.iter().copied().collect(),
        Tensor::F32(a) => a.iter().map(|&x| f64::from(x)).collect(),
        Tensor::I64(a) => a.iter().map(|&x| x as f64).collect(),
        Tensor::Bool(a) => a.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect(),
    };
    if let Some((i, bad)) = codes.iter().enumerate().find(|(_, &c)| !(c.fract() == 0.0 && c >= 0.0 && c < k as f64)) {
        return Err(OpError::new(
            Code::RuntimeValue,
            format!(
                "label {i} is {}, not a whole number from 0 to {}",
                crate::format::f64_repr(*bad),
                k.saturating_sub(1)
            ),
        )
        .at(0, "these labels")
        .help("labels are category codes 0, 1, ..., k - 1 (loadcsv(..., categorical=true) makes them)"));
    }
    let n = codes.len();
    from_fn(&checked_shape(&[n, k])?, dtype, |i| if codes[i / k.max(1)] as usize == i % k.max(1) { 1.0 } else { 0.0 })
}

/// `v` in the dtype and shape of `like`, a float or float tensor or a tuple of them (item by
/// item), as the rule of `zeros_like` allows.
fn filled_like(v: f64, like: &Value) -> Result<Value, OpError> {
    match like.primal() {
        Value::Tuple(items) => {
            let items: Result<Vec<Value>, OpError> = items.iter().map(|item| filled_like(v, item)).collect();
            Ok(Value::Tuple(items?.into()))
        }
        Value::F32(_) => Ok(Value::F32(v as f32)),
        Value::Tensor(Tensor::F32(a)) => filled(v, a.shape(), FloatDtype::F32),
        Value::Tensor(Tensor::F64(a)) => filled(v, a.shape(), FloatDtype::F64),
        _ => Ok(Value::F64(v)),
    }
}

/// A tensor whose element `i` (row-major) is `f(i)`, in `dtype`.
fn from_fn(shape: &[usize], dtype: FloatDtype, mut f: impl FnMut(usize) -> f64) -> Result<Value, OpError> {
    let n: usize = shape.iter().product();
    Ok(match dtype {
        FloatDtype::F64 => {
            let mut data = try_alloc::<f64>(n)?;
            data.extend((0..n).map(&mut f));
            Value::Tensor(Tensor::F64(Arr::from_shape_vec(IxDyn(shape), data).expect("sized")))
        }
        FloatDtype::F32 => {
            let mut data = try_alloc::<f32>(n)?;
            data.extend((0..n).map(|i| f(i) as f32));
            Value::Tensor(Tensor::F32(Arr::from_shape_vec(IxDyn(shape), data).expect("sized")))
        }
    })
}

/// Whether `t` is a float scalar or tensor, or a non-empty tuple of such (a parameter tree).
fn float_tree(t: &Type) -> bool {
    match t {
        Type::Tuple(items) => !items.is_empty() && items.iter().all(float_tree),
        Type::Float(_) | Type::Any => true,
        t => t.is_float_tensor(),
    }
}

impl Construct {
    /// The type rule: a tensor of the default dtype whose dims are the known int arguments.
    pub fn type_rule(self, args: &[Type], dtype: FloatDtype) -> Result<Type, TypeError> {
        let number =
            |i: usize| match args.get(i).unwrap_or(&Type::Absent) {
                t if t.is_number() => Ok(()),
                other => Err(TypeError::new(Code::TypeMismatch, format!("expected a number, not {other}"))
                    .at(i, other.to_string())),
            };
        let float = Dtype::from(dtype);
        let shape = |first: usize| -> Result<Vec<Dim>, TypeError> {
            let dims = dims_type(args.get(first..).unwrap_or(&[]), first)?;
            if dims.is_empty() {
                return Err(TypeError::new(Code::TypeArity, "a constructor needs at least one dimension")
                    .help("e.g. zeros(3) or zeros(2, 3)"));
            }
            Ok(dims)
        };
        Ok(match self {
            Construct::Zeros | Construct::Ones | Construct::Randn | Construct::Rand => {
                Type::Tensor { dtype: float, dims: shape(0)? }
            }
            Construct::Full => {
                number(0)?;
                let dtype = match &args[0] {
                    Type::Float(d) => Dtype::from(*d),
                    _ => float,
                };
                Type::Tensor { dtype, dims: shape(1)? }
            }
            Construct::Eye => {
                let n = shape(0)?[0];
                Type::Tensor { dtype: float, dims: vec![n, n] }
            }
            Construct::Arange => {
                number(0)?;
                number(1)?;
                let step = match args.get(2).unwrap_or(&Type::Absent) {
                    Type::Absent => Some(1),
                    Type::Int(Some(0)) => {
                        return Err(
                            TypeError::new(Code::TypeShape, "`arange` needs a finite, non-zero step").at(2, "step 0")
                        )
                    }
                    Type::Int(s) => *s,
                    _ => {
                        number(2)?;
                        None
                    }
                };
                let n = match (&args[0], &args[1], step) {
                    (Type::Int(Some(a)), Type::Int(Some(b)), Some(s)) => {
                        Dim::Known(((*b as f64 - *a as f64) / s as f64).ceil().max(0.0) as usize)
                    }
                    _ => Dim::Unknown,
                };
                let all_ints = args.iter().take(3).all(|t| matches!(t, Type::Int(_) | Type::Absent));
                Type::Tensor { dtype: if all_ints { Dtype::I64 } else { float }, dims: vec![n] }
            }
            Construct::Linspace => {
                number(0)?;
                number(1)?;
                Type::Tensor { dtype: float, dims: vec![shape(2)?[0]] }
            }
            Construct::OneHot => {
                let labels = &args[0];
                if !matches!(labels, Type::Tensor { dims, .. } if dims.len() == 1) {
                    return Err(TypeError::new(
                        Code::TypeMismatch,
                        format!("`one_hot` takes a vector of labels, not {labels}"),
                    )
                    .at(0, labels.to_string())
                    .help("a column of a matrix is X[:, j]"));
                }
                let n = labels.dims()[0];
                Type::Tensor { dtype: float, dims: vec![n, shape(1)?[0]] }
            }
            Construct::Permutation => Type::Tensor { dtype: Dtype::I64, dims: shape(0)? },
            Construct::Shuffle => random::shuffle_type(args.first().unwrap_or(&Type::Absent))?,
            Construct::Randint => {
                for i in 0..2 {
                    if !matches!(args.get(i), Some(Type::Int(_))) {
                        let t = args.get(i).unwrap_or(&Type::Absent);
                        return Err(TypeError::new(Code::TypeMismatch, format!("expected an int, not {t}"))
                            .at(i, t.to_string()));
                    }
                }
                Type::Tensor { dtype: Dtype::I64, dims: shape(2)? }
            }
            Construct::Choice => random::choice_type(args)?,
            Construct::ZerosLike | Construct::OnesLike => {
                let x = args.first().unwrap_or(&Type::Absent);
                if !float_tree(x) {
                    return Err(TypeError::new(
                        Code::TypeMismatch,
                        format!("`{}` takes a float, a float tensor or a tuple of them, not {x}", self.info().name),
                    )
                    .at(0, x.to_string()));
                }
                x.clone()
            }
        })
    }
}
