//! A compiled program: the operations a traced call recorded, in the order they ran, with
//! registers in place of the values that flowed between them. Replaying it runs the same
//! primitives on the same kernels in the same order, so its results are bit-identical to the
//! interpreter's; what it leaves out is the interpreter's work around them (walking the IR,
//! frames, the tape, the derivative rules' own bookkeeping).
//!
//! Building it: only the operations the result depends on are kept; a conversion or a
//! `sum_to`/`broadcast_to` that the trace showed to give back its operand unchanged (`grad`
//! shaping a gradient that already has its argument's shape) becomes an alias; an operand used
//! for the last time is moved into the kernel, so a kernel may write into its buffer.

use super::fuse::{Elementwise, Fused, Source, Step};
use crate::autodiff::{Node, Tape};
use crate::dtype::{Dtype, FloatDtype};
use crate::prims::admit::SMALL_RESULT;
use crate::prims::broadcast::broadcast_shape;
use crate::prims::{Ctx, Prim, ShapeOp};
use crate::value::{Tensor, Value};
use ndarray::IxDyn;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// Where an operand comes from.
#[derive(Debug)]
enum Operand {
    /// A register, still needed after this operation.
    Copy(u32),
    /// A register used for the last time: its value is moved into the kernel.
    Move(u32),
    /// A value fixed when the call was traced (a literal, or computed from fixed values only).
    Fixed(Value),
}

/// What an operation's result must be for the rest of the program to hold: the result the
/// trace saw, by type. A result of another shape (a shape that depends on values, such as a
/// mask's) stops the replay.
#[derive(Debug, PartialEq)]
enum Expect {
    /// A tensor of this dtype and shape.
    Tensor(Dtype, Box<[usize]>),
    /// An `f64` scalar.
    F64,
    /// An `f32` scalar.
    F32,
    /// Anything else (a tuple of results, which the projections after it check).
    Other,
}

impl Expect {
    fn of(v: &Value) -> Expect {
        match v {
            Value::Tensor(t) => Expect::Tensor(t.dtype(), t.shape().into()),
            Value::F64(_) => Expect::F64,
            Value::F32(_) => Expect::F32,
            _ => Expect::Other,
        }
    }

    fn holds(&self, v: &Value) -> bool {
        match (self, v) {
            (Expect::Tensor(dtype, shape), Value::Tensor(t)) => t.dtype() == *dtype && t.shape() == &shape[..],
            (Expect::F64, Value::F64(_)) | (Expect::F32, Value::F32(_)) | (Expect::Other, _) => true,
            _ => false,
        }
    }
}

/// One step of a program: its operands, and what it runs on them.
#[derive(Debug)]
struct Op {
    run: Run,
    operands: Box<[Operand]>,
}

/// What a step runs.
#[derive(Debug)]
enum Run {
    /// A primitive, under the default float dtype it ran with, giving one register. Its rule
    /// passed when traced, on the types a replay guarantees, so a small operation runs its
    /// kernel alone; a `large` one (its operands and result hold a quarter of
    /// [`SMALL_RESULT`] eight-byte words or more) goes through [`Prim::eval`] again, which reserves its
    /// memory before the kernel allocates.
    Prim { prim: Prim, dtype: FloatDtype, result: u32, expect: Expect, large: bool },
    /// Element-wise primitives fused into one loop, giving a register per result.
    Fused { fused: Fused, results: Box<[u32]> },
}

/// The program's result: a register, a fixed value, or a tuple of them.
#[derive(Debug)]
enum Output {
    Register(u32),
    Fixed(Value),
    Tuple(Box<[Output]>),
}

/// A traced call as a straight-line program over registers.
#[derive(Debug)]
pub struct Program {
    /// The register each input goes to, in input order.
    inputs: Box<[u32]>,
    ops: Box<[Op]>,
    output: Output,
    registers: usize,
}

/// Why a program could not be built from a trace.
pub struct Unreplayable;

impl Program {
    /// The program of the call recorded on `tape`, whose inputs are `leaves` (tracers of `tape`,
    /// in input order) and whose result was `result`.
    pub fn build(tape: &Rc<Tape>, leaves: &[Value], result: &Value) -> Result<Program, Unreplayable> {
        let nodes = tape.nodes();
        let node_of = |v: &Value| match v {
            Value::Tracer(t) if Rc::ptr_eq(&t.tape, tape) => Some(t.node),
            _ => None,
        };
        let inputs: Vec<usize> = leaves.iter().map(|l| node_of(l).ok_or(Unreplayable)).collect::<Result<_, _>>()?;
        let output = Output::of(result, &node_of)?;

        // Which nodes only hand their operand on, and which repeat an earlier operation: each
        // gets the register of the node it stands for.
        let mut register: Vec<u32> = (0..nodes.len() as u32).collect();
        let mut first_of: FxHashMap<Same, u32> = FxHashMap::default();
        for (i, node) in nodes.iter().enumerate() {
            if let (true, Some(p)) = (passes_through(node), node.parents.first().copied().flatten()) {
                register[i] = register[p];
            } else if let Some(same) = Same::of(node, &register) {
                register[i] = *first_of.entry(same).or_insert(i as u32);
            }
        }
        // Which of the others the result needs.
        let output = output.renamed(&register);
        let mut live = vec![false; nodes.len()];
        output.mark(&mut live);
        for i in (0..nodes.len()).rev() {
            if live[i] {
                for p in nodes[i].parents.iter().flatten() {
                    live[register[*p] as usize] = true;
                }
            }
        }

        let mut ops = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let Some(prim) = node.prim else { continue };
            if !live[i] || register[i] != i as u32 {
                continue;
            }
            let operands = node.parents.iter().zip(&node.inputs).map(|(parent, input)| match parent {
                Some(p) => Operand::Copy(register[*p]),
                None => Operand::Fixed(input.clone()),
            });
            let (dtype, expect) = (node.dtype, Expect::of(&node.output));
            let words: usize = node.inputs.iter().chain([&node.output]).map(|v| v.primal().bytes() / 8).sum();
            let large = words >= SMALL_RESULT / 4;
            ops.push(Op {
                run: Run::Prim { prim, dtype, result: i as u32, expect, large },
                operands: operands.collect(),
            });
        }
        let inputs: Box<[u32]> = inputs.iter().map(|&n| register[n]).collect();
        let kinds: Vec<Expect> = nodes.iter().map(|n| Expect::of(&n.output)).collect();
        let ops = fuse(ops, &kinds, &output);
        let mut program = Program { inputs, ops: ops.into(), output, registers: nodes.len() };
        program.move_last_uses();
        Ok(program)
    }

    /// Marks each register's last use as a move, except for the registers of the result.
    fn move_last_uses(&mut self) {
        let mut kept = vec![false; self.registers];
        self.output.mark(&mut kept);
        for op in self.ops.iter_mut().rev() {
            for operand in op.operands.iter_mut().rev() {
                if let Operand::Copy(r) = *operand {
                    if !kept[r as usize] {
                        kept[r as usize] = true;
                        *operand = Operand::Move(r);
                    }
                }
            }
        }
    }

    /// Runs the program on `inputs` (as [`super::Sig::collect`] gathered them). `None` when an
    /// operation fails or gives a result of another type than when traced, or on Ctrl-C: the caller then runs
    /// the call in the interpreter, which reports the error where it happens (nothing a
    /// program runs has an effect, so running again is safe).
    pub fn run(&self, inputs: Vec<Value>, ctx: &mut Ctx) -> Option<Value> {
        let mut registers: Vec<Option<Value>> = vec![None; self.registers];
        for (&r, v) in self.inputs.iter().zip(inputs) {
            registers[r as usize] = Some(v);
        }
        for op in self.ops.iter() {
            // Ctrl-C stops a replay between operations; the interpreter then reports it.
            if crate::interrupt::INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            let operands = op.operands.iter().map(|o| match o {
                Operand::Copy(r) => registers[*r as usize].clone(),
                Operand::Move(r) => registers[*r as usize].take(),
                Operand::Fixed(v) => Some(v.clone()),
            });
            match &op.run {
                Run::Prim { prim, dtype, result, expect, large } => {
                    ctx.dtype = *dtype;
                    let operands = operands.collect::<Option<Vec<Value>>>()?;
                    let value = if *large { prim.eval(operands, ctx) } else { prim.kernel(operands, ctx) }.ok()?;
                    if !expect.holds(&value) {
                        return None;
                    }
                    registers[*result as usize] = Some(value);
                }
                Run::Fused { fused, results } => {
                    let values = fused.run(&operands.collect::<Option<Vec<Value>>>()?)?;
                    for (&r, v) in results.iter().zip(values) {
                        registers[r as usize] = Some(v);
                    }
                }
            }
        }
        self.output.value(&registers)
    }
}

/// Fuses runs of element-wise `f64` operations on tensors of one shape ([`super::fuse`]). A run
/// is gathered in program order; an operation joins it unless it reads a register that an
/// operation outside the run, placed after the run's start, makes (the fused loop runs where the
/// run starts). `kinds` is each register's type as traced; `output` the program's result.
fn fuse(ops: Vec<Op>, kinds: &[Expect], output: &Output) -> Vec<Op> {
    let mut uses = vec![0u32; kinds.len()];
    for op in &ops {
        for operand in op.operands.iter() {
            if let Operand::Copy(r) = operand {
                uses[*r as usize] += 1;
            }
        }
    }
    let mut wanted = vec![false; kinds.len()];
    output.mark(&mut wanted);
    let mut placed: Vec<Op> = Vec::with_capacity(ops.len());
    let mut run: Option<FusedRun> = None;
    for op in ops {
        let shape = fusible(&op, kinds);
        if let (Some(shape), Some(open)) = (&shape, &mut run) {
            if open.shape == *shape
                && !op.operands.iter().any(|o| matches!(o, Operand::Copy(r) if open.blocked.contains(r)))
            {
                open.members.push(op);
                continue;
            }
        }
        if let Some(shape) = shape {
            if let Some(done) = run.take() {
                done.place(&mut placed, &uses, &wanted);
            }
            run = Some(FusedRun { at: placed.len(), shape, members: vec![op], blocked: Vec::new() });
            continue;
        }
        if let (Some(open), Run::Prim { result, .. }) = (&mut run, &op.run) {
            open.blocked.push(*result);
        }
        placed.push(op);
    }
    if let Some(done) = run.take() {
        done.place(&mut placed, &uses, &wanted);
    }
    placed
}

/// The shape of an element-wise operation a fused loop can run: an `f64` tensor result of fewer
/// than [`crate::parallel::PARALLEL_MIN`] elements, whose operands are `f64` tensors that
/// broadcast to that shape, `f64` scalars or ints.
fn fusible(op: &Op, kinds: &[Expect]) -> Option<Box<[usize]>> {
    let Run::Prim { prim, expect: Expect::Tensor(Dtype::F64, shape), .. } = &op.run else { return None };
    Elementwise::of(*prim)?;
    if shape.iter().product::<usize>() >= crate::parallel::PARALLEL_MIN {
        return None;
    }
    let spreads = |s: &[usize]| broadcast_shape(s, shape).is_some_and(|b| b[..] == shape[..]);
    let fits = |o: &Operand| match o {
        Operand::Copy(r) | Operand::Move(r) => match &kinds[*r as usize] {
            Expect::Tensor(Dtype::F64, s) => spreads(s),
            Expect::F64 => true,
            Expect::Tensor(..) | Expect::F32 | Expect::Other => false,
        },
        Operand::Fixed(Value::Tensor(Tensor::F64(a))) => spreads(a.shape()),
        Operand::Fixed(v) => matches!(v, Value::F64(_) | Value::Int(_)),
    };
    op.operands.iter().all(fits).then(|| shape.clone())
}

/// A run of element-wise operations being gathered into one fused loop.
struct FusedRun {
    /// Where in the placed steps the loop goes.
    at: usize,
    shape: Box<[usize]>,
    members: Vec<Op>,
    /// The registers made by steps placed after `at` that are not in the run.
    blocked: Vec<u32>,
}

impl FusedRun {
    /// Places the run at its start: a lone operation as it is, several as one fused loop whose
    /// results are the registers used outside it (`uses` counts every use, `wanted` marks the
    /// program's result).
    fn place(self, placed: &mut Vec<Op>, uses: &[u32], wanted: &[bool]) {
        if self.members.len() == 1 {
            let op = self.members.into_iter().next().expect("one member");
            placed.insert(self.at, op);
            return;
        }
        let result_of = |op: &Op| match op.run {
            Run::Prim { result, .. } => result,
            Run::Fused { .. } => unreachable!("a run holds primitives"),
        };
        let made: Vec<u32> = self.members.iter().map(result_of).collect();
        let mut inputs: Vec<Operand> = Vec::new();
        let mut input_regs: Vec<Option<u32>> = Vec::new();
        let mut inside = vec![0u32; uses.len()];
        let mut steps = Vec::with_capacity(self.members.len());
        for op in &self.members {
            let mut source = |o: &Operand| -> Source {
                if let Operand::Copy(r) = o {
                    inside[*r as usize] += 1;
                    if let Some(k) = made.iter().position(|m| m == r) {
                        return Source::Step(k as u16);
                    }
                    if let Some(i) = input_regs.iter().position(|x| *x == Some(*r)) {
                        return Source::Input(i as u16);
                    }
                    input_regs.push(Some(*r));
                    inputs.push(Operand::Copy(*r));
                } else if let Operand::Fixed(v) = o {
                    input_regs.push(None);
                    inputs.push(Operand::Fixed(spread(v, &self.shape)));
                }
                Source::Input(inputs.len() as u16 - 1)
            };
            let Run::Prim { prim, .. } = op.run else { unreachable!("a run holds primitives") };
            let first = source(&op.operands[0]);
            let second = op.operands.get(1).map_or(first, &mut source);
            let operation = Elementwise::of(prim).expect("only element-wise operations join a run");
            steps.push(Step { op: operation, operands: [first, second] });
        }
        let leaving: Vec<usize> = (0..made.len())
            .filter(|&k| wanted[made[k] as usize] || uses[made[k] as usize] > inside[made[k] as usize])
            .collect();
        let kept = leaving.iter().map(|&k| !wanted[made[k] as usize]).collect();
        let fused = Fused::new(self.shape, steps, leaving.iter().map(|&k| k as u16).collect(), kept);
        let results = leaving.iter().map(|&k| made[k]).collect();
        placed.insert(self.at, Op { run: Run::Fused { fused, results }, operands: inputs.into() });
    }
}

/// A fixed operand of a fused loop, a tensor spread out to the loop's shape once, when the
/// program is built, rather than at every call.
fn spread(v: &Value, shape: &[usize]) -> Value {
    match v {
        Value::Tensor(Tensor::F64(a)) if a.shape() != shape => match a.broadcast(IxDyn(shape)) {
            Some(b) => Value::Tensor(Tensor::F64(b.as_standard_layout().into_owned().into_shared())),
            None => v.clone(),
        },
        other => other.clone(),
    }
}

/// What makes two operations of a trace the same, so that the second is not run again (common
/// subexpressions): the primitive, the dtype it ran under, and its operands, registers after
/// renaming or fixed scalars by their bits. Every recorded operation is a function of its
/// operands (a trace that drew random numbers is not compiled), so the same operation on the
/// same operands gives the same bits.
#[derive(PartialEq, Eq, Hash)]
struct Same {
    prim: Prim,
    dtype: FloatDtype,
    operands: Box<[SameOperand]>,
}

/// An operand of a [`Same`]: a fixed tensor or string is not compared, and its operation is kept.
#[derive(PartialEq, Eq, Hash)]
enum SameOperand {
    Register(u32),
    Int(i64),
    F64(u64),
    F32(u32),
    Bool(bool),
    Absent,
}

impl Same {
    fn of(node: &Node, register: &[u32]) -> Option<Same> {
        let operands = node.parents.iter().zip(&node.inputs).map(|(parent, input)| match (parent, input) {
            (Some(p), _) => Some(SameOperand::Register(register[*p])),
            (None, Value::Int(i)) => Some(SameOperand::Int(*i)),
            (None, Value::F64(x)) => Some(SameOperand::F64(x.to_bits())),
            (None, Value::F32(x)) => Some(SameOperand::F32(x.to_bits())),
            (None, Value::Bool(b)) => Some(SameOperand::Bool(*b)),
            (None, Value::Absent) => Some(SameOperand::Absent),
            (None, Value::Tensor(_) | Value::Str(_) | Value::Tuple(_) | Value::Func(_) | Value::Tracer(_)) => None,
        });
        Some(Same { prim: node.prim?, dtype: node.dtype, operands: operands.collect::<Option<_>>()? })
    }
}

/// Whether a node gives back its operand unchanged: a conversion to the dtype it has, or
/// `sum_to`/`broadcast_to` to the shape it has (as the trace saw them; replaying checks that
/// each result keeps the type it had).
fn passes_through(node: &Node) -> bool {
    let Some(Prim::Shape(ShapeOp::F64 | ShapeOp::F32 | ShapeOp::SumTo | ShapeOp::BroadcastTo)) = node.prim else {
        return false;
    };
    let same = |a: &Value, b: &Value| match (a, b) {
        (Value::Tensor(x), Value::Tensor(y)) => x.dtype() == y.dtype() && x.shape() == y.shape() && same_buffer(x, y),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        _ => false,
    };
    node.parents.first().copied().flatten().is_some() && same(node.inputs[0].primal(), node.output.primal())
}

/// Whether two tensors are views of the same elements (the same buffer, at the same place).
fn same_buffer(x: &Tensor, y: &Tensor) -> bool {
    let place = |t: &Tensor| crate::with_tensor!(t, a => (a.as_ptr() as usize, a.strides().to_vec()));
    place(x) == place(y)
}

impl Output {
    fn of(v: &Value, node_of: &impl Fn(&Value) -> Option<usize>) -> Result<Output, Unreplayable> {
        if let Some(n) = node_of(v) {
            return Ok(Output::Register(n as u32));
        }
        match v {
            Value::Tuple(items) => {
                Ok(Output::Tuple(items.iter().map(|i| Output::of(i, node_of)).collect::<Result<_, _>>()?))
            }
            Value::Int(_) | Value::F64(_) | Value::F32(_) | Value::Bool(_) | Value::Str(_) | Value::Tensor(_) => {
                Ok(Output::Fixed(v.clone()))
            }
            // A function may hold the call's frame, and a tracer of another tape is not ours.
            Value::Func(_) | Value::Tracer(_) | Value::Absent => Err(Unreplayable),
        }
    }

    fn mark(&self, live: &mut [bool]) {
        match self {
            Output::Register(r) => live[*r as usize] = true,
            Output::Fixed(_) => {}
            Output::Tuple(items) => items.iter().for_each(|i| i.mark(live)),
        }
    }

    fn renamed(self, register: &[u32]) -> Output {
        match self {
            Output::Register(r) => Output::Register(register[r as usize]),
            Output::Tuple(items) => Output::Tuple(items.into_vec().into_iter().map(|i| i.renamed(register)).collect()),
            fixed @ Output::Fixed(_) => fixed,
        }
    }

    fn value(&self, registers: &[Option<Value>]) -> Option<Value> {
        match self {
            Output::Register(r) => registers[*r as usize].clone(),
            Output::Fixed(v) => Some(v.clone()),
            Output::Tuple(items) => {
                Some(Value::Tuple(items.iter().map(|i| i.value(registers)).collect::<Option<_>>()?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autodiff::apply;
    use crate::prims::{Arith, Unary};
    use crate::value::Arr;
    use rand::SeedableRng;

    fn ctx() -> Ctx {
        Ctx {
            dtype: FloatDtype::F64,
            rng: rand_pcg::Pcg64::seed_from_u64(0),
            site: Default::default(),
            print: Default::default(),
        }
    }

    /// How many primitives a program runs, counting those inside fused loops.
    fn operations(program: &Program) -> usize {
        let count = |op: &Op| match &op.run {
            Run::Prim { .. } => 1,
            Run::Fused { fused, .. } => fused.steps.len(),
        };
        program.ops.iter().map(count).sum()
    }

    /// The program of `sin(x) * a - sin(x) * b` on `x = [0.5, 1, 2]`, and its result when run.
    fn sines_scaled_by(a: f64, b: f64) -> (Program, Value) {
        let mut ctx = ctx();
        let x = || Value::Tensor(Tensor::F64(Arr::from_shape_vec(IxDyn(&[3]), vec![0.5, 1.0, 2.0]).unwrap()));
        let tape = Tape::compiling(1);
        let leaf = tape.leaf(x());
        let mut op = |prim, args| apply(prim, args, &mut ctx).expect("runs");
        let first = op(Prim::Unary(Unary::Sin), vec![leaf.clone()]);
        let second = op(Prim::Unary(Unary::Sin), vec![leaf.clone()]);
        let first = op(Prim::Arith(Arith::Mul), vec![first, Value::F64(a)]);
        let second = op(Prim::Arith(Arith::Mul), vec![second, Value::F64(b)]);
        let y = op(Prim::Arith(Arith::Sub), vec![first, second]);
        let program = Program::build(&tape, &[leaf], &y).ok().expect("builds");
        let result = program.run(vec![x()], &mut ctx).expect("replays");
        (program, result)
    }

    #[test]
    fn an_operation_repeated_on_the_same_operands_runs_once() {
        let (program, result) = sines_scaled_by(3.0, 3.0);
        assert_eq!(operations(&program), 3, "sin, × 3 and − once each: {program:?}");
        let Value::Tensor(Tensor::F64(y)) = result else { panic!("a tensor: {result:?}") };
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), [0.0; 3]);

        let (program, result) = sines_scaled_by(3.0, 4.0);
        assert_eq!(operations(&program), 4, "× 3 and × 4 differ: {program:?}");
        let Value::Tensor(Tensor::F64(y)) = result else { panic!("a tensor: {result:?}") };
        let expected: Vec<f64> = [0.5f64, 1.0, 2.0].iter().map(|x| x.sin() * 3.0 - x.sin() * 4.0).collect();
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), expected);
    }
}
