//! The published lexicon (`lexicon/special-categories.toml`) and the normalisation every string
//! of a pack or sources file goes through before it is looked up in it.
//!
//! Structure refuses what it can (see [`crate::refusal`]); the lexicon catches what only words
//! reveal: a special category named in a title, an enum value, a condition literal or a legal
//! basis, in English, pinyin or Chinese, with look-alike letters or separators inside.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::refusal;

/// The lexicon as published, with its sources in the header.
pub const LEXICON: &str = include_str!("../lexicon/special-categories.toml");

/// Where a class of words is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Every string of a pack or sources file.
    All,
    /// The texts of breach and adjudication categories (what may count against a subject).
    PenalisedRecord,
    /// The texts of reward measures.
    Reward,
    /// The texts of every measure.
    Measure,
}

/// One class of the lexicon: a special category, or another thing only words reveal.
#[derive(Debug)]
pub struct Class {
    pub id: String,
    /// What the class is, as a message says it ("religion or belief").
    pub name: String,
    /// The refusal code a hit gives.
    pub code: &'static str,
    pub scope: Scope,
    /// Whole words, folded and in skeleton form, to the term as written.
    words: HashMap<String, String>,
    /// (as written, folded, skeleton) for stems found inside words.
    stems: Vec<(String, String, String)>,
    /// (as written, folded) for Chinese terms found anywhere.
    chinese: Vec<(String, String)>,
}

/// A term of the lexicon found in a text.
#[derive(Clone, Copy, Debug)]
pub struct Hit {
    pub class: &'static Class,
    /// The term as the lexicon writes it.
    pub term: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    class: Vec<ClassDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassDoc {
    id: String,
    name: String,
    code: String,
    scope: Scope,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    stems: Vec<String>,
    #[serde(default)]
    chinese: Vec<String>,
}

/// The refusal codes a class may give.
fn code(name: &str) -> &'static str {
    [
        refusal::SPECIAL_CATEGORY,
        refusal::OTHER_SUBJECT,
        refusal::RESTRICTION_ON_SCORE,
        refusal::PENALTY_ON_CONTRIBUTION,
        refusal::PUBLISH_PERSONS,
        refusal::DEFAULT_ENTITLEMENT,
    ]
    .into_iter()
    .find(|c| *c == name)
    .unwrap_or(refusal::SPECIAL_CATEGORY)
}

/// The classes of the lexicon (parsed once; the file is checked by this module's tests).
pub fn classes() -> &'static [Class] {
    static CLASSES: OnceLock<Vec<Class>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let file: File = toml::from_str(LEXICON).unwrap_or(File { class: Vec::new() });
        let fold = |terms: Vec<String>, plain: bool| -> Vec<(String, String)> {
            terms
                .into_iter()
                .map(|t| {
                    let folded = if plain {
                        Folded::new(&t).latin_compact()
                    } else {
                        Folded::new(&t).all_compact()
                    };
                    (t, folded)
                })
                .filter(|(_, f)| !f.is_empty())
                .collect()
        };
        file.class
            .into_iter()
            .map(|c| Class {
                code: code(&c.code),
                id: c.id,
                name: c.name,
                scope: c.scope,
                words: fold(c.words, true)
                    .into_iter()
                    .flat_map(|(t, f)| [(skeleton(&f), t.clone()), (f, t)])
                    .collect(),
                stems: fold(c.stems, true)
                    .into_iter()
                    .map(|(t, f)| {
                        let s = skeleton(&f);
                        (t, f, s)
                    })
                    .collect(),
                chinese: fold(c.chinese, false),
            })
            .collect()
    })
}

/// Every whole word of every class (folded and in skeleton form), to its classes and terms.
fn index() -> &'static HashMap<&'static str, Vec<Hit>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<Hit>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: HashMap<&'static str, Vec<Hit>> = HashMap::new();
        for class in classes() {
            for (word, term) in &class.words {
                index.entry(word.as_str()).or_default().push(Hit {
                    class,
                    term: term.as_str(),
                });
            }
        }
        index
    })
}

/// The first term of a class in `scopes` that `text` contains: whole words first, in the
/// order of the text, then stems and Chinese terms, in the order of the lexicon.
pub fn find(text: &str, scopes: &[Scope]) -> Option<Hit> {
    let folded = Folded::new(text);
    let index = index();
    let word = folded.runs.iter().find_map(|run| {
        index
            .get(run.as_str())
            .and_then(|hits| hits.iter().find(|h| scopes.contains(&h.class.scope)))
    });
    if let Some(hit) = word {
        return Some(*hit);
    }
    classes()
        .iter()
        .filter(|c| scopes.contains(&c.scope))
        .find_map(|class| folded.find(class))
}

/// A special category of data (`Scope::All`) named by `text`.
pub fn special(text: &str) -> Option<Hit> {
    find(text, &[Scope::All])
}

/// Look-alike letters (Unicode TR 39 confusables) of the Cyrillic, Greek and Latin-extended
/// blocks that NFKC leaves alone, mapped to the Latin letter they imitate.
fn confusable(c: char) -> char {
    match c {
        'а' | 'α' | 'ɑ' => 'a',
        'А' | 'Α' => 'A',
        'в' | 'В' | 'Β' | 'β' => 'B',
        'с' | 'ϲ' => 'c',
        'С' | 'Ϲ' => 'C',
        'ԁ' => 'd',
        'е' | 'ε' | 'ё' => 'e',
        'Е' | 'Ε' | 'Ё' => 'E',
        'ɡ' => 'g',
        'һ' => 'h',
        'Н' | 'Η' => 'H',
        'і' | 'ι' | 'ı' | 'ɩ' | 'ї' => 'i',
        'І' | 'Ι' | 'Ї' => 'I',
        'ј' => 'j',
        'Ј' => 'J',
        'к' | 'κ' => 'k',
        'К' | 'Κ' => 'K',
        'ӏ' | 'Ӏ' => 'l',
        'М' | 'Μ' | 'м' => 'M',
        'ո' => 'n',
        'Ν' => 'N',
        'о' | 'ο' | 'σ' | 'օ' => 'o',
        'О' | 'Ο' => 'O',
        'р' | 'ρ' => 'p',
        'Р' | 'Ρ' => 'P',
        'ԛ' => 'q',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'т' | 'τ' => 't',
        'Т' | 'Τ' => 'T',
        'υ' | 'ս' => 'u',
        'ν' | 'ѵ' => 'v',
        'ԝ' | 'ѡ' => 'w',
        'х' | 'χ' => 'x',
        'Х' | 'Χ' => 'X',
        'у' | 'γ' => 'y',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        _ => c,
    }
}

/// Digits and letters read as others (`rel1gion`, `re1igion`, `rnosque`): both the text and the
/// terms are compared in this form as well.
fn skeleton(token: &str) -> String {
    if token.chars().all(|c| c.is_ascii_digit()) {
        return token.to_owned();
    }
    let mapped: String = token
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '!' | '|' => 'l',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            '8' => 'b',
            '9' => 'g',
            c => c,
        })
        .collect();
    mapped.replace("rn", "m").replace("vv", "w")
}

fn is_han(c: char) -> bool {
    matches!(u32::from(c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// A text normalised for lookup: NFKC, confusables, combining marks removed, split into words.
struct Folded {
    /// Every run of consecutive words (split at separators, case changes (`onlineRumour`) and
    /// letter-digit changes), joined, and the same of the skeletons, in the order of the text.
    runs: Vec<String>,
    /// The words joined, and the skeletons joined.
    latin: String,
    latin_skeleton: String,
    /// Every letter and digit, Chinese included, lower case, without separators.
    all: String,
}

impl Folded {
    fn new(text: &str) -> Folded {
        // NFKC, the confusables and the marks leave ASCII as it is.
        let plain: String = if text.is_ascii() {
            text.to_owned()
        } else {
            text.nfkc()
                .map(confusable)
                .collect::<String>()
                .nfd()
                .filter(|c| !is_combining_mark(*c))
                .collect()
        };
        let mut words: Vec<String> = Vec::new();
        let mut joined: Vec<String> = Vec::new();
        let mut all = String::new();
        let mut previous: Option<char> = None;
        for c in plain.chars() {
            let letter = c.is_alphanumeric() && !is_han(c);
            if c.is_alphanumeric() {
                all.extend(c.to_lowercase());
            }
            if !letter {
                previous = None;
                continue;
            }
            let case_break = previous.is_some_and(|p| p.is_lowercase() && c.is_uppercase());
            let digit_break = previous.is_some_and(|p| p.is_numeric() != c.is_numeric());
            if previous.is_none() || case_break {
                joined.push(String::new());
                words.push(String::new());
            } else if digit_break {
                words.push(String::new());
            }
            if let Some(w) = words.last_mut() {
                w.extend(c.to_lowercase());
            }
            if let Some(j) = joined.last_mut() {
                j.extend(c.to_lowercase());
            }
            previous = Some(c);
        }
        let skeletons: Vec<String> = joined.iter().map(|w| skeleton(w)).collect();
        let mut runs = Vec::new();
        runs_of(&words, &mut runs);
        runs_of(&skeletons, &mut runs);
        Folded {
            latin: words.concat(),
            latin_skeleton: skeletons.concat(),
            runs,
            all,
        }
    }

    /// The Latin letters and digits of a term, without separators.
    fn latin_compact(&self) -> String {
        self.latin.clone()
    }

    fn all_compact(&self) -> String {
        self.all.clone()
    }

    /// The first stem or Chinese term of `class` in the text (whole words are looked up in the
    /// index).
    fn find(&self, class: &'static Class) -> Option<Hit> {
        let hit = |term: &'static str| Some(Hit { class, term });
        for (term, folded, skeleton) in &class.stems {
            if self.latin.contains(folded.as_str())
                || self.latin_skeleton.contains(skeleton.as_str())
            {
                return hit(term);
            }
        }
        if self.all.is_ascii() {
            return None;
        }
        for (term, folded) in &class.chinese {
            if self.all.contains(folded.as_str()) {
                return hit(term);
            }
        }
        None
    }
}

/// The longest run of joined words looked up (longer than any term of the lexicon).
const RUN_MAX: usize = 40;

/// Adds every run of consecutive words, joined (`re` `ligion` is `religion`), and the same
/// without a plural ending, so that a term is found by one lookup.
fn runs_of(words: &[String], runs: &mut Vec<String>) {
    for start in 0..words.len() {
        let mut joined = String::new();
        for word in &words[start..] {
            joined.push_str(word);
            if joined.len() > RUN_MAX {
                break;
            }
            runs.push(joined.clone());
            for plural in ["s", "es"] {
                if let Some(singular) = joined.strip_suffix(plural) {
                    runs.push(singular.to_owned());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(text: &str) -> Option<&'static str> {
        special(text).map(|h| h.class.id.as_str())
    }

    #[test]
    fn the_lexicon_parses_and_every_class_has_terms() {
        let file: Result<File, _> = toml::from_str(LEXICON);
        assert!(file.is_ok(), "{:?}", file.err());
        assert!(classes().len() >= 12);
        for class in classes() {
            assert!(
                !class.words.is_empty() && !class.chinese.is_empty(),
                "{}",
                class.id
            );
            assert_eq!(
                class.code,
                code(&toml::from_str::<File>(LEXICON).map_or(String::new(), |f| {
                    f.class
                        .into_iter()
                        .find(|c| c.id == class.id)
                        .map_or(String::new(), |c| c.code)
                })),
                "{}: unknown code",
                class.id
            );
        }
    }

    #[test]
    fn evasions_are_folded() {
        assert_eq!(class_of("online.rumour"), Some("political-opinion"));
        assert_eq!(class_of("onlineRumour"), Some("political-opinion"));
        assert_eq!(class_of("宗教活动"), Some("religion"));
        assert_eq!(class_of("宗 教"), Some("religion"));
        assert_eq!(class_of("zongjiao"), Some("religion"));
        assert_eq!(class_of("zōngjiào huódòng"), Some("religion"));
        assert_eq!(class_of("zong-jiao"), Some("religion"));
        assert_eq!(class_of("r\u{0435}ligion"), Some("religion"), "Cyrillic e");
        assert_eq!(class_of("rel\u{0456}gi\u{043e}n"), Some("religion"));
        assert_eq!(class_of("ｒｅｌｉｇｉｏｎ"), Some("religion"), "fullwidth");
        assert_eq!(class_of("re\u{200b}ligion"), Some("religion"), "zero width");
        assert_eq!(class_of("rel1gion"), Some("religion"));
        assert_eq!(class_of("re.li.gion"), Some("religion"));
        assert_eq!(class_of("camera capture"), Some("biometric"));
        assert_eq!(class_of("portrait match"), Some("biometric"));
        assert_eq!(class_of("人脸识别"), Some("biometric"));
        assert_eq!(class_of("Uyghurs"), Some("ethnicity"));
        assert_eq!(class_of("transgender"), Some("sexual-life"));
        assert_eq!(class_of("hepatitis-b"), Some("health"));
    }

    #[test]
    fn whole_words_only() {
        for benign in [
            "court.trace_assets",
            "surface water discharge",
            "food-safety inspection",
            "Enforcement case number",
            "Loan overdue",
            "SPC Provisions on Restricting High Consumption (2015), Art. 3(1)(1)",
            "transshipment declaration",
            "struck off the register",
            "纳税人识别号",
        ] {
            assert_eq!(class_of(benign), None, "{benign}");
        }
    }
}
