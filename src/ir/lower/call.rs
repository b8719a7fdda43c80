//! Lowering of calls: a call of a built-in by name becomes its primitive with the arguments in
//! the table's canonical order (positional or by keyword, `Absent` for an optional one left
//! out), with every misfit reported (too many, unknown keyword, given twice, missing); any other
//! call is a call of a function value.

use super::Cx;
use crate::diag::{nearest, Code, Diag};
use crate::ir::{Ir, IrKind};
use crate::prims::Prim;
use crate::span::Span;
use crate::syntax::ast::{self, ExprKind};
use crate::value::Value;

impl Cx<'_> {
    /// A call: of a built-in by name (its arguments put in the table's order), or of a
    /// function value.
    pub(super) fn call(&mut self, callee: &ast::Expr, args: &[ast::Arg], span: Span) -> IrKind {
        if let ExprKind::Name(ident) = &callee.kind {
            if self.lookup(&ident.name).is_none() {
                if let Some(prim) = Prim::by_name(&ident.name) {
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

    /// Puts a built-in call's arguments in the table's canonical order: the fixed parameters
    /// (positional or by keyword; `Absent` when an optional one is left out), then the variadic.
    fn prim_args(&mut self, prim: Prim, args: &[ast::Arg], span: Span) -> Option<Vec<Ir>> {
        let info = prim.info();
        let params = prim.params();
        let fixed: Vec<_> = params.iter().filter(|p| !p.variadic).collect();
        let variadic_at = params.iter().position(|p| p.variadic);
        let positional_fixed = variadic_at.unwrap_or(fixed.len());
        let mut slots: Vec<Option<Ir>> = (0..fixed.len()).map(|_| None).collect();
        let mut rest = Vec::new();
        let mut positional = 0;
        let errors_before = self.errors.len();
        let signature = format!("{}({})", info.name, info.params);
        for arg in args {
            let value = self.expr(&arg.value);
            match &arg.name {
                None if positional < positional_fixed => {
                    slots[positional] = Some(value);
                    positional += 1;
                }
                None if variadic_at.is_some() => rest.push(value),
                None => {
                    self.errors.push(
                        Diag::new(
                            Code::TypeArity,
                            format!("`{}` takes at most {} arguments", info.name, fixed.len()),
                            arg.value.span,
                            "one too many",
                        )
                        .with_help(signature.clone()),
                    );
                }
                Some(name) => match fixed.iter().position(|p| p.name == &*name.name) {
                    Some(i) if slots[i].is_none() => slots[i] = Some(value),
                    Some(_) => self.errors.push(Diag::new(
                        Code::TypeArity,
                        format!("`{}` is given twice", name.name),
                        name.span,
                        "given again here",
                    )),
                    None => {
                        let names: Vec<&str> = fixed.iter().map(|p| p.name).collect();
                        let mut d = Diag::new(
                            Code::TypeArity,
                            format!("`{}` has no parameter `{}`", info.name, name.name),
                            name.span,
                            "unknown keyword",
                        );
                        d = d.with_help(match nearest(&name.name, &names) {
                            Some(n) => format!("did you mean '{n}'? ({signature})"),
                            None => signature.clone(),
                        });
                        self.errors.push(d);
                    }
                },
            }
        }
        let mut out = Vec::with_capacity(slots.len() + rest.len());
        for (slot, param) in slots.into_iter().zip(&fixed) {
            match slot {
                Some(ir) => out.push(ir),
                None if param.optional => out.push(Ir { kind: IrKind::Const(Value::Absent), span }),
                None => {
                    self.errors.push(
                        Diag::new(
                            Code::TypeArity,
                            format!("`{}` needs the argument `{}`", info.name, param.name),
                            span,
                            "missing an argument",
                        )
                        .with_help(signature.clone()),
                    );
                }
            }
        }
        out.extend(rest);
        (self.errors.len() == errors_before).then_some(out)
    }
}
