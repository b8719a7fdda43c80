//! The LAPACK-backed decompositions and solvers (`inv`, `solve`, `det`, `eigh`, `svd`, `qr`,
//! `cholesky`, `lstsq`), through ndarray-linalg's `lax` layer on `f32` and `f64` matrices.
//!
//! Each matrix (its rank and squareness checked by the type rule) is checked for what its type
//! does not say (every value finite, dimensions within LAPACK's 32-bit indices) and handed to LAPACK as a [`Fortran`] matrix: column-major
//! memory made by [`column_major`], whatever view the tensor is (transposed, reversed,
//! strided). Empty matrices are answered without LAPACK, which rejects a leading dimension of 0.

use super::layout::{column_major, laid_out, Order};
use super::{scalar_value, OpError};
use crate::diag::Code;
use crate::memory::check_alloc;
use crate::prims::arith::Elem;
use crate::prims::unvetted;
use crate::value::{shape_type, Arr, Value};
use ndarray::{s, Array1, Array2, ArrayView2, Ix2, ShapeBuilder};
use ndarray_linalg::{JobSvd, Lapack, MatrixLayout, NormType, Scalar, Transpose, UPLO};
use num_traits::{Float, NumCast};

/// A float type that LAPACK runs on: `f32` or `f64`.
pub trait Real: Elem + Lapack + Scalar<Real = Self> + ndarray::LinalgScalar {}
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

/// Wraps a result as a tensor value.
fn out<T: Real, D: ndarray::Dimension>(a: ndarray::Array<T, D>) -> Value {
    T::wrap(a.into_dyn().into_shared())
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(items.into())
}

/// The error for a matrix that LAPACK found singular (or not positive definite).
fn singular(name: &str, what: &str, ty_text: String) -> OpError {
    OpError::new(Code::LinalgSingular, format!("the matrix passed to `{name}` is {what}"))
        .at(0, format!("{what} {ty_text}"))
}

/// The help for a singular matrix: LAPACK's estimate of the reciprocal condition number
/// (0 for an exact zero pivot) and `lstsq`, which answers where `solve` cannot.
fn singular_help(name: &str, rcond: f64) -> String {
    let estimate = if rcond == 0.0 {
        "its reciprocal condition number is 0 (an exact zero pivot)".to_string()
    } else {
        format!("its reciprocal condition number is about {rcond:.1e}, below the precision of its dtype")
    };
    match name {
        "solve" => format!("{estimate}; lstsq({{0}}, {{1}}) gives a least-squares solution"),
        _ => format!("{estimate}; to solve A @ x = b, lstsq(A, b) gives a least-squares solution"),
    }
}

/// The error for an iteration inside LAPACK that did not converge.
fn no_convergence(name: &str) -> OpError {
    OpError::new(Code::RuntimeValue, format!("`{name}` did not converge in LAPACK")).at(0, "did not converge")
}

/// A matrix in column-major memory with its leading dimension equal to its number of rows:
/// the layout every LAPACK routine here is called with, and which it overwrites.
struct Fortran<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T: Real> Fortran<T> {
    /// A column-major copy of any view.
    fn of(a: ArrayView2<'_, T>) -> Result<Fortran<T>, OpError> {
        let (rows, cols) = a.dim();
        Ok(Fortran { rows, cols, data: column_major(a)? })
    }

    /// How LAPACK is told about this memory.
    fn layout(&self) -> MatrixLayout {
        MatrixLayout::F { col: self.cols as i32, lda: self.rows as i32 }
    }

    /// Element (i, j).
    fn at(&self, i: usize, j: usize) -> T {
        self.data[i + j * self.rows]
    }

    fn into_array(self) -> Array2<T> {
        Array2::from_shape_vec((self.rows, self.cols).f(), self.data).expect("rows * cols values")
    }
}

/// Argument `arg` (a matrix, as the type rule has checked) as a matrix LAPACK can take:
/// dimensions within LAPACK's 32-bit indices, every value finite.
fn matrix<'a, T: Real>(name: &str, x: &'a Arr<T>, arg: usize) -> Result<ArrayView2<'a, T>, OpError> {
    let view = x.view().into_dimensionality::<Ix2>().map_err(|_| unvetted(name))?;
    finite(name, x, arg)?;
    Ok(view)
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
fn square<'a, T: Real>(name: &str, x: &'a Arr<T>) -> Result<ArrayView2<'a, T>, OpError> {
    Some(matrix(name, x, 0)?).filter(|a| a.is_square()).ok_or_else(|| unvetted(name))
}

/// The right-hand side `b` of `solve` or `lstsq` (a vector or a matrix with `rows` rows), as a
/// column-major matrix.
fn rhs<T: Real>(name: &str, b: &Arr<T>, rows: usize) -> Result<Fortran<T>, OpError> {
    let view = if b.ndim() == 1 { b.view().insert_axis(ndarray::Axis(1)) } else { b.view() };
    let view = view.into_dimensionality::<Ix2>().ok().filter(|v| v.nrows() == rows).ok_or_else(|| unvetted(name))?;
    finite(name, b, 1)?;
    Fortran::of(view)
}

/// The solution of shape (rows, cols), a vector when `b` was one.
fn shaped_like_rhs<T: Real>(x: Fortran<T>, b: &Arr<T>) -> Value {
    if b.ndim() == 1 {
        out(Array1::from(x.data))
    } else {
        out(x.into_array())
    }
}

/// The LU factorization (LAPACK's getrf) of a non-empty square matrix that must be invertible:
/// a zero pivot or a reciprocal condition number (getcon, 1-norm) below the dtype's epsilon is a
/// singular-matrix error, since the answer would have no correct digits.
fn invertible<T: Real>(name: &str, a: ArrayView2<'_, T>) -> Result<(Fortran<T>, Vec<i32>), OpError> {
    let mut lu = Fortran::of(a)?;
    let layout = lu.layout();
    let anorm = T::opnorm(NormType::One, layout, &lu.data);
    let error = |rcond: f64| singular(name, "singular", ty::<T>(a.shape())).help(singular_help(name, rcond));
    let pivot = T::lu(layout, &mut lu.data).map_err(|_| error(0.0))?;
    let rcond = T::rcond(layout, &lu.data, anorm).map_err(|_| error(0.0))?;
    if rcond.is_nan() || rcond < <T as Float>::epsilon() {
        return Err(error(NumCast::from(rcond).unwrap_or(f64::NAN)));
    }
    Ok((lu, pivot))
}

/// The inverse (getrf, getcon, getri).
pub fn inv<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    if a.nrows() == 0 {
        return Ok(out(a.to_owned()));
    }
    let (mut lu, pivot) = invertible(name, a)?;
    T::inv(lu.layout(), &mut lu.data, &pivot).map_err(|_| singular(name, "singular", ty::<T>(x.shape())))?;
    // getri leaves -0.0 where NumPy users expect 0.0; adding zero turns it into 0.0.
    Ok(out(lu.into_array().mapv(|v| v + T::zero())))
}

/// `x` with `a @ x = b` (getrf, getcon, getrs).
pub fn solve<T: Real>(name: &str, x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    let n = a.nrows();
    let mut b = rhs(name, &y, n)?;
    if n > 0 && b.cols > 0 {
        let (lu, pivot) = invertible(name, a)?;
        for column in b.data.chunks_mut(n) {
            T::solve(lu.layout(), Transpose::No, &lu.data, &pivot, column)
                .map_err(|_| singular(name, "singular", ty::<T>(x.shape())))?;
        }
    }
    Ok(shaped_like_rhs(b, &y))
}

/// The determinant as the product of the LU factors' diagonal with the pivots' sign (as Julia
/// and JAX compute it; NumPy goes through the logarithm). A zero pivot gives 0.
pub fn det<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    let n = a.nrows();
    if n == 0 {
        return Ok(scalar_value(T::one()));
    }
    let mut lu = Fortran::of(a)?;
    let value = match T::lu(lu.layout(), &mut lu.data) {
        Err(_) => T::zero(),
        Ok(pivot) => (0..n).fold(T::one(), |d, i| {
            let d = d * lu.at(i, i);
            if pivot[i] != i as i32 + 1 {
                -d
            } else {
                d
            }
        }),
    };
    Ok(scalar_value(value))
}

/// The symmetric part `(a + aᵀ) / 2` that `eigh` and `cholesky` read (as JAX's do), in
/// column-major memory. Each pair is averaged as `p / 2 + q / 2`, which cannot overflow where
/// `(p + q) / 2` does (`1e308` on the diagonal), and a pair that is already equal is kept as it
/// is, so a symmetric matrix reaches LAPACK exactly.
fn symmetric<T: Real>(a: ArrayView2<'_, T>) -> Result<Fortran<T>, OpError> {
    let mut f = Fortran::of(a)?;
    let n = f.rows;
    let half = T::one() / (T::one() + T::one());
    for j in 0..n {
        for i in j + 1..n {
            let (p, q) = (f.at(i, j), f.at(j, i));
            let mid = if p == q { p } else { p * half + q * half };
            f.data[i + j * n] = mid;
            f.data[j + i * n] = mid;
        }
    }
    Ok(f)
}

/// Eigenvalues in ascending order and eigenvectors as columns (syevd) of the symmetric part.
pub fn eigh<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    if a.nrows() == 0 {
        return Ok(tuple(vec![out(Array1::<T>::zeros(0)), out(a.to_owned())]));
    }
    let mut f = symmetric(a)?;
    let values = T::eigh(true, f.layout(), UPLO::Lower, &mut f.data).map_err(|_| no_convergence(name))?;
    Ok(tuple(vec![out(Array1::from(values)), out(f.into_array())]))
}

/// `(U, S, Vt)` of a thin SVD.
type Svd<T> = (Array2<T>, Array1<T>, Array2<T>);

/// The thin SVD (LAPACK's gesdd), as `numpy.linalg.svd(a, full_matrices=False)`.
fn thin_svd<T: Real>(name: &str, a: ArrayView2<'_, T>) -> Result<Svd<T>, OpError> {
    let (m, n) = a.dim();
    let k = m.min(n);
    if k == 0 {
        return Ok((Array2::zeros((m, 0)), Array1::zeros(0), Array2::zeros((0, n))));
    }
    let mut f = Fortran::of(a)?;
    let result = T::svddc(f.layout(), JobSvd::Some, &mut f.data).map_err(|_| no_convergence(name))?;
    let (Some(u), Some(vt)) = (result.u, result.vt) else { return Err(no_convergence(name)) };
    let u = Array2::from_shape_vec((m, k).f(), u).map_err(|_| no_convergence(name))?;
    let vt = Array2::from_shape_vec((k, n).f(), vt).map_err(|_| no_convergence(name))?;
    Ok((u, Array1::from(result.s), vt))
}

/// The thin SVD `(U, S, Vt)`.
pub fn svd<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (u, s, vt) = thin_svd(name, a)?;
    Ok(tuple(vec![out(u), out(s), out(vt)]))
}

/// The reduced QR factorization (geqrf, orgqr): `Q` is m×k and `R` k×n for k = min(m, n).
pub fn qr<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (m, n) = a.dim();
    let k = m.min(n);
    if k == 0 {
        return Ok(tuple(vec![out(Array2::<T>::zeros((m, 0))), out(Array2::<T>::zeros((0, n)))]));
    }
    let mut f = Fortran::of(a)?;
    let reflectors = T::qr(f.layout(), &mut f.data).map_err(|_| no_convergence(name))?;
    let r = Fortran { rows: m, cols: n, data: reflectors }.into_array();
    let mut r = r.slice(s![..k, ..]).to_owned();
    r.indexed_iter_mut().filter(|((i, j), _)| i > j).for_each(|(_, v)| *v = T::zero());
    let q = f.into_array().slice(s![.., ..k]).to_owned();
    Ok(tuple(vec![out(q), out(r)]))
}

/// The lower Cholesky factor (potrf) of the symmetric part.
pub fn cholesky<T: Real>(name: &str, x: Arr<T>) -> Result<Value, OpError> {
    let a = square(name, &x)?;
    if a.nrows() == 0 {
        return Ok(out(a.to_owned()));
    }
    let mut f = symmetric(a)?;
    T::cholesky(f.layout(), UPLO::Lower, &mut f.data).map_err(|_| {
        singular(name, "not positive definite", ty::<T>(x.shape()))
            .help("cholesky needs a symmetric positive definite matrix; eigh(A) shows its eigenvalues")
    })?;
    let mut l = f.into_array();
    l.indexed_iter_mut().filter(|((i, j), _)| i < j).for_each(|(_, v)| *v = T::zero());
    Ok(out(l))
}

/// `a @ b` of two matrices, each laid out for gemm first.
fn product<T: Real>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Result<Array2<T>, OpError> {
    check_alloc(a.nrows().saturating_mul(b.ncols()), std::mem::size_of::<T>())?;
    Ok(laid_out(a, Order::Either)?.dot(&laid_out(b, Order::Either)?))
}

/// The minimum-norm least-squares solution through the thin SVD, with NumPy's cutoff: singular
/// values at most `eps * max(m, n)` times the largest count as zero.
pub fn lstsq<T: Real>(name: &str, x: Arr<T>, y: Arr<T>) -> Result<Value, OpError> {
    let a = matrix(name, &x, 0)?;
    let (m, n) = a.dim();
    let b = rhs(name, &y, m)?;
    let cols = b.cols;
    check_alloc(n.saturating_mul(cols), std::mem::size_of::<T>())?;
    let b = b.into_array();
    let (u, s, vt) = thin_svd(name, a)?;
    let cutoff = <T as Float>::epsilon() * cast::<T>(m.max(n)) * s.first().copied().unwrap_or_else(T::zero);
    let mut utb = product(u.t(), b.view())?;
    for (mut row, &sv) in utb.rows_mut().into_iter().zip(s.iter()) {
        let scale = if sv > cutoff { T::one() / sv } else { T::zero() };
        row.mapv_inplace(|v| v * scale);
    }
    let solution = product(vt.t(), utb.view())?;
    Ok(shaped_like_rhs(Fortran { rows: n, cols, data: column_major(solution.view())? }, &y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_symmetric_part_neither_overflows_nor_loses_equal_pairs() {
        let a = array![[f64::MAX, 5e-324, -f64::MAX], [5e-324, 1.0, 3.0], [f64::MAX, 1.0, 2.0]];
        let s = symmetric(a.view()).expect("small").into_array();
        let expected = array![[f64::MAX, 5e-324, 0.0], [5e-324, 1.0, 2.0], [0.0, 2.0, 2.0]];
        assert_eq!(s, expected);
        let reversed = symmetric(a.slice(s![..;-1, ..;-1])).expect("small").into_array();
        assert_eq!(reversed, expected.slice(s![..;-1, ..;-1]));
    }
}
