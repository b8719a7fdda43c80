//! Compiled calls. A script function called again with arguments of the same types runs from a
//! program traced once, as PyTensor's `function` and JAX's `jit` do, with no annotation: the
//! second call with a given signature runs in the interpreter on a compiling [`Tape`], which
//! records every operation on the call's floats and tensors (and, under `grad`, the reverse
//! sweep the derivative rules make); [`Program::build`] turns the record into a straight-line
//! program, and later calls with the same signature replay it ([`Program::run`]).
//!
//! What makes a replay give the interpreter's result:
//! - Floats and tensors, in the arguments and in the variables the function reads from outside
//!   its call, are the program's inputs, read afresh at every call; ints, bools, strs and
//!   functions are fixed by the trace and guarded ([`Sig`]): another value traces anew.
//! - A trace is thrown away (the function stays interpreted) when the interpreter read a
//!   recorded value to decide what to do (an `if` on a computed bool, an int computed from a
//!   float), or when the call did anything but compute: printing, files, random numbers, the
//!   clock, writing a variable outside the call ([`Recording::spoil`]).
//! - Each replayed operation must give a result of the type it gave when traced; if one does
//!   not, or fails, the call runs again in the interpreter, which reports any error at its place.
//!
//! `TSCRIPT_COMPILE=off` keeps every call interpreted; `TSCRIPT_COMPILE=always` compiles at the
//! first call and returns the replay's result even then, which is how the tests run every
//! example both ways and compare the bytes; `TSCRIPT_COMPILE=check` also runs every replayed
//! call in the interpreter and compares the two results bit for bit ([`same_bits`]).

pub mod fuse;
pub mod program;
pub mod signature;

pub use program::Program;
pub use signature::Sig;

use crate::autodiff::Tape;
use crate::ir::FnCode;
use crate::types::Wrt;
use crate::value::Frame;
use crate::value::{Func, Value};
use std::rc::Rc;

/// When calls are compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Never: every call is interpreted.
    Off,
    /// At the second call with a signature (the default).
    Repeated,
    /// At the first call, whose result is then the replay's (for tests).
    Always,
    /// As `Always`, and every replay is checked against the interpreter run on the same
    /// arguments: a result that differs in one bit is an error (for tests).
    Check,
}

impl Policy {
    /// The policy `TSCRIPT_COMPILE` asks for (`off`, `always`; anything else is the default).
    pub fn from_env() -> Policy {
        match std::env::var("TSCRIPT_COMPILE").as_deref() {
            Ok("off") => Policy::Off,
            Ok("always") => Policy::Always,
            Ok("check") => Policy::Check,
            _ => Policy::Repeated,
        }
    }
}

/// How many times a function is traced anew (for new signatures) before it stays interpreted.
const MAX_TRACES: u32 = 8;

/// How many compiled functions are kept; beyond that, the oldest is dropped.
const MAX_ENTRIES: usize = 64;

/// How a function is called: plainly, through `grad`/`value_and_grad`, or through `jacobian`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum How {
    /// `f(x...)`.
    Plain,
    /// `grad(f, wrt)(x...)` or `value_and_grad(f, wrt)(x...)`.
    Grad {
        /// The argument positions differentiated.
        wrt: Wrt,
        /// Whether the value is returned too.
        with_value: bool,
    },
    /// `jacobian(g)(x)`, where `g` is the function called the inner way (`hessian(f)` is
    /// `jacobian(grad(f))`).
    Jacobian(Box<How>),
}

/// What is known about one function, called one way.
struct Entry {
    code: Rc<FnCode>,
    env: Rc<Frame>,
    how: How,
    calls: u32,
    traces: u32,
    state: State,
}

enum State {
    /// Not compiled (yet).
    Interpreted,
    /// Compiled for one signature.
    Compiled(Rc<Compiled>),
    /// Given up on: its traces were spoiled, or its signatures keep changing.
    Refused,
}

/// A program with what it assumes about its arguments and the variables it reads.
pub struct Compiled {
    /// One per argument.
    pub args: Vec<Sig>,
    /// The variables read from outside the call, with what each must hold.
    pub outside: Vec<Outside>,
    /// The program.
    pub program: Program,
    /// The floating-point operations of the `@` products written in the function (those of the
    /// reverse sweep not counted), which `--profile` adds to the definition's line per replay.
    pub flops: f64,
}

/// A variable the traced call read from a frame outside it.
pub struct Outside {
    /// The frame (kept alive by the program).
    pub frame: Rc<Frame>,
    /// The slot in it.
    pub index: usize,
    /// What it must hold.
    pub sig: Sig,
}

impl Compiled {
    /// The program's inputs for a call with `args`, if the arguments and the variables it reads
    /// still fit what it was traced with.
    pub fn inputs(&self, args: &[Value]) -> Option<Vec<Value>> {
        let mut inputs = Vec::new();
        let fits = self.args.len() == args.len() && self.args.iter().zip(args).all(|(s, a)| s.collect(a, &mut inputs));
        let mut outside = || {
            self.outside.iter().all(|o| {
                o.frame
                    .slots
                    .borrow()
                    .get(o.index)
                    .and_then(Option::as_ref)
                    .is_some_and(|v| o.sig.collect(v, &mut inputs))
            })
        };
        (fits && outside()).then_some(inputs)
    }
}

/// What to do with a call.
pub enum Plan {
    /// Interpret it.
    Interpret,
    /// Interpret it on a compiling tape.
    Trace,
    /// Replay this program on these inputs (gathered from the arguments and the variables it
    /// reads, which fit what it was traced with).
    Replay(Rc<Compiled>, Vec<Value>),
}

/// The compiled functions of a session, and the call being traced, if any.
pub struct Compiler {
    /// When calls are compiled.
    pub policy: Policy,
    entries: Vec<Entry>,
    /// The call being traced.
    pub recording: Option<Recording>,
}

impl Compiler {
    /// A compiler with no function compiled yet.
    pub fn new(policy: Policy) -> Compiler {
        Compiler { policy, entries: Vec::new(), recording: None }
    }

    /// The function and way of calling that `func` stands for, if it is one a program can replay:
    /// a script function, `grad`/`value_and_grad` of one, or `jacobian` of either (`hessian`).
    pub fn target(func: &Func) -> Option<(Rc<FnCode>, &Rc<Frame>, How)> {
        match func {
            Func::Closure { code, env } => Some((FnCode::rc(code), env, How::Plain)),
            Func::Grad { f, wrt, with_value } => match f.primal() {
                Value::Func(inner) => match &**inner {
                    Func::Closure { code, env } => {
                        Some((FnCode::rc(code), env, How::Grad { wrt: wrt.clone(), with_value: *with_value }))
                    }
                    _ => None,
                },
                _ => None,
            },
            Func::Jacobian { f } => match f.primal() {
                Value::Func(inner) => {
                    Compiler::target(inner).map(|(code, env, how)| (code, env, How::Jacobian(Box::new(how))))
                }
                _ => None,
            },
            Func::Builtin(_) => None,
        }
    }

    /// Decides how to run a call of `code` (defined in `env`, called as `how`) with `args`.
    pub fn plan(&mut self, code: &Rc<FnCode>, env: &Rc<Frame>, how: &How, args: &[Value]) -> Plan {
        if self.policy == Policy::Off || self.recording.is_some() {
            return Plan::Interpret;
        }
        let found =
            self.entries.iter().position(|e| Rc::ptr_eq(&e.code, code) && Rc::ptr_eq(&e.env, env) && e.how == *how);
        let index = match found {
            Some(i) => i,
            None => {
                if self.entries.len() >= MAX_ENTRIES {
                    self.entries.remove(0);
                }
                let state = State::Interpreted;
                self.entries.push(Entry {
                    code: code.clone(),
                    env: env.clone(),
                    how: how.clone(),
                    calls: 0,
                    traces: 0,
                    state,
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        entry.calls = entry.calls.saturating_add(1);
        match &entry.state {
            State::Refused => Plan::Interpret,
            State::Compiled(c) => match c.inputs(args) {
                Some(inputs) => Plan::Replay(c.clone(), inputs),
                None if entry.traces >= MAX_TRACES => {
                    entry.state = State::Refused;
                    Plan::Interpret
                }
                None => {
                    entry.traces += 1;
                    Plan::Trace
                }
            },
            State::Interpreted if entry.traces >= MAX_TRACES => {
                entry.state = State::Refused;
                Plan::Interpret
            }
            State::Interpreted if entry.calls < 2 && self.policy == Policy::Repeated => Plan::Interpret,
            State::Interpreted => {
                entry.traces += 1;
                Plan::Trace
            }
        }
    }

    /// Stores what tracing a call of `code` gave: its program, or `None` when the trace was
    /// spoiled (the function then stays interpreted).
    pub fn store(&mut self, code: &Rc<FnCode>, env: &Rc<Frame>, how: &How, compiled: Option<Rc<Compiled>>) {
        let Some(entry) =
            self.entries.iter_mut().find(|e| Rc::ptr_eq(&e.code, code) && Rc::ptr_eq(&e.env, env) && e.how == *how)
        else {
            return;
        };
        entry.state = match compiled {
            Some(c) => State::Compiled(c),
            None => State::Refused,
        };
    }

    /// How many functions run compiled now, and how many were given up on.
    pub fn counts(&self) -> (usize, usize) {
        let compiled = self.entries.iter().filter(|e| matches!(e.state, State::Compiled(_))).count();
        let refused = self.entries.iter().filter(|e| matches!(e.state, State::Refused)).count();
        (compiled, refused)
    }

    /// How many traces were made in all.
    pub fn traces(&self) -> u32 {
        self.entries.iter().map(|e| e.traces).sum()
    }
}

/// Whether two results are the same to the bit: the same structure, dtypes and shapes, and
/// every float with the same bits (so a NaN equals itself, and 0.0 differs from -0.0).
pub fn same_bits(a: &Value, b: &Value) -> bool {
    use crate::value::Tensor;
    match (a, b) {
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same_bits(p, q))
        }
        (Value::Tensor(Tensor::F64(x)), Value::Tensor(Tensor::F64(y))) => {
            x.shape() == y.shape() && x.iter().zip(y.iter()).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (Value::Tensor(Tensor::F32(x)), Value::Tensor(Tensor::F32(y))) => {
            x.shape() == y.shape() && x.iter().zip(y.iter()).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (Value::Tensor(Tensor::I64(x)), Value::Tensor(Tensor::I64(y))) => x == y,
        (Value::Tensor(Tensor::Bool(x)), Value::Tensor(Tensor::Bool(y))) => x == y,
        _ => false,
    }
}

/// The call being traced: its compiling tape and what the call read from outside itself.
pub struct Recording {
    /// The tape every operation on the call's values is recorded on.
    pub tape: Rc<Tape>,
    /// The inputs, as leaves of the tape, in order: the arguments', then those read from outside.
    pub leaves: Vec<Value>,
    /// The variables read from outside the call, with the value each gave the trace.
    pub outside: Vec<(Outside, Value)>,
    /// The frames the traced call made (its own, and those of the calls it made).
    inside: Vec<*const Frame>,
    /// The floating-point operations of the `@` products the call ran, as written.
    pub flops: f64,
}

impl Recording {
    /// A recording on `tape`.
    pub fn new(tape: Rc<Tape>) -> Recording {
        Recording { tape, leaves: Vec::new(), outside: Vec::new(), inside: Vec::new(), flops: 0.0 }
    }

    /// Notes a frame the traced call made.
    pub fn enter(&mut self, frame: &Rc<Frame>) {
        self.inside.push(Rc::as_ptr(frame));
    }

    /// Whether `frame` is outside the traced call.
    pub fn is_outside(&self, frame: &Rc<Frame>) -> bool {
        !self.inside.contains(&Rc::as_ptr(frame))
    }

    /// The value the traced call sees for slot `index` of `frame`, outside it, which holds
    /// `value`: its floats and tensors become inputs (once per variable), the rest is guarded.
    pub fn read_outside(&mut self, frame: &Rc<Frame>, index: usize, value: Value) -> Value {
        if let Some((_, seen)) = self.outside.iter().find(|(o, _)| Rc::ptr_eq(&o.frame, frame) && o.index == index) {
            return seen.clone();
        }
        match Sig::trace(&value, &self.tape, &mut self.leaves) {
            Some((seen, sig)) => {
                self.outside.push((Outside { frame: frame.clone(), index, sig }, seen.clone()));
                seen
            }
            None => {
                self.spoil();
                value
            }
        }
    }

    /// Marks the trace as one that cannot be replayed.
    pub fn spoil(&self) {
        self.tape.spoil();
    }
}
