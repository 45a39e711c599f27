//! Scale bench: `cargo bench --bench scale` (docs/performance.md has the numbers).
//!
//! Measures, on synthetic orgs (crates/test-org/src/synth.rs) served by the loopback test org (crates/test-org/src/fake_org):
//! - live: API calls made vs the theoretical minimum, wall time vs the ideal critical path
//!   at the chosen concurrency and latency, and the peak memory of the process;
//! - offline: auditing a folder of ~10,000 metadata files vs plain `cat` of the same files;
//! - growth: offline audit time at 1x, 4x and 16x, to show there is no quadratic work;
//! - fleet: many orgs at once against the slowest of them alone.
//!
//! Medians of several runs, because this machine is small (2 cores) and noisy. Environment:
//! `SCALE_CA`, `SCALE_ECA`, `SCALE_LATENCY_MS`, `SCALE_CONCURRENCY`, `SCALE_RUNS`, `SCALE_QUICK=1`,
//! `SCALE_EVIDENCE=1` (the live org also serves usage evidence: tokens, logins, vendor apps).
//!
//! The fleet case serves `SCALE_FLEET_ORGS` (20) synthetic orgs of growing size, each from
//! its own test org, audits each alone, then all with one `pkce-audit fleet`: wall time
//! against the slowest single audit, API calls against the sum of the singles and of the
//! minimums. `SCALE_FLEET=only` runs only that case.
//!
//! `SCALE_HOSTILE=1` measures only the peak memory of a live audit against a hostile server
//! (crates/test-org/src/hostile_server.rs) answering 60 MB SOAP or JSON bodies, and bodies at the
//! parse bounds, and how long `--timeout 15` takes to end a run against answers slow to
//! parse (`SCALE_HOSTILE=timeout`: only that; `SCALE_TIMEOUT_RUNS`: its runs);
//! `SCALE_BIN=<path>` measures another build of pkce-audit (an older one).

use pkce_audit_test_org::fake_org;
use pkce_audit_test_org::hostile_server as hostile;
use pkce_audit_test_org::synth;

mod common;
use common::*;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct LiveResult {
    calls: u64,
    minimum: u64,
    wall: Duration,
    critical: Duration,
    peak_kib: i64,
}

fn live(ca: usize, eca: usize, latency_ms: u64, concurrency: usize, runs: usize) -> LiveResult {
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Spec {
            connected_apps: ca,
            external_client_apps: eca,
            seed: 42,
            with_evidence: std::env::var("SCALE_EVIDENCE").is_ok(),
            ..Default::default()
        },
    );
    let org = fake_org::FakeOrg::start(fake_org::Config {
        org_dir: dir.path().to_path_buf(),
        latency: Duration::from_millis(latency_ms),
        ..Default::default()
    });
    let mut walls = Vec::new();
    let mut peak = 0;
    let mut calls = 0;
    for _ in 0..runs {
        let (wall, served_calls, rss) = audit_once(&org, concurrency);
        calls = served_calls;
        walls.push(wall);
        peak = peak.max(rss);
    }
    let (minimum, reads) = minimum_calls(dir.path());
    // Ideal critical path: versions, then the lists, then the reads in rounds of
    // `concurrency` (the Organization query, settings read and evidence queries overlap
    // the lists).
    let rounds = reads.div_ceil(concurrency as u64);
    let critical = Duration::from_millis(latency_ms * (2 + rounds));
    LiveResult {
        calls,
        minimum,
        wall: median(walls),
        critical,
        peak_kib: peak,
    }
}

/// One live audit of `org` through the binary: wall time, the calls the org answered,
/// peak memory.
fn audit_once(org: &fake_org::FakeOrg, concurrency: usize) -> (Duration, u64, i64) {
    let before = served(org);
    let (wall, code, rss) = measure(
        Command::new(BIN)
            .args([
                "audit",
                "--instance-url",
                &org.base_url,
                "--json",
                "--quiet",
            ])
            .args(["--concurrency", &concurrency.to_string()])
            .env("SF_ACCESS_TOKEN", fake_org::Config::default().access_token),
    );
    assert!(matches!(code, 0 | 1 | 3), "exit {code}");
    (wall, served(org) - before, rss)
}

/// The fewest API calls a live audit of the org in `dir` can make, and how many of them
/// are readMetadata batches: versions + Organization + 2 listMetadata (6 types, 3 per
/// call) + the settings read + the evidence query pages + one readMetadata per 10 names
/// of each type.
fn minimum_calls(dir: &Path) -> (u64, u64) {
    let counts = component_counts(dir);
    let reads: u64 = counts.iter().map(|&n| batches(n)).sum();
    (
        1 + 1 + 2 + 1 + evidence_pages(dir, counts[0]) + reads,
        reads,
    )
}

/// One org of the fleet case: its folder, its server, and its single-org figures.
struct FleetOrg {
    _dir: tempfile::TempDir,
    server: fake_org::FakeOrg,
    wall: Duration,
    calls: u64,
    minimum: u64,
}

/// `orgs` synthetic orgs of growing size, each served by its own test org (its own
/// instance URL) at `latency_ms`: each audited alone, then all by one `fleet` run at
/// `--org-concurrency` `orgs` and at the default 4.
fn fleet(orgs: usize, latency_ms: u64, concurrency: usize, runs: usize, quick: bool) {
    let token = fake_org::Config::default().access_token;
    let (base, step) = if quick { (5, 5) } else { (20, 50) };
    let mut members = Vec::new();
    for i in 0..orgs {
        let dir = tempfile::tempdir().unwrap();
        let ca = base + step * i;
        synth::generate(
            dir.path(),
            &synth::Spec {
                connected_apps: ca,
                external_client_apps: ca / 4,
                seed: 100 + i as u64,
                with_evidence: std::env::var("SCALE_EVIDENCE").is_ok(),
                ..Default::default()
            },
        );
        let server = fake_org::FakeOrg::start(fake_org::Config {
            org_dir: dir.path().to_path_buf(),
            latency: Duration::from_millis(latency_ms),
            ..Default::default()
        });
        let (minimum, _) = minimum_calls(dir.path());
        members.push(FleetOrg {
            _dir: dir,
            server,
            wall: Duration::ZERO,
            calls: 0,
            minimum,
        });
    }
    for m in &mut members {
        let mut walls = Vec::new();
        for _ in 0..runs {
            let (wall, calls, _) = audit_once(&m.server, concurrency);
            m.calls = calls;
            walls.push(wall);
        }
        m.wall = median(walls);
    }
    let (slowest, slowest_at) = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.wall, i))
        .max()
        .unwrap();
    let single_calls: u64 = members.iter().map(|m| m.calls).sum();
    let minimum: u64 = members.iter().map(|m| m.minimum).sum();
    println!(
        "single-org audits: slowest {} (org {slowest_at}, {} calls), fastest {}, sum of walls {}",
        secs(slowest),
        members[slowest_at].calls,
        secs(members.iter().map(|m| m.wall).min().unwrap()),
        secs(members.iter().map(|m| m.wall).sum())
    );
    println!("API calls:         sum of singles {single_calls}, sum of minimums {minimum}");

    let folder = tempfile::tempdir().unwrap();
    let mut toml = String::new();
    for (i, m) in members.iter().enumerate() {
        std::fs::write(folder.path().join(format!("{i}.token")), &token).unwrap();
        toml += &format!(
            "[[org]]\nname = \"org-{i:02}\"\ninstance_url = \"{}\"\naccess_token_file = \"{i}.token\"\n\n",
            m.server.base_url
        );
    }
    let file = folder.path().join("fleet.toml");
    std::fs::write(&file, toml).unwrap();
    for org_concurrency in [orgs, 4] {
        let mut walls = Vec::new();
        let mut calls = 0;
        let mut peak = 0;
        for _ in 0..runs {
            let before: u64 = members.iter().map(|m| served(&m.server)).sum();
            let (wall, code, rss) = measure(
                Command::new(BIN)
                    .arg("fleet")
                    .arg("--orgs")
                    .arg(&file)
                    .args([
                        "--json",
                        "--quiet",
                        "--concurrency",
                        &concurrency.to_string(),
                    ])
                    .args(["--org-concurrency", &org_concurrency.to_string()]),
            );
            assert!(matches!(code, 0 | 1 | 3), "exit {code}");
            calls = members.iter().map(|m| served(&m.server)).sum::<u64>() - before;
            walls.push(wall);
            peak = peak.max(rss);
        }
        let wall = median(walls);
        println!(
            "fleet --org-concurrency {org_concurrency:>2}: wall {} · ratio to the slowest single {:.2} (target ≤ 1.5) · API calls {calls} ({:+} vs the singles, {:+} vs the minimums) · peak memory {:.1} MB",
            secs(wall),
            wall.as_secs_f64() / slowest.as_secs_f64(),
            calls as i64 - single_calls as i64,
            calls as i64 - minimum as i64,
            peak as f64 / 1024.0
        );
    }
}

/// Query pages the four evidence sources need at least: one each when empty; the token
/// rows 500 a page, every row (past 2,500: one `SELECT COUNT()` and batches of 2,500 by
/// LIMIT/OFFSET, each paged 500 at a time); ConnectedApplication rows and LoginHistory
/// groups (the aggregate answer) 2,000 a page.
fn evidence_pages(dir: &Path, connected_apps: usize) -> u64 {
    let rows = |object: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(dir.join("evidence").join(format!("{object}.json")))
            .ok()
            .and_then(|t| serde_json::from_str::<Vec<serde_json::Value>>(&t).ok())
            .unwrap_or_default()
    };
    let pages = |n: usize, per: usize| (n.div_ceil(per)).max(1) as u64;
    let groups: std::collections::HashSet<[String; 4]> = rows("LoginHistory")
        .iter()
        .map(|r| ["Application", "LoginType", "LoginSubType", "Status"].map(|f| r[f].to_string()))
        .collect();
    let token_calls = |n: usize| -> u64 {
        if n < 2500 {
            return pages(n, 500);
        }
        let mut calls = 1; // SELECT COUNT()
        let mut left = n;
        while left > 0 {
            let batch = left.min(2500);
            calls += pages(batch, 500);
            left -= batch;
        }
        calls
    };
    // Without a record file the test org lists the org's own Connected Apps, as a real
    // org does.
    let app_rows = match rows("ConnectedApplication").len() {
        0 => connected_apps,
        n => n,
    };
    1 // InstalledSubscriberPackage
        + pages(app_rows, 2000)
        + token_calls(rows("OauthToken").len())
        + pages(groups.len(), 2000)
}

fn offline(dir: &Path, runs: usize) -> (Duration, Duration, i64) {
    let mut audit = Vec::new();
    let mut cat = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (t, _, rss) = measure(
            Command::new(BIN)
                .args(["audit", "--json", "--source"])
                .arg(dir),
        );
        audit.push(t);
        peak = peak.max(rss);
        // The floor: reading every file once, with the same walk done by find.
        let (t, _, _) = measure(
            Command::new("sh")
                .arg("-c")
                .arg("find \"$0\" -type f -print0 | xargs -0 cat > /dev/null")
                .arg(dir),
        );
        cat.push(t);
    }
    (median(audit), median(cat), peak)
}

/// Inventory build (ECA joins, label matching against usage) and report build, in-process,
/// with usage evidence for every app plus a tenth as many apps defined elsewhere.
fn with_evidence(dir: &Path, runs: usize) -> (Duration, usize) {
    use pkce_audit_model::evidence::{self, Evidence, LoginUsage, SourceState, TokenUsage};
    let (collected, _) = pkce_audit_io::source::collect(dir).unwrap();
    let labels: Vec<String> = pkce_audit_model::inventory::build(collected.clone())
        .apps
        .iter()
        .filter_map(|a| a.label.clone())
        .collect();
    let read = || SourceState::Read {
        rows: 1,
        partial: false,
        method: None,
        reason: None,
    };
    let mut e = Evidence {
        window_days: 90,
        sources: evidence::EvidenceSource::KNOWN
            .iter()
            .map(|s| (*s, read()))
            .collect(),
        ..Default::default()
    };
    for (i, l) in labels.iter().enumerate() {
        e.tokens.push(TokenUsage {
            app: l.clone(),
            tokens: 3,
            users: 2,
            use_count: 40,
            used_in_window: 1,
            last_used: Some("2026-11-01".into()),
        });
        let sub = if i % 3 == 0 {
            "OauthClientCredentials"
        } else {
            "OauthWebServer"
        };
        e.logins.push(LoginUsage {
            app: l.clone(),
            sub_type: sub.into(),
            count: 5,
            last_seen: Some("2026-11-02".into()),
            failed: 1,
        });
        e.logins.push(LoginUsage {
            app: l.clone(),
            sub_type: "OauthRefreshToken".into(),
            count: 9,
            last_seen: None,
            failed: 0,
        });
    }
    for k in 0..labels.len() / 10 {
        e.connected_applications.push(format!("Vendor tool {k}"));
    }
    let mut times = Vec::new();
    let mut apps = 0;
    for _ in 0..runs.max(3) {
        let mut c = collected.clone();
        c.evidence = Some(e.clone());
        let start = Instant::now();
        let inv = pkce_audit_model::inventory::build(c);
        let report = pkce_audit_render::report::build(&inv, Default::default());
        times.push(start.elapsed());
        apps = report.apps.len();
    }
    (median(times), apps)
}

/// Peak memory of a live audit, default concurrency, against hostile answers.
fn hostile_memory(runs: usize) {
    use hostile::Mode;
    let bin = std::env::var("SCALE_BIN").unwrap_or_else(|_| BIN.to_string());
    const MB: usize = 1024 * 1024;
    println!("\n## Hostile answers: {bin}, default concurrency, median of {runs}");
    let cases = [
        (
            "60 MB SOAP, Content-Length",
            Mode::HugeSoap {
                bytes: 60 * MB,
                length: true,
            },
        ),
        (
            "60 MB SOAP, no length",
            Mode::HugeSoap {
                bytes: 60 * MB,
                length: false,
            },
        ),
        (
            "SOAP at the tag bound (2 MB of <x/>)",
            Mode::HugeSoap {
                bytes: 1_990_000,
                length: true,
            },
        ),
        (
            "60 MB JSON, Content-Length",
            Mode::HugeJson {
                bytes: 60 * MB,
                length: true,
            },
        ),
        (
            "60 MB JSON, no length",
            Mode::HugeJson {
                bytes: 60 * MB,
                length: false,
            },
        ),
        (
            "JSON at the value bound (190,000 zeros)",
            Mode::HugeJson {
                bytes: 380_000,
                length: true,
            },
        ),
    ];
    for (label, mode) in cases {
        let base = hostile::start(mode);
        let mut peaks = Vec::new();
        let mut walls = Vec::new();
        let mut codes = Vec::new();
        for _ in 0..runs {
            let (wall, code, peak, _) = measure_any(
                Command::new(&bin)
                    .args(["audit", "--instance-url", &base, "--json", "--quiet"])
                    .args(["--timeout", "900"])
                    .env("SF_ACCESS_TOKEN", "00DHOSTILE!tokenvalue"),
            );
            peaks.push(peak);
            walls.push(wall);
            codes.push(code);
        }
        let all: Vec<String> = peaks
            .iter()
            .map(|p| format!("{:.1}", *p as f64 / 1024.0))
            .collect();
        peaks.sort();
        println!(
            "{label:<42} peak {:>7.1} MB (runs: {} MB) · wall {} · exit {codes:?}",
            peaks[peaks.len() / 2] as f64 / 1024.0,
            all.join(", "),
            secs(median(walls)),
        );
    }
}

/// Wall time of a live audit with `--timeout 15` against answers slow to parse; a run
/// still going after 120 s is killed (`timeout`, exit 124).
fn hostile_timeout(runs: usize) {
    use hostile::Mode;
    let bin = std::env::var("SCALE_BIN").unwrap_or_else(|_| BIN.to_string());
    const MB: usize = 1024 * 1024;
    println!("\n## --timeout 15 against slow answers: {bin}, median of {runs}");
    let cases = [
        (
            "60 MB SOAP of <x/>",
            Mode::HugeSoap {
                bytes: 60 * MB,
                length: true,
            },
        ),
        (
            "7 MB of attributes on one element",
            Mode::AttributeBomb { bytes: 7 * MB },
        ),
        (
            "1,000 apps, 3.5 MB per read answer",
            Mode::ManySlowReads {
                names: 1000,
                bytes: 3 * MB + MB / 2,
            },
        ),
    ];
    for (label, mode) in cases {
        let base = hostile::start(mode);
        let mut walls = Vec::new();
        let mut codes = Vec::new();
        let mut peaks = Vec::new();
        for _ in 0..runs {
            let (wall, code, peak, _) = measure_any(
                Command::new("timeout")
                    .args(["120", &bin, "audit", "--instance-url", &base, "--json"])
                    .args(["--quiet", "--no-usage", "--timeout", "15"])
                    .env("SF_ACCESS_TOKEN", "00DHOSTILE!tokenvalue"),
            );
            walls.push(wall);
            codes.push(code);
            peaks.push(peak);
        }
        peaks.sort();
        println!(
            "{label:<42} wall {} (runs: {}) · exit {codes:?} · peak {:.1} MB",
            secs(median(walls.clone())),
            walls
                .iter()
                .map(|w| secs(*w))
                .collect::<Vec<_>>()
                .join(", "),
            peaks[peaks.len() / 2] as f64 / 1024.0
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run small then.
    let quick = std::env::var("SCALE_QUICK").is_ok() || !std::env::args().any(|a| a == "--bench");
    if let Ok(which) = std::env::var("SCALE_HOSTILE") {
        if which != "timeout" {
            hostile_memory(env_or("SCALE_RUNS", 3));
        }
        hostile_timeout(env_or("SCALE_TIMEOUT_RUNS", env_or("SCALE_RUNS", 3)));
        return;
    }
    let runs = env_or("SCALE_RUNS", if quick { 1 } else { 5 });
    let ca = env_or("SCALE_CA", if quick { 200 } else { 2000 });
    let eca = env_or("SCALE_ECA", if quick { 50 } else { 500 });
    let latency = env_or("SCALE_LATENCY_MS", if quick { 5 } else { 100 });
    let concurrency = env_or("SCALE_CONCURRENCY", 8);
    println!(
        "pkce-audit scale bench — {} cores, {runs} run(s) per figure, medians",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let orgs = env_or("SCALE_FLEET_ORGS", 20);
    let fleet_case = || {
        println!("\n## Fleet: {orgs} orgs, each its own test org, {latency} ms latency, concurrency {concurrency} per org");
        fleet(orgs, latency, concurrency, runs, quick);
    };
    if std::env::var("SCALE_FLEET").is_ok_and(|v| v == "only") {
        fleet_case();
        return;
    }

    println!("\n## Live audit: {ca} Connected Apps + {eca} External Client Apps, {latency} ms latency, concurrency {concurrency}");
    let r = live(ca, eca, latency, concurrency, runs);
    println!(
        "API calls:       {} (minimum {}, {} extra)",
        r.calls,
        r.minimum,
        r.calls as i64 - r.minimum as i64
    );
    println!(
        "wall time:       {} (ideal critical path {}, ratio {:.2})",
        secs(r.wall),
        secs(r.critical),
        r.wall.as_secs_f64() / r.critical.as_secs_f64()
    );
    println!("peak memory:     {:.1} MB", r.peak_kib as f64 / 1024.0);

    fleet_case();

    let (files_ca, files_eca) = if quick { (500, 100) } else { (5600, 1000) };
    let dir = tempfile::tempdir().unwrap();
    let w = synth::generate(
        dir.path(),
        &synth::Spec {
            connected_apps: files_ca,
            external_client_apps: files_eca,
            seed: 7,
            ..Default::default()
        },
    );
    println!(
        "\n## Offline audit of {} metadata files ({:.1} MB)",
        w.files,
        w.bytes as f64 / 1e6
    );
    let (audit, cat, peak) = offline(dir.path(), runs);
    println!(
        "pkce-audit:      {} · cat: {} · ratio {:.2} · peak memory {:.1} MB",
        secs(audit),
        secs(cat),
        audit.as_secs_f64() / cat.as_secs_f64(),
        peak as f64 / 1024.0
    );

    println!("\n## Growth (time per app should stay flat: no quadratic work)");
    let base = if quick { 100 } else { 500 };
    for factor in [1, 4, 16] {
        let dir = tempfile::tempdir().unwrap();
        let n = base * factor;
        synth::generate(
            dir.path(),
            &synth::Spec {
                connected_apps: n,
                external_client_apps: n / 4,
                seed: 3,
                ..Default::default()
            },
        );
        let (t, _, _) = offline(dir.path(), runs);
        let apps = n + n / 4;
        let (te, with_external) = with_evidence(dir.path(), runs);
        println!(
            "{factor:>2}x: {apps:>6} apps  offline audit {}  {:.1} µs/app · with evidence (join, label matching, report; {with_external} apps) {}  {:.1} µs/app",
            secs(t),
            t.as_secs_f64() * 1e6 / apps as f64,
            secs(te),
            te.as_secs_f64() * 1e6 / with_external as f64
        );
    }
}
