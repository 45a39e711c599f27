//! The JSON error document names the cause by a stable `code` and its family by `name`
//! (docs/output.md, "Error codes"): one representative failure of each family, run through
//! the real binary. Nothing here needs a live org: each fails before or at its first call.

use crate::live_support::{self as support, fixture, Run, TOKEN};
use std::path::Path;

/// The failure's `name` and `code`, after checking exit 2 and that the document's message
/// is the one line on standard error.
fn coded(r: &Run) -> (String, String) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let doc = r.json();
    let line = r.stderr_line();
    assert_eq!(
        line.strip_prefix("pkce-audit: error: "),
        doc["message"].as_str(),
        "{doc}"
    );
    (
        doc["name"].as_str().unwrap().to_string(),
        doc["code"].as_str().unwrap().to_string(),
    )
}

fn assert_coded(args: &[&str], envs: &[(&str, &str)], name: &str, code: &str) {
    let r = support::run(args, envs);
    assert_eq!(coded(&r), (name.to_string(), code.to_string()), "{args:?}");
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A loopback address nothing listens on: a port bound, then freed.
fn nobody() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
}

#[test]
fn usage_mistakes_are_coded_by_what_was_wrong() {
    let demo = fixture("demo-org");
    assert_coded(
        &["audit", "--bogus", "--json"],
        &[],
        "UsageError",
        "E-USAGE-COMMAND-LINE",
    );
    assert_coded(
        &[
            "audit",
            "--source",
            s(&demo),
            "--concurrency",
            "2",
            "--json",
        ],
        &[],
        "UsageError",
        "E-USAGE-NOT-APPLICABLE",
    );
    assert_coded(&["audit", "--json"], &[], "UsageError", "E-USAGE-REQUEST");
}

#[test]
fn folders_that_cannot_be_audited_are_source_errors() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "no metadata").unwrap();
    assert_coded(
        &["audit", "--source", s(tmp.path()), "--json"],
        &[],
        "NothingToAudit",
        "E-SOURCE-NOTHING-TO-AUDIT",
    );
    let missing = tmp.path().join("missing");
    assert_coded(
        &["audit", "--source", s(&missing), "--json"],
        &[],
        "SourceError",
        "E-SOURCE-UNREADABLE",
    );
}

/// The library says what to check; the binary names the option that gave it.
#[test]
fn an_org_that_does_not_answer_is_an_org_error() {
    let r = support::run(
        &["audit", "--instance-url", &nobody(), "--json"],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(coded(&r), ("OrgError".into(), "E-ORG-UNREACHABLE".into()));
    assert!(
        r.stderr
            .trim_end()
            .ends_with("; check the network and --instance-url"),
        "{}",
        r.stderr
    );
}

/// The unknown rule gets the binary's advice and keeps its family (it was `Error` before
/// the codes).
#[test]
fn waiver_and_report_files_are_coded_by_their_file() {
    let tmp = tempfile::tempdir().unwrap();
    let waivers = tmp.path().join("w.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\nrule = \"NOPE\"\napp = \"*\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    let demo = fixture("demo-org");
    let r = support::run(
        &[
            "audit",
            "--source",
            s(&demo),
            "--waivers",
            s(&waivers),
            "--json",
        ],
        &[],
    );
    assert_eq!(
        coded(&r),
        ("WaiverError".into(), "E-WAIVER-UNKNOWN-RULE".into())
    );
    assert!(
        r.stderr
            .contains("unknown rule 'NOPE'; `pkce-audit rules` lists them"),
        "{}",
        r.stderr
    );
    let (a, b) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    assert_coded(
        &["diff", s(&a), s(&b), "--json"],
        &[],
        "ReportError",
        "E-REPORT-UNREADABLE",
    );
    assert_coded(
        &[
            "fleet",
            "--orgs",
            s(&tmp.path().join("fleet.toml")),
            "--json",
        ],
        &[],
        "FleetFileError",
        "E-FLEET-UNREADABLE",
    );
}

#[test]
fn a_folder_that_is_not_a_snapshot_is_refused_as_a_snapshot_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mine.txt"), "keep").unwrap();
    assert_coded(
        &[
            "fetch",
            "--instance-url",
            &nobody(),
            "--out",
            s(tmp.path()),
            "--json",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
        "SnapshotError",
        "E-SNAPSHOT-NOT-A-SNAPSHOT",
    );
}

/// A folder `fix` cannot edit is a source error (it was `Error` before the codes).
#[test]
fn fix_refusing_an_app_it_cannot_find_is_fix_refused() {
    // Metadata, but neither sfdx-project.json nor package.xml.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("App.connectedApp-meta.xml"),
        "<ConnectedApp/>",
    )
    .unwrap();
    assert_coded(
        &["fix", "--source", s(tmp.path()), "--app", "App", "--json"],
        &[],
        "SourceError",
        "E-FIX-NOT-A-PROJECT",
    );
    let demo = fixture("demo-org");
    assert_coded(
        &[
            "fix",
            "--source",
            s(&demo),
            "--app",
            "No_Such_App",
            "--dry-run",
            "--json",
        ],
        &[],
        "FixRefused",
        "E-FIX-REFUSED",
    );
}

#[cfg(unix)]
#[test]
fn writes_refused_by_the_rules_are_told_apart_from_writes_that_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = fixture("demo-org");
    let file = tmp.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let link = tmp.path().join("link.json");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let audit = |output: &Path| {
        support::run(
            &[
                "audit",
                "--source",
                s(&demo),
                "--json",
                "--output",
                s(output),
            ],
            &[],
        )
    };
    assert_eq!(
        coded(&audit(&link)),
        ("WriteRefused".into(), "E-WRITE-LINK".into())
    );
    // `/proc` takes no new file, not even from root: the write is tried, and fails.
    if cfg!(target_os = "linux") {
        assert_eq!(
            coded(&audit(Path::new("/proc/pkce-audit-report.json"))),
            ("IoError".into(), "E-IO-WRITE".into())
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}
