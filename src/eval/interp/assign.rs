//! Assignment: `let`, `NAME = v` and the compound `NAME op= v`, which moves the variable's tensor
//! out of its slot so that a uniquely owned tensor is updated in place (`W -= s * G` in one fused
//! pass); and the warnings about what is stored, with the one function that shows any warning.

use super::*;

impl Interp {
    /// Whether an assignment storing `new` inside a loop may need [`Interp::watch`]: a loop is
    /// counted and `new` is an `inf` or `nan` float scalar. Tensors are not looked at, so that
    /// this costs no pass over their elements, only a test of the value's kind.
    #[inline]
    fn watched(&self, new: &Value) -> bool {
        self.progress.counting() && !progress::finite_scalar(new).unwrap_or(true)
    }

    /// Warns when an assignment inside the counted loop turns `old`, a finite float scalar, into
    /// `new`, an `inf` or `nan` one ([`Interp::watched`] said so), once per loop.
    #[cold]
    fn watch(&mut self, old: &Value, new: &Value, name: &str, span: Span) -> Result<(), Diag> {
        if progress::finite_scalar(old) != Some(true) {
            return Ok(());
        }
        let Some(step) = self.progress.first_nonfinite() else { return Ok(()) };
        let line = progress::line_of(&self.sources, span);
        self.warn(progress::nonfinite_warning(name, new, step, line, span))
    }

    /// Shows a warning, whether the checker or the run found it: nothing when a `# allow(NAME)`
    /// on its line silences it, an error that stops the run under `--deny-warnings`, else its
    /// report on the warning output (the progress bar taken off the screen meanwhile).
    pub fn warn(&mut self, warning: Diag) -> Result<(), Diag> {
        if crate::check::lint::allowed(&self.sources, &warning) {
            return Ok(());
        }
        if self.deny_warnings {
            return Err(warning.denied());
        }
        let report = self.sources.report(warning);
        let _ = self.out.flush();
        let out = &mut self.warning_out;
        self.progress.suspend(|| {
            let _ = writeln!(out, "{report:?}");
        });
        Ok(())
    }

    /// `NAME = v` or `NAME op= v`. The old value is moved out of its slot, so that a uniquely
    /// owned tensor is updated in place; on error it is put back unchanged. A new value is
    /// checked against `guard` (the variable's type, where the checker could not prove it kept)
    /// before it is stored, so a value of the wrong type never replaces the old one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assign(
        &mut self,
        slot: Slot,
        name: &str,
        op: Option<Arith>,
        value: &Ir,
        guard: &Guard,
        frame: &Rc<Frame>,
        span: Span,
    ) -> Result<(), Unwind> {
        let Some(op) = op else {
            let v = self.eval(value, frame)?;
            check_guard(guard, &v, value.span, None, format_args!("`{name}`'s type"))?;
            let old = self.take(slot, name, frame, span)?;
            if self.watched(&v) {
                self.watch(&old, &v, name, span)?;
            }
            self.store(slot, v, frame);
            return Ok(());
        };
        if let (Arith::Add | Arith::Sub, IrKind::Prim { prim: Builtin::Array(Prim::Arith(Arith::Mul)), args, .. }) =
            (op, &value.kind)
        {
            let (s, g) = (self.eval(&args[0], frame)?, self.eval(&args[1], frame)?);
            let mut old = self.take(slot, name, frame, span)?;
            let sign = if op == Arith::Sub { -1.0 } else { 1.0 };
            if add_scaled_in_place(&mut old, sign, &s, &g) {
                self.store(slot, old, frame);
                return Ok(());
            }
            let product = apply(Prim::Arith(Arith::Mul), vec![s, g], &mut self.ctx)
                .map_err(|e| op_diag(e, value.span, &[args[0].span, args[1].span]).into());
            return self.finish_compound((slot, name, guard), op, old, product, frame, span, value.span);
        }
        let v = self.eval(value, frame);
        let old = self.take(slot, name, frame, span)?;
        self.finish_compound((slot, name, guard), op, old, v, frame, span, value.span)
    }

    /// `old op v` stored into the variable `(slot, name, guard)`; `v` is the evaluated right
    /// side, or its error (then `old` is put back).
    #[allow(clippy::too_many_arguments)]
    fn finish_compound(
        &mut self,
        (slot, name, guard): (Slot, &str, &Guard),
        op: Arith,
        old: Value,
        v: Result<Value, Unwind>,
        frame: &Rc<Frame>,
        span: Span,
        value_span: Span,
    ) -> Result<(), Unwind> {
        let v = match v {
            Ok(v) => v,
            Err(e) => {
                self.store(slot, old, frame);
                return Err(e);
            }
        };
        self.ctx.site = span;
        let fail = |e| op_diag(e, span, &[span, value_span]).into();
        // Validate, then consume. Where the update cannot fail once it starts (the rule accepts
        // the operands and the kernel writes into the old value's own buffers), the old value is
        // handed over and a uniquely owned tensor, or every tensor of a parameter tree, is
        // updated in place. Otherwise the old value is kept (a reference count, not a copy of
        // its elements) and put back if the operation fails, so a failed statement leaves the
        // variable as it was. An update in place keeps the old value's type, so its guard holds.
        let dtype = self.ctx.dtype;
        let (old, v) = if matches!(old.primal(), Value::Tensor(_) | Value::Tuple(_)) {
            if updates_in_place(op, &old, &v, dtype) {
                let result = update(op, old, &v, &mut self.ctx).map_err(fail)?;
                self.store(slot, result, frame);
                return Ok(());
            }
            let operands = [old, v];
            let checked = crate::prims::admit::rule(Prim::Arith(op), &operands, dtype);
            let [old, v] = operands;
            if let Err(e) = checked {
                self.store(slot, old, frame);
                return Err(fail(e));
            }
            (old, v)
        } else {
            (old, v)
        };
        let result = apply(Prim::Arith(op), vec![old.clone(), v], &mut self.ctx).map_err(fail).and_then(|result| {
            check_guard(guard, &result, value_span, None, format_args!("`{name}`'s type"))?;
            Ok(result)
        });
        match result {
            Ok(result) => {
                if self.watched(&result) {
                    self.watch(&old, &result, name, span)?;
                }
                self.store(slot, result, frame);
                Ok(())
            }
            Err(e) => {
                self.store(slot, old, frame);
                Err(e)
            }
        }
    }

    pub(super) fn bind(&mut self, target: &Target, v: Value, frame: &Rc<Frame>, span: Span) -> Result<(), Diag> {
        match target {
            Target::Slot(slot, name) => {
                if self.watched(&v) {
                    let slots = Self::frame_at(frame, slot.depth).slots.borrow();
                    if let Some(old) = &slots[slot.index as usize] {
                        self.watch(old, &v, name, span)?;
                    }
                }
                self.store(*slot, v, frame);
                Ok(())
            }
            Target::Tuple(targets, pattern_span) => match v {
                Value::Tuple(items) if items.len() == targets.len() => {
                    for (t, item) in targets.iter().zip(items.iter()) {
                        self.bind(t, item.clone(), frame, span)?;
                    }
                    Ok(())
                }
                other => Err(Diag::new(
                    Code::TypeMismatch,
                    format!("cannot unpack {} into {} names", other.type_name(), targets.len()),
                    span,
                    other.type_name(),
                )
                .with_label(*pattern_span, format!("{} names", targets.len()))),
            },
        }
    }
}

/// Whether `old op v` can be written into `old`'s own buffers with nothing able to fail: a
/// tensor update that [`crate::prims::admit::cannot_fail`] accepts, or, for a parameter tree that
/// nothing else holds, such an update of every item (against the matching item of a tree `v`,
/// or against a scalar `v`).
fn updates_in_place(op: Arith, old: &Value, v: &Value, dtype: FloatDtype) -> bool {
    let sole = |items: &Rc<[Value]>| !items.is_empty() && Rc::strong_count(items) == 1 && Rc::weak_count(items) == 0;
    match (old, v) {
        (Value::Tuple(x), Value::Tuple(y)) => {
            sole(x) && x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| updates_in_place(op, p, q, dtype))
        }
        (Value::Tuple(x), Value::Int(_) | Value::F64(_) | Value::F32(_)) => {
            sole(x) && x.iter().all(|p| updates_in_place(op, p, v, dtype))
        }
        (Value::Tensor(_), _) => crate::prims::admit::cannot_fail(op, old, v, dtype),
        _ => false,
    }
}

/// `old op v`, item by item for a parameter tree, each item's result written into the item's
/// own buffer (its slot in the tree is emptied while the item is updated). Called where
/// [`updates_in_place`] has found that no item can fail.
fn update(op: Arith, old: Value, v: &Value, ctx: &mut crate::prims::Ctx) -> Result<Value, OpError> {
    let Value::Tuple(mut items) = old else { return apply(Prim::Arith(op), vec![old, v.clone()], ctx) };
    let Some(slots) = Rc::get_mut(&mut items) else {
        return apply(Prim::Arith(op), vec![Value::Tuple(items), v.clone()], ctx);
    };
    for (i, item) in slots.iter_mut().enumerate() {
        let other = match v {
            Value::Tuple(others) => &others[i],
            scalar => scalar,
        };
        let taken = std::mem::replace(item, Value::Bool(false)); // a placeholder, overwritten next
        *item = update(op, taken, other, ctx)?;
    }
    Ok(Value::Tuple(items))
}

/// `old += sign * s * g` in one pass over `old`'s memory, when `old` is a uniquely owned tensor,
/// `s` a scalar and `g` a tensor of `old`'s dtype and shape; `false` (and nothing changed)
/// otherwise.
fn add_scaled_in_place(old: &mut Value, sign: f64, s: &Value, g: &Value) -> bool {
    let scalar = match s {
        Value::F64(x) => *x,
        Value::F32(x) => *x as f64,
        Value::Int(i) => *i as f64,
        _ => return false,
    };
    match (old, g) {
        (Value::Tensor(Tensor::F64(w)), Value::Tensor(Tensor::F64(d)))
            if w.is_unique() && w.shape() == d.shape() && !matches!(s, Value::F32(_)) =>
        {
            add_scaled(w, sign * scalar, d);
            true
        }
        (Value::Tensor(Tensor::F32(w)), Value::Tensor(Tensor::F32(d))) if w.is_unique() && w.shape() == d.shape() => {
            add_scaled(w, (sign * scalar) as f32, d);
            true
        }
        _ => false,
    }
}
