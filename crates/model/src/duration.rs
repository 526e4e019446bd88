//! Durations as the law writes them: `30d`, `10wd` (working days), `3mo`, `2y`.
//!
//! Calendar durations are kept in the unit they were written in, because "3 months" from
//! 31 January is not 90 days; adding one to a [`Day`] follows the calendar. Working days skip
//! Saturdays, Sundays and the public holidays of a [`Calendar`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::day::Day;

/// A period written in one unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duration {
    Days(u32),
    WorkingDays(u32),
    Months(u32),
    Years(u32),
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a duration: write a whole number and a unit, `30d` (days), `10wd` (working days), `3mo` (months) or `2y` (years)"
)]
pub struct DurationError(pub String);

/// Public holidays, for counting working days. Saturdays and Sundays are never working days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Sorted, without duplicates.
    holidays: Vec<Day>,
}

impl Calendar {
    pub fn new(mut holidays: Vec<Day>) -> Calendar {
        holidays.sort_unstable();
        holidays.dedup();
        Calendar { holidays }
    }

    pub fn is_working_day(&self, day: Day) -> bool {
        !day.is_weekend() && self.holidays.binary_search(&day).is_err()
    }

    /// The day `count` working days after `start` (the start day itself is not counted).
    pub fn add_working_days(&self, start: Day, count: u32) -> Day {
        let mut day = start;
        let mut left = count;
        while left > 0 {
            day = day.add_days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

impl Duration {
    /// The day this duration after `start`.
    pub fn after(self, start: Day, calendar: &Calendar) -> Day {
        match self {
            Duration::Days(n) => start.add_days(clamp_i32(n)),
            Duration::WorkingDays(n) => calendar.add_working_days(start, n),
            Duration::Months(n) => start.add_months(clamp_i32(n)),
            Duration::Years(n) => start.add_months(clamp_i32(n).saturating_mul(12)),
        }
    }

    /// A length in days that is never shorter than the duration from any start
    /// (used to bound look-back windows, never to compute a published date).
    pub fn days_upper_bound(self) -> u32 {
        match self {
            Duration::Days(n) => n,
            Duration::WorkingDays(n) => n.saturating_mul(2).saturating_add(14),
            Duration::Months(n) => n.saturating_mul(31),
            Duration::Years(n) => n.saturating_mul(366),
        }
    }

    /// Whether this duration is longer than `other` from every start.
    pub fn exceeds(self, other: Duration) -> bool {
        self.days_lower_bound() > other.days_upper_bound()
    }

    /// Whether this duration may be longer than `other` from some start: exact between
    /// months and years, conservative otherwise. Limits are checked with this, so that no
    /// unit can slip past them.
    pub fn may_exceed(self, other: Duration) -> bool {
        match (self.months(), other.months()) {
            (Some(a), Some(b)) => a > b,
            _ => self.days_upper_bound() > other.days_lower_bound(),
        }
    }

    /// Whole months, for durations written in months or years.
    pub fn months(self) -> Option<u32> {
        match self {
            Duration::Months(n) => Some(n),
            Duration::Years(n) => Some(n.saturating_mul(12)),
            Duration::Days(_) | Duration::WorkingDays(_) => None,
        }
    }

    fn days_lower_bound(self) -> u32 {
        match self {
            Duration::Days(n) | Duration::WorkingDays(n) => n,
            Duration::Months(n) => n.saturating_mul(28),
            Duration::Years(n) => n.saturating_mul(365),
        }
    }

    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let error = || DurationError(text.to_owned());
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(error)?;
        let (number, unit) = text.split_at(split);
        if number.is_empty() || number.len() > 6 {
            return Err(error());
        }
        let n: u32 = number.parse().map_err(|_| error())?;
        match unit {
            "d" => Ok(Duration::Days(n)),
            "wd" => Ok(Duration::WorkingDays(n)),
            "mo" => Ok(Duration::Months(n)),
            "y" => Ok(Duration::Years(n)),
            _ => Err(error()),
        }
    }
}

fn clamp_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duration::Days(n) => write!(f, "{n}d"),
            Duration::WorkingDays(n) => write!(f, "{n}wd"),
            Duration::Months(n) => write!(f, "{n}mo"),
            Duration::Years(n) => write!(f, "{n}y"),
        }
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Duration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        Day::parse(text).unwrap()
    }

    #[test]
    fn parses_every_unit_and_prints_it_back() {
        for text in ["30d", "10wd", "3mo", "2y", "0d"] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "", "d", "2", "2 y", "2yr", "-2y", "1.5y", "3m", "9999999d", "y2",
        ] {
            assert_eq!(
                Duration::parse(bad),
                Err(DurationError(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn calendar_durations_follow_the_calendar() {
        let none = Calendar::default();
        assert_eq!(
            Duration::Years(2).after(day("2024-02-29"), &none),
            day("2026-02-28")
        );
        assert_eq!(
            Duration::Months(3).after(day("2025-11-30"), &none),
            day("2026-02-28")
        );
        assert_eq!(
            Duration::Days(30).after(day("2026-01-15"), &none),
            day("2026-02-14")
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // 2026-11-20 is a Friday.
        let none = Calendar::default();
        assert_eq!(
            Duration::WorkingDays(1).after(day("2026-11-20"), &none),
            day("2026-11-23")
        );
        assert_eq!(
            Duration::WorkingDays(3).after(day("2026-11-20"), &none),
            day("2026-11-25")
        );
        let with_holiday = Calendar::new(vec![day("2026-11-23")]);
        assert_eq!(
            Duration::WorkingDays(1).after(day("2026-11-20"), &with_holiday),
            day("2026-11-24")
        );
    }

    #[test]
    fn comparison_is_conservative() {
        assert!(Duration::Years(11).exceeds(Duration::Years(10)));
        assert!(!Duration::Years(10).exceeds(Duration::Years(10)));
        assert!(!Duration::Months(120).exceeds(Duration::Years(10)));
        assert!(Duration::Days(3700).exceeds(Duration::Years(10)));
    }

    #[test]
    fn limits_hold_in_every_unit() {
        let ten_years = Duration::Years(10);
        assert!(Duration::Months(121).may_exceed(ten_years));
        assert!(!Duration::Months(120).may_exceed(ten_years));
        assert!(Duration::Days(3660).may_exceed(ten_years));
        assert!(!Duration::Days(3650).may_exceed(ten_years));
        assert!(Duration::WorkingDays(2700).may_exceed(ten_years));
        assert!(Duration::Months(37).may_exceed(Duration::Years(3)));
    }
}
