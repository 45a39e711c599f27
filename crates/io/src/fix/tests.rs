use super::*;
use crate::metadata::MetadataType;
use crate::source::Layout;
use pkce_audit_model::inventory::AppKind;
use pkce_audit_model::rules::Verdict;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The refusals of a plan that was refused.
fn refused(planned: Result<Plan, FixError>) -> Vec<Refusal> {
    match planned {
        Err(FixError::Refused(r)) => r,
        other => panic!("refused: {other:?}"),
    }
}

fn reason<'r>(refusals: &'r [Refusal], subject: &str) -> &'r str {
    &refusals
        .iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("{subject} refused: {refusals:?}"))
        .reason
}

fn manifest_text(plan: &Plan) -> String {
    String::from_utf8(plan.manifest.after.clone()).unwrap()
}

#[test]
fn plans_each_kind_of_app_of_the_demo_org() {
    let project = Project::open(&fixture("demo-org")).unwrap();
    assert_eq!(project.api_version, "63.0");
    let plan = project
        .plan_apps(
            &names(&[
                "Customer_Portal",
                "erp_integration",
                "Expense_Tracker",
                "Secure_Web_App",
            ]),
            Direction::Require,
            None,
        )
        .unwrap();
    let edits: Vec<(&str, &Edit, &str)> = plan
        .changes
        .iter()
        .map(|c| (c.subject.name(), &c.edit, c.component.1.as_str()))
        .collect();
    assert_eq!(
        edits,
        [
            ("Customer_Portal", &Edit::Inserted, "Customer_Portal"),
            (
                "ERP_Integration",
                &Edit::Changed {
                    from: "false".into()
                },
                "ERP_Integration"
            ),
            (
                "Expense_Tracker",
                &Edit::Changed {
                    from: "false".into()
                },
                "ExpTrkGlblOAuth"
            ),
        ]
    );
    assert_eq!(
        plan.changes[2].component.0,
        MetadataType::ExtlClntAppGlobalOauthSettings
    );
    assert_eq!(plan.unchanged.len(), 1);
    assert_eq!(plan.unchanged[0].subject.name(), "Secure_Web_App");
    // The app that already requires PKCE is part of the step: listed too.
    let manifest = manifest_text(&plan);
    assert!(manifest.contains("<members>Customer_Portal</members>\n        <members>ERP_Integration</members>\n        <members>Secure_Web_App</members>\n        <name>ConnectedApp</name>"), "{manifest}");
    assert!(manifest.contains("<members>ExpTrkGlblOAuth</members>\n        <name>ExtlClntAppGlobalOauthSettings</name>"), "{manifest}");
    assert!(manifest.contains("<version>63.0</version>"));
}

#[test]
fn refuses_what_this_project_cannot_change() {
    let project = Project::open(&fixture("demo-org")).unwrap();
    let plan = refused(project.plan_apps(
        &names(&[
            "acmecpq__CPQ_Connector",
            "vendorx__Vendor_Connector",
            "Analytics_Bridge",
            "Okta_SSO",
            "Old_Decommissioned_App",
            "No_Such_App",
            "Customer_Portal",
        ]),
        Direction::Require,
        None,
    ));
    assert!(
        reason(&plan, "acmecpq__CPQ_Connector").contains("namespace 'acmecpq': only its publisher")
    );
    assert!(reason(&plan, "vendorx__Vendor_Connector").contains("namespace 'vendorx'"));
    let eca = reason(&plan, "Analytics_Bridge");
    assert!(
        eca.contains("no ExtlClntAppGlobalOauthSettings")
            && eca.contains("External Client App Manager"),
        "{eca}"
    );
    assert!(reason(&plan, "Okta_SSO").contains("no OAuth configuration"));
    assert!(reason(&plan, "Old_Decommissioned_App").contains("excluded by .forceignore"));
    let none = reason(&plan, "No_Such_App");
    assert!(
        none.contains("no Connected App or External Client App named 'No_Such_App'")
            && none.contains("Customer_Portal"),
        "{none}"
    );
    // The app that could be changed is no plan: while any refusal stands there is none.
    assert_eq!(plan.len(), 6);
    // One line; the joiner is not in any reason, so the line splits back into them.
    let line = refusal_line(&plan);
    assert_eq!(line.split(REFUSAL_JOINER).count(), 6, "{line}");
}

#[test]
fn did_you_mean_names_only_an_app_fix_can_change() {
    let project = Project::open(&fixture("demo-org")).unwrap();
    let plan = refused(project.plan_apps(
        &names(&["acmecpq__CPQ_Connectr", "Okta_SS", "Customer_Portl"]),
        Direction::Require,
        None,
    ));
    // An ISV app and an app without OAuth would be refused in turn: never suggested.
    let isv = reason(&plan, "acmecpq__CPQ_Connectr");
    assert!(
        !isv.contains("did you mean 'acmecpq__CPQ_Connector'"),
        "{isv}"
    );
    let okta = reason(&plan, "Okta_SS");
    assert!(!okta.contains("did you mean 'Okta_SSO'"), "{okta}");
    let ours = reason(&plan, "Customer_Portl");
    assert!(ours.contains("did you mean 'Customer_Portal'?"), "{ours}");
}

#[test]
fn only_a_project_that_deploys_is_edited() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("connectedApps")).unwrap();
    std::fs::copy(
        fixture(
            "demo-org/force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
        ),
        tmp.path()
            .join("connectedApps/Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    let e = Project::open(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("not an SFDX project"), "{e}");
    let mdapi = Project::open(&fixture("mdapi-org")).unwrap();
    assert_eq!(mdapi.layout, Layout::Mdapi);
    assert_eq!(mdapi.api_version, "63.0");
}

fn audit(dir: &Path) -> pkce_audit_model::report::Report {
    crate::audit_folder(dir, &crate::AuditOptions::default())
        .unwrap()
        .1
}

#[test]
fn the_org_setting_waits_for_a_clear_audit_unless_forced() {
    let dir = fixture("demo-org");
    let project = Project::open(&dir).unwrap();
    let report = audit(&dir);
    let plan = refused(project.plan_org_setting(&report, None, None, None));
    let why = reason(&plan, "OauthOidc");
    assert!(
        why.contains("blocker app-pkce-not-required on Customer_Portal"),
        "{why}"
    );
    assert!(
        why.ends_with(&format!("waive them, or {}", Advice::Force)),
        "{why}"
    );
    let forced = project
        .plan_org_setting(&report, None, Some("vendors confirmed PKCE"), None)
        .unwrap();
    // Every open item is recorded: the blockers and the rest of what the audit says.
    let open = &forced.forced.as_ref().unwrap().open;
    assert_eq!(*open, report.open_items());
    assert!(open.len() > report.summary.blockers, "{open:?}");
    assert_eq!(
        forced.changes[0].edit,
        Edit::Changed {
            from: "false".into()
        }
    );
    let manifest = manifest_text(&forced);
    assert!(
        manifest.contains("reason: vendors confirmed PKCE"),
        "{manifest}"
    );
    assert!(manifest.contains("<members>OauthOidc</members>\n        <name>Settings</name>"));
    // A blank reason is no reason.
    refused(project.plan_org_setting(&report, None, Some("  "), None));
}

/// What a fetch of an org with these OauthOidc settings (record content) gives step 3.
fn org_read(settings: &str) -> org::OrgRead {
    let element = crate::xml::parse(
        format!(
            r#"<records xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="OauthOidcSettings"><fullName>OauthOidc</fullName>{settings}</records>"#
        )
        .as_bytes(),
    )
    .unwrap();
    let fetched = crate::salesforce::Fetched {
        instance_url: "https://acme.my.salesforce.com".into(),
        records: vec![crate::salesforce::FetchedRecord {
            ty: MetadataType::OauthOidcSettings,
            full_name: "OauthOidc".into(),
            package: Default::default(),
            element,
        }],
        ..Default::default()
    };
    org::OrgRead::from_fetched(&fetched, Some("prod".into()))
}

fn audit_with(dir: &Path, org: &org::OrgRead) -> pkce_audit_model::report::Report {
    Project::open(dir)
        .unwrap()
        .audit(&crate::AuditOptions::default(), |c| org::complete(c, org))
}

#[test]
fn a_missing_settings_file_is_read_from_the_org_and_created_with_its_values() {
    let dir = fixture("no-settings-org");
    let project = Project::open(&dir).unwrap();
    assert!(project.needs().settings);
    // Without the org, the settings are not read: the audit is incomplete, refused.
    let plan = refused(project.plan_org_setting(&audit(&dir), None, None, None));
    let why = reason(&plan, "OauthOidc");
    assert!(
        why.contains("says incomplete")
            && why.contains("org OAuth settings not found")
            && why.contains(&format!("which {} reads from the org", Advice::ConnectOrg)),
        "{why}"
    );
    let org = org_read(
        "<oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><isPkceRequired>false</isPkceRequired><agentAuthLinking>false</agentAuthLinking><blockOAuthUsrAgtFlow>false</blockOAuthUsrAgtFlow>",
    );
    let report = audit_with(&dir, &org);
    assert_eq!(
        report.verdict(),
        Verdict::Ready,
        "{:?}",
        report.open_items()
    );
    let plan = project
        .plan_org_setting(&report, Some(&org), None, None)
        .unwrap();
    let c = &plan.changes[0];
    assert_eq!(c.edit, Edit::Created { others: 4 });
    assert!(
        c.file.ends_with("settings/OauthOidc.settings-meta.xml"),
        "{}",
        c.file
    );
    assert!(c.before.is_none());
    assert_eq!(
        String::from_utf8(c.after.clone()).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <agentAuthLinking>false</agentAuthLinking>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>false</blockOAuthUsrAgtFlow>\n    <isPkceRequired>true</isPkceRequired>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>\n</OauthOidcSettings>\n"
    );
    assert_eq!(c.line, 6);
    let listed: Vec<(&str, &str, bool)> = plan
        .settings
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str(), f.from_org))
        .collect();
    assert_eq!(
        listed,
        [
            ("agentAuthLinking", "false", true),
            ("blockOAuthUnPwFlow", "true", true),
            ("blockOAuthUsrAgtFlow", "false", true),
            ("oAuthCdCrdtFlowEnable", "false", true)
        ]
    );
    assert_eq!(
        plan.org.as_ref().unwrap().taken,
        ["OauthOidcSettings OauthOidc"]
    );
    // Forced without the org: only the field, and the open items recorded.
    let forced = project
        .plan_org_setting(&audit(&dir), None, Some("CAB-1"), None)
        .unwrap();
    assert_eq!(forced.changes[0].edit, Edit::Created { others: 0 });
    assert!(forced.forced.unwrap().open[0].contains("org OAuth settings not found"));
}

#[test]
fn an_org_whose_settings_cannot_be_read_refuses_step_3() {
    let dir = fixture("demo-org");
    let project = Project::open(&dir).unwrap();
    // The audit's parser refuses a known field's odd value; step 3 refuses any field's,
    // as it may write them into a file.
    for (settings, why_part) in [
        (
            "<blockOAuthUnPwFlow>maybe</blockOAuthUnPwFlow>",
            "must be true or false",
        ),
        (
            "<enableHdlessFgtPswFlow>maybe</enableHdlessFgtPswFlow>",
            "not a boolean",
        ),
    ] {
        let org = org_read(settings);
        let plan = refused(project.plan_org_setting(&audit(&dir), Some(&org), Some("r"), None));
        let why = reason(&plan, "OauthOidc");
        assert!(
            why.contains("could not be read from https://acme.my.salesforce.com")
                && why.contains(why_part),
            "{why}"
        );
    }
}

#[test]
fn an_app_known_only_from_usage_evidence_is_refused() {
    let mut project = Project::open(&fixture("demo-org")).unwrap();
    let mut external = project.inventory.apps[0].clone();
    external.name = "Vendor_Cloud".into();
    external.kind = AppKind::External;
    external.owner = pkce_audit_model::inventory::Owner::External;
    project.inventory.apps.push(external);
    let plan = refused(project.plan_apps(&names(&["Vendor_Cloud"]), Direction::Require, None));
    assert!(
        reason(&plan, "Vendor_Cloud").contains("defined in another org"),
        "{plan:?}"
    );
}

/// The gate and the plan judge one read: the audit is of what `Project::open` read, and a
/// file that changed after it is refused, not edited in the state the gate never saw.
#[test]
fn the_gate_and_the_plan_see_one_read_of_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}]}"#,
    )
    .unwrap();
    let apps = tmp.path().join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    let app = apps.join("Secure_Web_App.connectedApp-meta.xml");
    std::fs::copy(
        fixture(
            "demo-org/force-app/main/default/connectedApps/Secure_Web_App.connectedApp-meta.xml",
        ),
        &app,
    )
    .unwrap();
    let project = Project::open(tmp.path()).unwrap();
    // The app now has no isPkceRequired: a second walk would see a blocker.
    let text = std::fs::read_to_string(&app).unwrap();
    let stripped = text.replace("<isPkceRequired>true</isPkceRequired>", "");
    assert_ne!(text, stripped);
    std::fs::write(&app, &stripped).unwrap();
    let report = project.audit(&crate::AuditOptions::default(), |_| {});
    assert!(
        !report
            .open_items()
            .iter()
            .any(|i| i.contains("Secure_Web_App")),
        "the audit is of the read the plan uses: {:?}",
        report.open_items()
    );
    assert!(
        crate::audit_folder(tmp.path(), &crate::AuditOptions::default())
            .unwrap()
            .1
            .open_items()
            .iter()
            .any(|i| i.contains("Secure_Web_App"))
    );
    // The plan re-reads the file to edit it: changed since the walk, it is refused.
    let plan = refused(project.plan_apps(&names(&["Secure_Web_App"]), Direction::Require, None));
    assert!(
        reason(&plan, "Secure_Web_App").contains("changed since the audit read it"),
        "{plan:?}"
    );
}

#[test]
fn undo_sets_false_where_named_and_lists_only_what_deploys_false() {
    let project = Project::open(&fixture("demo-org")).unwrap();
    // Secure_Web_App requires PKCE; Field_Service_Mobile's file says false; Customer_Portal's
    // does not name it.
    // Data_Loader_Plus is an External Client App whose global settings require PKCE.
    let plan = project
        .plan_apps(
            &names(&[
                "Secure_Web_App",
                "Field_Service_Mobile",
                "Customer_Portal",
                "Data_Loader_Plus",
            ]),
            Direction::Undo,
            None,
        )
        .unwrap();
    assert_eq!(plan.direction, Direction::Undo);
    let from_true = Edit::Changed {
        from: "true".into(),
    };
    let edits: Vec<(&str, &Edit, MetadataType)> = plan
        .changes
        .iter()
        .map(|c| (c.subject.name(), &c.edit, c.component.0))
        .collect();
    assert_eq!(
        edits,
        [
            ("Secure_Web_App", &from_true, MetadataType::ConnectedApp),
            (
                "Data_Loader_Plus",
                &from_true,
                MetadataType::ExtlClntAppGlobalOauthSettings
            )
        ]
    );
    let c = &plan.changes[0];
    assert_eq!(
        String::from_utf8(c.after.clone()).unwrap(),
        String::from_utf8(c.before.clone().unwrap())
            .unwrap()
            .replacen(">true</isPkceRequired>", ">false</isPkceRequired>", 1)
    );
    let unchanged: Vec<(&str, bool)> = plan
        .unchanged
        .iter()
        .map(|u| (u.subject.name(), u.named))
        .collect();
    assert_eq!(
        unchanged,
        [("Field_Service_Mobile", true), ("Customer_Portal", false)]
    );
    assert!(plan
        .manifest
        .path
        .ends_with("manifest/pkce-rollback-apps.xml"));
    let text = manifest_text(&plan);
    assert!(
        text.contains("<!-- pkce-audit fix rollback of step 2:"),
        "{text}"
    );
    assert!(text.contains("<members>Field_Service_Mobile</members>"));
    assert!(!text.contains("Customer_Portal"), "{text}");
}

#[test]
fn undo_of_an_isv_app_is_refused_and_the_org_setting_needs_its_file() {
    let project = Project::open(&fixture("demo-org")).unwrap();
    let plan =
        refused(project.plan_apps(&names(&["acmecpq__CPQ_Connector"]), Direction::Undo, None));
    assert!(reason(&plan, "acmecpq__CPQ_Connector")
        .contains("only its publisher can change it; Salesforce's ISV requirements say partners won't be permitted to disable PKCE"));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}]}"#,
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("force-app")).unwrap();
    let project = Project::open(tmp.path()).unwrap();
    let plan = refused(project.plan_org_setting_undo(None));
    assert_eq!(reason(&plan, "OauthOidc"), org_setting::RETRIEVE_FIRST);
}
