"""The reference numbers of examples/diabetes_regression.tsc, computed outside TensorScript.

Run from the repository root with a Python that has scikit-learn:
    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn
    /tmp/sk/bin/python tests/reference/diabetes.py
It prints what the example prints (R², the intercept and two coefficients of the least-squares
fit on the standardised measurements).
"""
import numpy as np
from sklearn.linear_model import LinearRegression

D = np.loadtxt("examples/data/diabetes.csv", delimiter=",", comments="#", skiprows=4)
X, y = D[:, :10], D[:, 10]
Xs = (X - X.mean(axis=0)) / X.std(axis=0)
model = LinearRegression().fit(Xs, y)
print(f"{len(y)} patients, {X.shape[1]} measurements")
print(f"R² exact {model.score(Xs, y):.4f}")
print(f"intercept {model.intercept_:.4f}, bmi {model.coef_[2]:.4f}, s5 {model.coef_[8]:.4f}")
