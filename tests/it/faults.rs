//! Fault matrix (issue 6): transient faults never change the findings; every permanent
//! fault yields a named `incomplete` entry and exit 3 on an org that would otherwise be
//! ready — never `ready`, never a panic.

use crate::fake_org;
use crate::live_support;

use fake_org::{Config, FakeOrg};
use live_support::*;
use metadata_types::FETCHED;
use std::path::Path;

mod metadata_types {
    pub use pkce_audit_io::metadata::MetadataType;
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
    // The remedy ends with the option that renews a session, in the binary's words.
    let remedy = "the session expired during the run and could not be renewed: log in again and re-run (with --auth-url-file pkce-audit renews it by itself)";
    assert!(
        report["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["remedy"] == remedy),
        "{:#}",
        report["incomplete"]
    );
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

/// The component of each `incomplete` entry.
fn components(report: &serde_json::Value) -> Vec<String> {
    incomplete(report)
        .iter()
        .filter_map(|p| p["component"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_wrong_read_answer_names_the_component_and_is_never_ready() {
    use fake_org::Quirk;
    const ECA: &str = "ExternalClientApplication Acme_Web_Portal";
    const GLOBAL: &str = "ExtlClntAppGlobalOauthSettings Acme_Web_Portal_glbloauth";
    const SETTINGS: &str = "OauthOidcSettings OauthOidc";
    // (component, quirk, the entry's component, words of its reason)
    let cases: Vec<(&str, Quirk, &str, &str)> = vec![
        (ECA, Quirk::OnlyFullName, ECA, "fullName and nothing else"),
        (
            GLOBAL,
            Quirk::OnlyFullName,
            GLOBAL,
            "fullName and nothing else",
        ),
        (ECA, Quirk::NoFullName, ECA, "without a fullName"),
        (GLOBAL, Quirk::NoFullName, GLOBAL, "without a fullName"),
        (ECA, Quirk::Duplicate, ECA, "2 records with this fullName"),
        (
            GLOBAL,
            Quirk::Duplicate,
            GLOBAL,
            "2 records with this fullName",
        ),
        // The answer for the name asked is a record for another name (here: its case).
        (
            ECA,
            Quirk::Renamed("acme_web_portal".into()),
            ECA,
            "no record with this fullName",
        ),
        (
            GLOBAL,
            Quirk::Renamed("Other_glbloauth".into()),
            GLOBAL,
            "no record with this fullName",
        ),
        (
            SETTINGS,
            Quirk::OnlyFullName,
            SETTINGS,
            "org OAuth settings unknown",
        ),
        (
            SETTINGS,
            Quirk::NoFullName,
            SETTINGS,
            "org OAuth settings unknown",
        ),
        (SETTINGS, Quirk::Duplicate, SETTINGS, "2 records"),
        (
            SETTINGS,
            Quirk::Renamed("Oauthoidc".into()),
            SETTINGS,
            "no record with this fullName",
        ),
        // listMetadata: an empty entry, one without a name, a repeated one, a wrong type.
        (
            ECA,
            Quirk::ListedEmpty,
            "ConnectedApp, ExternalClientApplication, ExtlClntAppGlobalOauthSettings",
            "neither a type nor a fullName",
        ),
        (
            ECA,
            Quirk::ListedWithoutName,
            "ExternalClientApplication",
            "without a fullName",
        ),
        (GLOBAL, Quirk::ListedTwice, GLOBAL, "listed it 2 times"),
        (
            GLOBAL,
            Quirk::ListedAs("ExtlClntAppOauthSettings".into()),
            "ExtlClntAppOauthSettings Acme_Web_Portal_glbloauth",
            "did not ask for",
        ),
        (
            ECA,
            Quirk::ListedAs(String::new()),
            "(no type) Acme_Web_Portal",
            "without a type",
        ),
    ];
    for (target, quirk, component, words) in cases {
        let report = ready_org_with(
            Config {
                quirks: vec![(target.to_string(), quirk.clone())],
                ..org(&fixture("ready-org"))
            },
            &["--no-usage"],
        );
        let entry = incomplete(&report)
            .into_iter()
            .find(|p| p["component"] == component)
            .unwrap_or_else(|| {
                panic!(
                    "{quirk:?} on {target}: no entry for {component}: {:#}",
                    report["incomplete"]
                )
            });
        assert!(
            entry["reason"].as_str().unwrap().contains(words),
            "{quirk:?} on {target}: {entry:#}"
        );
        if target == SETTINGS {
            assert_eq!(report["org_settings"], serde_json::Value::Null, "{quirk:?}");
        }
    }
}

#[test]
fn a_record_nobody_asked_for_is_a_note_not_a_read() {
    use fake_org::Quirk;
    let fake = FakeOrg::start(Config {
        quirks: vec![(
            "ExternalClientApplication Acme_Web_Portal".into(),
            Quirk::ExtraRecord("Not_Asked_For".into()),
        )],
        ..org(&fixture("ready-org"))
    });
    let r = audit_live(&fake.base_url, &["--no-usage"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let report = r.json();
    assert!(components(&report).is_empty(), "{:#}", report["incomplete"]);
    let apps = apps(&report);
    assert!(
        apps.iter().all(|a| !a.0.contains("Not_Asked_For")),
        "{apps:?}"
    );
    assert!(
        report["notes"]
            .to_string()
            .contains("\\\"Not_Asked_For\\\", a name that was not asked for"),
        "{:#}",
        report["notes"]
    );
    // A snapshot keeps the note, so its audits say the same.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    assert_eq!(fetch_live(&fake.base_url, &out, &["--no-usage"]).code, 0);
    let snap = audit_folder(&out).json();
    assert!(
        snap["notes"].to_string().contains("Not_Asked_For"),
        "{:#}",
        snap["notes"]
    );
}

#[test]
fn a_snapshot_of_a_wrong_read_answer_stays_incomplete_naming_the_component() {
    use fake_org::Quirk;
    let fake = FakeOrg::start(Config {
        quirks: vec![(
            "ExtlClntAppGlobalOauthSettings Acme_Web_Portal_glbloauth".into(),
            Quirk::OnlyFullName,
        )],
        ..org(&fixture("ready-org"))
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let r = fetch_live(&fake.base_url, &out, &["--no-usage"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("could not be read"), "{}", r.stdout);
    let snap = audit_folder(&out);
    assert_eq!(snap.code, 3, "{}\n{}", snap.stderr, snap.stdout);
    let report = snap.json();
    assert!(
        components(&report)
            .iter()
            .any(|c| c == "ExtlClntAppGlobalOauthSettings Acme_Web_Portal_glbloauth"),
        "{:#}",
        report["incomplete"]
    );
}

#[test]
fn a_snapshot_missing_a_file_it_lists_is_incomplete() {
    let fake = FakeOrg::start(org(&fixture("ready-org")));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    assert_eq!(fetch_live(&fake.base_url, &out, &["--no-usage"]).code, 0);
    assert_eq!(audit_folder(&out).code, 0, "the whole snapshot is ready");
    let policies = out
        .join("force-app/main/default/extlClntAppPolicies/Acme_Web_Portal_plcy.ecaPlcy-meta.xml");
    let text = std::fs::read_to_string(&policies).unwrap();
    std::fs::remove_file(&policies).unwrap();
    let r = audit_folder(&out);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let report = r.json();
    assert!(
        report["incomplete"]
            .to_string()
            .contains("listed in the snapshot manifest, but its file is missing"),
        "{:#}",
        report["incomplete"]
    );
    // A file the fetch did not write is read, and named.
    std::fs::write(&policies, text).unwrap();
    std::fs::write(
        out.join("force-app/main/default/extlClntAppPolicies/Acme_Web_Portal_plcy.ecaPlcy-meta.xml")
            .with_file_name("Extra_plcy.ecaPlcy-meta.xml"),
        "<ExtlClntAppConfigurablePolicies xmlns=\"http://soap.sforce.com/2006/04/metadata\"><externalClientApplication>Nobody</externalClientApplication></ExtlClntAppConfigurablePolicies>",
    )
    .unwrap();
    let report = audit_folder(&out).json();
    assert!(
        report["notes"]
            .to_string()
            .contains("1 file(s) not written by the fetch"),
        "{:#}",
        report["notes"]
    );
}
