//! `verify`'s answers built by hand, for the tests of what presents them: every state,
//! every reason, every way back and every next step, in three runs (roll back, watch,
//! keep). The model's values are plain data; the decision has its own tests.

use chrono::{Duration, TimeZone, Utc};
use pkce_audit_model::evidence::{EvidenceSource, SourceState, TokenUsage};
use pkce_audit_model::inventory::{AppKind, Owner};
use pkce_audit_model::verify::{
    AppCheck, Back, DeployRef, Failure, Gap, Next, Open, OrgRef, ScopeKind, Span, State,
    StatusClass, Time, Verdict, Verification, Why, Window,
};

/// A time on 2026-11-`day` at `hour`:00 UTC.
pub fn at(day: u32, hour: u32) -> Time {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

/// The change was deployed on the 20th at 09:00, checked until the 22nd at 09:00, with
/// 30 days of baseline before.
fn run(verdict: Verdict, scope: ScopeKind, apps: Vec<AppCheck>) -> Verification {
    let since = at(20, 9);
    Verification {
        org: OrgRef {
            instance_url: "https://initech.my.salesforce.com".into(),
            org_id: Some("00Dxx0000001gPLEAY".into()),
            name: Some("Initech".into()),
            is_sandbox: Some(false),
            alias: Some("initech-prod".into()),
            read_at: at(22, 9),
        },
        deploy: None,
        verdict,
        since,
        until: at(22, 9),
        baseline: Span {
            from: since - Duration::days(30),
            to: since,
        },
        scope,
        asked: Vec::new(),
        manifest: None,
        org_pkce_required: None,
        apps,
        open: Vec::new(),
        logins: read(120),
        tokens: read(8),
        queries: 4,
    }
}

fn read(rows: u64) -> SourceState {
    SourceState::Read {
        rows,
        partial: false,
        method: Some("aggregate".into()),
        reason: None,
    }
}

/// An app this org owns, with `state` for `why`; the rest filled by the caller.
fn app(name: &str, kind: AppKind, state: State, why: Why, next: Next) -> AppCheck {
    AppCheck {
        name: name.into(),
        label: Some(name.replace('_', " ")),
        kind: Some(kind),
        owner: Some(Owner::Org),
        namespace: None,
        package: None,
        global_settings: None,
        pkce_required: Some(true),
        state,
        why,
        before: Window::default(),
        after: Window::default(),
        failures: Vec::new(),
        tokens: None,
        usual_gap: None,
        due: None,
        next,
    }
}

/// A baseline of `n` code-flow logins from the 1st to `last`.
fn baseline(n: u64, last: Time) -> Window {
    Window {
        code_flow: n,
        first_code_flow: Some(at(1, 8)),
        last_code_flow: Some(last),
        refresh: 40,
        ..Window::default()
    }
}

fn gap(hours: i64, more: i64) -> Option<Gap> {
    Some(Gap {
        at_least: Duration::hours(hours),
        at_most: Duration::hours(hours + more),
    })
}

fn failure(status: &str, class: StatusClass, count: u64, before: u64) -> Failure {
    Failure {
        status: status.into(),
        class,
        count,
        first: Some(at(20, 10)),
        last: Some(at(21, 17)),
        before,
    }
}

/// Step 3 went wrong: two apps of ours failing (a Connected App on PKCE statuses, an
/// External Client App on a new OAuth status), a packaged app and a vendor's silent; the
/// others in every other state, some unknown for every reason there can be with
/// LoginHistory read in part and OauthToken not read. A label carries hostile text.
pub fn rollback() -> Verification {
    use State::*;
    let both = |b: Back| Next::Rollback(vec![Back::UndoOrgSetting, b]);
    let mut portal = app(
        "Customer_Portal",
        AppKind::ConnectedApp,
        Failing,
        Why::PkceFailures,
        both(Back::UndoApp {
            name: "Customer_Portal".into(),
            kind: AppKind::ConnectedApp,
            global_settings: None,
        }),
    );
    portal.before = baseline(310, at(20, 8));
    portal.after = Window {
        app_failures: 15,
        user_failures: 2,
        refresh: 12,
        ..Window::default()
    };
    portal.usual_gap = gap(6, 0);
    portal.failures = vec![
        failure("Failed: Invalid Code Verifier", StatusClass::Pkce, 12, 0),
        failure("Failed: Invalid Callback URL", StatusClass::AppOauth, 3, 1),
    ];
    portal.tokens = Some(TokenUsage {
        app: "Customer Portal".into(),
        tokens: 40,
        users: 35,
        use_count: 900,
        used_in_window: 30,
        last_used: Some("2026-11-21".into()),
    });
    let mut field = app(
        "Field_Service",
        AppKind::ExternalClientApp,
        Failing,
        Why::NewOauthFailures,
        both(Back::UndoApp {
            name: "Field_Service".into(),
            kind: AppKind::ExternalClientApp,
            global_settings: None,
        }),
    );
    field.before = baseline(20, at(19, 15));
    field.usual_gap = gap(30, 20);
    field.after.app_failures = 4;
    field.failures = vec![failure(
        "Failed: Invalid Token",
        StatusClass::AppOauth,
        4,
        0,
    )];
    let mut sync = app(
        "acme__Sync",
        AppKind::ConnectedApp,
        Silent,
        Why::Silent { last: at(19, 11) },
        both(Back::Publisher {
            namespace: Some("acme".into()),
            package: Some("Acme Sync".into()),
        }),
    );
    sync.owner = Some(Owner::Isv);
    sync.namespace = Some("acme".into());
    sync.package = Some("Acme Sync".into());
    sync.label = Some("Acme Sync".into());
    sync.before = baseline(200, at(19, 11));
    sync.usual_gap = gap(2, 1);
    let mut vendor = app(
        "Vendor Tool",
        AppKind::External,
        Silent,
        Why::Silent { last: at(18, 23) },
        both(Back::Vendor),
    );
    vendor.label = Some("Vendor Tool".into());
    vendor.owner = Some(Owner::External);
    vendor.pkce_required = None;
    vendor.before = baseline(50, at(18, 23));
    vendor.usual_gap = gap(12, 12);
    let mut confirmed = app(
        "Intranet",
        AppKind::ConnectedApp,
        Confirmed,
        Why::Confirmed,
        Next::Nothing,
    );
    // Hostile text where a label goes: the table, Markdown and JSON must show it inert.
    confirmed.label = Some("Intra|net\u{1b}[2J <b>*x*</b>\u{202e}".into());
    confirmed.before = baseline(90, at(19, 17));
    confirmed.after = Window {
        code_flow: 9,
        first_code_flow: Some(at(20, 9)),
        last_code_flow: Some(at(21, 16)),
        ..Window::default()
    };
    confirmed.usual_gap = gap(16, 0);
    let mut rhythm = app(
        "Payroll",
        AppKind::ConnectedApp,
        Waiting,
        Why::WaitingRhythm { last: at(19, 8) },
        Next::SmokeTest {
            due: Some(at(26, 8)),
        },
    );
    rhythm.before = baseline(5, at(19, 8));
    rhythm.usual_gap = gap(120, 48);
    rhythm.due = Some(at(26, 8));
    let mut refresh = app(
        "Mobile",
        AppKind::ConnectedApp,
        Waiting,
        Why::WaitingRefresh,
        Next::SmokeTest { due: None },
    );
    refresh.after.refresh = 80;
    let mut jwt = app(
        "Integration_User",
        AppKind::ConnectedApp,
        Unaffected,
        Why::NoCodeFlow,
        Next::Nothing,
    );
    jwt.label = Some("Integration_User".into());
    jwt.before.no_code = 4000;
    jwt.after.no_code = 300;
    let unused = app(
        "Old_App",
        AppKind::ConnectedApp,
        Unaffected,
        Why::NoOauthUse,
        Next::Nothing,
    );
    let mut off = app(
        "Legacy",
        AppKind::ConnectedApp,
        NotDeployed,
        Why::NotRequired,
        Next::Deploy,
    );
    off.pkce_required = Some(false);
    let unknown =
        |name: &str, why: Why, next: Next| app(name, AppKind::ConnectedApp, Unknown, why, next);
    let access = |remedy: &str| Next::Access {
        remedy: remedy.into(),
    };
    let mut missing = unknown("No_Such_App", Why::NotFound, Next::CheckName);
    (
        missing.kind,
        missing.owner,
        missing.label,
        missing.pkce_required,
    ) = (None, None, None, None);
    let apps = vec![
        portal,
        field,
        sync,
        vendor,
        confirmed,
        rhythm,
        refresh,
        jwt,
        unused,
        off,
        missing,
        unknown(
            "Unreadable_App",
            Why::Unreadable {
                reason: "INSUFFICIENT_ACCESS".into(),
            },
            access(SETUP),
        ),
        unknown(
            "Twin_A",
            Why::LabelShared {
                with: vec!["Twin_B".into()],
            },
            Next::TellApart,
        ),
        unknown("Unlabelled", Why::NoLabel, Next::TellApart),
        unknown("Setting_Unread", Why::SettingUnread, access(SETUP)),
        unknown(
            "Partly_Read",
            Why::LoginsPartial,
            access(EvidenceSource::LoginHistory.remedy()),
        ),
        unknown(
            "Token_Only",
            Why::TokensUnread,
            access(EvidenceSource::OauthToken.remedy()),
        ),
        unknown(
            "Odd_Status",
            Why::UnrecognizedFailure {
                status: "Failed: Something New".into(),
            },
            Next::Investigate,
        ),
        unknown(
            "Busy_App",
            Why::RhythmUnresolved,
            access(EvidenceSource::LoginHistory.remedy()),
        ),
        unknown(
            "Maybe_Old",
            Why::FailureMaybeOld {
                status: "Failed: Invalid Callback URL".into(),
            },
            Next::Investigate,
        ),
    ];
    let mut v = run(Verdict::Rollback, ScopeKind::OrgWide, apps);
    // Dated by its deploy (`--deploy-id`).
    v.deploy = Some(DeployRef {
        id: "0AfXX0000012345ABC".into(),
        status: "Succeeded".into(),
        completed: v.since,
    });
    v.org_pkce_required = Some(true);
    v.open = vec![
        Open::Metadata {
            component: Some("ConnectedApp Unreadable_App".into()),
            reason: "INSUFFICIENT_ACCESS".into(),
        },
        Open::Logins,
    ];
    v.logins = SourceState::Read {
        rows: 2000,
        partial: true,
        method: Some("aggregate".into()),
        reason: None,
    };
    v.tokens = SourceState::Missing {
        reason: "sObject type 'OauthToken' is not supported".into(),
        remedy: EvidenceSource::OauthToken.remedy().into(),
    };
    v.queries = 9;
    v
}

/// What reads an app's metadata.
const SETUP: &str = "'View Setup and Configuration' and 'Customize Application'";

const DENIED: &str = "INSUFFICIENT_ACCESS: LoginHistory";

/// Step 2 from a manifest, LoginHistory denied: every app unknown, the org setting off.
pub fn watch() -> Verification {
    let mut a = app(
        "Customer_Portal",
        AppKind::ConnectedApp,
        State::Unknown,
        Why::LoginsUnread {
            reason: DENIED.into(),
        },
        Next::Access {
            remedy: EvidenceSource::LoginHistory.remedy().into(),
        },
    );
    a.label = Some("Customer Portal".into());
    let mut v = run(Verdict::Watch, ScopeKind::Manifest, vec![a]);
    v.manifest = Some("manifest/pkce-step2-apps.xml".into());
    v.org_pkce_required = Some(false);
    v.open = vec![
        Open::OrgSetting {
            required: Some(false),
        },
        Open::OrgSetting { required: None },
        Open::Logins,
    ];
    v.logins = SourceState::Missing {
        reason: DENIED.into(),
        remedy: EvidenceSource::LoginHistory.remedy().into(),
    };
    v.queries = 1;
    v
}

/// Step 2 for two named apps, both fine, everything read.
pub fn keep() -> Verification {
    let mut a = app(
        "Customer_Portal",
        AppKind::ConnectedApp,
        State::Confirmed,
        Why::Confirmed,
        Next::Nothing,
    );
    a.before = baseline(310, at(20, 8));
    a.after = Window {
        code_flow: 25,
        first_code_flow: Some(at(20, 9)),
        last_code_flow: Some(at(22, 8)),
        ..Window::default()
    };
    a.usual_gap = gap(6, 0);
    let mut b = app(
        "Integration_User",
        AppKind::ConnectedApp,
        State::Unaffected,
        Why::NoCodeFlow,
        Next::Nothing,
    );
    b.after.no_code = 12;
    let mut v = run(Verdict::Keep, ScopeKind::Apps, vec![a, b]);
    v.asked = vec!["Customer_Portal".into(), "Integration_User".into()];
    v.org_pkce_required = Some(false);
    v
}

/// All three.
pub fn all() -> Vec<(&'static str, Verification)> {
    vec![
        ("rollback", rollback()),
        ("watch", watch()),
        ("keep", keep()),
    ]
}
