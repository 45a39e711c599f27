//! What fix refuses (touching nothing), the dry run, and a forced step 3 with --manifest.

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
        // A typo gets the closest app's name, as the other commands suggest one.
        (
            "Custmer_Portl",
            "named 'Custmer_Portl' in this project (apps fix can change: ",
        ),
    ] {
        // Together with an app that could be changed: still nothing is written.
        let o = run(
            parent,
            &["--source", "demo", "--app", "Customer_Portal", "--app", app],
        );
        let text = out(&o);
        assert_eq!(o.code, 2, "{text}");
        // A refusal is the command's error: one line on stderr naming each refusal.
        assert!(o.stdout.is_empty(), "{text}");
        let stderr = o.stderr.as_str();
        assert!(
            stderr.starts_with("pkce-audit: error: fix refused, nothing was written: "),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("{app}: ")) && stderr.contains(why),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert_eq!(
            stderr.ends_with("; did you mean 'Customer_Portal'?\n"),
            app == "Custmer_Portl",
            "{stderr}"
        );
        // The apps listed are those fix can change: no packaged app, no app it refuses.
        if app == "Custmer_Portl" {
            let listed = &stderr[stderr.find("(apps fix can change: ").unwrap()..];
            let listed = &listed[..listed.find(')').unwrap()];
            assert!(listed.contains("Customer_Portal"), "{listed}");
            for refused in [
                "acmecpq__CPQ_Connector",
                "vendorx__Vendor_Connector",
                "Analytics_Bridge",
            ] {
                assert!(!listed.contains(refused), "{refused} in {listed}");
            }
        }
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
    assert_eq!(o.code, 2);
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
        assert_eq!(o.code, 2, "{args:?}: {}", out(&o));
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
    assert_eq!(o.code, 0, "{text}");
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
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
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
    assert_eq!(o.code, 0, "{text}");
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
    // Every open item is in the manifest's comment, as in the output.
    let manifest = std::fs::read_to_string(parent.join("step3.xml")).unwrap();
    let still_open = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Still open: "))
        .unwrap_or_else(|| panic!("{text}"));
    let n = text
        .split("Forced past ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(manifest.contains(&format!("<!-- Step 3 forced past {n} open item(s); reason: CAB-1234: the CISO accepts the break; still open: {still_open} -->")), "{manifest}");
    assert!(
        still_open.contains("unknown PKCE setting on Analytics_Bridge"),
        "{still_open}"
    );
    assert!(manifest.contains("<members>OauthOidc</members>"));
}
