//! Civil dates as a count of days.
//!
//! Every time the engine reasons about (valid time, recorded time, expiry, publication periods)
//! is a whole day in the proleptic Gregorian calendar. A [`Day`] is an `i32` count of days since
//! 1970-01-01, so comparisons and arithmetic on the hot path are integer operations, and no time
//! zone or clock ever enters a standing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A civil date, stored as days since 1970-01-01.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Day(pub i32);

/// The weekday of a [`Day`], Monday first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    #[error("`{0}` is not a date: write it as YYYY-MM-DD, for example 2024-03-01")]
    Format(String),
    #[error("`{0}` is not a date in the calendar (month 1-12, day within the month)")]
    OutOfRange(String),
    /// A real date, but outside [`Day::MIN`]..=[`Day::MAX`].
    #[error(
        "`{0}` is outside the dates the registry accepts: from 1900-01-01 to 2199-12-31 \
         (check the year)"
    )]
    OutsideRange(String),
}

impl Day {
    /// The earliest day the model accepts (1900-01-01): older dates are data errors.
    pub const MIN: Day = Day(-25_567);
    /// The latest day the model accepts (2199-12-31).
    pub const MAX: Day = Day(84_005);

    /// The day for a year, month (1-12) and day of month (1-31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Day(days_from_civil(year, month, day)))
    }

    /// Year, month (1-12) and day of month.
    #[inline]
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        match (self.0 + 3).rem_euclid(7) {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    pub fn is_weekend(self) -> bool {
        matches!(self.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    pub fn add_days(self, days: i32) -> Day {
        Day(self.0.saturating_add(days))
    }

    /// The same day of the month `months` later; the last day of the month when the target
    /// month is shorter (2024-01-31 + 1 month = 2024-02-29).
    pub fn add_months(self, months: i32) -> Day {
        Day::from_ymd_plus_months(self.ymd(), months)
    }

    /// [`Day::add_months`] from a date already split into year, month and day (the engine
    /// splits each record's date once and adds many durations to it).
    #[inline]
    pub fn from_ymd_plus_months((year, month, day): (i32, u32, u32), months: i32) -> Day {
        let index = year * 12 + (month as i32 - 1) + months;
        let target_year = index.div_euclid(12);
        let target_month = (index.rem_euclid(12) + 1) as u32;
        let target_day = day.min(days_in_month(target_year, target_month));
        Day(days_from_civil(target_year, target_month, target_day))
    }

    /// Whole years from `birth` to `self` (the age on `self` of someone born on `birth`).
    pub fn years_since(self, birth: Day) -> i32 {
        let (y, m, d) = self.ymd();
        let (by, bm, bd) = birth.ymd();
        let mut years = y - by;
        if (m, d) < (bm, bd) {
            years -= 1;
        }
        years
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Day, DayError> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(DayError::Format(text.to_owned()));
        }
        let number = |range: std::ops::Range<usize>| -> Result<u32, DayError> {
            let part = text
                .get(range)
                .ok_or_else(|| DayError::Format(text.to_owned()))?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DayError::Format(text.to_owned()));
            }
            part.parse().map_err(|_| DayError::Format(text.to_owned()))
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let parsed = Day::from_ymd(year as i32, month, day)
            .ok_or_else(|| DayError::OutOfRange(text.to_owned()))?;
        if parsed < Day::MIN || parsed > Day::MAX {
            return Err(DayError::OutsideRange(text.to_owned()));
        }
        Ok(parsed)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Day {
    type Err = DayError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Day::parse(s)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Day::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[inline]
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

#[inline]
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's `days_from_civil` and `civil_from_days`: exact for the whole i32 range used.
#[inline]
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[inline]
fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_two_centuries() {
        let mut day = Day::parse("1900-01-01").unwrap();
        assert_eq!(day, Day::MIN);
        while day <= Day::parse("2100-12-31").unwrap() {
            let (y, m, d) = day.ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(day));
            assert_eq!(Day::parse(&day.to_string()), Ok(day));
            day = day.add_days(1);
        }
    }

    #[test]
    fn epoch_and_weekdays() {
        assert_eq!(Day::parse("1970-01-01").unwrap(), Day(0));
        assert_eq!(Day::parse("2026-11-23").unwrap().weekday(), Weekday::Monday);
        assert!(Day::parse("2026-11-22").unwrap().is_weekend());
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        let day = Day::parse("2024-01-31").unwrap();
        assert_eq!(day.add_months(1).to_string(), "2024-02-29");
        assert_eq!(day.add_months(13).to_string(), "2025-02-28");
        assert_eq!(day.add_months(-2).to_string(), "2023-11-30");
        assert_eq!(
            Day::parse("2020-02-29").unwrap().add_months(12).to_string(),
            "2021-02-28"
        );
    }

    #[test]
    fn age_counts_whole_years() {
        let birth = Day::parse("2008-06-15").unwrap();
        assert_eq!(Day::parse("2026-06-14").unwrap().years_since(birth), 17);
        assert_eq!(Day::parse("2026-06-15").unwrap().years_since(birth), 18);
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for bad in [
            "2024-1-01",
            "2024/01/01",
            "20240101",
            "2024-01-0x",
            "+024-01-01",
            "",
        ] {
            assert!(matches!(Day::parse(bad), Err(DayError::Format(_))), "{bad}");
        }
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31"] {
            assert!(
                matches!(Day::parse(bad), Err(DayError::OutOfRange(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn real_dates_beyond_the_accepted_range_say_so_and_give_the_range() {
        assert_eq!(Day::parse("2199-12-31"), Ok(Day::MAX));
        for far in ["9999-12-31", "2200-01-01", "1899-12-31", "0000-01-01"] {
            let error = Day::parse(far).unwrap_err();
            assert!(matches!(error, DayError::OutsideRange(_)), "{far}");
            let message = error.to_string();
            assert!(
                message.contains("outside the dates the registry accepts")
                    && message.contains("1900-01-01")
                    && message.contains("2199-12-31")
                    && !message.contains("not a date in the calendar"),
                "{message}"
            );
        }
        // An impossible day stays "not in the calendar", even in a far year.
        assert!(matches!(
            Day::parse("9999-02-30"),
            Err(DayError::OutOfRange(_))
        ));
    }
}
