use super::*;
use crate::salesforce::sf_cli::{first_error_line, usable_token};
use std::path::Path;

#[test]
fn instance_url_errors_never_show_credentials() {
    let e = validate_instance_url("https://admin:Sup3rSecret@acme.my.salesforce.com")
        .unwrap_err()
        .to_string();
    assert!(!e.contains("Sup3rSecret") && !e.contains("admin"), "{e}");
    assert!(e.contains("https://***@acme.my.salesforce.com"), "{e}");
    let e = validate_instance_url("ftp://u:Sup3rSecret@h")
        .unwrap_err()
        .to_string();
    assert!(!e.contains("Sup3rSecret"), "{e}");
    assert_eq!(
        redact_url("https://h.example.com/a@b"),
        "https://h.example.com/a@b"
    );
}

#[test]
fn loopback_means_a_loopback_address_not_a_name_that_starts_like_one() {
    assert!(validate_instance_url("http://127.0.0.1:8080").is_ok());
    assert!(validate_instance_url("http://[::1]:8080").is_ok());
    assert!(validate_instance_url("http://localhost:1").is_ok());
    assert!(validate_instance_url("http://127.attacker.example").is_err());
    assert!(validate_instance_url("http://127.0.0.2:8080").is_ok());
    assert!(validate_instance_url("http://LOCALHOST:1").is_ok());
    // Stricter than callbacks (RFC 6761): a name under localhost, a trailing dot, a
    // mapped or unspecified address all need https.
    for url in [
        "http://evil.localhost:8080",
        "http://localhost.:8080",
        "http://[::ffff:127.0.0.1]:8080",
        "http://0.0.0.0:8080",
        "http://[::]:8080",
        "http://example.com",
    ] {
        let e = validate_instance_url(url).unwrap_err().to_string();
        assert!(e.contains("use https://"), "{url}: {e}");
    }
    assert!(pkce_audit_model::callback::is_loopback_host(
        "evil.localhost"
    ));
    assert!(!is_loopback_connection_host("evil.localhost"));
    assert!(parse_auth_url("force://id::tok@evil.localhost:99")
        .is_ok_and(|(url, _)| url == "https://evil.localhost:99"));
}

#[test]
fn secrets_never_print() {
    let s = Secret::new("00Dxx!AQ.secret");
    assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "*** *** Some(***)");
    let g = RefreshGrant {
        client_id: "PlatformCLI".into(),
        client_secret: Secret::new("cs"),
        refresh_token: Secret::new("5Aep"),
    };
    let dbg = format!("{g:?}");
    assert!(!dbg.contains("5Aep") && !dbg.contains("\"cs\""), "{dbg}");
}

#[test]
fn jwt_detection() {
    assert!(Secret::new("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl").looks_like_jwt());
    assert!(!Secret::new("00D5g000001!AQoAQ.xyz").looks_like_jwt());
    assert!(!Secret::new("eyJ.abc").looks_like_jwt());
    assert!(!Secret::new("eyJa.b!c.d").looks_like_jwt());
}

#[test]
fn instance_urls() {
    assert_eq!(
        validate_instance_url("https://acme.my.salesforce.com/").unwrap(),
        "https://acme.my.salesforce.com"
    );
    assert_eq!(
        validate_instance_url("http://127.0.0.1:8080").unwrap(),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        validate_instance_url("http://[::1]:9").unwrap(),
        "http://[::1]:9"
    );
    assert_eq!(
        validate_instance_url("http://localhost:1").unwrap(),
        "http://localhost:1"
    );
    let e = validate_instance_url("http://acme.my.salesforce.com").unwrap_err();
    assert!(e.to_string().contains("loopback"), "{e}");
    assert!(validate_instance_url("ftp://x").is_err());
    assert!(validate_instance_url("https://u:p@x.example.com").is_err());
    assert!(validate_instance_url("not a url").is_err());
}

#[test]
fn auth_urls() {
    let (url, g) =
        parse_auth_url("force://PlatformCLI::5Aep861.abc@acme.my.salesforce.com\n").unwrap();
    assert_eq!(url, "https://acme.my.salesforce.com");
    assert_eq!(g.client_id, "PlatformCLI");
    assert!(g.client_secret.is_empty());
    assert_eq!(g.refresh_token.expose(), "5Aep861.abc");
    let (url, g) = parse_auth_url("force://id:sec:tok@127.0.0.1:4321").unwrap();
    assert_eq!(url, "http://127.0.0.1:4321");
    assert_eq!(g.client_secret.expose(), "sec");
    let (url, _) = parse_auth_url("force://id::tok@http://localhost:99/").unwrap();
    assert_eq!(url, "http://localhost:99");
    let (url, _) = parse_auth_url("force://id::tok@[::1]:99").unwrap();
    assert_eq!(url, "http://[::1]:99");
    let (url, _) =
        parse_auth_url(r#"{"status":0,"result":{"sfdxAuthUrl":"force://id::tok@x.example.com"}}"#)
            .unwrap();
    assert_eq!(url, "https://x.example.com");
    for bad in [
        "https://x",
        "force://id@x",
        "force://id::@x",
        "force://:s:t@x",
        "force://id::tok@",
    ] {
        assert!(parse_auth_url(bad).is_err(), "{bad}");
    }
    let e = parse_auth_url("force://id:SECRETVALUE:tok").unwrap_err();
    assert!(!e.to_string().contains("SECRETVALUE"));
    assert!(parse_auth_url("force://id::tok@http://evil.example.com").is_err());
}

#[test]
fn a_redacted_auth_url_says_where_the_real_one_is() {
    for text in [
        r#"{"status":0,"result":{"sfdxAuthUrl":"[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view"}}"#,
        "[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view",
    ] {
        let e = parse_auth_url(text).unwrap_err().to_string();
        assert!(
            e.contains("redacted") && e.contains("sf org auth show-sfdx-auth-url --json"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }
    // The command's own answer is read as is.
    let (url, g) = parse_auth_url(
        r#"{"status":0,"result":{"sfdxAuthUrl":"force://PlatformCLI::5Aep861x@acme.my.salesforce.com"},"warnings":["..."]}"#,
    )
    .unwrap();
    assert_eq!(url, "https://acme.my.salesforce.com");
    assert_eq!(g.refresh_token.expose(), "5Aep861x");
}

#[test]
fn sf_crashes_are_named_by_their_own_first_error_line() {
    // sf 2.150 on Node.js 20: undici fails to load.
    let crash = b"/x/node_modules/undici/lib/interceptor/decompress.js:78\n  zstd: createZstdDecompress.bind(null, {})\n                             ^\n\nTypeError: Cannot read properties of undefined (reading 'bind')\n    at Object.<anonymous> (/x/decompress.js:78:30)\n\nNode.js v20.20.2\n";
    assert_eq!(
        first_error_line(crash, b"").as_deref(),
        Some("TypeError: Cannot read properties of undefined (reading 'bind') (Node.js v20.20.2)")
    );
    assert_eq!(
        first_error_line(b"", b"  sh: 1: node: not found\n").as_deref(),
        Some("sh: 1: node: not found")
    );
    assert_eq!(first_error_line(b"\n", b""), None);
    // The one bounded excerpt: 200 characters, then ` …`.
    let long = "Error: ".to_string() + &"x".repeat(400);
    let line = first_error_line(long.as_bytes(), b"").unwrap();
    assert_eq!(line.chars().count(), 202, "{line}");
    assert!(line.ends_with("x …"), "{line}");
}

#[test]
fn redaction_notices_are_not_tokens() {
    assert!(!usable_token(
        "[REDACTED] Use 'sf org auth show-access-token' to view"
    ));
    assert!(!usable_token(""));
    assert!(usable_token("00D!AQ.x"));
}

const LONG: Duration = Duration::from_secs(30);

#[test]
fn loading_checks_every_credential_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("token");
    std::fs::write(&f, "00Dx!AQ tok with spaces\n").unwrap();
    let conn = Connection::AccessToken {
        instance_url: "https://acme.my.salesforce.com".into(),
        token: TokenSource::File(f.clone()),
    };
    let e = load(&conn, Origin::CommandLine, LONG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("holds a malformed access token: a space at character 8"),
        "{e}"
    );
    assert!(!e.contains("with spaces"), "{e}");
    let conn = Connection::AccessToken {
        instance_url: "http://evil.localhost:8080".into(),
        token: TokenSource::Value(Secret::new("00Dx!AQ.fine")),
    };
    let e = load(&conn, Origin::CommandLine, LONG)
        .unwrap_err()
        .to_string();
    assert!(e.contains("loopback"), "{e}");
    std::fs::write(&f, "force://PlatformCLI::5Aep\u{7}Refresh@127.0.0.1:1\n").unwrap();
    let e = load(&Connection::AuthUrlFile(f.clone()), Origin::FleetFile, LONG)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the refresh token of the auth URL is malformed: a control character"),
        "{e}"
    );
    std::fs::write(
        &f,
        "\u{feff}force://PlatformCLI:sec:5AepRefresh@127.0.0.1:1\n",
    )
    .unwrap();
    let Prepared::Ready(r) = load(&Connection::AuthUrlFile(f), Origin::FleetFile, LONG).unwrap()
    else {
        panic!("an auth URL is ready without sf");
    };
    assert_eq!(r.instance_url, "http://127.0.0.1:1");
    assert!(matches!(
        load(&Connection::TargetOrg("a".into()), Origin::CommandLine, LONG).unwrap(),
        Prepared::Sf(a) if a == "a"
    ));
}

#[test]
fn a_credential_not_read_is_named_by_what_it_holds_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Connection::AuthUrlFile(dir.path().join("missing"));
    let e = load(&missing, Origin::CommandLine, LONG)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("auth URL file ") && e.contains("cannot be read"),
        "{e}"
    );
    let stdin = Connection::AccessToken {
        instance_url: "https://acme.my.salesforce.com".into(),
        token: TokenSource::Stdin,
    };
    let e = load(&stdin, Origin::FleetFile, LONG)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("the access token on standard input: cannot be `-`"),
        "{e}"
    );
}

/// A stalled writer is a timeout, whose option the caller names: the message names none.
#[test]
fn a_stalled_credential_is_a_timeout_that_names_no_option() {
    use pkce_audit_model::errors::{Coded, Remedy};
    let stalled = credentials::Stalled { secs: 0, came: 0 };
    let e = unread(Path::new("-"), Holds::AccessToken, Unread::Stalled(stalled));
    assert_eq!(e.remedy(), Some(Remedy::Timeout));
    let text = e.to_string();
    assert!(!text.contains("--"), "{text}");
    assert_eq!(
        text,
        format!("the access token on standard input: {stalled}")
    );
    assert!(matches!(e, Error::CredentialStalled { stalled: s, .. } if s == stalled));
}
