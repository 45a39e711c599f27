use pkce_audit_model::evidence::InstalledPackage;
use pkce_audit_model::fleet::compare::*;
use pkce_audit_model::fleet::model::*;
use pkce_audit_model::inventory::AppKind;
use pkce_audit_model::inventory::Owner;
use pkce_audit_model::report::Report;
use pkce_audit_model::rules::RuleId;
use pkce_audit_model::rules::{Finding, Verdict};
use std::path::Path;

fn fixture(name: &str) -> Report {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    crate::audit_folder(&dir, &Default::default()).unwrap().1
}

fn ok(report: Report, packages: Option<Vec<InstalledPackage>>) -> OrgRun {
    OrgRun {
        outcome: Ok(Audited { report, packages }),
    }
}

fn failed() -> OrgRun {
    OrgRun {
        outcome: Err("connection refused".into()),
    }
}

fn package(ns: &str, version: &str) -> InstalledPackage {
    InstalledPackage {
        namespace: Some(ns.into()),
        name: format!("{ns} package"),
        version: version.into(),
    }
}

/// A blocker on `app` labelled `label`, the only finding of an otherwise empty report.
fn blocking(app: &str, label: &str) -> Report {
    let mut r = Report {
        findings: vec![Finding {
            label: Some(label.into()),
            kind: Some(AppKind::External),
            owner: Owner::External,
            ..Finding::bare("external-app-unverified", Some(app))
        }],
        ..Default::default()
    };
    r.refresh();
    r
}

#[test]
fn apps_blocking_in_several_orgs_are_matched_by_name_and_by_label() {
    let (a, b, c) = (
        ok(fixture("demo-org"), None),
        ok(fixture("demo-org"), None),
        failed(),
    );
    let shared = shared_blockers(&[("a", &a), ("down", &c), ("b", &b)]);
    let names: Vec<&str> = shared.iter().map(|s| s.key.as_str()).collect();
    // The demo org's eight blocked apps, each in both orgs that were audited.
    assert_eq!(shared.len(), 8, "{names:?}");
    assert!(shared
        .iter()
        .all(|s| s.matched_by == MatchedBy::Name && s.orgs == ["a", "b"]));
    let cpq = shared
        .iter()
        .find(|s| s.key == "acmecpq__CPQ_Connector")
        .unwrap();
    assert_eq!(cpq.owners, [Owner::Isv]);
    assert_eq!(cpq.rules, [RuleId::ManagedAppNeedsIsv]);

    let (x, y, z) = (
        ok(blocking("Vendor_Sync_1", "Vendor Sync"), None),
        ok(blocking("Vendor_Sync_2", "Vendor Sync "), None),
        ok(blocking("Vendor_Sync_2", "Vendor Sync"), None),
    );
    let shared = shared_blockers(&[("x", &x), ("y", &y), ("z", &z)]);
    assert_eq!(shared.len(), 2, "{shared:#?}");
    // The label group spans three orgs, so it comes first.
    assert_eq!(shared[0].matched_by, MatchedBy::Label);
    assert_eq!(shared[0].names, ["Vendor_Sync_1", "Vendor_Sync_2"]);
    assert_eq!(shared[0].orgs, ["x", "y", "z"]);
    assert_eq!(shared[1].matched_by, MatchedBy::Name);
    assert_eq!(shared[1].orgs, ["y", "z"]);

    // One org, or one API name under one label, is nothing shared.
    let only = shared_blockers(&[("y", &y), ("z", &z)]);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].matched_by, MatchedBy::Name);
}

#[test]
fn a_waived_blocker_is_not_shared() {
    let mut r = blocking("App", "App");
    r.findings[0].waived = Some(pkce_audit_model::rules::Waived {
        reason: "r".into(),
        approved_by: "a".into(),
        expires: "2030-01-01".into(),
    });
    let (a, b) = (ok(r, None), ok(blocking("App", "App"), None));
    assert!(shared_blockers(&[("a", &a), ("b", &b)]).is_empty());
}

#[test]
fn packages_show_each_orgs_version_and_where_they_block() {
    let demo = ok(
        fixture("demo-org"),
        Some(vec![
            package("acmecpq", "3.2.1.7"),
            package("docgen", "1.0"),
        ]),
    );
    let folder = ok(fixture("demo-org"), None);
    let ready = ok(fixture("ready-org"), Some(vec![package("ACMECPQ", "4.0")]));
    let p = packages(&[("prod", &demo), ("folder", &folder), ("ready", &ready)]);
    let ns: Vec<&str> = p.iter().map(|p| p.namespace.as_str()).collect();
    assert_eq!(ns, ["acmecpq", "docgen", "vendorx"]);
    let cpq = &p[0];
    assert_eq!(cpq.names, ["acmecpq package", "ACMECPQ package"]);
    let rows: Vec<(&str, Option<&str>, usize)> = cpq
        .installs
        .iter()
        .map(|i| (i.org.as_str(), i.version.as_deref(), i.blocking_apps.len()))
        .collect();
    assert_eq!(
        rows,
        [
            ("prod", Some("3.2.1.7"), 1),
            ("folder", None, 1),
            ("ready", Some("4.0"), 0)
        ]
    );
    // Installed with no app in the org: listed, blocking nowhere.
    assert_eq!(p[1].installs.len(), 1);
    assert!(p[1].installs[0].blocking_apps.is_empty());
}

#[test]
fn a_sandbox_like_production_is_a_faithful_rehearsal() {
    let pk = Some(vec![package("acmecpq", "3.2.1.7")]);
    let (prod, uat) = (
        ok(fixture("demo-org"), pk.clone()),
        ok(fixture("demo-org"), pk),
    );
    let r = rehearsal(("uat", &uat), ("prod", &prod));
    assert_eq!(r.faithful, Some(true), "{r:#?}");
    assert!(!r.differs());
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(r.compared.len(), 6, "{:?}", r.compared);
}

#[test]
fn a_rehearsal_names_every_difference() {
    let prod = fixture("demo-org");
    let mut uat = prod.clone();
    // The sandbox lacks one app, has PKCE required on another, blocks the user-agent flow,
    // and an older package.
    uat.apps.retain(|a| a.name != "Expense_Tracker");
    uat.findings
        .retain(|f| f.app.as_deref() != Some("Expense_Tracker"));
    let portal = uat
        .apps
        .iter_mut()
        .find(|a| a.name == "Customer_Portal")
        .unwrap();
    portal.pkce_required = Some(true);
    uat.findings.retain(|f| {
        !(f.app.as_deref() == Some("Customer_Portal") && f.rule == RuleId::AppPkceNotRequired)
    });
    uat.org_settings.as_mut().unwrap().block_user_agent_flow = true;
    uat.refresh();
    let (p, s) = (
        ok(prod, Some(vec![package("acmecpq", "3.2.1.7")])),
        ok(uat, Some(vec![package("acmecpq", "3.1.0.1")])),
    );
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(false));
    let only: Vec<&str> = r
        .only_in_production
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(only, ["Expense_Tracker"]);
    assert!(r.only_in_sandbox.is_empty());
    assert_eq!(r.pkce_differs.len(), 1);
    assert_eq!(r.pkce_differs[0].name, "Customer_Portal");
    assert_eq!(
        (r.pkce_differs[0].production, r.pkce_differs[0].sandbox),
        (Some(false), Some(true))
    );
    assert_eq!(r.org_settings.len(), 1);
    assert_eq!(r.org_settings[0].setting, "blockOAuthUsrAgtFlow");
    assert_eq!(
        (r.org_settings[0].production, r.org_settings[0].sandbox),
        (Some(false), Some(true))
    );
    let gone: Vec<_> = r
        .blockers_only_in_production
        .iter()
        .map(|b| b.app.as_deref().unwrap())
        .collect();
    assert_eq!(gone, ["Customer_Portal", "Expense_Tracker"]);
    assert!(r.blockers_only_in_sandbox.is_empty());
    assert_eq!(r.packages.len(), 1);
    assert_eq!(r.packages[0].production.as_deref(), Some("3.2.1.7"));
    assert_eq!(r.packages[0].sandbox.as_deref(), Some("3.1.0.1"));
    // Both are still not ready: the verdicts agree.
    assert_eq!(r.production_verdict, r.sandbox_verdict);
}

#[test]
fn settings_one_org_could_not_read_differ_and_a_failed_org_is_not_compared() {
    let prod = fixture("demo-org");
    let mut uat = fixture("demo-org");
    uat.org_settings = None;
    uat.refresh();
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.org_settings.len(), 4);
    assert!(r.org_settings.iter().all(|d| d.sandbox.is_none()));
    assert_eq!(r.faithful, Some(false));
    assert!(
        r.notes[0].contains("no package list from 'prod' and 'uat'"),
        "{:?}",
        r.notes
    );
    // What a note says was not compared is not listed as compared.
    use pkce_audit_model::fleet::model::Aspect;
    assert!(!r.compared.contains(&Aspect::Packages), "{:?}", r.compared);
    assert!(r.compared.contains(&Aspect::OrgSettings));

    let down = failed();
    let r = rehearsal(("uat", &down), ("prod", &p));
    assert_eq!(r.faithful, None);
    assert_eq!(r.sandbox_verdict, Verdict::Incomplete);
    assert_eq!(r.notes, ["Not compared: 'uat' could not be audited."]);
    assert!(r.compared.is_empty());
}
