//! The intermediate representation between syntax and evaluation. [`lower`] resolves the syntax
//! tree into [`Ir`]: every name becomes a frame [`Slot`], every operator and built-in call a
//! [`Builtin`] with its arguments in canonical order, every `dtype` directive is applied to the
//! literals and constructors it governs. The checker (`check`) reads the IR and fills its
//! [`Guard`]s; the evaluator (`eval`) walks it.

pub mod lower;

use crate::dtype::FloatDtype;
use crate::prims::{Arith, Builtin};
use crate::span::Span;
use crate::syntax::ast::FnDef;
use crate::types::{ClosureCode, Type};
use crate::value::Value;
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

pub use lower::Lowerer;

/// When less stack than this is left, a recursive walk over the IR (the checker's, the
/// evaluator's) continues on a new segment...
pub const STACK_RED_ZONE: usize = 256 * 1024;
/// ...of this size (see `stacker::maybe_grow`).
pub const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Where a variable lives: `depth` function frames out from the current one, at `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// How many function frames out from the current one.
    pub depth: u32,
    /// The position within that frame.
    pub index: u32,
}

/// A function ready to call: parameters resolved to the first slots of its frame.
#[derive(Debug)]
pub struct FnCode {
    /// The function's name; `None` for a lambda.
    pub name: Option<Arc<str>>,
    /// The number of parameters.
    pub params: usize,
    /// The number of slots its frame needs, parameters included.
    pub frame_size: usize,
    /// The resolved body.
    pub body: Ir,
    /// The source range of the whole definition.
    pub span: Span,
    /// The syntax it came from.
    pub def: Arc<FnDef>,
    /// The written type of each parameter, if any, resolved inside the function's scope.
    pub param_types: Vec<Option<TypeAnn>>,
    /// The written result type (`-> T`), if any.
    pub ret: Option<TypeAnn>,
    /// The run-time checks of the written parameter types, one per parameter.
    pub param_guards: Vec<Guard>,
    /// The run-time check of the written result type.
    pub ret_guard: Guard,
}

impl ClosureCode for FnCode {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn signature(&self) -> String {
        let params: Vec<String> = (0..self.params)
            .map(|i| match self.def.params.get(i) {
                Some(p) => match &p.ty {
                    Some(ty) => format!("{}: {ty}", p.name.name),
                    None => p.name.name.to_string(),
                },
                None => "_".into(),
            })
            .collect();
        format!("fn {}({})", self.name.as_deref().unwrap_or(""), params.join(", "))
    }
}

impl FnCode {
    /// The IR of a closure's code ([`Func::Closure`](crate::value::Func::Closure),
    /// [`FnType::Closure`](crate::types::FnType::Closure)), borrowed.
    pub fn of(code: &dyn ClosureCode) -> &FnCode {
        let code: &dyn Any = code;
        code.downcast_ref().expect("a closure's code is lowered IR, its only kind")
    }

    /// [`FnCode::of`], shared.
    pub fn rc(code: &Rc<dyn ClosureCode>) -> Rc<FnCode> {
        let code: Rc<dyn Any> = code.clone();
        code.downcast().expect("a closure's code is lowered IR, its only kind")
    }
}

/// A written type that the checker could not prove for every run (the value came from `load`,
/// or has a `?` dimension where a known one is declared), so the statement checks it when it
/// runs (spec §8). Lowering leaves it empty; the checker fills it, joining the types every
/// checked path needs; the interpreter checks a value against it only where it is filled.
#[derive(Debug, Default)]
pub struct Guard(RefCell<Option<Type>>);

impl Guard {
    /// Asks for values here to be checked against `t` (joined with what is already asked for).
    pub fn require(&self, t: &Type) {
        let mut slot = self.0.borrow_mut();
        *slot = Some(match slot.take() {
            Some(old) => old.join(t),
            None => t.clone(),
        });
    }

    /// The type values here must have, if the checker asked for a check.
    pub fn get(&self) -> std::cell::Ref<'_, Option<Type>> {
        self.0.borrow()
    }
}

/// A written type (`f64[K, ?]`, `(int, str)`) with the names in its dimensions resolved to slots;
/// the checker reads it.
#[derive(Clone, Debug)]
pub struct TypeAnn {
    /// What the type is.
    pub kind: TypeAnnKind,
    /// The type's source range.
    pub span: Span,
}

/// The forms of a written type.
#[derive(Clone, Debug)]
pub enum TypeAnnKind {
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
        dtype: crate::syntax::ast::ElemType,
        /// The dimensions, in order.
        dims: Vec<DimAnn>,
    },
    /// `(T, U, ...)`.
    Tuple(Vec<TypeAnn>),
    /// `fn(PARAMS) -> RET`.
    Fn {
        /// The parameter types.
        params: Vec<TypeAnn>,
        /// The return type.
        ret: Box<TypeAnn>,
    },
}

/// One dimension of a written tensor type: an int, the name of an int constant, or `?`.
#[derive(Clone, Debug)]
pub enum DimAnn {
    /// A literal size, with its span.
    Known(i64, Span),
    /// A named int constant: its slot, name and span.
    Name(Slot, Arc<str>, Span),
    /// `?`: a size not known before running.
    Unknown,
}

/// A resolved expression.
#[derive(Debug)]
pub struct Ir {
    /// What the expression is.
    pub kind: IrKind,
    /// The expression's source range.
    pub span: Span,
}

/// The forms of a resolved expression.
#[derive(Debug)]
pub enum IrKind {
    /// A value known at lowering time (a literal, or `Absent` for an omitted argument).
    Const(Value),
    /// A float literal: its value at the default dtype where it stands, and its text read at
    /// both precisions, so that it adapts exactly to a tensor it meets (spec §3).
    Float {
        /// The literal at the default dtype where it stands.
        value: Value,
        /// The literal at 64-bit precision.
        f64: f64,
        /// The literal at 32-bit precision.
        f32: f32,
    },
    /// A variable read: its slot and name.
    Var(Slot, Arc<str>),
    /// `(a, b, ...)`; also a slice `a:b:s` inside an index, as `(start, stop, step)`.
    Tuple(Vec<Ir>),
    /// A primitive applied to arguments in the table's canonical order (`Const(Absent)` for an
    /// optional one left out).
    Prim {
        /// The built-in.
        prim: Builtin,
        /// The arguments, in canonical order.
        args: Vec<Ir>,
        /// The float dtype in force where the call stands.
        dtype: FloatDtype,
    },
    /// A call of a function value.
    Call {
        /// The expression called.
        callee: Box<Ir>,
        /// The arguments, in order.
        args: Vec<Ir>,
    },
    /// Short-circuit `and` / `or` on bool scalars (element-wise on bool tensors).
    Logic {
        /// `Arith::And` or `Arith::Or`.
        op: Arith,
        /// The left operand.
        lhs: Box<Ir>,
        /// The right operand, evaluated only when needed.
        rhs: Box<Ir>,
    },
    /// `if cond { then } else otherwise`.
    If {
        /// The condition.
        cond: Box<Ir>,
        /// The branch run when the condition is true.
        then: Box<Ir>,
        /// The `else` branch, if any.
        otherwise: Option<Box<Ir>>,
    },
    /// A block: its statements, whose last expression gives its value.
    Block(Vec<Stmt>),
    /// An anonymous function.
    Lambda(Rc<FnCode>),
    /// What lowering could not resolve (an undefined name, an unknown field, a built-in call
    /// whose arguments do not fit): lowering has reported it, so it never runs, and the checker
    /// gives it any type so that the rest of the script is still checked.
    Unresolved,
}

/// A resolved statement.
#[derive(Debug)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// The statement's source range.
    pub span: Span,
}

/// The left side of a `let`.
#[derive(Debug)]
pub enum Target {
    /// A single variable: its slot and name.
    Slot(Slot, Arc<str>),
    /// `(a, b, ...)`: a tuple of targets, with its span.
    Tuple(Vec<Target>, Span),
}

/// The forms of a resolved statement.
#[derive(Debug)]
pub enum StmtKind {
    /// `let TARGET = VALUE`.
    Let {
        /// The variable or tuple pattern bound.
        target: Target,
        /// The written type, if any (`let x: f64[3] = ...`).
        ty: Option<TypeAnn>,
        /// The initialiser.
        value: Ir,
        /// The check of the written type where the checker could not prove it.
        guard: Guard,
    },
    /// `NAME = VALUE` or `NAME op= VALUE`.
    Assign {
        /// The variable's slot.
        slot: Slot,
        /// The variable's name, for messages.
        name: Arc<str>,
        /// The compound operator, or `None` for `=`.
        op: Option<Arith>,
        /// The right-hand side.
        value: Ir,
        /// The check that the variable keeps its type, where the checker could not prove it.
        guard: Guard,
    },
    /// `NAME[indices] = VALUE` or `NAME[indices] op= VALUE`.
    IndexAssign {
        /// The tensor variable's slot.
        slot: Slot,
        /// The variable's name, for messages.
        name: Arc<str>,
        /// The indices; a slice is a `Tuple` of `(start, stop, step)`.
        indices: Vec<Ir>,
        /// The compound operator, or `None` for `=`.
        op: Option<Arith>,
        /// The right-hand side.
        value: Ir,
    },
    /// A named function definition (its name is visible from the start of its block).
    Fn {
        /// The slot its name is bound to.
        slot: Slot,
        /// The compiled function.
        code: Rc<FnCode>,
    },
    /// `return` or `return VALUE`.
    Return(Option<Ir>),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `while cond { body }`.
    While {
        /// The loop condition.
        cond: Ir,
        /// The loop body.
        body: Vec<Stmt>,
    },
    /// `for VAR in START..END { body }` (or `..=`).
    For {
        /// The loop variable's slot.
        slot: Slot,
        /// The first value of the range.
        start: Ir,
        /// The end of the range.
        end: Ir,
        /// Whether the range includes `end` (`..=`).
        inclusive: bool,
        /// The loop body.
        body: Vec<Stmt>,
    },
    /// `threads N` (`None` for `auto`): from here on (spec §4), or only inside `body`.
    Threads {
        /// The thread count expression, or `None` for `auto`.
        count: Option<Ir>,
        /// The block the count applies to, if any.
        body: Option<Vec<Stmt>>,
    },
    /// `seed N`: reseeds the random generator.
    Seed(Ir),
    /// `precision N` (`None` for `auto`): how many digits after the point floats in tensors
    /// print with, from here on.
    Precision(Option<Ir>),
    /// An expression used as a statement.
    Expr(Ir),
}
