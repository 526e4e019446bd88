//! The credence policy language.
pub mod diagnostic;
pub mod expr;
pub mod syntax;
