//! Impact simulation: before a draft is published, whom would it hit?
//!
//! The draft set is the policy in force with each draft pack replacing the published pack of
//! the same `[policy] id` (a draft with a new id is added). Both sets are evaluated over every
//! subject of the registry in one pass over the history, and what differs is tallied by
//! [`credence_engine::impact`].

use credence_engine::History;
use credence_engine::impact::{Comparison, Impact, Outcome};
use credence_model::{Day, Event};
use credence_policy::{Policy, PolicySource};
use credence_store::{Store, StoredSubject};
use serde::Deserialize;

use crate::registry::{Registry, RegistryError, facts};

/// The draft set and what it would change.
#[derive(Debug)]
pub struct Simulation {
    /// The draft set, compiled.
    pub draft: Policy,
    /// Which published packs the drafts replace (`None`: a new pack), by draft file.
    pub replaces: Vec<(String, Option<String>)>,
    pub impact: Impact,
}

#[derive(Deserialize)]
struct Head {
    policy: PackId,
}

#[derive(Deserialize)]
struct PackId {
    id: String,
}

/// A pack's id, read from its `[policy]` table (`None` when it has none: the compiler then
/// says what is wrong).
fn pack_id(text: &str) -> Option<String> {
    toml::from_str::<Head>(text).ok().map(|h| h.policy.id)
}

/// Evaluates the policy in force and the draft set over every subject of `registry` as of
/// `as_of`; `progress` is called with the number of subjects done after each chunk.
pub fn simulate<S: Store>(
    registry: &Registry<S>,
    drafts: &[PolicySource],
    as_of: Day,
    progress: &mut dyn FnMut(usize),
) -> Result<Simulation, RegistryError> {
    use rayon::prelude::*;
    /// Subjects read from the store before they are evaluated in parallel.
    const CHUNK_SUBJECTS: usize = 16_384;

    let published = registry.store().policies()?;
    let mut set: Vec<PolicySource> = Vec::with_capacity(published.len() + drafts.len());
    let mut replaces: Vec<(String, Option<String>)> =
        drafts.iter().map(|d| (d.name.clone(), None)).collect();
    let draft_ids: Vec<Option<String>> = drafts.iter().map(|d| pack_id(&d.text)).collect();
    for record in published {
        let id = pack_id(&record.text);
        let replaced_by = draft_ids.iter().position(|d| id.is_some() && *d == id);
        match replaced_by {
            Some(draft) => replaces[draft].1 = Some(record.name),
            None => set.push(PolicySource {
                name: record.name,
                text: record.text,
            }),
        }
    }
    set.extend(drafts.iter().cloned());
    let draft = credence_policy::compile(&set)?;
    let before = registry.policy();
    let comparison = Comparison::new(before, &draft);
    let mut impact = comparison.empty();

    let mut chunk: Vec<(StoredSubject, Vec<Event>)> = Vec::with_capacity(CHUNK_SUBJECTS);
    let mut flush = |chunk: &mut Vec<(StoredSubject, Vec<Event>)>,
                     progress: &mut dyn FnMut(usize)| {
        let counted = chunk
            .par_iter()
            .fold(
                || Tally::new(&comparison),
                |mut tally, (subject, events)| {
                    let facts = facts(subject);
                    for (policy, outcome) in
                        [(before, &mut tally.before), (&draft, &mut tally.after)]
                    {
                        let history = History::build(policy, facts, events);
                        tally
                            .evaluator
                            .outcome(policy, &history, as_of, as_of, outcome);
                    }
                    comparison.add(&mut tally.impact, &tally.before, &tally.after);
                    tally
                },
            )
            .map(|tally| tally.impact)
            .reduce(
                || comparison.empty(),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            );
        impact.merge(&counted);
        progress(chunk.len());
        chunk.clear();
    };
    registry.store().scan(&mut |subject, events| {
        chunk.push((subject.clone(), events.to_vec()));
        if chunk.len() == CHUNK_SUBJECTS {
            flush(&mut chunk, progress);
        }
    })?;
    flush(&mut chunk, progress);
    Ok(Simulation {
        draft,
        replaces,
        impact,
    })
}

/// One worker's working memory and counts.
struct Tally {
    evaluator: credence_engine::Evaluator,
    before: Outcome,
    after: Outcome,
    impact: Impact,
}

impl Tally {
    fn new(comparison: &Comparison<'_>) -> Tally {
        Tally {
            evaluator: credence_engine::Evaluator::default(),
            before: Outcome::default(),
            after: Outcome::default(),
            impact: comparison.empty(),
        }
    }
}
