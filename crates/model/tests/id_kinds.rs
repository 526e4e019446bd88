#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! A value valid under both readings is never silently given one: the kind must be stated, by
//! the source (`Identifier::parse_as`) or in the text (`resident:…`, `uscc:…`); a stated kind
//! the identifier cannot be is refused.

use credence_model::id::IdError;
use credence_model::{Day, IdOptions, Identifier, SubjectKind};

/// Valid as a resident id (a person born 1995-02-11 in Beijing) and as a USCC (a Beijing
/// authority's government organ registered in region 110319).
const AMBIGUOUS: [&str; 2] = ["111103199502111002", "11355319880616726X"];

const PERSON: &str = "11010519491231002X";
const ORGANISATION: &str = "91110000600037341L";

fn parse_as(text: &str, kind: Option<SubjectKind>) -> Result<Identifier, IdError> {
    Identifier::parse_as(text, IdOptions::default(), kind)
}

#[test]
fn an_ambiguous_value_is_refused_without_a_kind_and_shows_both_readings() {
    for text in AMBIGUOUS {
        let error = parse_as(text, None).unwrap_err();
        let IdError::Ambiguous {
            person,
            organisation,
            ..
        } = &error
        else {
            panic!("{text}: {error}");
        };
        assert_eq!(person.as_str(), text);
        assert_eq!(organisation.as_str(), text);
        let message = error.to_string();
        assert!(message.contains("ambiguous"), "{message}");
        assert!(
            message.contains(&format!("born {}", person.birth_date())),
            "{message}"
        );
        assert!(message.contains("`kind`"), "{message}");
        assert!(message.contains(&format!("`uscc:{text}`")), "{message}");
        // Legacy codes excuse nothing here.
        let lenient = IdOptions {
            allow_legacy_uscc: true,
        };
        assert!(Identifier::parse(text, lenient).is_err());
    }
}

#[test]
fn a_stated_kind_picks_the_reading() {
    let text = AMBIGUOUS[0];
    let person = parse_as(text, Some(SubjectKind::Person)).unwrap();
    assert!(matches!(person, Identifier::ResidentId(_)));
    assert_eq!(person.birth_date(), Day::from_ymd(1995, 2, 11));
    assert_eq!(person.canonical(), text);

    let organisation = parse_as(text, Some(SubjectKind::Organisation)).unwrap();
    assert!(matches!(&organisation, Identifier::Uscc(code) if code.is_ambiguous()));
    assert_eq!(organisation.kind(), SubjectKind::Organisation);
    // The organisation never shares its canonical text (the registry's key) with the person.
    assert_eq!(organisation.canonical(), format!("uscc:{text}"));
    assert_ne!(organisation.canonical(), person.canonical());
    assert_eq!(organisation.masked(), "**************1002");
}

#[test]
fn the_kind_can_be_written_in_the_text() {
    let text = AMBIGUOUS[1];
    let person = parse_as(&format!("resident:{text}"), None).unwrap();
    assert_eq!(person.kind(), SubjectKind::Person);
    assert_eq!(person.canonical(), text);
    let organisation = parse_as(&format!(" USCC:{} ", text.to_lowercase()), None).unwrap();
    assert_eq!(organisation.kind(), SubjectKind::Organisation);
    assert_eq!(organisation.canonical(), format!("uscc:{text}"));
    // The canonical text reads back as the same identifier, also through serde.
    assert_eq!(
        parse_as(&organisation.canonical(), None),
        Ok(organisation.clone())
    );
    let json = serde_json::to_string(&organisation).unwrap();
    assert_eq!(
        serde_json::from_str::<Identifier>(&json).unwrap(),
        organisation
    );
    // Unambiguous values read the same with or without the prefix.
    assert_eq!(
        parse_as(&format!("resident:{PERSON}"), None),
        parse_as(PERSON, None)
    );
    assert_eq!(
        parse_as(&format!("uscc:{ORGANISATION}"), None),
        parse_as(ORGANISATION, None)
    );
    assert_eq!(
        parse_as(ORGANISATION, None).unwrap().canonical(),
        ORGANISATION
    );
    // A prefix reads its form only.
    assert!(matches!(
        parse_as(&format!("resident:{ORGANISATION}"), None),
        Err(IdError::ResidentIdCharacters { .. })
    ));
    assert!(parse_as(&format!("uscc:{PERSON}"), None).is_err());
}

#[test]
fn a_stated_kind_the_identifier_cannot_be_is_refused() {
    let cases = [
        (PERSON, SubjectKind::Organisation),
        (ORGANISATION, SubjectKind::Person),
        ("911101198501015379", SubjectKind::Person),
        ("passport:E12345678", SubjectKind::Organisation),
        ("lei:5493001KJTIIGC8Y1R12", SubjectKind::Person),
        ("resident:11010519491231002X", SubjectKind::Organisation),
        ("uscc:91110000600037341L", SubjectKind::Person),
    ];
    for (text, kind) in cases {
        let error = parse_as(text, Some(kind)).unwrap_err();
        assert!(
            matches!(error, IdError::KindMismatch { .. }),
            "{text}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "the subject is stated to be {}",
                kind.with_article()
            )),
            "{message}"
        );
        // And the kind it can be is accepted.
        let other = match kind {
            SubjectKind::Person => SubjectKind::Organisation,
            SubjectKind::Organisation => SubjectKind::Person,
        };
        assert_eq!(parse_as(text, Some(other)).unwrap().kind(), other, "{text}");
    }
}

#[test]
fn a_valid_uscc_shaped_like_a_broken_resident_id_is_taken_with_its_kind_only() {
    let text = "11618819940230834X";
    assert!(matches!(
        parse_as(text, None),
        Err(IdError::ResidentShaped { .. })
    ));
    let organisation = parse_as(text, Some(SubjectKind::Organisation)).unwrap();
    assert_eq!(organisation.canonical(), text);
    let error = parse_as(text, Some(SubjectKind::Person)).unwrap_err();
    assert!(error.to_string().contains("positions 7-14"), "{error}");
}
