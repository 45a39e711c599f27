//! `verify`'s reads of LoginHistory: the baseline and the time since the change, as
//! aggregate groups (app, login type, sub-type, status, count, first and last login).
//!
//! Limits designed for, with sources (reference, "After the change" and §5.4):
//! - `Application` and `Status` may be grouped but reportedly not filtered (cclabsnz/
//!   sf-audit-plugin; UNCONFIRMED), and `LoginTime` may be filtered but not grouped
//!   (Object Reference: "Filter, Nillable, Sort"): so every query covers all apps and
//!   statuses of a stretch of time, filtered on `LoginTime` alone, and apps are told apart
//!   in memory.
//! - An aggregate result cannot be paged and stops at 2,000 groups (`EXCEEDED_ID_LIMIT`,
//!   "Aggregate query does not support queryMore()": restforce#726, OrgCheck#46): a
//!   stretch that holds more is read again in halves, down to a minute.
//! - Calls grow with the groups and with the doubt about an app's rhythm
//!   ([`pkce_audit_model::verify::rhythm_splits`]), never with the number of logins.

use super::{number, text};
use crate::salesforce::http::CallError;
use crate::salesforce::session::Ctx;
use crate::salesforce::Error;
use futures::future::BoxFuture;
use futures::FutureExt;
use pkce_audit_model::evidence::{EvidenceSource, SourceState};
use pkce_audit_model::verify::{rhythm_splits, LoginGroup, Logins, Part, Span, Time};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

/// What verify asks of LoginHistory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginWindows {
    pub baseline: Span,
    pub after: Span,
    /// Most queries spent on the baseline's rhythm beyond the windows themselves; past
    /// it, the apps still in doubt are unknown.
    pub rhythm_budget: u64,
}

pub const DEFAULT_RHYTHM_BUDGET: u64 = 64;

/// A stretch shorter than this that still holds more than 2,000 groups is not split.
const FINEST_SPLIT: chrono::Duration = chrono::Duration::minutes(1);

/// The window query: every group of one stretch of time.
pub fn window_query(span: Span) -> String {
    format!(
        "SELECT Application, LoginType, LoginSubType, Status, COUNT(Id), MIN(LoginTime), MAX(LoginTime) FROM LoginHistory WHERE LoginTime >= {} AND LoginTime < {} GROUP BY Application, LoginType, LoginSubType, Status",
        literal(span.from),
        literal(span.to)
    )
}

/// A SOQL dateTime literal (unquoted, UTC).
fn literal(t: Time) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A dateTime as the REST API writes it (`2026-11-02T10:15:00.000+0000`) or RFC 3339.
pub fn time_of(value: &str) -> Option<Time> {
    let v = value.trim();
    chrono::DateTime::parse_from_rfc3339(v)
        .or_else(|_| chrono::DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// One group, or why it cannot be taken as one: a count that is not a number of logins,
/// or first and last logins that are not times inside the stretch asked.
fn group_of(row: &Value, span: Span) -> Result<LoginGroup, String> {
    let time = |k: &str| text(row, &[k]).and_then(time_of);
    let count = number(row, &["expr0"]).ok_or("a group without a readable count of logins")?;
    let (first, last) = (time("expr1"), time("expr2"));
    match (first, last) {
        (Some(f), Some(l)) if span.contains(f) && span.contains(l) && f <= l => {}
        _ => {
            return Err(format!(
                "a group whose first and last logins are not times between {} and {}",
                literal(span.from),
                literal(span.to)
            ))
        }
    }
    Ok(LoginGroup {
        application: text(row, &["Application"]).map(str::to_string),
        login_type: text(row, &["LoginType"]).map(str::to_string),
        sub_type: text(row, &["LoginSubType"]).map(str::to_string),
        status: text(row, &["Status"]).map(str::to_string),
        count,
        first,
        last,
    })
}

/// The org refuses a result of more than 2,000 groups (by its code alone: a message is
/// the server's to choose).
fn too_many_groups(e: &CallError) -> bool {
    e.code() == Some("EXCEEDED_ID_LIMIT")
}

/// Most LoginHistory queries one run sends, splits and the rhythm's included: past it, the
/// stretches left are partial, never read forever (a server refusing every size would
/// otherwise take tens of thousands of halvings).
pub const MAX_QUERIES: u64 = 256;

/// One stretch, read: its parts, or why some of it could not be.
#[derive(Default)]
struct Read {
    parts: Vec<Part>,
    /// A stretch that could not be read whole (the reason).
    partial: Option<String>,
    /// The object could not be read at all.
    missing: Option<SourceState>,
}

impl Read {
    fn merge(&mut self, other: Read) {
        self.parts.extend(other.parts);
        self.partial = self.partial.take().or(other.partial);
        self.missing = self.missing.take().or(other.missing);
    }
}

/// Reads `span` in one query, or in halves while it holds too many groups.
fn read_span<'a>(
    ctx: &'a Ctx<'a>,
    span: Span,
    queries: &'a AtomicU64,
) -> BoxFuture<'a, Result<Read, Error>> {
    async move {
        if queries.fetch_add(1, Ordering::Relaxed) >= MAX_QUERIES {
            return Ok(Read {
                partial: Some(format!(
                    "the run's {MAX_QUERIES} LoginHistory queries were spent before {} to {} was read",
                    literal(span.from),
                    literal(span.to)
                )),
                ..Default::default()
            });
        }
        let mut groups = Vec::new();
        let mut hostile = None;
        let answer = super::query(ctx, &window_query(span), false, 1, |rows| {
            for r in &rows {
                match group_of(r, span) {
                    Ok(g) => groups.push(g),
                    Err(e) => hostile = hostile.take().or(Some(e)),
                }
            }
            true
        })
        .await?;
        let split = match answer {
            Ok(run) if run.done && run.inconsistent.is_none() => {
                return Ok(Read {
                    parts: vec![Part { span, groups }],
                    // What cannot be a group is not dropped in silence: the stretch is partial.
                    partial: hostile.map(|e| format!("the org answered {e}")),
                    ..Default::default()
                });
            }
            Ok(run) => match run.inconsistent {
                Some(reason) => {
                    return Ok(Read {
                        partial: Some(reason),
                        ..Default::default()
                    })
                }
                // An aggregate answered in pages: read it in halves rather than page it.
                None => "its aggregate answer came in pages".to_string(),
            },
            Err(e) if too_many_groups(&e) => e.to_string(),
            Err(e) => {
                return Ok(Read {
                    missing: Some(super::missing(EvidenceSource::LoginHistory, &e)),
                    ..Default::default()
                })
            }
        };
        if span.length() <= FINEST_SPLIT {
            return Ok(Read {
                partial: Some(format!(
                    "the minute from {} holds more than 2,000 groups ({split})",
                    literal(span.from)
                )),
                ..Default::default()
            });
        }
        ctx.progress.plan(2);
        let [a, b] = span.halves();
        let (a, b) = tokio::try_join!(read_span(ctx, a, queries), read_span(ctx, b, queries))?;
        let mut read = a;
        read.merge(b);
        Ok(read)
    }
    .boxed()
}

/// The login's own effective permissions (`UserPermissionAccess`, the row of the user
/// who runs the query; OrgCheck and Jetstream read it so). Without *Manage Users* or
/// *Monitor Login History* LoginHistory answers with the login's own rows only, and
/// without *Customize Application* OauthToken with its own tokens only: no error says so.
pub const ACCESS_QUERY: &str = "SELECT PermissionsManageUsers, PermissionsMonitorLoginHistory, PermissionsCustomizeApplication FROM UserPermissionAccess";

/// Whether the login sees every user's records, as far as its permissions say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Checked {
        all_logins: bool,
        all_tokens: bool,
    },
    /// The permissions could not be read (the reason).
    Unchecked(String),
}

async fn access(ctx: &Ctx<'_>) -> Result<Access, Error> {
    let mut row = None;
    let answer = super::query(ctx, ACCESS_QUERY, false, 1, |rows| {
        row = rows.into_iter().next();
        true
    })
    .await?;
    let flag = |r: &Value, k: &str| r.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(match (answer, row) {
        (Ok(_), Some(r)) => Access::Checked {
            all_logins: flag(&r, "PermissionsManageUsers")
                || flag(&r, "PermissionsMonitorLoginHistory"),
            all_tokens: flag(&r, "PermissionsCustomizeApplication"),
        },
        (Ok(_), None) => Access::Unchecked("UserPermissionAccess returned no row".into()),
        (Err(e), _) => Access::Unchecked(format!("UserPermissionAccess: {e}")),
    })
}

/// Both windows, then the baseline's halves where an app's rhythm is in doubt; with the
/// login's permissions, which say whether the rows are everyone's.
pub(in crate::salesforce) async fn read_windows(
    ctx: &Ctx<'_>,
    w: &LoginWindows,
) -> Result<(Logins, Access), Error> {
    let queries = AtomicU64::new(0);
    ctx.progress.plan(3);
    let (mut baseline, after, access) = tokio::try_join!(
        read_span(ctx, w.baseline, &queries),
        read_span(ctx, w.after, &queries),
        access(ctx),
    )?;
    let mut rhythm_unfinished = Vec::new();
    let mut spent = 0u64;
    let whole = |r: &Read| r.missing.is_none() && r.partial.is_none();
    while whole(&baseline) && whole(&after) {
        baseline.parts.sort_by_key(|p| p.span.from);
        let splits = rhythm_splits(&baseline.parts, &after.parts, w.baseline, w.after.to);
        if splits.is_empty() {
            break;
        }
        // Each half may split again: what the rhythm spends is counted as sent.
        let cost = 2 * splits.len() as u64;
        if spent + cost > w.rhythm_budget {
            rhythm_unfinished = splits;
            break;
        }
        let before = queries.load(Ordering::Relaxed);
        ctx.progress.plan(splits.len() * 2);
        let reads = futures::future::try_join_all(
            splits
                .iter()
                .flat_map(|s| s.halves())
                .map(|half| read_span(ctx, half, &queries)),
        )
        .await?;
        spent += queries.load(Ordering::Relaxed) - before;
        baseline.parts.retain(|p| !splits.contains(&p.span));
        reads.into_iter().for_each(|r| baseline.merge(r));
    }
    baseline.parts.sort_by_key(|p| p.span.from);
    let mut after = after;
    after.parts.sort_by_key(|p| p.span.from);
    // The groups of the parts kept (a part read again in halves counts by its halves).
    let rows = baseline
        .parts
        .iter()
        .chain(&after.parts)
        .map(|p| p.groups.len() as u64)
        .sum();
    let own_only = match &access {
        Access::Checked {
            all_logins: false, ..
        } => Some("this login sees only its own logins (it has neither Manage Users nor Monitor Login History)".to_string()),
        Access::Unchecked(why) => Some(format!(
            "whether this login sees every user's logins could not be checked ({why})"
        )),
        Access::Checked { .. } => None,
    };
    let state = match baseline.missing.clone().or(after.missing.clone()) {
        Some(missing) => missing,
        None => {
            let reason = baseline
                .partial
                .clone()
                .or(after.partial.clone())
                .or(own_only);
            SourceState::Read {
                rows,
                partial: reason.is_some(),
                method: Some("aggregate".into()),
                reason,
            }
        }
    };
    Ok((
        Logins {
            state,
            baseline: baseline.parts,
            after: after.parts,
            rhythm_unfinished,
            queries: queries.load(Ordering::Relaxed),
        },
        access,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_query_filters_on_login_time_only() {
        let t = |s| time_of(s).unwrap();
        let q = window_query(Span {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-12-01T09:30:00Z"),
        });
        assert!(q.contains("WHERE LoginTime >= 2026-11-01T00:00:00Z AND LoginTime < 2026-12-01T09:30:00Z GROUP BY"), "{q}");
        assert_eq!(
            time_of("2026-11-02T10:15:00.000+0000"),
            Some(t("2026-11-02T10:15:00Z"))
        );
        let span = Span {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-04T00:00:00Z"),
        };
        let row = |count: serde_json::Value, last: &str| {
            serde_json::json!({
                "Application": "Portal", "LoginType": "Remote Access 2.0", "LoginSubType": "OauthWebServer",
                "Status": "Success", "expr0": count, "expr1": "2026-11-02T10:15:00.000+0000", "expr2": last
            })
        };
        let g = group_of(&row(3.into(), "2026-11-03T10:15:00.000+0000"), span).unwrap();
        assert_eq!(
            (g.count, g.first, g.last),
            (
                3,
                Some(t("2026-11-02T10:15:00Z")),
                Some(t("2026-11-03T10:15:00Z"))
            )
        );
    }
}
