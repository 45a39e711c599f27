//! Verify bench: `cargo bench --bench verify` (docs/performance.md, "verify: 500 apps,
//! 200,000 logins").
//!
//! An org after step 3 (crates/test-org/src/synth.rs with `pkce_required`: Connected Apps
//! and External Client Apps with distinct labels, every one requiring PKCE, and so the org
//! setting) with LoginHistory rows over a 30-day baseline and the 3 days since the change,
//! served by the loopback test org at a latency; `pkce-audit verify` (the release binary)
//! as a child process, several runs: the API calls the test org answered against the
//! computed minimum, the median wall time against the ideal critical path, the peak RSS
//! (GNU time, as in benches/scale.rs).
//!
//! Two cases on the same org: `plain`, every window within one aggregate answer (2,000
//! groups), and `split`, a baseline holding more (each app also logged in with two more
//! flows in one half of it), to show what reading it in halves costs.
//!
//! Environment: `VERIFY_CA`, `VERIFY_ECA`, `VERIFY_LOGINS`, `VERIFY_LATENCY_MS`,
//! `VERIFY_CONCURRENCY`, `VERIFY_RUNS`, `VERIFY_CASE=plain|split` (one case only),
//! `VERIFY_QUICK=1` (small and fast; also what `cargo test --benches` runs).

mod common;
use common::*;

use chrono::{DateTime, Duration as Days, Utc};
use pkce_audit_io::salesforce::usage::windows::{window_query, DEFAULT_RHYTHM_BUDGET};
use pkce_audit_model::verify::{rhythm_splits, LoginGroup, Part, Span, Time};
use pkce_audit_test_org::fake_org::{self, logins as lh};
use pkce_audit_test_org::synth;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The change, the end of the window after it, and the org's clock.
const SINCE: &str = "2026-11-18T00:00:00Z";
const UNTIL: &str = "2026-11-21T00:00:00Z";
const BASELINE_DAYS: i64 = 30;
/// An aggregate answer stops at this many groups (crates/io/src/salesforce/usage/windows.rs).
const MAX_GROUPS: usize = 2000;

fn time(s: &str) -> Time {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn windows() -> (Span, Span) {
    let (since, until) = (time(SINCE), time(UNTIL));
    (
        Span {
            from: since - Days::days(BASELINE_DAYS),
            to: since,
        },
        Span {
            from: since,
            to: until,
        },
    )
}

/// What an app's logins make of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Web-server and refresh logins in both windows (a quarter with users' wrong passwords).
    Confirmed,
    /// One web-server login in the baseline, refresh logins throughout: a fresh
    /// authorization is not due yet.
    Waiting,
    /// `Failed: Invalid Code Verifier` since the change, beside successes (a client that
    /// sends a verifier Salesforce rejects at times). Without a success since, its
    /// baseline's rhythm would be in doubt and split.
    Failing,
    /// A burst of web-server logins in the baseline, none since for longer than its gap.
    Silent,
    /// Three web-server logins in the baseline that one split of it decides: waiting.
    Rhythm,
    /// Client-credentials logins only.
    Unaffected,
    /// No login.
    Dormant,
}

fn role(i: usize) -> Role {
    match (i, i % 50) {
        (3, _) => Role::Rhythm,
        (7 | 257, _) => Role::Silent,
        (_, 0) => Role::Failing,
        (_, 1..=6) => Role::Waiting,
        (_, 7..=10) => Role::Unaffected,
        (_, 11) => Role::Dormant,
        _ => Role::Confirmed,
    }
}

/// Logins of one kind by one app over one span: at given times, or a share of the rows.
struct Stream {
    app: String,
    login_type: &'static str,
    sub: Option<&'static str>,
    status: &'static str,
    span: Span,
    rows: Rows,
}

/// The streams of all apps.
#[derive(Default)]
struct Streams(Vec<Stream>);

impl Streams {
    fn add(
        &mut self,
        app: &str,
        sub: Option<&'static str>,
        status: &'static str,
        span: Span,
        rows: Rows,
    ) {
        self.0.push(Stream {
            app: app.to_string(),
            login_type: lh::REMOTE_ACCESS_2,
            sub,
            status,
            span,
            rows,
        });
    }

    /// The same rate in the baseline and since the change.
    fn both(&mut self, app: &str, sub: Option<&'static str>, status: &'static str, per_day: f64) {
        let (b, a) = windows();
        for span in [b, a] {
            self.add(app, sub, status, span, Rows::PerDay(per_day));
        }
    }
}

enum Rows {
    At(Vec<Time>),
    /// Logins a day, times the days of the span: the stream's weight in the total.
    PerDay(f64),
}

const WEB: Option<&str> = Some("OauthWebServer");
const REFRESH: Option<&str> = Some("OauthRefreshToken");

/// `total` LoginHistory rows for the apps labelled `labels` (in synth's order), in
/// time order; with `extra`, every app also has username-password and user-agent logins
/// in one half of the baseline (by its parity), so the baseline holds more than 2,000
/// groups and each half fewer.
fn logins(labels: &[String], total: usize, extra: bool, seed: u64) -> Vec<lh::Login> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (b, a) = windows();
    let b0 = b.from;
    let day = |d: f64| b0 + Days::seconds((d * 86_400.0) as i64);
    let mut streams = Streams::default();
    for (i, app) in labels.iter().enumerate() {
        let w = f64::from(1 + rng.u8(..4));
        let s = &mut streams;
        match role(i) {
            Role::Confirmed => {
                s.both(app, WEB, lh::SUCCESS, 4.0 * w);
                s.both(app, REFRESH, lh::SUCCESS, 6.0 * w);
                if i % 4 == 0 {
                    s.both(app, WEB, lh::INVALID_PASSWORD, 0.3 * w);
                }
            }
            Role::Waiting => {
                let at = day(5.0 + (i % 20) as f64 + 0.125);
                s.add(app, WEB, lh::SUCCESS, b, Rows::At(vec![at]));
                s.both(app, REFRESH, lh::SUCCESS, 5.0 * w);
            }
            Role::Failing => {
                s.add(app, WEB, lh::SUCCESS, b, Rows::PerDay(4.0 * w));
                s.add(app, WEB, lh::SUCCESS, a, Rows::PerDay(2.0 * w));
                s.both(app, REFRESH, lh::SUCCESS, 4.0 * w);
                let verifier = lh::INVALID_CODE_VERIFIER;
                s.add(app, WEB, verifier, a, Rows::PerDay(2.0 * w));
            }
            Role::Silent => {
                let burst = (0..5).map(|h| day(25.0 + f64::from(h) * 0.125)).collect();
                s.add(app, WEB, lh::SUCCESS, b, Rows::At(burst));
                s.add(app, REFRESH, lh::SUCCESS, b, Rows::PerDay(2.0 * w));
            }
            Role::Rhythm => {
                let at = [1.0, 20.0, 29.0].map(day).to_vec();
                s.add(app, WEB, lh::SUCCESS, b, Rows::At(at));
                s.both(app, REFRESH, lh::SUCCESS, 3.0 * w);
            }
            Role::Unaffected => s.both(app, Some("OauthClientCredentials"), lh::SUCCESS, 8.0 * w),
            Role::Dormant => {}
        }
        if extra {
            let half = b.halves()[i % 2];
            let up = Some("OauthUsernamePassword");
            s.add(app, up, lh::SUCCESS, half, Rows::PerDay(w));
            s.add(app, up, lh::INVALID_PASSWORD, half, Rows::PerDay(0.2 * w));
            s.add(
                app,
                Some("OauthUserAgent"),
                lh::SUCCESS,
                half,
                Rows::PerDay(w),
            );
        }
    }
    let mut streams = streams.0;
    // Browser logins: a fifth of the rows, some with a wrong password.
    let apps: f64 = streams.iter().map(weight).sum();
    let all_days = (a.to - b.from).num_seconds() as f64 / 86_400.0;
    for span in [b, a] {
        for (status, share) in [(lh::SUCCESS, 0.24), (lh::INVALID_PASSWORD, 0.01)] {
            streams.push(Stream {
                app: "Browser".into(),
                login_type: "Application",
                sub: None,
                status,
                span,
                rows: Rows::PerDay(apps * share / all_days),
            });
        }
    }
    let fixed: usize = streams
        .iter()
        .map(|s| match &s.rows {
            Rows::At(t) => t.len(),
            Rows::PerDay(_) => 0,
        })
        .sum();
    let weights: f64 = streams.iter().map(weight).sum();
    let share = |s: &Stream| ((total - fixed) as f64 * weight(s) / weights).floor() as usize;
    let mut counts: Vec<usize> = streams
        .iter()
        .map(|s| match &s.rows {
            Rows::At(t) => t.len(),
            Rows::PerDay(_) => share(s).max(1),
        })
        .collect();
    // The rounding goes to the largest stream, so the total is exact.
    let largest = (0..streams.len()).max_by_key(|&k| counts[k]).unwrap();
    let sum: usize = counts.iter().sum();
    assert!(
        sum - counts[largest] < total,
        "{total} logins are too few: every stream needs one ({} streams)",
        counts.len()
    );
    counts[largest] = counts[largest] + total - sum;
    let mut out = Vec::with_capacity(total);
    for (s, n) in streams.iter().zip(counts) {
        let len = s.span.length().num_seconds();
        for k in 0..n {
            let at = match &s.rows {
                Rows::At(t) => t[k],
                Rows::PerDay(_) => s.span.from + Days::seconds(rng.i64(0..len)),
            };
            out.push(lh::Login {
                application: s.app.clone(),
                login_type: s.login_type.into(),
                login_sub_type: s.sub.map(str::to_string),
                status: s.status.into(),
                time: at,
                user: rng.u64(1..5000),
            });
        }
    }
    out.sort_by_key(|l| l.time);
    out
}

fn weight(s: &Stream) -> f64 {
    match s.rows {
        Rows::At(_) => 0.0,
        Rows::PerDay(rate) => rate * s.span.length().num_seconds() as f64 / 86_400.0,
    }
}

/// The aggregate answer for `span`, as the window query groups it.
fn groups(logins: &[lh::Login], span: Span) -> Vec<LoginGroup> {
    let from = logins.partition_point(|l| l.time < span.from);
    let to = logins.partition_point(|l| l.time < span.to);
    let mut by: BTreeMap<(&str, &str, Option<&str>, &str), LoginGroup> = BTreeMap::new();
    for l in &logins[from..to] {
        let key = (
            l.application.as_str(),
            l.login_type.as_str(),
            l.login_sub_type.as_deref(),
            l.status.as_str(),
        );
        let g = by.entry(key).or_insert_with(|| LoginGroup {
            application: Some(l.application.clone()),
            login_type: Some(l.login_type.clone()),
            sub_type: l.login_sub_type.clone(),
            status: Some(l.status.clone()),
            count: 0,
            first: None,
            last: None,
        });
        g.count += 1;
        g.first = Some(g.first.map_or(l.time, |t| t.min(l.time)));
        g.last = Some(g.last.map_or(l.time, |t| t.max(l.time)));
    }
    by.into_values().collect()
}

/// What reading a span costs as verify reads it (one query, or halves while it holds
/// more than 2,000 groups): the parts, the queries, the rounds one after another.
struct Reads {
    parts: Vec<Part>,
    queries: u64,
    rounds: u64,
}

fn read_span(logins: &[lh::Login], span: Span) -> Reads {
    let g = groups(logins, span);
    if g.len() <= MAX_GROUPS || span.length() <= Days::minutes(1) {
        return Reads {
            parts: vec![Part { span, groups: g }],
            queries: 1,
            rounds: 1,
        };
    }
    let [x, y] = span.halves().map(|h| read_span(logins, h));
    Reads {
        queries: 1 + x.queries + y.queries,
        rounds: 1 + x.rounds.max(y.rounds),
        parts: x.parts.into_iter().chain(y.parts).collect(),
    }
}

/// The LoginHistory queries verify needs for these logins, at least: both windows (in
/// halves where they hold too many groups), then the baseline's parts the model asks to
/// split ([`rhythm_splits`], within the default budget), round after round.
struct WindowPlan {
    queries: u64,
    /// Rounds of calls one after another.
    rounds: u64,
    rhythm_splits: usize,
    baseline_groups: usize,
    after_groups: usize,
    baseline_parts: usize,
}

fn window_plan(logins: &[lh::Login]) -> WindowPlan {
    let (b, a) = windows();
    let mut base = read_span(logins, b);
    let after = read_span(logins, a);
    let mut queries = base.queries + after.queries;
    let mut rounds = base.rounds.max(after.rounds);
    let (mut spent, mut splits_made) = (0, 0);
    loop {
        base.parts.sort_by_key(|p| p.span.from);
        let splits = rhythm_splits(&base.parts, &after.parts, b, a.to);
        let cost = 2 * splits.len() as u64;
        if splits.is_empty() || spent + cost > DEFAULT_RHYTHM_BUDGET {
            break;
        }
        spent += cost;
        splits_made += splits.len();
        let reads: Vec<Reads> = splits
            .iter()
            .flat_map(|s| s.halves())
            .map(|h| read_span(logins, h))
            .collect();
        base.parts.retain(|p| !splits.contains(&p.span));
        queries += reads.iter().map(|r| r.queries).sum::<u64>();
        rounds += reads.iter().map(|r| r.rounds).max().unwrap_or(0);
        base.parts.extend(reads.into_iter().flat_map(|r| r.parts));
    }
    WindowPlan {
        queries,
        rounds,
        rhythm_splits: splits_made,
        baseline_groups: groups(logins, b).len(),
        after_groups: groups(logins, a).len(),
        baseline_parts: base.parts.len(),
    }
}

/// OauthToken rows: two tokens of each app with users, last used in the days around the
/// change.
fn tokens(labels: &[String], seed: u64) -> Vec<serde_json::Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        if matches!(role(i), Role::Unaffected | Role::Dormant) {
            continue;
        }
        for t in 0..2 {
            out.push(serde_json::json!({
                "attributes": {"type": "OauthToken"},
                "Id": null,
                "AppName": label,
                "UserId": format!("005SYNTHUSER{:06}", (i * 2 + t) % 5000),
                "UseCount": rng.u32(1..500),
                "LastUsedDate": format!("2026-11-{:02}T10:00:00.000+0000", rng.u8(13..21)),
            }));
        }
    }
    out
}

/// The fewest calls outside LoginHistory and what they are made of: versions,
/// Organization, 2 listMetadata, the settings read, readMetadata batches; the package,
/// ConnectedApplication and OauthToken pages; UserPermissionAccess.
struct Minimum {
    reads: u64,
    token_pages: u64,
    app_pages: u64,
}

impl Minimum {
    fn of(dir: &Path, connected_apps: usize, token_rows: usize) -> Minimum {
        Minimum {
            reads: component_counts(dir).into_iter().map(batches).sum(),
            // Below the 2,500-row cap: pages of 500, one even when empty.
            token_pages: token_rows.div_ceil(500).max(1) as u64,
            // Without a record file the test org lists the org's own Connected Apps.
            app_pages: connected_apps.div_ceil(2000).max(1) as u64,
        }
    }

    fn calls(&self) -> u64 {
        1 + 1 + 2 + 1 + self.reads + 1 + self.app_pages + self.token_pages + 1
    }
}

/// What the report said: the verdict and the apps per state.
fn states(report: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for app in v["apps"].as_array().unwrap() {
        *by.entry(app["state"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let states: Vec<String> = by.iter().map(|(s, n)| format!("{n} {s}")).collect();
    format!("{} · {}", v["verdict"], states.join(", "))
}

/// The test org's own time for the baseline's window query (the latency taken off).
fn serving_time(org: &fake_org::FakeOrg, latency: Duration) -> Duration {
    let (b, _) = windows();
    let version = fake_org::Config::default().api_versions.pop().unwrap();
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{time_total}", "-G"])
        .arg(format!("{}/services/data/v{version}/query", org.base_url))
        .arg("--data-urlencode")
        .arg(format!("q={}", window_query(b)))
        .arg("-H")
        .arg(format!(
            "Authorization: Bearer {}",
            fake_org::Config::default().access_token
        ))
        .output()
        .expect("curl");
    let total: f64 = String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0.0);
    Duration::from_secs_f64(total).saturating_sub(latency)
}

struct Case<'a> {
    name: &'a str,
    extra: bool,
}

#[allow(clippy::too_many_arguments)]
fn run_case(
    case: &Case,
    dir: &Path,
    labels: &[String],
    connected_apps: usize,
    rows: usize,
    latency_ms: u64,
    concurrency: usize,
    runs: usize,
) {
    let logins = logins(labels, rows, case.extra, 21);
    let plan = window_plan(&logins);
    let tokens = tokens(labels, 22);
    let minimum = Minimum::of(dir, connected_apps, tokens.len());
    let latency = Duration::from_millis(latency_ms);
    let org = fake_org::FakeOrg::start(fake_org::Config {
        org_dir: dir.to_path_buf(),
        latency,
        now: time(UNTIL),
        sobjects: [("OauthToken".to_string(), tokens)].into(),
        logins,
        ..Default::default()
    });
    let serving = serving_time(&org, latency);
    let report = tempfile::NamedTempFile::new().unwrap();
    let (mut walls, mut peak, mut calls, mut codes) = (Vec::new(), 0, 0, Vec::new());
    for _ in 0..runs {
        let before = served(&org);
        let (wall, code, rss) = measure(
            Command::new(BIN)
                .args(["verify", "--instance-url", &org.base_url, "--quiet"])
                .args(["--since", SINCE, "--until", UNTIL, "--json", "--output"])
                .arg(report.path())
                .args(["--concurrency", &concurrency.to_string()])
                .env("SF_ACCESS_TOKEN", fake_org::Config::default().access_token)
                .env("PKCE_AUDIT_NOW", UNTIL),
        );
        calls = served(&org) - before;
        walls.push(wall);
        peak = peak.max(rss);
        codes.push(code);
    }
    let wall = median(walls);
    let min_calls = minimum.calls() + plan.queries;
    let rounds = |n: u64| n.div_ceil(concurrency as u64);
    // Versions, then the lists and the reads in rounds of `concurrency`; the window
    // queries start beside the lists (each split one more round after its part).
    let metadata_path = 2 + rounds(minimum.reads);
    let window_path = 1 + plan.rounds;
    let critical = latency * metadata_path.max(window_path) as u32;
    // Every call after versions through `concurrency` permits.
    let permits = latency * (1 + rounds(min_calls - 1)) as u32;
    println!(
        "\n## {}: {} logins; baseline {} groups (read in {} parts), after {} groups; rhythm splits {}",
        case.name,
        rows,
        plan.baseline_groups,
        plan.baseline_parts,
        plan.after_groups,
        plan.rhythm_splits
    );
    println!(
        "test org: the baseline's window query answered in {:.0} ms (latency aside)",
        serving.as_secs_f64() * 1e3
    );
    println!(
        "API calls:       {calls} (minimum {min_calls} = {} outside LoginHistory [{} readMetadata, {} token pages] + {} LoginHistory; {:+})",
        minimum.calls(),
        minimum.reads,
        minimum.token_pages,
        plan.queries,
        calls as i64 - min_calls as i64
    );
    println!(
        "wall time:       {} (ideal critical path {} = {} rounds: metadata {}, windows {}; ratio {:.2}) · all calls through {concurrency} permits {} (ratio {:.2})",
        secs(wall),
        secs(critical),
        metadata_path.max(window_path),
        metadata_path,
        window_path,
        wall.as_secs_f64() / critical.as_secs_f64(),
        secs(permits),
        wall.as_secs_f64() / permits.as_secs_f64()
    );
    println!("peak memory:     {:.1} MB", peak as f64 / 1024.0);
    println!(
        "report:          {} · exit {codes:?}",
        states(report.path())
    );
}

fn main() {
    let quick = std::env::var("VERIFY_QUICK").is_ok() || !std::env::args().any(|a| a == "--bench");
    let runs = env_or("VERIFY_RUNS", if quick { 1 } else { 5 });
    let ca = env_or("VERIFY_CA", if quick { 80 } else { 400 });
    let eca = env_or("VERIFY_ECA", if quick { 20 } else { 100 });
    let rows = env_or("VERIFY_LOGINS", if quick { 20_000 } else { 200_000 });
    let latency = env_or("VERIFY_LATENCY_MS", if quick { 5 } else { 100 });
    let concurrency = env_or("VERIFY_CONCURRENCY", 8);
    let only = std::env::var("VERIFY_CASE").ok();
    println!(
        "pkce-audit verify bench — {} cores, {ca} Connected Apps + {eca} External Client Apps, {latency} ms latency, concurrency {concurrency}, {runs} run(s) per figure, medians",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Spec {
            connected_apps: ca,
            external_client_apps: eca,
            seed: 21,
            pkce_required: true,
            ..Default::default()
        },
    );
    let labels: Vec<String> = (0..ca)
        .map(|i| format!("Synthetic connected app {i}"))
        .chain((0..eca).map(|j| format!("Synthetic ECA {j}")))
        .collect();
    for case in [
        Case {
            name: "plain",
            extra: false,
        },
        Case {
            name: "split",
            extra: true,
        },
    ] {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        run_case(
            &case,
            dir.path(),
            &labels,
            ca,
            rows,
            latency,
            concurrency,
            runs,
        );
    }
}
