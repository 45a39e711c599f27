use super::*;
use pkce_audit_model::advice::Advice;
use std::path::Path;

#[test]
fn near_misses_differ_only_in_case() {
    assert_eq!(
        near_miss("X.ConnectedApp-meta.xml"),
        Some(MetadataType::ConnectedApp)
    );
    assert_eq!(
        near_miss("X.connectedapp"),
        Some(MetadataType::ConnectedApp)
    );
    assert_eq!(
        near_miss("oauthoidc.settings-meta.xml"),
        Some(MetadataType::OauthOidcSettings)
    );
    assert_eq!(near_miss("X.connectedApp-meta.xml"), None, "an exact name");
    assert_eq!(near_miss("Security.settings-meta.xml"), None);
    assert_eq!(near_miss("README.md"), None);
}

/// An SFDX project in a temporary folder: `sfdx-project.json` with `namespace`, a
/// `.forceignore` when asked, and one Connected App under force-app/main/default.
fn project(dir: &Path, namespace: &str, forceignore: bool) {
    let apps = dir.join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::write(
        dir.join("sfdx-project.json"),
        format!(
            r#"{{"packageDirectories": [{{"path": "force-app"}}], "namespace": "{namespace}"}}"#
        ),
    )
    .unwrap();
    if forceignore {
        std::fs::write(
            dir.join(".forceignore"),
            "**/Ignored.connectedApp-meta.xml\n",
        )
        .unwrap();
    }
    std::fs::write(
        apps.join("A.connectedApp-meta.xml"),
        r#"<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata"><label>A</label></ConnectedApp>"#,
    )
    .unwrap();
}

/// A copy of the project's Connected App in `dir`, a folder in no project.
fn app_outside(project: &Path, dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(
        project.join("force-app/main/default/connectedApps/A.connectedApp-meta.xml"),
        dir.join("A.connectedApp-meta.xml"),
    )
    .unwrap();
    dir.to_path_buf()
}

#[test]
fn a_folder_inside_a_project_names_the_project_and_what_was_not_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("proj");
    project(&proj, "acme", true);
    let root = proj.canonicalize().unwrap().display().to_string();
    for inside in ["force-app", "force-app/main/default"] {
        let d = discover(&proj.join(inside)).unwrap();
        let e = d.enclosing_project.expect(inside);
        assert_eq!(
            e,
            EnclosingProject {
                root: root.clone(),
                missed_forceignore: true,
                missed_namespace: Some("acme".into()),
            },
            "{inside}"
        );
        assert_eq!(
            e.to_string(),
            format!("the audited folder is inside the SFDX project {root}: its .forceignore and its namespace 'acme' (sfdx-project.json) were not applied; {}", Advice::AuditProjectRoot { root: root.clone() })
        );
        // A note, not a problem.
        assert!(d.problems.is_empty(), "{:?}", d.problems);
    }
    // The project root itself, and a folder in no project, have none.
    assert_eq!(discover(&proj).unwrap().enclosing_project, None);
    let alone = app_outside(&proj, &tmp.path().join("alone"));
    assert_eq!(discover(&alone).unwrap().enclosing_project, None);
}

#[test]
fn the_nearest_project_counts_and_says_only_what_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let outer = tmp.path().join("outer");
    project(&outer, "outerns", true);
    let inner = outer.join("inner");
    project(&inner, "", false);
    let e = discover(&inner.join("force-app"))
        .unwrap()
        .enclosing_project
        .unwrap();
    let root = inner.canonicalize().unwrap().display().to_string();
    assert_eq!(e.root, root);
    assert_eq!((e.missed_forceignore, &e.missed_namespace), (false, &None));
    assert!(
        e.to_string()
            .contains("(it has no .forceignore and no namespace to apply)"),
        "{e}"
    );

    let only_ns = EnclosingProject {
        root: "/p".into(),
        missed_forceignore: false,
        missed_namespace: Some("ns".into()),
    };
    assert_eq!(only_ns.to_string(), format!("the audited folder is inside the SFDX project /p: its namespace 'ns' (sfdx-project.json) was not applied; {}", Advice::AuditProjectRoot { root: "/p".into() }));
    let only_ignore = EnclosingProject {
        missed_forceignore: true,
        missed_namespace: None,
        ..only_ns
    };
    assert!(only_ignore
        .to_string()
        .contains(": its .forceignore was not applied;"));
}

/// The report carries it typed and as a note; `--org-namespace` stands in for the
/// project's namespace; the verdict does not change.
#[test]
fn the_audit_of_a_folder_inside_a_project_notes_it_and_keeps_its_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("proj");
    project(&proj, "acme", true);
    let folder = proj.join("force-app");
    let copy = app_outside(&proj, &tmp.path().join("copy"));
    let (_, inside) = crate::audit_folder(&folder, &Default::default()).unwrap();
    let (_, apart) = crate::audit_folder(&copy, &Default::default()).unwrap();
    let e = inside.scope.enclosing_project.clone().unwrap();
    assert!(inside.notes.contains(&e.to_string()), "{:?}", inside.notes);
    assert_eq!(inside.verdict, apart.verdict);
    assert_eq!(inside.incomplete, apart.incomplete);
    assert_eq!(apart.scope.enclosing_project, None);

    let opts = crate::AuditOptions {
        org_namespace: Some("acme".into()),
        ..Default::default()
    };
    let (_, r) = crate::audit_folder(&folder, &opts).unwrap();
    let e = r.scope.enclosing_project.unwrap();
    assert_eq!((e.missed_forceignore, e.missed_namespace), (true, None));
}
