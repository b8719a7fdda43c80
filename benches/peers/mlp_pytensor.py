# The micrograd-style network of benches/mlp.tsc with PyTensor: the gradient taken symbolically
# and the whole step (forward, backward, update) compiled into one function, as
# ../../../shared/peers/small_pytensor.py does for the teaching loop. After one untimed step,
# prints the seconds of 1,000 steps, the step count, then the final loss.
from timing import time_steps
import numpy as np
import pytensor
import pytensor.tensor as T

rng = np.random.default_rng(0)
x = rng.standard_normal((100, 2))
X, y = pytensor.shared(x), pytensor.shared(np.tanh(3.0 * x[:, 0] * x[:, 1]))
params = [
    pytensor.shared(0.5 * rng.standard_normal((2, 16))),
    pytensor.shared(np.zeros(16)),
    pytensor.shared(0.25 * rng.standard_normal((16, 16))),
    pytensor.shared(np.zeros(16)),
    pytensor.shared(0.25 * rng.standard_normal(16)),
    pytensor.shared(np.zeros(1), shape=(1,)),
]
W1, b1, W2, b2, w3, b3 = params
out = T.dot(T.tanh(T.dot(T.tanh(T.dot(X, W1) + b1), W2) + b2), w3) + b3
cost = T.mean((out - y) ** 2)
grads = pytensor.grad(cost, params)
lr, steps = 0.05, 1000
step = pytensor.function([], cost, updates=[(p, p - lr * g) for p, g in zip(params, grads)])
time_steps(step, steps)
print(pytensor.function([], cost)())
