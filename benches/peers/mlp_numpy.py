# The micrograd-style network of benches/mlp.tsc (2 -> 16 -> 16 -> 1, tanh, mean squared error
# on 100 points) in NumPy, its gradients written by hand, updated in place. After one untimed
# step, prints the seconds of 1,000 steps, the step count, then the final loss.
from timing import time_steps
import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal((100, 2))
y = np.tanh(3.0 * X[:, 0] * X[:, 1])
W1, b1 = 0.5 * rng.standard_normal((2, 16)), np.zeros(16)
W2, b2 = 0.25 * rng.standard_normal((16, 16)), np.zeros(16)
w3, b3 = 0.25 * rng.standard_normal(16), np.zeros(1)
lr, steps, n = 0.05, 1000, len(y)


def step():
    global W1, b1, W2, b2, w3, b3
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    d = (2.0 / n) * (h2 @ w3 + b3 - y)
    dh2 = np.outer(d, w3) * (1.0 - h2 * h2)
    dh1 = (dh2 @ W2.T) * (1.0 - h1 * h1)
    w3 -= lr * (h2.T @ d)
    b3 -= lr * d.sum()
    W2 -= lr * (h1.T @ dh2)
    b2 -= lr * dh2.sum(axis=0)
    W1 -= lr * (X.T @ dh1)
    b1 -= lr * dh1.sum(axis=0)


time_steps(step, steps)
out = np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2) @ w3 + b3
print(np.mean((out - y) ** 2))
