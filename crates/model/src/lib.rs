//! The vocabulary of credence: identifiers with their check digits, civil dates and the
//! durations the law writes, subjects, and the events a history is made of.
//!
//! This crate does no I/O and knows nothing of policies or storage; every other crate speaks it.

pub mod day;
pub mod duration;
pub mod event;
pub mod id;
pub mod subject;
pub mod text;

pub use day::{Day, DayError};
pub use duration::{Calendar, Duration, DurationError, period_end};
pub use event::{Action, Attributes, Event, Value};
pub use id::{IdError, IdOptions, Identifier, SubjectKind};
pub use subject::SubjectFacts;
