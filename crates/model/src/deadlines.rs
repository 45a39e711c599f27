//! Dated (or release-dated) events that decide when clients stop working, each with its
//! public source (data/deadlines.toml). Shown in JSON `deadlines[]` and the Markdown plan.
//! Where sources disagree on one event, both entries are kept and name each other in
//! `conflicts_with`.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub id: String,
    /// enforcement, retirement, default-change, announcement, tooling.
    pub kind: String,
    /// YYYY-MM-DD as the source gives it; absent when a source names only a release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The Salesforce release ("Winter '27"), when that is what the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The date comes from a secondary source (a vendor, a blog), not from Salesforce.
    #[serde(default)]
    pub date_unconfirmed: bool,
    /// The substance could not be read in a primary source.
    #[serde(default)]
    pub unconfirmed: bool,
    pub title: String,
    pub what: String,
    pub applies_to: String,
    pub source: String,
    /// Entries whose sources give a different date for the same event.
    #[serde(default)]
    pub conflicts_with: Vec<String>,
}

impl Deadline {
    /// "2027-02-20", "Winter '27", or "2027-06-01 (Summer '27)"; with "(date unconfirmed)".
    pub fn when(&self) -> String {
        let mut s = match (&self.date, &self.release) {
            (Some(d), Some(r)) => format!("{d} ({r})"),
            (Some(d), None) => d.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => "no date announced".into(),
        };
        if self.date_unconfirmed || self.unconfirmed {
            s.push_str(" (unconfirmed)");
        }
        s
    }
}

impl Deadline {
    /// The day the event falls on, for ordering: its date, else the month its release
    /// usually starts (Spring 'YY in February of 20YY, Summer 'YY in June, Winter 'YY in
    /// October of the year before); `None` when neither is known (sorted last).
    pub fn sort_date(&self) -> Option<String> {
        if let Some(d) = &self.date {
            return Some(d.clone());
        }
        let release = self.release.as_deref()?;
        let (season, rest) = release.split_once(" '")?;
        let yy: u32 = rest.get(..2)?.parse().ok()?;
        let (year, month) = match season {
            "Spring" => (2000 + yy, 2),
            "Summer" => (2000 + yy, 6),
            "Winter" => (1999 + yy, 10),
            _ => return None,
        };
        Some(format!("{year}-{month:02}-01"))
    }
}

/// `deadlines` by [`Deadline::sort_date`], undated last; equal dates keep their order.
pub fn sort(deadlines: &mut [Deadline]) {
    deadlines.sort_by(|a, b| match (a.sort_date(), b.sort_date()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// Every entry of data/deadlines.toml, sorted by date ([`sort`]): the order of every
/// format.
pub fn sorted() -> Vec<Deadline> {
    let mut all = all().to_vec();
    sort(&mut all);
    all
}

#[derive(Deserialize)]
struct File {
    deadline: Vec<Deadline>,
}

/// Every entry of the embedded data/deadlines.toml, in file order.
pub fn all() -> &'static [Deadline] {
    static ALL: OnceLock<Vec<Deadline>> = OnceLock::new();
    ALL.get_or_init(|| {
        toml::from_str::<File>(include_str!("../../../data/deadlines.toml"))
            .expect("data/deadlines.toml parses (tested)")
            .deadline
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse_with_sources_and_conflicts_that_point_both_ways() {
        let all = all();
        assert!(all.len() >= 8);
        for d in all {
            assert!(!d.source.is_empty() && !d.title.is_empty(), "{}", d.id);
            assert!(d.date.is_some() || d.release.is_some(), "{}", d.id);
            if let Some(date) = &d.date {
                assert!(
                    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
                    "{}",
                    d.id
                );
            }
            for other in &d.conflicts_with {
                let o = all.iter().find(|x| &x.id == other).expect(other);
                assert!(o.conflicts_with.contains(&d.id), "{} <-> {other}", d.id);
            }
        }
        let up = all
            .iter()
            .find(|d| d.id == "oauth-username-password-retirement-winter27")
            .unwrap();
        assert_eq!(up.when(), "Winter '27 (unconfirmed)");
        assert!(all
            .iter()
            .any(|d| d.date.as_deref() == Some("2026-06-25") && d.applies_to == "isv-apps"));
    }

    #[test]
    fn deadlines_are_sorted_by_date_with_releases_placed_and_the_undated_last() {
        let sorted = sorted();
        let keys: Vec<Option<String>> = sorted.iter().map(Deadline::sort_date).collect();
        let dated: Vec<&String> = keys.iter().flatten().collect();
        assert!(dated.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        // Undated entries only at the end.
        let first_none = keys.iter().position(Option::is_none).unwrap_or(keys.len());
        assert!(keys[first_none..].iter().all(Option::is_none), "{keys:?}");
        // Every release the data names is placed (only "none announced" is not).
        for d in &sorted {
            assert_eq!(
                d.sort_date().is_none(),
                d.release.as_deref() == Some("none announced"),
                "{}",
                d.id
            );
        }
        let at = |release: &str| Deadline {
            release: Some(release.into()),
            date: None,
            ..all()[0].clone()
        };
        assert_eq!(at("Winter '27").sort_date().as_deref(), Some("2026-10-01"));
        assert_eq!(at("Spring '26").sort_date().as_deref(), Some("2026-02-01"));
        assert_eq!(
            at("Winter '26 (API 65.0)").sort_date().as_deref(),
            Some("2025-10-01")
        );
    }
}
