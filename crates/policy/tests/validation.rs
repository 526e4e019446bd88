//! Every validation error of the policy language, one case each: the smallest pack that makes
//! it, the code it must carry and a fragment of its message. Refusals have their own file.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a panic with its location is the failure report"
)]

use credence_policy::{PolicySource, compile};

const BASE: &str = r#"
[policy]
id = "base"
title = "Base"
authority = "Test"
version = "1"
basis = "Test"

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
case = { type = "text" }
severity = { type = "enum", values = ["minor", "serious"] }

[[category]]
id = "t.repaid"
title = "Loan repaid"
context = "finance"
subjects = ["person"]
kind = "fulfilment"
retention = "5y"

[[category]]
id = "t.org-only"
title = "Organisation status"
context = "market"
subjects = ["organisation"]
kind = "status"
retention = "1y"
"#;

const HEADER: &str =
    "[policy]\nid = \"test\"\ntitle = \"T\"\nauthority = \"T\"\nversion = \"1\"\nbasis = \"T\"\n";

const LIST: &str = r#"
[[list]]
id = "l"
title = "L"
colour = "black"
subjects = ["person"]
context = "finance"
basis = "B Law, art. 1"
exit = ["retraction"]

[[list.ground]]
id = "g"
title = "G"
category = "t.overdue"
duration = "2y"
basis = "B Law, art. 1"
"#;

const SCHEME: &str = r#"
[[scheme]]
id = "s"
title = "S"
subjects = ["person"]
base = 100
min = 0
max = 200

[[scheme.grade]]
grade = "A"
min = 100

[[scheme.grade]]
grade = "B"
min = 0
"#;

/// Asserts that `body` (after the base) fails with `code` and a message containing `fragment`.
fn fails(body: &str, code: &str, fragment: &str) {
    let sources = vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: format!("{HEADER}{body}"),
        },
    ];
    match compile(&sources) {
        Ok(_) => panic!("compiled, expected {code}:\n{body}"),
        Err(d) => assert!(
            d.iter()
                .any(|d| d.code == code && d.message.contains(fragment) && d.file == "test.toml"),
            "expected {code} with `{fragment}`, got:\n{d}\n{body}"
        ),
    }
}

fn compiles(body: &str) {
    let sources = vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: format!("{HEADER}{body}"),
        },
    ];
    if let Err(d) = compile(&sources) {
        panic!("expected to compile:\n{d}\n{body}");
    }
}

fn measure(effect: &str, on: &str, extra: &str) -> String {
    format!(
        "{LIST}{SCHEME}\n[[measure]]\nid = \"m\"\ntitle = \"M\"\neffect = \"{effect}\"\ncontext = \"finance\"\non = {on}\nbasis = \"B Law, art. 1\"\nrelying_parties = [\"bank\"]\n{extra}\n"
    )
}

fn category(fields: &str) -> String {
    format!("\n[[category]]\nid = \"t.x\"\ntitle = \"X\"\n{fields}\n")
}

const CATEGORY_OK: &str = "context = \"civic\"\nsubjects = [\"person\"]\nkind = \"breach\"\nobligation = \"Test Law, art. 2\"\nretention = \"1y\"";

#[test]
fn the_fixtures_compile() {
    compiles(LIST);
    compiles(SCHEME);
    compiles(&measure("restriction", "{ list = \"l\" }", ""));
    compiles(&measure(
        "reward",
        "{ scheme = \"s\", grades = [\"A\"] }",
        "",
    ));
    compiles(&category(CATEGORY_OK));
}

/// A pack of the base set plus `calendar`, compiled.
fn with_calendar(calendar: &str) -> Result<credence_policy::Policy, credence_policy::Diagnostics> {
    compile(&[
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: format!("{HEADER}{calendar}"),
        },
    ])
}

#[test]
fn a_calendar_year_declares_holidays_and_adjusted_working_days_with_its_source() {
    // 2026, from the State Council General Office's notice: Spring Festival 15-23 February,
    // Saturdays 14 and 28 February worked.
    let year = r#"
[[calendar]]
year = 2026
holidays = ["2026-02-15..2026-02-23"]
working_days = ["2026-02-14", "2026-02-28"]
source = "State Council General Office notice of 4 November 2025"
"#;
    let policy = with_calendar(year).unwrap();
    let day = |t: &str| credence_model::Day::parse(t).unwrap();
    assert!(policy.calendar.covers(2026) && !policy.calendar.covers(2027));
    assert!(policy.calendar.is_working_day(day("2026-02-14")));
    assert!(!policy.calendar.is_working_day(day("2026-02-20")));
    // From Friday 13 February, a 2-working-day period spans the festival: Saturday 14 February,
    // then Tuesday 24 February.
    assert_eq!(
        credence_model::Duration::WorkingDays(2)
            .last_day(day("2026-02-13"), &policy.calendar)
            .to_string(),
        "2026-02-24"
    );
    let pack = policy.packs.iter().find(|p| p.id == "test").unwrap();
    assert_eq!(pack.calendar[0].holidays.len(), 9);
    let catalogue = credence_policy::describe::describe(&policy);
    assert!(
        catalogue.contains("declared for the year 2026")
            && catalogue.contains("notice of 4 November 2025"),
        "{catalogue}"
    );

    // Every error, by code and message.
    for (calendar, fragment) in [
        (year.replace("year = 2026", "year = 20260"), "is not a year"),
        (format!("{year}{}", year), "declared twice"),
        (
            year.replace(
                "State Council General Office notice of 4 November 2025",
                " ",
            ),
            "names no source",
        ),
        (
            year.replace("2026-02-23\"]", "2027-01-01\"]"),
            "is not in 2026",
        ),
        (
            year.replace("2026-02-15..2026-02-23", "2026-02-23..2026-02-15"),
            "ends before it starts",
        ),
        (
            year.replace("\"2026-02-14\", ", "\"2026-02-16\", "),
            "is a weekday",
        ),
        (
            year.replace("\"2026-02-14\", ", "\"2026-02-15\", "),
            "both a holiday and a working day",
        ),
        (year.replace("2026-02-28", "2026-02-30"), "2026-02-30"),
    ] {
        let error = with_calendar(&calendar).unwrap_err();
        assert!(
            error.has("calendar") && error.iter().any(|d| d.message.contains(fragment)),
            "{fragment}: {error}"
        );
    }
}

#[test]
fn holidays_are_dates_and_working_days_skip_them() {
    let header = HEADER.replace(
        "basis = \"T\"\n",
        "basis = \"T\"\nholidays = [\"2026-10-01\", \"2026-10-02\"]\n",
    );
    let sources = vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: header.clone(),
        },
    ];
    let policy = compile(&sources).unwrap();
    let wednesday = credence_model::Day::parse("2026-09-30").unwrap();
    // 1 and 2 October are holidays, 3 and 4 a weekend: one working day later is 5 October,
    // the period's last day; it no longer runs on 6 October.
    let one = credence_model::Duration::WorkingDays(1);
    assert_eq!(
        one.last_day(wednesday, &policy.calendar).to_string(),
        "2026-10-05"
    );
    assert_eq!(
        one.after(wednesday, &policy.calendar).to_string(),
        "2026-10-06"
    );
    // A last day in days moves off the holidays and the weekend the same way (art. 203).
    assert_eq!(
        credence_model::Duration::Days(1)
            .last_day(wednesday, &policy.calendar)
            .to_string(),
        "2026-10-05"
    );
    let bad = vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: header.replace("2026-10-02", "2026-10-32"),
        },
    ];
    let error = compile(&bad).unwrap_err();
    assert!(
        error.has("holiday") && error.iter().any(|d| d.message.contains("2026-10-32")),
        "{error}"
    );
}

#[test]
fn document_errors() {
    fails(
        "[[category]]\nid = \"t.x\"\ntitel = \"X\"\n",
        "syntax",
        "unknown field `titel`",
    );
    fails("[[category]]\nid = \"t.x\"\n", "syntax", "missing field");
    fails(
        &category(&CATEGORY_OK.replace("1y", "1 year")),
        "duration",
        "not a duration",
    );
    fails(
        &category(&CATEGORY_OK.replace("[\"person\"]", "[\"citizen\"]")),
        "subject-kind",
        "`citizen` is not a subject kind",
    );
    fails(
        &category(&CATEGORY_OK.replace("[\"person\"]", "[]")),
        "subject-kind",
        "no subject kind",
    );
    fails(
        &category(&CATEGORY_OK.replace("civic", "gossip")),
        "unknown-context",
        "`gossip` is not a context",
    );
    fails(
        &category(&CATEGORY_OK.replace("breach", "misdeed")),
        "category-kind",
        "`misdeed` is not a category kind",
    );
    fails(
        &category(&format!(
            "{CATEGORY_OK}\n[category.attributes]\nn = {{ type = \"float\" }}"
        )),
        "attribute",
        "`float` is not an attribute type",
    );
    fails(
        &category(&format!(
            "{CATEGORY_OK}\n[category.attributes]\nn = {{ type = \"enum\" }}"
        )),
        "attribute",
        "lists no values",
    );
    fails(
        &category(&format!(
            "{CATEGORY_OK}\n[category.attributes]\nn = {{ type = \"int\", values = [\"a\"] }}"
        )),
        "attribute",
        "only for enum",
    );
    fails(
        &category(CATEGORY_OK).replace("t.x", "T X"),
        "id",
        "not a valid category id",
    );
    let attribute = |name: &str| {
        category(&format!(
            "{CATEGORY_OK}\n[category.attributes]\n{name} = {{ type = \"int\" }}"
        ))
    };
    compiles(&attribute("licence_points"));
    compiles(&attribute("_n2"));
    fails(
        &attribute("Points"),
        "attribute",
        "`Points` is not a valid attribute name",
    );
    fails(
        &attribute("\"on-time\""),
        "attribute",
        "`on-time` is not a valid attribute name",
    );
    fails(
        &attribute("2nd"),
        "attribute",
        "`2nd` is not a valid attribute name",
    );
    compiles(&attribute(&"n".repeat(32)));
    fails(
        &attribute(&"n".repeat(33)),
        "attribute",
        "is not a valid attribute name",
    );
    fails(
        &attribute("not"),
        "attribute",
        "word of the condition language",
    );
    for field in [
        "ref",
        "action",
        "subject",
        "category",
        "date",
        "target",
        "legacy_id",
        "kind",
        "birth_date",
        "attributes",
    ] {
        fails(
            &attribute(field),
            "attribute",
            &format!("`{field}` is a field of every intake row"),
        );
    }
    // A name that only starts like a row field is the author's own.
    compiles(&attribute("date_"));
    compiles(&attribute("kind_of_loan"));
    // `birth_date` is a row field; any other name for a birth date is refused by the lexicon.
    fails(
        &attribute("birth_date_"),
        "refused-special-category",
        "the subject's sex, age or origin",
    );
    let dispute = |answer: &str| category(&format!("{CATEGORY_OK}\ndispute_answer = \"{answer}\""));
    compiles(&dispute("1d"));
    compiles(&dispute("10wd"));
    compiles(&dispute("1y"));
    fails(
        &dispute("0d"),
        "duration",
        "`dispute_answer` `0d` is not between 1d and 1y",
    );
    fails(&dispute("0wd"), "duration", "not between");
    fails(&dispute("13mo"), "duration", "not between");
    fails(&dispute("400d"), "duration", "not between");
    fails(
        &category(CATEGORY_OK).replace("t.x", "t.overdue"),
        "duplicate",
        "defined twice",
    );
}

#[test]
fn a_syntax_error_points_to_the_reference() {
    let sources = vec![PolicySource {
        name: "test.toml".into(),
        text: format!("{HEADER}[[category]]\nid = \"t.x\"\ntitel = \"X\"\n"),
    }];
    let error = compile(&sources).unwrap_err();
    let diagnostic = error.iter().next().unwrap();
    assert_eq!(diagnostic.code, "syntax");
    assert!(
        diagnostic
            .help
            .as_deref()
            .is_some_and(|h| h.contains("docs/policy-language.md")),
        "{error}"
    );
}

#[test]
fn the_catalogue_writes_cap_periods_in_words() {
    let body = format!(
        "{SCHEME}\n[[scheme.cap]]\ncategories = [\"t.repaid\"]\nper = \"year\"\ngain = 5\n\n[[scheme.cap]]\ncategories = [\"t.overdue\"]\nper = \"ever\"\nloss = 50\n"
    );
    let sources = vec![
        PolicySource {
            name: "base.toml".into(),
            text: BASE.into(),
        },
        PolicySource {
            name: "test.toml".into(),
            text: format!("{HEADER}{body}"),
        },
    ];
    let catalogue = credence_policy::describe::describe(&compile(&sources).unwrap());
    assert!(
        catalogue.contains("- cap per year on t.repaid: at most +5\n"),
        "{catalogue}"
    );
    assert!(
        catalogue.contains("- cap per ever on t.overdue: at most -50\n"),
        "{catalogue}"
    );
}

#[test]
fn condition_errors() {
    let with = |when: &str| {
        LIST.replace(
            "duration = \"2y\"",
            &format!("when = '{when}'\nduration = \"2y\""),
        )
    };
    compiles(&with("amount >= 100.50 and severity == \"serious\""));
    fails(&with("amont > 1"), "condition", "no attribute `amont`");
    fails(&with("amount > \"x\""), "condition", "amount of money");
    fails(
        &with("severity == \"grave\""),
        "condition",
        "not a value of `severity`",
    );
    fails(
        &with("case < \"A\""),
        "condition",
        "only be compared with `==` or `!=`",
    );
    fails(&with("amount"), "condition", "not a bool attribute");
    fails(&with("amount >"), "condition", "expected a value");
}

#[test]
fn scheme_errors() {
    fails(
        &SCHEME.replace("base = 100", "base = 300"),
        "scheme",
        "outside the scheme's range",
    );
    fails(
        &SCHEME.replace("min = 100", "min = -5"),
        "grade",
        "must fall",
    );
    fails(
        &SCHEME.replace("min = 100", "min = 500"),
        "grade",
        "more than the maximum",
    );
    fails(
        &format!(
            "{SCHEME}\n[[scheme.rule]]\nid = \"r\"\ncategory = \"t.org-only\"\npoints = -5\nvalidity = \"1y\"\n"
        ),
        "rule",
        "never applies",
    );
    fails(
        &format!(
            "{SCHEME}\n[[scheme.rule]]\nid = \"r\"\ncategory = \"t.overdue\"\npoints = -5\nvalidity = \"6y\"\n"
        ),
        "validity",
        "outlives",
    );
    fails(
        &format!(
            "{SCHEME}\n[[scheme.rule]]\nid = \"r\"\ncategory = \"t.overdu\"\npoints = -5\nvalidity = \"1y\"\n"
        ),
        "unknown-category",
        "no category `t.overdu`",
    );
    fails(
        &format!(
            "{SCHEME}\n[[scheme.cap]]\ncategories = [\"t.repaid\"]\nper = \"decade\"\ngain = 5\n"
        ),
        "cap",
        "not a cap period",
    );
    fails(
        &format!("{SCHEME}\n[[scheme.cap]]\ncategories = [\"t.repaid\"]\nper = \"year\"\n"),
        "cap",
        "needs `gain`",
    );
    fails(
        &format!(
            "{SCHEME}\n[[scheme.direct]]\ngrade = \"Z\"\ncategory = \"t.overdue\"\nbasis = \"B Law, art. 1\"\n"
        ),
        "grade",
        "no grade `Z`",
    );
    let direct = |fields: &str| {
        format!("{SCHEME}\n[[scheme.direct]]\ngrade = \"B\"\nbasis = \"B Law, art. 1\"\n{fields}\n")
    };
    compiles(&direct("category = \"t.overdue\"\nvalidity = \"5y\""));
    fails(
        &direct("category = \"t.repaid\""),
        "direct",
        "a fulfilment (`t.repaid`) cannot set a grade directly",
    );
    fails(
        &direct("category = \"t.overdue\"\nvalidity = \"6y\""),
        "validity",
        "validity `6y` outlives the category's retention `5y`",
    );
    fails(
        &direct("category = \"t.overdue\"\nvalidity = \"1900d\""),
        "validity",
        "outlives",
    );
    fails(
        &SCHEME.replace("base = 100", "base = 100\nconsent = \"maybe\""),
        "consent",
        "not a consent rule",
    );
    fails(
        &SCHEME
            .replace("[[scheme]]", "[[rating]]")
            .replace("[[scheme.grade]]", "[[rating.grade]]"),
        "rating",
        "organisations only",
    );
}

#[test]
fn scorecard_errors() {
    let card = |characteristic: &str, bands: &str| {
        format!(
            "\n[[scorecard]]\nid = \"c\"\ntitle = \"C\"\nsubjects = [\"person\"]\nbase = 300\nrange = [300, 900]\n\n[[scorecard.characteristic]]\nid = \"x\"\ntitle = \"X\"\ncategories = [\"t.overdue\"]\nreason = {{ code = \"R1\", text = \"R\" }}\n{characteristic}\n{bands}"
        )
    };
    let ok_bins = "bins = [{ upto = 0, points = 100 }, { points = 0 }]";
    let band = "[[scorecard.band]]\ngrade = \"good\"\nmin = 600\n\n[[scorecard.band]]\ngrade = \"poor\"\nmin = 300\n";
    compiles(&card(&format!("measure = \"count\"\n{ok_bins}"), band));
    fails(
        &card(&format!("measure = \"median\"\n{ok_bins}"), band),
        "scorecard",
        "not a measurement",
    );
    fails(
        &card(&format!("measure = \"sum\"\n{ok_bins}"), band),
        "scorecard",
        "needs `attribute`",
    );
    fails(
        &card(
            "measure = \"count\"\nbins = [{ points = 100 }, { upto = 3, points = 0 }]",
            band,
        ),
        "scorecard",
        "only the last bin",
    );
    fails(
        &card(
            "measure = \"count\"\nbins = [{ upto = 3, points = 100 }, { upto = 1, points = 50 }, { points = 0 }]",
            band,
        ),
        "scorecard",
        "increasing order",
    );
    fails(
        &card("measure = \"count\"\nbins = []", band),
        "scorecard",
        "needs bins",
    );
    // `sum` adds up numbers and amounts of money only.
    compiles(&card(
        &format!("measure = \"sum\"\nattribute = \"amount\"\n{ok_bins}"),
        band,
    ));
    fails(
        &card(
            &format!("measure = \"sum\"\nattribute = \"severity\"\n{ok_bins}"),
            band,
        ),
        "scorecard",
        "`sum` cannot add up `severity`: it is of type `enum` in `t.overdue`",
    );
    fails(
        &card(
            &format!("measure = \"sum\"\nattribute = \"case\"\n{ok_bins}"),
            band,
        ),
        "scorecard",
        "cannot add up `case`: it is of type `text`",
    );
    // `attribute` is read only by `sum`.
    fails(
        &card(
            &format!("measure = \"count\"\nattribute = \"amount\"\n{ok_bins}"),
            band,
        ),
        "scorecard",
        "`attribute` `amount` is read only by `sum`",
    );
    // A window no longer than the retention of each category.
    compiles(&card(
        &format!("measure = \"count\"\nwindow = \"5y\"\n{ok_bins}"),
        band,
    ));
    fails(
        &card(
            &format!("measure = \"count\"\nwindow = \"6y\"\n{ok_bins}"),
            band,
        ),
        "scorecard",
        "window `6y` outlives the retention `5y` of `t.overdue`",
    );
    fails(
        &card(
            &format!("measure = \"days_since_last\"\nwindow = \"2y\"\n{ok_bins}"),
            band,
        )
        .replace("[\"t.overdue\"]", "[\"t.overdue\", \"t.org-only\"]")
        .replace("[\"person\"]", "[\"organisation\"]"),
        "scorecard",
        "window `2y` outlives the retention `1y` of `t.org-only`",
    );
    // Fulfilled obligations may not cost points; status records may not be scored at all.
    let rising = "bins = [{ upto = 0, points = 0 }, { points = 100 }]";
    let on = |category: &str, characteristic: &str| {
        card(characteristic, band).replace("[\"t.overdue\"]", &format!("[\"{category}\"]"))
    };
    compiles(&on(
        "t.repaid",
        &format!("measure = \"days_since_first\"\n{rising}"),
    ));
    compiles(&on(
        "t.repaid",
        "measure = \"count\"\nbins = [{ upto = 0, points = 50 }, { points = 50 }]",
    ));
    fails(
        &on("t.repaid", &format!("measure = \"count\"\n{ok_bins}")),
        "scorecard",
        "characteristic `x` gives fewer points for more fulfilled obligations",
    );
    fails(
        &on(
            "t.org-only",
            &format!("measure = \"days_since_last\"\n{rising}"),
        )
        .replace("[\"person\"]", "[\"organisation\"]"),
        "scorecard",
        "status records describe the subject and may not be scored",
    );
    // A characteristic reads records about the subjects the scorecard scores.
    compiles(
        &card(&format!("measure = \"count\"\n{ok_bins}"), band)
            .replace("[\"person\"]", "[\"organisation\"]"),
    );
    fails(
        &on(
            "t.repaid",
            &format!("measure = \"days_since_first\"\n{rising}"),
        )
        .replace("[\"person\"]", "[\"organisation\"]"),
        "scorecard",
        "`t.repaid` records are about persons, and the scorecard scores organisations",
    );
    fails(
        &card(
            &format!("measure = \"count\"\n{ok_bins}"),
            &band.replace("min = 600", "min = 1000"),
        ),
        "grade",
        "outside the range",
    );
    fails(
        &card(
            &format!("measure = \"count\"\n{ok_bins}"),
            &band.replace("min = 600\n", ""),
        ),
        "grade",
        "needs its cut-off",
    );
}

#[test]
fn list_errors() {
    fails(
        &LIST.replace("colour = \"black\"", "colour = \"grey\""),
        "list",
        "not a list colour",
    );
    fails(
        &LIST.replace(
            "exit = [\"retraction\"]",
            "exit = [\"retraction\", \"prayer\"]",
        ),
        "list",
        "not an exit",
    );
    fails(
        &LIST.replace("exit = [\"retraction\"]", "exit = [\"repair\"]"),
        "list",
        "retracted",
    );
    fails(
        &LIST.replace("duration = \"2y\"", "duration = \"until-performed\""),
        "ground",
        "needs \"performance\"",
    );
    fails(
        &LIST.replace(
            "duration = \"2y\"",
            "duration = \"2y\"\nrepair_after = \"3mo\"",
        ),
        "ground",
        "needs \"repair\"",
    );
    fails(
        &LIST.replace("duration = \"2y\"", "duration = \"2y\"\nextendable = true"),
        "ground",
        "needs the list's `extension`",
    );
    fails(
        &LIST.replace("duration = \"2y\"", "duration = \"6y\""),
        "ground",
        "outlives",
    );
    // `extendable` lengthens a fixed duration; `until-performed` has none.
    let extendable = |duration: &str| {
        LIST.replace(
            "exit = [\"retraction\"]",
            "exit = [\"retraction\", \"performance\"]\nextension = { min = \"1y\", max = \"3y\", basis = \"B Law, art. 1\" }",
        )
        .replace(
            "duration = \"2y\"",
            &format!("duration = \"{duration}\"\nextendable = true"),
        )
    };
    compiles(&extendable("2y"));
    fails(
        &extendable("until-performed"),
        "ground",
        "ground `g` lasts `until-performed`, which no extension lengthens",
    );
    // A ground reads records about the subjects the list holds.
    let organisations = LIST.replace("subjects = [\"person\"]", "subjects = [\"organisation\"]");
    compiles(&organisations);
    fails(
        &format!(
            "{}{}",
            category(CATEGORY_OK),
            organisations
                .replace("category = \"t.overdue\"", "category = \"t.x\"")
                .replace("duration = \"2y\"", "duration = \"1y\"")
        ),
        "ground",
        "`t.x` records are about persons, and the list holds organisations: ground `g` never applies",
    );
    fails(
        &LIST.replace("category = \"t.overdue\"", "category = \"t.repaid\""),
        "ground",
        "black-list grounds",
    );
    fails(
        &LIST.replace(
            "exit = [\"retraction\"]",
            "exit = [\"retraction\"]\nextension = { min = \"30d\", max = \"3y\", basis = \"B Law, art. 1\" }",
        ),
        "list",
        "months or years",
    );
    fails(
        &LIST.replace(
            "exit = [\"retraction\"]",
            "exit = [\"retraction\"]\nextension = { min = \"3y\", max = \"1y\", basis = \"B Law, art. 1\" }",
        ),
        "list",
        "longer than its maximum",
    );
    let bar = |fields: &str| {
        format!(
            "{LIST}\n[[list.bar]]\nid = \"b\"\ntitle = \"B\"\nbasis = \"B Law, art. 1\"\n{fields}\n"
        )
    };
    fails(&bar(""), "bar", "needs `minor = true` or a `category`");
    fails(
        &bar("minor = false"),
        "bar",
        "needs `minor = true` or a `category`",
    );
    // Settings that a bar would ignore.
    compiles(&bar("minor = true"));
    compiles(&bar(
        "category = \"t.overdue\"\nsame = \"case\"\nwhen = \"amount > 0\"",
    ));
    fails(
        &bar("minor = true\ncategory = \"t.overdue\""),
        "bar",
        "bar `b` has `minor = true` and `category`",
    );
    fails(
        &bar("minor = true\nwhen = \"amount > 0\""),
        "bar",
        "has `minor = true` and `when`",
    );
    fails(
        &bar("same = \"case\""),
        "bar",
        "`same` of bar `b` reads the records of a `category`, and the bar has none",
    );
    fails(
        &bar("when = \"amount > 0\""),
        "bar",
        "`when` of bar `b` reads the records of a `category`",
    );
    fails(
        &format!(
            "{LIST}\n[[list.bar]]\nid = \"b\"\ntitle = \"B\"\nbasis = \"B Law, art. 1\"\ncategory = \"t.repaid\"\nsame = \"case\"\n"
        ),
        "condition",
        "has no attribute `case`",
    );
    let grounds_start = LIST.find("[[list.ground]]").unwrap();
    fails(&LIST[..grounds_start], "list", "has no grounds");
}

#[test]
fn measure_errors() {
    fails(
        &measure("punishment", "{ list = \"l\" }", ""),
        "measure",
        "not an effect",
    );
    fails(
        &measure("restriction", "{ list = \"nope\" }", ""),
        "measure",
        "no list `nope`",
    );
    fails(
        &measure("reward", "{ scheme = \"nope\", grades = [\"A\"] }", ""),
        "measure",
        "no scheme, rating or scorecard",
    );
    fails(
        &measure("reward", "{ scheme = \"s\", grades = [\"Z\"] }", ""),
        "measure",
        "no grade `Z`",
    );
    fails(
        &measure(
            "reward",
            "{ scheme = \"s\", grades = [\"A\"], score_at_least = 5 }",
            "",
        ),
        "measure",
        "triggered by a list",
    );
    fails(
        &measure("restriction", "{ list = \"l\", grounds = [\"h\"] }", ""),
        "measure",
        "no ground `h`",
    );
    fails(
        &measure("restriction", "{ list = \"l\", grounds = [] }", ""),
        "measure",
        "at least one ground",
    );
    fails(
        &measure(
            "reward",
            "{ scheme = \"s\", grades = [\"A\"], grounds = [\"g\"] }",
            "",
        ),
        "measure",
        "only narrows a list trigger",
    );
    fails(
        &measure("restriction", "{ list = \"l\" }", "")
            .replace("relying_parties = [\"bank\"]", "relying_parties = []"),
        "measure",
        "relying parties",
    );
    fails(
        &measure("restriction", "{ list = \"l\" }", "").replace(
            "basis = \"B Law, art. 1\"\nrelying",
            "basis = \" \"\nrelying",
        ),
        "measure",
        "needs its legal basis",
    );
    fails(
        &measure(
            "restriction",
            "{ list = \"l\" }",
            "extends_to = { to = \"legal-representative\", basis = \"B Law, art. 1\" }",
        ),
        "measure",
        "only measures on organisations",
    );
    fails(
        &measure("restriction", "{ list = \"l\" }", "")
            .replace("colour = \"black\"", "colour = \"red\"")
            .replace("t.overdue", "t.repaid"),
        "measure",
        "red list",
    );
    compiles(
        &measure("reward", "{ list = \"l\" }", "")
            .replace("colour = \"black\"", "colour = \"red\"")
            .replace("t.overdue", "t.repaid"),
    );
    fails(
        &measure("reward", "{ list = \"l\" }", ""),
        "measure",
        "a reward cannot bind to the black list `l`",
    );
}

#[test]
fn opt_in_scoring_declares_an_age_of_majority() {
    let opt_in = SCHEME.replace("max = 200", "max = 200\nconsent = \"opt-in\"");
    fails(&opt_in, "consent", "declares no `min_age`");
    fails(
        &opt_in.replace("consent = \"opt-in\"", "consent = \"opt-in\"\nmin_age = 12"),
        "consent",
        "binds only from 18",
    );
    compiles(&opt_in.replace("consent = \"opt-in\"", "consent = \"opt-in\"\nmin_age = 18"));
    // A scheme without consent may still declare one, and it must be an age.
    fails(
        &SCHEME.replace("max = 200", "max = 200\nmin_age = -1"),
        "scheme",
        "is not an age",
    );
    let card = "\n[[scorecard]]\nid = \"c\"\ntitle = \"C\"\nsubjects = [\"person\"]\nbase = 300\nrange = [300, 900]\nconsent = \"opt-in\"\n";
    fails(card, "consent", "declares no `min_age`");
    compiles(&format!("{card}min_age = 18\n"));
}

#[test]
fn a_rating_needs_records_of_known_categories() {
    fails(
        &SCHEME.replace("max = 200", "max = 200\nneeds_records = [\"t.nope\"]"),
        "unknown-category",
        "t.nope",
    );
    fails(
        &SCHEME.replace("max = 200", "max = 200\nneeds_records = []"),
        "scheme",
        "names no category",
    );
    compiles(&SCHEME.replace("max = 200", "max = 200\nneeds_records = [\"t.overdue\"]"));
}

#[test]
fn bars_name_grounds_of_their_list() {
    let bar =
        "\n[[list.bar]]\nid = \"b\"\ntitle = \"B\"\nbasis = \"B\"\ncategory = \"t.org-only\"\n";
    fails(
        &format!("{LIST}{bar}grounds = [\"nope\"]\n"),
        "bar",
        "names ground `nope`",
    );
    fails(
        &format!("{LIST}{bar}grounds = []\n"),
        "bar",
        "applies to no ground",
    );
    compiles(&format!("{LIST}{bar}grounds = [\"g\"]\n"));
}

#[test]
fn a_black_list_suspends_rewards_with_a_basis() {
    let reward = "\n[[measure]]\nid = \"r\"\ntitle = \"R\"\neffect = \"reward\"\ncontext = \"finance\"\non = { scheme = \"s\", grades = [\"A\"] }\nbasis = \"B\"\nrelying_parties = [\"bank\"]\n";
    let with = |suspends: &str| {
        format!(
            "{}{SCHEME}{reward}",
            LIST.replace(
                "exit = [\"retraction\"]",
                &format!("exit = [\"retraction\"]\nsuspends = {suspends}")
            )
        )
    };
    compiles(&with("{ rewards = \"all\", basis = \"Joint punishment\" }"));
    compiles(&with("{ rewards = [\"r\"], basis = \"Joint punishment\" }"));
    fails(
        &with("{ rewards = [\"nope\"], basis = \"B\" }"),
        "list",
        "no reward measure `nope`",
    );
    fails(
        &with("{ rewards = \"every\", basis = \"B\" }"),
        "list",
        "write \"all\"",
    );
    fails(
        &with("{ rewards = \"all\", basis = \" \" }"),
        "list",
        "needs the legal basis",
    );
    let restriction = "\n[[measure]]\nid = \"x\"\ntitle = \"X\"\neffect = \"restriction\"\ncontext = \"finance\"\non = { list = \"l\" }\nbasis = \"B\"\nrelying_parties = [\"bank\"]\n";
    fails(
        &format!(
            "{}{restriction}",
            with("{ rewards = [\"x\"], basis = \"B\" }")
        ),
        "list",
        "is a restriction",
    );
}

#[test]
fn deadlines_have_a_duration_and_a_basis() {
    let deadline = "\n[[deadline]]\nid = \"appeal\"\ntitle = \"Appeal\"\nwithin = \"21d\"\nfrom = \"notification\"\nbasis = \"Act s.3\"\n";
    compiles(deadline);
    fails(&deadline.replace("21d", "3 weeks"), "duration", "3 weeks");
    fails(
        &deadline.replace("Act s.3", " "),
        "deadline",
        "needs its legal basis",
    );
    fails(&format!("{deadline}{deadline}"), "duplicate", "appeal");
}

#[test]
fn an_extensions_condition_reads_each_extendable_grounds_record() {
    let with = |when: &str| {
        LIST.replace(
            "exit = [\"retraction\"]",
            &format!(
                "exit = [\"retraction\"]\nextension = {{ min = \"1y\", max = \"3y\", when = '{when}', basis = \"B\" }}"
            ),
        )
        .replace("duration = \"2y\"", "duration = \"2y\"\nextendable = true")
    };
    compiles(&with("severity == \"serious\""));
    fails(
        &with("aggravated"),
        "condition",
        "no attribute `aggravated`",
    );
    fails(&with("amount"), "condition", "not a bool attribute");
}
