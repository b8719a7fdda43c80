"""Independent formatter of TensorScript values per spec section 7, on NumPy values."""
import numpy as np

class F32(float):
    pass

def fscalar(x, f32=False):
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if f32 or isinstance(x, np.float32):
        x = np.float32(x)
        if np.isnan(x): return "nan"
        if np.isinf(x): return "inf" if x > 0 else "-inf"
        neg = "-" if np.signbit(x) else ""
        s = np.format_float_scientific(abs(x), unique=True, trim='-')
        return neg + pyfloat_style(s)
    x = float(x)
    return repr(x)

def pyfloat_style(s):
    """Lays out shortest digits `d.ddde+XX` by Python repr's rules (positional for 1e-4 <= x < 1e16)."""
    mant, exp = s.split("e")
    digits = mant.replace(".", "")
    e = int(exp)
    if digits.strip("0") == "":
        return "0.0"
    if -4 <= e < 16:
        if e >= 0:
            whole = digits[:e + 1].ljust(e + 1, "0")
            frac = digits[e + 1:] or "0"
        else:
            whole, frac = "0", "0" * (-e - 1) + digits
        return whole + "." + frac
    m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{m}e{'+' if e >= 0 else '-'}{abs(e):02d}"

def ftensor(a):
    a = np.asarray(a)
    f32 = a.dtype == np.float32
    ints = a.dtype.kind in "iu"
    def el(x):
        return str(int(x)) if ints else fscalar(x, f32)
    def one(x):
        if x.ndim == 1:
            return "[" + ", ".join(el(v) for v in x) + "]"
        return "[" + ", ".join(one(r) for r in x) + "]"
    s = one(a)
    if len(s) <= 80:
        return s
    strs = np.vectorize(el, otypes=[object])(a)
    w = max(len(t) for t in strs.flat)
    padded = np.vectorize(lambda t: t.rjust(w), otypes=[object])(strs)
    return np.array2string(padded, separator=', ', max_line_width=80, threshold=1000, edgeitems=3,
                           formatter={'all': lambda t: t})

def fmt(v, inner=False):
    if isinstance(v, tuple):
        items = [fmt(x, True) for x in v]
        if len(items) == 1:
            return "(" + items[0] + ",)"
        return "(" + ", ".join(items) + ")"
    if isinstance(v, str):
        return '"' + v + '"' if inner else v
    if isinstance(v, np.ndarray):
        return ftensor(v)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return fscalar(v)
