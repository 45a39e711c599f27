//! Fault matrix (issue 6): transient faults never change the findings; every permanent
//! fault yields a named `incomplete` entry and exit 3 on an org that would otherwise be
//! ready — never `ready`, never a panic.

#[path = "fake_org/mod.rs"]
mod fake_org;
#[path = "live_support/mod.rs"]
mod live_support;

use fake_org::{Config, FakeOrg};
use live_support::*;
use metadata_types::FETCHED;
use std::path::Path;

mod metadata_types {
    pub use pkce_audit::metadata::MetadataType;
    pub const FETCHED: &[MetadataType] = MetadataType::FETCHED;
}

fn org(dir: &Path) -> Config {
    Config {
        org_dir: dir.to_path_buf(),
        ..Default::default()
    }
}

#[test]
fn seeds_1_to_10_at_20_percent_transient_faults_give_the_clean_findings() {
    let clean = audit_live(&FakeOrg::start(org(&fixture("demo-org"))).base_url, &[]);
    assert_eq!(clean.code, 1, "{}", clean.stderr);
    let clean = clean.json();
    let runs: Vec<(u64, Run, u64)> = std::thread::scope(|s| {
        (1u64..=10)
            .map(|seed| {
                s.spawn(move || {
                    let fake = FakeOrg::start(Config {
                        fault_rate: 0.2,
                        seed,
                        ..org(&fixture("demo-org"))
                    });
                    let r = audit_live(&fake.base_url, &["--concurrency", "4"]);
                    let faults = fake.calls().get("faults_injected").copied().unwrap_or(0);
                    (seed, r, faults)
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect()
    });
    let mut faults_seen = 0;
    for (seed, r, faults) in runs {
        assert_eq!(r.code, 1, "seed {seed}: {}", r.stderr);
        let report = r.json();
        assert_eq!(findings(&report), findings(&clean), "seed {seed}");
        assert_eq!(apps(&report), apps(&clean), "seed {seed}");
        assert!(
            incomplete(&report).is_empty(),
            "seed {seed}: {:?}",
            incomplete(&report)
        );
        faults_seen += faults;
    }
    assert!(
        faults_seen >= 10,
        "the matrix really injected faults ({faults_seen})"
    );
}

/// Runs a live audit of the ready org against a faulty server; returns the report.
fn ready_org_with(cfg: Config, extra: &[&str]) -> serde_json::Value {
    let fake = FakeOrg::start(cfg);
    let r = audit_live(&fake.base_url, extra);
    assert_eq!(
        r.code, 3,
        "exit 3 (incomplete), got {}: {}\n{}",
        r.code, r.stderr, r.stdout
    );
    let report = r.json();
    assert_eq!(verdict(&report), "incomplete");
    report
}

fn named(report: &serde_json::Value, text: &str) -> bool {
    incomplete(report)
        .iter()
        .any(|p| p.to_string().contains(text))
}

#[test]
fn the_ready_org_is_ready_without_faults() {
    let fake = FakeOrg::start(org(&fixture("ready-org")));
    let r = audit_live(&fake.base_url, &[]);
    assert_eq!(
        (r.code, verdict(&r.json())),
        (0, "ready".to_string()),
        "{}",
        r.stderr
    );
}

#[test]
fn every_denied_metadata_type_is_named_and_never_ready() {
    for ty in FETCHED {
        let report = ready_org_with(
            Config {
                deny_read_types: vec![ty.name().to_string()],
                ..org(&fixture("ready-org"))
            },
            &[],
        );
        assert!(
            named(&report, ty.name()),
            "{ty}: {:#}",
            report["incomplete"]
        );
        assert!(
            incomplete(&report)
                .iter()
                .any(|p| p["remedy"].as_str().is_some_and(|r| !r.is_empty())),
            "{ty}: the entry says which permission grants it"
        );
    }
}

#[test]
fn a_denied_query_is_named_and_never_ready() {
    let report = ready_org_with(
        Config {
            deny_queries: vec!["Organization".into()],
            ..org(&fixture("ready-org"))
        },
        &[],
    );
    assert!(named(&report, "Organization"), "{:#}", report["incomplete"]);
}

#[test]
fn an_expired_session_without_a_way_to_refresh_is_named_and_never_ready() {
    // A bare access token cannot be renewed: after three calls the org stops accepting it.
    // What was read stays; everything after is named, and the audit is incomplete.
    let report = ready_org_with(
        Config {
            expire_session_after: Some(3),
            ..org(&fixture("ready-org"))
        },
        &["--concurrency", "1"],
    );
    assert!(
        named(&report, "INVALID_SESSION_ID"),
        "{:#}",
        report["incomplete"]
    );
    assert!(named(&report, "log in again"), "{:#}", report["incomplete"]);
}

#[test]
fn a_token_rejected_from_the_start_is_a_one_line_login_error() {
    let fake = FakeOrg::start(Config {
        access_token: "00DOTHER!NotTheTokenWeSend".into(),
        ..org(&fixture("ready-org"))
    });
    let r = audit_live(&fake.base_url, &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("INVALID_SESSION_ID"), "{}", r.stderr);
}

#[test]
fn truncated_bodies_are_named_and_never_ready() {
    let report = ready_org_with(
        Config {
            truncate_bodies: true,
            ..org(&fixture("ready-org"))
        },
        &["--api-version", "66.0"],
    );
    assert!(named(&report, "malformed"), "{:#}", report["incomplete"]);
}
