//! Gradients against closed forms, through the language's control flow, in both float dtypes,
//! and the errors of differentiation.

use super::{error, output, run};
use tscript::diag::Code;

/// Runs `src` and checks that it prints `expected` exactly.
fn prints(src: &str, expected: &str) {
    assert_eq!(output(src), expected, "from:\n{src}");
}

#[test]
fn argument_positions_and_value_and_grad() {
    let src = "
fn f(a, b, c) = sum(a * b) + c ^ 2
let a = [1.0, 2.0]
let b = [3.0, 4.0]
print(grad(f)(a, b, 3.0))
print(grad(f, 1)(a, b, 3.0))
print(grad(f, (0, 2))(a, b, 3.0))
print(value_and_grad(f)(a, b, 3.0))
print(value_and_grad(f, (1, 2))(a, b, 3.0))
print(grad(f, 2)(a, b, 0.5))
";
    prints(src, "[3.0, 4.0]\n[1.0, 2.0]\n([3.0, 4.0], 6.0)\n(20.0, [3.0, 4.0])\n(20.0, ([1.0, 2.0], 6.0))\n1.0\n");
}

#[test]
fn through_control_flow_calls_and_closures() {
    let src = "
fn poly(x, n) { let s = 0.0; let p = 1.0; for i in 0..n { p = p * x; s = s + p }; s }
print(grad(|x| poly(x, 3))(2.0))
fn doubling(x) { let y = x; while y < 10.0 { y = y * 2.0 }; y }
print(grad(doubling)(3.0))
fn kink(x) = if x > 0 { x ^ 2 } else { -x }
print(grad(kink)(3.0), grad(kink)(-2.0))
fn power(x, n) = if n == 0 { 1.0 } else { x * power(x, n - 1) }
print(grad(|x| power(x, 4))(2.0))
let k = 3.0
let h = |x| k * x ^ 2
print(grad(h)(1.0))
fn outer(x) { let inner = |y| x * y; inner(2.0) + inner(x) }
print(grad(outer)(3.0))
fn early(x) { if x > 1.0 { return x * 10.0 }; x }
print(grad(early)(2.0), grad(early)(0.5))
print(grad(|x| x * grad(|y| x + y)(1.0))(3.0))
print(grad(|v| sum(v[0:2] * v[1:3]) + v[0] * v[0])([1.0, 2.0, 3.0]))
";
    prints(src, "17.0\n4.0\n6.0 -1.0\n32.0\n6.0\n8.0\n10.0 1.0\n1.0\n[4.0, 4.0, 2.0]\n");
}

#[test]
fn second_and_third_derivatives() {
    let src = "
print(grad(grad(sin))(1.0) == -sin(1.0))
print(grad(grad(grad(|x| x ^ 4)))(2.0))
print(grad(grad(|x| exp(2.0 * x)))(0.0))
let A = [[1.0, 2.0, 0.0], [3.0, -1.0, 4.0], [0.5, 0.0, 2.0]]
print(all(hessian(|x| x @ A @ x)([0.3, -1.0, 2.0]) == A + A.T))
print(hessian(|x| x ^ 3)(2.0))
print(hessian(|x| sum(x ^ 3))([1.0, 2.0]))
";
    prints(src, "true\n48.0\n4.0\ntrue\n12.0\n[[6.0, 0.0], [0.0, 12.0]]\n");
}

#[test]
fn linear_regression_gradient_is_two_xt_residual() {
    let src = "
seed 3
let X = randn(7, 4)
let Y = randn(7, 2)
let W = randn(4, 2)
let g = grad(|W| sum((X @ W - Y) ^ 2))(W)
let expected = 2.0 * X.T @ (X @ W - Y)
print(max(abs(g - expected)) < 1e-12, shape(g))
";
    prints(src, "true (4, 2)\n");
}

#[test]
fn softmax_cross_entropy_gradient_is_softmax_minus_onehot() {
    let src = "
let z = [0.5, -1.0, 2.0, 0.0]
let y = [0.0, 0.0, 1.0, 0.0]
let g = grad(|z| -sum(y * log(softmax(z))))(z)
print(max(abs(g - (softmax(z) - y))) < 1e-15)
seed 5
let Z = randn(3, 4)
let Y = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]]
let G = grad(|Z| sum(logsumexp(Z, axis=1) - sum(Z * Y, axis=1)))(Z)
print(max(abs(G - (softmax(Z) - Y))) < 1e-15)
";
    prints(src, "true\ntrue\n");
}

#[test]
fn log_determinant_gradient_is_inverse_transpose() {
    let src = "
let A = [[3.0, 1.0, 0.5], [0.2, 2.0, -0.4], [1.0, 0.0, 4.0]]
let g = grad(|A| log(det(A)))(A)
print(max(abs(g - inv(A).T)) < 1e-12)
";
    prints(src, "true\n");
}

#[test]
fn two_layer_network_matches_hand_backprop() {
    let src = "
seed 7
let X = randn(6, 3)
let Y = randn(6, 2)
fn loss(W1, b1, W2, b2) = mean((tanh(X @ W1 + b1) @ W2 + b2 - Y) ^ 2)
let W1 = randn(3, 4)
let b1 = randn(4)
let W2 = randn(4, 2)
let b2 = randn(2)
let (gW1, gb1, gW2, gb2) = grad(loss, (0, 1, 2, 3))(W1, b1, W2, b2)
let H = tanh(X @ W1 + b1)
let D = 2.0 * (H @ W2 + b2 - Y) / 12
let dH = D @ W2.T * (1.0 - H ^ 2)
let worst = max(abs(gW2 - H.T @ D)) + max(abs(gb2 - sum(D, axis=0)))
let worst = worst + max(abs(gW1 - X.T @ dH)) + max(abs(gb1 - sum(dH, axis=0)))
print(worst < 1e-14)
";
    prints(src, "true\n");
}

#[test]
fn parameter_trees_give_gradients_of_their_own_structure() {
    // The same network as above with its parameters in one nested tuple: the gradient is a
    // tuple of the same structure, equal bit for bit to the four-argument gradient, and the
    // update is one line.
    let src = "
seed 7
let X = randn(6, 3)
let Y = randn(6, 2)
fn net(p) = tanh(X @ p[0][0] + p[0][1]) @ p[1][0] + p[1][1]
fn loss(p) = mean((net(p) - Y) ^ 2)
fn loss4(W1, b1, W2, b2) = loss(((W1, b1), (W2, b2)))
let params = ((randn(3, 4), randn(4)), (randn(4, 2), randn(2)))
let g = grad(loss)(params)
let (gW1, gb1, gW2, gb2) = grad(loss4, (0, 1, 2, 3))(params[0][0], params[0][1], params[1][0], params[1][1])
print(all(g[0][0] == gW1), all(g[0][1] == gb1), all(g[1][0] == gW2), all(g[1][1] == gb2))
print(shape(g[0][0]), shape(g[1][1]))
print(max(abs(g[1][0] - numgrad(|W| loss(((params[0][0], params[0][1]), (W, params[1][1]))), params[1][0]))) < 1e-7)
let (value, same) = value_and_grad(loss)(params)
print(value == loss(params), all(same[0][0] == gW1))
let before = loss(params)
for i in 0..50 {
    params -= 0.1 * grad(loss)(params)
}
print(loss(params) < before / 2)
let twice = params * 2.0
print(all(twice[1][0] == params[1][0] + params[1][0]), zeros_like(params)[0][1], ones_like((1.0, f32(2.0))))
";
    prints(src, "true true true true\n(3, 4) (2,)\ntrue\ntrue true\ntrue\ntrue [0.0, 0.0, 0.0, 0.0] (1.0, 1.0)\n");
    // Structures that do not match, and tuples that are not of floats, are type errors.
    let wrong = error("print((1.0, [2.0]) + (1.0,))");
    assert_eq!(wrong.code, Code::TypeShape);
    assert!(wrong.message.contains("these have 2 and 1 items"), "{}", wrong.message);
    assert_eq!(error("print((1.0, 2.0) * [1.0, 2.0])").code, Code::TypeMismatch);
    assert_eq!(error("fn f(p) = p[0] * 2.0\nprint(grad(f)((1.0, 2)))").code, Code::TypeGrad);
    assert_eq!(error("print(zeros_like((1, 2)))").code, Code::TypeMismatch);
}

#[test]
fn jacobians_and_hessians_of_any_shape_in_jaxs_layout() {
    // A Jacobian has f(x)'s shape then x's; the Hessian of a function of a matrix is the
    // Hessian of the flattened function, reshaped; each against closed forms.
    let src = "
seed 1
let W = randn(3, 2)
let A = randn(2, 3)
print(all(jacobian(|x| W @ x)([1.0, -1.0]) == W))
print(jacobian(|x| x ^ 2)([1.0, 2.0]), jacobian(|x| [x, 2.0 * x])(3.0), jacobian(|x| sum(x))([1.0, 2.0]))
let J = jacobian(|X| X @ W)(A)
print(shape(J), J[1, 0, 1, 2] == W[2, 0], J[1, 0, 0, 2])
fn f(X) = sum(X ^ 3) + sum(X[0, :] * X[1, :])
let H = hessian(f)(A)
print(shape(H), H[0, 1, 0, 1] == 6.0 * A[0, 1], H[0, 1, 1, 1], H[0, 1, 1, 2])
fn flat(v) = f(reshape(v, 2, 3))
print(all(reshape(hessian(flat)(reshape(A, -1)), 2, 3, 2, 3) == H))
print(all(jacobian(grad(f))(A) == H))
";
    prints(
        src,
        "true\n[[2.0, 0.0], [0.0, 4.0]] [1.0, 2.0] [1.0, 1.0]\n(2, 2, 2, 3) true 0.0\n(2, 3, 2, 3) true 1.0 0.0\ntrue\ntrue\n",
    );
}

#[test]
fn choices_at_kinks() {
    let src = "
print(grad(|x| sum(maximum(x, 1.0)))([0.5, 1.0, 2.0]))
print(grad(|x| sum(minimum(x, 1.0)))([0.5, 1.0, 2.0]))
print(grad(|x| max(x))([1.0, 3.0, 3.0]))
print(grad(|x| sum(min(x, axis=1)))([[2.0, 2.0], [1.0, 5.0]]))
print(grad(|x| sum(relu(x)))([-1.0, 0.0, 1.0]))
print(grad(|x| sum(abs(x)))([-1.0, 0.0, 1.0]))
print(grad(|x| sum(clip(x, 0.0, 1.0)))([-0.5, 0.0, 0.5, 1.0, 1.5]))
print(grad(norm)([0.0, 0.0]))
print(grad(|x| prod(x))([2.0, 0.0, 3.0]), grad(|x| prod(x))([0.0, 0.0, 3.0]))
print(grad(|x| sum(prod(x, axis=1)))([[2.0, 0.0], [3.0, 4.0]]))
print(grad(|x| x * 0.0 + float(int(x)))(2.5), grad(|x| sum(sign(x)))([1.0, -2.0]))
print(grad(|x| 0.0 ^ x)(2.0), grad(sqrt)(0.0))
";
    prints(
        src,
        "[0.0, 0.5, 1.0]\n[1.0, 0.5, 0.0]\n[0.0, 0.5, 0.5]\n[[0.5, 0.5], [1.0, 0.0]]\n[0.0, 0.0, 1.0]\n\
         [-1.0, 0.0, 1.0]\n[0.0, 1.0, 1.0, 1.0, 0.0]\n[0.0, 0.0]\n[0.0, 6.0, 0.0] [0.0, 0.0, 0.0]\n\
         [[0.0, 2.0], [4.0, 3.0]]\n0.0 [0.0, 0.0]\n0.0 inf\n",
    );
}

#[test]
fn f32_gradients_keep_their_dtype() {
    let src = "
let v = f32([1.0, 2.0])
let g = grad(|v| sum(f64(v) ^ 2))(v)
print(g, g == f32([2.0, 4.0]))
print(grad(|v| sum(v * v * 0.5))(v) == v)
print(grad(|x| x ^ 2)(f32(1.5)))
print(grad(|w| sum(maximum(w, 1.5) * w))(v))
print(grad(|w| sum(where(w > 1.5, w, 0.0)))(v))
print(grad(|w| max(w) + sum(softmax(w)) + prod(w))(v))
print(gradcheck(|x| sum(sin(x)), [1.0, 2.0]) < 1e-9, gradcheck(|x| x ^ 3, 0.5) < 1e-9)
";
    prints(src, "[2.0, 4.0] [true, true]\n[true, true]\n3.0\n[1.5, 4.0]\n[0.0, 1.0]\n[2.0, 2.0]\ntrue true\n");
}

#[test]
fn numgrad_is_the_central_difference() {
    let src = "
print(numgrad(|x| x ^ 2, 3.0, eps=0.5), numgrad(|x| x ^ 3, 1.0, eps=0.5))
print(numgrad(|x| sum(x * [1.0, 2.0]), [5.0, 7.0], eps=0.25))
";
    prints(src, "6.0 3.25\n[1.0, 2.0]\n");
}

/// Where `needle` sits in `src`, as byte offsets.
fn place(src: &str, needle: &str) -> (u32, u32) {
    let start = src.find(needle).unwrap_or_else(|| panic!("{needle} not in {src}"));
    (start as u32, (start + needle.len()) as u32)
}

#[test]
fn errors_point_at_their_operation() {
    let nonscalar = "print(grad(|x| x * 2.0)([1.0, 2.0]))";
    assert_eq!(error(nonscalar).code, Code::TypeGrad);
    let int_arg = "fn sq(x) = x ^ 2\nprint(grad(sq)(2))";
    let d = error(int_arg);
    assert_eq!(d.code, Code::TypeGrad);
    assert!(d.message.contains("int"), "{}", d.message);
    assert_eq!(error("print(gradcheck(|x| x * 2.0, [1.0]))").code, Code::TypeGrad);
    assert_eq!(error("print(numgrad(|x| x, 1.0, eps=0.0))").code, Code::TypeMismatch);
    assert_eq!(error("print(hessian(|x| sum(x))(eye(2) > 0.5))").code, Code::TypeGrad);
    assert_eq!(error("print(jacobian(|x| x > 0.0)([1.0]))").code, Code::TypeGrad);

    let through = "fn f(A) {\n    let R = qr(A)[1]\n    sum(R)\n}\nprint(grad(f)(ones(2, 3)))";
    let d = error(through);
    assert_eq!(d.code, Code::RuntimeGrad);
    assert!(d.message.contains("qr"), "{}", d.message);
    let (span, _) = &d.labels[0];
    assert_eq!((span.start, span.end), place(through, "qr(A)"), "the primary label is on `qr(A)`");
    assert_eq!((d.labels[1].0.start, d.labels[1].0.end), place(through, "grad(f)(ones(2, 3))"));

    let outcome = run("fn f(x) = sum(x * 2.0)\nlet leak = grad(|x| { let y = x * 3.0; y })\nprint(f([1.0]))");
    assert!(outcome.last.is_ok(), "an unrelated script still runs");
}

#[test]
fn clip_gives_its_gradient_to_the_operand_its_value_is() {
    // NumPy: clip(x, lo, hi) is hi when lo > hi, so the whole gradient goes to hi, none to x
    // or lo; with lo <= hi, to lo below it, to hi above it, to x between (ends included).
    let src = "
let f = |x, lo, hi| clip(x, lo, hi)
print(clip(0.0, 2.0, 1.0), grad(f, (0, 1, 2))(0.0, 2.0, 1.0))
print(grad(f, (0, 1, 2))(3.0, 2.0, 1.0), grad(f, (0, 1, 2))(1.5, 2.0, 1.0))
print(grad(f, (0, 1, 2))(-1.0, 0.0, 1.0), grad(f, (0, 1, 2))(0.5, 0.0, 1.0), grad(f, (0, 1, 2))(2.0, 0.0, 1.0))
print(grad(f, (0, 1, 2))(1.0, 1.0, 1.0), grad(f, (0, 1, 2))(0.0, 1.0, 1.0))
print(grad(|lo| sum(clip([0.0, 3.0, 0.5], lo, [1.0, 1.0, 0.0])))([2.0, -1.0, 0.25]))
";
    prints(
        src,
        "1.0 (0.0, 0.0, 1.0)\n(0.0, 0.0, 1.0) (0.0, 0.0, 1.0)\n\
         (0.0, 1.0, 0.0) (1.0, 0.0, 0.0) (0.0, 0.0, 1.0)\n(1.0, 0.0, 0.0) (0.0, 1.0, 0.0)\n[0.0, 0.0, 0.0]\n",
    );
}

#[test]
fn an_error_inside_a_derivative_rule_names_the_users_call() {
    for (src, name) in [
        ("grad(det)([[1.0, 2.0], [2.0, 4.0]])", "`det`"),
        ("grad(|M| det(M) * 2.0)(zeros(2, 2))", "`det`"),
        ("grad(|M| sum(qr(M)[0]))([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])", "`qr`"),
    ] {
        let d = error(src);
        assert_eq!(d.code, Code::LinalgSingular, "{src}");
        assert!(d.message.contains(name), "{src}: {}", d.message);
        assert!(!d.message.contains("`inv`") && !d.message.contains("`solve`"), "{src}: {}", d.message);
    }
}
