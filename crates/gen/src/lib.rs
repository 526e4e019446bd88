//! Synthetic populations for credence: a city of people and organisations and the records its
//! authorised sources (courts, the tax bureau, the traffic police, utilities, lenders, volunteer
//! associations, the civic office, the environment bureau, the market regulator) report about
//! them, deterministic by seed.
//!
//! The same [`GenConfig`] gives byte-identical output on every machine: the crate has no clock
//! (the caller gives the last day of history), and its random numbers come from its own
//! SplitMix64 / xoshiro256** generator using only integer and correctly rounded floating-point
//! operations.
//!
//! * [`Generator::subjects`] streams every subject with its events in date order, people first,
//!   then organisations, holding one subject at a time.
//! * [`write_files`] writes the population as one ingest file per source (JSONL or CSV, each
//!   sorted by date and reference) and a `manifest.json`.
//!
//! What the city looks like:
//!
//! * people have valid resident ids (GB 11643) from a small table of real GB/T 2260 regions,
//!   born 1950 to 12 years before `end`, so that about 2-3% are minors on `end`;
//! * organisations have valid USCCs (GB 32100, with a valid GB 11714 organisation code inside),
//!   except about 0.5% with legacy pilot codes whose check character fails, flagged
//!   [`GenSubject::legacy`] (`"legacy_id": true` in the files) and kept out of the court's
//!   records; every organisation names a legal representative (one of the people) in a
//!   `registry.legal-representative` record from the market regulator;
//! * records follow `docs/categories.md`: each category is reported only by its source, every
//!   event that acts on a record (fulfil, extend, correct, retract) targets an earlier record
//!   of the same source and subject and is dated on or after it, and nothing is dated after
//!   `end` or before the first day of history.
//!
//! At density 1.0 an average person has about 3.5 events over three years (one of them a
//! consent), an organisation about 6.5; record rates scale linearly with
//! [`GenConfig::density`] (consents, legal representatives and yearly tax returns do not), so
//! density 3.0 gives about 8.5 events per subject.
//!
//! Invariant: identifiers are unique by construction (a keyed bijection from the subject's
//! index), not by a lookup table, so neither the generator nor the writer ever holds the
//! population's identifiers.

mod city;
mod files;
mod ids;
mod rng;

use credence_model::{Action, Day, IdOptions, Identifier, Value};
use serde::{Deserialize, Serialize};

pub use files::{Format, MEMORY_BUDGET_EVENTS, Manifest, write_files};
pub use rng::SplitMix64;

use crate::city::{Counters, History, OrgFacts, PersonFacts, Source};
use crate::ids::{CodeStyle, OrgIds, PersonIds, REGIONS};
use crate::rng::{Rng, derive_seed};

/// The largest population [`Generator::new`] accepts; larger values are clamped. Resident ids
/// are unique by construction up to well beyond this.
pub const PEOPLE_MAX: usize = 50_000_000;
/// The largest number of organisations [`Generator::new`] accepts; larger values are clamped.
pub const ORGS_MAX: usize = 50_000_000;
// INVARIANT: organisation codes are unique by construction for every accepted population.
const _: () = assert!(ORGS_MAX as u64 <= ids::ORG_CAPACITY);
/// The longest history, in years.
pub const YEARS_MAX: u32 = 50;
/// The largest record-rate multiplier.
pub const DENSITY_MAX: f64 = 100.0;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// Number of people (at most [`PEOPLE_MAX`]).
    pub people: usize,
    /// Number of organisations (at most [`ORGS_MAX`]).
    pub orgs: usize,
    /// Years of history ending at `end` (1 to [`YEARS_MAX`]).
    pub years: u32,
    /// The seed: the same configuration gives the same city.
    pub seed: u64,
    /// The last day of history (clamped to 2000-01-01..=2150-12-31).
    pub end: Day,
    /// Multiplier on record rates (0 to [`DENSITY_MAX`]; 1.0 by default).
    pub density: f64,
}

impl Default for GenConfig {
    fn default() -> GenConfig {
        GenConfig {
            people: 1000,
            orgs: 100,
            years: 3,
            seed: 1,
            end: Day::from_ymd(2026, 11, 1).unwrap_or(Day(20_758)),
            density: 1.0,
        }
    }
}

impl GenConfig {
    /// The configuration with every field inside its documented range.
    fn normalised(&self) -> GenConfig {
        let end_min = Day::from_ymd(2000, 1, 1).unwrap_or(Day(10_957));
        let end_max = Day::from_ymd(2150, 12, 31).unwrap_or(Day(66_109));
        let density = if self.density.is_nan() {
            0.0
        } else {
            self.density.clamp(0.0, DENSITY_MAX)
        };
        GenConfig {
            people: self.people.min(PEOPLE_MAX),
            orgs: self.orgs.min(ORGS_MAX),
            years: self.years.clamp(1, YEARS_MAX),
            seed: self.seed,
            end: self.end.clamp(end_min, end_max),
            density,
        }
    }
}

/// A subject of the city.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSubject {
    /// A resident id (people) or a USCC (organisations).
    pub id: Identifier,
    /// A legacy pilot USCC whose check character does not verify: intake must be told
    /// (`legacy_id`) to accept it.
    pub legacy: bool,
}

/// One event a source reports about a subject.
#[derive(Clone, Debug, PartialEq)]
pub struct GenEvent {
    /// The registered source id (`court`, `tax-bureau`, ...).
    pub source: &'static str,
    /// The source's reference, unique per source (`court-000123`).
    pub reference: String,
    pub action: Action,
    /// The record category, or the scheme for `consent` / `withdraw`.
    pub category: &'static str,
    pub date: Day,
    /// For actions on an earlier record: that record's reference.
    pub target: Option<String>,
    /// Money as `Value::Text("15000.00")` (yuan, two decimals), int as `Value::Int`, bool as
    /// `Value::Bool`, enum, text, date and subject as `Value::Text`.
    pub attributes: Vec<(&'static str, Value)>,
}

/// Generates the city described by a [`GenConfig`].
#[derive(Debug)]
pub struct Generator {
    config: GenConfig,
    start: Day,
    person_ids: PersonIds,
    org_ids: OrgIds,
}

/// Shares of organisations by kind, code style and legacy code.
const ORG_KIND_WEIGHTS: [(char, u32); 3] = [('1', 85), ('2', 10), ('3', 5)];
const ORG_NUMERIC_CODE_SHARE: f64 = 0.3;
const ORG_LEGACY_SHARE: f64 = 0.005;
/// Tries to find an adult legal representative before taking whoever was drawn last.
const REPRESENTATIVE_TRIES: u32 = 8;

impl Generator {
    /// A generator for `config`, with every field clamped to its documented range.
    pub fn new(config: GenConfig) -> Generator {
        let config = config.normalised();
        let start = config.end.add_months(-12 * config.years as i32).add_days(1);
        let person_ids = PersonIds::new(config.people as u64, config.seed, config.end);
        let org_ids = OrgIds::new(config.seed);
        Generator {
            config,
            start,
            person_ids,
            org_ids,
        }
    }

    /// The configuration in use (after clamping).
    pub fn config(&self) -> &GenConfig {
        &self.config
    }

    /// The first day of history: every event is dated in `start()..=config().end`.
    pub fn start(&self) -> Day {
        self.start
    }

    /// Every subject with its events in date order; people first then organisations.
    /// Streaming: one subject is generated at a time.
    pub fn subjects(&self) -> impl Iterator<Item = (GenSubject, Vec<GenEvent>)> + '_ {
        let people = self.config.people as u64;
        let total = people + self.config.orgs as u64;
        let mut counters: Counters = [0; Source::ALL.len()];
        (0..total).filter_map(move |index| {
            if index < people {
                self.person(index, &mut counters)
            } else {
                self.organisation(index - people, &mut counters)
            }
        })
    }

    /// Person `k`'s resident id and birth date, and the random stream their events are drawn
    /// from.
    fn person_identity(&self, k: u64) -> (String, Day, Rng) {
        let mut rng = Rng::new(derive_seed(self.config.seed, ids::STREAM_PERSON, k));
        let female = rng.chance(0.5);
        let (id, birth) = self.person_ids.resident_id(k, female);
        (id, birth, rng)
    }

    fn person(&self, k: u64, counters: &mut Counters) -> Option<(GenSubject, Vec<GenEvent>)> {
        let (id, birth, rng) = self.person_identity(k);
        let subject = subject(&id, false)?;
        let mut history = History::new(rng, self.start, self.config.end, self.config.density);
        city::person(&mut history, &PersonFacts { id: &id, birth });
        Some((subject, history.finish(counters)))
    }

    fn organisation(&self, k: u64, counters: &mut Counters) -> Option<(GenSubject, Vec<GenEvent>)> {
        let mut rng = Rng::new(derive_seed(self.config.seed, ids::STREAM_ORG, k));
        let kind = rng.weighted(&ORG_KIND_WEIGHTS);
        let region = rng.weighted(REGIONS);
        let style = if rng.chance(ORG_NUMERIC_CODE_SHARE) {
            CodeStyle::Numeric
        } else {
            CodeStyle::New
        };
        let legacy = rng.chance(ORG_LEGACY_SHARE);
        let wrong = rng.next_u64();
        let code = self
            .org_ids
            .uscc(k, kind, &region, style, legacy.then_some(wrong));
        let subject = subject(&code, legacy)?;
        let representative = self.representative(&mut rng);
        let mut history = History::new(rng, self.start, self.config.end, self.config.density);
        let facts = OrgFacts {
            region,
            legacy,
            representative,
        };
        city::organisation(&mut history, facts);
        Some((subject, history.finish(counters)))
    }

    /// An adult legal representative and the day the registry recorded them (in the first
    /// three months of history), when the city has people.
    fn representative(&self, rng: &mut Rng) -> Option<(String, Day)> {
        let people = self.config.people as u64;
        if people == 0 {
            return None;
        }
        let room = i64::from(self.config.end.0 - self.start.0).min(89);
        let date = self.start.add_days(rng.range(0, room) as i32);
        let mut chosen = None;
        for _ in 0..REPRESENTATIVE_TRIES {
            let (id, birth, _) = self.person_identity(rng.below(people));
            let adult = date.years_since(birth) >= 18;
            chosen = Some(id);
            if adult {
                break;
            }
        }
        chosen.map(|id| (id, date))
    }
}

/// The subject for a generated identifier. Generated identifiers always validate; a failure is
/// a bug in this crate, caught by the tests (the subject would be missing from the output).
fn subject(id: &str, legacy: bool) -> Option<GenSubject> {
    let options = IdOptions {
        allow_legacy_uscc: legacy,
    };
    match Identifier::parse(id, options) {
        Ok(id) => Some(GenSubject { id, legacy }),
        Err(error) => {
            debug_assert!(
                false,
                "generated identifier {id} does not validate: {error}"
            );
            None
        }
    }
}
