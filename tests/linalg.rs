//! Linear algebra on LAPACK: each decomposition checked by reconstruction and against known
//! small results, each error kind by its code, and each derivative rule by `gradcheck` (the
//! examples' outputs are checked by `tests/examples.rs`).

mod common;

/// Runs `src` in a fresh session: its printed output, or the code of its first error.
fn run(src: &str) -> Result<String, String> {
    common::run(src).map_err(|d| d.code.as_str().to_string())
}

fn ok(src: &str) -> String {
    run(src).unwrap_or_else(|code| panic!("{code} from:\n{src}"))
}

fn code(src: &str) -> String {
    run(src).err().unwrap_or_else(|| panic!("no error from:\n{src}"))
}

#[test]
fn known_small_results() {
    let out = ok(
        "print(det([[1.0, 2.0], [3.0, 4.0]]), det([[2, 0], [0, 4]]), det([[1.0, 2.0], [2.0, 4.0]]), det(zeros(0, 0)))
print(inv([[2, 0], [0, 4]]))
print(solve([[2, 0], [0, 4]], [2, 4]), solve([[2, 0], [0, 4]], [[2, 4], [4, 8]]))
print(eigh([[2.0, 1.0], [1.0, 2.0]])[0])
print(svd([[3, 0], [0, 4]])[1])
print(cholesky([[4.0, 2.0], [2.0, 5.0]]))
print(lstsq([[1, 0], [0, 1], [0, 0]], [1, 2, 3]))
print(trace(eye(3)), dot([1, 2], [3, 4]))
",
    );
    assert_eq!(
        out,
        "-2.0 8.0 0.0 1.0\n[[0.5, 0.0], [0.0, 0.25]]\n[1.0, 1.0] [[1.0, 2.0], [1.0, 2.0]]\n[1.0, 3.0]\n[4.0, 3.0]\n\
         [[2.0, 0.0], [1.0, 2.0]]\n[1.0, 2.0]\n3.0 11.0\n"
    );
}

#[test]
fn decompositions_reconstruct() {
    let checks = "
let A = [[4.0, 1.0, 2.0, 0.5], [1.0, 3.0, 0.5, 0.0], [2.0, 0.5, 5.0, 1.0], [0.5, 0.0, 1.0, 2.0]]
let G = [[1.0, 2.0, 0.3], [0.1, -1.0, 0.7], [0.5, 0.5, 2.0], [3.0, -2.0, 1.0]]
let tol = TOL
assert(max(abs(inv(A) @ A - eye(4))) < tol, \"inv\")
assert(max(abs(A @ solve(A, G) - G)) < tol, \"solve\")
let (w, V) = eigh(A)
assert(max(abs((V * w) @ V.T - A)) < tol, \"eigh\")
assert(max(abs(V.T @ V - eye(4))) < tol, \"eigh orthonormal\")
assert(all(w[0:3] <= w[1:4]), \"eigh ascending\")
fn check(B) {
    let (U, S, Vt) = svd(B)
    assert(max(abs((U * S) @ Vt - B)) < tol, \"svd\")
    let (Q, R) = qr(B)
    assert(max(abs(Q @ R - B)) < tol, \"qr\")
    assert(max(abs(Q.T @ Q - eye(shape(Q)[1]))) < tol, \"qr orthonormal\")
}
check(G)
check(G.T)
check(A)
assert(shape(svd(G)[0])[1] == 3 and shape(svd(G)[2])[0] == 3, \"thin svd\")
assert(shape(qr(G.T)[0])[1] == 3 and shape(qr(G.T)[1])[0] == 3, \"reduced qr\")
let L = cholesky(A)
assert(max(abs(L @ L.T - A)) < tol, \"cholesky\")
assert(max(abs(L - L * [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]])) == 0.0, \"lower\")
let x = lstsq(G, [1.0, 2.0, 3.0, 4.0])
assert(max(abs(G.T @ (G @ x - [1.0, 2.0, 3.0, 4.0]))) < tol, \"lstsq normal equations\")
assert(max(abs(abs(det(A)) - prod(abs(eigh(A)[0])))) < 1000 * tol, \"det\")
print(\"ok\")
";
    assert_eq!(ok(&checks.replace("TOL", "1e-12")), "ok\n");
    let f32_checks =
        format!("dtype f32\n{}\nassert(max(abs(inv(A) - f32(inv(A)))) == 0.0, \"f32\")", checks.replace("TOL", "1e-4"));
    assert_eq!(ok(&f32_checks), "ok\n");
}

#[test]
fn errors_have_their_codes() {
    assert_eq!(code("inv([[1.0, 2.0], [2.0, 4.0]])"), "tscript::linalg::singular");
    assert_eq!(code("inv(zeros(3, 3))"), "tscript::linalg::singular");
    assert_eq!(code("solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])"), "tscript::linalg::singular");
    assert_eq!(code("cholesky([[1.0, 2.0], [2.0, 1.0]])"), "tscript::linalg::singular");
    // The checker catches these before running, or the same rule when they run: `type::shape` either way.
    assert!(code("let n = 2; inv(ones(n, n + 1))").ends_with("::shape"));
    assert!(code("let n = 3; solve(eye(2), ones(n))").ends_with("::shape"));
    assert!(code("inv([[1, 2], [3, 4]] > 2)").starts_with("tscript::type"));
    assert!(code("solve(eye(2), f32([1, 2]))").starts_with("tscript::type"));
    assert_eq!(code("let z = 0.0 / 0.0; svd([[z, 1.0]])"), "tscript::runtime::value");
    assert_eq!(code("let z = 0.0 / 0.0; eigh([[z, 1.0], [1.0, 1.0]])"), "tscript::runtime::value");
    assert_eq!(code("let z = 1.0 / 0.0; inv([[z, 1.0], [1.0, 1.0]])"), "tscript::runtime::value");
    assert_eq!(code("grad(|M| sum(qr(M)[1]))(ones(2, 3))"), "tscript::runtime::grad");
    assert_eq!(ok("print(grad(|M| sum(svd(M)[1]))(eye(2)))"), "[[1.0, 0.0], [0.0, 1.0]]\n");
    assert_eq!(ok("print(grad(|M| sum(eigh(M)[0]))(eye(2)))"), "[[1.0, 0.0], [0.0, 1.0]]\n");
}

#[test]
fn empty_matrices_need_no_lapack() {
    assert_eq!(
        ok("print(inv(zeros(0, 0)), det(zeros(0, 0)), shape(svd(zeros(0, 3))[2]), lstsq(zeros(3, 0), ones(3)))"),
        "[] 1.0 (0, 3) []\n"
    );
}

#[test]
fn gradients_match_finite_differences() {
    let out = ok("
let A = [[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]]
let B = [[4.0, 1.0, 2.0], [0.3, 3.0, 0.5], [2.0, -0.5, 5.0]]
let W = [[1.0, 2.0, 0.3], [0.1, -1.0, 0.7], [0.5, 0.5, 2.0]]
let T = [[1.0, 2.0], [3.0, 4.5], [5.0, 6.0], [0.5, -1.0]]
let worst = max([
    gradcheck(|M| sum(inv(M) * W), B),
    gradcheck(|M| sum(solve(M, [1.0, 2.0, 3.0]) * [1.0, -1.0, 2.0]), B),
    gradcheck(|v| sum(solve(B, v) * [1.0, -1.0, 2.0]), [1.0, 2.0, 3.0]),
    gradcheck(|M| sum(solve(M, W) * W), B),
    gradcheck(|M| det(M), B),
    gradcheck(|M| sum(cholesky(M) * W), A),
    gradcheck(|M| sum(lstsq(M, [1.0, -2.0, 0.5, 3.0]) * [1.0, -3.0]), T),
    gradcheck(|v| sum(lstsq(T, v) * [1.0, -3.0]), [1.0, -2.0, 0.5, 3.0]),
    gradcheck(|M| sum(lstsq(M, [1.0, 2.0]) * [1.0, -3.0, 2.0, 1.0]), T.T),
    gradcheck(|M| sum(grad(|N| det(N))(M) * W), B)
])
print(worst < 1e-6)
let H = hessian(|v| sum(solve(B, v) ^ 2))([1.0, 2.0, 3.0])
print(max(abs(H - 2.0 * inv(B).T @ inv(B))) < 1e-12)
");
    assert_eq!(out, "true\ntrue\n");
}

#[test]
fn views_reach_lapack_in_the_layout_it_reads() {
    // Issue 10: a column-reversed view gave a wrong answer, a row-reversed one a false error.
    let out = ok("
let A = [[1.0, 2.0], [3.0, 4.0]]
let x = lstsq(A[:, ::-1], [1.0, 0.0])
print(max(abs(x - [1.5, -2.0])) < 1e-12)
print(max(abs(lstsq(A[::-1], [1.0, 0.0]) - [1.0, -0.5])) < 1e-12)
let G = [[1.0, 2.0, 0.3], [0.1, -1.0, 0.7], [0.5, 0.5, 2.0], [3.0, -2.0, 1.0], [0.2, 0.4, -0.6]]
fn check(V) {
    let C = V * 1.0
    let (U, S, Vt) = svd(V)
    assert(max(abs((U * S) @ Vt - C)) < 1e-12 and max(abs(S - svd(C)[1])) < 1e-12, \"svd\")
    let (Q, R) = qr(V)
    assert(max(abs(Q @ R - C)) < 1e-12 and max(abs(abs(R) - abs(qr(C)[1]))) < 1e-12, \"qr\")
    assert(max(abs(V.T @ V - C.T @ C)) < 1e-12, \"@\")
}
check(G[::-1]); check(G[:, ::-1]); check(G[::2]); check(G[1::2, ::-1]); check(G.T[::-1]); check(G.T[:, ::-2])
print(\"ok\")
");
    assert_eq!(out, "true\ntrue\nok\n");
}

#[test]
fn outer_takes_vectors_of_any_stride() {
    let out = ok("
let A = [[1.0, 2.0], [3.0, 4.0]]
let v = [1.0, 2.0, 3.0]
print(outer(A[:, 0], v))
print(outer(v[::-1], v[::2]))
print(grad(|w| sum(w[::-1] @ [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))(v))
");
    assert_eq!(out, "[[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]\n[[3.0, 9.0], [2.0, 6.0], [1.0, 3.0]]\n[11.0, 7.0, 3.0]\n");
}

#[test]
fn the_symmetric_part_does_not_overflow() {
    // (A + A.T) / 2 overflowed to inf before LAPACK ran: eigh gave nan, cholesky inf.
    let out = ok("
print(eigh([[1e308, 0.0], [0.0, 1.0]]))
print(cholesky(1e308 * eye(2)))
print(max(abs(eigh([[1e308, 1e307], [1e307, -1e308]])[0] / 1.00498756211208e308 - [-1.0, 1.0])) < 1e-14)
print(eigh(f32([[1e38, 0.0], [0.0, 1.0]]))[0][0], eigh(f32([[1e38, 0.0], [0.0, 1.0]]))[0][1] > f32(9e37))
print(cholesky(f32(1e38 * eye(2))))
");
    assert_eq!(
        out,
        "([1.0, 1e+308], [[0.0, 1.0], [1.0, 0.0]])\n[[1e+154, 0.0], [0.0, 1e+154]]\ntrue\n\
         1.0 true\n[[1e+19, 0.0], [0.0, 1e+19]]\n"
    );
}
