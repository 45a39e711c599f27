//! Serving a snapshot's usage evidence back: raw rows that, read and folded the way
//! pkce-audit reads a real org, give the same per-app aggregates again. This is what lets
//! a live audit of the snapshot-served org equal the audit of the snapshot.

use super::org::fake_id;
use chrono::{DateTime, Days, NaiveDate, Utc};
use pkce_audit_model::evidence::{Evidence, EvidenceSource, SourceState};
use serde_json::{json, Value};

/// What the org serves for a snapshot's evidence.
#[derive(Debug, Default)]
pub struct Synth {
    /// Object name and its records.
    pub objects: Vec<(String, Vec<Value>)>,
    /// Sources the snapshot could not read: denied again.
    pub denied: Vec<String>,
    /// LoginHistory was read row by row: the org refused the aggregate query then too.
    pub reject_aggregates: bool,
}

fn day(d: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()
}

fn sf_time(d: NaiveDate, hour: u32) -> String {
    format!("{}T{hour:02}:00:00.000+0000", d.format("%Y-%m-%d"))
}

/// Rows past the per-app ones, so the source's row count comes out the same; they carry
/// nothing an app could be credited with.
fn filler(rows: u64, used: usize) -> usize {
    (rows as usize).saturating_sub(used)
}

pub fn synthesize(e: &Evidence, now: DateTime<Utc>) -> Synth {
    let mut out = Synth::default();
    let today = now.date_naive();
    for (source, state) in &e.sources {
        let (rows, partial, method) = match state {
            SourceState::Missing { .. } => {
                out.denied.push(source.to_string());
                continue;
            }
            SourceState::Read {
                rows,
                partial,
                method,
                ..
            } => (*rows, *partial, method.as_deref()),
        };
        let records = match source {
            EvidenceSource::InstalledPackages => packages(e, rows),
            EvidenceSource::ConnectedApplication => connected_apps(e, rows),
            EvidenceSource::OauthToken => tokens(e, rows, today),
            EvidenceSource::LoginHistory => {
                out.reject_aggregates = method == Some("rows");
                logins(e, rows, partial, today)
            }
        };
        out.objects.push((source.to_string(), records));
    }
    out
}

fn packages(e: &Evidence, rows: u64) -> Vec<Value> {
    let mut out: Vec<Value> = e
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = i as u64 + 1;
            let parts: Vec<u64> = p
                .version
                .split('.')
                .filter_map(|x| x.parse().ok())
                .collect();
            let mut version = json!({
                "attributes": {"type": "SubscriberPackageVersion"},
                "Id": fake_id("04t", n),
                "Name": p.version,
            });
            if parts.len() == 4 {
                for (k, v) in [
                    "MajorVersion",
                    "MinorVersion",
                    "PatchVersion",
                    "BuildNumber",
                ]
                .iter()
                .zip(&parts)
                {
                    version[*k] = json!(v);
                }
            }
            json!({
                "Id": fake_id("0A3", n),
                "SubscriberPackageId": fake_id("033", n),
                "SubscriberPackageVersionId": fake_id("04t", n),
                "SubscriberPackage": {
                    "attributes": {"type": "SubscriberPackage"},
                    "Id": fake_id("033", n),
                    "NamespacePrefix": p.namespace,
                    "Name": p.name,
                },
                "SubscriberPackageVersion": version,
            })
        })
        .collect();
    for i in 0..filler(rows, out.len()) {
        out.push(json!({"Id": fake_id("0A3", 9000 + i as u64), "SubscriberPackage": null}));
    }
    out
}

fn connected_apps(e: &Evidence, rows: u64) -> Vec<Value> {
    let mut out: Vec<Value> = e
        .connected_applications
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"Id": fake_id("0H4", 500 + i as u64), "Name": name}))
        .collect();
    // Names were deduplicated when read: the same label twice reads as one.
    let last = e.connected_applications.last().cloned();
    for i in 0..filler(rows, out.len()) {
        out.push(json!({"Id": fake_id("0H4", 9000 + i as u64), "Name": last}));
    }
    out
}

/// `tokens` rows per app held by `users` distinct users, UseCount split so it sums, and
/// LastUsedDate so that the newest is `last_used` and `used_in_window` fall in the window.
fn tokens(e: &Evidence, rows: u64, today: NaiveDate) -> Vec<Value> {
    let window_start = today - Days::new(u64::from(e.window_days));
    let outside = window_start - Days::new(30);
    let mut out = Vec::new();
    let mut user_no = 0u64;
    for t in &e.tokens {
        let last = t.last_used.as_deref().and_then(day);
        let names = e.users.as_ref().and_then(|u| u.get(&t.app));
        let users = t.users.clamp(1, t.tokens.max(1));
        let first_user = user_no;
        user_no += users;
        for i in 0..t.tokens {
            let uses = t.use_count / t.tokens + u64::from(i < t.use_count % t.tokens);
            let date = match last {
                None => None,
                Some(l) if i == 0 || t.used_in_window == 0 => Some(l),
                Some(l) if i < t.used_in_window => Some(l),
                Some(l) => Some(l.min(outside)),
            };
            let u = i % users;
            let username = match names {
                Some(n) if !n.is_empty() => n[u as usize % n.len()].clone(),
                _ => format!("user{}@fake-org.example.com", first_user + u),
            };
            out.push(json!({
                "Id": null,
                "AppName": t.app,
                "UserId": fake_id("005", 100 + first_user + u),
                "UseCount": uses,
                "LastUsedDate": date.map(|d| sf_time(d, 9)),
                "User": {"attributes": {"type": "User"}, "Username": username},
            }));
        }
    }
    for _ in 0..filler(rows, out.len()) {
        out.push(json!({"Id": null, "AppName": null, "UserId": fake_id("005", 99), "UseCount": 0, "LastUsedDate": null}));
    }
    out
}

/// `count` successful rows per app and sub-type at `last_seen` and `failed` failed ones (an
/// empty sub-type: an OAuth login type with a null `LoginSubType`), then logins that are
/// not OAuth ones (browser logins) up to the row count; one more when the row budget had
/// stopped the read.
fn logins(e: &Evidence, rows: u64, partial: bool, today: NaiveDate) -> Vec<Value> {
    let mut out = Vec::new();
    let mut n = 0u64;
    let mut row =
        |app: Option<&str>, login_type: &str, sub: Option<&str>, ok: bool, time: String| {
            n += 1;
            json!({
                "Id": fake_id("0Ya", n),
                "UserId": fake_id("005", 100 + n % 7),
                "Application": app,
                "LoginSubType": sub.filter(|s| !s.is_empty()),
                "LoginTime": time,
                "LoginType": login_type,
                "Status": if ok { "Success" } else { "Invalid Password" },
            })
        };
    for l in &e.logins {
        let d = l.last_seen.as_deref().and_then(day).unwrap_or(today);
        for _ in 0..l.count {
            out.push(row(
                Some(&l.app),
                "Remote Access 2.0",
                Some(&l.sub_type),
                true,
                sf_time(d, 8),
            ));
        }
        for _ in 0..l.failed {
            out.push(row(
                Some(&l.app),
                "Remote Access 2.0",
                Some(&l.sub_type),
                false,
                sf_time(today, 6),
            ));
        }
    }
    let extra = filler(rows, out.len()) + usize::from(partial);
    for _ in 0..extra {
        out.push(row(
            Some("Browser"),
            "Application",
            None,
            true,
            sf_time(today, 7),
        ));
    }
    out
}
