//! Evaluation. [`lower`] resolves the syntax tree into [`Ir`]: every name becomes a frame slot,
//! every operator and built-in call a [`Prim`] with its arguments in canonical order, every
//! `dtype` directive is applied to the literals and constructors it governs. [`interp`] walks the
//! IR; [`builtins`] runs the built-ins that call functions or touch the world.

pub mod builtins;
pub mod interp;
pub mod lower;

use crate::prims::{Arith, Prim};
use crate::span::Span;
use crate::syntax::ast::{FloatDtype, FnDef};
use crate::value::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

pub use interp::Interp;
pub use lower::Lowerer;

/// Where a variable lives: `depth` function frames out from the current one, at `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub depth: u32,
    pub index: u32,
}

/// The variables of one function call (or of the script's top level), with the frame the
/// function was defined in as its parent. Closures keep their defining frame alive and see its
/// variables as they are when called.
#[derive(Debug)]
pub struct Frame {
    pub slots: RefCell<Vec<Value>>,
    pub parent: Option<Rc<Frame>>,
}

impl Frame {
    /// A frame of `size` not-yet-defined slots.
    pub fn new(size: usize, parent: Option<Rc<Frame>>) -> Rc<Frame> {
        Rc::new(Frame { slots: RefCell::new(vec![Value::Absent; size]), parent })
    }
}

/// A function ready to call: parameters resolved to the first slots of its frame.
#[derive(Debug)]
pub struct FnCode {
    pub name: Option<Arc<str>>,
    pub params: usize,
    pub frame_size: usize,
    pub body: Ir,
    /// Where the function's own name is bound inside its frame (for recursion of nested
    /// functions), if it has one.
    pub span: Span,
    /// The syntax it came from.
    pub def: Arc<FnDef>,
    /// The written type of each parameter, if any, resolved inside the function's scope.
    pub param_types: Vec<Option<TypeAnn>>,
    /// The written result type (`-> T`), if any.
    pub ret: Option<TypeAnn>,
}

/// A written type (`f64[K, ?]`, `(int, str)`) with the names in its dimensions resolved to slots;
/// the checker reads it.
#[derive(Clone, Debug)]
pub struct TypeAnn {
    pub kind: TypeAnnKind,
    pub span: Span,
}

/// The forms of a written type.
#[derive(Clone, Debug)]
pub enum TypeAnnKind {
    Int,
    Float(FloatDtype),
    Bool,
    Str,
    /// `f64[d0, d1]`; `dtype` is `None` for `bool`.
    Tensor {
        dtype: Option<FloatDtype>,
        dims: Vec<DimAnn>,
    },
    Tuple(Vec<TypeAnn>),
    Fn {
        params: Vec<TypeAnn>,
        ret: Box<TypeAnn>,
    },
}

/// One dimension of a written tensor type: an int, the name of an int constant, or `?`.
#[derive(Clone, Debug)]
pub enum DimAnn {
    Known(i64, Span),
    Name(Slot, Arc<str>, Span),
    Unknown,
}

/// A resolved expression.
#[derive(Debug)]
pub struct Ir {
    pub kind: IrKind,
    pub span: Span,
}

/// The forms of a resolved expression.
#[derive(Debug)]
pub enum IrKind {
    Const(Value),
    /// A float literal: its value at the default dtype where it stands, and its text read at
    /// both precisions, so that it adapts exactly to a tensor it meets (spec §3).
    Float {
        value: Value,
        f64: f64,
        f32: f32,
    },
    Var(Slot, Arc<str>),
    Tuple(Vec<Ir>),
    /// A primitive applied to arguments in the table's canonical order (`Const(Absent)` for an
    /// optional one left out).
    Prim {
        prim: Prim,
        args: Vec<Ir>,
        dtype: FloatDtype,
    },
    /// A call of a function value.
    Call {
        callee: Box<Ir>,
        args: Vec<Ir>,
    },
    /// Short-circuit `and` / `or` on bool scalars (element-wise on bool tensors).
    Logic {
        op: Arith,
        lhs: Box<Ir>,
        rhs: Box<Ir>,
    },
    If {
        cond: Box<Ir>,
        then: Box<Ir>,
        otherwise: Option<Box<Ir>>,
    },
    Block(Vec<Stmt>),
    Lambda(Rc<FnCode>),
}

/// A resolved statement.
#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// The left side of a `let`.
#[derive(Debug)]
pub enum Target {
    Slot(Slot, Arc<str>),
    Tuple(Vec<Target>, Span),
}

/// The forms of a resolved statement.
#[derive(Debug)]
pub enum StmtKind {
    Let {
        target: Target,
        /// The written type, if any (`let x: f64[3] = ...`).
        ty: Option<TypeAnn>,
        value: Ir,
    },
    Assign {
        slot: Slot,
        name: Arc<str>,
        op: Option<Arith>,
        value: Ir,
    },
    IndexAssign {
        slot: Slot,
        name: Arc<str>,
        indices: Vec<Ir>,
        op: Option<Arith>,
        value: Ir,
    },
    Fn {
        slot: Slot,
        code: Rc<FnCode>,
    },
    Return(Option<Ir>),
    Break,
    Continue,
    While {
        cond: Ir,
        body: Vec<Stmt>,
    },
    For {
        slot: Slot,
        start: Ir,
        end: Ir,
        inclusive: bool,
        body: Vec<Stmt>,
    },
    /// `threads N` (`None` for `auto`), for the rest of the block or only `body`.
    Threads {
        count: Option<Ir>,
        body: Option<Vec<Stmt>>,
    },
    Seed(Ir),
    Expr(Ir),
}
