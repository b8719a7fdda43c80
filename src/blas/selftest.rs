//! The self-test that runs after TensorScript switches OpenBLAS to another CPU kernel: a few `gemm`
//! (f64 and f32, transposed and not, with leading dimensions wider than the matrices), two `gemv`
//! and one LAPACK solve (`dgesv`), on odd sizes, each compared with a reference computed here
//! without BLAS. Some older OpenBLAS kernels computed wrong results on some CPUs; a kernel that
//! fails here is not used. The whole test takes a fraction of a millisecond.

use super::dgesv_;
use cblas_sys::{cblas_dgemm, cblas_dgemv, cblas_sgemm, CBLAS_LAYOUT, CBLAS_TRANSPOSE};
use std::ffi::c_int;

/// Runs every case; the error names the first case that disagreed and by how much.
pub fn run() -> Result<(), String> {
    // Sizes below OpenBLAS's threshold for threading: waking its threads at start-up would cost
    // more than the whole test, and the threaded path runs the same kernels on blocks.
    dgemm_case(43, 37, 51, false, false)?;
    dgemm_case(37, 29, 53, true, false)?;
    dgemm_case(19, 45, 31, false, true)?;
    sgemm_case(33, 29, 41)?;
    dgemv_case(83, 59, false)?;
    dgemv_case(83, 59, true)?;
    solve_case(23, 3)
}

/// Deterministic values in [-1, 1) from an xorshift generator, so that every run tests the same.
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// An `int` for BLAS from a small size.
fn int(n: usize) -> c_int {
    c_int::try_from(n).expect("self-test sizes are small")
}

/// The CBLAS transpose flag.
fn trans(t: bool) -> CBLAS_TRANSPOSE {
    if t {
        CBLAS_TRANSPOSE::CblasTrans
    } else {
        CBLAS_TRANSPOSE::CblasNoTrans
    }
}

/// Element (i, j) of the row-major matrix `m` with leading dimension `ld`, transposed if `t`.
fn at(m: &[f64], ld: usize, t: bool, i: usize, j: usize) -> f64 {
    if t {
        m[j * ld + i]
    } else {
        m[i * ld + j]
    }
}

/// The largest difference between `got` and `want`, if it is above `tolerance`, as an error.
fn compare(case: &str, got: &[f64], want: &[f64], tolerance: f64) -> Result<(), String> {
    let worst = got.iter().zip(want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
    if worst <= tolerance && got.iter().all(|g| g.is_finite()) {
        Ok(())
    } else {
        Err(format!("{case} differs from the reference by {worst:.3e} (tolerance {tolerance:.1e})"))
    }
}

/// `C = 1.5 op(A) op(B) + 0.5 C` for an m×n C and inner size k, row-major with padded rows.
fn dgemm_case(m: usize, n: usize, k: usize, ta: bool, tb: bool) -> Result<(), String> {
    let (a_rows, a_cols) = if ta { (k, m) } else { (m, k) };
    let (b_rows, b_cols) = if tb { (n, k) } else { (k, n) };
    let (lda, ldb, ldc) = (a_cols + 3, b_cols + 1, n + 2);
    let a = values(a_rows * lda, 1);
    let b = values(b_rows * ldb, 2);
    let mut c = values(m * ldc, 3);
    let mut want = c.clone();
    for i in 0..m {
        for j in 0..n {
            let dot: f64 = (0..k).map(|p| at(&a, lda, ta, i, p) * at(&b, ldb, tb, p, j)).sum();
            want[i * ldc + j] = 1.5 * dot + 0.5 * want[i * ldc + j];
        }
    }
    // SAFETY: every matrix holds rows × leading dimension elements for the shapes passed.
    unsafe {
        cblas_dgemm(
            CBLAS_LAYOUT::CblasRowMajor,
            trans(ta),
            trans(tb),
            int(m),
            int(n),
            int(k),
            1.5,
            a.as_ptr(),
            int(lda),
            b.as_ptr(),
            int(ldb),
            0.5,
            c.as_mut_ptr(),
            int(ldc),
        );
    }
    let tolerance = 8.0 * (k * k) as f64 * f64::EPSILON;
    compare(&format!("dgemm {m}×{n}×{k}"), &c, &want, tolerance)
}

/// `C = A B` in f32 for an m×n C and inner size k.
fn sgemm_case(m: usize, n: usize, k: usize) -> Result<(), String> {
    let a: Vec<f32> = values(m * k, 4).into_iter().map(|v| v as f32).collect();
    let b: Vec<f32> = values(k * n, 5).into_iter().map(|v| v as f32).collect();
    let mut c = vec![0.0f32; m * n];
    let want: Vec<f64> = (0..m * n)
        .map(|ij| (0..k).map(|p| f64::from(a[ij / n * k + p]) * f64::from(b[p * n + ij % n])).sum())
        .collect();
    // SAFETY: the matrices are m×k, k×n and m×n, dense and row-major.
    unsafe {
        cblas_sgemm(
            CBLAS_LAYOUT::CblasRowMajor,
            CBLAS_TRANSPOSE::CblasNoTrans,
            CBLAS_TRANSPOSE::CblasNoTrans,
            int(m),
            int(n),
            int(k),
            1.0,
            a.as_ptr(),
            int(k),
            b.as_ptr(),
            int(n),
            0.0,
            c.as_mut_ptr(),
            int(n),
        );
    }
    let got: Vec<f64> = c.into_iter().map(f64::from).collect();
    let tolerance = 8.0 * (k * k) as f64 * f64::from(f32::EPSILON);
    compare(&format!("sgemm {m}×{n}×{k}"), &got, &want, tolerance)
}

/// `y = 2 op(A) x - y` for an m×n A with a padded leading dimension and a stride-2 x.
fn dgemv_case(m: usize, n: usize, t: bool) -> Result<(), String> {
    let lda = n + 5;
    let a = values(m * lda, 6);
    let (x_len, y_len) = if t { (m, n) } else { (n, m) };
    let x = values(2 * x_len, 7);
    let mut y = values(y_len, 8);
    let want: Vec<f64> =
        (0..y_len).map(|i| 2.0 * (0..x_len).map(|p| at(&a, lda, t, i, p) * x[2 * p]).sum::<f64>() - y[i]).collect();
    // SAFETY: A holds m × lda elements, x holds 2·x_len (read with stride 2), y holds y_len.
    unsafe {
        cblas_dgemv(
            CBLAS_LAYOUT::CblasRowMajor,
            trans(t),
            int(m),
            int(n),
            2.0,
            a.as_ptr(),
            int(lda),
            x.as_ptr(),
            2,
            -1.0,
            y.as_mut_ptr(),
            1,
        );
    }
    let tolerance = 16.0 * x_len as f64 * f64::EPSILON * x_len as f64;
    compare(&format!("dgemv {m}×{n}{}", if t { " transposed" } else { "" }), &y, &want, tolerance)
}

/// Solves A X = B for an n×n A (diagonally dominant, so well conditioned) and `rhs` columns with
/// LAPACK's `dgesv`, against Gaussian elimination with partial pivoting done here.
fn solve_case(n: usize, rhs: usize) -> Result<(), String> {
    // Column-major, as LAPACK reads it.
    let mut a = values(n * n, 9);
    for i in 0..n {
        a[i * n + i] += n as f64;
    }
    let b = values(n * rhs, 10);
    let want = eliminate(n, rhs, &a, &b);
    let (mut lu, mut x) = (a, b);
    let mut pivots: Vec<c_int> = vec![0; n];
    let mut info: c_int = 0;
    // SAFETY: lu is n×n and x is n×rhs, column-major with leading dimension n; pivots holds n ints.
    unsafe {
        dgesv_(&int(n), &int(rhs), lu.as_mut_ptr(), &int(n), pivots.as_mut_ptr(), x.as_mut_ptr(), &int(n), &mut info);
    }
    if info != 0 {
        return Err(format!("dgesv {n}×{n} reported info = {info} on a well-conditioned matrix"));
    }
    compare(&format!("dgesv {n}×{n}"), &x, &want, 1e-10)
}

/// The solution of A X = B (column-major, n×n and n×rhs) by Gaussian elimination with partial
/// pivoting, without BLAS.
fn eliminate(n: usize, rhs: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    // Row-major augmented rows [A | B].
    let width = n + rhs;
    let mut rows: Vec<Vec<f64>> =
        (0..n).map(|i| (0..width).map(|j| if j < n { a[j * n + i] } else { b[(j - n) * n + i] }).collect()).collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&p, &q| rows[p][col].abs().total_cmp(&rows[q][col].abs())).unwrap_or(col);
        rows.swap(col, pivot);
        let (upper, lower) = rows.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for row in lower {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
        }
    }
    let mut x = vec![0.0; n * rhs];
    for c in 0..rhs {
        for i in (0..n).rev() {
            let tail: f64 = (i + 1..n).map(|j| rows[i][j] * x[c * n + j]).sum();
            x[c * n + i] = (rows[i][n + c] - tail) / rows[i][i];
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_kernel_passes() {
        assert_eq!(run(), Ok(()));
    }

    #[test]
    fn a_wrong_result_is_caught() {
        let want = [1.0, 2.0, 3.0];
        assert!(compare("case", &[1.0, 2.0, 3.0], &want, 1e-12).is_ok());
        let err = compare("dgemm 1×3×1", &[1.0, 2.5, 3.0], &want, 1e-12).unwrap_err();
        assert!(err.starts_with("dgemm 1×3×1 differs from the reference by 5.000e-1"), "{err}");
        assert!(compare("case", &[1.0, f64::NAN, 3.0], &want, 1e-12).is_err());
    }

    #[test]
    fn elimination_solves_a_small_system() {
        // [[2, 1], [1, 3]] x = [3, 5] (column-major) has x = [0.8, 1.4].
        let x = eliminate(2, 1, &[2.0, 1.0, 1.0, 3.0], &[3.0, 5.0]);
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12, "{x:?}");
    }
}
