//! SOQL date literals as ranges of time, on the org's clock in the querying user's time
//! zone (SOQL and SOSL Reference, "Date Formats and Date Literals in WHERE",
//! https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm):
//! "Each date literal represents a range of time relative to the current day. The exact
//! start and end of the range depends on the date literal and the locale of the user
//! sending the query"; every range starts at 00:00:00. `=` is inside the range, `<` before
//! its start, `>` after its end; `<=` is up to its end and `>=` from its start.
//!
//! Every literal is a span of whole units (day, week, month, quarter, year) counted from
//! the start of the current one: `TODAY` is days 0..1, `LAST_N_DAYS:n` days -n..1 ("this
//! range includes today"), `NEXT_N_DAYS:n` days 1..n+1 (from the next day), `N_DAYS_AGO:n`
//! days -n..-n+1, `LAST_N_MONTHS:n` months -n..0 (up to the end of the month before the
//! current one), and so on. Weeks start on Sunday, the first day of the week of the test
//! org's user locale (en_US). Fiscal literals are refused: the test org has no fiscal year.

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// A date literal: the units `from..to` counted from the start of the current unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub unit: Unit,
    pub from: i64,
    pub to: i64,
}

/// The org's clock and the querying user's time zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub now: DateTime<Utc>,
    /// The user's offset from UTC (`Config::user_time_zone`).
    pub offset: FixedOffset,
}

impl Clock {
    /// `now` in GMT.
    #[cfg(test)]
    pub fn utc(now: DateTime<Utc>) -> Clock {
        Clock {
            now,
            offset: FixedOffset::east_opt(0).expect("zero is a valid offset"),
        }
    }
}

/// The fixed literals: name, unit, from, to.
const FIXED: &[(&str, Unit, i64, i64)] = &[
    ("YESTERDAY", Unit::Day, -1, 0),
    ("TODAY", Unit::Day, 0, 1),
    ("TOMORROW", Unit::Day, 1, 2),
    ("LAST_WEEK", Unit::Week, -1, 0),
    ("THIS_WEEK", Unit::Week, 0, 1),
    ("NEXT_WEEK", Unit::Week, 1, 2),
    ("LAST_MONTH", Unit::Month, -1, 0),
    ("THIS_MONTH", Unit::Month, 0, 1),
    ("NEXT_MONTH", Unit::Month, 1, 2),
    ("LAST_90_DAYS", Unit::Day, -90, 1),
    ("NEXT_90_DAYS", Unit::Day, 1, 91),
    ("LAST_QUARTER", Unit::Quarter, -1, 0),
    ("THIS_QUARTER", Unit::Quarter, 0, 1),
    ("NEXT_QUARTER", Unit::Quarter, 1, 2),
    ("LAST_YEAR", Unit::Year, -1, 0),
    ("THIS_YEAR", Unit::Year, 0, 1),
    ("NEXT_YEAR", Unit::Year, 1, 2),
];

/// The literals taking `:n`, by unit: `LAST_N_<UNIT>S:n`, `NEXT_N_<UNIT>S:n`,
/// `N_<UNIT>S_AGO:n`.
const UNITS: &[(&str, Unit)] = &[
    ("DAYS", Unit::Day),
    ("WEEKS", Unit::Week),
    ("MONTHS", Unit::Month),
    ("QUARTERS", Unit::Quarter),
    ("YEARS", Unit::Year),
];

/// What a name that looks like a date literal is.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Literal(DateLit),
    /// A real SOQL literal the test org does not answer (the fiscal ones).
    Unsupported,
    Unknown,
}

/// `name` (case-insensitive) with its `:n` parameter, if any.
pub fn lookup(name: &str, n: Option<u32>) -> Lookup {
    let upper = name.to_ascii_uppercase();
    if upper.contains("FISCAL") {
        return Lookup::Unsupported;
    }
    if n.is_none() {
        return FIXED.iter().find(|(lit, ..)| *lit == upper).map_or(
            Lookup::Unknown,
            |(_, unit, from, to)| {
                Lookup::Literal(DateLit {
                    unit: *unit,
                    from: *from,
                    to: *to,
                })
            },
        );
    }
    let n = i64::from(n.unwrap_or(0));
    for (plural, unit) in UNITS {
        let unit = *unit;
        let (from, to) = if upper == format!("LAST_N_{plural}") {
            // LAST_N_DAYS includes today; the longer units end before the current one.
            if unit == Unit::Day {
                (-n, 1)
            } else {
                (-n, 0)
            }
        } else if upper == format!("NEXT_N_{plural}") {
            (1, n + 1)
        } else if upper == format!("N_{plural}_AGO") {
            (-n, -n + 1)
        } else {
            continue;
        };
        return Lookup::Literal(DateLit { unit, from, to });
    }
    Lookup::Unknown
}

fn add_months(d: NaiveDate, months: i64) -> NaiveDate {
    let m = Months::new(months.unsigned_abs() as u32);
    if months >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    }
    .unwrap_or(d)
}

fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    let n = Days::new(days.unsigned_abs());
    if days >= 0 {
        d.checked_add_days(n)
    } else {
        d.checked_sub_days(n)
    }
    .unwrap_or(d)
}

impl DateLit {
    /// The range `[start, end)` in UTC.
    pub fn range(&self, clock: Clock) -> (DateTime<Utc>, DateTime<Utc>) {
        let today = clock.now.with_timezone(&clock.offset).date_naive();
        let first_of_month = today.with_day(1).unwrap_or(today);
        let current = match self.unit {
            Unit::Day => today,
            Unit::Week => add_days(today, -i64::from(today.weekday().num_days_from_sunday())),
            Unit::Month => first_of_month,
            Unit::Quarter => first_of_month
                .with_month((today.month0() / 3) * 3 + 1)
                .unwrap_or(first_of_month),
            Unit::Year => first_of_month.with_month(1).unwrap_or(first_of_month),
        };
        let shift = |k: i64| match self.unit {
            Unit::Day => add_days(current, k),
            Unit::Week => add_days(current, 7 * k),
            Unit::Month => add_months(current, k),
            Unit::Quarter => add_months(current, 3 * k),
            Unit::Year => add_months(current, 12 * k),
        };
        // Local midnight, as an instant.
        let at = |d: NaiveDate| (d.and_time(chrono::NaiveTime::MIN) - clock.offset).and_utc();
        (at(shift(self.from)), at(shift(self.to)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(now: &str, offset_hours: i32) -> Clock {
        Clock {
            now: DateTime::parse_from_rfc3339(now)
                .unwrap()
                .with_timezone(&Utc),
            offset: FixedOffset::east_opt(offset_hours * 3600).unwrap(),
        }
    }

    fn range(name: &str, n: Option<u32>, c: Clock) -> (String, String) {
        let Lookup::Literal(l) = lookup(name, n) else {
            panic!("{name} is not a literal")
        };
        let (s, e) = l.range(c);
        (s.to_rfc3339(), e.to_rfc3339())
    }

    fn r(s: &str, e: &str) -> (String, String) {
        (s.to_string(), e.to_string())
    }

    #[test]
    fn ranges_as_the_reference_defines_them() {
        // Saturday 2026-11-21, 00:00 UTC.
        let c = clock("2026-11-21T00:00:00Z", 0);
        let day = |d: &str| format!("2026-{d}T00:00:00+00:00");
        let cases: &[(&str, Option<u32>, &str, &str)] = &[
            ("TODAY", None, "11-21", "11-22"),
            ("yesterday", None, "11-20", "11-21"),
            ("TOMORROW", None, "11-22", "11-23"),
            ("THIS_WEEK", None, "11-15", "11-22"),
            ("LAST_WEEK", None, "11-08", "11-15"),
            ("NEXT_WEEK", None, "11-22", "11-29"),
            ("THIS_MONTH", None, "11-01", "12-01"),
            ("LAST_MONTH", None, "10-01", "11-01"),
            ("LAST_N_DAYS", Some(1), "11-20", "11-22"),
            ("NEXT_N_DAYS", Some(2), "11-22", "11-24"),
            ("N_DAYS_AGO", Some(3), "11-18", "11-19"),
            ("LAST_N_WEEKS", Some(2), "11-01", "11-15"),
            ("LAST_N_MONTHS", Some(2), "09-01", "11-01"),
            ("N_MONTHS_AGO", Some(1), "10-01", "11-01"),
            ("THIS_QUARTER", None, "10-01", "2027-01-01"),
        ];
        for (name, n, s, e) in cases {
            let fix = |x: &str| {
                if x.starts_with("2027") {
                    format!("{x}T00:00:00+00:00")
                } else {
                    day(x)
                }
            };
            assert_eq!(range(name, *n, c), (fix(s), fix(e)), "{name}");
        }
        assert_eq!(
            range("LAST_90_DAYS", None, c),
            range("LAST_N_DAYS", Some(90), c)
        );
        assert_eq!(
            range("LAST_YEAR", None, c),
            r("2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")
        );
    }

    #[test]
    fn the_users_time_zone_moves_the_day() {
        // 2026-11-21T00:00Z is still 2026-11-20 16:00 in UTC-8: TODAY is the 20th there,
        // from 08:00 UTC.
        let c = clock("2026-11-21T00:00:00Z", -8);
        assert_eq!(
            range("TODAY", None, c),
            r("2026-11-20T08:00:00+00:00", "2026-11-21T08:00:00+00:00")
        );
        let c = clock("2026-11-21T00:00:00Z", 9);
        assert_eq!(
            range("TODAY", None, c),
            r("2026-11-20T15:00:00+00:00", "2026-11-21T15:00:00+00:00")
        );
    }

    #[test]
    fn names_that_are_not_literals() {
        assert_eq!(lookup("THIS_FISCAL_YEAR", None), Lookup::Unsupported);
        assert_eq!(lookup("LAST_N_FISCAL_YEARS", Some(2)), Lookup::Unsupported);
        assert_eq!(lookup("TODAY", Some(1)), Lookup::Unknown);
        assert_eq!(lookup("LAST_N_DAYS", None), Lookup::Unknown);
        assert_eq!(lookup("LAST_N_FORTNIGHTS", Some(1)), Lookup::Unknown);
        assert_eq!(lookup("Name", None), Lookup::Unknown);
    }
}
