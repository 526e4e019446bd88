//! End days by table: for every day of a range and every duration a category measures from its
//! records, the day that duration ends. Population evaluation builds one table for the days
//! its records fall on, so the hot path looks end days up instead of doing calendar arithmetic
//! (which is most of the cost of folding a small history).

use credence_model::{Day, Duration, period_end};
use credence_policy::{CategoryId, Policy};

/// A date split into year, month (1-12) and day of month.
pub type Ymd = (i32, u32, u32);

/// End days for a range of record dates.
#[derive(Debug)]
pub struct EndDays {
    first: i32,
    days: usize,
    /// Per category: where its durations start in a day's row.
    offsets: Vec<u32>,
    /// Durations per day (all categories' durations, concatenated).
    width: usize,
    /// `days × width` end days, then `days` split dates.
    ends: Vec<i32>,
    ymd: Vec<Ymd>,
    /// What the policy asks of every evaluation, worked out once with the table.
    pub(crate) plan: crate::evaluate::Plan,
}

/// The longest range a table covers; records outside it are computed by arithmetic.
pub const END_DAYS_RANGE_MAX: usize = 40 * 366;

impl EndDays {
    /// A table for records dated `first..=last` (clamped to [`END_DAYS_RANGE_MAX`] days).
    pub fn new(policy: &Policy, first: Day, last: Day) -> EndDays {
        let days = usize::try_from(last.0.saturating_sub(first.0).saturating_add(1))
            .unwrap_or(0)
            .min(END_DAYS_RANGE_MAX);
        let mut offsets = Vec::with_capacity(policy.categories.len());
        let mut width = 0usize;
        for category in &policy.categories {
            offsets.push(u32::try_from(width).unwrap_or(u32::MAX));
            width += category.durations.len();
        }
        let mut ends = Vec::with_capacity(days * width);
        let mut ymd = Vec::with_capacity(days);
        for offset in 0..days {
            let day = Day(first.0 + offset as i32);
            let split = day.ymd();
            ymd.push(split);
            for category in &policy.categories {
                for duration in &category.durations {
                    ends.push(end_of(*duration, day, split, policy));
                }
            }
        }
        EndDays {
            first: first.0,
            days,
            offsets,
            width,
            ends,
            ymd,
            plan: crate::evaluate::Plan::new(policy),
        }
    }

    /// The end days of `category`'s durations (in its `durations` order) for a record dated
    /// `day`, and the date split into year, month and day; `None` outside the table.
    #[inline]
    pub fn row(&self, day: i32, category: CategoryId) -> Option<(&[i32], Ymd)> {
        let offset = usize::try_from(day.checked_sub(self.first)?).ok()?;
        if offset >= self.days {
            return None;
        }
        let start = offset * self.width + *self.offsets.get(usize::from(category.0))? as usize;
        let count = self.count(category);
        Some((self.ends.get(start..start + count)?, self.ymd[offset]))
    }

    /// Where the end days of `category`'s durations for a record dated `day` start in
    /// [`EndDays::ends`], and the date split into year, month and day; `None` outside the table.
    #[inline]
    pub(crate) fn row_start(&self, day: i32, category: CategoryId) -> Option<(u32, Ymd)> {
        let offset = usize::try_from(day.checked_sub(self.first)?).ok()?;
        if offset >= self.days {
            return None;
        }
        let start = offset * self.width + *self.offsets.get(usize::from(category.0))? as usize;
        Some((u32::try_from(start).ok()?, *self.ymd.get(offset)?))
    }

    /// Every day's end days, one row of `width` per day.
    pub(crate) fn ends(&self) -> &[i32] {
        &self.ends
    }

    fn count(&self, category: CategoryId) -> usize {
        let index = usize::from(category.0);
        let start = self.offsets[index] as usize;
        let end = self
            .offsets
            .get(index + 1)
            .map_or(self.width, |o| *o as usize);
        end - start
    }
}

/// The first day a period of `duration` from `day` (split as `ymd`) no longer runs: the same
/// day as [`Duration::after`], with the record's date split once.
pub(crate) fn end_of(duration: Duration, day: Day, ymd: Ymd, policy: &Policy) -> i32 {
    let corresponding = match duration {
        Duration::Days(n) => Day(day.0.saturating_add(i32::try_from(n).unwrap_or(i32::MAX))),
        Duration::Months(n) => {
            Day::from_ymd_plus_months(ymd, i32::try_from(n).unwrap_or(i32::MAX / 12))
        }
        Duration::Years(n) => {
            Day::from_ymd_plus_months(ymd, i32::try_from(n).unwrap_or(0).saturating_mul(12))
        }
        Duration::WorkingDays(_) => return duration.after(day, &policy.calendar).0,
    };
    period_end(day, corresponding, &policy.calendar).0
}
