//! Usage evidence from a live org: installed packages, every connected app the org
//! knows, OAuth tokens and OAuth logins, read with SOQL beside the metadata fetch.
//!
//! Each source may be unreadable (permission, edition, API access control): that source
//! becomes [`SourceState::Missing`] with the permission that grants it, and the audit goes
//! on. Only a rejected session ends the fetch.
//!
//! Privacy: rows are folded into per-app aggregates as they arrive. User ids never leave
//! [`TokenTally`], which only counts them; usernames are read only with `show_users`.

use super::http::{CallError, QueryRun};
use super::session::Ctx;
use super::Error;
use chrono::{NaiveDate, Utc};
use pkce_audit_model::evidence::EvidenceSource;
use pkce_audit_model::evidence::{
    self, Evidence, InstalledPackage, LoginUsage, SourceState, TokenUsage, OAUTH_TOKEN_CAP,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

pub const DEFAULT_WINDOW_DAYS: u32 = 90;
pub const DEFAULT_ROW_BUDGET: u64 = 50_000;

/// What usage evidence to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageOptions {
    /// LoginHistory and token use are counted over the last this many days.
    pub window_days: u32,
    /// Most LoginHistory rows paged when the org refuses the aggregate query.
    pub row_budget: u64,
    /// Also read the usernames holding each app's tokens (`--show-users`).
    pub show_users: bool,
}

impl Default for UsageOptions {
    fn default() -> Self {
        UsageOptions {
            window_days: DEFAULT_WINDOW_DAYS,
            row_budget: DEFAULT_ROW_BUDGET,
            show_users: false,
        }
    }
}

pub const PACKAGES_QUERY: &str = "SELECT SubscriberPackage.NamespacePrefix, SubscriberPackage.Name, SubscriberPackageVersion.Name, SubscriberPackageVersion.MajorVersion, SubscriberPackageVersion.MinorVersion, SubscriberPackageVersion.PatchVersion, SubscriberPackageVersion.BuildNumber FROM InstalledSubscriberPackage";
/// Only documented fields: `Name` is the app's label, as OauthToken.AppName is.
pub const APPS_QUERY: &str = "SELECT Name FROM ConnectedApplication";
/// OauthToken fields are not aggregatable, so its rows are paged and summed here.
pub const TOKENS_QUERY: &str = "SELECT AppName, UserId, UseCount, LastUsedDate FROM OauthToken";
pub const TOKENS_QUERY_WITH_USERS: &str =
    "SELECT AppName, UserId, UseCount, LastUsedDate, User.Username FROM OauthToken";
pub const TOKENS_COUNT_QUERY: &str = "SELECT COUNT() FROM OauthToken";

/// One batch of OauthToken rows, as its Object Reference page documents the way past the
/// 2,500-row cap: "Use OFFSET to get batches of 2500 records. Start with an OFFSET of 0 and
/// then increment by 2500 ... we recommend that you also use LIMIT to limit each query to
/// 2500" (`SELECT <desired fields> FROM OauthToken LIMIT 2500 OFFSET 0`).
pub fn tokens_batch_query(show_users: bool, offset: u64) -> String {
    let fields = if show_users {
        TOKENS_QUERY_WITH_USERS
    } else {
        TOKENS_QUERY
    };
    format!("{fields} LIMIT {OAUTH_TOKEN_CAP} OFFSET {offset}")
}

/// `LoginType` and `Status` beside the sub-type: an OAuth login without a sub-type is known
/// by its type, and a failed login by its status.
pub fn logins_aggregate_query(days: u32) -> String {
    format!("SELECT Application, LoginType, LoginSubType, Status, COUNT(Id), MAX(LoginTime) FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:{days} GROUP BY Application, LoginType, LoginSubType, Status")
}

pub fn logins_rows_query(days: u32) -> String {
    format!("SELECT Application, LoginType, LoginSubType, Status, LoginTime FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:{days}")
}

/// `SELECT COUNT()` for a source, as `doctor` probes it: no row is read.
pub fn count_query(source: EvidenceSource, days: u32) -> String {
    match source {
        EvidenceSource::LoginHistory => {
            format!("SELECT COUNT() FROM {source} WHERE LoginTime = LAST_N_DAYS:{days}")
        }
        EvidenceSource::InstalledPackages
        | EvidenceSource::ConnectedApplication
        | EvidenceSource::OauthToken => format!("SELECT COUNT() FROM {source}"),
    }
}

/// The Tooling API holds the installed packages; the others are on the REST API.
pub fn is_tooling(source: EvidenceSource) -> bool {
    source == EvidenceSource::InstalledPackages
}

/// Salesforce's smallest query page; bounds how many pages a row budget can take.
const MIN_PAGE_ROWS: u64 = 200;

/// Reads every source at once (each query holds a slot of the shared `--concurrency`).
pub(super) async fn read(ctx: &Ctx<'_>, opts: &UsageOptions) -> Result<Evidence, Error> {
    ctx.progress.plan(4);
    let (packages, apps, tokens, logins) = tokio::try_join!(
        read_packages(ctx),
        read_connected_apps(ctx),
        read_tokens(ctx, opts),
        read_logins(ctx, opts),
    )?;
    let mut e = Evidence {
        window_days: opts.window_days,
        ..Default::default()
    };
    e.sources
        .insert(EvidenceSource::InstalledPackages, packages.0);
    e.packages = packages.1;
    e.sources
        .insert(EvidenceSource::ConnectedApplication, apps.0);
    e.connected_applications = apps.1;
    e.sources.insert(EvidenceSource::OauthToken, tokens.0);
    e.tokens = tokens.1;
    e.users = tokens.2;
    e.sources.insert(EvidenceSource::LoginHistory, logins.0);
    e.logins = logins.1;
    Ok(e)
}

fn missing(source: EvidenceSource, e: &CallError) -> SourceState {
    SourceState::Missing {
        reason: e.to_string(),
        remedy: source.remedy().to_string(),
    }
}

/// Runs one query of a source, counting pages as API calls on the progress bar.
async fn query(
    ctx: &Ctx<'_>,
    soql: &str,
    tooling: bool,
    max_pages: usize,
    mut page: impl FnMut(Vec<Value>) -> bool,
) -> Result<Result<QueryRun, CallError>, Error> {
    let mut pages = 0u64;
    let answer = ctx
        .api
        .query_each(&ctx.version, soql, tooling, max_pages, |records| {
            if pages > 0 {
                ctx.progress.plan(1);
            }
            pages += 1;
            ctx.progress.done();
            page(records)
        })
        .await;
    if pages == 0 {
        // The first call failed: still one call on the bar.
        ctx.progress.done();
    }
    match answer {
        Err(e) if ctx.api.stops_fetch(&e) => Err(ctx.fatal(e)),
        other => Ok(other),
    }
}

fn text<'a>(row: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = row;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn number(row: &Value, path: &[&str]) -> Option<u64> {
    let mut v = row;
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0)
            .map(|f| f as u64),
        _ => None,
    }
}

/// The UTC day of a Salesforce dateTime (`2026-11-02T10:15:00.000+0000`, RFC 3339, or
/// a plain date): days are all a usage window needs, and all a report shows.
pub fn day_of(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(d.with_timezone(&Utc).date_naive());
    }
    if let Ok(d) = chrono::DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(d.with_timezone(&Utc).date_naive());
    }
    NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The first day of a LAST_N_DAYS:n window ending on `today` (today counts as a day of it,
/// as the SOQL literal has it).
pub fn window_start(today: NaiveDate, days: u32) -> NaiveDate {
    today - chrono::Days::new(u64::from(days))
}

async fn read_packages(ctx: &Ctx<'_>) -> Result<(SourceState, Vec<InstalledPackage>), Error> {
    let mut packages = BTreeSet::new();
    let answer = query(
        ctx,
        PACKAGES_QUERY,
        true,
        ctx.api.limits.max_pages,
        |rows| {
            packages.extend(rows.iter().filter_map(package_of));
            true
        },
    )
    .await?;
    Ok(match answer {
        Ok(run) => (
            read_state(run.rows, !run.done, run.inconsistent, None),
            packages.into_iter().collect(),
        ),
        Err(e) => (missing(EvidenceSource::InstalledPackages, &e), Vec::new()),
    })
}

fn package_of(row: &Value) -> Option<InstalledPackage> {
    let name = text(row, &["SubscriberPackage", "Name"])?.to_string();
    let v = |f: &str| number(row, &["SubscriberPackageVersion", f]);
    let version = match (
        v("MajorVersion"),
        v("MinorVersion"),
        v("PatchVersion"),
        v("BuildNumber"),
    ) {
        (Some(a), Some(b), p, n) => format!("{a}.{b}.{}.{}", p.unwrap_or(0), n.unwrap_or(0)),
        _ => text(row, &["SubscriberPackageVersion", "Name"])
            .unwrap_or("unknown")
            .to_string(),
    };
    Some(InstalledPackage {
        namespace: text(row, &["SubscriberPackage", "NamespacePrefix"]).map(str::to_string),
        name,
        version,
    })
}

/// A source read: partial when it stopped early (`partial`), or when its pages
/// contradicted themselves (`inconsistent`, the reason).
fn read_state(
    rows: u64,
    partial: bool,
    inconsistent: Option<String>,
    method: Option<&str>,
) -> SourceState {
    SourceState::Read {
        rows,
        partial: partial || inconsistent.is_some(),
        method: method.map(str::to_string),
        reason: inconsistent,
    }
}

async fn read_connected_apps(ctx: &Ctx<'_>) -> Result<(SourceState, Vec<String>), Error> {
    let mut names = BTreeSet::new();
    let answer = query(ctx, APPS_QUERY, false, ctx.api.limits.max_pages, |rows| {
        names.extend(
            rows.iter()
                .filter_map(|r| text(r, &["Name"]).map(str::to_string)),
        );
        true
    })
    .await?;
    Ok(match answer {
        Ok(run) => (
            read_state(run.rows, !run.done, run.inconsistent, None),
            names.into_iter().collect(),
        ),
        Err(e) => (
            missing(EvidenceSource::ConnectedApplication, &e),
            Vec::new(),
        ),
    })
}

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
async fn read_tokens(ctx: &Ctx<'_>, opts: &UsageOptions) -> Result<TokensRead, Error> {
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
async fn read_token_batches(
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

/// LoginHistory rows (or aggregate groups) folded per app and sub-type. Only OAuth logins
/// are kept ([`evidence::is_oauth_login`]): an OAuth sub-type, or an OAuth `LoginType`
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
        if !evidence::is_oauth_login(r.login_type, r.sub_type) {
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
fn aggregate_refused(e: &CallError) -> bool {
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
async fn read_logins(
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
        assert_eq!(
            tokens_batch_query(false, 2500),
            "SELECT AppName, UserId, UseCount, LastUsedDate FROM OauthToken LIMIT 2500 OFFSET 2500"
        );
    }

    #[test]
    fn packages_and_dates() {
        let p = package_of(&json!({
            "SubscriberPackage": {"NamespacePrefix": "acmecpq", "Name": "Acme CPQ"},
            "SubscriberPackageVersion": {"Name": "Winter", "MajorVersion": 3, "MinorVersion": 2, "PatchVersion": 1, "BuildNumber": 7}
        }))
        .unwrap();
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str(), p.version.as_str()),
            (Some("acmecpq"), "Acme CPQ", "3.2.1.7")
        );
        assert_eq!(
            day_of("2026-11-02T23:30:00.000-0200"),
            NaiveDate::from_ymd_opt(2026, 11, 3)
        );
        assert_eq!(
            day_of("2026-11-02T10:00:00Z"),
            NaiveDate::from_ymd_opt(2026, 11, 2)
        );
        assert_eq!(day_of("2026-11-02"), NaiveDate::from_ymd_opt(2026, 11, 2));
        assert_eq!(day_of("soon"), None);
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
