//! The impact of a policy change: the published set and a draft evaluated on the same
//! subjects, and what differs tallied (entries and exits per list, grade transitions per scheme,
//! score shifts per scorecard, measures gained and lost).
//!
//! Lists, schemes, scorecards and measures are matched by id, so a draft may add, drop or
//! rewrite any of them; one only on one side counts as absent on the other.

use std::collections::BTreeMap;

use credence_model::Day;
use credence_policy::Policy;
use serde::Serialize;

use crate::Evaluator;
use crate::evaluate;
use crate::history::History;
use crate::population::CompactLayout;

/// One subject's outcome under one policy: its compact row and the measures in force.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// See [`CompactLayout`].
    pub row: Vec<i32>,
    /// By measure index of the policy.
    pub measures: Vec<bool>,
}

impl Evaluator {
    /// The outcome of a subject whose compact history under `policy` is `history`.
    pub fn outcome(
        &mut self,
        policy: &Policy,
        history: &History,
        as_of: Day,
        known_at: Day,
        out: &mut Outcome,
    ) {
        let layout = CompactLayout::new(policy);
        out.row.clear();
        out.row.resize(layout.width(), 0);
        out.measures.clear();
        out.measures.resize(policy.measures.len(), false);
        let Some(view) = history.view() else {
            for slot in &mut out.row[..layout.schemes + layout.scorecards] {
                *slot = crate::population::pack(0, None);
            }
            return;
        };
        self.compact(policy, view, as_of, known_at, &layout, &mut out.row);
        for (slot, measure) in out.measures.iter_mut().zip(&policy.measures) {
            *slot = evaluate::measure_in_force(policy, measure, as_of.0, &self.scratch, view);
        }
    }
}

/// What a policy change does to a population.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    pub subjects: u64,
    pub lists: Vec<ListImpact>,
    pub schemes: Vec<GradeShift>,
    pub scorecards: Vec<ScoreShift>,
    pub measures: Vec<MeasureImpact>,
}

/// Entries and exits of one list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ListImpact {
    pub list: String,
    /// Subjects listed under the published set, and under the draft.
    pub before: u64,
    pub after: u64,
    /// Listed under the draft only, and under the published set only.
    pub entering: u64,
    pub leaving: u64,
}

/// The grade transitions of one scheme (or rating).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GradeShift {
    pub scheme: String,
    /// The published set's grades, then "not scored".
    pub from: Vec<String>,
    /// The draft's grades, then "not scored".
    pub to: Vec<String>,
    /// `matrix[i][j]`: subjects graded `from[i]` before and `to[j]` after.
    pub matrix: Vec<Vec<u64>>,
}

/// The score shifts of one scorecard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScoreShift {
    pub scorecard: String,
    /// Subjects scored under the published set, and under the draft.
    pub scored_before: u64,
    pub scored_after: u64,
    /// Subjects scored on both sides with the same score.
    pub unchanged: u64,
    /// Width of a histogram bin, in points.
    pub bin: i64,
    /// Subjects scored on both sides whose score moved, by the lower end of their shift's bin
    /// (draft minus published: a shift of +5 is in bin 0, one of -5 in bin -10).
    pub shifts: BTreeMap<i64, u64>,
}

/// The subjects one measure reaches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MeasureImpact {
    pub measure: String,
    pub before: u64,
    pub after: u64,
    /// In force under the draft only, and under the published set only.
    pub gaining: u64,
    pub losing: u64,
}

/// Label of the "not scored" row and column of a grade matrix.
pub const NOT_SCORED: &str = "not scored";

/// Width of a score-shift histogram bin.
pub const SHIFT_BIN: i64 = 10;

/// The published set and a draft, matched by id.
#[derive(Debug)]
pub struct Comparison<'p> {
    before: &'p Policy,
    after: &'p Policy,
    before_layout: CompactLayout,
    after_layout: CompactLayout,
    /// Per item of each kind (in the order of [`Impact`]), its index on each side.
    lists: Vec<Pair>,
    schemes: Vec<Pair>,
    scorecards: Vec<Pair>,
    measures: Vec<Pair>,
}

/// An item's index under the published set and under the draft (`None`: absent there).
type Pair = (Option<usize>, Option<usize>);

/// Every id of either side, the published side's order first, as its index on each side.
fn matched<'a>(
    before: impl Iterator<Item = &'a str>,
    after: impl Iterator<Item = &'a str>,
) -> Vec<Pair> {
    let before: Vec<&str> = before.collect();
    let after: Vec<&str> = after.collect();
    let added = after.iter().filter(|id| !before.contains(id));
    before
        .iter()
        .chain(added)
        .map(|id| {
            (
                before.iter().position(|b| b == id),
                after.iter().position(|a| a == id),
            )
        })
        .collect()
}

impl<'p> Comparison<'p> {
    pub fn new(before: &'p Policy, after: &'p Policy) -> Comparison<'p> {
        let lists = matched(
            before.lists.iter().map(|l| l.id.as_str()),
            after.lists.iter().map(|l| l.id.as_str()),
        );
        let schemes = matched(
            before.schemes.iter().map(|s| s.id.as_str()),
            after.schemes.iter().map(|s| s.id.as_str()),
        );
        let scorecards = matched(
            before.scorecards.iter().map(|s| s.id.as_str()),
            after.scorecards.iter().map(|s| s.id.as_str()),
        );
        let measures = matched(
            before.measures.iter().map(|m| m.id.as_str()),
            after.measures.iter().map(|m| m.id.as_str()),
        );
        Comparison {
            before,
            after,
            before_layout: CompactLayout::new(before),
            after_layout: CompactLayout::new(after),
            lists,
            schemes,
            scorecards,
            measures,
        }
    }

    /// An impact with every item named and nothing counted.
    pub fn empty(&self) -> Impact {
        let name =
            |pair: &Pair, before: &dyn Fn(usize) -> String, after: &dyn Fn(usize) -> String| {
                pair.0
                    .map_or_else(|| pair.1.map(after).unwrap_or_default(), before)
            };
        let grades = |policy: &Policy, scheme: Option<usize>| -> Vec<String> {
            let mut grades: Vec<String> = scheme
                .map(|s| {
                    policy.schemes[s]
                        .grades
                        .iter()
                        .map(|g| g.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            grades.push(NOT_SCORED.to_owned());
            grades
        };
        Impact {
            subjects: 0,
            lists: self
                .lists
                .iter()
                .map(|pair| ListImpact {
                    list: name(pair, &|i| self.before.lists[i].id.clone(), &|i| {
                        self.after.lists[i].id.clone()
                    }),
                    ..ListImpact::default()
                })
                .collect(),
            schemes: self
                .schemes
                .iter()
                .map(|pair| {
                    let from = grades(self.before, pair.0);
                    let to = grades(self.after, pair.1);
                    GradeShift {
                        scheme: name(pair, &|i| self.before.schemes[i].id.clone(), &|i| {
                            self.after.schemes[i].id.clone()
                        }),
                        matrix: vec![vec![0; to.len()]; from.len()],
                        from,
                        to,
                    }
                })
                .collect(),
            scorecards: self
                .scorecards
                .iter()
                .map(|pair| ScoreShift {
                    scorecard: name(pair, &|i| self.before.scorecards[i].id.clone(), &|i| {
                        self.after.scorecards[i].id.clone()
                    }),
                    bin: SHIFT_BIN,
                    ..ScoreShift::default()
                })
                .collect(),
            measures: self
                .measures
                .iter()
                .map(|pair| MeasureImpact {
                    measure: name(pair, &|i| self.before.measures[i].id.clone(), &|i| {
                        self.after.measures[i].id.clone()
                    }),
                    ..MeasureImpact::default()
                })
                .collect(),
        }
    }

    /// Counts one subject's outcomes under the published set (`before`) and the draft.
    pub fn add(&self, impact: &mut Impact, before: &Outcome, after: &Outcome) {
        impact.subjects += 1;
        for (tally, &(b, a)) in impact.lists.iter_mut().zip(&self.lists) {
            let was = b.is_some_and(|l| self.before_layout.listed_until(&before.row, l).is_some());
            let is = a.is_some_and(|l| self.after_layout.listed_until(&after.row, l).is_some());
            tally.before += u64::from(was);
            tally.after += u64::from(is);
            tally.entering += u64::from(is && !was);
            tally.leaving += u64::from(was && !is);
        }
        for (tally, &(b, a)) in impact.schemes.iter_mut().zip(&self.schemes) {
            let from = b
                .and_then(|s| self.before_layout.scheme(&before.row, s).1)
                .map_or(tally.from.len() - 1, usize::from);
            let to = a
                .and_then(|s| self.after_layout.scheme(&after.row, s).1)
                .map_or(tally.to.len() - 1, usize::from);
            tally.matrix[from][to] += 1;
        }
        for (tally, &(b, a)) in impact.scorecards.iter_mut().zip(&self.scorecards) {
            let score = |layout: &CompactLayout, row: &[i32], card: Option<usize>| {
                card.and_then(|c| {
                    let (score, band) = layout.scorecard(row, c);
                    band.map(|_| score)
                })
            };
            let was = score(&self.before_layout, &before.row, b);
            let is = score(&self.after_layout, &after.row, a);
            tally.scored_before += u64::from(was.is_some());
            tally.scored_after += u64::from(is.is_some());
            if let (Some(was), Some(is)) = (was, is) {
                if was == is {
                    tally.unchanged += 1;
                    continue;
                }
                let shift = (is - was).div_euclid(SHIFT_BIN) * SHIFT_BIN;
                *tally.shifts.entry(shift).or_default() += 1;
            }
        }
        for (tally, &(b, a)) in impact.measures.iter_mut().zip(&self.measures) {
            let was = b.is_some_and(|m| before.measures[m]);
            let is = a.is_some_and(|m| after.measures[m]);
            tally.before += u64::from(was);
            tally.after += u64::from(is);
            tally.gaining += u64::from(is && !was);
            tally.losing += u64::from(was && !is);
        }
    }
}

impl Impact {
    /// Adds the counts of `other`, an impact of the same comparison over other subjects.
    pub fn merge(&mut self, other: &Impact) {
        self.subjects += other.subjects;
        for (a, b) in self.lists.iter_mut().zip(&other.lists) {
            a.before += b.before;
            a.after += b.after;
            a.entering += b.entering;
            a.leaving += b.leaving;
        }
        for (a, b) in self.schemes.iter_mut().zip(&other.schemes) {
            for (row_a, row_b) in a.matrix.iter_mut().zip(&b.matrix) {
                for (x, y) in row_a.iter_mut().zip(row_b) {
                    *x += y;
                }
            }
        }
        for (a, b) in self.scorecards.iter_mut().zip(&other.scorecards) {
            a.scored_before += b.scored_before;
            a.scored_after += b.scored_after;
            a.unchanged += b.unchanged;
            for (shift, count) in &b.shifts {
                *a.shifts.entry(*shift).or_default() += count;
            }
        }
        for (a, b) in self.measures.iter_mut().zip(&other.measures) {
            a.before += b.before;
            a.after += b.after;
            a.gaining += b.gaining;
            a.losing += b.losing;
        }
    }

    /// Whether the draft changes nothing for any subject.
    pub fn is_unchanged(&self) -> bool {
        self.lists.iter().all(|l| l.entering == 0 && l.leaving == 0)
            && self.schemes.iter().all(|s| {
                s.matrix.iter().enumerate().all(|(i, row)| {
                    row.iter()
                        .enumerate()
                        .all(|(j, &n)| n == 0 || s.from[i] == s.to[j])
                })
            })
            && self
                .scorecards
                .iter()
                .all(|c| c.scored_before == c.scored_after && c.shifts.is_empty())
            && self
                .measures
                .iter()
                .all(|m| m.gaining == 0 && m.losing == 0)
    }
}
