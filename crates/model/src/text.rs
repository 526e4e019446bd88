//! Text that came from outside and will be shown to someone.
//!
//! A record's reference, a case number or a relying party's name is printed in a subject's
//! report and in an answer to a relying party. A line break in it would forge a line of the
//! answer ("remedy: pay ... to account ..."), and a terminal escape code would rewrite what is
//! already on the screen. So such characters are refused where text enters (intake, the
//! sources file, policy text: [`forbidden_char`]), and whatever reaches a terminal anyway (an
//! error message quoting a bad value, a history written before the check existed) goes through
//! [`escape`], the one function that makes text safe to print.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not appear in a value that will be printed: the C0 and C1 control
/// characters and DEL (line breaks, tabs, NUL, the escape that starts a terminal sequence),
/// the Unicode line and paragraph separators, and the bidirectional formatting characters
/// that reorder what a reader sees (the "Trojan source" characters).
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line and paragraph separators
                | '\u{061C}' | '\u{200E}' | '\u{200F}' // direction marks
                | '\u{202A}'..='\u{202E}' // embeddings and overrides
                | '\u{2066}'..='\u{2069}' // isolates
        )
}

/// The first character of `text` that may not be printed, with its position (1-based, in
/// characters), for a message such as "character 7 is a line break (U+000A)".
pub fn forbidden_char(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| is_forbidden(c))
        .map(|(i, c)| (i + 1, c))
}

/// A name for a forbidden character, for messages: `a line break (U+000A)`.
pub fn char_name(c: char) -> String {
    let name = match c {
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '\0' => "a NUL character",
        '\u{1b}' => "a terminal escape character",
        '\u{2028}' | '\u{2029}' => "a line separator",
        c if c.is_control() => "a control character",
        _ => "a text-direction control",
    };
    format!("{name} (U+{:04X})", u32::from(c))
}

/// The message for text holding a forbidden character: where it is and what it is.
pub fn forbidden_message(text: &str) -> Option<String> {
    forbidden_char(text).map(|(position, c)| {
        format!(
            "character {position} is {}: text may not hold line breaks, tabs, control or \
             terminal escape characters (they would be printed into answers)",
            char_name(c)
        )
    })
}

/// `text` made safe to print: every character [`is_forbidden`] is written as an escape
/// (`\n`, `\t`, `\r`, `\0`, `\e` for the terminal escape, `\u{202E}` otherwise), and a
/// backslash before them is left as it is. Text without such characters is borrowed.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_forbidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_forbidden(c) => {
                use fmt::Write;
                let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] as a `Display` value, for `format!("{}", Escaped(&text))`.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for text in [
            "(2024)京0105执123号",
            "Licensed lenders",
            "a\\nb",
            "",
            "café ü",
        ] {
            assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
            assert_eq!(forbidden_char(text), None);
        }
    }

    #[test]
    fn every_forbidden_character_is_escaped_and_nothing_else_changes() {
        let cases = [
            ("a\nremedy: pay", "a\\nremedy: pay"),
            ("x\ty", "x\\ty"),
            ("nul\0", "nul\\0"),
            ("\u{1b}[2J\u{1b}[H", "\\e[2J\\e[H"),
            ("\r", "\\r"),
            ("\u{7f}", "\\u{007F}"),
            ("\u{85}", "\\u{0085}"),
            ("abc\u{202E}fed", "abc\\u{202E}fed"),
            ("\u{2028}", "\\u{2028}"),
        ];
        for (raw, shown) in cases {
            assert_eq!(escape(raw), shown, "{raw:?}");
            assert!(!escape(raw).chars().any(is_forbidden));
            assert!(forbidden_char(raw).is_some());
        }
    }

    #[test]
    fn the_message_names_the_position_and_the_character() {
        let message = forbidden_message("ab\ncd").unwrap_or_default();
        assert!(
            message.contains("character 3 is a line break (U+000A)"),
            "{message}"
        );
        let message = forbidden_message("\u{1b}[31m").unwrap_or_default();
        assert!(message.contains("terminal escape"), "{message}");
        assert_eq!(forbidden_message("plain"), None);
    }
}
