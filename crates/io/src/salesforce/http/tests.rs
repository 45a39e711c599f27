use super::*;

#[test]
fn fault_codes_split_transient_from_permanent() {
    let retry =
        |c: &str, m: &str| matches!(by_code::<()>(c.into(), m.into(), None), Attempt::Retry(..));
    assert!(retry("SERVER_UNAVAILABLE", "x"));
    assert!(retry(
        "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentPerOrgLongTxn Limit exceeded"
    ));
    assert!(retry(
        "REQUEST_LIMIT_EXCEEDED",
        "Too many concurrent requests"
    ));
    assert!(!retry(
        "REQUEST_LIMIT_EXCEEDED",
        "TotalRequests Limit exceeded."
    ));
    assert!(!retry("INVALID_TYPE", "x"));
    assert!(!retry("INSUFFICIENT_ACCESS", "x"));
    assert!(!retry("API_DISABLED_FOR_ORG", "x"));
    assert!(matches!(
        by_code::<()>("INVALID_SESSION_ID".into(), "x".into(), None),
        Attempt::Expired(_)
    ));
}

#[test]
fn server_dates_are_http_dates() {
    let mut h = HeaderMap::new();
    h.insert(
        reqwest::header::DATE,
        "Sat, 21 Nov 2026 00:00:00 GMT".parse().unwrap(),
    );
    assert_eq!(
        server_date(&h).map(|d| d.to_rfc3339()),
        Some("2026-11-21T00:00:00+00:00".into())
    );
    assert_eq!(server_date(&HeaderMap::new()), None);
}

#[test]
fn statuses() {
    let h = HeaderMap::new();
    let none = String::new;
    assert!(matches!(
        by_status::<()>(503, &h, none()),
        Attempt::Retry(..)
    ));
    assert!(matches!(
        by_status::<()>(429, &h, none()),
        Attempt::Retry(..)
    ));
    assert!(matches!(
        by_status::<()>(401, &h, none()),
        Attempt::Expired(_)
    ));
    assert!(matches!(by_status::<()>(404, &h, none()), Attempt::Fail(_)));
    let mut h = HeaderMap::new();
    h.insert(RETRY_AFTER, "3".parse().unwrap());
    assert!(
        matches!(by_status::<()>(503, &h, none()), Attempt::Retry(_, Some(d)) if d == Duration::from_secs(3))
    );
}

#[test]
fn rest_errors() {
    let api = api("00D5g000004XyZ1!AQ4AQsecretpart");
    let raw = |status, body: &str| Raw {
        status,
        headers: HeaderMap::new(),
        body: body.as_bytes().to_vec(),
    };
    assert!(matches!(
        api.rest_attempt(raw(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
        )),
        Attempt::Expired(_)
    ));
    assert!(matches!(
        api.rest_attempt(raw(400, r#"[{"message":"no","errorCode":"INVALID_TYPE"}]"#)),
        Attempt::Fail(CallError::Fault { .. })
    ));
    assert!(matches!(
        api.rest_attempt(raw(503, r#"[{"message":"busy","errorCode":"UNKNOWN"}]"#)),
        Attempt::Retry(..)
    ));
    assert!(matches!(
        api.rest_attempt(raw(502, "<html>")),
        Attempt::Retry(..)
    ));
}

fn api(token: &str) -> Api {
    let resolved = Resolved {
        instance_url: "http://127.0.0.1:9".into(),
        credentials: Credentials::Token(Secret::new(token)),
        login_hint: crate::salesforce::LoginHint::AccessToken,
    };
    Api::new(&resolved, 2, Limits::default()).unwrap()
}

#[test]
fn snippets_lose_credentials_before_and_after_the_cut() {
    let token = "00D5g000004XyZ1!AQ4AQsecretpart.With/Slash";
    let api = api(token);
    let encoded = token.replace('!', "%21").replace('/', "%2F");
    // The cut at 200 characters falls inside the token, raw and encoded.
    for at in [190, 195, 199] {
        for form in [token, encoded.as_str()] {
            let body = format!("{}{form} tail", "x".repeat(at));
            let s = api.snippet(body.as_bytes());
            assert!(
                !s.contains("AQ4AQ") && !s.contains("00D5g000004XyZ1%21"),
                "{s}"
            );
            assert!(s.starts_with(": xxx") && s.contains('*'), "{s}");
        }
    }
    let long = api.snippet("y".repeat(500).as_bytes());
    assert!(long.ends_with(" …") && long.len() < 210, "{long}");
    // A body the server cut inside the token.
    let s = api.snippet(format!("<html>sid={}", &encoded[..30]).as_bytes());
    assert_eq!(s, ": <html>sid=***");
    // Errors carry no credential in any text, the code included.
    let e = api.scrubbed(CallError::Fault {
        code: "AQ4AQsecretpart".into(),
        message: format!("bad {encoded}"),
    });
    assert_eq!(e.to_string(), "***: bad ***");
}

#[test]
fn a_refused_refresh_token_is_named_by_its_oauth_error_code_only() {
    assert_eq!(
        refusal(400, br#"{"error":"invalid_grant","error_description":"expired access/refresh token 5Aep861xyz"}"#),
        "invalid_grant"
    );
    // Anything but one short lower-case word is not quoted.
    for body in [
        &br#"{"error":"5Aep861.Refresh/Token","error_description":"x"}"#[..],
        br#"{"error":"invalid grant 5Aep861"}"#,
        br#"{"error":"INVALID_GRANT"}"#,
        b"<html>refresh_token=5Aep861</html>",
        b"",
    ] {
        assert_eq!(refusal(400, body), "HTTP 400");
    }
}

#[test]
fn backoff_grows_is_capped_and_honours_retry_after() {
    let api = api("t");
    for _ in 0..50 {
        let d1 = api.backoff(1, None);
        assert!(
            d1 >= Duration::from_millis(125) && d1 <= Duration::from_millis(250),
            "{d1:?}"
        );
        let d9 = api.backoff(9, None);
        assert!(d9 <= Duration::from_secs(8), "{d9:?}");
        assert!(api.backoff(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        assert_eq!(
            api.backoff(1, Some(Duration::from_secs(999))),
            Duration::from_secs(30)
        );
    }
}
