//! The one table of built-ins. Every primitive operation of the language — operators, built-in
//! functions and the internal operations that derivative rules are written with — is a variant of
//! [`Prim`], grouped in families, one file each. A family file declares its rows with [`family!`]
//! (name, parameters, one-line help, example) and holds the kernels beside them; the checker reads
//! the type rules, `autodiff::vjp` the derivative rules (`<family>/vjp.rs`), and the REPL's `:help`, completion and
//! `docs/builtins.md` read the rows. Dispatch is an exhaustive `match`, so a primitive without a
//! kernel or derivative rule does not compile.

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
use crate::types::{Type, TypeCx, TypeError};
use crate::value::Value;

pub use arith::Arith;
pub use construct::Construct;
pub use linalg::Linalg;
pub use reduce::Reduce;
pub use shape::ShapeOp;
pub use stats::Stats;
pub use system::{Data, Diff, Sys};
pub use unary::Unary;

/// Every primitive, by family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prim {
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
    /// Differentiation (`grad` and friends); run by the interpreter.
    Diff(Diff),
    /// File input and output; run by the interpreter.
    Data(Data),
    /// Printing, assertions, the clock and other system built-ins; run by the interpreter.
    Sys(Sys),
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
    /// Parameters: `x, axis?, keepdims?`; `?` marks an optional one, `...` a variadic one.
    pub params: &'static str,
    /// What it does, in one line.
    pub help: &'static str,
    /// A runnable example whose comment gives the printed result.
    pub example: &'static str,
    /// How the primitive is reached from the language.
    pub kind: Kind,
}

/// Declares a family: the enum, its list of variants, and each variant's row of the table.
macro_rules! family {
    ($(#[$doc:meta])* $family:ident($title:literal) { $($variant:ident => $kind:ident($name:literal, $params:literal, $help:literal, $example:literal),)* }) => {
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
                        name: $name, params: $params, help: $help, example: $example,
                        kind: $crate::prims::Kind::$kind,
                    },)*
                }
            }
        }
    };
}
pub(crate) use family;

impl Prim {
    /// The heading of the primitive's family in `docs/builtins.md` and the REPL's `:help`.
    pub fn title(self) -> &'static str {
        match self {
            Prim::Arith(_) => Arith::TITLE,
            Prim::Unary(_) => Unary::TITLE,
            Prim::Reduce(_) => Reduce::TITLE,
            Prim::Stats(_) => Stats::TITLE,
            Prim::Shape(_) => ShapeOp::TITLE,
            Prim::Construct(_) => Construct::TITLE,
            Prim::Linalg(_) => Linalg::TITLE,
            Prim::Diff(_) => Diff::TITLE,
            Prim::Data(_) => Data::TITLE,
            Prim::Sys(_) => Sys::TITLE,
        }
    }

    /// Every primitive, family by family.
    pub fn all() -> impl Iterator<Item = Prim> {
        let arith = Arith::ALL.iter().map(|&p| Prim::Arith(p));
        let unary = Unary::ALL.iter().map(|&p| Prim::Unary(p));
        let reduce = Reduce::ALL.iter().map(|&p| Prim::Reduce(p));
        let stats = Stats::ALL.iter().map(|&p| Prim::Stats(p));
        let shape = ShapeOp::ALL.iter().map(|&p| Prim::Shape(p));
        let construct = Construct::ALL.iter().map(|&p| Prim::Construct(p));
        let linalg = Linalg::ALL.iter().map(|&p| Prim::Linalg(p));
        let diff = Diff::ALL.iter().map(|&p| Prim::Diff(p));
        let data = Data::ALL.iter().map(|&p| Prim::Data(p));
        let sys = Sys::ALL.iter().map(|&p| Prim::Sys(p));
        arith
            .chain(unary)
            .chain(reduce)
            .chain(stats)
            .chain(shape)
            .chain(construct)
            .chain(linalg)
            .chain(diff)
            .chain(data)
            .chain(sys)
    }

    /// This primitive's row of the table.
    pub fn info(self) -> Info {
        match self {
            Prim::Arith(p) => p.info(),
            Prim::Unary(p) => p.info(),
            Prim::Reduce(p) => p.info(),
            Prim::Stats(p) => p.info(),
            Prim::Shape(p) => p.info(),
            Prim::Construct(p) => p.info(),
            Prim::Linalg(p) => p.info(),
            Prim::Diff(p) => p.info(),
            Prim::Data(p) => p.info(),
            Prim::Sys(p) => p.info(),
        }
    }

    /// The built-in function called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<Prim> {
        Prim::all().find(|p| p.info().kind == Kind::Function && p.info().name == name)
    }

    /// The names of all built-in functions (for completion and "did you mean").
    pub fn function_names() -> impl Iterator<Item = &'static str> {
        Prim::all().filter(|p| p.info().kind == Kind::Function).map(|p| p.info().name)
    }

    /// The parsed parameter list.
    pub fn params(self) -> Vec<Param> {
        parse_params(self.info().params)
    }

    /// Puts the arguments of a call by position (a built-in called as a value, `let p = print`)
    /// in the table's canonical order: an optional fixed parameter left out is `absent`, and
    /// those after a variadic one (`print`'s `sep`, `concat`'s `axis`) are always left out.
    pub fn by_position<T>(self, args: &mut Vec<T>, absent: impl Fn() -> T) {
        let params = self.params();
        let fixed = params.iter().filter(|p| !p.variadic).count();
        if params.iter().any(|p| p.variadic) {
            let at = params.iter().take_while(|p| !p.variadic).count().min(args.len());
            let after = fixed - params.iter().take_while(|p| !p.variadic).count();
            args.splice(at..at, (0..after).map(|_| absent()));
        } else {
            args.resize_with(fixed.max(args.len()), absent);
        }
    }

    /// Runs an array primitive on plain (untraced) values. `args` holds the fixed parameters in
    /// order (`Value::Absent` for a left-out optional one), then any variadic ones. The
    /// interpreter runs the families that call functions or touch the world (`Diff`, `Data`, `Sys`).
    ///
    /// The type rule vets the arguments first where the result could be large ([`admit`]).
    pub fn eval(self, args: Vec<Value>, ctx: &mut Ctx) -> Result<Value, OpError> {
        let promised = if admit::needed(&args) { Some(admit::admit(self, &args, ctx.dtype)?) } else { None };
        let result = match self {
            Prim::Arith(p) => p.eval(args),
            Prim::Unary(p) => p.eval(args),
            Prim::Reduce(p) => p.eval(args),
            Prim::Stats(p) => p.eval(args),
            Prim::Shape(p) => p.eval(args, ctx),
            Prim::Construct(p) => p.eval(args, ctx),
            Prim::Linalg(p) => p.eval(args),
            Prim::Diff(_) | Prim::Data(_) | Prim::Sys(_) => {
                Err(OpError::new(Code::RuntimeValue, format!("`{}` is run by the interpreter", self.info().name)))
            }
        };
        if let (Some(t), Ok(v)) = (&promised, &result) {
            admit::confirm(self, t, v);
        }
        result
    }
}

impl Prim {
    /// The primitive's type rule (spec §8): the result type for arguments of these types, in the
    /// same canonical order as [`Prim::eval`] takes values. An argument of unknown type makes
    /// the result of an array primitive unknown; it is never an error.
    pub fn type_rule(self, args: &[Type], cx: &mut dyn TypeCx) -> Result<Type, TypeError> {
        let unknown = args.contains(&Type::Any);
        match self {
            Prim::Diff(p) => p.type_rule(args, cx),
            Prim::Sys(p) => p.type_rule(args),
            _ if unknown => Ok(Type::Any),
            Prim::Arith(p) => p.type_rule(args),
            Prim::Unary(p) => p.type_rule(args),
            Prim::Reduce(p) => p.type_rule(args),
            Prim::Stats(p) => p.type_rule(args),
            Prim::Shape(p) => p.type_rule(args, cx.dtype()),
            Prim::Construct(p) => p.type_rule(args, cx.dtype()),
            Prim::Linalg(p) => p.type_rule(args),
            Prim::Data(p) => p.type_rule(args, cx.dtype()),
        }
    }
}

/// One parameter of a built-in's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name, without `?` or `...`.
    pub name: &'static str,
    /// Whether it may be left out (`name?`).
    pub optional: bool,
    /// Whether it takes any number of arguments (`name...`).
    pub variadic: bool,
}

fn parse_params(text: &'static str) -> Vec<Param> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some(name) = p.strip_suffix("...") {
                Param { name, optional: false, variadic: true }
            } else if let Some(name) = p.strip_suffix('?') {
                Param { name, optional: true, variadic: false }
            } else {
                Param { name: p, optional: false, variadic: false }
            }
        })
        .collect()
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
        let names: Vec<&str> = Prim::function_names().collect();
        for name in &names {
            assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} twice");
            assert_eq!(Prim::by_name(name).unwrap().info().name, *name);
        }
        assert!(Prim::by_name("sum").is_some());
        assert!(Prim::by_name("+").is_none());
    }

    #[test]
    fn params_parse() {
        let p = parse_params("tensors..., axis?");
        assert!(p[0].variadic && p[0].name == "tensors");
        assert!(p[1].optional && p[1].name == "axis");
    }
}
