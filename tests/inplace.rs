//! Updates in place (spec §12): a compound assignment, `W -= s * G` and an indexed assignment
//! write into a uniquely owned tensor's own buffer. Each test reads the address of a variable's
//! buffer before and after the statement, holding no copy of it while the statement runs.

use tscript::value::{Tensor, Value};

fn session() -> (tscript::Session, tscript::Output) {
    let out = tscript::Output::default();
    let session = tscript::Session::new(Box::new(out.clone()), vec![], tscript::blas::ThreadPolicy::new(None));
    (session, out)
}

/// The address of the buffer of the f64 tensor `name`.
fn buffer(session: &tscript::Session, name: &str) -> usize {
    let vars = session.variables();
    match vars.iter().find(|(n, _)| &**n == name).map(|(_, v)| v) {
        Some(Value::Tensor(Tensor::F64(a))) => a.as_ptr() as usize,
        other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn compound_assignment_reuses_the_buffer() {
    for statement in
        ["x += g", "x -= g", "x *= g", "x /= g", "x += 1.0", "x -= 0.5 * g", "x[3] = 7.0", "x[1:5] += g[1:5]"]
    {
        let (mut session, out) = session();
        session.run("setup", "let g = ones(1000) * 2.0\nlet x = ones(1000)").expect("setup runs");
        let before = buffer(&session, "x");
        session.run("step", statement).unwrap_or_else(|d| panic!("{statement}: {:?}", d[0].message));
        assert_eq!(buffer(&session, "x"), before, "`{statement}` copied x");
        session.run("show", "print(x[3])").expect("print runs");
        assert!(!out.text().is_empty());
    }
}

#[test]
fn a_failed_compound_assignment_keeps_the_variable() {
    let (mut session, out) = session();
    session.run("setup", "let x = ones(3)\nlet n = len(args()) + 2").expect("setup runs");
    let err = session.run("step", "x += zeros(n)").expect_err("shapes differ at run time");
    assert_eq!(err[0].code.as_str(), "tscript::runtime::shape", "{}", err[0].message);
    session.run("show", "print(x)").expect("x is still there");
    assert_eq!(out.text(), "[1.0, 1.0, 1.0]\n");
}

#[test]
fn writing_a_row_while_another_row_is_held_does_not_copy_the_matrix() {
    let (mut session, out) = session();
    session.run("setup", "seed 1\nlet x = randn(1400, 64)\nlet kept = x[3]").expect("setup runs");
    let before = buffer(&session, "x");
    session.run("swap", "let row = x[5]\nx[5] = x[7]\nx[7] = row").expect("the swap runs");
    assert_eq!(buffer(&session, "x"), before, "a row write copied the matrix");
    session.run("show", "print(all(kept == x[3]), all(row == x[7]))").expect("print runs");
    assert_eq!(out.text(), "true true\n");
}
