//! In an org that already requires PKCE, a waived blocker does not disappear: every format
//! lists it as waived and likely failing at its next authorization, and the owner summary
//! (ISV packages included) still names it. The same waivers in an org that does not yet
//! require PKCE defer the blockers, as before.

use crate::live_support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const WAIVERS: &str = r#"[[waiver]]
rule = "app-pkce-not-required"
app = "Sales_Dashboard"
reason = "dashboard vendor ships PKCE in Q3"
approved_by = "cab"
expires = 2099-01-31

[[waiver]]
rule = "managed-app-needs-isv"
app = "acmecpq__CPQ_Connector"
reason = "Acme CPQ 4.0 due"
approved_by = "cab"
expires = 2099-01-31
"#;

/// The enforced org with an ISV's managed app beside its own, both blockers waived; with
/// `enforced` false, the same org before the setting was turned on.
fn org(dir: &Path, enforced: bool) -> PathBuf {
    let root = dir.join(if enforced { "enforced" } else { "before" });
    copy_dir(&fixture("enforced-org"), &root);
    let apps = root.join("force-app/main/default/connectedApps");
    std::fs::copy(
        fixture("demo-org").join(
            "force-app/main/default/connectedApps/acmecpq__CPQ_Connector.connectedApp-meta.xml",
        ),
        apps.join("acmecpq__CPQ_Connector.connectedApp-meta.xml"),
    )
    .unwrap();
    if !enforced {
        let settings = root.join("force-app/main/default/settings/OauthOidc.settings-meta.xml");
        let text = std::fs::read_to_string(&settings).unwrap();
        std::fs::write(
            &settings,
            text.replace("<isPkceRequired>true", "<isPkceRequired>false"),
        )
        .unwrap();
    }
    std::fs::write(root.join("pkce-audit.toml"), WAIVERS).unwrap();
    root
}

fn audit(root: &Path, format: &str) -> Run {
    let r = run(
        &[
            "audit",
            "--source",
            root.to_str().unwrap(),
            "--format",
            format,
        ],
        &[("PKCE_AUDIT_TODAY", "2026-11-21"), ("COLUMNS", "200")],
    );
    assert!([0, 1].contains(&r.code), "{format}: {}", r.stderr);
    r
}

fn finding<'a>(v: &'a Value, app: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["app"] == app && f["blocker"] == true)
        .unwrap_or_else(|| panic!("no blocker on {app}"))
}

/// The table as one line per paragraph: the grid wraps long cells.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_waived_blocker_in_an_enforced_org_is_listed_as_likely_failing_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let root = org(tmp.path(), true);

    let r = audit(&root, "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "enforced");
    let reason = v["verdict_reason"].as_str().unwrap();
    assert!(
        reason.contains(
            "2 waived blocking finding(s) on 2 app(s) likely fail at their next authorization"
        ),
        "{reason}"
    );
    for app in ["Sales_Dashboard", "acmecpq__CPQ_Connector"] {
        let f = finding(&v, app);
        assert!(f["waived"].is_object(), "{f}");
        assert_eq!(f["likely_failing"], true, "{f}");
    }
    let sum = &v["summary"];
    assert_eq!(
        (&sum["blockers"], &sum["waived_failing"]),
        (&0.into(), &2.into())
    );
    assert_eq!(
        sum["org_apps_to_fix"],
        serde_json::json!(["Sales_Dashboard"])
    );
    assert_eq!(
        sum["isv_actions"],
        serde_json::json!([{"namespace": "acmecpq", "apps": ["acmecpq__CPQ_Connector"]}])
    );

    let table = flat(&audit(&root, "table").stdout);
    for needle in [
        "WAIVED, FAILING",
        "Likely failing: the org already requires PKCE, so this app likely fails at its next authorization.",
        "Our org must fix 1 app(s): Sales_Dashboard",
        "ISV namespace 'acmecpq' must ship a PKCE-ready version: acmecpq__CPQ_Connector",
        "2 waived blocker(s) likely fail at their next authorization",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    assert!(
        !table.contains("ISV packages: none needs to act"),
        "{table}"
    );

    let md = audit(&root, "markdown").stdout;
    for needle in [
        "| ISV namespace `acmecpq` | `acmecpq__CPQ_Connector` | 1 |",
        "Apps that likely fail at their next authorization (2):",
        "2 waived blocker(s) likely fail at their next authorization",
        "the org already requires PKCE, so this app likely fails at its next authorization",
    ] {
        assert!(md.contains(needle), "{needle}: {md}");
    }

    let csv = audit(&root, "csv").stdout;
    let mut rows = ::csv::Reader::from_reader(csv.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let blockers: Vec<(String, String, String)> = rows
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[col("blocker")] == "true")
        .map(|r| {
            (
                r[col("app")].to_string(),
                r[col("waived")].to_string(),
                r[col("likely_failing")].to_string(),
            )
        })
        .collect();
    assert_eq!(blockers.len(), 2, "{csv}");
    assert!(
        blockers.iter().all(|(_, w, l)| w == "true" && l == "true"),
        "{blockers:?}"
    );

    let sarif = audit(&root, "sarif").json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let failing: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["blocker"] == true)
        .collect();
    assert_eq!(failing.len(), 2);
    for r in failing {
        assert_eq!(r["properties"]["likelyFailing"], true, "{r}");
        // The waiver is shown, but under review: the alert stays open.
        assert_eq!(r["suppressions"][0]["status"], "underReview", "{r}");
        assert!(
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("likely fails at its next authorization"),
            "{r}"
        );
    }
}

#[test]
fn the_same_waivers_before_the_org_requires_pkce_defer_the_blockers() {
    let tmp = tempfile::tempdir().unwrap();
    let root = org(tmp.path(), false);
    let r = audit(&root, "json");
    // Both blockers waived, the rest clear: ready to turn the setting on.
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "ready");
    for app in ["Sales_Dashboard", "acmecpq__CPQ_Connector"] {
        assert!(finding(&v, app).get("likely_failing").is_none());
    }
    let sum = &v["summary"];
    assert_eq!(sum["waived_failing"], 0);
    assert_eq!(sum["isv_actions"], serde_json::json!([]));
    let sarif = audit(&root, "sarif").json();
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        if r["properties"]["blocker"] == true {
            assert_eq!(r["suppressions"][0]["status"], "accepted", "{r}");
            assert!(r["properties"].get("likelyFailing").is_none(), "{r}");
        }
    }
}
