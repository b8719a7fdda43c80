//! Lowering of calls: a call of a built-in by name becomes its primitive with the arguments in
//! the table's canonical order (positional or by keyword, `Absent` for an optional one left
//! out), bound by [`Signature::bind`] as the checker and interpreter bind a built-in called as
//! a value, with every misfit reported (too many, unknown keyword, given twice, missing); any
//! other call is a call of a function value.
//!
//! [`Signature::bind`]: crate::prims::Signature::bind

use super::Cx;
use crate::diag::{nearest, Code, Diag};
use crate::ir::{Ir, IrKind};
use crate::prims::{Builtin, Info, Misfit};
use crate::span::Span;
use crate::syntax::ast::{self, ExprKind};
use crate::value::Value;

impl Cx<'_> {
    /// A call: of a built-in by name (its arguments put in the table's order), or of a
    /// function value.
    pub(super) fn call(&mut self, callee: &ast::Expr, args: &[ast::Arg], span: Span) -> IrKind {
        if let ExprKind::Name(ident) = &callee.kind {
            if self.lookup(&ident.name).is_none() {
                if let Some(prim) = Builtin::by_name(&ident.name) {
                    return match self.prim_args(prim, args, span) {
                        Some(args) => self.prim(prim, args),
                        None => IrKind::Unresolved,
                    };
                }
            }
        }
        let callee = Box::new(self.expr(callee));
        let mut lowered = Vec::with_capacity(args.len());
        for arg in args {
            if let Some(name) = &arg.name {
                self.errors.push(
                    Diag::new(
                        Code::TypeArity,
                        "keyword arguments are only for built-in functions",
                        name.span,
                        "keyword argument",
                    )
                    .with_help("pass it by position"),
                );
            }
            lowered.push(self.expr(&arg.value));
        }
        IrKind::Call { callee, args: lowered }
    }

    /// Puts a built-in call's arguments in the table's canonical order (`Signature::bind`),
    /// reporting every misfit.
    fn prim_args(&mut self, prim: Builtin, args: &[ast::Arg], span: Span) -> Option<Vec<Ir>> {
        let Info { name, params, .. } = prim.info();
        let errors_before = self.errors.len();
        let lowered: Vec<_> =
            args.iter().map(|arg| (arg.name.as_ref().map(|n| &*n.name), self.expr(&arg.value))).collect();
        let absent = || Ir { kind: IrKind::Const(Value::Absent), span };
        let misfits = match params.bind(lowered, absent) {
            Ok(bound) => return (self.errors.len() == errors_before).then_some(bound),
            Err(misfits) => misfits,
        };
        let signature = format!("{name}({params})");
        let keyword = |i: usize| args[i].name.as_ref().map_or(("", args[i].value.span), |n| (&*n.name, n.span));
        for misfit in misfits {
            let diag = match misfit {
                Misfit::Extra(i) => Diag::new(
                    Code::TypeArity,
                    format!("`{name}` takes at most {} arguments", params.fixed().count()),
                    args[i].value.span,
                    "one too many",
                )
                .with_help(signature.clone()),
                Misfit::Twice(i, param) => {
                    let d = Diag::new(
                        Code::TypeArity,
                        format!("`{}` is given twice", param.name),
                        keyword(i).1,
                        "given again here",
                    );
                    match args[i].name {
                        Some(_) => d,
                        None => d.with_help("put the positional arguments before the keyword ones"),
                    }
                }
                Misfit::Unknown(i) => {
                    let (keyword, at) = keyword(i);
                    let names: Vec<&str> = params.fixed().map(|p| p.name).collect();
                    let d = Diag::new(
                        Code::TypeArity,
                        format!("`{name}` has no parameter `{keyword}`"),
                        at,
                        "unknown keyword",
                    );
                    d.with_help(match nearest(keyword, &names) {
                        Some(n) => format!("did you mean '{n}'? ({signature})"),
                        None => signature.clone(),
                    })
                }
                Misfit::Missing(param) => Diag::new(
                    Code::TypeArity,
                    format!("`{name}` needs the argument `{}`", param.name),
                    span,
                    "missing an argument",
                )
                .with_help(signature.clone()),
            };
            self.errors.push(diag);
        }
        None
    }
}
