//! A pass before checking that finds every slot some statement assigns to (`x = ...`,
//! `x += ...`, `x[i] = ...`), so that the checker does not treat an int assigned in a loop or a
//! function as the constant its `let` gave it. Frames are named as [`super::Scope`] names them:
//! 0 for the top level, else the address of the function's code.

use crate::ir::{FnCode, Ir, IrKind, Stmt, StmtKind};
use std::collections::HashSet;
use std::rc::Rc;

/// Adds to `out` the (frame, index) of every slot assigned in `stmts` (top-level statements).
pub fn mutated(stmts: &[Stmt], out: &mut HashSet<(usize, u32)>) {
    let mut frames = vec![0];
    block(stmts, &mut frames, out);
}

fn block(stmts: &[Stmt], frames: &mut Vec<usize>, out: &mut HashSet<(usize, u32)>) {
    for s in stmts {
        stmt(s, frames, out);
    }
}

fn assigned(slot: crate::ir::Slot, frames: &[usize], out: &mut HashSet<(usize, u32)>) {
    if let Some(&frame) = frames.len().checked_sub(1 + slot.depth as usize).and_then(|i| frames.get(i)) {
        out.insert((frame, slot.index));
    }
}

fn stmt(s: &Stmt, frames: &mut Vec<usize>, out: &mut HashSet<(usize, u32)>) {
    match &s.kind {
        StmtKind::Let { value, .. } | StmtKind::Seed(value) | StmtKind::Expr(value) => expr(value, frames, out),
        StmtKind::Assign { slot, value, .. } => {
            assigned(*slot, frames, out);
            expr(value, frames, out);
        }
        StmtKind::IndexAssign { slot, indices, value, .. } => {
            assigned(*slot, frames, out);
            expr(value, frames, out);
            indices.iter().for_each(|i| expr(i, frames, out));
        }
        StmtKind::Fn { code, .. } => function(code, frames, out),
        StmtKind::Return(value) => value.iter().for_each(|v| expr(v, frames, out)),
        StmtKind::Break | StmtKind::Continue => {}
        StmtKind::While { cond, body } => {
            expr(cond, frames, out);
            block(body, frames, out);
        }
        StmtKind::For { start, end, body, .. } => {
            expr(start, frames, out);
            expr(end, frames, out);
            block(body, frames, out);
        }
        StmtKind::Threads { count, body } => {
            count.iter().for_each(|c| expr(c, frames, out));
            body.iter().for_each(|b| block(b, frames, out));
        }
        StmtKind::Precision(count) => count.iter().for_each(|c| expr(c, frames, out)),
    }
}

fn function(code: &Rc<FnCode>, frames: &mut Vec<usize>, out: &mut HashSet<(usize, u32)>) {
    frames.push(Rc::as_ptr(code) as usize);
    expr(&code.body, frames, out);
    frames.pop();
}

fn expr(ir: &Ir, frames: &mut Vec<usize>, out: &mut HashSet<(usize, u32)>) {
    match &ir.kind {
        IrKind::Const(_) | IrKind::Float { .. } | IrKind::Var(..) | IrKind::Unresolved => {}
        IrKind::Tuple(items) | IrKind::Prim { args: items, .. } => items.iter().for_each(|i| expr(i, frames, out)),
        IrKind::Call { callee, args } => {
            expr(callee, frames, out);
            args.iter().for_each(|a| expr(a, frames, out));
        }
        IrKind::Logic { lhs, rhs, .. } => {
            expr(lhs, frames, out);
            expr(rhs, frames, out);
        }
        IrKind::If { cond, then, otherwise } => {
            expr(cond, frames, out);
            expr(then, frames, out);
            otherwise.iter().for_each(|o| expr(o, frames, out));
        }
        IrKind::Block(stmts) => block(stmts, frames, out),
        IrKind::Lambda(code) => function(code, frames, out),
    }
}
