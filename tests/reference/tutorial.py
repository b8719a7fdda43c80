"""The numbers of docs/tutorial.md ("Gradient descent from scratch"), computed outside
TensorScript with NumPy and scikit-learn, to compare with what the chapter scripts print.

Run from the repository root with a Python that has NumPy and scikit-learn:
    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install numpy scikit-learn
    /tmp/sk/bin/python tests/reference/tutorial.py
Each section prints, in the same words and format, the lines of one chapter script's output
(examples/chNN_*.tsc, whose output is examples/chNN_*.out) that do not depend on TensorScript's
random numbers, followed by what scikit-learn says where it has a say. Every algorithm is
written out again here (finite differences, gradient descent, momentum, Newton's method) from
the formulas the tutorial gives; only the data files are shared. At the end it says, for each
chapter, how many of its lines the script's .out file holds word for word, and shows any that
it does not (the exit status is 1 then).
"""
import builtins
import sys

import numpy as np

chapters = {}  # script name -> the lines printed for it (those meant to match its .out file)
current = None


def print(*values, **options):
    """Prints, and keeps the line for the comparison at the end (unless it is a heading or a
    line about scikit-learn, which the scripts do not print)."""
    global current
    text = " ".join(str(v) for v in values)
    builtins.print(*values, **options)
    if text.startswith("== "):
        current = text.split("examples/")[1].replace(".tsc", "")
        chapters[current] = []
    elif not text.startswith(("scikit-learn", "  largest")):
        chapters[current].append(text)


from sklearn.linear_model import LinearRegression, LogisticRegression


def load(path):
    """A CSV file of examples/data: its header and its rows (a column of words as codes)."""
    lines = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    names = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    columns = []
    for j in range(len(names)):
        cells = [r[j] for r in rows]
        try:
            columns.append([float(c) for c in cells])
        except ValueError:
            categories = sorted(set(cells))
            columns.append([float(categories.index(c)) for c in cells])
    return np.array(columns).T, names


def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def numgrad(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def vector(v, digits):
    return "[" + ", ".join(f"{e:.{digits}f}" for e in v) + "]"


print("== Chapter 1: examples/ch01_numgrad.tsc")
f = lambda x: x**4 - 3 * x**2 + x
slope = lambda x: 4 * x**3 - 6 * x + 1
for eps in [1e-2, 1e-6, 1e-12]:
    g = numgrad(f, 1.5, eps)
    print(f"eps {eps:.0e}: slope {g:.10f}, error {abs(g - slope(1.5)):.1e}")
x = 2.0
for step in range(40):
    x -= 0.05 * numgrad(f, x)
    if step % 10 == 9:
        print(f"step {step + 1:>2}: x = {x:.6f}, f(x) = {f(x):.6f}")

print("== Chapter 2: examples/ch02_grad.tsc")
print("grad(f)(1.5) =", slope(1.5), " numgrad(f, 1.5) =", numgrad(f, 1.5))

print("== Chapter 4: examples/ch04_linear_regression.tsc")
D, names = load("examples/data/diabetes.csv")
n = len(D)
A = np.hstack([np.ones((n, 1)), standardize(D[:, :10])])
y = D[:, 10]
loss = lambda w: np.mean((A @ w - y) ** 2)
gradient = lambda w: 2 * A.T @ (A @ w - y) / n
curvatures = np.linalg.eigvalsh(2 * A.T @ A / n)  # the Hessian of the mean squared error
L, mu = curvatures.max(), curvatures.min()
exact = np.linalg.lstsq(A, y, rcond=None)[0]
w = np.zeros(11)
for step in range(2000):
    w -= (1 / L) * gradient(w)
r2 = lambda w: 1 - loss(w) / y.var()
print(f"L = {L:.4f}; the smallest curvature is {mu:.4f}")
print(f"mean squared error: exact {loss(exact):.4f}, gradient descent {loss(w):.4f}")
print(f"R²: exact {r2(exact):.4f}, gradient descent {r2(w):.4f}")
print(f"exact coefficients {vector(exact, 2)}")
print(f"gradient descent   {vector(w, 2)}")
sk = LinearRegression().fit(A[:, 1:], y)
sk_w = np.concatenate([[sk.intercept_], sk.coef_])
print(f"scikit-learn LinearRegression: R² {sk.score(A[:, 1:], y):.4f}, coefficients {vector(sk_w, 2)}")
print(f"  largest difference from numpy's lstsq: {np.abs(sk_w - exact).max():.1e}")

print("== Chapter 5: examples/ch05_logistic_regression.tsc")
D, names = load("examples/data/iris.csv")
X = standardize(D[50:150, 2:4])
t = D[50:150, 4] - 1.0
softplus = lambda z: np.logaddexp(0, z)
sigmoid = lambda z: 1 / (1 + np.exp(-z))
logloss = lambda w, b: np.mean(softplus(X @ w + b) - t * (X @ w + b))
w, b = np.zeros(2), 0.0
start = logloss(w, b)
for step in range(500):
    r = sigmoid(X @ w + b) - t  # the gradient of the mean logistic loss: X.T r / n and mean(r)
    w, b = w - X.T @ r / len(t), b - r.mean()
accuracy = np.mean((X @ w + b > 0) == (t == 1))
print(f"loss {start:.4f} at the start, {logloss(w, b):.4f} after 500 steps")
print(f"w = {vector(w, 4)}, b = {b:.4f}")
print(f"training accuracy {accuracy:.2%}")
sk = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(X, t)
print(f"scikit-learn LogisticRegression (no penalty, to convergence): loss "
      f"{logloss(sk.coef_[0], sk.intercept_[0]):.4f}, w = {vector(sk.coef_[0], 4)}, "
      f"b = {sk.intercept_[0]:.4f}, accuracy {sk.score(X, t):.2%}")

print("== Chapter 6: examples/ch06_softmax_minibatch.tsc")
X = standardize(D[:, 0:4])
labels = D[:, 4].astype(int)
Y = np.eye(3)[labels]


def cross_entropy(W, c):
    Z = X @ W + c
    return np.mean(np.log(np.exp(Z).sum(axis=1)) - (Z * Y).sum(axis=1))


W, c = np.zeros((4, 3)), np.zeros(3)
for epoch in range(30):
    Z = X @ W + c
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)  # softmax; the gradient is X.T (P - Y) / n
    W, c = W - 0.5 * X.T @ (P - Y) / len(X), c - 0.5 * (P - Y).mean(axis=0)
accuracy = np.mean((X @ W + c).argmax(axis=1) == labels)
print(f"full batch, 30 steps: loss {cross_entropy(W, c):.4f}, accuracy {accuracy:.2%}")
sk = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(X, labels)
print(f"scikit-learn LogisticRegression (multinomial, no penalty, to convergence): accuracy {sk.score(X, labels):.2%}")

print("== Chapter 8: examples/ch08_momentum.tsc")
best = loss(exact)
plain, heavy = [], []
w = np.zeros(11)
for step in range(400):
    plain.append(loss(w) - best)
    w -= (1 / L) * gradient(w)
w, v = np.zeros(11), np.zeros(11)
for step in range(400):
    heavy.append(loss(w) - best)
    v = 0.9 * v - (1 / L) * gradient(w)
    w += v
print("step  gradient descent  momentum 0.9")
for step in range(0, 301, 50):
    print(f"{step:>4}  {plain[step]:>16.3e}  {heavy[step]:>12.3e}")
print(f"after 400 steps, momentum is within 1e-7 of the best: {str(heavy[-1] < 1e-7).lower()}")

print("== Chapter 9: examples/ch09_newton.tsc")
rosen_grad = lambda x: np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
rosen_hess = lambda x: np.array([[2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]], [-400 * x[0], 200.0]])
x = np.array([-1.2, 1.0])
for step in range(1, 7):
    x = x - np.linalg.solve(rosen_hess(x), rosen_grad(x))
    print(f"Newton step {step}: x = {vector(x, 10)}, distance to the minimum {np.linalg.norm(x - 1):.1e}")
print("the Hessian at the minimum:", rosen_hess(np.array([1.0, 1.0])).tolist())
z = np.array([-1.2, 1.0])
for step in range(5000):
    z = z - 0.001 * rosen_grad(z)
print(f"gradient descent after 5000 steps: x = {vector(z, 4)}, distance {np.linalg.norm(z - 1):.1e}")

builtins.print("== Comparison with the scripts' output (examples/*.out)")
missing = 0
for script, lines in chapters.items():
    out = open(f"examples/{script}.out").read().splitlines()
    absent = [l for l in lines if l not in out]
    missing += len(absent)
    builtins.print(f"{script}: {len(lines) - len(absent)} of {len(lines)} lines agree")
    for line in absent:
        builtins.print(f"  not in examples/{script}.out: {line}")
sys.exit(1 if missing else 0)
