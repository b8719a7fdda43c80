//! The builder's part for operators: an expression's prefix operators, operands, suffixes and
//! infix operators arrive from pest as one flat sequence, and precedence (spec §5) is applied
//! here with explicit stacks (shunting-yard), so that a long chain does not recurse. With
//! `parse.rs` and `fstring.rs` this is the only file that sees pest pairs.

use super::{Builder, Operand, Res, Rule, P};
use crate::diag::{Code, Diag};
use crate::span::Span;
use crate::syntax::ast::{BinOp, ExprKind, UnaryOp};

/// An operator waiting on the precedence stack.
#[derive(Clone, Copy)]
enum Op {
    Prefix(UnaryOp),
    Infix(BinOp),
}

impl Op {
    /// Binding power, tightest highest (spec §5).
    fn prec(self) -> u8 {
        match self {
            Op::Infix(BinOp::Pow) => 7,
            Op::Prefix(_) => 6,
            Op::Infix(BinOp::MatMul | BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Rem) => 5,
            Op::Infix(BinOp::Add | BinOp::Sub) => 4,
            Op::Infix(BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) => 3,
            Op::Infix(BinOp::And) => 2,
            Op::Infix(BinOp::Or) => 1,
        }
    }
}

fn is_comparison(op: BinOp) -> bool {
    Op::Infix(op).prec() == 3
}

fn bin_op(text: &str) -> BinOp {
    const OPS: [BinOp; 16] = [
        BinOp::Pow,
        BinOp::MatMul,
        BinOp::Mul,
        BinOp::Div,
        BinOp::FloorDiv,
        BinOp::Rem,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::And,
        BinOp::Or,
    ];
    OPS.into_iter().find(|op| op.symbol() == text).expect("the grammar admits only these operators")
}

impl Builder {
    /// Applies precedence to a flat `prefix* primary suffix* (infix prefix* primary suffix*)*`
    /// (shunting-yard: `^` is right-associative, the others left; comparisons do not chain).
    pub(super) fn operators<'i>(&self, pairs: impl Iterator<Item = P<'i>>, level: u32) -> Res<Operand> {
        let mut values: Vec<Operand> = Vec::new();
        let mut ops: Vec<(Op, Span)> = Vec::new();
        // Prefix operators and `^`s on the stack: each nests what follows one level deeper.
        let mut nest = 0;
        for p in pairs {
            let at = self.span(&p);
            match p.as_rule() {
                Rule::prefix => {
                    nest = self.enter(level + nest, at)? - level;
                    ops.push((Op::Prefix(if p.as_str() == "-" { UnaryOp::Neg } else { UnaryOp::Not }), at));
                }
                Rule::infix => {
                    let op = bin_op(p.as_str());
                    let prec = Op::Infix(op).prec();
                    while let Some(&(top, _)) = ops.last() {
                        if top.prec() < prec || (top.prec() == prec && op == BinOp::Pow) {
                            break;
                        }
                        self.reduce(&mut values, &mut ops, &mut nest)?;
                    }
                    let lhs = values.last().expect("an operand before an operator");
                    let chained = matches!(lhs.expr.kind, ExprKind::Binary { op, .. } if is_comparison(op));
                    if is_comparison(op) && chained && lhs.outer == lhs.expr.span {
                        return Err(Diag::new(Code::Parse, "comparisons cannot be chained", at, "second comparison")
                            .with_label(lhs.outer, "first comparison")
                            .with_help("combine them with `and`: `a < b and b < c`"));
                    }
                    if op == BinOp::Pow {
                        nest = self.enter(level + nest, at)? - level;
                    }
                    ops.push((Op::Infix(op), at));
                }
                Rule::call_args | Rule::index_args | Rule::field => {
                    let target = values.pop().expect("an operand before a suffix");
                    values.push(self.suffix(target, p, level + nest)?);
                }
                _ => values.push(self.primary(p, level + nest)?),
            }
        }
        while !ops.is_empty() {
            self.reduce(&mut values, &mut ops, &mut nest)?;
        }
        Ok(values.pop().expect("an expression has an operand"))
    }

    /// Pops one operator and applies it to the operands on top of `values`.
    fn reduce(&self, values: &mut Vec<Operand>, ops: &mut Vec<(Op, Span)>, nest: &mut u32) -> Res<()> {
        let (op, at) = ops.pop().expect("an operator to apply");
        let rhs = values.pop().expect("an operand for the operator");
        let node = match op {
            Op::Prefix(op) => {
                *nest -= 1;
                let kind = ExprKind::Unary { op, operand: Box::new(rhs.expr) };
                self.node(kind, at.to(rhs.outer), rhs.depth + 1, at)?
            }
            Op::Infix(op) => {
                *nest -= u32::from(op == BinOp::Pow);
                let lhs = values.pop().expect("a left operand");
                let (span, depth) = (lhs.outer.to(rhs.outer), lhs.depth.max(rhs.depth) + 1);
                let kind = ExprKind::Binary { op, lhs: Box::new(lhs.expr), rhs: Box::new(rhs.expr) };
                self.node(kind, span, depth, at)?
            }
        };
        values.push(node);
        Ok(())
    }
}
