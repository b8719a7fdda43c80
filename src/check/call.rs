//! Calls of function values. A function of the script is checked for each list of argument
//! types it is called with (so untyped parameters take the types of the arguments), in a fresh
//! frame of types whose parent is the frame it was defined in; results are memoized per
//! (function, defining frame, argument types). A call of a function whose body is already being
//! checked (recursion) is checked once more with widened arguments, then gives the declared
//! result type, or `Any`.

use super::{fits_declared, Active, Cx, Scope};
use crate::diag::{Code, Diag};
use crate::dtype::FloatDtype;
use crate::ir::FnCode;
use crate::prims::system::{grad_call_type, jacobian_call_type};
use crate::prims::{arity, Builtin};
use crate::span::Span;
use crate::types::{Env, FnType, Type, TypeError};
use std::rc::Rc;

/// How many function bodies may be checked inside each other before calls give `Any`.
const MAX_NESTING: usize = 64;

impl Cx<'_> {
    /// The result type of calling `f` with arguments of types `args` (at `site`, if the call is
    /// written in the script).
    pub(crate) fn call_fn(&mut self, f: &Type, args: &[Type], site: Option<Span>) -> Result<Type, TypeError> {
        match f {
            Type::Any => Ok(Type::Any),
            Type::Fn(FnType::Closure { code, env }) => self.closure(&FnCode::rc(code), env, args, site),
            Type::Fn(FnType::Builtin(code)) => {
                let prim = Builtin::of(*code);
                let args = prim.bind_positional(args.to_vec(), || Type::Absent)?;
                let saved = self.dtype;
                self.dtype = FloatDtype::F64;
                let wide = prim.type_rule(&args, self);
                self.dtype = FloatDtype::F32;
                let narrow = prim.type_rule(&args, self);
                self.dtype = saved;
                let t = wide?;
                Ok(if narrow.ok().as_ref() == Some(&t) { t } else { Type::Any })
            }
            Type::Fn(FnType::Grad { f, wrt, with_value }) => grad_call_type(f, wrt.as_ref(), *with_value, args, self),
            Type::Fn(FnType::Jacobian { f }) => jacobian_call_type(f, args, self),
            other => Err(TypeError::new(Code::TypeMismatch, format!("{other} is not a function"))
                .label("called like a function")),
        }
    }

    /// Checks a function whose parameters all carry types once where it is defined, with those
    /// types, so that its body is checked even if nothing calls it.
    pub(super) fn check_typed_fn(&mut self, code: &Rc<FnCode>, scope: &Scope) {
        if code.param_types.iter().all(Option::is_some) && code.params > 0 {
            let args = vec![Type::Any; code.params];
            let _ = self.closure(code, &scope.env, &args, None);
        }
    }

    fn closure(
        &mut self,
        code: &Rc<FnCode>,
        env: &Rc<Env>,
        args: &[Type],
        site: Option<Span>,
    ) -> Result<Type, TypeError> {
        let name = code.name.as_deref().unwrap_or("this function");
        if args.len() != code.params {
            return Err(arity(name, code.params, args.len()));
        }
        let key = (Rc::as_ptr(code) as usize, Rc::as_ptr(env) as usize);
        let recursive = self.active.iter().any(|a| a.code == key.0);
        let args: Vec<Type> = if recursive { args.iter().map(Type::widen).collect() } else { args.to_vec() };
        if let Some(active) = self.active.iter().find(|a| (a.code, a.env) == key && a.args == args) {
            return Ok(active.declared.clone().unwrap_or(Type::Any));
        }
        if let Some((_, t)) = self.memo.get(&key).and_then(|m| m.iter().find(|(a, _)| *a == args)) {
            return Ok(t.clone());
        }
        if self.active.len() >= MAX_NESTING {
            return Ok(Type::Any);
        }
        let scope = Scope { env: Env::new(code.frame_size, Some(env.clone())), id: key.0 };
        for (i, t) in args.iter().enumerate() {
            scope.env.slots.borrow_mut()[i] = Some(t.clone());
        }
        for (i, ann) in code.param_types.iter().enumerate() {
            let Some(ann) = ann else { continue };
            let declared = self.ann(ann, &scope);
            if !fits_declared(&args[i], &declared, &code.param_guards[i]) {
                let param = code.def.params.get(i).map_or("", |p| &*p.name.name);
                let mut error = TypeError::new(
                    Code::TypeMismatch,
                    format!("argument `{param}` of `{name}` expects {declared}, got {}", args[i]),
                )
                .at(i, format!("{} is not {declared}", args[i]));
                error.help = args[i].conversion_help(&declared).map(Into::into);
                return Err(error);
            }
            if args[i] == Type::Any {
                scope.env.slots.borrow_mut()[i] = Some(declared);
            }
        }
        let declared = code.ret.as_ref().map(|r| self.ann(r, &scope));
        let shown: Vec<String> = args.iter().map(Type::to_string).collect();
        if let Some(site) = site {
            self.calls.push((site, format!("({})", shown.join(", "))));
        }
        self.active.push(Active {
            code: key.0,
            env: key.1,
            args: args.clone(),
            returns: Vec::new(),
            unset_reads: self.unset_reads,
            declared: declared.clone(),
        });
        let flow = self.expr_flow(&code.body, &scope);
        let active = self.active.pop().expect("pushed above");
        if site.is_some() {
            self.calls.pop();
        }
        let mut result: Option<Type> = flow;
        for r in &active.returns {
            result = Some(result.map_or_else(|| r.clone(), |t| t.join(r)));
        }
        let mut result = result.unwrap_or(Type::Any);
        if let (Some(declared), Some(ann)) = (&declared, &code.ret) {
            if !fits_declared(&result, declared, &code.ret_guard) {
                let d = Diag::new(
                    Code::TypeMismatch,
                    format!("`{name}` returns {result}, but its declared result type is {declared}"),
                    code.body.span,
                    format!("this is {result}"),
                )
                .with_label(ann.span, format!("declared {declared}"));
                self.push(d);
            }
            result = result.refine(declared);
        }
        if self.unset_reads == active.unset_reads {
            self.memo.entry(key).or_default().push((args, result.clone()));
        }
        Ok(result)
    }
}
