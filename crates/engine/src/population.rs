//! Population evaluation: every subject's compact standing, in parallel.
//!
//! A compact standing is a row of `i32` in a dense array, one row per subject:
//! per scheme and per scorecard its points with the grade index packed in the low byte
//! (`points << 8 | grade`, grade 255 when not scored), then per list the day the subject's
//! entry ends (0 when not listed). Measures follow from those and are not stored.

use credence_model::Day;
use credence_policy::Policy;
use rayon::prelude::*;

use crate::Evaluator;
use crate::end_days::EndDays;
use crate::evaluate::{self, Scratch};
use crate::history::{HistoryRef, Population};

/// Grade value of a scheme that does not score the subject.
pub const NOT_SCORED: i32 = 255;

/// Where each figure sits in a compact row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactLayout {
    pub schemes: usize,
    pub scorecards: usize,
    pub lists: usize,
}

impl CompactLayout {
    pub fn new(policy: &Policy) -> CompactLayout {
        CompactLayout {
            schemes: policy.schemes.len(),
            scorecards: policy.scorecards.len(),
            lists: policy.lists.len(),
        }
    }

    /// `i32`s per subject.
    pub fn width(&self) -> usize {
        self.schemes + self.scorecards + self.lists
    }

    /// Bytes per subject.
    pub fn bytes_per_subject(&self) -> usize {
        self.width() * std::mem::size_of::<i32>()
    }

    pub fn scheme(&self, row: &[i32], scheme: usize) -> (i64, Option<u8>) {
        unpack(row[scheme])
    }

    pub fn scorecard(&self, row: &[i32], scorecard: usize) -> (i64, Option<u8>) {
        unpack(row[self.schemes + scorecard])
    }

    /// The day the subject's entry on the list ends, if listed.
    pub fn listed_until(&self, row: &[i32], list: usize) -> Option<Day> {
        let value = row[self.schemes + self.scorecards + list];
        (value != 0).then_some(Day(value))
    }
}

pub(crate) fn pack(points: i64, grade: Option<u8>) -> i32 {
    let points = points.clamp(-(1 << 22), (1 << 22) - 1) as i32;
    (points << 8) | grade.map_or(NOT_SCORED, i32::from)
}

fn unpack(value: i32) -> (i64, Option<u8>) {
    let grade = value & 0xff;
    (
        i64::from(value >> 8),
        (grade != NOT_SCORED).then_some(grade as u8),
    )
}

pub(crate) fn write_compact(
    policy: &Policy,
    history: HistoryRef<'_>,
    as_of: Day,
    scratch: &Scratch,
    layout: &CompactLayout,
    out: &mut [i32],
) {
    for (scheme, slot) in out.iter_mut().enumerate().take(layout.schemes) {
        let grade = evaluate::scheme_grade(policy, scheme, scratch);
        let scored = evaluate::scheme_scored(scheme, scratch);
        *slot = if scored {
            pack(scratch.scheme_points[scheme], grade)
        } else {
            pack(0, None)
        };
    }
    for card in 0..layout.scorecards {
        out[layout.schemes + card] = if evaluate::card_scored(policy, card, scratch, history) {
            let score = evaluate::card_score(policy, card, as_of.0, scratch);
            pack(score, policy.scorecards[card].band_for(score))
        } else {
            pack(0, None)
        };
    }
    let lists = &mut out[layout.schemes + layout.scorecards..layout.width()];
    lists.fill(0);
    for entry in &scratch.entries {
        if entry.bar.is_none() && entry.end.is_none() {
            let slot = &mut lists[usize::from(entry.list)];
            *slot = (*slot).max(entry.until);
        }
    }
}

/// Every subject's compact standing.
#[derive(Clone, Debug)]
pub struct PopulationResult {
    pub layout: CompactLayout,
    /// `layout.width()` values per subject, in population order.
    pub rows: Vec<i32>,
}

impl PopulationResult {
    pub fn row(&self, subject: usize) -> &[i32] {
        let width = self.layout.width();
        &self.rows[subject * width..(subject + 1) * width]
    }
}

/// Subjects per parallel task: large enough to amortise scheduling, small enough to balance.
const CHUNK_SUBJECTS: usize = 4096;

/// Evaluates every subject of the population, in parallel on the rayon thread pool.
/// `progress` is called after each chunk with the number of subjects it held.
pub fn evaluate_population(
    policy: &Policy,
    population: &Population,
    as_of: Day,
    known_at: Day,
    progress: &(dyn Fn(usize) + Sync),
) -> PopulationResult {
    let layout = CompactLayout::new(policy);
    let width = layout.width().max(1);
    let mut rows = vec![0i32; population.len() * width];
    let end_days = std::sync::Arc::new(end_days_for(policy, population));
    rows.par_chunks_mut(CHUNK_SUBJECTS * width)
        .enumerate()
        .for_each_init(
            || Evaluator::with_end_days(end_days.clone()),
            |evaluator, (chunk, out)| {
                let first = chunk * CHUNK_SUBJECTS;
                let subjects = out.len() / width;
                for i in 0..subjects {
                    let history = population.subject(first + i);
                    evaluator.compact(
                        policy,
                        history,
                        as_of,
                        known_at,
                        &layout,
                        &mut out[i * width..(i + 1) * width],
                    );
                }
                progress(subjects);
            },
        );
    PopulationResult { layout, rows }
}

/// A table of end days for the dates the population's records fall on.
fn end_days_for(policy: &Policy, population: &Population) -> EndDays {
    let (first, last) = population
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.action,
                credence_model::Action::Record | credence_model::Action::Correct
            )
        })
        .fold((i32::MAX, i32::MIN), |(first, last), e| {
            (first.min(e.valid), last.max(e.valid))
        });
    if first > last {
        return EndDays::new(policy, Day(0), Day(-1));
    }
    EndDays::new(policy, Day(first), Day(last))
}
