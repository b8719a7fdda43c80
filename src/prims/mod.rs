//! The one table of built-ins. Every built-in of the language — operators, built-in functions
//! and the internal operations that derivative rules are written with — is a [`Builtin`]: an
//! array primitive ([`Prim`]: a kernel, a type rule and a derivative rule) or a host primitive
//! ([`Host`]: `grad` and friends, files, printing, run by the interpreter), each grouped in
//! families, one file each. A family file declares its rows with `family!` (name, parameters,
//! one-line help, example) and holds the kernels beside them; the checker reads the type rules,
//! `autodiff::vjp` the derivative rules (`<family>/vjp.rs`), and the REPL's `:help`, completion
//! and `docs/builtins.md` read the rows. Parameters are typed data written `[x, axis?, values...]`
//! (a [`Signature`]); [`Signature::bind`] puts a call's arguments in the table's order for
//! lowering, the checker and the interpreter alike. The tape, the compiler and the kernels take
//! only [`Prim`], so a host primitive cannot reach them, and every dispatch is an exhaustive
//! `match`, so a primitive without a kernel or derivative rule does not compile.

pub use crate::diag::OpError;

pub mod admit;
pub mod arith;
pub mod broadcast;
pub mod construct;
pub mod linalg;
pub mod mask;
pub mod random;
pub mod reduce;
pub mod shape;
pub mod shape_rules;
pub mod sort;
pub mod stats;
pub mod system;
pub mod take;
pub mod tree;
pub mod unary;

use crate::diag::Code;
use crate::dtype::FloatDtype;
use crate::types::{BuiltinCode, Type, TypeCx, TypeError};
use crate::value::Value;
use std::fmt;

pub use arith::Arith;
pub use construct::Construct;
pub use linalg::Linalg;
pub use reduce::Reduce;
pub use shape::ShapeOp;
pub use stats::Stats;
pub use system::{Data, Diff, Sys};
pub use unary::Unary;

/// Declares [`Prim`] (the array families) and [`Host`] (the host families), one variant per
/// family, and what follows from the one list of families: each built-in's row and family
/// title, and every built-in in table order.
macro_rules! prims {
    (
        array { $($(#[$adoc:meta])* $array:ident($afamily:ident),)* }
        host { $($(#[$hdoc:meta])* $host:ident($hfamily:ident),)* }
    ) => {
        /// An array primitive, by family: a kernel, a type rule and a derivative rule. The tape,
        /// the compiler and the kernels see only these.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Prim { $($(#[$adoc])* $array($afamily),)* }

        /// A host primitive, by family: a built-in that calls functions or touches the world,
        /// run by the interpreter (`eval/builtins.rs`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Host { $($(#[$hdoc])* $host($hfamily),)* }

        impl Prim {
            /// Every array primitive, family by family.
            pub fn all() -> impl Iterator<Item = Prim> {
                std::iter::empty()$(.chain($afamily::ALL.iter().map(|&p| Prim::$array(p))))*
            }

            /// This primitive's row of the table.
            pub fn info(self) -> Info {
                match self { $(Prim::$array(p) => p.info(),)* }
            }
        }

        impl Builtin {
            /// Every built-in, in table order: the array families, then the host families.
            pub fn all() -> impl Iterator<Item = Builtin> {
                Prim::all().map(Builtin::Array)$(.chain($hfamily::ALL.iter().map(|&p| Builtin::Host(Host::$host(p)))))*
            }

            /// This built-in's row of the table.
            pub fn info(self) -> Info {
                match self {
                    Builtin::Array(p) => p.info(),
                    $(Builtin::Host(Host::$host(p)) => p.info(),)*
                }
            }

            /// The heading of the built-in's family in `docs/builtins.md` and the REPL's `:help`.
            pub fn title(self) -> &'static str {
                match self {
                    $(Builtin::Array(Prim::$array(_)) => $afamily::TITLE,)*
                    $(Builtin::Host(Host::$host(_)) => $hfamily::TITLE,)*
                }
            }
        }
    };
}

prims! {
    array {
        /// Operators and element-wise functions of two or more arguments.
        Arith(Arith),
        /// Element-wise functions of one argument.
        Unary(Unary),
        /// Reductions.
        Reduce(Reduce),
        /// Statistics and running sums.
        Stats(Stats),
        /// Shape queries, reshaping, indexing and conversions.
        Shape(ShapeOp),
        /// Tensor constructors.
        Construct(Construct),
        /// Linear algebra.
        Linalg(Linalg),
    }
    host {
        /// Differentiation (`grad` and friends).
        Diff(Diff),
        /// File input and output.
        Data(Data),
        /// Printing, assertions, the clock and other system built-ins.
        Sys(Sys),
    }
}

/// Every built-in of the table: an array primitive or a host primitive. Lowering, the checker
/// and the interpreter take built-ins; only the interpreter tells the two kinds apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// A primitive with a kernel, a type rule and a derivative rule.
    Array(Prim),
    /// A primitive the interpreter runs itself.
    Host(Host),
}

impl From<Prim> for Builtin {
    fn from(p: Prim) -> Builtin {
        Builtin::Array(p)
    }
}

impl BuiltinCode for Builtin {
    fn signature(&self) -> String {
        format!("fn {}({})", self.info().name, self.info().params)
    }
}

/// How a primitive is reached from the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Called by name: `sum(x)`.
    Function,
    /// Written as an operator or postfix form: `a + b`, `A.T`, `A[i]`.
    Operator,
    /// Used only by derivative rules and the evaluator; has no name in the language.
    Internal,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    /// The name (for operators, the symbol).
    pub name: &'static str,
    /// The parameters, written in the row as `[x, axis?, keepdims?]`.
    pub params: Signature,
    /// What it does, in one line.
    pub help: &'static str,
    /// A runnable example whose comment gives the printed result.
    pub example: &'static str,
    /// How the primitive is reached from the language.
    pub kind: Kind,
}

/// Declares a family: the enum, its list of variants, and each variant's row of the table.
macro_rules! family {
    ($(#[$doc:meta])* $family:ident($title:literal) {
        $($variant:ident => $kind:ident($name:literal, [$($params:tt)*], $help:literal, $example:literal),)*
    }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $family { $(#[doc = concat!("`", $name, "`: ", $help)] $variant,)* }

        impl $family {
            /// The family's heading in `docs/builtins.md` and the REPL's `:help`.
            pub const TITLE: &'static str = $title;

            /// Every primitive of the family, in table order.
            pub const ALL: &'static [$family] = &[$($family::$variant,)*];

            /// The primitive's row of the table.
            pub fn info(self) -> $crate::prims::Info {
                match self {
                    $($family::$variant => $crate::prims::Info {
                        name: $name, params: $crate::prims::signature!($($params)*), help: $help, example: $example,
                        kind: $crate::prims::Kind::$kind,
                    },)*
                }
            }
        }
    };
}
pub(crate) use family;

/// The [`Signature`] written in a row as `[x, axis?, values...]` (`?` marks an optional
/// parameter, `...` a variadic one), built at compile time.
macro_rules! signature {
    (@[$($done:expr),*]) => { $crate::prims::Signature(&[$($done),*]) };
    (@[$($done:expr),*] $name:ident ... $(, $($rest:tt)*)?) => {
        $crate::prims::signature!(@[$($done,)* $crate::prims::signature!(@param $name, false, true)] $($($rest)*)?)
    };
    (@[$($done:expr),*] $name:ident ? $(, $($rest:tt)*)?) => {
        $crate::prims::signature!(@[$($done,)* $crate::prims::signature!(@param $name, true, false)] $($($rest)*)?)
    };
    (@[$($done:expr),*] $name:ident $(, $($rest:tt)*)?) => {
        $crate::prims::signature!(@[$($done,)* $crate::prims::signature!(@param $name, false, false)] $($($rest)*)?)
    };
    (@param $name:ident, $optional:literal, $variadic:literal) => {
        $crate::prims::Param { name: stringify!($name), optional: $optional, variadic: $variadic }
    };
    ($($params:tt)*) => { $crate::prims::signature!(@[] $($params)*) };
}
pub(crate) use signature;

impl Builtin {
    /// The built-in function called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<Builtin> {
        Builtin::all().find(|p| p.info().kind == Kind::Function && p.info().name == name)
    }

    /// The names of all built-in functions (for completion and "did you mean").
    pub fn function_names() -> impl Iterator<Item = &'static str> {
        Builtin::all().filter(|p| p.info().kind == Kind::Function).map(|p| p.info().name)
    }

    /// Binds the arguments of a call by position (a built-in called as a value, `let p = print`)
    /// as [`Signature::bind`] does; any misfit is the [`arity`] error.
    pub fn bind_positional<T>(self, args: Vec<T>, absent: impl Fn() -> T) -> Result<Vec<T>, TypeError> {
        let Info { name, params, .. } = self.info();
        let given = args.len();
        params.bind(args.into_iter().map(|arg| (None, arg)), absent).map_err(|_| arity(name, params.required(), given))
    }

    /// The built-in as a function type holds it ([`FnType::Builtin`](crate::types::FnType)):
    /// its entry in the table of every built-in, built once from [`Builtin::all`].
    pub fn code(self) -> &'static dyn BuiltinCode {
        static TABLE: std::sync::LazyLock<Vec<Builtin>> = std::sync::LazyLock::new(|| Builtin::all().collect());
        TABLE.iter().find(|b| **b == self).expect("every built-in is in the table")
    }

    /// The built-in a function type holds ([`Builtin::code`]).
    pub fn of(code: &dyn BuiltinCode) -> Builtin {
        let code: &dyn std::any::Any = code;
        *code.downcast_ref().expect("a built-in's code is a `Builtin`, its only kind")
    }

    /// The built-in's type rule (spec §8): the result type for arguments of these types, in the
    /// same canonical order as the built-in takes values.
    pub fn type_rule(self, args: &[Type], cx: &mut dyn TypeCx) -> Result<Type, TypeError> {
        match self {
            Builtin::Array(p) => p.type_rule(args, cx.dtype()),
            Builtin::Host(Host::Diff(p)) => p.type_rule(args, cx),
            Builtin::Host(Host::Data(p)) => p.type_rule(args, cx.dtype()),
            Builtin::Host(Host::Sys(p)) => p.type_rule(args),
        }
    }
}

impl Prim {
    /// Runs an array primitive on plain (untraced) values. `args` holds the fixed parameters in
    /// order (`Value::Absent` for a left-out optional one), then any variadic ones.
    ///
    /// The type rule runs first, on the arguments' exact types ([`admit`]): a fault of type or
    /// shape gets the rule's error, the one the checker gives for it, whichever stage finds it.
    /// Only then does [`Prim::kernel`] run.
    pub fn eval(self, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
        let promised = admit::admit(self, &args, ctx.dtype)?;
        let result = self.kernel(args, ctx);
        if let (Some(t), Ok(v)) = (&promised, &result) {
            admit::confirm(self, t, v);
        }
        result
    }

    /// Runs the primitive's kernel alone, on arguments its type rule has accepted: the kernels
    /// check only what no type expresses (an index value out of range, a singular matrix, an
    /// int overflow or division by zero, a NaN converted to an int). Arguments the rule would
    /// refuse get an error, never a panic, but not the rule's message. [`Prim::eval`] calls it
    /// after the rule; a caller that has run the rule already on the same types (a compiled
    /// program replaying a trace whose rules passed when it was traced) may call it directly.
    pub fn kernel(self, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
        match self {
            Prim::Arith(p) => p.eval(args),
            Prim::Unary(p) => p.eval(args),
            Prim::Reduce(p) => p.eval(args),
            Prim::Stats(p) => p.eval(args),
            Prim::Shape(p) => p.eval(args, ctx),
            Prim::Construct(p) => p.eval(args, ctx),
            Prim::Linalg(p) => p.eval(args),
        }
    }
}

/// The error of a kernel reached with arguments its type rule refuses, which [`Prim::kernel`]
/// reports instead of panicking; [`Prim::eval`] never lets such arguments through.
pub(crate) fn unvetted(name: &str) -> OpError {
    OpError::new(Code::TypeMismatch, format!("`{name}` was run on arguments its type rule refuses"))
}

impl Prim {
    /// The primitive's type rule (spec §8): the result type for arguments of these types, in the
    /// same canonical order as [`Prim::eval`] takes values. An argument of unknown type makes
    /// the result unknown; it is never an error. `dtype` is the default float dtype at the call.
    pub fn type_rule(self, args: &[Type], dtype: FloatDtype) -> Result<Type, TypeError> {
        if args.contains(&Type::Any) {
            return Ok(Type::Any);
        }
        match self {
            Prim::Arith(p) => p.type_rule(args),
            Prim::Unary(p) => p.type_rule(args),
            Prim::Reduce(p) => p.type_rule(args),
            Prim::Stats(p) => p.type_rule(args),
            Prim::Shape(p) => p.type_rule(args, dtype),
            Prim::Construct(p) => p.type_rule(args, dtype),
            Prim::Linalg(p) => p.type_rule(args),
        }
    }
}

/// One parameter of a built-in's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name, without `?` or `...`.
    pub name: &'static str,
    /// Whether it may be left out (`name?`).
    pub optional: bool,
    /// Whether it takes any number of arguments (`name...`).
    pub variadic: bool,
}

/// A built-in's parameter list, written in its row as `[x, axis?, keepdims?]`. It prints as
/// `x, axis?, keepdims?`, the form help texts and `docs/builtins.md` show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub &'static [Param]);

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, param) in self.0.iter().enumerate() {
            let mark = match param {
                Param { variadic: true, .. } => "...",
                Param { optional: true, .. } => "?",
                Param { .. } => "",
            };
            write!(f, "{}{}{mark}", if i == 0 { "" } else { ", " }, param.name)?;
        }
        Ok(())
    }
}

/// An argument of a call that does not fit the built-in's parameters (argument `i` counts the
/// call's arguments from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// Argument `i` is positional, after every parameter is given.
    Extra(usize),
    /// Argument `i` is by a keyword that names no parameter.
    Unknown(usize),
    /// Argument `i` gives a parameter that an earlier one gave.
    Twice(usize, &'static Param),
    /// A parameter that may not be left out was left out.
    Missing(&'static Param),
}

impl Signature {
    /// The parameters that take one argument each (all but the variadic one), in order.
    pub fn fixed(self) -> impl Iterator<Item = &'static Param> {
        self.0.iter().filter(|p| !p.variadic)
    }

    /// How many arguments a call gives at least.
    pub fn required(self) -> usize {
        self.fixed().filter(|p| !p.optional).count()
    }

    /// Binds a call's arguments, each positional (`None`) or by keyword, to the parameters, in
    /// the table's canonical order: the fixed parameters (`absent()` for an optional one left
    /// out), then the variadic one's arguments. Positional arguments fill the fixed parameters
    /// before the variadic one, then go to it; those after it are given only by keyword
    /// (`print`'s `sep`, `concat`'s `axis`). Every misfit is reported, in the arguments' order.
    pub fn bind<'a, T>(
        self,
        args: impl IntoIterator<Item = (Option<&'a str>, T)>,
        absent: impl Fn() -> T,
    ) -> Result<Vec<T>, Vec<Misfit>> {
        let fixed: Vec<&'static Param> = self.fixed().collect();
        let variadic = self.0.iter().position(|p| p.variadic);
        let mut slots: Vec<Option<T>> = fixed.iter().map(|_| None).collect();
        let (mut rest, mut misfits) = (Vec::new(), Vec::new());
        let mut positional = 0..variadic.unwrap_or(fixed.len());
        for (i, (keyword, arg)) in args.into_iter().enumerate() {
            let slot = match keyword {
                Some(keyword) => fixed.iter().position(|p| p.name == keyword),
                None => positional.next(),
            };
            match slot {
                Some(slot) if slots[slot].is_some() => misfits.push(Misfit::Twice(i, fixed[slot])),
                Some(slot) => slots[slot] = Some(arg),
                None if keyword.is_some() => misfits.push(Misfit::Unknown(i)),
                None if variadic.is_some() => rest.push(arg),
                None => misfits.push(Misfit::Extra(i)),
            }
        }
        let mut bound = Vec::with_capacity(slots.len() + rest.len());
        for (slot, param) in slots.into_iter().zip(fixed) {
            match slot {
                Some(arg) => bound.push(arg),
                None if param.optional => bound.push(absent()),
                None => misfits.push(Misfit::Missing(param)),
            }
        }
        bound.extend(rest);
        misfits.is_empty().then_some(bound).ok_or(misfits)
    }
}

/// The error of a call with the wrong number of arguments, of a built-in or of a function of the
/// script; `expected` is the number it must give at least.
pub fn arity(name: &str, expected: usize, got: usize) -> TypeError {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    TypeError::new(
        Code::TypeArity,
        format!(
            "`{name}` takes {expected} argument{}, but {got} {} given",
            plural(expected),
            if got == 1 { "was" } else { "were" }
        ),
    )
    .label(format!("{got} argument{}", plural(got)))
}

/// What array primitives need from the running program.
pub struct Ctx {
    /// The default float dtype where the call stands (the `dtype` directive).
    pub dtype: FloatDtype,
    /// The seeded generator behind `randn` and `rand`.
    pub rng: rand_pcg::Pcg64,
    /// The span of the operation being run; `grad` records it with each operation so that a
    /// derivative error can point at it.
    pub site: crate::span::Span,
    /// How values print (the `precision` setting), for `str` and `format`.
    pub print: crate::value::PrintOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let names: Vec<&str> = Builtin::function_names().collect();
        for name in &names {
            assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} twice");
            assert_eq!(Builtin::by_name(name).unwrap().info().name, *name);
        }
        assert!(Builtin::by_name("sum").is_some());
        assert!(Builtin::by_name("+").is_none());
    }

    #[test]
    fn a_builtin_as_a_type_is_its_entry_in_the_table() {
        use crate::types::FnType;
        let ty = |name| Type::Fn(FnType::Builtin(Builtin::by_name(name).unwrap().code()));
        assert_eq!(ty("sum"), ty("sum"));
        assert_ne!(ty("sum"), ty("mean"));
        assert_eq!(ty("sum").to_string(), "fn sum(x, axis?, keepdims?)");
        assert!(Builtin::all().all(|b| Builtin::of(b.code()) == b));
    }

    #[test]
    fn signatures_print_as_the_docs_show_them() {
        let shown = |name| Builtin::by_name(name).unwrap().info().params.to_string();
        assert_eq!(shown("sum"), "x, axis?, keepdims?");
        assert_eq!(shown("concat"), "tensors..., axis?");
        assert_eq!(shown("print"), "values..., sep?, end?");
        assert_eq!(shown("clock"), "");
        assert_eq!(Prim::Arith(Arith::Add).info().params.to_string(), "a, b");
    }

    #[test]
    fn arguments_bind_in_the_tables_order() {
        let sum = Builtin::by_name("sum").unwrap().info().params;
        assert_eq!(sum.bind([(None, 1), (Some("keepdims"), 3)], || 0), Ok(vec![1, 0, 3]));
        assert_eq!(sum.bind([(Some("axis"), 2), (None, 1)], || 0), Ok(vec![1, 2, 0]));
        let print = Builtin::by_name("print").unwrap().info().params;
        assert_eq!(print.bind([(None, 1), (Some("end"), 3), (None, 2)], || 0), Ok(vec![0, 3, 1, 2]));
        let [x, axis, _] = sum.0 else { panic!("sum has three parameters") };
        let misfits = sum.bind([(Some("x"), 1), (None, 2), (Some("axes"), 3), (Some("axis"), 4), (None, 5)], || 0);
        assert_eq!(misfits, Err(vec![Misfit::Twice(1, x), Misfit::Unknown(2), Misfit::Twice(4, axis)]));
        let clip = Builtin::by_name("clip").unwrap().info().params;
        assert_eq!(clip.bind([(None, 1), (None, 2), (None, 3), (None, 4)], || 0), Err(vec![Misfit::Extra(3)]));
        assert_eq!(clip.bind([(None, 1)], || 0), Err(vec![Misfit::Missing(&clip.0[1]), Misfit::Missing(&clip.0[2])]));
    }
}
