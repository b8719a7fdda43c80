//! The one way a tensor reaches BLAS or LAPACK. A tensor may be any view: transposed, reversed
//! (negative strides), strided (`A[::2]`), broadcast (zero strides). BLAS and LAPACK read raw
//! memory in one order with positive strides, so every operand of every BLAS and LAPACK call in
//! this family goes through [`laid_out`] (or [`column_major`], built on it), which hands the
//! memory over unchanged when it is already in the order the routine assumes and copies it into
//! that order otherwise.

use super::OpError;
use crate::memory::check_alloc;
use ndarray::{Array, ArrayView, ArrayView2, CowArray, Dimension, ShapeBuilder};

/// The memory order a BLAS or LAPACK routine assumes of its operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Row-major (C order): the last index varies fastest, with unit stride and no gaps.
    C,
    /// Column-major (Fortran order), as LAPACK reads a matrix: the first index varies fastest.
    F,
    /// Either of the two, as BLAS's gemm and gemv take (a transpose flag tells which); a view in
    /// neither order is copied into C order.
    Either,
}

/// Whether `x`'s memory is exactly `order`: unit inner stride, no gaps, nothing reversed or
/// repeated (axes of length one may have any stride).
pub fn is_in<T, D: Dimension>(x: &ArrayView<'_, T, D>, order: Order) -> bool {
    let c = || x.is_standard_layout();
    let f = || x.t().is_standard_layout();
    match order {
        Order::C => c(),
        Order::F => f(),
        Order::Either => c() || f(),
    }
}

/// `x` with its memory in `order`: the view itself when it already is, else a copy in that
/// order (C order for [`Order::Either`]). The copy's size is checked before it is allocated.
pub fn laid_out<'a, T: Copy + num_traits::Zero, D: Dimension>(
    x: ArrayView<'a, T, D>,
    order: Order,
) -> Result<CowArray<'a, T, D>, OpError> {
    if is_in(&x, order) {
        return Ok(CowArray::from(x));
    }
    check_alloc(x.len(), std::mem::size_of::<T>())?;
    let mut copy = Array::zeros(x.raw_dim().set_f(order == Order::F));
    copy.assign(&x);
    Ok(CowArray::from(copy))
}

/// The elements of matrix `x` in column-major order, as LAPACK takes (and overwrites) them.
pub fn column_major<T: Copy + num_traits::Zero>(x: ArrayView2<'_, T>) -> Result<Vec<T>, OpError> {
    let f = laid_out(x, Order::F)?;
    // A matrix in F order is its transpose in C order, whose logical order is memory order.
    Ok(f.t().iter().copied().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, s, Array2};

    /// Every view of a 3×4 matrix: contiguous, transposed, reversed either way, strided,
    /// broadcast.
    fn views<'a>(a: &'a Array2<f64>, row: &'a Array2<f64>) -> Vec<ArrayView2<'a, f64>> {
        vec![
            a.view(),
            a.t(),
            a.slice(s![..;-1, ..]),
            a.slice(s![.., ..;-1]),
            a.slice(s![..;2, ..]),
            a.slice(s![1..;2, ..;-1]),
            a.slice(s![..;-1, ..;-2]).reversed_axes(),
            row.broadcast((2, 4)).expect("broadcasts"),
        ]
    }

    #[test]
    fn every_view_comes_out_in_the_order_asked_with_its_values() {
        let a = Array2::from_shape_fn((3, 4), |(i, j)| (10 * i + j) as f64);
        let row = Array2::from_shape_fn((1, 4), |(_, j)| j as f64);
        for v in views(&a, &row) {
            for order in [Order::C, Order::F, Order::Either] {
                let out = laid_out(v, order).expect("small");
                assert_eq!(out, v, "values of {:?} in {order:?}", v.strides());
                assert!(is_in(&out.view(), order), "{:?} is not in {order:?}", out.strides());
                assert!(out.strides().iter().all(|&s| s >= 0));
            }
            let data = column_major(v).expect("small");
            let expected: Vec<f64> = v.t().iter().copied().collect();
            assert_eq!(data, expected);
        }
    }

    #[test]
    fn a_view_already_in_order_is_not_copied() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        assert!(laid_out(a.view(), Order::C).expect("small").is_view());
        assert!(laid_out(a.t(), Order::F).expect("small").is_view());
        assert!(laid_out(a.t(), Order::Either).expect("small").is_view());
        assert!(!laid_out(a.t(), Order::C).expect("small").is_view());
        assert!(!laid_out(a.slice(s![..;-1, ..]), Order::Either).expect("small").is_view());
        let row = a.row(0);
        assert!(!laid_out(row.broadcast((2, 2)).expect("broadcasts"), Order::Either).expect("small").is_view());
    }
}
