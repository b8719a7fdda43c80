//! Matrix products on BLAS (`@`, `dot`, `outer`, `trace`) and the LAPACK-backed linear algebra of
//! spec §6. `@` passes transposed operands to BLAS as a transpose flag (ndarray's `dot` checks the
//! strides), never as a copy.

use super::arith::Elem;
use super::construct::check_alloc;
use super::reduce::scalar_value;
use super::{family, not_built, OpError, Prim};
use crate::diag::Code;
use crate::value::{shape_type, Arr, Tensor, Value};
use ndarray::{Ix1, Ix2};

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
            Linalg::Inv
            | Linalg::Solve
            | Linalg::Det
            | Linalg::Eigh
            | Linalg::Svd
            | Linalg::Qr
            | Linalg::Cholesky
            | Linalg::Lstsq => Err(not_built(Prim::Linalg(self))),
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
    let inner_b = if sb.len() == 2 { sb[0] } else { sb[0] };
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
