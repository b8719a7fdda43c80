//! Matrix products on BLAS (`@`, `dot`, `outer`, `trace`) and the LAPACK-backed linear algebra of
//! spec §6. `@` passes transposed operands to BLAS as a transpose flag (ndarray's `dot` checks the
//! strides), never as a copy.
//!
//! The decompositions run on the system LAPACK through ndarray-linalg's `lax` layer, on `f32`
//! and `f64` matrices. Before LAPACK sees a matrix it is checked here: rank 2, square where
//! needed, every value finite, dimensions within LAPACK's 32-bit indices; empty matrices are
//! answered without LAPACK (which rejects a leading dimension of 0). LAPACK's own failures
//! become diagnostics: a zero pivot or a reciprocal condition number below the dtype's epsilon
//! is `tscript::linalg::singular`, a failed Cholesky factorization likewise (not positive
//! definite), and an iteration that does not converge is `tscript::runtime::value`.

use super::arith::Elem;
use super::reduce::scalar_value;
use super::{family, OpError};
use crate::diag::Code;
use crate::memory::check_alloc;
use crate::value::{shape_type, Arr, Tensor, Value};
use ndarray::{Array1, Array2, Ix1, Ix2, ShapeBuilder};
use ndarray_linalg::{Cholesky, Eigh, JobSvd, Lapack, MatrixLayout, NormType, Scalar, Transpose, QR, SVDDC, UPLO};
use num_traits::{Float, NumCast};

/// Runs a LAPACK-backed operation on the dtype of its float operands (`f64` or `f32`, one
/// dtype for both operands of `solve` and `lstsq`).
macro_rules! lapack {
    ($op:expr, $a:expr, $go:ident) => {
        match $a {
            Value::Tensor(Tensor::F64(x)) => $go::<f64>($op.info().name, x),
            Value::Tensor(Tensor::F32(x)) => $go::<f32>($op.info().name, x),
            other => Err(not_float($op.info().name, &other, 0)),
        }
    };
    ($op:expr, $a:expr, $b:expr, $go:ident) => {
        match ($a, $b) {
            (Value::Tensor(Tensor::F64(x)), Value::Tensor(Tensor::F64(y))) => $go::<f64>($op.info().name, x, y),
            (Value::Tensor(Tensor::F32(x)), Value::Tensor(Tensor::F32(y))) => $go::<f32>($op.info().name, x, y),
            (a, b) => Err(pair_error($op.info().name, &a, &b)),
        }
    };
}

family! {
    /// Linear algebra.
    Linalg {
        MatMul => Operator("@", "a, b", "Matrix product (NumPy's matmul for ranks 1 and 2) on BLAS.", "[[1, 2], [3, 4]] @ [1, 1]  # [3.0, 7.0]"),
        Dot => Function("dot", "a, b", "Inner product of two vectors.", "dot([1, 2], [3, 4])  # 11.0"),
        Outer => Function("outer", "a, b", "Outer product of two vectors.", "outer([1, 2], [1, 10])  # [[1.0, 10.0], [2.0, 20.0]]"),
        Trace => Function("trace", "a", "Sum of the diagonal of a square matrix.", "trace(eye(3))  # 3.0"),
        Inv => Function("inv", "a", "Inverse of a square matrix.", "inv([[2, 0], [0, 4]])  # [[0.5, 0.0], [0.0, 0.25]]"),
        Solve => Function("solve", "a, b", "x with a @ x = b.", "solve([[2, 0], [0, 4]], [2, 4])  # [1.0, 1.0]"),
        Det => Function("det", "a", "Determinant of a square matrix.", "det([[2, 0], [0, 4]])  # 8.0"),
        Eigh => Function("eigh", "a", "(values, vectors) of a symmetric matrix.", "eigh([[2, 0], [0, 1]])[0]  # [1.0, 2.0]"),
        Svd => Function("svd", "a", "(U, S, Vt) with a = U @ diag(S) @ Vt.", "svd([[3, 0], [0, 4]])[1]  # [4.0, 3.0]"),
        Qr => Function("qr", "a", "(Q, R) with a = Q @ R.", "shape(qr(eye(2))[0])  # (2, 2)"),
        Cholesky => Function("cholesky", "a", "Lower L with a = L @ L.T, for symmetric positive definite a.", "cholesky([[4, 0], [0, 9]])  # [[2.0, 0.0], [0.0, 3.0]]"),
        Lstsq => Function("lstsq", "a, b", "x minimising norm(a @ x - b).", "lstsq([[1, 0], [0, 1], [0, 0]], [1, 2, 3])  # [1.0, 2.0]"),
    }
}

impl Linalg {
    /// Runs the operation on plain values.
    pub fn eval(self, args: Vec<Value>) -> Result<Value, OpError> {
        let mut it = args.into_iter();
        let a = it.next().unwrap_or(Value::Absent);
        let b = it.next().unwrap_or(Value::Absent);
        match self {
            Linalg::MatMul => matmul(a, b),
            Linalg::Dot => {
                let (ra, rb) = (rank(&a), rank(&b));
                if ra != 1 || rb != 1 {
                    return Err(OpError::new(
                        Code::TypeShape,
                        format!("`dot` takes two vectors, not {} and {}", a.type_name(), b.type_name()),
                    )
                    .at(if ra != 1 { 0 } else { 1 }, "not a vector")
                    .help("use @ for matrix products"));
                }
                matmul(a, b)
            }
            Linalg::Outer => outer(a, b),
            Linalg::Trace => trace(a),
            Linalg::Inv => lapack!(self, a, inv),
            Linalg::Det => lapack!(self, a, det),
            Linalg::Eigh => lapack!(self, a, eigh),
            Linalg::Svd => lapack!(self, a, svd),
            Linalg::Qr => lapack!(self, a, qr),
            Linalg::Cholesky => lapack!(self, a, cholesky),
            Linalg::Solve => lapack!(self, a, b, solve),
            Linalg::Lstsq => lapack!(self, a, b, lstsq),
        }
    }
}

fn rank(v: &Value) -> usize {
    match v {
        Value::Tensor(t) => t.shape().len(),
        _ => 0,
    }
}

fn operands_error(name: &str, a: &Value, b: &Value) -> OpError {
    OpError::new(
        Code::TypeMismatch,
        format!("`{name}` takes two float tensors of one dtype, not {} and {}", a.type_name(), b.type_name()),
    )
    .label(format!("{} {name} {}", a.type_name(), b.type_name()))
}

/// NumPy's `matmul` for ranks 1 and 2.
pub fn matmul(a: Value, b: Value) -> Result<Value, OpError> {
    match (a, b) {
        (Value::Tensor(Tensor::F64(x)), Value::Tensor(Tensor::F64(y))) => typed_matmul(x, y),
        (Value::Tensor(Tensor::F32(x)), Value::Tensor(Tensor::F32(y))) => typed_matmul(x, y),
        (a, b) => {
            let mut e = operands_error("@", &a, &b);
            if let (Value::Tensor(x), Value::Tensor(y)) = (&a, &b) {
                if x.dtype() != y.dtype()
                    && x.dtype() != crate::value::Dtype::Bool
                    && y.dtype() != crate::value::Dtype::Bool
                {
                    e.code = Code::TypeDtype;
                    e = e.help(format!("convert one side with {}(...)", x.dtype().name()));
                }
            }
            Err(e)
        }
    }
}

fn typed_matmul<T: Elem + ndarray::LinalgScalar>(a: Arr<T>, b: Arr<T>) -> Result<Value, OpError> {
    let (sa, sb) = (a.shape().to_vec(), b.shape().to_vec());
    let dtype = T::wrap(Arr::zeros(ndarray::IxDyn(&[1]))).type_name();
    let dtype = &dtype[..3];
    if sa.len() > 2 || sb.len() > 2 {
        return Err(OpError::new(Code::TypeShape, "`@` takes tensors of rank 1 or 2").label(format!(
            "{} @ {}",
            shape_type_of(dtype, &sa),
            shape_type_of(dtype, &sb)
        )));
    }
    let inner_a = *sa.last().unwrap_or(&0);
    let inner_b = sb[0];
    if inner_a != inner_b {
        let mut e = OpError::new(
            Code::RuntimeShape,
            format!(
                "`@` needs matching inner dimensions, but {} has {} columns and {} has {} rows",
                shape_type_of(dtype, &sa),
                inner_a,
                shape_type_of(dtype, &sb),
                inner_b
            ),
        )
        .label(format!("{} @ {}", shape_type_of(dtype, &sa), shape_type_of(dtype, &sb)));
        if sb.len() == 2 && inner_a == sb[1] {
            e = e.help("did you mean a @ b.T?");
        } else if sa.len() == 2 && sa[0] == inner_b {
            e = e.help("did you mean a.T @ b?");
        }
        return Err(e);
    }
    let out_len = match (sa.len(), sb.len()) {
        (2, 2) => sa[0] * sb[1],
        (2, 1) => sa[0],
        (1, 2) => sb[1],
        _ => 1,
    };
    check_alloc(out_len, std::mem::size_of::<T>())?;
    fn a2<T>(x: &Arr<T>) -> ndarray::ArrayView2<'_, T> {
        x.view().into_dimensionality::<Ix2>().expect("rank 2")
    }
    fn a1<T>(x: &Arr<T>) -> ndarray::ArrayView1<'_, T> {
        x.view().into_dimensionality::<Ix1>().expect("rank 1")
    }
    Ok(match (sa.len(), sb.len()) {
        (2, 2) => T::wrap(a2(&a).dot(&a2(&b)).into_dyn().into_shared()),
        (2, 1) => T::wrap(a2(&a).dot(&a1(&b)).into_dyn().into_shared()),
        (1, 2) => T::wrap(a2(&b).t().dot(&a1(&a)).into_dyn().into_shared()),
        _ => scalar_value(a1(&a).dot(&a1(&b))),
    })
}

fn shape_type_of(dtype: &str, shape: &[usize]) -> String {
    let d = if dtype == "f32" { crate::value::Dtype::F32 } else { crate::value::Dtype::F64 };
    shape_type(d, shape)
}

fn outer(a: Value, b: Value) -> Result<Value, OpError> {
    fn go<T: Elem + ndarray::LinalgScalar>(x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
        if x.ndim() != 1 || y.ndim() != 1 {
            return Err(OpError::new(Code::TypeShape, "`outer` takes two vectors").label("not both vectors"));
        }
        check_alloc(x.len().saturating_mul(y.len()), std::mem::size_of::<T>())?;
        let (n, m) = (x.len(), y.len());
        let col = x.view().into_shape_with_order((n, 1)).expect("vector");
        let row = y.view().into_shape_with_order((1, m)).expect("vector");
        Ok(T::wrap((&col * &row).into_dyn().into_shared()))
    }
    match (a, b) {
        (Value::Tensor(Tensor::F64(x)), Value::Tensor(Tensor::F64(y))) => go(x, y),
        (Value::Tensor(Tensor::F32(x)), Value::Tensor(Tensor::F32(y))) => go(x, y),
        (a, b) => Err(operands_error("outer", &a, &b)),
    }
}

fn trace(a: Value) -> Result<Value, OpError> {
    fn go<T: Elem>(x: Arr<T>) -> Result<Value, OpError> {
        if x.ndim() != 2 || x.shape()[0] != x.shape()[1] {
            return Err(OpError::new(
                Code::TypeShape,
                format!("`trace` takes a square matrix, not shape {:?}", x.shape()),
            )
            .at(0, "not square"));
        }
        let m = x.view().into_dimensionality::<Ix2>().expect("rank 2");
        Ok(scalar_value(m.diag().iter().fold(T::zero(), |s, &v| s + v)))
    }
    match a {
        Value::Tensor(Tensor::F64(x)) => go(x),
        Value::Tensor(Tensor::F32(x)) => go(x),
        other => {
            Err(OpError::new(Code::TypeMismatch, format!("`trace` takes a float matrix, not {}", other.type_name()))
                .at(0, other.type_name()))
        }
    }
}

/// A float type that LAPACK runs on: `f32` or `f64`.
trait Real: Elem + Lapack + Scalar<Real = Self> + ndarray::LinalgScalar {}
impl Real for f32 {}
impl Real for f64 {}

/// The written type of a `T` tensor of this shape: `f64[3, 3]`.
fn ty<T: Real>(shape: &[usize]) -> String {
    match T::wrap(Arr::zeros(ndarray::IxDyn(&[0]))) {
        Value::Tensor(t) => shape_type(t.dtype(), shape),
        other => other.type_name(),
    }
}

/// `n` as a `T`.
fn cast<T: Real>(n: usize) -> T {
    <T as NumCast>::from(n).unwrap_or_else(<T as Float>::infinity)
}

/// Wraps a LAPACK result as a tensor value.
fn out<T: Real, D: ndarray::Dimension>(a: ndarray::Array<T, D>) -> Value {
    T::wrap(a.into_dyn().into_shared())
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(items.into())
}

fn not_float(name: &str, v: &Value, arg: usize) -> OpError {
    OpError::new(Code::TypeMismatch, format!("`{name}` takes a float matrix, not {}", v.type_name()))
        .at(arg, v.type_name())
        .help("convert with f64(...)")
}

fn pair_error(name: &str, a: &Value, b: &Value) -> OpError {
    let dtype = |v: &Value| match v {
        Value::Tensor(Tensor::F64(_)) => Some("f64"),
        Value::Tensor(Tensor::F32(_)) => Some("f32"),
        _ => None,
    };
    match (dtype(a), dtype(b)) {
        (Some(x), Some(_)) => OpError::new(
            Code::TypeDtype,
            format!("`{name}` takes two tensors of one dtype, not {} and {}", a.type_name(), b.type_name()),
        )
        .label(format!("{} and {}", a.type_name(), b.type_name()))
        .help(format!("convert one side with {x}(...)")),
        (None, _) => not_float(name, a, 0),
        (_, None) => not_float(name, b, 1),
    }
}

/// The error for a matrix that LAPACK found singular (or not positive definite).
fn singular(name: &str, what: &str, ty_text: String) -> OpError {
    OpError::new(Code::LinalgSingular, format!("the matrix passed to `{name}` is {what}"))
        .at(0, format!("{what} {ty_text}"))
}

/// The error for an iteration inside LAPACK that did not converge.
fn no_convergence(name: &str) -> OpError {
    OpError::new(Code::RuntimeValue, format!("`{name}` did not converge in LAPACK")).at(0, "did not converge")
}

/// Argument `arg` as a matrix LAPACK can take: rank 2, dimensions within LAPACK's 32-bit
/// indices, every value finite.
fn matrix<T: Real>(name: &str, x: &Arr<T>, arg: usize) -> Result<Array2<T>, OpError> {
    let shape = x.shape();
    if shape.len() != 2 {
        return Err(OpError::new(Code::RuntimeShape, format!("`{name}` takes a matrix, not {}", ty::<T>(shape)))
            .at(arg, "not a matrix"));
    }
    finite(name, x, arg)?;
    Ok(x.view().into_dimensionality::<Ix2>().expect("rank 2").to_owned())
}

/// Checks that LAPACK can take `x`'s values and dimensions.
fn finite<T: Real>(name: &str, x: &Arr<T>, arg: usize) -> Result<(), OpError> {
    if x.shape().iter().any(|&d| d > i32::MAX as usize) {
        return Err(OpError::new(
            Code::RuntimeValue,
            format!("{} is too large for LAPACK's 32-bit indices", ty::<T>(x.shape())),
        )
        .at(arg, "too large"));
    }
    if x.iter().any(|v| !Float::is_finite(*v)) {
        return Err(OpError::new(
            Code::RuntimeValue,
            format!("`{name}` needs finite values, but the matrix contains nan or inf"),
        )
        .at(arg, format!("{} with nan or inf", ty::<T>(x.shape())))
        .help("find where they come from with isnan(...)"));
    }
    Ok(())
}

/// Argument 0 as a square matrix.
fn square<T: Real>(name: &str, x: &Arr<T>) -> Result<Array2<T>, OpError> {
    let a = matrix(name, x, 0)?;
    if a.nrows() != a.ncols() {
        return Err(OpError::new(
            Code::RuntimeShape,
            format!("`{name}` takes a square matrix, not {}", ty::<T>(x.shape())),
        )
        .at(0, format!("{} is not square", ty::<T>(x.shape()))));
    }
    Ok(a)
}

/// The right-hand side `b` of `solve` or `lstsq` (a vector or a matrix with `rows` rows), as
/// a column-major matrix, with its number of columns.
fn rhs<T: Real>(name: &str, a: &Array2<T>, b: &Arr<T>, rows: usize) -> Result<(Vec<T>, usize), OpError> {
    let shape = b.shape();
    if (shape.len() != 1 && shape.len() != 2) || shape[0] != rows {
        let a_ty = ty::<T>(&[a.nrows(), a.ncols()]);
        return Err(OpError::new(
            Code::RuntimeShape,
            format!("`{name}` needs b with {rows} rows to match a, but a is {a_ty} and b is {}", ty::<T>(shape)),
        )
        .at(1, format!("{} does not match {a_ty}", ty::<T>(shape))));
    }
    finite(name, b, 1)?;
    if shape.len() == 1 {
        return Ok((b.iter().copied().collect(), 1));
    }
    let data = b.view().into_dimensionality::<Ix2>().expect("rank 2").t().iter().copied().collect();
    Ok((data, shape[1]))
}

/// `x` of shape (rows, cols) from column-major data, a vector when `b` was one.
fn shaped_like_rhs<T: Real>(data: Vec<T>, rows: usize, cols: usize, b: &Arr<T>) -> Value {
    if b.ndim() == 1 {
        out(Array1::from(data))
    } else {
        out(Array2::from_shape_vec((rows, cols).f(), data).expect("rows * cols values"))
    }
}

fn col_major<T: Copy>(a: &Array2<T>) -> Vec<T> {
    a.t().iter().copied().collect()
}

fn square_layout(n: usize) -> MatrixLayout {
    MatrixLayout::F { col: n as i32, lda: n as i32 }
}

/// The LU factorization (LAPACK's getrf, column-major) of a non-empty square matrix that must
/// be invertible: a zero pivot or a reciprocal condition number (getcon, 1-norm) below the
/// dtype's epsilon is a singular-matrix error, since the answer would have no correct digits.
fn invertible<T: Real>(name: &str, a: &Array2<T>) -> Result<(Vec<T>, Vec<i32>), OpError> {
    let n = a.nrows();
    let layout = square_layout(n);
    let mut lu = col_major(a);
    let anorm = T::opnorm(NormType::One, layout, &lu);
    let error = || singular(name, "singular", ty::<T>(a.shape()));
    let pivot = T::lu(layout, &mut lu).map_err(|_| error())?;
    let rcond = T::rcond(layout, &lu, anorm).map_err(|_| error())?;
    if !(rcond >= <T as Float>::epsilon()) {
        let rcond: f64 = NumCast::from(rcond).unwrap_or(f64::NAN);
        return Err(error().help(format!(
            "its reciprocal condition number is {rcond:.1e}, below the precision of its dtype; lstsq(A, b) gives a least-squares solution"
        )));
    }
    Ok((lu, pivot))
}

fn inv<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    let n = a.nrows();
    if n == 0 {
        return Ok(out(a));
    }
    let (mut lu, pivot) = invertible(name, &a)?;
    T::inv(square_layout(n), &mut lu, &pivot).map_err(|_| singular(name, "singular", ty::<T>(x.shape())))?;
    // getri leaves -0.0 where NumPy users expect 0.0; adding zero turns it into 0.0.
    Ok(out(Array2::from_shape_vec((n, n).f(), lu).expect("n * n values").mapv(|v| v + T::zero())))
}

fn solve<T: Real>(name: &str, x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    let n = a.nrows();
    let (mut data, cols) = rhs(name, &a, &y, n)?;
    if n > 0 && cols > 0 {
        let (lu, pivot) = invertible(name, &a)?;
        for column in data.chunks_mut(n) {
            T::solve(square_layout(n), Transpose::No, &lu, &pivot, column)
                .map_err(|_| singular(name, "singular", ty::<T>(x.shape())))?;
        }
    }
    Ok(shaped_like_rhs(data, n, cols, &y))
}

/// The determinant as the product of the LU factors' diagonal with the pivots' sign (as Julia
/// and JAX compute it; NumPy goes through the logarithm). A zero pivot gives 0.
fn det<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    let n = a.nrows();
    let mut lu = col_major(&a);
    let value = if n == 0 {
        T::one()
    } else {
        match T::lu(square_layout(n), &mut lu) {
            Err(_) => T::zero(),
            Ok(pivot) => (0..n).fold(T::one(), |d, i| {
                let d = d * lu[i * n + i];
                if pivot[i] != i as i32 + 1 {
                    -d
                } else {
                    d
                }
            }),
        }
    };
    Ok(scalar_value(value))
}

/// `(a + a.T) / 2`: `eigh` and `cholesky` read a symmetric matrix, as JAX's do.
fn symmetric<T: Real>(a: &Array2<T>) -> Array2<T> {
    let half = T::one() / (T::one() + T::one());
    (a + &a.t()).mapv(|v| v * half)
}

fn eigh<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    if a.nrows() == 0 {
        return Ok(tuple(vec![out(Array1::<T>::zeros(0)), out(a)]));
    }
    let (values, vectors) = symmetric(&a).eigh(UPLO::Lower).map_err(|_| no_convergence(name))?;
    Ok(tuple(vec![out(values), out(vectors)]))
}

/// The thin SVD (LAPACK's gesdd), as `numpy.linalg.svd(a, full_matrices=False)`.
fn thin_svd<T: Real>(name: &str, a: &Array2<T>) -> Result<(Array2<T>, Array1<T>, Array2<T>), OpError> {
    let (m, n) = a.dim();
    if m.min(n) == 0 {
        return Ok((Array2::zeros((m, 0)), Array1::zeros(0), Array2::zeros((0, n))));
    }
    match a.svddc(JobSvd::Some).map_err(|_| no_convergence(name))? {
        (Some(u), s, Some(vt)) => Ok((u, s, vt)),
        _ => Err(no_convergence(name)),
    }
}

fn svd<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (u, s, vt) = thin_svd(name, &a)?;
    Ok(tuple(vec![out(u), out(s), out(vt)]))
}

/// The reduced QR factorization: `Q` is m×k and `R` k×n for k = min(m, n).
fn qr<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (m, n) = a.dim();
    if m.min(n) == 0 {
        return Ok(tuple(vec![out(Array2::<T>::zeros((m, 0))), out(Array2::<T>::zeros((0, n)))]));
    }
    let (q, r) = a.qr().map_err(|_| no_convergence(name))?;
    Ok(tuple(vec![out(q), out(r)]))
}

fn cholesky<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    if a.nrows() == 0 {
        return Ok(out(a));
    }
    let l = symmetric(&a).cholesky(UPLO::Lower).map_err(|_| {
        singular(name, "not positive definite", ty::<T>(x.shape()))
            .help("cholesky needs a symmetric positive definite matrix; eigh(A) shows its eigenvalues")
    })?;
    Ok(out(l))
}

/// The minimum-norm least-squares solution through the thin SVD, with NumPy's cutoff: singular
/// values at most `eps * max(m, n)` times the largest count as zero.
fn lstsq<T: Real>(name: &str, x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (m, n) = a.dim();
    let (data, cols) = rhs(name, &a, &y, m)?;
    let b = Array2::from_shape_vec((m, cols).f(), data).expect("m * cols values");
    check_alloc(n.saturating_mul(cols), std::mem::size_of::<T>())?;
    let (u, s, vt) = thin_svd(name, &a)?;
    let cutoff = <T as Float>::epsilon() * cast::<T>(m.max(n)) * s.first().copied().unwrap_or_else(T::zero);
    let mut utb = u.t().dot(&b);
    for (mut row, &sv) in utb.rows_mut().into_iter().zip(s.iter()) {
        let scale = if sv > cutoff { T::one() / sv } else { T::zero() };
        row.mapv_inplace(|v| v * scale);
    }
    let solution = vt.t().dot(&utb);
    let data = col_major(&solution);
    Ok(shaped_like_rhs(data, n, cols, &y))
}

impl Linalg {
    /// The type rule: float tensors of one dtype; `@` for ranks 1 and 2 with equal inner
    /// dimensions (with a transpose as help when it would fit); square matrices where the kernel
    /// needs them; the thin SVD and reduced QR shapes.
    pub fn type_rule(self, args: &[crate::types::Type]) -> Result<crate::types::Type, crate::types::TypeError> {
        use crate::types::{Dim, Type, TypeError};
        use crate::value::Dtype;
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
                    if x != y && *x != Dtype::Bool && *y != Dtype::Bool =>
                {
                    Err(TypeError::new(
                        Code::TypeDtype,
                        format!("`{name}` takes two tensors of one dtype, not {a} and {b}"),
                    )
                    .label(format!("{a} {name} {b}"))
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
            Linalg::Inv | Linalg::Cholesky => {
                let (dtype, x) = float(a, 0)?;
                let (n, m) = matrix(&x, 0, true)?;
                let n = if n == Dim::Unknown { m } else { n };
                Ok(Type::Tensor { dtype, dims: vec![n, n] })
            }
            Linalg::Eigh => {
                let (dtype, x) = float(a, 0)?;
                let (n, m) = matrix(&x, 0, true)?;
                let n = if n == Dim::Unknown { m } else { n };
                Ok(Type::Tuple(vec![Type::Tensor { dtype, dims: vec![n] }, Type::Tensor { dtype, dims: vec![n, n] }]))
            }
            Linalg::Svd => {
                let (dtype, x) = float(a, 0)?;
                let (m, n) = matrix(&x, 0, false)?;
                let k = min(m, n);
                let t = |dims| Type::Tensor { dtype, dims };
                Ok(Type::Tuple(vec![t(vec![m, k]), t(vec![k]), t(vec![k, n])]))
            }
            Linalg::Qr => {
                let (dtype, x) = float(a, 0)?;
                let (m, n) = matrix(&x, 0, false)?;
                let k = min(m, n);
                Ok(Type::Tuple(vec![
                    Type::Tensor { dtype, dims: vec![m, k] },
                    Type::Tensor { dtype, dims: vec![k, n] },
                ]))
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
