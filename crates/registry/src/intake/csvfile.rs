//! CSV: a header `ref,action,subject,category,date` (with optional `target` and `legacy_id`
//! columns, in any order) followed by one column per attribute. An empty cell is absent; cells
//! are trimmed. Line numbers are physical lines, the header being line 1.

use std::borrow::Cow;
use std::collections::HashMap;

use super::row::{Cell, RowFields};
use super::{Collector, LINE_MAX};

/// The columns a row's own fields are read from.
const REQUIRED: [&str; 5] = ["ref", "action", "subject", "category", "date"];
const OPTIONAL: [&str; 2] = ["target", "legacy_id"];

/// Column positions of the row's own fields (`None`: no such column).
#[derive(Default)]
struct Columns {
    reference: Option<usize>,
    action: Option<usize>,
    subject: Option<usize>,
    category: Option<usize>,
    date: Option<usize>,
    target: Option<usize>,
    legacy_id: Option<usize>,
    /// (position, attribute name)
    attributes: Vec<(usize, String)>,
    width: usize,
}

fn line_of(record: &csv::StringRecord, fallback: usize) -> usize {
    record
        .position()
        .and_then(|p| usize::try_from(p.line()).ok())
        .unwrap_or(fallback)
}

/// Reads the header; `None` when it is unusable (the errors are reported).
fn header(record: &csv::StringRecord, collector: &mut Collector<'_, '_>) -> Option<Columns> {
    let line = line_of(record, 1);
    let mut columns = Columns {
        width: record.len(),
        ..Columns::default()
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut usable = true;
    for (position, name) in record.iter().enumerate() {
        if name.is_empty() {
            collector.error(
                line,
                "-",
                format!(
                    "column {} of the header has no name: name every column (ref, action, \
                     subject, category, date, then attribute names)",
                    position + 1
                ),
            );
            usable = false;
            continue;
        }
        if let Some(first) = seen.insert(name, position) {
            collector.error(
                line,
                name,
                format!(
                    "the header names `{name}` twice (columns {} and {})",
                    first + 1,
                    position + 1
                ),
            );
            usable = false;
            continue;
        }
        let slot = match name {
            "ref" => &mut columns.reference,
            "action" => &mut columns.action,
            "subject" => &mut columns.subject,
            "category" => &mut columns.category,
            "date" => &mut columns.date,
            "target" => &mut columns.target,
            "legacy_id" => &mut columns.legacy_id,
            "attributes" => {
                collector.error(
                    line,
                    name,
                    "in CSV each attribute is a column of its own: name the columns after the \
                     attributes"
                        .to_owned(),
                );
                usable = false;
                continue;
            }
            attribute => {
                columns.attributes.push((position, attribute.to_owned()));
                continue;
            }
        };
        *slot = Some(position);
    }
    for name in REQUIRED {
        if !seen.contains_key(name) {
            collector.error(
                line,
                name,
                format!(
                    "the header has no `{name}` column: a CSV file starts with the columns {}, \
                     optionally {}, then one column per attribute",
                    REQUIRED.join(","),
                    OPTIONAL.join(",")
                ),
            );
            usable = false;
        }
    }
    usable.then_some(columns)
}

pub(crate) fn read(text: &str, collector: &mut Collector<'_, '_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut columns: Option<Columns> = None;
    let mut last_line = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e
                    .position()
                    .and_then(|p| usize::try_from(p.line()).ok())
                    .unwrap_or(last_line + 1);
                collector.error(line, "-", format!("malformed CSV: {e}"));
                if line <= last_line {
                    break;
                }
                last_line = line;
                continue;
            }
        }
        let line = line_of(&record, last_line + 1);
        last_line = line;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let Some(columns) = &columns else {
            match header(&record, collector) {
                Some(found) => {
                    columns = Some(found);
                    continue;
                }
                None => return,
            }
        };
        if !collector.begin_row(line) {
            return;
        }
        let length = record.as_slice().len() + record.len();
        if length > LINE_MAX {
            collector.error(
                line,
                "-",
                format!("the row is about {length} bytes long; a row may be at most {LINE_MAX}"),
            );
            continue;
        }
        if record.len() != columns.width {
            collector.error(
                line,
                "-",
                format!(
                    "the row has {} cells but the header has {} columns: check for an unquoted \
                     comma or a missing cell",
                    record.len(),
                    columns.width
                ),
            );
            continue;
        }
        let cell = |position: Option<usize>| {
            position
                .and_then(|p| record.get(p))
                .filter(|text| !text.is_empty())
                .map(Cell::Text)
        };
        let fields = RowFields {
            reference: cell(columns.reference),
            action: cell(columns.action),
            subject: cell(columns.subject),
            category: cell(columns.category),
            date: cell(columns.date),
            target: cell(columns.target),
            legacy_id: cell(columns.legacy_id),
            attributes: columns
                .attributes
                .iter()
                .filter_map(|(position, name)| {
                    cell(Some(*position)).map(|value| (Cow::Borrowed(name.as_str()), value))
                })
                .collect(),
            attributes_unreadable: false,
        };
        collector.row(line, fields);
    }
    if columns.is_none() {
        collector.error(
            1,
            "-",
            "the file is empty: a CSV file starts with a header line (ref,action,subject,\
             category,date,...)"
                .to_owned(),
        );
    }
}
