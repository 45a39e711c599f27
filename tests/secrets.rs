//! Secrets matrix (issue 6): every command and format, with verbose logging on, with a
//! recognisable access token, refresh token and consumer secret in play. None may appear
//! in any output, log or written file. (`live_support::run_with` checks stdout and stderr
//! of every run; files are checked here.)

#[path = "fake_org/mod.rs"]
mod fake_org;
#[path = "live_support/mod.rs"]
mod live_support;

use fake_org::{Config, FakeOrg};
use live_support::*;
use std::path::Path;

const FORMATS: &[&[&str]] = &[
    &["--format", "table"],
    &["--format", "csv"],
    &["--format", "csv", "--csv-rows", "apps"],
    &["--format", "json"],
    &["--format", "markdown"],
    &["--format", "sarif"],
];

fn demo_org() -> FakeOrg {
    FakeOrg::start(Config {
        org_dir: fixture("demo-org"),
        ..Default::default()
    })
}

/// Runs `args` with the token in the environment and checks a written report file too.
fn check(args: &[&str], envs: &[(&str, &str)], dir: &Path) -> Run {
    let out = dir.join(format!("out-{}.txt", fastrand::u64(..)));
    let mut full: Vec<&str> = args.to_vec();
    let out_s = out.to_str().unwrap().to_string();
    if args.first() == Some(&"audit") || args.first() == Some(&"diff") {
        full.extend(["--output", &out_s]);
    }
    let r = run(&full, envs);
    assert!(r.code != 2, "{args:?}: {}", r.stderr);
    if out.exists() {
        let text = std::fs::read_to_string(&out).unwrap();
        assert_no_secrets(&text, &format!("{args:?} output file"));
        assert!(!text.contains("consumerSecret>"));
    }
    r
}

#[test]
fn no_command_or_format_shows_a_credential() {
    let org = demo_org();
    // Outputs here (scanned at the end); the credentials we feed in live elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let token = [("SF_ACCESS_TOKEN", TOKEN)];
    let verbose: &[&str] = &["--verbose"];

    // audit, live, every format, verbose logging on.
    for format in FORMATS {
        let mut args = vec!["audit", "--instance-url", &org.base_url];
        args.extend_from_slice(format);
        args.extend_from_slice(verbose);
        check(&args, &token, dir.path());
    }

    // The other two ways in: an auth URL (its own org: a refresh replaces that org's token)
    // and a token file.
    let refreshing = demo_org();
    let auth = auth_url_file(inputs.path(), &refreshing.base_url, REFRESH_TOKEN);
    let r = check(
        &["audit", "--auth-url-file", &auth, "--json", "--verbose"],
        &[],
        dir.path(),
    );
    assert!(matches!(r.code, 1 | 3), "{}", r.stderr);
    let token_file = inputs.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    check(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--access-token-file",
            token_file.to_str().unwrap(),
            "--json",
            "--verbose",
        ],
        &[],
        dir.path(),
    );

    // fetch: every file of the snapshot.
    let snap = dir.path().join("snap");
    let r = fetch_live(&org.base_url, &snap, &["--verbose"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_secrets_in_files(&snap);

    // audit of the snapshot, every format.
    for format in FORMATS {
        let mut args = vec!["audit", "--source", snap.to_str().unwrap()];
        args.extend_from_slice(format);
        check(&args, &[], dir.path());
    }

    // diff of two reports, every diff format.
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--json",
            "--output",
            old.to_str().unwrap(),
        ],
        &token,
    );
    run(
        &[
            "audit",
            "--source",
            snap.to_str().unwrap(),
            "--json",
            "--output",
            new.to_str().unwrap(),
        ],
        &[],
    );
    for format in ["table", "json", "markdown"] {
        check(
            &[
                "diff",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--format",
                format,
            ],
            &[],
            dir.path(),
        );
    }

    // doctor, both formats.
    for extra in [&[][..], &["--json"][..]] {
        let mut args = vec!["doctor", "--instance-url", &org.base_url, "--verbose"];
        args.extend_from_slice(extra);
        check(&args, &token, dir.path());
    }

    // Every file written during the matrix, reports included.
    assert_no_secrets_in_files(dir.path());
}

#[test]
fn errors_never_echo_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    // A rejected token: the org answers INVALID_SESSION_ID; the message must not echo it.
    let org = FakeOrg::start(Config {
        access_token: "00DOTHER!SomeOtherTokenValue".into(),
        org_dir: fixture("demo-org"),
        ..Default::default()
    });
    let r = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--json",
            "--verbose",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    // A refused refresh token.
    let org2 = FakeOrg::start(Config {
        refresh_token: "5AepOTHER".into(),
        org_dir: fixture("demo-org"),
        ..Default::default()
    });
    let auth = auth_url_file(dir.path(), &org2.base_url, REFRESH_TOKEN);
    let r = run(
        &["audit", "--auth-url-file", &auth, "--json", "--verbose"],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    // A malformed auth URL file holding a secret-looking value.
    std::fs::write(&auth, format!("not-a-url {REFRESH_TOKEN}")).unwrap();
    let r = run(&["audit", "--auth-url-file", &auth, "--json"], &[]);
    assert_eq!(r.code, 2);
}
