//! A hostile or broken server must not hang or exhaust pkce-audit (issue 6): a server
//! that never answers, pages forever, answers garbage, or fails every call. Each case ends
//! in bounded time with a clear error or a named `incomplete` entry, never a panic.
//!
//! The server here speaks raw HTTP over a socket so it can misbehave in ways a framework
//! would not allow.

use crate::hostile_server as server;

use crate::harness::{pkce, Run};
use server::{start, Mode};
use std::time::Duration;

const TOKEN: &str = "00DHOSTILE!tokenvalue";

/// A live audit of `base` that must end within `deadline` (the harness kills it and fails
/// the test otherwise): a bound many times what the run needs, not a speed check.
fn audit(base: &str, extra: &[&str], deadline: u64) -> Run {
    let o = pkce()
        .args(["audit", "--instance-url", base, "--json", "--quiet"])
        .args(extra)
        .env("SF_ACCESS_TOKEN", TOKEN)
        .deadline(Duration::from_secs(deadline))
        .run();
    assert!(
        !o.stdout.contains(TOKEN) && !o.stderr.contains(TOKEN),
        "the token leaked"
    );
    o
}

#[test]
fn a_server_that_never_answers_is_bounded_by_the_run_timeout() {
    let base = start(Mode::Hang);
    let o = audit(&base, &["--timeout", "3"], 20);
    assert_ne!(o.code, 0);
    let all = format!("{}{}", o.stdout, o.stderr).to_lowercase();
    assert!(
        all.contains("timed out") || all.contains("timeout") || all.contains("time limit"),
        "{all}"
    );
}

#[test]
fn endless_query_pages_stop_at_the_page_bound() {
    let base = start(Mode::EndlessPages);
    let o = audit(&base, &[], 30);
    assert!(matches!(o.code, 1 | 3), "{}\n{}", o.stdout, o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_ne!(report["verdict"], "ready");
    let text = report["incomplete"].to_string().to_lowercase();
    assert!(text.contains("more than 50 pages"), "{text}");
}

#[test]
fn garbage_soap_answers_are_named_problems() {
    let base = start(Mode::Garbage);
    let o = audit(&base, &[], 30);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_ne!(report["verdict"], "ready");
    assert!(!report["incomplete"].as_array().unwrap().is_empty());
}

#[test]
fn a_server_that_always_fails_exhausts_bounded_retries() {
    let base = start(Mode::AlwaysUnavailable);
    let o = audit(&base, &["--concurrency", "8"], 60);
    // Five retries with capped exponential backoff: seconds, not minutes.
    assert_ne!(o.code, 0);
    if o.code == 3 {
        let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        assert!(
            report["incomplete"].to_string().contains("503"),
            "{}",
            report["incomplete"]
        );
        assert!(report["api"]["retries"].as_u64().unwrap() > 0);
    } else {
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("503"), "{}", o.stderr);
    }
}

const MB: usize = 1024 * 1024;

/// The `incomplete` entries of a report, as one text.
fn incomplete_text(o: &Run) -> String {
    let report: serde_json::Value = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", o.stderr, o.stdout));
    assert_ne!(report["verdict"], "ready");
    report["incomplete"].to_string()
}

#[test]
fn huge_soap_answers_are_refused_with_a_clear_message() {
    // With and without Content-Length: refused at once, or once the cap is read.
    for length in [true, false] {
        let base = start(Mode::HugeSoap {
            bytes: 60 * MB,
            length,
        });
        let o = audit(&base, &["--no-usage"], 120);
        assert_eq!(o.code, 3, "length {length}: {}\n{}", o.stdout, o.stderr);
        let text = incomplete_text(&o);
        assert!(
            text.contains("the response is larger than 8388608 bytes"),
            "length {length}: {text}"
        );
        assert!(
            text.contains("ConnectedApp") && text.contains("OauthOidcSettings"),
            "{text}"
        );
    }
}

#[test]
fn huge_json_answers_are_refused_with_a_clear_message() {
    for length in [true, false] {
        let base = start(Mode::HugeJson {
            bytes: 60 * MB,
            length,
        });
        let o = audit(&base, &[], 120);
        assert_eq!(o.code, 3, "length {length}: {}\n{}", o.stdout, o.stderr);
        let text = incomplete_text(&o);
        assert!(
            text.contains("Organization") && text.contains("larger than 8388608 bytes"),
            "length {length}: {text}"
        );
    }
    // Within the byte cap, a page packed with values is refused before it is built.
    let base = start(Mode::HugeJson {
        bytes: 4 * MB,
        length: true,
    });
    let o = audit(&base, &["--no-usage"], 120);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let text = incomplete_text(&o);
    assert!(text.contains("more than 200000 JSON values"), "{text}");
}

#[test]
fn slow_to_parse_answers_cannot_outlast_the_timeout() {
    // A thousand apps listed, each read answered with ~3.5 MB of elements: every answer
    // is within the SOAP bounds, so each is parsed in full, and together they take far
    // longer than the run may. The run must end with the --timeout error.
    let base = start(Mode::ManySlowReads {
        names: 1000,
        bytes: 3 * MB + MB / 2,
    });
    let o = audit(&base, &["--no-usage", "--timeout", "2"], 120);
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("did not finish within 2 s (--timeout)"),
        "{}",
        o.stderr
    );
}

#[test]
fn an_attribute_bomb_is_refused_before_it_is_parsed() {
    // One element with millions of attributes: a parser checking each against those
    // before it would run for hours. The bounds refuse the answer in one pass.
    let base = start(Mode::AttributeBomb { bytes: 4 * MB });
    let o = audit(&base, &["--no-usage", "--timeout", "60"], 120);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let text = incomplete_text(&o);
    assert!(text.contains("more than 32 attributes"), "{text}");
}
