//! Damaged policy text never panics the compiler: hundreds of random edits of the shipped
//! packs each compile to a policy or to diagnostics that point inside the text.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use std::path::Path;

use credence_policy::{PolicySource, compile};

/// A value in `0..n`.
fn pick(rng: &mut credence_gen::SplitMix64, n: usize) -> usize {
    rng.below(n as u64) as usize
}

const PIECES: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    "\n",
    "#",
    "[[list]]\n",
    "when = '",
    " and ",
    " == ",
    "\"until-performed\"",
    "-1",
    "99999999999999999999",
    "0d",
    "11y",
    "é",
    "\u{0}",
    "\\",
    "points = ",
    "category = \"court.dishonest-conduct\"\n",
    "]]",
    "(((",
    "\"\"\"",
];

fn mutate(text: &str, rng: &mut credence_gen::SplitMix64) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + pick(rng, 4) {
        let at = pick(rng, chars.len() + 1);
        match pick(rng, 4) {
            0 if at < chars.len() => {
                let len = 1 + pick(rng, 40);
                chars.drain(at..(at + len).min(chars.len()));
            }
            1 => {
                let piece = PIECES[pick(rng, PIECES.len())];
                for (i, c) in piece.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            2 if at < chars.len() => {
                chars[at] = PIECES[pick(rng, PIECES.len())]
                    .chars()
                    .next()
                    .unwrap_or('x')
            }
            _ => {
                // Duplicate a stretch (repeated tables, repeated keys).
                let end = (at + pick(rng, 200)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                for (i, c) in copy.into_iter().enumerate() {
                    chars.insert(end + i, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn damaged_packs_give_diagnostics_that_point_into_the_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut packs: Vec<PolicySource> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    packs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rng = credence_gen::SplitMix64::new(7);
    let (mut refused, mut compiled) = (0, 0);
    for round in 0..800 {
        let victim = round % packs.len();
        let mut damaged = packs.clone();
        damaged[victim].text = mutate(&packs[victim].text, &mut rng);
        match compile(&damaged) {
            Ok(_) => compiled += 1,
            Err(diagnostics) => {
                refused += 1;
                assert!(!diagnostics.is_empty());
                for d in diagnostics.iter() {
                    let source = damaged
                        .iter()
                        .find(|s| s.name == d.file)
                        .unwrap_or_else(|| panic!("round {round}: unknown file {}", d.file));
                    let lines = source.text.lines().count().max(1);
                    assert!(
                        d.line >= 1 && d.line <= lines + 1,
                        "round {round}: line {} of {lines}\n{d}",
                        d.line
                    );
                    assert!(d.column >= 1, "round {round}: column {}\n{d}", d.column);
                    assert!(!d.message.is_empty(), "round {round}: empty message");
                    let _ = d.to_string();
                }
            }
        }
    }
    assert!(
        refused > 500,
        "most damage is caught: {refused} refused, {compiled} compiled"
    );
}
