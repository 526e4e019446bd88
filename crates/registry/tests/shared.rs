//! One registry opened once and served by many handles: the shared state (compiled policy,
//! sources, relying parties, the pseudonym key) is `Send + Sync` and built once; each worker
//! has its own store handle.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;

use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_registry::registry::{Registry, RegistryError, Shared};
use credence_store::{Paths, SqliteStore};

const TODAY: &str = "2026-11-01";

fn day(text: &str) -> Day {
    Day::parse(text).unwrap()
}

fn person(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

fn dishonest(reference: &str, subject: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}","attributes":{{"case":"(2025)京0105执1号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#
    )
}

/// Compiles only for types every thread may share.
fn assert_send_sync<T: Send + Sync>() {}

/// Compiles only for types that may move to another thread.
fn assert_send<T: Send>() {}

#[test]
fn the_shared_state_may_be_shared_by_threads_and_a_handle_moved_to_one() {
    assert_send_sync::<Shared>();
    assert_send_sync::<Arc<Shared>>();
    assert_send::<Registry<SqliteStore>>();
}

#[test]
fn handles_on_one_shared_state_answer_from_the_same_history_in_parallel() {
    let root = tempfile::tempdir().unwrap();
    let mut first = common::shipped_registry(root.path());
    let paths = Paths::new(&root.path().join("registry"));
    let debtor = person("11010519800202002");
    first
        .ingest(
            "court.jsonl",
            &dishonest("c-1", &debtor, "2026-10-01"),
            "court",
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .unwrap();
    let shared = Arc::clone(first.shared());
    assert!(shared.relying_parties().contains("airline"));
    let answers: Vec<bool> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let shared = Arc::clone(&shared);
                let paths = paths.clone();
                let debtor = debtor.clone();
                scope.spawn(move || {
                    let mut handle = Registry::open_with(shared, &paths).unwrap();
                    handle
                        .check(&debtor, "no-flights", day(TODAY), "airline", 0)
                        .unwrap()
                        .applies
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(answers, vec![true, true, true]);
    // Every handle's check was logged in the one access log.
    let report = first.report(&debtor, day(TODAY), day(TODAY), 0).unwrap();
    let checks = report
        .accesses
        .iter()
        .filter(|a| a.party == "airline")
        .count();
    assert_eq!(checks, 3);
    // The handles reused the state they were given.
    assert_eq!(Arc::strong_count(&shared), 2);
}

#[test]
fn a_store_of_another_registry_is_refused_with_the_state_of_this_one() {
    let root = tempfile::tempdir().unwrap();
    let this = common::shipped_registry(&root.path().join("a"));
    let _other = common::shipped_registry(&root.path().join("b"));
    let other_store = SqliteStore::open(&root.path().join("b").join("registry")).unwrap();
    let error = Registry::with_store(Arc::clone(this.shared()), other_store).unwrap_err();
    assert!(matches!(error, RegistryError::OtherRegistry), "{error}");
    let error = Registry::open_with(
        Arc::clone(this.shared()),
        &Paths::new(&root.path().join("b").join("registry")),
    )
    .unwrap_err();
    assert!(matches!(error, RegistryError::OtherRegistry), "{error}");
}
