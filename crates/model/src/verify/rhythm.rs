//! An app's usual gap between code-flow logins, from aggregate counts alone.
//!
//! LoginHistory's `LoginTime` can be filtered but not grouped (Object Reference: "Filter,
//! Nillable, Sort"), so no query returns logins per day. A window's aggregate gives, per
//! app, the count and the first and last login: a [`Bucket`]. From a row of buckets the
//! longest gap between consecutive logins is known within bounds ([`Gap`]): the gaps
//! between buckets are exact, a bucket of two logins holds exactly one gap, and a bucket of
//! more holds gaps no longer than its span. Where the bounds do not decide whether a
//! silence is longer than the usual gap, the buckets that could hide a longer gap are
//! split in two ([`Rhythm::to_split`]) and read again: calls grow with the doubt, never
//! with the number of logins.

use super::{Span, Time};
use chrono::Duration;

/// The code-flow logins of one app in one part of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub span: Span,
    pub count: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
}

/// The longest gap between consecutive logins, within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub at_least: Duration,
    pub at_most: Duration,
}

/// Buckets no shorter than this are not split further: the bounds are then as close as
/// a login time needs.
pub const FINEST_BUCKET: Duration = Duration::minutes(1);

/// One app's baseline, as buckets in time order that cover it without overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rhythm {
    pub baseline: Span,
    pub buckets: Vec<Bucket>,
}

/// Whether a silence is longer than the usual gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Silence {
    /// Longer than the longest gap the baseline can hold.
    Longer,
    /// No longer than a gap the baseline shows.
    Within,
    /// The bounds straddle it.
    Undecided,
}

impl Rhythm {
    pub fn logins(&self) -> u64 {
        self.buckets.iter().map(|b| b.count).sum()
    }

    /// The last code-flow login of the baseline.
    pub fn last(&self) -> Option<Time> {
        self.buckets.iter().filter_map(|b| b.last).max()
    }

    /// The usual gap: the longest between consecutive logins; with fewer than two
    /// logins, the baseline's length.
    pub fn gap(&self) -> Gap {
        if self.logins() < 2 {
            let all = self.baseline.length();
            return Gap {
                at_least: all,
                at_most: all,
            };
        }
        let mut at_least = Duration::zero();
        let mut inside = Duration::zero();
        let mut previous: Option<Time> = None;
        for b in self.buckets.iter().filter(|b| b.count > 0) {
            let (Some(first), Some(last)) = (b.first, b.last) else {
                continue;
            };
            if let Some(p) = previous {
                at_least = at_least.max(first - p);
            }
            match b.count {
                2 => at_least = at_least.max(last - first),
                n if n > 2 => inside = inside.max(last - first),
                _ => {}
            }
            previous = Some(last);
        }
        Gap {
            at_least,
            at_most: at_least.max(inside),
        }
    }

    /// Whether `silence` is longer than the usual gap.
    pub fn silence(&self, silence: Duration) -> Silence {
        let gap = self.gap();
        if silence > gap.at_most {
            Silence::Longer
        } else if silence <= gap.at_least {
            Silence::Within
        } else {
            // The caller splits what [`Rhythm::to_split`] names until this is decided or
            // nothing can be split.
            Silence::Undecided
        }
    }

    /// The buckets whose halves must be read to decide `silence`: those of three logins
    /// or more whose span could hold a gap longer than it, and that are not yet at the
    /// finest size. Empty when the bounds decide it.
    pub fn to_split(&self, silence: Duration) -> Vec<Span> {
        let gap = self.gap();
        if silence > gap.at_most || silence <= gap.at_least {
            return Vec::new();
        }
        self.buckets
            .iter()
            .filter(|b| b.count > 2)
            .filter(|b| match (b.first, b.last) {
                (Some(f), Some(l)) => l - f > silence,
                _ => false,
            })
            .filter(|b| b.span.length() > FINEST_BUCKET)
            .map(|b| b.span)
            .collect()
    }
}

impl Span {
    pub fn length(&self) -> Duration {
        self.to - self.from
    }

    /// The two halves, split at the middle (to the second).
    pub fn halves(&self) -> [Span; 2] {
        let middle = self.from + Duration::seconds(self.length().num_seconds() / 2);
        [
            Span {
                from: self.from,
                to: middle,
            },
            Span {
                from: middle,
                to: self.to,
            },
        ]
    }

    pub fn contains(&self, t: Time) -> bool {
        self.from <= t && t < self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> Time {
        chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
            + Duration::hours(h)
    }

    fn bucket(from: i64, to: i64, count: u64, first: i64, last: i64) -> Bucket {
        Bucket {
            span: Span {
                from: t(from),
                to: t(to),
            },
            count,
            first: (count > 0).then(|| t(first)),
            last: (count > 0).then(|| t(last)),
        }
    }

    fn rhythm(buckets: Vec<Bucket>) -> Rhythm {
        Rhythm {
            baseline: Span {
                from: t(0),
                to: t(240),
            },
            buckets,
        }
    }

    #[test]
    fn fewer_than_two_logins_wait_the_whole_baseline() {
        let r = rhythm(vec![bucket(0, 240, 1, 10, 10)]);
        assert_eq!(r.gap().at_most, Duration::hours(240));
        assert_eq!(r.gap().at_least, Duration::hours(240));
    }

    #[test]
    fn two_logins_give_the_gap_exactly() {
        let r = rhythm(vec![bucket(0, 240, 2, 10, 58)]);
        assert_eq!(
            r.gap(),
            Gap {
                at_least: Duration::hours(48),
                at_most: Duration::hours(48)
            }
        );
        assert_eq!(r.silence(Duration::hours(49)), Silence::Longer);
        assert_eq!(r.silence(Duration::hours(48)), Silence::Within);
    }

    #[test]
    fn gaps_between_buckets_are_exact_and_inside_ones_bounded() {
        let r = rhythm(vec![
            bucket(0, 120, 5, 1, 100),
            bucket(120, 240, 3, 130, 140),
        ]);
        // Between: 130 - 100 = 30 h; inside the first: at most 99 h.
        assert_eq!(r.gap().at_least, Duration::hours(30));
        assert_eq!(r.gap().at_most, Duration::hours(99));
        assert_eq!(r.silence(Duration::hours(20)), Silence::Within);
        assert_eq!(r.silence(Duration::hours(100)), Silence::Longer);
        // 50 h: only the first bucket can hold a longer gap.
        assert_eq!(
            r.to_split(Duration::hours(50)),
            vec![Span {
                from: t(0),
                to: t(120)
            }]
        );
        assert!(r.to_split(Duration::hours(100)).is_empty());
    }

    #[test]
    fn splitting_stops_at_the_finest_bucket() {
        let r = Rhythm {
            baseline: Span {
                from: t(0),
                to: t(0) + Duration::seconds(60),
            },
            buckets: vec![Bucket {
                span: Span {
                    from: t(0),
                    to: t(0) + Duration::seconds(60),
                },
                count: 3,
                first: Some(t(0)),
                last: Some(t(0) + Duration::seconds(50)),
            }],
        };
        assert!(r.to_split(Duration::seconds(40)).is_empty());
        assert_eq!(r.silence(Duration::seconds(40)), Silence::Undecided);
    }

    #[test]
    fn halves_cover_the_span() {
        let s = Span {
            from: t(0),
            to: t(3),
        };
        let [a, b] = s.halves();
        assert_eq!(
            (a.from, a.to, b.from, b.to),
            (
                t(0),
                t(0) + Duration::minutes(90),
                t(0) + Duration::minutes(90),
                t(3)
            )
        );
    }
}
