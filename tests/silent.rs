//! Nothing silent: values whose run-time type differs from what the script declares or the
//! checker inferred are errors, never results. Declared types the checker could not prove (a
//! `load`ed tensor, a `?` dimension, a branch of another type) are checked when the statement
//! runs; a kernel's result has the shape its type rule promised (`where` with a scalar
//! condition); sums are pairwise, so long `f32` sums do not drift; shapes too large to index are
//! refused before any kernel, even when they hold no element.

mod common;

use common::{run, scratch};

/// Saves a 5-vector to a fresh `.npy` file and returns a line of script that loads it as `v`.
fn five(name: &str) -> String {
    let dir = scratch("silent", name);
    let path = dir.join("five.npy");
    let path = path.to_str().expect("utf-8 temp path").to_string();
    run(&format!("save({path:?}, [1.0, 2.0, 3.0, 4.0, 5.0])")).expect("save works");
    format!("let v = load({path:?})\n")
}

/// Runs `src`; it must fail with a type mismatch whose message contains `says`.
fn mismatch(src: &str, says: &str) {
    match run(src) {
        Ok(out) => panic!("ran silently and printed {out:?}:\n{src}"),
        Err(d) => {
            assert_eq!(d.code.as_str(), "tscript::type::mismatch", "{src}\n{}", d.message);
            assert!(d.message.contains(says), "message {:?} lacks {says:?}", d.message);
        }
    }
}

#[test]
fn a_declared_type_is_checked_when_the_checker_could_not_prove_it() {
    let load = five("let");
    mismatch(&format!("{load}let x: f64[3] = v\nprint(x)"), "the value is f64[5], but its declared type is f64[3]");
    assert_eq!(run(&format!("{load}let x: f64[5] = v\nprint(x[4])")).unwrap(), "5.0\n");
    assert_eq!(run(&format!("{load}let x: f64[?] = v\nprint(x[4])")).unwrap(), "5.0\n");
}

#[test]
fn typed_parameters_and_results_are_checked_at_each_call() {
    let load = five("fn");
    mismatch(&format!("{load}fn f(x: f64[3]) = sum(x)\nprint(f(v))"), "parameter `x`'s type is f64[3]");
    mismatch(&format!("{load}fn g(x) -> f64[3] = x * 2\nprint(g(v))"), "its declared result type is f64[3]");
    assert_eq!(run(&format!("{load}fn f(x: f64[5]) = sum(x)\nprint(f(v))")).unwrap(), "15.0\n");
}

#[test]
fn a_branch_of_another_type_is_caught_where_the_type_is_declared() {
    let src = "fn f(n) {\n  if n > 0 { return 1 }\n  2.5\n}\nlet y: int = f(0)\nprint(y)";
    mismatch(src, "the value is f64, but its declared type is int");
    assert_eq!(run("fn f(n) {\n  if n > 0 { return 1 }\n  2.5\n}\nlet y: int = f(1)\nprint(y)").unwrap(), "1\n");
}

#[test]
fn an_assignment_keeps_the_variables_shape_at_run_time() {
    let load = five("assign");
    mismatch(&format!("{load}let a = zeros(3)\na = v\nprint(a)"), "`a`'s type is f64[3]");
    assert_eq!(run(&format!("{load}let a = zeros(5)\na = v\nprint(a[0])")).unwrap(), "1.0\n");
}

#[test]
fn where_with_a_scalar_condition_broadcasts_like_numpy() {
    assert_eq!(run("print(where(true, [1.0, 2.0], zeros(3, 2)))").unwrap(), "[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]\n");
    assert_eq!(run("print(where(false, [1.0, 2.0], zeros(3, 2)))").unwrap(), "[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]\n");
    assert_eq!(run("print(where(true, 1.0, 2.0))").unwrap(), "1.0\n");
    // Each of the three rows takes the vector, so each element's gradient is 3.
    assert_eq!(run("fn f(x) = sum(where(true, x, zeros(3, 2)))\nprint(grad(f)([1.0, 2.0]))").unwrap(), "[3.0, 3.0]\n");
    assert_eq!(run("fn f(x) = sum(where(false, x, zeros(3, 2)))\nprint(grad(f)([1.0, 2.0]))").unwrap(), "[0.0, 0.0]\n");
}

#[test]
fn long_f32_sums_are_pairwise_and_match_numpy() {
    // NumPy: np.float32(0.1) * np.ones(100000, np.float32) sums to 10000.001 (a running sum
    // gives 9998.735).
    let src = "let a = f32(ones(100000)) * 0.1\nprint(sum(a))\nprint(mean(a))";
    assert_eq!(run(src).unwrap(), "10000.001\n0.10000001\n");
    // The blocking is fixed: the thread count does not change a sum.
    for threads in [1, 2, 3] {
        let src = format!("threads {threads}\nprint(sum(f32(ones(1000003)) * 0.1))");
        assert_eq!(run(&src).unwrap(), run("threads 1\nprint(sum(f32(ones(1000003)) * 0.1))").unwrap());
    }
}

#[test]
fn shapes_too_large_to_index_are_refused_even_when_empty() {
    for src in [
        "print(zeros(2^62, 2, 0))",
        "print(reshape(zeros(4), 2^62 + 1, 4))",
        "print(zeros(0, 2^40).T @ zeros(0, 2^40))",
        "print(sum(zeros(2^40, 0), axis=1))",
        "print(zeros(100000, 1) - zeros(100000))",
    ] {
        let d = run(src).expect_err(src);
        assert_eq!(d.code.as_str(), "tscript::runtime::alloc", "{src}: {}", d.message);
    }
    assert_eq!(run("print(shape(zeros(2^40, 0)))").unwrap(), "(1099511627776, 0)\n");
    for empty in ["zeros(2^40, 0)", "zeros(0, 2^40)", "reshape(zeros(0), 2^62, 0)", "zeros(400, 0)"] {
        assert_eq!(run(&format!("print({empty})")).unwrap(), "[]\n", "{empty}");
    }
    assert_eq!(run("print(zeros(3, 0))").unwrap(), "[[], [], []]\n");
    assert_eq!(run("print(sum(zeros(2^40, 0)))").unwrap(), "0.0\n");
}
