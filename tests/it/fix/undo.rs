//! `fix --undo`: the way back `verify` prints for a `rollback` verdict. From an explicit
//! `false`, fix then undo gives the original bytes back; where fix inserted the element,
//! undo sets it to `false` (never removes it); a file already false or never set is left
//! alone and says so; an ISV app is refused; step 3's rollback is never gated and reads
//! no org.

use super::{assert_has, demo, out, run, sfdx_project, tree};
use crate::live_support::copy_dir;
use std::path::Path;

const NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// A Connected App file with `oauth` inside `<oauthConfig>`, in the given line ending and
/// indentation, with or without a byte order mark.
fn app_file(oauth: &[&str], nl: &str, indent: &str, bom: bool) -> String {
    let i2 = indent.repeat(2);
    let body: String = oauth.iter().map(|l| format!("{i2}{l}{nl}")).collect();
    format!(
        "{}<?xml version=\"1.0\" encoding=\"UTF-8\"?>{nl}<ConnectedApp xmlns=\"{NS}\">{nl}{indent}<label>A</label>{nl}{indent}<oauthConfig>{nl}{body}{indent}</oauthConfig>{nl}</ConnectedApp>{nl}",
        if bom { "\u{feff}" } else { "" }
    )
}

#[test]
fn fix_then_undo_gives_the_original_bytes_back_from_an_explicit_false() {
    let oauth = [
        "<callbackUrl>https://a.example.com/cb</callbackUrl>",
        "<isAdminApproved>false</isAdminApproved>",
        "<isPkceRequired>false</isPkceRequired> <!-- until the client ships -->",
        "<scopes>Api</scopes>",
    ];
    let spaced = [
        oauth[0],
        oauth[1],
        "<isPkceRequired>\n   false  </isPkceRequired>",
        oauth[3],
    ];
    for (case, original) in [
        ("LF, spaces", app_file(&oauth, "\n", "    ", false)),
        ("CRLF, tabs", app_file(&oauth, "\r\n", "\t", false)),
        ("BOM, CRLF", app_file(&oauth, "\r\n", "  ", true)),
        ("blanks around", app_file(&spaced, "\n", "    ", false)),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let file = sfdx_project(tmp.path()).join("A.connectedApp-meta.xml");
        std::fs::write(&file, &original).unwrap();
        let o = run(tmp.path(), &["--source", ".", "--app", "A"]);
        assert_eq!(o.code, 0, "{case}: {}", out(&o));
        let required = std::fs::read(&file).unwrap();
        assert_ne!(required, original.as_bytes(), "{case}");
        let o = run(tmp.path(), &["--source", ".", "--app", "A", "--undo"]);
        assert_eq!(o.code, 0, "{case}: {}", out(&o));
        assert_eq!(
            String::from_utf8(std::fs::read(&file).unwrap()).unwrap(),
            original,
            "{case}: the original bytes"
        );
        assert_has(
            &out(&o),
            &[
                "rollback of step 2: stop requiring PKCE on each app",
                "A (Connected App): isPkceRequired changed from true to false at",
                "do not expect its client to send PKCE",
                "Manifest written: manifest/pkce-rollback-apps.xml (1 component(s))",
                "Deploy this rollback alone, from the project folder:",
                "$ sf project deploy start --manifest manifest/pkce-rollback-apps.xml --target-org YOUR_ORG_ALIAS",
            ],
        );
        // Two manifests, each of its own kind: the rollback never adds to step 2's.
        let step2 = std::fs::read_to_string(tmp.path().join("manifest/pkce-step2-apps.xml"));
        let back = std::fs::read_to_string(tmp.path().join("manifest/pkce-rollback-apps.xml"));
        assert!(step2.unwrap().contains("<!-- pkce-audit fix step 2:"));
        let back = back.unwrap();
        assert!(
            back.contains("<!-- pkce-audit fix rollback of step 2:")
                && back.contains("<members>A</members>"),
            "{back}"
        );
    }
}

#[test]
fn where_fix_inserted_the_element_undo_sets_it_to_false_and_a_second_undo_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sfdx_project(tmp.path()).join("A.connectedApp-meta.xml");
    let original = app_file(
        &[
            "<callbackUrl>https://a.example.com/cb</callbackUrl>",
            "<scopes>Api</scopes>",
        ],
        "\r\n",
        "\t",
        false,
    );
    std::fs::write(&file, &original).unwrap();
    assert_eq!(run(tmp.path(), &["--source", ".", "--app", "A"]).code, 0);
    let required = std::fs::read_to_string(&file).unwrap();
    assert!(required.contains("\t\t<isPkceRequired>true</isPkceRequired>\r\n"));
    let o = run(tmp.path(), &["--source", ".", "--app", "A", "--undo"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        required.replace(">true</isPkceRequired>", ">false</isPkceRequired>"),
        "set to false, not removed"
    );
    assert_has(
        &out(&o),
        &["isPkceRequired is set to false, not removed: the deployed value must be false"],
    );
    let before = tree(tmp.path());
    let o = run(
        tmp.path(),
        &["--source", ".", "--app", "A", "--undo", "--json"],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    let doc = o.json();
    assert_eq!(doc["direction"], "undo");
    assert_eq!(doc["outcome"], "nothing-to-change");
    assert_eq!(doc["unchanged"][0]["named"], true);
    assert_eq!(doc["manifest"]["members"][0]["member"], "A");
    assert_eq!(tree(tmp.path()), before, "nothing written");
    let o = run(tmp.path(), &["--source", ".", "--app", "A", "--undo"]);
    assert_has(
        &out(&o),
        &[
            "A (Connected App): isPkceRequired already false",
            "nothing to change in the file",
        ],
    );
}

#[test]
fn undo_of_an_app_that_never_set_it_changes_nothing_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sfdx_project(tmp.path()).join("A.connectedApp-meta.xml");
    let original = app_file(&["<callbackUrl>x://cb</callbackUrl>"], "\n", "    ", false);
    std::fs::write(&file, &original).unwrap();
    let before = tree(tmp.path());
    let o = run(tmp.path(), &["--source", ".", "--app", "A", "--undo"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &out(&o),
        &[
            "A.connectedApp-meta.xml does not name isPkceRequired; nothing to change, and not in the rollback manifest: deploying it would leave the org's value as it is",
            "Nothing to change; no file was written, and no rollback manifest",
        ],
    );
    assert_eq!(tree(tmp.path()), before, "nothing written, no manifest");
    let doc = run(
        tmp.path(),
        &["--source", ".", "--app", "A", "--undo", "--json"],
    )
    .json();
    assert_eq!(doc["unchanged"][0]["named"], false);
    assert_eq!(doc["manifest"]["members"], serde_json::json!([]));
    assert_eq!(doc["manifest"]["written"], false);
    assert_eq!(doc["manifest"]["deploy"], serde_json::Value::Null);
}

#[test]
fn undo_of_an_isv_app_is_refused_and_nothing_is_written() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let o = run(
        &dir,
        &["--source", ".", "--app", "acmecpq__CPQ_Connector", "--undo"],
    );
    assert_eq!(o.code, 2, "{}", out(&o));
    assert_has(
        &o.stderr,
        &[
            "comes from package namespace 'acmecpq': only its publisher can change it",
            "partners won't be permitted to disable PKCE once it is enabled",
        ],
    );
    assert_eq!(tree(&dir), before);
}

#[test]
fn a_dry_run_of_undo_prints_the_patch_and_the_json_says_the_direction() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let dry = |extra: &[&str]| {
        let mut args = vec!["--source", ".", "--dry-run"];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let o = dry(&["--app", "Secure_Web_App", "--undo"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &o.stdout,
        &[
            "Dry run: nothing written. The manifest would be manifest/pkce-rollback-apps.xml",
            "-        <isPkceRequired>true</isPkceRequired>\n+        <isPkceRequired>false</isPkceRequired>\n",
            "+++ b/manifest/pkce-rollback-apps.xml",
        ],
    );
    assert_eq!(tree(&dir), before);
    let undo = dry(&["--app", "Secure_Web_App", "--undo", "--json"]).json();
    assert_eq!(undo["direction"], "undo");
    assert_eq!(undo["step"], "apps");
    assert_eq!(undo["changes"][0]["from"], "true");
    let step = dry(&["--app", "Customer_Portal", "--json"]).json();
    assert_eq!(step["direction"], "require");
}

#[test]
fn the_org_setting_rollback_is_not_gated_reads_no_org_and_needs_the_settings_file() {
    let tmp = tempfile::tempdir().unwrap();
    sfdx_project(tmp.path());
    // No app at all: step 3's gate would refuse; its rollback is not gated.
    let o = run(tmp.path(), &["--source", ".", "--org-setting", "--undo"]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert_has(
        &o.stderr,
        &["retrieve it first (sf project retrieve start --metadata Settings:OauthOidc"],
    );
    let settings = tmp.path().join("force-app/main/default/settings");
    std::fs::create_dir_all(&settings).unwrap();
    let file = settings.join("OauthOidc.settings-meta.xml");
    let original = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<OauthOidcSettings xmlns=\"{NS}\">\r\n\t<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\r\n\t<isPkceRequired>false</isPkceRequired>\r\n</OauthOidcSettings>\r\n");
    std::fs::write(&file, &original).unwrap();
    let o = run(
        tmp.path(),
        &["--source", ".", "--org-setting", "--force", "--reason", "r"],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_ne!(std::fs::read_to_string(&file).unwrap(), original);
    let o = run(tmp.path(), &["--source", ".", "--org-setting", "--undo"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_has(
        &out(&o),
        &[
            "rollback of step 3: stop requiring PKCE org-wide",
            "OauthOidc (org OAuth and OpenID Connect settings): isPkceRequired changed from true to false",
            "isPkceRequired on the app stays as it is",
            "blockOAuthUnPwFlow = true (as in the file)",
            "$ sf project deploy start --manifest manifest/pkce-rollback-org.xml --target-org YOUR_ORG_ALIAS",
        ],
    );
    assert!(!out(&o).contains("--dry-run --manifest"), "{}", out(&o));
    let manifest =
        std::fs::read_to_string(tmp.path().join("manifest/pkce-rollback-org.xml")).unwrap();
    assert_has(
        &manifest,
        &[
            "<!-- pkce-audit fix rollback of step 3:",
            "<members>OauthOidc</members>",
        ],
    );
    // A connection option is refused, not ignored.
    let o = run(
        tmp.path(),
        &["--source", ".", "--org-setting", "--undo", "-o", "prod"],
    );
    assert_eq!(o.code, 2, "{}", out(&o));
    assert_has(&o.stderr, &["--target-org does not apply here: --undo"]);
}

#[test]
fn an_mdapi_folder_s_rollback_manifest_lies_next_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mdapi");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mdapi-org"),
        &dir,
    );
    let file = dir.join("connectedApps/Web_Portal.connectedApp");
    assert_eq!(
        run(tmp.path(), &["--source", "mdapi", "--app", "Web_Portal"]).code,
        0
    );
    let required = std::fs::read_to_string(&file).unwrap();
    let o = run(
        tmp.path(),
        &["--source", "mdapi", "--app", "Web_Portal", "--undo"],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    // The fixture does not name isPkceRequired: fix inserted it, undo leaves it false.
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        required.replacen(
            "<isPkceRequired>true</isPkceRequired>",
            "<isPkceRequired>false</isPkceRequired>",
            1
        )
    );
    let back = std::fs::read_to_string(tmp.path().join("mdapi-pkce-rollback-apps.xml")).unwrap();
    assert!(back.contains("<members>Web_Portal</members>"), "{back}");
    assert!(!dir.join("mdapi-pkce-rollback-apps.xml").exists());
    assert_has(&out(&o), &["an mdapi folder has no single-step deploy"]);
}

#[test]
fn an_external_client_app_without_the_element_is_set_to_false_as_its_default_is_true() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    copy_dir(&crate::live_support::fixture("verify-org"), &project);
    let glbl = project.join(
        "force-app/main/default/extlClntAppGlobalOauthSets/Field_App_glbloauth.ecaGlblOauth-meta.xml",
    );
    let text = std::fs::read_to_string(&glbl).unwrap();
    let without = text.replace("    <isPkceRequired>true</isPkceRequired>\n", "");
    assert_ne!(without, text);
    std::fs::write(&glbl, &without).unwrap();
    let o = run(&project, &["--source", ".", "--app", "Field_App", "--undo"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    let after = std::fs::read_to_string(&glbl).unwrap();
    assert!(
        after.contains("<isPkceRequired>false</isPkceRequired>"),
        "{after}"
    );
    let manifest =
        std::fs::read_to_string(project.join("manifest/pkce-rollback-apps.xml")).unwrap();
    assert!(
        manifest.contains("<members>Field_App_glbloauth</members>"),
        "{manifest}"
    );
}

#[test]
fn each_rollback_manifest_lists_its_own_apps_only() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("p");
    copy_dir(&crate::live_support::fixture("verify-org"), &project);
    for app in ["Customer_Portal", "Vendor_Sync"] {
        let o = run(&project, &["--source", ".", "--app", app, "--undo"]);
        assert_eq!(o.code, 0, "{}", out(&o));
    }
    let manifest =
        std::fs::read_to_string(project.join("manifest/pkce-rollback-apps.xml")).unwrap();
    assert!(
        manifest.contains("<members>Vendor_Sync</members>"),
        "{manifest}"
    );
    assert!(!manifest.contains("Customer_Portal"), "{manifest}");
}
