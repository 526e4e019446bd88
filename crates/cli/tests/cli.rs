#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The `credence` binary end to end: generate, init, ingest, report, check; rejected batches;
//! a killed ingest; byte-identical re-evaluation.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TODAY, credence, ok, policies, sources};

use credence_store::{SqliteStore, Store};

/// A registry with a generated city; returns (registry dir, city dir).
fn city(root: &Path, people: &str) -> (PathBuf, PathBuf) {
    let city = root.join("city");
    let registry = root.join("registry");
    ok(&[
        "gen",
        "--people",
        people,
        "--orgs",
        "100",
        "--years",
        "3",
        "--seed",
        "7",
        "--out",
        city.to_str().unwrap(),
    ]);
    let mut args = vec!["init", registry.to_str().unwrap(), "--sources"];
    let sources = sources();
    args.push(&sources);
    args.push("--policy");
    let policies = policies();
    args.extend(policies.iter().map(String::as_str));
    ok(&args);
    (registry, city)
}

fn subjects_in(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["subject"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn gen_ingest_report_and_check_a_listed_debtor() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "2000");
    let reg = registry.to_str().unwrap();
    for source in ["court", "market-regulator", "civic-office"] {
        let file = city.join(format!("{source}.jsonl"));
        let out = ok(&[
            "--registry",
            reg,
            "ingest",
            file.to_str().unwrap(),
            "--source",
            source,
        ]);
        assert!(out.contains("accepted batch"), "{out}");
    }
    let mut found = false;
    for subject in subjects_in(&city.join("court.jsonl")) {
        let report = ok(&["--registry", reg, "report", &subject]);
        if !report.contains("IN FORCE") {
            continue;
        }
        found = true;
        assert!(report.contains("dishonest-debtors — ground"), "{report}");
        assert!(report.contains("since "), "{report}");
        assert!(report.contains("until "), "{report}");
        assert!(report.contains("basis: Art. 1"), "{report}");
        assert!(report.contains("remedy: "), "{report}");
        assert!(report.contains("no-flights (restriction)"), "{report}");
        let check = ok(&[
            "--registry",
            reg,
            "check",
            &subject,
            "no-flights",
            "--as",
            "airline",
        ]);
        assert!(check.contains("APPLIES"), "{check}");
        assert!(
            check.contains("reason: listed on `dishonest-debtors`"),
            "{check}"
        );
        assert!(
            check.contains("legal basis: SPC Provisions on Restricting High Consumption"),
            "{check}"
        );
        assert!(check.contains("until: "), "{check}");
        assert!(check.contains("remedy: "), "{check}");
        let json: serde_json::Value = serde_json::from_str(&ok(&[
            "--registry",
            reg,
            "check",
            &subject,
            "no-flights",
            "--as",
            "airline",
            "--json",
        ]))
        .unwrap();
        assert_eq!(json["applies"], true);
        // A library may not ask about flights; the attempt is refused and logged.
        let refused = credence(&[
            "--registry",
            reg,
            "check",
            &subject,
            "no-flights",
            "--as",
            "library",
        ]);
        assert_eq!(refused.status.code(), Some(5));
        let report = ok(&["--registry", reg, "report", &subject]);
        assert!(report.contains("airline: check no-flights"), "{report}");
        assert!(
            report.contains("library: check no-flights") && report.contains("refused"),
            "{report}"
        );
        break;
    }
    assert!(found, "the generated city has a listed debtor");
}

#[test]
fn a_batch_with_bad_rows_is_rejected_whole_with_every_row_listed() {
    let root = tempfile::tempdir().unwrap();
    let (registry, _) = city(root.path(), "50");
    let reg = registry.to_str().unwrap();
    let file = root.path().join("bad.jsonl");
    let rows = [
        r#"{"ref":"ok-1","action":"record","subject":"11010519491231002X","category":"court.guarantee","date":"2024-03-01","attributes":{"case":"A-1"}}"#,
        r#"{"ref":"bad-1","action":"record","subject":"110105194912310021","category":"court.guarantee","date":"2024-03-01","attributes":{"case":"A-1"}}"#,
        r#"{"ref":"bad-2","action":"record","subject":"11010519491231002X","category":"court.nonsense","date":"2024-03-01","attributes":{}}"#,
        r#"{"ref":"bad-3","action":"record","subject":"91110000600037341L","category":"tax.evasion","date":"2024-03-01","attributes":{"amount":"100.00","criminal":false}}"#,
        r#"{"ref":"bad-4","action":"record","subject":"11010519491231002X","category":"court.guarantee","date":"2099-03-01","attributes":{"case":"A-1"}}"#,
        r#"{"ref":"bad-5","action":"record","subject":"11010519491231002X","category":"court.dishonest-conduct","date":"2024-03-01","attributes":{"case":"A-1","court":"X","ground":"refuses","amount":"12,5"}}"#,
    ];
    std::fs::write(&file, rows.join("\n")).unwrap();
    let output = credence(&[
        "--registry",
        reg,
        "ingest",
        file.to_str().unwrap(),
        "--source",
        "court",
    ]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in 2..=6 {
        assert!(
            stderr.contains(&format!("line {line}")),
            "line {line} is listed: {stderr}"
        );
    }
    assert!(
        !stderr.contains("line 1,"),
        "the good row is not an error: {stderr}"
    );
    let store = SqliteStore::open(&registry).unwrap();
    assert_eq!(
        store.stats().unwrap().events,
        0,
        "nothing of the batch was written"
    );
}

#[test]
fn an_ingest_killed_mid_batch_leaves_the_store_as_before() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "60000");
    let reg = registry.to_str().unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        city.join("court.jsonl").to_str().unwrap(),
        "--source",
        "court",
    ]);
    let snapshot = || {
        let store = SqliteStore::open(&registry).unwrap();
        (store.stats().unwrap(), verified(&store).head)
    };
    let big = city.join("lender.jsonl");
    // Kill it after a while; whether it was validating, appending or recomputing, nothing may
    // remain. Shorter waits are tried until a kill lands before the batch is done.
    let mut killed = 0;
    for wait_ms in [700, 300, 100, 30] {
        let before = snapshot();
        let mut child = Command::new(env!("CARGO_BIN_EXE_credence"))
            .args([
                "--registry",
                reg,
                "ingest",
                big.to_str().unwrap(),
                "--source",
                "lender",
            ])
            .env("CREDENCE_TODAY", TODAY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        let _ = Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        if status.success() {
            // Finished before the kill (then a resubmission appends nothing): try a shorter wait.
            continue;
        }
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "killed by the signal"
        );
        let store = SqliteStore::open(&registry).unwrap();
        let after = (store.stats().unwrap(), verified(&store).head);
        assert_eq!(
            after, before,
            "a batch killed after {wait_ms} ms leaves no trace"
        );
        killed += 1;
        break;
    }
    assert_eq!(killed, 1, "some kill landed before the batch was committed");
    let store = SqliteStore::open(&registry).unwrap();
    assert_eq!(verified(&store).problems, Vec::<String>::new());
}

#[test]
fn the_same_history_re_evaluated_gives_byte_identical_standings() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "300");
    let reg = registry.to_str().unwrap();
    for source in ["court", "lender", "traffic-police", "civic-office"] {
        ok(&[
            "--registry",
            reg,
            "ingest",
            city.join(format!("{source}.jsonl")).to_str().unwrap(),
            "--source",
            source,
        ]);
    }
    let snapshot = || {
        let store = SqliteStore::open(&registry).unwrap();
        let mut all = Vec::new();
        store
            .scan(&mut |subject, _| all.push((subject.id, store_standing(&registry, subject.id))))
            .unwrap();
        all
    };
    ok(&["--registry", reg, "recompute"]);
    let first = snapshot();
    ok(&["--registry", reg, "recompute"]);
    let second = snapshot();
    assert!(!first.is_empty());
    assert_eq!(first, second);
    let subject = subjects_in(&city.join("court.jsonl"))[0].clone();
    let standing = |json: String| {
        let mut report: serde_json::Value = serde_json::from_str(&json).unwrap();
        // The access log grows with every report; the standing must not change.
        assert!(report["accesses"].as_array().is_some_and(|a| !a.is_empty()));
        report["standing"].take().to_string()
    };
    let a = standing(ok(&["--registry", reg, "report", &subject, "--json"]));
    let b = standing(ok(&["--registry", reg, "report", &subject, "--json"]));
    assert_eq!(a, b);
}

/// The whole history replayed against the registry's witness file.
fn verified(store: &SqliteStore) -> credence_store::ChainReport {
    store
        .verify_chain(&[credence_store::PublishedHead::Witness(
            store.witness().to_owned(),
        )])
        .unwrap()
}

fn store_standing(registry: &Path, subject: i64) -> Vec<u8> {
    SqliteStore::open(registry)
        .unwrap()
        .standing(subject)
        .unwrap()
        .unwrap_or_default()
}

#[test]
fn id_check_exits_non_zero_on_an_invalid_identifier() {
    let good = credence(&["id", "check", "11010519491231002X", "91110000600037341L"]);
    assert!(good.status.success());
    let bad = credence(&["id", "check", "11010519491231002X", "110105194912310021"]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("INVALID"));
    let legacy = credence(&["id", "check", "--legacy", "91350100M0001TGQXM"]);
    assert!(legacy.status.success());
}

#[test]
fn policy_check_validates_every_shipped_pack_together() {
    let mut args = vec!["policy", "check"];
    let files = policies();
    args.extend(files.iter().map(String::as_str));
    let sources = sources();
    args.push(&sources);
    let out = ok(&args);
    assert!(
        out.contains("9 packs valid") && out.contains("11 sources valid"),
        "{out}"
    );
    // A source registered for a category no pack declares is refused.
    let root = tempfile::tempdir().unwrap();
    let bad_sources = root.path().join("sources.toml");
    std::fs::write(
        &bad_sources,
        "[[source]]\nid = \"court\"\ntitle = \"Courts\"\nauthority = \"court\"\ncategories = [\"court.nonsense\"]\n",
    )
    .unwrap();
    let mut args = vec!["policy", "check"];
    args.extend(files.iter().map(String::as_str));
    args.push(bad_sources.to_str().unwrap());
    let output = credence(&args);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("court.nonsense"));
    let bad = root.path().join("bad.toml");
    std::fs::write(&bad, "[policy]\nid = \"x\"\ntitle = \"x\"\nauthority = \"x\"\nversion = \"1\"\nbasis = \"x\"\n\n[[category]]\nid = \"civic.church-attendance\"\ntitle = \"Church attendance\"\ncontext = \"civic\"\nsubjects = [\"person\"]\nkind = \"breach\"\nobligation = \"Test Law, art. 2\"\nretention = \"1y\"\n").unwrap();
    let output = credence(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refused-special-category") && stderr.contains("bad.toml:9:"),
        "{stderr}"
    );
}

#[test]
fn audit_verify_finds_an_event_altered_behind_the_registrys_back() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "300");
    let reg = registry.to_str().unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        city.join("lender.jsonl").to_str().unwrap(),
        "--source",
        "lender",
    ]);
    assert!(ok(&["--registry", reg, "audit", "verify"]).contains("history intact"));
    let db =
        rusqlite::Connection::open(registry.join(credence_store::sqlite::DATABASE_FILE)).unwrap();
    // Someone with access to the file edits an event, working around the append-only trigger.
    db.execute_batch(
        "DROP TRIGGER event_append_only_update; UPDATE event SET attributes = '{}' WHERE seq = 3;",
    )
    .unwrap();
    drop(db);
    let output = credence(&["--registry", reg, "audit", "verify"]);
    assert_eq!(output.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("event 3:"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Runs credence with its standard output a pipe whose reader is already closed, so that its
/// first write fails with a broken pipe, whatever the timing.
fn credence_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_credence"))
        .args(args)
        .env("CREDENCE_TODAY", TODAY)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run credence")
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    // `credence ... | head -1` panicked with exit code 101 when `head` had its line.
    let root = tempfile::tempdir().unwrap();
    let mut args = vec!["policy", "describe"];
    let files = policies();
    args.extend(files.iter().map(String::as_str));
    let ids = ["11010519491231002X"; 3];
    let id_args: Vec<&str> = ["id", "check"].into_iter().chain(ids).collect();
    let (registry, city) = city(root.path(), "200");
    let reg = registry.to_str().unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        city.join("court.jsonl").to_str().unwrap(),
        "--source",
        "court",
    ]);
    let debtor = subjects_in(&city.join("court.jsonl"))[0].clone();
    for command in [
        args,
        id_args,
        vec!["--registry", reg, "report", &debtor],
        vec!["--registry", reg, "report", &debtor, "--json"],
        vec![
            "--registry",
            reg,
            "check",
            &debtor,
            "no-flights",
            "--as",
            "airline",
        ],
        vec!["--registry", reg, "audit", "sources"],
    ] {
        let output = credence_into_closed_pipe(&command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{command:?}: {stderr}");
        assert!(stderr.is_empty(), "{command:?} said: {stderr}");
    }
    // The demo prints with println!: the panic it raises on the closed pipe ends it quietly.
    let demo = root.path().join("demo");
    let output = credence_into_closed_pipe(&[
        "demo",
        "--people",
        "100",
        "--orgs",
        "10",
        "--dir",
        demo.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "demo: {stderr}");
    assert!(!stderr.contains("panicked"), "demo: {stderr}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_with_where_and_what_is_expected() {
    let root = tempfile::tempdir().unwrap();
    let (registry, _) = city(root.path(), "20");
    let reg = registry.to_str().unwrap();
    let header = "ref,action,subject,category,date,case\n";
    // "京" in GBK is BE A9, in a case number on line 2.
    let mut gbk = header.as_bytes().to_vec();
    gbk.extend_from_slice(
        b"c-1,record,11010519491231002X,court.guarantee,2024-01-01,(2024)\xBE\xA9\n",
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(header.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    for (name, bytes, wanted) in [
        (
            "gbk.csv",
            gbk,
            "line 2, byte 63 of the line (byte 101 of the file): the bytes BE A9 are not",
        ),
        ("utf16.csv", utf16, "UTF-16"),
    ] {
        let file = root.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let output = credence(&[
            "--registry",
            reg,
            "ingest",
            file.to_str().unwrap(),
            "--source",
            "court",
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{name}: {stderr}");
        assert!(
            stderr.contains(wanted)
                && stderr.contains("not UTF-8")
                && stderr.contains("save the file as UTF-8"),
            "{name}: {stderr}"
        );
    }
    // A policy pack and a sources file are read the same way.
    let pack = root.path().join("pack.toml");
    std::fs::write(&pack, b"[policy]\nid = \"x\xff\"\n").unwrap();
    let output = credence(&["policy", "check", pack.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("line 2, byte 7 of the line"), "{stderr}");
    // A UTF-8 byte order mark, as spreadsheets write it, is accepted.
    let bom = root.path().join("bom.csv");
    std::fs::write(
        &bom,
        format!(
            "\u{feff}{header}g-1,record,11010519491231002X,court.guarantee,2024-01-01,(2024)1\n"
        ),
    )
    .unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        bom.to_str().unwrap(),
        "--source",
        "court",
    ]);
}

#[test]
fn a_file_too_large_for_a_batch_is_refused_before_it_is_read_whole() {
    let root = tempfile::tempdir().unwrap();
    let (registry, _) = city(root.path(), "20");
    let reg = registry.to_str().unwrap();
    let stats = || SqliteStore::open(&registry).unwrap().stats().unwrap();
    let stats_before = stats();
    // A sparse file one byte over the limit: refused from its size alone (reading it would
    // take gigabytes of memory, and its bytes are all NUL).
    let huge = root.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(credence_registry::submission::BATCH_BYTES_MAX + 1)
        .unwrap();
    // A device that never ends: its first NUL byte stops the reading. A name that says no
    // format is refused before a byte is read, unless the format is given.
    for (file, format, wanted) in [
        (huge.to_str().unwrap(), None, "nothing of it was read"),
        ("/dev/zero", Some("csv"), "a NUL byte"),
        ("/dev/zero", None, "cannot tell the format of `/dev/zero`"),
    ] {
        let mut args = vec!["--registry", reg, "ingest", file, "--source", "court"];
        args.extend(format.iter().flat_map(|f| ["--format", f]));
        let output = credence(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{file}: {stderr}");
        assert!(stderr.contains(wanted), "{file}: {stderr}");
    }
    // A pipe that never ends with no line break: a line longer than any record stops it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_credence"))
        .args([
            "--registry",
            reg,
            "ingest",
            "/dev/stdin",
            "--format",
            "jsonl",
            "--source",
            "court",
        ])
        .env("CREDENCE_TODAY", TODAY)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let block = vec![b'a'; 64 * 1024];
        // Stops when the reader goes away; bounded in case it never does.
        for _ in 0..1_000 {
            if stdin.write_all(&block).is_err() {
                break;
            }
        }
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("line 1: the line is longer than 65536 bytes"),
        "{stderr}"
    );
    assert_eq!(stats(), stats_before);
}

#[test]
fn the_access_log_is_dated_by_the_registrys_date() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "200");
    let reg = registry.to_str().unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        city.join("court.jsonl").to_str().unwrap(),
        "--source",
        "court",
    ]);
    let debtor = subjects_in(&city.join("court.jsonl"))[0].clone();
    ok(&[
        "--registry",
        reg,
        "check",
        &debtor,
        "no-flights",
        "--as",
        "airline",
    ]);
    let report = ok(&["--registry", reg, "report", &debtor]);
    let who: Vec<&str> = report
        .split("\nWho looked")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(who.len(), 2, "{report}");
    // CREDENCE_TODAY, the day the events were recorded on, whatever the wall clock says.
    assert!(
        who.iter().all(|l| l.starts_with(&format!("  {TODAY} "))),
        "{who:?}"
    );
}

#[test]
fn time_never_runs_backwards_and_the_future_is_not_known() {
    let root = tempfile::tempdir().unwrap();
    let registry = root.path().join("registry");
    let reg = registry.to_str().unwrap();
    let mut args = vec!["init", reg, "--sources"];
    let sources = sources();
    args.push(&sources);
    args.push("--policy");
    let policies = policies();
    args.extend(policies.iter().map(String::as_str));
    ok(&args);
    let row = |reference: &str| {
        format!(
            r#"{{"ref":"{reference}","action":"record","subject":"91110000600037341L","category":"court.dishonest-conduct","date":"2026-01-10","attributes":{{"case":"A","court":"X","ground":"refuses"}}}}"#
        )
    };
    let first = root.path().join("first.jsonl");
    std::fs::write(&first, row("c1")).unwrap();
    ok(&[
        "--registry",
        reg,
        "ingest",
        first.to_str().unwrap(),
        "--source",
        "court",
    ]);
    // A batch recorded a month before what the registry already holds is refused (exit 3).
    let second = root.path().join("second.jsonl");
    std::fs::write(&second, row("c2")).unwrap();
    let backwards = credence(&[
        "--registry",
        reg,
        "--today",
        "2026-10-01",
        "ingest",
        second.to_str().unwrap(),
        "--source",
        "court",
    ]);
    assert_eq!(backwards.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&backwards.stderr);
    assert!(
        stderr.contains("recorded on 2026-10-01, before 2026-11-01")
            && stderr.contains("only moves forward"),
        "{stderr}"
    );
    // What the registry will know after its date is not an answer (exit 3).
    let future = credence(&[
        "--registry",
        reg,
        "report",
        "91110000600037341L",
        "--known-at",
        "2026-11-02",
    ]);
    assert_eq!(future.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&future.stderr);
    assert!(
        stderr.contains("--known-at 2026-11-02 is after the registry's date 2026-11-01"),
        "{stderr}"
    );
    ok(&[
        "--registry",
        reg,
        "report",
        "91110000600037341L",
        "--known-at",
        "2026-11-01",
    ]);
}

#[test]
fn a_relying_party_named_with_control_characters_is_refused_before_anything_is_logged() {
    let root = tempfile::tempdir().unwrap();
    let (registry, _) = city(root.path(), "20");
    let reg = registry.to_str().unwrap();
    let output = credence(&[
        "--registry",
        reg,
        "check",
        "11010519491231002X",
        "no-flights",
        "--as",
        "airline\n  2026-11-01 police: check no-flights — cleared",
    ]);
    assert_eq!(output.status.code(), Some(2), "a bad argument");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line break"), "{stderr}");
    let report = ok(&["--registry", reg, "report", "11010519491231002X"]);
    assert!(report.contains("Who looked (1 access)"), "{report}");
    assert!(!report.contains("police"), "{report}");
}

#[test]
fn policy_simulate_prints_whom_a_draft_hits_and_draws_it() {
    let root = tempfile::tempdir().unwrap();
    let (registry, city) = city(root.path(), "300");
    let reg = registry.to_str().unwrap();
    for source in ["civic-office", "traffic-police"] {
        let file = city.join(format!("{source}.jsonl"));
        ok(&[
            "--registry",
            reg,
            "ingest",
            file.to_str().unwrap(),
            "--source",
            source,
        ]);
    }
    let pack = policies()
        .into_iter()
        .find(|p| p.contains("civic-points"))
        .unwrap();
    let text = std::fs::read_to_string(&pack).unwrap();
    let draft = root.path().join("civic-points.toml");
    std::fs::write(&draft, text.replace("points = -20", "points = -200")).unwrap();
    let svg = root.path().join("impact.svg");
    let out = ok(&[
        "--registry",
        reg,
        "policy",
        "simulate",
        draft.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.contains("replaces") && out.contains("civic-points.toml"),
        "{out}"
    );
    assert!(out.contains("grades of `civic-points`"), "{out}");
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(
        drawn.starts_with("<svg") && drawn.trim_end().ends_with("</svg>"),
        "{drawn}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "--registry",
        reg,
        "policy",
        "simulate",
        draft.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert!(json["subjects"].as_u64().unwrap() > 0, "{json}");
    // A draft that does not compile is refused with exit 3.
    std::fs::write(&draft, "[policy]\nid = 1\n").unwrap();
    let output = credence(&[
        "--registry",
        reg,
        "policy",
        "simulate",
        draft.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
