//! Identifiers of people and organisations.
//!
//! No record attaches to a subject on a name alone: names collide, are transliterated in several
//! ways and are mistyped, and a record filed against the wrong person is worse than no record.
//! Every subject is therefore keyed by an identifier, and every identifier that carries a check
//! character is validated by recomputing it, so typos and mistaken identity are caught at the
//! door rather than discovered after a record has been attached to somebody else.
//!
//! Three forms are accepted:
//!
//! * the 18-character resident identity number (GB 11643-1999), which identifies a person:
//!   a GB/T 2260 address code whose first two digits are a province (11-15, 21-23, 31-37,
//!   41-46, 50-54, 61-65; Taiwan, Hong Kong and Macau only as the whole units 710000, 810000
//!   and 820000, and 830000, which the residence permits of Taiwan residents carry), a birth
//!   date that is a real day from 1900-01-01 to 2099-12-31, a three-digit sequence number (odd
//!   for men) and an ISO 7064 MOD 11-2 check character;
//! * the 18-character Unified Social Credit Code (GB 32100-2015), which identifies an
//!   organisation: a registration authority and one of the organisation categories it assigns
//!   ([`USCC_AUTHORITIES`]), six digits of the registering authority's GB/T 2260 region (a
//!   province as above, or 100000 for a national registration), the nine-character organisation
//!   code of GB 11714-1997 with its own MOD 11 check character, and the MOD 31 check character.
//!   GB 32100 makes positions 9-17 an organisation code "coded according to GB 11714", so its
//!   check character is verified for every code, whatever its other characters;
//! * `scheme:value` for anything else (passports, LEIs, ...), where the scheme must be one of
//!   [`KNOWN_SCHEMES`] and decides whether the subject is a person or an organisation.
//!
//! **Ambiguity.** Some 18-digit values are valid under both standards. Such a value is never
//! silently given one reading: [`Identifier::parse`] refuses it ([`IdError::Ambiguous`]) and the
//! kind must be stated, either by [`Identifier::parse_as`] (intake's `kind` field) or in the
//! text itself, `resident:…` or `uscc:…`. A value that is a valid USCC but has the shape of a
//! resident id (a province code, a birth year 19xx or 20xx) that fails its checks is refused
//! the same way ([`IdError::ResidentShaped`]): it is more likely a mistyped resident id than
//! an organisation. An organisation read from an ambiguous value is written `uscc:…` in its
//! canonical form, so that it never shares a key with the person whose resident id has the same
//! characters.
//!
//! **First-generation ids.** The 15-digit resident ids issued before 1999 carry no check
//! character, so a mistyped digit in one cannot be caught. They are refused, with the 18-digit
//! form the annex of GB 11643 gives (insert `19` before the six-digit birth date and append the
//! check character), to be confirmed against the holder's current id.
//!
//! **Placeholders.** A value whose characters are all the same (`000000000000000000`), that is
//! one run of consecutive digits (`123456789012345678`), whose organisation code is `00000000`,
//! or a `scheme:value` whose value is a stand-in (`N/A`, `unknown`, `-`, `0000`, `123456`) is
//! refused: every record filed under it would be merged into one subject.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::day::Day;

/// Whether a subject is a natural person or an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Person,
    Organisation,
}

impl SubjectKind {
    /// The lowercase word used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Organisation => "organisation",
        }
    }

    /// `a person`, `an organisation`.
    pub fn with_article(self) -> &'static str {
        match self {
            SubjectKind::Person => "a person",
            SubjectKind::Organisation => "an organisation",
        }
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubjectKind {
    type Err = IdError;

    /// Reads `person`, `organisation` (also `organization` and `org`), ignoring case and
    /// surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "person" => Ok(SubjectKind::Person),
            "organisation" | "organization" | "org" => Ok(SubjectKind::Organisation),
            _ => Err(IdError::SubjectKind { text: s.to_owned() }),
        }
    }
}

/// The `scheme:value` schemes the model knows, and the kind of subject each identifies.
///
/// Extend this table to accept a new scheme; nothing else needs to change. (`resident:` and
/// `uscc:` are not schemes: they state how an 18-character value is to be read.)
pub const KNOWN_SCHEMES: &[(&str, SubjectKind)] = &[
    ("passport", SubjectKind::Person),
    ("hkmo", SubjectKind::Person),
    ("tw", SubjectKind::Person),
    ("foreign-resident", SubjectKind::Person),
    ("person", SubjectKind::Person),
    ("lei", SubjectKind::Organisation),
    ("org", SubjectKind::Organisation),
    ("npo", SubjectKind::Organisation),
    ("duns", SubjectKind::Organisation),
];

/// The prefix that reads an 18-character value as a resident id only.
pub const RESIDENT_PREFIX: &str = "resident:";
/// The prefix that reads an 18-character value as a USCC only.
pub const USCC_PREFIX: &str = "uscc:";

/// The registration authority codes of GB 32100-2015 (table 1, with the authorities assigned a
/// code since: 2-4, 6-8, A, N), what each registers, and the organisation categories (position
/// 2) each assigns.
pub const USCC_AUTHORITIES: &[(char, &str, &str)] = &[
    ('1', "institutional establishment (机构编制)", "1239"),
    ('2', "foreign affairs (外交)", "19"),
    ('3', "justice (司法行政)", "123459"),
    ('4', "culture (文化)", "19"),
    ('5', "civil affairs (民政)", "1239"),
    ('6', "tourism (旅游)", "129"),
    ('7', "religious affairs (宗教)", "129"),
    ('8', "trade unions (工会)", "19"),
    ('9', "market regulation (工商)", "123"),
    (
        'A',
        "military establishment (中央军委改革和编制办公室)",
        "19",
    ),
    ('N', "agriculture (农业)", "1239"),
    ('Y', "other authorities", "1"),
];

/// The known schemes as a readable list, for error messages.
fn known_scheme_list() -> String {
    KNOWN_SCHEMES
        .iter()
        .map(|(scheme, _)| format!("`{scheme}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why an identifier was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error(
        "the identifier is empty: write an 18-character resident id, an 18-character USCC, \
         or `scheme:value`"
    )]
    Empty,
    #[error(
        "`{text}` has {len} characters; a resident id or USCC has 18 (other identifiers are \
         written `scheme:value`, for example `passport:E12345678`)"
    )]
    Length { text: String, len: usize },
    #[error(
        "`{text}` is a placeholder ({reason}), not an identifier: every record filed under it would be merged into one subject; name the subject by its own identifier"
    )]
    Placeholder { text: String, reason: &'static str },
    #[error("{}", first_generation_message(.text, .converted.as_deref()))]
    FirstGeneration {
        text: String,
        /// The 18-character form of GB 11643's annex, when the 15 digits have a real province
        /// and birth date.
        converted: Option<String>,
    },
    #[error(
        "`{text}` is not a resident id: the first 17 characters must be digits and the last a \
         digit or X"
    )]
    ResidentIdCharacters { text: String },
    #[error(
        "`{text}` is not a resident id: positions 1-6 `{region}` are not an address code: the \
         first two digits must be a province of GB/T 2260 (11-15, 21-23, 31-37, 41-46, 50-54, \
         61-65), or the code one of 710000, 810000, 820000 (Taiwan, Hong Kong, Macau) and 830000 \
         (residence permits of Taiwan residents)"
    )]
    ResidentIdRegion { text: String, region: String },
    #[error(
        "`{text}` is not a resident id: positions 7-14 `{date}` are not a real birth date \
         between 1900-01-01 and 2099-12-31; check the date digits"
    )]
    ResidentIdBirthDate { text: String, date: String },
    #[error(
        "`{text}` is not a resident id: the check digit is `{found}` but the first 17 digits \
         give `{expected}`: a digit was probably mistyped or two digits swapped"
    )]
    ResidentIdCheck {
        text: String,
        expected: char,
        found: char,
    },
    #[error(
        "`{text}` is not a USCC: `{found}` at position {position} is not in the USCC alphabet \
         (digits and capital letters; I, O, S, V and Z are never used): check for a mistyped \
         character"
    )]
    UsccCharacters {
        text: String,
        position: usize,
        found: char,
    },
    #[error("{}", authority_message(.text, *.authority, *.category))]
    UsccAuthority {
        text: String,
        authority: char,
        category: char,
    },
    #[error(
        "`{text}` is not a USCC: positions 3-8 `{region}` are not a region code: six digits of \
         GB/T 2260 whose first two are a province (11-15, 21-23, 31-37, 41-46, 50-54, 61-65), \
         or one of 100000 (a national registration), 710000, 810000 and 820000"
    )]
    UsccRegion { text: String, region: String },
    #[error(
        "`{text}` is not a USCC: positions 9-17 `{code}` are not an organisation code (GB \
         11714): its check character is `{found}` but its first eight characters give \
         `{expected}`: a character was probably mistyped"
    )]
    UsccOrganisationCode {
        text: String,
        code: String,
        expected: char,
        found: char,
    },
    #[error(
        "`{text}` is not a USCC: the check character is `{found}` but the first 17 characters \
         give `{expected}`: a character was probably mistyped (legacy pilot codes without a \
         valid check character are accepted only when the source flags them as legacy)"
    )]
    UsccCheck {
        text: String,
        expected: char,
        found: char,
    },
    #[error(
        "`{text}` is ambiguous: it is a valid resident id (a person born {}) and a valid USCC \
         (an organisation registered by {} in region {}); state which: the row's `kind` \
         (person or organisation), or write `resident:{text}` or `uscc:{text}`",
        .person.birth_date(), .organisation.authority_name(), .organisation.region()
    )]
    Ambiguous {
        text: String,
        person: ResidentId,
        organisation: Uscc,
    },
    #[error(
        "`{text}` is a valid USCC (an organisation registered by {} in region {}) but has the \
         shape of a resident id that fails its checks ({}): if it names an organisation, state \
         so (the row's `kind` organisation, or write `uscc:{text}`); if it names a person, the \
         resident id is mistyped",
        .organisation.authority_name(), .organisation.region(), resident_reason(.person)
    )]
    ResidentShaped {
        text: String,
        organisation: Uscc,
        person: Box<IdError>,
    },
    #[error("the subject is stated to be {}, but {reason}", .kind.with_article())]
    KindMismatch {
        kind: SubjectKind,
        reason: Box<IdError>,
    },
    #[error(
        "`{text}` is not a `scheme:value` identifier: the scheme is 2-32 lowercase letters, \
         digits, `_` or `-` starting with a letter, and the value 1-64 printable ASCII \
         characters without spaces"
    )]
    OtherFormat { text: String },
    #[error(
        "`{scheme}` is not a known identifier scheme: use one of {}",
        known_scheme_list()
    )]
    UnknownScheme { scheme: String },
    #[error("`{text}` identifies {}", .kind.with_article())]
    SchemeKind { text: String, kind: SubjectKind },
    #[error(
        "`{text}` is not an identifier: write an 18-character resident id, an 18-character \
         USCC, or `scheme:value` (for example `passport:E12345678`); names alone are not \
         accepted"
    )]
    Unrecognised { text: String },
    #[error("`{text}` is not a subject kind: write `person` or `organisation`")]
    SubjectKind { text: String },
}

fn first_generation_message(text: &str, converted: Option<&str>) -> String {
    let head = format!(
        "`{text}` is a 15-digit first-generation resident id: it has no check digit, so a \
         mistyped digit in it cannot be caught; submit the holder's 18-character id"
    );
    match converted {
        Some(converted) => format!(
            "{head} (GB 11643, annex: insert 19 before the birth date and append the check \
             digit, which gives `{converted}`; confirm it against the holder's current id)"
        ),
        None => format!(
            "{head} (these 15 digits have no real province and birth date, so they do not \
             convert either)"
        ),
    }
}

fn authority_message(text: &str, authority: char, category: char) -> String {
    match USCC_AUTHORITIES.iter().find(|(a, _, _)| *a == authority) {
        None => format!(
            "`{text}` is not a USCC: position 1 `{authority}` is not a registration authority \
             code of GB 32100 (use one of {})",
            USCC_AUTHORITIES
                .iter()
                .map(|(a, _, _)| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some((_, name, categories)) => format!(
            "`{text}` is not a USCC: position 2 `{category}` is not an organisation category of \
             registration authority `{authority}` ({name}), which assigns {}",
            categories
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The reason part of a resident id error (after "is not a resident id: ").
fn resident_reason(error: &IdError) -> String {
    let message = error.to_string();
    match message.split_once("is not a resident id: ") {
        Some((_, reason)) => reason.to_owned(),
        None => message,
    }
}

/// How strictly to read an identifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdOptions {
    /// Accept USCCs whose check character does not verify (codes issued during the pilot before
    /// GB 32100-2015). Set only when the source explicitly flags its codes as legacy. Never
    /// applies to a value of 17 digits and a digit or X, which would let a mistyped resident
    /// id in as an organisation.
    pub allow_legacy_uscc: bool,
}

/// Any identifier a subject can be keyed by.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identifier {
    ResidentId(ResidentId),
    Uscc(Uscc),
    Other(OtherId),
}

impl Identifier {
    /// Reads any identifier, refusing a value whose kind it cannot tell (see the module
    /// documentation): the same as [`Identifier::parse_as`] with no stated kind.
    ///
    /// Surrounding whitespace is trimmed and lowercase letters (including a lowercase `x`) are
    /// uppercased.
    pub fn parse(text: &str, options: IdOptions) -> Result<Identifier, IdError> {
        Identifier::parse_as(text, options, None)
    }

    /// Reads any identifier, as the kind of subject the source states when it states one:
    ///
    /// * `resident:…` and `uscc:…` read the value as that form only;
    /// * `scheme:value`: an [`OtherId`];
    /// * 18 characters: a resident id or a USCC. A value valid under both standards, or a valid
    ///   USCC with the shape of a broken resident id, is taken only with a stated kind.
    ///
    /// A stated kind the identifier cannot be is refused ([`IdError::KindMismatch`]).
    pub fn parse_as(
        text: &str,
        options: IdOptions,
        kind: Option<SubjectKind>,
    ) -> Result<Identifier, IdError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty);
        }
        let mismatch = |stated: SubjectKind, reason: IdError| IdError::KindMismatch {
            kind: stated,
            reason: Box::new(reason),
        };
        if let Some((prefix, value)) = trimmed.split_once(':') {
            let form = match prefix.to_ascii_lowercase().as_str() {
                "resident" => Some(SubjectKind::Person),
                "uscc" => Some(SubjectKind::Organisation),
                _ => None,
            };
            let Some(form) = form else {
                let other = OtherId::parse(trimmed)?;
                return match kind {
                    Some(stated) if stated != other.kind() => Err(mismatch(
                        stated,
                        IdError::SchemeKind {
                            text: trimmed.to_owned(),
                            kind: other.kind(),
                        },
                    )),
                    _ => Ok(Identifier::Other(other)),
                };
            };
            if let Some(stated) = kind.filter(|&k| k != form) {
                return Err(mismatch(
                    stated,
                    IdError::SchemeKind {
                        text: trimmed.to_owned(),
                        kind: form,
                    },
                ));
            }
            return match form {
                SubjectKind::Person => ResidentId::parse(value).map(Identifier::ResidentId),
                SubjectKind::Organisation => {
                    let options = if looks_like_resident_id(&value.trim().to_ascii_uppercase()) {
                        IdOptions::default()
                    } else {
                        options
                    };
                    Uscc::parse(value, options).map(Identifier::Uscc)
                }
            };
        }
        if !trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(IdError::Unrecognised {
                text: trimmed.to_owned(),
            });
        }
        let upper = trimmed.to_ascii_uppercase();
        if let Some(reason) = placeholder(&upper) {
            return Err(IdError::Placeholder {
                text: trimmed.to_owned(),
                reason,
            });
        }
        if upper.len() == 15 && upper.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::FirstGeneration {
                text: trimmed.to_owned(),
                converted: convert_first_generation(&upper),
            });
        }
        if upper.len() != 18 {
            return Err(IdError::Length {
                text: trimmed.to_owned(),
                len: upper.len(),
            });
        }
        if !looks_like_resident_id(&upper) {
            let code = Uscc::parse(trimmed, options);
            return match (kind, code) {
                (Some(SubjectKind::Person), _) => Err(mismatch(
                    SubjectKind::Person,
                    IdError::ResidentIdCharacters {
                        text: trimmed.to_owned(),
                    },
                )),
                (Some(stated), Err(error)) => Err(mismatch(stated, error)),
                (_, code) => code.map(Identifier::Uscc),
            };
        }
        // 17 digits and a digit or X: possibly either. A legacy reading is never offered here.
        let person = ResidentId::parse(trimmed);
        let organisation = Uscc::parse(trimmed, IdOptions::default());
        match kind {
            Some(SubjectKind::Person) => {
                return person
                    .map(Identifier::ResidentId)
                    .map_err(|e| mismatch(SubjectKind::Person, e));
            }
            Some(SubjectKind::Organisation) => {
                return organisation
                    .map(Identifier::Uscc)
                    .map_err(|e| mismatch(SubjectKind::Organisation, e));
            }
            None => {}
        }
        match (person, organisation) {
            (Ok(person), Ok(organisation)) => Err(IdError::Ambiguous {
                text: trimmed.to_owned(),
                person,
                organisation,
            }),
            (Ok(person), Err(_)) => Ok(Identifier::ResidentId(person)),
            (Err(error), Ok(organisation)) if resident_shaped(&upper) => {
                Err(IdError::ResidentShaped {
                    text: trimmed.to_owned(),
                    organisation,
                    person: Box::new(error),
                })
            }
            (Err(_), Ok(organisation)) => Ok(Identifier::Uscc(organisation)),
            (Err(person), Err(organisation)) => {
                // Report the reading the value looks more like: a USCC when its first two
                // characters are an authority and category but no province.
                let bytes = upper.as_bytes();
                let province = resident_province(&upper[..2]);
                if !province && authority_category_ok(bytes[0], bytes[1]) {
                    Err(organisation)
                } else {
                    Err(person)
                }
            }
        }
    }

    /// The kind of subject the identifier names.
    pub fn kind(&self) -> SubjectKind {
        match self {
            Identifier::ResidentId(_) => SubjectKind::Person,
            Identifier::Uscc(_) => SubjectKind::Organisation,
            Identifier::Other(other) => other.kind(),
        }
    }

    /// The canonical text: `11010519491231002X`, `91110000600037341L`, `passport:E12345678`;
    /// `uscc:…` for an organisation whose code is also a valid resident id.
    pub fn canonical(&self) -> String {
        match self {
            Identifier::ResidentId(id) => id.as_str().to_owned(),
            Identifier::Uscc(code) if code.is_ambiguous() => format!("{USCC_PREFIX}{code}"),
            Identifier::Uscc(code) => code.as_str().to_owned(),
            Identifier::Other(other) => format!("{}:{}", other.scheme, other.value),
        }
    }

    /// The identifier with all but its end hidden, for display: a resident id or a USCC keeps
    /// its last 4 characters, any other identifier its scheme and the last 3 characters of its
    /// value (fewer when the value is 3 characters or shorter, so that at least one is always
    /// hidden). Nothing that narrows the search for the rest is shown: a resident id's region
    /// and birth date (its characters 1-14), a USCC's authority, region and organisation code
    /// stay hidden, so the shown end leaves some 10^8 resident ids and 10^12 codes possible.
    pub fn masked(&self) -> String {
        match self {
            Identifier::ResidentId(id) => mask(id.as_str(), 0, 4),
            Identifier::Uscc(code) => mask(code.as_str(), 0, 4),
            Identifier::Other(other) => {
                let len = other.value.len();
                let shown = len.saturating_sub(1).min(3);
                format!("{}:{}", other.scheme, mask(&other.value, 0, shown))
            }
        }
    }

    /// The birth date, which only a resident id carries.
    pub fn birth_date(&self) -> Option<Day> {
        match self {
            Identifier::ResidentId(id) => Some(id.birth_date()),
            Identifier::Uscc(_) | Identifier::Other(_) => None,
        }
    }

    /// A short name of the identifier's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Identifier::ResidentId(_) => "resident id",
            Identifier::Uscc(_) => "USCC",
            Identifier::Other(_) => "other",
        }
    }
}

impl fmt::Display for Identifier {
    /// The canonical text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::ResidentId(id) => fmt::Display::fmt(id, f),
            Identifier::Uscc(code) if code.is_ambiguous() => write!(f, "{USCC_PREFIX}{code}"),
            Identifier::Uscc(code) => fmt::Display::fmt(code, f),
            Identifier::Other(other) => fmt::Display::fmt(other, f),
        }
    }
}

impl FromStr for Identifier {
    type Err = IdError;

    /// Reads with the default (strict) [`IdOptions`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Identifier::parse(s, IdOptions::default())
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Identifier {
    /// Reads the canonical text. Stored identifiers were validated when they came in, so a
    /// legacy USCC is accepted here (and comes back flagged as legacy).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let options = IdOptions {
            allow_legacy_uscc: true,
        };
        Identifier::parse(&text, options).map_err(serde::de::Error::custom)
    }
}

/// Keeps the first `head` and last `tail` characters of an ASCII string and stars the rest.
fn mask(text: &str, head: usize, tail: usize) -> String {
    let len = text.len();
    text.char_indices()
        .map(|(i, c)| if i < head || i + tail >= len { c } else { '*' })
        .collect()
}

/// Why an uppercase alphanumeric value is a placeholder, if it is one: every character the
/// same, or (all digits) one run of consecutive digits counting up or down.
fn placeholder(upper: &str) -> Option<&'static str> {
    let bytes = upper.as_bytes();
    let first = *bytes.first()?;
    if bytes.len() < 2 {
        return None;
    }
    if bytes.iter().all(|&b| b == first) {
        return Some("every character is the same");
    }
    let digits = bytes.iter().all(u8::is_ascii_digit);
    let run = |step: u8| {
        bytes
            .windows(2)
            .all(|w| (w[0] - b'0' + step) % 10 == w[1] - b'0')
    };
    if digits && bytes.len() >= 5 && (run(1) || run(9)) {
        return Some("one run of consecutive digits");
    }
    None
}

/// The 18-character form of a 15-digit first-generation resident id (GB 11643, annex), when
/// its province and birth date are real.
fn convert_first_generation(digits15: &str) -> Option<String> {
    let first17 = format!("{}19{}", &digits15[..6], &digits15[6..]);
    let check = resident_id_check_char(&first17)?;
    let converted = format!("{first17}{check}");
    ResidentId::parse(&converted).ok().map(|_| converted)
}

/// Resident identity number weights, positions 1-17 (2^(18-i) mod 11).
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Resident identity number check characters, indexed by the weighted sum mod 11.
const RESIDENT_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The USCC alphabet: a character's value is its index.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// USCC weights, positions 1-17 (3^(i-1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The first two digits of the mainland's province-level divisions in GB/T 2260.
fn mainland_province(two: &str) -> bool {
    matches!(
        two.parse::<u8>(),
        Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65)
    ) && two.bytes().all(|b| b.is_ascii_digit())
}

/// Whether two digits open a resident id's address code: a mainland province, or Taiwan, Hong
/// Kong, Macau and the residence permits of Taiwan residents.
fn resident_province(two: &str) -> bool {
    mainland_province(two) || matches!(two, "71" | "81" | "82" | "83")
}

/// Whether six characters are a resident id's address code.
fn resident_region_ok(region: &str) -> bool {
    region.bytes().all(|b| b.is_ascii_digit())
        && (mainland_province(&region[..2])
            || matches!(region, "710000" | "810000" | "820000" | "830000"))
}

/// Whether six characters are a USCC's region: a GB/T 2260 code or the national 100000.
fn uscc_region_ok(region: &str) -> bool {
    region.bytes().all(|b| b.is_ascii_digit())
        && (mainland_province(&region[..2])
            || matches!(region, "100000" | "710000" | "810000" | "820000"))
}

/// Whether a registration authority assigns an organisation category.
fn authority_category_ok(authority: u8, category: u8) -> bool {
    USCC_AUTHORITIES.iter().any(|(a, _, categories)| {
        *a as u32 == u32::from(authority) && categories.as_bytes().contains(&category)
    })
}

/// The check character of a resident id whose first 17 characters are `first17` (exactly 17
/// ASCII digits), or `None` when `first17` is not that.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(RESIDENT_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    RESIDENT_CHECK.get((sum % 11) as usize).copied()
}

/// The value of a USCC character (its index in the alphabet), if it is one.
fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character of a USCC whose first 17 characters are `first17` (exactly 17 characters
/// of the USCC alphabet, uppercase), or `None` when `first17` is not that.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        sum += uscc_value(b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_ALPHABET.get(check as usize).map(|&b| char::from(b))
}

/// The GB 11714 check character of an 8-character organisation code body (digits and capital
/// letters, A = 10 to Z = 35), or `None` when `body` is not that.
pub fn organisation_code_check_char(body: &str) -> Option<char> {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let bytes = body.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (&b, w) in bytes.iter().zip(WEIGHTS) {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += value * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from(b'0' + digit as u8),
    })
}

/// Whether 18 uppercase ASCII characters have the characters of a resident id: 17 digits, then
/// a digit or X.
fn looks_like_resident_id(upper: &str) -> bool {
    let bytes = upper.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X')
}

/// Whether 18 uppercase ASCII characters have the shape of a resident id: its characters, a
/// province code and a birth year 19xx or 20xx.
fn resident_shaped(upper: &str) -> bool {
    looks_like_resident_id(upper)
        && resident_province(&upper[..2])
        && matches!(&upper[6..8], "19" | "20")
}

/// Trims, checks for emptiness, placeholders and length 18, and uppercases. Returns (trimmed,
/// uppercased).
fn prepare_18(text: &str) -> Result<(&str, String), IdError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(IdError::Empty);
    }
    let len = trimmed.chars().count();
    if len == 15 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::FirstGeneration {
            text: trimmed.to_owned(),
            converted: convert_first_generation(trimmed),
        });
    }
    if len != 18 {
        return Err(IdError::Length {
            text: trimmed.to_owned(),
            len,
        });
    }
    let upper = trimmed.to_ascii_uppercase();
    if let Some(reason) = placeholder(&upper) {
        return Err(IdError::Placeholder {
            text: trimmed.to_owned(),
            reason,
        });
    }
    Ok((trimmed, upper))
}

/// A resident identity number (GB 11643), canonical: 18 characters, uppercase `X`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId {
    text: String,
    birth: Day,
}

impl ResidentId {
    /// The earliest birth date a resident id may carry.
    pub const BORN_FROM: (i32, u32, u32) = (1900, 1, 1);
    /// The latest birth date a resident id may carry (a model without a clock; intake also
    /// refuses a birth date after the registry's date).
    pub const BORN_BY: (i32, u32, u32) = (2099, 12, 31);

    /// Reads a resident identity number, checking its characters, address code, birth date and
    /// check digit.
    pub fn parse(text: &str) -> Result<ResidentId, IdError> {
        let (trimmed, upper) = prepare_18(text)?;
        if !looks_like_resident_id(&upper) {
            return Err(IdError::ResidentIdCharacters {
                text: trimmed.to_owned(),
            });
        }
        if !resident_region_ok(&upper[..6]) {
            return Err(IdError::ResidentIdRegion {
                text: trimmed.to_owned(),
                region: upper[..6].to_owned(),
            });
        }
        let date = &upper[6..14];
        let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().ok();
        let (from_y, from_m, from_d) = Self::BORN_FROM;
        let (by_y, by_m, by_d) = Self::BORN_BY;
        let range = Day::from_ymd(from_y, from_m, from_d).zip(Day::from_ymd(by_y, by_m, by_d));
        let birth = match (number(0..4), number(4..6), number(6..8), range) {
            (Some(year), Some(month), Some(day), Some((from, by))) => i32::try_from(year)
                .ok()
                .and_then(|year| Day::from_ymd(year, month, day))
                .filter(|d| (from..=by).contains(d)),
            _ => None,
        };
        let Some(birth) = birth else {
            return Err(IdError::ResidentIdBirthDate {
                text: trimmed.to_owned(),
                date: date.to_owned(),
            });
        };
        let found = char::from(upper.as_bytes()[17]);
        let Some(expected) = resident_id_check_char(&upper[..17]) else {
            return Err(IdError::ResidentIdCharacters {
                text: trimmed.to_owned(),
            });
        };
        if expected != found {
            return Err(IdError::ResidentIdCheck {
                text: trimmed.to_owned(),
                expected,
                found,
            });
        }
        Ok(ResidentId { text: upper, birth })
    }

    /// The birth date (positions 7-14).
    pub fn birth_date(&self) -> Day {
        self.birth
    }

    /// Whether the holder is male: the sequence number (positions 15-17) is odd.
    pub fn is_male(&self) -> bool {
        self.text.as_bytes()[16] % 2 == 1
    }

    /// The administrative region code where the number was issued (first 6 digits).
    pub fn region(&self) -> &str {
        &self.text[..6]
    }

    /// The canonical 18 characters.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A Unified Social Credit Code (GB 32100-2015), canonical: 18 uppercase characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc {
    code: String,
    legacy: bool,
    ambiguous: bool,
}

impl Uscc {
    /// Reads a USCC, checking its alphabet, registration authority and category, region,
    /// embedded organisation code and check character. A code whose check character does not
    /// verify is accepted, as legacy, only when `options.allow_legacy_uscc` is set.
    pub fn parse(text: &str, options: IdOptions) -> Result<Uscc, IdError> {
        let (trimmed, upper) = prepare_18(text)?;
        if let Some((index, found)) = upper
            .chars()
            .enumerate()
            .find(|&(_, c)| !c.is_ascii() || uscc_value(c as u8).is_none())
        {
            return Err(IdError::UsccCharacters {
                text: trimmed.to_owned(),
                position: index + 1,
                found,
            });
        }
        let bytes = upper.as_bytes();
        if !authority_category_ok(bytes[0], bytes[1]) {
            return Err(IdError::UsccAuthority {
                text: trimmed.to_owned(),
                authority: char::from(bytes[0]),
                category: char::from(bytes[1]),
            });
        }
        if !uscc_region_ok(&upper[2..8]) {
            return Err(IdError::UsccRegion {
                text: trimmed.to_owned(),
                region: upper[2..8].to_owned(),
            });
        }
        if &upper[8..16] == "00000000" {
            return Err(IdError::Placeholder {
                text: trimmed.to_owned(),
                reason: "its organisation code is 00000000",
            });
        }
        let org_found = char::from(bytes[16]);
        let org_expected = organisation_code_check_char(&upper[8..16]).unwrap_or('?');
        if org_expected != org_found {
            return Err(IdError::UsccOrganisationCode {
                text: trimmed.to_owned(),
                code: upper[8..17].to_owned(),
                expected: org_expected,
                found: org_found,
            });
        }
        let found = char::from(bytes[17]);
        let Some(expected) = uscc_check_char(&upper[..17]) else {
            return Err(IdError::Unrecognised {
                text: trimmed.to_owned(),
            });
        };
        let legacy = expected != found;
        if legacy && !options.allow_legacy_uscc {
            return Err(IdError::UsccCheck {
                text: trimmed.to_owned(),
                expected,
                found,
            });
        }
        let ambiguous =
            !legacy && looks_like_resident_id(&upper) && ResidentId::parse(&upper).is_ok();
        Ok(Uscc {
            code: upper,
            legacy,
            ambiguous,
        })
    }

    /// Whether this is a legacy pilot code whose check character does not verify.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// Whether the same 18 characters are also a valid resident id (so that the code is read as
    /// a USCC only when the kind is stated, and written `uscc:…`).
    pub fn is_ambiguous(&self) -> bool {
        self.ambiguous
    }

    /// The canonical 18 characters.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The registration authority code (position 1), e.g. `9` for market regulation.
    pub fn registration_authority(&self) -> char {
        char::from(self.code.as_bytes()[0])
    }

    /// What the registration authority registers, e.g. `market regulation (工商)`.
    pub fn authority_name(&self) -> &'static str {
        let authority = self.registration_authority();
        USCC_AUTHORITIES
            .iter()
            .find(|(a, _, _)| *a == authority)
            .map_or("an unknown authority", |(_, name, _)| name)
    }

    /// The organisation category (position 2).
    pub fn category(&self) -> char {
        char::from(self.code.as_bytes()[1])
    }

    /// The administrative region code of the registering authority (positions 3-8).
    pub fn region(&self) -> &str {
        &self.code[2..8]
    }

    /// The organisation code (GB 11714, positions 9-17).
    pub fn organisation_code(&self) -> &str {
        &self.code[8..17]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// An identifier written `scheme:value`, where the scheme is one of [`KNOWN_SCHEMES`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OtherId {
    scheme: String,
    value: String,
    kind: SubjectKind,
}

impl OtherId {
    /// Reads `scheme:value`. The scheme is lowercased; the value is kept as written.
    pub fn parse(text: &str) -> Result<OtherId, IdError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty);
        }
        let format_error = || IdError::OtherFormat {
            text: trimmed.to_owned(),
        };
        let (scheme, value) = trimmed.split_once(':').ok_or_else(format_error)?;
        let scheme = scheme.to_ascii_lowercase();
        let scheme_ok = (2..=32).contains(&scheme.len())
            && scheme.starts_with(|c: char| c.is_ascii_lowercase())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        let value_ok =
            (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
        if !scheme_ok || !value_ok {
            return Err(format_error());
        }
        if let Some(reason) = other_placeholder(value) {
            return Err(IdError::Placeholder {
                text: trimmed.to_owned(),
                reason,
            });
        }
        let kind = KNOWN_SCHEMES
            .iter()
            .find(|(known, _)| *known == scheme)
            .map(|&(_, kind)| kind)
            .ok_or_else(|| IdError::UnknownScheme {
                scheme: scheme.clone(),
            })?;
        Ok(OtherId {
            scheme,
            value: value.to_owned(),
            kind,
        })
    }

    /// The scheme, lowercase.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The value, as written.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The kind of subject the scheme identifies.
    pub fn kind(&self) -> SubjectKind {
        self.kind
    }
}

impl fmt::Display for OtherId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.value)
    }
}

/// Words that stand in for a missing value, compared on the value's letters and digits only
/// (so `N/A` is `NA`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "NA",
    "NONE",
    "NULL",
    "NIL",
    "NAN",
    "UNKNOWN",
    "NOTKNOWN",
    "TBD",
    "TBA",
    "TEST",
    "DUMMY",
    "FAKE",
    "SAMPLE",
    "EXAMPLE",
    "PLACEHOLDER",
    "EMPTY",
    "MISSING",
    "UNDEFINED",
    "TEMP",
    "DEFAULT",
    "NOTAVAILABLE",
    "NOTAPPLICABLE",
    "ANON",
    "ANONYMOUS",
    "NOID",
];

/// Why the value of a `scheme:value` identifier is a placeholder, if it is one.
fn other_placeholder(value: &str) -> Option<&'static str> {
    let letters: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.is_empty() {
        return Some("the value has no letter or digit");
    }
    if PLACEHOLDER_WORDS.contains(&letters.as_str()) {
        return Some("the value is a word that stands in for a missing one");
    }
    placeholder(&letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESIDENT: &str = "11010519491231002X";
    const USCC: &str = "91110000600037341L";
    const LEGACY: &str = "91350100M0001TGQXM";

    fn strict() -> IdOptions {
        IdOptions::default()
    }

    fn lenient() -> IdOptions {
        IdOptions {
            allow_legacy_uscc: true,
        }
    }

    /// A valid resident id from its first 17 digits.
    fn resident(first17: &str) -> String {
        let check = resident_id_check_char(first17).unwrap();
        format!("{first17}{check}")
    }

    /// A valid USCC from its first 17 characters.
    fn uscc(first17: &str) -> String {
        let check = uscc_check_char(first17).unwrap();
        format!("{first17}{check}")
    }

    fn replace(text: &str, index: usize, c: char) -> String {
        text.char_indices()
            .map(|(i, old)| if i == index { c } else { old })
            .collect()
    }

    #[test]
    fn check_char_helpers_reproduce_published_examples() {
        assert_eq!(resident_id_check_char(&RESIDENT[..17]), Some('X'));
        assert_eq!(uscc_check_char(&USCC[..17]), Some('L'));
        assert_eq!(resident(&RESIDENT[..17]), RESIDENT);
        assert_eq!(uscc(&USCC[..17]), USCC);
    }

    #[test]
    fn check_char_helpers_refuse_bad_input() {
        assert_eq!(resident_id_check_char(""), None);
        assert_eq!(resident_id_check_char("1101051949123100"), None);
        assert_eq!(resident_id_check_char("110105194912310021"), None);
        assert_eq!(resident_id_check_char("1101051949123100A"), None);
        assert_eq!(uscc_check_char("9111000060003734"), None);
        assert_eq!(uscc_check_char("9111000060003734I"), None);
        assert_eq!(uscc_check_char("9111000060003734l"), None);
    }

    #[test]
    fn weights_follow_their_definitions() {
        for (i, &w) in RESIDENT_WEIGHTS.iter().enumerate() {
            assert_eq!(w, (1u32 << (17 - i)) % 11);
        }
        for (i, &w) in USCC_WEIGHTS.iter().enumerate() {
            assert_eq!(w, 3u32.pow(i as u32) % 31);
        }
        assert_eq!(USCC_ALPHABET.len(), 31);
        for banned in [b'I', b'O', b'S', b'V', b'Z'] {
            assert!(!USCC_ALPHABET.contains(&banned));
        }
    }

    #[test]
    fn parses_the_published_resident_id() {
        let id = Identifier::parse(RESIDENT, strict()).unwrap();
        assert!(matches!(id, Identifier::ResidentId(_)));
        assert_eq!(id.kind(), SubjectKind::Person);
        assert_eq!(id.canonical(), RESIDENT);
        assert_eq!(id.to_string(), RESIDENT);
        assert_eq!(id.masked(), "**************002X");
        assert_eq!(id.type_name(), "resident id");
        assert_eq!(id.birth_date(), Day::from_ymd(1949, 12, 31));

        let resident = ResidentId::parse(RESIDENT).unwrap();
        assert_eq!(resident.as_str(), RESIDENT);
        assert_eq!(resident.region(), "110105");
        assert_eq!(Some(resident.birth_date()), Day::from_ymd(1949, 12, 31));
        assert!(!resident.is_male(), "sequence 002 is even: female");
        assert_eq!(resident.to_string(), RESIDENT);
    }

    #[test]
    fn sex_follows_the_parity_of_the_sequence() {
        for (sequence, male) in [("001", true), ("002", false), ("019", true), ("990", false)] {
            let text = resident(&format!("11010519800101{sequence}"));
            assert_eq!(ResidentId::parse(&text).unwrap().is_male(), male, "{text}");
        }
    }

    #[test]
    fn birth_date_limits_follow_the_model_range() {
        let oldest = resident("11010519000101001");
        let latest = resident("11010520991231001");
        assert_eq!(
            ResidentId::parse(&oldest).unwrap().birth_date(),
            Day::MIN,
            "{oldest}"
        );
        assert_eq!(
            ResidentId::parse(&latest).unwrap().birth_date(),
            Day::from_ymd(2099, 12, 31).unwrap(),
            "{latest}"
        );
        for first17 in [
            "11010518991231001",
            "11010521000101001",
            "11010522000101001",
            "11010519491332001",
            "11010519490229001",
            "11010519491200001",
            "11010519490001001",
        ] {
            let text = resident(first17);
            assert_eq!(
                ResidentId::parse(&text),
                Err(IdError::ResidentIdBirthDate {
                    text: text.clone(),
                    date: first17[6..14].to_owned(),
                }),
                "{text}"
            );
        }
        // 2000 and 2024 are leap years.
        assert!(ResidentId::parse(&resident("11010520000229001")).is_ok());
        assert!(ResidentId::parse(&resident("11010520240229001")).is_ok());
    }

    #[test]
    fn parses_the_published_uscc() {
        let id = Identifier::parse(USCC, strict()).unwrap();
        assert!(matches!(id, Identifier::Uscc(_)));
        assert_eq!(id.kind(), SubjectKind::Organisation);
        assert_eq!(id.canonical(), USCC);
        assert_eq!(id.to_string(), USCC);
        assert_eq!(id.masked(), "**************341L");
        assert_eq!(id.type_name(), "USCC");
        assert_eq!(id.birth_date(), None);

        let code = Uscc::parse(USCC, strict()).unwrap();
        assert!(!code.is_legacy());
        assert_eq!(code.as_str(), USCC);
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.region(), "110000");
        assert_eq!(code.to_string(), USCC);
    }

    #[test]
    fn normalises_case_and_whitespace() {
        let lower = "  11010519491231002x\t";
        let id = Identifier::parse(lower, strict()).unwrap();
        assert_eq!(id.canonical(), RESIDENT);
        assert_eq!(ResidentId::parse(lower).unwrap().as_str(), RESIDENT);

        let id = Identifier::parse(" 91110000600037341l\n", strict()).unwrap();
        assert_eq!(id.canonical(), USCC);
        let legacy = Uscc::parse(&LEGACY.to_ascii_lowercase(), lenient()).unwrap();
        assert_eq!(legacy.as_str(), LEGACY);
    }

    #[test]
    fn legacy_uscc_is_accepted_only_with_the_flag() {
        let expected = uscc_check_char(&LEGACY[..17]).unwrap();
        assert_ne!(expected, 'M');
        let refused = IdError::UsccCheck {
            text: LEGACY.to_owned(),
            expected,
            found: 'M',
        };
        assert_eq!(Uscc::parse(LEGACY, strict()), Err(refused.clone()));
        assert_eq!(Identifier::parse(LEGACY, strict()), Err(refused));

        let code = Uscc::parse(LEGACY, lenient()).unwrap();
        assert!(code.is_legacy());
        let id = Identifier::parse(LEGACY, lenient()).unwrap();
        assert_eq!(id.kind(), SubjectKind::Organisation);
        assert_eq!(id.canonical(), LEGACY);
        assert!(matches!(&id, Identifier::Uscc(code) if code.is_legacy()));

        // The flag never excuses characters outside the alphabet.
        assert!(matches!(
            Uscc::parse("91350100M0001TGQXI", lenient()),
            Err(IdError::UsccCharacters {
                position: 18,
                found: 'I',
                ..
            })
        ));
        // And a valid code is never marked legacy.
        assert!(!Uscc::parse(USCC, lenient()).unwrap().is_legacy());
    }

    #[test]
    fn empty_input_is_refused() {
        for text in ["", "   ", "\t\n"] {
            assert_eq!(Identifier::parse(text, strict()), Err(IdError::Empty));
            assert_eq!(ResidentId::parse(text), Err(IdError::Empty));
            assert_eq!(Uscc::parse(text, strict()), Err(IdError::Empty));
            assert_eq!(OtherId::parse(text), Err(IdError::Empty));
        }
    }

    #[test]
    fn wrong_length_is_refused() {
        let short = &RESIDENT[..17];
        let error = Identifier::parse(short, strict()).unwrap_err();
        assert_eq!(
            error,
            IdError::Length {
                text: short.to_owned(),
                len: 17
            }
        );
        assert!(
            error
                .to_string()
                .starts_with("`11010519491231002` has 17 characters; a resident id or USCC has 18")
        );
        let long = format!("{USCC}0");
        assert_eq!(
            Identifier::parse(&long, strict()),
            Err(IdError::Length {
                text: long,
                len: 19
            })
        );
        assert!(matches!(
            ResidentId::parse("123"),
            Err(IdError::Length { len: 3, .. })
        ));
        assert!(matches!(
            Uscc::parse("9111000060003734", strict()),
            Err(IdError::Length { len: 16, .. })
        ));
    }

    #[test]
    fn resident_id_characters_are_checked() {
        for text in [
            "1101051949123100AX",
            "11010519491231002Y",
            "X1010519491231002X",
            "110105-9491231002X",
        ] {
            assert_eq!(
                ResidentId::parse(text),
                Err(IdError::ResidentIdCharacters {
                    text: text.to_owned()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn resident_id_birth_date_is_checked() {
        let text = resident("11010519491332002");
        let error = IdError::ResidentIdBirthDate {
            text: text.clone(),
            date: "19491332".to_owned(),
        };
        assert_eq!(ResidentId::parse(&text), Err(error.clone()));
        assert!(error.to_string().contains("positions 7-14 `19491332`"));
        // Through `Identifier::parse` too, unless the digits happen to form a valid USCC.
        if uscc_check_char(&text[..17]) != text.chars().nth(17) {
            assert_eq!(Identifier::parse(&text, strict()), Err(error));
        }
    }

    #[test]
    fn resident_id_check_digit_is_checked() {
        let text = "110105194912310021";
        let error = IdError::ResidentIdCheck {
            text: text.to_owned(),
            expected: 'X',
            found: '1',
        };
        assert_eq!(ResidentId::parse(text), Err(error.clone()));
        assert_eq!(Identifier::parse(text, strict()), Err(error.clone()));
        assert!(
            error
                .to_string()
                .contains("check digit is `1` but the first 17 digits give `X`")
        );
    }

    #[test]
    fn uscc_characters_are_checked() {
        for (position, banned) in [(1, 'I'), (5, 'O'), (9, 'S'), (12, 'V'), (18, 'Z')] {
            let text = replace(USCC, position - 1, banned);
            let error = Identifier::parse(&text, strict()).unwrap_err();
            assert_eq!(
                error,
                IdError::UsccCharacters {
                    text: text.clone(),
                    position,
                    found: banned,
                },
                "{text}"
            );
            let message = error.to_string();
            assert!(message.contains(&format!("`{banned}` at position {position}")));
            assert!(message.contains("I, O, S, V and Z are never used"));
        }
        // Uscc::parse on its own also names punctuation and non-ASCII characters.
        assert!(matches!(
            Uscc::parse("9111000060003734-L", strict()),
            Err(IdError::UsccCharacters {
                position: 17,
                found: '-',
                ..
            })
        ));
        assert!(matches!(
            Uscc::parse("9111000060003734éL", strict()),
            Err(IdError::UsccCharacters {
                position: 17,
                found: 'é',
                ..
            })
        ));
    }

    #[test]
    fn uscc_check_character_is_checked() {
        let text = "91110000600037341M";
        let error = IdError::UsccCheck {
            text: text.to_owned(),
            expected: 'L',
            found: 'M',
        };
        assert_eq!(Uscc::parse(text, strict()), Err(error.clone()));
        assert_eq!(Identifier::parse(text, strict()), Err(error.clone()));
        assert!(error.to_string().contains("legacy"));
    }

    #[test]
    fn other_ids_carry_their_kind() {
        let cases = [
            ("passport:E12345678", SubjectKind::Person),
            ("hkmo:H1234567801", SubjectKind::Person),
            ("tw:A123456789", SubjectKind::Person),
            ("foreign-resident:USA110019800101001", SubjectKind::Person),
            ("person:internal-42", SubjectKind::Person),
            ("lei:5493001KJTIIGC8Y1R12", SubjectKind::Organisation),
            ("org:ACME/ltd:1", SubjectKind::Organisation),
            ("npo:1234", SubjectKind::Organisation),
            ("duns:150483782", SubjectKind::Organisation),
        ];
        for (text, kind) in cases {
            let id = Identifier::parse(text, strict()).unwrap();
            assert_eq!(id.kind(), kind, "{text}");
            assert_eq!(id.canonical(), text);
            assert_eq!(id.type_name(), "other");
            assert_eq!(id.birth_date(), None);
            assert_eq!(OtherId::parse(text).unwrap().kind(), kind);
        }
        for (scheme, _) in KNOWN_SCHEMES {
            assert!(OtherId::parse(&format!("{scheme}:1")).is_ok(), "{scheme}");
        }
    }

    #[test]
    fn other_ids_are_normalised_and_masked() {
        let id = Identifier::parse("  PASSPORT:E12345678 ", strict()).unwrap();
        assert_eq!(id.canonical(), "passport:E12345678");
        assert_eq!(id.to_string(), "passport:E12345678");
        assert_eq!(id.masked(), "passport:******678");
        let Identifier::Other(other) = &id else {
            panic!("expected an other id, got {id:?}");
        };
        assert_eq!(other.scheme(), "passport");
        assert_eq!(other.value(), "E12345678");

        // Short values always keep at least one character hidden.
        let masked = |text: &str| Identifier::parse(text, strict()).unwrap().masked();
        assert_eq!(masked("npo:1"), "npo:*");
        assert_eq!(masked("npo:12"), "npo:*2");
        assert_eq!(masked("npo:123"), "npo:*23");
        assert_eq!(masked("npo:1234"), "npo:*234");
        // Value case is kept.
        assert_eq!(
            OtherId::parse("lei:abc").unwrap().to_string(),
            "lei:abc".to_owned()
        );
    }

    #[test]
    fn other_format_is_checked() {
        let long_value = format!("passport:{}", "A".repeat(65));
        let longest_value = format!("passport:{}", "AB".repeat(32));
        let long_scheme = format!("{}:1", "a".repeat(33));
        for text in [
            "passport:",
            ":E12345678",
            "p:E12345678",
            "1passport:E1",
            "pass port:E1",
            "pass.port:E1",
            "passport:E 1",
            "passport:É1",
            long_value.as_str(),
            long_scheme.as_str(),
        ] {
            let expected = IdError::OtherFormat {
                text: text.to_owned(),
            };
            assert_eq!(OtherId::parse(text), Err(expected.clone()), "{text}");
            assert_eq!(Identifier::parse(text, strict()), Err(expected), "{text}");
        }
        assert!(OtherId::parse(&longest_value).is_ok());
        assert!(matches!(
            OtherId::parse("E12345678"),
            Err(IdError::OtherFormat { .. })
        ));
    }

    #[test]
    fn unknown_scheme_lists_the_known_ones() {
        let error = Identifier::parse("ssn:078-05-1120", strict()).unwrap_err();
        assert_eq!(
            error,
            IdError::UnknownScheme {
                scheme: "ssn".to_owned()
            }
        );
        let message = error.to_string();
        for (scheme, _) in KNOWN_SCHEMES {
            assert!(message.contains(&format!("`{scheme}`")), "{message}");
        }
    }

    #[test]
    fn names_are_unrecognised() {
        for text in ["John Smith", "张三", "ACME Ltd.", "110105 19491231 002X"] {
            let error = Identifier::parse(text, strict()).unwrap_err();
            assert_eq!(
                error,
                IdError::Unrecognised {
                    text: text.to_owned()
                },
                "{text}"
            );
            let message = error.to_string();
            assert!(message.contains("resident id"));
            assert!(message.contains("USCC"));
            assert!(message.contains("scheme:value"));
        }
    }

    #[test]
    fn error_messages_are_lowercase_and_quote_the_input() {
        let errors = [
            IdError::Empty,
            Identifier::parse("123", strict()).unwrap_err(),
            ResidentId::parse("1101051949123100AX").unwrap_err(),
            ResidentId::parse(&resident("11010519491332002")).unwrap_err(),
            ResidentId::parse("110105194912310021").unwrap_err(),
            Uscc::parse("91110000600037341I", strict()).unwrap_err(),
            Uscc::parse("91110000600037341M", strict()).unwrap_err(),
            OtherId::parse("p:1").unwrap_err(),
            OtherId::parse("ssn:1").unwrap_err(),
            Identifier::parse("John Smith", strict()).unwrap_err(),
            "company".parse::<SubjectKind>().unwrap_err(),
            Identifier::parse("000000000000000000", strict()).unwrap_err(),
            Identifier::parse("110105491231002", strict()).unwrap_err(),
            Identifier::parse("00010519491231002X", strict()).unwrap_err(),
            Uscc::parse(&uscc("94110000600037341"), strict()).unwrap_err(),
            Uscc::parse(&uscc("91990000600037341"), strict()).unwrap_err(),
            Uscc::parse(&uscc("91110000600037342"), strict()).unwrap_err(),
            Identifier::parse("111103199502111002", strict()).unwrap_err(),
            Identifier::parse("11618819940230834X", strict()).unwrap_err(),
            OtherId::parse("passport:N/A").unwrap_err(),
            Identifier::parse_as(USCC, strict(), Some(SubjectKind::Person)).unwrap_err(),
        ];
        for error in errors {
            let message = error.to_string();
            let first = message.chars().next().unwrap();
            assert!(first == '`' || first.is_lowercase(), "{message}");
            if error != IdError::Empty && !matches!(error, IdError::KindMismatch { .. }) {
                assert!(message.starts_with('`'), "{message}");
            }
        }
    }

    #[test]
    fn every_single_digit_typo_in_a_resident_id_is_detected() {
        let mut mutations = 0;
        for index in 0..17 {
            let original = RESIDENT.as_bytes()[index];
            for digit in b'0'..=b'9' {
                if digit == original {
                    continue;
                }
                let typo = replace(RESIDENT, index, char::from(digit));
                assert!(ResidentId::parse(&typo).is_err(), "{typo}");
                assert!(
                    !matches!(
                        Identifier::parse(&typo, lenient()),
                        Ok(Identifier::ResidentId(_))
                    ),
                    "{typo}"
                );
                mutations += 1;
            }
        }
        assert_eq!(mutations, 17 * 9);
    }

    #[test]
    fn every_single_digit_typo_is_detected_in_many_resident_ids() {
        // MOD 11-2 detects every single substitution for any number, not just the example.
        for seed in 0u64..200 {
            let sequence = seed * 7 % 1000;
            let day = seed % 28 + 1;
            let month = seed % 12 + 1;
            let first17 = format!(
                "3201{:02}19{:02}{month:02}{day:02}{sequence:03}",
                seed % 100,
                seed % 100
            );
            let valid = resident(&first17);
            assert!(ResidentId::parse(&valid).is_ok(), "{valid}");
            for index in 0..18 {
                for c in "0123456789X".chars() {
                    if c == valid.as_bytes()[index] as char || (c == 'X' && index < 17) {
                        continue;
                    }
                    let typo = replace(&valid, index, c);
                    assert!(ResidentId::parse(&typo).is_err(), "{typo}");
                }
            }
        }
    }

    #[test]
    fn adjacent_transpositions_in_a_resident_id_are_detected() {
        let ids = [
            RESIDENT.to_owned(),
            resident("32010219851107543"),
            resident("44030519700615127"),
        ];
        let mut transpositions = 0;
        for valid in &ids {
            let chars: Vec<char> = valid.chars().collect();
            for index in 0..17 {
                if chars[index] == chars[index + 1] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(index, index + 1);
                let swapped: String = swapped.into_iter().collect();
                assert!(ResidentId::parse(&swapped).is_err(), "{swapped}");
                assert!(
                    !matches!(
                        Identifier::parse(&swapped, lenient()),
                        Ok(Identifier::ResidentId(_))
                    ),
                    "{swapped}"
                );
                transpositions += 1;
            }
        }
        assert!(transpositions > 30);
    }

    #[test]
    fn every_single_character_typo_in_a_uscc_is_detected() {
        let mut mutations = 0;
        for index in 0..18 {
            for &symbol in USCC_ALPHABET {
                let symbol = char::from(symbol);
                if USCC.chars().nth(index) == Some(symbol) {
                    continue;
                }
                let typo = replace(USCC, index, symbol);
                assert!(
                    matches!(
                        Uscc::parse(&typo, strict()),
                        Err(IdError::UsccCheck { .. }
                            | IdError::UsccAuthority { .. }
                            | IdError::UsccRegion { .. }
                            | IdError::UsccOrganisationCode { .. })
                    ),
                    "{typo}"
                );
                assert!(Identifier::parse(&typo, strict()).is_err(), "{typo}");
                mutations += 1;
            }
        }
        assert_eq!(mutations, 18 * 30);
    }

    #[test]
    fn all_digit_uscc_that_is_not_a_resident_id_is_read_as_uscc() {
        // Build all-digit USCCs (valid embedded organisation code, digit check character) and
        // make sure `Identifier::parse` does not report them as broken resident ids.
        let mut found = 0;
        for body in 10_000_000u32..10_002_000 {
            let org8 = body.to_string();
            let weights = [3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = org8
                .bytes()
                .zip(weights)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            let org_check = match 11 - sum % 11 {
                10 | 11 => continue,
                digit => digit,
            };
            let first17 = format!("12100000{org8}{org_check}");
            let text = uscc(&first17);
            if !looks_like_resident_id(&text) {
                continue;
            }
            assert!(ResidentId::parse(&text).is_err(), "{text}");
            let id = Identifier::parse(&text, strict()).unwrap();
            assert!(
                matches!(&id, Identifier::Uscc(code) if !code.is_legacy()),
                "{text}"
            );
            assert_eq!(id.kind(), SubjectKind::Organisation);
            found += 1;
        }
        assert!(found > 10, "only {found} candidates");
    }

    #[test]
    fn a_resident_id_that_fails_is_not_rescued_by_a_legacy_uscc_reading() {
        let text = "110105194912310021";
        // Not a USCC at all: positions 3-8 `010519` are no region.
        assert!(matches!(
            Uscc::parse(text, lenient()),
            Err(IdError::UsccRegion { .. })
        ));
        assert!(matches!(
            Identifier::parse(text, lenient()),
            Err(IdError::ResidentIdCheck { .. })
        ));
    }

    #[test]
    fn subject_kind_reads_and_writes_words() {
        assert_eq!(SubjectKind::Person.to_string(), "person");
        assert_eq!(SubjectKind::Organisation.to_string(), "organisation");
        for (text, kind) in [
            ("person", SubjectKind::Person),
            (" Person ", SubjectKind::Person),
            ("organisation", SubjectKind::Organisation),
            ("organization", SubjectKind::Organisation),
            ("org", SubjectKind::Organisation),
            ("ORG", SubjectKind::Organisation),
        ] {
            assert_eq!(text.parse::<SubjectKind>(), Ok(kind), "{text}");
        }
        assert_eq!(
            "company".parse::<SubjectKind>(),
            Err(IdError::SubjectKind {
                text: "company".to_owned()
            })
        );
        assert_eq!(
            serde_json::to_string(&SubjectKind::Organisation).unwrap(),
            "\"organisation\""
        );
        assert_eq!(
            serde_json::from_str::<SubjectKind>("\"person\"").unwrap(),
            SubjectKind::Person
        );
    }

    #[test]
    fn identifiers_serialise_as_canonical_text() {
        for text in [RESIDENT, USCC, LEGACY, "passport:E12345678"] {
            let id = Identifier::parse(text, lenient()).unwrap();
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            let back: Identifier = serde_json::from_str(&json).unwrap();
            assert_eq!(back, id);
        }
        assert!(serde_json::from_str::<Identifier>("\"John Smith\"").is_err());
        assert_eq!(
            "11010519491231002x"
                .parse::<Identifier>()
                .unwrap()
                .canonical(),
            RESIDENT
        );
        assert!(LEGACY.parse::<Identifier>().is_err());
    }
}
