//! Where the fleet's reports go and what they say of the exit status: `--output` and
//! `--out-dir` checked before any org is read, and the reported verdict the exit status.

use super::*;

/// One live org called `name`, served by a test org that counts the calls it gets.
fn one_org(name: &str) -> (Fleet, FakeOrg) {
    let server = serve(fixture("ready-org"));
    let mut f = Fleet::new();
    let mut toml = String::new();
    f.live(&mut toml, name, &server.base_url, TOKEN, "");
    f.write(&toml);
    (f, server)
}

fn calls(server: &FakeOrg) -> u64 {
    server.calls().values().sum()
}

#[test]
fn the_reported_verdict_is_the_exit_status() {
    let (f, _server) = one_org("initech");
    let r = f.run(&["--json"]);
    assert_eq!((r.code, r.json()["verdict"].clone()), (0, "ready".into()));
    // The ready org's one finding is at info: --fail-on info fails the fleet, and the
    // report says so.
    let r = f.run(&["--json", "--fail-on", "info"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "not-ready");
    assert_eq!(v["fail_on"], "info");
    assert_eq!(org(&v, "initech")["verdict"], "ready");
    assert_eq!(org(&v, "initech")["fail_on_matched"], true);
    assert!(
        v["verdict_reason"]
            .as_str()
            .unwrap()
            .contains("--fail-on info matched in 1 org(s)"),
        "{v}"
    );
    let table = f.run(&["--fail-on", "info"]);
    assert_eq!(table.code, 1);
    assert!(
        table.stdout.contains("Verdict: NOT READY"),
        "{}",
        table.stdout
    );
    // Nothing at high: ready, exit 0.
    let r = f.run(&["--json", "--fail-on", "high"]);
    assert_eq!((r.code, r.json()["verdict"].clone()), (0, "ready".into()));
}

#[test]
fn an_output_that_is_an_org_report_is_refused_before_any_org_is_read() {
    let (f, server) = one_org("fleet");
    for output in ["od/fleet.json", "./od/../od/FLEET.json"] {
        let r = f.run(&["--json", "--out-dir", "od", "--output", output]);
        assert_eq!(r.code, 2, "{output}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("is where --out-dir writes the report of org 'fleet'"),
            "{}",
            r.stderr
        );
        assert_eq!(calls(&server), 0, "{output}");
    }
    assert!(!f.path().join("od/fleet.json").exists());
    // Beside the reports under another name, it is written.
    let r = f.run(&["--json", "--out-dir", "od", "--output", "od/all.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.path().join("od/all.json").is_file());
    assert!(f.path().join("od/fleet.json").is_file());
}

#[test]
fn an_output_or_out_dir_that_cannot_be_written_stops_the_run_before_any_org() {
    let (f, server) = one_org("acme");
    std::fs::create_dir_all(f.path().join("a-folder")).unwrap();
    std::fs::write(f.path().join("a-file"), "x").unwrap();
    for (args, says) in [
        (
            &["--output", "missing/fleet.json"][..],
            "cannot write missing/fleet.json: the folder missing does not exist",
        ),
        (
            &["--output", "a-file/fleet.json"][..],
            "a-file: is not a folder",
        ),
        (&["--output", "a-folder"][..], "a-folder: is a folder"),
        (&["--out-dir", "a-file"][..], "a-file: is not a folder"),
    ] {
        let r = f.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert_eq!(calls(&server), 0, "{args:?}");
    }
}
