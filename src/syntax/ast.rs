//! The syntax tree. Every node carries its source [`Span`]; the tree holds no semantic
//! information (no types, no resolved names): those belong to later stages.

use crate::span::Span;
use std::fmt;
use std::sync::Arc;

/// A whole script (or one REPL entry).
#[derive(Clone, Debug)]
pub struct Program {
    /// The top-level statements, in order.
    pub stmts: Vec<Stmt>,
}

/// A name as written, with where it was written.
#[derive(Clone, Debug)]
pub struct Ident {
    /// The name's text.
    pub name: Arc<str>,
    /// Where the name was written.
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// The statement's source range.
    pub span: Span,
}

/// The statements of spec §4.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `let NAME = EXPR`, `let NAME: TYPE = EXPR`, `let (a, b) = EXPR`.
    Let {
        /// The name or tuple pattern bound.
        pattern: Pattern,
        /// The declared type, if any.
        ty: Option<TypeExpr>,
        /// The initialiser.
        value: Expr,
    },
    /// `NAME = EXPR`, `NAME += EXPR`, ... (`op` is `None` for plain `=`).
    Assign {
        /// The variable assigned.
        target: Ident,
        /// The compound operator (`+=` is `Some(Add)`), or `None` for `=`.
        op: Option<AssignOp>,
        /// The right-hand side.
        value: Expr,
    },
    /// `A[i, j] = EXPR`, `A[0:10, :] += EXPR`.
    IndexAssign {
        /// The tensor variable assigned into.
        target: Ident,
        /// The indices inside `[...]`.
        indices: Vec<IndexArg>,
        /// The compound operator, or `None` for `=`.
        op: Option<AssignOp>,
        /// The right-hand side.
        value: Expr,
    },
    /// `fn NAME(PARAMS) = EXPR` or `fn NAME(PARAMS) { BODY }`.
    Fn(Arc<FnDef>),
    /// `return` or `return EXPR`.
    Return(Option<Expr>),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `while COND { BODY }`.
    While {
        /// The loop condition.
        cond: Expr,
        /// The loop body.
        body: Block,
    },
    /// `for VAR in START..END { BODY }` (`inclusive` for `..=`).
    For {
        /// The loop variable.
        var: Ident,
        /// The first value of the range.
        start: Expr,
        /// The end of the range.
        end: Expr,
        /// Whether the range includes `end` (`..=`).
        inclusive: bool,
        /// The loop body.
        body: Block,
    },
    /// `threads N`, `threads auto`, `threads N { BODY }`.
    Threads {
        /// The thread count, or `auto`.
        count: ThreadCount,
        /// The block the count applies to; with `None` it applies to what follows.
        body: Option<Block>,
    },
    /// `seed N`.
    Seed(Expr),
    /// `dtype f32` / `dtype f64`.
    Dtype(FloatDtype),
    /// `precision N`: the most digits after the point of floats in printed tensors; `None` for
    /// `precision auto` (the shortest text that reads back).
    Precision(Option<Expr>),
    /// `import "PATH"` or `import "PATH" as NAME`.
    Import {
        /// The path as written (relative to the importing file's folder).
        path: Arc<str>,
        /// Where the path is written.
        path_span: Span,
        /// The name the file's definitions are reached through (`NAME.f`), if any.
        alias: Option<Ident>,
    },
    /// An expression used as a statement.
    Expr(Expr),
}

/// The argument of a `threads` directive.
#[derive(Clone, Debug)]
pub enum ThreadCount {
    /// `threads auto`: all cores.
    Auto(Span),
    /// `threads EXPR`.
    Count(Expr),
}

pub use crate::dtype::FloatDtype;

/// The left side of a `let`.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// A single name.
    Name(Ident),
    /// `(a, b, ...)`: a tuple of patterns, with its span.
    Tuple(Vec<Pattern>, Span),
}

/// `{ stmts }`; its value is that of its last expression statement.
#[derive(Clone, Debug)]
pub struct Block {
    /// The statements, in order.
    pub stmts: Vec<Stmt>,
    /// The source range, braces included.
    pub span: Span,
}

/// A function definition, named (`fn f(x) = ...`) or anonymous (`|x| ...`).
#[derive(Clone, Debug)]
pub struct FnDef {
    /// The function's name; `None` for a lambda.
    pub name: Option<Ident>,
    /// The parameters, in order.
    pub params: Vec<Param>,
    /// The declared return type, if any.
    pub ret: Option<TypeExpr>,
    /// The body (a block for `{ BODY }`).
    pub body: Expr,
    /// The source range of the whole definition.
    pub span: Span,
}

/// One parameter, with its optional type.
#[derive(Clone, Debug)]
pub struct Param {
    /// The parameter's name.
    pub name: Ident,
    /// The declared type, if any.
    pub ty: Option<TypeExpr>,
}

/// A written type: `int`, `f64[K, N]`, `(int, str)`, `fn(f64) -> f64`.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    /// What the type is.
    pub kind: TypeExprKind,
    /// The type's source range.
    pub span: Span,
}

/// The forms of a written type.
#[derive(Clone, Debug)]
pub enum TypeExprKind {
    /// `int`.
    Int,
    /// A float scalar type, `f32` or `f64`.
    Float(FloatDtype),
    /// `bool`.
    Bool,
    /// `str`.
    Str,
    /// `f64[d0, d1]`, `i64[N]`, `bool[?]`.
    Tensor {
        /// The element type.
        dtype: ElemType,
        /// The dimensions, in order.
        dims: Vec<DimExpr>,
    },
    /// `(T, U, ...)`.
    Tuple(Vec<TypeExpr>),
    /// `fn(PARAMS) -> RET`.
    Fn {
        /// The parameter types.
        params: Vec<TypeExpr>,
        /// The return type.
        ret: Box<TypeExpr>,
    },
}

impl fmt::Display for TypeExpr {
    /// The type as its source spells it, names of dims included: `f64[N, 3]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[TypeExpr]| items.iter().map(TypeExpr::to_string).collect::<Vec<_>>().join(", ");
        match &self.kind {
            TypeExprKind::Int => f.write_str("int"),
            TypeExprKind::Float(FloatDtype::F64) => f.write_str("f64"),
            TypeExprKind::Float(FloatDtype::F32) => f.write_str("f32"),
            TypeExprKind::Bool => f.write_str("bool"),
            TypeExprKind::Str => f.write_str("str"),
            TypeExprKind::Tensor { dtype, dims } => {
                let dims: Vec<String> = dims
                    .iter()
                    .map(|d| match d {
                        DimExpr::Known(n, _) => n.to_string(),
                        DimExpr::Name(id) => id.name.to_string(),
                        DimExpr::Unknown(_) => "?".into(),
                    })
                    .collect();
                write!(f, "{}[{}]", crate::dtype::Dtype::from(*dtype).name(), dims.join(", "))
            }
            TypeExprKind::Tuple(items) => write!(f, "({})", list(items)),
            TypeExprKind::Fn { params, ret } => write!(f, "fn({}) -> {ret}", list(params)),
        }
    }
}

/// A part of an f-string.
#[derive(Clone, Debug)]
pub enum FPart {
    /// Text, with escapes and `{{`/`}}` resolved.
    Text(Arc<str>),
    /// `{value!r:spec}`.
    Field {
        /// The expression written in the field.
        value: Expr,
        /// `!r` (true: as the REPL shows it, strings quoted) or `!s` (false), if written.
        conversion: Option<bool>,
        /// The format spec after `:` (without it) and its span, if written.
        spec: Option<(Arc<str>, Span)>,
        /// The field's source range, braces included.
        span: Span,
    },
}

/// One dimension of a written tensor type.
#[derive(Clone, Debug)]
pub enum DimExpr {
    /// A literal size, with its span.
    Known(i64, Span),
    /// A named size (an int constant).
    Name(Ident),
    /// `?`: a size not known before running, with its span.
    Unknown(Span),
}

/// An expression with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The expression's source range.
    pub span: Span,
}

/// The expressions of spec §5.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// An integer literal.
    Int(i64),
    /// A float literal, parsed from its text at both precisions (spec §3: a literal that meets a
    /// tensor is read at that tensor's precision).
    Float {
        /// The literal at 64-bit precision.
        f64: f64,
        /// The literal at 32-bit precision.
        f32: f32,
    },
    /// `true` or `false`.
    Bool(bool),
    /// A string literal (escapes resolved).
    Str(Arc<str>),
    /// An f-string: its text and fields in order.
    FString(Vec<FPart>),
    /// A variable or function name.
    Name(Ident),
    /// `[a, b, c]`: a tensor literal (rows may themselves be tensor literals).
    Tensor(Vec<Expr>),
    /// A tensor literal of numbers only, rectangular and not empty (`[[1.5, -2], [3, 4]]`), held
    /// compactly: it means what the same `Tensor` of number nodes means, at a few bytes per
    /// element.
    Numbers(Arc<NumberLiteral>),
    /// `(a, b)` or `(a,)`.
    Tuple(Vec<Expr>),
    /// A prefix operator applied to an operand.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// Binary operators, including the short-circuit `and`/`or`.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `callee(args)`.
    Call {
        /// The expression called.
        callee: Box<Expr>,
        /// The arguments, in order.
        args: Vec<Arg>,
    },
    /// `target[indices]`.
    Index {
        /// The expression indexed.
        target: Box<Expr>,
        /// The entries inside `[...]`.
        indices: Vec<IndexArg>,
    },
    /// `A.T` or `A.shape`.
    Field {
        /// The expression the field is read from.
        target: Box<Expr>,
        /// The field's name.
        field: Ident,
    },
    /// `if c { } else if c { } else { }`; `otherwise` is a `Block` or another `If` expression.
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The block run when the condition is true.
        then: Block,
        /// The `else` branch, if any.
        otherwise: Option<Box<Expr>>,
    },
    /// `{ stmts }` used as an expression.
    Block(Block),
    /// `|params| body`: an anonymous function.
    Lambda(Arc<FnDef>),
}

/// A call argument, positional or `name=value`.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The parameter name for `name=value`; `None` if positional.
    pub name: Option<Ident>,
    /// The argument's value.
    pub value: Expr,
}

/// One entry inside `A[...]`.
#[derive(Clone, Debug)]
pub enum IndexArg {
    /// `i`: picks one position and drops the axis.
    Single(Expr),
    /// `a:b:s` with every part optional.
    Slice {
        /// The first position, if written.
        start: Option<Expr>,
        /// The end position (exclusive), if written.
        stop: Option<Expr>,
        /// The step, if written.
        step: Option<Expr>,
        /// The source range of the slice.
        span: Span,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `not x`.
    Not,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `^`
    Pow,
    /// `@`
    MatMul,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Rem,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Pow => "^",
            BinOp::MatMul => "@",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Rem => "%",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

/// The operator of a compound assignment (`x += v`): the grammar admits these four.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=`
    Div,
}

impl AssignOp {
    /// The operator as written, without its `=`.
    pub fn symbol(self) -> &'static str {
        match self {
            AssignOp::Add => "+",
            AssignOp::Sub => "-",
            AssignOp::Mul => "*",
            AssignOp::Div => "/",
        }
    }
}

/// The element type written in a tensor type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    /// `f64` or `f32`.
    Float(FloatDtype),
    /// `i64`.
    I64,
    /// `bool`.
    Bool,
}

impl From<ElemType> for crate::dtype::Dtype {
    fn from(e: ElemType) -> crate::dtype::Dtype {
        match e {
            ElemType::Float(d) => crate::dtype::Dtype::from(d),
            ElemType::I64 => crate::dtype::Dtype::I64,
            ElemType::Bool => crate::dtype::Dtype::Bool,
        }
    }
}

/// The numbers of a [`ExprKind::Numbers`] literal, row-major, read from their text at both
/// precisions (an integer converted as `Int` elements are).
#[derive(Clone, Debug, PartialEq)]
pub struct NumberLiteral {
    /// The literal's shape (every extent at least 1).
    pub shape: Vec<usize>,
    /// The numbers at 64-bit precision.
    pub f64: Vec<f64>,
    /// The numbers at 32-bit precision.
    pub f32: Vec<f32>,
    /// The numbers as ints when every one is written as an integer (an `i64` tensor).
    pub ints: Option<Vec<i64>>,
}
