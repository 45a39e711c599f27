use super::*;
use crate::inventory::{App, OrgSettings, Problem};
use crate::report::{AuditScope, Layout, Report, ScopeKind};
use crate::rules::Finding;

fn app(name: &str, owner: &str, pkce: Option<bool>) -> App {
    serde_json::from_value(serde_json::json!({
        "name": name, "kind": "connected-app", "owner": owner,
        "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
        "pkce_required": pkce, "callback_urls": [], "files": [],
    }))
    .unwrap()
}

fn finding(rule: &str, app: &App) -> Finding {
    let mut f = Finding::bare(rule, Some(&app.name));
    f.owner = app.owner;
    f.namespace = app.namespace.clone();
    f
}

fn settings(required: bool) -> OrgSettings {
    OrgSettings {
        is_pkce_required: required,
        block_username_password_flow: false,
        block_user_agent_flow: false,
        code_credentials_flow_enabled: false,
        location: None,
        field_lines: Default::default(),
    }
}

/// A folder audit of `fixtures/my project` (a space: the command quotes it).
fn report(apps: Vec<App>, findings: Vec<Finding>) -> Report {
    let mut r = Report {
        scope: AuditScope {
            source: "fixtures/my project".into(),
            layout: Some(Layout::SfdxProject),
            ..Default::default()
        },
        org_settings: Some(settings(false)),
        apps,
        findings,
        ..Default::default()
    };
    r.refresh();
    r
}

fn kinds(r: &Report) -> Vec<NextActionKind> {
    r.next_actions.iter().map(|a| a.kind).collect()
}

#[test]
fn a_ready_folder_turns_the_org_setting_on_with_the_fix_command() {
    let r = report(vec![app("Done_App", "org", Some(true))], vec![]);
    assert_eq!(r.verdict(), Verdict::Ready);
    assert_eq!(kinds(&r), [NextActionKind::TurnOnOrgSetting]);
    assert_eq!(
        r.next_actions[0].command.as_deref(),
        Some("pkce-audit fix --source 'fixtures/my project' --org-setting")
    );
    let mut plain = report(vec![app("Done_App", "org", Some(true))], vec![]);
    plain.scope.source = "fixtures/ready-org".into();
    plain.refresh();
    assert_eq!(
        plain.next_actions[0].command.as_deref(),
        Some("pkce-audit fix --source fixtures/ready-org --org-setting")
    );
    assert_eq!(r.next_actions[0].owner, Some(Owner::Org));
}

#[test]
fn a_live_audit_retrieves_a_project_first_and_fixes_that_project() {
    let mut r = report(vec![app("Done_App", "org", Some(true))], vec![]);
    r.scope.kind = ScopeKind::Org;
    r.scope.source = "https://acme.my.salesforce.com".into();
    r.refresh();
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::RetrieveProject,
            NextActionKind::TurnOnOrgSetting
        ]
    );
    let retrieve = r.next_actions[0].command.as_deref().unwrap();
    assert!(
        retrieve.starts_with("sf project generate --name pkce && (cd pkce && sf project retrieve start --metadata ConnectedApp --metadata Settings:OauthOidc"),
        "{retrieve}"
    );
    assert!(
        retrieve.ends_with("--target-org YOUR_ORG_ALIAS)"),
        "{retrieve}"
    );
    assert_eq!(
        r.next_actions[1].command.as_deref(),
        Some("pkce-audit fix --source pkce --org-setting --target-org YOUR_ORG_ALIAS")
    );
}

#[test]
fn a_not_ready_org_lists_who_acts_in_precedence_order() {
    let mut isv = app("ns__Portal", "isv", Some(false));
    isv.namespace = Some("ns".into());
    isv.contact_email = Some("help@isv.example".into());
    isv.package = Some(crate::evidence::InstalledPackage {
        namespace: Some("ns".into()),
        name: "Portal Pack".into(),
        version: "2.1".into(),
    });
    let vendor = {
        let mut a = app("Vendor_Tool", "external", None);
        a.kind = crate::inventory::AppKind::External;
        a
    };
    let mut ours = app("ERP", "org", Some(false));
    ours.contact_email = Some("erp@acme.example".into());
    let cli = app("CLI_App", "org", Some(false));
    let odd = app("CLI's App", "org", Some(false));
    let findings = vec![
        finding("managed-app-needs-isv", &isv),
        finding("external-app-unverified", &vendor),
        finding("app-pkce-not-required", &ours),
        finding("known-client-sends-pkce", &cli),
        finding("known-client-sends-pkce", &odd),
    ];
    let r = report(vec![isv, vendor, ours, cli, odd], findings);
    assert_eq!(r.verdict(), Verdict::NotReady);
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::ContactIsvPublisher,
            NextActionKind::ContactVendor,
            NextActionKind::UpdateOurClients,
            NextActionKind::RequirePkce,
        ]
    );
    let a = &r.next_actions;
    assert_eq!(a[0].namespace.as_deref(), Some("ns"));
    assert_eq!(a[0].contacts, ["help@isv.example"]);
    assert!(a[0].text.contains("Portal Pack 2.1"), "{}", a[0].text);
    assert_eq!(a[0].owner, Some(Owner::Isv));
    assert_eq!(a[1].apps, ["Vendor_Tool"]);
    assert_eq!(a[1].owner, Some(Owner::External));
    assert_eq!(a[2].apps, ["ERP"]);
    assert_eq!(a[2].contacts, ["erp@acme.example"]);
    // The folder is quoted as one shell word; the name fix would refuse (not an API
    // name) gets no command, and the sentence says so.
    assert_eq!(
        a[3].command.as_deref(),
        Some("pkce-audit fix --source 'fixtures/my project' --app CLI_App")
    );
    assert_eq!(a[3].apps, ["CLI_App", "CLI's App"]);
    assert!(
        a[3].text.contains("fix cannot change CLI's App"),
        "{}",
        a[3].text
    );
    assert!(a.iter().all(|a| a.kind != NextActionKind::TurnOnOrgSetting));
}

#[test]
fn an_incomplete_report_first_reads_what_could_not_be_read() {
    let unknown = app("Mystery", "org", None);
    let mut r = report(
        vec![unknown.clone()],
        vec![finding("app-pkce-unknown", &unknown)],
    );
    r.incomplete
        .push(serde_json::from_value::<Problem>(serde_json::json!({"reason": "bad XML"})).unwrap());
    r.refresh();
    assert_eq!(r.verdict(), Verdict::Incomplete);
    assert_eq!(r.next_actions[0].kind, NextActionKind::ReadUnread);
    assert_eq!(r.next_actions[0].apps, ["Mystery"]);
    let text = &r.next_actions[0].text;
    assert!(
        text.contains(
            "the PKCE setting of Mystery and the 1 item(s) listed under \"Could not be read\""
        ),
        "{text}"
    );
    // Never step 3 on partial data.
    assert!(!kinds(&r).contains(&NextActionKind::TurnOnOrgSetting));
}

#[test]
fn an_enforced_org_says_so_or_names_the_apps_likely_failing() {
    let mut r = report(vec![app("Done_App", "org", Some(true))], vec![]);
    r.org_settings = Some(settings(true));
    r.refresh();
    assert_eq!(r.verdict(), Verdict::Enforced);
    assert_eq!(kinds(&r), [NextActionKind::Enforced]);

    let ours = app("ERP", "org", Some(false));
    let mut r = report(
        vec![ours.clone()],
        vec![finding("app-pkce-not-required", &ours)],
    );
    r.org_settings = Some(settings(true));
    r.refresh();
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::CheckFailingApps,
            NextActionKind::UpdateOurClients
        ]
    );
    assert_eq!(r.next_actions[0].apps, ["ERP"]);
}

/// A report of `n` blocking apps, each from its own ISV package: `n` actions due.
fn isv_packages(n: usize) -> Report {
    let mut apps = Vec::new();
    let mut findings = Vec::new();
    for i in 0..n {
        let mut a = app(&format!("ns{i}__App"), "isv", Some(false));
        a.namespace = Some(format!("ns{i}"));
        findings.push(finding("managed-app-needs-isv", &a));
        apps.push(a);
    }
    report(apps, findings)
}

#[test]
fn at_most_five_the_last_saying_how_many_more_and_where() {
    let r = isv_packages(7);
    assert_eq!(r.next_actions.len(), MAX_NEXT_ACTIONS);
    assert!(r.next_actions[..4]
        .iter()
        .all(|a| a.kind == NextActionKind::ContactIsvPublisher));
    let last = &r.next_actions[4];
    assert_eq!(last.kind, NextActionKind::More);
    assert_eq!(last.owner, None);
    assert!(last.text.starts_with("3 more action(s)"), "{}", last.text);
    assert!(last.text.contains("--format markdown"), "{}", last.text);

    // Exactly five due: all five shown, no "more".
    let r = isv_packages(5);
    assert_eq!(r.next_actions.len(), 5);
    assert!(!kinds(&r).contains(&NextActionKind::More));
}

#[test]
fn every_kind_has_its_spelling_and_round_trips() {
    for k in NextActionKind::KNOWN {
        assert_eq!(NextActionKind::known(k.as_str()), Some(*k));
    }
    let r = report(vec![app("Done_App", "org", Some(true))], vec![]);
    let json = serde_json::to_value(&r.next_actions).unwrap();
    assert_eq!(json[0]["kind"], "turn-on-org-setting");
    let back: Vec<NextAction> = serde_json::from_value(json).unwrap();
    assert_eq!(back, r.next_actions);
}

/// `n` ISV packages blocking, and `sends` apps of ours whose client sends PKCE: the
/// require-pkce action comes after the ISV ones.
fn isv_and_sends(n: usize, sends: usize) -> Report {
    let mut r = isv_packages(n);
    for i in 0..sends {
        let a = app(&format!("Cli_{i}"), "org", Some(false));
        r.findings.push(finding("known-client-sends-pkce", &a));
        r.apps.push(a);
    }
    r.refresh();
    r
}

#[test]
fn the_retrieve_action_comes_with_the_fix_commands_that_survive_the_cap() {
    // A live audit: the fix command is cut by the cap, so no retrieve either.
    let mut r = isv_and_sends(5, 1);
    r.scope.kind = ScopeKind::Org;
    r.refresh();
    assert_eq!(r.next_actions.len(), MAX_NEXT_ACTIONS);
    assert!(
        !kinds(&r).contains(&NextActionKind::RetrieveProject),
        "{:?}",
        kinds(&r)
    );
    let last = r.next_actions.last().unwrap();
    // Two cut: an ISV action, the fix command (and the retrieve it needs).
    assert!(last.text.starts_with("3 more action(s)"), "{}", last.text);

    // Room for both: retrieve first, then the fix command into the retrieved project.
    let mut r = isv_and_sends(2, 1);
    r.scope.kind = ScopeKind::Org;
    r.refresh();
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::RetrieveProject,
            NextActionKind::ContactIsvPublisher,
            NextActionKind::ContactIsvPublisher,
            NextActionKind::RequirePkce,
        ]
    );
    assert_eq!(
        r.next_actions[3].command.as_deref(),
        Some("pkce-audit fix --source pkce --app Cli_0")
    );

    // Capped with the fix command kept: the retrieve action is kept too.
    let mut r = isv_and_sends(2, 1);
    r.scope.kind = ScopeKind::Org;
    r.incomplete
        .push(serde_json::from_value::<Problem>(serde_json::json!({"reason": "bad XML"})).unwrap());
    r.apps.push(app("ERP", "org", Some(false)));
    r.findings
        .push(finding("app-pkce-not-required", r.apps.last().unwrap()));
    r.refresh();
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::ReadUnread,
            NextActionKind::ContactIsvPublisher,
            NextActionKind::ContactIsvPublisher,
            NextActionKind::UpdateOurClients,
            NextActionKind::More,
        ]
    );
}

#[test]
fn a_folder_fix_refuses_is_not_named_by_a_fix_command() {
    // A folder inside a project: the project's root.
    let mut r = isv_and_sends(0, 1);
    r.scope.layout = Some(Layout::Folder);
    r.scope.source = "proj/force-app".into();
    r.scope.enclosing_project = Some(crate::report::EnclosingProject {
        root: "/home/me/proj".into(),
        ..Default::default()
    });
    r.refresh();
    assert_eq!(
        r.next_actions[0].command.as_deref(),
        Some("pkce-audit fix --source /home/me/proj --app Cli_0")
    );
    // A plain folder, and a snapshot: retrieve first.
    for layout in [Layout::Folder, Layout::Snapshot] {
        let mut r = isv_and_sends(0, 1);
        r.scope.layout = Some(layout);
        r.refresh();
        assert_eq!(
            kinds(&r)[..2],
            [NextActionKind::RetrieveProject, NextActionKind::RequirePkce],
            "{layout:?}"
        );
        assert_eq!(
            r.next_actions[1].command.as_deref(),
            Some("pkce-audit fix --source pkce --app Cli_0")
        );
    }
}

fn scope_of(kind: ScopeKind, layout: Option<Layout>) -> AuditScope {
    AuditScope {
        kind,
        layout,
        source: "my proj".into(),
        ..Default::default()
    }
}

#[test]
fn fix_runs_where_fix_accepts_the_folder_else_after_a_retrieve() {
    for layout in [Layout::SfdxProject, Layout::Mdapi] {
        let t = scope_of(ScopeKind::Folder, Some(layout)).fix_target();
        assert_eq!(t, crate::commands::FixTarget::Project("my proj".into()));
    }
    let mut inside = scope_of(ScopeKind::Folder, Some(Layout::Folder));
    inside.enclosing_project = Some(crate::report::EnclosingProject {
        root: "/srv/proj".into(),
        ..Default::default()
    });
    assert_eq!(
        inside.fix_target(),
        crate::commands::FixTarget::Project("/srv/proj".into())
    );
    for s in [
        scope_of(ScopeKind::Org, None),
        scope_of(ScopeKind::Folder, Some(Layout::Snapshot)),
        scope_of(ScopeKind::Folder, Some(Layout::Folder)),
        scope_of(ScopeKind::Folder, None),
    ] {
        assert_eq!(
            s.fix_target(),
            crate::commands::FixTarget::Retrieve,
            "{s:?}"
        );
    }
}

#[test]
fn our_apps_whose_client_a_vendor_runs_ask_the_vendor_not_the_org() {
    let mut synced = app("Boomi_Sync", "org", Some(false));
    synced.contact_email = Some("ops@vendor.example".into());
    synced.outside_client = serde_json::from_value(serde_json::json!({
        "hosts": ["platform.boomi.com", "sync.boomi.com"],
    }))
    .unwrap();
    let ours = app("ERP", "org", Some(false));
    let findings = vec![
        finding("app-pkce-not-required", &synced),
        finding("app-pkce-not-required", &ours),
    ];
    let r = report(vec![synced, ours], findings);
    assert_eq!(r.summary.outside_clients, ["Boomi_Sync"]);
    assert_eq!(
        kinds(&r),
        [
            NextActionKind::ContactVendor,
            NextActionKind::UpdateOurClients
        ]
    );
    let (vendor, org) = (&r.next_actions[0], &r.next_actions[1]);
    assert_eq!(vendor.apps, ["Boomi_Sync"]);
    assert_eq!(vendor.contacts, ["ops@vendor.example"]);
    assert_eq!(vendor.owner, Some(Owner::External));
    assert!(
        vendor
            .text
            .contains("Boomi_Sync (at platform.boomi.com and sync.boomi.com)"),
        "{}",
        vendor.text
    );
    // The org updates only the clients it runs.
    assert_eq!(org.apps, ["ERP"]);
    assert!(!org.text.contains("Boomi_Sync"), "{}", org.text);
}
