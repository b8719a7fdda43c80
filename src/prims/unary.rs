//! Element-wise functions of one operand: negation, `not`, and the math functions of spec §6.

mod vjp;
use super::arith::Elem;
use super::{family, unvetted, OpError};
use crate::diag::Code;
use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::math::tanh;
use crate::types::{Type, TypeError};
use crate::value::{Arr, Tensor, Value};
use num_traits::Float;

family! {
    /// Element-wise functions of one operand.
    Unary("Element-wise functions of one argument") {
        Neg => Operator("-x", [x], "Negation.", "-[1, 2]  # [-1, -2]"),
        Not => Operator("not", [x], "Logical not (element-wise on bool tensors).", "not true  # false"),
        Abs => Function("abs", [x], "Absolute value.", "abs([-1, 2])  # [1, 2]"),
        Sqrt => Function("sqrt", [x], "Square root.", "sqrt(4.0)  # 2.0"),
        Exp => Function("exp", [x], "Exponential.", "exp(0.0)  # 1.0"),
        Log => Function("log", [x], "Natural logarithm.", "log(1.0)  # 0.0"),
        Sin => Function("sin", [x], "Sine.", "sin(0.0)  # 0.0"),
        Cos => Function("cos", [x], "Cosine.", "cos(0.0)  # 1.0"),
        Tanh => Function("tanh", [x], "Hyperbolic tangent.", "tanh(0.0)  # 0.0"),
        Sigmoid => Function("sigmoid", [x], "Logistic function 1 / (1 + exp(-x)).", "sigmoid(0.0)  # 0.5"),
        Relu => Function("relu", [x], "max(x, 0).", "relu([-1, 2])  # [0.0, 2.0]"),
        Softplus => Function("softplus", [x], "log(1 + exp(x)), computed stably.", "softplus(0.0)  # 0.6931471805599453"),
        Sign => Function("sign", [x], "-1, 0 or 1 by the sign of x.", "sign([-3, 0, 2])  # [-1, 0, 1]"),
        IsNan => Function("isnan", [x], "Whether x is NaN.", "isnan([1.0, 0.0 / 0.0])  # [false, true]"),
        Floor => Function("floor", [x], "The largest whole number not above x; a float stays a float, an int an int.", "floor([-1.5, 2.7])  # [-2.0, 2.0]"),
        Ceil => Function("ceil", [x], "The smallest whole number not below x; a float stays a float, an int an int.", "ceil([-1.5, 2.2])  # [-1.0, 3.0]"),
        Round => Function("round", [x, n?], "x rounded to n digits after the point (default 0; n < 0 rounds to tens, hundreds, ...), ties to even, as NumPy's round.", "round([0.125, 2.5, -1.25], 1)  # [0.1, 2.5, -1.2]"),
    }
}

impl Unary {
    /// Runs the function on a plain value.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        let mut args = args.into_iter();
        let x = args.next().unwrap_or(Value::Absent);
        if self == Unary::Round {
            return round(x, args.next().unwrap_or(Value::Absent));
        }
        match (self, x) {
            (Unary::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (Unary::Not, Value::Tensor(Tensor::Bool(mut a))) => {
                a.mapv_inplace(|b| !b);
                Ok(Value::Tensor(Tensor::Bool(a)))
            }
            (Unary::IsNan, Value::Tensor(Tensor::F64(a))) => {
                Ok(Value::Tensor(Tensor::Bool(a.mapv(f64::is_nan).into_shared())))
            }
            (Unary::IsNan, Value::Tensor(Tensor::F32(a))) => {
                Ok(Value::Tensor(Tensor::Bool(a.mapv(f32::is_nan).into_shared())))
            }
            (Unary::IsNan, Value::F64(x)) => Ok(Value::Bool(x.is_nan())),
            (Unary::IsNan, Value::F32(x)) => Ok(Value::Bool(x.is_nan())),
            (Unary::IsNan, Value::Int(_)) => Ok(Value::Bool(false)),
            (Unary::Neg, Value::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(|| overflow(i)),
            (Unary::Abs, Value::Int(i)) => i.checked_abs().map(Value::Int).ok_or_else(|| overflow(i)),
            (Unary::Sign, Value::Int(i)) => Ok(Value::Int(i.signum())),
            (Unary::Floor | Unary::Ceil, Value::Int(i)) => Ok(Value::Int(i)),
            (Unary::Neg, Value::Tensor(Tensor::I64(a))) => int_map(&a, i64::checked_neg),
            (Unary::Abs, Value::Tensor(Tensor::I64(a))) => int_map(&a, i64::checked_abs),
            (Unary::Sign, Value::Tensor(Tensor::I64(a))) => int_map(&a, |i| Some(i.signum())),
            (Unary::Floor | Unary::Ceil, x @ Value::Tensor(Tensor::I64(_))) => Ok(x),
            (Unary::IsNan, Value::Tensor(Tensor::I64(a))) => {
                Ok(Value::Tensor(Tensor::Bool(Arr::from_elem(a.raw_dim(), false))))
            }
            (op, x @ Value::Tensor(Tensor::I64(_))) if op != Unary::Not => {
                match super::shape::convert(x, Dtype::F64)? {
                    Value::Tensor(Tensor::F64(a)) => Ok(map(op, a)),
                    other => Ok(other),
                }
            }
            (op, Value::Int(i)) if op != Unary::Not => Ok(Value::F64(kernel(op, i as f64))),
            (op, Value::F64(x)) if op != Unary::Not => Ok(Value::F64(kernel(op, x))),
            (op, Value::F32(x)) if op != Unary::Not => Ok(Value::F32(kernel(op, x))),
            (op, Value::Tensor(Tensor::F64(a))) if op != Unary::Not => Ok(map(op, a)),
            (op, Value::Tensor(Tensor::F32(a))) if op != Unary::Not => Ok(map(op, a)),
            (op, _) => Err(unvetted(op.info().name)),
        }
    }
}

/// `-x`, `abs` or `sign` of an int tensor, element by element: ints, an overflow an error.
fn int_map(a: &Arr<i64>, f: impl Fn(i64) -> Option<i64>) -> Result<Value, OpError> {
    let out = a.iter().map(|&i| f(i).ok_or_else(|| overflow(i))).collect::<Result<Vec<i64>, _>>()?;
    Ok(Value::Tensor(Tensor::I64(Arr::from_shape_vec(a.raw_dim(), out).expect("one element each"))))
}

fn overflow(i: i64) -> OpError {
    OpError::new(Code::RuntimeOverflow, format!("integer overflow negating {i}"))
        .label("the result does not fit in a 64-bit int")
}

/// Applies the function element by element, in place when `a` is uniquely owned. Each function
/// gets its own monomorphic loop (no branch per element).
fn map<T: Elem>(op: Unary, a: Arr<T>) -> Value {
    fn each<T: Elem>(a: Arr<T>, f: impl Fn(T) -> T + Send + Sync) -> Value {
        T::wrap(super::broadcast::map_one(a, f))
    }
    match op {
        Unary::Neg => each(a, |x| -x),
        Unary::Abs => each(a, |x| x.abs()),
        Unary::Sqrt => each(a, |x| x.sqrt()),
        Unary::Exp => T::wrap(exp_tensor(a)),
        Unary::Log => each(a, |x| x.ln()),
        Unary::Sin => each(a, |x| x.sin()),
        Unary::Cos => each(a, |x| x.cos()),
        Unary::Tanh => each(a, tanh),
        Unary::Sigmoid => each(a, |x| kernel(Unary::Sigmoid, x)),
        Unary::Relu => each(a, |x| kernel(Unary::Relu, x)),
        Unary::Softplus => each(a, |x| kernel(Unary::Softplus, x)),
        Unary::Sign => each(a, |x| kernel(Unary::Sign, x)),
        Unary::Floor => each(a, |x| x.floor()),
        Unary::Ceil => each(a, |x| x.ceil()),
        Unary::Not | Unary::IsNan | Unary::Round => each(a, |x| kernel(op, x)),
    }
}

/// `exp` of every element through [`Elem::exp_each`], a slice at a time: in place when `a` is
/// uniquely owned and in standard layout, else into a copy; split over the element-wise pool
/// when large.
fn exp_tensor<T: Elem>(a: Arr<T>) -> Arr<T> {
    let mut a = if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned().into_shared() };
    let pool = crate::parallel::pool_for(a.len());
    if let Some(items) = a.as_slice_mut() {
        match pool {
            Some(pool) => {
                use rayon::prelude::*;
                pool.install(|| items.par_chunks_mut(EXP_CHUNK).for_each(T::exp_each));
            }
            None => T::exp_each(items),
        }
    }
    a
}

/// How many elements one task of a parallel `exp` takes.
const EXP_CHUNK: usize = 4096;

/// `round(x, n)`: NumPy's algorithm (scale by 10^n, round half to even, scale back), so that
/// `round(2.675, 2)` is `2.67` as in NumPy. An int stays an int (rounded to tens, hundreds, ...
/// when `n < 0`, ties to even).
fn round(x: Value, n: Value) -> Result<Value, OpError> {
    let n = match n {
        Value::Absent => 0,
        Value::Int(n) => n,
        _ => return Err(unvetted("round")),
    };
    match x {
        Value::Int(i) => round_int(i, n).map(Value::Int),
        Value::F64(x) => Ok(Value::F64(round_float(x, n))),
        Value::F32(x) => Ok(Value::F32(round_float(x, n))),
        Value::Tensor(Tensor::F64(a)) => Ok(f64::wrap(super::broadcast::map_one(a, move |x| round_float(x, n)))),
        Value::Tensor(Tensor::F32(a)) => Ok(f32::wrap(super::broadcast::map_one(a, move |x| round_float(x, n)))),
        Value::Tensor(Tensor::I64(a)) => {
            let out: Result<Vec<i64>, OpError> = a.iter().map(|&i| round_int(i, n)).collect();
            let out = ndarray::Array::from_shape_vec(a.shape(), out?).expect("one element each");
            Ok(Value::Tensor(Tensor::I64(out.into_dyn().into_shared())))
        }
        _ => Err(unvetted("round")),
    }
}

/// Rounds to `n` digits after the point, ties to even, as `numpy.round` does.
pub fn round_float<T: Float>(x: T, n: i64) -> T {
    let ten = T::from(10.0).unwrap_or_else(T::one);
    let even = |y: T| {
        let r = y.round();
        // `round` takes ties away from zero; a tie whose result is odd goes back one. A zero
        // keeps the sign of `y`, as `rint` does (`round(-0.5)` is `-0.0`).
        let half = T::from(0.5).unwrap_or_else(T::zero);
        let r = if (y - y.trunc()).abs() == half && (r / (T::one() + T::one())).fract() != T::zero() {
            r - y.signum()
        } else {
            r
        };
        if r == T::zero() {
            T::zero() * y.signum()
        } else {
            r
        }
    };
    let scale = ten.powi(n.clamp(-400, 400).unsigned_abs() as i32);
    if !x.is_finite() {
        return x;
    }
    if n >= 0 {
        let y = x * scale;
        if y.is_finite() {
            even(y) / scale
        } else {
            x
        }
    } else if scale.is_finite() {
        even(x / scale) * scale
    } else {
        T::zero() * x.signum()
    }
}

/// Rounds an int to a multiple of `10^-n` (`n < 0`), ties to even; `n >= 0` leaves it.
fn round_int(i: i64, n: i64) -> Result<i64, OpError> {
    if n >= 0 {
        return Ok(i);
    }
    let Some(unit) = u32::try_from(-n).ok().and_then(|k| 10i128.checked_pow(k)) else { return Ok(0) };
    let (q, r) = (i128::from(i).div_euclid(unit), i128::from(i).rem_euclid(unit));
    let q = match (2 * r).cmp(&unit) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    };
    i64::try_from(q * unit).map_err(|_| {
        OpError::new(Code::RuntimeOverflow, format!("rounding {i} to {n} digits does not fit in an int"))
            .label("the result does not fit in a 64-bit int")
    })
}

/// The scalar kernel of each function.
pub fn kernel<T: Elem>(op: Unary, x: T) -> T {
    let zero = T::zero();
    let one = T::one();
    match op {
        Unary::Neg => -x,
        Unary::Abs => x.abs(),
        Unary::Sqrt => x.sqrt(),
        Unary::Exp => {
            let mut one = [x];
            T::exp_each(&mut one);
            one[0]
        }
        Unary::Log => x.ln(),
        Unary::Sin => x.sin(),
        Unary::Cos => x.cos(),
        Unary::Tanh => tanh(x),
        Unary::Sigmoid => {
            if x >= zero {
                one / (one + (-x).exp())
            } else {
                let e = x.exp();
                e / (one + e)
            }
        }
        Unary::Relu => {
            if x > zero || x.is_nan() {
                x
            } else {
                zero
            }
        }
        Unary::Softplus => x.max(zero) + (-x.abs()).exp().ln_1p(),
        Unary::Sign => {
            if x.is_nan() {
                x
            } else if x > zero {
                one
            } else if x < zero {
                -one
            } else {
                zero
            }
        }
        Unary::Floor => x.floor(),
        Unary::Ceil => x.ceil(),
        Unary::Round => round_float(x, 0),
        Unary::Not | Unary::IsNan => T::nan(),
    }
}

impl Unary {
    /// The type rule: `not` on bools, `isnan` from floats to bools, the rest keep a float's type
    /// (an `int` gives `f64`, except that `-`, `abs` and `sign` keep it an `int`).
    pub fn type_rule(self, args: &[Type]) -> Result<Type, TypeError> {
        let x = args.first().unwrap_or(&Type::Absent);
        let bad = || TypeError::takes(&format!("`{}`", self.info().name), 0, x);
        if self == Unary::Round && !matches!(args.get(1), None | Some(Type::Absent | Type::Int(_))) {
            let n = &args[1];
            return Err(TypeError::new(Code::TypeMismatch, format!("`round` takes an int number of digits, not {n}"))
                .at(1, n.to_string())
                .help("e.g. round(x, 2) for two digits after the point"));
        }
        match (self, x) {
            (Unary::Not, Type::Bool(b)) => Ok(Type::Bool(b.map(|b| !b))),
            (Unary::Not, Type::Tensor { dtype: Dtype::Bool, .. }) => Ok(x.clone()),
            (Unary::Not, _) => Err(bad()),
            (Unary::IsNan, Type::Tensor { dtype: Dtype::F64 | Dtype::F32, dims }) => {
                Ok(Type::Tensor { dtype: Dtype::Bool, dims: dims.clone() })
            }
            (Unary::IsNan, Type::Float(_) | Type::Int(_)) => Ok(Type::Bool(None)),
            (Unary::Neg, Type::Int(i)) => Ok(Type::Int(i.and_then(i64::checked_neg))),
            (Unary::Abs, Type::Int(i)) => Ok(Type::Int(i.and_then(i64::checked_abs))),
            (Unary::Sign, Type::Int(i)) => Ok(Type::Int(i.map(i64::signum))),
            (Unary::Floor | Unary::Ceil, Type::Int(_)) => Ok(x.clone()),
            (
                Unary::Neg | Unary::Abs | Unary::Sign | Unary::Floor | Unary::Ceil | Unary::Round,
                Type::Tensor { dtype: Dtype::I64, .. },
            ) => Ok(x.clone()),
            (Unary::IsNan, Type::Tensor { dtype: Dtype::I64, dims }) => {
                Ok(Type::Tensor { dtype: Dtype::Bool, dims: dims.clone() })
            }
            (_, Type::Tensor { dtype: Dtype::I64, dims }) if self != Unary::Not => {
                Ok(Type::Tensor { dtype: Dtype::F64, dims: dims.clone() })
            }
            (Unary::Round, Type::Int(i)) => Ok(match args.get(1) {
                None | Some(Type::Absent) => Type::Int(*i),
                Some(Type::Int(Some(n))) => Type::Int(i.and_then(|i| round_int(i, *n).ok())),
                _ => Type::Int(None),
            }),
            (_, Type::Int(_)) if self != Unary::IsNan => Ok(Type::Float(FloatDtype::F64)),
            (_, Type::Float(_)) if self != Unary::IsNan => Ok(x.clone()),
            (_, Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. }) if self != Unary::IsNan => Ok(x.clone()),
            _ => Err(bad()),
        }
    }
}
