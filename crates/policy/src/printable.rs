//! Every string of a TOML file (a pack, the sources file) that may be printed: no line break,
//! tab, control or terminal escape character in it (see [`credence_model::text`]), so that a
//! title, a basis or an enum value cannot forge a line of an answer or rewrite a terminal.
//!
//! Prose meant to run over several lines (a pack's `summary`, a `description`) may hold line
//! breaks; nothing may hold any other such character. Keys are checked too: attribute names
//! are keys.

use std::ops::Range;

use credence_model::text::{char_name, is_forbidden};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Keys whose string values may hold line breaks.
const MULTI_LINE: [&str; 2] = ["summary", "description"];

/// A string holding a character that may not be printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unprintable {
    /// Where the string (or key) is written.
    pub span: Range<usize>,
    /// The message: which key, which character, at which position of the string.
    pub message: String,
}

/// Every string and key of `text` (TOML) holding a character that may not be printed. Text
/// that is not TOML gives nothing here: the parser's own error says what is wrong with it.
pub fn unprintable_strings(text: &str) -> Vec<Unprintable> {
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // An explicit stack: nesting is bounded by the parser, and never by this walk's recursion.
    let mut stack: Vec<(&str, &Spanned<DeValue<'_>>)> = Vec::new();
    let mut tables: Vec<&DeTable<'_>> = vec![root.get_ref()];
    loop {
        while let Some(table) = tables.pop() {
            for (key, value) in table.iter() {
                check(key.get_ref(), false, key.span(), "the key", &mut found);
                stack.push((key.get_ref(), value));
            }
        }
        let Some((key, value)) = stack.pop() else {
            break;
        };
        match value.get_ref() {
            DeValue::String(string) => check(
                string,
                MULTI_LINE.contains(&key),
                value.span(),
                &format!("`{key}`"),
                &mut found,
            ),
            DeValue::Array(array) => {
                for item in array.iter() {
                    stack.push((key, item));
                }
            }
            DeValue::Table(table) => tables.push(table),
            _ => {}
        }
    }
    found.sort_by_key(|u| u.span.start);
    found
}

fn check(
    string: &str,
    multi_line: bool,
    span: Range<usize>,
    what: &str,
    found: &mut Vec<Unprintable>,
) {
    let bad = string
        .chars()
        .enumerate()
        .find(|&(_, c)| is_forbidden(c) && !(multi_line && c == '\n'));
    if let Some((position, c)) = bad {
        found.push(Unprintable {
            span,
            message: format!(
                "{what} holds {} at character {}: text that is printed may not hold {}tabs, \
                 control or terminal escape characters",
                char_name(c),
                position + 1,
                if multi_line { "" } else { "line breaks, " }
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_and_key_is_checked_at_any_depth() {
        let text = "title = \"ok\"\nbasis = \"Art. 1\\u001b[2J\"\n[a.b]\nlist = [[\"x\", \"y\\nz\"]]\n\"k\\t\" = 1\nsummary = \"two\\nlines\"\n";
        let found = unprintable_strings(text);
        let messages: Vec<&str> = found.iter().map(|u| u.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(
            messages[0].starts_with("`basis` holds a terminal escape"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("`list` holds a line break"),
            "{messages:?}"
        );
        assert!(
            messages[2].starts_with("the key holds a tab"),
            "{messages:?}"
        );
        assert_eq!(&text[found[0].span.clone()], "\"Art. 1\\u001b[2J\"");
    }

    #[test]
    fn prose_may_run_over_lines_but_hold_nothing_else() {
        assert!(unprintable_strings("summary = \"\"\"\na\nb\"\"\"\n").is_empty());
        let found = unprintable_strings("description = \"a\\rb\"\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("carriage return"));
    }

    #[test]
    fn text_that_is_not_toml_is_left_to_the_parser() {
        assert!(unprintable_strings("x = [").is_empty());
        assert!(unprintable_strings(&"[".repeat(100_000)).is_empty());
    }
}
