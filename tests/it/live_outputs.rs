//! What the machine outputs and headers say about an org: a snapshot audit names the org,
//! its instance and when it was fetched; a live org's SARIF names components, not files.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use serde_json::Value;
use std::path::Path;
use support::*;

/// Fetches the demo org into `<tmp>/snap`; returns the manifest.
fn fetch_demo(org: &FakeOrg, out: &Path) -> Value {
    let fetch = fetch_live(&org.base_url, out, &["--quiet"]);
    assert_eq!(fetch.code, 0, "{}", fetch.stderr);
    serde_json::from_str(&std::fs::read_to_string(out.join("pkce-audit-snapshot.json")).unwrap())
        .unwrap()
}

#[test]
fn a_snapshot_audit_names_the_org_its_instance_and_when_it_was_fetched() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let manifest = fetch_demo(&org, &out);
    let (id, url, at) = (
        manifest["org_id"].as_str().unwrap(),
        manifest["instance_url"].as_str().unwrap(),
        manifest["fetched_at"].as_str().unwrap(),
    );
    assert!(id.starts_with("00D"), "{id}");
    assert_eq!(url, org.base_url);
    let audit = |format: &str| {
        let r = run(
            &[
                "audit",
                "--source",
                out.to_str().unwrap(),
                "--format",
                format,
            ],
            &[],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stdout
    };
    let json: Value = serde_json::from_str(&audit("json")).unwrap();
    let scope = &json["scope"];
    assert_eq!(scope["layout"], "snapshot");
    assert_eq!(scope["org_id"], id);
    assert_eq!(scope["instance_url"], url);
    assert_eq!(scope["generated_at"], at);

    // Machine-independent: the folder, the port and the clock are the run's.
    let port = url.rsplit(':').next().unwrap();
    let redact = |text: &str| {
        text.replace(out.to_str().unwrap(), "[snapshot]")
            .replace(&format!(":{port}"), ":[port]")
            .replace(at, "[fetched_at]")
            .replace(env!("CARGO_PKG_VERSION"), "[version]")
    };
    let table = audit("table");
    let header: Vec<&str> = table.lines().take_while(|l| !l.is_empty()).collect();
    let markdown = audit("markdown");
    let scope_rows: Vec<&str> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("| | |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let mut scope = scope.clone();
    scope["evidence"] = "[evidence: tested in live_evidence]".into();
    let shown = format!(
        "{}\n\n{}\n\n{:#}\n",
        header.join("\n"),
        scope_rows.join("\n"),
        scope
    );
    // Each of the three names the org, its instance and the fetch time.
    // Markdown writes the URL as text, its `://` escaped so that it is no link.
    let md_url = url.replace("://", "\\://");
    for (part, url) in [
        (header.join("\n"), url),
        (scope_rows.join("\n"), md_url.as_str()),
        (scope.to_string(), url),
    ] {
        for fact in [id, url, at] {
            assert!(part.contains(fact), "{fact} missing from {part}");
        }
    }
    insta::assert_snapshot!("snapshot_audit_header", redact(&shown));
}

/// A live org has no folder: no SRCROOT, every result names its component in
/// `logicalLocations`, and only the waiver file (which is on disk) is a file location.
#[test]
fn a_live_orgs_sarif_names_components_and_the_waiver_file() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().join("w.toml");
    std::fs::write(
        &w,
        "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"No_Such_App\"\nreason = \"typo\"\napproved_by = \"cab\"\nexpires = 2999-01-01\n",
    )
    .unwrap();
    let r = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--no-usage",
            "--format",
            "sarif",
            "--waivers",
            w.to_str().unwrap(),
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let log: Value = serde_json::from_str(&r.stdout).unwrap();
    let run = &log["runs"][0];
    let bases = run["originalUriBaseIds"].as_object().unwrap();
    assert_eq!(bases.keys().collect::<Vec<_>>(), ["WAIVERSROOT"]);
    let waivers_root = url::Url::parse(bases["WAIVERSROOT"]["uri"].as_str().unwrap()).unwrap();
    assert_eq!(
        waivers_root.to_file_path().unwrap(),
        tmp.path().canonicalize().unwrap()
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let mut waiver_results = 0;
    for res in run["results"].as_array().unwrap() {
        let rule = res["ruleId"].as_str().unwrap();
        assert_eq!(
            rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
            rule
        );
        let loc = &res["locations"][0];
        if rule == "waiver-unused" {
            waiver_results += 1;
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"],
                serde_json::json!({"uri": "w.toml", "uriBaseId": "WAIVERSROOT"})
            );
            continue;
        }
        assert!(loc.get("physicalLocation").is_none(), "{res}");
        let logical = &loc["logicalLocations"][0];
        let fqn = logical["fullyQualifiedName"].as_str().unwrap();
        match res["ruleId"].as_str().unwrap() {
            r if r.starts_with("org-") => {
                assert_eq!(fqn, "OauthOidcSettings OauthOidc");
                assert_eq!(logical["kind"], "resource");
            }
            _ => {
                assert_eq!(logical["kind"], "module");
                let name = logical["name"].as_str().unwrap();
                assert!(
                    fqn == format!("ConnectedApp {name}")
                        || fqn == format!("ExternalClientApplication {name}"),
                    "{fqn}"
                );
            }
        }
    }
    assert_eq!(waiver_results, 1);
}
