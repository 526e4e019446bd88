//! The refusals: what credence will not express, whoever writes the policy (`mission.md`).
//!
//! Each test writes the smallest policy that tries to do a forbidden thing and asserts that the
//! compiler refuses it with exactly that refusal code and nothing else; next to it a control
//! shows that the nearest allowed policy compiles, so the test proves the check and not a typo.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use credence_policy::{Diagnostics, Policy, PolicySource, compile, refusal};

/// Categories of every kind that the test packs refer to.
const BASE: &str = r#"
[policy]
id = "base"
title = "Categories for the refusal tests"
authority = "Test authority"
version = "1"
basis = "Test Law, art. 1"

[[category]]
id = "t.overdue"
title = "Loan overdue"
context = "finance"
subjects = ["person", "organisation"]
kind = "breach"
obligation = "Test Law, art. 2"
retention = "5y"

[category.attributes]
amount = { type = "money", required = true }
severity = { type = "enum", values = ["minor", "serious"] }

[[category]]
id = "t.repaid"
title = "Loan repaid"
context = "finance"
subjects = ["person", "organisation"]
kind = "fulfilment"
retention = "5y"

[category.attributes]
amount = { type = "money", required = true }
on_time = { type = "bool", required = true }

[[category]]
id = "t.volunteering"
title = "Volunteer service"
context = "civic"
subjects = ["person", "organisation"]
kind = "contribution"
retention = "3y"

[category.attributes]
hours = { type = "int", required = true }

[[category]]
id = "t.judgment"
title = "Judgment not performed"
context = "judicial"
subjects = ["person", "organisation"]
kind = "adjudication"
obligation = "Test Law, art. 2"
retention = "5y"

[category.attributes]
case = { type = "text", required = true }

[[category]]
id = "t.no-revenue"
title = "No revenue in the year"
context = "tax"
subjects = ["organisation"]
kind = "status"
retention = "1y"
"#;

const HEADER: &str = r#"
[policy]
id = "test"
title = "A test pack"
authority = "Test authority"
version = "1"
basis = "Test Law, art. 1"
"#;

fn sources(body: &str) -> Vec<PolicySource> {
    vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: format!("{HEADER}{body}"),
        },
    ]
}

/// Compiles the base and a pack with `body`; asserts it is refused with `code` and only `code`.
fn refused(body: &str, code: &str) -> Diagnostics {
    match compile(&sources(body)) {
        Ok(_) => panic!("compiled, expected {code}:\n{body}"),
        Err(diagnostics) => {
            assert!(
                diagnostics.has(code),
                "expected {code}, got:\n{diagnostics}\n{body}"
            );
            assert!(
                diagnostics.iter().all(|d| d.code == code),
                "expected only {code}, got:\n{diagnostics}\n{body}"
            );
            assert!(diagnostics.iter().all(|d| d.is_refusal()));
            diagnostics
        }
    }
}

/// Compiles the base and a pack with `body`; asserts it compiles.
fn compiles(body: &str) -> Policy {
    match compile(&sources(body)) {
        Ok(policy) => policy,
        Err(diagnostics) => panic!("expected to compile:\n{diagnostics}\n{body}"),
    }
}

#[test]
fn the_base_compiles_alone() {
    let policy = compiles("");
    // Five declared, and the built-in legal-representative link.
    assert_eq!(policy.categories.len(), 6);
}

#[test]
fn every_refusal_code_has_a_test_here() {
    let codes = include_str!("../src/refusal.rs");
    let this = include_str!("refusals.rs");
    let mut count = 0;
    for line in codes.lines() {
        let Some(rest) = line.strip_prefix("pub const ") else {
            continue;
        };
        if !rest.contains("\"refused-") {
            continue;
        }
        let name = rest.split(':').next().unwrap();
        count += 1;
        let used = [format!("refusal::{name})"), format!("refusal::{name},")];
        assert!(
            used.iter().any(|u| this.contains(u.as_str())),
            "no test uses `refusal::{name}`"
        );
    }
    assert_eq!(count, 13);
}

// --- Special categories of data (GDPR art. 9; PBOC Credit Reporting Regulation art. 14) -------

/// A category with every text an author chooses: id, title, an attribute name, an enum value,
/// the context.
fn category(id: &str, title: &str, attribute: &str, value: &str, context: &str) -> String {
    format!(
        r#"
[[category]]
id = "{id}"
title = "{title}"
context = "{context}"
subjects = ["person"]
kind = "breach"
obligation = "Test Law, art. 2"
retention = "3y"

[category.attributes]
{attribute} = {{ type = "enum", values = ["{value}", "other"], required = true }}
"#
    )
}

const NEUTRAL: [&str; 5] = ["t.case", "A recorded case", "level", "low", "civic"];

/// Words naming one special category, one for each place an author could put it.
struct Special {
    id: &'static str,
    title: &'static str,
    attribute: &'static str,
    value: &'static str,
    context: &'static str,
}

fn special_refused_everywhere(special: &Special) {
    let [id, title, attribute, value, context] = NEUTRAL;
    compiles(&category(id, title, attribute, value, context));
    let code = refusal::SPECIAL_CATEGORY;
    let by_id = refused(
        &category(special.id, title, attribute, value, context),
        code,
    );
    assert!(by_id.iter().any(|d| d.message.contains(special.id)));
    refused(
        &category(id, special.title, attribute, value, context),
        code,
    );
    refused(
        &category(id, title, special.attribute, value, context),
        code,
    );
    refused(
        &category(id, title, attribute, special.value, context),
        code,
    );
    refused(
        &category(id, title, attribute, value, special.context),
        code,
    );
}

#[test]
fn political_opinion_is_refused() {
    special_refused_everywhere(&Special {
        id: "civic.petitioning",
        title: "Political activity",
        attribute: "vote",
        value: "protest",
        context: "politics",
    });
}

#[test]
fn religion_or_belief_is_refused() {
    special_refused_everywhere(&Special {
        id: "civic.church-attendance",
        title: "Religious practice",
        attribute: "faith",
        value: "temple",
        context: "religion",
    });
}

#[test]
fn ethnicity_or_race_is_refused() {
    special_refused_everywhere(&Special {
        id: "registry.ethnicity",
        title: "Ethnic group",
        attribute: "race",
        value: "ancestry",
        context: "ethnic",
    });
}

#[test]
fn health_is_refused() {
    special_refused_everywhere(&Special {
        id: "person.medical-record",
        title: "Health status",
        attribute: "diagnosis",
        value: "disability",
        context: "health",
    });
}

#[test]
fn sex_life_or_orientation_is_refused() {
    special_refused_everywhere(&Special {
        id: "person.orientation",
        title: "Sexual conduct",
        attribute: "sexuality",
        value: "gay",
        context: "sex-life",
    });
}

#[test]
fn trade_union_membership_is_refused() {
    special_refused_everywhere(&Special {
        id: "labour.union-member",
        title: "Trade union dues",
        attribute: "union_membership",
        value: "unionised",
        context: "trade-union",
    });
}

#[test]
fn biometric_or_genetic_data_is_refused() {
    special_refused_everywhere(&Special {
        id: "civic.facial-recognition-hit",
        title: "Fingerprint match",
        attribute: "dna",
        value: "iris",
        context: "biometric",
    });
}

#[test]
fn a_special_category_in_a_description_is_refused() {
    let body = r#"
[[category]]
id = "t.case"
title = "A recorded case"
description = "Attendance at a place of worship."
context = "civic"
subjects = ["person"]
kind = "breach"
obligation = "Test Law, art. 2"
retention = "3y"
"#;
    refused(body, refusal::SPECIAL_CATEGORY);
    compiles(&body.replace("a place of worship", "a public hearing"));
}

#[test]
fn a_special_context_of_a_list_or_measure_is_refused() {
    let list = |context: &str| {
        format!(
            r#"
[[list]]
id = "l"
title = "A list"
colour = "black"
subjects = ["organisation"]
context = "{context}"
basis = "Test Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "g"
title = "Overdue"
category = "t.overdue"
duration = "1y"
basis = "Test Law, art. 1"
"#
        )
    };
    compiles(&list("finance"));
    refused(&list("religious"), refusal::SPECIAL_CATEGORY);
    let measure = |context: &str| {
        format!(
            r#"{}
[[measure]]
id = "m"
title = "A measure"
effect = "restriction"
context = "{context}"
on = {{ list = "l" }}
basis = "Test Law, art. 1"
relying_parties = ["bank"]
"#,
            list("finance")
        )
    };
    compiles(&measure("finance"));
    refused(&measure("political"), refusal::SPECIAL_CATEGORY);
}

#[test]
fn special_words_match_whole_words_only() {
    // "trace" is not "race", "surface" is not "face", "environmental" is not "mental".
    compiles(&category(
        "court.trace-assets",
        "Surface water discharge",
        "environmental",
        "faceless",
        "environment",
    ));
}

/// Every text an author writes outside a category, each a placeholder `{name}`.
const TEXTS: &str = r#"
[[scheme]]
id = "s"
title = "{scheme-title}"
description = "{scheme-description}"
subjects = ["person"]
base = 100

[[scheme.rule]]
id = "r"
title = "{rule-title}"
category = "t.overdue"
points = -10
validity = "1y"

[[rating]]
id = "tax"
title = "{rating-title}"
description = """
{rating-description}"""
subjects = ["organisation"]
base = 100

[[scorecard]]
id = "c"
title = "{scorecard-title}"
description = "{scorecard-description}"
subjects = ["person"]
base = 300
range = [300, 900]

[[scorecard.characteristic]]
id = "x"
title = "{characteristic-title}"
measure = "count"
categories = ["t.overdue"]
reason = { code = "R1", text = "{reason}" }
bins = [{ upto = 0, points = 600 }, { points = 0 }]

[[list]]
id = "l"
title = "{list-title}"
description = '{list-description}'
colour = "black"
subjects = ["person"]
context = "finance"
basis = "Test Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "g"
title = "{ground-title}"
category = "t.overdue"
duration = "1y"
basis = "Test Law, art. 1"

[[list.bar]]
id = "b"
title = "{bar-title}"
minor = true
basis = "Test Law, art. 1"

[[measure]]
id = "m"
title = "{measure-title}"
description = "{measure-description}"
effect = "restriction"
context = "finance"
on = { list = "l" }
basis = "Test Law, art. 1"
relying_parties = ["bank"]
"#;

/// Each placeholder of [`TEXTS`], with what the refusal must say the text is.
const PLACES: [(&str, &str); 15] = [
    ("scheme-title", "the title of scheme `s`"),
    ("scheme-description", "the description of scheme `s`"),
    ("rule-title", "the title of rule `r`"),
    ("rating-title", "the title of rating `tax`"),
    ("rating-description", "the description of rating `tax`"),
    ("scorecard-title", "the title of scorecard `c`"),
    ("scorecard-description", "the description of scorecard `c`"),
    ("characteristic-title", "the title of characteristic `x`"),
    ("reason", "the reason of characteristic `x`"),
    ("list-title", "the title of list `l`"),
    ("list-description", "the description of list `l`"),
    ("ground-title", "the title of ground `g`"),
    ("bar-title", "the title of bar `b`"),
    ("measure-title", "the title of measure `m`"),
    ("measure-description", "the description of measure `m`"),
];

/// [`TEXTS`] with `special` in the place `place` and a neutral text everywhere else.
fn texts(place: &str, special: &str) -> String {
    PLACES.iter().fold(TEXTS.to_owned(), |text, (name, _)| {
        let value = if *name == place {
            special
        } else {
            "An overdue loan"
        };
        text.replace(&format!("{{{name}}}"), value)
    })
}

#[test]
fn a_special_category_in_any_title_description_or_reason_is_refused() {
    compiles(&texts("", ""));
    for (place, what) in PLACES {
        let body = texts(place, "Missed church attendance");
        let d = refused(&body, refusal::SPECIAL_CATEGORY);
        assert_eq!(d.len(), 1, "{d}");
        let diagnostic = d.iter().next().unwrap();
        // It names the field (`list[0].ground[0].title`), the special category and the word.
        let _ = what;
        assert!(
            diagnostic
                .message
                .contains("names religion or belief (`church`"),
            "{place}: {d}"
        );
        // It points at the text itself.
        let text = format!("{HEADER}{body}");
        let line = text.lines().nth(diagnostic.line - 1).unwrap();
        assert!(
            line.contains("church") || line.ends_with("\"\"\""),
            "{place}: {d}"
        );
    }
}

// --- A standing is computed from the subject's own records only ------------------------------

fn scheme_with_rule(extra: &str) -> String {
    format!(
        r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 100

[[scheme.rule]]
id = "overdue"
category = "t.overdue"
points = -10
validity = "1y"
{extra}
"#
    )
}

#[test]
fn a_rule_on_another_subject_is_refused() {
    compiles(&scheme_with_rule(""));
    let d = refused(
        &scheme_with_rule(r#"subject = "spouse""#),
        refusal::OTHER_SUBJECT,
    );
    assert!(d.iter().any(|d| d.message.contains("`subject`")), "{d}");
    refused(
        &scheme_with_rule(r#"from = "family""#),
        refusal::OTHER_SUBJECT,
    );
    refused(
        &scheme_with_rule(r#"relatives = ["parents", "children"]"#),
        refusal::OTHER_SUBJECT,
    );
}

#[test]
fn a_scheme_over_a_household_is_refused() {
    let body = |extra: &str| {
        format!(
            r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 100
{extra}
"#
        )
    };
    compiles(&body(""));
    refused(&body("household = true"), refusal::OTHER_SUBJECT);
    refused(&body(r#"friends = "contacts""#), refusal::OTHER_SUBJECT);
}

fn list_on_judgment(when: &str) -> String {
    format!(
        r#"
[[list]]
id = "l"
title = "A list"
colour = "black"
subjects = ["person", "organisation"]
context = "judicial"
basis = "Test Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "g"
title = "Judgment not performed"
category = "t.judgment"
when = '{when}'
duration = "2y"
basis = "Test Law, art. 1"
"#
    )
}

/// `body` with a category `t.joint` that declares `accomplice`, another subject, and reads it
/// instead of `t.judgment`.
fn with_accomplice(body: &str) -> String {
    format!(
        r#"
[[category]]
id = "t.joint"
title = "Judgment not performed, joint debtors"
context = "judicial"
subjects = ["person", "organisation"]
kind = "adjudication"
obligation = "Test Law, art. 2"
retention = "5y"

[category.attributes]
case = {{ type = "text", required = true }}
accomplice = {{ type = "subject", title = "Another debtor in the same case" }}
{}"#,
        body.replace(r#"category = "t.judgment""#, r#"category = "t.joint""#)
    )
}

#[test]
fn declaring_another_subject_is_refused() {
    compiles(&list_on_judgment(r#"case == "A-1""#));
    let d = refused(
        &with_accomplice(&list_on_judgment(r#"case == "A-1""#)),
        refusal::OTHER_SUBJECT,
    );
    assert!(
        d.iter()
            .any(|d| d.message.contains("names another subject")),
        "{d}"
    );
}

#[test]
fn the_legal_representative_link_cannot_be_declared_or_widened() {
    let declared = |subjects: &str| {
        format!(
            r#"
[[category]]
id = "registry.legal-representative"
title = "Legal representative"
context = "market"
subjects = {subjects}
kind = "status"
retention = "10y"
"#
        )
    };
    let d = refused(&declared(r#"["organisation"]"#), refusal::OTHER_SUBJECT);
    assert!(d.iter().any(|d| d.message.contains("built in")), "{d}");
    refused(&declared(r#"["person"]"#), refusal::OTHER_SUBJECT);
    let policy = compiles("");
    let link = policy
        .category(
            policy
                .category_id(refusal::REPRESENTATIVE_CATEGORY)
                .unwrap(),
        )
        .clone();
    assert!(link.subjects.organisation && !link.subjects.person);
    assert_eq!(link.pack, credence_policy::BUILT_IN);
}

#[test]
fn a_condition_reading_another_subject_is_refused() {
    compiles(&list_on_judgment(r#"case == "A-1""#));
    let d = refused(
        &with_accomplice(&list_on_judgment(r#"accomplice == "A-1""#)),
        refusal::OTHER_SUBJECT,
    );
    assert!(d.iter().any(|d| d.message.contains("accomplice")), "{d}");
    refused(
        &with_accomplice(&list_on_judgment(r#"case == "A-1" and not accomplice"#)),
        refusal::OTHER_SUBJECT,
    );
}

#[test]
fn a_bar_matching_another_subject_is_refused() {
    let bar = |same: &str| {
        format!(
            r#"{}
[[list.bar]]
id = "b"
title = "Same case"
category = "t.judgment"
same = "{same}"
basis = "Test Law, art. 1"
"#,
            list_on_judgment(r#"case == "A-1""#)
        )
    };
    compiles(&bar("case"));
    refused(&with_accomplice(&bar("accomplice")), refusal::OTHER_SUBJECT);
}

#[test]
fn a_measure_extending_to_a_relative_is_refused() {
    let measure = |to: &str| {
        format!(
            r#"{}
[[measure]]
id = "m"
title = "No flights"
effect = "restriction"
context = "judicial"
on = {{ list = "l" }}
basis = "Test Law, art. 1"
relying_parties = ["airline"]
extends_to = {{ to = "{to}", basis = "Test Law, art. 1" }}
"#,
            list_on_judgment(r#"case == "A-1""#)
        )
    };
    let policy = compiles(&measure("legal-representative"));
    assert!(policy.measures[0].extends_to_representative.is_some());
    refused(&measure("spouse"), refusal::OTHER_SUBJECT);
    refused(&measure("children"), refusal::OTHER_SUBJECT);
}

// --- Restrictions attach only to lists with specific legal grounds ---------------------------

const GRADED: &str = r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 100

[[scheme.rule]]
id = "overdue"
category = "t.overdue"
points = -10
validity = "1y"

[[scheme.grade]]
grade = "A"
min = 90

[[scheme.grade]]
grade = "D"
min = 0

[[scorecard]]
id = "c"
title = "A scorecard"
subjects = ["person"]
base = 300
range = [300, 900]

[[scorecard.characteristic]]
id = "overdue"
title = "Overdue loans"
measure = "count"
categories = ["t.overdue"]
reason = { code = "R1", text = "Overdue loans" }
bins = [{ upto = 0, points = 600 }, { points = 0 }]

[[scorecard.band]]
grade = "good"
min = 600

[[scorecard.band]]
grade = "poor"
min = 300
"#;

fn on_score(effect: &str, on: &str) -> String {
    format!(
        r#"{GRADED}
[[measure]]
id = "m"
title = "A measure"
effect = "{effect}"
context = "finance"
on = {on}
basis = "Test Law, art. 1"
relying_parties = ["bank"]
"#
    )
}

#[test]
fn a_restriction_on_a_scheme_grade_is_refused() {
    let on = r#"{ scheme = "s", grades = ["D"] }"#;
    compiles(&on_score("reward", on));
    refused(&on_score("restriction", on), refusal::RESTRICTION_ON_SCORE);
}

#[test]
fn a_restriction_on_a_scheme_score_is_refused() {
    let on = r#"{ scheme = "s", score_at_least = 50 }"#;
    compiles(&on_score("reward", on));
    refused(&on_score("restriction", on), refusal::RESTRICTION_ON_SCORE);
}

#[test]
fn a_restriction_on_a_scorecard_band_is_refused() {
    let on = r#"{ scheme = "c", grades = ["poor"] }"#;
    compiles(&on_score("reward", on));
    refused(&on_score("restriction", on), refusal::RESTRICTION_ON_SCORE);
}

#[test]
fn a_restriction_on_a_scorecard_score_is_refused() {
    let on = r#"{ scheme = "c", score_at_least = 300 }"#;
    compiles(&on_score("reward", on));
    refused(&on_score("restriction", on), refusal::RESTRICTION_ON_SCORE);
}

// --- A restriction outside its grounds' context needs a published legal link -----------------

fn restriction_on_overdue(subjects: &str, context: &str, link: &str) -> String {
    format!(
        r#"
[[list]]
id = "defaulters"
title = "Defaulters"
colour = "black"
subjects = {subjects}
context = "finance"
basis = "Test Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "overdue"
title = "Loan overdue"
category = "t.overdue"
duration = "2y"
basis = "Test Law, art. 1"

[[measure]]
id = "m"
title = "A restriction"
effect = "restriction"
context = "{context}"
on = {{ list = "defaulters" }}
basis = "Test Law, art. 1"
relying_parties = ["railway"]
{link}
"#
    )
}

#[test]
fn a_cross_context_restriction_on_persons_without_a_link_is_refused() {
    let persons = r#"["person"]"#;
    let d = refused(
        &restriction_on_overdue(persons, "transport", ""),
        refusal::CROSS_CONTEXT,
    );
    assert!(d.iter().any(|d| d.message.contains("transport")), "{d}");
    refused(
        &restriction_on_overdue(r#"["person", "organisation"]"#, "education", ""),
        refusal::CROSS_CONTEXT,
    );
    // The same restriction with its published link compiles...
    let policy = compiles(&restriction_on_overdue(
        persons,
        "transport",
        r#"link = { basis = "Art. 3: a listed defaulter may not buy train tickets" }"#,
    ));
    assert!(policy.measures[0].link.is_some());
    // ...and so does one in the grounds' own context.
    compiles(&restriction_on_overdue(persons, "finance", ""));
}

#[test]
fn a_list_of_organisations_only_needs_no_link() {
    // The link rule protects persons (EU AI Act art. 5(1)(c)); organisations' lists are free.
    compiles(&restriction_on_overdue(
        r#"["organisation"]"#,
        "transport",
        "",
    ));
}

// --- Every record expires ----------------------------------------------------------------------

fn category_retained(retention: &str) -> String {
    format!(
        r#"
[[category]]
id = "t.case"
title = "A recorded case"
context = "civic"
subjects = ["person"]
kind = "breach"
obligation = "Test Law, art. 2"
{retention}
"#
    )
}

#[test]
fn a_category_without_retention_is_refused() {
    compiles(&category_retained(r#"retention = "3y""#));
    let d = refused(&category_retained(""), refusal::RETENTION);
    assert!(d.iter().any(|d| d.message.contains("t.case")), "{d}");
}

#[test]
fn a_retention_over_ten_years_is_refused() {
    compiles(&category_retained(r#"retention = "10y""#));
    refused(
        &category_retained(r#"retention = "11y""#),
        refusal::RETENTION,
    );
    refused(
        &category_retained(r#"retention = "3700d""#),
        refusal::RETENTION,
    );
    refused(
        &category_retained(r#"retention = "200mo""#),
        refusal::RETENTION,
    );
}

// --- Individuals are never published ---------------------------------------------------------

fn published(publish: &str) -> String {
    format!(
        r#"
[[list]]
id = "l"
title = "A list"
colour = "black"
subjects = ["person", "organisation"]
context = "finance"
basis = "Test Law, art. 1"
exit = ["retraction"]
publish = {publish}

[[list.ground]]
id = "g"
title = "Overdue"
category = "t.overdue"
duration = "1y"
basis = "Test Law, art. 1"
"#
    )
}

#[test]
fn a_list_publishing_persons_is_refused() {
    let policy = compiles(&published(r#"["organisation"]"#));
    assert!(policy.lists[0].publish.organisation);
    refused(&published(r#"["person"]"#), refusal::PUBLISH_PERSONS);
    refused(
        &published(r#"["organisation", "person"]"#),
        refusal::PUBLISH_PERSONS,
    );
}

// --- A voluntary contribution never counts against anyone -----------------------------------

fn volunteering_rule(points: i64) -> String {
    format!(
        r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 100

[[scheme.rule]]
id = "volunteering"
category = "t.volunteering"
points = {points}
validity = "1y"

[[scheme.cap]]
categories = ["t.volunteering"]
per = "year"
gain = 10
loss = 10
"#
    )
}

#[test]
fn negative_points_on_a_contribution_are_refused() {
    compiles(&volunteering_rule(5));
    let d = refused(&volunteering_rule(-5), refusal::PENALTY_ON_CONTRIBUTION);
    assert!(
        d.iter().any(|d| d.message.contains("t.volunteering")),
        "{d}"
    );
}

fn list_on(colour: &str, category: &str) -> String {
    format!(
        r#"
[[list]]
id = "l"
title = "A list"
colour = "{colour}"
subjects = ["person"]
context = "civic"
basis = "Test Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "g"
title = "A ground"
category = "{category}"
duration = "1y"
basis = "Test Law, art. 1"
"#
    )
}

#[test]
fn a_contribution_as_a_black_list_ground_is_refused() {
    compiles(&list_on("black", "t.overdue"));
    compiles(&list_on("red", "t.volunteering"));
    refused(
        &list_on("black", "t.volunteering"),
        refusal::PENALTY_ON_CONTRIBUTION,
    );
}

fn direct_on(category: &str) -> String {
    format!(
        r#"
[[rating]]
id = "r"
title = "A rating"
subjects = ["organisation"]
base = 100

[[rating.grade]]
grade = "A"
min = 90

[[rating.grade]]
grade = "D"
min = 0

[[rating.direct]]
grade = "D"
category = "{category}"
basis = "Test Law, art. 1"
"#
    )
}

#[test]
fn a_direct_grade_on_a_contribution_is_refused() {
    compiles(&direct_on("t.judgment"));
    compiles(&direct_on("t.no-revenue"));
    refused(
        &direct_on("t.volunteering"),
        refusal::PENALTY_ON_CONTRIBUTION,
    );
}

// --- No rule may reward the volume of activity ----------------------------------------------

fn reward_with_cap(cap: &str) -> String {
    format!(
        r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 100

[[scheme.rule]]
id = "volunteering"
category = "t.volunteering"
when = "hours >= 4"
points = 5
validity = "1y"
{cap}
"#
    )
}

#[test]
fn an_uncapped_reward_is_refused() {
    let policy = compiles(&reward_with_cap(
        r#"
[[scheme.cap]]
categories = ["t.volunteering"]
per = "year"
gain = 20
"#,
    ));
    assert_eq!(policy.schemes[0].caps[0].gain, Some(20));
    let d = refused(&reward_with_cap(""), refusal::VOLUME_REWARD);
    assert!(d.iter().any(|d| d.message.contains("volunteering")), "{d}");
    // A cap on losses only, or on another category, does not cap the reward.
    refused(
        &reward_with_cap(
            r#"
[[scheme.cap]]
categories = ["t.volunteering"]
per = "year"
loss = 20
"#,
        ),
        refusal::VOLUME_REWARD,
    );
    refused(
        &reward_with_cap(
            r#"
[[scheme.cap]]
categories = ["t.repaid"]
per = "year"
gain = 20
"#,
        ),
        refusal::VOLUME_REWARD,
    );
}

fn characteristic(measure: &str, category: &str, bins: &str) -> String {
    let attribute = if measure == "sum" {
        r#"attribute = "amount""#
    } else {
        ""
    };
    format!(
        r#"
[[scorecard]]
id = "c"
title = "A scorecard"
subjects = ["person"]
base = 300
range = [300, 900]

[[scorecard.characteristic]]
id = "x"
title = "A characteristic"
measure = "{measure}"
categories = ["{category}"]
{attribute}
reason = {{ code = "R1", text = "A reason" }}
bins = {bins}
"#
    )
}

const RISING: &str = "[{ upto = 0, points = 0 }, { upto = 5, points = 100 }, { points = 200 }]";
const FALLING: &str = "[{ upto = 0, points = 200 }, { upto = 5, points = 100 }, { points = 0 }]";

#[test]
fn a_characteristic_growing_with_fulfilment_records_is_refused() {
    // Fewer points for more breaches: the scorecard's purpose.
    compiles(&characteristic("count", "t.overdue", FALLING));
    compiles(&characteristic("sum", "t.overdue", FALLING));
    // More points for a longer history since the first repayment is not volume.
    compiles(&characteristic("days_since_first", "t.repaid", RISING));
    refused(
        &characteristic("count", "t.repaid", RISING),
        refusal::VOLUME_REWARD,
    );
    refused(
        &characteristic("sum", "t.repaid", RISING),
        refusal::VOLUME_REWARD,
    );
    refused(
        &characteristic("count", "t.volunteering", RISING),
        refusal::VOLUME_REWARD,
    );
    // Any rise counts, not only a monotone one (the fall is an error of its own: fewer points
    // for more fulfilled obligations).
    let error = compile(&sources(&characteristic(
        "count",
        "t.repaid",
        "[{ upto = 0, points = 100 }, { upto = 5, points = 0 }, { points = 50 }]",
    )))
    .unwrap_err();
    assert!(error.has(refusal::VOLUME_REWARD), "{error}");
    assert!(error.has("scorecard"), "{error}");
    refused(
        &characteristic(
            "count",
            "t.repaid",
            "[{ upto = 0, points = 0 }, { upto = 5, points = 0 }, { points = 50 }]",
        ),
        refusal::VOLUME_REWARD,
    );
}

#[test]
fn a_characteristic_costing_points_for_contributions_is_refused() {
    // The time since the first contribution may earn points; a count may not change them.
    compiles(&characteristic(
        "days_since_first",
        "t.volunteering",
        RISING,
    ));
    compiles(&characteristic(
        "count",
        "t.volunteering",
        "[{ upto = 0, points = 100 }, { points = 100 }]",
    ));
    let d = refused(
        &characteristic("count", "t.volunteering", FALLING),
        refusal::PENALTY_ON_CONTRIBUTION,
    );
    assert!(
        d.iter().any(|d| d
            .message
            .contains("fewer points for more voluntary contributions")),
        "{d}"
    );
    // Any fall counts, not only a monotone one.
    refused(
        &characteristic(
            "count",
            "t.volunteering",
            "[{ upto = 0, points = 100 }, { upto = 5, points = 100 }, { points = 50 }]",
        ),
        refusal::PENALTY_ON_CONTRIBUTION,
    );
}

// --- Rewards come from fulfilled obligations and recorded contributions only ----------------

fn rewarding(category: &str) -> String {
    format!(
        r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person", "organisation"]
base = 100

[[scheme.rule]]
id = "r"
category = "{category}"
points = 5
validity = "1y"

[[scheme.cap]]
categories = ["{category}"]
per = "year"
gain = 10
"#
    )
}

#[test]
fn positive_points_on_a_breach_are_refused() {
    compiles(&rewarding("t.repaid"));
    compiles(&rewarding("t.volunteering"));
    let d = refused(&rewarding("t.overdue"), refusal::REWARD_SOURCE);
    assert!(d.iter().any(|d| d.message.contains("breach")), "{d}");
    refused(&rewarding("t.judgment"), refusal::REWARD_SOURCE);
    refused(&rewarding("t.no-revenue"), refusal::REWARD_SOURCE);
}

// --- Diagnostics point at the text -------------------------------------------------------------

#[test]
fn a_refusal_points_at_its_file_line_and_column() {
    let body = published(r#"["person"]"#);
    let d = refused(&body, refusal::PUBLISH_PERSONS);
    let diagnostic = d.iter().next().unwrap();
    assert_eq!(diagnostic.file, "test.toml");
    let text = format!("{HEADER}{body}");
    let line = text
        .lines()
        .position(|l| l.starts_with("publish = "))
        .unwrap()
        + 1;
    assert_eq!(line, 17);
    assert_eq!((diagnostic.line, diagnostic.column), (line, 11));
    assert_eq!(diagnostic.excerpt, r#"publish = ["person"]"#);
    assert_eq!(diagnostic.mark, 10..20);
    let shown = diagnostic.to_string();
    assert!(shown.contains("--> test.toml:17:11"), "{shown}");
    assert!(shown.contains("help:"), "{shown}");
}

#[test]
fn a_refusal_inside_a_condition_points_at_the_attribute() {
    let body = with_accomplice(&list_on_judgment(
        r#"case == "A-1" and accomplice == "B-2""#,
    ));
    let d = refused(&body, refusal::OTHER_SUBJECT);
    let diagnostic = d
        .iter()
        .find(|d| d.message.contains("cannot be read"))
        .unwrap();
    let text = format!("{HEADER}{body}");
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("when = "))
        .unwrap();
    assert_eq!(diagnostic.line, index + 1);
    // `when = '` is 8 characters; `case == "A-1" and ` is 18 more.
    assert_eq!(diagnostic.column, 27);
    assert_eq!(&line[diagnostic.column - 1..][..10], "accomplice");
    assert_eq!(diagnostic.mark, 26..36);
}

// --- Regressions: ways around the refusals found in review ----------------------------------

#[test]
fn retention_limits_hold_in_every_unit() {
    compiles(&category_retained(r#"retention = "120mo""#));
    compiles(&category_retained(r#"retention = "3650d""#));
    refused(
        &category_retained(r#"retention = "121mo""#),
        refusal::RETENTION,
    );
    refused(
        &category_retained(r#"retention = "3660d""#),
        refusal::RETENTION,
    );
    refused(
        &category_retained(r#"retention = "2700wd""#),
        refusal::RETENTION,
    );
}

#[test]
fn the_lists_own_context_does_not_excuse_a_missing_link() {
    // The list claims `transport`, but its ground is a finance record.
    let body = restriction_on_overdue(r#"["person"]"#, "transport", "").replace(
        "context = \"finance\"\nbasis",
        "context = \"transport\"\nbasis",
    );
    let d = refused(&body, refusal::CROSS_CONTEXT);
    assert!(
        d.iter()
            .any(|d| d.message.contains("grounds are in `finance`")),
        "{d}"
    );
}

#[test]
fn a_blank_link_is_no_link() {
    let body = restriction_on_overdue(r#"["person"]"#, "transport", r#"link = { basis = " " }"#);
    let error = compile(&sources(&body)).unwrap_err();
    assert!(error.has(refusal::CROSS_CONTEXT), "{error}");
    assert!(
        error
            .iter()
            .any(|d| d.message.contains("link needs its legal basis")),
        "{error}"
    );
}

#[test]
fn an_attribute_title_naming_a_special_category_is_refused() {
    let body = r#"
[[category]]
id = "t.member"
title = "Membership record"
context = "civic"
subjects = ["person"]
kind = "status"
retention = "1y"

[category.attributes]
label = { type = "text", title = "Religion of the member" }
"#;
    refused(body, refusal::SPECIAL_CATEGORY);
}

#[test]
fn a_breach_cannot_put_a_subject_on_a_red_list() {
    compiles(&list_on("red", "t.repaid"));
    refused(&list_on("red", "t.overdue"), refusal::REWARD_SOURCE);
    refused(&list_on("red", "t.judgment"), refusal::REWARD_SOURCE);
}

#[test]
fn a_scorecard_may_not_reward_recent_activity_or_breaches() {
    // The longer since the last breach, the more points: allowed.
    compiles(&characteristic("days_since_last", "t.overdue", RISING));
    // The more recent the last repayment, the more points: keeping up activity.
    refused(
        &characteristic("days_since_last", "t.repaid", FALLING),
        refusal::VOLUME_REWARD,
    );
    // More breaches, more points; a more recent breach, more points.
    refused(
        &characteristic("count", "t.overdue", RISING),
        refusal::REWARD_SOURCE,
    );
    refused(
        &characteristic("days_since_last", "t.overdue", FALLING),
        refusal::REWARD_SOURCE,
    );
}

// --- Structure first: obligations, citations, contributions, caps, authorities -----------------

fn breach_with(obligation: &str) -> String {
    format!(
        r#"
[[category]]
id = "t.late"
title = "Invoice paid late"
context = "finance"
subjects = ["organisation"]
kind = "breach"
{obligation}
retention = "3y"
"#
    )
}

#[test]
fn a_breach_without_the_obligation_it_breaches_is_refused() {
    compiles(&breach_with(
        r#"obligation = "Civil Code of the PRC, art. 509""#,
    ));
    let d = refused(&breach_with(""), refusal::NO_OBLIGATION);
    assert!(d.iter().any(|d| d.message.contains("t.late")), "{d}");
}

#[test]
fn a_placeholder_basis_is_refused_everywhere() {
    for placeholder in ["N/A", "-", "", "TBD", "Civil Code"] {
        refused(
            &breach_with(&format!("obligation = {placeholder:?}")),
            refusal::PLACEHOLDER_BASIS,
        );
    }
    for placeholder in ["N/A", "-", " ", "TBD", "see above"] {
        let list = list_on_judgment(r#"case == "A-1""#);
        let ground = list.replace(
            r#"duration = "2y"
basis = "Test Law, art. 1""#,
            &format!("duration = \"2y\"\nbasis = {placeholder:?}"),
        );
        assert_ne!(ground, list);
        refused(&ground, refusal::PLACEHOLDER_BASIS);
    }
}

#[test]
fn a_reward_restoring_a_default_entitlement_is_refused() {
    let reward = |title: &str| {
        format!(
            r#"
[[list]]
id = "red"
title = "Good payers"
colour = "red"
subjects = ["person"]
context = "finance"
basis = "Test Law, art. 7"
exit = ["retraction"]

[[list.ground]]
id = "r"
title = "Repaid"
category = "t.repaid"
duration = "1y"
basis = "Test Law, art. 7"

[[measure]]
id = "m"
title = "{title}"
effect = "reward"
context = "finance"
on = {{ list = "red" }}
basis = "Test Law, art. 8"
relying_parties = ["railway"]
"#
        )
    };
    compiles(&reward("Deposit waived for rental bikes"));
    refused(
        &reward("Permission to buy ordinary tickets"),
        refusal::DEFAULT_ENTITLEMENT,
    );
}

#[test]
fn volume_caps_are_bounded_in_amount_and_frequency() {
    let cap = |points: i64, per: &str, gain: i64| {
        format!(
            r#"
[[scheme]]
id = "s"
title = "A scheme"
subjects = ["person"]
base = 500
min = 0
max = 1000
reward_only = true

[[scheme.rule]]
id = "v"
category = "t.volunteering"
points = {points}
validity = "1y"

[[scheme.cap]]
categories = ["t.volunteering"]
per = "{per}"
gain = {gain}
"#
        )
    };
    compiles(&cap(5, "year", 50));
    refused(&cap(5, "year", 1_000_000), refusal::VOLUME_REWARD);
    refused(&cap(1, "month", 31), refusal::VOLUME_REWARD);
    refused(&cap(1, "year", 100), refusal::VOLUME_REWARD);
}

#[test]
fn every_authority_reports_only_its_own_contexts() {
    use credence_policy::authority::{AUTHORITIES, authority};
    use credence_policy::{CategoryKind, Context};
    let police = authority("traffic-police").unwrap();
    assert!(police.may_report(Context::RoadSafety, CategoryKind::Breach));
    assert!(!police.may_report(Context::Consumption, CategoryKind::Breach));
    for a in AUTHORITIES {
        // No authority reports contributions and breaches both: whoever records a voluntary
        // act does not also police its absence.
        assert!(
            !(a.kinds.contains(&CategoryKind::Contribution)
                && a.kinds.iter().any(|k| k.may_penalise())),
            "{}",
            a.id
        );
    }
    // The sources file refuses the rest with this code (crates/registry/tests/adversarial_sources.rs).
    assert!(matches!(
        refusal::SOURCE_AUTHORITY,
        "refused-source-authority"
    ));
}

#[test]
fn an_inspection_score_is_no_laundered_credit_score() {
    let inspection = |title: &str| {
        format!(
            r#"
[[category]]
id = "t.inspection"
title = "{title}"
context = "food-safety"
subjects = ["organisation"]
kind = "adjudication"
obligation = "Food Safety Law of the PRC, art. 33"
retention = "3y"

[category.attributes]
hygiene_score = {{ type = "int", title = "Inspection score for hygiene", required = true }}
"#
        )
    };
    compiles(&inspection("Food hygiene inspection rating"));
    refused(
        &inspection("Personal credit score below 600"),
        refusal::RESTRICTION_ON_SCORE,
    );
}
