//! The real binary on fixture folders: exit codes, formats, and what each fixture must say.

use crate::hostile_input;

use crate::harness::{pkce, Run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The binary in the repository root, where `fixtures/…` resolves.
fn run(args: &[&str]) -> Run {
    pkce().in_repo().args(args).run()
}

fn stdout(o: &Run) -> String {
    o.stdout.clone()
}

pub(crate) fn audit_json(dir: &str) -> (i32, Value) {
    let o = run(&["audit", "--source", &format!("fixtures/{dir}"), "--json"]);
    let v = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("{dir}: {e}\n{}", o.stderr.as_str()));
    (o.code, v)
}

fn rules_of(v: &Value, app: Option<&str>) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["app"].as_str() == app)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The JSON without what changes from run to run.
fn stable(mut v: Value) -> Value {
    v["scope"]["generated_at"] = "[time]".into();
    v["tool"]["version"] = "[version]".into();
    v
}

/// The cells of each numbered row of a fixture README's table.
fn readme_rows(fixture_name: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(fixture(&format!("{fixture_name}/README.md"))).unwrap();
    readme
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && l.split('|')
                    .nth(1)
                    .is_some_and(|c| c.trim().parse::<u32>().is_ok())
        })
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The backticked words of a cell; with `want_dash`, only kebab-case ones (rule ids).
fn ticked(cell: &str, want_dash: bool) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|id| !want_dash || id.contains('-'))
        .map(String::from)
        .collect()
}

/// Each numbered row of a fixture README's table (`| # | App | Callback(s) | Class | Owner |
/// Expected rule ids |`) against the audit's JSON: the rule ids, the bold ones blocking, the
/// class of each callback in order, and the owner.
pub(crate) fn assert_matches_readme(fixture_name: &str, v: &Value) {
    let rows = readme_rows(fixture_name);
    for cells in rows {
        let app_name = cells[2].trim_matches('`');
        let want: BTreeSet<String> = ticked(&cells[6], true).into_iter().collect();
        assert_eq!(rules_of(v, Some(app_name)), want, "{app_name}");
        let app = v["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == app_name)
            .unwrap();
        let classes: Vec<String> = app["callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["class"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(classes, ticked(&cells[4], false), "{app_name}: classes");
        assert_eq!(
            app["owner"].as_str().unwrap(),
            cells[5].trim_matches('`'),
            "{app_name}: owner"
        );
        let blockers: BTreeSet<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["app"] == app_name && f["blocker"] == true)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        let bold: BTreeSet<String> = cells[6]
            .split("**")
            .skip(1)
            .step_by(2)
            .map(|b| b.trim_matches('`').to_string())
            .collect();
        assert_eq!(blockers, bold, "{app_name}: blockers are the bold ids");
    }
}

#[test]
fn callbacks_org_matches_its_readme() {
    let (code, v) = audit_json("callbacks-org");
    assert_eq!((code, v["verdict"].as_str()), (1, Some("not-ready")));
    assert_eq!(
        readme_rows("callbacks-org").len(),
        10,
        "the README table lists every app"
    );
    assert_matches_readme("callbacks-org", &v);
    // Dated events, with both sources where they disagree.
    let deadlines = v["deadlines"].as_array().unwrap();
    let up: Vec<&Value> = deadlines
        .iter()
        .filter(|d| {
            d["id"]
                .as_str()
                .unwrap()
                .starts_with("oauth-username-password-retirement")
        })
        .collect();
    assert_eq!(up.len(), 2);
    assert!(up.iter().any(|d| d["date"] == "2027-02-20"));
    assert!(up.iter().any(|d| d["release"] == "Winter '27"));
    assert!(deadlines.iter().any(|d| d["date"] == "2027-06-01"));
    let native = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["app"] == "Desk_Native" && f["rule"] == "app-pkce-not-required")
        .unwrap();
    assert!(native["message"]
        .as_str()
        .unwrap()
        .contains("Custom-scheme callback (globexdesk://oauth/done): a native or mobile client"));
    let sso = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["app"] == "Partner_Sso" && f["rule"] == "app-pkce-not-required")
        .unwrap();
    assert!(sso["remediation"]
        .as_str()
        .unwrap()
        .contains("Auth. Provider `Globex_Hub` in the org at `partner.my.salesforce.com`"));
}

#[test]
fn demo_org_findings_match_its_readme() {
    let (code, v) = audit_json("demo-org");
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "not-ready");
    // The expected rules per app come from the table in fixtures/demo-org/README.md, so the
    // README a reader trusts is what the test checks.
    let readme = std::fs::read_to_string(fixture("demo-org/README.md")).unwrap();
    let mut rows = 0;
    for line in readme.lines().filter(|l| {
        l.starts_with("| ")
            && l.split('|')
                .nth(1)
                .is_some_and(|c| c.trim().parse::<u32>().is_ok())
    }) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let app = cells[2].trim_matches('`');
        let last = cells[cells.len() - 2];
        let want: BTreeSet<String> = last
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|id| id.contains('-'))
            .map(String::from)
            .collect();
        assert_eq!(rules_of(&v, Some(app)), want, "{app} (README row: {line})");
        rows += 1;
    }
    assert_eq!(rows, 14, "the README table lists every app");
    assert_eq!(
        rules_of(&v, None),
        [
            "org-code-credentials-flow-enabled",
            "org-pkce-not-enforced",
            "org-user-agent-flow-allowed",
            "org-username-password-flow-allowed"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    );
    let apps = v["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 14, "every app, OAuth or not");
    assert!(
        apps.iter().all(|a| a["name"] != "Old_Decommissioned_App"),
        ".forceignore is honoured"
    );
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("(metadata: force-app/main/default/connectedApps/Old_Decommissioned_App.connectedApp-meta.xml)"),
        "and the excluded file is named: {}",
        v["notes"]
    );
    let isv = apps
        .iter()
        .find(|a| a["name"] == "vendorx__Vendor_Connector")
        .unwrap();
    assert_eq!(isv["owner"], "isv");
    assert_eq!(isv["namespace"], "vendorx");
    assert!(isv["pkce_required"].is_null());
    assert_eq!(v["summary"]["isv_actions"].as_array().unwrap().len(), 2);
}

#[test]
fn demo_org_table_snapshot() {
    let o = run(&["audit", "--source", "fixtures/demo-org"]);
    assert_eq!(o.code, 1);
    let text = stdout(&o).replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("demo_org_table", text);
}

#[test]
fn demo_org_json_snapshot() {
    let (_, v) = audit_json("demo-org");
    insta::assert_json_snapshot!("demo_org_json", stable(v));
}

#[test]
fn demo_org_csv_snapshot_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.csv");
    let o = run(&[
        "audit",
        "--source",
        "fixtures/demo-org",
        "--format",
        "csv",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.is_empty(), "the report went to the file");
    insta::assert_snapshot!("demo_org_csv", std::fs::read_to_string(out).unwrap());
}

#[test]
fn json_flag_is_format_json() {
    let a = stdout(&run(&["audit", "--source", "fixtures/ready-org", "--json"]));
    let b = stdout(&run(&[
        "audit",
        "--source",
        "fixtures/ready-org",
        "--format",
        "json",
    ]));
    let (a, b): (Value, Value) = (
        serde_json::from_str(&a).unwrap(),
        serde_json::from_str(&b).unwrap(),
    );
    assert_eq!(stable(a), stable(b));
    let both = run(&[
        "audit",
        "--source",
        "fixtures/ready-org",
        "--json",
        "--format",
        "csv",
    ]);
    assert_eq!(both.code, 2);
}

#[test]
fn broken_files_are_named_and_the_audit_goes_on() {
    let (code, v) = audit_json("broken-org");
    assert_eq!(code, 3, "no blocker, but unreadable files: incomplete");
    assert_eq!(v["verdict"], "incomplete");
    assert_eq!(
        rules_of(&v, Some("Good_App")),
        ["connected-app-legacy".to_string()].into()
    );
    let problems: Vec<String> = v["incomplete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{} {}",
                p["file"].as_str().unwrap(),
                p["line"],
                p["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let has = |file: &str, line: u32, text: &str| {
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&format!("{file}:{line} ")) && p.contains(text)),
            "{file}:{line} {text} in {problems:#?}"
        )
    };
    has("Truncated.connectedApp-meta.xml", 6, "malformed XML");
    has(
        "Wrong_Root.connectedApp-meta.xml",
        2,
        "expected root element <ConnectedApp>, found <CustomObject>",
    );
    has(
        "Unfilled.connectedApp-meta.xml",
        4,
        "unfilled template placeholder {{APP_NAME}}",
    );
    has(
        "Orphan_glbloauth.ecaGlblOauth-meta.xml",
        2,
        "'Does_Not_Exist', which was not found",
    );
    let apps: Vec<&str> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["Good_App"], "nothing broken is read as PKCE false");
}

#[test]
fn other_fixture_verdicts_and_exit_codes() {
    let (code, v) = audit_json("ready-org");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("ready")));
    let (code, v) = audit_json("enforced-org");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("enforced")));
    let (code, v) = audit_json("no-settings-org");
    assert_eq!((code, v["verdict"].as_str()), (3, Some("incomplete")));
    assert!(v["org_settings"].is_null());
    assert!(
        rules_of(&v, None).is_empty(),
        "no org rule without org settings"
    );
    assert!(v["incomplete"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("org OAuth settings not found"));
    let (code, v) = audit_json("mdapi-org");
    assert_eq!((code, v["verdict"].as_str()), (1, Some("not-ready")));
    assert_eq!(v["scope"]["layout"], "mdapi");
    assert!(rules_of(&v, Some("Web_Portal")).contains("app-pkce-not-required"));
}

#[test]
fn fail_on_turns_findings_at_a_severity_into_exit_1() {
    let ready = |extra: &[&str]| {
        let mut args = vec!["audit", "--source", "fixtures/ready-org"];
        args.extend_from_slice(extra);
        run(&args).code
    };
    assert_eq!(ready(&[]), 0);
    assert_eq!(
        ready(&["--fail-on", "info"]),
        1,
        "org-pkce-not-enforced is info"
    );
    assert_eq!(ready(&["--fail-on", "low"]), 0);
    assert_eq!(ready(&["--fail-on", "extreme"]), 2);
}

#[test]
fn org_namespace_option_claims_a_namespace_as_ours() {
    let o = run(&[
        "audit",
        "--source",
        "fixtures/demo-org",
        "--json",
        "--org-namespace",
        "acmecpq",
    ]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        rules_of(&v, Some("acmecpq__CPQ_Connector")),
        ["app-pkce-not-required", "connected-app-legacy"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn rules_command_lists_and_explains() {
    let o = run(&["rules"]);
    assert_eq!(o.code, 0);
    let text = stdout(&o);
    for id in [
        "app-pkce-not-required",
        "managed-app-needs-isv",
        "org-pkce-not-enforced",
    ] {
        assert!(text.contains(id), "{id}");
    }
    // Text fits the width (100 without a terminal); one entry per rule is the JSON's job.
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["rules", "--json"]))).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(
        json["rules"].as_array().unwrap().len(),
        pkce_audit_model::rules::RULES.len()
    );
    let one = stdout(&run(&["rules", "public-client-without-pkce"]));
    assert!(
        one.contains("severity: critical") && one.contains("blocker: yes"),
        "{one}"
    );
    // An id in capitals is the same rule (the ids are lowercase).
    let upper = run(&["rules", "ORG-PKCE-NOT-ENFORCED"]);
    assert_eq!(upper.code, 0, "{}", upper.stderr.as_str());
    assert!(
        upper.stdout.contains("org-pkce-not-enforced"),
        "{}",
        upper.stdout
    );
    assert_eq!(
        upper.stdout,
        stdout(&run(&["rules", "org-pkce-not-enforced"]))
    );
    let bad = run(&["rules", "no-such-rule"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.as_str().contains("unknown rule 'no-such-rule'"));
    // Its one line lists every id this version knows, in the catalogue's order.
    let ids: Vec<&str> = pkce_audit_model::rules::RULES
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        bad.stderr,
        format!(
            "pkce-audit: error: unknown rule 'no-such-rule'; the known rules: {}\n",
            ids.join(", ")
        )
    );
    // A typo gets the closest id, as the other commands suggest one.
    let typo = run(&["rules", "app-pkce-not-requird"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.as_str().starts_with(
            "pkce-audit: error: unknown rule 'app-pkce-not-requird' (did you mean 'app-pkce-not-required'?); the known rules: "
        ),
        "{}",
        typo.stderr
    );
}

#[test]
fn usage_and_fatal_errors_exit_2_with_a_message() {
    let o = run(&["audit", "--source", "fixtures/does-not-exist"]);
    assert_eq!(o.code, 2);
    let err = o.stderr.as_str();
    assert!(
        err.contains("does-not-exist") && err.contains("cannot open"),
        "{err}"
    );
    assert_eq!(run(&["audit"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
}

#[test]
fn a_plain_folder_of_metadata_at_any_depth_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("some/where/deep/connectedApps");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(
        fixture(
            "demo-org/force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
        ),
        deep.join("Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    let o = run(&["audit", "--source", dir.path().to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["scope"]["layout"], "folder");
    assert!(rules_of(&v, Some("Customer_Portal")).contains("app-pkce-not-required"));
    assert_eq!(o.code, 1);
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_and_outside_files_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    std::os::unix::fs::symlink(dir.path(), apps.join("loop")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("Outside.connectedApp-meta.xml");
    std::fs::copy(
        fixture(
            "demo-org/force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
        ),
        &target,
    )
    .unwrap();
    std::os::unix::fs::symlink(&target, apps.join("Outside.connectedApp-meta.xml")).unwrap();
    let o = run(&["audit", "--source", dir.path().to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v["apps"].as_array().unwrap().is_empty());
    let reason = v["incomplete"].to_string();
    assert!(reason.contains("symbolic link"), "{reason}");
}

#[test]
fn a_committed_consumer_secret_never_reaches_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let apps = dir.path().join("connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        apps.join("Leaky.connectedApp-meta.xml"),
        "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>Leaky</label><oauthConfig><callbackUrl>https://x.example.com</callbackUrl><consumerKey>3MVG9LEAKY</consumerKey><consumerSecret>COMMITTED-SECRET-123</consumerSecret></oauthConfig></ConnectedApp>",
    )
    .unwrap();
    for format in ["table", "csv", "json", "markdown", "sarif"] {
        let o = run(&[
            "audit",
            "--source",
            dir.path().to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(o.code, 1, "{format}");
        assert!(!stdout(&o).contains("COMMITTED-SECRET-123"), "{format}");
    }
}

/// Verdict integrity on folders (issue 9): each hostile variant of the ready org must not
/// read as ready; each names what it could not read.
mod integrity {
    use super::*;
    use std::os::unix::fs::symlink;

    const GLOBAL: &str = "force-app/main/default/extlClntAppGlobalOauthSets/Acme_Web_Portal_glbloauth.ecaGlblOauth-meta.xml";
    const SETTINGS: &str = "force-app/main/default/settings/OauthOidc.settings-meta.xml";

    use crate::live_support::copy_dir;

    /// A copy of the ready org (the project is its `root`).
    fn ready_copy() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("ready-org"), &dir.path().join("root"));
        dir
    }

    fn edit(dir: &tempfile::TempDir, rel: &str, from: &str, to: &str) {
        let path = dir.path().join("root").join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} holds {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn write(dir: &tempfile::TempDir, rel: &str, text: &str) {
        let path = dir.path().join("root").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs the audit (a FIFO used to block forever: the harness's deadline catches that).
    fn audit(dir: &tempfile::TempDir) -> (i32, Value, String) {
        let o = pkce()
            .args(["audit", "--json", "--no-waivers", "--source"])
            .arg(dir.path().join("root"))
            .run();
        let v = serde_json::from_str(&o.stdout).unwrap_or(Value::Null);
        (o.code, v, o.stderr)
    }

    fn problems(v: &Value) -> Vec<String> {
        v["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}:{} {} {}",
                    p["file"].as_str().unwrap_or("-"),
                    p["line"].as_u64().unwrap_or(0),
                    p["component"].as_str().unwrap_or("-"),
                    p["reason"].as_str().unwrap()
                )
            })
            .collect()
    }

    fn notes(v: &Value) -> String {
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Exit 3 with exactly one problem, which contains every `needle`.
    fn assert_incomplete(dir: &tempfile::TempDir, needles: &[&str]) -> Value {
        let (code, v, stderr) = audit(dir);
        assert_eq!(code, 3, "{stderr}\n{v:#}");
        assert_eq!(v["verdict"], "incomplete");
        let p = problems(&v);
        assert_eq!(p.len(), 1, "{p:#?}");
        for n in needles {
            assert!(p[0].contains(n), "{n:?} not in {}", p[0]);
        }
        v
    }

    #[test]
    fn the_unchanged_copy_is_ready() {
        let dir = ready_copy();
        let (code, v, stderr) = audit(&dir);
        assert_eq!(
            (code, v["verdict"].as_str()),
            (0, Some("ready")),
            "{stderr}"
        );
    }

    #[test]
    fn a_second_copy_of_an_element_names_the_file_and_both_lines() {
        let dir = ready_copy();
        edit(
            &dir,
            GLOBAL,
            "<isPkceRequired>true</isPkceRequired>",
            "<isPkceRequired>true</isPkceRequired>\n    <isPkceRequired>false</isPkceRequired>",
        );
        assert_incomplete(
            &dir,
            &[
                &format!("{GLOBAL}:14"),
                "<isPkceRequired> appears twice (also on line 13)",
            ],
        );
    }

    #[test]
    fn two_org_pkce_settings_are_not_enforced() {
        let dir = ready_copy();
        let text = std::fs::read_to_string(dir.path().join("root").join(SETTINGS)).unwrap();
        let line = text.lines().position(|l| l.contains("isPkceRequired"));
        let insert =
            "<isPkceRequired>true</isPkceRequired>\n    <isPkceRequired>true</isPkceRequired>";
        match line {
            Some(_) => edit(
                &dir,
                SETTINGS,
                "<isPkceRequired>false</isPkceRequired>",
                insert,
            ),
            None => edit(
                &dir,
                SETTINGS,
                "</OauthOidcSettings>",
                &format!("    {insert}\n</OauthOidcSettings>"),
            ),
        }
        let v = assert_incomplete(&dir, &["appears twice"]);
        assert_ne!(v["verdict"], "enforced");
    }

    #[test]
    fn mixed_content_and_foreign_namespaces_are_not_values() {
        let dir = ready_copy();
        edit(
            &dir,
            GLOBAL,
            "<isPkceRequired>true</isPkceRequired>",
            "<isPkceRequired>true<x/></isPkceRequired>",
        );
        assert_incomplete(&dir, &["holds child elements"]);

        let dir = ready_copy();
        edit(
            &dir,
            GLOBAL,
            "<isPkceRequired>true</isPkceRequired>",
            "<isPkceRequired xmlns=\"urn:evil\">true</isPkceRequired>",
        );
        assert_incomplete(&dir, &["urn:evil", "not the Metadata API's"]);
    }

    #[test]
    fn a_stale_second_policies_file_is_named_with_both_files() {
        let dir = ready_copy();
        write(
            &dir,
            "force-app/old/extlClntAppPolicies/Acme_Web_Portal_plcy_old.ecaPlcy-meta.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<ExtlClntAppConfigurablePolicies xmlns="http://soap.sforce.com/2006/04/metadata">
    <externalClientApplication>Acme_Web_Portal</externalClientApplication>
    <isEnabled>false</isEnabled>
    <label>old</label>
</ExtlClntAppConfigurablePolicies>
"#,
        );
        assert_incomplete(
            &dir,
            &[
                "2 ExtlClntAppConfigurablePolicies components point to this app",
                "Acme_Web_Portal_plcy_old in force-app/old/extlClntAppPolicies/Acme_Web_Portal_plcy_old.ecaPlcy-meta.xml",
                "force-app/main/default/extlClntAppPolicies/Acme_Web_Portal_plcy.ecaPlcy-meta.xml",
            ],
        );
    }

    const OPEN_APP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>a@example.com</contactEmail>
    <label>Open</label>
    <oauthConfig>
        <callbackUrl>https://open.example.com/oauth/callback</callbackUrl>
        <isPkceRequired>false</isPkceRequired>
    </oauthConfig>
</ConnectedApp>
"#;

    #[test]
    fn a_symlinked_folder_outside_the_root_is_a_problem_not_a_vanished_app() {
        let dir = ready_copy();
        let outside = dir.path().join("elsewhere/connectedApps");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("Open.connectedApp-meta.xml"), OPEN_APP).unwrap();
        symlink(
            &outside,
            dir.path().join("root/force-app/main/default/connectedApps"),
        )
        .unwrap();
        assert_incomplete(
            &dir,
            &[
                "force-app/main/default/connectedApps:0",
                "is a symbolic link to",
                "outside the audited folder",
            ],
        );
        // A link to a file outside, too.
        let dir = ready_copy();
        let file = dir.path().join("Open.connectedApp-meta.xml");
        std::fs::write(&file, OPEN_APP).unwrap();
        std::fs::create_dir_all(dir.path().join("root/force-app/main/default/connectedApps"))
            .unwrap();
        symlink(
            &file,
            dir.path()
                .join("root/force-app/main/default/connectedApps/Open.connectedApp-meta.xml"),
        )
        .unwrap();
        assert_incomplete(&dir, &["outside the audited folder"]);
        // And a dangling link.
        let dir = ready_copy();
        symlink(
            dir.path().join("nowhere"),
            dir.path().join("root/force-app/main/default/connectedApps"),
        )
        .unwrap();
        assert_incomplete(&dir, &["cannot be followed"]);
    }

    #[test]
    fn links_inside_the_root_are_followed_once_and_loops_are_noted() {
        let dir = ready_copy();
        write(
            &dir,
            "shared/connectedApps/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        symlink(
            dir.path().join("root/shared/connectedApps"),
            dir.path().join("root/force-app/main/default/connectedApps"),
        )
        .unwrap();
        // A loop, and a second path to the same folder.
        symlink(
            dir.path().join("root/force-app"),
            dir.path().join("root/force-app/main/loop"),
        )
        .unwrap();
        let (code, v, stderr) = audit(&dir);
        assert_eq!(code, 1, "{stderr}\n{v:#}");
        let open: Vec<_> = v["apps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["name"] == "Open")
            .collect();
        assert_eq!(open.len(), 1, "read exactly once");
        assert!(problems(&v).is_empty(), "{:#?}", problems(&v));
        assert!(
            notes(&v).contains("force-app/main/loop: symbolic link back to force-app"),
            "{}",
            notes(&v)
        );
    }

    #[test]
    fn a_fifo_named_like_metadata_is_a_problem_not_a_hang() {
        let dir = ready_copy();
        let folder = dir.path().join("root/force-app/main/default/connectedApps");
        std::fs::create_dir_all(&folder).unwrap();
        mkfifo(&folder.join("Pipe.connectedApp-meta.xml"));
        assert_incomplete(
            &dir,
            &[
                "ConnectedApp Pipe",
                "is not a regular file (a FIFO, socket or device)",
            ],
        );
    }

    /// A folder whose name the walker would read as a metadata file, of any type it
    /// knows, is an unread item naming it, never skipped with a note.
    #[test]
    fn a_folder_named_like_a_metadata_file_is_a_named_problem() {
        let cases = [
            (
                "force-app/main/default/connectedApps/Portal.connectedApp-meta.xml",
                "ConnectedApp Portal",
                "a folder named like a ConnectedApp metadata file (.connectedApp-meta.xml)",
            ),
            (
                "force-app/main/default/externalClientApps/X.eca-meta.xml",
                "ExternalClientApplication X",
                "a folder named like a ExternalClientApplication metadata file (.eca-meta.xml)",
            ),
            (
                "force-app/main/default/extlClntAppGlobalOauthSets/X_glbloauth.ecaGlblOauth-meta.xml",
                "ExtlClntAppGlobalOauthSettings X_glbloauth",
                "(.ecaGlblOauth-meta.xml)",
            ),
            (
                "force-app/main/default/settings/old/OauthOidc.settings",
                "OauthOidcSettings OauthOidc",
                "(.settings-meta.xml)",
            ),
            // The short form the walker also reads, anywhere in the package.
            (
                "force-app/Legacy.connectedApp",
                "ConnectedApp Legacy",
                "(.connectedApp-meta.xml)",
            ),
        ];
        for (folder, component, reason) in cases {
            let dir = ready_copy();
            // Even an empty one: what was meant there cannot be told.
            std::fs::create_dir_all(dir.path().join("root").join(folder)).unwrap();
            let v = assert_incomplete(&dir, &[folder, component, reason]);
            assert!(!notes(&v).contains(folder), "{folder}: {}", notes(&v));
        }
        // A folder that holds the real file: the file is read, the folder still named.
        let dir = ready_copy();
        write(
            &dir,
            "force-app/main/default/connectedApps/Open.connectedApp-meta.xml/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        let (_, v, stderr) = audit(&dir);
        assert_ne!(v["verdict"], "ready", "{stderr}");
        let p = problems(&v);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(
            p[0].starts_with("force-app/main/default/connectedApps/Open.connectedApp-meta.xml:0 ConnectedApp Open a folder named like"),
            "{}",
            p[0]
        );
        assert!(v["apps"].to_string().contains("\"Open\""), "{}", v["apps"]);
    }

    #[test]
    fn near_miss_names_are_noted_and_files_resolve_by_suffix_in_any_folder() {
        let dir = ready_copy();
        write(
            &dir,
            "force-app/main/default/connectedApps/Open.ConnectedApp-meta.xml",
            OPEN_APP,
        );
        // A folder named like a near miss is a near miss too: noted, not a problem.
        std::fs::create_dir_all(
            dir.path()
                .join("root/force-app/main/default/connectedApps/Dir.ConnectedApp-meta.xml"),
        )
        .unwrap();
        let (code, v, stderr) = audit(&dir);
        assert_eq!(code, 0, "{stderr}");
        let n = notes(&v);
        assert!(n.contains("force-app/main/default/connectedApps/Open.ConnectedApp-meta.xml: named like a ConnectedApp file"), "{n}");
        assert!(
            n.contains("Dir.ConnectedApp-meta.xml: a folder named like a metadata file; not read"),
            "{n}"
        );

        // Source-deploy-retrieve resolves by suffix, whatever the folder is called.
        let dir = ready_copy();
        write(
            &dir,
            "force-app/main/default/ConnectedApps/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        let (code, v, _) = audit(&dir);
        assert_eq!(code, 1);
        assert_eq!(
            rules_of(&v, Some("Open")).into_iter().collect::<Vec<_>>(),
            ["app-pkce-not-required", "connected-app-legacy"]
        );
    }

    #[test]
    fn the_same_component_in_two_package_directories_is_read_from_neither() {
        let dir = ready_copy();
        write(
            &dir,
            "force-app/main/default/connectedApps/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        write(
            &dir,
            "other/connectedApps/Open.connectedApp-meta.xml",
            &OPEN_APP.replace("false", "true"),
        );
        write(
            &dir,
            "sfdx-project.json",
            r#"{"packageDirectories": [{"path": "force-app", "default": true}, {"path": "other"}]}"#,
        );
        assert_incomplete(
            &dir,
            &[
                "defined 2 times",
                "other/connectedApps/Open.connectedApp-meta.xml",
            ],
        );
    }

    #[test]
    fn metadata_outside_the_package_directories_is_named() {
        let dir = ready_copy();
        write(
            &dir,
            "unpackaged/connectedApps/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        let (code, v, _) = audit(&dir);
        assert_eq!(code, 0, "not deployed, so not read");
        assert!(notes(&v).contains("1 metadata file(s) outside the packageDirectories of sfdx-project.json were not read (Salesforce's tools do not deploy them): unpackaged/connectedApps/Open.connectedApp-meta.xml"), "{}", notes(&v));
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    }

    #[test]
    fn review_repros_never_read_as_ready() {
        // Each would once have printed READY (or ENFORCED) with exit 0.
        let app = |rel: &str, text: &str| {
            let dir = ready_copy();
            write(&dir, rel, text);
            dir
        };
        let ca = "force-app/main/default/connectedApps/Open.connectedApp-meta.xml";
        // A bare `nil` attribute no longer hides an app.
        let d = app(
            ca,
            &OPEN_APP.replace("<oauthConfig>", "<oauthConfig nil=\"true\">"),
        );
        assert_incomplete(&d, &["ConnectedApp Open", "has the attribute \"nil\""]);
        // An empty isPkceRequired on an ECA is not the documented default of true.
        let d = ready_copy();
        edit(
            &d,
            GLOBAL,
            "<isPkceRequired>true</isPkceRequired>",
            "<isPkceRequired/>",
        );
        assert_incomplete(&d, &["is empty or nil"]);
        // A stale settings copy that names itself differently is still a second copy.
        let d = ready_copy();
        let settings = std::fs::read_to_string(d.path().join("root").join(SETTINGS)).unwrap();
        write(
            &d,
            "stale/settings/OauthOidc.settings-meta.xml",
            &settings
                .replace(
                    "<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">",
                    "<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Stale</fullName>",
                )
                .replace("<isPkceRequired>false", "<isPkceRequired>true"),
        );
        write(
            &d,
            "sfdx-project.json",
            r#"{"packageDirectories": [{"path": "force-app", "default": true}, {"path": "stale"}]}"#,
        );
        let (code, v, stderr) = audit(&d);
        assert_eq!(code, 3, "{stderr}\n{v:#}");
        assert!(
            problems(&v)
                .iter()
                .any(|p| p.contains("differs from the name its file gives it")),
            "{:#?}",
            problems(&v)
        );
        // Names differ only in case: one name twice.
        let d = app(ca, OPEN_APP);
        write(
            &d,
            "force-app/main/default/connectedApps/OPEN.connectedApp-meta.xml",
            OPEN_APP,
        );
        assert_incomplete(&d, &["defined 2 times"]);
    }

    #[test]
    fn enforced_is_not_claimed_over_unread_input() {
        let dir = ready_copy();
        let text = std::fs::read_to_string(dir.path().join("root").join(SETTINGS)).unwrap();
        let enforced = match text.contains("<isPkceRequired>") {
            true => text.replace(
                "<isPkceRequired>false</isPkceRequired>",
                "<isPkceRequired>true</isPkceRequired>",
            ),
            false => text.replace(
                "</OauthOidcSettings>",
                "    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>",
            ),
        };
        write(&dir, SETTINGS, &enforced);
        let (code, v, _) = audit(&dir);
        assert_eq!((code, v["verdict"].as_str()), (0, Some("enforced")));
        symlink("/etc", dir.path().join("root/force-app/main/default/etc")).unwrap();
        let v = assert_incomplete(&dir, &["outside the audited folder"]);
        assert!(v["verdict_reason"]
            .as_str()
            .unwrap()
            .contains("already requires PKCE"));
    }

    #[test]
    fn project_files_that_are_not_regular_files_are_named_not_waited_on() {
        let dir = ready_copy();
        std::fs::remove_file(dir.path().join("root/sfdx-project.json")).unwrap();
        mkfifo(&dir.path().join("root/sfdx-project.json"));
        let (code, v, stderr) = audit(&dir);
        assert_eq!(code, 3, "{stderr}");
        assert!(
            problems(&v)
                .iter()
                .any(|p| p.starts_with("sfdx-project.json") && p.contains("not a regular file")),
            "{:#?}",
            problems(&v)
        );
        // A waiver file that is a FIFO is an error, not "no waivers".
        let dir = ready_copy();
        mkfifo(&dir.path().join("root/pkce-audit.toml"));
        let o = pkce()
            .args(["audit", "--json", "--source"])
            .arg(dir.path().join("root"))
            .run();
        let stderr = &o.stderr;
        assert_eq!(o.code, 2, "{stderr}");
        assert!(
            stderr.contains("pkce-audit.toml: cannot be read: is not a regular file"),
            "{stderr}"
        );
        assert_eq!(stderr.matches("os error").count(), 0, "{stderr}");
    }

    #[test]
    fn hidden_and_misnamed_metadata_is_named() {
        let dir = ready_copy();
        write(
            &dir,
            "force-app/main/default/.wip/connectedApps/Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        write(
            &dir,
            "force-app/main/default/connectedApps/.Open.connectedApp-meta.xml",
            OPEN_APP,
        );
        write(
            &dir,
            "force-app/main/default/connectedApps/Open.connectedApp-meta.xml ",
            OPEN_APP,
        );
        let (code, v, stderr) = audit(&dir);
        assert_eq!(code, 0, "{stderr}");
        let n = notes(&v);
        assert!(
            n.contains("force-app/main/default/.wip: 1 metadata file(s) in a hidden folder"),
            "{n}"
        );
        assert!(
            n.contains(".Open.connectedApp-meta.xml: a hidden file"),
            "{n}"
        );
        assert!(
            n.contains("Open.connectedApp-meta.xml : named like a ConnectedApp file"),
            "{n}"
        );
    }

    #[test]
    fn a_bad_forceignore_line_is_named_by_its_line() {
        let dir = ready_copy();
        let path = dir.path().join("root/.forceignore");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, format!("{text}\n**/[z-a]*\n")).unwrap();
        let line = text.lines().count() + 2;
        assert_incomplete(
            &dir,
            &[&format!(".forceignore:{line}"), "line could not be used"],
        );
    }

    #[test]
    fn a_folder_with_no_metadata_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("root/src")).unwrap();
        std::fs::write(dir.path().join("root/src/README.md"), "hello").unwrap();
        let (code, _, stderr) = audit(&dir);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("no Salesforce metadata here: no sfdx-project.json, no package.xml"),
            "{stderr}"
        );
    }
}

fn audit_hostile(dir: &Path, format: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "audit",
        "--source",
        dir.to_str().unwrap(),
        "--format",
        format,
    ];
    args.extend(extra);
    run(&args)
}

// File names carry part of the payload (ESC, a line break): Unix file systems only.
#[cfg(unix)]
#[test]
fn hostile_names_labels_and_paths_never_reach_the_terminal_raw() {
    use hostile_input::*;
    let tmp = tempfile::tempdir().unwrap();
    write_org(tmp.path());
    let o = audit_hostile(tmp.path(), "table", &[]);
    assert_eq!(o.code, 1, "{}", o.stderr.as_str());
    let table = stdout(&o);
    assert!(!o.stdout.contains('\x1b'), "no ESC byte: {table}");
    assert_clean(&table, "table");
    assert!(injected_lines(&table).is_empty(), "{table}");
    // Shown, not applied: the ESC and CSI of the name, the OSC and BEL of the broken file.
    assert!(
        table.contains("Evil\\u{1b}[2J\\u{9b}31m|x`y # Pwned"),
        "{table}"
    );
    assert!(table.contains("Broken\\u{1b}]0;owned\\u{7}"), "{table}");
    // The callback that only looks like loopback is reported, its bidi override shown.
    assert!(table.contains("insecure-callback-url"), "{table}");
    assert!(table.contains("\\u{202e}moc.knab"), "{table}");
}

// File names carry part of the payload (ESC, a line break): Unix file systems only.
#[cfg(unix)]
#[test]
fn hostile_text_in_both_csv_row_kinds_is_visible_on_one_line() {
    use hostile_input::*;
    let tmp = tempfile::tempdir().unwrap();
    write_org(tmp.path());
    for rows in ["findings", "apps"] {
        let o = audit_hostile(tmp.path(), "csv", &["--csv-rows", rows]);
        let text = stdout(&o);
        assert_clean(&text, rows);
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let headers = rd.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let records: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        for r in &records {
            for cell in r.iter() {
                assert!(!cell.contains('\n'), "{rows}: one line per cell: {cell:?}");
            }
        }
        let label = records
            .iter()
            .find(|r| &r[col("app")] == LABEL_APP)
            .unwrap_or_else(|| panic!("{rows}: {text}"));
        assert_eq!(
            &label[col("label")],
            "Portal # Pwned - [x] done `tick` | pipe \\u{202e}gnp.exe ## Also",
            "{rows}"
        );
        assert!(
            records
                .iter()
                .any(|r| &r[col("app")] == "Evil\\u{1b}[2J\\u{9b}31m|x`y # Pwned"),
            "{rows}: {text}"
        );
    }
}

// File names carry part of the payload (ESC, a line break): Unix file systems only.
#[cfg(unix)]
#[test]
fn hostile_json_keeps_the_exact_text_in_escaped_bytes() {
    use hostile_input::*;
    let tmp = tempfile::tempdir().unwrap();
    write_org(tmp.path());
    let o = audit_hostile(tmp.path(), "json", &[]);
    let text = stdout(&o);
    // Every character a terminal acts on is a \u escape: the bytes are clean...
    assert_clean(&text, "json");
    assert!(text.contains("\\u202e"), "{text}");
    // ...and the value is exact.
    let v: Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&EVIL_NAME), "{names:?}");
    let label = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == LABEL_APP)
        .unwrap();
    // (Whether the XML reader normalises CRLF is not this test's business.)
    assert_eq!(
        label["label"].as_str().unwrap().replace("\r\n", "\n"),
        EVIL_LABEL.replace("\r\n", "\n")
    );
    let insecure = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "insecure-callback-url" && f["app"] == LABEL_APP)
        .expect("the backslash callback is not loopback");
    assert!(
        insecure["message"]
            .as_str()
            .unwrap()
            .contains(EVIL_CALLBACK),
        "{insecure}"
    );
}

#[test]
fn error_lines_are_one_visible_line() {
    let o = run(&[
        "audit",
        "--source",
        "/nonexistent/\u{1b}[31mred\u{202e}\n# Pwned",
    ]);
    assert_eq!(o.code, 2);
    let err = o.stderr;
    hostile_input::assert_clean(&err, "stderr");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("pkce-audit: error: /nonexistent/\\u{1b}[31mred\\u{202e} # Pwned"),
        "{err}"
    );
}

#[test]
fn the_readme_shows_the_real_demo_output() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## What the demo prints").unwrap()..];
    let start = section.find("```text\n").unwrap() + "```text\n".len();
    let block = &section[start..start + section[start..].find("```\n").unwrap()];
    let o = pkce()
        .in_repo()
        .args(["audit", "--source", "fixtures/demo-org"])
        .env("COLUMNS", "100")
        .run();
    assert_eq!(block, stdout(&o), "refresh the README's demo block");
}

#[test]
fn clients_lists_the_catalogue_as_a_table_and_as_json() {
    let o = run(&["clients", "--json"]);
    o.status(0);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    let all = v["clients"].as_array().unwrap();
    // 100 columns (not a terminal): one entry per client, its id first.
    let list = stdout(&run(&["clients"]));
    assert!(list.contains("salesforce-cli · salesforce · sends since 2.33.3\n"));
    let heads = list.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(heads, all.len(), "{list}");
    for c in all {
        let id = c["id"].as_str().unwrap();
        assert!(
            list.lines().any(|l| l.starts_with(&format!("{id} · "))),
            "{id}"
        );
    }
    // Wide enough, a table: a row per client starts with its id.
    let o = pkce().args(["clients"]).env("COLUMNS", "120").run();
    o.status(0).stdout_has("│ Id ");
    let table = stdout(&o);
    for c in all {
        let id = c["id"].as_str().unwrap();
        assert!(table.contains(&format!("│ {id} ")), "{id}\n{table}");
    }
    assert!(all
        .iter()
        .all(|c| !c["source"].as_str().unwrap().is_empty()));
}

#[test]
fn salesforce_owned_apps_have_their_own_heading_in_the_table_and_the_plan() {
    let table = stdout(&run(&["audit", "--source", "fixtures/callbacks-org"]));
    assert!(
        table.contains("Salesforce's own apps (test in a sandbox; open a case if one fails)"),
        "{table}"
    );
    let md = stdout(&run(&[
        "audit",
        "--source",
        "fixtures/callbacks-org",
        "--format",
        "markdown",
    ]));
    let section = &md[md.find("#### Salesforce's own apps").expect("the heading")..];
    assert!(
        section.contains("`DEVHUB_00D000000000001AAA`")
            || section.contains("DEVHUB\\_00D000000000001AAA"),
        "{section}"
    );
    assert!(section.contains("open a case with Salesforce"));
    assert!(md.contains("## Dates that matter") && md.contains("**Sources disagree:**"));
    let csv = stdout(&run(&[
        "audit",
        "--source",
        "fixtures/callbacks-org",
        "--format",
        "csv",
    ]));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("salesforce-app-pkce-not-required,") && l.contains(",salesforce,")));
}
