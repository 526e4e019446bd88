//! Durations as the law writes them: `30d`, `10wd` (working days), `3mo`, `2y`.
//!
//! Calendar durations are kept in the unit they were written in, because "3 months" from
//! 31 January is not 90 days; adding one to a [`Day`] follows the calendar. Working days skip
//! Saturdays, Sundays and the public holidays of a [`Calendar`].
//!
//! A period is counted as the PRC Civil Code counts it (arts. 201-203): the start day is not
//! counted; a period in months or years ends on the corresponding day of its last month, or
//! that month's last day when it has none; a last day that is not a working day moves to the
//! next working day; and the period runs to the end of its last day, so the first day it no
//! longer runs is the day after.

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

/// The rest days and working days of the calendar periods are counted in: Saturdays and
/// Sundays, the public holidays the State Council's annual notice sets, and the Saturdays and
/// Sundays that notice makes working days (调休).
///
/// A calendar knows the years whose notice it holds ([`Calendar::covers`]); outside them, only
/// the holidays it was given (none, usually) and Saturdays and Sundays are rest days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Sorted, without duplicates.
    holidays: Vec<Day>,
    /// Saturdays and Sundays that are working days (调休). Sorted, without duplicates.
    working_days: Vec<Day>,
    /// The years whose whole schedule the calendar holds. Sorted, without duplicates.
    years: Vec<i32>,
}

impl Calendar {
    /// A calendar of public holidays only (no adjusted working days, no year known in full).
    pub fn new(holidays: Vec<Day>) -> Calendar {
        Calendar::with_schedule(holidays, Vec::new(), Vec::new())
    }

    /// A calendar with the holidays and adjusted working days of the `years` it holds in full.
    /// A day that is given both as a holiday and as a working day is a holiday.
    pub fn with_schedule(
        mut holidays: Vec<Day>,
        mut working_days: Vec<Day>,
        mut years: Vec<i32>,
    ) -> Calendar {
        holidays.sort_unstable();
        holidays.dedup();
        working_days.sort_unstable();
        working_days.dedup();
        working_days.retain(|d| holidays.binary_search(d).is_err());
        years.sort_unstable();
        years.dedup();
        Calendar {
            holidays,
            working_days,
            years,
        }
    }

    pub fn is_working_day(&self, day: Day) -> bool {
        if self.holidays.binary_search(&day).is_ok() {
            return false;
        }
        !day.is_weekend() || self.working_days.binary_search(&day).is_ok()
    }

    /// Whether the calendar holds the State Council's schedule for `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.binary_search(&year).is_ok()
    }

    /// The years whose schedule the calendar holds, in order.
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// `day` itself when it is a working day, otherwise the next working day (Civil Code
    /// art. 203: a last day that is a holiday moves to the day after the holiday).
    pub fn working_day_from(&self, day: Day) -> Day {
        let mut day = day;
        while !self.is_working_day(day) && day.0 < i32::MAX {
            day = day.add_days(1);
        }
        day
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
    /// The first day a period of this duration from `start` no longer runs: the day after its
    /// [last day](Duration::last_day). A zero duration has no day: it ends on `start`.
    pub fn after(self, start: Day, calendar: &Calendar) -> Day {
        self.after_extended(start, 0, calendar)
    }

    /// The last day of a period of this duration from `start` (Civil Code arts. 201-203):
    /// the start day is not counted, months and years end on the corresponding day (or the
    /// month's last day), and a last day that is not a working day moves to the next working
    /// day. For a zero duration, the day before `start` (the period has no day).
    pub fn last_day(self, start: Day, calendar: &Calendar) -> Day {
        self.after(start, calendar).add_days(-1)
    }

    /// [`Duration::after`] for this duration lengthened by `months` (a list entry's
    /// extension): the months are added to the corresponding day of the duration, and only the
    /// last day of the whole period moves off a holiday.
    pub fn after_extended(self, start: Day, months: u32, calendar: &Calendar) -> Day {
        let corresponding = match self {
            Duration::Days(n) => start.add_days(clamp_i32(n)),
            Duration::WorkingDays(n) => calendar.add_working_days(start, n),
            Duration::Months(n) => start.add_months(clamp_i32(n)),
            Duration::Years(n) => start.add_months(clamp_i32(n).saturating_mul(12)),
        };
        if months == 0 {
            period_end(start, corresponding, calendar)
        } else {
            period_end(start, corresponding.add_months(clamp_i32(months)), calendar)
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

/// The first day a period from `start` whose corresponding day is `corresponding` no longer
/// runs: the day after the corresponding day moved to a working day. A period with no day
/// (`corresponding` is `start`) ends on `start`.
#[inline]
pub fn period_end(start: Day, corresponding: Day, calendar: &Calendar) -> Day {
    if corresponding <= start {
        return corresponding;
    }
    calendar.working_day_from(corresponding).add_days(1)
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

    /// The last day a period counts and the first day it no longer runs.
    fn period(duration: &str, start: &str, calendar: &Calendar) -> (String, String) {
        let duration = Duration::parse(duration).unwrap();
        (
            duration.last_day(day(start), calendar).to_string(),
            duration.after(day(start), calendar).to_string(),
        )
    }

    fn expect(duration: &str, start: &str, last: &str, end: &str, calendar: &Calendar) {
        assert_eq!(
            period(duration, start, calendar),
            (last.to_owned(), end.to_owned()),
            "{duration} from {start}"
        );
    }

    #[test]
    fn the_start_day_is_not_counted_and_the_last_day_is() {
        // Civil Code art. 201: 30 days from 14 January 2026 are 15 January to 13 February
        // (a Friday); the period runs to the end of 13 February (art. 203), so it no longer
        // runs on 14 February.
        let none = Calendar::default();
        expect("30d", "2026-01-14", "2026-02-13", "2026-02-14", &none);
        expect("1d", "2024-03-14", "2024-03-15", "2024-03-16", &none);
        // From 15 January the 30th day is Saturday 14 February: the last day is Monday.
        expect("30d", "2026-01-15", "2026-02-16", "2026-02-17", &none);
    }

    #[test]
    fn months_and_years_end_on_the_corresponding_day_or_the_last_day_of_the_month() {
        // Civil Code art. 202; none of these last days is a Saturday, Sunday or holiday.
        let none = Calendar::default();
        expect("1mo", "2024-01-31", "2024-02-29", "2024-03-01", &none);
        expect("3mo", "2023-11-30", "2024-02-29", "2024-03-01", &none);
        expect("1y", "2024-02-29", "2025-02-28", "2025-03-01", &none);
        expect("13mo", "2024-01-31", "2025-02-28", "2025-03-01", &none);
        expect("1y", "2024-03-15", "2025-03-17", "2025-03-18", &none);
        // Year end: the period runs through 31 December and no longer on 1 January.
        expect("1y", "2023-12-31", "2024-12-31", "2025-01-01", &none);
        expect("12mo", "2024-12-31", "2025-12-31", "2026-01-01", &none);
        expect("1mo", "2025-11-30", "2025-12-30", "2025-12-31", &none);
    }

    #[test]
    fn a_last_day_on_a_rest_day_or_holiday_moves_to_the_next_working_day() {
        // Civil Code art. 203. 2026-01-10 is a Saturday: a 2-year period from 2024-01-10
        // ends on Monday 2026-01-12 and no longer runs on Tuesday 2026-01-13.
        let none = Calendar::default();
        expect("2y", "2024-01-10", "2026-01-12", "2026-01-13", &none);
        expect("2y", "2024-02-29", "2026-03-02", "2026-03-03", &none);
        expect("3mo", "2025-11-30", "2026-03-02", "2026-03-03", &none);
        // A holiday, and a holiday run that joins a weekend: 1-3 October 2026 are holidays,
        // 3-4 October a weekend.
        let national_day = Calendar::new(vec![
            day("2026-10-01"),
            day("2026-10-02"),
            day("2026-10-03"),
        ]);
        expect(
            "1mo",
            "2026-09-01",
            "2026-10-05",
            "2026-10-06",
            &national_day,
        );
        expect("1mo", "2026-09-01", "2026-10-01", "2026-10-02", &none);
        // Year end on a holiday: New Year's Day 2025 is a Wednesday.
        let new_year = Calendar::new(vec![day("2025-01-01")]);
        expect("1y", "2024-01-01", "2025-01-02", "2025-01-03", &new_year);
        expect("1y", "2023-12-31", "2024-12-31", "2025-01-01", &new_year);
        // A holiday inside the period changes nothing: only the last day moves.
        expect(
            "30d",
            "2026-09-20",
            "2026-10-20",
            "2026-10-21",
            &national_day,
        );
    }

    #[test]
    fn an_extension_is_added_before_the_last_day_moves() {
        // 2y from 2024-01-10 ends on a Saturday, but a 1-year extension is counted from the
        // corresponding day, not from the Monday it would have moved to.
        let none = Calendar::default();
        assert_eq!(
            Duration::Years(2).after_extended(day("2024-01-10"), 12, &none),
            Duration::Years(3).after(day("2024-01-10"), &none)
        );
        assert_eq!(
            Duration::Years(2)
                .after_extended(day("2024-01-10"), 12, &none)
                .to_string(),
            "2027-01-12"
        );
    }

    #[test]
    fn a_zero_duration_has_no_day() {
        let none = Calendar::default();
        for zero in ["0d", "0wd", "0mo", "0y"] {
            // 2026-01-10 is a Saturday: nothing moves a period that has no last day.
            assert_eq!(period(zero, "2026-01-10", &none).1, "2026-01-10", "{zero}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // 2026-11-20 is a Friday. `1wd` is one working day not counting the start day: Monday
        // 2026-11-23 is that day, the last one, and the period no longer runs on Tuesday.
        let none = Calendar::default();
        expect("1wd", "2026-11-20", "2026-11-23", "2026-11-24", &none);
        expect("3wd", "2026-11-20", "2026-11-25", "2026-11-26", &none);
        let with_holiday = Calendar::new(vec![day("2026-11-23")]);
        expect(
            "1wd",
            "2026-11-20",
            "2026-11-24",
            "2026-11-25",
            &with_holiday,
        );
        // The count itself is unchanged: the last day is the n-th working day after the start.
        for n in [1u32, 3, 10, 15] {
            assert_eq!(
                Duration::WorkingDays(n).last_day(day("2026-11-20"), &with_holiday),
                with_holiday.add_working_days(day("2026-11-20"), n)
            );
        }
    }

    #[test]
    fn adjusted_working_days_count_and_do_not_move_a_last_day() {
        // 2026 (State Council General Office notice of 4 November 2025): Spring Festival
        // 15-23 February; Saturdays 14 and 28 February are working days.
        let holidays: Vec<Day> = (15..=23).map(|d| day(&format!("2026-02-{d:02}"))).collect();
        let calendar = Calendar::with_schedule(
            holidays,
            vec![day("2026-02-14"), day("2026-02-28")],
            vec![2026],
        );
        assert!(calendar.is_working_day(day("2026-02-14")));
        assert!(!calendar.is_working_day(day("2026-02-16")));
        assert!(!calendar.is_working_day(day("2026-02-21")));
        assert!(calendar.covers(2026) && !calendar.covers(2027));
        // A last day on the adjusted working Saturday stays there.
        expect("1mo", "2026-01-14", "2026-02-14", "2026-02-15", &calendar);
        // A last day inside the festival moves to the first working day after it.
        expect("1mo", "2026-01-16", "2026-02-24", "2026-02-25", &calendar);
        // Working days: from Friday 13 February, the first is Saturday 14 February, the second
        // Tuesday 24 February (the festival and its weekend are skipped).
        expect("1wd", "2026-02-13", "2026-02-14", "2026-02-15", &calendar);
        expect("2wd", "2026-02-13", "2026-02-24", "2026-02-25", &calendar);
        // A day given as both is a holiday.
        let both =
            Calendar::with_schedule(vec![day("2026-02-14")], vec![day("2026-02-14")], vec![]);
        assert!(!both.is_working_day(day("2026-02-14")));
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
