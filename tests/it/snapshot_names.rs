//! Snapshots unpack the same on Windows, macOS and Linux (issue 9): a fetch from an org
//! whose apps are named like Windows devices, end in a dot, hold characters Windows
//! refuses, or differ only in case writes distinct portable files, and the snapshot
//! audit reports the true names and the same findings as the live audit.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use std::collections::BTreeSet;
use std::path::Path;
use support::*;

/// The awkward names. The fake org serves what its folder holds, so they are file names
/// here: this test runs where the file system takes them (Unix).
const NAMES: &[&str] = &["CON", "Aux.", "App", "APP", "acme__x:y", "nul.txt"];

fn org_with_awkward_names(dir: &Path) {
    const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
    let md = dir.join("force-app/main/default");
    std::fs::create_dir_all(md.join("connectedApps")).unwrap();
    std::fs::create_dir_all(md.join("settings")).unwrap();
    std::fs::write(
        dir.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}],"namespace":""}"#,
    )
    .unwrap();
    for (i, name) in NAMES.iter().enumerate() {
        // Some require PKCE and some do not, so findings tell the apps apart.
        std::fs::write(
            md.join(format!("connectedApps/{name}.connectedApp-meta.xml")),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp {NS}>\n    <contactEmail>it@acme.example.com</contactEmail>\n    <label>App {i}</label>\n    <oauthConfig>\n        <callbackUrl>http{}://app{i}.acme.example.com/cb</callbackUrl>\n        <consumerKey>3MVG9NAMES.{i}</consumerKey>\n        <isPkceRequired>{}</isPkceRequired>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n", if i % 3 == 0 { "" } else { "s" }, i % 2 == 0),
        )
        .unwrap();
    }
    std::fs::write(
        md.join("settings/OauthOidc.settings-meta.xml"),
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings {NS}>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>\n    <isPkceRequired>false</isPkceRequired>\n</OauthOidcSettings>\n"),
    )
    .unwrap();
}

/// A file name Windows and macOS take as it is, and distinct from the others there.
fn assert_portable(names: &[String]) {
    let mut folded = BTreeSet::new();
    for n in names {
        assert!(
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.%~".contains(c)),
            "{n}"
        );
        assert!(!n.ends_with(['.', ' ']) && !n.starts_with('.'), "{n}");
        let base = n.split('.').next().unwrap().to_ascii_uppercase();
        let device = ["CON", "PRN", "AUX", "NUL"].contains(&base.as_str())
            || (base.len() == 4
                && (base.starts_with("COM") || base.starts_with("LPT"))
                && base.as_bytes()[3].is_ascii_digit());
        assert!(!device, "{n}");
        assert!(folded.insert(n.to_ascii_lowercase()), "{n} clashes in case");
    }
}

#[cfg(unix)]
#[test]
fn awkward_names_get_portable_files_and_read_back_as_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let org_dir = tmp.path().join("org");
    org_with_awkward_names(&org_dir);
    let org = FakeOrg::start(Config {
        org_dir: org_dir.clone(),
        ..Config::default()
    });
    let live = audit_live(&org.base_url, &["--no-usage"]);
    assert_eq!(live.code, 1, "{}", live.stderr);
    let live = live.json();
    let live_names: BTreeSet<String> = apps(&live).into_iter().map(|a| a.0).collect();
    // API names are unique whatever their case, so `App` and `APP` are one name twice:
    // neither is read, and the audit says so (the writer must still keep both files).
    let want: BTreeSet<String> = NAMES
        .iter()
        .filter(|n| !n.eq_ignore_ascii_case("app"))
        .map(|n| n.to_string())
        .collect();
    assert_eq!(live_names, want, "the org serves every name");
    let twice = |report: &serde_json::Value| {
        incomplete(report)
            .iter()
            .filter(|p| format!("{p:?}").contains("defined 2 times"))
            .count()
    };
    assert_eq!(twice(&live), 1, "{:?}", incomplete(&live));

    let out = tmp.path().join("snapshot");
    let fetch = fetch_live(&org.base_url, &out, &["--no-usage"]);
    assert_eq!(fetch.code, 0, "{}", fetch.stderr);
    let files: Vec<String> = std::fs::read_dir(out.join("force-app/main/default/connectedApps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), NAMES.len(), "{files:?}");
    assert_portable(&files);
    for expected in [
        "CO%4E.connectedApp-meta.xml",
        "Aux%2E.connectedApp-meta.xml",
        "APP.connectedApp-meta.xml",
        "App~2.connectedApp-meta.xml",
        "acme__x%3Ay.connectedApp-meta.xml",
        "nu%6C.txt.connectedApp-meta.xml",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} in {files:?}"
        );
    }
    // The manifest maps every true name to its file.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("pkce-audit-snapshot.json")).unwrap(),
    )
    .unwrap();
    for name in NAMES {
        let c = manifest["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["full_name"] == *name)
            .unwrap_or_else(|| panic!("{name} in the manifest"));
        let file = c["file"].as_str().unwrap();
        assert!(out.join(file).is_file(), "{name}: {file}");
    }

    let snapshot = audit_folder(&out);
    assert_eq!(snapshot.code, 1, "{}", snapshot.stderr);
    let snapshot = snapshot.json();
    assert_eq!(
        incomplete(&snapshot).len(),
        1,
        "only the case clash: {:?}",
        incomplete(&snapshot)
    );
    assert_eq!(twice(&snapshot), 1);
    assert_eq!(apps(&snapshot), apps(&live));
    assert_eq!(findings(&snapshot), findings(&live));
    assert_eq!(verdict(&snapshot), verdict(&live));
}
