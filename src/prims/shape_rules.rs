//! The helpers of [`ShapeOp::type_rule`](super::ShapeOp::type_rule): the static image of the
//! shape kernels in `shape.rs` (reshape, concat/stack, tensor literals, conversions, indexing and
//! indexed assignment), kept apart so that each file stays short.

use super::reduce::normalize_axis;
use crate::diag::Code;
use crate::dtype::Dtype;
use crate::dtype::FloatDtype;
use crate::types::{broadcasts_to, known_len, Dim, Type, TypeError};

/// Reads int dimensions (argument `first` onwards); an unknown int is an unknown dim.
pub fn dims_type(args: &[Type], first: usize) -> Result<Vec<Dim>, TypeError> {
    let mut out = Vec::with_capacity(args.len());
    for (i, t) in args.iter().enumerate() {
        out.push(match t {
            Type::Int(Some(d)) if *d >= 0 => Dim::Known(*d as usize),
            Type::Int(Some(d)) => {
                return Err(TypeError::new(Code::TypeShape, format!("a dimension cannot be negative ({d})"))
                    .at(first + i, d.to_string()))
            }
            Type::Int(None) => Dim::Unknown,
            other => {
                return Err(TypeError::new(Code::TypeMismatch, format!("a dimension must be an int, not {other}"))
                    .at(first + i, other.to_string()))
            }
        });
    }
    Ok(out)
}

/// The type of `reshape(x, dims...)`, given the types of the dims; one dim may be -1.
pub fn reshape_type(x: &Type, args: &[Type]) -> Result<Type, TypeError> {
    let mut dims: Vec<Option<i64>> = Vec::with_capacity(args.len());
    for (i, t) in args.iter().enumerate() {
        match t {
            Type::Int(d) => dims.push(*d),
            other => {
                return Err(TypeError::new(Code::TypeMismatch, format!("a dimension must be an int, not {other}"))
                    .at(i + 1, other.to_string()))
            }
        }
    }
    let (dtype, len) = match x {
        Type::Tensor { dtype, dims } => (*dtype, known_len(dims)),
        Type::Int(_) | Type::Float(FloatDtype::F64) => (Dtype::F64, Some(1)),
        Type::Float(FloatDtype::F32) => (Dtype::F32, Some(1)),
        Type::Bool(_) => (Dtype::Bool, Some(1)),
        other => {
            return Err(
                TypeError::new(Code::TypeMismatch, format!("a tensor cannot hold {other}")).label(other.to_string())
            )
        }
    };
    let shown: Vec<String> = dims.iter().map(|d| d.map_or("?".into(), |d| d.to_string())).collect();
    let bad = |why: String| {
        let n = len.map_or("?".into(), |n| n.to_string());
        TypeError::new(Code::TypeShape, format!("cannot reshape {n} elements to [{}]", shown.join(", "))).label(why)
    };
    if dims.is_empty() {
        return Err(bad("no dimensions given".into()));
    }
    let wildcards = dims.iter().filter(|d| **d == Some(-1)).count();
    if wildcards > 1 || dims.iter().any(|d| d.is_some_and(|d| d < -1)) {
        return Err(bad("at most one -1, and no other negative dims".into()));
    }
    let known: Option<i64> =
        dims.iter().filter(|d| **d != Some(-1)).try_fold(1i64, |p, d| d.and_then(|d| p.checked_mul(d)));
    let out: Vec<Dim> = dims
        .iter()
        .map(|d| match d {
            Some(-1) => match (len, known) {
                (_, Some(0)) => Dim::Known(0),
                (Some(n), Some(k)) => Dim::Known(n / k as usize),
                _ => Dim::Unknown,
            },
            Some(d) => Dim::Known(*d as usize),
            None => Dim::Unknown,
        })
        .collect();
    if let (Some(n), Some(m)) = (len, known_len(&out)) {
        if n != m {
            return Err(bad(format!("{n} elements do not fill [{}]", shown.join(", "))));
        }
    }
    Ok(Type::Tensor { dtype, dims: out })
}

/// The type of `concat` (or `stack` when `stack`) of `items` along `axis` (`None`: an int not known statically).
pub fn join_type(stack: bool, axis: Option<i64>, items: &[Type]) -> Result<Type, TypeError> {
    let name = if stack { "stack" } else { "concat" };
    if items.is_empty() {
        return Err(TypeError::new(Code::TypeArity, format!("`{name}` needs at least one tensor")));
    }
    let dtypes: Vec<Dtype> =
        items.iter().enumerate().map(|(i, t)| element_dtype(t, i + 1)).collect::<Result<_, _>>()?;
    let (first, dims0) = (dtypes[0], items[0].dims());
    let rank = dims0.len();
    let axis = match axis {
        Some(k) => Some(normalize_axis(k, rank + stack as usize).ok_or_else(|| {
            TypeError::new(Code::TypeShape, format!("axis {k} is out of range for `{name}` of rank-{rank} tensors"))
        })?),
        None => None,
    };
    let shapes = || items.iter().map(Type::to_string).collect::<Vec<_>>().join(", ");
    let mut out = dims0.to_vec();
    for (i, (dt, dims)) in dtypes.iter().zip(items.iter().map(Type::dims)).enumerate() {
        if *dt != first {
            return Err(TypeError::new(Code::TypeDtype, format!("`{name}` cannot join {} and {}", items[0], items[i]))
                .at(i + 1, items[i].to_string()));
        }
        let differs = |k: usize| matches!((dims[k], dims0[k]), (Dim::Known(p), Dim::Known(q)) if p != q);
        let off_axis = |k: usize| stack || (axis.is_some() && Some(k) != axis);
        if dims.len() != rank || (!stack && rank == 0) || (0..rank).any(|k| off_axis(k) && differs(k)) {
            let along = axis.map_or("?".into(), |a| a.to_string());
            return Err(TypeError::new(
                Code::TypeShape,
                format!("`{name}` cannot join {} along axis {along}", shapes()),
            )
            .label("shapes that differ off the joining axis"));
        }
        for k in 0..rank {
            if out[k] == Dim::Unknown && off_axis(k) {
                out[k] = dims[k];
            }
        }
    }
    Ok(match (stack, axis) {
        (true, Some(a)) => {
            out.insert(a, Dim::Known(items.len()));
            Type::Tensor { dtype: first, dims: out }
        }
        (false, Some(a)) => {
            out[a] = items
                .iter()
                .try_fold(0usize, |s, t| match t.dims()[a] {
                    Dim::Known(n) => s.checked_add(n),
                    Dim::Unknown => None,
                })
                .map_or(Dim::Unknown, Dim::Known);
            Type::Tensor { dtype: first, dims: out }
        }
        (_, None) => Type::tensor(first, vec![Dim::Unknown; rank + stack as usize]),
    })
}

/// The element dtype of a tensor or scalar (argument `at`) that goes into a tensor (a literal,
/// `concat`, `stack`); anything else is an error.
fn element_dtype(t: &Type, at: usize) -> Result<Dtype, TypeError> {
    match t {
        Type::Tensor { dtype, .. } => Ok(*dtype),
        Type::Int(_) => Ok(Dtype::I64),
        Type::Float(d) => Ok(Dtype::from(*d)),
        Type::Bool(_) => Ok(Dtype::Bool),
        other => {
            Err(TypeError::new(Code::TypeMismatch, format!("a tensor cannot hold {other}")).at(at, other.to_string()))
        }
    }
}

/// The dtype of a tensor literal whose items have these element dtypes (an `int` counts as
/// `i64`), at run time and in the checker: bools alone stay bools and do not mix with numbers;
/// otherwise the widest number, `f64` over `f32` over `i64`.
pub fn literal_dtype(items: &[Dtype]) -> Result<Dtype, TypeError> {
    let has = |d: Dtype| items.contains(&d);
    if items.iter().all(|&d| d == Dtype::Bool) {
        Ok(Dtype::Bool)
    } else if has(Dtype::Bool) {
        Err(TypeError::new(Code::TypeMismatch, "a tensor literal cannot mix bools and numbers"))
    } else if has(Dtype::F64) {
        Ok(Dtype::F64)
    } else if has(Dtype::F32) {
        Ok(Dtype::F32)
    } else {
        Ok(Dtype::I64)
    }
}

/// The type of a tensor literal whose entries have the types `items`.
pub fn literal_type(items: &[Type]) -> Result<Type, TypeError> {
    if items.is_empty() {
        return Err(TypeError::new(Code::TypeShape, "an empty tensor literal has no shape")
            .help("use zeros(0) for an empty tensor"));
    }
    let dtypes: Vec<Dtype> = items.iter().enumerate().map(|(i, t)| element_dtype(t, i)).collect::<Result<_, _>>()?;
    let target = literal_dtype(&dtypes)?;
    let dims0 = items[0].dims().to_vec();
    let mut out = dims0.clone();
    for (i, t) in items.iter().enumerate() {
        let dims = t.dims();
        let same = dims.len() == dims0.len()
            && dims.iter().zip(&dims0).all(|(p, q)| !matches!((p, q), (Dim::Known(p), Dim::Known(q)) if p != q));
        if !same {
            return Err(TypeError::new(Code::TypeShape, "ragged tensor literal: rows differ in shape")
                .at(i, format!("this row is {t}, the first {}", items[0])));
        }
        for (o, d) in out.iter_mut().zip(dims) {
            if *o == Dim::Unknown {
                *o = *d;
            }
        }
    }
    out.insert(0, Dim::Known(items.len()));
    Ok(Type::Tensor { dtype: target, dims: out })
}

/// The type of `x` converted to the element type `to` (`f32`, `f64`, `float`).
pub fn convert_type(x: &Type, to: Dtype) -> Result<Type, TypeError> {
    match x {
        Type::Tensor { dims, .. } => Ok(Type::Tensor { dtype: to, dims: dims.clone() }),
        Type::Int(_) | Type::Float(_) | Type::Bool(_) | Type::Str => Ok(Type::scalar(to)),
        other => Err(TypeError::new(Code::TypeMismatch, format!("cannot convert {other} to {}", to.name()))
            .at(0, other.to_string())),
    }
}

/// The type of `x[indices]`; `indices` are ints (pick) or `(start, stop, step)` tuples (slice).
pub fn index_type(x: &Type, indices: &[Type]) -> Result<Type, TypeError> {
    match x {
        Type::Tuple(items) => match indices {
            [Type::Int(Some(i))] => {
                let n = items.len() as i64;
                let k = if *i < 0 { i + n } else { *i };
                Ok(usize::try_from(k).ok().and_then(|k| items.get(k)).cloned().unwrap_or(Type::Any))
            }
            [Type::Int(None)] => {
                Ok(items.iter().skip(1).fold(items.first().cloned().unwrap_or(Type::Any), |a, b| a.join(b)))
            }
            _ => Err(TypeError::new(Code::TypeMismatch, "a tuple is indexed by one int").label(x.to_string())),
        },
        Type::Seq(item) => match indices {
            [Type::Int(_)] => Ok((**item).clone()),
            _ => Err(TypeError::new(Code::TypeMismatch, "a tuple is indexed by one int").label(x.to_string())),
        },
        Type::Tensor { dtype, dims } => {
            if let Some(at) = indices.iter().position(|t| matches!(t, Type::Tensor { dtype: Dtype::Bool, .. })) {
                return super::mask::index_type(*dtype, dims, indices, at);
            }
            if let Some(at) = indices.iter().position(|t| matches!(t, Type::Tensor { dtype: Dtype::I64, .. })) {
                return super::take::index_type(*dtype, dims, indices, at);
            }
            if indices.len() > dims.len() {
                return Err(TypeError::new(
                    Code::TypeShape,
                    format!("{} indices for {x} of rank {}", indices.len(), dims.len()),
                )
                .label(format!("rank {}", dims.len())));
            }
            let mut out = Vec::with_capacity(dims.len());
            for (axis, (idx, &extent)) in indices.iter().zip(dims).enumerate() {
                match idx {
                    Type::Int(_) => {}
                    Type::Tuple(parts) => {
                        let mut bound = [None, None, Some(1)];
                        let mut known = true;
                        for (j, p) in parts.iter().enumerate().take(3) {
                            match p {
                                Type::Int(v) => {
                                    bound[j] = *v;
                                    known &= v.is_some();
                                }
                                Type::Absent => {}
                                Type::Any => known = false,
                                other => return Err(not_an_index("a slice bound", other, axis + 1)),
                            }
                        }
                        out.push(match (extent, known) {
                            (Dim::Known(n), true) => slice_len(n as i64, bound).map_or(Dim::Unknown, Dim::Known),
                            _ => Dim::Unknown,
                        });
                    }
                    other => return Err(not_an_index("an index", other, axis + 1)),
                }
            }
            out.extend_from_slice(&dims[indices.len()..]);
            Ok(Type::tensor(*dtype, out))
        }
        other => Err(TypeError::new(Code::TypeMismatch, format!("{other} cannot be indexed")).at(0, other.to_string())),
    }
}

/// The error for `what` (an index, a slice bound) of type `t`, argument `at`, which must be an int.
fn not_an_index(what: &str, t: &Type, at: usize) -> TypeError {
    let e = TypeError::new(Code::TypeMismatch, format!("{what} must be an int, not {t}")).at(at, t.to_string());
    if matches!(t, Type::Float(_)) {
        e.help("an index counts elements, so it is an int: convert the float with int(...), e.g. x[int(i / 2)]")
    } else {
        e
    }
}

/// The extent of `start:stop:step` over an axis of `n` (as `slice_elems` computes it); `None`
/// for a zero step, which the runtime reports.
fn slice_len(n: i64, [start, stop, step]: [Option<i64>; 3]) -> Option<usize> {
    let step = step.filter(|s| *s != 0)?;
    let (lo, hi) = super::shape::slice_bounds(n, start, stop, step);
    let len = (hi - lo) as u64;
    let step = step.unsigned_abs();
    usize::try_from(len.div_ceil(step)).ok()
}

/// Whether `value` may be stored into `part` of a tensor `x` (indexed assignment).
pub fn assign_part(x: &Type, part: &Type, value: &Type) -> Result<(), TypeError> {
    let Type::Tensor { dtype, .. } = x else { return Ok(()) };
    let code = match value {
        Type::Tensor { dtype: v, .. } if v != dtype => Code::TypeDtype,
        Type::Tensor { .. } => Code::TypeShape,
        _ => Code::TypeMismatch,
    };
    let fail = || {
        let error =
            TypeError::new(code, format!("cannot assign {value} to a part of type {part}")).at(1, value.to_string());
        if *dtype == Dtype::I64 && value.is_float() {
            error.help("an i64 tensor holds ints: round the value with round(...) and convert it with i64(...)")
        } else {
            error
        }
    };
    let ok = match (dtype, value) {
        (Dtype::Bool, Type::Bool(_))
        | (Dtype::F64 | Dtype::F32, Type::Int(_) | Type::Float(_))
        | (Dtype::I64, Type::Int(_)) => true,
        (d, Type::Tensor { dtype: v, dims }) => {
            (d == v || (d.is_float() && *v == Dtype::I64)) && broadcasts_to(dims, part.dims())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(fail())
    }
}
