//! Live audits: every way to connect (issue 3), and the one-line errors when a
//! connection cannot work. Runs the real binary against the loopback fake org.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use std::path::Path;
use support::*;

/// The live report of the demo org must say what the folder audit says. The runs pass
/// `--no-usage`: these tests are about connecting, and usage evidence (which a folder
/// has not) would add to the findings.
fn assert_same_as_demo_folder(live: &Run) {
    assert_eq!(live.code, 1, "stderr: {}", live.stderr);
    let live = live.json();
    let folder = audit_folder(&fixture("demo-org")).json();
    assert_eq!(findings(&live), findings(&folder));
    assert_eq!(verdict(&live), "not-ready");
    assert_eq!(live["scope"]["kind"], "org");
}

/// A stub `sf` that logs its arguments and answers by the command it is given.
#[cfg(unix)]
fn stub_sf(dir: &Path, display: &str, show_token: &str) {
    let log = dir.join("calls.log");
    support::script(
        dir,
        "sf",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\ncase \"$*\" in\n  'org display '*) {display} ;;\n  'org auth show-access-token '*) {show_token} ;;\n  *) printf '%s' '{{\"status\":1,\"message\":\"unexpected\"}}'; exit 1 ;;\nesac\n",
            log.display()
        ),
    );
}

fn display_json(base_url: &str, token: &str) -> String {
    format!(
        "printf '%s' '{{\"status\":0,\"result\":{{\"id\":\"00DFAKE00000001\",\"apiVersion\":\"66.0\",\"accessToken\":\"{token}\",\"instanceUrl\":\"{base_url}\",\"username\":\"admin@acme.example.com\",\"clientId\":\"PlatformCLI\",\"connectedStatus\":\"Connected\"}},\"warnings\":[]}}'"
    )
}

const REDACTED: &str = "[REDACTED] Use sf org auth show-access-token to view";

#[cfg(unix)]
fn run_with_sf(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    pkce()
        .in_repo()
        .args(args)
        .env("PATH", dir)
        .envs(envs.iter().copied())
        .run()
}

#[cfg(unix)]
#[test]
fn sf_cli_with_show_access_token_and_redacted_display() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    stub_sf(
        tmp.path(),
        &display_json(&org.base_url, REDACTED),
        &format!("printf '%s' '{{\"status\":0,\"result\":{{\"accessToken\":\"{TOKEN}\"}}}}'"),
    );
    let r = run_with_sf(
        tmp.path(),
        &["audit", "--target-org", "demo", "--json", "--no-usage"],
        &[],
    );
    assert_same_as_demo_folder(&r);
    let log = std::fs::read_to_string(tmp.path().join("calls.log")).unwrap();
    assert!(
        log.contains("org display --target-org demo --json"),
        "{log}"
    );
    assert!(
        log.contains("org auth show-access-token --target-org demo"),
        "{log}"
    );

    // SF_TARGET_ORG is the default connection.
    let r = run_with_sf(
        tmp.path(),
        &["audit", "--json", "--no-usage"],
        &[("SF_TARGET_ORG", "demo")],
    );
    assert_same_as_demo_folder(&r);
}

#[cfg(unix)]
#[test]
fn sf_cli_without_show_access_token_falls_back_to_display() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    stub_sf(
        tmp.path(),
        &display_json(&org.base_url, TOKEN),
        "printf '%s\\n' ' ›   Warning: org auth show-access-token is not a sf command.' >&2; exit 127",
    );
    let r = run_with_sf(
        tmp.path(),
        &["audit", "--target-org", "demo", "--json", "--no-usage"],
        &[],
    );
    assert_same_as_demo_folder(&r);
}

#[cfg(unix)]
#[test]
fn sf_cli_errors_are_one_line_and_say_what_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let logged_out = "printf '%s' '{\"status\":1,\"name\":\"NamedOrgNotFoundError\",\"message\":\"No authorization information found for nope.\",\"exitCode\":1}'; exit 1";
    stub_sf(tmp.path(), logged_out, logged_out);
    let r = run_with_sf(tmp.path(), &["audit", "--target-org", "nope"], &[]);
    let line = r.stderr_line();
    assert!(line.contains("NamedOrgNotFoundError"), "{line}");
    assert!(
        line.contains("run `sf org login web --alias nope`"),
        "{line}"
    );

    // Redacted token and no show-access-token: nothing usable.
    stub_sf(
        tmp.path(),
        &display_json("https://acme.my.salesforce.com", REDACTED),
        "exit 127",
    );
    let line = run_with_sf(tmp.path(), &["audit", "--target-org", "old"], &[])
        .stderr_line()
        .to_string();
    assert!(
        line.contains("sf update") && line.contains("--alias old"),
        "{line}"
    );

    // sf itself fails (here: the crash report of sf 2.150 run by Node.js 20): its own
    // first error line, on our one line.
    let crash = "printf '%s\\n' '/x/node_modules/undici/lib/interceptor/decompress.js:78' '  zstd: createZstdDecompress.bind(null, {})' '             ^' '' \"TypeError: Cannot read properties of undefined (reading 'bind')\" '    at Object.<anonymous> (/x/decompress.js:78:30)' '' 'Node.js v20.20.2' >&2; exit 1";
    stub_sf(tmp.path(), crash, crash);
    let line = run_with_sf(tmp.path(), &["audit", "--target-org", "x"], &[])
        .stderr_line()
        .to_string();
    assert!(
        line.contains("`sf org display` failed for 'x': TypeError: Cannot read properties of undefined (reading 'bind') (Node.js v20.20.2)")
            && line.contains("Node.js 22"),
        "{line}"
    );

    // Not JSON at all.
    stub_sf(tmp.path(), "printf 'Error: something odd\\n'", "exit 1");
    let line = run_with_sf(
        tmp.path(),
        &[
            "fetch",
            "--target-org",
            "x",
            "--out",
            tmp.path().join("o").to_str().unwrap(),
        ],
        &[],
    )
    .stderr_line()
    .to_string();
    assert!(
        line.contains("`sf org display` failed for 'x': Error: something odd"),
        "{line}"
    );

    // No sf on PATH.
    let empty = tempfile::tempdir().unwrap();
    let line = run_with_sf(empty.path(), &["audit", "--target-org", "x"], &[])
        .stderr_line()
        .to_string();
    assert!(line.contains("`sf`) was not found on PATH"), "{line}");
}

#[test]
fn access_token_from_environment_file_and_stdin() {
    let org = FakeOrg::start(Config::default());
    assert_same_as_demo_folder(&audit_live(&org.base_url, &["--no-usage"]));

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let r = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--access-token-file",
            file.to_str().unwrap(),
            "--json",
            "--no-usage",
        ],
        &[],
    );
    assert_same_as_demo_folder(&r);

    assert_same_as_demo_folder(
        &pkce()
            .args([
                "audit",
                "--instance-url",
                &org.base_url,
                "--access-token-file",
                "-",
                "--json",
                "--no-usage",
            ])
            .stdin(format!("{TOKEN}\n"))
            .run(),
    );

    // Without a token, and a token on the command line is not an option.
    let line = run(&["audit", "--instance-url", &org.base_url], &[])
        .stderr_line()
        .to_string();
    assert!(line.contains("SF_ACCESS_TOKEN"), "{line}");
    let r = run(
        &[
            "audit",
            "--instance-url",
            &org.base_url,
            "--access-token",
            TOKEN,
        ],
        &[],
    );
    assert_eq!(r.code, 2);
}

#[test]
fn auth_url_exchanges_the_refresh_token() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let file = auth_url_file(tmp.path(), &org.base_url, REFRESH_TOKEN);
    let r = run(
        &["audit", "--auth-url-file", &file, "--json", "--no-usage"],
        &[],
    );
    assert_same_as_demo_folder(&r);
    assert_eq!(org.calls().get("token"), Some(&1));
    assert_eq!(r.json()["api"]["calls"]["token"], 1);
}

#[test]
fn auth_url_session_expiring_mid_run_is_renewed_once() {
    let org = FakeOrg::start(Config {
        expire_session_after: Some(7),
        ..Config::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let file = auth_url_file(tmp.path(), &org.base_url, REFRESH_TOKEN);
    let r = run(
        &[
            "audit",
            "--auth-url-file",
            &file,
            "--json",
            "--concurrency",
            "2",
            "--no-usage",
        ],
        &[],
    );
    assert_same_as_demo_folder(&r);
    let calls = org.calls();
    assert_eq!(calls.get("token"), Some(&2), "{calls:?}");
    assert!(
        calls.get("invalid_session").is_some_and(|&n| n >= 1),
        "{calls:?}"
    );

    // A session that keeps expiring is renewed once; after that, what could not be read
    // is named and the audit is incomplete (never ready, never a silent gap).
    let org = FakeOrg::start(Config {
        expire_session_after: Some(1),
        ..Config::default()
    });
    let file = auth_url_file(tmp.path(), &org.base_url, REFRESH_TOKEN);
    let r = run(
        &[
            "audit",
            "--auth-url-file",
            &file,
            "--concurrency",
            "1",
            "--json",
        ],
        &[],
    );
    // Which reads the session outlives depends on the order the calls go out in: when
    // every app with a blocker was read first the verdict is not-ready (a known blocker
    // outranks a gap), else incomplete. Never ready, and the gap is always named.
    assert!(matches!(r.code, 1 | 3), "exit {}: {}", r.code, r.stderr);
    let report = r.json();
    assert_ne!(report["verdict"], "ready");
    let text = report["incomplete"].to_string();
    assert!(
        text.contains("INVALID_SESSION_ID") && text.contains("log in again"),
        "{text}"
    );
    assert_eq!(org.calls().get("token"), Some(&2));
}

#[test]
fn auth_url_problems_are_one_line_errors_without_secrets() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let file = auth_url_file(tmp.path(), &org.base_url, "5AepWrongRefreshToken");
    let line = run(&["audit", "--auth-url-file", &file], &[])
        .stderr_line()
        .to_string();
    assert!(line.contains("invalid_grant"), "{line}");
    assert!(!line.contains("5AepWrongRefreshToken"), "{line}");

    let bad = tmp.path().join("bad.txt");
    std::fs::write(&bad, "force://PlatformCLI:S3cretValue\n").unwrap();
    let line = run(&["audit", "--auth-url-file", bad.to_str().unwrap()], &[])
        .stderr_line()
        .to_string();
    assert!(
        line.contains("not an SFDX auth URL") && !line.contains("S3cretValue"),
        "{line}"
    );

    // What current CLIs print in place of the URL (`sf org display --verbose --json`).
    let redacted = tmp.path().join("redacted.json");
    std::fs::write(
        &redacted,
        r#"{"status":0,"result":{"username":"admin@acme.example.com","sfdxAuthUrl":"[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view"}}"#,
    )
    .unwrap();
    let line = run(
        &["audit", "--auth-url-file", redacted.to_str().unwrap()],
        &[],
    )
    .stderr_line()
    .to_string();
    assert!(
        line.contains("the auth URL is redacted")
            && line.contains("`sf org auth show-sfdx-auth-url --json --target-org <alias>`"),
        "{line}"
    );

    let remote = tmp.path().join("remote.txt");
    std::fs::write(
        &remote,
        "force://PlatformCLI::tok@http://acme.example.com\n",
    )
    .unwrap();
    let line = run(&["audit", "--auth-url-file", remote.to_str().unwrap()], &[])
        .stderr_line()
        .to_string();
    assert!(line.contains("loopback"), "{line}");
}

#[test]
fn rejected_tokens_say_why_and_what_to_do() {
    let org = FakeOrg::start(Config::default());
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDVGQUtFIn0.ZmFrZS1zaWduYXR1cmU";
    let line = run(
        &["audit", "--instance-url", &org.base_url],
        &[("SF_ACCESS_TOKEN", jwt)],
    )
    .stderr_line()
    .to_string();
    assert!(
        line.contains("JWT-based access token") && line.contains("sf org login web"),
        "{line}"
    );
    assert!(!line.contains(jwt), "{line}");

    let stale = "00DFAKE0000000001!AQoAQStaleToken";
    let line = run(
        &["audit", "--instance-url", &org.base_url],
        &[("SF_ACCESS_TOKEN", stale)],
    )
    .stderr_line()
    .to_string();
    assert!(
        line.contains("expired or was revoked") && !line.contains("JWT"),
        "{line}"
    );
    assert!(!line.contains(stale), "{line}");
}

#[test]
fn one_input_only() {
    let r = run(&["audit"], &[]);
    let line = r.stderr_line();
    assert!(line.contains("nothing to audit"), "{line}");
    let r = run(
        &[
            "audit",
            "--source",
            "fixtures/demo-org",
            "--instance-url",
            "https://acme.my.salesforce.com",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    // --source wins over SF_TARGET_ORG, which is only a default.
    let r = run(
        &["audit", "--source", "fixtures/demo-org", "--json"],
        &[("SF_TARGET_ORG", "demo")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

/// `sf`'s JSON error message is quoted as one bounded excerpt, never whole: a 5000-character
/// message (as `RefreshTokenAuthError` can carry) gives one short line, in `audit` and in a
/// fleet's reason for the org.
#[cfg(unix)]
#[test]
fn a_long_sf_error_message_is_quoted_as_a_bounded_excerpt() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(5000);
    let failing = format!(
        "printf '%s' '{{\"status\":1,\"name\":\"RefreshTokenAuthError\",\"message\":\"Error authenticating with the refresh token due to: {long}\"}}'; exit 1"
    );
    stub_sf(tmp.path(), &failing, &failing);
    let r = run_with_sf(
        tmp.path(),
        &["audit", "--target-org", "demo", "--json", "--no-usage"],
        &[],
    );
    let line = r.stderr_line();
    assert!(line.contains("RefreshTokenAuthError"), "{line}");
    assert!(line.contains(" …"), "{line}");
    assert!(
        line.chars().count() < 600,
        "{} chars: {line}",
        line.chars().count()
    );
    std::fs::write(
        tmp.path().join("fleet.toml"),
        "[[org]]\nname = \"demo\"\ntarget_org = \"demo\"\n",
    )
    .unwrap();
    let r = pkce()
        .dir(tmp.path())
        .env("PATH", tmp.path())
        .args(["fleet", "--orgs", "fleet.toml", "--json"])
        .run();
    let reason = r.json()["orgs"][0].to_string();
    assert!(reason.contains("RefreshTokenAuthError"), "{reason}");
    assert!(reason.len() < 1200, "{} bytes: {reason}", reason.len());
}
