//! The evidence module's tests.

use super::*;
use crate::flow::Flow;

fn read(rows: u64) -> SourceState {
    SourceState::Read {
        rows,
        partial: false,
        method: None,
        reason: None,
    }
}

#[test]
fn sources_this_version_does_not_know_are_left_out_when_read() {
    let e: Evidence = serde_json::from_str(
        r#"{"window_days": 30, "sources": {
            "OauthToken": {"state": "read", "rows": 2},
            "FutureObject": {"state": "read", "rows": 9}}}"#,
    )
    .unwrap();
    assert_eq!(e.sources.len(), 1, "{:?}", e.sources);
    assert!(e.is_read(&EvidenceSource::OauthToken));
    // Written in the order of the spellings, as the string keys were.
    let all: Sources = EvidenceSource::KNOWN
        .iter()
        .map(|s| (*s, read(1)))
        .collect();
    let json = serde_json::to_string(&all).unwrap();
    let at = |name: &str| json.find(name).unwrap();
    assert!(
        at("ConnectedApplication") < at("InstalledSubscriberPackage"),
        "{json}"
    );
    assert!(at("LoginHistory") < at("OauthToken"), "{json}");
}

#[test]
fn unknown_and_otp_logins_prove_use_and_never_lower() {
    let e = Evidence {
        window_days: 90,
        sources: [
            (EvidenceSource::OauthToken, read(0)),
            (EvidenceSource::LoginHistory, read(9)),
        ]
        .into(),
        logins: vec![
            LoginUsage {
                app: "Jwt".into(),
                sub_type: String::new(),
                count: 5,
                last_seen: Some("2026-11-02".into()),
                failed: 1,
            },
            LoginUsage {
                app: "Jwt".into(),
                sub_type: "OauthClientCredentials".into(),
                count: 2,
                last_seen: None,
                failed: 0,
            },
            LoginUsage {
                app: "Headless".into(),
                sub_type: "OauthOtpLogin".into(),
                count: 1,
                last_seen: None,
                failed: 0,
            },
            LoginUsage {
                app: "Locked".into(),
                sub_type: "OauthWebServer".into(),
                count: 0,
                last_seen: None,
                failed: 3,
            },
        ],
        ..Default::default()
    };
    let u = usage_by_name(&e);
    let jwt = &u["Jwt"];
    assert!(!jwt.dormant(), "logins without a sub-type are use");
    assert!(!jwt.only_non_code_flows(), "unknown may be a code flow");
    assert_eq!(jwt.logins_with(&Flow::Unknown).unwrap().logins, 5);
    assert_eq!(jwt.failed_logins, Some(1));
    assert!(
        jwt.describe().contains("1 failed login(s)"),
        "{}",
        jwt.describe()
    );
    let headless = &u["Headless"];
    assert!(headless.used_authorization_code() && !headless.only_non_code_flows());
    // Failed logins alone are no use: the app is dormant, with its failures shown.
    let locked = &u["Locked"];
    assert!(locked.dormant(), "{locked:?}");
    assert_eq!(locked.failed_logins, Some(3));
    assert!(!locked.used_authorization_code());
}

#[test]
fn usage_sums_per_app_and_judges_code_use_and_dormancy() {
    let e = Evidence {
        window_days: 90,
        sources: [
            (EvidenceSource::OauthToken, read(3)),
            (EvidenceSource::LoginHistory, read(3)),
        ]
        .into(),
        tokens: vec![
            TokenUsage {
                app: "Portal".into(),
                tokens: 2,
                users: 2,
                use_count: 40,
                used_in_window: 2,
                last_used: Some("2026-11-01".into()),
            },
            TokenUsage {
                app: "Sync".into(),
                tokens: 1,
                users: 1,
                use_count: 9,
                used_in_window: 1,
                last_used: Some("2026-10-01".into()),
            },
        ],
        logins: vec![
            LoginUsage {
                app: "Portal".into(),
                sub_type: "OauthWebServer".into(),
                count: 30,
                failed: 0,
                last_seen: Some("2026-11-01".into()),
            },
            LoginUsage {
                app: "Portal".into(),
                sub_type: "OauthHybridWebServer".into(),
                count: 5,
                failed: 0,
                last_seen: Some("2026-11-02".into()),
            },
            LoginUsage {
                app: "Sync".into(),
                sub_type: "OauthRefreshToken".into(),
                count: 12,
                failed: 0,
                last_seen: None,
            },
            LoginUsage {
                app: "Sync".into(),
                sub_type: "OauthClientCredentials".into(),
                count: 3,
                failed: 0,
                last_seen: None,
            },
        ],
        ..Default::default()
    };
    let u = usage_by_name(&e);
    let portal = &u["Portal"];
    assert!(portal.used_authorization_code());
    let code = portal.logins_with(&Flow::AuthorizationCode).unwrap();
    assert_eq!(
        (code.logins, code.last_seen.as_deref()),
        (35, Some("2026-11-02"))
    );
    assert!(!portal.only_non_code_flows() && !portal.dormant());
    assert!(u["Sync"].only_non_code_flows());
    assert_eq!(
        u["Sync"].flows.as_ref().unwrap()[0].flow,
        Flow::RefreshToken.into()
    );
    let unseen = unseen_usage(&e).unwrap();
    assert!(unseen.dormant());
    assert!(
        portal
            .describe()
            .contains("authorization-code 35 (last 2026-11-02)"),
        "{}",
        portal.describe()
    );
}

#[test]
fn partial_or_missing_sources_never_prove_anything() {
    let mut e = Evidence {
        window_days: 90,
        sources: [(
            EvidenceSource::OauthToken,
            SourceState::Read {
                rows: 2500,
                partial: true,
                method: None,
                reason: None,
            },
        )]
        .into(),
        ..Default::default()
    };
    let unseen = unseen_usage(&e).unwrap();
    assert!(!unseen.dormant(), "capped tokens and no login history");
    assert!(unseen.flows.is_none());
    e.sources.clear();
    assert!(unseen_usage(&e).is_none());
    e.sources.insert(
        EvidenceSource::LoginHistory,
        SourceState::Read {
            rows: 10_000,
            partial: true,
            method: Some("rows".into()),
            reason: None,
        },
    );
    e.logins.push(LoginUsage {
        app: "A".into(),
        sub_type: "OauthClientCredentials".into(),
        count: 1,
        failed: 0,
        last_seen: None,
    });
    assert!(
        !usage_by_name(&e)["A"].only_non_code_flows(),
        "a row budget may have cut a code flow"
    );
}
