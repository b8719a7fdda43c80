"""Builds tests/lang/NAME.tsc and NAME.out from a DSL whose every printed line pairs a TensorScript
expression with an independent NumPy/Python computation.
  P tsc ;; py      print(tsc) ; expected fmt(eval(py))
  L tsc ;; py      a statement in both worlds (py part may be empty)
  R tsc            a raw TensorScript line (asserts, comments)
  O text           a hand-derived expected output line
"""
import sys, os, math
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fmt import fmt

def ints(x):
    """NumPy's value as TensorScript's i64 result (exact whole numbers only)."""
    if isinstance(x, tuple):
        return tuple(ints(v) for v in x)
    a = np.asarray(x)
    assert np.all(a == np.round(a)), f"not whole numbers: {x!r}"
    return a.astype(np.int64) if a.ndim else int(a)

def build(src, name, outdir):
    env = {"np": np, "math": math, "f32": np.float32, "arr": np.array,
           "a64": lambda x: np.array(x, dtype=np.float64), "a32": lambda x: np.array(x, dtype=np.float32),
           "ints": ints}
    tsc, out = [], []
    for line in src.strip("\n").split("\n"):
        if not line.strip():
            tsc.append(""); continue
        tag, rest = line[:1], line[2:]
        if tag == "P":
            t, p = rest.split(" ;; ")
            tsc.append(f"print({t})")
            out.append(fmt(eval(p, env)))
        elif tag == "L":
            t, p = (rest.split(" ;; ") + [""])[:2]
            tsc.append(t)
            if p.strip(): exec(p, env)
        elif tag == "R":
            tsc.append(rest)
        elif tag == "O":
            out.append(rest)
        else:
            raise SystemExit(f"bad line {line!r}")
    with open(os.path.join(outdir, name + ".tsc"), "w") as f:
        f.write("\n".join(tsc).rstrip("\n") + "\n")
    with open(os.path.join(outdir, name + ".out"), "w") as f:
        f.write("".join(l + "\n" for l in out))

if __name__ == "__main__":
    outdir = sys.argv[1]
    for path in sys.argv[2:]:
        build(open(path).read(), os.path.basename(path)[:-4], outdir)
