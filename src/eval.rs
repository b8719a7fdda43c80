//! Evaluation of the checked [`crate::ir`]. [`interp`] walks the IR; [`builtins`] runs the
//! built-ins that call functions or touch the world; [`progress`] counts the outermost running
//! `for` loop and draws its bar; [`profile`] times each source line when asked (`--profile`,
//! `:time`).

pub mod builtins;
pub mod interp;
pub mod profile;
pub mod progress;

pub use interp::Interp;
