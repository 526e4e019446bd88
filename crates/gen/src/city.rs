//! What happens to the city's subjects: the records each source reports about one person or
//! organisation, with their follow-ups (fulfilment, extension, correction, retraction,
//! consent withdrawal).
//!
//! Every subject's events are drawn from the subject's own random stream (seeded from the
//! generator's seed and the subject's index), so a subject's history does not depend on which
//! other subjects were generated before it. Only the references depend on order: they are
//! numbered per source in the order subjects are generated.
//!
//! Rates are per subject and year, multiplied by the configuration's `density`; a record falls
//! on a uniform day of the part of the history window in which the subject is eligible (an
//! adult for traffic, credit, utilities and consent; 16 or older for court records; 12 or older
//! for volunteering).

use credence_model::{Action, Day, Value};

use crate::ids::{Region, region_of};
use crate::rng::Rng;

/// The sources of the synthetic city, as registered in `policies/sources.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Source {
    Court,
    Tax,
    Traffic,
    Utility,
    Lender,
    Volunteer,
    Civic,
    Environment,
    Market,
    Customs,
    Food,
}

impl Source {
    pub(crate) const ALL: [Source; 11] = [
        Source::Court,
        Source::Tax,
        Source::Traffic,
        Source::Utility,
        Source::Lender,
        Source::Volunteer,
        Source::Civic,
        Source::Environment,
        Source::Market,
        Source::Customs,
        Source::Food,
    ];

    /// The registered source id.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Court => "court",
            Source::Tax => "tax-bureau",
            Source::Traffic => "traffic-police",
            Source::Utility => "utility",
            Source::Lender => "lender",
            Source::Volunteer => "volunteer-association",
            Source::Civic => "civic-office",
            Source::Environment => "environment-bureau",
            Source::Market => "market-regulator",
            Source::Customs => "customs",
            Source::Food => "food-authority",
        }
    }

    /// The prefix of the source's references (`court-000123`).
    fn prefix(self) -> &'static str {
        match self {
            Source::Court => "court",
            Source::Tax => "tax",
            Source::Traffic => "traffic",
            Source::Utility => "utility",
            Source::Lender => "lender",
            Source::Volunteer => "vol",
            Source::Civic => "civic",
            Source::Environment => "env",
            Source::Market => "market",
            Source::Customs => "customs",
            Source::Food => "food",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One event of a subject before references are assigned: `target` is the index of the draft
/// it acts on.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub(crate) source: Source,
    pub(crate) action: Action,
    pub(crate) category: &'static str,
    pub(crate) date: Day,
    pub(crate) target: Option<usize>,
    pub(crate) attributes: Vec<(&'static str, Value)>,
}

/// Per source, the next reference number (numbering starts at 1).
pub(crate) type Counters = [u64; Source::ALL.len()];

/// The reference of the `number`th event of `source`.
pub(crate) fn reference(source: Source, number: u64) -> String {
    format!("{}-{number:06}", source.prefix())
}

/// Rates per subject and year at density 1.0.
mod rate {
    pub(super) const TRAFFIC_DRIVER: f64 = 0.40;
    pub(super) const VOLUNTEERING_VOLUNTEER: f64 = 2.5;
    pub(super) const COMMENDATION_PERSON: f64 = 0.01;
    pub(super) const COMMENDATION_ORG: f64 = 0.02;
    pub(super) const REPAID_PERSON_BORROWER: f64 = 0.5;
    pub(super) const REPAID_ORG_BORROWER: f64 = 1.0;
    pub(super) const OVERDUE_PERSON_BORROWER: f64 = 0.07;
    pub(super) const OVERDUE_PERSON_OTHER: f64 = 0.02;
    pub(super) const OVERDUE_ORG_BORROWER: f64 = 0.05;
    pub(super) const OVERDUE_ORG_OTHER: f64 = 0.01;
    pub(super) const ARREARS_PERSON: f64 = 0.04;
    pub(super) const ARREARS_ORG: f64 = 0.03;
    pub(super) const PENALTY_PERSON: f64 = 0.008;
    pub(super) const PENALTY_ORG: f64 = 0.04;
    /// About 1% of people over three years.
    pub(super) const COURT_PERSON: f64 = 0.0034;
    /// About 2% of organisations over three years.
    pub(super) const COURT_ORG: f64 = 0.0068;
    pub(super) const TAX_UNPAID: f64 = 0.015;
    /// Lapses the annual indicators find, per firm and year (most firms lose a few points a
    /// year: the 2018 results were 4.89% A, most B).
    pub(super) const TAX_INDICATOR: f64 = 6.0;
    pub(super) const TAX_EVASION: f64 = 0.003;
    pub(super) const TAX_FALSE_INVOICES: f64 = 0.002;
    pub(super) const TAX_VIOLENT_REFUSAL: f64 = 0.0005;
    pub(super) const ENV_INDUSTRIAL: f64 = 0.15;
    pub(super) const CUSTOMS_SMUGGLING: f64 = 0.004;
    pub(super) const CUSTOMS_PENALTIES: f64 = 0.006;
    pub(super) const CUSTOMS_UNPAID: f64 = 0.02;
    /// Food premises are inspected about every 18 months.
    pub(super) const FOOD_INSPECTION: f64 = 0.67;
}

/// Shares of subjects with a trait, and of records with a follow-up.
mod share {
    pub(super) const DRIVER: f64 = 0.55;
    pub(super) const VOLUNTEER: f64 = 0.12;
    pub(super) const PERSON_BORROWER: f64 = 0.4;
    pub(super) const ORG_BORROWER: f64 = 0.7;
    pub(super) const INDUSTRIAL: f64 = 0.25;
    pub(super) const NO_REVENUE: f64 = 0.04;
    pub(super) const CONSENT_CIVIC: f64 = 0.6;
    pub(super) const CONSENT_SESAME: f64 = 0.4;
    pub(super) const CONSENT_WITHDRAWN: f64 = 0.08;
    pub(super) const REPAID_ON_TIME: f64 = 0.95;
    pub(super) const RETRACTED: f64 = 0.005;
    pub(super) const CORRECTED: f64 = 0.006;
    pub(super) const COURT_AGGRAVATED: f64 = 0.15;
    pub(super) const COURT_GUARANTEE: f64 = 0.10;
    pub(super) const COURT_SEIZED_SUFFICIENT: f64 = 0.08;
    pub(super) const COURT_SEIZED_INSUFFICIENT: f64 = 0.08;
    pub(super) const COURT_FULFILLED: f64 = 0.4;
    pub(super) const COURT_EXTENDED: f64 = 0.5;
    pub(super) const TAX_ON_TIME: f64 = 0.86;
    pub(super) const TAX_LATE: f64 = 0.12;
    pub(super) const EVASION_CRIMINAL: f64 = 0.2;
    pub(super) const COURT_LATER_IN_ORDER: f64 = 0.03;
    pub(super) const COURT_UNABLE: f64 = 0.05;
    /// Organisations registered for tax during the last year of the window.
    pub(super) const TAX_NEW: f64 = 0.06;
    pub(super) const TRADER: f64 = 0.3;
    /// Of traders: advanced certified enterprises.
    pub(super) const AEO: f64 = 0.05;
    pub(super) const FOOD_BUSINESS: f64 = 0.25;
}

/// FSA open data, 2026 extract: 68.8% of establishments rated 5, 0.2% rated 0 (domain-facts
/// 3d); the ratings between are spread illustratively.
const FOOD_RATINGS: [(i64, u32); 6] = [(5, 688), (4, 170), (3, 80), (2, 30), (1, 30), (0, 2)];

const LENDERS: &[&str] = &[
    "招商银行",
    "中国建设银行",
    "微众银行",
    "网商银行",
    "兴业银行",
    "厦门国际银行",
];

const VOLUNTEER_ORGANISATIONS: &[&str] = &[
    "社区志愿服务队",
    "红十字会志愿服务队",
    "图书馆志愿者协会",
    "环保志愿者协会",
    "助老志愿服务站",
    "无偿献血志愿者协会",
];

/// An amount in fen drawn from buckets of whole yuan `(lo, hi, weight)`, optionally with fen.
fn amount_fen(rng: &mut Rng, buckets: &[(i64, i64, u32)], with_fen: bool) -> i64 {
    let table: Vec<((i64, i64), u32)> = buckets.iter().map(|&(l, h, w)| ((l, h), w)).collect();
    let (lo, hi) = rng.weighted(&table);
    let yuan = rng.range(lo, hi);
    let fen = if with_fen { rng.range(0, 99) } else { 0 };
    yuan * 100 + fen
}

/// Money as the ingest format writes it: yuan with two decimals.
pub(crate) fn money(fen: i64) -> Value {
    Value::Text(format!("{}.{:02}", fen / 100, fen % 100))
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

/// The events of one subject being drawn.
pub(crate) struct History {
    rng: Rng,
    start: Day,
    end: Day,
    density: f64,
    drafts: Vec<Draft>,
}

impl History {
    pub(crate) fn new(rng: Rng, start: Day, end: Day, density: f64) -> History {
        History {
            rng,
            start,
            end,
            density,
            drafts: Vec::new(),
        }
    }

    pub(crate) fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// The history window from `from` (clipped to the window's start), if any of it is left.
    fn from(&self, from: Day) -> Option<(Day, Day)> {
        let lo = from.max(self.start);
        (lo <= self.end).then_some((lo, self.end))
    }

    fn day_in(&mut self, (lo, hi): (Day, Day)) -> Day {
        Day(self.rng.range(i64::from(lo.0), i64::from(hi.0)) as i32)
    }

    /// The days of the occurrences of something that happens `per_year` times a year (before
    /// the density multiplier) during `window`.
    fn occurrences(&mut self, per_year: f64, window: Option<(Day, Day)>) -> Vec<Day> {
        let Some((lo, hi)) = window else {
            return Vec::new();
        };
        let years = f64::from(hi.0 - lo.0 + 1) / 365.25;
        let count = self.rng.poisson(per_year * self.density * years);
        (0..count).map(|_| self.day_in((lo, hi))).collect()
    }

    /// Like [`History::occurrences`], for what happens whatever the density (the yearly
    /// evaluation of every taxpayer).
    fn structural(&mut self, per_year: f64, window: Option<(Day, Day)>) -> Vec<Day> {
        let Some((lo, hi)) = window else {
            return Vec::new();
        };
        let years = f64::from(hi.0 - lo.0 + 1) / 365.25;
        let count = self.rng.poisson(per_year * years);
        (0..count).map(|_| self.day_in((lo, hi))).collect()
    }

    fn push(
        &mut self,
        source: Source,
        action: Action,
        category: &'static str,
        date: Day,
        target: Option<usize>,
        attributes: Vec<(&'static str, Value)>,
    ) -> usize {
        self.drafts.push(Draft {
            source,
            action,
            category,
            date: date.clamp(self.start, self.end),
            target,
            attributes,
        });
        self.drafts.len() - 1
    }

    fn record(
        &mut self,
        source: Source,
        category: &'static str,
        date: Day,
        attributes: Vec<(&'static str, Value)>,
    ) -> usize {
        self.push(source, Action::Record, category, date, None, attributes)
    }

    /// A day from `date` plus `min_days..=max_days`, never after the end of the window.
    fn later(&mut self, date: Day, min_days: i32, max_days: i32) -> Day {
        let room = self.end.0 - date.0;
        let lo = min_days.min(room).max(0);
        let hi = max_days.min(room).max(lo);
        date.add_days(self.rng.range(i64::from(lo), i64::from(hi)) as i32)
    }

    /// Consent to `scheme` on a day in `window`, sometimes withdrawn later.
    fn consent(&mut self, source: Source, scheme: &'static str, window: Option<(Day, Day)>) {
        let Some(window) = window else { return };
        let date = self.day_in(window);
        self.push(source, Action::Consent, scheme, date, None, Vec::new());
        if self.rng.chance(share::CONSENT_WITHDRAWN) {
            let withdrawn = self.later(date, 1, 720);
            self.push(
                source,
                Action::Withdraw,
                scheme,
                withdrawn,
                None,
                Vec::new(),
            );
        }
    }

    /// Sometimes a retraction or a correction of a lender's or utility's record.
    fn maybe_revise(&mut self, record: usize) {
        let roll = self.rng.unit();
        let Some(draft) = self.drafts.get(record).cloned() else {
            return;
        };
        if roll < share::RETRACTED {
            let date = self.later(draft.date, 3, 90);
            self.push(
                draft.source,
                Action::Retract,
                draft.category,
                date,
                Some(record),
                Vec::new(),
            );
        } else if roll < share::RETRACTED + share::CORRECTED {
            let attributes = self.corrected(&draft.attributes);
            // A correction restates the record as it should have been, on the record's date.
            self.push(
                draft.source,
                Action::Correct,
                draft.category,
                draft.date,
                Some(record),
                attributes,
            );
        }
    }

    /// The full corrected attribute set: a late repayment was on time after all, an amount was
    /// overstated, or a count was wrong.
    fn corrected(&mut self, attributes: &[(&'static str, Value)]) -> Vec<(&'static str, Value)> {
        let mut out = attributes.to_vec();
        let late = out
            .iter()
            .any(|(name, value)| *name == "on_time" && *value == Value::Bool(false));
        for (name, value) in &mut out {
            match (*name, &*value) {
                ("on_time", Value::Bool(false)) => *value = Value::Bool(true),
                ("amount", Value::Text(amount)) if !late => {
                    let fen = parse_fen(amount).unwrap_or(0);
                    let factor = self.rng.range(50, 95);
                    *value = money((fen * factor / 100).max(100));
                }
                ("days", Value::Int(days)) => *value = Value::Int((*days - 30).max(30)),
                ("months", Value::Int(months)) => *value = Value::Int((*months - 1).max(1)),
                _ => {}
            }
        }
        out
    }

    /// A court's finding of dishonest conduct, with what may follow it: a guarantee or seized
    /// assets in the same case, performance, an extension of an aggravated listing. A person
    /// who was a minor on `date` (`adult_on` is later) is found but cannot be listed (SPC 2017
    /// art. 4), so no court extends a listing of theirs.
    fn court_case(&mut self, date: Day, region: &Region, adult_on: Option<Day>) {
        let organisation = adult_on.is_none();
        let minor = adult_on.is_some_and(|adult| date < adult);
        let rng = &mut self.rng;
        let case = format!(
            "({}){}执{}号",
            date.year(),
            region.case_prefix(),
            rng.range(1, 9999)
        );
        let ground = rng.weighted(&[
            ("refuses", 55),
            ("evades", 15),
            ("asset-report", 12),
            ("obstructs", 8),
            ("consumption-order", 6),
            ("settlement", 4),
        ]);
        let amount = if organisation {
            amount_fen(
                rng,
                &[
                    (10_000, 200_000, 50),
                    (200_000, 2_000_000, 40),
                    (2_000_000, 20_000_000, 10),
                ],
                true,
            )
        } else {
            amount_fen(
                rng,
                &[
                    (2_000, 50_000, 55),
                    (50_000, 500_000, 38),
                    (500_000, 5_000_000, 7),
                ],
                true,
            )
        };
        let aggravated = rng.chance(share::COURT_AGGRAVATED);
        let record = self.record(
            Source::Court,
            "court.dishonest-conduct",
            date,
            vec![
                ("case", text(case.clone())),
                ("court", text(region.court())),
                ("ground", text(ground)),
                ("amount", money(amount)),
                ("aggravated", Value::Bool(aggravated)),
            ],
        );
        let bar = self.rng.unit();
        let near = Day(self.rng.range(-30, 30) as i32 + date.0);
        if bar < share::COURT_GUARANTEE {
            self.record(
                Source::Court,
                "court.guarantee",
                near,
                vec![("case", text(case.clone()))],
            );
        } else if bar < share::COURT_GUARANTEE + share::COURT_SEIZED_SUFFICIENT {
            self.record(
                Source::Court,
                "court.assets-seized",
                near,
                vec![
                    ("case", text(case.clone())),
                    ("sufficient", Value::Bool(true)),
                ],
            );
        } else if bar
            < share::COURT_GUARANTEE
                + share::COURT_SEIZED_SUFFICIENT
                + share::COURT_SEIZED_INSUFFICIENT
        {
            self.record(
                Source::Court,
                "court.assets-seized",
                near,
                vec![
                    ("case", text(case.clone())),
                    ("sufficient", Value::Bool(false)),
                ],
            );
        }
        if ground == "refuses" {
            let other = self.rng.unit();
            let near = Day(self.rng.range(0, 30) as i32 + date.0);
            if other < share::COURT_LATER_IN_ORDER {
                self.record(
                    Source::Court,
                    "court.later-in-order",
                    near,
                    vec![("case", text(case.clone()))],
                );
            } else if other < share::COURT_LATER_IN_ORDER + share::COURT_UNABLE {
                self.record(
                    Source::Court,
                    "court.unable-to-perform",
                    near,
                    vec![("case", text(case.clone()))],
                );
            }
        }
        if self.rng.chance(share::COURT_FULFILLED) {
            let performed = self.later(date, 30, 365);
            self.push(
                Source::Court,
                Action::Fulfil,
                "court.dishonest-conduct",
                performed,
                Some(record),
                Vec::new(),
            );
        } else if aggravated
            && ground != "refuses"
            && self.rng.chance(share::COURT_EXTENDED)
            && !minor
        {
            // Only the fixed two-year listings (grounds 2-6) can be extended; ground 1 lasts
            // until performance anyway.
            let extended = self.later(date, 180, 700);
            let months = self.rng.range(12, 36);
            self.push(
                Source::Court,
                Action::Extend,
                "court.dishonest-conduct",
                extended,
                Some(record),
                vec![("months", Value::Int(months))],
            );
        }
    }

    fn commendations(&mut self, per_year: f64) {
        let window = self.from(self.start);
        for date in self.occurrences(per_year, window) {
            let level = self.rng.weighted(&[
                ("county", 50),
                ("city", 35),
                ("province", 12),
                ("national", 3),
            ]);
            self.record(
                Source::Civic,
                "civic.commendation",
                date,
                vec![("level", text(level))],
            );
        }
    }

    fn repayments(&mut self, per_year: f64, window: Option<(Day, Day)>, organisation: bool) {
        for date in self.occurrences(per_year, window) {
            let amount = if organisation {
                amount_fen(
                    &mut self.rng,
                    &[(5_000, 100_000, 70), (100_000, 2_000_000, 30)],
                    true,
                )
            } else {
                amount_fen(
                    &mut self.rng,
                    &[(500, 5_000, 60), (5_000, 20_000, 30), (20_000, 100_000, 10)],
                    true,
                )
            };
            let on_time = self.rng.chance(share::REPAID_ON_TIME);
            let record = self.record(
                Source::Lender,
                "finance.repaid",
                date,
                vec![("amount", money(amount)), ("on_time", Value::Bool(on_time))],
            );
            self.maybe_revise(record);
            if !on_time {
                // The lateness itself is a breach the lender reports beside the repayment.
                let days_late = self.rng.range(1, 60);
                self.record(
                    Source::Lender,
                    "finance.late-repayment",
                    date,
                    vec![
                        ("amount", money(amount)),
                        ("days_late", Value::Int(days_late)),
                    ],
                );
            }
        }
    }

    fn overdue(&mut self, per_year: f64, window: Option<(Day, Day)>) {
        for date in self.occurrences(per_year, window) {
            let amount = amount_fen(
                &mut self.rng,
                &[
                    (200, 1_000, 40),
                    (1_000, 5_000, 35),
                    (5_000, 20_000, 18),
                    (20_000, 50_000, 7),
                ],
                true,
            );
            let days = self.rng.range(30, 180);
            let lender = LENDERS[self.rng.below(LENDERS.len() as u64) as usize];
            let record = self.record(
                Source::Lender,
                "finance.overdue",
                date,
                vec![
                    ("amount", money(amount)),
                    ("days", Value::Int(days)),
                    ("lender", text(lender)),
                ],
            );
            self.maybe_revise(record);
        }
    }

    fn arrears(&mut self, per_year: f64, window: Option<(Day, Day)>, organisation: bool) {
        for date in self.occurrences(per_year, window) {
            let amount = if organisation {
                amount_fen(
                    &mut self.rng,
                    &[(500, 5_000, 70), (5_000, 80_000, 30)],
                    true,
                )
            } else {
                amount_fen(&mut self.rng, &[(50, 500, 70), (500, 3_000, 30)], true)
            };
            let months = self.rng.range(1, 6);
            let record = self.record(
                Source::Utility,
                "utilities.arrears",
                date,
                vec![("amount", money(amount)), ("months", Value::Int(months))],
            );
            self.maybe_revise(record);
        }
    }

    fn penalties(&mut self, per_year: f64, window: Option<(Day, Day)>, region: &Region) {
        for date in self.occurrences(per_year, window) {
            let severity = self
                .rng
                .weighted(&[("minor", 60), ("general", 32), ("serious", 8)]);
            let amount = match severity {
                "minor" => amount_fen(&mut self.rng, &[(200, 2_000, 1)], false),
                "general" => amount_fen(&mut self.rng, &[(2_000, 20_000, 1)], false),
                _ => amount_fen(&mut self.rng, &[(20_000, 500_000, 1)], false),
            };
            let decision = format!(
                "{}市监罚〔{}〕{}号",
                region.short,
                date.year(),
                self.rng.range(1, 999)
            );
            self.record(
                Source::Market,
                "admin.penalty",
                date,
                vec![
                    ("severity", text(severity)),
                    ("decision", text(decision)),
                    ("amount", money(amount)),
                    ("authority", text(region.regulator())),
                ],
            );
        }
    }

    /// Court cases on days of `window`, about a person who comes of age on `adult_on`, or an
    /// organisation (`None`).
    fn court(
        &mut self,
        per_year: f64,
        window: Option<(Day, Day)>,
        region: &Region,
        adult_on: Option<Day>,
    ) {
        for date in self.occurrences(per_year, window) {
            self.court_case(date, region, adult_on);
        }
    }

    /// The drafts in date order (records before the events that act on them), with references
    /// numbered from `counters`, as events.
    pub(crate) fn finish(mut self, counters: &mut Counters) -> Vec<crate::GenEvent> {
        // Follow-ups are pushed after their record and are never dated before it, so a stable
        // sort by date keeps every record ahead of the events that act on it.
        let mut order: Vec<usize> = (0..self.drafts.len()).collect();
        order.sort_by_key(|&i| self.drafts[i].date);
        let mut references = vec![String::new(); self.drafts.len()];
        for &i in &order {
            let source = self.drafts[i].source;
            let counter = &mut counters[source.index()];
            *counter += 1;
            references[i] = reference(source, *counter);
        }
        let mut events = Vec::with_capacity(order.len());
        for &i in &order {
            let draft = &mut self.drafts[i];
            events.push(crate::GenEvent {
                source: draft.source.name(),
                reference: references[i].clone(),
                action: draft.action,
                category: draft.category,
                date: draft.date,
                target: draft.target.map(|t| references[t].clone()),
                attributes: std::mem::take(&mut draft.attributes),
            });
        }
        events
    }
}

/// Reads "123.45" back into fen.
fn parse_fen(amount: &str) -> Option<i64> {
    let (yuan, fen) = amount.split_once('.')?;
    Some(yuan.parse::<i64>().ok()? * 100 + fen.parse::<i64>().ok()?)
}

/// What the generator knows about a person before drawing their events.
pub(crate) struct PersonFacts<'a> {
    pub(crate) id: &'a str,
    pub(crate) birth: Day,
}

/// Draws a person's events into `history`.
pub(crate) fn person(history: &mut History, person: &PersonFacts<'_>) {
    let region = region_of(&person.id[..6]);
    let rng = history.rng();
    let driver = rng.chance(share::DRIVER);
    let volunteer = rng.chance(share::VOLUNTEER);
    let borrower = rng.chance(share::PERSON_BORROWER);
    let consents_civic = rng.chance(share::CONSENT_CIVIC);
    let consents_sesame = rng.chance(share::CONSENT_SESAME);
    let adult = history.from(person.birth.add_months(12 * 18));
    let twelve = history.from(person.birth.add_months(12 * 12));
    let sixteen = history.from(person.birth.add_months(12 * 16));

    if driver {
        for date in history.occurrences(rate::TRAFFIC_DRIVER, adult) {
            let rng = history.rng();
            let severity = rng.weighted(&[("minor", 80), ("serious", 17), ("grave", 3)]);
            let points = match severity {
                "minor" => rng.weighted(&[(1, 40), (2, 25), (3, 35)]),
                "serious" => 6,
                _ => 12,
            };
            history.record(
                Source::Traffic,
                "traffic.violation",
                date,
                vec![
                    ("severity", text(severity)),
                    ("licence_points", Value::Int(points)),
                ],
            );
        }
    }
    if volunteer {
        let organisation = VOLUNTEER_ORGANISATIONS
            [history.rng().below(VOLUNTEER_ORGANISATIONS.len() as u64) as usize];
        for date in history.occurrences(rate::VOLUNTEERING_VOLUNTEER, twelve) {
            let hours = history.rng().range(2, 8);
            history.record(
                Source::Volunteer,
                "civic.volunteering",
                date,
                vec![
                    ("hours", Value::Int(hours)),
                    ("organisation", text(organisation)),
                ],
            );
        }
    }
    history.commendations(rate::COMMENDATION_PERSON);
    if borrower {
        history.repayments(rate::REPAID_PERSON_BORROWER, adult, false);
    }
    let overdue = if borrower {
        rate::OVERDUE_PERSON_BORROWER
    } else {
        rate::OVERDUE_PERSON_OTHER
    };
    history.overdue(overdue, adult);
    history.arrears(rate::ARREARS_PERSON, adult, false);
    history.penalties(rate::PENALTY_PERSON, adult, &region);
    let adult_on = person.birth.add_months(12 * 18);
    history.court(rate::COURT_PERSON, sixteen, &region, Some(adult_on));
    if consents_civic {
        history.consent(Source::Civic, "civic-points", adult);
    }
    if consents_sesame {
        history.consent(Source::Lender, "sesame", adult);
    }
}

/// What the generator knows about an organisation before drawing its events.
pub(crate) struct OrgFacts {
    pub(crate) region: Region,
    pub(crate) legacy: bool,
    /// Its legal representative's resident id, with the day the registry recorded it.
    pub(crate) representative: Option<(String, Day)>,
}

/// Draws an organisation's events into `history`.
pub(crate) fn organisation(history: &mut History, org: OrgFacts) {
    let region = org.region;
    let rng = history.rng();
    let borrower = rng.chance(share::ORG_BORROWER);
    let industrial = rng.chance(share::INDUSTRIAL);
    let no_revenue = rng.chance(share::NO_REVENUE);
    let always = history.from(history.start);

    if let Some((person, date)) = org.representative {
        history.record(
            Source::Market,
            "registry.legal-representative",
            date,
            vec![("person", text(person))],
        );
    }
    tax_filings(history);
    // The annual evaluation is structural, like the returns: it does not scale with density.
    for date in history.structural(rate::TAX_INDICATOR, always) {
        let rng = history.rng();
        let points = rng.weighted(&[("1", 25), ("3", 35), ("5", 30), ("11", 10)]);
        let indicator = format!("{:02}{:04}", rng.range(1, 12), rng.range(1, 9999));
        history.record(
            Source::Tax,
            "tax.indicator-deduction",
            date,
            vec![("indicator", text(indicator)), ("points", text(points))],
        );
    }
    if history.rng().chance(share::TAX_NEW)
        && let Some(window) = history.from(history.end.add_days(-330))
    {
        let date = history.day_in(window);
        history.record(Source::Tax, "tax.new-taxpayer", date, Vec::new());
    }
    customs(history, always);
    food(history, always, &region);
    if no_revenue {
        // A declaration of no revenue for the last full year, filed in January.
        let year = history.end.year() - 1;
        if let Some(january) = Day::from_ymd(year + 1, 1, 1) {
            let window = (
                january.max(history.start),
                january.add_days(30).min(history.end),
            );
            if window.0 <= window.1 {
                let date = history.day_in(window);
                history.record(
                    Source::Tax,
                    "tax.no-revenue",
                    date,
                    vec![("year", Value::Int(i64::from(year)))],
                );
            }
        }
    }
    for date in history.occurrences(rate::TAX_UNPAID, always) {
        let amount = amount_fen(
            history.rng(),
            &[
                (1_000, 20_000, 60),
                (20_000, 200_000, 32),
                (200_000, 2_000_000, 8),
            ],
            true,
        );
        history.record(
            Source::Tax,
            "tax.unpaid-assessment",
            date,
            vec![("amount", money(amount))],
        );
    }
    for date in history.occurrences(rate::TAX_EVASION, always) {
        let amount = amount_fen(history.rng(), &[(50_000, 5_000_000, 1)], true);
        let criminal = history.rng().chance(share::EVASION_CRIMINAL);
        history.record(
            Source::Tax,
            "tax.evasion",
            date,
            vec![
                ("amount", money(amount)),
                ("criminal", Value::Bool(criminal)),
            ],
        );
    }
    for date in history.occurrences(rate::TAX_FALSE_INVOICES, always) {
        let invoices = history.rng().range(1, 200);
        history.record(
            Source::Tax,
            "tax.false-invoices",
            date,
            vec![("invoices", Value::Int(invoices))],
        );
    }
    for date in history.occurrences(rate::TAX_VIOLENT_REFUSAL, always) {
        history.record(Source::Tax, "tax.violent-refusal", date, Vec::new());
    }
    if industrial {
        for date in history.occurrences(rate::ENV_INDUSTRIAL, always) {
            let rng = history.rng();
            let severity = rng.weighted(&[
                ("minor", 45),
                ("general", 35),
                ("serious", 15),
                ("grave", 5),
            ]);
            let decision = format!(
                "{}环罚〔{}〕{}号",
                region.short,
                date.year(),
                rng.range(1, 999)
            );
            history.record(
                Source::Environment,
                "env.violation",
                date,
                vec![("severity", text(severity)), ("decision", text(decision))],
            );
        }
    }
    history.penalties(rate::PENALTY_ORG, always, &region);
    history.commendations(rate::COMMENDATION_ORG);
    if borrower {
        history.repayments(rate::REPAID_ORG_BORROWER, always, true);
    }
    let overdue = if borrower {
        rate::OVERDUE_ORG_BORROWER
    } else {
        rate::OVERDUE_ORG_OTHER
    };
    history.overdue(overdue, always);
    history.arrears(rate::ARREARS_ORG, always, true);
    // Legacy pilot codes are kept out of the court's records (see the crate documentation).
    if !org.legacy {
        history.court(rate::COURT_ORG, always, &region, None);
    }
}

/// A trader's customs records: certification, and the grounds of dishonesty.
fn customs(history: &mut History, always: Option<(Day, Day)>) {
    if !history.rng().chance(share::TRADER) {
        return;
    }
    if history.rng().chance(share::AEO)
        && let Some(window) = always
    {
        let date = history.day_in(window);
        let certificate = format!("AEOCN{:010}", history.rng().range(1, 9_999_999_999));
        history.record(
            Source::Customs,
            "customs.advanced-certification",
            date,
            vec![("certificate", text(certificate))],
        );
    }
    for date in history.occurrences(rate::CUSTOMS_SMUGGLING, always) {
        let decision = format!(
            "缉私罚字〔{}〕{}号",
            date.year(),
            history.rng().range(1, 999)
        );
        history.record(
            Source::Customs,
            "customs.smuggling",
            date,
            vec![("decision", text(decision))],
        );
    }
    for date in history.occurrences(rate::CUSTOMS_PENALTIES, always) {
        let amount = amount_fen(history.rng(), &[(300_000, 5_000_000, 1)], false);
        history.record(
            Source::Customs,
            "customs.penalties-over-threshold",
            date,
            vec![
                ("year", Value::Int(i64::from(date.year()))),
                ("amount", money(amount)),
            ],
        );
    }
    for date in history.occurrences(rate::CUSTOMS_UNPAID, always) {
        let amount = amount_fen(history.rng(), &[(1_000, 500_000, 1)], true);
        let months = history.rng().range(1, 8);
        history.record(
            Source::Customs,
            "customs.unpaid-taxes",
            date,
            vec![("amount", money(amount)), ("months", Value::Int(months))],
        );
    }
}

/// A food business's hygiene inspections, each with its rating.
fn food(history: &mut History, always: Option<(Day, Day)>, region: &Region) {
    if !history.rng().chance(share::FOOD_BUSINESS) {
        return;
    }
    let premises = format!("{}{}号", region.short, history.rng().range(1, 999));
    let mut dates = history.occurrences(rate::FOOD_INSPECTION, always);
    dates.sort();
    for date in dates {
        let rating = history.rng().weighted(&FOOD_RATINGS);
        history.record(
            Source::Food,
            "food.hygiene-inspection",
            date,
            vec![
                ("rating", Value::Int(rating)),
                ("premises", text(premises.clone())),
            ],
        );
    }
}

/// The yearly tax return for the previous year, due by 31 May: mostly filed on time, sometimes
/// late, occasionally missing.
fn tax_filings(history: &mut History) {
    for year in history.start.year()..=history.end.year() {
        let roll = history.rng().unit();
        let period = (year - 1).to_string();
        let (category, window) = if roll < share::TAX_ON_TIME {
            ("tax.filed-on-time", (ymd(year, 5, 1), ymd(year, 5, 31)))
        } else if roll < share::TAX_ON_TIME + share::TAX_LATE {
            ("tax.late-filing", (ymd(year, 6, 1), ymd(year, 8, 31)))
        } else {
            continue;
        };
        let (Some(lo), Some(hi)) = window else {
            continue;
        };
        let date = history.day_in((lo, hi));
        if date < history.start || date > history.end {
            continue;
        }
        history.record(Source::Tax, category, date, vec![("period", text(period))]);
    }
}

fn ymd(year: i32, month: u32, day: u32) -> Option<Day> {
    Day::from_ymd(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::region_of;

    /// Court cases drawn in bulk for one subject on `date`: the actions that follow them.
    fn follow_ups(date: Day, adult_on: Option<Day>) -> Vec<Action> {
        let start = Day::from_ymd(2020, 1, 1).unwrap_or_default();
        let end = Day::from_ymd(2026, 11, 1).unwrap_or_default();
        let mut history = History::new(Rng::new(5), start, end, 1.0);
        let region = region_of("110105");
        for _ in 0..5_000 {
            history.court_case(date, &region, adult_on);
        }
        history.drafts.iter().map(|d| d.action).collect()
    }

    #[test]
    fn a_court_extends_the_listing_of_an_adult_but_never_of_a_minor() {
        let date = Day::from_ymd(2023, 6, 1).unwrap_or_default();
        let adult_on = |y| Day::from_ymd(y, 1, 1);
        let adult = follow_ups(date, adult_on(2000));
        let organisation = follow_ups(date, None);
        assert!(
            organisation.contains(&Action::Extend),
            "a firm's listing is extended"
        );
        assert!(
            adult.contains(&Action::Extend),
            "an adult's listing is extended"
        );
        let minor = follow_ups(date, adult_on(2024));
        assert!(minor.contains(&Action::Fulfil), "a minor's cases go on");
        assert!(
            !minor.contains(&Action::Extend),
            "a minor's listing is never extended"
        );
    }
}
