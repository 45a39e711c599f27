//! OauthToken: every row read in batches, folded per app as it arrives.

use super::{
    day_of, day_text, missing, number, query, read_state, text, tokens_batch_query, window_start,
    UsageOptions, TOKENS_COUNT_QUERY,
};
use crate::salesforce::session::Ctx;
use crate::salesforce::Error;
use chrono::NaiveDate;
use pkce_audit_model::evidence::{EvidenceSource, SourceState, TokenUsage, OAUTH_TOKEN_CAP};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// OauthToken rows folded per app. Holds user ids only to count them.
#[derive(Default)]
pub struct TokenTally {
    rows: u64,
    apps: BTreeMap<String, AppTokens>,
}

#[derive(Default)]
struct AppTokens {
    tokens: u64,
    user_ids: HashSet<String>,
    usernames: BTreeSet<String>,
    use_count: u64,
    /// LastUsedDate of each token (days), judged against the window at the end.
    last_used: Vec<Option<NaiveDate>>,
}

impl TokenTally {
    pub fn add(&mut self, row: &Value) {
        self.rows += 1;
        // A token without an app name cannot be attributed to anything.
        let Some(app) = text(row, &["AppName"]) else {
            return;
        };
        let a = self.apps.entry(app.to_string()).or_default();
        a.tokens += 1;
        if let Some(u) = text(row, &["UserId"]) {
            a.user_ids.insert(u.to_string());
        }
        if let Some(name) = text(row, &["User", "Username"]) {
            a.usernames.insert(name.to_string());
        }
        a.use_count += number(row, &["UseCount"]).unwrap_or(0);
        a.last_used
            .push(text(row, &["LastUsedDate"]).and_then(day_of));
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Per-app sums, with tokens used on or after `window_start`; usernames by app label
    /// when they were asked for.
    pub fn finish(
        self,
        window_start: NaiveDate,
        show_users: bool,
    ) -> (Vec<TokenUsage>, Option<BTreeMap<String, Vec<String>>>) {
        let mut users = BTreeMap::new();
        let usage = self
            .apps
            .into_iter()
            .map(|(app, a)| {
                if show_users && !a.usernames.is_empty() {
                    users.insert(app.clone(), a.usernames.into_iter().collect());
                }
                TokenUsage {
                    tokens: a.tokens,
                    users: a.user_ids.len() as u64,
                    use_count: a.use_count,
                    used_in_window: a
                        .last_used
                        .iter()
                        .filter(|d| d.is_some_and(|d| d >= window_start))
                        .count() as u64,
                    last_used: a.last_used.iter().flatten().max().map(|d| day_text(*d)),
                    app,
                }
            })
            .collect();
        (usage, show_users.then_some(users))
    }
}

type TokensRead = (
    SourceState,
    Vec<TokenUsage>,
    Option<BTreeMap<String, Vec<String>>>,
);

/// OauthToken, every row: 500 rows a page and none after 2,500 in one query (documented).
/// The first batch is `LIMIT 2500 OFFSET 0`; when it comes back full, `SELECT COUNT()` says
/// how many rows there are, and batches at OFFSET 2500, 5000, ... read the rest. Partial only
/// when the org stops us: a batch refused or cut short, fewer rows than counted, or more
/// rows than `--usage-row-budget` (at least one batch).
pub(super) async fn read_tokens(ctx: &Ctx<'_>, opts: &UsageOptions) -> Result<TokensRead, Error> {
    let mut tally = TokenTally::default();
    let pages_per_batch = ctx.api.limits.max_pages.max(6);
    let batch = |offset: u64| tokens_batch_query(opts.show_users, offset);
    let first = {
        let tally = &mut tally;
        query(ctx, &batch(0), false, pages_per_batch, |rows| {
            rows.iter().for_each(|r| tally.add(r));
            true
        })
        .await?
    };
    let run = match first {
        Ok(run) => run,
        Err(e) => return Ok((missing(EvidenceSource::OauthToken, &e), Vec::new(), None)),
    };
    // The window is counted on the org's clock, as LoginHistory's LAST_N_DAYS is.
    let today = run.server_date.unwrap_or(ctx.now).date_naive();
    let (mut partial, mut inconsistent) = (!run.done, run.inconsistent);
    if !partial && run.rows >= OAUTH_TOKEN_CAP {
        (partial, inconsistent) =
            read_token_batches(ctx, opts, &mut tally, pages_per_batch).await?;
    }
    let rows = tally.rows();
    let (usage, users) = tally.finish(window_start(today, opts.window_days), opts.show_users);
    Ok((read_state(rows, partial, inconsistent, None), usage, users))
}

/// The batches after a full first one; returns whether the source stays partial, and the
/// reason when a batch's pages contradicted themselves.
pub(super) async fn read_token_batches(
    ctx: &Ctx<'_>,
    opts: &UsageOptions,
    tally: &mut TokenTally,
    pages_per_batch: usize,
) -> Result<(bool, Option<String>), Error> {
    ctx.progress.plan(1);
    let total = match query(ctx, TOKENS_COUNT_QUERY, false, 1, |_| true).await? {
        Ok(run) => match run.total_size {
            Some(t) => t,
            None => return Ok((true, None)),
        },
        // Without the count the rest cannot be batched safely.
        Err(_) => return Ok((true, None)),
    };
    let budget = opts.row_budget.max(OAUTH_TOKEN_CAP);
    let mut offset = OAUTH_TOKEN_CAP;
    while offset < total {
        if offset >= budget {
            return Ok((true, None));
        }
        ctx.progress.plan(1);
        let before = tally.rows();
        let answer = query(
            ctx,
            &tokens_batch_query(opts.show_users, offset),
            false,
            pages_per_batch,
            |rows| {
                rows.iter().for_each(|r| tally.add(r));
                true
            },
        )
        .await?;
        let got = tally.rows() - before;
        match answer {
            Ok(run) if run.inconsistent.is_some() => return Ok((true, run.inconsistent)),
            Ok(run) if run.done && got > 0 => {}
            // Refused (an OFFSET the org will not take), cut short, or empty before the
            // count was reached: Salesforce stopped us.
            _ => return Ok((true, None)),
        }
        offset += OAUTH_TOKEN_CAP;
    }
    Ok((tally.rows() < total, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_fold_per_app_and_keep_no_user_id() {
        let mut t = TokenTally::default();
        for (app, user, uses, last) in [
            ("Portal", "005A", 10, Some("2026-11-02T10:15:00.000+0000")),
            ("Portal", "005A", 5, Some("2026-06-01T00:00:00.000+0000")),
            ("Portal", "005B", 1, None),
            ("Sync", "005C", 7, Some("2026-11-20T23:59:59.000+0000")),
        ] {
            t.add(&json!({"AppName": app, "UserId": user, "UseCount": uses, "LastUsedDate": last, "User": {"Username": format!("{user}@x.example.com")}}));
        }
        t.add(&json!({"AppName": null, "UserId": "005D", "UseCount": 1}));
        assert_eq!(t.rows(), 5);
        let start = window_start(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), 90);
        assert_eq!(start, NaiveDate::from_ymd_opt(2026, 8, 23).unwrap());
        let (usage, users) = t.finish(start, false);
        assert!(users.is_none());
        assert_eq!(
            usage[0],
            TokenUsage {
                app: "Portal".into(),
                tokens: 3,
                users: 2,
                use_count: 16,
                used_in_window: 1,
                last_used: Some("2026-11-02".into()),
            }
        );
        assert_eq!(usage[1].used_in_window, 1);
        let text = serde_json::to_string(&usage).unwrap();
        assert!(!text.contains("005A"), "{text}");
    }

    #[test]
    fn usernames_only_when_asked() {
        let mut t = TokenTally::default();
        t.add(&json!({"AppName": "A", "UserId": "005A", "User": {"Username": "a@x"}}));
        t.add(&json!({"AppName": "A", "UserId": "005B", "User": {"Username": "b@x"}}));
        let (_, users) = t.finish(NaiveDate::MIN, true);
        assert_eq!(users.unwrap()["A"], ["a@x", "b@x"]);
    }

    #[test]
    fn batches_after_the_first_read_at_an_offset() {
        assert_eq!(
            tokens_batch_query(false, 2500),
            "SELECT AppName, UserId, UseCount, LastUsedDate FROM OauthToken LIMIT 2500 OFFSET 2500"
        );
    }
}
