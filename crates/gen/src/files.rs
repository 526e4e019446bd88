//! Writing a population as ingest files: one file per source, each sorted by (date,
//! reference), and a manifest.
//!
//! [`Generator::subjects`] streams subject by subject, but a source's file must be in date
//! order across subjects. The generator is cheap and deterministic, so instead of spilling
//! chunks to disk the writer regenerates:
//!
//! 1. The first pass counts events per source, category and day and notes each source's
//!    attribute names (for the CSV headers); while the population stays under
//!    [`MEMORY_BUDGET_EVENTS`] it also keeps every rendered line, and if it finishes under
//!    the budget the lines are sorted and written: one pass in all.
//! 2. Otherwise the history is cut into windows of consecutive days each holding at most the
//!    budget's worth of events, and one more pass per window keeps only that window's lines,
//!    sorts and appends them. The files come out identical either way.
//!
//! Invariant: memory is bounded by the budget (about 250 bytes per kept line) plus one
//! counter per day of history, whatever the population.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use credence_model::{Day, Value};
use serde::{Deserialize, Serialize};

use crate::city::Source;
use crate::{GenConfig, GenEvent, GenSubject, Generator};

/// The most rendered lines held in memory at once (about 500 MB).
pub const MEMORY_BUDGET_EVENTS: usize = 2_000_000;
/// How often (in subjects) [`write_files`] reports progress.
const PROGRESS_EVERY: u64 = 4096;

/// The file format of [`write_files`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line: `<source>.jsonl`.
    #[default]
    Jsonl,
    /// A header and one row per event: `<source>.csv`.
    Csv,
}

impl Format {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// What [`write_files`] wrote; also written as `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The configuration, as used (after clamping).
    pub config: GenConfig,
    pub format: Format,
    pub people: u64,
    pub organisations: u64,
    /// Organisations with legacy pilot codes (`legacy_id` in the files).
    pub legacy_organisations: u64,
    /// Events in all files.
    pub events: u64,
    /// Events per source, then per category (the scheme for consents), all actions.
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    /// Events per action (`record`, `fulfil`, `consent`, ...).
    pub actions: BTreeMap<String, u64>,
}

/// Writes the population as one file per source in `dir` (created if missing):
/// `<source>.jsonl` (or `.csv` for [`Format::Csv`]), each file's events sorted by (date,
/// reference), plus `manifest.json`. Every registered source gets a file, empty (or a header
/// only) if it reported nothing.
///
/// `progress` is called every few thousand subjects with the number of subjects generated so
/// far in the current pass (up to people + organisations). Populations of up to
/// [`MEMORY_BUDGET_EVENTS`] events take one pass; larger ones one more pass per window of days
/// holding that many events, each counting from zero again.
pub fn write_files(
    config: &GenConfig,
    dir: &Path,
    format: Format,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Manifest> {
    write_files_with_budget(config, dir, format, progress, MEMORY_BUDGET_EVENTS)
}

/// [`write_files`] with a given memory budget (in events), so tests can force several passes.
fn write_files_with_budget(
    config: &GenConfig,
    dir: &Path,
    format: Format,
    progress: &mut dyn FnMut(u64),
    budget: usize,
) -> io::Result<Manifest> {
    let generator = Generator::new(config.clone());
    std::fs::create_dir_all(dir)?;
    let (tally, kept) = first_pass(&generator, format, budget, progress);
    let mut outputs = Outputs::create(dir, format, &tally)?;
    match kept {
        Some(lines) => outputs.append(lines)?,
        None => {
            for window in tally.windows(generator.start(), budget) {
                let lines = window_pass(&generator, format, window, progress);
                outputs.append(lines)?;
            }
        }
    }
    outputs.finish()?;
    let manifest = tally.manifest(generator.config().clone(), format);
    let mut file = BufWriter::new(File::create(dir.join("manifest.json"))?);
    serde_json::to_writer_pretty(&mut file, &manifest)?;
    file.write_all(b"\n")?;
    file.flush()?;
    Ok(manifest)
}

/// A rendered event: the line (JSONL) or the fields (CSV, see [`render_fields`]), with where
/// its reference is, for sorting.
#[derive(Debug)]
struct Line {
    date: Day,
    reference_start: u32,
    reference_end: u32,
    text: String,
}

impl Line {
    fn reference(&self) -> &str {
        self.text
            .get(self.reference_start as usize..self.reference_end as usize)
            .unwrap_or("")
    }
}

/// Lines per source, indexed like [`Source::ALL`].
type Lines = Vec<Vec<Line>>;

fn source_index(name: &str) -> usize {
    Source::ALL
        .iter()
        .position(|source| source.name() == name)
        .unwrap_or(0)
}

/// What the first pass learns about the population.
#[derive(Debug)]
struct Tally {
    people: u64,
    organisations: u64,
    legacy: u64,
    events: u64,
    counts: BTreeMap<(&'static str, &'static str), u64>,
    actions: BTreeMap<&'static str, u64>,
    /// Events per day of history, from the first day.
    per_day: Vec<u64>,
    /// Attribute names per source, indexed like [`Source::ALL`].
    attributes: Vec<BTreeSet<&'static str>>,
}

impl Tally {
    fn new(days: usize) -> Tally {
        Tally {
            people: 0,
            organisations: 0,
            legacy: 0,
            events: 0,
            counts: BTreeMap::new(),
            actions: BTreeMap::new(),
            per_day: vec![0; days],
            attributes: vec![BTreeSet::new(); Source::ALL.len()],
        }
    }

    fn add_subject(&mut self, subject: &GenSubject) {
        match subject.id.kind() {
            credence_model::SubjectKind::Person => self.people += 1,
            credence_model::SubjectKind::Organisation => self.organisations += 1,
        }
        self.legacy += u64::from(subject.legacy);
    }

    fn add_event(&mut self, start: Day, event: &GenEvent) {
        self.events += 1;
        *self
            .counts
            .entry((event.source, event.category))
            .or_insert(0) += 1;
        *self.actions.entry(event.action.as_str()).or_insert(0) += 1;
        if let Some(slot) = usize::try_from(event.date.0 - start.0)
            .ok()
            .and_then(|i| self.per_day.get_mut(i))
        {
            *slot += 1;
        }
        let names = &mut self.attributes[source_index(event.source)];
        for (name, _) in &event.attributes {
            names.insert(name);
        }
    }

    /// Consecutive runs of days, each with at most `budget` events (or a single day).
    fn windows(&self, start: Day, budget: usize) -> Vec<(Day, Day)> {
        let mut windows = Vec::new();
        let mut first = 0usize;
        let mut held = 0u64;
        for (i, &count) in self.per_day.iter().enumerate() {
            if held > 0 && held + count > budget as u64 {
                windows.push((day_at(start, first), day_at(start, i - 1)));
                first = i;
                held = 0;
            }
            held += count;
        }
        if !self.per_day.is_empty() {
            windows.push((day_at(start, first), day_at(start, self.per_day.len() - 1)));
        }
        windows
    }

    fn manifest(&self, config: GenConfig, format: Format) -> Manifest {
        let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (&(source, category), &count) in &self.counts {
            counts
                .entry(source.to_owned())
                .or_default()
                .insert(category.to_owned(), count);
        }
        Manifest {
            config,
            format,
            people: self.people,
            organisations: self.organisations,
            legacy_organisations: self.legacy,
            events: self.events,
            counts,
            actions: self
                .actions
                .iter()
                .map(|(&action, &count)| (action.to_owned(), count))
                .collect(),
        }
    }
}

fn day_at(start: Day, offset: usize) -> Day {
    start.add_days(i32::try_from(offset).unwrap_or(i32::MAX))
}

/// Counts everything and keeps the lines while they fit in `budget`.
fn first_pass(
    generator: &Generator,
    format: Format,
    budget: usize,
    progress: &mut dyn FnMut(u64),
) -> (Tally, Option<Lines>) {
    let start = generator.start();
    let days = usize::try_from(generator.config().end.0 - start.0 + 1).unwrap_or(0);
    let mut tally = Tally::new(days);
    let mut kept: Option<Lines> = Some(empty_lines());
    let mut done = 0u64;
    for (subject, events) in generator.subjects() {
        tally.add_subject(&subject);
        let id = subject.id.canonical();
        for event in &events {
            tally.add_event(start, event);
        }
        if tally.events > budget as u64 {
            kept = None;
        }
        if let Some(lines) = kept.as_mut() {
            for event in &events {
                lines[source_index(event.source)].push(render(format, &id, &subject, event));
            }
        }
        done += 1;
        if done.is_multiple_of(PROGRESS_EVERY) {
            progress(done);
        }
    }
    progress(done);
    (tally, kept)
}

/// Regenerates the population and keeps the lines of events dated in `window`.
fn window_pass(
    generator: &Generator,
    format: Format,
    (first, last): (Day, Day),
    progress: &mut dyn FnMut(u64),
) -> Lines {
    let mut lines = empty_lines();
    let mut done = 0u64;
    for (subject, events) in generator.subjects() {
        let mut id = None;
        for event in events.iter().filter(|e| first <= e.date && e.date <= last) {
            let id = id.get_or_insert_with(|| subject.id.canonical());
            lines[source_index(event.source)].push(render(format, id, &subject, event));
        }
        done += 1;
        if done.is_multiple_of(PROGRESS_EVERY) {
            progress(done);
        }
    }
    progress(done);
    lines
}

fn empty_lines() -> Lines {
    (0..Source::ALL.len()).map(|_| Vec::new()).collect()
}

fn render(format: Format, id: &str, subject: &GenSubject, event: &GenEvent) -> Line {
    match format {
        Format::Jsonl => render_json(id, subject.legacy, event),
        Format::Csv => render_fields(id, subject.legacy, event),
    }
}

/// The JSONL line of an event (without the newline).
fn render_json(id: &str, legacy: bool, event: &GenEvent) -> Line {
    let mut text = String::with_capacity(256);
    text.push_str("{\"ref\":\"");
    let reference_start = text.len();
    push_json_escaped(&mut text, &event.reference);
    let reference_end = text.len();
    text.push_str("\",\"action\":\"");
    text.push_str(event.action.as_str());
    text.push_str("\",\"subject\":\"");
    push_json_escaped(&mut text, id);
    text.push_str("\",\"category\":\"");
    push_json_escaped(&mut text, event.category);
    text.push_str("\",\"date\":\"");
    text.push_str(&event.date.to_string());
    text.push('"');
    if let Some(target) = &event.target {
        text.push_str(",\"target\":\"");
        push_json_escaped(&mut text, target);
        text.push('"');
    }
    if legacy {
        text.push_str(",\"legacy_id\":true");
    }
    text.push_str(",\"attributes\":{");
    for (i, (name, value)) in event.attributes.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push('"');
        push_json_escaped(&mut text, name);
        text.push_str("\":");
        match value {
            Value::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => text.push_str(&n.to_string()),
            Value::Text(t) => {
                text.push('"');
                push_json_escaped(&mut text, t);
                text.push('"');
            }
        }
    }
    text.push_str("}}");
    line(event.date, reference_start, reference_end, text)
}

fn line(date: Day, reference_start: usize, reference_end: usize, text: String) -> Line {
    Line {
        date,
        reference_start: u32::try_from(reference_start).unwrap_or(0),
        reference_end: u32::try_from(reference_end).unwrap_or(0),
        text,
    }
}

/// Appends `value` as the inside of a JSON string.
fn push_json_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
}

/// Separates the fields of a CSV line held in memory (never in generated text).
const FIELD: char = '\u{1f}';
/// Separates an attribute's name from its value.
const NAME: char = '\u{1e}';
/// The fixed columns of every CSV file, before the attribute columns.
const CSV_FIXED: [&str; 7] = [
    "ref",
    "action",
    "subject",
    "category",
    "date",
    "target",
    "legacy_id",
];

/// The fields of an event's CSV row, before the file's header is known: the fixed columns,
/// then `name NAME value` per attribute, separated by FIELD. Quoting is left to the csv
/// writer.
fn render_fields(id: &str, legacy: bool, event: &GenEvent) -> Line {
    let mut text = String::with_capacity(192);
    text.push_str(&event.reference);
    let reference_end = text.len();
    for field in [
        event.action.as_str(),
        id,
        event.category,
        &event.date.to_string(),
        event.target.as_deref().unwrap_or(""),
        if legacy { "true" } else { "" },
    ] {
        text.push(FIELD);
        text.push_str(field);
    }
    for (name, value) in &event.attributes {
        text.push(FIELD);
        text.push_str(name);
        text.push(NAME);
        text.push_str(&value.to_string());
    }
    debug_assert_eq!(
        text.matches(FIELD).count(),
        CSV_FIXED.len() - 1 + event.attributes.len()
    );
    line(event.date, 0, reference_end, text)
}

/// One output file.
enum Output {
    Jsonl(BufWriter<File>),
    Csv {
        writer: Box<csv::Writer<BufWriter<File>>>,
        columns: Vec<&'static str>,
    },
}

/// The output files, indexed like [`Source::ALL`].
struct Outputs {
    files: Vec<Output>,
}

impl Outputs {
    fn create(dir: &Path, format: Format, tally: &Tally) -> io::Result<Outputs> {
        let mut files = Vec::with_capacity(Source::ALL.len());
        for source in Source::ALL {
            let path = dir.join(format!("{}.{}", source.name(), format.extension()));
            let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
            files.push(match format {
                Format::Jsonl => Output::Jsonl(file),
                Format::Csv => {
                    let columns: Vec<&'static str> =
                        tally.attributes[source.index()].iter().copied().collect();
                    let mut writer = csv::WriterBuilder::new().from_writer(file);
                    writer.write_record(CSV_FIXED.iter().chain(columns.iter()))?;
                    Output::Csv {
                        writer: Box::new(writer),
                        columns,
                    }
                }
            });
        }
        Ok(Outputs { files })
    }

    /// Sorts each source's lines by (date, reference) and appends them.
    fn append(&mut self, mut lines: Lines) -> io::Result<()> {
        for (output, lines) in self.files.iter_mut().zip(lines.iter_mut()) {
            lines.sort_unstable_by(|a, b| (a.date, a.reference()).cmp(&(b.date, b.reference())));
            match output {
                Output::Jsonl(file) => {
                    for line in lines.iter() {
                        file.write_all(line.text.as_bytes())?;
                        file.write_all(b"\n")?;
                    }
                }
                Output::Csv { writer, columns } => {
                    let mut row: Vec<&str> = Vec::with_capacity(CSV_FIXED.len() + columns.len());
                    for line in lines.iter() {
                        row.clear();
                        row.resize(CSV_FIXED.len() + columns.len(), "");
                        for (i, field) in line.text.split(FIELD).enumerate() {
                            if i < CSV_FIXED.len() {
                                row[i] = field;
                            } else if let Some((name, value)) = field.split_once(NAME)
                                && let Some(column) = columns.iter().position(|c| *c == name)
                            {
                                row[CSV_FIXED.len() + column] = value;
                            }
                        }
                        writer.write_record(&row)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        for output in self.files {
            match output {
                Output::Jsonl(mut file) => file.flush()?,
                Output::Csv { mut writer, .. } => writer.flush()?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("credence-gen-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn read_all(dir: &Path, format: Format) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = Source::ALL
            .iter()
            .map(|s| {
                let name = format!("{}.{}", s.name(), format.extension());
                let bytes = std::fs::read(dir.join(&name)).unwrap();
                (name, bytes)
            })
            .collect();
        files.push((
            "manifest.json".into(),
            std::fs::read(dir.join("manifest.json")).unwrap(),
        ));
        files
    }

    #[test]
    fn several_passes_write_the_same_files_as_one() {
        let config = GenConfig {
            people: 600,
            orgs: 60,
            ..GenConfig::default()
        };
        for format in [Format::Jsonl, Format::Csv] {
            let one = temp_dir(&format!("one-{}", format.extension()));
            let many = temp_dir(&format!("many-{}", format.extension()));
            let mut passes_one = 0;
            let mut passes_many = 0;
            let a =
                write_files_with_budget(&config, &one, format, &mut |_| passes_one += 1, 1 << 30)
                    .unwrap();
            let b = write_files_with_budget(&config, &many, format, &mut |_| passes_many += 1, 97)
                .unwrap();
            assert_eq!(a, b);
            // One progress call per pass at these sizes.
            assert_eq!(passes_one, 1);
            assert!(passes_many > 10, "{passes_many} passes");
            assert_eq!(read_all(&one, format), read_all(&many, format));
            let _ = std::fs::remove_dir_all(&one);
            let _ = std::fs::remove_dir_all(&many);
        }
    }

    #[test]
    fn windows_cover_every_day_once_within_the_budget() {
        let mut tally = Tally::new(10);
        tally.per_day = vec![3, 0, 5, 1, 9, 0, 0, 2, 2, 2];
        let start = Day(100);
        let windows = tally.windows(start, 6);
        assert_eq!(
            windows,
            vec![
                (Day(100), Day(101)),
                (Day(102), Day(103)),
                (Day(104), Day(104)),
                (Day(105), Day(109)),
            ]
        );
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        push_json_escaped(&mut out, "a\"b\\c\n\u{1}闽");
        assert_eq!(out, "a\\\"b\\\\c\\n\\u0001闽");
        let parsed: String = serde_json::from_str(&format!("\"{out}\"")).unwrap();
        assert_eq!(parsed, "a\"b\\c\n\u{1}闽");
    }
}
