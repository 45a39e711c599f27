//! What fix refuses (touching nothing), the dry run, and step 3 with its audit gate,
//! waivers, --force and --manifest.

use super::*;

#[test]
fn refusals_touch_no_file_and_exit_2() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let parent = dir.parent().unwrap();
    for (app, why) in [
        (
            "acmecpq__CPQ_Connector",
            "comes from package namespace 'acmecpq': only its publisher can change it",
        ),
        ("vendorx__Vendor_Connector", "namespace 'vendorx'"),
        (
            "Analytics_Bridge",
            "no ExtlClntAppGlobalOauthSettings for 'Analytics_Bridge'",
        ),
        (
            "No_Such_App",
            "no Connected App or External Client App named 'No_Such_App'",
        ),
    ] {
        // Together with an app that could be changed: still nothing is written.
        let o = run(
            parent,
            &["--source", "demo", "--app", "Customer_Portal", "--app", app],
        );
        let text = out(&o);
        assert_eq!(o.status.code(), Some(2), "{text}");
        // A refusal is the command's error: one line on stderr naming each refusal.
        assert!(o.stdout.is_empty(), "{text}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.starts_with("pkce-audit: error: fix refused, nothing was written: "),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("{app}: ")) && stderr.contains(why),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert_eq!(tree(&dir), before, "{app}: no file touched");
    }
    // Not a project that deploys.
    let loose = parent.join("loose/connectedApps");
    std::fs::create_dir_all(&loose).unwrap();
    std::fs::copy(
        dir.join(DEMO_APPS[0].1),
        loose.join("Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    let o = run(parent, &["--source", "loose", "--app", "Customer_Portal"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("not an SFDX project"), "{}", out(&o));
    assert_eq!(tree(&parent.join("loose")).len(), 1);
    // Usage errors.
    for args in [
        vec!["--source", "demo"],
        vec!["--source", "demo", "--app", "X", "--org-setting"],
        vec!["--source", "demo", "--org-setting", "--force"],
        vec!["--source", "demo", "--app", "X", "--force", "--reason", "r"],
    ] {
        let o = run(parent, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", out(&o));
    }
    assert_eq!(tree(&dir), before);
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let o = run(
        dir.parent().unwrap(),
        &["--source", "demo", "--app", "ERP_Integration", "--dry-run"],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(tree(&dir), before);
    assert_has(
        &text,
        &[
            "--- a/force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml\n+++ b/force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml\n",
            "\n-        <isPkceRequired>false</isPkceRequired>\n+        <isPkceRequired>true</isPkceRequired>\n",
            "--- /dev/null\n+++ b/manifest/pkce-step2-apps.xml\n",
            "+        <members>ERP_Integration</members>\n",
        ],
    );

    let o = run(
        dir.parent().unwrap(),
        &[
            "--source",
            "demo",
            "--app",
            "ERP_Integration",
            "--dry-run",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "would-change");
    assert_eq!(v["changes"][0]["action"], "changed");
    assert_eq!(v["changes"][0]["from"], "false");
    assert_eq!(v["changes"][0]["type"], "ConnectedApp");
    assert_eq!(v["manifest"]["written"], false);
    assert!(v["diff"]
        .as_str()
        .unwrap()
        .contains("+        <isPkceRequired>true</isPkceRequired>"));
    assert_eq!(tree(&dir), before);
}

#[test]
fn the_org_setting_needs_a_clear_audit_or_a_forced_reason() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    let before = tree(&dir);
    let o = run(parent, &["--source", "demo", "--org-setting"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("blocker app-pkce-not-required on Customer_Portal"),
        "{}",
        out(&o)
    );
    assert_eq!(tree(&dir), before);

    // Step 2 on every app we own, then waivers for the publishers' apps: the audit is
    // clear and step 3 goes through without --force.
    let mut args = vec!["--source", "demo"];
    args.extend(app_args(DEMO_APPS.iter().map(|(n, _)| *n)));
    assert_eq!(run(parent, &args).status.code(), Some(0));
    std::fs::write(
        dir.join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"managed-app-needs-isv\"\napp = \"*\"\nreason = \"publishers confirmed PKCE-ready versions\"\napproved_by = \"cab\"\nexpires = 2027-06-30\n",
    )
    .unwrap();
    let o = run(parent, &["--source", "demo", "--org-setting", "--json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(&o)));
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(v["outcome"], "changed");
    assert_eq!(v["changes"][0]["type"], "Settings");
    assert_eq!(v["changes"][0]["member"], "OauthOidc");
    let settings = "force-app/main/default/settings/OauthOidc.settings-meta.xml";
    let (b, a) = (
        &before[Path::new(settings)],
        std::fs::read(dir.join(settings)).unwrap(),
    );
    assert_same_but_required("OauthOidc", b, &a);
    assert_minimal_bytes("OauthOidc", b, &a);
    let manifest = std::fs::read_to_string(dir.join("manifest/pkce-step3-org.xml")).unwrap();
    assert_eq!(
        manifest,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pkce-audit fix step 3: require PKCE org-wide (OAuth and OpenID Connect Settings). Deploy it alone -->\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>OauthOidc</members>\n        <name>Settings</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
    );
}

#[test]
fn a_forced_org_setting_names_its_reason_in_the_manifest_and_the_output() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    let o = run(
        parent,
        &[
            "--source",
            "demo",
            "--org-setting",
            "--force",
            "--reason",
            "CAB-1234: the CISO accepts the break",
            "--manifest",
            "step3.xml",
        ],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("because: CAB-1234: the CISO accepts the break"),
        "{text}"
    );
    assert!(
        text.contains("blocker app-pkce-not-required on Customer_Portal"),
        "{text}"
    );
    assert!(
        !dir.join("manifest").exists(),
        "--manifest replaces the default path"
    );
    let manifest = std::fs::read_to_string(parent.join("step3.xml")).unwrap();
    assert!(manifest.contains("<!-- Step 3 forced past an audit that is not clear (8); reason: CAB-1234: the CISO accepts the break -->"), "{manifest}");
    assert!(manifest.contains("<members>OauthOidc</members>"));
}

#[test]
fn a_project_without_org_settings_gets_a_file_with_only_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = sfdx_project(tmp.path());
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo-org")
            .join("force-app/main/default/connectedApps/Secure_Web_App.connectedApp-meta.xml"),
        apps.join("Secure_Web_App.connectedApp-meta.xml"),
    )
    .unwrap();
    let o = run(tmp.path(), &["--source", ".", "--org-setting"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let created = std::fs::read_to_string(
        tmp.path()
            .join("force-app/main/default/settings/OauthOidc.settings-meta.xml"),
    )
    .unwrap();
    assert_eq!(
        created,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>\n"
    );
    let again = run(tmp.path(), &["--source", ".", "--org-setting"]);
    assert_eq!(again.status.code(), Some(0), "{}", out(&again));
    assert!(
        out(&again).contains("already requires PKCE"),
        "{}",
        out(&again)
    );
}
