//! Snapshots written by [`crate::snapshot`] read back through the folder reader: the
//! round trip of `fetch --out-dir` and `audit --source`.

use super::{collect, Layout};
use crate::metadata::MetadataType;
use crate::names::MANIFEST_FILE;
use crate::salesforce::{Fetched, ListedComponent};
use crate::snapshot::tests::record;
use crate::snapshot::{full_name_of_file, read_manifest, write, WriteError};
use pkce_audit_model::inventory::PackageInfo;
use std::path::Path;

#[test]
fn renamed_files_read_back_under_their_true_names_with_and_without_the_mapping() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut fetched = Fetched {
        instance_url: "https://acme.my.salesforce.com".into(),
        api_version: "66.0".into(),
        ..Default::default()
    };
    let app = |name: &str| {
        record(
            MetadataType::ConnectedApp,
            name,
            &format!("<records><fullName>{name}</fullName><label>L</label><oauthConfig><callbackUrl>https://x.example.com</callbackUrl></oauthConfig></records>"),
        )
    };
    for name in ["CON", "Aux.", "App", "APP", "acme__x:y"] {
        fetched.records.push(app(name));
    }
    fetched.listed.push(ListedComponent {
        ty: MetadataType::ConnectedApp,
        full_name: "acme__x:y".into(),
        package: PackageInfo {
            namespace_prefix: Some("acme".into()),
            manageable_state: Some("installed".into()),
        },
    });
    let m = write(&dir, &fetched).unwrap();
    let file_of = |name: &str| {
        m.components
            .iter()
            .find(|c| c.full_name == name)
            .and_then(|c| c.file.clone())
            .unwrap()
    };
    assert!(file_of("CON").ends_with("/CO%4E.connectedApp-meta.xml"));
    assert!(file_of("Aux.").ends_with("/Aux%2E.connectedApp-meta.xml"));
    assert!(file_of("APP").ends_with("/APP.connectedApp-meta.xml"));
    assert!(file_of("App").ends_with("/App~2.connectedApp-meta.xml"));
    assert!(file_of("acme__x:y").ends_with("/acme__x%3Ay.connectedApp-meta.xml"));
    // Kept names carry no <fullName>; renamed ones do.
    let text = |name: &str| std::fs::read_to_string(dir.join(file_of(name))).unwrap();
    assert!(!text("APP").contains("fullName"));
    assert!(text("App").contains("<fullName>App</fullName>"));
    // The mapping a folder reader asks for.
    let ca = MetadataType::ConnectedApp;
    assert_eq!(
        full_name_of_file(Some(&m), ca, &file_of("CON"), "CO%4E".into()),
        "CON"
    );
    assert_eq!(
        full_name_of_file(Some(&m), ca, &file_of("App"), "App~2".into()),
        "App"
    );
    assert_eq!(
        full_name_of_file(None, ca, "x/App~2.connectedApp-meta.xml", "App~2".into()),
        "App~2"
    );
    assert_eq!(
        full_name_of_file(Some(&m), ca, "elsewhere/APP", "APP".into()),
        "APP"
    );
    let read_back = |dir: &Path| {
        let (collected, _) = collect(dir).unwrap();
        let mut names: Vec<(String, Option<String>)> = collected
            .components
            .iter()
            .map(|l| {
                (
                    l.component.full_name.clone(),
                    l.package.manageable_state.clone(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let want = vec![
        ("APP".to_string(), None),
        ("App".to_string(), None),
        ("Aux.".to_string(), None),
        ("CON".to_string(), None),
        ("acme__x:y".to_string(), Some("installed".to_string())),
    ];
    assert_eq!(read_back(&dir), want);
    // A manifest without the file mapping (older, or edited) still reads.
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    for c in old["components"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("file");
    }
    std::fs::write(dir.join(MANIFEST_FILE), old.to_string()).unwrap();
    let mut problems = Vec::new();
    let m = read_manifest(&dir, &mut problems).unwrap();
    assert!(problems.is_empty() && m.components.iter().all(|c| c.file.is_none()));
    assert_eq!(
        full_name_of_file(
            Some(&m),
            ca,
            "x/App~2.connectedApp-meta.xml",
            "App~2".into()
        ),
        "App~2"
    );
    let names: Vec<String> = read_back(&dir).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["APP", "App", "Aux.", "CON", "acme__x:y"]);
}

#[test]
fn evidence_is_stored_and_read_back_and_old_manifests_still_read() {
    use pkce_audit_model::evidence::{Evidence, SourceState, TokenUsage};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let evidence = Evidence {
        window_days: 30,
        sources: [(
            pkce_audit_model::evidence::EvidenceSource::OauthToken,
            SourceState::Read {
                rows: 1,
                partial: false,
                method: None,
                reason: None,
            },
        )]
        .into(),
        tokens: vec![TokenUsage {
            app: "Portal".into(),
            tokens: 1,
            users: 1,
            use_count: 3,
            used_in_window: 1,
            last_used: Some("2026-01-01".into()),
        }],
        ..Default::default()
    };
    let fetched = Fetched {
        instance_url: "https://acme.my.salesforce.com".into(),
        api_version: "66.0".into(),
        evidence: Some(evidence.clone()),
        ..Default::default()
    };
    let m = write(&dir, &fetched).unwrap();
    assert_eq!(m.evidence.as_ref(), Some(&evidence));
    let (collected, _) = collect(&dir).unwrap();
    assert_eq!(collected.evidence, Some(evidence));
    // A manifest from before evidence existed reads, without evidence, and says why.
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    old.as_object_mut().unwrap().remove("evidence");
    std::fs::write(dir.join(MANIFEST_FILE), old.to_string()).unwrap();
    let (collected, d) = collect(&dir).unwrap();
    assert!(d.manifest.is_some() && collected.evidence.is_none());
    assert!(collected.no_evidence_reason.is_some());
}

#[test]
fn writes_a_project_that_reads_back_and_refuses_foreign_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut fetched = Fetched {
        instance_url: "https://acme.my.salesforce.com".into(),
        api_version: "66.0".into(),
        org_id: Some("00D000000000001".into()),
        org_namespace: None,
        fetched_at: "2026-01-01T00:00:00Z".into(),
        ..Default::default()
    };
    fetched.listed.push(ListedComponent {
        ty: MetadataType::ConnectedApp,
        full_name: "ns__App".into(),
        package: PackageInfo {
            namespace_prefix: Some("ns".into()),
            manageable_state: Some("installed".into()),
        },
    });
    fetched.records.push(record(MetadataType::ConnectedApp, "ns__App", "<records><fullName>ns__App</fullName><label>App</label><oauthConfig><callbackUrl>https://x.example.com</callbackUrl></oauthConfig></records>"));
    fetched.records.push(record(
        MetadataType::OauthOidcSettings,
        "OauthOidc",
        "<records><fullName>OauthOidc</fullName><isPkceRequired>false</isPkceRequired></records>",
    ));
    fetched
        .records
        .push(record(MetadataType::ConnectedApp, "../evil", "<records/>"));
    let m = write(&dir, &fetched).unwrap();
    assert!(dir
        .join("force-app/main/default/connectedApps/ns__App.connectedApp-meta.xml")
        .is_file());
    assert!(dir
        .join("force-app/main/default/settings/OauthOidc.settings-meta.xml")
        .is_file());
    // A name that is a path stays one file, inside its folder, under a safe name.
    assert!(!tmp.path().join("evil.connectedApp-meta.xml").exists());
    assert!(!dir
        .join("force-app/main/default/evil.connectedApp-meta.xml")
        .exists());
    assert!(dir
        .join("force-app/main/default/connectedApps/%2E.%2Fevil.connectedApp-meta.xml")
        .is_file());
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    let (collected, d) = collect(&dir).unwrap();
    assert_eq!(d.layout, Some(Layout::Snapshot));
    assert_eq!(collected.components.len(), 3);
    assert!(collected
        .components
        .iter()
        .any(|l| l.component.full_name == "../evil"));
    let app = collected
        .components
        .iter()
        .find(|l| l.component.full_name == "ns__App")
        .unwrap();
    assert_eq!(app.package.manageable_state.as_deref(), Some("installed"));
    // Writing again over an earlier snapshot is fine; over anything else it is not.
    write(&dir, &fetched).unwrap();
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "x").unwrap();
    let e = write(&other, &fetched).unwrap_err();
    assert!(
        e.to_string().contains("not an earlier pkce-audit snapshot"),
        "{e}"
    );
    assert!(matches!(
        write(&other.join("notes.txt"), &fetched),
        Err(WriteError::NotAFolder { .. })
    ));
}
