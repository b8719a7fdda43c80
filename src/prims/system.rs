//! The families that the interpreter runs itself because they call functions or touch the world:
//! differentiation, data files, and the system built-ins. Their rows live here with the rest of
//! the table; their implementations are in `eval::builtins` and `autodiff`.

use super::family;

family! {
    /// Differentiation (spec §6).
    Diff {
        Grad => Function("grad", "f, wrt?", "The gradient function of f (a float scalar function) w.r.t. argument wrt (default 0; a tuple gives a tuple).", "grad(|x| x ^ 2)(3.0)  # 6.0"),
        ValueAndGrad => Function("value_and_grad", "f, wrt?", "A function giving (f(x...), gradient) from one forward pass.", "value_and_grad(|x| x ^ 2)(3.0)  # (9.0, 6.0)"),
        Hessian => Function("hessian", "f", "The matrix of second derivatives of f at a vector.", "hessian(|x| sum(x ^ 2))([1.0, 2.0])  # [[2.0, 0.0], [0.0, 2.0]]"),
        NumGrad => Function("numgrad", "f, x, eps?", "Central finite-difference gradient of f at x (eps default 1e-6).", "numgrad(|x| x ^ 2, 3.0) > 5.99  # true"),
        GradCheck => Function("gradcheck", "f, x", "Largest relative difference between grad(f)(x) and numgrad(f, x).", "gradcheck(|x| sum(x ^ 3), [1.0, 2.0]) < 1e-6  # true"),
    }
}

family! {
    /// Data files.
    Data {
        Load => Function("load", "path", "Reads a tensor from a NumPy .npy file.", "load(\"w.npy\")"),
        Save => Function("save", "path, x", "Writes a tensor to a NumPy .npy file, atomically.", "save(\"w.npy\", eye(2))"),
        LoadCsv => Function("loadcsv", "path, header?", "Reads a matrix of numbers from a CSV file.", "loadcsv(\"data.csv\", header=true)"),
        SaveCsv => Function("savecsv", "path, x", "Writes a matrix to a CSV file, atomically.", "savecsv(\"out.csv\", eye(2))"),
    }
}

family! {
    /// Output, assertions, time, arguments, threads.
    Sys {
        Print => Function("print", "values...", "Prints the values separated by a space, then a newline.", "print(1, \"a\", [1.5])  # 1 a [1.5]"),
        Assert => Function("assert", "cond, message?", "Fails with message unless cond is true.", "assert(1 < 2, \"math works\")"),
        Clock => Function("clock", "", "Seconds on a monotonic clock.", "clock() >= 0.0  # true"),
        Args => Function("args", "", "The script's command-line arguments, a tuple of str.", "len(args()) >= 0  # true"),
        NThreads => Function("nthreads", "", "The number of BLAS threads in use.", "nthreads() >= 1  # true"),
    }
}
