//! Usage evidence (issue 4) on the loopback test org, through the real binary: each
//! source read or denied, the OauthToken cap and the LoginHistory row budget, the
//! aggregate query and its fallback, what evidence changes in the findings, privacy, the
//! equivalence of live audits, snapshots and served snapshots, and `doctor`.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use pkce_audit_model::evidence::EvidenceSource;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use support::*;

fn org_at(dir: &Path) -> Config {
    Config {
        org_dir: dir.to_path_buf(),
        ..Config::default()
    }
}

fn evidence_org() -> Config {
    org_at(&fixture("evidence-org"))
}

fn finding<'a>(r: &'a Value, rule: &str, app: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["app"] == app)
        .unwrap_or_else(|| panic!("no {rule} for {app}: {:#}", r["findings"]))
}

fn has_finding(r: &Value, rule: &str, app: &str) -> bool {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule && f["app"] == app)
}

fn app<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no app {name}"))
}

fn source<'a>(r: &'a Value, name: &str) -> &'a Value {
    &r["scope"]["evidence"]["sources"][name]
}

fn notes(r: &Value) -> String {
    r["notes"].to_string()
}

/// Every app's usage, package and users by name: what evidence adds to the apps.
fn usage_of_apps(r: &Value) -> BTreeMap<String, (Value, Value, Value)> {
    r["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                (a["usage"].clone(), a["package"].clone(), a["users"].clone()),
            )
        })
        .collect()
}

/// A live audit in one output format (`audit_live` is JSON only).
fn audit_format(base_url: &str, format: &str, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "--instance-url", base_url, "--format", format];
    args.extend_from_slice(extra);
    run(&args, &[("SF_ACCESS_TOKEN", TOKEN)])
}

fn fetch(base_url: &str, out: &Path, extra: &[&str]) -> Run {
    let r = fetch_live(base_url, out, extra);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

#[test]
fn a_live_audit_reads_every_source_and_judges_with_it() {
    let org = FakeOrg::start(evidence_org());
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = r.json();
    for s in EvidenceSource::KNOWN.iter().map(|s| s.as_str()) {
        assert_eq!(source(&r, s)["state"], "read", "{s}: {:#}", r["scope"]);
        assert_eq!(source(&r, s)["partial"], false, "{s}");
    }
    assert_eq!(
        source(&r, EvidenceSource::LoginHistory.as_str())["method"],
        "aggregate"
    );
    // 99 logins in the window (two older rows are filtered out by LAST_N_DAYS).
    assert_eq!(
        source(&r, EvidenceSource::LoginHistory.as_str())["rows"],
        99
    );
    assert_eq!(source(&r, EvidenceSource::OauthToken.as_str())["rows"], 17);
    assert!(!notes(&r).contains("No usage evidence"), "{}", notes(&r));

    // Our app with a web server flow and no PKCE: a blocker, with its usage.
    let portal = finding(&r, "app-pkce-not-required", "Partner_Portal");
    assert_eq!(
        (&portal["severity"], &portal["blocker"]),
        (&json!("high"), &json!(true))
    );
    let msg = portal["message"].as_str().unwrap();
    assert!(
        msg.contains("4 token(s) held by 3 user(s)") && msg.contains("authorization-code 15"),
        "{msg}"
    );
    assert_eq!(portal["code_logins"], 15);
    assert!(
        !has_finding(&r, "app-uses-username-password-flow", "Partner_Portal"),
        "May is outside the window"
    );
    assert_eq!(app(&r, "Partner_Portal")["usage"]["users"], 3);

    // Client credentials and OAuth logins without a sub-type (its JWT bearer logins: no
    // documented sub-type): the flow is unknown, which may be a code flow, so nothing is
    // lowered, and the app is used.
    let billing = finding(&r, "app-pkce-not-required", "Billing_Sync");
    assert_eq!(
        (&billing["severity"], &billing["blocker"]),
        (&json!("high"), &json!(true))
    );
    let msg = billing["message"].as_str().unwrap();
    assert!(
        msg.contains("unknown 5")
            && msg.contains("client-credentials 8")
            && !msg.contains("Not blocking"),
        "{msg}"
    );
    let flows = &app(&r, "Billing_Sync")["usage"]["flows"];
    assert!(
        flows
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["flow"] == "unknown" && f["logins"] == 5),
        "{flows}"
    );
    assert!(!has_finding(&r, "dormant-app", "Billing_Sync"));

    // Seen only with client credentials: lowered, not blocking.
    let export = finding(&r, "app-pkce-not-required", "Nightly_Export");
    assert_eq!(
        (&export["severity"], &export["blocker"]),
        (&json!("low"), &json!(false))
    );
    assert!(export["message"].as_str().unwrap().contains("Not blocking"));

    // Failed logins are shown, never taken as use.
    assert_eq!(app(&r, "Legacy_Data_Loader")["usage"]["failed_logins"], 2);
    assert_eq!(app(&r, "Partner_Portal")["usage"]["failed_logins"], 0);

    // The managed app names its package and version.
    let cpq = finding(&r, "managed-app-needs-isv", "acmecpq__CPQ_Connector");
    assert!(
        cpq["message"]
            .as_str()
            .unwrap()
            .contains("(package Acme CPQ 3.2.1.7)"),
        "{cpq}"
    );
    assert_eq!(
        app(&r, "acmecpq__CPQ_Connector")["package"],
        json!({"namespace": "acmecpq", "name": "Acme CPQ", "version": "3.2.1.7"})
    );

    // Flow use while the org still allows the flow.
    assert_eq!(
        finding(&r, "app-uses-username-password-flow", "Legacy_Data_Loader")["severity"],
        "medium"
    );
    assert_eq!(
        finding(&r, "app-uses-user-agent-flow", "Support_Chat_Widget")["severity"],
        "medium"
    );

    // Apps defined in other orgs: a blocker when they ran a code flow, info otherwise.
    let vendor = app(&r, "Acme Vendor Sync");
    assert_eq!(
        (&vendor["kind"], &vendor["owner"]),
        (&json!("external"), &json!("external"))
    );
    let v = finding(&r, "external-app-unverified", "Acme Vendor Sync");
    assert_eq!(
        (&v["severity"], &v["blocker"], &v["owner"]),
        (&json!("high"), &json!(true), &json!("external"))
    );
    let old = finding(&r, "external-app-unverified", "Old Vendor Tool");
    assert_eq!(
        (&old["severity"], &old["blocker"]),
        (&json!("info"), &json!(false))
    );
    assert!(has_finding(&r, "dormant-app", "Old Vendor Tool"));
    // Three failed refresh-token logins in the window: shown, and still dormant.
    assert_eq!(app(&r, "Old Vendor Tool")["usage"]["failed_logins"], 3);
    assert!(
        old["message"]
            .as_str()
            .unwrap()
            .contains("3 failed login(s) (not counted as use)"),
        "{old}"
    );
    // OAuth OTP Login (headless passwordless, Authorization Code and Credentials) is a
    // code flow: an app defined elsewhere that ran it blocks, refresh tokens or not.
    let shop = finding(&r, "external-app-unverified", "Headless Shop");
    assert_eq!(
        (&shop["severity"], &shop["blocker"]),
        (&json!("high"), &json!(true)),
        "{shop}"
    );
    assert!(shop["message"]
        .as_str()
        .unwrap()
        .contains("code-credentials 2"));
    // A known client (data/clients.toml): judged by the catalogue, owned by Salesforce.
    let cli = finding(&r, "known-client-sends-pkce", "Salesforce CLI");
    assert_eq!(
        (&cli["severity"], &cli["blocker"]),
        (&json!("low"), &json!(false))
    );
    assert_eq!(cli["owner"], "salesforce");
    assert!(cli["message"].as_str().unwrap().contains("2.33.3"));
    assert!(!has_finding(
        &r,
        "external-app-unverified",
        "Salesforce CLI"
    ));
    assert_eq!(
        r["summary"]["vendor_apps"],
        json!(["Acme Vendor Sync", "Headless Shop"])
    );

    // One label, two apps: not attributed, and neither is called unused.
    assert!(
        notes(&r).contains("Usage recorded for 'Field Sales' matches several apps (Field_Sales_Android, Field_Sales_iOS)"),
        "{}",
        notes(&r)
    );
    for a in ["Field_Sales_Android", "Field_Sales_iOS"] {
        assert!(app(&r, a)["usage"].is_null(), "{a}");
        assert!(!has_finding(&r, "dormant-app", a), "{a}");
    }
    assert!(r["apps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["name"] != "Field Sales"));

    // The folder alone knows none of this.
    let folder = audit_folder(&fixture("evidence-org")).json();
    assert!(app(&folder, "Partner_Portal")["usage"].is_null());
    assert_eq!(
        finding(&folder, "app-pkce-not-required", "Billing_Sync")["blocker"],
        true
    );
    assert_eq!(folder["apps"].as_array().unwrap().len(), 8);
    assert!(notes(&folder).contains("No usage evidence (a folder audit without a snapshot)"));
}

#[test]
fn table_and_markdown_show_usage_packages_and_the_apps_a_flow_block_breaks() {
    let org = FakeOrg::start(evidence_org());
    let table = run(
        &["audit", "--instance-url", &org.base_url],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(table.code, 1, "{}", table.stderr);
    let t = &table.stdout;
    assert!(t.contains("Usage evidence (last 90 days): "), "{t}");
    assert!(t.contains("LoginHistory 99 row(s) (aggregate)"), "{t}");
    assert!(
        t.contains("Usage 90d") && t.contains("dormant") && t.contains("user-pwd 4"),
        "{t}"
    );
    for line in t.lines() {
        let table_line = line.starts_with(['│', '┌', '└', '╞', '├']);
        assert!(
            !table_line || line.chars().count() <= 100,
            "too wide: {line}"
        );
    }

    let md = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--format",
            "markdown",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    )
    .stdout;
    assert!(
        md.contains("| Usage evidence | last 90 days: ConnectedApplication 12 row(s) · "),
        "{md}"
    );
    assert!(
        md.contains("Namespace `acmecpq` — package Acme CPQ version 3.2.1.7"),
        "{md}"
    );
    assert!(
        md.contains("Block the username-password flow (turn off *Allow OAuth Username-Password Flows*). Apps it would break (logins in the last 90 days): `Legacy_Data_Loader` (Legacy Data Loader) (4 login(s), last 2026-11-04)."),
        "{md}"
    );
    assert!(
        md.contains("Apps it would break (logins in the last 90 days): `Support_Chat_Widget`"),
        "{md}"
    );
    assert!(!md.contains("not visible in metadata"), "{md}");
    assert!(
        md.contains("| App | Kind | Owner | PKCE | Flows | Usage |"),
        "{md}"
    );

    // Without evidence, the plan says login history was not read.
    let folder = run(
        &[
            "audit",
            "--source",
            "fixtures/evidence-org",
            "--format",
            "markdown",
        ],
        &[],
    )
    .stdout;
    assert!(folder.contains("not visible in metadata"), "{folder}");
    assert!(
        folder.contains("| App | Kind | Owner | PKCE | Flows |\n"),
        "{folder}"
    );
}

#[test]
fn login_history_falls_back_to_rows_with_the_same_findings() {
    let aggregate = audit_live(&FakeOrg::start(evidence_org()).base_url, &[]).json();
    let org = FakeOrg::start(Config {
        reject_aggregate_queries: true,
        ..evidence_org()
    });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = r.json();
    let lh = source(&rows, EvidenceSource::LoginHistory.as_str());
    assert_eq!(
        (&lh["method"], &lh["rows"], &lh["partial"]),
        (&json!("rows"), &json!(99), &json!(false))
    );
    assert_eq!(findings(&rows), findings(&aggregate));
    assert_eq!(usage_of_apps(&rows), usage_of_apps(&aggregate));
    // Organization, three sources, the refused aggregate and the raw rows.
    assert_eq!(org.calls().get("query"), Some(&6), "{:?}", org.calls());
}

#[test]
fn the_row_budget_makes_login_history_partial_and_proves_nothing() {
    let org = FakeOrg::start(Config {
        reject_aggregate_queries: true,
        page_size: 10,
        ..evidence_org()
    });
    let r = audit_live(&org.base_url, &["--usage-row-budget", "30"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = r.json();
    let lh = source(&r, EvidenceSource::LoginHistory.as_str());
    assert_eq!(
        (&lh["method"], &lh["rows"], &lh["partial"]),
        (&json!("rows"), &json!(30), &json!(true))
    );
    assert!(
        notes(&r).contains("Evidence source LoginHistory stopped early"),
        "{}",
        notes(&r)
    );
    // Paging stopped at the budget: three pages of ten (and ConnectedApplication's 12 rows
    // took two pages).
    assert_eq!(org.calls().get("queryMore"), Some(&3), "{:?}", org.calls());
    // Partial usage proves no dormancy and lowers nothing.
    assert!(!r["findings"].to_string().contains("dormant-app"));
    assert_eq!(
        finding(&r, "external-app-unverified", "Old Vendor Tool")["blocker"],
        true
    );
    assert_eq!(
        finding(&r, "app-pkce-not-required", "Billing_Sync")["blocker"],
        true
    );
}

fn many_tokens() -> Vec<Value> {
    (0..6000)
        .map(|i| {
            json!({
                "Id": null,
                "AppName": if i % 3 == 0 { "Partner Portal" } else { "Acme Vendor Sync" },
                "UserId": format!("005Gx0000C{i:06}"),
                "UseCount": 2,
                "LastUsedDate": "2026-11-10T10:00:00.000+0000",
            })
        })
        .collect()
}

#[test]
fn oauth_tokens_past_the_cap_are_read_in_documented_batches() {
    let org = FakeOrg::start(Config {
        sobjects: [(
            EvidenceSource::OauthToken.as_str().to_string(),
            many_tokens(),
        )]
        .into(),
        ..evidence_org()
    });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = r.json();
    let t = source(&r, EvidenceSource::OauthToken.as_str());
    assert_eq!((&t["rows"], &t["partial"]), (&json!(6000), &json!(false)));
    assert!(
        !notes(&r).contains("OauthToken stopped early"),
        "{}",
        notes(&r)
    );
    assert_eq!(app(&r, "Partner_Portal")["usage"]["tokens"], 2000);
    assert_eq!(app(&r, "Partner_Portal")["usage"]["partial"], false);
    // LIMIT 2500 OFFSET 0 (5 pages of 500), SELECT COUNT(), OFFSET 2500 (5 pages),
    // OFFSET 5000 (2 pages): 4 queries beside the other sources' 4; 4 + 4 + 1 queryMore.
    let calls = org.calls();
    assert_eq!(calls.get("query"), Some(&8), "{calls:?}");
    assert_eq!(calls.get("queryMore"), Some(&9), "{calls:?}");
}

#[test]
fn the_oauth_token_cap_makes_tokens_partial_when_the_org_stops_the_batches() {
    // An org that holds OauthToken to the general SOQL OFFSET limit (2,000): the batch at
    // OFFSET 2500 is refused, so only the first 2,500 rows are read.
    let org = FakeOrg::start(Config {
        sobjects: [(
            EvidenceSource::OauthToken.as_str().to_string(),
            many_tokens(),
        )]
        .into(),
        oauth_token_max_offset: Some(2000),
        ..evidence_org()
    });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = r.json();
    let t = source(&r, EvidenceSource::OauthToken.as_str());
    assert_eq!((&t["rows"], &t["partial"]), (&json!(2500), &json!(true)));
    assert!(
        notes(&r).contains("Evidence source OauthToken stopped early"),
        "{}",
        notes(&r)
    );
    // 500 rows a page: one query and four queryMore calls, the count, the refused batch.
    assert_eq!(org.calls().get("queryMore"), Some(&4), "{:?}", org.calls());
    assert!(
        !r["findings"].to_string().contains("dormant-app"),
        "no dormancy from a capped source"
    );
    assert_eq!(app(&r, "Partner_Portal")["usage"]["partial"], true);
    assert_eq!(
        finding(&r, "external-app-unverified", "Old Vendor Tool")["blocker"],
        true
    );
}

#[test]
fn each_denied_source_is_named_and_the_audit_goes_on() {
    let ready = fixture("ready-org");
    let r = audit_live(&FakeOrg::start(org_at(&ready)).base_url, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for s in EvidenceSource::KNOWN.iter().map(|s| s.as_str()) {
        let org = FakeOrg::start(Config {
            deny_queries: vec![s.to_string()],
            ..org_at(&ready)
        });
        let r = audit_live(&org.base_url, &[]);
        let report = r.json();
        let state = source(&report, s);
        assert_eq!(state["state"], "missing", "{s}");
        assert!(
            state["reason"]
                .as_str()
                .unwrap()
                .contains("INSUFFICIENT_ACCESS"),
            "{s}: {state}"
        );
        assert_eq!(
            state["remedy"],
            EvidenceSource::known(s).unwrap().remedy(),
            "{s}"
        );
        if s == EvidenceSource::ConnectedApplication.as_str() {
            // Apps defined elsewhere are invisible: a blocker may hide, so never ready.
            assert_eq!(r.code, 3, "{s}: {}", r.stdout);
            let p = incomplete(&report);
            assert!(
                p.iter().any(|p| p["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("ConnectedApplication could not be read")
                    && p["remedy"]
                        .as_str()
                        .unwrap()
                        .contains("View Setup and Configuration")),
                "{p:?}"
            );
        } else {
            assert_eq!(r.code, 0, "{s}: {}", r.stdout);
            let expected = format!("Evidence source {s} could not be read (INSUFFICIENT_ACCESS: ");
            assert!(
                notes(&report).contains(&expected),
                "{s}: {}",
                notes(&report)
            );
            assert!(
                notes(&report).contains(EvidenceSource::known(s).unwrap().remedy()),
                "{s}"
            );
        }
    }
}

/// Every file below `dir`, as text.
fn files_text(dir: &Path) -> String {
    walk(dir)
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_user_id_or_username_leaves_the_fetch_without_show_users() {
    let fixture_rows = files_text(&fixture("evidence-org/evidence"));
    assert!(fixture_rows.contains("005Gx00000PRIVATE1") && fixture_rows.contains("jane.private@"));
    let org = FakeOrg::start(evidence_org());
    let mut outputs = Vec::new();
    for format in ["table", "json", "csv", "markdown", "sarif"] {
        let r = audit_format(&org.base_url, format, &[]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        outputs.push(r);
    }
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    outputs.push(fetch(&org.base_url, &snap, &[]));
    for r in &outputs {
        for text in [&r.stdout, &r.stderr] {
            assert!(
                !text.contains("PRIVATE") && !text.contains(".private@"),
                "{text}"
            );
        }
    }
    let stored = files_text(&snap);
    assert!(
        stored.contains("\"OauthToken\""),
        "the snapshot holds the evidence"
    );
    assert!(!stored.contains("PRIVATE") && !stored.contains(".private@"));

    // With --show-users: usernames per app, briefly; user ids still never.
    let r = audit_live(&org.base_url, &["--show-users"]);
    let report = r.json();
    assert_eq!(
        app(&report, "Partner_Portal")["users"],
        json!([
            "jane.private@globex.example.com",
            "li.private@globex.example.com",
            "omar.private@globex.example.com"
        ])
    );
    assert!(!r.stdout.contains("PRIVATE"));
    let table = audit_format(&org.base_url, "table", &["--show-users"]).stdout;
    assert!(
        table.contains("Users holding tokens (--show-users):"),
        "{table}"
    );
    assert!(
        table.contains("  Partner_Portal: jane.private@globex.example.com"),
        "{table}"
    );
    let snap_users = tmp.path().join("snap-users");
    fetch(&org.base_url, &snap_users, &["--show-users"]);
    let stored = files_text(&snap_users);
    assert!(stored.contains("jane.private@globex.example.com") && !stored.contains("PRIVATE"));
}

/// Fetch → audit the snapshot → serve the snapshot and audit it live: the same
/// findings, evidence-derived ones included, and the same usage on every app.
fn assert_live_snapshot_and_served_snapshot_agree(cfg: Config, extra: &[&str]) -> Value {
    let org = FakeOrg::start(cfg);
    let live = audit_live(&org.base_url, extra);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let f = fetch(&org.base_url, &out, extra);
    assert!(
        f.stdout.contains("Usage evidence (last 90 days): "),
        "{}",
        f.stdout
    );
    let snap = audit_folder(&out);
    let served = FakeOrg::start(org_at(&out));
    let again = audit_live(&served.base_url, extra);
    assert_eq!(
        (snap.code, again.code),
        (live.code, live.code),
        "{}",
        again.stderr
    );
    let (live, snap, again) = (live.json(), snap.json(), again.json());
    for other in [&snap, &again] {
        assert_eq!(findings(other), findings(&live));
        assert_eq!(apps(other), apps(&live));
        assert_eq!(usage_of_apps(other), usage_of_apps(&live));
        assert_eq!(other["scope"]["evidence"], live["scope"]["evidence"]);
        assert_eq!(other["notes"], live["notes"]);
        assert_eq!(incomplete(other), incomplete(&live));
    }
    live
}

#[test]
fn live_snapshot_and_the_served_snapshot_agree_with_evidence() {
    let live = assert_live_snapshot_and_served_snapshot_agree(evidence_org(), &[]);
    assert!(has_finding(
        &live,
        "external-app-unverified",
        "Acme Vendor Sync"
    ));
    assert!(has_finding(
        &live,
        "app-uses-user-agent-flow",
        "Support_Chat_Widget"
    ));

    // Row by row under a budget, with a source denied: partial and missing survive too.
    let live = assert_live_snapshot_and_served_snapshot_agree(
        Config {
            reject_aggregate_queries: true,
            page_size: 10,
            deny_queries: vec![EvidenceSource::InstalledPackages.as_str().into()],
            ..evidence_org()
        },
        &["--usage-row-budget", "40"],
    );
    assert_eq!(
        source(&live, EvidenceSource::LoginHistory.as_str())["partial"],
        true
    );
    assert_eq!(
        source(&live, EvidenceSource::InstalledPackages.as_str())["state"],
        "missing"
    );
}

#[test]
fn usage_options_window_and_no_usage() {
    let org = FakeOrg::start(evidence_org());
    let r = audit_live(&org.base_url, &["--usage-days", "14"]).json();
    assert_eq!(r["scope"]["evidence"]["window_days"], 14);
    let rows = source(&r, EvidenceSource::LoginHistory.as_str())["rows"]
        .as_u64()
        .unwrap();
    assert!(rows > 0 && rows < 99, "{rows}");
    // Its JWT logins (no sub-type) were in October: in a 14-day window it is not seen.
    assert!(app(&r, "Billing_Sync")["usage"]["flows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["flow"] != "unknown"));

    let r = audit_live(&org.base_url, &["--no-usage"]);
    let r = r.json();
    assert!(r["scope"]["evidence"].is_null());
    assert!(
        notes(&r).contains("No usage evidence (--no-usage skipped the usage queries)"),
        "{}",
        notes(&r)
    );
    assert_eq!(r["apps"].as_array().unwrap().len(), 8);

    let refused = run(
        &[
            "audit",
            "--source",
            "fixtures/evidence-org",
            "--usage-days",
            "30",
        ],
        &[],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

fn doctor(base_url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["doctor", "--instance-url", base_url];
    args.extend_from_slice(extra);
    run(&args, &[("SF_ACCESS_TOKEN", TOKEN)])
}

#[test]
fn doctor_says_what_is_readable_and_what_grants_the_rest() {
    let org = FakeOrg::start(org_at(&fixture("ready-org")));
    let r = doctor(&org.base_url, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("Everything an audit reads is readable."),
        "{}",
        r.stdout
    );
    for s in EvidenceSource::KNOWN.iter().map(|s| s.as_str()) {
        assert!(r.stdout.contains(s), "{s}: {}", r.stdout);
    }
    assert!(!r.stdout.contains("NOT READABLE"), "{}", r.stdout);
    // No app data: a probe read and the settings read; counts only from SOQL.
    let calls = org.calls();
    assert_eq!(calls.get("readMetadata"), Some(&2), "{calls:?}");
    assert_eq!(calls.get("query"), Some(&5), "{calls:?}");
    assert_eq!(calls.get("queryMore"), None, "{calls:?}");
    let json = doctor(&org.base_url, &["--json"]);
    assert_eq!(json.code, 0);
    let d = json.json();
    assert_eq!(
        d["checks"][11]["soql"],
        "SELECT COUNT() FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:90"
    );
    assert!(
        d["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["readable"] == true),
        "{d:#}"
    );

    let org = FakeOrg::start(Config {
        deny_read_types: vec!["ExtlClntAppGlobalOauthSettings".into()],
        deny_queries: vec![EvidenceSource::LoginHistory.as_str().into()],
        ..org_at(&fixture("ready-org"))
    });
    let r = doctor(&org.base_url, &[]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    // The text is wrapped to the width: phrases are looked for across line breaks.
    let out = &r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(out.contains("NOT READABLE"), "{out}");
    assert!(
        out.contains("Allow Access to OAuth Consumer Secrets via Metadata API"),
        "{out}"
    );
    assert!(
        out.contains("View External Client Apps Consumer Secrets in Metadata"),
        "{out}"
    );
    assert!(
        out.contains("LoginHistory: 'Manage Users' or 'Monitor Login History'"),
        "{out}"
    );
    let d = doctor(&org.base_url, &["--json"]).json();
    let unreadable: Vec<&str> = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["readable"] == false)
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        unreadable,
        [
            "ExtlClntAppGlobalOauthSettings",
            "ECA global OAuth settings (read)",
            "LoginHistory"
        ]
    );

    // No session at all is a connection error.
    let r = run(&["doctor", "--instance-url", &org.base_url], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// SOAP API `login()` with a password, as LoginHistory records it (`SoapApiLogin*`
/// sub-types under the client's name), reaches `app-uses-soap-login`.
#[test]
fn soap_api_logins_are_named_by_app_uses_soap_login() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("org");
    let src = fixture("ready-org");
    let copy = |from: &Path, to: &Path| {
        for e in walkdir::WalkDir::new(from) {
            let e = e.unwrap();
            let dest = to.join(e.path().strip_prefix(from).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
    };
    copy(&src, &dir);
    // Days before the test org's fixed "now" (2026-11-21).
    let day = |n: u32| format!("2026-11-{:02}T10:00:00.000+0000", 21 - n);
    let row = |i: u32, sub: &str, when: String| {
        json!({"attributes": {"type": "LoginHistory"}, "Id": format!("0Ya00000000000{i}"),
               "UserId": "005Gx00000PRIVATE1", "LoginTime": when, "LoginType": "Partner Product",
               "LoginSubType": sub, "Application": "Legacy Loader", "Status": "Success"})
    };
    std::fs::create_dir_all(dir.join("evidence")).unwrap();
    std::fs::write(
        dir.join("evidence/LoginHistory.json"),
        serde_json::to_string(&json!([
            row(1, "SoapApiLogin", day(3)),
            row(2, "SoapApiLoginMobile", day(2)),
        ]))
        .unwrap(),
    )
    .unwrap();
    let org = FakeOrg::start(org_at(&dir));
    let r = audit_live(&org.base_url, &[]);
    let report = r.json();
    let f = finding(&report, "app-uses-soap-login", "Legacy Loader");
    assert_eq!(
        (&f["severity"], &f["blocker"]),
        (&json!("medium"), &json!(false)),
        "{f}"
    );
    assert_eq!(
        app(&report, "Legacy Loader")["usage"]["flows"][0]["flow"],
        "soap-login"
    );
}
