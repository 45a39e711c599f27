//! Secrets matrix (issue 6): every command and format, with verbose logging on, with a
//! recognisable access token, refresh token and consumer secret in play. None may appear
//! in any output, log or written file. (`live_support::run_with` checks stdout and stderr
//! of every run; files are checked here.)

use crate::fake_org;
use crate::live_support;

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
    &["--format", "html"],
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
        let r = check(&args, &token, dir.path());
        // The log is really on: one line per call, kind, status and time only.
        assert!(
            r.stderr
                .contains("pkce-audit: api listMetadata: HTTP 200 in "),
            "{}",
            r.stderr
        );
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

/// Credentials with characters every encoding spells differently (`!`, `+`, `/`, `=`,
/// `~`), as the org under test echoes them back.
const ECHO_TOKEN: &str = "00DECHO00000001!AQ+echo/Token=With.Special_Chars~x";
const ECHO_REFRESH: &str = "5AepECHO.Refresh/Token+With=Signs";
const ECHO_CLIENT_SECRET: &str = "ECHO-client+secret/value=1!";

fn echoing_org() -> FakeOrg {
    FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        org_id: "00DECHO00000001".into(),
        access_token: ECHO_TOKEN.into(),
        refresh_token: ECHO_REFRESH.into(),
        client_secret: ECHO_CLIENT_SECRET.into(),
        echo_credentials: true,
        ..Default::default()
    })
}

fn assert_no_echo(text: &str, what: &str) {
    for s in [ECHO_TOKEN, ECHO_REFRESH, ECHO_CLIENT_SECRET] {
        assert_no_secret_in_any_form(text, what, s);
    }
}

#[test]
fn credentials_echoed_by_the_server_in_any_spelling_never_show() {
    let org = echoing_org();
    let dir = tempfile::tempdir().unwrap();
    let token = [("SF_ACCESS_TOKEN", ECHO_TOKEN)];

    // Every readMetadata is a SOAP fault quoting the session id; three evidence queries
    // fail quoting it (a JSON error, an HTML page cut inside it at 200 characters, a text
    // cut short); the fourth with JSON escapes.
    let report_file = dir.path().join("report.json");
    let r = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--json",
            "--verbose",
            "--output",
            report_file.to_str().unwrap(),
        ],
        &token,
    );
    assert_eq!(r.code, 3, "{}\n{}", r.stderr, r.stdout);
    assert_no_echo(&r.stdout, "stdout");
    assert_no_echo(&r.stderr, "stderr");
    let report = std::fs::read_to_string(&report_file).unwrap();
    assert_no_echo(&report, "report file");
    // The echoes really came, in every form, and were cut out.
    assert!(
        report.contains("UNKNOWN_EXCEPTION") && report.contains("raw=***"),
        "{report}"
    );
    for form in [
        "b64_0=***",
        "b64url_0=***",
        "b64_1=e***",
        "b64url_2=eH***",
        "hex=***",
        "HEX=***",
        "upper=***",
    ] {
        assert!(report.contains(form), "{form}: {report}");
    }
    assert!(report.contains("INVALID_FIELD"), "{report}");
    assert!(report.contains("HTTP 404: <html>"), "{report}");
    assert!(report.contains("HTTP 403: denied: sid=***"), "{report}");
    assert!(
        r.stderr
            .contains("api readMetadata: failed: UNKNOWN_EXCEPTION"),
        "{}",
        r.stderr
    );

    // Every table and format, and a snapshot with its manifest.
    for format in FORMATS {
        let mut args = vec!["audit", "--instance-url", &org.base_url, "--verbose"];
        args.extend_from_slice(format);
        let r = check(&args, &token, dir.path());
        assert_no_echo(&r.stdout, &format!("{format:?} stdout"));
        assert_no_echo(&r.stderr, &format!("{format:?} stderr"));
    }
    let snap = dir.path().join("snap");
    let r = fetch_live(&org.base_url, &snap, &["--verbose"]);
    // fetch_live sends the fake org's default token: rejected, a one-line error.
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(
        &[
            "fetch",
            "--instance-url",
            &org.base_url,
            "--out",
            snap.to_str().unwrap(),
            "--verbose",
        ],
        &token,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_echo(&r.stdout, "fetch stdout");
    assert_no_echo(&r.stderr, "fetch stderr");
    assert!(r.stdout.contains("could not be read"), "{}", r.stdout);
    let r = run(
        &["doctor", "--instance-url", &org.base_url, "--verbose"],
        &token,
    );
    assert_no_echo(&r.stdout, "doctor stdout");
    assert_no_echo(&r.stderr, "doctor stderr");
    assert_no_secret_in_files(dir.path(), &[ECHO_TOKEN, ECHO_REFRESH, ECHO_CLIENT_SECRET]);
    assert_no_secret_in_any_form_in_files(
        dir.path(),
        &[ECHO_TOKEN, ECHO_REFRESH, ECHO_CLIENT_SECRET],
    );
}

#[test]
fn a_token_endpoint_echoing_the_refresh_token_is_named_by_its_error_code_only() {
    let org = echoing_org();
    let dir = tempfile::tempdir().unwrap();
    let host = org.base_url.strip_prefix("http://").unwrap();
    let auth = dir.path().join("auth-url.txt");
    std::fs::write(
        &auth,
        format!("force://PlatformCLI:{ECHO_CLIENT_SECRET}:{ECHO_REFRESH}@{host}\n"),
    )
    .unwrap();
    let r = run(
        &[
            "audit",
            "--auth-url-file",
            auth.to_str().unwrap(),
            "--json",
            "--verbose",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_no_echo(&r.stdout, "stdout");
    assert_no_echo(&r.stderr, "stderr");
    // The OAuth error code, and nothing of the body around it.
    assert!(
        r.stderr
            .contains("the org refused the refresh token of the auth URL (invalid_grant)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("refused grant_type"), "{}", r.stderr);
}

/// `fleet` of `inputs/fleet.toml`, run in `inputs`, in `format`, its files in `out`.
fn fleet_in(inputs: &Path, format: &str, out: &Path) -> Run {
    pkce()
        .dir(inputs)
        .args([
            "fleet",
            "--orgs",
            "fleet.toml",
            "--format",
            format,
            "--out-dir",
            out.to_str().unwrap(),
        ])
        .run()
}

/// Two orgs' tokens, with characters every encoding spells differently.
const FLEET_A: &str = "00DECHOA0000001!AQ+tokenA/Of=Org.A~xyz";
const FLEET_B: &str = "00DECHOB0000001!AQ+tokenB/Of=Org.B~uvw";

/// A fleet of two orgs whose servers each echo both orgs' tokens, in every form: org A in
/// its error answers and SOAP faults, org B in record fields (its name, app labels). Every
/// secret of the fleet is registered before any org is contacted, so no output of the run
/// shows either token in any form: any format, the `--out-dir` files, standard error.
#[test]
fn a_fleet_whose_servers_echo_every_orgs_token_shows_none() {
    let a = FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        org_id: "00DECHOA0000001".into(),
        access_token: FLEET_A.into(),
        echo_credentials: true,
        echo_also: vec![FLEET_B.into()],
        ..Default::default()
    });
    let b = FakeOrg::start(Config {
        org_dir: fixture("demo-org"),
        org_id: "00DECHOB0000001".into(),
        access_token: FLEET_B.into(),
        echo_in_records: true,
        echo_also: vec![FLEET_A.into()],
        ..Default::default()
    });
    // The credentials and the fleet file here; every output in `dir`, scanned at the end.
    let inputs = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(inputs.path().join("a.token"), format!("{FLEET_A}\n")).unwrap();
    std::fs::write(
        inputs.path().join("b.token"),
        format!("\u{feff}{FLEET_B}\r\n"),
    )
    .unwrap();
    std::fs::write(
        inputs.path().join("fleet.toml"),
        format!(
            "[[org]]\nname = \"a\"\ninstance_url = \"{}\"\naccess_token_file = \"a.token\"\n\n\
             [[org]]\nname = \"b\"\ninstance_url = \"{}\"\naccess_token_file = \"b.token\"\n",
            a.base_url, b.base_url
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    for format in ["table", "json", "markdown", "csv"] {
        let report = dir.path().join(format!("fleet.{format}"));
        let r = fleet_in(inputs.path(), format, &out);
        assert!(
            matches!(r.code, 1 | 3),
            "{format}: {}\n{}",
            r.stderr,
            r.stdout
        );
        for s in [FLEET_A, FLEET_B] {
            assert_no_secret_in_any_form(&r.stdout, &format!("{format} stdout"), s);
            assert_no_secret_in_any_form(&r.stderr, &format!("{format} stderr"), s);
        }
        std::fs::write(report, &r.stdout).unwrap();
    }
    // Both servers really echoed, and what they echoed was cut out: org A's faults and
    // errors, org B's app labels.
    let a_report = std::fs::read_to_string(out.join("a.json")).unwrap();
    assert!(
        a_report.contains("UNKNOWN_EXCEPTION")
            && a_report.contains("b64url_2=eH*** b64_3=QmVhcmVyI***"),
        "{a_report}"
    );
    let b_report = std::fs::read_to_string(out.join("b.json")).unwrap();
    assert!(
        b_report.contains("\"label\": \"Customer Portal raw=*** pct=*** lower=***"),
        "{b_report}"
    );
    assert_no_secret_in_any_form_in_files(dir.path(), &[FLEET_A, FLEET_B]);
}

/// A real session id's shape: after the first twelve characters of the part after the
/// `!`, the `_`, `.`, `~` and `-` that Markdown, CSV and URLs each treat their own way.
const MD_TOKEN: &str = "00DMDTOK0000001!AQoAQ_riGp58WA.mdX3~a5ID-nOdcdbWB2_dC4DS.DC6Lc1mx";

/// One org echoing its token in record fields (its name, every app's label), in every
/// form: audit in every format, its snapshot and the audit of that snapshot in every
/// format, and a fleet of that one org in every format with its `--out-dir` file. No
/// piece of the token shows anywhere. Markdown escapes `_` and `~` with a backslash: the
/// values are scrubbed before any format escapes them.
#[test]
fn every_format_of_one_org_echoing_its_token_in_records_shows_no_piece_of_it() {
    let org = FakeOrg::start(Config {
        org_dir: fixture("demo-org"),
        org_id: "00DMDTOK0000001".into(),
        access_token: MD_TOKEN.into(),
        echo_in_records: true,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let token = [("SF_ACCESS_TOKEN", MD_TOKEN)];
    let clean = |text: &str, what: &str| assert_no_secret_in_any_form(text, what, MD_TOKEN);
    for format in FORMATS {
        let mut args = vec!["audit", "--instance-url", &org.base_url];
        args.extend_from_slice(format);
        let r = check(&args, &token, dir.path());
        clean(&r.stdout, &format!("audit {format:?}"));
        clean(&r.stderr, &format!("audit {format:?} stderr"));
    }
    // The echoes through other line breaks and nested escapes came, and were cut out
    // whole.
    let r = run(
        &["audit", "--instance-url", &org.base_url, "--json"],
        &token,
    );
    clean(&r.stdout, "audit --json");
    for form in [
        "xmlbreak=*** xmlhexbreak=*** mdbreak=",
        "pctxml=*** pctxml2=*** pctjson=***",
    ] {
        assert!(r.stdout.contains(form), "{form}: {}", r.stdout);
    }
    let snap = dir.path().join("snap");
    let r = run(
        &[
            "fetch",
            "--instance-url",
            &org.base_url,
            "--out",
            snap.to_str().unwrap(),
        ],
        &token,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    clean(&r.stdout, "fetch");
    for format in FORMATS {
        let mut args = vec!["audit", "--source", snap.to_str().unwrap()];
        args.extend_from_slice(format);
        let r = check(&args, &[], dir.path());
        clean(&r.stdout, &format!("snapshot audit {format:?}"));
    }
    std::fs::write(inputs.path().join("t.token"), MD_TOKEN).unwrap();
    std::fs::write(
        inputs.path().join("fleet.toml"),
        format!(
            "[[org]]\nname = \"md\"\ninstance_url = \"{}\"\naccess_token_file = \"t.token\"\n",
            org.base_url
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    for format in ["table", "json", "markdown", "csv"] {
        let r = fleet_in(inputs.path(), format, &out);
        assert!(matches!(r.code, 0 | 1 | 3), "{format}: {}", r.stderr);
        clean(&r.stdout, &format!("fleet {format}"));
        clean(&r.stderr, &format!("fleet {format} stderr"));
    }
    let md = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--format",
            "markdown",
        ],
        &token,
    );
    // Scrubbed before Markdown escaped it: `***` is escaped as any other text.
    assert!(md.stdout.contains("raw=\\*\\*\\*"), "{}", md.stdout);
    assert_no_secret_in_any_form_in_files(dir.path(), &[MD_TOKEN]);
}

/// A hostile org's token endpoint hands out values that are no token (`NOT READY`, a JSON
/// key, a word such as `findings`): the exchange fails as malformed (it is neither a
/// session id nor a JWT) and nothing is registered, so the other org's verdict and the
/// fleet's JSON come through whole.
#[test]
fn a_token_endpoint_handing_out_a_non_token_cannot_censor_or_break_another_org() {
    use crate::hostile_server::{self as hostile, Mode};
    let good = demo_org();
    for handed_out in [
        "NOT READY",
        "\"verdict\":",
        "\"verdict\": \"ready\", {",
        "ready",
        // Well formed words: no session id, no JWT.
        "Customer_Portal",
        "not-ready",
        "findings",
    ] {
        let evil = hostile::start(Mode::HandsOutToken(handed_out));
        let inputs = tempfile::tempdir().unwrap();
        std::fs::write(inputs.path().join("good.token"), TOKEN).unwrap();
        let auth = auth_url_file(inputs.path(), &evil, "5AepEVIL0refresh9x8Qz");
        std::fs::write(
            inputs.path().join("fleet.toml"),
            format!(
                "[[org]]\nname = \"evil\"\nauth_url_file = \"{auth}\"\n\n\
                 [[org]]\nname = \"good\"\ninstance_url = \"{}\"\naccess_token_file = \"good.token\"\n",
                good.base_url
            ),
        )
        .unwrap();
        let r = pkce()
            .dir(inputs.path())
            .args(["fleet", "--orgs", "fleet.toml", "--format", "json"])
            .run();
        let doc: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{handed_out:?}: {e}\n{}\n{}", r.stdout, r.stderr));
        assert!(!r.stdout.contains("***"), "{handed_out:?}: {}", r.stdout);
        let text = doc.to_string();
        assert!(text.contains("malformed"), "{handed_out:?}: {text}");
        assert!(text.contains("\"findings\""), "{handed_out:?}: {text}");
        assert_eq!(
            doc["orgs"][1]["verdict"], "not-ready",
            "{handed_out:?}: {text}"
        );
    }
}

/// A repository that commits an Auth. Provider's consumer secret and copies it into an app's
/// label (or anywhere a report shows): the folder read strips the secret element and
/// registers its value, so no format shows it, and no other value is erased.
#[test]
fn a_folders_own_consumer_secret_copied_into_a_label_shows_in_no_format() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    copy_dir(&fixture("outside-org"), &org);
    let secret = "FAKEPROVIDERSECRET9xc3f4d7e139dd192c";
    let app = org.join("force-app/main/default/connectedApps/Boomi_Sync.connectedApp-meta.xml");
    let xml = std::fs::read_to_string(&app).unwrap();
    let labelled = xml.replacen("<label>", &format!("<label>Boomi {secret} "), 1);
    assert_ne!(xml, labelled, "the fixture's app has a label");
    std::fs::write(&app, labelled).unwrap();
    for format in FORMATS {
        let mut args = vec!["audit", "--source", org.to_str().unwrap()];
        args.extend_from_slice(format);
        let r = crate::harness::pkce().args(&args).run();
        assert!(r.code != 2, "{format:?}: {}", r.stderr);
        assert!(
            !r.all().contains(secret) && !r.all().contains("9xc3f4d7e139dd192c"),
            "{format:?} shows the folder's consumer secret"
        );
        // The label's other words survive: only the secret is erased.
        assert!(r.all().contains("Boomi"), "{format:?}");
    }
}
