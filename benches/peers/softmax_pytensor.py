# The softmax regression of benches/softmax.tsc (iris, 150 x 4, standardised, cross-entropy)
# with PyTensor: the gradient taken symbolically, the step compiled into one function. Run from
# the repository root. After one untimed step, prints the seconds of 2,000 steps, the step
# count, then the final loss.
from timing import time_steps
import numpy as np
import pytensor
import pytensor.tensor as T

path = "examples/data/iris.csv"
F = np.loadtxt(path, delimiter=",", comments="#", skiprows=2, usecols=range(4))
species = np.loadtxt(path, delimiter=",", comments="#", skiprows=2, usecols=4, dtype=str)
X = pytensor.shared((F - F.mean(axis=0)) / F.std(axis=0))
Y = pytensor.shared(np.eye(3)[np.unique(species, return_inverse=True)[1]])
W, b = pytensor.shared(np.zeros((4, 3))), pytensor.shared(np.zeros(3))
Z = T.dot(X, W) + b
m = Z.max(axis=1)
cost = T.mean(m + T.log(T.exp(Z - m.dimshuffle(0, "x")).sum(axis=1)) - (Z * Y).sum(axis=1))
gW, gb = pytensor.grad(cost, [W, b])
lr, steps = 0.5, 2000
step = pytensor.function([], cost, updates=[(W, W - lr * gW), (b, b - lr * gb)])
time_steps(step, steps)
print(pytensor.function([], cost)())
