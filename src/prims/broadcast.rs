//! NumPy broadcasting for element-wise kernels, reusing a uniquely owned operand's buffer for the
//! result when its shape is the result's shape.

use crate::parallel::pool_for;
use crate::value::Arr;
use ndarray::{IxDyn, Zip};

/// One side of an element-wise operation: a scalar that adapts to the other side, or a tensor.
pub enum Operand<T> {
    /// A scalar, applied to every element of the other side.
    Scalar(T),
    /// A tensor.
    Array(Arr<T>),
}

/// The shape two shapes broadcast to, or `None` when they do not (NumPy's rules).
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i < rank - a.len() { 1 } else { a[i - (rank - a.len())] };
        let db = if i < rank - b.len() { 1 } else { b[i - (rank - b.len())] };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Applies `f` element by element, broadcasting; `Err` carries the two shapes that do not fit.
/// The result is written into `a` (or `b`) in place when that tensor is uniquely owned and
/// already has the result's shape.
pub fn zip_same<T: Copy + Send + Sync>(
    a: Operand<T>,
    b: Operand<T>,
    f: impl Fn(T, T) -> T + Send + Sync,
) -> Result<Arr<T>, (Vec<usize>, Vec<usize>)> {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Ok(Arr::from_elem(IxDyn(&[]), f(x, y))),
        (Operand::Array(a), Operand::Scalar(y)) => Ok(map_one(a, |x| f(x, y))),
        (Operand::Scalar(x), Operand::Array(b)) => Ok(map_one(b, |y| f(x, y))),
        (Operand::Array(mut a), Operand::Array(mut b)) => {
            let shape =
                broadcast_shape(a.shape(), b.shape()).ok_or_else(|| (a.shape().to_vec(), b.shape().to_vec()))?;
            let pool = pool_for(shape.iter().product());
            if a.is_unique() && a.shape() == shape.as_slice() {
                let bv = b.broadcast(IxDyn(&shape)).expect("checked shape");
                let zip = Zip::from(&mut a).and(&bv);
                match pool {
                    Some(pool) => pool.install(|| zip.par_for_each(|x, &y| *x = f(*x, y))),
                    None => zip.for_each(|x, &y| *x = f(*x, y)),
                }
                Ok(a)
            } else if b.is_unique() && b.shape() == shape.as_slice() {
                let av = a.broadcast(IxDyn(&shape)).expect("checked shape");
                let zip = Zip::from(&mut b).and(&av);
                match pool {
                    Some(pool) => pool.install(|| zip.par_for_each(|y, &x| *y = f(x, *y))),
                    None => zip.for_each(|y, &x| *y = f(x, *y)),
                }
                Ok(b)
            } else {
                let av = a.broadcast(IxDyn(&shape)).expect("checked shape");
                let bv = b.broadcast(IxDyn(&shape)).expect("checked shape");
                let zip = Zip::from(&av).and(&bv);
                Ok(match pool {
                    Some(pool) => pool.install(|| zip.par_map_collect(|&x, &y| f(x, y))),
                    None => zip.map_collect(|&x, &y| f(x, y)),
                }
                .into_shared())
            }
        }
    }
}

/// Applies `f` to every element: in place when `a` is uniquely owned, else into a new tensor;
/// split over the element-wise pool when `a` is large.
pub fn map_one<T: Copy + Send + Sync>(mut a: Arr<T>, f: impl Fn(T) -> T + Send + Sync) -> Arr<T> {
    let pool = pool_for(a.len());
    if a.is_unique() {
        match pool {
            Some(pool) => pool.install(|| a.par_mapv_inplace(&f)),
            None => a.mapv_inplace(&f),
        }
        a
    } else {
        match pool {
            Some(pool) => pool.install(|| Zip::from(&a).par_map_collect(|&x| f(x))),
            None => a.mapv(&f),
        }
        .into_shared()
    }
}

/// `w += alpha * d` for `w` and `d` of one shape, in `w`'s memory, split over the element-wise
/// pool when large.
pub fn add_scaled<T: Copy + Send + Sync + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    w: &mut Arr<T>,
    alpha: T,
    d: &Arr<T>,
) {
    let pool = pool_for(w.len());
    let zip = Zip::from(w).and(d);
    match pool {
        Some(pool) => pool.install(|| zip.par_for_each(|w, &d| *w = *w + alpha * d)),
        None => zip.for_each(|w, &d| *w = *w + alpha * d),
    }
}

/// Applies `f` element by element into a new tensor of another element type (comparisons).
pub fn zip_to<T: Copy, U: Copy>(
    a: Operand<T>,
    b: Operand<T>,
    f: impl Fn(T, T) -> U,
) -> Result<Arr<U>, (Vec<usize>, Vec<usize>)> {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Ok(Arr::from_elem(IxDyn(&[]), f(x, y))),
        (Operand::Array(a), Operand::Scalar(y)) => Ok(a.mapv(|x| f(x, y)).into_shared()),
        (Operand::Scalar(x), Operand::Array(b)) => Ok(b.mapv(|y| f(x, y)).into_shared()),
        (Operand::Array(a), Operand::Array(b)) => {
            let shape =
                broadcast_shape(a.shape(), b.shape()).ok_or_else(|| (a.shape().to_vec(), b.shape().to_vec()))?;
            let av = a.broadcast(IxDyn(&shape)).expect("checked shape");
            let bv = b.broadcast(IxDyn(&shape)).expect("checked shape");
            Ok(Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y)).into_shared())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shape(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shape(&[2, 1], &[1, 4]), Some(vec![2, 4]));
        assert_eq!(broadcast_shape(&[3], &[4]), None);
        assert_eq!(broadcast_shape(&[], &[5]), Some(vec![5]));
    }

    #[test]
    fn unique_operand_is_reused() {
        let a: Arr<f64> = Arr::from_elem(IxDyn(&[4]), 1.0);
        let ptr = a.as_ptr();
        let out = zip_same(Operand::Array(a), Operand::Scalar(2.0), |x, y| x + y).unwrap();
        assert_eq!(out.as_ptr(), ptr);
        assert_eq!(out[[0]], 3.0);
    }

    #[test]
    fn large_kernels_split_over_the_pool_give_the_same_elements() {
        crate::parallel::set_threads(2);
        let n = 3 * crate::parallel::PARALLEL_MIN + 7;
        let a: Arr<f64> = Arr::from_shape_fn(IxDyn(&[n]), |i| i[0] as f64);
        let b: Arr<f64> = Arr::from_shape_fn(IxDyn(&[n]), |i| (i[0] % 13) as f64);
        let keep = a.clone();
        let sum = zip_same(Operand::Array(a.clone()), Operand::Array(b.clone()), |x, y| x - 2.0 * y).unwrap();
        let squared = map_one(keep.clone(), |x| x * x);
        let mut w = keep.to_owned().into_shared();
        add_scaled(&mut w, 0.5, &b);
        for i in [0, 1, n / 2, n - 1] {
            let (x, y) = (i as f64, (i % 13) as f64);
            assert_eq!(sum[[i]], x - 2.0 * y);
            assert_eq!(squared[[i]], x * x);
            assert_eq!(w[[i]], x + 0.5 * y);
        }
        assert_eq!(keep[[n - 1]], (n - 1) as f64, "a shared operand is not written");
    }

    #[test]
    fn shared_operand_is_not_written() {
        let a: Arr<f64> = Arr::from_elem(IxDyn(&[2]), 1.0);
        let keep = a.clone();
        let out = zip_same(Operand::Array(a), Operand::Scalar(2.0), |x, y| x * y).unwrap();
        assert_eq!(keep[[0]], 1.0);
        assert_eq!(out[[1]], 2.0);
    }
}
