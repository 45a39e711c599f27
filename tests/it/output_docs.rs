//! docs/output.md documents every field of every machine output, and CSV and JSON agree.
//!
//! The fields are collected from real outputs (folder audits with waivers, a broken
//! folder, the callbacks fixture, live audits with usage evidence of the test org, a
//! snapshot, SARIF of each, both CSV row kinds and `diff --format json`) and checked
//! against the field reference of docs/output.md, both ways: an output field the docs do
//! not list fails, and so does a documented field no output has.

use crate::fake_org;
use crate::live_support as support;
use crate::review::{TODAY, WAIVERS};

use fake_org::{Config, FakeOrg};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::*;

/// Objects whose keys are data (a severity, an evidence source, a call kind), written `*`.
const MAPS: &[&str] = &[
    "summary.by_severity",
    "scope.evidence.sources",
    "api.calls",
    "old.scope.evidence.sources",
    "new.scope.evidence.sources",
    "runs[].originalUriBaseIds",
    "runs[].results[].partialFingerprints",
];

/// Every key path of `v`: objects by `.key`, array items by `[]`, map keys by `*`.
fn key_paths(v: &Value, path: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            let map = MAPS.contains(&path);
            for (k, child) in o {
                let key = if map { "*" } else { k.as_str() };
                let p = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                out.insert(p.clone());
                key_paths(child, &p, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

fn paths_of<'a>(values: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in values {
        key_paths(v, "", &mut out);
    }
    out
}

/// The field reference of docs/output.md: per `### ` heading under `## Field reference`,
/// the code spans of the first cell of every table row.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/output.md"))
            .unwrap();
    let reference = docs
        .split_once("\n## Field reference\n")
        .expect("docs/output.md has a `## Field reference` section")
        .1;
    let reference = reference.split("\n## ").next().unwrap();
    let mut sections: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    for line in reference.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            current = Some(h.trim().to_string());
            continue;
        }
        let (Some(section), Some(row)) = (&current, line.strip_prefix('|')) else {
            continue;
        };
        let first = row.split(" | ").next().unwrap_or("");
        if first.starts_with("---") {
            continue;
        }
        let names = sections.entry(section.clone()).or_default();
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                names.insert(part.to_string());
            }
        }
    }
    sections
}

const JSON_REPORT: &str = "JSON report (`audit --json`)";
const CSV_FINDINGS: &str = "CSV, one row per finding (`--csv-rows findings`)";
const CSV_APPS: &str = "CSV, one row per app (`--csv-rows apps`)";
const SARIF: &str = "SARIF (`--format sarif`)";
const DIFF_JSON: &str = "Comparison (`diff --format json`)";
const FLEET_JSON: &str = "Fleet (`fleet --json`)";

fn section(what: &str) -> BTreeSet<String> {
    documented()
        .remove(what)
        .unwrap_or_else(|| panic!("docs/output.md has no `### {what}` table"))
}

/// Fails naming every field an output has and the docs lack.
fn assert_listed(what: &str, found: &BTreeSet<String>) {
    let listed = section(what);
    let undocumented: Vec<&String> = found.difference(&listed).collect();
    assert!(
        undocumented.is_empty(),
        "{what}: not documented in docs/output.md: {undocumented:#?}"
    );
}

/// Fails naming every field an output has and the docs lack, and every documented field
/// no output has.
fn assert_documented(what: &str, found: &BTreeSet<String>) {
    assert_listed(what, found);
    let stale: Vec<String> = section(what).difference(found).cloned().collect();
    assert!(
        stale.is_empty(),
        "{what}: documented in docs/output.md but in no output tested: {stale:#?}"
    );
}

/// `diff --format json` repeats the reports' scopes and findings, which the JSON report's
/// table documents: those paths are returned as report paths, the rest as the diff's own.
fn split_diff_paths(paths: &BTreeSet<String>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut own = BTreeSet::new();
    let mut report = BTreeSet::new();
    for p in paths {
        let scope = ["old.scope.", "new.scope."]
            .iter()
            .find_map(|pre| p.strip_prefix(pre));
        let finding = [
            "findings.resolved[].",
            "findings.not_read[].",
            "findings.new[].",
            "findings.still_open[].",
        ]
        .iter()
        .find_map(|pre| p.strip_prefix(pre))
        .filter(|rest| *rest != "note");
        match (scope, finding) {
            (Some(rest), _) => report.insert(format!("scope.{rest}")),
            (None, Some(rest)) => report.insert(format!("findings[].{rest}")),
            (None, None) => own.insert(p.clone()),
        };
    }
    (own, report)
}

/// `audit` on a fixture folder, with the project's waivers, in one format.
fn audit_fixture(name: &str, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["audit", "--source", name, "--format", format];
    args.extend_from_slice(extra);
    let r = pkce()
        .args(&args)
        .dir(fixture(""))
        .env("PKCE_AUDIT_TODAY", TODAY)
        .run();
    assert!([0, 1, 3].contains(&r.code), "{name}: {}", r.stderr);
    r.stdout
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// All the outputs the checks read, made once per test.
struct Outputs {
    reports: Vec<Value>,
    sarif: Vec<Value>,
    csv_findings: Vec<String>,
    csv_apps: Vec<String>,
    diff: Vec<Value>,
}

/// The outputs, made once for the tests of this module.
fn outputs() -> &'static Outputs {
    static OUTPUTS: std::sync::OnceLock<Outputs> = std::sync::OnceLock::new();
    OUTPUTS.get_or_init(make_outputs)
}

fn make_outputs() -> Outputs {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().join("w.toml");
    std::fs::write(&w, WAIVERS).unwrap();
    let waivers = ["--waivers", w.to_str().unwrap()];
    let mut o = Outputs {
        reports: Vec::new(),
        sarif: Vec::new(),
        csv_findings: Vec::new(),
        csv_apps: Vec::new(),
        diff: Vec::new(),
    };
    // The enforced org: its blocker likely fails at its next authorization.
    for name in ["demo-org", "broken-org", "callbacks-org", "enforced-org"] {
        o.reports.push(json(&audit_fixture(name, "json", &waivers)));
        o.sarif.push(json(&audit_fixture(name, "sarif", &waivers)));
        o.csv_findings.push(audit_fixture(name, "csv", &waivers));
        o.csv_apps
            .push(audit_fixture(name, "csv", &["--csv-rows", "apps"]));
    }
    // More next actions due than are listed (`more` and its count): the demo org with
    // three more ISV packages, each its own publisher to ask.
    let many = tempfile::tempdir().unwrap();
    let org = many.path().join("org");
    copy_dir(&fixture("demo-org"), &org);
    let apps = org.join("force-app/main/default/connectedApps");
    let isv = std::fs::read(apps.join("acmecpq__CPQ_Connector.connectedApp-meta.xml")).unwrap();
    for ns in ["isva", "isvb", "isvc"] {
        std::fs::write(
            apps.join(format!("{ns}__Connector.connectedApp-meta.xml")),
            &isv,
        )
        .unwrap();
    }
    let report = json(&audit_fixture(org.to_str().unwrap(), "json", &[]));
    assert!(
        report["next_actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "more" && a["count"].as_u64() > Some(0)),
        "{report}"
    );
    o.reports.push(report);
    let path = org.to_str().unwrap();
    o.sarif.push(json(&audit_fixture(path, "sarif", &[])));
    o.csv_findings.push(audit_fixture(path, "csv", &[]));
    o.csv_apps
        .push(audit_fixture(path, "csv", &["--csv-rows", "apps"]));
    // The test org with usage evidence: one audit reads every source, one is denied one
    // and runs out of row budget; then a snapshot of it.
    let org = FakeOrg::start(Config {
        org_dir: fixture("evidence-org"),
        ..Config::default()
    });
    let live = |extra: &[&str], format: &str| {
        let mut args = vec!["audit", "--instance-url", &org.base_url, "--format", format];
        args.extend_from_slice(extra);
        let r = run(
            &args,
            &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_TODAY", TODAY)],
        );
        assert!([0, 1, 3].contains(&r.code), "{}", r.stderr);
        r.stdout
    };
    let with_users = ["--show-users", "--waivers", w.to_str().unwrap()];
    let live_report = json(&live(&with_users, "json"));
    o.reports.push(live_report.clone());
    o.sarif.push(json(&live(&with_users, "sarif")));
    o.csv_findings.push(live(&with_users, "csv"));
    o.csv_apps.push(live(&["--csv-rows", "apps"], "csv"));
    let denied = FakeOrg::start(Config {
        org_dir: fixture("evidence-org"),
        page_size: 10,
        reject_aggregate_queries: true,
        deny_queries: vec![
            pkce_audit_model::evidence::EvidenceSource::InstalledPackages
                .as_str()
                .into(),
        ],
        deny_read_types: vec!["ExtlClntAppGlobalOauthSettings".into()],
        ..Config::default()
    });
    for format in ["json", "sarif"] {
        let r = run(
            &[
                "audit",
                "--instance-url",
                &denied.base_url,
                "--format",
                format,
                "--usage-row-budget",
                "30",
            ],
            &[("SF_ACCESS_TOKEN", TOKEN)],
        );
        // Not ready (its blockers) whatever could not be read.
        assert_eq!(r.code, 1, "{}", r.stderr);
        if format == "json" {
            o.reports.push(r.json());
        } else {
            o.sarif.push(r.json());
        }
    }
    let snap = tmp.path().join("snap");
    let f = fetch_live(&org.base_url, &snap, &["--quiet"]);
    assert_eq!(f.code, 0, "{}", f.stderr);
    let snapshot = audit_folder(&snap);
    let snapshot_report = snapshot.json();
    o.reports.push(snapshot_report.clone());

    // A comparison with every kind of change: the demo org, then the same report with an
    // app removed and one added (both outside PKCE scope), one whose PKCE setting changed
    // and a finding waived.
    let old = o.reports[0].clone();
    let mut new = old.clone();
    let apps = new["apps"].as_array_mut().unwrap();
    let outside = apps
        .iter()
        .position(|a| a["outside_scope_reason"].is_string())
        .expect("the demo org has an app outside PKCE scope");
    let gone = apps.remove(outside);
    let mut added = gone.clone();
    added["name"] = "Added_App".into();
    apps.push(added);
    apps[0]["pkce_required"] = (!apps[0]["pkce_required"].as_bool().unwrap_or(false)).into();
    let findings = new["findings"].as_array_mut().unwrap();
    findings.retain(|f| f["app"] != gone["name"]);
    let mut fresh = findings[0].clone();
    fresh["app"] = "Added_App".into();
    findings.push(fresh);
    for f in findings
        .iter_mut()
        .filter(|f| f["waived"].is_null())
        .take(1)
    {
        f["waived"] =
            serde_json::json!({"reason": "r", "approved_by": "a", "expires": "2999-01-01"});
    }
    o.diff.push(diff_json(tmp.path(), &old, &new, 1));
    // The demo org again, whose new run could not read the files of two apps (one with a
    // blocker, one outside PKCE scope): their findings are not read, not resolved, and the
    // apps are not read, not removed.
    let mut unread = old.clone();
    let blocked = unread["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["blocker"] == true && f["app"].is_string())
        .unwrap()["app"]
        .clone();
    let apps = unread["apps"].as_array_mut().unwrap();
    let find = |p: &dyn Fn(&Value) -> bool| apps.iter().find(|a| p(a)).unwrap().clone();
    let lost = [
        find(&|a| a["name"] == blocked),
        find(&|a| a["outside_scope_reason"].is_string()),
    ];
    apps.retain(|a| !lost.contains(a));
    unread["findings"]
        .as_array_mut()
        .unwrap()
        .retain(|f| !lost.iter().any(|a| a["name"] == f["app"]));
    for app in &lost {
        unread["incomplete"].as_array_mut().unwrap().push(
            serde_json::json!({"file": app["files"][0], "line": 3, "reason": "not well-formed XML"}),
        );
    }
    o.diff.push(diff_json(tmp.path(), &old, &unread, 3));
    // The live audit against its snapshot: the same findings, org scopes.
    o.diff
        .push(diff_json(tmp.path(), &live_report, &snapshot_report, 0));
    o
}

/// `diff --format json` of two reports, written into `dir`; `code` is the exit expected.
fn diff_json(dir: &Path, old: &Value, new: &Value, code: i32) -> Value {
    let (a, b) = (dir.join("old.json"), dir.join("new.json"));
    std::fs::write(&a, old.to_string()).unwrap();
    std::fs::write(&b, new.to_string()).unwrap();
    let args = [a.to_str().unwrap(), b.to_str().unwrap()];
    let d = run(&["diff", args[0], args[1], "--format", "json"], &[]);
    assert_eq!(d.code, code, "{}", d.stderr);
    d.json()
}

fn csv_headers(texts: &[String]) -> BTreeSet<String> {
    texts
        .iter()
        .flat_map(|t| {
            csv::Reader::from_reader(t.as_bytes())
                .headers()
                .unwrap()
                .iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn docs_output_md_lists_every_field_of_every_machine_output() {
    let o = outputs();
    assert_documented(JSON_REPORT, &paths_of(&o.reports));
    assert_documented(CSV_FINDINGS, &csv_headers(&o.csv_findings));
    assert_documented(CSV_APPS, &csv_headers(&o.csv_apps));
    assert_documented(SARIF, &paths_of(&o.sarif));
    let (own, in_report) = split_diff_paths(&paths_of(&o.diff));
    assert_documented(DIFF_JSON, &own);
    assert_listed(JSON_REPORT, &in_report);
    // The checks can fail: a field the docs lack is named.
    let mut extra = paths_of(&o.reports);
    extra.insert("scope.not_a_field".into());
    let caught = std::panic::catch_unwind(|| assert_listed(JSON_REPORT, &extra));
    assert!(caught.is_err());
}

/// A finding's `kind` is one typed value: the app's kind, or none for a finding about no
/// app (the org settings, a waiver entry), written `null` in JSON and empty in CSV.
#[test]
fn csv_and_json_give_every_finding_the_same_kind() {
    let o = outputs();
    // The folder audits and the live audit were written as JSON and CSV alike.
    let mut seen = BTreeSet::new();
    for (report, text) in o.reports.iter().zip(&o.csv_findings) {
        let findings = report["findings"].as_array().unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let headers = rows.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), findings.len());
        for (f, row) in findings.iter().zip(&rows) {
            assert_eq!(&row[col("rule")], f["rule"].as_str().unwrap());
            let json_kind = f["kind"].as_str().unwrap_or("");
            assert_eq!(&row[col("kind")], json_kind, "{f}");
            if f["app"].is_null() {
                assert!(f["kind"].is_null(), "{f}");
            }
            seen.insert(json_kind.to_string());
        }
    }
    // Org-level and waiver findings, both app kinds and an app defined elsewhere.
    for kind in ["", "connected-app", "external-client-app", "external"] {
        assert!(seen.contains(kind), "no finding of kind {kind:?}: {seen:?}");
    }
}

/// The other JSON documents: a failure under `--json` and `fetch --json`.
#[test]
fn docs_output_md_lists_the_error_and_fetch_documents() {
    let failure = run(&["audit", "--bogus", "--json"], &[]);
    assert_eq!(failure.code, 2);
    assert_documented("Errors (`--json`)", &paths_of([&failure.json()]));
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let fetched = fetch_live(&org.base_url, &out, &["--json"]);
    assert_eq!(fetched.code, 0, "{}", fetched.stderr);
    let mut paths = paths_of([&fetched.json()]);
    // Arrays of strings have no key paths of their own below them.
    paths.retain(|p| !p.ends_with("[]"));
    assert_documented("Snapshot summary (`fetch --json`)", &paths);
}

/// `rules --json`, `clients --json` and `doctor --json` (one source denied, so the
/// optional fields of a failed check appear too).
#[test]
fn docs_output_md_lists_the_rules_clients_and_doctor_documents() {
    let strings_only = |mut p: BTreeSet<String>| {
        // Arrays of strings have no key paths below them.
        p.retain(|k| !k.ends_with("[]") || k == "[]");
        p
    };
    let rules = run(&["rules", "--json"], &[]).json();
    assert_documented("Rules (`rules --json`)", &paths_of([&rules]));
    let clients = run(&["clients", "--json"], &[]).json();
    assert_documented(
        "Client catalogue (`clients --json`)",
        &strings_only(paths_of([&clients])),
    );
    let denied = FakeOrg::start(Config {
        deny_queries: vec![
            pkce_audit_model::evidence::EvidenceSource::InstalledPackages
                .as_str()
                .into(),
        ],
        ..Config::default()
    });
    let doctor = run(
        &["doctor", "--instance-url", &denied.base_url, "--json"],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(doctor.code, 3, "{}", doctor.stderr);
    assert_documented("Doctor (`doctor --json`)", &paths_of([&doctor.json()]));
}

/// `fleet --json`: the mixed fleet of tests/it/fleet.rs (an org not audited, a rehearsed
/// change, what was not read, packages, shared blockers), and a sandbox that differs from
/// its production org in every other way.
#[test]
fn docs_output_md_lists_every_field_of_the_fleet_report() {
    use crate::fleet::{mixed, serve, Fleet};
    let (f, _orgs) = mixed();
    let r = f.run(&["--json", "--quiet", "--out-dir", "reports"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut fleets = vec![r.json()];

    let mut g = Fleet::new();
    let (prod, uat) = (g.path().join("prod-org"), g.path().join("uat-org"));
    copy_dir(&fixture("evidence-org"), &prod);
    copy_dir(&fixture("evidence-org"), &uat);
    let demo_app = |name: &str| {
        fixture("demo-org").join(format!(
            "force-app/main/default/connectedApps/{name}.connectedApp-meta.xml"
        ))
    };
    let app_file = |dir: &Path, name: &str| {
        dir.join(format!(
            "force-app/main/default/connectedApps/{name}.connectedApp-meta.xml"
        ))
    };
    // An app outside PKCE scope in each org alone.
    std::fs::copy(demo_app("Okta_SSO"), app_file(&prod, "Okta_SSO")).unwrap();
    std::fs::copy(
        demo_app("Intranet_Canvas"),
        app_file(&uat, "Intranet_Canvas"),
    )
    .unwrap();
    let apps = uat.join("force-app/main/default/connectedApps");
    let edit = |p: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(text.contains(from), "{}", p.display());
        std::fs::write(p, text.replace(from, to)).unwrap();
    };
    // A blocking app production has and the sandbox lacks; one the sandbox has alone; PKCE
    // no longer required on an app; an older package.
    std::fs::remove_file(apps.join("Partner_Portal.connectedApp-meta.xml")).unwrap();
    std::fs::copy(
        apps.join("Billing_Sync.connectedApp-meta.xml"),
        apps.join("Sandbox_Only.connectedApp-meta.xml"),
    )
    .unwrap();
    edit(
        &apps.join("Field_Sales_iOS.connectedApp-meta.xml"),
        "<isPkceRequired>true",
        "<isPkceRequired>false",
    );
    edit(
        &uat.join("evidence/InstalledSubscriberPackage.json"),
        "\"MajorVersion\": 3,",
        "\"MajorVersion\": 2,",
    );
    let (prod, sandbox) = (serve(prod), serve(uat));
    g.rehearsal(&prod.base_url, &sandbox.base_url);
    let r = g.run(&["--json", "--quiet"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let laxer = r.json();
    let h = &laxer["rehearsals"][0];
    assert_eq!(h["faithful"], false, "{h:#}");
    for differs in [
        "only_in_production",
        "only_in_sandbox",
        "pkce_differs",
        "blockers_only_in_production",
        "blockers_only_in_sandbox",
        "packages",
    ] {
        assert!(
            !h[differs].as_array().unwrap().is_empty(),
            "{differs}: {h:#}"
        );
    }
    fleets.push(laxer);
    assert_documented(FLEET_JSON, &paths_of(&fleets));
}

/// `verify --json`: the runs built by hand for render's tests (every state, reason, next
/// step and way back, each source read, partial and missing) hold every documented
/// field, and `verify` on the test org (named apps, the org-wide scope) writes no field
/// the docs lack.
#[test]
fn docs_output_md_lists_every_field_of_the_verification() {
    use crate::verify::{logins, org_with, verify_json};
    const VERIFICATION: &str = "Verification (`verify --json`)";
    let built: Vec<Value> = pkce_audit_test_org::verifications::all()
        .iter()
        .map(|(_, v)| json(&pkce_audit_render::verify::json(v)))
        .collect();
    assert_documented(VERIFICATION, &paths_of(&built));
    let org = FakeOrg::start(org_with(logins()));
    let runs: Vec<Value> = [
        &["--app", "Customer_Portal", "--app", "Dormant_Web"][..],
        &[],
    ]
    .iter()
    .map(|args| verify_json(&org, args).1)
    .collect();
    for r in built.iter().chain(&runs) {
        assert_eq!(r["schema_version"], 1, "{r:#}");
    }
    assert_listed(VERIFICATION, &paths_of(&runs));
}
