//! Intake: a file submitted by a source becomes a validated [`Batch`], or is rejected whole
//! with every error listed by line and field.
//!
//! A file is JSONL, one object per line (blank lines skipped):
//!
//! ```json
//! {"ref":"court-000001","action":"record","subject":"11010519491231002X","category":"court.dishonest-conduct","date":"2024-03-01","attributes":{"case":"(2024)京0105执123号","court":"...","ground":"refuses","amount":"15000.00"}}
//! ```
//!
//! with `"target"` (the `ref` of the record an event acts on: required for every action but
//! `record`, `consent` and `withdraw`), `"legacy_id": true` (the source vouches for a legacy
//! pilot USCC whose check character fails) and `"kind": "person"` or `"organisation"` when
//! needed. `kind` is required when the subject's 18 characters are valid both as a resident id
//! and as a USCC (the row is refused on field `kind` without it), and is what settles a valid
//! USCC that has the shape of a broken resident id; when given, an identifier that cannot be of
//! that kind is refused. `"birth_date": "YYYY-MM-DD"` states the birth date of a person whose
//! identifier carries none (`passport:…`): it is refused for an identifier that carries one (its
//! own date is authoritative), for an organisation, and when it is not a date from 1900 to
//! today. The first birth date a subject is given is kept with it (the store's birth column,
//! which a resident id fills), and a later row stating a different one is refused: correcting a
//! birth date is not something a row can do. Or it is CSV: a header
//! `ref,action,subject,category,date[,target][,legacy_id][,kind][,birth_date]` then one column per
//! attribute, an empty cell being absent. Attribute values: money as yuan with at most two decimals (a JSON
//! string or number; stored in fen), int as a number, bool as `true`/`false`, date as
//! `YYYY-MM-DD`, enum one of the declared values, text up to [`TEXT_MAX`] characters, subject an
//! identifier (stored as its pseudonym, and indexed as a link of the event). No text of a row
//! (reference, target, any field or attribute) may hold a line break, tab, control character,
//! terminal escape, line separator or bidirectional control: it would be printed into answers
//! ([`credence_model::text`]). The file is UTF-8 ([`crate::encoding`]); a leading UTF-8 byte
//! order mark is dropped.
//!
//! Nothing is accepted from a file with any error: the source fixes the file and submits it
//! again, and since intake is idempotent on the source's references, rows it already submitted
//! are passed through and skipped by the store.
//!
//! Checks, in two passes:
//!
//! 1. each row on its own (`row`): reference, action, the subject's identifier with its check
//!    character and structure (see `credence_model::id`: placeholders and 15-digit
//!    first-generation ids are refused) read as the stated `kind`, the category (declared by the policy and registered for this source), the
//!    subject kind the category is about, the date (not in the future, within 1900-01-01 to
//!    2199-12-31), every attribute against its declared type, required attributes, the target
//!    where the action needs one;
//! 2. the rows together and against the store (one [`Store::known_references`] call for the
//!    whole file): references unique in the file, targets naming a `record` of the same source,
//!    subject and category (earlier in the file or already stored), and a reference already
//!    stored only when resubmitted unchanged; stated birth dates agreeing with each other and
//!    with the one the store holds;
//! 3. every action against its record's state machine ([`credence_engine::lifecycle`]) on its
//!    own date, after the record's stored events and the file's earlier rows: an extension
//!    of an entry that has ended, a repair before the minimum period, an answer to no dispute,
//!    an action dated before its record... are refused with the line and field.
//!
//! Identifiers never leave intake: the batch carries each subject's keyed pseudonym
//! ([`pseudonym`]), its masked form and the birth date a resident id carries or a row states.

mod csvfile;
mod jsonl;
mod plan;
mod pseudonym;
mod row;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use credence_model::text::Escaped;
use credence_model::{Action, Day, Event};
use credence_policy::Policy;
use credence_store::{
    BATCH_EVENTS_MAX, Batch, KnownReference, NewEvent, SourceRecord, Store, StoreError,
};

pub use pseudonym::{Pseudonymiser, hex, hmac_sha256, pseudonym};

use plan::Plan;
pub use row::parse_money;
use row::{Parsed, RowFields, Validator};

/// The longest line (JSONL) or row (CSV) accepted, in bytes.
pub const LINE_MAX: usize = 64 * 1024;
/// The longest reference (`ref`, `target`), in characters.
pub const REFERENCE_MAX: usize = 128;
/// The longest text attribute, in characters.
pub const TEXT_MAX: usize = 256;
/// Validation stops after this many errors (the file is rejected either way).
pub const ERRORS_MAX: usize = 100_000;
/// How many errors [`IntakeErrors`] prints; the rest are counted.
pub const ERRORS_SHOWN: usize = 1_000;
/// Progress is reported after every this many rows (and at the end).
pub const PROGRESS_EVERY: usize = 10_000;

/// The format of a submitted file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

/// The file's extension names no format intake reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot tell the format of `{path}` from its extension: name a JSONL file `*.jsonl` (or \
     `*.ndjson`) and a CSV file `*.csv`"
)]
pub struct FormatError {
    pub path: String,
}

impl Format {
    /// The format named by the file's extension (`.jsonl`, `.ndjson`, `.csv`, any case).
    pub fn from_path(path: &Path) -> Result<Format, FormatError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
            Some("csv") => Ok(Format::Csv),
            _ => Err(FormatError {
                path: path.display().to_string(),
            }),
        }
    }
}

/// What intake needs besides the file.
#[derive(Clone, Copy, Debug)]
pub struct IntakeContext<'a> {
    pub policy: &'a Policy,
    /// The submitting source (its allowed categories).
    pub source: &'a SourceRecord,
    /// The registry's secret that keys subject pseudonyms ([`Store::pseudonym_key`]).
    pub pseudonym_key: &'a [u8],
    /// The registry's date: events after it are refused; it is every event's `recorded` day.
    pub today: Day,
    /// Wall-clock time of intake, kept with the batch.
    pub recorded_at_ms: i64,
}

/// One problem with one field of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based physical line (for CSV the header is line 1).
    pub line: usize,
    /// The field as named in the file (`subject`; `attributes.amount` in JSONL, `amount` in
    /// CSV), or `-` for the row as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowError {
    /// Messages quote the file's values, which may hold anything: they are printed escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = Escaped(&self.message);
        if self.field == "-" {
            write!(f, "line {}: {message}", self.line)
        } else {
            write!(
                f,
                "line {}, field `{}`: {message}",
                self.line,
                Escaped(&self.field)
            )
        }
    }
}

/// A rejected file: every error found, in line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeErrors {
    pub file: String,
    pub errors: Vec<RowError>,
    /// Rows read.
    pub rows: usize,
    /// Validation stopped early at a limit: why, and that the rest was not checked.
    pub stopped: Option<String>,
}

impl IntakeErrors {
    /// Whether some error is about this line and field.
    pub fn has(&self, line: usize, field: &str) -> bool {
        self.errors
            .iter()
            .any(|e| e.line == line && e.field == field)
    }
}

impl fmt::Display for IntakeErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let rows = self.rows;
        writeln!(
            f,
            "`{}` was rejected: {n} error{} in {rows} row{}; nothing was accepted, fix the file \
             and submit it again",
            Escaped(&self.file),
            if n == 1 { "" } else { "s" },
            if rows == 1 { "" } else { "s" },
        )?;
        if let Some(stopped) = &self.stopped {
            writeln!(f, "  {stopped}")?;
        }
        for error in self.errors.iter().take(ERRORS_SHOWN) {
            writeln!(f, "  {error}")?;
        }
        if n > ERRORS_SHOWN {
            writeln!(f, "  ... and {} more", n - ERRORS_SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for IntakeErrors {}

/// Why a file did not become a batch.
#[derive(Debug, thiserror::Error)]
pub enum IntakeFailure {
    /// The file has errors; nothing of it was accepted.
    #[error(transparent)]
    Rejected(#[from] IntakeErrors),
    /// The store could not be asked about the file's references.
    #[error("could not look up the file's references in the registry: {0}")]
    Store(#[from] StoreError),
}

/// Reads and validates a submitted file into a batch of `ctx.source`.
pub fn read_batch(
    ctx: &IntakeContext<'_>,
    file_name: &str,
    text: &str,
    format: Format,
    store: &dyn Store,
) -> Result<Batch, IntakeFailure> {
    read_batch_with_progress(ctx, file_name, text, format, store, &mut |_| {})
}

/// [`read_batch`], calling `progress` with the number of rows validated so far (about every
/// [`PROGRESS_EVERY`] rows, and once at the end with the total).
///
/// Rows are checked on their own in parallel (the file is cut at line boundaries, one piece
/// per available core), then together and against the store on the calling thread.
pub fn read_batch_with_progress(
    ctx: &IntakeContext<'_>,
    file_name: &str,
    text: &str,
    format: Format,
    store: &dyn Store,
    progress: &mut dyn FnMut(usize),
) -> Result<Batch, IntakeFailure> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let validator = Validator {
        plan: Plan::new(ctx.policy, ctx.source),
        pseudonymiser: Pseudonymiser::new(ctx.pseudonym_key),
        today: ctx.today,
        attribute_prefix: match format {
            Format::Jsonl => "attributes.",
            Format::Csv => "",
        },
    };
    let reject = |mut errors: Vec<RowError>, rows: usize, stopped: Option<String>| {
        errors.sort_by_key(|e| e.line);
        IntakeFailure::Rejected(IntakeErrors {
            file: file_name.to_owned(),
            errors,
            rows,
            stopped,
        })
    };
    // The body (CSV: after its header) and the line its first byte is on.
    let (body, first_line, columns) = match format {
        Format::Jsonl => (text, 1, None),
        Format::Csv => match csvfile::header(text) {
            Ok((columns, offset, line)) => (&text[offset..], line, Some(columns)),
            Err(errors) => return Err(reject(errors, 0, None)),
        },
    };
    let Checked {
        parsed,
        mut errors,
        rows,
        stopped,
    } = check_rows(&validator, body, first_line, columns.as_ref(), progress);
    progress(rows);
    if rows > BATCH_EVENTS_MAX {
        errors.push(RowError {
            line: 1,
            field: "-".to_owned(),
            message: format!(
                "the file has more than {BATCH_EVENTS_MAX} rows, the most one batch may hold: \
                 split it into several files"
            ),
        });
    }
    if rows == 0 && errors.is_empty() {
        errors.push(RowError {
            line: 1,
            field: "-".to_owned(),
            message: "the file holds no rows: nothing to submit".to_owned(),
        });
    }
    if stopped.is_some() || rows > BATCH_EVENTS_MAX {
        let stopped = stopped.or_else(|| {
            Some(format!(
                "validation stopped after {BATCH_EVENTS_MAX} rows, the most one batch may hold: \
                 the rest of the file was not checked"
            ))
        });
        return Err(reject(errors, rows, stopped));
    }
    let mut parsed = parsed;
    cross_check(&validator.plan, &parsed, store, &mut errors)?;
    birth_dates(&mut parsed, store, &mut errors)?;
    if errors.is_empty() {
        plan::check_lifecycles(
            ctx.policy,
            &validator.plan,
            &parsed,
            store,
            validator.attribute_prefix,
            &mut errors,
        )?;
    }
    if !errors.is_empty() {
        return Err(reject(errors, rows, None));
    }
    let source = &ctx.source.id;
    let events = parsed
        .into_iter()
        .filter_map(|row| new_event(&validator.plan, source, ctx.today, row))
        .collect();
    Ok(Batch {
        source: source.clone(),
        origin: file_name.to_owned(),
        recorded_at_ms: ctx.recorded_at_ms,
        events,
    })
}

/// Pieces smaller than this are not worth a thread.
const PIECE_MIN: usize = 1 << 20;
/// The most threads pass one uses.
const THREADS_MAX: usize = 16;

/// What pass one found.
struct Checked {
    /// Every row that could be read, in file order.
    parsed: Vec<Parsed>,
    errors: Vec<RowError>,
    rows: usize,
    /// A limit was reached and reading stopped early: why, in words.
    stopped: Option<String>,
}

/// Pass one over `body`, whose first byte is on line `first_line`: every row on its own.
fn check_rows(
    validator: &Validator<'_>,
    body: &str,
    first_line: usize,
    columns: Option<&csvfile::Columns>,
    progress: &mut dyn FnMut(usize),
) -> Checked {
    let shared = Shared::default();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(THREADS_MAX)
        .min(body.len() / PIECE_MIN)
        .max(1);
    let pieces = split(body, threads, columns.is_some());
    let read = |piece: &str, tick: &mut dyn FnMut(usize)| {
        let mut collector = Collector {
            validator,
            shared: &shared,
            parsed: Vec::with_capacity(count_newlines(piece) + 1),
            errors: Vec::new(),
            rows: 0,
            unshared: 0,
            errors_shared: 0,
            tick,
        };
        match columns {
            None => jsonl::read(piece, &mut collector),
            Some(columns) => csvfile::read(piece, columns, &mut collector),
        }
        collector.flush();
        Piece {
            parsed: collector.parsed,
            errors: collector.errors,
            rows: collector.rows,
        }
    };
    let results: Vec<Piece> = if pieces.len() == 1 {
        let mut done = 0;
        vec![read(body, &mut |rows| {
            done += rows;
            progress(done);
        })]
    } else {
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::channel::<usize>();
            let handles: Vec<_> = pieces
                .iter()
                .map(|piece| {
                    let sender = sender.clone();
                    let read = &read;
                    scope.spawn(move || {
                        read(piece, &mut |rows| {
                            // The receiver outlives every sender; a failed send only loses a
                            // progress report.
                            let _ = sender.send(rows);
                        })
                    })
                })
                .collect();
            drop(sender);
            let mut done = 0;
            for rows in receiver {
                done += rows;
                progress(done);
            }
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    // Lines were counted from each piece's start: move them to the file's.
    let mut checked = Checked {
        parsed: Vec::with_capacity(results.iter().map(|r| r.parsed.len()).sum()),
        errors: Vec::new(),
        rows: 0,
        stopped: None,
    };
    let stopped_early = shared.stop.load(Ordering::Relaxed);
    let mut line = first_line - 1;
    for (piece, result) in pieces.iter().zip(results) {
        checked
            .parsed
            .extend(result.parsed.into_iter().map(|mut row| {
                row.line += line;
                row
            }));
        checked
            .errors
            .extend(result.errors.into_iter().map(|mut error| {
                error.line += line;
                error
            }));
        checked.rows += result.rows;
        line += count_newlines(piece);
    }
    if checked.errors.len() >= ERRORS_MAX {
        let last = checked
            .errors
            .iter()
            .map(|e| e.line)
            .max()
            .unwrap_or(first_line);
        checked.stopped = Some(format!(
            "validation stopped after {} errors (the limit is {ERRORS_MAX}), the last on line \
             {last}: the rest of the file was not checked; fix these and submit the file again",
            checked.errors.len()
        ));
    } else if stopped_early {
        let last = checked
            .parsed
            .iter()
            .map(|r| r.line)
            .max()
            .unwrap_or(first_line);
        checked.stopped = Some(format!(
            "validation stopped at line {last}, after {} rows: the rest of the file was not \
             checked",
            checked.rows
        ));
    }
    checked
}

/// What one piece of the file gave.
struct Piece {
    parsed: Vec<Parsed>,
    errors: Vec<RowError>,
    rows: usize,
}

fn count_newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// Cuts `body` into about `pieces` pieces, each ending just after a line break (for CSV, one
/// outside quotes, so that no record is cut).
fn split(body: &str, pieces: usize, quoted: bool) -> Vec<&str> {
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(pieces);
    let mut start = 0;
    // For CSV: whether `start` is inside a quoted cell (an odd number of quotes before it).
    let mut inside = false;
    for k in 1..pieces {
        let target = (body.len() * k / pieces).max(start);
        if quoted {
            inside ^= bytes[start..target].iter().filter(|&&b| b == b'"').count() % 2 == 1;
        }
        let mut end = target;
        while end < bytes.len() {
            match bytes[end] {
                b'"' if quoted => inside = !inside,
                b'\n' if !inside => break,
                _ => {}
            }
            end += 1;
        }
        if end >= bytes.len() {
            break;
        }
        // `end` is a line break outside quotes: the piece ends after it.
        out.push(&body[start..=end]);
        start = end + 1;
    }
    out.push(&body[start..]);
    out
}

/// Limits kept across the threads of pass one.
#[derive(Default)]
struct Shared {
    rows: AtomicUsize,
    errors: AtomicUsize,
    stop: AtomicBool,
}

/// Rows counted locally before the shared count is updated.
const SHARE_EVERY: usize = 1024;

/// Receives rows from a reader, checks each on its own, counts them and keeps the limits.
pub(crate) struct Collector<'v, 'p> {
    validator: &'v Validator<'p>,
    shared: &'v Shared,
    parsed: Vec<Parsed>,
    errors: Vec<RowError>,
    rows: usize,
    /// Rows not yet added to the shared count.
    unshared: usize,
    /// Errors already added to the shared count.
    errors_shared: usize,
    /// Told how many more rows were checked.
    tick: &'v mut dyn FnMut(usize),
}

impl Collector<'_, '_> {
    /// Counts a row; `false` when the reader must stop (a limit was reached).
    pub(crate) fn begin_row(&mut self) -> bool {
        self.rows += 1;
        self.unshared += 1;
        if self.unshared >= SHARE_EVERY {
            self.flush();
            if self.shared.stop.load(Ordering::Relaxed) {
                return false;
            }
        }
        if self.rows.is_multiple_of(PROGRESS_EVERY) {
            (self.tick)(PROGRESS_EVERY);
        }
        true
    }

    /// Adds this piece's counts to the shared ones, and stops every piece at a limit.
    fn flush(&mut self) {
        let rows = self.shared.rows.fetch_add(self.unshared, Ordering::Relaxed) + self.unshared;
        let new_errors = self.errors.len() - self.errors_shared;
        let errors = self.shared.errors.fetch_add(new_errors, Ordering::Relaxed) + new_errors;
        self.unshared = 0;
        self.errors_shared = self.errors.len();
        if rows > BATCH_EVENTS_MAX || errors >= ERRORS_MAX {
            self.shared.stop.store(true, Ordering::Relaxed);
        }
    }

    pub(crate) fn error(&mut self, line: usize, field: &str, message: String) {
        self.errors.push(RowError {
            line,
            field: field.to_owned(),
            message,
        });
    }

    pub(crate) fn row(&mut self, line: usize, fields: RowFields<'_>) {
        let parsed = self.validator.check(line, fields, &mut self.errors);
        self.parsed.push(parsed);
    }
}

/// Pass two: references unique, targets resolved, resubmissions unchanged.
fn cross_check(
    plan: &Plan<'_>,
    parsed: &[Parsed],
    store: &dyn Store,
    errors: &mut Vec<RowError>,
) -> Result<(), StoreError> {
    let mut error = |line: usize, field: &str, message: String| {
        errors.push(RowError {
            line,
            field: field.to_owned(),
            message,
        });
    };
    // Each reference's first row.
    let mut in_file: HashMap<&str, usize> = HashMap::with_capacity(parsed.len());
    for (index, row) in parsed.iter().enumerate() {
        let Some(reference) = row.reference.as_deref() else {
            continue;
        };
        if let Some(&first) = in_file.get(reference) {
            error(
                row.line,
                "ref",
                format!(
                    "reference `{reference}` is already used on line {}: every row needs a \
                     reference of its own",
                    parsed[first].line
                ),
            );
        } else {
            in_file.insert(reference, index);
        }
    }
    // One lookup for every reference of the file and every target it does not define.
    let mut lookup: Vec<&str> = in_file.keys().copied().collect();
    let mut extra: HashSet<&str> = HashSet::new();
    for target in parsed.iter().filter_map(|row| row.target.as_deref()) {
        if !in_file.contains_key(target) && extra.insert(target) {
            lookup.push(target);
        }
    }
    let source = &plan.source.id;
    let known: HashMap<&str, KnownReference> = if lookup.is_empty() {
        HashMap::new()
    } else {
        let found = store.known_references(source, &lookup)?;
        lookup
            .iter()
            .zip(found)
            .filter_map(|(reference, known)| known.map(|k| (*reference, k)))
            .collect()
    };
    let category_name = |row: &Parsed| {
        row.category.map(|index| {
            plan.target(row.action.is_some_and(Action::names_scheme), index)
                .id
        })
    };
    for (index, row) in parsed.iter().enumerate() {
        let pseudonym = row.subject.as_ref().map(|s| s.pseudonym.as_str());
        let category = category_name(row);
        // Idempotency: a stored reference may only come back unchanged.
        if let (Some(reference), Some(stored)) = (
            row.reference.as_deref(),
            row.reference.as_deref().and_then(|r| known.get(r)),
        ) && in_file.get(reference) == Some(&index)
        {
            let different = pseudonym.is_some_and(|p| p != stored.subject)
                || row.action.is_some_and(|a| a != stored.action)
                || category.is_some_and(|c| c != stored.category);
            if different {
                let about = if pseudonym.is_some_and(|p| p != stored.subject) {
                    " about another subject"
                } else {
                    ""
                };
                error(
                    row.line,
                    "ref",
                    format!(
                        "reference `{reference}` was already used by this source for a different \
                         record (a `{}` of `{}`{about}): give this row a new reference",
                        stored.action, stored.category
                    ),
                );
            } else if row.ok
                && let Some(event) = stored_form(plan, source, row)
                && let Some(p) = pseudonym
                && hex(&credence_store::hash::content_hash(p, &event)) != stored.content
            {
                error(
                    row.line,
                    "ref",
                    format!(
                        "reference `{reference}` was already submitted with a different date, \
                         target or attributes: a submitted event is never changed; to change \
                         the record, submit a `correct` event with a new reference and \
                         `target` = `{}`",
                        if row.action == Some(Action::Record) {
                            reference
                        } else {
                            row.target.as_deref().unwrap_or(reference)
                        }
                    ),
                );
            }
        }
        let Some(target) = row.target.as_deref() else {
            continue;
        };
        if row.reference.as_deref() == Some(target) {
            error(
                row.line,
                "target",
                format!(
                    "the event names itself (`{target}`) as its target: name the record it acts on"
                ),
            );
            continue;
        }
        // The target's action, subject and category, and where it was found.
        let defined = in_file.get(target).copied();
        let found = match (defined, known.get(target)) {
            (Some(at), _) if at < index => {
                let earlier = &parsed[at];
                Some((
                    earlier.action,
                    earlier.subject.as_ref().map(|s| s.pseudonym.as_str()),
                    category_name(earlier),
                    format!("on line {}", earlier.line),
                ))
            }
            (_, Some(stored)) => Some((
                Some(stored.action),
                Some(stored.subject.as_str()),
                Some(stored.category.as_str()),
                "in the registry".to_owned(),
            )),
            (Some(at), None) => {
                error(
                    row.line,
                    "target",
                    format!(
                        "`{target}` is defined on line {}, after this row: put the record \
                         before the events that act on it",
                        parsed[at].line
                    ),
                );
                None
            }
            (None, None) => {
                error(
                    row.line,
                    "target",
                    format!(
                        "unknown target `{target}`: source `{source}` has no record with this \
                         reference in this file or in the registry (a source can only act on \
                         its own records)"
                    ),
                );
                None
            }
        };
        let Some((action, subject, target_category, place)) = found else {
            continue;
        };
        if let Some(action) = action
            && action != Action::Record
        {
            error(
                row.line,
                "target",
                format!(
                    "`{target}` ({place}) is a `{action}` event, not a record: name the `ref` of \
                     the record itself"
                ),
            );
            continue;
        }
        if let (Some(mine), Some(theirs)) = (pseudonym, subject)
            && mine != theirs
        {
            error(
                row.line,
                "target",
                format!(
                    "`{target}` ({place}) is a record about another subject: an event acts only \
                     on a record about its own subject; check the subject's identifier or the \
                     target"
                ),
            );
        }
        if let (Some(mine), Some(theirs)) = (category, target_category)
            && mine != theirs
        {
            error(
                row.line,
                "category",
                format!(
                    "the target `{target}` ({place}) is a `{theirs}` record: an event on it has \
                     its category, not `{mine}`"
                ),
            );
        }
    }
    Ok(())
}

/// Stated birth dates (`birth_date`) against each other and the store: the first one a subject
/// is given is kept, and a later row stating another date is refused (correcting a birth date
/// is not something a row can do). Every row of a subject with a stated date then carries it,
/// so that the subject is created (or completed) with it whichever of its rows comes first.
fn birth_dates(
    parsed: &mut [Parsed],
    store: &dyn Store,
    errors: &mut Vec<RowError>,
) -> Result<(), StoreError> {
    // Per subject: the birth date kept and where it comes from.
    let mut kept: HashMap<String, (Day, String)> = HashMap::new();
    for row in parsed.iter() {
        let (Some(stated), Some(subject)) = (row.birth_date, row.subject.as_ref()) else {
            continue;
        };
        let first = match kept.get(&subject.pseudonym) {
            Some(first) => first.clone(),
            None => {
                let stored = store
                    .subject(&subject.pseudonym)?
                    .and_then(|s| s.birth)
                    .map(|birth| (birth, "the registry already holds".to_owned()));
                let first = stored.unwrap_or_else(|| (stated, format!("line {} states", row.line)));
                kept.insert(subject.pseudonym.clone(), first.clone());
                first
            }
        };
        if first.0 != stated {
            errors.push(RowError {
                line: row.line,
                field: "birth_date".to_owned(),
                message: format!(
                    "{stated} differs from the birth date {} {} for this subject: the first \
                     birth date a subject is given is kept, and correcting it through a row is \
                     not supported",
                    first.1, first.0
                ),
            });
        }
    }
    if kept.is_empty() {
        return Ok(());
    }
    for row in parsed.iter_mut() {
        if let Some(subject) = row.subject.as_mut()
            && subject.birth.is_none()
            && let Some((birth, _)) = kept.get(&subject.pseudonym)
        {
            subject.birth = Some(*birth);
        }
    }
    Ok(())
}

/// The event a fully valid row becomes, borrowed fields cloned (for the content hash).
fn stored_form(plan: &Plan<'_>, source: &str, row: &Parsed) -> Option<Event> {
    let action = row.action?;
    Some(Event {
        seq: 0,
        source: source.to_owned(),
        reference: row.reference.clone()?,
        action,
        category: plan
            .target(action.names_scheme(), row.category?)
            .id
            .to_owned(),
        target: row.target.clone(),
        valid: row.valid?,
        recorded: Day::default(),
        attributes: row.attributes.clone(),
    })
}

/// The event a valid row becomes (every row is valid once the file has no errors).
fn new_event(plan: &Plan<'_>, source: &str, today: Day, row: Parsed) -> Option<NewEvent> {
    let action = row.action?;
    Some(NewEvent {
        subject: row.subject?,
        event: Event {
            seq: 0,
            source: source.to_owned(),
            reference: row.reference?,
            action,
            category: plan
                .target(action.names_scheme(), row.category?)
                .id
                .to_owned(),
            target: row.target,
            valid: row.valid?,
            recorded: today,
            attributes: row.attributes,
        },
        links: row.links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_at_line_breaks_outside_quotes() {
        let body = "a,\"x\ny\"\nb,\"p\nq\nr\"\nc,d\n\"e\nf\",g\nh\n";
        for pieces in 1..=8 {
            let split = split(body, pieces, true);
            assert_eq!(split.concat(), body, "{pieces}");
            let mut seen = String::new();
            for piece in &split {
                seen.push_str(piece);
                // An even number of quotes before every cut: no cut inside a quoted cell.
                assert_eq!(seen.matches('"').count() % 2, 0, "{split:?}");
                assert!(seen.ends_with('\n'), "{split:?}");
            }
        }
        let body = "l1\nl2\nl3\nl4\nl5";
        let split = split(body, 3, false);
        assert_eq!(split.concat(), body);
        assert!(split.len() > 1);
        assert!(split.iter().rev().skip(1).all(|p| p.ends_with('\n')));
    }
}
