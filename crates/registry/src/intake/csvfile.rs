//! CSV: a header `ref,action,subject,category,date` (with optional `target`, `legacy_id`, `kind`
//! and `birth_date` columns, in any order) followed by one column per attribute. An empty cell is
//! absent; cells are trimmed. Line numbers are physical lines, the header being line 1.

use std::borrow::Cow;
use std::collections::HashMap;

use super::row::{Cell, RowFields};
use super::{Collector, LINE_MAX, RowError};

/// The columns a row's own fields are read from.
const REQUIRED: [&str; 5] = ["ref", "action", "subject", "category", "date"];
const OPTIONAL: [&str; 4] = ["target", "legacy_id", "kind", "birth_date"];

/// Column positions of the row's own fields (`None`: no such column).
#[derive(Debug, Default)]
pub(crate) struct Columns {
    reference: Option<usize>,
    action: Option<usize>,
    subject: Option<usize>,
    category: Option<usize>,
    date: Option<usize>,
    target: Option<usize>,
    legacy_id: Option<usize>,
    kind: Option<usize>,
    birth_date: Option<usize>,
    /// (position, attribute name)
    attributes: Vec<(usize, String)>,
    width: usize,
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// Turns the reader's byte positions into line numbers.
///
/// The reader's own line count is not used: a record's position is where the reader stood
/// after the previous one, before the skipped line ends (and blank lines) that precede it.
struct Lines<'t> {
    text: &'t [u8],
    byte: usize,
    line: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line of the record the reader found at `position` (at or after the last one).
    fn of(&mut self, position: Option<&csv::Position>) -> usize {
        let Some(position) = position else {
            return self.line;
        };
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .clamp(self.byte, self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += self.text[self.byte..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.byte = start;
        self.line
    }
}

/// Reads the header: the columns, the byte offset of the first row after it, and the line that
/// offset is on (counted from `text`'s first line); `None` when `text` holds only blank lines.
/// Every problem of the header is an error (rows are not read without a usable header).
pub(crate) fn header(text: &str) -> Result<Option<(Columns, usize, usize)>, Vec<RowError>> {
    let mut reader = reader(text);
    let mut record = csv::StringRecord::new();
    let mut errors = Vec::new();
    let mut error = |line: usize, field: &str, message: String| {
        errors.push(RowError {
            line,
            field: field.to_owned(),
            message,
        });
    };
    let mut lines = Lines::new(text);
    let found = loop {
        match reader.read_record(&mut record) {
            Ok(true) if record.iter().all(str::is_empty) => {}
            Ok(true) => break true,
            Ok(false) => break false,
            Err(e) => {
                let line = lines.of(e.position());
                error(line, "-", format!("malformed CSV header: {e}"));
                return Err(errors);
            }
        }
    };
    if !found {
        return Ok(None);
    }
    let line = lines.of(record.position());
    let mut columns = Columns {
        width: record.len(),
        ..Columns::default()
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (position, name) in record.iter().enumerate() {
        if name.is_empty() {
            error(
                line,
                "-",
                format!(
                    "column {} of the header has no name: name every column (ref, action, \
                     subject, category, date, then attribute names)",
                    position + 1
                ),
            );
            continue;
        }
        if let Some(first) = seen.insert(name, position) {
            error(
                line,
                name,
                format!(
                    "the header names `{name}` twice (columns {} and {})",
                    first + 1,
                    position + 1
                ),
            );
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
            "kind" => &mut columns.kind,
            "birth_date" => &mut columns.birth_date,
            "attributes" => {
                error(
                    line,
                    name,
                    "in CSV each attribute is a column of its own: name the columns after the \
                     attributes"
                        .to_owned(),
                );
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
            error(
                line,
                name,
                format!(
                    "the header has no `{name}` column: a CSV file starts with the columns {}, \
                     optionally {}, then one column per attribute",
                    REQUIRED.join(","),
                    OPTIONAL.join(",")
                ),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let offset = usize::try_from(reader.position().byte())
        .unwrap_or(text.len())
        .min(text.len());
    // The reader stops on a character boundary: just after the header's line end, or on it.
    let offset = (offset..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let first_line = 1 + text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    Ok(Some((columns, offset, first_line)))
}

/// Reads the rows of a piece of the body (after the header); lines count from the piece's
/// start.
pub(crate) fn read(text: &str, columns: &Columns, collector: &mut Collector<'_, '_>) {
    let mut reader = reader(text);
    let mut record = csv::StringRecord::new();
    let mut lines = Lines::new(text);
    let mut last_error = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = lines.of(e.position());
                collector.error(line, "-", format!("malformed CSV: {e}"));
                // Never loop on an error the reader does not move past.
                if last_error == Some(line) {
                    break;
                }
                last_error = Some(line);
                continue;
            }
        }
        let line = lines.of(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if !collector.begin_row() {
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
            kind: cell(columns.kind),
            birth_date: cell(columns.birth_date),
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
}

#[cfg(test)]
mod row_fields {
    use super::{OPTIONAL, REQUIRED};

    /// The policy compiler refuses attributes named like a row's own column; a column intake
    /// reads that the compiler does not know of would let an attribute shadow it.
    #[test]
    fn every_column_of_a_row_is_a_name_no_attribute_may_take() {
        for column in REQUIRED.iter().chain(&OPTIONAL) {
            assert!(
                credence_policy::ROW_FIELDS.contains(column),
                "`{column}` is read by intake but not reserved by the policy compiler"
            );
        }
    }
}
