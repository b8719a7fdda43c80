//! Matrix products on BLAS (`@`, `dot`, `outer`, `trace`) and the LAPACK-backed linear algebra of
//! spec §6 (in `lapack`).
//!
//! Every operand reaches BLAS and LAPACK through `layout::laid_out`, which
//! passes a view on unchanged when its memory is in the order the routine assumes (`@` takes a
//! transposed operand as BLAS's transpose flag, never as a copy) and copies it into that order
//! otherwise (reversed, strided and broadcast views). LAPACK's own failures become
//! diagnostics: a zero pivot or a reciprocal condition number below the dtype's epsilon is
//! `tscript::linalg::singular`, a failed Cholesky factorization likewise (not positive
//! definite), and an iteration that does not converge is `tscript::runtime::value`.

mod vjp;
use super::arith::Elem;
use super::reduce::scalar_value;
use super::{family, unvetted, OpError};
use crate::diag::Code;
use crate::value::{Arr, Tensor, Value};
use lapack::{cholesky, det, eigh, inv, lstsq, qr, solve, svd};
use layout::{laid_out, Order};
use ndarray::{Axis, Ix1, Ix2};

mod lapack;
mod layout;

/// Runs an operation on the dtype of its float operands (`f64` or `f32`, one dtype for both
/// operands of `@`, `outer`, `solve` and `lstsq`).
macro_rules! floats {
    ($op:expr, $a:expr, $go:ident) => {
        match $a {
            Value::Tensor(Tensor::F64(x)) => $go::<f64>($op.info().name, x),
            Value::Tensor(Tensor::F32(x)) => $go::<f32>($op.info().name, x),
            _ => Err(unvetted($op.info().name)),
        }
    };
    ($op:expr, $a:expr, $b:expr, $go:ident) => {
        match ($a, $b) {
            (Value::Tensor(Tensor::F64(x)), Value::Tensor(Tensor::F64(y))) => $go::<f64>($op.info().name, x, y),
            (Value::Tensor(Tensor::F32(x)), Value::Tensor(Tensor::F32(y))) => $go::<f32>($op.info().name, x, y),
            _ => Err(unvetted($op.info().name)),
        }
    };
}

family! {
    /// Linear algebra.
    Linalg("Linear algebra") {
        MatMul => Operator("@", [a, b], "Matrix product (NumPy's matmul for ranks 1 and 2) on BLAS.", "[[1, 2], [3, 4]] @ [1, 1]  # [3.0, 7.0]"),
        Dot => Function("dot", [a, b], "Inner product of two vectors.", "dot([1, 2], [3, 4])  # 11.0"),
        Outer => Function("outer", [a, b], "Outer product of two vectors.", "outer([1, 2], [1, 10])  # [[1.0, 10.0], [2.0, 20.0]]"),
        Trace => Function("trace", [a], "Sum of the diagonal of a square matrix.", "trace(eye(3))  # 3.0"),
        Inv => Function("inv", [a], "Inverse of a square matrix.", "inv([[2, 0], [0, 4]])  # [[0.5, 0.0], [0.0, 0.25]]"),
        Solve => Function("solve", [a, b], "x with a @ x = b.", "solve([[2, 0], [0, 4]], [2, 4])  # [1.0, 1.0]"),
        Det => Function("det", [a], "Determinant of a square matrix.", "det([[2, 0], [0, 4]])  # 8.0"),
        Eigh => Function("eigh", [a], "(values, vectors) of a symmetric matrix.", "eigh([[2, 0], [0, 1]])[0]  # [1.0, 2.0]"),
        Svd => Function("svd", [a], "(U, S, Vt) with a = U @ diag(S) @ Vt.", "svd([[3, 0], [0, 4]])[1]  # [4.0, 3.0]"),
        Qr => Function("qr", [a], "(Q, R) with a = Q @ R.", "shape(qr(eye(2))[0])  # (2, 2)"),
        Cholesky => Function("cholesky", [a], "Lower L with a = L @ L.T, for symmetric positive definite a.", "cholesky([[4, 0], [0, 9]])  # [[2.0, 0.0], [0.0, 3.0]]"),
        Lstsq => Function("lstsq", [a, b], "x minimising norm(a @ x - b).", "lstsq([[1, 0], [0, 1], [0, 0]], [1, 2, 3])  # [1.0, 2.0]"),
    }
}

impl Linalg {
    /// Runs the operation on plain values.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        let args = if args.iter().any(|v| matches!(v, Value::Tensor(Tensor::I64(_)))) { floats(args)? } else { args };
        let mut it = args.into_iter();
        let a = it.next().unwrap_or(Value::Absent);
        let b = it.next().unwrap_or(Value::Absent);
        match self {
            // `dot` of two vectors is `@`, and is reported as `@`.
            Linalg::MatMul | Linalg::Dot => floats!(Linalg::MatMul, a, b, matmul),
            Linalg::Outer => floats!(self, a, b, outer),
            Linalg::Trace => floats!(self, a, trace),
            Linalg::Inv => floats!(self, a, inv),
            Linalg::Det => floats!(self, a, det),
            Linalg::Eigh => floats!(self, a, eigh),
            Linalg::Svd => floats!(self, a, svd),
            Linalg::Qr => floats!(self, a, qr),
            Linalg::Cholesky => floats!(self, a, cholesky),
            Linalg::Solve => floats!(self, a, b, solve),
            Linalg::Lstsq => floats!(self, a, b, lstsq),
        }
    }
}

/// The float dtype int operands of a linear-algebra function are converted to (as
/// `numpy.linalg` does): that of the first float tensor among the operands, else `f64`.
fn floats_for(dtypes: impl Iterator<Item = crate::value::Dtype>) -> crate::value::Dtype {
    let mut dtypes = dtypes;
    dtypes.find(|d| d.is_float()).unwrap_or(crate::value::Dtype::F64)
}

/// The operands with each int tensor converted to [`floats_for`] theirs.
fn floats(args: Vec<Value>) -> Result<Vec<Value>, OpError> {
    let to = floats_for(args.iter().filter_map(|v| match v {
        Value::Tensor(t) => Some(t.dtype()),
        _ => None,
    }));
    args.into_iter()
        .map(|v| match v {
            Value::Tensor(Tensor::I64(_)) => super::shape::convert(v, to),
            other => Ok(other),
        })
        .collect()
}

/// NumPy's `matmul` for ranks 1 and 2.
fn matmul<T: Elem + ndarray::LinalgScalar>(name: &str, a: Arr<T>, b: Arr<T>) -> Result<Value, OpError> {
    let (sa, sb) = (a.shape(), b.shape());
    if sa.len() > 2 || sb.len() > 2 || sa.last() != sb.first() {
        return Err(unvetted(name));
    }
    fn matrix<T: Elem>(x: &Arr<T>) -> Result<ndarray::CowArray<'_, T, Ix2>, OpError> {
        laid_out(x.view().into_dimensionality::<Ix2>().expect("rank 2"), Order::Either)
    }
    fn vector<T: Elem>(x: &Arr<T>) -> Result<ndarray::CowArray<'_, T, Ix1>, OpError> {
        laid_out(x.view().into_dimensionality::<Ix1>().expect("rank 1"), Order::C)
    }
    Ok(match (sa.len(), sb.len()) {
        (2, 2) => T::wrap(matrix(&a)?.dot(&matrix(&b)?).into_dyn().into_shared()),
        (2, 1) => T::wrap(matrix(&a)?.dot(&vector(&b)?).into_dyn().into_shared()),
        (1, 2) => T::wrap(matrix(&b)?.t().dot(&vector(&a)?).into_dyn().into_shared()),
        _ => scalar_value(vector(&a)?.dot(&vector(&b)?)),
    })
}

fn outer<T: Elem + ndarray::LinalgScalar>(name: &str, x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
    if x.ndim() != 1 || y.ndim() != 1 {
        return Err(unvetted(name));
    }
    // Any strides: a reversed or strided vector is a column or row view like any other.
    let col = x.view().insert_axis(Axis(1));
    let row = y.view().insert_axis(Axis(0));
    Ok(T::wrap((&col * &row).into_dyn().into_shared()))
}

fn trace<T: Elem>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let m = x.view().into_dimensionality::<Ix2>().map_err(|_| unvetted(name))?;
    Ok(scalar_value(m.diag().iter().fold(T::zero(), |s, &v| s + v)))
}

impl Linalg {
    /// The type rule: float tensors of one dtype; `@` for ranks 1 and 2 with equal inner
    /// dimensions (with a transpose as help when it would fit); square matrices where the kernel
    /// needs them; the thin SVD and reduced QR shapes.
    pub fn type_rule(self, args: &[crate::types::Type]) -> Result<crate::types::Type, crate::types::TypeError> {
        use crate::dtype::Dtype;
        use crate::types::{Dim, Type, TypeError};
        let to = floats_for(args.iter().filter_map(|t| match t {
            Type::Tensor { dtype, .. } => Some(*dtype),
            _ => None,
        }));
        let args: Vec<Type> = args
            .iter()
            .map(|t| match t {
                Type::Tensor { dtype: Dtype::I64, dims } => Type::Tensor { dtype: to, dims: dims.clone() },
                other => other.clone(),
            })
            .collect();
        let args = &args[..];
        let a = args.first().unwrap_or(&Type::Absent);
        let b = args.get(1).unwrap_or(&Type::Absent);
        let name = self.info().name;
        let float = |t: &Type, i: usize| match t {
            Type::Tensor { dtype: dtype @ (Dtype::F64 | Dtype::F32), dims } => Ok((*dtype, dims.clone())),
            other => Err(TypeError::new(Code::TypeMismatch, format!("`{name}` takes a float tensor, not {other}"))
                .at(i, other.to_string())),
        };
        let pair = || -> Result<(Dtype, Vec<Dim>, Vec<Dim>), TypeError> {
            match (a, b) {
                (Type::Tensor { dtype: x, .. }, Type::Tensor { dtype: y, .. })
                    if x != y && x.is_float() && y.is_float() =>
                {
                    Err(TypeError::new(
                        Code::TypeDtype,
                        format!("`{name}` takes two tensors of one dtype, not {a} and {b}"),
                    )
                    .label(if name == "@" { format!("{a} @ {b}") } else { format!("{a} and {b}") })
                    .help(format!("convert one side with {}(...) or {}(...)", x.name(), y.name())))
                }
                _ => Ok((float(a, 0)?.0, float(a, 0)?.1, float(b, 1)?.1)),
            }
        };
        let differ = |p: Dim, q: Dim| matches!((p, q), (Dim::Known(m), Dim::Known(n)) if m != n);
        let equal = |p: Dim, q: Dim| matches!((p, q), (Dim::Known(m), Dim::Known(n)) if m == n);
        let matrix = |dims: &[Dim], i: usize, square: bool| {
            if dims.len() != 2 {
                Err(TypeError::new(Code::TypeShape, format!("`{name}` takes a matrix, not {}", args[i]))
                    .at(i, "not a matrix"))
            } else if square && differ(dims[0], dims[1]) {
                Err(TypeError::new(Code::TypeShape, format!("`{name}` takes a square matrix, not {}", args[i]))
                    .at(i, format!("{} is not square", args[i])))
            } else {
                Ok((dims[0], dims[1]))
            }
        };
        let min = |p: Dim, q: Dim| match (p, q) {
            (Dim::Known(m), Dim::Known(n)) => Dim::Known(m.min(n)),
            (Dim::Known(0), _) | (_, Dim::Known(0)) => Dim::Known(0),
            _ => Dim::Unknown,
        };
        match self {
            Linalg::MatMul | Linalg::Dot => {
                let (dtype, x, y) = pair()?;
                if self == Linalg::Dot && (x.len() != 1 || y.len() != 1) {
                    return Err(TypeError::new(Code::TypeShape, format!("`dot` takes two vectors, not {a} and {b}"))
                        .at(if x.len() != 1 { 0 } else { 1 }, "not a vector")
                        .help("use @ for matrix products"));
                }
                if x.len() > 2 || y.len() > 2 {
                    return Err(
                        TypeError::new(Code::TypeShape, "`@` takes tensors of rank 1 or 2").label(format!("{a} @ {b}"))
                    );
                }
                let (inner_a, inner_b) = (x[x.len() - 1], y[0]);
                if differ(inner_a, inner_b) {
                    let mut e = TypeError::new(
                        Code::TypeShape,
                        format!("`@` needs matching inner dimensions, but {a} has {inner_a} columns and {b} has {inner_b} rows"),
                    )
                    .label(format!("{a} @ {b}"));
                    if y.len() == 2 && equal(inner_a, y[1]) {
                        e = e.help("did you mean {0} @ {1}.T?");
                    } else if x.len() == 2 && equal(x[0], inner_b) {
                        e = e.help("did you mean {0}.T @ {1}?");
                    }
                    return Err(e);
                }
                Ok(match (x.len(), y.len()) {
                    (2, 2) => Type::Tensor { dtype, dims: vec![x[0], y[1]] },
                    (2, _) => Type::Tensor { dtype, dims: vec![x[0]] },
                    (_, 2) => Type::Tensor { dtype, dims: vec![y[1]] },
                    _ => Type::scalar(dtype),
                })
            }
            Linalg::Outer => {
                let (dtype, x, y) = pair()?;
                if x.len() != 1 || y.len() != 1 {
                    return Err(TypeError::new(Code::TypeShape, "`outer` takes two vectors").label("not both vectors"));
                }
                Ok(Type::Tensor { dtype, dims: vec![x[0], y[0]] })
            }
            Linalg::Trace | Linalg::Det => {
                let (dtype, x) = float(a, 0)?;
                matrix(&x, 0, true)?;
                Ok(Type::scalar(dtype))
            }
            Linalg::Inv | Linalg::Cholesky | Linalg::Eigh => {
                let (dtype, x) = float(a, 0)?;
                let (n, m) = matrix(&x, 0, true)?;
                let n = if n == Dim::Unknown { m } else { n };
                let t = |dims| Type::Tensor { dtype, dims };
                Ok(if self == Linalg::Eigh { Type::Tuple(vec![t(vec![n]), t(vec![n, n])]) } else { t(vec![n, n]) })
            }
            Linalg::Svd | Linalg::Qr => {
                let (dtype, x) = float(a, 0)?;
                let (m, n) = matrix(&x, 0, false)?;
                let k = min(m, n);
                let t = |dims| Type::Tensor { dtype, dims };
                // svd: (U, S, Vt); qr: (Q, R).
                let (left, right) = (t(vec![m, k]), t(vec![k, n]));
                Ok(Type::Tuple(if self == Linalg::Svd { vec![left, t(vec![k]), right] } else { vec![left, right] }))
            }
            Linalg::Solve | Linalg::Lstsq => {
                let (dtype, x, y) = pair()?;
                let (m, n) = matrix(&x, 0, self == Linalg::Solve)?;
                if (y.len() != 1 && y.len() != 2) || differ(y[0], m) {
                    return Err(TypeError::new(
                        Code::TypeShape,
                        format!("`{name}` needs b with {m} rows to match a, but a is {a} and b is {b}"),
                    )
                    .at(1, format!("{b} does not match {a}")));
                }
                let mut dims = vec![n];
                dims.extend(y.get(1).copied());
                Ok(Type::Tensor { dtype, dims })
            }
        }
    }
}
