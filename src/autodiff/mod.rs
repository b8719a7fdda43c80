//! Reverse-mode differentiation by tracing. While `grad` runs a function, the arguments it
//! differentiates with respect to are [`Tracer`]s on a fresh [`Tape`]; every primitive applied
//! to a tracer goes through [`apply`], which computes the value and records a node. The reverse
//! sweep walks the tape once, backwards, calling each node's derivative rule once ([`vjp`]; the
//! rules sit beside their primitives, in `src/prims/<family>/vjp.rs`); the rules are written
//! with [`apply`] too (`ops::Ops`), so the sweep of an inner `grad` is itself recorded on the
//! outer tape, and `grad(grad(f))` and `hessian` need no second engine (JAX's nesting, PyTorch's
//! `create_graph`). Gradients accumulate in a side table indexed by node, not on the nodes.
//! `docs/autodiff.md` describes the design and the choices at kinks.

pub(crate) mod ops;

use crate::diag::{Code, Diag};
use crate::dtype::FloatDtype;
use crate::prims::{Arith, Ctx, OpError, Prim, ShapeOp};
use crate::span::Span;
use crate::value::{Tensor, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// A value being differentiated: its primal value and the node that made it.
#[derive(Debug)]
pub struct Tracer {
    /// The tape the value is recorded on.
    pub tape: Rc<Tape>,
    /// The node on that tape that produced the value.
    pub node: usize,
    /// The value itself (a tracer of a lower level when `grad`s are nested).
    pub primal: Value,
}

/// The record of one `grad` call's forward pass. Nested `grad`s have nested levels; an
/// operation records on the highest active level among its operands.
#[derive(Debug)]
pub struct Tape {
    /// How many `grad` calls enclose this one (1 for the outermost).
    pub level: u32,
    nodes: RefCell<Vec<Node>>,
    active: Cell<bool>,
    /// The bytes the recorded nodes hold (their results and bookkeeping)...
    recorded: Cell<usize>,
    /// ...kept within this share of the memory left when the tape began, so that an endless
    /// loop under `grad` ends in a diagnostic.
    limit: usize,
    /// Whether this tape records a call for the compiler (`crate::compile`) rather than for a
    /// `grad`: it then records every operation on its values, not only those that carry
    /// gradients.
    compiles: bool,
    /// Set when a compiling tape saw an operation whose result it cannot replay (an int or
    /// bool computed from the values it records, which the interpreter may branch on).
    spoiled: Cell<bool>,
}

/// One recorded operation: the primitive (none for a leaf), its operands (as primals at this
/// tape's level), the tape nodes they came from, its result, and the span of the operation in
/// the script (so that a derivative error can point at it).
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) prim: Option<Prim>,
    pub(crate) inputs: Vec<Value>,
    pub(crate) parents: Vec<Option<usize>>,
    pub(crate) output: Value,
    site: Span,
    /// The default float dtype where the operation ran (what `Ctx::dtype` was).
    pub(crate) dtype: FloatDtype,
}

impl Tape {
    /// A new, active tape at `level`.
    pub fn new(level: u32) -> Rc<Tape> {
        Tape::with_purpose(level, false)
    }

    /// A new, active tape at `level` that records a call for the compiler: every operation on
    /// its values, whatever the result's type.
    pub fn compiling(level: u32) -> Rc<Tape> {
        Tape::with_purpose(level, true)
    }

    fn with_purpose(level: u32, compiles: bool) -> Rc<Tape> {
        let limit = crate::memory::budget() / 4;
        let (nodes, active, recorded, spoiled) =
            (RefCell::new(Vec::new()), Cell::new(true), Cell::new(0), Cell::new(false));
        Rc::new(Tape { level, nodes, active, recorded, limit, compiles, spoiled })
    }

    /// Makes `value` an input of the differentiated function: a leaf of this tape.
    pub fn leaf(self: &Rc<Tape>, value: Value) -> Value {
        let (site, dtype) = (Span::default(), FloatDtype::F64);
        let leaf = Node { prim: None, inputs: Vec::new(), parents: Vec::new(), output: value, site, dtype };
        self.tracer(leaf)
    }

    /// Whether a compiling tape saw an operation it cannot replay.
    pub fn spoiled(&self) -> bool {
        self.spoiled.get()
    }

    /// Marks a compiling tape as holding something it cannot replay (the interpreter read a
    /// recorded value to decide what to do next).
    pub fn spoil(&self) {
        self.spoiled.set(true);
    }

    /// The recorded operations, in the order they ran (for the compiler).
    pub(crate) fn nodes(&self) -> std::cell::Ref<'_, Vec<Node>> {
        self.nodes.borrow()
    }

    /// Stops recording: from now on the tape's tracers are plain values. [`backward`] closes
    /// the tape; a `grad` whose function fails closes it too, so that no tracer it leaked
    /// (into a global, say) keeps recording.
    pub fn close(&self) {
        self.active.set(false);
    }

    /// Accounts for recording `output`: a tape that would hold more than a quarter of what this
    /// process could still use when it began is an allocation error (its list of nodes grows by doubling, and the
    /// sweep back needs as much again), and so is a list of nodes that cannot grow.
    fn charge(&self, output: &Value, operands: usize, prim: Prim) -> Result<(), OpError> {
        // The node, its tracer, its lists of operands and what the allocator adds to each.
        let bookkeeping = std::mem::size_of::<Node>()
            + std::mem::size_of::<Tracer>()
            + operands * (std::mem::size_of::<Value>() + std::mem::size_of::<Option<usize>>())
            + 3 * 16;
        let bytes = bookkeeping + output.bytes();
        let total = self.recorded.get().saturating_add(bytes);
        let limit = self.limit;
        if total > limit || self.nodes.borrow_mut().try_reserve(1).is_err() {
            return Err(OpError::new(
                crate::diag::Code::RuntimeAlloc,
                format!(
                    "`grad` has recorded {} of intermediate values, more than the {} it may keep",
                    crate::memory::size_text(total),
                    crate::memory::size_text(limit)
                ),
            )
            .label(format!("recording this `{}` went past the limit", prim.info().name))
            .help("does a loop inside the differentiated function end?"));
        }
        self.recorded.set(total);
        Ok(())
    }

    /// Records `node` and returns its result as a tracer.
    fn tracer(self: &Rc<Tape>, node: Node) -> Value {
        let primal = node.output.clone();
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        Value::Tracer(Rc::new(Tracer { tape: self.clone(), node: nodes.len() - 1, primal }))
    }

    /// Records `node`, whose result is a tuple (`eigh`, `svd`, `qr`): the tuple itself is not a
    /// tracer, but each float item is, as the result of indexing the recorded tuple. The sweep
    /// gathers the tuple's cotangent item by item from those items' nodes ([`projection`]).
    fn tuple(self: &Rc<Tape>, node: Node) -> Value {
        let (site, whole) = (node.site, node.output.clone());
        let Value::Tracer(t) = self.tracer(node) else { return whole };
        let Value::Tuple(items) = &whole else { return whole };
        let traced = items.iter().enumerate().map(|(i, item)| {
            if !self.records(item, Prim::Shape(ShapeOp::Index)) {
                return item.clone();
            }
            let project = Node {
                prim: Some(Prim::Shape(ShapeOp::Index)),
                inputs: vec![whole.clone(), Value::Int(i as i64)],
                parents: vec![Some(t.node), None],
                output: item.clone(),
                site,
                dtype: FloatDtype::F64,
            };
            self.tracer(project)
        });
        Value::Tuple(traced.collect())
    }
}

impl Tape {
    /// Whether an operation `prim` with result `output` is recorded: a `grad`'s tape records
    /// results that carry gradients; a compiling tape records every float or tensor result, and
    /// lets an int, bool or str result go unrecorded only when it depends on its operands'
    /// types alone (`shape`, `len`), since the interpreter may branch on it: any other such
    /// result spoils the compilation.
    fn records(&self, output: &Value, prim: Prim) -> bool {
        if !self.compiles {
            return carries_gradient(output);
        }
        let replayable = holds_array_or_float(output);
        if !replayable && !reads_only_types(prim) {
            self.spoil();
        }
        replayable
    }
}

/// Whether a primitive's result depends on its operands' types alone (their shapes), so that a
/// compiled program may keep the result it had when traced: its operands' types are guarded.
fn reads_only_types(prim: Prim) -> bool {
    matches!(prim, Prim::Shape(ShapeOp::Shape | ShapeOp::Size | ShapeOp::Len))
}

/// Notes that a derivative rule computes from `v`'s value in Rust rather than through [`apply`]
/// (a median's bracketing elements, a sort's permutation): what it computes is not recorded, so
/// a compiling tape that records `v` is spoiled (its function stays interpreted).
pub fn reads_value(v: &Value) {
    let mut v = v;
    while let Value::Tracer(t) = v {
        if t.tape.compiles && t.tape.active.get() {
            t.tape.spoil();
        }
        v = &t.primal;
    }
}

/// Whether a value is or holds a float scalar or a tensor (of any dtype).
fn holds_array_or_float(v: &Value) -> bool {
    match v.primal() {
        Value::F64(_) | Value::F32(_) | Value::Tensor(_) => true,
        Value::Tuple(items) => items.iter().any(holds_array_or_float),
        _ => false,
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

/// Whether a result carries derivatives: a float scalar or tensor, or a tuple holding one.
/// Everything else (ints, bools, strings) is a constant to `grad`, as integer and boolean
/// results are in JAX: comparisons, `argmax`, `int(x)` and `shape(x)` cut no error, they
/// contribute nothing.
fn carries_gradient(v: &Value) -> bool {
    match v.primal() {
        Value::Tuple(items) => items.iter().any(carries_gradient),
        v => differentiable(v),
    }
}

/// Applies an array primitive to values that may be tracers: computes the result on the primals
/// and, when an operand is being differentiated, records the operation on its tape.
pub fn apply(prim: Prim, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
    if let Prim::Arith(op) = prim {
        if op.is_arithmetic() && args.iter().any(|a| matches!(a, Value::Tuple(t) if !t.is_empty())) {
            return apply_to_trees(op, args, ctx);
        }
    }
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
    if !tape.records(&output, prim) {
        return Ok(output);
    }
    tape.charge(&output, inputs.len(), prim)?;
    let node = Node { prim: Some(prim), inputs, parents, output, site: ctx.site, dtype: ctx.dtype };
    Ok(if matches!(node.output, Value::Tuple(_)) { tape.tuple(node) } else { tape.tracer(node) })
}

/// `a op b` where an operand is a parameter tree ([`crate::prims::tree`]): item by item, each item's
/// operation applied (and recorded) on its own. Operands the rule rejects get its error.
fn apply_to_trees(op: Arith, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
    let prim = Prim::Arith(op);
    let is_tree = |v: &Value| matches!(v, Value::Tuple(t) if !t.is_empty());
    let scalar = |v: &Value| matches!(v.primal(), Value::Int(_) | Value::F64(_) | Value::F32(_));
    let items: Vec<(Value, Value)> = match (&args[0], &args[1]) {
        (Value::Tuple(x), Value::Tuple(y)) if x.len() == y.len() => x.iter().cloned().zip(y.iter().cloned()).collect(),
        (Value::Tuple(x), s) if is_tree(&args[0]) && scalar(s) => x.iter().map(|p| (p.clone(), s.clone())).collect(),
        (s, Value::Tuple(y)) if is_tree(&args[1]) && scalar(s) => y.iter().map(|q| (s.clone(), q.clone())).collect(),
        _ => {
            return Err(match crate::prims::admit::rule(prim, &args, ctx.dtype) {
                Err(e) => e,
                Ok(_) => OpError::new(Code::TypeMismatch, format!("`{}` cannot combine these tuples", op.info().name)),
            })
        }
    };
    let results: Result<Vec<Value>, OpError> = items.into_iter().map(|(p, q)| apply(prim, vec![p, q], ctx)).collect();
    Ok(Value::Tuple(results?.into()))
}

/// A tracer whose `grad` has finished is just its value.
fn strip_inactive(v: Value) -> Value {
    match v {
        Value::Tracer(t) if !t.tape.active.get() => strip_inactive(t.primal.clone()),
        other => other,
    }
}

/// What a derivative rule returns: one cotangent per operand, in order, `None` where it is not
/// wanted or gets no contribution (operands past the end get none). A cotangent may be smaller
/// than its operand as long as it broadcasts to it (the gradient of `sum` is the scalar `g`).
pub type Cotangents = Vec<Option<Value>>;

/// The cotangent of a recorded result, as its derivative rule receives it.
#[derive(Debug)]
pub enum Cotangent {
    /// Of a float scalar or tensor: a value that broadcasts to it.
    Value(Value),
    /// Of a tuple result (`eigh`, `svd`, `qr`), item by item: `None` for an item nothing used,
    /// whose terms the rule leaves out (so the eigenvalues' gradient needs no distinct ones).
    Items(Vec<Option<Value>>),
}

/// The derivative rule of `prim` (a vector-Jacobian product): given its operands `inputs`, its
/// result `output` and the result's `cotangent`, the cotangents of the operands `wanted` (those
/// being differentiated), each computed once with the work they share. The rules sit beside
/// their primitives (`src/prims/<family>/vjp.rs`) and compute with [`apply`], so that they can be
/// differentiated again; an error of a primitive a rule uses is said about `prim`.
pub fn vjp(
    prim: Prim,
    inputs: &[Value],
    output: &Value,
    cotangent: Cotangent,
    wanted: &[bool],
    ctx: &mut Ctx,
) -> Result<Cotangents, OpError> {
    let o = &ops::Ops::new(ctx, prim, wanted);
    match (prim, cotangent) {
        (Prim::Arith(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Unary(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Reduce(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Stats(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Shape(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Construct(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Linalg(op), Cotangent::Value(g)) => op.vjp(o, inputs, output, g),
        (Prim::Linalg(op), Cotangent::Items(gs)) => op.vjp_items(o, output, &gs),
        // Only linear algebra has tuple results.
        (Prim::Arith(_) | Prim::Unary(_) | Prim::Reduce(_) | Prim::Stats(_), Cotangent::Items(_))
        | (Prim::Shape(_) | Prim::Construct(_), Cotangent::Items(_)) => {
            Err(OpError::new(Code::RuntimeGrad, format!("`{}` is not differentiable", prim.info().name))
                .label("differentiation cannot go through this operation"))
        }
    }
}

/// Ends recording on `tape` and sweeps back from `output`, returning the gradient for each of
/// `leaves` (each shaped and typed like its leaf). An output that does not depend on the tape
/// gives zero gradients. A rule's error points at the operation it belongs to, and at `call`,
/// the `grad` being computed.
pub fn backward(
    tape: &Rc<Tape>,
    output: &Value,
    leaves: &[Value],
    call: Span,
    ctx: &mut Ctx,
) -> Result<Vec<Value>, Diag> {
    tape.close();
    let nodes = tape.nodes.borrow();
    let at = |e: OpError, site: Span| {
        let site = if site.is_empty() { call } else { site };
        let label = if e.label.is_empty() { "differentiating this operation".to_string() } else { e.label };
        let mut d = Diag::new(e.code, e.message, site, label);
        if site != call {
            d = d.with_label(call, "while computing this gradient");
        }
        d.help = e.help;
        d
    };
    // The cotangent of each node's result, and of each recorded tuple's items (`Tape::tuple`).
    let mut cotangents: Vec<Option<Value>> = vec![None; nodes.len()];
    let mut items: HashMap<usize, Vec<Option<Value>>> = HashMap::new();
    if let Value::Tracer(t) = output {
        if Rc::ptr_eq(&t.tape, tape) {
            let root = t.node;
            cotangents[root] = Some(if is_f32(&nodes[root].output) { Value::F32(1.0) } else { Value::F64(1.0) });
            for index in (0..=root).rev() {
                let node = &nodes[index];
                let Some(prim) = node.prim else { continue };
                let fail = |e| at(e, node.site);
                if let Some((tuple, item, count)) = projection(node) {
                    if let Some(g) = cotangents[index].take() {
                        items.entry(tuple).or_insert_with(|| vec![None; count])[item] = Some(g);
                    }
                    continue;
                }
                let g = match (cotangents[index].take(), items.remove(&index)) {
                    (Some(g), _) => Cotangent::Value(g),
                    (None, Some(gs)) => Cotangent::Items(gs),
                    (None, None) => continue,
                };
                ctx.site = node.site;
                let wanted: Vec<bool> = node.parents.iter().map(Option::is_some).collect();
                let contributions = vjp(prim, &node.inputs, &node.output, g, &wanted, ctx).map_err(fail)?;
                for (parent, contribution) in node.parents.iter().zip(contributions) {
                    let (Some(p), Some(c)) = (*parent, contribution) else { continue };
                    cotangents[p] = Some(match cotangents[p].take() {
                        None => c,
                        Some(sum) => apply(Prim::Arith(Arith::Add), vec![sum, c], ctx).map_err(fail)?,
                    });
                }
            }
        }
    }
    leaves
        .iter()
        .map(|leaf| {
            let Value::Tracer(t) = leaf else {
                let message = format!("cannot differentiate with respect to {}", leaf.type_name());
                return Err(Diag::new(Code::RuntimeGrad, message, call, leaf.type_name()));
            };
            let g = cotangents[t.node].take().unwrap_or(Value::F64(0.0));
            shape_like(g, &t.primal, ctx).map_err(|e| at(e, call))
        })
        .collect()
}

/// For an item of a recorded tuple (a node [`Tape::tuple`] made): the tuple's node, the item's
/// position and the number of items.
fn projection(node: &Node) -> Option<(usize, usize, usize)> {
    match (node.prim, node.inputs.as_slice(), node.parents.first()) {
        (Some(Prim::Shape(ShapeOp::Index)), [Value::Tuple(all), Value::Int(i)], Some(&Some(tuple))) => {
            Some((tuple, *i as usize, all.len()))
        }
        _ => None,
    }
}

/// Whether `v` is an `f32` scalar or tensor (else its cotangent is an `f64`).
pub(crate) fn is_f32(v: &Value) -> bool {
    matches!(v.primal(), Value::F32(_) | Value::Tensor(Tensor::F32(_)))
}

/// A gradient made to have exactly its argument's shape and dtype. Each step returns its input
/// unchanged, without a copy, when it already has the right shape or dtype.
fn shape_like(g: Value, like: &Value, ctx: &mut Ctx) -> Result<Value, OpError> {
    let dims: Vec<Value> = match like.primal() {
        Value::Tensor(t) => t.shape().iter().map(|&d| Value::Int(d as i64)).collect(),
        _ => Vec::new(),
    };
    let summed = apply(Prim::Shape(ShapeOp::SumTo), [vec![g], dims.clone()].concat(), ctx)?;
    let full = apply(Prim::Shape(ShapeOp::BroadcastTo), [vec![summed], dims].concat(), ctx)?;
    let convert = if is_f32(like) { ShapeOp::F32 } else { ShapeOp::F64 };
    apply(Prim::Shape(convert), vec![full], ctx)
}

/// Makes each float of `value` (a float scalar or tensor, or a parameter tree of them) a leaf
/// of `tape`, in order, pushing the leaves on `leaves`; returns the value rebuilt from its
/// leaves, or `None` when a part of it cannot be differentiated.
pub fn trace_leaves(tape: &Rc<Tape>, value: &Value, leaves: &mut Vec<Value>) -> Option<Value> {
    match value {
        Value::Tuple(items) if !items.is_empty() => {
            let traced: Option<Vec<Value>> = items.iter().map(|item| trace_leaves(tape, item, leaves)).collect();
            traced.map(|items| Value::Tuple(items.into()))
        }
        v if differentiable(v) => {
            let leaf = tape.leaf(v.clone());
            leaves.push(leaf.clone());
            Some(leaf)
        }
        _ => None,
    }
}

/// Gradients, one per leaf in the order [`trace_leaves`] made them, in the structure of `like`.
pub fn regroup(like: &Value, grads: &mut impl Iterator<Item = Value>) -> Value {
    match like {
        Value::Tuple(items) if !items.is_empty() => {
            Value::Tuple(items.iter().map(|item| regroup(item, grads)).collect())
        }
        _ => grads.next().unwrap_or(Value::F64(0.0)),
    }
}

/// Whether a value can be differentiated with respect to (a float scalar or float tensor).
pub fn differentiable(v: &Value) -> bool {
    matches!(v.primal(), Value::F64(_) | Value::F32(_) | Value::Tensor(Tensor::F64(_) | Tensor::F32(_)))
}
