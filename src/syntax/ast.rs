//! The syntax tree. Every node carries its source [`Span`]; the tree holds no semantic
//! information (no types, no resolved names): those belong to later stages.

use crate::span::Span;
use std::sync::Arc;

/// A whole script (or one REPL entry).
#[derive(Clone, Debug)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}

/// A name as written, with where it was written.
#[derive(Clone, Debug)]
pub struct Ident {
    pub name: Arc<str>,
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// The statements of spec §4.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `let NAME = EXPR`, `let NAME: TYPE = EXPR`, `let (a, b) = EXPR`.
    Let {
        pattern: Pattern,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `NAME = EXPR`, `NAME += EXPR`, ... (`op` is `None` for plain `=`).
    Assign {
        target: Ident,
        op: Option<BinOp>,
        value: Expr,
    },
    /// `A[i, j] = EXPR`, `A[0:10, :] += EXPR`.
    IndexAssign {
        target: Ident,
        indices: Vec<IndexArg>,
        op: Option<BinOp>,
        value: Expr,
    },
    /// `fn NAME(PARAMS) = EXPR` or `fn NAME(PARAMS) { BODY }`.
    Fn(Arc<FnDef>),
    /// `return` or `return EXPR`.
    Return(Option<Expr>),
    Break,
    Continue,
    /// `while COND { BODY }`.
    While {
        cond: Expr,
        body: Block,
    },
    /// `for VAR in START..END { BODY }` (`inclusive` for `..=`).
    For {
        var: Ident,
        start: Expr,
        end: Expr,
        inclusive: bool,
        body: Block,
    },
    /// `threads N`, `threads auto`, `threads N { BODY }`.
    Threads {
        count: ThreadCount,
        body: Option<Block>,
    },
    /// `seed N`.
    Seed(Expr),
    /// `dtype f32` / `dtype f64`.
    Dtype(FloatDtype),
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

/// Float element types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatDtype {
    F32,
    F64,
}

/// The left side of a `let`.
#[derive(Clone, Debug)]
pub enum Pattern {
    Name(Ident),
    Tuple(Vec<Pattern>, Span),
}

/// `{ stmts }`; its value is that of its last expression statement.
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// A function definition, named (`fn f(x) = ...`) or anonymous (`|x| ...`).
#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: Option<Ident>,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Expr,
    pub span: Span,
}

/// One parameter, with its optional type.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
}

/// A written type: `int`, `f64[K, N]`, `(int, str)`, `fn(f64) -> f64`.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

/// The forms of a written type.
#[derive(Clone, Debug)]
pub enum TypeExprKind {
    Int,
    Float(FloatDtype),
    Bool,
    Str,
    /// `f64[d0, d1]`, `bool[?]`: `dtype` is `None` for `bool`.
    Tensor {
        dtype: Option<FloatDtype>,
        dims: Vec<DimExpr>,
    },
    Tuple(Vec<TypeExpr>),
    Fn {
        params: Vec<TypeExpr>,
        ret: Box<TypeExpr>,
    },
}

/// One dimension of a written tensor type.
#[derive(Clone, Debug)]
pub enum DimExpr {
    Known(i64, Span),
    Name(Ident),
    Unknown(Span),
}

/// An expression with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The expressions of spec §5.
#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(i64),
    /// A float literal, parsed from its text at both precisions (spec §3: a literal that meets a
    /// tensor is read at that tensor's precision).
    Float {
        f64: f64,
        f32: f32,
    },
    Bool(bool),
    Str(Arc<str>),
    Name(Ident),
    /// `[a, b, c]`: a tensor literal (rows may themselves be tensor literals).
    Tensor(Vec<Expr>),
    /// `(a, b)` or `(a,)`.
    Tuple(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// Binary operators, including the short-circuit `and`/`or`.
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Index {
        target: Box<Expr>,
        indices: Vec<IndexArg>,
    },
    /// `A.T` or `A.shape`.
    Field {
        target: Box<Expr>,
        field: Ident,
    },
    /// `if c { } else if c { } else { }`; `otherwise` is a `Block` or another `If` expression.
    If {
        cond: Box<Expr>,
        then: Block,
        otherwise: Option<Box<Expr>>,
    },
    Block(Block),
    Lambda(Arc<FnDef>),
}

/// A call argument, positional or `name=value`.
#[derive(Clone, Debug)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

/// One entry inside `A[...]`.
#[derive(Clone, Debug)]
pub enum IndexArg {
    /// `i`: picks one position and drops the axis.
    Single(Expr),
    /// `a:b:s` with every part optional.
    Slice { start: Option<Expr>, stop: Option<Expr>, step: Option<Expr>, span: Span },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Pow,
    MatMul,
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
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
