//! What fix must never do: leave half a change, overwrite a file it does not own, print
//! a patch `git apply` cannot read, write settings a deploy skips, drop apps of an
//! earlier run from the step's manifest, or call a snapshot a missing project.

use super::*;
use std::process::{Command, Output};

const ERP: &str = "force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml";

fn manifest_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("manifest/pkce-step2-apps.xml")).unwrap()
}

#[test]
fn a_manifest_that_cannot_be_created_stops_the_run_before_any_file_changes() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    // A file where the manifest's folder goes (the same holds for a read-only root).
    std::fs::write(dir.join("manifest"), "not a folder").unwrap();
    let before = tree(&dir);
    let o = run(parent, &["--source", "demo", "--app", "ERP_Integration"]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(out(&o).contains("is not a folder"), "{}", out(&o));
    assert_eq!(tree(&dir), before, "no file touched");

    // The app already requires PKCE (an earlier run, its manifest lost): a rerun still
    // writes the step's manifest listing it.
    std::fs::remove_file(dir.join("manifest")).unwrap();
    assert_eq!(
        run(parent, &["--source", "demo", "--app", "ERP_Integration"]).code,
        0
    );
    std::fs::remove_dir_all(dir.join("manifest")).unwrap();
    let o = run(parent, &["--source", "demo", "--app", "ERP_Integration"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &out(&o),
        &[
            "already requires PKCE",
            "Manifest written: manifest/pkce-step2-apps.xml (1 component(s))",
        ],
    );
    assert!(manifest_of(&dir).contains("<members>ERP_Integration</members>"));
    // And a third run has nothing left to write.
    let o = run(parent, &["--source", "demo", "--app", "ERP_Integration"]);
    assert!(out(&o).contains("Nothing to change"), "{}", out(&o));
}

#[test]
fn the_manifest_never_replaces_a_project_file_or_a_folder() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    std::fs::write(parent.join("plain.xml"), "<?xml version=\"1.0\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><version>63.0</version></Package>\n").unwrap();
    let before = tree(&dir);
    for (path, why) in [
        (format!("demo/{ERP}"), "which this run edits"),
        (
            "demo/sfdx-project.json".to_string(),
            "not a deploy manifest pkce-audit wrote",
        ),
        ("demo/force-app".to_string(), "is a folder"),
        ("plain.xml".to_string(), "without pkce-audit's comment"),
    ] {
        let o = run(
            parent,
            &[
                "--source",
                "demo",
                "--app",
                "ERP_Integration",
                "--manifest",
                &path,
                "--json",
            ],
        );
        assert_eq!(o.code, 2, "{path}: {}", out(&o));
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["name"], "UsageError", "{v}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(why), "{path}: {v}");
        // A file that is not ours: the advice names the option that picks another.
        if path.ends_with(".json") || path == "plain.xml" {
            assert!(
                message.ends_with(
                    "fix does not overwrite it: name a new file with --manifest; nothing was written"
                ),
                "{path}: {v}"
            );
        }
        assert_eq!(tree(&dir), before, "{path}: no file touched");
    }
}

#[test]
fn a_second_step_2_run_adds_its_apps_to_the_manifest() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    assert_eq!(
        run(parent, &["--source", "demo", "--app", "ERP_Integration"]).code,
        0
    );
    let o = run(parent, &["--source", "demo", "--app", "Customer_Portal"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(&out(&o), &["(2 component(s), 1 kept from an earlier run and not deployed yet as far as fix knows: ConnectedApp ERP_Integration)"]);
    assert!(
        manifest_of(&dir).contains(
            "<members>Customer_Portal</members>\n        <members>ERP_Integration</members>\n"
        ),
        "{}",
        manifest_of(&dir)
    );
    // A manifest elsewhere starts a new list.
    let o = run(
        parent,
        &[
            "--source",
            "demo",
            "--app",
            "Headless_Login",
            "--manifest",
            "next.xml",
        ],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    let next = std::fs::read_to_string(parent.join("next.xml")).unwrap();
    assert!(
        next.contains("<members>Headless_Login</members>") && !next.contains("ERP_Integration"),
        "{next}"
    );
    // The step 3 manifest is not a step 2 list.
    let o = run(
        parent,
        &[
            "--source",
            "demo",
            "--org-setting",
            "--force",
            "--reason",
            "r",
            "--manifest",
            "next3.xml",
        ],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    let o = run(
        parent,
        &[
            "--source",
            "demo",
            "--app",
            "Customer_Portal",
            "--manifest",
            "next3.xml",
        ],
    );
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(out(&o).contains("it is the step 3 manifest"), "{}", out(&o));
}

/// A project whose Connected App is tab-indented with CRLF line endings.
fn tab_crlf_project(root: &Path) {
    let apps = sfdx_project(root);
    let app = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\r\n\t<contactEmail>ops@example.com</contactEmail>\r\n\t<label>Tabbed App with a label long enough to be wrapped at a narrow width</label>\r\n\t<oauthConfig>\r\n\t\t<callbackUrl>https://tabbed.example.com/oauth/callback/with/a/long/path</callbackUrl>\r\n\t\t<isAdminApproved>false</isAdminApproved>\r\n\t\t<scopes>Api</scopes>\r\n\t</oauthConfig>\r\n</ConnectedApp>\r\n";
    std::fs::write(apps.join("Tabbed.connectedApp-meta.xml"), app).unwrap();
}

fn git_apply(dir: &Path, patch: &str, check: bool) -> Output {
    let path = dir.join("../fix.patch");
    std::fs::write(&path, patch).unwrap();
    let mut cmd = Command::new("git");
    cmd.arg("apply");
    if check {
        cmd.arg("--check");
    }
    cmd.arg(&path).current_dir(dir).output().unwrap()
}

#[test]
fn the_dry_run_patch_is_exact_for_git_apply() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("notice: git not found; the git apply check was skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        std::fs::create_dir(d).unwrap();
        tab_crlf_project(d);
    }
    // Standard output is a pipe here, and narrow: the text is wrapped, the patch is not.
    let o = crate::harness::pkce()
        .args(["fix", "--source", ".", "--app", "Tabbed", "--dry-run"])
        .dir(&a)
        .env("COLUMNS", "30")
        .run();
    let text = o.stdout;
    assert_eq!(o.code, 0, "{text}");
    let patch = &text[text.find("--- a/").expect("a patch")..];
    assert!(
        patch.contains("\r\n+\t\t<isPkceRequired>true</isPkceRequired>\r\n"),
        "{patch:?}"
    );
    let check = git_apply(&a, patch, true);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The --json diff is the same patch.
    let o = run(
        &a,
        &["--source", ".", "--app", "Tabbed", "--dry-run", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["diff"].as_str().unwrap(), patch);
    // Applied, it gives the bytes fix writes.
    assert!(git_apply(&a, patch, false).status.success());
    assert_eq!(run(&b, &["--source", ".", "--app", "Tabbed"]).code, 0);
    assert_eq!(tree(&a), tree(&b));
}

#[test]
fn org_settings_excluded_by_forceignore_are_refused_naming_the_line() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    let ignore = dir.join(".forceignore");
    let mut text = std::fs::read_to_string(&ignore).unwrap();
    text.push_str("**/OauthOidc.settings-meta.xml\n");
    let line = text.lines().count();
    std::fs::write(&ignore, &text).unwrap();
    let before = tree(&dir);
    let args = [
        "--source",
        "demo",
        "--org-setting",
        "--force",
        "--reason",
        "r",
    ];
    let o = run(parent, &args);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert_has(
        &out(&o),
        &[
            &format!("is excluded by .forceignore (line {line}: **/OauthOidc.settings-meta.xml)"),
            "remove or narrow that line",
        ],
    );
    assert_eq!(tree(&dir), before);

    // No settings file yet, and its folder ignored: the file it would create is refused.
    let tmp = tempfile::tempdir().unwrap();
    sfdx_project(tmp.path());
    std::fs::write(
        tmp.path().join(".forceignore"),
        "# settings come from Setup\n**/settings/**\n",
    )
    .unwrap();
    let o = run(tmp.path(), &["--source", ".", "--org-setting"]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(
        out(&o).contains("would be excluded by .forceignore (line 2: **/settings/**)"),
        "{}",
        out(&o)
    );
    assert!(!tmp.path().join("force-app/main/default/settings").exists());
}

#[test]
fn a_snapshot_is_named_as_one() {
    let tmp = tempfile::tempdir().unwrap();
    sfdx_project(tmp.path());
    std::fs::write(
        tmp.path().join("pkce-audit-snapshot.json"),
        r#"{"format": 1, "tool_version": "0", "fetched_at": "2026-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let o = run(tmp.path(), &["--source", ".", "--app", "X"]);
    assert_eq!(o.code, 2, "{}", out(&o));
    assert!(
        out(&o).contains(
            "a pkce-audit snapshot (read-only evidence of an org, not a deployable project)"
        ),
        "{}",
        out(&o)
    );
}
