//! Fusing element-wise operations. Where a program applies several element-wise operations to
//! `f64` tensors of one shape (and scalars, and tensors that broadcast to it, such as a bias), as
//! a loss and its gradient do, they become one
//! [`Fused`] step: a loop over blocks of elements that runs each operation on the block with its
//! own kernel's scalar function ([`crate::prims::arith::float_element`],
//! [`crate::prims::unary::kernel`]), keeping the intermediate results in a few reused blocks and
//! writing out only the tensors that later operations or the result need. Each element gets the
//! same operations in the same order as the separate kernels give it, so the results are the
//! same bits; no reduction is fused. Tensors of [`crate::parallel::PARALLEL_MIN`] elements or
//! more are left to the kernels, which split them over the thread pool.

use crate::prims::arith::{float_element, scalar_f64};
use crate::prims::{unary, Arith, Unary};
use crate::value::{Arr, Tensor, Value};
use ndarray::{ArrayView, Dimension, Ix1, Ix2, Ix3, IxDyn};
use std::cell::RefCell;

/// How many elements each operation runs on at a time: small enough for the blocks to stay in
/// the L1 cache, large enough for the loops to vectorise.
const BLOCK: usize = 256;

/// An element-wise operation that a [`Fused`] step can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elementwise {
    /// `a op b`.
    Binary(Arith),
    /// `op(a)`.
    Unary(Unary),
}

impl Elementwise {
    /// The operation a primitive is, if a fused loop can run it on `f64` elements.
    pub fn of(prim: crate::prims::Prim) -> Option<Elementwise> {
        use crate::prims::Prim;
        match prim {
            Prim::Arith(op) => matches!(
                op,
                Arith::Add
                    | Arith::Sub
                    | Arith::Mul
                    | Arith::Div
                    | Arith::FloorDiv
                    | Arith::Rem
                    | Arith::Pow
                    | Arith::Maximum
                    | Arith::Minimum
            )
            .then_some(Elementwise::Binary(op)),
            Prim::Unary(op) => {
                (!matches!(op, Unary::Not | Unary::IsNan | Unary::Round)).then_some(Elementwise::Unary(op))
            }
            Prim::Reduce(_) | Prim::Stats(_) | Prim::Shape(_) | Prim::Construct(_) | Prim::Linalg(_) => None,
        }
    }
}

/// Where a step reads an operand: one of the fused step's inputs, or an earlier step's block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Input `i` (a tensor of the step's shape, or a scalar).
    Input(u16),
    /// The block of step `k`.
    Step(u16),
}

/// One operation inside a fused loop.
#[derive(Debug)]
pub struct Step {
    /// What it computes.
    pub op: Elementwise,
    /// Its operands (one for a unary operation).
    pub operands: [Source; 2],
}

/// Several element-wise operations run as one loop.
#[derive(Debug)]
pub struct Fused {
    /// The shape of every tensor it reads and writes.
    pub shape: Box<[usize]>,
    /// The operations, in program order.
    pub steps: Box<[Step]>,
    /// The steps whose results leave the loop, as tensors, in the order of the results.
    pub outputs: Box<[u16]>,
    /// For each result, whether its tensor is kept for the next call, to be written again
    /// there if nothing else holds it by then (not for the program's own results, which the
    /// caller keeps and may update in place).
    reused: Box<[bool]>,
    /// The results' tensors kept from the last call.
    kept: RefCell<Vec<Option<Arr<f64>>>>,
    /// The blocks the steps write, kept from call to call.
    blocks: RefCell<Vec<Vec<f64>>>,
    /// Each input copied out in order at the loop's shape, when it is not already so.
    staged: RefCell<Vec<Vec<f64>>>,
}

/// An input as the loop reads it.
enum Lane<'a> {
    Scalar(f64),
    Slice(&'a [f64]),
}

impl Fused {
    /// A fused loop over tensors of `shape`.
    pub fn new(shape: Box<[usize]>, steps: Vec<Step>, outputs: Vec<u16>, reused: Vec<bool>) -> Fused {
        Fused {
            shape,
            steps: steps.into(),
            outputs: outputs.into(),
            reused: reused.into(),
            kept: RefCell::new(Vec::new()),
            blocks: RefCell::new(Vec::new()),
            staged: RefCell::new(Vec::new()),
        }
    }

    /// Runs the loop on `inputs` (each an `f64` tensor of the loop's shape, an `f64` or an int);
    /// `None` for an input of another kind, which stops the replay.
    pub fn run(&self, inputs: &[Value]) -> Option<Vec<Value>> {
        let len: usize = self.shape.iter().product();
        // A view in another memory order, or a tensor that broadcasts to the loop's shape, is
        // first copied out in order at the loop's shape (the kernels accept both as they are),
        // into a buffer kept from call to call.
        let mut staged = self.staged.try_borrow_mut().ok()?;
        staged.resize_with(inputs.len(), Vec::new);
        for (v, buffer) in inputs.iter().zip(staged.iter_mut()) {
            buffer.clear();
            if let Value::Tensor(Tensor::F64(a)) = v {
                if a.shape() != &self.shape[..] || !a.is_standard_layout() {
                    stage(a, &self.shape, buffer)?;
                }
            }
        }
        let mut lanes = Vec::with_capacity(inputs.len());
        for (v, buffer) in inputs.iter().zip(staged.iter()) {
            lanes.push(match v {
                Value::Tensor(Tensor::F64(_)) if buffer.len() == len => Lane::Slice(buffer),
                Value::Tensor(Tensor::F64(a)) if a.shape() == &self.shape[..] => Lane::Slice(a.as_slice()?),
                Value::F64(x) => Lane::Scalar(*x),
                Value::Int(_) => Lane::Scalar(scalar_f64(v)?),
                _ => return None,
            });
        }
        // Each result is written into its tensor of the last call when nothing else holds it.
        let mut kept = self.kept.try_borrow_mut().ok()?;
        kept.resize_with(self.outputs.len(), || None);
        let mut outputs: Vec<Arr<f64>> = kept
            .iter_mut()
            .map(|k| match k.take() {
                Some(a) if a.is_unique() => a,
                _ => Arr::zeros(IxDyn(&self.shape)),
            })
            .collect();
        let mut blocks = self.blocks.try_borrow_mut().ok()?;
        blocks.resize_with(self.steps.len(), || vec![0.0; BLOCK]);
        let mut start = 0;
        while start < len {
            let n = BLOCK.min(len - start);
            for (k, step) in self.steps.iter().enumerate() {
                let mut out = std::mem::take(&mut blocks[k]);
                {
                    let read = |s: Source| match s {
                        Source::Input(i) => match &lanes[i as usize] {
                            Lane::Scalar(x) => Lane::Scalar(*x),
                            Lane::Slice(a) => Lane::Slice(&a[start..start + n]),
                        },
                        Source::Step(j) => Lane::Slice(&blocks[j as usize][..n]),
                    };
                    run_step(step.op, read(step.operands[0]), read(step.operands[1]), &mut out[..n]);
                }
                blocks[k] = out;
            }
            for (out, &k) in outputs.iter_mut().zip(self.outputs.iter()) {
                out.as_slice_mut()?[start..start + n].copy_from_slice(&blocks[k as usize][..n]);
            }
            start += n;
        }
        for ((slot, out), &reused) in kept.iter_mut().zip(&outputs).zip(self.reused.iter()) {
            *slot = reused.then(|| out.clone());
        }
        Some(outputs.into_iter().map(|o| Value::Tensor(Tensor::F64(o))).collect())
    }
}

/// Copies `a`, broadcast to `shape`, into `buffer` in standard order; `None` if it does not
/// broadcast. Row by row, each row a slice copied whole or one value repeated (a column that
/// broadcasts along the rows), with a fixed-rank index where the rank allows: far less per
/// element than stepping a dynamic-rank index through every element.
fn stage(a: &Arr<f64>, shape: &[usize], buffer: &mut Vec<f64>) -> Option<()> {
    fn rows<D: Dimension>(view: ArrayView<f64, D>, buffer: &mut Vec<f64>) {
        for row in view.rows() {
            match (row.as_slice(), row.first()) {
                (Some(items), _) => buffer.extend_from_slice(items),
                (None, Some(&first)) if row.strides()[0] == 0 => buffer.resize(buffer.len() + row.len(), first),
                (None, _) => buffer.extend(row.iter()),
            }
        }
    }
    let view = a.broadcast(IxDyn(shape))?;
    match view.ndim() {
        0 => buffer.extend(view.iter()),
        1 => rows(view.into_dimensionality::<Ix1>().ok()?, buffer),
        2 => rows(view.into_dimensionality::<Ix2>().ok()?, buffer),
        3 => rows(view.into_dimensionality::<Ix3>().ok()?, buffer),
        _ => rows(view, buffer),
    }
    Some(())
}

/// Runs one operation on a block: `out[i] = op(a[i], b[i])`, with the loop specialised for the
/// common operators so that it vectorises.
fn run_step(op: Elementwise, a: Lane, b: Lane, out: &mut [f64]) {
    match op {
        Elementwise::Binary(Arith::Add) => zip(a, b, out, |x, y| x + y),
        Elementwise::Binary(Arith::Sub) => zip(a, b, out, |x, y| x - y),
        Elementwise::Binary(Arith::Mul) => zip(a, b, out, |x, y| x * y),
        Elementwise::Binary(Arith::Div) => zip(a, b, out, |x, y| x / y),
        // As the kernel: `x ^ 1` is `x` and `x ^ 2` is `x * x` (`powf` gives the same bits, slowly).
        Elementwise::Binary(Arith::Pow) => match b {
            Lane::Scalar(1.0) => zip(a, b, out, |x, _| x),
            Lane::Scalar(2.0) => zip(a, b, out, |x, _| x * x),
            _ => zip(a, b, out, |x, y| float_element(Arith::Pow, x, y)),
        },
        Elementwise::Binary(op) => zip(a, b, out, |x, y| float_element(op, x, y)),
        Elementwise::Unary(Unary::Exp) => match a {
            Lane::Slice(a) => {
                out.copy_from_slice(a);
                crate::math::exp_each(out);
            }
            Lane::Scalar(x) => out.fill(crate::math::exp(x)),
        },
        Elementwise::Unary(Unary::Tanh) => zip(a, Lane::Scalar(0.0), out, |x, _| crate::math::tanh(x)),
        Elementwise::Unary(Unary::Neg) => zip(a, Lane::Scalar(0.0), out, |x, _| -x),
        Elementwise::Unary(op) => zip(a, Lane::Scalar(0.0), out, |x, _| unary::kernel(op, x)),
    }
}

fn zip(a: Lane, b: Lane, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Lane::Slice(a), Lane::Slice(b)) => out.iter_mut().zip(a).zip(b).for_each(|((o, &x), &y)| *o = f(x, y)),
        (Lane::Slice(a), Lane::Scalar(y)) => out.iter_mut().zip(a).for_each(|(o, &x)| *o = f(x, y)),
        (Lane::Scalar(x), Lane::Slice(b)) => out.iter_mut().zip(b).for_each(|(o, &y)| *o = f(x, y)),
        (Lane::Scalar(x), Lane::Scalar(y)) => out.iter_mut().for_each(|o| *o = f(x, y)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_nothing_holds_is_written_again_in_place_and_one_still_held_is_not() {
        let negate = Step { op: Elementwise::Unary(Unary::Neg), operands: [Source::Input(0), Source::Input(0)] };
        let fused = Fused::new([4].into(), vec![negate], vec![0], vec![true]);
        let run = |v: f64| {
            let input = Value::Tensor(Tensor::F64(Arr::from_elem(IxDyn(&[4]), v)));
            match fused.run(&[input]).expect("runs").remove(0) {
                Value::Tensor(Tensor::F64(a)) => a,
                other => panic!("a tensor: {other:?}"),
            }
        };
        let first = run(1.0);
        let at = first.as_ptr();
        drop(first);
        let second = run(2.0);
        assert_eq!(second.as_ptr(), at, "written into the last call's tensor, which nothing held");
        let third = run(3.0);
        assert_ne!(third.as_ptr(), at, "the second result is still held");
        assert_eq!(second.iter().copied().collect::<Vec<_>>(), [-2.0; 4], "and keeps its values");
        assert_eq!(third.iter().copied().collect::<Vec<_>>(), [-3.0; 4]);
    }

    #[test]
    fn staging_copies_every_broadcast_and_view_in_standard_order() {
        let grid = Arr::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 10 + i[1]) as f64);
        let cases: Vec<(Arr<f64>, Vec<usize>)> = vec![
            (Arr::from_shape_fn(IxDyn(&[3, 1]), |i| i[0] as f64 + 0.5), vec![3, 4]),
            (Arr::from_shape_fn(IxDyn(&[4]), |i| i[0] as f64 - 2.0), vec![3, 4]),
            (grid.clone().reversed_axes(), vec![4, 3]),
            (grid.clone().slice_move(ndarray::s![.., ..;2]).into_dyn(), vec![2, 3, 2]),
            (Arr::from_elem(IxDyn(&[]), 7.0), vec![2, 2]),
            (Arr::from_shape_fn(IxDyn(&[2, 1, 3]), |i| (i[0] * 3 + i[2]) as f64), vec![2, 2, 3]),
            (Arr::from_shape_fn(IxDyn(&[1, 2, 1, 2]), |i| (i[1] * 2 + i[3]) as f64), vec![3, 2, 2, 2]),
        ];
        for (a, shape) in cases {
            let mut buffer = Vec::new();
            stage(&a, &shape, &mut buffer).expect("broadcasts");
            let expected: Vec<f64> = a.broadcast(IxDyn(&shape)).expect("broadcasts").iter().copied().collect();
            assert_eq!(buffer, expected, "{:?} to {shape:?}", a.shape());
        }
        assert!(stage(&grid, &[4, 3], &mut Vec::new()).is_none(), "a 3 × 4 does not broadcast to 4 × 3");
    }
}
