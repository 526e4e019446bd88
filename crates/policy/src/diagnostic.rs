//! Errors that point at the policy text: file, line and column, what is wrong, how to fix it.
//!
//! Parsing and validation collect every problem they find rather than stopping at the first,
//! so an author fixes a pack in one round.

use credence_model::text::{Escaped, is_forbidden};
use std::fmt;
use std::ops::Range;

/// One problem in a policy pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable code naming the check (`special-category`, `unknown-category`...).
    pub code: &'static str,
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The offending line of text and the width of the mark under it.
    pub excerpt: String,
    pub mark: Range<usize>,
}

impl Diagnostic {
    /// Whether this is one of the refusals `mission.md` makes properties of the engine.
    pub fn is_refusal(&self) -> bool {
        self.code.starts_with("refused-")
    }
}

/// The most characters of a line a diagnostic shows, and how many of them before the mark.
const EXCERPT_MAX: usize = 120;
const EXCERPT_BEFORE: usize = 40;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message and the excerpt quote the file, which may hold anything: a character
        // that could forge a line or drive the terminal is printed escaped (in the excerpt,
        // as one character, so that the marks below stay under what they mark).
        writeln!(f, "error[{}]: {}", self.code, Escaped(&self.message))?;
        writeln!(
            f,
            "  --> {}:{}:{}",
            Escaped(&self.file),
            self.line,
            self.column
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        // A long line (a value of 100,000 brackets) is shown as a window around the mark.
        let chars: Vec<char> = self
            .excerpt
            .chars()
            .map(|c| match c {
                '\t' => ' ',
                c if is_forbidden(c) => '\u{FFFD}',
                c => c,
            })
            .collect();
        let from = if chars.len() > EXCERPT_MAX {
            self.mark
                .start
                .saturating_sub(EXCERPT_BEFORE)
                .min(chars.len())
        } else {
            0
        };
        let to = chars.len().min(from + EXCERPT_MAX);
        let before = if from > 0 { "..." } else { "" };
        let after = if to < chars.len() { "..." } else { "" };
        let shown: String = chars[from..to].iter().collect();
        writeln!(f, "{} | {before}{shown}{after}", self.line)?;
        let start = self.mark.start.clamp(from, to) - from;
        let end = self.mark.end.clamp(from, to) - from;
        let width = end.saturating_sub(start).max(1);
        write!(
            f,
            "{:gutter$} | {:pad$}{}",
            "",
            "",
            "^".repeat(width),
            pad = before.len() + start
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {}", "", Escaped(help))?;
        }
        Ok(())
    }
}

/// Every problem found in a set of packs (never empty when returned as an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether some diagnostic has this code.
    pub fn has(&self, code: &str) -> bool {
        self.0.iter().any(|d| d.code == code)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}\n")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} in policy", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// A policy text with its name, for turning byte spans into lines and columns.
#[derive(Clone, Debug)]
pub struct SourceText<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl SourceText<'_> {
    pub fn diagnostic(
        &self,
        span: Range<usize>,
        code: &'static str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let prefix = &self.text[line_start..start];
        let column = prefix.chars().count() + 1;
        let end = floor_char_boundary(self.text, span.end.clamp(start, line_end));
        let mark_start = prefix.chars().count();
        let mark_len = self.text[start..end].chars().count();
        Diagnostic {
            code,
            message: message.into(),
            help,
            file: self.name.to_owned(),
            line,
            column,
            excerpt: self.text[line_start..line_end].trim_end().to_owned(),
            mark: mark_start..mark_start + mark_len,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_and_column() {
        let source = SourceText {
            name: "p.toml",
            text: "a = 1\nbcd = \"x\"\n",
        };
        let d = source.diagnostic(12..15, "test", "bad", Some("fix it".into()));
        assert_eq!((d.line, d.column), (2, 7));
        assert_eq!(d.excerpt, "bcd = \"x\"");
        let shown = d.to_string();
        assert!(shown.contains("--> p.toml:2:7"), "{shown}");
        assert!(shown.contains("      ^^^"), "{shown}");
        assert!(shown.contains("help: fix it"), "{shown}");
    }
}
