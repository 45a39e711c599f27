//! The other writers: `fetch`'s snapshot folder, `fleet --out-dir`, and `--output FILE`
//! of every command that has it.

use super::{narrowing_umask, state, Scene};
use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{fetch_live, fixture, pkce, run, Run, TOKEN};
use std::os::unix::fs::{symlink, FileTypeExt as _, PermissionsExt};
use std::path::Path;

/// A refusal: exit 2, one line on standard error naming `says`, `name` under --json.
fn assert_refused(r: &Run, says: &str) {
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(says), "{says:?} in {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn a_snapshot_folder_whose_force_app_links_outside_is_refused_before_any_call() {
    let org = FakeOrg::start(Config::default());
    let s = Scene::new();
    let snap = s.dir.join("snap");
    let r = fetch_live(&org.base_url, &snap, &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let calls = |o: &FakeOrg| o.calls().values().sum::<u64>();
    let spent = calls(&org);
    // The earlier snapshot's force-app swapped for a link to a folder that must survive.
    std::fs::write(s.outside.join("keep.xml"), "mine").unwrap();
    std::fs::remove_dir_all(snap.join("force-app")).unwrap();
    symlink(&s.outside, snap.join("force-app")).unwrap();
    let (before, outside) = (state(&snap), state(&s.outside));
    let r = fetch_live(&org.base_url, &snap, &["--json"]);
    assert_refused(&r, "snap/force-app: a symbolic link");
    assert_eq!(r.json()["name"], "WriteRefused");
    assert_eq!((state(&snap), state(&s.outside)), (before, outside));
    assert_eq!(calls(&org), spent, "refused before any API call");
    // A link deeper in it: the same, nothing removed.
    std::fs::remove_file(snap.join("force-app")).unwrap();
    std::fs::create_dir_all(snap.join("force-app/main")).unwrap();
    symlink(&s.outside, snap.join("force-app/main/default")).unwrap();
    let before = state(&snap);
    let r = fetch_live(&org.base_url, &snap, &[]);
    assert_refused(&r, "force-app/main/default: a symbolic link");
    assert_eq!((state(&snap), calls(&org)), (before, spent));
    // The manifest itself a link: not taken for an earlier snapshot, not read through.
    std::fs::remove_dir_all(snap.join("force-app")).unwrap();
    let manifest = snap.join("pkce-audit-snapshot.json");
    std::fs::rename(&manifest, s.outside.join("m.json")).unwrap();
    symlink(s.outside.join("m.json"), &manifest).unwrap();
    let before = (state(&snap), state(&s.outside));
    let r = fetch_live(&org.base_url, &snap, &[]);
    assert_refused(&r, "pkce-audit-snapshot.json: a symbolic link");
    assert_eq!((state(&snap), state(&s.outside)), before);
    assert_eq!(calls(&org), spent);
}

/// A fleet of two folder orgs in `dir`, run there.
fn fleet_in(dir: &Path) -> impl Fn(&[&str]) -> Run + '_ {
    std::fs::write(
        dir.join("fleet.toml"),
        format!(
            "[[org]]\nname = \"acme\"\nsource = \"{}\"\n\n[[org]]\nname = \"globex\"\nsource = \"{}\"\n",
            fixture("ready-org").display(),
            fixture("demo-org").display()
        ),
    )
    .unwrap();
    move |args: &[&str]| fleet_run(dir, args)
}

/// `fleet --orgs fleet.toml ARGS` run in `dir`.
fn fleet_run(dir: &Path, args: &[&str]) -> Run {
    pkce()
        .dir(dir)
        .env("PKCE_AUDIT_TODAY", "2026-11-21")
        .args(["fleet", "--orgs", "fleet.toml"])
        .args(args)
        .run()
}

#[test]
fn fleet_out_dir_with_a_link_at_a_report_name_is_refused_before_any_org_is_read() {
    let s = Scene::new();
    let reports = s.dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    symlink(s.outside.join(".bashrc"), reports.join("globex.json")).unwrap();
    let fleet = fleet_in(&s.dir);
    let before = (state(&reports), state(&s.outside));
    let r = fleet(&["--out-dir", "reports", "--json"]);
    assert_refused(&r, "reports/globex.json: a symbolic link");
    assert_eq!(r.json()["name"], "WriteRefused");
    assert_eq!((state(&reports), state(&s.outside)), before);
    // The out dir's own path is the user's: a link there is followed.
    std::fs::remove_file(reports.join("globex.json")).unwrap();
    symlink(&reports, s.dir.join("via")).unwrap();
    let r = fleet(&["--out-dir", "via", "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(reports.join("globex.json").is_file());
    assert_eq!(state(&s.outside), before.1);
}

#[test]
fn output_is_refused_as_a_folder_a_link_or_an_input_of_the_run() {
    let s = Scene::new();
    let dir = &s.dir;
    let fleet = fleet_in(dir);
    std::fs::write(dir.join("waivers.toml"), "").unwrap();
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
    symlink(s.outside.join(".bashrc"), dir.join("link.txt")).unwrap();
    let r = run(&["audit", "--source", "fixtures/demo-org", "--json"], &[]);
    std::fs::write(dir.join("old.json"), &r.stdout).unwrap();
    let demo = fixture("demo-org").display().to_string();
    let path = |n: &str| dir.join(n).display().to_string();
    let audit = |extra: &[&str]| {
        let mut a = vec!["audit", "--source", demo.as_str()];
        a.extend_from_slice(extra);
        run(&a, &[])
    };
    let before = (state(dir), state(&s.outside));
    for (r, says) in [
        (
            audit(&["--output", &path("outside")]),
            "outside: is a folder, not a file",
        ),
        (
            audit(&["--output", &path("link.txt")]),
            "link.txt: a symbolic link",
        ),
        (
            audit(&[
                "--waivers",
                &path("waivers.toml"),
                "--output",
                &path("waivers.toml"),
            ]),
            "waivers.toml: the waiver file, an input of this run",
        ),
        (
            fleet(&["--output", "fleet.toml"]),
            "fleet.toml: the fleet file, an input of this run",
        ),
        (
            run(
                &[
                    "diff",
                    &path("old.json"),
                    &path("old.json"),
                    "--output",
                    &path("old.json"),
                ],
                &[],
            ),
            "old.json: a report given to diff, an input of this run",
        ),
        (
            run(
                &[
                    "audit",
                    "--instance-url",
                    "http://127.0.0.1:9",
                    "--access-token-file",
                    &path("token"),
                    "--output",
                    &path("token"),
                ],
                &[],
            ),
            "token: the access token file, an input of this run",
        ),
    ] {
        assert_refused(&r, says);
        assert_eq!((state(dir), state(&s.outside)), before, "{says}");
    }
    // The same file by another name is the same input.
    std::fs::hard_link(dir.join("fleet.toml"), dir.join("other-name.toml")).unwrap();
    let r = fleet(&["--output", "other-name.toml"]);
    assert_refused(&r, "the fleet file, an input of this run");
}

/// `audit --source SOURCE --json --output OUTPUT`.
fn audit_json(source: &str, output: &str) -> Run {
    run(
        &["audit", "--source", source, "--json", "--output", output],
        &[],
    )
}

/// [`audit_json`] of the demo org.
fn demo_json(output: &str) -> Run {
    audit_json(&fixture("demo-org").display().to_string(), output)
}

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

#[test]
fn output_replaces_a_file_keeping_its_mode_and_writes_devices_and_fifos_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let audit_json_to = demo_json;
    let report = tmp.path().join("report.json");
    std::fs::write(&report, "an older report that is longer than nothing").unwrap();
    // Group may write: a bit a 0o022 umask would take from a new file.
    narrowing_umask();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o664)).unwrap();
    let r = audit_json_to(report.to_str().unwrap());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
    let meta = std::fs::metadata(&report).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o664);
    // /dev/stdout is standard output itself.
    let r = audit_json_to("/dev/stdout");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["schema_version"], 1);
    // A FIFO (what `>(…)` gives) is written in place, not replaced.
    let fifo = tmp.path().join("fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let r = audit_json_to(fifo.to_str().unwrap());
    assert_eq!(r.code, 1, "{}", r.stderr);
    let got: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(got["schema_version"], 1);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    // A read-only file is refused, not replaced.
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&report).unwrap();
    let r = audit_json_to(report.to_str().unwrap());
    assert_refused(&r, "report.json: read-only");
    assert_eq!(std::fs::read(&report).unwrap(), before);
}

#[test]
fn output_never_replaces_a_file_the_audit_of_the_source_folder_reads() {
    let s = Scene::new();
    let project = s.project.display().to_string();
    let audit_to = |output: &str| audit_json(&project, output);
    // A snapshot's manifest is read too: a copy of the project with one.
    std::fs::write(
        s.project.join("pkce-audit-snapshot.json"),
        r#"{"format": 1, "tool_version": "0", "fetched_at": "2026-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::write(s.dir.join("old.json"), "{}").unwrap();
    let before = (state(&s.project), state(&s.outside));
    for rel in [
        "sfdx-project.json",
        ".forceignore",
        "pkce-audit-snapshot.json",
        "force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
        "force-app/main/default/settings/OauthOidc.settings-meta.xml",
        // Not there yet, but a file the next audit would read.
        "force-app/main/default/connectedApps/New.connectedApp-meta.xml",
    ] {
        let r = audit_to(&s.project.join(rel).display().to_string());
        assert_refused(
            &r,
            &format!(
                "{rel}: a file of the --source folder that the audit reads, an input of this run"
            ),
        );
        assert_eq!((state(&s.project), state(&s.outside)), before, "{rel}");
    }
    // Through a path that leaves and re-enters the folder: the same file.
    let r = audit_to(
        &s.dir
            .join("demo/force-app/../sfdx-project.json")
            .display()
            .to_string(),
    );
    assert_refused(&r, "a file of the --source folder that the audit reads");
    // A report inside the project is the user's own file: written.
    std::fs::remove_file(s.project.join("pkce-audit-snapshot.json")).unwrap();
    let r = audit_to(&s.project.join("report.json").display().to_string());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(s.project.join("report.json").is_file());

    // fleet: the folders of its `source =` orgs are inputs too.
    std::fs::write(
        s.dir.join("fleet.toml"),
        format!("[[org]]\nname = \"demo\"\nsource = \"{project}\"\n"),
    )
    .unwrap();
    let before = state(&s.project);
    let r = run(
        &[
            "fleet",
            "--orgs",
            &s.dir.join("fleet.toml").display().to_string(),
            "--output",
            &s.project.join("sfdx-project.json").display().to_string(),
        ],
        &[],
    );
    assert_refused(
        &r,
        "sfdx-project.json: a file of a source folder of the fleet that the audit reads",
    );
    assert_eq!(state(&s.project), before);
}

#[test]
fn fleet_out_dir_never_replaces_an_input_of_the_run() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The token of org `prod` in prod.json: `--out-dir .` would write prod's report there.
    std::fs::write(dir.join("prod.json"), format!("{TOKEN}\n")).unwrap();
    std::fs::write(
        dir.join("fleet.toml"),
        format!(
            "[[org]]\nname = \"prod\"\ninstance_url = \"{}\"\naccess_token_file = \"prod.json\"\n",
            org.base_url
        ),
    )
    .unwrap();
    let fleet = |args: &[&str]| fleet_run(dir, args);
    // Refused naming `says`, the folder as it was.
    let refused = |args: &[&str], says: &str| {
        let before = state(dir);
        let r = fleet(args);
        assert_refused(&r, says);
        assert_eq!(state(dir), before, "{says}");
        r
    };
    let r = refused(
        &["--out-dir", ".", "--json"],
        "prod.json: the access token file, an input of this run; the output would replace it",
    );
    assert_eq!(r.json()["name"], "WriteRefused");
    assert_eq!(
        org.calls().values().sum::<u64>(),
        0,
        "refused before any org is read"
    );
    // The fleet file and a waiver file by their report names.
    std::fs::write(
        dir.join("fleet.toml"),
        "[[org]]\nname = \"fleet\"\nsource = \"src\"\nwaivers = \"w.json\"\n\n[[org]]\nname = \"w\"\nsource = \"src\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("w.json"), "").unwrap();
    std::fs::hard_link(dir.join("fleet.toml"), dir.join("fleet.json")).unwrap();
    refused(
        &["--out-dir", "."],
        "fleet.json: the fleet file, an input of this run",
    );
    std::fs::remove_file(dir.join("fleet.json")).unwrap();
    refused(
        &["--out-dir", "."],
        "w.json: a waiver file of the fleet, an input of this run",
    );
    // A source folder as the out dir: a report named like a file its audit reads.
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("fleet.toml"),
        "[[org]]\nname = \"sfdx-project\"\nsource = \"project\"\n",
    )
    .unwrap();
    refused(
        &["--out-dir", "project"],
        "sfdx-project.json: a file of a source folder of the fleet that the audit reads",
    );
}

#[test]
fn output_follows_no_link_but_the_processs_own_descriptors() {
    let tmp = tempfile::tempdir().unwrap();
    let audit_to = demo_json;
    // A link to a device or a FIFO in a folder is not the user's own output.
    let full = tmp.path().join("report.json");
    symlink("/dev/full", &full).unwrap();
    let r = audit_to(full.to_str().unwrap());
    assert_refused(&r, "report.json: a symbolic link");
    let fifo = tmp.path().join("fifo");
    mkfifo(&fifo);
    let via = tmp.path().join("via.json");
    symlink(&fifo, &via).unwrap();
    let r = audit_to(via.to_str().unwrap());
    assert_refused(&r, "via.json: a symbolic link");
    // The process's own descriptors are what `>(…)` and shells hand over: written.
    for own in ["/dev/stderr", "/proc/self/fd/2", "/dev/fd/2"] {
        let r = audit_to(own);
        assert_eq!(r.code, 1, "{own}: {}", r.stderr);
        assert!(r.stderr.contains("\"schema_version\": 1"), "{own}");
    }
}
