//! The public catalogue.
