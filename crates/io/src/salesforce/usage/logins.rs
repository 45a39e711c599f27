//! LoginHistory: OAuth logins folded per app and sub-type, from aggregate groups or,
//! where the org refuses the aggregate, from rows.

use super::{
    day_of, day_text, logins_aggregate_query, logins_rows_query, missing, number, query,
    read_state, text, UsageOptions, MIN_PAGE_ROWS,
};
use crate::salesforce::http::CallError;
use crate::salesforce::session::Ctx;
use crate::salesforce::Error;
use chrono::NaiveDate;
use pkce_audit_model::evidence::{EvidenceSource, LoginUsage, SourceState};
use pkce_audit_model::flow;
use serde_json::Value;
use std::collections::BTreeMap;

/// LoginHistory rows (or aggregate groups) folded per app and sub-type. Only OAuth logins
/// are kept ([`flow::is_oauth_login`]): an OAuth sub-type, or an OAuth `LoginType`
/// without a sub-type (kept under an empty sub-type: flow unknown). Logins whose `Status`
/// is not `Success` are counted apart. Every row counts toward `rows`.
#[derive(Default)]
pub struct LoginTally {
    rows: u64,
    groups: BTreeMap<(String, String), LoginGroup>,
}

#[derive(Default)]
struct LoginGroup {
    count: u64,
    last: Option<NaiveDate>,
    failed: u64,
}

/// One LoginHistory row or aggregate group, as read.
pub struct LoginRow<'a> {
    pub app: Option<&'a str>,
    pub login_type: Option<&'a str>,
    pub sub_type: Option<&'a str>,
    pub status: Option<&'a str>,
    pub count: u64,
    pub last: Option<NaiveDate>,
}

impl LoginTally {
    fn add_group(&mut self, r: LoginRow<'_>) {
        self.rows += r.count;
        if !flow::is_oauth_login(r.login_type, r.sub_type) {
            return;
        }
        let Some(app) = r.app else {
            return;
        };
        let g = self
            .groups
            .entry((app.to_string(), r.sub_type.unwrap_or("").to_string()))
            .or_default();
        // A login without a status is taken as it reads elsewhere: a login.
        if r.status.is_some_and(|s| !s.eq_ignore_ascii_case("Success")) {
            g.failed += r.count;
        } else {
            g.count += r.count;
            g.last = g.last.max(r.last);
        }
    }

    /// One raw row: `Application`, `LoginType`, `LoginSubType`, `Status`, `LoginTime`.
    pub fn add_row(&mut self, row: &Value) {
        self.add_group(LoginRow {
            app: text(row, &["Application"]),
            login_type: text(row, &["LoginType"]),
            sub_type: text(row, &["LoginSubType"]),
            status: text(row, &["Status"]),
            count: 1,
            last: text(row, &["LoginTime"]).and_then(day_of),
        });
    }

    /// One AggregateResult: `Application`, `LoginType`, `LoginSubType`, `Status`, `expr0`
    /// (COUNT), `expr1` (MAX).
    pub fn add_aggregate(&mut self, row: &Value) {
        self.add_group(LoginRow {
            app: text(row, &["Application"]),
            login_type: text(row, &["LoginType"]),
            sub_type: text(row, &["LoginSubType"]),
            status: text(row, &["Status"]),
            count: number(row, &["expr0"]).unwrap_or(0),
            last: text(row, &["expr1"]).and_then(day_of),
        });
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(self) -> Vec<LoginUsage> {
        self.groups
            .into_iter()
            .map(|((app, sub_type), g)| LoginUsage {
                app,
                sub_type,
                count: g.count,
                last_seen: g.last.map(day_text),
                failed: g.failed,
            })
            .collect()
    }
}

/// Errors that say the org will not run this aggregate query, not that the object is
/// out of reach: the raw rows may still be read.
pub(super) fn aggregate_refused(e: &CallError) -> bool {
    match e.code() {
        Some(code) => !matches!(
            code,
            "INSUFFICIENT_ACCESS"
                | "INSUFFICIENT_ACCESS_OR_READONLY"
                | "INVALID_TYPE"
                | "API_DISABLED_FOR_ORG"
                | "API_CURRENTLY_DISABLED"
                | "REQUEST_LIMIT_EXCEEDED"
                | "FUNCTIONALITY_NOT_ENABLED"
        ),
        None => matches!(e, CallError::Http { status: 400, .. }),
    }
}

/// LoginHistory over the window: one aggregate query (groups by app and sub-type), or,
/// when the org refuses it, the raw rows up to the row budget.
pub(super) async fn read_logins(
    ctx: &Ctx<'_>,
    opts: &UsageOptions,
) -> Result<(SourceState, Vec<LoginUsage>), Error> {
    let mut tally = LoginTally::default();
    let answer = query(
        ctx,
        &logins_aggregate_query(opts.window_days),
        false,
        ctx.api.limits.max_pages,
        |rows| {
            rows.iter().for_each(|r| tally.add_aggregate(r));
            true
        },
    )
    .await?;
    match answer {
        Ok(run) => {
            let rows = tally.rows();
            return Ok((
                read_state(rows, !run.done, run.inconsistent, Some("aggregate")),
                tally.finish(),
            ));
        }
        Err(e) if !aggregate_refused(&e) => {
            return Ok((missing(EvidenceSource::LoginHistory, &e), Vec::new()))
        }
        Err(_) => {}
    }
    ctx.progress.plan(1);
    let budget = opts.row_budget.max(1);
    let mut tally = LoginTally::default();
    let max_pages = ctx
        .api
        .limits
        .max_pages
        .max(usize::try_from(budget.div_ceil(MIN_PAGE_ROWS) + 1).unwrap_or(usize::MAX));
    let answer = query(
        ctx,
        &logins_rows_query(opts.window_days),
        false,
        max_pages,
        |rows| {
            for r in &rows {
                if tally.rows() >= budget {
                    return false;
                }
                tally.add_row(r);
            }
            tally.rows() < budget
        },
    )
    .await?;
    Ok(match answer {
        Ok(run) => {
            let rows = tally.rows();
            // Partial exactly when a row went uncounted: the budget stopped the paging, or
            // cut the last page short.
            let partial = !run.done || run.rows > rows;
            (
                read_state(rows, partial, run.inconsistent, Some("rows")),
                tally.finish(),
            )
        }
        Err(e) => (missing(EvidenceSource::LoginHistory, &e), Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn logins_from_rows_and_from_aggregates_agree() {
        let rows = [
            (
                "Portal",
                Some("OauthWebServer"),
                "2026-11-01T08:00:00.000+0000",
            ),
            (
                "Portal",
                Some("OauthWebServer"),
                "2026-11-03T08:00:00.000+0000",
            ),
            (
                "Portal",
                Some("OauthUsernamePassword"),
                "2026-10-01T08:00:00.000+0000",
            ),
            ("Browser", None, "2026-11-03T08:00:00.000+0000"),
        ];
        let mut raw = LoginTally::default();
        for (app, sub, time) in rows {
            raw.add_row(&json!({"Application": app, "LoginSubType": sub, "LoginTime": time}));
        }
        let mut agg = LoginTally::default();
        for (app, sub, n, max) in [
            (
                "Portal",
                Some("OauthWebServer"),
                json!(2),
                "2026-11-03T08:00:00.000+0000",
            ),
            (
                "Portal",
                Some("OauthUsernamePassword"),
                json!(1.0),
                "2026-10-01T08:00:00.000+0000",
            ),
            ("Browser", None, json!(1), "2026-11-03T08:00:00.000+0000"),
        ] {
            agg.add_aggregate(&json!({"attributes": {"type": "AggregateResult"}, "Application": app, "LoginSubType": sub, "expr0": n, "expr1": max}));
        }
        assert_eq!((raw.rows(), agg.rows()), (4, 4));
        let (raw, agg) = (raw.finish(), agg.finish());
        assert_eq!(raw, agg);
        assert_eq!(raw.len(), 2);
        assert_eq!(raw[1].sub_type, "OauthWebServer");
        assert_eq!(
            (raw[1].count, raw[1].last_seen.as_deref()),
            (2, Some("2026-11-03"))
        );
    }

    #[test]
    fn oauth_logins_without_a_sub_type_and_failed_logins() {
        let mut raw = LoginTally::default();
        for (app, ty, sub, status, time) in [
            // A JWT bearer login: an OAuth login type, no documented sub-type.
            (
                "Sync",
                "Remote Access 2.0",
                None,
                "Success",
                "2026-11-01T08:00:00.000+0000",
            ),
            (
                "Sync",
                "Remote Access 2.0",
                None,
                "Success",
                "2026-11-02T08:00:00.000+0000",
            ),
            (
                "Sync",
                "Remote Access 2.0",
                None,
                "Invalid Password",
                "2026-11-05T08:00:00.000+0000",
            ),
            (
                "Sync",
                "Oauth2",
                Some("OauthClientCredentials"),
                "Success",
                "2026-11-03T08:00:00.000+0000",
            ),
            (
                "Shop",
                "Remote Access 2.0",
                Some("OauthOtpLogin"),
                "Success",
                "2026-11-03T08:00:00.000+0000",
            ),
            // A browser login is not counted; a SOAP API password login is, for
            // app-uses-soap-login.
            (
                "Browser",
                "Application",
                None,
                "Success",
                "2026-11-03T08:00:00.000+0000",
            ),
            (
                "Sync",
                "Partner Product",
                Some("SoapApiLogin"),
                "Success",
                "2026-11-03T08:00:00.000+0000",
            ),
        ] {
            raw.add_row(&json!({"Application": app, "LoginType": ty, "LoginSubType": sub, "Status": status, "LoginTime": time}));
        }
        assert_eq!(raw.rows(), 7);
        let raw = raw.finish();
        let sync: Vec<_> = raw.iter().filter(|l| l.app == "Sync").collect();
        assert_eq!(sync.len(), 3, "{raw:?}");
        assert!(sync.iter().any(|l| l.sub_type == "SoapApiLogin"), "{raw:?}");
        assert!(raw.iter().all(|l| l.app != "Browser"), "{raw:?}");
        assert_eq!(
            (sync[0].sub_type.as_str(), sync[0].count, sync[0].failed),
            ("", 2, 1)
        );
        assert_eq!(
            sync[0].last_seen.as_deref(),
            Some("2026-11-02"),
            "failed logins are not use"
        );
        assert_eq!(sync[1].sub_type, "OauthClientCredentials");
        assert!(raw
            .iter()
            .any(|l| l.app == "Shop" && l.sub_type == "OauthOtpLogin"));
        assert!(!raw.iter().any(|l| l.app == "Browser"));
        // The aggregate answer folds the same way.
        let mut agg = LoginTally::default();
        agg.add_aggregate(&json!({"Application": "Sync", "LoginType": "Remote Access 2.0", "LoginSubType": null, "Status": "Success", "expr0": 2, "expr1": "2026-11-02T08:00:00.000+0000"}));
        agg.add_aggregate(&json!({"Application": "Sync", "LoginType": "Remote Access 2.0", "LoginSubType": null, "Status": "Invalid Password", "expr0": 1, "expr1": "2026-11-05T08:00:00.000+0000"}));
        assert_eq!(agg.finish()[0], *sync[0]);
        assert!(logins_aggregate_query(90)
            .contains("GROUP BY Application, LoginType, LoginSubType, Status"));
        assert!(logins_rows_query(90)
            .starts_with("SELECT Application, LoginType, LoginSubType, Status, LoginTime"));
    }

    #[test]
    fn which_errors_fall_back_to_rows() {
        let fault = |c: &str| CallError::Fault {
            code: c.into(),
            message: String::new(),
        };
        assert!(aggregate_refused(&fault("MALFORMED_QUERY")));
        assert!(aggregate_refused(&fault("INVALID_FIELD")));
        assert!(aggregate_refused(&fault("QUERY_TIMEOUT")));
        assert!(!aggregate_refused(&fault("INSUFFICIENT_ACCESS")));
        assert!(!aggregate_refused(&fault("INVALID_TYPE")));
        assert!(!aggregate_refused(&CallError::Transport(
            crate::salesforce::Unanswered {
                host: "x".into(),
                failure: crate::salesforce::Failure::Other,
                detail: String::new(),
            }
        )));
    }
}
