//! A hostile or broken server must not hang or exhaust pkce-audit (issue 6): a server
//! that never answers, pages forever, answers garbage, or fails every call. Each case ends
//! in bounded time with a clear error or a named `incomplete` entry, never a panic.
//!
//! The server here speaks raw HTTP over a socket so it can misbehave in ways a framework
//! would not allow.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Accepts the connection, reads the request, never answers.
    Hang,
    /// Every query page says "more to come".
    EndlessPages,
    /// SOAP answers are random bytes.
    Garbage,
    /// Every API call is HTTP 503.
    AlwaysUnavailable,
}

const TOKEN: &str = "00DHOSTILE!tokenvalue";

fn respond(s: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn soap(body: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>").into_bytes()
}

fn serve(mut s: TcpStream, mode: Mode, base: String) {
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut length = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body);
    if path == "/services/data" || path == "/services/data/" {
        return respond(
            &mut s,
            "200 OK",
            "application/json",
            br#"[{"label":"Spring '26","url":"/services/data/v66.0","version":"66.0"}]"#,
        );
    }
    match mode {
        Mode::Hang => {
            std::thread::sleep(Duration::from_secs(60));
        }
        Mode::AlwaysUnavailable => respond(&mut s, "503 Service Unavailable", "text/html", b"<html>down</html>"),
        Mode::Garbage if path.contains("/Soap/") => {
            let mut rng = fastrand::Rng::with_seed(length as u64);
            let junk: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
            respond(&mut s, "200 OK", "text/xml", &junk)
        }
        _ if path.contains("/Soap/") && body.contains("listMetadata") => {
            respond(&mut s, "200 OK", "text/xml", &soap("<listMetadataResponse/>"))
        }
        _ if path.contains("/Soap/") => respond(
            &mut s,
            "200 OK",
            "text/xml",
            &soap("<readMetadataResponse><result><records xsi:nil=\"true\"/></result></readMetadataResponse>"),
        ),
        Mode::EndlessPages if path.contains("query") => {
            let next = format!("/services/data/v66.0/query/01gHOSTILE-{}", fastrand::u64(..));
            let page = format!(
                r#"{{"totalSize":1000000000,"done":false,"nextRecordsUrl":"{next}","records":[{{"attributes":{{"type":"Organization"}},"Id":"00DHOSTILE0000001","Name":"Hostile","NamespacePrefix":null,"IsSandbox":false}}]}}"#
            );
            respond(&mut s, "200 OK", "application/json", page.as_bytes())
        }
        _ => {
            let _ = base;
            respond(&mut s, "200 OK", "application/json", br#"{"totalSize":0,"done":true,"records":[]}"#)
        }
    }
}

/// Starts the server on a loopback port; it lives as long as the test process.
fn start(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let b = base.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let b = b.clone();
            std::thread::spawn(move || serve(conn, mode, b));
        }
    });
    base
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn audit(base: &str, extra: &[&str]) -> Outcome {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pkce-audit"))
        .args(["audit", "--instance-url", base, "--json", "--quiet"])
        .args(extra)
        .env("SF_ACCESS_TOKEN", TOKEN)
        .env_remove("SF_TARGET_ORG")
        .output()
        .unwrap();
    let o = Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    };
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(
        !o.stdout.contains(TOKEN) && !o.stderr.contains(TOKEN),
        "the token leaked"
    );
    o
}

#[test]
fn a_server_that_never_answers_is_bounded_by_the_run_timeout() {
    let base = start(Mode::Hang);
    let o = audit(&base, &["--timeout", "3"]);
    assert!(o.took < Duration::from_secs(20), "took {:?}", o.took);
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
    let o = audit(&base, &[]);
    assert!(o.took < Duration::from_secs(30), "took {:?}", o.took);
    assert!(matches!(o.code, 1 | 3), "{}\n{}", o.stdout, o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_ne!(report["verdict"], "ready");
    let text = report["incomplete"].to_string().to_lowercase();
    assert!(text.contains("more than 50 pages"), "{text}");
}

#[test]
fn garbage_soap_answers_are_named_problems() {
    let base = start(Mode::Garbage);
    let o = audit(&base, &[]);
    assert!(o.took < Duration::from_secs(30), "took {:?}", o.took);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let report: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_ne!(report["verdict"], "ready");
    assert!(!report["incomplete"].as_array().unwrap().is_empty());
}

#[test]
fn a_server_that_always_fails_exhausts_bounded_retries() {
    let base = start(Mode::AlwaysUnavailable);
    let o = audit(&base, &["--concurrency", "8"]);
    // Five retries with capped exponential backoff: seconds, not minutes.
    assert!(o.took < Duration::from_secs(60), "took {:?}", o.took);
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
