//! Statistics over a tensor or along one axis, as NumPy computes them: `var` and `std` (with
//! `ddof`), `median` and `quantile` (NumPy's default linear method, its rounding included), and
//! the running `cumsum` and `cumprod` (over the flattened tensor without `axis`, as NumPy).

mod vjp;
use super::arith::Elem;
use super::reduce::{normalize_axis, pairwise_sum, reduction};
use super::{family, OpError};
use crate::diag::Code;
use crate::dtype::FloatDtype;
use crate::types::{known_len, Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{ArrayView1, Axis, IxDyn};

family! {
    /// Statistics and running sums.
    Stats("Statistics") {
        Var => Function("var", [x, axis?, keepdims?, ddof?], "Variance: the mean squared deviation from the mean, divided by n - ddof (default ddof=0, as NumPy).", "var([1, 2, 3, 4])  # 1.25"),
        Std => Function("std", [x, axis?, keepdims?, ddof?], "Standard deviation: sqrt(var(x, ...)).", "std([1, 3], ddof=1)  # 1.4142135623730951"),
        Median => Function("median", [x, axis?, keepdims?], "The middle value (the mean of the two middle ones for an even count); NaN wins.", "median([3, 1, 4, 1])  # 2.0"),
        Quantile => Function("quantile", [x, q, axis?, keepdims?], "The q-th quantile (0 ≤ q ≤ 1), interpolating linearly between the sorted values (NumPy's default).", "quantile([1, 2, 3, 4], 0.25)  # 1.75"),
        CumSum => Function("cumsum", [x, axis?], "Running sums along axis (over the flattened tensor without one).", "cumsum([1, 2, 3])  # [1.0, 3.0, 6.0]"),
        CumProd => Function("cumprod", [x, axis?], "Running products along axis (over the flattened tensor without one).", "cumprod([1, 2, 3])  # [1.0, 2.0, 6.0]"),
        Sort => Function("sort", [x, axis?], "The values sorted ascending along axis (default the last), stably; NaN last.", "sort([3, 1, 2])  # [1, 2, 3]"),
        ArgSort => Function("argsort", [x, axis?], "The indices that sort x along axis (default the last); equal values keep their order.", "argsort([3.0, 1.0, 2.0])  # [1, 2, 0]"),
    }
}

/// The order statistics that a quantile of one lane interpolates between: the sorted values at
/// the two positions around `q (n - 1)` and the weight of the upper one.
#[derive(Clone, Copy)]
pub struct Bracket<T> {
    /// The value below (or at) the position.
    pub below: T,
    /// The value above (or at) it.
    pub above: T,
    /// How far the position is from `below` towards `above`, in [0, 1).
    pub t: T,
}

impl Stats {
    /// The `q` a quantile-like statistic takes (0.5 for `median`), or `None`.
    pub fn fraction(self, args: &[Value]) -> Option<f64> {
        match self {
            Stats::Median => Some(0.5),
            Stats::Quantile => super::arith::scalar_f64(args[1].primal()),
            Stats::Var | Stats::Std | Stats::CumSum | Stats::CumProd | Stats::Sort | Stats::ArgSort => None,
        }
    }

    /// Where `axis` and `keepdims` stand among the arguments.
    pub fn axis_position(self) -> usize {
        match self {
            Stats::Quantile => 2,
            Stats::Var | Stats::Std | Stats::Median | Stats::CumSum | Stats::CumProd | Stats::Sort | Stats::ArgSort => {
                1
            }
        }
    }

    /// Runs the statistic on plain values; the type rule has vetted them.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        if matches!(self, Stats::Sort | Stats::ArgSort) {
            return super::sort::sort(self == Stats::ArgSort, &args);
        }
        let at = self.axis_position();
        let rank = match &args[0] {
            Value::Tensor(t) => t.shape().len(),
            _ => 0,
        };
        let axis = match &args[at] {
            Value::Int(k) => Some(normalize_axis(*k, rank).ok_or_else(|| super::unvetted(self.info().name))?),
            _ => None,
        };
        let keepdims = matches!(args.get(at + 1), Some(Value::Bool(true)));
        if let Some(q) = self.fraction(&args) {
            if !(0.0..=1.0).contains(&q) {
                return Err(OpError::new(Code::RuntimeValue, format!("a quantile must be between 0 and 1, not {q}"))
                    .at(1, "this quantile")
                    .help("quantile(x, 0.9) is the 90th percentile"));
            }
        }
        match &args[0] {
            Value::Tensor(Tensor::F64(a)) => self.float(a.clone(), &args, axis, keepdims),
            Value::Tensor(Tensor::F32(a)) => self.float(a.clone(), &args, axis, keepdims),
            Value::Tensor(Tensor::Bool(a)) => {
                self.float(a.mapv(|b| if b { 1.0 } else { 0.0 }).into_shared(), &args, axis, keepdims)
            }
            Value::Tensor(Tensor::I64(a)) => self.float(a.mapv(|v| v as f64).into_shared(), &args, axis, keepdims),
            scalar => {
                let x = super::arith::scalar_f64(scalar).unwrap_or(f64::NAN);
                let one = Arr::from_elem(IxDyn(&[1]), x);
                let out = self.float(one.into_shared(), &args, None, false)?;
                Ok(match (out, scalar) {
                    (Value::Tensor(Tensor::F64(a)), Value::F32(_)) => Value::F32(a[[0]] as f32),
                    (Value::Tensor(Tensor::F64(a)), _) => Value::F64(a[[0]]),
                    (Value::F64(v), Value::F32(_)) => Value::F32(v as f32),
                    (other, _) => other,
                })
            }
        }
    }

    fn float<T: Elem>(self, a: Arr<T>, args: &[Value], axis: Option<usize>, keepdims: bool) -> Result<Value, OpError> {
        if matches!(self, Stats::CumSum | Stats::CumProd) {
            return Ok(self.running(a, axis));
        }
        let ddof = match args.get(3).map(Value::primal) {
            Some(Value::Int(d)) if matches!(self, Stats::Var | Stats::Std) => *d,
            _ => 0,
        };
        let n = axis.map_or(a.len(), |k| a.shape()[k]);
        if i64::try_from(n).map_or(true, |n| n <= ddof) || (ddof < 0) {
            let what =
                if ddof == 0 { "an empty tensor".to_string() } else { format!("fewer than {} elements", ddof + 1) };
            return Err(OpError::new(Code::RuntimeValue, format!("`{}` of {what}", self.info().name))
                .at(0, format!("{n} elements"))
                .help(if ddof > 0 { "ddof=1 needs at least 2 elements" } else { "the statistic needs elements" }));
        }
        let q = self.fraction(args).map(|q| T::from(q).unwrap_or(T::nan()));
        let kernel = |lane: ArrayView1<T>| -> T {
            match (self, q) {
                (Stats::Var, _) => variance(lane, ddof),
                (Stats::Std, _) => variance(lane, ddof).sqrt(),
                (Stats::Median, _) => {
                    let b = bracket(lane, T::from(0.5).unwrap_or(T::nan()));
                    // NumPy's median is the mean of the two middle values.
                    if b.t == T::zero() {
                        b.below
                    } else {
                        (b.below + b.above) / T::from(2).unwrap_or(T::nan())
                    }
                }
                (Stats::Quantile, Some(q)) => lerp(bracket(lane, q)),
                (Stats::Quantile, None) | (Stats::CumSum | Stats::CumProd | Stats::Sort | Stats::ArgSort, _) => {
                    T::nan()
                }
            }
        };
        reduction(&a, axis, keepdims, kernel, T::wrap)
    }

    /// `cumsum` or `cumprod` along `axis`, or over the flattened tensor, in order (as NumPy).
    fn running<T: Elem>(self, a: Arr<T>, axis: Option<usize>) -> Value {
        let step = |acc: T, x: T| if self == Stats::CumSum { acc + x } else { acc * x };
        let mut out = match axis {
            Some(_) => a.to_owned(),
            None => {
                let flat: Vec<T> = a.iter().copied().collect();
                ndarray::ArrayD::from_shape_vec(IxDyn(&[flat.len()]), flat).expect("one axis")
            }
        };
        for mut lane in out.lanes_mut(Axis(axis.unwrap_or(0))) {
            let mut acc: Option<T> = None;
            for x in lane.iter_mut() {
                let next = acc.map_or(*x, |s| step(s, *x));
                *x = next;
                acc = Some(next);
            }
        }
        T::wrap(out.into_shared())
    }
}

/// The variance of a lane: pairwise sums, as NumPy (mean first, then the squared deviations).
fn variance<T: Elem>(lane: ArrayView1<T>, ddof: i64) -> T {
    let n = T::from(lane.len()).unwrap_or(T::nan());
    let mean = pairwise_sum(lane.iter().copied()) / n;
    let squares = pairwise_sum(lane.iter().map(|&x| (x - mean) * (x - mean)));
    squares / (n - T::from(ddof).unwrap_or(T::nan()))
}

/// The bracket of the `q`-th quantile of a lane (a NaN anywhere makes every part NaN, as in
/// NumPy). The position is `q (n - 1)`, computed as NumPy does.
pub fn bracket<T: Elem>(lane: ArrayView1<T>, q: T) -> Bracket<T> {
    if lane.iter().any(|x| x.is_nan()) {
        return Bracket { below: T::nan(), above: T::nan(), t: T::nan() };
    }
    let mut sorted: Vec<T> = lane.iter().copied().collect();
    sorted.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let last = sorted.len() - 1;
    let position = q * T::from(last).unwrap_or(T::nan());
    let low = position.floor().to_usize().unwrap_or(0).min(last);
    let high = (low + 1).min(last);
    Bracket { below: sorted[low], above: sorted[high], t: position - T::from(low).unwrap_or(T::nan()) }
}

/// NumPy's `_lerp`: `a + (b - a) t`, computed from `b` when `t ≥ 0.5` so that `t = 1` gives `b`.
fn lerp<T: Elem>(b: Bracket<T>) -> T {
    let diff = b.above - b.below;
    if b.t >= T::from(0.5).unwrap_or(T::nan()) {
        b.above - diff * (T::one() - b.t)
    } else {
        b.below + diff * b.t
    }
}

/// The brackets of `x`'s quantile `q` along `axis` (or of all of it), as two tensors of the
/// statistic's shape with `keepdims`, and the upper weights: the constants a quantile's
/// derivative rule needs.
pub fn brackets(x: &Value, q: f64, axis: Option<usize>) -> Option<(Value, Value, Value)> {
    fn split<T: Elem>(a: &Arr<T>, q: f64, axis: Option<usize>) -> (Value, Value, Value) {
        let q = T::from(q).unwrap_or(T::nan());
        let lanes: Vec<Bracket<T>> = match axis {
            None => vec![bracket(ArrayView1::from(&a.iter().copied().collect::<Vec<T>>()[..]), q)],
            Some(k) => a.lanes(Axis(k)).into_iter().map(|lane| bracket(lane, q)).collect(),
        };
        let mut shape = a.shape().to_vec();
        match axis {
            None => shape.iter_mut().for_each(|d| *d = 1),
            Some(k) => shape[k] = 1,
        }
        let part = |f: fn(&Bracket<T>) -> T| {
            let values: Vec<T> = lanes.iter().map(f).collect();
            T::wrap(Arr::from_shape_vec(IxDyn(&shape), values).expect("one per lane").into_shared())
        };
        (part(|b| b.below), part(|b| b.above), part(|b| b.t))
    }
    match x.primal() {
        Value::Tensor(Tensor::F64(a)) => Some(split(a, q, axis)),
        Value::Tensor(Tensor::F32(a)) => Some(split(a, q, axis)),
        _ => None,
    }
}

impl Stats {
    /// The type rule: like a reduction's for the statistics (`axis`, `keepdims`, an int `ddof`,
    /// a number `q`), the operand's shape (flattened without `axis`) for the running ones.
    pub fn type_rule(self, args: &[Type]) -> Result<Type, TypeError> {
        if matches!(self, Stats::Sort | Stats::ArgSort) {
            return super::sort::sort_type(self == Stats::ArgSort, self.info().name, args);
        }
        let x = args.first().unwrap_or(&Type::Absent);
        let at = self.axis_position();
        if self == Stats::Quantile && !args.get(1).is_some_and(Type::is_number) {
            let q = args.get(1).unwrap_or(&Type::Absent);
            return Err(TypeError::new(Code::TypeMismatch, format!("the quantile must be a number, not {q}"))
                .at(1, q.to_string())
                .help("e.g. quantile(x, 0.5)"));
        }
        if let Some(t) = args.get(3).filter(|t| **t != Type::Absent && matches!(self, Stats::Var | Stats::Std)) {
            if !matches!(t, Type::Int(_)) {
                return Err(
                    TypeError::new(Code::TypeMismatch, format!("`ddof` must be an int, not {t}")).at(3, t.to_string())
                );
            }
        }
        let dims = match x {
            Type::Tensor { dims, .. } => dims.clone(),
            Type::Int(_) | Type::Float(_) if args.get(at).is_none_or(|a| *a == Type::Absent) => Vec::new(),
            _ => return Err(TypeError::takes(&format!("`{}`", self.info().name), 0, x)),
        };
        let dtype = match x {
            Type::Tensor { dtype: Dtype::F32, .. } | Type::Float(FloatDtype::F32) => Dtype::F32,
            _ => Dtype::F64,
        };
        if matches!(self, Stats::CumSum | Stats::CumProd) {
            let axis = args.get(at).unwrap_or(&Type::Absent);
            return match axis {
                Type::Absent if dims.is_empty() => Ok(Type::scalar(dtype)),
                Type::Absent => Ok(Type::tensor(dtype, vec![known_len(&dims).map_or(Dim::Unknown, Dim::Known)])),
                _ => {
                    // The axis is checked as a reduction's.
                    super::Reduce::Sum.type_rule(&[x.clone(), axis.clone()])?;
                    Ok(Type::Tensor { dtype, dims })
                }
            };
        }
        let reduce_args = [
            x.clone(),
            args.get(at).cloned().unwrap_or(Type::Absent),
            args.get(at + 1).cloned().unwrap_or(Type::Absent),
        ];
        let reduced = super::Reduce::Mean
            .type_rule(&reduce_args)
            .map_err(|e| TypeError { arg: e.arg.map(|i| if i == 0 { 0 } else { i - 1 + at }), ..e })?;
        Ok(match reduced {
            Type::Tensor { dims, .. } => Type::tensor(dtype, dims),
            Type::Float(_) | Type::Int(_) => Type::scalar(dtype),
            other => other,
        })
    }
}
