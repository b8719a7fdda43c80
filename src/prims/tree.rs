//! Parameter trees (spec §13, JAX's pytrees): a tuple of float tensors, possibly nested, that a
//! model's parameters travel in. Arithmetic between two trees of one structure, and between a
//! tree and a scalar, works item by item (`params -= lr * grads`); `grad` of a function of a
//! tree gives a tree of the same structure (`eval::builtins`). The operators that map are the
//! arithmetic ones ([`Arith::is_arithmetic`]). The rule here is the one the checker and the run
//! time share; `autodiff::apply` does the mapping, so each item's operation is recorded when it
//! is differentiated.

use super::arith::Arith;
use crate::diag::Code;
use crate::types::{Type, TypeError};

/// Whether `t` is a parameter tree: a non-empty tuple (the empty one is the unit value of
/// statements, not a tree).
pub fn is_tree(t: &Type) -> bool {
    matches!(t, Type::Tuple(items) if !items.is_empty())
}

/// The type of `a op b` where one operand is a tree: a tree of the same structure whose items
/// are the items' results, or the error of the first item that fails.
pub fn tree_type(op: Arith, a: &Type, b: &Type) -> Result<Type, TypeError> {
    let item = |x: &Type, y: &Type| op.type_rule(&[x.clone(), y.clone()]);
    let items: Result<Vec<Type>, TypeError> = match (a, b) {
        (Type::Tuple(x), Type::Tuple(y)) if is_tree(a) && is_tree(b) => {
            if x.len() != y.len() {
                return Err(TypeError::new(
                    Code::TypeShape,
                    format!(
                        "`{}` works item by item on tuples of one structure, but these have {} and {} items",
                        op.info().name,
                        x.len(),
                        y.len()
                    ),
                )
                .label(format!("{a} {} {b}", op.info().name)));
            }
            x.iter().zip(y).map(|(p, q)| item(p, q)).collect()
        }
        (Type::Tuple(x), s) if is_tree(a) && (s.is_number() || *s == Type::Any) => {
            x.iter().map(|p| item(p, s)).collect()
        }
        (s, Type::Tuple(y)) if is_tree(b) && (s.is_number() || *s == Type::Any) => {
            y.iter().map(|q| item(s, q)).collect()
        }
        _ => {
            return Err(TypeError::new(Code::TypeMismatch, format!("`{}` cannot combine {a} and {b}", op.info().name))
                .label(format!("{a} {} {b}", op.info().name))
                .help("a tuple of parameters meets another tuple of the same structure, or a scalar"))
        }
    };
    items.map(Type::Tuple)
}
