//! Every parser of outside input, fed generated input: mutations of valid values and random
//! strings from an alphabet chosen to hurt (digits, separators, signs, brackets, quotes,
//! control characters, multi-byte letters). None panics or recurses without a bound, and each
//! one that accepts a value reads it back exactly as written.
//!
//! The parsers: dates, durations, identifiers, money, the condition language, the sources file,
//! policy text (also `crates/policy/tests/mutations.rs`), JSONL and CSV files (also
//! `intake_mutations.rs`) and the decoding of a file's bytes. The seeds are fixed, so a failure
//! reproduces; an input found to crash is kept in `tests/corpus/` (read by `corpus.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;

use credence_gen::SplitMix64;
use credence_model::id::{resident_id_check_char, uscc_check_char};
use credence_model::{Day, Duration, IdOptions, Identifier};
use credence_registry::encoding::decode;
use credence_registry::intake::parse_money;

/// Rounds per parser: enough to reach every branch, fast enough for every `cargo test`.
const ROUNDS: usize = 20_000;

fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    rng.below(n as u64) as usize
}

/// Pieces inputs are made of.
const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "12",
    "31",
    "99",
    "-",
    "--",
    ".",
    "..",
    ",",
    "+",
    "e",
    "E",
    "x",
    "X",
    "d",
    "wd",
    "mo",
    "y",
    "ms",
    "/",
    ":",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\u{1b}[2J",
    "\u{7f}",
    "\u{85}",
    "\u{202e}",
    "\u{feff}",
    "é",
    "京",
    "𝟘",
    "١",
    "\"",
    "'",
    "\\",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "and",
    "or",
    "not",
    "in",
    "==",
    "!=",
    "<=",
    ">",
    "true",
    "false",
    "null",
    "amount",
    "_",
    "9999999999999999999999",
    "2024-02-29",
    "1900-01-01",
    "2199-12-31",
    "9999-12-31",
];

fn random_text(rng: &mut SplitMix64, max_pieces: usize) -> String {
    (0..pick(rng, max_pieces + 1))
        .map(|_| PIECES[pick(rng, PIECES.len())])
        .collect()
}

/// One to three edits of `text`: delete a stretch, insert or replace with a piece, repeat a
/// stretch.
fn mutate(text: &str, rng: &mut SplitMix64) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + pick(rng, 3) {
        let at = pick(rng, chars.len() + 1);
        match pick(rng, 4) {
            0 if at < chars.len() => {
                let end = (at + 1 + pick(rng, 4)).min(chars.len());
                chars.drain(at..end);
            }
            1 if at < chars.len() => {
                let piece: Vec<char> = PIECES[pick(rng, PIECES.len())].chars().collect();
                chars.splice(at..at + 1, piece);
            }
            2 => {
                let end = (at + pick(rng, 6)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                for _ in 0..1 + pick(rng, 3) {
                    chars.splice(end..end, copy.iter().copied());
                }
            }
            _ => {
                let piece: Vec<char> = PIECES[pick(rng, PIECES.len())].chars().collect();
                chars.splice(at..at, piece);
            }
        }
    }
    chars.into_iter().collect()
}

/// A valid value or a random one, then maybe mutated.
fn input(rng: &mut SplitMix64, valid: &dyn Fn(&mut SplitMix64) -> String) -> String {
    match pick(rng, 3) {
        0 => random_text(rng, 8),
        1 => mutate(&valid(rng), rng),
        _ => valid(rng),
    }
}

fn digits(rng: &mut SplitMix64, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + pick(rng, 10) as u8))
        .collect()
}

#[test]
fn dates_are_read_exactly_or_refused() {
    let mut rng = SplitMix64::new(1);
    let valid = |rng: &mut SplitMix64| {
        let day = Day(Day::MIN.0 + pick(rng, (Day::MAX.0 - Day::MIN.0 + 1) as usize) as i32);
        day.to_string()
    };
    let mut accepted = 0;
    for _ in 0..ROUNDS {
        let text = input(&mut rng, &valid);
        match Day::parse(&text) {
            Ok(day) => {
                accepted += 1;
                assert_eq!(day.to_string(), text);
                assert!((Day::MIN..=Day::MAX).contains(&day), "{text}");
            }
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
    assert!(accepted > ROUNDS / 4, "{accepted}");
}

#[test]
fn durations_are_read_exactly_or_refused() {
    let mut rng = SplitMix64::new(2);
    let valid = |rng: &mut SplitMix64| {
        let length = 1 + pick(rng, 6);
        let n = digits(rng, length);
        let n = n.trim_start_matches('0');
        let n = if n.is_empty() { "0" } else { n };
        format!("{n}{}", ["d", "wd", "mo", "y"][pick(rng, 4)])
    };
    let mut accepted = 0;
    let start = Day::parse("2024-01-31").unwrap();
    let calendar = credence_model::Calendar::default();
    for _ in 0..ROUNDS {
        let text = input(&mut rng, &valid);
        if let Ok(duration) = Duration::parse(&text) {
            accepted += 1;
            // Leading zeros are accepted and dropped; otherwise the text comes back.
            let back = Duration::parse(&duration.to_string()).unwrap();
            assert_eq!(back, duration, "{text}");
            // Every duration gives a day without overflowing (working days are counted one
            // by one, so only the shorter ones are counted here).
            if !matches!(duration, Duration::WorkingDays(n) if n > 5_000) {
                let end = duration.after(start, &calendar);
                assert!(end >= start, "{text}");
            }
            let _ = duration.days_upper_bound();
        }
    }
    assert!(accepted > ROUNDS / 4, "{accepted}");
}

#[test]
fn identifiers_are_read_exactly_or_refused() {
    let mut rng = SplitMix64::new(3);
    const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let valid = |rng: &mut SplitMix64| match pick(rng, 3) {
        0 => {
            let birth = Day(pick(rng, 20_000) as i32);
            let (y, m, d) = birth.ymd();
            let first17 = format!(
                "{}{y:04}{m:02}{d:02}{}",
                ["110105", "320102", "440305", "370321"][pick(rng, 4)],
                digits(rng, 3)
            );
            format!("{first17}{}", resident_id_check_char(&first17).unwrap())
        }
        1 => {
            let body: String = (0..15)
                .map(|_| char::from(USCC_CHARS[pick(rng, USCC_CHARS.len())]))
                .collect();
            let first17 = format!("91{body}");
            format!("{first17}{}", uscc_check_char(&first17).unwrap())
        }
        _ => format!("passport:{}", random_text(rng, 4)),
    };
    let mut accepted = 0;
    for _ in 0..ROUNDS {
        let text = input(&mut rng, &valid);
        for legacy in [false, true] {
            let options = IdOptions {
                allow_legacy_uscc: legacy,
            };
            match Identifier::parse(&text, options) {
                Ok(id) => {
                    accepted += 1;
                    let again = Identifier::parse(&id.to_string(), options).unwrap();
                    assert_eq!(again, id, "{text}");
                    let _ = (id.masked(), id.birth_date(), id.kind(), id.type_name());
                }
                Err(error) => assert!(!error.to_string().is_empty()),
            }
        }
    }
    assert!(accepted > ROUNDS / 4, "{accepted}");
}

/// The rule money follows, written independently: digits, then optionally `.` and one or two
/// digits, no sign, at most what fits in fen.
fn money_reference(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if text.contains('.') && !(1..=2).contains(&fraction.len()) {
        return None;
    }
    let fen: i128 = format!("{fraction:0<2}").parse().ok()?;
    let yuan: i128 = whole.parse().ok()?;
    i64::try_from(yuan.checked_mul(100)? + fen).ok()
}

#[test]
fn money_is_read_exactly_as_the_rule_says_or_refused() {
    let mut rng = SplitMix64::new(4);
    let valid = |rng: &mut SplitMix64| {
        let length = 1 + pick(rng, 12);
        let whole = digits(rng, length);
        match pick(rng, 3) {
            0 => whole,
            1 => format!("{whole}.{}", digits(rng, 1)),
            _ => format!("{whole}.{}", digits(rng, 2)),
        }
    };
    let mut accepted = 0;
    for round in 0..ROUNDS {
        let mut text = input(&mut rng, &valid);
        if round % 100 == 0 {
            // Long runs of one character: a sign, a digit, a point.
            let c = ["-", "9", ".", "0"][pick(&mut rng, 4)];
            text = c.repeat(1 + pick(&mut rng, 50_000));
        }
        let read = parse_money(&text);
        assert_eq!(
            read.as_ref().ok().copied(),
            money_reference(&text),
            "{text}"
        );
        match read {
            Ok(_) => accepted += 1,
            Err(message) => assert!(message.len() < 300, "{message}"),
        }
    }
    assert!(accepted > ROUNDS / 4, "{accepted}");
}

#[test]
fn conditions_parse_or_point_into_the_text() {
    let mut rng = SplitMix64::new(5);
    let valid = |rng: &mut SplitMix64| {
        let mut text = String::new();
        for i in 0..1 + pick(rng, 4) {
            if i > 0 {
                text.push_str([" and ", " or "][pick(rng, 2)]);
            }
            if pick(rng, 3) == 0 {
                text.push_str("not ");
            }
            text.push_str(
                [
                    "amount >= 10000",
                    "ground == \"refuses\"",
                    "aggravated",
                    "severity in [\"minor\", \"grave\"]",
                    "(amount < 5.5 or criminal)",
                ][pick(rng, 5)],
            );
        }
        text
    };
    for round in 0..ROUNDS {
        let mut text = input(&mut rng, &valid);
        if round % 200 == 0 {
            let depth = 1 + pick(&mut rng, 100_000);
            text = match pick(&mut rng, 3) {
                0 => format!("{}a{}", "(".repeat(depth), ")".repeat(depth)),
                1 => format!("{}a", "not ".repeat(depth / 4 + 1)),
                _ => "(".repeat(depth),
            };
        }
        if let Err(error) = credence_policy::expr::parse(&text) {
            assert!(error.span.start <= error.span.end && error.span.end <= text.len());
            assert!(
                text.is_char_boundary(error.span.start) && text.is_char_boundary(error.span.end)
            );
        }
    }
}

#[test]
fn sources_files_parse_or_are_refused_with_lines_in_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let packs: Vec<credence_policy::PolicySource> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| credence_policy::PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    let policy = credence_policy::compile(&packs).unwrap();
    let text = std::fs::read_to_string(root.join("sources.toml")).unwrap();
    let mut rng = SplitMix64::new(6);
    let mut refused = 0;
    for _ in 0..2_000 {
        let damaged = mutate(&text, &mut rng);
        if let Err(error) = credence_registry::sources::parse_sources("s.toml", &damaged, &policy) {
            refused += 1;
            assert!(!error.to_string().is_empty());
        }
    }
    assert!(refused > 500, "{refused}");
}

#[test]
fn bytes_decode_to_exactly_their_text_or_say_where_they_stop_being_utf8() {
    let mut rng = SplitMix64::new(7);
    for _ in 0..ROUNDS {
        let mut bytes: Vec<u8> = random_text(&mut rng, 12).into_bytes();
        for _ in 0..pick(&mut rng, 3) {
            let at = pick(&mut rng, bytes.len() + 1);
            bytes.insert(at, rng.next_u64() as u8);
        }
        match decode("f", bytes.clone()) {
            Ok(text) => {
                let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                assert_eq!(text.as_bytes(), body);
            }
            Err(error) => {
                assert!(error.offset <= bytes.len());
                let newlines = bytes[..error.offset]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                assert_eq!(error.line, newlines + 1);
            }
        }
    }
}
