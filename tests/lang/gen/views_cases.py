"""The cases of views.py: every array built-in of the table (src/prims/), family by family, with
NumPy's definition of each. Operands are (shape, domain); None is a scalar literal."""
import numpy as np

from views import Case

A, V, W, S3 = (3, 4), (4,), (3,), (3, 3)


def sym(a):
    return a / 2 + a.T / 2


def binary(op, fn, ldom="any", rdom="any", grad=True, tol=0.0):
    """An element-wise operator on two views of equal shape, a matrix and a vector, a vector and
    a matrix, a matrix and a scalar, a column and a matrix, a row and a column (axes of length
    one, whose strides are arbitrary in a view)."""
    t = "{0} " + op + " {1}"
    return [
        Case(f"{op} mat mat", t, fn, [(A, ldom), (A, rdom)], tol, grad),
        Case(f"{op} mat vec", t, fn, [(A, ldom), (V, rdom)], tol, grad),
        Case(f"{op} vec mat", t, fn, [(V, ldom), (A, rdom)], tol, grad),
        Case(f"{op} mat scalar", t, fn, [(A, ldom), (None, rdom)], tol, grad),
        Case(f"{op} column mat", t, fn, [((3, 1), ldom), (A, rdom)], tol, grad),
        Case(f"{op} row column", t, fn, [((1, 4), ldom), ((3, 1), rdom)], tol, grad),
    ]


def function2(name, fn, ldom="any", rdom="any", grad=True, tol=0.0):
    t = name + "({0}, {1})"
    return [
        Case(f"{name} mat mat", t, fn, [(A, ldom), (A, rdom)], tol, grad),
        Case(f"{name} mat vec", t, fn, [(A, ldom), (V, rdom)], tol, grad),
    ]


def unary(name, tsc, fn, dom="any", grad=True, tol=1e-14):
    return [
        Case(f"{name} mat", tsc, fn, [(A, dom)], tol, grad),
        Case(f"{name} vec", tsc, fn, [(V, dom)], tol, grad),
    ]


def elementwise():
    cmp = lambda f: (lambda a, b: f(a, b).astype(np.float64))  # noqa: E731
    cases = []
    cases += binary("+", np.add)
    cases += binary("-", np.subtract)
    cases += binary("*", np.multiply)
    cases += binary("/", np.divide, rdom="away", tol=1e-16)
    cases += binary("%", np.mod, "pos", "away", grad=False, tol=1e-15)
    cases += binary("^", np.power, "pos", "any", tol=1e-15)
    for op, f in [("==", np.equal), ("!=", np.not_equal), ("<", np.less), ("<=", np.less_equal),
                  (">", np.greater), (">=", np.greater_equal)]:
        cases += binary(op, cmp(f), "odd", "even", grad=False)
    # Operands whose domain ends in "?" are views of bool tensors.
    cases += [
        Case("and mat mat", "{0} and {1}", lambda a, b: (a & b) * 1.0, [(A, "away?"), (A, "away?")], 0.0, False),
        Case("or mat vec", "{0} or {1}", lambda a, b: (a | b) * 1.0, [(A, "away?"), (V, "away?")], 0.0, False),
        Case("== bool", "{0} == {1}", lambda a, b: (a == b) * 1.0, [(A, "away?"), (A, "away?")], 0.0, False),
        Case("f64 bool", "f64({0})", lambda a: a * 1.0, [(A, "away?")], 0.0, False),
        Case("where bool view", "where({1}, {0}, {2})", lambda a, c, b: np.where(c, a, b),
             [(A, "any"), (A, "away?"), (V, "any")]),
    ]
    cases += function2("maximum", np.maximum, "odd", "even")
    cases += function2("minimum", np.minimum, "odd", "even")
    cases += [
        Case("where mat mat mat", "where({1} > 0.0, {0}, {2})", lambda a, c, b: np.where(c > 0, a, b),
             [(A, "any"), (A, "away"), (A, "any")]),
        Case("where vec mat mat", "where({1} > 0.0, {0}, {2})", lambda a, c, b: np.where(c > 0, a, b),
             [(V, "any"), (A, "away"), (A, "any")]),
        Case("where scalar-cond vec mat", "where(true, {0}, {1})", lambda a, b: np.where(True, a, b),
             [(V, "any"), (A, "any")]),
        # Constant bounds lie off the grid of the values they meet, so no value ties a bound (a kink).
        Case("clip mat", "clip({0}, -0.5, 0.5)", lambda x: np.clip(x, -0.5, 0.5), [(A, "even")]),
        Case("clip lo view", "clip({1}, {0}, 1.05)", lambda lo, x: np.clip(x, lo, 1.05), [(A, "even"), (A, "odd")]),
        Case("clip hi view", "clip({1}, -1.05, {0})", lambda hi, x: np.clip(x, -1.05, hi), [(A, "even"), (A, "odd")]),
        Case("clip lo > hi", "clip({0}, 1.0, -1.0)", lambda x: np.clip(x, 1.0, -1.0), [(A, "odd")]),
        Case("clip lo view above hi", "clip({1}, {0}, -0.55)", lambda lo, x: np.clip(x, lo, -0.55),
             [(A, "even"), (A, "odd")]),
    ]
    cases += unary("neg", "-{0}", np.negative, tol=0.0)
    cases += unary("not", "not {0}", lambda x: (~x) * 1.0, "away?", grad=False, tol=0.0)
    cases += unary("abs", "abs({0})", np.abs, "away", tol=0.0)
    cases += unary("sqrt", "sqrt({0})", np.sqrt, "pos")
    cases += unary("exp", "exp({0})", np.exp)
    cases += unary("log", "log({0})", np.log, "pos")
    cases += unary("sin", "sin({0})", np.sin)
    cases += unary("cos", "cos({0})", np.cos)
    cases += unary("tanh", "tanh({0})", np.tanh)
    cases += unary("sigmoid", "sigmoid({0})", lambda x: 1 / (1 + np.exp(-x)))
    cases += unary("relu", "relu({0})", lambda x: np.maximum(x, 0), "away", tol=0.0)
    cases += unary("softplus", "softplus({0})", lambda x: np.logaddexp(0, x))
    cases += unary("sign", "sign({0}) * {0}", lambda x: np.sign(x) * x, "away", tol=0.0)
    cases += unary("isnan", "isnan({0})", lambda x: np.isnan(x) * 1.0, grad=False, tol=0.0)
    return cases


def reductions():
    def lse(x, axis=None, keepdims=False):
        m = np.max(x, axis=axis, keepdims=True)
        s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        return s if keepdims else np.squeeze(s, axis=axis)

    def softmax(x, axis=-1):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    cases = []
    for name, fn, dom, grad in [
        ("sum", np.sum, "any", True), ("mean", np.mean, "any", True), ("max", np.max, "odd", True),
        ("min", np.min, "odd", True), ("prod", np.prod, "away", True), ("logsumexp", lse, "any", True),
        ("argmax", np.argmax, "odd", False), ("argmin", np.argmin, "odd", False),
    ]:
        cases += [
            Case(f"{name} mat", f"{name}({{0}})", lambda x, fn=fn: fn(x), [(A, dom)], 1e-14, grad),
            Case(f"{name} mat axis=0", f"{name}({{0}}, axis=0)", lambda x, fn=fn: fn(x, axis=0), [(A, dom)], 1e-14, grad),
            Case(f"{name} mat axis=1", f"{name}({{0}}, axis=1)", lambda x, fn=fn: fn(x, axis=1), [(A, dom)], 1e-14, grad),
            Case(f"{name} vec", f"{name}({{0}})", lambda x, fn=fn: fn(x), [(V, dom)], 1e-14, grad),
        ]
        if name not in ("argmax", "argmin"):
            cases.append(Case(f"{name} mat axis=-1 keepdims", f"{name}({{0}}, axis=-1, keepdims=true)",
                              lambda x, fn=fn: fn(x, axis=-1, keepdims=True), [(A, dom)], 1e-14, grad))
    for name, fn in [("any", np.any), ("all", np.all)]:
        cases += [
            Case(f"{name} mat", f"{name}({{0}})", lambda x, fn=fn: fn(x) * 1.0, [(A, "away?")], 0.0, False),
            Case(f"{name} mat axis=1", f"{name}({{0}}, axis=1)", lambda x, fn=fn: fn(x, axis=1) * 1.0,
                 [(A, "away?")], 0.0, False),
            Case(f"{name} vec", f"{name}({{0}})", lambda x, fn=fn: fn(x) * 1.0, [(V, "away?")], 0.0, False),
        ]
    cases += [
        Case("softmax mat", "softmax({0})", softmax, [(A, "any")], 1e-14),
        Case("softmax mat axis=0", "softmax({0}, axis=0)", lambda x: softmax(x, 0), [(A, "any")], 1e-14),
        Case("softmax vec", "softmax({0})", softmax, [(V, "any")], 1e-14),
        Case("norm mat", "norm({0})", np.linalg.norm, [(A, "any")], 1e-14),
        Case("norm vec", "norm({0})", np.linalg.norm, [(V, "any")], 1e-14),
    ]
    return cases


def shapes():
    return [
        Case("reshape 4 3", "reshape({0}, 4, 3)", lambda x: x.reshape(4, 3), [(A, "any")], 0.0),
        Case("reshape -1", "reshape({0}, -1)", lambda x: x.reshape(-1), [(A, "any")], 0.0),
        Case("reshape vec 2 2", "reshape({0}, 2, 2)", lambda x: x.reshape(2, 2), [(V, "any")], 0.0),
        Case("transpose", "transpose({0})", lambda x: x.T, [(A, "any")], 0.0),
        Case(".T", "{0}.T * {1}", lambda x, y: x.T * y, [(A, "any"), (W, "any")], 0.0),
        Case("concat", "concat({0}, {1})", lambda x, y: np.concatenate([x, y]), [(A, "any"), (A, "any")], 0.0),
        Case("concat axis=1", "concat({0}, {1}, axis=1)", lambda x, y: np.concatenate([x, y], axis=1),
             [(A, "any"), (A, "any")], 0.0),
        Case("concat bool", "concat({0}, {1})", lambda x, y: np.concatenate([x, y]) * 1.0,
             [(A, "away?"), (A, "away?")], 0.0, False),
        Case("concat vec", "concat({0}, {1})", lambda x, y: np.concatenate([x, y]), [(V, "any"), (W, "any")], 0.0),
        Case("stack", "stack({0}, {1})", lambda x, y: np.stack([x, y]), [(A, "any"), (A, "any")], 0.0),
        Case("stack axis=1", "stack({0}, {1}, axis=1)", lambda x, y: np.stack([x, y], axis=1),
             [(V, "any"), (V, "any")], 0.0),
        Case("literal", "[{0}, {1}]", lambda x, y: np.stack([x, y]), [(V, "any"), (V, "any")], 0.0),
        Case("index row", "{0}[1]", lambda x: x[1], [(A, "any")], 0.0),
        Case("index element", "{0}[2, 1] * {0}[0, -1]", lambda x: x[2, 1] * x[0, -1], [(A, "any")], 0.0),
        Case("slice", "{0}[:, 1:3]", lambda x: x[:, 1:3], [(A, "any")], 0.0),
        Case("slice reversed", "{0}[::-1, 2]", lambda x: x[::-1, 2], [(A, "any")], 0.0),
        Case("slice strided", "{0}[1:, ::-2]", lambda x: x[1:, ::-2], [(A, "any")], 0.0),
        Case("slice vec", "{0}[3:0:-2]", lambda x: x[3:0:-2], [(V, "any")], 0.0),
        Case("f64", "f64({0})", lambda x: x, [(A, "any")], 0.0),
        Case("f32", "f32({0})", lambda x: x.astype(np.float32), [(A, "any")], 0.0, False),
        Case("size", "size({0}) * 1.0", lambda x: float(x.size), [(A, "any")], 0.0, False),
        Case("len", "len({0}) * 1.0", lambda x: float(len(x)), [(A, "any")], 0.0, False),
        Case("take rows", "{0}[[2, 0, 2]]", lambda x: x[[2, 0, 2]], [(A, "any")], 0.0),
        Case("take columns", "{0}[:, [3, 1]]", lambda x: x[:, [3, 1]], [(A, "any")], 0.0),
        Case("take in a row", "{0}[1, [-1, 0, 0]]", lambda x: x[1, [-1, 0, 0]], [(A, "any")], 0.0),
        Case("take vec", "{0}[[3, 3, 0]]", lambda x: x[[3, 3, 0]], [(V, "any")], 0.0),
        Case("mask rows", "{0}[[true, false, true]]", lambda x: x[[True, False, True]], [(A, "any")], 0.0),
        Case("sort vec", "sort({0})", np.sort, [(V, "odd")], 0.0),
        Case("sort mat axis=0", "sort({0}, axis=0)", lambda x: np.sort(x, axis=0), [(A, "odd")], 0.0, False),
        Case("argsort mat", "argsort({0})", lambda x: np.argsort(x, kind="stable"), [(A, "odd")], 0.0, False),
    ]


def linalg(f32=False):
    tol, grad = (1e-4, False) if f32 else (1e-10, True)

    def c(name, tsc, fn, operands):
        return Case(name, tsc, fn, operands, tol, grad, f32)

    def lstsq(a, b):
        return np.linalg.lstsq(a, b, rcond=None)[0]

    def qr_signs(a):
        q, r = np.linalg.qr(a)
        d = np.sign(np.diag(r))
        return q * d, r * d[:, None]

    qr_sign = "sign(sum(qr({0})[1] * eye(3), axis=1))"
    return [
        c("@ mat mat", "{0} @ {1}", np.matmul, [(A, "any"), ((4, 2), "any")]),
        c("@ mat vec", "{0} @ {1}", np.matmul, [(A, "any"), (V, "any")]),
        c("@ vec mat", "{0} @ {1}", np.matmul, [(W, "any"), (A, "any")]),
        c("@ vec vec", "{0} @ {1}", np.matmul, [(V, "any"), (V, "any")]),
        c("@ mat mat square", "{0} @ {1}", np.matmul, [(S3, "any"), (S3, "any")]),
        c("dot", "dot({0}, {1})", np.dot, [(V, "any"), (V, "any")]),
        # Large enough for ndarray to hand them to BLAS (gemm, gemv, dot) rather than its own loops.
        c("@ big mat mat", "{0} @ {1}", np.matmul, [((9, 10), "any"), ((10, 8), "any")]),
        c("@ big mat vec", "{0} @ {1}", np.matmul, [((9, 40), "any"), ((40,), "any")]),
        c("@ big vec mat", "{0} @ {1}", np.matmul, [((40,), "any"), ((40, 9), "any")]),
        c("dot big", "dot({0}, {1})", np.dot, [((40,), "any"), ((40,), "any")]),
        c("outer", "outer({0}, {1})", np.outer, [(W, "any"), (V, "any")]),
        c("outer right", "outer({1}, {0})", lambda x, y: np.outer(y, x), [(W, "any"), (V, "any")]),
        c("trace", "trace({0})", np.trace, [(S3, "any")]),
        c("inv", "inv({0})", np.linalg.inv, [(S3, "wellcond")]),
        c("det", "det({0})", np.linalg.det, [(S3, "wellcond")]),
        c("solve vec", "solve({0}, {1})", np.linalg.solve, [(S3, "wellcond"), (W, "any")]),
        c("solve mat", "solve({0}, {1})", np.linalg.solve, [(S3, "wellcond"), ((3, 2), "any")]),
        c("solve rhs", "solve({1}, {0})", lambda b, a: np.linalg.solve(a, b), [(W, "any"), (S3, "wellcond")]),
        c("eigh values", "eigh({0})[0]", lambda a: np.linalg.eigh(sym(a))[0], [(S3, "sym")]),
        c("eigh vectors", "eigh({0})[1] ^ 2", lambda a: np.linalg.eigh(sym(a))[1] ** 2, [(S3, "sym")]),
        c("svd values tall", "svd({0})[1]", lambda a: np.linalg.svd(a)[1], [((4, 3), "any")]),
        c("svd values wide", "svd({0})[1]", lambda a: np.linalg.svd(a)[1], [((3, 4), "any")]),
        c("svd U", "svd({0})[0] ^ 2", lambda a: np.linalg.svd(a, full_matrices=False)[0] ** 2, [((4, 3), "any")]),
        c("svd Vt", "svd({0})[2] ^ 2", lambda a: np.linalg.svd(a, full_matrices=False)[2] ** 2, [((4, 3), "any")]),
        c("qr Q", f"qr({{0}})[0] * {qr_sign}", lambda a: qr_signs(a)[0], [((4, 3), "any")]),
        c("qr R", f"qr({{0}})[1] * reshape({qr_sign}, 3, 1)", lambda a: qr_signs(a)[1], [(S3, "wellcond")]),
        c("cholesky", "cholesky({0})", lambda a: np.linalg.cholesky(sym(a)), [(S3, "spd")]),
        c("lstsq vec", "lstsq({0}, {1})", lstsq, [((4, 2), "any"), (V, "any")]),
        c("lstsq mat", "lstsq({0}, {1})", lstsq, [((4, 2), "any"), ((4, 2), "any")]),
        c("lstsq wide", "lstsq({0}, {1})", lstsq, [((2, 4), "any"), ((2,), "any")]),
        c("lstsq rhs", "lstsq({1}, {0})", lambda b, a: lstsq(a, b), [(V, "any"), ((4, 2), "any")]),
    ]


# (family, cases, lines after the check function)
FAMILIES = [
    ("elementwise", elementwise(), ""),
    ("reductions", reductions(), ""),
    ("shapes", shapes(), ""),
    ("linalg", linalg(), ""),
    ("linalg_f32", linalg(f32=True), "dtype f32\n"),
]
