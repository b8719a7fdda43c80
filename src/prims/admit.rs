//! The run-time half of the type rules. Before a kernel runs on arguments that could make a large
//! result, its type rule, given the arguments' exact types, computes the result's shape with
//! checked arithmetic, and the memory for it is reserved (`memory::reserve`), so that a result
//! too large for the machine is a `tscript::runtime::alloc` diagnostic before anything is
//! allocated, never an abort. Test builds run the rule for every call and check that the kernel
//! made a value of exactly the type the rule promised, so a kernel and its rule cannot drift.

use super::{OpError, Prim};
use crate::diag::Code;
use crate::memory;
use crate::syntax::ast::FloatDtype;
use crate::types::{known_len, Type, TypeCx, TypeError};
use crate::value::{Dtype, Tensor, Value};

/// Arguments whose sizes multiply to fewer elements than this cannot make a result worth
/// reserving: no primitive's result has more elements than the product of its arguments' sizes
/// (and int arguments' values), and a few megabytes are always there to be had.
const SMALL_RESULT: usize = 1 << 20;

/// Checks, before `prim` runs on `args`, what its type rule says about the result: the rule's
/// error if it rejects the arguments, an allocation error if the result cannot be allocated.
/// Returns the promised result type when the rule ran.
pub fn admit(prim: Prim, args: &[Value], dtype: FloatDtype) -> Result<Option<Type>, OpError> {
    if !cfg!(debug_assertions) && bound(args) < SMALL_RESULT {
        return Ok(None);
    }
    let types: Vec<Type> = args.iter().map(Type::of_value).collect();
    let result = prim.type_rule(&types, &mut RunTime { dtype }).map_err(found_running)?;
    let bytes = bytes_of(&result).and_then(|r| r.checked_add(workspace(prim, args)?));
    match bytes {
        Some(b) if b < SMALL_RESULT => {}
        Some(b) => memory::reserve(b, &format!("`{}`", prim.info().name))?,
        None if has_unknown_dims(&result) => {}
        None => {
            return Err(OpError::new(
                Code::RuntimeAlloc,
                format!("the result of `{}` would have more than 2^64 bytes", prim.info().name),
            )
            .label("too large to allocate"))
        }
    }
    Ok(Some(result))
}

/// A type rule's error found while running: a shape the checker could not know (a `?`
/// dimension) is a run-time shape error.
fn found_running(e: TypeError) -> OpError {
    match e.code {
        Code::TypeShape => OpError { code: Code::RuntimeShape, ..e },
        _ => e,
    }
}

/// In test builds, checks that a kernel made a value of the type its rule promised.
pub fn confirm(prim: Prim, promised: Option<Type>, result: &Value) {
    if let Some(t) = promised {
        debug_assert!(t.holds(result), "`{}` made {} but its type rule promised {t}", prim.info().name, result.type_name());
    }
}

/// The type rules of array primitives see only the default dtype; they call no function.
struct RunTime {
    dtype: FloatDtype,
}

impl TypeCx for RunTime {
    fn dtype(&self) -> FloatDtype {
        self.dtype
    }

    fn call(&mut self, _: &Type, _: &[Type]) -> Result<Type, TypeError> {
        Ok(Type::Any)
    }
}

/// An upper bound on the element count of any result from these arguments.
fn bound(args: &[Value]) -> usize {
    args.iter().fold(1usize, |acc, a| acc.saturating_mul(magnitude(a)))
}

fn magnitude(v: &Value) -> usize {
    match v.primal() {
        Value::Tensor(t) => t.len().max(1),
        Value::Int(i) => usize::try_from(i.unsigned_abs()).unwrap_or(usize::MAX).max(1),
        Value::Tuple(items) => bound(items),
        Value::F64(_) | Value::F32(_) | Value::Bool(_) | Value::Str(_) | Value::Func(_) | Value::Absent => 1,
        Value::Tracer(_) => 1,
    }
}

/// The bytes of a result of type `t`, when every dimension is known and the count fits.
fn bytes_of(t: &Type) -> Option<usize> {
    match t {
        Type::Tensor { dtype, dims } => known_len(dims)?.checked_mul(element_size(*dtype)),
        Type::Tuple(items) => items.iter().try_fold(0usize, |acc, i| acc.checked_add(bytes_of(i)?)),
        _ => Some(0),
    }
}

fn has_unknown_dims(t: &Type) -> bool {
    match t {
        Type::Tensor { dims, .. } => known_len(dims).is_none() && dims.iter().all(|d| *d != crate::types::Dim::Known(0)),
        Type::Tuple(items) => items.iter().any(has_unknown_dims),
        _ => true,
    }
}

/// Memory a kernel needs beside its result: LAPACK routines work on a copy of their operands in
/// the layout they need.
fn workspace(prim: Prim, args: &[Value]) -> Option<usize> {
    match prim {
        Prim::Linalg(_) => args.iter().try_fold(0usize, |acc, a| acc.checked_add(value_bytes(a)?.checked_mul(2)?)),
        Prim::Arith(_)
        | Prim::Unary(_)
        | Prim::Reduce(_)
        | Prim::Shape(_)
        | Prim::Construct(_)
        | Prim::Diff(_)
        | Prim::Data(_)
        | Prim::Sys(_) => Some(0),
    }
}

fn value_bytes(v: &Value) -> Option<usize> {
    match v.primal() {
        Value::Tensor(t) => t.len().checked_mul(element_size(t.dtype())),
        _ => Some(0),
    }
}

fn element_size(dtype: Dtype) -> usize {
    match dtype {
        Dtype::F64 => 8,
        Dtype::F32 => 4,
        Dtype::Bool => 1,
    }
}

impl Tensor {
    /// The bytes of the tensor's elements.
    pub fn bytes(&self) -> usize {
        self.len() * element_size(self.dtype())
    }
}
