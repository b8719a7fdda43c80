//! The derivative rules of linear algebra ([`Linalg`]). Operands that share work share it: one
//! solve with Aᵀ serves both of `solve`'s cotangents, one least-squares solve both of `lstsq`'s.

use super::Linalg;
use crate::autodiff::{ops::Ops, Cotangents};
use crate::diag::Code;
use crate::prims::{Arith, Construct, OpError, Prim, ShapeOp};
use crate::value::Value;

impl Linalg {
    /// The cotangents of the wanted operands, given the operands `x`, the result `out` (not a
    /// tuple) and its cotangent `g`.
    pub(crate) fn vjp(self, o: &Ops, x: &[Value], out: &Value, g: Value) -> Result<Cotangents, OpError> {
        let a = x[0].clone();
        match self {
            Linalg::MatMul | Linalg::Dot => {
                let (g, b) = (o.full(g, out)?, x[1].clone());
                let ranks = (o.dims(&a).len(), o.dims(&b).len());
                o.each(x, |k| {
                    let (g, a, b) = (g.clone(), a.clone(), b.clone());
                    match (ranks.0, ranks.1, k) {
                        (2, 2, 0) => o.matmul(g, o.transpose(b)?),
                        (2, 2, _) => o.matmul(o.transpose(a)?, g),
                        (2, 1, 0) => o.linalg(Linalg::Outer, g, b),
                        (2, 1, _) => o.matmul(o.transpose(a)?, g),
                        (1, 2, 0) => o.matmul(b, g),
                        (1, 2, _) => o.linalg(Linalg::Outer, a, g),
                        (_, _, 0) => o.mul(g, b),
                        (_, _, _) => o.mul(g, a),
                    }
                    .map(Some)
                })
            }
            Linalg::Outer => {
                let g = o.full(g, out)?;
                o.each(x, |k| {
                    if k == 0 {
                        o.matmul(g.clone(), x[1].clone()).map(Some)
                    } else {
                        o.matmul(o.transpose(g.clone())?, a.clone()).map(Some)
                    }
                })
            }
            Linalg::Trace => o.first(|| {
                let n = o.dims_i64(&a)[0];
                o.mul(g, o.run(Prim::Construct(Construct::Eye), vec![Value::Int(n)])?)
            }),
            // d(A⁻¹) = -A⁻¹ dA A⁻¹, so Ā = -A⁻ᵀ G A⁻ᵀ.
            Linalg::Inv => o.first(|| {
                let t = o.transpose(out.clone())?;
                o.neg(o.matmul(o.matmul(t.clone(), o.full(g, out)?)?, t)?)
            }),
            // x = A⁻¹ b: b̄ = A⁻ᵀ g and Ā = -b̄ xᵀ.
            Linalg::Solve => {
                let db = o.linalg(Linalg::Solve, o.transpose(a)?, o.full(g, out)?)?;
                o.each(x, |k| Ok(Some(if k == 1 { db.clone() } else { o.neg(o.outer_t(db.clone(), out.clone())?)? })))
            }
            // d det(A) = det(A) tr(A⁻¹ dA): Ā = g det(A) A⁻ᵀ (an error at a singular A).
            Linalg::Det => {
                o.first(|| o.mul(o.mul(g, out.clone())?, o.transpose(o.run(Prim::Linalg(Linalg::Inv), vec![a])?)?))
            }
            // Murray (2016), as PyTorch writes it: P = tril(Lᵀ Ḡ), S = (P + tril(P, -1)ᵀ) / 2,
            // Ā = L⁻ᵀ S L⁻¹ (symmetric, like the `(A + Aᵀ) / 2` the forward pass reads).
            Linalg::Cholesky => o.first(|| {
                let lt = o.transpose(out.clone())?;
                let p = o.mul(o.matmul(lt.clone(), o.full(g, out)?)?, o.lower_mask(out, false))?;
                let strict = o.mul(p.clone(), o.lower_mask(out, true))?;
                let s = o.div(o.arith(Arith::Add, p, o.transpose(strict)?)?, Value::Int(2))?;
                let left = o.linalg(Linalg::Solve, lt.clone(), s)?;
                o.transpose(o.linalg(Linalg::Solve, lt, o.transpose(left)?)?)
            }),
            // x = A⁺ b, differentiated through Golub and Pereyra's derivative of the
            // pseudo-inverse (exact where A's rank does not change), without forming A⁺:
            // u = A⁺ᵀ g, v = A⁺ u, w = g - A⁺ A g, y = A⁺ᵀ x, r = b - A x;
            // b̄ = u and Ā = r vᵀ - u xᵀ + y wᵀ.
            Linalg::Lstsq => {
                let (g, sol) = (o.full(g, out)?, out.clone());
                let at = o.transpose(a.clone())?;
                let u = o.linalg(Linalg::Lstsq, at.clone(), g.clone())?;
                o.each(x, |k| {
                    if k == 1 {
                        return Ok(Some(u.clone()));
                    }
                    let r = o.sub(x[1].clone(), o.matmul(a.clone(), sol.clone())?)?;
                    let v = o.linalg(Linalg::Lstsq, a.clone(), u.clone())?;
                    let w = o.sub(g.clone(), o.linalg(Linalg::Lstsq, a.clone(), o.matmul(a.clone(), g.clone())?)?)?;
                    let y = o.linalg(Linalg::Lstsq, at.clone(), sol.clone())?;
                    let first = o.sub(o.outer_t(r, v)?, o.outer_t(u.clone(), sol.clone())?)?;
                    o.arith(Arith::Add, first, o.outer_t(y, w)?).map(Some)
                })
            }
            // Tuple results: their cotangents come item by item, to [`Linalg::vjp_items`].
            Linalg::Eigh | Linalg::Qr | Linalg::Svd => Ok(Vec::new()),
        }
    }

    /// The cotangent of the matrix operand of a tuple result (`eigh`, `svd`, `qr`), given the
    /// result `out` and its cotangent item by item in `gs` (`None` for an item nothing used,
    /// whose terms are left out).
    pub(crate) fn vjp_items(self, o: &Ops, out: &Value, gs: &[Option<Value>]) -> Result<Cotangents, OpError> {
        let d = match self {
            Linalg::Eigh => {
                // Giles (2008): A = V diag(w) Vᵀ gives Ā = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ with
                // F_ij = 1 / (w_j - w_i) off the diagonal (distinct eigenvalues), symmetrised like
                // the (A + Aᵀ) / 2 the forward pass reads. F is (1 - I) / (w_j - w_i + I), which
                // is 0 on the diagonal and has no 0 / 0 for a second derivative to meet.
                // An unused item's term is left out: the eigenvalues' gradient needs no distinct
                // eigenvalues.
                let Value::Tuple(outs) = out else { return Ok(Vec::new()) };
                let (w, v) = (outs[0].clone(), outs[1].clone());
                let n = o.dims_i64(&w)[0];
                let eye = o.cast_like(o.run(Prim::Construct(Construct::Eye), vec![Value::Int(n)])?, &w)?;
                let mut inner = Value::Int(0);
                if let Some(gw) = &gs[0] {
                    let gw =
                        o.shape_op(ShapeOp::Reshape, vec![o.full(gw.clone(), &w)?, Value::Int(1), Value::Int(n)])?;
                    inner = o.mul(eye.clone(), gw)?;
                }
                if let Some(gv) = &gs[1] {
                    let row = o.shape_op(ShapeOp::Reshape, vec![w.clone(), Value::Int(1), Value::Int(n)])?;
                    let column = o.shape_op(ShapeOp::Reshape, vec![w, Value::Int(n), Value::Int(1)])?;
                    let gaps = o.arith(Arith::Add, o.sub(row, column)?, eye.clone())?;
                    let f = o.div(o.sub(Value::Int(1), eye)?, gaps)?;
                    let rotated = o.matmul(o.transpose(v.clone())?, o.full(gv.clone(), &v)?)?;
                    inner = o.arith(Arith::Add, inner, o.mul(f, rotated)?)?;
                }
                let abar = o.matmul(o.matmul(v.clone(), inner)?, o.transpose(v)?)?;
                o.div(o.arith(Arith::Add, abar.clone(), o.transpose(abar)?)?, Value::Int(2))
            }
            Linalg::Qr => {
                // Reduced A = QR with m ≥ n (TensorFlow's QrGrad, Walter and Lehmann 2018):
                // T = tril(Qᵀ Q̄ − Q̄ᵀ Q + R R̄ᵀ − R̄ Rᵀ), Ā = Q (R̄ + T R⁻ᵀ) + (Q̄ − Q Qᵀ Q̄) R⁻ᵀ.
                let Value::Tuple(outs) = out else { return Ok(Vec::new()) };
                let (q, r) = (outs[0].clone(), outs[1].clone());
                let (m, n) = (o.dims_i64(&q)[0], o.dims_i64(&r)[1]);
                if m < n {
                    return Err(OpError::new(Code::RuntimeGrad, "`qr` is differentiable only for m ≥ n")
                        .label(format!("a {m}×{n} matrix is wide")));
                }
                let zero_or = |v: &Option<Value>, like: &Value| match v {
                    Some(v) => o.full(v.clone(), like),
                    None => o.zeros_like(like),
                };
                let (gq, gr) = (zero_or(&gs[0], &q)?, zero_or(&gs[1], &r)?);
                let antisym = |x: Value| -> Result<Value, OpError> { o.sub(x.clone(), o.transpose(x)?) };
                let qdq = antisym(o.matmul(o.transpose(q.clone())?, gq.clone())?)?;
                let rdr = antisym(o.matmul(r.clone(), o.transpose(gr.clone())?)?)?;
                let t = o.mul(o.arith(Arith::Add, qdq, rdr)?, o.lower_mask(&r, false))?;
                // x R⁻ᵀ = (R⁻¹ xᵀ)ᵀ
                let right_solve = |x: Value| -> Result<Value, OpError> {
                    o.transpose(o.linalg(Linalg::Solve, r.clone(), o.transpose(x)?)?)
                };
                let inner = o.arith(Arith::Add, gr, right_solve(t)?)?;
                let first = o.matmul(q.clone(), inner)?;
                let projected = o.sub(gq.clone(), o.matmul(q.clone(), o.matmul(o.transpose(q)?, gq)?)?)?;
                o.arith(Arith::Add, first, right_solve(projected)?)
            }
            Linalg::Svd => {
                // Thin A = U diag(s) Vᵀ (Townsend 2016), with F_ij = 1 / (s_j² − s_i²) off the
                // diagonal (distinct singular values) and S = diag(s):
                // Ā = U [diag(s̄) + (F ∘ (UᵀŪ − ŪᵀU)) S + S (F ∘ (VᵀV̄ − V̄ᵀV))] Vᵀ
                //     + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ). Unused items' terms are left out.
                let Value::Tuple(outs) = out else { return Ok(Vec::new()) };
                let (u, s, vt) = (outs[0].clone(), outs[1].clone(), outs[2].clone());
                let k = o.dims_i64(&s)[0];
                let reshape =
                    |x: Value, r: i64, c: i64| o.shape_op(ShapeOp::Reshape, vec![x, Value::Int(r), Value::Int(c)]);
                let eye = o.cast_like(o.run(Prim::Construct(Construct::Eye), vec![Value::Int(k)])?, &s)?;
                let (row, column) = (reshape(s.clone(), 1, k)?, reshape(s, k, 1)?);
                let squares = o.sub(o.mul(row.clone(), row.clone())?, o.mul(column.clone(), column)?)?;
                let f = o.div(o.sub(Value::Int(1), eye.clone())?, o.arith(Arith::Add, squares, eye.clone())?)?;
                let diag_s = o.mul(eye.clone(), row.clone())?;
                let skew =
                    |x: Value| -> Result<Value, OpError> { o.mul(f.clone(), o.sub(x.clone(), o.transpose(x)?)?) };
                let v = o.transpose(vt.clone())?;
                let mut inner = Value::Int(0);
                let mut outside = Value::Int(0);
                if let Some(g_s) = &gs[1] {
                    inner = o.mul(eye, reshape(o.full(g_s.clone(), &row)?, 1, k)?)?;
                }
                if let Some(gu) = &gs[0] {
                    let gu = o.full(gu.clone(), &u)?;
                    let utgu = o.matmul(o.transpose(u.clone())?, gu.clone())?;
                    inner = o.arith(Arith::Add, inner, o.matmul(skew(utgu.clone())?, diag_s.clone())?)?;
                    let rest = o.div(o.sub(gu, o.matmul(u.clone(), utgu)?)?, row.clone())?;
                    outside = o.arith(Arith::Add, outside, o.matmul(rest, vt.clone())?)?;
                }
                if let Some(gv) = &gs[2] {
                    let gv = o.transpose(o.full(gv.clone(), &vt)?)?;
                    let vtgv = o.matmul(vt.clone(), gv.clone())?;
                    inner = o.arith(Arith::Add, inner, o.matmul(diag_s, skew(vtgv.clone())?)?)?;
                    let rest = o.div(o.sub(gv, o.matmul(v, vtgv)?)?, row)?;
                    outside = o.arith(Arith::Add, outside, o.matmul(u.clone(), o.transpose(rest)?)?)?;
                }
                o.arith(Arith::Add, o.matmul(o.matmul(u, inner)?, vt)?, outside)
            }
            Linalg::MatMul
            | Linalg::Dot
            | Linalg::Outer
            | Linalg::Trace
            | Linalg::Inv
            | Linalg::Solve
            | Linalg::Det
            | Linalg::Cholesky
            | Linalg::Lstsq => return Ok(Vec::new()),
        };
        Ok(vec![Some(d?)])
    }
}
