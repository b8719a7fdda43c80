//! The run-time half of the type rules. Before every kernel runs, its type rule runs on the
//! arguments' exact types (every dimension known, an int with its value), so that a fault of
//! type or shape gets the rule's error, the one the checker gives, and the kernels check only
//! values. Where the result could be large, the rule's result shape, computed with checked
//! arithmetic, is reserved (`memory::reserve`), so that a result too large for the machine is a
//! `tscript::runtime::alloc` diagnostic before anything is allocated, never an abort. Test
//! builds check that the kernel made a value of exactly the type the rule promised, so a kernel
//! and its rule cannot drift.

use super::{Arith, OpError, Prim, Reduce};
use crate::dtype::FloatDtype;
use crate::memory;
use crate::types::{Dim, Type};
use crate::value::{Dtype, Value};
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};

/// Arguments whose sizes multiply to fewer elements than this cannot make a result worth
/// reserving: no primitive's result has more elements than the product of its arguments' sizes
/// (and int arguments' values), and a few megabytes are always there to be had.
pub const SMALL_RESULT: usize = 1 << 20;

/// Checks, before `prim` runs on `args`, what its type rule says about the result: the rule's
/// error if it rejects the arguments, an allocation error if the result cannot be allocated.
/// The rule runs for every call (its answer for the exact types of the last calls is kept, see
/// [`Recent`]); the memory is reserved only where the result could be large. Returns the
/// promised result type where it is needed: for the memory, and in test builds, where the
/// kernel's result is checked against it.
#[inline]
pub fn admit(prim: Prim, args: &[Value], dtype: FloatDtype) -> Result<Option<Type>, OpError> {
    let (slot, bound) = survey(prim, args);
    let large = bound >= SMALL_RESULT;
    if !large {
        if let Some(known) = Recent::find(slot, prim, args, dtype) {
            return Ok(known);
        }
    }
    let result = rule(prim, args, dtype)?;
    if large {
        reserve(prim, args, &result)?;
    } else {
        Recent::keep(slot, prim, args, dtype, &result);
    }
    Ok(Some(result))
}

/// The rule's answers for the exact argument types of recent calls, so that a loop of small
/// operations, which meets the same types at every step, does not build them anew each time: a
/// small table indexed by a hash of the primitive and the arguments' types, each entry checked
/// against the arguments ([`Type::is_type_of`]) before it is used. Only accepted arguments are
/// kept; an error is always the rule's own, computed again.
struct Recent {
    prim: Prim,
    dtype: FloatDtype,
    types: Vec<Type>,
    result: Type,
}

/// The number of entries of [`Recent`]'s table.
const RECENT: usize = 256;

thread_local! {
    static TABLE: std::cell::RefCell<[Option<Recent>; RECENT]> = const { std::cell::RefCell::new([const { None }; RECENT]) };
}

impl Recent {
    /// The rule's answer kept for `prim` on arguments of exactly these types, if there is one:
    /// `Some(None)` where the answer is not needed (a build without test checks), otherwise
    /// the result type (in test builds, checked against the rule run again).
    fn find(slot: usize, prim: Prim, args: &[Value], dtype: FloatDtype) -> Option<Option<Type>> {
        let kept = TABLE.with(|table| {
            let table = table.borrow();
            let entry = table[slot].as_ref()?;
            let same = entry.prim == prim
                && entry.dtype == dtype
                && entry.types.len() == args.len()
                && entry.types.iter().zip(args).all(|(t, a)| t.is_type_of(a));
            same.then(|| cfg!(debug_assertions).then(|| entry.result.clone()))
        })?;
        if let Some(result) = &kept {
            debug_assert_eq!(
                rule(prim, args, dtype).ok().as_ref(),
                Some(result),
                "a kept answer of `{}`",
                prim.info().name
            );
        }
        Some(kept)
    }

    /// Keeps the rule's answer `result` for `prim` on `args`.
    fn keep(slot: usize, prim: Prim, args: &[Value], dtype: FloatDtype, result: &Type) {
        let entry = Recent { prim, dtype, types: args.iter().map(Type::of_value).collect(), result: result.clone() };
        TABLE.with(|table| table.borrow_mut()[slot] = Some(entry));
    }
}

/// One pass over the arguments of `prim`: the entry of [`Recent`]'s table for them (a hash of
/// the primitive and the arguments' kinds, dtypes, shapes and int values), and an upper bound on
/// the element count of any result. The hash is rustc's `FxHasher`, a few instructions per word:
/// the table is looked up before every small operation.
fn survey(prim: Prim, args: &[Value]) -> (usize, usize) {
    let mut h = FxHasher::default();
    prim.hash(&mut h);
    let bound = args.iter().fold(1usize, |acc, a| acc.saturating_mul(magnitude(a, &mut h)));
    ((h.finish() % RECENT as u64) as usize, bound)
}

/// Feeds what the exact type of `v` depends on to `h`, and returns an upper bound on the element
/// count of a result it takes part in: its own, or an int's value (a dimension).
fn magnitude(v: &Value, h: &mut FxHasher) -> usize {
    match v {
        Value::Tensor(t) => {
            h.write_u64(t.dtype() as u64);
            t.shape().iter().fold(1usize, |acc, &n| {
                h.write_u64(n as u64);
                acc.saturating_mul(n.max(1))
            })
        }
        Value::Int(i) => {
            h.write_u64(*i as u64 ^ 0x10);
            usize::try_from(i.unsigned_abs()).unwrap_or(usize::MAX).max(1)
        }
        Value::Tuple(items) => {
            h.write_u64(items.len() as u64 ^ 0x20);
            items.iter().fold(1usize, |acc, i| acc.saturating_mul(magnitude(i, h)))
        }
        Value::Bool(b) => {
            h.write_u64(u64::from(*b) ^ 0x30);
            1
        }
        Value::F64(_) | Value::F32(_) | Value::Str(_) | Value::Func(_) | Value::Absent => {
            h.write_u64(match v {
                Value::F64(_) => 0x40,
                Value::F32(_) => 0x50,
                Value::Str(_) => 0x60,
                _ => 0x70,
            });
            1
        }
        Value::Tracer(t) => magnitude(&t.primal, h),
    }
}

/// Reserves the memory of a `result` of `prim` on `args`, with the kernel's workspace.
#[inline(never)]
fn reserve(prim: Prim, args: &[Value], result: &Type) -> Result<(), OpError> {
    let name = prim.info().name;
    if let Some(bytes) = result_bytes(result, name)?.map(|b| if in_place(prim, args, result) { 0 } else { b }) {
        let total = workspace(prim, args).and_then(|w| w.checked_add(bytes)).ok_or_else(|| memory::too_large(name))?;
        if total >= SMALL_RESULT {
            memory::reserve(total, &format!("`{name}`"))?;
        }
    }
    Ok(())
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
    match Prim::Arith(op).type_rule(&types, dtype) {
        Ok(result @ Type::Tensor { dtype: Dtype::F64 | Dtype::F32, .. }) => reuses(a, &result) || reuses(b, &result),
        Ok(_) | Err(_) => false,
    }
}

/// The type rule of `prim` on the exact types of `args`: the result type, or the rule's error,
/// the same code, message and help as the checker gives for the same fault.
pub fn rule(prim: Prim, args: &[Value], dtype: FloatDtype) -> Result<Type, OpError> {
    with_types(args.iter(), |types| prim.type_rule(types, dtype))
}

/// [`rule`] on arguments held apart (an indexed assignment's target stays in its slot), for a
/// primitive whose rule does not read the default dtype.
pub fn rule_of<'a>(prim: Prim, args: impl Iterator<Item = &'a Value>) -> Result<Type, OpError> {
    with_types(args, |types| prim.type_rule(types, FloatDtype::F64))
}

/// Calls `f` with the exact types of `args`. The rule runs before every kernel, so the types
/// of up to four arguments (nearly every call) are kept on the stack, not allocated.
fn with_types<'a, R>(args: impl Iterator<Item = &'a Value>, f: impl FnOnce(&[Type]) -> R) -> R {
    let mut inline = [Type::Absent, Type::Absent, Type::Absent, Type::Absent];
    let mut spilled = Vec::new();
    let mut count = 0;
    for a in args {
        match inline.get_mut(count) {
            Some(slot) => *slot = Type::of_value(a),
            None if spilled.is_empty() => spilled.extend(inline.iter().cloned().chain([Type::of_value(a)])),
            None => spilled.push(Type::of_value(a)),
        }
        count += 1;
    }
    if spilled.is_empty() {
        f(&inline[..count])
    } else {
        f(&spilled)
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
/// the layout they need, `logsumexp` on a shifted copy of its operand.
fn workspace(prim: Prim, args: &[Value]) -> Option<usize> {
    match prim {
        Prim::Linalg(_) => args.iter().try_fold(0usize, |acc, a| acc.checked_add(a.bytes().checked_mul(2)?)),
        Prim::Reduce(Reduce::LogSumExp) => args.first().map(Value::bytes),
        Prim::Arith(_) | Prim::Unary(_) | Prim::Reduce(_) | Prim::Stats(_) | Prim::Shape(_) | Prim::Construct(_) => {
            Some(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Arr, Tensor};

    fn zeros(shape: &[usize]) -> Value {
        Value::Tensor(Tensor::F64(Arr::zeros(ndarray::IxDyn(shape))))
    }

    #[test]
    fn a_kept_answer_serves_only_arguments_of_the_same_exact_types() {
        let add = Prim::Arith(Arith::Add);
        let (a, b) = (zeros(&[2, 3]), zeros(&[3, 2]));
        for _ in 0..2 {
            let kept = admit(add, &[a.clone(), a.clone()], FloatDtype::F64).expect("shapes match");
            assert_eq!(kept, Some(Type::known(Dtype::F64, &[2, 3])));
            let e = admit(add, &[a.clone(), b.clone()], FloatDtype::F64).expect_err("shapes differ");
            assert_eq!(e.message, "shapes f64[2, 3] and f64[3, 2] do not broadcast");
        }
        let reshape = Prim::Shape(super::super::ShapeOp::Reshape);
        let to = |n: i64| [a.clone(), Value::Int(n), Value::Int(-1)];
        assert_eq!(admit(reshape, &to(3), FloatDtype::F64).expect("3 rows"), Some(Type::known(Dtype::F64, &[3, 2])));
        assert_eq!(admit(reshape, &to(6), FloatDtype::F64).expect("6 rows"), Some(Type::known(Dtype::F64, &[6, 1])));
        assert!(!Type::Int(Some(2)).is_type_of(&Value::Int(3)));
    }
}
