//! The closed set of source authorities: who may report what.
//!
//! A source in the sources file names one of these authorities, and may report only categories
//! whose context and kind its authority may report: a court adjudicates, a lender reports loans
//! and repayments, a utility reports bills. No authority reports conduct it merely observed, so
//! no authority reports a kind of record outside its own dealings with the subject or its own
//! decisions about it, and a category cannot launder a context (a traffic offence declared
//! `consumption` has no authority that may report it). The set follows the national basic
//! catalogue of public credit information (NDRC, 2021): what may be collected, and from whom,
//! is a closed and published list; anything beyond it needs a law, and a change to this file.

use crate::compiled::{CategoryKind, Context};

/// One kind of body that may report records.
#[derive(Debug)]
pub struct Authority {
    pub id: &'static str,
    pub title: &'static str,
    /// The contexts its records may be in.
    pub contexts: &'static [Context],
    /// The kinds of record it may report.
    pub kinds: &'static [CategoryKind],
    /// Whether it may report consent to an opt-in scheme.
    pub consent: bool,
    /// The law under which the authority rates subjects in its own contexts and publishes those
    /// its rating puts in the lowest grade (the tax bureau's D-rated taxpayers), if it has one.
    /// Only such a mandate lets a list be grounded on a rating's grade: nowhere else does a
    /// points total put a subject on a list.
    pub rating_list: Option<&'static str>,
}

use CategoryKind::{Adjudication, Breach, Contribution, Fulfilment, Status};

/// Every authority a source may have.
pub const AUTHORITIES: &[Authority] = &[
    Authority {
        id: "court",
        title: "a people's court: adjudicates, and records the status of its enforcement cases",
        contexts: &[Context::Judicial],
        kinds: &[Adjudication, Status],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "tax-bureau",
        title: "a tax bureau: filings, assessments and its penalty decisions",
        contexts: &[Context::Tax],
        kinds: &[Breach, Fulfilment, Adjudication, Status],
        consent: false,
        rating_list: Some(
            "STA Measures for Tax Credit Management (Trial) (SAT Announcement 2014 No. 40), arts. 4 and 32(1): the tax bureau rates taxpayers' tax credit each year and publishes the D-rated (article numbers recalled; verify before use)",
        ),
    },
    Authority {
        id: "customs",
        title: "customs: declarations, duties and its penalty decisions",
        contexts: &[Context::Customs],
        kinds: &[Breach, Fulfilment, Adjudication, Status],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "market-regulator",
        title: "the market regulator: the business registry and its penalty decisions",
        contexts: &[Context::Market, Context::FoodSafety, Context::Consumption],
        kinds: &[Adjudication, Status],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "environment-bureau",
        title: "an environment bureau: its penalty decisions",
        contexts: &[Context::Environment],
        kinds: &[Adjudication, Status],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "traffic-police",
        title: "the traffic police: decided road-traffic violations",
        contexts: &[Context::RoadSafety],
        kinds: &[Breach, Adjudication],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "labour-inspectorate",
        title: "a labour inspectorate: its decisions on wages and labour contracts",
        contexts: &[Context::Labour],
        kinds: &[Adjudication],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "procurement-authority",
        title: "a public procurement authority: its decisions on bidders and contracts",
        contexts: &[Context::Procurement],
        kinds: &[Adjudication, Breach, Fulfilment],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "culture-tourism-bureau",
        title: "a culture and tourism bureau: its penalty decisions on operators",
        contexts: &[Context::Tourism, Context::Culture],
        kinds: &[Adjudication],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "lender",
        title: "a licensed lender: the loans it made and their repayment",
        contexts: &[Context::Finance],
        kinds: &[Breach, Fulfilment],
        consent: true,
        rating_list: None,
    },
    Authority {
        id: "utility",
        title: "a utility: the bills it issued and their payment",
        contexts: &[Context::Utilities],
        kinds: &[Breach, Fulfilment],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "volunteer-association",
        title: "a registered volunteer association: the service it organised",
        contexts: &[Context::Civic],
        kinds: &[Contribution],
        consent: false,
        rating_list: None,
    },
    Authority {
        id: "civic-office",
        title: "a civic office: commendations it awarded, and consent to a civic scheme",
        contexts: &[Context::Civic],
        kinds: &[Contribution],
        consent: true,
        rating_list: None,
    },
];

/// The authority whose mandate publishes the lowest grade of a rating in `context`, if any.
pub fn rating_list_mandate(context: Context) -> Option<&'static Authority> {
    AUTHORITIES
        .iter()
        .find(|a| a.rating_list.is_some() && a.contexts.contains(&context))
}

/// The authority with this id.
pub fn authority(id: &str) -> Option<&'static Authority> {
    AUTHORITIES.iter().find(|a| a.id == id)
}

impl Authority {
    /// Whether it may report records of this context and kind.
    pub fn may_report(&self, context: Context, kind: CategoryKind) -> bool {
        self.contexts.contains(&context) && self.kinds.contains(&kind)
    }

    /// What it may report, in words (`judicial adjudications and statuses`).
    pub fn reports(&self) -> String {
        let contexts: Vec<&str> = self.contexts.iter().map(|c| c.as_str()).collect();
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        format!(
            "{} records of kind {}",
            contexts.join(", "),
            kinds.join(", ")
        )
    }
}
