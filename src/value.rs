//! Runtime values: scalars, tensors that share storage until written, tuples and functions, and the
//! [`Frame`]s of variables that calls run in and closures keep.

use crate::autodiff::Tracer;
use crate::diag::{Code, OpError};
pub use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::format::spec::{Kind, Spec, SpecError};
use crate::prims::Builtin;
use crate::types::{ClosureCode, Dim, FnType, Type, Wrt};
use ndarray::{ArcArray, IxDyn};
use std::cell::RefCell;
use std::rc::Rc;

/// A tensor's storage: shared (`Arc`) until written, then copied if still shared (ndarray's
/// copy-on-write `ArcArray`). Transposes and slices are views over the same buffer.
pub type Arr<T> = ArcArray<T, IxDyn>;

/// A runtime value.
#[derive(Clone, Debug)]
pub enum Value {
    /// A 64-bit integer scalar.
    Int(i64),
    /// A 64-bit float scalar.
    F64(f64),
    /// A 32-bit float scalar.
    F32(f32),
    /// A boolean scalar.
    Bool(bool),
    /// A string.
    Str(Rc<str>),
    /// A tensor.
    Tensor(Tensor),
    /// A tuple of values (the empty tuple is the unit value).
    Tuple(Rc<[Value]>),
    /// A callable value.
    Func(Rc<Func>),
    /// A value being differentiated: its primal value and its node on a tape.
    Tracer(Rc<Tracer>),
    /// An optional built-in argument that the call left out (`sum(x)` passes `axis` as
    /// `Absent`): lowering puts it in the argument's place so that every primitive receives its
    /// arguments in the table's order. Never visible in the language, and never a variable's
    /// value: a variable not bound yet is an empty slot of its [`Frame`].
    Absent,
}

/// A tensor of rank ≥ 1 (rank 0 results become scalars).
#[derive(Clone, Debug)]
pub enum Tensor {
    /// A tensor of 64-bit floats.
    F64(Arr<f64>),
    /// A tensor of 32-bit floats.
    F32(Arr<f32>),
    /// A tensor of 64-bit integers (labels, indices, counts).
    I64(Arr<i64>),
    /// A tensor of booleans.
    Bool(Arr<bool>),
}

/// Applies one generic expression to a tensor of any dtype, giving a tensor of the same dtype:
/// `map_tensor!(t, a => a.reversed_axes())`.
#[macro_export]
macro_rules! map_tensor {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::value::Tensor::F64($a) => $crate::value::Tensor::F64($body),
            $crate::value::Tensor::F32($a) => $crate::value::Tensor::F32($body),
            $crate::value::Tensor::I64($a) => $crate::value::Tensor::I64($body),
            $crate::value::Tensor::Bool($a) => $crate::value::Tensor::Bool($body),
        }
    };
}

/// Evaluates one generic expression on a tensor of any dtype: `with_tensor!(t, a => a.len())`.
#[macro_export]
macro_rules! with_tensor {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::value::Tensor::F64($a) => $body,
            $crate::value::Tensor::F32($a) => $body,
            $crate::value::Tensor::I64($a) => $body,
            $crate::value::Tensor::Bool($a) => $body,
        }
    };
}

/// A callable value.
#[derive(Debug)]
pub enum Func {
    /// A function written in the script, with the frame it was defined in.
    Closure {
        /// The compiled function.
        code: Rc<dyn ClosureCode>,
        /// The frame it was defined in.
        env: Rc<Frame>,
    },
    /// A built-in used as a value (`grad(sin)`).
    Builtin(Builtin),
    /// `grad(f, wrt)` or `value_and_grad(f, wrt)`.
    Grad {
        /// The function differentiated.
        f: Value,
        /// The argument position(s) differentiated.
        wrt: Wrt,
        /// Whether the value is returned too (`value_and_grad`).
        with_value: bool,
    },
    /// `jacobian(f)`; `hessian(f)` is `jacobian(grad(f))`.
    Jacobian {
        /// The function differentiated.
        f: Value,
    },
}

/// The variables of one function call (or of the script's top level), with the frame the
/// function was defined in as its parent. Closures keep their defining frame alive and see its
/// variables as they are when called.
#[derive(Debug)]
pub struct Frame {
    /// The variables' values, by slot index: `None` while a slot is not bound yet (its `let`,
    /// `fn` or `for` has not run), so that reading it is an error, never a value.
    pub slots: RefCell<Vec<Option<Value>>>,
    /// The frame the function was defined in; `None` at top level.
    pub parent: Option<Rc<Frame>>,
}

impl Frame {
    /// A frame of `size` unbound slots.
    pub fn new(size: usize, parent: Option<Rc<Frame>>) -> Rc<Frame> {
        Rc::new(Frame { slots: RefCell::new(vec![None; size]), parent })
    }
}

impl Tensor {
    /// Whether no other value shares the tensor's buffer (a write then needs no copy).
    pub fn is_unique(&self) -> bool {
        crate::with_tensor!(self, a => a.is_unique())
    }

    /// The bytes of the tensor's elements.
    pub fn bytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// The extent of each axis.
    pub fn shape(&self) -> &[usize] {
        crate::with_tensor!(self, a => a.shape())
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Tensor::F64(_) => Dtype::F64,
            Tensor::F32(_) => Dtype::F32,
            Tensor::I64(_) => Dtype::I64,
            Tensor::Bool(_) => Dtype::Bool,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Value {
    /// The bytes of tensor data the value holds (tuples add up their tensors; views count in
    /// full).
    pub fn bytes(&self) -> usize {
        match self.primal() {
            Value::Tensor(t) => t.bytes(),
            Value::Tuple(items) => items.iter().map(Value::bytes).sum(),
            _ => 0,
        }
    }

    /// A float scalar of the given dtype.
    pub fn float(x: f64, dtype: FloatDtype) -> Value {
        match dtype {
            FloatDtype::F64 => Value::F64(x),
            FloatDtype::F32 => Value::F32(x as f32),
        }
    }

    /// The value under any tracers: what it is numerically.
    pub fn primal(&self) -> &Value {
        let mut v = self;
        while let Value::Tracer(t) = v {
            v = &t.primal;
        }
        v
    }

    /// The type of this value as the language writes it, e.g. `f64[2, 3]`, `(int, str)`.
    pub fn type_name(&self) -> String {
        match self {
            Value::Int(_) => "int".into(),
            Value::F64(_) => "f64".into(),
            Value::F32(_) => "f32".into(),
            Value::Bool(_) => "bool".into(),
            Value::Str(_) => "str".into(),
            Value::Tensor(t) => shape_type(t.dtype(), t.shape()),
            Value::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(Value::type_name).collect();
                if inner.len() == 1 {
                    format!("({},)", inner[0])
                } else {
                    format!("({})", inner.join(", "))
                }
            }
            Value::Func(_) => "fn".into(),
            Value::Tracer(t) => t.primal.type_name(),
            Value::Absent => "nothing".into(),
        }
    }
}

/// The run-time side of [`Type`]: the type of a value, and whether a value is of a type. Written
/// here, beside [`Value`], so that `types` does not import `value`.
impl Type {
    /// The exact type of a value: every dim known, an int or bool with its value. A value being
    /// differentiated has the type of its primal.
    pub fn of_value(v: &Value) -> Type {
        match v {
            Value::Int(i) => Type::Int(Some(*i)),
            Value::F64(_) => Type::Float(FloatDtype::F64),
            Value::F32(_) => Type::Float(FloatDtype::F32),
            Value::Bool(b) => Type::Bool(Some(*b)),
            Value::Str(_) => Type::Str,
            Value::Tensor(t) => Type::known(t.dtype(), t.shape()),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Type::of_value).collect()),
            Value::Func(f) => match &**f {
                Func::Builtin(p) => Type::Fn(FnType::Builtin(p.code())),
                Func::Closure { .. } | Func::Grad { .. } | Func::Jacobian { .. } => Type::Any,
            },
            Value::Absent => Type::Absent,
            Value::Tracer(t) => Type::of_value(&t.primal),
        }
    }

    /// Whether this is exactly the type of `v` ([`Type::of_value`]), found without building
    /// that type. It may answer `false` for a value whose type it would equal (a rank-0 tensor,
    /// a function), never `true` for one whose type differs.
    pub fn is_type_of(&self, v: &Value) -> bool {
        match (self, v) {
            (_, Value::Tracer(t)) => self.is_type_of(&t.primal),
            (Type::Int(Some(a)), Value::Int(b)) => a == b,
            (Type::Bool(Some(a)), Value::Bool(b)) => a == b,
            (Type::Float(FloatDtype::F64), Value::F64(_))
            | (Type::Float(FloatDtype::F32), Value::F32(_))
            | (Type::Str, Value::Str(_))
            | (Type::Absent, Value::Absent) => true,
            (Type::Tensor { dtype, dims }, Value::Tensor(t)) => {
                *dtype == t.dtype()
                    && dims.len() == t.shape().len()
                    && dims.iter().zip(t.shape()).all(|(d, &n)| *d == Dim::Known(n))
            }
            (Type::Tuple(items), Value::Tuple(values)) => {
                items.len() == values.len() && items.iter().zip(values.iter()).all(|(t, v)| t.is_type_of(v))
            }
            _ => false,
        }
    }

    /// Whether the value `v` is of this type: the same kind and dtype, and every dimension this
    /// type knows equal to the value's. The run-time half of [`Type::fits`], used where the
    /// checker could not prove a declared type (a `load`ed tensor, a `?` dimension).
    pub fn holds(&self, v: &Value) -> bool {
        match (self, v.primal()) {
            (Type::Any, _) => true,
            (Type::Int(_), Value::Int(_)) | (Type::Bool(_), Value::Bool(_)) | (Type::Str, Value::Str(_)) => true,
            (Type::Float(FloatDtype::F64), Value::F64(_)) | (Type::Float(FloatDtype::F32), Value::F32(_)) => true,
            (Type::Tensor { dtype, dims }, Value::Tensor(t)) => {
                *dtype == t.dtype()
                    && dims.len() == t.shape().len()
                    && dims.iter().zip(t.shape()).all(|(d, &n)| matches!(d, Dim::Unknown) || *d == Dim::Known(n))
            }
            (Type::Tuple(items), Value::Tuple(values)) => {
                items.len() == values.len() && items.iter().zip(values.iter()).all(|(t, v)| t.holds(v))
            }
            (Type::Seq(item), Value::Tuple(values)) => values.iter().all(|v| item.holds(v)),
            (Type::Fn(_), Value::Func(_)) | (Type::Absent, Value::Absent) => true,
            _ => false,
        }
    }
}

/// The written type of a tensor: `f64[2, 3]`.
pub fn shape_type(dtype: Dtype, shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("{}[{}]", dtype.name(), dims.join(", "))
}

/// How values print: the `precision` setting (like `numpy.set_printoptions(precision=N)`), the
/// most digits after the point of the floats in a tensor; `None` prints the shortest text that
/// reads back (spec §7). Scalars always print in full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// Digits after the point of tensor elements, if limited.
    pub precision: Option<usize>,
}

/// The text `print` shows for a value (spec §7): strings bare, everything else as [`repr`].
pub fn text(v: &Value) -> String {
    text_with(v, PrintOptions::default())
}

/// [`text`] under a `precision` setting.
pub fn text_with(v: &Value, options: PrintOptions) -> String {
    match v.primal() {
        Value::Str(s) => s.to_string(),
        other => repr_with(other, options),
    }
}

/// The text of a value as it appears inside a tuple or in the REPL: strings quoted.
pub fn repr(v: &Value) -> String {
    repr_with(v, PrintOptions::default())
}

/// [`repr`] under a `precision` setting.
pub fn repr_with(v: &Value, options: PrintOptions) -> String {
    use crate::format::{array_text, f32_repr, f64_repr, rounded};
    let repr = |v: &Value| repr_with(v, options);
    match v.primal() {
        Value::Int(i) => i.to_string(),
        Value::F64(x) => f64_repr(*x),
        Value::F32(x) => f32_repr(*x),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::Tensor(Tensor::F64(a)) => match options.precision {
            Some(digits) => array_text(a, |x| rounded(*x, digits, &f64_repr(*x))),
            None => array_text(a, |x| f64_repr(*x)),
        },
        Value::Tensor(Tensor::F32(a)) => match options.precision {
            Some(digits) => array_text(a, |x| rounded(f64::from(*x), digits, &f32_repr(*x))),
            None => array_text(a, |x| f32_repr(*x)),
        },
        Value::Tensor(Tensor::I64(a)) => array_text(a, |i| i.to_string()),
        Value::Tensor(Tensor::Bool(a)) => array_text(a, |b| b.to_string()),
        Value::Tuple(items) if items.len() == 1 => format!("({},)", repr(&items[0])),
        Value::Tuple(items) => format!("({})", items.iter().map(repr).collect::<Vec<_>>().join(", ")),
        Value::Func(f) => match &**f {
            Func::Closure { code, .. } => format!("<fn {}>", code.name().unwrap_or("anonymous")),
            Func::Builtin(p) => format!("<built-in {}>", p.info().name),
            Func::Grad { with_value: false, .. } => "<fn grad>".into(),
            Func::Grad { with_value: true, .. } => "<fn value_and_grad>".into(),
            Func::Jacobian { .. } => "<fn jacobian>".into(),
        },
        Value::Tracer(_) | Value::Absent => "<nothing>".into(),
    }
}

/// `format(x, spec)`: the value written by the spec. A tensor's elements are each written by it
/// and laid out as `print` lays them out (NumPy's `array2string` with a formatter); an empty
/// spec writes what `print` writes, under the `precision` setting. An error names argument 1.
pub fn format_value(v: &Value, text: &str, options: PrintOptions) -> Result<String, OpError> {
    use crate::format::{array_text, f32_repr, f64_repr};
    let fail = |message: String, e: SpecError| {
        let error = OpError::new(Code::RuntimeValue, message).at(1, "this spec");
        match e.help {
            Some(h) => error.help(h),
            None => error,
        }
    };
    let spec = Spec::parse(text).map_err(|e| fail(format!("bad format spec \"{text}\": {}", e.message), e))?;
    let v = v.primal();
    let kind = match v {
        Value::Int(_) | Value::Tensor(Tensor::I64(_)) => Kind::Int,
        Value::F64(_) | Value::F32(_) | Value::Tensor(Tensor::F64(_) | Tensor::F32(_)) => Kind::Float,
        Value::Bool(_) | Value::Tensor(Tensor::Bool(_)) => Kind::Bool,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    };
    let type_name = v.type_name();
    spec.fits(kind, text)
        .map_err(|e| fail(format!("the format spec \"{text}\" does not fit {type_name}: {}", e.message), e))?;
    if text.is_empty() {
        return Ok(text_with(v, options));
    }
    let f32_text = |x: f64| f32_repr(x as f32);
    Ok(match v {
        Value::Int(i) => spec.int(*i),
        Value::F64(x) => spec.float(*x, &f64_repr),
        Value::F32(x) => spec.float(f64::from(*x), &f32_text),
        Value::Bool(b) => spec.text(&b.to_string()),
        Value::Str(s) => spec.text(s),
        Value::Tensor(Tensor::F64(a)) => array_text(a, |x| spec.float(*x, &f64_repr)),
        Value::Tensor(Tensor::F32(a)) => array_text(a, |x| spec.float(f64::from(*x), &f32_text)),
        Value::Tensor(Tensor::I64(a)) => array_text(a, |i| spec.int(*i)),
        Value::Tensor(Tensor::Bool(a)) => array_text(a, |b| spec.text(&b.to_string())),
        other => text_with(other, options),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame slot (`Option<Value>`, `None` while unbound) is no larger than a value, so that
    /// reading a variable costs what it did when an unbound slot held a value.
    #[test]
    fn a_slot_is_no_larger_than_a_value() {
        assert_eq!(std::mem::size_of::<Option<Value>>(), std::mem::size_of::<Value>());
    }

    #[test]
    fn bytes_count_tensor_data() {
        let f64s = Value::Tensor(Tensor::F64(ndarray::ArcArray::zeros(ndarray::IxDyn(&[4, 8]))));
        let f32s = Value::Tensor(Tensor::F32(ndarray::ArcArray::zeros(ndarray::IxDyn(&[10]))));
        assert_eq!(f64s.bytes(), 256);
        assert_eq!(f32s.bytes(), 40);
        assert_eq!(Value::Tuple(std::rc::Rc::from(vec![f64s, f32s, Value::Int(1)])).bytes(), 296);
        assert_eq!(Value::F64(1.0).bytes(), 0);
    }
}
