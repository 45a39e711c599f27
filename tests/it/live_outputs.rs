//! What the machine outputs say about an org: a live org's SARIF names components, not
//! files.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use serde_json::Value;
use support::*;

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
