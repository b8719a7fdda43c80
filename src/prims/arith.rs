//! Element-wise binary operators, comparisons and the element-wise functions of two or three
//! arguments (`maximum`, `minimum`, `where`, `clip`), with NumPy broadcasting and the scalar rules
//! of spec §3: scalars adapt to the tensor they meet; `int` arithmetic is checked.

mod vjp;
use super::broadcast::{zip_same, zip_to, Operand};
use super::reduce::scalar_if_rank0;
use super::{family, unvetted, OpError};
use crate::diag::Code;
use crate::dtype::FloatDtype::{F32, F64};
use crate::types::{broadcast_dims, Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{IxDyn, Zip};
use num_traits::Float;

family! {
    /// Element-wise operators and functions of several operands.
    Arith("Element-wise operators and functions") {
        Add => Operator("+", [a, b], "Element-wise sum, broadcasting; joins two strs.", "[1, 2] + 1  # [2, 3]"),
        Sub => Operator("-", [a, b], "Element-wise difference, broadcasting.", "[1, 2] - [1, 1]  # [0, 1]"),
        Mul => Operator("*", [a, b], "Element-wise product, broadcasting.", "[1, 2] * 3  # [3, 6]"),
        Div => Operator("/", [a, b], "Element-wise quotient; int / int gives a float.", "7 / 2  # 3.5"),
        FloorDiv => Operator("//", [a, b], "Floor division: the quotient rounded down, as Python's (a // b + a % b / b is a / b).", "-7 // 2  # -4"),
        Rem => Operator("%", [a, b], "Remainder with the sign of the divisor.", "-7 % 3  # 2"),
        Pow => Operator("^", [a, b], "Element-wise power.", "[1, 2, 3] ^ 2  # [1, 4, 9]"),
        Eq => Operator("==", [a, b], "Element-wise equality.", "[1, 2] == 2  # [false, true]"),
        Ne => Operator("!=", [a, b], "Element-wise inequality.", "1 != 2  # true"),
        Lt => Operator("<", [a, b], "Element-wise less-than.", "[1, 3] < 2  # [true, false]"),
        Le => Operator("<=", [a, b], "Element-wise less-or-equal.", "2 <= 2  # true"),
        Gt => Operator(">", [a, b], "Element-wise greater-than.", "3 > 2  # true"),
        Ge => Operator(">=", [a, b], "Element-wise greater-or-equal.", "[1, 3] >= 3  # [false, true]"),
        And => Operator("and", [a, b], "Logical and (element-wise on bool tensors).", "true and false  # false"),
        Or => Operator("or", [a, b], "Logical or (element-wise on bool tensors).", "true or false  # true"),
        Maximum => Function("maximum", [a, b], "Element-wise maximum; NaN wins.", "maximum([1, 5], 3)  # [3, 5]"),
        Minimum => Function("minimum", [a, b], "Element-wise minimum; NaN wins.", "minimum([1, 5], 3)  # [1, 3]"),
        Where => Function("where", [cond, a, b], "Picks from a where cond is true, else from b.", "where([true, false], 1, 0)  # [1, 0]"),
        Clip => Function("clip", [x, lo, hi], "Limits values to [lo, hi].", "clip([-2, 0.5, 3], 0, 1)  # [0.0, 0.5, 1.0]"),
    }
}

impl Arith {
    /// Runs the operator on plain values.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        let mut args = args.into_iter();
        let a = args.next().unwrap_or(Value::Absent);
        let b = args.next().unwrap_or(Value::Absent);
        match self.kind() {
            ArithKind::Select if self == Arith::Where => where_(a, b, args.next().unwrap_or(Value::Absent)),
            // clip(x, lo, hi) is minimum(maximum(x, lo), hi).
            ArithKind::Select => {
                let hi = args.next().unwrap_or(Value::Absent);
                let lower = Arith::Maximum.eval(vec![a, b])?;
                Arith::Minimum.eval(vec![lower, hi]).map_err(|e| OpError { arg: e.arg.map(|_| 2), ..e })
            }
            ArithKind::Logic => logical(self, a, b),
            ArithKind::Arithmetic | ArithKind::Comparison => binary(self, a, b),
        }
    }

    /// Whether this is an element-wise comparison (a bool result).
    pub fn is_comparison(self) -> bool {
        self.kind() == ArithKind::Comparison
    }

    /// Whether this is element-wise arithmetic of two operands (`+ - * / // % ^`, `maximum`,
    /// `minimum`): a result of the operands' float dtype, which may be written into a uniquely
    /// owned operand, and which parameter trees map item by item.
    pub fn is_arithmetic(self) -> bool {
        self.kind() == ArithKind::Arithmetic
    }

    /// The kind of operator, in one place for every question above.
    fn kind(self) -> ArithKind {
        match self {
            Arith::Add | Arith::Sub | Arith::Mul | Arith::Div | Arith::FloorDiv | Arith::Rem | Arith::Pow => {
                ArithKind::Arithmetic
            }
            Arith::Maximum | Arith::Minimum => ArithKind::Arithmetic,
            Arith::Eq | Arith::Ne | Arith::Lt | Arith::Le | Arith::Gt | Arith::Ge => ArithKind::Comparison,
            Arith::And | Arith::Or => ArithKind::Logic,
            Arith::Where | Arith::Clip => ArithKind::Select,
        }
    }
}

/// What an element-wise operator does with its operands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArithKind {
    /// Numbers to a number.
    Arithmetic,
    /// Numbers to a bool.
    Comparison,
    /// Bools to a bool.
    Logic,
    /// Picks from operands (`where`, `clip`).
    Select,
}

/// The help for `+` between a str and something else: an f-string or `str(...)` joins them.
fn join_help(op: Arith, a_is_str: bool, b_is_str: bool) -> Option<&'static str> {
    match (op, a_is_str, b_is_str) {
        (Arith::Add, true, false) => {
            Some("`+` joins two strs: convert the other side, {0} + str({1}), or write an f-string")
        }
        (Arith::Add, false, true) => {
            Some("`+` joins two strs: convert the other side, str({0}) + {1}, or write an f-string")
        }
        _ => None,
    }
}

fn binary(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    match (&a, &b) {
        (Value::Tensor(_), _) | (_, Value::Tensor(_)) => tensor_binary(op, a, b),
        (Value::Int(x), Value::Int(y)) => int_binary(op, *x, *y),
        (Value::Str(x), Value::Str(y)) if matches!(op, Arith::Eq | Arith::Ne) => {
            Ok(Value::Bool((x == y) == (op == Arith::Eq)))
        }
        (Value::Str(x), Value::Str(y)) if op == Arith::Add => Ok(Value::Str(std::rc::Rc::from(format!("{x}{y}")))),
        (Value::Tuple(x), Value::Tuple(y)) if matches!(op, Arith::Eq | Arith::Ne) => {
            Ok(Value::Bool(tuples_equal(x, y)? == (op == Arith::Eq)))
        }
        (Value::Bool(x), Value::Bool(y)) if matches!(op, Arith::Eq | Arith::Ne) => {
            Ok(Value::Bool((x == y) == (op == Arith::Eq)))
        }
        _ => match (scalar_f64(&a), scalar_f64(&b)) {
            (Some(x), Some(y)) => {
                let f32_only =
                    matches!((&a, &b), (Value::F32(_), Value::F32(_) | Value::Int(_)) | (Value::Int(_), Value::F32(_)));
                Ok(if f32_only {
                    match float_op(op, x as f32, y as f32) {
                        Scalar::Bool(v) => Value::Bool(v),
                        Scalar::Float(v) => Value::F32(v),
                    }
                } else {
                    match float_op(op, x, y) {
                        Scalar::Bool(v) => Value::Bool(v),
                        Scalar::Float(v) => Value::F64(v),
                    }
                })
            }
            _ => Err(unvetted(op.info().name)),
        },
    }
}

/// Whether two tuples hold equal items, in order (`shape(A) == (3, 4)`); tensors inside them
/// have no single truth value and cannot be compared this way.
fn tuples_equal(x: &[Value], y: &[Value]) -> Result<bool, OpError> {
    if x.len() != y.len() {
        return Ok(false);
    }
    for (p, q) in x.iter().zip(y) {
        match binary(Arith::Eq, p.primal().clone(), q.primal().clone())? {
            Value::Bool(true) => {}
            Value::Bool(false) => return Ok(false),
            _ => {
                return Err(OpError::new(Code::TypeMismatch, "tuples holding tensors cannot be compared with `==`")
                    .help("compare the tensors themselves, e.g. all(a == b)"))
            }
        }
    }
    Ok(true)
}

/// A numeric scalar as f64 (ints and floats; not bools).
pub fn scalar_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::F64(x) => Some(*x),
        Value::F32(x) => Some(*x as f64),
        _ => None,
    }
}

fn int_binary(op: Arith, x: i64, y: i64) -> Result<Value, OpError> {
    let overflow = || {
        OpError::new(Code::RuntimeOverflow, format!("integer overflow in {x} {} {y}", op.info().name))
            .label("the result does not fit in a 64-bit int")
            .help("convert to a float first, e.g. float(x)")
    };
    let by_zero = || OpError::new(Code::RuntimeDivisionByZero, "integer division by zero").at(1, "this is 0");
    Ok(match op {
        Arith::Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        Arith::Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        Arith::Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        Arith::Div if y == 0 => return Err(by_zero()),
        Arith::Div => Value::F64(x as f64 / y as f64),
        Arith::FloorDiv if y == 0 => return Err(by_zero()),
        Arith::FloorDiv => Value::Int(floor_div(x, y).ok_or_else(overflow)?),
        Arith::Rem if y == 0 => return Err(by_zero()),
        Arith::Rem => Value::Int(python_rem(x, y).ok_or_else(overflow)?),
        Arith::Pow if y >= 0 => Value::Int(u32::try_from(y).ok().and_then(|e| x.checked_pow(e)).ok_or_else(overflow)?),
        Arith::Pow => Value::F64((x as f64).powf(y as f64)),
        Arith::Maximum => Value::Int(x.max(y)),
        Arith::Minimum => Value::Int(x.min(y)),
        Arith::Eq => Value::Bool(x == y),
        Arith::Ne => Value::Bool(x != y),
        Arith::Lt => Value::Bool(x < y),
        Arith::Le => Value::Bool(x <= y),
        Arith::Gt => Value::Bool(x > y),
        Arith::Ge => Value::Bool(x >= y),
        Arith::And | Arith::Or | Arith::Where | Arith::Clip => return Err(unvetted(op.info().name)),
    })
}

/// The result of a scalar kernel: arithmetic gives a float, comparison a bool.
enum Scalar<T> {
    Float(T),
    Bool(bool),
}

impl<T> Scalar<T> {
    fn float(self) -> T
    where
        T: Float,
    {
        match self {
            Scalar::Float(v) => v,
            Scalar::Bool(_) => T::nan(),
        }
    }
}

/// The scalar kernel of each operator, for any float type.
fn float_op<T: Float>(op: Arith, x: T, y: T) -> Scalar<T> {
    match op {
        Arith::Add => Scalar::Float(x + y),
        Arith::Sub => Scalar::Float(x - y),
        Arith::Mul => Scalar::Float(x * y),
        Arith::Div => Scalar::Float(x / y),
        Arith::FloorDiv => Scalar::Float(python_floor_div(x, y)),
        Arith::Rem => Scalar::Float(python_mod(x, y)),
        Arith::Pow => Scalar::Float(power(x, y)),
        Arith::Maximum => Scalar::Float(if x.is_nan() || y.is_nan() { T::nan() } else { x.max(y) }),
        Arith::Minimum => Scalar::Float(if x.is_nan() || y.is_nan() { T::nan() } else { x.min(y) }),
        Arith::Eq => Scalar::Bool(x == y),
        Arith::Ne => Scalar::Bool(x != y),
        Arith::Lt => Scalar::Bool(x < y),
        Arith::Le => Scalar::Bool(x <= y),
        Arith::Gt => Scalar::Bool(x > y),
        Arith::Ge => Scalar::Bool(x >= y),
        Arith::And | Arith::Or | Arith::Where | Arith::Clip => Scalar::Float(T::nan()),
    }
}

/// The float result of an arithmetic operator (`+ - * / // % ^ maximum minimum`) on two
/// elements, exactly as its tensor kernel computes each element (the compiler's fused loops use
/// it, `crate::compile::fuse`).
pub fn float_element<T: Float>(op: Arith, x: T, y: T) -> T {
    float_op(op, x, y).float()
}

/// `x % y` for ints with the sign of the divisor, as Python's; `None` on overflow or division by 0.
fn python_rem(x: i64, y: i64) -> Option<i64> {
    x.checked_rem(y).map(|r| if r != 0 && (r < 0) != (y < 0) { r + y } else { r })
}

/// `x // y` for ints, rounded towards negative infinity; `None` on overflow or division by 0.
fn floor_div(x: i64, y: i64) -> Option<i64> {
    let q = x.checked_div(y)?;
    Some(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
}

/// `x // y` for floats exactly as Python and NumPy compute it (from `fmod`, so that
/// `1.0 // 0.1` is `9.0`, consistent with `1.0 % 0.1`); a zero divisor gives `x / y` (±inf or
/// NaN, as NumPy).
fn python_floor_div<T: Float>(x: T, y: T) -> T {
    if y == T::zero() {
        return x / y;
    }
    let m = x % y;
    let mut div = (x - m) / y;
    if m != T::zero() && (y < T::zero()) != (m < T::zero()) {
        div = div - T::one();
    }
    if div == T::zero() {
        return T::zero() * (x / y).signum();
    }
    let floor = div.floor();
    let half = T::one() / (T::one() + T::one());
    if div - floor > half {
        floor + T::one()
    } else {
        floor
    }
}

fn python_mod<T: Float>(x: T, y: T) -> T {
    let r = x % y;
    if r != T::zero() && (r < T::zero()) != (y < T::zero()) {
        r + y
    } else if r == T::zero() {
        // A zero remainder takes the divisor's sign too, as in Python and NumPy.
        T::zero() * y.signum()
    } else {
        r
    }
}

fn power<T: Float>(x: T, y: T) -> T {
    if y == T::one() + T::one() {
        x * x
    } else {
        x.powf(y)
    }
}

/// What an operand is as far as the dtype of an element-wise result goes: the same for a value
/// at run time ([`Side::of_value`]) and for its type in the checker ([`Side::of_type`]), so that
/// one function, [`promote`], decides the dtype for both.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// A tensor of this dtype.
    Tensor(Dtype),
    /// An `int` scalar: it adapts to the tensor it meets.
    Int,
    /// A float scalar: it adapts to a float tensor and makes an int tensor float.
    Float(crate::dtype::FloatDtype),
    /// A `bool` scalar.
    Bool,
    /// Anything else (a str, a tuple, a function).
    Other,
}

impl Side {
    fn of_value(v: &Value) -> Side {
        match v {
            Value::Tensor(t) => Side::Tensor(t.dtype()),
            Value::Int(_) => Side::Int,
            Value::F64(_) => Side::Float(F64),
            Value::F32(_) => Side::Float(F32),
            Value::Bool(_) => Side::Bool,
            _ => Side::Other,
        }
    }

    fn of_type(t: &Type) -> Side {
        match t {
            Type::Tensor { dtype, .. } => Side::Tensor(*dtype),
            Type::Int(_) => Side::Int,
            Type::Float(d) => Side::Float(*d),
            Type::Bool(_) => Side::Bool,
            _ => Side::Other,
        }
    }

    fn is_bool(self) -> bool {
        matches!(self, Side::Bool | Side::Tensor(Dtype::Bool))
    }
}

/// Why two operands have no common dtype.
enum Clash {
    /// A side is not a number (a bool, a str, ...).
    NotNumbers,
    /// An `f64` and an `f32` tensor.
    Floats(Dtype, Dtype),
}

/// The dtype two numeric operands combine to (NumPy's promotion with weak scalars, spec §3 and
/// §13): a scalar adapts to the tensor it meets, except that a float scalar makes an int tensor
/// float; an int tensor meeting a float tensor takes the float dtype; two ints stay `i64`; `f64`
/// and `f32` tensors do not mix.
fn promote(a: Side, b: Side) -> Result<Dtype, Clash> {
    use Side::{Float, Int, Tensor};
    Ok(match (a, b) {
        (Side::Bool | Side::Other | Tensor(Dtype::Bool), _) | (_, Side::Bool | Side::Other | Tensor(Dtype::Bool)) => {
            return Err(Clash::NotNumbers)
        }
        (Tensor(x), Tensor(y)) if x == y => x,
        (Tensor(Dtype::I64), Tensor(f)) | (Tensor(f), Tensor(Dtype::I64)) => f,
        (Tensor(x), Tensor(y)) => return Err(Clash::Floats(x, y)),
        (Tensor(Dtype::I64), Float(d)) | (Float(d), Tensor(Dtype::I64)) => Dtype::from(d),
        (Tensor(t), _) | (_, Tensor(t)) => t,
        (Int, Int) => Dtype::I64,
        (Int, Float(d)) | (Float(d), Int) => Dtype::from(d),
        (Float(F32), Float(F32)) => Dtype::F32,
        (Float(_), Float(_)) => Dtype::F64,
    })
}

/// The dtype an operator computes in when at least one operand is a tensor (`a` and `b` are the
/// operands' sides), or why there is none.
fn compute_dtype(op: Arith, a: Side, b: Side) -> Result<Dtype, Clash> {
    match promote(a, b)? {
        Dtype::I64 if op == Arith::Div => Ok(Dtype::F64),
        dtype => Ok(dtype),
    }
}

/// The error for operands `a` and `b`, of written types `ta` and `tb`, that do not combine.
fn clash_error(op: Arith, a: Side, b: Side, clash: Clash, (ta, tb): (String, String)) -> OpError {
    let name = op.info().name;
    match clash {
        Clash::Floats(x, y) => {
            OpError::new(Code::TypeDtype, format!("`{name}` cannot mix {} and {} tensors", x.name(), y.name()))
                .label(format!("{ta} {name} {tb}"))
                .help(format!("convert one side with {}(...) or {}(...)", x.name(), y.name()))
        }
        Clash::NotNumbers => {
            let error = OpError::new(Code::TypeMismatch, format!("`{name}` cannot combine {ta} and {tb}"))
                .label(format!("{ta} {name} {tb}"));
            if a.is_bool() || b.is_bool() {
                error.help("bool tensors take `and`, `or`, `not` and `where`; convert with where(c, 1.0, 0.0)")
            } else {
                match join_help(op, ta == "str", tb == "str") {
                    Some(help) => error.help(help),
                    None => error,
                }
            }
        }
    }
}

/// An operand at element type `T`: scalars convert, tensors of that dtype pass through.
pub trait Elem: Float + Send + Sync + 'static {
    /// The dtype of tensors of this element type.
    const DTYPE: Dtype;
    /// The value as an operand of this element type: a tensor of this dtype or a number scalar; `None` otherwise.
    fn operand(v: Value) -> Option<Operand<Self>>;
    /// Wraps a tensor of this element type as a value.
    fn wrap(a: Arr<Self>) -> Value;
    /// `exp` of every element, in place: for `f64` [`crate::math::exp_each`], which the
    /// kernels and fused loops share.
    fn exp_each(items: &mut [Self]);
}

impl Elem for f64 {
    const DTYPE: Dtype = Dtype::F64;
    fn operand(v: Value) -> Option<Operand<f64>> {
        match v {
            Value::Tensor(Tensor::F64(a)) => Some(Operand::Array(a)),
            other => scalar_f64(&other).map(Operand::Scalar),
        }
    }
    fn wrap(a: Arr<f64>) -> Value {
        Value::Tensor(Tensor::F64(a))
    }
    fn exp_each(items: &mut [f64]) {
        crate::math::exp_each(items);
    }
}

impl Elem for f32 {
    const DTYPE: Dtype = Dtype::F32;
    fn operand(v: Value) -> Option<Operand<f32>> {
        match v {
            Value::Tensor(Tensor::F32(a)) => Some(Operand::Array(a)),
            Value::F32(x) => Some(Operand::Scalar(x)),
            other => scalar_f64(&other).map(|x| Operand::Scalar(x as f32)),
        }
    }
    fn wrap(a: Arr<f32>) -> Value {
        Value::Tensor(Tensor::F32(a))
    }
    fn exp_each(items: &mut [f32]) {
        items.iter_mut().for_each(|x| *x = x.exp());
    }
}

/// A value written into a float tensor of element type `T` (`x[i] = v`): a tensor of that dtype,
/// an int tensor (converted, as NumPy promotes it) or a number scalar; `None` for anything else.
pub fn elem_operand<T: Elem>(v: &Value) -> Option<Operand<T>> {
    match v {
        Value::Tensor(Tensor::I64(_)) => T::operand(super::shape::convert(v.clone(), T::DTYPE).ok()?),
        other => T::operand(other.clone()),
    }
}

fn tensor_binary(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    if matches!(op, Arith::Eq | Arith::Ne)
        && matches!((&a, &b), (Value::Tensor(Tensor::Bool(_)), _) | (_, Value::Tensor(Tensor::Bool(_))))
    {
        return bool_compare(op, a, b);
    }
    match compute_dtype(op, Side::of_value(&a), Side::of_value(&b)) {
        Ok(Dtype::I64) => int_tensor_binary(op, a, b),
        Ok(dtype @ Dtype::F64) => typed_binary::<f64>(op, float_side(a, dtype)?, float_side(b, dtype)?),
        Ok(dtype @ Dtype::F32) => typed_binary::<f32>(op, float_side(a, dtype)?, float_side(b, dtype)?),
        Ok(Dtype::Bool) | Err(_) => Err(unvetted(op.info().name)),
    }
}

/// An operand for a float kernel of `dtype`: an int tensor is converted, anything else passes.
fn float_side(v: Value, dtype: Dtype) -> Result<Value, OpError> {
    match v {
        Value::Tensor(Tensor::I64(_)) => super::shape::convert(v, dtype),
        other => Ok(other),
    }
}

/// An `i64` operand: an int tensor or an `int` scalar.
pub(super) fn int_operand(v: &Value) -> Option<Operand<i64>> {
    match v {
        Value::Tensor(Tensor::I64(a)) => Some(Operand::Array(a.clone())),
        Value::Int(i) => Some(Operand::Scalar(*i)),
        _ => None,
    }
}

/// An operator on `i64` tensors: element by element as on `int` scalars, so that an overflow or
/// a division by zero is an error (the first one found), never a wrapped value. The result is a
/// new tensor: an error leaves the operands as they were.
fn int_tensor_binary(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    let (Some(x), Some(y)) = (int_operand(&a), int_operand(&b)) else { return Err(unvetted(op.info().name)) };
    if op == Arith::Pow {
        let negative = match &y {
            Operand::Scalar(e) => *e < 0,
            Operand::Array(e) => e.iter().any(|&e| e < 0),
        };
        if negative {
            return Err(OpError::new(Code::RuntimeValue, "an int tensor cannot be raised to a negative power")
                .at(1, "a negative exponent")
                .help("convert the base to floats first, e.g. f64(x) ^ -1"));
        }
    }
    let fault = std::cell::RefCell::new(None);
    let elem = |p: i64, q: i64| match int_binary(op, p, q) {
        Ok(v) => v,
        Err(e) => {
            fault.borrow_mut().get_or_insert(e);
            Value::Int(0)
        }
    };
    let out = if op.is_comparison() {
        zip_to(x, y, |p, q| matches!(elem(p, q), Value::Bool(true))).map(|o| Value::Tensor(Tensor::Bool(o)))
    } else {
        zip_to(x, y, |p, q| if let Value::Int(v) = elem(p, q) { v } else { 0 }).map(|o| Value::Tensor(Tensor::I64(o)))
    };
    let out = out.map_err(|_| unvetted(op.info().name))?;
    match fault.into_inner() {
        Some(e) => Err(e),
        None => Ok(scalar_if_rank0(out)),
    }
}

fn typed_binary<T: Elem>(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    let refused = |_| unvetted(op.info().name);
    let (Some(x), Some(y)) = (T::operand(a), T::operand(b)) else { return Err(unvetted(op.info().name)) };
    if op.is_comparison() {
        let out = zip_to(x, y, |p, q| matches!(float_op(op, p, q), Scalar::Bool(true)));
        return out.map(|o| Value::Tensor(Tensor::Bool(o))).map_err(refused);
    }
    if op == Arith::Pow {
        if let Operand::Scalar(e) = y {
            if e == T::one() {
                if let Operand::Array(x) = x {
                    return Ok(T::wrap(x));
                }
            }
        }
    }
    float_zip(op, x, y).map(T::wrap).map_err(refused)
}

/// The element-wise loop of each arithmetic operator, one monomorphic closure per operator so
/// that the loop has no branch per element and vectorises; `x ^ 2` is `x * x`.
fn float_zip<T: Elem>(op: Arith, x: Operand<T>, y: Operand<T>) -> Result<Arr<T>, (Vec<usize>, Vec<usize>)> {
    let two = T::one() + T::one();
    match op {
        Arith::Add => zip_same(x, y, |p, q| p + q),
        Arith::Sub => zip_same(x, y, |p, q| p - q),
        Arith::Mul => zip_same(x, y, |p, q| p * q),
        Arith::Div => zip_same(x, y, |p, q| p / q),
        Arith::FloorDiv => zip_same(x, y, python_floor_div),
        Arith::Rem => zip_same(x, y, python_mod),
        Arith::Pow if matches!(y, Operand::Scalar(e) if e == two) => zip_same(x, y, |p, _| p * p),
        Arith::Pow => zip_same(x, y, power),
        Arith::Maximum => zip_same(x, y, |p, q| float_op(Arith::Maximum, p, q).float()),
        Arith::Minimum => zip_same(x, y, |p, q| float_op(Arith::Minimum, p, q).float()),
        Arith::Eq
        | Arith::Ne
        | Arith::Lt
        | Arith::Le
        | Arith::Gt
        | Arith::Ge
        | Arith::And
        | Arith::Or
        | Arith::Where
        | Arith::Clip => zip_same(x, y, |p, q| float_op(op, p, q).float()),
    }
}

/// A `bool` operand: a bool tensor or a `bool` scalar.
pub(super) fn bool_operand(v: Value) -> Option<Operand<bool>> {
    match v {
        Value::Bool(b) => Some(Operand::Scalar(b)),
        Value::Tensor(Tensor::Bool(a)) => Some(Operand::Array(a)),
        _ => None,
    }
}

/// Both operands as bools.
fn bool_operands(op: Arith, a: Value, b: Value) -> Result<(Operand<bool>, Operand<bool>), OpError> {
    bool_operand(a).zip(bool_operand(b)).ok_or_else(|| unvetted(op.info().name))
}

fn bool_compare(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    let (x, y) = bool_operands(op, a, b)?;
    let eq = op == Arith::Eq;
    zip_to(x, y, |p, q| (p == q) == eq).map(|o| Value::Tensor(Tensor::Bool(o))).map_err(|_| unvetted(op.info().name))
}

fn logical(op: Arith, a: Value, b: Value) -> Result<Value, OpError> {
    let (x, y) = bool_operands(op, a, b)?;
    let out =
        zip_same(x, y, |p, q| if op == Arith::And { p && q } else { p || q }).map_err(|_| unvetted(op.info().name))?;
    Ok(if out.ndim() == 0 { Value::Bool(out[IxDyn(&[])]) } else { Value::Tensor(Tensor::Bool(out)) })
}

fn where_(cond: Value, a: Value, b: Value) -> Result<Value, OpError> {
    let c = match cond {
        Value::Bool(c) if !matches!((&a, &b), (Value::Tensor(_), _) | (_, Value::Tensor(_))) => {
            return Ok(if c { a } else { b })
        }
        // A bool scalar picks like a bool tensor of no dimensions: the result broadcasts.
        Value::Bool(c) => Arr::from_elem(IxDyn(&[]), c),
        Value::Tensor(Tensor::Bool(c)) => c,
        _ => return Err(unvetted("where")),
    };
    let picked = match promote(Side::of_value(&a), Side::of_value(&b)) {
        Ok(Dtype::F64) => {
            elem_operand::<f64>(&a).zip(elem_operand::<f64>(&b)).map(|(x, y)| pick(&c, x, y).map(f64::wrap))
        }
        Ok(Dtype::F32) => {
            elem_operand::<f32>(&a).zip(elem_operand::<f32>(&b)).map(|(x, y)| pick(&c, x, y).map(f32::wrap))
        }
        Ok(Dtype::I64) => {
            int_operand(&a).zip(int_operand(&b)).map(|(x, y)| pick(&c, x, y).map(|o| Value::Tensor(Tensor::I64(o))))
        }
        Ok(Dtype::Bool) | Err(_) => None,
    };
    picked.ok_or_else(|| unvetted("where"))?.map_err(|_| unvetted("where"))
}

/// The dtype `where` picks in (as arithmetic promotes its two branches), or its error; `a` and
/// `b` are the branches' types.
fn where_dtype(a: &Type, b: &Type) -> Result<Dtype, OpError> {
    let (sa, sb) = (Side::of_type(a), Side::of_type(b));
    promote(sa, sb).map_err(|clash| {
        let (ta, tb) = (a.to_string(), b.to_string());
        match clash {
            Clash::Floats(..) => {
                OpError::new(Code::TypeDtype, "`where` cannot mix tensors of different dtypes").at(2, tb.to_string())
            }
            Clash::NotNumbers => {
                let (i, t) =
                    if matches!(sa, Side::Int | Side::Float(_)) || matches!(sa, Side::Tensor(d) if d != Dtype::Bool) {
                        (2, tb)
                    } else {
                        (1, ta)
                    };
                OpError::new(Code::TypeMismatch, format!("`where` cannot pick from {t}")).at(i, t.to_string())
            }
        }
    })
}

/// `where(c, x, y)` on operands of one element type, broadcasting all three.
fn pick<T: Copy>(c: &Arr<bool>, x: Operand<T>, y: Operand<T>) -> Result<Arr<T>, (Vec<usize>, Vec<usize>)> {
    let shape_of = |o: &Operand<T>| match o {
        Operand::Scalar(_) => vec![],
        Operand::Array(a) => a.shape().to_vec(),
    };
    let ab = super::broadcast::broadcast_shape(&shape_of(&x), &shape_of(&y)).ok_or((shape_of(&x), shape_of(&y)))?;
    let shape = super::broadcast::broadcast_shape(c.shape(), &ab).ok_or((c.shape().to_vec(), ab.clone()))?;
    let view = |o: &Operand<T>| match o {
        Operand::Scalar(s) => Arr::from_elem(IxDyn(&shape), *s),
        Operand::Array(a) => a.broadcast(IxDyn(&shape)).expect("checked").to_owned().into_shared(),
    };
    let (xa, ya) = (view(&x), view(&y));
    let cv = c.broadcast(IxDyn(&shape)).expect("checked");
    Ok(Zip::from(&cv).and(&xa).and(&ya).map_collect(|&c, &p, &q| if c { p } else { q }).into_shared())
}

impl Arith {
    /// The type rule, as the kernels above decide: scalars adapt to a tensor, two tensors must
    /// share a dtype and broadcast, `int` arithmetic on known values stays known.
    pub fn type_rule(self, args: &[Type]) -> Result<Type, TypeError> {
        let a = args.first().unwrap_or(&Type::Absent);
        let b = args.get(1).unwrap_or(&Type::Absent);
        match self.kind() {
            ArithKind::Select if self == Arith::Where => where_type(a, b, args.get(2).unwrap_or(&Type::Absent)),
            ArithKind::Select => {
                let lower = Arith::Maximum.type_rule(&[a.clone(), b.clone()])?;
                let hi = args.get(2).unwrap_or(&Type::Absent);
                Arith::Minimum.type_rule(&[lower, hi.clone()]).map_err(|e| TypeError { arg: e.arg.map(|_| 2), ..e })
            }
            ArithKind::Logic => bool_type(self, a, b),
            ArithKind::Arithmetic if super::tree::is_tree(a) || super::tree::is_tree(b) => {
                super::tree::tree_type(self, a, b)
            }
            ArithKind::Arithmetic | ArithKind::Comparison => binary_type(self, a, b),
        }
    }
}

fn bad_types(op: Arith, a: &Type, b: &Type) -> TypeError {
    let error = TypeError::new(Code::TypeMismatch, format!("`{}` cannot combine {a} and {b}", op.info().name))
        .label(format!("{a} {} {b}", op.info().name));
    match join_help(op, *a == Type::Str, *b == Type::Str) {
        Some(help) => error.help(help),
        None => error,
    }
}

fn binary_type(op: Arith, a: &Type, b: &Type) -> Result<Type, TypeError> {
    let cmp = op.is_comparison();
    match (a, b) {
        (Type::Tensor { .. }, _) | (_, Type::Tensor { .. }) => tensor_type(op, a, b),
        (Type::Int(x), Type::Int(y)) => Ok(int_type(op, *x, *y)),
        (Type::Str, Type::Str) | (Type::Bool(_), Type::Bool(_)) if matches!(op, Arith::Eq | Arith::Ne) => {
            Ok(Type::Bool(None))
        }
        (Type::Str, Type::Str) if op == Arith::Add => Ok(Type::Str),
        (Type::Tuple(x), Type::Tuple(y)) if matches!(op, Arith::Eq | Arith::Ne) => {
            // Items are compared in pairs as far as both go; an item not known takes anything.
            for (p, q) in x.iter().zip(y).filter(|(p, q)| **p != Type::Any && **q != Type::Any) {
                binary_type(op, p, q)?;
            }
            Ok(Type::Bool(None))
        }
        (Type::Tuple(_) | Type::Seq(_), Type::Tuple(_) | Type::Seq(_)) if matches!(op, Arith::Eq | Arith::Ne) => {
            Ok(Type::Bool(None))
        }
        _ if a.is_number() && b.is_number() => Ok(if cmp {
            Type::Bool(None)
        } else if matches!(
            (a, b),
            (Type::Float(F32), Type::Float(F32) | Type::Int(_)) | (Type::Int(_), Type::Float(F32))
        ) {
            Type::Float(F32)
        } else {
            Type::Float(F64)
        }),
        _ => Err(bad_types(op, a, b)),
    }
}

/// `int op int`: the value when both are known and the result fits (an overflow or a division
/// by zero is left to the runtime, which reports it with the values).
fn int_type(op: Arith, x: Option<i64>, y: Option<i64>) -> Type {
    let fold = |f: fn(i64, i64) -> Option<i64>| Type::Int(x.zip(y).and_then(|(x, y)| f(x, y)));
    match op {
        Arith::Add => fold(i64::checked_add),
        Arith::Sub => fold(i64::checked_sub),
        Arith::Mul => fold(i64::checked_mul),
        Arith::Div => Type::Float(F64),
        Arith::FloorDiv => fold(floor_div),
        Arith::Rem => fold(python_rem),
        Arith::Pow => match y {
            Some(e) if e >= 0 => Type::Int(x.and_then(|x| u32::try_from(e).ok().and_then(|e| x.checked_pow(e)))),
            Some(_) => Type::Float(F64),
            None => Type::Any,
        },
        Arith::Maximum => fold(|x, y| Some(x.max(y))),
        Arith::Minimum => fold(|x, y| Some(x.min(y))),
        Arith::Eq | Arith::Ne | Arith::Lt | Arith::Le | Arith::Gt | Arith::Ge => Type::Bool(None),
        Arith::And | Arith::Or | Arith::Where | Arith::Clip => Type::Any,
    }
}

fn tensor_type(op: Arith, a: &Type, b: &Type) -> Result<Type, TypeError> {
    let dt = |t: &Type| if let Type::Tensor { dtype, .. } = t { Some(*dtype) } else { None };
    if matches!(op, Arith::Eq | Arith::Ne) && (dt(a) == Some(Dtype::Bool) || dt(b) == Some(Dtype::Bool)) {
        return bool_type(op, a, b);
    }
    let (sa, sb) = (Side::of_type(a), Side::of_type(b));
    let dtype =
        compute_dtype(op, sa, sb).map_err(|clash| clash_error(op, sa, sb, clash, (a.to_string(), b.to_string())))?;
    let dims = shape_type_rule(op, a, b)?;
    Ok(Type::tensor(if op.is_comparison() { Dtype::Bool } else { dtype }, dims))
}

fn shape_type_rule(op: Arith, a: &Type, b: &Type) -> Result<Vec<Dim>, TypeError> {
    broadcast_dims(a.dims(), b.dims()).ok_or_else(|| {
        TypeError::new(Code::TypeShape, format!("shapes {a} and {b} do not broadcast"))
            .label(format!("{a} {} {b}", op.info().name))
    })
}

/// `and`, `or`, and `==`/`!=` with a bool tensor: both sides bools.
fn bool_type(op: Arith, a: &Type, b: &Type) -> Result<Type, TypeError> {
    let is_bool = |t: &Type| matches!(t, Type::Bool(_) | Type::Tensor { dtype: Dtype::Bool, .. });
    if !is_bool(a) || !is_bool(b) {
        return Err(bad_types(op, a, b));
    }
    Ok(Type::tensor(Dtype::Bool, shape_type_rule(op, a, b)?))
}

fn where_type(cond: &Type, a: &Type, b: &Type) -> Result<Type, TypeError> {
    let cdims: &[Dim] = match cond {
        Type::Bool(_) if !matches!((a, b), (Type::Tensor { .. }, _) | (_, Type::Tensor { .. })) => return Ok(a.join(b)),
        Type::Bool(_) => &[],
        Type::Tensor { dtype: Dtype::Bool, dims } => dims,
        other => {
            return Err(TypeError::new(Code::TypeMismatch, format!("`where` needs a bool condition, not {other}"))
                .at(0, other.to_string()))
        }
    };
    let dtype = where_dtype(a, b)?;
    let fail = || {
        TypeError::new(Code::TypeShape, format!("`where` operands do not broadcast: {cond}, {a}, {b}"))
            .label("these shapes do not broadcast")
    };
    let ab = broadcast_dims(a.dims(), b.dims()).ok_or_else(fail)?;
    let dims = broadcast_dims(cdims, &ab).ok_or_else(fail)?;
    Ok(Type::tensor(dtype, dims))
}
