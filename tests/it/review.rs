//! Change review outputs: the Markdown rollout plan, waivers, SARIF and per-app CSV,
//! run through the real binary on the demo org.

use crate::hostile_input;

use crate::harness::{pkce, Run};
use serde_json::Value;
use std::path::Path;

/// The day waivers are judged on (PKCE_AUDIT_TODAY), so [`WAIVERS`] has one entry in force
/// and one expired whenever the tests run.
pub(crate) const TODAY: &str = "2026-11-21";

fn run_in(dir: &Path, args: &[&str]) -> Run {
    pkce()
        .args(args)
        .dir(dir)
        .env("PKCE_AUDIT_TODAY", TODAY)
        .run()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Run {
    run_in(root(), args)
}

fn text(o: &Run) -> String {
    o.stdout.clone()
}

fn demo(format: &str) -> Run {
    run(&["audit", "--source", "fixtures/demo-org", "--format", format])
}

#[test]
fn markdown_rollout_plan_snapshot() {
    let o = demo("markdown");
    assert_eq!(o.code, 1);
    let md = text(&o)
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
        .lines()
        .map(|l| {
            if l.starts_with("| Metadata read at |") {
                "| Metadata read at | [time] |"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The three steps in Salesforce's order, then flow blocking and the appendix.
    let order = [
        "## Rollout plan",
        "### Step 1",
        "### Step 2",
        "### Step 3",
        "## Block the insecure flows",
        "## Appendix: all findings",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|h| md.find(h).unwrap_or_else(|| panic!("{h}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sections in order");
    assert!(md.contains("- [ ] `Customer_Portal` (Customer Portal) — Connected App — contact crm-admins@acme.example.com"));
    assert!(md.contains("Namespace `acmecpq`"));
    assert!(md.contains("- [x] `Secure_Web_App` (Secure Web App) already requires PKCE."));
    // Every table row has as many cells as its header.
    let mut cols = 0;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = line.replace("\\|", "").matches('|').count();
            if line.starts_with("|---") || cols == 0 {
                cols = n;
            }
            assert_eq!(n, cols, "ragged table row: {line}");
        } else {
            cols = 0;
        }
    }
    insta::assert_snapshot!("demo_org_markdown", md);
}

/// The demo org as a copy in a temp folder (so SARIF paths and waiver files are local).
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("fixtures/demo-org"),
        &dir.path().join("demo-org"),
    );
    dir
}

use crate::live_support::copy_dir;

/// An artifact location resolved against the run's `originalUriBaseIds`: relative, with a
/// base the run defines, never climbing out of it. SARIF 2.1.0 §3.4.4: a `uriBaseId` goes
/// with a relative `uri` only.
fn resolve(log: &Value, artifact: &Value) -> std::path::PathBuf {
    let uri = artifact["uri"].as_str().expect("a uri");
    let base = artifact["uriBaseId"].as_str().expect("a uriBaseId");
    assert!(
        url::Url::parse(uri).is_err() && !uri.starts_with('/'),
        "{uri} is not relative"
    );
    assert!(
        !uri.split('/').any(|s| s == ".." || s == "."),
        "{uri} has dot segments"
    );
    let root = log["runs"][0]["originalUriBaseIds"][base]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("the run does not define {base}"));
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let root = url::Url::parse(root).unwrap();
    let url = root.join(uri).unwrap();
    assert!(
        url.as_str().starts_with(root.as_str()),
        "{url} leaves {root}"
    );
    url.to_file_path().unwrap()
}

fn sarif_of(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["audit", "--source", "demo-org", "--format", "sarif"];
    args.extend_from_slice(extra);
    let o = run_in(dir, &args);
    serde_json::from_str(&o.stdout).unwrap()
}

#[test]
fn sarif_has_the_schema_required_structure() {
    let dir = demo_copy();
    let log = sarif_of(dir.path(), &[]);
    // sarifLog: version + runs; run: tool; tool: driver; toolComponent: name.
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pkce-audit");
    let home = driver["informationUri"].as_str().unwrap();
    assert_eq!(url::Url::parse(home).unwrap().scheme(), "https");
    // SRCROOT is the audited folder, whatever folder the tool ran in.
    let srcroot = url::Url::parse(
        run["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        srcroot.to_file_path().unwrap(),
        dir.path().join("demo-org").canonicalize().unwrap()
    );
    let rules = driver["rules"].as_array().unwrap();
    for r in rules {
        // reportingDescriptor: id; multiformatMessageString: text.
        assert!(r["id"].is_string());
        assert!(r["shortDescription"]["text"].is_string() && r["help"]["text"].is_string());
        assert!(r["help"]["markdown"].is_string());
        let help = r["helpUri"].as_str().unwrap();
        assert_eq!(
            help,
            format!(
                "{home}/blob/main/docs/rules.md#{}",
                r["id"].as_str().unwrap()
            )
        );
        assert!(["none", "note", "warning", "error"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for res in results {
        // result: message (text); ruleId/ruleIndex consistent; level enum.
        assert!(res["message"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        assert!(["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap()));
        let fp = res["partialFingerprints"]["pkceAuditFinding/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 32);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        let file = resolve(&log, &loc["artifactLocation"]);
        assert!(file.is_file(), "{} does not exist", file.display());
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    // Every notification's file resolves too.
    for n in run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
    {
        for l in n["locations"].as_array().into_iter().flatten() {
            assert!(resolve(&log, &l["physicalLocation"]["artifactLocation"]).is_file());
        }
    }
    let fps: std::collections::HashSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["pkceAuditFinding/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        fps.len(),
        results.len(),
        "fingerprints are unique per finding"
    );
}

/// The waiver file's entries are located in it: under SRCROOT when it is the project's,
/// under its own base when it is elsewhere; never with `..` or an absolute path.
#[test]
fn sarif_points_waiver_findings_into_the_waiver_file() {
    let waiver_uris = |log: &Value| -> Vec<(String, String, u64)> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["ruleId"].as_str().unwrap().starts_with("waiver-"))
            .map(|r| {
                let loc = &r["locations"][0]["physicalLocation"];
                let file = resolve(log, &loc["artifactLocation"]);
                assert!(file.ends_with("pkce-audit.toml"), "{}", file.display());
                (
                    loc["artifactLocation"]["uriBaseId"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    loc["region"]["startLine"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let dir = demo_with_project_waivers();
    let log = sarif_of(dir.path(), &[]);
    let mut got = waiver_uris(&log);
    got.sort();
    let own = |line| ("SRCROOT".to_string(), "pkce-audit.toml".to_string(), line);
    assert_eq!(got, [own(9), own(16)]);

    // A waiver file outside the audited folder: its own base, its folder.
    let dir = demo_copy();
    std::fs::write(dir.path().join("pkce-audit.toml"), WAIVERS).unwrap();
    let log = sarif_of(dir.path(), &[]);
    let mut got = waiver_uris(&log);
    got.sort();
    let outside = |line| {
        (
            "WAIVERSROOT".to_string(),
            "pkce-audit.toml".to_string(),
            line,
        )
    };
    assert_eq!(got, [outside(9), outside(16)]);
    let waivers_root = url::Url::parse(
        log["runs"][0]["originalUriBaseIds"]["WAIVERSROOT"]["uri"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        waivers_root.to_file_path().unwrap(),
        dir.path().canonicalize().unwrap()
    );
}

#[test]
fn sarif_locations_point_at_the_element_that_causes_the_finding() {
    let dir = demo_copy();
    let log = sarif_of(dir.path(), &[]);
    let expect = |rule: &str| -> &[&str] {
        match rule {
            "public-client-without-pkce" => &["<isConsumerSecretOptional>"],
            "app-pkce-not-required" | "managed-app-needs-isv" => &[
                "<isPkceRequired>",
                "<oauthConfig>",
                "<ExternalClientApplication",
            ],
            "code-credentials-flow-without-pkce" => {
                &["<isCodeCredentialEnabled>", "<isCodeCredFlowEnabled>"]
            }
            "insecure-callback-url" => &["<callbackUrl"],
            "app-pkce-unknown" => &["<ExternalClientApplication"],
            "org-pkce-not-enforced" => &["<isPkceRequired>"],
            "org-username-password-flow-allowed" => &["<blockOAuthUnPwFlow>"],
            "org-user-agent-flow-allowed" => &["<blockOAuthUsrAgtFlow>"],
            "org-code-credentials-flow-enabled" => &["<oAuthCdCrdtFlowEnable>"],
            "connected-app-legacy" | "app-outside-pkce-scope" => &["<ConnectedApp"],
            other => panic!("no expectation for {other}"),
        }
    };
    for res in log["runs"][0]["results"].as_array().unwrap() {
        let loc = &res["locations"][0]["physicalLocation"];
        let file = resolve(&log, &loc["artifactLocation"]);
        assert!(file.starts_with(dir.path().canonicalize().unwrap().join("demo-org")));
        let line = loc["region"]["startLine"].as_u64().unwrap() as usize;
        let content = std::fs::read_to_string(&file).unwrap();
        let at = content.lines().nth(line - 1).unwrap();
        let rule = res["ruleId"].as_str().unwrap();
        assert!(
            expect(rule).iter().any(|e| at.contains(e)),
            "{rule} at {}:{line} is `{at}`",
            file.display()
        );
    }
    // The managed Connected App has no isPkceRequired element: it points at oauthConfig.
    let cpq = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "managed-app-needs-isv"
                && r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("acmecpq__")
        })
        .unwrap();
    assert!(
        cpq["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("acmecpq__CPQ_Connector.connectedApp-meta.xml")
    );
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let dir = demo_copy();
    let fps = |log: &Value| -> Vec<(String, String, u64)> {
        let mut v: Vec<_> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["pkceAuditFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = fps(&sarif_of(dir.path(), &[]));
    // Insert a comment and a description at the top of one app file: lines move.
    let f = dir.path().join(
        "demo-org/force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
    );
    let content = std::fs::read_to_string(&f).unwrap();
    let edited = content.replacen("<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">", "<!-- reviewed -->\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <description>Portal</description>", 1);
    assert_ne!(content, edited);
    std::fs::write(&f, edited).unwrap();
    let after = fps(&sarif_of(dir.path(), &[]));
    let strip = |v: &[(String, String, u64)]| {
        v.iter()
            .map(|(r, f, _)| (r.clone(), f.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&before), strip(&after), "same alerts");
    assert_ne!(before, after, "but the lines moved");
}

/// One entry applied (on ERP_Integration), one expired, one unused (as of [`TODAY`]).
pub(crate) const WAIVERS: &str = r#"
[[waiver]]
rule = "app-pkce-not-required"
app = "ERP_Integration"
reason = "JWT only, CAB-1432"
approved_by = "jane@acme.example.com"
expires = 2026-12-31

[[waiver]]
rule = "org-user-agent-flow-allowed"
app = "*"
reason = "mobile app moves in Q1"
approved_by = "cab"
expires = 2026-01-31

[[waiver]]
rule = "public-client-without-pkce"
app = "No_Such_App"
reason = "typo"
approved_by = "cab"
expires = 2027-01-01
"#;

#[test]
fn waivers_mark_findings_and_report_expired_and_unused() {
    let dir = demo_copy();
    std::fs::write(dir.path().join("pkce-audit.toml"), WAIVERS).unwrap();
    // Read by default from the current folder.
    let o = run_in(dir.path(), &["audit", "--source", "demo-org", "--json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    let find = |rule: &str, app: Option<&str>| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["app"].as_str() == app)
            .cloned()
            .unwrap_or_else(|| panic!("{rule} {app:?}"))
    };
    let erp = find("app-pkce-not-required", Some("ERP_Integration"));
    assert_eq!(erp["waived"]["reason"], "JWT only, CAB-1432");
    assert_eq!(erp["waived"]["expires"], "2026-12-31");
    assert!(
        find("org-user-agent-flow-allowed", None)["waived"].is_null(),
        "expired"
    );
    let expired = find("waiver-expired", None);
    assert_eq!(expired["location"]["line"], 9);
    assert!(expired["message"]
        .as_str()
        .unwrap()
        .contains("expired on 2026-01-31"));
    assert_eq!(
        find("waiver-unused", Some("No_Such_App"))["severity"],
        "info"
    );
    assert_eq!(v["summary"]["waived"], 1);
    assert_eq!(
        v["summary"]["blockers"], 7,
        "one of the eight blockers is waived"
    );
    assert_eq!(o.code, 1);
    // The table says it too.
    let t = text(&run_in(dir.path(), &["audit", "--source", "demo-org"]));
    assert!(
        t.contains("waived") && t.contains("Waived until 2026-12-31 by"),
        "{t}"
    );
    assert!(
        t.contains("Waivers\n"),
        "waiver findings have their own group: {t}"
    );
}

#[test]
fn waiving_every_blocker_makes_the_verdict_follow() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("fixtures/enforced-org"),
        &dir.path().join("org"),
    );
    copy_dir(
        &root().join("fixtures/ready-org"),
        &dir.path().join("ready"),
    );
    let w = dir.path().join("w.toml");
    std::fs::write(&w, "[[waiver]]\nrule = \"org-pkce-not-enforced\"\napp = \"*\"\nreason = \"planned\"\napproved_by = \"cab\"\nexpires = 2030-01-01\n").unwrap();
    let o = run_in(
        dir.path(),
        &[
            "audit",
            "--source",
            "ready",
            "--waivers",
            "w.toml",
            "--fail-on",
            "info",
        ],
    );
    assert_eq!(
        o.code, 0,
        "the only info finding is waived: --fail-on ignores it"
    );
}

#[test]
fn a_malformed_waiver_file_stops_with_its_line() {
    let dir = demo_copy();
    std::fs::write(dir.path().join("bad.toml"), "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"X\"\nreason = \"r\"\napproved_by = \"b\"\nexpires = 2026-02-30\n").unwrap();
    let o = run_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--waivers", "bad.toml"],
    );
    assert_eq!(o.code, 2);
    let err = o.stderr.as_str();
    assert!(err.contains("bad.toml:6:"), "{err}");
    let o = run_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--waivers", "missing.toml"],
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.as_str().contains("missing.toml"));
}

fn json_in(dir: &Path, args: &[&str]) -> (Value, i32) {
    let o = run_in(dir, args);
    assert!(o.code != 2, "{}", o.stderr.as_str());
    (serde_json::from_str(&o.stdout).unwrap(), o.code)
}

fn finding<'a>(v: &'a Value, rule: &str, app: Option<&str>) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["app"].as_str() == app)
        .unwrap_or_else(|| panic!("{rule} {app:?}"))
}

fn notes(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// The demo org in `<tmp>/demo-org` with `WAIVERS` at its root, and an empty `<tmp>/elsewhere`.
fn demo_with_project_waivers() -> tempfile::TempDir {
    let dir = demo_copy();
    std::fs::write(dir.path().join("demo-org/pkce-audit.toml"), WAIVERS).unwrap();
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    dir
}

#[test]
fn the_projects_waiver_file_applies_from_any_folder_and_is_named() {
    let dir = demo_with_project_waivers();
    let file = Path::new("..")
        .join("demo-org")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    let (v, code) = json_in(
        &dir.path().join("elsewhere"),
        &["audit", "--source", "../demo-org", "--json"],
    );
    assert_eq!(
        v["scope"]["waivers"],
        serde_json::json!({"file": file, "applied": 1, "expired": 1, "unused": 1})
    );
    assert!(!finding(&v, "app-pkce-not-required", Some("ERP_Integration"))["waived"].is_null());
    assert_eq!(v["summary"]["blockers"], 7);
    assert_eq!(code, 1);
    // Expiry and unused messages name the file and the line of the entry.
    let expired = finding(&v, "waiver-expired", None);
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains(&format!("({file}:9) expired on 2026-01-31")),
        "{expired}"
    );
    assert_eq!(expired["location"]["file"], file.as_str());
    assert_eq!(expired["location"]["line"], 9);
    let unused = finding(&v, "waiver-unused", Some("No_Such_App"));
    assert!(unused["message"]
        .as_str()
        .unwrap()
        .contains(&format!("({file}:16) matches no app in this audit")));
    // The project's own file needs no note: the audit is the same from every folder.
    assert!(
        !notes(&v).iter().any(|n| n.contains("aiver")),
        "{:?}",
        notes(&v)
    );
    // The same audit from the project's parent: same verdict, same waivers.
    let (w, _) = json_in(dir.path(), &["audit", "--source", "demo-org", "--json"]);
    assert_eq!(w["verdict"], v["verdict"]);
    assert_eq!(w["summary"], v["summary"]);
    assert_eq!(w["scope"]["waivers"]["applied"], 1);
}

#[test]
fn a_waiver_file_in_the_current_folder_applies_and_says_so() {
    let dir = demo_copy();
    std::fs::write(dir.path().join("pkce-audit.toml"), WAIVERS).unwrap();
    let (v, _) = json_in(dir.path(), &["audit", "--source", "demo-org", "--json"]);
    assert_eq!(v["scope"]["waivers"]["file"], "pkce-audit.toml");
    assert_eq!(v["scope"]["waivers"]["applied"], 1);
    assert!(
        notes(&v).iter().any(|n| n.contains(
            "pkce-audit.toml in the current folder, not from the audited folder demo-org"
        )),
        "{:?}",
        notes(&v)
    );
    let t = text(&run_in(dir.path(), &["audit", "--source", "demo-org"]));
    assert!(
        t.contains("Waivers: pkce-audit.toml (1 applied, 1 expired, 1 unused)"),
        "{t}"
    );
    assert!(
        t.contains("Note: Waivers taken from pkce-audit.toml in the current folder"),
        "{t}"
    );
}

#[test]
fn no_waivers_turns_them_off_and_names_the_file_not_read() {
    let dir = demo_with_project_waivers();
    let (with, _) = json_in(dir.path(), &["audit", "--source", "demo-org", "--json"]);
    let (v, code) = json_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--json", "--no-waivers"],
    );
    assert!(v["scope"]["waivers"].is_null());
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["waived"].is_null() && !f["rule"].as_str().unwrap().starts_with("waiver-")));
    assert_eq!(v["summary"]["waived"], 0);
    assert_eq!(v["summary"]["blockers"], 8);
    assert_ne!(
        v["summary"], with["summary"],
        "the waivers made a difference"
    );
    assert_eq!(code, 1);
    let file = Path::new("demo-org")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    assert!(
        notes(&v).contains(&format!(
            "Waivers turned off: the waiver file {file} was not read."
        )),
        "{:?}",
        notes(&v)
    );
    let t = text(&run_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--no-waivers"],
    ));
    assert!(t.contains("\nWaivers: none\n"), "{t}");
    // --no-waivers and --waivers contradict each other.
    let o = run_in(
        dir.path(),
        &[
            "audit",
            "--source",
            "demo-org",
            "--no-waivers",
            "--waivers",
            "w.toml",
        ],
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.as_str().contains("cannot be used with"));
}

#[test]
fn an_explicit_waiver_file_wins_and_the_defaults_it_passes_over_are_named() {
    let dir = demo_with_project_waivers();
    std::fs::write(dir.path().join("pkce-audit.toml"), WAIVERS).unwrap();
    std::fs::write(
        dir.path().join("w.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"Customer_Portal\"\nreason = \"r\"\napproved_by = \"cab\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let (v, _) = json_in(
        dir.path(),
        &[
            "audit",
            "--source",
            "demo-org",
            "--json",
            "--waivers",
            "w.toml",
        ],
    );
    assert_eq!(
        v["scope"]["waivers"],
        serde_json::json!({"file": "w.toml", "applied": 1, "expired": 0, "unused": 0})
    );
    assert!(!finding(&v, "app-pkce-not-required", Some("Customer_Portal"))["waived"].is_null());
    assert!(finding(&v, "app-pkce-not-required", Some("ERP_Integration"))["waived"].is_null());
    let n = notes(&v);
    let project = Path::new("demo-org")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    assert!(
        n.contains(&format!(
            "Waivers taken from w.toml: the waiver file {project} was not read."
        )),
        "{n:?}"
    );
    assert!(
        n.contains(
            &"Waivers taken from w.toml: the waiver file pkce-audit.toml was not read.".to_string()
        ),
        "{n:?}"
    );
}

#[test]
fn the_projects_waiver_file_wins_over_the_current_folders_and_says_so() {
    let dir = demo_with_project_waivers();
    // The current folder's file waives something else.
    std::fs::write(
        dir.path().join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"Customer_Portal\"\nreason = \"r\"\napproved_by = \"cab\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let (v, _) = json_in(dir.path(), &["audit", "--source", "demo-org", "--json"]);
    let project = Path::new("demo-org")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    assert_eq!(v["scope"]["waivers"]["file"], project.as_str());
    assert!(!finding(&v, "app-pkce-not-required", Some("ERP_Integration"))["waived"].is_null());
    assert!(finding(&v, "app-pkce-not-required", Some("Customer_Portal"))["waived"].is_null());
    assert!(
        notes(&v).contains(&format!("Waivers taken from the audited project's {project}: pkce-audit.toml in the current folder was not read.")),
        "{:?}",
        notes(&v)
    );
}

#[test]
fn every_format_names_the_waiver_file() {
    let dir = demo_with_project_waivers();
    let file = Path::new("demo-org")
        .join("pkce-audit.toml")
        .display()
        .to_string();
    let out = |format: &str| {
        text(&run_in(
            dir.path(),
            &["audit", "--source", "demo-org", "--format", format],
        ))
    };
    let counts = "(1 applied, 1 expired, 1 unused)";
    let t = out("table");
    assert!(
        t.lines().nth(1) == Some(format!("Waivers: {file} {counts}").as_str()),
        "{t}"
    );
    let md = out("markdown");
    assert!(
        md.contains(&format!("| Waivers | {file} {counts} |")),
        "{md}"
    );
    let sarif: Value = serde_json::from_str(&out("sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["waivers"],
        serde_json::json!({"file": file, "applied": 1, "expired": 1, "unused": 1})
    );
    let json: Value = serde_json::from_str(&out("json")).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["waivers"],
        json["scope"]["waivers"]
    );
    // Without a waiver file, every format says so.
    let (v, _) = json_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--json", "--no-waivers"],
    );
    assert!(v["scope"].as_object().unwrap().contains_key("waivers"));
    assert!(v["scope"]["waivers"].is_null());
}

#[test]
fn a_misspelt_app_gets_a_suggestion() {
    let dir = demo_copy();
    std::fs::write(
        dir.path().join("w.toml"),
        "# CAB-1432\n[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"ERP_Integraton\"\nreason = \"r\"\napproved_by = \"cab\"\nexpires = 2030-01-01\n",
    )
    .unwrap();
    let (v, _) = json_in(
        dir.path(),
        &[
            "audit",
            "--source",
            "demo-org",
            "--json",
            "--waivers",
            "w.toml",
        ],
    );
    let unused = finding(&v, "waiver-unused", Some("ERP_Integraton"));
    assert_eq!(
        unused["message"],
        "The waiver for app-pkce-not-required on ERP_Integraton (w.toml:2) matches no app in this audit; did you mean ERP_Integration?"
    );
    assert_eq!(v["scope"]["waivers"]["unused"], 1);
    // The table shows it in the Waivers group rather than folding it into an info line.
    let t = text(&run_in(
        dir.path(),
        &["audit", "--source", "demo-org", "--waivers", "w.toml"],
    ));
    let group = &t[t.find("\nWaivers\n").expect("a Waivers group")..];
    assert!(
        group.contains("(w.toml:2)") && group.contains("ERP_Integration?"),
        "{t}"
    );
    assert!(!t.contains("Info waiver-unused"), "{t}");
}

#[test]
fn a_malformed_today_is_an_error_not_the_clock() {
    pkce()
        .in_repo()
        .args(["audit", "--source", "fixtures/demo-org", "--json"])
        .env("PKCE_AUDIT_TODAY", "2026-02-30")
        .run()
        .status(2)
        .stderr_has("PKCE_AUDIT_TODAY");
}

#[test]
fn csv_app_rows_snapshot() {
    let o = run(&[
        "audit",
        "--source",
        "fixtures/demo-org",
        "--format",
        "csv",
        "--csv-rows",
        "apps",
    ]);
    let csv = text(&o);
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "app",
            "label",
            "kind",
            "owner",
            "namespace",
            "package",
            "pkce_required",
            "flows",
            "usage",
            "blocking_rules",
            "other_rules",
            "action",
            "waiver"
        ]
    );
    assert_eq!(rd.records().count(), 14, "one row per app");
    insta::assert_snapshot!("demo_org_csv_apps", csv);
}

#[test]
fn sarif_snapshot() {
    let o = demo("sarif");
    assert_eq!(o.code, 1);
    let mut log: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let driver = &mut log["runs"][0]["tool"]["driver"];
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    // The audited folder's absolute URI differs between machines.
    let srcroot = &mut log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"];
    let demo =
        url::Url::from_directory_path(root().join("fixtures/demo-org").canonicalize().unwrap())
            .unwrap();
    assert_eq!(srcroot.as_str(), Some(demo.as_str()));
    *srcroot = "file:///[root]/fixtures/demo-org/".into();
    insta::assert_json_snapshot!("demo_org_sarif", log);
}

/// The headings the rollout plan writes; nothing else may start with `#`.
const PLAN_HEADINGS: &[&str] = &[
    "# PKCE readiness: ",
    "## Verdict",
    "## Summary by owner",
    "## Rollout plan",
    "### Step 1 ",
    "#### Our apps",
    "#### ISV packages",
    "#### Outside vendors",
    "### Step 2 ",
    "### Step 3 ",
    "### When and how a client breaks",
    "#### Salesforce's own apps",
    "## Block the insecure flows",
    "## Dates that matter",
    "## Next actions",
    "## Apps",
    "## Notes",
    "## Could not be read",
    "## Appendix: all findings",
];

// File names carry part of the payload (ESC, a line break): Unix file systems only.
#[cfg(unix)]
#[test]
fn hostile_labels_cannot_change_the_rollout_plan() {
    use hostile_input::*;
    let tmp = tempfile::tempdir().unwrap();
    write_org(tmp.path());
    let o = run_in(
        tmp.path(),
        &["audit", "--source", ".", "--format", "markdown"],
    );
    assert_eq!(o.code, 1);
    let md = text(&o);
    assert_clean(&md, "markdown");
    assert!(injected_lines(&md).is_empty(), "{md}");
    for h in md.lines().filter(|l| l.starts_with('#')) {
        assert!(
            PLAN_HEADINGS.iter().any(|p| h.starts_with(p)),
            "a heading the plan did not write: {h}"
        );
    }
    // Tasks: two apps in step 1 and in step 2, the org toggle, the two flows. No more.
    let tasks: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- [ ]") || l.starts_with("- [x]"))
        .collect();
    assert_eq!(tasks.len(), 7, "{tasks:#?}");
    assert_tables_whole(&md);
    assert_code_spans_closed(&md);
    // The label is there, on its task's line, as text.
    assert!(
        md.contains("`Label_App` (Portal \\# Pwned - \\[x\\] done \\`tick\\` \\| pipe \\\\u{202e}gnp.exe \\#\\# Also) — Connected App — contact it@acme.example.com - \\[ \\] fake task."),
        "{md}"
    );
    // A name with backticks and a pipe is one code span, and one cell in a table.
    assert!(
        md.contains("| ``Evil\\u{1b}[2J\\u{9b}31m\\|x`y # Pwned`` | Connected App |"),
        "{md}"
    );
}

// File names carry part of the payload (ESC, a line break): Unix file systems only.
#[cfg(unix)]
#[test]
fn hostile_text_in_sarif_is_escaped_and_messages_show_it() {
    use hostile_input::*;
    let tmp = tempfile::tempdir().unwrap();
    write_org(tmp.path());
    let o = run_in(tmp.path(), &["audit", "--source", ".", "--format", "sarif"]);
    let raw = text(&o);
    assert_clean(&raw, "sarif");
    let v: Value = serde_json::from_str(&raw).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let insecure = results
        .iter()
        .find(|r| r["ruleId"] == "insecure-callback-url")
        .unwrap();
    let message = insecure["message"]["text"].as_str().unwrap();
    assert!(message.contains("\\u{202e}moc.knab"), "{message}");
    assert!(!message.contains('\u{202e}'), "{message}");
    // Data keeps the exact name: the alert stays the same alert.
    let names: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["logicalLocations"][0]["name"].as_str())
        .collect();
    assert!(names.contains(&EVIL_NAME), "{names:?}");
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("Broken\\\\u{1b}]0;owned\\\\u{7}"), "{notes}");
}
