#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! `Identifier::parse` against a reference written from the standards' text, over thousands of
//! generated valid, mutated, ambiguous and placeholder values.
//!
//! The reference (`reference/mod.rs`) is written from the standards, apart from
//! `credence_model::id`; see its documentation for the rules.

mod reference;

use credence_gen::SplitMix64;
use credence_model::{IdOptions, Identifier, SubjectKind};
use reference::*;

fn model(s: &str, legacy: bool) -> Reading {
    let options = IdOptions {
        allow_legacy_uscc: legacy,
    };
    match Identifier::parse(s, options) {
        Ok(Identifier::ResidentId(_)) => Reading::Person,
        Ok(Identifier::Uscc(_)) => Reading::Organisation,
        Ok(Identifier::Other(_)) => panic!("{s} read as scheme:value"),
        Err(_) => Reading::Refused,
    }
}

fn model_as(s: &str, legacy: bool, kind: SubjectKind) -> Reading {
    let options = IdOptions {
        allow_legacy_uscc: legacy,
    };
    match Identifier::parse_as(s, options, Some(kind)) {
        Ok(id) if id.kind() == kind => match kind {
            SubjectKind::Person => Reading::Person,
            SubjectKind::Organisation => Reading::Organisation,
        },
        Ok(id) => panic!("{s} read as {} when stated {kind}", id.kind()),
        Err(_) => Reading::Refused,
    }
}

fn assert_agrees(s: &str) {
    for legacy in [false, true] {
        let how = if legacy { "allowed" } else { "refused" };
        assert_eq!(
            model(s, legacy),
            reference(s, legacy),
            "{s} (legacy codes {how})"
        );
        for (kind, reading) in [
            (SubjectKind::Person, Reading::Person),
            (SubjectKind::Organisation, Reading::Organisation),
        ] {
            assert_eq!(
                model_as(s, legacy, kind),
                reference_as(s, legacy, reading),
                "{s} stated {kind} (legacy codes {how})"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn the_reference_reproduces_the_published_examples() {
    assert_eq!(ref_resident("11010519491231002X"), Some((1949, 12, 31)));
    assert!(ref_uscc("91110000600037341L", false));
    assert!(ref_uscc("91350100M0001TGQXM", true));
    assert!(!ref_uscc("91350100M0001TGQXM", false));
    assert_eq!(
        reference("911101198501015379", false),
        Reading::Organisation
    );
}

#[test]
fn generated_valid_values_agree_with_the_reference() {
    let mut rng = SplitMix64::new(0x1d_5eed);
    let (mut people, mut organisations) = (0, 0);
    for _ in 0..4000 {
        let person = valid_resident(&mut rng);
        assert!(ref_resident(&person).is_some(), "{person}");
        assert_agrees(&person);
        people += usize::from(model(&person, false) == Reading::Person);
        let numeric = rng.below(3) == 0;
        let organisation = valid_uscc(&mut rng, numeric);
        assert!(ref_uscc(&organisation, false), "{organisation}");
        assert_agrees(&organisation);
        organisations += usize::from(model(&organisation, false) == Reading::Organisation);
    }
    // Nearly every valid value has one reading only.
    assert!(people > 3900, "{people}");
    assert!(organisations > 3900, "{organisations}");
}

#[test]
fn mutated_values_agree_with_the_reference() {
    let mut rng = SplitMix64::new(0x000b_ad1d);
    let mut readings = [0usize; 3];
    for round in 0..6000 {
        let valid = match round % 3 {
            0 => valid_resident(&mut rng),
            1 => valid_uscc(&mut rng, round % 2 == 0),
            _ => ambiguous(&mut rng),
        };
        let mutated = mutate(&mut rng, &valid);
        assert_agrees(&mutated);
        let twice = mutate(&mut rng, &mutated);
        assert_agrees(&twice);
        readings[reference(&mutated, false) as usize] += 1;
    }
    // The mutations exercise every outcome.
    assert!(readings.iter().all(|&n| n > 100), "{readings:?}");
}

#[test]
fn ambiguous_values_are_never_given_one_reading() {
    let mut rng = SplitMix64::new(0xa3b1);
    for _ in 0..500 {
        let value = ambiguous(&mut rng);
        assert_eq!(model(&value, false), Reading::Refused, "{value}");
        assert_eq!(model(&value, true), Reading::Refused, "{value}");
    }
}

#[test]
fn random_values_agree_with_the_reference() {
    let mut rng = SplitMix64::new(77);
    for _ in 0..20_000 {
        let alphabet: &[u8] = if rng.below(2) == 0 {
            b"0123456789"
        } else {
            b"0123456789ABCDEFGHJKLMNPQRTUWXY"
        };
        let value: String = (0..18)
            .map(|_| char::from(pick(&mut rng, alphabet)))
            .collect();
        assert_agrees(&value);
    }
}

#[test]
fn placeholders_are_refused() {
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY".chars() {
        let value: String = std::iter::repeat_n(c, 18).collect();
        assert_eq!(model(&value, false), Reading::Refused, "{value}");
        assert_eq!(model(&value, true), Reading::Refused, "{value}");
    }
    for value in [
        "123456789012345678",
        "987654321098765432",
        "012345678901234567",
    ] {
        assert_eq!(model(value, true), Reading::Refused, "{value}");
    }
}
