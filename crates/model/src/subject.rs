//! A subject as the engine sees it: its kind and, for a person, the birth date its identifier
//! carries (so that a minor is recognised). Nothing else about the subject reaches a standing.

use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::id::SubjectKind;

/// The facts about a subject that rules may depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectFacts {
    pub kind: SubjectKind,
    /// Known for persons identified by a resident id.
    pub birth: Option<Day>,
}

impl SubjectFacts {
    /// Age in whole years on `day`, when the birth date is known.
    pub fn age_on(&self, day: Day) -> Option<i32> {
        self.birth.map(|birth| day.years_since(birth))
    }

    /// Whether the subject is a person under 18 on `day`.
    pub fn is_minor_on(&self, day: Day) -> bool {
        self.kind == SubjectKind::Person && self.age_on(day).is_some_and(|age| age < 18)
    }
}
