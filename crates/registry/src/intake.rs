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
//! Checks, in three passes:
//!
//! 1. each row on its own (`row`): reference, action, the subject's identifier with its check
//!    character and structure (see `credence_model::id`: placeholders and 15-digit
//!    first-generation ids are refused) read as the stated `kind`, the category (declared by the policy and registered for this source), the
//!    subject kind the category is about, the date (not in the future, within 1900-01-01 to
//!    2199-12-31), every attribute against its declared type, required attributes, the target
//!    where the action needs one;
//! 2. the rows together and against the store, block by block (one [`Store::known_references`]
//!    call per block; what later rows need of earlier ones is kept compact, see `cross`):
//!    references unique in the file, targets naming a `record` of the same source,
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

mod cross;
mod csvfile;
mod jsonl;
mod plan;
mod pseudonym;
mod row;

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use credence_model::text::Escaped;
use credence_model::{Day, Event};
use credence_policy::Policy;
use credence_store::{BATCH_EVENTS_MAX, Batch, NewEvent, SourceRecord, Store, StoreError};

use crate::submission::{BLOCK_BYTES, Limits, ReadError, Submitted};

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
    /// The file could not be read within the limits of a batch, or is not UTF-8.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Reads and validates a submitted file into a batch of `ctx.source`.
pub fn read_batch<'a>(
    ctx: &IntakeContext<'_>,
    file_name: &str,
    input: impl Into<Submitted<'a>>,
    format: Format,
    store: &dyn Store,
) -> Result<Batch, IntakeFailure> {
    read_batch_with_progress(ctx, file_name, input, format, store, &mut |_| {})
}

/// [`read_batch`], calling `progress` with the number of rows validated so far (about every
/// [`PROGRESS_EVERY`] rows, and once at the end with the total).
pub fn read_batch_with_progress<'a>(
    ctx: &IntakeContext<'_>,
    file_name: &str,
    input: impl Into<Submitted<'a>>,
    format: Format,
    store: &dyn Store,
    progress: &mut dyn FnMut(usize),
) -> Result<Batch, IntakeFailure> {
    read_batch_in_blocks(
        ctx,
        file_name,
        input.into(),
        format,
        store,
        BLOCK_BYTES,
        progress,
    )
}

/// [`read_batch_with_progress`], reading the file in blocks of about `block_bytes` (each
/// block whole rows): what is held of the file at a time is one block and a few bytes per row
/// read so far, whatever the file's size.
///
/// The rows of a block are checked on their own in parallel (the block is cut at line
/// boundaries, one piece per available core), then against the file's earlier rows and the
/// store on the calling thread, before the next block is read.
pub fn read_batch_in_blocks(
    ctx: &IntakeContext<'_>,
    file_name: &str,
    input: Submitted<'_>,
    format: Format,
    store: &dyn Store,
    block_bytes: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Batch, IntakeFailure> {
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
    let escaped = credence_model::text::escape(file_name).into_owned();
    let mut blocks = input
        .blocks(&escaped, Limits::BATCH, format == Format::Csv)?
        .with_block_bytes(block_bytes);
    let shared = Shared::default();
    let mut file = cross::FileState::new();
    let mut columns: Option<csvfile::Columns> = None;
    let mut errors: Vec<RowError> = Vec::new();
    let mut rows = 0;
    let mut stopped = None;
    // The file's events with the line of each, while it has no error.
    let mut events: Vec<NewEvent> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    let source = &ctx.source.id;
    while let Some(block) = blocks.next_block()? {
        let mut text = block.text.as_str();
        let mut first_line = block.at.line;
        if format == Format::Csv && columns.is_none() {
            // The header is the first record that is not blank.
            let header = csvfile::header(text).map_err(|mut errors| {
                for error in &mut errors {
                    error.line += block.at.line - 1;
                }
                reject(errors, 0, None)
            })?;
            let Some((found, offset, line)) = header else {
                continue;
            };
            text = &text[offset..];
            first_line = block.at.line + line - 1;
            columns = Some(found);
        }
        let before = rows;
        let Checked {
            mut parsed,
            errors: row_errors,
            rows: block_rows,
        } = check_rows(
            &validator,
            &shared,
            text,
            first_line,
            columns.as_ref(),
            &mut |n| progress(before + n),
        );
        rows += block_rows;
        progress(rows);
        errors.extend(row_errors);
        file.check_block(&validator.plan, &parsed, store, &mut errors)?;
        file.check_births(&mut parsed, store, &mut errors)?;
        if errors.is_empty() {
            for row in parsed {
                let line = row.line;
                if let Some(event) = new_event(&validator.plan, source, ctx.today, row) {
                    events.push(event);
                    lines.push(u32::try_from(line).unwrap_or(u32::MAX));
                }
            }
        } else {
            // The file is refused: its events are not needed any more.
            events = Vec::new();
            lines = Vec::new();
        }
        if shared.stop.load(Ordering::Relaxed) {
            stopped = Some(stopped_at(
                &errors,
                rows,
                text_last_line(&block.at, &block.text),
            ));
            break;
        }
    }
    if format == Format::Csv && columns.is_none() {
        let empty = RowError {
            line: 1,
            field: "-".to_owned(),
            message: "the file is empty: a CSV file starts with a header line (ref,action,\
                      subject,category,date,...)"
                .to_owned(),
        };
        return Err(reject(vec![empty], 0, None));
    }
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
    if stopped.is_some() {
        return Err(reject(errors, rows, stopped));
    }
    file.finish_pending(&validator.plan, &mut errors);
    if file.states_births() {
        for event in &mut events {
            if event.subject.birth.is_none() {
                event.subject.birth = file.birth(&event.subject.pseudonym);
            }
        }
    }
    if errors.is_empty() {
        let rows: Vec<(usize, &NewEvent)> = lines
            .iter()
            .map(|&line| line as usize)
            .zip(&events)
            .collect();
        plan::check_lifecycles(
            ctx.policy,
            &validator.plan,
            &rows,
            store,
            validator.attribute_prefix,
            &mut errors,
        )?;
    }
    if !errors.is_empty() {
        return Err(reject(errors, rows, None));
    }
    Ok(Batch {
        source: source.clone(),
        origin: file_name.to_owned(),
        recorded_at_ms: ctx.recorded_at_ms,
        events,
    })
}

/// The last line of a block.
fn text_last_line(at: &crate::encoding::At, text: &str) -> usize {
    at.line + count_newlines(text.trim_end_matches('\n'))
}

/// Why validation stopped early, having read `rows` rows up to `last_line`.
fn stopped_at(errors: &[RowError], rows: usize, last_line: usize) -> String {
    if errors.len() >= ERRORS_MAX {
        let last = errors.iter().map(|e| e.line).max().unwrap_or(last_line);
        format!(
            "validation stopped after {} errors (the limit is {ERRORS_MAX}), the last on line \
             {last}: the rest of the file was not checked; fix these and submit the file again",
            errors.len()
        )
    } else if rows > BATCH_EVENTS_MAX {
        format!(
            "validation stopped after {BATCH_EVENTS_MAX} rows, the most one batch may hold: the \
             rest of the file was not checked"
        )
    } else {
        format!(
            "validation stopped at line {last_line}, after {rows} rows: the rest of the file was \
             not checked"
        )
    }
}

/// Pieces smaller than this are not worth a thread.
const PIECE_MIN: usize = 1 << 20;
/// The most threads pass one uses.
const THREADS_MAX: usize = 16;

/// What pass one found in a block.
struct Checked {
    /// Every row that could be read, in file order.
    parsed: Vec<Parsed>,
    errors: Vec<RowError>,
    rows: usize,
}

/// Pass one over `body`, whose first byte is on line `first_line`: every row on its own.
fn check_rows(
    validator: &Validator<'_>,
    shared: &Shared,
    body: &str,
    first_line: usize,
    columns: Option<&csvfile::Columns>,
    progress: &mut dyn FnMut(usize),
) -> Checked {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(THREADS_MAX)
        .min(body.len() / PIECE_MIN)
        .max(1);
    let pieces = split(body, threads, columns.is_some());
    let read = |piece: &str, tick: &mut dyn FnMut(usize)| {
        let mut collector = Collector {
            validator,
            shared,
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
    };
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

/// The event a fully valid row becomes, borrowed fields cloned (for the content hash).
pub(crate) fn stored_form(plan: &Plan<'_>, source: &str, row: &Parsed) -> Option<Event> {
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
