//! The credence policy language.
//!
//! A policy's life has named stages, and only the last can be evaluated:
//!
//! 1. text: a TOML document per pack ([`PolicySource`]);
//! 2. document: [`syntax::Document`], the text's structure with source spans;
//! 3. compiled: [`Policy`], produced by [`compile()`] only when every pack of the set is valid,
//!    every reference resolves and no refusal applies.
//!
//! Errors are [`Diagnostics`]: every problem, each with file, line, column and help.
//! [`describe`] renders the public catalogue of a compiled policy.

pub mod authority;
pub mod compile;
pub mod compiled;
pub mod describe;
pub mod diagnostic;
pub mod expr;
pub mod lexicon;
pub mod printable;
pub mod refusal;
pub mod syntax;

pub use compile::{PolicySource, ROW_FIELDS, compile, text_hash};
pub use compiled::*;
pub use diagnostic::{Diagnostic, Diagnostics};
