//! The host families ([`super::Host`]), which the interpreter runs itself because they call
//! functions or touch the world: differentiation, data files, and the system built-ins. Their
//! rows and type rules live here with the rest of the table; their implementations are in
//! `eval::builtins` and `autodiff`.

use super::family;
use crate::diag::Code;
use crate::dtype::FloatDtype;
use crate::types::{Dim, FnType, Type, TypeCx, TypeError, Wrt};
use crate::value::Dtype;

family! {
    /// Differentiation (spec §6).
    Diff("Differentiation") {
        Grad => Function("grad", [f, wrt?], "The gradient function of f (a float scalar function) w.r.t. argument wrt (default 0; a tuple gives a tuple).", "grad(|x| x ^ 2)(3.0)  # 6.0"),
        ValueAndGrad => Function("value_and_grad", [f, wrt?], "A function giving (f(x...), gradient) from one forward pass.", "value_and_grad(|x| x ^ 2)(3.0)  # (9.0, 6.0)"),
        Jacobian => Function("jacobian", [f], "The derivatives of every element of f(x) by every element of x: f(x)'s shape, then x's (JAX's layout).", "jacobian(|x| x ^ 2)([1.0, 2.0])  # [[2.0, 0.0], [0.0, 4.0]]"),
        Hessian => Function("hessian", [f], "The second derivatives of f at x (for a vector x a matrix; in general x's shape twice, as JAX).", "hessian(|x| sum(x ^ 2))([1.0, 2.0])  # [[2.0, 0.0], [0.0, 2.0]]"),
        NumGrad => Function("numgrad", [f, x, eps?], "Central finite-difference gradient of f at x (eps default 1e-6).", "numgrad(|x| x ^ 2, 3.0) > 5.99  # true"),
        GradCheck => Function("gradcheck", [f, x], "Largest relative difference between grad(f)(x) and numgrad(f, x).", "gradcheck(|x| sum(x ^ 3), [1.0, 2.0]) < 1e-6  # true"),
    }
}

family! {
    /// Data files.
    Data("Data files") {
        Load => Function("load", [path], "Reads a tensor from a NumPy .npy file.", "load(\"w.npy\")"),
        Save => Function("save", [path, x], "Writes a tensor to a NumPy .npy file, atomically.", "save(\"w.npy\", eye(2))"),
        LoadCsv => Function("loadcsv", [path, header?, delimiter?, categorical?, columns?], "Reads a CSV file as a matrix; header=true also gives the column names, categorical=true each column's category names (words read as codes 0, 1, ...).", "let (X, names) = loadcsv(\"data.csv\", header=true)"),
        SaveCsv => Function("savecsv", [path, x, header?], "Writes a matrix to a CSV file atomically, after a line of column names when header is a tuple of str.", "savecsv(\"out.csv\", eye(2), header=(\"a\", \"b\"))"),
    }
}

family! {
    /// Output, plots, assertions, time, arguments, threads.
    Sys("Output, assertions, time, arguments and threads") {
        Print => Function("print", [values..., sep?, end?], "Prints the values separated by sep (default a space), then end (default a newline).", "print(1, \"a\", [1.5], sep=\", \")  # 1, a, [1.5]"),
        Assert => Function("assert", [cond, message?], "Fails with message unless cond is true.", "assert(1 < 2, \"math works\")"),
        Clock => Function("clock", [], "Seconds on a monotonic clock.", "clock() >= 0.0  # true"),
        Args => Function("args", [], "The script's command-line arguments, a tuple of str.", "len(args()) >= 0  # true"),
        NThreads => Function("nthreads", [], "The number of BLAS threads in use.", "nthreads() >= 1  # true"),
        Plot => Function("plot", [x, y?, title?, xlabel?, ylabel?, logy?, label?, file?], "Draws y (a vector, or a matrix: one line per column) against x (default 0, 1, ...), in the terminal or to file (.svg or .png).", "plot([3.0, 1.0, 0.5], title=\"loss\")"),
        Scatter => Function("scatter", [x, y, c?, title?, xlabel?, ylabel?, logy?, label?, file?], "Draws the points (x[i], y[i]); c gives each point's class or value, one colour each, with a legend.", "scatter([1.0, 2.0, 3.0], [2.0, 1.0, 3.0], c=[0, 1, 1])"),
        Hist => Function("hist", [x, bins?, title?, xlabel?, ylabel?, label?, file?], "Draws a histogram of the elements of x in bins equal bins (default 10).", "hist([1.0, 2.0, 2.5, 3.0], bins=2)"),
        Imshow => Function("imshow", [A, title?, file?], "Draws a matrix as an image, one cell per element, darker for smaller values.", "imshow([[0.0, 1.0], [1.0, 0.0]])"),
        Figure => Function("figure", [title?, xlabel?, ylabel?, logy?], "Starts a figure: the plot, scatter and hist calls after it draw into it until show().", "figure(title=\"empty\")"),
        Show => Function("show", [file?], "Draws the figure started by figure(), in the terminal or to file, and closes it.", ""),
    }
}

impl Diff {
    /// The type rule: `grad`, `value_and_grad` and `hessian` make function types that are checked
    /// when called ([`grad_call_type`]); `numgrad` and `gradcheck` call `f` at once.
    pub fn type_rule(self, args: &[Type], cx: &mut dyn TypeCx) -> Result<Type, TypeError> {
        let f = args.first().unwrap_or(&Type::Absent);
        if !matches!(f, Type::Fn(_) | Type::Any) {
            return Err(TypeError::new(
                Code::TypeMismatch,
                format!("`{}` takes a function, not {f}", self.info().name),
            )
            .at(0, f.to_string()));
        }
        let boxed = Box::new(f.clone());
        match self {
            Diff::Grad | Diff::ValueAndGrad => {
                let wrt = wrt_of(args.get(1).unwrap_or(&Type::Absent))?;
                Ok(Type::Fn(FnType::Grad { f: boxed, wrt, with_value: self == Diff::ValueAndGrad }))
            }
            Diff::Jacobian => Ok(Type::Fn(FnType::Jacobian { f: boxed })),
            Diff::Hessian => {
                let gradient = Type::Fn(FnType::Grad { f: boxed, wrt: Some(Wrt::One(0)), with_value: false });
                Ok(Type::Fn(FnType::Jacobian { f: Box::new(gradient) }))
            }
            Diff::NumGrad | Diff::GradCheck => {
                let x = args.get(1).unwrap_or(&Type::Absent);
                if !matches!(args.get(2), None | Some(Type::Absent | Type::Int(_) | Type::Float(_) | Type::Any)) {
                    return Err(TypeError::new(Code::TypeMismatch, "`eps` must be a number").at(2, args[2].to_string()));
                }
                if !(x.is_float() || *x == Type::Any) {
                    return Err(TypeError::new(
                        Code::TypeGrad,
                        format!("`{}` takes a float scalar or tensor, not {x}", self.info().name),
                    )
                    .at(1, x.to_string())
                    .help(not_float_help(&x.to_string())));
                }
                let out = cx.call(f, std::slice::from_ref(x)).map_err(|e| TypeError { arg: Some(0), ..e })?;
                scalar_result(self.info().name, &out)?;
                Ok(if self == Diff::GradCheck { Type::Float(FloatDtype::F64) } else { x.clone() })
            }
        }
    }
}

/// `f` must return a float scalar to be differentiated.
fn scalar_result(name: &str, out: &Type) -> Result<(), TypeError> {
    if matches!(out, Type::Float(_) | Type::Any) {
        return Ok(());
    }
    Err(TypeError::new(
        Code::TypeGrad,
        format!("`{name}` needs a function that returns a float scalar, but it returns {out}"),
    )
    .label(format!("returns {out}"))
    .help("reduce the result first, e.g. sum(...) or mean(...)"))
}

/// Whether a value of type `t` can be differentiated with respect to: a float scalar or tensor,
/// or a parameter tree of them (`prims::tree`).
fn differentiable_type(t: &Type) -> bool {
    match t {
        Type::Tuple(items) => super::tree::is_tree(t) && items.iter().all(differentiable_type),
        t => t.is_float() || *t == Type::Any,
    }
}

/// The type of calling `grad(f, wrt)` (or `value_and_grad`) with arguments `args`: each
/// argument differentiated must be a float, `f` must return a float scalar, and each gradient
/// has its argument's type.
pub fn grad_call_type(
    f: &Type,
    wrt: Option<&Wrt>,
    with_value: bool,
    args: &[Type],
    cx: &mut dyn TypeCx,
) -> Result<Type, TypeError> {
    let positions = wrt.map_or(&[][..], Wrt::positions);
    for &i in positions {
        let Some(arg) = args.get(i) else {
            return Err(TypeError::new(
                Code::TypeArity,
                format!("the gradient is taken with respect to argument {i}, but the call has {}", args.len()),
            )
            .label("too few arguments"));
        };
        if !differentiable_type(arg) {
            return Err(TypeError::new(
                Code::TypeGrad,
                format!(
                    "cannot differentiate with respect to argument {i}: it is {arg}, not a float or a tuple of floats"
                ),
            )
            .at(i, arg.to_string())
            .help(not_float_help(&arg.to_string())));
        }
    }
    let out = cx.call(f, args)?;
    scalar_result("grad", &out)?;
    let grad = match wrt {
        Some(Wrt::One(i)) => args[*i].clone(),
        Some(Wrt::Many(v)) => Type::Tuple(v.iter().map(|&i| args[i].clone()).collect()),
        None => Type::Any,
    };
    Ok(if with_value { Type::Tuple(vec![out, grad]) } else { grad })
}

/// The type of calling `jacobian(f)` (or `hessian(f)`, which is `jacobian(grad(f))`) with
/// `args`: one float scalar or tensor `x`, at which `f` gives a float scalar or tensor; the
/// result has the dims of `f(x)` then those of `x` (JAX's layout), in the dtype of `f(x)`.
pub fn jacobian_call_type(f: &Type, args: &[Type], cx: &mut dyn TypeCx) -> Result<Type, TypeError> {
    let [x] = args else { return Err(jacobian_arity(args.len())) };
    let dims = |t: &Type| match t {
        Type::Tensor { dtype: Dtype::F64 | Dtype::F32, dims } => Some(dims.clone()),
        Type::Float(_) => Some(Vec::new()),
        _ => None,
    };
    let Some(inner) = dims(x) else {
        if *x == Type::Any {
            return cx.call(f, args).map(|_| Type::Any);
        }
        return Err(TypeError::new(
            Code::TypeGrad,
            format!("a Jacobian or Hessian is taken at a float tensor or scalar, not {x}"),
        )
        .at(0, x.to_string())
        .help(not_float_help(&x.to_string())));
    };
    let out = cx.call(f, args)?;
    let dtype = match &out {
        Type::Any => return Ok(Type::Any),
        Type::Float(d) => Dtype::from(*d),
        Type::Tensor { dtype: d @ (Dtype::F64 | Dtype::F32), .. } => *d,
        other => {
            return Err(TypeError::new(
                Code::TypeGrad,
                format!("a Jacobian needs a function that returns a float scalar or tensor, but it returns {other}"),
            )
            .label(format!("returns {other}")))
        }
    };
    let all: Vec<Dim> = dims(&out).unwrap_or_default().into_iter().chain(inner).collect();
    Ok(match (all.is_empty(), dtype) {
        (true, Dtype::F32) => Type::Float(FloatDtype::F32),
        (true, _) => Type::Float(FloatDtype::F64),
        (false, dtype) => Type::Tensor { dtype, dims: all },
    })
}

/// The error of a Jacobian or Hessian called with `got` arguments, not one (the checker's and
/// the interpreter's).
pub fn jacobian_arity(got: usize) -> TypeError {
    TypeError::new(Code::TypeArity, format!("a Jacobian or Hessian takes 1 argument, but {got} were given"))
        .label("one float tensor")
}

impl Data {
    /// The type rule: paths are `str`; what a `.npy` file holds is known only when it is read, a
    /// CSV file is a matrix of the default float dtype `dtype`. An argument of unknown type
    /// makes the result unknown.
    pub fn type_rule(self, args: &[Type], dtype: FloatDtype) -> Result<Type, TypeError> {
        if args.contains(&Type::Any) {
            return Ok(Type::Any);
        }
        let path = args.first().unwrap_or(&Type::Absent);
        if !matches!(path, Type::Str | Type::Any) {
            return Err(
                TypeError::new(Code::TypeMismatch, format!("a path must be a str, not {path}")).at(0, path.to_string())
            );
        }
        match self {
            Data::Load => Ok(Type::Any),
            Data::Save => Ok(Type::unit()),
            Data::LoadCsv => loadcsv_type(args, dtype),
            Data::SaveCsv => match args.get(2).unwrap_or(&Type::Absent) {
                Type::Absent | Type::Any => Ok(Type::unit()),
                t if strs(t) => Ok(Type::unit()),
                t => Err(TypeError::new(Code::TypeMismatch, format!("`header` must be a tuple of str, not {t}"))
                    .at(2, t.to_string())
                    .help("e.g. header=(\"x1\", \"x2\", \"y\")")),
            },
        }
    }
}

/// Whether `t` is a tuple of `str` (or of values only known when they run).
fn strs(t: &Type) -> bool {
    match t {
        Type::Tuple(items) => items.iter().all(|i| matches!(i, Type::Str | Type::Any)),
        Type::Seq(item) => matches!(**item, Type::Str | Type::Any),
        _ => false,
    }
}

/// `loadcsv`'s rule. The matrix has the default float dtype; its rows are known only when the
/// file is read, its columns when `columns=` names them. What comes with
/// it depends on the flags, which must therefore be written `true` or `false`: with
/// `header=true` the column names (a tuple of `str`), with `categorical=true` each column's
/// category names (a tuple of tuples of `str`). `delimiter` is a `str`; `columns` a tuple of
/// names and indices, or one of either.
fn loadcsv_type(args: &[Type], dtype: FloatDtype) -> Result<Type, TypeError> {
    let flag =
        |i: usize, name: &str| match args.get(i).unwrap_or(&Type::Absent) {
            Type::Absent => Ok(Some(false)),
            Type::Bool(Some(b)) => Ok(Some(*b)),
            Type::Any => Ok(None),
            Type::Bool(None) => Err(TypeError::new(
                Code::TypeMismatch,
                format!("`{name}` must be written as true or false: what `loadcsv` returns depends on it"),
            )
            .at(i, "a bool known only when it runs")
            .help("call loadcsv in each branch of an if instead")),
            t => Err(TypeError::new(Code::TypeMismatch, format!("`{name}` must be true or false, not {t}"))
                .at(i, t.to_string())),
        };
    let (header, categorical) = (flag(1, "header")?, flag(3, "categorical")?);
    match args.get(2).unwrap_or(&Type::Absent) {
        Type::Absent | Type::Any | Type::Str => {}
        t => {
            return Err(TypeError::new(Code::TypeMismatch, format!("`delimiter` must be a str, not {t}"))
                .at(2, t.to_string())
                .help("e.g. delimiter=\";\""))
        }
    }
    let column = |t: &Type| matches!(t, Type::Str | Type::Int(_) | Type::Any);
    match args.get(4).unwrap_or(&Type::Absent) {
        Type::Absent | Type::Any => {}
        Type::Tuple(items) if items.iter().all(column) => {}
        Type::Seq(item) if column(item) => {}
        t if column(t) => {}
        t => {
            return Err(TypeError::new(
                Code::TypeMismatch,
                format!("`columns` must be a tuple of column names (str) and indices (int), not {t}"),
            )
            .at(4, t.to_string())
            .help("e.g. columns=(\"age\", \"bmi\") or columns=(0, 2)"))
        }
    }
    let (Some(header), Some(categorical)) = (header, categorical) else { return Ok(Type::Any) };
    let columns = match args.get(4).unwrap_or(&Type::Absent) {
        Type::Tuple(items) => Dim::Known(items.len()),
        Type::Str | Type::Int(_) => Dim::Known(1),
        _ => Dim::Unknown,
    };
    let mut items = vec![Type::Tensor { dtype: Dtype::from(dtype), dims: vec![Dim::Unknown, columns] }];
    if header {
        items.push(Type::Seq(Box::new(Type::Str)));
    }
    if categorical {
        items.push(Type::Seq(Box::new(Type::Seq(Box::new(Type::Str)))));
    }
    Ok(if items.len() == 1 { items.swap_remove(0) } else { Type::Tuple(items) })
}

impl Sys {
    /// The type rule: `print` gives the unit value, `assert` needs a bool, `args()` is a tuple of
    /// `str` of unknown length.
    pub fn type_rule(self, args: &[Type]) -> Result<Type, TypeError> {
        match self {
            Sys::Print => {
                for (i, name) in [(0, "sep"), (1, "end")] {
                    let t = args.get(i).unwrap_or(&Type::Absent);
                    if !matches!(t, Type::Absent | Type::Str | Type::Any) {
                        return Err(TypeError::new(
                            Code::TypeMismatch,
                            format!("`{name}` of `print` must be a str, not {t}"),
                        )
                        .at(i, t.to_string())
                        .help(format!("e.g. {name}=\"\" or {name}=str(x)")));
                    }
                }
                Ok(Type::unit())
            }
            Sys::Assert => match args.first().unwrap_or(&Type::Absent) {
                Type::Bool(_) | Type::Any => Ok(Type::unit()),
                other => Err(TypeError::new(Code::TypeMismatch, format!("`assert` needs a bool, not {other}"))
                    .at(0, other.to_string())
                    .help("reduce a bool tensor with all(...)")),
            },
            Sys::Clock => Ok(Type::Float(FloatDtype::F64)),
            Sys::Args => Ok(Type::Seq(Box::new(Type::Str))),
            Sys::NThreads => Ok(Type::Int(None)),
            Sys::Plot | Sys::Scatter | Sys::Hist | Sys::Imshow | Sys::Figure | Sys::Show => {
                self.plot_rule(args).map(|()| Type::unit())
            }
        }
    }
}

/// The rank a plotting built-in's data argument must have.
enum Rank {
    /// A vector.
    One,
    /// A vector or a matrix (one line per column).
    OneOrTwo,
    /// A matrix.
    Two,
    /// Any tensor (its elements are counted).
    Any,
}

impl Sys {
    /// The type rule of the plotting built-ins: the settings by their names (`title`, `xlabel`,
    /// `ylabel`, `label`, `file` are `str`, `logy` a `bool`, `bins` an int ≥ 1), the data as
    /// number tensors of the right rank, and `x`, `y`, `c` of one length where it is known.
    fn plot_rule(self, args: &[Type]) -> Result<(), TypeError> {
        let name = self.info().name;
        let params = self.info().params.0;
        for (i, param) in params.iter().enumerate() {
            let t = args.get(i).unwrap_or(&Type::Absent);
            if matches!(t, Type::Absent | Type::Any) {
                continue;
            }
            let wrong = |what: &str| {
                TypeError::new(Code::TypeMismatch, format!("`{}` of `{name}` must be {what}, not {t}", param.name))
                    .at(i, t.to_string())
            };
            match param.name {
                "title" | "xlabel" | "ylabel" | "label" | "file" if *t != Type::Str => return Err(wrong("a str")),
                "logy" if !matches!(t, Type::Bool(_)) => return Err(wrong("true or false")),
                "bins" => match t {
                    Type::Int(Some(n)) if *n < 1 => {
                        return Err(TypeError::new(Code::RuntimeValue, format!("`bins` must be at least 1, not {n}"))
                            .at(i, format!("{n} bins")))
                    }
                    Type::Int(_) => {}
                    _ => return Err(wrong("an int").help("e.g. bins=20")),
                },
                _ => {}
            }
        }
        let rank = |i: usize, rank: Rank| -> Result<Option<Dim>, TypeError> {
            let t = args.get(i).unwrap_or(&Type::Absent);
            let dims = match t {
                Type::Absent | Type::Any => return Ok(None),
                Type::Tensor { dtype: Dtype::F64 | Dtype::F32 | Dtype::I64, dims } => dims,
                Type::Float(_) | Type::Int(_) => {
                    return Err(TypeError::new(
                        Code::TypeMismatch,
                        format!("`{name}` draws a tensor, not the number {t}"),
                    )
                    .at(i, t.to_string())
                    .help("collect the values in a vector first, e.g. in a loop: losses[i] = loss"))
                }
                _ => {
                    return Err(TypeError::new(Code::TypeMismatch, format!("`{name}` draws numbers, not {t}"))
                        .at(i, t.to_string()))
                }
            };
            let (fits, want) = match rank {
                Rank::One => (dims.len() == 1, "a vector"),
                Rank::OneOrTwo => (dims.len() <= 2, "a vector or a matrix (one line per column)"),
                Rank::Two => (dims.len() == 2, "a matrix"),
                Rank::Any => (true, "a tensor"),
            };
            if !fits {
                return Err(TypeError::new(Code::TypeShape, format!("`{name}` needs {want} here, not {t}"))
                    .at(i, t.to_string())
                    .help(if dims.len() == 1 {
                        "make a matrix with reshape(x, rows, cols)"
                    } else {
                        "flatten it with reshape(x, -1)"
                    }));
            }
            Ok(dims.first().copied())
        };
        let same_length = |a: usize, la: Option<Dim>, b: usize, lb: Option<Dim>| match (la, lb) {
            (Some(Dim::Known(m)), Some(Dim::Known(n))) if m != n => {
                let (pa, pb) = (params[a].name, params[b].name);
                Err(TypeError::new(
                    Code::TypeShape,
                    format!("`{name}` needs {pa} and {pb} of one length, but {pa} has {m} and {pb} has {n}"),
                )
                .at(b, args[b].to_string())
                .help(format!("give {pa} and {pb} the same length")))
            }
            _ => Ok(()),
        };
        match self {
            Sys::Plot if matches!(args.get(1), None | Some(Type::Absent)) => rank(0, Rank::OneOrTwo).map(|_| ()),
            Sys::Plot => {
                let x = rank(0, Rank::One)?;
                let y = rank(1, Rank::OneOrTwo)?;
                same_length(0, x, 1, y)
            }
            Sys::Scatter => {
                let x = rank(0, Rank::One)?;
                let y = rank(1, Rank::One)?;
                same_length(0, x, 1, y)?;
                let c = rank(2, Rank::One)?;
                same_length(0, x, 2, c)
            }
            Sys::Hist => rank(0, Rank::Any).map(|_| ()),
            Sys::Imshow => rank(0, Rank::Two).map(|_| ()),
            Sys::Figure | Sys::Show => Ok(()),
            Sys::Print | Sys::Assert | Sys::Clock | Sys::Args | Sys::NThreads => Ok(()),
        }
    }
}

/// The argument positions `grad(f, wrt)` differentiates, from the type of `wrt` (an int or a
/// tuple of ints ≥ 0, 0 when left out): `None` when they are not known before running. The
/// interpreter reads a value's exact type with it, so both stages accept and refuse the same.
pub fn wrt_of(t: &Type) -> Result<Option<Wrt>, TypeError> {
    let position = |t: &Type| match t {
        Type::Int(Some(i)) => usize::try_from(*i).ok().map(Some),
        Type::Int(None) => Some(None),
        _ => None,
    };
    let positions: Option<Vec<Option<usize>>> = match t {
        Type::Absent => return Ok(Some(Wrt::One(0))),
        Type::Any => return Ok(None),
        Type::Tuple(items) if !items.is_empty() => items.iter().map(position).collect(),
        Type::Int(_) => position(t).map(|p| vec![p]),
        _ => None,
    };
    let Some(positions) = positions else {
        let shown = if let Type::Int(Some(i)) = t { i.to_string() } else { t.to_string() };
        return Err(TypeError::new(Code::TypeMismatch, "the argument positions must be an int or a tuple of ints ≥ 0")
            .at(1, shown)
            .help("e.g. grad(f, 1) or grad(f, (0, 1))"));
    };
    let known: Option<Vec<usize>> = positions.into_iter().collect();
    Ok(known.map(|v| if matches!(t, Type::Tuple(_)) { Wrt::Many(v) } else { Wrt::One(v[0]) }))
}

/// The help for differentiating at a value that is not a float, given its written type (one text
/// for the checker and the run time).
pub fn not_float_help(type_name: &str) -> &'static str {
    if type_name.starts_with("i64[") {
        "an int tensor has no gradient: convert it with f64(...), e.g. f64([1, 2])"
    } else {
        "pass a float, e.g. 2.0 rather than 2"
    }
}
