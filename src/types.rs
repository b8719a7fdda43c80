//! The static types of spec §3 as the checker ([`crate::check`]) infers them: scalars (an `int`
//! whose value is known is a constant), tensors whose dimensions are known or `?`, tuples,
//! functions (a known closure with the types its enclosing frames had, a built-in, or a `grad`
//! of one) and [`Type::Any`], which the checker uses whenever it has lost track and which
//! combines with everything silently. Each primitive's type rule (`type_rule` in its family file)
//! maps argument types to a result type or a [`TypeError`].

use crate::diag::Code;
use crate::diag::OpError;
use crate::dtype::{Dtype, FloatDtype};
use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// One dimension of a tensor type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    /// A size known before running.
    Known(usize),
    /// `?`: known only when the script runs.
    Unknown,
}

/// A static type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// An `int`, with its value when it is a known constant.
    Int(Option<i64>),
    /// A float scalar of the given dtype.
    Float(FloatDtype),
    /// A `bool`, with its value when it is a literal (`keepdims=true`).
    Bool(Option<bool>),
    /// A `str`.
    Str,
    /// A tensor of known rank (≥ 1).
    Tensor {
        /// The element type.
        dtype: Dtype,
        /// The dimensions, in order.
        dims: Vec<Dim>,
    },
    /// A tuple; the empty tuple is the unit value of statements and `print`.
    Tuple(Vec<Type>),
    /// A tuple of unknown length whose items all have one type (`args()`).
    Seq(Box<Type>),
    /// A function value.
    Fn(FnType),
    /// An optional built-in argument that the call left out.
    Absent,
    /// Unknown: accepted everywhere, never the cause of an error.
    Any,
}

/// A script function's code as types and values hold it: opaque to them, so that they sit below
/// the IR, which implements it (`ir::FnCode`; the checker and the evaluator get the IR back with
/// `FnCode::of`).
pub trait ClosureCode: Any + fmt::Debug {
    /// The function's name; `None` for a lambda.
    fn name(&self) -> Option<&str>;
    /// The function as its type prints: its name and its parameters as written,
    /// `fn f(x: f64[N, 3], y)`.
    fn signature(&self) -> String;
}

/// A built-in used as a value, as types hold it: opaque to them, so that they sit below the
/// table of built-ins, which implements it (`prims::Builtin`: one entry per built-in, so two are
/// the same built-in when they are the same entry; the checker gets it back with `Builtin::of`).
pub trait BuiltinCode: Any + fmt::Debug + Sync {
    /// The built-in as its type prints: `fn sum(x, axis?, keepdims?)`.
    fn signature(&self) -> String;
}

/// The type of a function value.
#[derive(Clone)]
pub enum FnType {
    /// A function of the script, with the types of the frame it was defined in.
    Closure {
        /// The compiled function.
        code: Rc<dyn ClosureCode>,
        /// The types of its defining frame.
        env: Rc<Env>,
    },
    /// A built-in used as a value.
    Builtin(&'static dyn BuiltinCode),
    /// `grad(f, wrt)` / `value_and_grad(f, wrt)`; `wrt` is `None` when it is not a constant.
    Grad {
        /// The type of the function differentiated.
        f: Box<Type>,
        /// The argument position(s) differentiated; `None` when not a constant.
        wrt: Option<Wrt>,
        /// Whether the value is returned too (`value_and_grad`).
        with_value: bool,
    },
    /// `jacobian(f)`; `hessian(f)` is `jacobian(grad(f))`.
    Jacobian {
        /// The type of the function differentiated.
        f: Box<Type>,
    },
}

/// Which arguments a gradient is taken with respect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wrt {
    /// One argument: the gradient is a single value.
    One(usize),
    /// Several: the gradient is a tuple.
    Many(Vec<usize>),
}

impl Wrt {
    /// The argument positions, in order.
    pub fn positions(&self) -> &[usize] {
        match self {
            Wrt::One(i) => std::slice::from_ref(i),
            Wrt::Many(v) => v,
        }
    }
}

impl PartialEq for FnType {
    fn eq(&self, other: &FnType) -> bool {
        match (self, other) {
            (FnType::Closure { code: a, env: x }, FnType::Closure { code: b, env: y }) => {
                Rc::ptr_eq(a, b) && Rc::ptr_eq(x, y)
            }
            (FnType::Builtin(a), FnType::Builtin(b)) => std::ptr::addr_eq(*a, *b),
            (FnType::Grad { f: a, wrt: x, with_value: v }, FnType::Grad { f: b, wrt: y, with_value: w }) => {
                a == b && x == y && v == w
            }
            (FnType::Jacobian { f: a }, FnType::Jacobian { f: b }) => a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for FnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Type::Fn(self.clone()))
    }
}

/// The types of one frame's slots while checking (`None`: not bound yet), with the frame the
/// function was defined in as parent — the static image of `value::Frame`.
pub struct Env {
    /// Each slot's type, by slot index (`None`: not bound yet).
    pub slots: RefCell<Vec<Option<Type>>>,
    /// The frame the function was defined in; `None` at top level.
    pub parent: Option<Rc<Env>>,
}

impl Env {
    /// A frame of `size` unbound slots.
    pub fn new(size: usize, parent: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env { slots: RefCell::new(vec![None; size]), parent })
    }
}

/// What a type rule needs from the checker: the default float dtype where the call stands and
/// a way to call a function value (for the built-ins that do, such as `numgrad`).
pub trait TypeCx {
    /// The default float dtype (the `dtype` directive) at the call.
    fn dtype(&self) -> FloatDtype;
    /// The result type of calling `f` with arguments of these types; errors inside the
    /// function's body are reported by the checker itself.
    fn call(&mut self, f: &Type, args: &[Type]) -> Result<Type, TypeError>;
}

/// An error from a type rule: the same value as a kernel's error ([`OpError`]), which the checker
/// gives the span of the call or argument. A help text may name an argument's source text as
/// `{0}`, `{1}`.
pub type TypeError = OpError;

impl OpError {
    /// `what` cannot take a value of type `t` (argument `arg`).
    pub fn takes(what: &str, arg: usize, t: &Type) -> OpError {
        OpError::new(Code::TypeMismatch, format!("{what} does not take {t}")).at(arg, t.to_string())
    }
}

impl Type {
    /// The unit value: the empty tuple.
    pub fn unit() -> Type {
        Type::Tuple(Vec::new())
    }

    /// A tensor of `dtype` with these dims, or the scalar of that dtype when there are none.
    pub fn tensor(dtype: Dtype, dims: Vec<Dim>) -> Type {
        if dims.is_empty() {
            Type::scalar(dtype)
        } else {
            Type::Tensor { dtype, dims }
        }
    }

    /// A tensor whose dims are all known.
    pub fn known(dtype: Dtype, dims: &[usize]) -> Type {
        Type::tensor(dtype, dims.iter().map(|&d| Dim::Known(d)).collect())
    }

    /// The scalar type of a tensor's elements.
    pub fn scalar(dtype: Dtype) -> Type {
        match dtype {
            Dtype::F64 => Type::Float(FloatDtype::F64),
            Dtype::F32 => Type::Float(FloatDtype::F32),
            Dtype::I64 => Type::Int(None),
            Dtype::Bool => Type::Bool(None),
        }
    }

    /// Whether every value of type `self` is of type `declared`, so that no check is needed when
    /// the program runs: `self` fits and knows every dimension that `declared` knows.
    pub fn proves(&self, declared: &Type) -> bool {
        match (self, declared) {
            (_, Type::Any) => true,
            (Type::Any, _) => false,
            (Type::Tensor { dims: x, .. }, Type::Tensor { dims: y, .. }) => {
                self.fits(declared) && x.iter().zip(y).all(|(p, q)| q == &Dim::Unknown || p == q)
            }
            (Type::Tuple(x), Type::Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.proves(q)),
            (Type::Seq(_), Type::Tuple(_)) => false,
            _ => self.fits(declared),
        }
    }

    /// The dims of a tensor; a scalar has none.
    pub fn dims(&self) -> &[Dim] {
        match self {
            Type::Tensor { dims, .. } => dims,
            _ => &[],
        }
    }

    /// The help for a value of this type where `declared` is wanted, when a conversion fixes it:
    /// ints where floats are declared.
    pub fn conversion_help(&self, declared: &Type) -> Option<&'static str> {
        match (self, declared) {
            (Type::Tensor { dtype: Dtype::I64, .. }, Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. }) => {
                Some("a literal of ints is an i64 tensor: write floats, [1.0, 2.0], or convert with f64(...)")
            }
            _ => None,
        }
    }

    /// Whether this is a numeric scalar: `int`, `f64` or `f32`.
    pub fn is_number(&self) -> bool {
        matches!(self, Type::Int(_) | Type::Float(_))
    }

    /// Whether this is a float tensor.
    pub fn is_float_tensor(&self) -> bool {
        matches!(self, Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. })
    }

    /// Whether this is a float scalar or float tensor (what `grad` differentiates).
    pub fn is_float(&self) -> bool {
        matches!(self, Type::Float(_)) || self.is_float_tensor()
    }

    /// Forgets constant values and known dims: the type of every value this one could become.
    pub fn widen(&self) -> Type {
        match self {
            Type::Int(_) => Type::Int(None),
            Type::Bool(_) => Type::Bool(None),
            Type::Tensor { dtype, dims } => Type::Tensor { dtype: *dtype, dims: vec![Dim::Unknown; dims.len()] },
            Type::Tuple(items) => Type::Tuple(items.iter().map(Type::widen).collect()),
            other => other.clone(),
        }
    }

    /// Forgets constant values only (the type of a variable that is assigned to).
    pub fn variable(&self) -> Type {
        match self {
            Type::Int(_) => Type::Int(None),
            Type::Bool(_) => Type::Bool(None),
            Type::Tuple(items) => Type::Tuple(items.iter().map(Type::variable).collect()),
            other => other.clone(),
        }
    }

    /// The type of a value that is one of `self` or `other` (branches of an `if`).
    pub fn join(&self, other: &Type) -> Type {
        match (self, other) {
            (a, b) if a == b => a.clone(),
            (Type::Int(_), Type::Int(_)) => Type::Int(None),
            (Type::Bool(_), Type::Bool(_)) => Type::Bool(None),
            (Type::Tensor { dtype: a, dims: x }, Type::Tensor { dtype: b, dims: y })
                if a == b && x.len() == y.len() =>
            {
                let dims = x.iter().zip(y).map(|(p, q)| if p == q { *p } else { Dim::Unknown }).collect();
                Type::Tensor { dtype: *a, dims }
            }
            (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => {
                Type::Tuple(x.iter().zip(y).map(|(p, q)| p.join(q)).collect())
            }
            _ => Type::Any,
        }
    }

    /// Whether a value of type `self` may be stored where `expected` is declared: the same kind,
    /// dtype and rank, and every dimension known on both sides equal (int values do not count).
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::Int(_), Type::Int(_)) | (Type::Bool(_), Type::Bool(_)) | (Type::Str, Type::Str) => true,
            (Type::Float(a), Type::Float(b)) => a == b,
            (Type::Tensor { dtype: a, dims: x }, Type::Tensor { dtype: b, dims: y }) => {
                a == b
                    && x.len() == y.len()
                    && x.iter().zip(y).all(|(p, q)| !matches!((p, q), (Dim::Known(m), Dim::Known(n)) if m != n))
            }
            (Type::Tuple(x), Type::Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.fits(q)),
            (Type::Seq(t), Type::Tuple(y)) => y.iter().all(|q| t.fits(q)),
            (Type::Tuple(x), Type::Seq(t)) => x.iter().all(|p| p.fits(t)),
            (Type::Seq(a), Type::Seq(b)) => a.fits(b),
            (Type::Fn(_), Type::Fn(_)) => true,
            _ => false,
        }
    }

    /// What a variable declared with type `declared` and given a value of type `self` is known
    /// to be: the declared type, keeping an int's constant value and what the declaration leaves
    /// unsaid (a function's type).
    pub fn refine(&self, declared: &Type) -> Type {
        match (self, declared) {
            (_, Type::Any) | (Type::Int(_), Type::Int(_)) | (Type::Bool(_), Type::Bool(_)) => self.clone(),
            (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => {
                Type::Tuple(x.iter().zip(y).map(|(p, q)| p.refine(q)).collect())
            }
            _ => declared.clone(),
        }
    }
}

/// The element count of a shape, when every dim is known (and the product fits).
pub fn known_len(dims: &[Dim]) -> Option<usize> {
    dims.iter().try_fold(1usize, |acc, d| match d {
        Dim::Known(n) => acc.checked_mul(*n),
        Dim::Unknown => None,
    })
}

/// The dims two shapes broadcast to (NumPy's rules), or `None` when known dims conflict. An
/// unknown dim against a known one gives the known one unless that is 1.
pub fn broadcast_dims(a: &[Dim], b: &[Dim]) -> Option<Vec<Dim>> {
    let rank = a.len().max(b.len());
    let at = |s: &[Dim], i: usize| if i < rank - s.len() { Dim::Known(1) } else { s[i - (rank - s.len())] };
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => Some(x),
            (Dim::Known(1), y) => Some(y),
            (x, Dim::Known(1)) => Some(x),
            (Dim::Known(_), Dim::Known(_)) => None,
            (Dim::Unknown, Dim::Known(n)) | (Dim::Known(n), Dim::Unknown) => Some(Dim::Known(n)),
            (Dim::Unknown, Dim::Unknown) => Some(Dim::Unknown),
        })
        .collect()
}

/// Whether a value of shape `from` may be broadcast to exactly `to` (indexed assignment).
pub fn broadcasts_to(from: &[Dim], to: &[Dim]) -> bool {
    from.len() <= to.len()
        && from.iter().rev().zip(to.iter().rev()).all(|(f, t)| match (f, t) {
            (Dim::Known(x), Dim::Known(y)) => x == y || *x == 1,
            _ => true,
        })
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Known(n) => write!(f, "{n}"),
            Dim::Unknown => f.write_str("?"),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int(_) => f.write_str("int"),
            Type::Float(FloatDtype::F64) => f.write_str("f64"),
            Type::Float(FloatDtype::F32) => f.write_str("f32"),
            Type::Bool(_) => f.write_str("bool"),
            Type::Str => f.write_str("str"),
            Type::Tensor { dtype, dims } => {
                let dims: Vec<String> = dims.iter().map(Dim::to_string).collect();
                write!(f, "{}[{}]", dtype.name(), dims.join(", "))
            }
            Type::Tuple(items) if items.len() == 1 => write!(f, "({},)", items[0]),
            Type::Tuple(items) => {
                let items: Vec<String> = items.iter().map(Type::to_string).collect();
                write!(f, "({})", items.join(", "))
            }
            Type::Seq(item) => write!(f, "({item}, ...)"),
            Type::Fn(FnType::Closure { code, .. }) => f.write_str(&code.signature()),
            Type::Fn(FnType::Builtin(b)) => f.write_str(&b.signature()),
            Type::Fn(FnType::Grad { f: inner, with_value, .. }) => {
                write!(f, "{}({inner})", if *with_value { "value_and_grad" } else { "grad" })
            }
            Type::Fn(FnType::Jacobian { f: inner }) => write!(f, "jacobian({inner})"),
            Type::Absent => f.write_str("nothing"),
            Type::Any => f.write_str("_"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_print_as_written() {
        let t = Type::Tensor { dtype: Dtype::F64, dims: vec![Dim::Known(2000), Dim::Unknown] };
        assert_eq!(t.to_string(), "f64[2000, ?]");
        assert_eq!(Type::Tuple(vec![Type::Int(Some(1)), Type::Str]).to_string(), "(int, str)");
        assert_eq!(Type::Tuple(vec![Type::Int(None)]).to_string(), "(int,)");
        assert_eq!(Type::Seq(Box::new(Type::Str)).to_string(), "(str, ...)");
    }

    #[test]
    fn broadcasting_with_unknown_dims() {
        let k = Dim::Known;
        assert_eq!(broadcast_dims(&[k(2), k(3)], &[k(3)]), Some(vec![k(2), k(3)]));
        assert_eq!(broadcast_dims(&[k(3)], &[k(4)]), None);
        assert_eq!(broadcast_dims(&[Dim::Unknown], &[k(4)]), Some(vec![k(4)]));
        assert_eq!(broadcast_dims(&[Dim::Unknown], &[k(1)]), Some(vec![Dim::Unknown]));
    }

    #[test]
    fn join_and_fits() {
        let a = Type::known(Dtype::F64, &[3, 4]);
        let b = Type::known(Dtype::F64, &[5, 4]);
        assert_eq!(a.join(&b).to_string(), "f64[?, 4]");
        assert!(a.fits(&a.join(&b)));
        assert!(!a.fits(&b));
        assert!(!a.fits(&Type::known(Dtype::F32, &[3, 4])));
        assert!(Type::Int(Some(1)).fits(&Type::Int(Some(2))));
    }
}
