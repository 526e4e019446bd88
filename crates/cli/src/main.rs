//! `credence`: the command line of a transparent, appealable credit registry.
//!
//! A thin layer: arguments are parsed here and every operation is a call into the library
//! crates (`credence-registry`, `credence-policy`, `credence-engine`, `credence-gen`).

/// `println!` that hands a failed write back to the caller (with `?`) instead of panicking:
/// when the reader closes the pipe (`credence report ... | head -1`), the command ends quietly
/// with exit code 0 (see [`broken_pipe`]).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// [`say!`] without the line break.
macro_rules! say_more {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod bench;
mod demo;
mod policy_test;
mod shipped;
mod simulate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::{Parser, Subcommand};
use credence_model::text::Escaped;
use credence_model::{Day, IdOptions, Identifier};
use credence_policy::PolicySource;
use credence_registry::registry::{IngestPhase, Registry, RegistryError};
use credence_registry::submission::{self, Limits};
use indicatif::{ProgressBar, ProgressStyle};

/// Exit codes: what went wrong, for scripts.
mod exit {
    /// The input was refused: a policy with errors, a batch with bad rows, an invalid identifier.
    pub const INVALID_INPUT: u8 = 3;
    /// The subject, measure or source asked about does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// Any other failure (the store, the file system).
    pub const FAILURE: u8 = 1;
    /// The asker may not ask this (a relying party asking about a measure it does not apply).
    pub const NOT_PERMITTED: u8 = 5;
    /// The history's hash chain does not verify.
    pub const TAMPERED: u8 = 6;
}

#[derive(Parser, Debug)]
#[command(
    name = "credence",
    version,
    about = "A social credit registry that publishes every rule, explains every number, and lets every subject see, dispute and repair",
    long_about = "credence takes records about people and organisations from authorised sources (courts, tax, \
regulators, lenders, utilities, civic bodies), turns them by published rules into points, grades, scores and \
red/black lists, and answers relying parties whether a reward or restriction applies.\n\n\
Start with `credence demo`. A registry of your own:\n\
  credence gen --people 10000 --orgs 1000 --out city/\n\
  credence init reg/ --policy policies/*.toml --sources policies/sources.toml\n\
  credence --registry reg/ ingest city/court.jsonl --source court\n\
  credence --registry reg/ report 11010519491231002X\n\
  credence --registry reg/ check 11010519491231002X no-flights --as airline\n\n\
The rules are in policies/*.toml; docs/policy-language.md is the reference.",
    after_help = "Exit codes: 0 success, 1 failure, 2 bad arguments, 3 input refused (policy errors, rejected batch, invalid identifier, a file that is not UTF-8), 4 not found, 5 not permitted, 6 history altered (a check, a report or audit verify found the history changed behind the registry's back, or rolled back before its published head). A closed output pipe ends a command quietly with 0."
)]
struct Cli {
    /// The registry directory (created by `credence init`).
    #[arg(
        long,
        global = true,
        env = "CREDENCE_REGISTRY",
        default_value = "registry"
    )]
    registry: PathBuf,
    /// The registry's key file (default: `credence.key` in the registry directory). Made by
    /// `init`, readable by its owner only; keep it apart from copies of the database.
    #[arg(long, global = true, env = "CREDENCE_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// The registry's witness file, where the head of every batch is appended (default:
    /// `witness.log` in the registry directory); ship it where the database's owner cannot
    /// rewrite it. `audit verify` proves the history against it.
    #[arg(long, global = true, env = "CREDENCE_WITNESS")]
    witness: Option<PathBuf>,
    /// Keep the registry's history in this PostgreSQL database (`postgres://user@host/db`)
    /// instead of the SQLite file in the registry directory; the directory still holds the key
    /// file and the witness file. Give it to `init` and to every command after.
    #[arg(long, global = true, env = "CREDENCE_DATABASE_URL", value_parser = database_url)]
    database: Option<String>,
    /// The registry's date, YYYY-MM-DD (default: today, UTC). Set it to replay history or in tests.
    #[arg(long, global = true, env = "CREDENCE_TODAY")]
    today: Option<Day>,
    /// Log detail: error, warn, info, debug, trace.
    #[arg(long, global = true, env = "CREDENCE_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a small city, load every shipped policy pack, and show what credence does.
    Demo {
        /// Where to build the demo registry (default: a new temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// People in the synthetic city.
        #[arg(long, default_value_t = 5000)]
        people: usize,
        /// Organisations in the synthetic city.
        #[arg(long, default_value_t = 500)]
        orgs: usize,
    },
    /// Create a registry with its published policy and registered sources.
    Init {
        /// The directory to create.
        dir: PathBuf,
        /// Policy pack files (TOML). All are validated together.
        #[arg(long = "policy", required = true, num_args = 1..)]
        policies: Vec<PathBuf>,
        /// The sources file: each source and the categories it may report.
        #[arg(long)]
        sources: PathBuf,
    },
    /// Submit a file of records (.jsonl or .csv) from one source, as one atomic batch.
    ///
    /// The batch is accepted whole or rejected whole; a rejection lists every bad row by line
    /// and field. Resubmitting the same rows is harmless (intake is idempotent on `ref`).
    Ingest {
        /// The file. JSONL: one object per line, `{"ref", "action", "subject", "category",
        /// "date", "target"?, "legacy_id"?, "kind"?, "birth_date"?, "attributes": {...}}`; CSV:
        /// a header `ref,action,subject,category,date[,target][,legacy_id][,kind][,birth_date]`
        /// then one column per attribute. Actions: record, correct, retract, fulfil, extend, suppress, repair,
        /// dispute, resolve, consent, withdraw.
        file: PathBuf,
        /// The registered source submitting the file.
        #[arg(long)]
        source: String,
        /// The file's format, when its name does not end in `.jsonl`, `.ndjson` or `.csv` (a
        /// pipe: `credence ingest /dev/stdin --format csv`).
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
        /// Print the receipt as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The full disclosure a subject is owed: lists, measures, scores, their reasons and remedies.
    Report {
        /// The subject's identifier (resident id, USCC or scheme:value).
        subject: String,
        /// The day the standing is computed for (default: today).
        #[arg(long)]
        as_of: Option<Day>,
        /// Use only what the registry knew on this day (default: today).
        #[arg(long)]
        known_at: Option<Day>,
        /// Print the disclosure as JSON: the standing with its explanation, the file, and who
        /// looked.
        #[arg(long)]
        json: bool,
    },
    /// Whether a measure applies to a subject, with reasons, legal basis, end date and remedy.
    ///
    /// A relying party asks for one measure it applies and learns only that answer; every
    /// check is logged and shown to the subject in its report.
    Check {
        subject: String,
        /// The measure id (see `credence policy describe`).
        measure: String,
        /// The kind of relying party asking (`airline`, `railway`, `library`...): one that the
        /// measure names. It is logged and shown to the subject, so it may not hold control
        /// characters.
        #[arg(long = "as", value_name = "PARTY", value_parser = printable)]
        party: String,
        #[arg(long)]
        as_of: Option<Day>,
        #[arg(long)]
        json: bool,
    },
    /// Validate or describe policy packs.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Identifiers: which kind each value is, and whether its check digit is right.
    Id {
        #[command(subcommand)]
        command: IdCommand,
    },
    /// Generate a synthetic population: one file per source plus a sources-ready manifest.
    Gen {
        #[arg(long, default_value_t = 1000)]
        people: usize,
        #[arg(long, default_value_t = 100)]
        orgs: usize,
        /// Years of history, ending on the registry's date.
        #[arg(long, default_value_t = 3)]
        years: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Record rates as a multiple of a typical city's (1.0: about 3 events per person over
        /// 3 years; 3.0: about 8.5).
        #[arg(long, default_value_t = 1.0)]
        density: f64,
        /// Output directory.
        #[arg(long, default_value = "city")]
        out: PathBuf,
        /// Write CSV instead of JSONL.
        #[arg(long)]
        csv: bool,
    },
    /// Audit the registry: the hash chain over the whole history, and how reliable each
    /// source's records have proved.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Re-evaluate every subject and rewrite the stored standings.
    Recompute {
        #[arg(long)]
        as_of: Option<Day>,
    },
    /// Serve the registry over HTTP: relying parties' checks, subjects' own reports and
    /// access logs, sources' batches, each for the holder of a bearer token in that role.
    ///
    /// Routes (JSON in and out; errors are application/problem+json naming the field):
    ///   POST /v1/checks              relying party: {"subject": ID, "measure": M}: the decision,
    ///                                reasons, legal basis, end date and remedies, for a
    ///                                measure the party applies (403 otherwise); never a score
    ///   GET  /v1/me/report           subject: its own disclosure (logged as its own access)
    ///   GET  /v1/me/accesses         subject: who looked at it and what they were told
    ///   POST /v1/batches?file=NAME   source: a JSONL (Content-Type: application/jsonl) or CSV
    ///                                (text/csv) body, accepted or rejected whole; a rejection
    ///                                lists every bad row by line and field in `errors`
    ///   GET  /healthz, /readyz       liveness, and readiness (the history verifies)
    ///   GET  /metrics                Prometheus text: requests, latencies, checks by outcome
    ///   GET  /openapi.json           the OpenAPI 3.1 description of all of the above
    ///
    /// Tokens: `credence token issue --role relying-party --for airline` prints one (once);
    /// send it as `Authorization: Bearer <token>`. Every check and report is in the subject's
    /// access log before the answer leaves. Over the embedded store by default, or PostgreSQL
    /// with --database. SIGTERM or Ctrl-C stops accepting and finishes the requests accepted.
    ///
    ///   TOKEN=$(credence --registry reg/ token issue --role relying-party --for airline)
    ///   credence --registry reg/ serve --listen 127.0.0.1:8080 &
    ///   curl -H "Authorization: Bearer $TOKEN" \
    ///        -d '{"subject":"11010519491231002X","measure":"no-flights"}' \
    ///        http://127.0.0.1:8080/v1/checks
    #[command(verbatim_doc_comment)]
    Serve {
        /// The address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The largest JSON body taken (a check), in bytes; larger ones get 413.
        #[arg(long, default_value_t = 64 * 1024)]
        max_body_bytes: usize,
        /// The largest batch body taken, in bytes; larger ones get 413 (a batch is also held
        /// to the limits of a submitted file: 5,000,000 rows, 64 KiB a line).
        #[arg(long, default_value_t = 256 * 1024 * 1024)]
        max_batch_bytes: usize,
        /// The longest a request may take, body included, in seconds; slower ones get 408.
        #[arg(long, default_value_t = 60)]
        request_timeout: u64,
        /// Requests worked on at once; more get 503 at once rather than waiting.
        #[arg(long, default_value_t = 64)]
        max_concurrent: usize,
    },
    /// Bearer tokens for the service: issue, list, revoke. A token names one principal in one
    /// role; the registry keeps only its SHA-256, so it is printed once, when issued.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Population-scale benchmark: generate subjects in memory and evaluate every shipped pack.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        subjects: usize,
        /// Average events per subject.
        #[arg(long, default_value_t = 10)]
        events_per_subject: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also measure durable ingest of one batch of this many rows (0: skip); into a new
        /// registry in the PostgreSQL `--database` when one is given (it must hold none yet).
        #[arg(long, default_value_t = 1_000_000)]
        ingest_rows: usize,
        /// While that batch is ingested, check subjects already in the registry from another
        /// thread, one after another, and print the checks' latency (p50, p99, max) while the
        /// batch is validated and while it is written.
        #[arg(long)]
        checks_during_ingest: bool,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Issue a token and print it (once: only its hash is kept).
    ///
    /// `--for` names the principal: a registered source (`--role source --for court`), a
    /// relying party some measure names (`--role relying-party --for airline`), a subject's
    /// identifier (`--role subject --for 11010519491231002X`: kept only as its pseudonym), or
    /// a person's name (`--role operator|auditor --for "Wang Fang"`).
    Issue {
        /// operator, source, relying-party, subject or auditor.
        #[arg(long)]
        role: credence_registry::tokens::Role,
        /// Whom the token names.
        #[arg(long = "for", value_name = "NAME")]
        named: String,
        /// Print the token and what is kept of it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every token issued: id, role, whom it names (a subject masked), when issued and revoked.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (as `token list` shows it): from then on it opens nothing.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Each source's records, corrections, retractions and disputes, with its measured
    /// reversal rate (records retracted or lost in a dispute, per record).
    Sources {
        #[arg(long)]
        json: bool,
    },
    /// Replay the whole history under the registry's key (every subject's chain, every batch
    /// digest and commitment, every publication of the policy and sources, the access log) and
    /// prove it against a published head: the witness file's lines (`--witness`, by default the
    /// registry's own) or `--head N:HEX` as printed here or written in the witness. Exits 6
    /// naming what does not verify; a database that ends before the published head was rolled
    /// back.
    /// Publish the access log's head to the witness file now. A batch publishes it; a check
    /// does not, so run this periodically (from cron, or the service's timer): truncating the
    /// accesses logged since is then caught by `audit verify`. The whole history is verified
    /// first, and nothing is published from one that does not verify (exit 6).
    Witness,
    Verify {
        /// A published head: `N:HEX` (batch number and digest) or the digest alone.
        #[arg(long)]
        head: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Validate packs together; every error with file, line, column and how to fix it.
    ///
    /// A `sources.toml` among the files is checked against the packs: every source's
    /// categories must exist. `credence policy check policies/*` checks everything shipped.
    Check { files: Vec<PathBuf> },
    /// Print the public catalogue of the packs (Markdown).
    Describe { files: Vec<PathBuf> },
    /// Run worked examples (scenario files, or directories of them) against the packs: exits 1
    /// when an expectation fails, 3 when a scenario is malformed.
    Test {
        /// The packs to test (default: the shipped packs, built in).
        #[arg(long = "policy", num_args = 1..)]
        policy: Vec<PathBuf>,
        files: Vec<PathBuf>,
    },
    /// Before publishing: evaluate the policy in force and a draft set over every subject of
    /// the registry and show whom the change hits.
    ///
    /// Each draft pack replaces the published pack with the same `[policy] id` (a new id is
    /// added). Prints entries and exits per list, the grade transition matrix per scheme, the
    /// histogram of score shifts per scorecard and the measures gained and lost.
    ///
    ///   credence --registry reg/ policy simulate draft/civic-points.toml --svg impact.svg
    Simulate {
        /// The draft packs.
        #[arg(required = true)]
        drafts: Vec<PathBuf>,
        /// The day to evaluate on (default: the registry's date).
        #[arg(long)]
        as_of: Option<Day>,
        /// The numbers as JSON.
        #[arg(long)]
        json: bool,
        /// Also draw the changes as an SVG chart into this file.
        #[arg(long)]
        svg: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum IdCommand {
    /// Check identifiers against GB 11643 (resident ids), GB 32100 and GB 11714 (USCCs): shows
    /// what each is; exits 3 when any is invalid, or ambiguous (valid both as a resident id and
    /// as a USCC) without `--kind` or a `resident:` / `uscc:` prefix.
    Check {
        values: Vec<String>,
        /// Accept legacy pilot USCCs that fail the check (as a source may flag them).
        #[arg(long)]
        legacy: bool,
        /// Read every value as this kind of subject: `person` or `organisation`.
        #[arg(long)]
        kind: Option<credence_model::SubjectKind>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    quiet_on_broken_pipe();
    match run(cli) {
        Ok(code) => code,
        // The reader has what it wanted and closed the pipe: nothing more to say, no error.
        Err(error) if broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Policy diagnostics carry their own `error[code]` headings.
            let diagnostics = error
                .downcast_ref::<credence_policy::Diagnostics>()
                .is_some()
                || matches!(
                    error.downcast_ref::<RegistryError>(),
                    Some(RegistryError::Policy(_))
                );
            if diagnostics {
                eprintln!("{error:#}");
            } else {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(code_for(&error))
        }
    }
}

/// Whether the error is a write to a pipe whose reader has gone.
fn broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The commands print with [`say!`]; a `println!` left elsewhere (the demo, the benchmark)
/// panics on a closed pipe, and this ends the process quietly with 0 instead of a panic
/// message and exit code 101.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn code_for(error: &anyhow::Error) -> u8 {
    if let Some(
        credence_store::StoreError::Tampered(_) | credence_store::StoreError::RolledBack { .. },
    ) = error.downcast_ref::<credence_store::StoreError>()
    {
        return exit::TAMPERED;
    }
    match error.downcast_ref::<submission::ReadError>() {
        Some(submission::ReadError::Io { .. }) => return exit::FAILURE,
        Some(_) => return exit::INVALID_INPUT,
        None => {}
    }
    if error
        .downcast_ref::<credence_registry::intake::FormatError>()
        .is_some()
    {
        return exit::INVALID_INPUT;
    }
    match error.downcast_ref::<RegistryError>() {
        Some(RegistryError::Read(submission::ReadError::Io { .. })) => exit::FAILURE,
        Some(
            RegistryError::Rejected(_)
            | RegistryError::Format(_)
            | RegistryError::Read(_)
            | RegistryError::Policy(_)
            | RegistryError::Sources(_)
            | RegistryError::Identifier(..)
            | RegistryError::Time(_)
            | RegistryError::Store(credence_store::StoreError::RecordedBackwards { .. }),
        ) => exit::INVALID_INPUT,
        Some(
            RegistryError::UnknownMeasure(_)
            | RegistryError::UnknownSource { .. }
            | RegistryError::UnknownParty { .. }
            | RegistryError::UnknownToken(_),
        ) => exit::NOT_FOUND,
        Some(RegistryError::Principal(_)) => exit::INVALID_INPUT,
        Some(RegistryError::NotPermitted { .. }) => exit::NOT_PERMITTED,
        Some(RegistryError::Store(
            credence_store::StoreError::Tampered(_) | credence_store::StoreError::RolledBack { .. },
        )) => exit::TAMPERED,
        _ if error
            .downcast_ref::<credence_policy::Diagnostics>()
            .is_some() =>
        {
            exit::INVALID_INPUT
        }
        _ => exit::FAILURE,
    }
}

/// An argument that is written into the registry and printed later: no line break, tab,
/// control or terminal escape character (a forged line of the subject's access log).
fn printable(value: &str) -> Result<String, String> {
    match credence_model::text::forbidden_message(value) {
        None => Ok(value.to_owned()),
        Some(message) => Err(message),
    }
}

/// Today's date in UTC, or the date given with `--today`.
pub fn today(given: Option<Day>) -> Day {
    given.unwrap_or_else(|| Day((now_ms() / 86_400_000) as i32))
}

/// Now: the registry's date (`--today`, or the UTC date) and the wall-clock time.
pub fn stamp(today: Day) -> credence_store::Stamp {
    credence_store::Stamp {
        day: today,
        at_ms: now_ms(),
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Where the registry's files are.
fn paths(cli: &Cli) -> credence_store::Paths {
    credence_store::Paths::new(&cli.registry)
        .with_key_file(cli.key_file.clone())
        .with_witness(cli.witness.clone())
        .with_database(cli.database.clone())
}

/// A PostgreSQL connection URL.
fn database_url(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(text.to_owned())
    } else {
        Err("not a PostgreSQL URL: write it as postgres://USER@HOST:PORT/DATABASE".into())
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let cli_today = cli.today;
    let today = today(cli_today);
    let paths = paths(&cli);
    match cli.command {
        Command::Demo { dir, people, orgs } => demo::run(dir, people, orgs, today),
        Command::Init {
            dir,
            policies,
            sources,
        } => {
            let policies = read_policies(&policies)?;
            let sources_text = read_text(&sources)?;
            let paths = credence_store::Paths::new(&dir)
                .with_key_file(cli.key_file.clone())
                .with_witness(cli.witness.clone())
                .with_database(cli.database.clone());
            let registry = Registry::init_at(
                &paths,
                policies,
                &sources.display().to_string(),
                &sources_text,
            )?;
            say!(
                "created registry {} with {} policy packs and {} sources",
                dir.display(),
                registry.policy().packs.len(),
                registry.sources().len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            file,
            source,
            format,
            json,
        } => {
            let mut registry = Registry::open_at(&paths)?;
            let format = match format {
                Some(format) => format.into(),
                None => credence_registry::intake::Format::from_path(&file)?,
            };
            let receipt = ingest_file(&mut registry, &file, format, &source, today)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&receipt)?);
            } else {
                say!(
                    "accepted batch {} from `{source}`: {} events appended, {} already present, {} standings updated",
                    receipt.batch,
                    receipt.appended,
                    receipt.unchanged,
                    receipt.subjects
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            subject,
            as_of,
            known_at,
            json,
        } => {
            let known_at = known_at.unwrap_or(today);
            Registry::known_at_allowed(known_at, today)?;
            let mut registry = Registry::open_at(&paths)?;
            let report =
                registry.report(&subject, as_of.unwrap_or(today), known_at, stamp(today))?;
            if json {
                say!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                say_more!(
                    "{}",
                    credence_registry::render::report_text(&report, registry.policy())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            subject,
            measure,
            party,
            as_of,
            json,
        } => {
            let mut registry = Registry::open_at(&paths)?;
            let answer = registry.check(
                &subject,
                &measure,
                as_of.unwrap_or(today),
                &party,
                stamp(today),
            )?;
            if json {
                say!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                // Every text is printed escaped: a line break in it cannot forge a line.
                say!(
                    "{}",
                    credence_registry::render::check_text(&answer).trim_end()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy { command } => match command {
            PolicyCommand::Check { files } => {
                let sources = read_policies(&files)?;
                let policy = credence_policy::compile(&sources)?;
                // A sources file given with the packs is checked against them.
                for path in files.iter().filter(|p| is_sources_file(p)) {
                    let text = read_text(path)?;
                    let registered = credence_registry::sources::parse_sources(
                        &path.display().to_string(),
                        &text,
                        &policy,
                    )
                    .map_err(|e| RegistryError::Sources(e.to_string()))?;
                    say!("{}: {} sources valid", path.display(), registered.len());
                }
                say!(
                    "{} packs valid: {} categories, {} schemes and ratings, {} scorecards, {} lists, {} measures",
                    policy.packs.len(),
                    policy.categories.len(),
                    policy.schemes.len(),
                    policy.scorecards.len(),
                    policy.lists.len(),
                    policy.measures.len()
                );
                Ok(ExitCode::SUCCESS)
            }
            PolicyCommand::Test { policy, files } => {
                let sources = if policy.is_empty() {
                    shipped::packs()
                } else {
                    read_policies(&policy)?
                };
                let policy = credence_policy::compile(&sources)?;
                let outcome = policy_test::run(&policy, &files);
                print!("{}", outcome.report);
                for line in outcome.malformed.iter().chain(&outcome.failures) {
                    eprintln!("{line}");
                }
                println!(
                    "{} scenarios: {} expectations failed, {} malformed",
                    outcome.scenarios,
                    outcome.failures.len(),
                    outcome.malformed.len()
                );
                Ok(if !outcome.malformed.is_empty() {
                    ExitCode::from(exit::INVALID_INPUT)
                } else if !outcome.failures.is_empty() {
                    ExitCode::from(exit::FAILURE)
                } else {
                    ExitCode::SUCCESS
                })
            }
            PolicyCommand::Simulate {
                drafts,
                as_of,
                json,
                svg,
            } => {
                let registry = Registry::open_at(&paths)?;
                let drafts = read_policies(&drafts)?;
                let as_of = as_of.unwrap_or(today);
                let bar = progress_bar(registry.store_stats()?.subjects, "simulating");
                let simulation =
                    credence_registry::simulate::simulate(&registry, &drafts, as_of, &mut |n| {
                        bar.inc(n as u64)
                    })?;
                bar.finish_and_clear();
                if let Some(path) = &svg {
                    std::fs::write(path, simulate::svg(&simulation.impact))
                        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
                }
                if json {
                    say!("{}", serde_json::to_string_pretty(&simulation.impact)?);
                } else {
                    say_more!("{}", simulate::text(&simulation, as_of));
                }
                Ok(ExitCode::SUCCESS)
            }
            PolicyCommand::Describe { files } => {
                let sources = read_policies(&files)?;
                let policy = credence_policy::compile(&sources)?;
                say_more!("{}", credence_policy::describe::describe(&policy));
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Id {
            command:
                IdCommand::Check {
                    values,
                    legacy,
                    kind,
                    json,
                },
        } => id_check(&values, legacy, kind, json, today),
        Command::Gen {
            people,
            orgs,
            years,
            seed,
            density,
            out,
            csv,
        } => {
            let config = credence_gen::GenConfig {
                people,
                orgs,
                years,
                seed,
                end: today,
                density,
            };
            let bar = progress_bar(0, "generating");
            let format = if csv {
                credence_gen::Format::Csv
            } else {
                credence_gen::Format::Jsonl
            };
            let manifest = credence_gen::write_files(&config, &out, format, &mut |n| bar.inc(n))?;
            bar.finish_and_clear();
            say!(
                "wrote {} events about {} people and {} organisations to {}",
                manifest.events,
                manifest.people,
                manifest.organisations,
                out.display()
            );
            for (source, categories) in &manifest.counts {
                say!(
                    "  {source}.{}: {} events",
                    if csv { "csv" } else { "jsonl" },
                    categories.values().sum::<u64>()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Sources { json },
        } => {
            let registry = Registry::open_at(&paths)?;
            let quality = registry.source_quality(today)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&quality)?);
            } else {
                say!(
                    "{:<24} {:>9} {:>8} {:>8} {:>8} {:>5} {:>10}  reversal rate",
                    "source",
                    "records",
                    "correct",
                    "retract",
                    "dispute",
                    "lost",
                    "unanswered"
                );
                let worst = quality
                    .iter()
                    .map(|q| q.reversal_rate)
                    .fold(0.0, f64::max)
                    .max(f64::EPSILON);
                for q in &quality {
                    let bar = "█".repeat(((q.reversal_rate / worst) * 20.0).round() as usize);
                    say!(
                        "{:<24} {:>9} {:>8} {:>8} {:>8} {:>5} {:>10}  {:>6.2}% {bar}",
                        q.source,
                        q.records,
                        q.corrections,
                        q.retractions,
                        q.disputes,
                        q.disputes_lost,
                        q.disputes_unanswered,
                        q.reversal_rate * 100.0
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { head, json },
        } => {
            // The store alone: a history that does not verify is what this command reports on,
            // so nothing is checked before it runs.
            let store = credence_store::AnyStore::open_at(&paths)?;
            // Against the head given, and the witness file whenever there is one.
            let mut published = Vec::new();
            if let Some(head) = head {
                published.push(parse_head(&head)?);
            }
            if published.is_empty() || paths.witness.exists() {
                published.push(credence_store::PublishedHead::Witness(
                    paths.witness.clone(),
                ));
            }
            let report = credence_store::Store::verify_chain(&store, &published)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.problems.is_empty() {
                say!(
                    "history intact: {} events about {} subjects, {} batches, {} accesses; head {}",
                    report.events,
                    report.subjects,
                    report.batches,
                    report.accesses,
                    report.head
                );
            } else {
                say!(
                    "history ALTERED: it was changed after it was written (head {}):",
                    report.head
                );
                for problem in &report.problems {
                    say!("  {}", Escaped(problem));
                }
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(exit::TAMPERED)
            })
        }
        Command::Audit {
            command: AuditCommand::Witness,
        } => {
            let store = credence_store::AnyStore::open_at(&paths)?;
            let published = [credence_store::PublishedHead::Witness(
                paths.witness.clone(),
            )];
            let report = credence_store::Store::verify_chain(&store, &published)?;
            if let Some(problem) = report.problems.first() {
                say!(
                    "nothing published: the history does not verify ({}); run `credence audit verify`",
                    Escaped(problem)
                );
                return Ok(ExitCode::from(exit::TAMPERED));
            }
            match store.witness_accesses()? {
                Some(line) => say!(
                    "published the access log's head: entry {} at batch {}",
                    line.access_seq,
                    line.batch
                ),
                None => say!("the witness file already holds the access log's head"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            max_body_bytes,
            max_batch_bytes,
            request_timeout,
            max_concurrent,
        } => {
            let config = credence_server::Config {
                paths,
                limits: credence_server::Limits {
                    body_bytes: max_body_bytes,
                    batch_bytes: max_batch_bytes,
                    request_timeout: std::time::Duration::from_secs(request_timeout),
                    concurrent: max_concurrent.max(1),
                },
                today: cli_today,
            };
            match credence_server::run(config, listen) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(credence_server::ServeError::Registry(e)) => Err(e.into()),
                Err(e) => Err(e.into()),
            }
        }
        Command::Token { command } => {
            let mut registry = Registry::open_at(&paths)?;
            match command {
                TokenCommand::Issue { role, named, json } => {
                    let (token, record) = registry.issue_token(role, &named, now_ms())?;
                    if json {
                        let shown = serde_json::json!({
                            "token": token,
                            "id": record.id,
                            "role": record.role,
                            "for": record.label,
                            "issued_at_ms": record.issued_at_ms,
                        });
                        say!("{}", serde_json::to_string_pretty(&shown)?);
                    } else {
                        say!("{token}");
                        eprintln!(
                            "token {} for the {} {} (shown once: the registry keeps only its hash)",
                            record.id,
                            record.role,
                            Escaped(&record.label)
                        );
                    }
                }
                TokenCommand::List { json } => {
                    let tokens = registry.tokens()?;
                    if json {
                        let shown: Vec<serde_json::Value> = tokens
                            .iter()
                            .map(|t| {
                                serde_json::json!({
                                    "id": t.id,
                                    "role": t.role,
                                    "for": t.label,
                                    "issued_at_ms": t.issued_at_ms,
                                    "revoked_at_ms": t.revoked_at_ms,
                                })
                            })
                            .collect();
                        say!("{}", serde_json::to_string_pretty(&shown)?);
                    } else if tokens.is_empty() {
                        say!("no tokens issued: `credence token issue --role ROLE --for NAME`");
                    }
                    for t in &tokens {
                        say!(
                            "{}  {:<13} {}  issued {}{}",
                            t.id,
                            t.role,
                            Escaped(&t.label),
                            t.issued_at_ms,
                            t.revoked_at_ms
                                .map(|at| format!(", REVOKED {at}"))
                                .unwrap_or_default()
                        );
                    }
                }
                TokenCommand::Revoke { id } => {
                    let revoked = registry.revoke_token(&id, now_ms())?;
                    say!(
                        "revoked token {} of the {} {}",
                        revoked.id,
                        revoked.role,
                        Escaped(&revoked.label)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Recompute { as_of } => {
            let mut registry = Registry::open_at(&paths)?;
            let total = registry.store_stats()?.subjects;
            let bar = progress_bar(total, "recomputing");
            let count = registry.recompute(as_of.unwrap_or(today), &mut |n| bar.inc(n as u64))?;
            bar.finish_and_clear();
            say!("recomputed {count} standings");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            subjects,
            events_per_subject,
            seed,
            ingest_rows,
            checks_during_ingest,
        } => bench::run(
            subjects,
            events_per_subject,
            seed,
            bench::Ingest {
                rows: ingest_rows,
                checks: checks_during_ingest,
                database: paths.database.clone(),
            },
            today,
        ),
    }
}

/// A published head: `N:HEX` or `HEX` (64 hexadecimal characters).
fn parse_head(text: &str) -> Result<credence_store::PublishedHead> {
    let (batch, digest) = match text.split_once(':') {
        Some((batch, digest)) => (
            Some(batch.parse::<i64>().map_err(|_| {
                anyhow::anyhow!("--head `{text}`: the batch number before `:` is not a number")
            })?),
            digest,
        ),
        None => (None, text),
    };
    anyhow::ensure!(
        digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "--head `{text}`: expected `N:HEX` or `HEX`, the digest being 64 hexadecimal characters"
    );
    Ok(credence_store::PublishedHead::Digest {
        batch,
        digest: digest.to_owned(),
    })
}

/// What a valid identifier is, in words and as JSON.
fn id_reading(id: &Identifier) -> (String, serde_json::Value) {
    let mut json = serde_json::json!({
        "kind": id.type_name(),
        "subject": id.kind().to_string(),
        "canonical": id.canonical(),
    });
    let words = match id {
        Identifier::ResidentId(resident) => {
            json["birth"] = resident.birth_date().to_string().into();
            json["region"] = resident.region().into();
            json["sex"] = if resident.is_male() { "male" } else { "female" }.into();
            format!(
                "resident id (person), born {}, region {}",
                resident.birth_date(),
                resident.region()
            )
        }
        Identifier::Uscc(code) => {
            json["authority"] = code.authority_name().into();
            json["category"] = code.category().to_string().into();
            json["region"] = code.region().into();
            json["organisation_code"] = code.organisation_code().into();
            json["legacy"] = code.is_legacy().into();
            format!(
                "USCC (organisation), registered by {} (category {}) in region {}, organisation \
                 code {}{}",
                code.authority_name(),
                code.category(),
                code.region(),
                code.organisation_code(),
                if code.is_legacy() {
                    ", legacy pilot code"
                } else if code.is_ambiguous() {
                    "; also a valid resident id, so written uscc:…"
                } else {
                    ""
                }
            )
        }
        Identifier::Other(other) => format!("{} ({})", other.scheme(), other.kind()),
    };
    (words, json)
}

fn id_check(
    values: &[String],
    legacy: bool,
    kind: Option<credence_model::SubjectKind>,
    json: bool,
    today: Day,
) -> Result<ExitCode> {
    use credence_model::IdError;
    let options = IdOptions {
        allow_legacy_uscc: legacy,
    };
    let mut refused = 0;
    let mut rows = Vec::new();
    for value in values {
        match Identifier::parse_as(value, options, kind) {
            Ok(id) => {
                if let Some(birth) = id.birth_date().filter(|&birth| birth > today) {
                    refused += 1;
                    let error = format!(
                        "`{value}` carries the birth date {birth}, after today ({today}): check \
                         the date digits (positions 7-14)"
                    );
                    rows.push(serde_json::json!({"value": value, "valid": false, "error": error}));
                    if !json {
                        say!("{}: INVALID: {}", Escaped(value), Escaped(&error));
                    }
                    continue;
                }
                let (words, mut reading) = id_reading(&id);
                reading["value"] = value.as_str().into();
                reading["valid"] = true.into();
                rows.push(reading);
                if !json {
                    say!("{}: valid {words}", Escaped(value));
                }
            }
            Err(error @ IdError::Ambiguous { .. }) => {
                refused += 1;
                let IdError::Ambiguous {
                    person,
                    organisation,
                    ..
                } = &error
                else {
                    unreachable!("matched above")
                };
                let readings = [
                    Identifier::ResidentId(person.clone()),
                    Identifier::Uscc(organisation.clone()),
                ]
                .map(|id| id_reading(&id));
                rows.push(serde_json::json!({
                    "value": value,
                    "valid": false,
                    "ambiguous": true,
                    "readings": [readings[0].1, readings[1].1],
                    "error": error.to_string(),
                }));
                if !json {
                    say!(
                        "{}: AMBIGUOUS: valid both ways: as a {}; and as a {}; state which \
                         (--kind person or --kind organisation, the row's `kind` in a file, or \
                         write resident:{value} or uscc:{value})",
                        Escaped(value),
                        readings[0].0,
                        readings[1].0
                    );
                }
            }
            Err(error @ IdError::ResidentShaped { .. }) => {
                refused += 1;
                rows.push(serde_json::json!({
                    "value": value,
                    "valid": false,
                    "ambiguous": true,
                    "error": error.to_string(),
                }));
                if !json {
                    say!(
                        "{}: AMBIGUOUS: {}",
                        Escaped(value),
                        Escaped(&error.to_string())
                    );
                }
            }
            Err(error) => {
                refused += 1;
                rows.push(
                    serde_json::json!({"value": value, "valid": false, "error": error.to_string()}),
                );
                if !json {
                    say!(
                        "{}: INVALID: {}",
                        Escaped(value),
                        Escaped(&error.to_string())
                    );
                }
            }
        }
    }
    if json {
        say!("{}", serde_json::Value::Array(rows));
    }
    Ok(if refused > 0 {
        ExitCode::from(exit::INVALID_INPUT)
    } else {
        ExitCode::SUCCESS
    })
}

/// The file of registered sources travels with the packs (`policies/sources.toml`).
fn is_sources_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "sources.toml")
}

fn read_policies(paths: &[PathBuf]) -> Result<Vec<PolicySource>> {
    let mut sources = Vec::new();
    for path in paths {
        // `policies/*` also names `policies/scenarios/`, the packs' worked examples.
        if is_sources_file(path) || path.is_dir() {
            continue;
        }
        let text = read_text(path)?;
        sources.push(PolicySource {
            name: path.display().to_string(),
            text,
        });
    }
    anyhow::ensure!(!sources.is_empty(), "no policy files given");
    Ok(sources)
}

/// A document's text (a policy pack, the sources file): UTF-8 (a UTF-8 byte order mark is
/// dropped) and within [`Limits::DOCUMENT`], or an error that says where it is not (exit code 3).
pub fn read_text(path: &Path) -> Result<String> {
    Ok(submission::read_path(path, &Limits::DOCUMENT)?)
}

/// A submitted file's format, named on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FileFormat {
    /// One JSON object per line.
    Jsonl,
    /// A header line, then one record per line.
    Csv,
}

impl From<FileFormat> for credence_registry::intake::Format {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Jsonl => credence_registry::intake::Format::Jsonl,
            FileFormat::Csv => credence_registry::intake::Format::Csv,
        }
    }
}

/// Ingests a file, read block by block, with a progress bar: rows validated, then events
/// written.
pub fn ingest_file(
    registry: &mut Registry,
    file: &Path,
    format: credence_registry::intake::Format,
    source: &str,
    today: Day,
) -> Result<credence_store::BatchReceipt> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{msg:>24} {pos} rows ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("validating {name}"));
    let mut phase = IngestPhase::Validating;
    let mut rows = 0;
    let receipt = registry.ingest_format(
        &file.display().to_string(),
        file,
        format,
        source,
        today,
        now_ms(),
        &mut |now, n| {
            if now != phase {
                phase = now;
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg:>24} [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_length(rows as u64);
                bar.set_message(format!("writing {name}"));
                bar.set_position(0);
            }
            if now == IngestPhase::Validating {
                rows = n;
            }
            bar.set_position(n as u64);
        },
    );
    bar.finish_and_clear();
    Ok(receipt?)
}

pub fn progress_bar(length: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("{msg:>24} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_owned());
    bar
}
