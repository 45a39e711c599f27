//! Every fatal error is one line that states its cause once and names the file or host
//! (issue 13): missing files, an unwritable snapshot folder, broken TOML, and the first
//! calls to an org that cannot be reached (DNS, refused, TLS) told apart from an org that
//! answers with an OAuth refusal. Runs the real binary; the org is the loopback test org.

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{self as support, auth_url_file, Run, TOKEN};
use std::path::Path;

/// The one line of a fatal error ([`Run::stderr_line`]).
fn one_line_error(r: Run) -> String {
    r.stderr_line().to_string()
}

/// `needle` appears exactly once in `line`, case-insensitively.
fn once(line: &str, needle: &str) {
    let n = line.to_lowercase().matches(&needle.to_lowercase()).count();
    assert_eq!(n, 1, "{needle:?} appears {n} times in: {line}");
}

fn run(args: &[&str]) -> Run {
    support::run(args, &[])
}

/// A loopback port nothing listens on: bound, then freed.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

const NOT_FOUND: &str = "No such file or directory";

#[test]
fn missing_input_files_say_so_once_and_name_the_file() {
    let line = one_line_error(run(&["audit", "--source", "/nonexistent-pkce-audit"]));
    once(&line, NOT_FOUND);
    once(&line, "/nonexistent-pkce-audit");
    assert!(!line.contains("os error"), "{line}");

    let line = one_line_error(run(&[
        "audit",
        "--source",
        "fixtures/ready-org",
        "--waivers",
        "/nonexistent-waivers.toml",
    ]));
    once(&line, "does not exist");
    once(&line, "/nonexistent-waivers.toml");

    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("a.json");
    let also = tmp.path().join("b.json");
    let line = one_line_error(run(&[
        "diff",
        missing.to_str().unwrap(),
        also.to_str().unwrap(),
    ]));
    // Reports are read as every input is, as the waiver file above.
    once(&line, "does not exist");
    once(&line, "a.json");

    let line = one_line_error(support::run(
        &[
            "audit",
            "--instance-url",
            "https://acme.my.salesforce.com",
            "--access-token-file",
            "/nonexistent-token",
        ],
        &[],
    ));
    once(&line, NOT_FOUND);
    once(&line, "access token file /nonexistent-token");

    let line = one_line_error(run(&["audit", "--auth-url-file", "/nonexistent-auth-url"]));
    once(&line, NOT_FOUND);
    once(&line, "auth URL file /nonexistent-auth-url");
}

#[test]
fn an_unwritable_snapshot_folder_says_why_once() {
    // Refused before any call: the folder's parent is a file.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, "").unwrap();
    let out = file.join("snapshot");
    let line = one_line_error(support::fetch_live(
        &format!("http://127.0.0.1:{}", free_port()),
        &out,
        &[],
    ));
    once(&line, "Not a directory");
    once(&line, out.to_str().unwrap());
}

/// `/proc` takes no new folder, not even from root: the fetch runs, then the write fails.
#[cfg(target_os = "linux")]
#[test]
fn a_snapshot_folder_that_cannot_be_created_fails_after_the_fetch_naming_it() {
    let org = FakeOrg::start(Config::default());
    let out = Path::new("/proc/pkce-audit-snapshot");
    let line = one_line_error(support::fetch_live(&org.base_url, out, &["--no-usage"]));
    once(&line, "cannot write /proc/pkce-audit-snapshot");
    // ENOENT under /proc on Linux; the words are the OS's, said once.
    once(&line, NOT_FOUND);
    assert!(!line.contains("os error"), "{line}");
}

/// A file of a source folder that cannot be read is a named problem (exit 3), not a
/// fatal error; its cause is said once too. A link to itself cannot be read by anyone
/// (root included); a file without permissions only by a user who is not root.
#[cfg(unix)]
#[test]
fn an_unreadable_file_in_a_source_folder_is_a_problem_naming_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = tmp.path().join("connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    let looped = apps.join("Loop.connectedApp-meta.xml");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let mut causes = vec![(
        "Loop.connectedApp-meta.xml",
        "Too many levels of symbolic links",
    )];
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let locked = apps.join("Locked.connectedApp-meta.xml");
        std::fs::write(&locked, "<ConnectedApp/>").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        causes.push(("Locked.connectedApp-meta.xml", "Permission denied"));
    }
    let r = support::audit_folder(tmp.path());
    assert_eq!(r.code, 3, "{}", r.stderr);
    let incomplete = support::incomplete(&r.json());
    for (file, cause) in causes {
        let p = incomplete
            .iter()
            .find(|p| p["file"].as_str().is_some_and(|f| f.ends_with(file)))
            .unwrap_or_else(|| panic!("{file}: {incomplete:?}"));
        let text = p.to_string();
        once(&text, cause);
        assert!(!text.contains("os error"), "{text}");
    }
}

#[test]
fn broken_waiver_toml_is_one_line_with_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().join("w.toml");
    let audit_with = |toml: &str| {
        std::fs::write(&w, toml).unwrap();
        one_line_error(run(&[
            "audit",
            "--source",
            "fixtures/ready-org",
            "--waivers",
            w.to_str().unwrap(),
        ]))
    };
    let line = audit_with("# waivers\n[[waiver]\nrule = \"x\"\n");
    once(
        &line,
        &format!("{}:2:9: invalid table header; expected", w.display()),
    );
    assert!(!line.contains('^'), "{line}");

    let line = audit_with("[[waiver]]\nrule = \"app-pkce-not-required\"\napp = 3\n");
    once(&line, &format!("{}:3:7: invalid type", w.display()));
}

/// The refresh-token exchange is the first call of an auth URL: a host that does not
/// resolve or does not listen is said so, naming it, never "the org refused".
#[test]
fn an_unreachable_token_endpoint_is_not_a_refused_refresh_token() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, instance: &str| {
        let p = tmp.path().join(name);
        std::fs::write(
            &p,
            format!("force://PlatformCLI::5AepUnusedRefresh@{instance}\n"),
        )
        .unwrap();
        p.to_str().unwrap().to_string()
    };
    // RFC 2606: .invalid never resolves.
    let dns = write("dns.txt", "https://pkce-audit-test.invalid");
    let line = one_line_error(run(&["audit", "--auth-url-file", &dns]));
    once(&line, "DNS lookup of pkce-audit-test.invalid failed");
    once(&line, "dns.txt");
    assert!(!line.contains("refused"), "{line}");

    let port = free_port();
    let refused = write("no-listener.txt", &format!("http://127.0.0.1:{port}"));
    let line = one_line_error(run(&["audit", "--auth-url-file", &refused]));
    once(&line, &format!("127.0.0.1:{port} refused the connection"));
    once(&line, "refused");
    assert!(!line.contains("refresh token of the auth URL ("), "{line}");
}

/// An org that answers with an OAuth refusal: its error code, quoted once; never the token.
#[test]
fn a_refused_refresh_token_quotes_the_oauth_error_code() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let file = auth_url_file(tmp.path(), &org.base_url, "5AepWrongRefreshToken");
    let line = one_line_error(run(&["audit", "--auth-url-file", &file]));
    once(
        &line,
        "the org refused the refresh token of the auth URL (invalid_grant)",
    );
    once(&line, "invalid_grant");
    assert!(!line.contains("5AepWrong"), "{line}");
}

/// With an access token the first call is the versions list; the same care there.
#[test]
fn an_unreachable_instance_is_named_with_the_failure() {
    let token = [("SF_ACCESS_TOKEN", TOKEN)];
    let line = one_line_error(support::run(
        &["audit", "--instance-url", "https://pkce-audit-test.invalid"],
        &token,
    ));
    once(&line, "DNS lookup of pkce-audit-test.invalid failed");
    once(&line, "--instance-url");

    let port = free_port();
    let line = one_line_error(support::run(
        &[
            "doctor",
            "--instance-url",
            &format!("http://127.0.0.1:{port}"),
        ],
        &token,
    ));
    once(&line, &format!("127.0.0.1:{port} refused the connection"));

    // HTTPS spoken to the test org's plain HTTP port.
    let org = FakeOrg::start(Config::default());
    let https = org.base_url.replace("http://", "https://");
    let host = https.strip_prefix("https://").unwrap();
    let line = one_line_error(support::run(&["audit", "--instance-url", &https], &token));
    once(&line, &format!("the TLS handshake with {host} failed"));
}
