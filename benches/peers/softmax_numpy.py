# The softmax regression of benches/softmax.tsc (iris, 150 x 4, standardised, cross-entropy) in
# NumPy, the gradient written by hand. Run from the repository root. After one untimed step,
# prints the seconds of 2,000 steps, the step count, then the final loss.
from timing import time_steps
import numpy as np

path = "examples/data/iris.csv"
F = np.loadtxt(path, delimiter=",", comments="#", skiprows=2, usecols=range(4))
species = np.loadtxt(path, delimiter=",", comments="#", skiprows=2, usecols=4, dtype=str)
X = (F - F.mean(axis=0)) / F.std(axis=0)
Y = np.eye(3)[np.unique(species, return_inverse=True)[1]]
W, b = np.zeros((4, 3)), np.zeros(3)
lr, steps, n = 0.5, 2000, len(X)


def step():
    Z = X @ W + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    G = (P - Y) / n
    W[...] -= lr * (X.T @ G)
    b[...] -= lr * G.sum(axis=0)


time_steps(step, steps)
Z = X @ W + b
m = Z.max(axis=1)
print(np.mean(m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - (Z * Y).sum(axis=1)))
