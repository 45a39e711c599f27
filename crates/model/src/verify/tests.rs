use super::*;
use crate::evidence::SourceState;
use crate::inventory::{App, Inventory, OrgSettings};
use chrono::Duration;

fn t(h: i64) -> Time {
    chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
        + Duration::hours(h)
}

/// The change at hour 240 (day 10); the baseline is days 0-10; checked at hour 288.
const SINCE: i64 = 240;
const UNTIL: i64 = 288;

fn app(name: &str, label: &str, pkce: Option<bool>) -> App {
    serde_json::from_value(serde_json::json!({
        "name": name, "label": label, "kind": "connected-app", "owner": "org",
        "oauth_enabled": true, "pkce_required": pkce, "pkce_basis": "explicit",
        "public_client": false, "callback_urls": ["https://app.example.com/cb"], "files": [],
    }))
    .unwrap()
}

fn inventory(apps: Vec<App>, org_pkce: bool) -> Inventory {
    Inventory {
        apps,
        org_settings: Some(OrgSettings {
            is_pkce_required: org_pkce,
            block_username_password_flow: false,
            block_user_agent_flow: false,
            code_credentials_flow_enabled: false,
            location: None,
            field_lines: Default::default(),
        }),
        ..Default::default()
    }
}

fn group(app: &str, sub: &str, status: &str, count: u64, first: i64, last: i64) -> LoginGroup {
    LoginGroup {
        application: Some(app.into()),
        login_type: Some("Remote Access 2.0".into()),
        sub_type: (!sub.is_empty()).then(|| sub.to_string()),
        status: Some(status.into()),
        count,
        first: Some(t(first)),
        last: Some(t(last)),
    }
}

fn read() -> SourceState {
    SourceState::Read {
        rows: 1,
        partial: false,
        method: Some("aggregate".into()),
        reason: None,
    }
}

struct Case {
    inv: Inventory,
    scope: Scope,
    before: Vec<LoginGroup>,
    after: Vec<LoginGroup>,
    logins: SourceState,
    tokens: Tokens,
}

impl Case {
    fn new(apps: Vec<App>) -> Case {
        Case {
            inv: inventory(apps, false),
            scope: Scope::Apps(vec!["Portal".into()]),
            before: Vec::new(),
            after: Vec::new(),
            logins: read(),
            tokens: Tokens {
                state: read(),
                usage: Vec::new(),
            },
        }
    }

    fn run(&self) -> Verification {
        let baseline = Span {
            from: t(0),
            to: t(SINCE),
        };
        let logins = Logins {
            state: self.logins.clone(),
            baseline: vec![Part {
                span: baseline,
                groups: self.before.clone(),
            }],
            after: vec![Part {
                span: Span {
                    from: t(SINCE),
                    to: t(UNTIL),
                },
                groups: self.after.clone(),
            }],
            rhythm_unfinished: Vec::new(),
            queries: 2,
        };
        verify(&Facts {
            org: OrgRef {
                instance_url: "https://initech.my.salesforce.com".into(),
                org_id: Some("00Dxx0000001gPL".into()),
                name: None,
                is_sandbox: Some(true),
                alias: None,
                read_at: t(UNTIL),
            },
            deploy: None,
            since: t(SINCE),
            until: t(UNTIL),
            baseline,
            scope: &self.scope,
            inventory: &self.inv,
            logins: &logins,
            tokens: &self.tokens,
        })
    }

    fn state(&self) -> (State, Verdict) {
        let v = self.run();
        (v.apps[0].state, v.verdict)
    }
}

fn portal() -> Case {
    Case::new(vec![app("Portal", "Customer Portal", Some(true))])
}

#[test]
fn a_pkce_status_since_the_change_is_failing_and_rolls_back() {
    let mut c = portal();
    c.after = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Failed: Invalid Code Verifier",
        3,
        250,
        260,
    )];
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Failing, Verdict::Rollback)
    );
    assert_eq!(v.apps[0].failures[0].count, 3);
    assert_eq!(
        v.apps[0].next,
        Next::Rollback(vec![Back::UndoApp {
            name: "Portal".into(),
            kind: AppKind::ConnectedApp,
            global_settings: None,
        }])
    );
}

#[test]
fn another_oauth_failure_fails_only_when_new() {
    let mut c = portal();
    let cb = |n, a, b| {
        group(
            "Customer Portal",
            "OauthWebServer",
            "Failed: Invalid Callback URL",
            n,
            a,
            b,
        )
    };
    c.after = vec![
        cb(1, 250, 250),
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
    ];
    assert_eq!(c.state(), (State::Failing, Verdict::Rollback));
    c.before = vec![cb(2, 10, 20)];
    assert_eq!(c.state(), (State::Confirmed, Verdict::Keep));
}

#[test]
fn a_users_wrong_password_is_not_the_apps_failure() {
    let mut c = portal();
    c.after = vec![
        group(
            "Customer Portal",
            "OauthWebServer",
            "Invalid Password",
            4,
            250,
            260,
        ),
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
    ];
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Confirmed, Verdict::Keep)
    );
    assert!(v.apps[0].failures.is_empty());
    assert_eq!(v.apps[0].after.user_failures, 4);
}

#[test]
fn silence_longer_than_the_usual_gap_rolls_back() {
    let mut c = portal();
    // Two logins 24 h apart; the last at hour 230: 58 h of silence by hour 288.
    c.before = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Success",
        2,
        206,
        230,
    )];
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Silent, Verdict::Rollback)
    );
    // Two logins 100 h apart: still waiting, due at 230 + 100.
    c.before = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Success",
        2,
        130,
        230,
    )];
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Waiting, Verdict::Watch)
    );
    assert_eq!(v.apps[0].due, Some(t(330)));
    assert_eq!(v.apps[0].next, Next::SmokeTest { due: Some(t(330)) });
}

#[test]
fn refresh_only_is_waiting_and_no_use_is_unaffected() {
    let mut c = portal();
    c.after = vec![group(
        "Customer Portal",
        "OauthRefreshToken",
        "Success",
        9,
        241,
        280,
    )];
    assert_eq!(c.state(), (State::Waiting, Verdict::Watch));
    c.after = vec![group(
        "Customer Portal",
        "OauthClientCredentials",
        "Success",
        9,
        241,
        280,
    )];
    assert_eq!(c.state(), (State::Unaffected, Verdict::Keep));
    c.after.clear();
    assert_eq!(c.state(), (State::Unaffected, Verdict::Keep));
    // No logins and the tokens unread: nothing shows the app is unused.
    c.tokens.state = SourceState::Missing {
        reason: "denied".into(),
        remedy: "r".into(),
    };
    assert_eq!(c.state(), (State::Unknown, Verdict::Watch));
}

#[test]
fn not_required_is_not_deployed_and_unread_is_unknown() {
    let mut c = Case::new(vec![app("Portal", "Customer Portal", Some(false))]);
    assert_eq!(c.state(), (State::NotDeployed, Verdict::Watch));
    c.inv.apps[0].pkce_required = None;
    assert_eq!(c.state(), (State::Unknown, Verdict::Watch));
}

#[test]
fn partial_or_missing_logins_are_never_clean() {
    let mut c = portal();
    c.after = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Success",
        1,
        251,
        251,
    )];
    c.logins = SourceState::Read {
        rows: 1,
        partial: true,
        method: None,
        reason: None,
    };
    assert_eq!(c.state(), (State::Unknown, Verdict::Watch));
    c.logins = SourceState::Missing {
        reason: "INSUFFICIENT_ACCESS".into(),
        remedy: "r".into(),
    };
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Unknown, Verdict::Watch)
    );
    assert!(v.open.contains(&Open::Logins));
}

#[test]
fn two_apps_sharing_a_label_are_unknown() {
    let mut c = Case::new(vec![
        app("Portal", "Customer Portal", Some(true)),
        app("Portal2", "Customer Portal", Some(true)),
    ]);
    c.after = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Success",
        1,
        251,
        251,
    )];
    let v = c.run();
    assert_eq!(v.apps[0].state, State::Unknown);
    assert_eq!(
        v.apps[0].why,
        Why::LabelShared {
            with: vec!["Portal2".into()]
        }
    );
}

#[test]
fn org_wide_scope_adds_labels_only_login_history_shows() {
    let mut c = portal();
    c.inv = inventory(vec![app("Portal", "Customer Portal", None)], true);
    c.scope = Scope::OrgWide;
    c.after = vec![
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
        group(
            "Vendor Sync",
            "OauthWebServer",
            "Failed: Invalid Code Challenge",
            2,
            250,
            252,
        ),
    ];
    let v = c.run();
    let states: Vec<_> = v.apps.iter().map(|a| (a.name.as_str(), a.state)).collect();
    assert_eq!(
        states,
        vec![
            ("Vendor Sync", State::Failing),
            ("Portal", State::Confirmed)
        ]
    );
    assert_eq!(v.verdict, Verdict::Rollback);
    assert_eq!(
        v.apps[0].next,
        Next::Rollback(vec![Back::UndoOrgSetting, Back::Vendor])
    );
}

#[test]
fn org_wide_scope_with_the_setting_off_is_not_deployed() {
    let mut c = portal();
    c.inv = inventory(vec![app("Portal", "Customer Portal", Some(false))], false);
    c.scope = Scope::OrgWide;
    let v = c.run();
    assert_eq!(v.apps[0].state, State::NotDeployed);
    assert!(v.open.contains(&Open::OrgSetting {
        required: Some(false)
    }));
}

#[test]
fn a_name_the_org_does_not_hold_is_unknown() {
    let mut c = portal();
    c.scope = Scope::Apps(vec!["Nope".into(), "portal".into()]);
    let v = c.run();
    let states: Vec<_> = v.apps.iter().map(|a| (a.name.as_str(), a.state)).collect();
    assert_eq!(
        states,
        vec![("Portal", State::Unaffected), ("Nope", State::Unknown)]
    );
    assert_eq!(v.verdict, Verdict::Watch);
}

#[test]
fn an_unrecognized_new_failure_is_unknown_not_clean() {
    let mut c = portal();
    c.after = vec![
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
        group(
            "Customer Portal",
            "OauthWebServer",
            "Something New",
            1,
            252,
            252,
        ),
    ];
    assert_eq!(c.state(), (State::Unknown, Verdict::Watch));
}

#[test]
fn manifest_scope_maps_global_settings_to_their_app() {
    let mut eca = app("Mobile", "Mobile App", Some(true));
    eca.kind = AppKind::ExternalClientApp;
    eca.files = vec!["extlClntAppGlobalOauthSets/Mobile_glbloauth.ecaGlblOauth-meta.xml".into()];
    let mut c = Case::new(vec![app("Portal", "Customer Portal", Some(true)), eca]);
    c.scope = Scope::Manifest {
        file: "manifest/pkce-step2-apps.xml".into(),
        connected_apps: vec!["Portal".into()],
        eca_global_settings: vec!["Mobile_glbloauth".into()],
    };
    let v = c.run();
    let mut names: Vec<_> = v.apps.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["Mobile", "Portal"]);
}

#[test]
fn splits_are_asked_only_where_a_silence_is_in_doubt() {
    let span = Span {
        from: t(0),
        to: t(SINCE),
    };
    let part = |groups| Part { span, groups };
    // Five logins from hour 10 to 230: a gap of at most 220 h; silent 58 h by 288.
    let before = vec![part(vec![group(
        "A",
        "OauthWebServer",
        "Success",
        5,
        10,
        230,
    )])];
    assert_eq!(rhythm_splits(&before, &[], span, t(UNTIL)), vec![span]);
    // Logins since the change: nothing to decide.
    let after = vec![part(vec![group(
        "A",
        "OauthWebServer",
        "Success",
        1,
        250,
        250,
    )])];
    assert!(rhythm_splits(&before, &after, span, t(UNTIL)).is_empty());
    // Two logins: the gap is exact.
    let before = vec![part(vec![group(
        "A",
        "OauthWebServer",
        "Success",
        2,
        10,
        230,
    )])];
    assert!(rhythm_splits(&before, &[], span, t(UNTIL)).is_empty());
}

#[test]
fn a_pkce_status_counts_whatever_the_row_says_of_its_login_type() {
    let mut c = portal();
    let mut odd = group(
        "Customer Portal",
        "",
        "Failed: Invalid Code Verifier",
        40,
        250,
        260,
    );
    odd.login_type = Some("Application".into());
    c.after = vec![
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
        odd.clone(),
    ];
    assert_eq!(c.state(), (State::Failing, Verdict::Rollback));
    // Nor is an app LoginHistory alone shows lost when that is all it has.
    c.inv = inventory(vec![app("Portal", "Customer Portal", None)], true);
    c.scope = Scope::OrgWide;
    odd.application = Some("Mystery".into());
    odd.login_type = None;
    c.after = vec![odd];
    let v = c.run();
    assert_eq!(v.verdict, Verdict::Rollback);
    assert!(v
        .apps
        .iter()
        .any(|a| a.name == "Mystery" && a.state == State::Failing));
}

#[test]
fn a_label_written_another_way_is_the_same_label() {
    let mut c = portal();
    c.after = vec![
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
        group(
            "CUSTOMER\u{a0}PORTAL ",
            "OauthWebServer",
            "Failed: Invalid Code Verifier",
            2,
            252,
            253,
        ),
    ];
    assert_eq!(c.state(), (State::Failing, Verdict::Rollback));
    // Two apps whose labels differ only so cannot be told apart.
    let mut c = Case::new(vec![
        app("Portal", "Customer Portal", Some(true)),
        app("Portal2", "customer  portal", Some(true)),
    ]);
    c.after = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Success",
        1,
        251,
        251,
    )];
    assert_eq!(c.state(), (State::Unknown, Verdict::Watch));
}

#[test]
fn the_org_setting_on_puts_the_change_in_effect_for_a_named_app() {
    let mut c = Case::new(vec![app("Portal", "Customer Portal", Some(false))]);
    c.inv = inventory(vec![app("Portal", "Customer Portal", Some(false))], true);
    c.after = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Failed: Invalid Code Verifier",
        40,
        250,
        260,
    )];
    let v = c.run();
    assert_eq!(
        (v.apps[0].state, v.verdict),
        (State::Failing, Verdict::Rollback)
    );
    assert_eq!(v.apps[0].next, Next::Rollback(vec![Back::UndoOrgSetting]));
}

#[test]
fn a_failure_status_spelled_otherwise_is_not_new() {
    let mut c = portal();
    c.before = vec![group(
        "Customer Portal",
        "OauthWebServer",
        "Failed: Invalid Callback URL",
        2,
        10,
        20,
    )];
    c.after = vec![
        group(
            "Customer Portal",
            "OauthWebServer",
            "FAILED: INVALID CALLBACK URL ",
            1,
            250,
            250,
        ),
        group("Customer Portal", "OauthWebServer", "Success", 1, 251, 251),
    ];
    assert_eq!(c.state(), (State::Confirmed, Verdict::Keep));
}
