//! A pass before checking that finds every slot some statement assigns to (`x = ...`,
//! `x += ...`, `x[i] = ...`), so that the checker does not treat an int assigned in a loop or a
//! function as the constant its `let` gave it. Frames are named as [`super::Scope`] names them:
//! 0 for the top level, else the address of the function's code. Also the one walk over the
//! parts of expressions and statements ([`each_child`], [`stmt_parts`]) that the lints share.

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
        if let StmtKind::Assign { slot, .. } | StmtKind::IndexAssign { slot, .. } = &s.kind {
            if let Some(&frame) = frames.len().checked_sub(1 + slot.depth as usize).and_then(|i| frames.get(i)) {
                out.insert((frame, slot.index));
            }
        }
        stmt_parts(s, &mut |part| visit(part, frames, out));
    }
}

fn visit(part: Child, frames: &mut Vec<usize>, out: &mut HashSet<(usize, u32)>) {
    match part {
        Child::Ir(e) => each_child(e, &mut |part| visit(part, frames, out)),
        Child::Block(b) | Child::Loop(b, _) => block(b, frames, out),
        Child::Function(code) => {
            frames.push(Rc::as_ptr(code) as usize);
            visit(Child::Ir(&code.body), frames, out);
            frames.pop();
        }
    }
}

/// A part of an expression or statement.
pub(super) enum Child<'a> {
    Ir(&'a Ir),
    Block(&'a [Stmt]),
    /// A loop's body, with the condition of a `while` (which is also given as an [`Child::Ir`]).
    Loop(&'a [Stmt], Option<&'a Ir>),
    Function(&'a Rc<FnCode>),
}

/// Calls `visit` with each direct part of `ir`.
pub(super) fn each_child<'a>(ir: &'a Ir, visit: &mut dyn FnMut(Child<'a>)) {
    match &ir.kind {
        IrKind::Const(_) | IrKind::Float { .. } | IrKind::Var(..) | IrKind::Unresolved => {}
        IrKind::Tuple(items) | IrKind::Prim { args: items, .. } => items.iter().for_each(|i| visit(Child::Ir(i))),
        IrKind::Call { callee, args } => {
            visit(Child::Ir(callee));
            args.iter().for_each(|a| visit(Child::Ir(a)));
        }
        IrKind::Logic { lhs, rhs, .. } => {
            visit(Child::Ir(lhs));
            visit(Child::Ir(rhs));
        }
        IrKind::If { cond, then, otherwise } => {
            visit(Child::Ir(cond));
            visit(Child::Ir(then));
            otherwise.iter().for_each(|o| visit(Child::Ir(o)));
        }
        IrKind::Block(stmts) => visit(Child::Block(stmts)),
        IrKind::Lambda(code) => visit(Child::Function(code)),
    }
}

/// Calls `visit` with each direct part of a statement, in order: its expressions, the function
/// it defines, the body of a loop or of a `threads` block.
pub(super) fn stmt_parts<'a>(s: &'a Stmt, visit: &mut dyn FnMut(Child<'a>)) {
    match &s.kind {
        StmtKind::Let { value, .. } | StmtKind::Assign { value, .. } => visit(Child::Ir(value)),
        StmtKind::Seed(value) | StmtKind::Expr(value) => visit(Child::Ir(value)),
        StmtKind::Precision(value) | StmtKind::Return(value) => value.iter().for_each(|v| visit(Child::Ir(v))),
        StmtKind::IndexAssign { indices, value, .. } => {
            indices.iter().for_each(|i| visit(Child::Ir(i)));
            visit(Child::Ir(value));
        }
        StmtKind::Fn { code, .. } => visit(Child::Function(code)),
        StmtKind::Break | StmtKind::Continue => {}
        StmtKind::While { cond, body } => {
            visit(Child::Ir(cond));
            visit(Child::Loop(body, Some(cond)));
        }
        StmtKind::For { start, end, body, .. } => {
            visit(Child::Ir(start));
            visit(Child::Ir(end));
            visit(Child::Loop(body, None));
        }
        StmtKind::Threads { count, body } => {
            count.iter().for_each(|c| visit(Child::Ir(c)));
            body.iter().for_each(|b| visit(Child::Block(b)));
        }
    }
}
