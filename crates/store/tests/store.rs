#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! Behaviour of a store through the `Store` trait, the same tests on every backend (SQLite, and
//! PostgreSQL at `CREDENCE_TEST_DATABASE_URL`, each test in a schema of its own): creation and
//! opening, idempotent and atomic ingest, standings, the keyed chain, links, scans, durability
//! across a reopen and across a process killed in the middle of a batch.
//!
//! Each test is a function generic over a [`Backend`]; `suite!` instantiates all of them for
//! one backend. Subject ids are the backend's (dense on SQLite, derived from the pseudonym on
//! PostgreSQL): tests look them up, and expect "subject order" to be the order of those ids.

mod backends;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;

use backends::{Backend, Place};
use credence_model::{Action, Attributes, Day, Event, SubjectKind, Value};
use credence_store::sqlite::{content_hash, hex};
use credence_store::{
    Access, Batch, ChainReport, NewEvent, PolicyRecord, PublishedHead, SourceRecord,
    StandingUpdate, Store, StoreError, StoreStats, StoredSubject, SubjectRef, TokenRecord,
};

const CRASH_PLACE: &str = "CREDENCE_STORE_CRASH_PLACE";

fn pseudonym(n: usize) -> String {
    format!("{n:064x}")
}

fn new_event(reference: &str, subject: usize, amount: i64) -> NewEvent {
    let mut attributes = Attributes::new();
    attributes.insert("amount".into(), Value::Int(amount));
    attributes.insert("case".into(), Value::Text(format!("case {reference}")));
    NewEvent {
        subject: SubjectRef {
            pseudonym: pseudonym(subject),
            kind: SubjectKind::Person,
            birth: Some(Day(10_000 + subject as i32)),
            masked: format!("****{subject:04}"),
        },
        event: Event {
            seq: 0,
            source: "court".into(),
            reference: reference.into(),
            action: Action::Record,
            category: "judgment".into(),
            target: None,
            valid: Day(19_000),
            recorded: Day(19_100),
            attributes,
        },
        links: Vec::new(),
    }
}

fn batch(events: Vec<NewEvent>) -> Batch {
    Batch {
        source: "court".into(),
        origin: "test.csv".into(),
        recorded_at_ms: 1_700_000_000_000,
        events,
    }
}

/// `n` events `<prefix>-<i>` spread over subjects `first_subject..first_subject + subjects`.
fn many(prefix: &str, n: usize, first_subject: usize, subjects: usize) -> Batch {
    batch(
        (0..n)
            .map(|i| {
                new_event(
                    &format!("{prefix}-{i}"),
                    first_subject + i % subjects,
                    i as i64,
                )
            })
            .collect(),
    )
}

/// A standing that shows exactly what the closure saw: the subject and every seq.
fn standing_of(subject: &StoredSubject, events: &[Event]) -> Vec<u8> {
    let seqs: Vec<String> = events.iter().map(|event| event.seq.to_string()).collect();
    format!("{}:{}", subject.pseudonym, seqs.join(",")).into_bytes()
}

fn ingest(
    store: &mut impl Store,
    batch: &Batch,
) -> Result<credence_store::BatchReceipt, StoreError> {
    store.ingest(batch, &mut standing_of, &mut |_| {})
}

fn fresh<B: Backend>() -> (Place, B::S) {
    let place = B::place();
    let store = B::create(&place).unwrap();
    (place, store)
}

/// The id the store gave subject `n` (which must be stored).
fn id(store: &impl Store, n: usize) -> i64 {
    store.subject(&pseudonym(n)).unwrap().unwrap().id
}

/// The ids of subjects `ns`, in the store's subject order.
fn ids_in_order(store: &impl Store, ns: &[usize]) -> Vec<i64> {
    let mut ids: Vec<i64> = ns.iter().map(|&n| id(store, n)).collect();
    ids.sort_unstable();
    ids
}

/// Everything a failed or killed batch must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    stats: StoreStats,
    chain: ChainReport,
    /// Every subject the store holds, by pseudonym, with its standing.
    standings: Vec<(String, Option<Vec<u8>>)>,
}

fn snapshot<B: Backend>(store: &B::S) -> Snapshot {
    let stats = store.stats().unwrap();
    let chain = verified::<B>(store);
    assert_eq!(chain.problems, Vec::<String>::new());
    let mut standings = Vec::new();
    store
        .scan(&mut |subject, _| {
            standings.push((subject.pseudonym.clone(), None));
        })
        .unwrap();
    for (pseudonym, standing) in &mut standings {
        let subject = store.subject(pseudonym).unwrap().unwrap();
        *standing = store.standing(subject.id).unwrap();
    }
    assert_eq!(
        standings.len() as u64,
        stats.subjects,
        "every subject has events"
    );
    Snapshot {
        stats,
        chain,
        standings,
    }
}

/// The whole history replayed against the store's own witness file.
fn verified<B: Backend>(store: &B::S) -> ChainReport {
    store
        .verify_chain(&[PublishedHead::Witness(B::witness(store))])
        .unwrap()
}

fn create_then_open_keeps_key_policies_and_sources<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    let key = store.pseudonym_key().unwrap();
    assert_eq!(key.len(), 32);
    assert_ne!(key, vec![0; 32]);
    let policies = vec![
        PolicyRecord {
            name: "retention".into(),
            text: "five years".into(),
        },
        PolicyRecord {
            name: "minors".into(),
            text: "never listed".into(),
        },
    ];
    let sources = vec![SourceRecord {
        id: "court".into(),
        title: "People's Court".into(),
        categories: vec!["judgment".into()],
    }];
    store.publish(&policies, &sources).unwrap();
    drop(store);

    let store = B::open(&dir).unwrap();
    assert_eq!(store.pseudonym_key().unwrap(), key);
    let names: Vec<String> = store
        .policies()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["minors", "retention"], "in force, in name order");
    assert_eq!(store.sources().unwrap(), sources);
    assert_eq!(store.stats().unwrap(), StoreStats::default());
}

fn two_registries_get_different_keys<B: Backend>() {
    let (_a, first) = fresh::<B>();
    let (_b, second) = fresh::<B>();
    assert_ne!(
        first.pseudonym_key().unwrap(),
        second.pseudonym_key().unwrap()
    );
}

fn republishing_replaces_what_is_in_force_and_keeps_old_versions<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    let old = [PolicyRecord {
        name: "retention".into(),
        text: "five years".into(),
    }];
    let source = |id: &str| SourceRecord {
        id: id.into(),
        title: id.into(),
        categories: vec!["a\"b".into()],
    };
    store
        .publish(&old, &[source("court"), source("bank")])
        .unwrap();
    let new = [PolicyRecord {
        name: "retention".into(),
        text: "three years".into(),
    }];
    store.publish(&new, &[source("bank")]).unwrap();
    assert_eq!(store.policies().unwrap(), new);
    assert_eq!(store.sources().unwrap(), [source("bank")]);
    assert_eq!(B::count(&dir, "SELECT count(*) FROM policy"), 2);
}

fn open_refuses_what_is_not_a_registry<B: Backend>() {
    let places = B::non_registries();
    assert!(!places.is_empty());
    for place in &places {
        match B::open(place) {
            Err(StoreError::NotARegistry { .. }) => {}
            other => panic!("{place:?}: expected NotARegistry, got {other:?}"),
        }
    }
}

fn create_refuses_an_existing_registry<B: Backend>() {
    let (dir, store) = fresh::<B>();
    drop(store);
    assert!(matches!(
        B::create(&dir),
        Err(StoreError::AlreadyExists { .. })
    ));
    B::open(&dir).unwrap();
}

fn open_refuses_a_newer_schema<B: Backend>() {
    let (dir, store) = fresh::<B>();
    drop(store);
    B::set_schema_version(&dir, 999);
    match B::open(&dir) {
        Err(StoreError::SchemaVersion {
            found: 999,
            supported,
        }) => assert!(supported < 999),
        other => panic!("expected SchemaVersion, got {other:?}"),
    }
}

fn ingest_appends_in_order_and_counts<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let first = batch(vec![
        new_event("a", 1, 10),
        new_event("b", 2, 20),
        new_event("c", 1, 30),
    ]);
    let receipt = ingest(&mut store, &first).unwrap();
    assert_eq!(
        (receipt.appended, receipt.unchanged, receipt.subjects),
        (3, 0, 2)
    );
    assert_eq!(receipt.head.len(), 64);

    let one = store.subject(&pseudonym(1)).unwrap().unwrap();
    assert_eq!(
        (one.kind, one.birth, one.masked.as_str()),
        (SubjectKind::Person, Some(Day(10_001)), "****0001")
    );
    assert_ne!(one.id, id(&store, 2));
    let events = store.events(one.id).unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(events[1].reference, "c");
    assert_eq!(events[1].attributes, first.events[2].event.attributes);
    assert_eq!(
        events[1],
        Event {
            seq: 3,
            ..first.events[2].event.clone()
        }
    );

    let second = batch(vec![new_event("d", 2, 40)]);
    let receipt = ingest(&mut store, &second).unwrap();
    assert_eq!((receipt.appended, receipt.subjects), (1, 1));
    assert_eq!(
        store
            .events(id(&store, 2))
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [2, 4]
    );
    assert_eq!(
        store.stats().unwrap(),
        StoreStats {
            subjects: 2,
            events: 4,
            batches: 2,
            standings: 2
        }
    );
    assert_eq!(store.subject(&pseudonym(3)).unwrap(), None);
}

fn the_same_batch_again_is_unchanged<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let daily = many("r", 50, 1, 7);
    let first = ingest(&mut store, &daily).unwrap();
    let standings_before = snapshot::<B>(&store).standings;
    let again = ingest(&mut store, &daily).unwrap();
    assert_eq!(
        (again.appended, again.unchanged, again.subjects),
        (0, 50, 0)
    );
    assert_ne!(
        again.head, first.head,
        "a resubmission is a batch of the chain too"
    );
    assert!(verified::<B>(&store).head.ends_with(&again.head));
    assert_eq!(
        store.stats().unwrap(),
        StoreStats {
            subjects: 7,
            events: 50,
            batches: 2,
            standings: 7
        }
    );
    assert_eq!(snapshot::<B>(&store).standings, standings_before);

    // Recorded on another day: still the same content.
    let mut later = daily.clone();
    for new in &mut later.events {
        new.event.recorded = Day(20_000);
    }
    assert_eq!(ingest(&mut store, &later).unwrap().unchanged, 50);
}

fn a_changed_event_under_a_known_reference_writes_nothing<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 20, 1, 4)).unwrap();
    let before = snapshot::<B>(&store);
    // New events first, so the failure comes after writes that must be undone.
    let mut events: Vec<NewEvent> = (0..5)
        .map(|i| new_event(&format!("new-{i}"), 9, i))
        .collect();
    events.push(new_event("r-3", 4, 999_999));
    match ingest(&mut store, &batch(events)) {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("r-3"), "{message}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(snapshot::<B>(&store), before);
    assert_eq!(store.subject(&pseudonym(9)).unwrap(), None);
}

fn a_resubmission_with_another_subject_is_a_change<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(&mut store, &batch(vec![new_event("r", 1, 5)])).unwrap();
    assert!(matches!(
        ingest(&mut store, &batch(vec![new_event("r", 2, 5)])),
        Err(StoreError::Corrupt(_))
    ));
}

fn standings_are_written_for_touched_subjects_from_their_whole_history<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(
        &mut store,
        &batch(vec![
            new_event("a", 1, 1),
            new_event("b", 2, 2),
            new_event("c", 1, 3),
        ]),
    )
    .unwrap();
    let (one, two) = (id(&store, 1), id(&store, 2));
    assert_eq!(
        store.standing(one).unwrap().unwrap(),
        format!("{}:1,3", pseudonym(1)).into_bytes()
    );
    assert_eq!(
        store.standing(two).unwrap().unwrap(),
        format!("{}:2", pseudonym(2)).into_bytes()
    );

    let mut seen: Vec<(i64, Vec<Event>)> = Vec::new();
    let second = batch(vec![
        new_event("d", 3, 4),
        new_event("e", 1, 5),
        new_event("a", 1, 1),
    ]);
    let receipt = store
        .ingest(
            &second,
            &mut |subject, events| {
                seen.push((subject.id, events.to_vec()));
                format!("v2 {}", events.len()).into_bytes()
            },
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(
        (receipt.appended, receipt.unchanged, receipt.subjects),
        (2, 1, 2)
    );
    // Subject 2 was not touched: its standing is the first batch's.
    assert_eq!(
        store.standing(two).unwrap().unwrap(),
        format!("{}:2", pseudonym(2)).into_bytes()
    );
    let three = id(&store, 3);
    assert_eq!(store.standing(one).unwrap().unwrap(), b"v2 3");
    assert_eq!(store.standing(three).unwrap().unwrap(), b"v2 1");
    let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        ids_in_order(&store, &[1, 3]),
        "each touched subject once, in id order"
    );
    // The closure saw exactly what the store holds, earlier batches included.
    let (of_one, of_three) = if one < three { (0, 1) } else { (1, 0) };
    assert_eq!(seen[of_one].1, store.events(one).unwrap());
    assert_eq!(
        seen[of_one].1.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 3, 5]
    );
    assert_eq!(seen[of_three].1, store.events(three).unwrap());
}

fn a_subject_keeps_the_facts_it_was_created_with<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let mut later = new_event("b", 1, 2);
    later.subject.masked = "changed".into();
    later.subject.kind = SubjectKind::Organisation;
    ingest(&mut store, &batch(vec![new_event("a", 1, 1), later])).unwrap();
    let subject = store.subject(&pseudonym(1)).unwrap().unwrap();
    assert_eq!(
        (subject.kind, subject.masked.as_str()),
        (SubjectKind::Person, "****0001")
    );
}

fn a_panic_while_recomputing_leaves_the_store_as_it_was<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 30, 1, 5)).unwrap();
    let before = snapshot::<B>(&store);

    let next = many("s", 40, 3, 6);
    let mut calls = 0;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        store.ingest(
            &next,
            &mut |subject, events| {
                calls += 1;
                assert!(calls < 3, "recompute fails on its third subject");
                standing_of(subject, events)
            },
            &mut |_| {},
        )
    }));
    assert!(outcome.is_err());
    assert_eq!(snapshot::<B>(&store), before);

    let receipt = ingest(&mut store, &next).unwrap();
    assert_eq!(receipt.appended, 40);
    assert_eq!(store.stats().unwrap().events, 70);
    assert_eq!(verified::<B>(&store).problems, Vec::<String>::new());
}

/// Re-runs this very test in a child process that aborts (SIGABRT: no unwinding, no
/// destructors, no rollback) in the middle of a large batch, then checks in the parent that
/// the store is exactly as it was before the child ran.
fn a_process_killed_mid_batch_leaves_the_store_as_it_was<B: Backend>() {
    let name = format!(
        "{}::a_process_killed_mid_batch_leaves_the_store_as_it_was",
        B::NAME
    );
    if let Ok(place) = std::env::var(CRASH_PLACE) {
        let mut store = B::open(&B::place_from_env(&place)).unwrap();
        // Touches the parent's subjects too, so their standings would change.
        let big = many("big", 300_000, 1, 50_000);
        let _ = store.ingest(&big, &mut standing_of, &mut |written| {
            if written >= 100_000 {
                std::process::abort();
            }
        });
        return; // Not reached; if it were, the parent sees a successful exit and fails.
    }
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("small", 100, 1, 10)).unwrap();
    let before = snapshot::<B>(&store);
    drop(store);

    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--nocapture"])
        .env(CRASH_PLACE, B::place_to_env(&dir))
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "the child must have been killed, got {status}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(6),
            "the child must have aborted mid-batch (SIGABRT), got {status}"
        );
    }

    let store = B::open(&dir).unwrap();
    assert_eq!(snapshot::<B>(&store), before);
    assert_eq!(verified::<B>(&store).problems, Vec::<String>::new());
}

const ACKNOWLEDGED_PLACE: &str = "CREDENCE_STORE_ACKNOWLEDGED_PLACE";

/// The other half of atomicity: a batch `ingest` acknowledged survives the process being
/// killed at once, before anything is closed or flushed by a destructor.
fn an_acknowledged_batch_survives_the_process_being_killed<B: Backend>() {
    let name = format!(
        "{}::an_acknowledged_batch_survives_the_process_being_killed",
        B::NAME
    );
    if let Ok(place) = std::env::var(ACKNOWLEDGED_PLACE) {
        let mut store = B::open(&B::place_from_env(&place)).unwrap();
        let receipt = store
            .ingest(
                &many("ack", 50_000, 1, 5_000),
                &mut standing_of,
                &mut |_| {},
            )
            .unwrap();
        println!("head {}", receipt.head);
        std::process::abort(); // No destructor runs: the connection is never closed.
    }
    let (dir, store) = fresh::<B>();
    drop(store);
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--nocapture"])
        .env(ACKNOWLEDGED_PLACE, B::place_to_env(&dir))
        .output()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            output.status.signal(),
            Some(6),
            "the child aborts after the acknowledgement"
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let head = stdout
        .lines()
        .find_map(|l| l.strip_prefix("head "))
        .expect("the child acknowledged the batch")
        .to_owned();
    let store = B::open(&dir).unwrap();
    assert_eq!(store.stats().unwrap().events, 50_000);
    let chain = verified::<B>(&store);
    assert!(
        chain.head.ends_with(&head) && chain.problems.is_empty(),
        "{chain:?}"
    );
    assert_eq!(store.stats().unwrap().standings, 5_000);
}

fn verify_chain_finds_the_event_edited_behind_the_stores_back<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 10, 1, 3)).unwrap();
    ingest(&mut store, &many("s", 10, 2, 3)).unwrap();
    let intact = verified::<B>(&store);
    assert_eq!((intact.events, intact.problems.len()), (20, 0));

    B::allow_edits(&dir);
    B::execute(
        &dir,
        "UPDATE event SET attributes = '{\"amount\":1}' WHERE seq = 13",
    )
    .unwrap();
    let report = verified::<B>(&store);
    assert_eq!(report.events, 20);
    assert!(
        report.problems.iter().any(|p| p.contains("event 13")),
        "{report:?}"
    );
}

fn verify_chain_finds_a_removed_last_event<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 5, 1, 2)).unwrap();
    B::allow_edits(&dir);
    B::execute(&dir, "DELETE FROM event WHERE seq = 5").unwrap();
    let report = verified::<B>(&store);
    assert!(!report.problems.is_empty(), "{report:?}");
}

fn the_store_refuses_to_update_events<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 2, 1, 1)).unwrap();
    assert!(B::execute(&dir, "UPDATE event SET valid = 0 WHERE seq = 1").is_err());
    assert!(B::execute(&dir, "DELETE FROM event").is_err());
    assert_eq!(B::count(&dir, "SELECT count(*) FROM event"), 2);
}

fn a_row_that_does_not_decode_is_reported_with_its_seq<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 3, 1, 1)).unwrap();
    B::allow_edits(&dir);
    B::execute(&dir, "UPDATE event SET action = 'delete' WHERE seq = 2").unwrap();
    match store.events(id(&store, 1)) {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("event 2"), "{message}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    B::execute(
        &dir,
        "UPDATE event SET action = 'record', attributes = '{\"a\":' WHERE seq = 2",
    )
    .unwrap();
    match store.scan(&mut |_, _| {}) {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("event 2"), "{message}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

fn linked_to_finds_the_subjects_whose_events_name_the_link<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let representative = pseudonym(100);
    let mut for_org = new_event("a", 1, 1);
    for_org.subject.kind = SubjectKind::Organisation;
    for_org.links = vec![representative.clone()];
    let mut for_other_org = new_event("b", 2, 2);
    for_other_org.links = vec![pseudonym(7), representative.clone()];
    let mut again = new_event("c", 1, 3);
    again.links = vec![representative.clone()];
    ingest(
        &mut store,
        &batch(vec![for_org, for_other_org, again, new_event("d", 3, 4)]),
    )
    .unwrap();

    let linked: Vec<i64> = store
        .linked_to(&representative)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        linked,
        ids_in_order(&store, &[1, 2]),
        "each subject once, in id order"
    );
    assert_eq!(
        store.linked_to(&pseudonym(7)).unwrap()[0].pseudonym,
        pseudonym(2)
    );
    assert!(store.linked_to(&pseudonym(3)).unwrap().is_empty());
}

fn scan_visits_every_subject_in_order_with_all_its_events<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 25, 1, 4)).unwrap();
    ingest(&mut store, &many("s", 9, 3, 3)).unwrap();
    let mut visits: Vec<(i64, Vec<Event>)> = Vec::new();
    store
        .scan(&mut |subject, events| visits.push((subject.id, events.to_vec())))
        .unwrap();
    assert_eq!(
        visits.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ids_in_order(&store, &[1, 2, 3, 4, 5])
    );
    for (id, events) in &visits {
        assert_eq!(events, &store.events(*id).unwrap());
    }
    assert_eq!(
        visits.iter().map(|(_, events)| events.len()).sum::<usize>(),
        34
    );

    let (_empty_dir, empty) = fresh::<B>();
    let mut called = false;
    empty.scan(&mut |_, _| called = true).unwrap();
    assert!(!called);
}

fn known_references_reports_what_is_stored_in_the_order_asked<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let daily = many("r", 1_200, 1, 10);
    ingest(&mut store, &daily).unwrap();
    let mut asked: Vec<String> = (0..1_200).rev().map(|i| format!("r-{i}")).collect();
    asked.insert(600, "unknown".into());
    let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
    let known = store.known_references("court", &asked).unwrap();
    assert_eq!(known.len(), asked.len());
    assert!(known[600].is_none());
    let r7 = known[asked.iter().position(|r| *r == "r-7").unwrap()]
        .clone()
        .unwrap();
    let stored = &daily.events[7];
    assert_eq!(r7.subject, stored.subject.pseudonym);
    assert_eq!(
        (r7.action, r7.category.as_str()),
        (Action::Record, "judgment")
    );
    assert_eq!(
        r7.content,
        hex(&content_hash(&stored.subject.pseudonym, &stored.event))
    );
    assert_eq!(known.iter().filter(|k| k.is_some()).count(), 1_200);
    assert!(
        store.known_references("bank", &["r-7"]).unwrap()[0].is_none(),
        "references are per source"
    );
}

fn update(store: &impl Store, subject: i64, body: &[u8]) -> StandingUpdate {
    StandingUpdate {
        subject,
        events: store.events(subject).unwrap().len(),
        body: body.to_vec(),
    }
}

/// A recompute closure that must not be called.
fn never(_: &StoredSubject, _: &[Event]) -> Vec<u8> {
    panic!("no subject's history changed: nothing is computed again")
}

fn put_standings_replaces_in_one_go<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 6, 1, 3)).unwrap();
    let (one, two, three) = (id(&store, 1), id(&store, 2), id(&store, 3));
    let updates = [update(&store, one, b"one"), update(&store, three, b"three")];
    assert_eq!(store.put_standings(&updates, &mut never).unwrap(), 0);
    assert_eq!(store.standing(one).unwrap().unwrap(), b"one");
    assert_eq!(store.standing(three).unwrap().unwrap(), b"three");
    assert!(
        store
            .standing(two)
            .unwrap()
            .unwrap()
            .starts_with(pseudonym(2).as_bytes())
    );
    // A standing for a subject that does not exist fails, and takes the others with it.
    let updates = [update(&store, two, b"two"), update(&store, 99, b"x")];
    assert!(store.put_standings(&updates, &mut never).is_err());
    assert!(
        store
            .standing(two)
            .unwrap()
            .unwrap()
            .starts_with(pseudonym(2).as_bytes())
    );
}

fn a_standing_computed_before_a_batch_grew_the_subject_is_computed_again<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    ingest(&mut store, &many("r", 6, 1, 3)).unwrap();
    let (one, two) = (id(&store, 1), id(&store, 2));
    // A recompute reads subjects 1 and 2 and evaluates them...
    let read = [
        update(&store, one, b"stale one"),
        update(&store, two, b"two"),
    ];
    // ...while another handle commits a batch that appends to subject 1...
    let mut other = B::open(&dir).unwrap();
    ingest(&mut other, &batch(vec![new_event("late", 1, 7)])).unwrap();
    let after_batch = store.standing(one).unwrap().unwrap();
    // ...then writes what it computed: subject 1 is computed again from its history as it is.
    let mut seen = Vec::new();
    let again = store
        .put_standings(&read, &mut |subject, events| {
            seen.push(subject.id);
            standing_of(subject, events)
        })
        .unwrap();
    assert_eq!(again, 1);
    assert_eq!(seen, [one]);
    let stored = store.standing(one).unwrap().unwrap();
    assert_ne!(stored, b"stale one", "the stale standing is not written");
    let now = store.events(one).unwrap();
    assert_eq!(now.len(), 3, "two events before the batch, one from it");
    let subject = store.subject(&pseudonym(1)).unwrap().unwrap();
    assert_eq!(stored, standing_of(&subject, &now));
    assert_eq!(
        stored, after_batch,
        "the same history gives the same standing"
    );
    assert_eq!(store.standing(two).unwrap().unwrap(), b"two");
}

fn a_reopened_store_has_everything_it_acknowledged<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    let receipt = ingest(&mut store, &many("r", 500, 1, 20)).unwrap();
    let before = snapshot::<B>(&store);
    let events = store.events(id(&store, 4)).unwrap();
    drop(store);
    let mut store = B::open(&dir).unwrap();
    assert_eq!(snapshot::<B>(&store), before);
    assert!(verified::<B>(&store).head.ends_with(&receipt.head));
    assert_eq!(store.events(id(&store, 4)).unwrap(), events);
    // And the chain goes on from where it was.
    let next = ingest(&mut store, &many("s", 5, 1, 5)).unwrap();
    assert_eq!(next.appended, 5);
    assert_eq!(verified::<B>(&store).problems, Vec::<String>::new());
}

fn progress_is_reported_every_ten_thousand_events_and_at_the_end<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    let mut reported = Vec::new();
    store
        .ingest(&many("r", 25_000, 1, 100), &mut standing_of, &mut |n| {
            reported.push(n)
        })
        .unwrap();
    assert_eq!(reported, [10_000, 20_000, 25_000]);
}

fn the_access_log_keeps_every_access_in_order_and_cannot_be_edited<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    let access = |party: &str, at_ms: i64| Access {
        subject: pseudonym(1),
        party: party.into(),
        purpose: "check no-flights".into(),
        day: Day(20_000 + at_ms as i32),
        at_ms,
        outcome: "applies".into(),
    };
    store.log_access(&access("airline", 10)).unwrap();
    store.log_access(&access("railway", 5)).unwrap();
    store
        .log_access(&Access {
            subject: pseudonym(2),
            ..access("hotel", 7)
        })
        .unwrap();
    let log = store.accesses(&pseudonym(1)).unwrap();
    assert_eq!(
        log,
        [access("airline", 10), access("railway", 5)],
        "in the order they happened"
    );
    assert!(store.accesses(&pseudonym(3)).unwrap().is_empty());
    assert!(B::execute(&dir, "UPDATE access SET party = 'nobody'").is_err());
    assert!(B::execute(&dir, "DELETE FROM access").is_err());
    drop(store);
    let store = B::open(&dir).unwrap();
    assert_eq!(
        store.accesses(&pseudonym(1)).unwrap().len(),
        2,
        "the log survives reopening"
    );
}

fn an_access_keeps_the_registrys_date<B: Backend>() {
    let (dir, mut store) = fresh::<B>();
    let registry_date = Day::parse("2026-11-01").unwrap();
    // Wall-clock time a month later than the registry's date (a registry run with --today).
    let at_ms = 1_796_083_200_000;
    store
        .log_access(&Access {
            subject: pseudonym(1),
            party: "airline".into(),
            purpose: "check no-flights".into(),
            day: registry_date,
            at_ms,
            outcome: "applies".into(),
        })
        .unwrap();
    let log = store.accesses(&pseudonym(1)).unwrap();
    assert_eq!(log[0].day, registry_date);
    assert_ne!(log[0].day, credence_store::Stamp::utc_day(at_ms));
    drop(dir);
}

fn a_batch_recorded_before_the_latest_recorded_day_writes_nothing<B: Backend>() {
    let (_dir, mut store) = fresh::<B>();
    assert_eq!(store.latest_recorded().unwrap(), None);
    ingest(&mut store, &batch(vec![new_event("a", 1, 100)])).unwrap();
    assert_eq!(store.latest_recorded().unwrap(), Some(Day(19_100)));
    let before = snapshot::<B>(&store);
    let mut earlier = new_event("b", 2, 100);
    earlier.event.recorded = Day(19_099);
    match ingest(&mut store, &batch(vec![earlier])) {
        Err(StoreError::RecordedBackwards { recorded, latest }) => {
            assert_eq!((recorded, latest), (Day(19_099), Day(19_100)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot::<B>(&store), before);
    // The same day, and later days, are fine.
    ingest(&mut store, &batch(vec![new_event("c", 2, 100)])).unwrap();
    let mut later = new_event("d", 3, 100);
    later.event.recorded = Day(19_101);
    ingest(&mut store, &batch(vec![later])).unwrap();
}

fn a_key_file_others_may_read_is_refused_with_the_fix<B: Backend>() {
    use std::os::unix::fs::PermissionsExt;
    let (place, store) = fresh::<B>();
    drop(store);
    let key_file = place.paths().key_file;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = B::open(&place).unwrap_err();
    assert!(matches!(error, StoreError::KeyExposed { mode: 0o644, .. }));
    let message = error.to_string();
    assert!(
        message.contains("chmod 600") && message.contains(&key_file.display().to_string()),
        "{message}"
    );
}

fn a_replaced_key_is_refused<B: Backend>() {
    let (a, first) = fresh::<B>();
    let (b, second) = fresh::<B>();
    drop((first, second));
    std::fs::copy(b.paths().key_file, a.paths().key_file).unwrap();
    let error = B::open(&a).unwrap_err();
    assert!(matches!(error, StoreError::Tampered(_)), "{error}");
    assert!(error.to_string().contains("history altered"), "{error}");
}

fn create_refuses_an_existing_key_file_and_leaves_nothing<B: Backend>() {
    let place = B::place();
    let paths = place.paths();
    std::fs::create_dir_all(&paths.dir).unwrap();
    std::fs::write(&paths.key_file, "an older registry's key").unwrap();
    let error = B::create(&place).unwrap_err();
    assert!(
        matches!(&error, StoreError::KeyFile { why, .. } if why.contains("already exists")),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(&paths.key_file).unwrap(),
        "an older registry's key",
        "the key file is left as it was"
    );
    assert!(!paths.witness.exists(), "no witness file is left behind");
    std::fs::remove_file(&paths.key_file).unwrap();
    B::create(&place).unwrap();
}

fn token(n: u8, role: &str, principal: &str) -> TokenRecord {
    let hash = format!("{n:02x}").repeat(32);
    TokenRecord {
        id: hash[..12].to_owned(),
        hash,
        role: role.to_owned(),
        principal: principal.to_owned(),
        label: principal.to_owned(),
        issued_at_ms: 1_000 + i64::from(n),
        revoked_at_ms: None,
    }
}

fn tokens_are_kept_by_hash_listed_and_revoked<B: Backend>() {
    let (_place, mut store) = fresh::<B>();
    assert_eq!(store.tokens().unwrap(), Vec::<TokenRecord>::new());
    let airline = token(1, "relying-party", "airline");
    let court = token(2, "source", "court");
    store.add_token(&airline).unwrap();
    store.add_token(&court).unwrap();
    assert_eq!(store.token(&airline.hash).unwrap(), Some(airline.clone()));
    assert_eq!(store.token(&"ff".repeat(32)).unwrap(), None);
    assert_eq!(
        store.tokens().unwrap(),
        vec![airline.clone(), court.clone()]
    );
    // The same token twice is refused, and the first one kept.
    assert!(store.add_token(&airline).is_err());
    assert_eq!(store.tokens().unwrap().len(), 2);

    let revoked = store.revoke_token(&airline.id, 5_000).unwrap().unwrap();
    assert_eq!(revoked.revoked_at_ms, Some(5_000));
    assert_eq!(store.token(&airline.hash).unwrap(), Some(revoked.clone()));
    // Revoking again changes nothing; an unknown id is none.
    assert_eq!(
        store.revoke_token(&airline.id, 9_000).unwrap(),
        Some(revoked)
    );
    assert_eq!(store.revoke_token("000000000000", 9_000).unwrap(), None);
    assert_eq!(
        store.token(&court.hash).unwrap().unwrap().revoked_at_ms,
        None
    );
}

fn a_token_forged_or_unrevoked_behind_the_stores_back_is_refused<B: Backend>() {
    let (place, mut store) = fresh::<B>();
    let airline = token(1, "relying-party", "airline");
    store.add_token(&airline).unwrap();
    store.revoke_token(&airline.id, 5_000).unwrap();
    // An insider without the key: a revocation undone, a token of their own added, a role
    // changed.
    B::execute(&place, "UPDATE token SET revoked_at_ms = NULL").unwrap();
    match store.token(&airline.hash) {
        Err(StoreError::Tampered(why)) => assert!(why.contains(&airline.id), "{why}"),
        other => panic!("expected the undone revocation to be caught, got {other:?}"),
    }
    let forged = token(3, "operator", "insider");
    B::execute(
        &place,
        &format!(
            "INSERT INTO token (id, hash, role, principal, label, issued_at_ms, mac) \
             VALUES ('{}', '{}', 'operator', 'insider', 'insider', 1, {})",
            forged.id,
            forged.hash,
            if B::NAME == "postgres" {
                "'\\x00'"
            } else {
                "x'00'"
            }
        ),
    )
    .unwrap();
    assert!(matches!(
        store.token(&forged.hash),
        Err(StoreError::Tampered(_))
    ));
    assert!(matches!(store.tokens(), Err(StoreError::Tampered(_))));
}

/// Instantiates every test of the suite for one backend.
macro_rules! suite {
    ($backend:ty) => {
        #[test]
        fn a_key_file_others_may_read_is_refused_with_the_fix() {
            super::a_key_file_others_may_read_is_refused_with_the_fix::<$backend>();
        }
        #[test]
        fn a_replaced_key_is_refused() {
            super::a_replaced_key_is_refused::<$backend>();
        }
        #[test]
        fn create_refuses_an_existing_key_file_and_leaves_nothing() {
            super::create_refuses_an_existing_key_file_and_leaves_nothing::<$backend>();
        }
        #[test]
        fn create_then_open_keeps_key_policies_and_sources() {
            super::create_then_open_keeps_key_policies_and_sources::<$backend>();
        }
        #[test]
        fn two_registries_get_different_keys() {
            super::two_registries_get_different_keys::<$backend>();
        }
        #[test]
        fn republishing_replaces_what_is_in_force_and_keeps_old_versions() {
            super::republishing_replaces_what_is_in_force_and_keeps_old_versions::<$backend>();
        }
        #[test]
        fn open_refuses_what_is_not_a_registry() {
            super::open_refuses_what_is_not_a_registry::<$backend>();
        }
        #[test]
        fn create_refuses_an_existing_registry() {
            super::create_refuses_an_existing_registry::<$backend>();
        }
        #[test]
        fn open_refuses_a_newer_schema() {
            super::open_refuses_a_newer_schema::<$backend>();
        }
        #[test]
        fn ingest_appends_in_order_and_counts() {
            super::ingest_appends_in_order_and_counts::<$backend>();
        }
        #[test]
        fn the_same_batch_again_is_unchanged() {
            super::the_same_batch_again_is_unchanged::<$backend>();
        }
        #[test]
        fn a_changed_event_under_a_known_reference_writes_nothing() {
            super::a_changed_event_under_a_known_reference_writes_nothing::<$backend>();
        }
        #[test]
        fn a_resubmission_with_another_subject_is_a_change() {
            super::a_resubmission_with_another_subject_is_a_change::<$backend>();
        }
        #[test]
        fn standings_are_written_for_touched_subjects_from_their_whole_history() {
            super::standings_are_written_for_touched_subjects_from_their_whole_history::<$backend>(
            );
        }
        #[test]
        fn a_subject_keeps_the_facts_it_was_created_with() {
            super::a_subject_keeps_the_facts_it_was_created_with::<$backend>();
        }
        #[test]
        fn a_panic_while_recomputing_leaves_the_store_as_it_was() {
            super::a_panic_while_recomputing_leaves_the_store_as_it_was::<$backend>();
        }
        #[test]
        fn a_process_killed_mid_batch_leaves_the_store_as_it_was() {
            super::a_process_killed_mid_batch_leaves_the_store_as_it_was::<$backend>();
        }
        #[test]
        fn an_acknowledged_batch_survives_the_process_being_killed() {
            super::an_acknowledged_batch_survives_the_process_being_killed::<$backend>();
        }
        #[test]
        fn verify_chain_finds_the_event_edited_behind_the_stores_back() {
            super::verify_chain_finds_the_event_edited_behind_the_stores_back::<$backend>();
        }
        #[test]
        fn verify_chain_finds_a_removed_last_event() {
            super::verify_chain_finds_a_removed_last_event::<$backend>();
        }
        #[test]
        fn the_store_refuses_to_update_events() {
            super::the_store_refuses_to_update_events::<$backend>();
        }
        #[test]
        fn a_row_that_does_not_decode_is_reported_with_its_seq() {
            super::a_row_that_does_not_decode_is_reported_with_its_seq::<$backend>();
        }
        #[test]
        fn linked_to_finds_the_subjects_whose_events_name_the_link() {
            super::linked_to_finds_the_subjects_whose_events_name_the_link::<$backend>();
        }
        #[test]
        fn scan_visits_every_subject_in_order_with_all_its_events() {
            super::scan_visits_every_subject_in_order_with_all_its_events::<$backend>();
        }
        #[test]
        fn known_references_reports_what_is_stored_in_the_order_asked() {
            super::known_references_reports_what_is_stored_in_the_order_asked::<$backend>();
        }
        #[test]
        fn put_standings_replaces_in_one_go() {
            super::put_standings_replaces_in_one_go::<$backend>();
        }
        #[test]
        fn a_standing_computed_before_a_batch_grew_the_subject_is_computed_again() {
            super::a_standing_computed_before_a_batch_grew_the_subject_is_computed_again::<$backend>();
        }
        #[test]
        fn a_reopened_store_has_everything_it_acknowledged() {
            super::a_reopened_store_has_everything_it_acknowledged::<$backend>();
        }
        #[test]
        fn progress_is_reported_every_ten_thousand_events_and_at_the_end() {
            super::progress_is_reported_every_ten_thousand_events_and_at_the_end::<$backend>();
        }
        #[test]
        fn the_access_log_keeps_every_access_in_order_and_cannot_be_edited() {
            super::the_access_log_keeps_every_access_in_order_and_cannot_be_edited::<$backend>();
        }
        #[test]
        fn an_access_keeps_the_registrys_date() {
            super::an_access_keeps_the_registrys_date::<$backend>();
        }
        #[test]
        fn a_batch_recorded_before_the_latest_recorded_day_writes_nothing() {
            super::a_batch_recorded_before_the_latest_recorded_day_writes_nothing::<$backend>();
        }
        #[test]
        fn tokens_are_kept_by_hash_listed_and_revoked() {
            super::tokens_are_kept_by_hash_listed_and_revoked::<$backend>();
        }
        #[test]
        fn a_token_forged_or_unrevoked_behind_the_stores_back_is_refused() {
            super::a_token_forged_or_unrevoked_behind_the_stores_back_is_refused::<$backend>();
        }
    };
}

mod sqlite {
    suite!(super::backends::Sqlite);
}

mod postgres {
    suite!(super::backends::Postgres);
}

/// The embedded store keeps its access log in a file of its own, so a check's append never
/// waits behind a batch: what an insider can do to that file is caught.
mod sqlite_access_log {
    use super::backends::{Backend, Place, Sqlite};
    use super::*;
    use credence_store::SqliteStore;
    use credence_store::sqlite::DATABASE_FILE;
    use credence_store::sqlite::access_log::ACCESS_FILE;

    fn raw(place: &Place) -> rusqlite::Connection {
        rusqlite::Connection::open(place.dir.join(DATABASE_FILE)).unwrap()
    }

    fn raw_access(place: &Place) -> rusqlite::Connection {
        rusqlite::Connection::open(place.dir.join(ACCESS_FILE)).unwrap()
    }

    fn with_witnessed_accesses() -> (Place, SqliteStore) {
        let (dir, mut store) = fresh::<Sqlite>();
        ingest(&mut store, &many("r", 4, 1, 2)).unwrap();
        for party in ["airline", "railway"] {
            store
                .log_access(&Access {
                    subject: pseudonym(1),
                    party: party.into(),
                    purpose: "check no-flights".into(),
                    day: Day(19_100),
                    at_ms: 1_700_000_000_000,
                    outcome: "does not apply".into(),
                })
                .unwrap();
        }
        assert!(store.witness_accesses().unwrap().is_some());
        (dir, store)
    }

    fn refused(result: Result<SqliteStore, StoreError>) -> String {
        match result {
            Err(StoreError::Tampered(why)) => why,
            other => panic!("expected the history to be refused as altered, got {other:?}"),
        }
    }

    #[test]
    fn the_access_log_has_its_own_owner_only_file() {
        let (dir, store) = with_witnessed_accesses();
        let path = dir.dir.join(ACCESS_FILE);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let count: i64 = raw_access(&dir)
            .query_row("SELECT count(*) FROM access", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 2);
        let tables: i64 = raw(&dir)
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'access'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the registry's database holds no access log");
        assert_eq!(verified::<Sqlite>(&store).accesses, 2);
    }

    #[test]
    fn a_removed_access_log_is_caught() {
        let (dir, store) = with_witnessed_accesses();
        drop(store);
        std::fs::remove_file(dir.dir.join(ACCESS_FILE)).unwrap();
        let why = refused(Sqlite::open(&dir));
        assert!(
            why.contains("access log") && why.contains("missing"),
            "{why}"
        );
    }

    #[test]
    fn a_truncated_access_log_file_is_caught() {
        let (dir, store) = with_witnessed_accesses();
        drop(store);
        let path = dir.dir.join(ACCESS_FILE);
        std::fs::File::create(&path).unwrap();
        let why = refused(Sqlite::open(&dir));
        assert!(why.contains("holds no access log"), "{why}");
        std::fs::write(&path, b"not a database at all, just some bytes of text").unwrap();
        let why = refused(Sqlite::open(&dir));
        assert!(why.contains("access log"), "{why}");
    }

    #[test]
    fn an_access_log_cut_back_or_edited_is_caught() {
        let (dir, store) = with_witnessed_accesses();
        drop(store);
        let conn = raw_access(&dir);
        conn.execute_batch(
            "DROP TRIGGER access_append_only_update; DROP TRIGGER access_append_only_delete;",
        )
        .unwrap();
        conn.execute("UPDATE access SET party = 'nobody' WHERE seq = 1", [])
            .unwrap();
        let store = Sqlite::open(&dir).unwrap();
        let report = verified::<Sqlite>(&store);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("access log entry 1")),
            "{:?}",
            report.problems
        );
        // The witnessed last entry removed: even the cheap check before an answer sees it.
        conn.execute("DELETE FROM access WHERE seq = 2", [])
            .unwrap();
        match store.verify_published() {
            Err(StoreError::Tampered(why)) => assert!(why.contains("access log"), "{why}"),
            other => panic!("expected the cut to be caught, got {other:?}"),
        }
    }

    #[test]
    fn a_registry_made_before_the_access_log_moved_keeps_its_entries() {
        let (dir, store) = with_witnessed_accesses();
        let before = store.accesses(&pseudonym(1)).unwrap();
        drop(store);
        // The layout of version 5: the log inside `registry.db`, no `access.db` (and none of
        // the tables later versions add).
        let conn = raw(&dir);
        conn.execute_batch(&format!(
            "ATTACH DATABASE '{}' AS moved;
             CREATE TABLE main.access AS SELECT * FROM moved.access;
             DETACH DATABASE moved;
             DROP TABLE token;
             UPDATE meta SET value = 5 WHERE key = 'schema_version';",
            dir.dir.join(ACCESS_FILE).display()
        ))
        .unwrap();
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.dir.join(format!("{ACCESS_FILE}{suffix}")));
        }
        let store = Sqlite::open(&dir).unwrap();
        assert_eq!(store.accesses(&pseudonym(1)).unwrap(), before);
        let report = verified::<Sqlite>(&store);
        assert_eq!(report.problems, Vec::<String>::new());
        assert_eq!(report.accesses, 2);
        store.verify_published().unwrap();
        let tables: i64 = raw(&dir)
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'access'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the old table is gone once its entries moved");
    }
}
