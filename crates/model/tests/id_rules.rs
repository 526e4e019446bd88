#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! One test per class of identifier defect, each with the value that showed it.

use credence_model::id::{ResidentId, Uscc, resident_id_check_char, uscc_check_char};
use credence_model::{IdOptions, Identifier, SubjectKind};

fn strict(text: &str) -> Result<Identifier, String> {
    Identifier::parse(text, IdOptions::default()).map_err(|e| e.to_string())
}

fn lenient(text: &str) -> Result<Identifier, String> {
    let options = IdOptions {
        allow_legacy_uscc: true,
    };
    Identifier::parse(text, options).map_err(|e| e.to_string())
}

/// A valid resident id from its first 17 digits.
fn resident(first17: &str) -> String {
    format!("{first17}{}", resident_id_check_char(first17).unwrap())
}

/// A USCC with a valid check character from its first 17 characters.
fn uscc(first17: &str) -> String {
    format!("{first17}{}", uscc_check_char(first17).unwrap())
}

#[test]
fn a_resident_id_needs_a_real_province() {
    for first2 in [
        "00", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "70", "72", "80",
        "84", "90", "99",
    ] {
        let text = resident(&format!("{first2}010519491231002"));
        assert!(ResidentId::parse(&text).is_err(), "{text}");
        assert!(
            !matches!(strict(&text), Ok(Identifier::ResidentId(_))),
            "{text}"
        );
        let message = ResidentId::parse(&text).unwrap_err().to_string();
        assert!(message.contains("positions 1-6"), "{message}");
    }
    for first2 in [
        "11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65",
    ] {
        let text = resident(&format!("{first2}010519491231002"));
        assert!(ResidentId::parse(&text).is_ok(), "{text}");
    }
    // Taiwan, Hong Kong and Macau are whole units; 830000 is the residence permits' code.
    for region in ["710000", "810000", "820000", "830000"] {
        let text = resident(&format!("{region}19800101002"));
        assert!(ResidentId::parse(&text).is_ok(), "{text}");
        let text = resident(&format!("{}0101{}", &region[..2], "19800101002"));
        assert!(ResidentId::parse(&text).is_err(), "{text}");
    }
}

#[test]
fn a_resident_id_birth_date_is_a_real_day_from_1900_to_2099() {
    for date in [
        "19000229", "20230229", "19850230", "19850431", "19851301", "19850100", "18991231",
        "21000101",
    ] {
        let text = resident(&format!("110105{date}002"));
        assert!(ResidentId::parse(&text).is_err(), "{text}");
        assert!(strict(&text).is_err(), "{text}");
    }
    for date in ["19000101", "20000229", "20240229", "20991231"] {
        let text = resident(&format!("110105{date}002"));
        assert!(
            matches!(strict(&text), Ok(Identifier::ResidentId(_))),
            "{text}"
        );
    }
}

#[test]
fn a_valid_uscc_of_digits_is_not_read_as_a_person() {
    let text = "911101198501015379";
    let id = strict(text).unwrap();
    assert_eq!(id.kind(), SubjectKind::Organisation, "{text}");
    assert_eq!(id.birth_date(), None);
}

#[test]
fn a_mistyped_resident_id_with_an_impossible_date_is_not_taken_for_an_organisation() {
    // Each is a valid USCC, but has a province code and a birth date 02-30 where a resident id
    // has them: a mistyped resident id far more likely than an organisation.
    for text in ["11618819940230834X", "113583190602302036"] {
        assert!(Uscc::parse(text, IdOptions::default()).is_ok(), "{text}");
        let error = strict(text).unwrap_err();
        assert!(error.contains("shape of a resident id"), "{error}");
        assert!(error.contains("uscc:"), "{error}");
        assert!(lenient(text).is_err(), "{text}");
    }
}

#[test]
fn the_organisation_code_is_checked_in_every_uscc() {
    // The same organisation code body, its check character right and wrong, in codes with
    // letters (the old reading checked it only in all-digit codes).
    assert!(strict("91350203MA01XY7B5K").is_ok());
    for text in ["91350203MA01XY7B04", "91110000600037342D"] {
        let code = &text[..17];
        let text = uscc(code);
        let error = strict(&text).unwrap_err();
        assert!(
            error.contains("organisation code (GB 11714)"),
            "{text}: {error}"
        );
        assert!(lenient(&text).is_err(), "{text}");
    }
    // A legacy code keeps a valid organisation code: only its last character is excused.
    assert!(lenient("91350100M0001TGQXM").is_ok());
    assert!(lenient("91350100M0001TGQ1M").is_err());
}

#[test]
fn a_uscc_has_a_registration_authority_a_category_and_a_region() {
    for (first8, what) in [
        ("0Y110000", "position 1"),
        ("B1110000", "position 1"),
        ("94110000", "position 2"),
        ("Y2110000", "position 2"),
        ("51A10000", "positions 3-8"),
        ("91000000", "positions 3-8"),
        ("91990000", "positions 3-8"),
        ("91811234", "positions 3-8"),
    ] {
        let text = uscc(&format!("{first8}600037341"));
        let error = strict(&text).unwrap_err();
        assert!(error.contains(what), "{text}: {error}");
    }
    for first8 in ["91100000", "Y1110000", "N3350203", "A9810000", "53650102"] {
        let text = uscc(&format!("{first8}600037341"));
        assert!(strict(&text).is_ok(), "{text}");
    }
}

#[test]
fn first_generation_ids_are_refused_with_their_conversion() {
    let error = strict("110105491231002").unwrap_err();
    assert!(error.contains("first-generation"), "{error}");
    assert!(error.contains("`11010519491231002X`"), "{error}");
    // Also when the value is stated to be a resident id.
    for text in ["resident:110105491231002", "110105491231002"] {
        let error = ResidentId::parse(text.trim_start_matches("resident:")).unwrap_err();
        assert!(
            error.to_string().contains("`11010519491231002X`"),
            "{error}"
        );
        assert!(
            strict(text).unwrap_err().contains("first-generation"),
            "{text}"
        );
    }
    // Not a real date: no conversion offered.
    let error = strict("110105490230002").unwrap_err();
    assert!(error.contains("do not convert"), "{error}");
}

#[test]
fn placeholder_codes_are_refused() {
    for text in [
        "000000000000000000",
        "111111111111111111",
        "999999999999999999",
        "XXXXXXXXXXXXXXXXXX",
        "YYYYYYYYYYYYYYYYYY",
        "123456789012345678",
        "876543210987654321",
        "000000000000000",
        "passport:000000",
        "passport:N/A",
        "passport:unknown",
        "passport:-",
        "passport:123456",
        "duns:NULL",
        "org:xxxx",
    ] {
        let error = strict(text).unwrap_err();
        assert!(error.contains("placeholder"), "{text}: {error}");
        assert!(lenient(text).is_err(), "{text}");
    }
    // An organisation code of zeros names no organisation.
    let text = uscc("91110000000000000");
    let error = strict(&text).unwrap_err();
    assert!(error.contains("placeholder"), "{text}: {error}");
}

#[test]
fn no_text_makes_the_reader_panic() {
    // Random text around the shapes the reader distinguishes: prefixes, 15 and 18 characters,
    // digits, letters, punctuation and multi-byte characters.
    let pieces = [
        "resident:",
        "uscc:",
        "USCC:",
        "passport:",
        ":",
        "0",
        "1",
        "9",
        "X",
        "x",
        "Y",
        "A",
        "I",
        "-",
        " ",
        "é",
        "一",
        "\u{0}",
        "\u{1b}",
        "11",
        "19",
        "20",
    ];
    let mut rng = credence_gen::SplitMix64::new(0x5eed);
    for _ in 0..50_000 {
        let n = rng.below(24) as usize;
        let text: String = (0..n)
            .map(|_| pieces[rng.below(pieces.len() as u64) as usize])
            .collect();
        for kind in [
            None,
            Some(SubjectKind::Person),
            Some(SubjectKind::Organisation),
        ] {
            let _ =
                Identifier::parse_as(&text, IdOptions::default(), kind).map_err(|e| e.to_string());
        }
        let _ = ResidentId::parse(&text);
        let _ = Uscc::parse(
            &text,
            IdOptions {
                allow_legacy_uscc: true,
            },
        );
    }
}
