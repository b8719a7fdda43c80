//! What a compiled program assumes about the values it is given: a [`Sig`] per argument and per
//! variable it reads from outside the call. Floats and tensors are the program's inputs, read
//! afresh at every call, so their dtype and shape are all that must match; ints, bools, strs
//! and functions were part of the trace (a shape, an axis, the function called), so they must
//! be the very same values.

use crate::autodiff::Tape;
use crate::dtype::Dtype;
use crate::value::{Func, Value};
use std::rc::Rc;

/// The assumption about one value.
#[derive(Debug)]
pub enum Sig {
    /// A tensor of this dtype and shape: an input.
    Tensor(Dtype, Box<[usize]>),
    /// An `f64` scalar: an input.
    F64,
    /// An `f32` scalar: an input.
    F32,
    /// An int, bool or str that must equal this one.
    Same(Value),
    /// The very same function (pinned, so that its address cannot be reused by another).
    Func(Rc<Func>),
    /// A tuple, item by item.
    Tuple(Box<[Sig]>),
}

impl Sig {
    /// Makes `value` an input of the call recorded on `tape`: each float or tensor in it becomes a
    /// leaf (pushed on `leaves` in order), everything else is kept as it is. Returns the value the
    /// traced call sees and its signature, or `None` for a value a program cannot take (a tracer
    /// of an outer `grad`).
    pub fn trace(value: &Value, tape: &Rc<Tape>, leaves: &mut Vec<Value>) -> Option<(Value, Sig)> {
        let input = |sig: Sig, leaves: &mut Vec<Value>| {
            let leaf = tape.leaf(value.clone());
            leaves.push(leaf.clone());
            Some((leaf, sig))
        };
        match value {
            Value::Tensor(t) => input(Sig::Tensor(t.dtype(), t.shape().into()), leaves),
            Value::F64(_) => input(Sig::F64, leaves),
            Value::F32(_) => input(Sig::F32, leaves),
            Value::Int(_) | Value::Bool(_) | Value::Str(_) => Some((value.clone(), Sig::Same(value.clone()))),
            Value::Func(f) => Some((value.clone(), Sig::Func(f.clone()))),
            Value::Tuple(items) => {
                let mut traced = Vec::with_capacity(items.len());
                let mut sigs = Vec::with_capacity(items.len());
                for item in items.iter() {
                    let (v, s) = Sig::trace(item, tape, leaves)?;
                    traced.push(v);
                    sigs.push(s);
                }
                Some((Value::Tuple(traced.into()), Sig::Tuple(sigs.into())))
            }
            Value::Tracer(_) | Value::Absent => None,
        }
    }

    /// Whether `value` meets this assumption; if it does, its inputs are pushed on `inputs`, in
    /// the order [`Sig::trace`] made them.
    pub fn collect(&self, value: &Value, inputs: &mut Vec<Value>) -> bool {
        let fits = match (self, value) {
            (Sig::Tensor(dtype, shape), Value::Tensor(t)) => t.dtype() == *dtype && t.shape() == &shape[..],
            (Sig::F64, Value::F64(_)) | (Sig::F32, Value::F32(_)) => true,
            (Sig::Same(Value::Int(a)), Value::Int(b)) => return a == b,
            (Sig::Same(Value::Bool(a)), Value::Bool(b)) => return a == b,
            (Sig::Same(Value::Str(a)), Value::Str(b)) => return a == b,
            (Sig::Func(f), Value::Func(g)) => return Rc::ptr_eq(f, g),
            (Sig::Tuple(sigs), Value::Tuple(items)) => {
                return sigs.len() == items.len() && sigs.iter().zip(items.iter()).all(|(s, v)| s.collect(v, inputs))
            }
            _ => false,
        };
        if fits {
            inputs.push(value.clone());
        }
        fits
    }
}
