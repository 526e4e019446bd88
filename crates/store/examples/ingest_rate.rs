//! Measures durable ingest throughput of the SQLite store: one batch of small events (three
//! attributes each) into a fresh registry, standings recomputed with a trivial closure; then a
//! tenth as many events for the same subjects (so each standing reads the earlier history);
//! then a full scan and a chain check.
//!
//! `cargo run --release -p credence-store --example ingest_rate -- [EVENTS] [EVENTS_PER_SUBJECT]`
//! (defaults: 1000000 events, 4 per subject). The registry is made in a temporary directory
//! (under `$TMPDIR`) and removed afterwards.

use std::time::Instant;

use credence_model::{Action, Attributes, Day, Event, SubjectKind, Value};
use credence_store::{Batch, NewEvent, SqliteStore, Store, SubjectRef};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    let per_subject: usize = args.next().map_or(Ok(4), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let mut store = SqliteStore::create(dir.path())?;
    let batch = make_batch("R", events, per_subject.max(1));

    let started = Instant::now();
    let mut appended_at = None;
    let receipt = store.ingest(
        &batch,
        &mut |_, history| history.len().to_le_bytes().to_vec(),
        &mut |written| {
            if written == events {
                appended_at = Some(started.elapsed().as_secs_f64());
            }
        },
    )?;
    let elapsed = started.elapsed().as_secs_f64();
    println!("events appended after {:.2} s", appended_at.unwrap_or(0.0));
    println!(
        "{} events, {} subjects in {elapsed:.2} s: {:.0} events/s (durable, standings included)",
        receipt.appended,
        receipt.subjects,
        receipt.appended as f64 / elapsed
    );

    let follow_up = make_batch("S", events / 10, per_subject.max(1) / 10 + 1);
    let started = Instant::now();
    let mut follow_appended_at = 0.0;
    let receipt = store.ingest(
        &follow_up,
        &mut |_, history| history.len().to_le_bytes().to_vec(),
        &mut |written| {
            if written == follow_up.events.len() {
                follow_appended_at = started.elapsed().as_secs_f64();
            }
        },
    )?;
    println!("follow-up appended after {follow_appended_at:.2} s");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "follow-up: {} events, {} existing subjects in {elapsed:.2} s: {:.0} events/s",
        receipt.appended,
        receipt.subjects,
        receipt.appended as f64 / elapsed
    );

    for suffix in ["", "-wal"] {
        let file = format!("{}{suffix}", store.path().display());
        let size = std::fs::metadata(&file).map_or(0, |m| m.len());
        println!("{file}: {} MB", size / 1_000_000);
    }
    let started = Instant::now();
    let mut visited = 0usize;
    store.scan(&mut |_, history| visited += history.len())?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "scan: {visited} events in {elapsed:.2} s: {:.0} events/s",
        visited as f64 / elapsed
    );

    let started = Instant::now();
    let report = store.verify_chain(&[credence_store::PublishedHead::Witness(
        store.witness().to_owned(),
    )])?;
    println!(
        "verify_chain: {} events in {:.2} s, problems: {:?}",
        report.events,
        started.elapsed().as_secs_f64(),
        report.problems
    );
    Ok(())
}

/// `events` events spread over subjects with `per_subject` events each, interleaved the way a
/// daily file mixes them (subject `i % subjects`).
fn make_batch(prefix: &str, events: usize, per_subject: usize) -> Batch {
    let subjects = events.div_ceil(per_subject).max(1);
    let events = (0..events)
        .map(|index| {
            let subject = index % subjects;
            let mut attributes = Attributes::new();
            attributes.insert(
                "amount".into(),
                Value::Int(100_000 + (index as i64 * 37) % 9_000_000),
            );
            attributes.insert("case".into(), Value::Text(format!("(2024) C{index:08}")));
            attributes.insert("upheld".into(), Value::Bool(index % 3 == 0));
            NewEvent {
                subject: SubjectRef {
                    pseudonym: format!("{:064x}", subject as u128 * 0x9e37_79b9_7f4a_7c15),
                    kind: SubjectKind::Person,
                    birth: Some(Day(3_000 + (subject % 10_000) as i32)),
                    masked: format!("1101**********{:04}", subject % 10_000),
                },
                event: Event {
                    seq: 0,
                    source: "court".into(),
                    reference: format!("{prefix}{index:010}"),
                    action: Action::Record,
                    category: "judgment".into(),
                    target: None,
                    valid: Day(19_000 + (index % 365) as i32),
                    recorded: Day(20_000),
                    attributes,
                },
                links: Vec::new(),
            }
        })
        .collect();
    Batch {
        source: "court".into(),
        origin: "rate.csv".into(),
        recorded_at_ms: 0,
        events,
    }
}
