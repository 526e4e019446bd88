//! Intake's validation of a submitted file, per row: JSONL and CSV, read whole from memory and
//! block by block from a file, against an empty registry (no stored references to look up).

#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    reason = "a benchmark reads the shipped packs"
)]

use std::path::Path;

use credence_model::Day;
use credence_policy::{PolicySource, compile};
use credence_registry::intake::{Format, IntakeContext, read_batch};
use credence_registry::sources::parse_sources;
use credence_registry::submission::Submitted;
use credence_store::{SqliteStore, Store};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: usize = 50_000;

fn policy_and_sources() -> (credence_policy::Policy, Vec<credence_store::SourceRecord>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut packs: Vec<PolicySource> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    packs.sort_by(|a, b| a.name.cmp(&b.name));
    let policy = compile(&packs).unwrap();
    let text = std::fs::read_to_string(dir.join("sources.toml")).unwrap();
    let sources = parse_sources("sources.toml", &text, &policy).unwrap();
    (policy, sources)
}

/// A resident id of the benchmark's population.
fn person(n: usize) -> String {
    let first17 = format!(
        "350203{:04}{:02}{:02}{:03}",
        1950 + n % 50,
        n % 12 + 1,
        n % 28 + 1,
        n / 1400 % 1000
    );
    let check = credence_model::id::resident_id_check_char(&first17).unwrap();
    format!("{first17}{check}")
}

fn jsonl(rows: usize) -> String {
    (0..rows)
        .map(|i| {
            format!(
                "{{\"ref\":\"r-{i:08}\",\"action\":\"record\",\"subject\":\"{}\",\"category\":\"finance.repaid\",\"date\":\"2026-{:02}-{:02}\",\"attributes\":{{\"amount\":\"{}.00\",\"on_time\":true}}}}\n",
                person(i / 5),
                i % 10 + 1,
                i % 28 + 1,
                100 + i % 5000
            )
        })
        .collect()
}

fn csv(rows: usize) -> String {
    let mut text = String::from("ref,action,subject,category,date,amount,on_time\n");
    for i in 0..rows {
        text.push_str(&format!(
            "r-{i:08},record,{},finance.repaid,2026-{:02}-{:02},{}.00,true\n",
            person(i / 5),
            i % 10 + 1,
            i % 28 + 1,
            100 + i % 5000
        ));
    }
    text
}

fn intake(c: &mut Criterion) {
    let (policy, sources) = policy_and_sources();
    let lender = sources.iter().find(|s| s.id == "lender").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::create(&dir.path().join("registry")).unwrap();
    store.publish(&[], &sources).unwrap();
    let context = IntakeContext {
        policy: &policy,
        source: lender,
        pseudonym_key: b"benchmark key",
        today: Day::parse("2026-11-30").unwrap(),
        recorded_at_ms: 0,
    };
    let jsonl = jsonl(ROWS);
    let csv = csv(ROWS);
    let file = dir.path().join("rows.jsonl");
    std::fs::write(&file, &jsonl).unwrap();
    let mut group = c.benchmark_group("intake");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    let cases: [(&str, Submitted<'_>, Format); 3] = [
        (
            "jsonl in memory",
            Submitted::from(jsonl.as_str()),
            Format::Jsonl,
        ),
        ("csv in memory", Submitted::from(csv.as_str()), Format::Csv),
        ("jsonl from a file", Submitted::Path(&file), Format::Jsonl),
    ];
    for (name, input, format) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let batch = read_batch(&context, "rows", input, format, &store).unwrap();
                assert_eq!(batch.events.len(), ROWS);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, intake);
criterion_main!(benches);
