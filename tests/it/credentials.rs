//! Credentials read as hostile input (issue 18 §2): what a token or auth-URL path may name
//! (a regular file, a FIFO, `-`; never a device, a socket or a folder; in a fleet file, a
//! regular file only), reads bounded by `--timeout`, a byte-order mark and whitespace
//! stripped, malformed tokens refused before any call without being shown, and plain
//! `http://` only to literal loopback addresses and `localhost` itself.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use support::*;

/// `audit` of `org` with the access token from `path`.
fn audit_with_token_file(org: &str, path: &str, extra: &[&str]) -> Run {
    audit_with_token_from(org, path, extra, None)
}

/// [`audit_with_token_file`], with `stdin` on standard input.
fn audit_with_token_from(org: &str, path: &str, extra: &[&str], stdin: Option<&str>) -> Run {
    let c = audit_command(org, path).args(extra);
    match stdin {
        Some(text) => c.stdin(text),
        None => c,
    }
    .run()
}

/// `audit --json` of `org`, the access token read from `path`.
fn audit_command(org: &str, path: &str) -> crate::harness::Pkce {
    pkce().args([
        "audit",
        "--instance-url",
        org,
        "--access-token-file",
        path,
        "--json",
        "--no-usage",
    ])
}

/// A read, named and not a connection: no call reached the org.
fn refused_before_any_call(org: &FakeOrg, r: &Run, needle: &str) -> String {
    let line = r.stderr_line().to_string();
    assert!(line.contains(needle), "{line}");
    assert!(org.calls().is_empty(), "{:?}", org.calls());
    line
}

#[cfg(unix)]
fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo(3) only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    p
}

/// Opens the FIFO's read end without blocking, so that a writer still waiting for a reader
/// (the run refused the FIFO) is let go.
#[cfg(unix)]
fn release_writer(fifo: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo);
}

#[cfg(unix)]
#[test]
fn a_fifo_standard_input_and_process_substitution_are_read() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();

    // A named pipe, written once the run opens it.
    let fifo = mkfifo(tmp.path(), "token.fifo");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, format!("{TOKEN}\n")))
    };
    let r = audit_with_token_file(&org.base_url, fifo.to_str().unwrap(), &[]);
    release_writer(&fifo);
    writer.join().unwrap().unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["scope"]["kind"], "org");

    // `-`: standard input, with a byte-order mark and a Windows line end.
    let stdin = format!("\u{feff}{TOKEN}\r\n");
    let r = audit_with_token_from(&org.base_url, "-", &[], Some(&stdin));
    assert_eq!(r.code, 1, "{}", r.stderr);

    // `--access-token-file <(…)` names /dev/fd/N, a pipe of the shell.
    let r = crate::harness::pkce_in_bash(&format!(
        "audit --instance-url '{}' --access-token-file <(printf '%s\\n' '{TOKEN}') --json --no-usage",
        org.base_url
    ))
    .run();
    assert_eq!(r.code, 1, "{}", r.stderr);

    // The auth URL on standard input too (last: its exchange replaces the org's token).
    let host = org.base_url.strip_prefix("http://").unwrap();
    let r = pkce()
        .args(["audit", "--auth-url-file", "-", "--json", "--no-usage"])
        .stdin(format!("force://PlatformCLI::{REFRESH_TOKEN}@{host}\n"))
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_token_file_with_a_bom_and_a_trailing_newline_is_accepted() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("token");
    std::fs::write(&file, format!("\u{feff}  {TOKEN}\n\n")).unwrap();
    let r = audit_with_token_file(&org.base_url, file.to_str().unwrap(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn devices_sockets_and_folders_are_refused_at_once() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    for (path, says) in [
        ("/dev/null".to_string(), "is a device"),
        (sock.to_str().unwrap().to_string(), "is a socket"),
        (
            tmp.path().to_str().unwrap().to_string(),
            "is a folder, not a file",
        ),
    ] {
        let r = audit_with_token_file(&org.base_url, &path, &[]);
        let line = refused_before_any_call(&org, &r, says);
        assert!(
            line.contains(&format!("access token file {path}: ")),
            "{line}"
        );
        let r = pkce().args(["audit", "--auth-url-file", &path]).run();
        let line = r.stderr_line();
        assert!(
            line.contains(&format!("auth URL file {path}: {says}")),
            "{line}"
        );
    }
    // Standard input that is a device (here /dev/null) is refused too.
    let r = audit_with_token_file(&org.base_url, "-", &[]);
    refused_before_any_call(
        &org,
        &r,
        "the access token on standard input: is a terminal or device",
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_nobody_writes_ends_the_run_at_the_timeout_with_one_line() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    // No writer ever opens it.
    let fifo = mkfifo(tmp.path(), "never.fifo");
    let r = audit_with_token_file(&org.base_url, fifo.to_str().unwrap(), &["--timeout", "1"]);
    refused_before_any_call(&org, &r, "nothing was written to it within 1 s (--timeout)");

    // A writer that opens it and never writes.
    let silent = mkfifo(tmp.path(), "silent.fifo");
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let holder = {
        let silent = silent.clone();
        std::thread::spawn(move || {
            let f = std::fs::OpenOptions::new().write(true).open(silent);
            let _ = wait.recv();
            drop(f);
        })
    };
    let r = audit_with_token_file(&org.base_url, silent.to_str().unwrap(), &["--timeout", "1"]);
    let _ = done.send(());
    release_writer(&silent);
    holder.join().unwrap();
    refused_before_any_call(&org, &r, "nothing was written to it within 1 s");
}

#[test]
fn a_malformed_token_is_refused_before_any_call_and_never_shown() {
    let org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("token");
    for (token, says) in [
        ("00DFAKE0000000001!AQoAQ Fake", "a space at character 24"),
        ("00DFAKE0000000001!AQoAQ\u{1b}[2J", "a control character"),
        (
            "00DFAKE0000000001!AQoAQFäke",
            "a character that is not ASCII",
        ),
    ] {
        std::fs::write(&file, format!("{token}\n")).unwrap();
        let r = audit_with_token_file(&org.base_url, file.to_str().unwrap(), &[]);
        let line = refused_before_any_call(&org, &r, "holds a malformed access token: ");
        assert!(
            line.contains(says) && line.contains("the value is not shown"),
            "{line}"
        );
        assert!(
            !line.contains("AQoAQ") && !r.stdout.contains("AQoAQ"),
            "{line}"
        );
        // The same from the environment.
        let r = run(
            &["audit", "--instance-url", &org.base_url],
            &[("SF_ACCESS_TOKEN", token)],
        );
        let line = refused_before_any_call(&org, &r, "SF_ACCESS_TOKEN is malformed: ");
        assert!(line.contains(says) && !line.contains("AQoAQ"), "{line}");
    }
    // An auth URL whose refresh token holds a space.
    let host = org.base_url.strip_prefix("http://").unwrap();
    std::fs::write(
        &file,
        format!("force://PlatformCLI::5Aep861 Refresh@{host}\n"),
    )
    .unwrap();
    let r = run(
        &["audit", "--auth-url-file", file.to_str().unwrap(), "--json"],
        &[],
    );
    let line = refused_before_any_call(
        &org,
        &r,
        "the refresh token of the auth URL is malformed: a space at character 8",
    );
    assert!(!line.contains("5Aep861"), "{line}");
    // The JSON failure document does not show it either.
    assert!(
        r.stdout.contains("\"name\": \"OrgError\"") && !r.stdout.contains("5Aep861"),
        "{}",
        r.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_fleet_file_names_regular_files_only() {
    // Each entry its own org: which were contacted is then known exactly.
    let piped_org = FakeOrg::start(Config::default());
    let device_org = FakeOrg::start(Config::default());
    let good_org = FakeOrg::start(Config::default());
    let tmp = tempfile::tempdir().unwrap();
    let fifo = mkfifo(tmp.path(), "token.fifo");
    std::fs::write(tmp.path().join("good.token"), format!("{TOKEN}\n")).unwrap();
    std::fs::write(
        tmp.path().join("fleet.toml"),
        format!(
            "[[org]]\nname = \"piped\"\ninstance_url = \"{}\"\naccess_token_file = \"token.fifo\"\n\n\
             [[org]]\nname = \"device\"\ninstance_url = \"{}\"\naccess_token_file = \"/dev/null\"\n\n\
             [[org]]\nname = \"good\"\ninstance_url = \"{}\"\naccess_token_file = \"good.token\"\n",
            piped_org.base_url, device_org.base_url, good_org.base_url
        ),
    )
    .unwrap();
    let r = pkce()
        .dir(tmp.path())
        .args(["fleet", "--orgs", "fleet.toml", "--json"])
        .run();
    release_writer(&fifo);
    let report = r.json();
    let orgs = report["orgs"].as_array().unwrap();
    let reason = |name: &str| {
        orgs.iter()
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {report}"))
            .to_string()
    };
    assert!(
        reason("piped").contains(
            "the `access_token_file` is a FIFO (named pipe): a fleet file names regular files only"
        ),
        "{report}"
    );
    assert!(
        reason("device").contains(
            "the `access_token_file` is not a regular file: a fleet file names regular files only"
        ),
        "{report}"
    );
    assert!(!reason("good").contains("access_token_file"), "{report}");
    // Exactly the good org was contacted.
    assert!(piped_org.calls().is_empty(), "{:?}", piped_org.calls());
    assert!(device_org.calls().is_empty(), "{:?}", device_org.calls());
    assert!(!good_org.calls().is_empty(), "{report}");
}

/// Node.js (and other launchers) give a child a socket pair as its standard input: `-`
/// reads it like a pipe. A socket named by its path stays refused (above).
#[cfg(unix)]
#[test]
fn standard_input_that_is_a_socket_is_read_like_a_pipe() {
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    let org = FakeOrg::start(Config::default());
    let (mut ours, theirs) = UnixStream::pair().unwrap();
    ours.write_all(format!("{TOKEN}\n").as_bytes()).unwrap();
    ours.shutdown(std::net::Shutdown::Write).unwrap();
    let out = audit_command(&org.base_url, "-")
        .stdin_from(std::os::fd::OwnedFd::from(theirs))
        .run();
    drop(ours);
    out.status(1);
    assert!(!org.calls().is_empty());
}

/// A fake org on `addr`, or `None` when that address cannot be bound here.
fn org_at(addr: &str) -> Option<FakeOrg> {
    let addr: SocketAddr = addr.parse().unwrap();
    FakeOrg::start_at(Config::default(), addr).ok()
}

#[test]
fn plain_http_reaches_literal_loopback_and_localhost_only() {
    // Refused before any call, from every place a connection URL comes from.
    let tmp = tempfile::tempdir().unwrap();
    for url in [
        "http://evil.localhost:8080",
        "http://example.com",
        "http://acme.my.salesforce.com",
        "http://10.0.0.8:8080",
        "http://[::ffff:127.0.0.1]:80",
        "ftp://acme.example.com",
    ] {
        let line = run(
            &["audit", "--instance-url", url],
            &[("SF_ACCESS_TOKEN", TOKEN)],
        )
        .stderr_line()
        .to_string();
        assert!(line.contains("use https://"), "{url}: {line}");
        let line = run(
            &["audit"],
            &[("SF_ORG_INSTANCE_URL", url), ("SF_ACCESS_TOKEN", TOKEN)],
        )
        .stderr_line()
        .to_string();
        assert!(line.contains("use https://"), "{url}: {line}");
        let file = tmp.path().join("auth");
        std::fs::write(
            &file,
            format!("force://PlatformCLI::{REFRESH_TOKEN}@{url}\n"),
        )
        .unwrap();
        let line = run(&["audit", "--auth-url-file", file.to_str().unwrap()], &[])
            .stderr_line()
            .to_string();
        assert!(line.contains("use https://"), "{url}: {line}");
    }

    // Accepted: a 127/8 address other than 127.0.0.1, [::1], and localhost by name.
    let mut tried = 0;
    for (bind, url) in [
        ("127.0.0.2:0", None),
        ("[::1]:0", None),
        ("127.0.0.1:0", Some("localhost")),
    ] {
        let Some(org) = org_at(bind) else { continue };
        tried += 1;
        let base = match url {
            Some(name) => org.base_url.replace("127.0.0.1", name),
            None => org.base_url.clone(),
        };
        let r = audit_live(&base, &["--no-usage"]);
        assert_eq!(r.code, 1, "{base}: {}", r.stderr);
        assert!(org.calls().values().sum::<u64>() > 0, "{base}");
    }
    // 127.0.0.2 and localhost are there on every Linux; [::1] may be off.
    assert!(tried >= 2, "{tried}");
}
