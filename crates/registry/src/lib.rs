//! The application layer of credence, between the command line (or a service) and the store
//! and engine.
//!
//! * [`answer`] holds answers in their typed form (what a relying party is told, what a
//!   subject is disclosed), rendered to text by [`render`];
//! * [`encoding`] turns the bytes of a submitted file into text, or says where it is not UTF-8;
//! * [`submission`] reads a submitted file within the limits of one batch, refusing one that is
//!   too large before it is read whole;
//! * [`sources`] reads the file of registered sources and the categories each may report;
//! * [`intake`] turns a file submitted by a source into a validated [`credence_store::Batch`],
//!   or rejects it whole with every error listed by line and field;
//! * [`tokens`] names the principals of the service (operator, source, relying party, subject,
//!   auditor) and their bearer tokens, kept only as hashes.

pub mod answer;
pub mod encoding;
pub mod intake;
pub mod registry;
pub mod render;
pub mod simulate;
pub mod sources;
pub mod submission;
pub mod tokens;
