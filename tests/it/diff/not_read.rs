//! A finding of the old run that the new one lacks because it could not read what the
//! finding is about (its file, its app's PKCE setting, the org settings, a whole metadata
//! type) is "not read", never "resolved", and the diff exits 3 unless new blockers make it 1.

use super::*;
use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{self as support, TOKEN};

fn not_read<'a>(d: &'a Diff, rule: &str, app: Option<&str>) -> &'a str {
    d.findings
        .not_read
        .iter()
        .find(|c| c.finding.rule.as_str() == rule && c.finding.app.as_deref() == app)
        .and_then(|c| c.note.as_deref())
        .unwrap_or_else(|| panic!("{rule} on {app:?} is not under not_read: {d:#?}"))
}

#[test]
fn a_finding_whose_file_the_new_run_could_not_read_is_not_read_never_resolved() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    let old = w.audit("before");
    // Customer_Portal's file is cut short; ERP_Integration is really fixed.
    std::fs::write(
        after.join(DEMO).join("Customer_Portal.connectedApp-meta.xml"),
        "<?xml version=\"1.0\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n<label>Cust",
    )
    .unwrap();
    set_pkce_required(&after, "ERP_Integration.connectedApp-meta.xml");
    let new = w.audit("after");

    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 3, "{d:#?}");
    assert_eq!(d.new_blockers, 0);
    let why = not_read(&d, "app-pkce-not-required", Some("Customer_Portal"));
    assert!(
        why.starts_with("not read in the new run: force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml:"),
        "{why}"
    );
    not_read(&d, "connected-app-legacy", Some("Customer_Portal"));
    assert!(!has(
        &d.findings.resolved,
        "app-pkce-not-required",
        Some("Customer_Portal")
    ));
    assert!(!has(
        &d.findings.resolved,
        "connected-app-legacy",
        Some("Customer_Portal")
    ));
    // What the new run did read and no longer finds is resolved, as before.
    assert!(has(
        &d.findings.resolved,
        "app-pkce-not-required",
        Some("ERP_Integration")
    ));
    assert!(d
        .findings
        .not_read
        .iter()
        .all(|c| c.finding.app.as_deref() == Some("Customer_Portal")));

    // Its own section in the table and in Markdown, apart from Resolved.
    let (code, table, _) = w.diff(&[&old, &new]);
    assert_eq!(code, 3);
    assert!(table.contains("· 2 not read\n"), "{table}");
    let section = table
        .split("\nNot read (the new run could not read what these are about; not known resolved) (2)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{table}"));
    let section = section.split("\nNew").next().unwrap();
    assert!(section.contains("Customer_Portal"), "{section}");
    assert!(
        section.contains("Not read: not read in the new run:"),
        "{section}"
    );
    let resolved = table
        .split("\nResolved (")
        .nth(1)
        .unwrap()
        .split("\nNot read")
        .next()
        .unwrap();
    assert!(!resolved.contains("Customer_Portal"), "{resolved}");
    let (_, md, _) = w.diff(&[&old, &new, "--format", "markdown"]);
    assert!(md.contains("### Not read (2)"), "{md}");
    assert!(md.contains("| Why not read |"), "{md}");

    // JSON: `findings.not_read[]`, each with the reason as `note`.
    let (_, json, _) = w.diff(&[&old, &new, "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["findings"]["not_read"].as_array().unwrap().len(), 2);
    assert!(v["findings"]["not_read"][0]["note"].is_string());

    // A new blocker besides: exit 1, the not-read findings still listed.
    let extra = after.join(DEMO).join("New_Blocker.connectedApp-meta.xml");
    let text = std::fs::read_to_string(
        after
            .join(DEMO)
            .join("Headless_Login.connectedApp-meta.xml"),
    )
    .unwrap();
    std::fs::write(&extra, text).unwrap();
    let new = w.audit("after");
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 1);
    assert!(d.new_blockers > 0);
    not_read(&d, "app-pkce-not-required", Some("Customer_Portal"));
}

#[test]
fn org_findings_without_settings_and_app_findings_without_a_pkce_setting_are_not_read() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    let old = w.audit("before");
    let md = after.join("force-app/main/default");
    std::fs::remove_file(md.join("settings/OauthOidc.settings-meta.xml")).unwrap();
    // Expense_Tracker's global OAuth settings, where its PKCE setting lives.
    std::fs::remove_file(
        md.join("extlClntAppGlobalOauthSets/ExpTrkGlblOAuth.ecaGlblOauth-meta.xml"),
    )
    .unwrap();
    let new = w.audit("after");
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 3, "{d:#?}");
    for rule in [
        "org-username-password-flow-allowed",
        "org-user-agent-flow-allowed",
        "org-code-credentials-flow-enabled",
        "org-pkce-not-enforced",
    ] {
        assert_eq!(
            not_read(&d, rule, None),
            "the new run did not read the org OAuth settings"
        );
    }
    assert_eq!(
        not_read(&d, "app-pkce-not-required", Some("Expense_Tracker")),
        "not read in the new run: the PKCE setting of Expense_Tracker is unknown there"
    );
    assert!(d.findings.resolved.is_empty(), "{:#?}", d.findings.resolved);
}

#[test]
fn a_metadata_type_the_org_refused_in_the_new_run_leaves_its_findings_not_read() {
    let org = FakeOrg::start(Config::default());
    let denied = FakeOrg::start(Config {
        deny_read_types: vec!["ConnectedApp".into()],
        ..Config::default()
    });
    let w = Work::new();
    for (name, url) in [("old.json", &org.base_url), ("new.json", &denied.base_url)] {
        let r = support::run(
            &["audit", "--instance-url", url, "--json", "--no-usage"],
            &[("SF_ACCESS_TOKEN", TOKEN)],
        );
        assert!([1, 3].contains(&r.code), "{}", r.stderr);
        std::fs::write(w.path(name), &r.stdout).unwrap();
    }
    let (code, d) = w.diff_json("old.json", "new.json");
    assert_eq!(code, 3, "{d:#?}");
    let why = not_read(&d, "app-pkce-not-required", Some("Customer_Portal"));
    assert!(why.contains("ConnectedApp"), "{why}");
    // No Connected App finding is called resolved; the External Client Apps were read.
    assert!(
        d.findings
            .resolved
            .iter()
            .all(|c| c.finding.kind.as_ref().map(|k| k.as_str()) != Some("connected-app")),
        "{:#?}",
        d.findings.resolved
    );
    assert!(d
        .findings
        .not_read
        .iter()
        .all(|c| c.finding.kind.as_ref().map(|k| k.as_str()) == Some("connected-app")));
}

#[test]
fn an_app_file_replaced_by_a_folder_of_its_name_leaves_its_findings_not_read() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    let old = w.audit("before");
    let file = after
        .join(DEMO)
        .join("Customer_Portal.connectedApp-meta.xml");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let new = w.audit("after");
    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 3, "{d:#?}");
    let why = not_read(&d, "app-pkce-not-required", Some("Customer_Portal"));
    assert!(
        why.contains("a folder named like a ConnectedApp metadata file"),
        "{why}"
    );
    assert!(!has(
        &d.findings.resolved,
        "app-pkce-not-required",
        Some("Customer_Portal")
    ));
}

/// The second review's repro: one app's file is not well-formed, another's is a folder of
/// its name. Both apps are "not read", never "removed", and the header does not call their
/// blockers resolved.
#[test]
fn apps_the_new_run_could_not_read_are_not_read_never_removed() {
    let w = Work::new();
    w.org("demo-org", "before");
    let after = w.org("demo-org", "after");
    let old = w.audit("before");
    let dir = after.join(DEMO);
    std::fs::write(
        dir.join("Customer_Portal.connectedApp-meta.xml"),
        "<ConnectedApp><label>Cust</ConnectedApp",
    )
    .unwrap();
    let headless = dir.join("Headless_Login.connectedApp-meta.xml");
    std::fs::remove_file(&headless).unwrap();
    std::fs::create_dir(&headless).unwrap();
    let new = w.audit("after");

    let (code, d) = w.diff_json(&old, &new);
    assert_eq!(code, 3, "{d:#?}");
    assert!(d.apps.removed.is_empty(), "{:#?}", d.apps.removed);
    let mut unread: Vec<&str> = d
        .apps
        .not_read
        .iter()
        .map(|a| a.app.name.as_str())
        .collect();
    unread.sort_unstable();
    assert_eq!(unread, ["Customer_Portal", "Headless_Login"]);
    for a in &d.apps.not_read {
        assert!(a.note.starts_with("not read in the new run: "), "{a:?}");
    }
    let unknown = d.not_read_blockers();
    assert!(unknown > 0, "{d:#?}");
    assert_eq!(d.new.blockers + unknown, d.old.blockers, "{d:#?}");

    // JSON: `apps.not_read[]`, each app with the reason as `note`.
    let (_, json, _) = w.diff(&[&old, &new, "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["apps"]["removed"].as_array().unwrap().len(), 0);
    let apps = v["apps"]["not_read"].as_array().unwrap();
    assert_eq!(apps.len(), 2);
    assert!(apps
        .iter()
        .all(|a| a["note"].is_string() && a["kind"] == "connected-app"));

    // Table: the header names the blockers not read; the apps have their own section.
    let (code, table, _) = w.diff(&[&old, &new]);
    assert_eq!(code, 3);
    let counts = format!(
        "Unwaived blockers: {} → {}, {unknown} not read (not known resolved) · new blockers: 0\n",
        d.old.blockers, d.new.blockers
    );
    assert!(table.contains(&counts), "{table}");
    assert!(table.contains(" · 0 removed · 2 not read · "), "{table}");
    assert!(table.contains("Removed: none\n"), "{table}");
    let section = table
        .split("\nNot read (the new run could not read these apps; not known removed) (2)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{table}"));
    assert!(section.contains("Customer_Portal"), "{section}");
    assert!(section.contains("Headless_Login"), "{section}");

    // Markdown likewise.
    let (code, md, _) = w.diff(&[&old, &new, "--format", "markdown"]);
    assert_eq!(code, 3);
    assert!(md.contains("0 removed, 2 not read, "), "{md}");
    assert!(md.contains("### Removed (0)\n\nNone."), "{md}");
    let section = md
        .split("### Apps not read (2)")
        .nth(1)
        .unwrap_or_else(|| panic!("{md}"));
    assert!(section.contains("| Why not read |"), "{section}");
    assert!(section.contains("`Headless_Login`"), "{section}");
    assert!(
        md.contains(&format!("{unknown} not read (not known resolved) |")),
        "{md}"
    );
}
