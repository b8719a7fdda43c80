//! Structural operations: shape queries, reshape, transpose, concat/stack, tensor literals,
//! indexing and slicing (views over the same storage), functional indexed update, conversions, and
//! the internal `broadcast_to`/`sum_to` that derivative rules use to undo broadcasting.

mod vjp;
use super::arith::{bool_operand, elem_operand, int_operand, scalar_f64, Elem};
use super::broadcast::Operand;
use super::reduce::{normalize_axis, scalar_if_rank0};
use super::shape_rules::{
    assign_part, convert_type, dims_type, index_type, join_type, literal_dtype, literal_type, reshape_type,
};
use super::{family, unvetted, Ctx, OpError};
use crate::diag::Code;
use crate::dtype::FloatDtype;
use crate::types::{known_len, Dim, Type, TypeError};
use crate::value::{Arr, Dtype, Tensor, Value};
use ndarray::{ArrayView, Axis, IxDyn, Slice, SliceInfo, SliceInfoElem};
use std::rc::Rc;

family! {
    /// Structural operations and conversions.
    ShapeOp("Shapes, indexing and conversions") {
        Shape => Function("shape", [x], "The extent of each axis, as a tuple of ints (also x.shape).", "shape(zeros(2, 3))  # (2, 3)"),
        Size => Function("size", [x], "The number of elements.", "size(zeros(2, 3))  # 6"),
        Reshape => Function("reshape", [x, dims...], "The same elements in a new shape; one dim may be -1.", "reshape(arange(0, 6), 2, -1)  # [[0, 1, 2], [3, 4, 5]]"),
        Transpose => Function("transpose", [x], "Reverses the axes (also x.T); no copy.", "transpose([[1, 2]])  # [[1], [2]]"),
        Concat => Function("concat", [tensors..., axis?], "Joins tensors along an existing axis (default 0).", "concat([1, 2], [3])  # [1, 2, 3]"),
        Stack => Function("stack", [tensors..., axis?], "Joins tensors along a new axis (default 0).", "stack([1, 2], [3, 4])  # [[1, 2], [3, 4]]"),
        F32 => Function("f32", [x], "Converts to f32.", "f32(0.5)  # 0.5"),
        F64 => Function("f64", [x], "Converts to f64.", "f64(f32(0.1))  # 0.10000000149011612"),
        I64 => Function("i64", [x], "Converts to i64, truncating floats toward zero (an int scalar stays an int).", "i64([2.7, -2.7])  # [2, -2]"),
        Int => Function("int", [x], "Converts a scalar to int, truncating toward zero; reads a whole number from a str.", "int(-2.7)  # -2"),
        Float => Function("float", [x], "Converts a scalar to the default float dtype; reads a number from a str.", "float(\"1e-3\")  # 0.001"),
        Str => Function("str", [x], "The text of a value, as print shows it.", "str(1.5)  # 1.5"),
        Format => Function("format", [x, spec?], "x written by a Python format spec, as in an f-string field {x:spec}; a tensor's elements each.", "format(1234.5678, \",.2f\")  # 1,234.57"),
        Repr => Internal("repr", [x], "The text of a value as the REPL shows it (a str quoted): the f-string field {x!r}.", ""),
        Len => Function("len", [x], "Characters of a str, entries of a tuple, or rows of a tensor.", "len(\"abc\")  # 3"),
        Literal => Operator("[...]", [items...], "A tensor literal: scalars or equal-shaped rows.", "[[1, 2], [3, 4]]  # [[1, 2], [3, 4]]"),
        Index => Operator("x[...]", [x, indices...], "Indexing and slicing; a large part is a view, a small one (a row, a few elements) a copy; an index tensor or mask picks a copy.", "[10, 20, 30][-1]  # 30"),
        IndexSet => Internal("index_set", [x, value, indices...], "x with the part that indices pick replaced by value.", ""),
        IndexAdd => Internal("index_add", [x, value, indices...], "x with value added to the part that indices pick; repeated indices accumulate.", ""),
        BroadcastTo => Internal("broadcast_to", [x, dims...], "x broadcast to the shape dims.", ""),
        SumTo => Internal("sum_to", [x, dims...], "x summed down to the shape dims (undoes broadcasting).", ""),
    }
}

impl ShapeOp {
    /// Runs the operation on plain values.
    pub fn eval(self, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
        let mut it = args.into_iter();
        let x = it.next().unwrap_or(Value::Absent);
        let rest: Vec<Value> = it.collect();
        match self {
            ShapeOp::Shape => match &x {
                Value::Tensor(t) => Ok(Value::Tuple(t.shape().iter().map(|&d| Value::Int(d as i64)).collect())),
                _ => Ok(Value::Tuple(Rc::from(Vec::new()))),
            },
            ShapeOp::Size => match &x {
                Value::Tensor(t) => Ok(Value::Int(t.len() as i64)),
                _ => Ok(Value::Int(1)),
            },
            ShapeOp::Reshape => reshape(x, &rest),
            ShapeOp::Transpose => Ok(match x {
                Value::Tensor(t) => Value::Tensor(crate::map_tensor!(t, a => a.reversed_axes())),
                other => other,
            }),
            ShapeOp::Concat | ShapeOp::Stack => {
                let axis = match x {
                    Value::Absent => 0,
                    Value::Int(k) => k,
                    _ => return Err(unvetted(self.info().name)),
                };
                // The tensors follow `axis` among the call's arguments.
                join(self == ShapeOp::Stack, axis, rest).map_err(|e| OpError { arg: e.arg.map(|i| i + 1), ..e })
            }
            ShapeOp::Literal => {
                let mut items = rest;
                items.insert(0, x);
                literal(items)
            }
            ShapeOp::F32 => convert(x, Dtype::F32),
            ShapeOp::F64 => convert(x, Dtype::F64),
            ShapeOp::I64 => convert(x, Dtype::I64),
            ShapeOp::Float => convert(x, Dtype::from(ctx.dtype)),
            ShapeOp::Int => to_int(x),
            ShapeOp::Str => Ok(Value::Str(Rc::from(crate::value::text_with(&x, ctx.print)))),
            ShapeOp::Repr => Ok(Value::Str(Rc::from(crate::value::repr_with(&x, ctx.print)))),
            ShapeOp::Format => {
                let spec = match rest.first() {
                    None | Some(Value::Absent) => "",
                    Some(Value::Str(s)) => s,
                    Some(_) => return Err(unvetted("format")),
                };
                crate::value::format_value(&x, spec, ctx.print).map(|s| Value::Str(Rc::from(s)))
            }
            ShapeOp::Len => match &x {
                Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
                Value::Tuple(t) => Ok(Value::Int(t.len() as i64)),
                Value::Tensor(t) => Ok(Value::Int(t.shape()[0] as i64)),
                _ => Err(unvetted("len")),
            },
            ShapeOp::Index => index(x, &rest),
            ShapeOp::IndexSet | ShapeOp::IndexAdd => {
                let mut rest = rest.into_iter();
                let value = rest.next().unwrap_or(Value::Absent);
                let indices = rest.collect::<Vec<_>>();
                if self == ShapeOp::IndexSet {
                    index_set(x, value, &indices)
                } else {
                    index_add(x, value, &indices)
                }
            }
            ShapeOp::BroadcastTo => broadcast_to(x, &dims_of(&rest)?),
            ShapeOp::SumTo => sum_to(x, &dims_of(&rest)?),
        }
    }
}

/// Reads a list of int dimensions.
pub fn dims_of(values: &[Value]) -> Result<Vec<i64>, OpError> {
    values.iter().map(|v| if let Value::Int(d) = v { Ok(*d) } else { Err(unvetted("a dimension")) }).collect()
}

/// `reshape(x, dims...)`, the dims accepted by its rule: at most one -1, which takes the rest.
fn reshape(x: Value, dims: &[Value]) -> Result<Value, OpError> {
    let len = match &x {
        Value::Tensor(t) => t.len(),
        _ => 1,
    };
    let dims = dims_of(dims)?;
    let known = dims.iter().filter(|&&d| d != -1).fold(1usize, |acc, &d| acc.saturating_mul(d as usize));
    let shape: Vec<usize> =
        dims.iter().map(|&d| if d != -1 { d as usize } else { len.checked_div(known).unwrap_or(0) }).collect();
    fn go<T: Clone>(a: Arr<T>, shape: &[usize]) -> Result<Arr<T>, OpError> {
        let a = if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned().into_shared() };
        a.into_shape_with_order(IxDyn(shape)).map_err(|_| unvetted("reshape"))
    }
    let x = match x {
        Value::Int(_) | Value::F64(_) | Value::F32(_) | Value::Bool(_) => literal(vec![x])?,
        other => other,
    };
    Ok(match x {
        Value::Tensor(t) => Value::Tensor(crate::map_tensor!(t, a => go(a, &shape)?)),
        other => other,
    })
}

/// `concat` (or `stack`) of `items` along `axis`, as their rule has accepted them.
fn join(stack: bool, axis: i64, items: Vec<Value>) -> Result<Value, OpError> {
    let name = if stack { "stack" } else { "concat" };
    let items: Vec<Value> = items.into_iter().map(promote_scalar).collect::<Result<_, _>>()?;
    let rank = items.first().map_or(0, |v| if let Value::Tensor(t) = v { t.shape().len() } else { 0 });
    let axis = Axis(normalize_axis(axis, rank + stack as usize).ok_or_else(|| unvetted(name))?);
    macro_rules! go {
        ($variant:ident) => {{
            let views = items
                .iter()
                .map(|v| if let Value::Tensor(Tensor::$variant(a)) = v { Ok(a.view()) } else { Err(unvetted(name)) })
                .collect::<Result<Vec<_>, _>>()?;
            let joined = if stack { ndarray::stack(axis, &views) } else { ndarray::concatenate(axis, &views) };
            Value::Tensor(Tensor::$variant(joined.map_err(|_| unvetted(name))?.into_shared()))
        }};
    }
    Ok(match items.first() {
        Some(Value::Tensor(Tensor::F64(_))) => go!(F64),
        Some(Value::Tensor(Tensor::F32(_))) => go!(F32),
        Some(Value::Tensor(Tensor::I64(_))) => go!(I64),
        Some(Value::Tensor(Tensor::Bool(_))) => go!(Bool),
        _ => return Err(unvetted(name)),
    })
}

/// A scalar as a one-element tensor, so that it can be stacked.
fn promote_scalar(v: Value) -> Result<Value, OpError> {
    let one = IxDyn(&[]);
    Ok(match v {
        Value::Int(i) => Value::Tensor(Tensor::I64(Arr::from_elem(one, i))),
        Value::F64(x) => Value::Tensor(Tensor::F64(Arr::from_elem(one, x))),
        Value::F32(x) => Value::Tensor(Tensor::F32(Arr::from_elem(one, x))),
        Value::Bool(b) => Value::Tensor(Tensor::Bool(Arr::from_elem(one, b))),
        t @ Value::Tensor(_) => t,
        _ => return Err(unvetted("a tensor literal")),
    })
}

/// `[a, b, c]`: stacks scalars or equal-shaped rows (as the rule has checked); the dtype is the
/// widest of the items ([`literal_dtype`]: ints alone make an `i64` tensor).
fn literal(items: Vec<Value>) -> Result<Value, OpError> {
    let dtypes: Vec<Dtype> = items
        .iter()
        .map(|v| match v {
            Value::Tensor(t) => t.dtype(),
            Value::F64(_) => Dtype::F64,
            Value::F32(_) => Dtype::F32,
            Value::Bool(_) => Dtype::Bool,
            _ => Dtype::I64,
        })
        .collect();
    let target = literal_dtype(&dtypes)?;
    let converted = items.into_iter().map(|v| convert(promote_scalar(v)?, target)).collect::<Result<_, _>>()?;
    join(true, 0, converted)
}

/// Converts a scalar or tensor to another element type; to `i64`, floats are truncated toward
/// zero (as NumPy's `astype(int)`), and one that is not finite or does not fit is an error.
pub fn convert(x: Value, to: Dtype) -> Result<Value, OpError> {
    fn cast<T: Clone, U: Clone>(a: &Arr<T>, f: impl Fn(T) -> U) -> Arr<U> {
        a.mapv(f).into_shared()
    }
    Ok(match (x, to) {
        (Value::Tensor(t), _) if t.dtype() == to => Value::Tensor(t),
        (Value::Tensor(t), Dtype::F64) => Value::Tensor(Tensor::F64(match t {
            Tensor::F32(a) => cast(&a, f64::from),
            Tensor::I64(a) => cast(&a, |v| v as f64),
            Tensor::Bool(a) => cast(&a, |v| f64::from(u8::from(v))),
            Tensor::F64(a) => a,
        })),
        (Value::Tensor(t), Dtype::F32) => Value::Tensor(Tensor::F32(match t {
            Tensor::F64(a) => cast(&a, |v| v as f32),
            Tensor::I64(a) => cast(&a, |v| v as f32),
            Tensor::Bool(a) => cast(&a, |v| f32::from(u8::from(v))),
            Tensor::F32(a) => a,
        })),
        (Value::Tensor(t), Dtype::I64) => Value::Tensor(Tensor::I64(match t {
            Tensor::F64(a) => truncated(a.iter().copied(), a.shape())?,
            Tensor::F32(a) => truncated(a.iter().map(|&v| f64::from(v)), a.shape())?,
            Tensor::Bool(a) => cast(&a, i64::from),
            Tensor::I64(a) => a,
        })),
        (Value::Tensor(_), Dtype::Bool) => return Err(unvetted(to.name())),
        (Value::Str(s), Dtype::F32) => Value::F32(parse_number(&s)?),
        (Value::Str(s), Dtype::I64) => Value::Int(parse_int(&s)?),
        (Value::Str(s), _) => Value::F64(parse_number(&s)?),
        (Value::Bool(b), Dtype::F64) => Value::F64(b as u8 as f64),
        (Value::Bool(b), Dtype::F32) => Value::F32(b as u8 as f32),
        (Value::F32(v), Dtype::F32) => Value::F32(v),
        (x, Dtype::F64) if scalar_f64(&x).is_some() => Value::F64(scalar_f64(&x).unwrap_or(f64::NAN)),
        (Value::F64(v), Dtype::F32) => Value::F32(v as f32),
        (Value::Int(v), Dtype::F32) => Value::F32(v as f32),
        (x, Dtype::I64) => to_int(x)?,
        (_, _) => return Err(unvetted(to.name())),
    })
}

/// Floats truncated toward zero to `i64`, in order, as a tensor of `shape`; the first that is
/// not finite or does not fit is an error.
fn truncated(values: impl Iterator<Item = f64>, shape: &[usize]) -> Result<Arr<i64>, OpError> {
    let ints = values.map(float_to_int).collect::<Result<Vec<i64>, OpError>>()?;
    Ok(Arr::from_shape_vec(IxDyn(shape), ints).expect("same length"))
}

/// A float truncated toward zero, or the error when it is not finite or does not fit in 64 bits.
fn float_to_int(v: f64) -> Result<i64, OpError> {
    // i64's range is [-2^63, 2^63), both ends exact in f64.
    let limit = 2f64.powi(63);
    if v.is_finite() && v.trunc() >= -limit && v.trunc() < limit {
        Ok(v.trunc() as i64)
    } else {
        Err(OpError::new(Code::RuntimeOverflow, format!("{v} does not fit in an int"))
            .at(0, "not a finite 64-bit integer"))
    }
}

fn to_int(x: Value) -> Result<Value, OpError> {
    match x {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Bool(b) => Ok(Value::Int(b as i64)),
        Value::F64(v) => float_to_int(v).map(Value::Int),
        Value::F32(v) => float_to_int(v as f64).map(Value::Int),
        Value::Str(s) => parse_int(&s).map(Value::Int),
        _ => Err(unvetted("int")),
    }
}

/// `float("0.1")`: the text (blanks around it allowed) read as Python's `float` reads it, at
/// the precision asked for (so `f32("0.1")` is the `f32` nearest 0.1).
fn parse_number<T: std::str::FromStr>(s: &str) -> Result<T, OpError> {
    s.trim().parse::<T>().map_err(|_| {
        OpError::new(Code::RuntimeValue, format!("{s:?} is not a number"))
            .at(0, "not a number")
            .help("float(...) reads decimal text such as \"0.1\", \"-2.5e-3\", \"inf\" or \"nan\"")
    })
}

/// `int("42")`: whole numbers only, as Python's `int` (`int("3.5")` is an error); a number too
/// large for 64 bits is an overflow.
fn parse_int(s: &str) -> Result<i64, OpError> {
    use std::num::IntErrorKind;
    s.trim().parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
            OpError::new(Code::RuntimeOverflow, format!("{s:?} does not fit in a 64-bit int"))
                .at(0, "too large for `int`")
                .help(format!("an `int` is at most {}; read it as a float with float(...)", i64::MAX))
        }
        _ => {
            let help = if s.trim().parse::<f64>().is_ok() {
                format!("int(...) reads whole numbers; to truncate a decimal, write int(float({s:?}))")
            } else {
                "int(...) reads whole numbers such as \"42\" or \"-7\"".to_string()
            };
            OpError::new(Code::RuntimeValue, format!("{s:?} is not an int")).at(0, "not an int").help(help)
        }
    })
}

/// The half-open range `lo..hi` that NumPy's `start:stop:step` covers on an axis of extent `n`
/// (bounds clipped, negative ones counted from the end); a negative `step` walks it from
/// `hi - 1` down, as ndarray's `Slice` does. `step` is not 0.
pub fn slice_bounds(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> (i64, i64) {
    let norm = |v: i64| if v < 0 { v + n } else { v };
    if step > 0 {
        let lo = start.map_or(0, |v| norm(v).clamp(0, n));
        (lo, stop.map_or(n, |v| norm(v).clamp(0, n)).max(lo))
    } else {
        let first = start.map_or(n - 1, |v| norm(v).clamp(-1, n - 1));
        let last = stop.map_or(-1, |v| norm(v).clamp(-1, n - 1));
        if first > last {
            (last + 1, first + 1)
        } else {
            (0, 0)
        }
    }
}

/// One position of an index, as the evaluator passes it: `Int` picks, a `(start, stop, step)`
/// tuple of ints or `Absent` slices. The rule has checked the rank and the kinds; the values
/// (an index out of range, a step of 0) are checked here.
pub(super) fn slice_elems(shape: &[usize], indices: &[Value]) -> Result<Vec<SliceInfoElem>, OpError> {
    let mut elems = Vec::with_capacity(shape.len());
    for (axis, (idx, &extent)) in indices.iter().zip(shape).enumerate() {
        let n = extent as i64;
        match idx {
            Value::Int(i) => {
                let k = if *i < 0 { i + n } else { *i };
                if !(0..n).contains(&k) {
                    return Err(OpError::new(
                        Code::RuntimeIndex,
                        format!("index {i} is out of range for axis {axis} of extent {extent}"),
                    )
                    .at(axis + 1, format!("index {i}, extent {extent}")));
                }
                elems.push(SliceInfoElem::Index(k as isize));
            }
            Value::Tuple(parts) => {
                let part = |j: usize| if let Some(Value::Int(v)) = parts.get(j) { Some(*v) } else { None };
                let step = part(2).unwrap_or(1);
                if step == 0 {
                    return Err(OpError::new(Code::RuntimeIndex, "slice step cannot be zero").at(axis + 1, "step 0"));
                }
                let (lo, hi) = slice_bounds(n, part(0), part(1), step);
                elems.push(Slice::new(lo as isize, Some(hi as isize), step as isize).into());
            }
            _ => return Err(unvetted("indexing")),
        }
    }
    elems.resize(shape.len(), SliceInfoElem::from(..));
    Ok(elems)
}

fn info(elems: Vec<SliceInfoElem>) -> SliceInfo<Vec<SliceInfoElem>, IxDyn, IxDyn> {
    SliceInfo::try_from(elems).expect("index elements are valid for IxDyn")
}

fn index(x: Value, indices: &[Value]) -> Result<Value, OpError> {
    match x {
        Value::Tuple(items) => match indices {
            [Value::Int(i)] => {
                let n = items.len() as i64;
                let k = if *i < 0 { i + n } else { *i };
                items.get(k as usize).filter(|_| k >= 0).cloned().ok_or_else(|| {
                    OpError::new(Code::RuntimeIndex, format!("index {i} is out of range for a tuple of {n}"))
                        .at(1, format!("index {i}, length {n}"))
                })
            }
            _ => Err(unvetted("indexing")),
        },
        Value::Tensor(t) if super::mask::position(indices).is_some() => {
            super::mask::gather(&t, indices, super::mask::position(indices).unwrap_or(0))
        }
        Value::Tensor(t) if super::take::position(indices).is_some() => {
            super::take::gather(&t, indices, super::take::position(indices).unwrap_or(0))
        }
        Value::Tensor(t) => {
            let elems = slice_elems(t.shape(), indices)?;
            let whole = t.len();
            // A small part (at most a quarter of its source and at most `SMALL_PART` elements: a
            // row, a column, a few elements) is copied out, so that the tensor it came from stays
            // uniquely owned and a later write to it (`B[k] = B[j]`, a row swap) happens in place
            // instead of copying the whole tensor; a larger part (`X[0:1000]`) stays a view.
            const SMALL_PART: usize = 1 << 14;
            fn part<T: Clone>(a: Arr<T>, elems: &[SliceInfoElem], whole: usize) -> Arr<T> {
                let view = a.slice_move(info(elems.to_vec()));
                if view.len() <= SMALL_PART && view.len().saturating_mul(4) <= whole {
                    view.to_owned().into_shared()
                } else {
                    view
                }
            }
            Ok(scalar_if_rank0(Value::Tensor(crate::map_tensor!(t, a => part(a, &elems, whole)))))
        }
        _ => Err(unvetted("indexing")),
    }
}

fn index_set(mut x: Value, value: Value, indices: &[Value]) -> Result<Value, OpError> {
    assign(&mut x, value, indices)?;
    Ok(x)
}

/// `index_add(x, value, indices...)`: `x` with `value` added to the part the indices pick,
/// repeated indices accumulating (the derivative of indexing).
fn index_add(mut x: Value, value: Value, indices: &[Value]) -> Result<Value, OpError> {
    match (&mut x, super::take::position(indices)) {
        (Value::Tensor(t), Some(at)) => super::take::scatter(t, &value, indices, at, super::take::Combine::Add)?,
        _ => {
            let part = index(x.clone(), indices)?;
            let sum = super::Arith::Add.eval(vec![part, value])?;
            assign(&mut x, sum, indices)?;
        }
    }
    Ok(x)
}

/// `x[indices] = value`, written into `x`'s own buffer when it is uniquely owned (copied first
/// when shared). The rule of `IndexSet` runs first, then the values are checked, so on error `x`
/// is unchanged.
pub fn index_assign(x: &mut Value, value: Value, indices: &[Value]) -> Result<(), OpError> {
    let args = [&*x, &value].into_iter().chain(indices);
    super::admit::rule_of(super::Prim::Shape(ShapeOp::IndexSet), args)?;
    assign(x, value, indices)
}

/// The kernel of `x[indices] = value`, on arguments the rule has accepted.
fn assign(x: &mut Value, value: Value, indices: &[Value]) -> Result<(), OpError> {
    let Value::Tensor(t) = x else { return Err(unvetted("indexing")) };
    if let Some(at) = super::mask::position(indices) {
        return super::mask::scatter(t, &value, indices, at);
    }
    if let Some(at) = super::take::position(indices) {
        return super::take::scatter(t, &value, indices, at, super::take::Combine::Write);
    }
    let elems = slice_elems(t.shape(), indices)?;
    fn put<T: Clone>(a: &mut Arr<T>, elems: Vec<SliceInfoElem>, v: Option<Operand<T>>) -> Result<(), OpError> {
        let mut part = a.slice_mut(info(elems));
        match v.ok_or_else(|| unvetted("indexing"))? {
            Operand::Scalar(s) => part.fill(s),
            Operand::Array(b) => {
                let shape = part.raw_dim();
                part.assign(&b.broadcast(shape).ok_or_else(|| unvetted("indexing"))?)
            }
        }
        Ok(())
    }
    if !t.is_unique() {
        // Writing to a tensor that another value shares copies it first.
        crate::memory::reserve(t.bytes(), "copying a shared tensor before writing to it")?;
    }
    match t {
        Tensor::F64(a) => put(a, elems, elem_operand::<f64>(&value)),
        Tensor::F32(a) => put(a, elems, elem_operand::<f32>(&value)),
        Tensor::I64(a) => put(a, elems, int_operand(&value)),
        Tensor::Bool(a) => put(a, elems, bool_operand(value)),
    }
}

/// `x` broadcast to `dims` as a real tensor (a scalar becomes a filled tensor).
pub fn broadcast_to(x: Value, dims: &[i64]) -> Result<Value, OpError> {
    let shape: Vec<usize> = dims.iter().map(|&d| d.max(0) as usize).collect();
    let fail =
        |x: &Value| OpError::new(Code::RuntimeShape, format!("cannot broadcast {} to {:?}", x.type_name(), shape));
    fn go<T: Clone>(a: &Arr<T>, shape: &[usize]) -> Option<Arr<T>> {
        a.broadcast(IxDyn(shape)).map(|v: ArrayView<T, IxDyn>| v.to_owned().into_shared())
    }
    if shape.is_empty() {
        return Ok(x);
    }
    Ok(match &x {
        Value::Tensor(Tensor::F64(a)) if a.shape() == shape.as_slice() => x,
        Value::Tensor(Tensor::F32(a)) if a.shape() == shape.as_slice() => x,
        Value::Tensor(Tensor::F64(a)) => Value::Tensor(Tensor::F64(go(a, &shape).ok_or_else(|| fail(&x))?)),
        Value::Tensor(Tensor::F32(a)) => Value::Tensor(Tensor::F32(go(a, &shape).ok_or_else(|| fail(&x))?)),
        Value::F32(v) => Value::Tensor(Tensor::F32(Arr::from_elem(IxDyn(&shape), *v))),
        other => match scalar_f64(other) {
            Some(v) => Value::Tensor(Tensor::F64(Arr::from_elem(IxDyn(&shape), v))),
            None => return Err(fail(&x)),
        },
    })
}

/// ndarray's `sum_axis` of `a` along axis `k`, stepped with a fixed-rank index where the rank
/// allows: the same generic code, so the same sums in the same order, at a fraction of the cost
/// per row that a dynamic-rank index has.
fn sum_axis<T: Elem>(a: ndarray::ArrayViewD<T>, k: usize) -> ndarray::ArrayD<T> {
    match a.ndim() {
        1 => a.clone().into_dimensionality::<ndarray::Ix1>().map(|a| a.sum_axis(Axis(k)).into_dyn()),
        2 => a.clone().into_dimensionality::<ndarray::Ix2>().map(|a| a.sum_axis(Axis(k)).into_dyn()),
        3 => a.clone().into_dimensionality::<ndarray::Ix3>().map(|a| a.sum_axis(Axis(k)).into_dyn()),
        _ => Ok(a.sum_axis(Axis(k))),
    }
    .unwrap_or_else(|_| a.sum_axis(Axis(k)))
}

/// `x` summed over the axes that broadcasting added or stretched, so that the result broadcasts
/// to `dims` exactly as the operand did (axes are aligned from the right; a smaller `x` stays
/// smaller, and a scalar stays a scalar).
pub fn sum_to(x: Value, dims: &[i64]) -> Result<Value, OpError> {
    let target: Vec<usize> = dims.iter().map(|&d| d.max(0) as usize).collect();
    fn go<T: Elem>(a: Arr<T>, target: &[usize]) -> Value {
        if a.shape() == target {
            return T::wrap(a);
        }
        let mut out = if a.ndim() > target.len() { sum_axis(a.view(), 0) } else { a.to_owned() };
        while out.ndim() > target.len() {
            out = sum_axis(out.view(), 0);
        }
        let offset = target.len() - out.ndim();
        for k in 0..out.ndim() {
            if target[k + offset] == 1 && out.shape()[k] != 1 {
                out = sum_axis(out.view(), k).insert_axis(Axis(k));
            }
        }
        scalar_if_rank0(T::wrap(out.into_shared()))
    }
    Ok(match x {
        Value::Tensor(Tensor::F64(a)) => go(a, &target),
        Value::Tensor(Tensor::F32(a)) => go(a, &target),
        other => other,
    })
}

impl ShapeOp {
    /// The type rule: shapes from known dims, `shape(x)` as a tuple of known ints, indexing
    /// that drops the axes it picks and slices whose extent is exact when the bounds are known.
    pub fn type_rule(self, args: &[Type], dtype: FloatDtype) -> Result<Type, TypeError> {
        let x = args.first().unwrap_or(&Type::Absent);
        let rest = args.get(1..).unwrap_or(&[]);
        let dim_int = |d: &Dim| Type::Int(if let Dim::Known(n) = d { i64::try_from(*n).ok() } else { None });
        match self {
            ShapeOp::Shape => Ok(Type::Tuple(x.dims().iter().map(dim_int).collect())),
            ShapeOp::Size => Ok(match x {
                Type::Tensor { dims, .. } => Type::Int(known_len(dims).and_then(|n| i64::try_from(n).ok())),
                _ => Type::Int(Some(1)),
            }),
            ShapeOp::Reshape => reshape_type(x, rest),
            ShapeOp::Transpose => Ok(match x {
                Type::Tensor { dtype, dims } => {
                    Type::Tensor { dtype: *dtype, dims: dims.iter().rev().copied().collect() }
                }
                other => other.clone(),
            }),
            ShapeOp::Concat | ShapeOp::Stack => {
                let axis = match x {
                    Type::Absent => Some(0),
                    Type::Int(k) => *k,
                    other => {
                        return Err(TypeError::new(Code::TypeMismatch, "`axis` must be an int").label(other.to_string()))
                    }
                };
                join_type(self == ShapeOp::Stack, axis, rest)
            }
            ShapeOp::Literal => literal_type(args),
            ShapeOp::F32 => convert_type(x, Dtype::F32),
            ShapeOp::F64 => convert_type(x, Dtype::F64),
            ShapeOp::I64 => convert_type(x, Dtype::I64),
            ShapeOp::Float => convert_type(x, Dtype::from(dtype)),
            ShapeOp::Int => match x {
                Type::Int(_) => Ok(x.clone()),
                Type::Bool(b) => Ok(Type::Int(b.map(i64::from))),
                Type::Float(_) | Type::Str => Ok(Type::Int(None)),
                other => Err(TypeError::takes("`int`", 0, other).help("convert a tensor to ints with i64(...)")),
            },
            ShapeOp::Str | ShapeOp::Repr => Ok(Type::Str),
            ShapeOp::Format => match rest.first() {
                None | Some(Type::Absent | Type::Str) => Ok(Type::Str),
                Some(other) => Err(TypeError::new(Code::TypeMismatch, format!("a format spec is a str, not {other}"))
                    .at(1, other.to_string())
                    .help("e.g. format(x, \".3f\")")),
            },
            ShapeOp::Len => match x {
                Type::Str | Type::Seq(_) => Ok(Type::Int(None)),
                Type::Tuple(items) => Ok(Type::Int(i64::try_from(items.len()).ok())),
                Type::Tensor { dims, .. } => Ok(dim_int(&dims[0])),
                other => Err(TypeError::takes("`len`", 0, other)),
            },
            ShapeOp::Index => index_type(x, rest),
            ShapeOp::IndexSet | ShapeOp::IndexAdd => {
                let value = rest.first().unwrap_or(&Type::Absent);
                let indices = rest.get(1..).unwrap_or(&[]);
                let part = index_type(x, indices)
                    .map_err(|e| TypeError { arg: e.arg.map(|a| if a == 0 { 0 } else { a + 1 }), ..e })?;
                assign_part(x, &part, value)?;
                Ok(x.clone())
            }
            ShapeOp::BroadcastTo | ShapeOp::SumTo => {
                let dims = dims_type(rest, 1)?;
                Ok(match x {
                    Type::Tensor { dtype, .. } if dims.is_empty() && self == ShapeOp::SumTo => Type::scalar(*dtype),
                    _ if dims.is_empty() => x.clone(),
                    Type::Tensor { dims: from, .. } if *from == dims => x.clone(),
                    Type::Tensor { dtype, .. } if self == ShapeOp::BroadcastTo => Type::Tensor { dtype: *dtype, dims },
                    Type::Float(FloatDtype::F32) if self == ShapeOp::BroadcastTo => {
                        Type::Tensor { dtype: Dtype::F32, dims }
                    }
                    Type::Int(_) | Type::Float(_) if self == ShapeOp::BroadcastTo => {
                        Type::Tensor { dtype: Dtype::F64, dims }
                    }
                    Type::Tensor { .. } => Type::Any,
                    other if self == ShapeOp::SumTo => other.clone(),
                    other => return Err(TypeError::takes("`broadcast_to`", 0, other)),
                })
            }
        }
    }
}
