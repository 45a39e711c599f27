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

/// The demo org read completely: its one app of unknown PKCE setting (an External Client
/// App whose global OAuth settings are kept out of source) read as not requiring it.
fn demo_read() -> Report {
    let mut r = fixture("demo-org");
    let unknown = r.unknown_pkce_apps();
    assert_eq!(unknown, ["Analytics_Bridge"]);
    r.findings.retain(|f| f.rule != RuleId::AppPkceUnknown);
    for a in r.apps.iter_mut().filter(|a| unknown.contains(&a.name)) {
        a.pkce_required = Some(false);
    }
    r.refresh();
    assert!(r.unread_items().is_empty());
    r
}

/// `app` requires PKCE in `r`, and the blockers that were its for lacking it are gone.
fn requires_pkce(r: &mut Report, app: &str) {
    r.apps
        .iter_mut()
        .find(|a| a.name == app)
        .unwrap()
        .pkce_required = Some(true);
    r.findings
        .retain(|f| !(f.app.as_deref() == Some(app) && f.is_active_blocker()));
    r.refresh();
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
    let (prod, uat) = (ok(demo_read(), pk.clone()), ok(demo_read(), pk));
    let r = rehearsal(("uat", &uat), ("prod", &prod));
    assert_eq!(r.faithful, Some(true), "{r:#?}");
    assert!(!r.differs());
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert!(r.rehearsed.is_empty() && r.unread.is_empty());
    assert_eq!(r.production_verdict_after_change, None);
    assert_eq!(r.compared.len(), 6, "{:?}", r.compared);
}

#[test]
fn a_rehearsal_of_orgs_not_read_completely_is_not_called_faithful() {
    // The demo org as it is: one app's PKCE setting unknown, in both orgs alike.
    let (prod, uat) = (ok(fixture("demo-org"), None), ok(fixture("demo-org"), None));
    let r = rehearsal(("uat", &uat), ("prod", &prod));
    assert!(!r.differs(), "{r:#?}");
    assert_eq!(r.faithful, None);
    let unread: Vec<(&str, &str)> = r
        .unread
        .iter()
        .map(|u| (u.org.as_str(), u.item.as_str()))
        .collect();
    assert_eq!(
        unread,
        [
            ("prod", "unknown PKCE setting on Analytics_Bridge"),
            ("uat", "unknown PKCE setting on Analytics_Bridge")
        ]
    );
    // An unread file of one org is named with its org.
    let mut partial = demo_read();
    partial.incomplete.push(
        crate::inventory::Problem::new(
            crate::inventory::ProblemKind::Unreadable,
            "not well-formed XML",
        )
        .file("force-app/x.connectedApp-meta.xml", Some(3)),
    );
    partial.refresh();
    let (prod, uat) = (ok(demo_read(), None), ok(partial, None));
    let r = rehearsal(("uat", &uat), ("prod", &prod));
    assert_eq!(r.faithful, None, "{r:#?}");
    assert_eq!(r.unread.len(), 1);
    assert_eq!(r.unread[0].org, "uat");
    assert_eq!(
        r.unread[0].item,
        "not read: force-app/x.connectedApp-meta.xml:3: not well-formed XML"
    );
}

#[test]
fn a_sandbox_that_differs_only_by_the_rehearsed_change_is_faithful() {
    // Apps that require PKCE in the sandbox: their production blockers are the change's.
    let prod = demo_read();
    let mut uat = prod.clone();
    requires_pkce(&mut uat, "Customer_Portal");
    requires_pkce(&mut uat, "Expense_Tracker");
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(true), "{r:#?}");
    assert!(r.pkce_differs.is_empty() && r.blockers_only_in_production.is_empty());
    let changes: Vec<(&str, Option<bool>, Vec<&str>)> = r
        .rehearsed
        .iter()
        .map(|c| {
            assert_eq!(c.change, RehearsedKind::App);
            (
                c.name.as_str(),
                c.production,
                c.production_blockers
                    .iter()
                    .map(|b| b.rule.as_str())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                "Customer_Portal",
                Some(false),
                vec!["app-pkce-not-required"]
            ),
            (
                "Expense_Tracker",
                Some(false),
                vec!["app-pkce-not-required"]
            )
        ]
    );
    // Both still not ready for the demo org's other blockers.
    assert_eq!(r.production_verdict_after_change, Some(Verdict::NotReady));

    // The org setting on in the sandbox: enforced there, as production would be.
    let prod = fixture("ready-org");
    let mut uat = prod.clone();
    uat.org_settings.as_mut().unwrap().is_pkce_required = true;
    uat.refresh();
    assert_eq!(uat.verdict(), Verdict::Enforced);
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(true), "{r:#?}");
    assert!(r.org_settings.is_empty());
    assert_eq!(r.rehearsed.len(), 1);
    assert_eq!(r.rehearsed[0].change, RehearsedKind::OrgSetting);
    assert_eq!(r.rehearsed[0].name, "isPkceRequired");
    assert_eq!(
        (r.rehearsed[0].production, r.rehearsed[0].sandbox),
        (Some(false), Some(true))
    );
    assert_eq!(
        (r.production_verdict, r.sandbox_verdict),
        (Verdict::Ready, Verdict::Enforced)
    );
    assert_eq!(r.production_verdict_after_change, Some(Verdict::Enforced));
}

#[test]
fn a_change_the_other_way_or_beside_the_rehearsed_one_is_a_difference() {
    // Production requires PKCE on an app the sandbox does not: the sandbox is laxer.
    let mut prod = demo_read();
    requires_pkce(&mut prod, "Customer_Portal");
    let (p, s) = (ok(prod, None), ok(demo_read(), None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(false));
    assert!(r.rehearsed.is_empty());
    assert_eq!(r.pkce_differs[0].name, "Customer_Portal");
    assert_eq!(
        r.blockers_only_in_sandbox[0].app.as_deref(),
        Some("Customer_Portal")
    );

    // The org setting rehearsed, and a flow blocked besides: not faithful, and the verdicts
    // agree once the change is made, so only the setting is named.
    let prod = fixture("ready-org");
    let mut uat = prod.clone();
    let settings = uat.org_settings.as_mut().unwrap();
    settings.is_pkce_required = true;
    settings.block_user_agent_flow = !settings.block_user_agent_flow;
    uat.refresh();
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(false), "{r:#?}");
    assert_eq!(r.rehearsed.len(), 1);
    assert_eq!(r.org_settings.len(), 1);
    assert_eq!(r.org_settings[0].setting, "blockOAuthUsrAgtFlow");
    assert_eq!(r.compared_production_verdict(), r.sandbox_verdict);

    // A blocker production has beyond the rehearsed app's: the verdicts differ after it.
    let prod = demo_read();
    let mut uat = prod.clone();
    for app in uat.summary.org_apps_to_fix.clone() {
        requires_pkce(&mut uat, &app);
    }
    // One app, an ISV's, is fixed in the sandbox without requiring PKCE there.
    uat.findings
        .retain(|f| !(f.is_active_blocker() && f.owner != Owner::Org));
    uat.refresh();
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.faithful, Some(false));
    assert_eq!(r.sandbox_verdict, Verdict::Ready);
    assert_eq!(r.production_verdict_after_change, Some(Verdict::NotReady));
    assert!(!r.blockers_only_in_production.is_empty());
    assert!(r
        .blockers_only_in_production
        .iter()
        .all(|b| !r.rehearsed.iter().any(|c| Some(&c.name) == b.app.as_ref())));
}

#[test]
fn a_rehearsal_names_every_difference() {
    let prod = demo_read();
    let mut uat = prod.clone();
    // The sandbox lacks one app, has PKCE required on another (the change rehearsed),
    // blocks the user-agent flow, and an older package.
    uat.apps.retain(|a| a.name != "Expense_Tracker");
    uat.findings
        .retain(|f| f.app.as_deref() != Some("Expense_Tracker"));
    requires_pkce(&mut uat, "Customer_Portal");
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
    assert!(r.pkce_differs.is_empty());
    assert_eq!(r.rehearsed.len(), 1);
    assert_eq!(r.rehearsed[0].name, "Customer_Portal");
    assert_eq!(
        (r.rehearsed[0].production, r.rehearsed[0].sandbox),
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
    assert_eq!(gone, ["Expense_Tracker"]);
    assert_eq!(
        r.rehearsed[0].production_blockers[0].rule,
        RuleId::AppPkceNotRequired
    );
    assert!(r.blockers_only_in_sandbox.is_empty());
    assert_eq!(r.packages.len(), 1);
    assert_eq!(r.packages[0].production.as_deref(), Some("3.2.1.7"));
    assert_eq!(r.packages[0].sandbox.as_deref(), Some("3.1.0.1"));
    // Both are still not ready: the verdicts agree.
    assert_eq!(r.production_verdict, r.sandbox_verdict);
}

#[test]
fn settings_one_org_could_not_read_leave_it_unknown_and_a_failed_org_is_not_compared() {
    let prod = demo_read();
    let mut uat = demo_read();
    uat.org_settings = None;
    uat.incomplete.push(crate::inventory::Problem::new(
        crate::inventory::ProblemKind::SettingsNotFound,
        crate::source::SETTINGS_NOT_FOUND,
    ));
    uat.refresh();
    let (p, s) = (ok(prod, None), ok(uat, None));
    let r = rehearsal(("uat", &s), ("prod", &p));
    assert_eq!(r.org_settings.len(), 4);
    assert!(r.org_settings.iter().all(|d| d.sandbox.is_none()));
    assert_eq!(r.faithful, None);
    assert_eq!(r.unread.len(), 1);
    assert_eq!(r.unread[0].org, "uat");
    assert_eq!(
        r.unread[0].item,
        format!("not read: {}", crate::source::SETTINGS_NOT_FOUND)
    );
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
    assert_eq!(r.unread.len(), 1);
    assert_eq!(
        (r.unread[0].org.as_str(), r.unread[0].item.as_str()),
        ("uat", "not read: the whole org, which could not be audited")
    );
    assert!(r.compared.is_empty());
    // Neither org audited: nothing is called faithful.
    let r = rehearsal(("uat", &down), ("prod", &failed()));
    assert_eq!(r.faithful, None);
    assert_eq!(r.unread.len(), 2);
}
