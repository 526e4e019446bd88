//! A writer never blocks a reader: checks and reports answer while a large batch is being
//! written (its write transaction open), and a recompute racing an intake leaves no standing
//! computed from a stale history. The interleavings are forced through the progress callbacks,
//! never inferred from timing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_registry::registry::{IngestPhase, Registry, standing_bytes};
use credence_store::{PublishedHead, Store};

const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

/// The `n`th person of a test population: distinct valid resident ids.
fn person(n: usize) -> String {
    let first17 = format!(
        "350203{:04}{:02}{:02}{:03}",
        1950 + n % 50,
        n % 12 + 1,
        n % 28 + 1,
        n / 1400 % 1000
    );
    format!("{first17}{}", resident_id_check_char(&first17).unwrap())
}

fn dishonest(reference: &str, subject: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"2026-06-01","attributes":{{"case":"(2026)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#
    )
}

fn repaid(reference: &str, subject: &str, amount: usize) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"finance.repaid","date":"2026-06-01","attributes":{{"amount":"{amount}.00","on_time":true}}}}"#
    )
}

fn ingest(registry: &mut Registry, source: &str, rows: &[String]) {
    registry
        .ingest(
            &format!("{source}.jsonl"),
            &rows.join("\n"),
            source,
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap();
}

/// Debtors on the court list before the large batch.
const DEBTORS: usize = 20;
/// Rows of the large batch: tens of thousands, seconds of writing in a debug build.
const LARGE_BATCH: usize = 30_000;
/// Checks run while it is written (and a report every tenth).
const CHECKS: usize = 200;

#[test]
fn checks_and_reports_answer_while_a_large_batch_is_written() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let dir = root.path().join("registry");
    let debtors: Vec<String> = (0..DEBTORS).map(person).collect();
    let listed: Vec<String> = debtors
        .iter()
        .enumerate()
        .map(|(i, debtor)| dishonest(&format!("c-{i}"), debtor))
        .collect();
    ingest(&mut registry, "court", &listed);
    // The large batch is about other people.
    let large: String = (0..LARGE_BATCH)
        .map(|i| repaid(&format!("l-{i}"), &person(DEBTORS + i % 10_000), 100 + i))
        .collect::<Vec<_>>()
        .join("\n");

    let (started, writing) = mpsc::channel::<()>();
    let (finished_checks, checked) = mpsc::channel::<()>();
    let intake_done = AtomicBool::new(false);
    let checks_before_commit = std::thread::scope(|scope| {
        let (debtors, dir, intake_done) = (&debtors, &dir, &intake_done);
        let checker = scope.spawn(move || {
            // Waits until the batch's write transaction is open and has written events.
            writing.recv().unwrap();
            // A new handle (a new process would do the same): opening does not wait either.
            let mut reader = Registry::open(dir).unwrap();
            let mut answered = 0;
            for i in 0..CHECKS {
                let debtor = &debtors[i % DEBTORS];
                let answer = reader
                    .check(
                        debtor,
                        "no-flights",
                        day(TODAY),
                        "airline",
                        1_000 + i as i64,
                    )
                    .unwrap_or_else(|e| panic!("check {i} during the batch failed: {e}"));
                assert!(answer.applies, "a listed debtor may not fly: check {i}");
                // Someone the batch is writing about, not yet committed: nothing applies.
                let pending = reader
                    .check(&person(DEBTORS + i), "no-flights", day(TODAY), "airline", 0)
                    .unwrap_or_else(|e| panic!("check of a pending subject failed: {e}"));
                assert!(!pending.applies);
                if i % 10 == 0 {
                    let report = reader
                        .report(debtor, day(TODAY), day(TODAY), 2_000 + i as i64)
                        .unwrap_or_else(|e| panic!("report {i} during the batch failed: {e}"));
                    assert!(!report.standing.lists.is_empty(), "the debtor is listed");
                    assert!(
                        report.accesses.iter().any(|a| a.at_ms == 1_000 + i as i64),
                        "the report shows the check just logged"
                    );
                }
                answered += 1;
            }
            // Every check ran while the batch was still being written: the intake is held
            // inside its transaction until this thread says it is done.
            assert!(!intake_done.load(Ordering::SeqCst));
            finished_checks.send(()).unwrap();
            answered
        });
        let mut signalled = false;
        let receipt = registry
            .ingest(
                "large.jsonl",
                &large,
                "lender",
                day(TODAY),
                0,
                &mut |phase, written| {
                    if phase == IngestPhase::Writing && written > 0 && !signalled {
                        signalled = true;
                        started.send(()).unwrap();
                        // Holds the batch open (its write lock taken) until the checks are done;
                        // a checker that panicked drops its sender and lets the batch go on.
                        let _ = checked.recv();
                    }
                },
            )
            .unwrap();
        intake_done.store(true, Ordering::SeqCst);
        assert!(signalled, "the batch reported its writing");
        assert_eq!(receipt.appended, LARGE_BATCH);
        checker.join().unwrap()
    });
    assert_eq!(checks_before_commit, CHECKS);

    // Every check and report was logged, in a chain that verifies against the witness.
    let report = registry
        .report(&debtors[0], day(TODAY), day(TODAY), 9_000)
        .unwrap();
    let airline = report
        .accesses
        .iter()
        .filter(|a| a.party == "airline")
        .count();
    assert_eq!(airline, CHECKS / DEBTORS);
    let store = registry.store();
    let chain = store
        .verify_chain(&[PublishedHead::Witness(store.witness().to_owned())])
        .unwrap();
    assert_eq!(chain.problems, Vec::<String>::new());
    assert_eq!(
        chain.accesses as usize,
        2 * CHECKS + CHECKS / 10 + 1,
        "every check, every report"
    );
}

#[test]
fn a_recompute_racing_an_intake_stores_no_stale_standing() {
    let root = tempfile::tempdir().unwrap();
    let mut registry = common::shipped_registry(root.path());
    let dir = root.path().join("registry");
    let subject = person(1);
    let bystander = person(2);
    ingest(
        &mut registry,
        "lender",
        &[repaid("r-1", &subject, 100), repaid("r-2", &bystander, 200)],
    );
    let pseudonym = registry.pseudonym_of(&subject).unwrap();
    let id = registry.store().subject(&pseudonym).unwrap().unwrap().id;
    let before = registry.store().events(id).unwrap();

    // The recompute reads every subject and evaluates them; before it writes, a batch from
    // another handle lists the subject.
    let mut raced = false;
    registry
        .recompute(day(TODAY), &mut |evaluated| {
            if evaluated > 0 && !raced {
                raced = true;
                let mut other = Registry::open(&dir).unwrap();
                ingest(&mut other, "court", &[dishonest("c-1", &subject)]);
            }
        })
        .unwrap();
    assert!(raced);

    let store = registry.store();
    let stored_subject = store.subject(&pseudonym).unwrap().unwrap();
    let now = store.events(id).unwrap();
    assert_eq!(now.len(), before.len() + 1, "the batch committed");
    let policy = registry.policy();
    let mut evaluator = credence_engine::Evaluator::default();
    let fresh = standing_bytes(&mut evaluator, policy, &stored_subject, &now, day(TODAY));
    let stale = standing_bytes(&mut evaluator, policy, &stored_subject, &before, day(TODAY));
    assert_ne!(fresh, stale, "the listing changes the standing");
    assert_eq!(
        store.standing(id).unwrap().unwrap(),
        fresh,
        "the stored standing is the one of the history as it now is"
    );
    let bystander_id = store
        .subject(&registry.pseudonym_of(&bystander).unwrap())
        .unwrap()
        .unwrap();
    let bystander_events = store.events(bystander_id.id).unwrap();
    assert_eq!(
        store.standing(bystander_id.id).unwrap().unwrap(),
        standing_bytes(
            &mut evaluator,
            policy,
            &bystander_id,
            &bystander_events,
            day(TODAY)
        )
    );
}
