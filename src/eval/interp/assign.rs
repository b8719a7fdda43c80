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
    /// owned tensor is updated in place; on error it is put back unchanged.
    pub(super) fn assign(
        &mut self,
        slot: Slot,
        name: &str,
        op: Option<Arith>,
        value: &Ir,
        frame: &Rc<Frame>,
        span: Span,
    ) -> Result<(), Unwind> {
        let Some(op) = op else {
            let v = self.eval(value, frame)?;
            let old = self.take(slot, name, frame, span)?;
            if self.watched(&v) {
                self.watch(&old, &v, name, span)?;
            }
            self.store(slot, v, frame);
            return Ok(());
        };
        if let (Arith::Add | Arith::Sub, IrKind::Prim { prim: Prim::Arith(Arith::Mul), args, .. }) = (op, &value.kind) {
            let (s, g) = (self.eval(&args[0], frame)?, self.eval(&args[1], frame)?);
            let mut old = self.take(slot, name, frame, span)?;
            let sign = if op == Arith::Sub { -1.0 } else { 1.0 };
            if add_scaled_in_place(&mut old, sign, &s, &g) {
                self.store(slot, old, frame);
                return Ok(());
            }
            let product = apply(Prim::Arith(Arith::Mul), vec![s, g], &mut self.ctx)
                .map_err(|e| op_diag(e, value.span, &[args[0].span, args[1].span]).into());
            return self.finish_compound(slot, name, op, old, product, frame, span, value.span);
        }
        let v = self.eval(value, frame);
        let old = self.take(slot, name, frame, span)?;
        self.finish_compound(slot, name, op, old, v, frame, span, value.span)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_compound(
        &mut self,
        slot: Slot,
        name: &str,
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
        // Validate, then consume: a tensor is handed to the kernel only after the type rule has
        // accepted the operands (a tensor operation then cannot fail), so a uniquely owned
        // tensor is updated in place instead of being kept aside in case of error.
        let operands = vec![old, v];
        let keep = match operands[0].primal() {
            Value::Tensor(_) => {
                if let Err(e) = crate::prims::admit::rule(Prim::Arith(op), &operands, self.ctx.dtype) {
                    let old = operands.into_iter().next().expect("two operands");
                    self.store(slot, old, frame);
                    return Err(fail(e));
                }
                None
            }
            _ => Some(operands[0].clone()),
        };
        match apply(Prim::Arith(op), operands, &mut self.ctx) {
            Ok(result) => {
                if let Some(old) = keep.as_ref().filter(|_| self.watched(&result)) {
                    self.watch(old, &result, name, span)?;
                }
                self.store(slot, result, frame);
                Ok(())
            }
            Err(e) => {
                if let Some(old) = keep {
                    self.store(slot, old, frame);
                }
                Err(fail(e))
            }
        }
    }

    pub(super) fn bind(&mut self, target: &Target, v: Value, frame: &Rc<Frame>, span: Span) -> Result<(), Diag> {
        match target {
            Target::Slot(slot, name) => {
                if self.watched(&v) {
                    let slots = Self::frame_at(frame, slot.depth).slots.borrow();
                    self.watch(&slots[slot.index as usize], &v, name, span)?;
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
