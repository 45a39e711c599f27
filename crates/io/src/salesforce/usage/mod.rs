//! Usage evidence from a live org: installed packages, every connected app the org
//! knows, OAuth tokens and OAuth logins, read with SOQL beside the metadata fetch.
//!
//! Each source may be unreadable (permission, edition, API access control): that source
//! becomes [`SourceState::Missing`] with the permission that grants it, and the audit goes
//! on. Only a rejected session ends the fetch.
//!
//! Privacy: rows are folded into per-app aggregates as they arrive. User ids never leave
//! [`TokenTally`], which only counts them; usernames are read only with `show_users`.

mod logins;
mod tokens;
pub mod windows;

use logins::read_logins;
pub use logins::{LoginRow, LoginTally};
use tokens::read_tokens;
pub use tokens::TokenTally;

use super::http::{CallError, QueryRun};
use super::session::Ctx;
use super::Error;
use chrono::NaiveDate;
use pkce_audit_model::evidence::EvidenceSource;
use pkce_audit_model::evidence::{Evidence, InstalledPackage, SourceState, OAUTH_TOKEN_CAP};
use serde_json::Value;
use std::collections::BTreeSet;

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
    /// Read LoginHistory over the window (verify reads it its own way).
    pub logins: bool,
}

impl Default for UsageOptions {
    fn default() -> Self {
        UsageOptions {
            window_days: DEFAULT_WINDOW_DAYS,
            row_budget: DEFAULT_ROW_BUDGET,
            show_users: false,
            logins: true,
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
    ctx.progress.plan(if opts.logins { 4 } else { 3 });
    let logins = async {
        match opts.logins {
            true => read_logins(ctx, opts).await.map(Some),
            false => Ok(None),
        }
    };
    let (packages, apps, tokens, logins) = tokio::try_join!(
        read_packages(ctx),
        read_connected_apps(ctx),
        read_tokens(ctx, opts),
        logins,
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
    if let Some((state, logins)) = logins {
        e.sources.insert(EvidenceSource::LoginHistory, state);
        e.logins = logins;
    }
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
    if let Some(t) = windows::time_of(v) {
        return Some(t.date_naive());
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
