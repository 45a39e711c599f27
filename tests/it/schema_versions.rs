//! Every JSON document the tool prints leads with its `schema_version` (docs/output.md):
//! each command's (`verify`'s included), and the error document.

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{run, TOKEN};

const DEMO: &str = "fixtures/demo-org";

#[test]
fn every_json_document_leads_with_its_schema_version() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r.json");
    let audit = run(&["audit", "--source", DEMO, "--json"], &[]);
    std::fs::write(&report, &audit.stdout).unwrap();
    let report = report.to_str().unwrap();
    let org = FakeOrg::start(Config::default());
    let live = [
        ("SF_ACCESS_TOKEN", TOKEN),
        ("SF_ORG_INSTANCE_URL", org.base_url.as_str()),
    ];
    let snap = tmp.path().join("snap");
    let mut now = live.to_vec();
    now.push(("PKCE_AUDIT_NOW", "2026-11-21T00:00:00Z"));
    let documents = [
        ("audit", audit, 1),
        ("diff", run(&["diff", report, report, "--json"], &[]), 1),
        ("rules", run(&["rules", "--json"], &[]), 1),
        (
            "rule",
            run(&["rules", "app-pkce-not-required", "--json"], &[]),
            1,
        ),
        ("clients", run(&["clients", "--json"], &[]), 1),
        ("doctor", run(&["doctor", "--json"], &live), 1),
        (
            "fetch",
            run(&["fetch", "--out", snap.to_str().unwrap(), "--json"], &live),
            1,
        ),
        (
            "fix",
            run(
                &[
                    "fix",
                    "--source",
                    DEMO,
                    "--app",
                    "Customer_Portal",
                    "--dry-run",
                    "--json",
                ],
                &[],
            ),
            1,
        ),
        (
            "verify",
            run(
                &["verify", "--since", "2026-11-18T00:00:00Z", "--json"],
                &now,
            ),
            1,
        ),
        ("error", run(&["rules", "no-such-rule", "--json"], &[]), 1),
    ];
    for (what, r, version) in documents {
        assert!(
            r.stdout.starts_with("{\n  \"schema_version\": "),
            "{what}: {}{}",
            r.stdout,
            r.stderr
        );
        assert!(r.stdout.ends_with("}\n"), "{what}");
        assert_eq!(r.json()["schema_version"], version, "{what}");
    }
}
