//! `evaluate` for one subject: compact (the population path) and explained (the report path).

#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    reason = "a benchmark reads the shipped packs"
)]

use std::path::Path;

use credence_engine::{CompactLayout, Evaluator, History};
use credence_model::{Action, Day, Event, SubjectFacts, SubjectKind, Value};
use credence_policy::{PolicySource, compile};
use criterion::{Criterion, criterion_group, criterion_main};

fn policy() -> credence_policy::Policy {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut sources: Vec<PolicySource> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    compile(&sources).unwrap()
}

fn event(
    reference: &str,
    action: Action,
    category: &str,
    date: &str,
    attributes: &[(&str, Value)],
) -> Event {
    let day = Day::parse(date).unwrap();
    Event {
        seq: 0,
        source: "s".into(),
        reference: reference.into(),
        action,
        category: category.into(),
        target: None,
        valid: day,
        recorded: day,
        attributes: attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

/// Ten events: consent, traffic, repayments, an overdue loan, volunteering, a court finding.
fn ten_events() -> Vec<Event> {
    let text = |t: &str| Value::Text(t.into());
    vec![
        event("e0", Action::Consent, "civic-points", "2024-01-02", &[]),
        event(
            "e1",
            Action::Record,
            "traffic.violation",
            "2024-02-01",
            &[
                ("severity", text("serious")),
                ("licence_points", Value::Int(6)),
            ],
        ),
        event(
            "e2",
            Action::Record,
            "finance.repaid",
            "2024-03-01",
            &[
                ("amount", Value::Int(500_000)),
                ("on_time", Value::Bool(true)),
            ],
        ),
        event(
            "e3",
            Action::Record,
            "finance.repaid",
            "2024-04-01",
            &[
                ("amount", Value::Int(500_000)),
                ("on_time", Value::Bool(true)),
            ],
        ),
        event(
            "e4",
            Action::Record,
            "finance.overdue",
            "2024-05-01",
            &[("amount", Value::Int(1_200_000)), ("days", Value::Int(60))],
        ),
        event(
            "e5",
            Action::Record,
            "civic.volunteering",
            "2024-06-01",
            &[("hours", Value::Int(4))],
        ),
        event(
            "e6",
            Action::Record,
            "civic.volunteering",
            "2024-07-01",
            &[("hours", Value::Int(6))],
        ),
        event(
            "e7",
            Action::Record,
            "utilities.arrears",
            "2024-08-01",
            &[("amount", Value::Int(30_000)), ("months", Value::Int(2))],
        ),
        event(
            "e8",
            Action::Record,
            "court.dishonest-conduct",
            "2024-09-01",
            &[
                ("case", text("A-1")),
                ("court", text("X")),
                ("ground", text("refuses")),
            ],
        ),
        event(
            "e9",
            Action::Record,
            "traffic.violation",
            "2024-10-01",
            &[("severity", text("minor"))],
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let policy = policy();
    let facts = SubjectFacts {
        kind: SubjectKind::Person,
        birth: Some(Day::parse("1980-01-01").unwrap()),
    };
    let events = ten_events();
    let history = History::build(&policy, facts, &events);
    let layout = CompactLayout::new(&policy);
    let mut out = vec![0; layout.width()];
    let mut evaluator = Evaluator::default();
    let day = Day::parse("2025-01-01").unwrap();
    c.bench_function("evaluate 10 events, compact, every shipped pack", |b| {
        b.iter(|| {
            evaluator.compact(
                &policy,
                history.view().unwrap(),
                day,
                day,
                &layout,
                &mut out,
            )
        })
    });
    c.bench_function("evaluate 10 events, explained, every shipped pack", |b| {
        b.iter(|| evaluator.explain(&policy, &history, &events, day, day))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
