//! Reverse-mode differentiation, checked three ways: a table-driven property test in which every
//! primitive's gradient (`gradcheck`) and second derivative (`grad(grad)` or `hessian` against
//! finite differences of `grad`) must agree with finite differences on random shapes and inputs;
//! closed forms (linear regression, softmax cross-entropy, log-determinant, a two-layer network,
//! the Hessian of a quadratic form, the documented choices at kinks); and the errors.

#[path = "autodiff/cases.rs"]
mod cases;

use cases::{Case, Dom, Input};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tscript::diag::Diag;
use tscript::prims::Prim;
use tscript::value::Value;

/// What a script did: its printed output and the value of its last statement, or its first
/// diagnostic, rendered.
struct Outcome {
    printed: String,
    last: Result<Option<Value>, (Diag, String)>,
}

/// Runs `src` in a fresh session on one BLAS thread.
fn run(src: &str) -> Outcome {
    let out = tscript::Output::default();
    let policy = tscript::blas::ThreadPolicy::new(Some(1));
    let mut session = tscript::Session::new(Box::new(out.clone()), vec![], policy);
    let last = session.run("t.tsc", src).map_err(|mut diags| {
        let d = diags.remove(0);
        (d.clone(), session.sources.render_plain(d))
    });
    let printed = out.text();
    Outcome { printed, last }
}

/// The printed output of `src`, which must run without error.
fn output(src: &str) -> String {
    let outcome = run(src);
    match outcome.last {
        Ok(_) => outcome.printed,
        Err((_, report)) => panic!("{report}\nfrom:\n{src}"),
    }
}

/// The first diagnostic of `src`, which must fail.
fn error(src: &str) -> Diag {
    match run(src).last {
        Ok(_) => panic!("no error from:\n{src}"),
        Err((d, _)) => d,
    }
}

// ---------------------------------------------------------------------------------------------
// The property test.

/// Random values for an input, from its domain.
fn values(input: &Input, rng: &mut rand_pcg::Pcg64) -> Vec<f64> {
    let count: usize = input.shape.iter().product();
    let jitter = |rng: &mut rand_pcg::Pcg64| rng.random_range(0.0..0.02);
    match input.dom {
        Dom::Odd => {
            let mut grid: Vec<f64> = (-8..8).map(|j| (2 * j + 1) as f64 / 10.0).collect();
            grid.shuffle(rng);
            assert!(count <= grid.len(), "too many distinct values for {}", input.name);
            grid[..count].iter().map(|v| v + jitter(rng)).collect()
        }
        Dom::WellCond => {
            let n = input.shape[0];
            (0..count).map(|i| if i / n == i % n { 3.0 } else { 0.0 } + rng.random_range(-0.3..0.3)).collect()
        }
        dom => (0..count)
            .map(|_| match dom {
                Dom::Any => rng.random_range(-1.5..1.5),
                Dom::Pos => rng.random_range(0.5..2.0),
                Dom::Away => rng.random_range(0.3..1.5) * if rng.random_bool(0.5) { 1.0 } else { -1.0 },
                Dom::Even => rng.random_range(-7..=7) as f64 / 5.0 + jitter(rng),
                Dom::In(lo, hi) => rng.random_range(lo..hi),
                Dom::Odd | Dom::WellCond => unreachable!("drawn above"),
            })
            .collect(),
    }
}

/// A TensorScript literal of `shape` holding `values` (row-major).
fn literal(shape: &[usize], values: &[f64]) -> String {
    match shape.split_first() {
        None => format!("{:?}", values[0]),
        Some((&rows, rest)) => {
            let step = rest.iter().product::<usize>();
            let items: Vec<String> = (0..rows).map(|i| literal(rest, &values[i * step..(i + 1) * step])).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// The two snippets of a case: the first-derivative check and the second-derivative check
/// (`None` when `x` is too large for a Hessian by finite differences), each ending in the
/// worst relative difference found.
fn snippets(case: &Case, rng: &mut rand_pcg::Pcg64) -> (String, Option<String>) {
    let mut src = String::new();
    for input in std::iter::once(&case.x).chain(&case.consts) {
        src += &format!("let {} = {}\n", input.name, literal(&input.shape, &values(input, rng)));
    }
    let eq = if case.body.starts_with('{') { "" } else { "= " };
    src += &format!("fn f(x) {eq}{}\n", case.body);
    let first = format!("{src}gradcheck(f, x)\n");
    let dims: Vec<String> = case.x.shape.iter().map(usize::to_string).collect();
    let count: usize = case.x.shape.iter().product();
    let second = if dims.is_empty() {
        Some(format!("{src}gradcheck(grad(f), x)\n"))
    } else if count <= 9 {
        Some(format!(
            "{src}fn F(v) = f(reshape(v, {}))
let v = reshape(x, -1)
let H = hessian(F)(v)
let worst = 0.0
for i in 0..size(v) {{
    let row = numgrad(|u| grad(F)(u)[i], v)
    worst = maximum(worst, max(abs(H[i] - row) / maximum(1.0, maximum(abs(H[i]), abs(row)))))
}}
worst
",
            dims.join(", ")
        ))
    } else {
        None
    };
    (first, second)
}

/// Runs every case of the primitives that `family` selects; returns how many snippets ran.
/// Each primitive's generator is seeded from its name, so a case does not change when another
/// primitive is added.
fn check_family(family: impl Fn(Prim) -> bool) -> usize {
    let (mut ran, mut failures) = (0, Vec::new());
    for prim in Prim::all().filter(|&p| family(p)) {
        let name = prim.info().name;
        let seed = name.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let Some(cases) = cases::cases(prim, &mut rng) else { continue };
        assert!(!cases.is_empty(), "`{name}` has an empty list of cases");
        for case in &cases {
            let (first, second) = snippets(case, &mut rng);
            for (order, src) in [("first", Some(first)), ("second", second)] {
                let Some(src) = src else { continue };
                ran += 1;
                let outcome = run(&src).last;
                match outcome {
                    Ok(Some(Value::F64(worst))) if worst < 1e-6 => {}
                    Ok(other) => failures.push(format!("`{name}` {order} derivative: {other:?} in\n{src}")),
                    Err((_, report)) => failures.push(format!("`{name}` {order} derivative: {report}\nin\n{src}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} checks failed:\n\n{}", failures.len(), failures.join("\n\n"));
    ran
}

#[test]
fn arithmetic_gradients_match_finite_differences() {
    assert!(check_family(|p| matches!(p, Prim::Arith(_))) > 150);
}

#[test]
fn elementwise_gradients_match_finite_differences() {
    assert!(check_family(|p| matches!(p, Prim::Unary(_))) > 70);
}

#[test]
fn reduction_gradients_match_finite_differences() {
    assert!(check_family(|p| matches!(p, Prim::Reduce(_))) > 60);
    assert!(check_family(|p| matches!(p, Prim::Stats(_))) > 40);
}

#[test]
fn structural_gradients_match_finite_differences() {
    assert!(check_family(|p| matches!(p, Prim::Shape(_) | Prim::Construct(_))) > 50);
}

#[test]
fn matrix_gradients_match_finite_differences() {
    assert!(check_family(|p| matches!(p, Prim::Linalg(_))) > 25);
}

#[path = "autodiff/closed.rs"]
mod closed;
