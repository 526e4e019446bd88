//! The credence engine: a standing as a pure function of a compiled policy, one subject's
//! events, the day it is asked about (`as_of`) and the day of knowledge (`known_at`).
//!
//! ```text
//! Policy (compiled) ─┐
//! events of ONE subject ─▶ History (compact) ─▶ evaluate ─▶ Standing (explained)
//! as_of, known_at ───┘                           └─▶ CompactStanding (population)
//! ```
//!
//! Invariants:
//! - no I/O, no clock, no randomness: the crate's `clippy.toml` forbids the file system,
//!   network, process and time APIs, and its only dependencies are the model, the policy,
//!   rayon (for parallel population evaluation) and serde (for the standing's shape);
//! - a standing is computed from the subject's own events only: every entry point takes one
//!   subject's history, and nothing is kept between calls;
//! - deterministic: the same inputs give the same standing, byte for byte when serialised.

pub mod end_days;
pub mod evaluate;
mod explain;
pub mod history;
pub mod impact;
pub mod lifecycle;
pub mod packed;
pub mod population;
pub mod standing;

use credence_model::{Day, Event, SubjectFacts};
use credence_policy::Policy;

pub use end_days::EndDays;
pub use evaluate::Scratch;
pub use history::{CompactEvent, History, HistoryRef, Population};
pub use packed::{LayoutMismatch, PackedPopulation, Reads, evaluate_packed};
pub use population::{CompactLayout, PopulationResult, evaluate_population};
pub use standing::*;

/// Evaluates one subject's standing with its full explanation.
///
/// `events` are the subject's stored events in history order; events of categories the policy
/// does not know are ignored.
pub fn evaluate(
    policy: &Policy,
    facts: SubjectFacts,
    events: &[Event],
    as_of: Day,
    known_at: Day,
) -> Standing {
    let history = History::build(policy, facts, events);
    let mut evaluator = Evaluator::default();
    evaluator.explain(policy, &history, events, as_of, known_at)
}

/// Evaluation with reused working memory (one per thread).
#[derive(Debug, Default)]
pub struct Evaluator {
    scratch: Scratch,
    end_days: Option<std::sync::Arc<EndDays>>,
}

impl Evaluator {
    /// An evaluator that looks end days up in `end_days` for records dated within its range.
    pub fn with_end_days(end_days: std::sync::Arc<EndDays>) -> Evaluator {
        Evaluator {
            scratch: Scratch::default(),
            end_days: Some(end_days),
        }
    }

    /// The explained standing of a subject whose compact history is `history`.
    pub fn explain(
        &mut self,
        policy: &Policy,
        history: &History,
        events: &[Event],
        as_of: Day,
        known_at: Day,
    ) -> Standing {
        let Some(view) = history.view() else {
            return Standing {
                as_of,
                known_at,
                schemes: Vec::new(),
                scorecards: Vec::new(),
                lists: Vec::new(),
                measures: Vec::new(),
                records: Vec::new(),
                ignored: Vec::new(),
            };
        };
        evaluate::run::<true>(
            policy,
            view,
            as_of,
            known_at,
            &mut self.scratch,
            self.end_days.as_deref(),
        );
        explain::standing(policy, view, events, as_of, known_at, &self.scratch)
    }

    /// The compact standing of one subject, written into `out` (see [`CompactLayout`]).
    /// Allocates nothing once the working memory has grown to the largest subject.
    pub fn compact(
        &mut self,
        policy: &Policy,
        history: HistoryRef<'_>,
        as_of: Day,
        known_at: Day,
        layout: &CompactLayout,
        out: &mut [i32],
    ) {
        evaluate::run::<false>(
            policy,
            history,
            as_of,
            known_at,
            &mut self.scratch,
            self.end_days.as_deref(),
        );
        population::write_compact(policy, history, as_of, &self.scratch, layout, out);
    }
}
