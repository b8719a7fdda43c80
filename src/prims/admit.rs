//! The run-time half of the type rules. Before a kernel runs on arguments that could make a large
//! result, its type rule, given the arguments' exact types, computes the result's shape with
//! checked arithmetic, and the memory for it is reserved (`memory::reserve`), so that a result
//! too large for the machine is a `tscript::runtime::alloc` diagnostic before anything is
//! allocated, never an abort. Test builds run the rule for every call and check that the kernel
//! made a value of exactly the type the rule promised, so a kernel and its rule cannot drift.

use super::{Arith, OpError, Prim};
use crate::diag::Code;
use crate::dtype::FloatDtype;
use crate::memory;
use crate::types::{Dim, Type, TypeCx, TypeError};
use crate::value::{Dtype, Value};

/// Arguments whose sizes multiply to fewer elements than this cannot make a result worth
/// reserving: no primitive's result has more elements than the product of its arguments' sizes
/// (and int arguments' values), and a few megabytes are always there to be had.
const SMALL_RESULT: usize = 1 << 20;

/// Whether the rule must vet `args` before the kernel runs: always in test builds, and wherever
/// the result could be large. The check is a few instructions per argument, so it stays in the
/// hot path of small operations.
#[inline]
pub fn needed(args: &[Value]) -> bool {
    cfg!(debug_assertions) || bound(args) >= SMALL_RESULT
}

/// Checks, before `prim` runs on `args`, what its type rule says about the result: the rule's
/// error if it rejects the arguments, an allocation error if the result cannot be allocated.
/// Returns the promised result type.
#[inline(never)]
pub fn admit(prim: Prim, args: &[Value], dtype: FloatDtype) -> Result<Type, OpError> {
    let result = rule(prim, args, dtype)?;
    let name = prim.info().name;
    if let Some(bytes) = result_bytes(&result, name)?.map(|b| if in_place(prim, args, &result) { 0 } else { b }) {
        let total = workspace(prim, args).and_then(|w| w.checked_add(bytes)).ok_or_else(|| memory::too_large(name))?;
        if total >= SMALL_RESULT {
            memory::reserve(total, &format!("`{name}`"))?;
        }
    }
    Ok(result)
}

/// Whether the kernel writes its result into an operand's own buffer, so that the result needs
/// no new memory: the element-wise arithmetic of `broadcast::zip_same` on a uniquely owned
/// tensor of the result's shape and dtype (`x += g`, `A * 2.0` on a temporary).
fn in_place(prim: Prim, args: &[Value], result: &Type) -> bool {
    matches!(prim, Prim::Arith(op) if op.is_arithmetic()) && args.iter().any(|a| reuses(a, result))
}

/// Whether `a` is a uniquely owned tensor of type `result`, whose buffer an element-wise kernel
/// writes its result into.
fn reuses(a: &Value, result: &Type) -> bool {
    matches!(a, Value::Tensor(t) if t.is_unique() && Type::known(t.dtype(), t.shape()) == *result)
}

/// Whether element-wise arithmetic `a op b` cannot fail once it starts: its rule accepts the
/// operands, its result is a float tensor written into a uniquely owned operand's own buffer
/// (nothing is allocated, and float arithmetic has no error), and neither operand is being
/// differentiated (nothing is recorded on a tape). A caller may then hand the operands over
/// without keeping a copy to restore on error, which is what lets `x += g` write into `x`.
pub fn cannot_fail(op: Arith, a: &Value, b: &Value, dtype: FloatDtype) -> bool {
    if !op.is_arithmetic() || matches!(a, Value::Tracer(_)) || matches!(b, Value::Tracer(_)) {
        return false;
    }
    let types = [Type::of_value(a), Type::of_value(b)];
    match Prim::Arith(op).type_rule(&types, &mut RunTime { dtype }) {
        Ok(result @ Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. }) => reuses(a, &result) || reuses(b, &result),
        Ok(_) | Err(_) => false,
    }
}

/// The type rule of `prim` on the exact types of `args`: the result type, or the rule's error
/// as found at run time.
pub fn rule(prim: Prim, args: &[Value], dtype: FloatDtype) -> Result<Type, OpError> {
    let types: Vec<Type> = args.iter().map(Type::of_value).collect();
    prim.type_rule(&types, &mut RunTime { dtype }).map_err(found_running)
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
pub fn confirm(prim: Prim, promised: &Type, result: &Value) {
    debug_assert!(
        promised.holds(result),
        "`{}` made {} but its type rule promised {promised}",
        prim.info().name,
        result.type_name()
    );
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

#[inline]
fn magnitude(v: &Value) -> usize {
    match v {
        Value::Tensor(t) => t.shape().iter().fold(1usize, |acc, &n| acc.saturating_mul(n.max(1))),
        Value::Int(i) => usize::try_from(i.unsigned_abs()).unwrap_or(usize::MAX).max(1),
        Value::Tuple(items) => bound(items),
        Value::F64(_) | Value::F32(_) | Value::Bool(_) | Value::Str(_) | Value::Func(_) | Value::Absent => 1,
        Value::Tracer(t) => magnitude(&t.primal),
    }
}

/// The bytes of a result of type `t`, or `None` when a dimension is unknown. A shape whose
/// non-zero dimensions multiply past the address space is refused even when it is empty (as
/// NumPy refuses `zeros((2**62, 2, 0))`): no kernel could index it.
fn result_bytes(t: &Type, name: &str) -> Result<Option<usize>, OpError> {
    match t {
        Type::Tensor { dtype, dims } => {
            let mut extent = 1usize;
            let mut elements = 1usize;
            for d in dims {
                let Dim::Known(n) = *d else { return Ok(None) };
                elements = elements.saturating_mul(n);
                extent = extent
                    .checked_mul(n.max(1))
                    .filter(|&e| e <= isize::MAX as usize)
                    .ok_or_else(|| memory::too_large(name))?;
            }
            Ok(Some(elements.saturating_mul(dtype.size())))
        }
        Type::Tuple(items) => items.iter().try_fold(Some(0usize), |acc, i| {
            Ok(match (acc, result_bytes(i, name)?) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            })
        }),
        _ => Ok(Some(0)),
    }
}

/// Memory a kernel needs beside its result: LAPACK routines work on a copy of their operands in
/// the layout they need.
fn workspace(prim: Prim, args: &[Value]) -> Option<usize> {
    match prim {
        Prim::Linalg(_) => args.iter().try_fold(0usize, |acc, a| acc.checked_add(a.bytes().checked_mul(2)?)),
        Prim::Arith(_)
        | Prim::Unary(_)
        | Prim::Reduce(_)
        | Prim::Stats(_)
        | Prim::Shape(_)
        | Prim::Construct(_)
        | Prim::Diff(_)
        | Prim::Data(_)
        | Prim::Sys(_) => Some(0),
    }
}
