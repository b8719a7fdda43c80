//! The gradient table, after JAX's `LAX_GRAD_OPS`: for every primitive of `tscript::prims`, the
//! functions of `x` whose gradients the property test checks, each with the shapes and domains
//! its inputs are drawn from. [`cases`] matches every primitive with no catch-all arm, so a new
//! primitive does not compile until it has an entry here.

use rand::Rng;
use tscript::prims::{Arith, Construct, Linalg, Prim, Reduce, ShapeOp, Stats, Unary};

/// Where an input's values are drawn from: away from the kinks of the function it feeds.
#[derive(Clone, Copy, Debug)]
pub enum Dom {
    /// Uniform in [-1.5, 1.5].
    Any,
    /// Uniform in [0.5, 2] (`log`, `sqrt`, bases of powers).
    Pos,
    /// ±[0.3, 1.5] (`abs`, `relu`, `sign`, divisors).
    Away,
    /// Distinct odd tenths, ±0.1 … ±1.5, plus up to 0.02: never within 0.08 of each other, of
    /// an `Even` value or of an even tenth (`max`, `maximum`, comparisons, `clip`'s ends).
    Odd,
    /// Even tenths, 0 … ±1.4, plus up to 0.02.
    Even,
    /// Uniform in [lo, hi].
    In(f64, f64),
    /// A square matrix 3 I + (uniform in [-0.3, 0.3]): well conditioned, positive determinant.
    WellCond,
}

/// One input of a case: its name in the snippet, shape and domain.
pub struct Input {
    pub name: &'static str,
    pub shape: Vec<usize>,
    pub dom: Dom,
}

/// One function to differentiate: `fn f(x) = body`, with `x` and the named constants drawn at
/// random from their domains.
pub struct Case {
    pub body: String,
    pub x: Input,
    pub consts: Vec<Input>,
}

impl Case {
    /// A case whose body uses `x` and the given constants.
    fn new(body: impl Into<String>, x: (&[usize], Dom), consts: &[(&'static str, &[usize], Dom)]) -> Case {
        let input = |(name, shape, dom): (&'static str, &[usize], Dom)| Input { name, shape: shape.to_vec(), dom };
        Case { body: body.into(), x: input(("x", x.0, x.1)), consts: consts.iter().map(|&c| input(c)).collect() }
    }

    /// `sum((expr) * W)` with random weights `W` of the result's shape, so that every element
    /// of the result counts differently.
    fn weighted(expr: &str, x: (&[usize], Dom), consts: &[(&'static str, &[usize], Dom)], out: &[usize]) -> Case {
        let mut all = consts.to_vec();
        all.push(("W", out, Dom::Any));
        Case::new(format!("sum(({expr}) * W)"), x, &all)
    }
}

/// The gradient cases of `prim`, or `None` for a primitive that no float value flows through
/// (or, for the few noted, one tested elsewhere).
pub fn cases(prim: Prim, rng: &mut impl Rng) -> Option<Vec<Case>> {
    use Dom::*;
    let w = Case::weighted;
    let c = Case::new;
    let (m, n) = (rng.random_range(2..=3), rng.random_range(2..=3));
    let (mn, nm, mm, m1, n1) = (&[m, n][..], &[n, m][..], &[m, m][..], &[m, 1][..], &[n, 1][..]);
    Some(match prim {
        Prim::Arith(op) => match op {
            Arith::Add => binary("{a} + {b}", Any, Any, rng),
            Arith::Sub => binary("{a} - {b}", Any, Any, rng),
            Arith::Mul => binary("{a} * {b}", Any, Any, rng),
            Arith::Div => binary("{a} / {b}", Any, Away, rng),
            Arith::Rem => binary("{a} % {b}", In(2.1, 2.3), In(0.9, 1.0), rng),
            // Piecewise constant, away from its jumps: x plus a constant step.
            Arith::FloorDiv => binary("{a} // {b} + {a} * {b}", In(2.1, 2.3), In(0.9, 1.0), rng),
            Arith::Pow => {
                let mut v = binary("{a} ^ {b}", Pos, Any, rng);
                v.push(w("x ^ 2", (mn, Any), &[], mn));
                v.push(w("x ^ 3 - x ^ -1", (mn, Away), &[], mn));
                v.push(w("2.0 ^ x + x ^ 0.5", (&[n], Pos), &[], &[n]));
                v
            }
            Arith::Eq => compare("x == C"),
            Arith::Ne => compare("x != C"),
            Arith::Lt => compare("x < C"),
            Arith::Le => compare("x <= C"),
            Arith::Gt => compare("x > C"),
            Arith::Ge => compare("x >= C"),
            Arith::And => compare("(x > C) and (x < 0.6)"),
            Arith::Or => compare("(x > C) or (x < -0.6)"),
            Arith::Maximum => binary("maximum({a}, {b})", Odd, Even, rng),
            Arith::Minimum => binary("minimum({a}, {b})", Odd, Even, rng),
            Arith::Where => vec![
                w("where(C > 0, x, D)", (&[n], Any), &[("C", m1, Away), ("D", mn, Any)], mn),
                w("where(C > 0, D, x)", (m1, Any), &[("C", &[n], Away), ("D", &[], Any)], mn),
                w("where(C > 0, x, 0.0)", (&[], Any), &[("C", mn, Away)], mn),
                w("where(x > 0, sin(x), x ^ 2)", (mn, Away), &[], mn),
            ],
            Arith::Clip => vec![
                w("clip(x, -0.5, 0.5)", (mn, Even), &[], mn),
                w("clip(C, x, 1.0)", (&[], Even), &[("C", mn, Odd)], mn),
                w("clip(C, -1.0, x)", (&[], Even), &[("C", mn, Odd)], mn),
            ],
        },
        Prim::Unary(op) => match op {
            Unary::Neg => unary("-{a}", Any, rng),
            Unary::Not => compare("not (x > C)"),
            Unary::Abs => unary("abs({a})", Away, rng),
            Unary::Sqrt => unary("sqrt({a})", Pos, rng),
            Unary::Exp => unary("exp({a})", Any, rng),
            Unary::Log => unary("log({a})", Pos, rng),
            Unary::Sin => unary("sin({a})", Any, rng),
            Unary::Cos => unary("cos({a})", Any, rng),
            Unary::Tanh => unary("tanh({a})", Any, rng),
            Unary::Sigmoid => unary("sigmoid({a})", Any, rng),
            Unary::Relu => unary("relu({a})", Away, rng),
            Unary::Softplus => unary("softplus({a})", Any, rng),
            Unary::Sign => unary("sign({a}) * {a}", Away, rng),
            Unary::IsNan => unary("where(isnan({a}), 0.0, {a} ^ 2)", Any, rng),
            // Piecewise constant: away from the steps, each is a constant times x.
            Unary::Floor => vec![w("floor(x + 0.5) * x", (mn, In(0.05, 0.45)), &[], mn)],
            Unary::Ceil => vec![w("ceil(x) * x", (mn, In(0.05, 0.95)), &[], mn)],
            Unary::Round => vec![w("round(x, 1) * x", (mn, In(0.11, 0.14)), &[], mn)],
        },
        Prim::Reduce(op) => match op {
            Reduce::Sum => reduction("sum", Any, m, n),
            Reduce::Mean => reduction("mean", Any, m, n),
            Reduce::Max => reduction("max", Odd, m, n),
            Reduce::Min => reduction("min", Odd, m, n),
            Reduce::Prod => reduction("prod", Away, m, n),
            Reduce::LogSumExp => reduction("logsumexp", Any, m, n),
            Reduce::ArgMax => {
                vec![c("x[argmax(x)] ^ 2", (&[n + 2], Odd), &[]), w("x * argmax(x, axis=0)", (mn, Odd), &[], mn)]
            }
            Reduce::ArgMin => vec![
                c("x[argmin(x)] ^ 2", (&[n + 2], Odd), &[]),
                w("x * argmin(x, axis=1, keepdims=true)", (mn, Odd), &[], mn),
            ],
            Reduce::Any => vec![w("where(any(x > 0, axis=1, keepdims=true), x, -x)", (mn, Away), &[], mn)],
            Reduce::All => vec![w("where(all(x > 0, axis=0), x ^ 2, x)", (mn, Away), &[], mn)],
            Reduce::Softmax => vec![
                w("softmax(x)", (mn, Any), &[], mn),
                w("softmax(x, axis=0)", (mn, Any), &[], mn),
                w("softmax(x)", (&[n], Any), &[], &[n]),
            ],
            Reduce::Norm => vec![w("norm(x)", (&[n], Any), &[], &[]), w("norm(x)", (mn, Any), &[], &[])],
        },
        Prim::Stats(op) => match op {
            Stats::Var => {
                let mut cases = reduction("var", Any, m, n);
                cases.push(w("var(x, axis=1, ddof=1)", (mn, Any), &[], &[m]));
                cases
            }
            Stats::Std => {
                let mut cases = reduction("std", Any, m, n);
                cases.push(w("std(x, axis=0, ddof=1)", (mn, Any), &[], &[n]));
                cases
            }
            Stats::Median => reduction("median", Odd, m, n),
            Stats::Quantile => vec![
                w("quantile(x, 0.3)", (mn, Odd), &[], &[]),
                w("quantile(x, 0.8, axis=0)", (mn, Odd), &[], &[n]),
                w("quantile(x, 0.25, axis=1, keepdims=true)", (mn, Odd), &[], &[m, 1]),
            ],
            Stats::CumSum => vec![
                w("cumsum(x)", (mn, Any), &[], &[m * n]),
                w("cumsum(x, axis=0)", (mn, Any), &[], mn),
                w("cumsum(x, axis=-1)", (mn, Any), &[], mn),
            ],
            Stats::CumProd => {
                vec![w("cumprod(x)", (mn, Away), &[], &[m * n]), w("cumprod(x, axis=1)", (mn, Away), &[], mn)]
            }
            Stats::Sort => vec![
                w("sort(x)", (&[n + 2], Any), &[], &[n + 2]),
                c("sum(sort(x) * C)", (&[n], Any), &[("C", &[n], Any)]),
            ],
            // The order is constant near the point: a gather by an index tensor.
            Stats::ArgSort => vec![c("sum(x[argsort(x)] * C)", (&[n], Any), &[("C", &[n], Any)])],
        },
        Prim::Shape(op) => match op {
            ShapeOp::Shape => vec![w("reshape(x, shape(x)[1], shape(x)[0])", (mn, Any), &[], nm)],
            ShapeOp::Size => vec![w("x / size(x)", (mn, Any), &[], mn)],
            ShapeOp::Len => vec![w("x * len(x)", (mn, Any), &[], mn)],
            ShapeOp::Reshape => vec![
                w("reshape(x, 3, 2)", (&[2, 3], Any), &[], &[3, 2]),
                w("reshape(x, -1)", (mn, Any), &[], &[m * n]),
                c("sum(reshape(x, 1, -1)) ^ 2", (&[n], Any), &[]),
            ],
            ShapeOp::Transpose => vec![
                w("x.T", (mn, Any), &[], nm),
                w("transpose(x) * C", (mn, Any), &[("C", n1, Any)], nm),
                c("sum(x.T) ^ 2", (mn, Any), &[]),
            ],
            ShapeOp::Concat => vec![
                w("concat(x, C)", (mn, Any), &[("C", &[1, n], Any)], &[m + 1, n]),
                w("concat(C, x, axis=1)", (mn, Any), &[("C", m1, Any)], &[m, n + 1]),
                w("concat(x, x * x, axis=-1)", (mn, Any), &[], &[m, 2 * n]),
            ],
            ShapeOp::Stack => vec![
                w("stack(x, C)", (&[n], Any), &[("C", &[n], Any)], &[2, n]),
                w("stack(C, x, axis=1)", (&[n], Any), &[("C", &[n], Any)], &[n, 2]),
                w("stack(x, x * 2.0, axis=-1)", (mn, Any), &[], &[m, n, 2]),
            ],
            ShapeOp::Literal => vec![
                w("[x[0] * 2.0, x[1], 1.0]", (&[3], Any), &[], &[3]),
                w("[[x, 1.0], [2.0, x * x]]", (&[], Any), &[], &[2, 2]),
                w("[x, C]", (&[n], Any), &[("C", &[n], Any)], &[2, n]),
            ],
            ShapeOp::Index => vec![
                w("x[1]", (&[3, 4], Any), &[], &[4]),
                c("x[-1, 2] * x[0, 0]", (&[3, 4], Any), &[]),
                w("x[:, 1]", (&[3, 4], Any), &[], &[3]),
                w("x[1:3, ::-1]", (&[3, 4], Any), &[], &[2, 4]),
                w("x[::-2, 1:]", (&[3, 4], Any), &[], &[2, 3]),
                w("x[2:0:-1, -2]", (&[3, 4], Any), &[], &[2]),
                w("x[3:0:-2] * x[:2]", (&[5], Any), &[], &[2]),
                // Bool masks: rows, columns, elements; what is picked depends on x only through
                // comparisons, constant near the point.
                c("sum(x[[true, false, true]] * x[[true, false, true]])", (&[3, 4], Any), &[]),
                c("sum(x[:, [false, true, true, false]] ^ 3)", (&[3, 4], Any), &[]),
                c("sum(sin(x[x > 0.0]))", (&[3, 4], Away), &[]),
                // Index tensors: rows (one repeated), columns, elements of a row, from the end.
                w("x[[2, 0, 2]]", (&[3, 4], Any), &[], &[3, 4]),
                w("x[:, [1, 1, 0]] * C", (&[3, 4], Any), &[("C", &[3, 3], Any)], &[3, 3]),
                c("sum(x[0, [3, -1, 1]] ^ 2)", (&[3, 4], Any), &[]),
            ],
            ShapeOp::IndexSet => vec![
                c("{ let A = zeros(3, 3); A[0:2, :] = x; sum(A * W) }", (&[2, 3], Any), &[("W", &[3, 3], Any)]),
                c(
                    "{ let A = C * 1.0; A[[true, false, true]] = x; A[C > 0.0] += 2.0 * sum(x); sum(A * W) }",
                    (&[2, 3], Any),
                    &[("C", &[3, 3], Away), ("W", &[3, 3], Any)],
                ),
                c(
                    "{ let A = C * 1.0; A[1, ::-1] = x[0]; A[0] += x[1] * x[1]; sum(A * W) }",
                    (&[2, 3], Any),
                    &[("C", &[2, 3], Any), ("W", &[2, 3], Any)],
                ),
                c("{ let A = x * 1.0; A[0] = C[0]; sum(A * sin(A)) }", (&[2, 3], Any), &[("C", &[2, 3], Any)]),
                c(
                    "{ let A = C * 1.0; A[[2, 0]] = x; A[:, [1]] += sum(x); sum(A * W) }",
                    (&[2, 3], Any),
                    &[("C", &[3, 3], Any), ("W", &[3, 3], Any)],
                ),
                c(
                    "{ let A = x * 2.0; A[1, 1] = A[0, 0] * A[0, 1]; A[0, :] *= A[1, 2]; sum(A * W) }",
                    (&[2, 3], Any),
                    &[("W", &[2, 3], Any)],
                ),
            ],
            ShapeOp::F64 => vec![w("f64(x)", (mn, Any), &[], mn)],
            ShapeOp::Float => vec![w("float(x)", (mn, Any), &[], mn), c("float(x) ^ 2", (&[], Any), &[])],
            ShapeOp::Int => vec![c("x ^ 2 * int(x)", (&[], In(1.2, 1.8)), &[])],
            ShapeOp::Str => vec![c("if str(x) == str(x) { x ^ 3 } else { x }", (&[], Any), &[])],
            ShapeOp::Format => vec![c("if format(x, \".2f\") == f\"{x:.2f}\" { x ^ 3 } else { x }", (&[], Any), &[])],
            ShapeOp::Repr => vec![c("if f\"{x!r}\" == str(x) { x ^ 3 } else { x }", (&[], Any), &[])],
            // f32 rounding is coarser than gradcheck's eps: `f32_gradients_keep_their_dtype`.
            ShapeOp::F32 => return None,
            // Internal: reached only from derivative rules, exercised by every broadcasting
            // case's second derivative.
            ShapeOp::BroadcastTo | ShapeOp::SumTo | ShapeOp::IndexAdd => return None,
            ShapeOp::I64 => vec![w("x * i64(C)", (mn, Any), &[("C", mn, In(-3.0, 3.0))], mn)],
        },
        Prim::Construct(op) => match op {
            Construct::Full => vec![w("full(x, 2, 3)", (&[], Any), &[], &[2, 3])],
            Construct::Arange => vec![
                w("arange(x, x + 3.5)", (&[], Any), &[], &[4]),
                w("arange(0.0, 2.0, x)", (&[], In(0.55, 0.6)), &[], &[4]),
                w("arange(0.0, x, 0.5) + x", (&[], In(1.6, 1.9)), &[], &[4]),
            ],
            Construct::Linspace => vec![
                w("linspace(x, C, 5)", (&[], Any), &[("C", &[], Any)], &[5]),
                w("linspace(C, x, 4)", (&[], Any), &[("C", &[], Any)], &[4]),
                w("linspace(x, 1.0, 1)", (&[], Any), &[], &[1]),
            ],
            // Their arguments are ints: no float flows through them.
            Construct::Zeros
            | Construct::Ones
            | Construct::Eye
            | Construct::Randn
            | Construct::Rand
            | Construct::OneHot
            | Construct::Permutation
            | Construct::Randint
            | Construct::Choice
            | Construct::ZerosLike
            | Construct::OnesLike => return None,
            // Not differentiable: its order is drawn, not recorded (an error says so).
            Construct::Shuffle => return None,
        },
        Prim::Linalg(op) => match op {
            Linalg::MatMul => vec![
                w("x @ C", (mn, Any), &[("C", nm, Any)], mm),
                w("C @ x", (nm, Any), &[("C", mn, Any)], mm),
                w("x @ C", (mn, Any), &[("C", &[n], Any)], &[m]),
                w("C @ x", (&[n], Any), &[("C", mn, Any)], &[m]),
                w("x @ C", (&[m], Any), &[("C", mn, Any)], &[n]),
                w("C @ x", (mn, Any), &[("C", &[m], Any)], &[n]),
                c("x @ C", (&[n], Any), &[("C", &[n], Any)]),
                w("x @ x", (mm, Any), &[], mm),
            ],
            Linalg::Dot => vec![c("dot(x, C)", (&[n], Any), &[("C", &[n], Any)]), c("dot(x, x)", (&[n], Any), &[])],
            Linalg::Outer => vec![
                w("outer(x, C)", (&[m], Any), &[("C", &[n], Any)], mn),
                w("outer(C, x)", (&[n], Any), &[("C", &[m], Any)], mn),
            ],
            Linalg::Trace => vec![c("trace(x * C) ^ 2", (mm, Any), &[("C", mm, Any)])],
            Linalg::Inv => vec![w("inv(x)", (&[3, 3], WellCond), &[], &[3, 3])],
            Linalg::Solve => vec![
                w("solve(x, C)", (&[3, 3], WellCond), &[("C", &[3], Any)], &[3]),
                w("solve(x, C)", (&[3, 3], WellCond), &[("C", &[3, 2], Any)], &[3, 2]),
                w("solve(C, x)", (&[3], Any), &[("C", &[3, 3], WellCond)], &[3]),
                // Both operands at once: one rule call gives both cotangents.
                w("solve(x, x[:, 0] + C)", (&[3, 3], WellCond), &[("C", &[3], Any)], &[3]),
                w("solve(x, x @ C)", (&[3, 3], WellCond), &[("C", &[3, 2], Any)], &[3, 2]),
            ],
            Linalg::Det => vec![c("det(x)", (&[3, 3], WellCond), &[]), c("log(det(x))", (&[3, 3], WellCond), &[])],
            Linalg::Cholesky => {
                vec![w("cholesky(x @ x.T + eye(3))", (&[3, 3], WellCond), &[], &[3, 3])]
            }
            Linalg::Lstsq => vec![
                w("lstsq(x, C)", (&[4, 2], Any), &[("C", &[4], Any)], &[2]),
                w("lstsq(C, x)", (&[4], Any), &[("C", &[4, 2], Any)], &[2]),
                w("lstsq(x, x[:, 0] ^ 2 + C)", (&[4, 2], Any), &[("C", &[4], Any)], &[2]),
            ],
            // Random symmetric matrices have distinct eigenvalues; squared eigenvectors do not
            // depend on the sign LAPACK picks.
            Linalg::Eigh => vec![
                w("eigh(x + x.T)[0]", (&[3, 3], Any), &[], &[3]),
                c("sum(eigh(x + x.T)[1] ^ 2 * C)", (&[3, 3], Any), &[("C", &[3, 3], Any)]),
            ],
            // Tall and square matrices (the rule needs m ≥ n); each item weighted by a constant.
            Linalg::Qr => vec![
                c("sum(qr(x)[0] * C)", (&[4, 3], Any), &[("C", &[4, 3], Any)]),
                c("sum(qr(x)[1] * C)", (&[3, 3], WellCond), &[("C", &[3, 3], Any)]),
            ],
            // Tall and wide; squared singular vectors do not depend on the signs LAPACK picks.
            Linalg::Svd => vec![
                w("svd(x)[1]", (&[4, 3], Any), &[], &[3]),
                c(
                    "sum(svd(x)[0] ^ 2 * C) + sum(svd(x)[2] ^ 2 * D)",
                    (&[4, 3], Any),
                    &[("C", &[4, 3], Any), ("D", &[3, 3], Any)],
                ),
                c("sum(svd(x)[2] ^ 2 * C)", (&[2, 3], Any), &[("C", &[2, 3], Any)]),
            ],
        },
    })
}

/// `template` (with `{a}`, `{b}`) applied to `x` and a constant `C` on either side, for each
/// way two shapes broadcast: equal, a column against a row, a scalar against a matrix on
/// either side, an outer broadcast, a vector against a matrix. The operands' domains go with
/// their sides.
fn binary(template: &str, left: Dom, right: Dom, rng: &mut impl Rng) -> Vec<Case> {
    let mut out = Vec::new();
    for pattern in 0..6 {
        let (m, n) = (rng.random_range(2..=3), rng.random_range(2..=3));
        let (sa, sb): (Vec<usize>, Vec<usize>) = match pattern {
            0 => (vec![m, n], vec![m, n]),
            1 => (vec![m, 1], vec![n]),
            2 => (vec![], vec![m, n]),
            3 => (vec![m, n], vec![]),
            4 => (vec![m, 1], vec![1, n]),
            _ => (vec![n], vec![m, n]),
        };
        let result = broadcast(&sa, &sb);
        let expr = |a: &str, b: &str| template.replace("{a}", a).replace("{b}", b);
        out.push(Case::weighted(&expr("x", "C"), (&sa, left), &[("C", &sb, right)], &result));
        out.push(Case::weighted(&expr("C", "x"), (&sb, right), &[("C", &sa, left)], &result));
    }
    out
}

/// `template` (with `{a}`) applied to `x` of each rank 0, 1, 2.
fn unary(template: &str, dom: Dom, rng: &mut impl Rng) -> Vec<Case> {
    let (m, n) = (rng.random_range(2..=3), rng.random_range(2..=4));
    let expr = template.replace("{a}", "x");
    [vec![], vec![n], vec![m, n]].iter().map(|s| Case::weighted(&expr, (s, dom), &[], s)).collect()
}

/// A reduction over everything, along each axis, with and without `keepdims`.
fn reduction(name: &str, dom: Dom, m: usize, n: usize) -> Vec<Case> {
    let order: Vec<(String, Vec<usize>, Vec<usize>)> = vec![
        (format!("{name}(x)"), vec![m, n], vec![]),
        (format!("{name}(x, axis=0)"), vec![m, n], vec![n]),
        (format!("{name}(x, axis=1)"), vec![m, n], vec![m]),
        (format!("{name}(x, axis=-1, keepdims=true)"), vec![m, n], vec![m, 1]),
        (format!("{name}(x, keepdims=true)"), vec![m, n], vec![1, 1]),
        (format!("{name}(x, axis=0)"), vec![n + 2], vec![]),
    ];
    order.into_iter().map(|(e, x, out)| Case::weighted(&e, (&x, dom), &[], &out)).collect()
}

/// A comparison `cond` of `x` (odd tenths) with `C` (even tenths, broadcast along rows)
/// choosing between two smooth branches: the comparison itself contributes nothing.
fn compare(cond: &str) -> Vec<Case> {
    vec![Case::weighted(
        &format!("where({cond}, x * x, 3.0 * x)"),
        (&[2, 3], Dom::Odd),
        &[("C", &[3], Dom::Even)],
        &[2, 3],
    )]
}

/// NumPy's broadcast shape of two shapes that broadcast.
fn broadcast(a: &[usize], b: &[usize]) -> Vec<usize> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], i: usize| if i + s.len() < rank { 1 } else { s[i + s.len() - rank] };
    (0..rank).map(|i| at(a, i).max(at(b, i))).collect()
}
