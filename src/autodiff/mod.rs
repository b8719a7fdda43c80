//! Reverse-mode differentiation by tracing. While `grad` runs a function, the arguments it
//! differentiates with respect to are [`Tracer`]s on a fresh [`Tape`]; every primitive applied
//! to a tracer goes through [`apply`], which computes the value and records a node. The reverse
//! sweep walks the tape once, backwards, calling each primitive's rule in [`rules`]; the rules
//! are written with [`apply`] too, so the sweep of an inner `grad` is itself recorded on the
//! outer tape, and `grad(grad(f))` and `hessian` need no second engine (JAX's nesting, PyTorch's
//! `create_graph`). Gradients accumulate in a side table indexed by node, not on the nodes.

pub mod rules;

use crate::diag::Code;
use crate::prims::{Arith, Ctx, OpError, Prim, ShapeOp};
use crate::value::{Tensor, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A value being differentiated: its primal value and the node that made it.
#[derive(Debug)]
pub struct Tracer {
    pub tape: Rc<Tape>,
    pub node: usize,
    pub primal: Value,
}

/// The record of one `grad` call's forward pass. Nested `grad`s have nested levels; an
/// operation records on the highest active level among its operands.
#[derive(Debug)]
pub struct Tape {
    pub level: u32,
    nodes: RefCell<Vec<Node>>,
    active: Cell<bool>,
}

/// One recorded operation: the primitive, its operands (as primals at this tape's level), the
/// tape nodes they came from, and its result.
#[derive(Debug)]
struct Node {
    prim: Option<Prim>,
    inputs: Vec<Value>,
    parents: Vec<Option<usize>>,
    output: Value,
}

impl Tape {
    /// A new, active tape at `level`.
    pub fn new(level: u32) -> Rc<Tape> {
        Rc::new(Tape { level, nodes: RefCell::new(Vec::new()), active: Cell::new(true) })
    }

    /// Makes `value` an input of the differentiated function: a leaf of this tape.
    pub fn leaf(self: &Rc<Tape>, value: Value) -> Value {
        let node = self.push(Node { prim: None, inputs: Vec::new(), parents: Vec::new(), output: value.clone() });
        Value::Tracer(Rc::new(Tracer { tape: self.clone(), node, primal: value }))
    }

    fn push(&self, node: Node) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        nodes.len() - 1
    }
}

/// The active tape of highest level among `args`, if any operand is being differentiated.
fn top_tape(args: &[Value]) -> Option<Rc<Tape>> {
    let mut top: Option<&Rc<Tape>> = None;
    for a in args {
        if let Value::Tracer(t) = a {
            if t.tape.active.get() && top.is_none_or(|best| t.tape.level > best.level) {
                top = Some(&t.tape);
            }
        }
    }
    top.cloned()
}

/// Whether values of this kind carry derivatives (float scalars and float tensors).
fn is_float(v: &Value) -> bool {
    matches!(v.primal(), Value::F64(_) | Value::F32(_) | Value::Tensor(Tensor::F64(_) | Tensor::F32(_)))
}

/// Applies an array primitive to values that may be tracers: computes the result on the primals
/// and, when an operand is being differentiated, records the operation on its tape.
pub fn apply(prim: Prim, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
    let Some(tape) = top_tape(&args) else {
        return prim.eval(args.into_iter().map(strip_inactive).collect(), ctx);
    };
    let mut parents = Vec::with_capacity(args.len());
    let mut inputs = Vec::with_capacity(args.len());
    for arg in args {
        match arg {
            Value::Tracer(t) if Rc::ptr_eq(&t.tape, &tape) => {
                parents.push(Some(t.node));
                inputs.push(t.primal.clone());
            }
            other => {
                parents.push(None);
                inputs.push(other);
            }
        }
    }
    let output = apply(prim, inputs.clone(), ctx)?;
    if !is_float(&output) {
        return Ok(output);
    }
    let node = tape.push(Node { prim: Some(prim), inputs, parents, output: output.clone() });
    Ok(Value::Tracer(Rc::new(Tracer { tape, node, primal: output })))
}

/// A tracer whose `grad` has finished is just its value.
fn strip_inactive(v: Value) -> Value {
    match v {
        Value::Tracer(t) if !t.tape.active.get() => strip_inactive(t.primal.clone()),
        other => other,
    }
}

/// Ends recording on `tape` and sweeps back from `output`, returning the gradient for each of
/// `leaves` (each shaped and typed like its leaf). An output that does not depend on the tape
/// gives zero gradients.
pub fn backward(tape: &Rc<Tape>, output: &Value, leaves: &[Value], ctx: &mut Ctx) -> Result<Vec<Value>, OpError> {
    tape.active.set(false);
    let nodes = tape.nodes.borrow();
    let mut cotangents: Vec<Option<Value>> = vec![None; nodes.len()];
    let seed = match output {
        Value::Tracer(t) if Rc::ptr_eq(&t.tape, tape) => Some(t.node),
        _ => None,
    };
    if let Some(root) = seed {
        cotangents[root] = Some(one_like(&nodes[root].output));
        for index in (0..=root).rev() {
            let node = &nodes[index];
            let Some(prim) = node.prim else { continue };
            let Some(g) = cotangents[index].take() else { continue };
            for (k, parent) in node.parents.iter().enumerate() {
                let Some(p) = *parent else { continue };
                let contribution = rules::vjp(prim, k, &node.inputs, &node.output, g.clone(), ctx)?;
                cotangents[p] = Some(match cotangents[p].take() {
                    None => contribution,
                    Some(sum) => apply(Prim::Arith(Arith::Add), vec![sum, contribution], ctx)?,
                });
            }
        }
    }
    leaves
        .iter()
        .map(|leaf| {
            let (node, primal) = match leaf {
                Value::Tracer(t) => (t.node, &t.primal),
                other => {
                    return Err(OpError::new(
                        Code::RuntimeGrad,
                        format!("cannot differentiate with respect to {}", other.type_name()),
                    ))
                }
            };
            let g = cotangents[node].take().unwrap_or(Value::F64(0.0));
            shape_like(g, primal, ctx)
        })
        .collect()
}

/// The seed cotangent 1 in the output's dtype.
fn one_like(v: &Value) -> Value {
    match v.primal() {
        Value::F32(_) | Value::Tensor(Tensor::F32(_)) => Value::F32(1.0),
        _ => Value::F64(1.0),
    }
}

/// A gradient made to have exactly its argument's shape and dtype.
fn shape_like(g: Value, like: &Value, ctx: &mut Ctx) -> Result<Value, OpError> {
    let dims: Vec<Value> = match like.primal() {
        Value::Tensor(t) => t.shape().iter().map(|&d| Value::Int(d as i64)).collect(),
        _ => Vec::new(),
    };
    let summed = apply(Prim::Shape(ShapeOp::SumTo), [vec![g], dims.clone()].concat(), ctx)?;
    let full = apply(Prim::Shape(ShapeOp::BroadcastTo), [vec![summed], dims].concat(), ctx)?;
    let convert = match like.primal() {
        Value::F32(_) | Value::Tensor(Tensor::F32(_)) => ShapeOp::F32,
        _ => ShapeOp::F64,
    };
    apply(Prim::Shape(convert), vec![full], ctx)
}

/// Whether a value can be differentiated with respect to (a float scalar or float tensor).
pub fn differentiable(v: &Value) -> bool {
    is_float(v)
}
